/* plan.c: conflicts, direct-or-VXLAN, and each node's want. plan_full() finds conflicts
 * with sorted sweeps; plan_node() with a scan; both share the verdict functions. */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"

void onlink_set_done(struct onlink_set *s)
{
	for (int f = 0; f < _NODE_FAMILY_MAX; f++) {
		free(s->v[f]);
		s->v[f] = NULL;
		s->n[f] = 0;
	}
}

void plan_vtep_mac(const struct ipnet_addr *ip, uint8_t mac[6])
{
	if (ip->family == AF_INET) {
		mac[0] = 0x0e;
		mac[1] = 0x76;
		memcpy(mac + 2, ip->a, 4);
		return;
	}
	uint64_t h = 0xcbf29ce484222325ull;

	for (int i = 0; i < 16; i++) {
		h ^= ip->a[i];
		h *= 0x100000001b3ull;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (40 - 8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

void plan_vtep_addr(const struct ipnet *cidr, struct ipnet_addr *ret)
{
	struct ipnet net;

	ipnet_network(cidr, &net);
	*ret = net.ip;
}

bool node_want_eq(const struct node_want *a, const struct node_want *b)
{
	if (a->route != b->route)
		return false;
	if (!a->route)
		return true;
	if (a->vxlan != b->vxlan || a->dst.prefix != b->dst.prefix || !ipnet_addr_eq(&a->dst.ip, &b->dst.ip) ||
	    !ipnet_addr_eq(&a->gw, &b->gw))
		return false;
	if (!a->vxlan)
		return a->oif == b->oif;
	return ipnet_addr_eq(&a->remote, &b->remote) && memcmp(a->mac, b->mac, 6) == 0;
}

const struct node_facts *plan_self(const struct plan_ctx *c)
{
	const struct node *s = nodes_find(c->nodes, c->self);

	return s ? node_effective(s) : NULL;
}

/* ---- verdicts ---- */

enum reason {
	R_NONE,
	R_SELF_CIDR,  /* overlaps this node's pod CIDR */
	R_SELF_IP,    /* this node's InternalIP */
	R_OVERLAP,    /* overlaps another node's pod CIDR */
	R_SAME_IP,    /* another node's InternalIP */
	R_MAC,        /* VTEP MAC of another node */
};

struct verdict {
	enum reason reason;
	const struct node *other;
};

static void set_verdict(struct verdict *v, enum reason r, const struct node *other)
{
	if (v->reason == R_NONE) {
		v->reason = r;
		v->other = other;
	}
}

static bool has_cidr(const struct node_facts *f, int fam)
{
	return f && f->has_cidr[fam];
}

static bool has_ip(const struct node_facts *f, int fam)
{
	return f && f->has_ip[fam];
}

static bool mac_collides(const struct node_facts *a, const struct node_facts *b, int fam)
{
	uint8_t ma[6], mb[6];

	if (fam != NODE_V6 || !has_ip(a, fam) || !has_ip(b, fam) || ipnet_addr_eq(&a->ip[fam], &b->ip[fam]))
		return false;
	plan_vtep_mac(&a->ip[fam], ma);
	plan_vtep_mac(&b->ip[fam], mb);
	return memcmp(ma, mb, 6) == 0;
}

/* Node n (facts nf) against node m (facts mf, which may be this node). */
static void judge_pair(struct verdict *v, const struct node_facts *nf, const struct node *m,
		       const struct node_facts *mf, bool m_is_self, int fam)
{
	if (has_cidr(nf, fam) && has_cidr(mf, fam) && ipnet_overlaps(&nf->cidr[fam], &mf->cidr[fam]))
		set_verdict(v, m_is_self ? R_SELF_CIDR : R_OVERLAP, m);
	if (has_ip(nf, fam) && has_ip(mf, fam) && ipnet_addr_eq(&nf->ip[fam], &mf->ip[fam]))
		set_verdict(v, m_is_self ? R_SELF_IP : R_SAME_IP, m);
	if (mac_collides(nf, mf, fam))
		set_verdict(v, R_MAC, m);
}

bool plan_touches(const struct node_facts *m, const struct node_facts *a, const struct node_facts *b)
{
	const struct node_facts *o[2] = {a, b};

	for (int k = 0; k < 2; k++)
		for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++) {
			if (!o[k])
				continue;
			if (has_cidr(m, fam) && has_cidr(o[k], fam) && ipnet_overlaps(&m->cidr[fam], &o[k]->cidr[fam]))
				return true;
			if (has_ip(m, fam) && has_ip(o[k], fam) && ipnet_addr_eq(&m->ip[fam], &o[k]->ip[fam]))
				return true;
			if (mac_collides(m, o[k], fam))
				return true;
		}
	return false;
}

/* ---- the want of a node without conflicts ---- */

static const struct onlink *onlink_lookup(const struct onlink_set *s, int fam, const struct ipnet_addr *ip)
{
	const struct onlink *best = NULL;

	for (size_t i = 0; s && i < s->n[fam]; i++)
		if (ipnet_contains(&s->v[fam][i].net, ip) && (!best || s->v[fam][i].net.prefix > best->net.prefix))
			best = &s->v[fam][i];
	return best;
}

static const char *fam_name(int fam)
{
	return fam == NODE_V4 ? "IPv4" : "IPv6";
}

static void log_conflict(const struct plan_ctx *c, const struct node *n, int fam, const struct verdict *v)
{
	char cidr[IPNET_STRLEN] = "", ip[IPNET_STRLEN] = "";
	const struct node_facts *f = node_effective(n);

	if (has_cidr(f, fam))
		ipnet_fmt(&f->cidr[fam], cidr);
	if (has_ip(f, fam))
		ipnet_addr_fmt(&f->ip[fam], ip);
	switch (v->reason) {
	case R_SELF_CIDR:
		log_msg(c->log, LOG_LEVEL_WARN, "node %s: pod CIDR %s overlaps this node's: no %s route", n->name, cidr,
			fam_name(fam));
		break;
	case R_SELF_IP:
		log_msg(c->log, LOG_LEVEL_WARN, "node %s: InternalIP %s is this node's: no %s route", n->name, ip,
			fam_name(fam));
		break;
	case R_OVERLAP:
		log_msg(c->log, LOG_LEVEL_WARN, "node %s: pod CIDR %s overlaps node %s's: neither gets a route", n->name,
			cidr, v->other->name);
		break;
	case R_SAME_IP:
		log_msg(c->log, LOG_LEVEL_WARN, "node %s: InternalIP %s is also node %s's: neither gets a route",
			n->name, ip, v->other->name);
		break;
	case R_MAC:
		log_msg(c->log, LOG_LEVEL_WARN, "node %s: VTEP MAC of %s collides with node %s's: neither gets a route",
			n->name, ip, v->other->name);
		break;
	case R_NONE:
		break;
	}
}

/* The facts a node takes part with (in routes and in conflicts): NULL when it has none in
 * force, or no pod CIDR, or no address. */
static const struct node_facts *facts_of(const struct node *n)
{
	const struct node_facts *f = node_effective(n);

	if (!f || !(f->has_cidr[NODE_V4] || f->has_cidr[NODE_V6]) || !(f->has_ip[NODE_V4] || f->has_ip[NODE_V6]))
		return NULL;
	return f;
}

/* facts_of(), saying why a node takes no part. */
static const struct node_facts *usable(const struct plan_ctx *c, struct node *n, struct plan_stats *st)
{
	const struct node_facts *f = node_effective(n);
	bool any_cidr, any_ip;

	if (n->error) {
		log_msg(c->log, LOG_LEVEL_WARN, "node %s: %s; %s", n->name, n->error,
			f ? "keeping the routes of its last good state" : "its routes are kept until it is fixed");
		if (!f) {
			if (st)
				st->unknown++;
			return NULL;
		}
	}
	any_cidr = f->has_cidr[NODE_V4] || f->has_cidr[NODE_V6];
	any_ip = f->has_ip[NODE_V4] || f->has_ip[NODE_V6];
	if (!any_cidr || !any_ip) {
		if (!n->skip_logged)
			log_msg(c->log, LOG_LEVEL_INFO, "node %s has no %s yet: skipped", n->name,
				!any_cidr ? "podCIDR" : "InternalIP");
		n->skip_logged = true;
		if (st)
			st->skipped++;
		return NULL;
	}
	return facts_of(n);
}

static void want_of(const struct plan_ctx *c, const struct node *n, const struct node_facts *self,
		    const struct node_facts *f, int fam, struct node_want *w, struct plan_stats *st)
{
	const struct onlink *l;

	*w = (struct node_want){0};
	if (!f->has_cidr[fam] || !f->has_ip[fam])
		return;
	l = onlink_lookup(c->onlink, fam, &f->ip[fam]);
	if (l) {
		*w = (struct node_want){.route = true, .dst = f->cidr[fam], .gw = f->ip[fam], .oif = l->oif};
		if (st)
			st->direct++;
		return;
	}
	if (!self->has_ip[fam] || !self->has_cidr[fam]) {
		char ip[IPNET_STRLEN];

		log_msg(c->log, LOG_LEVEL_WARN,
			"node %s: %s is not on a link of this node, and VXLAN needs this node's own %s InternalIP and "
			"pod CIDR: no route",
			n->name, ipnet_addr_fmt(&f->ip[fam], ip), fam_name(fam));
		return;
	}
	*w = (struct node_want){.route = true, .vxlan = true, .dst = f->cidr[fam], .remote = f->ip[fam]};
	plan_vtep_addr(&f->cidr[fam], &w->gw);
	plan_vtep_mac(&f->ip[fam], w->mac);
	if (st)
		st->vxlan++;
}

/* ---- one node, by scan ---- */

void plan_node(const struct plan_ctx *c, struct node *n, struct node_want ret[_NODE_FAMILY_MAX])
{
	const struct node *self_node = nodes_find(c->nodes, c->self);
	const struct node_facts *self = self_node ? node_effective(self_node) : NULL, *f;

	for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++)
		ret[fam] = (struct node_want){0};
	if (!self || n == self_node || !(f = usable(c, n, NULL)))
		return;
	for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++) {
		struct verdict v = {0};

		if (!f->has_cidr[fam] || !f->has_ip[fam])
			continue;
		for (size_t i = 0; i < c->nodes->n; i++) {
			const struct node *m = c->nodes->v[i];
			bool is_self = m == self_node;

			if (m != n)
				judge_pair(&v, f, m, is_self ? self : facts_of(m), is_self, fam);
		}
		if (v.reason != R_NONE) {
			log_conflict(c, n, fam, &v);
			continue;
		}
		want_of(c, n, self, f, fam, &ret[fam], NULL);
	}
}

