/* portmap: host ports forwarded to a pod, as a chained plugin (after bridge, ptp, ...).
 *
 * Config keys (the reference plugin's):
 *   runtimeConfig.portMappings  [{hostPort, containerPort, protocol, hostIP}] (capability
 *                               "portMappings"); protocol tcp, udp or sctp (default tcp);
 *                               hostIP: only traffic to that address (one family)
 *   snat                 true   masquerade hairpin traffic (a pod reaching its own host
 *                               port) and, for IPv4, traffic from 127.0.0.0/8
 *   masqAll              false  masquerade all traffic to the pod's mapped ports instead
 *   markMasqBit          13     accepted (0..31) for compatibility; unused: the SNAT above
 *                               is done by direct rules, not by a packet mark
 *   externalSetMarkChain -      refused (code 2): it names an iptables chain
 *   conditionsV4/V6      none   extra matches per family, iptables-style; understood:
 *                               [!] -s|--source CIDR, [!] -d|--destination CIDR,
 *                               [!] -i|--in-interface IF; anything else is refused (code 7)
 *   backend              -      "nftables" (the only one; "iptables" is refused, code 2)
 *
 * Rules (tables ip and ip6 cni-c-portmap; pkg/nfrules.h names the per-attachment chains):
 *   prerouting (nat, dstnat) and output (nat, -100): fib daddr type local jump hostports
 *   hostports: per mapping "meta l4proto P th dport HOSTPORT jump pm-<hash>"
 *   pm-<hash>:  per mapping "[conditions] [ip daddr HOSTIP] meta l4proto P th dport
 *               HOSTPORT dnat ip to POD:CONTAINERPORT"
 *   postrouting (nat, srcnat): jump hostports-snat
 *   hostports-snat: "ip daddr POD jump pms-<hash>"
 *   pms-<hash>: "ip saddr POD masquerade" (hairpin), "ip saddr 127.0.0.0/8 masquerade"
 *               (IPv4), or "masquerade" with masqAll
 * When IPv4 127.0.0.1 can reach a mapping (no hostIP, or 127.0.0.1), route_localnet is
 * turned on for the link the pod is reached through, as the reference does.
 *
 * ADD: one transaction (replacing what the attachment had), result = prevResult.
 * DEL: removes the attachment's chains and jumps; needs neither the namespace nor the
 * prevResult. CHECK: the chains hold exactly the rules the mappings give. GC: removes
 * the attachments not in cni.dev/valid-attachments.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "link.h"
#include "nfrules.h"
#include "nft.h"
#include "nl.h"
#include "route.h"
#include "skel.h"
#include "suite.h"
#include "sysctl.h"

#define TABLE "cni-c-portmap"
#define COND_MAX 8   /* matches per condition list */
#define RULES_MAX 64 /* rules per attachment chain */

struct mapping {
	uint16_t host_port, cont_port;
	uint8_t proto;           /* IPPROTO_TCP, _UDP, _SCTP */
	struct ipnet_addr host_ip; /* family 0: any */
};

struct cond {
	enum { COND_SRC, COND_DST, COND_IIF } what;
	bool negate;
	struct ipnet net;
	char ifname[16];
};

struct portmap_conf {
	struct mapping *maps;
	size_t n_maps;
	bool snat;
	bool masq_all;
	struct cond conds[2][COND_MAX]; /* per family: 0 IPv4, 1 IPv6 */
	size_t n_conds[2];
};

static void portmap_conf_done(struct portmap_conf *c)
{
	free(c->maps);
}

static const struct nfrules_set dnat_sets[2] = {
	{.family = NFT_FAMILY_IPV4, .table = TABLE, .entry = "hostports", .prefix = "pm-"},
	{.family = NFT_FAMILY_IPV6, .table = TABLE, .entry = "hostports", .prefix = "pm-"},
};
static const struct nfrules_set snat_sets[2] = {
	{.family = NFT_FAMILY_IPV4, .table = TABLE, .entry = "hostports-snat", .prefix = "pms-"},
	{.family = NFT_FAMILY_IPV6, .table = TABLE, .entry = "hostports-snat", .prefix = "pms-"},
};

