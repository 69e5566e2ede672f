/* test_bridge.c: the bridge plugin from outside, with bin/host-local as its IPAM: ADD /
 * CHECK / DEL in every spec version verified against the kernel (`ip -j`), dual stack,
 * traffic between pods, L2-only, every option this kernel supports (VLANs are the VM
 * lane's), refusals, rollback of every kind of failed ADD, the DEL cases a runtime
 * produces, CHECK failures, STATUS/GC forwarding and 32 pods added and removed at once.
 *
 * Every test uses its own bridge (cbr<pid>[suffix]), namespaces and data directory; the
 * framework removes all of them (and every host link but lo) when the test ends, and
 * makes sure each test starts with nothing but lo on the host. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testns.h"

#define PARALLEL_TIMEOUT_S 50

static const char *const versions[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
#define V_030 2 /* first version with interfaces/ips */
#define V_040 4 /* first version with CHECK */
#define V_100 5 /* ips[].version and empty dns dropped */
#define N_VERSIONS ((int)(sizeof(versions) / sizeof(versions[0])))

#define NET "brnet"
#define R4 "\"ranges\":[[{\"subnet\":\"10.20.0.0/24\"}]]"
#define R46 "\"ranges\":[[{\"subnet\":\"10.21.0.0/24\"}],[{\"subnet\":\"fd21::/64\"}]]"
#define L2 "{}"

/* ---- helpers ---- */


/* One test's world: a container namespace, a data directory, a bridge name, and the host
 * links that were there before (none: the framework starts each test clean), so that "nothing was created"
 * can be asserted. */
struct env {
	char ns[TESTNS_NAMELEN];
	char nspath[PATH_MAX];
	char dir[PATH_MAX];
	char br[IFNAMSIZ];
	char host_before[1024];
};

static int other_links(const char *ns, char *buf, size_t len);

static void env_init(struct env *e)
{
	ck_assert_int_eq(testns_create(e->ns), 0);
	testns_path(e->ns, e->nspath);
	ck_assert_int_eq(testdir_create(e->dir), 0);
	/* Each test runs in a process of its own: the pid makes the name unique. */
	xfmt(e->br, sizeof(e->br), "cbr%d", (int)getpid());
	(void)other_links(NULL, e->host_before, sizeof(e->host_before));
}

/* {"cniVersion", "name", "type":"bridge", "bridge":e->br, <opts>, "ipam":...}. ipam: NULL is
 * host-local on R4; a string starting with '{' is used as is; anything else is host-local
 * keys put after its type and dataDir. opts may be NULL. br NULL: no "bridge" key. */
static void conf_br(char *buf, size_t len, const char *version, const struct env *e, const char *br,
		    const char *opts, const char *ipam)
{
	char ipam_obj[PATH_MAX + 1024], brkey[64] = "";

	if (ipam && ipam[0] == '{')
		xfmt(ipam_obj, sizeof(ipam_obj), "%s", ipam);
	else
		xfmt(ipam_obj, sizeof(ipam_obj), "{\"type\":\"host-local\",\"dataDir\":\"%s\",%s}", e->dir,
		     ipam ? ipam : R4);
	if (br)
		xfmt(brkey, sizeof(brkey), ",\"bridge\":\"%s\"", br);
	xfmt(buf, len, "{\"cniVersion\":\"%s\",\"name\":\"" NET "\",\"type\":\"bridge\"%s%s%s,\"ipam\":%s}",
	     version, brkey, opts ? "," : "", opts ? opts : "", ipam_obj);
}

static void conf_of(char *buf, size_t len, const char *version, const struct env *e, const char *opts,
		    const char *ipam)
{
	conf_br(buf, len, version, e, e->br, opts, ipam);
}

/* "<conf without the final brace>,\"prevResult\":<j>}" (malloc'd) */
static char *with_prev(const char *conf, const json_t *j)
{
	char *prev = json_dumps(j, JSON_COMPACT), *s = NULL;
	size_t len = strlen(conf);

	ck_assert_ptr_nonnull(prev);
	ck_assert(asprintf(&s, "%.*s,\"prevResult\":%s}", (int)(len - 1), conf, prev) > 0);
	free(prev);
	return s;
}

static void br_run(const char *cmd, const char *ns, const char *cid, const char *conf, const char *extra[],
		   struct plugin_run *r)
{
	ck_assert_int_eq(plugin_exec("bridge", cmd, ns, "eth0", cid, conf, extra, r), 0);
}

static void br_add_ok(const char *ns, const char *cid, const char *conf, const char *extra[], struct plugin_run *r)
{
	br_run("ADD", ns, cid, conf, extra, r);
	assert_run_ok(r);
}

static void br_del_ok(const char *ns, const char *cid, const char *conf)
{
	struct plugin_run r = {0};

	br_run("DEL", ns, cid, conf, NULL, &r);
	assert_run_ok(&r);
	ck_assert_msg(r.out_len == 0, "DEL printed: %s", r.out);
	plugin_run_done(&r);
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const char *result_ip(const struct plugin_run *r, size_t i)
{
	const char *a = jstr(json_array_get(json_object_get(r->json, "ips"), i), "address");

	ck_assert_msg(a != NULL, "no ips[%zu].address in %s", i, r->out);
	return a;
}

static const char *result_iface(const struct plugin_run *r, size_t i, const char *key)
{
	const char *v = jstr(json_array_get(json_object_get(r->json, "interfaces"), i), key);

	ck_assert_msg(v != NULL, "no interfaces[%zu].%s in %s", i, key, r->out);
	return v;
}

/* ---- the host-local store ---- */

static bool is_bookkeeping(const char *name)
{
	return strcmp(name, "lock") == 0 || strncmp(name, "last_reserved_ip.", 17) == 0 || name[0] == '.';
}

/* Reservations in the store (0 when it does not even exist); their names in `names`. */
static int store_count(const char *dir, char *names, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (names && len)
		names[0] = '\0';
	xfmt(path, sizeof(path), "%s/" NET, dir);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (is_bookkeeping(de->d_name))
			continue;
		n++;
		if (names) {
			size_t l = strlen(names);

			snprintf(names + l, len - l, " %s", de->d_name);
		}
	}
	if (d)
		closedir(d);
	return n;
}

#define assert_reservations(dir, n)                                                          \
	do {                                                                                 \
		char names_[2048];                                                           \
		int c_ = store_count((dir), names_, sizeof(names_));                          \
		ck_assert_msg(c_ == (n), "%d reservations [%s ], expected %d", c_, names_, (n)); \
	} while (0)

static bool store_has(const char *dir, const char *ip)
{
	char path[PATH_MAX];

	xfmt(path, sizeof(path), "%s/" NET "/%s", dir, ip);
	return access(path, F_OK) == 0;
}

/* ---- kernel state ---- */

static json_t *link_get(const char *ns, const char *ifname)
{
	return ipj_link(ns, ifname);
}

static bool link_exists(const char *ns, const char *ifname)
{
	json_t *l = link_get(ns, ifname);

	json_decref(l);
	return l != NULL;
}

/* Names of the links of a namespace other than lo (and those listed in `except`),
 * each followed by a space; their number. */
static int other_links_except(const char *ns, const char *except, char *buf, size_t len)
{
	json_t *a = ipj(ns, "link show"), *l;
	size_t i;
	int n = 0;

	buf[0] = '\0';
	ck_assert_ptr_nonnull(a);
	json_array_foreach (a, i, l) {
		const char *name = jstr(l, "ifname");
		size_t off = strlen(buf);
		char word[IFNAMSIZ + 2];

		if (!name || strcmp(name, "lo") == 0)
			continue;
		snprintf(word, sizeof(word), "%s ", name);
		if (except && strstr(except, word))
			continue;
		snprintf(buf + off, len - off, "%s", word);
		n++;
	}
	json_decref(a);
	return n;
}

static int other_links(const char *ns, char *buf, size_t len)
{
	return other_links_except(ns, NULL, buf, len);
}

/* Nothing new in the host namespace since env_init, and nothing but lo in the pod. */
#define assert_nothing_created(e)                                                                    \
	do {                                                                                         \
		char l_[1024];                                                                       \
		ck_assert_msg(other_links_except(NULL, (e)->host_before, l_, sizeof(l_)) == 0,       \
			      "created on the host: %s", l_);                                        \
		ck_assert_msg(other_links((e)->ns, l_, sizeof(l_)) == 0, "created in the pod: %s", l_); \
	} while (0)

/* The ports of a bridge (links whose master it is). */
static int ports_of(const char *br)
{
	json_t *a = ipj(NULL, "link show master %s", br);
	int n;

	ck_assert_ptr_nonnull(a);
	n = (int)json_array_size(a);
	json_decref(a);
	return n;
}

static int jint(const json_t *o, const char *key)
{
	return (int)json_integer_value(json_object_get(o, key));
}

static const json_t *slave_data(const json_t *link)
{
	return json_object_get(json_object_get(link, "linkinfo"), "info_slave_data");
}

/* The addr_info entry of `ip` on ifname (borrowed from *holder, which the caller frees). */
static const json_t *addr_info(const char *ns, const char *ifname, const char *ip, json_t **holder)
{
	const json_t *ai;
	size_t i;

	*holder = ipj(ns, "addr show dev %s", ifname);
	json_array_foreach (json_object_get(json_array_get(*holder, 0), "addr_info"), i, ai)
		if (jstr(ai, "local") && strcmp(jstr(ai, "local"), ip) == 0)
			return ai;
	return NULL;
}

