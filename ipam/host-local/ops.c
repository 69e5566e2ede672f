/* ops.c: ADD, DEL, CHECK, GC and STATUS over the config, the allocator and the store.
 *
 * Paths from the config are cut at 200 characters in messages, so the reason always fits.
 * Error codes: 7 for the config (key path in the message), 4 for a bad CNI_ARGS IP, 11 when
 * another plugin holds the lock for longer than STORE_LOCK_TIMEOUT_MS, 50 from STATUS when
 * the data directory is unusable, and 999 (the reference's code) for everything else,
 * including an exhausted range: "try again later" would be wrong there.
 */
#include "ops.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "allocator.h"
#include "config.h"
#include "store.h"

static int load(const struct cni_args *a, struct config *ret, struct cni_error *err)
{
	/* The store is <dataDir>/<name>: the name must fit in one directory entry. */
	if (strlen(a->name) > NAME_MAX)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -ENAMETOOLONG,
				"\"name\" is longer than %d characters: host-local keeps a network's "
				"reservations in a directory of that name",
				NAME_MAX);
	return config_parse(a->conf, a->version, cni_args_get(a, "IP"), ret, err);
}

static int open_store(const struct config *c, const struct cni_args *a, struct store **ret,
		      struct cni_error *err)
{
	char why[STORE_ERRLEN];
	int r;

	r = store_open(c->data_dir, a->name, STORE_LOCK_TIMEOUT_MS, ret, why);
	if (r == -ETIMEDOUT)
		return cni_fail(err, CNI_ERR_TRY_AGAIN, r,
				"timed out after %u s waiting for the lock %.200s/%s/lock: another plugin holds it",
				STORE_LOCK_TIMEOUT_MS / 1000, c->data_dir, a->name);
	if (r < 0)
		return cni_fail(err, CNI_ERR_INTERNAL, r, "cannot open the data directory %.200s/%s: %s", c->data_dir,
				a->name, why[0] ? why : strerror(-r));
	return 0;
}

/* The first requested IP not yet used that lies in range set i. */
static const struct ipnet_addr *pick_requested(const struct config *c, size_t i, bool *used)
{
	for (size_t k = 0; k < c->n_requested; k++)
		if (!used[k] && alloc_rangeset_find(&c->sets[i], &c->requested[k])) {
			used[k] = true;
			return &c->requested[k];
		}
	return NULL;
}

static int check_all_used(const struct config *c, const bool *used, struct cni_error *err)
{
	char list[256] = "";

	for (size_t k = 0; k < c->n_requested; k++) {
		char ip[IPNET_STRLEN];
		size_t len = strlen(list);

		if (!used[k])
			snprintf(list + len, sizeof(list) - len, " %s", ipnet_addr_fmt(&c->requested[k], ip));
	}
	if (!list[0])
		return 0;
	return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL, "failed to allocate all requested IPs:%s", list);
}

static int add_routes(const struct config *c, struct cni_result *res, struct cni_error *err)
{
	int r;

	for (size_t i = 0; i < c->n_routes; i++) {
		r = cni_result_add_route(res, &c->routes[i]);
		if (r < 0)
			return cni_fail(err, CNI_ERR_INTERNAL, r, "out of memory");
	}
	return 0;
}

/* One IP per range set, the lock held across all of them. On failure, what was taken
 * stays in res for the caller to release. */
static int allocate_all(const struct config *c, const struct cni_args *a, struct store *st, bool *used,
			struct cni_result *res, struct cni_error *err)
{
	int r;

	for (size_t i = 0; i < c->n_sets; i++) {
		const struct ipnet_addr *req = pick_requested(c, i, used);
		struct cni_ip ip;

		r = alloc_get(st, &c->sets[i], (unsigned)i, a->container_id, a->ifname, req, &ip, err);
		if (r < 0)
			return r;
		r = cni_result_add_ip(res, &ip);
		if (r < 0) {
			(void)store_release(st, a->container_id, a->ifname, &ip.address.ip);
			return cni_fail(err, CNI_ERR_INTERNAL, r, "out of memory");
		}
	}
	/* Every requested IP must have found its range set. */
	return check_all_used(c, used, err);
}

