/* config.c: host-local's keys, defaults and validation (reference: allocator/config.go,
 * range.go, range_set.go; dns.go for resolvConf). */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "io.h"
#include "store.h"

#define PATH_LEN 96
#define RESOLV_MAX CONFIG_RESOLV_MAX
/* Limits far above any real configuration (one or two range sets, a few routes) that keep
 * time and memory bounded whatever the input: every range is compared with every other. */
#define MAX_SETS 64	 /* range sets: one address each */
#define MAX_RANGES 1024	 /* ranges in all range sets together */
#define MAX_REQUESTED 64 /* distinct requested IPs (each needs a range set of its own) */
#define MAX_ROUTES 1024	 /* ipam.routes */

/* "<path>": <what>, code 7. */
static int fail_at(struct cni_error *err, const char *path, const char *fmt, ...) _printf_(3, 4);
static int fail_at(struct cni_error *err, const char *path, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s\": %s", path, what);
}

/* Key paths are for messages: silently cut at PATH_LEN. */
static void path_fmt(char *buf, size_t size, const char *fmt, ...) _printf_(3, 4);
static void path_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static void key_path(char buf[static PATH_LEN], const char *path, const char *key)
{
	path_fmt(buf, PATH_LEN, "%s%s%s", path, *path ? "." : "", key);
}

/* An IP-valued key. 1: present, 0: absent, null or "" (Go's net.IP reads "" as nil). */
static int get_ip(const json_t *o, const char *key, const char *path, struct ipnet_addr *ret,
		  struct cni_error *err)
{
	const json_t *v = json_object_get(o, key);
	char kp[PATH_LEN];

	key_path(kp, path, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s\" must be a string", kp);
	if (json_string_length(v) == 0)
		return 0;
	if (ipnet_addr_parse(json_string_value(v), ret) < 0)
		return fail_at(err, kp, "%s is not a valid IP", json_string_value(v));
	return 1;
}

/* ---- ranges ---- */

struct range_in {
	struct ipnet subnet;
	struct ipnet_addr start, end, gateway;
	bool has_start, has_end, has_gateway;
};

static int read_range(const json_t *o, const char *path, struct range_in *ret, struct cni_error *err)
{
	struct range_in in = {0};
	const json_t *v;
	char kp[PATH_LEN];
	int r;

	if (!json_is_object(o))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s\" must be an object", path);
	key_path(kp, path, "subnet");
	v = json_object_get(o, "subnet");
	if (!v || json_is_null(v))
		return fail_at(err, kp, "missing (the subnet to allocate from, e.g. \"10.1.0.0/16\")");
	if (!json_is_string(v))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s\" must be a string", kp);
	if (ipnet_parse(json_string_value(v), false, &in.subnet) < 0)
		return fail_at(err, kp, "%s is not a valid CIDR", json_string_value(v));
	r = get_ip(o, "rangeStart", path, &in.start, err);
	if (r < 0)
		return r;
	in.has_start = r;
	r = get_ip(o, "rangeEnd", path, &in.end, err);
	if (r < 0)
		return r;
	in.has_end = r;
	r = get_ip(o, "gateway", path, &in.gateway, err);
	if (r < 0)
		return r;
	in.has_gateway = r;
	*ret = in;
	return 0;
}

static bool in_subnet(const struct ipnet *n, const struct ipnet_addr *a)
{
	return a->family == n->ip.family && ipnet_contains(n, a);
}

/* rangeStart and rangeEnd: inside the subnet and in order. r holds the defaults. */
static int check_bounds(const struct range_in *in, const char *path, struct alloc_range *r,
			struct cni_error *err)
{
	char kp[PATH_LEN], a[IPNET_STRLEN], b[IPNET_STRLEN], n[IPNET_STRLEN];

