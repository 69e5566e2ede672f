/* test_dataplane.c (root): the agent against a real kernel, each test in a private network
 * namespace with an underlay bridge (10.0.0.1/24, fd00::1/64). What the kernel holds is
 * read back with `ip -j` and `bridge -j`, never with our own netlink code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "conflist.h"
#include "util.h"

static char conf_dir[64];

static void setup(void)
{
	private_netns();
	ck_assert_int_eq(ipcmd("link add u0 type bridge"), 0);
	ck_assert_int_eq(ipcmd("link set u0 up"), 0);
	ck_assert_int_eq(ipcmd("addr add 10.0.0.1/24 dev u0"), 0);
	ck_assert_int_eq(ipcmd("addr add fd00::1/64 dev u0 nodad"), 0);
	snprintf(conf_dir, sizeof(conf_dir), "/tmp/cni-dp-%d", (int)getpid());
}

static void teardown(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/10-cni-c.conflist", conf_dir);
	unlink(path);
	rmdir(conf_dir);
}

static struct agent *open_agent(struct capture *cap, struct logger *log)
{
	static const json_t *tmpl;
	struct agent *a;
	struct agent_opts o = {.node = "self", .conf_dir = conf_dir, .conf_name = "10-cni-c.conflist", .log = log};

	if (!tmpl)
		tmpl = conflist_default_template(); /* kept for the test process's life */
	o.tmpl = tmpl;
	capture_init(cap, log);
	ck_assert_int_eq(agent_open(&o, &a), 0);
	return a;
}

static void put(struct agent *a, const char *name, const char *cidrs, const char *ips)
{
	table_put(agent_nodes(a), name, cidrs, ips);
}

static void reconcile(struct agent *a, struct agent_report *rep)
{
	ck_assert_int_eq(agent_reconcile(a, rep), 0);
}

/* The agent's routes as "dst via gw dev" lines, sorted by ip. */
static char *routes(const char *family)
{
	json_t *j = ipj("%s route show proto 147", family), *r;
	size_t i, len = 0;
	char *s = calloc(1, 4096);

	ck_assert_ptr_nonnull(j);
	json_array_foreach(j, i, r) {
		len += (size_t)snprintf(s + len, 4096 - len, "%s via %s dev %s%s;", json_string_value(json_object_get(r, "dst")),
					json_string_value(json_object_get(r, "gateway")),
					json_string_value(json_object_get(r, "dev")),
					json_array_size(json_object_get(r, "flags")) ? " onlink" : "");
	}
	json_decref(j);
	return s;
}

#define assert_routes(family, expected)                                                    \
	do {                                                                               \
		char *r_ = routes(family);                                                 \
		ck_assert_msg(strcmp(r_, expected) == 0, "routes %s\n   are %s\nexpected %s", \
			      family, r_, expected);                                       \
		free(r_);                                                                  \
	} while (0)

START_TEST(full_direct_and_vxlan)
{
	struct capture cap;
	struct logger log;
	struct agent *a = open_agent(&cap, &log);
	struct agent_report rep;
	json_t *j, *info;

	put(a, "self", "10.244.1.0/24,fd10:1::/64", "10.0.0.1,fd00::1");
	put(a, "b", "10.244.2.0/24,fd10:2::/64", "10.0.0.2,fd00::2");
	put(a, "c", "10.244.3.0/24,fd10:3::/64", "192.168.7.3,fd07::3");
	reconcile(a, &rep);
	ck_assert_uint_eq(rep.dp.errors, 0);
	assert_routes("-4", "10.244.2.0/24 via 10.0.0.2 dev u0;10.244.3.0/24 via 10.244.3.0 dev cni-c-vx4 onlink;");
	assert_routes("-6", "fd10:2::/64 via fd00::2 dev u0;fd10:3::/64 via fd10:3:: dev cni-c-vx6 onlink;");
	/* The VXLAN device: VNI 1, port 4789, our address, no learning, the derived MAC. */
	j = ipj("-d link show cni-c-vx4");
	info = json_object_get(json_object_get(json_array_get(j, 0), "linkinfo"), "info_data");
	ck_assert_int_eq(json_integer_value(json_object_get(info, "id")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(info, "port")), 4789);
	ck_assert_str_eq(json_string_value(json_object_get(info, "local")), "10.0.0.1");
	ck_assert(json_is_false(json_object_get(info, "learning")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "address")), "0e:76:0a:00:00:01");
	{
		char *flags = json_dumps(json_object_get(json_array_get(j, 0), "flags"), 0);

		ck_assert(strstr(flags, "UP"));
		free(flags);
	}
	json_decref(j);
	j = ipj("addr show dev cni-c-vx4");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(json_array_get(j, 0), "addr_info"), 0),
							   "local")),
			 "10.244.1.0");
	json_decref(j);
	/* FDB and neighbour entries of node c. */
	ck_assert_int_eq(system("bridge -j fdb show dev cni-c-vx4 | grep -q '\"mac\":\"0e:76:c0:a8:07:03\",\"dst\":\"192.168.7.3\"'"), 0);
	j = ipj("neigh show dev cni-c-vx4");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "dst")), "10.244.3.0");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "lladdr")), "0e:76:c0:a8:07:03");
	json_decref(j);
	/* Nothing changed: no write at all. */
	reconcile(a, &rep);
	ck_assert_uint_eq(rep.dp.writes, 0);
	ck_assert(!rep.conflist_written);
	agent_close(a);
}
END_TEST

