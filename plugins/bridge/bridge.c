/* bridge: connects a container to a Linux bridge on the host through a veth pair.
 *
 * Config keys (reference plugin's names and defaults):
 *   bridge                     "cni0"  bridge to use, created when missing
 *   isGateway                  false   gateway address(es) on the bridge, forwarding on
 *   isDefaultGateway           false   implies isGateway; default route via the gateway
 *   forceAddress               false   replace a conflicting gateway address on the bridge
 *   mtu                        0       MTU of both veth ends (and of a bridge we create)
 *   hairpinMode                false   hairpin on the host port
 *   promiscMode                false   promiscuous bridge (not with hairpinMode)
 *   vlan                       0       access VLAN (PVID, untagged) of the host port
 *   vlanTrunk                  none    [{id} | {minID, maxID}] tagged VLANs of the port
 *   preserveDefaultVlan        false   keep the bridge's default VLAN on the port
 *   enabledad                  false   keep IPv6 DAD on the container side (and wait)
 *   disableContainerInterface  false   leave the container end down (L2 only)
 *   portIsolation              false   isolated host port
 *   ipam                       {}      delegated IPAM; {} or no type = L2 only
 *   dns                        none    overrides the IPAM result's DNS when set
 *   MAC: runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC
 *   ipMasq                     false   masquerade the pod's traffic leaving its subnets
 *   ipMasqBackend              -       "nftables" (the only one; "iptables" is refused)
 *   macspoofchk                false   drop frames from the pod whose source MAC is not its own
 *   (ipMasq and macspoofchk are nftables rule sets of their own: netfilter.h)
 *
 * ADD: bridge → veth (peer created directly in the container) → IPAM → container
 * addresses and routes → gateway on the bridge → port up → ipMasq / macspoofchk rules
 * (one transaction). Any failure undoes the IPAM reservation and the veth. DEL:
 * container link, IPAM, then the rules, tolerating anything already gone. CHECK: IPAM,
 * bridge, both veth ends, prevResult's IPs and routes, the rules. STATUS is forwarded to
 * IPAM; GC removes the rules of attachments not in use, then is forwarded to IPAM.
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "conf.h"
#include "ipam.h"
#include "link.h"
#include "netfilter.h"
#include "netns.h"
#include "nl.h"
#include "skel.h"
#include "suite.h"
#include "sysctl.h"

#define VLAN_MAX 4094
#define MTU_MIN 68 /* IPv4's minimum, the kernel's ETH_MIN_MTU */
#define PORT_UP_TIMEOUT_MS 2550 /* the reference's total wait */
#define DAD_TIMEOUT_MS 5000
#define IFACE_BRIDGE 0
#define IFACE_HOST 1
#define IFACE_CONT 2

struct bridge_conf {
	const char *br_name;
	bool is_gw;
	bool is_default_gw;
	bool force_address;
	unsigned mtu;
	bool hairpin;
	bool promisc;
	int vlan;                      /* 0: none */
	uint8_t trunk[(VLAN_MAX + 8) / 8]; /* bitmap of tagged VIDs */
	bool has_trunk;
	bool preserve_default_vlan;
	bool enable_dad;
	bool disable_cont_iface;
	bool port_isolation;
	bool ipmasq;
	bool macspoofchk;
	const char *ipam_type;         /* NULL: L2 only */
	bool has_mac;
	uint8_t mac[6];
	json_t *dns;                   /* owned; NULL unless the config sets one */
};

static void bridge_conf_done(struct bridge_conf *c)
{
	json_decref(c->dns);
}

/* ---- configuration ---- */

static int trunk_id(const json_t *o, const char *key, size_t i, int *ret, struct cni_error *err)
{
	char where[32];
	long v = 0;
	int r;

	if (!json_object_get(o, key) || json_is_null(json_object_get(o, key)))
		return 0;
	snprintf(where, sizeof(where), "vlanTrunk[%zu].", i);
	r = conf_get_int(o, key, where, 1, VLAN_MAX, &v, err);
	if (r < 0)
		return r;
	*ret = (int)v;
	return 1;
}

static int parse_trunk(const json_t *conf, struct bridge_conf *c, struct cni_error *err)
{
	const json_t *list = NULL, *o;
	size_t i;
	int r;

	r = conf_get_array(conf, "vlanTrunk", NULL, &list, err);
	if (r < 0 || !list)
		return r;
	if (json_array_size(list) > VLAN_MAX)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -E2BIG, "\"vlanTrunk\": more than %d entries", VLAN_MAX);
	json_array_foreach (list, i, o) {
		int min = 0, max = 0, id = 0, has_min, has_max, has_id;

		if (!json_is_object(o))
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"vlanTrunk[%zu]\" must be an object", i);
		if ((has_min = trunk_id(o, "minID", i, &min, err)) < 0 ||
		    (has_max = trunk_id(o, "maxID", i, &max, err)) < 0 || (has_id = trunk_id(o, "id", i, &id, err)) < 0)
			return -EINVAL;
		if (has_min != has_max)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
					"\"vlanTrunk[%zu]\": minID and maxID must be set together", i);
		if (has_min && max < min)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
					"\"vlanTrunk[%zu]\": minID %d is greater than maxID %d", i, min, max);
		for (int v = min; has_min && v <= max; v++)
			c->trunk[v / 8] |= (uint8_t)(1u << (v % 8));
		if (has_id)
			c->trunk[id / 8] |= (uint8_t)(1u << (id % 8));
		c->has_trunk |= has_min || has_id;
	}
	return 0;
}

/* runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC */
static int parse_mac(const struct cni_args *a, struct bridge_conf *c, struct cni_error *err)
{
	const json_t *rc = json_object_get(a->conf, "runtimeConfig");
	const json_t *args = json_object_get(json_object_get(a->conf, "args"), "cni");
	const char *mac = cni_args_get(a, "MAC"), *src = "CNI_ARGS MAC";
	const char *s = NULL;

	if (json_is_object(args) && conf_get_str(args, "mac", "args.cni.", &s, err) < 0)
		return -EINVAL;
	if (s && *s) {
		mac = s;
		src = "args.cni.mac";
	}
	s = NULL;
	if (json_is_object(rc) && conf_get_str(rc, "mac", "runtimeConfig.", &s, err) < 0)
		return -EINVAL;
	if (s && *s) {
		mac = s;
		src = "runtimeConfig.mac";
	}
	if (!mac || !*mac)
		return 0;
	if (conf_parse_mac(mac, c->mac) < 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "%s: invalid MAC address \"%s\"", src, mac);
	c->has_mac = true;
	return 0;
}

static int parse_bools(const json_t *j, struct bridge_conf *c, struct cni_error *err)
{
	const struct {
		const char *key;
		bool *v;
	} keys[] = {
		{"isGateway", &c->is_gw},
		{"isDefaultGateway", &c->is_default_gw},
		{"forceAddress", &c->force_address},
		{"hairpinMode", &c->hairpin},
		{"promiscMode", &c->promisc},
		{"preserveDefaultVlan", &c->preserve_default_vlan},
		{"enabledad", &c->enable_dad},
		{"disableContainerInterface", &c->disable_cont_iface},
		{"portIsolation", &c->port_isolation},
		{"ipMasq", &c->ipmasq},
		{"macspoofchk", &c->macspoofchk},
	};

	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (conf_get_bool(j, keys[i].key, NULL, keys[i].v, err) < 0)
			return -EINVAL;
	return 0;
}

/* ipMasqBackend: the rules are nftables rules, whatever the reference would pick. */
static int check_backend(const json_t *j, struct cni_error *err)
{
	const char *b = NULL;

	if (conf_get_str(j, "ipMasqBackend", NULL, &b, err) < 0)
		return -EINVAL;
	if (!b || strcmp(b, "nftables") == 0)
		return 0;
	if (strcmp(b, "iptables") == 0)
		return cni_fail(err, CNI_ERR_UNSUPPORTED_FIELD, -EOPNOTSUPP,
				"\"ipMasqBackend\": \"iptables\" is not supported: this plugin writes nftables rules "
				"over netlink (use \"nftables\", or leave it unset)");
	return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
			"\"ipMasqBackend\": \"%s\" is not a backend (\"nftables\" or \"iptables\")", b);
}

static int bridge_conf_parse(const struct cni_args *a, bool for_del, struct bridge_conf *c,
			     struct cni_error *err)
{
	const json_t *j = a->conf;
	long mtu = 0, vlan = 0;
	int r;

	*c = (struct bridge_conf){.br_name = "cni0"};
	if (conf_get_str(j, "bridge", NULL, &c->br_name, err) < 0 || parse_bools(j, c, err) < 0 ||
	    conf_get_int(j, "mtu", NULL, 0, 65535, &mtu, err) < 0 ||
	    conf_get_int(j, "vlan", NULL, 0, VLAN_MAX, &vlan, err) < 0)
		return -EINVAL;
	if (!cni_valid_ifname(c->br_name, NULL))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"bridge\": \"%s\" is not a valid interface name",
				c->br_name);
	if (mtu && mtu < MTU_MIN)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"\"mtu\" must be 0 (the kernel's default) or %d..65535, not %ld", MTU_MIN, mtu);
	c->mtu = (unsigned)mtu;
	c->vlan = (int)vlan;
	r = parse_trunk(j, c, err);
	if (r < 0)
		return r;
	r = ipam_type(a, &c->ipam_type, err);
	if (r < 0)
		return r;
	if (for_del)
		return 0; /* DEL must clean up whatever the rest of the config says */
	r = check_backend(j, err);
	if (r < 0)
		return r;
	r = parse_mac(a, c, err);
	if (r < 0)
		return r;
	if (cni_dns_parse(json_object_get(j, "dns"), &c->dns) < 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"dns\" is malformed");
	if (c->is_default_gw)
		c->is_gw = true;
	if (c->hairpin && c->promisc)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"cannot set hairpin mode and promiscuous mode at the same time");
	if (c->ipam_type && c->disable_cont_iface)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"cannot use IPAM when disableContainerInterface is set");
	if (!c->ipam_type && a->version < CNI_V030)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"an L2-only bridge (no \"ipam.type\") needs cniVersion 0.3.0 or later: "
				"results before 0.3.0 cannot describe an interface without an IP address");
	if (c->is_gw && c->vlan && strlen(c->br_name) + 5 > IFNAMSIZ - 1)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"\"bridge\" \"%s\" is too long to name its VLAN gateway interface \"%s.%d\"",
				c->br_name, c->br_name, c->vlan);
	return 0;
}

