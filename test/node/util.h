/* util.h: helpers shared by the node agent's unit tests. */
#ifndef CNI_TEST_NODE_UTIL_H
#define CNI_TEST_NODE_UTIL_H

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "ipnet.h"
#include "log.h"
#include "nodes.h"

/* A literal JSON document; aborts the test when it is not one. */
json_t *J(const char *text);
struct ipnet CIDR(const char *s);
struct ipnet_addr IP(const char *s);

/* A Node object: name, pod CIDRs ("" for none, "a,b" for two), InternalIPs (same). */
json_t *node_json(const char *name, const char *cidrs, const char *ips);
/* Parse node_json(...) into the table (an update when it is there). */
void table_put(struct nodes *t, const char *name, const char *cidrs, const char *ips);

/* A logger that keeps every line in a buffer; captured_has() searches it. */
struct capture {
	char buf[65536];
	size_t len;
};
void capture_init(struct capture *c, struct logger *l);
bool captured_has(const struct capture *c, const char *needle);

/* `ip -j <args>` in the current namespace, parsed (NULL when ip failed). */
json_t *ipj(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));
/* `ip <args>`: its exit status. */
int ipcmd(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));
/* A fresh network namespace for this (forked) test, lo up. */
void private_netns(void);

#endif
