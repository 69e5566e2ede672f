/* route.c: RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE dumps. */
#include "route.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

static void route_req(struct nl_req *req, uint16_t type, uint16_t flags, const struct route_spec *rt)
{
	struct rtmsg *rtm = nl_req_init(req, type, flags, sizeof(*rtm));
	unsigned table = rt->table >= 0 ? (unsigned)rt->table : RT_TABLE_MAIN;
	unsigned len = ipnet_addr_len(rt->dst.ip.family);
	struct ipnet net;

	rtm->rtm_family = (unsigned char)rt->dst.ip.family;
	rtm->rtm_dst_len = (unsigned char)rt->dst.prefix;
	rtm->rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = rt->protocol ? rt->protocol : RTPROT_BOOT;
	rtm->rtm_type = RTN_UNICAST;
	if (rt->onlink)
		rtm->rtm_flags |= RTNH_F_ONLINK;
	if (rt->scope >= 0)
		rtm->rtm_scope = (unsigned char)rt->scope;
	else
		rtm->rtm_scope = rt->gw.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	if (type == RTM_DELROUTE) {
		/* Match any type, and any protocol unless one is given, as `ip route del` does. */
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
		rtm->rtm_protocol = rt->protocol;
		rtm->rtm_type = 0;
		rtm->rtm_flags = 0;
	}
	if (table >= 256)
		nl_put_u32(req, RTA_TABLE, table);
	ipnet_network(&rt->dst, &net);
	if (rt->dst.prefix > 0)
		nl_put(req, RTA_DST, net.ip.a, len);
	if (rt->gw.family)
		nl_put(req, RTA_GATEWAY, rt->gw.a, ipnet_addr_len(rt->gw.family));
	if (rt->oif > 0)
		nl_put_u32(req, RTA_OIF, (uint32_t)rt->oif);
	if (rt->priority)
		nl_put_u32(req, RTA_PRIORITY, rt->priority);
	if (rt->mtu || rt->advmss) {
		struct nlattr *m = nl_nest_begin(req, RTA_METRICS);

		if (rt->mtu)
			nl_put_u32(req, RTAX_MTU, rt->mtu);
		if (rt->advmss)
			nl_put_u32(req, RTAX_ADVMSS, rt->advmss);
		nl_nest_end(req, m);
	}
}

void route_build(struct nl_req *req, enum route_op op, const struct route_spec *rt)
{
	switch (op) {
	case ROUTE_OP_ADD:
		route_req(req, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, rt);
		break;
	case ROUTE_OP_REPLACE:
		route_req(req, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, rt);
		break;
	case ROUTE_OP_DEL:
		route_req(req, RTM_DELROUTE, 0, rt);
		break;
	}
}

int route_add(struct nl *nl, const struct route_spec *rt)
{
	struct nl_req req;

	route_req(&req, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, rt);
	return nl_call(nl, &req, NULL, NULL);
}

int route_del(struct nl *nl, const struct route_spec *rt)
{
	struct nl_req req;

	route_req(&req, RTM_DELROUTE, 0, rt);
	return nl_call(nl, &req, NULL, NULL);
}

struct list {
	int table, oif;
	unsigned char protocol;
	route_dump_cb cb;
	void *data;
};

struct grow {
	struct route_spec *v;
	size_t n, cap;
};

static int append_cb(const struct route_spec *rt, void *data)
{
	struct grow *g = data;

	if (ARRAY_RESERVE(g->v, g->cap, g->n) < 0)
		return -ENOMEM;
	g->v[g->n++] = *rt;
	return 0;
}

