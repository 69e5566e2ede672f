/* nft.c: nftables transactions, rule expressions and read-back, with libnftnl. The only
 * libnftnl user; messages go through nl.c like every other netlink request. */
#include "nft.h"

#include <arpa/inet.h>
#include <endian.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "nl.h"

/* Room kept free at the end of the transaction buffer for the next message. */
#define NFT_MSG_ROOM 8192

struct nft {
	struct nl *nl;
	char *buf;
	size_t len, cap;
	size_t msgs;
};

int nft_open(struct nft **ret)
{
	_cleanup_free_ struct nft *n = calloc(1, sizeof(*n));
	int r;

	if (!n)
		return -ENOMEM;
	r = nl_open_proto(NETLINK_NETFILTER, &n->nl);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(n);
	return 0;
}

void nft_close(struct nft *n)
{
	if (!n)
		return;
	nl_close(n->nl);
	free(n->buf);
	free(n);
}

const char *nft_extack(const struct nft *n)
{
	return n ? nl_extack(n->nl) : "";
}

/* ---- transactions ---- */

/* Where the next message goes, with NFT_MSG_ROOM bytes free. */
static char *next_msg(struct nft *n)
{
	if (array_reserve((void **)&n->buf, &n->cap, n->len + NFT_MSG_ROOM, 1) < 0)
		return NULL;
	return n->buf + n->len;
}

static int push(struct nft *n, struct nlmsghdr *nlh, bool count)
{
	n->len += nl_msg_space(nlh);
	n->msgs += count;
	return 0;
}

void nft_begin(struct nft *n)
{
	n->len = 0;
	n->msgs = 0;
}

size_t nft_pending(const struct nft *n)
{
	return n->msgs;
}

/* The batch begins with its own message, written when the first change comes. */
static char *change_slot(struct nft *n)
{
	char *p;

	if (n->len == 0) {
		p = next_msg(n);
		if (!p)
			return NULL;
		push(n, nftnl_batch_begin(p, 0), false);
	}
	return next_msg(n);
}

static int table_msg(struct nft *n, int family, const char *table, uint16_t cmd, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	char *p = change_slot(n);

	if (!t || !p) {
		if (t)
			nftnl_table_free(t);
		return -ENOMEM;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nlh = nftnl_table_nlmsg_build_hdr(p, cmd, (uint16_t)family, flags | NLM_F_ACK, 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return push(n, nlh, true);
}

int nft_add_table(struct nft *n, int family, const char *table)
{
	return table_msg(n, family, table, NFT_MSG_NEWTABLE, NLM_F_CREATE);
}

int nft_del_table(struct nft *n, int family, const char *table)
{
	return table_msg(n, family, table, NFT_MSG_DELTABLE, 0);
}

static int chain_msg(struct nft *n, int family, const char *table, const char *chain, const struct nft_hook *hook,
		     uint16_t cmd, uint16_t flags)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	char *p = change_slot(n);

	if (!c || !p) {
		if (c)
			nftnl_chain_free(c);
		return -ENOMEM;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain);
	if (hook) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, hook->type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook->hooknum);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, hook->priority);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = nftnl_chain_nlmsg_build_hdr(p, cmd, (uint16_t)family, flags | NLM_F_ACK, 0);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	return push(n, nlh, true);
}

int nft_add_chain(struct nft *n, int family, const char *table, const char *chain, const struct nft_hook *hook)
{
	return chain_msg(n, family, table, chain, hook, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
}

int nft_del_chain(struct nft *n, int family, const char *table, const char *chain)
{
	return chain_msg(n, family, table, chain, NULL, NFT_MSG_DELCHAIN, 0);
}

/* A DELRULE of one rule (by handle), or with no handle, of every rule of the chain. */
static int del_rule_msg(struct nft *n, int family, const char *table, const char *chain, const uint64_t *handle)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	char *p = change_slot(n);

	if (!r || !p) {
		if (r)
			nftnl_rule_free(r);
		return -ENOMEM;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	if (handle)
		nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, *handle);
	nlh = nftnl_rule_nlmsg_build_hdr(p, NFT_MSG_DELRULE, (uint16_t)family, NLM_F_ACK, 0);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return push(n, nlh, true);
}

int nft_flush_chain(struct nft *n, int family, const char *table, const char *chain)
{
	return del_rule_msg(n, family, table, chain, NULL);
}

