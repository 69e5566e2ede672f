/* fuzz_nl_addr: rtnetlink address messages (RTM_NEWADDR dumps and notifications) through
 * pkg/addr.c's parsers (list_cb, any_addr_cb), included here; each message gets a heap
 * buffer of exactly its length.
 * Properties: a parsed address, encoded again with addr.c's own request builder, parses to
 * the same address, prefix, flags and scope. */
#define FUZZ_NETLINK
#include "fuzz.h"

#include <libmnl/libmnl.h>

#include "../../pkg/addr.c"

static void one(const struct nlmsghdr *nlh)
{
	const struct ifaddrmsg *peek = nl_msg_header(nlh, sizeof(*peek));
	struct list l = {.ifindex = peek ? (int)peek->ifa_index : 0}, again = {.ifindex = l.ifindex};
	struct nl_req req;
	int any = l.ifindex;

	(void)any_addr_cb(nlh, &any);
	if (list_cb(nlh, &l) < 0 || l.n == 0)
		goto out;
	FUZZ_CHECK(l.n == 1, "one message, %zu addresses", l.n);
	{
		struct ifaddrmsg *ifa = addr_req(&req, RTM_NEWADDR, 0, l.ifindex, &l.v[0].addr);

		ifa->ifa_scope = l.v[0].scope;
		ifa->ifa_flags = (unsigned char)l.v[0].flags;
		nl_put_u32(&req, IFA_FLAGS, l.v[0].flags);
	}
	FUZZ_CHECK(!req.overflow && list_cb(req.nlh, &again) == 0 && again.n == 1, "our own encoding does not parse");
	FUZZ_CHECK(again.v[0].addr.prefix == l.v[0].addr.prefix && ipnet_addr_eq(&again.v[0].addr.ip, &l.v[0].addr.ip) &&
			   again.v[0].flags == l.v[0].flags && again.v[0].scope == l.v[0].scope,
		   "address changed in the round trip");
out:
	free(l.v);
	free(again.v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_each_nlmsg(data, size, one);
	return 0;
}
