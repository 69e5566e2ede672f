/* link.c: rtnetlink link requests, each built on the stack and sent through nl_call(). */
#include "link.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/random.h>

#include "nl.h"

/* ---- lookup ---- */

static int parse_vxlan(const struct nlattr *nest, struct link_vxlan_info *v)
{
	const struct nlattr *tb[IFLA_VXLAN_MAX + 1];
	const void *p;
	size_t len;
	int r;

	r = nl_parse_nested(nest, tb, IFLA_VXLAN_MAX);
	if (r < 0)
		return r;
	if (tb[IFLA_VXLAN_ID])
		v->vni = nl_get_u32(tb[IFLA_VXLAN_ID]);
	if (tb[IFLA_VXLAN_PORT])
		v->port = ntohs(nl_get_u16(tb[IFLA_VXLAN_PORT]));
	if (tb[IFLA_VXLAN_LINK])
		v->dev = (int)nl_get_u32(tb[IFLA_VXLAN_LINK]);
	if (tb[IFLA_VXLAN_LEARNING])
		v->learning = nl_get_u8(tb[IFLA_VXLAN_LEARNING]);
	if (tb[IFLA_VXLAN_LOCAL] && (p = nl_get_data(tb[IFLA_VXLAN_LOCAL], &len)) && len == 4) {
		v->local.family = AF_INET;
		memcpy(v->local.a, p, 4);
	} else if (tb[IFLA_VXLAN_LOCAL6] && (p = nl_get_data(tb[IFLA_VXLAN_LOCAL6], &len)) && len == 16) {
		v->local.family = AF_INET6;
		memcpy(v->local.a, p, 16);
	}
	return 0;
}

static int parse_linkinfo(const struct nlattr *nest, struct link_info *li)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1], *data[IFLA_BR_MAX + 1];
	const char *kind;
	int r;

	r = nl_parse_nested(nest, tb, IFLA_INFO_MAX);
	if (r < 0)
		return r;
	if (!tb[IFLA_INFO_KIND] || !(kind = nl_get_str(tb[IFLA_INFO_KIND])))
		return 0;
	snprintf(li->kind, sizeof(li->kind), "%s", kind);
	if (!tb[IFLA_INFO_DATA])
		return 0;
	if (strcmp(kind, "ipvlan") == 0) {
		r = nl_parse_nested(tb[IFLA_INFO_DATA], data, IFLA_IPVLAN_MAX);
		if (r >= 0 && data[IFLA_IPVLAN_MODE])
			li->ipvlan_mode = nl_get_u16(data[IFLA_IPVLAN_MODE]);
	} else if (strcmp(kind, "vxlan") == 0) {
		r = parse_vxlan(tb[IFLA_INFO_DATA], &li->vxlan);
	} else if (strcmp(kind, "bridge") == 0) {
		r = nl_parse_nested(tb[IFLA_INFO_DATA], data, IFLA_BR_MAX);
		if (r >= 0 && data[IFLA_BR_VLAN_FILTERING])
			li->vlan_filtering = nl_get_u8(data[IFLA_BR_VLAN_FILTERING]);
		if (r >= 0 && data[IFLA_BR_VLAN_DEFAULT_PVID])
			li->vlan_default_pvid = nl_get_u16(data[IFLA_BR_VLAN_DEFAULT_PVID]);
	}
	return r < 0 ? r : 0;
}

