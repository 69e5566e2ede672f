/* ipvlan: gives the container an ipvlan child of a host ("master") interface.
 *
 * Config keys (reference plugin's names and defaults):
 *   master           the interface of the first default route (IPv4, then IPv6); with
 *                    linkInContainer it is looked up in the container; chained (a
 *                    prevResult) without master: prevResult's single named interface
 *   mode             "l2" | "l3" | "l3s", default "l2"
 *   mtu              0 (inherit); at most the master's MTU
 *   linkInContainer  false: the master lives in the container namespace
 *   ipam             required unless prevResult supplies the IPs (chained, no ipam.type)
 *   dns              result DNS; when unset, the IPAM result's DNS is kept (the reference
 *                    drops it)
 * The host cannot reach its own ipvlan children through the master: that is how ipvlan
 * works, not a bug.
 *
 * ADD: master and name checks, the link created directly in the container under its
 * final name, IPAM, addresses and routes. Any failure removes the
 * link and the reservation. DEL: IPAM, then the link if the namespace still exists.
 * CHECK: master, link kind and mode, prevResult's IPs and routes. STATUS, GC: to IPAM.
 */
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "ipam.h"
#include "link.h"
#include "netns.h"
#include "nl.h"
#include "route.h"
#include "skel.h"
#include "suite.h"
#include "sysctl.h"

#define DAD_TIMEOUT_MS 5000

struct ipvlan_conf {
	const char *master; /* NULL: default route interface / chained master */
	int mode;           /* IPVLAN_MODE_* */
	unsigned mtu;
	bool link_in_container;
	const char *ipam_type;
	json_t *dns;        /* owned */
};

static void ipvlan_conf_done(struct ipvlan_conf *c)
{
	json_decref(c->dns);
}

static const char *const mode_names[] = {
	[IPVLAN_MODE_L2] = "l2",
	[IPVLAN_MODE_L3] = "l3",
	[IPVLAN_MODE_L3S] = "l3s",
};

static int mode_parse(const char *s)
{
	if (!s || !*s)
		return IPVLAN_MODE_L2;
	for (size_t m = 0; m < ELEMENTSOF(mode_names); m++)
		if (strcmp(s, mode_names[m]) == 0)
			return (int)m;
	return -EINVAL;
}

static int ipvlan_conf_parse(const struct cni_args *a, struct ipvlan_conf *c, struct cni_error *err)
{
	const char *mode = NULL;
	long mtu = 0;
	int r;

	*c = (struct ipvlan_conf){0};
	if (conf_get_str(a->conf, "master", NULL, &c->master, err) < 0 ||
	    conf_get_str(a->conf, "mode", NULL, &mode, err) < 0 ||
	    conf_get_int(a->conf, "mtu", NULL, 0, 65535, &mtu, err) < 0 ||
	    conf_get_bool(a->conf, "linkInContainer", NULL, &c->link_in_container, err) < 0)
		return -EINVAL;
	if (c->master && !*c->master)
		c->master = NULL;
	if (c->master && !cni_valid_ifname(c->master, NULL))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"master\": \"%s\" is not a valid interface name",
				c->master);
	c->mode = mode_parse(mode);
	if (c->mode < 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"\"mode\": unknown ipvlan mode \"%s\" (expected l2, l3 or l3s)", mode);
	if (mtu && mtu < 68)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"\"mtu\" must be 0 (the master's) or 68..65535, not %ld", mtu);
	c->mtu = (unsigned)mtu;
	r = ipam_type(a, &c->ipam_type, err);
	if (r < 0)
		return r;
	if (cni_dns_parse(json_object_get(a->conf, "dns"), &c->dns) < 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"dns\" is malformed");
	return 0;
}

struct ctx {
	const struct cni_args *a;
	struct ipvlan_conf c;
	struct nl *host;
	struct nl *cont;
	struct link_info master;
	struct link_info link;
	bool have_link;
	bool have_ipam;
};

static void ctx_done(struct ctx *x)
{
	nl_close(x->cont);
	nl_close(x->host);
	ipvlan_conf_done(&x->c);
}

static int open_sockets(struct ctx *x, struct cni_error *err)
{
	int r;

	r = nl_open(&x->host);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "cannot open netlink");
	r = nl_open_in(x->a->netns_fd, &x->cont);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "cannot open netlink in %s", x->a->netns);
	return 0;
}

/* The master: configured, else chained (prevResult's one named interface), else the
 * interface of the default route, in the namespace linkInContainer selects. */
