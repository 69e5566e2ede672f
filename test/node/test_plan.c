/* test_plan.c: conflicts, direct or VXLAN, and the equivalence of the two planners (the
 * sweep over all nodes and the scan for one node), checked on random clusters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "util.h"

/* This node is "self" at 10.0.0.1 / fd00::1 on link 7 (10.0.0.0/24, fd00::/64). */
static struct onlink links4[] = {{.oif = 7}}, links6[] = {{.oif = 7}};
static struct onlink_set onlink;

static void setup(void)
{
	links4[0].net = CIDR("10.0.0.0/24");
	links6[0].net = CIDR("fd00::/64");
	onlink = (struct onlink_set){.v = {links4, links6}, .n = {1, 1}};
}

static struct node_want (*plan_all(struct nodes *t, struct capture *cap, struct plan_stats *st))[_NODE_FAMILY_MAX]
{
	struct logger log;
	struct plan_ctx c = {.nodes = t, .self = "self", .onlink = &onlink, .log = &log};
	struct node_want (*w)[_NODE_FAMILY_MAX] = calloc(t->n + 1, sizeof(*w));

	capture_init(cap, &log);
	ck_assert_int_eq(plan_full(&c, st), 0);
	for (size_t i = 0; i < t->n; i++)
		memcpy(w[i], t->v[i]->want, sizeof(w[i]));
	return w;
}

static const struct node_want *want_of(struct nodes *t, struct node_want (*w)[_NODE_FAMILY_MAX], const char *name,
				       int fam)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i]->name, name) == 0)
			return &w[i][fam];
	ck_abort_msg("no node %s", name);
	return NULL;
}

START_TEST(direct_and_vxlan)
{
	struct nodes t = {0};
	struct capture cap;
	struct plan_stats st;
	struct node_want (*w)[_NODE_FAMILY_MAX];
	const struct node_want *a, *b;
	struct ipnet_addr gw = IP("10.0.0.2"), vtep = IP("10.244.3.0"), remote = IP("192.168.9.9");

	table_put(&t, "self", "10.244.1.0/24,fd10:1::/64", "10.0.0.1,fd00::1");
	table_put(&t, "near", "10.244.2.0/24", "10.0.0.2");
	table_put(&t, "far", "10.244.3.0/24", "192.168.9.9");
	table_put(&t, "bare", "", "10.0.0.4");
	table_put(&t, "noip", "10.244.5.0/24", "");
	w = plan_all(&t, &cap, &st);
	a = want_of(&t, w, "near", NODE_V4);
	ck_assert(a->route && !a->vxlan && a->oif == 7 && ipnet_addr_eq(&a->gw, &gw));
	b = want_of(&t, w, "far", NODE_V4);
	ck_assert(b->route && b->vxlan && ipnet_addr_eq(&b->gw, &vtep) && ipnet_addr_eq(&b->remote, &remote));
	ck_assert(b->mac[0] == 0x0e && b->mac[1] == 0x76 && b->mac[2] == 192 && b->mac[5] == 9);
	ck_assert(!want_of(&t, w, "self", NODE_V4)->route);
	ck_assert(!want_of(&t, w, "bare", NODE_V4)->route);
	ck_assert(!want_of(&t, w, "noip", NODE_V4)->route);
	ck_assert_uint_eq(st.direct, 1);
	ck_assert_uint_eq(st.vxlan, 1);
	ck_assert_uint_eq(st.skipped, 2);
	ck_assert(captured_has(&cap, "node bare has no podCIDR yet: skipped"));
	ck_assert(captured_has(&cap, "node noip has no InternalIP yet: skipped"));
	free(w);
	/* Skips are said once per state; a second plan is silent about them. */
	w = plan_all(&t, &cap, &st);
	ck_assert(!captured_has(&cap, "skipped"));
	free(w);
	nodes_done(&t);
}
END_TEST