/* Addresses of one family on ifname with a scope other than link/host. */
static int global_addrs(const char *ns, const char *ifname, const char *family)
{
	json_t *a = ipj(ns, "addr show dev %s", ifname);
	const json_t *ai;
	size_t i;
	int n = 0;

	ck_assert_ptr_nonnull(a);
	json_array_foreach (json_object_get(json_array_get(a, 0), "addr_info"), i, ai)
		if (strcmp(jstr(ai, "family"), family) == 0 && strcmp(jstr(ai, "scope"), "global") == 0)
			n++;
	json_decref(a);
	return n;
}

/* A default route via gw on dev in ns (family "-4" or "-6"). */
static bool has_default_route(const char *ns, const char *family, const char *gw, const char *dev)
{
	json_t *a = ipj(ns, "%s route show default", family), *rt;
	bool found = false;
	size_t i;

	json_array_foreach (a, i, rt)
		if (jstr(rt, "gateway") && strcmp(jstr(rt, "gateway"), gw) == 0 && jstr(rt, "dev") &&
		    strcmp(jstr(rt, "dev"), dev) == 0)
			found = true;
	json_decref(a);
	return found;
}

static int n_default_routes(const char *ns, const char *family)
{
	json_t *a = ipj(ns, "%s route show default", family);
	int n = (int)json_array_size(a);

	json_decref(a);
	return n;
}

/* ping from inside ns (a few tries: the first packet may wait for ARP/ND). */
static bool ping(const char *ns, const char *ip)
{
	for (int i = 0; i < 3; i++)
		if (ip_run(NULL, "netns exec %s ping -c 1 -W 2 %s", ns, ip) == 0)
			return true;
	return false;
}

/* ---- ADD / CHECK / DEL in every version ---- */

/* The host end of the pair whose other end is eth0 in ns: the one port of br. */
static json_t *host_veth_of(const char *br)
{
	json_t *a = ipj(NULL, "-d link show master %s", br), *l;

	ck_assert_ptr_nonnull(a);
	ck_assert_msg(json_array_size(a) == 1, "bridge %s has %zu ports: %s", br, json_array_size(a), jdump(a));
	l = json_incref(json_array_get(a, 0));
	json_decref(a);
	return l;
}

/* Everything an ADD with isDefaultGateway on R4 promises, read back from the kernel; the
 * whole result compared with what the kernel says. *ret_hostveth gets its name. */
static void verify_add(const struct env *e, const struct plugin_run *add, int v, char ret_hostveth[static IFNAMSIZ])
{
	json_t *br = link_get(NULL, e->br), *eth0 = link_get(e->ns, "eth0"), *hv = host_veth_of(e->br);
	char expect[4096];

	ck_assert_msg(br != NULL, "no bridge %s", e->br);
	ck_assert_msg(eth0 != NULL, "no eth0 in %s", e->ns);
	/* The bridge: a bridge, up, with the gateway. */
	ck_assert_str_eq(jstr(json_object_get(br, "linkinfo"), "info_kind"), "bridge");
	ck_assert_msg(ipj_link_flag(br, "UP"), "bridge down: %s", jdump(br));
	ck_assert_msg(ipj_has_addr(NULL, e->br, "10.20.0.1/24"), "no gateway on %s", e->br);
	/* The pod end: the address, up, default route via the gateway. */
	ck_assert_str_eq(jstr(json_object_get(eth0, "linkinfo"), "info_kind"), "veth");
	ck_assert_msg(ipj_link_flag(eth0, "UP"), "eth0 down: %s", jdump(eth0));
	ck_assert_msg(ipj_has_addr(e->ns, "eth0", "10.20.0.2/24"), "no 10.20.0.2/24 on eth0");
	ck_assert_msg(has_default_route(e->ns, "-4", "10.20.0.1", "eth0"), "no default route via 10.20.0.1");
	/* The host end: enslaved, up, and the peer of eth0 (and eth0's peer is it). */
	ck_assert_str_eq(jstr(hv, "master"), e->br);
	ck_assert_msg(ipj_link_flag(hv, "UP"), "host veth down: %s", jdump(hv));
	/* ADD returns once the port forwards. */
	ck_assert_msg(strcmp(jstr(hv, "operstate"), "UP") == 0, "host veth not operational: %s", jdump(hv));
	ck_assert_int_eq(jint(hv, "link_index"), jint(eth0, "ifindex"));
	ck_assert_int_eq(jint(eth0, "link_index"), jint(hv, "ifindex"));
	xfmt(ret_hostveth, IFNAMSIZ, "%s", jstr(hv, "ifname"));
	/* A bridge port has no IPv6 of its own (no link-local, no DAD, no RA), the pod has. */
	{
		json_t *a6 = ipj(NULL, "-6 addr show dev %s", ret_hostveth);

		ck_assert_msg(a6 && (json_array_size(a6) == 0 ||
				     json_array_size(json_object_get(json_array_get(a6, 0), "addr_info")) == 0),
			      "IPv6 on the host veth: %s", jdump(a6));
		json_decref(a6);
	}

	if (v < V_030)
		xfmt(expect, sizeof(expect),
		     "{\"cniVersion\":\"%s\",\"ip4\":{\"ip\":\"10.20.0.2/24\",\"gateway\":\"10.20.0.1\","
		     "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.20.0.1\"}]},\"dns\":{}}",
		     versions[v]);
	else
		xfmt(expect, sizeof(expect),
		     "{\"cniVersion\":\"%s\",\"interfaces\":[{\"name\":\"%s\",\"mac\":\"%s\"},{\"name\":\"%s\","
		     "\"mac\":\"%s\"},{\"name\":\"eth0\",\"mac\":\"%s\",\"sandbox\":\"%s\"}],\"ips\":[{%s"
		     "\"interface\":2,\"address\":\"10.20.0.2/24\",\"gateway\":\"10.20.0.1\"}],\"routes\":[{\"dst\":"
		     "\"0.0.0.0/0\",\"gw\":\"10.20.0.1\"}]%s}",
		     versions[v], e->br, jstr(br, "address"), jstr(hv, "ifname"), jstr(hv, "address"),
		     jstr(eth0, "address"), e->nspath, v < V_100 ? "\"version\":\"4\"," : "",
		     v < V_100 ? ",\"dns\":{}" : "");
	assert_json_equal(add->json, expect);
	json_decref(br);
	json_decref(eth0);
	json_decref(hv);
}

START_TEST(add_check_del_every_version)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0}, del1 = {0}, del2 = {0};
	char conf[2048], hostveth[IFNAMSIZ];
	char *conf_prev;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), versions[_i], &e, "\"isDefaultGateway\":true", NULL);
	br_add_ok(e.ns, "ctr-v", conf, NULL, &add);
	assert_cni_version(&add, versions[_i]);
	verify_add(&e, &add, _i, hostveth);
	ck_assert(store_has(e.dir, "10.20.0.2"));
	assert_reservations(e.dir, 1);

	conf_prev = _i >= V_040 ? with_prev(conf, add.json) : strdup(conf);
	if (_i >= V_040) {
		br_run("CHECK", e.ns, "ctr-v", conf_prev, NULL, &chk);
		assert_run_ok(&chk);
		ck_assert_msg(chk.out_len == 0, "CHECK printed: %s", chk.out);
	}
	br_run("DEL", e.ns, "ctr-v", conf_prev, NULL, &del1);
	assert_run_ok(&del1);
	ck_assert_msg(del1.out_len == 0, "DEL printed: %s", del1.out);
	ck_assert_msg(!link_exists(e.ns, "eth0"), "eth0 is still there");
	ck_assert_msg(!link_exists(NULL, hostveth), "%s is still there", hostveth);
	assert_reservations(e.dir, 0);
	/* The bridge and its gateway are shared: they stay. */
	ck_assert_msg(link_exists(NULL, e.br), "the bridge was removed");
	ck_assert(ipj_has_addr(NULL, e.br, "10.20.0.1/24"));
	br_run("DEL", e.ns, "ctr-v", conf_prev, NULL, &del2);
	assert_run_ok(&del2);
	free(conf_prev);
}
END_TEST

START_TEST(dual_stack)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	json_t *holder = NULL;
	const json_t *ai;
	char conf[2048];
	char *conf_prev;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isDefaultGateway\":true", R46);
	br_add_ok(e.ns, "ctr-ds", conf, NULL, &add);
	ck_assert_str_eq(result_ip(&add, 0), "10.21.0.2/24");
	ck_assert_str_eq(result_ip(&add, 1), "fd21::2/64");
	assert_json_equal(json_object_get(add.json, "routes"),
			  "[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.21.0.1\"},{\"dst\":\"::/0\",\"gw\":\"fd21::1\"}]");
	ck_assert(ipj_has_addr(e.ns, "eth0", "10.21.0.2/24"));
	/* Usable at once: no DAD on the pod side unless enabledad. */
	ai = addr_info(e.ns, "eth0", "fd21::2", &holder);
	ck_assert_msg(ai != NULL, "no fd21::2 on eth0: %s", jdump(holder));
	ck_assert_msg(!json_is_true(json_object_get(ai, "tentative")), "fd21::2 is tentative: %s", jdump(ai));
	ck_assert_int_eq(jint(ai, "prefixlen"), 64);
	json_decref(holder);
	ck_assert(has_default_route(e.ns, "-4", "10.21.0.1", "eth0"));
	ck_assert(has_default_route(e.ns, "-6", "fd21::1", "eth0"));
	ck_assert(ipj_has_addr(NULL, e.br, "10.21.0.1/24"));
	ck_assert(ipj_has_addr(NULL, e.br, "fd21::1/64"));
	ck_assert(store_has(e.dir, "10.21.0.2") && store_has(e.dir, "fd21::2"));
	conf_prev = with_prev(conf, add.json);
	br_run("CHECK", e.ns, "ctr-ds", conf_prev, NULL, &chk);
	assert_run_ok(&chk);
	br_del_ok(e.ns, "ctr-ds", conf_prev);
	free(conf_prev);
	assert_reservations(e.dir, 0);
}
END_TEST

