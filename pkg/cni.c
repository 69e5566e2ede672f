/* cni.c: versions, the error object, and the result model with per-version JSON shapes. */
#include "cni.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const version_str[_CNI_VERSION_MAX] = {
	[CNI_V010] = "0.1.0", [CNI_V020] = "0.2.0", [CNI_V030] = "0.3.0", [CNI_V031] = "0.3.1",
	[CNI_V040] = "0.4.0", [CNI_V100] = "1.0.0", [CNI_V110] = "1.1.0",
};

int cni_version_parse(const char *s)
{
	if (s)
		for (int v = 0; v < _CNI_VERSION_MAX; v++)
			if (strcmp(s, version_str[v]) == 0)
				return v;
	return -EINVAL;
}

const char *cni_version_str(enum cni_version v)
{
	return v >= 0 && v < _CNI_VERSION_MAX ? version_str[v] : "?";
}

/* ---- errors ---- */

__attribute__((__format__(printf, 5, 0))) static int fail_v(struct cni_error *e, unsigned code, int r,
							   const char *suffix, const char *fmt, va_list ap)
{
	if (r == 0)
		r = -EINVAL;
	if (e->code)
		return r;
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (suffix && *suffix) {
		size_t len = strlen(e->msg);

		snprintf(e->msg + len, sizeof(e->msg) - len, "%s", suffix);
	}
	if (r != -EINVAL)
		snprintf(e->details, sizeof(e->details), "%s", strerror(-r));
	else
		e->details[0] = '\0';
	return r;
}

int cni_fail(struct cni_error *e, unsigned code, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = fail_v(e, code, r, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int cni_fail_errno(struct cni_error *e, unsigned code, int r, const char *fmt, ...)
{
	char suffix[128];
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(r < 0 ? -r : EINVAL));
	va_start(ap, fmt);
	r = fail_v(e, code, r, suffix, fmt, ap);
	va_end(ap);
	return r;
}

int cni_fail_kernel(struct cni_error *e, unsigned code, int r, const char *extack, const char *fmt, ...)
{
	char suffix[400];
	va_list ap;

	if (extack && *extack)
		snprintf(suffix, sizeof(suffix), ": %s (kernel: %s)", strerror(r < 0 ? -r : EINVAL), extack);
	else
		snprintf(suffix, sizeof(suffix), ": %s", strerror(r < 0 ? -r : EINVAL));
	va_start(ap, fmt);
	r = fail_v(e, code, r, suffix, fmt, ap);
	va_end(ap);
	return r;
}

void cni_error_set(struct cni_error *e, unsigned code, const char *msg, const char *details)
{
	e->code = code;
	snprintf(e->msg, sizeof(e->msg), "%s", strempty(msg));
	snprintf(e->details, sizeof(e->details), "%s", strempty(details));
}

/* ---- JSON strings ---- */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing above U+10FFFF. */
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
	    (c == 0xf4 && s[1] > 0x8f))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

json_t *cni_json_string(const char *s)
{
	json_t *j;
	char *buf, *p;

	if (!s)
		return NULL;
	j = json_string(s);
	if (j)
		return j;
	/* Not UTF-8 (an ifname or path from the environment, a message cut in the middle of
	 * a character): each bad byte becomes U+FFFD, 3 bytes, as Go's encoding/json does. */
	buf = malloc(strlen(s) * 3 + 1);
	if (!buf)
		return NULL;
	p = buf;
	for (const unsigned char *q = (const unsigned char *)s; *q;) {
		size_t n = utf8_seq(q);

		if (n) {
			memcpy(p, q, n);
			p += n;
			q += n;
		} else {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			q++;
		}
	}
	*p = '\0';
	j = json_string(buf);
	free(buf);
	return j;
}

/* ---- result model ---- */

static void iface_done(struct cni_iface *i)
{
	free(i->name);
	free(i->mac);
	free(i->sandbox);
	free(i->socket_path);
	free(i->pci_id);
}

void cni_result_done(struct cni_result *r)
{
	for (size_t i = 0; i < r->n_ifaces; i++)
		iface_done(&r->ifaces[i]);
	free(r->ifaces);
	free(r->ips);
	free(r->routes);
	json_decref(r->dns);
	*r = (struct cni_result){0};
}

