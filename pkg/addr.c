/* addr.c: RTM_NEWADDR / RTM_DELADDR / filtered RTM_GETADDR dumps. */
#include "addr.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nl.h"

static struct ifaddrmsg *addr_req(struct nl_req *req, uint16_t type, uint16_t flags, int ifindex,
				  const struct ipnet *a)
{
	struct ifaddrmsg *ifa = nl_req_init(req, type, flags, sizeof(*ifa));
	unsigned len = ipnet_addr_len(a->ip.family);

	ifa->ifa_family = (unsigned char)a->ip.family;
	ifa->ifa_prefixlen = (unsigned char)a->prefix;
	ifa->ifa_index = (unsigned)ifindex;
	nl_put(req, IFA_LOCAL, a->ip.a, len);
	nl_put(req, IFA_ADDRESS, a->ip.a, len);
	return ifa;
}

int addr_add(struct nl *nl, int ifindex, const struct ipnet *a, bool nodad)
{
	struct nl_req req;
	struct ifaddrmsg *ifa = addr_req(&req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, a);

	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	if (a->ip.family == AF_INET && a->prefix < 31) {
		struct ipnet_addr bcast;

		ipnet_last(a, &bcast);
		nl_put(&req, IFA_BROADCAST, bcast.a, 4);
	}
	if (nodad && a->ip.family == AF_INET6) {
		ifa->ifa_flags = IFA_F_NODAD;
		nl_put_u32(&req, IFA_FLAGS, IFA_F_NODAD);
	}
	return nl_call(nl, &req, NULL, NULL);
}

int addr_del(struct nl *nl, int ifindex, const struct ipnet *a)
{
	struct nl_req req;

	addr_req(&req, RTM_DELADDR, 0, ifindex, a);
	return nl_call(nl, &req, NULL, NULL);
}

struct list {
	int ifindex;
	struct addr_entry *v;
	size_t n;
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = nl_msg_header(nlh, sizeof(*ifa));
	const struct nlattr *tb[IFA_MAX + 1];
	struct list *l = data;
	struct addr_entry e = {0};
	const struct nlattr *at;
	const void *p;
	size_t len;
	int r;

	if (nlh->nlmsg_type != RTM_NEWADDR || !ifa || (l->ifindex && (int)ifa->ifa_index != l->ifindex))
		return 0;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	r = nl_parse(nlh, sizeof(*ifa), tb, IFA_MAX);
	if (r < 0)
		return r;
	at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!at)
		return 0;
	p = nl_get_data(at, &len);
	if (len != ipnet_addr_len(ifa->ifa_family))
		return 0;
	e.addr.ip.family = ifa->ifa_family;
	memcpy(e.addr.ip.a, p, len);
	e.addr.prefix = ifa->ifa_prefixlen;
	e.flags = tb[IFA_FLAGS] ? nl_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	e.scope = ifa->ifa_scope;
	e.ifindex = (int)ifa->ifa_index;
	if (l->n % 8 == 0) {
		struct addr_entry *v = realloc(l->v, (l->n + 8) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
	}
	l->v[l->n++] = e;
	return 0;
}

int addr_list(struct nl *nl, int ifindex, int family, struct addr_entry **ret, size_t *ret_n)
{
	int tries = 0;
	struct list l = {.ifindex = ifindex};
	struct nl_req req;
	struct ifaddrmsg *ifa = nl_req_init(&req, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	int r;

	ifa->ifa_family = (unsigned char)family;
	ifa->ifa_index = (unsigned)ifindex; /* filtered by the kernel under strict checking */
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

static int any_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = nl_msg_header(nlh, sizeof(*ifa));

	return ifa && (int)ifa->ifa_index == *(int *)data;
}

static bool is_link_local6(const struct ipnet *a)
{
	return a->ip.family == AF_INET6 && a->ip.a[0] == 0xfe && (a->ip.a[1] & 0xc0) == 0x80;
}

int addr_wait_dad(struct nl *nl, struct nl *sub, int ifindex, int timeout_ms, struct ipnet *ret_failed)
{
	struct timespec now;
	int64_t deadline;
	int r;

	r = nl_subscribe(sub, RTNLGRP_IPV6_IFADDR);
	if (r < 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &now);
	deadline = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + timeout_ms;
	for (;;) {
		int64_t left;
		_cleanup_free_ struct addr_entry *v = NULL;
		bool tentative = false;
		size_t n = 0;

		r = addr_list(nl, ifindex, AF_INET6, &v, &n);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			if (is_link_local6(&v[i].addr))
				continue;
			if (v[i].flags & IFA_F_DADFAILED) {
				*ret_failed = v[i].addr;
				return -EADDRNOTAVAIL;
			}
			if (v[i].flags & IFA_F_TENTATIVE)
				tentative = true;
		}
		if (!tentative)
			return 0;
		/* Each change of an address of the link wakes us; one deadline for all rounds. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = deadline - ((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
		if (left <= 0)
			return -ETIMEDOUT;
		r = nl_wait(sub, (int)left, any_addr_cb, &ifindex);
		if (r < 0)
			return r;
	}
}
