/* test_errors.c: the error classes of the shared skel, seen through the loopback plugin.
 * Every error must be exactly one JSON object {cniVersion, code, msg[, details]} on stdout
 * with exit status 1 (assert_cni_error checks all of that). */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testns.h"

#define CONF_100 "{\"cniVersion\":\"1.0.0\",\"name\":\"lo-net\",\"type\":\"loopback\"}"
#define CID "ctr-errors-1"
#define ALL_VERSIONS "[\"0.1.0\",\"0.2.0\",\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]"

static void lo(const char *cmd, const char *ns, const char *ifname, const char *cid, const char *conf,
	       const char *extra[], struct plugin_run *r)
{
	ck_assert_int_eq(plugin_exec("loopback", cmd, ns, ifname, cid, conf, extra, r), 0);
}

static void msg_lacks(const struct plugin_run *r, const char *s)
{
	const char *msg = json_string_value(json_object_get(r->json, "msg"));

	ck_assert_msg(msg && !strstr(msg, s), "msg should not mention %s: %s", s, msg);
}

/* ---- environment ---- */

START_TEST(env_missing_all_add)
{
	_cleanup_run_ struct plugin_run r = {0};

	lo("ADD", NULL, NULL, NULL, CONF_100, NULL, &r);
	assert_cni_error(&r, 4, "CNI_CONTAINERID");
	assert_cni_error(&r, 4, "CNI_NETNS");
	assert_cni_error(&r, 4, "CNI_IFNAME");
	assert_cni_error(&r, 4, "missing");
	assert_cni_version(&r, "1.0.0");
}
END_TEST

START_TEST(env_missing_one_add)
{
	_cleanup_run_ struct plugin_run r1 = {0}, r2 = {0};
	char ns[TESTNS_NAMELEN];

	ck_assert_int_eq(testns_create(ns), 0);
	lo("ADD", ns, NULL, CID, CONF_100, NULL, &r1);
	assert_cni_error(&r1, 4, "CNI_IFNAME");
	msg_lacks(&r1, "CNI_CONTAINERID");
	msg_lacks(&r1, "CNI_NETNS");
	/* Set but empty counts as missing. */
	lo("ADD", ns, "eth0", "", CONF_100, NULL, &r2);
	assert_cni_error(&r2, 4, "CNI_CONTAINERID");
	msg_lacks(&r2, "CNI_IFNAME");
	assert_link_up(ns, "lo", false);
}
END_TEST

START_TEST(env_missing_del_check)
{
	_cleanup_run_ struct plugin_run del = {0}, chk = {0};

	/* CNI_NETNS is optional for DEL, required for CHECK. */
	lo("DEL", NULL, NULL, NULL, CONF_100, NULL, &del);
	assert_cni_error(&del, 4, "CNI_CONTAINERID");
	assert_cni_error(&del, 4, "CNI_IFNAME");
	msg_lacks(&del, "CNI_NETNS");
	lo("CHECK", NULL, "eth0", CID, CONF_100, NULL, &chk);
	assert_cni_error(&chk, 4, "CNI_NETNS");
	msg_lacks(&chk, "CNI_IFNAME");
}
END_TEST

START_TEST(env_bad_command)
{
	static const char *const bad[] = {"FOO", "add", "ADD ", "DELETE"};
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN];

	ck_assert_int_eq(testns_create(ns), 0);
	lo(bad[_i], ns, "eth0", CID, CONF_100, NULL, &r);
	assert_cni_error(&r, 4, "CNI_COMMAND");
	assert_cni_error(&r, 4, bad[_i]);
	assert_link_up(ns, "lo", false);
}
END_TEST

static const char *const bad_ifnames[] = {"eth/0", "eth:0", "eth 0", "eth\t0", ".", "..", "abcdefghijklmnop"};

START_TEST(env_bad_ifname)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN];

	ck_assert_int_eq(testns_create(ns), 0);
	lo("ADD", ns, bad_ifnames[_i], CID, CONF_100, NULL, &r);
	assert_cni_error(&r, 4, "CNI_IFNAME");
	assert_link_up(ns, "lo", false);
}
END_TEST

