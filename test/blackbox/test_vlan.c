/* test_vlan.c: the bridge plugin's VLAN keys (vlan, vlanTrunk, preserveDefaultVlan, and
 * the VLAN gateway of isGateway), in the vm lane: bridge VLAN filtering is missing from
 * the CI machine's kernel. Port VLANs are read back with `bridge -j vlan show`, the
 * bridge's vlan_filtering with `ip -d -j link show`; isolation is proven with ping between
 * pods on the same subnet and different VLANs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testns.h"

#define NET "vlnet"
#define SUBNET "10.60.0.0/24"
#define GW "10.60.0.1"
#define VLAN_MAX 4094
#define TIMEOUT 120 /* each exec costs ~0.1 s under TCG */
#define CONF_LEN (PATH_MAX + 1024)

extern char **environ;

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* ---- commands other than ip ---- */

/* Runs argv (PATH lookup), stdout captured into *out (may be NULL), stderr passed on.
 * Returns the exit status, or -1 when it could not run. */
static int spawn_out(char *const argv[], char **out)
{
	posix_spawn_file_actions_t fa;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int p[2], status, k;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	k = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (k != 0) {
		close(p[0]);
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (len + 4097 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);

			ck_assert_ptr_nonnull(nb);
			buf = nb;
		}
		n = read(p[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	if (buf)
		buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (out)
		*out = buf ? buf : strdup("");
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ping from a pod: 0 when answered. Quiet (a ping that must fail prints nothing). */
static int ping(const char *ns, const char *ip, int wait_s)
{
	char w[16];
	char *argv[] = {"ip", "netns", "exec", (char *)ns, "ping", "-q", "-c", "1", "-W", w, (char *)ip, NULL};

	snprintf(w, sizeof(w), "%d", wait_s);
	return spawn_out(argv, NULL);
}

/* ---- port VLANs ---- */

enum { VID_ON = 1, VID_PVID = 2, VID_UNTAGGED = 4 };

/* The VLANs of a bridge port as text: "1PU 100 101", each present VID in order, P for
 * PVID, U for egress untagged. */
static void port_vlans(const char *port, char *text, size_t len)
{
	static unsigned char vid[VLAN_MAX + 1];
	char *argv[] = {"bridge", "-j", "vlan", "show", "dev", (char *)port, NULL};
	char *out = NULL;
	json_auto_t *j = NULL;
	const json_t *e, *v;
	size_t i, k, off = 0;

	memset(vid, 0, sizeof(vid));
	ck_assert_int_eq(spawn_out(argv, &out), 0);
	j = json_loads(out, 0, NULL);
	ck_assert_msg(j != NULL, "bridge -j vlan show dev %s: unparsable: %s", port, out);
	free(out);
	json_array_foreach (j, i, e) {
		if (!streq(json_string_value(json_object_get(e, "ifname")), port))
			continue;
		json_array_foreach (json_object_get(e, "vlans"), k, v) {
			json_int_t lo = json_integer_value(json_object_get(v, "vlan"));
			json_int_t hi = json_object_get(v, "vlanEnd") ? json_integer_value(json_object_get(v, "vlanEnd")) : lo;
			const json_t *f;
			unsigned char flags = VID_ON;
			size_t n;

			json_array_foreach (json_object_get(v, "flags"), n, f) {
				flags |= streq(json_string_value(f), "PVID") ? VID_PVID : 0;
				flags |= streq(json_string_value(f), "Egress Untagged") ? VID_UNTAGGED : 0;
			}
			ck_assert_msg(lo >= 1 && hi <= VLAN_MAX && lo <= hi, "odd VLAN entry %s", jdump(v));
			for (json_int_t x = lo; x <= hi; x++)
				vid[x] = flags;
		}
	}
	text[0] = '\0';
	for (int x = 1; x <= VLAN_MAX && off < len; x++)
		if (vid[x])
			off += (size_t)snprintf(text + off, len - off, "%s%d%s%s", off ? " " : "", x,
						vid[x] & VID_PVID ? "P" : "", vid[x] & VID_UNTAGGED ? "U" : "");
}

#define assert_port_vlans(port, want)                                                           \
	do {                                                                                    \
		char have_[512];                                                                \
		port_vlans((port), have_, sizeof(have_));                                       \
		ck_assert_msg(strcmp(have_, (want)) == 0, "VLANs of port %s: \"%s\", expected \"%s\"", \
			      (port), have_, (want));                                           \
	} while (0)

/* The bridge exists and its vlan_filtering is on. */
static void assert_filtering(const char *br)
{
	json_auto_t *l = ipj_link(NULL, br);
	const json_t *d = json_object_get(json_object_get(l, "linkinfo"), "info_data");

	ck_assert_msg(l != NULL, "no bridge %s", br);
	ck_assert_msg(json_integer_value(json_object_get(d, "vlan_filtering")) == 1,
		      "%s should have vlan_filtering 1: %s", br, jdump(l));
}

/* ---- configs and runs ---- */

static void new_bridge_name(char br[static IFNAMSIZ])
{
	/* short enough for "<bridge>.<vid>" */
	snprintf(br, IFNAMSIZ, "vbr%d", (int)(getpid() % 100000));
}

/* A bridge config over host-local; extra is more top-level keys (",\"vlan\":100"). */
static void conf_of(char *buf, size_t len, const char *br, const char *datadir, const char *extra)
{
	int n = snprintf(buf, len,
			 "{\"cniVersion\":\"1.0.0\",\"name\":\"" NET "\",\"type\":\"bridge\",\"bridge\":\"%s\"%s,"
			 "\"ipam\":{\"type\":\"host-local\",\"subnet\":\"" SUBNET "\",\"dataDir\":\"%s\"}}",
			 br, extra, datadir);

	ck_assert_msg(n > 0 && (size_t)n < len, "config too long");
}

static void run(const char *cmd, const char *ns, const char *cid, const char *conf, struct plugin_run *r)
{
	plugin_run_done(r);
	ck_assert_int_eq(plugin_exec("bridge", cmd, ns, "eth0", cid, conf, NULL, r), 0);
}

/* interfaces[i].name of a result */
static const char *iface_name(const struct plugin_run *r, size_t i)
{
	const char *n = json_string_value(json_object_get(json_array_get(json_object_get(r->json, "interfaces"), i),
							  "name"));

	ck_assert_msg(n != NULL, "no interfaces[%zu].name in %s", i, jdump(r->json));
	return n;
}

/* ips[0].address without the prefix */
static void result_ip(const struct plugin_run *r, char ip[static 64])
{
	const char *a = json_string_value(json_object_get(json_array_get(json_object_get(r->json, "ips"), 0),
							  "address"));

	ck_assert_msg(a != NULL, "no ips[0].address in %s", jdump(r->json));
	snprintf(ip, 64, "%.*s", (int)strcspn(a, "/"), a);
}

static void check_ok(const char *ns, const char *cid, const char *conf, const struct plugin_run *add)
{
	_cleanup_run_ struct plugin_run r = {0};
	char *prev = json_dumps(add->json, JSON_COMPACT);
	char *c = NULL;

	ck_assert_ptr_nonnull(prev);
	ck_assert_int_ge(asprintf(&c, "%.*s,\"prevResult\":%s}", (int)strlen(conf) - 1, conf, prev), 0);
	free(prev);
	run("CHECK", ns, cid, c, &r);
	free(c);
	assert_run_ok(&r);
}

static void del_ok(const char *ns, const char *cid, const char *conf)
{
	_cleanup_run_ struct plugin_run r = {0};

	for (int i = 0; i < 2; i++) {
		run("DEL", ns, cid, conf, &r);
		assert_run_ok(&r);
		ck_assert_msg(r.out_len == 0, "DEL printed: %s", r.out);
	}
}

/* Reservation files of NET under datadir. */
static int store_count(const char *datadir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/" NET, datadir);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' && strcmp(de->d_name, "lock") != 0 &&
		     strncmp(de->d_name, "last_reserved_ip.", 17) != 0;
	closedir(d);
	return n;
}

/* ---- access VLAN ---- */

/* vlan: 100 → a filtering bridge; the port has 100 as PVID untagged and lost VID 1
 * (unless preserveDefaultVlan). DEL removes the port, the bridge stays. */
START_TEST(access_vlan)
{
	const bool preserve = _i == 1;
	_cleanup_run_ struct plugin_run r = {0};
	char br[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX], conf[CONF_LEN], port[IFNAMSIZ];

	new_bridge_name(br);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), br, dir, preserve ? ",\"vlan\":100,\"preserveDefaultVlan\":true" : ",\"vlan\":100");
	ck_assert_ptr_null(ipj_link(NULL, br));

	run("ADD", ns, "ctr-vlan-a", conf, &r);
	assert_run_ok(&r);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "interfaces")), 3);
	ck_assert_str_eq(iface_name(&r, 0), br);
	snprintf(port, sizeof(port), "%s", iface_name(&r, 1));
	assert_filtering(br);
	assert_port_vlans(port, preserve ? "1U 100PU" : "100PU");
	ck_assert(ipj_has_addr(ns, "eth0", "10.60.0.2/24"));
	assert_link_up(ns, "eth0", true);
	check_ok(ns, "ctr-vlan-a", conf, &r);

	del_ok(ns, "ctr-vlan-a", conf);
	ck_assert_ptr_null(ipj_link(NULL, port));
	ck_assert_ptr_null(ipj_link(ns, "eth0"));
	assert_filtering(br);
	ck_assert_int_eq(store_count(dir), 0);
}
END_TEST

