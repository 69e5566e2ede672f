/* test_storm.c: a storm of pods on one bridge and one host-local store. N pods are added,
 * then deleted, with C plugin runs in flight at any time; CHECKs of pods that are up and
 * GCs (whose valid list holds every attachment of the storm, but not the 32 stale leases
 * planted first, which they must collect) run in between, and the
 * reference Go host-local adds and deletes attachments of its own in the same store at
 * the same time. Expected: no error at all, no address handed out twice, every pod
 * wired (address in its namespace, port on the bridge), and at the end nothing left:
 * no lease, no port, no veth, no temp file.
 *
 * Size: CNI_STORM_PODS (default 200), CNI_STORM_CONC (32), CNI_STORM_GO (Go attachments,
 * default pods/5; 0 without the reference plugin). `make soak` runs 1000 pods 64-way.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testns.h"
#include "testproc.h"

#define GO_HOSTLOCAL "/usr/lib/cni/host-local"
#define NET "stormnet"
#define NO_NS "/run/netns/storm-never-entered"

enum op { OP_ADD, OP_DEL, OP_CHECK, OP_GC, OP_GO_ADD, OP_GO_DEL, _OP_MAX };
static const char *const op_names[_OP_MAX] = {"ADD", "DEL", "CHECK", "GC", "go ADD", "go DEL"};

enum state { S_NEW, S_UP, S_GONE };

struct pod {
	char cid[24];
	char ns[TESTNS_NAMELEN], nspath[PATH_MAX];
	enum state state;
	bool busy;
	char ip[64];
	char *prev; /* the ADD result, for CHECK */
};

struct job {
	enum op op;
	struct pod *pod; /* NULL for GC */
	struct plugin_proc proc;
};

struct storm {
	unsigned n_pods, conc, n_go;
	struct pod *pods, *go;
	char dir[PATH_MAX], store[PATH_MAX], br[16];
	char *conf, *conf_gc, *conf_go;
	struct job *running;
	size_t n_running;
	unsigned done[_OP_MAX], max_in_flight;
	int64_t busy_ns;
};

static unsigned env_uint(const char *name, unsigned def)
{
	const char *v = getenv(name);

	return v && *v ? (unsigned)strtoul(v, NULL, 10) : def;
}

static uint64_t rng_state = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (unsigned)(rng_state % n) : 0;
}

/* ---- configs ---- */

static char *conf_with_prev(const char *conf, const char *prev)
{
	char *s;

	ck_assert(asprintf(&s, "%.*s,\"prevResult\":%s}", (int)strlen(conf) - 1, conf, prev) > 0);
	return s;
}

static void storm_confs(struct storm *st)
{
	size_t cap = 256 + (st->n_pods + st->n_go) * 64, len;
	char *valid = malloc(cap);

	ck_assert(asprintf(&st->conf,
			   "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"bridge\",\"bridge\":\"%s\","
			   "\"isGateway\":true,\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"%s\","
			   "\"ranges\":[[{\"subnet\":\"10.88.0.0/16\"}]]}}",
			   st->br, st->dir) > 0);
	/* The Go plugin on the same network and store (IPAM only). */
	ck_assert(asprintf(&st->conf_go,
			   "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"bridge\",\"ipam\":{\"type\":"
			   "\"host-local\",\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.88.0.0/16\"}]]}}",
			   st->dir) > 0);
	ck_assert_ptr_nonnull(valid);
	len = (size_t)snprintf(valid, cap, "[");
	for (unsigned i = 0; i < st->n_pods + st->n_go; i++) {
		const char *cid = i < st->n_pods ? st->pods[i].cid : st->go[i - st->n_pods].cid;

		len += (size_t)snprintf(valid + len, cap - len, "%s{\"containerID\":\"%s\",\"ifname\":\"eth0\"}",
					i ? "," : "", cid);
	}
	snprintf(valid + len, cap - len, "]");
	ck_assert(asprintf(&st->conf_gc,
			   "{\"cniVersion\":\"1.1.0\",\"name\":\"" NET "\",\"type\":\"bridge\",\"bridge\":\"%s\","
			   "\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":"
			   "\"10.88.0.0/16\"}]]},\"cni.dev/valid-attachments\":%s}",
			   st->br, st->dir, valid) > 0);
	free(valid);
}

