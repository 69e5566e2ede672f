/* netfilter.c: bridge's ipMasq and macspoofchk rules; see netfilter.h. */
#include "netfilter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "nfrules.h"
#include "nft.h"

#define MASQ_TABLE "cni-c-nat"
#define SPOOF_TABLE "cni-c-macspoof"

static const struct nfrules_set masq_sets[] = {
	{.family = NFT_FAMILY_IPV4, .table = MASQ_TABLE, .entry = "postrouting", .prefix = "masq-"},
	{.family = NFT_FAMILY_IPV6, .table = MASQ_TABLE, .entry = "postrouting", .prefix = "masq-"},
};
static const struct nfrules_set spoof_set = {
	.family = NFT_FAMILY_BRIDGE, .table = SPOOF_TABLE, .entry = "prerouting", .prefix = "mac-",
};
static const struct nft_hook masq_hook = {.type = "nat", .hooknum = NFT_HOOK_POSTROUTING, .priority = 100};
static const struct nft_hook spoof_hook = {.type = "filter", .hooknum = NFT_HOOK_PREROUTING, .priority = -300};

DEFINE_CLEANUP_FUNC(struct nft *, nft_close);

static int af_of(const struct nfrules_set *s)
{
	return s->family == NFT_FAMILY_IPV4 ? AF_INET : AF_INET6;
}

static int nft_fail(struct nft *n, struct cni_error *err, int r, const char *what)
{
	if (r == -ENOMEM)
		return cni_fail(err, CNI_ERR_INTERNAL, r, "out of memory");
	return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nft_extack(n), "nftables: cannot %s", what);
}

static int open_nft(struct nft **ret, struct cni_error *err)
{
	int r = nft_open(ret);

	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r,
				      "nftables is not available (a kernel with nf_tables is needed for ipMasq and "
				      "macspoofchk)");
	return 0;
}

/* ---- the rules an attachment wants ---- */

/* The chain's rules, into the open transaction (or, with n NULL, only their texts). */
static int masq_chain_rules(struct nft *n, const struct nfrules_set *s, const struct nfrules_id *id,
			    const struct cni_result *res, char texts[][1024], size_t *n_texts)
{
	struct ipnet mcast;
	size_t k = 0;
	int r = ipnet_parse(s->family == NFT_FAMILY_IPV4 ? "224.0.0.0/4" : "ff00::/8", false, &mcast);

	for (size_t i = 0; r >= 0 && i <= res->n_ips; i++) {
		struct nftnl_rule *rule = nft_rule_new(s->family, s->table, id->chain, NULL);
		struct ipnet net;

		if (i < res->n_ips && res->ips[i].address.ip.family != af_of(s)) {
			nft_rule_free(rule);
			continue;
		}
		if (i < res->n_ips) {
			ipnet_network(&res->ips[i].address, &net);
			r = rule ? nft_rule_match_addr(rule, true, &net, false) : -ENOMEM;
			if (r >= 0)
				r = nft_rule_verdict(rule, NFT_V_ACCEPT, NULL);
		} else {
			/* last: everything else leaving, multicast aside, is masqueraded */
			r = rule ? nft_rule_match_addr(rule, true, &mcast, true) : -ENOMEM;
			if (r >= 0)
				r = nft_rule_masquerade(rule);
		}
		if (r >= 0 && texts)
			r = nft_rule_text(rule, texts[k], sizeof(texts[k]));
		k++;
		if (r >= 0 && n)
			r = nft_add_rule(n, TAKE_PTR(rule));
		nft_rule_free(rule);
	}
	if (n_texts)
		*n_texts = k;
	return r;
}

static size_t ips_of(const struct cni_result *res, int af)
{
	size_t n = 0;

	for (size_t i = 0; i < res->n_ips; i++)
		n += res->ips[i].address.ip.family == af;
	return n;
}

