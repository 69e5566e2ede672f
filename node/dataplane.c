/* dataplane.c: read the agent's kernel state, compare it with the wants, write the
 * difference in one batch. The order inside a batch: deletions first (a prefix may move
 * from one node to another), then FDB, neighbour and route entries. */
#include "dataplane.h"

#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "link.h"
#include "log.h"
#include "macro.h"
#include "neigh.h"
#include "nl.h"
#include "route.h"

struct dp {
	struct nl *nl;
	struct nl *mon; /* notifications, NULL when they could not be had */
	struct dp_opts o;
};

static const char *const vx_names[_NODE_FAMILY_MAX] = {DP_VXLAN_NAME4, DP_VXLAN_NAME6};

static int open_monitor(struct nl **ret)
{
	static const unsigned groups[] = {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
					  RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE};
	_cleanup_nl_ struct nl *mon = NULL;
	int r;

	r = nl_open(&mon);
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(groups); i++)
		r = nl_subscribe(mon, groups[i]);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(mon);
	return 0;
}

int dp_open(const struct dp_opts *o, struct dp **ret)
{
	_cleanup_free_ struct dp *dp = calloc(1, sizeof(*dp));
	int r;

	if (!dp)
		return -ENOMEM;
	dp->o = *o;
	if (!dp->o.vni)
		dp->o.vni = DP_VXLAN_VNI;
	if (!dp->o.port)
		dp->o.port = DP_VXLAN_PORT;
	r = nl_open(&dp->nl);
	if (r < 0)
		return r;
	if (open_monitor(&dp->mon) < 0)
		dp->mon = NULL; /* the periodic resync still puts things right */
	*ret = TAKE_PTR(dp);
	return 0;
}

void dp_close(struct dp *dp)
{
	if (!dp)
		return;
	nl_close(dp->nl);
	nl_close(dp->mon);
	free(dp);
}

/* ---- changes made by others ---- */

int dp_monitor_fd(struct dp *dp)
{
	return dp->mon ? nl_fd(dp->mon) : -1;
}

/* A notification that can change what the agent wants or has. */
static int relevant_cb(const struct nlmsghdr *nlh, void *data)
{
	bool *changed = data;
	const struct nlattr *tb[IFLA_MAX + 1];

	switch (nlh->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE: {
		const struct rtmsg *rtm = nl_msg_payload(nlh);

		/* Ours (someone else changed them), or a connected prefix coming or going. */
		if (rtm->rtm_protocol == DP_RTPROT || rtm->rtm_protocol == RTPROT_KERNEL)
			*changed |= rtm->rtm_table == RT_TABLE_MAIN;
		break;
	}
	case RTM_NEWADDR:
	case RTM_DELADDR: {
		const struct ifaddrmsg *ifa = nl_msg_payload(nlh);

		*changed |= ifa->ifa_scope == RT_SCOPE_UNIVERSE;
		break;
	}
	case RTM_NEWLINK:
	case RTM_DELLINK:
		/* Bridge ports (pods' veths) come and go with pods: not the underlay. */
		if (nl_parse(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX) >= 0 && !tb[IFLA_MASTER])
			*changed = true;
		break;
	}
	return 0;
}

bool dp_kernel_changed(struct dp *dp)
{
	bool changed = false;

	if (dp->mon && nl_drain(dp->mon, relevant_cb, &changed) == -ENOBUFS)
		changed = true;
	return changed;
}

/* What the agent's own writes caused: read and forgotten. */
static void forget_own(struct dp *dp)
{
	if (dp->mon)
		(void)nl_drain(dp->mon, NULL, NULL);
}

static const char *fam_name(int fam)
{
	return fam == NODE_V4 ? "IPv4" : "IPv6";
}

/* ---- on-link prefixes ---- */

static int vx_ifindex(struct dp *dp, int fam)
{
	struct link_info li;

	return link_get_by_name(dp->nl, vx_names[fam], &li) < 0 ? 0 : li.ifindex;
}

