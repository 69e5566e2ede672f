/* agent.h: one node's agent: the node table, and what it makes of it on this node: the
 * CNI conflist, routes (direct or VXLAN) to every other node's pod CIDRs, and egress
 * masquerade. Where the nodes come from (a file, the API) is main.c's business; the
 * agent is told of whole lists (agent_reconcile after the table was replaced) and of
 * single nodes (agent_node_event). 0 / -errno.
 */
#ifndef CNI_NODE_AGENT_H
#define CNI_NODE_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "dataplane.h"
#include "nodes.h"
#include "plan.h"

struct logger;
struct agent;

struct agent_opts {
	const char *node;            /* this node's name */
	const char *conf_dir;        /* where the conflist goes */
	const char *conf_name;
	const json_t *tmpl;          /* conflist template */
	bool has_cluster[_NODE_FAMILY_MAX];
	struct ipnet cluster[_NODE_FAMILY_MAX]; /* pod range of the cluster, per family */
	uint32_t vni;
	uint16_t port;
	const struct logger *log;
};

/* What the last reconcile (full or from one event) did. */
struct agent_report {
	bool full;
	struct plan_stats plan;
	struct dp_stats dp;
	size_t egress_writes;
	bool conflist_written;
	double ms;                   /* wall time of the whole reconcile */
};

int agent_open(const struct agent_opts *o, struct agent **ret);
void agent_close(struct agent *a);
struct nodes *agent_nodes(struct agent *a);

/* Everything from the table: conflist, routes, egress. -ENOENT when this node has no
 * usable entry (nothing is changed then). */
int agent_reconcile(struct agent *a, struct agent_report *rep);
/* A node added, modified or deleted: the table is updated, and only the nodes the change
 * can affect are planned and applied (a change of this node reconciles everything). */
int agent_node_event(struct agent *a, const json_t *obj, bool deleted, struct agent_report *rep);
/* The fd that becomes readable when the kernel changes, and whether it changed in a way
 * that a full reconcile must look at (a route of the agent's removed by someone else, a
 * link or an address changing); the agent's own writes do not count. */
int agent_monitor_fd(struct agent *a);
bool agent_kernel_changed(struct agent *a);
/* Whether something failed that a later full reconcile should retry. */
bool agent_dirty(const struct agent *a);
/* Remove everything the agent owns (routes, devices, the nftables table). */
int agent_cleanup(struct agent *a);

#endif
