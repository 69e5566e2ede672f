/* test_nodes.c: Node objects → facts, the node table, the NodeList scanner, the watch
 * stream splitter and watch events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static struct node parse_ok(const char *text)
{
	json_t *j = J(text);
	struct node n = {0};

	ck_assert_int_eq(node_parse(j, &n), 0);
	ck_assert_ptr_null(n.error);
	json_decref(j);
	return n;
}

/* Parses to a node in error whose reason contains why. */
static void parse_err(const char *text, const char *why)
{
	json_t *j = J(text);
	struct node n = {0};

	ck_assert_int_eq(node_parse(j, &n), -EINVAL);
	ck_assert_ptr_nonnull(n.name);
	ck_assert_msg(n.error && strstr(n.error, why), "error \"%s\" lacks \"%s\"", n.error ? n.error : "(none)", why);
	node_done(&n);
	json_decref(j);
}

START_TEST(parse_dual_stack)
{
	struct node n = parse_ok("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"podCIDR\":\"10.244.1.0/24\","
				 "\"podCIDRs\":[\"10.244.1.0/24\",\"fd10:1::/64\"]},\"status\":{\"addresses\":["
				 "{\"type\":\"Hostname\",\"address\":\"a\"},{\"type\":\"ExternalIP\",\"address\":\"1.2.3.4\"},"
				 "{\"type\":\"InternalIP\",\"address\":\"10.0.0.1\"},{\"type\":\"InternalIP\",\"address\":\"10.0.0.9\"},"
				 "{\"type\":\"InternalIP\",\"address\":\"fd00::1\"}]}}");
	struct ipnet v4 = CIDR("10.244.1.0/24"), v6 = CIDR("fd10:1::/64");
	struct ipnet_addr a4 = IP("10.0.0.1"), a6 = IP("fd00::1");

	ck_assert_str_eq(n.name, "a");
	ck_assert(n.facts.has_cidr[NODE_V4] && n.facts.has_cidr[NODE_V6]);
	ck_assert(ipnet_addr_eq(&n.facts.cidr[NODE_V4].ip, &v4.ip) && n.facts.cidr[NODE_V4].prefix == 24);
	ck_assert(ipnet_addr_eq(&n.facts.cidr[NODE_V6].ip, &v6.ip) && n.facts.cidr[NODE_V6].prefix == 64);
	/* The first InternalIP of each family; other types ignored. */
	ck_assert(ipnet_addr_eq(&n.facts.ip[NODE_V4], &a4));
	ck_assert(ipnet_addr_eq(&n.facts.ip[NODE_V6], &a6));
	node_done(&n);
}
END_TEST

START_TEST(parse_podcidr_fallback_and_missing)
{
	struct node n = parse_ok("{\"metadata\":{\"name\":\"b\"},\"spec\":{\"podCIDR\":\"10.1.0.0/16\"},"
				 "\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"10.0.0.2\"}]}}");

	ck_assert(n.facts.has_cidr[NODE_V4] && !n.facts.has_cidr[NODE_V6]);
	node_done(&n);
	/* No spec, no status: a node that is simply not ready. */
	n = parse_ok("{\"metadata\":{\"name\":\"c\"}}");
	ck_assert(!n.facts.has_cidr[NODE_V4] && !n.facts.has_ip[NODE_V4]);
	node_done(&n);
	n = parse_ok("{\"metadata\":{\"name\":\"c\"},\"spec\":{\"podCIDR\":\"\",\"podCIDRs\":[]}}");
	ck_assert(!n.facts.has_cidr[NODE_V4]);
	node_done(&n);
}
END_TEST

START_TEST(parse_errors)
{
	parse_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"podCIDRs\":[\"10.244.1.1/24\"]}}", "host bits");
	parse_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"podCIDRs\":[\"10.244.300.0/24\"]}}", "not a CIDR");
	parse_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"podCIDRs\":[\"10.244.0.0/24\",\"10.245.0.0/24\"]}}",
		  "two IPv4");
	parse_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"podCIDRs\":[\"0.0.0.0/0\"]}}", "whole address space");
	parse_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"podCIDRs\":\"10.0.0.0/8\"}}", "not a list");
	parse_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"podCIDRs\":[\"a\",\"b\",\"c\"]}}", "at most one");
	parse_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"podCIDRs\":[7]}}", "non-string");
	parse_err("{\"metadata\":{\"name\":\"x\"},\"status\":{\"addresses\":[{\"type\":\"InternalIP\","
		  "\"address\":\"10.0.0.256\"}]}}", "not an IP address");
	parse_err("{\"metadata\":{\"name\":\"x\"},\"spec\":[]}", "spec is not an object");
	/* A family mismatch: an IPv6 pod CIDR on a node with only an IPv4 address. */
	parse_err("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"podCIDRs\":[\"10.1.0.0/24\",\"fd00::/64\"]},"
		  "\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"10.0.0.1\"}]}}",
		  "pod CIDR fd00::/64 is IPv6 but the node has no IPv6 InternalIP");
}
END_TEST

