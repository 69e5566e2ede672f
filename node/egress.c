/* egress.c: the agent's masquerade tables over nftables netlink (libnftnl builds and
 * parses the messages; pkg/nl.c carries them).
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

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "nl.h"

#define EGRESS_CHAIN "postrouting"
#define EGRESS_PRIO 100 /* srcnat */
#define EGRESS_COMMENT "cni-c-node: pod traffic leaving the cluster"
#define EGRESS_BUF 16384

struct egress {
	struct egress_opts o;
	struct nl *nl;  /* opened on first use */
	bool checked;   /* without a cluster CIDR: leftovers of an earlier run looked for once */
};

/* libnftnl's destructors do not take NULL. */
static void rule_free(struct nftnl_rule *r)
{
	if (r)
		nftnl_rule_free(r);
}

static int nfproto(int fam)
{
	return fam == NODE_V4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
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
	nl_close(e->nl);
	free(e);
}

static int egress_nl(struct egress *e)
{
	return e->nl ? 0 : nl_open_proto(NETLINK_NETFILTER, &e->nl);
}

/* ---- the wanted rule ---- */

static int add_expr(struct nftnl_rule *r, struct nftnl_expr *x)
{
	if (!x)
		return -ENOMEM;
	nftnl_rule_add_expr(r, x);
	return 0;
}

static int match_prefix(struct nftnl_rule *r, uint32_t offset, const struct ipnet *net, bool negate)
{
	uint32_t len = ipnet_addr_len(net->ip.family);
	uint8_t mask[16] = {0}, zero[16] = {0}, data[16];
	struct nftnl_expr *x;
	int rc;

	for (unsigned i = 0; i < net->prefix; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	for (unsigned i = 0; i < len; i++)
		data[i] = net->ip.a[i] & mask[i];
	x = nftnl_expr_alloc("payload");
	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_LEN, len);
	}
	rc = add_expr(r, x);
	if (rc < 0)
		return rc;
	if (net->prefix < len * 8) {
		x = nftnl_expr_alloc("bitwise");
		if (x) {
			nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
			nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
			nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_LEN, len);
			nftnl_expr_set(x, NFTNL_EXPR_BITWISE_MASK, mask, len);
			nftnl_expr_set(x, NFTNL_EXPR_BITWISE_XOR, zero, len);
		}
		rc = add_expr(r, x);
		if (rc < 0)
			return rc;
	}
	x = nftnl_expr_alloc("cmp");
	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_OP, negate ? NFT_CMP_NEQ : NFT_CMP_EQ);
		nftnl_expr_set(x, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return add_expr(r, x);
}

static struct nftnl_rule *wanted_rule(const struct egress *e, int fam)
{
	static const char *const mcast[] = {"224.0.0.0/4", "ff00::/8"};
	const struct ipnet *cl = &e->o.cluster[fam];
	uint32_t src = fam == NODE_V4 ? 12 : 8, dst = fam == NODE_V4 ? 16 : 24;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_udata_buf *ud;
	struct ipnet m;

	if (!r || ipnet_parse(mcast[fam], false, &m) < 0)
		goto fail;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, (uint32_t)nfproto(fam));
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, EGRESS_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, EGRESS_CHAIN);
	if (match_prefix(r, src, cl, false) < 0 || match_prefix(r, dst, cl, true) < 0 ||
	    match_prefix(r, dst, &m, true) < 0 || add_expr(r, nftnl_expr_alloc("masq")) < 0)
		goto fail;
	ud = nftnl_udata_buf_alloc(256);
	if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, EGRESS_COMMENT)) {
		nftnl_udata_buf_free(ud);
		goto fail;
	}
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return r;
fail:
	rule_free(r);
	return NULL;
}

/* Every expression of a rule, as text, one after the other: what is compared. */
static int rule_text(struct nftnl_rule *r, char *buf, size_t size)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *x;
	size_t len = 0;

	if (!it)
		return -ENOMEM;
	buf[0] = '\0';
	while ((x = nftnl_expr_iter_next(it)) && len + 2 < size) {
		int n = snprintf(buf + len, size - len, "[%s ", nftnl_expr_get_str(x, NFTNL_EXPR_NAME));

		if (n > 0 && (size_t)n < size - len)
			len += (size_t)n;
		n = nftnl_expr_snprintf(buf + len, size - len, x, NFTNL_OUTPUT_DEFAULT, 0);
		if (n > 0 && (size_t)n < size - len)
			len += (size_t)n;
		if (len + 2 < size) {
			buf[len++] = ']';
			buf[len] = '\0';
		}
	}
	nftnl_expr_iter_destroy(it);
	return 0;
}