/* ---- the bridge ---- */

struct ctx {
	const struct cni_args *a;
	struct bridge_conf c;
	struct nl *host;   /* socket in the plugin's (host) namespace */
	struct nl *cont;   /* socket in the container namespace */
	struct link_info br;
	struct link_info host_veth;
	struct link_info cont_veth;
	struct link_info vlan_gw;  /* "<bridge>.<vlan>" when the gateway lives there */
	struct link_info checked_host; /* CHECK: the host veth found */
	char host_name[IFNAMSIZ];
	bool have_veth;
	bool have_ipam;
};

static int ensure_bridge(struct ctx *x, struct cni_error *err)
{
	const struct bridge_conf *c = &x->c;
	struct link_bridge_opts o = {.name = c->br_name, .mtu = c->mtu, .vlan_filtering = c->vlan || c->has_trunk};
	int r;

	r = link_get_by_name(x->host, c->br_name, &x->br);
	if (r == -ENODEV) {
		struct link_info li;

		/* A new bridge would outlive an ADD that fails for a taken CNI_IFNAME (and cannot
		 * be removed safely once a concurrent ADD may use it): refuse first. On an
		 * existing bridge the veth creation itself reports the clash. */
		if (link_get_by_name(x->cont, x->a->ifname, &li) >= 0)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EEXIST, "interface \"%s\" already exists in %s",
					x->a->ifname, x->a->netns);
		r = link_create_bridge(x->host, &o);
		if (r < 0 && r != -EEXIST)
			return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host), "could not add bridge \"%s\"",
					       c->br_name);
		r = link_get_by_name(x->host, c->br_name, &x->br);
	}
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host), "could not look up \"%s\"",
				       c->br_name);
	if (strcmp(x->br.kind, "bridge") != 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s\" already exists but is not a bridge",
				c->br_name);
	if (c->promisc && !(x->br.flags & IFF_PROMISC)) {
		r = link_set_promisc(x->host, x->br.ifindex, true);
		if (r < 0)
			return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host),
					       "could not set promiscuous mode on \"%s\"", c->br_name);
	}
	/* We own the routes of this interface. */
	(void)sysctl_writef("0", "net/ipv6/conf/%s/accept_ra", c->br_name);
	if (!(x->br.flags & IFF_UP)) {
		r = link_set_up(x->host, x->br.ifindex, true);
		if (r < 0)
			return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host), "could not set \"%s\" up",
					       c->br_name);
	}
	return 0;
}

/* ---- the veth pair ---- */

/* Create "veth<random>" attached to `master` with its peer `peer_name` in peer_ns_fd
 * (peer_nl: a socket there, to tell which name clashed). *ret: the end in the host. */
static int create_veth(struct ctx *x, int master, const char *peer_name, int peer_ns_fd, struct nl *peer_nl,
		       const uint8_t *mac, char name[static IFNAMSIZ], struct link_info *ret, struct cni_error *err)
{
	int r = -EEXIST;

	for (int tries = 0; tries < 10 && r == -EEXIST; tries++) {
		struct link_veth_opts o = {
			.name = name, .master = master, .up = true, .peer_name = peer_name,
			.peer_ns_fd = peer_ns_fd, .peer_mac = mac, .mtu = x->c.mtu,
		};
		struct link_info li;

		r = link_random_name("veth", name);
		if (r < 0)
			break;
		r = link_create_veth(x->host, &o, ret);
		/* EEXIST: our random host name, or the peer's name, which is final. */
		if (r == -EEXIST && link_get_by_name(peer_nl, peer_name, &li) >= 0)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EEXIST, "interface \"%s\" already exists in %s",
					peer_name, peer_nl == x->cont ? x->a->netns : "the host");
	}
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host),
				       "failed to create veth pair for \"%s\"", peer_name);
	return 0;
}