	ipnet_fmt(&r->subnet, n);
	key_path(kp, path, "rangeStart");
	if (in->has_start) {
		if (!in_subnet(&r->subnet, &in->start))
			return fail_at(err, kp, "%s not in network %s", ipnet_addr_fmt(&in->start, a), n);
		if (in->has_end && in->end.family == in->start.family &&
		    ipnet_addr_cmp(&in->start, &in->end) > 0)
			return fail_at(err, kp, "%s is after rangeEnd %s", ipnet_addr_fmt(&in->start, a),
				       ipnet_addr_fmt(&in->end, b));
		r->start = in->start;
	}
	if (!in->has_end) {
		/* Only the IPv4 broadcast address as rangeStart gets here; the reference would
		 * then hand out addresses beyond the range. */
		if (ipnet_addr_cmp(&r->start, &r->end) > 0)
			return fail_at(err, kp, "%s is after the last usable address %s",
				       ipnet_addr_fmt(&r->start, a), ipnet_addr_fmt(&r->end, b));
		return 0;
	}
	key_path(kp, path, "rangeEnd");
	if (!in_subnet(&r->subnet, &in->end))
		return fail_at(err, kp, "%s not in network %s", ipnet_addr_fmt(&in->end, a), n);
	if (ipnet_addr_cmp(&in->end, &r->start) < 0)
		return fail_at(err, kp, "%s is before rangeStart %s", ipnet_addr_fmt(&in->end, a),
			       ipnet_addr_fmt(&r->start, b));
	r->end = in->end;
	return 0;
}

/* Defaults and checks of the reference's Range.Canonicalize(). */
static int canonicalize(const struct range_in *in, const char *path, struct alloc_range *ret,
			struct cni_error *err)
{
	unsigned bits = ipnet_bits(in->subnet.ip.family);
	char kp[PATH_LEN], a[IPNET_STRLEN];
	struct alloc_range r = {0};
	int k;

	key_path(kp, path, "subnet");
	if (in->subnet.prefix > bits - 2)
		return fail_at(err, kp, "network %s too small to allocate from", ipnet_fmt(&in->subnet, a));
	ipnet_network(&in->subnet, &r.subnet);
	if (ipnet_has_host_bits(&in->subnet))
		return fail_at(err, kp, "network has host bits set: for a /%u the network address is %s",
			       in->subnet.prefix, ipnet_addr_fmt(&r.subnet.ip, a));
	/* The gateway defaults to .1; so does rangeStart (the iterator skips the gateway). */
	r.gateway = r.subnet.ip;
	ipnet_addr_add(&r.gateway, 1);
	if (in->has_gateway)
		r.gateway = in->gateway;
	r.start = r.subnet.ip;
	ipnet_addr_add(&r.start, 1);
	ipnet_last(&r.subnet, &r.end);
	if (r.subnet.ip.family == AF_INET)
		ipnet_addr_add(&r.end, -1); /* not the broadcast address */
	k = check_bounds(in, path, &r, err);
	if (k < 0)
		return k;
	*ret = r;
	return 0;
}

/* A range set at `path`; its ranges are "<path>[i]", or "<path>" itself for the legacy one. */
static int parse_set(const json_t *a, const char *path, bool legacy, struct alloc_rangeset *ret,
		     struct cni_error *err)
{
	_cleanup_free_ struct alloc_range *v = NULL;
	size_t n = json_is_array(a) ? json_array_size(a) : 0;
	char sa[ALLOC_SET_STRLEN], sb[ALLOC_SET_STRLEN];
	int r;

	if (!json_is_array(a))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s\" must be an array of ranges",
				path);
	if (n == 0)
		return fail_at(err, path, "empty range set");
	v = calloc(n, sizeof(*v));
	if (!v)
		return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		char rp[PATH_LEN];
		struct range_in in;

		if (legacy)
			path_fmt(rp, sizeof(rp), "%s", path);
		else
			path_fmt(rp, sizeof(rp), "%s[%zu]", path, i);
		r = read_range(json_array_get(a, i), rp, &in, err);
		if (r < 0)
			return r;
		r = canonicalize(&in, rp, &v[i], err);
		if (r < 0)
			return r;
		if (v[i].start.family != v[0].start.family)
			return fail_at(err, path, "mixed address families");
	}
	for (size_t i = 0; i + 1 < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (alloc_range_overlaps(&v[i], &v[j])) {
				struct alloc_rangeset x = {&v[i], 1}, y = {&v[j], 1};

				return fail_at(err, path, "ranges %s and %s overlap",
					       alloc_rangeset_fmt(&x, sa), alloc_rangeset_fmt(&y, sb));
			}
	ret->ranges = TAKE_PTR(v);
	ret->n = n;
	return 0;
}