START_TEST(parse_no_name)
{
	static const char *const bad[] = {
		"{}", "{\"metadata\":{}}", "{\"metadata\":{\"name\":\"\"}}", "{\"metadata\":{\"name\":7}}",
		"{\"metadata\":{\"name\":\"a b\"}}", "[]",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = J(bad[i]);
		struct node n = {0};

		ck_assert_int_eq(node_parse(j, &n), -EINVAL);
		ck_assert_ptr_null(n.name);
		json_decref(j);
	}
}
END_TEST

START_TEST(table_last_good)
{
	struct nodes t = {0};
	struct node e = {0}, *n;
	struct node_facts old;
	bool had;
	json_t *bad = J("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"podCIDRs\":[\"10.9.9.9/8\"]}}");

	table_put(&t, "b", "10.2.0.0/16", "10.0.0.2");
	table_put(&t, "a", "10.1.0.0/16", "10.0.0.1");
	ck_assert_uint_eq(t.n, 2);
	ck_assert_str_eq(t.v[0]->name, "a"); /* sorted */
	/* A bad update keeps the last good facts in force. */
	ck_assert_int_eq(node_parse(bad, &e), -EINVAL);
	ck_assert_int_eq(nodes_upsert(&t, &e, &n, &old, &had), 0);
	node_done(&e);
	ck_assert(had && old.has_cidr[NODE_V4]);
	ck_assert_ptr_nonnull(n->error);
	ck_assert_ptr_nonnull(node_effective(n));
	ck_assert_uint_eq(node_effective(n)->cidr[NODE_V4].prefix, 16);
	/* Fixed again. */
	table_put(&t, "a", "10.3.0.0/16", "10.0.0.1");
	ck_assert_ptr_null(nodes_find(&t, "a")->error);
	ck_assert_uint_eq(nodes_find(&t, "a")->facts.cidr[NODE_V4].ip.a[1], 3);
	n = nodes_take(&t, "a");
	ck_assert_ptr_nonnull(n);
	node_free(n);
	ck_assert_ptr_null(nodes_take(&t, "a"));
	ck_assert_uint_eq(t.n, 1);
	nodes_done(&t);
	json_decref(bad);
}
END_TEST

START_TEST(table_staging)
{
	struct nodes t = {0};
	struct nodes_staging s;
	struct node e = {0};
	json_t *j;

	table_put(&t, "a", "10.1.0.0/16", "10.0.0.1");
	table_put(&t, "b", "10.2.0.0/16", "10.0.0.2");
	/* Aborted: the table is as before, b included. */
	ck_assert_int_eq(nodes_begin_list(&t, &s), 0);
	j = node_json("c", "10.3.0.0/16", "10.0.0.3");
	ck_assert_int_eq(node_parse(j, &e), 0);
	json_decref(j);
	ck_assert_int_eq(nodes_stage(&s, &e), 0);
	node_done(&e);
	nodes_abort_list(&s);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_ptr_nonnull(nodes_find(&t, "b"));
	ck_assert_ptr_null(nodes_find(&t, "c"));
	/* Committed: only what the list carried. */
	ck_assert_int_eq(nodes_begin_list(&t, &s), 0);
	j = node_json("c", "10.3.0.0/16", "10.0.0.3");
	ck_assert_int_eq(node_parse(j, &e), 0);
	json_decref(j);
	ck_assert_int_eq(nodes_stage(&s, &e), 0);
	node_done(&e);
	j = node_json("a", "10.1.0.0/16", "10.0.0.1");
	ck_assert_int_eq(node_parse(j, &e), 0);
	json_decref(j);
	ck_assert_int_eq(nodes_stage(&s, &e), 0);
	node_done(&e);
	nodes_commit_list(&s);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_ptr_nonnull(nodes_find(&t, "a"));
	ck_assert_ptr_nonnull(nodes_find(&t, "c"));
	ck_assert_ptr_null(nodes_find(&t, "b"));
	nodes_done(&t);
}
END_TEST

