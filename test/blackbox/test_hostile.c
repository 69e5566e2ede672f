/* test_hostile.c: hostile paths and a hostile store. Every kind of file (test/lib/testfs.h)
 * planted where the plugins expect a file or directory of their own, or named by a path
 * in their input: the plugin must answer at once (a FIFO opened for real blocks forever)
 * with a clear error naming the culprit, or work around it, and never write, truncate,
 * create or delete anything outside the data directory (the "victim" stays intact).
 *
 * host-local is exec'd directly (it never enters CNI_NETNS, which names nothing here). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testfs.h"
#include "testns.h"
#include "testproc.h"

#define NET "hostnet"
#define RSS_LIMIT_KB (64 * 1024) /* peak RSS allowed on any input (issue 11) */
#define NO_NS "/run/netns/hostile-never-entered"
#define R24 "\"ranges\":[[{\"subnet\":\"10.7.0.0/24\"}]]"
#define R46 "\"ranges\":[[{\"subnet\":\"10.7.0.0/24\"}],[{\"subnet\":\"fd07::/64\"}]]"

/* ---- helpers ---- */

struct world {
	char dir[PATH_MAX];   /* dataDir */
	char store[PATH_MAX]; /* dataDir/NET */
	char vdir[PATH_MAX], vfile[PATH_MAX];
	char conf[PATH_MAX + 512];
};

static void world_init(struct world *w, const char *version, const char *ranges)
{
	ck_assert_int_eq(testdir_create(w->dir), 0);
	xfmt(w->store, sizeof(w->store), "%s/" NET, w->dir);
	testfs_victim(w->dir, w->vdir, w->vfile);
	xfmt(w->conf, sizeof(w->conf),
	     "{\"cniVersion\":\"%s\",\"name\":\"" NET "\",\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\","
	     "\"dataDir\":\"%s\",%s}}",
	     version, w->dir, ranges);
}

static void spath(char buf[static PATH_MAX], const struct world *w, const char *name)
{
	xfmt(buf, PATH_MAX, "%s/%s", w->store, name);
}

static void hl(const char *cmd, const char *cid, const char *conf, struct plugin_run *r)
{
	ck_assert_int_eq(plugin_exec("host-local", cmd, cid ? NO_NS : NULL, cid ? "eth0" : NULL, cid, conf, NULL, r),
			 0);
	ck_assert_msg(!r->timed_out, "host-local %s did not answer in time (blocked on a planted file?)", cmd);
}

static void hl_ok(const char *cmd, const char *cid, const struct world *w)
{
	_cleanup_run_ struct plugin_run r = {0};

	hl(cmd, cid, w->conf, &r);
	assert_run_ok(&r);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int ip_named(const struct dirent *de)
{
	unsigned char a[16];

	return inet_pton(AF_INET, de->d_name, a) == 1 || inet_pton(AF_INET6, de->d_name, a) == 1;
}

/* The reservations (IP-named files) in the store, sorted, space-separated. */
static void reservations(const struct world *w, char *buf, size_t len)
{
	struct dirent **v = NULL;
	int n = scandir(w->store, &v, ip_named, by_name);

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t l = strlen(buf);

		snprintf(buf + l, len - l, "%s%s", l ? " " : "", v[i]->d_name);
		free(v[i]);
	}
	free(v);
}

#define assert_reservations(w, want)                                                       \
	do {                                                                               \
		char have_[1024];                                                          \
		reservations((w), have_, sizeof(have_));                                   \
		ck_assert_msg(strcmp(have_, (want)) == 0, "store %s holds [%s], expected [%s]", \
			      (w)->store, have_, (want));                                  \
	} while (0)

/* Whether the kind is a symbolic link of some sort. */
static bool is_symlink_kind(enum testfs_kind k)
{
	return k == TESTFS_SYMLINK_LOOP || k == TESTFS_DANGLING || k == TESTFS_SYMLINK_OUT;
}

/* ---- last_reserved_ip.N: written in place after every reservation ---- */

START_TEST(last_reserved_planted)
{
	enum testfs_kind k = (enum testfs_kind)_i;
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	struct world w;
	char p[PATH_MAX];

	world_init(&w, "1.0.0", R24);
	ck_assert_int_eq(mkdir(w.store, 0755), 0);
	spath(p, &w, "last_reserved_ip.0");
	testfs_plant(p, k, w.vdir, false);
	hl("ADD", "ctr-last", w.conf, &add);
	if (k == TESTFS_REGULAR || k == TESTFS_UNREADABLE) {
		/* Ours to rewrite (root reads and writes mode 0 files). */
		assert_run_ok(&add);
		assert_reservations(&w, "10.7.0.2");
	} else if (k == TESTFS_HARDLINK_OUT) {
		/* Writing it would rewrite the victim: refused. */
		assert_cni_error(&add, 999, "last_reserved_ip.0");
		assert_cni_error(&add, 999, "other hard links");
		assert_reservations(&w, "");
	} else {
		assert_cni_error(&add, 999, "last_reserved_ip.0");
		assert_cni_error(&add, 999, is_symlink_kind(k) ? "a symbolic link" : "refusing to use it");
		/* The failed ADD kept nothing. */
		assert_reservations(&w, "");
	}
	/* DEL and CHECK do not need the file. */
	hl_ok("DEL", "ctr-last", &w);
	hl("CHECK", "ctr-last", w.conf, &chk);
	assert_cni_error(&chk, 999, "Failed to find address");
	assert_reservations(&w, "");
	assert_victim_intact(w.vdir);
}
END_TEST

/* ---- the index: .idx/<id>@<ifname> entries and its temp file ---- */

/* Give path the timestamps it had in st (planting a file changed its directory's mtime,
 * which would make host-local distrust and rebuild the index instead of using it). */
static void restore_times(const char *path, const struct stat *st)
{
	struct timespec t[2] = {st->st_atim, st->st_mtim};

	ck_assert_int_eq(utimensat(AT_FDCWD, path, t, 0), 0);
}

static const char *const idx_names[] = {".tmp", "ctr-idx@eth0"};