START_TEST(conflicts)
{
	struct nodes t = {0};
	struct capture cap;
	struct plan_stats st;
	struct node_want (*w)[_NODE_FAMILY_MAX];

	table_put(&t, "self", "10.244.1.0/24", "10.0.0.1");
	table_put(&t, "ok", "10.244.2.0/24", "10.0.0.2");
	table_put(&t, "big", "10.244.16.0/20", "10.0.0.3");
	table_put(&t, "small", "10.244.17.0/24", "10.0.0.4");
	table_put(&t, "mine", "10.244.1.128/25", "10.0.0.5");
	table_put(&t, "myip", "10.244.6.0/24", "10.0.0.1");
	table_put(&t, "dup1", "10.244.7.0/24", "10.0.0.7");
	table_put(&t, "dup2", "10.244.8.0/24", "10.0.0.7");
	w = plan_all(&t, &cap, &st);
	ck_assert(want_of(&t, w, "ok", NODE_V4)->route);
	for (const char *const *n = (const char *const[]){"big", "small", "mine", "myip", "dup1", "dup2", NULL}; *n; n++)
		ck_assert_msg(!want_of(&t, w, *n, NODE_V4)->route, "%s got a route", *n);
	ck_assert_uint_eq(st.conflicts, 6);
	ck_assert(captured_has(&cap, "node big: pod CIDR 10.244.16.0/20 overlaps node small's: neither gets a route"));
	ck_assert(captured_has(&cap, "node small: pod CIDR 10.244.17.0/24 overlaps node big's"));
	ck_assert(captured_has(&cap, "node mine: pod CIDR 10.244.1.128/25 overlaps this node's"));
	ck_assert(captured_has(&cap, "node myip: InternalIP 10.0.0.1 is this node's"));
	ck_assert(captured_has(&cap, "node dup1: InternalIP 10.0.0.7 is also node dup2's"));
	free(w);
	/* Logged at every reconcile, not once. */
	w = plan_all(&t, &cap, &st);
	ck_assert(captured_has(&cap, "overlaps node small's"));
	free(w);
	nodes_done(&t);
}
END_TEST

START_TEST(malformed_keeps_last_good)
{
	struct nodes t = {0};
	struct capture cap;
	struct plan_stats st;
	struct node_want (*w)[_NODE_FAMILY_MAX];
	json_t *bad = J("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"podCIDRs\":[\"10.244.9.1/24\"]}}");
	struct node e = {0}, *n;
	struct node_facts old;
	bool had;

	table_put(&t, "self", "10.244.1.0/24", "10.0.0.1");
	table_put(&t, "a", "10.244.2.0/24", "10.0.0.2");
	(void)node_parse(bad, &e);
	ck_assert_int_eq(nodes_upsert(&t, &e, &n, &old, &had), 0);
	node_done(&e);
	w = plan_all(&t, &cap, &st);
	ck_assert(want_of(&t, w, "a", NODE_V4)->route);
	ck_assert_uint_eq(want_of(&t, w, "a", NODE_V4)->dst.ip.a[2], 2);
	ck_assert(captured_has(&cap, "node a: pod CIDR 10.244.9.1/24 has host bits"));
	ck_assert(captured_has(&cap, "keeping the routes of its last good state"));
	ck_assert_uint_eq(st.unknown, 0);
	free(w);
	/* A malformed node never seen good: nothing to route, and deletions are held. */
	(void)node_parse(bad, &e);
	free(e.name);
	e.name = strdup("new");
	ck_assert_int_eq(nodes_upsert(&t, &e, &n, &old, &had), 0);
	node_done(&e);
	w = plan_all(&t, &cap, &st);
	ck_assert_uint_eq(st.unknown, 1);
	ck_assert(!want_of(&t, w, "new", NODE_V4)->route);
	free(w);
	json_decref(bad);
	nodes_done(&t);
}
END_TEST

START_TEST(vtep_macs)
{
	struct ipnet_addr v4 = IP("10.1.2.3"), v6 = IP("fd00::1"), v6b = IP("fd00::2");
	uint8_t m[6], m2[6];

	plan_vtep_mac(&v4, m);
	ck_assert(m[0] == 0x0e && m[1] == 0x76 && m[2] == 10 && m[3] == 1 && m[4] == 2 && m[5] == 3);
	plan_vtep_mac(&v6, m);
	ck_assert_int_eq(m[0] & 3, 2); /* unicast, locally administered */
	plan_vtep_mac(&v6b, m2);
	ck_assert(memcmp(m, m2, 6) != 0);
	plan_vtep_mac(&v6, m2);
	ck_assert(memcmp(m, m2, 6) == 0); /* a function of the address */
}
END_TEST

/* ---- random clusters: the sweep and the scan agree; plan_touches() finds every node
 * whose verdict a change can move ---- */

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8) & 0xffff;
}

