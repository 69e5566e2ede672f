/* test_loopback.c: the loopback plugin from outside: ADD/CHECK/DEL in a namespace of its
 * own, the result shape of every spec version, prevResult passthrough and the DEL cases a
 * runtime produces (namespace gone, empty, not a namespace). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testns.h"

static const char *const versions[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
#define V_040 4 /* first index that has CHECK */
#define N_VERSIONS ((int)(sizeof(versions) / sizeof(versions[0])))

#define CID "ctr-loopback-1"

static void new_ns(char ns[static TESTNS_NAMELEN])
{
	ck_assert_int_eq(testns_create(ns), 0);
}

static void run(const char *cmd, const char *ns, const char *conf, const char *extra[], struct plugin_run *r)
{
	/* CNI_IFNAME is deliberately not "lo": the plugin ignores it, as the reference does. */
	ck_assert_int_eq(plugin_exec("loopback", cmd, ns, "eth0", CID, conf, extra, r), 0);
}

static void conf_of(char *buf, size_t len, const char *version, const char *prev)
{
	snprintf(buf, len, "{\"cniVersion\":\"%s\",\"name\":\"lo-net\",\"type\":\"loopback\"%s%s}", version,
		 prev ? ",\"prevResult\":" : "", prev ? prev : "");
}

static bool legacy(int v)
{
	return v < 2;
}

/* The result loopback must print, in the exact shape of version v (§7 #15: real per-version
 * shapes, not the reference's 1.x shape under an older label). */
static void expected_result(char *buf, size_t len, int v, const char *sandbox, bool v6)
{
	const char *ver = versions[v];

	if (legacy(v))
		snprintf(buf, len, "{\"cniVersion\":\"%s\",\"ip4\":{\"ip\":\"127.0.0.1/8\"}%s,\"dns\":{}}", ver,
			 v6 ? ",\"ip6\":{\"ip\":\"::1/128\"}" : "");
	else if (v <= V_040)
		snprintf(buf, len,
			 "{\"cniVersion\":\"%s\",\"interfaces\":[{\"name\":\"lo\",\"mac\":\"00:00:00:00:00:00\","
			 "\"sandbox\":\"%s\"}],\"ips\":[{\"version\":\"4\",\"interface\":0,\"address\":\"127.0.0.1/8\"}"
			 "%s],\"dns\":{}}",
			 ver, sandbox, v6 ? ",{\"version\":\"6\",\"interface\":0,\"address\":\"::1/128\"}" : "");
	else
		snprintf(buf, len,
			 "{\"cniVersion\":\"%s\",\"interfaces\":[{\"name\":\"lo\",\"mac\":\"00:00:00:00:00:00\","
			 "\"sandbox\":\"%s\"}],\"ips\":[{\"interface\":0,\"address\":\"127.0.0.1/8\"}%s]}",
			 ver, sandbox, v6 ? ",{\"interface\":0,\"address\":\"::1/128\"}" : "");
}

/* A result as the bridge plugin would have produced it, in version v. */
static void bridge_result(char *buf, size_t len, int v)
{
	const char *ver = versions[v];
	const char *dns = "\"dns\":{\"nameservers\":[\"10.1.0.1\"],\"search\":[\"example.org\"]}";

	if (legacy(v))
		snprintf(buf, len,
			 "{\"cniVersion\":\"%s\",\"ip4\":{\"ip\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\","
			 "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"}]},\"ip6\":{\"ip\":\"fd00:1::5/64\","
			 "\"gateway\":\"fd00:1::1\",\"routes\":[{\"dst\":\"::/0\",\"gw\":\"fd00:1::1\"}]},%s}",
			 ver, dns);
	else
		snprintf(buf, len,
			 "{\"cniVersion\":\"%s\",\"interfaces\":[{\"name\":\"cni0\",\"mac\":\"0a:58:0a:01:00:01\"},"
			 "{\"name\":\"veth1a2b3c4d\",\"mac\":\"0a:58:0a:01:00:02\"},{\"name\":\"eth0\","
			 "\"mac\":\"0a:58:0a:01:00:05\",\"sandbox\":\"/var/run/netns/pod\"%s}],"
			 "\"ips\":[{%s\"interface\":2,\"address\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\"},"
			 "{%s\"interface\":2,\"address\":\"fd00:1::5/64\",\"gateway\":\"fd00:1::1\"}],"
			 "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"%s},{\"dst\":\"::/0\","
			 "\"gw\":\"fd00:1::1\"}],%s}",
			 ver, v == N_VERSIONS - 1 ? ",\"mtu\":1400" : "", v <= V_040 ? "\"version\":\"4\"," : "",
			 v <= V_040 ? "\"version\":\"6\"," : "", v == N_VERSIONS - 1 ? ",\"priority\":100" : "", dns);
}

