/* nft.h: the suite's nftables, over netfilter netlink: libnftnl builds and parses the
 * messages, pkg/nl.c carries them (one socket layer for everything).
 *
 * Changes are collected into one transaction (nft_begin ... nft_commit): the kernel
 * applies all of it or none, and a refused message comes back with its extended-ack
 * text. Rules are built with the nft_rule_* helpers below, which cover what the suite
 * needs (address, protocol, port, interface and MAC matches; accept, drop, return, jump;
 * masquerade, DNAT, SNAT) and nothing more. Everything the suite writes lives in tables of
 * its own; rules are found again by their comment. nft_list_*() read a table back.
 *
 * Nothing here is loaded or opened until nft_open(): a plugin that writes no rule pays
 * nothing. Everything returns 0 / -errno; nft_open() gives -EPROTONOSUPPORT (or the
 * kernel's error) when the kernel has no nf_tables.
 */
#ifndef CNI_PKG_NFT_H
#define CNI_PKG_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipnet.h"

struct nft;
struct nftnl_rule;

/* Families (NFPROTO_*), spelled out so that callers need no netfilter header. */
enum { NFT_FAMILY_IPV4 = 2, NFT_FAMILY_BRIDGE = 7, NFT_FAMILY_IPV6 = 10 };

int nft_open(struct nft **ret);
void nft_close(struct nft *n);
/* The kernel's extended-ack text of the last failed commit or dump, "" when none. */
const char *nft_extack(const struct nft *n);

/* ---- transactions ---- */

/* A base chain: hooked into the stack (NF_INET_* hook number, priority, policy accept). */
struct nft_hook {
	const char *type; /* "filter" or "nat" */
	unsigned hooknum; /* NF_INET_PRE_ROUTING, ... (also the bridge family's) */
	int priority;
};
enum { NFT_HOOK_PREROUTING = 0, NFT_HOOK_INPUT = 1, NFT_HOOK_FORWARD = 2, NFT_HOOK_OUTPUT = 3,
       NFT_HOOK_POSTROUTING = 4 };

void nft_begin(struct nft *n);
/* Create (if missing) a table; a chain, base when hook is set, regular otherwise. */
int nft_add_table(struct nft *n, int family, const char *table);
int nft_add_chain(struct nft *n, int family, const char *table, const char *chain, const struct nft_hook *hook);
int nft_flush_chain(struct nft *n, int family, const char *table, const char *chain);
int nft_del_chain(struct nft *n, int family, const char *table, const char *chain);
int nft_del_table(struct nft *n, int family, const char *table);
/* Append rule r (built below) to its chain; r is consumed, also on failure. */
int nft_add_rule(struct nft *n, struct nftnl_rule *r);
int nft_del_rule(struct nft *n, int family, const char *table, const char *chain, uint64_t handle);
/* Messages in the open transaction. */
size_t nft_pending(const struct nft *n);
/* Send the transaction (nothing when it is empty); *ret_msgs (may be NULL) gets how
 * many changes it held. The transaction is empty afterwards, whatever the outcome. */
int nft_commit(struct nft *n, size_t *ret_msgs);

/* ---- rules ---- */

/* A rule for family/table/chain, with a comment (NULL: none). NULL on no memory. */
struct nftnl_rule *nft_rule_new(int family, const char *table, const char *chain, const char *comment);
void nft_rule_free(struct nftnl_rule *r);
/* Matches: source or destination address in net (negate: not in it). The address family
 * follows net; in an ip6 table only IPv6, in an ip table only IPv4. */
int nft_rule_match_addr(struct nftnl_rule *r, bool dst, const struct ipnet *net, bool negate);
/* The layer-4 protocol (IPPROTO_TCP, _UDP, _SCTP), and its destination port. */
int nft_rule_match_l4proto(struct nftnl_rule *r, uint8_t proto);
int nft_rule_match_dport(struct nftnl_rule *r, uint16_t port);
/* Input / output interface name (exact). */
int nft_rule_match_ifname(struct nftnl_rule *r, bool out, const char *name, bool negate);
/* The destination is an address of this host (fib daddr type local). */
int nft_rule_match_local_daddr(struct nftnl_rule *r);
/* Ethernet source address (bridge family). */
int nft_rule_match_ether_saddr(struct nftnl_rule *r, const uint8_t mac[6], bool negate);
/* Verdicts: NFT_V_ACCEPT, NFT_V_DROP, NFT_V_RETURN, or a jump to chain. */
enum { NFT_V_ACCEPT, NFT_V_DROP, NFT_V_RETURN, NFT_V_JUMP };
int nft_rule_verdict(struct nftnl_rule *r, int verdict, const char *chain);
/* Actions. */
int nft_rule_counter(struct nftnl_rule *r);
int nft_rule_masquerade(struct nftnl_rule *r);
/* DNAT to addr (and port when not 0); SNAT to addr. */
int nft_rule_dnat(struct nftnl_rule *r, const struct ipnet_addr *addr, uint16_t port);
int nft_rule_snat(struct nftnl_rule *r, const struct ipnet_addr *addr);

/* ---- reading back ---- */

struct nft_chain_info {
	char name[64];
	bool base;
	char type[16];
	unsigned hooknum;
	int priority;
	bool accept; /* policy */
};

struct nft_rule_info {
	char chain[64];
	uint64_t handle;
	char comment[256]; /* "" when none */
	char jump[256];    /* the chain the rule jumps or goes to, "" when none */
	char text[1024];   /* the expressions, canonical: compare with nft_rule_text() */
};

/* The chains of a table / its rules (of one chain when chain is set); -ENOENT when the
 * table does not exist. */
int nft_list_chains(struct nft *n, int family, const char *table, struct nft_chain_info **ret, size_t *ret_n);
int nft_list_rules(struct nft *n, int family, const char *table, const char *chain, struct nft_rule_info **ret,
		   size_t *ret_n);
/* 1 when the chain exists, 0 when it (or its table) does not; one lookup, no dump. */
/* The handles of the rules of family/table/chain whose comment is exactly comment (no
 * expression is parsed: cheap on a chain of thousands of rules); -ENOENT when the table
 * does not exist. */
int nft_rule_handles(struct nft *n, int family, const char *table, const char *chain, const char *comment,
		     uint64_t **ret, size_t *ret_n);
int nft_chain_exists(struct nft *n, int family, const char *table, const char *chain);
/* The canonical text of a rule built here, as nft_list_rules() gives it for the same rule. */
int nft_rule_text(struct nftnl_rule *r, char *buf, size_t size);

/* A name part from a hash of the given strings (FNV-1a 64, 16 hex digits): the same
 * strings give the same name in every process, without state. */
void nft_hash_name(char buf[static 17], const char *a, const char *b, const char *c);

#endif
