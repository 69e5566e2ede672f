/* test_ipvlan.c: the ipvlan plugin from outside, in the vm lane (this needs dummy and
 * ipvlan, which only the VM's kernel has). Every test makes its own dummy master in the
 * throwaway host namespace (or in the pod for linkInContainer), its own pods and its own
 * host-local dataDir; the kernel is read back with `ip -j -d`, the store by reading its
 * files. Covers: l2/l3/l3s on one master with two pods (ADD, CHECK, DEL, DEL again, ping),
 * every spec version, dual stack, the default master (default route, chained prevResult,
 * linkInContainer), every error that must come before a reservation (and a repeated ADD
 * that must keep the first one's), rollback (IPAM failure, and a failure after IPAM),
 * CHECK failures (mode, address, link, MAC), DNS, DEL without a namespace and STATUS/GC
 * forwarding. */
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testns.h"

static const char *const versions[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
#define N_VERSIONS ((int)(sizeof(versions) / sizeof(versions[0])))
#define V_030 2 /* first with interfaces/ips */
#define V_040 4 /* first with CHECK */
#define V_100 5 /* first without ips[].version and the empty dns */

static const char *const modes[] = {"l2", "l3", "l3s"};

#define NET "ipvnet"
#define SUBNET "10.90.0.0/24"
#define GW "10.90.0.1"
#define ROUTE "10.200.0.0/16"
#define CID_A "ctr-ipvlan-a"
#define CID_B "ctr-ipvlan-b"
#define TIMEOUT 120 /* each exec costs ~0.1 s under TCG */

/* ---- setup ---- */

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* A dummy master, up, named ipvm<pid>-<n>, in netns (NULL: the throwaway host). */
static void new_master(const char *netns, char name[static IFNAMSIZ])
{
	static unsigned n;

	snprintf(name, IFNAMSIZ, "ipvm%d-%u", (int)(getpid() % 100000), n++);
	ck_assert_int_eq(ip_run(netns, "link add %s type dummy", name), 0);
	ck_assert_int_eq(ip_run(netns, "link set %s up", name), 0);
}

static long long link_int(const char *netns, const char *ifname, const char *key)
{
	json_auto_t *l = ipj_link(netns, ifname);

	ck_assert_msg(l != NULL, "no link %s in %s", ifname, netns ? netns : "the host");
	return json_integer_value(json_object_get(l, key));
}

static void link_mac(const char *netns, const char *ifname, char mac[static 18])
{
	json_auto_t *l = ipj_link(netns, ifname);

	ck_assert_msg(l != NULL, "no link %s in %s", ifname, netns ? netns : "the host");
	snprintf(mac, 18, "%s", json_string_value(json_object_get(l, "address")));
}

/* The config every test starts from: host-local over SUBNET with one route. master and
 * mode NULL leave the key out. */
static json_t *conf_new(const char *version, const char *master, const char *mode, const char *datadir)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:[{s:s}], s:s}}", "cniVersion", version, "name", NET,
			      "type", "ipvlan", "ipam", "type", "host-local", "subnet", SUBNET, "routes", "dst", ROUTE,
			      "dataDir", datadir);

	ck_assert_ptr_nonnull(c);
	if (master)
		json_object_set_new(c, "master", json_string(master));
	if (mode)
		json_object_set_new(c, "mode", json_string(mode));
	return c;
}

static void set_ipam(json_t *conf, const char *key, json_t *value)
{
	json_object_set_new(json_object_get(conf, "ipam"), key, value);
}

/* conf + "prevResult": prev (a copy) */
static json_t *conf_prev(const json_t *conf, const json_t *prev)
{
	json_t *c = json_deep_copy(conf);

	ck_assert_ptr_nonnull(prev);
	json_object_set_new(c, "prevResult", json_deep_copy(prev));
	return c;
}

static void run(const char *cmd, const char *ns, const char *cid, const json_t *conf, const char *extra[],
		struct plugin_run *r)
{
	char *text = json_dumps(conf, JSON_COMPACT);

	ck_assert_ptr_nonnull(text);
	plugin_run_done(r);
	ck_assert_int_eq(plugin_exec("ipvlan", cmd, ns, "eth0", cid, text, extra, r), 0);
	free(text);
}

/* DEL (and DEL again) must succeed silently. */
static void del_ok(const char *ns, const char *cid, const json_t *conf)
{
	_cleanup_run_ struct plugin_run r = {0};

	for (int i = 0; i < 2; i++) {
		run("DEL", ns, cid, conf, NULL, &r);
		assert_run_ok(&r);
		ck_assert_msg(r.out_len == 0, "DEL printed: %s", r.out);
	}
}

static void check_ok(const char *ns, const char *cid, const json_t *conf, const json_t *result)
{
	_cleanup_run_ struct plugin_run r = {0};
	json_auto_t *c = conf_prev(conf, result);

	run("CHECK", ns, cid, c, NULL, &r);
	assert_run_ok(&r);
	ck_assert_msg(r.out_len == 0, "CHECK printed: %s", r.out);
}

/* ---- the host-local store ---- */

static bool is_reservation(const char *name)
{
	return name[0] != '.' && strcmp(name, "lock") != 0 && strncmp(name, "last_reserved_ip.", 17) != 0;
}

