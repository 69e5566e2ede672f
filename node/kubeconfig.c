/* kubeconfig.c: the YAML subset of kubeconfig files, and API access from a kubeconfig
 * or from the pod's service account. */
#include "kubeconfig.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "macro.h"

/* ---- YAML subset ---- */

struct yline {
	int indent;
	const char *p; /* content, comment and trailing blanks removed */
	size_t len;
	const char *raw; /* the whole line, for block scalars */
	size_t raw_len;
	unsigned no;     /* 1-based line number */
};

struct yaml {
	struct yline *l;
	size_t n;
	char *why;
	size_t why_len;
	int depth;
};

#define YAML_DEPTH_MAX 64

static int yfail(struct yaml *y, unsigned no, const char *what)
{
	snprintf(y->why, y->why_len, "line %u: %s", no, what);
	return -EINVAL;
}

/* Just past the quoted scalar that opens at p[i] (a '"' or '\''), len when it does not
 * end: in double quotes a backslash escapes the next character, in single quotes ''
 * is a quote. */
static size_t quoted_end(const char *p, size_t len, size_t i)
{
	char q = p[i];

	for (i++; i < len; i++) {
		if (q == '"' && p[i] == '\\')
			i++;
		else if (p[i] == q && q == '\'' && i + 1 < len && p[i + 1] == '\'')
			i++;
		else if (p[i] == q)
			return i + 1;
	}
	return len;
}

/* Where a comment starts (outside quotes, at the start or after a blank), else len. */
static size_t comment_start(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((p[i] == '"' || p[i] == '\'') && (i == 0 || p[i - 1] == ' ' || p[i - 1] == '-' || p[i - 1] == ':' ||
						      p[i - 1] == '[' || p[i - 1] == '{' || p[i - 1] == ',')) {
			i = quoted_end(p, len, i) - 1;
			continue;
		}
		if (p[i] == '#' && (i == 0 || p[i - 1] == ' ' || p[i - 1] == '\t'))
			return i;
	}
	return len;
}

static int split_lines(struct yaml *y, const char *text, size_t len)
{
	size_t cap = 0;
	unsigned no = 0;
	bool started = false;

	for (const char *s = text, *end = text + len; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl ? (size_t)(nl - s) : (size_t)(end - s);
		struct yline yl = {.raw = s, .raw_len = l, .no = ++no};
		int indent = 0;

		while ((size_t)indent < l && s[indent] == ' ')
			indent++;
		yl.indent = indent;
		yl.p = s + indent;
		yl.len = comment_start(yl.p, l - (size_t)indent);
		while (yl.len > 0 && (yl.p[yl.len - 1] == ' ' || yl.p[yl.len - 1] == '\t' || yl.p[yl.len - 1] == '\r'))
			yl.len--;
		s = nl ? nl + 1 : end;
		if (yl.len == 0) {
			yl.p = NULL; /* blank: kept for block scalars */
		} else if (yl.p[0] == '\t') {
			return yfail(y, no, "a tab in the indentation");
		} else if (indent == 0 && yl.len == 3 && memcmp(yl.p, "---", 3) == 0) {
			if (started)
				return yfail(y, no, "more than one YAML document");
			started = true;
			continue;
		} else if (indent == 0 && yl.len == 3 && memcmp(yl.p, "...", 3) == 0) {
			break;
		} else {
			started = true;
		}
		if (ARRAY_RESERVE(y->l, cap, y->n) < 0)
			return -ENOMEM;
		y->l[y->n++] = yl;
	}
	return 0;
}

/* The next line with content at or after i. */
static size_t next_content(const struct yaml *y, size_t i)
{
	while (i < y->n && !y->l[i].p)
		i++;
	return i;
}

static bool is_dash(const struct yline *l)
{
	return l->p && l->p[0] == '-' && (l->len == 1 || l->p[1] == ' ');
}

/* Offset of the ':' that separates a key from its value (outside quotes, followed by a
 * blank or the end), or -1. */
