/* plan.h: from the node table to what each node needs on this node (its node_want per
 * family), with every conflict found and logged. Pure computation: no kernel access, so
 * every rule here is unit-tested directly.
 *
 * The rules. A node gets a route to its pod CIDR of a family via its InternalIP of that
 * family; none when:
 *   - it has no pod CIDR or no InternalIP (logged once per state);
 *   - its entry is malformed and it had no good state before (its last good state is
 *     used otherwise);
 *   - its pod CIDR overlaps this node's or another node's pod CIDR (neither gets one);
 *   - its InternalIP is this node's or another node's (neither gets one);
 *   - (IPv6) its VTEP MAC collides with another node's (neither gets one).
 * Conflicts are logged at every reconcile that sees them. The route is direct when the
 * InternalIP lies in a prefix some link reaches directly (struct onlink_set); otherwise
 * it goes through the family's VXLAN device: VTEP address = the network address of the
 * node's pod CIDR, VTEP MAC = plan_vtep_mac(InternalIP).
 */
#ifndef CNI_NODE_PLAN_H
#define CNI_NODE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodes.h"

struct logger;

/* Prefixes reached without a gateway, per family, with the link that reaches them. */
struct onlink {
	struct ipnet net;
	int oif;
};
struct onlink_set {
	struct onlink *v[_NODE_FAMILY_MAX];
	size_t n[_NODE_FAMILY_MAX];
};
void onlink_set_done(struct onlink_set *s);

struct plan_ctx {
	struct nodes *nodes;
	const char *self;              /* this node's name */
	const struct onlink_set *onlink;
	const struct logger *log;
};

struct plan_stats {
	size_t direct, vxlan;    /* routes wanted */
	size_t skipped;          /* nodes without a pod CIDR or an address */
	size_t conflicts;        /* node-families refused for a conflict */
	size_t unknown;          /* malformed nodes with no good state: deletions are held */
};

/* This node's effective facts, or NULL when it is not in the table or never was valid. */
const struct node_facts *plan_self(const struct plan_ctx *c);

/* Every node's want, into its want[] (what a full reconcile then applies). O(n log n).
 * -ENOENT when this node has no usable entry (nothing is changed then). */
int plan_full(const struct plan_ctx *c, struct plan_stats *st);

/* One node's want, its conflicts found by a scan of the table (O(n)): the same verdict
 * plan_full() gives. n must not be this node. */
void plan_node(const struct plan_ctx *c, struct node *n, struct node_want ret[_NODE_FAMILY_MAX]);

/* Whether node m's verdict can change when some node's facts go from a to b (either may
 * be NULL): m's pod CIDR overlaps one of theirs, or m shares an address with them. */
bool plan_touches(const struct node_facts *m, const struct node_facts *a, const struct node_facts *b);

/* The VTEP MAC of a node with InternalIP ip: IPv4 0e:76:a:b:c:d; IPv6 the low 48 bits of
 * FNV-1a-64 over the 16 bytes, first byte's low bits set to 10 (locally administered
 * unicast). Every node derives every other node's MAC without asking anyone. */
void plan_vtep_mac(const struct ipnet_addr *ip, uint8_t mac[6]);
/* VTEP address of a node: the network address of its pod CIDR. */
void plan_vtep_addr(const struct ipnet *cidr, struct ipnet_addr *ret);

bool node_want_eq(const struct node_want *a, const struct node_want *b);

#endif