/* Reservations (address files) of NET under datadir; a missing directory has none. */
static int store_count(const char *datadir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/" NET, datadir);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += is_reservation(de->d_name);
	closedir(d);
	return n;
}

/* The reservation of ip belongs to cid/eth0. */
static void assert_reserved(const char *datadir, const char *ip, const char *cid)
{
	char path[PATH_MAX], want[128], have[128] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/" NET "/%s", datadir, ip);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s is not reserved (%s missing)", ip, path);
	n = read(fd, have, sizeof(have) - 1);
	close(fd);
	have[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want), "%s\r\neth0", cid);
	ck_assert_msg(strcmp(have, want) == 0, "%s holds \"%s\", expected \"%s\"", path, have, want);
}

#define assert_store_empty(datadir) \
	ck_assert_msg(store_count(datadir) == 0, "%d reservation(s) left in %s", store_count(datadir), datadir)

/* ---- kernel state ---- */

/* The pod has exactly n links (1: only lo). */
static void assert_n_links(const char *ns, size_t n)
{
	json_auto_t *links = ipj(ns, "link show");

	ck_assert_ptr_nonnull(links);
	ck_assert_msg(json_array_size(links) == n, "%s should have %zu link(s): %s", ns, n, jdump(links));
}

/* eth0 in ns is an ipvlan of that mode, up, with cidr (NULL: not checked). master (NULL:
 * not checked) is its parent: a link of the host (the pod's link names the host's ifindex
 * and netns id) or, in_pod, of the pod itself (named). */
static void assert_ipvlan(const char *ns, const char *mode, const char *cidr, const char *master, bool in_pod)
{
	json_auto_t *l = ipj_link(ns, "eth0");
	const json_t *li = json_object_get(l, "linkinfo");

	ck_assert_msg(l != NULL, "no eth0 in %s", ns);
	ck_assert_msg(streq(json_string_value(json_object_get(li, "info_kind")), "ipvlan"),
		      "eth0 is not an ipvlan: %s", jdump(l));
	ck_assert_msg(streq(json_string_value(json_object_get(json_object_get(li, "info_data"), "mode")), mode),
		      "eth0 should be in mode %s: %s", mode, jdump(l));
	ck_assert_msg(ipj_link_flag(l, "UP"), "eth0 is down: %s", jdump(l));
	if (cidr)
		ck_assert_msg(ipj_has_addr(ns, "eth0", cidr), "eth0 in %s lacks %s", ns, cidr);
	if (master && in_pod)
		ck_assert_msg(streq(json_string_value(json_object_get(l, "link")), master) &&
				      !json_object_get(l, "link_netnsid"),
			      "eth0's parent should be %s in the pod: %s", master, jdump(l));
	else if (master)
		ck_assert_msg(json_integer_value(json_object_get(l, "link_index")) == link_int(NULL, master, "ifindex") &&
				      json_object_get(l, "link_netnsid"),
			      "eth0's parent should be the host's %s (ifindex %lld): %s", master,
			      link_int(NULL, master, "ifindex"), jdump(l));
}

/* ips[0].address of a 1.x result ("10.90.0.2/24"), and the bare address (the store's
 * file name). */
static void result_addr(const json_t *res, char cidr[static 64], char ip[static 64])
{
	const char *a = json_string_value(json_object_get(json_array_get(json_object_get(res, "ips"), 0), "address"));

	ck_assert_msg(a != NULL, "no ips[0].address in %s", jdump(res));
	snprintf(cidr, 64, "%s", a);
	snprintf(ip, 64, "%.*s", (int)strcspn(a, "/"), a);
}

/* The route dst via gw on eth0 exists in ns. */
static bool has_route(const char *ns, const char *dst, const char *gw)
{
	json_auto_t *routes = ipj(ns, "%s route show dev eth0", strchr(dst, ':') ? "-6" : "-4");
	const json_t *rt;
	size_t i;

	json_array_foreach (routes, i, rt)
		if (streq(json_string_value(json_object_get(rt, "dst")), dst) &&
		    streq(json_string_value(json_object_get(rt, "gateway")), gw))
			return true;
	return false;
}

static int ping(const char *ns, const char *ip)
{
	return ip_run(NULL, "netns exec %s ping -q -c 1 -W 5 %s", ns, ip);
}

/* ---- results ---- */

/* The result of an ADD with conf_new()'s IPAM, in the shape of version v. */
static void expected_result(char *buf, size_t len, int v, const char *addr, const char *mac, const char *ns)
{
	char path[PATH_MAX];

	if (v < V_030)
		snprintf(buf, len,
			 "{\"cniVersion\":\"%s\",\"ip4\":{\"ip\":\"%s\",\"gateway\":\"" GW "\","
			 "\"routes\":[{\"dst\":\"" ROUTE "\"}]},\"dns\":{}}",
			 versions[v], addr);
	else
		snprintf(buf, len,
			 "{\"cniVersion\":\"%s\",\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"%s\",\"sandbox\":\"%s\"}],"
			 "\"ips\":[{%s\"interface\":0,\"address\":\"%s\",\"gateway\":\"" GW "\"}],"
			 "\"routes\":[{\"dst\":\"" ROUTE "\"}]%s}",
			 versions[v], mac, testns_path(ns, path), v < V_100 ? "\"version\":\"4\"," : "", addr,
			 v < V_100 ? ",\"dns\":{}" : "");
}

