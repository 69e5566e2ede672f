/* skel.c: environment table, bounded stdin, version gate, dispatch and output.
 * The only place that prints to stdout and picks the exit status. */
#include "skel.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "io.h"
#include "netns.h"

#ifndef CNI_SUITE_VERSION
#define CNI_SUITE_VERSION "0.0.0-dev"
#endif

#define STDIN_MAX (1u << 20)

static const char *const cmd_names[_CNI_CMD_MAX] = {
	[CNI_CMD_ADD] = "ADD",	     [CNI_CMD_DEL] = "DEL",	  [CNI_CMD_CHECK] = "CHECK",
	[CNI_CMD_GC] = "GC",	     [CNI_CMD_STATUS] = "STATUS", [CNI_CMD_VERSION] = "VERSION",
};

#define M(c) (1u << (c))
#define M_ACD (M(CNI_CMD_ADD) | M(CNI_CMD_CHECK) | M(CNI_CMD_DEL))

/* Which commands require which variables (CNI_PATH is checked only when a delegate
 * must be found, as the spec allows). */
static const struct env_rule {
	const char *name;
	unsigned required;
	size_t offset;
} env_rules[] = {
	{"CNI_CONTAINERID", M_ACD, offsetof(struct cni_args, container_id)},
	{"CNI_NETNS", M(CNI_CMD_ADD) | M(CNI_CMD_CHECK), offsetof(struct cni_args, netns)},
	{"CNI_IFNAME", M_ACD, offsetof(struct cni_args, ifname)},
	{"CNI_ARGS", 0, offsetof(struct cni_args, args)},
	{"CNI_PATH", 0, offsetof(struct cni_args, path)},
};

struct run {
	struct cni_args a;
	char *input;
	json_t *conf;
	struct cni_kv *kv;
	size_t n_kv;
	struct cni_result prev;
	bool has_prev;
	int netns_fd;
	const char *version_label; /* cniVersion for the error object */
};

static void run_done(struct run *r)
{
	free(r->input);
	json_decref(r->conf);
	cni_kv_free(r->kv, r->n_kv);
	cni_result_done(&r->prev);
	if (r->netns_fd >= 0)
		(void)close(r->netns_fd);
}

/* ---- CNI_ARGS ---- */

