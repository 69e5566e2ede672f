/* test_netfilter.c: bridge ipMasq and macspoofchk, and the portmap plugin, from outside.
 *
 * The throwaway host namespace is the node. An "outside" namespace hangs off it on a
 * veth (node 192.168.88.1, outside 192.168.88.2); pods are made by bin/bridge and
 * bin/host-local. Traffic is checked with test/cluster/simpeer (built next to this
 * binary): a UDP echo that answers with the source address it saw, and ICMP echo; TCP
 * with busybox nc. The suite's rules are read back with `nft -j list ruleset` (Debian's
 * nftables, used by the tests only). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testns.h"

#define NET "nfnet"
#define PORT 7777
#define OUT_IP "192.168.88.2"
#define NODE_IP "192.168.88.1"

struct env {
	char out[TESTNS_NAMELEN];
	char dir[PATH_MAX];
	char br[16];
	pid_t serve;
};

static void env_init(struct env *e)
{
	char veth[16];

	*e = (struct env){0};
	ck_assert_int_eq(testns_create(e->out), 0);
	ck_assert_int_eq(testdir_create(e->dir), 0);
	xfmt(e->br, sizeof(e->br), "nbr%d", (int)getpid() % 100000);
	xfmt(veth, sizeof(veth), "o%d", (int)getpid() % 100000);
	ck_assert_int_eq(ip_run(NULL, "link add %s type veth peer name eth0 netns %s", veth, e->out), 0);
	ck_assert_int_eq(ip_run(NULL, "addr add " NODE_IP "/24 dev %s", veth), 0);
	ck_assert_int_eq(ip_run(NULL, "link set %s up", veth), 0);
	ck_assert_int_eq(ip_run(e->out, "addr add " OUT_IP "/24 dev eth0"), 0);
	ck_assert_int_eq(ip_run(e->out, "link set eth0 up"), 0);
	ck_assert_int_eq(ip_run(e->out, "link set lo up"), 0);
}

static void env_done(struct env *e)
{
	if (e->serve > 0) {
		kill(e->serve, SIGKILL);
		waitpid(e->serve, NULL, 0);
	}
}

/* The bridge's config: gateway + default route, host-local on 10.88.0.0/24, and opts. */
static void conf_br(char *buf, size_t len, const struct env *e, const char *opts)
{
	xfmt(buf, len,
	     "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"bridge\",\"bridge\":\"%s\",\"isGateway\":true,"
	     "\"isDefaultGateway\":true,\"hairpinMode\":true%s%s,\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"%s\","
	     "\"ranges\":[[{\"subnet\":\"10.88.0.0/24\"}]]}}",
	     e->br, opts ? "," : "", opts ? opts : "", e->dir);
}

/* A pod: its namespace, bridge ADD; the result stays in r. */
static void pod_add(const char *conf, const char *cid, char ns[static TESTNS_NAMELEN], struct plugin_run *r)
{
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(ip_run(ns, "link set lo up"), 0);
	ck_assert_int_eq(plugin_exec("bridge", "ADD", ns, "eth0", cid, conf, NULL, r), 0);
	assert_run_ok(r);
}

static const char *pod_ip(const struct plugin_run *r, char buf[static 64])
{
	const char *a = json_string_value(json_object_get(json_array_get(json_object_get(r->json, "ips"), 0), "address"));

	ck_assert_ptr_nonnull(a);
	xfmt(buf, 64, "%.*s", (int)strcspn(a, "/"), a);
	return buf;
}

/* Reservations in the network's host-local store (all but lock and last_reserved_ip.*). */
static int leases(const struct env *e)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	xfmt(path, sizeof(path), "%s/" NET, e->dir);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.' && strcmp(d->d_name, "lock") && strncmp(d->d_name, "last_reserved_ip.", 17))
			n++;
	closedir(dir);
	return n;
}

/* "<conf without its last brace>,<key>:<json>}" */
static char *conf_with(const char *conf, const char *key, const json_t *j)
{
	char *v = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY), *s = NULL;
	size_t len = strlen(conf);

	ck_assert_ptr_nonnull(v);
	ck_assert(asprintf(&s, "%.*s,\"%s\":%s}", (int)(len - 1), conf, key, v) > 0);
	free(v);
	return s;
}

/* ---- traffic ---- */

static const char *simpeer(void)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ck_assert_int_gt(n, 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	xfmt(path, sizeof(path), "%s/simpeer", self);
	ck_assert_msg(access(path, X_OK) == 0, "no %s (make build/simpeer)", path);
	return path;
}

