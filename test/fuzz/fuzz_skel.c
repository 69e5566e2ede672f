/* fuzz_skel: what every plugin does with its stdin before acting: skel's config loading
 * (size and container limits, cniVersion, the command's version gate, the network name),
 * CNI_ARGS (after a NUL byte in the input), prevResult, VERSION, and the one JSON
 * document written on stdout. The command is picked by the input's length.
 * Properties: whatever the input, stdout is exactly one JSON object: an error
 * {cniVersion, code, msg[, details]} with a known code, a VERSION answer, or (ADD with a
 * prevResult, as loopback does) the prevResult in the config's version. */
#include "fuzz.h"

#include "../../pkg/skel.c"

static const char *const keys[] = {"IP", "MAC", NULL};

static void check_output(const char *out, size_t len, enum cni_cmd cmd, bool failed)
{
	json_error_t je;
	json_t *j = json_loadb(out, len, 0, &je);
	static const unsigned codes[] = {1, 2, 3, 4, 5, 6, 7, 8, 11, 50, 51, 999};
	bool known = false;

	FUZZ_CHECK(j && json_is_object(j), "stdout is not one JSON object (%s): %.*s", je.text, (int)len, out);
	FUZZ_CHECK(json_is_string(json_object_get(j, "cniVersion")), "no cniVersion: %.*s", (int)len, out);
	if (failed) {
		const json_t *code = json_object_get(j, "code");

		for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
			known |= json_integer_value(code) == codes[i];
		FUZZ_CHECK(known && json_is_string(json_object_get(j, "msg")), "bad error object: %.*s", (int)len, out);
	} else if (cmd == CNI_CMD_VERSION) {
		FUZZ_CHECK(json_array_size(json_object_get(j, "supportedVersions")) == _CNI_VERSION_MAX, "VERSION: %.*s",
			   (int)len, out);
	}
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum cni_cmd cmds[] = {CNI_CMD_ADD, CNI_CMD_DEL, CNI_CMD_CHECK, CNI_CMD_GC, CNI_CMD_STATUS,
					    CNI_CMD_VERSION};
	size_t len = strnlen((const char *)data, size);
	char *args = len < size ? fuzz_str(data + len + 1, size - len - 1) : NULL;
	struct run run = {.netns_fd = -1, .version_label = cni_version_str(CNI_VERSION_LATEST)};
	struct cni_error err = {0};
	FILE *saved = stdout, *ms;
	char *out = NULL;
	size_t out_len = 0;
	bool failed = false;
	int r;

	ms = open_memstream(&out, &out_len);
	if (!ms)
		abort();
	stdout = ms;
	run.a.netns_fd = -1;
	run.a.cmd = cmds[size % (sizeof(cmds) / sizeof(cmds[0]))];
	run.a.command = cmd_names[run.a.cmd];
	run.input = malloc(len + 1);
	memcpy(run.input, data, len);
	run.input[len] = '\0';
	run.a.stdin_data = run.input;
	run.a.stdin_len = len;
	if (run.a.cmd == CNI_CMD_VERSION) {
		struct cni_error ignored = {0};

		(void)conf_load(run.a.stdin_data, run.a.stdin_len, "config", &run.conf, &ignored);
		r = emit_version(&run);
		FUZZ_CHECK(r == 0, "VERSION failed");
		goto done;
	}
	r = load_conf(&run, &err);
	if (r >= 0)
		r = check_env(&run, &err);
	if (r >= 0 && args) {
		r = cni_kv_parse(args, keys, &run.kv, &run.n_kv, &err);
		run.a.kv = run.kv;
		run.a.n_kv = run.n_kv;
	}
	if (r >= 0)
		r = load_prev(&run, &err);
	if (r >= 0 && run.a.cmd == CNI_CMD_ADD && run.a.prev) {
		json_t *res = cni_result_to_json(run.a.prev, run.a.version, &err);

		if (res)
			r = emit(res);
		else
			r = -EINVAL;
		json_decref(res);
	}
	if (r < 0) {
		FUZZ_CHECK(err.code != 0, "failure without an error recorded");
		failed = true;
		emit_error(&run, &err);
	} else if (out_len == 0 && !(run.a.cmd == CNI_CMD_ADD && run.a.prev)) {
		/* Nothing printed yet (the plugin would act now): say so as a result would. */
		json_t *ok = json_pack("{s:s}", "cniVersion", run.version_label);

		(void)emit(ok);
		json_decref(ok);
	}
done:
	fflush(ms);
	stdout = saved;
	fclose(ms);
	check_output(out, out_len, run.a.cmd, failed);
	free(out);
	run_done(&run);
	free(args);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* A runtime's environment; CNI_ARGS comes from the input. */
	setenv("CNI_CONTAINERID", "fuzz-container", 1);
	setenv("CNI_NETNS", "/run/netns/fuzz", 1);
	setenv("CNI_IFNAME", "eth0", 1);
	setenv("CNI_PATH", "/opt/cni/bin", 1);
	return 0;
}
