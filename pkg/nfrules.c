/* nfrules.c: attachment chains, their jumps, and finding them again by comment. */
#include "nfrules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sha512.h"

#define COMMENT_TAG "cni-c"

void nfrules_id(const struct nfrules_set *s, const char *network, const char *cid, const char *ifname,
		struct nfrules_id *ret)
{
	nft_hash_name(ret->hash, network, cid, ifname);
	snprintf(ret->chain, sizeof(ret->chain), "%s%s", s->prefix, ret->hash);
	/* The container ID is for people reading the ruleset; it may be cut, the rest not. */
	snprintf(ret->comment, sizeof(ret->comment), COMMENT_TAG " %s %s %.160s/%s", network, ret->hash, cid, ifname);
}

struct nftnl_rule *nfrules_jump_new(const struct nfrules_set *s, const struct nfrules_id *id)
{
	return nft_rule_new(s->family, s->table, s->entry, id->comment);
}

int nfrules_queue_jump_addr(struct nft *n, const struct nfrules_set *s, const struct nfrules_id *id, bool dst,
			    const struct ipnet *addr)
{
	struct nftnl_rule *j = nfrules_jump_new(s, id);
	int r = j ? nft_rule_match_addr(j, dst, addr, false) : -ENOMEM;

	if (r >= 0)
		r = nft_rule_verdict(j, NFT_V_JUMP, id->chain);
	if (r >= 0)
		return nft_add_rule(n, j);
	nft_rule_free(j);
	return r;
}

/* "cni-c <network> <hash> ..." → whether it is network's, and its hash. */
static bool parse_comment(const char *c, const char *network, char hash[static 17])
{
	size_t tl = strlen(COMMENT_TAG), nl = strlen(network);

	if (strncmp(c, COMMENT_TAG " ", tl + 1) != 0)
		return false;
	c += tl + 1;
	if (strncmp(c, network, nl) != 0 || c[nl] != ' ')
		return false;
	c += nl + 1;
	if (strlen(c) < 16 || (c[16] != ' ' && c[16] != '\0'))
		return false;
	memcpy(hash, c, 16);
	hash[16] = '\0';
	return true;
}

static int entry_rules(struct nft *n, const struct nfrules_set *s, struct nft_rule_info **ret, size_t *ret_n)
{
	int r = nft_list_rules(n, s->family, s->table, s->entry, ret, ret_n);

	if (r == -ENOENT) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	return r;
}

int nfrules_queue_remove(struct nft *n, const struct nfrules_set *s, const struct nfrules_id *id, bool *ret_found)
{
	_cleanup_free_ uint64_t *handles = NULL;
	size_t n_handles = 0;
	int r;

	if (ret_found)
		*ret_found = false;
	r = nft_chain_exists(n, s->family, s->table, id->chain);
	if (r <= 0)
		return r;
	/* Only the handles of our jumps: the entry chain holds every attachment's. */
	r = nft_rule_handles(n, s->family, s->table, s->entry, id->comment, &handles, &n_handles);
	if (r == -ENOENT)
		r = 0;
	for (size_t i = 0; r >= 0 && i < n_handles; i++)
		r = nft_del_rule(n, s->family, s->table, s->entry, handles[i]);
	if (r >= 0)
		r = nft_del_chain(n, s->family, s->table, id->chain);
	if (r >= 0 && ret_found)
		*ret_found = true;
	return r;
}

static bool kept(const char *hash, const char *const *keep, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(hash, keep[i]) == 0)
			return true;
	return false;
}

