/* dataplane.h: the kernel state the agent owns, read back and brought to the plan.
 *
 * The agent owns exactly:
 *   - routes of protocol DP_RTPROT (in the main table), IPv4 and IPv6;
 *   - the VXLAN devices DP_VXLAN_NAME4 / DP_VXLAN_NAME6 and, with them, their FDB and
 *     permanent neighbour entries and their VTEP address.
 * Nothing else is ever written or deleted. A full reconcile reads all of it (a filtered
 * route dump, the devices, their FDB and neighbours), compares it with the nodes'
 * wants and sends the differences as one netlink batch: an unchanged cluster costs no
 * kernel write. A delta applies one node's old → new wants the same way, trusting that
 * the kernel holds what the last reconcile applied (the periodic full reconcile puts
 * right whatever someone else changed). Everything returns 0 / -errno.
 */
#ifndef CNI_NODE_DATAPLANE_H
#define CNI_NODE_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodes.h"
#include "plan.h"

#define DP_RTPROT 147 /* rtnetlink protocol of the agent's routes: "cni-c" in rt_protos.d */
#define DP_VXLAN_NAME4 "cni-c-vx4"
#define DP_VXLAN_NAME6 "cni-c-vx6"
#define DP_VXLAN_PORT 4789
#define DP_VXLAN_VNI 1

struct logger;
struct dp;

struct dp_opts {
	uint32_t vni;   /* 0: DP_VXLAN_VNI */
	uint16_t port;  /* 0: DP_VXLAN_PORT */
	const struct logger *log;
};

/* What one reconcile wrote (a no-op reconcile leaves every count at 0). */
struct dp_stats {
	size_t writes;                        /* kernel requests that change state */
	size_t route_add, route_replace, route_del;
	size_t neigh_set, neigh_del, fdb_set, fdb_del;
	size_t link_ops;                      /* device create/delete/up, VTEP address */
	size_t errors;                        /* requests the kernel refused */
};

/* A socket in the current network namespace. */
int dp_open(const struct dp_opts *o, struct dp **ret);
void dp_close(struct dp *dp);

/* The prefixes this node reaches without a gateway (main-table routes of the protocols
 * kernel, boot, static, ra and dhcp with no gateway, not through the agent's devices). */
int dp_onlink(struct dp *dp, struct onlink_set *ret);

/* Bring the kernel to every node's want (as plan_full() left them). self is this node's
 * facts (its VTEP when a VXLAN path exists). keep_unknown: a node's entry could not be
 * read, so own routes no want claims are kept this time. On return each node's want
 * holds what is applied (a refused change leaves it empty and counts an error, for the
 * next full reconcile to retry). */
int dp_reconcile(struct dp *dp, struct nodes *nodes, const struct node_facts *self, bool keep_unknown,
		 struct dp_stats *st);

/* The change of a few nodes: each goes from old to new wants (either side may want
 * nothing). Deletions of all go before additions of any. Each node (NULL when it left
 * the table) gets the wants that are applied. */
struct dp_delta {
	struct node *node;
	const char *name;
	struct node_want old[_NODE_FAMILY_MAX], new_[_NODE_FAMILY_MAX];
};
int dp_apply_deltas(struct dp *dp, struct nodes *nodes, struct dp_delta *d, size_t n_d,
		    const struct node_facts *self, struct dp_stats *st);

/* Kernel changes made by others that can matter (a route of the agent's protocol or a
 * connected one added or removed, an address or an underlay link changing): the fd to
 * poll, and whether such a change came since the last call (the agent's own writes are
 * not counted). A full reconcile then puts things right. */
int dp_monitor_fd(struct dp *dp);
bool dp_kernel_changed(struct dp *dp);

/* Remove every route, device and entry the agent owns. */
int dp_cleanup(struct dp *dp, struct dp_stats *st);

#endif