DEFINE_CLEANUP_FUNC(struct nft *, nft_close);

static int af_of(int fi)
{
	return fi == 0 ? AF_INET : AF_INET6;
}

/* ---- configuration ---- */

static int parse_proto(const char *s, uint8_t *ret)
{
	static const struct {
		const char *name;
		uint8_t proto;
	} protos[] = {{"tcp", IPPROTO_TCP}, {"udp", IPPROTO_UDP}, {"sctp", IPPROTO_SCTP}};

	for (size_t i = 0; i < ELEMENTSOF(protos); i++)
		if (strcasecmp(s, protos[i].name) == 0) {
			*ret = protos[i].proto;
			return 0;
		}
	return -EINVAL;
}

static int parse_port(const json_t *m, const char *key, size_t i, uint16_t *ret, struct cni_error *err)
{
	const json_t *v = json_object_get(m, key);
	json_int_t p;

	if (!json_is_integer(v))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"runtimeConfig.portMappings[%zu].%s: a port number (1..65535) is required", i, key);
	p = json_integer_value(v);
	if (p < 1 || p > 65535)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"runtimeConfig.portMappings[%zu].%s: %lld is not a port (1..65535)", i, key, (long long)p);
	*ret = (uint16_t)p;
	return 0;
}

static int parse_mapping(const json_t *m, size_t i, struct mapping *ret, struct cni_error *err)
{
	const json_t *proto = json_object_get(m, "protocol"), *hip = json_object_get(m, "hostIP");
	struct mapping mp = {.proto = IPPROTO_TCP};
	int r;

	if (!json_is_object(m))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "runtimeConfig.portMappings[%zu] is not an object",
				i);
	r = parse_port(m, "hostPort", i, &mp.host_port, err);
	if (r >= 0)
		r = parse_port(m, "containerPort", i, &mp.cont_port, err);
	if (r < 0)
		return r;
	if (proto && !json_is_null(proto) &&
	    (!json_is_string(proto) || (*json_string_value(proto) && parse_proto(json_string_value(proto), &mp.proto) < 0)))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"runtimeConfig.portMappings[%zu].protocol: \"%s\" is not tcp, udp or sctp", i,
				json_is_string(proto) ? json_string_value(proto) : "(not a string)");
	if (hip && !json_is_null(hip) && !(json_is_string(hip) && !*json_string_value(hip))) {
		if (!json_is_string(hip) || ipnet_addr_parse(json_string_value(hip), &mp.host_ip) < 0)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
					"runtimeConfig.portMappings[%zu].hostIP: \"%s\" is not an IP address", i,
					json_is_string(hip) ? json_string_value(hip) : "(not a string)");
		if (ipnet_addr_is_zero(&mp.host_ip))
			mp.host_ip.family = 0; /* 0.0.0.0 / :: is every address */
	}
	*ret = mp;
	return 0;
}

static int parse_mappings(const json_t *j, struct portmap_conf *c, struct cni_error *err)
{
	const json_t *rc = json_object_get(j, "runtimeConfig"), *list = json_object_get(rc, "portMappings"), *m;
	size_t i;
	int r;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "runtimeConfig.portMappings must be a list");
	if (json_array_size(list) > RULES_MAX)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -E2BIG, "runtimeConfig.portMappings: more than %d mappings",
				RULES_MAX);
	c->maps = calloc(json_array_size(list) + 1, sizeof(*c->maps));
	if (!c->maps)
		return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
	json_array_foreach(list, i, m) {
		r = parse_mapping(m, i, &c->maps[c->n_maps], err);
		if (r < 0)
			return r;
		c->n_maps++;
	}
	return 0;
}

/* One iptables-style condition string: "[!] -s CIDR [!] -i eth0 ...". */
static int parse_condition(const char *key, size_t idx, const char *s, int fi, struct portmap_conf *c,
			   struct cni_error *err)
{
	char buf[256], *save = NULL, *tok;
	bool negate = false;