int nft_add_rule(struct nft *n, struct nftnl_rule *r)
{
	struct nlmsghdr *nlh;
	char *p;

	if (!r)
		return -ENOMEM;
	p = change_slot(n);
	if (!p) {
		nftnl_rule_free(r);
		return -ENOMEM;
	}
	nlh = nftnl_rule_nlmsg_build_hdr(p, NFT_MSG_NEWRULE, (uint16_t)nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY),
					 NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, 0);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return push(n, nlh, true);
}

int nft_del_rule(struct nft *n, int family, const char *table, const char *chain, uint64_t handle)
{
	return del_rule_msg(n, family, table, chain, &handle);
}

int nft_commit(struct nft *n, size_t *ret_msgs)
{
	size_t msgs = n->msgs;
	char *p;
	int r;

	if (ret_msgs)
		*ret_msgs = 0;
	if (msgs == 0) {
		nft_begin(n);
		return 0;
	}
	p = next_msg(n);
	if (!p) {
		nft_begin(n);
		return -ENOMEM;
	}
	push(n, nftnl_batch_end(p, 0), false);
	r = nl_transact(n->nl, n->buf, n->len);
	nft_begin(n);
	if (r < 0)
		return r;
	if (ret_msgs)
		*ret_msgs = msgs;
	return 0;
}

/* ---- rules ---- */

struct nftnl_rule *nft_rule_new(int family, const char *table, const char *chain, const char *comment)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_udata_buf *ud;

	if (!r)
		return NULL;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, (uint32_t)family);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	if (!comment)
		return r;
	ud = nftnl_udata_buf_alloc(512);
	if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, comment)) {
		if (ud)
			nftnl_udata_buf_free(ud);
		nftnl_rule_free(r);
		return NULL;
	}
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return r;
}

void nft_rule_free(struct nftnl_rule *r)
{
	if (r)
		nftnl_rule_free(r);
}

static int add(struct nftnl_rule *r, struct nftnl_expr *x)
{
	if (!x)
		return -ENOMEM;
	nftnl_rule_add_expr(r, x);
	return 0;
}

static int payload(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *x = nftnl_expr_alloc("payload");

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_LEN, len);
	}
	return add(r, x);
}

static int meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *x = nftnl_expr_alloc("meta");

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_META_DREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_META_KEY, key);
	}
	return add(r, x);
}

static int cmp(struct nftnl_rule *r, bool negate, const void *data, uint32_t len)
{
	struct nftnl_expr *x = nftnl_expr_alloc("cmp");

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_OP, negate ? NFT_CMP_NEQ : NFT_CMP_EQ);
		nftnl_expr_set(x, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return add(r, x);
}

static int bitwise(struct nftnl_rule *r, const uint8_t *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *x = nftnl_expr_alloc("bitwise");

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(x, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(x, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	return add(r, x);
}

int nft_rule_match_addr(struct nftnl_rule *r, bool dst, const struct ipnet *net, bool negate)
{
	bool v4 = net->ip.family == AF_INET;
	uint32_t len = v4 ? 4 : 16, offset = v4 ? (dst ? 16 : 12) : (dst ? 24 : 8);
	uint8_t mask[16] = {0}, data[16];
	int rc;

	for (unsigned i = 0; i < net->prefix && i < len * 8; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	for (unsigned i = 0; i < len; i++)
		data[i] = net->ip.a[i] & mask[i];
	rc = payload(r, NFT_PAYLOAD_NETWORK_HEADER, offset, len);
	if (rc >= 0 && net->prefix < len * 8)
		rc = bitwise(r, mask, len);
	return rc < 0 ? rc : cmp(r, negate, data, len);
}

int nft_rule_match_l4proto(struct nftnl_rule *r, uint8_t proto)
{
	int rc = meta(r, NFT_META_L4PROTO);

	return rc < 0 ? rc : cmp(r, false, &proto, 1);
}

int nft_rule_match_dport(struct nftnl_rule *r, uint16_t port)
{
	uint16_t be = htons(port);
	int rc = payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);

	return rc < 0 ? rc : cmp(r, false, &be, 2);
}

int nft_rule_match_ifname(struct nftnl_rule *r, bool out, const char *name, bool negate)
{
	char buf[IFNAMSIZ] = {0};
	int rc;

	if (strlen(name) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, name, strlen(name));
	rc = meta(r, out ? NFT_META_OIFNAME : NFT_META_IIFNAME);
	return rc < 0 ? rc : cmp(r, negate, buf, sizeof(buf));
}

int nft_rule_match_local_daddr(struct nftnl_rule *r)
{
	struct nftnl_expr *x = nftnl_expr_alloc("fib");
	uint32_t local = RTN_LOCAL;
	int rc;

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		nftnl_expr_set_u32(x, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	}
	rc = add(r, x);
	return rc < 0 ? rc : cmp(r, false, &local, sizeof(local));
}

int nft_rule_match_ether_saddr(struct nftnl_rule *r, const uint8_t mac[6], bool negate)
{
	int rc = payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6);

	return rc < 0 ? rc : cmp(r, negate, mac, 6);
}

int nft_rule_verdict(struct nftnl_rule *r, int verdict, const char *chain)
{
	static const int codes[] = {[NFT_V_ACCEPT] = NF_ACCEPT, [NFT_V_DROP] = NF_DROP, [NFT_V_RETURN] = NFT_RETURN,
				    [NFT_V_JUMP] = NFT_JUMP};
	struct nftnl_expr *x = nftnl_expr_alloc("immediate");

	if (verdict < 0 || verdict > NFT_V_JUMP || (verdict == NFT_V_JUMP && !chain)) {
		if (x)
			nftnl_expr_free(x);
		return -EINVAL;
	}
	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_VERDICT, (uint32_t)codes[verdict]);
		if (verdict == NFT_V_JUMP)
			nftnl_expr_set_str(x, NFTNL_EXPR_IMM_CHAIN, chain);
	}
	return add(r, x);
}