/* Appends a parsed set; *paths keeps its key path for the cross-set checks. */
struct set_list {
	struct alloc_rangeset *v;
	char (*path)[PATH_LEN];
	size_t n;
	size_t n_ranges; /* in all sets */
};

static int push_set(struct set_list *l, const json_t *a, const char *path, bool legacy, struct cni_error *err)
{
	struct alloc_rangeset s = {0}, *v;
	char (*p)[PATH_LEN];
	int r;

	if (l->n >= MAX_SETS)
		return fail_at(err, path, "more than %d range sets", MAX_SETS);
	if (json_is_array(a) && json_array_size(a) > MAX_RANGES - l->n_ranges)
		return fail_at(err, path, "more than %d ranges in all range sets together", MAX_RANGES);
	r = parse_set(a, path, legacy, &s, err);
	if (r < 0)
		return r;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v)
		l->v = v;
	p = v ? realloc(l->path, (l->n + 1) * sizeof(*p)) : NULL;
	if (p)
		l->path = p;
	if (!v || !p) {
		free(s.ranges);
		return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
	}
	l->v[l->n] = s;
	path_fmt(l->path[l->n], PATH_LEN, "%s", path);
	l->n++;
	l->n_ranges += s.n;
	return 0;
}

static void set_list_done(struct set_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].ranges);
	free(l->v);
	free(l->path);
}

static int push_sets(struct set_list *l, const json_t *a, const char *path, struct cni_error *err)
{
	if (json_array_size(a) > MAX_SETS)
		return fail_at(err, path, "more than %d range sets", MAX_SETS);
	for (size_t i = 0; i < json_array_size(a); i++) {
		char sp[PATH_LEN];
		int r;

		path_fmt(sp, sizeof(sp), "%s[%zu]", path, i);
		r = push_set(l, json_array_get(a, i), sp, false, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The legacy single range (ipam.subnet etc.) is range set 0 when subnet is given; its other
 * keys are still parsed (the reference fails on an invalid one even without subnet). */
static int push_legacy(struct set_list *l, const json_t *ipam, struct cni_error *err)
{
	_cleanup_json_ json_t *set = NULL;
	struct ipnet_addr ignored;
	const char *keys[] = {"rangeStart", "rangeEnd", "gateway"};
	const json_t *subnet = json_object_get(ipam, "subnet");
	int r;

	if (!subnet || json_is_null(subnet)) {
		for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
			r = get_ip(ipam, keys[i], "ipam", &ignored, err);
			if (r < 0)
				return r;
		}
		return 0;
	}
	set = json_array();
	if (!set || json_array_append(set, (json_t *)ipam) < 0)
		return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
	/* Path "ipam": messages name "ipam.subnet", "ipam.rangeStart", ... */
	return push_set(l, set, "ipam", true, err);
}

static int check_sets(const struct set_list *l, enum cni_version v, struct cni_error *err)
{
	size_t n4 = 0, n6 = 0;

	if (l->n == 0)
		return fail_at(err, "ipam.ranges", "no IP ranges specified");
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].ranges[0].start.family == AF_INET)
			n4++;
		else
			n6++;
	}
	/* Results before 0.3.0 hold one address per family. */
	if ((n4 > 1 || n6 > 1) && v < CNI_V030)
		return fail_at(err, "cniVersion",
			       "%s does not support more than 1 address per family (%zu IPv4 and "
			       "%zu IPv6 range sets); use 0.3.0 or later",
			       cni_version_str(v), n4, n6);
	for (size_t i = 0; i + 1 < l->n; i++)
		for (size_t j = i + 1; j < l->n; j++)
			if (alloc_rangeset_overlaps(&l->v[i], &l->v[j]))
				return fail_at(err, l->path[i], "overlaps with range set \"%s\"", l->path[j]);
	return 0;
}