/* ---- lifecycle ---- */

/* Two pods on one master in each mode: ADD, kernel state, result, store, ping both ways,
 * CHECK, DEL one (the other is untouched), DEL again, DEL the other. */
START_TEST(lifecycle_two_pods)
{
	const char *mode = modes[_i];
	_cleanup_run_ struct plugin_run a = {0}, b = {0};
	char m[IFNAMSIZ], pa[TESTNS_NAMELEN], pb[TESTNS_NAMELEN], dir[PATH_MAX], mac[18], want[1024];
	json_auto_t *conf = NULL;

	new_master(NULL, m);
	link_mac(NULL, m, mac);
	ck_assert_int_eq(testns_create(pa), 0);
	ck_assert_int_eq(testns_create(pb), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.1.0", m, mode, dir);

	run("ADD", pa, CID_A, conf, NULL, &a);
	assert_run_ok(&a);
	run("ADD", pb, CID_B, conf, NULL, &b);
	assert_run_ok(&b);
	/* exactly one interface (eth0, the master's MAC, the sandbox), every IP on it */
	expected_result(want, sizeof(want), 6, "10.90.0.2/24", mac, pa);
	assert_json_equal(a.json, want);
	expected_result(want, sizeof(want), 6, "10.90.0.3/24", mac, pb);
	assert_json_equal(b.json, want);
	assert_ipvlan(pa, mode, "10.90.0.2/24", m, false);
	assert_ipvlan(pb, mode, "10.90.0.3/24", m, false);
	ck_assert(has_route(pa, ROUTE, GW));
	ck_assert(has_route(pb, ROUTE, GW));
	assert_n_links(pa, 2);
	assert_reserved(dir, "10.90.0.2", CID_A);
	assert_reserved(dir, "10.90.0.3", CID_B);
	ck_assert_int_eq(store_count(dir), 2);
	/* pods on one master reach each other in every mode */
	ck_assert_int_eq(ping(pa, "10.90.0.3"), 0);
	ck_assert_int_eq(ping(pb, "10.90.0.2"), 0);

	check_ok(pa, CID_A, conf, a.json);
	check_ok(pb, CID_B, conf, b.json);

	del_ok(pa, CID_A, conf);
	ck_assert_ptr_null(ipj_link(pa, "eth0"));
	assert_n_links(pa, 1);
	ck_assert_int_eq(store_count(dir), 1);
	assert_reserved(dir, "10.90.0.3", CID_B);
	assert_ipvlan(pb, mode, "10.90.0.3/24", m, false);
	check_ok(pb, CID_B, conf, b.json);

	del_ok(pb, CID_B, conf);
	ck_assert_ptr_null(ipj_link(pb, "eth0"));
	assert_store_empty(dir);
	/* the master is the host's, never touched */
	assert_link_up(NULL, m, true);
}
END_TEST

/* l2 ADD/CHECK/DEL in every spec version, in that version's result shape. */
START_TEST(add_del_every_version)
{
	_cleanup_run_ struct plugin_run r = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX], mac[18], want[1024];
	json_auto_t *conf = NULL;

	new_master(NULL, m);
	link_mac(NULL, m, mac);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new(versions[_i], m, NULL, dir); /* mode defaults to l2 */

	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_run_ok(&r);
	assert_cni_version(&r, versions[_i]);
	expected_result(want, sizeof(want), _i, "10.90.0.2/24", mac, ns);
	assert_json_equal(r.json, want);
	assert_ipvlan(ns, "l2", "10.90.0.2/24", m, false);
	ck_assert(has_route(ns, ROUTE, GW));
	assert_reserved(dir, "10.90.0.2", CID_A);
	if (_i >= V_040)
		check_ok(ns, CID_A, conf, r.json);
	del_ok(ns, CID_A, conf);
	assert_n_links(ns, 1);
	assert_store_empty(dir);
}
END_TEST

/* IPv4 and IPv6 from two range sets: both addresses and both routes on eth0, and the
 * pods reach each other over both. */