static ssize_t key_colon(const char *p, size_t len)
{
	size_t i = len && (p[0] == '"' || p[0] == '\'') ? quoted_end(p, len, 0) : 0;

	for (; i < len; i++)
		if (p[i] == ':' && (i + 1 == len || p[i + 1] == ' '))
			return (ssize_t)i;
	return -1;
}

static json_t *scalar_plain(const char *p, size_t len)
{
	if (len == 0 || (len == 1 && p[0] == '~') || (len == 4 && memcmp(p, "null", 4) == 0))
		return json_null();
	if (len == 4 && memcmp(p, "true", 4) == 0)
		return json_true();
	if (len == 5 && memcmp(p, "false", 5) == 0)
		return json_false();
	return json_stringn(p, len);
}

/* ---- flow collections: {a: b, "c": [d, 'e']} ---- */

struct flow {
	const char *p;
	size_t len, i;
	int depth;
};

static void flow_ws(struct flow *f)
{
	while (f->i < f->len && (f->p[f->i] == ' ' || f->p[f->i] == '\t'))
		f->i++;
}

static int flow_node(struct flow *f, json_t **ret);

/* A quoted or plain scalar; a plain one ends at , [ ] { } or ": ". */
static int flow_scalar(struct flow *f, json_t **ret)
{
	size_t start = f->i;
	json_error_t jerr;

	if (f->i < f->len && f->p[f->i] == '"') {
		for (f->i++; f->i < f->len && f->p[f->i] != '"'; f->i++)
			if (f->p[f->i] == '\\')
				f->i++;
		if (f->i >= f->len)
			return -EINVAL;
		f->i++;
		*ret = json_loadb(f->p + start, f->i - start, JSON_DECODE_ANY, &jerr);
		return *ret ? 0 : -EINVAL;
	}
	if (f->i < f->len && f->p[f->i] == '\'') {
		_cleanup_free_ char *s = malloc(f->len);
		size_t k = 0;

		if (!s)
			return -ENOMEM;
		for (f->i++; f->i < f->len; f->i++) {
			if (f->p[f->i] == '\'') {
				if (f->i + 1 < f->len && f->p[f->i + 1] == '\'') {
					s[k++] = '\'';
					f->i++;
					continue;
				}
				break;
			}
			s[k++] = f->p[f->i];
		}
		if (f->i >= f->len)
			return -EINVAL;
		f->i++;
		*ret = json_stringn(s, k);
		return *ret ? 0 : -ENOMEM;
	}
	while (f->i < f->len && !strchr(",[]{}", f->p[f->i]) &&
	       !(f->p[f->i] == ':' && (f->i + 1 == f->len || f->p[f->i + 1] == ' ' || strchr(",]}", f->p[f->i + 1]))))
		f->i++;
	{
		size_t end = f->i;

		while (end > start && (f->p[end - 1] == ' ' || f->p[end - 1] == '\t'))
			end--;
		if (end > start && (f->p[start] == '&' || f->p[start] == '*' || f->p[start] == '!'))
			return -EINVAL;
		*ret = scalar_plain(f->p + start, end - start);
	}
	return *ret ? 0 : -ENOMEM;
}

