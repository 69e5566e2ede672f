/* test_conflist.c: rendering a node's conflist from templates, and the atomic,
 * change-only write. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conflist.h"
#include "util.h"

static struct node_facts facts(const char *v4, const char *v6)
{
	struct node_facts f = {0};

	if (v4) {
		f.has_cidr[NODE_V4] = true;
		f.cidr[NODE_V4] = CIDR(v4);
	}
	if (v6) {
		f.has_cidr[NODE_V6] = true;
		f.cidr[NODE_V6] = CIDR(v6);
	}
	return f;
}

START_TEST(render_default)
{
	json_t *t = conflist_default_template(), *out, *want = J("[[{\"subnet\":\"10.244.3.0/24\"}],[{\"subnet\":\"fd10:3::/64\"}]]");
	struct node_facts f = facts("10.244.3.0/24", "fd10:3::/64");
	char why[256], *text;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(conflist_render(t, &f, &text, why, sizeof(why)), 0);
	out = J(text);
	ck_assert_str_eq(json_string_value(json_object_get(out, "name")), "cni-c");
	ck_assert(json_equal(json_object_get(json_object_get(json_array_get(json_object_get(out, "plugins"), 0), "ipam"),
					     "ranges"),
			     want));
	free(text);
	json_decref(out);
	json_decref(want);
	f = facts(NULL, NULL);
	ck_assert_int_eq(conflist_render(t, &f, &text, why, sizeof(why)), -ENOENT);
	json_decref(t);
}
END_TEST

START_TEST(render_template)
{
	json_t *t = J("{\"cniVersion\":\"1.1.0\",\"name\":\"k8s\",\"plugins\":["
		      "{\"type\":\"bridge\",\"mtu\":1450,\"ipam\":{\"type\":\"host-local\",\"subnet\":\"1.0.0.0/8\","
		      "\"rangeStart\":\"1.0.0.5\",\"gateway\":\"1.0.0.1\",\"routes\":[{\"dst\":\"0.0.0.0/0\"}],"
		      "\"dataDir\":\"/run/x\"}},"
		      "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}]}");
	json_t *out, *ipam, *want = J("[[{\"subnet\":\"fd10:9::/64\"}]]");
	struct node_facts f = facts(NULL, "fd10:9::/64");
	char why[256], *text;

	ck_assert_int_eq(conflist_render(t, &f, &text, why, sizeof(why)), 0);
	out = J(text);
	ipam = json_object_get(json_array_get(json_object_get(out, "plugins"), 0), "ipam");
	ck_assert(json_equal(json_object_get(ipam, "ranges"), want));
	json_decref(want);
	ck_assert_ptr_null(json_object_get(ipam, "subnet"));
	ck_assert_ptr_null(json_object_get(ipam, "rangeStart"));
	ck_assert_ptr_null(json_object_get(ipam, "gateway"));
	ck_assert_str_eq(json_string_value(json_object_get(ipam, "dataDir")), "/run/x");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(out, "plugins"), 0), "mtu")),
			 1450);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(out, "plugins"), 1), "type")),
			 "portmap");
	free(text);
	json_decref(out);
	json_decref(t);
	/* Templates that cannot take the node's CIDRs. */
	t = J("{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"plugins\":[{\"type\":\"bridge\",\"ipam\":{\"type\":\"dhcp\"}}]}");
	ck_assert_int_eq(conflist_render(t, &f, &text, why, sizeof(why)), -EINVAL);
	ck_assert(strstr(why, "host-local"));
	json_decref(t);
	t = J("{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"type\":\"bridge\"}");
	ck_assert_int_eq(conflist_render(t, &f, &text, why, sizeof(why)), -EINVAL);
	ck_assert(strstr(why, "plugins"));
	json_decref(t);
}
END_TEST

START_TEST(write_atomic_once)
{
	char dir[] = "/tmp/cni-cl-XXXXXX", path[128], tmp[128], buf[64];
	struct stat st1, st2;
	bool changed;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/net.d/10-x.conflist", dir);
	ck_assert_int_eq(conflist_write(dir, "../x", "{}", &changed), -EINVAL);
	snprintf(tmp, sizeof(tmp), "%s/net.d", dir);
	ck_assert_int_eq(conflist_write(tmp, "10-x.conflist", "{\"a\":1}", &changed), 0);
	ck_assert(changed);
	ck_assert_int_eq(stat(path, &st1), 0);
	ck_assert_uint_eq(st1.st_mode & 0777, 0644);
	/* The same content again: nothing is written (same inode). */
	ck_assert_int_eq(conflist_write(tmp, "10-x.conflist", "{\"a\":1}", &changed), 0);
	ck_assert(!changed);
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert_uint_eq(st1.st_ino, st2.st_ino);
	/* New content replaces the file by rename: a new inode, and no temporary left. */
	ck_assert_int_eq(conflist_write(tmp, "10-x.conflist", "{\"a\":2}", &changed), 0);
	ck_assert(changed);
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert_uint_ne(st1.st_ino, st2.st_ino);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 8);
	close(fd);
	ck_assert(memcmp(buf, "{\"a\":2}\n", 8) == 0);
	snprintf(tmp, sizeof(tmp), "%s/net.d/.10-x.conflist.tmp", dir);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	/* A planted symlink as the temporary name is replaced, never followed. */
	ck_assert_int_eq(symlink("/etc/cni-c-test-victim", tmp), 0);
	snprintf(tmp, sizeof(tmp), "%s/net.d", dir);
	ck_assert_int_eq(conflist_write(tmp, "10-x.conflist", "{\"a\":3}", &changed), 0);
	ck_assert_int_ne(access("/etc/cni-c-test-victim", F_OK), 0);
	unlink(path);
	rmdir(tmp);
	rmdir(dir);
}
END_TEST

Suite *conflist_suite(void);
Suite *conflist_suite(void)
{
	Suite *s = suite_create("conflist");
	TCase *tc = tcase_create("conflist");

	tcase_add_test(tc, render_default);
	tcase_add_test(tc, render_template);
	tcase_add_test(tc, write_atomic_once);
	suite_add_tcase(s, tc);
	return s;
}
