/* nfrules.h: per-attachment rule sets in the suite's nftables tables, found again from
 * the attachment alone (no state file).
 *
 * An attachment (network, container ID, interface) owns one regular chain, named
 * <prefix><hash> after a hash of the three, and one or more rules in a shared "entry"
 * chain that jump to it, each with the comment "cni-c <network> <hash> <cid>/<ifname>".
 * Removing an attachment (DEL) and collecting the ones no longer in use (GC) therefore
 * need nothing but the table; and as long as an attachment has no chain, nothing of it
 * is read at all. Changes are queued into the caller's open transaction. 0 / -errno.
 */
#ifndef CNI_PKG_NFRULES_H
#define CNI_PKG_NFRULES_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "nft.h"

/* Where a feature keeps its rules. */
struct nfrules_set {
	int family;
	const char *table;
	const char *entry;  /* the chain holding the jumps */
	const char *prefix; /* of the attachment chains, e.g. "masq-" */
};

struct nfrules_id {
	char hash[17];
	char chain[40];
	char comment[256];
};
void nfrules_id(const struct nfrules_set *s, const char *network, const char *cid, const char *ifname,
		struct nfrules_id *ret);

/* A jump rule from the entry chain to the attachment's chain, with its comment; the
 * caller adds its matches and then nft_rule_verdict(r, NFT_V_JUMP, id->chain). */
struct nftnl_rule *nfrules_jump_new(const struct nfrules_set *s, const struct nfrules_id *id);
/* Queue that jump for packets whose source (dst: destination) address is addr. */
int nfrules_queue_jump_addr(struct nft *n, const struct nfrules_set *s, const struct nfrules_id *id, bool dst,
			    const struct ipnet *addr);

/* Queue the removal of everything of the attachment; *ret_found (may be NULL) says
 * whether there was anything. -ENOENT never: a missing table is nothing to remove. */
int nfrules_queue_remove(struct nft *n, const struct nfrules_set *s, const struct nfrules_id *id, bool *ret_found);
/* Queue the removal of every attachment of network that is not among valid. */
int nfrules_queue_gc(struct nft *n, const struct nfrules_set *s, const char *network,
		     const struct conf_attachment *valid, size_t n_valid, size_t *ret_removed);
/* The attachment's chain's rules (texts, in order) and how many jumps lead to it;
 * -ENOENT when it has no chain. */
int nfrules_read(struct nft *n, const struct nfrules_set *s, const struct nfrules_id *id,
		 struct nft_rule_info **ret_rules, size_t *ret_n, size_t *ret_jumps);

/* ---- the reference plugins' rules, for a node switching over ----
 * The reference keeps an attachment's rules in a chain of its own in the tables iptables
 * (or, for macspoofchk, nft) uses, entered by jumps from shared chains. DEL removes them
 * too, so a pod the reference added and we delete leaves no stale NAT behind. */

/* "<prefix><SHA-512 of network + cid, in hex>" cut to 28 characters: the reference's
 * chain for an attachment ("CNI-" for ipMasq, "CNI-DN-" for portmap). */
void nfrules_foreign_name(char buf[static 29], const char *prefix, const char *network, const char *cid);
/* Queue the removal of chain (and its rules) and of the rules in the entry chains
 * (NULL-terminated; missing ones are skipped) that jump to it. Nothing when the chain is
 * not there; *ret_found (may be NULL) says whether it was. */
int nfrules_queue_remove_foreign(struct nft *n, int family, const char *table, const char *chain,
				 const char *const entries[], bool *ret_found);

#endif
