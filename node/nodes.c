/* nodes.c: Node objects → routing facts, the sorted node table, and the two streaming
 * readers (NodeList documents, watch event streams). */
#include "nodes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

/* ---- one Node ---- */

static bool valid_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > NODES_NAME_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static int family_index(int af)
{
	return af == AF_INET ? NODE_V4 : NODE_V6;
}

static int add_cidr(struct node_facts *f, const json_t *v, char *why, size_t len)
{
	const char *s = json_string_value(v);
	struct ipnet n;
	char buf[IPNET_STRLEN];
	int fi;

	if (!s) {
		snprintf(why, len, "spec.podCIDRs holds a non-string");
		return -EINVAL;
	}
	if (ipnet_parse(s, false, &n) < 0) {
		snprintf(why, len, "pod CIDR \"%.60s\" is not a CIDR", s);
		return -EINVAL;
	}
	if (n.prefix == 0) {
		snprintf(why, len, "pod CIDR %s covers the whole address space", s);
		return -EINVAL;
	}
	if (ipnet_has_host_bits(&n)) {
		ipnet_network(&n, &n);
		snprintf(why, len, "pod CIDR %s has host bits (network is %s)", s, ipnet_fmt(&n, buf));
		return -EINVAL;
	}
	fi = family_index(n.ip.family);
	if (f->has_cidr[fi]) {
		snprintf(why, len, "two IPv%c pod CIDRs", fi == NODE_V4 ? '4' : '6');
		return -EINVAL;
	}
	f->has_cidr[fi] = true;
	f->cidr[fi] = n;
	return 0;
}

static int parse_cidrs(const json_t *spec, struct node_facts *f, char *why, size_t len)
{
	const json_t *list = json_object_get(spec, "podCIDRs"), *one = json_object_get(spec, "podCIDR");
	const json_t *v;
	size_t i;
	int r;

	if (list && !json_is_null(list)) {
		if (!json_is_array(list)) {
			snprintf(why, len, "spec.podCIDRs is not a list");
			return -EINVAL;
		}
		if (json_array_size(list) > 2) {
			snprintf(why, len, "spec.podCIDRs has %zu entries (at most one per family)",
				 json_array_size(list));
			return -EINVAL;
		}
		json_array_foreach(list, i, v) {
			r = add_cidr(f, v, why, len);
			if (r < 0)
				return r;
		}
		if (json_array_size(list) > 0)
			return 0;
	}
	if (one && !json_is_null(one) && !(json_is_string(one) && !*json_string_value(one)))
		return add_cidr(f, one, why, len);
	return 0;
}

static int parse_addresses(const json_t *status, struct node_facts *f, char *why, size_t len)
{
	const json_t *list = json_object_get(status, "addresses"), *v;
	size_t i;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list)) {
		snprintf(why, len, "status.addresses is not a list");
		return -EINVAL;
	}
	json_array_foreach(list, i, v) {
		const char *type = json_string_value(json_object_get(v, "type"));
		const char *addr = json_string_value(json_object_get(v, "address"));
		struct ipnet_addr a;
		int fi;

		if (!type || strcmp(type, "InternalIP") != 0)
			continue;
		if (!addr || ipnet_addr_parse(addr, &a) < 0) {
			snprintf(why, len, "InternalIP \"%.60s\" is not an IP address", addr ? addr : "(not a string)");
			return -EINVAL;
		}
		fi = family_index(a.family);
		if (!f->has_ip[fi]) {
			f->has_ip[fi] = true;
			f->ip[fi] = a;
		}
	}
	return 0;
}

static int check_families(const struct node_facts *f, char *why, size_t len)
{
	char buf[IPNET_STRLEN];

	for (int fi = 0; fi < _NODE_FAMILY_MAX; fi++) {
		if (!f->has_cidr[fi] || f->has_ip[fi] || !f->has_ip[!fi])
			continue;
		snprintf(why, len, "pod CIDR %s is IPv%c but the node has no IPv%c InternalIP",
			 ipnet_fmt(&f->cidr[fi], buf), fi == NODE_V4 ? '4' : '6', fi == NODE_V4 ? '4' : '6');
		return -EINVAL;
	}
	return 0;
}

