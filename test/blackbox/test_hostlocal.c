/* test_hostlocal.c: the host-local IPAM plugin from outside, exec'd directly the way a main
 * plugin delegates to it: the result of every spec version, the on-disk store byte for
 * byte, allocation order, every source of a requested IP, errors, GC and STATUS, 40
 * concurrent processes on one range, and interoperation with the reference Go binary
 * (/usr/lib/cni/host-local, Debian's containernetworking-plugins) on one store.
 *
 * host-local never enters CNI_NETNS, so it is set to a path that does not exist. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testns.h"

#define PARALLEL_TIMEOUT_S 50

static const char *const versions[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
#define V_030 2 /* first version with "ips" */
#define V_040 4 /* first version with CHECK */
#define V_100 5 /* first version without ips[].version and empty dns */
#define N_VERSIONS ((int)(sizeof(versions) / sizeof(versions[0])))

#define NET "hlnet"
#define NO_NS "/run/netns/hostlocal-never-entered"
#define GO_HOSTLOCAL "/usr/lib/cni/host-local"
#define R24 "\"ranges\":[[{\"subnet\":\"10.1.2.0/24\"}]]"
#define R46 "\"ranges\":[[{\"subnet\":\"10.1.2.0/24\"}],[{\"subnet\":\"fd00:1::/64\"}]]"

/* ---- helpers ---- */

/* snprintf whose truncation is checked, not warned about (paths are short in practice). */

/* The network config a main plugin would pass on: ipam_keys go inside "ipam" (after type
 * and dataDir), top_keys at the top level; either may be NULL. */
static void conf_of(char *buf, size_t len, const char *version, const char *dir, const char *ipam_keys,
		    const char *top_keys)
{
	int n = snprintf(buf, len,
			 "{\"cniVersion\":\"%s\",\"name\":\"" NET "\",\"type\":\"bridge\",\"ipam\":{\"type\":"
			 "\"host-local\",\"dataDir\":\"%s\"%s%s}%s%s}",
			 version, dir, ipam_keys ? "," : "", ipam_keys ? ipam_keys : "", top_keys ? "," : "",
			 top_keys ? top_keys : "");

	ck_assert_msg(n > 0 && (size_t)n < len, "config does not fit");
}

/* Run our host-local (bin "host-local") or the Go one (GO_HOSTLOCAL). */
static void run_bin(const char *bin, const char *cmd, const char *cid, const char *ifname, const char *conf,
		    const char *extra[], struct plugin_run *r)
{
	ck_assert_int_eq(plugin_exec(bin, cmd, cid ? NO_NS : NULL, ifname, cid, conf, extra, r), 0);
}

static void hl(const char *cmd, const char *cid, const char *ifname, const char *conf, const char *extra[],
	       struct plugin_run *r)
{
	run_bin("host-local", cmd, cid, ifname, conf, extra, r);
}

/* ips[i].address of a result (valid while r lives). */
static const char *ip_of(const struct plugin_run *r, size_t i)
{
	const char *a = json_string_value(json_object_get(json_array_get(json_object_get(r->json, "ips"), i),
							  "address"));

	ck_assert_msg(a != NULL, "no ips[%zu].address in %s", i, r->out);
	return a;
}

static void add_ok(const char *cid, const char *ifname, const char *conf, const char *extra[],
		   struct plugin_run *r)
{
	hl("ADD", cid, ifname, conf, extra, r);
	assert_run_ok(r);
}

static void expect_ip(const char *cid, const char *conf, const char *extra[], const char *want)
{
	struct plugin_run r = {0};

	add_ok(cid, "eth0", conf, extra, &r);
	ck_assert_msg(strcmp(ip_of(&r, 0), want) == 0, "%s got %s, expected %s", cid, ip_of(&r, 0), want);
	plugin_run_done(&r);
}

static void del_ok(const char *cid, const char *ifname, const char *conf)
{
	struct plugin_run r = {0};

	hl("DEL", cid, ifname, conf, NULL, &r);
	assert_run_ok(&r);
	ck_assert_msg(r.out_len == 0, "DEL printed: %s", r.out);
	plugin_run_done(&r);
}

/* "<conf without the final brace>,\"prevResult\":<result>}" */
static char *with_prev(const char *conf, const struct plugin_run *add)
{
	char *prev = json_dumps(add->json, JSON_COMPACT), *s = NULL;
	size_t len = strlen(conf);

	ck_assert_ptr_nonnull(prev);
	ck_assert(asprintf(&s, "%.*s,\"prevResult\":%s}", (int)(len - 1), conf, prev) > 0);
	free(prev);
	return s;
}

static void spath(char buf[static PATH_MAX], const char *dir, const char *name)
{
	xfmt(buf, PATH_MAX, "%s/" NET "/%s", dir, name);
}

/* The whole file, NUL-terminated; NULL when it cannot be read. */
static char *slurp(const char *path, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *g = realloc(buf, cap = cap ? cap * 2 : 256);

			ck_assert_ptr_nonnull(g);
			buf = g;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return buf;
}