static int link_info_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = nl_msg_header(nlh, sizeof(*ifi));
	const struct nlattr *tb[IFLA_MAX + 1];
	struct link_info li = {.ipvlan_mode = -1, .vlan_filtering = -1, .vlan_default_pvid = -1};
	const char *name;
	int r;

	if (nlh->nlmsg_type != RTM_NEWLINK || !ifi)
		return 0;
	r = nl_parse(nlh, sizeof(*ifi), tb, IFLA_MAX);
	if (r < 0)
		return r;
	li.ifindex = ifi->ifi_index;
	li.flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME] && (name = nl_get_str(tb[IFLA_IFNAME])))
		snprintf(li.name, sizeof(li.name), "%s", name);
	if (tb[IFLA_MTU])
		li.mtu = nl_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_ADDRESS]) {
		size_t len;
		const void *mac = nl_get_data(tb[IFLA_ADDRESS], &len);

		if (len == 6) {
			memcpy(li.mac, mac, 6);
			li.has_mac = true;
		}
	}
	if (tb[IFLA_MASTER])
		li.master = (int)nl_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINK])
		li.link = (int)nl_get_u32(tb[IFLA_LINK]);
	li.link_other_ns = tb[IFLA_LINK_NETNSID] != NULL;
	if (tb[IFLA_OPERSTATE])
		li.operstate = nl_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_LINKINFO]) {
		r = parse_linkinfo(tb[IFLA_LINKINFO], &li);
		if (r < 0)
			return r;
	}
	*(struct link_info *)data = li;
	return 0;
}