/* ---- NodeList scanner ---- */

struct names {
	char all[4096];
	size_t n;
};

static int name_cb(const json_t *item, void *data)
{
	struct names *c = data;
	const char *n = json_string_value(json_object_get(json_object_get(item, "metadata"), "name"));

	snprintf(c->all + strlen(c->all), sizeof(c->all) - strlen(c->all), "%s,", n ? n : "?");
	c->n++;
	return 0;
}

/* Feed text in pieces of step bytes; 0 or the error. */
static int scan(const char *text, size_t step, struct names *c, struct nodelist_scan *s)
{
	size_t len = strlen(text);
	int r = 0;

	memset(c, 0, sizeof(*c));
	nodelist_scan_init(s, name_cb, c);
	for (size_t i = 0; i < len && r >= 0; i += step)
		r = nodelist_scan_feed(s, text + i, i + step <= len ? step : len - i);
	if (r >= 0)
		r = nodelist_scan_end(s);
	nodelist_scan_done(s);
	return r;
}

static const char list_doc[] =
	" {\"apiVersion\":\"v1\",\"kind\":\"NodeList\",\"metadata\":{\"resourceVersion\":\"4711\",\"continue\":\"abc\"},"
	"\"items\":[{\"metadata\":{\"name\":\"n1\",\"labels\":{\"a\":\"}]\\\"{\"}}},"
	"{\"metadata\":{\"name\":\"n2\"},\"status\":{\"images\":[{\"names\":[\"x\",\"y\"]}]}} ],\"extra\":[1,2,{\"x\":null}],"
	"\"n\":-1.5e3, \"t\":true}\n";

START_TEST(scan_any_chunking)
{
	struct nodelist_scan s;
	struct names c;

	for (size_t step = 1; step <= strlen(list_doc); step++) {
		ck_assert_int_eq(scan(list_doc, step, &c, &s), 0);
		ck_assert_str_eq(c.all, "n1,n2,");
		ck_assert_str_eq(s.resource_version, "4711");
		ck_assert_str_eq(s.cont, "abc");
		ck_assert_uint_eq(s.n_items, 2);
	}
	ck_assert_int_eq(scan("{\"items\":[]}", 3, &c, &s), 0);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_int_eq(scan("{}", 1, &c, &s), 0);
	/* Keys are JSON strings: an escaped "items" or "metadata" is that key (found by
	 * fuzzing: such a list read as empty would have dropped every node's route). */
	for (size_t step = 1; step <= 7; step += 3) {
		ck_assert_int_eq(scan("{\"\\u0069tems\":[{\"metadata\":{\"name\":\"n1\"}}],"
				      "\"m\\u0065tadata\":{\"resourceVersion\":\"9\"}}",
				      step, &c, &s),
				 0);
		ck_assert_str_eq(c.all, "n1,");
		ck_assert_str_eq(s.resource_version, "9");
	}
	/* Not ours: a key with a NUL, a long one. */
	ck_assert_int_eq(scan("{\"items\\u0000\":1,\"itemsitemsitemsitemsitemsitemsitemsitemsitemsitemsitems\":2}", 1, &c,
			      &s),
			 0);
}
END_TEST

START_TEST(scan_rejects)
{
	static const char *const bad[] = {
		"",                                   /* empty */
		"[]",                                 /* not an object */
		"{\"items\":[{\"metadata\":{}}",       /* truncated */
		"{\"items\":[{\"metadata\":{}},]}",    /* trailing comma in items */
		"{\"items\":[1]}",                    /* an item that is no object */
		"{\"items\":{}}",                     /* items no list */
		"{\"kind\":\"List\",}",                /* trailing comma */
		"{\"kind\" \"List\"}",                 /* no colon */
		"{\"kind\":Lis}",                      /* bad scalar */
		"{\"items\":[{\"a\":1,}]}",            /* bad item */
		"{\"items\":[]} x",                    /* data after the document */
		"{\"metadata\":{\"resourceVersion\":\"1\",\"resourceVersion\":\"2\"}}", /* duplicate key */
		"{\"metadata\":[]}",
		"{\"items\":[],\"items\":[]}",                 /* a second list */
		"{\"metadata\":{},\"\\u006detadata\":{}}",     /* a second metadata, escaped */
		"{\"it\\qems\":[]}",                           /* a bad escape */
	};
	struct nodelist_scan s;
	struct names c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = scan(bad[i], 1, &c, &s);

		ck_assert_msg(r == -EBADMSG, "accepted: %s", bad[i]);
		ck_assert_msg(s.error[0], "no reason for: %s", bad[i]);
	}
}
END_TEST