/* ---- the job pool ---- */

static void start(struct storm *st, enum op op, struct pod *pod)
{
	struct job *j = &st->running[st->n_running];
	char *with_prev = NULL;
	const char *bin = "bridge", *conf = st->conf, *ns = pod ? pod->nspath : NULL;
	const char *ifname = pod ? "eth0" : NULL, *cid = pod ? pod->cid : NULL;

	switch (op) {
	case OP_CHECK:
		with_prev = conf_with_prev(st->conf, pod->prev);
		conf = with_prev;
		break;
	case OP_GC:
		conf = st->conf_gc;
		break;
	case OP_GO_ADD:
	case OP_GO_DEL:
		bin = GO_HOSTLOCAL;
		conf = st->conf_go;
		ns = NO_NS;
		break;
	default:
		break;
	}
	*j = (struct job){.op = op, .pod = pod};
	ck_assert_int_eq(plugin_start(bin, op_names[op] + (op >= OP_GO_ADD ? 3 : 0), ns, ifname, cid, conf, NULL,
				      &j->proc),
			 0);
	free(with_prev);
	if (pod)
		pod->busy = true;
	st->n_running++;
	if (st->n_running > st->max_in_flight)
		st->max_in_flight = (unsigned)st->n_running;
}

/* The result's first address, "a.b.c.d/p" without the prefix. */
static void first_ip(const struct plugin_run *r, char *buf, size_t len)
{
	const char *a = json_string_value(json_object_get(json_array_get(json_object_get(r->json, "ips"), 0), "address"));

	ck_assert_msg(a != NULL, "no address in %s", r->out);
	xfmt(buf, len, "%.*s", (int)strcspn(a, "/"), a);
}

static void finished(struct storm *st, struct job *j, struct plugin_run *r)
{
	struct pod *p = j->pod;

	ck_assert_msg(r->status == 0 && !r->sanitizer, "storm: %s %s failed (%d): %s %s", op_names[j->op],
		      p ? p->cid : "", r->status, r->out, r->err);
	st->done[j->op]++;
	if (p)
		p->busy = false;
	switch (j->op) {
	case OP_ADD:
	case OP_GO_ADD:
		first_ip(r, p->ip, sizeof(p->ip));
		p->prev = json_dumps(r->json, JSON_COMPACT);
		p->state = S_UP;
		break;
	case OP_DEL:
	case OP_GO_DEL:
		p->state = S_GONE;
		break;
	default:
		break;
	}
}

/* Reap one finished run (blocks). */
static void reap(struct storm *st)
{
	struct plugin_run r = {.status = -1};
	int status;
	pid_t pid;

	do
		pid = waitpid(-1, &status, 0);
	while (pid < 0 && errno == EINTR);
	ck_assert_int_gt(pid, 0);
	for (size_t i = 0; i < st->n_running; i++) {
		struct job *j = &st->running[i];

		if (j->proc.pid != pid)
			continue;
		plugin_collect(&j->proc, status, &r);
		finished(st, j, &r);
		plugin_run_done(&r);
		st->running[i] = st->running[--st->n_running];
		return;
	}
	ck_abort_msg("reaped an unknown child %d", (int)pid);
}

/* A pod in state s that nothing is running on, or NULL. */
static struct pod *idle(struct pod *v, unsigned n, enum state s)
{
	unsigned start = rnd(n);

	for (unsigned k = 0; k < n; k++) {
		struct pod *p = &v[(start + k) % n];

		if (p->state == s && !p->busy)
			return p;
	}
	return NULL;
}

