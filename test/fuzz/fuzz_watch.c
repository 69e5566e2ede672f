/* fuzz_watch: the node agent's watch stream (node/nodes.c): the bytes of a chunked HTTP
 * watch response, split into events by jstream, each read by watch_event_parse() and its
 * object, for ADDED/MODIFIED/DELETED, by node_parse().
 * Input: one byte choosing how the stream is cut into reads, then the stream.
 * Properties: however the bytes are cut, the same events come out and the stream fails
 * (or not) at the same point; a stream jansson reads as a sequence of objects separated
 * by whitespace gives exactly those objects; an event that parses has a known type, an
 * object, and a resourceVersion (unless ERROR); one that does not says why. */
#include "fuzz.h"

#include <errno.h>

#include "nodes.h"

struct run {
	json_t *events;
	int rc;
	bool partial;
};

static int collect(const json_t *v, void *data)
{
	struct run *r = data;
	struct watch_event e;
	char why[160] = "";
	int rc = watch_event_parse(v, &e, why, sizeof(why));

	FUZZ_CHECK(json_is_object(v), "a value that is not an object reached the callback");
	if (rc == 0) {
		FUZZ_CHECK(e.type <= WATCH_ERROR && json_is_object(e.object), "an event without a type or object");
		FUZZ_CHECK(e.type == WATCH_ERROR || (e.resource_version[0] && strlen(e.resource_version) < NODES_RV_MAX),
			   "an event without a resourceVersion");
		if (e.type <= WATCH_DELETED) {
			struct node n = {0};

			(void)node_parse(e.object, &n);
			node_done(&n);
		}
	} else {
		FUZZ_CHECK(rc == -EBADMSG && why[0], "a bad event without a reason (%d)", rc);
	}
	json_array_append(r->events, (json_t *)v);
	return 0;
}

static void feed(const char *p, size_t n, unsigned seed, struct run *out)
{
	struct jstream s;
	size_t off = 0;
	unsigned x = fuzz_cut_init(seed);

	*out = (struct run){.events = json_array()};
	jstream_init(&s, collect, out);
	while (off < n && out->rc >= 0) {
		size_t k = fuzz_cut(&x, seed, n - off);

		out->rc = jstream_feed(&s, p + off, k);
		off += k;
	}
	FUZZ_CHECK(out->rc >= 0 || out->rc == -EBADMSG || out->rc == -ENOMEM, "unexpected error %d", out->rc);
	FUZZ_CHECK(out->rc != -EBADMSG || s.error[0], "a failure without a message");
	out->partial = jstream_partial(&s);
	jstream_done(&s);
}

static bool ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run whole, cut;
	const char *p;
	size_t n, off = 0;
	json_t *oracle;
	bool clean = true;

	if (size < 1)
		return 0;
	p = (const char *)data + 1;
	n = size - 1;
	feed(p, n, 0, &whole);
	feed(p, n, data[0] ? data[0] : 1, &cut);
	FUZZ_CHECK((whole.rc < 0) == (cut.rc < 0), "cutting the stream changed the outcome (%d vs %d)", whole.rc,
		   cut.rc);
	FUZZ_CHECK(json_equal(whole.events, cut.events), "cutting the stream changed the events");
	FUZZ_CHECK(whole.rc < 0 || whole.partial == cut.partial, "cutting the stream changed what is pending");

	/* The oracle: jansson, one value after the other. */
	oracle = json_array();
	while (clean) {
		json_error_t jerr;
		json_t *v;

		while (off < n && ws(p[off]))
			off++;
		if (off == n)
			break;
		v = json_loadb(p + off, n - off, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &jerr);
		if (!v || !json_is_object(v) || jerr.position <= 0) {
			clean = false;
			json_decref(v);
			break;
		}
		json_array_append_new(oracle, v);
		off += (size_t)jerr.position;
	}
	if (clean) {
		FUZZ_CHECK(whole.rc == 0 && !whole.partial, "a stream of objects jansson reads was refused (%d)", whole.rc);
		FUZZ_CHECK(json_equal(whole.events, oracle), "the events differ from jansson's");
	}
	json_decref(oracle);
	json_decref(whole.events);
	json_decref(cut.events);
	return 0;
}