static int vlan_add(struct ctx *x, int ifindex, uint16_t vid, uint16_t end, bool access, struct cni_error *err)
{
	struct link_vlan v = {.vid = vid, .vid_end = end, .pvid = access, .untagged = access};
	int r;

	r = link_vlan_add(x->host, ifindex, &v, false);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host),
				       "failed to set VLAN %u-%u on port %d", vid, end, ifindex);
	return 0;
}

static bool trunk_has(const struct bridge_conf *c, int v)
{
	return c->trunk[v / 8] & (1u << (v % 8));
}

/* Access VLAN, trunk ranges and the default VLAN of one bridge port. */
static int setup_port_vlans(struct ctx *x, int ifindex, int vlan, bool trunk, struct cni_error *err)
{
	const struct bridge_conf *c = &x->c;
	int r;

	if (!vlan && !trunk)
		return 0;
	if (!c->preserve_default_vlan && x->br.vlan_default_pvid > 0) {
		struct link_vlan def = {.vid = (uint16_t)x->br.vlan_default_pvid};

		def.vid_end = def.vid;
		r = link_vlan_del(x->host, ifindex, &def, false);
		if (r < 0 && r != -ENOENT && r != -EINVAL)
			return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host),
					       "failed to remove the default VLAN from port %d", ifindex);
	}
	for (int v = 1; trunk && v <= VLAN_MAX; v++) {
		int end = v;

		if (!trunk_has(c, v))
			continue;
		while (end < VLAN_MAX && trunk_has(c, end + 1))
			end++;
		r = vlan_add(x, ifindex, (uint16_t)v, (uint16_t)end, false, err);
		if (r < 0)
			return r;
		v = end;
	}
	/* The access VLAN last, so that it is the untagged PVID even when the trunk lists it
	 * too; a trunk without one keeps VID 1 as its native VLAN. */
	if (vlan || trunk)
		return vlan_add(x, ifindex, (uint16_t)(vlan ? vlan : 1), (uint16_t)(vlan ? vlan : 1), true, err);
	return 0;
}

static int setup_port(struct ctx *x, struct cni_error *err)
{
	const struct bridge_conf *c = &x->c;
	int r;

	if (c->hairpin || c->port_isolation) {
		struct link_brport_opts o = {.hairpin = c->hairpin, .isolated = c->port_isolation};

		r = link_set_brport(x->host, x->host_veth.ifindex, &o);
		if (r < 0)
			return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host),
					       "failed to set hairpin/isolation on %s", x->host_name);
	}
	return setup_port_vlans(x, x->host_veth.ifindex, c->vlan, c->has_trunk, err);
}

static int setup_veth(struct ctx *x, struct cni_error *err)
{
	const struct cni_args *a = x->a;
	int r;

	r = create_veth(x, x->br.ifindex, a->ifname, a->netns_fd, x->cont, x->c.has_mac ? x->c.mac : NULL,
			x->host_name, &x->host_veth, err);
	if (r < 0)
		return r;
	x->have_veth = true;
	r = link_get_by_name(x->cont, a->ifname, &x->cont_veth);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, "", "cannot read back veth %s", x->host_name);
	/* A bridge port needs no IPv6 of its own: no link-local address, no DAD, no MLD and no
	 * router advertisements accepted from the pod (the reference only sets accept_ra=0).
	 * Bridged IPv6 traffic is not affected. */
	(void)sysctl_writef("1", "net/ipv6/conf/%s/disable_ipv6", x->host_name);
	return setup_port(x, err);
}

/* ---- IPAM and gateways ---- */

static bool is_default_route_with_gw(const struct cni_route *rt, int family)
{
	return rt->dst.ip.family == family && ipnet_is_default(&rt->dst) && rt->gw.family;
}

/* All IPs go on the container interface; gateways default to network+1 when isGateway;
 * isDefaultGateway adds a default route per family unless IPAM gave one. */
static int calc_gateways(struct ctx *x, struct cni_result *res, struct cni_error *err)
{
	bool have_default[2] = {false, false};
	size_t n_ips = res->n_ips;

	for (size_t i = 0; i < n_ips; i++) {
		struct cni_ip *ip = &res->ips[i];
		int fam = ip->address.ip.family, f = fam == AF_INET6;
		struct cni_route def = {.table = -1, .scope = -1};
		int r;

		ip->iface = IFACE_CONT;
		if (!ip->gateway.family && x->c.is_gw) {
			struct ipnet net;

			ipnet_network(&ip->address, &net);
			ip->gateway = net.ip;
			ipnet_addr_add(&ip->gateway, 1);
		}
		if (!x->c.is_default_gw || have_default[f])
			continue;
		for (size_t k = 0; k < res->n_routes && !have_default[f]; k++)
			have_default[f] = is_default_route_with_gw(&res->routes[k], fam);
		if (have_default[f])
			continue;
		def.dst.ip.family = fam;
		def.gw = ip->gateway;
		r = cni_result_add_route(res, &def);
		if (r < 0)
			return cni_fail(err, CNI_ERR_INTERNAL, r, "out of memory");
		have_default[f] = true;
	}
	return 0;
}