static void write_file(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	ck_assert_msg(fd >= 0, "cannot create %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

/* Store file `name` holds exactly `content` (byte for byte). */
#define assert_store_file(dir, name, content)                                                       \
	do {                                                                                        \
		char p_[PATH_MAX];                                                                  \
		size_t l_ = 0;                                                                      \
		char *c_;                                                                           \
		spath(p_, (dir), (name));                                                           \
		c_ = slurp(p_, &l_);                                                                \
		ck_assert_msg(c_ && l_ == strlen(content) && memcmp(c_, (content), l_) == 0,         \
			      "%s holds \"%s\" (%zu bytes), expected \"%s\"", p_, c_ ? c_ : "(missing)", \
			      l_, (content));                                                       \
		free(c_);                                                                           \
	} while (0)

static bool is_bookkeeping(const char *name)
{
	return strcmp(name, "lock") == 0 || strncmp(name, "last_reserved_ip.", 17) == 0 || name[0] == '.';
}

/* Whether the store holds exactly the reservations named in the NULL-terminated list
 * (order does not matter); all the names in `why` otherwise. */
static bool store_holds(const char *dir, char *why, size_t len, ...)
{
	char path[PATH_MAX], seen[4096] = "";
	size_t n_want = 0, n_have = 0;
	bool ok = true;
	struct dirent *de;
	const char *w;
	va_list ap;
	DIR *d;

	xfmt(path, sizeof(path), "%s/" NET, dir);
	d = opendir(path);
	va_start(ap, len);
	while ((w = va_arg(ap, const char *))) {
		char f[PATH_MAX];

		n_want++;
		spath(f, dir, w);
		if (access(f, F_OK) != 0)
			ok = false;
	}
	va_end(ap);
	while (d && (de = readdir(d))) {
		size_t l = strlen(seen);

		if (is_bookkeeping(de->d_name))
			continue;
		n_have++;
		snprintf(seen + l, sizeof(seen) - l, " %s", de->d_name);
	}
	if (d)
		closedir(d);
	if (n_have != n_want)
		ok = false;
	if (!ok)
		snprintf(why, len, "the store %s holds [%s ] (%zu reservations), expected %zu others", path, seen,
			 n_have, n_want);
	return ok;
}
#define assert_store(dir, ...)                                                               \
	do {                                                                                 \
		char w_[4400] = "";                                                          \
		ck_assert_msg(store_holds((dir), w_, sizeof(w_), __VA_ARGS__, NULL), "%s", w_); \
	} while (0)

/* Only lock, last_reserved_ip.<n> and our hidden .idx: no reservation, no temp file. */
#define assert_store_clean(dir)                                                                       \
	do {                                                                                          \
		char p_[PATH_MAX];                                                                    \
		struct dirent *de_;                                                                   \
		DIR *d_;                                                                              \
		xfmt(p_, sizeof(p_), "%s/" NET, (dir));                                           \
		d_ = opendir(p_);                                                                     \
		ck_assert_msg(d_ != NULL, "no store %s", p_);                                         \
		while ((de_ = readdir(d_))) {                                                         \
			const char *n_ = de_->d_name;                                                 \
			if (!strcmp(n_, ".") || !strcmp(n_, ".."))                                   \
				continue;                                                             \
			ck_assert_msg(!strcmp(n_, "lock") || !strcmp(n_, ".idx") ||                   \
					      !strncmp(n_, "last_reserved_ip.", 17),                  \
				      "%s is left in %s", n_, p_);                                    \
		}                                                                                     \
		closedir(d_);                                                                         \
	} while (0)

/* ---- ADD / CHECK / DEL in every version ---- */

static void expected_result(char *buf, size_t len, int v)
{
	if (v < V_030)
		snprintf(buf, len,
			 "{\"cniVersion\":\"%s\",\"ip4\":{\"ip\":\"10.1.2.2/24\",\"gateway\":\"10.1.2.1\","
			 "\"routes\":[{\"dst\":\"0.0.0.0/0\"}]},\"dns\":{}}",
			 versions[v]);
	else if (v < V_100)
		snprintf(buf, len,
			 "{\"cniVersion\":\"%s\",\"ips\":[{\"version\":\"4\",\"address\":\"10.1.2.2/24\","
			 "\"gateway\":\"10.1.2.1\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\"}],\"dns\":{}}",
			 versions[v]);
	else
		snprintf(buf, len,
			 "{\"cniVersion\":\"%s\",\"ips\":[{\"address\":\"10.1.2.2/24\",\"gateway\":\"10.1.2.1\"}],"
			 "\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}",
			 versions[v]);
}

START_TEST(lifecycle_every_version)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0}, del1 = {0}, del2 = {0}, gone = {0};
	char dir[PATH_MAX], conf[1024], expect[1024];
	char *conf_prev;

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), versions[_i], dir, R24 ",\"routes\":[{\"dst\":\"0.0.0.0/0\"}]", NULL);
	hl("ADD", "ctr-life", "eth0", conf, NULL, &add);
	assert_run_ok(&add);
	assert_cni_version(&add, versions[_i]);
	expected_result(expect, sizeof(expect), _i);
	assert_json_equal(add.json, expect);
	assert_store(dir, "10.1.2.2");
	assert_store_file(dir, "10.1.2.2", "ctr-life\r\neth0");

	/* A runtime passes the ADD result to CHECK and DEL (0.4.0+). */
	conf_prev = _i >= V_040 ? with_prev(conf, &add) : strdup(conf);
	hl("CHECK", "ctr-life", "eth0", conf_prev, NULL, &chk);
	if (_i >= V_040) {
		assert_run_ok(&chk);
		ck_assert_msg(chk.out_len == 0, "CHECK printed: %s", chk.out);
	} else {
		assert_cni_error(&chk, 1, "CHECK");
	}
	hl("DEL", "ctr-life", "eth0", conf_prev, NULL, &del1);
	assert_run_ok(&del1);
	ck_assert_msg(del1.out_len == 0, "DEL printed: %s", del1.out);
	assert_store_clean(dir);
	hl("DEL", "ctr-life", "eth0", conf_prev, NULL, &del2);
	assert_run_ok(&del2);
	assert_store_clean(dir);
	if (_i >= V_040) {
		hl("CHECK", "ctr-life", "eth0", conf_prev, NULL, &gone);
		assert_cni_error(&gone, 999, "Failed to find address added by container ctr-life");
	}
	free(conf_prev);
}
END_TEST

START_TEST(dual_stack_result)
{
	/* Two range sets, two IPs; 0.2.0 reports them as ip4 and ip6. */
	_cleanup_run_ struct plugin_run r1 = {0}, r2 = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir, R46 ",\"routes\":[{\"dst\":\"::/0\"}]", NULL);
	hl("ADD", "ctr-ds-1", "eth0", conf, NULL, &r1);
	assert_run_ok(&r1);
	assert_json_equal(r1.json, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.2.2/24\",\"gateway\":"
				   "\"10.1.2.1\"},{\"address\":\"fd00:1::2/64\",\"gateway\":\"fd00:1::1\"}],"
				   "\"routes\":[{\"dst\":\"::/0\"}]}");
	conf_of(conf, sizeof(conf), "0.2.0", dir, R46 ",\"routes\":[{\"dst\":\"::/0\"}]", NULL);
	hl("ADD", "ctr-ds-2", "eth0", conf, NULL, &r2);
	assert_run_ok(&r2);
	assert_json_equal(r2.json, "{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.1.2.3/24\",\"gateway\":"
				   "\"10.1.2.1\"},\"ip6\":{\"ip\":\"fd00:1::3/64\",\"gateway\":\"fd00:1::1\","
				   "\"routes\":[{\"dst\":\"::/0\"}]},\"dns\":{}}");
	assert_store(dir, "10.1.2.2", "10.1.2.3", "fd00:1::2", "fd00:1::3");
	assert_store_file(dir, "fd00:1::3", "ctr-ds-2\r\neth0");
	/* One round-robin cursor per range set. */
	assert_store_file(dir, "last_reserved_ip.0", "10.1.2.3");
	assert_store_file(dir, "last_reserved_ip.1", "fd00:1::3");
	del_ok("ctr-ds-1", "eth0", conf);
	del_ok("ctr-ds-2", "eth0", conf);
	assert_store_clean(dir);
}
END_TEST

/* ---- the store on disk ---- */

START_TEST(on_disk_format)
{
	_cleanup_run_ struct plugin_run add = {0};
	char dir[PATH_MAX], conf[1024], p[PATH_MAX];
	struct stat st;

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.1.0", dir, R46, NULL);
	hl("ADD", "ctr-disk-1", "net1", conf, NULL, &add);
	assert_run_ok(&add);
	/* The reference's format, byte for byte: named by the IP, "<id>\r\n<ifname>", 0600. */
	assert_store(dir, "10.1.2.2", "fd00:1::2");
	assert_store_file(dir, "10.1.2.2", "ctr-disk-1\r\nnet1");
	assert_store_file(dir, "fd00:1::2", "ctr-disk-1\r\nnet1");
	assert_store_file(dir, "last_reserved_ip.0", "10.1.2.2");
	assert_store_file(dir, "last_reserved_ip.1", "fd00:1::2");
	for (int i = 0; i < 2; i++) {
		spath(p, dir, i ? "fd00:1::2" : "10.1.2.2");
		ck_assert_int_eq(lstat(p, &st), 0);
		ck_assert_msg(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600, "%s: mode %o", p,
			      (unsigned)st.st_mode);
	}
	spath(p, dir, "lock");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	del_ok("ctr-disk-1", "net1", conf);
	assert_store_clean(dir);
	spath(p, dir, "10.1.2.2");
	ck_assert_int_ne(access(p, F_OK), 0);
	spath(p, dir, "lock");
	ck_assert_int_eq(access(p, F_OK), 0);
}
END_TEST