/* simpeer serve PORT in the given namespaces (names under /run/netns), in the background. */
static void serve(struct env *e, const char *ns1, const char *ns2)
{
	char p1[PATH_MAX], p2[PATH_MAX], port[8], *argv[6];
	int pipefd[2], k = 0;
	posix_spawn_file_actions_t fa;
	char buf[16] = "";

	xfmt(port, sizeof(port), "%d", PORT);
	argv[k++] = (char *)simpeer();
	argv[k++] = "serve";
	argv[k++] = port;
	argv[k++] = (char *)testns_path(ns1, p1);
	if (ns2)
		argv[k++] = (char *)testns_path(ns2, p2);
	argv[k] = NULL;
	ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	ck_assert_int_eq(posix_spawn(&e->serve, argv[0], &fa, NULL, argv, NULL), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	ck_assert_int_gt(read(pipefd[0], buf, sizeof(buf) - 1), 0);
	close(pipefd[0]);
	ck_assert_msg(strncmp(buf, "ready", 5) == 0, "simpeer serve: %s", buf);
}

/* One UDP probe (+ ICMP echo) from namespace src (NULL: the node) to target: the source
 * address the far end saw, or "" when nothing came back. */
static void probe(const char *src, const char *target, char seen[static 64])
{
	char cmd[PATH_MAX * 2], nspath[PATH_MAX], line[512];
	FILE *f;

	if (src)
		testns_path(src, nspath);
	else
		xfmt(nspath, sizeof(nspath), "/proc/self/ns/net");
	xfmt(cmd, sizeof(cmd), "echo '%s - %s' | %s probe %d 2000", nspath, target, simpeer(), PORT);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	seen[0] = '\0';
	if (fgets(line, sizeof(line), f)) {
		const char *s = strstr(line, "udp-seen=");

		if (strstr(line, " ok ") && s)
			xfmt(seen, 64, "%.*s", (int)strcspn(s + 9, " \n"), s + 9);
	}
	pclose(f);
}

/* A TCP connection to addr:port from namespace src (NULL: node) gets "hello" from the
 * pod's server (busybox nc, started in pod_ns for one connection). */
static bool tcp_reaches(const char *pod_ns, const char *src, const char *addr, int port, int cport)
{
	char cmd[512], out[64] = "";
	FILE *f;

	xfmt(cmd, sizeof(cmd), "ip netns exec %s busybox nc -l -p %d -e echo hello >/dev/null 2>&1 &", pod_ns, cport);
	ck_assert_int_eq(system(cmd), 0);
	usleep(200000);
	if (src)
		xfmt(cmd, sizeof(cmd), "ip netns exec %s busybox nc -w 2 %s %d </dev/null 2>/dev/null", src, addr, port);
	else
		xfmt(cmd, sizeof(cmd), "busybox nc -w 2 %s %d </dev/null 2>/dev/null", addr, port);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	if (!fgets(out, sizeof(out), f))
		out[0] = '\0';
	pclose(f);
	xfmt(cmd, sizeof(cmd), "ip netns pids %s | xargs -r kill 2>/dev/null", pod_ns);
	(void)!system(cmd);
	return strncmp(out, "hello", 5) == 0;
}

/* ---- the ruleset, read with nft ---- */

/* Rules whose comment ends in "<cid>/eth0", over every table of the suite. */
static int rules_of(const char *cid)
{
	FILE *f = popen("nft -j list ruleset", "r");
	char suffix[128];
	json_t *j, *rs;
	json_error_t jerr;
	size_t i;
	int n = 0;

	ck_assert_ptr_nonnull(f);
	j = json_loadf(f, 0, &jerr);
	pclose(f);
	ck_assert_msg(j, "nft -j: %s", jerr.text);
	xfmt(suffix, sizeof(suffix), " %s/eth0", cid);
	rs = json_object_get(j, "nftables");
	for (i = 0; i < json_array_size(rs); i++) {
		const json_t *rule = json_object_get(json_array_get(rs, i), "rule");
		const char *c = json_string_value(json_object_get(rule, "comment"));
		const char *t = json_string_value(json_object_get(rule, "table"));

		if (c && t && strncmp(t, "cni-c-", 6) == 0 && strlen(c) > strlen(suffix) &&
		    strcmp(c + strlen(c) - strlen(suffix), suffix) == 0)
			n++;
	}
	json_decref(j);
	return n;
}

/* Chains of the suite's tables whose name starts with prefix. */
static int chains_named(const char *prefix)
{
	FILE *f = popen("nft -j list ruleset", "r");
	json_t *j, *rs;
	json_error_t jerr;
	int n = 0;

	ck_assert_ptr_nonnull(f);
	j = json_loadf(f, 0, &jerr);
	pclose(f);
	ck_assert_ptr_nonnull(j);
	rs = json_object_get(j, "nftables");
	for (size_t i = 0; i < json_array_size(rs); i++) {
		const char *name = json_string_value(json_object_get(json_object_get(json_array_get(rs, i), "chain"), "name"));

		if (name && strncmp(name, prefix, strlen(prefix)) == 0)
			n++;
	}
	json_decref(j);
	return n;
}

static bool table_exists(const char *family, const char *name)
{
	char cmd[128];

	xfmt(cmd, sizeof(cmd), "nft list table %s %s >/dev/null 2>&1", family, name);
	return system(cmd) == 0;
}

static void run(const char *bin, const char *cmd, const char *ns, const char *cid, const char *conf,
		struct plugin_run *r)
{
	ck_assert_int_eq(plugin_exec(bin, cmd, ns, "eth0", cid, conf, NULL, r), 0);
	ck_assert_msg(!r->timed_out, "%s %s timed out", bin, cmd);
}

static void run_ok(const char *bin, const char *cmd, const char *ns, const char *cid, const char *conf)
{
	_cleanup_run_ struct plugin_run r = {0};

	run(bin, cmd, ns, cid, conf, &r);
	assert_run_ok(&r);
}

/* ---- ipMasq ---- */

START_TEST(masq_outside_sees_node_pods_see_pods)
{
	_cleanup_run_ struct plugin_run a1 = {0}, a2 = {0};
	char conf[2048], p1[TESTNS_NAMELEN], p2[TESTNS_NAMELEN], ip1[64], ip2[64], seen[64];
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, "\"ipMasq\":true");
	pod_add(conf, "ctr-m1", p1, &a1);
	pod_add(conf, "ctr-m2", p2, &a2);
	serve(&e, e.out, p2);
	/* Leaving the pod's subnet: the node's address. */
	probe(p1, OUT_IP, seen);
	ck_assert_msg(strcmp(seen, NODE_IP) == 0, "outside saw \"%s\", not the node's " NODE_IP, seen);
	/* To another pod: the pod's own address. */
	probe(p1, pod_ip(&a2, ip2), seen);
	ck_assert_msg(strcmp(seen, pod_ip(&a1, ip1)) == 0, "pod 2 saw \"%s\", not %s", seen, ip1);
	ck_assert_int_eq(rules_of("ctr-m1"), 1);
	ck_assert_int_eq(rules_of("ctr-m2"), 1);
	env_done(&e);
}
END_TEST