static int run_ipam(struct ctx *x, struct cni_result *res, struct cni_error *err)
{
	int r;

	r = ipam_exec(x->a, x->c.ipam_type, CNI_CMD_ADD, res, err);
	if (r < 0)
		return r;
	x->have_ipam = true;
	if (res->n_ips == 0)
		return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "IPAM plugin returned missing IP config");
	/* The final result lists bridge, host veth and container: indexes are ours now. */
	cni_result_drop_ifaces(res);
	return calc_gateways(x, res, err);
}

static bool result_has_family(const struct cni_result *res, int family)
{
	for (size_t i = 0; i < res->n_ips; i++)
		if (res->ips[i].address.ip.family == family)
			return true;
	return false;
}

/* Per-interface knobs only reachable through /proc/sys inside the container. */
static int container_sysctls(struct ctx *x, const struct cni_result *res, struct cni_error *err)
{
	_cleanup_netns_guard_ struct netns_guard g = {.orig_fd = -1};
	const char *ifn = x->a->ifname;
	int r;

	r = netns_enter(x->a->netns_fd, &g);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "cannot enter %s", x->a->netns);
	(void)sysctl_writef("1", "net/ipv4/conf/%s/arp_notify", ifn);
	if (!result_has_family(res, AF_INET6))
		return 0;
	(void)sysctl_write("net/ipv6/conf/lo/disable_ipv6", "0");
	(void)sysctl_writef("0", "net/ipv6/conf/%s/disable_ipv6", ifn);
	if (x->c.enable_dad) {
		(void)sysctl_writef("1", "net/ipv6/conf/%s/enhanced_dad", ifn);
		(void)sysctl_writef("1", "net/ipv6/conf/%s/accept_dad", ifn);
	} else {
		(void)sysctl_writef("0", "net/ipv6/conf/%s/accept_dad", ifn);
	}
	return 0;
}

static int configure_container(struct ctx *x, const struct cni_result *res, struct cni_error *err)
{
	struct ipam_apply_opts o = {
		.ifindex = x->cont_veth.ifindex, .iface = IFACE_CONT, .ns_fd = x->a->netns_fd,
		.dad = x->c.enable_dad, .dad_timeout_ms = DAD_TIMEOUT_MS,
	};
	int r;

	r = container_sysctls(x, res, err);
	if (r < 0)
		return r;
	return ipam_apply(x->cont, res, &o, err);
}

/* The gateway address on the bridge (or VLAN gateway link): other addresses of the family
 * conflict (IPv4: any; IPv6: overlapping ones) unless forceAddress replaces them. Returns 1
 * when the address was added now, 0 when it was there. */
static int ensure_addr(struct ctx *x, const struct link_info *li, const struct ipnet *gw, struct cni_error *err)
{
	_cleanup_free_ struct addr_entry *v = NULL;
	char buf[IPNET_STRLEN];
	size_t n = 0;
	int r;

	r = addr_list(x->host, li->ifindex, gw->ip.family, &v, &n);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host), "cannot list addresses of %s",
				       li->name);
	for (size_t i = 0; i < n; i++) {
		if (v[i].addr.prefix == gw->prefix && ipnet_addr_eq(&v[i].addr.ip, &gw->ip))
			return 0;
		if (gw->ip.family == AF_INET6 && (!ipnet_overlaps(&v[i].addr, gw) || v[i].scope != 0))
			continue;
		if (!x->c.force_address)
			return cni_fail(err, CNI_ERR_INTERNAL, -EEXIST, "\"%s\" already has an IP address different from %s",
					li->name, ipnet_fmt(gw, buf));
		r = addr_del(x->host, li->ifindex, &v[i].addr);
		if (r < 0 && r != -EADDRNOTAVAIL)
			return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host),
					       "could not remove IP address from \"%s\"", li->name);
	}
	r = addr_add(x->host, li->ifindex, gw, true);
	if (r == -EEXIST)
		return 0; /* a concurrent ADD was first */
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host),
				       "could not add IP address %s to \"%s\"", ipnet_fmt(gw, buf), li->name);
	return 1;
}

/* Pin the bridge's MAC: otherwise it follows the lowest port MAC as ports churn. Read
 * it now: it changed when the first port joined, and a bridge without ports has none
 * (00:00:00:00:00:00, which cannot be set: plugins#620). With a VLAN the gateway address
 * goes on "<bridge>.<vlan>", but the bridge's MAC is in every result all the same. */
static int pin_bridge_mac(struct ctx *x, struct cni_error *err)
{
	static const uint8_t zero[6];
	struct link_info now;
	int r;

	r = link_get_by_index(x->host, x->br.ifindex, &now);
	if (r >= 0 && now.has_mac && memcmp(now.mac, zero, 6) != 0)
		r = link_set_mac(x->host, x->br.ifindex, now.mac);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host), "could not set the MAC of \"%s\"",
				       x->c.br_name);
	return 0;
}