int ops_add(const struct cni_args *a, struct cni_result *ret, struct cni_error *err)
{
	_cleanup_(cni_result_done) struct cni_result res = {0};
	_cleanup_(store_closep) struct store *st = NULL;
	_cleanup_(config_done) struct config c = {0};
	_cleanup_free_ bool *used = NULL;
	int r;

	r = load(a, &c, err);
	if (r < 0)
		return r;
	if (c.resolv_conf) {
		r = config_resolv_conf(c.resolv_conf, &res.dns);
		if (r == -EINVAL || r == -EISDIR)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, r,
					"\"ipam.resolvConf\": %.200s is not a regular file", c.resolv_conf);
		if (r == -EFBIG)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, r,
					"\"ipam.resolvConf\": %.200s is larger than %u bytes", c.resolv_conf,
					CONFIG_RESOLV_MAX);
		if (r < 0)
			return cni_fail_errno(err, CNI_ERR_INVALID_CONFIG, r,
					      "\"ipam.resolvConf\": cannot read %.200s", c.resolv_conf);
	}
	used = calloc(c.n_requested + 1, sizeof(*used));
	if (!used)
		return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
	r = open_store(&c, a, &st, err);
	if (r < 0)
		return r;
	r = allocate_all(&c, a, st, used, &res, err);
	if (r < 0)
		goto undo;
	r = add_routes(&c, &res, err);
	if (r < 0)
		goto undo;
	*ret = res;
	res = (struct cni_result){0};
	return 0;
undo:
	/* Only what this ADD took: an earlier ADD's reservations are not ours to drop. */
	for (size_t i = 0; i < res.n_ips; i++)
		(void)store_release(st, a->container_id, a->ifname, &res.ips[i].address.ip);
	return r;
}

int ops_del(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_(store_closep) struct store *st = NULL;
	_cleanup_(config_done) struct config c = {0};
	char why[STORE_ERRLEN];
	int r;

	r = load(a, &c, err);
	if (r < 0)
		return r;
	r = open_store(&c, a, &st, err);
	if (r < 0)
		return r;
	/* Nothing held is success: DEL must be idempotent. */
	r = store_release_by_id(st, a->container_id, a->ifname);
	if (r < 0)
		return cni_fail(err, CNI_ERR_INTERNAL, r, "failed to release the IPs of %s (%s): %s", a->container_id,
				a->ifname, store_strerror(st, r, why));
	return 0;
}

int ops_check(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_(store_closep) struct store *st = NULL;
	_cleanup_(config_done) struct config c = {0};
	char why[STORE_ERRLEN];
	int r;

	r = load(a, &c, err);
	if (r < 0)
		return r;
	r = open_store(&c, a, &st, err);
	if (r < 0)
		return r;
	r = store_find_by_id(st, a->container_id, a->ifname);
	if (r < 0)
		return cni_fail(err, CNI_ERR_INTERNAL, r, "cannot read the data directory %.200s/%s: %s", c.data_dir,
				a->name, store_strerror(st, r, why));
	if (r == 0)
		return cni_fail(err, CNI_ERR_INTERNAL, -EINVAL,
				"host-local: Failed to find address added by container %s", a->container_id);
	return 0;
}

int ops_gc(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_free_ struct store_attachment *valid = NULL;
	_cleanup_(store_closep) struct store *st = NULL;
	_cleanup_(config_done) struct config c = {0};
	char why[STORE_ERRLEN];
	size_t n = 0;
	int r;

	r = load(a, &c, err);
	if (r < 0)
		return r;
	r = config_gc_attachments(a->conf, &valid, &n, err);
	if (r < 0)
		return r;
	r = open_store(&c, a, &st, err);
	if (r < 0)
		return r;
	r = store_gc(st, valid, n);
	if (r < 0)
		return cni_fail(err, CNI_ERR_INTERNAL, r, "GC: cannot release every stale reservation in %.200s/%s: %s",
				c.data_dir, a->name, store_strerror(st, r, why));
	return 0;
}

int ops_status(const struct cni_args *a, struct cni_error *err)
{
	_cleanup_(config_done) struct config c = {0};
	char why[STORE_ERRLEN];
	int r;

	r = load(a, &c, err);
	if (r < 0)
		return r;
	r = store_probe(c.data_dir, a->name, why);
	if (r < 0)
		return cni_fail(err, CNI_ERR_NOT_AVAILABLE, r, "data directory %.200s/%s is not usable: %s", c.data_dir,
				a->name, why[0] ? why : strerror(-r));
	return 0;
}