START_TEST(two_pods_talk)
{
	_cleanup_run_ struct plugin_run a = {0}, b = {0};
	char conf[2048], ns2[TESTNS_NAMELEN];
	struct env e;

	env_init(&e);
	ck_assert_int_eq(testns_create(ns2), 0);
	conf_of(conf, sizeof(conf), "1.0.0", &e, "\"isGateway\":true", R46);
	br_add_ok(e.ns, "ctr-pa", conf, NULL, &a);
	br_add_ok(ns2, "ctr-pb", conf, NULL, &b);
	ck_assert_str_eq(result_ip(&a, 0), "10.21.0.2/24");
	ck_assert_str_eq(result_ip(&b, 0), "10.21.0.3/24");
	ck_assert_int_eq(ports_of(e.br), 2);
	ck_assert_msg(ping(e.ns, "10.21.0.3"), "pod a cannot reach pod b");
	ck_assert_msg(ping(ns2, "10.21.0.2"), "pod b cannot reach pod a");
	ck_assert_msg(ping(e.ns, "10.21.0.1"), "pod a cannot reach the gateway");
	ck_assert_msg(ping(ns2, "fd21::2"), "pod b cannot reach pod a over IPv6");
	ck_assert_msg(ping(e.ns, "fd21::1"), "pod a cannot reach the IPv6 gateway");
	br_del_ok(e.ns, "ctr-pa", conf);
	ck_assert_int_eq(ports_of(e.br), 1);
	ck_assert(!link_exists(e.ns, "eth0"));
	ck_assert_msg(ping(ns2, "10.21.0.1"), "pod b lost the gateway when pod a left");
}
END_TEST

/* ---- L2 only ---- */

START_TEST(l2_only)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	char conf[2048], expect[2048];
	char *conf_prev;
	json_t *br, *hv, *eth0;
	int v = _i;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), versions[v], &e, NULL, L2);
	br_add_ok(e.ns, "ctr-l2", conf, NULL, &add);
	br = link_get(NULL, e.br);
	hv = host_veth_of(e.br);
	eth0 = link_get(e.ns, "eth0");
	ck_assert_ptr_nonnull(br);
	ck_assert_ptr_nonnull(eth0);
	xfmt(expect, sizeof(expect),
	     "{\"cniVersion\":\"%s\",\"interfaces\":[{\"name\":\"%s\",\"mac\":\"%s\"},{\"name\":\"%s\",\"mac\":\"%s\"},"
	     "{\"name\":\"eth0\",\"mac\":\"%s\",\"sandbox\":\"%s\"}]%s}",
	     versions[v], e.br, jstr(br, "address"), jstr(hv, "ifname"), jstr(hv, "address"), jstr(eth0, "address"),
	     e.nspath, v < V_100 ? ",\"dns\":{}" : "");
	assert_json_equal(add.json, expect);
	/* Up, without an address of its own. */
	ck_assert(ipj_link_flag(eth0, "UP"));
	ck_assert_int_eq(global_addrs(e.ns, "eth0", "inet"), 0);
	ck_assert_int_eq(global_addrs(e.ns, "eth0", "inet6"), 0);
	ck_assert_int_eq(global_addrs(NULL, e.br, "inet"), 0);
	ck_assert_int_eq(jint(hv, "link_index"), jint(eth0, "ifindex"));
	json_decref(br);
	json_decref(hv);
	json_decref(eth0);
	/* CHECK works for L2 (the reference fails with "no plugin name provided"). */
	conf_prev = with_prev(conf, add.json);
	if (v >= V_040) {
		br_run("CHECK", e.ns, "ctr-l2", conf_prev, NULL, &chk);
		assert_run_ok(&chk);
	}
	br_del_ok(e.ns, "ctr-l2", conf_prev);
	free(conf_prev);
	ck_assert(!link_exists(e.ns, "eth0"));
	ck_assert_int_eq(ports_of(e.br), 0);
	br_del_ok(e.ns, "ctr-l2", conf);
}
END_TEST

START_TEST(l2_only_before_030_refused)
{
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), versions[_i], &e, NULL, L2);
	br_run("ADD", e.ns, "ctr-l2old", conf, NULL, &add);
	assert_cni_error(&add, 7, "0.3.0");
	assert_cni_version(&add, versions[_i]);
	assert_nothing_created(&e);
}
END_TEST

/* ---- options ---- */

START_TEST(opt_mtu)
{
	_cleanup_run_ struct plugin_run add = {0};
	json_t *br, *hv, *eth0;
	char conf[2048];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.0.0", &e, "\"mtu\":1400,\"isGateway\":true", NULL);
	br_add_ok(e.ns, "ctr-mtu", conf, NULL, &add);
	br = link_get(NULL, e.br);
	hv = host_veth_of(e.br);
	eth0 = link_get(e.ns, "eth0");
	ck_assert_int_eq(jint(eth0, "mtu"), 1400);
	ck_assert_int_eq(jint(hv, "mtu"), 1400);
	ck_assert_int_eq(jint(br, "mtu"), 1400);
	json_decref(br);
	json_decref(hv);
	json_decref(eth0);
}
END_TEST

START_TEST(opt_hairpin_isolation)
{
	static const char *const opts[] = {NULL, "\"hairpinMode\":true", "\"portIsolation\":true",
					   "\"hairpinMode\":true,\"portIsolation\":true"};
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	const json_t *sd;
	char conf[2048];
	char *conf_prev;
	json_t *hv;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, opts[_i], NULL);
	br_add_ok(e.ns, "ctr-port", conf, NULL, &add);
	hv = host_veth_of(e.br);
	sd = slave_data(hv);
	ck_assert_msg(sd != NULL, "no bridge port data: %s", jdump(hv));
	ck_assert_msg(json_is_true(json_object_get(sd, "hairpin")) == (_i & 1), "hairpin: %s", jdump(sd));
	ck_assert_msg(json_is_true(json_object_get(sd, "isolated")) == ((_i & 2) != 0), "isolated: %s", jdump(sd));
	json_decref(hv);
	conf_prev = with_prev(conf, add.json);
	br_run("CHECK", e.ns, "ctr-port", conf_prev, NULL, &chk);
	assert_run_ok(&chk);
	free(conf_prev);
}
END_TEST

START_TEST(opt_promisc)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0}, off = {0};
	char conf[2048], plain[2048];
	char *conf_prev;
	json_t *br;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"promiscMode\":true", NULL);
	br_add_ok(e.ns, "ctr-pr", conf, NULL, &add);
	br = link_get(NULL, e.br);
	ck_assert_msg(ipj_link_flag(br, "PROMISC") && jint(br, "promiscuity") >= 1, "bridge not promiscuous: %s",
		      jdump(br));
	json_decref(br);
	conf_prev = with_prev(conf, add.json);
	br_run("CHECK", e.ns, "ctr-pr", conf_prev, NULL, &chk);
	assert_run_ok(&chk);
	free(conf_prev);
	/* CHECK compares the bridge's promiscuity with the config. */
	conf_of(plain, sizeof(plain), "1.1.0", &e, NULL, NULL);
	conf_prev = with_prev(plain, add.json);
	br_run("CHECK", e.ns, "ctr-pr", conf_prev, NULL, &off);
	assert_cni_error(&off, 999, "promiscuous");
	free(conf_prev);
}
END_TEST

START_TEST(opt_hairpin_and_promisc_refused)
{
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"hairpinMode\":true,\"promiscMode\":true", NULL);
	br_run("ADD", e.ns, "ctr-hp", conf, NULL, &add);
	assert_cni_error(&add, 7, "hairpin");
	assert_nothing_created(&e);
	assert_reservations(e.dir, 0);
}
END_TEST

static const struct {
	const char *top, *cni_args, *want, *err;
} macs[] = {
	{"\"runtimeConfig\":{\"mac\":\"0a:58:00:00:00:01\"}", NULL, "0a:58:00:00:00:01", NULL},
	{"\"args\":{\"cni\":{\"mac\":\"0a:58:00:00:00:02\"}}", NULL, "0a:58:00:00:00:02", NULL},
	{NULL, "CNI_ARGS=IgnoreUnknown=1;MAC=0a:58:00:00:00:03", "0a:58:00:00:00:03", NULL},
	/* precedence: runtimeConfig > args > CNI_ARGS */
	{"\"runtimeConfig\":{\"mac\":\"0A:58:00:00:00:01\"},\"args\":{\"cni\":{\"mac\":\"0a:58:00:00:00:02\"}}",
	 "CNI_ARGS=IgnoreUnknown=1;MAC=0a:58:00:00:00:03", "0a:58:00:00:00:01", NULL},
	{"\"args\":{\"cni\":{\"mac\":\"0a:58:00:00:00:02\"}}", "CNI_ARGS=IgnoreUnknown=1;MAC=0a:58:00:00:00:03",
	 "0a:58:00:00:00:02", NULL},
	{"\"runtimeConfig\":{\"mac\":\"0a:58:00:00:01\"}", NULL, NULL, "runtimeConfig.mac"},
	{NULL, "CNI_ARGS=IgnoreUnknown=1;MAC=zz:58:00:00:00:03", NULL, "CNI_ARGS MAC"},
};

START_TEST(opt_mac)
{
	_cleanup_run_ struct plugin_run add = {0};
	const char *extra[] = {macs[_i].cni_args, NULL};
	char conf[2048];
	json_t *eth0;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, macs[_i].top, NULL);
	br_run("ADD", e.ns, "ctr-mac", conf, macs[_i].cni_args ? extra : NULL, &add);
	if (macs[_i].err) {
		assert_cni_error(&add, 7, macs[_i].err);
		assert_nothing_created(&e);
		assert_reservations(e.dir, 0);
		return;
	}
	assert_run_ok(&add);
	ck_assert_str_eq(result_iface(&add, 2, "mac"), macs[_i].want);
	eth0 = link_get(e.ns, "eth0");
	ck_assert_str_eq(jstr(eth0, "address"), macs[_i].want);
	json_decref(eth0);
}
END_TEST