int nfrules_queue_gc(struct nft *n, const struct nfrules_set *s, const char *network,
		     const struct conf_attachment *valid, size_t n_valid, size_t *ret_removed)
{
	_cleanup_free_ struct nft_rule_info *rules = NULL;
	_cleanup_free_ struct nft_chain_info *chains = NULL;
	_cleanup_free_ char (*keep)[17] = NULL;
	_cleanup_free_ const char **keepp = NULL;
	_cleanup_free_ bool *drop = NULL;
	size_t n_rules = 0, n_chains = 0, removed = 0;
	int r;

	*ret_removed = 0;
	keep = calloc(n_valid + 1, sizeof(*keep));
	keepp = calloc(n_valid + 1, sizeof(*keepp));
	if (!keep || !keepp)
		return -ENOMEM;
	for (size_t i = 0; i < n_valid; i++) {
		nft_hash_name(keep[i], network, valid[i].id, valid[i].ifname);
		keepp[i] = keep[i];
	}
	r = entry_rules(n, s, &rules, &n_rules);
	if (r < 0 || n_rules == 0)
		return r;
	r = nft_list_chains(n, s->family, s->table, &chains, &n_chains);
	if (r < 0)
		return r;
	drop = calloc(n_chains + 1, sizeof(*drop));
	if (!drop)
		return -ENOMEM;
	/* Every stale jump first: a chain can go only once nothing jumps to it. */
	for (size_t i = 0; i < n_rules; i++) {
		char hash[17];

		if (!parse_comment(rules[i].comment, network, hash) || kept(hash, keepp, n_valid))
			continue;
		r = nft_del_rule(n, s->family, s->table, s->entry, rules[i].handle);
		if (r < 0)
			return r;
		for (size_t k = 0; k < n_chains; k++) {
			char chain[40];

			snprintf(chain, sizeof(chain), "%s%s", s->prefix, hash);
			if (strcmp(chains[k].name, chain) == 0)
				drop[k] = true;
		}
	}
	for (size_t k = 0; k < n_chains; k++) {
		if (!drop[k])
			continue;
		r = nft_del_chain(n, s->family, s->table, chains[k].name);
		if (r < 0)
			return r;
		removed++;
	}
	*ret_removed = removed;
	return 0;
}

int nfrules_read(struct nft *n, const struct nfrules_set *s, const struct nfrules_id *id,
		 struct nft_rule_info **ret_rules, size_t *ret_n, size_t *ret_jumps)
{
	_cleanup_free_ struct nft_rule_info *entry = NULL;
	size_t n_entry = 0, jumps = 0;
	int r;

	r = nft_chain_exists(n, s->family, s->table, id->chain);
	if (r < 0)
		return r;
	if (r == 0)
		return -ENOENT;
	r = entry_rules(n, s, &entry, &n_entry);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_entry; i++)
		jumps += strcmp(entry[i].comment, id->comment) == 0;
	r = nft_list_rules(n, s->family, s->table, id->chain, ret_rules, ret_n);
	if (r < 0)
		return r;
	*ret_jumps = jumps;
	return 0;
}

void nfrules_foreign_name(char buf[static 29], const char *prefix, const char *network, const char *cid)
{
	_cleanup_free_ char *both = NULL;
	char hex[129];
	size_t lp = strlen(prefix);

	if (asprintf(&both, "%s%s", network, cid) < 0)
		both = NULL;
	/* Out of memory: a name no chain has (the removal then finds nothing). */
	if (!both) {
		snprintf(buf, 29, "%s", prefix);
		return;
	}
	sha512_hex(both, strlen(both), hex);
	snprintf(buf, 29, "%s%.*s", prefix, lp < 28 ? (int)(28 - lp) : 0, hex);
}

int nfrules_queue_remove_foreign(struct nft *n, int family, const char *table, const char *chain,
				 const char *const entries[], bool *ret_found)
{
	int r;

	if (ret_found)
		*ret_found = false;
	r = nft_chain_exists(n, family, table, chain);
	if (r <= 0)
		return r;
	for (const char *const *e = entries; *e; e++) {
		_cleanup_free_ struct nft_rule_info *rules = NULL;
		size_t n_rules = 0;

		r = nft_list_rules(n, family, table, *e, &rules, &n_rules);
		if (r == -ENOENT)
			continue;
		for (size_t i = 0; r >= 0 && i < n_rules; i++)
			if (strcmp(rules[i].jump, chain) == 0)
				r = nft_del_rule(n, family, table, *e, rules[i].handle);
		if (r < 0)
			return r;
	}
	r = nft_del_chain(n, family, table, chain);
	if (r >= 0 && ret_found)
		*ret_found = true;
	return r;
}
