/* kube.h: the Kubernetes API, as much of it as the agent needs: list and watch of
 * /api/v1/nodes over HTTPS (libcurl), JSON parsed as it streams in (nodes.h).
 *
 * A list pages through the nodes (limit/continue) and hands each item to a callback; it
 * is restarted from the first page when a continue token expires (410). A watch starts
 * from a resourceVersion with bookmarks on and is driven from the caller's event loop
 * (kube_watch_run): every complete event goes to a callback as soon as it arrives; how
 * the watch ended (server timeout, HTTP status, dropped connection, cut mid-event) is
 * reported so the caller can reconnect, back off or relist. 0 / -errno.
 */
#ifndef CNI_NODE_KUBE_H
#define CNI_NODE_KUBE_H

#include <stdbool.h>
#include <stddef.h>

#include "kubeconfig.h"
#include "nodes.h"

#define KUBE_PAGE 500

struct kube;
struct logger;

struct kube_result {
	long http;       /* HTTP status, 0 when none came */
	bool gone;       /* 410: the resourceVersion or continue token expired */
	size_t bytes;    /* body bytes received */
	size_t events;   /* watch: complete events; list: items */
	bool partial;    /* watch: the connection ended inside an event */
	bool stream_bad; /* watch: the stream was not a sequence of JSON objects */
	char why[256];   /* what went wrong, "" when nothing did */
};

int kube_open(const struct kube_conf *c, const struct logger *log, struct kube **ret);
void kube_close(struct kube *k);

/* Every node, item by item, into cb; rv gets the list's resourceVersion. 0 when the
 * whole list was read (the items may then be trusted as the full truth); -ESTALE when a
 * continue token expired mid-list (start the list over). */
int kube_list(struct kube *k, nodelist_item_cb cb, void *data, char rv[static NODES_RV_MAX],
	      struct kube_result *res);

/* Start watching from rv; the server ends the watch after timeout_s (then the caller
 * simply watches again). Events go to cb while kube_watch_run() runs. */
int kube_watch_begin(struct kube *k, const char *rv, unsigned timeout_s, jstream_cb cb, void *data);
/* Wait up to timeout_ms for the watch (or for one of the caller's fds to be readable) and
 * process what arrived. 1: still watching; 0: the watch ended and res says how. */
int kube_watch_run(struct kube *k, int timeout_ms, const int *fds, size_t n_fds, struct kube_result *res);
/* Stop a running watch (idempotent). */
void kube_watch_stop(struct kube *k);

#endif