START_TEST(opt_force_address)
{
	_cleanup_run_ struct plugin_run no = {0}, yes = {0};
	char conf[2048], ns2[TESTNS_NAMELEN], br2[IFNAMSIZ];
	struct env e;

	env_init(&e);
	ck_assert_int_eq(ip_run(NULL, "link add %s type bridge", e.br), 0);
	ck_assert_int_eq(ip_run(NULL, "addr add 10.20.0.99/24 dev %s", e.br), 0);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":true", NULL);
	br_run("ADD", e.ns, "ctr-fa", conf, NULL, &no);
	assert_cni_error(&no, 999, "already has an IP address different from 10.20.0.1/24");
	/* Rolled back: no veth, no reservation; the foreign address is untouched. */
	ck_assert(!link_exists(e.ns, "eth0"));
	ck_assert_int_eq(ports_of(e.br), 0);
	assert_reservations(e.dir, 0);
	ck_assert(ipj_has_addr(NULL, e.br, "10.20.0.99/24"));
	ck_assert(!ipj_has_addr(NULL, e.br, "10.20.0.1/24"));

	/* forceAddress replaces it (on a bridge of its own: a retry on the first one is
	 * add_after_failed_add's business; the first goes, or its route would take the
	 * replies). */
	ck_assert_int_eq(ip_run(NULL, "link del %s", e.br), 0);
	xfmt(br2, sizeof(br2), "%sf", e.br);
	ck_assert_int_eq(ip_run(NULL, "link add %s type bridge", br2), 0);
	ck_assert_int_eq(ip_run(NULL, "addr add 10.20.0.99/24 dev %s", br2), 0);
	ck_assert_int_eq(testns_create(ns2), 0);
	conf_br(conf, sizeof(conf), "1.1.0", &e, br2, "\"isGateway\":true,\"forceAddress\":true", NULL);
	br_add_ok(ns2, "ctr-fb", conf, NULL, &yes);
	ck_assert(ipj_has_addr(NULL, br2, "10.20.0.1/24"));
	ck_assert(!ipj_has_addr(NULL, br2, "10.20.0.99/24"));
	ck_assert_int_eq(global_addrs(NULL, br2, "inet"), 1);
	ck_assert(ping(ns2, "10.20.0.1"));
}
END_TEST

START_TEST(opt_force_address_ipv6_only_overlapping)
{
	/* IPv6: only an address overlapping the gateway's subnet conflicts. */
	_cleanup_run_ struct plugin_run add = {0}, clash = {0};
	char conf[2048], ns2[TESTNS_NAMELEN];
	struct env e;

	env_init(&e);
	ck_assert_int_eq(ip_run(NULL, "link add %s type bridge", e.br), 0);
	ck_assert_int_eq(ip_run(NULL, "addr add fd99::1/64 dev %s nodad", e.br), 0);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":true", "\"ranges\":[[{\"subnet\":\"fd22::/64\"}]]");
	br_add_ok(e.ns, "ctr-f6", conf, NULL, &add);
	ck_assert(ipj_has_addr(NULL, e.br, "fd99::1/64"));
	ck_assert(ipj_has_addr(NULL, e.br, "fd22::1/64"));
	ck_assert_int_eq(ip_run(NULL, "addr add fd23::99/64 dev %s nodad", e.br), 0);
	ck_assert_int_eq(testns_create(ns2), 0);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":true", "\"ranges\":[[{\"subnet\":\"fd23::/64\"}]]");
	br_run("ADD", ns2, "ctr-f6b", conf, NULL, &clash);
	assert_cni_error(&clash, 999, "already has an IP address different from fd23::1/64");
	ck_assert(!link_exists(ns2, "eth0"));
	ck_assert_int_eq(ports_of(e.br), 1);
	assert_reservations(e.dir, 1);
}
END_TEST

START_TEST(opt_dns)
{
	_cleanup_run_ struct plugin_run over = {0}, ipam = {0};
	char conf[4096], rc[PATH_MAX + 16], keys[PATH_MAX + 128], ns2[TESTNS_NAMELEN];
	struct env e;
	int fd;

	env_init(&e);
	xfmt(rc, sizeof(rc), "%s/resolv.conf", e.dir);
	fd = open(rc, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "nameserver 10.0.0.53\nsearch ipam.example\n", 41), 41);
	close(fd);
	xfmt(keys, sizeof(keys), R4 ",\"resolvConf\":\"%s\"", rc);
	conf_of(conf, sizeof(conf), "1.1.0", &e,
		"\"dns\":{\"nameservers\":[\"9.9.9.9\"],\"search\":[\"svc.example\"],\"options\":[\"ndots:5\"]}", keys);
	br_add_ok(e.ns, "ctr-dns1", conf, NULL, &over);
	assert_json_equal(json_object_get(over.json, "dns"),
			  "{\"nameservers\":[\"9.9.9.9\"],\"search\":[\"svc.example\"],\"options\":[\"ndots:5\"]}");
	/* Without its own dns the bridge reports IPAM's. */
	ck_assert_int_eq(testns_create(ns2), 0);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, keys);
	br_add_ok(ns2, "ctr-dns2", conf, NULL, &ipam);
	assert_json_equal(json_object_get(ipam.json, "dns"), "{\"nameservers\":[\"10.0.0.53\"],\"search\":[\"ipam.example\"]}");
}
END_TEST

START_TEST(opt_not_a_gateway)
{
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":false", NULL);
	br_add_ok(e.ns, "ctr-nogw", conf, NULL, &add);
	ck_assert_int_eq(global_addrs(NULL, e.br, "inet"), 0);
	ck_assert(ipj_has_addr(e.ns, "eth0", "10.20.0.2/24"));
	ck_assert_int_eq(n_default_routes(e.ns, "-4"), 0);
	/* IPAM's gateway is reported as it came; no default route was asked for. */
	assert_json_equal(json_object_get(add.json, "ips"),
			  "[{\"interface\":2,\"address\":\"10.20.0.2/24\",\"gateway\":\"10.20.0.1\"}]");
	ck_assert_ptr_null(json_object_get(add.json, "routes"));
}
END_TEST

START_TEST(opt_default_bridge_name)
{
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048];
	struct env e;

	env_init(&e);
	ck_assert(!link_exists(NULL, "cni0"));
	conf_br(conf, sizeof(conf), "1.1.0", &e, NULL, NULL, NULL);
	br_add_ok(e.ns, "ctr-cni0", conf, NULL, &add);
	ck_assert_str_eq(result_iface(&add, 0, "name"), "cni0");
	ck_assert_int_eq(ports_of("cni0"), 1);
	br_del_ok(e.ns, "ctr-cni0", conf);
	ck_assert_int_eq(ip_run(NULL, "link del cni0"), 0);
}
END_TEST

START_TEST(opt_enabledad)
{
	_cleanup_run_ struct plugin_run add = {0}, plain = {0};
	json_t *holder = NULL;
	const json_t *ai;
	char conf[2048], ns2[TESTNS_NAMELEN];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"enabledad\":true", "\"ranges\":[[{\"subnet\":\"fd24::/64\"}]]");
	br_add_ok(e.ns, "ctr-dad", conf, NULL, &add);
	/* DAD ran (the address was added without nodad) and ADD waited for its end: right
	 * after ADD the address is no longer tentative. */
	ai = addr_info(e.ns, "eth0", "fd24::2", &holder);
	ck_assert_msg(ai != NULL, "no fd24::2 on eth0: %s", jdump(holder));
	ck_assert_msg(!json_is_true(json_object_get(ai, "nodad")), "DAD was skipped: %s", jdump(ai));
	ck_assert_msg(!json_is_true(json_object_get(ai, "tentative")), "ADD did not wait for DAD: %s", jdump(ai));
	ck_assert_msg(!json_is_true(json_object_get(ai, "dadfailed")), "DAD failed: %s", jdump(ai));
	json_decref(holder);
	/* Without enabledad there is no DAD at all. */
	ck_assert_int_eq(testns_create(ns2), 0);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, "\"ranges\":[[{\"subnet\":\"fd24::/64\"}]]");
	br_add_ok(ns2, "ctr-nodad", conf, NULL, &plain);
	ai = addr_info(ns2, "eth0", "fd24::3", &holder);
	ck_assert_msg(ai != NULL, "no fd24::3 on eth0: %s", jdump(holder));
	ck_assert_msg(json_is_true(json_object_get(ai, "nodad")), "expected nodad: %s", jdump(ai));
	json_decref(holder);
}
END_TEST

START_TEST(opt_enabledad_failure)
{
	/* Someone already has the address on the link: DAD fails; or DAD cannot finish within
	 * the plugin's bound: "try again later" (11). Either way the ADD is rolled back. */
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048], links[512];
	struct env e;

	env_init(&e);
	if (_i == 0) {
		ck_assert_int_eq(ip_run(NULL, "link add %s type bridge", e.br), 0);
		ck_assert_int_eq(ip_run(NULL, "link set %s up", e.br), 0);
		ck_assert_int_eq(ip_run(NULL, "addr add fd24::2/64 dev %s nodad", e.br), 0);
	} else {
		/* 100 probes a second apart: far beyond the plugin's 5 s. */
		ck_assert_int_eq(ip_run(NULL, "netns exec %s sysctl -q -w net.ipv6.conf.default.dad_transmits=100", e.ns),
				 0);
	}
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"enabledad\":true", "\"ranges\":[[{\"subnet\":\"fd24::/64\"}]]");
	br_run("ADD", e.ns, "ctr-dadf", conf, NULL, &add);
	if (_i == 0)
		assert_cni_error(&add, 999, "duplicate address detection failed for fd24::2/64");
	else
		assert_cni_error(&add, 11, "duplicate address detection");
	ck_assert_msg(other_links(e.ns, links, sizeof(links)) == 0, "left in the pod:%s", links);
	ck_assert_int_eq(ports_of(e.br), 0);
	assert_reservations(e.dir, 0);
}
END_TEST