	if (strlen(s) >= sizeof(buf))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -E2BIG, "%s[%zu] is too long", key, idx);
	strcpy(buf, s);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		struct cond *cd = &c->conds[fi][c->n_conds[fi]];
		char *arg;

		if (strcmp(tok, "!") == 0) {
			negate = true;
			continue;
		}
		if (c->n_conds[fi] == COND_MAX)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -E2BIG, "%s: more than %d matches", key, COND_MAX);
		if (!strcmp(tok, "-s") || !strcmp(tok, "--source"))
			cd->what = COND_SRC;
		else if (!strcmp(tok, "-d") || !strcmp(tok, "--destination"))
			cd->what = COND_DST;
		else if (!strcmp(tok, "-i") || !strcmp(tok, "--in-interface"))
			cd->what = COND_IIF;
		else
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EOPNOTSUPP,
					"%s[%zu]: \"%s\" cannot be expressed by this plugin (understood: [!] -s CIDR, "
					"[!] -d CIDR, [!] -i IFNAME)",
					key, idx, tok);
		arg = strtok_r(NULL, " \t", &save);
		if (!arg)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "%s[%zu]: \"%s\" needs a value", key, idx, tok);
		cd->negate = negate;
		negate = false;
		if (cd->what == COND_IIF) {
			if (!cni_valid_ifname(arg, NULL))
				return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "%s[%zu]: \"%s\" is not an interface name",
						key, idx, arg);
			snprintf(cd->ifname, sizeof(cd->ifname), "%s", arg);
		} else if (ipnet_parse(arg, true, &cd->net) < 0 || cd->net.ip.family != af_of(fi)) {
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "%s[%zu]: \"%s\" is not an IPv%c address or CIDR",
					key, idx, arg, fi == 0 ? '4' : '6');
		}
		c->n_conds[fi]++;
	}
	if (negate)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "%s[%zu]: a \"!\" with nothing after it", key, idx);
	return 0;
}

