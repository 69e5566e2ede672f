/* netfilter.h: bridge's ipMasq and macspoofchk, as per-attachment nftables rule sets.
 *
 *   ipMasq       table ip|ip6 cni-c-nat, chain postrouting (nat, srcnat): per pod address
 *                "ip saddr POD jump masq-<hash>"; chain masq-<hash>: "ip daddr SUBNET accept"
 *                per address, then "ip daddr != 224.0.0.0/4 masquerade" (ff00::/8).
 *   macspoofchk  table bridge cni-c-macspoof, chain prerouting (filter, priority -300):
 *                "iifname HOSTVETH jump mac-<hash>"; chain mac-<hash>: "ether saddr MAC
 *                return", "drop".
 *
 * <hash> is of network, container ID and interface (pkg/nfrules.h): DEL and GC find the
 * rules from the attachment alone, and a second ADD replaces the first. Every call is one
 * transaction. Errors are reported into err (code 999 with the kernel's text). */
#ifndef CNI_BRIDGE_NETFILTER_H
#define CNI_BRIDGE_NETFILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "cni.h"
#include "conf.h"
#include "skel.h"

struct bridge_nf {
	bool masq;
	bool spoof;
	const char *host_veth;   /* ADD/CHECK with spoof: the pod's port */
	const uint8_t *mac;      /* ADD/CHECK with spoof: the pod's MAC */
	const struct cni_result *res; /* ADD/CHECK with masq: the pod's addresses */
};

int bridge_nf_add(const struct cni_args *a, const struct bridge_nf *f, struct cni_error *err);
int bridge_nf_del(const struct cni_args *a, const struct bridge_nf *f, struct cni_error *err);
int bridge_nf_check(const struct cni_args *a, const struct bridge_nf *f, struct cni_error *err);
int bridge_nf_gc(const struct cni_args *a, const struct bridge_nf *f, struct cni_error *err);

#endif
