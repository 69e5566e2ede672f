/* host-local: IPAM from local range sets, with reservations on disk.
 *
 * Config, under "ipam" (the reference's keys, same defaults):
 *   ranges      [[{subnet, rangeStart?, rangeEnd?, gateway?}, ...], ...]: one IP per range set.
 *               gateway defaults to subnet+1; rangeStart to subnet+1 too (the gateway is
 *               skipped while iterating); rangeEnd to the broadcast-1 (IPv4) or the last
 *               address (IPv6). /31, /32, /127 and /128 are too small.
 *   subnet, rangeStart, rangeEnd, gateway   legacy single range, prepended as range set 0
 *   routes      [{dst, gw?}] copied to the result
 *   dataDir     default /var/lib/cni/networks; the store is <dataDir>/<network name>/
 *   resolvConf  a resolv.conf whose nameserver/domain/search/options become the result's dns
 * Top level: runtimeConfig.ipRanges (prepended before all), requested IPs in
 * runtimeConfig.ips and args.cni.ips, plus CNI_ARGS IP=; GC reads
 * cni.dev/valid-attachments (or cni.dev/attachments).
 * ADD: one IP per range set (round-robin from last_reserved_ip.<set>), all released again
 *      on any failure. DEL: releases (CNI_CONTAINERID, CNI_IFNAME); nothing held is fine.
 * CHECK: something is held. GC: releases what no valid attachment holds. STATUS: the data
 * directory is usable. The on-disk format is the Go plugin's: both can share a node.
 */
#include "ops.h"
#include "suite.h"

static const char *const args_keys[] = {"IP", NULL};

const struct cni_plugin host_local_plugin = {
	.name = "host-local",
	.description = "IP address management from local ranges, reservations kept on disk",
	.args_keys = args_keys,
	.is_ipam = true,
	.add = ops_add,
	.del = ops_del,
	.check = ops_check,
	.gc = ops_gc,
	.status = ops_status,
};