START_TEST(index_planted)
{
	enum testfs_kind k = (enum testfs_kind)(_i % _TESTFS_MAX);
	const char *name = idx_names[_i / _TESTFS_MAX];
	_cleanup_run_ struct plugin_run chk = {0};
	char idx[PATH_MAX], entry[PATH_MAX + 16], p[PATH_MAX + 16];
	struct stat sd, si;
	struct world w;
	FILE *f;

	world_init(&w, "1.0.0", R46);
	/* A trusted index; ctr-idx holds an IPv4 and an IPv6 address. */
	hl_ok("ADD", "ctr-other", &w);
	hl_ok("ADD", "ctr-idx", &w);
	assert_reservations(&w, "10.7.0.2 10.7.0.3 fd07::2 fd07::3");
	spath(idx, &w, ".idx");
	ck_assert_int_eq(stat(w.store, &sd), 0);
	ck_assert_int_eq(stat(idx, &si), 0);
	/* The entry also names a file that is gone: a lookup drops that name and rewrites the
	 * entry through .tmp. */
	xfmt(entry, sizeof(entry), "%s/ctr-idx@eth0", idx);
	f = fopen(entry, "a");
	ck_assert_ptr_nonnull(f);
	fputs("10.7.0.99\n", f);
	fclose(f);
	xfmt(p, sizeof(p), "%s/%s", idx, name);
	(void)unlink(p);
	testfs_plant(p, k, w.vdir, false);
	restore_times(idx, &si);
	restore_times(w.store, &sd);
	/* No hang, no write through a link; the reservations are found and released. */
	hl("CHECK", "ctr-idx", w.conf, &chk);
	assert_run_ok(&chk);
	hl_ok("DEL", "ctr-idx", &w);
	assert_reservations(&w, "10.7.0.2 fd07::2");
	hl_ok("ADD", "ctr-idx", &w);
	assert_reservations(&w, "10.7.0.2 10.7.0.4 fd07::2 fd07::4");
	hl_ok("DEL", "ctr-idx", &w);
	hl_ok("DEL", "ctr-other", &w);
	assert_reservations(&w, "");
	assert_victim_intact(w.vdir);
}
END_TEST

/* ---- the network's directory and its lock ---- */

static void hl_status(const struct world *w, struct plugin_run *r)
{
	char conf[sizeof(w->conf)];

	xfmt(conf, sizeof(conf), "%s", w->conf);
	memcpy(strstr(conf, "1.0.0"), "1.1.0", 5);
	hl("STATUS", NULL, conf, r);
}

/* <dataDir>/<network> is ours: anything but a real directory there is refused by every
 * command, naming the problem, and nothing is written through it. */
START_TEST(store_dir_planted)
{
	static const char *const cmds[] = {"ADD", "CHECK", "DEL"};
	enum testfs_kind k = (enum testfs_kind)_i;
	_cleanup_run_ struct plugin_run st = {0};
	const char *why;
	struct world w;

	world_init(&w, "1.0.0", R24);
	testfs_plant(w.store, k, w.vdir, true);
	why = is_symlink_kind(k) ? "is a symbolic link" : "not a directory";
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		_cleanup_run_ struct plugin_run r = {0};

		hl(cmds[c], "ctr-dir", w.conf, &r);
		if (k == TESTFS_DIR) {
			if (c != 1)
				assert_run_ok(&r);
			continue;
		}
		assert_cni_error(&r, 999, "cannot open the data directory");
		assert_cni_error(&r, 999, why);
	}
	hl_status(&w, &st);
	if (k == TESTFS_DIR)
		assert_run_ok(&st);
	else
		assert_cni_error(&st, 50, why);
	assert_victim_intact(w.vdir);
}
END_TEST

START_TEST(store_dir_foreign_owner)
{
	_cleanup_run_ struct plugin_run r = {0};
	struct world w;

	world_init(&w, "1.0.0", R24);
	ck_assert_int_eq(mkdir(w.store, 0755), 0);
	ck_assert_int_eq(chown(w.store, 65534, 65534), 0);
	hl("ADD", "ctr-owner", w.conf, &r);
	assert_cni_error(&r, 999, "belongs to uid 65534");
	assert_reservations(&w, "");
	ck_assert_int_ne(access(w.store, F_OK), -1);
	{
		char lock[PATH_MAX];

		spath(lock, &w, "lock");
		ck_assert_msg(access(lock, F_OK) != 0, "a lock file was created in someone else's directory");
	}
}
END_TEST

START_TEST(lock_planted)
{
	enum testfs_kind k = (enum testfs_kind)_i;
	_cleanup_run_ struct plugin_run add = {0}, del = {0};
	struct world w;
	char p[PATH_MAX];

	world_init(&w, "1.0.0", R24);
	ck_assert_int_eq(mkdir(w.store, 0755), 0);
	spath(p, &w, "lock");
	testfs_plant(p, k, w.vdir, false);
	hl("ADD", "ctr-lock", w.conf, &add);
	hl("DEL", "ctr-lock", w.conf, &del);
	if (k == TESTFS_REGULAR || k == TESTFS_UNREADABLE) {
		assert_run_ok(&add);
		assert_run_ok(&del);
	} else {
		const char *why = is_symlink_kind(k)	    ? "symbolic link"
				  : k == TESTFS_HARDLINK_OUT ? "other hard links"
				  : k == TESTFS_DIR	    ? "a directory"
							    : "a FIFO, socket or device";

		assert_cni_error(&add, 999, "lock file is");
		assert_cni_error(&add, 999, why);
		assert_cni_error(&del, 999, why);
	}
	assert_reservations(&w, "");
	assert_victim_intact(w.vdir);
}
END_TEST

/* A file planted under a reservation's name: that address is taken (never written or
 * followed), the next one is handed out; DEL and GC leave the planted object alone
 * unless it is an empty regular file (a crash leftover, reclaimed). */
START_TEST(reservation_planted)
{
	enum testfs_kind k = (enum testfs_kind)_i;
	_cleanup_run_ struct plugin_run add = {0}, gc = {0};
	bool reclaimed = k == TESTFS_REGULAR || k == TESTFS_UNREADABLE;
	char p[PATH_MAX], conf[sizeof(((struct world *)0)->conf) + 64];
	struct world w;
	struct stat st;

	world_init(&w, "1.1.0", R24);
	ck_assert_int_eq(mkdir(w.store, 0755), 0);
	spath(p, &w, "10.7.0.2");
	testfs_plant(p, k, w.vdir, false);
	hl("ADD", "ctr-res", w.conf, &add);
	assert_run_ok(&add);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(add.json, "ips"), 0),
							 "address")),
			 reclaimed ? "10.7.0.2/24" : "10.7.0.3/24");
	hl_ok("DEL", "ctr-res", &w);
	xfmt(conf, sizeof(conf), "%.*s,\"cni.dev/valid-attachments\":[]}", (int)strlen(w.conf) - 1, w.conf);
	hl("GC", NULL, conf, &gc);
	assert_run_ok(&gc);
	/* The planted object is still there (or, hard link and regular files, gone by GC:
	 * only the name goes, the victim keeps its content). */
	if (!reclaimed && k != TESTFS_HARDLINK_OUT)
		ck_assert_msg(lstat(p, &st) == 0, "the planted %s was removed", testfs_kind_name(k));
	assert_victim_intact(w.vdir);
}
END_TEST