START_TEST(ipv6_canonical_names)
{
	/* File names are Go's net.IP.String(): RFC 5952, lower case, longest zero run "::". */
	_cleanup_run_ struct plugin_run r1 = {0}, r2 = {0};
	char dir[PATH_MAX], conf[1024];
	const char *req[] = {"CNI_ARGS=IP=FD00:0:0:1:0:0:0:10", NULL};

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir, "\"ranges\":[[{\"subnet\":\"FD00:0:0:1:0::/64\"}]]", NULL);
	hl("ADD", "ctr-v6-1", "eth0", conf, NULL, &r1);
	assert_run_ok(&r1);
	assert_json_equal(r1.json, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"fd00:0:0:1::2/64\","
				   "\"gateway\":\"fd00:0:0:1::1\"}]}");
	hl("ADD", "ctr-v6-2", "eth0", conf, req, &r2);
	assert_run_ok(&r2);
	ck_assert_str_eq(ip_of(&r2, 0), "fd00:0:0:1::10/64");
	assert_store(dir, "fd00:0:0:1::2", "fd00:0:0:1::10");
	assert_store_file(dir, "last_reserved_ip.0", "fd00:0:0:1::10");
}
END_TEST

START_TEST(long_container_id)
{
	/* 300 characters: too long to name an index entry, so every lookup walks. */
	_cleanup_run_ struct plugin_run dup = {0}, chk = {0};
	char dir[PATH_MAX], conf[1024], cid[301], want[320];

	ck_assert_int_eq(testdir_create(dir), 0);
	memset(cid, 'a', sizeof(cid) - 1);
	cid[sizeof(cid) - 1] = '\0';
	conf_of(conf, sizeof(conf), "1.0.0", dir, R24, NULL);
	expect_ip(cid, conf, NULL, "10.1.2.2/24");
	xfmt(want, sizeof(want), "%s\r\neth0", cid);
	assert_store_file(dir, "10.1.2.2", want);
	hl("ADD", cid, "eth0", conf, NULL, &dup);
	assert_cni_error(&dup, 999, "duplicate allocation is not allowed");
	hl("CHECK", cid, "eth0", conf, NULL, &chk);
	assert_run_ok(&chk);
	del_ok(cid, "eth0", conf);
	assert_store_clean(dir);
}
END_TEST

START_TEST(empty_file_is_free)
{
	/* An empty reservation file is what a plugin killed between create and write leaves
	 * (plugins#498); under the lock nobody is writing it, so it is reclaimed. */
	char dir[PATH_MAX], conf[1024], p[PATH_MAX];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir, R24, NULL);
	expect_ip("ctr-e-1", conf, NULL, "10.1.2.2/24");
	del_ok("ctr-e-1", "eth0", conf);
	/* Round-robin resumes at .3: make that one an empty leftover. */
	spath(p, dir, "10.1.2.3");
	write_file(p, "", 0600);
	expect_ip("ctr-e-2", conf, NULL, "10.1.2.3/24");
	assert_store_file(dir, "10.1.2.3", "ctr-e-2\r\neth0");
	assert_store(dir, "10.1.2.3");
}
END_TEST

/* ---- allocation order and ranges ---- */

START_TEST(round_robin)
{
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir, R24, NULL);
	expect_ip("ctr-rr-1", conf, NULL, "10.1.2.2/24");
	expect_ip("ctr-rr-2", conf, NULL, "10.1.2.3/24");
	expect_ip("ctr-rr-3", conf, NULL, "10.1.2.4/24");
	del_ok("ctr-rr-1", "eth0", conf);
	/* A released address is not handed out again straight away. */
	expect_ip("ctr-rr-4", conf, NULL, "10.1.2.5/24");
	assert_store(dir, "10.1.2.3", "10.1.2.4", "10.1.2.5");
	assert_store_file(dir, "last_reserved_ip.0", "10.1.2.5");
}
END_TEST

START_TEST(round_robin_wraps)
{
	_cleanup_run_ struct plugin_run full = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir,
		"\"ranges\":[[{\"subnet\":\"10.1.2.0/24\",\"rangeStart\":\"10.1.2.2\",\"rangeEnd\":\"10.1.2.5\"}]]",
		NULL);
	expect_ip("ctr-w-1", conf, NULL, "10.1.2.2/24");
	expect_ip("ctr-w-2", conf, NULL, "10.1.2.3/24");
	expect_ip("ctr-w-3", conf, NULL, "10.1.2.4/24");
	expect_ip("ctr-w-4", conf, NULL, "10.1.2.5/24");
	del_ok("ctr-w-2", "eth0", conf);
	/* From rangeEnd it wraps to rangeStart and finds the one free address. */
	expect_ip("ctr-w-5", conf, NULL, "10.1.2.3/24");
	hl("ADD", "ctr-w-6", "eth0", conf, NULL, &full);
	assert_cni_error(&full, 999, "no IP addresses available in range set");
	assert_store(dir, "10.1.2.2", "10.1.2.3", "10.1.2.4", "10.1.2.5");
}
END_TEST

START_TEST(range_start_end_gateway)
{
	_cleanup_run_ struct plugin_run r = {0}, full = {0}, g = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir,
		"\"ranges\":[[{\"subnet\":\"10.1.2.0/24\",\"rangeStart\":\"10.1.2.10\",\"rangeEnd\":\"10.1.2.12\","
		"\"gateway\":\"10.1.2.11\"}]]",
		NULL);
	add_ok("ctr-rg-1", "eth0", conf, NULL, &r);
	assert_json_equal(r.json, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.2.10/24\","
				  "\"gateway\":\"10.1.2.11\"}]}");
	/* The gateway inside the range is skipped. */
	expect_ip("ctr-rg-2", conf, NULL, "10.1.2.12/24");
	hl("ADD", "ctr-rg-3", "eth0", conf, NULL, &full);
	assert_cni_error(&full, 999, "no IP addresses available in range set: 10.1.2.10-10.1.2.12");
	assert_store(dir, "10.1.2.10", "10.1.2.12");

	/* A gateway elsewhere: rangeStart defaults to network+1, so .1 is handed out (the
	 * reference's behaviour, kept for the shared store). */
	conf_of(conf, sizeof(conf), "1.0.0", dir, "\"ranges\":[[{\"subnet\":\"10.1.3.0/24\",\"gateway\":\"10.1.3.254\"}]]",
		NULL);
	add_ok("ctr-rg-4", "eth0", conf, NULL, &g);
	assert_json_equal(g.json, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.3.1/24\","
				  "\"gateway\":\"10.1.3.254\"}]}");
}
END_TEST

START_TEST(ipv6_range_end_is_last_address)
{
	_cleanup_run_ struct plugin_run full = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir, "\"ranges\":[[{\"subnet\":\"fd00:2::/120\",\"rangeStart\":\"fd00:2::fe\"}]]",
		NULL);
	expect_ip("ctr-6e-1", conf, NULL, "fd00:2::fe/120");
	/* IPv6 has no broadcast: the all-ones address is allocatable. */
	expect_ip("ctr-6e-2", conf, NULL, "fd00:2::ff/120");
	hl("ADD", "ctr-6e-3", "eth0", conf, NULL, &full);
	assert_cni_error(&full, 999, "no IP addresses available in range set");
	assert_store(dir, "fd00:2::fe", "fd00:2::ff");
}
END_TEST