static int flow_collection(struct flow *f, bool map, json_t **ret)
{
	_cleanup_json_ json_t *c = map ? json_object() : json_array();
	char close = map ? '}' : ']';
	int r;

	if (!c)
		return -ENOMEM;
	if (++f->depth > YAML_DEPTH_MAX)
		return -EINVAL;
	f->i++;
	for (bool first = true;; first = false) {
		_cleanup_json_ json_t *k = NULL, *v = NULL;

		flow_ws(f);
		if (f->i < f->len && f->p[f->i] == close)
			break;
		if (!first) {
			if (f->i >= f->len || f->p[f->i] != ',')
				return -EINVAL;
			f->i++;
			flow_ws(f);
			if (f->i < f->len && f->p[f->i] == close)
				break; /* a trailing comma */
		}
		if (!map) {
			r = flow_node(f, &v);
			if (r < 0)
				return r;
			if (json_array_append_new(c, TAKE_PTR(v)) < 0)
				return -ENOMEM;
			continue;
		}
		r = flow_scalar(f, &k);
		if (r < 0)
			return r;
		flow_ws(f);
		if (!json_is_string(k) || f->i >= f->len || f->p[f->i] != ':')
			return -EINVAL;
		f->i++;
		r = flow_node(f, &v);
		if (r < 0)
			return r;
		if (json_object_get(c, json_string_value(k)) ||
		    json_object_set_new(c, json_string_value(k), TAKE_PTR(v)) < 0)
			return -EINVAL;
	}
	f->i++;
	f->depth--;
	*ret = TAKE_PTR(c);
	return 0;
}

static int flow_node(struct flow *f, json_t **ret)
{
	flow_ws(f);
	if (f->i < f->len && (f->p[f->i] == '{' || f->p[f->i] == '['))
		return flow_collection(f, f->p[f->i] == '{', ret);
	return flow_scalar(f, ret);
}

static int scalar(struct yaml *y, unsigned no, const char *p, size_t len, json_t **ret)
{
	if (len && (p[0] == '&' || p[0] == '*' || p[0] == '!'))
		return yfail(y, no, "anchors, aliases and tags are not supported");
	if (len && (p[0] == '"' || p[0] == '{' || p[0] == '[')) {
		struct flow f = {.p = p, .len = len};
		json_t *v = NULL;
		int r = flow_node(&f, &v);

		if (r >= 0) {
			flow_ws(&f);
			if (f.i != len) {
				json_decref(v);
				r = -EINVAL;
			}
		}
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return yfail(y, no, p[0] == '"' ? "a double-quoted scalar we cannot read"
							: "a flow collection we cannot read");
		*ret = v;
		return 0;
	}
	if (len && p[0] == '\'') {
		_cleanup_free_ char *s = malloc(len);
		size_t k = 0, i;

		if (!s)
			return -ENOMEM;
		for (i = 1; i < len; i++) {
			if (p[i] == '\'') {
				if (i + 1 < len && p[i + 1] == '\'') {
					s[k++] = '\'';
					i++;
					continue;
				}
				break;
			}
			s[k++] = p[i];
		}
		if (i != len - 1)
			return yfail(y, no, "a single-quoted scalar that does not end on its line");
		*ret = json_stringn(s, k);
		return *ret ? 0 : -ENOMEM;
	}
	*ret = scalar_plain(p, len);
	return *ret ? 0 : -ENOMEM;
}

/* "|", "|-", "|+", ">", ">-", ">+": the lines below, deeper than parent_indent. */
static int block_scalar(struct yaml *y, size_t *i, int parent_indent, const char *hdr, size_t hlen, json_t **ret)
{
	bool fold = hdr[0] == '>';
	char chomp = hlen > 1 ? hdr[1] : 0;
	size_t j = *i + 1, cap = 0, len = 0;
	_cleanup_free_ char *s = NULL;
	int ind = -1;

	if (hlen > 2 || (chomp && chomp != '-' && chomp != '+'))
		return yfail(y, y->l[*i].no, "an unsupported block scalar header");
	for (; j < y->n; j++) {
		const struct yline *l = &y->l[j];
		size_t from;
		char *g;

		if (l->p && l->indent <= parent_indent)
			break;
		if (l->p && ind < 0)
			ind = l->indent;
		from = l->p ? (size_t)ind : l->raw_len;
		if (l->p && l->indent < ind)
			return yfail(y, l->no, "a block scalar line less indented than its first");
		if (len + l->raw_len + 2 > cap) {
			cap = (len + l->raw_len + 2) * 2;
			g = realloc(s, cap);
			if (!g)
				return -ENOMEM;
			s = g;
		}
		if (from < l->raw_len) {
			size_t n = l->raw_len - from;

			if (fold && len > 0 && s[len - 1] == '\n' && l->p && l->indent == ind)
				s[len - 1] = ' ';
			memcpy(s + len, l->raw + from, n);
			len += n;
			while (len > 0 && s[len - 1] == '\r')
				len--;
		}
		s[len++] = '\n';
	}
	if (chomp != '+')
		while (len > 0 && s[len - 1] == '\n')
			len--;
	if (chomp == 0 && len > 0)
		s[len++] = '\n';
	*i = j;
	*ret = json_stringn(s ? s : "", len);
	return *ret ? 0 : -ENOMEM;
}