static int parse_ranges(const json_t *conf, const json_t *ipam, enum cni_version v, struct config *c,
			struct cni_error *err)
{
	struct set_list l = {0};
	const json_t *rc = NULL, *a = NULL;
	int r;

	r = conf_get_obj(conf, "runtimeConfig", NULL, &rc, err);
	if (r >= 0 && rc)
		r = conf_get_array(rc, "ipRanges", "runtimeConfig.", &a, err);
	if (r >= 0 && a)
		r = push_sets(&l, a, "runtimeConfig.ipRanges", err);
	if (r >= 0)
		r = push_legacy(&l, ipam, err);
	if (r >= 0)
		r = conf_get_array(ipam, "ranges", "ipam.", &a, err);
	if (r >= 0 && a)
		r = push_sets(&l, a, "ipam.ranges", err);
	if (r >= 0)
		r = check_sets(&l, v, err);
	if (r < 0) {
		set_list_done(&l);
		return r;
	}
	free(l.path);
	c->sets = l.v;
	c->n_sets = l.n;
	return 0;
}

/* ---- requested IPs ---- */

static int push_requested(struct config *c, const struct ipnet_addr *a)
{
	struct ipnet_addr *v;

	for (size_t i = 0; i < c->n_requested; i++)
		if (ipnet_addr_eq(&c->requested[i], a))
			return 0;
	if (c->n_requested >= MAX_REQUESTED)
		return -E2BIG;
	v = realloc(c->requested, (c->n_requested + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->requested = v;
	c->requested[c->n_requested++] = *a;
	return 0;
}

/* "a.b.c.d" or "a.b.c.d/p" (the prefix is ignored), like the reference's ip.ParseIP. */
static int parse_req_ip(const char *s, struct ipnet_addr *ret)
{
	struct ipnet n;

	if (ipnet_parse(s, true, &n) < 0)
		return -EINVAL;
	*ret = n.ip;
	return 0;
}

static int parse_ip_list(struct config *c, const json_t *o, const char *key, const char *path,
			 struct cni_error *err)
{
	const json_t *a = NULL;
	char kp[PATH_LEN], where[PATH_LEN + 1];
	int r;

	key_path(kp, path, key);
	path_fmt(where, sizeof(where), "%s.", path);
	r = conf_get_array(o, key, where, &a, err);
	if (r < 0)
		return r;
	for (size_t i = 0; a && i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);
		struct ipnet_addr ip;
		char ep[PATH_LEN + 24];

		path_fmt(ep, sizeof(ep), "%s[%zu]", kp, i);
		if (!json_is_string(v))
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s\" must be a string", ep);
		if (parse_req_ip(json_string_value(v), &ip) < 0)
			return fail_at(err, ep, "%s is not a valid IP", json_string_value(v));
		r = push_requested(c, &ip);
		if (r == -E2BIG)
			return fail_at(err, kp, "more than %d distinct requested IPs", MAX_REQUESTED);
		if (r < 0)
			return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_requested(const json_t *conf, const char *args_ip, struct config *c, struct cni_error *err)
{
	const json_t *args = NULL, *cni = NULL, *rc = NULL;
	struct ipnet_addr ip;
	int r;

	/* CNI_ARGS IP= (empty: none). */
	if (args_ip && *args_ip) {
		if (parse_req_ip(args_ip, &ip) < 0)
			return cni_fail(err, CNI_ERR_INVALID_ENV, -EINVAL,
					"CNI_ARGS \"IP\": %s is not a valid IP", args_ip);
		if (push_requested(c, &ip) < 0)
			return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
	}
	r = conf_get_obj(conf, "args", NULL, &args, err);
	if (r >= 0 && args)
		r = conf_get_obj(args, "cni", "args.", &cni, err);
	if (r >= 0 && cni)
		r = parse_ip_list(c, cni, "ips", "args.cni", err);
	if (r >= 0)
		r = conf_get_obj(conf, "runtimeConfig", NULL, &rc, err);
	if (r >= 0 && rc)
		r = parse_ip_list(c, rc, "ips", "runtimeConfig", err);
	return r;
}

/* ---- routes ---- */

static int parse_route(const json_t *o, const char *path, struct cni_route *ret, struct cni_error *err)
{
	struct cni_route rt = {.table = -1, .scope = -1};
	char where[PATH_LEN + 1];
	long mtu = 0, advmss = 0, prio = 0, table = -1, scope = -1;
	int r;

	if (!json_is_object(o))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s\" must be an object", path);
	path_fmt(where, sizeof(where), "%s.", path);
	r = conf_get_cidr(o, "dst", where, &rt.dst, err);
	if (r < 0)
		return r;
	if (r == 0)
		return fail_at(err, path, "\"dst\" is required");
	r = get_ip(o, "gw", path, &rt.gw, err);
	if (r < 0)
		return r;
	if ((r = conf_get_int(o, "mtu", where, 0, INT_MAX, &mtu, err)) < 0 ||
	    (r = conf_get_int(o, "advmss", where, 0, INT_MAX, &advmss, err)) < 0 ||
	    (r = conf_get_int(o, "priority", where, 0, INT_MAX, &prio, err)) < 0 ||
	    (r = conf_get_int(o, "table", where, 0, INT_MAX, &table, err)) < 0 ||
	    (r = conf_get_int(o, "scope", where, 0, 255, &scope, err)) < 0)
		return r;
	rt.mtu = (unsigned)mtu;
	rt.advmss = (unsigned)advmss;
	rt.priority = (unsigned)prio;
	rt.table = (int)table;
	rt.scope = (int)scope;
	*ret = rt;
	return 0;
}

static int parse_routes(const json_t *ipam, struct config *c, struct cni_error *err)
{
	const json_t *a = NULL;
	int r;

	r = conf_get_array(ipam, "routes", "ipam.", &a, err);
	if (r < 0 || !a || json_array_size(a) == 0)
		return r;
	if (json_array_size(a) > MAX_ROUTES)
		return fail_at(err, "ipam.routes", "more than %d routes", MAX_ROUTES);
	c->routes = calloc(json_array_size(a), sizeof(*c->routes));
	if (!c->routes)
		return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(a); i++) {
		char rp[PATH_LEN];

		path_fmt(rp, sizeof(rp), "ipam.routes[%zu]", i);
		r = parse_route(json_array_get(a, i), rp, &c->routes[i], err);
		if (r < 0)
			return r;
		c->n_routes++;
	}
	return 0;
}