int node_parse(const json_t *obj, struct node *ret)
{
	const json_t *spec = json_object_get(obj, "spec"), *status = json_object_get(obj, "status");
	const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	struct node n = {0};
	char why[160] = "";
	int r;

	if (!json_is_object(obj) || !name || !valid_name(name))
		return -EINVAL;
	n.name = strdup(name);
	if (!n.name)
		return -ENOMEM;
	r = (spec && !json_is_object(spec)) ? (snprintf(why, sizeof(why), "spec is not an object"), -EINVAL)
					     : parse_cidrs(spec, &n.facts, why, sizeof(why));
	if (r >= 0)
		r = (status && !json_is_object(status))
			    ? (snprintf(why, sizeof(why), "status is not an object"), -EINVAL)
			    : parse_addresses(status, &n.facts, why, sizeof(why));
	if (r >= 0)
		r = check_families(&n.facts, why, sizeof(why));
	if (r < 0) {
		n.facts = (struct node_facts){0};
		n.error = strdup(why);
		if (!n.error) {
			free(n.name);
			return -ENOMEM;
		}
	}
	*ret = n;
	return r < 0 ? -EINVAL : 0;
}

void node_done(struct node *n)
{
	free(n->name);
	free(n->error);
	n->name = n->error = NULL;
}

const struct node_facts *node_effective(const struct node *n)
{
	return n->has_facts ? &n->facts : NULL;
}

/* ---- the table ---- */

void node_free(struct node *n)
{
	if (!n)
		return;
	node_done(n);
	free(n);
}

void nodes_done(struct nodes *t)
{
	for (size_t i = 0; i < t->n; i++)
		node_free(t->v[i]);
	free(t->v);
	*t = (struct nodes){0};
}

/* Index of name, or of where it would go (*found false). */
static size_t nodes_index(const struct nodes *t, const char *name, bool *found)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->v[mid]->name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

struct node *nodes_find(const struct nodes *t, const char *name)
{
	bool found;
	size_t i = nodes_index(t, name, &found);

	return found ? t->v[i] : NULL;
}

static int nodes_insert_at(struct nodes *t, size_t i, struct node *n)
{
	if (ARRAY_RESERVE(t->v, t->cap, t->n) < 0)
		return -ENOMEM;
	memmove(t->v + i + 1, t->v + i, (t->n - i) * sizeof(*t->v));
	t->v[i] = n;
	t->n++;
	return 0;
}

/* Move the entry's content into n (which keeps its last good facts). */
bool node_facts_eq(const struct node_facts *a, const struct node_facts *b)
{
	for (int f = 0; f < _NODE_FAMILY_MAX; f++) {
		if (a->has_cidr[f] != b->has_cidr[f] || a->has_ip[f] != b->has_ip[f])
			return false;
		if (a->has_cidr[f] && (a->cidr[f].prefix != b->cidr[f].prefix ||
				       !ipnet_addr_eq(&a->cidr[f].ip, &b->cidr[f].ip)))
			return false;
		if (a->has_ip[f] && !ipnet_addr_eq(&a->ip[f], &b->ip[f]))
			return false;
	}
	return true;
}

static void node_update(struct node *n, struct node *entry, unsigned mark)
{
	if (!streq_ptr(n->error, entry->error) || (!entry->error && !node_facts_eq(&n->facts, &entry->facts)))
		n->skip_logged = false;
	free(n->error);
	n->error = TAKE_PTR(entry->error);
	if (!n->error) {
		n->facts = entry->facts;
		n->has_facts = true;
	}
	n->mark = mark;
	free(entry->name);
	entry->name = NULL;
}

static void take_old(const struct node *n, struct node_facts *ret_old, bool *ret_has_old)
{
	const struct node_facts *f = n ? node_effective(n) : NULL;

	*ret_has_old = f != NULL;
	*ret_old = f ? *f : (struct node_facts){0};
}