/* With a VLAN, the gateway lives on "<bridge>.<vlan>": one end of a veth pair whose other
 * end is an access port of that VLAN. Returns 1 when it was created now. */
static int ensure_vlan_gateway(struct ctx *x, struct link_info *ret, struct cni_error *err)
{
	char name[IFNAMSIZ], port[IFNAMSIZ];
	struct link_info p;
	int r;

	snprintf(name, sizeof(name), "%s.%d", x->c.br_name, x->c.vlan);
	r = link_get_by_name(x->host, name, ret);
	if (r >= 0)
		return 0;
	r = create_veth(x, x->br.ifindex, name, -1, x->host, NULL, port, &p, err);
	if (r < 0)
		return r;
	r = link_get_by_name(x->host, name, ret);
	if (r < 0)
		r = cni_fail_kernel(err, CNI_ERR_INTERNAL, r, "", "cannot read back %s", name);
	if (r >= 0)
		r = setup_port_vlans(x, p.ifindex, x->c.vlan, false, err);
	if (r >= 0 && (r = link_set_up(x->host, ret->ifindex, true)) < 0)
		r = cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host), "failed to set %s up", name);
	/* Half built, it would be found and trusted by every later ADD: remove it. */
	if (r < 0) {
		(void)link_del(x->host, p.ifindex);
		return r;
	}
	return 1;
}

static int apply_gateways(struct ctx *x, struct cni_result *res, struct cni_error *err)
{
	struct link_info target = x->br;
	bool fwd[2] = {false, false}, added = false;
	int r;

	if (!x->c.is_gw)
		return 0;
	if (x->c.vlan) {
		r = ensure_vlan_gateway(x, &x->vlan_gw, err);
		if (r < 0)
			return r;
		added = r > 0;
		target = x->vlan_gw;
	}
	for (size_t i = 0; i < res->n_ips; i++) {
		struct ipnet gw = {.ip = res->ips[i].gateway, .prefix = res->ips[i].address.prefix};

		if (!gw.ip.family)
			continue;
		r = ensure_addr(x, &target, &gw, err);
		if (r < 0)
			return r;
		added |= r > 0;
		fwd[gw.ip.family == AF_INET6] = true;
	}
	/* The first pod of a gateway network pins the MAC; once pinned it stays. */
	if (added) {
		r = pin_bridge_mac(x, err);
		if (r < 0)
			return r;
	}
	if (fwd[0] && sysctl_write("net/ipv4/ip_forward", "1") < 0)
		return cni_fail(err, CNI_ERR_INTERNAL, -EIO, "failed to enable IPv4 forwarding");
	if (fwd[1] && sysctl_write("net/ipv6/conf/all/forwarding", "1") < 0)
		return cni_fail(err, CNI_ERR_INTERNAL, -EIO, "failed to enable IPv6 forwarding");
	return 0;
}

static int wait_port(struct ctx *x, struct cni_error *err)
{
	uint8_t state = 0;
	int r;

	if (x->c.disable_cont_iface)
		return 0;
	r = link_wait_oper_up(x->host, x->host_veth.ifindex, PORT_UP_TIMEOUT_MS, &state);
	if (r == -ETIMEDOUT)
		return cni_fail(err, CNI_ERR_INTERNAL, r, "bridge port in error state: %s", link_operstate_str(state));
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host), "cannot read the state of %s",
				       x->host_name);
	return 0;
}

/* interfaces = [bridge, host veth, container], then a VLAN gateway if one was added. */
static int fill_interfaces(struct ctx *x, struct cni_result *res, struct cni_error *err)
{
	char mac[4][18];
	int r;

	/* The bridge's MAC may change when its first port is added or its address set. */
	r = link_get_by_index(x->host, x->br.ifindex, &x->br);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host), "cannot read %s", x->c.br_name);
	link_fmt_mac(x->br.mac, mac[0]);
	link_fmt_mac(x->host_veth.mac, mac[1]);
	link_fmt_mac(x->cont_veth.mac, mac[2]);
	link_fmt_mac(x->vlan_gw.mac, mac[3]);
	r = cni_result_add_iface(res, x->c.br_name, mac[0], NULL);
	if (r >= 0)
		r = cni_result_add_iface(res, x->host_name, mac[1], NULL);
	if (r >= 0)
		r = cni_result_add_iface(res, x->a->ifname, mac[2], x->a->netns);
	if (r >= 0 && x->vlan_gw.ifindex > 0)
		r = cni_result_add_iface(res, x->vlan_gw.name, mac[3], NULL);
	if (r < 0)
		return cni_fail(err, CNI_ERR_INTERNAL, r, "out of memory");
	if (x->c.dns) {
		json_decref(res->dns);
		res->dns = json_incref(x->c.dns);
	}
	return 0;
}

