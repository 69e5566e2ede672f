/* nodes.h: Kubernetes nodes as the agent sees them, the table of all of them, and the
 * parsers that fill it from a NodeList (file, stdin or API list) or from watch events.
 *
 * Only three things of a Node matter: metadata.name, spec.podCIDRs (or spec.podCIDR) and
 * the first InternalIP of each family in status.addresses. A node whose entry cannot be
 * understood is kept in the table with `error` set, next to the last good state it had,
 * so that bad input never costs a route. The parsers bound every value they hold in
 * memory (NODES_VALUE_MAX), so a list of any length is read in bounded space.
 * Everything returns 0 / -errno.
 */
#ifndef CNI_NODE_NODES_H
#define CNI_NODE_NODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ipnet.h"

#define NODES_NAME_MAX 253                /* a DNS subdomain, as Kubernetes allows */
#define NODES_VALUE_MAX (8u << 20)        /* one node object, one watch event */
#define NODES_RV_MAX 128                  /* a resourceVersion or continue token we keep */
#define NODES_CONTINUE_MAX 4096

/* Families by index: 0 IPv4, 1 IPv6. */
enum { NODE_V4, NODE_V6, _NODE_FAMILY_MAX };

static inline int node_family_af(int f)
{
	return f == NODE_V4 ? AF_INET : AF_INET6;
}

/* The routing facts of one node; has_* false when the node lacks them. */
struct node_facts {
	bool has_cidr[_NODE_FAMILY_MAX];
	struct ipnet cidr[_NODE_FAMILY_MAX]; /* network address, no host bits */
	bool has_ip[_NODE_FAMILY_MAX];
	struct ipnet_addr ip[_NODE_FAMILY_MAX]; /* InternalIP */
};

/* What this node needs on our side in one family (plan.c fills it; dataplane.c applies
 * it): a route to its pod CIDR, direct or through the VXLAN device. */
struct node_want {
	bool route;
	bool vxlan;
	struct ipnet dst;         /* its pod CIDR */
	struct ipnet_addr gw;     /* direct: its InternalIP; VXLAN: its VTEP address */
	int oif;                  /* direct: the link that reaches it */
	struct ipnet_addr remote; /* VXLAN: its InternalIP, the FDB destination */
	uint8_t mac[6];           /* VXLAN: its VTEP MAC */
};

struct node {
	char *name;
	struct node_facts facts;  /* of the last entry that was fine (the current one unless error) */
	bool has_facts;           /* some entry was fine */
	char *error;              /* why the current entry could not be used; NULL when fine */
	unsigned mark;            /* generation of the list that last carried it */
	struct node_want want[_NODE_FAMILY_MAX]; /* applied by the last reconcile */
	bool skip_logged;         /* "skipped: no podCIDR/address" said once per state */
};

/* Parse one Node object. A node without a name is -EINVAL with no node; otherwise
 * *ret gets the name, and either the facts or, with -EINVAL, an error text saying what
 * is wrong (a bad CIDR, host bits, two CIDRs of one family, a bad address, a CIDR of a
 * family the node has no InternalIP of). ret->error / ret->name are the caller's to free
 * (node_done). */
int node_parse(const json_t *obj, struct node *ret);
void node_done(struct node *n);
bool node_facts_eq(const struct node_facts *a, const struct node_facts *b);
/* The facts in force: the entry's, or its last good ones; NULL when neither. */
const struct node_facts *node_effective(const struct node *n);

/* All nodes, sorted by name (binary search). */
struct nodes {
	struct node **v;
	size_t n, cap;
	unsigned generation;
};
void nodes_done(struct nodes *t);
struct node *nodes_find(const struct nodes *t, const char *name);

/* Apply one parsed entry (ownership of its strings moves into the table): a new node is
 * inserted, a known one updated (an entry in error keeps the last good facts).
 * *ret_old gets a copy of the facts in force before (has_old false when none).
 * Returns the table's node. */
int nodes_upsert(struct nodes *t, struct node *entry, struct node **ret, struct node_facts *ret_old,
		 bool *ret_has_old);
/* Remove by name and hand the node over (NULL when unknown); free it with node_free(). */
struct node *nodes_take(struct nodes *t, const char *name);
void node_free(struct node *n);

/* A whole list replaces the table only when it was read to its end: nodes_begin_list()
 * opens a staging generation, nodes_stage() adds each entry, nodes_commit_list() drops
 * every node the list did not carry, nodes_abort_list() restores the table as it was. */
struct nodes_staging {
	struct nodes *t;
	struct nodes saved; /* the table before the list, for abort */
	unsigned generation;
};
int nodes_begin_list(struct nodes *t, struct nodes_staging *ret);
int nodes_stage(struct nodes_staging *s, struct node *entry);
void nodes_commit_list(struct nodes_staging *s);
void nodes_abort_list(struct nodes_staging *s);

/* ---- NodeList reader: a byte stream in, one callback per item ---- */

/* Called for each element of "items" (an object, parsed); < 0 stops the scan with it. */
typedef int (*nodelist_item_cb)(const json_t *item, void *data);

struct nodelist_scan {
	nodelist_item_cb cb;
	void *data;
	char resource_version[NODES_RV_MAX]; /* metadata.resourceVersion, "" when none */
	char cont[NODES_CONTINUE_MAX];       /* metadata.continue, "" when none */
	size_t n_items;
	/* private */
	int state, depth;
	bool in_str, esc, after_comma;
	char key[64];          /* the member's key, as written until it ends, then unescaped */
	size_t key_len;
	bool key_items, key_overflow, key_escaped, seen_items, seen_metadata;
	char *buf;
	size_t len, cap;
	char error[160];
	size_t offset;
};
void nodelist_scan_init(struct nodelist_scan *s, nodelist_item_cb cb, void *data);
void nodelist_scan_done(struct nodelist_scan *s);
/* Feed bytes; -EBADMSG (with s->error) when the document is not a list object. */
int nodelist_scan_feed(struct nodelist_scan *s, const char *p, size_t len);
/* End of input: -EBADMSG when the document is incomplete. */
int nodelist_scan_end(struct nodelist_scan *s);

/* ---- watch stream: a sequence of JSON objects ---- */

typedef int (*jstream_cb)(const json_t *value, void *data);
struct jstream {
	jstream_cb cb;
	void *data;
	int depth;
	bool in_str, esc;
	char *buf;
	size_t len, cap;
	char error[160];
};
void jstream_init(struct jstream *s, jstream_cb cb, void *data);
void jstream_done(struct jstream *s);
/* Feed bytes: every complete top-level object goes to cb. -EBADMSG when the stream holds
 * something else. */
int jstream_feed(struct jstream *s, const char *p, size_t len);
/* Whether a partial value is pending (the stream was cut inside an event). */
bool jstream_partial(const struct jstream *s);
void jstream_reset(struct jstream *s);

/* A watch event {"type": ..., "object": ...}. */
enum watch_type { WATCH_ADDED, WATCH_MODIFIED, WATCH_DELETED, WATCH_BOOKMARK, WATCH_ERROR };
struct watch_event {
	enum watch_type type;
	const json_t *object;                /* borrowed from the value */
	char resource_version[NODES_RV_MAX]; /* object.metadata.resourceVersion */
	long error_code;                     /* ERROR: the Status code (410: expired) */
};
int watch_event_parse(const json_t *value, struct watch_event *ret, char *why, size_t why_len);

#endif
