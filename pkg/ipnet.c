/* ipnet.c: address arithmetic, parsing and Go-compatible formatting. */
#include "ipnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is IPv4, as in Go's net.ParseIP. */
static void addr_unmap(struct ipnet_addr *a)
{
	static const uint8_t prefix[12] = {[10] = 0xff, [11] = 0xff};

	if (a->family == AF_INET6 && memcmp(a->a, prefix, sizeof(prefix)) == 0) {
		memmove(a->a, a->a + 12, 4);
		memset(a->a + 4, 0, 12);
		a->family = AF_INET;
	}
}

int ipnet_addr_parse(const char *s, struct ipnet_addr *ret)
{
	struct ipnet_addr a = {0};

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, a.a) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.a) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	addr_unmap(&a);
	*ret = a;
	return 0;
}

int ipnet_parse(const char *s, bool allow_bare, struct ipnet *ret)
{
	char buf[IPNET_STRLEN];
	struct ipnet n = {0};
	const char *slash;
	char *end;
	unsigned long p;
	size_t len;
	bool mapped;
	int r;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	len = slash ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	mapped = strchr(buf, ':') != NULL;
	r = ipnet_addr_parse(buf, &n.ip);
	if (r < 0)
		return r;
	if (!slash) {
		if (!allow_bare)
			return -EINVAL;
		n.prefix = ipnet_bits(n.ip.family);
		*ret = n;
		return 0;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	p = strtoul(slash + 1, &end, 10);
	if (errno || *end || (slash[1] == '0' && slash[2]))
		return -EINVAL;
	/* A mapped address written as IPv6 carries a 128-bit prefix. */
	if (mapped && n.ip.family == AF_INET) {
		if (p < 96 || p > 128)
			return -EINVAL;
		p -= 96;
	}
	if (p > ipnet_bits(n.ip.family))
		return -EINVAL;
	n.prefix = (unsigned)p;
	*ret = n;
	return 0;
}

/* RFC 5952, as Go prints it: the longest run (first on a tie) of two or more zero
 * groups becomes "::". Unlike glibc's inet_ntop, never the "::a.b.c.d" form. */
static void fmt6(const uint8_t *a, char *buf)
{
	int best = -1, best_len = 0, len = 0;
	char *p = buf;

	for (int i = 0; i < 8; i++) {
		len = (a[2 * i] | a[2 * i + 1]) ? 0 : len + 1;
		if (len > best_len) {
			best_len = len;
			best = i - len + 1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += best_len - 1;
			continue;
		}
		if (p > buf && p[-1] != ':')
			*p++ = ':';
		p += sprintf(p, "%x", (unsigned)(a[2 * i] << 8 | a[2 * i + 1]));
	}
	*p = '\0';
}

char *ipnet_addr_fmt(const struct ipnet_addr *a, char buf[static IPNET_STRLEN])
{
	if (a->family == AF_INET)
		snprintf(buf, IPNET_STRLEN, "%u.%u.%u.%u", a->a[0], a->a[1], a->a[2], a->a[3]);
	else if (a->family == AF_INET6)
		fmt6(a->a, buf);
	else
		snprintf(buf, IPNET_STRLEN, "<nil>");
	return buf;
}

char *ipnet_fmt(const struct ipnet *n, char buf[static IPNET_STRLEN])
{
	size_t len;

	ipnet_addr_fmt(&n->ip, buf);
	len = strlen(buf);
	snprintf(buf + len, IPNET_STRLEN - len, "/%u", n->prefix);
	return buf;
}

bool ipnet_addr_eq(const struct ipnet_addr *a, const struct ipnet_addr *b)
{
	return a->family == b->family && memcmp(a->a, b->a, ipnet_addr_len(a->family)) == 0;
}

int ipnet_addr_cmp(const struct ipnet_addr *a, const struct ipnet_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, ipnet_addr_len(a->family));
}

bool ipnet_addr_is_zero(const struct ipnet_addr *a)
{
	for (unsigned i = 0; i < ipnet_addr_len(a->family); i++)
		if (a->a[i])
			return false;
	return true;
}

void ipnet_addr_add(struct ipnet_addr *a, int64_t delta)
{
	unsigned len = ipnet_addr_len(a->family);
	uint64_t mag = delta < 0 ? (uint64_t)(-(delta + 1)) + 1 : (uint64_t)delta;
	unsigned carry = 0;

	for (int i = (int)len - 1; i >= 0; i--) {
		unsigned byte = (unsigned)(mag & 0xff);
		int v;

		mag >>= 8;
		if (delta >= 0) {
			v = a->a[i] + byte + carry;
			carry = v > 0xff;
		} else {
			v = a->a[i] - byte - carry;
			carry = v < 0;
		}
		a->a[i] = (uint8_t)v;
	}
}

static void mask_bytes(const struct ipnet *n, uint8_t *out, bool ones_in_host)
{
	unsigned len = ipnet_addr_len(n->ip.family);

	for (unsigned i = 0; i < len; i++) {
		unsigned bit0 = i * 8;
		uint8_t m;

		if (n->prefix >= bit0 + 8)
			m = 0xff;
		else if (n->prefix <= bit0)
			m = 0;
		else
			m = (uint8_t)(0xff << (8 - (n->prefix - bit0)));
		out[i] = ones_in_host ? (uint8_t)(n->ip.a[i] | (uint8_t)~m) : (uint8_t)(n->ip.a[i] & m);
	}
}

void ipnet_network(const struct ipnet *n, struct ipnet *ret)
{
	struct ipnet r = *n;

	mask_bytes(n, r.ip.a, false);
	*ret = r;
}

void ipnet_last(const struct ipnet *n, struct ipnet_addr *ret)
{
	struct ipnet_addr r = n->ip;

	mask_bytes(n, r.a, true);
	*ret = r;
}

/* Whether the first bits bits of a and b are equal. */
static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rem = bits % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	return rem == 0 || ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rem))) == 0;
}

bool ipnet_contains(const struct ipnet *n, const struct ipnet_addr *a)
{
	if (a->family != n->ip.family || n->prefix > ipnet_bits(a->family))
		return false;
	return same_prefix(n->ip.a, a->a, n->prefix);
}

bool ipnet_has_host_bits(const struct ipnet *n)
{
	struct ipnet nn;

	ipnet_network(n, &nn);
	return !ipnet_addr_eq(&nn.ip, &n->ip);
}

bool ipnet_overlaps(const struct ipnet *a, const struct ipnet *b)
{
	unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;

	/* One contains the other exactly when they agree on the shorter prefix. */
	if (a->ip.family != b->ip.family || p > ipnet_bits(a->ip.family))
		return false;
	return same_prefix(a->ip.a, b->ip.a, p);
}

bool ipnet_is_default(const struct ipnet *n)
{
	return n->ip.family && n->prefix == 0 && ipnet_addr_is_zero(&n->ip);
}