START_TEST(masq_lifecycle)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	char conf[2048], p1[TESTNS_NAMELEN];
	char *check;
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, "\"ipMasq\":true,\"ipMasqBackend\":\"nftables\"");
	pod_add(conf, "ctr-l1", p1, &add);
	check = conf_with(conf, "prevResult", add.json);
	run_ok("bridge", "CHECK", p1, "ctr-l1", check);
	/* Someone removes the pod's jump rule: CHECK says so. */
	ck_assert_int_eq(system("nft -a list chain ip cni-c-nat postrouting | grep jump | grep -o 'handle [0-9]*' | "
				"sed 's/handle //' | xargs -I{} nft delete rule ip cni-c-nat postrouting handle {}"),
			 0);
	run("bridge", "CHECK", p1, "ctr-l1", check, &chk);
	assert_cni_error(&chk, 999, "ipMasq");
	/* DEL removes everything of the pod, even with its namespace gone; twice is fine. */
	ck_assert_int_eq(testns_destroy(p1), 0);
	run_ok("bridge", "DEL", p1, "ctr-l1", conf);
	ck_assert_int_eq(rules_of("ctr-l1"), 0);
	ck_assert_int_eq(chains_named("masq-"), 0);
	run_ok("bridge", "DEL", p1, "ctr-l1", conf);
	free(check);
	env_done(&e);
}
END_TEST

START_TEST(masq_second_add_one_copy)
{
	_cleanup_run_ struct plugin_run a1 = {0}, a2 = {0};
	char conf[2048], p1[TESTNS_NAMELEN];
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, "\"ipMasq\":true,\"macspoofchk\":true");
	pod_add(conf, "ctr-r1", p1, &a1);
	/* The same attachment added again, its rules in place (the link gone, and the
	 * lease: another data directory stands for a fresh one). */
	ck_assert_int_eq(ip_run(p1, "link del eth0"), 0);
	xfmt(e.dir + strlen(e.dir), sizeof(e.dir) - strlen(e.dir), "/again");
	conf_br(conf, sizeof(conf), &e, "\"ipMasq\":true,\"macspoofchk\":true");
	run("bridge", "ADD", p1, "ctr-r1", conf, &a2);
	assert_run_ok(&a2);
	ck_assert_int_eq(rules_of("ctr-r1"), 2); /* one ipMasq jump, one macspoofchk jump */
	ck_assert_int_eq(chains_named("masq-"), 1);
	ck_assert_int_eq(chains_named("mac-"), 1);
	env_done(&e);
}
END_TEST

START_TEST(masq_gc)
{
	_cleanup_run_ struct plugin_run a1 = {0}, a2 = {0};
	char conf[2048], gc[4096], p1[TESTNS_NAMELEN], p2[TESTNS_NAMELEN];
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, "\"ipMasq\":true");
	pod_add(conf, "ctr-g1", p1, &a1);
	pod_add(conf, "ctr-g2", p2, &a2);
	xfmt(gc, sizeof(gc),
	     "{\"cniVersion\":\"1.1.0\",\"name\":\"" NET "\",\"type\":\"bridge\",\"bridge\":\"%s\",\"ipMasq\":true,"
	     "\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.88.0.0/24\"}]]},"
	     "\"cni.dev/valid-attachments\":[{\"containerID\":\"ctr-g1\",\"ifname\":\"eth0\"}]}",
	     e.br, e.dir);
	run_ok("bridge", "GC", NULL, NULL, gc);
	ck_assert_int_eq(rules_of("ctr-g1"), 1);
	ck_assert_int_eq(rules_of("ctr-g2"), 0);
	ck_assert_int_eq(chains_named("masq-"), 1);
	env_done(&e);
}
END_TEST

START_TEST(masq_backend)
{
	static const struct {
		const char *opt;
		unsigned code;
		const char *msg;
	} cases[] = {
		{"\"ipMasq\":true,\"ipMasqBackend\":\"iptables\"", 2, "ipMasqBackend"},
		{"\"ipMasq\":true,\"ipMasqBackend\":\"ipchains\"", 7, "ipMasqBackend"},
		{"\"ipMasq\":\"yes\"", 7, "ipMasq"},
	};
	_cleanup_run_ struct plugin_run r = {0};
	char conf[2048], p1[TESTNS_NAMELEN];
	struct env e;

	env_init(&e);
	ck_assert_int_eq(testns_create(p1), 0);
	conf_br(conf, sizeof(conf), &e, cases[_i].opt);
	run("bridge", "ADD", p1, "ctr-b1", conf, &r);
	assert_cni_error(&r, cases[_i].code, cases[_i].msg);
	ck_assert(!table_exists("ip", "cni-c-nat"));
	ck_assert_ptr_null(ipj_link(p1, "eth0"));
	env_done(&e);
}
END_TEST