/* ---- dataDir: the administrator's path (symbolic links in it are followed, as the
 * reference does), which must lead to a directory ---- */

enum { DD_TOO_LONG = _TESTFS_MAX, _DD_MAX };

START_TEST(data_dir_planted)
{
	enum testfs_kind k = (enum testfs_kind)_i;
	_cleanup_run_ struct plugin_run add = {0}, del = {0}, st = {0};
	char dd[PATH_MAX + 8];
	struct world w;
	bool works = k == TESTFS_DIR || k == TESTFS_SYMLINK_OUT;

	world_init(&w, "1.0.0", R24);
	if (_i == DD_TOO_LONG) {
		testfs_too_long(dd, sizeof(dd));
	} else {
		xfmt(dd, sizeof(dd), "%s/dd", w.dir);
		testfs_plant(dd, k, w.vdir, true);
	}
	xfmt(w.conf, sizeof(w.conf),
	     "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\","
	     "\"dataDir\":\"%s\"," R24 "}}",
	     dd);
	hl("ADD", "ctr-dd", w.conf, &add);
	hl("DEL", "ctr-dd", w.conf, &del);
	hl_status(&w, &st);
	if (works) {
		/* A symbolic link to a directory is the administrator's choice: followed. */
		assert_run_ok(&add);
		assert_run_ok(&del);
		assert_run_ok(&st);
		return;
	}
	assert_cni_error(&add, 999, "cannot open the data directory");
	assert_cni_error(&del, 999, "cannot open the data directory");
	assert_cni_error(&st, 50, "is not usable");
	assert_victim_intact(w.vdir);
}
END_TEST

/* "a/b/../c" is "a/c" for the reference (filepath.Join cleans lexically), even when b is a
 * symbolic link that the kernel would follow first: ours uses the same directory, so the
 * two never hand out the same address twice. */
START_TEST(data_dir_dotdot_like_go)
{
	_cleanup_run_ struct plugin_run a = {0}, b = {0};
	char link[PATH_MAX], elsewhere[PATH_MAX], dd[PATH_MAX + 32], want[PATH_MAX + 32];
	struct world w;

	if (access("/usr/lib/cni/host-local", X_OK) != 0)
		return; /* the reference plugin is not installed */
	world_init(&w, "1.0.0", R24);
	xfmt(elsewhere, sizeof(elsewhere), "%s/elsewhere", w.dir);
	ck_assert_int_eq(mkdir(elsewhere, 0755), 0);
	xfmt(dd, sizeof(dd), "%s/elsewhere/x", w.dir);
	ck_assert_int_eq(mkdir(dd, 0755), 0);
	xfmt(link, sizeof(link), "%s/link", w.dir);
	ck_assert_int_eq(symlink(dd, link), 0);
	/* Lexically <dir>/data; through the kernel <dir>/elsewhere/data. */
	xfmt(dd, sizeof(dd), "%s/link/../data", w.dir);
	xfmt(w.conf, sizeof(w.conf),
	     "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\","
	     "\"dataDir\":\"%s\"," R24 "}}",
	     dd);
	ck_assert_int_eq(plugin_exec("/usr/lib/cni/host-local", "ADD", NO_NS, "eth0", "ctr-go", w.conf, NULL, &a), 0);
	assert_run_ok(&a);
	hl("ADD", "ctr-ours", w.conf, &b);
	assert_run_ok(&b);
	xfmt(want, sizeof(want), "%s/data/" NET, w.dir);
	xfmt(w.store, sizeof(w.store), "%s", want);
	assert_reservations(&w, "10.7.0.2 10.7.0.3");
	xfmt(dd, sizeof(dd), "%s/elsewhere/data", w.dir);
	ck_assert_msg(access(dd, F_OK) != 0, "%s was created: the kernel's reading of the path, not Go's", dd);
	hl_ok("DEL", "ctr-ours", &w);
	hl_ok("DEL", "ctr-go", &w);
	assert_reservations(&w, "");
}
END_TEST

/* ---- resolvConf: a path to read, never to block on ---- */

enum { RC_TOO_LONG = _TESTFS_MAX, _RC_MAX };

START_TEST(resolv_conf_planted)
{
	enum testfs_kind k = (enum testfs_kind)_i;
	_cleanup_run_ struct plugin_run r = {0};
	char rc[PATH_MAX + 8];
	struct world w;

	world_init(&w, "1.0.0", R24);
	if (_i == RC_TOO_LONG) {
		testfs_too_long(rc, sizeof(rc));
	} else {
		xfmt(rc, sizeof(rc), "%s/resolv.conf", w.dir);
		testfs_plant(rc, k, w.vdir, false);
	}
	xfmt(w.conf, sizeof(w.conf),
	     "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\","
	     "\"dataDir\":\"%s\",\"resolvConf\":\"%s\"," R24 "}}",
	     w.dir, rc);
	hl("ADD", "ctr-rc", w.conf, &r);
	switch (_i) {
	case TESTFS_REGULAR:
	case TESTFS_UNREADABLE:
	case TESTFS_SYMLINK_OUT:
	case TESTFS_HARDLINK_OUT:
		assert_run_ok(&r); /* a file to read (root reads mode 0) */
		hl_ok("DEL", "ctr-rc", &w);
		break;
	case TESTFS_DIR:
	case TESTFS_FIFO:
	case TESTFS_SOCKET:
	case TESTFS_CHARDEV:
	case TESTFS_BLOCKDEV:
		assert_cni_error(&r, 7, "is not a regular file");
		break;
	default:
		assert_cni_error(&r, 7, "cannot read");
	}
	assert_reservations(&w, "");
	assert_victim_intact(w.vdir);
}
END_TEST

/* The network name names a directory: one longer than NAME_MAX is a config error. */
START_TEST(network_name_too_long)
{
	static const char *const cmds[] = {"ADD", "DEL"};
	_cleanup_run_ struct plugin_run r = {0};
	char name[300], conf[PATH_MAX + 800];
	struct world w;

	world_init(&w, "1.0.0", R24);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	xfmt(conf, sizeof(conf),
	     "{\"cniVersion\":\"1.0.0\",\"name\":\"%s\",\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\","
	     "\"dataDir\":\"%s\"," R24 "}}",
	     name, w.dir);
	hl(cmds[_i], "ctr-name", conf, &r);
	assert_cni_error(&r, 7, "\"name\" is longer than 255");
}
END_TEST

/* ---- the IPAM delegate: a plugin exec'd from CNI_PATH ---- */

/* A bridge pod whose IPAM plugin is the shell script `body`, installed as
 * <dir>/fake-ipam; CNI_PATH is <dir>:<the plugins>. */