START_TEST(foreign_routes_untouched)
{
	struct capture cap;
	struct logger log;
	struct agent *a = open_agent(&cap, &log);
	struct agent_report rep;

	ck_assert_int_eq(ipcmd("route add 10.244.2.0/24 via 10.0.0.9 proto static"), 0);
	ck_assert_int_eq(ipcmd("route add 10.99.0.0/16 via 10.0.0.9"), 0);
	ck_assert_int_eq(ipcmd("route add 10.244.77.0/24 via 10.0.0.77 proto 147"), 0); /* ours, stale */
	put(a, "self", "10.244.1.0/24", "10.0.0.1");
	put(a, "b", "10.244.2.0/24", "10.0.0.2");
	put(a, "c", "10.244.3.0/24", "10.0.0.3");
	reconcile(a, &rep);
	/* b's prefix is taken by a route that is not ours: left as it is, and said. */
	ck_assert_uint_eq(rep.dp.errors, 1);
	ck_assert(captured_has(&cap, "node b: a route to 10.244.2.0/24 exists that is not the agent's"));
	assert_routes("-4", "10.244.3.0/24 via 10.0.0.3 dev u0;");
	ck_assert_int_eq(system("ip route show 10.244.2.0/24 | grep -q 'via 10.0.0.9 dev u0 proto static'"), 0);
	ck_assert_int_eq(system("ip route show 10.99.0.0/16 | grep -q 'via 10.0.0.9'"), 0);
	ck_assert(agent_dirty(a));
	/* Once the foreign route is gone, the next full reconcile adds ours. */
	ck_assert_int_eq(ipcmd("route del 10.244.2.0/24 proto static"), 0);
	reconcile(a, &rep);
	assert_routes("-4", "10.244.2.0/24 via 10.0.0.2 dev u0;10.244.3.0/24 via 10.0.0.3 dev u0;");
	/* Cleanup removes ours only. */
	ck_assert_int_eq(agent_cleanup(a), 0);
	assert_routes("-4", "");
	ck_assert_int_eq(system("ip route show 10.99.0.0/16 | grep -q 'via 10.0.0.9'"), 0);
	agent_close(a);
}
END_TEST

START_TEST(unknown_node_holds_deletions)
{
	struct capture cap;
	struct logger log;
	struct agent *a = open_agent(&cap, &log);
	struct agent_report rep;
	json_t *bad = J("{\"metadata\":{\"name\":\"z\"},\"spec\":{\"podCIDRs\":[\"10.244.9.9/24\"]}}");
	struct node e = {0}, *n;
	struct node_facts old;
	bool had;

	ck_assert_int_eq(ipcmd("route add 10.244.9.0/24 via 10.0.0.9 proto 147"), 0);
	put(a, "self", "10.244.1.0/24", "10.0.0.1");
	(void)node_parse(bad, &e);
	ck_assert_int_eq(nodes_upsert(agent_nodes(a), &e, &n, &old, &had), 0);
	node_done(&e);
	reconcile(a, &rep);
	/* z's entry cannot be read and was never good: its route (whatever it is) stays. */
	assert_routes("-4", "10.244.9.0/24 via 10.0.0.9 dev u0;");
	ck_assert(captured_has(&cap, "could not be read: no route of the agent is removed"));
	nodes_done(agent_nodes(a));
	put(a, "self", "10.244.1.0/24", "10.0.0.1");
	reconcile(a, &rep);
	assert_routes("-4", "");
	json_decref(bad);
	agent_close(a);
}
END_TEST

static void event(struct agent *a, const char *name, const char *cidrs, const char *ips, bool deleted,
		  struct agent_report *rep)
{
	json_t *j = node_json(name, cidrs, ips);

	ck_assert_int_eq(agent_node_event(a, j, deleted, rep), 0);
	json_decref(j);
}

