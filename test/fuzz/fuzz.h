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

/* How many bytes the next read of a stream takes, so that a harness can cut its input
 * into reads from a seed (0: one read of everything); *x is the generator's state,
 * start it at fuzz_cut_init(seed). */
static inline unsigned fuzz_cut_init(unsigned seed)
{
	return seed * 2654435761u + 1;
}

static inline size_t fuzz_cut(unsigned *x, unsigned seed, size_t left)
{
	size_t k;

	if (!seed)
		return left;
	*x = *x * 1103515245u + 12345u;
	k = 1 + (*x >> 16) % (seed % 31 + 1);
	return k < left ? k : left;
}

#ifdef FUZZ_NETLINK
#include <libmnl/libmnl.h>

#include "nl.h"

/* Each netlink message of the input, as nl_call() and nl_wait() let datagrams through
 * (nl_msgs_check), in a heap buffer of exactly its length, to one(). */
static inline void fuzz_each_nlmsg(const uint8_t *data, size_t size, void (*one)(const struct nlmsghdr *))
{
	int len = (int)(size > 65536 ? 65536 : size);
	const struct nlmsghdr *h;
	static _Alignas(struct nlmsghdr) uint8_t aligned[65536];

	if (nl_msgs_check(data, (size_t)len) < 0)
		return;
	memcpy(aligned, data, (size_t)len);
	for (h = (const void *)aligned; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
		struct nlmsghdr *copy = malloc(h->nlmsg_len);

		if (!copy)
			abort();
		memcpy(copy, h, h->nlmsg_len);
		one(copy);
		free(copy);
	}
}
#endif

#endif