START_TEST(dual_stack)
{
	const char *mode = modes[_i];
	_cleanup_run_ struct plugin_run a = {0}, b = {0};
	char m[IFNAMSIZ], pa[TESTNS_NAMELEN], pb[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(pa), 0);
	ck_assert_int_eq(testns_create(pb), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.1.0", m, mode, dir);
	json_object_del(json_object_get(conf, "ipam"), "subnet");
	set_ipam(conf, "ranges", jload("[[{\"subnet\":\"" SUBNET "\"}],[{\"subnet\":\"fd90::/64\"}]]"));
	set_ipam(conf, "routes", jload("[{\"dst\":\"" ROUTE "\"},{\"dst\":\"fd00:200::/64\"}]"));

	run("ADD", pa, CID_A, conf, NULL, &a);
	assert_run_ok(&a);
	run("ADD", pb, CID_B, conf, NULL, &b);
	assert_run_ok(&b);
	assert_json_equal(json_object_get(a.json, "ips"),
			  "[{\"interface\":0,\"address\":\"10.90.0.2/24\",\"gateway\":\"" GW "\"},"
			  "{\"interface\":0,\"address\":\"fd90::2/64\",\"gateway\":\"fd90::1\"}]");
	assert_ipvlan(pa, mode, "10.90.0.2/24", m, false);
	ck_assert(ipj_has_addr(pa, "eth0", "fd90::2/64"));
	ck_assert(ipj_has_addr(pb, "eth0", "fd90::3/64"));
	ck_assert(has_route(pa, ROUTE, GW));
	ck_assert(has_route(pa, "fd00:200::/64", "fd90::1"));
	ck_assert_int_eq(ping(pa, "10.90.0.3"), 0);
	ck_assert_int_eq(ping(pa, "fd90::3"), 0);
	ck_assert_int_eq(ping(pb, "fd90::2"), 0);
	check_ok(pa, CID_A, conf, a.json);
	del_ok(pa, CID_A, conf);
	del_ok(pb, CID_B, conf);
	assert_n_links(pa, 1);
	assert_store_empty(dir);
}
END_TEST

/* ---- which master ---- */

/* No "master": the interface of the default route, IPv4 before IPv6. */
START_TEST(default_master_from_default_route)
{
	_cleanup_run_ struct plugin_run r = {0};
	char m4[IFNAMSIZ], m6[IFNAMSIZ], other[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL;

	new_master(NULL, other); /* lowest ifindex, no route: must not be picked */
	new_master(NULL, m6);
	new_master(NULL, m4);
	ck_assert_int_eq(ip_run(NULL, "-6 route add default dev %s", m6), 0);
	ck_assert_int_eq(ip_run(NULL, "addr add 192.0.2.1/24 dev %s", m4), 0);
	ck_assert_int_eq(ip_run(NULL, "route add default via 192.0.2.254 dev %s", m4), 0);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", NULL, NULL, dir);

	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_run_ok(&r);
	assert_ipvlan(ns, "l2", "10.90.0.2/24", m4, false);
	del_ok(ns, CID_A, conf);
	assert_store_empty(dir);

	/* only an IPv6 default route left (host-local hands out the next address) */
	ck_assert_int_eq(ip_run(NULL, "route del default"), 0);
	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_run_ok(&r);
	assert_ipvlan(ns, "l2", "10.90.0.3/24", m6, false);
	del_ok(ns, CID_A, conf);
	assert_store_empty(dir);
}
END_TEST

START_TEST(default_master_no_default_route)
{
	_cleanup_run_ struct plugin_run r = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL;

	new_master(NULL, m); /* an interface, but no default route anywhere */
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", NULL, NULL, dir);
	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_cni_error(&r, 7, "no default route interface found");
	assert_cni_version(&r, "1.0.0");
	assert_n_links(ns, 1);
	assert_store_empty(dir);
}
END_TEST

/* Chained, no master and no ipam: the master is prevResult's one named interface and its
 * IPs go on eth0. */
START_TEST(chained_master_from_prevresult)
{
	_cleanup_run_ struct plugin_run r = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX], mac[18], prev[1024], want[2048], path[PATH_MAX];
	json_auto_t *conf = NULL, *chained = NULL;

	new_master(NULL, m);
	link_mac(NULL, m, mac);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", NULL, "l2", dir);
	json_object_del(conf, "ipam");
	snprintf(prev, sizeof(prev),
		 "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"%s\",\"mac\":\"%s\"}],"
		 "\"ips\":[{\"interface\":0,\"address\":\"10.91.0.5/24\",\"gateway\":\"10.91.0.1\"}],"
		 "\"routes\":[{\"dst\":\"10.201.0.0/16\"}],\"dns\":{\"nameservers\":[\"10.91.0.53\"]}}",
		 m, mac);
	json_object_set_new(conf, "prevResult", jload(prev));

	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_run_ok(&r);
	snprintf(want, sizeof(want),
		 "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"%s\",\"sandbox\":\"%s\"}],"
		 "\"ips\":[{\"interface\":0,\"address\":\"10.91.0.5/24\",\"gateway\":\"10.91.0.1\"}],"
		 "\"routes\":[{\"dst\":\"10.201.0.0/16\"}],\"dns\":{\"nameservers\":[\"10.91.0.53\"]}}",
		 mac, testns_path(ns, path));
	assert_json_equal(r.json, want);
	assert_ipvlan(ns, "l2", "10.91.0.5/24", m, false);
	ck_assert(has_route(ns, "10.201.0.0/16", "10.91.0.1"));
	assert_store_empty(dir); /* no IPAM involved */

	chained = json_deep_copy(conf);
	json_object_del(chained, "prevResult");
	check_ok(ns, CID_A, chained, r.json);
	del_ok(ns, CID_A, conf);
	assert_n_links(ns, 1);
	assert_link_up(NULL, m, true);
}
END_TEST

START_TEST(chained_two_interfaces_no_master)
{
	_cleanup_run_ struct plugin_run r = {0};
	char m[IFNAMSIZ], m2[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX], prev[1024];
	json_auto_t *conf = NULL;

	new_master(NULL, m);
	new_master(NULL, m2);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", NULL, NULL, dir);
	json_object_del(conf, "ipam");
	snprintf(prev, sizeof(prev),
		 "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"%s\"},{\"name\":\"%s\"}],"
		 "\"ips\":[{\"interface\":0,\"address\":\"10.91.0.5/24\"}]}",
		 m, m2);
	json_object_set_new(conf, "prevResult", jload(prev));
	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_cni_error(&r, 7, "single named interface");
	assert_n_links(ns, 1);
}
END_TEST

/* The master lives in the pod: the link is made there. */
START_TEST(link_in_container)
{
	_cleanup_run_ struct plugin_run r = {0}, bad = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX], mac[18], want[1024];
	json_auto_t *conf = NULL;

	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	new_master(ns, m);
	link_mac(ns, m, mac);
	conf = conf_new("1.1.0", m, "l2", dir);
	json_object_set_new(conf, "linkInContainer", json_true());

	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_run_ok(&r);
	expected_result(want, sizeof(want), 6, "10.90.0.2/24", mac, ns);
	assert_json_equal(r.json, want);
	assert_ipvlan(ns, "l2", "10.90.0.2/24", m, true);
	assert_n_links(ns, 3);
	check_ok(ns, CID_A, conf, r.json);
	del_ok(ns, CID_A, conf);
	ck_assert_ptr_null(ipj_link(ns, "eth0"));
	assert_link_up(ns, m, true);
	assert_store_empty(dir);

	/* without linkInContainer the pod's master is not found on the host */
	json_object_del(conf, "linkInContainer");
	run("ADD", ns, CID_A, conf, NULL, &bad);
	assert_cni_error(&bad, 7, m);
	assert_n_links(ns, 2);
	assert_store_empty(dir);
}
END_TEST

