/* conf.h: reading the JSON network configuration with messages that name the key.
 *
 * Getters leave *ret untouched when the key is absent or null, so callers set defaults
 * first. `where` prefixes the key in messages ("ipam." gives "ipam.subnet"); it may be
 * NULL. Type errors are code 7 (invalid config); decode errors code 6.
 */
#ifndef CNI_PKG_CONF_H
#define CNI_PKG_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "cni.h"

/* Parse one JSON object (code 6 with jansson's line:column otherwise). Documents with more
 * than CONF_MAX_CONTAINERS objects and arrays are refused before parsing: bounded memory
 * for any input (jansson itself limits nesting to 2048 levels). */
#define CONF_MAX_CONTAINERS 20000u
int conf_load(const char *buf, size_t len, const char *what, json_t **ret, struct cni_error *err);

int conf_get_str(const json_t *o, const char *key, const char *where, const char **ret, struct cni_error *err);
int conf_get_bool(const json_t *o, const char *key, const char *where, bool *ret, struct cni_error *err);
int conf_get_int(const json_t *o, const char *key, const char *where, long min, long max, long *ret,
		 struct cni_error *err);
/* Object or array-valued keys: *ret is a borrowed reference, or NULL when absent/null. */
int conf_get_obj(const json_t *o, const char *key, const char *where, const json_t **ret, struct cni_error *err);
int conf_get_array(const json_t *o, const char *key, const char *where, const json_t **ret,
		   struct cni_error *err);
/* An IP address / CIDR valued key; returns 1 when present, 0 when absent. */
int conf_get_addr(const json_t *o, const char *key, const char *where, struct ipnet_addr *ret,
		  struct cni_error *err);
int conf_get_cidr(const json_t *o, const char *key, const char *where, struct ipnet *ret, struct cni_error *err);
/* GC: the attachments a runtime says are still in use ("cni.dev/valid-attachments", or
 * the older "cni.dev/attachments"); required (GC without it would remove everything).
 * The strings are borrowed from conf; *ret is the caller's to free. */
struct conf_attachment {
	const char *id, *ifname;
};
int conf_gc_attachments(const json_t *conf, struct conf_attachment **ret, size_t *ret_n, struct cni_error *err);
/* A MAC address "aa:bb:cc:dd:ee:ff" into 6 bytes. */
int conf_parse_mac(const char *s, unsigned char ret[6]);

#endif
