/* ipam.h: delegation to an IPAM plugin, and applying its result to an interface.
 *
 * ipam_exec() finds `type` on CNI_PATH, runs it with the same environment (only
 * CNI_COMMAND changed) and the same stdin, and passes its error object through unchanged.
 * The delegate's output is bounded (1 MiB) and the delegate dies with the plugin.
 * ipam_apply() puts a result's addresses and routes on a link in a container namespace.
 */
#ifndef CNI_PKG_IPAM_H
#define CNI_PKG_IPAM_H

#include <stdbool.h>

#include "cni.h"
#include "skel.h"

struct nl;

/* The "ipam" object's "type", or NULL for none / an empty object (L2 only).
 * Code 7 when "ipam" or its "type" has the wrong JSON type. */
int ipam_type(const struct cni_args *a, const char **ret, struct cni_error *err);

/* Run the delegate for cmd (ADD fills *ret, which may then be NULL for other commands). */
int ipam_exec(const struct cni_args *a, const char *type, enum cni_cmd cmd, struct cni_result *ret,
	      struct cni_error *err);

/* Best-effort DEL of a reservation made earlier in a failing ADD (errors are ignored:
 * the ADD's own error is what the runtime must see). */
void ipam_undo(const struct cni_args *a, const char *type);

/* STATUS / GC for a plugin with no state of its own: forwarded when "ipam.type" is set. */
int ipam_forward(const struct cni_args *a, enum cni_cmd cmd, struct cni_error *err);

struct ipam_apply_opts {
	int ifindex;     /* link in the namespace of nl */
	int iface;       /* its index in the result: ips with this index (or unset) go on it */
	int ns_fd;       /* the namespace of nl (for the DAD watch) */
	bool dad;        /* keep IPv6 duplicate address detection (and wait for it) */
	int dad_timeout_ms;
};
/* Addresses, link up, optional DAD wait, routes (gateway defaults to the first gateway of
 * the route's family). EEXIST is tolerated. */
int ipam_apply(struct nl *nl, const struct cni_result *res, const struct ipam_apply_opts *o,
	       struct cni_error *err);

/* CHECK: every address of the result meant for this interface is on the link, with a
 * route to its prefix, and every route of the result exists. */
int ipam_check(struct nl *nl, const struct cni_result *res, int ifindex, int iface, const char *ifname,
	       struct cni_error *err);

/* Gateway for a route of family: its own, else the first gateway among the result's ips. */
void ipam_route_gw(const struct cni_result *res, const struct cni_route *rt, struct ipnet_addr *ret);

#endif