void cni_result_drop_ifaces(struct cni_result *r)
{
	for (size_t i = 0; i < r->n_ifaces; i++)
		iface_done(&r->ifaces[i]);
	free(r->ifaces);
	r->ifaces = NULL;
	r->n_ifaces = 0;
	for (size_t i = 0; i < r->n_ips; i++)
		r->ips[i].iface = -1;
}

static int grow(void **arr, size_t n, size_t size)
{
	void *p;

	/* Results hold a handful of entries: grow one at a time, never overflow. */
	if (n >= CNI_RESULT_MAX_ENTRIES)
		return -E2BIG;
	p = realloc(*arr, (n + 1) * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

static int dup_opt(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int cni_result_add_iface(struct cni_result *r, const char *name, const char *mac, const char *sandbox)
{
	struct cni_iface i = {0};
	int k;

	k = grow((void **)&r->ifaces, r->n_ifaces, sizeof(*r->ifaces));
	if (k < 0)
		return k;
	if (dup_opt(name, &i.name) < 0 || dup_opt(mac, &i.mac) < 0 || dup_opt(sandbox, &i.sandbox) < 0) {
		iface_done(&i);
		return -ENOMEM;
	}
	r->ifaces[r->n_ifaces] = i;
	return (int)r->n_ifaces++;
}

int cni_result_add_ip(struct cni_result *r, const struct cni_ip *ip)
{
	int k;

	k = grow((void **)&r->ips, r->n_ips, sizeof(*r->ips));
	if (k < 0)
		return k;
	r->ips[r->n_ips++] = *ip;
	return 0;
}

int cni_result_add_route(struct cni_result *r, const struct cni_route *rt)
{
	int k;

	k = grow((void **)&r->routes, r->n_routes, sizeof(*r->routes));
	if (k < 0)
		return k;
	r->routes[r->n_routes++] = *rt;
	return 0;
}

int cni_result_copy(const struct cni_result *src, struct cni_result *ret)
{
	struct cni_result r = {0};
	int k;

	for (size_t i = 0; i < src->n_ifaces; i++) {
		const struct cni_iface *s = &src->ifaces[i];

		k = cni_result_add_iface(&r, s->name, s->mac, s->sandbox);
		if (k < 0)
			goto fail;
		r.ifaces[k].mtu = s->mtu;
		if (dup_opt(s->socket_path, &r.ifaces[k].socket_path) < 0 ||
		    dup_opt(s->pci_id, &r.ifaces[k].pci_id) < 0) {
			k = -ENOMEM;
			goto fail;
		}
	}
	for (size_t i = 0; i < src->n_ips; i++) {
		k = cni_result_add_ip(&r, &src->ips[i]);
		if (k < 0)
			goto fail;
	}
	for (size_t i = 0; i < src->n_routes; i++) {
		k = cni_result_add_route(&r, &src->routes[i]);
		if (k < 0)
			goto fail;
	}
	if (src->dns) {
		r.dns = json_deep_copy(src->dns);
		if (!r.dns) {
			k = -ENOMEM;
			goto fail;
		}
	}
	*ret = r;
	return 0;
fail:
	cni_result_done(&r);
	return k;
}

/* ---- DNS ---- */

static int dns_take_list(json_t *out, const json_t *in, const char *key)
{
	const json_t *a = json_object_get(in, key), *v;
	json_t *list;
	size_t i;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return -EINVAL;
	if (json_array_size(a) == 0)
		return 0;
	list = json_array();
	if (!list)
		return -ENOMEM;
	json_array_foreach (a, i, v) {
		if (!json_is_string(v) || json_array_append(list, (json_t *)v) < 0) {
			json_decref(list);
			return -EINVAL;
		}
	}
	return json_object_set_new(out, key, list) < 0 ? -ENOMEM : 0;
}

int cni_dns_parse(const json_t *j, json_t **ret)
{
	_cleanup_json_ json_t *out = NULL;
	const json_t *d;
	int r;

	*ret = NULL;
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_object(j))
		return -EINVAL;
	out = json_object();
	if (!out)
		return -ENOMEM;
	r = dns_take_list(out, j, "nameservers");
	if (r < 0)
		return r;
	d = json_object_get(j, "domain");
	if (d && !json_is_null(d)) {
		if (!json_is_string(d))
			return -EINVAL;
		if (json_string_length(d) > 0 && json_object_set(out, "domain", (json_t *)d) < 0)
			return -ENOMEM;
	}
	r = dns_take_list(out, j, "search");
	if (r < 0)
		return r;
	r = dns_take_list(out, j, "options");
	if (r < 0)
		return r;
	if (json_object_size(out) > 0)
		*ret = TAKE_PTR(out);
	return 0;
}

/* ---- parsing ---- */

struct parse_ctx {
	const char *what;
	struct cni_error *err;
};

static int bad(struct parse_ctx *c, const char *field, const char *why)
{
	return cni_fail(c->err, CNI_ERR_DECODE, -EINVAL, "%s: %s %s", c->what, field, why);
}

static int too_many(struct parse_ctx *c, const char *field)
{
	return cni_fail(c->err, CNI_ERR_DECODE, -E2BIG, "%s: %s has more than %u entries", c->what, field,
			CNI_RESULT_MAX_ENTRIES);
}

static int get_str(struct parse_ctx *c, const json_t *o, const char *key, const char *field,
		   const char **ret)
{
	const json_t *v = json_object_get(o, key);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(c, field, "must be a string");
	*ret = json_string_value(v);
	return 0;
}

static int get_uint(struct parse_ctx *c, const json_t *o, const char *key, const char *field, long max,
		    long *ret)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return bad(c, field, "must be a non-negative integer");
	*ret = (long)json_integer_value(v);
	return 0;
}

static int get_cidr(struct parse_ctx *c, const json_t *o, const char *key, const char *field, bool required,
		    struct ipnet *ret)
{
	const char *s;
	int r;

	r = get_str(c, o, key, field, &s);
	if (r < 0)
		return r;
	if (!s)
		return required ? bad(c, field, "is missing") : 0;
	if (ipnet_parse(s, false, ret) < 0)
		return bad(c, field, "is not a valid CIDR address");
	return 1;
}

static int get_ip(struct parse_ctx *c, const json_t *o, const char *key, const char *field,
		  struct ipnet_addr *ret)
{
	const char *s;
	int r;

	*ret = (struct ipnet_addr){0};
	r = get_str(c, o, key, field, &s);
	if (r < 0 || !s || !*s)
		return r;
	if (ipnet_addr_parse(s, ret) < 0)
		return bad(c, field, "is not a valid IP address");
	return 0;
}

static int parse_route(struct parse_ctx *c, const json_t *o, const char *field, struct cni_result *res)
{
	struct cni_route rt = {.table = -1, .scope = -1};
	char f[96];
	long v;
	int r;

	if (!json_is_object(o))
		return bad(c, field, "must be an object");
	snprintf(f, sizeof(f), "%s.dst", field);
	r = get_cidr(c, o, "dst", f, true, &rt.dst);
	if (r < 0)
		return r;
	snprintf(f, sizeof(f), "%s.gw", field);
	r = get_ip(c, o, "gw", f, &rt.gw);
	if (r < 0)
		return r;
	v = 0;
	if (get_uint(c, o, "mtu", "route mtu", 65535 * 16, &v) < 0)
		return -EINVAL;
	rt.mtu = (unsigned)v;
	v = 0;
	if (get_uint(c, o, "advmss", "route advmss", 65535 * 16, &v) < 0)
		return -EINVAL;
	rt.advmss = (unsigned)v;
	v = 0;
	if (get_uint(c, o, "priority", "route priority", 0xffffffffL, &v) < 0)
		return -EINVAL;
	rt.priority = (unsigned)v;
	v = -1;
	if (get_uint(c, o, "table", "route table", 0xffffffffL, &v) < 0)
		return -EINVAL;
	rt.table = (int)v;
	v = -1;
	if (get_uint(c, o, "scope", "route scope", 255, &v) < 0)
		return -EINVAL;
	rt.scope = (int)v;
	return cni_result_add_route(res, &rt);
}

static int parse_routes(struct parse_ctx *c, const json_t *a, const char *field, struct cni_result *res)
{
	const json_t *o;
	size_t i;
	int r;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return bad(c, field, "must be an array");
	if (json_array_size(a) > CNI_RESULT_MAX_ENTRIES)
		return too_many(c, field);
	json_array_foreach (a, i, o) {
		char f[64];

		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		r = parse_route(c, o, f, res);
		if (r < 0)
			return r;
	}
	return 0;
}

/* 0.1.0 / 0.2.0: {"ip4": {"ip", "gateway", "routes"}, "ip6": {...}} */
static int parse_legacy_ip(struct parse_ctx *c, const json_t *j, const char *key, int family,
			   struct cni_result *res)
{
	const json_t *o = json_object_get(j, key);
	struct cni_ip ip = {.iface = -1};
	char f[32];
	int r;

	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return bad(c, key, "must be an object");
	snprintf(f, sizeof(f), "%s.ip", key);
	r = get_cidr(c, o, "ip", f, true, &ip.address);
	if (r < 0)
		return r;
	if (ip.address.ip.family != family)
		return bad(c, f, "has the wrong address family");
	snprintf(f, sizeof(f), "%s.gateway", key);
	r = get_ip(c, o, "gateway", f, &ip.gateway);
	if (r < 0)
		return r;
	r = cni_result_add_ip(res, &ip);
	if (r < 0)
		return r;
	snprintf(f, sizeof(f), "%s.routes", key);
	return parse_routes(c, json_object_get(o, "routes"), f, res);
}

static int parse_iface(struct parse_ctx *c, const json_t *o, const char *field, struct cni_result *res)
{
	const char *name, *mac, *sandbox, *sock, *pci;
	long mtu = 0;
	int k;

	if (!json_is_object(o))
		return bad(c, field, "must be an object");
	if (get_str(c, o, "name", "interfaces[].name", &name) < 0 ||
	    get_str(c, o, "mac", "interfaces[].mac", &mac) < 0 ||
	    get_str(c, o, "sandbox", "interfaces[].sandbox", &sandbox) < 0 ||
	    get_str(c, o, "socketPath", "interfaces[].socketPath", &sock) < 0 ||
	    get_str(c, o, "pciID", "interfaces[].pciID", &pci) < 0 ||
	    get_uint(c, o, "mtu", "interfaces[].mtu", 0x7fffffff, &mtu) < 0)
		return -EINVAL;
	k = cni_result_add_iface(res, name, mac, sandbox);
	if (k < 0)
		return k;
	res->ifaces[k].mtu = (unsigned)mtu;
	if (dup_opt(sock, &res->ifaces[k].socket_path) < 0 || dup_opt(pci, &res->ifaces[k].pci_id) < 0)
		return -ENOMEM;
	return 0;
}

static int parse_ipconfig(struct parse_ctx *c, const json_t *o, const char *field, struct cni_result *res)
{
	struct cni_ip ip = {.iface = -1};
	const json_t *idx;
	char f[64];
	int r;

	if (!json_is_object(o))
		return bad(c, field, "must be an object");
	snprintf(f, sizeof(f), "%s.address", field);
	r = get_cidr(c, o, "address", f, true, &ip.address);
	if (r < 0)
		return r;
	snprintf(f, sizeof(f), "%s.gateway", field);
	r = get_ip(c, o, "gateway", f, &ip.gateway);
	if (r < 0)
		return r;
	idx = json_object_get(o, "interface");
	if (idx && !json_is_null(idx)) {
		snprintf(f, sizeof(f), "%s.interface", field);
		if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
		    (size_t)json_integer_value(idx) >= res->n_ifaces)
			return bad(c, f, "is not the index of an entry in \"interfaces\"");
		ip.iface = (int)json_integer_value(idx);
	}
	return cni_result_add_ip(res, &ip);
}