static int parse_conditions(const json_t *j, struct portmap_conf *c, struct cni_error *err)
{
	static const char *const keys[] = {"conditionsV4", "conditionsV6"};

	for (int fi = 0; fi < 2; fi++) {
		const json_t *list = json_object_get(j, keys[fi]), *v;
		size_t i;

		if (!list || json_is_null(list))
			continue;
		if (!json_is_array(list))
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s\" must be a list of strings", keys[fi]);
		json_array_foreach(list, i, v) {
			int r;

			if (!json_is_string(v))
				return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s[%zu]\" is not a string", keys[fi], i);
			r = parse_condition(keys[fi], i, json_string_value(v), fi, c, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int portmap_conf_parse(const struct cni_args *a, bool for_del, struct portmap_conf *c, struct cni_error *err)
{
	const json_t *j = a->conf, *ext = json_object_get(j, "externalSetMarkChain");
	const char *backend = NULL;
	long bit = 13;
	int r;

	*c = (struct portmap_conf){.snat = true};
	if (conf_get_bool(j, "snat", NULL, &c->snat, err) < 0 || conf_get_bool(j, "masqAll", NULL, &c->masq_all, err) < 0 ||
	    conf_get_int(j, "markMasqBit", NULL, 0, 31, &bit, err) < 0 ||
	    conf_get_str(j, "backend", NULL, &backend, err) < 0)
		return -EINVAL;
	if (for_del)
		return 0; /* DEL needs nothing of the config: the rules are found by attachment */
	if (backend && strcmp(backend, "iptables") == 0)
		return cni_fail(err, CNI_ERR_UNSUPPORTED_FIELD, -EOPNOTSUPP,
				"\"backend\": \"iptables\" is not supported: this plugin writes nftables rules over "
				"netlink (use \"nftables\", or leave it unset)");
	if (backend && strcmp(backend, "nftables") != 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"backend\": \"%s\" is not a backend", backend);
	if (ext && !json_is_null(ext)) {
		if (json_object_get(j, "markMasqBit"))
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
					"\"externalSetMarkChain\" and \"markMasqBit\" cannot both be set");
		return cni_fail(err, CNI_ERR_UNSUPPORTED_FIELD, -EOPNOTSUPP,
				"\"externalSetMarkChain\" is not supported: it names an iptables chain; this plugin "
				"masquerades hairpin and localhost traffic with its own nftables rules");
	}
	r = parse_mappings(j, c, err);
	if (r >= 0)
		r = parse_conditions(j, c, err);
	return r;
}

/* ---- the rules ---- */

/* The pod's first address of the family, from prevResult. */
static const struct ipnet_addr *pod_addr(const struct cni_result *prev, int fi)
{
	for (size_t i = 0; prev && i < prev->n_ips; i++)
		if (prev->ips[i].address.ip.family == af_of(fi))
			return &prev->ips[i].address.ip;
	return NULL;
}

static bool applies(const struct mapping *m, int fi)
{
	return !m->host_ip.family || m->host_ip.family == af_of(fi);
}

static int match_port(struct nftnl_rule *r, const struct mapping *m)
{
	int rc = nft_rule_match_l4proto(r, m->proto);

	return rc < 0 ? rc : nft_rule_match_dport(r, m->host_port);
}

static int add_conds(struct nftnl_rule *r, const struct portmap_conf *c, int fi)
{
	int rc = 0;

	for (size_t k = 0; rc >= 0 && k < c->n_conds[fi]; k++) {
		const struct cond *cd = &c->conds[fi][k];

		if (cd->what == COND_IIF)
			rc = nft_rule_match_ifname(r, false, cd->ifname, cd->negate);
		else
			rc = nft_rule_match_addr(r, cd->what == COND_DST, &cd->net, cd->negate);
	}
	return rc;
}

/* Rule k of the attachment's DNAT chain for mapping m. */
static struct nftnl_rule *dnat_rule(const struct portmap_conf *c, const struct nfrules_id *id, int fi,
				    const struct mapping *m, const struct ipnet_addr *pod)
{
	struct nftnl_rule *r = nft_rule_new(dnat_sets[fi].family, TABLE, id->chain, NULL);
	struct ipnet hip = {.ip = m->host_ip, .prefix = ipnet_bits(af_of(fi))};
	int rc = r ? add_conds(r, c, fi) : -ENOMEM;

	if (rc >= 0 && m->host_ip.family)
		rc = nft_rule_match_addr(r, true, &hip, false);
	if (rc >= 0)
		rc = match_port(r, m);
	if (rc >= 0)
		rc = nft_rule_dnat(r, pod, m->cont_port);
	if (rc < 0) {
		nft_rule_free(r);
		return NULL;
	}
	return r;
}

/* The SNAT chain's rules: hairpin and localhost, or everything with masqAll. */
static struct nftnl_rule *snat_rule(const struct portmap_conf *c, const struct nfrules_id *id, int fi, int k,
				    const struct ipnet_addr *pod)
{
	struct nftnl_rule *r = nft_rule_new(snat_sets[fi].family, TABLE, id->chain, NULL);
	struct ipnet src = {.ip = *pod, .prefix = ipnet_bits(af_of(fi))};
	int rc = r ? 0 : -ENOMEM;

	if (rc >= 0 && !c->masq_all && k == 1)
		rc = ipnet_parse("127.0.0.0/8", false, &src);
	if (rc >= 0 && !c->masq_all)
		rc = nft_rule_match_addr(r, false, &src, false);
	if (rc >= 0)
		rc = nft_rule_masquerade(r);
	if (rc < 0) {
		nft_rule_free(r);
		return NULL;
	}
	return r;
}

static int snat_rules(const struct portmap_conf *c, int fi)
{
	return c->masq_all ? 1 : fi == 0 ? 2 : 1;
}

/* The static part: chains, and the rules of the base chains (flushed and written again:
 * concurrent ADDs leave exactly one copy). */
static int add_structure(struct nft *n, int fi)
{
	static const struct nft_hook pre = {.type = "nat", .hooknum = NFT_HOOK_PREROUTING, .priority = -100};
	static const struct nft_hook out = {.type = "nat", .hooknum = NFT_HOOK_OUTPUT, .priority = -100};
	static const struct nft_hook post = {.type = "nat", .hooknum = NFT_HOOK_POSTROUTING, .priority = 100};
	static const struct {
		const char *name;
		const struct nft_hook *hook;
		const char *jump;
		bool local;
	} chains[] = {
		{"hostports", NULL, NULL, false},       {"hostports-snat", NULL, NULL, false},
		{"prerouting", &pre, "hostports", true}, {"output", &out, "hostports", true},
		{"postrouting", &post, "hostports-snat", false},
	};
	int fam = dnat_sets[fi].family, r;

	r = nft_add_table(n, fam, TABLE);
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(chains); i++) {
		struct nftnl_rule *rule;

		r = nft_add_chain(n, fam, TABLE, chains[i].name, chains[i].hook);
		if (r < 0 || !chains[i].hook)
			continue;
		r = nft_flush_chain(n, fam, TABLE, chains[i].name);
		rule = r >= 0 ? nft_rule_new(fam, TABLE, chains[i].name, NULL) : NULL;
		if (r >= 0 && !rule)
			r = -ENOMEM;
		if (r >= 0 && chains[i].local)
			r = nft_rule_match_local_daddr(rule);
		if (r >= 0)
			r = nft_rule_verdict(rule, NFT_V_JUMP, chains[i].jump);
		if (r >= 0)
			r = nft_add_rule(n, TAKE_PTR(rule));
		nft_rule_free(rule);
	}
	return r;
}