static const char *const bad_cids[] = {"-abc", "_abc", ".abc", "a b", "a/b", "a:b", "abc!", "ä"};

START_TEST(env_bad_containerid)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN];

	ck_assert_int_eq(testns_create(ns), 0);
	lo("ADD", ns, "eth0", bad_cids[_i], CONF_100, NULL, &r);
	assert_cni_error(&r, 4, "CNI_CONTAINERID");
	assert_link_up(ns, "lo", false);
}
END_TEST

START_TEST(env_good_names_accepted)
{
	/* The edges of the rules: 15 characters, dots inside, any printable non-space. */
	_cleanup_run_ struct plugin_run r1 = {0}, r2 = {0};
	char ns[TESTNS_NAMELEN];

	ck_assert_int_eq(testns_create(ns), 0);
	lo("ADD", ns, "abcdefghijklmno", "A1_b.c-D", CONF_100, NULL, &r1);
	assert_run_ok(&r1);
	lo("ADD", ns, "...", "0", CONF_100, NULL, &r2);
	assert_run_ok(&r2);
}
END_TEST

/* ---- stdin ---- */

START_TEST(stdin_not_json)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN];

	ck_assert_int_eq(testns_create(ns), 0);
	lo("ADD", ns, "eth0", CID, "{\n  \"cniVersion\": \"1.0.0\",\n  \"name\": lo\n}", NULL, &r);
	assert_cni_error(&r, 6, "line 3");
	assert_cni_error(&r, 6, "column");
	/* No version could be read: the error is labelled with the latest. */
	assert_cni_version(&r, "1.1.0");
	assert_link_up(ns, "lo", false);
}
END_TEST

START_TEST(stdin_not_an_object_or_empty)
{
	_cleanup_run_ struct plugin_run r1 = {0}, r2 = {0}, r3 = {0};
	char ns[TESTNS_NAMELEN];

	ck_assert_int_eq(testns_create(ns), 0);
	lo("ADD", ns, "eth0", CID, "[1, 2]", NULL, &r1);
	assert_cni_error(&r1, 6, "not a JSON object");
	lo("ADD", ns, "eth0", CID, NULL, NULL, &r2);
	assert_cni_error(&r2, 6, NULL);
	lo("ADD", ns, "eth0", CID, "{} {}", NULL, &r3);
	assert_cni_error(&r3, 6, NULL);
}
END_TEST

START_TEST(stdin_too_large)
{
	/* skel caps the config at 1 MiB; 1.5 MiB must be refused with an I/O error (5). */
	const size_t size = 3u << 19;
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN];
	char *conf = malloc(size + 1);
	size_t off;

	ck_assert_ptr_nonnull(conf);
	ck_assert_int_eq(testns_create(ns), 0);
	off = (size_t)snprintf(conf, size, "%s", "{\"cniVersion\":\"1.0.0\",\"name\":\"lo-net\","
					     "\"type\":\"loopback\",\"pad\":\"");
	memset(conf + off, 'x', size - off - 2);
	memcpy(conf + size - 2, "\"}", 3);
	lo("ADD", ns, "eth0", CID, conf, NULL, &r);
	free(conf);
	assert_cni_error(&r, 5, "exceeds");
	assert_link_up(ns, "lo", false);
}
END_TEST

/* ---- config ---- */

START_TEST(conf_unknown_version)
{
	static const char *const confs[] = {
		"{\"cniVersion\":\"9.9.9\",\"name\":\"lo-net\",\"type\":\"loopback\"}",
		"{\"cniVersion\":\"0.5.0\",\"name\":\"lo-net\",\"type\":\"loopback\"}",
		"{\"cniVersion\":\"1.0\",\"name\":\"lo-net\",\"type\":\"loopback\"}",
	};
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN];

	ck_assert_int_eq(testns_create(ns), 0);
	lo("ADD", ns, "eth0", CID, confs[_i], NULL, &r);
	assert_cni_error(&r, 1, "incompatible CNI versions");
	ck_assert_msg(strstr(json_string_value(json_object_get(r.json, "details")), "1.1.0"),
		      "details should list the supported versions: %s", r.out);
	assert_link_up(ns, "lo", false);
}
END_TEST

