/* addr.h: rtnetlink addresses of one link.
 *
 * addr_add() is exclusive: an existing identical address gives -EEXIST and the caller
 * decides whether that is fine. addr_list() returns a heap array the caller frees.
 */
#ifndef CNI_PKG_ADDR_H
#define CNI_PKG_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "ipnet.h"

struct nl;

struct addr_entry {
	struct ipnet addr;
	unsigned flags; /* IFA_F_* */
	unsigned char scope;
	int ifindex;
};

int addr_add(struct nl *nl, int ifindex, const struct ipnet *a, bool nodad);
int addr_del(struct nl *nl, int ifindex, const struct ipnet *a);
/* family AF_UNSPEC lists both; ifindex 0 lists every link's. */
int addr_list(struct nl *nl, int ifindex, int family, struct addr_entry **ret, size_t *ret_n);

/* Wait, bounded and event-driven, until no global IPv6 address of the link is tentative.
 * sub: a socket of the same namespace used only for this. -EADDRNOTAVAIL (with the
 * address in *ret_failed) when DAD failed, -ETIMEDOUT when it did not settle. */
int addr_wait_dad(struct nl *nl, struct nl *sub, int ifindex, int timeout_ms, struct ipnet *ret_failed);

#endif
