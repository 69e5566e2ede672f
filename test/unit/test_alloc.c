/* test_alloc.c: range sets and the round-robin allocator. The expected sequences are the
 * reference's (allocator_test.go cases, and runs of the Go binary for the others). */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "allocator.h"
#include "store.h"

static char tmp[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/hl-alloc-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown(void)
{
	(void)nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct ipnet_addr ip(const char *s)
{
	struct ipnet_addr a;

	ck_assert_msg(ipnet_addr_parse(s, &a) == 0, "bad IP %s", s);
	return a;
}

/* A canonical range with the reference's defaults; NULL keeps the default. */
static struct alloc_range mkrange(const char *subnet, const char *start, const char *end, const char *gw)
{
	struct alloc_range r = {0};

	ck_assert_int_eq(ipnet_parse(subnet, false, &r.subnet), 0);
	r.start = r.gateway = r.subnet.ip;
	ipnet_addr_add(&r.start, 1);
	ipnet_addr_add(&r.gateway, 1);
	ipnet_last(&r.subnet, &r.end);
	if (r.subnet.ip.family == AF_INET)
		ipnet_addr_add(&r.end, -1);
	if (start)
		r.start = ip(start);
	if (end)
		r.end = ip(end);
	if (gw)
		r.gateway = ip(gw);
	return r;
}

/* Iterate and compare with a space-separated list of expected candidates. */
static void expect_seq(const struct alloc_rangeset *s, const char *last, const char *want)
{
	struct ipnet_addr l, a;
	struct alloc_iter it;
	char got[1024] = "";

	if (last)
		l = ip(last);
	alloc_iter_init(&it, s, last ? &l : NULL);
	for (int i = 0; i < 100 && alloc_iter_next(&it, &a); i++) {
		char b[IPNET_STRLEN];
		size_t len = strlen(got);

		snprintf(got + len, sizeof(got) - len, "%s%s", len ? " " : "", ipnet_addr_fmt(&a, b));
	}
	ck_assert_str_eq(got, want);
	ck_assert_ptr_null(alloc_iter_next(&it, &a));
}

START_TEST(test_iter_single)
{
	struct alloc_range r = mkrange("192.168.1.0/29", NULL, NULL, NULL);
	struct alloc_rangeset s = {&r, 1};

	expect_seq(&s, NULL, "192.168.1.2 192.168.1.3 192.168.1.4 192.168.1.5 192.168.1.6");
	expect_seq(&s, "192.168.1.6", "192.168.1.2 192.168.1.3 192.168.1.4 192.168.1.5 192.168.1.6");
	expect_seq(&s, "192.168.1.3", "192.168.1.4 192.168.1.5 192.168.1.6 192.168.1.2 192.168.1.3");
	/* last reserved outside the set: start over at rangeStart */
	expect_seq(&s, "10.0.0.128", "192.168.1.2 192.168.1.3 192.168.1.4 192.168.1.5 192.168.1.6");
	expect_seq(&s, "192.168.1.7", "192.168.1.2 192.168.1.3 192.168.1.4 192.168.1.5 192.168.1.6");
	/* the gateway itself as last: it is in the range, so resume after it */
	expect_seq(&s, "192.168.1.1", "192.168.1.2 192.168.1.3 192.168.1.4 192.168.1.5 192.168.1.6");
}
END_TEST

START_TEST(test_iter_multi)
{
	struct alloc_range r[] = {
		mkrange("192.168.1.0/30", "192.168.1.0", "192.168.1.3", NULL),
		mkrange("192.168.2.0/30", "192.168.2.0", "192.168.2.3", NULL),
	};
	struct alloc_rangeset s = {r, 2};
	struct alloc_iter it;
	struct ipnet_addr a, l = ip("192.168.1.3");

	expect_seq(&s, NULL, "192.168.1.0 192.168.1.2 192.168.1.3 192.168.2.0 192.168.2.2 192.168.2.3");
	expect_seq(&s, "192.168.1.3",
		   "192.168.2.0 192.168.2.2 192.168.2.3 192.168.1.0 192.168.1.2 192.168.1.3");
	expect_seq(&s, "192.168.2.3",
		   "192.168.1.0 192.168.1.2 192.168.1.3 192.168.2.0 192.168.2.2 192.168.2.3");
	/* the reference's test: after the first Next from the end of range 0, the start is 2.0 */
	alloc_iter_init(&it, &s, &l);
	ck_assert_ptr_nonnull(alloc_iter_next(&it, &a));
	ck_assert(ipnet_addr_eq(&it.first, &(struct ipnet_addr){.family = AF_INET, .a = {192, 168, 2, 0}}));
}
END_TEST

START_TEST(test_iter_three_ranges_wrap)
{
	struct alloc_range r[] = {
		mkrange("10.0.0.0/30", NULL, NULL, NULL),
		mkrange("10.0.1.0/30", NULL, NULL, NULL),
		mkrange("10.0.2.0/30", NULL, NULL, NULL),
	};
	struct alloc_rangeset s = {r, 3};

	expect_seq(&s, NULL, "10.0.0.2 10.0.1.2 10.0.2.2");
	expect_seq(&s, "10.0.0.2", "10.0.1.2 10.0.2.2 10.0.0.2");
	expect_seq(&s, "10.0.2.2", "10.0.0.2 10.0.1.2 10.0.2.2");
}
END_TEST

/* A gateway elsewhere: rangeStart stays .1 (so .1 is handed out), the gateway is skipped. */
START_TEST(test_iter_gateway_middle)
{
	struct alloc_range r = mkrange("10.0.0.0/28", NULL, NULL, "10.0.0.5");
	struct alloc_rangeset s = {&r, 1};

	expect_seq(&s, NULL,
		   "10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.6 10.0.0.7 10.0.0.8 10.0.0.9 10.0.0.10 "
		   "10.0.0.11 10.0.0.12 10.0.0.13 10.0.0.14");
	expect_seq(&s, "10.0.0.4",
		   "10.0.0.6 10.0.0.7 10.0.0.8 10.0.0.9 10.0.0.10 10.0.0.11 10.0.0.12 10.0.0.13 10.0.0.14 "
		   "10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4");
	/* explicit bounds around a gateway that is their only address: nothing */
	r = mkrange("10.0.0.0/28", "10.0.0.5", "10.0.0.5", "10.0.0.5");
	expect_seq(&s, NULL, "");
}
END_TEST

START_TEST(test_iter_ipv6)
{
	struct alloc_range r = mkrange("2001:db8::/126", NULL, NULL, NULL);
	struct alloc_rangeset s = {&r, 1};
	struct alloc_range big = mkrange("2001:db8:1::/64", NULL, NULL, NULL);
	struct alloc_rangeset b = {&big, 1};
	struct alloc_iter it;
	struct ipnet_addr a, l = ip("2001:db8:1::ffff:ffff:ffff:ffff");
	char buf[IPNET_STRLEN];

	/* IPv6 ranges end at the last address itself (no broadcast) */
	expect_seq(&s, NULL, "2001:db8::2 2001:db8::3");
	alloc_iter_init(&it, &b, NULL);
	ck_assert_ptr_nonnull(alloc_iter_next(&it, &a));
	ck_assert_str_eq(ipnet_addr_fmt(&a, buf), "2001:db8:1::2");
	alloc_iter_init(&it, &b, &l);
	ck_assert_ptr_nonnull(alloc_iter_next(&it, &a));
	ck_assert_str_eq(ipnet_addr_fmt(&a, buf), "2001:db8:1::2");
}
END_TEST

START_TEST(test_contains_overlap)
{
	struct alloc_range a = mkrange("10.0.0.0/24", "10.0.0.10", "10.0.0.20", NULL);
	struct alloc_range b = mkrange("10.0.0.0/24", "10.0.0.20", "10.0.0.30", NULL);
	struct alloc_range c = mkrange("10.0.0.0/24", "10.0.0.21", "10.0.0.30", NULL);
	struct alloc_range d = mkrange("2001:db8::/64", NULL, NULL, NULL);
	struct alloc_rangeset s = {(struct alloc_range[]){a, c}, 2};
	char buf[ALLOC_SET_STRLEN];
	struct ipnet_addr x;

	x = ip("10.0.0.9");
	ck_assert(!alloc_range_contains(&a, &x));
	x = ip("10.0.0.10");
	ck_assert(alloc_range_contains(&a, &x));
	x = ip("10.0.0.20");
	ck_assert(alloc_range_contains(&a, &x));
	x = ip("::ffff:10.0.0.15");
	ck_assert(alloc_range_contains(&a, &x));
	x = ip("2001:db8::5");
	ck_assert(!alloc_range_contains(&a, &x));
	ck_assert(alloc_range_overlaps(&a, &b));
	ck_assert(!alloc_range_overlaps(&a, &c));
	ck_assert(!alloc_range_overlaps(&a, &d));
	x = ip("10.0.0.25");
	ck_assert_ptr_eq(alloc_rangeset_find(&s, &x), &s.ranges[1]);
	ck_assert_str_eq(alloc_rangeset_fmt(&s, buf), "10.0.0.10-10.0.0.20,10.0.0.21-10.0.0.30");
}
END_TEST

/* ---- with a store ---- */

struct rr_case {
	const char *subnets[3];
	const char *taken[5];
	const char *last;
	const char *want;
};

/* The reference's "should allocate ips in round robin" table. */
static const struct rr_case rr_cases[] = {
	{{"10.0.0.0/29"}, {NULL}, NULL, "10.0.0.2"},
	{{"2001:db8:1::0/64"}, {NULL}, NULL, "2001:db8:1::2"},
	{{"10.0.0.0/30"}, {NULL}, NULL, "10.0.0.2"},
	{{"10.0.0.0/29"}, {"10.0.0.2"}, NULL, "10.0.0.3"},
	{{"10.0.0.0/29"}, {NULL}, "10.0.0.5", "10.0.0.6"},
	{{"10.0.0.0/29"}, {"10.0.0.4", "10.0.0.5"}, "10.0.0.3", "10.0.0.6"},
	{{"10.0.0.0/29"}, {"10.0.0.6"}, "10.0.0.5", "10.0.0.2"},
	{{"10.0.0.0/29"}, {"10.0.0.2"}, "10.0.0.128", "10.0.0.3"},
	{{"10.0.0.0/29"}, {"10.0.0.2", "10.0.0.4", "10.0.0.5", "10.0.0.6"}, "10.0.0.3", "10.0.0.3"},
	{{"10.0.0.0/30", "10.0.1.0/30"}, {NULL}, NULL, "10.0.0.2"},
	{{"10.0.0.0/30", "10.0.1.0/30"}, {NULL}, "10.0.0.2", "10.0.1.2"},
	{{"10.0.0.0/30", "10.0.1.0/30", "10.0.2.0/30"}, {NULL}, "10.0.2.2", "10.0.0.2"},
};

static void write_last(const char *net, const char *last)
{
	char p[160];
	int fd;

	snprintf(p, sizeof(p), "%s/%s/last_reserved_ip.0", tmp, net);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, last, strlen(last)), (ssize_t)strlen(last));
	close(fd);
}