void cni_kv_free(struct cni_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static bool known_key(const char *const *known, const char *key)
{
	if (strcmp(key, "IgnoreUnknown") == 0)
		return true;
	for (; known && *known; known++)
		if (strcmp(*known, key) == 0)
			return true;
	return false;
}

static int parse_bool(const char *s, bool *ret)
{
	if (strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0)
		*ret = true;
	else if (strcmp(s, "0") == 0 || strcasecmp(s, "false") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static int kv_split(const char *s, struct cni_kv **ret, size_t *ret_n, struct cni_error *err)
{
	struct cni_kv *kv = NULL;
	size_t n = 0, cap = 0;
	const char *p = s;

	while (p && *p) {
		const char *end = strchrnul(p, ';'), *eq = memchr(p, '=', (size_t)(end - p));
		struct cni_kv *grown;

		if (end == p) {
			p = end + 1;
			continue;
		}
		if (!eq || memchr(eq + 1, '=', (size_t)(end - eq - 1)) || eq == p) {
			cni_kv_free(kv, n);
			return cni_fail(err, CNI_ERR_INVALID_ENV, -EINVAL, "CNI_ARGS: invalid pair \"%.*s\"",
					(int)(end - p), p);
		}
		if (n == cap) {
			/* Doubling: CNI_ARGS may hold tens of thousands of pairs. */
			grown = reallocarray(kv, cap ? cap * 2 : 8, sizeof(*kv));
			if (!grown) {
				cni_kv_free(kv, n);
				return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
			}
			kv = grown;
			cap = cap ? cap * 2 : 8;
		}
		kv[n].key = strndup(p, (size_t)(eq - p));
		kv[n].value = strndup(eq + 1, (size_t)(end - eq - 1));
		n++;
		if (!kv[n - 1].key || !kv[n - 1].value) {
			cni_kv_free(kv, n);
			return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
		}
		p = *end ? end + 1 : end;
	}
	*ret = kv;
	*ret_n = n;
	return 0;
}

int cni_kv_parse(const char *s, const char *const *known, struct cni_kv **ret, size_t *ret_n,
		 struct cni_error *err)
{
	struct cni_kv *kv = NULL;
	char unknown[256] = "";
	bool ignore = false;
	size_t n = 0;
	int r;

	r = kv_split(s, &kv, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(kv[i].key, "IgnoreUnknown") == 0 && parse_bool(kv[i].value, &ignore) < 0) {
			r = cni_fail(err, CNI_ERR_INVALID_ENV, -EINVAL,
				     "CNI_ARGS: IgnoreUnknown must be 1, 0, true or false, not \"%s\"", kv[i].value);
			cni_kv_free(kv, n);
			return r;
		}
		if (!known_key(known, kv[i].key)) {
			size_t len = strlen(unknown);

			snprintf(unknown + len, sizeof(unknown) - len, "%s\"%s\"", len ? " " : "", kv[i].key);
		}
	}
	if (unknown[0] && !ignore) {
		cni_kv_free(kv, n);
		return cni_fail(err, CNI_ERR_INVALID_ENV, -EINVAL,
				"CNI_ARGS: unknown args [%s] (set IgnoreUnknown=1 to allow them)", unknown);
	}
	*ret = kv;
	*ret_n = n;
	return 0;
}

const char *cni_args_get(const struct cni_args *a, const char *key)
{
	for (size_t i = a->n_kv; i > 0; i--)
		if (strcmp(a->kv[i - 1].key, key) == 0)
			return a->kv[i - 1].value;
	return NULL;
}

/* ---- output ---- */

static int emit(json_t *j)
{
	int r = json_dumpf(j, stdout, JSON_INDENT(4));

	fputc('\n', stdout);
	return fflush(stdout) == 0 && r == 0 ? 0 : -EIO;
}

static int emit_error(const struct run *run, const struct cni_error *e)
{
	_cleanup_json_ json_t *j = json_object();

	if (!j)
		return 1;
	json_object_set_new(j, "cniVersion", json_string(run->version_label));
	json_object_set_new(j, "code", json_integer(e->code ? e->code : CNI_ERR_INTERNAL));
	json_object_set_new(j, "msg", cni_json_string(e->msg[0] ? e->msg : "unknown error"));
	if (e->details[0])
		json_object_set_new(j, "details", cni_json_string(e->details));
	(void)emit(j);
	return 1;
}

static void print_about(const struct cni_plugin *p)
{
	fprintf(stderr, "CNI %s plugin %s\n", p->name, CNI_SUITE_VERSION);
	if (p->description)
		fprintf(stderr, "%s\n", p->description);
	fprintf(stderr, "CNI protocol versions supported:");
	for (int v = 0; v < _CNI_VERSION_MAX; v++)
		fprintf(stderr, "%s %s", v ? "," : "", cni_version_str(v));
	fputc('\n', stderr);
}

static int emit_version(const struct run *run)
{
	_cleanup_json_ json_t *j = json_object(), *list = json_array();
	int v = -EINVAL;

	if (run->conf)
		v = cni_version_parse(json_string_value(json_object_get(run->conf, "cniVersion")));
	if (!j || !list)
		return -ENOMEM;
	for (int i = 0; i < _CNI_VERSION_MAX; i++)
		json_array_append_new(list, json_string(cni_version_str(i)));
	json_object_set_new(j, "cniVersion", json_string(cni_version_str(v >= 0 ? v : CNI_VERSION_LATEST)));
	json_object_set(j, "supportedVersions", list);
	return emit(j);
}

/* ---- steps ---- */

static int read_stdin(struct run *run, struct cni_error *err)
{
	size_t len = 0;
	int r;

	/* Nobody types a config: a terminal on stdin is read as empty. */
	if (isatty(STDIN_FILENO)) {
		run->input = calloc(1, 1);
		r = run->input ? 0 : -ENOMEM;
	} else {
		r = io_read_alloc(STDIN_FILENO, STDIN_MAX, &run->input, &len);
	}
	if (r == -EFBIG)
		return cni_fail(err, CNI_ERR_IO, r, "config on stdin exceeds %u bytes", STDIN_MAX);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_IO, r, "error reading from stdin");
	run->a.stdin_data = run->input;
	run->a.stdin_len = len;
	return 0;
}

static int check_env(struct run *run, struct cni_error *err)
{
	char missing[200] = "";
	const char *why;

	for (size_t i = 0; i < ELEMENTSOF(env_rules); i++) {
		const char *v = getenv(env_rules[i].name);

		if (v && !*v)
			v = NULL;
		*(const char **)((char *)&run->a + env_rules[i].offset) = v;
		if (!v && (env_rules[i].required & M(run->a.cmd))) {
			size_t len = strlen(missing);

			snprintf(missing + len, sizeof(missing) - len, "%s%s", len ? "," : "", env_rules[i].name);
		}
	}
	if (missing[0])
		return cni_fail(err, CNI_ERR_INVALID_ENV, -EINVAL, "required env variables [%s] missing", missing);
	if (!(M_ACD & M(run->a.cmd)))
		return 0;
	if (!cni_valid_container_id(run->a.container_id))
		return cni_fail(err, CNI_ERR_INVALID_ENV, -EINVAL,
				"CNI_CONTAINERID \"%s\" has invalid characters: it must match "
				"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$",
				run->a.container_id);
	if (!cni_valid_ifname(run->a.ifname, &why))
		return cni_fail(err, CNI_ERR_INVALID_ENV, -EINVAL, "CNI_IFNAME \"%s\" %s", run->a.ifname, why);
	return 0;
}

static int load_conf(struct run *run, struct cni_error *err)
{
	const json_t *jv;
	int r, v;

	r = conf_load(run->a.stdin_data, run->a.stdin_len, "network config", &run->conf, err);
	if (r < 0)
		return r;
	jv = json_object_get(run->conf, "cniVersion");
	if (jv && !json_is_null(jv) && !json_is_string(jv))
		return cni_fail(err, CNI_ERR_DECODE, -EINVAL, "\"cniVersion\" must be a string");
	/* A config without cniVersion is 0.1.0, as in libcni. */
	v = jv && json_string_length(jv) ? cni_version_parse(json_string_value(jv)) : CNI_V010;
	if (v < 0) {
		run->version_label = json_string_value(jv);
		r = cni_fail(err, CNI_ERR_INCOMPATIBLE_VERSION, -EINVAL, "incompatible CNI versions");
		snprintf(err->details, sizeof(err->details),
			 "config is \"%s\", plugin supports [0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0]",
			 json_string_value(jv));
		return r;
	}
	run->a.version = v;
	run->version_label = cni_version_str(v);
	run->a.conf = run->conf;
	if ((run->a.cmd == CNI_CMD_CHECK && v < CNI_V040) ||
	    ((run->a.cmd == CNI_CMD_GC || run->a.cmd == CNI_CMD_STATUS) && v < CNI_V110))
		return cni_fail(err, CNI_ERR_INCOMPATIBLE_VERSION, -EINVAL, "config version %s does not allow %s",
				cni_version_str(v), cmd_names[run->a.cmd]);
	jv = json_object_get(run->conf, "name");
	if (!json_is_string(jv) || json_string_length(jv) == 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "missing network name (\"name\")");
	if (!cni_valid_network_name(json_string_value(jv)))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL,
				"invalid network name \"%s\": it must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$",
				json_string_value(jv));
	run->a.name = json_string_value(jv);
	return 0;
}