/* Without ipMasq or macspoofchk, and portmap without mappings: no table at all. */
START_TEST(no_feature_no_table)
{
	_cleanup_run_ struct plugin_run a1 = {0};
	char conf[2048], p1[TESTNS_NAMELEN], *pm;
	json_t *prev;
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, NULL);
	pod_add(conf, "ctr-n1", p1, &a1);
	prev = json_deep_copy(a1.json);
	pm = conf_with("{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"portmap\"}", "prevResult", prev);
	run_ok("portmap", "ADD", p1, "ctr-n1", pm);
	run_ok("portmap", "DEL", p1, "ctr-n1", pm);
	ck_assert_int_eq(system("[ -z \"$(nft list tables)\" ]"), 0);
	json_decref(prev);
	free(pm);
	env_done(&e);
}
END_TEST

/* ---- macspoofchk ---- */

START_TEST(macspoof_forged_mac_dropped)
{
	_cleanup_run_ struct plugin_run a1 = {0}, a2 = {0};
	char conf[2048], p1[TESTNS_NAMELEN], p2[TESTNS_NAMELEN], ip1[64], ip2[64], seen[64], mac[32];
	json_t *l;
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, "\"macspoofchk\":true");
	pod_add(conf, "ctr-s1", p1, &a1);
	pod_add(conf, "ctr-s2", p2, &a2);
	serve(&e, p2, NULL);
	probe(p1, pod_ip(&a2, ip2), seen);
	ck_assert_str_eq(seen, pod_ip(&a1, ip1));
	/* The pod changes its MAC: its frames are dropped at the port. */
	l = ipj_link(p1, "eth0");
	xfmt(mac, sizeof(mac), "%s", json_string_value(json_object_get(l, "address")));
	json_decref(l);
	ck_assert_int_eq(ip_run(p1, "link set eth0 address 02:00:00:00:be:ef"), 0);
	ck_assert_int_eq(ip_run(p1, "neigh flush dev eth0"), 0);
	probe(p1, ip2, seen);
	ck_assert_msg(seen[0] == '\0', "a forged MAC got through (seen %s)", seen);
	/* Its own MAC again: through again. */
	ck_assert_int_eq(ip_run(p1, "link set eth0 address %s", mac), 0);
	probe(p1, ip2, seen);
	ck_assert_str_eq(seen, ip1);
	run_ok("bridge", "DEL", p1, "ctr-s1", conf);
	ck_assert_int_eq(rules_of("ctr-s1"), 0);
	ck_assert_int_eq(rules_of("ctr-s2"), 1);
	env_done(&e);
}
END_TEST

/* ---- portmap ---- */

/* The portmap config for a pod: mappings (a JSON list) and extra keys, prevResult. */
static char *pm_conf(const struct plugin_run *add, const char *mappings, const char *extra)
{
	char base[4096];
	char *s;
	json_t *prev = json_deep_copy(add->json);

	xfmt(base, sizeof(base),
	     "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}"
	     "%s%s,\"runtimeConfig\":{\"portMappings\":%s}}",
	     extra ? "," : "", extra ? extra : "", mappings);
	s = conf_with(base, "prevResult", prev);
	json_decref(prev);
	return s;
}

START_TEST(portmap_from_outside)
{
	_cleanup_run_ struct plugin_run a1 = {0};
	char conf[2048], p1[TESTNS_NAMELEN], seen[64], *pm;
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, NULL);
	pod_add(conf, "ctr-p1", p1, &a1);
	pm = pm_conf(&a1, "[{\"hostPort\":8081,\"containerPort\":7777,\"protocol\":\"udp\"},"
			  "{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]", NULL);
	run_ok("portmap", "ADD", p1, "ctr-p1", pm);
	serve(&e, p1, NULL);
	/* UDP: from outside, to the node's address, port 8081: the pod answers and saw the
	 * outside's own address (DNAT only). */
	{
		char cmd[PATH_MAX * 2], nspath[PATH_MAX], line[256] = "";
		FILE *f;

		xfmt(cmd, sizeof(cmd), "echo '%s - " NODE_IP "' | %s probe 8081 2000 | grep -o 'udp-seen=[^ ]*'",
		     testns_path(e.out, nspath), simpeer());
		f = popen(cmd, "r");
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		pclose(f);
		xfmt(seen, sizeof(seen), "%.*s", (int)strcspn(line, "\n"), line);
		ck_assert_str_eq(seen, "udp-seen=" OUT_IP);
	}
	/* TCP: the same through nc. */
	ck_assert(tcp_reaches(p1, e.out, NODE_IP, 8080, 80));
	/* Neither a port that is not mapped. */
	ck_assert(!tcp_reaches(p1, e.out, NODE_IP, 8082, 80));
	free(pm);
	env_done(&e);
}
END_TEST

static int route_localnet(const char *ifname)
{
	char path[128], buf[8] = "";
	FILE *f;

	xfmt(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", ifname);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	return atoi(buf);
}

START_TEST(portmap_node_and_hairpin)
{
	_cleanup_run_ struct plugin_run a1 = {0}, a2 = {0};
	char conf[2048], p1[TESTNS_NAMELEN], p2[TESTNS_NAMELEN], *pm, *pm2;
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, NULL);
	pod_add(conf, "ctr-h1", p1, &a1);
	/* A mapping bound to another address first: localhost cannot reach it, and
	 * route_localnet stays off. */
	pm2 = pm_conf(&a1, "[{\"hostPort\":9090,\"containerPort\":90,\"hostIP\":\"" NODE_IP "\"}]", NULL);
	run_ok("portmap", "ADD", p1, "ctr-h1", pm2);
	ck_assert_int_eq(route_localnet(e.br), 0);
	pm = pm_conf(&a1, "[{\"hostPort\":8080,\"containerPort\":80}]", NULL);
	run_ok("portmap", "ADD", p1, "ctr-h1", pm);
	ck_assert_int_eq(route_localnet(e.br), 1);
	/* From the node itself, through 127.0.0.1 and through its own address. */
	ck_assert(tcp_reaches(p1, NULL, "127.0.0.1", 8080, 80));
	ck_assert(tcp_reaches(p1, NULL, NODE_IP, 8080, 80));
	/* Hairpin: the pod reaches its own host port. */
	ck_assert(tcp_reaches(p1, p1, NODE_IP, 8080, 80));
	/* Another pod too. */
	pod_add(conf, "ctr-h2", p2, &a2);
	ck_assert(tcp_reaches(p1, p2, NODE_IP, 8080, 80));
	/* The second ADD replaced the first: 9090 is gone. */
	ck_assert(!tcp_reaches(p1, e.out, NODE_IP, 9090, 90));
	free(pm);
	free(pm2);
	env_done(&e);
}
END_TEST

