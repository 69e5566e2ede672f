/* suite.h: the plugins linked into the multicall binary (plugins/main.c). Each plugin
 * file defines its struct cni_plugin; the binary runs the one named by argv[0]. */
#ifndef CNI_PLUGINS_SUITE_H
#define CNI_PLUGINS_SUITE_H

#include "skel.h"

extern const struct cni_plugin bridge_plugin;
extern const struct cni_plugin host_local_plugin;
extern const struct cni_plugin ipvlan_plugin;
extern const struct cni_plugin loopback_plugin;
extern const struct cni_plugin portmap_plugin;

#endif