START_TEST(test_round_robin_table)
{
	const struct rr_case *c = &rr_cases[_i];
	struct alloc_range r[3];
	struct alloc_rangeset s = {r, 0};
	struct cni_error err = {0};
	struct store *st = NULL;
	struct cni_ip out;
	char net[16], buf[IPNET_STRLEN];

	for (; s.n < 3 && c->subnets[s.n]; s.n++)
		r[s.n] = mkrange(c->subnets[s.n], NULL, NULL, NULL);
	snprintf(net, sizeof(net), "n%d", _i);
	ck_assert_int_eq(store_open(tmp, net, 1000, &st, NULL), 0);
	for (int k = 0; k < 5 && c->taken[k]; k++) {
		struct ipnet_addr a = ip(c->taken[k]);

		ck_assert_int_eq(store_reserve(st, "id", "eth9", &a, 9), 1);
	}
	if (c->last)
		write_last(net, c->last);
	ck_assert_int_eq(alloc_get(st, &s, 0, "ID", "eth0", NULL, &out, &err), 0);
	ck_assert_str_eq(ipnet_addr_fmt(&out.address.ip, buf), c->want);
	ck_assert_int_eq(out.iface, -1);
	store_close(st);
}
END_TEST

static struct store *open_net(const char *net)
{
	struct store *st = NULL;

