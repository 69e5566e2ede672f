/* egress.c: the agent's masquerade tables, through the suite's nftables module.
 *
 * Per family with a cluster CIDR, the wanted state is
 *
 *   table ip cni-c-node {
 *     chain postrouting {
 *       type nat hook postrouting priority srcnat; policy accept;
 *       ip saddr CLUSTER ip daddr != CLUSTER ip daddr != 224.0.0.0/4 masquerade
 *         comment "cni-c-node: pod traffic leaving the cluster"
 *     }
 *   }
 *
 * (ip6: ff00::/8). The kernel's tables are read back and compared expression by
 * expression; only a difference costs a transaction, which replaces the table whole.
 */
#include "egress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "nft.h"

#define EGRESS_CHAIN "postrouting"
#define EGRESS_PRIO 100 /* srcnat */
#define EGRESS_COMMENT "cni-c-node: pod traffic leaving the cluster"

struct egress {
	struct egress_opts o;
	struct nft *nft; /* opened on first use */
	bool checked;    /* without a cluster CIDR: leftovers of an earlier run looked for once */
};

static const struct nft_hook hook = {.type = "nat", .hooknum = NFT_HOOK_POSTROUTING, .priority = EGRESS_PRIO};

static int nfproto(int fam)
{
	return fam == NODE_V4 ? NFT_FAMILY_IPV4 : NFT_FAMILY_IPV6;
}

int egress_open(const struct egress_opts *o, struct egress **ret)
{
	struct egress *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->o = *o;
	*ret = e;
	return 0;
}

void egress_close(struct egress *e)
{
	if (!e)
		return;
	nft_close(e->nft);
	free(e);
}

static int egress_nft(struct egress *e)
{
	return e->nft ? 0 : nft_open(&e->nft);
}

static struct nftnl_rule *wanted_rule(const struct egress *e, int fam)
{
	static const char *const mcast[] = {"224.0.0.0/4", "ff00::/8"};
	const struct ipnet *cl = &e->o.cluster[fam];
	struct nftnl_rule *r = nft_rule_new(nfproto(fam), EGRESS_TABLE, EGRESS_CHAIN, EGRESS_COMMENT);
	struct ipnet m;

	if (!r || ipnet_parse(mcast[fam], false, &m) < 0 || nft_rule_match_addr(r, false, cl, false) < 0 ||
	    nft_rule_match_addr(r, true, cl, true) < 0 || nft_rule_match_addr(r, true, &m, true) < 0 ||
	    nft_rule_masquerade(r) < 0) {
		nft_rule_free(r);
		return NULL;
	}
	return r;
}

/* Whether the family's table is exactly the wanted one (want NULL: absent). 1: yes,
 * 0: no, -ENOENT: there is no table, or -errno. */
static int table_is(struct egress *e, int fam, struct nftnl_rule *want)
{
	_cleanup_free_ struct nft_chain_info *chains = NULL;
	_cleanup_free_ struct nft_rule_info *rules = NULL;
	size_t n_chains = 0, n_rules = 0;
	char text[1024];
	int r;

	r = nft_list_chains(e->nft, nfproto(fam), EGRESS_TABLE, &chains, &n_chains);
	if (r < 0)
		return r;
	if (!want)
		return 0;
	r = nft_list_rules(e->nft, nfproto(fam), EGRESS_TABLE, NULL, &rules, &n_rules);
	if (r < 0)
		return r;
	r = nft_rule_text(want, text, sizeof(text));
	if (r < 0)
		return r;
	return n_chains == 1 && chains[0].base && strcmp(chains[0].name, EGRESS_CHAIN) == 0 &&
	       strcmp(chains[0].type, "nat") == 0 && chains[0].hooknum == hook.hooknum &&
	       chains[0].priority == hook.priority && chains[0].accept && n_rules == 1 &&
	       strcmp(rules[0].text, text) == 0 && strcmp(rules[0].comment, EGRESS_COMMENT) == 0;
}

int egress_apply(struct egress *e, size_t *ret_writes)
{
	bool any = e->o.has_cluster[NODE_V4] || e->o.has_cluster[NODE_V6];
	int r;

	*ret_writes = 0;
	/* Nothing wanted: look once (at the first reconcile) for tables an earlier run with a
	 * cluster CIDR left, and stay out of netfilter from then on. */
	if (!any && e->checked)
		return 0;
	e->checked = true;
	r = egress_nft(e);
	if (r < 0)
		return any ? r : 0;
	nft_begin(e->nft);
	for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++) {
		struct nftnl_rule *want = e->o.has_cluster[fam] ? wanted_rule(e, fam) : NULL;

		if (e->o.has_cluster[fam] && !want)
			return -ENOMEM;
		r = table_is(e, fam, want);
		if (r < 0 && r != -ENOENT) {
			nft_rule_free(want);
			if (!any)
				return 0; /* no nf_tables, and nothing wanted of it */
			log_msg(e->o.log, LOG_LEVEL_ERROR, "cannot read nftables (is nf_tables in the kernel?): %s",
				strerror(-r));
			return r;
		}
		if (!want) {
			/* Not wanted: delete it if an earlier run left it. */
			r = r == -ENOENT ? 0 : nft_del_table(e->nft, nfproto(fam), EGRESS_TABLE);
		} else if (r != 1) {
			/* Replace it whole: create (if missing), delete, create, fill. */
			r = nft_add_table(e->nft, nfproto(fam), EGRESS_TABLE);
			if (r >= 0)
				r = nft_del_table(e->nft, nfproto(fam), EGRESS_TABLE);
			if (r >= 0)
				r = nft_add_table(e->nft, nfproto(fam), EGRESS_TABLE);
			if (r >= 0)
				r = nft_add_chain(e->nft, nfproto(fam), EGRESS_TABLE, EGRESS_CHAIN, &hook);
			if (r >= 0)
				r = nft_add_rule(e->nft, TAKE_PTR(want));
		} else {
			r = 0;
		}
		nft_rule_free(want);
		if (r < 0)
			return r;
	}
	r = nft_commit(e->nft, ret_writes);
	if (r < 0) {
		log_msg(e->o.log, LOG_LEVEL_ERROR, "nftables transaction failed: %s%s%s", strerror(-r),
			*nft_extack(e->nft) ? "; kernel: " : "", nft_extack(e->nft));
		return r;
	}
	if (*ret_writes)
		log_msg(e->o.log, LOG_LEVEL_INFO, "egress masquerade tables written (%zu nftables messages)", *ret_writes);
	return 0;
}

int egress_cleanup(struct egress *e)
{
	size_t msgs = 0;
	int r;

	r = egress_nft(e);
	if (r < 0)
		return r == -EPROTONOSUPPORT ? 0 : r;
	nft_begin(e->nft);
	for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++) {
		r = table_is(e, fam, NULL);
		if (r == -ENOENT)
			continue;
		if (r >= 0)
			r = nft_del_table(e->nft, nfproto(fam), EGRESS_TABLE);
		if (r < 0)
			return r;
	}
	r = nft_commit(e->nft, &msgs);
	if (r >= 0 && msgs)
		log_msg(e->o.log, LOG_LEVEL_INFO, "removed the nftables table(s) %s", EGRESS_TABLE);
	return r;
}