struct deleg {
	char ns[TESTNS_NAMELEN], nspath[PATH_MAX];
	char dir[PATH_MAX], cni_path[2 * PATH_MAX + 2], env_path[2 * PATH_MAX + 16];
	char *conf;
	const char *env[2];
};

static void deleg_init(struct deleg *d, const char *body, size_t pad)
{
	char script[PATH_MAX + 16], *padding;
	FILE *f;

	ck_assert_int_eq(testns_create(d->ns), 0);
	testns_path(d->ns, d->nspath);
	ck_assert_int_eq(testdir_create(d->dir), 0);
	xfmt(script, sizeof(script), "%s/fake-ipam", d->dir);
	f = fopen(script, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\ndir=%s\n%s\n", d->dir, body);
	fclose(f);
	ck_assert_int_eq(chmod(script, 0755), 0);
	xfmt(d->cni_path, sizeof(d->cni_path), "%s:%s", d->dir, getenv("CNI_TEST_BIN"));
	xfmt(d->env_path, sizeof(d->env_path), "CNI_PATH=%s", d->cni_path);
	d->env[0] = d->env_path;
	d->env[1] = NULL;
	padding = calloc(pad + 1, 1);
	ck_assert_ptr_nonnull(padding);
	memset(padding, 'p', pad);
	ck_assert(asprintf(&d->conf,
			   "{\"cniVersion\":\"1.0.0\",\"name\":\"delegnet\",\"type\":\"bridge\",\"bridge\":\"hbr%d\","
			   "\"pad\":\"%s\",\"ipam\":{\"type\":\"fake-ipam\"}}",
			   (int)getpid() % 100000, padding) > 0);
	free(padding);
}

/* After a failed ADD nothing is left: no veth in the pod, no port on the host. */
static void assert_no_veth_in(const char *ns)
{
	json_t *l = ipj(ns, "link show");
	size_t i;
	json_t *o;

	ck_assert_ptr_nonnull(l);
	json_array_foreach (l, i, o)
		ck_assert_msg(strcmp(json_string_value(json_object_get(o, "ifname")), "lo") == 0,
			      "%s left in the pod", json_string_value(json_object_get(o, "ifname")));
	json_decref(l);
	l = ipj(NULL, "link show type veth");
	ck_assert_ptr_nonnull(l);
	ck_assert_msg(json_array_size(l) == 0, "a veth is left on the host: %s", jdump(l));
	json_decref(l);
}

static void assert_no_veth(const struct deleg *d)
{
	assert_no_veth_in(d->ns);
}

/* A delegate that writes without end: killed after 1 MiB, a clear error, at once. */
START_TEST(delegate_endless_output)
{
	_cleanup_run_ struct plugin_run r = {0};
	struct deleg d;

	deleg_init(&d, "exec /usr/bin/yes '{}'", 0);
	ck_assert_int_eq(plugin_exec("bridge", "ADD", d.nspath, "eth0", "ctr-yes", d.conf, d.env, &r), 0);
	ck_assert_msg(!r.timed_out, "bridge ADD hung on a delegate that writes forever");
	assert_cni_error(&r, 999, "wrote more than 1048576 bytes");
	assert_no_veth(&d);
	free(d.conf);
}
END_TEST

/* The largest answer a delegate may give (just under 1 MiB: a result whose DNS holds
 * 349000 search domains): parsed within the memory limit, and the pod is wired. */
START_TEST(delegate_largest_answer)
{
	struct plugin_proc p;
	_cleanup_run_ struct plugin_run r = {0}, del = {0};
	struct deleg d;

	deleg_init(&d,
		   "[ \"$CNI_COMMAND\" = ADD ] || exit 0\n"
		   "printf '{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.9.9.9/24\"}],\"dns\":{\"search\":['\n"
		   "/usr/bin/yes '\"\",' | /usr/bin/head -n 349000 | /usr/bin/tr -d '\\n'\n"
		   "printf '\"a\"]}}'",
		   0);
	ck_assert_int_eq(plugin_start("bridge", "ADD", d.nspath, "eth0", "ctr-big", d.conf, d.env, &p), 0);
	plugin_finish(&p, 20000, &r);
	assert_run_ok(&r);
	if (!getenv("ASAN_OPTIONS"))
		ck_assert_msg(p.maxrss_kb < RSS_LIMIT_KB, "bridge ADD peaked at %ld KiB", p.maxrss_kb);
	if (getenv("CNI_TEST_PRINT_RSS"))
		printf("rss: %6ld KiB  %-10s %-4s %s\n", p.maxrss_kb, "bridge", "ADD",
		       "an exec'd IPAM delegate's answer of 1 MiB (349001 search domains)");
	ck_assert_int_eq(plugin_exec("bridge", "DEL", d.nspath, "eth0", "ctr-big", d.conf, d.env, &del), 0);
	assert_run_ok(&del);
	free(d.conf);
}
END_TEST

/* A delegate that answers (here: an error) before reading its stdin, with a config larger
 * than a pipe holds and an answer larger than a pipe holds: each side waits for the other
 * unless stdin and stdout are served at once. */
START_TEST(delegate_answers_before_reading)
{
	_cleanup_run_ struct plugin_run r = {0};
	struct deleg d;

	deleg_init(&d,
		   "/usr/bin/head -c 200000 /dev/zero | /usr/bin/tr '\\0' ' '\n"
		   "printf '{\"code\":7,\"msg\":\"early answer\"}'\n"
		   "cat >/dev/null\nexit 1",
		   300000);
	ck_assert_int_eq(plugin_exec("bridge", "ADD", d.nspath, "eth0", "ctr-early", d.conf, d.env, &r), 0);
	ck_assert_msg(!r.timed_out, "bridge ADD and its delegate deadlocked on their pipes");
	assert_cni_error(&r, 7, "early answer");
	assert_no_veth(&d);
	free(d.conf);
}
END_TEST

/* A runtime kills the plugin (its timeout) while the delegate runs: the delegate must die
 * too, or it would go on and reserve an address after the DEL the runtime sends next. */
START_TEST(delegate_dies_with_plugin)
{
	_cleanup_run_ struct plugin_run killed = {0}, del = {0};
	char started[PATH_MAX + 16], done[PATH_MAX + 16];
	struct plugin_proc p;
	struct deleg d;
	int64_t t0;

	deleg_init(&d,
		   "[ \"$CNI_COMMAND\" = ADD ] || exit 0\n"
		   ": > \"$dir/started\"\n/bin/sleep 2\n: > \"$dir/done\"\n"
		   "printf '{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.9.9.9/24\"}]}'",
		   0);
	xfmt(started, sizeof(started), "%s/started", d.dir);
	xfmt(done, sizeof(done), "%s/done", d.dir);
	ck_assert_int_eq(plugin_start("bridge", "ADD", d.nspath, "eth0", "ctr-orphan", d.conf, d.env, &p), 0);
	t0 = testproc_now_ns();
	while (access(started, F_OK) != 0) {
		ck_assert_msg(testproc_now_ns() - t0 < 10000000000LL, "the delegate never started");
		nanosleep(&(struct timespec){.tv_nsec = 5000000}, NULL);
	}
	ck_assert(plugin_kill_at(&p, 0, &killed));
	/* Longer than the delegate would have slept. */
	nanosleep(&(struct timespec){.tv_sec = 3}, NULL);
	ck_assert_msg(access(done, F_OK) != 0, "the delegate outlived the killed plugin and finished its ADD");
	ck_assert_int_eq(plugin_exec("bridge", "DEL", d.nspath, "eth0", "ctr-orphan", d.conf, d.env, &del), 0);
	assert_run_ok(&del);
	assert_no_veth(&d);
	free(d.conf);
}
END_TEST

/* ipam.type names a file on CNI_PATH that is not an executable, or a CNI_PATH entry is
 * not a directory: skipped or refused at once (nothing blocks, no FIFO or device is
 * opened), with a clear error, and the failed ADD leaves nothing behind. */
enum { CP_ENTRY_TOO_LONG = 2 * _TESTFS_MAX, _CP_MAX };

START_TEST(cni_path_planted)
{
	enum testfs_kind k = (enum testfs_kind)(_i % _TESTFS_MAX);
	bool as_entry = _i >= _TESTFS_MAX; /* the CNI_PATH entry itself, not the file in it */
	_cleanup_run_ struct plugin_run r = {0};
	char p[PATH_MAX + 16], vdir[PATH_MAX], vfile[PATH_MAX];
	struct deleg d;

	deleg_init(&d, "exit 0", 0);
	testfs_victim(d.dir, vdir, vfile);
	if (_i == CP_ENTRY_TOO_LONG) {
		testfs_too_long(p, sizeof(p));
		xfmt(d.env_path, sizeof(d.env_path), "CNI_PATH=%s", p);
	} else if (as_entry) {
		xfmt(p, sizeof(p), "%s/entry", d.dir);
		testfs_plant(p, k, vdir, true);
		xfmt(d.env_path, sizeof(d.env_path), "CNI_PATH=%s", p);
	} else {
		xfmt(p, sizeof(p), "%s/fake-ipam", d.dir);
		ck_assert_int_eq(unlink(p), 0);
		testfs_plant(p, k, vdir, false);
	}
	ck_assert_int_eq(plugin_exec("bridge", "ADD", d.nspath, "eth0", "ctr-path", d.conf, d.env, &r), 0);
	ck_assert_msg(!r.timed_out, "bridge ADD hung on CNI_PATH with a %s", testfs_kind_name(k));
	if (!as_entry && (k == TESTFS_REGULAR || k == TESTFS_UNREADABLE || k == TESTFS_SYMLINK_OUT ||
			  k == TESTFS_HARDLINK_OUT))
		assert_cni_error(&r, 999, "failed to execute"); /* a regular file, not executable */
	else if (as_entry && k == TESTFS_SYMLINK_OUT)
		assert_cni_error(&r, 7, "failed to find IPAM plugin"); /* the victim directory has no fake-ipam */
	else
		assert_cni_error(&r, 7, "failed to find IPAM plugin \"fake-ipam\"");
	assert_no_veth(&d);
	assert_victim_intact(vdir);
	free(d.conf);
}
END_TEST

/* ---- resource limits: oversized, deeply nested, huge arrays, absurd numbers ---- */


/* prefix, then `unit` n times separated by commas (each %zu in unit gets the index), then
 * suffix. */
static char *repeat(const char *prefix, const char *unit, size_t n, const char *suffix)
{
	size_t cap = strlen(prefix) + strlen(suffix) + n * (strlen(unit) + 24) + 1, len;
	char *buf = malloc(cap);

	ck_assert_ptr_nonnull(buf);
	len = (size_t)snprintf(buf, cap, "%s", prefix);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf[len++] = ',';
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		len += (size_t)snprintf(buf + len, cap - len, unit, i, i % 250 + 1, i / 250 % 250);
#pragma GCC diagnostic pop
	}
	snprintf(buf + len, cap - len, "%s", suffix);
	return buf;
}

