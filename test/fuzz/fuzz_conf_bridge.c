/* fuzz_conf_bridge: the bridge plugin's network config (every key, runtimeConfig.mac,
 * args.cni.mac, dns, ipam) as ADD and DEL read it. The plugin's file is included so its
 * static parser is reachable; nothing touches the kernel.
 * Input: the config JSON, then optionally a NUL byte and CNI_ARGS.
 * Properties: a config that parses, written back with every value explicit, parses to the
 * same settings; DEL accepts whatever ADD accepts; errors are code 2 or 7 with a message. */
#include "fuzz.h"

#include "../../plugins/bridge/bridge.c"

static json_t *canonical(const struct bridge_conf *c)
{
	json_t *o = json_object(), *trunk = json_array();
	char mac[18];

	json_object_set_new(o, "cniVersion", json_string("1.1.0"));
	json_object_set_new(o, "name", json_string("n"));
	json_object_set_new(o, "type", json_string("bridge"));
	json_object_set_new(o, "bridge", json_string(c->br_name));
	json_object_set_new(o, "isGateway", json_boolean(c->is_gw));
	json_object_set_new(o, "isDefaultGateway", json_boolean(c->is_default_gw));
	json_object_set_new(o, "forceAddress", json_boolean(c->force_address));
	json_object_set_new(o, "hairpinMode", json_boolean(c->hairpin));
	json_object_set_new(o, "promiscMode", json_boolean(c->promisc));
	json_object_set_new(o, "preserveDefaultVlan", json_boolean(c->preserve_default_vlan));
	json_object_set_new(o, "enabledad", json_boolean(c->enable_dad));
	json_object_set_new(o, "disableContainerInterface", json_boolean(c->disable_cont_iface));
	json_object_set_new(o, "portIsolation", json_boolean(c->port_isolation));
	json_object_set_new(o, "mtu", json_integer(c->mtu));
	json_object_set_new(o, "vlan", json_integer(c->vlan));
	for (int v = 1; v <= VLAN_MAX; v++) {
		int end = v;

		if (!trunk_has(c, v))
			continue;
		while (end < VLAN_MAX && trunk_has(c, end + 1))
			end++;
		json_array_append_new(trunk, end == v ? json_pack("{s:i}", "id", v)
						      : json_pack("{s:i, s:i}", "minID", v, "maxID", end));
		v = end;
	}
	json_object_set_new(o, "vlanTrunk", trunk);
	json_object_set_new(o, "ipam", c->ipam_type ? json_pack("{s:s}", "type", c->ipam_type) : json_object());
	if (c->dns)
		json_object_set(o, "dns", c->dns);
	if (c->has_mac) {
		link_fmt_mac(c->mac, mac);
		json_object_set_new(o, "runtimeConfig", json_pack("{s:s}", "mac", mac));
	}
	return o;
}

static void check_equal(const struct bridge_conf *a, const struct bridge_conf *b)
{
	FUZZ_CHECK(!strcmp(a->br_name, b->br_name), "bridge name");
	FUZZ_CHECK(a->is_gw == b->is_gw && a->is_default_gw == b->is_default_gw && a->force_address == b->force_address &&
			   a->hairpin == b->hairpin && a->promisc == b->promisc &&
			   a->preserve_default_vlan == b->preserve_default_vlan && a->enable_dad == b->enable_dad &&
			   a->disable_cont_iface == b->disable_cont_iface && a->port_isolation == b->port_isolation,
		   "booleans");
	FUZZ_CHECK(a->mtu == b->mtu && a->vlan == b->vlan, "mtu %u/%u vlan %d/%d", a->mtu, b->mtu, a->vlan, b->vlan);
	FUZZ_CHECK(a->has_trunk == b->has_trunk && !memcmp(a->trunk, b->trunk, sizeof(a->trunk)), "vlanTrunk");
	FUZZ_CHECK((!a->ipam_type && !b->ipam_type) || (a->ipam_type && b->ipam_type && !strcmp(a->ipam_type, b->ipam_type)),
		   "ipam.type");
	FUZZ_CHECK(a->has_mac == b->has_mac && (!a->has_mac || !memcmp(a->mac, b->mac, 6)), "mac");
	FUZZ_CHECK(a->dns == b->dns || (a->dns && b->dns && json_equal(a->dns, b->dns)), "dns");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = strnlen((const char *)data, size);
	char *args = len < size ? fuzz_str(data + len + 1, size - len - 1) : NULL;
	static const char *const keys[] = {"MAC", NULL};
	struct bridge_conf c = {0}, c2 = {0}, d = {0};
	struct cni_args a = {.netns_fd = -1};
	struct cni_error err = {0};
	struct cni_kv *kv = NULL;
	size_t n_kv = 0;
	json_t *j = NULL, *canon = NULL;
	const char *vs;
	int v, r;

	if (conf_load((const char *)data, len, "config", &j, &err) < 0)
		goto out;
	if (args && cni_kv_parse(args, keys, &kv, &n_kv, &err) < 0)
		goto out;
	vs = json_string_value(json_object_get(j, "cniVersion"));
	v = vs ? cni_version_parse(vs) : CNI_V010;
	if (v < 0)
		goto out;
	a.conf = j;
	a.version = (enum cni_version)v;
	a.kv = kv;
	a.n_kv = n_kv;
	err = (struct cni_error){0};
	r = bridge_conf_parse(&a, false, &c, &err);
	if (r < 0) {
		FUZZ_CHECK((err.code == CNI_ERR_INVALID_CONFIG || err.code == CNI_ERR_UNSUPPORTED_FIELD) && err.msg[0],
			   "config error with code %u: %s", err.code, err.msg);
		goto out;
	}
	err = (struct cni_error){0};
	FUZZ_CHECK(bridge_conf_parse(&a, true, &d, &err) == 0, "DEL refuses what ADD accepts: %s", err.msg);
	canon = canonical(&c);
	a.conf = canon;
	a.version = CNI_V110;
	a.kv = NULL;
	a.n_kv = 0;
	err = (struct cni_error){0};
	{
		char *text = json_dumps(canon, JSON_COMPACT);

		FUZZ_CHECK(bridge_conf_parse(&a, false, &c2, &err) == 0, "canonical form refused: %s: %s", err.msg, text);
		free(text);
	}
	check_equal(&c, &c2);
out:
	bridge_conf_done(&c);
	bridge_conf_done(&c2);
	bridge_conf_done(&d);
	json_decref(canon);
	json_decref(j);
	cni_kv_free(kv, n_kv);
	free(args);
	return 0;
}
