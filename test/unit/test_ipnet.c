/* test_ipnet.c: addresses and prefixes: parsing, Go-compatible text forms, arithmetic. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "ipnet.h"

static struct ipnet_addr A(const char *s)
{
	struct ipnet_addr a;

	ck_assert_msg(ipnet_addr_parse(s, &a) == 0, "cannot parse %s", s);
	return a;
}

static struct ipnet N(const char *s)
{
	struct ipnet n;

	ck_assert_msg(ipnet_parse(s, false, &n) == 0, "cannot parse %s", s);
	return n;
}

#define ck_assert_addr(a, text)                                                   \
	do {                                                                      \
		char buf_[IPNET_STRLEN];                                          \
		ck_assert_str_eq(ipnet_addr_fmt(&(a), buf_), (text));             \
	} while (0)

#define ck_assert_net(n, text)                                                    \
	do {                                                                      \
		char buf_[IPNET_STRLEN];                                          \
		ck_assert_str_eq(ipnet_fmt(&(n), buf_), (text));                  \
	} while (0)

/* ---- parsing ---- */

START_TEST(parse_v4)
{
	struct ipnet_addr a = A("10.1.2.3");
	static const uint8_t b[4] = {10, 1, 2, 3};

	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_mem_eq(a.a, b, 4);
	a = A("0.0.0.0");
	ck_assert(ipnet_addr_is_zero(&a));
	a = A("255.255.255.255");
	ck_assert_uint_eq(a.a[0] & a.a[1] & a.a[2] & a.a[3], 255);
}
END_TEST

START_TEST(parse_v6)
{
	struct ipnet_addr a = A("2001:db8::1");
	static const uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_mem_eq(a.a, b, 16);
	a = A("::");
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert(ipnet_addr_is_zero(&a));
	a = A("2001:DB8::A");
	ck_assert_uint_eq(a.a[15], 0xa);
}
END_TEST

static const char *const bad_addrs[] = {
	"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-1", "01.2.3.4", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4/32",
	"::g", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", "2001:db8::1%eth0", "10.0.0.1x", "localhost", "0x0a.0.0.1",
};

START_TEST(parse_addr_invalid)
{
	struct ipnet_addr a = {.family = 99};

	ck_assert_msg(ipnet_addr_parse(bad_addrs[_i], &a) == -EINVAL, "\"%s\" accepted", bad_addrs[_i]);
	ck_assert_int_eq(a.family, 99); /* untouched on failure */
}
END_TEST

START_TEST(parse_addr_null)
{
	struct ipnet_addr a;
	struct ipnet n;

	ck_assert_int_eq(ipnet_addr_parse(NULL, &a), -EINVAL);
	ck_assert_int_eq(ipnet_parse(NULL, true, &n), -EINVAL);
}
END_TEST

START_TEST(parse_v4_mapped)
{
	/* Go's net.ParseIP: an IPv4-mapped IPv6 address is the IPv4 address. */
	struct ipnet_addr a = A("::ffff:10.1.2.3"), b = A("10.1.2.3"), c = A("::ffff:a01:203");

	ck_assert_int_eq(a.family, AF_INET);
	ck_assert(ipnet_addr_eq(&a, &b));
	ck_assert(ipnet_addr_eq(&c, &b));
	ck_assert_addr(a, "10.1.2.3");
	/* Not mapped: ::ffff:0:0/96 only, not the IPv4-compatible or translated forms. */
	a = A("::10.1.2.3");
	ck_assert_int_eq(a.family, AF_INET6);
	a = A("64:ff9b::10.1.2.3");
	ck_assert_int_eq(a.family, AF_INET6);
}
END_TEST

struct cidr_case {
	const char *in;
	int family;
	unsigned prefix;
	const char *text; /* ipnet_fmt of the result (host bits kept) */
};

static const struct cidr_case good_cidrs[] = {
	{"10.0.0.5/24", AF_INET, 24, "10.0.0.5/24"},
	{"0.0.0.0/0", AF_INET, 0, "0.0.0.0/0"},
	{"10.0.0.1/32", AF_INET, 32, "10.0.0.1/32"},
	{"192.168.1.0/31", AF_INET, 31, "192.168.1.0/31"},
	{"::/0", AF_INET6, 0, "::/0"},
	{"2001:db8::1/64", AF_INET6, 64, "2001:db8::1/64"},
	{"2001:db8::1/128", AF_INET6, 128, "2001:db8::1/128"},
	{"2001:0DB8:0:0::1/127", AF_INET6, 127, "2001:db8::1/127"},
	/* A mapped address written as IPv6 has a 128-bit prefix: /104 is the IPv4 /8. */
	{"::ffff:10.0.0.0/104", AF_INET, 8, "10.0.0.0/8"},
	{"::ffff:10.0.0.7/128", AF_INET, 32, "10.0.0.7/32"},
	{"::ffff:0.0.0.0/96", AF_INET, 0, "0.0.0.0/0"},
};