START_TEST(opt_disable_container_interface)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0}, bad = {0};
	char conf[2048], ns2[TESTNS_NAMELEN];
	char *conf_prev;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"disableContainerInterface\":true", L2);
	br_add_ok(e.ns, "ctr-dci", conf, NULL, &add);
	assert_link_up(e.ns, "eth0", false);
	ck_assert_int_eq(ports_of(e.br), 1);
	conf_prev = with_prev(conf, add.json);
	br_run("CHECK", e.ns, "ctr-dci", conf_prev, NULL, &chk);
	assert_run_ok(&chk);
	br_del_ok(e.ns, "ctr-dci", conf_prev);
	free(conf_prev);
	ck_assert(!link_exists(e.ns, "eth0"));
	/* With an IPAM type it is a contradiction. */
	ck_assert_int_eq(testns_create(ns2), 0);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"disableContainerInterface\":true", NULL);
	br_run("ADD", ns2, "ctr-dci2", conf, NULL, &bad);
	assert_cni_error(&bad, 7, "disableContainerInterface");
	ck_assert(!link_exists(ns2, "eth0"));
	assert_reservations(e.dir, 0);
}
END_TEST

START_TEST(ipam_routes_applied)
{
	/* IPAM's routes go into the pod: a route without gw uses the family's gateway;
	 * 1.1.0 route priority and table are honoured. */
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	json_t *rt;
	char conf[2048];
	char *conf_prev;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":true",
		R4 ",\"routes\":[{\"dst\":\"192.168.0.0/16\",\"gw\":\"10.20.0.254\",\"priority\":100},"
		   "{\"dst\":\"172.16.0.0/12\"},{\"dst\":\"10.200.0.0/16\",\"table\":100}]");
	br_add_ok(e.ns, "ctr-routes", conf, NULL, &add);
	rt = ipj(e.ns, "route show 192.168.0.0/16");
	ck_assert_msg(json_array_size(rt) == 1 && jstr(json_array_get(rt, 0), "gateway") &&
			      strcmp(jstr(json_array_get(rt, 0), "gateway"), "10.20.0.254") == 0 &&
			      jint(json_array_get(rt, 0), "metric") == 100,
		      "192.168.0.0/16: %s", jdump(rt));
	json_decref(rt);
	rt = ipj(e.ns, "route show 172.16.0.0/12");
	ck_assert_msg(json_array_size(rt) == 1 && jstr(json_array_get(rt, 0), "gateway") &&
			      strcmp(jstr(json_array_get(rt, 0), "gateway"), "10.20.0.1") == 0,
		      "172.16.0.0/12: %s", jdump(rt));
	json_decref(rt);
	rt = ipj(e.ns, "route show table 100");
	ck_assert_msg(json_array_size(rt) == 1 && strcmp(jstr(json_array_get(rt, 0), "dst"), "10.200.0.0/16") == 0,
		      "table 100: %s", jdump(rt));
	json_decref(rt);
	conf_prev = with_prev(conf, add.json);
	br_run("CHECK", e.ns, "ctr-routes", conf_prev, NULL, &chk);
	assert_run_ok(&chk);
	free(conf_prev);
}
END_TEST

START_TEST(opt_default_gateway_from_ipam)
{
	/* isDefaultGateway adds no second default route when IPAM already gives one with a
	 * gateway; the gateway still goes on the bridge. */
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isDefaultGateway\":true",
		R4 ",\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.20.0.254\"}]");
	br_add_ok(e.ns, "ctr-dgw", conf, NULL, &add);
	assert_json_equal(json_object_get(add.json, "routes"), "[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.20.0.254\"}]");
	ck_assert_int_eq(n_default_routes(e.ns, "-4"), 1);
	ck_assert(has_default_route(e.ns, "-4", "10.20.0.254", "eth0"));
	ck_assert(ipj_has_addr(NULL, e.br, "10.20.0.1/24"));
}
END_TEST

static const struct {
	const char *opts, *ipam, *br, *msg;
	unsigned code;
} bad_confs[] = {
	{"\"mtu\":\"1400\"", NULL, NULL, "mtu", 7},
	{"\"mtu\":70000", NULL, NULL, "mtu", 7},
	{"\"isGateway\":\"yes\"", NULL, NULL, "isGateway", 7},
	{NULL, NULL, "averylongbridgename", "bridge", 7},
	{"\"dns\":{\"nameservers\":\"1.1.1.1\"}", NULL, NULL, "dns", 7},
	{NULL, "{\"type\":\"no-such-ipam\"}", NULL, "no-such-ipam", 7},
	{NULL, "{\"type\":\"host-local\"}", NULL, "no IP ranges specified", 7},
	{"\"runtimeConfig\":{\"mac\":7}", NULL, NULL, "runtimeConfig.mac", 7},
};

START_TEST(config_errors)
{
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048];
	struct env e;

	env_init(&e);
	conf_br(conf, sizeof(conf), "1.0.0", &e, bad_confs[_i].br ? bad_confs[_i].br : e.br, bad_confs[_i].opts,
		bad_confs[_i].ipam);
	br_run("ADD", e.ns, "ctr-bad", conf, NULL, &add);
	assert_cni_error(&add, bad_confs[_i].code, bad_confs[_i].msg);
	assert_cni_version(&add, "1.0.0");
	/* Nothing of the pod is left, whether the error was found before or after the veth. */
	ck_assert(!link_exists(e.ns, "eth0"));
	if (link_exists(NULL, e.br))
		ck_assert_int_eq(ports_of(e.br), 0);
	assert_reservations(e.dir, 0);
}
END_TEST

START_TEST(bridge_name_taken)
{
	/* A link of that name that is not a bridge: refused before anything else. */
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048], peer[IFNAMSIZ];
	struct env e;

	env_init(&e);
	xfmt(peer, sizeof(peer), "%sp", e.br);
	ck_assert_int_eq(ip_run(NULL, "link add %s type veth peer name %s", e.br, peer), 0);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":true", NULL);
	br_run("ADD", e.ns, "ctr-nb", conf, NULL, &add);
	assert_cni_error(&add, 7, "already exists but is not a bridge");
	ck_assert(!link_exists(e.ns, "eth0"));
	assert_reservations(e.dir, 0);
	ck_assert_int_eq(global_addrs(NULL, e.br, "inet"), 0);
}
END_TEST

START_TEST(opt_gateway_forwarding)
{
	/* The gateway is IPAM's when it has one (else network+1); isGateway turns forwarding
	 * on for each family (this namespace's sysctls, reset first). */
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048], v4[8] = "", v6[8] = "";
	struct env e;
	int fd;

	env_init(&e);
	fd = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "0", 1), 1);
	close(fd);
	fd = open("/proc/sys/net/ipv6/conf/all/forwarding", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "0", 1), 1);
	close(fd);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isDefaultGateway\":true",
		"\"ranges\":[[{\"subnet\":\"10.25.0.0/24\",\"gateway\":\"10.25.0.254\"}],"
		"[{\"subnet\":\"fd25::/64\",\"gateway\":\"fd25::fe\"}]]");
	br_add_ok(e.ns, "ctr-fwd", conf, NULL, &add);
	ck_assert(ipj_has_addr(NULL, e.br, "10.25.0.254/24"));
	ck_assert(ipj_has_addr(NULL, e.br, "fd25::fe/64"));
	ck_assert(has_default_route(e.ns, "-4", "10.25.0.254", "eth0"));
	ck_assert(has_default_route(e.ns, "-6", "fd25::fe", "eth0"));
	fd = open("/proc/sys/net/ipv4/ip_forward", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(read(fd, v4, sizeof(v4) - 1), 1);
	close(fd);
	fd = open("/proc/sys/net/ipv6/conf/all/forwarding", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(read(fd, v6, sizeof(v6) - 1), 1);
	close(fd);
	ck_assert_msg(v4[0] == '1', "ip_forward is %s", v4);
	ck_assert_msg(v6[0] == '1', "ipv6 forwarding is %s", v6);
	ck_assert(ping(e.ns, "10.25.0.254"));
}
END_TEST

START_TEST(cni_path_only_for_delegates)
{
	/* CNI_PATH is needed only to find the IPAM plugin. */
	const char *no_path[] = {"-CNI_PATH", NULL};
	_cleanup_run_ struct plugin_run l2 = {0}, l3 = {0};
	char conf[2048], ns2[TESTNS_NAMELEN];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, L2);
	br_add_ok(e.ns, "ctr-nopath", conf, no_path, &l2);
	ck_assert(link_exists(e.ns, "eth0"));
	ck_assert_int_eq(testns_create(ns2), 0);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, NULL);
	br_run("ADD", ns2, "ctr-nopath2", conf, no_path, &l3);
	assert_cni_error(&l3, 4, "CNI_PATH");
	ck_assert(!link_exists(ns2, "eth0"));
	ck_assert_int_eq(ports_of(e.br), 1);
	assert_reservations(e.dir, 0);
}
END_TEST

/* ---- rollback ---- */

