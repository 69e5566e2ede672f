/* store.h: host-local's on-disk reservations (private to host-local).
 *
 * <dataDir>/<network>/ is byte-compatible with the reference Go plugin: one file per reserved
 * IP holding "<id>\r\n<ifname>", last_reserved_ip.<set> and "lock". store_open() takes the
 * lock (flock, like the reference) and holds it until store_close(). A hidden index (.idx/)
 * makes lookups O(1); the IP files stay the source of truth. Functions return >= 0 on
 * success and -errno on failure; nothing here prints or knows about CNI errors.
 */
#ifndef CNI_HOSTLOCAL_STORE_H
#define CNI_HOSTLOCAL_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "ipnet.h"
#include "macro.h"

#define STORE_DEFAULT_DIR "/var/lib/cni/networks"
/* How long store_open() waits for another plugin holding the lock. */
#define STORE_LOCK_TIMEOUT_MS 30000u

struct store;

struct store_attachment {
	const char *id;
	const char *ifname;
};

/* Counters for tests and measurements. */
struct store_stats {
	unsigned walks;	   /* full reads of the network directory */
	unsigned rebuilds; /* index rewritten from a walk */
};

#define STORE_ERRLEN 400

/* mkdir -p <data_dir>/<network>, then lock it, waiting at most timeout_ms (-ETIMEDOUT).
 * data_dir is cleaned lexically like Go's filepath.Clean (the reference's directory) and
 * may go through symbolic links; <network> itself must be a directory (-ELOOP: a symbolic
 * link, -ENOTDIR) owned by root or the caller (-EPERM), and its lock a regular file of
 * ours. why (STORE_ERRLEN bytes, may be NULL) says what was refused, "" otherwise. */
int store_open(const char *data_dir, const char *network, unsigned timeout_ms, struct store **ret, char *why);
/* Publishes the index (when it changed) and unlocks. */
void store_close(struct store *s);
DEFINE_CLEANUP_FUNC(struct store *, store_close)

/* 1: reserved (and last_reserved_ip.<range_id> updated), 0: the IP is taken. */
int store_reserve(struct store *s, const char *id, const char *ifname, const struct ipnet_addr *ip,
		  unsigned range_id);
/* Release ip if (id, ifname) holds it: 1 released, 0 not held. */
int store_release(struct store *s, const char *id, const char *ifname, const struct ipnet_addr *ip);
/* Release everything (id, ifname) holds; when nothing matched, what legacy id-only files
 * of id hold. Returns the number of files released. */
int store_release_by_id(struct store *s, const char *id, const char *ifname);
/* 1 when (id, ifname) — or, failing that, the legacy id alone — holds an IP, else 0. */
int store_find_by_id(struct store *s, const char *id, const char *ifname);
/* The IPs held by (id, ifname) or by a legacy id-only file of id; free(*ret). */
int store_get_by_id(struct store *s, const char *id, const char *ifname, struct ipnet_addr **ret,
		    size_t *ret_n);
/* 1 and the IP when last_reserved_ip.<range_id> holds one, else 0. */
int store_last_reserved(struct store *s, unsigned range_id, struct ipnet_addr *ret);
/* Release every reservation not held by one of `valid` (legacy id-only files are kept when
 * the id matches any attachment). Keeps going past errors; returns the first one, else the
 * number of files released. */
int store_gc(struct store *s, const struct store_attachment *valid, size_t n_valid);
const struct store_stats *store_stats(const struct store *s);

/* Text for a failure r of the last call on s: when a file of the store was refused (a
 * symbolic link, FIFO, device... where a regular file of ours belongs), which one and why;
 * else strerror(-r). s may be NULL. */
const char *store_strerror(const struct store *s, int r, char buf[static STORE_ERRLEN]);

/* Can ADD work here? Creates the directory and checks that files can be created in it.
 * why as for store_open(). */
int store_probe(const char *data_dir, const char *network, char *why);

#endif