static int parse_array(struct parse_ctx *c, const json_t *j, const char *key, struct cni_result *res,
		       int (*each)(struct parse_ctx *, const json_t *, const char *, struct cni_result *))
{
	const json_t *a = json_object_get(j, key), *o;
	size_t i;
	int r;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return bad(c, key, "must be an array");
	if (json_array_size(a) > CNI_RESULT_MAX_ENTRIES)
		return too_many(c, key);
	json_array_foreach (a, i, o) {
		char f[64];

		snprintf(f, sizeof(f), "%s[%zu]", key, i);
		r = each(c, o, f, res);
		if (r < 0)
			return r;
	}
	return 0;
}

int cni_result_parse(const json_t *j, enum cni_version fallback, const char *what, struct cni_result *ret,
		     struct cni_error *err)
{
	struct parse_ctx c = {.what = what, .err = err};
	struct cni_result res = {0};
	const json_t *jv;
	int v = fallback, r;

	if (!json_is_object(j))
		return cni_fail(err, CNI_ERR_DECODE, -EINVAL, "%s: result must be a JSON object", what);
	jv = json_object_get(j, "cniVersion");
	if (jv && !json_is_null(jv) && !(json_is_string(jv) && json_string_length(jv) == 0)) {
		v = cni_version_parse(json_string_value(jv));
		if (v < 0)
			return cni_fail(err, CNI_ERR_INCOMPATIBLE_VERSION, -EINVAL,
					"%s: unsupported result cniVersion %s", what,
					json_is_string(jv) ? json_string_value(jv) : "(not a string)");
	}
	if (v < CNI_V030) {
		r = parse_legacy_ip(&c, j, "ip4", AF_INET, &res);
		if (r >= 0)
			r = parse_legacy_ip(&c, j, "ip6", AF_INET6, &res);
	} else {
		r = parse_array(&c, j, "interfaces", &res, parse_iface);
		if (r >= 0)
			r = parse_array(&c, j, "ips", &res, parse_ipconfig);
		if (r >= 0)
			r = parse_routes(&c, json_object_get(j, "routes"), "routes", &res);
	}
	if (r >= 0) {
		r = cni_dns_parse(json_object_get(j, "dns"), &res.dns);
		if (r == -EINVAL)
			r = bad(&c, "dns", "is malformed");
	}
	if (r < 0) {
		if (!err->code)
			cni_fail_errno(err, CNI_ERR_INTERNAL, r, "%s: cannot parse result", what);
		cni_result_done(&res);
		return r;
	}
	*ret = res;
	return 0;
}