static int find_master(struct ctx *x, struct cni_error *err)
{
	struct nl *where = x->c.link_in_container ? x->cont : x->host;
	const char *ns = x->c.link_in_container ? "the container" : "the host";
	const struct cni_result *prev = x->a->prev;
	const char *name = x->c.master;
	int r;

	if (!name && prev) {
		if (prev->n_ifaces != 1 || !prev->ifaces[0].name || !*prev->ifaces[0].name)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
					"chained master failure: no \"master\" set and prevResult lacks a single "
					"named interface");
		name = prev->ifaces[0].name;
	}
	if (!name) {
		r = route_default_oif(where);
		if (r == -ENOENT)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, r,
					"no \"master\" set and no default route interface found in %s", ns);
		if (r < 0)
			return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(where), "cannot read routes in %s", ns);
		r = link_get_by_index(where, r, &x->master);
	} else {
		r = link_get_by_name(where, name, &x->master);
	}
	if (r == -ENODEV)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, r, "master interface \"%s\" not found in %s", strempty(name),
				ns);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(where), "cannot look up master \"%s\"",
				       strempty(name));
	if (x->c.mtu > x->master.mtu)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"\"mtu\" %u is larger than the MTU %u of master \"%s\"", x->c.mtu, x->master.mtu,
				x->master.name);
	return 0;
}

/* Created in the container under its final name (from the host socket with
 * IFLA_NET_NS_FD, or in place when the master lives there): the kernel names it in the
 * container's namespace, so there is no rename, and a plugin killed at any moment leaves
 * either no link or the one DEL removes by name. */
static int create_link(struct ctx *x, struct cni_error *err)
{
	struct link_ipvlan_opts o = {.parent = x->master.ifindex, .mode = x->c.mode, .mtu = x->c.mtu};
	struct nl *creator = x->c.link_in_container ? x->cont : x->host;
	int r;

	o.name = x->a->ifname;
	o.ns_fd = x->c.link_in_container ? -1 : x->a->netns_fd;
	r = link_create_ipvlan(creator, &o);
	if (r == -EEXIST)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EEXIST, "interface \"%s\" already exists in %s", x->a->ifname,
				x->a->netns);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(creator),
				       "failed to create ipvlan on master \"%s\"", x->master.name);
	x->have_link = true;
	r = link_get_by_name(x->cont, x->a->ifname, &x->link);
	if (r < 0)
		(void)link_del_by_name(x->cont, x->a->ifname); /* the undo path knows no index for it */
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->cont), "failed to find the new ipvlan \"%s\"",
				       x->a->ifname);
	return 0;
}

/* Addresses from prevResult when chained without IPAM, else from the IPAM plugin. */
static int get_addresses(struct ctx *x, struct cni_result *res, struct cni_error *err)
{
	const struct cni_result *prev = x->a->prev;
	int r;

	if (!x->c.ipam_type && prev && prev->n_ips > 0) {
		r = cni_result_copy(prev, res);
		if (r < 0)
			return cni_fail(err, CNI_ERR_INTERNAL, r, "out of memory");
	} else {
		r = ipam_exec(x->a, x->c.ipam_type, CNI_CMD_ADD, res, err);
		if (r < 0)
			return r;
		x->have_ipam = true;
		if (res->n_ips == 0)
			return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "IPAM plugin returned missing IP config");
	}
	cni_result_drop_ifaces(res);
	for (size_t i = 0; i < res->n_ips; i++)
		res->ips[i].iface = 0;
	return 0;
}

static int configure(struct ctx *x, const struct cni_result *res, struct cni_error *err)
{
	_cleanup_netns_guard_ struct netns_guard g = {.orig_fd = -1};
	struct ipam_apply_opts o = {
		.ifindex = x->link.ifindex, .iface = 0, .ns_fd = x->a->netns_fd, .dad_timeout_ms = DAD_TIMEOUT_MS,
	};
	int r;

	r = netns_enter(x->a->netns_fd, &g);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "cannot enter %s", x->a->netns);
	(void)sysctl_writef("1", "net/ipv4/conf/%s/arp_notify", x->a->ifname);
	(void)sysctl_writef("1", "net/ipv6/conf/%s/ndisc_notify", x->a->ifname);
	netns_leave(&g);
	return ipam_apply(x->cont, res, &o, err);
}

static int fill_result(struct ctx *x, struct cni_result *res, struct cni_error *err)
{
	char mac[18];
	int k;

	link_fmt_mac(x->link.mac, mac);
	k = cni_result_add_iface(res, x->a->ifname, mac, x->a->netns);
	if (k < 0)
		return cni_fail(err, CNI_ERR_INTERNAL, k, "out of memory");
	if (x->c.dns) {
		json_decref(res->dns);
		res->dns = json_incref(x->c.dns);
	}
	return 0;
}