static int add_family(struct nft *n, const struct cni_args *a, const struct portmap_conf *c, int fi,
		      const struct ipnet_addr *pod)
{
	struct nfrules_id did, sid;
	size_t n_maps = 0;
	int r;

	nfrules_id(&dnat_sets[fi], a->name, a->container_id, a->ifname, &did);
	nfrules_id(&snat_sets[fi], a->name, a->container_id, a->ifname, &sid);
	for (size_t i = 0; i < c->n_maps; i++)
		n_maps += applies(&c->maps[i], fi);
	if (!pod || n_maps == 0)
		return 0;
	r = add_structure(n, fi);
	if (r >= 0)
		r = nft_add_chain(n, dnat_sets[fi].family, TABLE, did.chain, NULL);
	for (size_t i = 0; r >= 0 && i < c->n_maps; i++) {
		struct nftnl_rule *j;

		if (!applies(&c->maps[i], fi))
			continue;
		r = nft_add_rule(n, dnat_rule(c, &did, fi, &c->maps[i], pod));
		j = r >= 0 ? nfrules_jump_new(&dnat_sets[fi], &did) : NULL;
		if (r >= 0)
			r = j ? match_port(j, &c->maps[i]) : -ENOMEM;
		if (r >= 0)
			r = nft_rule_verdict(j, NFT_V_JUMP, did.chain);
		if (r >= 0)
			r = nft_add_rule(n, TAKE_PTR(j));
		nft_rule_free(j);
	}
	if (r < 0 || !c->snat)
		return r;
	r = nft_add_chain(n, snat_sets[fi].family, TABLE, sid.chain, NULL);
	for (int k = 0; r >= 0 && k < snat_rules(c, fi); k++)
		r = nft_add_rule(n, snat_rule(c, &sid, fi, k, pod));
	if (r >= 0) {
		struct ipnet dst = {.ip = *pod, .prefix = ipnet_bits(af_of(fi))};

		r = nfrules_queue_jump_addr(n, &snat_sets[fi], &sid, true, &dst);
	}
	return r;
}

static int remove_all(struct nft *n, const struct cni_args *a)
{
	int r = 0;

	for (int fi = 0; r >= 0 && fi < 2; fi++) {
		struct nfrules_id id;

		nfrules_id(&dnat_sets[fi], a->name, a->container_id, a->ifname, &id);
		r = nfrules_queue_remove(n, &dnat_sets[fi], &id, NULL);
		nfrules_id(&snat_sets[fi], a->name, a->container_id, a->ifname, &id);
		if (r >= 0)
			r = nfrules_queue_remove(n, &snat_sets[fi], &id, NULL);
	}
	return r;
}

/* The reference plugin's DNAT chain of the attachment, "CNI-DN-<sha512>" in table
 * ip|ip6 nat, entered from CNI-HOSTPORT-DNAT (a node that switched over from it: a stale
 * DNAT would send the host port to an address that is gone, or to its next owner). */