int nft_rule_counter(struct nftnl_rule *r)
{
	return add(r, nftnl_expr_alloc("counter"));
}

int nft_rule_masquerade(struct nftnl_rule *r)
{
	return add(r, nftnl_expr_alloc("masq"));
}

static int immediate(struct nftnl_rule *r, uint32_t reg, const void *data, uint32_t len)
{
	struct nftnl_expr *x = nftnl_expr_alloc("immediate");

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_DREG, reg);
		nftnl_expr_set(x, NFTNL_EXPR_IMM_DATA, data, len);
	}
	return add(r, x);
}

static int nat(struct nftnl_rule *r, uint32_t type, const struct ipnet_addr *addr, uint16_t port)
{
	uint16_t be = htons(port);
	struct nftnl_expr *x;
	int rc;

	rc = immediate(r, NFT_REG_1, addr->a, ipnet_addr_len(addr->family));
	if (rc >= 0 && port)
		rc = immediate(r, NFT_REG_2, &be, 2);
	if (rc < 0)
		return rc;
	x = nftnl_expr_alloc("nat");
	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_TYPE, type);
		nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_FAMILY, addr->family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
		/* As the kernel reports it back: a single address (and port), flags set. */
		nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_ADDR_MAX, NFT_REG_1);
		if (port) {
			nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
			nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_PROTO_MAX, NFT_REG_2);
		}
		nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_FLAGS,
				   NF_NAT_RANGE_MAP_IPS | (port ? NF_NAT_RANGE_PROTO_SPECIFIED : 0));
	}
	return add(r, x);
}

int nft_rule_dnat(struct nftnl_rule *r, const struct ipnet_addr *addr, uint16_t port)
{
	return nat(r, NFT_NAT_DNAT, addr, port);
}

int nft_rule_snat(struct nftnl_rule *r, const struct ipnet_addr *addr)
{
	return nat(r, NFT_NAT_SNAT, addr, 0);
}

/* ---- reading back ---- */

int nft_rule_text(struct nftnl_rule *r, char *buf, size_t size)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *x;
	size_t len = 0;

	if (!it)
		return -ENOMEM;
	buf[0] = '\0';
	while ((x = nftnl_expr_iter_next(it)) && len + 2 < size) {
		int k = snprintf(buf + len, size - len, "[%s ", nftnl_expr_get_str(x, NFTNL_EXPR_NAME));

		if (k > 0 && (size_t)k < size - len)
			len += (size_t)k;
		k = nftnl_expr_snprintf(buf + len, size - len, x, NFTNL_OUTPUT_DEFAULT, 0);
		if (k > 0 && (size_t)k < size - len)
			len += (size_t)k;
		if (len + 2 < size) {
			buf[len++] = ']';
			buf[len] = '\0';
		}
	}
	nftnl_expr_iter_destroy(it);
	return 0;
}

