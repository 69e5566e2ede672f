/* neigh.h: rtnetlink neighbour entries: ARP/NDP entries (AF_INET, AF_INET6) and bridge or
 * VXLAN forwarding-database entries (AF_BRIDGE), one link at a time.
 *
 * neigh_build() fills a request for a batch (nl_batch_add); neigh_list() dumps a link's
 * entries of one family into a heap array the caller frees. 0 / -errno.
 */
#ifndef CNI_PKG_NEIGH_H
#define CNI_PKG_NEIGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipnet.h"

struct nl;
struct nl_req;

struct neigh_entry {
	int family;            /* AF_INET, AF_INET6: neighbour; AF_BRIDGE: FDB entry */
	int ifindex;
	struct ipnet_addr dst; /* neighbour: its address; FDB: the remote (VXLAN) endpoint */
	uint8_t lladdr[6];     /* neighbour: its MAC; FDB: the MAC the entry forwards */
	bool has_lladdr;
	uint16_t state;        /* NUD_*; NUD_PERMANENT when building */
	uint8_t flags;         /* NTF_*; NTF_SELF for a VXLAN device's own FDB */
};

enum neigh_op {
	NEIGH_OP_REPLACE, /* create or replace */
	NEIGH_OP_DEL,
};
void neigh_build(struct nl_req *req, enum neigh_op op, const struct neigh_entry *e);
/* Entries of family on link ifindex (the kernel filters by link on strict dumps). */
int neigh_list(struct nl *nl, int family, int ifindex, struct neigh_entry **ret, size_t *ret_n);

#endif