static int remove_reference(struct nft *n, const struct cni_args *a)
{
	static const char *const entries[] = {"CNI-HOSTPORT-DNAT", NULL};
	char name[29];
	int r;

	nfrules_foreign_name(name, "CNI-DN-", a->name, a->container_id);
	r = nfrules_queue_remove_foreign(n, NFT_FAMILY_IPV4, "nat", name, entries, NULL);
	return r < 0 ? r : nfrules_queue_remove_foreign(n, NFT_FAMILY_IPV6, "nat", name, entries, NULL);
}

/* IPv4 localhost can reach a mapping: route_localnet on the link toward the pod. */
static int localnet(const struct portmap_conf *c, const struct ipnet_addr *pod, struct cni_error *err)
{
	_cleanup_nl_ struct nl *nl = NULL;
	struct link_info li;
	bool local = false;
	int oif, r;

	for (size_t i = 0; i < c->n_maps; i++) {
		const struct ipnet_addr *h = &c->maps[i].host_ip;

		local |= !h->family || (h->family == AF_INET && h->a[0] == 127 && h->a[1] == 0 && h->a[2] == 0 && h->a[3] == 1);
	}
	if (!local || !pod || !c->snat)
		return 0;
	r = nl_open(&nl);
	oif = r < 0 ? r : route_get_oif(nl, pod);
	r = oif < 0 ? oif : link_get_by_index(nl, oif, &li);
	if (r >= 0)
		r = sysctl_writef("1", "net/ipv4/conf/%s/route_localnet", li.name);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "cannot enable route_localnet toward the pod");
	return 0;
}

static int nft_fail(struct nft *n, struct cni_error *err, int r, const char *what)
{
	if (r == -ENOMEM)
		return cni_fail(err, CNI_ERR_INTERNAL, r, "out of memory");
	return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nft_extack(n), "nftables: cannot %s", what);
}

/* ---- commands ---- */

static int cmd_add(const struct cni_args *a, struct cni_result *ret, struct cni_error *err)
{
	_cleanup_(portmap_conf_done) struct portmap_conf c = {0};
	_cleanup_(nft_closep) struct nft *n = NULL;
	int r;

	r = portmap_conf_parse(a, false, &c, err);
	if (r < 0)
		return r;
	if (!a->prev)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"portmap must be called as a chained plugin: there is no prevResult");
	if (c.n_maps == 0)
		goto out; /* nothing mapped: nothing loaded, nothing written */
	r = nft_open(&n);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "nftables is not available (portmap needs nf_tables)");
	nft_begin(n);
	/* One transaction: what the attachment had goes, what it gets comes. */
	r = remove_all(n, a);
	for (int fi = 0; r >= 0 && fi < 2; fi++)
		r = add_family(n, a, &c, fi, pod_addr(a->prev, fi));
	if (r < 0)
		return nft_fail(n, err, r, "prepare the port mappings");
	r = nft_commit(n, NULL);
	if (r < 0)
		return nft_fail(n, err, r, "install the port mappings");
	r = localnet(&c, pod_addr(a->prev, 0), err);
	if (r < 0) {
		/* Without it the mappings are half there: take them out again. */
		nft_begin(n);
		if (remove_all(n, a) >= 0)
			(void)nft_commit(n, NULL);
		return r;
	}
out:
	r = cni_result_copy(a->prev, ret);
	return r < 0 ? cni_fail(err, CNI_ERR_INTERNAL, r, "out of memory") : 0;
}

static int cmd_del(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_(portmap_conf_done) struct portmap_conf c = {0};
	_cleanup_(nft_closep) struct nft *n = NULL;
	int r;

	r = portmap_conf_parse(a, true, &c, err);
	if (r < 0)
		return r;
	if (nft_open(&n) < 0)
		return 0; /* no nftables: nothing of ours */
	nft_begin(n);
	r = remove_all(n, a);
	if (r >= 0)
		r = remove_reference(n, a);
	if (r >= 0)
		r = nft_commit(n, NULL);
	return r < 0 ? nft_fail(n, err, r, "remove the port mappings") : 0;
}