static int open_netns(struct run *run, struct cni_error *err)
{
	const char *ov = getenv("CNI_NETNS_OVERRIDE");
	int r;

	if (!run->a.netns || !(M_ACD & M(run->a.cmd)))
		return 0;
	r = netns_open(run->a.netns, &run->netns_fd);
	if (r < 0) {
		if (run->a.cmd == CNI_CMD_DEL)
			return 0; /* gone, empty or not a namespace: DEL still releases what it can */
		if (r == -ENOENT)
			return cni_fail(err, CNI_ERR_UNKNOWN_CONTAINER, r,
					"CNI_NETNS \"%s\" does not exist: the container is gone", run->a.netns);
		if (r == -EINVAL)
			return cni_fail(err, CNI_ERR_INVALID_ENV, r, "CNI_NETNS \"%s\" is not a network namespace",
					run->a.netns);
		return cni_fail_errno(err, CNI_ERR_INVALID_ENV, r, "cannot open CNI_NETNS \"%s\"", run->a.netns);
	}
	run->a.netns_fd = run->netns_fd;
	if (run->a.cmd == CNI_CMD_CHECK || (ov && (strcmp(ov, "1") == 0 || strcasecmp(ov, "true") == 0)))
		return 0;
	r = netns_is_current(run->netns_fd);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "cannot compare CNI_NETNS with the own namespace");
	if (r > 0)
		return cni_fail(err, CNI_ERR_INVALID_NETNS, -EINVAL,
				"plugin's netns and netns from CNI_NETNS (\"%s\") should not be the same",
				run->a.netns);
	return 0;
}