START_TEST(parse_cidr)
{
	const struct cidr_case *c = &good_cidrs[_i];
	struct ipnet n;

	ck_assert_msg(ipnet_parse(c->in, false, &n) == 0, "%s rejected", c->in);
	ck_assert_int_eq(n.ip.family, c->family);
	ck_assert_uint_eq(n.prefix, c->prefix);
	ck_assert_net(n, c->text);
}
END_TEST

static const char *const bad_cidrs[] = {
	"10.0.0.1/33", "2001:db8::/129", "10.0.0.1/", "10.0.0.1/-1", "10.0.0.1/+8", "10.0.0.1/ 8", "10.0.0.1/08",
	"10.0.0.1/8x", "10.0.0.1/24/1", "/24", "10.0.0/24", "10.0.0.1/99999999999999999999", "::ffff:10.0.0.0/95",
	"::ffff:10.0.0.0/129", "10.0.0.1/0x10", "2001:db8::/00", "",
};

START_TEST(parse_cidr_invalid)
{
	struct ipnet n = {.prefix = 777};

	ck_assert_msg(ipnet_parse(bad_cidrs[_i], false, &n) == -EINVAL, "\"%s\" accepted", bad_cidrs[_i]);
	ck_assert_msg(ipnet_parse(bad_cidrs[_i], true, &n) == -EINVAL, "\"%s\" accepted (bare)", bad_cidrs[_i]);
	ck_assert_uint_eq(n.prefix, 777);
}
END_TEST

START_TEST(parse_bare)
{
	struct ipnet n;

	ck_assert_int_eq(ipnet_parse("10.0.0.1", false, &n), -EINVAL);
	ck_assert_int_eq(ipnet_parse("10.0.0.1", true, &n), 0);
	ck_assert_uint_eq(n.prefix, 32);
	ck_assert_int_eq(ipnet_parse("2001:db8::1", true, &n), 0);
	ck_assert_uint_eq(n.prefix, 128);
	ck_assert_int_eq(ipnet_parse("::ffff:10.0.0.1", true, &n), 0);
	ck_assert_int_eq(n.ip.family, AF_INET);
	ck_assert_uint_eq(n.prefix, 32);
	ck_assert_int_eq(ipnet_parse("garbage", true, &n), -EINVAL);
}
END_TEST

/* ---- formatting: Go's net.IP.String(), i.e. RFC 5952 ---- */

struct fmt_case {
	const char *in, *out;
};