int dp_onlink(struct dp *dp, struct onlink_set *ret)
{
	static const unsigned char protos[] = {RTPROT_KERNEL, RTPROT_BOOT, RTPROT_STATIC, RTPROT_RA, RTPROT_DHCP};
	struct onlink_set s = {0};
	int r = 0;

	for (int fam = 0; fam < _NODE_FAMILY_MAX && r >= 0; fam++) {
		int vx = vx_ifindex(dp, fam);

		for (size_t p = 0; p < ELEMENTSOF(protos) && r >= 0; p++) {
			struct route_filter f = {.family = node_family_af(fam), .table = -1, .protocol = protos[p]};
			_cleanup_free_ struct route_spec *v = NULL;
			size_t n = 0;

			r = route_list_filtered(dp->nl, &f, &v, &n);
			for (size_t i = 0; r >= 0 && i < n; i++) {
				struct onlink *g;

				if (v[i].gw.family || v[i].oif <= 0 || v[i].oif == vx || v[i].dst.prefix == 0)
					continue;
				g = realloc(s.v[fam], (s.n[fam] + 1) * sizeof(*g));
				if (!g) {
					r = -ENOMEM;
					break;
				}
				s.v[fam] = g;
				s.v[fam][s.n[fam]++] = (struct onlink){.net = v[i].dst, .oif = v[i].oif};
			}
		}
	}
	if (r < 0) {
		onlink_set_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

/* ---- VXLAN devices ---- */

/* The link that holds address a, 0 when none does. */
static int link_of_addr(struct dp *dp, const struct ipnet_addr *a)
{
	_cleanup_free_ struct addr_entry *v = NULL;
	size_t n = 0;

	if (addr_list(dp->nl, 0, a->family, &v, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (ipnet_addr_eq(&v[i].addr.ip, a))
			return v[i].ifindex;
	return 0;
}

static bool vx_matches(const struct dp *dp, const struct link_info *li, const struct ipnet_addr *local, int dev,
		       const uint8_t mac[6])
{
	const struct link_vxlan_info *x = &li->vxlan;

	return x->vni == dp->o.vni && x->port == dp->o.port && ipnet_addr_eq(&x->local, local) && x->dev == dev &&
	       !x->learning && li->has_mac && memcmp(li->mac, mac, 6) == 0;
}

/* The VTEP address on the device: exactly this node's, nothing else global. */
static int vx_address(struct dp *dp, int ifindex, const struct ipnet *vtep, struct dp_stats *st)
{
	_cleanup_free_ struct addr_entry *v = NULL;
	bool have = false;
	size_t n = 0;
	int r;

	r = addr_list(dp->nl, ifindex, vtep->ip.family, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (v[i].scope != RT_SCOPE_UNIVERSE)
			continue;
		if (v[i].addr.prefix == vtep->prefix && ipnet_addr_eq(&v[i].addr.ip, &vtep->ip)) {
			have = true;
			continue;
		}
		r = addr_del(dp->nl, ifindex, &v[i].addr);
		st->link_ops++;
		st->writes++;
		if (r < 0 && r != -EADDRNOTAVAIL)
			return r;
	}
	if (have)
		return 0;
	st->link_ops++;
	st->writes++;
	r = addr_add(dp->nl, ifindex, vtep, true);
	return r == -EEXIST ? 0 : r;
}

/* Make the family's device exist as configured (or not at all); its ifindex or 0. */
static int vx_ensure(struct dp *dp, int fam, const struct node_facts *self, bool needed, struct dp_stats *st)
{
	struct link_opts_local {
		struct ipnet vtep;
		uint8_t mac[6];
		int dev;
	} want = {0};
	struct link_info li;
	bool exists;
	int r;

	r = link_get_by_name(dp->nl, vx_names[fam], &li);
	if (r < 0 && r != -ENODEV)
		return r;
	exists = r == 0;
	if (exists && strcmp(li.kind, "vxlan") != 0) {
		log_msg(dp->o.log, LOG_LEVEL_ERROR, "a link named %s exists and is no VXLAN device: not touching it",
			vx_names[fam]);
		return -EEXIST;
	}
	if (!needed) {
		if (!exists)
			return 0;
		st->link_ops++;
		st->writes++;
		r = link_del(dp->nl, li.ifindex);
		return r == -ENODEV ? 0 : r;
	}
	want.dev = link_of_addr(dp, &self->ip[fam]);
	if (!want.dev) {
		char ip[IPNET_STRLEN];

		log_msg(dp->o.log, LOG_LEVEL_ERROR, "this node's InternalIP %s is on none of its links: no VXLAN",
			ipnet_addr_fmt(&self->ip[fam], ip));
		return -EADDRNOTAVAIL;
	}
	plan_vtep_mac(&self->ip[fam], want.mac);
	plan_vtep_addr(&self->cidr[fam], &want.vtep.ip);
	want.vtep.prefix = ipnet_bits(want.vtep.ip.family);
	if (exists && !vx_matches(dp, &li, &self->ip[fam], want.dev, want.mac)) {
		log_msg(dp->o.log, LOG_LEVEL_INFO, "%s changed (VNI, port, address or MAC): recreating it",
			vx_names[fam]);
		st->link_ops++;
		st->writes++;
		r = link_del(dp->nl, li.ifindex);
		if (r < 0 && r != -ENODEV)
			return r;
		exists = false;
	}
	if (!exists) {
		struct link_vxlan_opts o = {
			.name = vx_names[fam], .vni = dp->o.vni, .port = dp->o.port, .local = &self->ip[fam],
			.dev = want.dev, .mac = want.mac,
		};

		st->link_ops++;
		st->writes++;
		r = link_create_vxlan(dp->nl, &o);
		if (r < 0) {
			log_msg(dp->o.log, LOG_LEVEL_ERROR, "cannot create %s: %s%s%s", vx_names[fam], strerror(-r),
				*nl_extack(dp->nl) ? "; kernel: " : "", nl_extack(dp->nl));
			return r;
		}
		r = link_get_by_name(dp->nl, vx_names[fam], &li);
		if (r < 0)
			return r;
		log_msg(dp->o.log, LOG_LEVEL_INFO, "created %s (VNI %u, port %u)", vx_names[fam], dp->o.vni, dp->o.port);
	}
	r = vx_address(dp, li.ifindex, &want.vtep, st);
	if (r < 0)
		return r;
	if (!(li.flags & IFF_UP)) {
		st->link_ops++;
		st->writes++;
		r = link_set_up(dp->nl, li.ifindex, true);
		if (r < 0)
			return r;
	}
	return li.ifindex;
}

/* ---- entries from wants ---- */

/* The kernel gives IPv6 routes metric 1024 when none is set; say so, to compare alike. */
#define DP_METRIC6 1024

static void want_route(const struct node_want *w, int vx_ifindex, struct route_spec *rt)
{
	*rt = (struct route_spec){
		.dst = w->dst, .gw = w->gw, .oif = w->vxlan ? vx_ifindex : w->oif, .table = -1, .scope = -1,
		.protocol = DP_RTPROT, .onlink = w->vxlan, .priority = w->dst.ip.family == AF_INET6 ? DP_METRIC6 : 0,
	};
}

static void want_neigh(const struct node_want *w, int vx_ifindex, struct neigh_entry *e)
{
	*e = (struct neigh_entry){.family = w->gw.family, .ifindex = vx_ifindex, .dst = w->gw, .has_lladdr = true,
				  .state = NUD_PERMANENT};
	memcpy(e->lladdr, w->mac, 6);
}

static void want_fdb(const struct node_want *w, int vx_ifindex, struct neigh_entry *e)
{
	*e = (struct neigh_entry){.family = AF_BRIDGE, .ifindex = vx_ifindex, .dst = w->remote, .has_lladdr = true,
				  .state = NUD_PERMANENT, .flags = NTF_SELF};
	memcpy(e->lladdr, w->mac, 6);
}

/* ---- the batch and what each request was for ---- */

/* Requests kept before they are sent: the batch goes out in chunks of this many, so a
 * reconcile of any size holds a bounded buffer (the kernel sees the same stream). */
#define DP_CHUNK 256

enum op_kind { OP_ROUTE, OP_NEIGH, OP_FDB };
enum op_verb { OP_ADD, OP_REPLACE, OP_DEL };

struct op {
	uint8_t kind, verb, fam;
	size_t node; /* full mode: index in the table; delta mode: in the deltas; SIZE_MAX: stale */
	struct ipnet dst;
};

struct plan_batch {
	struct dp *dp;
	struct nl_batch *b;
	struct op ops[DP_CHUNK];
	size_t n;
	struct nodes *nodes;
	struct dp_delta *deltas; /* delta mode */
	struct dp_stats *st;
};

static struct node_want *op_want(struct plan_batch *pb, const struct op *op)
{
	if (op->node == SIZE_MAX)
		return NULL;
	if (pb->deltas)
		return pb->deltas[op->node].node ? &pb->deltas[op->node].node->want[op->fam] : NULL;
	return &pb->nodes->v[op->node]->want[op->fam];
}

static const char *op_node_name(struct plan_batch *pb, const struct op *op)
{
	if (op->node == SIZE_MAX)
		return "(stale entry)";
	if (pb->deltas)
		return pb->deltas[op->node].name;
	return pb->nodes->v[op->node]->name;
}

static int batch_err_cb(size_t index, int error, const char *extack, void *data)
{
	static const char *const kinds[] = {"route to", "neighbour", "FDB entry for"};
	static const char *const verbs[] = {"add", "replace", "delete"};
	struct plan_batch *pb = data;
	const struct op *op = &pb->ops[index];
	struct node_want *w;
	char dst[IPNET_STRLEN];

	/* Deleting what is already gone is what was wanted. */
	if (op->verb == OP_DEL && (error == -ESRCH || error == -ENOENT || error == -EADDRNOTAVAIL))
		return 0;
	pb->st->errors++;
	if (op->kind == OP_ROUTE)
		ipnet_fmt(&op->dst, dst);
	else
		ipnet_addr_fmt(&op->dst.ip, dst);
	if (op->kind == OP_ROUTE && op->verb == OP_ADD && error == -EEXIST)
		log_msg(pb->dp->o.log, LOG_LEVEL_WARN,
			"node %s: a route to %s exists that is not the agent's: leaving it, no route for this node",
			op_node_name(pb, op), dst);
	else
		log_msg(pb->dp->o.log, LOG_LEVEL_ERROR, "node %s: cannot %s %s %s: %s%s%s", op_node_name(pb, op),
			verbs[op->verb], kinds[op->kind], dst, strerror(-error), *extack ? "; kernel: " : "", extack);
	/* What failed is not applied: the next full reconcile tries again. */
	w = op_want(pb, op);
	if (w && op->verb != OP_DEL)
		*w = (struct node_want){0};
	return 0;
}

/* Send what is queued. Refused requests are reported one by one (batch_err_cb); only a
 * socket failure fails the reconcile. */
static int batch_send(struct plan_batch *pb)
{
	int r;

	if (pb->n == 0)
		return 0;
	r = nl_batch_send(pb->dp->nl, pb->b, batch_err_cb, pb);
	pb->n = 0;
	return r < 0 ? r : 0;
}

static int batch_push(struct plan_batch *pb, const struct nl_req *req, struct op op)
{
	int r;

	if (pb->n == DP_CHUNK) {
		r = batch_send(pb);
		if (r < 0)
			return r;
	}
	r = nl_batch_add(pb->b, req);
	if (r < 0)
		return r;
	pb->ops[pb->n++] = op;
	pb->st->writes++;
	return 0;
}

static int push_route(struct plan_batch *pb, enum op_verb verb, const struct route_spec *rt, size_t node, int fam)
{
	static const enum route_op rop[] = {[OP_ADD] = ROUTE_OP_ADD, [OP_REPLACE] = ROUTE_OP_REPLACE,
					    [OP_DEL] = ROUTE_OP_DEL};
	struct nl_req req;

	route_build(&req, rop[verb], rt);
	if (verb == OP_ADD)
		pb->st->route_add++;
	else if (verb == OP_REPLACE)
		pb->st->route_replace++;
	else
		pb->st->route_del++;
	return batch_push(pb, &req, (struct op){.kind = OP_ROUTE, .verb = verb, .fam = fam, .node = node, .dst = rt->dst});
}

static int push_neigh(struct plan_batch *pb, enum op_kind kind, bool del, const struct neigh_entry *e, size_t node,
		      int fam)
{
	struct nl_req req;
	struct op op = {.kind = kind, .verb = del ? OP_DEL : OP_REPLACE, .fam = fam, .node = node};

	neigh_build(&req, del ? NEIGH_OP_DEL : NEIGH_OP_REPLACE, e);
	if (kind == OP_FDB)
		del ? pb->st->fdb_del++ : pb->st->fdb_set++;
	else
		del ? pb->st->neigh_del++ : pb->st->neigh_set++;
	op.dst.ip = e->dst;
	return batch_push(pb, &req, op);
}

static int plan_batch_init(struct plan_batch **ret, struct dp *dp, struct nodes *nodes, struct dp_stats *st)
{
	struct plan_batch *pb = calloc(1, sizeof(*pb));
	int r;

	if (!pb)
		return -ENOMEM;
	*pb = (struct plan_batch){.dp = dp, .nodes = nodes, .st = st};
	r = nl_batch_new(&pb->b);
	if (r < 0) {
		free(pb);
		return r;
	}
	*ret = pb;
	return 0;
}

static void plan_batch_free(struct plan_batch *pb)
{
	if (!pb)
		return;
	nl_batch_free(pb->b);
	free(pb);
}
DEFINE_CLEANUP_FUNC(struct plan_batch *, plan_batch_free);

/* ---- full reconcile ---- */

/* An own route as the kernel has it: only what is compared. */
struct have_route {
	struct ipnet dst;
	struct ipnet_addr gw;
	int oif;
	unsigned priority;
	bool onlink, claimed;
};

struct have_routes {
	struct have_route *v;
	size_t n, cap;
};

static void have_of(const struct route_spec *rt, struct have_route *h)
{
	*h = (struct have_route){.gw = rt->gw, .oif = rt->oif, .priority = rt->priority, .onlink = rt->onlink};
	ipnet_network(&rt->dst, &h->dst);
}

static int have_cmp(const void *x, const void *y)
{
	const struct have_route *a = x, *b = y;
	int c;

	if (a->dst.ip.family != b->dst.ip.family)
		return a->dst.ip.family < b->dst.ip.family ? -1 : 1;
	c = memcmp(a->dst.ip.a, b->dst.ip.a, 16);
	if (c)
		return c;
	if (a->dst.prefix != b->dst.prefix)
		return a->dst.prefix < b->dst.prefix ? -1 : 1;
	return a->priority < b->priority ? -1 : a->priority > b->priority;
}

static bool have_same(const struct have_route *a, const struct have_route *b)
{
	return ipnet_addr_eq(&a->gw, &b->gw) && a->oif == b->oif && a->onlink == b->onlink;
}

static int have_push(const struct route_spec *rt, void *data)
{
	struct have_routes *h = data;

	if (ARRAY_RESERVE(h->v, h->cap, h->n) < 0)
		return -ENOMEM;
	have_of(rt, &h->v[h->n++]);
	return 0;
}

/* Every own route, both families, sorted by key. */
static int read_routes(struct dp *dp, struct have_routes *h)
{
	for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++) {
		struct route_filter f = {.family = node_family_af(fam), .table = -1, .protocol = DP_RTPROT};
		size_t start = h->n;
		int tries = 0;
		int r;

		do
			h->n = start;
		while (nl_dump_again(r = route_dump(dp->nl, &f, have_push, h), &tries));
		if (r < 0)
			return r;
	}
	if (h->n)
		qsort(h->v, h->n, sizeof(*h->v), have_cmp);
	return 0;
}

static struct have_route *find_have(struct have_routes *h, const struct route_spec *rt)
{
	struct have_route key;

	have_of(rt, &key);
	return h->n ? bsearch(&key, h->v, h->n, sizeof(*h->v), have_cmp) : NULL;
}

/* Stale own routes out (unless held), after every wanted one has claimed its own. */
static int route_deletions(struct plan_batch *pb, struct have_routes *h, const int vx[], bool keep_unknown)
{
	int r;

	for (size_t i = 0; i < pb->nodes->n; i++)
		for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++) {
			struct route_spec rt;
			struct have_route *hv;

			if (!pb->nodes->v[i]->want[fam].route)
				continue;
			want_route(&pb->nodes->v[i]->want[fam], vx[fam], &rt);
			hv = find_have(h, &rt);
			if (hv)
				hv->claimed = true;
		}
	for (size_t i = 0; i < h->n && !keep_unknown; i++) {
		struct route_spec rt = {.dst = h->v[i].dst, .gw = h->v[i].gw, .oif = h->v[i].oif, .table = -1,
					.scope = -1, .priority = h->v[i].priority, .protocol = DP_RTPROT};

		if (h->v[i].claimed)
			continue;
		r = push_route(pb, OP_DEL, &rt, SIZE_MAX, h->v[i].dst.ip.family == AF_INET6);
		if (r < 0)
			return r;
	}
	return 0;
}

static int route_additions(struct plan_batch *pb, struct have_routes *h, const int vx[])
{
	for (size_t i = 0; i < pb->nodes->n; i++)
		for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++) {
			struct have_route want, *hv;
			struct route_spec rt;
			int r;

			if (!pb->nodes->v[i]->want[fam].route)
				continue;
			want_route(&pb->nodes->v[i]->want[fam], vx[fam], &rt);
			have_of(&rt, &want);
			hv = find_have(h, &rt);
			if (hv && have_same(hv, &want))
				continue;
			r = push_route(pb, hv ? OP_REPLACE : OP_ADD, &rt, i, fam);
			if (r < 0)
				return r;
		}
	return 0;
}

/* Permanent neighbours (by address) or FDB entries (by MAC) of one VXLAN device. */
struct have_entry {
	struct neigh_entry e;
	bool claimed;
};

static int entry_cmp_addr(const void *x, const void *y)
{
	return ipnet_addr_cmp(&((const struct have_entry *)x)->e.dst, &((const struct have_entry *)y)->e.dst);
}

static int entry_cmp_mac(const void *x, const void *y)
{
	return memcmp(((const struct have_entry *)x)->e.lladdr, ((const struct have_entry *)y)->e.lladdr, 6);
}

static int read_entries(struct dp *dp, int family, int ifindex, struct have_entry **ret, size_t *ret_n)
{
	_cleanup_free_ struct neigh_entry *v = NULL;
	struct have_entry *h;
	size_t n = 0, k = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!ifindex)
		return 0;
	r = neigh_list(dp->nl, family, ifindex, &v, &n);
	if (r < 0)
		return r;
	h = calloc(n + 1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((v[i].state & NUD_PERMANENT) && v[i].has_lladdr && (family != AF_BRIDGE || v[i].dst.family))
			h[k++].e = v[i];
	qsort(h, k, sizeof(*h), family == AF_BRIDGE ? entry_cmp_mac : entry_cmp_addr);
	*ret = h;
	*ret_n = k;
	return 0;
}

static int diff_entries(struct plan_batch *pb, int fam, int ifindex, bool fdb, bool deletions)
{
	_cleanup_free_ struct have_entry *have = NULL;
	int (*cmp)(const void *, const void *) = fdb ? entry_cmp_mac : entry_cmp_addr;
	enum op_kind kind = fdb ? OP_FDB : OP_NEIGH;
	size_t n_have = 0;
	int r;

	r = read_entries(pb->dp, fdb ? AF_BRIDGE : node_family_af(fam), ifindex, &have, &n_have);
	if (r < 0)
		return r;
	for (size_t i = 0; i < pb->nodes->n; i++) {
		const struct node_want *w = &pb->nodes->v[i]->want[fam];
		struct have_entry key = {0}, *h;

		if (!w->route || !w->vxlan)
			continue;
		if (fdb)
			want_fdb(w, ifindex, &key.e);
		else
			want_neigh(w, ifindex, &key.e);
		h = n_have ? bsearch(&key, have, n_have, sizeof(*have), cmp) : NULL;
		if (h)
			h->claimed = true;
		if (deletions)
			continue;
		if (h && (fdb ? ipnet_addr_eq(&h->e.dst, &key.e.dst) : memcmp(h->e.lladdr, key.e.lladdr, 6) == 0))
			continue;
		r = push_neigh(pb, kind, false, &key.e, i, fam);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; deletions && i < n_have; i++) {
		if (have[i].claimed)
			continue;
		r = push_neigh(pb, kind, true, &have[i].e, SIZE_MAX, fam);
		if (r < 0)
			return r;
	}
	return 0;
}

int dp_reconcile(struct dp *dp, struct nodes *nodes, const struct node_facts *self, bool keep_unknown,
		 struct dp_stats *st)
{
	_cleanup_(plan_batch_freep) struct plan_batch *pb = NULL;
	struct have_routes have = {0};
	int vx[_NODE_FAMILY_MAX] = {0};
	int r;

	*st = (struct dp_stats){0};
	for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++) {
		bool needed = false;

		for (size_t i = 0; i < nodes->n && !needed; i++)
			needed = nodes->v[i]->want[fam].route && nodes->v[i]->want[fam].vxlan;
		r = vx_ensure(dp, fam, self, needed, st);
		if (r < 0) {
			/* Without its device, no node of this family goes through VXLAN. */
			log_msg(dp->o.log, LOG_LEVEL_ERROR, "no %s VXLAN path: %s", fam_name(fam), strerror(-r));
			for (size_t i = 0; i < nodes->n; i++)
				if (nodes->v[i]->want[fam].vxlan)
					nodes->v[i]->want[fam] = (struct node_want){0};
			r = 0;
		}
		vx[fam] = r;
	}
	r = plan_batch_init(&pb, dp, nodes, st);
	if (r >= 0)
		r = read_routes(dp, &have);
	if (r >= 0)
		r = route_deletions(pb, &have, vx, keep_unknown);
	for (int pass = 0; pass < 2; pass++) /* deletions of all, then additions */
		for (int fam = 0; fam < _NODE_FAMILY_MAX && r >= 0; fam++)
			if (vx[fam]) {
				r = diff_entries(pb, fam, vx[fam], true, pass == 0);
				if (r >= 0)
					r = diff_entries(pb, fam, vx[fam], false, pass == 0);
			}
	if (r >= 0)
		r = route_additions(pb, &have, vx);
	if (r >= 0)
		r = batch_send(pb);
	free(have.v);
	forget_own(dp);
	return r;
}

