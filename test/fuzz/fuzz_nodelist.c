/* fuzz_nodelist: the node agent's streaming NodeList reader (node/nodes.c), fed what a
 * file, stdin or the API server's list response could hold, and each item through
 * node_parse().
 * Input: one byte choosing how the stream is cut into reads, then the document.
 * Properties: however the bytes are cut, the outcome is the same (items, resourceVersion,
 * continue token, success or failure); a document jansson reads (duplicates refused) as
 * an object with an "items" list of objects is read with exactly those items and
 * metadata; a failure has a message; a node that parses has a name and pod CIDRs without
 * host bits, one failing with a name says why. */
#include "fuzz.h"

#include <errno.h>

#include "nodes.h"

struct run {
	json_t *items;
	int rc;
	char rv[NODES_RV_MAX], cont[NODES_CONTINUE_MAX];
};

static int collect(const json_t *item, void *data)
{
	struct run *r = data;
	struct node n = {0};
	int rc = node_parse(item, &n);

	FUZZ_CHECK(json_is_object(item), "an item that is not an object reached the callback");
	if (rc == 0) {
		FUZZ_CHECK(n.name && n.name[0] && !n.error, "a parsed node without a name, or with an error");
		for (int f = 0; f < _NODE_FAMILY_MAX; f++) {
			if (!n.facts.has_cidr[f])
				continue;
			FUZZ_CHECK(n.facts.cidr[f].ip.family == node_family_af(f), "a CIDR of the wrong family");
			FUZZ_CHECK(!ipnet_has_host_bits(&n.facts.cidr[f]), "a pod CIDR with host bits");
		}
	} else if (n.name) {
		FUZZ_CHECK(rc == -EINVAL && n.error && n.error[0], "a bad node without a reason (%d)", rc);
	}
	node_done(&n);
	json_array_append(r->items, (json_t *)item);
	return 0;
}

/* Feed data in reads whose sizes come from seed (0: one read). */
static void scan(const char *p, size_t n, unsigned seed, struct run *out)
{
	struct nodelist_scan s;
	size_t off = 0;
	unsigned x = fuzz_cut_init(seed);

	*out = (struct run){.items = json_array()};
	nodelist_scan_init(&s, collect, out);
	while (off < n && out->rc >= 0) {
		size_t k = fuzz_cut(&x, seed, n - off);

		out->rc = nodelist_scan_feed(&s, p + off, k);
		off += k;
	}
	if (out->rc >= 0)
		out->rc = nodelist_scan_end(&s);
	if (out->rc < 0) {
		FUZZ_CHECK(out->rc == -EBADMSG || out->rc == -ENOMEM, "unexpected error %d", out->rc);
		FUZZ_CHECK(out->rc != -EBADMSG || s.error[0], "a failure without a message");
	}
	snprintf(out->rv, sizeof(out->rv), "%s", s.resource_version);
	snprintf(out->cont, sizeof(out->cont), "%s", s.cont);
	nodelist_scan_done(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run whole, cut;
	const char *doc;
	size_t n;
	json_t *j, *items;

	if (size < 1)
		return 0;
	doc = (const char *)data + 1;
	n = size - 1;
	scan(doc, n, 0, &whole);
	scan(doc, n, data[0] ? data[0] : 1, &cut);
	FUZZ_CHECK((whole.rc < 0) == (cut.rc < 0), "cutting the stream changed the outcome (%d vs %d)", whole.rc,
		   cut.rc);
	FUZZ_CHECK(json_equal(whole.items, cut.items), "cutting the stream changed the items");
	if (whole.rc == 0)
		FUZZ_CHECK(strcmp(whole.rv, cut.rv) == 0 && strcmp(whole.cont, cut.cont) == 0,
			   "cutting the stream changed the metadata");

	/* The oracle: the whole document through jansson. */
	j = json_loadb(doc, n, JSON_REJECT_DUPLICATES, NULL);
	items = json_object_get(j, "items");
	if (json_is_object(j) && (!items || json_is_array(items))) {
		const json_t *md = json_object_get(j, "metadata"), *it;
		const char *rv = json_string_value(json_object_get(md, "resourceVersion"));
		const char *cont = json_string_value(json_object_get(md, "continue"));
		bool objects = true, fits = (!rv || strlen(rv) < NODES_RV_MAX) && (!cont || strlen(cont) < NODES_CONTINUE_MAX);
		size_t i;

		json_array_foreach (items, i, it)
			objects = objects && json_is_object(it);
		if (objects && fits && (!md || json_is_object(md))) {
			FUZZ_CHECK(whole.rc == 0, "a NodeList jansson reads was refused (%d)", whole.rc);
			FUZZ_CHECK(items ? json_equal(whole.items, items) : json_array_size(whole.items) == 0,
				   "the items differ from jansson's");
			FUZZ_CHECK(strcmp(whole.rv, rv ? rv : "") == 0, "resourceVersion \"%s\" vs \"%s\"", whole.rv,
				   rv ? rv : "");
			FUZZ_CHECK(strcmp(whole.cont, cont ? cont : "") == 0, "continue differs");
		}
	}
	json_decref(j);
	json_decref(whole.items);
	json_decref(cut.items);
	return 0;
}