START_TEST(conf_version_not_string)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN];

	ck_assert_int_eq(testns_create(ns), 0);
	lo("ADD", ns, "eth0", CID, "{\"cniVersion\":1,\"name\":\"lo-net\",\"type\":\"loopback\"}", NULL, &r);
	assert_cni_error(&r, 6, "cniVersion");
}
END_TEST

START_TEST(conf_check_needs_040)
{
	static const char *const old[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1"};
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN], conf[256];

	ck_assert_int_eq(testns_create(ns), 0);
	snprintf(conf, sizeof(conf), "{\"cniVersion\":\"%s\",\"name\":\"lo-net\",\"type\":\"loopback\"}", old[_i]);
	lo("CHECK", ns, "eth0", CID, conf, NULL, &r);
	assert_cni_error(&r, 1, "CHECK");
	assert_cni_version(&r, old[_i]);
}
END_TEST

START_TEST(conf_gc_status_need_110)
{
	static const char *const cmds[] = {"GC", "STATUS"};
	_cleanup_run_ struct plugin_run old = {0}, ok = {0};
	const char *conf110 = "{\"cniVersion\":\"1.1.0\",\"name\":\"lo-net\",\"type\":\"loopback\","
			      "\"cni.dev/valid-attachments\":[]}";

	lo(cmds[_i], NULL, NULL, NULL, CONF_100, NULL, &old);
	assert_cni_error(&old, 1, cmds[_i]);
	/* At 1.1.0 loopback has nothing to collect or report: success, nothing printed. */
	lo(cmds[_i], NULL, NULL, NULL, conf110, NULL, &ok);
	assert_run_ok(&ok);
	ck_assert_msg(ok.out_len == 0, "%s printed: %s", cmds[_i], ok.out);
}
END_TEST

START_TEST(conf_bad_name)
{
	static const char *const confs[] = {
		"{\"cniVersion\":\"0.4.0\",\"type\":\"loopback\"}",
		"{\"cniVersion\":\"0.4.0\",\"name\":\"\",\"type\":\"loopback\"}",
		"{\"cniVersion\":\"0.4.0\",\"name\":42,\"type\":\"loopback\"}",
		"{\"cniVersion\":\"0.4.0\",\"name\":\"bad name\",\"type\":\"loopback\"}",
		"{\"cniVersion\":\"0.4.0\",\"name\":\"-lead\",\"type\":\"loopback\"}",
	};
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN];

	ck_assert_int_eq(testns_create(ns), 0);
	lo("ADD", ns, "eth0", CID, confs[_i], NULL, &r);
	assert_cni_error(&r, 7, "name");
	assert_cni_version(&r, "0.4.0");
	assert_link_up(ns, "lo", false);
}
END_TEST

START_TEST(conf_bad_prevresult)
{
	static const char *const confs[] = {
		"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"loopback\","
		"\"prevResult\":{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.1\"}]}}",
		"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"loopback\","
		"\"prevResult\":{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\"}],"
		"\"ips\":[{\"interface\":1,\"address\":\"10.0.0.1/24\"}]}}",
		"{\"cniVersion\":\"0.2.0\",\"name\":\"n\",\"type\":\"loopback\","
		"\"prevResult\":{\"ip4\":{\"ip\":\"fd00::1/64\"}}}",
		"{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"loopback\","
		"\"prevResult\":{\"cniVersion\":\"0.4.0\",\"routes\":[{\"gw\":\"10.0.0.1\"}]}}",
		"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"loopback\",\"prevResult\":[]}",
	};
	static const char *const field[] = {"ips[0].address", "ips[0].interface", "ip4.ip", "routes[0].dst",
					    "result must be a JSON object"};
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN];

	ck_assert_int_eq(testns_create(ns), 0);
	lo("ADD", ns, "eth0", CID, confs[_i], NULL, &r);
	assert_cni_error(&r, 6, "prevResult");
	assert_cni_error(&r, 6, field[_i]);
	assert_link_up(ns, "lo", false);
}
END_TEST