static int open_sockets(struct ctx *x, struct cni_error *err)
{
	int r;

	r = nl_open(&x->host);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "cannot open netlink");
	if (x->a->netns_fd < 0)
		return 0;
	r = nl_open_in(x->a->netns_fd, &x->cont);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "cannot open netlink in %s", x->a->netns);
	return 0;
}

static void ctx_done(struct ctx *x)
{
	nl_close(x->cont);
	nl_close(x->host);
	bridge_conf_done(&x->c);
}

/* ---- commands ---- */

static int cmd_add(const struct cni_args *a, struct cni_result *ret, struct cni_error *err)
{
	_cleanup_(ctx_done) struct ctx x = {.a = a};
	_cleanup_(cni_result_done) struct cni_result res = {0};
	int r;

	/* 1. configuration, fully validated before anything changes */
	r = bridge_conf_parse(a, false, &x.c, err);
	if (r < 0)
		return r;
	r = open_sockets(&x, err);
	if (r < 0)
		return r;
	/* 2. the bridge (shared by every pod: never rolled back) */
	r = ensure_bridge(&x, err);
	if (r < 0)
		return r;
	/* 3. the veth pair, container end created in the container */
	r = setup_veth(&x, err);
	if (r < 0)
		goto undo;
	if (x.c.ipam_type) {
		/* 4. addresses from IPAM, applied in the container */
		r = run_ipam(&x, &res, err);
		if (r >= 0)
			r = configure_container(&x, &res, err);
		/* 5. gateway addresses on the bridge, forwarding */
		if (r >= 0)
			r = apply_gateways(&x, &res, err);
	} else if (!x.c.disable_cont_iface) {
		r = link_set_up(x.cont, x.cont_veth.ifindex, true);
		if (r < 0)
			r = cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x.cont), "failed to set %s up", a->ifname);
	}
	/* 6. the port forwards before we report success */
	if (r >= 0)
		r = wait_port(&x, err);
	if (r >= 0)
		r = fill_interfaces(&x, &res, err);
	/* 7. netfilter rules, last: nothing after them can fail */
	if (r >= 0) {
		struct bridge_nf f = {.masq = x.c.ipmasq, .spoof = x.c.macspoofchk, .host_veth = x.host_veth.name,
				      .mac = x.cont_veth.mac, .res = &res};

		r = bridge_nf_add(a, &f, err);
	}
	if (r < 0)
		goto undo;
	*ret = res;
	res = (struct cni_result){0};
	return 0;
undo:
	if (x.have_ipam)
		ipam_undo(a, x.c.ipam_type);
	/* Deleting the host end takes the container end with it. */
	if (x.have_veth && (x.host_veth.ifindex > 0 || link_get_by_name(x.host, x.host_name, &x.host_veth) >= 0))
		(void)link_del(x.host, x.host_veth.ifindex);
	return r;
}

static int cmd_del(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_(ctx_done) struct ctx x = {.a = a};
	int r;

	r = bridge_conf_parse(a, true, &x.c, err);
	if (r < 0)
		return r;
	/* The container end first (its peer goes with it); anything already gone is fine. */
	if (a->netns_fd >= 0) {
		r = nl_open_in(a->netns_fd, &x.cont);
		if (r < 0)
			return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "cannot open netlink in %s", a->netns);
		r = link_del_by_name(x.cont, a->ifname);
		if (r < 0)
			return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x.cont), "failed to delete %s in %s",
					       a->ifname, a->netns);
	}
	/* Then the reservation, whether or not the namespace still exists, and the rules. */
	if (x.c.ipam_type)
		r = ipam_exec(a, x.c.ipam_type, CNI_CMD_DEL, NULL, err);
	{
		struct bridge_nf f = {.masq = x.c.ipmasq, .spoof = x.c.macspoofchk};
		struct cni_error nf_err = {0};
		int r2 = bridge_nf_del(a, &f, r < 0 ? &nf_err : err);

		if (r >= 0)
			r = r2;
	}
	return r < 0 ? r : 0;
}

/* ---- CHECK ---- */

static const struct cni_iface *find_iface(const struct cni_result *p, const char *name, const char *sandbox,
					  int *ret_idx)
{
	for (size_t i = 0; i < p->n_ifaces; i++)
		if (streq_ptr(p->ifaces[i].name, name) && (!sandbox || streq_ptr(p->ifaces[i].sandbox, sandbox))) {
			*ret_idx = (int)i;
			return &p->ifaces[i];
		}
	return NULL;
}

static int check_mac(const struct cni_iface *want, const struct link_info *li, struct cni_error *err)
{
	char mac[18];

	if (!want->mac || !*want->mac)
		return 0;
	link_fmt_mac(li->mac, mac);
	if (strcasecmp(mac, want->mac) != 0)
		return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "interface %s has MAC %s, prevResult says %s", li->name,
				mac, want->mac);
	return 0;
}