static int parse_node(struct yaml *y, size_t *i, int indent, json_t **ret);

/* The value of a "key:" whose text after the colon is p[0..len). */
static int value_after(struct yaml *y, size_t *i, int indent, const char *p, size_t len, json_t **ret)
{
	size_t j;

	if (len && (p[0] == '|' || p[0] == '>'))
		return block_scalar(y, i, indent, p, len, ret);
	if (len) {
		unsigned no = y->l[*i].no;

		(*i)++;
		return scalar(y, no, p, len, ret);
	}
	j = next_content(y, *i + 1);
	if (j < y->n && (y->l[j].indent > indent || (y->l[j].indent == indent && is_dash(&y->l[j])))) {
		*i = j;
		return parse_node(y, i, y->l[j].indent, ret);
	}
	(*i)++;
	*ret = json_null();
	return *ret ? 0 : -ENOMEM;
}

static int parse_mapping(struct yaml *y, size_t *i, int indent, json_t **ret)
{
	_cleanup_json_ json_t *map = json_object();

	if (!map)
		return -ENOMEM;
	for (*i = next_content(y, *i); *i < y->n && y->l[*i].indent == indent && !is_dash(&y->l[*i]);
	     *i = next_content(y, *i)) {
		const struct yline *l = &y->l[*i];
		ssize_t c = key_colon(l->p, l->len);
		_cleanup_json_ json_t *key = NULL, *val = NULL;
		const char *vp;
		size_t vlen;
		int r;

		if (c <= 0)
			return yfail(y, l->no, "expected \"key: value\"");
		r = scalar(y, l->no, l->p, (size_t)c, &key);
		if (r < 0)
			return r;
		if (!json_is_string(key))
			return yfail(y, l->no, "a key that is not a string");
		if (json_object_get(map, json_string_value(key)))
			return yfail(y, l->no, "a duplicate key");
		vp = l->p + c + 1;
		vlen = l->len - (size_t)c - 1;
		while (vlen && *vp == ' ') {
			vp++;
			vlen--;
		}
		r = value_after(y, i, indent, vp, vlen, &val);
		if (r < 0)
			return r;
		if (json_object_set_new(map, json_string_value(key), TAKE_PTR(val)) < 0)
			return -ENOMEM;
	}
	if (*i < y->n && y->l[*i].indent > indent)
		return yfail(y, y->l[*i].no, "unexpected indentation");
	*ret = TAKE_PTR(map);
	return 0;
}

