/* test_crash.c: crash injection. A plugin run (ADD or DEL) is killed with SIGKILL after a
 * random delay between 0 and the operation's own duration (measured first), as a runtime
 * does when its timeout fires; then a DEL of the same attachment must succeed and leave
 * nothing behind (no lease or index entry in the store, no temp file, no veth or ipvlan
 * link, no new host route), and a new ADD of it must work. Many runs, each a new
 * container ID, so every step of both operations gets interrupted somewhere.
 *
 * Modes (one test each):
 *   bridge      bridge + our host-local (delegated in-process)       host lane (soak)
 *   bridge-go   bridge + the reference Go host-local (exec'd)       host lane (soak)
 *   host-local  our host-local alone (IPAM only, finest store timing) host lane (soak)
 *   ipvlan      ipvlan (dummy master) + our host-local              vm lane
 * Kills per mode: CNI_CRASH_KILLS (default 100 for bridge, 50 for the others, 12 in the VM
 * and 5 there under the sanitizers; `make soak` passes 1000). Every run prints one
 * summary line per mode, with the seed (CNI_CRASH_SEED replays a run).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testns.h"
#include "testproc.h"

#define GO_HOSTLOCAL_DIR "/usr/lib/cni"
#define NET "crashnet"
#define NO_NS "/run/netns/crash-never-entered"
#define RUN_TIMEOUT_MS 20000

enum mode { M_BRIDGE, M_BRIDGE_GO, M_HOSTLOCAL, M_IPVLAN, _M_MAX };
static const char *const mode_names[_M_MAX] = {"bridge", "bridge-go", "host-local", "ipvlan"};

struct crash {
	enum mode mode;
	char ns[TESTNS_NAMELEN], nspath[PATH_MAX];
	char dir[PATH_MAX], store[PATH_MAX];
	char conf[PATH_MAX + 512];
	char path_env[PATH_MAX + 16];
	const char *env[2];
	char routes_before[4096]; /* the host's routes with no pod attached */
	int64_t dur_ns[2];	  /* median duration of an ADD, a DEL */
	unsigned kills, landed, done_before;
};

static const char *bin_of(const struct crash *c)
{
	return c->mode == M_HOSTLOCAL ? "host-local" : c->mode == M_IPVLAN ? "ipvlan" : "bridge";
}

static unsigned env_uint(const char *name, unsigned def)
{
	const char *v = getenv(name);

	return v && *v ? (unsigned)strtoul(v, NULL, 10) : def;
}

/* xorshift: reproducible runs (the seed is printed). */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- running ---- */

static const char *netns_of(const struct crash *c)
{
	return c->mode == M_HOSTLOCAL ? NO_NS : c->nspath;
}

static void run(struct crash *c, const char *cmd, const char *cid, struct plugin_run *r)
{
	struct plugin_proc p;

	ck_assert_int_eq(plugin_start(bin_of(c), cmd, netns_of(c), "eth0", cid, c->conf, c->env, &p), 0);
	plugin_finish(&p, RUN_TIMEOUT_MS, r);
	ck_assert_msg(!r->timed_out, "%s %s %s did not finish", bin_of(c), cmd, cid);
}

static void run_ok(struct crash *c, const char *cmd, const char *cid)
{
	_cleanup_run_ struct plugin_run r = {0};

	run(c, cmd, cid, &r);
	ck_assert_msg(r.status == 0, "%s %s %s after a crash failed (%d): %s %s", bin_of(c), cmd, cid, r.status,
		      r.out, r.err);
	ck_assert_msg(!r.sanitizer, "sanitizer report: %s", r.err);
}

