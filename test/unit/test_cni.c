/* test_cni.c: versions, the error object, and results: parsing every version's shape and
 * emitting every version, compared against literal expected documents. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cni.h"

/* ---- helpers ---- */

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);

	ck_assert_msg(j != NULL, "bad literal (%s): %s", je.text, text);
	return j;
}

static void dump(const json_t *j, char *buf, size_t len)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	snprintf(buf, len, "%s", s ? s : "(null)");
	free(s);
}

#define ck_assert_json(actual, expected_text)                                                      \
	do {                                                                                       \
		json_t *e_ = J(expected_text);                                                     \
		char a_[4096], b_[4096];                                                           \
		bool eq_ = (actual) && json_equal((actual), e_);                                   \
		dump((actual), a_, sizeof(a_));                                                    \
		dump(e_, b_, sizeof(b_));                                                          \
		json_decref(e_);                                                                   \
		ck_assert_msg(eq_, "JSON differs\n  actual:   %s\n  expected: %s", a_, b_);       \
	} while (0)

static void parse_ok(const char *text, enum cni_version fallback, struct cni_result *res)
{
	struct cni_error err = {0};
	json_t *j = J(text);
	int r;

	r = cni_result_parse(j, fallback, "prevResult", res, &err);
	json_decref(j);
	ck_assert_msg(r == 0, "parse failed (%d, code %u): %s", r, err.code, err.msg);
	ck_assert_uint_eq(err.code, 0);
}

static void emit_eq(const struct cni_result *res, enum cni_version v, const char *expected)
{
	struct cni_error err = {0};
	json_t *j = cni_result_to_json(res, v, &err);

	ck_assert_msg(j != NULL, "emit %s failed (code %u): %s", cni_version_str(v), err.code, err.msg);
	ck_assert_json(j, expected);
	json_decref(j);
}

/* ---- versions ---- */

START_TEST(version_parse_and_str)
{
	static const char *const names[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};

	ck_assert_int_eq(_CNI_VERSION_MAX, 7);
	for (int v = 0; v < _CNI_VERSION_MAX; v++) {
		ck_assert_int_eq(cni_version_parse(names[v]), v);
		ck_assert_str_eq(cni_version_str(v), names[v]);
	}
	ck_assert_int_eq(CNI_VERSION_LATEST, CNI_V110);
	ck_assert_int_eq(cni_version_parse(NULL), -EINVAL);
	ck_assert_int_eq(cni_version_parse(""), -EINVAL);
	ck_assert_int_eq(cni_version_parse("1.0"), -EINVAL);
	ck_assert_int_eq(cni_version_parse("1.0.0 "), -EINVAL);
	ck_assert_int_eq(cni_version_parse("v1.0.0"), -EINVAL);
	ck_assert_int_eq(cni_version_parse("1.2.0"), -EINVAL);
	ck_assert_int_eq(cni_version_parse("0.5.0"), -EINVAL);
	ck_assert_str_eq(cni_version_str(-1), "?");
	ck_assert_str_eq(cni_version_str(_CNI_VERSION_MAX), "?");
}
END_TEST

/* ---- errors ---- */

START_TEST(fail_first_error_wins)
{
	struct cni_error e = {0};

	ck_assert_int_eq(cni_fail(&e, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s\" must be %d..%d", "mtu", 68, 65535),
			 -EINVAL);
	ck_assert_uint_eq(e.code, 7);
	ck_assert_str_eq(e.msg, "\"mtu\" must be 68..65535");
	ck_assert_str_eq(e.details, ""); /* -EINVAL adds nothing */
	/* A later failure (say, in rollback) returns its own r but keeps the root cause. */
	ck_assert_int_eq(cni_fail(&e, CNI_ERR_INTERNAL, -EIO, "rollback failed"), -EIO);
	ck_assert_int_eq(cni_fail_errno(&e, CNI_ERR_IO, -ENOENT, "x"), -ENOENT);
	ck_assert_int_eq(cni_fail_kernel(&e, CNI_ERR_INTERNAL, -EPERM, "ext", "y"), -EPERM);
	ck_assert_uint_eq(e.code, 7);
	ck_assert_str_eq(e.msg, "\"mtu\" must be 68..65535");
	ck_assert_str_eq(e.details, "");
}
END_TEST

START_TEST(fail_details_and_zero)
{
	struct cni_error e = {0}, z = {0};

	ck_assert_int_eq(cni_fail(&e, CNI_ERR_INTERNAL, -ENOENT, "cannot open %s", "/x"), -ENOENT);
	ck_assert_str_eq(e.msg, "cannot open /x");
	ck_assert_str_eq(e.details, strerror(ENOENT));
	/* r == 0 is turned into -EINVAL, so "return cni_fail(...)" is always an error. */
	ck_assert_int_eq(cni_fail(&z, CNI_ERR_INVALID_CONFIG, 0, "bad"), -EINVAL);
	ck_assert_uint_eq(z.code, CNI_ERR_INVALID_CONFIG);
}
END_TEST