START_TEST(add_result_every_version)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN], conf[512], expect[1024], path[PATH_MAX];

	new_ns(ns);
	assert_link_up(ns, "lo", false);
	conf_of(conf, sizeof(conf), versions[_i], NULL);
	run("ADD", ns, conf, NULL, &r);
	assert_run_ok(&r);
	assert_cni_version(&r, versions[_i]);
	assert_link_up(ns, "lo", true);
	expected_result(expect, sizeof(expect), _i, testns_path(ns, path), ipj_has_addr(ns, "lo", "::1/128"));
	assert_json_equal(r.json, expect);
}
END_TEST

START_TEST(add_no_cniversion_is_010)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN], expect[1024], path[PATH_MAX];

	new_ns(ns);
	run("ADD", ns, "{\"name\":\"lo-net\",\"type\":\"loopback\"}", NULL, &r);
	assert_run_ok(&r);
	expected_result(expect, sizeof(expect), 0, testns_path(ns, path), ipj_has_addr(ns, "lo", "::1/128"));
	assert_json_equal(r.json, expect);
	assert_link_up(ns, "lo", true);
}
END_TEST

START_TEST(add_twice_same_result)
{
	_cleanup_run_ struct plugin_run r1 = {0}, r2 = {0};
	char ns[TESTNS_NAMELEN], conf[512];

	new_ns(ns);
	conf_of(conf, sizeof(conf), "1.0.0", NULL);
	run("ADD", ns, conf, NULL, &r1);
	assert_run_ok(&r1);
	run("ADD", ns, conf, NULL, &r2);
	assert_run_ok(&r2);
	ck_assert_msg(json_equal(r1.json, r2.json), "%s != %s", jdump(r1.json), jdump(r2.json));
}
END_TEST

START_TEST(add_without_cni_path_or_with_cni_args)
{
	/* CNI_PATH is optional for plugins that delegate nothing (§7 #4); loopback does not
	 * interpret CNI_ARGS, so unknown keys are no error. */
	const char *no_path[] = {"-CNI_PATH", NULL};
	const char *args[] = {"CNI_ARGS=FOO=bar;K8S_POD_NAME=x", NULL};
	_cleanup_run_ struct plugin_run r1 = {0}, r2 = {0};
	char ns[TESTNS_NAMELEN], conf[512];

	new_ns(ns);
	conf_of(conf, sizeof(conf), "1.1.0", NULL);
	run("ADD", ns, conf, no_path, &r1);
	assert_run_ok(&r1);
	assert_cni_version(&r1, "1.1.0");
	run("ADD", ns, conf, args, &r2);
	assert_run_ok(&r2);
	assert_link_up(ns, "lo", true);
}
END_TEST

START_TEST(add_prevresult_passthrough)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN], prev[2048], conf[4096];

	new_ns(ns);
	bridge_result(prev, sizeof(prev), _i);
	conf_of(conf, sizeof(conf), versions[_i], prev);
	run("ADD", ns, conf, NULL, &r);
	assert_run_ok(&r);
	assert_cni_version(&r, versions[_i]);
	assert_json_equal(r.json, prev);
	assert_link_up(ns, "lo", true);
}
END_TEST

START_TEST(add_prevresult_converted)
{
	/* A prevResult of another version comes back in the config's version. */
	_cleanup_run_ struct plugin_run up = {0}, down = {0};
	char ns[TESTNS_NAMELEN], prev[2048], conf[4096];

	new_ns(ns);
	bridge_result(prev, sizeof(prev), 1); /* 0.2.0 inside a 1.0.0 config */
	conf_of(conf, sizeof(conf), "1.0.0", prev);
	run("ADD", ns, conf, NULL, &up);
	assert_run_ok(&up);
	assert_json_equal(up.json, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.0.5/24\","
				   "\"gateway\":\"10.1.0.1\"},{\"address\":\"fd00:1::5/64\",\"gateway\":\"fd00:1::1\"}],"
				   "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"},{\"dst\":\"::/0\","
				   "\"gw\":\"fd00:1::1\"}],\"dns\":{\"nameservers\":[\"10.1.0.1\"],"
				   "\"search\":[\"example.org\"]}}");
	bridge_result(prev, sizeof(prev), 6); /* 1.1.0 inside a 0.2.0 config */
	conf_of(conf, sizeof(conf), "0.2.0", prev);
	run("ADD", ns, conf, NULL, &down);
	assert_run_ok(&down);
	bridge_result(prev, sizeof(prev), 1);
	assert_json_equal(down.json, prev);
}
END_TEST

