/* fuzz.h: what every libFuzzer harness in test/fuzz/ shares.
 *
 * A harness is one file, test/fuzz/fuzz_<name>.c, defining LLVMFuzzerTestOneInput(); its
 * seed corpus is test/fuzz/corpus/<name>/ (see test/fuzz/README.md). Harnesses check
 * properties, not only the absence of crashes: FUZZ_CHECK aborts with a message, which
 * libFuzzer reports as a crash with the input saved.
 */
#ifndef CNI_TEST_FUZZ_H
#define CNI_TEST_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                              \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "fuzz: %s:%d: property violated: %s\nfuzz: ", __FILE__, \
				__LINE__, #cond);                                          \
			fprintf(stderr, __VA_ARGS__);                                      \
			fputc('\n', stderr);                                               \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* The input as a NUL-terminated heap string (bytes after an embedded NUL are kept but
 * invisible to C string functions). Free it. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Split s (modified in place) at every occurrence of sep into at most max parts; returns
 * how many. "a<sep>b" gives "a", "b". */
static inline size_t fuzz_split(char *s, const char *sep, char **parts, size_t max)
{
	size_t n = 0, l = strlen(sep);

	while (s && n < max) {
		char *e = n + 1 < max ? strstr(s, sep) : NULL;

		parts[n++] = s;
		if (!e)
			break;
		*e = '\0';
		s = e + l;
	}
	return n;
}

#endif