static int cmd_add(const struct cni_args *a, struct cni_result *ret, struct cni_error *err)
{
	_cleanup_(ctx_done) struct ctx x = {.a = a};
	_cleanup_(cni_result_done) struct cni_result res = {0};
	struct link_info li;
	int r;

	/* 1. everything that can be refused is refused before any change */
	r = ipvlan_conf_parse(a, &x.c, err);
	if (r < 0)
		return r;
	if (!x.c.ipam_type && !(a->prev && a->prev->n_ips > 0))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"\"ipam.type\" is required (no prevResult supplies IP addresses)");
	r = open_sockets(&x, err);
	if (r < 0)
		return r;
	r = find_master(&x, err);
	if (r < 0)
		return r;
	if (link_get_by_name(x.cont, a->ifname, &li) >= 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EEXIST, "interface \"%s\" already exists in %s", a->ifname,
				a->netns);
	/* 2. the link, 3. its addresses, 4. the result */
	r = create_link(&x, err);
	if (r >= 0)
		r = get_addresses(&x, &res, err);
	if (r >= 0)
		r = configure(&x, &res, err);
	if (r >= 0)
		r = fill_result(&x, &res, err);
	if (r < 0)
		goto undo;
	*ret = res;
	res = (struct cni_result){0};
	return 0;
undo:
	if (x.have_ipam)
		ipam_undo(a, x.c.ipam_type);
	if (x.have_link && x.link.ifindex > 0)
		(void)link_del(x.cont, x.link.ifindex);
	return r;
}

static int cmd_del(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_(ctx_done) struct ctx x = {.a = a};
	int r;

	/* DEL needs no master: it must work whatever the host looks like by now. */
	r = ipvlan_conf_parse(a, &x.c, err);
	if (r < 0)
		return r;
	if (x.c.ipam_type) {
		r = ipam_exec(a, x.c.ipam_type, CNI_CMD_DEL, NULL, err);
		if (r < 0)
			return r;
	}
	if (a->netns_fd < 0)
		return 0;
	r = nl_open_in(a->netns_fd, &x.cont);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "cannot open netlink in %s", a->netns);
	r = link_del_by_name(x.cont, a->ifname);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x.cont), "failed to delete %s in %s", a->ifname,
				       a->netns);
	return 0;
}

static int cmd_check(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_(ctx_done) struct ctx x = {.a = a};
	const struct cni_result *p = a->prev;
	int idx = -1, r;

	r = ipvlan_conf_parse(a, &x.c, err);
	if (r < 0)
		return r;
	if (x.c.ipam_type) {
		r = ipam_exec(a, x.c.ipam_type, CNI_CMD_CHECK, NULL, err);
		if (r < 0)
			return r;
	}
	if (!p)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "Required prevResult missing");
	for (size_t i = 0; i < p->n_ifaces && idx < 0; i++)
		if (streq_ptr(p->ifaces[i].name, a->ifname) && streq_ptr(p->ifaces[i].sandbox, a->netns))
			idx = (int)i;
	if (idx < 0)
		return cni_fail(err, CNI_ERR_INTERNAL, -ENOENT, "interface %s in %s is not in prevResult", a->ifname,
				a->netns);
	r = open_sockets(&x, err);
	if (r < 0)
		return r;
	/* The master of a chained attachment was the interface being replaced: only a
	 * configured master can be checked. */
	if (x.c.master) {
		r = find_master(&x, err);
		if (r < 0)
			return r;
	}
	r = link_get_by_name(x.cont, a->ifname, &x.link);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x.cont), "interface %s not found in %s",
				       a->ifname, a->netns);
	if (strcmp(x.link.kind, "ipvlan") != 0)
		return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "interface %s is a %s link, not ipvlan", a->ifname,
				*x.link.kind ? x.link.kind : "plain");
	if (x.link.ipvlan_mode != x.c.mode)
		return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "interface %s has ipvlan mode %s, config says %s",
				a->ifname,
				x.link.ipvlan_mode >= 0 && (size_t)x.link.ipvlan_mode < ELEMENTSOF(mode_names)
					? mode_names[x.link.ipvlan_mode]
					: "?",
				mode_names[x.c.mode]);
	if (p->ifaces[idx].mac && *p->ifaces[idx].mac) {
		char mac[18];

		link_fmt_mac(x.link.mac, mac);
		if (strcasecmp(mac, p->ifaces[idx].mac) != 0)
			return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "interface %s has MAC %s, prevResult says %s",
					a->ifname, mac, p->ifaces[idx].mac);
	}
	return ipam_check(x.cont, p, x.link.ifindex, idx, a->ifname, err);
}

static int cmd_status(const struct cni_args *a, struct cni_error *err)
{
	return ipam_forward(a, CNI_CMD_STATUS, err);
}

static int cmd_gc(const struct cni_args *a, struct cni_error *err)
{
	return ipam_forward(a, CNI_CMD_GC, err);
}

const struct cni_plugin ipvlan_plugin = {
	.name = "ipvlan",
	.add = cmd_add,
	.del = cmd_del,
	.check = cmd_check,
	.status = cmd_status,
	.gc = cmd_gc,
};

