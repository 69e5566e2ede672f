/* cni.h: the CNI protocol's data: versions, error codes, the error object and results.
 *
 * struct cni_result is one version-independent model (the 1.1.0 superset). It is parsed
 * from any result version (prevResult, a delegate's output) and emitted in any version.
 * The result owns its strings and arrays; cni_result_done() frees them.
 * Functions return 0 / -errno; those taking a struct cni_error fill it on failure.
 */
#ifndef CNI_PKG_CNI_H
#define CNI_PKG_CNI_H

#include <stdbool.h>
#include <stddef.h>

#include "ipnet.h"
#include "macro.h"

enum cni_version {
	CNI_V010,
	CNI_V020,
	CNI_V030,
	CNI_V031,
	CNI_V040,
	CNI_V100,
	CNI_V110,
	_CNI_VERSION_MAX,
	_CNI_VERSION_INVALID = -EINVAL,
};
#define CNI_VERSION_LATEST CNI_V110

int cni_version_parse(const char *s); /* enum cni_version or -EINVAL */
const char *cni_version_str(enum cni_version v);

/* Error codes: spec table, plus the reference's 8 and 999. */
enum {
	CNI_ERR_INCOMPATIBLE_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_INVALID_NETNS = 8,
	CNI_ERR_TRY_AGAIN = 11,
	CNI_ERR_NOT_AVAILABLE = 50,
	CNI_ERR_LIMITED_CONNECTIVITY = 51,
	CNI_ERR_INTERNAL = 999,
};

struct cni_error {
	unsigned code; /* 0: no error recorded yet */
	char msg[512];
	char details[512];
};

/* Record an error (the first one wins: rollback never hides the root cause) and return
 * r, or -EINVAL when r is 0. details gets strerror(-r) unless r is -EINVAL. */
int cni_fail(struct cni_error *e, unsigned code, int r, const char *fmt, ...) _printf_(4, 5);
/* Same, with ": <strerror(-r)>" appended to the message. */
int cni_fail_errno(struct cni_error *e, unsigned code, int r, const char *fmt, ...) _printf_(4, 5);
/* Same, and the kernel's extended-ack text (may be NULL or "") in parentheses. */
int cni_fail_kernel(struct cni_error *e, unsigned code, int r, const char *extack, const char *fmt, ...)
	_printf_(5, 6);
/* Replace whatever is recorded (used to pass a delegate's error through unchanged). */
void cni_error_set(struct cni_error *e, unsigned code, const char *msg, const char *details);

struct cni_iface {
	char *name;
	char *mac;
	char *sandbox;
	unsigned mtu;      /* 1.1.0; 0 = unset */
	char *socket_path; /* 1.1.0 */
	char *pci_id;      /* 1.1.0 */
};

struct cni_ip {
	struct ipnet address;
	struct ipnet_addr gateway; /* family 0: none */
	int iface;                 /* index into ifaces, -1: unset */
};

struct cni_route {
	struct ipnet dst;
	struct ipnet_addr gw; /* family 0: none */
	unsigned mtu, advmss, priority; /* 1.1.0; 0 = unset */
	int table, scope;               /* 1.1.0; -1 = unset */
};

/* At most this many interfaces, ips and routes each (parsing more is a code-6 error). */
#define CNI_RESULT_MAX_ENTRIES 4096u

struct cni_result {
	struct cni_iface *ifaces;
	size_t n_ifaces;
	struct cni_ip *ips;
	size_t n_ips;
	struct cni_route *routes;
	size_t n_routes;
	json_t *dns; /* normalized {nameservers,domain,search,options} object, or NULL */
};

void cni_result_done(struct cni_result *r);
/* Returns the new interface's index, or -ENOMEM. NULL strings stay unset. */
int cni_result_add_iface(struct cni_result *r, const char *name, const char *mac, const char *sandbox);
int cni_result_add_ip(struct cni_result *r, const struct cni_ip *ip);
/* Forget the interfaces (and the ips' indexes into them). */
void cni_result_drop_ifaces(struct cni_result *r);
int cni_result_add_route(struct cni_result *r, const struct cni_route *rt);
int cni_result_copy(const struct cni_result *src, struct cni_result *ret);
/* Take a DNS object (config "dns" or a result's); empty/invalid ones yield NULL. */
int cni_dns_parse(const json_t *j, json_t **ret);

/* Parse a result of any version. A missing cniVersion means `fallback`. `what` names the
 * source in messages ("prevResult", "IPAM plugin host-local"). Errors: code 6 / 1. */
int cni_result_parse(const json_t *j, enum cni_version fallback, const char *what, struct cni_result *ret,
		     struct cni_error *err);
/* Emit in version v (0.1/0.2 need at least one IP: else code 1). NULL on failure. */
json_t *cni_result_to_json(const struct cni_result *r, enum cni_version v, struct cni_error *err);

/* s as a JSON string (NULL: NULL, or out of memory). Bytes that are not UTF-8 (names and
 * paths from the environment may hold any) become U+FFFD, as Go's encoding/json does,
 * where json_string() would fail and leave a key out of the output. */
json_t *cni_json_string(const char *s);

/* Container ID and interface name rules of libcni (code 4 messages). */
bool cni_valid_container_id(const char *s);
bool cni_valid_ifname(const char *s, const char **ret_why);
bool cni_valid_network_name(const char *s);

#endif