START_TEST(portmap_check_del_gc)
{
	_cleanup_run_ struct plugin_run a1 = {0}, a2 = {0}, chk = {0};
	char conf[2048], p1[TESTNS_NAMELEN], p2[TESTNS_NAMELEN], gc[1024], *pm1, *pm2;
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, NULL);
	pod_add(conf, "ctr-c1", p1, &a1);
	pod_add(conf, "ctr-c2", p2, &a2);
	pm1 = pm_conf(&a1, "[{\"hostPort\":8080,\"containerPort\":80},{\"hostPort\":5353,\"containerPort\":53,"
			   "\"protocol\":\"UDP\"}]", "\"conditionsV4\":[\"! -s 192.168.77.0/24 -i eth9\"]");
	pm2 = pm_conf(&a2, "[{\"hostPort\":8081,\"containerPort\":80}]", "\"snat\":false");
	run_ok("portmap", "ADD", p1, "ctr-c1", pm1);
	run_ok("portmap", "ADD", p2, "ctr-c2", pm2);
	run_ok("portmap", "CHECK", p1, "ctr-c1", pm1);
	run_ok("portmap", "CHECK", p2, "ctr-c2", pm2);
	ck_assert_int_eq(rules_of("ctr-c1"), 3); /* two DNAT jumps, one SNAT jump */
	ck_assert_int_eq(rules_of("ctr-c2"), 1);
	/* A rule changed behind its back: CHECK fails. */
	ck_assert_int_eq(system("nft flush chain ip cni-c-portmap $(nft list table ip cni-c-portmap | "
				"grep -o 'chain pm-[0-9a-f]*' | head -1 | cut -d' ' -f2)"),
			 0);
	run("portmap", "CHECK", p1, "ctr-c1", pm1, &chk);
	ck_assert_int_eq(chk.status, 1);
	/* GC keeps ctr-c2 only. */
	xfmt(gc, sizeof(gc),
	     "{\"cniVersion\":\"1.1.0\",\"name\":\"" NET "\",\"type\":\"portmap\","
	     "\"cni.dev/valid-attachments\":[{\"containerID\":\"ctr-c2\",\"ifname\":\"eth0\"}]}");
	run_ok("portmap", "GC", NULL, NULL, gc);
	ck_assert_int_eq(rules_of("ctr-c1"), 0);
	ck_assert_int_eq(rules_of("ctr-c2"), 1);
	/* DEL with neither prevResult nor namespace. */
	ck_assert_int_eq(testns_destroy(p2), 0);
	run_ok("portmap", "DEL", p2, "ctr-c2",
	       "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"portmap\"}");
	ck_assert_int_eq(rules_of("ctr-c2"), 0);
	ck_assert_int_eq(chains_named("pm"), 0);
	free(pm1);
	free(pm2);
	env_done(&e);
}
END_TEST

START_TEST(portmap_errors)
{
	static const struct {
		const char *maps, *extra;
		unsigned code;
		const char *msg;
	} cases[] = {
		{"[{\"hostPort\":0,\"containerPort\":80}]", NULL, 7, "portMappings[0].hostPort"},
		{"[{\"hostPort\":80,\"containerPort\":70000}]", NULL, 7, "portMappings[0].containerPort"},
		{"[{\"hostPort\":80,\"containerPort\":80},{\"hostPort\":81,\"containerPort\":80,\"protocol\":\"icmp\"}]", NULL,
		 7, "portMappings[1].protocol"},
		{"[{\"hostPort\":80,\"containerPort\":80,\"hostIP\":\"10.0.0.300\"}]", NULL, 7, "portMappings[0].hostIP"},
		{"[{\"hostPort\":\"80\",\"containerPort\":80}]", NULL, 7, "hostPort"},
		{"[{\"hostPort\":80,\"containerPort\":80}]", "\"conditionsV4\":[\"-m comment --comment x\"]", 7,
		 "conditionsV4[0]"},
		{"[{\"hostPort\":80,\"containerPort\":80}]", "\"conditionsV6\":[\"-s 10.0.0.0/8\"]", 7, "conditionsV6[0]"},
		{"[{\"hostPort\":80,\"containerPort\":80}]", "\"externalSetMarkChain\":\"KUBE-MARK-MASQ\"", 2,
		 "externalSetMarkChain"},
		{"[{\"hostPort\":80,\"containerPort\":80}]", "\"backend\":\"iptables\"", 2, "backend"},
		{"[{\"hostPort\":80,\"containerPort\":80}]", "\"markMasqBit\":32", 7, "markMasqBit"},
	};
	_cleanup_run_ struct plugin_run a1 = {0}, r = {0};
	char conf[2048], p1[TESTNS_NAMELEN], *pm;
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, NULL);
	pod_add(conf, "ctr-e1", p1, &a1);
	pm = pm_conf(&a1, cases[_i].maps, cases[_i].extra);
	run("portmap", "ADD", p1, "ctr-e1", pm, &r);
	assert_cni_error(&r, cases[_i].code, cases[_i].msg);
	ck_assert(!table_exists("ip", "cni-c-portmap"));
	free(pm);
	env_done(&e);
}
END_TEST

