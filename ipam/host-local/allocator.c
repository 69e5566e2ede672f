/* allocator.c: range arithmetic and the reference's round-robin order. */
#include "allocator.h"

#include <stdio.h>
#include <string.h>

#include "store.h"

char *alloc_rangeset_fmt(const struct alloc_rangeset *s, char buf[static ALLOC_SET_STRLEN])
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n && off < ALLOC_SET_STRLEN; i++) {
		char a[IPNET_STRLEN], b[IPNET_STRLEN];
		int n;

		n = snprintf(buf + off, ALLOC_SET_STRLEN - off, "%s%s-%s", i ? "," : "",
			     ipnet_addr_fmt(&s->ranges[i].start, a), ipnet_addr_fmt(&s->ranges[i].end, b));
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

bool alloc_range_contains(const struct alloc_range *r, const struct ipnet_addr *a)
{
	return a->family == r->subnet.ip.family && ipnet_contains(&r->subnet, a) &&
	       ipnet_addr_cmp(a, &r->start) >= 0 && ipnet_addr_cmp(a, &r->end) <= 0;
}

bool alloc_range_overlaps(const struct alloc_range *a, const struct alloc_range *b)
{
	if (a->start.family != b->start.family)
		return false;
	return alloc_range_contains(a, &b->start) || alloc_range_contains(a, &b->end) ||
	       alloc_range_contains(b, &a->start) || alloc_range_contains(b, &a->end);
}

const struct alloc_range *alloc_rangeset_find(const struct alloc_rangeset *s, const struct ipnet_addr *a)
{
	for (size_t i = 0; i < s->n; i++)
		if (alloc_range_contains(&s->ranges[i], a))
			return &s->ranges[i];
	return NULL;
}

bool alloc_rangeset_overlaps(const struct alloc_rangeset *a, const struct alloc_rangeset *b)
{
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			if (alloc_range_overlaps(&a->ranges[i], &b->ranges[j]))
				return true;
	return false;
}

void alloc_iter_init(struct alloc_iter *it, const struct alloc_rangeset *s, const struct ipnet_addr *last)
{
	*it = (struct alloc_iter){.set = s};
	/* The last reserved IP may be stale (range sets changed): then start over. */
	for (size_t i = 0; last && i < s->n; i++)
		if (alloc_range_contains(&s->ranges[i], last)) {
			it->idx = i;
			it->cur = *last; /* the first candidate is last + 1 */
			return;
		}
	it->first = s->ranges[0].start;
}

const struct alloc_range *alloc_iter_next(struct alloc_iter *it, struct ipnet_addr *ret)
{
	while (!it->done) {
		const struct alloc_range *r = &it->set->ranges[it->idx];

		if (!it->cur.family) {
			/* Fresh start: rangeStart itself is the first candidate. */
			it->cur = r->start;
			it->first = it->cur;
		} else {
			if (ipnet_addr_eq(&it->cur, &r->end)) {
				it->idx = (it->idx + 1) % it->set->n;
				r = &it->set->ranges[it->idx];
				it->cur = r->start;
			} else {
				ipnet_addr_add(&it->cur, 1);
			}
			if (!it->first.family) {
				it->first = it->cur;
			} else if (ipnet_addr_eq(&it->cur, &it->first)) {
				it->done = true;
				break;
			}
		}
		if (ipnet_addr_eq(&it->cur, &r->gateway))
			continue;
		*ret = it->cur;
		return r;
	}
	return NULL;
}

static void fill(struct cni_ip *ret, const struct alloc_range *r, const struct ipnet_addr *ip)
{
	*ret = (struct cni_ip){
		.address = {.ip = *ip, .prefix = r->subnet.prefix},
		.gateway = r->gateway,
		.iface = -1,
	};
}

static int get_requested(struct store *st, const struct alloc_rangeset *s, unsigned idx, const char *id,
			 const char *ifname, const struct ipnet_addr *req, struct cni_ip *ret,
			 struct cni_error *err)
{
	const struct alloc_range *r = alloc_rangeset_find(s, req);
	char ip[IPNET_STRLEN], set[ALLOC_SET_STRLEN], why[STORE_ERRLEN];
	int k;

	ipnet_addr_fmt(req, ip);
	if (!r)
		return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL,
				"failed to allocate for range %u: %s not in range set %s", idx, ip,
				alloc_rangeset_fmt(s, set));
	if (ipnet_addr_eq(req, &r->gateway))
		return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL,
				"failed to allocate for range %u: requested ip %s is subnet's gateway", idx,
				ip);
	k = store_reserve(st, id, ifname, req, idx);
	if (k < 0)
		return cni_fail(err, CNI_ERR_INTERNAL, k, "failed to allocate for range %u: cannot reserve %s: %s",
				idx, ip, store_strerror(st, k, why));
	if (k == 0)
		return cni_fail(err, CNI_ERR_INTERNAL, -EADDRINUSE,
				"failed to allocate for range %u: requested IP address %s is not available in "
				"range set %s",
				idx, ip, alloc_rangeset_fmt(s, set));
	fill(ret, r, req);
	return 0;
}

/* The spec forbids a second ADD of the same attachment: refuse, as the reference does. */
static int check_duplicate(struct store *st, const struct alloc_rangeset *s, unsigned idx, const char *id,
			   const char *ifname, struct cni_error *err)
{
	_cleanup_free_ struct ipnet_addr *held = NULL;
	size_t n = 0;
	int k;

	k = store_get_by_id(st, id, ifname, &held, &n);
	if (k < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, k,
				      "failed to allocate for range %u: cannot read the store", idx);
	for (size_t i = 0; i < n; i++) {
		char ip[IPNET_STRLEN];

		if (alloc_rangeset_find(s, &held[i]))
			return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL,
					"failed to allocate for range %u: %s has been allocated to %s, "
					"duplicate allocation is not allowed",
					idx, ipnet_addr_fmt(&held[i], ip), id);
	}
	return 0;
}

int alloc_get(struct store *st, const struct alloc_rangeset *s, unsigned idx, const char *id,
	      const char *ifname, const struct ipnet_addr *req, struct cni_ip *ret, struct cni_error *err)
{
	const struct alloc_range *r;
	struct alloc_iter it;
	struct ipnet_addr last, ip;
	char set[ALLOC_SET_STRLEN];
	int k;

	if (req)
		return get_requested(st, s, idx, id, ifname, req, ret, err);
	k = check_duplicate(st, s, idx, id, ifname, err);
	if (k < 0)
		return k;
	k = store_last_reserved(st, idx, &last);
	if (k < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, k,
				      "failed to allocate for range %u: cannot read "
				      "last_reserved_ip.%u",
				      idx, idx);
	alloc_iter_init(&it, s, k > 0 ? &last : NULL);
	while ((r = alloc_iter_next(&it, &ip))) {
		char buf[IPNET_STRLEN], why[STORE_ERRLEN];

		k = store_reserve(st, id, ifname, &ip, idx);
		if (k < 0)
			return cni_fail(err, CNI_ERR_INTERNAL, k,
					"failed to allocate for range %u: cannot reserve %s: %s", idx,
					ipnet_addr_fmt(&ip, buf), store_strerror(st, k, why));
		if (k > 0) {
			fill(ret, r, &ip);
			return 0;
		}
	}
	/* 999 like the reference: exhaustion is not "try again later" (code 11). */
	return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL,
			"failed to allocate for range %u: no IP addresses available in range set: %s", idx,
			alloc_rangeset_fmt(s, set));
}
