/* loopback: brings "lo" up in the container namespace.
 *
 * Config: no keys of its own (cniVersion, name, type). CNI_IFNAME is ignored: the
 * interface is always "lo", as in the reference plugin.
 * ADD:   lo up; its addresses must all be loopback ones. Result: a prevResult is passed
 *        through; otherwise interfaces [lo] with the first IPv4 and IPv6 address of lo,
 *        in the exact shape of the requested version.
 * DEL:   lo down; a namespace that is gone is success.
 * CHECK: lo must be up.
 */
#include <net/if.h>
#include <string.h>

#include "addr.h"
#include "link.h"
#include "nl.h"
#include "skel.h"
#include "suite.h"

static bool is_loopback_addr(const struct ipnet_addr *a)
{
	static const uint8_t v6_lo[16] = {[15] = 1};

	if (a->family == AF_INET)
		return a->a[0] == 127;
	return memcmp(a->a, v6_lo, 16) == 0;
}

static int open_lo(const struct cni_args *a, struct nl **ret_nl, int *ret_ifindex, struct cni_error *err)
{
	_cleanup_nl_ struct nl *nl = NULL;
	struct link_info lo;
	int r;

	r = nl_open_in(a->netns_fd, &nl);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "cannot open netlink in %s", a->netns);
	r = link_get_by_name(nl, "lo", &lo);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(nl), "cannot find lo in %s", a->netns);
	*ret_ifindex = lo.ifindex;
	*ret_nl = TAKE_PTR(nl);
	return 0;
}

/* One entry per family: the first loopback address found; any other address is an error. */
static int lo_result(struct nl *nl, int ifindex, const struct cni_args *a, struct cni_result *res,
		     struct cni_error *err)
{
	_cleanup_free_ struct addr_entry *v = NULL;
	bool seen4 = false, seen6 = false;
	size_t n = 0;
	int r, k;

	r = addr_list(nl, ifindex, AF_UNSPEC, &v, &n);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(nl), "cannot list the addresses of lo");
	k = cni_result_add_iface(res, "lo", "00:00:00:00:00:00", a->netns);
	if (k < 0)
		return cni_fail(err, CNI_ERR_INTERNAL, k, "out of memory");
	for (size_t i = 0; i < n; i++) {
		bool *seen = v[i].addr.ip.family == AF_INET ? &seen4 : &seen6;
		struct cni_ip ip = {.address = v[i].addr, .iface = k};
		char buf[IPNET_STRLEN];

		if (!is_loopback_addr(&v[i].addr.ip))
			return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL,
					"loopback interface found with non-loopback address %s",
					ipnet_fmt(&v[i].addr, buf));
		if (*seen)
			continue;
		*seen = true;
		r = cni_result_add_ip(res, &ip);
		if (r < 0)
			return cni_fail(err, CNI_ERR_INTERNAL, r, "out of memory");
	}
	return 0;
}

static int cmd_add(const struct cni_args *a, struct cni_result *ret, struct cni_error *err)
{
	_cleanup_nl_ struct nl *nl = NULL;
	int ifindex, r;

	r = open_lo(a, &nl, &ifindex, err);
	if (r < 0)
		return r;
	r = link_set_up(nl, ifindex, true);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(nl), "failed to set lo up");
	if (a->prev) {
		_cleanup_(cni_result_done) struct cni_result own = {0};

		/* lo's addresses are checked (as in the reference) even when passing through. */
		r = lo_result(nl, ifindex, a, &own, err);
		if (r < 0)
			return r;
		r = cni_result_copy(a->prev, ret);
		return r < 0 ? cni_fail(err, CNI_ERR_INTERNAL, r, "out of memory") : 0;
	}
	return lo_result(nl, ifindex, a, ret, err);
}

static int cmd_del(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_nl_ struct nl *nl = NULL;
	int ifindex, r;

	if (a->netns_fd < 0)
		return 0; /* no namespace, or it is gone: nothing to undo */
	r = open_lo(a, &nl, &ifindex, err);
	if (r < 0)
		return r;
	r = link_set_up(nl, ifindex, false);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(nl), "failed to set lo down");
	return 0;
}

static int cmd_check(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_nl_ struct nl *nl = NULL;
	struct link_info lo;
	int ifindex, r;

	r = open_lo(a, &nl, &ifindex, err);
	if (r < 0)
		return r;
	r = link_get_by_index(nl, ifindex, &lo);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(nl), "cannot read lo");
	if (!(lo.flags & IFF_UP))
		return cni_fail(err, CNI_ERR_INTERNAL, -ENETDOWN, "loopback interface is down");
	return 0;
}

const struct cni_plugin loopback_plugin = {
	.name = "loopback",
	.add = cmd_add,
	.del = cmd_del,
	.check = cmd_check,
};