static const struct fmt_case fmt_cases[] = {
	{"10.0.0.1", "10.0.0.1"},
	{"0.0.0.0", "0.0.0.0"},
	{"255.255.255.255", "255.255.255.255"},
	{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"}, /* 4.1 leading zeros, 4.2.1 :: */
	{"2001:DB8::A", "2001:db8::a"},				    /* 4.3 lower case */
	{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},	    /* 4.2.2 one 0 field stays */
	{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},		    /* 4.2.3 tie: the first run */
	{"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},		    /* 4.2.3 the longest run */
	{"2001:db8:0:0:1::", "2001:db8:0:0:1::"},
	{"::", "::"},
	{"::1", "::1"},
	{"1::", "1::"},
	{"fe80::1:0:0:0", "fe80::1:0:0:0"},
	{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
	{"1:0:1:1:1:1:1:1", "1:0:1:1:1:1:1:1"},
	{"::ffff:1.2.3.4", "1.2.3.4"}, /* mapped: IPv4 */
};

START_TEST(fmt_rfc5952)
{
	struct ipnet_addr a = A(fmt_cases[_i].in);

	ck_assert_addr(a, fmt_cases[_i].out);
}
END_TEST

/* Go prints these in hex: only ::ffff:0:0/96 gets the dotted tail. glibc's inet_ntop also
 * dots "::a.b.c.d" (deprecated IPv4-compatible), so the host-local store file of such an
 * address would be named differently from the reference's. Fails until pkg/ipnet.c
 * formats IPv6 itself (patch in the test report). */
static const struct fmt_case fmt_go_cases[] = {
	{"::1:2", "::1:2"},
	{"::102:304", "::102:304"},
	{"::1.2.3.4", "::102:304"},
	{"::ffff:0:1.2.3.4", "::ffff:0:102:304"},
	{"64:ff9b::1.2.3.4", "64:ff9b::102:304"},
	{"::2:0:0", "::2:0:0"},
};

START_TEST(fmt_go_no_ipv4_compatible_form)
{
	struct ipnet_addr a = A(fmt_go_cases[_i].in);

	ck_assert_addr(a, fmt_go_cases[_i].out);
}
END_TEST

START_TEST(fmt_unset_and_cidr)
{
	struct ipnet_addr none = {0};
	struct ipnet n = N("10.0.0.5/24");
	char buf[IPNET_STRLEN];

	ck_assert_addr(none, "<nil>");
	ck_assert_ptr_eq(ipnet_addr_fmt(&none, buf), buf);
	ck_assert_net(n, "10.0.0.5/24");
	n = N("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	ck_assert_net(n, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	ck_assert_uint_lt(strlen(buf), IPNET_STRLEN);
}
END_TEST

/* ---- comparison ---- */

START_TEST(compare)
{
	struct ipnet_addr a = A("10.0.0.1"), b = A("10.0.0.2"), c = A("10.0.0.1"), d = A("::1"), z4 = A("0.0.0.0"),
			  z6 = A("::");

	ck_assert(ipnet_addr_eq(&a, &c));
	ck_assert(!ipnet_addr_eq(&a, &b));
	ck_assert_int_lt(ipnet_addr_cmp(&a, &b), 0);
	ck_assert_int_gt(ipnet_addr_cmp(&b, &a), 0);
	ck_assert_int_eq(ipnet_addr_cmp(&a, &c), 0);
	/* Families order first: every IPv4 address sorts before every IPv6 one. */
	ck_assert_int_lt(ipnet_addr_cmp(&b, &d), 0);
	ck_assert(!ipnet_addr_eq(&z4, &z6));
	ck_assert(ipnet_addr_is_zero(&z4));
	ck_assert(ipnet_addr_is_zero(&z6));
	ck_assert(!ipnet_addr_is_zero(&d));
}
END_TEST

/* ---- arithmetic ---- */

struct add_case {
	const char *in;
	int64_t delta;
	const char *out;
};

static const struct add_case add_cases[] = {
	{"10.0.0.1", 1, "10.0.0.2"},
	{"10.0.0.255", 1, "10.0.1.0"},	       /* carry */
	{"10.0.255.255", 1, "10.1.0.0"},       /* carry over two bytes */
	{"10.0.1.0", -1, "10.0.0.255"},	       /* borrow */
	{"10.1.0.0", -1, "10.0.255.255"},      /* borrow over two bytes */
	{"255.255.255.255", 1, "0.0.0.0"},     /* wrap */
	{"0.0.0.0", -1, "255.255.255.255"},    /* wrap */
	{"10.0.0.0", 256, "10.0.1.0"},
	{"10.0.0.0", 0x01000000, "11.0.0.0"},
	{"10.0.0.0", -0x0a000000, "0.0.0.0"},
	{"10.0.0.5", 0, "10.0.0.5"},
	{"10.0.0.5", (int64_t)1 << 32, "10.0.0.5"},	 /* modulo 2^32 */
	{"10.0.0.5", ((int64_t)1 << 32) + 1, "10.0.0.6"},
	{"10.0.0.5", INT64_MIN, "10.0.0.5"},		 /* -2^63 is 0 mod 2^32 */
	{"10.0.0.5", INT64_MAX, "10.0.0.4"},		 /* 2^63-1 is -1 mod 2^32 */
	{"2001:db8::1", 1, "2001:db8::2"},
	{"2001:db8::ffff", 1, "2001:db8::1:0"},
	{"2001:db8::ffff:ffff:ffff:ffff", 1, "2001:db8:0:1::"},
	{"2001:db8:0:1::", -1, "2001:db8::ffff:ffff:ffff:ffff"},
	{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, "::"},
	{"::", -1, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	{"::", INT64_MAX, "::7fff:ffff:ffff:ffff"},
	{"::", INT64_MIN, "ffff:ffff:ffff:ffff:8000::"},
	{"::1:0:0:0:0", -1, "::ffff:ffff:ffff:ffff"},
};

START_TEST(addr_add)
{
	const struct add_case *c = &add_cases[_i];
	struct ipnet_addr a = A(c->in);

	ipnet_addr_add(&a, c->delta);
	ck_assert_msg(a.family == A(c->in).family, "family changed");
	ck_assert_addr(a, c->out);
}
END_TEST

START_TEST(addr_next_prev)
{
	/* next/prev are add(+1)/add(-1), and undo each other everywhere, edges included. */
	static const char *const edges[] = {"0.0.0.0", "255.255.255.255", "10.0.0.255", "::", "::ffff:ffff",
					    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"};

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		struct ipnet_addr a = A(edges[i]), b = a;

		ipnet_addr_add(&b, 1);
		ck_assert(!ipnet_addr_eq(&a, &b));
		ipnet_addr_add(&b, -1);
		ck_assert_msg(ipnet_addr_eq(&a, &b), "next/prev of %s", edges[i]);
		ipnet_addr_add(&b, -1);
		ipnet_addr_add(&b, 1);
		ck_assert_msg(ipnet_addr_eq(&a, &b), "prev/next of %s", edges[i]);
	}
}
END_TEST

struct range_case {
	const char *in, *network, *last;
};

static const struct range_case range_cases[] = {
	{"10.1.2.3/24", "10.1.2.0/24", "10.1.2.255"},
	{"10.1.2.3/0", "0.0.0.0/0", "255.255.255.255"},
	{"10.1.2.3/32", "10.1.2.3/32", "10.1.2.3"},
	{"10.1.2.3/31", "10.1.2.2/31", "10.1.2.3"},
	{"10.1.2.3/13", "10.0.0.0/13", "10.7.255.255"},
	{"10.255.255.255/9", "10.128.0.0/9", "10.255.255.255"},
	{"192.168.77.1/20", "192.168.64.0/20", "192.168.79.255"},
	{"2001:db8::1/64", "2001:db8::/64", "2001:db8::ffff:ffff:ffff:ffff"},
	{"2001:db8::1/0", "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	{"2001:db8::1/128", "2001:db8::1/128", "2001:db8::1"},
	{"2001:db8:1234:5678::1/65", "2001:db8:1234:5678::/65", "2001:db8:1234:5678:7fff:ffff:ffff:ffff"},
	{"2001:db8:ffff::/33", "2001:db8:8000::/33", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
};

START_TEST(network_and_last)
{
	const struct range_case *c = &range_cases[_i];
	struct ipnet n = N(c->in), net;
	struct ipnet_addr last;

	ipnet_network(&n, &net);
	ck_assert_net(net, c->network);
	ipnet_last(&n, &last);
	ck_assert_addr(last, c->last);
	/* The input is not modified, and aliasing the output is fine. */
	ck_assert_net(n, c->in);
	ipnet_network(&n, &n);
	ck_assert_net(n, c->network);
}
END_TEST

START_TEST(contains)
{
	struct ipnet n8 = N("10.0.0.0/8"), all4 = N("0.0.0.0/0"), host = N("10.1.2.3/32"), v6 = N("2001:db8::/32"),
		     hb = N("10.0.0.77/24");
	struct ipnet_addr a;

	a = A("10.255.255.255");
	ck_assert(ipnet_contains(&n8, &a));
	a = A("10.0.0.0");
	ck_assert(ipnet_contains(&n8, &a));
	a = A("11.0.0.0");
	ck_assert(!ipnet_contains(&n8, &a));
	a = A("9.255.255.255");
	ck_assert(!ipnet_contains(&n8, &a));
	a = A("::ffff:10.9.9.9"); /* mapped is IPv4 */
	ck_assert(ipnet_contains(&n8, &a));
	a = A("1.2.3.4");
	ck_assert(ipnet_contains(&all4, &a));
	a = A("::1");
	ck_assert(!ipnet_contains(&all4, &a)); /* other family */
	ck_assert(!ipnet_contains(&n8, &a));
	a = A("10.1.2.3");
	ck_assert(ipnet_contains(&host, &a));
	a = A("10.1.2.4");
	ck_assert(!ipnet_contains(&host, &a));
	a = A("2001:db8:ffff::1");
	ck_assert(ipnet_contains(&v6, &a));
	a = A("2001:db9::");
	ck_assert(!ipnet_contains(&v6, &a));
	/* Host bits of the prefix are ignored. */
	a = A("10.0.0.1");
	ck_assert(ipnet_contains(&hb, &a));
}
END_TEST

START_TEST(overlaps)
{
	struct ipnet a = N("10.0.0.0/8"), b = N("10.1.0.0/16"), c = N("10.0.0.0/16"), d = N("10.1.0.0/16"),
		     e = N("10.0.0.5/24"), f = N("10.0.0.200/25"), g = N("::/0"), h = N("0.0.0.0/0"),
		     i = N("10.0.0.0/25"), j = N("10.0.0.128/25");

	ck_assert(ipnet_overlaps(&a, &b));
	ck_assert(ipnet_overlaps(&b, &a));
	ck_assert(!ipnet_overlaps(&c, &d));
	ck_assert(!ipnet_overlaps(&d, &c));
	ck_assert(ipnet_overlaps(&b, &d));
	ck_assert(ipnet_overlaps(&e, &f));
	ck_assert(ipnet_overlaps(&f, &e));
	ck_assert(!ipnet_overlaps(&g, &h)); /* families never overlap */
	ck_assert(ipnet_overlaps(&h, &a));
	ck_assert(!ipnet_overlaps(&i, &j)); /* adjacent halves */
}
END_TEST

START_TEST(host_bits_and_default)
{
	static const struct {
		const char *n;
		bool host_bits, is_default;
	} cases[] = {
		{"10.0.0.0/24", false, false}, {"10.0.0.1/24", true, false},	 {"10.0.0.1/32", false, false},
		{"0.0.0.0/0", false, true},    {"1.0.0.0/0", true, false},	 {"0.0.0.0/1", false, false},
		{"10.0.0.128/25", false, false}, {"10.0.0.64/25", true, false},	 {"2001:db8::/32", false, false},
		{"2001:db8::1/64", true, false}, {"::1/128", false, false},	 {"::/0", false, true},
		{"::1/0", true, false},	       {"2001:db8::8000:0:0:0/65", false, false},
		{"2001:db8::4000:0:0:0/65", true, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ipnet n = N(cases[i].n);

		ck_assert_msg(ipnet_has_host_bits(&n) == cases[i].host_bits, "has_host_bits(%s)", cases[i].n);
		ck_assert_msg(ipnet_is_default(&n) == cases[i].is_default, "is_default(%s)", cases[i].n);
	}
}
END_TEST

START_TEST(is_default_unset)
{
	struct ipnet unset = {0};

	ck_assert(!ipnet_is_default(&unset));
	ck_assert_uint_eq(ipnet_addr_len(AF_INET), 4);
	ck_assert_uint_eq(ipnet_addr_len(AF_INET6), 16);
	ck_assert_uint_eq(ipnet_bits(AF_INET), 32);
	ck_assert_uint_eq(ipnet_bits(AF_INET6), 128);
}
END_TEST

#define LOOP(tc, fn, arr) tcase_add_loop_test(tc, fn, 0, (int)(sizeof(arr) / sizeof((arr)[0])))

Suite *ipnet_suite(void)
{
	Suite *s = suite_create("ipnet");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_v4);
	tcase_add_test(tc, parse_v6);
	LOOP(tc, parse_addr_invalid, bad_addrs);
	tcase_add_test(tc, parse_addr_null);
	tcase_add_test(tc, parse_v4_mapped);
	LOOP(tc, parse_cidr, good_cidrs);
	LOOP(tc, parse_cidr_invalid, bad_cidrs);
	tcase_add_test(tc, parse_bare);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	LOOP(tc, fmt_rfc5952, fmt_cases);
	LOOP(tc, fmt_go_no_ipv4_compatible_form, fmt_go_cases);
	tcase_add_test(tc, fmt_unset_and_cidr);
	suite_add_tcase(s, tc);

	tc = tcase_create("arith");
	tcase_add_test(tc, compare);
	LOOP(tc, addr_add, add_cases);
	tcase_add_test(tc, addr_next_prev);
	LOOP(tc, network_and_last, range_cases);
	tcase_add_test(tc, contains);
	tcase_add_test(tc, overlaps);
	tcase_add_test(tc, host_bits_and_default);
	tcase_add_test(tc, is_default_unset);
	suite_add_tcase(s, tc);
	return s;
}
