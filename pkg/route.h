/* route.h: rtnetlink routes in the main table (or a given one).
 *
 * A route is described by a struct route_spec; route_add() is exclusive (-EEXIST when the
 * same route exists). route_list() returns a heap array the caller frees. route_build()
 * fills a request for a batch (nl_batch_add) instead of sending it.
 */
#ifndef CNI_PKG_ROUTE_H
#define CNI_PKG_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "ipnet.h"

struct nl;
struct nl_req;

struct route_spec {
	struct ipnet dst;
	struct ipnet_addr gw; /* family 0: on-link */
	int oif;              /* 0: any / none */
	int table;            /* -1: main */
	int scope;            /* -1: link without gw, universe with gw */
	unsigned priority;
	unsigned mtu, advmss; /* 0: unset */
	unsigned char protocol; /* RTPROT_*; 0: boot when adding, any when deleting */
	bool onlink;            /* RTNH_F_ONLINK: the gateway is on the link, whatever its subnet */
};

enum route_op {
	ROUTE_OP_ADD,     /* exclusive: -EEXIST when a route with the same key exists */
	ROUTE_OP_REPLACE, /* create, or replace the route with the same key */
	ROUTE_OP_DEL,     /* with rt->protocol set, only a route of that protocol matches */
};
void route_build(struct nl_req *req, enum route_op op, const struct route_spec *rt);

/* What a dump returns: family AF_INET/AF_INET6; table -1: main; oif 0: any link;
 * protocol 0: any. The kernel filters table and protocol itself (strict dumps); what an
 * older kernel lets through is filtered here. */
struct route_filter {
	int family;
	int table;
	int oif;
	unsigned char protocol;
};
int route_list_filtered(struct nl *nl, const struct route_filter *f, struct route_spec **ret, size_t *ret_n);
/* The same routes, one call of cb each (nothing is kept): cb < 0 ends the dump with it. */
typedef int (*route_dump_cb)(const struct route_spec *rt, void *data);
int route_dump(struct nl *nl, const struct route_filter *f, route_dump_cb cb, void *data);

int route_add(struct nl *nl, const struct route_spec *rt);
int route_del(struct nl *nl, const struct route_spec *rt);
/* Unicast routes of family (AF_INET/AF_INET6) in table (-1: main); oif 0 = any link. */
int route_list(struct nl *nl, int family, int table, int oif, struct route_spec **ret, size_t *ret_n);
/* ifindex of the first default route (IPv4, then IPv6), -ENOENT when there is none. */
int route_default_oif(struct nl *nl);
/* The link a packet to dst leaves through (the kernel's route lookup), as an ifindex. */
int route_get_oif(struct nl *nl, const struct ipnet_addr *dst);

#endif