/* ---- emitting ---- */

static int set_str(json_t *o, const char *key, const char *s)
{
	if (!s)
		return 0;
	return json_object_set_new(o, key, cni_json_string(s));
}

static int set_addr(json_t *o, const char *key, const struct ipnet_addr *a)
{
	char buf[IPNET_STRLEN];

	if (!a->family)
		return 0;
	return json_object_set_new(o, key, json_string(ipnet_addr_fmt(a, buf)));
}

static int set_cidr(json_t *o, const char *key, const struct ipnet *n)
{
	char buf[IPNET_STRLEN];

	return json_object_set_new(o, key, json_string(ipnet_fmt(n, buf)));
}

static json_t *route_json(const struct cni_route *rt, enum cni_version v)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= set_cidr(o, "dst", &rt->dst);
	r |= set_addr(o, "gw", &rt->gw);
	if (v >= CNI_V110) {
		if (rt->mtu)
			r |= json_object_set_new(o, "mtu", json_integer(rt->mtu));
		if (rt->advmss)
			r |= json_object_set_new(o, "advmss", json_integer(rt->advmss));
		if (rt->priority)
			r |= json_object_set_new(o, "priority", json_integer(rt->priority));
		if (rt->table >= 0)
			r |= json_object_set_new(o, "table", json_integer(rt->table));
		if (rt->scope >= 0)
			r |= json_object_set_new(o, "scope", json_integer(rt->scope));
	}
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *legacy_ip_json(const struct cni_result *res, int family)
{
	const struct cni_ip *ip = NULL;
	json_t *o, *routes;
	int r = 0;

	for (size_t i = 0; i < res->n_ips && !ip; i++)
		if (res->ips[i].address.ip.family == family)
			ip = &res->ips[i];
	if (!ip)
		return NULL;
	o = json_object();
	routes = json_array();
	if (!o || !routes)
		goto fail;
	r |= set_cidr(o, "ip", &ip->address);
	r |= set_addr(o, "gateway", &ip->gateway);
	for (size_t i = 0; i < res->n_routes; i++)
		if (res->routes[i].dst.ip.family == family)
			r |= json_array_append_new(routes, route_json(&res->routes[i], CNI_V020));
	if (r)
		goto fail;
	if (json_array_size(routes) > 0)
		r = json_object_set(o, "routes", routes);
	json_decref(routes);
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
fail:
	json_decref(routes);
	json_decref(o);
	return NULL;
}

