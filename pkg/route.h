/* route.h: rtnetlink routes in the main table (or a given one).
 *
 * A route is described by a struct route_spec; route_add() is exclusive (-EEXIST when the
 * same route exists). route_list() returns a heap array the caller frees.
 */
#ifndef CNI_PKG_ROUTE_H
#define CNI_PKG_ROUTE_H

#include <stddef.h>

#include "ipnet.h"

struct nl;

struct route_spec {
	struct ipnet dst;
	struct ipnet_addr gw; /* family 0: on-link */
	int oif;              /* 0: any / none */
	int table;            /* -1: main */
	int scope;            /* -1: link without gw, universe with gw */
	unsigned priority;
	unsigned mtu, advmss; /* 0: unset */
};

int route_add(struct nl *nl, const struct route_spec *rt);
int route_del(struct nl *nl, const struct route_spec *rt);
/* Unicast routes of family (AF_INET/AF_INET6) in table (-1: main); oif 0 = any link. */
int route_list(struct nl *nl, int family, int table, int oif, struct route_spec **ret, size_t *ret_n);
/* ifindex of the first default route (IPv4, then IPv6), -ENOENT when there is none. */
int route_default_oif(struct nl *nl);

#endif
