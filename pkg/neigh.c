/* neigh.c: RTM_NEWNEIGH / RTM_DELNEIGH requests and RTM_GETNEIGH dumps. */
#include "neigh.h"

#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

void neigh_build(struct nl_req *req, enum neigh_op op, const struct neigh_entry *e)
{
	uint16_t type = op == NEIGH_OP_DEL ? RTM_DELNEIGH : RTM_NEWNEIGH;
	uint16_t flags = op == NEIGH_OP_DEL ? 0 : NLM_F_CREATE | NLM_F_REPLACE;
	struct ndmsg *ndm = nl_req_init(req, type, flags, sizeof(*ndm));

	ndm->ndm_family = (uint8_t)e->family;
	ndm->ndm_ifindex = e->ifindex;
	ndm->ndm_state = e->state ? e->state : NUD_PERMANENT;
	ndm->ndm_flags = e->flags;
	if (e->family == AF_BRIDGE) {
		/* FDB: keyed by MAC; the destination is the VXLAN remote. */
		nl_put(req, NDA_LLADDR, e->lladdr, 6);
		if (e->dst.family)
			nl_put(req, NDA_DST, e->dst.a, ipnet_addr_len(e->dst.family));
	} else {
		nl_put(req, NDA_DST, e->dst.a, ipnet_addr_len(e->family));
		if (e->has_lladdr && op != NEIGH_OP_DEL)
			nl_put(req, NDA_LLADDR, e->lladdr, 6);
	}
}

struct list {
	int family, ifindex;
	struct neigh_entry *v;
	size_t n, cap;
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *ndm = nl_msg_payload(nlh);
	const struct nlattr *tb[NDA_MAX + 1];
	struct neigh_entry e = {0};
	struct list *l = data;
	const void *p;
	size_t len;
	int r;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || ndm->ndm_family != l->family ||
	    (l->ifindex && ndm->ndm_ifindex != l->ifindex))
		return 0;
	r = nl_parse(nlh, sizeof(*ndm), tb, NDA_MAX);
	if (r < 0)
		return r;
	e.family = ndm->ndm_family;
	e.ifindex = ndm->ndm_ifindex;
	e.state = ndm->ndm_state;
	e.flags = ndm->ndm_flags;
	if (tb[NDA_DST]) {
		p = nl_get_data(tb[NDA_DST], &len);
		if (len == 4 || len == 16) {
			e.dst.family = len == 4 ? AF_INET : AF_INET6;
			memcpy(e.dst.a, p, len);
		}
	}
	if (tb[NDA_LLADDR]) {
		p = nl_get_data(tb[NDA_LLADDR], &len);
		if (len == 6) {
			memcpy(e.lladdr, p, 6);
			e.has_lladdr = true;
		}
	}
	if (ARRAY_RESERVE(l->v, l->cap, l->n) < 0)
		return -ENOMEM;
	l->v[l->n++] = e;
	return 0;
}

int neigh_list(struct nl *nl, int family, int ifindex, struct neigh_entry **ret, size_t *ret_n)
{
	int tries = 0;
	struct list l = {.family = family, .ifindex = ifindex};
	struct nl_req req;
	struct ndmsg *ndm = nl_req_init(&req, RTM_GETNEIGH, NLM_F_DUMP, sizeof(*ndm));
	int r;

	ndm->ndm_family = (uint8_t)family;
	/* Strict dumps: the FDB takes the port in the header, neighbours an attribute. */
	if (family == AF_BRIDGE)
		ndm->ndm_ifindex = ifindex;
	else if (ifindex)
		nl_put_u32(&req, NDA_IFINDEX, (uint32_t)ifindex);
	do
		l.n = 0;
	while (nl_dump_again(r = nl_call(nl, &req, list_cb, &l), &tries));
	if (r < 0) {
		free(l.v);
		return r;
	}
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}