/* Run and measure; fails when the plugin is not done in time or (without sanitizers,
 * which inflate memory) peaks above the limit. */
static void run_measured(const char *what, const char *bin, const char *cmd, const char *ns, const char *conf,
			 struct plugin_run *r, long *ret_kb)
{
	struct plugin_proc p;

	ck_assert_int_eq(plugin_start(bin, cmd, ns, ns ? "eth0" : NULL, ns ? "ctr-limits" : NULL, conf, NULL, &p), 0);
	plugin_finish(&p, 20000, r);
	ck_assert_msg(!r->timed_out, "%s %s did not finish in 20 s", bin, cmd);
	if (!getenv("ASAN_OPTIONS"))
		ck_assert_msg(p.maxrss_kb < RSS_LIMIT_KB, "%s %s peaked at %ld KiB", bin, cmd, p.maxrss_kb);
	if (ret_kb)
		*ret_kb = p.maxrss_kb;
	/* The numbers docs/robustness.md quotes. */
	if (getenv("CNI_TEST_PRINT_RSS"))
		printf("rss: %6ld KiB  %-10s %-4s %s\n", p.maxrss_kb, bin, cmd, what);
}

#define LO_PREFIX "{\"cniVersion\":\"1.0.0\",\"name\":\"lim\",\"type\":\"loopback\",\"pad\":"

/* A 1 MiB config of what costs jansson most per byte: empty objects (refused before
 * parsing), empty arrays (likewise), empty strings and numbers (parsed: bounded anyway). */
static const struct {
	const char *unit;
	size_t n;
	unsigned code; /* 0: accepted */
	const char *what;
} dense[] = {
	{"{}", 349000, 6, "1 MiB of empty objects"},
	{"[]", 349000, 6, "1 MiB of empty arrays"},
	{"\"\"", 349000, 0, "1 MiB of empty strings"},
	{"0", 520000, 0, "1 MiB of numbers"},
	{"{\"k%zu\":%zu}", 19000, 0, "19000 small objects"},
	{"\"k%zu\":%zu", 80000, 0, "one object with 80000 keys"},
};