START_TEST(events_are_incremental)
{
	struct capture cap;
	struct logger log;
	struct agent *a = open_agent(&cap, &log);
	struct agent_report rep;

	put(a, "self", "10.244.1.0/24", "10.0.0.1");
	put(a, "b", "10.244.2.0/24", "10.0.0.2");
	reconcile(a, &rep);
	/* A status-only update: nothing to do. */
	event(a, "b", "10.244.2.0/24", "10.0.0.2", false, &rep);
	ck_assert_uint_eq(rep.dp.writes, 0);
	/* A new node: one route. */
	event(a, "c", "10.244.3.0/24", "10.0.0.3", false, &rep);
	ck_assert_uint_eq(rep.dp.writes, 1);
	ck_assert_uint_eq(rep.dp.route_add, 1);
	assert_routes("-4", "10.244.2.0/24 via 10.0.0.2 dev u0;10.244.3.0/24 via 10.0.0.3 dev u0;");
	/* Its address changes: replaced in place. */
	event(a, "c", "10.244.3.0/24", "10.0.0.33", false, &rep);
	ck_assert_uint_eq(rep.dp.route_replace, 1);
	ck_assert_uint_eq(rep.dp.writes, 1);
	assert_routes("-4", "10.244.2.0/24 via 10.0.0.2 dev u0;10.244.3.0/24 via 10.0.0.33 dev u0;");
	/* It moves off the link: VXLAN (device, FDB, neighbour, route). */
	event(a, "c", "10.244.3.0/24", "192.168.1.3", false, &rep);
	assert_routes("-4", "10.244.2.0/24 via 10.0.0.2 dev u0;10.244.3.0/24 via 10.244.3.0 dev cni-c-vx4 onlink;");
	/* d claims an overlapping CIDR: both c and d lose their routes, b keeps its own. */
	event(a, "d", "10.244.3.128/25", "10.0.0.4", false, &rep);
	assert_routes("-4", "10.244.2.0/24 via 10.0.0.2 dev u0;");
	ck_assert(captured_has(&cap, "node d: pod CIDR 10.244.3.128/25 overlaps node c's"));
	/* d goes away: c gets its route back. */
	event(a, "d", "", "", true, &rep);
	assert_routes("-4", "10.244.2.0/24 via 10.0.0.2 dev u0;10.244.3.0/24 via 10.244.3.0 dev cni-c-vx4 onlink;");
	/* c goes away: its route, FDB and neighbour go, and the device with them. */
	event(a, "c", "", "", true, &rep);
	assert_routes("-4", "10.244.2.0/24 via 10.0.0.2 dev u0;");
	ck_assert_int_ne(system("ip link show cni-c-vx4 >/dev/null 2>&1"), 0);
	/* The incremental path and a full reconcile agree: nothing left to write. */
	reconcile(a, &rep);
	ck_assert_uint_eq(rep.dp.writes, 0);
	agent_close(a);
}
END_TEST

START_TEST(self_change_moves_vtep)
{
	struct capture cap;
	struct logger log;
	struct agent *a = open_agent(&cap, &log);
	struct agent_report rep;
	json_t *j;

	put(a, "self", "10.244.1.0/24", "10.0.0.1");
	put(a, "c", "10.244.3.0/24", "192.168.1.3");
	reconcile(a, &rep);
	ck_assert_int_eq(ipcmd("addr add 10.0.0.50/24 dev u0"), 0);
	/* This node's address and pod CIDR change: the device is rebuilt, the conflist rewritten. */
	event(a, "self", "10.244.5.0/24", "10.0.0.50", false, &rep);
	ck_assert(rep.full);
	ck_assert(rep.conflist_written);
	j = ipj("-d link show cni-c-vx4");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(json_array_get(j, 0), "linkinfo"),
									   "info_data"),
							   "local")),
			 "10.0.0.50");
	json_decref(j);
	ck_assert_int_eq(system("ip -4 addr show dev cni-c-vx4 | grep -q 'inet 10.244.5.0/32'"), 0);
	ck_assert_int_ne(system("ip -4 addr show dev cni-c-vx4 | grep -q 'inet 10.244.1.0/32'"), 0);
	assert_routes("-4", "10.244.3.0/24 via 10.244.3.0 dev cni-c-vx4 onlink;");
	agent_close(a);
}
END_TEST


/* ---- egress: nftables, read back with `nft -j` ---- */

static struct agent *open_agent_cluster(struct capture *cap, struct logger *log, const char *c4, const char *c6)
{
	static const json_t *tmpl;
	struct agent *a;
	struct agent_opts o = {.node = "self", .conf_dir = conf_dir, .conf_name = "10-cni-c.conflist", .log = log};

	if (!tmpl)
		tmpl = conflist_default_template();
	o.tmpl = tmpl;
	if (c4) {
		o.has_cluster[NODE_V4] = true;
		o.cluster[NODE_V4] = CIDR(c4);
	}
	if (c6) {
		o.has_cluster[NODE_V6] = true;
		o.cluster[NODE_V6] = CIDR(c6);
	}
	capture_init(cap, log);
	ck_assert_int_eq(agent_open(&o, &a), 0);
	return a;
}

