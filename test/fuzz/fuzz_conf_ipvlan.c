/* fuzz_conf_ipvlan: the ipvlan plugin's network config (master, mode, mtu,
 * linkInContainer, ipam, dns). The plugin's file is included so its static parser is
 * reachable; nothing touches the kernel.
 * Properties: a config that parses, written back with every value explicit, parses to
 * the same settings; errors are code 7 with a message. */
#include "fuzz.h"

#include "../../plugins/ipvlan/ipvlan.c"

static json_t *canonical(const struct ipvlan_conf *c)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:b}", "cniVersion", "1.1.0", "name", "n", "type", "ipvlan",
			      "mode", mode_names[c->mode], "mtu", (int)c->mtu, "linkInContainer", c->link_in_container);

	if (c->master)
		json_object_set_new(o, "master", json_string(c->master));
	json_object_set_new(o, "ipam", c->ipam_type ? json_pack("{s:s}", "type", c->ipam_type) : json_object());
	if (c->dns)
		json_object_set(o, "dns", c->dns);
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipvlan_conf c = {0}, c2 = {0};
	struct cni_args a = {.netns_fd = -1};
	struct cni_error err = {0};
	json_t *j = NULL, *canon = NULL;
	const char *vs;
	int v;

	if (conf_load((const char *)data, size, "config", &j, &err) < 0)
		return 0;
	vs = json_string_value(json_object_get(j, "cniVersion"));
	v = vs ? cni_version_parse(vs) : CNI_V010;
	if (v < 0)
		goto out;
	a.conf = j;
	a.version = (enum cni_version)v;
	err = (struct cni_error){0};
	if (ipvlan_conf_parse(&a, &c, &err) < 0) {
		FUZZ_CHECK(err.code == CNI_ERR_INVALID_CONFIG && err.msg[0], "config error with code %u: %s", err.code,
			   err.msg);
		goto out;
	}
	FUZZ_CHECK(c.mode >= 0 && c.mode < (int)ELEMENTSOF(mode_names), "mode %d", c.mode);
	canon = canonical(&c);
	a.conf = canon;
	err = (struct cni_error){0};
	FUZZ_CHECK(ipvlan_conf_parse(&a, &c2, &err) == 0, "canonical form refused: %s", err.msg);
	FUZZ_CHECK((!c.master && !c2.master) || (c.master && c2.master && !strcmp(c.master, c2.master)), "master");
	FUZZ_CHECK(c.mode == c2.mode && c.mtu == c2.mtu && c.link_in_container == c2.link_in_container, "mode/mtu");
	FUZZ_CHECK((!c.ipam_type && !c2.ipam_type) || (c.ipam_type && c2.ipam_type && !strcmp(c.ipam_type, c2.ipam_type)),
		   "ipam.type");
	FUZZ_CHECK(c.dns == c2.dns || (c.dns && c2.dns && json_equal(c.dns, c2.dns)), "dns");
out:
	ipvlan_conf_done(&c);
	ipvlan_conf_done(&c2);
	json_decref(canon);
	json_decref(j);
	return 0;
}
