/* util.c: helpers of the node agent's unit tests. */
#include "util.h"

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *J(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &e);

	ck_assert_msg(j != NULL, "bad test JSON %s: %s", text, e.text);
	return j;
}

struct ipnet CIDR(const char *s)
{
	struct ipnet n;

	ck_assert_msg(ipnet_parse(s, false, &n) == 0, "bad CIDR %s", s);
	return n;
}

struct ipnet_addr IP(const char *s)
{
	struct ipnet_addr a;

	ck_assert_msg(ipnet_addr_parse(s, &a) == 0, "bad IP %s", s);
	return a;
}

static json_t *split_list(const char *s, const char *key)
{
	json_t *a = json_array();
	char *copy = strdup(s), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (key)
			json_array_append_new(a, json_pack("{s:s,s:s}", "type", "InternalIP", key, t));
		else
			json_array_append_new(a, json_string(t));
	}
	free(copy);
	return a;
}

json_t *node_json(const char *name, const char *cidrs, const char *ips)
{
	json_t *n = json_pack("{s:{s:s},s:{s:o},s:{s:o}}", "metadata", "name", name, "spec", "podCIDRs",
			      split_list(cidrs, NULL), "status", "addresses", split_list(ips, "address"));

	ck_assert_ptr_nonnull(n);
	return n;
}

void table_put(struct nodes *t, const char *name, const char *cidrs, const char *ips)
{
	json_t *j = node_json(name, cidrs, ips);
	struct node e = {0}, *n;
	struct node_facts old;
	bool had;

	(void)node_parse(j, &e);
	ck_assert_ptr_nonnull(e.name);
	ck_assert_int_eq(nodes_upsert(t, &e, &n, &old, &had), 0);
	node_done(&e);
	json_decref(j);
}

static void capture_fn(void *data, enum log_level level, const char *msg)
{
	struct capture *c = data;
	int n = snprintf(c->buf + c->len, sizeof(c->buf) - c->len, "%d %s\n", (int)level, msg);

	if (n > 0 && (size_t)n < sizeof(c->buf) - c->len)
		c->len += (size_t)n;
}

void capture_init(struct capture *c, struct logger *l)
{
	c->len = 0;
	c->buf[0] = '\0';
	*l = (struct logger){.fn = capture_fn, .data = c, .max = LOG_LEVEL_DEBUG};
}

bool captured_has(const struct capture *c, const char *needle)
{
	return strstr(c->buf, needle) != NULL;
}

static char *run(const char *fmt, va_list ap, int *status)
{
	char cmd[1024], *out = NULL;
	size_t len = 0;
	FILE *f;
	int n;

	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	ck_assert(n > 0 && (size_t)n < sizeof(cmd));
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	for (;;) {
		char buf[4096];
		size_t k = fread(buf, 1, sizeof(buf), f);

		if (k == 0)
			break;
		out = realloc(out, len + k + 1);
		memcpy(out + len, buf, k);
		len += k;
	}
	*status = pclose(f);
	if (!out)
		out = calloc(1, 1);
	out[len] = '\0';
	return out;
}

json_t *ipj(const char *fmt, ...)
{
	char full[1024];
	char *out;
	json_t *j;
	va_list ap;
	int status;

	snprintf(full, sizeof(full), "ip -j %s", fmt);
	va_start(ap, fmt);
	out = run(full, ap, &status);
	va_end(ap);
	j = status == 0 ? json_loads(out[0] ? out : "[]", 0, NULL) : NULL;
	free(out);
	return j;
}

int ipcmd(const char *fmt, ...)
{
	char full[1024];
	char *out;
	va_list ap;
	int status;

	snprintf(full, sizeof(full), "ip %s", fmt);
	va_start(ap, fmt);
	out = run(full, ap, &status);
	va_end(ap);
	free(out);
	return status;
}

void private_netns(void)
{
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	ck_assert_int_eq(ipcmd("link set lo up"), 0);
}