START_TEST(range_set_of_several_ranges)
{
	_cleanup_run_ struct plugin_run r = {0}, full = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir,
		"\"ranges\":[[{\"subnet\":\"10.1.2.0/24\",\"rangeStart\":\"10.1.2.20\",\"rangeEnd\":\"10.1.2.21\"},"
		"{\"subnet\":\"10.1.9.0/24\",\"rangeStart\":\"10.1.9.5\",\"rangeEnd\":\"10.1.9.5\"}]]",
		NULL);
	expect_ip("ctr-ms-1", conf, NULL, "10.1.2.20/24");
	expect_ip("ctr-ms-2", conf, NULL, "10.1.2.21/24");
	/* One range set yields one IP: the next range of the set takes over. */
	add_ok("ctr-ms-3", "eth0", conf, NULL, &r);
	assert_json_equal(r.json, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.9.5/24\","
				  "\"gateway\":\"10.1.9.1\"}]}");
	hl("ADD", "ctr-ms-4", "eth0", conf, NULL, &full);
	assert_cni_error(&full, 999, "no IP addresses available in range set: 10.1.2.20-10.1.2.21,10.1.9.5-10.1.9.5");
	assert_store(dir, "10.1.2.20", "10.1.2.21", "10.1.9.5");
}
END_TEST

/* ---- result contents ---- */

START_TEST(routes_and_resolv_conf)
{
	static const char *const vs[] = {"0.2.0", "0.4.0", "1.1.0"};
	static const char *const dns = "{\"nameservers\":[\"10.0.0.53\",\"fd00::53\"],\"domain\":\"example.com\","
				       "\"search\":[\"a.example.com\",\"b.example.com\"],\"options\":[\"ndots:2\","
				       "\"timeout:1\"]}";
	_cleanup_run_ struct plugin_run r = {0};
	char dir[PATH_MAX], rc[PATH_MAX + 16], conf[1024], ipam[PATH_MAX + 256], expect[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	snprintf(rc, sizeof(rc), "%s/resolv.conf", dir);
	write_file(rc,
		   "# generated\n; comment\nnameserver 10.0.0.53\nnameserver   fd00::53\ndomain example.com\n"
		   "search a.example.com\tb.example.com\noptions ndots:2 timeout:1\n",
		   0644);
	snprintf(ipam, sizeof(ipam),
		 R24 ",\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"192.168.0.0/16\",\"gw\":\"10.1.2.254\"}],"
		     "\"resolvConf\":\"%s\"",
		 rc);
	conf_of(conf, sizeof(conf), vs[_i], dir, ipam, NULL);
	hl("ADD", "ctr-dns", "eth0", conf, NULL, &r);
	assert_run_ok(&r);
	if (_i == 0)
		snprintf(expect, sizeof(expect),
			 "{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.1.2.2/24\",\"gateway\":\"10.1.2.1\","
			 "\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"192.168.0.0/16\",\"gw\":\"10.1.2.254\"}]},"
			 "\"dns\":%s}",
			 dns);
	else
		snprintf(expect, sizeof(expect),
			 "{\"cniVersion\":\"%s\",\"ips\":[{%s\"address\":\"10.1.2.2/24\",\"gateway\":\"10.1.2.1\"}],"
			 "\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"192.168.0.0/16\",\"gw\":\"10.1.2.254\"}],"
			 "\"dns\":%s}",
			 vs[_i], _i == 1 ? "\"version\":\"4\"," : "", dns);
	assert_json_equal(r.json, expect);
}
END_TEST

START_TEST(resolv_conf_missing)
{
	_cleanup_run_ struct plugin_run r = {0};
	char dir[PATH_MAX], conf[1024], ipam[PATH_MAX + 64];

	ck_assert_int_eq(testdir_create(dir), 0);
	snprintf(ipam, sizeof(ipam), R24 ",\"resolvConf\":\"%s/nope.conf\"", dir);
	conf_of(conf, sizeof(conf), "1.0.0", dir, ipam, NULL);
	hl("ADD", "ctr-dns", "eth0", conf, NULL, &r);
	assert_cni_error(&r, 7, "ipam.resolvConf");
	assert_store(dir, NULL);
}
END_TEST

/* resolvConf names something that is not a regular file: a clear code-7 error at once
 * (a FIFO used to block the plugin forever), nothing reserved. */
START_TEST(resolv_conf_not_regular)
{
	_cleanup_run_ struct plugin_run r = {0};
	char dir[PATH_MAX], conf[PATH_MAX + 256], ipam[PATH_MAX + 64], target[PATH_MAX];

	ck_assert_int_eq(testdir_create(dir), 0);
	switch (_i) {
	case 0:
		xfmt(target, sizeof(target), "%s/fifo", dir);
		ck_assert_int_eq(mkfifo(target, 0600), 0);
		break;
	case 1:
		xfmt(target, sizeof(target), "/dev/null");
		break;
	default:
		xfmt(target, sizeof(target), "%s", dir);
		break;
	}
	xfmt(ipam, sizeof(ipam), R24 ",\"resolvConf\":\"%s\"", target);
	conf_of(conf, sizeof(conf), "1.0.0", dir, ipam, NULL);
	hl("ADD", "ctr-dns", "eth0", conf, NULL, &r);
	ck_assert_msg(!r.timed_out, "ADD with resolvConf %s timed out", target);
	assert_cni_error(&r, 7, "is not a regular file");
	assert_cni_error(&r, 7, "ipam.resolvConf");
}
END_TEST

/* The store's lock file is a symlink or a FIFO (planted): the operation fails with an
 * error at once, and nothing is created or written through the link. */
START_TEST(store_lock_planted)
{
	_cleanup_run_ struct plugin_run r = {0};
	char dir[PATH_MAX], conf[1024], store[PATH_MAX], lock[PATH_MAX], victim[PATH_MAX];
	struct stat st;

	ck_assert_int_eq(testdir_create(dir), 0);
	xfmt(store, sizeof(store), "%s/" NET, dir);
	ck_assert_int_eq(mkdir(store, 0755), 0);
	spath(lock, dir, "lock");
	xfmt(victim, sizeof(victim), "%s/victim", dir);
	if (_i == 0)
		ck_assert_int_eq(symlink(victim, lock), 0);
	else
		ck_assert_int_eq(mkfifo(lock, 0600), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir, R24, NULL);
	hl("ADD", "ctr-lock", "eth0", conf, NULL, &r);
	ck_assert_msg(!r.timed_out, "ADD with a planted lock timed out");
	assert_cni_error(&r, 999, "cannot open the data directory");
	ck_assert_msg(lstat(victim, &st) != 0 && errno == ENOENT, "%s was created through the lock symlink",
		      victim);
	assert_store(dir, NULL);
}
END_TEST

/* ---- requested IPs ---- */

START_TEST(requested_cni_args)
{
	const char *ip7[] = {"CNI_ARGS=IP=10.1.2.7", NULL};
	const char *ip8[] = {"CNI_ARGS=IP=10.1.2.8/24", NULL};
	const char *ip9[] = {"CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=p;IP=10.1.2.9", NULL};
	const char *unknown[] = {"CNI_ARGS=K8S_POD_NAME=p;IP=10.1.2.10", NULL};
	const char *bogus[] = {"CNI_ARGS=IP=10.1.2.300", NULL};
	const char *gw[] = {"CNI_ARGS=IP=10.1.2.1", NULL};
	const char *outside[] = {"CNI_ARGS=IP=10.9.9.9", NULL};
	_cleanup_run_ struct plugin_run e1 = {0}, e2 = {0}, e3 = {0}, e4 = {0}, e5 = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir, R24, NULL);
	expect_ip("ctr-ip-7", conf, ip7, "10.1.2.7/24");
	expect_ip("ctr-ip-8", conf, ip8, "10.1.2.8/24"); /* the prefix is ignored */
	expect_ip("ctr-ip-9", conf, ip9, "10.1.2.9/24");
	/* Unknown CNI_ARGS keys are an error unless IgnoreUnknown is set. */
	hl("ADD", "ctr-ip-10", "eth0", conf, unknown, &e1);
	assert_cni_error(&e1, 4, "K8S_POD_NAME");
	hl("ADD", "ctr-ip-x", "eth0", conf, bogus, &e2);
	assert_cni_error(&e2, 4, "IP");
	hl("ADD", "ctr-ip-y", "eth0", conf, ip7, &e3);
	assert_cni_error(&e3, 999, "requested IP address 10.1.2.7 is not available in range set 10.1.2.1-10.1.2.254");
	hl("ADD", "ctr-ip-z", "eth0", conf, gw, &e4);
	assert_cni_error(&e4, 999, "requested ip 10.1.2.1 is subnet's gateway");
	hl("ADD", "ctr-ip-o", "eth0", conf, outside, &e5);
	assert_cni_error(&e5, 999, "failed to allocate all requested IPs: 10.9.9.9");
	/* None of the failures left anything. The last one took .10 dynamically before it
	 * found 10.9.9.9 unmatched and released it; as in the reference, the round-robin
	 * cursor stays there. */
	assert_store(dir, "10.1.2.7", "10.1.2.8", "10.1.2.9");
	assert_store_file(dir, "last_reserved_ip.0", "10.1.2.10");
	expect_ip("ctr-ip-d", conf, NULL, "10.1.2.11/24");
	assert_store_file(dir, "10.1.2.8", "ctr-ip-8\r\neth0");
}
END_TEST