static int masq_add(struct nft *n, const struct cni_args *a, const struct nfrules_set *s, const struct cni_result *res)
{
	struct nfrules_id id;
	int r;

	nfrules_id(s, a->name, a->container_id, a->ifname, &id);
	r = nfrules_queue_remove(n, s, &id, NULL);
	if (r < 0 || ips_of(res, af_of(s)) == 0)
		return r;
	r = nft_add_table(n, s->family, s->table);
	if (r >= 0)
		r = nft_add_chain(n, s->family, s->table, s->entry, &masq_hook);
	if (r >= 0)
		r = nft_add_chain(n, s->family, s->table, id.chain, NULL);
	if (r >= 0)
		r = masq_chain_rules(n, s, &id, res, NULL, NULL);
	for (size_t i = 0; r >= 0 && i < res->n_ips; i++) {
		struct ipnet host;

		if (res->ips[i].address.ip.family != af_of(s))
			continue;
		host = (struct ipnet){.ip = res->ips[i].address.ip, .prefix = ipnet_bits(af_of(s))};
		r = nfrules_queue_jump_addr(n, s, &id, false, &host);
	}
	return r;
}

static struct nftnl_rule *spoof_rule(const struct nfrules_id *id, bool allow, const uint8_t mac[6])
{
	struct nftnl_rule *r = nft_rule_new(spoof_set.family, spoof_set.table, id->chain, NULL);

	if (!r)
		return NULL;
	if ((allow && nft_rule_match_ether_saddr(r, mac, false) < 0) ||
	    nft_rule_verdict(r, allow ? NFT_V_RETURN : NFT_V_DROP, NULL) < 0) {
		nft_rule_free(r);
		return NULL;
	}
	return r;
}

static int spoof_add(struct nft *n, const struct cni_args *a, const struct bridge_nf *f)
{
	struct nftnl_rule *j;
	struct nfrules_id id;
	int r;

	nfrules_id(&spoof_set, a->name, a->container_id, a->ifname, &id);
	r = nfrules_queue_remove(n, &spoof_set, &id, NULL);
	if (r >= 0)
		r = nft_add_table(n, spoof_set.family, spoof_set.table);
	if (r >= 0)
		r = nft_add_chain(n, spoof_set.family, spoof_set.table, spoof_set.entry, &spoof_hook);
	if (r >= 0)
		r = nft_add_chain(n, spoof_set.family, spoof_set.table, id.chain, NULL);
	if (r >= 0)
		r = nft_add_rule(n, spoof_rule(&id, true, f->mac));
	if (r >= 0)
		r = nft_add_rule(n, spoof_rule(&id, false, NULL));
	if (r < 0)
		return r;
	j = nfrules_jump_new(&spoof_set, &id);
	r = j ? nft_rule_match_ifname(j, false, f->host_veth, false) : -ENOMEM;
	if (r >= 0)
		r = nft_rule_verdict(j, NFT_V_JUMP, id.chain);
	if (r >= 0)
		r = nft_add_rule(n, TAKE_PTR(j));
	nft_rule_free(j);
	return r;
}

/* ---- commands ---- */

int bridge_nf_add(const struct cni_args *a, const struct bridge_nf *f, struct cni_error *err)
{
	_cleanup_(nft_closep) struct nft *n = NULL;
	int r;

	if (!f->masq && !f->spoof)
		return 0;
	r = open_nft(&n, err);
	if (r < 0)
		return r;
	nft_begin(n);
	for (size_t i = 0; f->masq && i < ELEMENTSOF(masq_sets); i++) {
		r = masq_add(n, a, &masq_sets[i], f->res);
		if (r < 0)
			return nft_fail(n, err, r, "prepare the ipMasq rules");
	}
	if (f->spoof) {
		r = spoof_add(n, a, f);
		if (r < 0)
			return nft_fail(n, err, r, "prepare the macspoofchk rules");
	}
	r = nft_commit(n, NULL);
	if (r < 0)
		return nft_fail(n, err, r, f->masq && f->spoof ? "install the ipMasq and macspoofchk rules"
							       : f->masq ? "install the ipMasq rules"
									 : "install the macspoofchk rules");
	return 0;
}

