/* egress.h: masquerade of pod traffic that leaves the cluster, over nftables netlink.
 *
 * The agent owns the tables `ip cni-c-node` and `ip6 cni-c-node`: in each, a nat chain
 * on the postrouting hook masquerades packets from the family's cluster CIDR to any
 * destination outside it (multicast excepted). Traffic between pods keeps its source.
 * egress_apply() reads the tables back and writes (one transaction) only when they
 * differ from what they should be; egress_cleanup() deletes both. 0 / -errno.
 */
#ifndef CNI_NODE_EGRESS_H
#define CNI_NODE_EGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "nodes.h"

#define EGRESS_TABLE "cni-c-node"

struct logger;
struct egress;

struct egress_opts {
	bool has_cluster[_NODE_FAMILY_MAX];
	struct ipnet cluster[_NODE_FAMILY_MAX];
	const struct logger *log;
};

int egress_open(const struct egress_opts *o, struct egress **ret);
void egress_close(struct egress *e);
/* *ret_writes: nftables messages sent (0 when the rules were already right). */
int egress_apply(struct egress *e, size_t *ret_writes);
int egress_cleanup(struct egress *e);

#endif