START_TEST(requested_args_and_runtime_config)
{
	_cleanup_run_ struct plugin_run r1 = {0}, r2 = {0}, r3 = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	/* args.cni.ips and runtimeConfig.ips are merged: one IP per family here. */
	conf_of(conf, sizeof(conf), "1.0.0", dir, R46,
		"\"args\":{\"cni\":{\"ips\":[\"10.1.2.20\"]}},\"runtimeConfig\":{\"ips\":[\"fd00:1::20\"]}");
	add_ok("ctr-req-1", "eth0", conf, NULL, &r1);
	assert_json_equal(r1.json, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.2.20/24\",\"gateway\":"
				   "\"10.1.2.1\"},{\"address\":\"fd00:1::20/64\",\"gateway\":\"fd00:1::1\"}]}");
	/* runtimeConfig alone, with a prefix; the other family is allocated as usual. */
	conf_of(conf, sizeof(conf), "1.0.0", dir, R46, "\"runtimeConfig\":{\"ips\":[\"10.1.2.21/24\"]}");
	add_ok("ctr-req-2", "eth0", conf, NULL, &r2);
	ck_assert_str_eq(ip_of(&r2, 0), "10.1.2.21/24");
	ck_assert_str_eq(ip_of(&r2, 1), "fd00:1::21/64");
	/* args.cni.ips alone. */
	conf_of(conf, sizeof(conf), "1.0.0", dir, R46, "\"args\":{\"cni\":{\"ips\":[\"fd00:1::99\"]}}");
	add_ok("ctr-req-3", "eth0", conf, NULL, &r3);
	ck_assert_str_eq(ip_of(&r3, 0), "10.1.2.22/24");
	ck_assert_str_eq(ip_of(&r3, 1), "fd00:1::99/64");
	assert_store(dir, "10.1.2.20", "10.1.2.21", "10.1.2.22", "fd00:1::20", "fd00:1::21", "fd00:1::99");
}
END_TEST

START_TEST(ip_ranges_prepended)
{
	_cleanup_run_ struct plugin_run r = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir, R24,
		"\"capabilities\":{\"ipRanges\":true},\"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"10.77.0.0/24\","
		"\"gateway\":\"10.77.0.254\"}]]}");
	add_ok("ctr-ipr", "eth0", conf, NULL, &r);
	assert_json_equal(r.json, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.77.0.1/24\",\"gateway\":"
				  "\"10.77.0.254\"},{\"address\":\"10.1.2.2/24\",\"gateway\":\"10.1.2.1\"}]}");
	/* The runtime's range set is set 0, the configured one set 1. */
	assert_store_file(dir, "last_reserved_ip.0", "10.77.0.1");
	assert_store_file(dir, "last_reserved_ip.1", "10.1.2.2");
	del_ok("ctr-ipr", "eth0", conf);
	assert_store_clean(dir);
}
END_TEST

/* ---- refusals ---- */

START_TEST(exhaustion)
{
	_cleanup_run_ struct plugin_run r = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir, "\"ranges\":[[{\"subnet\":\"10.1.2.0/30\"}]]", NULL);
	/* A /30 has .1 (gateway) and .2 usable. */
	expect_ip("ctr-ex-1", conf, NULL, "10.1.2.2/30");
	hl("ADD", "ctr-ex-2", "eth0", conf, NULL, &r);
	assert_cni_error(&r, 999, "no IP addresses available in range set");
	assert_cni_version(&r, "1.0.0");
	assert_store(dir, "10.1.2.2");
	assert_store_file(dir, "10.1.2.2", "ctr-ex-1\r\neth0");
}
END_TEST

START_TEST(duplicate_add_refused)
{
	_cleanup_run_ struct plugin_run r = {0}, other = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir, R24, NULL);
	expect_ip("ctr-dup", conf, NULL, "10.1.2.2/24");
	hl("ADD", "ctr-dup", "eth0", conf, NULL, &r);
	assert_cni_error(&r, 999, "10.1.2.2 has been allocated to ctr-dup, duplicate allocation is not allowed");
	assert_store(dir, "10.1.2.2");
	/* Another interface of the same container is another attachment. */
	add_ok("ctr-dup", "eth1", conf, NULL, &other);
	ck_assert_str_eq(ip_of(&other, 0), "10.1.2.3/24");
	assert_store_file(dir, "10.1.2.3", "ctr-dup\r\neth1");
	del_ok("ctr-dup", "eth0", conf);
	assert_store(dir, "10.1.2.3");
}
END_TEST

static const struct {
	const char *version, *ipam, *top, *msg1, *msg2;
} bad_confs[] = {
	{"1.0.0", "\"ranges\":[]", NULL, "ipam.ranges", "no IP ranges specified"},
	{"1.0.0", "\"ranges\":[[{\"subnet\":\"10.1.2.1/24\"}]]", NULL, "ipam.ranges[0][0].subnet", "host bits"},
	{"1.0.0", "\"ranges\":[[{\"subnet\":\"10.1.2.0/31\"}]]", NULL, "ipam.ranges[0][0].subnet", "too small"},
	{"1.0.0", "\"ranges\":[[{\"rangeStart\":\"10.1.2.5\"}]]", NULL, "ipam.ranges[0][0].subnet", "missing"},
	{"1.0.0", "\"ranges\":[[{\"subnet\":\"10.1.2.0/24\",\"rangeStart\":\"10.1.3.5\"}]]", NULL,
	 "ipam.ranges[0][0].rangeStart", "not in network"},
	{"1.0.0", "\"ranges\":[[{\"subnet\":\"10.1.2.0/24\",\"rangeEnd\":\"10.1.2.300\"}]]", NULL,
	 "ipam.ranges[0][0].rangeEnd", "not a valid IP"},
	{"1.0.0", "\"ranges\":[[{\"subnet\":\"10.1.2.0/24\"},{\"subnet\":\"fd00::/64\"}]]", NULL, "ipam.ranges[0]",
	 "mixed address families"},
	{"1.0.0", "\"ranges\":[[{\"subnet\":\"10.1.2.0/24\"}],[{\"subnet\":\"10.1.2.0/25\"}]]", NULL,
	 "ipam.ranges[0]", "overlaps"},
	{"1.0.0", "\"subnet\":\"10.1.2.0/24\",\"gateway\":\"banana\"", NULL, "ipam.gateway", "not a valid IP"},
	{"1.0.0", R24 ",\"routes\":[{\"gw\":\"10.1.2.1\"}]", NULL, "ipam.routes[0]", "dst"},
	{"0.2.0", "\"ranges\":[[{\"subnet\":\"10.1.2.0/24\"}],[{\"subnet\":\"10.1.3.0/24\"}]]", NULL, "cniVersion",
	 "more than 1 address per family"},
	{"1.0.0", R24, "\"args\":{\"cni\":{\"ips\":[\"10.1.2.x\"]}}", "args.cni.ips[0]", "not a valid IP"},
	{"1.0.0", R24, "\"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"nonsense\"}]]}",
	 "runtimeConfig.ipRanges[0][0].subnet", "not a valid CIDR"},
};