/* ---- changes of a few nodes ---- */

static bool same_dst(const struct node_want *a, const struct node_want *b)
{
	return a->route && b->route && a->dst.prefix == b->dst.prefix && ipnet_addr_eq(&a->dst.ip, &b->dst.ip);
}

static bool in_deltas(const struct dp_delta *d, size_t n, const struct node *x)
{
	for (size_t i = 0; i < n; i++)
		if (d[i].node == x)
			return true;
	return false;
}

/* What an old want held and the new one does not. */
static int delta_deletions(struct plan_batch *pb, const struct dp_delta *d, size_t k, const int vx[])
{
	int r = 0;

	for (int fam = 0; fam < _NODE_FAMILY_MAX && r >= 0; fam++) {
		const struct node_want *o = &d->old[fam], *w = &d->new_[fam];
		struct route_spec rt;
		struct neigh_entry e;

		if (!o->route || node_want_eq(o, w))
			continue;
		if (!same_dst(o, w)) {
			want_route(o, 0, &rt);
			rt.oif = 0;
			r = push_route(pb, OP_DEL, &rt, k, fam);
		}
		if (r >= 0 && o->vxlan && vx[fam] && !(w->vxlan && memcmp(o->mac, w->mac, 6) == 0)) {
			want_fdb(o, vx[fam], &e);
			r = push_neigh(pb, OP_FDB, true, &e, k, fam);
		}
		if (r >= 0 && o->vxlan && vx[fam] && !(w->vxlan && ipnet_addr_eq(&o->gw, &w->gw))) {
			want_neigh(o, vx[fam], &e);
			r = push_neigh(pb, OP_NEIGH, true, &e, k, fam);
		}
	}
	return r;
}