START_TEST(fail_errno_and_kernel)
{
	struct cni_error a = {0}, b = {0}, c = {0}, d = {0};
	char expect[600];

	cni_fail_errno(&a, CNI_ERR_IO, -ENOENT, "error reading %s", "stdin");
	snprintf(expect, sizeof(expect), "error reading stdin: %s", strerror(ENOENT));
	ck_assert_str_eq(a.msg, expect);
	ck_assert_str_eq(a.details, strerror(ENOENT));

	cni_fail_kernel(&b, CNI_ERR_INTERNAL, -ENETUNREACH, "Nexthop has invalid gateway", "route %s",
			"10.9.0.0/16");
	snprintf(expect, sizeof(expect), "route 10.9.0.0/16: %s (kernel: Nexthop has invalid gateway)",
		 strerror(ENETUNREACH));
	ck_assert_str_eq(b.msg, expect);

	cni_fail_kernel(&c, CNI_ERR_INTERNAL, -EEXIST, "", "link %s", "eth0");
	snprintf(expect, sizeof(expect), "link eth0: %s", strerror(EEXIST));
	ck_assert_str_eq(c.msg, expect);
	cni_fail_kernel(&d, CNI_ERR_INTERNAL, -EEXIST, NULL, "link %s", "eth0");
	ck_assert_str_eq(d.msg, expect);
}
END_TEST

