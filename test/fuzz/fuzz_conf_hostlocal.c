/* fuzz_conf_hostlocal: host-local's network config (ipam.ranges, the legacy subnet keys,
 * runtimeConfig.ipRanges, requested IPs from args.cni.ips, runtimeConfig.ips and CNI_ARGS
 * IP, routes, dataDir, resolvConf) and GC's cni.dev/valid-attachments.
 * Input: the config JSON, then optionally a NUL byte and the CNI_ARGS "IP" value.
 * Properties: a config that parses, written back in canonical form (every default made
 * explicit, everything in ipam.ranges and runtimeConfig.ips), parses to the same thing;
 * errors are code 7 (or 4 for CNI_ARGS) with a message; every range's start, end and the
 * allocator's first candidates lie inside the range and are never its gateway. */
#include "fuzz.h"

#include "allocator.h"
#include "config.h"
#include "conf.h"
#include "store.h"

static json_t *addr_json(const struct ipnet_addr *a)
{
	char buf[IPNET_STRLEN];

	return json_string(ipnet_addr_fmt(a, buf));
}

static json_t *canonical(const struct config *c)
{
	json_t *ipam = json_object(), *ranges = json_array(), *routes = json_array(), *ips = json_array();
	char buf[IPNET_STRLEN];

	for (size_t i = 0; i < c->n_sets; i++) {
		json_t *set = json_array();

		for (size_t k = 0; k < c->sets[i].n; k++) {
			const struct alloc_range *r = &c->sets[i].ranges[k];
			json_t *o = json_object();

			json_object_set_new(o, "subnet", json_string(ipnet_fmt(&r->subnet, buf)));
			json_object_set_new(o, "rangeStart", addr_json(&r->start));
			json_object_set_new(o, "rangeEnd", addr_json(&r->end));
			json_object_set_new(o, "gateway", addr_json(&r->gateway));
			json_array_append_new(set, o);
		}
		json_array_append_new(ranges, set);
	}
	for (size_t i = 0; i < c->n_routes; i++) {
		const struct cni_route *rt = &c->routes[i];
		json_t *o = json_object();

		json_object_set_new(o, "dst", json_string(ipnet_fmt(&rt->dst, buf)));
		if (rt->gw.family)
			json_object_set_new(o, "gw", addr_json(&rt->gw));
		if (rt->mtu)
			json_object_set_new(o, "mtu", json_integer(rt->mtu));
		if (rt->advmss)
			json_object_set_new(o, "advmss", json_integer(rt->advmss));
		if (rt->priority)
			json_object_set_new(o, "priority", json_integer(rt->priority));
		if (rt->table >= 0)
			json_object_set_new(o, "table", json_integer(rt->table));
		if (rt->scope >= 0)
			json_object_set_new(o, "scope", json_integer(rt->scope));
		json_array_append_new(routes, o);
	}
	for (size_t i = 0; i < c->n_requested; i++)
		json_array_append_new(ips, addr_json(&c->requested[i]));
	json_object_set_new(ipam, "type", json_string("host-local"));
	json_object_set_new(ipam, "dataDir", json_string(c->data_dir));
	if (c->resolv_conf)
		json_object_set_new(ipam, "resolvConf", json_string(c->resolv_conf));
	json_object_set_new(ipam, "ranges", ranges);
	json_object_set_new(ipam, "routes", routes);
	return json_pack("{s:o, s:{s:o}}", "ipam", ipam, "runtimeConfig", "ips", ips);
}

static bool route_eq(const struct cni_route *a, const struct cni_route *b)
{
	return a->dst.prefix == b->dst.prefix && ipnet_addr_eq(&a->dst.ip, &b->dst.ip) && a->gw.family == b->gw.family &&
	       (!a->gw.family || ipnet_addr_eq(&a->gw, &b->gw)) && a->mtu == b->mtu && a->advmss == b->advmss &&
	       a->priority == b->priority && a->table == b->table && a->scope == b->scope;
}

static bool range_eq(const struct alloc_range *a, const struct alloc_range *b)
{
	return a->subnet.prefix == b->subnet.prefix && ipnet_addr_eq(&a->subnet.ip, &b->subnet.ip) &&
	       ipnet_addr_eq(&a->start, &b->start) && ipnet_addr_eq(&a->end, &b->end) &&
	       ipnet_addr_eq(&a->gateway, &b->gateway);
}