START_TEST(config_errors)
{
	_cleanup_run_ struct plugin_run r = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), bad_confs[_i].version, dir, bad_confs[_i].ipam, bad_confs[_i].top);
	hl("ADD", "ctr-bad", "eth0", conf, NULL, &r);
	assert_cni_error(&r, 7, bad_confs[_i].msg1);
	assert_cni_error(&r, 7, bad_confs[_i].msg2);
	assert_cni_version(&r, bad_confs[_i].version);
	assert_store(dir, NULL);
}
END_TEST

START_TEST(config_no_ipam)
{
	_cleanup_run_ struct plugin_run r = {0}, d = {0};
	const char *conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"bridge\"}";

	hl("ADD", "ctr-bad", "eth0", conf, NULL, &r);
	assert_cni_error(&r, 7, "'ipam'");
	/* DEL cannot know the store either: the same error, nothing guessed. */
	hl("DEL", "ctr-bad", "eth0", conf, NULL, &d);
	assert_cni_error(&d, 7, "'ipam'");
}
END_TEST

START_TEST(second_range_set_exhausted_releases_first)
{
	_cleanup_run_ struct plugin_run r = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir,
		"\"ranges\":[[{\"subnet\":\"10.1.2.0/24\"}],[{\"subnet\":\"10.1.4.0/30\"}]]", NULL);
	add_ok("ctr-two-1", "eth0", conf, NULL, &r);
	ck_assert_str_eq(ip_of(&r, 0), "10.1.2.2/24");
	ck_assert_str_eq(ip_of(&r, 1), "10.1.4.2/30");
	plugin_run_done(&r);
	/* Set 0 would give .3, set 1 is full: the whole ADD fails and .3 is released. */
	hl("ADD", "ctr-two-2", "eth0", conf, NULL, &r);
	assert_cni_error(&r, 999, "failed to allocate for range 1");
	assert_cni_error(&r, 999, "no IP addresses available in range set: 10.1.4.1-10.1.4.2");
	assert_store(dir, "10.1.2.2", "10.1.4.2");
	/* The failure left no index entry either: DEL of the failed attachment is a no-op. */
	del_ok("ctr-two-2", "eth0", conf);
	assert_store(dir, "10.1.2.2", "10.1.4.2");
}
END_TEST

/* ---- GC and STATUS (1.1.0) ---- */

static const char *const gc_keys[] = {"cni.dev/valid-attachments", "cni.dev/attachments"};

START_TEST(gc_releases_stale)
{
	_cleanup_run_ struct plugin_run gc = {0}, c1 = {0}, c2 = {0};
	char dir[PATH_MAX], conf[1024], gcconf[2048], top[512], p[PATH_MAX];
	struct plugin_run r = {0};

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.1.0", dir, R24, NULL);
	expect_ip("ctr-gc-1", conf, NULL, "10.1.2.2/24");
	expect_ip("ctr-gc-2", conf, NULL, "10.1.2.3/24");
	expect_ip("ctr-gc-3", conf, NULL, "10.1.2.4/24");
	add_ok("ctr-gc-1", "eth1", conf, NULL, &r);
	ck_assert_str_eq(ip_of(&r, 0), "10.1.2.5/24");
	plugin_run_done(&r);
	/* Files written before ifname was stored: the id alone. */
	spath(p, dir, "10.1.2.50");
	write_file(p, "ctr-gc-3", 0600);
	spath(p, dir, "10.1.2.51");
	write_file(p, "ctr-gc-9\n", 0600);

	snprintf(top, sizeof(top),
		 "\"%s\":[{\"containerID\":\"ctr-gc-1\",\"ifname\":\"eth0\"},{\"containerID\":\"ctr-gc-3\","
		 "\"ifname\":\"eth0\"}]",
		 gc_keys[_i]);
	conf_of(gcconf, sizeof(gcconf), "1.1.0", dir, R24, top);
	ck_assert_int_eq(plugin_exec("host-local", "GC", NULL, NULL, NULL, gcconf, NULL, &gc), 0);
	assert_run_ok(&gc);
	ck_assert_msg(gc.out_len == 0, "GC printed: %s", gc.out);
	/* Kept: the listed attachments, and the legacy file of a container that has one. */
	assert_store(dir, "10.1.2.2", "10.1.2.4", "10.1.2.50");
	hl("CHECK", "ctr-gc-2", "eth0", conf, NULL, &c2);
	assert_cni_error(&c2, 999, "Failed to find address");
	hl("CHECK", "ctr-gc-1", "eth0", conf, NULL, &c1);
	assert_run_ok(&c1);
	/* Round-robin is not reset by GC. */
	expect_ip("ctr-gc-4", conf, NULL, "10.1.2.6/24");
}
END_TEST

START_TEST(gc_empty_list_and_missing_key)
{
	_cleanup_run_ struct plugin_run all = {0}, none = {0}, old = {0};
	char dir[PATH_MAX], conf[1024], gcconf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.1.0", dir, R24, NULL);
	expect_ip("ctr-gce-1", conf, NULL, "10.1.2.2/24");
	/* Without the list GC must not guess (that would release everything). */
	ck_assert_int_eq(plugin_exec("host-local", "GC", NULL, NULL, NULL, conf, NULL, &none), 0);
	assert_cni_error(&none, 7, "cni.dev/valid-attachments");
	assert_store(dir, "10.1.2.2");
	conf_of(gcconf, sizeof(gcconf), "1.0.0", dir, R24, "\"cni.dev/valid-attachments\":[]");
	ck_assert_int_eq(plugin_exec("host-local", "GC", NULL, NULL, NULL, gcconf, NULL, &old), 0);
	assert_cni_error(&old, 1, "GC");
	assert_store(dir, "10.1.2.2");
	conf_of(gcconf, sizeof(gcconf), "1.1.0", dir, R24, "\"cni.dev/valid-attachments\":[]");
	ck_assert_int_eq(plugin_exec("host-local", "GC", NULL, NULL, NULL, gcconf, NULL, &all), 0);
	assert_run_ok(&all);
	assert_store_clean(dir);
}
END_TEST

START_TEST(status)
{
	_cleanup_run_ struct plugin_run ok = {0}, bad = {0}, old = {0};
	char dir[PATH_MAX], file[PATH_MAX], sub[PATH_MAX + 16], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.1.0", dir, R24, NULL);
	ck_assert_int_eq(plugin_exec("host-local", "STATUS", NULL, NULL, NULL, conf, NULL, &ok), 0);
	assert_run_ok(&ok);
	ck_assert_msg(ok.out_len == 0, "STATUS printed: %s", ok.out);
	assert_store_clean(dir);
	/* A data directory that cannot be created: not available (50). */
	xfmt(file, sizeof(file), "%s/plain-file", dir);
	write_file(file, "x", 0600);
	snprintf(sub, sizeof(sub), "%s/data", file);
	conf_of(conf, sizeof(conf), "1.1.0", sub, R24, NULL);
	ck_assert_int_eq(plugin_exec("host-local", "STATUS", NULL, NULL, NULL, conf, NULL, &bad), 0);
	assert_cni_error(&bad, 50, sub);
	conf_of(conf, sizeof(conf), "1.0.0", dir, R24, NULL);
	ck_assert_int_eq(plugin_exec("host-local", "STATUS", NULL, NULL, NULL, conf, NULL, &old), 0);
	assert_cni_error(&old, 1, "STATUS");
}
END_TEST

