/* ops.h: host-local's commands (private to host-local; host-local.c only wires them up).
 *
 * Each has skel's signature: it parses the config, opens the store (lock held for the whole
 * command) and fills the CNI error on failure. Kept out of host-local.c so the unit tests
 * can call them.
 */
#ifndef CNI_HOSTLOCAL_OPS_H
#define CNI_HOSTLOCAL_OPS_H

#include "skel.h"

int ops_add(const struct cni_args *a, struct cni_result *ret, struct cni_error *err);
int ops_del(const struct cni_args *a, struct cni_error *err);
int ops_check(const struct cni_args *a, struct cni_error *err);
int ops_gc(const struct cni_args *a, struct cni_error *err);
int ops_status(const struct cni_args *a, struct cni_error *err);

#endif