START_TEST(add_prevresult_still_checks_lo)
{
	/* As in the reference, lo's addresses are checked before a prevResult is passed on.
	 * Fails until plugins/loopback/loopback.c validates lo in that case too (patch in the
	 * test report). */
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN], prev[2048], conf[4096];

	new_ns(ns);
	ck_assert_int_eq(ip_run(ns, "addr add 10.11.12.13/32 dev lo"), 0);
	bridge_result(prev, sizeof(prev), 5);
	conf_of(conf, sizeof(conf), "1.0.0", prev);
	run("ADD", ns, conf, NULL, &r);
	assert_cni_error(&r, 999, "non-loopback address 10.11.12.13/32");
}
END_TEST

START_TEST(add_non_loopback_address_fails)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN], conf[512];

	new_ns(ns);
	ck_assert_int_eq(ip_run(ns, "addr add 10.11.12.13/32 dev lo"), 0);
	conf_of(conf, sizeof(conf), "1.0.0", NULL);
	run("ADD", ns, conf, NULL, &r);
	assert_cni_error(&r, 999, "non-loopback address 10.11.12.13/32");
}
END_TEST

START_TEST(check_after_add)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	char ns[TESTNS_NAMELEN], conf[512], conf_prev[4096];
	char *prev;

	new_ns(ns);
	conf_of(conf, sizeof(conf), versions[_i], NULL);
	run("ADD", ns, conf, NULL, &add);
	assert_run_ok(&add);
	prev = json_dumps(add.json, JSON_COMPACT);
	ck_assert_ptr_nonnull(prev);
	conf_of(conf_prev, sizeof(conf_prev), versions[_i], prev);
	free(prev);
	run("CHECK", ns, conf_prev, NULL, &chk);
	assert_run_ok(&chk);
	ck_assert_msg(chk.out_len == 0, "CHECK printed: %s", chk.out);
}
END_TEST

START_TEST(check_lo_down_fails)
{
	_cleanup_run_ struct plugin_run add = {0}, chk = {0};
	char ns[TESTNS_NAMELEN], conf[512];

	new_ns(ns);
	conf_of(conf, sizeof(conf), versions[_i], NULL);
	/* A fresh namespace has lo down; also after an ADD someone may take it down. */
	run("CHECK", ns, conf, NULL, &chk);
	assert_cni_error(&chk, 999, "loopback interface is down");
	assert_cni_version(&chk, versions[_i]);
	run("ADD", ns, conf, NULL, &add);
	assert_run_ok(&add);
	ck_assert_int_eq(ip_run(ns, "link set lo down"), 0);
	plugin_run_done(&chk);
	run("CHECK", ns, conf, NULL, &chk);
	assert_cni_error(&chk, 999, "loopback interface is down");
}
END_TEST

START_TEST(del_sets_lo_down_and_repeats)
{
	_cleanup_run_ struct plugin_run add = {0}, del1 = {0}, del2 = {0};
	char ns[TESTNS_NAMELEN], conf[512];

	new_ns(ns);
	conf_of(conf, sizeof(conf), versions[_i], NULL);
	run("ADD", ns, conf, NULL, &add);
	assert_run_ok(&add);
	assert_link_up(ns, "lo", true);
	run("DEL", ns, conf, NULL, &del1);
	assert_run_ok(&del1);
	ck_assert_msg(del1.out_len == 0, "DEL printed: %s", del1.out);
	assert_link_up(ns, "lo", false);
	run("DEL", ns, conf, NULL, &del2);
	assert_run_ok(&del2);
	ck_assert_msg(del2.out_len == 0, "DEL printed: %s", del2.out);
	assert_link_up(ns, "lo", false);
}
END_TEST

START_TEST(del_with_prevresult)
{
	/* 0.4.0+ runtimes pass the ADD result to DEL. */
	_cleanup_run_ struct plugin_run add = {0}, del = {0};
	char ns[TESTNS_NAMELEN], conf[512], conf_prev[4096];
	char *prev;

	new_ns(ns);
	conf_of(conf, sizeof(conf), "0.4.0", NULL);
	run("ADD", ns, conf, NULL, &add);
	assert_run_ok(&add);
	prev = json_dumps(add.json, JSON_COMPACT);
	ck_assert_ptr_nonnull(prev);
	conf_of(conf_prev, sizeof(conf_prev), "0.4.0", prev);
	free(prev);
	run("DEL", ns, conf_prev, NULL, &del);
	assert_run_ok(&del);
	assert_link_up(ns, "lo", false);
}
END_TEST

