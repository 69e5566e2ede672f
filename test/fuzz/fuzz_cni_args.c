/* fuzz_cni_args: CNI_ARGS ("K=V;K=V", from the runtime's environment), as skel parses it
 * for each plugin's set of known keys.
 * Properties: a string that parses gives pairs that, joined again with '=' and ';',
 * parse to the same pairs (in order); errors are code 4 with a message; the unknown-key
 * rule holds (a result with an unknown key implies IgnoreUnknown was true). */
#include "fuzz.h"

#include <strings.h>

#include "skel.h"

static const char *const known_sets[][3] = {{"IP", NULL}, {"MAC", NULL}, {NULL}};

static bool is_known(const char *const *known, const char *k)
{
	if (strcmp(k, "IgnoreUnknown") == 0)
		return true;
	for (; *known; known++)
		if (strcmp(*known, k) == 0)
			return true;
	return false;
}

static void check(const char *s, const char *const *known)
{
	struct cni_kv *kv = NULL, *kv2 = NULL;
	size_t n = 0, n2 = 0, len = 0;
	struct cni_error err = {0}, err2 = {0};
	bool ignore = false;
	char *joined;

	if (cni_kv_parse(s, known, &kv, &n, &err) < 0) {
		FUZZ_CHECK(err.code == CNI_ERR_INVALID_ENV && err.msg[0], "error without code 4 / message: %u", err.code);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(kv[i].key[0] && !strchr(kv[i].key, '=') && !strchr(kv[i].key, ';'), "bad key \"%s\"", kv[i].key);
		FUZZ_CHECK(!strchr(kv[i].value, '=') && !strchr(kv[i].value, ';'), "bad value \"%s\"", kv[i].value);
		if (strcmp(kv[i].key, "IgnoreUnknown") == 0)
			ignore = strcmp(kv[i].value, "1") == 0 || strcasecmp(kv[i].value, "true") == 0;
		len += strlen(kv[i].key) + strlen(kv[i].value) + 2;
	}
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(ignore || is_known(known, kv[i].key), "unknown key \"%s\" accepted", kv[i].key);
	joined = malloc(len + 1);
	joined[0] = '\0';
	for (size_t i = 0, off = 0; i < n; i++)
		off += (size_t)sprintf(joined + off, "%s=%s%s", kv[i].key, kv[i].value, i + 1 < n ? ";" : "");
	FUZZ_CHECK(cni_kv_parse(joined, known, &kv2, &n2, &err2) == 0, "\"%s\" re-joined as \"%s\" fails: %s", s, joined,
		   err2.msg);
	FUZZ_CHECK(n == n2, "%zu pairs, then %zu", n, n2);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(!strcmp(kv[i].key, kv2[i].key) && !strcmp(kv[i].value, kv2[i].value), "pair %zu differs", i);
	free(joined);
	cni_kv_free(kv, n);
	cni_kv_free(kv2, n2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);

	for (size_t k = 0; k < sizeof(known_sets) / sizeof(known_sets[0]); k++)
		check(s, known_sets[k]);
	free(s);
	return 0;
}