static void check_equal(const struct config *a, const struct config *b, const char *text)
{
	FUZZ_CHECK(a->n_sets == b->n_sets && a->n_routes == b->n_routes && a->n_requested == b->n_requested,
		   "counts differ after the round trip: %s", text);
	FUZZ_CHECK(!strcmp(a->data_dir, b->data_dir), "dataDir differs");
	FUZZ_CHECK((!a->resolv_conf && !b->resolv_conf) || (a->resolv_conf && b->resolv_conf && !strcmp(a->resolv_conf, b->resolv_conf)),
		   "resolvConf differs");
	for (size_t i = 0; i < a->n_sets; i++) {
		FUZZ_CHECK(a->sets[i].n == b->sets[i].n, "set %zu size differs", i);
		for (size_t k = 0; k < a->sets[i].n; k++)
			FUZZ_CHECK(range_eq(&a->sets[i].ranges[k], &b->sets[i].ranges[k]), "range %zu.%zu differs: %s", i, k,
				   text);
	}
	for (size_t i = 0; i < a->n_routes; i++)
		FUZZ_CHECK(route_eq(&a->routes[i], &b->routes[i]), "route %zu differs: %s", i, text);
	for (size_t i = 0; i < a->n_requested; i++)
		FUZZ_CHECK(ipnet_addr_eq(&a->requested[i], &b->requested[i]), "requested IP %zu differs", i);
}

/* The allocator's first candidates of every set stay inside a range and off its gateway. */
static void check_iteration(const struct config *c)
{
	for (size_t i = 0; i < c->n_sets; i++) {
		const struct alloc_rangeset *s = &c->sets[i];

		for (int from_end = 0; from_end < 2; from_end++) {
			struct alloc_iter it;
			struct ipnet_addr ip;
			const struct alloc_range *r;

			alloc_iter_init(&it, s, from_end ? &s->ranges[s->n - 1].end : NULL);
			for (int k = 0; k < 16 && (r = alloc_iter_next(&it, &ip)); k++) {
				FUZZ_CHECK(alloc_range_contains(r, &ip), "candidate outside its range");
				FUZZ_CHECK(!ipnet_addr_eq(&ip, &r->gateway), "candidate is the gateway");
				FUZZ_CHECK(alloc_rangeset_find(s, &ip), "candidate not found in its set");
			}
		}
		for (size_t k = 0; k < s->n; k++) {
			const struct alloc_range *r = &s->ranges[k];

			FUZZ_CHECK(alloc_range_contains(r, &r->start) && alloc_range_contains(r, &r->end),
				   "range bounds outside the range");
			FUZZ_CHECK(!ipnet_has_host_bits(&r->subnet), "subnet with host bits");
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = strnlen((const char *)data, size);
	char *args_ip = len < size ? fuzz_str(data + len + 1, size - len - 1) : NULL;
	struct config c = {0}, c2 = {0};
	struct cni_error err = {0};
	struct store_attachment *att = NULL;
	size_t n_att = 0;
	json_t *j = NULL, *canon = NULL;
	const char *vs;
	int v;

	if (conf_load((const char *)data, len, "config", &j, &err) < 0)
		goto out;
	vs = json_string_value(json_object_get(j, "cniVersion"));
	v = vs ? cni_version_parse(vs) : -EINVAL;
	if (v < 0)
		v = (int)(size % _CNI_VERSION_MAX);
	err = (struct cni_error){0};
	if (config_gc_attachments(j, &att, &n_att, &err) == 0) {
		for (size_t i = 0; i < n_att; i++)
			FUZZ_CHECK(att[i].id && att[i].ifname, "attachment %zu without id or ifname", i);
		free(att);
	} else {
		FUZZ_CHECK(err.code == CNI_ERR_INVALID_CONFIG && err.msg[0], "GC list error %u", err.code);
	}
	err = (struct cni_error){0};
	if (config_parse(j, (enum cni_version)v, args_ip, &c, &err) < 0) {
		FUZZ_CHECK((err.code == CNI_ERR_INVALID_CONFIG || err.code == CNI_ERR_INVALID_ENV) && err.msg[0],
			   "config error with code %u: %s", err.code, err.msg);
		goto out;
	}
	check_iteration(&c);
	canon = canonical(&c);
	FUZZ_CHECK(canon, "cannot build the canonical config");
	err = (struct cni_error){0};
	{
		char *text = json_dumps(canon, JSON_COMPACT);

		FUZZ_CHECK(config_parse(canon, (enum cni_version)v, NULL, &c2, &err) == 0,
			   "the canonical form does not parse: %s: %s", err.msg, text);
		check_equal(&c, &c2, text);
		free(text);
	}
out:
	config_done(&c);
	config_done(&c2);
	json_decref(canon);
	json_decref(j);
	free(args_ip);
	return 0;
}