static json_t *iface_json(const struct cni_iface *i, enum cni_version v)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= set_str(o, "name", i->name);
	r |= set_str(o, "mac", i->mac);
	if (v >= CNI_V110 && i->mtu)
		r |= json_object_set_new(o, "mtu", json_integer(i->mtu));
	r |= set_str(o, "sandbox", i->sandbox);
	if (v >= CNI_V110) {
		r |= set_str(o, "socketPath", i->socket_path);
		r |= set_str(o, "pciID", i->pci_id);
	}
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *ip_json(const struct cni_ip *ip, enum cni_version v)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	if (v < CNI_V100)
		r |= json_object_set_new(o, "version", json_string(ip->address.ip.family == AF_INET ? "4" : "6"));
	if (ip->iface >= 0)
		r |= json_object_set_new(o, "interface", json_integer(ip->iface));
	r |= set_cidr(o, "address", &ip->address);
	r |= set_addr(o, "gateway", &ip->gateway);
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int add_list(json_t *out, const char *key, size_t n, json_t *(*item)(const void *, size_t, enum cni_version),
		    const void *base, enum cni_version v)
{
	json_t *a;

	if (n == 0)
		return 0;
	a = json_array();
	if (!a)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(a, item(base, i, v)) < 0) {
			json_decref(a);
			return -1;
		}
	return json_object_set_new(out, key, a);
}