/* ---- what the kernel has ---- */

struct seen {
	int chains, rules;
	bool chain_ok;
	char rule[1024];
};

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *name, *type;

	if (!c)
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0) {
		nftnl_chain_free(c);
		return 0;
	}
	s->chains++;
	name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
	type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
	s->chain_ok = name && strcmp(name, EGRESS_CHAIN) == 0 && type && strcmp(type, "nat") == 0 &&
		      nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM) == NF_INET_POST_ROUTING &&
		      (int32_t)nftnl_chain_get_u32(c, NFTNL_CHAIN_PRIO) == EGRESS_PRIO &&
		      nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_ACCEPT;
	nftnl_chain_free(c);
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	int rc = 0;

	if (!r)
		return -ENOMEM;
	if (nftnl_rule_nlmsg_parse(nlh, r) >= 0 && ++s->rules == 1)
		rc = rule_text(r, s->rule, sizeof(s->rule));
	nftnl_rule_free(r);
	return rc;
}

/* Dump table's chains or rules of family into s; -ENOENT when the table is not there. */
static int read_table(struct egress *e, int fam, struct seen *s)
{
	struct nl_req req = {0};
	struct nftnl_table *t = nftnl_table_alloc();
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nftnl_rule *r = nftnl_rule_alloc();
	int rc = -ENOMEM;

	*s = (struct seen){0};
	if (!t || !c || !r)
		goto out;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, EGRESS_TABLE);
	req.nlh = nftnl_table_nlmsg_build_hdr(req.buf, NFT_MSG_GETTABLE, (uint16_t)nfproto(fam), 0, 0);
	nftnl_table_nlmsg_build_payload(req.nlh, t);
	rc = nl_call(e->nl, &req, NULL, NULL);
	if (rc < 0)
		goto out;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, EGRESS_TABLE);
	req.nlh = nftnl_chain_nlmsg_build_hdr(req.buf, NFT_MSG_GETCHAIN, (uint16_t)nfproto(fam), NLM_F_DUMP, 0);
	nftnl_chain_nlmsg_build_payload(req.nlh, c);
	rc = nl_call(e->nl, &req, chain_cb, s);
	if (rc < 0)
		goto out;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, EGRESS_TABLE);
	req.nlh = nftnl_rule_nlmsg_build_hdr(req.buf, NFT_MSG_GETRULE, (uint16_t)nfproto(fam), NLM_F_DUMP, 0);
	nftnl_rule_nlmsg_build_payload(req.nlh, r);
	rc = nl_call(e->nl, &req, rule_cb, s);
out:
	if (t)
		nftnl_table_free(t);
	if (c)
		nftnl_chain_free(c);
	rule_free(r);
	return rc;
}

/* ---- the transaction ---- */

struct txn {
	char buf[EGRESS_BUF];
	size_t len;
	size_t msgs;
};

static struct nlmsghdr *txn_next(struct txn *x)
{
	return (struct nlmsghdr *)(x->buf + x->len);
}

static int txn_push(struct txn *x, struct nlmsghdr *nlh)
{
	x->len += nl_msg_space(nlh);
	return x->len + 4096 > sizeof(x->buf) ? -EMSGSIZE : 0;
}

static int txn_table(struct txn *x, int fam, uint16_t cmd, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, EGRESS_TABLE);
	nlh = nftnl_table_nlmsg_build_hdr((char *)txn_next(x), cmd, (uint16_t)nfproto(fam), flags | NLM_F_ACK, 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	x->msgs++;
	return txn_push(x, nlh);
}

static int txn_chain(struct txn *x, int fam)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, EGRESS_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, EGRESS_CHAIN);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_POST_ROUTING);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, EGRESS_PRIO);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = nftnl_chain_nlmsg_build_hdr((char *)txn_next(x), NFT_MSG_NEWCHAIN, (uint16_t)nfproto(fam),
					  NLM_F_CREATE | NLM_F_ACK, 0);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	x->msgs++;
	return txn_push(x, nlh);
}

static int txn_rule(struct txn *x, struct nftnl_rule *r, int fam)
{
	struct nlmsghdr *nlh = nftnl_rule_nlmsg_build_hdr((char *)txn_next(x), NFT_MSG_NEWRULE, (uint16_t)nfproto(fam),
							  NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, 0);

	nftnl_rule_nlmsg_build_payload(nlh, r);
	x->msgs++;
	return txn_push(x, nlh);
}