/* ---- concurrency ---- */

#define N_PAR 40

START_TEST(parallel_add_del)
{
	static struct plugin_job jobs[N_PAR];
	char dir[PATH_MAX], conf[1024], cids[N_PAR][32];
	char seen[256] = {0};

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), "1.0.0", dir, R24, NULL);
	for (int i = 0; i < N_PAR; i++) {
		snprintf(cids[i], sizeof(cids[i]), "ctr-par-%d", i);
		jobs[i] = (struct plugin_job){.cid = cids[i], .ifname = "eth0", .netns = NO_NS};
	}
	plugin_exec_parallel("host-local", "ADD", conf, jobs, N_PAR, PARALLEL_TIMEOUT_S);
	for (int i = 0; i < N_PAR; i++) {
		char name[32];
		unsigned a, b, c, d, pfx;

		assert_run_ok(&jobs[i].r);
		ck_assert_int_eq(sscanf(ip_of(&jobs[i].r, 0), "%u.%u.%u.%u/%u", &a, &b, &c, &d, &pfx), 5);
		ck_assert_msg(a == 10 && b == 1 && c == 2 && d >= 2 && d < 255 && pfx == 24, "odd IP %s",
			      ip_of(&jobs[i].r, 0));
		ck_assert_msg(!seen[d], "10.1.2.%u handed out twice", d);
		seen[d] = 1;
		/* Each file names its own attachment. */
		snprintf(name, sizeof(name), "10.1.2.%u", d);
		{
			char want[64];

			xfmt(want, sizeof(want), "%s\r\neth0", cids[i]);
			assert_store_file(dir, name, want);
		}
	}
	/* Round-robin without holes: exactly .2 .. .41. */
	for (int d = 2; d < 2 + N_PAR; d++)
		ck_assert_msg(seen[d], "10.1.2.%d was skipped", d);
	for (int i = 0; i < N_PAR; i++)
		plugin_run_done(&jobs[i].r);
	plugin_exec_parallel("host-local", "DEL", conf, jobs, N_PAR, PARALLEL_TIMEOUT_S);
	for (int i = 0; i < N_PAR; i++) {
		assert_run_ok(&jobs[i].r);
		plugin_run_done(&jobs[i].r);
	}
	assert_store_clean(dir);
}
END_TEST

/* ---- interoperation with the reference Go host-local ---- */

/* Debian's Go build (1.1.1) speaks up to 1.0.0. */
#define IOP_VERSION "1.0.0"

static void go(const char *cmd, const char *cid, const char *conf, struct plugin_run *r)
{
	run_bin(GO_HOSTLOCAL, cmd, cid, "eth0", conf, NULL, r);
}

static void go_expect_ip(const char *cid, const char *conf, const char *want)
{
	struct plugin_run r = {0};

	go("ADD", cid, conf, &r);
	assert_run_ok(&r);
	ck_assert_msg(strcmp(ip_of(&r, 0), want) == 0, "Go gave %s %s, expected %s", cid, ip_of(&r, 0), want);
	plugin_run_done(&r);
}

static void go_ok(const char *cmd, const char *cid, const char *conf)
{
	struct plugin_run r = {0};

	go(cmd, cid, conf, &r);
	assert_run_ok(&r);
	plugin_run_done(&r);
}

START_TEST(interop_go_add_ours_check_del)
{
	_cleanup_run_ struct plugin_run chk = {0}, chk2 = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), IOP_VERSION, dir, R24, NULL);
	/* Ours first, so our index exists before Go changes the directory behind it. */
	expect_ip("ctr-io-0", conf, NULL, "10.1.2.2/24");
	go_expect_ip("ctr-io-1", conf, "10.1.2.3/24");
	assert_store_file(dir, "10.1.2.3", "ctr-io-1\r\neth0");
	hl("CHECK", "ctr-io-1", "eth0", conf, NULL, &chk);
	assert_run_ok(&chk);
	del_ok("ctr-io-1", "eth0", conf);
	assert_store(dir, "10.1.2.2");
	hl("CHECK", "ctr-io-1", "eth0", conf, NULL, &chk2);
	assert_cni_error(&chk2, 999, "Failed to find address");
	/* And Go continues the round where we left it. */
	go_expect_ip("ctr-io-2", conf, "10.1.2.4/24");
}
END_TEST

START_TEST(interop_ours_add_go_check_del)
{
	_cleanup_run_ struct plugin_run chk = {0}, again = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), IOP_VERSION, dir, R24, NULL);
	expect_ip("ctr-io-a", conf, NULL, "10.1.2.2/24");
	go_ok("CHECK", "ctr-io-a", conf);
	go_expect_ip("ctr-io-b", conf, "10.1.2.3/24");
	go_ok("DEL", "ctr-io-a", conf);
	assert_store(dir, "10.1.2.3");
	/* The foreign removal is noticed... */
	hl("CHECK", "ctr-io-a", "eth0", conf, NULL, &chk);
	assert_cni_error(&chk, 999, "Failed to find address added by container ctr-io-a");
	/* ...the attachment may be added again (no stale "duplicate"), and what Go holds is
	 * not handed out twice. */
	hl("ADD", "ctr-io-a", "eth0", conf, NULL, &again);
	assert_run_ok(&again);
	ck_assert_str_eq(ip_of(&again, 0), "10.1.2.4/24");
	expect_ip("ctr-io-c", conf, NULL, "10.1.2.5/24");
	assert_store(dir, "10.1.2.3", "10.1.2.4", "10.1.2.5");
	assert_store_file(dir, "10.1.2.3", "ctr-io-b\r\neth0");
}
END_TEST

START_TEST(interop_foreign_readd_same_attachment)
{
	/* Our index knows ctr-io-r at .2; Go releases it and re-adds it at .3. */
	_cleanup_run_ struct plugin_run chk = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), IOP_VERSION, dir, R24, NULL);
	expect_ip("ctr-io-r", conf, NULL, "10.1.2.2/24");
	go_ok("DEL", "ctr-io-r", conf);
	go_expect_ip("ctr-io-r", conf, "10.1.2.3/24");
	hl("CHECK", "ctr-io-r", "eth0", conf, NULL, &chk);
	assert_run_ok(&chk);
	del_ok("ctr-io-r", "eth0", conf);
	assert_store_clean(dir);
}
END_TEST

START_TEST(interop_alternating_round_robin)
{
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), IOP_VERSION, dir, R24, NULL);
	go_expect_ip("ctr-alt-1", conf, "10.1.2.2/24");
	expect_ip("ctr-alt-2", conf, NULL, "10.1.2.3/24");
	go_expect_ip("ctr-alt-3", conf, "10.1.2.4/24");
	expect_ip("ctr-alt-4", conf, NULL, "10.1.2.5/24");
	assert_store_file(dir, "last_reserved_ip.0", "10.1.2.5");
	/* Each releases what the other wrote. */
	go_ok("DEL", "ctr-alt-2", conf);
	del_ok("ctr-alt-1", "eth0", conf);
	go_ok("DEL", "ctr-alt-4", conf);
	del_ok("ctr-alt-3", "eth0", conf);
	assert_store_clean(dir);
	go_expect_ip("ctr-alt-5", conf, "10.1.2.6/24");
}
END_TEST