/* linkInContainer without master: the default route of the pod, not the host's. */
START_TEST(link_in_container_default_route)
{
	_cleanup_run_ struct plugin_run r = {0};
	char hm[IFNAMSIZ], pm[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL;

	new_master(NULL, hm);
	ck_assert_int_eq(ip_run(NULL, "route add default dev %s", hm), 0);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	new_master(ns, pm);
	ck_assert_int_eq(ip_run(ns, "addr add 192.0.2.1/24 dev %s", pm), 0);
	ck_assert_int_eq(ip_run(ns, "route add default via 192.0.2.254 dev %s", pm), 0);
	conf = conf_new("1.1.0", NULL, "l3", dir);
	json_object_set_new(conf, "linkInContainer", json_true());
	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_run_ok(&r);
	assert_ipvlan(ns, "l3", "10.90.0.2/24", pm, true);
	check_ok(ns, CID_A, conf, r.json);
	del_ok(ns, CID_A, conf);
	assert_n_links(ns, 2);
	assert_store_empty(dir);
}
END_TEST

/* ---- errors: all before any reservation ---- */

START_TEST(err_master_not_found)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL;

	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", "nosuchmaster0", NULL, dir);
	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_cni_error(&r, 7, "nosuchmaster0");
	assert_n_links(ns, 1);
	assert_store_empty(dir);
}
END_TEST

START_TEST(err_bad_mode)
{
	_cleanup_run_ struct plugin_run r = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", m, "l4", dir);
	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_cni_error(&r, 7, "\"l4\"");
	assert_cni_error(&r, 7, "mode");
	assert_n_links(ns, 1);
	assert_store_empty(dir);
}
END_TEST

/* mtu: at most the master's; unset inherits it; set and smaller is applied. */
START_TEST(mtu_bounds)
{
	_cleanup_run_ struct plugin_run r = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(ip_run(NULL, "link set %s mtu 1400", m), 0);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", m, NULL, dir);

	json_object_set_new(conf, "mtu", json_integer(1500));
	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_cni_error(&r, 7, "mtu");
	assert_cni_error(&r, 7, "1400");
	assert_n_links(ns, 1);
	assert_store_empty(dir);

	json_object_set_new(conf, "mtu", json_integer(1300));
	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_run_ok(&r);
	ck_assert_int_eq(link_int(ns, "eth0", "mtu"), 1300);
	del_ok(ns, CID_A, conf);

	json_object_del(conf, "mtu");
	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_run_ok(&r);
	ck_assert_int_eq(link_int(ns, "eth0", "mtu"), 1400);
	del_ok(ns, CID_A, conf);
	assert_store_empty(dir);
}
END_TEST

START_TEST(err_ifname_exists)
{
	_cleanup_run_ struct plugin_run r = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL, *l = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	ck_assert_int_eq(ip_run(ns, "link add eth0 type dummy"), 0);
	conf = conf_new("1.0.0", m, NULL, dir);
	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_cni_error(&r, 7, "\"eth0\" already exists");
	/* the pod's own eth0 is left alone, and nothing else appeared */
	l = ipj_link(ns, "eth0");
	ck_assert_msg(streq(json_string_value(json_object_get(json_object_get(l, "linkinfo"), "info_kind")), "dummy"),
		      "eth0 was replaced: %s", jdump(l));
	assert_n_links(ns, 2);
	assert_store_empty(dir);
}
END_TEST