struct grow {
	void *v;
	size_t n, cap;
};

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	struct nft_rule_info *ri = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && nftnl_udata_len(attr) > 0) {
		const char *s = nftnl_udata_get(attr);

		snprintf(ri->comment, sizeof(ri->comment), "%.*s", (int)nftnl_udata_len(attr), s);
	}
	return 0;
}

/* The chain of the rule's jump or goto verdict (an immediate expression with a chain). */
static void rule_jump(struct nftnl_rule *r, char *buf, size_t size)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *x;

	buf[0] = '\0';
	if (!it)
		return;
	while ((x = nftnl_expr_iter_next(it)))
		if (strcmp(strempty(nftnl_expr_get_str(x, NFTNL_EXPR_NAME)), "immediate") == 0 &&
		    nftnl_expr_is_set(x, NFTNL_EXPR_IMM_CHAIN))
			snprintf(buf, size, "%s", strempty(nftnl_expr_get_str(x, NFTNL_EXPR_IMM_CHAIN)));
	nftnl_expr_iter_destroy(it);
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct grow *g = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nft_rule_info *ri;
	const void *ud;
	uint32_t ulen = 0;
	int rc = 0;

	if (!r)
		return -ENOMEM;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	rc = array_reserve(&g->v, &g->cap, g->n, sizeof(*ri));
	if (rc < 0)
		goto out;
	ri = (struct nft_rule_info *)g->v + g->n++;
	*ri = (struct nft_rule_info){.handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE)};
	snprintf(ri->chain, sizeof(ri->chain), "%s", strempty(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN)));
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &ulen);
	if (ud && ulen)
		(void)nftnl_udata_parse(ud, ulen, comment_cb, ri);
	rule_jump(r, ri->jump, sizeof(ri->jump));
	rc = nft_rule_text(r, ri->text, sizeof(ri->text));
out:
	nftnl_rule_free(r);
	return rc;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct grow *g = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nft_chain_info *ci;
	int rc = 0;

	if (!c)
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0)
		goto out;
	rc = array_reserve(&g->v, &g->cap, g->n, sizeof(*ci));
	if (rc < 0)
		goto out;
	ci = (struct nft_chain_info *)g->v + g->n++;
	*ci = (struct nft_chain_info){.base = nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)};
	snprintf(ci->name, sizeof(ci->name), "%s", strempty(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)));
	if (ci->base) {
		snprintf(ci->type, sizeof(ci->type), "%s", strempty(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE)));
		ci->hooknum = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
		ci->priority = (int32_t)nftnl_chain_get_u32(c, NFTNL_CHAIN_PRIO);
		ci->accept = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_ACCEPT;
	}
out:
	nftnl_chain_free(c);
	return rc;
}

/* GETTABLE: 0 when the table exists, -ENOENT when not. */
static int table_exists(struct nft *n, int family, const char *table)
{
	struct nl_req req = {0};
	struct nftnl_table *t = nftnl_table_alloc();
	int rc;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	req.nlh = nftnl_table_nlmsg_build_hdr(req.buf, NFT_MSG_GETTABLE, (uint16_t)family, 0, 0);
	nftnl_table_nlmsg_build_payload(req.nlh, t);
	nftnl_table_free(t);
	rc = nl_call(n->nl, &req, NULL, NULL);
	return rc;
}

int nft_list_chains(struct nft *n, int family, const char *table, struct nft_chain_info **ret, size_t *ret_n)
{
	int tries = 0;
	struct grow g = {0};
	struct nl_req req = {0};
	struct nftnl_chain *c;
	int rc;

	rc = table_exists(n, family, table);
	if (rc < 0)
		return rc;
	c = nftnl_chain_alloc();
	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	req.nlh = nftnl_chain_nlmsg_build_hdr(req.buf, NFT_MSG_GETCHAIN, (uint16_t)family, NLM_F_DUMP, 0);
	nftnl_chain_nlmsg_build_payload(req.nlh, c);
	nftnl_chain_free(c);
	do
		g.n = 0;
	while (nl_dump_again(rc = nl_call(n->nl, &req, chain_cb, &g), &tries));
	if (rc < 0) {
		free(g.v);
		return rc;
	}
	*ret = g.v;
	*ret_n = g.n;
	return 0;
}

/* Dump the rules of table (of one chain when chain is set) through cb; *count (the
 * number of records cb collected) is reset whenever the dump must start over. */