START_TEST(interop_legacy_id_only_file)
{
	/* Files from before ifname was stored hold the container ID alone. */
	_cleanup_run_ struct plugin_run chk = {0};
	char dir[PATH_MAX], conf[1024], p[PATH_MAX];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), IOP_VERSION, dir, R24, NULL);
	expect_ip("ctr-new", conf, NULL, "10.1.2.2/24");
	spath(p, dir, "10.1.2.7");
	write_file(p, "ctr-legacy-1", 0600);
	spath(p, dir, "10.1.2.8");
	write_file(p, "ctr-legacy-2\n", 0644);
	hl("CHECK", "ctr-legacy-1", "eth0", conf, NULL, &chk);
	assert_run_ok(&chk);
	del_ok("ctr-legacy-1", "eth0", conf);
	del_ok("ctr-legacy-2", "eth0", conf);
	assert_store(dir, "10.1.2.2");
	/* The Go plugin agrees the store is consistent. */
	go_ok("CHECK", "ctr-new", conf);
}
END_TEST

START_TEST(interop_ip_reused_by_foreign)
{
	/* Our index says .2 is ctr-io-x's; Go frees it and gives it to ctr-io-y. */
	_cleanup_run_ struct plugin_run cx = {0}, cy = {0};
	char dir[PATH_MAX], conf[1024];

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), IOP_VERSION, dir,
		"\"ranges\":[[{\"subnet\":\"10.1.2.0/24\",\"rangeStart\":\"10.1.2.2\",\"rangeEnd\":\"10.1.2.2\"}]]",
		NULL);
	expect_ip("ctr-io-x", conf, NULL, "10.1.2.2/24");
	go_ok("DEL", "ctr-io-x", conf);
	go_expect_ip("ctr-io-y", conf, "10.1.2.2/24");
	hl("CHECK", "ctr-io-x", "eth0", conf, NULL, &cx);
	assert_cni_error(&cx, 999, "Failed to find address");
	/* DEL of the old owner must not take the new owner's address. */
	del_ok("ctr-io-x", "eth0", conf);
	assert_store(dir, "10.1.2.2");
	assert_store_file(dir, "10.1.2.2", "ctr-io-y\r\neth0");
	hl("CHECK", "ctr-io-y", "eth0", conf, NULL, &cy);
	assert_run_ok(&cy);
	del_ok("ctr-io-y", "eth0", conf);
	assert_store_clean(dir);
}
END_TEST

#define N_MIXED 32

START_TEST(interop_parallel_mixed)
{
	/* Both binaries at once on one range: the same flock keeps them from colliding. */
	static struct plugin_job jobs[N_MIXED];
	char dir[PATH_MAX], conf[1024], cids[N_MIXED][32], seen[256] = {0};

	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), IOP_VERSION, dir, R24, NULL);
	for (int i = 0; i < N_MIXED; i++) {
		xfmt(cids[i], sizeof(cids[i]), "ctr-mix-%d", i);
		jobs[i] = (struct plugin_job){.cid = cids[i], .ifname = "eth0", .netns = NO_NS,
				       .bin = i % 2 ? GO_HOSTLOCAL : NULL};
	}
	plugin_exec_parallel("host-local", "ADD", conf, jobs, N_MIXED, PARALLEL_TIMEOUT_S);
	for (int i = 0; i < N_MIXED; i++) {
		unsigned d;

		assert_run_ok(&jobs[i].r);
		ck_assert_int_eq(sscanf(ip_of(&jobs[i].r, 0), "10.1.2.%u/24", &d), 1);
		ck_assert_msg(d < 256 && !seen[d], "10.1.2.%u handed out twice", d);
		seen[d] = 1;
		plugin_run_done(&jobs[i].r);
	}
	/* Released crosswise: each binary frees what the other one wrote. */
	for (int i = 0; i < N_MIXED; i++)
		jobs[i].bin = i % 2 ? NULL : GO_HOSTLOCAL;
	plugin_exec_parallel("host-local", "DEL", conf, jobs, N_MIXED, PARALLEL_TIMEOUT_S);
	for (int i = 0; i < N_MIXED; i++) {
		assert_run_ok(&jobs[i].r);
		plugin_run_done(&jobs[i].r);
	}
	assert_store_clean(dir);
}
END_TEST

Suite *hostlocal_suite(void)
{
	Suite *s;
	TCase *tc;

	if (!plugin_available("host-local"))
		return NULL;
	s = suite_create("hostlocal");

	tc = tcase_create("lifecycle");
	testns_tcase(tc, 30);
	tcase_add_loop_test(tc, lifecycle_every_version, 0, N_VERSIONS);
	tcase_add_test(tc, dual_stack_result);
	tcase_add_test(tc, on_disk_format);
	tcase_add_test(tc, ipv6_canonical_names);
	tcase_add_test(tc, long_container_id);
	tcase_add_test(tc, empty_file_is_free);
	suite_add_tcase(s, tc);

	tc = tcase_create("alloc");
	testns_tcase(tc, 30);
	tcase_add_test(tc, round_robin);
	tcase_add_test(tc, round_robin_wraps);
	tcase_add_test(tc, range_start_end_gateway);
	tcase_add_test(tc, ipv6_range_end_is_last_address);
	tcase_add_test(tc, range_set_of_several_ranges);
	tcase_add_loop_test(tc, routes_and_resolv_conf, 0, 3);
	tcase_add_test(tc, resolv_conf_missing);
	tcase_add_loop_test(tc, resolv_conf_not_regular, 0, 3);
	tcase_add_loop_test(tc, store_lock_planted, 0, 2);
	tcase_add_test(tc, requested_cni_args);
	tcase_add_test(tc, requested_args_and_runtime_config);
	tcase_add_test(tc, ip_ranges_prepended);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	testns_tcase(tc, 30);
	tcase_add_test(tc, exhaustion);
	tcase_add_test(tc, duplicate_add_refused);
	tcase_add_loop_test(tc, config_errors, 0, (int)(sizeof(bad_confs) / sizeof(bad_confs[0])));
	tcase_add_test(tc, config_no_ipam);
	tcase_add_test(tc, second_range_set_exhausted_releases_first);
	suite_add_tcase(s, tc);

	tc = tcase_create("gc_status");
	testns_tcase(tc, 30);
	tcase_add_loop_test(tc, gc_releases_stale, 0, 2);
	tcase_add_test(tc, gc_empty_list_and_missing_key);
	tcase_add_test(tc, status);
	suite_add_tcase(s, tc);

	tc = tcase_create("parallel");
	testns_tcase(tc, 60);
	tcase_add_test(tc, parallel_add_del);
	suite_add_tcase(s, tc);

	if (access(GO_HOSTLOCAL, X_OK) == 0) {
		tc = tcase_create("interop");
		testns_tcase(tc, 30);
		tcase_add_test(tc, interop_go_add_ours_check_del);
		tcase_add_test(tc, interop_ours_add_go_check_del);
		tcase_add_test(tc, interop_foreign_readd_same_attachment);
		tcase_add_test(tc, interop_alternating_round_robin);
		tcase_add_test(tc, interop_legacy_id_only_file);
		tcase_add_test(tc, interop_ip_reused_by_foreign);
		tcase_add_test(tc, interop_parallel_mixed);
		suite_add_tcase(s, tc);
	} else {
		printf("SKIP hostlocal interop: " GO_HOSTLOCAL " (the reference Go plugin, Debian's "
		       "containernetworking-plugins) is not installed\n");
	}
	return s;
}
