/* fuzz_nl_link: rtnetlink link messages (RTM_NEWLINK replies and notifications) through
 * the attribute parsers of pkg/link.c (link_info_cb, the linkinfo nest, oper_cb), which
 * are included here; each message gets a heap buffer of exactly its length, so reading
 * past it is caught.
 * Properties: a parsed link, encoded again with our own request builder (pkg/nl.c) as the
 * kernel would send it, parses to the same link_info; a name or kind is always a
 * NUL-terminated string that fits. */
#define FUZZ_NETLINK
#include "fuzz.h"

#include <libmnl/libmnl.h>

#include "../../pkg/link.c"

static void encode(const struct link_info *li, struct nl_req *req)
{
	struct ifinfomsg *ifi = nl_req_init(req, RTM_NEWLINK, 0, sizeof(*ifi));
	struct nlattr *info, *data;

	ifi->ifi_index = li->ifindex;
	ifi->ifi_flags = li->flags;
	if (li->name[0])
		nl_put_str(req, IFLA_IFNAME, li->name);
	if (li->mtu)
		nl_put_u32(req, IFLA_MTU, li->mtu);
	if (li->has_mac)
		nl_put(req, IFLA_ADDRESS, li->mac, 6);
	if (li->master)
		nl_put_u32(req, IFLA_MASTER, (uint32_t)li->master);
	if (li->link)
		nl_put_u32(req, IFLA_LINK, (uint32_t)li->link);
	if (li->link_other_ns)
		nl_put_u32(req, IFLA_LINK_NETNSID, 0);
	if (li->operstate)
		nl_put_u8(req, IFLA_OPERSTATE, li->operstate);
	if (!li->kind[0])
		return;
	info = nl_nest_begin(req, IFLA_LINKINFO);
	nl_put_str(req, IFLA_INFO_KIND, li->kind);
	if (!strcmp(li->kind, "ipvlan") && li->ipvlan_mode >= 0) {
		data = nl_nest_begin(req, IFLA_INFO_DATA);
		nl_put_u16(req, IFLA_IPVLAN_MODE, (uint16_t)li->ipvlan_mode);
		nl_nest_end(req, data);
	} else if (!strcmp(li->kind, "bridge") && (li->vlan_filtering >= 0 || li->vlan_default_pvid >= 0)) {
		data = nl_nest_begin(req, IFLA_INFO_DATA);
		if (li->vlan_filtering >= 0)
			nl_put_u8(req, IFLA_BR_VLAN_FILTERING, (uint8_t)li->vlan_filtering);
		if (li->vlan_default_pvid >= 0)
			nl_put_u16(req, IFLA_BR_VLAN_DEFAULT_PVID, (uint16_t)li->vlan_default_pvid);
		nl_nest_end(req, data);
	}
	nl_nest_end(req, info);
}

static bool same(const struct link_info *a, const struct link_info *b)
{
	return a->ifindex == b->ifindex && !strcmp(a->name, b->name) && !strcmp(a->kind, b->kind) &&
	       a->flags == b->flags && a->mtu == b->mtu && a->has_mac == b->has_mac &&
	       (!a->has_mac || !memcmp(a->mac, b->mac, 6)) && a->master == b->master && a->link == b->link &&
	       a->link_other_ns == b->link_other_ns && a->operstate == b->operstate &&
	       a->ipvlan_mode == b->ipvlan_mode && a->vlan_filtering == b->vlan_filtering &&
	       a->vlan_default_pvid == b->vlan_default_pvid;
}

static void one(const struct nlmsghdr *nlh)
{
	struct link_info li = {.ifindex = -1}, again = {.ifindex = -1};
	struct oper_wait w = {.ifindex = 0};
	struct nl_req req;

	if (link_info_cb(nlh, &li) < 0 || li.ifindex == -1)
		goto oper;
	FUZZ_CHECK(memchr(li.name, '\0', sizeof(li.name)) && memchr(li.kind, '\0', sizeof(li.kind)), "unterminated");
	encode(&li, &req);
	FUZZ_CHECK(!req.overflow, "re-encoding overflowed");
	FUZZ_CHECK(link_info_cb(req.nlh, &again) == 0, "our own encoding does not parse");
	FUZZ_CHECK(same(&li, &again), "link \"%s\" (%s) changed in the round trip", li.name, li.kind);
oper:
	(void)oper_cb(nlh, &w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_each_nlmsg(data, size, one);
	return 0;
}