START_TEST(scan_bounded)
{
	/* An item beyond NODES_VALUE_MAX is refused without holding it. */
	size_t big = NODES_VALUE_MAX + 16;
	char *doc = malloc(big + 64);
	struct nodelist_scan s;
	struct names c;
	size_t k;

	k = (size_t)sprintf(doc, "{\"items\":[{\"x\":\"");
	memset(doc + k, 'a', big);
	strcpy(doc + k + big, "\"}]}");
	ck_assert_int_eq(scan(doc, 65536, &c, &s), -EBADMSG);
	ck_assert_msg(strstr(s.error, "too large"), "%s", s.error);
	free(doc);
}
END_TEST

/* ---- watch streams ---- */

static int count_cb(const json_t *v, void *data)
{
	(void)v;
	(*(int *)data)++;
	return 0;
}

START_TEST(stream_split)
{
	static const char text[] = "{\"type\":\"ADDED\",\"object\":{\"s\":\"}{\"}}\n{\"type\":\"BOOKMARK\",\"object\":{}}\n"
				   "{\"type\":\"DELETED\",";
	struct jstream s;
	int n = 0;

	for (size_t step = 1; step < sizeof(text); step++) {
		n = 0;
		jstream_init(&s, count_cb, &n);
		for (size_t i = 0; i < sizeof(text) - 1; i += step)
			ck_assert_int_eq(jstream_feed(&s, text + i, i + step < sizeof(text) - 1 ? step : sizeof(text) - 1 - i), 0);
		ck_assert_int_eq(n, 2);
		ck_assert(jstream_partial(&s)); /* cut inside the third */
		jstream_reset(&s);
		ck_assert(!jstream_partial(&s));
		jstream_done(&s);
	}
	jstream_init(&s, count_cb, &n);
	ck_assert_int_eq(jstream_feed(&s, "garbage", 7), -EBADMSG);
	jstream_done(&s);
	jstream_init(&s, count_cb, &n);
	ck_assert_int_eq(jstream_feed(&s, "{\"a\":}", 6), -EBADMSG);
	jstream_done(&s);
}
END_TEST

START_TEST(watch_events)
{
	struct watch_event e;
	char why[160];
	json_t *j;

	j = J("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"12\"}}}");
	ck_assert_int_eq(watch_event_parse(j, &e, why, sizeof(why)), 0);
	ck_assert_int_eq(e.type, WATCH_MODIFIED);
	ck_assert_str_eq(e.resource_version, "12");
	json_decref(j);
	j = J("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\"}}");
	ck_assert_int_eq(watch_event_parse(j, &e, why, sizeof(why)), 0);
	ck_assert_int_eq(e.type, WATCH_ERROR);
	ck_assert_int_eq(e.error_code, 410);
	json_decref(j);
	j = J("{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"99\"}}}");
	ck_assert_int_eq(watch_event_parse(j, &e, why, sizeof(why)), 0);
	ck_assert_str_eq(e.resource_version, "99");
	json_decref(j);
	j = J("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}");
	ck_assert_int_eq(watch_event_parse(j, &e, why, sizeof(why)), -EBADMSG);
	ck_assert(strstr(why, "resourceVersion"));
	json_decref(j);
	j = J("{\"type\":\"SOMETHING\",\"object\":{}}");
	ck_assert_int_eq(watch_event_parse(j, &e, why, sizeof(why)), -EBADMSG);
	json_decref(j);
	j = J("{\"object\":{}}");
	ck_assert_int_eq(watch_event_parse(j, &e, why, sizeof(why)), -EBADMSG);
	json_decref(j);
}
END_TEST

Suite *nodes_suite(void);
Suite *nodes_suite(void)
{
	Suite *s = suite_create("nodes");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, parse_dual_stack);
	tcase_add_test(tc, parse_podcidr_fallback_and_missing);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, parse_no_name);
	tcase_add_test(tc, table_last_good);
	tcase_add_test(tc, table_staging);
	suite_add_tcase(s, tc);
	tc = tcase_create("stream");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, scan_any_chunking);
	tcase_add_test(tc, scan_rejects);
	tcase_add_test(tc, scan_bounded);
	tcase_add_test(tc, stream_split);
	tcase_add_test(tc, watch_events);
	suite_add_tcase(s, tc);
	return s;
}