static int delta_additions(struct plan_batch *pb, const struct dp_delta *d, size_t k, const int vx[])
{
	int r = 0;

	for (int fam = 0; fam < _NODE_FAMILY_MAX && r >= 0; fam++) {
		const struct node_want *o = &d->old[fam], *w = &d->new_[fam];
		struct route_spec rt;
		struct neigh_entry e;

		if (!w->route || node_want_eq(o, w))
			continue;
		if (w->vxlan && !vx[fam])
			continue; /* no device: reported by vx_ensure */
		if (w->vxlan) {
			want_fdb(w, vx[fam], &e);
			r = push_neigh(pb, OP_FDB, false, &e, k, fam);
			if (r >= 0) {
				want_neigh(w, vx[fam], &e);
				r = push_neigh(pb, OP_NEIGH, false, &e, k, fam);
			}
		}
		if (r >= 0) {
			want_route(w, vx[fam], &rt);
			r = push_route(pb, same_dst(o, w) ? OP_REPLACE : OP_ADD, &rt, k, fam);
		}
	}
	return r;
}

int dp_apply_deltas(struct dp *dp, struct nodes *nodes, struct dp_delta *d, size_t n_d,
		    const struct node_facts *self, struct dp_stats *st)
{
	_cleanup_(plan_batch_freep) struct plan_batch *pb = NULL;
	int vx[_NODE_FAMILY_MAX] = {0};
	int r;

	*st = (struct dp_stats){0};
	for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++) {
		bool needed = false, was = false;

		for (size_t k = 0; k < n_d; k++) {
			needed |= d[k].new_[fam].route && d[k].new_[fam].vxlan;
			was |= d[k].old[fam].route && d[k].old[fam].vxlan;
		}
		if (!needed && !was)
			continue; /* no VXLAN on either side: the device is as it was */
		for (size_t i = 0; i < nodes->n && !needed; i++)
			needed = !in_deltas(d, n_d, nodes->v[i]) && nodes->v[i]->want[fam].route &&
				 nodes->v[i]->want[fam].vxlan;
		r = vx_ensure(dp, fam, self, needed, st);
		if (r < 0) {
			log_msg(dp->o.log, LOG_LEVEL_ERROR, "no %s VXLAN path: %s", fam_name(fam), strerror(-r));
			r = 0;
		}
		vx[fam] = r;
	}
	/* The nodes hold what is applied; a refused request clears its want (batch_err_cb). */
	for (size_t k = 0; k < n_d; k++)
		for (int fam = 0; d[k].node && fam < _NODE_FAMILY_MAX; fam++)
			d[k].node->want[fam] = d[k].new_[fam].vxlan && !vx[fam] ? (struct node_want){0} : d[k].new_[fam];
	r = plan_batch_init(&pb, dp, nodes, st);
	if (r < 0)
		return r;
	pb->deltas = d;
	for (size_t k = 0; k < n_d && r >= 0; k++)
		r = delta_deletions(pb, &d[k], k, vx);
	for (size_t k = 0; k < n_d && r >= 0; k++)
		r = delta_additions(pb, &d[k], k, vx);
	if (r >= 0)
		r = batch_send(pb);
	forget_own(dp);
	return r;
}