static int load_prev(struct run *run, struct cni_error *err)
{
	const json_t *p = json_object_get(run->conf, "prevResult");
	int r;

	if (!p || json_is_null(p))
		return 0;
	/* DEL must clean up whatever state the runtime's cache is in: a prevResult it cannot
	 * parse is ignored there (no plugin needs it to delete). */
	if (run->a.cmd == CNI_CMD_DEL) {
		struct cni_error ignored = {0};

		if (cni_result_parse(p, run->a.version, "prevResult", &run->prev, &ignored) < 0)
			return 0;
		goto done;
	}
	r = cni_result_parse(p, run->a.version, "prevResult", &run->prev, err);
	if (r < 0)
		return r;
done:
	run->has_prev = true;
	run->a.prev = &run->prev;
	return 0;
}

static int do_add(const struct cni_plugin *p, struct run *run, struct cni_error *err)
{
	_cleanup_(cni_result_done) struct cni_result res = {0};
	_cleanup_json_ json_t *out = NULL;
	int r;

	r = p->add(&run->a, &res, err);
	if (r < 0)
		return r;
	out = cni_result_to_json(&res, run->a.version, err);
	if (!out) {
		struct cni_error ignored = {0};

		/* The attachment cannot be reported: undo it rather than leave it unknown. */
		if (p->del)
			(void)p->del(&run->a, &ignored);
		return -EINVAL;
	}
	r = emit(out);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_IO, r, "cannot write the result to stdout");
	return 0;
}

static int dispatch(const struct cni_plugin *p, struct run *run, struct cni_error *err)
{
	switch (run->a.cmd) {
	case CNI_CMD_ADD:
		return do_add(p, run, err);
	case CNI_CMD_DEL:
		return p->del ? p->del(&run->a, err) : 0;
	case CNI_CMD_CHECK:
		return p->check ? p->check(&run->a, err) : 0;
	case CNI_CMD_GC:
		return p->gc ? p->gc(&run->a, err) : 0;
	case CNI_CMD_STATUS:
		return p->status ? p->status(&run->a, err) : 0;
	default:
		return emit_version(run);
	}
}

static int parse_command(const char *s)
{
	for (int c = 0; c < _CNI_CMD_MAX; c++)
		if (strcmp(s, cmd_names[c]) == 0)
			return c;
	return -EINVAL;
}