START_TEST(rollback_ipam_exhausted)
{
	_cleanup_run_ struct plugin_run first = {0}, add = {0}, direct = {0};
	char conf[2048], ns2[TESTNS_NAMELEN], links[512];
	struct env e;

	env_init(&e);
	ck_assert_int_eq(testns_create(ns2), 0);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":true",
		"\"ranges\":[[{\"subnet\":\"10.20.0.0/24\",\"rangeStart\":\"10.20.0.5\",\"rangeEnd\":\"10.20.0.5\"}]]");
	br_add_ok(e.ns, "ctr-ex1", conf, NULL, &first);
	br_run("ADD", ns2, "ctr-ex2", conf, NULL, &add);
	assert_cni_error(&add, 999, "no IP addresses available in range set: 10.20.0.5-10.20.0.5");
	/* IPAM's error object, passed through unchanged. */
	ck_assert_int_eq(plugin_exec("host-local", "ADD", ns2, "eth0", "ctr-ex3", conf, NULL, &direct), 0);
	assert_cni_error(&direct, 999, NULL);
	ck_assert_msg(json_equal(add.json, direct.json), "bridge said %s, host-local said %s", jdump(add.json),
		      jdump(direct.json));
	/* Nothing of the failed ADD is left. */
	ck_assert_msg(other_links(ns2, links, sizeof(links)) == 0, "left in the pod:%s", links);
	ck_assert_int_eq(ports_of(e.br), 1);
	assert_reservations(e.dir, 1);
	ck_assert(store_has(e.dir, "10.20.0.5"));
}
END_TEST

START_TEST(rollback_gateway_conflict)
{
	/* IPAM succeeded, then the gateway cannot go on the bridge. */
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048], links[512];
	struct env e;

	env_init(&e);
	ck_assert_int_eq(ip_run(NULL, "link add %s type bridge", e.br), 0);
	ck_assert_int_eq(ip_run(NULL, "addr add 192.168.77.1/24 dev %s", e.br), 0);
	conf_of(conf, sizeof(conf), "1.0.0", &e, "\"isDefaultGateway\":true", R46);
	br_run("ADD", e.ns, "ctr-rb", conf, NULL, &add);
	assert_cni_error(&add, 999, "already has an IP address different from");
	ck_assert_msg(other_links(e.ns, links, sizeof(links)) == 0, "left in the pod:%s", links);
	ck_assert_int_eq(ports_of(e.br), 0);
	assert_reservations(e.dir, 0);
}
END_TEST

START_TEST(rollback_container_route_fails)
{
	/* A route whose gateway is unreachable from the pod fails in the container. */
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048], links[512];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":true",
		R4 ",\"routes\":[{\"dst\":\"10.99.0.0/16\",\"gw\":\"192.168.250.1\"}]");
	br_run("ADD", e.ns, "ctr-rt", conf, NULL, &add);
	assert_cni_error(&add, 999, "10.99.0.0/16");
	ck_assert_msg(other_links(e.ns, links, sizeof(links)) == 0, "left in the pod:%s", links);
	ck_assert_int_eq(ports_of(e.br), 0);
	assert_reservations(e.dir, 0);
}
END_TEST

START_TEST(add_after_failed_add)
{
	/* The first ADD on a new bridge fails after its veth joined the bridge; the rollback
	 * leaves the bridge without ports, and the kernel then gives it the MAC
	 * 00:00:00:00:00:00. The runtime's retry, once the cause is gone, must work
	 * (containernetworking/plugins#620: the reference fails for ever with "could not set
	 * bridge's mac" until the bridge is deleted by hand). */
	_cleanup_run_ struct plugin_run hold = {0}, fail = {0}, rel = {0}, again = {0};
	char conf[2048], good[2048];
	json_t *br;
	struct env e;

	env_init(&e);
	conf_of(good, sizeof(good), "1.1.0", &e, "\"isGateway\":true",
		"\"ranges\":[[{\"subnet\":\"10.20.0.0/24\",\"rangeStart\":\"10.20.0.5\",\"rangeEnd\":\"10.20.0.5\"}]]");
	if (_i == 0) {
		/* IPAM exhausted: the only address is held by a pod on another node's DEL path. */
		ck_assert_int_eq(plugin_exec("host-local", "ADD", e.ns, "eth0", "ctr-holder", good, NULL, &hold), 0);
		assert_run_ok(&hold);
		xfmt(conf, sizeof(conf), "%s", good);
	} else {
		/* A config error only the container side reveals. */
		conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":true",
			"\"ranges\":[[{\"subnet\":\"10.20.0.0/24\",\"rangeStart\":\"10.20.0.5\",\"rangeEnd\":"
			"\"10.20.0.5\"}]],\"routes\":[{\"dst\":\"10.99.0.0/16\",\"gw\":\"192.168.250.1\"}]");
	}
	br_run("ADD", e.ns, "ctr-retry", conf, NULL, &fail);
	assert_cni_error(&fail, 999, NULL);
	ck_assert(link_exists(NULL, e.br));
	ck_assert_int_eq(ports_of(e.br), 0);
	if (_i == 0) {
		ck_assert_int_eq(plugin_exec("host-local", "DEL", e.ns, "eth0", "ctr-holder", good, NULL, &rel), 0);
		assert_run_ok(&rel);
	}
	br_run("ADD", e.ns, "ctr-retry", good, NULL, &again);
	assert_run_ok(&again);
	ck_assert_str_eq(result_ip(&again, 0), "10.20.0.5/24");
	ck_assert(ipj_has_addr(NULL, e.br, "10.20.0.1/24"));
	br = link_get(NULL, e.br);
	ck_assert_str_ne(jstr(br, "address"), "00:00:00:00:00:00");
	ck_assert_str_eq(result_iface(&again, 0, "mac"), jstr(br, "address"));
	json_decref(br);
	ck_assert(ping(e.ns, "10.20.0.1"));
}
END_TEST

START_TEST(rollback_ifname_exists)
{
	_cleanup_run_ struct plugin_run add = {0};
	json_t *eth0, *peer;
	struct env e;
	char conf[2048], links[512];

	env_init(&e);
	ck_assert_int_eq(ip_run(e.ns, "link add eth0 type veth peer name peer0"), 0);
	/* _i == 1: the bridge exists already (the clash is then found by the veth creation). */
	if (_i == 1) {
		ck_assert_int_eq(ip_run(NULL, "link add %s type bridge", e.br), 0);
		(void)other_links(NULL, e.host_before, sizeof(e.host_before));
	}
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":true", NULL);
	br_run("ADD", e.ns, "ctr-ife", conf, NULL, &add);
	assert_cni_error(&add, 7, "\"eth0\" already exists");
	/* Known before anything changes, so nothing was: no reservation, no veth, not even
	 * the bridge; the pod's own pair is untouched. */
	assert_reservations(e.dir, 0);
	ck_assert_msg(other_links_except(NULL, e.host_before, links, sizeof(links)) == 0, "created on the host: %s",
		      links);
	eth0 = link_get(e.ns, "eth0");
	peer = link_get(e.ns, "peer0");
	ck_assert_ptr_nonnull(eth0);
	ck_assert_ptr_nonnull(peer);
	ck_assert_str_eq(jstr(eth0, "link"), "peer0"); /* its peer, in the same namespace */
	ck_assert_msg(other_links(e.ns, links, sizeof(links)) == 2, "in the pod: %s", links);
	json_decref(eth0);
	json_decref(peer);
}
END_TEST

/* ---- DEL as runtimes do it ---- */

START_TEST(del_netns_gone)
{
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":true", NULL);
	br_add_ok(e.ns, "ctr-gone", conf, NULL, &add);
	ck_assert_int_eq(testns_destroy(e.ns), 0);
	br_del_ok(e.ns, "ctr-gone", conf);
	assert_reservations(e.dir, 0);
	br_del_ok(e.ns, "ctr-gone", conf);
}
END_TEST

START_TEST(del_netns_empty_or_unset)
{
	static const char *const netns[] = {"", NULL};
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, NULL);
	br_add_ok(e.ns, "ctr-nons", conf, NULL, &add);
	br_del_ok(netns[_i], "ctr-nons", conf);
	assert_reservations(e.dir, 0);
	/* Without a namespace the pod end cannot be reached; the host is left alone. */
	ck_assert(link_exists(NULL, e.br));
}
END_TEST

START_TEST(del_netns_not_a_namespace)
{
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048], file[PATH_MAX + 16];
	struct env e;
	int fd;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, NULL);
	br_add_ok(e.ns, "ctr-file", conf, NULL, &add);
	xfmt(file, sizeof(file), "%s/not-a-netns", e.dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* The reference fails here and leaks the address (§7 #9). */
	br_del_ok(file, "ctr-file", conf);
	assert_reservations(e.dir, 0);
}
END_TEST

START_TEST(del_eth0_already_gone)
{
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, NULL);
	br_add_ok(e.ns, "ctr-byhand", conf, NULL, &add);
	ck_assert_int_eq(ip_run(e.ns, "link del eth0"), 0);
	br_del_ok(e.ns, "ctr-byhand", conf);
	assert_reservations(e.dir, 0);
	ck_assert_int_eq(ports_of(e.br), 0);
}
END_TEST

/* ---- CHECK failures ---- */

START_TEST(check_address_removed)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	char conf[2048];
	char *conf_prev;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":true", NULL);
	br_add_ok(e.ns, "ctr-ca", conf, NULL, &add);
	ck_assert_int_eq(ip_run(e.ns, "addr del 10.20.0.2/24 dev eth0"), 0);
	conf_prev = with_prev(conf, add.json);
	br_run("CHECK", e.ns, "ctr-ca", conf_prev, NULL, &chk);
	assert_cni_error(&chk, 999, "10.20.0.2/24");
	free(conf_prev);
}
END_TEST

