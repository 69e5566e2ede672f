/* main.c: one executable for the whole suite. bin/bridge, bin/host-local, bin/ipvlan,
 * bin/loopback and bin/portmap are links to it; the name it runs under picks the plugin. Besides sharing
 * one copy of the code, this lets a plugin run its delegate in-process when the IPAM
 * binary found on CNI_PATH is this very file (see ipam_exec). */
#include "suite.h"

static const struct cni_plugin *const plugins[] = {
	&bridge_plugin,
	&host_local_plugin,
	&ipvlan_plugin,
	&loopback_plugin,
	&portmap_plugin,
};

int main(int argc, char **argv)
{
	static const struct skel_suite suite = {.plugins = plugins, .n = ELEMENTSOF(plugins)};

	return skel_main(&suite, argc, argv);
}