/* ---- trunks ---- */

static const struct {
	const char *extra, *want;
} trunks[] = {
	/* native VLAN 1 (PVID, untagged) plus the tagged trunk */
	{",\"vlanTrunk\":[{\"id\":101},{\"minID\":200,\"maxID\":205}]", "1PU 101 200 201 202 203 204 205"},
	/* vlan is the native VLAN, VID 1 is gone */
	{",\"vlan\":100,\"vlanTrunk\":[{\"id\":101},{\"minID\":200,\"maxID\":205}]",
	 "100PU 101 200 201 202 203 204 205"},
	/* overlapping entries, the edges of the range */
	{",\"vlanTrunk\":[{\"minID\":4090,\"maxID\":4094},{\"id\":4092},{\"minID\":2,\"maxID\":2}]",
	 "1PU 2 4090 4091 4092 4093 4094"},
	/* keep VID 1 next to an access VLAN */
	{",\"vlan\":100,\"preserveDefaultVlan\":true,\"vlanTrunk\":[{\"id\":7}]", "1U 7 100PU"},
	/* the access VLAN also in the trunk stays the untagged PVID (the reference leaves it
	 * tagged without PVID, cutting the pod off) */
	{",\"vlan\":100,\"vlanTrunk\":[{\"minID\":99,\"maxID\":101}]", "99 100PU 101"},
};