static int link_get(struct nl *nl, int ifindex, const char *name, struct link_info *ret)
{
	struct nl_req req;
	struct ifinfomsg *ifi;
	struct link_info li = {0};
	int r;

	if (name && strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	ifi = nl_req_init(&req, RTM_GETLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (name)
		nl_put_str(&req, IFLA_IFNAME, name);
	nl_put_u32(&req, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nl_call(nl, &req, link_info_cb, &li);
	if (r < 0)
		return r;
	if (li.ifindex <= 0)
		return -ENODEV;
	*ret = li;
	return 0;
}

int link_get_by_name(struct nl *nl, const char *name, struct link_info *ret)
{
	return link_get(nl, 0, name, ret);
}

int link_get_by_index(struct nl *nl, int ifindex, struct link_info *ret)
{
	return link_get(nl, ifindex, NULL, ret);
}

/* ---- creation ---- */

static struct ifinfomsg *newlink(struct nl_req *req, uint16_t flags)
{
	struct ifinfomsg *ifi = nl_req_init(req, RTM_NEWLINK, flags, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	return ifi;
}

int link_create_bridge(struct nl *nl, const struct link_bridge_opts *o)
{
	struct nl_req req;
	struct nlattr *info, *data;

	newlink(&req, NLM_F_CREATE | NLM_F_EXCL);
	nl_put_str(&req, IFLA_IFNAME, o->name);
	if (o->mtu)
		nl_put_u32(&req, IFLA_MTU, o->mtu);
	info = nl_nest_begin(&req, IFLA_LINKINFO);
	nl_put_str(&req, IFLA_INFO_KIND, "bridge");
	if (o->vlan_filtering) {
		data = nl_nest_begin(&req, IFLA_INFO_DATA);
		nl_put_u8(&req, IFLA_BR_VLAN_FILTERING, 1);
		nl_nest_end(&req, data);
	}
	nl_nest_end(&req, info);
	return nl_call(nl, &req, NULL, NULL);
}

int link_create_vxlan(struct nl *nl, const struct link_vxlan_opts *o)
{
	struct nl_req req;
	struct nlattr *info, *data;

	newlink(&req, NLM_F_CREATE | NLM_F_EXCL);
	nl_put_str(&req, IFLA_IFNAME, o->name);
	if (o->mtu)
		nl_put_u32(&req, IFLA_MTU, o->mtu);
	if (o->mac)
		nl_put(&req, IFLA_ADDRESS, o->mac, 6);
	info = nl_nest_begin(&req, IFLA_LINKINFO);
	nl_put_str(&req, IFLA_INFO_KIND, "vxlan");
	data = nl_nest_begin(&req, IFLA_INFO_DATA);
	nl_put_u32(&req, IFLA_VXLAN_ID, o->vni);
	nl_put_u16(&req, IFLA_VXLAN_PORT, htons(o->port));
	nl_put_u8(&req, IFLA_VXLAN_LEARNING, o->learning);
	if (o->dev)
		nl_put_u32(&req, IFLA_VXLAN_LINK, (uint32_t)o->dev);
	if (o->local && o->local->family == AF_INET)
		nl_put(&req, IFLA_VXLAN_LOCAL, o->local->a, 4);
	else if (o->local && o->local->family == AF_INET6)
		nl_put(&req, IFLA_VXLAN_LOCAL6, o->local->a, 16);
	nl_nest_end(&req, data);
	nl_nest_end(&req, info);
	return nl_call(nl, &req, NULL, NULL);
}

int link_create_veth(struct nl *nl, const struct link_veth_opts *o, struct link_info *ret)
{
	struct link_info li = {0};
	struct nl_req req;
	struct ifinfomsg *ifi, *peer;
	struct nlattr *info, *data, *pnest;
	int r;

	/* NLM_F_ECHO: the kernel answers with the new link (since 6.1), saving a lookup. */
	ifi = newlink(&req, NLM_F_CREATE | NLM_F_EXCL | (ret ? NLM_F_ECHO : 0));
	if (o->up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	nl_put_str(&req, IFLA_IFNAME, o->name);
	if (o->mtu)
		nl_put_u32(&req, IFLA_MTU, o->mtu);
	if (o->master)
		nl_put_u32(&req, IFLA_MASTER, (uint32_t)o->master);
	info = nl_nest_begin(&req, IFLA_LINKINFO);
	nl_put_str(&req, IFLA_INFO_KIND, "veth");
	data = nl_nest_begin(&req, IFLA_INFO_DATA);
	pnest = nl_nest_begin(&req, VETH_INFO_PEER);
	peer = nl_put_hdr(&req, sizeof(*peer));
	if (peer)
		*peer = (struct ifinfomsg){.ifi_family = AF_UNSPEC};
	nl_put_str(&req, IFLA_IFNAME, o->peer_name);
	if (o->peer_ns_fd >= 0)
		nl_put_u32(&req, IFLA_NET_NS_FD, (uint32_t)o->peer_ns_fd);
	if (o->mtu)
		nl_put_u32(&req, IFLA_MTU, o->mtu);
	if (o->peer_mac)
		nl_put(&req, IFLA_ADDRESS, o->peer_mac, 6);
	nl_nest_end(&req, pnest);
	nl_nest_end(&req, data);
	nl_nest_end(&req, info);
	r = nl_call(nl, &req, ret ? link_info_cb : NULL, &li);
	if (r < 0 || !ret)
		return r;
	if (li.ifindex <= 0 || strcmp(li.name, o->name) != 0)
		return link_get_by_name(nl, o->name, ret);
	*ret = li;
	return 0;
}

int link_create_ipvlan(struct nl *nl, const struct link_ipvlan_opts *o)
{
	struct nl_req req;
	struct nlattr *info, *data;

	newlink(&req, NLM_F_CREATE | NLM_F_EXCL);
	nl_put_str(&req, IFLA_IFNAME, o->name);
	nl_put_u32(&req, IFLA_LINK, (uint32_t)o->parent);
	if (o->ns_fd >= 0)
		nl_put_u32(&req, IFLA_NET_NS_FD, (uint32_t)o->ns_fd);
	if (o->mtu)
		nl_put_u32(&req, IFLA_MTU, o->mtu);
	info = nl_nest_begin(&req, IFLA_LINKINFO);
	nl_put_str(&req, IFLA_INFO_KIND, "ipvlan");
	data = nl_nest_begin(&req, IFLA_INFO_DATA);
	nl_put_u16(&req, IFLA_IPVLAN_MODE, (uint16_t)o->mode);
	nl_nest_end(&req, data);
	nl_nest_end(&req, info);
	return nl_call(nl, &req, NULL, NULL);
}

/* ---- attributes of an existing link ---- */

static struct ifinfomsg *setlink(struct nl_req *req, int ifindex)
{
	struct ifinfomsg *ifi = newlink(req, 0);

	ifi->ifi_index = ifindex;
	return ifi;
}

static int set_flag(struct nl *nl, int ifindex, unsigned flag, bool on)
{
	struct nl_req req;
	struct ifinfomsg *ifi = setlink(&req, ifindex);

	ifi->ifi_change = flag;
	ifi->ifi_flags = on ? flag : 0;
	return nl_call(nl, &req, NULL, NULL);
}

int link_set_up(struct nl *nl, int ifindex, bool up)
{
	return set_flag(nl, ifindex, IFF_UP, up);
}

int link_set_promisc(struct nl *nl, int ifindex, bool on)
{
	return set_flag(nl, ifindex, IFF_PROMISC, on);
}

static int set_u32(struct nl *nl, int ifindex, uint16_t attr, uint32_t v)
{
	struct nl_req req;

	setlink(&req, ifindex);
	nl_put_u32(&req, attr, v);
	return nl_call(nl, &req, NULL, NULL);
}

int link_set_master(struct nl *nl, int ifindex, int master)
{
	return set_u32(nl, ifindex, IFLA_MASTER, (uint32_t)master);
}

int link_set_mtu(struct nl *nl, int ifindex, unsigned mtu)
{
	return set_u32(nl, ifindex, IFLA_MTU, mtu);
}

int link_set_mac(struct nl *nl, int ifindex, const uint8_t mac[6])
{
	struct nl_req req;

	setlink(&req, ifindex);
	nl_put(&req, IFLA_ADDRESS, mac, 6);
	return nl_call(nl, &req, NULL, NULL);
}

int link_set_name(struct nl *nl, int ifindex, const char *name)
{
	struct nl_req req;

	setlink(&req, ifindex);
	nl_put_str(&req, IFLA_IFNAME, name);
	return nl_call(nl, &req, NULL, NULL);
}

int link_set_vlan_filtering(struct nl *nl, int bridge_ifindex, bool on)
{
	struct nl_req req;
	struct nlattr *info, *data;

	setlink(&req, bridge_ifindex);
	info = nl_nest_begin(&req, IFLA_LINKINFO);
	nl_put_str(&req, IFLA_INFO_KIND, "bridge");
	data = nl_nest_begin(&req, IFLA_INFO_DATA);
	nl_put_u8(&req, IFLA_BR_VLAN_FILTERING, on);
	nl_nest_end(&req, data);
	nl_nest_end(&req, info);
	return nl_call(nl, &req, NULL, NULL);
}

int link_del(struct nl *nl, int ifindex)
{
	struct nl_req req;
	struct ifinfomsg *ifi = nl_req_init(&req, RTM_DELLINK, 0, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nl_call(nl, &req, NULL, NULL);
}

int link_del_by_name(struct nl *nl, const char *name)
{
	struct nl_req req;
	struct ifinfomsg *ifi = nl_req_init(&req, RTM_DELLINK, 0, sizeof(*ifi));
	int r;

	ifi->ifi_family = AF_UNSPEC;
	nl_put_str(&req, IFLA_IFNAME, name);
	r = nl_call(nl, &req, NULL, NULL);
	return r == -ENODEV ? 0 : r;
}

/* ---- bridge ports ---- */

int link_set_brport(struct nl *nl, int ifindex, const struct link_brport_opts *o)
{
	struct nl_req req;
	struct ifinfomsg *ifi = nl_req_init(&req, RTM_SETLINK, 0, sizeof(*ifi));
	struct nlattr *prot;

	/* Port flags go to the bridge's own setlink handler (AF_BRIDGE + RTM_SETLINK). */
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = ifindex;
	prot = nl_nest_begin(&req, IFLA_PROTINFO | NLA_F_NESTED);
	nl_put_u8(&req, IFLA_BRPORT_MODE, o->hairpin);
	nl_put_u8(&req, IFLA_BRPORT_ISOLATED, o->isolated);
	nl_nest_end(&req, prot);
	return nl_call(nl, &req, NULL, NULL);
}

static int vlan_op(struct nl *nl, uint16_t type, int ifindex, const struct link_vlan *v, bool self)
{
	struct bridge_vlan_info info = {0};
	struct nl_req req;
	struct ifinfomsg *ifi = nl_req_init(&req, type, 0, sizeof(*ifi));
	struct nlattr *spec;

	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = ifindex;
	spec = nl_nest_begin(&req, IFLA_AF_SPEC);
	if (self)
		nl_put_u16(&req, IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
	if (v->pvid)
		info.flags |= BRIDGE_VLAN_INFO_PVID;
	if (v->untagged)
		info.flags |= BRIDGE_VLAN_INFO_UNTAGGED;
	if (v->vid_end > v->vid) {
		struct bridge_vlan_info end = info;

		info.flags |= BRIDGE_VLAN_INFO_RANGE_BEGIN;
		info.vid = v->vid;
		nl_put(&req, IFLA_BRIDGE_VLAN_INFO, &info, sizeof(info));
		end.flags |= BRIDGE_VLAN_INFO_RANGE_END;
		end.vid = v->vid_end;
		nl_put(&req, IFLA_BRIDGE_VLAN_INFO, &end, sizeof(end));
	} else {
		info.vid = v->vid;
		nl_put(&req, IFLA_BRIDGE_VLAN_INFO, &info, sizeof(info));
	}
	nl_nest_end(&req, spec);
	return nl_call(nl, &req, NULL, NULL);
}

int link_vlan_add(struct nl *nl, int ifindex, const struct link_vlan *v, bool self)
{
	return vlan_op(nl, RTM_SETLINK, ifindex, v, self);
}

int link_vlan_del(struct nl *nl, int ifindex, const struct link_vlan *v, bool self)
{
	return vlan_op(nl, RTM_DELLINK, ifindex, v, self);
}

/* ---- operstate ---- */

struct oper_wait {
	int ifindex;
	uint8_t state;
};

static int oper_cb(const struct nlmsghdr *nlh, void *data)
{
	struct oper_wait *w = data;
	const struct ifinfomsg *ifi = nl_msg_header(nlh, sizeof(*ifi));
	const struct nlattr *tb[IFLA_MAX + 1];

	if (nlh->nlmsg_type != RTM_NEWLINK || !ifi || ifi->ifi_index != w->ifindex)
		return 0;
	if (nl_parse(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0 || !tb[IFLA_OPERSTATE])
		return 0;
	w->state = nl_get_u8(tb[IFLA_OPERSTATE]);
	return w->state == IF_OPER_UP;
}

int link_wait_oper_up(struct nl *nl, int ifindex, int timeout_ms, uint8_t *ret_state)
{
	_cleanup_nl_ struct nl *sub = NULL;
	struct oper_wait w = {.ifindex = ifindex};
	struct link_info li;
	int r;

	r = link_get_by_index(nl, ifindex, &li);
	if (r < 0)
		return r;
	if (li.operstate == IF_OPER_UP)
		return 0;
	/* Slow path: subscribe first, then look again, so no transition can slip between. */
	r = nl_open_sibling(nl, &sub);
	if (r < 0)
		return r;
	r = nl_subscribe(sub, RTNLGRP_LINK);
	if (r < 0)
		return r;
	r = link_get_by_index(nl, ifindex, &li);
	if (r < 0)
		return r;
	if (li.operstate == IF_OPER_UP)
		return 0;
	w.state = li.operstate;
	r = nl_wait(sub, timeout_ms, oper_cb, &w);
	if (ret_state)
		*ret_state = w.state;
	return r;
}

const char *link_operstate_str(uint8_t state)
{
	static const char *const names[] = {
		[IF_OPER_UNKNOWN] = "unknown", [IF_OPER_NOTPRESENT] = "not-present",
		[IF_OPER_DOWN] = "down", [IF_OPER_LOWERLAYERDOWN] = "lower-layer-down",
		[IF_OPER_TESTING] = "testing", [IF_OPER_DORMANT] = "dormant", [IF_OPER_UP] = "up",
	};

	return state < ELEMENTSOF(names) && names[state] ? names[state] : "?";
}

int link_fmt_mac(const uint8_t mac[6], char buf[static 18])
{
	return snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
			mac[5]);
}

int link_random_name(const char *prefix, char buf[static IFNAMSIZ])
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		return negerrno();
	if (snprintf(buf, IFNAMSIZ, "%s%08x", prefix, v) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	return 0;
}