/* 32 pods with host ports added at once, then removed at once: every rule lands, none
 * is left. */
START_TEST(portmap_parallel)
{
	enum { N = 32 };
	struct plugin_job jobs[N] = {0};
	char conf[2048], ns[N][TESTNS_NAMELEN], cid[N][32], paths[N][PATH_MAX], maps[128];
	char *pms[N];
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, "\"ipMasq\":true");
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(testns_create(ns[i]), 0);
		xfmt(cid[i], sizeof(cid[i]), "ctr-par-%02d", i);
		jobs[i] = (struct plugin_job){.cid = cid[i], .ifname = "eth0", .netns = testns_path(ns[i], paths[i])};
	}
	plugin_exec_parallel("bridge", "ADD", conf, jobs, N, 50);
	for (int i = 0; i < N; i++) {
		assert_run_ok(&jobs[i].r);
		xfmt(maps, sizeof(maps), "[{\"hostPort\":%d,\"containerPort\":80}]", 20000 + i);
		pms[i] = pm_conf(&jobs[i].r, maps, NULL);
		plugin_run_done(&jobs[i].r);
		jobs[i].conf = pms[i];
	}
	plugin_exec_parallel("portmap", "ADD", NULL, jobs, N, 50);
	for (int i = 0; i < N; i++) {
		assert_run_ok(&jobs[i].r);
		plugin_run_done(&jobs[i].r);
		/* ipMasq jump + DNAT jump + SNAT jump */
		ck_assert_msg(rules_of(cid[i]) == 3, "%s has %d rules", cid[i], rules_of(cid[i]));
	}
	ck_assert_int_eq(chains_named("pm-"), N);
	plugin_exec_parallel("portmap", "DEL", NULL, jobs, N, 50);
	for (int i = 0; i < N; i++) {
		assert_run_ok(&jobs[i].r);
		plugin_run_done(&jobs[i].r);
		jobs[i].conf = NULL;
	}
	plugin_exec_parallel("bridge", "DEL", conf, jobs, N, 50);
	for (int i = 0; i < N; i++) {
		assert_run_ok(&jobs[i].r);
		plugin_run_done(&jobs[i].r);
		ck_assert_int_eq(rules_of(cid[i]), 0);
		free(pms[i]);
	}
	ck_assert_int_eq(chains_named("pm"), 0);
	ck_assert_int_eq(chains_named("masq-"), 0);
	env_done(&e);
}
END_TEST

/* ---- switching over from the reference plugins ---- */

#define GO_CNI_DIR "/usr/lib/cni"

static bool nft_chain(const char *family, const char *table, const char *chain)
{
	char cmd[512];

	xfmt(cmd, sizeof(cmd), "nft list chain %s %s '%s' >/dev/null 2>&1", family, table, chain);
	return system(cmd) == 0;
}

/* Rules of chain from that jump to chain to. */
static int jumps_to(const char *family, const char *table, const char *from, const char *to)
{
	char cmd[512], out[32] = "";
	FILE *f;

	xfmt(cmd, sizeof(cmd), "nft list chain %s %s '%s' 2>/dev/null | grep -c 'jump %s\\( \\|$\\)'", family, table,
	     from, to);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	if (!fgets(out, sizeof(out), f))
		out[0] = '\0';
	pclose(f);
	return atoi(out);
}

/* prefix + SHA-512 of network + cid, cut to 28 characters: how the reference names an
 * attachment's iptables chain (computed here with sha512sum, not with our code). */
static void ref_chain(char buf[static 29], const char *prefix, const char *cid)
{
	char cmd[256], hex[160] = "";
	FILE *f;

	xfmt(cmd, sizeof(cmd), "printf %%s '%s%s' | sha512sum", NET, cid);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(hex, sizeof(hex), f));
	pclose(f);
	xfmt(buf, 29, "%s%.*s", prefix, (int)(28 - strlen(prefix)), hex);
}

/* Pods added by the reference bridge (ipMasq, macspoofchk) and portmap, deleted by ours:
 * the reference's chains and jumps of that pod go (a stale DNAT would send the host port
 * to a dead address, or to its next owner), the other pod's stay, DEL stays idempotent. */
