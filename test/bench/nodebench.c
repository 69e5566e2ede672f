/* nodebench: the node agent's costs, measured in a private network namespace.
 *
 *   nodebench N REPEAT AGENT_BIN
 *
 * N nodes (IPv4, every one on the underlay's /16, so every route is direct); the driver
 * uses the agent's own modules for the in-process rows, and runs AGENT_BIN --once on a
 * NodeList file for the whole-process rows (wall time and peak RSS of that process).
 * Prints TSV rows "name<TAB>n<TAB>p50_ms<TAB>p90_ms<TAB>max_ms<TAB>writes<TAB>rss_kib".
 * Fails (exit 1) when a no-op reconcile writes anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "conflist.h"
#include "log.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void row(const char *name, double *v, size_t n, size_t writes, long rss)
{
	qsort(v, n, sizeof(*v), cmp_d);
	printf("%s\t%zu\t%.3f\t%.3f\t%.3f\t%zu\t%ld\n", name, n, v[(n - 1) / 2], v[(n * 9 + 9) / 10 - 1], v[n - 1],
	       writes, rss);
	fflush(stdout);
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		fprintf(stderr, "nodebench: '%s' failed\n", cmd);
	return rc;
}

/* Node i (1-based): 10.128+.x.0/24 pod CIDR, 10.0.x.y address; node 1 is "self". */
static json_t *node_obj(unsigned i, unsigned variant)
{
	char name[32], cidr[32], ip[32];

	snprintf(name, sizeof(name), "node-%05u", i);
	snprintf(cidr, sizeof(cidr), "10.%u.%u.0/24", 128 + i / 256, i % 256);
	/* A changed node moves to an address no other node has. */
	snprintf(ip, sizeof(ip), "10.0.%u.%u", 100 * variant + i / 250, i % 250 + 2);
	/* What kubectl prints carries much more; the agent reads these, and skips the rest. */
	return json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s},s:s},s:{s:s,s:[s]},s:{s:[{s:s,s:s},{s:s,s:s}],s:[{s:s,s:s}]}}",
			 "apiVersion", "v1", "kind", "Node", "metadata", "name", name, "labels", "kubernetes.io/os",
			 "linux", "node.kubernetes.io/instance-type", "bench", "resourceVersion", "1", "spec", "podCIDR",
			 cidr, "podCIDRs", cidr, "status", "addresses", "type", "InternalIP", "address", ip, "type",
			 "Hostname", "address", name, "conditions", "type", "Ready", "status", "True");
}

static void put(struct agent *a, json_t *obj)
{
	struct node e = {0}, *n;
	struct node_facts old;
	bool had;

	if (node_parse(obj, &e) < 0 || nodes_upsert(agent_nodes(a), &e, &n, &old, &had) < 0)
		abort();
	node_done(&e);
}

static char *write_list(unsigned n)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/nodebench-%d.json", (int)getpid());
	f = fopen(path, "w");
	fprintf(f, "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"metadata\":{\"resourceVersion\":\"\"},\"items\":[");
	for (unsigned i = 1; i <= n; i++) {
		json_t *o = node_obj(i, 0);

		if (i > 1)
			fputc(',', f);
		json_dumpf(o, f, JSON_COMPACT);
		json_decref(o);
	}
	fprintf(f, "]}\n");
	fclose(f);
	return path;
}

/* AGENT_BIN --once on the list: wall ms and the process's peak RSS. */
static double run_agent(const char *bin, const char *list, long *ret_rss)
{
	struct rusage ru;
	double t0 = now_ms();
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		execl(bin, bin, "--node", "node-00001", "--nodes", list, "--once", "--cni-conf-dir", "/tmp/nodebench-netd",
		      "-q", (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "nodebench: %s --once failed\n", bin);
		exit(1);
	}
	*ret_rss = ru.ru_maxrss;
	return now_ms() - t0;
}