static json_t *iface_item(const void *b, size_t i, enum cni_version v)
{
	return iface_json(&((const struct cni_iface *)b)[i], v);
}

static json_t *ip_item(const void *b, size_t i, enum cni_version v)
{
	return ip_json(&((const struct cni_ip *)b)[i], v);
}

static json_t *route_item(const void *b, size_t i, enum cni_version v)
{
	return route_json(&((const struct cni_route *)b)[i], v);
}

json_t *cni_result_to_json(const struct cni_result *res, enum cni_version v, struct cni_error *err)
{
	_cleanup_json_ json_t *out = json_object();
	int r = 0;

	if (!out)
		goto oom;
	r |= json_object_set_new(out, "cniVersion", json_string(cni_version_str(v)));
	if (v < CNI_V030) {
		json_t *ip4 = legacy_ip_json(res, AF_INET), *ip6 = legacy_ip_json(res, AF_INET6);

		if (!ip4 && !ip6) {
			cni_fail(err, CNI_ERR_INCOMPATIBLE_VERSION, -EINVAL,
				 "cannot express the result in cniVersion %s: it has no IP address "
				 "(use cniVersion 0.3.0 or later)",
				 cni_version_str(v));
			return NULL;
		}
		if (ip4)
			r |= json_object_set_new(out, "ip4", ip4);
		if (ip6)
			r |= json_object_set_new(out, "ip6", ip6);
	} else {
		r |= add_list(out, "interfaces", res->n_ifaces, iface_item, res->ifaces, v);
		r |= add_list(out, "ips", res->n_ips, ip_item, res->ips, v);
		r |= add_list(out, "routes", res->n_routes, route_item, res->routes, v);
	}
	/* Before 1.0.0 "dns" is always present; from 1.0.0 on it is omitted when empty. */
	if (res->dns)
		r |= json_object_set(out, "dns", res->dns);
	else if (v < CNI_V100)
		r |= json_object_set_new(out, "dns", json_object());
	if (r)
		goto oom;
	return TAKE_PTR(out);
oom:
	cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory building the result");
	return NULL;
}

/* ---- names ---- */

bool cni_valid_container_id(const char *s)
{
	if (!s || !isalnum((unsigned char)s[0]))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

bool cni_valid_network_name(const char *s)
{
	return cni_valid_container_id(s);
}

bool cni_valid_ifname(const char *s, const char **ret_why)
{
	const char *why = NULL;

	if (!s || !*s)
		why = "is empty";
	else if (strlen(s) > 15)
		why = "is longer than 15 characters";
	else if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		why = "is \".\" or \"..\"";
	else
		for (const char *p = s; *p && !why; p++)
			if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
				why = "contains '/', ':' or whitespace";
	if (ret_why)
		*ret_why = why;
	return !why;
}