START_TEST(err_no_ipam_no_prevresult)
{
	_cleanup_run_ struct plugin_run r = {0}, r2 = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", m, NULL, dir);
	json_object_del(conf, "ipam");
	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_cni_error(&r, 7, "ipam");
	assert_n_links(ns, 1);
	/* a prevResult without IPs supplies nothing either */
	json_object_set_new(conf, "prevResult", jload("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"x\"}]}"));
	json_object_set_new(conf, "master", json_string(m));
	run("ADD", ns, CID_A, conf, NULL, &r2);
	assert_cni_error(&r2, 7, "ipam");
	assert_n_links(ns, 1);
	assert_store_empty(dir);
}
END_TEST

/* CNI_NETNS is the plugin's own namespace: refused (code 8) before anything changes. */
START_TEST(err_own_netns)
{
	_cleanup_run_ struct plugin_run r = {0};
	char m[IFNAMSIZ], dir[PATH_MAX], self[64];
	json_auto_t *conf = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testdir_create(dir), 0);
	snprintf(self, sizeof(self), "/proc/%d/ns/net", (int)getpid());
	conf = conf_new("1.0.0", m, NULL, dir);
	run("ADD", self, CID_A, conf, NULL, &r);
	assert_cni_error(&r, 8, NULL);
	assert_n_links(NULL, 2); /* lo and the master */
	assert_store_empty(dir);
}
END_TEST

/* A repeated ADD (same container, same CNI_IFNAME) fails on the existing eth0 and must not
 * release the first ADD's address on its way out. */
START_TEST(err_add_twice_keeps_first)
{
	_cleanup_run_ struct plugin_run a = {0}, again = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", m, NULL, dir);
	run("ADD", ns, CID_A, conf, NULL, &a);
	assert_run_ok(&a);
	run("ADD", ns, CID_A, conf, NULL, &again);
	assert_cni_error(&again, 7, "\"eth0\" already exists");
	ck_assert_int_eq(store_count(dir), 1);
	assert_reserved(dir, "10.90.0.2", CID_A);
	assert_ipvlan(ns, "l2", "10.90.0.2/24", m, false);
	check_ok(ns, CID_A, conf, a.json);
	del_ok(ns, CID_A, conf);
	assert_store_empty(dir);
}
END_TEST

/* ---- rollback ---- */

/* IPAM fails (the range is exhausted): no link is left in the pod (the reference leaves
 * one), and the earlier pod's reservation is all the store holds. */
START_TEST(rollback_ipam_exhausted)
{
	_cleanup_run_ struct plugin_run a = {0}, b = {0};
	char m[IFNAMSIZ], pa[TESTNS_NAMELEN], pb[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(pa), 0);
	ck_assert_int_eq(testns_create(pb), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", m, NULL, dir);
	set_ipam(conf, "rangeStart", json_string("10.90.0.9"));
	set_ipam(conf, "rangeEnd", json_string("10.90.0.9"));

	run("ADD", pa, CID_A, conf, NULL, &a);
	assert_run_ok(&a);
	run("ADD", pb, CID_B, conf, NULL, &b);
	assert_cni_error(&b, 999, "no IP addresses available");
	assert_n_links(pb, 1);
	ck_assert_int_eq(store_count(dir), 1);
	assert_reserved(dir, "10.90.0.9", CID_A);
	assert_ipvlan(pa, "l2", "10.90.0.9/24", m, false);
	del_ok(pa, CID_A, conf);
	assert_store_empty(dir);
}
END_TEST

/* A failure after IPAM (a route whose gateway is not on-link cannot be added): the link
 * and the reservation are both undone. */
START_TEST(rollback_after_ipam)
{
	_cleanup_run_ struct plugin_run r = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", m, NULL, dir);
	set_ipam(conf, "routes", jload("[{\"dst\":\"10.200.0.0/16\",\"gw\":\"10.77.0.1\"}]"));
	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_cni_error(&r, 999, "route 10.200.0.0/16");
	assert_n_links(ns, 1);
	assert_store_empty(dir);
	/* and the same config works once the route is sane */
	set_ipam(conf, "routes", jload("[{\"dst\":\"10.200.0.0/16\"}]"));
	run("ADD", ns, CID_A, conf, NULL, &r);
	assert_run_ok(&r);
	del_ok(ns, CID_A, conf);
	assert_store_empty(dir);
}
END_TEST

/* ---- CHECK ---- */

START_TEST(check_wrong_mode)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL, *other = NULL, *c = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", m, "l2", dir);
	run("ADD", ns, CID_A, conf, NULL, &add);
	assert_run_ok(&add);
	check_ok(ns, CID_A, conf, add.json);
	other = conf_new("1.0.0", m, "l3", dir);
	c = conf_prev(other, add.json);
	run("CHECK", ns, CID_A, c, NULL, &chk);
	assert_cni_error(&chk, 999, "mode");
	del_ok(ns, CID_A, conf);
}
END_TEST

