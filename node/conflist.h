/* conflist.h: this node's CNI configuration, rendered from an operator's template.
 *
 * The template is a conflist whose plugins use host-local IPAM somewhere ("ipam" with
 * "type": "host-local"); every such "ranges" becomes one range set per family of this
 * node's pod CIDRs (IPv4 first), and the legacy single-range keys are dropped. The rest
 * of the template is kept as it is. The file is replaced atomically (a temporary file in
 * the same directory, then rename) and only when its content changes, so a runtime never
 * reads half a file and an unchanged node touches nothing. 0 / -errno.
 */
#ifndef CNI_NODE_CONFLIST_H
#define CNI_NODE_CONFLIST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "nodes.h"

#define CONFLIST_DEFAULT_NAME "10-cni-c.conflist"
#define CONFLIST_TEMPLATE_MAX (1u << 20)

/* The built-in template: bridge cni0 (gateway, default route, hairpin) + host-local. */
json_t *conflist_default_template(void);
/* Read and check a template file (regular file, a JSON conflist using host-local). */
int conflist_load_template(const char *path, json_t **ret, char *why, size_t why_len);
/* The text for a node with these pod CIDRs (at least one). */
int conflist_render(const json_t *tmpl, const struct node_facts *self, char **ret, char *why, size_t why_len);
/* Write dir/name atomically unless it already holds text; *ret_changed says which. */
int conflist_write(const char *dir, const char *name, const char *text, bool *ret_changed);

#endif