static int upsert(struct nodes *t, struct node *entry, unsigned mark, struct node **ret)
{
	bool found;
	size_t i = nodes_index(t, entry->name, &found);
	struct node *n;
	int r;

	if (found) {
		node_update(t->v[i], entry, mark);
		*ret = t->v[i];
		return 0;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->name = TAKE_PTR(entry->name);
	node_update(n, entry, mark);
	r = nodes_insert_at(t, i, n);
	if (r < 0) {
		node_free(n);
		return r;
	}
	*ret = n;
	return 0;
}

int nodes_upsert(struct nodes *t, struct node *entry, struct node **ret, struct node_facts *ret_old,
		 bool *ret_has_old)
{
	take_old(nodes_find(t, entry->name), ret_old, ret_has_old);
	return upsert(t, entry, t->generation, ret);
}

struct node *nodes_take(struct nodes *t, const char *name)
{
	bool found;
	size_t i = nodes_index(t, name, &found);
	struct node *n;

	if (!found)
		return NULL;
	n = t->v[i];
	memmove(t->v + i, t->v + i + 1, (t->n - i - 1) * sizeof(*t->v));
	t->n--;
	return n;
}

/* ---- whole lists ---- */

static struct node *node_clone(const struct node *n)
{
	struct node *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	*c = *n;
	c->name = strdup(n->name);
	c->error = n->error ? strdup(n->error) : NULL;
	if (!c->name || (n->error && !c->error)) {
		node_free(c);
		return NULL;
	}
	return c;
}

int nodes_begin_list(struct nodes *t, struct nodes_staging *ret)
{
	struct nodes saved = {.generation = t->generation};

	/* A copy to restore on abort; nodes are small, and a list is rare. */
	if (t->n) {
		saved.v = malloc(t->n * sizeof(*saved.v));
		if (!saved.v)
			return -ENOMEM;
		saved.cap = t->n;
		for (; saved.n < t->n; saved.n++) {
			saved.v[saved.n] = node_clone(t->v[saved.n]);
			if (!saved.v[saved.n]) {
				nodes_done(&saved);
				return -ENOMEM;
			}
		}
	}
	*ret = (struct nodes_staging){.t = t, .saved = saved, .generation = t->generation + 1};
	return 0;
}

int nodes_stage(struct nodes_staging *s, struct node *entry)
{
	struct node *n;

	return upsert(s->t, entry, s->generation, &n);
}

void nodes_commit_list(struct nodes_staging *s)
{
	struct nodes *t = s->t;
	size_t k = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i]->mark == s->generation)
			t->v[k++] = t->v[i];
		else
			node_free(t->v[i]);
	}
	t->n = k;
	t->generation = s->generation;
	nodes_done(&s->saved);
}

void nodes_abort_list(struct nodes_staging *s)
{
	unsigned gen = s->t->generation;

	nodes_done(s->t);
	*s->t = s->saved;
	s->t->generation = gen;
	s->saved = (struct nodes){0};
}

/* ---- byte-level JSON value boundaries ---- */

/* One byte of a value being scanned: string and escape state, nesting depth. Returns
 * true when c closes the value (depth back to 0 on a bracket). */