static int parse_sequence(struct yaml *y, size_t *i, int indent, json_t **ret)
{
	_cleanup_json_ json_t *seq = json_array();

	if (!seq)
		return -ENOMEM;
	for (*i = next_content(y, *i); *i < y->n && y->l[*i].indent == indent && is_dash(&y->l[*i]);
	     *i = next_content(y, *i)) {
		struct yline *l = &y->l[*i];
		_cleanup_json_ json_t *item = NULL;
		size_t off = 1;
		int r;

		while (off < l->len && l->p[off] == ' ')
			off++;
		if (off >= l->len) {
			size_t j = next_content(y, *i + 1);

			if (j < y->n && y->l[j].indent > indent) {
				*i = j;
				r = parse_node(y, i, y->l[j].indent, &item);
			} else {
				(*i)++;
				item = json_null();
				r = item ? 0 : -ENOMEM;
			}
		} else {
			/* "- key: v" or "- - x": the rest of the line is a node indented to
			 * where its text starts, as the lines that continue it are. */
			l->indent += (int)off;
			l->p += off;
			l->len -= off;
			r = parse_node(y, i, l->indent, &item);
		}
		if (r < 0)
			return r;
		if (json_array_append_new(seq, TAKE_PTR(item)) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(seq);
	return 0;
}

static int parse_node(struct yaml *y, size_t *i, int indent, json_t **ret)
{
	const struct yline *l;
	int r;

	*i = next_content(y, *i);
	if (*i >= y->n) {
		*ret = json_null();
		return 0;
	}
	if (++y->depth > YAML_DEPTH_MAX)
		return yfail(y, y->l[*i].no, "nested too deeply");
	l = &y->l[*i];
	if (is_dash(l))
		r = parse_sequence(y, i, indent, ret);
	else if (l->p[0] != '{' && l->p[0] != '[' && key_colon(l->p, l->len) > 0)
		r = parse_mapping(y, i, indent, ret);
	else if (l->p[0] == '|' || l->p[0] == '>')
		r = yfail(y, l->no, "a block scalar without a key");
	else {
		unsigned no = l->no;
		const char *p = l->p;
		size_t len = l->len;

		(*i)++;
		r = scalar(y, no, p, len, ret);
	}
	y->depth--;
	return r;
}

/* The offset of the first byte that is not well-formed UTF-8 (RFC 3629: no overlong
 * forms, surrogates or code points above U+10FFFF, as jansson requires), len if none. */
static size_t utf8_bad(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;

	for (size_t i = 0; i < len;) {
		unsigned c = p[i], n, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return i;
		if (len - i <= n)
			return i;
		for (unsigned k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return i;
		i += n + 1;
	}
	return len;
}

int yaml_load(const char *text, size_t len, json_t **ret, char *why, size_t why_len)
{
	struct yaml y = {.why = why, .why_len = why_len};
	_cleanup_json_ json_t *doc = NULL;
	size_t i = 0;
	int r;

	if (memchr(text, '\0', len)) {
		snprintf(why, why_len, "a NUL byte in the text");
		return -EINVAL;
	}
	i = utf8_bad(text, len);
	if (i < len) {
		unsigned no = 1;

		for (size_t k = 0; k < i; k++)
			no += text[k] == '\n';
		snprintf(why, why_len, "line %u: bytes that are not UTF-8", no);
		return -EINVAL;
	}
	i = 0;
	r = split_lines(&y, text, len);
	if (r >= 0) {
		i = next_content(&y, 0);
		r = i < y.n ? parse_node(&y, &i, y.l[i].indent, &doc) : (doc = json_null(), 0);
	}
	if (r >= 0 && (i = next_content(&y, i)) < y.n)
		r = yfail(&y, y.l[i].no, "unexpected text after the document");
	free(y.l);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(doc);
	return 0;
}

/* ---- base64 ---- */

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *in, char **ret, size_t *ret_len)
{
	size_t n = strlen(in), k = 0;
	unsigned acc = 0, bits = 0;
	bool pad = false;
	char *out = malloc(n / 4 * 3 + 4);

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		int v;

		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			pad = true;
			continue;
		}
		v = b64_value(c);
		if (v < 0 || pad) {
			free(out);
			return -EINVAL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (bits >= 6) {
		free(out);
		return -EINVAL;
	}
	out[k] = '\0';
	*ret = out;
	*ret_len = k;
	return 0;
}

/* ---- kube_conf ---- */

void kube_conf_done(struct kube_conf *c)
{
	free(c->server);
	free(c->ca_file);
	free(c->ca_data);
	free(c->tls_server_name);
	free(c->token);
	free(c->token_file);
	free(c->cert_file);
	free(c->key_file);
	free(c->cert_data);
	free(c->key_data);
	*c = (struct kube_conf){0};
}

static int read_small_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = io_open_regular(AT_FDCWD, path, O_RDONLY, 0, &fd);
	if (r < 0)
		return r;
	return io_read_alloc(fd, max, ret, ret_len);
}

static char *trim_dup(const char *s, size_t len)
{
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' '))
		len--;
	return strndup(s, len);
}

