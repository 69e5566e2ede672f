/* test_store.c: the host-local disk store in a mkdtemp directory: file format, index
 * (hits, misses, stale entries, changes made behind its back), GC, empty-file reclaim and
 * the lock between processes. */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "allocator.h"
#include "store.h"

static char tmp[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/hl-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	umask(022);
}

static void teardown(void)
{
	(void)nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *path(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/net/%s", tmp, name);
	return buf;
}

static struct store *open_st(void)
{
	struct store *s = NULL;

	ck_assert_int_eq(store_open(tmp, "net", 2000, &s, NULL), 0);
	return s;
}

static struct ipnet_addr ip(const char *s)
{
	struct ipnet_addr a;

	ck_assert_int_eq(ipnet_addr_parse(s, &a), 0);
	return a;
}

/* The whole file, or "" when it does not exist. */
static const char *slurp(const char *name)
{
	static char buf[4096];
	int fd = open(path(name), O_RDONLY);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static bool exists(const char *name)
{
	return access(path(name), F_OK) == 0;
}

/* What another process (the Go plugin, an admin) does: plain create + write. */
static void foreign_write(const char *name, const char *content)
{
	int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static void reserve_ok(struct store *s, const char *id, const char *ifname, const char *a)
{
	struct ipnet_addr x = ip(a);

	ck_assert_int_eq(store_reserve(s, id, ifname, &x, 0), 1);
}

static unsigned walks(const struct store *s)
{
	return store_stats(s)->walks;
}

START_TEST(test_reserve_conflict)
{
	struct store *s = open_st();
	struct ipnet_addr a = ip("10.0.0.2");

	ck_assert_int_eq(store_reserve(s, "c1", "eth0", &a, 0), 1);
	ck_assert_int_eq(store_reserve(s, "c2", "eth0", &a, 0), 0);
	ck_assert_int_eq(store_reserve(s, "c1", "eth0", &a, 0), 0);
	ck_assert_str_eq(slurp("10.0.0.2"), "c1\r\neth0");
	store_close(s);
}
END_TEST

START_TEST(test_format)
{
	struct store *s = open_st();
	struct ipnet_addr a = ip("10.0.0.2"), b = ip("2001:db8::1:0:0:5"), last;
	struct stat st;

	ck_assert_int_eq(store_reserve(s, " c1\n", "eth0", &a, 3), 1);
	ck_assert_int_eq(store_reserve(s, "c1", "net1", &b, 1), 1);
	/* exactly "<trimmed id>\r\n<ifname>", no trailing newline, mode 0600 */
	ck_assert_int_eq(stat(path("10.0.0.2"), &st), 0);
	ck_assert_int_eq(st.st_size, 8);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_mem_eq(slurp("10.0.0.2"), "c1\r\neth0", 8);
	/* RFC 5952 name, as Go's net.IP.String() */
	ck_assert_str_eq(slurp("2001:db8::1:0:0:5"), "c1\r\nnet1");
	ck_assert_str_eq(slurp("last_reserved_ip.3"), "10.0.0.2");
	ck_assert_str_eq(slurp("last_reserved_ip.1"), "2001:db8::1:0:0:5");
	ck_assert_int_eq(stat(path("last_reserved_ip.3"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(stat(path("lock"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	ck_assert_int_eq(store_last_reserved(s, 3, &last), 1);
	ck_assert(ipnet_addr_eq(&last, &a));
	ck_assert_int_eq(store_last_reserved(s, 7, &last), 0);
	store_close(s);
	/* the reference's net.ParseIP() does not trim: neither do we */
	foreign_write("last_reserved_ip.7", "10.0.0.9\n");
	s = open_st();
	ck_assert_int_eq(store_last_reserved(s, 7, &last), 0);
	store_close(s);
}
END_TEST

START_TEST(test_release_by_id)
{
	struct store *s = open_st();

	reserve_ok(s, "c1", "eth0", "10.0.0.2");
	reserve_ok(s, "c1", "eth0", "10.0.1.2");
	reserve_ok(s, "c1", "net1", "10.0.0.3");
	reserve_ok(s, "c2", "eth0", "10.0.0.4");
	ck_assert_int_eq(store_release_by_id(s, "c1", "eth0"), 2);
	ck_assert(!exists("10.0.0.2") && !exists("10.0.1.2"));
	ck_assert(exists("10.0.0.3") && exists("10.0.0.4"));
	ck_assert_int_eq(store_release_by_id(s, "c1", "eth0"), 0);
	ck_assert_int_eq(store_find_by_id(s, "c1", "eth0"), 0);
	ck_assert_int_eq(store_find_by_id(s, "c1", "net1"), 1);
	store_close(s);
	/* and in the next operation, through the index */
	s = open_st();
	ck_assert_int_eq(store_find_by_id(s, "c1", "eth0"), 0);
	ck_assert_int_eq(store_release_by_id(s, "c1", "net1"), 1);
	ck_assert_int_eq(walks(s), 0);
	store_close(s);
}
END_TEST

START_TEST(test_release_precise)
{
	struct store *s = open_st();
	struct ipnet_addr a = ip("10.0.0.2");

	reserve_ok(s, "c1", "eth0", "10.0.0.2");
	ck_assert_int_eq(store_release(s, "c2", "eth0", &a), 0);
	ck_assert_int_eq(store_release(s, "c1", "net1", &a), 0);
	ck_assert(exists("10.0.0.2"));
	ck_assert_int_eq(store_release(s, "c1", "eth0", &a), 1);
	ck_assert(!exists("10.0.0.2"));
	ck_assert_int_eq(store_find_by_id(s, "c1", "eth0"), 0);
	store_close(s);
}
END_TEST

/* Files written before the reference stored ifname hold the id alone. */
START_TEST(test_legacy)
{
	struct ipnet_addr *v = NULL;
	struct store *s = open_st();
	size_t n = 0;

	store_close(s);
	foreign_write("10.0.0.7", "c9");
	foreign_write("10.0.0.8", "c9\r\n");
	s = open_st();
	ck_assert_int_eq(store_find_by_id(s, "c9", "eth0"), 1);
	ck_assert_int_eq(store_find_by_id(s, "c9", "whatever"), 1);
	ck_assert_int_eq(store_get_by_id(s, "c9", "eth0", &v, &n), 0);
	ck_assert_int_eq(n, 2);
	free(v);
	/* a current-format reservation wins: legacy files are only the fallback */
	reserve_ok(s, "c9", "eth0", "10.0.0.2");
	ck_assert_int_eq(store_release_by_id(s, "c9", "eth0"), 1);
	ck_assert(exists("10.0.0.7") && exists("10.0.0.8"));
	ck_assert_int_eq(store_release_by_id(s, "c9", "eth0"), 2);
	ck_assert(!exists("10.0.0.7") && !exists("10.0.0.8"));
	ck_assert_int_eq(store_find_by_id(s, "c9", "eth0"), 0);
	store_close(s);
}
END_TEST

/* With a trusted index, lookups and DEL (hit or miss) never read the whole directory. */
START_TEST(test_index_hit_miss)
{
	struct ipnet_addr *v = NULL;
	struct store *s = open_st();
	size_t n = 0;
	char id[32];

	for (int i = 0; i < 300; i++) {
		char a[IPNET_STRLEN];

		snprintf(id, sizeof(id), "c%d", i);
		snprintf(a, sizeof(a), "10.0.%d.%d", i / 200, i % 200 + 2);
		reserve_ok(s, id, "eth0", a);
	}
	ck_assert_int_le(walks(s), 1); /* the first use builds the index once */
	store_close(s);
	s = open_st();
	ck_assert_int_eq(store_find_by_id(s, "c250", "eth0"), 1);
	ck_assert_int_eq(store_get_by_id(s, "c250", "eth0", &v, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert(ipnet_addr_eq(&v[0], &(struct ipnet_addr){.family = AF_INET, .a = {10, 0, 1, 52}}));
	free(v);
	ck_assert_int_eq(store_find_by_id(s, "nope", "eth0"), 0);
	ck_assert_int_eq(store_release_by_id(s, "nope", "eth0"), 0);
	ck_assert_int_eq(store_release_by_id(s, "c7", "eth0"), 1);
	ck_assert_int_eq(walks(s), 0);
	ck_assert_int_eq(store_stats(s)->rebuilds, 0);
	store_close(s);
	s = open_st();
	ck_assert_int_eq(store_find_by_id(s, "c7", "eth0"), 0);
	ck_assert_int_eq(store_find_by_id(s, "c8", "eth0"), 1);
	ck_assert_int_eq(walks(s), 0);
	store_close(s);
}
END_TEST

static void set_mtimes_equal(void)
{
	struct timespec t[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_sec = 1700000000, .tv_nsec = 123456789}};
	char d[128], x[128];

	snprintf(d, sizeof(d), "%s/net", tmp);
	snprintf(x, sizeof(x), "%s/net/.idx", tmp);
	ck_assert_int_eq(utimensat(AT_FDCWD, d, t, 0), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, x, t, 0), 0);
}

/* A trusted entry naming a file that is gone or belongs to someone else: verified, dropped. */
START_TEST(test_index_stale)
{
	struct store *s = open_st();
	int fd;

	reserve_ok(s, "c1", "eth0", "10.0.0.2");
	reserve_ok(s, "c2", "eth0", "10.0.0.3");
	store_close(s);
	fd = open(path(".idx/c1@eth0"), O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "10.0.0.9\n10.0.0.3\n", 18), 18);
	close(fd);
	set_mtimes_equal(); /* still trusted */
	s = open_st();
	ck_assert_int_eq(store_release_by_id(s, "c1", "eth0"), 1);
	ck_assert(!exists("10.0.0.2"));
	ck_assert(exists("10.0.0.3")); /* listed under c1, but holds c2 */
	ck_assert_int_eq(walks(s), 0);
	ck_assert_int_eq(store_find_by_id(s, "c2", "eth0"), 1);
	store_close(s);
	ck_assert(!exists(".idx/c1@eth0"));
}
END_TEST

/* Another binary creates and removes reservations: the next operation notices. */
START_TEST(test_foreign_changes)
{
	struct ipnet_addr *v = NULL;
	struct store *s = open_st();
	size_t n = 0;

	struct stat before, after;

	reserve_ok(s, "c1", "eth0", "10.0.0.2");
	reserve_ok(s, "c2", "eth0", "10.0.0.3");
	store_close(s);
	ck_assert_int_eq(stat(path(".idx/c2@eth0"), &before), 0);
	foreign_write("10.0.0.9", "cx\r\neth0");
	s = open_st();
	ck_assert_int_eq(store_find_by_id(s, "cx", "eth0"), 1);
	ck_assert_int_eq(walks(s), 1);
	ck_assert_int_eq(store_stats(s)->rebuilds, 1);
	store_close(s);
	/* the rebuild wrote the new entry only */
	ck_assert_int_eq(stat(path(".idx/c2@eth0"), &after), 0);
	ck_assert_int_eq(before.st_ino, after.st_ino);
	ck_assert(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
		  before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
	ck_assert_str_eq(slurp(".idx/cx@eth0"), "#host-local index v1\n10.0.0.9\n");
	s = open_st();
	ck_assert_int_eq(store_find_by_id(s, "cx", "eth0"), 1);
	ck_assert_int_eq(walks(s), 0);
	store_close(s);
	ck_assert_int_eq(unlink(path("10.0.0.2")), 0);
	s = open_st();
	ck_assert_int_eq(store_get_by_id(s, "c1", "eth0", &v, &n), 0);
	ck_assert_int_eq(n, 0);
	free(v);
	ck_assert_int_eq(store_find_by_id(s, "c2", "eth0"), 1);
	store_close(s);
}
END_TEST

/* Whatever a crash leaves (index gone, boot marker gone, a leftover temp) is recovered. */
START_TEST(test_index_recovery)
{
	struct store *s = open_st();
	char cmd[160];

	reserve_ok(s, "c1", "eth0", "10.0.0.2");
	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -f %s/net/.idx/.boot-*", tmp);
	ck_assert_int_eq(system(cmd), 0);
	foreign_write(".idx/c1@eth0", "#host-local index v1\n");	   /* lost its name */
	foreign_write(".idx/zz@eth0", "#host-local index v1\n10.0.0.2\n"); /* not a real one */
	set_mtimes_equal();
	s = open_st();
	ck_assert_int_eq(store_find_by_id(s, "c1", "eth0"), 1);
	ck_assert_int_eq(store_stats(s)->rebuilds, 1);
	store_close(s);
	ck_assert_str_eq(slurp(".idx/c1@eth0"), "#host-local index v1\n10.0.0.2\n");
	ck_assert(!exists(".idx/zz@eth0"));
	s = open_st();
	ck_assert_int_eq(store_find_by_id(s, "c1", "eth0"), 1);
	ck_assert_int_eq(walks(s), 0);
	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s/net/.idx", tmp);
	ck_assert_int_eq(system(cmd), 0);
	s = open_st();
	ck_assert_int_eq(store_release_by_id(s, "c1", "eth0"), 1);
	ck_assert_int_eq(store_stats(s)->rebuilds, 1);
	store_close(s);
	s = open_st();
	ck_assert_int_eq(store_find_by_id(s, "c1", "eth0"), 0);
	ck_assert_int_eq(walks(s), 0);
	store_close(s);
}
END_TEST

/* Ids that cannot name an index entry still work, through a walk. */
START_TEST(test_unindexable)
{
	char id[300];
	struct store *s;

	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	s = open_st();
	reserve_ok(s, "c1", "eth0", "10.0.0.3");
	store_close(s);
	s = open_st();
	reserve_ok(s, id, "eth0", "10.0.0.2");
	store_close(s);
	s = open_st();
	ck_assert_int_eq(store_find_by_id(s, "c1", "eth0"), 1); /* the index is still trusted */
	ck_assert_int_eq(walks(s), 0);
	ck_assert_int_eq(store_find_by_id(s, id, "eth0"), 1);
	ck_assert_int_eq(walks(s), 1);
	ck_assert_int_eq(store_release_by_id(s, id, "eth0"), 1);
	store_close(s);
	ck_assert(!exists("10.0.0.2"));
}
END_TEST

/* Names an index line cannot hold (a leading '#', a newline) are never reservations: the
 * walk and the index agree, whichever answers (they used to differ: found by fuzz_store). */
START_TEST(test_odd_names)
{
	struct store *s = open_st();

	reserve_ok(s, "c0", "eth0", "10.0.0.2");
	store_close(s);
	foreign_write("#x", "c1\r\neth0");
	foreign_write("a\nb", "c2\r\neth0");
	s = open_st(); /* foreign changes: a walk, then a rebuilt index */
	ck_assert_int_eq(store_find_by_id(s, "c1", "eth0"), 0);
	ck_assert_int_eq(store_find_by_id(s, "c2", "eth0"), 0);
	ck_assert_int_eq(walks(s), 1);
	store_close(s);
	s = open_st(); /* the index now */
	ck_assert_int_eq(store_find_by_id(s, "c1", "eth0"), 0);
	ck_assert_int_eq(store_find_by_id(s, "c2", "eth0"), 0);
	ck_assert_int_eq(store_find_by_id(s, "c0", "eth0"), 1);
	ck_assert_int_eq(walks(s), 0);
	ck_assert_int_eq(store_release_by_id(s, "c1", "eth0"), 0);
	store_close(s);
	ck_assert(exists("#x") && exists("a\nb"));
}
END_TEST

START_TEST(test_gc)
{
	const struct store_attachment valid[] = {{"a", "eth0"}, {"b", "net1"}, {"c", "eth9"}};
	struct store *s = open_st();
	int fd;

	reserve_ok(s, "a", "eth0", "10.0.0.2");
	reserve_ok(s, "b", "eth0", "10.0.0.3");
	reserve_ok(s, "b", "net1", "10.0.0.4");
	reserve_ok(s, "z", "eth0", "2001:db8::2");
	store_close(s);
	foreign_write("10.0.0.5", "c");			       /* legacy, container c still valid */
	foreign_write("10.0.0.6", "d");			       /* legacy, gone */
	fd = open(path("10.0.0.7"), O_WRONLY | O_CREAT, 0600); /* empty leftover */
	close(fd);
	foreign_write("notes", "b\r\neth0"); /* not IP-named: not a reservation */
	foreign_write(".hidden", "b\r\neth0");
	s = open_st();
	ck_assert_int_eq(store_gc(s, valid, ELEMENTSOF(valid)), 4);
	store_close(s);
	ck_assert(exists("10.0.0.2") && exists("10.0.0.4") && exists("10.0.0.5"));
	ck_assert(!exists("10.0.0.3") && !exists("2001:db8::2") && !exists("10.0.0.6") &&
		  !exists("10.0.0.7"));
	ck_assert(exists("notes") && exists(".hidden") && exists("lock") && exists("last_reserved_ip.0"));
	/* the index was rebuilt from GC's walk */
	s = open_st();
	ck_assert_int_eq(store_find_by_id(s, "b", "net1"), 1);
	ck_assert_int_eq(store_find_by_id(s, "z", "eth0"), 0);
	ck_assert_int_eq(walks(s), 0);
	/* nothing valid: everything goes */
	ck_assert_int_eq(store_gc(s, NULL, 0), 3);
	store_close(s);
	ck_assert(!exists("10.0.0.2") && !exists("10.0.0.5"));
}
END_TEST

/* An empty file (a Go plugin that died between create and write) is free. */
START_TEST(test_empty_reclaim)
{
	struct store *s;
	int fd;

	s = open_st();
	store_close(s);
	fd = open(path("10.0.0.2"), O_WRONLY | O_CREAT, 0644);
	close(fd);
	foreign_write("10.0.0.3", " ");
	s = open_st();
	reserve_ok(s, "c1", "eth0", "10.0.0.2");
	ck_assert_str_eq(slurp("10.0.0.2"), "c1\r\neth0");
	{
		struct ipnet_addr b = ip("10.0.0.3");

		ck_assert_int_eq(store_reserve(s, "c2", "eth0", &b, 0), 0); /* not empty: taken */
	}
	ck_assert_int_eq(store_find_by_id(s, "c1", "eth0"), 1);
	store_close(s);
}
END_TEST

static int child_alloc(const char *dir, int barrier, int k)
{
	struct alloc_range r = {
		.subnet = {.ip = {.family = AF_INET, .a = {10, 9, 0, 0}}, .prefix = 28},
		.start = {.family = AF_INET, .a = {10, 9, 0, 2}},
		.end = {.family = AF_INET, .a = {10, 9, 0, 9}},
		.gateway = {.family = AF_INET, .a = {10, 9, 0, 1}},
	};
	struct alloc_rangeset set = {&r, 1};
	struct cni_error err = {0};
	struct store *s = NULL;
	struct cni_ip out;
	char id[16], c;

	(void)read(barrier, &c, 1); /* all start together */
	snprintf(id, sizeof(id), "c%d", k);
	if (store_open(dir, "net", 10000, &s, NULL) < 0)
		return 2;
	if (alloc_get(s, &set, 0, id, "eth0", NULL, &out, &err) < 0)
		return 3;
	store_close(s);
	return 0;
}

/* N processes allocate from a range of N addresses at once: each gets its own. */
START_TEST(test_lock_concurrent_alloc)
{
	enum { N = 8 };
	pid_t pid[N];
	int p[2];
	char seen[N] = {0};

	ck_assert_int_eq(pipe(p), 0);
	for (int k = 0; k < N; k++) {
		pid[k] = fork();
		ck_assert_int_ge(pid[k], 0);
		if (pid[k] == 0) {
			close(p[1]);
			_exit(child_alloc(tmp, p[0], k));
		}
	}
	close(p[0]);
	close(p[1]);
	for (int k = 0; k < N; k++) {
		int st;

		ck_assert_int_eq(waitpid(pid[k], &st, 0), pid[k]);
		ck_assert(WIFEXITED(st));
		ck_assert_int_eq(WEXITSTATUS(st), 0);
	}
	for (int i = 2; i <= 9; i++) {
		char name[32];
		int k;

		snprintf(name, sizeof(name), "10.9.0.%d", i);
		ck_assert_int_eq(sscanf(slurp(name), "c%d\r\neth0", &k), 1);
		ck_assert(k >= 0 && k < N && !seen[k]);
		seen[k] = 1;
	}
}
END_TEST

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* A holder blocks others, including a plain flock() such as the Go plugin's; waiting is
 * bounded and ends as soon as the holder lets go. */
START_TEST(test_lock_blocks)
{
	int ready[2], go[2], fd, st;
	struct store *s = NULL;
	long long t0;
	pid_t pid;
	char c;

	s = open_st();
	store_close(s);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct store *h = NULL;

		if (store_open(tmp, "net", 1000, &h, NULL) < 0)
			_exit(2);
		(void)write(ready[1], "x", 1);
		(void)read(go[0], &c, 1);
		usleep(200000);
		store_close(h);
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	t0 = now_ms();
	ck_assert_int_eq(store_open(tmp, "net", 300, &s, NULL), -ETIMEDOUT);
	ck_assert_int_ge(now_ms() - t0, 290);
	fd = open(path("lock"), O_RDONLY);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	close(fd);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	t0 = now_ms();
	ck_assert_int_eq(store_open(tmp, "net", 5000, &s, NULL), 0);
	ck_assert_int_lt(now_ms() - t0, 2000); /* woke when released, not at the deadline */
	store_close(s);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
END_TEST

/* Not the directory's owner (explicit timestamps need ownership) and no
 * CAP_DAC_READ_SEARCH (linkat AT_EMPTY_PATH): no index, /proc link, still correct. */
static int unprivileged(void)
{
	struct ipnet_addr a = ip("10.0.0.2"), b = ip("10.0.0.3");
	struct store *s = NULL;

	if (setgid(65534) < 0 || setuid(65534) < 0)
		return 10;
	if (store_open(tmp, "net", 1000, &s, NULL) < 0)
		return 11;
	if (store_reserve(s, "c1", "eth0", &a, 0) != 1 || store_reserve(s, "c2", "eth0", &b, 0) != 1)
		return 12;
	if (store_find_by_id(s, "c1", "eth0") != 1 || store_release_by_id(s, "c2", "eth0") != 1)
		return 13;
	if (walks(s) < 1 || access(path(".idx"), F_OK) == 0)
		return 14;
	store_close(s);
	if (store_open(tmp, "net", 1000, &s, NULL) < 0 || store_find_by_id(s, "c1", "eth0") != 1 || walks(s) != 1)
		return 15;
	store_close(s);
	return 0;
}

START_TEST(test_not_owner)
{
	struct store *s;
	pid_t pid;
	int st;

	if (geteuid() != 0)
		return; /* needs to switch users */
	s = open_st();
	store_close(s);
	ck_assert_int_eq(chmod(tmp, 0755), 0);
	ck_assert_int_eq(chmod(path(""), 0777), 0);
	ck_assert_int_eq(chmod(path("lock"), 0644), 0);
	ck_assert(!exists(".idx")); /* nothing looked anything up yet */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(unprivileged());
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	ck_assert_str_eq(slurp("10.0.0.2"), "c1\r\neth0");
	ck_assert(!exists("10.0.0.3"));
	s = open_st(); /* the owner builds the index again */
	ck_assert_int_eq(store_find_by_id(s, "c1", "eth0"), 1);
	ck_assert_int_eq(store_stats(s)->rebuilds, 1);
	store_close(s);
}
END_TEST

START_TEST(test_probe)
{
	char file[128];

	ck_assert_int_eq(store_probe(tmp, "net", NULL), 0);
	ck_assert(exists("lock"));
	snprintf(file, sizeof(file), "%s/file", tmp);
	close(open(file, O_WRONLY | O_CREAT, 0600));
	ck_assert_int_eq(store_probe(file, "net", NULL), -ENOTDIR);
	ck_assert_int_eq(store_probe(tmp, "../x", NULL), -EINVAL);
}
END_TEST

Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_reserve_conflict);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_release_by_id);
	tcase_add_test(tc, test_release_precise);
	tcase_add_test(tc, test_legacy);
	tcase_add_test(tc, test_index_hit_miss);
	tcase_add_test(tc, test_index_stale);
	tcase_add_test(tc, test_foreign_changes);
	tcase_add_test(tc, test_index_recovery);
	tcase_add_test(tc, test_unindexable);
	tcase_add_test(tc, test_odd_names);
	tcase_add_test(tc, test_gc);
	tcase_add_test(tc, test_empty_reclaim);
	tcase_add_test(tc, test_lock_concurrent_alloc);
	tcase_add_test(tc, test_lock_blocks);
	tcase_add_test(tc, test_not_owner);
	tcase_add_test(tc, test_probe);
	suite_add_tcase(s, tc);
	return s;
}
