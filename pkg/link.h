/* link.h: rtnetlink links: lookup, creation per kind, attributes, bridge ports and VLANs.
 *
 * Every call takes the struct nl of the namespace it acts in. Lookups are targeted
 * RTM_GETLINK requests (never dump-and-filter) and return -ENODEV when the link does not
 * exist. Kinds are created with an options struct; devices destined for a container are
 * created directly in it (IFLA_NET_NS_FD), never moved afterwards.
 */
#ifndef CNI_PKG_LINK_H
#define CNI_PKG_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "ipnet.h"

struct nl;

struct link_info {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];     /* IFLA_INFO_KIND, "" for none (e.g. lo) */
	unsigned flags;    /* IFF_* */
	unsigned mtu;
	uint8_t mac[6];
	bool has_mac;
	int master;        /* 0: none */
	int link;          /* IFLA_LINK: peer/parent ifindex (veth peer, ipvlan parent), 0: none */
	bool link_other_ns; /* IFLA_LINK refers to another namespace */
	uint8_t operstate; /* IF_OPER_* */
	int ipvlan_mode;   /* IPVLAN_MODE_*, -1 unless kind is ipvlan */
	int vlan_filtering; /* bridge only: 0/1, -1 unknown */
	int vlan_default_pvid; /* bridge only: the VID new ports get, -1 unknown */
	struct link_vxlan_info {
		uint32_t vni;
		uint16_t port;          /* UDP destination port, host order */
		struct ipnet_addr local; /* family 0: none */
		int dev;                /* underlay link, 0: none */
		bool learning;
	} vxlan; /* kind "vxlan" only */
};

int link_get_by_name(struct nl *nl, const char *name, struct link_info *ret);
int link_get_by_index(struct nl *nl, int ifindex, struct link_info *ret);

struct link_bridge_opts {
	const char *name;
	unsigned mtu;        /* 0: kernel default */
	bool vlan_filtering;
};
/* -EEXIST when a link of that name exists (whatever its kind). */
int link_create_bridge(struct nl *nl, const struct link_bridge_opts *o);

struct link_veth_opts {
	const char *name;      /* end that stays in nl's namespace */
	int master;            /* its bridge, 0: none */
	bool up;               /* bring this end up at creation */
	const char *peer_name; /* other end */
	int peer_ns_fd;        /* namespace the peer is created in, -1: same */
	const uint8_t *peer_mac; /* NULL: random */
	unsigned mtu;          /* both ends, 0: default */
};
/* ret (may be NULL) receives the end created in nl's namespace, straight from the
 * kernel's echo of the request (read back with a lookup on kernels without echo). */
int link_create_veth(struct nl *nl, const struct link_veth_opts *o, struct link_info *ret);

struct link_ipvlan_opts {
	const char *name;
	int parent;   /* ifindex of the master, in nl's namespace */
	int mode;     /* IPVLAN_MODE_L2/L3/L3S */
	int ns_fd;    /* create directly in this namespace, -1: same */
	unsigned mtu; /* 0: inherit */
};
int link_create_ipvlan(struct nl *nl, const struct link_ipvlan_opts *o);

struct link_vxlan_opts {
	const char *name;
	uint32_t vni;
	uint16_t port;                 /* host order */
	const struct ipnet_addr *local; /* source of the encapsulated packets */
	int dev;                       /* underlay link, 0: any */
	const uint8_t *mac;            /* NULL: random */
	unsigned mtu;                  /* 0: kernel default (dev's MTU less the headers) */
	bool learning;
};
/* Created down; -EEXIST when a link of that name exists. */
int link_create_vxlan(struct nl *nl, const struct link_vxlan_opts *o);

int link_set_up(struct nl *nl, int ifindex, bool up);
int link_set_promisc(struct nl *nl, int ifindex, bool on);
int link_set_master(struct nl *nl, int ifindex, int master);
int link_set_mtu(struct nl *nl, int ifindex, unsigned mtu);
int link_set_mac(struct nl *nl, int ifindex, const uint8_t mac[6]);
int link_set_name(struct nl *nl, int ifindex, const char *name);
int link_set_vlan_filtering(struct nl *nl, int bridge_ifindex, bool on);
int link_del(struct nl *nl, int ifindex);
/* Delete by name in one request; a link that is not there is success (DEL semantics). */
int link_del_by_name(struct nl *nl, const char *name);

/* Bridge port flags of a link enslaved to a bridge. */
struct link_brport_opts {
	bool hairpin;
	bool isolated;
};
int link_set_brport(struct nl *nl, int ifindex, const struct link_brport_opts *o);

/* Bridge VLAN membership of a port (or the bridge itself with self=true). */
struct link_vlan {
	uint16_t vid, vid_end; /* inclusive range; vid_end == vid for one */
	bool pvid, untagged;
};
int link_vlan_add(struct nl *nl, int ifindex, const struct link_vlan *v, bool self);
int link_vlan_del(struct nl *nl, int ifindex, const struct link_vlan *v, bool self);

/* Wait, bounded, until the link's operstate is UP; event-driven (no sleeping loop).
 * Returns 0, -ETIMEDOUT with *ret_state set to the last state seen, or -errno. */
int link_wait_oper_up(struct nl *nl, int ifindex, int timeout_ms, uint8_t *ret_state);
const char *link_operstate_str(uint8_t state);

/* "<prefix><8 random hex digits>", for temporary and host-side names. */
int link_random_name(const char *prefix, char buf[static IFNAMSIZ]);
int link_fmt_mac(const uint8_t mac[6], char buf[static 18]);

#endif