int kube_conf_in_cluster(const char *sa_dir, struct kube_conf *ret, char *why, size_t why_len)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
	struct kube_conf c = {0};
	int r;

	if (!host || !*host || !port || !*port) {
		snprintf(why, why_len,
			 "not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set "
			 "(use --kubeconfig or --nodes)");
		return -ENOENT;
	}
	if (strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 || strpbrk(host, "/@ ")) {
		snprintf(why, why_len, "KUBERNETES_SERVICE_HOST/PORT do not make an address");
		return -EINVAL;
	}
	r = asprintf(&c.server, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
	if (r < 0)
		return -ENOMEM;
	if (asprintf(&c.token_file, "%s/token", sa_dir) < 0 || asprintf(&c.ca_file, "%s/ca.crt", sa_dir) < 0) {
		kube_conf_done(&c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

/* The "name"d entry of a kubeconfig list (clusters, users, contexts), its `field` object. */
static const json_t *named(const json_t *doc, const char *list, const char *field, const char *name)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(doc, list), i, v) {
		const char *n = json_string_value(json_object_get(v, "name"));

		if (n && strcmp(n, name) == 0)
			return json_object_get(v, field);
	}
	return NULL;
}

/* A path from the file, relative to its directory. */
static int conf_path(const char *base_dir, const char *p, char **ret)
{
	if (p[0] == '/')
		*ret = strdup(p);
	else if (asprintf(ret, "%s/%s", base_dir, p) < 0)
		*ret = NULL;
	return *ret ? 0 : -ENOMEM;
}

/* key (a path) or key-data (base64): one of them into *ret_file / *ret_data. */
static int file_or_data(const json_t *o, const char *key, const char *base_dir, char **ret_file, char **ret_data,
			size_t *ret_len, char *why, size_t why_len)
{
	char dkey[64];
	const char *path = json_string_value(json_object_get(o, key)), *data;
	int r;

	snprintf(dkey, sizeof(dkey), "%s-data", key);
	data = json_string_value(json_object_get(o, dkey));
	if (data && *data) {
		r = base64_decode(data, ret_data, ret_len);
		if (r < 0)
			snprintf(why, why_len, "%s is not base64", dkey);
		return r;
	}
	if (path && *path)
		return conf_path(base_dir, path, ret_file);
	return 0;
}

static int conf_from_doc(const json_t *doc, const char *context, const char *base_dir, struct kube_conf *c,
			 char *why, size_t why_len)
{
	const char *cur = context ? context : json_string_value(json_object_get(doc, "current-context"));
	const json_t *ctx, *cluster, *user;
	const char *cname, *uname, *server, *token, *tokfile, *tsn;
	int r;

	if (!cur || !*cur) {
		snprintf(why, why_len, "no current-context");
		return -EINVAL;
	}
	ctx = named(doc, "contexts", "context", cur);
	if (!json_is_object(ctx)) {
		snprintf(why, why_len, "context \"%.64s\" is not defined", cur);
		return -EINVAL;
	}
	cname = json_string_value(json_object_get(ctx, "cluster"));
	uname = json_string_value(json_object_get(ctx, "user"));
	cluster = cname ? named(doc, "clusters", "cluster", cname) : NULL;
	if (!json_is_object(cluster)) {
		snprintf(why, why_len, "context \"%.64s\": cluster \"%.64s\" is not defined", cur, cname ? cname : "");
		return -EINVAL;
	}
	server = json_string_value(json_object_get(cluster, "server"));
	if (!server || strncmp(server, "https://", 8) != 0) {
		snprintf(why, why_len, "cluster \"%.64s\": server must be an https:// URL", cname);
		return -EINVAL;
	}
	c->server = strndup(server, strlen(server) - (server[strlen(server) - 1] == '/'));
	if (!c->server)
		return -ENOMEM;
	c->insecure = json_is_true(json_object_get(cluster, "insecure-skip-tls-verify"));
	tsn = json_string_value(json_object_get(cluster, "tls-server-name"));
	if (tsn && *tsn && !(c->tls_server_name = strdup(tsn)))
		return -ENOMEM;
	r = file_or_data(cluster, "certificate-authority", base_dir, &c->ca_file, &c->ca_data, &c->ca_len, why,
			 why_len);
	if (r < 0)
		return r;
	user = uname ? named(doc, "users", "user", uname) : NULL;
	if (!user || json_is_null(user))
		return 0; /* anonymous */
	if (!json_is_object(user)) {
		snprintf(why, why_len, "user \"%.64s\" is not an object", uname);
		return -EINVAL;
	}
	if (json_object_get(user, "exec") || json_object_get(user, "auth-provider")) {
		snprintf(why, why_len, "user \"%.64s\": exec and auth-provider credentials are not supported "
				       "(use a token, tokenFile or a client certificate)", uname);
		return -ENOTSUP;
	}
	if (json_object_get(user, "username") || json_object_get(user, "password")) {
		snprintf(why, why_len, "user \"%.64s\": basic authentication is not supported", uname);
		return -ENOTSUP;
	}
	token = json_string_value(json_object_get(user, "token"));
	tokfile = json_string_value(json_object_get(user, "tokenFile"));
	if (token && *token && !(c->token = strdup(token)))
		return -ENOMEM;
	if (!c->token && tokfile && *tokfile) {
		r = conf_path(base_dir, tokfile, &c->token_file);
		if (r < 0)
			return r;
	}
	r = file_or_data(user, "client-certificate", base_dir, &c->cert_file, &c->cert_data, &c->cert_len, why,
			 why_len);
	if (r >= 0)
		r = file_or_data(user, "client-key", base_dir, &c->key_file, &c->key_data, &c->key_len, why,
				 why_len);
	if (r < 0)
		return r;
	if (!!(c->cert_file || c->cert_data) != !!(c->key_file || c->key_data)) {
		snprintf(why, why_len, "user \"%.64s\": a client certificate needs its key, and a key its certificate",
			 uname);
		return -EINVAL;
	}
	return 0;
}

int kube_conf_from_file(const char *path, const char *context, struct kube_conf *ret, char *why, size_t why_len)
{
	_cleanup_free_ char *text = NULL, *dir = NULL;
	_cleanup_json_ json_t *doc = NULL;
	struct kube_conf c = {0};
	char *slash;
	size_t len;
	int r;

	r = read_small_file(path, KUBECONFIG_MAX, &text, &len);
	if (r < 0) {
		snprintf(why, why_len, "%s", r == -EINVAL || r == -EISDIR ? "not a regular file" : strerror(-r));
		return r;
	}
	r = yaml_load(text, len, &doc, why, why_len);
	if (r < 0)
		return r;
	if (!json_is_object(doc)) {
		snprintf(why, why_len, "not a kubeconfig (no mapping at the top)");
		return -EINVAL;
	}
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, "."); /* path is not empty: room for two bytes */
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	r = conf_from_doc(doc, context, dir, &c, why, why_len);
	if (r < 0) {
		kube_conf_done(&c);
		return r;
	}
	*ret = c;
	return 0;
}

int kube_conf_token(const struct kube_conf *c, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	*ret = NULL;
	if (c->token) {
		*ret = strdup(c->token);
		return *ret ? 0 : -ENOMEM;
	}
	if (!c->token_file)
		return 0;
	r = read_small_file(c->token_file, 64 * 1024, &buf, &len);
	if (r < 0)
		return r;
	*ret = trim_dup(buf, len);
	return *ret ? 0 : -ENOMEM;
}
