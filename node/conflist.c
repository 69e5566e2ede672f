/* conflist.c: template → this node's conflist → an atomic, change-only write. */
#include "conflist.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io.h"
#include "macro.h"

static const char default_template[] =
	"{\"cniVersion\":\"1.0.0\",\"name\":\"cni-c\",\"plugins\":[{\"type\":\"bridge\",\"bridge\":\"cni0\","
	"\"isGateway\":true,\"isDefaultGateway\":true,\"hairpinMode\":true,"
	"\"ipam\":{\"type\":\"host-local\",\"ranges\":[]}}]}";

json_t *conflist_default_template(void)
{
	return json_loads(default_template, 0, NULL);
}

static bool is_host_local(const json_t *plugin)
{
	const json_t *ipam = json_object_get(plugin, "ipam");
	const char *type = json_string_value(json_object_get(ipam, "type"));

	return json_is_object(ipam) && type && strcmp(type, "host-local") == 0;
}

static int check_template(const json_t *t, char *why, size_t len)
{
	const json_t *plugins = json_object_get(t, "plugins"), *p;
	size_t i, n = 0;

	if (!json_is_object(t) || !json_is_array(plugins) || json_array_size(plugins) == 0) {
		snprintf(why, len, "not a conflist: no \"plugins\" list");
		return -EINVAL;
	}
	if (!json_is_string(json_object_get(t, "name")) || !json_is_string(json_object_get(t, "cniVersion"))) {
		snprintf(why, len, "a conflist needs \"name\" and \"cniVersion\" strings");
		return -EINVAL;
	}
	json_array_foreach(plugins, i, p) {
		if (!json_is_object(p) || !json_is_string(json_object_get(p, "type"))) {
			snprintf(why, len, "plugins[%zu] has no \"type\"", i);
			return -EINVAL;
		}
		n += is_host_local(p);
	}
	if (n == 0) {
		snprintf(why, len, "no plugin uses host-local IPAM: nowhere to put the pod CIDRs");
		return -EINVAL;
	}
	return 0;
}

int conflist_load_template(const char *path, json_t **ret, char *why, size_t why_len)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ json_t *t = NULL;
	json_error_t jerr;
	size_t len;
	int r;

	r = io_open_regular(AT_FDCWD, path, O_RDONLY, 0, &fd);
	if (r < 0) {
		snprintf(why, why_len, "%s", r == -EINVAL || r == -EISDIR ? "not a regular file" : strerror(-r));
		return r;
	}
	r = io_read_alloc(fd, CONFLIST_TEMPLATE_MAX, &buf, &len);
	if (r < 0) {
		snprintf(why, why_len, "%s", r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		return r;
	}
	t = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!t) {
		snprintf(why, why_len, "%d:%d: %s", jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	r = check_template(t, why, why_len);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(t);
	return 0;
}

static json_t *ranges_of(const struct node_facts *self)
{
	json_t *ranges = json_array();

	for (int f = 0; ranges && f < _NODE_FAMILY_MAX; f++) {
		char buf[IPNET_STRLEN];
		json_t *set;

		if (!self->has_cidr[f])
			continue;
		set = json_pack("[{s:s}]", "subnet", ipnet_fmt(&self->cidr[f], buf));
		if (!set || json_array_append_new(ranges, set) < 0) {
			json_decref(ranges);
			return NULL;
		}
	}
	return ranges;
}

int conflist_render(const json_t *tmpl, const struct node_facts *self, char **ret, char *why, size_t why_len)
{
	static const char *const legacy[] = {"subnet", "rangeStart", "rangeEnd", "gateway"};
	_cleanup_json_ json_t *out = NULL;
	json_t *plugins, *p;
	size_t i;
	char *text;
	int r;

	r = check_template(tmpl, why, why_len);
	if (r < 0)
		return r;
	if (!self->has_cidr[NODE_V4] && !self->has_cidr[NODE_V6]) {
		snprintf(why, why_len, "this node has no pod CIDR");
		return -ENOENT;
	}
	out = json_deep_copy(tmpl);
	if (!out)
		return -ENOMEM;
	plugins = json_object_get(out, "plugins");
	json_array_foreach(plugins, i, p) {
		json_t *ipam = json_object_get(p, "ipam");

		if (!is_host_local(p))
			continue;
		for (size_t k = 0; k < ELEMENTSOF(legacy); k++)
			(void)json_object_del(ipam, legacy[k]);
		if (json_object_set_new(ipam, "ranges", ranges_of(self)) < 0)
			return -ENOMEM;
	}
	text = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		return -ENOMEM;
	*ret = text;
	return 0;
}

/* Whether dir/name holds exactly text. */
static bool same_content(int dfd, const char *name, const char *text)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t len, want = strlen(text);

	if (io_open_regular(dfd, name, O_RDONLY | O_NOFOLLOW, 0, &fd) < 0)
		return false;
	if (io_read_alloc(fd, want + 1, &buf, &len) < 0)
		return false;
	return len == want && memcmp(buf, text, len) == 0;
}

int conflist_write(const char *dir, const char *name, const char *json_text, bool *ret_changed)
{
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	_cleanup_free_ char *text = NULL;
	char tmp[NAME_MAX + 1];
	size_t len;
	int r;

	if (asprintf(&text, "%s\n", json_text) < 0)
		return -ENOMEM;
	len = strlen(text);
	if (strchr(name, '/') || name[0] == '.' || strlen(name) + 6 > NAME_MAX)
		return -EINVAL;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (same_content(dfd, name, text)) {
		*ret_changed = false;
		return 0;
	}
	/* A fixed temporary name: a crash leaves at most one, and runtimes ignore it (it
	 * does not end in .conf, .conflist or .json). */
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	if (unlinkat(dfd, tmp, 0) < 0 && errno != ENOENT)
		return -errno;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = io_write_all(fd, text, len);
	if (r >= 0 && fchmod(fd, 0644) < 0)
		r = -errno;
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (r >= 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dfd, tmp, 0);
		return r;
	}
	(void)fsync(dfd);
	*ret_changed = true;
	return 0;
}