START_TEST(fail_long_message_truncated)
{
	struct cni_error e = {0};
	char big[2000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cni_fail_kernel(&e, CNI_ERR_INTERNAL, -EIO, big, "%s", big);
	ck_assert_uint_eq(strlen(e.msg), sizeof(e.msg) - 1);
	ck_assert_str_eq(e.details, strerror(EIO));
}
END_TEST

START_TEST(error_set_replaces)
{
	struct cni_error e = {0};

	cni_fail(&e, CNI_ERR_INTERNAL, -EIO, "ours");
	cni_error_set(&e, 11, "try again", NULL);
	ck_assert_uint_eq(e.code, 11);
	ck_assert_str_eq(e.msg, "try again");
	ck_assert_str_eq(e.details, "");
	cni_error_set(&e, 7, NULL, "why");
	ck_assert_str_eq(e.msg, "");
	ck_assert_str_eq(e.details, "why");
}
END_TEST

/* ---- names ---- */

START_TEST(valid_ifname)
{
	static const char *const good[] = {"eth0", "e", "abcdefghijklmno", "...", "a.b", "net1-2_3", "é"};
	static const char *const bad[] = {"", ".", "..", "abcdefghijklmnop", "a/b", "a:b", "a b", "a\tb", "a\nb",
					  " eth0", "eth0 ", "a\vb"};
	const char *why;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		why = "unset";
		ck_assert_msg(cni_valid_ifname(good[i], &why), "\"%s\" rejected: %s", good[i], why);
		ck_assert_ptr_null(why);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(!cni_valid_ifname(bad[i], &why), "\"%s\" accepted", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	ck_assert(!cni_valid_ifname(NULL, NULL));
	ck_assert(cni_valid_ifname("eth0", NULL));
}
END_TEST

START_TEST(valid_container_id)
{
	static const char *const good[] = {"a", "A", "0", "abc", "A1_b.c-D", "9f86d081884c7d659a2feaa0c55ad015",
					   "a..", "a--", "a__"};
	static const char *const bad[] = {"", "_a", "-a", ".a", "a b", "a/b", "a:b", "a!", "a\n", "é", "a\\b"};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(cni_valid_container_id(good[i]), "\"%s\" rejected", good[i]);
		ck_assert_msg(cni_valid_network_name(good[i]), "name \"%s\" rejected", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!cni_valid_container_id(bad[i]), "\"%s\" accepted", bad[i]);
		ck_assert_msg(!cni_valid_network_name(bad[i]), "name \"%s\" accepted", bad[i]);
	}
	ck_assert(!cni_valid_container_id(NULL));
}
END_TEST

/* ---- results: a rich 1.1.0 result in every version ---- */

#define RICH_110                                                                                              \
	"{\"cniVersion\":\"1.1.0\","                                                                          \
	"\"interfaces\":[{\"name\":\"cni0\",\"mac\":\"0a:58:0a:01:00:01\"},"                                   \
	"{\"name\":\"veth1234\",\"mac\":\"aa:bb:cc:dd:ee:01\",\"mtu\":1500},"                                  \
	"{\"name\":\"eth0\",\"mac\":\"aa:bb:cc:dd:ee:02\",\"sandbox\":\"/var/run/netns/x\",\"mtu\":1400,"      \
	"\"socketPath\":\"/run/vhost.sock\",\"pciID\":\"0000:00:01.0\"}],"                                     \
	"\"ips\":[{\"interface\":2,\"address\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\"},"                      \
	"{\"interface\":2,\"address\":\"10.2.0.5/16\"},"                                                       \
	"{\"interface\":2,\"address\":\"2001:db8::5/64\",\"gateway\":\"2001:db8::1\"},"                         \
	"{\"address\":\"fd00::5/64\"}],"                                                                       \
	"\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\",\"mtu\":1400,\"advmss\":1360,\"priority\":100," \
	"\"table\":100,\"scope\":0},"                                                                          \
	"{\"dst\":\"192.168.0.0/16\"},{\"dst\":\"::/0\",\"gw\":\"2001:db8::1\"},"                               \
	"{\"dst\":\"fd01::/64\",\"scope\":253}],"                                                               \
	"\"dns\":{\"nameservers\":[\"10.1.0.1\",\"2001:db8::1\"],\"domain\":\"example.org\","                   \
	"\"search\":[\"a.example.org\",\"example.org\"],\"options\":[\"ndots:2\"]}}"

#define RICH_DNS                                                                                              \
	"\"dns\":{\"nameservers\":[\"10.1.0.1\",\"2001:db8::1\"],\"domain\":\"example.org\","                   \
	"\"search\":[\"a.example.org\",\"example.org\"],\"options\":[\"ndots:2\"]}"

#define RICH_IFACES_10                                                                                        \
	"\"interfaces\":[{\"name\":\"cni0\",\"mac\":\"0a:58:0a:01:00:01\"},"                                   \
	"{\"name\":\"veth1234\",\"mac\":\"aa:bb:cc:dd:ee:01\"},"                                               \
	"{\"name\":\"eth0\",\"mac\":\"aa:bb:cc:dd:ee:02\",\"sandbox\":\"/var/run/netns/x\"}]"

#define RICH_ROUTES_10                                                                                        \
	"\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"},{\"dst\":\"192.168.0.0/16\"},"                \
	"{\"dst\":\"::/0\",\"gw\":\"2001:db8::1\"},{\"dst\":\"fd01::/64\"}]"

static const char *const rich_expected[_CNI_VERSION_MAX] = {
	[CNI_V010] = "{\"cniVersion\":\"0.1.0\","
		     "\"ip4\":{\"ip\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\",\"routes\":[{\"dst\":\"0.0.0.0/0\","
		     "\"gw\":\"10.1.0.1\"},{\"dst\":\"192.168.0.0/16\"}]},"
		     "\"ip6\":{\"ip\":\"2001:db8::5/64\",\"gateway\":\"2001:db8::1\",\"routes\":[{\"dst\":\"::/0\","
		     "\"gw\":\"2001:db8::1\"},{\"dst\":\"fd01::/64\"}]}," RICH_DNS "}",
	[CNI_V020] = "{\"cniVersion\":\"0.2.0\","
		     "\"ip4\":{\"ip\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\",\"routes\":[{\"dst\":\"0.0.0.0/0\","
		     "\"gw\":\"10.1.0.1\"},{\"dst\":\"192.168.0.0/16\"}]},"
		     "\"ip6\":{\"ip\":\"2001:db8::5/64\",\"gateway\":\"2001:db8::1\",\"routes\":[{\"dst\":\"::/0\","
		     "\"gw\":\"2001:db8::1\"},{\"dst\":\"fd01::/64\"}]}," RICH_DNS "}",
#define RICH_04(v)                                                                                            \
	"{\"cniVersion\":\"" v "\"," RICH_IFACES_10 ","                                                        \
	"\"ips\":[{\"version\":\"4\",\"interface\":2,\"address\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\"},"    \
	"{\"version\":\"4\",\"interface\":2,\"address\":\"10.2.0.5/16\"},"                                     \
	"{\"version\":\"6\",\"interface\":2,\"address\":\"2001:db8::5/64\",\"gateway\":\"2001:db8::1\"},"       \
	"{\"version\":\"6\",\"address\":\"fd00::5/64\"}]," RICH_ROUTES_10 "," RICH_DNS "}"
	[CNI_V030] = RICH_04("0.3.0"),
	[CNI_V031] = RICH_04("0.3.1"),
	[CNI_V040] = RICH_04("0.4.0"),
	[CNI_V100] = "{\"cniVersion\":\"1.0.0\"," RICH_IFACES_10 ","
		     "\"ips\":[{\"interface\":2,\"address\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\"},"
		     "{\"interface\":2,\"address\":\"10.2.0.5/16\"},"
		     "{\"interface\":2,\"address\":\"2001:db8::5/64\",\"gateway\":\"2001:db8::1\"},"
		     "{\"address\":\"fd00::5/64\"}]," RICH_ROUTES_10 "," RICH_DNS "}",
	[CNI_V110] = RICH_110,
};

START_TEST(rich_to_every_version)
{
	_cleanup_(cni_result_done) struct cni_result res = {0};

	parse_ok(RICH_110, CNI_V110, &res);
	ck_assert_uint_eq(res.n_ifaces, 3);
	ck_assert_uint_eq(res.n_ips, 4);
	ck_assert_uint_eq(res.n_routes, 4);
	ck_assert_ptr_nonnull(res.dns);
	emit_eq(&res, _i, rich_expected[_i]);
}
END_TEST

START_TEST(rich_model_fields)
{
	_cleanup_(cni_result_done) struct cni_result res = {0};
	char buf[IPNET_STRLEN];

	parse_ok(RICH_110, CNI_V110, &res);
	ck_assert_str_eq(res.ifaces[2].name, "eth0");
	ck_assert_str_eq(res.ifaces[2].sandbox, "/var/run/netns/x");
	ck_assert_uint_eq(res.ifaces[2].mtu, 1400);
	ck_assert_str_eq(res.ifaces[2].socket_path, "/run/vhost.sock");
	ck_assert_str_eq(res.ifaces[2].pci_id, "0000:00:01.0");
	ck_assert_ptr_null(res.ifaces[0].sandbox);
	ck_assert_uint_eq(res.ifaces[0].mtu, 0);
	ck_assert_int_eq(res.ips[0].iface, 2);
	ck_assert_int_eq(res.ips[3].iface, -1);
	ck_assert_str_eq(ipnet_fmt(&res.ips[0].address, buf), "10.1.0.5/24");
	ck_assert_str_eq(ipnet_addr_fmt(&res.ips[0].gateway, buf), "10.1.0.1");
	ck_assert_int_eq(res.ips[1].gateway.family, 0);
	ck_assert_uint_eq(res.routes[0].mtu, 1400);
	ck_assert_uint_eq(res.routes[0].advmss, 1360);
	ck_assert_uint_eq(res.routes[0].priority, 100);
	ck_assert_int_eq(res.routes[0].table, 100);
	ck_assert_int_eq(res.routes[0].scope, 0);
	ck_assert_int_eq(res.routes[1].table, -1);
	ck_assert_int_eq(res.routes[1].scope, -1);
	ck_assert_int_eq(res.routes[3].scope, 253);
	ck_assert_int_eq(res.routes[1].gw.family, 0);
}
END_TEST

START_TEST(round_trip_every_version)
{
	/* What we emit in version v parses back (as v) to a result that emits the same. */
	_cleanup_(cni_result_done) struct cni_result res = {0}, back = {0};
	struct cni_error err = {0};
	json_t *j;

	parse_ok(RICH_110, CNI_V110, &res);
	j = cni_result_to_json(&res, _i, &err);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(cni_result_parse(j, CNI_V010, "x", &back, &err), 0);
	json_decref(j);
	emit_eq(&back, _i, rich_expected[_i]);
}
END_TEST

/* ---- results: parsing the older shapes ---- */

#define LEGACY(v)                                                                                             \
	"{\"cniVersion\":\"" v "\","                                                                           \
	"\"ip4\":{\"ip\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\",\"routes\":[{\"dst\":\"0.0.0.0/0\"},"         \
	"{\"dst\":\"10.9.0.0/16\",\"gw\":\"10.1.0.254\"}]},"                                                   \
	"\"ip6\":{\"ip\":\"2001:db8::5/64\",\"routes\":[{\"dst\":\"::/0\",\"gw\":\"2001:db8::1\"}]},"           \
	"\"dns\":{\"nameservers\":[\"8.8.8.8\"]}}"

#define LEGACY_AS_100                                                                                         \
	"{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\"},"            \
	"{\"address\":\"2001:db8::5/64\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"10.9.0.0/16\","       \
	"\"gw\":\"10.1.0.254\"},{\"dst\":\"::/0\",\"gw\":\"2001:db8::1\"}],\"dns\":{\"nameservers\":[\"8.8.8.8\"]}}"

#define LEGACY_AS_040                                                                                         \
	"{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"4\",\"address\":\"10.1.0.5/24\","                    \
	"\"gateway\":\"10.1.0.1\"},{\"version\":\"6\",\"address\":\"2001:db8::5/64\"}],"                        \
	"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"10.9.0.0/16\",\"gw\":\"10.1.0.254\"},"                  \
	"{\"dst\":\"::/0\",\"gw\":\"2001:db8::1\"}],\"dns\":{\"nameservers\":[\"8.8.8.8\"]}}"

START_TEST(parse_legacy)
{
	static const char *const docs[] = {LEGACY("0.1.0"), LEGACY("0.2.0")};
	_cleanup_(cni_result_done) struct cni_result res = {0};
	char buf[IPNET_STRLEN];

	parse_ok(docs[_i], CNI_V110, &res);
	ck_assert_uint_eq(res.n_ifaces, 0);
	ck_assert_uint_eq(res.n_ips, 2);
	ck_assert_int_eq(res.ips[0].iface, -1);
	ck_assert_str_eq(ipnet_fmt(&res.ips[0].address, buf), "10.1.0.5/24");
	ck_assert_str_eq(ipnet_addr_fmt(&res.ips[0].gateway, buf), "10.1.0.1");
	ck_assert_int_eq(res.ips[1].address.ip.family, AF_INET6);
	ck_assert_int_eq(res.ips[1].gateway.family, 0);
	/* The nested routes of ip4 then ip6, in order, become the top-level list. */
	ck_assert_uint_eq(res.n_routes, 3);
	ck_assert_str_eq(ipnet_fmt(&res.routes[1].dst, buf), "10.9.0.0/16");
	ck_assert_str_eq(ipnet_addr_fmt(&res.routes[1].gw, buf), "10.1.0.254");
	ck_assert_str_eq(ipnet_fmt(&res.routes[2].dst, buf), "::/0");
	emit_eq(&res, CNI_V100, LEGACY_AS_100);
	emit_eq(&res, CNI_V040, LEGACY_AS_040);
	emit_eq(&res, CNI_V020, LEGACY("0.2.0"));
	emit_eq(&res, CNI_V010, LEGACY("0.1.0"));
}
END_TEST

START_TEST(parse_04x_with_version)
{
	static const char *const vs[] = {"0.3.0", "0.3.1", "0.4.0"};
	_cleanup_(cni_result_done) struct cni_result res = {0};
	char doc[1024];

	snprintf(doc, sizeof(doc),
		 "{\"cniVersion\":\"%s\",\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/proc/1/ns/net\"}],"
		 "\"ips\":[{\"version\":\"4\",\"interface\":0,\"address\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\"},"
		 "{\"version\":\"6\",\"address\":\"fd00::5/64\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\"}],\"dns\":{}}",
		 vs[_i]);
	parse_ok(doc, CNI_V010, &res);
	ck_assert_uint_eq(res.n_ifaces, 1);
	ck_assert_uint_eq(res.n_ips, 2);
	ck_assert_ptr_null(res.dns); /* empty dns is no dns */
	emit_eq(&res, _i + CNI_V030, doc);
	emit_eq(&res, CNI_V100,
		"{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/proc/1/ns/net\"}],"
		"\"ips\":[{\"interface\":0,\"address\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\"},"
		"{\"address\":\"fd00::5/64\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}");
}
END_TEST

START_TEST(parse_missing_version_uses_fallback)
{
	_cleanup_(cni_result_done) struct cni_result a = {0}, b = {0}, c = {0};

	parse_ok("{\"ip4\":{\"ip\":\"10.0.0.2/24\"}}", CNI_V020, &a);
	ck_assert_uint_eq(a.n_ips, 1);
	/* The same document read as 1.0.0 has no ips: ip4 is not a 1.0.0 key. */
	parse_ok("{\"ip4\":{\"ip\":\"10.0.0.2/24\"}}", CNI_V100, &b);
	ck_assert_uint_eq(b.n_ips, 0);
	/* An empty or null cniVersion counts as missing. */
	parse_ok("{\"cniVersion\":\"\",\"ips\":[{\"address\":\"10.0.0.2/24\"}]}", CNI_V040, &c);
	ck_assert_uint_eq(c.n_ips, 1);
	cni_result_done(&c);
	parse_ok("{\"cniVersion\":null,\"ip4\":{\"ip\":\"10.0.0.2/24\"}}", CNI_V010, &c);
	ck_assert_uint_eq(c.n_ips, 1);
}
END_TEST

START_TEST(parse_110_fields_dropped_below_110)
{
	_cleanup_(cni_result_done) struct cni_result res = {0};

	parse_ok("{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"e\",\"mtu\":9000,\"pciID\":\"p\"}],"
		 "\"ips\":[{\"interface\":0,\"address\":\"10.0.0.2/24\"}],\"routes\":[{\"dst\":\"10.8.0.0/16\","
		 "\"table\":0,\"priority\":0}]}",
		 CNI_V110, &res);
	emit_eq(&res, CNI_V110,
		"{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"e\",\"mtu\":9000,\"pciID\":\"p\"}],"
		"\"ips\":[{\"interface\":0,\"address\":\"10.0.0.2/24\"}],\"routes\":[{\"dst\":\"10.8.0.0/16\","
		"\"table\":0}]}");
	emit_eq(&res, CNI_V100,
		"{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"e\"}],"
		"\"ips\":[{\"interface\":0,\"address\":\"10.0.0.2/24\"}],\"routes\":[{\"dst\":\"10.8.0.0/16\"}]}");
}
END_TEST

/* ---- results: emitting the edge cases ---- */

START_TEST(emit_empty_and_dns_rules)
{
	struct cni_result empty = {0};
	struct cni_error err = {0};

	emit_eq(&empty, CNI_V110, "{\"cniVersion\":\"1.1.0\"}");
	emit_eq(&empty, CNI_V100, "{\"cniVersion\":\"1.0.0\"}");
	emit_eq(&empty, CNI_V040, "{\"cniVersion\":\"0.4.0\",\"dns\":{}}");
	emit_eq(&empty, CNI_V031, "{\"cniVersion\":\"0.3.1\",\"dns\":{}}");
	emit_eq(&empty, CNI_V030, "{\"cniVersion\":\"0.3.0\",\"dns\":{}}");
	/* 0.1.0/0.2.0 cannot express a result without an IP. */
	for (enum cni_version v = CNI_V010; v <= CNI_V020; v++) {
		struct cni_error e = {0};

		ck_assert_ptr_null(cni_result_to_json(&empty, v, &e));
		ck_assert_uint_eq(e.code, CNI_ERR_INCOMPATIBLE_VERSION);
		ck_assert_msg(strstr(e.msg, cni_version_str(v)), "msg: %s", e.msg);
	}
	(void)err;
}
END_TEST

START_TEST(emit_l2_only_at_020_fails)
{
	/* An interface but no IP (the L2-only bridge case): fine from 0.3.0, code 1 below. */
	_cleanup_(cni_result_done) struct cni_result res = {0};
	struct cni_error err = {0};

	ck_assert_int_eq(cni_result_add_iface(&res, "eth0", "aa:bb:cc:dd:ee:ff", "/run/netns/x"), 0);
	emit_eq(&res, CNI_V031,
		"{\"cniVersion\":\"0.3.1\",\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"aa:bb:cc:dd:ee:ff\","
		"\"sandbox\":\"/run/netns/x\"}],\"dns\":{}}");
	ck_assert_ptr_null(cni_result_to_json(&res, CNI_V020, &err));
	ck_assert_uint_eq(err.code, 1);
}
END_TEST

START_TEST(emit_020_one_family)
{
	/* Only IPv6: no ip4, and routes of the family without an IP are dropped. */
	_cleanup_(cni_result_done) struct cni_result res = {0};

	parse_ok("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"fd00::5/64\",\"gateway\":\"fd00::1\"},"
		 "{\"address\":\"fd00::6/64\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.0.0.1\"},"
		 "{\"dst\":\"::/0\"}],\"dns\":{\"domain\":\"d\"}}",
		 CNI_V100, &res);
	emit_eq(&res, CNI_V020,
		"{\"cniVersion\":\"0.2.0\",\"ip6\":{\"ip\":\"fd00::5/64\",\"gateway\":\"fd00::1\","
		"\"routes\":[{\"dst\":\"::/0\"}]},\"dns\":{\"domain\":\"d\"}}");
	cni_result_done(&res);
	/* No routes at all: no "routes" key. */
	parse_ok("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.5/8\"}]}", CNI_V100, &res);
	emit_eq(&res, CNI_V010, "{\"cniVersion\":\"0.1.0\",\"ip4\":{\"ip\":\"10.0.0.5/8\"},\"dns\":{}}");
}
END_TEST

START_TEST(build_and_copy)
{
	_cleanup_(cni_result_done) struct cni_result res = {0}, copy = {0};
	struct cni_ip ip = {.iface = 0};
	struct cni_route rt = {.table = -1, .scope = -1};
	const char *expect = "{\"cniVersion\":\"1.0.0\","
			     "\"interfaces\":[{\"name\":\"lo\"},{\"mac\":\"00:11:22:33:44:55\"}],"
			     "\"ips\":[{\"interface\":0,\"address\":\"127.0.0.1/8\"}],"
			     "\"routes\":[{\"dst\":\"10.0.0.0/8\",\"gw\":\"127.0.0.1\"}],"
			     "\"dns\":{\"nameservers\":[\"1.1.1.1\"]}}";
	char *name = strdup("lo");

	ck_assert_int_eq(cni_result_add_iface(&res, name, NULL, NULL), 0);
	free(name); /* the result keeps its own copy */
	ck_assert_int_eq(cni_result_add_iface(&res, NULL, "00:11:22:33:44:55", NULL), 1);
	ck_assert_int_eq(ipnet_parse("127.0.0.1/8", false, &ip.address), 0);
	ck_assert_int_eq(cni_result_add_ip(&res, &ip), 0);
	ck_assert_int_eq(ipnet_parse("10.0.0.0/8", false, &rt.dst), 0);
	ck_assert_int_eq(ipnet_addr_parse("127.0.0.1", &rt.gw), 0);
	ck_assert_int_eq(cni_result_add_route(&res, &rt), 0);
	res.dns = json_pack("{s:[s]}", "nameservers", "1.1.1.1");
	emit_eq(&res, CNI_V100, expect);

	ck_assert_int_eq(cni_result_copy(&res, &copy), 0);
	ck_assert_ptr_ne(copy.ifaces[0].name, res.ifaces[0].name);
	ck_assert_ptr_ne(copy.dns, res.dns);
	cni_result_done(&res);
	ck_assert_uint_eq(res.n_ifaces, 0);
	ck_assert_ptr_null(res.ifaces);
	cni_result_done(&res); /* twice is harmless */
	emit_eq(&copy, CNI_V100, expect);
}
END_TEST

START_TEST(copy_keeps_110_fields)
{
	_cleanup_(cni_result_done) struct cni_result res = {0}, copy = {0};

	parse_ok(RICH_110, CNI_V110, &res);
	ck_assert_int_eq(cni_result_copy(&res, &copy), 0);
	cni_result_done(&res);
	emit_eq(&copy, CNI_V110, RICH_110);
}
END_TEST

START_TEST(drop_ifaces)
{
	/* What a delegated IPAM result looks like: no interfaces, no indexes into them. */
	_cleanup_(cni_result_done) struct cni_result res = {0};

	parse_ok(RICH_110, CNI_V110, &res);
	cni_result_drop_ifaces(&res);
	ck_assert_uint_eq(res.n_ifaces, 0);
	ck_assert_ptr_null(res.ifaces);
	for (size_t i = 0; i < res.n_ips; i++)
		ck_assert_int_eq(res.ips[i].iface, -1);
	emit_eq(&res, CNI_V040,
		"{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"4\",\"address\":\"10.1.0.5/24\","
		"\"gateway\":\"10.1.0.1\"},{\"version\":\"4\",\"address\":\"10.2.0.5/16\"},"
		"{\"version\":\"6\",\"address\":\"2001:db8::5/64\",\"gateway\":\"2001:db8::1\"},"
		"{\"version\":\"6\",\"address\":\"fd00::5/64\"}]," RICH_ROUTES_10 "," RICH_DNS "}");
	cni_result_drop_ifaces(&res); /* twice is harmless */
	ck_assert_uint_eq(res.n_ips, 4);
}
END_TEST

/* ---- DNS ---- */

START_TEST(dns_parse)
{
	json_t *in, *out = (json_t *)1;

	ck_assert_int_eq(cni_dns_parse(NULL, &out), 0);
	ck_assert_ptr_null(out);
	in = J("{}");
	ck_assert_int_eq(cni_dns_parse(in, &out), 0);
	ck_assert_ptr_null(out);
	json_decref(in);
	/* Empty members count as absent; unknown keys are dropped. */
	in = J("{\"nameservers\":[],\"domain\":\"\",\"search\":null,\"foo\":1}");
	ck_assert_int_eq(cni_dns_parse(in, &out), 0);
	ck_assert_ptr_null(out);
	json_decref(in);
	in = J("{\"nameservers\":[\"10.0.0.1\"],\"domain\":\"\",\"options\":[\"ndots:5\"],\"foo\":1}");
	ck_assert_int_eq(cni_dns_parse(in, &out), 0);
	ck_assert_json(out, "{\"nameservers\":[\"10.0.0.1\"],\"options\":[\"ndots:5\"]}");
	json_decref(out);
	json_decref(in);
}
END_TEST

START_TEST(dns_parse_invalid)
{
	static const char *const bad[] = {"\"x\"", "[]", "{\"nameservers\":\"1.1.1.1\"}", "{\"nameservers\":[1]}",
					  "{\"domain\":5}", "{\"search\":{}}", "{\"options\":[null]}"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *in = J(bad[i]), *out = NULL;

		ck_assert_msg(cni_dns_parse(in, &out) == -EINVAL, "%s accepted", bad[i]);
		ck_assert_ptr_null(out);
		json_decref(in);
	}
}
END_TEST

/* ---- malformed results ---- */

struct bad_case {
	enum cni_version fallback;
	const char *doc;
	unsigned code;
	const char *part; /* the field the message must name */
};

static const struct bad_case bad_results[] = {
	{CNI_V100, "[]", 6, "result must be a JSON object"},
	{CNI_V100, "\"x\"", 6, "result must be a JSON object"},
	{CNI_V100, "{\"ips\":{}}", 6, "ips must be an array"},
	{CNI_V100, "{\"ips\":[\"x\"]}", 6, "ips[0] must be an object"},
	{CNI_V100, "{\"ips\":[{}]}", 6, "ips[0].address is missing"},
	{CNI_V100, "{\"ips\":[{\"address\":\"10.0.0.1/24\"},{\"address\":\"10.0.0.1\"}]}", 6,
	 "ips[1].address is not a valid CIDR"},
	{CNI_V100, "{\"ips\":[{\"address\":5}]}", 6, "ips[0].address must be a string"},
	{CNI_V100, "{\"ips\":[{\"address\":\"10.0.0.1/24\",\"gateway\":\"nope\"}]}", 6,
	 "ips[0].gateway is not a valid IP address"},
	{CNI_V100, "{\"ips\":[{\"address\":\"10.0.0.1/24\",\"gateway\":\"10.0.0.1/24\"}]}", 6, "ips[0].gateway"},
	/* interface index out of range: none, negative, past the end, not an integer */
	{CNI_V100, "{\"ips\":[{\"address\":\"10.0.0.1/24\",\"interface\":0}]}", 6, "ips[0].interface"},
	{CNI_V100, "{\"interfaces\":[{\"name\":\"a\"}],\"ips\":[{\"address\":\"10.0.0.1/24\",\"interface\":-1}]}",
	 6, "ips[0].interface"},
	{CNI_V100, "{\"interfaces\":[{\"name\":\"a\"}],\"ips\":[{\"address\":\"10.0.0.1/24\",\"interface\":1}]}",
	 6, "ips[0].interface"},
	{CNI_V100, "{\"interfaces\":[{\"name\":\"a\"}],\"ips\":[{\"address\":\"10.0.0.1/24\",\"interface\":\"0\"}]}",
	 6, "ips[0].interface"},
	{CNI_V100, "{\"interfaces\":[{\"name\":\"a\"}],\"ips\":[{\"address\":\"10.0.0.1/24\",\"interface\":0.0}]}",
	 6, "ips[0].interface"},
	{CNI_V100, "{\"interfaces\":\"eth0\"}", 6, "interfaces must be an array"},
	{CNI_V100, "{\"interfaces\":[5]}", 6, "interfaces[0] must be an object"},
	{CNI_V100, "{\"interfaces\":[{\"name\":5}]}", 6, "interfaces[].name"},
	{CNI_V100, "{\"interfaces\":[{\"mac\":false}]}", 6, "interfaces[].mac"},
	{CNI_V100, "{\"interfaces\":[{\"sandbox\":[]}]}", 6, "interfaces[].sandbox"},
	{CNI_V110, "{\"interfaces\":[{\"name\":\"a\",\"mtu\":-1}]}", 6, "interfaces[].mtu"},
	{CNI_V110, "{\"interfaces\":[{\"name\":\"a\",\"mtu\":\"1500\"}]}", 6, "interfaces[].mtu"},
	{CNI_V110, "{\"interfaces\":[{\"name\":\"a\",\"socketPath\":1}]}", 6, "interfaces[].socketPath"},
	{CNI_V100, "{\"routes\":{}}", 6, "routes must be an array"},
	{CNI_V100, "{\"routes\":[{\"gw\":\"10.0.0.1\"}]}", 6, "routes[0].dst is missing"},
	{CNI_V100, "{\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"10.0.0.0/33\"}]}", 6,
	 "routes[1].dst is not a valid CIDR"},
	{CNI_V100, "{\"routes\":[{\"dst\":\"10.0.0.0/8\",\"gw\":\"x\"}]}", 6, "routes[0].gw"},
	{CNI_V110, "{\"routes\":[{\"dst\":\"10.0.0.0/8\",\"mtu\":\"1400\"}]}", 6, "mtu"},
	{CNI_V110, "{\"routes\":[{\"dst\":\"10.0.0.0/8\",\"scope\":256}]}", 6, "scope"},
	{CNI_V110, "{\"routes\":[{\"dst\":\"10.0.0.0/8\",\"table\":-1}]}", 6, "table"},
	{CNI_V110, "{\"routes\":[{\"dst\":\"10.0.0.0/8\",\"priority\":1.5}]}", 6, "priority"},
	{CNI_V110, "{\"routes\":[{\"dst\":\"10.0.0.0/8\",\"advmss\":-5}]}", 6, "advmss"},
	{CNI_V020, "{\"ip4\":{\"ip\":\"2001:db8::1/64\"}}", 6, "ip4.ip has the wrong address family"},
	{CNI_V020, "{\"ip6\":{\"ip\":\"10.0.0.1/24\"}}", 6, "ip6.ip has the wrong address family"},
	{CNI_V020, "{\"ip4\":\"10.0.0.1/24\"}", 6, "ip4 must be an object"},
	{CNI_V020, "{\"ip4\":{}}", 6, "ip4.ip is missing"},
	{CNI_V020, "{\"ip4\":{\"ip\":\"10.0.0.1/24\",\"gateway\":\"1.2.3\"}}", 6, "ip4.gateway"},
	{CNI_V020, "{\"ip4\":{\"ip\":\"10.0.0.1/24\",\"routes\":[{\"dst\":\"x\"}]}}", 6, "ip4.routes[0].dst"},
	{CNI_V010, "{\"ip6\":{\"ip\":\"fd00::1/64\",\"routes\":{}}}", 6, "ip6.routes must be an array"},
	{CNI_V100, "{\"ips\":[],\"dns\":{\"nameservers\":\"8.8.8.8\"}}", 6, "dns"},
	{CNI_V040, "{\"dns\":[]}", 6, "dns"},
	{CNI_V100, "{\"cniVersion\":\"2.0.0\"}", 1, "2.0.0"},
	{CNI_V100, "{\"cniVersion\":\"1.0\"}", 1, "1.0"},
};

START_TEST(parse_malformed)
{
	const struct bad_case *c = &bad_results[_i];
	struct cni_result res = {.n_ips = 12345};
	struct cni_error err = {0};
	json_t *j = J(c->doc);
	int r;

	r = cni_result_parse(j, c->fallback, "prevResult", &res, &err);
	json_decref(j);
	ck_assert_msg(r < 0, "%s accepted", c->doc);
	ck_assert_uint_eq(res.n_ips, 12345); /* *ret untouched */
	ck_assert_msg(err.code == c->code, "%s: code %u, want %u (%s)", c->doc, err.code, c->code, err.msg);
	ck_assert_msg(strncmp(err.msg, "prevResult: ", 12) == 0, "msg does not name the source: %s", err.msg);
	ck_assert_msg(strstr(err.msg, c->part), "%s: msg \"%s\" does not name \"%s\"", c->doc, err.msg, c->part);
}
END_TEST

#define LOOP(tc, fn, arr) tcase_add_loop_test(tc, fn, 0, (int)(sizeof(arr) / sizeof((arr)[0])))

/* Bytes that are not UTF-8 become U+FFFD, one per byte; valid sequences stay. */
START_TEST(json_string_not_utf8)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"eth0", "eth0"},
		{"caf\xc3\xa9", "caf\xc3\xa9"},                   /* valid 2 bytes */
		{"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},         /* valid 4 bytes */
		{"a\xff" "b", "a\xef\xbf\xbd" "b"},               /* never valid */
		{"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},         /* overlong '/' */
		{"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
		{"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > U+10FFFF */
		{"x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd"},       /* cut short */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = cni_json_string(cases[i].in);

		ck_assert_ptr_nonnull(j);
		ck_assert_str_eq(json_string_value(j), cases[i].out);
		json_decref(j);
	}
	ck_assert_ptr_null(cni_json_string(NULL));
}
END_TEST

Suite *cni_suite(void)
{
	Suite *s = suite_create("cni");
	TCase *tc;

	tc = tcase_create("version");
	tcase_add_test(tc, version_parse_and_str);
	suite_add_tcase(s, tc);

	tc = tcase_create("error");
	tcase_add_test(tc, fail_first_error_wins);
	tcase_add_test(tc, fail_details_and_zero);
	tcase_add_test(tc, fail_errno_and_kernel);
	tcase_add_test(tc, fail_long_message_truncated);
	tcase_add_test(tc, error_set_replaces);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, valid_ifname);
	tcase_add_test(tc, valid_container_id);
	suite_add_tcase(s, tc);

	tc = tcase_create("result");
	tcase_add_loop_test(tc, rich_to_every_version, 0, _CNI_VERSION_MAX);
	tcase_add_test(tc, rich_model_fields);
	tcase_add_loop_test(tc, round_trip_every_version, 0, _CNI_VERSION_MAX);
	tcase_add_loop_test(tc, parse_legacy, 0, 2);
	tcase_add_loop_test(tc, parse_04x_with_version, 0, 3);
	tcase_add_test(tc, parse_missing_version_uses_fallback);
	tcase_add_test(tc, parse_110_fields_dropped_below_110);
	tcase_add_test(tc, emit_empty_and_dns_rules);
	tcase_add_test(tc, emit_l2_only_at_020_fails);
	tcase_add_test(tc, emit_020_one_family);
	tcase_add_test(tc, build_and_copy);
	tcase_add_test(tc, copy_keeps_110_fields);
	tcase_add_test(tc, drop_ifaces);
	tcase_add_test(tc, dns_parse);
	tcase_add_test(tc, dns_parse_invalid);
	tcase_add_test(tc, json_string_not_utf8);
	LOOP(tc, parse_malformed, bad_results);
	suite_add_tcase(s, tc);
	return s;
}
