/* test_kv.c: CNI_ARGS parsing ("K=V;K=V"), unknown keys and IgnoreUnknown, lookups. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "skel.h"

static const char *const known[] = {"IP", "MAC", "GATEWAY", NULL};

struct kv_list {
	struct cni_kv *kv;
	size_t n;
};

static void kv_done(struct kv_list *l)
{
	cni_kv_free(l->kv, l->n);
	*l = (struct kv_list){0};
}

static void parse_ok(const char *s, const char *const *keys, struct kv_list *l)
{
	struct cni_error err = {0};

	*l = (struct kv_list){.n = 999};
	ck_assert_msg(cni_kv_parse(s, keys, &l->kv, &l->n, &err) == 0, "\"%s\" rejected: %s", s, err.msg);
	ck_assert_uint_eq(err.code, 0);
}

static void parse_fails(const char *s, const char *const *keys, const char *part)
{
	struct cni_error err = {0};
	struct cni_kv *kv = (struct cni_kv *)&err;
	size_t n = 999;

	ck_assert_msg(cni_kv_parse(s, keys, &kv, &n, &err) == -EINVAL, "\"%s\" accepted", s);
	ck_assert_ptr_eq(kv, (struct cni_kv *)&err); /* outputs untouched */
	ck_assert_uint_eq(n, 999);
	ck_assert_uint_eq(err.code, CNI_ERR_INVALID_ENV);
	ck_assert_msg(strncmp(err.msg, "CNI_ARGS", 8) == 0, "msg does not name CNI_ARGS: %s", err.msg);
	ck_assert_msg(strstr(err.msg, part), "msg \"%s\" lacks \"%s\"", err.msg, part);
}

#define ck_assert_kv(l, i, k, v)                                  \
	do {                                                      \
		ck_assert_str_eq((l).kv[i].key, (k));             \
		ck_assert_str_eq((l).kv[i].value, (v));           \
	} while (0)

START_TEST(pairs_in_order)
{
	_cleanup_(kv_done) struct kv_list l = {0};

	parse_ok("IP=10.1.0.5;MAC=aa:bb:cc:dd:ee:ff;GATEWAY=10.1.0.1", known, &l);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_kv(l, 0, "IP", "10.1.0.5");
	ck_assert_kv(l, 1, "MAC", "aa:bb:cc:dd:ee:ff");
	ck_assert_kv(l, 2, "GATEWAY", "10.1.0.1");
}
END_TEST

START_TEST(empty)
{
	_cleanup_(kv_done) struct kv_list a = {0}, b = {0};

	parse_ok("", known, &a);
	ck_assert_uint_eq(a.n, 0);
	parse_ok(NULL, known, &b);
	ck_assert_uint_eq(b.n, 0);
}
END_TEST

START_TEST(empty_segments_tolerated)
{
	/* A trailing ';' (and empty segments generally) are skipped. The reference's LoadArgs
	 * calls a trailing ';' an invalid pair; being lenient here breaks no runtime. */
	_cleanup_(kv_done) struct kv_list a = {0}, b = {0}, c = {0};

	parse_ok("IP=10.1.0.5;", known, &a);
	ck_assert_uint_eq(a.n, 1);
	ck_assert_kv(a, 0, "IP", "10.1.0.5");
	parse_ok(";;IP=10.1.0.5;;MAC=x;", known, &b);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_kv(b, 1, "MAC", "x");
	parse_ok(";", known, &c);
	ck_assert_uint_eq(c.n, 0);
}
END_TEST

START_TEST(empty_value)
{
	_cleanup_(kv_done) struct kv_list l = {0};

	parse_ok("IP=;MAC=", known, &l);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_kv(l, 0, "IP", "");
	ck_assert_kv(l, 1, "MAC", "");
}
END_TEST

START_TEST(values_keep_spaces_and_symbols)
{
	_cleanup_(kv_done) struct kv_list l = {0};

	parse_ok("IgnoreUnknown=1;K8S_POD_NAME=my pod;K8S_POD_UID=9c6e-1:2/3", known, &l);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_kv(l, 1, "K8S_POD_NAME", "my pod");
	ck_assert_kv(l, 2, "K8S_POD_UID", "9c6e-1:2/3");
}
END_TEST

static const struct {
	const char *s, *part;
} invalid_pairs[] = {
	{"a", "invalid pair \"a\""},
	{"a=b=c", "invalid pair \"a=b=c\""},
	{"=b", "invalid pair \"=b\""},
	{"=", "invalid pair \"=\""},
	{"IP=10.1.0.5;MAC", "invalid pair \"MAC\""},
	{"IP=10.1.0.5;x=y=z;MAC=m", "invalid pair \"x=y=z\""},
	{"IgnoreUnknown=1;junk", "invalid pair \"junk\""},
};

START_TEST(invalid_pair)
{
	parse_fails(invalid_pairs[_i].s, known, invalid_pairs[_i].part);
}
END_TEST