static int dump_rules(struct nft *n, int family, const char *table, const char *chain, nl_msg_cb cb, void *data,
		      size_t *count)
{
	struct nl_req req = {0};
	struct nftnl_rule *r;
	int tries = 0, rc;

	rc = table_exists(n, family, table);
	if (rc < 0)
		return rc;
	r = nftnl_rule_alloc();
	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	if (chain)
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	req.nlh = nftnl_rule_nlmsg_build_hdr(req.buf, NFT_MSG_GETRULE, (uint16_t)family, NLM_F_DUMP, 0);
	nftnl_rule_nlmsg_build_payload(req.nlh, r);
	nftnl_rule_free(r);
	do
		*count = 0;
	while (nl_dump_again(rc = nl_call(n->nl, &req, cb, data), &tries));
	return rc;
}

int nft_list_rules(struct nft *n, int family, const char *table, const char *chain, struct nft_rule_info **ret,
		   size_t *ret_n)
{
	struct grow g = {0};
	int rc = dump_rules(n, family, table, chain, rule_cb, &g, &g.n);

	if (rc < 0) {
		free(g.v);
		return rc;
	}
	*ret = g.v;
	*ret_n = g.n;
	return 0;
}

struct handles {
	const char *comment;
	uint64_t *v;
	size_t n, cap;
};

static int handle_comment_cb(const struct nftnl_udata *attr, void *data)
{
	char *comment = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && nftnl_udata_len(attr) > 0)
		snprintf(comment, 256, "%.*s", (int)nftnl_udata_len(attr), (const char *)nftnl_udata_get(attr));
	return 0;
}

static int handles_cb(const struct nlmsghdr *nlh, void *data)
{
	struct handles *h = data;
	const struct nlattr *tb[NFTA_RULE_MAX + 1];
	char comment[256] = "";
	const void *ud, *hv;
	size_t ulen, hlen;
	uint64_t handle;
	int r;

	if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWRULE)
		return 0;
	r = nl_parse(nlh, sizeof(struct nfgenmsg), tb, NFTA_RULE_MAX);
	if (r < 0)
		return r;
	if (!tb[NFTA_RULE_HANDLE] || !tb[NFTA_RULE_USERDATA])
		return 0;
	hv = nl_get_data(tb[NFTA_RULE_HANDLE], &hlen);
	ud = nl_get_data(tb[NFTA_RULE_USERDATA], &ulen);
	if (hlen != sizeof(handle) || ulen > UINT32_MAX)
		return 0;
	(void)nftnl_udata_parse(ud, (uint32_t)ulen, handle_comment_cb, comment);
	if (strcmp(comment, h->comment) != 0)
		return 0;
	if (ARRAY_RESERVE(h->v, h->cap, h->n) < 0)
		return -ENOMEM;
	memcpy(&handle, hv, sizeof(handle));
	h->v[h->n++] = be64toh(handle);
	return 0;
}

int nft_rule_handles(struct nft *n, int family, const char *table, const char *chain, const char *comment,
		     uint64_t **ret, size_t *ret_n)
{
	struct handles h = {.comment = comment};
	int rc = dump_rules(n, family, table, chain, handles_cb, &h, &h.n);

	if (rc < 0) {
		free(h.v);
		return rc;
	}
	*ret = h.v;
	*ret_n = h.n;
	return 0;
}

int nft_chain_exists(struct nft *n, int family, const char *table, const char *chain)
{
	struct nl_req req = {0};
	struct nftnl_chain *c = nftnl_chain_alloc();
	int rc;

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain);
	req.nlh = nftnl_chain_nlmsg_build_hdr(req.buf, NFT_MSG_GETCHAIN, (uint16_t)family, 0, 0);
	nftnl_chain_nlmsg_build_payload(req.nlh, c);
	nftnl_chain_free(c);
	rc = nl_call(n->nl, &req, NULL, NULL);
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? rc : 1;
}

void nft_hash_name(char buf[static 17], const char *a, const char *b, const char *c)
{
	const char *parts[] = {a, b, c};
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
		for (const char *p = strempty(parts[i]); *p; p++) {
			h ^= (uint8_t)*p;
			h *= 0x100000001b3ull;
		}
		h ^= 0xff; /* a separator no part contains */
		h *= 0x100000001b3ull;
	}
	snprintf(buf, 17, "%016llx", (unsigned long long)h);
}