/* ---- the whole ---- */

void config_done(struct config *c)
{
	for (size_t i = 0; i < c->n_sets; i++)
		free(c->sets[i].ranges);
	free(c->sets);
	free(c->routes);
	free(c->requested);
	*c = (struct config){0};
}

int config_parse(const json_t *conf, enum cni_version v, const char *args_ip, struct config *ret,
		 struct cni_error *err)
{
	_cleanup_(config_done) struct config c = {.data_dir = STORE_DEFAULT_DIR};
	const json_t *ipam = NULL;
	int r;

	r = conf_get_obj(conf, "ipam", NULL, &ipam, err);
	if (r < 0)
		return r;
	if (!ipam)
		return fail_at(err, "ipam", "IPAM config missing 'ipam' key");
	r = conf_get_str(ipam, "dataDir", "ipam.", &c.data_dir, err);
	if (r < 0)
		return r;
	if (!*c.data_dir)
		c.data_dir = STORE_DEFAULT_DIR;
	r = conf_get_str(ipam, "resolvConf", "ipam.", &c.resolv_conf, err);
	if (r < 0)
		return r;
	if (c.resolv_conf && !*c.resolv_conf)
		c.resolv_conf = NULL;
	r = parse_requested(conf, args_ip, &c, err);
	if (r < 0)
		return r;
	r = parse_ranges(conf, ipam, v, &c, err);
	if (r < 0)
		return r;
	r = parse_routes(ipam, &c, err);
	if (r < 0)
		return r;
	*ret = c;
	c = (struct config){0};
	return 0;
}