START_TEST(check_host_veth_removed)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	char conf[2048];
	char *conf_prev;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":true", NULL);
	br_add_ok(e.ns, "ctr-cv", conf, NULL, &add);
	ck_assert_int_eq(ip_run(NULL, "link del %s", result_iface(&add, 1, "name")), 0);
	conf_prev = with_prev(conf, add.json);
	br_run("CHECK", e.ns, "ctr-cv", conf_prev, NULL, &chk);
	assert_cni_error(&chk, 999, "eth0");
	free(conf_prev);
}
END_TEST

START_TEST(check_mac_changed)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	char conf[2048];
	char *conf_prev;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, NULL);
	br_add_ok(e.ns, "ctr-cm", conf, NULL, &add);
	ck_assert_int_eq(ip_run(e.ns, "link set eth0 address 0a:58:0a:14:00:63"), 0);
	conf_prev = with_prev(conf, add.json);
	br_run("CHECK", e.ns, "ctr-cm", conf_prev, NULL, &chk);
	assert_cni_error(&chk, 999, "0a:58:0a:14:00:63");
	free(conf_prev);
}
END_TEST

START_TEST(check_bridge_removed)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	char conf[2048];
	char *conf_prev;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, NULL);
	br_add_ok(e.ns, "ctr-cb", conf, NULL, &add);
	ck_assert_int_eq(ip_run(NULL, "link del %s", e.br), 0);
	conf_prev = with_prev(conf, add.json);
	br_run("CHECK", e.ns, "ctr-cb", conf_prev, NULL, &chk);
	assert_cni_error(&chk, 999, e.br);
	free(conf_prev);
}
END_TEST

START_TEST(check_route_removed)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	char conf[2048];
	char *conf_prev;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isDefaultGateway\":true", NULL);
	br_add_ok(e.ns, "ctr-cr", conf, NULL, &add);
	ck_assert_int_eq(ip_run(e.ns, "route del default via 10.20.0.1"), 0);
	conf_prev = with_prev(conf, add.json);
	br_run("CHECK", e.ns, "ctr-cr", conf_prev, NULL, &chk);
	assert_cni_error(&chk, 999, "0.0.0.0/0");
	free(conf_prev);
}
END_TEST

START_TEST(check_reservation_gone)
{
	/* CHECK asks IPAM too: a reservation released behind the pod's back is an error. */
	_cleanup_run_ struct plugin_run add = {0}, del = {0}, chk = {0};
	char conf[2048];
	char *conf_prev;
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, NULL);
	br_add_ok(e.ns, "ctr-cg", conf, NULL, &add);
	ck_assert_int_eq(plugin_exec("host-local", "DEL", e.ns, "eth0", "ctr-cg", conf, NULL, &del), 0);
	assert_run_ok(&del);
	conf_prev = with_prev(conf, add.json);
	br_run("CHECK", e.ns, "ctr-cg", conf_prev, NULL, &chk);
	assert_cni_error(&chk, 999, "Failed to find address added by container ctr-cg");
	free(conf_prev);
}
END_TEST

START_TEST(check_without_prev_result)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	char conf[2048];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, NULL);
	br_add_ok(e.ns, "ctr-np", conf, NULL, &add);
	br_run("CHECK", e.ns, "ctr-np", conf, NULL, &chk);
	assert_cni_error(&chk, 7, "prevResult");
}
END_TEST

/* ---- the own namespace ---- */

START_TEST(netns_own_refused_before_anything)
{
	_cleanup_run_ struct plugin_run add = {0};
	char conf[2048];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isDefaultGateway\":true", NULL);
	br_run("ADD", "/proc/self/ns/net", "ctr-own", conf, NULL, &add);
	assert_cni_error(&add, 8, "should not be the same");
	/* Nothing at all: no bridge, no veth, no reservation (the reference has already
	 * done all three by the time it checks). */
	assert_nothing_created(&e);
	ck_assert(!link_exists(NULL, e.br));
	assert_reservations(e.dir, 0);
}
END_TEST

START_TEST(netns_missing)
{
	static const char *const cmds[] = {"ADD", "CHECK"};
	_cleanup_run_ struct plugin_run r = {0};
	char conf[2048], path[PATH_MAX];
	struct env e;

	env_init(&e);
	xfmt(path, sizeof(path), "%s-gone", e.nspath);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isGateway\":true", NULL);
	br_run(cmds[_i], path, "ctr-miss", conf, NULL, &r);
	assert_cni_error(&r, 3, path);
	assert_nothing_created(&e);
	assert_reservations(e.dir, 0);
}
END_TEST

/* ---- STATUS and GC, forwarded to IPAM ---- */

START_TEST(status_forwarded)
{
	_cleanup_run_ struct plugin_run ok = {0}, l2 = {0}, bad = {0};
	char conf[2048], file[PATH_MAX + 16];
	struct env e;
	int fd;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, NULL);
	ck_assert_int_eq(plugin_exec("bridge", "STATUS", NULL, NULL, NULL, conf, NULL, &ok), 0);
	assert_run_ok(&ok);
	ck_assert_msg(ok.out_len == 0, "STATUS printed: %s", ok.out);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, L2);
	ck_assert_int_eq(plugin_exec("bridge", "STATUS", NULL, NULL, NULL, conf, NULL, &l2), 0);
	assert_run_ok(&l2);
	/* host-local's "not available" comes through as is. */
	xfmt(file, sizeof(file), "%s/plain", e.dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	xfmt(conf, sizeof(conf),
	     "{\"cniVersion\":\"1.1.0\",\"name\":\"" NET "\",\"type\":\"bridge\",\"ipam\":{\"type\":"
	     "\"host-local\",\"dataDir\":\"%s/sub\"," R4 "}}",
	     file);
	ck_assert_int_eq(plugin_exec("bridge", "STATUS", NULL, NULL, NULL, conf, NULL, &bad), 0);
	assert_cni_error(&bad, 50, "not usable");
	assert_nothing_created(&e);
}
END_TEST

START_TEST(gc_forwarded)
{
	_cleanup_run_ struct plugin_run add = {0}, orphan = {0}, gc = {0};
	char conf[2048], gcconf[2048];
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, NULL);
	br_add_ok(e.ns, "ctr-live", conf, NULL, &add);
	/* A reservation whose pod is long gone (its DEL never came). */
	ck_assert_int_eq(plugin_exec("host-local", "ADD", e.ns, "eth0", "ctr-orphan", conf, NULL, &orphan), 0);
	assert_run_ok(&orphan);
	assert_reservations(e.dir, 2);
	conf_of(gcconf, sizeof(gcconf), "1.1.0", &e,
		"\"cni.dev/valid-attachments\":[{\"containerID\":\"ctr-live\",\"ifname\":\"eth0\"}]", NULL);
	ck_assert_int_eq(plugin_exec("bridge", "GC", NULL, NULL, NULL, gcconf, NULL, &gc), 0);
	assert_run_ok(&gc);
	ck_assert_msg(gc.out_len == 0, "GC printed: %s", gc.out);
	assert_reservations(e.dir, 1);
	ck_assert(store_has(e.dir, "10.20.0.2"));
	ck_assert(!store_has(e.dir, "10.20.0.3"));
	/* The live pod is untouched. */
	ck_assert(ipj_has_addr(e.ns, "eth0", "10.20.0.2/24"));
}
END_TEST

/* ---- delegation: in-process (the multicall binary) and exec'd ---- */

#define GO_CNI_DIR "/usr/lib/cni"

/* A copy of our multicall binary named host-local in a directory of its own: not "this
 * very executable", so the bridge has to exec it like any third-party IPAM plugin. */
static void copy_hostlocal(const struct env *e, char dir[static PATH_MAX])
{
	char src[PATH_MAX], dst[PATH_MAX + 16];
	int in, out;
	ssize_t n;
	char buf[65536];

	xfmt(dir, PATH_MAX, "%s/cni-bin", e->dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	xfmt(src, sizeof(src), "%s/host-local", getenv("CNI_TEST_BIN"));
	xfmt(dst, sizeof(dst), "%s/host-local", dir);
	in = open(src, O_RDONLY | O_CLOEXEC);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	ck_assert_msg(in >= 0 && out >= 0, "copy %s to %s: %s", src, dst, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	ck_assert_int_eq(n, 0);
	close(in);
	close(out);
}

/* ADD, CHECK, DEL and an exhausted range through the IPAM found in cni_path; the error
 * object of an exhausted range is returned for comparison. */
static void delegate_cycle(const struct env *e, const char *cni_path, const char *version, json_t **ret_err)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0}, full = {0}, del = {0};
	char path_env[PATH_MAX + 16], conf[2048], ns2[TESTNS_NAMELEN];
	const char *extra[] = {path_env, NULL};
	char *conf_prev;

	xfmt(path_env, sizeof(path_env), "CNI_PATH=%s", cni_path);
	conf_of(conf, sizeof(conf), version, e, "\"isDefaultGateway\":true",
		"\"ranges\":[[{\"subnet\":\"10.20.0.0/24\",\"rangeStart\":\"10.20.0.2\",\"rangeEnd\":\"10.20.0.2\"}]]");
	br_add_ok(e->ns, "ctr-dlg", conf, extra, &add);
	ck_assert_str_eq(result_ip(&add, 0), "10.20.0.2/24");
	ck_assert(ipj_has_addr(e->ns, "eth0", "10.20.0.2/24"));
	ck_assert(store_has(e->dir, "10.20.0.2"));
	conf_prev = with_prev(conf, add.json);
	br_run("CHECK", e->ns, "ctr-dlg", conf_prev, extra, &chk);
	assert_run_ok(&chk);
	ck_assert_int_eq(testns_create(ns2), 0);
	br_run("ADD", ns2, "ctr-dlg2", conf, extra, &full);
	assert_cni_error(&full, 999, "no IP addresses available");
	ck_assert(!link_exists(ns2, "eth0"));
	*ret_err = json_incref(full.json);
	br_run("DEL", e->ns, "ctr-dlg", conf_prev, extra, &del);
	free(conf_prev);
	assert_run_ok(&del);
	assert_reservations(e->dir, 0);
	ck_assert(!link_exists(e->ns, "eth0"));
	ck_assert_int_eq(ports_of(e->br), 0);
}