/* One phase: every pod (and Go attachment) from `from` to `to` state through op, with
 * CHECKs of up pods and GCs mixed in. */
static void phase(struct storm *st, enum op op, enum op go_op, enum state from)
{
	unsigned todo = st->n_pods, todo_go = st->n_go, gcs = st->n_pods / 16 + 1, checks = st->n_pods / 4;

	/* At least one GC while the phase is under way. */
	start(st, OP_GC, NULL);
	while (todo || todo_go || st->n_running) {
		unsigned pick = rnd(16);
		struct pod *p = NULL;

		if (st->n_running >= st->conc || (!todo && !todo_go)) {
			reap(st);
			continue;
		}
		if (pick == 0 && gcs) {
			gcs--;
			start(st, OP_GC, NULL);
		} else if (pick < 5 && checks && (p = idle(st->pods, st->n_pods, S_UP)) &&
			   (op != OP_ADD || rnd(2))) {
			checks--;
			start(st, OP_CHECK, p);
		} else if (pick < 8 && todo_go && (p = idle(st->go, st->n_go, from))) {
			todo_go--;
			start(st, go_op, p);
		} else if (todo && (p = idle(st->pods, st->n_pods, from))) {
			todo--;
			start(st, op, p);
		} else if (todo_go && (p = idle(st->go, st->n_go, from))) {
			todo_go--;
			start(st, go_op, p);
		} else {
			reap(st); /* what is left is busy */
		}
	}
}

/* ---- checks ---- */

/* Leases of attachments that no longer exist (a runtime that never sent DEL): the GCs of
 * the storm must collect them, and nothing else. */
#define N_GHOSTS 32

static void plant_ghosts(const struct storm *st)
{
	ck_assert_int_eq(mkdir(st->store, 0755), 0);
	for (unsigned i = 0; i < N_GHOSTS; i++) {
		char p[PATH_MAX + 32];
		FILE *f;

		xfmt(p, sizeof(p), "%s/10.88.250.%u", st->store, i + 1);
		f = fopen(p, "w");
		ck_assert_ptr_nonnull(f);
		fprintf(f, "ghost-%u\r\neth0", i);
		fclose(f);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void assert_unique_ips(struct storm *st)
{
	unsigned n = st->n_pods + st->n_go;
	char **v = calloc(n, sizeof(*v));

	ck_assert_ptr_nonnull(v);
	for (unsigned i = 0; i < n; i++)
		v[i] = i < st->n_pods ? st->pods[i].ip : st->go[i - st->n_pods].ip;
	qsort(v, n, sizeof(*v), cmp_str);
	for (unsigned i = 1; i < n; i++)
		ck_assert_msg(strcmp(v[i - 1], v[i]) != 0, "storm: %s was handed out twice", v[i]);
	free(v);
}

static unsigned ports(const struct storm *st)
{
	json_t *j = ipj(NULL, "link show master %s", st->br);
	unsigned n;

	ck_assert_ptr_nonnull(j);
	n = (unsigned)json_array_size(j);
	json_decref(j);
	return n;
}

static unsigned leases(const struct storm *st)
{
	struct dirent *de;
	DIR *d = opendir(st->store);
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.') {
			ck_assert_msg(!strstr(de->d_name, ".tmp"), "storm: temp file %s left", de->d_name);
			continue;
		}
		if (strcmp(de->d_name, "lock") && strncmp(de->d_name, "last_reserved_ip.", 17))
			n++;
	}
	closedir(d);
	return n;
}

static void assert_wired(const struct storm *st)
{
	for (unsigned i = 0; i < st->n_pods; i++) {
		char cidr[80];

		xfmt(cidr, sizeof(cidr), "%s/16", st->pods[i].ip);
		ck_assert_msg(ipj_has_addr(st->pods[i].ns, "eth0", cidr), "storm: %s lacks %s", st->pods[i].cid, cidr);
	}
}

