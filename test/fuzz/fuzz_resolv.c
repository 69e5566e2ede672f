/* fuzz_resolv: host-local's resolvConf reader (nameserver, domain, search, options; '#'
 * and ';' comment lines), over a file holding the input.
 * Properties: the DNS object it gives, written back as a resolv.conf, reads back as the
 * same object; every value is a non-empty string without blanks; reading never fails on
 * content (only on I/O). */
#include "fuzz.h"

#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

static int fd = -1;

static int read_dns(const char *text, size_t len, json_t **ret)
{
	char path[64];

	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, len, 0) != (ssize_t)len)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return config_resolv_conf(path, ret);
}

static void check_values(const json_t *dns)
{
	const char *key;
	json_t *v;

	json_object_foreach ((json_t *)dns, key, v) {
		size_t i;
		json_t *e;

		if (json_is_string(v)) {
			FUZZ_CHECK(json_string_length(v) && !strpbrk(json_string_value(v), " \t\n\r\v\f"), "%s value", key);
			continue;
		}
		FUZZ_CHECK(json_is_array(v), "%s is neither string nor list", key);
		json_array_foreach (v, i, e)
			FUZZ_CHECK(json_is_string(e) && json_string_length(e) && !strpbrk(json_string_value(e), " \t\n\r\v\f"),
				   "%s[%zu]", key, i);
	}
}

/* One line per kind, in the reader's terms. */
static char *write_back(const json_t *dns, size_t *ret_len)
{
	static const char *const lists[] = {"nameservers", "search", "options"};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (size_t k = 0; k < 3; k++) {
		const json_t *a = json_object_get(dns, lists[k]);
		size_t i;
		json_t *e;

		json_array_foreach (a, i, e) {
			if (k == 0)
				fprintf(f, "nameserver %s\n", json_string_value(e));
			else
				fprintf(f, "%s%s %s", i ? "" : (k == 1 ? "search" : "options"), "", json_string_value(e));
		}
		if (k > 0 && json_array_size(a))
			fputc('\n', f);
	}
	if (json_object_get(dns, "domain"))
		fprintf(f, "domain %s\n", json_string_value(json_object_get(dns, "domain")));
	fclose(f);
	*ret_len = len;
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *dns = NULL, *again = NULL;
	char *text;
	size_t len;
	int r;

	if (fd < 0 && (fd = memfd_create("resolv.conf", MFD_CLOEXEC)) < 0)
		abort();
	r = read_dns((const char *)data, size, &dns);
	FUZZ_CHECK(r == 0, "reading failed: %d", r);
	if (!dns)
		return 0;
	check_values(dns);
	text = write_back(dns, &len);
	FUZZ_CHECK(read_dns(text, len, &again) == 0 && again, "written back, it reads as nothing: %s", text);
	FUZZ_CHECK(json_equal(dns, again), "written back as\n%s\nit reads differently", text);
	free(text);
	json_decref(dns);
	json_decref(again);
	return 0;
}