START_TEST(check_address_or_link_gone)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL, *c = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", m, "l3", dir);
	run("ADD", ns, CID_A, conf, NULL, &add);
	assert_run_ok(&add);
	c = conf_prev(conf, add.json);
	ck_assert_int_eq(ip_run(ns, "addr del 10.90.0.2/24 dev eth0"), 0);
	run("CHECK", ns, CID_A, c, NULL, &chk);
	assert_cni_error(&chk, 999, "10.90.0.2/24");
	ck_assert_int_eq(ip_run(ns, "link del eth0"), 0);
	run("CHECK", ns, CID_A, c, NULL, &chk);
	assert_cni_error(&chk, 999, "eth0");
	/* the reservation is still there until DEL */
	assert_reserved(dir, "10.90.0.2", CID_A);
	del_ok(ns, CID_A, conf);
	assert_store_empty(dir);
}
END_TEST

/* prevResult's MAC for eth0 must match the link (the reference checks it too). */
START_TEST(check_mac_mismatch)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL, *c = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", m, "l2", dir);
	run("ADD", ns, CID_A, conf, NULL, &add);
	assert_run_ok(&add);
	c = conf_prev(conf, add.json);
	json_object_set_new(json_array_get(json_object_get(json_object_get(c, "prevResult"), "interfaces"), 0), "mac",
			    json_string("02:00:00:00:00:99"));
	run("CHECK", ns, CID_A, c, NULL, &chk);
	assert_cni_error(&chk, 999, "02:00:00:00:00:99");
	del_ok(ns, CID_A, conf);
}
END_TEST

/* ---- DNS ---- */

static void write_resolv_conf(const char *dir, char *path, size_t len)
{
	static const char text[] = "# test\nnameserver 10.53.0.1\nnameserver 10.53.0.2\ndomain example.org\n"
				   "search a.example b.example\noptions ndots:2 timeout:1\n";
	FILE *f;

	snprintf(path, len, "%s/resolv.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* The config's dns wins; without one the IPAM result's DNS is kept (the reference drops
 * it: a deliberate difference). */
START_TEST(dns_config_or_ipam)
{
	_cleanup_run_ struct plugin_run r1 = {0}, r2 = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX], rc[PATH_MAX + 16];
	json_auto_t *conf = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	write_resolv_conf(dir, rc, sizeof(rc));
	conf = conf_new("1.0.0", m, NULL, dir);
	set_ipam(conf, "resolvConf", json_string(rc));

	run("ADD", ns, CID_A, conf, NULL, &r1);
	assert_run_ok(&r1);
	assert_json_equal(json_object_get(r1.json, "dns"),
			  "{\"nameservers\":[\"10.53.0.1\",\"10.53.0.2\"],\"domain\":\"example.org\","
			  "\"search\":[\"a.example\",\"b.example\"],\"options\":[\"ndots:2\",\"timeout:1\"]}");
	del_ok(ns, CID_A, conf);

	json_object_set_new(conf, "dns", jload("{\"nameservers\":[\"10.1.1.1\"],\"search\":[\"cfg.example\"]}"));
	run("ADD", ns, CID_A, conf, NULL, &r2);
	assert_run_ok(&r2);
	assert_json_equal(json_object_get(r2.json, "dns"), "{\"nameservers\":[\"10.1.1.1\"],\"search\":[\"cfg.example\"]}");
	del_ok(ns, CID_A, conf);
	assert_store_empty(dir);
}
END_TEST

/* ---- DEL without a usable namespace ---- */

START_TEST(del_netns_gone)
{
	_cleanup_run_ struct plugin_run add = {0}, del = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.0.0", m, NULL, dir);
	run("ADD", ns, CID_A, conf, NULL, &add);
	assert_run_ok(&add);
	ck_assert_int_eq(store_count(dir), 1);
	ck_assert_int_eq(testns_destroy(ns), 0);
	run("DEL", ns, CID_A, conf, NULL, &del);
	assert_run_ok(&del);
	ck_assert_msg(del.out_len == 0, "DEL printed: %s", del.out);
	assert_store_empty(dir);
}
END_TEST

/* A path that is not a namespace (a regular file), an empty CNI_NETNS and none at all:
 * DEL succeeds and releases the address (the reference leaks it on the first). */
START_TEST(del_netns_not_a_namespace)
{
	_cleanup_run_ struct plugin_run add = {0}, del = {0};
	char m[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX], file[PATH_MAX + 16];
	const char *paths[] = {file, "", NULL};
	json_auto_t *conf = NULL;
	int fd;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	snprintf(file, sizeof(file), "%s/netns", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	conf = conf_new("1.0.0", m, NULL, dir);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char cidr[64], ip[64];

		run("ADD", ns, CID_A, conf, NULL, &add);
		assert_run_ok(&add);
		result_addr(add.json, cidr, ip);
		assert_reserved(dir, ip, CID_A);
		run("DEL", paths[i], CID_A, conf, NULL, &del);
		assert_run_ok(&del);
		ck_assert_msg(del.out_len == 0, "DEL printed: %s", del.out);
		assert_store_empty(dir);
		ck_assert_int_eq(ip_run(ns, "link del eth0"), 0); /* the pod was not reachable */
	}
}
END_TEST

/* ---- STATUS and GC go to IPAM ---- */