/* Start cmd and SIGKILL it delay_ns after its start (unless it is done by then). */
static void run_killed(struct crash *c, const char *cmd, const char *cid, int64_t delay_ns)
{
	_cleanup_run_ struct plugin_run r = {0};
	struct plugin_proc p;

	ck_assert_int_eq(plugin_start(bin_of(c), cmd, netns_of(c), "eth0", cid, c->conf, c->env, &p), 0);
	c->kills++;
	if (plugin_kill_at(&p, delay_ns, &r))
		c->landed++;
	else
		c->done_before++;
	ck_assert_msg(!r.sanitizer, "sanitizer report: %s", r.err);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median wall time of ADD and of DEL, over a few clean cycles. */
static void measure(struct crash *c)
{
	enum { N = 5 };
	int64_t t[2][N];

	for (int i = 0; i < N; i++) {
		char cid[32];

		xfmt(cid, sizeof(cid), "crash-warm-%d", i);
		for (int k = 0; k < 2; k++) {
			int64_t t0 = testproc_now_ns();

			run_ok(c, k == 0 ? "ADD" : "DEL", cid);
			t[k][i] = testproc_now_ns() - t0;
		}
	}
	for (int k = 0; k < 2; k++) {
		qsort(t[k], N, sizeof(t[k][0]), cmp_i64);
		c->dur_ns[k] = t[k][N / 2];
	}
}

/* ---- what must be left: nothing ---- */

/* The host's unicast routes of both families (main table) but the IPv6 link-local ones
 * (the bridge gets its fe80:: address whenever the kernel gets to it). */
static char *routes_now(char *buf, size_t len)
{
	static const char *const fam[] = {"-4", "-6"};

	buf[0] = '\0';
	for (size_t f = 0; f < 2; f++) {
		json_t *j = ipj(NULL, "%s route show", fam[f]);

		ck_assert_ptr_nonnull(j);
		for (size_t i = 0; i < json_array_size(j); i++) {
			const json_t *o = json_array_get(j, i);
			const char *dst = json_string_value(json_object_get(o, "dst"));
			size_t l = strlen(buf);

			if (dst && !strncmp(dst, "fe80:", 5))
				continue;
			snprintf(buf + l, len - l, "%s dev %s;", dst, json_string_value(json_object_get(o, "dev")));
		}
		json_decref(j);
	}
	return buf;
}

/* The store holds nothing of cid: no reservation, no index entry, no temp file. */
static void assert_store_clean_of(const struct crash *c, const char *cid)
{
	char want_new[128], entry[PATH_MAX + 160];
	struct dirent *de;
	DIR *d = opendir(c->store);

	ck_assert_msg(d != NULL, "no store %s", c->store);
	xfmt(want_new, sizeof(want_new), "%s\r\n", cid);
	while ((de = readdir(d))) {
		char p[PATH_MAX + 300], buf[256] = "";
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.') {
			ck_assert_msg(!strstr(de->d_name, ".tmp") || !strcmp(de->d_name, ".idx"),
				      "temp file %s left in the store", de->d_name);
			continue;
		}
		if (!strcmp(de->d_name, "lock") || !strncmp(de->d_name, "last_reserved_ip.", 17))
			continue;
		xfmt(p, sizeof(p), "%s/%s", c->store, de->d_name);
		fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		ck_assert_msg(fd >= 0, "%s: %s", p, strerror(errno));
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		ck_assert_msg(strncmp(buf, want_new, strlen(want_new)) != 0 && strcmp(buf, cid) != 0,
			      "%s still holds a lease for %s after DEL", de->d_name, cid);
	}
	closedir(d);
	xfmt(entry, sizeof(entry), "%s/.idx/%s@eth0", c->store, cid);
	ck_assert_msg(access(entry, F_OK) != 0, "index entry %s left after DEL", entry);
}

/* Links of a namespace other than lo (and, on the host, the bridge or the master). */
static void assert_links_clean(const struct crash *c, const char *ns)
{
	json_t *j = ipj(ns, "link show");

	ck_assert_ptr_nonnull(j);
	for (size_t i = 0; i < json_array_size(j); i++) {
		const json_t *o = json_array_get(j, i);
		const char *name = json_string_value(json_object_get(o, "ifname"));

		if (!strcmp(name, "lo") || (!ns && (!strncmp(name, "ccr", 3) || !strncmp(name, "cmst", 4))))
			continue;
		ck_assert_msg(0, "%s is left %s%s after DEL (mode %s)", name, ns ? "in " : "on the host", ns ? ns : "",
			      mode_names[c->mode]);
	}
	json_decref(j);
}

static void assert_clean(struct crash *c, const char *cid)
{
	char now[4096];

	assert_store_clean_of(c, cid);
	if (c->mode == M_HOSTLOCAL)
		return;
	assert_links_clean(c, c->ns);
	assert_links_clean(c, NULL);
	ck_assert_msg(strcmp(routes_now(now, sizeof(now)), c->routes_before) == 0,
		      "host routes changed:\n before: %s\n after:  %s", c->routes_before, now);
}

/* ---- setup ---- */

