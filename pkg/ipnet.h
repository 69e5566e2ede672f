/* ipnet.h: IPv4/IPv6 addresses and prefixes as plain values.
 *
 * An address keeps its family; IPv4 lives in the first 4 bytes. Text forms match Go's
 * net.IP.String() (dotted quad, RFC 5952 IPv6), which the host-local store relies on.
 * Parsers return 0 or -EINVAL; nothing here allocates.
 */
#ifndef CNI_PKG_IPNET_H
#define CNI_PKG_IPNET_H

#include <stdbool.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stddef.h>

#define IPNET_STRLEN 50 /* "ffff:...:ffff/128" with room to spare */

struct ipnet_addr {
	int family; /* AF_INET, AF_INET6, or 0 for "unset" */
	uint8_t a[16];
};

struct ipnet {
	struct ipnet_addr ip; /* may carry host bits ("10.0.0.5/24") */
	unsigned prefix;
};

static inline unsigned ipnet_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static inline unsigned ipnet_bits(int family)
{
	return ipnet_addr_len(family) * 8;
}

int ipnet_addr_parse(const char *s, struct ipnet_addr *ret);
/* "a/p"; with allow_bare, "a" alone is accepted with a full-length prefix. */
int ipnet_parse(const char *s, bool allow_bare, struct ipnet *ret);
char *ipnet_addr_fmt(const struct ipnet_addr *a, char buf[static IPNET_STRLEN]);
char *ipnet_fmt(const struct ipnet *n, char buf[static IPNET_STRLEN]);

bool ipnet_addr_eq(const struct ipnet_addr *a, const struct ipnet_addr *b);
int ipnet_addr_cmp(const struct ipnet_addr *a, const struct ipnet_addr *b);
bool ipnet_addr_is_zero(const struct ipnet_addr *a);
/* Adds delta (may be negative) with wrap-around inside the family's address space. */
void ipnet_addr_add(struct ipnet_addr *a, int64_t delta);

/* Network address (host bits cleared) and the last address of the prefix. */
void ipnet_network(const struct ipnet *n, struct ipnet *ret);
void ipnet_last(const struct ipnet *n, struct ipnet_addr *ret);
bool ipnet_contains(const struct ipnet *n, const struct ipnet_addr *a);
bool ipnet_has_host_bits(const struct ipnet *n);
bool ipnet_overlaps(const struct ipnet *a, const struct ipnet *b);
/* 0.0.0.0/0 or ::/0 */
bool ipnet_is_default(const struct ipnet *n);

#endif
