/* config.h: host-local's configuration (private to host-local).
 *
 * config_parse() reads the network config the reference way (legacy subnet keys and
 * runtimeConfig.ipRanges prepended to ipam.ranges, requested IPs merged from CNI_ARGS,
 * args.cni.ips and runtimeConfig.ips), fills in the defaults and validates. Errors are
 * code 7 with a message that names the key path. Strings point into the JSON config.
 */
#ifndef CNI_HOSTLOCAL_CONFIG_H
#define CNI_HOSTLOCAL_CONFIG_H

#include <stddef.h>

#include "allocator.h"
#include "cni.h"

struct store_attachment;

struct config {
	const char *data_dir;	     /* ipam.dataDir, default /var/lib/cni/networks */
	const char *resolv_conf;     /* ipam.resolvConf, NULL: no DNS in the result */
	struct alloc_rangeset *sets; /* one IP per set, in this order */
	size_t n_sets;
	struct cni_route *routes; /* ipam.routes */
	size_t n_routes;
	struct ipnet_addr *requested; /* distinct requested IPs, in the order given */
	size_t n_requested;
};

/* args_ip: the CNI_ARGS "IP" value, or NULL. */
int config_parse(const json_t *conf, enum cni_version v, const char *args_ip, struct config *ret,
		 struct cni_error *err);
void config_done(struct config *c);

/* resolv.conf → {nameservers, domain, search, options} (NULL when it holds none of them).
 * A file larger than CONFIG_RESOLV_MAX is -EFBIG: a real one holds a few lines, and 1 MiB
 * of search domains cost 54 MB of JSON. */
#define CONFIG_RESOLV_MAX (64u << 10)
int config_resolv_conf(const char *path, json_t **ret);

/* GC: "cni.dev/valid-attachments" (or the older "cni.dev/attachments"); required.
 * The strings point into conf; free(*ret). */
int config_gc_attachments(const json_t *conf, struct store_attachment **ret, size_t *ret_n,
			  struct cni_error *err);

#endif
