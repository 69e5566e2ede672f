/* fuzz_nl_route: rtnetlink route messages (RTM_NEWROUTE dumps, with multipath nexthops)
 * through pkg/route.c's list_cb, included here; each message gets a heap buffer of exactly
 * its length.
 * Properties: a parsed route, encoded again with route.c's own request builder, parses to
 * the same destination network, gateway, interface, table, scope and priority. */
#define FUZZ_NETLINK
#include "fuzz.h"

#include <libmnl/libmnl.h>

#include "../../pkg/route.c"

static bool same(const struct route_spec *a, const struct route_spec *b)
{
	struct ipnet na, nb;

	ipnet_network(&a->dst, &na);
	ipnet_network(&b->dst, &nb);
	return a->dst.ip.family == b->dst.ip.family && a->dst.prefix == b->dst.prefix &&
	       ipnet_addr_eq(&na.ip, &nb.ip) && a->gw.family == b->gw.family &&
	       (!a->gw.family || ipnet_addr_eq(&a->gw, &b->gw)) && (a->oif <= 0 || a->oif == b->oif) &&
	       a->table == b->table && a->scope == b->scope && a->priority == b->priority;
}

static void parse_with_table(const struct nlmsghdr *nlh, int table)
{
	struct grow g = {0}, again = {0};
	struct list l = {.table = table, .cb = append_cb, .data = &g};
	struct list l2 = {.table = table, .cb = append_cb, .data = &again};
	struct nl_req req;

	if (list_cb(nlh, &l) < 0 || g.n == 0)
		goto out;
	FUZZ_CHECK(g.n == 1, "one message, %zu routes", g.n);
	route_req(&req, RTM_NEWROUTE, 0, &g.v[0]);
	FUZZ_CHECK(!req.overflow && list_cb(req.nlh, &l2) == 0 && again.n == 1, "our own encoding does not parse");
	FUZZ_CHECK(same(&g.v[0], &again.v[0]), "route changed in the round trip (table %d)", table);
out:
	free(g.v);
	free(again.v);
}

static void one(const struct nlmsghdr *nlh)
{
	const struct rtmsg *peek = nl_msg_header(nlh, sizeof(*peek));

	parse_with_table(nlh, RT_TABLE_MAIN);
	if (peek)
		parse_with_table(nlh, peek->rtm_table);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_each_nlmsg(data, size, one);
	return 0;
}
