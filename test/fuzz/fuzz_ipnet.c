/* fuzz_ipnet: IP address, CIDR and MAC text (every config, result and store file name
 * goes through these parsers).
 * Properties: parse -> format -> parse gives the same value and the same text again
 * (the format is canonical: Go's net.IP.String, which names host-local's files); address
 * arithmetic undoes itself; a network contains its first and last address. */
#include "fuzz.h"

#include "conf.h"
#include "ipnet.h"

static void check_addr(const char *s)
{
	struct ipnet_addr a, b, c;
	char t[IPNET_STRLEN], u[IPNET_STRLEN];

	if (ipnet_addr_parse(s, &a) < 0)
		return;
	ipnet_addr_fmt(&a, t);
	FUZZ_CHECK(ipnet_addr_parse(t, &b) == 0, "\"%s\" formatted as \"%s\", which does not parse", s, t);
	FUZZ_CHECK(ipnet_addr_eq(&a, &b), "\"%s\" -> \"%s\" parses to another address", s, t);
	FUZZ_CHECK(strcmp(ipnet_addr_fmt(&b, u), t) == 0, "\"%s\" formats as \"%s\" then \"%s\"", s, t, u);
	for (int64_t d = -3; d <= 3; d++) {
		c = a;
		ipnet_addr_add(&c, d);
		ipnet_addr_add(&c, -d);
		FUZZ_CHECK(ipnet_addr_eq(&a, &c), "%s + %lld - %lld changed it", t, (long long)d, (long long)d);
	}
}

static void check_net(const char *s, bool bare)
{
	struct ipnet n, m, net;
	struct ipnet_addr last;
	char t[IPNET_STRLEN], u[IPNET_STRLEN];

	if (ipnet_parse(s, bare, &n) < 0)
		return;
	FUZZ_CHECK(n.prefix <= ipnet_bits(n.ip.family), "\"%s\": prefix %u", s, n.prefix);
	ipnet_fmt(&n, t);
	FUZZ_CHECK(ipnet_parse(t, false, &m) == 0, "\"%s\" formatted as \"%s\", which does not parse", s, t);
	FUZZ_CHECK(m.prefix == n.prefix && ipnet_addr_eq(&m.ip, &n.ip), "\"%s\" -> \"%s\" is another network", s, t);
	FUZZ_CHECK(strcmp(ipnet_fmt(&m, u), t) == 0, "\"%s\" formats as \"%s\" then \"%s\"", s, t, u);
	ipnet_network(&n, &net);
	ipnet_last(&n, &last);
	FUZZ_CHECK(ipnet_contains(&n, &n.ip) && ipnet_contains(&n, &net.ip) && ipnet_contains(&n, &last),
		   "%s does not contain its own addresses", t);
	FUZZ_CHECK(ipnet_addr_cmp(&net.ip, &last) <= 0, "%s: network after last", t);
	FUZZ_CHECK(!ipnet_has_host_bits(&net), "%s: the network address has host bits", t);
	FUZZ_CHECK(ipnet_overlaps(&n, &net), "%s does not overlap itself", t);
}

static void check_mac(const char *s)
{
	unsigned char m[6], k[6];
	char t[18];

	if (conf_parse_mac(s, m) < 0)
		return;
	snprintf(t, sizeof(t), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	FUZZ_CHECK(conf_parse_mac(t, k) == 0 && memcmp(m, k, 6) == 0, "MAC \"%s\" -> \"%s\" differs", s, t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);

	check_addr(s);
	check_net(s, false);
	check_net(s, true);
	check_mac(s);
	free(s);
	return 0;
}
