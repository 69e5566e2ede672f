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
#include <unistd.h>

#include "testfs.h"
#include "testns.h"

#define NET "hostnet"
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

	if (k == TESTFS_HARDLINK_OUT)
		return; /* hard links: see the next commit */
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

	if (k == TESTFS_HARDLINK_OUT || (_i >= _TESTFS_MAX && (k == TESTFS_REGULAR || k == TESTFS_UNREADABLE)))
		return; /* hard links: see the next commit */
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
	suite_add_tcase(s, tc);
	return s;
}