static int check_bridge(struct ctx *x, const struct cni_result *p, struct cni_error *err)
{
	const struct cni_iface *want;
	int idx, r;

	want = find_iface(p, x->c.br_name, NULL, &idx);
	if (!want)
		return cni_fail(err, CNI_ERR_INTERNAL, -ENOENT, "bridge %s is not in prevResult", x->c.br_name);
	r = link_get_by_name(x->host, x->c.br_name, &x->br);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->host), "bridge %s not found", x->c.br_name);
	if (strcmp(x->br.kind, "bridge") != 0)
		return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "interface %s is not a bridge", x->c.br_name);
	if (!!(x->br.flags & IFF_PROMISC) != x->c.promisc)
		return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "bridge %s promiscuous mode is %s, config says %s",
				x->c.br_name, x->br.flags & IFF_PROMISC ? "on" : "off", x->c.promisc ? "on" : "off");
	return check_mac(want, &x->br, err);
}

static int check_container(struct ctx *x, const struct cni_result *p, int *ret_idx, struct cni_error *err)
{
	const struct cni_iface *want;
	int r;

	want = find_iface(p, x->a->ifname, x->a->netns, ret_idx);
	if (!want)
		return cni_fail(err, CNI_ERR_INTERNAL, -ENOENT, "interface %s in %s is not in prevResult", x->a->ifname,
				x->a->netns);
	r = link_get_by_name(x->cont, x->a->ifname, &x->cont_veth);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(x->cont), "interface %s not found in %s",
				       x->a->ifname, x->a->netns);
	if (strcmp(x->cont_veth.kind, "veth") != 0)
		return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "container interface %s is not a veth", x->a->ifname);
	return check_mac(want, &x->cont_veth, err);
}

/* A prevResult interface that is a veth on our bridge whose peer is the container end. */
static int check_host_veth(struct ctx *x, const struct cni_result *p, int cont_idx, struct cni_error *err)
{
	for (size_t i = 0; i < p->n_ifaces; i++) {
		const struct cni_iface *want = &p->ifaces[i];
		struct link_info li;

		if ((int)i == cont_idx || !want->name || streq_ptr(want->name, x->c.br_name) || want->sandbox)
			continue;
		if (link_get_by_name(x->host, want->name, &li) < 0 || strcmp(li.kind, "veth") != 0)
			continue;
		if (li.ifindex != x->cont_veth.link || li.link != x->cont_veth.ifindex || li.master != x->br.ifindex)
			continue;
		x->checked_host = li;
		return check_mac(want, &li, err);
	}
	return cni_fail(err, CNI_ERR_INTERNAL, -ENOENT, "the veth of %s on bridge %s was not found", x->a->ifname,
			x->c.br_name);
}

static int cmd_check(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_(ctx_done) struct ctx x = {.a = a};
	int cont_idx = -1, r;

	r = bridge_conf_parse(a, false, &x.c, err);
	if (r < 0)
		return r;
	if (x.c.ipam_type) {
		r = ipam_exec(a, x.c.ipam_type, CNI_CMD_CHECK, NULL, err);
		if (r < 0)
			return r;
	}
	if (!a->prev)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "Required prevResult missing");
	r = open_sockets(&x, err);
	if (r < 0)
		return r;
	r = check_bridge(&x, a->prev, err);
	if (r >= 0)
		r = check_container(&x, a->prev, &cont_idx, err);
	if (r >= 0)
		r = check_host_veth(&x, a->prev, cont_idx, err);
	if (r >= 0)
		r = ipam_check(x.cont, a->prev, x.cont_veth.ifindex, cont_idx, a->ifname, err);
	if (r >= 0) {
		struct bridge_nf f = {.masq = x.c.ipmasq, .spoof = x.c.macspoofchk, .host_veth = x.checked_host.name,
				      .mac = x.cont_veth.mac, .res = a->prev};

		r = bridge_nf_check(a, &f, err);
	}
	return r;
}

/* ---- STATUS / GC: the bridge's own state is its rules ---- */

static int cmd_status(const struct cni_args *a, struct cni_error *err)
{
	return ipam_forward(a, CNI_CMD_STATUS, err);
}

static int cmd_gc(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_(bridge_conf_done) struct bridge_conf c = {0};
	struct bridge_nf f;
	int r;

	r = bridge_conf_parse(a, true, &c, err);
	if (r < 0)
		return r;
	f = (struct bridge_nf){.masq = c.ipmasq, .spoof = c.macspoofchk};
	r = bridge_nf_gc(a, &f, err);
	if (r < 0)
		return r;
	return ipam_forward(a, CNI_CMD_GC, err);
}

static const char *const args_keys[] = {"MAC", NULL};

const struct cni_plugin bridge_plugin = {
	.name = "bridge",
	.args_keys = args_keys,
	.add = cmd_add,
	.del = cmd_del,
	.check = cmd_check,
	.status = cmd_status,
	.gc = cmd_gc,
};