START_TEST(conf_prevresult_unknown_version)
{
	_cleanup_run_ struct plugin_run r = {0};
	char ns[TESTNS_NAMELEN];

	ck_assert_int_eq(testns_create(ns), 0);
	lo("ADD", ns, "eth0", CID,
	   "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"loopback\","
	   "\"prevResult\":{\"cniVersion\":\"7.0.0\"}}",
	   NULL, &r);
	assert_cni_error(&r, 1, "7.0.0");
}
END_TEST

/* ---- CNI_NETNS ---- */

/* Some tests change the throwaway host namespace's lo; the case's teardown puts it back up. */
static void host_lo_up(void)
{
	(void)ip_run(NULL, "link set lo up");
}

START_TEST(netns_nonexistent)
{
	static const char *const cmds[] = {"ADD", "CHECK"};
	const char *conf040 = "{\"cniVersion\":\"0.4.0\",\"name\":\"lo-net\",\"type\":\"loopback\"}";
	_cleanup_run_ struct plugin_run r = {0};
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/cnitest-%d-missing", TESTNS_RUNDIR, (int)getpid());
	lo(cmds[_i], path, "eth0", CID, conf040, NULL, &r);
	assert_cni_error(&r, 3, path);
}
END_TEST

START_TEST(netns_not_a_namespace)
{
	_cleanup_run_ struct plugin_run r1 = {0}, r2 = {0}, r3 = {0};
	char dir[PATH_MAX], file[PATH_MAX + 16];
	int fd;

	host_lo_up();
	ck_assert_int_eq(testdir_create(dir), 0);
	snprintf(file, sizeof(file), "%s/netns", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	lo("ADD", file, "eth0", CID, CONF_100, NULL, &r1);
	assert_cni_error(&r1, 4, "not a network namespace");
	lo("ADD", dir, "eth0", CID, CONF_100, NULL, &r2);
	assert_cni_error(&r2, 4, "not a network namespace");
	/* A namespace, but not a network one (resolved in the plugin's own process). */
	lo("ADD", "/proc/self/ns/uts", "eth0", CID, CONF_100, NULL, &r3);
	assert_cni_error(&r3, 4, "not a network namespace");
	assert_link_up(NULL, "lo", true);
}
END_TEST

/* Whatever CNI_NETNS names, the plugin answers at once: a FIFO or a device must not be
 * opened for real (a FIFO blocks a plain open forever, a device open can act on hardware).
 * ADD and CHECK fail with a clear error; DEL succeeds (it releases what it can). */
enum special { SP_FIFO, SP_SOCKET, SP_CHARDEV, SP_BLOCKDEV, SP_LOOP, SP_DANGLING, SP_DOTDOT,
	       SP_TOOLONG, SP_UNREADABLE, SP_DIR_SLASH, _SP_MAX };

static void make_special(enum special k, const char *dir, char *path, size_t len, unsigned *code,
			 const char **msg)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char other[PATH_MAX + 16];
	int fd;

	*code = 4;
	*msg = "not a network namespace";
	xfmt(path, len, "%s/ns", dir);
	switch (k) {
	case SP_FIFO:
		ck_assert_int_eq(mkfifo(path, 0600), 0);
		break;
	case SP_SOCKET:
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ck_assert_int_ge(fd, 0);
		xfmt(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		ck_assert_int_eq(listen(fd, 1), 0); /* kept open: a live listener */
		break;
	case SP_CHARDEV:
		ck_assert_int_eq(mknod(path, S_IFCHR | 0600, makedev(1, 3)), 0); /* null */
		break;
	case SP_BLOCKDEV:
		ck_assert_int_eq(mknod(path, S_IFBLK | 0600, makedev(7, 0)), 0); /* loop0 */
		break;
	case SP_LOOP:
		xfmt(other, sizeof(other), "%s/ns2", dir);
		ck_assert_int_eq(symlink(other, path), 0);
		ck_assert_int_eq(symlink(path, other), 0);
		*msg = "cannot open";
		break;
	case SP_DANGLING:
		xfmt(other, sizeof(other), "%s/nowhere", dir);
		ck_assert_int_eq(symlink(other, path), 0);
		*code = 3;
		*msg = "does not exist";
		break;
	case SP_DOTDOT: /* resolves to the directory itself */
		xfmt(path, len, "%s/../%s", dir, strrchr(dir, '/') + 1);
		break;
	case SP_TOOLONG:
		ck_assert_uint_gt(len, PATH_MAX + 2);
		memset(path, 'a', PATH_MAX + 1);
		path[0] = '/';
		path[PATH_MAX + 1] = '\0';
		*msg = "cannot open";
		break;
	case SP_UNREADABLE:
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
		ck_assert_int_ge(fd, 0);
		close(fd);
		break;
	case SP_DIR_SLASH:
		xfmt(path, len, "%s/", dir);
		break;
	default:
		ck_abort();
	}
}

START_TEST(netns_special_files)
{
	static const char *const cmds[] = {"ADD", "CHECK", "DEL"};
	char dir[PATH_MAX], path[PATH_MAX + 64];
	const char *msg;
	unsigned code;

	host_lo_up();
	ck_assert_int_eq(testdir_create(dir), 0);
	make_special((enum special)_i, dir, path, sizeof(path), &code, &msg);
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		_cleanup_run_ struct plugin_run r = {0};

		lo(cmds[c], path, "eth0", CID, CONF_100, NULL, &r);
		ck_assert_msg(!r.timed_out, "%s with special file %d: timed out", cmds[c], _i);
		if (strcmp(cmds[c], "DEL") == 0)
			assert_run_ok(&r);
		else
			assert_cni_error(&r, code, msg);
	}
	assert_link_up(NULL, "lo", true);
}
END_TEST