static bool scan_byte(char c, int *depth, bool *in_str, bool *esc)
{
	if (*in_str) {
		if (*esc)
			*esc = false;
		else if (c == '\\')
			*esc = true;
		else if (c == '"')
			*in_str = false;
		return false;
	}
	if (c == '"') {
		*in_str = true;
	} else if (c == '{' || c == '[') {
		(*depth)++;
	} else if (c == '}' || c == ']') {
		(*depth)--;
		return *depth == 0;
	}
	return false;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int buf_push(char **buf, size_t *len, size_t *cap, char c)
{
	if (*len + 1 >= *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;
		char *g;

		if (*len + 1 >= NODES_VALUE_MAX)
			return -EFBIG;
		if (ncap > NODES_VALUE_MAX)
			ncap = NODES_VALUE_MAX;
		g = realloc(*buf, ncap);
		if (!g)
			return -ENOMEM;
		*buf = g;
		*cap = ncap;
	}
	(*buf)[(*len)++] = c;
	return 0;
}

/* ---- NodeList scanner ----
 * The top-level object is split into members; each member's value is parsed on its own
 * (so the whole document is checked), except "items", whose elements are parsed one by
 * one: memory holds one element at a time, never the list. */

enum {
	LS_START,       /* before '{' */
	LS_KEY,         /* expecting a key or '}' */
	LS_IN_KEY,      /* inside the key string */
	LS_COLON,       /* expecting ':' */
	LS_VALUE,       /* expecting a member value */
	LS_IN_VALUE,    /* inside a member value (captured) */
	LS_ITEMS,       /* inside "items": expecting an element or ']' */
	LS_IN_ITEM,     /* inside an element (captured) */
	LS_ITEM_NEXT,   /* after an element: ',' or ']' */
	LS_NEXT,        /* after a member: ',' or '}' */
	LS_DONE,        /* after the final '}' */
};

void nodelist_scan_init(struct nodelist_scan *s, nodelist_item_cb cb, void *data)
{
	*s = (struct nodelist_scan){.cb = cb, .data = data, .state = LS_START};
}

void nodelist_scan_done(struct nodelist_scan *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

static int ls_fail(struct nodelist_scan *s, const char *what)
{
	snprintf(s->error, sizeof(s->error), "%s at byte %zu", what, s->offset);
	return -EBADMSG;
}

static int ls_metadata(struct nodelist_scan *s, const json_t *v)
{
	const char *rv = json_string_value(json_object_get(v, "resourceVersion"));
	const char *cont = json_string_value(json_object_get(v, "continue"));

	if (!json_is_object(v))
		return ls_fail(s, "metadata is not an object");
	if (rv && strlen(rv) >= sizeof(s->resource_version))
		return ls_fail(s, "metadata.resourceVersion is too long");
	if (cont && strlen(cont) >= sizeof(s->cont))
		return ls_fail(s, "metadata.continue is too long");
	snprintf(s->resource_version, sizeof(s->resource_version), "%s", rv ? rv : "");
	snprintf(s->cont, sizeof(s->cont), "%s", cont ? cont : "");
	return 0;
}

/* A captured member value or item is complete: parse it. */
static int ls_value_done(struct nodelist_scan *s, bool item)
{
	_cleanup_json_ json_t *v = NULL;
	json_error_t jerr;
	int r = 0;

	v = json_loadb(s->buf, s->len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	s->len = 0;
	if (!v) {
		snprintf(s->error, sizeof(s->error), "%s before byte %zu: %.100s", item ? "bad item" : "bad value",
			 s->offset, jerr.text);
		return -EBADMSG;
	}
	if (item) {
		if (!json_is_object(v))
			return ls_fail(s, "an item is not an object");
		s->n_items++;
		return s->cb ? s->cb(v, s->data) : 0;
	}
	if (strcmp(s->key, "metadata") == 0)
		r = ls_metadata(s, v);
	return r;
}

/* The key is complete: unescape it ("\\u0069tems" is "items" to any JSON reader), and
 * refuse a second "items" or "metadata" (the rest of the document is read with
 * duplicates refused too). */
static int ls_key_done(struct nodelist_scan *s)
{
	s->key[s->key_len] = '\0';
	if (s->key_escaped && !s->key_overflow) {
		char quoted[sizeof(s->key) + 2];
		_cleanup_json_ json_t *v = NULL;
		const char *k;

		snprintf(quoted, sizeof(quoted), "\"%s\"", s->key);
		v = json_loads(quoted, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		k = json_string_value(v);
		if (!k)
			return ls_fail(s, "a bad key");
		if (json_string_length(v) != strlen(k) || strlen(k) >= sizeof(s->key))
			s->key_overflow = true; /* a NUL inside: none of ours */
		else
			snprintf(s->key, sizeof(s->key), "%s", k);
	}
	if (s->key_overflow)
		s->key[0] = '\0';
	s->key_items = strcmp(s->key, "items") == 0;
	if (s->key_items || strcmp(s->key, "metadata") == 0) {
		bool *seen = s->key_items ? &s->seen_items : &s->seen_metadata;

		if (*seen)
			return ls_fail(s, s->key_items ? "a second \"items\"" : "a second \"metadata\"");
		*seen = true;
	}
	s->state = LS_COLON;
	return 0;
}

/* Start capturing a value whose first byte is c. */
static int ls_capture(struct nodelist_scan *s, char c, int next_state)
{
	s->len = 0;
	s->depth = 0;
	s->in_str = s->esc = false;
	s->state = next_state;
	return buf_push(&s->buf, &s->len, &s->cap, c);
}

static int ls_byte(struct nodelist_scan *s, char c)
{
	bool end;
	int r;

	switch (s->state) {
	case LS_START:
		if (is_ws(c))
			return 0;
		if (c != '{')
			return ls_fail(s, "not a JSON object");
		s->state = LS_KEY;
		return 0;
	case LS_KEY:
		if (is_ws(c))
			return 0;
		if (c == '}' && !s->after_comma) {
			s->state = LS_DONE;
			return 0;
		}
		if (c != '"')
			return ls_fail(s, "expected a key");
		s->key_len = 0;
		s->key_overflow = s->key_escaped = s->esc = s->after_comma = false;
		s->state = LS_IN_KEY;
		return 0;
	case LS_IN_KEY:
		if (c == '"' && !s->esc)
			return ls_key_done(s);
		if (s->esc) {
			s->esc = false;
		} else if (c == '\\') {
			s->esc = true;
			s->key_escaped = true;
		}
		if (s->key_len + 1 < sizeof(s->key))
			s->key[s->key_len++] = c;
		else
			s->key_overflow = true; /* longer than any key of ours, even escaped */
		return 0;
	case LS_COLON:
		if (is_ws(c))
			return 0;
		if (c != ':')
			return ls_fail(s, "expected ':'");
		s->state = LS_VALUE;
		return 0;
	case LS_VALUE:
		if (is_ws(c))
			return 0;
		if (s->key_items) {
			if (c != '[')
				return ls_fail(s, "\"items\" is not a list");
			s->state = LS_ITEMS;
			return 0;
		}
		r = ls_capture(s, c, LS_IN_VALUE);
		if (r < 0)
			return r;
		(void)scan_byte(c, &s->depth, &s->in_str, &s->esc);
		return 0;
	case LS_IN_VALUE:
		/* A scalar ends at the ',' or '}' that follows it at depth 0. */
		if (s->depth == 0 && !s->in_str && (c == ',' || c == '}' || is_ws(c))) {
			r = ls_value_done(s, false);
			if (r < 0)
				return r;
			s->state = LS_NEXT;
			return ls_byte(s, c);
		}
		r = buf_push(&s->buf, &s->len, &s->cap, c);
		if (r < 0)
			return r == -EFBIG ? ls_fail(s, "a value is too large") : r;
		if (scan_byte(c, &s->depth, &s->in_str, &s->esc)) {
			r = ls_value_done(s, false);
			if (r < 0)
				return r;
			s->state = LS_NEXT;
		}
		return 0;
	case LS_ITEMS:
		if (is_ws(c))
			return 0;
		if (c == ']' && !s->after_comma) {
			s->state = LS_NEXT;
			return 0;
		}
		if (c != '{')
			return ls_fail(s, "an item is not an object");
		r = ls_capture(s, c, LS_IN_ITEM);
		if (r < 0)
			return r;
		s->depth = 1;
		s->after_comma = false;
		return 0;
	case LS_IN_ITEM:
		r = buf_push(&s->buf, &s->len, &s->cap, c);
		if (r < 0)
			return r == -EFBIG ? ls_fail(s, "an item is too large") : r;
		end = scan_byte(c, &s->depth, &s->in_str, &s->esc);
		if (!end)
			return 0;
		r = ls_value_done(s, true);
		if (r < 0)
			return r;
		s->state = LS_ITEM_NEXT;
		return 0;
	case LS_ITEM_NEXT:
		if (is_ws(c))
			return 0;
		if (c == ',') {
			s->state = LS_ITEMS;
			s->after_comma = true;
			return 0;
		}
		if (c != ']')
			return ls_fail(s, "expected ',' or ']' after an item");
		s->state = LS_NEXT;
		return 0;
	case LS_NEXT:
		if (is_ws(c))
			return 0;
		if (c == ',') {
			s->state = LS_KEY;
			s->after_comma = true; /* a '}' right after ',' is malformed */
			return 0;
		}
		if (c != '}')
			return ls_fail(s, "expected ',' or '}'");
		s->state = LS_DONE;
		return 0;
	case LS_DONE:
		if (is_ws(c))
			return 0;
		return ls_fail(s, "data after the document");
	}
	return ls_fail(s, "internal state");
}

int nodelist_scan_feed(struct nodelist_scan *s, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++, s->offset++) {
		int r = ls_byte(s, p[i]);

		if (r < 0)
			return r;
	}
	return 0;
}

int nodelist_scan_end(struct nodelist_scan *s)
{
	if (s->state != LS_DONE)
		return ls_fail(s, s->state == LS_START ? "empty document" : "the document ends early");
	return 0;
}

/* ---- watch streams ---- */

void jstream_init(struct jstream *s, jstream_cb cb, void *data)
{
	*s = (struct jstream){.cb = cb, .data = data};
}

void jstream_done(struct jstream *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

void jstream_reset(struct jstream *s)
{
	s->len = 0;
	s->depth = 0;
	s->in_str = s->esc = false;
}

bool jstream_partial(const struct jstream *s)
{
	return s->len > 0;
}

static int js_value_done(struct jstream *s)
{
	_cleanup_json_ json_t *v = NULL;
	json_error_t jerr;

	v = json_loadb(s->buf, s->len, JSON_REJECT_DUPLICATES, &jerr);
	s->len = 0;
	if (!v) {
		snprintf(s->error, sizeof(s->error), "bad event: %.120s", jerr.text);
		return -EBADMSG;
	}
	return s->cb ? s->cb(v, s->data) : 0;
}

int jstream_feed(struct jstream *s, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		int r;

		if (s->len == 0) {
			if (is_ws(c))
				continue;
			if (c != '{') {
				snprintf(s->error, sizeof(s->error), "an event is not a JSON object");
				return -EBADMSG;
			}
			s->depth = 0;
			s->in_str = s->esc = false;
		}
		r = buf_push(&s->buf, &s->len, &s->cap, c);
		if (r < 0) {
			snprintf(s->error, sizeof(s->error), "an event is too large");
			return r == -EFBIG ? -EBADMSG : r;
		}
		if (scan_byte(c, &s->depth, &s->in_str, &s->esc)) {
			r = js_value_done(s);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int watch_event_parse(const json_t *value, struct watch_event *ret, char *why, size_t why_len)
{
	static const char *const names[] = {
		[WATCH_ADDED] = "ADDED",       [WATCH_MODIFIED] = "MODIFIED", [WATCH_DELETED] = "DELETED",
		[WATCH_BOOKMARK] = "BOOKMARK", [WATCH_ERROR] = "ERROR",
	};
	const char *type = json_string_value(json_object_get(value, "type"));
	const json_t *obj = json_object_get(value, "object");
	struct watch_event e = {0};
	const char *rv;
	size_t t;

	if (!type) {
		snprintf(why, why_len, "event without a type");
		return -EBADMSG;
	}
	for (t = 0; t < ELEMENTSOF(names); t++)
		if (strcmp(type, names[t]) == 0)
			break;
	if (t == ELEMENTSOF(names)) {
		snprintf(why, why_len, "unknown event type \"%.32s\"", type);
		return -EBADMSG;
	}
	if (!json_is_object(obj)) {
		snprintf(why, why_len, "%s event without an object", type);
		return -EBADMSG;
	}
	e.type = (enum watch_type)t;
	e.object = obj;
	if (e.type == WATCH_ERROR) {
		e.error_code = (long)json_integer_value(json_object_get(obj, "code"));
	} else {
		rv = json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
		if (!rv || !*rv || strlen(rv) >= sizeof(e.resource_version)) {
			snprintf(why, why_len, "%s event without a usable resourceVersion", type);
			return -EBADMSG;
		}
		snprintf(e.resource_version, sizeof(e.resource_version), "%s", rv);
	}
	*ret = e;
	return 0;
}