/* ---- resolv.conf ---- */

static int read_file(const char *path, char **ret)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len;
	int r;

	r = io_open_regular(AT_FDCWD, path, O_RDONLY, 0, &fd);
	if (r < 0)
		return r;
	return io_read_alloc(fd, RESOLV_MAX, ret, &len);
}

static int append_str(json_t *o, const char *key, const char *s)
{
	json_t *a = json_object_get(o, key);

	if (!a) {
		a = json_array();
		if (!a || json_object_set_new(o, key, a) < 0)
			return -ENOMEM;
	}
	return json_array_append_new(a, cni_json_string(s)) < 0 ? -ENOMEM : 0;
}

/* One line: keyword and fields, split on blanks; "#" and ";" start a comment line. */
static int resolv_line(char *line, json_t *dns)
{
	char *save = NULL, *kw = strtok_r(line, " \t\r\v\f", &save), *f;
	bool list;
	int r;

	if (!kw || kw[0] == '#' || kw[0] == ';')
		return 0;
	f = strtok_r(NULL, " \t\r\v\f", &save);
	if (!f)
		return 0;
	if (strcmp(kw, "domain") == 0)
		return json_object_set_new(dns, "domain", cni_json_string(f)) < 0 ? -ENOMEM : 0;
	if (strcmp(kw, "nameserver") == 0)
		return append_str(dns, "nameservers", f);
	list = strcmp(kw, "search") == 0 || strcmp(kw, "options") == 0;
	for (; list && f; f = strtok_r(NULL, " \t\r\v\f", &save)) {
		r = append_str(dns, kw[0] == 's' ? "search" : "options", f);
		if (r < 0)
			return r;
	}
	return 0;
}

int config_resolv_conf(const char *path, json_t **ret)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ json_t *dns = json_object();
	char *save = NULL;
	int r;

	if (!dns)
		return -ENOMEM;
	r = read_file(path, &buf);
	if (r < 0)
		return r;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		r = resolv_line(l, dns);
		if (r < 0)
			return r;
	}
	return cni_dns_parse(dns, ret);
}

/* ---- GC ---- */

int config_gc_attachments(const json_t *conf, struct store_attachment **ret, size_t *ret_n,
			  struct cni_error *err)
{
	_cleanup_free_ struct store_attachment *v = NULL;
	const char *key = "cni.dev/valid-attachments";
	const json_t *a = json_object_get(conf, key);
	size_t n;

	if (!a || json_is_null(a)) {
		key = "cni.dev/attachments"; /* the spec-v1.1.0 tag's name for it */
		a = json_object_get(conf, key);
	}
	if (!a || json_is_null(a))
		return fail_at(err, "cni.dev/valid-attachments",
			       "missing: GC needs the list of valid attachments "
			       "(refusing to release everything)");
	if (!json_is_array(a))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s\" must be an array", key);
	n = json_array_size(a);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(a, i);
		char ip[PATH_LEN];
		int r;

		path_fmt(ip, sizeof(ip), "%s[%zu].", key, i);
		if (!json_is_object(o))
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s[%zu]\" must be an object",
					key, i);
		r = conf_get_str(o, "containerID", ip, &v[i].id, err);
		if (r >= 0)
			r = conf_get_str(o, "ifname", ip, &v[i].ifname, err);
		if (r < 0)
			return r;
		if (!v[i].id || !v[i].ifname)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s%s\" is required", ip,
					v[i].id ? "ifname" : "containerID");
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}