static void assert_gone(const struct storm *st)
{
	json_t *j = ipj(NULL, "link show type veth");

	ck_assert_ptr_nonnull(j);
	ck_assert_msg(json_array_size(j) == 0, "storm: veths left on the host: %s", jdump(j));
	json_decref(j);
	for (unsigned i = 0; i < st->n_pods; i++) {
		j = ipj(st->pods[i].ns, "link show");
		ck_assert_msg(j && json_array_size(j) == 1, "storm: %s still has links: %s", st->pods[i].cid, jdump(j));
		json_decref(j);
	}
}

START_TEST(storm)
{
	struct storm st = {0};
	struct rlimit nofile;
	int64_t t0, t1, t2;

	st.n_pods = env_uint("CNI_STORM_PODS", 200);
	st.conc = env_uint("CNI_STORM_CONC", 32);
	st.n_go = access(GO_HOSTLOCAL, X_OK) == 0 ? env_uint("CNI_STORM_GO", st.n_pods / 5) : 0;
	ck_assert_uint_le(st.n_pods, 1000); /* a bridge has at most 1024 ports */
	/* Three memfds per run in flight. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &nofile), 0);
	nofile.rlim_cur = nofile.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &nofile);
	st.pods = calloc(st.n_pods, sizeof(*st.pods));
	st.go = calloc(st.n_go + 1, sizeof(*st.go));
	st.running = calloc(st.conc, sizeof(*st.running));
	ck_assert(st.pods && st.go && st.running);
	ck_assert_int_eq(testdir_create(st.dir), 0);
	xfmt(st.store, sizeof(st.store), "%s/" NET, st.dir);
	xfmt(st.br, sizeof(st.br), "cstorm%d", (int)getpid() % 100000);
	for (unsigned i = 0; i < st.n_pods; i++) {
		xfmt(st.pods[i].cid, sizeof(st.pods[i].cid), "storm-%u", i);
		ck_assert_int_eq(testns_create(st.pods[i].ns), 0);
		testns_path(st.pods[i].ns, st.pods[i].nspath);
	}
	for (unsigned i = 0; i < st.n_go; i++)
		xfmt(st.go[i].cid, sizeof(st.go[i].cid), "storm-go-%u", i);
	storm_confs(&st);
	plant_ghosts(&st);

	t0 = testproc_now_ns();
	phase(&st, OP_ADD, OP_GO_ADD, S_NEW);
	t1 = testproc_now_ns();
	assert_unique_ips(&st);
	assert_wired(&st);
	ck_assert_uint_eq(ports(&st), st.n_pods);
	/* The ghosts went, every live lease stayed. */
	ck_assert_uint_eq(leases(&st), st.n_pods + st.n_go);
	phase(&st, OP_DEL, OP_GO_DEL, S_UP);
	t2 = testproc_now_ns();
	ck_assert_uint_eq(leases(&st), 0);
	ck_assert_uint_eq(ports(&st), 0);
	assert_gone(&st);
	printf("storm: %u pods + %u Go host-local attachments, %u in flight (max %u): ADD phase %.1f s, DEL phase "
	       "%.1f s; %u ADD, %u DEL, %u CHECK, %u GC, %u go ADD, %u go DEL: 0 errors, 0 duplicate IPs, nothing "
	       "left\n",
	       st.n_pods, st.n_go, st.conc, st.max_in_flight, (t1 - t0) / 1e9, (t2 - t1) / 1e9, st.done[OP_ADD],
	       st.done[OP_DEL], st.done[OP_CHECK], st.done[OP_GC], st.done[OP_GO_ADD], st.done[OP_GO_DEL]);
	fflush(stdout);
}
END_TEST

Suite *storm_suite(void)
{
	Suite *s;
	TCase *tc;

	if (!plugin_available("bridge") || !plugin_available("host-local"))
		return NULL;
	s = suite_create("storm");
	tc = tcase_create("storm");
	testns_tcase(tc, 3600);
	tcase_add_test(tc, storm);
	suite_add_tcase(s, tc);
	return s;
}