START_TEST(switch_from_reference)
{
	char conf[2048], p[2][TESTNS_NAMELEN], cid[2][16], masq[2][29], dn[2][29], iface[2][128], mac[2][140];
	char *pm[2], *prev;
	struct plugin_run a[2] = {{0}};
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, "\"ipMasq\":true,\"macspoofchk\":true");
	for (int i = 0; i < 2; i++) {
		char maps[128];

		xfmt(cid[i], sizeof(cid[i]), "ctr-ref%d", i);
		ck_assert_int_eq(testns_create(p[i]), 0);
		ck_assert_int_eq(plugin_exec(GO_CNI_DIR "/bridge", "ADD", p[i], "eth0", cid[i], conf, NULL, &a[i]), 0);
		assert_run_ok(&a[i]);
		xfmt(maps, sizeof(maps), "[{\"hostPort\":%d,\"containerPort\":80,\"protocol\":\"tcp\"}]", 8091 + i);
		pm[i] = pm_conf(&a[i], maps, NULL);
		run_ok(GO_CNI_DIR "/portmap", "ADD", p[i], cid[i], pm[i]);
		ref_chain(masq[i], "CNI-", cid[i]);
		ref_chain(dn[i], "CNI-DN-", cid[i]);
		xfmt(iface[i], sizeof(iface[i]), "cni-br-iface-%s-eth0", cid[i]);
		xfmt(mac[i], sizeof(mac[i]), "%s-mac", iface[i]);
		ck_assert_msg(nft_chain("ip", "nat", masq[i]) && nft_chain("ip", "nat", dn[i]) &&
				      nft_chain("bridge", "nat", iface[i]) && nft_chain("bridge", "nat", mac[i]),
			      "the reference's chains of %s are not as expected", cid[i]);
	}

	prev = conf_with(conf, "prevResult", a[0].json);
	for (int round = 0; round < 2; round++) { /* the second: DEL is idempotent */
		run_ok("portmap", "DEL", p[0], cid[0], pm[0]);
		run_ok("bridge", "DEL", p[0], cid[0], prev);
	}
	ck_assert(!nft_chain("ip", "nat", masq[0]));
	ck_assert(!nft_chain("ip", "nat", dn[0]));
	ck_assert(!nft_chain("bridge", "nat", iface[0]));
	ck_assert(!nft_chain("bridge", "nat", mac[0]));
	ck_assert_int_eq(jumps_to("ip", "nat", "POSTROUTING", masq[0]), 0);
	ck_assert_int_eq(jumps_to("ip", "nat", "CNI-HOSTPORT-DNAT", dn[0]), 0);
	ck_assert_int_eq(jumps_to("bridge", "nat", "PREROUTING", iface[0]), 0);
	ck_assert_ptr_null(ipj_link(p[0], "eth0"));
	/* The other pod's, untouched. */
	ck_assert(nft_chain("ip", "nat", masq[1]) && nft_chain("ip", "nat", dn[1]));
	ck_assert(nft_chain("bridge", "nat", iface[1]) && nft_chain("bridge", "nat", mac[1]));
	ck_assert_int_eq(jumps_to("ip", "nat", "POSTROUTING", masq[1]), 1);
	ck_assert_int_eq(jumps_to("ip", "nat", "CNI-HOSTPORT-DNAT", dn[1]), 1);
	ck_assert_int_eq(jumps_to("bridge", "nat", "PREROUTING", iface[1]), 1);
	ck_assert_int_eq(leases(&e), 1);
	free(prev);

	prev = conf_with(conf, "prevResult", a[1].json);
	run_ok("portmap", "DEL", p[1], cid[1], pm[1]);
	run_ok("bridge", "DEL", p[1], cid[1], prev);
	ck_assert(!nft_chain("ip", "nat", masq[1]) && !nft_chain("ip", "nat", dn[1]));
	ck_assert(!nft_chain("bridge", "nat", iface[1]) && !nft_chain("bridge", "nat", mac[1]));
	ck_assert_int_eq(leases(&e), 0);
	free(prev);
	for (int i = 0; i < 2; i++) {
		free(pm[i]);
		plugin_run_done(&a[i]);
	}
	env_done(&e);
}
END_TEST

/* ---- a kernel without nf_tables ---- */

/* What the plugin sees on a kernel without nfnetlink: socket(AF_NETLINK, ...,
 * NETLINK_NETFILTER) fails with EPROTONOSUPPORT (an unregistered netlink protocol). */
static void deny_netfilter(void)
{
#if defined(__x86_64__)
#define ARCH_ AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH_ AUDIT_ARCH_AARCH64
#else
#error "deny_netfilter: unknown architecture"
#endif
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NETLINK_NETFILTER, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPROTONOSUPPORT),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
#undef ARCH_

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		_exit(3);
}

/* run(), with the plugin in a world without nftables: a child of the test installs the
 * filter (inherited by the plugin it spawns) and passes the exit status and stdout up. */
static void run_no_nft(const char *bin, const char *cmd, const char *ns, const char *cid, const char *conf,
		       struct plugin_run *r)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd[2], st;
	pid_t pid;

	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct plugin_run c = {0};
		FILE *f;

		close(fd[0]);
		deny_netfilter();
		if (plugin_exec(bin, cmd, ns, "eth0", cid, conf, NULL, &c) < 0)
			_exit(4);
		f = fdopen(fd[1], "w");
		if (!f)
			_exit(5);
		fprintf(f, "%d %d\n", c.status, c.sanitizer);
		fwrite(c.out, 1, c.out_len, f);
		fclose(f);
		_exit(0);
	}
	close(fd[1]);
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 8192;
			buf = realloc(buf, cap + 1);
			ck_assert_ptr_nonnull(buf);
		}
		n = read(fd[0], buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the filtered child failed (status %#x)", st);
	buf[len] = '\0';
	int sanitizer = 0, off = 0;
	ck_assert_int_eq(sscanf(buf, "%d %d\n%n", &r->status, &sanitizer, &off), 2);
	ck_assert_msg(!sanitizer, "%s %s: a sanitizer report", bin, cmd);
	r->out = strdup(buf + off);
	r->out_len = len - (size_t)off;
	r->json = json_loads(r->out, 0, NULL);
	free(buf);
}

/* ipMasq, macspoofchk and host ports on a kernel without nf_tables: a clear error and
 * nothing left (no link, lease or table); a pod without them is wired as usual (nothing
 * of nftables is touched), and DEL works. */
START_TEST(no_nftables)
{
	static const char *const opts[] = {"\"ipMasq\":true", "\"macspoofchk\":true"};
	_cleanup_run_ struct plugin_run r = {0}, a1 = {0}, pm_r = {0}, del = {0};
	char conf[2048], plain[2048], p1[TESTNS_NAMELEN], p2[TESTNS_NAMELEN], *pm;
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, opts[_i]);
	ck_assert_int_eq(testns_create(p1), 0);
	run_no_nft("bridge", "ADD", p1, "ctr-x1", conf, &r);
	assert_cni_error(&r, 999, "nftables is not available");
	ck_assert_ptr_null(ipj_link(p1, "eth0"));
	ck_assert_int_eq(leases(&e), 0);
	ck_assert_int_eq(system("[ -z \"$(nft list tables)\" ]"), 0);

	conf_br(plain, sizeof(plain), &e, NULL);
	ck_assert_int_eq(testns_create(p2), 0);
	run_no_nft("bridge", "ADD", p2, "ctr-x2", plain, &a1);
	assert_run_ok(&a1);
	ck_assert_int_eq(leases(&e), 1);
	pm = pm_conf(&a1, "[{\"hostPort\":8080,\"containerPort\":80}]", NULL);
	run_no_nft("portmap", "ADD", p2, "ctr-x2", pm, &pm_r);
	assert_cni_error(&pm_r, 999, "nftables is not available");
	run_no_nft("portmap", "DEL", p2, "ctr-x2", pm, &del);
	assert_run_ok(&del);
	plugin_run_done(&del);
	run_no_nft("bridge", "DEL", p2, "ctr-x2", conf, &del);
	assert_run_ok(&del);
	ck_assert_ptr_null(ipj_link(p2, "eth0"));
	ck_assert_int_eq(leases(&e), 0);
	ck_assert_int_eq(system("[ -z \"$(nft list tables)\" ]"), 0);
	free(pm);
	env_done(&e);
}
END_TEST