static void crash_init(struct crash *c, enum mode m)
{
	int id = (int)getpid() % 100000;

	*c = (struct crash){.mode = m};
	ck_assert_int_eq(testdir_create(c->dir), 0);
	xfmt(c->store, sizeof(c->store), "%s/" NET, c->dir);
	if (m != M_HOSTLOCAL) {
		ck_assert_int_eq(testns_create(c->ns), 0);
		testns_path(c->ns, c->nspath);
	}
	if (m == M_BRIDGE_GO) {
		/* The first host-local on CNI_PATH is the reference one: exec'd. */
		xfmt(c->path_env, sizeof(c->path_env), "CNI_PATH=%s", GO_HOSTLOCAL_DIR);
		c->env[0] = c->path_env;
	}
	if (m == M_IPVLAN) {
		char master[16];

		xfmt(master, sizeof(master), "cmst%d", id);
		ck_assert_int_eq(ip_run(NULL, "link add %s type dummy", master), 0);
		ck_assert_int_eq(ip_run(NULL, "link set %s up", master), 0);
		xfmt(c->conf, sizeof(c->conf),
		     "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"ipvlan\",\"master\":\"%s\","
		     "\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.78.0.0/16\"}]]}}",
		     master, c->dir);
	} else {
		xfmt(c->conf, sizeof(c->conf),
		     "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"bridge\",\"bridge\":\"ccr%d\","
		     "\"isGateway\":true,\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"%s\","
		     "\"ranges\":[[{\"subnet\":\"10.77.0.0/16\"}]]}}",
		     id, c->dir);
	}
	measure(c);
	routes_now(c->routes_before, sizeof(c->routes_before));
}

/* One killed run, then DEL, checks, ADD, DEL, checks. */
static void cycle(struct crash *c, unsigned i)
{
	bool kill_del = rnd() & 1;
	int k = kill_del ? 1 : 0;
	int64_t delay = (int64_t)(rnd() % (uint64_t)(c->dur_ns[k] + 1));
	char cid[32];

	xfmt(cid, sizeof(cid), "crash-%u", i);
	if (kill_del)
		run_ok(c, "ADD", cid);
	run_killed(c, kill_del ? "DEL" : "ADD", cid, delay);
	run_ok(c, "DEL", cid);
	assert_clean(c, cid);
	run_ok(c, "ADD", cid);
	run_ok(c, "DEL", cid);
	assert_clean(c, cid);
}

static void crash_run(enum mode m, unsigned def_kills)
{
	unsigned kills = env_uint("CNI_CRASH_KILLS", def_kills);
	uint64_t seed = env_uint("CNI_CRASH_SEED", 0);
	struct crash c;
	int64_t t0;

	if (!seed)
		seed = (uint64_t)testproc_now_ns() | 1;
	rng_state = seed;
	crash_init(&c, m);
	t0 = testproc_now_ns();
	for (unsigned i = 0; i < kills; i++)
		cycle(&c, i);
	printf("crash: %-10s %u kills (%u while running, %u after it had finished), ADD %.1f ms, DEL %.1f ms, "
	       "%.1f s, seed %llu: nothing left\n",
	       mode_names[m], c.kills, c.landed, c.done_before, c.dur_ns[0] / 1e6, c.dur_ns[1] / 1e6,
	       (testproc_now_ns() - t0) / 1e9, (unsigned long long)seed);
	fflush(stdout);
}

START_TEST(crash_bridge)
{
	crash_run(M_BRIDGE, 100);
}
END_TEST

START_TEST(crash_bridge_go)
{
	if (access(GO_HOSTLOCAL_DIR "/host-local", X_OK) != 0) {
		printf("crash: bridge-go skipped: no %s/host-local\n", GO_HOSTLOCAL_DIR);
		return;
	}
	crash_run(M_BRIDGE_GO, 50);
}
END_TEST

START_TEST(crash_hostlocal)
{
	crash_run(M_HOSTLOCAL, 50);
}
END_TEST

START_TEST(crash_ipvlan)
{
	/* Fewer under the sanitizers (every exec costs more in the VM). */
	crash_run(M_IPVLAN, getenv("ASAN_OPTIONS") ? 5 : 12);
}
END_TEST

Suite *crash_suite(void)
{
	const char *lane = getenv("CNI_TEST_LANE");
	bool vm = lane && !strcmp(lane, "vm");
	Suite *s;
	TCase *tc;

	if (!plugin_available("host-local") || !plugin_available(vm ? "ipvlan" : "bridge"))
		return NULL;
	s = suite_create("crash");
	tc = tcase_create("crash");
	/* 1000 kills take a few minutes on the host, far longer in the VM. */
	testns_tcase(tc, vm ? 7200 : 3600);
	if (vm) {
		tcase_add_test(tc, crash_ipvlan);
	} else {
		tcase_add_test(tc, crash_bridge);
		tcase_add_test(tc, crash_bridge_go);
		tcase_add_test(tc, crash_hostlocal);
	}
	suite_add_tcase(s, tc);
	return s;
}