START_TEST(del_with_broken_prevresult)
{
	/* A prevResult a DEL cannot parse (a corrupt cache) must not stop the cleanup. */
	_cleanup_run_ struct plugin_run add = {0}, del = {0}, chk = {0};
	char ns[TESTNS_NAMELEN], conf[512], broken[1024];

	new_ns(ns);
	conf_of(conf, sizeof(conf), "1.0.0", NULL);
	run("ADD", ns, conf, NULL, &add);
	assert_run_ok(&add);
	conf_of(broken, sizeof(broken), "1.0.0", "{\"ips\":[{\"address\":\"not-an-ip\"}]}");
	run("DEL", ns, broken, NULL, &del);
	assert_run_ok(&del);
	assert_link_up(ns, "lo", false);
	/* CHECK, which must consult prevResult, still refuses it (code 6). */
	run("CHECK", ns, broken, NULL, &chk);
	assert_cni_error(&chk, 6, "prevResult");
}
END_TEST

START_TEST(del_netns_gone)
{
	_cleanup_run_ struct plugin_run add = {0}, del = {0};
	char ns[TESTNS_NAMELEN], conf[512];

	new_ns(ns);
	conf_of(conf, sizeof(conf), "1.0.0", NULL);
	run("ADD", ns, conf, NULL, &add);
	assert_run_ok(&add);
	ck_assert_int_eq(testns_destroy(ns), 0);
	run("DEL", ns, conf, NULL, &del);
	assert_run_ok(&del);
	ck_assert_msg(del.out_len == 0, "DEL printed: %s", del.out);
}
END_TEST

START_TEST(del_netns_empty_or_unset)
{
	_cleanup_run_ struct plugin_run r1 = {0}, r2 = {0};
	char conf[512];

	conf_of(conf, sizeof(conf), "1.0.0", NULL);
	run("DEL", "", conf, NULL, &r1);
	assert_run_ok(&r1);
	run("DEL", NULL, conf, NULL, &r2);
	assert_run_ok(&r2);
	/* Nothing to do, and the host's lo is left alone. */
	assert_link_up(NULL, "lo", true);
}
END_TEST

START_TEST(del_netns_not_a_namespace)
{
	_cleanup_run_ struct plugin_run r1 = {0}, r2 = {0};
	char dir[PATH_MAX], file[PATH_MAX + 16], conf[512];
	int fd;

	ck_assert_int_eq(testdir_create(dir), 0);
	snprintf(file, sizeof(file), "%s/netns", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	conf_of(conf, sizeof(conf), "1.0.0", NULL);
	run("DEL", file, conf, NULL, &r1);
	assert_run_ok(&r1);
	run("DEL", dir, conf, NULL, &r2);
	assert_run_ok(&r2);
	assert_link_up(NULL, "lo", true);
}
END_TEST

Suite *loopback_suite(void)
{
	Suite *s;
	TCase *tc;

	if (!plugin_available("loopback"))
		return NULL;
	s = suite_create("loopback");

	tc = tcase_create("add");
	testns_tcase(tc, 30);
	tcase_add_loop_test(tc, add_result_every_version, 0, N_VERSIONS);
	tcase_add_test(tc, add_no_cniversion_is_010);
	tcase_add_test(tc, add_twice_same_result);
	tcase_add_test(tc, add_without_cni_path_or_with_cni_args);
	tcase_add_loop_test(tc, add_prevresult_passthrough, 0, N_VERSIONS);
	tcase_add_test(tc, add_prevresult_converted);
	tcase_add_test(tc, add_non_loopback_address_fails);
	tcase_add_test(tc, add_prevresult_still_checks_lo);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	testns_tcase(tc, 30);
	tcase_add_loop_test(tc, check_after_add, V_040, N_VERSIONS);
	tcase_add_loop_test(tc, check_lo_down_fails, V_040, N_VERSIONS);
	suite_add_tcase(s, tc);

	tc = tcase_create("del");
	testns_tcase(tc, 30);
	tcase_add_loop_test(tc, del_sets_lo_down_and_repeats, 0, N_VERSIONS);
	tcase_add_test(tc, del_with_prevresult);
	tcase_add_test(tc, del_with_broken_prevresult);
	tcase_add_test(tc, del_netns_gone);
	tcase_add_test(tc, del_netns_empty_or_unset);
	tcase_add_test(tc, del_netns_not_a_namespace);
	suite_add_tcase(s, tc);
	return s;
}