START_TEST(unknown_keys)
{
	parse_fails("FOO=1", known, "FOO");
	parse_fails("IP=10.1.0.5;FOO=1;BAR=2", known, "unknown args");
	parse_fails("IP=10.1.0.5;FOO=1;BAR=2", known, "\"FOO\" \"BAR\"");
	/* Keys are case-sensitive, as Go field names are. */
	parse_fails("ip=10.1.0.5", known, "\"ip\"");
	/* No known keys at all: only IgnoreUnknown is understood. */
	parse_fails("IP=10.1.0.5", NULL, "\"IP\"");
}
END_TEST

START_TEST(unknown_keys_many)
{
	/* The unknown-key list is bounded; a long one still gives a clean message. */
	char s[4096] = "";

	for (int i = 0; i < 150; i++) {
		size_t len = strlen(s);

		snprintf(s + len, sizeof(s) - len, "%sUNKNOWN_KEY_%d=v", i ? ";" : "", i);
	}
	parse_fails(s, known, "UNKNOWN_KEY_0");
}
END_TEST

static const char *const ignore_true[] = {"1", "true", "TRUE", "True", "tRuE"};

START_TEST(ignore_unknown_true)
{
	_cleanup_(kv_done) struct kv_list l = {0};
	char s[128];

	snprintf(s, sizeof(s), "IgnoreUnknown=%s;FOO=1;IP=10.1.0.5", ignore_true[_i]);
	parse_ok(s, known, &l);
	ck_assert_uint_eq(l.n, 3);
	/* Unknown pairs are kept, and IgnoreUnknown counts no matter where it is. */
	ck_assert_kv(l, 1, "FOO", "1");
	kv_done(&l);
	snprintf(s, sizeof(s), "FOO=1;IgnoreUnknown=%s", ignore_true[_i]);
	parse_ok(s, NULL, &l);
	ck_assert_uint_eq(l.n, 2);
}
END_TEST

START_TEST(ignore_unknown_false)
{
	static const char *const no[] = {"0", "false", "FALSE"};
	_cleanup_(kv_done) struct kv_list l = {0};
	char s[128];

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(s, sizeof(s), "IgnoreUnknown=%s;FOO=1", no[i]);
		parse_fails(s, known, "FOO");
	}
	/* With nothing unknown, IgnoreUnknown=0 is just a known key. */
	parse_ok("IgnoreUnknown=0;IP=10.1.0.5", known, &l);
	ck_assert_uint_eq(l.n, 2);
}
END_TEST

START_TEST(ignore_unknown_invalid)
{
	static const char *const bad[] = {"yes", "", "2", "t", " 1", "true "};
	char s[128], part[96];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(s, sizeof(s), "IgnoreUnknown=%s;IP=10.1.0.5", bad[i]);
		/* The message quotes the bad value (it used to be read after being freed). */
		snprintf(part, sizeof(part), "IgnoreUnknown must be 1, 0, true or false, not \"%s\"", bad[i]);
		parse_fails(s, known, part);
	}
}
END_TEST

START_TEST(args_get_last_wins)
{
	_cleanup_(kv_done) struct kv_list l = {0};
	struct cni_args a = {0};

	parse_ok("IP=10.1.0.5;MAC=m1;IP=10.1.0.6", known, &l);
	a.kv = l.kv;
	a.n_kv = l.n;
	ck_assert_str_eq(cni_args_get(&a, "IP"), "10.1.0.6");
	ck_assert_str_eq(cni_args_get(&a, "MAC"), "m1");
	ck_assert_ptr_null(cni_args_get(&a, "GATEWAY"));
	ck_assert_ptr_null(cni_args_get(&a, "ip"));
	a.n_kv = 0;
	ck_assert_ptr_null(cni_args_get(&a, "IP"));
}
END_TEST

START_TEST(free_null)
{
	cni_kv_free(NULL, 0);
}
END_TEST

#define LOOP(tc, fn, arr) tcase_add_loop_test(tc, fn, 0, (int)(sizeof(arr) / sizeof((arr)[0])))

Suite *kv_suite(void)
{
	Suite *s = suite_create("kv");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, pairs_in_order);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, empty_segments_tolerated);
	tcase_add_test(tc, empty_value);
	tcase_add_test(tc, values_keep_spaces_and_symbols);
	LOOP(tc, invalid_pair, invalid_pairs);
	tcase_add_test(tc, unknown_keys);
	tcase_add_test(tc, unknown_keys_many);
	LOOP(tc, ignore_unknown_true, ignore_true);
	tcase_add_test(tc, ignore_unknown_false);
	tcase_add_test(tc, ignore_unknown_invalid);
	tcase_add_test(tc, args_get_last_wins);
	tcase_add_test(tc, free_null);
	suite_add_tcase(s, tc);
	return s;
}