/* ---- all nodes, by sweeps ---- */

struct key {
	uint8_t a[16], b[16]; /* start and end of a CIDR, or an address / MAC in a */
	size_t idx;
};

static int key_cmp_a(const void *x, const void *y)
{
	return memcmp(((const struct key *)x)->a, ((const struct key *)y)->a, 16);
}

/* Overlapping CIDRs: sorted by start, each is compared with the one that reaches
 * farthest so far (any overlap with an earlier CIDR is an overlap with that one). */
static void sweep_overlaps(struct key *k, size_t n, struct verdict *v, const struct plan_ctx *c, size_t self)
{
	size_t far = 0;

	qsort(k, n, sizeof(*k), key_cmp_a);
	for (size_t i = 1; i < n; i++) {
		if (memcmp(k[i].a, k[far].b, 16) <= 0) {
			size_t a = k[i].idx, b = k[far].idx;

			set_verdict(&v[a], b == self ? R_SELF_CIDR : R_OVERLAP, c->nodes->v[b]);
			set_verdict(&v[b], a == self ? R_SELF_CIDR : R_OVERLAP, c->nodes->v[a]);
		}
		if (memcmp(k[i].b, k[far].b, 16) > 0)
			far = i;
	}
}

/* Equal keys (addresses or MACs) next to each other after sorting. */
static void sweep_equal(struct key *k, size_t n, struct verdict *v, const struct plan_ctx *c, size_t self,
			enum reason other_r, enum reason self_r)
{
	qsort(k, n, sizeof(*k), key_cmp_a);
	for (size_t i = 1; i < n; i++) {
		size_t a = k[i].idx, b = k[i - 1].idx;

		if (memcmp(k[i].a, k[i - 1].a, 16) != 0)
			continue;
		set_verdict(&v[a], b == self ? self_r : other_r, c->nodes->v[b]);
		set_verdict(&v[b], a == self ? self_r : other_r, c->nodes->v[a]);
	}
}