/* The rules of `table FAMILY cni-c-node` as nft prints them (one per line), "" when the
 * table has none, NULL when there is no such table. */
static char *nft_rules(const char *family)
{
	char cmd[256], *out = NULL;
	size_t len = 0;
	FILE *f;
	int status;

	snprintf(cmd, sizeof(cmd), "nft list table %s cni-c-node 2>/dev/null | grep -E 'masquerade|saddr|hook'", family);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	for (;;) {
		char buf[1024];
		size_t k = fread(buf, 1, sizeof(buf), f);

		if (!k)
			break;
		out = realloc(out, len + k + 1);
		memcpy(out + len, buf, k);
		len += k;
		out[len] = '\0';
	}
	status = pclose(f);
	if (!out)
		out = calloc(1, 1);
	snprintf(cmd, sizeof(cmd), "nft list tables | grep -qx 'table %s cni-c-node'", family);
	if (status != 0 && system(cmd) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

START_TEST(egress_tables)
{
	struct capture cap;
	struct logger log;
	struct agent *a;
	struct agent_report rep;
	char *r;

	if (system("command -v nft >/dev/null") != 0)
		return; /* nftables (the test oracle) is not installed */
	a = open_agent_cluster(&cap, &log, "10.244.0.0/16", NULL);
	put(a, "self", "10.244.1.0/24", "10.0.0.1");
	reconcile(a, &rep);
	ck_assert_msg(!agent_dirty(a), "%s", cap.buf);
	ck_assert_uint_gt(rep.egress_writes, 0);
	r = nft_rules("ip");
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(strstr(r, "type nat hook postrouting priority srcnat; policy accept;"), "%s", r);
	ck_assert_msg(strstr(r, "ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 ip daddr != 224.0.0.0/4 masquerade"),
		      "%s", r);
	free(r);
	ck_assert_ptr_null(nft_rules("ip6")); /* one family asked for, one table */
	/* Nothing changed: nothing written. */
	reconcile(a, &rep);
	ck_assert_uint_eq(rep.egress_writes, 0);
	/* Someone adds a rule to our chain: the next reconcile puts the table back. */
	ck_assert_int_eq(system("nft add rule ip cni-c-node postrouting ip saddr 1.2.3.4 accept"), 0);
	reconcile(a, &rep);
	ck_assert_uint_gt(rep.egress_writes, 0);
	r = nft_rules("ip");
	ck_assert_msg(!strstr(r, "1.2.3.4") && strstr(r, "masquerade"), "%s", r);
	free(r);
	agent_close(a);
	/* Another cluster CIDR, and IPv6 too: both tables, the old rule gone. */
	a = open_agent_cluster(&cap, &log, "10.245.0.0/16", "fd10:244::/48");
	put(a, "self", "10.245.1.0/24,fd10:244:0:1::/64", "10.0.0.1,fd00::1");
	reconcile(a, &rep);
	r = nft_rules("ip");
	ck_assert_msg(strstr(r, "ip saddr 10.245.0.0/16") && !strstr(r, "10.244.0.0"), "%s", r);
	free(r);
	r = nft_rules("ip6");
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(strstr(r, "ip6 saddr fd10:244::/48 ip6 daddr != fd10:244::/48 ip6 daddr != ff00::/8 masquerade"), "%s",
		      r);
	free(r);
	/* Cleanup removes both. */
	ck_assert_int_eq(agent_cleanup(a), 0);
	ck_assert_ptr_null(nft_rules("ip"));
	ck_assert_ptr_null(nft_rules("ip6"));
	agent_close(a);
	/* Without a cluster CIDR, a table an earlier run left is removed. */
	a = open_agent_cluster(&cap, &log, "10.244.0.0/16", NULL);
	put(a, "self", "10.244.1.0/24", "10.0.0.1");
	reconcile(a, &rep);
	agent_close(a);
	a = open_agent_cluster(&cap, &log, NULL, NULL);
	put(a, "self", "10.244.1.0/24", "10.0.0.1");
	reconcile(a, &rep);
	ck_assert_ptr_null(nft_rules("ip"));
	agent_close(a);
}
END_TEST

Suite *dataplane_suite(void);
Suite *dataplane_suite(void)
{
	Suite *s;
	TCase *tc;

	if (geteuid() != 0)
		return NULL;
	s = suite_create("dataplane");
	tc = tcase_create("kernel");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, full_direct_and_vxlan);
	tcase_add_test(tc, foreign_routes_untouched);
	tcase_add_test(tc, unknown_node_holds_deletions);
	tcase_add_test(tc, events_are_incremental);
	tcase_add_test(tc, self_change_moves_vtep);
	tcase_add_test(tc, egress_tables);
	suite_add_tcase(s, tc);
	return s;
}