static int run_plugin(const struct cni_plugin *p, struct run *run, struct cni_error *err)
{
	int cmd, r;

	cmd = parse_command(run->a.command);
	if (cmd < 0)
		return cni_fail(err, CNI_ERR_INVALID_ENV, -EINVAL,
				"unknown CNI_COMMAND: %s (expected ADD, DEL, CHECK, GC, STATUS or VERSION)",
				run->a.command);
	run->a.cmd = cmd;
	r = read_stdin(run, err);
	if (r < 0)
		return r;
	if (cmd == CNI_CMD_VERSION) {
		struct cni_error ignored = {0};

		/* VERSION tolerates any stdin: it only echoes a valid cniVersion. */
		(void)conf_load(run->a.stdin_data, run->a.stdin_len, "config", &run->conf, &ignored);
		return emit_version(run);
	}
	r = load_conf(run, err);
	if (r < 0)
		return r;
	r = check_env(run, err);
	if (r < 0)
		return r;
	if ((M_ACD & M(cmd)) && p->args_keys) {
		r = cni_kv_parse(run->a.args, p->args_keys, &run->kv, &run->n_kv, err);
		if (r < 0)
			return r;
		run->a.kv = run->kv;
		run->a.n_kv = run->n_kv;
	}
	if (!p->is_ipam) {
		r = open_netns(run, err);
		if (r < 0)
			return r;
	}
	r = load_prev(run, err);
	if (r < 0)
		return r;
	return dispatch(p, run, err);
}

const struct cni_plugin *skel_find(const struct skel_suite *suite, const char *name)
{
	for (size_t i = 0; suite && name && i < suite->n; i++)
		if (strcmp(suite->plugins[i]->name, name) == 0)
			return suite->plugins[i];
	return NULL;
}

int skel_call(const struct cni_plugin *p, const struct cni_args *a, enum cni_cmd cmd, struct cni_result *ret,
	      struct cni_error *err)
{
	_cleanup_(cni_result_done) struct cni_result res = {0};
	_cleanup_json_ json_t *out = NULL;
	struct cni_kv *kv = NULL;
	struct cni_args b = *a;
	size_t n_kv = 0;
	int r;

	b.cmd = cmd;
	b.command = cmd_names[cmd];
	b.kv = NULL;
	b.n_kv = 0;
	if (p->is_ipam)
		b.netns_fd = -1;
	if ((M_ACD & M(cmd)) && p->args_keys) {
		r = cni_kv_parse(a->args, p->args_keys, &kv, &n_kv, err);
		if (r < 0)
			return r;
		b.kv = kv;
		b.n_kv = n_kv;
	}
	switch (cmd) {
	case CNI_CMD_ADD:
		r = p->add(&b, &res, err);
		/* Through the wire format of the version, as a separate process would. */
		if (r >= 0 && !(out = cni_result_to_json(&res, a->version, err)))
			r = -EINVAL;
		if (r >= 0 && ret)
			r = cni_result_parse(out, a->version, p->name, ret, err);
		break;
	case CNI_CMD_DEL:
		r = p->del ? p->del(&b, err) : 0;
		break;
	case CNI_CMD_CHECK:
		r = p->check ? p->check(&b, err) : 0;
		break;
	case CNI_CMD_GC:
		r = p->gc ? p->gc(&b, err) : 0;
		break;
	case CNI_CMD_STATUS:
		r = p->status ? p->status(&b, err) : 0;
		break;
	default:
		r = -EINVAL;
	}
	cni_kv_free(kv, n_kv);
	return r;
}

static void print_names(const struct skel_suite *suite)
{
	for (size_t i = 0; i < suite->n; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", suite->plugins[i]->name);
	fputc('\n', stderr);
}

int skel_main(const struct skel_suite *suite, int argc, char **argv)
{
	struct run run = {.netns_fd = -1, .version_label = cni_version_str(CNI_VERSION_LATEST)};
	const char *self = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
	const struct cni_plugin *p;
	struct cni_error err = {0};
	int r;

	self = self ? self + 1 : argc > 0 ? argv[0] : NULL;
	p = skel_find(suite, self);
	if (!p) {
		fprintf(stderr, "cni-c %s: run this program through a link named after its plugin: ",
			CNI_SUITE_VERSION);
		print_names(suite);
		return 1;
	}
	run.a.suite = suite;
	run.a.netns_fd = -1;
	/* A delegate that exits early must not kill us through a write to its stdin. */
	signal(SIGPIPE, SIG_IGN);
	run.a.command = getenv("CNI_COMMAND");
	if (!run.a.command || !*run.a.command) {
		print_about(p);
		return 0;
	}
	r = run_plugin(p, &run, &err);
	if (r < 0)
		r = emit_error(&run, &err);
	run_done(&run);
	return r;
}
