/* allocator.h: host-local range sets and the round-robin allocator (private to host-local).
 *
 * A range set is a list of canonical ranges (config.c fills in the defaults); it yields one
 * IP per ADD. Iteration order is the reference plugin's, so that switching binaries keeps
 * the same sequence. alloc_get() runs under the store's lock and fills a struct cni_error
 * (code 999, the reference's messages) on failure; everything else is pure.
 */
#ifndef CNI_HOSTLOCAL_ALLOCATOR_H
#define CNI_HOSTLOCAL_ALLOCATOR_H

#include <stdbool.h>
#include <stddef.h>

#include "cni.h"
#include "ipnet.h"

struct store;

struct alloc_range {
	struct ipnet subnet;	   /* network address and prefix */
	struct ipnet_addr start;   /* first allocatable address, inclusive */
	struct ipnet_addr end;	   /* last allocatable address, inclusive */
	struct ipnet_addr gateway; /* skipped while iterating */
};

struct alloc_rangeset {
	struct alloc_range *ranges;
	size_t n;
};

/* "start-end,start-end" as the reference prints a range set in its messages. */
#define ALLOC_SET_STRLEN 512
char *alloc_rangeset_fmt(const struct alloc_rangeset *s, char buf[static ALLOC_SET_STRLEN]);

bool alloc_range_contains(const struct alloc_range *r, const struct ipnet_addr *a);
bool alloc_range_overlaps(const struct alloc_range *a, const struct alloc_range *b);
/* The range of s holding a, or NULL. */
const struct alloc_range *alloc_rangeset_find(const struct alloc_rangeset *s, const struct ipnet_addr *a);
bool alloc_rangeset_overlaps(const struct alloc_rangeset *a, const struct alloc_rangeset *b);

/* Round-robin iterator. It starts after `last` when the set contains it, else at the first
 * range's start; it wraps from a range's end to the next range's start, skips gateways and
 * stops when it is back where it started. */
struct alloc_iter {
	const struct alloc_rangeset *set;
	size_t idx;
	struct ipnet_addr cur;	 /* family 0: not started */
	struct ipnet_addr first; /* family 0: not known yet */
	bool done;
};

void alloc_iter_init(struct alloc_iter *it, const struct alloc_rangeset *s, const struct ipnet_addr *last);
/* Next candidate into *ret and its range; NULL when the set has been walked once. */
const struct alloc_range *alloc_iter_next(struct alloc_iter *it, struct ipnet_addr *ret);

/* Reserve one IP of range set `idx` for (id, ifname): the requested one when `req` is not
 * NULL (it must lie in the set), else the next free one in round-robin order. */
int alloc_get(struct store *st, const struct alloc_rangeset *s, unsigned idx, const char *id,
	      const char *ifname, const struct ipnet_addr *req, struct cni_ip *ret, struct cni_error *err);

#endif