static void random_node(struct nodes *t, const char *name, unsigned *seed)
{
	char c4[32] = "", c6[48] = "", ip4[32] = "", ip6[48] = "", cidrs[96], ips[96];
	unsigned k = rnd(seed);

	/* A small space, so that overlaps and shared addresses happen. */
	if (k % 7)
		snprintf(c4, sizeof(c4), "10.244.%u.0/%u", rnd(seed) % 24 & ~1u, k % 5 == 0 ? 23 : 24);
	if (k % 3)
		snprintf(c6, sizeof(c6), "fd10:%x::/64", rnd(seed) % 24);
	if (k % 11)
		snprintf(ip4, sizeof(ip4), "%s.%u", rnd(seed) % 4 ? "10.0.0" : "192.168.5", 1 + rnd(seed) % 40);
	if (c6[0] || k % 2)
		snprintf(ip6, sizeof(ip6), "%s%x", rnd(seed) % 4 ? "fd00::" : "fd05::", 1 + rnd(seed) % 40);
	if (!ip4[0] && c4[0])
		c4[0] = '\0'; /* keep families consistent: no parse errors here */
	if (!ip6[0] && c6[0])
		c6[0] = '\0';
	snprintf(cidrs, sizeof(cidrs), "%s%s%s", c4, c4[0] && c6[0] ? "," : "", c6);
	snprintf(ips, sizeof(ips), "%s%s%s", ip4, ip4[0] && ip6[0] ? "," : "", ip6);
	table_put(t, name, cidrs, ips);
}

START_TEST(random_equivalence)
{
	unsigned seed = 12345u + (unsigned)_i * 7919u;
	struct nodes t = {0};
	struct capture cap;
	struct plan_stats st;
	struct logger log;
	struct plan_ctx c = {.nodes = &t, .self = "self", .onlink = &onlink, .log = &log};
	struct node_want (*before)[_NODE_FAMILY_MAX], (*after)[_NODE_FAMILY_MAX];
	struct node_facts fa, fb;
	bool had_a, had_b;
	char name[16];
	size_t changed_idx;

	capture_init(&cap, &log);
	table_put(&t, "self", "10.244.1.0/24,fd10:1::/64", "10.0.0.1,fd00::1");
	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "n%02d", i);
		random_node(&t, name, &seed);
	}
	before = plan_all(&t, &cap, &st);
	for (size_t i = 0; i < t.n; i++) {
		struct node_want w[_NODE_FAMILY_MAX];

		if (strcmp(t.v[i]->name, "self") == 0)
			continue;
		plan_node(&c, t.v[i], w);
		for (int f = 0; f < _NODE_FAMILY_MAX; f++)
			ck_assert_msg(node_want_eq(&w[f], &before[i][f]), "seed %d: %s family %d: scan and sweep differ", _i,
				      t.v[i]->name, f);
	}
	/* Change one node; every node whose want moved must be that node or one it touches. */
	changed_idx = (size_t)rnd(&seed) % t.n;
	if (strcmp(t.v[changed_idx]->name, "self") == 0)
		changed_idx = (changed_idx + 1) % t.n;
	snprintf(name, sizeof(name), "%s", t.v[changed_idx]->name);
	had_a = node_effective(t.v[changed_idx]) != NULL;
	if (had_a)
		fa = *node_effective(t.v[changed_idx]);
	random_node(&t, name, &seed);
	had_b = node_effective(nodes_find(&t, name)) != NULL;
	if (had_b)
		fb = *node_effective(nodes_find(&t, name));
	after = plan_all(&t, &cap, &st);
	for (size_t i = 0; i < t.n; i++) {
		bool moved = !node_want_eq(&before[i][0], &after[i][0]) || !node_want_eq(&before[i][1], &after[i][1]);

		if (!moved || strcmp(t.v[i]->name, name) == 0)
			continue;
		ck_assert_msg(plan_touches(node_effective(t.v[i]), had_a ? &fa : NULL, had_b ? &fb : NULL),
			      "seed %d: %s moved when %s changed, but is not touched", _i, t.v[i]->name, name);
	}
	free(before);
	free(after);
	nodes_done(&t);
}
END_TEST

Suite *plan_suite(void);
Suite *plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, direct_and_vxlan);
	tcase_add_test(tc, conflicts);
	tcase_add_test(tc, malformed_keeps_last_good);
	tcase_add_test(tc, vtep_macs);
	tcase_add_loop_test(tc, random_equivalence, 0, 200);
	suite_add_tcase(s, tc);
	return s;
}