static int txn_send(struct egress *e, struct txn *x)
{
	int rc;

	(void)txn_push(x, nftnl_batch_end((char *)txn_next(x), 0));
	rc = nl_transact(e->nl, x->buf, x->len);
	if (rc < 0)
		log_msg(e->o.log, LOG_LEVEL_ERROR, "nftables transaction failed: %s%s%s", strerror(-rc),
			*nl_extack(e->nl) ? "; kernel: " : "", nl_extack(e->nl));
	return rc;
}

/* ---- the two operations ---- */

int egress_apply(struct egress *e, size_t *ret_writes)
{
	_cleanup_free_ struct txn *x = calloc(1, sizeof(*x));
	bool any = e->o.has_cluster[NODE_V4] || e->o.has_cluster[NODE_V6];
	int rc;

	*ret_writes = 0;
	if (!x)
		return -ENOMEM;
	/* Nothing wanted: look once (at the first reconcile) for tables an earlier run with a
	 * cluster CIDR left, and stay out of netfilter from then on. */
	if (!any && e->checked)
		return 0;
	e->checked = true;
	rc = egress_nl(e);
	if (rc < 0)
		return any ? rc : 0;
	(void)txn_push(x, nftnl_batch_begin(x->buf, 0));
	for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++) {
		struct nftnl_rule *want = e->o.has_cluster[fam] ? wanted_rule(e, fam) : NULL;
		char want_text[1024] = "";
		struct seen s;

		if (e->o.has_cluster[fam] && (!want || rule_text(want, want_text, sizeof(want_text)) < 0)) {
			rule_free(want);
			return -ENOMEM;
		}
		rc = read_table(e, fam, &s);
		if (rc < 0 && rc != -ENOENT && !any)
			return 0; /* no nf_tables, and nothing wanted of it */
		if (rc < 0 && rc != -ENOENT) {
			rule_free(want);
			log_msg(e->o.log, LOG_LEVEL_ERROR, "cannot read nftables (is nf_tables in the kernel?): %s",
				strerror(-rc));
			return rc;
		}
		if (!want) {
			/* Not wanted: delete it if an earlier run left it. */
			rc = rc == 0 ? txn_table(x, fam, NFT_MSG_DELTABLE, 0) : 0;
		} else if (rc == -ENOENT || s.chains != 1 || !s.chain_ok || s.rules != 1 ||
			   strcmp(s.rule, want_text) != 0) {
			/* Replace it whole: create (if missing), delete, create, fill. */
			rc = txn_table(x, fam, NFT_MSG_NEWTABLE, NLM_F_CREATE);
			if (rc >= 0)
				rc = txn_table(x, fam, NFT_MSG_DELTABLE, 0);
			if (rc >= 0)
				rc = txn_table(x, fam, NFT_MSG_NEWTABLE, NLM_F_CREATE);
			if (rc >= 0)
				rc = txn_chain(x, fam);
			if (rc >= 0)
				rc = txn_rule(x, want, fam);
		} else {
			rc = 0;
		}
		rule_free(want);
		if (rc < 0)
			return rc;
	}
	if (x->msgs == 0)
		return 0;
	rc = txn_send(e, x);
	if (rc < 0)
		return rc;
	*ret_writes = x->msgs;
	log_msg(e->o.log, LOG_LEVEL_INFO, "egress masquerade tables written (%zu nftables messages)", x->msgs);
	return 0;
}

int egress_cleanup(struct egress *e)
{
	_cleanup_free_ struct txn *x = calloc(1, sizeof(*x));
	int rc;

	if (!x)
		return -ENOMEM;
	rc = egress_nl(e);
	if (rc < 0)
		return rc == -EPROTONOSUPPORT ? 0 : rc;
	(void)txn_push(x, nftnl_batch_begin(x->buf, 0));
	for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++) {
		struct seen s;

		rc = read_table(e, fam, &s);
		if (rc == -ENOENT)
			continue;
		if (rc < 0)
			return rc;
		rc = txn_table(x, fam, NFT_MSG_DELTABLE, 0);
		if (rc < 0)
			return rc;
	}
	if (x->msgs == 0)
		return 0;
	rc = txn_send(e, x);
	if (rc >= 0)
		log_msg(e->o.log, LOG_LEVEL_INFO, "removed the nftables table(s) %s", EGRESS_TABLE);
	return rc;
}