/* ADDs killed (SIGKILL) at random moments, each followed by DEL: nothing of the pod is
 * left, neither rules nor link nor lease. A transaction is the kernel's: all or nothing. */
START_TEST(killed_add_then_del)
{
	char conf[2048], p1[TESTNS_NAMELEN], path[PATH_MAX], *pm;
	struct plugin_run first = {0};
	unsigned seed = (unsigned)getpid();
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), &e, "\"ipMasq\":true,\"macspoofchk\":true");
	pod_add(conf, "ctr-k0", p1, &first);
	pm = pm_conf(&first, "[{\"hostPort\":8080,\"containerPort\":80}]", NULL);
	plugin_run_done(&first);
	run_ok("bridge", "DEL", p1, "ctr-k0", conf);
	for (int i = 0; i < 16; i++) {
		bool pm_round = i % 2;
		struct plugin_job job = {.cid = "ctr-k0", .ifname = "eth0", .netns = testns_path(p1, path),
					 .conf = pm_round ? pm : conf};
		json_t *ports;

		plugin_exec_killed(pm_round ? "portmap" : "bridge", "ADD", &job, (long)(rand_r(&seed) % 6000));
		run_ok(pm_round ? "portmap" : "bridge", "DEL", p1, "ctr-k0", pm_round ? pm : conf);
		ck_assert_msg(rules_of("ctr-k0") == 0, "round %d: %d rules left", i, rules_of("ctr-k0"));
		ck_assert_ptr_null(ipj_link(p1, "eth0"));
		ports = ipj(NULL, "link show master %s", e.br);
		ck_assert_msg(!ports || json_array_size(ports) == 0, "round %d: a port is left on %s", i, e.br);
		json_decref(ports);
		ck_assert_msg(leases(&e) == 0, "round %d: %d lease(s) left", i, leases(&e));
	}
	ck_assert_int_eq(chains_named("masq-") + chains_named("mac-") + chains_named("pm"), 0);
	free(pm);
	env_done(&e);
}
END_TEST

Suite *netfilter_suite(void)
{
	Suite *s;
	TCase *tc;

	if (!plugin_available("bridge") || !plugin_available("portmap") || system("command -v nft >/dev/null") != 0 ||
	    system("command -v busybox >/dev/null") != 0)
		return NULL;
	s = suite_create("netfilter");
	tc = tcase_create("masq");
	testns_tcase(tc, 60);
	tcase_add_test(tc, masq_outside_sees_node_pods_see_pods);
	tcase_add_test(tc, masq_lifecycle);
	tcase_add_test(tc, masq_second_add_one_copy);
	tcase_add_test(tc, masq_gc);
	tcase_add_loop_test(tc, masq_backend, 0, 3);
	tcase_add_test(tc, no_feature_no_table);
	tcase_add_test(tc, macspoof_forged_mac_dropped);
	suite_add_tcase(s, tc);
	tc = tcase_create("portmap");
	testns_tcase(tc, 90);
	tcase_add_test(tc, portmap_from_outside);
	tcase_add_test(tc, portmap_node_and_hairpin);
	tcase_add_test(tc, portmap_check_del_gc);
	tcase_add_loop_test(tc, portmap_errors, 0, 10);
	tcase_add_test(tc, portmap_parallel);
	tcase_add_test(tc, killed_add_then_del);
	tcase_add_loop_test(tc, no_nftables, 0, 2);
	suite_add_tcase(s, tc);
	if (access(GO_CNI_DIR "/bridge", X_OK) == 0 && access(GO_CNI_DIR "/portmap", X_OK) == 0 &&
	    system("command -v iptables >/dev/null") == 0) {
		tc = tcase_create("reference");
		testns_tcase(tc, 60);
		tcase_add_test(tc, switch_from_reference);
		suite_add_tcase(s, tc);
	} else {
		printf("SKIP netfilter switch_from_reference: " GO_CNI_DIR "/{bridge,portmap} and iptables "
		       "(Debian's containernetworking-plugins) are not installed\n");
	}
	return s;
}
