/* conf.c: jansson-based config getters with key-naming errors. */
#include "conf.h"

#include <stdio.h>
#include <string.h>

/* Objects and arrays in buf, outside strings, counting at most up to max + 1. */
static size_t count_containers(const char *buf, size_t len, size_t max)
{
	bool in_str = false;
	size_t n = 0;

	for (size_t i = 0; i < len && n <= max; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++; /* whatever follows a backslash is not the string's end */
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			n++;
		}
	}
	return n;
}

int conf_load(const char *buf, size_t len, const char *what, json_t **ret, struct cni_error *err)
{
	json_error_t je;
	json_t *j;

	/* jansson spends about 200 bytes on an empty object: 1 MiB of "[{},{},...]" would take
	 * 80 MB. No CNI document comes near the limit (a result holds at most a few thousand). */
	if (count_containers(buf, len, CONF_MAX_CONTAINERS) > CONF_MAX_CONTAINERS)
		return cni_fail(err, CNI_ERR_DECODE, -E2BIG,
				"error parsing %s: more than %u JSON objects and arrays (a limit against "
				"memory exhaustion)",
				what, CONF_MAX_CONTAINERS);
	j = json_loadb(buf, len, 0, &je);
	if (!j)
		return cni_fail(err, CNI_ERR_DECODE, -EINVAL, "error parsing %s: line %d column %d: %s", what,
				je.line, je.column, je.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return cni_fail(err, CNI_ERR_DECODE, -EINVAL, "error parsing %s: not a JSON object", what);
	}
	*ret = j;
	return 0;
}

static const json_t *lookup(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return v && !json_is_null(v) ? v : NULL;
}

static int type_error(struct cni_error *err, const char *where, const char *key, const char *type)
{
	return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s%s\" must be %s", strempty(where), key, type);
}

int conf_get_str(const json_t *o, const char *key, const char *where, const char **ret, struct cni_error *err)
{
	const json_t *v = lookup(o, key);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return type_error(err, where, key, "a string");
	*ret = json_string_value(v);
	return 0;
}

int conf_get_bool(const json_t *o, const char *key, const char *where, bool *ret, struct cni_error *err)
{
	const json_t *v = lookup(o, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return type_error(err, where, key, "true or false");
	*ret = json_is_true(v);
	return 0;
}

int conf_get_int(const json_t *o, const char *key, const char *where, long min, long max, long *ret,
		 struct cni_error *err)
{
	const json_t *v = lookup(o, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s%s\" must be an integer in %ld..%ld",
				strempty(where), key, min, max);
	*ret = (long)json_integer_value(v);
	return 0;
}

int conf_get_obj(const json_t *o, const char *key, const char *where, const json_t **ret, struct cni_error *err)
{
	const json_t *v = lookup(o, key);

	*ret = NULL;
	if (!v)
		return 0;
	if (!json_is_object(v))
		return type_error(err, where, key, "an object");
	*ret = v;
	return 0;
}

int conf_get_array(const json_t *o, const char *key, const char *where, const json_t **ret,
		   struct cni_error *err)
{
	const json_t *v = lookup(o, key);

	*ret = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return type_error(err, where, key, "an array");
	*ret = v;
	return 0;
}

int conf_get_addr(const json_t *o, const char *key, const char *where, struct ipnet_addr *ret,
		  struct cni_error *err)
{
	const char *s = NULL;
	int r;

	r = conf_get_str(o, key, where, &s, err);
	if (r < 0 || !s || !*s)
		return r; /* "" is unset, as in Go */
	if (ipnet_addr_parse(s, ret) < 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s%s\": invalid IP address \"%s\"",
				strempty(where), key, s);
	return 1;
}

int conf_get_cidr(const json_t *o, const char *key, const char *where, struct ipnet *ret, struct cni_error *err)
{
	const char *s = NULL;
	int r;

	r = conf_get_str(o, key, where, &s, err);
	if (r < 0 || !s || !*s)
		return r;
	if (ipnet_parse(s, false, ret) < 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s%s\": invalid CIDR \"%s\"",
				strempty(where), key, s);
	return 1;
}

int conf_parse_mac(const char *s, unsigned char ret[6])
{
	unsigned char m[6];

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *p = s + i * 3;
		unsigned v = 0;

		for (int k = 0; k < 2; k++) {
			char c = p[k];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				return -EINVAL;
		}
		/* One separator throughout, ':' or '-', as Go's net.ParseMAC wants. */
		if (i < 5 && (p[2] != s[2] || (p[2] != ':' && p[2] != '-')))
			return -EINVAL;
		m[i] = (unsigned char)v;
	}
	memcpy(ret, m, 6);
	return 0;
}

int conf_gc_attachments(const json_t *conf, struct conf_attachment **ret, size_t *ret_n, struct cni_error *err)
{
	_cleanup_free_ struct conf_attachment *v = NULL;
	const char *key = "cni.dev/valid-attachments";
	const json_t *a = json_object_get(conf, key);
	size_t n;

	if (!a || json_is_null(a)) {
		key = "cni.dev/attachments";
		a = json_object_get(conf, key);
	}
	if (!a || json_is_null(a))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"\"cni.dev/valid-attachments\" is missing: GC needs the attachments in use "
				"(refusing to remove everything)");
	if (!json_is_array(a))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "\"%s\" must be an array", key);
	n = json_array_size(a);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(a, i);

		v[i].id = json_string_value(json_object_get(o, "containerID"));
		v[i].ifname = json_string_value(json_object_get(o, "ifname"));
		if (!v[i].id || !v[i].ifname)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
					"\"%s[%zu]\" needs string \"containerID\" and \"ifname\"", key, i);
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}