START_TEST(json_dense)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN], nspath[PATH_MAX];
	bool keys = dense[_i].unit[0] == '"' && dense[_i].unit[1] == 'k';
	char *conf = repeat(keys ? LO_PREFIX "{" : LO_PREFIX "[", dense[_i].unit, dense[_i].n, keys ? "}}" : "]}");
	long kb;

	ck_assert_uint_le(strlen(conf), 1u << 20);
	ck_assert_int_eq(testns_create(ns), 0);
	testns_path(ns, nspath);
	run_measured(dense[_i].what, "loopback", "ADD", nspath, conf, &r, &kb);
	if (dense[_i].code)
		assert_cni_error(&r, dense[_i].code, "more than 20000 JSON objects and arrays");
	else
		assert_run_ok(&r);
	free(conf);
}
END_TEST

START_TEST(json_deep)
{
	_cleanup_run_ struct plugin_run r = {0};
	size_t depth = 200000;
	char *conf = malloc(2 * depth + 128);
	size_t off;

	ck_assert_ptr_nonnull(conf);
	off = (size_t)sprintf(conf, LO_PREFIX);
	memset(conf + off, '[', depth);
	memset(conf + off + depth, ']', depth);
	strcpy(conf + off + 2 * depth, "}");
	run_measured("200000 nested arrays", "loopback", "ADD", "/run/netns/never-entered", conf, &r, NULL);
	assert_cni_error(&r, 6, "error parsing network config");
	free(conf);
}
END_TEST

/* host-local: every list it reads has a limit, each a code-7 error naming the key. */
static const struct {
	const char *prefix, *unit, *suffix, *msg;
	size_t n;
} hl_lists[] = {
	{"\"ranges\":[[", "{\"subnet\":\"10.%zu.%zu.%zu/30\"}", "]]", "more than 1024 ranges", 10000},
	{"\"ranges\":[", "[{\"subnet\":\"10.%zu.%zu.%zu/30\"}]", "]", "more than 64 range sets", 65},
	{"\"ranges\":[[{\"subnet\":\"10.0.0.0/8\"}]],\"routes\":[", "{\"dst\":\"10.%zu.%zu.%zu/32\"}", "]",
	 "more than 1024 routes", 5000},
};

START_TEST(host_local_lists)
{
	_cleanup_run_ struct plugin_run r = {0};
	char dir[PATH_MAX], prefix[PATH_MAX + 256];
	char *conf;

	ck_assert_int_eq(testdir_create(dir), 0);
	xfmt(prefix, sizeof(prefix),
	     "{\"cniVersion\":\"1.0.0\",\"name\":\"lim\",\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\","
	     "\"dataDir\":\"%s\",%s",
	     dir, hl_lists[_i].prefix);
	conf = repeat(prefix, hl_lists[_i].unit, hl_lists[_i].n, "");
	conf = realloc(conf, strlen(conf) + strlen(hl_lists[_i].suffix) + 4);
	strcat(strcat(conf, hl_lists[_i].suffix), "}}");
	run_measured(hl_lists[_i].msg, "host-local", "ADD", NO_NS, conf, &r, NULL);
	assert_cni_error(&r, 7, hl_lists[_i].msg);
	free(conf);
}
END_TEST

START_TEST(host_local_requested)
{
	_cleanup_run_ struct plugin_run r = {0};
	char dir[PATH_MAX], prefix[PATH_MAX + 256];
	char *conf;

	ck_assert_int_eq(testdir_create(dir), 0);
	xfmt(prefix, sizeof(prefix),
	     "{\"cniVersion\":\"1.0.0\",\"name\":\"lim\",\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\","
	     "\"dataDir\":\"%s\"," R24 "},\"runtimeConfig\":{\"ips\":[",
	     dir);
	conf = repeat(prefix, "\"10.%zu.%zu.%zu\"", 50000, "]}}");
	run_measured("50000 requested IPs", "host-local", "ADD", NO_NS, conf, &r, NULL);
	assert_cni_error(&r, 7, "more than 64 distinct requested IPs");
	free(conf);
}
END_TEST

/* A prevResult with more entries than any result holds. */
START_TEST(prev_result_huge)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN], nspath[PATH_MAX];
	char *conf = repeat("{\"cniVersion\":\"1.0.0\",\"name\":\"lim\",\"type\":\"loopback\",\"prevResult\":{"
			    "\"cniVersion\":\"1.0.0\",\"routes\":[",
			    "{\"dst\":\"10.%zu.%zu.%zu/32\"}", 5000, "]}}");

	ck_assert_int_eq(testns_create(ns), 0);
	testns_path(ns, nspath);
	run_measured("prevResult with 5000 routes", "loopback", "ADD", nspath, conf, &r, NULL);
	assert_cni_error(&r, 6, "routes has more than 4096 entries");
	free(conf);
}
END_TEST

/* The largest prevResult accepted (4096 addresses and 4096 routes), passed through by
 * loopback: parsed, converted and printed within the memory limit. */
START_TEST(prev_result_largest)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN], nspath[PATH_MAX];
	char *ips = malloc(4096 * 40), *routes = malloc(4096 * 60), *conf;
	size_t oi = 0, orr = 0;

	ck_assert(ips && routes);
	for (unsigned i = 0; i < 4096; i++) {
		oi += (size_t)sprintf(ips + oi, "%s{\"address\":\"10.1.%u.%u/8\"}", i ? "," : "", i / 250, i % 250 + 1);
		orr += (size_t)sprintf(routes + orr, "%s{\"dst\":\"10.2.%u.%u/32\",\"gw\":\"10.0.0.1\"}", i ? "," : "",
				       i / 250, i % 250 + 1);
	}

	ck_assert(asprintf(&conf,
			   "{\"cniVersion\":\"1.0.0\",\"name\":\"lim\",\"type\":\"loopback\",\"prevResult\":{"
			   "\"cniVersion\":\"1.0.0\",\"ips\":[%s],\"routes\":[%s]}}",
			   ips, routes) > 0);
	ck_assert_int_eq(testns_create(ns), 0);
	testns_path(ns, nspath);
	run_measured("prevResult with 4096 ips and 4096 routes, passed through", "loopback", "ADD", nspath, conf, &r,
		     NULL);
	assert_run_ok(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(r.json, "routes")), 4096);
	free(ips);
	free(routes);
	free(conf);
}
END_TEST

/* resolv.conf: the largest read (64 KiB of search domains, all in the result), and one
 * beyond it (1 MiB: 54 MB of JSON once parsed), refused with a code-7 error. */