int main(int argc, char **argv)
{
	struct logger log = {.max = LOG_LEVEL_ERROR};
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 5000, rep = argc > 2 ? (unsigned)atoi(argv[2]) : 5;
	const char *bin = argc > 3 ? argv[3] : NULL;
	json_t *tmpl = conflist_default_template();
	struct agent_opts o = {.node = "node-00001", .conf_dir = "/tmp/nodebench-netd", .conf_name = "10-cni-c.conflist",
			       .tmpl = tmpl, .log = &log};
	double *v = calloc(rep > 200 ? rep : 200, sizeof(double));
	struct agent_report r;
	struct agent *a;
	size_t writes = 0;
	char cmd[256];
	char *list;

	if (n < 2 || rep < 1 || !bin) {
		fprintf(stderr, "usage: nodebench N REPEAT AGENT_BIN\n");
		return 2;
	}
	if (unshare(CLONE_NEWNET) < 0 || sh("ip link set lo up") || sh("ip link add u0 type bridge") ||
	    sh("ip addr add 10.0.0.1/16 dev u0") || sh("ip link set u0 up"))
		return 1;
	if (agent_open(&o, &a) < 0)
		return 1;
	for (unsigned i = 1; i <= n; i++) {
		json_t *obj = node_obj(i, 0);

		put(a, obj);
		json_decref(obj);
	}

	/* Full reconcile into an empty table, REPEAT times (the table emptied between). */
	for (unsigned k = 0; k < rep; k++) {
		if (agent_cleanup(a) < 0 || agent_reconcile(a, &r) < 0)
			return 1;
		v[k] = r.ms;
		writes = r.dp.writes;
	}
	row("full", v, rep, writes, 0);
	/* No change: no write. */
	for (unsigned k = 0; k < rep; k++) {
		if (agent_reconcile(a, &r) < 0)
			return 1;
		v[k] = r.ms;
		if (r.dp.writes) {
			fprintf(stderr, "nodebench: a no-op reconcile wrote %zu times\n", r.dp.writes);
			return 1;
		}
	}
	row("noop", v, rep, 0, 0);
	/* One node changes (its address), one event at a time. */
	writes = 0;
	for (unsigned k = 0; k < 200; k++) {
		json_t *obj = node_obj(2 + (k * 37) % (n - 1), 1 + k % 2);

		if (agent_node_event(a, obj, false, &r) < 0)
			return 1;
		json_decref(obj);
		v[k] = r.ms;
		writes += r.dp.writes;
	}
	row("one-change", v, 200, writes / 200, 0);
	/* A status-only update (the heartbeats): no work. */
	for (unsigned k = 0; k < 200; k++) {
		json_t *obj = node_obj(2 + (k * 37) % (n - 1), 1 + k % 2);
		double t0 = now_ms();

		if (agent_node_event(a, obj, false, &r) < 0)
			return 1;
		v[k] = now_ms() - t0;
		json_decref(obj);
		if (r.dp.writes)
			return 1;
	}
	row("heartbeat", v, 200, 0, 0);
	agent_cleanup(a);
	agent_close(a);

	/* The whole process on a NodeList file: full, then no-op. */
	list = write_list(n);
	for (unsigned k = 0; k < rep; k++) {
		long rss;

		sh("ip route flush proto 147");
		v[k] = run_agent(bin, list, &rss);
		if (k == rep - 1)
			row("process-full", v, rep, 0, rss);
	}
	for (unsigned k = 0; k < rep; k++) {
		long rss;

		v[k] = run_agent(bin, list, &rss);
		if (k == rep - 1)
			row("process-noop", v, rep, 0, rss);
	}
	/* The floor: the same routes through `ip -batch`, and their dump. */
	snprintf(cmd, sizeof(cmd), "/tmp/nodebench-%d.batch", (int)getpid());
	{
		FILE *f = fopen(cmd, "w");

		for (unsigned i = 2; i <= n; i++)
			fprintf(f, "route add 10.%u.%u.0/24 via 10.0.%u.%u proto 147\n", 128 + i / 256, i % 256, i / 250,
				i % 250 + 2);
		fclose(f);
	}
	for (unsigned k = 0; k < rep; k++) {
		char run[512];
		double t0;

		sh("ip route flush proto 147");
		snprintf(run, sizeof(run), "ip -batch %s", cmd);
		t0 = now_ms();
		if (sh(run))
			return 1;
		v[k] = now_ms() - t0;
	}
	row("floor-ip-batch", v, rep, n - 1, 0);
	for (unsigned k = 0; k < rep; k++) {
		double t0 = now_ms();

		if (sh("ip route show proto 147 >/dev/null"))
			return 1;
		v[k] = now_ms() - t0;
	}
	row("floor-ip-dump", v, rep, 0, 0);
	unlink(cmd);
	unlink(list);
	snprintf(cmd, sizeof(cmd), "rm -rf /tmp/nodebench-netd");
	sh(cmd);
	json_decref(tmpl);
	free(v);
	return 0;
}