static int first_nexthop_oif(const struct nlattr *mp)
{
	size_t len;
	const struct rtnexthop *nh = nl_get_data(mp, &len);

	return len >= sizeof(*nh) ? nh->rtnh_ifindex : 0;
}

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = nl_msg_header(nlh, sizeof(*rtm));
	const struct nlattr *tb[RTA_MAX + 1];
	struct list *l = data;
	struct route_spec rt = {.table = -1, .scope = -1};
	unsigned alen;
	int table, r;

	if (nlh->nlmsg_type != RTM_NEWROUTE || !rtm || rtm->rtm_type != RTN_UNICAST)
		return 0;
	if (l->protocol && rtm->rtm_protocol != l->protocol)
		return 0;
	alen = ipnet_addr_len(rtm->rtm_family);
	r = nl_parse(nlh, sizeof(*rtm), tb, RTA_MAX);
	if (r < 0)
		return r;
	table = tb[RTA_TABLE] ? (int)nl_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table != l->table)
		return 0;
	rt.table = table;
	rt.scope = rtm->rtm_scope;
	rt.protocol = rtm->rtm_protocol;
	rt.onlink = rtm->rtm_flags & RTNH_F_ONLINK;
	rt.dst.ip.family = rtm->rtm_family;
	rt.dst.prefix = rtm->rtm_dst_len;
	if (tb[RTA_DST]) {
		size_t len;
		const void *p = nl_get_data(tb[RTA_DST], &len);

		if (len == alen)
			memcpy(rt.dst.ip.a, p, len);
	}
	if (tb[RTA_GATEWAY]) {
		size_t len;
		const void *p = nl_get_data(tb[RTA_GATEWAY], &len);

		if (len == alen) {
			rt.gw.family = rtm->rtm_family;
			memcpy(rt.gw.a, p, len);
		}
	}
	if (tb[RTA_OIF])
		rt.oif = (int)nl_get_u32(tb[RTA_OIF]);
	else if (tb[RTA_MULTIPATH])
		rt.oif = first_nexthop_oif(tb[RTA_MULTIPATH]);
	if (tb[RTA_PRIORITY])
		rt.priority = nl_get_u32(tb[RTA_PRIORITY]);
	if (l->oif && rt.oif != l->oif)
		return 0;
	return l->cb(&rt, l->data);
}

int route_list(struct nl *nl, int family, int table, int oif, struct route_spec **ret, size_t *ret_n)
{
	struct route_filter f = {.family = family, .table = table, .oif = oif};

	return route_list_filtered(nl, &f, ret, ret_n);
}

int route_dump(struct nl *nl, const struct route_filter *f, route_dump_cb cb, void *data)
{
	struct list l = {.table = f->table >= 0 ? f->table : RT_TABLE_MAIN, .oif = f->oif, .protocol = f->protocol,
			 .cb = cb, .data = data};
	struct nl_req req;
	struct rtmsg *rtm = nl_req_init(&req, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rtm));
	int r;

	/* Strict dumps (NETLINK_GET_STRICT_CHK, set by nl_open) filter in the kernel. */
	rtm->rtm_family = (unsigned char)f->family;
	rtm->rtm_protocol = f->protocol;
	if (l.table < 256)
		rtm->rtm_table = (unsigned char)l.table;
	else
		nl_put_u32(&req, RTA_TABLE, (uint32_t)l.table);
	r = nl_call(nl, &req, list_cb, &l);
	/* A strict dump of a table that was never created fails with ENOENT: no routes. */
	return r == -ENOENT ? 0 : r;
}

int route_list_filtered(struct nl *nl, const struct route_filter *f, struct route_spec **ret, size_t *ret_n)
{
	int tries = 0;
	struct grow g = {0};
	int r;

	do
		g.n = 0;
	while (nl_dump_again(r = route_dump(nl, f, append_cb, &g), &tries));
	if (r < 0) {
		free(g.v);
		return r;
	}
	*ret = g.v;
	*ret_n = g.n;
	return 0;
}

int route_default_oif(struct nl *nl)
{
	static const int families[] = {AF_INET, AF_INET6};

	for (size_t f = 0; f < ELEMENTSOF(families); f++) {
		_cleanup_free_ struct route_spec *v = NULL;
		size_t n = 0;
		int r;

		r = route_list(nl, families[f], -1, 0, &v, &n);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++)
			if (v[i].dst.prefix == 0 && v[i].oif > 0)
				return v[i].oif;
	}
	return -ENOENT;
}

static int oif_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = nl_msg_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1];
	int r;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	r = nl_parse(nlh, sizeof(*rtm), tb, RTA_MAX);
	if (r < 0)
		return r;
	if (tb[RTA_OIF])
		*(int *)data = (int)nl_get_u32(tb[RTA_OIF]);
	return 0;
}

int route_get_oif(struct nl *nl, const struct ipnet_addr *dst)
{
	struct nl_req req;
	struct rtmsg *rtm = nl_req_init(&req, RTM_GETROUTE, 0, sizeof(*rtm));
	int oif = 0, r;

	rtm->rtm_family = (unsigned char)dst->family;
	rtm->rtm_dst_len = (unsigned char)ipnet_bits(dst->family);
	nl_put(&req, RTA_DST, dst->a, ipnet_addr_len(dst->family));
	r = nl_call(nl, &req, oif_cb, &oif);
	if (r < 0)
		return r;
	return oif > 0 ? oif : -ENETUNREACH;
}