START_TEST(status_forwarded)
{
	_cleanup_run_ struct plugin_run ok = {0}, bad = {0}, old = {0};
	char m[IFNAMSIZ], dir[PATH_MAX], file[PATH_MAX + 16];
	json_auto_t *conf = NULL;
	int fd;

	new_master(NULL, m);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.1.0", m, NULL, dir);
	run("STATUS", NULL, NULL, conf, NULL, &ok);
	assert_run_ok(&ok);
	ck_assert_msg(ok.out_len == 0, "STATUS printed: %s", ok.out);
	/* host-local answers 50 when its dataDir is unusable: proof that IPAM was asked */
	snprintf(file, sizeof(file), "%s/not-a-dir", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	set_ipam(conf, "dataDir", json_string(file));
	run("STATUS", NULL, NULL, conf, NULL, &bad);
	assert_cni_error(&bad, 50, file);
	/* STATUS is a 1.1.0 verb */
	json_object_set_new(conf, "cniVersion", json_string("1.0.0"));
	run("STATUS", NULL, NULL, conf, NULL, &old);
	assert_cni_error(&old, 1, NULL);
}
END_TEST

START_TEST(gc_forwarded)
{
	_cleanup_run_ struct plugin_run a = {0}, b = {0}, gc = {0};
	char m[IFNAMSIZ], pa[TESTNS_NAMELEN], pb[TESTNS_NAMELEN], dir[PATH_MAX];
	json_auto_t *conf = NULL, *g = NULL;

	new_master(NULL, m);
	ck_assert_int_eq(testns_create(pa), 0);
	ck_assert_int_eq(testns_create(pb), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf = conf_new("1.1.0", m, NULL, dir);
	run("ADD", pa, CID_A, conf, NULL, &a);
	assert_run_ok(&a);
	run("ADD", pb, CID_B, conf, NULL, &b);
	assert_run_ok(&b);
	ck_assert_int_eq(store_count(dir), 2);
	g = json_deep_copy(conf);
	json_object_set_new(g, "cni.dev/valid-attachments",
			    jload("[{\"containerID\":\"" CID_A "\",\"ifname\":\"eth0\"}]"));
	run("GC", NULL, NULL, g, NULL, &gc);
	assert_run_ok(&gc);
	ck_assert_msg(gc.out_len == 0, "GC printed: %s", gc.out);
	ck_assert_int_eq(store_count(dir), 1);
	assert_reserved(dir, "10.90.0.2", CID_A);
	del_ok(pa, CID_A, conf);
	del_ok(pb, CID_B, conf);
	assert_store_empty(dir);
}
END_TEST

Suite *ipvlan_suite(void)
{
	Suite *s;
	TCase *tc;

	if (!plugin_available("ipvlan") || !plugin_available("host-local"))
		return NULL;
	s = suite_create("ipvlan");

	tc = tcase_create("lifecycle");
	testns_tcase(tc, TIMEOUT);
	tcase_add_loop_test(tc, lifecycle_two_pods, 0, (int)(sizeof(modes) / sizeof(modes[0])));
	tcase_add_loop_test(tc, add_del_every_version, 0, N_VERSIONS);
	tcase_add_loop_test(tc, dual_stack, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("master");
	testns_tcase(tc, TIMEOUT);
	tcase_add_test(tc, default_master_from_default_route);
	tcase_add_test(tc, default_master_no_default_route);
	tcase_add_test(tc, chained_master_from_prevresult);
	tcase_add_test(tc, chained_two_interfaces_no_master);
	tcase_add_test(tc, link_in_container);
	tcase_add_test(tc, link_in_container_default_route);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	testns_tcase(tc, TIMEOUT);
	tcase_add_test(tc, err_master_not_found);
	tcase_add_test(tc, err_bad_mode);
	tcase_add_test(tc, mtu_bounds);
	tcase_add_test(tc, err_ifname_exists);
	tcase_add_test(tc, err_no_ipam_no_prevresult);
	tcase_add_test(tc, err_own_netns);
	tcase_add_test(tc, err_add_twice_keeps_first);
	suite_add_tcase(s, tc);

	tc = tcase_create("rollback");
	testns_tcase(tc, TIMEOUT);
	tcase_add_test(tc, rollback_ipam_exhausted);
	tcase_add_test(tc, rollback_after_ipam);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	testns_tcase(tc, TIMEOUT);
	tcase_add_test(tc, check_wrong_mode);
	tcase_add_test(tc, check_address_or_link_gone);
	tcase_add_test(tc, check_mac_mismatch);
	suite_add_tcase(s, tc);

	tc = tcase_create("dns");
	testns_tcase(tc, TIMEOUT);
	tcase_add_test(tc, dns_config_or_ipam);
	suite_add_tcase(s, tc);

	tc = tcase_create("del");
	testns_tcase(tc, TIMEOUT);
	tcase_add_test(tc, del_netns_gone);
	tcase_add_test(tc, del_netns_not_a_namespace);
	suite_add_tcase(s, tc);

	tc = tcase_create("status_gc");
	testns_tcase(tc, TIMEOUT);
	tcase_add_test(tc, status_forwarded);
	tcase_add_test(tc, gc_forwarded);
	suite_add_tcase(s, tc);
	return s;
}