	ck_assert_int_eq(store_open(tmp, net, 1000, &st, NULL), 0);
	return st;
}

static void get_ok(struct store *st, const struct alloc_rangeset *s, const char *id, const char *want)
{
	struct cni_error err = {0};
	struct cni_ip out;
	char buf[IPNET_STRLEN];

	ck_assert_msg(alloc_get(st, s, 0, id, "eth0", NULL, &out, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(ipnet_fmt(&out.address, buf), want);
}

START_TEST(test_no_broadcast_and_exhaustion)
{
	struct alloc_range r = mkrange("192.168.1.0/29", NULL, NULL, NULL);
	struct alloc_rangeset s = {&r, 1};
	struct store *st = open_net("net");
	struct cni_error err = {0};
	struct cni_ip out;
	char buf[IPNET_STRLEN];

	for (int i = 2; i < 7; i++) {
		char id[8], want[32];

		snprintf(id, sizeof(id), "ID%d", i);
		snprintf(want, sizeof(want), "192.168.1.%d/29", i);
		get_ok(st, &s, id, want);
	}
	ck_assert_int_lt(alloc_get(st, &s, 0, "ID8", "eth0", NULL, &out, &err), 0);
	ck_assert_int_eq(err.code, 999);
	ck_assert_str_eq(err.msg, "failed to allocate for range 0: no IP addresses available in range set: "
				  "192.168.1.1-192.168.1.6");
	ck_assert_str_eq(ipnet_addr_fmt(&r.gateway, buf), "192.168.1.1");
	store_close(st);
}
END_TEST

START_TEST(test_exhaustion_multi)
{
	struct alloc_range r[] = {mkrange("10.0.0.0/30", NULL, NULL, NULL),
				  mkrange("10.0.1.0/30", NULL, NULL, NULL)};
	struct alloc_rangeset s = {r, 2};
	struct store *st = open_net("net");
	struct cni_error err = {0};
	struct cni_ip out;

	get_ok(st, &s, "a", "10.0.0.2/30");
	get_ok(st, &s, "b", "10.0.1.2/30");
	ck_assert_int_lt(alloc_get(st, &s, 0, "c", "eth0", NULL, &out, &err), 0);
	ck_assert_str_eq(err.msg, "failed to allocate for range 0: no IP addresses available in range set: "
				  "10.0.0.1-10.0.0.2,10.0.1.1-10.0.1.2");
	store_close(st);
}
END_TEST

/* A released IP is not handed out again straight away. */
START_TEST(test_release_then_allocate)
{
	struct alloc_range r = mkrange("192.168.1.0/29", NULL, NULL, NULL);
	struct alloc_rangeset s = {&r, 1};
	struct store *st = open_net("net");

	get_ok(st, &s, "ID", "192.168.1.2/29");
	ck_assert_int_eq(store_release_by_id(st, "ID", "eth0"), 1);
	get_ok(st, &s, "ID", "192.168.1.3/29");
	store_close(st);
	/* and across operations (last_reserved_ip on disk) */
	st = open_net("net");
	ck_assert_int_eq(store_release_by_id(st, "ID", "eth0"), 1);
	store_close(st);
	st = open_net("net");
	get_ok(st, &s, "ID", "192.168.1.4/29");
	store_close(st);
}
END_TEST

START_TEST(test_duplicate)
{
	struct alloc_range r = mkrange("192.168.1.0/29", NULL, NULL, NULL);
	struct alloc_range other = mkrange("10.0.0.0/24", NULL, NULL, NULL);
	struct alloc_rangeset s = {&r, 1}, o = {&other, 1};
	struct store *st = open_net("net");
	struct cni_error err = {0};
	struct cni_ip out;

	get_ok(st, &s, "ID", "192.168.1.2/29");
	ck_assert_int_lt(alloc_get(st, &s, 0, "ID", "eth0", NULL, &out, &err), 0);
	ck_assert_str_eq(err.msg, "failed to allocate for range 0: 192.168.1.2 has been allocated to ID, "
				  "duplicate allocation is not allowed");
	/* another interface, or another range set, is fine */
	err = (struct cni_error){0};
	ck_assert_int_eq(alloc_get(st, &s, 0, "ID", "net1", NULL, &out, &err), 0);
	get_ok(st, &o, "ID", "10.0.0.2/24");
	store_close(st);
}
END_TEST

START_TEST(test_requested)
{
	struct alloc_range r = mkrange("192.168.1.0/29", NULL, NULL, NULL);
	struct alloc_rangeset s = {&r, 1};
	struct store *st = open_net("net");
	struct cni_error err = {0};
	struct ipnet_addr req = ip("192.168.1.5"), gw = ip("192.168.1.1"), out_of = ip("192.168.1.7");
	struct ipnet_addr last;
	struct cni_ip out;
	char buf[IPNET_STRLEN];

	ck_assert_int_eq(alloc_get(st, &s, 0, "ID", "eth0", &req, &out, &err), 0);
	ck_assert_str_eq(ipnet_fmt(&out.address, buf), "192.168.1.5/29");
	ck_assert_str_eq(ipnet_addr_fmt(&out.gateway, buf), "192.168.1.1");
	/* a requested IP moves the round-robin position too, as in the reference */
	ck_assert_int_eq(store_last_reserved(st, 0, &last), 1);
	ck_assert(ipnet_addr_eq(&last, &req));
	ck_assert_int_lt(alloc_get(st, &s, 0, "ID2", "eth0", &req, &out, &err), 0);
	ck_assert_str_eq(err.msg, "failed to allocate for range 0: requested IP address 192.168.1.5 is not "
				  "available in range set 192.168.1.1-192.168.1.6");
	err = (struct cni_error){0};
	ck_assert_int_lt(alloc_get(st, &s, 0, "ID3", "eth0", &gw, &out, &err), 0);
	ck_assert_str_eq(err.msg,
			 "failed to allocate for range 0: requested ip 192.168.1.1 is subnet's gateway");
	err = (struct cni_error){0};
	ck_assert_int_lt(alloc_get(st, &s, 0, "ID4", "eth0", &out_of, &out, &err), 0);
	ck_assert_str_eq(err.msg, "failed to allocate for range 0: 192.168.1.7 not in range set "
				  "192.168.1.1-192.168.1.6");
	/* the requested path does not check duplicates (reference behaviour) */
	req = ip("192.168.1.6");
	err = (struct cni_error){0};
	ck_assert_int_eq(alloc_get(st, &s, 0, "ID", "eth0", &req, &out, &err), 0);
	store_close(st);
}
END_TEST

START_TEST(test_requested_bounds)
{
	struct alloc_range r = mkrange("192.168.1.0/29", "192.168.1.3", "192.168.1.4", NULL);
	struct alloc_rangeset s = {&r, 1};
	struct store *st = open_net("net");
	struct cni_error err = {0};
	struct ipnet_addr before = ip("192.168.1.2"), after = ip("192.168.1.5");
	struct cni_ip out;

	ck_assert_int_lt(alloc_get(st, &s, 0, "ID", "eth0", &before, &out, &err), 0);
	err = (struct cni_error){0};
	ck_assert_int_lt(alloc_get(st, &s, 0, "ID", "eth0", &after, &out, &err), 0);
	store_close(st);
}
END_TEST

START_TEST(test_ipv6_alloc)
{
	struct alloc_range r = mkrange("2001:db8:1::/64", NULL, NULL, NULL);
	struct alloc_rangeset s = {&r, 1};
	struct store *st = open_net("net");
	struct cni_error err = {0};
	struct cni_ip out;
	char buf[IPNET_STRLEN];

	get_ok(st, &s, "a", "2001:db8:1::2/64");
	get_ok(st, &s, "b", "2001:db8:1::3/64");
	ck_assert_int_eq(alloc_get(st, &s, 0, "c", "eth1", NULL, &out, &err), 0);
	ck_assert_str_eq(ipnet_addr_fmt(&out.gateway, buf), "2001:db8:1::1");
	store_close(st);
}
END_TEST

Suite *alloc_suite(void)
{
	Suite *s = suite_create("alloc");
	TCase *pure = tcase_create("iter"), *tc = tcase_create("alloc");

	tcase_add_test(pure, test_iter_single);
	tcase_add_test(pure, test_iter_multi);
	tcase_add_test(pure, test_iter_three_ranges_wrap);
	tcase_add_test(pure, test_iter_gateway_middle);
	tcase_add_test(pure, test_iter_ipv6);
	tcase_add_test(pure, test_contains_overlap);
	suite_add_tcase(s, pure);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_round_robin_table, 0, (int)ELEMENTSOF(rr_cases));
	tcase_add_test(tc, test_no_broadcast_and_exhaustion);
	tcase_add_test(tc, test_exhaustion_multi);
	tcase_add_test(tc, test_release_then_allocate);
	tcase_add_test(tc, test_duplicate);
	tcase_add_test(tc, test_requested);
	tcase_add_test(tc, test_requested_bounds);
	tcase_add_test(tc, test_ipv6_alloc);
	suite_add_tcase(s, tc);
	return s;
}