/* ---- cleanup ---- */

int dp_cleanup(struct dp *dp, struct dp_stats *st)
{
	_cleanup_(plan_batch_freep) struct plan_batch *pb = NULL;
	struct have_routes have = {0};
	int r;

	*st = (struct dp_stats){0};
	for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++) {
		struct link_info li;

		r = link_get_by_name(dp->nl, vx_names[fam], &li);
		if (r == -ENODEV)
			continue;
		if (r < 0)
			return r;
		if (strcmp(li.kind, "vxlan") != 0) {
			log_msg(dp->o.log, LOG_LEVEL_WARN, "a link named %s is no VXLAN device: left alone", vx_names[fam]);
			continue;
		}
		st->link_ops++;
		st->writes++;
		r = link_del(dp->nl, li.ifindex);
		if (r < 0 && r != -ENODEV)
			return r;
	}
	r = plan_batch_init(&pb, dp, NULL, st);
	if (r >= 0)
		r = read_routes(dp, &have);
	for (size_t i = 0; i < have.n && r >= 0; i++) {
		struct route_spec rt = {.dst = have.v[i].dst, .gw = have.v[i].gw, .oif = have.v[i].oif, .table = -1,
					.scope = -1, .priority = have.v[i].priority, .protocol = DP_RTPROT};

		r = push_route(pb, OP_DEL, &rt, SIZE_MAX, have.v[i].dst.ip.family == AF_INET6);
	}
	if (r >= 0)
		r = batch_send(pb);
	free(have.v);
	forget_own(dp);
	return r;
}