START_TEST(netns_own_add_refused)
{
	/* /proc/self/ns/net of the plugin is the namespace it runs in: refusing it before
	 * anything is changed protects the host (plugins#714). */
	_cleanup_run_ struct plugin_run r1 = {0}, r2 = {0};
	char own[64];

	ck_assert_int_eq(ip_run(NULL, "link set lo down"), 0);
	assert_link_up(NULL, "lo", false);
	lo("ADD", "/proc/self/ns/net", "eth0", CID, CONF_100, NULL, &r1);
	assert_cni_error(&r1, 8, "should not be the same");
	assert_link_up(NULL, "lo", false);
	/* The same namespace under another name. */
	snprintf(own, sizeof(own), "/proc/%d/ns/net", (int)getpid());
	lo("ADD", own, "eth0", CID, CONF_100, NULL, &r2);
	assert_cni_error(&r2, 8, NULL);
	assert_link_up(NULL, "lo", false);
	host_lo_up();
}
END_TEST

START_TEST(netns_own_del_refused)
{
	_cleanup_run_ struct plugin_run r = {0};

	ck_assert_int_eq(ip_run(NULL, "link set lo up"), 0);
	lo("DEL", "/proc/self/ns/net", "eth0", CID, CONF_100, NULL, &r);
	assert_cni_error(&r, 8, NULL);
	assert_link_up(NULL, "lo", true);
}
END_TEST

START_TEST(netns_own_override)
{
	/* CNI_NETNS_OVERRIDE=1 is the reference's escape hatch for running in the own netns. */
	const char *override[] = {"CNI_NETNS_OVERRIDE=1", NULL};
	_cleanup_run_ struct plugin_run r = {0};

	ck_assert_int_eq(ip_run(NULL, "link set lo down"), 0);
	lo("ADD", "/proc/self/ns/net", "eth0", CID, CONF_100, override, &r);
	assert_run_ok(&r);
	assert_link_up(NULL, "lo", true);
}
END_TEST

/* ---- VERSION and the about text ---- */

