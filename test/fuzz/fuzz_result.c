/* fuzz_result: CNI results of every version, as they come in as prevResult or from an
 * IPAM delegate, and as the plugins emit them in the config's version.
 * Properties, for a result that parses (with a fallback version picked by the input):
 *   - every version can be emitted (0.1.0/0.2.0 may refuse a result without an IP, code 1);
 *   - emitting is idempotent: emit(v) -> parse(v) -> emit(v) gives the same JSON, and that
 *     JSON survives jansson's dump and load;
 *   - from 0.3.0 on nothing but the version's own omissions is lost: parse(emit(v)) is the
 *     same model (1.1.0: exactly; 0.3.x-1.0.0: without the 1.1-only fields);
 *   - errors are code 1 (version) or 6 (decoding), with a message. */
#include "fuzz.h"

#include "cni.h"
#include "conf.h"

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Models equal; full: compare the 1.1.0-only fields too. */
static bool model_eq(const struct cni_result *a, const struct cni_result *b, bool full, char *why, size_t len)
{
	if (a->n_ifaces != b->n_ifaces || a->n_ips != b->n_ips || a->n_routes != b->n_routes) {
		snprintf(why, len, "counts %zu/%zu/%zu vs %zu/%zu/%zu", a->n_ifaces, a->n_ips, a->n_routes, b->n_ifaces,
			 b->n_ips, b->n_routes);
		return false;
	}
	for (size_t i = 0; i < a->n_ifaces; i++) {
		const struct cni_iface *x = &a->ifaces[i], *y = &b->ifaces[i];

		if (!str_eq(x->name, y->name) || !str_eq(x->mac, y->mac) || !str_eq(x->sandbox, y->sandbox) ||
		    (full && (x->mtu != y->mtu || !str_eq(x->socket_path, y->socket_path) || !str_eq(x->pci_id, y->pci_id)))) {
			snprintf(why, len, "interface %zu differs", i);
			return false;
		}
	}
	for (size_t i = 0; i < a->n_ips; i++) {
		const struct cni_ip *x = &a->ips[i], *y = &b->ips[i];

		if (x->address.prefix != y->address.prefix || !ipnet_addr_eq(&x->address.ip, &y->address.ip) ||
		    x->gateway.family != y->gateway.family || (x->gateway.family && !ipnet_addr_eq(&x->gateway, &y->gateway)) ||
		    x->iface != y->iface) {
			snprintf(why, len, "ip %zu differs", i);
			return false;
		}
	}
	for (size_t i = 0; i < a->n_routes; i++) {
		const struct cni_route *x = &a->routes[i], *y = &b->routes[i];

		if (x->dst.prefix != y->dst.prefix || !ipnet_addr_eq(&x->dst.ip, &y->dst.ip) ||
		    x->gw.family != y->gw.family || (x->gw.family && !ipnet_addr_eq(&x->gw, &y->gw)) ||
		    (full && (x->mtu != y->mtu || x->advmss != y->advmss || x->priority != y->priority ||
			      x->table != y->table || x->scope != y->scope))) {
			snprintf(why, len, "route %zu differs", i);
			return false;
		}
	}
	if (!(a->dns == b->dns || (a->dns && b->dns && json_equal(a->dns, b->dns)))) {
		snprintf(why, len, "dns differs");
		return false;
	}
	return true;
}

static void check_version(const struct cni_result *res, enum cni_version v)
{
	struct cni_result again = {0};
	struct cni_error err = {0};
	json_t *out, *out2, *reload;
	char *text, why[128] = "";

	out = cni_result_to_json(res, v, &err);
	if (!out) {
		FUZZ_CHECK(err.code == CNI_ERR_INCOMPATIBLE_VERSION && v < CNI_V030 && res->n_ips == 0,
			   "cannot emit %s: %u %s", cni_version_str(v), err.code, err.msg);
		return;
	}
	FUZZ_CHECK(!strcmp(json_string_value(json_object_get(out, "cniVersion")), cni_version_str(v)), "cniVersion");
	text = json_dumps(out, JSON_COMPACT);
	FUZZ_CHECK(text, "emitted JSON cannot be dumped");
	reload = json_loads(text, 0, NULL);
	FUZZ_CHECK(reload && json_equal(reload, out), "dump/load changes %s", text);
	FUZZ_CHECK(cni_result_parse(out, v, "again", &again, &err) == 0, "%s: our own output does not parse: %s",
		   cni_version_str(v), err.msg);
	out2 = cni_result_to_json(&again, v, &err);
	FUZZ_CHECK(out2 && json_equal(out, out2), "%s: emit(parse(emit)) differs from emit: %s", cni_version_str(v), text);
	if (v >= CNI_V030)
		FUZZ_CHECK(model_eq(res, &again, v >= CNI_V110, why, sizeof(why)), "%s: round trip changed the model: %s: %s",
			   cni_version_str(v), why, text);
	cni_result_done(&again);
	json_decref(out);
	json_decref(out2);
	json_decref(reload);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_result res = {0};
	struct cni_error err = {0};
	enum cni_version fallback = (enum cni_version)(size % _CNI_VERSION_MAX);
	json_t *j = NULL;

	if (conf_load((const char *)data, size, "result", &j, &err) < 0)
		return 0;
	err = (struct cni_error){0};
	if (cni_result_parse(j, fallback, "fuzz", &res, &err) < 0) {
		FUZZ_CHECK((err.code == CNI_ERR_DECODE || err.code == CNI_ERR_INCOMPATIBLE_VERSION) && err.msg[0],
			   "parse error with code %u: %s", err.code, err.msg);
		json_decref(j);
		return 0;
	}
	for (int v = 0; v < _CNI_VERSION_MAX; v++)
		check_version(&res, (enum cni_version)v);
	cni_result_done(&res);
	json_decref(j);
	return 0;
}