START_TEST(trunk_vlans)
{
	_cleanup_run_ struct plugin_run r = {0};
	char br[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX], conf[CONF_LEN], port[IFNAMSIZ];

	new_bridge_name(br);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), br, dir, trunks[_i].extra);
	run("ADD", ns, "ctr-vlan-t", conf, &r);
	assert_run_ok(&r);
	snprintf(port, sizeof(port), "%s", iface_name(&r, 1));
	assert_filtering(br);
	assert_port_vlans(port, trunks[_i].want);
	check_ok(ns, "ctr-vlan-t", conf, &r);
	del_ok(ns, "ctr-vlan-t", conf);
	ck_assert_ptr_null(ipj_link(NULL, port));
	assert_filtering(br);
}
END_TEST

/* ---- invalid VLAN keys: code 7 naming the key, before anything is created ---- */

static const struct {
	const char *extra, *key;
} invalid[] = {
	{",\"vlanTrunk\":[{\"minID\":200}]", "minID"},
	{",\"vlanTrunk\":[{\"maxID\":200}]", "maxID"},
	{",\"vlanTrunk\":[{\"minID\":205,\"maxID\":200}]", "minID"},
	{",\"vlanTrunk\":[{\"id\":0}]", "vlanTrunk[0].id"},
	{",\"vlanTrunk\":[{\"id\":4095}]", "vlanTrunk[0].id"},
	{",\"vlanTrunk\":[{\"id\":5},{\"minID\":0,\"maxID\":10}]", "vlanTrunk[1].minID"},
	{",\"vlanTrunk\":[{\"minID\":1,\"maxID\":4095}]", "vlanTrunk[0].maxID"},
	{",\"vlanTrunk\":[5]", "vlanTrunk[0]"},
	{",\"vlanTrunk\":{\"id\":5}", "vlanTrunk"},
	{",\"vlan\":4095", "vlan"},
	{",\"vlan\":-1", "vlan"},
	{",\"vlan\":\"100\"", "vlan"},
};

START_TEST(invalid_vlan_config)
{
	_cleanup_run_ struct plugin_run r = {0};
	char br[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX], conf[CONF_LEN];
	json_auto_t *links = NULL;

	new_bridge_name(br);
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), br, dir, invalid[_i].extra);
	run("ADD", ns, "ctr-vlan-x", conf, &r);
	assert_cni_error(&r, 7, invalid[_i].key);
	/* nothing created: no bridge (no link at all but lo on the host), nothing in the pod,
	 * nothing reserved */
	links = ipj(NULL, "link show");
	ck_assert_msg(json_array_size(links) == 1, "the host has more than lo: %s", jdump(links));
	json_decref(links);
	links = ipj(ns, "link show");
	ck_assert_msg(json_array_size(links) == 1, "the pod has more than lo: %s", jdump(links));
	ck_assert_int_eq(store_count(dir), 0);
}
END_TEST