START_TEST(resolv_conf_largest)
{
	static const size_t sizes[] = {64u << 10, 1u << 20};
	_cleanup_run_ struct plugin_run r = {0};
	char rc[PATH_MAX + 16];
	size_t n = 0;
	struct world w;
	FILE *f;

	world_init(&w, "1.0.0", R24);
	xfmt(rc, sizeof(rc), "%s/resolv.conf", w.dir);
	f = fopen(rc, "w");
	ck_assert_ptr_nonnull(f);
	fputs("search", f);
	for (size_t len = 6; len + 3 <= sizes[_i]; len += 2, n++)
		fputs(" a", f);
	fputc('\n', f);
	fclose(f);
	xfmt(w.conf, sizeof(w.conf),
	     "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\","
	     "\"dataDir\":\"%s\",\"resolvConf\":\"%s\"," R24 "}}",
	     w.dir, rc);
	run_measured(_i ? "resolv.conf of 1 MiB (refused)" : "resolv.conf of 64 KiB (32765 search domains)",
		     "host-local", "ADD", NO_NS, w.conf, &r, NULL);
	if (_i) {
		assert_cni_error(&r, 7, "is larger than 65536 bytes");
		return;
	}
	assert_run_ok(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(r.json, "dns"), "search")), n);
}
END_TEST

/* Numbers out of range: a code-7 error naming the key, before anything changes. */
static const struct {
	const char *opts, *msg;
	unsigned code;
} absurd[] = {
	{"\"mtu\":1", "\"mtu\" must be 0", 7},
	{"\"mtu\":70000", "\"mtu\" must be an integer in 0..65535", 7},
	{"\"mtu\":1e300", "\"mtu\" must be an integer", 7},
	{"\"mtu\":-1", "\"mtu\" must be an integer", 7},
	{"\"mtu\":99999999999999999999999", "too big", 6},
	{"\"vlan\":4095", "\"vlan\" must be an integer in 0..4094", 7},
	{"\"vlanTrunk\":[{\"minID\":0,\"maxID\":5}]", "minID", 7},
	{"\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.0.0.0/33\"}", "ipam.subnet", 7},
	{"\"ipam\":{\"type\":\"host-local\",\"subnet\":\"fd00::/129\"}", "ipam.subnet", 7},
	{"\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.0.0.0/-1\"}", "ipam.subnet", 7},
};

START_TEST(absurd_numbers)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN], nspath[PATH_MAX], conf[1024];

	ck_assert_int_eq(testns_create(ns), 0);
	testns_path(ns, nspath);
	xfmt(conf, sizeof(conf), "{\"cniVersion\":\"1.0.0\",\"name\":\"lim\",\"type\":\"bridge\",\"bridge\":\"hlim%d\",%s}",
	     (int)getpid() % 100000, absurd[_i].opts);
	run_measured(absurd[_i].opts, "bridge", "ADD", nspath, conf, &r, NULL);
	assert_cni_error(&r, absurd[_i].code, absurd[_i].msg);
	assert_no_veth_in(ns);
}
END_TEST

START_TEST(vlan_trunk_huge)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN], nspath[PATH_MAX], prefix[256];
	char *conf;

	ck_assert_int_eq(testns_create(ns), 0);
	testns_path(ns, nspath);
	xfmt(prefix, sizeof(prefix),
	     "{\"cniVersion\":\"1.0.0\",\"name\":\"lim\",\"type\":\"bridge\",\"bridge\":\"hlim%d\",\"vlanTrunk\":[",
	     (int)getpid() % 100000);
	conf = repeat(prefix, "{\"minID\":1,\"maxID\":4094}", 5000, "]}");
	run_measured("5000 vlanTrunk entries", "bridge", "ADD", nspath, conf, &r, NULL);
	assert_cni_error(&r, 7, "\"vlanTrunk\": more than 4094 entries");
	free(conf);
}
END_TEST

/* CNI_ARGS with tens of thousands of pairs: parsed in linear time. */
START_TEST(cni_args_huge)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN], nspath[PATH_MAX];
	char *args = repeat("CNI_ARGS=IgnoreUnknown=1;", "K%zu=%zu", 12000, "");
	const char *env[] = {args, NULL};
	struct plugin_proc p;

	for (char *c = args + strlen("CNI_ARGS="); *c; c++)
		if (*c == ',')
			*c = ';';
	ck_assert_uint_lt(strlen(args), 128 * 1024); /* MAX_ARG_STRLEN */
	ck_assert_int_eq(testns_create(ns), 0);
	testns_path(ns, nspath);
	ck_assert_int_eq(plugin_start("loopback", "ADD", nspath, "eth0", "ctr-args", LO_PREFIX "0}", env, &p), 0);
	plugin_finish(&p, 20000, &r);
	assert_run_ok(&r);
	free(args);
}
END_TEST

/* GC with a valid-attachments list of 19000 entries over a store of 30000 reservations:
 * each file costs a binary search, not a pass over the list (570 million comparisons,
 * minutes, before). */
START_TEST(gc_huge_list)
{
	_cleanup_run_ struct plugin_run r = {0};
	char *conf, prefix[PATH_MAX + 512], p[PATH_MAX + 32], content[32];
	struct world w;

	world_init(&w, "1.1.0", "\"ranges\":[[{\"subnet\":\"10.7.0.0/16\"}]]");
	ck_assert_int_eq(mkdir(w.store, 0755), 0);
	for (unsigned i = 0; i < 30000; i++) {
		FILE *f;

		xfmt(p, sizeof(p), "%s/10.7.%u.%u", w.store, i / 250, i % 250 + 1);
		xfmt(content, sizeof(content), "gc-%u\r\neth0", i);
		f = fopen(p, "w");
		ck_assert_ptr_nonnull(f);
		fputs(content, f);
		fclose(f);
	}
	xfmt(prefix, sizeof(prefix), "%.*s,\"cni.dev/valid-attachments\":[", (int)strlen(w.conf) - 1, w.conf);
	conf = repeat(prefix, "{\"containerID\":\"gc-%zu\",\"ifname\":\"eth0\"}", 19000, "]}");
	run_measured("19000 valid attachments, 30000 reservations", "host-local", "GC", NULL, conf, &r, NULL);
	assert_run_ok(&r);
	free(conf);
	/* The 11000 files no valid attachment holds are gone, the others are kept. */
	xfmt(p, sizeof(p), "%s/10.7.75.250", w.store); /* gc-18999 */
	ck_assert_int_eq(access(p, F_OK), 0);
	xfmt(p, sizeof(p), "%s/10.7.76.1", w.store); /* gc-19000 */
	ck_assert_int_ne(access(p, F_OK), 0);
}
END_TEST

/* ---- bytes that are not UTF-8: names and paths from the environment may hold any ---- */

/* The error names the variable even when its value cannot be put in JSON as is (the
 * message used to be dropped: an error object without "msg"). */