START_TEST(version_echoes_valid_version)
{
	static const char *const v[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
	_cleanup_run_ struct plugin_run r = {0};
	char conf[128], expect[256];

	snprintf(conf, sizeof(conf), "{\"cniVersion\":\"%s\"}", v[_i]);
	lo("VERSION", NULL, NULL, NULL, conf, NULL, &r);
	assert_run_ok(&r);
	snprintf(expect, sizeof(expect), "{\"cniVersion\":\"%s\",\"supportedVersions\":" ALL_VERSIONS "}", v[_i]);
	assert_json_equal(r.json, expect);
}
END_TEST

START_TEST(version_without_valid_input)
{
	static const char *const inputs[] = {NULL, "{\"cniVersion\":\"9.9.9\"}", "not json", "{}",
					     "{\"cniVersion\":1}"};
	_cleanup_run_ struct plugin_run r = {0};

	lo("VERSION", NULL, NULL, NULL, inputs[_i], NULL, &r);
	assert_run_ok(&r);
	assert_json_equal(r.json, "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":" ALL_VERSIONS "}");
}
END_TEST

START_TEST(no_command_prints_about)
{
	static const char *const cmds[] = {NULL, ""};
	_cleanup_run_ struct plugin_run r = {0};

	lo(cmds[_i], NULL, NULL, NULL, CONF_100, NULL, &r);
	assert_run_ok(&r);
	ck_assert_msg(r.out_len == 0, "stdout should be empty: %s", r.out);
	ck_assert_msg(strstr(r.err, "CNI loopback plugin"), "about text: %s", r.err);
	ck_assert_msg(strstr(r.err, "CNI protocol versions supported: "
				    "0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0"),
		      "about text: %s", r.err);
}
END_TEST

Suite *errors_suite(void)
{
	Suite *s;
	TCase *tc;

	if (!plugin_available("loopback"))
		return NULL;
	s = suite_create("errors");

	tc = tcase_create("env");
	testns_tcase(tc, 30);
	tcase_add_test(tc, env_missing_all_add);
	tcase_add_test(tc, env_missing_one_add);
	tcase_add_test(tc, env_missing_del_check);
	tcase_add_loop_test(tc, env_bad_command, 0, 4);
	tcase_add_loop_test(tc, env_bad_ifname, 0, (int)(sizeof(bad_ifnames) / sizeof(bad_ifnames[0])));
	tcase_add_loop_test(tc, env_bad_containerid, 0, (int)(sizeof(bad_cids) / sizeof(bad_cids[0])));
	tcase_add_test(tc, env_good_names_accepted);
	suite_add_tcase(s, tc);

	tc = tcase_create("stdin");
	testns_tcase(tc, 30);
	tcase_add_test(tc, stdin_not_json);
	tcase_add_test(tc, stdin_not_an_object_or_empty);
	tcase_add_test(tc, stdin_too_large);
	suite_add_tcase(s, tc);

	tc = tcase_create("conf");
	testns_tcase(tc, 30);
	tcase_add_loop_test(tc, conf_unknown_version, 0, 3);
	tcase_add_test(tc, conf_version_not_string);
	tcase_add_loop_test(tc, conf_check_needs_040, 0, 4);
	tcase_add_loop_test(tc, conf_gc_status_need_110, 0, 2);
	tcase_add_loop_test(tc, conf_bad_name, 0, 5);
	tcase_add_loop_test(tc, conf_bad_prevresult, 0, 5);
	tcase_add_test(tc, conf_prevresult_unknown_version);
	suite_add_tcase(s, tc);

	tc = tcase_create("netns");
	testns_tcase(tc, 30);
	tcase_add_unchecked_fixture(tc, NULL, host_lo_up);
	tcase_add_loop_test(tc, netns_nonexistent, 0, 2);
	tcase_add_test(tc, netns_not_a_namespace);
	tcase_add_loop_test(tc, netns_special_files, 0, _SP_MAX);
	tcase_add_test(tc, netns_own_add_refused);
	tcase_add_test(tc, netns_own_del_refused);
	tcase_add_test(tc, netns_own_override);
	suite_add_tcase(s, tc);

	tc = tcase_create("version");
	testns_tcase(tc, 30);
	tcase_add_loop_test(tc, version_echoes_valid_version, 0, 7);
	tcase_add_loop_test(tc, version_without_valid_input, 0, 5);
	tcase_add_loop_test(tc, no_command_prints_about, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