START_TEST(delegate_exec_same_as_in_process)
{
	_cleanup_run_ struct plugin_run a1 = {0}, a2 = {0};
	const char *mac_only[] = {"CNI_ARGS=MAC=0a:58:00:00:00:07", NULL};
	char dir[PATH_MAX], conf[2048], ns2[TESTNS_NAMELEN], env2[PATH_MAX + 16];
	const char *mac_exec[] = {"CNI_ARGS=MAC=0a:58:00:00:00:07", env2, NULL};
	json_t *err_in = NULL, *err_exec = NULL;
	struct env e;

	env_init(&e);
	copy_hostlocal(&e, dir);
	delegate_cycle(&e, getenv("CNI_TEST_BIN"), "1.1.0", &err_in);
	delegate_cycle(&e, dir, "1.1.0", &err_exec);
	/* The same error object either way. */
	ck_assert_msg(json_equal(err_in, err_exec), "in-process %s, exec'd %s", jdump(err_in), jdump(err_exec));
	json_decref(err_in);
	json_decref(err_exec);
	/* CNI_ARGS are interpreted by each plugin with its own keys: MAC is the bridge's and
	 * unknown to host-local (IgnoreUnknown is how runtimes pass such sets). */
	conf_of(conf, sizeof(conf), "1.1.0", &e, NULL, NULL);
	br_run("ADD", e.ns, "ctr-args", conf, mac_only, &a1);
	assert_cni_error(&a1, 4, "MAC");
	xfmt(env2, sizeof(env2), "CNI_PATH=%s", dir);
	ck_assert_int_eq(testns_create(ns2), 0);
	br_run("ADD", ns2, "ctr-args", conf, mac_exec, &a2);
	assert_cni_error(&a2, 4, "MAC");
	ck_assert_msg(json_equal(a1.json, a2.json), "in-process %s, exec'd %s", jdump(a1.json), jdump(a2.json));
	ck_assert(!link_exists(e.ns, "eth0") && !link_exists(ns2, "eth0"));
	assert_reservations(e.dir, 0);
}
END_TEST

START_TEST(delegate_reference_hostlocal)
{
	/* The reference Go host-local as our bridge's IPAM (it speaks up to 1.0.0). */
	json_t *err = NULL;
	struct env e;

	env_init(&e);
	delegate_cycle(&e, GO_CNI_DIR, "1.0.0", &err);
	/* Go's error object has no cniVersion; ours is labelled with the config's. */
	ck_assert_str_eq(jstr(err, "cniVersion"), "1.0.0");
	json_decref(err);
}
END_TEST

/* ---- 32 pods at once ---- */

#define N_PODS 32

START_TEST(parallel_pods)
{
	static struct plugin_job jobs[N_PODS];
	static char ns[N_PODS][TESTNS_NAMELEN], nspath[N_PODS][PATH_MAX], cid[N_PODS][32];
	char conf[2048], seen[256] = {0};
	struct env e;

	env_init(&e);
	conf_of(conf, sizeof(conf), "1.1.0", &e, "\"isDefaultGateway\":true", NULL);
	for (int i = 0; i < N_PODS; i++) {
		ck_assert_int_eq(testns_create(ns[i]), 0);
		testns_path(ns[i], nspath[i]);
		xfmt(cid[i], sizeof(cid[i]), "ctr-par-%d", i);
		jobs[i] = (struct plugin_job){.cid = cid[i], .ifname = "eth0", .netns = nspath[i]};
	}
	plugin_exec_parallel("bridge", "ADD", conf, jobs, N_PODS, PARALLEL_TIMEOUT_S);
	for (int i = 0; i < N_PODS; i++) {
		unsigned d;
		char want[32];

		assert_run_ok(&jobs[i].r);
		ck_assert_int_eq(sscanf(result_ip(&jobs[i].r, 0), "10.20.0.%u/24", &d), 1);
		ck_assert_msg(d >= 2 && d < 255 && !seen[d], "10.20.0.%u handed out twice (or odd)", d);
		seen[d] = 1;
		xfmt(want, sizeof(want), "10.20.0.%u/24", d);
		ck_assert_msg(ipj_has_addr(ns[i], "eth0", want), "%s is not on eth0 in %s", want, ns[i]);
		ck_assert_str_eq(result_iface(&jobs[i].r, 2, "sandbox"), nspath[i]);
	}
	ck_assert_int_eq(ports_of(e.br), N_PODS);
	assert_reservations(e.dir, N_PODS);
	ck_assert(ipj_has_addr(NULL, e.br, "10.20.0.1/24"));
	ck_assert_int_eq(global_addrs(NULL, e.br, "inet"), 1);
	for (int i = 0; i < N_PODS; i++)
		plugin_run_done(&jobs[i].r);
	plugin_exec_parallel("bridge", "DEL", conf, jobs, N_PODS, PARALLEL_TIMEOUT_S);
	for (int i = 0; i < N_PODS; i++) {
		assert_run_ok(&jobs[i].r);
		plugin_run_done(&jobs[i].r);
	}
	ck_assert_int_eq(ports_of(e.br), 0);
	assert_reservations(e.dir, 0);
}
END_TEST

static TCase *bridge_tcase(const char *name, double timeout_s)
{
	TCase *tc = tcase_create(name);

	testns_tcase(tc, timeout_s);
	return tc;
}

Suite *bridge_suite(void)
{
	Suite *s;
	TCase *tc;

	if (!plugin_available("bridge") || !plugin_available("host-local"))
		return NULL;
	s = suite_create("bridge");

	tc = bridge_tcase("lifecycle", 30);
	tcase_add_loop_test(tc, add_check_del_every_version, 0, N_VERSIONS);
	tcase_add_test(tc, dual_stack);
	tcase_add_test(tc, two_pods_talk);
	tcase_add_loop_test(tc, l2_only, V_030, N_VERSIONS);
	tcase_add_loop_test(tc, l2_only_before_030_refused, 0, V_030);
	suite_add_tcase(s, tc);

	tc = bridge_tcase("options", 30);
	tcase_add_test(tc, opt_mtu);
	tcase_add_loop_test(tc, opt_hairpin_isolation, 0, 4);
	tcase_add_test(tc, opt_promisc);
	tcase_add_test(tc, opt_hairpin_and_promisc_refused);
	tcase_add_loop_test(tc, opt_mac, 0, (int)(sizeof(macs) / sizeof(macs[0])));
	tcase_add_test(tc, opt_force_address);
	tcase_add_test(tc, opt_force_address_ipv6_only_overlapping);
	tcase_add_test(tc, opt_dns);
	tcase_add_test(tc, opt_not_a_gateway);
	tcase_add_test(tc, opt_default_bridge_name);
	tcase_add_test(tc, opt_enabledad);
	tcase_add_loop_test(tc, opt_enabledad_failure, 0, 2);
	tcase_add_test(tc, opt_disable_container_interface);
	tcase_add_test(tc, ipam_routes_applied);
	tcase_add_test(tc, opt_default_gateway_from_ipam);
	tcase_add_loop_test(tc, config_errors, 0, (int)(sizeof(bad_confs) / sizeof(bad_confs[0])));
	tcase_add_test(tc, bridge_name_taken);
	tcase_add_test(tc, opt_gateway_forwarding);
	tcase_add_test(tc, cni_path_only_for_delegates);
	suite_add_tcase(s, tc);

	tc = bridge_tcase("rollback", 30);
	tcase_add_test(tc, rollback_ipam_exhausted);
	tcase_add_test(tc, rollback_gateway_conflict);
	tcase_add_test(tc, rollback_container_route_fails);
	tcase_add_loop_test(tc, rollback_ifname_exists, 0, 2);
	tcase_add_loop_test(tc, add_after_failed_add, 0, 2);
	tcase_add_test(tc, netns_own_refused_before_anything);
	tcase_add_loop_test(tc, netns_missing, 0, 2);
	suite_add_tcase(s, tc);

	tc = bridge_tcase("del", 30);
	tcase_add_test(tc, del_netns_gone);
	tcase_add_loop_test(tc, del_netns_empty_or_unset, 0, 2);
	tcase_add_test(tc, del_netns_not_a_namespace);
	tcase_add_test(tc, del_eth0_already_gone);
	suite_add_tcase(s, tc);

	tc = bridge_tcase("check", 30);
	tcase_add_test(tc, check_address_removed);
	tcase_add_test(tc, check_host_veth_removed);
	tcase_add_test(tc, check_mac_changed);
	tcase_add_test(tc, check_route_removed);
	tcase_add_test(tc, check_reservation_gone);
	tcase_add_test(tc, check_bridge_removed);
	tcase_add_test(tc, check_without_prev_result);
	suite_add_tcase(s, tc);

	tc = bridge_tcase("status_gc", 30);
	tcase_add_test(tc, status_forwarded);
	tcase_add_test(tc, gc_forwarded);
	suite_add_tcase(s, tc);

	tc = bridge_tcase("delegate", 30);
	tcase_add_test(tc, delegate_exec_same_as_in_process);
	if (access(GO_CNI_DIR "/host-local", X_OK) == 0)
		tcase_add_test(tc, delegate_reference_hostlocal);
	else
		printf("SKIP bridge delegate_reference_hostlocal: " GO_CNI_DIR "/host-local (Debian's "
		       "containernetworking-plugins) is not installed\n");
	suite_add_tcase(s, tc);

	tc = bridge_tcase("parallel", 90);
	tcase_add_test(tc, parallel_pods);
	suite_add_tcase(s, tc);
	return s;
}