/* ---- the VLAN gateway and isolation ---- */

/* vlan: 100 with isGateway: the gateway address lives on "<bridge>.100", which the result
 * lists after the container interface and whose bridge port is an access port of VLAN 100.
 * Pods on VLAN 100 reach it and each other; pods on VLAN 200 (same bridge, same subnet)
 * reach each other but nothing on VLAN 100. */
START_TEST(gateway_and_isolation)
{
	_cleanup_run_ struct plugin_run a = {0}, b = {0}, c = {0}, d = {0};
	char br[IFNAMSIZ], gwif[IFNAMSIZ + 8], pa[TESTNS_NAMELEN], pb[TESTNS_NAMELEN], pc[TESTNS_NAMELEN],
		pd[TESTNS_NAMELEN], dir[PATH_MAX], conf100[CONF_LEN], conf200[CONF_LEN], ipb[64], ipc[64], ipd[64],
		gwport[IFNAMSIZ], path[PATH_MAX];
	json_auto_t *gl = NULL, *pl = NULL;
	const json_t *ifs;

	new_bridge_name(br);
	snprintf(gwif, sizeof(gwif), "%s.100", br);
	ck_assert_int_eq(testns_create(pa), 0);
	ck_assert_int_eq(testns_create(pb), 0);
	ck_assert_int_eq(testns_create(pc), 0);
	ck_assert_int_eq(testns_create(pd), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf100, sizeof(conf100), br, dir, ",\"vlan\":100,\"isGateway\":true");
	conf_of(conf200, sizeof(conf200), br, dir, ",\"vlan\":200");

	run("ADD", pa, "ctr-vlan-a", conf100, &a);
	assert_run_ok(&a);
	/* [bridge, host veth, eth0 (sandbox), <bridge>.100] and the IPs on eth0 */
	ifs = json_object_get(a.json, "interfaces");
	ck_assert_msg(json_array_size(ifs) == 4, "expected 4 interfaces: %s", jdump(a.json));
	ck_assert_str_eq(iface_name(&a, 0), br);
	ck_assert_str_eq(iface_name(&a, 2), "eth0");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ifs, 2), "sandbox")), testns_path(pa, path));
	ck_assert_str_eq(iface_name(&a, 3), gwif);
	ck_assert_ptr_null(json_object_get(json_array_get(ifs, 3), "sandbox"));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(a.json, "ips"), 0),
							    "interface")),
			 2);
	/* the gateway is on <bridge>.100, not on the bridge */
	ck_assert_msg(ipj_has_addr(NULL, gwif, GW "/24"), "%s lacks " GW "/24", gwif);
	ck_assert_msg(!ipj_has_addr(NULL, br, GW "/24"), "the bridge itself has " GW "/24");
	assert_link_up(NULL, gwif, true);
	/* its peer is a port of the bridge, access port of VLAN 100 */
	gl = ipj_link(NULL, gwif);
	ck_assert_msg(json_string_value(json_object_get(gl, "link")), "%s has no peer: %s", gwif, jdump(gl));
	snprintf(gwport, sizeof(gwport), "%s", json_string_value(json_object_get(gl, "link")));
	pl = ipj_link(NULL, gwport);
	ck_assert_msg(streq(json_string_value(json_object_get(pl, "master")), br), "%s is not a port of %s: %s",
		      gwport, br, jdump(pl));
	assert_port_vlans(gwport, "100PU");
	assert_port_vlans(iface_name(&a, 1), "100PU");
	assert_filtering(br);
	ck_assert_int_eq(ping(pa, GW, 5), 0);
	check_ok(pa, "ctr-vlan-a", conf100, &a);

	/* a second pod on VLAN 100: same gateway interface, reachable both ways */
	run("ADD", pb, "ctr-vlan-b", conf100, &b);
	assert_run_ok(&b);
	ck_assert_str_eq(iface_name(&b, 3), gwif);
	result_ip(&b, ipb);
	ck_assert_int_eq(ping(pa, ipb, 5), 0);
	ck_assert_int_eq(ping(pb, GW, 5), 0);

	/* two pods on VLAN 200 */
	run("ADD", pc, "ctr-vlan-c", conf200, &c);
	assert_run_ok(&c);
	check_ok(pc, "ctr-vlan-c", conf200, &c);
	run("ADD", pd, "ctr-vlan-d", conf200, &d);
	assert_run_ok(&d);
	ck_assert_int_eq(json_array_size(json_object_get(c.json, "interfaces")), 3);
	assert_port_vlans(iface_name(&c, 1), "200PU");
	result_ip(&c, ipc);
	result_ip(&d, ipd);
	ck_assert_int_eq(ping(pc, ipd, 5), 0); /* VLAN 200 works... */
	ck_assert_int_ne(ping(pa, ipc, 1), 0); /* ...and is cut off from VLAN 100 */
	ck_assert_int_ne(ping(pc, GW, 1), 0);
	ck_assert_int_ne(ping(pd, ipb, 1), 0);

	del_ok(pa, "ctr-vlan-a", conf100);
	del_ok(pb, "ctr-vlan-b", conf100);
	del_ok(pc, "ctr-vlan-c", conf200);
	del_ok(pd, "ctr-vlan-d", conf200);
	ck_assert_int_eq(store_count(dir), 0);
	/* the ports are gone; the bridge and its VLAN gateway are shared and stay */
	ck_assert_ptr_null(ipj_link(NULL, iface_name(&a, 1)));
	ck_assert_ptr_null(ipj_link(NULL, iface_name(&c, 1)));
	assert_filtering(br);
	ck_assert(ipj_has_addr(NULL, gwif, GW "/24"));
}
END_TEST