/* The reference plugin's rules of the attachment (a node that switched over from it):
 * ipMasq's chain "CNI-<sha512>" in table ip|ip6 nat, entered from POSTROUTING;
 * macspoofchk's chains "cni-br-iface-<cid>-<ifname>" (entered from PREROUTING) and
 * "...-mac" in table bridge nat. */
static int queue_remove_reference(struct nft *n, const struct cni_args *a, const struct bridge_nf *f)
{
	static const char *const postrouting[] = {"POSTROUTING", NULL}, *const prerouting[] = {"PREROUTING", NULL},
				 *const none[] = {NULL};
	_cleanup_free_ char *iface = NULL, *mac = NULL;
	char name[29];
	int r = 0;

	if (f->masq) {
		nfrules_foreign_name(name, "CNI-", a->name, a->container_id);
		r = nfrules_queue_remove_foreign(n, NFT_FAMILY_IPV4, "nat", name, postrouting, NULL);
		if (r >= 0)
			r = nfrules_queue_remove_foreign(n, NFT_FAMILY_IPV6, "nat", name, postrouting, NULL);
	}
	if (r < 0 || !f->spoof)
		return r;
	if (asprintf(&iface, "cni-br-iface-%s-%s", a->container_id, a->ifname) < 0) {
		iface = NULL;
		return -ENOMEM;
	}
	if (asprintf(&mac, "%s-mac", iface) < 0) {
		mac = NULL;
		return -ENOMEM;
	}
	r = nfrules_queue_remove_foreign(n, NFT_FAMILY_BRIDGE, "nat", iface, prerouting, NULL);
	if (r >= 0)
		r = nfrules_queue_remove_foreign(n, NFT_FAMILY_BRIDGE, "nat", mac, none, NULL);
	return r;
}

int bridge_nf_del(const struct cni_args *a, const struct bridge_nf *f, struct cni_error *err)
{
	_cleanup_(nft_closep) struct nft *n = NULL;
	struct nfrules_id id;
	int r;

	if (!f->masq && !f->spoof)
		return 0;
	/* No nftables at all: nothing of ours can be there. */
	if (nft_open(&n) < 0)
		return 0;
	nft_begin(n);
	for (size_t i = 0; f->masq && i < ELEMENTSOF(masq_sets); i++) {
		nfrules_id(&masq_sets[i], a->name, a->container_id, a->ifname, &id);
		r = nfrules_queue_remove(n, &masq_sets[i], &id, NULL);
		if (r < 0)
			return nft_fail(n, err, r, "find the ipMasq rules");
	}
	if (f->spoof) {
		nfrules_id(&spoof_set, a->name, a->container_id, a->ifname, &id);
		r = nfrules_queue_remove(n, &spoof_set, &id, NULL);
		if (r < 0)
			return nft_fail(n, err, r, "find the macspoofchk rules");
	}
	r = queue_remove_reference(n, a, f);
	if (r < 0)
		return nft_fail(n, err, r, "find the reference plugin's rules");
	r = nft_commit(n, NULL);
	if (r < 0)
		return nft_fail(n, err, r, "remove the rules");
	return 0;
}