START_TEST(non_utf8_container_id)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN];

	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(plugin_exec("loopback", "ADD", ns, "eth0", "ctr\xff\xfe", LO_PREFIX "0}", NULL, &r), 0);
	assert_cni_error(&r, 4, "CNI_CONTAINERID \"ctr\xef\xbf\xbd\xef\xbf\xbd\" has invalid characters");
}
END_TEST

/* A pod interface (and netns path) whose name is not UTF-8: a valid Linux name. The ADD
 * used to fail after wiring the pod ("out of memory building the result"); now the
 * result names it with U+FFFD in place of the bad bytes, as the reference does. */
START_TEST(non_utf8_ifname_and_netns)
{
	_cleanup_run_ struct plugin_run add = {0}, del = {0};
	char ns[TESTNS_NAMELEN], nspath[PATH_MAX], odd[PATH_MAX + 8], dir[PATH_MAX], conf[PATH_MAX + 512];
	const json_t *cont;

	ck_assert_int_eq(testns_create(ns), 0);
	testns_path(ns, nspath);
	ck_assert_int_eq(testdir_create(dir), 0);
	xfmt(odd, sizeof(odd), "%s/ns\xff", dir);
	ck_assert_int_eq(symlink(nspath, odd), 0);
	xfmt(conf, sizeof(conf),
	     "{\"cniVersion\":\"1.0.0\",\"name\":\"utf\",\"type\":\"bridge\",\"bridge\":\"hutf%d\",\"ipam\":{\"type\":"
	     "\"host-local\",\"dataDir\":\"%s\"," R24 "}}",
	     (int)getpid() % 100000, dir);
	ck_assert_int_eq(plugin_exec("bridge", "ADD", odd, "e\xff\xfe", "ctr-utf", conf, NULL, &add), 0);
	assert_run_ok(&add);
	cont = json_array_get(json_object_get(add.json, "interfaces"), 2);
	ck_assert_str_eq(json_string_value(json_object_get(cont, "name")), "e\xef\xbf\xbd\xef\xbf\xbd");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(cont, "sandbox")), "/ns\xef\xbf\xbd"));
	/* ip's JSON cannot carry the name either: ask for it by name. */
	ck_assert_int_eq(ip_run(ns, "link show dev e\xff\xfe"), 0);
	ck_assert_int_eq(plugin_exec("bridge", "DEL", odd, "e\xff\xfe", "ctr-utf", conf, NULL, &del), 0);
	assert_run_ok(&del);
	ck_assert_int_ne(ip_run(ns, "link show dev e\xff\xfe"), 0);
}
END_TEST

/* A resolv.conf in Latin-1: its names reach the result (U+FFFD for the odd bytes) instead
 * of failing the ADD with "cannot read: out of memory". */
START_TEST(non_utf8_resolv_conf)
{
	_cleanup_run_ struct plugin_run r = {0};
	char rc[PATH_MAX + 16];
	struct world w;
	FILE *f;

	world_init(&w, "1.0.0", R24);
	xfmt(rc, sizeof(rc), "%s/resolv.conf", w.dir);
	f = fopen(rc, "w");
	ck_assert_ptr_nonnull(f);
	fputs("# r\xe9seau\nnameserver 10.0.0.53\nsearch caf\xe9.example example.com\n", f);
	fclose(f);
	xfmt(w.conf, sizeof(w.conf),
	     "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\","
	     "\"dataDir\":\"%s\",\"resolvConf\":\"%s\"," R24 "}}",
	     w.dir, rc);
	hl("ADD", "ctr-latin1", w.conf, &r);
	assert_run_ok(&r);
	assert_json_equal(json_object_get(r.json, "dns"),
			  "{\"nameservers\":[\"10.0.0.53\"],\"search\":[\"caf\xef\xbf\xbd.example\",\"example.com\"]}");
	hl_ok("DEL", "ctr-latin1", &w);
}
END_TEST

Suite *hostile_suite(void)
{
	Suite *s;
	TCase *tc;

	if (!plugin_available("host-local"))
		return NULL;
	s = suite_create("hostile");

	tc = tcase_create("store");
	testns_tcase(tc, 60);
	tcase_add_loop_test(tc, last_reserved_planted, 0, _TESTFS_MAX);
	tcase_add_loop_test(tc, index_planted, 0, 2 * _TESTFS_MAX);
	tcase_add_loop_test(tc, store_dir_planted, 0, _TESTFS_MAX);
	tcase_add_test(tc, store_dir_foreign_owner);
	tcase_add_loop_test(tc, lock_planted, 0, _TESTFS_MAX);
	tcase_add_loop_test(tc, reservation_planted, 0, _TESTFS_MAX);
	suite_add_tcase(s, tc);

	tc = tcase_create("paths");
	testns_tcase(tc, 60);
	tcase_add_loop_test(tc, data_dir_planted, 0, _DD_MAX);
	tcase_add_test(tc, data_dir_dotdot_like_go);
	tcase_add_loop_test(tc, resolv_conf_planted, 0, _RC_MAX);
	tcase_add_loop_test(tc, network_name_too_long, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("encoding");
	testns_tcase(tc, 60);
	tcase_add_test(tc, non_utf8_container_id);
	tcase_add_test(tc, non_utf8_resolv_conf);
	if (plugin_available("bridge"))
		tcase_add_test(tc, non_utf8_ifname_and_netns);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	testns_tcase(tc, 120);
	tcase_add_loop_test(tc, json_dense, 0, (int)(sizeof(dense) / sizeof(dense[0])));
	tcase_add_test(tc, json_deep);
	tcase_add_loop_test(tc, host_local_lists, 0, (int)(sizeof(hl_lists) / sizeof(hl_lists[0])));
	tcase_add_test(tc, host_local_requested);
	tcase_add_test(tc, prev_result_huge);
	tcase_add_test(tc, prev_result_largest);
	tcase_add_loop_test(tc, resolv_conf_largest, 0, 2);
	tcase_add_test(tc, cni_args_huge);
	tcase_add_test(tc, gc_huge_list);
	if (plugin_available("bridge")) {
		tcase_add_loop_test(tc, absurd_numbers, 0, (int)(sizeof(absurd) / sizeof(absurd[0])));
		tcase_add_test(tc, vlan_trunk_huge);
	}
	suite_add_tcase(s, tc);

	if (plugin_available("bridge")) {
		tc = tcase_create("delegate");
		testns_tcase(tc, 60);
		tcase_add_test(tc, delegate_endless_output);
		tcase_add_test(tc, delegate_answers_before_reading);
		tcase_add_test(tc, delegate_dies_with_plugin);
		tcase_add_test(tc, delegate_largest_answer);
		tcase_add_loop_test(tc, cni_path_planted, 0, _CP_MAX);
		suite_add_tcase(s, tc);
	}
	return s;
}