/* The attachment's chain of one set holds exactly want, and n_jumps jumps lead to it. */
static int check_chain(struct nft *n, const struct nfrules_set *s, const struct nfrules_id *id,
		       struct nftnl_rule *want[], size_t n_want, size_t n_jumps, struct cni_error *err)
{
	_cleanup_free_ struct nft_rule_info *rules = NULL;
	char text[1024];
	size_t n_rules = 0, jumps = 0;
	int r;

	r = nfrules_read(n, s, id, &rules, &n_rules, &jumps);
	if (r == -ENOENT)
		return cni_fail(err, CNI_ERR_INTERNAL, r, "chain %s is missing from table %s", id->chain, s->table);
	if (r < 0)
		return nft_fail(n, err, r, "read the rules");
	if (n_rules != n_want || jumps != n_jumps)
		return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL,
				"chain %s holds %zu rule(s) and %zu jump(s) lead to it; expected %zu and %zu", id->chain,
				n_rules, jumps, n_want, n_jumps);
	for (size_t i = 0; i < n_rules; i++) {
		if (!want[i] || nft_rule_text(want[i], text, sizeof(text)) < 0)
			return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
		if (strcmp(text, rules[i].text) != 0)
			return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "rule %zu of chain %s was changed", i + 1, id->chain);
	}
	return 0;
}

static int check_family(struct nft *n, const struct cni_args *a, const struct portmap_conf *c, int fi,
			struct cni_error *err)
{
	const struct ipnet_addr *pod = pod_addr(a->prev, fi);
	struct nftnl_rule *want[RULES_MAX] = {0};
	struct nfrules_id id;
	size_t k = 0;
	int r;

	if (!pod)
		return 0;
	nfrules_id(&dnat_sets[fi], a->name, a->container_id, a->ifname, &id);
	for (size_t i = 0; i < c->n_maps; i++)
		if (applies(&c->maps[i], fi))
			want[k++] = dnat_rule(c, &id, fi, &c->maps[i], pod);
	if (k == 0)
		return 0;
	r = check_chain(n, &dnat_sets[fi], &id, want, k, k, err);
	for (size_t i = 0; i < k; i++)
		nft_rule_free(want[i]);
	if (r < 0 || !c->snat)
		return r;
	nfrules_id(&snat_sets[fi], a->name, a->container_id, a->ifname, &id);
	k = (size_t)snat_rules(c, fi);
	for (size_t i = 0; i < k; i++)
		want[i] = snat_rule(c, &id, fi, (int)i, pod);
	r = check_chain(n, &snat_sets[fi], &id, want, k, 1, err);
	for (size_t i = 0; i < k; i++)
		nft_rule_free(want[i]);
	return r;
}

static int cmd_check(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_(portmap_conf_done) struct portmap_conf c = {0};
	_cleanup_(nft_closep) struct nft *n = NULL;
	int r;

	r = portmap_conf_parse(a, false, &c, err);
	if (r < 0)
		return r;
	if (!a->prev)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "Required prevResult missing");
	if (c.n_maps == 0)
		return 0;
	r = nft_open(&n);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "nftables is not available");
	for (int fi = 0; r >= 0 && fi < 2; fi++)
		r = check_family(n, a, &c, fi, err);
	return r;
}

static int cmd_gc(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_free_ struct conf_attachment *valid = NULL;
	_cleanup_(nft_closep) struct nft *n = NULL;
	size_t n_valid = 0, removed = 0;
	int r;

	r = conf_gc_attachments(a->conf, &valid, &n_valid, err);
	if (r < 0)
		return r;
	if (nft_open(&n) < 0)
		return 0;
	nft_begin(n);
	for (int fi = 0; r >= 0 && fi < 2; fi++) {
		r = nfrules_queue_gc(n, &dnat_sets[fi], a->name, valid, n_valid, &removed);
		if (r >= 0)
			r = nfrules_queue_gc(n, &snat_sets[fi], a->name, valid, n_valid, &removed);
	}
	if (r >= 0)
		r = nft_commit(n, NULL);
	return r < 0 ? nft_fail(n, err, r, "remove stale port mappings") : 0;
}

const struct cni_plugin portmap_plugin = {
	.name = "portmap",
	.add = cmd_add,
	.del = cmd_del,
	.check = cmd_check,
	.gc = cmd_gc,
};