/* The attachment's chain holds exactly these rules, and jumps lead to it. */
static int check_set(struct nft *n, const struct nfrules_set *s, const struct nfrules_id *id, char want[][1024],
		     size_t n_want, size_t want_jumps, const char *what, struct cni_error *err)
{
	_cleanup_free_ struct nft_rule_info *rules = NULL;
	size_t n_rules = 0, jumps = 0;
	int r;

	r = nfrules_read(n, s, id, &rules, &n_rules, &jumps);
	if (r == -ENOENT)
		return cni_fail(err, CNI_ERR_INTERNAL, r, "%s: chain %s is missing from table %s", what, id->chain,
				s->table);
	if (r < 0)
		return nft_fail(n, err, r, "read the rules");
	if (jumps != want_jumps)
		return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "%s: %zu rule(s) lead to chain %s, expected %zu", what,
				jumps, id->chain, want_jumps);
	if (n_rules != n_want)
		return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "%s: chain %s holds %zu rule(s), expected %zu", what,
				id->chain, n_rules, n_want);
	for (size_t i = 0; i < n_rules; i++)
		if (strcmp(rules[i].text, want[i]) != 0)
			return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "%s: rule %zu of chain %s was changed", what, i + 1,
					id->chain);
	return 0;
}

int bridge_nf_check(const struct cni_args *a, const struct bridge_nf *f, struct cni_error *err)
{
	_cleanup_(nft_closep) struct nft *n = NULL;
	char want[17][1024];
	struct nfrules_id id;
	size_t n_want;
	int r;

	if (!f->masq && !f->spoof)
		return 0;
	r = open_nft(&n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; f->masq && i < ELEMENTSOF(masq_sets); i++) {
		size_t jumps = ips_of(f->res, af_of(&masq_sets[i]));

		if (jumps == 0)
			continue;
		if (jumps + 1 > ELEMENTSOF(want))
			return cni_fail(err, CNI_ERR_INTERNAL, -E2BIG, "too many addresses to check");
		nfrules_id(&masq_sets[i], a->name, a->container_id, a->ifname, &id);
		r = masq_chain_rules(NULL, &masq_sets[i], &id, f->res, want, &n_want);
		if (r >= 0)
			r = check_set(n, &masq_sets[i], &id, want, n_want, jumps, "ipMasq", err);
		if (r < 0)
			return r;
	}
	if (f->spoof) {
		struct nftnl_rule *allow, *drop;

		nfrules_id(&spoof_set, a->name, a->container_id, a->ifname, &id);
		allow = spoof_rule(&id, true, f->mac);
		drop = spoof_rule(&id, false, NULL);
		r = allow && drop ? nft_rule_text(allow, want[0], sizeof(want[0])) : -ENOMEM;
		if (r >= 0)
			r = nft_rule_text(drop, want[1], sizeof(want[1]));
		nft_rule_free(allow);
		nft_rule_free(drop);
		if (r < 0)
			return cni_fail(err, CNI_ERR_INTERNAL, r, "out of memory");
		r = check_set(n, &spoof_set, &id, want, 2, 1, "macspoofchk", err);
	}
	return r;
}

int bridge_nf_gc(const struct cni_args *a, const struct bridge_nf *f, struct cni_error *err)
{
	_cleanup_(nft_closep) struct nft *n = NULL;
	_cleanup_free_ struct conf_attachment *valid = NULL;
	size_t n_valid = 0, removed;
	int r;

	if (!f->masq && !f->spoof)
		return 0;
	r = conf_gc_attachments(a->conf, &valid, &n_valid, err);
	if (r < 0)
		return r;
	if (nft_open(&n) < 0)
		return 0;
	nft_begin(n);
	for (size_t i = 0; f->masq && i < ELEMENTSOF(masq_sets); i++) {
		r = nfrules_queue_gc(n, &masq_sets[i], a->name, valid, n_valid, &removed);
		if (r < 0)
			return nft_fail(n, err, r, "read the ipMasq rules");
	}
	if (f->spoof) {
		r = nfrules_queue_gc(n, &spoof_set, a->name, valid, n_valid, &removed);
		if (r < 0)
			return nft_fail(n, err, r, "read the macspoofchk rules");
	}
	r = nft_commit(n, NULL);
	return r < 0 ? nft_fail(n, err, r, "remove stale rules") : 0;
}