/* The bridge's MAC must not follow its ports once the plugin reports it: with isGateway
 * the plugin pins it (the gateway address goes on "<bridge>.100" with a VLAN, but the
 * bridge is the same), so a port with a lower MAC joining later changes nothing and CHECK
 * of the earlier pod still passes. _i == 1 is the same without a VLAN. */
START_TEST(gateway_pins_bridge_mac)
{
	_cleanup_run_ struct plugin_run a = {0};
	char br[IFNAMSIZ], low[IFNAMSIZ], ns[TESTNS_NAMELEN], dir[PATH_MAX], conf[CONF_LEN];
	const char *mac;
	json_auto_t *l = NULL;

	new_bridge_name(br);
	snprintf(low, sizeof(low), "vlow%d", (int)(getpid() % 100000));
	ck_assert_int_eq(testns_create(ns), 0);
	ck_assert_int_eq(testdir_create(dir), 0);
	conf_of(conf, sizeof(conf), br, dir, _i == 0 ? ",\"vlan\":100,\"isGateway\":true" : ",\"isGateway\":true");
	run("ADD", ns, "ctr-vlan-m", conf, &a);
	assert_run_ok(&a);
	mac = json_string_value(json_object_get(json_array_get(json_object_get(a.json, "interfaces"), 0), "mac"));
	ck_assert_ptr_nonnull(mac);
	/* a port with the lowest possible unicast MAC joins */
	ck_assert_int_eq(ip_run(NULL, "link add %s address 02:00:00:00:00:01 type dummy", low), 0);
	ck_assert_int_eq(ip_run(NULL, "link set %s master %s", low, br), 0);
	ck_assert_int_eq(ip_run(NULL, "link set %s up", low), 0);
	l = ipj_link(NULL, br);
	ck_assert_msg(streq(json_string_value(json_object_get(l, "address")), mac),
		      "the bridge's MAC changed from %s (in the ADD result) to %s when a port joined", mac,
		      json_string_value(json_object_get(l, "address")));
	check_ok(ns, "ctr-vlan-m", conf, &a);
	del_ok(ns, "ctr-vlan-m", conf);
}
END_TEST

Suite *vlan_suite(void)
{
	Suite *s;
	TCase *tc;

	if (!plugin_available("bridge") || !plugin_available("host-local"))
		return NULL;
	s = suite_create("vlan");

	tc = tcase_create("access");
	testns_tcase(tc, TIMEOUT);
	tcase_add_loop_test(tc, access_vlan, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("trunk");
	testns_tcase(tc, TIMEOUT);
	tcase_add_loop_test(tc, trunk_vlans, 0, (int)(sizeof(trunks) / sizeof(trunks[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("invalid");
	testns_tcase(tc, TIMEOUT);
	tcase_add_loop_test(tc, invalid_vlan_config, 0, (int)(sizeof(invalid) / sizeof(invalid[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("gateway");
	testns_tcase(tc, TIMEOUT);
	tcase_add_test(tc, gateway_and_isolation);
	tcase_add_loop_test(tc, gateway_pins_bridge_mac, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
