/* test_hostlocal.c: host-local's config (every key, defaults, every error with code 7 and
 * its key path), resolv.conf, GC attachments, and the commands end to end on a mkdtemp
 * data directory. */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "ops.h"
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
	snprintf(tmp, sizeof(tmp), "/tmp/hl-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown(void)
{
	(void)nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static json_t *js(const char *s)
{
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);

	ck_assert_msg(j != NULL, "bad test JSON: %s: %s", je.text, s);
	return j;
}

static char *fmt_ip(const struct ipnet_addr *a)
{
	static char buf[4][IPNET_STRLEN];
	static int k;

	return ipnet_addr_fmt(a, buf[k++ % 4]);
}

/* The config's strings point into the JSON: the caller frees both with parsed_done(). */
static json_t *parse_ok(const char *conf, enum cni_version v, const char *args_ip, struct config *c)
{
	json_t *j = js(conf);
	struct cni_error err = {0};

	ck_assert_msg(config_parse(j, v, args_ip, c, &err) == 0, "unexpected error: %s", err.msg);
	return j;
}

static void parsed_done(struct config *c, json_t *j)
{
	config_done(c);
	json_decref(j);
}

static void expect_range(const struct alloc_range *r, const char *subnet, const char *start, const char *end,
			 const char *gw)
{
	char buf[IPNET_STRLEN];

	ck_assert_str_eq(ipnet_fmt(&r->subnet, buf), subnet);
	ck_assert_str_eq(fmt_ip(&r->start), start);
	ck_assert_str_eq(fmt_ip(&r->end), end);
	ck_assert_str_eq(fmt_ip(&r->gateway), gw);
}

START_TEST(test_defaults)
{
	json_t *j;
	struct config c = {0};

	j = parse_ok("{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.1.0.0/16\"}]]}}", CNI_V100, NULL, &c);
	ck_assert_int_eq(c.n_sets, 1);
	ck_assert_int_eq(c.sets[0].n, 1);
	/* rangeStart .1 like the reference (the gateway is skipped while iterating) */
	expect_range(&c.sets[0].ranges[0], "10.1.0.0/16", "10.1.0.1", "10.1.255.254", "10.1.0.1");
	ck_assert_str_eq(c.data_dir, "/var/lib/cni/networks");
	ck_assert_ptr_null(c.resolv_conf);
	ck_assert_int_eq(c.n_routes, 0);
	ck_assert_int_eq(c.n_requested, 0);
	parsed_done(&c, j);
	j = parse_ok("{\"ipam\":{\"ranges\":[[{\"subnet\":\"2001:db8::/64\"}]],\"dataDir\":\"\"}}", CNI_V100,
		     NULL, &c);
	expect_range(&c.sets[0].ranges[0], "2001:db8::/64", "2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff",
		     "2001:db8::1");
	ck_assert_str_eq(c.data_dir, "/var/lib/cni/networks");
	parsed_done(&c, j);
	/* /30 and /126 are the smallest allocatable */
	j = parse_ok("{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.1.0.0/30\"}],[{\"subnet\":\"fd00::/126\"}]]}}",
		     CNI_V100, NULL, &c);
	expect_range(&c.sets[0].ranges[0], "10.1.0.0/30", "10.1.0.1", "10.1.0.2", "10.1.0.1");
	expect_range(&c.sets[1].ranges[0], "fd00::/126", "fd00::1", "fd00::3", "fd00::1");
	parsed_done(&c, j);
}
END_TEST

START_TEST(test_every_key)
{
	json_t *j;
	struct config c = {0};
	char buf[IPNET_STRLEN];

	j = parse_ok("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"bridge\","
		     " \"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"192.168.0.0/24\"}]],"
		     "                   \"ips\":[\"10.2.0.9/16\",\"10.1.0.5\"]},"
		     " \"args\":{\"cni\":{\"ips\":[\"10.1.0.5\",\"2001:db8::9\"]}},"
		     " \"ipam\":{\"type\":\"host-local\",\"dataDir\":\"/run/x\",\"resolvConf\":\"/etc/r\","
		     "  \"subnet\":\"10.9.0.0/24\",\"rangeStart\":\"10.9.0.10\",\"rangeEnd\":\"10.9.0.20\","
	             "  \"gateway\":\"10.9.0.254\","
		     "  \"ranges\":[[{\"subnet\":\"10.1.0.0/24\",\"rangeStart\":\"10.1.0.2\","
	             "               \"rangeEnd\":\"10.1.0.100\"},"
		     "             {\"subnet\":\"10.2.0.0/16\",\"gateway\":\"10.2.0.254\"}],"
		     "            [{\"subnet\":\"2001:db8::/64\"}]],"
		     "  \"routes\":[{\"dst\":\"0.0.0.0/0\"},"
	             "             {\"dst\":\"10.99.0.0/16\",\"gw\":\"10.1.0.1\",\"mtu\":1400,"
		     "             \"advmss\":1300,\"priority\":5,\"table\":100,\"scope\":0}]}}",
		     CNI_V110, "10.1.0.7/24", &c);
	ck_assert_str_eq(c.data_dir, "/run/x");
	ck_assert_str_eq(c.resolv_conf, "/etc/r");
	/* runtimeConfig.ipRanges first, then the legacy range, then ipam.ranges */
	ck_assert_int_eq(c.n_sets, 4);
	expect_range(&c.sets[0].ranges[0], "192.168.0.0/24", "192.168.0.1", "192.168.0.254", "192.168.0.1");
	expect_range(&c.sets[1].ranges[0], "10.9.0.0/24", "10.9.0.10", "10.9.0.20", "10.9.0.254");
	ck_assert_int_eq(c.sets[2].n, 2);
	expect_range(&c.sets[2].ranges[0], "10.1.0.0/24", "10.1.0.2", "10.1.0.100", "10.1.0.1");
	expect_range(&c.sets[2].ranges[1], "10.2.0.0/16", "10.2.0.1", "10.2.255.254", "10.2.0.254");
	expect_range(&c.sets[3].ranges[0], "2001:db8::/64", "2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff",
		     "2001:db8::1");
	/* CNI_ARGS, args.cni.ips, runtimeConfig.ips: merged, duplicates once, prefixes ignored */
	ck_assert_int_eq(c.n_requested, 4);
	ck_assert_str_eq(fmt_ip(&c.requested[0]), "10.1.0.7");
	ck_assert_str_eq(fmt_ip(&c.requested[1]), "10.1.0.5");
	ck_assert_str_eq(fmt_ip(&c.requested[2]), "2001:db8::9");
	ck_assert_str_eq(fmt_ip(&c.requested[3]), "10.2.0.9");
	ck_assert_int_eq(c.n_routes, 2);
	ck_assert_str_eq(ipnet_fmt(&c.routes[0].dst, buf), "0.0.0.0/0");
	ck_assert_int_eq(c.routes[0].gw.family, 0);
	ck_assert_int_eq(c.routes[0].table, -1);
	ck_assert_str_eq(ipnet_fmt(&c.routes[1].dst, buf), "10.99.0.0/16");
	ck_assert_str_eq(fmt_ip(&c.routes[1].gw), "10.1.0.1");
	ck_assert_int_eq(c.routes[1].mtu, 1400);
	ck_assert_int_eq(c.routes[1].advmss, 1300);
	ck_assert_int_eq(c.routes[1].priority, 5);
	ck_assert_int_eq(c.routes[1].table, 100);
	ck_assert_int_eq(c.routes[1].scope, 0);
	parsed_done(&c, j);
}
END_TEST

/* The legacy keys without a subnet are ignored (but still validated); "" means unset. */
START_TEST(test_legacy_without_subnet)
{
	json_t *j;
	struct config c = {0};

	j = parse_ok("{\"ipam\":{\"rangeStart\":\"10.0.0.5\",\"gateway\":\"\","
		     "\"ranges\":[[{\"subnet\":\"10.1.0.0/24\",\"rangeEnd\":\"\",\"gateway\":null}]]}}",
		     CNI_V100, "", &c);
	ck_assert_int_eq(c.n_sets, 1);
	expect_range(&c.sets[0].ranges[0], "10.1.0.0/24", "10.1.0.1", "10.1.0.254", "10.1.0.1");
	ck_assert_int_eq(c.n_requested, 0);
	parsed_done(&c, j);
}
END_TEST

START_TEST(test_old_versions)
{
	json_t *j;
	struct config c = {0};

	/* one address per family is fine before 0.3.0 */
	j = parse_ok("{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"}],[{\"subnet\":\"2001:db8::/64\"}]]}}",
		     CNI_V020, NULL, &c);
	ck_assert_int_eq(c.n_sets, 2);
	parsed_done(&c, j);
	j = parse_ok("{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"}],[{\"subnet\":\"10.2.0.0/24\"}]]}}",
		     CNI_V030, NULL, &c);
	parsed_done(&c, j);
}
END_TEST

struct bad_case {
	const char *conf;
	const char *args_ip;
	enum cni_version v;
	unsigned code;
	const char *msg; /* the message must start with this */
};

#define R1(x) "{\"ipam\":{\"ranges\":[[" x "]]}}"

static const struct bad_case bad_cases[] = {
	{"{\"name\":\"n\"}", NULL, CNI_V100, 7, "\"ipam\": IPAM config missing 'ipam' key"},
	{"{\"ipam\":null}", NULL, CNI_V100, 7, "\"ipam\": IPAM config missing 'ipam' key"},
	{"{\"ipam\":[]}", NULL, CNI_V100, 7, "\"ipam\" must be an object"},
	{"{\"ipam\":{}}", NULL, CNI_V100, 7, "\"ipam.ranges\": no IP ranges specified"},
	{"{\"ipam\":{\"ranges\":[]}}", NULL, CNI_V100, 7, "\"ipam.ranges\": no IP ranges specified"},
	{"{\"ipam\":{\"ranges\":{}}}", NULL, CNI_V100, 7, "\"ipam.ranges\" must be an array"},
	{"{\"ipam\":{\"ranges\":[[]]}}", NULL, CNI_V100, 7, "\"ipam.ranges[0]\": empty range set"},
	{"{\"ipam\":{\"ranges\":[{}]}}", NULL, CNI_V100, 7, "\"ipam.ranges[0]\" must be an array"},
	{R1("7"), NULL, CNI_V100, 7, "\"ipam.ranges[0][0]\" must be an object"},
	{R1("{}"), NULL, CNI_V100, 7, "\"ipam.ranges[0][0].subnet\": missing"},
	{R1("{\"subnet\":5}"), NULL, CNI_V100, 7, "\"ipam.ranges[0][0].subnet\" must be a string"},
	{R1("{\"subnet\":\"10.1.0.0\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0][0].subnet\": 10.1.0.0 is not a valid CIDR"},
	{R1("{\"subnet\":\"10.1.0.0/16\"},{\"subnet\":\"10.2.0.0/16\",\"rangeStart\":\"10.1.0.300\"}"), NULL,
	 CNI_V100, 7, "\"ipam.ranges[0][1].rangeStart\": 10.1.0.300 is not a valid IP"},
	{R1("{\"subnet\":\"10.1.0.0/16\",\"rangeEnd\":5}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0][0].rangeEnd\" must be a string"},
	{R1("{\"subnet\":\"10.1.0.0/16\",\"gateway\":\"x\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0][0].gateway\": x is not a valid IP"},
	{R1("{\"subnet\":\"10.1.0.0/31\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0][0].subnet\": network 10.1.0.0/31 too small to allocate from"},
	{R1("{\"subnet\":\"10.1.0.1/32\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0][0].subnet\": network 10.1.0.1/32 too small to allocate from"},
	{R1("{\"subnet\":\"2001:db8::/127\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0][0].subnet\": network 2001:db8::/127 too small to allocate from"},
	{R1("{\"subnet\":\"2001:db8::/128\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0][0].subnet\": network 2001:db8::/128 too small to allocate from"},
	{R1("{\"subnet\":\"10.1.2.3/16\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0][0].subnet\": network has host bits set: for a /16 the network address is 10.1.0.0"},
	{R1("{\"subnet\":\"10.1.0.0/16\",\"rangeStart\":\"10.2.0.1\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0][0].rangeStart\": 10.2.0.1 not in network 10.1.0.0/16"},
	{R1("{\"subnet\":\"10.1.0.0/16\",\"rangeStart\":\"2001:db8::1\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0][0].rangeStart\": 2001:db8::1 not in network 10.1.0.0/16"},
	{R1("{\"subnet\":\"10.1.0.0/16\",\"rangeEnd\":\"10.2.0.1\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0][0].rangeEnd\": 10.2.0.1 not in network 10.1.0.0/16"},
	{R1("{\"subnet\":\"10.1.0.0/16\",\"rangeStart\":\"10.1.0.9\",\"rangeEnd\":\"10.1.0.8\"}"), NULL,
	 CNI_V100, 7, "\"ipam.ranges[0][0].rangeStart\": 10.1.0.9 is after rangeEnd 10.1.0.8"},
	{R1("{\"subnet\":\"10.1.0.0/16\",\"rangeEnd\":\"10.1.0.0\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0][0].rangeEnd\": 10.1.0.0 is before rangeStart 10.1.0.1"},
	{R1("{\"subnet\":\"10.1.0.0/24\",\"rangeStart\":\"10.1.0.255\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0][0].rangeStart\": 10.1.0.255 is after the last usable address 10.1.0.254"},
	{R1("{\"subnet\":\"10.1.0.0/16\"},{\"subnet\":\"2001:db8::/64\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0]\": mixed address families"},
	{R1("{\"subnet\":\"10.1.0.0/16\"},{\"subnet\":\"10.1.0.0/24\"}"), NULL, CNI_V100, 7,
	 "\"ipam.ranges[0]\": ranges 10.1.0.1-10.1.255.254 and 10.1.0.1-10.1.0.254 overlap"},
	{"{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.1.0.0/16\"}],[{\"subnet\":\"10.1.5.0/24\"}]]}}", NULL,
	 CNI_V100, 7, "\"ipam.ranges[0]\": overlaps with range set \"ipam.ranges[1]\""},
	{"{\"ipam\":{\"subnet\":\"10.1.0.0/16\",\"ranges\":[[{\"subnet\":\"10.1.5.0/24\"}]]}}", NULL,
	 CNI_V100, 7, "\"ipam\": overlaps with range set \"ipam.ranges[0]\""},
	{"{\"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"10.1.0.0/16\"}]]},\"ipam\":{\"subnet\":\"10.1.0.0/16\"}}",
	 NULL, CNI_V100, 7, "\"runtimeConfig.ipRanges[0]\": overlaps with range set \"ipam\""},
	{"{\"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"10.1.0.0/33\"}]]},\"ipam\":{}}", NULL, CNI_V100, 7,
	 "\"runtimeConfig.ipRanges[0][0].subnet\": 10.1.0.0/33 is not a valid CIDR"},
	{"{\"runtimeConfig\":{\"ipRanges\":{}},\"ipam\":{}}", NULL, CNI_V100, 7,
	 "\"runtimeConfig.ipRanges\" must be an array"},
	{"{\"ipam\":{\"subnet\":\"10.1.0.0/16\",\"rangeStart\":\"10.1.0.0.1\"}}", NULL, CNI_V100, 7,
	 "\"ipam.rangeStart\": 10.1.0.0.1 is not a valid IP"},
	{"{\"ipam\":{\"subnet\":\"10.1.0.0/31\"}}", NULL, CNI_V100, 7,
	 "\"ipam.subnet\": network 10.1.0.0/31 too small to allocate from"},
	{"{\"ipam\":{\"rangeEnd\":\"nope\",\"ranges\":[[{\"subnet\":\"10.1.0.0/16\"}]]}}", NULL, CNI_V100, 7,
	 "\"ipam.rangeEnd\": nope is not a valid IP"},
	{"{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"}],[{\"subnet\":\"10.2.0.0/24\"}]]}}", NULL,
	 CNI_V020, 7, "\"cniVersion\": 0.2.0 does not support more than 1 address per family"},
	{"{\"ipam\":{\"subnet\":\"10.1.0.0/16\",\"routes\":[{}]}}", NULL, CNI_V100, 7,
	 "\"ipam.routes[0]\": \"dst\" is required"},
	{"{\"ipam\":{\"subnet\":\"10.1.0.0/16\",\"routes\":[{\"dst\":\"1.2.3.4\"}]}}", NULL, CNI_V100, 7,
	 "\"ipam.routes[0].dst\": invalid CIDR"},
	{"{\"ipam\":{\"subnet\":\"10.1.0.0/16\",\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"x\"}]}}", NULL,
	 CNI_V100, 7, "\"ipam.routes[0].gw\": x is not a valid IP"},
	{"{\"ipam\":{\"subnet\":\"10.1.0.0/16\",\"routes\":[{\"dst\":\"0.0.0.0/0\",\"mtu\":-1}]}}", NULL,
	 CNI_V100, 7, "\"ipam.routes[0].mtu\" must be an integer"},
	{"{\"ipam\":{\"subnet\":\"10.1.0.0/16\",\"routes\":{}}}", NULL, CNI_V100, 7,
	 "\"ipam.routes\" must be an array"},
	{"{\"ipam\":{\"subnet\":\"10.1.0.0/16\",\"dataDir\":5}}", NULL, CNI_V100, 7,
	 "\"ipam.dataDir\" must be a string"},
	{"{\"ipam\":{\"subnet\":\"10.1.0.0/16\",\"resolvConf\":[]}}", NULL, CNI_V100, 7,
	 "\"ipam.resolvConf\" must be a string"},
	{"{\"args\":{\"cni\":{\"ips\":[\"10.1.0.999\"]}},\"ipam\":{\"subnet\":\"10.1.0.0/16\"}}", NULL,
	 CNI_V100, 7, "\"args.cni.ips[0]\": 10.1.0.999 is not a valid IP"},
	{"{\"args\":{\"cni\":{\"ips\":[\"\"]}},\"ipam\":{\"subnet\":\"10.1.0.0/16\"}}", NULL, CNI_V100, 7,
	 "\"args.cni.ips[0]\":  is not a valid IP"},
	{"{\"args\":{\"cni\":{\"ips\":\"10.1.0.5\"}},\"ipam\":{\"subnet\":\"10.1.0.0/16\"}}", NULL, CNI_V100,
	 7, "\"args.cni.ips\" must be an array"},
	{"{\"runtimeConfig\":{\"ips\":[5]},\"ipam\":{\"subnet\":\"10.1.0.0/16\"}}", NULL, CNI_V100, 7,
	 "\"runtimeConfig.ips[0]\" must be a string"},
	{"{\"ipam\":{\"subnet\":\"10.1.0.0/16\"}}", "10.1.0.5/99", CNI_V100, 4,
	 "CNI_ARGS \"IP\": 10.1.0.5/99 is not a valid IP"},
};

START_TEST(test_bad_config)
{
	const struct bad_case *b = &bad_cases[_i];
	struct cni_error err = {0};
	struct config c = {0};
	json_t *j;

	j = js(b->conf);
	ck_assert_int_lt(config_parse(j, b->v, b->args_ip, &c, &err), 0);
	ck_assert_int_eq(err.code, b->code);
	ck_assert_msg(strncmp(err.msg, b->msg, strlen(b->msg)) == 0, "case %d: got '%s', want '%s...'", _i,
		      err.msg, b->msg);
	ck_assert_ptr_null(c.sets); /* nothing handed out on failure */
	json_decref(j);
}
END_TEST

static void write_file(const char *p, const char *content)
{
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
}

START_TEST(test_resolv_conf)
{
	_cleanup_json_ json_t *dns = NULL, *want = NULL;
	char p[128];

	snprintf(p, sizeof(p), "%s/resolv.conf", tmp);
	write_file(p, "# generated\n"
		      "; also a comment\n"
		      "\n"
		      "nameserver 10.0.0.53\n"
		      "  nameserver\t2001:db8::53  \n"
		      "nameserver\n"
		      "domain example.com\n"
		      "domain corp.example.com\n"
		      "search a.example b.example\n"
		      "search c.example\n"
		      "options ndots:5 timeout:1\n"
		      "sortlist 10.0.0.0\n");
	ck_assert_int_eq(config_resolv_conf(p, &dns), 0);
	want = js(
		"{\"nameservers\":[\"10.0.0.53\",\"2001:db8::53\"],\"domain\":\"corp.example.com\","
		"\"search\":[\"a.example\",\"b.example\",\"c.example\"],"
	          "\"options\":[\"ndots:5\",\"timeout:1\"]}");
	ck_assert_msg(json_equal(dns, want), "got %s", json_dumps(dns, JSON_COMPACT));
	json_decref(TAKE_PTR(dns));
	write_file(p, "# nothing\n");
	ck_assert_int_eq(config_resolv_conf(p, &dns), 0);
	ck_assert_ptr_null(dns);
	snprintf(p, sizeof(p), "%s/missing", tmp);
	ck_assert_int_eq(config_resolv_conf(p, &dns), -ENOENT);
}
END_TEST

START_TEST(test_gc_attachments)
{
	struct store_attachment *v = NULL;
	struct cni_error err = {0};
	size_t n = 0;
	json_t *j;

	j = js("{\"cni.dev/valid-attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"},"
	       "{\"containerID\":\"b\",\"ifname\":\"net1\"}],\"cni.dev/attachments\":[]}");
	ck_assert_int_eq(config_gc_attachments(j, &v, &n, &err), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(v[1].id, "b");
	ck_assert_str_eq(v[1].ifname, "net1");
	free(v);
	json_decref(j);
	/* the spec-v1.1.0 tag's key */
	j = js("{\"cni.dev/attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"}]}");
	ck_assert_int_eq(config_gc_attachments(j, &v, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	free(v);
	json_decref(j);
	j = js("{\"cni.dev/valid-attachments\":[]}");
	ck_assert_int_eq(config_gc_attachments(j, &v, &n, &err), 0);
	ck_assert_int_eq(n, 0);
	free(v);
	json_decref(j);
	j = js("{}");
	ck_assert_int_lt(config_gc_attachments(j, &v, &n, &err), 0);
	ck_assert_int_eq(err.code, 7);
	ck_assert_str_eq(err.msg,
			 "\"cni.dev/valid-attachments\": missing: GC needs the list of valid attachments "
			 "(refusing to release everything)");
	json_decref(j);
	err = (struct cni_error){0};
	j = js("{\"cni.dev/valid-attachments\":[{\"containerID\":\"a\"}]}");
	ck_assert_int_lt(config_gc_attachments(j, &v, &n, &err), 0);
	ck_assert_str_eq(err.msg, "\"cni.dev/valid-attachments[0].ifname\" is required");
	json_decref(j);
}
END_TEST

/* ---- the commands ---- */

struct call {
	struct cni_args a;
	json_t *conf;
	struct cni_kv kv[1];
	char kvk[8], kvv[64];
};

static void call_init(struct call *c, const char *conf_fmt, const char *id, const char *ifname,
		      const char *ip_arg)
{
	const char *at = strstr(conf_fmt, "%s");
	char conf[2048];

	/* "%s" in the config stands for the test's data directory */
	ck_assert_ptr_nonnull(at);
	snprintf(conf, sizeof(conf), "%.*s%s%s", (int)(at - conf_fmt), conf_fmt, tmp, at + 2);
	*c = (struct call){0};
	c->conf = js(conf);
	c->a = (struct cni_args){
		.container_id = id,
		.ifname = ifname,
		.netns_fd = -1,
		.conf = c->conf,
		.version = CNI_V110,
		.name = "net",
	};
	if (ip_arg) {
		snprintf(c->kvk, sizeof(c->kvk), "IP");
		snprintf(c->kvv, sizeof(c->kvv), "%s", ip_arg);
		c->kv[0] = (struct cni_kv){c->kvk, c->kvv};
		c->a.kv = c->kv;
		c->a.n_kv = 1;
	}
}

static const char *const CONF2 =
	"{\"cniVersion\":\"1.1.0\",\"name\":\"net\",\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"%s\","
	"\"ranges\":[[{\"subnet\":\"10.1.0.0/30\"}],[{\"subnet\":\"2001:db8::/64\"}]],"
	"\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"}]}}";

static int add(const char *conf, const char *id, const char *ifname, const char *ip_arg,
	       struct cni_result *res, struct cni_error *err)
{
	struct call c;
	int r;

	call_init(&c, conf, id, ifname, ip_arg);
	r = ops_add(&c.a, res, err);
	json_decref(c.conf);
	return r;
}

static int run(int (*op)(const struct cni_args *, struct cni_error *), const char *conf, const char *id,
	       struct cni_error *err)
{
	struct call c;
	int r;

	call_init(&c, conf, id, "eth0", NULL);
	r = op(&c.a, err);
	json_decref(c.conf);
	return r;
}

static bool file_exists(const char *name)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/net/%s", tmp, name);
	return access(p, F_OK) == 0;
}

START_TEST(test_ops_lifecycle)
{
	struct cni_result res = {0};
	struct cni_error err = {0};
	char buf[IPNET_STRLEN];

	ck_assert_msg(add(CONF2, "c1", "eth0", NULL, &res, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(res.n_ips, 2);
	ck_assert_int_eq(res.n_ifaces, 0);
	ck_assert_str_eq(ipnet_fmt(&res.ips[0].address, buf), "10.1.0.2/30");
	ck_assert_str_eq(fmt_ip(&res.ips[0].gateway), "10.1.0.1");
	ck_assert_int_eq(res.ips[0].iface, -1);
	ck_assert_str_eq(ipnet_fmt(&res.ips[1].address, buf), "2001:db8::2/64");
	ck_assert_int_eq(res.n_routes, 1);
	ck_assert_ptr_null(res.dns);
	cni_result_done(&res);
	ck_assert(file_exists("10.1.0.2") && file_exists("2001:db8::2"));
	ck_assert(file_exists("last_reserved_ip.0") && file_exists("last_reserved_ip.1"));
	ck_assert_int_eq(run(ops_check, CONF2, "c1", &err), 0);
	/* a second ADD of the same attachment is refused, and takes nothing */
	ck_assert_int_lt(add(CONF2, "c1", "eth0", NULL, &res, &err), 0);
	ck_assert_str_eq(err.msg, "failed to allocate for range 0: 10.1.0.2 has been allocated to c1, "
				  "duplicate allocation is not allowed");
	err = (struct cni_error){0};
	ck_assert_int_eq(run(ops_del, CONF2, "c1", &err), 0);
	ck_assert(!file_exists("10.1.0.2") && !file_exists("2001:db8::2"));
	ck_assert_int_eq(run(ops_del, CONF2, "c1", &err), 0); /* idempotent */
	ck_assert_int_lt(run(ops_check, CONF2, "c1", &err), 0);
	ck_assert_int_eq(err.code, 999);
	ck_assert_str_eq(err.msg, "host-local: Failed to find address added by container c1");
}
END_TEST

/* A failing range set releases what this ADD took, and only that. */
START_TEST(test_ops_rollback)
{
	struct cni_result res = {0};
	struct cni_error err = {0};
	struct ipnet_addr v6;
	struct store *st = NULL;

	ck_assert_int_eq(add(CONF2, "c1", "eth0", NULL, &res, &err), 0);
	cni_result_done(&res);
	/* 10.1.0.0/30 has one usable address: set 0 is exhausted now */
	ck_assert_int_lt(add(CONF2, "c2", "eth0", NULL, &res, &err), 0);
	ck_assert_str_eq(err.msg, "failed to allocate for range 0: no IP addresses available in range set: "
				  "10.1.0.1-10.1.0.2");
	ck_assert_int_eq(err.code, 999);
	ck_assert(file_exists("10.1.0.2") && file_exists("2001:db8::2") && !file_exists("2001:db8::3"));
	err = (struct cni_error){0};
	ck_assert_int_eq(run(ops_del, CONF2, "c1", &err), 0);
	/* someone else holds 2001:db8::2: set 1 fails after set 0 succeeded */
	ck_assert_int_eq(store_open(tmp, "net", 1000, &st, NULL), 0);
	ck_assert_int_eq(ipnet_addr_parse("2001:db8::2", &v6), 0);
	ck_assert_int_eq(store_reserve(st, "other", "eth0", &v6, 1), 1);
	store_close(st);
	ck_assert_int_lt(add(CONF2, "c5", "eth0", "2001:db8::2", &res, &err), 0);
	ck_assert_str_eq(err.msg,
			 "failed to allocate for range 1: requested IP address 2001:db8::2 is not available "
			 "in range set 2001:db8::1-2001:db8::ffff:ffff:ffff:ffff");
	ck_assert_int_eq(res.n_ips, 0);
	ck_assert(!file_exists("10.1.0.2"));
	ck_assert(file_exists("2001:db8::2"));
	err = (struct cni_error){0};
	ck_assert_int_eq(run(ops_check, CONF2, "c5", &err), -EINVAL);
}
END_TEST

START_TEST(test_ops_requested)
{
	static const char CONF3[] =
		"{\"cniVersion\":\"1.1.0\",\"name\":\"net\",\"ipam\":{\"dataDir\":\"%s\","
		"\"ranges\":[[{\"subnet\":\"10.1.0.0/29\"}],[{\"subnet\":\"2001:db8::/64\"}]]}}";
	struct cni_result res = {0};
	struct cni_error err = {0};
	char buf[IPNET_STRLEN];

	/* CNI_ARGS IP (its prefix is ignored) picks set 1's address */
	ck_assert_msg(add(CONF3, "c1", "eth0", "2001:db8::99/64", &res, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(ipnet_fmt(&res.ips[1].address, buf), "2001:db8::99/64");
	cni_result_done(&res);
	/* not in any range set: error, and nothing stays reserved */
	ck_assert_int_lt(add(CONF3, "c2", "eth0", "10.200.0.1", &res, &err), 0);
	ck_assert_str_eq(err.msg, "failed to allocate all requested IPs: 10.200.0.1");
	ck_assert(file_exists("10.1.0.2") && !file_exists("10.1.0.3"));
	ck_assert_int_eq(res.n_ips, 0);
	err = (struct cni_error){0};
	ck_assert_int_lt(add(CONF3, "c3", "eth0", "10.1.0.1", &res, &err), 0);
	ck_assert_str_eq(err.msg,
			 "failed to allocate for range 0: requested ip 10.1.0.1 is subnet's gateway");
}
END_TEST

START_TEST(test_ops_dns_and_legacy_check)
{
	static const char conf[] =
		"{\"cniVersion\":\"1.0.0\",\"name\":\"net\","
		"\"ipam\":{\"dataDir\":\"%s\",\"subnet\":\"10.1.0.0/24\","
		"\"resolvConf\":\"/dev/null/nope\"}}";
	static const char conf_ok[] =
		"{\"cniVersion\":\"1.0.0\",\"name\":\"net\","
		"\"ipam\":{\"dataDir\":\"%s\",\"subnet\":\"10.1.0.0/24\"}}";
	struct cni_result res = {0};
	struct cni_error err = {0};
	char p[160];
	FILE *f;

	ck_assert_int_lt(add(conf, "c1", "eth0", NULL, &res, &err), 0);
	ck_assert_int_eq(err.code, 7);
	ck_assert_str_eq(err.msg, "\"ipam.resolvConf\": cannot read /dev/null/nope: Not a directory");
	/* CHECK accepts a legacy id-only reservation of the container */
	err = (struct cni_error){0};
	ck_assert_int_eq(run(ops_status, conf_ok, "x", &err), 0);
	snprintf(p, sizeof(p), "%s/net/10.1.0.77", tmp);
	f = fopen(p, "w");
	fputs("old", f);
	fclose(f);
	ck_assert_int_eq(run(ops_check, conf_ok, "old", &err), 0);
	ck_assert_int_eq(run(ops_del, conf_ok, "old", &err), 0);
	ck_assert(!file_exists("10.1.0.77"));
}
END_TEST

START_TEST(test_ops_gc_status)
{
	static const char gc[] =
		"{\"cniVersion\":\"1.1.0\",\"name\":\"net\","
		"\"ipam\":{\"dataDir\":\"%s\",\"subnet\":\"10.1.0.0/24\"},"
		"\"cni.dev/valid-attachments\":[{\"containerID\":\"keep\",\"ifname\":\"eth0\"}]}";
	static const char bad_dir[] =
		"{\"cniVersion\":\"1.1.0\",\"name\":\"net\","
		"\"ipam\":{\"dataDir\":\"%s/file\",\"subnet\":\"10.1.0.0/24\"}}";
	struct cni_result res = {0};
	struct cni_error err = {0};
	char p[160];

	ck_assert_int_eq(add(gc, "keep", "eth0", NULL, &res, &err), 0);
	cni_result_done(&res);
	ck_assert_int_eq(add(gc, "drop", "eth0", NULL, &res, &err), 0);
	cni_result_done(&res);
	ck_assert_int_eq(run(ops_gc, gc, "x", &err), 0);
	ck_assert(file_exists("10.1.0.2") && !file_exists("10.1.0.3"));
	ck_assert_int_eq(run(ops_status, gc, "x", &err), 0);
	snprintf(p, sizeof(p), "%s/file", tmp);
	close(open(p, O_WRONLY | O_CREAT, 0600));
	ck_assert_int_lt(run(ops_status, bad_dir, "x", &err), 0);
	ck_assert_int_eq(err.code, 50);
	ck_assert_msg(strstr(err.msg, "is not usable: Not a directory") != NULL, "%s", err.msg);
}
END_TEST

Suite *hostlocal_suite(void)
{
	Suite *s = suite_create("hostlocal");
	TCase *conf = tcase_create("config"), *ops = tcase_create("ops");

	tcase_add_checked_fixture(conf, setup, teardown);
	tcase_add_test(conf, test_defaults);
	tcase_add_test(conf, test_every_key);
	tcase_add_test(conf, test_legacy_without_subnet);
	tcase_add_test(conf, test_old_versions);
	tcase_add_loop_test(conf, test_bad_config, 0, (int)ELEMENTSOF(bad_cases));
	tcase_add_test(conf, test_resolv_conf);
	tcase_add_test(conf, test_gc_attachments);
	suite_add_tcase(s, conf);
	tcase_add_checked_fixture(ops, setup, teardown);
	tcase_add_test(ops, test_ops_lifecycle);
	tcase_add_test(ops, test_ops_rollback);
	tcase_add_test(ops, test_ops_requested);
	tcase_add_test(ops, test_ops_dns_and_legacy_check);
	tcase_add_test(ops, test_ops_gc_status);
	suite_add_tcase(s, ops);
	return s;
}
