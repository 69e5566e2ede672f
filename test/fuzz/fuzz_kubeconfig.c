/* fuzz_kubeconfig: the node agent's kubeconfig reading (node/kubeconfig.c): the YAML
 * subset yaml_load() reads, the whole file through kube_conf_from_file(), and base64.
 * Input: the file's text.
 * Properties: what yaml_load() reads, written back as YAML (block mappings, JSON flow for
 * lists, double-quoted scalars), reads the same; a failure says why; a kubeconfig that is
 * accepted has an https server; base64 that decodes, encoded again, decodes to the same
 * bytes. */
#include "fuzz.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kubeconfig.h"

struct out {
	char *s;
	size_t len, cap;
	bool oom;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->len + n + 1) * 2;
		char *g = realloc(o->s, cap);

		if (!g) {
			o->oom = true;
			return;
		}
		o->s = g;
		o->cap = cap;
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = '\0';
}

static void put_json(struct out *o, const json_t *v)
{
	char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (!t) {
		o->oom = true;
		return;
	}
	put(o, t, strlen(t));
	free(t);
}

static void indent(struct out *o, int n)
{
	for (int i = 0; i < n; i++)
		put(o, " ", 1);
}

/* A mapping in block style; lists (and everything in them) as JSON flow. */
static void emit_map(struct out *o, const json_t *m, int ind)
{
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)m, k, v) {
		json_t *key = json_stringn(k, strlen(k));

		indent(o, ind);
		put_json(o, key);
		json_decref(key);
		if (json_is_object(v) && json_object_size(v) > 0) {
			put(o, ":\n", 2);
			emit_map(o, v, ind + 2);
		} else {
			put(o, ": ", 2);
			put_json(o, v);
			put(o, "\n", 1);
		}
	}
}

static void b64_encode(const unsigned char *in, size_t n, struct out *o)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
		char q[4] = {tab[v >> 18 & 63], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=',
			     i + 2 < n ? tab[v & 63] : '='};

		put(o, q, 4);
	}
	if (!o->s)
		put(o, "", 0);
}

static void yaml_round_trip(const char *text, size_t len)
{
	json_t *j = NULL, *j2 = NULL;
	char why[256] = "", why2[256] = "";
	struct out o = {0};
	int r = yaml_load(text, len, &j, why, sizeof(why));

	if (r < 0) {
		FUZZ_CHECK(why[0], "yaml_load failed (%d) without a reason", r);
		return;
	}
	if (json_is_object(j)) {
		if (json_object_size(j) == 0)
			put(&o, "{}\n", 3);
		emit_map(&o, j, 0);
		if (!o.oom) {
			r = yaml_load(o.s ? o.s : "", o.len, &j2, why2, sizeof(why2));
			FUZZ_CHECK(r == 0, "its own output was refused: %s\n---\n%s---", why2, o.s ? o.s : "");
			FUZZ_CHECK(json_equal(j, j2), "written back and read again, it differs:\n---\n%s---", o.s ? o.s : "");
		}
	}
	json_decref(j);
	json_decref(j2);
	free(o.s);
}

static void whole_file(const char *text, size_t len)
{
	struct kube_conf c = {0};
	char path[64], why[256] = "";
	int fd = memfd_create("kubeconfig", MFD_CLOEXEC), r;

	if (fd < 0)
		return;
	if (write(fd, text, len) == (ssize_t)len) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		r = kube_conf_from_file(path, NULL, &c, why, sizeof(why));
		if (r == 0) {
			FUZZ_CHECK(c.server && strncmp(c.server, "https://", 8) == 0, "accepted without an https server");
			kube_conf_done(&c);
		} else {
			FUZZ_CHECK(why[0], "refused (%d) without a reason", r);
		}
	}
	close(fd);
}

static void base64(const char *text)
{
	char *d = NULL, *d2 = NULL;
	size_t n = 0, n2 = 0;
	struct out o = {0};

	if (base64_decode(text, &d, &n) < 0)
		return;
	FUZZ_CHECK(n <= strlen(text) / 4 * 3 + 3, "decoded more bytes than base64 can hold");
	b64_encode((const unsigned char *)d, n, &o);
	if (!o.oom) {
		FUZZ_CHECK(base64_decode(o.s, &d2, &n2) == 0, "its own encoding was refused: %s", o.s);
		FUZZ_CHECK(n2 == n && memcmp(d, d2, n) == 0, "encoded and decoded again, the bytes differ");
	}
	free(d);
	free(d2);
	free(o.s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);

	yaml_round_trip(text, size);
	whole_file(text, size);
	base64(text);
	free(text);
	return 0;
}