static void cidr_key(const struct ipnet *cidr, struct key *k)
{
	struct ipnet_addr last;

	ipnet_last(cidr, &last);
	memcpy(k->a, cidr->ip.a, 16);
	memcpy(k->b, last.a, 16);
}

/* Conflicts of every node in one family into v[]. */
static int family_verdicts(const struct plan_ctx *c, const struct node_facts **facts, size_t self, int fam,
			   struct verdict *v)
{
	_cleanup_free_ struct key *k = NULL;
	size_t n = c->nodes->n, m = 0;

	k = calloc(n ? n : 1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (has_cidr(facts[i], fam)) {
			cidr_key(&facts[i]->cidr[fam], &k[m]);
			k[m++].idx = i;
		}
	sweep_overlaps(k, m, v, c, self);
	m = 0;
	memset(k, 0, n * sizeof(*k));
	for (size_t i = 0; i < n; i++)
		if (has_ip(facts[i], fam)) {
			memcpy(k[m].a, facts[i]->ip[fam].a, 16);
			k[m++].idx = i;
		}
	sweep_equal(k, m, v, c, self, R_SAME_IP, R_SELF_IP);
	if (fam != NODE_V6)
		return 0;
	m = 0;
	memset(k, 0, n * sizeof(*k));
	for (size_t i = 0; i < n; i++)
		if (has_ip(facts[i], fam)) {
			plan_vtep_mac(&facts[i]->ip[fam], k[m].a);
			k[m++].idx = i;
		}
	/* Only distinct addresses can collide; equal ones are R_SAME_IP already. */
	sweep_equal(k, m, v, c, self, R_MAC, R_MAC);
	return 0;
}

int plan_full(const struct plan_ctx *c, struct plan_stats *st)
{
	_cleanup_free_ const struct node_facts **facts = NULL;
	_cleanup_free_ struct verdict *v = NULL;
	const struct node_facts *self = plan_self(c);
	size_t n = c->nodes->n, self_idx = SIZE_MAX;
	int r;

	*st = (struct plan_stats){0};
	if (!self)
		return -ENOENT;
	facts = calloc(n ? n : 1, sizeof(*facts));
	v = calloc(n ? n : 1, sizeof(*v));
	if (!facts || !v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct node *nd = c->nodes->v[i];

		if (strcmp(nd->name, c->self) == 0) {
			self_idx = i;
			facts[i] = self;
		} else {
			facts[i] = usable(c, nd, st);
		}
		nd->want[NODE_V4] = nd->want[NODE_V6] = (struct node_want){0};
	}
	for (int fam = 0; fam < _NODE_FAMILY_MAX; fam++) {
		memset(v, 0, n * sizeof(*v));
		r = family_verdicts(c, facts, self_idx, fam, v);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			if (i == self_idx || !facts[i] || !facts[i]->has_cidr[fam] || !facts[i]->has_ip[fam])
				continue;
			if (v[i].reason != R_NONE) {
				log_conflict(c, c->nodes->v[i], fam, &v[i]);
				st->conflicts++;
				continue;
			}
			want_of(c, c->nodes->v[i], self, facts[i], fam, &c->nodes->v[i]->want[fam], st);
		}
	}
	return 0;
}
