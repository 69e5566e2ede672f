/* agent.c: the node table turned into this node's conflist, routes and egress rules. */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conflist.h"
#include "egress.h"
#include "log.h"
#include "macro.h"

struct agent {
	struct agent_opts o;
	struct nodes nodes;
	struct dp *dp;
	struct egress *eg;
	struct onlink_set onlink;
	bool have_onlink;
	bool dirty;
	bool no_cidr_logged;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int agent_open(const struct agent_opts *o, struct agent **ret)
{
	_cleanup_free_ struct agent *a = calloc(1, sizeof(*a));
	struct dp_opts dpo = {.vni = o->vni, .port = o->port, .log = o->log};
	struct egress_opts eo = {.log = o->log};
	int r;

	if (!a)
		return -ENOMEM;
	a->o = *o;
	for (int f = 0; f < _NODE_FAMILY_MAX; f++) {
		eo.has_cluster[f] = o->has_cluster[f];
		eo.cluster[f] = o->cluster[f];
	}
	r = dp_open(&dpo, &a->dp);
	if (r < 0)
		return r;
	r = egress_open(&eo, &a->eg);
	if (r < 0) {
		dp_close(a->dp);
		return r;
	}
	*ret = TAKE_PTR(a);
	return 0;
}

void agent_close(struct agent *a)
{
	if (!a)
		return;
	nodes_done(&a->nodes);
	onlink_set_done(&a->onlink);
	egress_close(a->eg);
	dp_close(a->dp);
	free(a);
}

struct nodes *agent_nodes(struct agent *a)
{
	return &a->nodes;
}

int agent_monitor_fd(struct agent *a)
{
	return dp_monitor_fd(a->dp);
}

bool agent_kernel_changed(struct agent *a)
{
	return dp_kernel_changed(a->dp);
}

bool agent_dirty(const struct agent *a)
{
	return a->dirty;
}

static struct plan_ctx plan_ctx_of(struct agent *a)
{
	return (struct plan_ctx){.nodes = &a->nodes, .self = a->o.node, .onlink = &a->onlink, .log = a->o.log};
}

static void write_conflist(struct agent *a, const struct node_facts *self, struct agent_report *rep)
{
	_cleanup_free_ char *text = NULL;
	char why[256] = "", cidrs[2 * IPNET_STRLEN + 2] = "";
	bool changed = false;
	int r;

	if (!self->has_cidr[NODE_V4] && !self->has_cidr[NODE_V6]) {
		if (!a->no_cidr_logged)
			log_msg(a->o.log, LOG_LEVEL_WARN, "this node (%s) has no podCIDR yet: no conflist written",
				a->o.node);
		a->no_cidr_logged = true;
		return;
	}
	a->no_cidr_logged = false;
	r = conflist_render(a->o.tmpl, self, &text, why, sizeof(why));
	if (r >= 0)
		r = conflist_write(a->o.conf_dir, a->o.conf_name, text, &changed);
	if (r < 0) {
		log_msg(a->o.log, LOG_LEVEL_ERROR, "cannot write %s/%s: %s", a->o.conf_dir, a->o.conf_name,
			why[0] ? why : strerror(-r));
		a->dirty = true;
		return;
	}
	if (!changed)
		return;
	for (int f = 0; f < _NODE_FAMILY_MAX; f++) {
		char buf[IPNET_STRLEN];

		if (self->has_cidr[f])
			snprintf(cidrs + strlen(cidrs), sizeof(cidrs) - strlen(cidrs), "%s%s", cidrs[0] ? " " : "",
				 ipnet_fmt(&self->cidr[f], buf));
	}
	log_msg(a->o.log, LOG_LEVEL_INFO, "wrote %s/%s (pod CIDRs %s)", a->o.conf_dir, a->o.conf_name, cidrs);
	rep->conflist_written = true;
}

int agent_reconcile(struct agent *a, struct agent_report *rep)
{
	struct plan_ctx c = plan_ctx_of(a);
	const struct node_facts *self;
	double t0 = now_ms();
	int r;

	*rep = (struct agent_report){.full = true};
	self = plan_self(&c);
	if (!self) {
		const struct node *n = nodes_find(&a->nodes, a->o.node);

		log_msg(a->o.log, LOG_LEVEL_ERROR, "this node (%s) %s: nothing changed", a->o.node,
			n ? "has no usable entry in the node list" : "is not in the node list");
		return -ENOENT;
	}
	a->dirty = false;
	write_conflist(a, self, rep);
	onlink_set_done(&a->onlink);
	r = dp_onlink(a->dp, &a->onlink);
	if (r < 0)
		return r;
	a->have_onlink = true;
	r = plan_full(&c, &rep->plan);
	if (r < 0)
		return r;
	if (rep->plan.unknown)
		log_msg(a->o.log, LOG_LEVEL_WARN, "%zu node(s) could not be read: no route of the agent is removed "
			"this time", rep->plan.unknown);
	r = dp_reconcile(a->dp, &a->nodes, self, rep->plan.unknown > 0, &rep->dp);
	if (r < 0)
		return r;
	r = egress_apply(a->eg, &rep->egress_writes);
	if (r < 0)
		a->dirty = true;
	if (rep->dp.errors)
		a->dirty = true;
	rep->ms = now_ms() - t0;
	return 0;
}

/* ---- single nodes ---- */

static int push_delta(struct dp_delta **v, size_t *n, struct node *node, const char *name,
		      const struct node_want old[_NODE_FAMILY_MAX], const struct node_want new_[_NODE_FAMILY_MAX])
{
	struct dp_delta *g;

	if (node_want_eq(&old[NODE_V4], &new_[NODE_V4]) && node_want_eq(&old[NODE_V6], &new_[NODE_V6]))
		return 0;
	g = realloc(*v, (*n + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	*v = g;
	g[*n] = (struct dp_delta){.node = node, .name = name};
	memcpy(g[*n].old, old, sizeof(g[*n].old));
	memcpy(g[*n].new_, new_, sizeof(g[*n].new_));
	(*n)++;
	return 0;
}

/* Re-plan every node (but skip) whose verdict the change a → b can alter. */
static int replan_touched(struct agent *a, const struct node *skip, const struct node_facts *fa,
			  const struct node_facts *fb, struct dp_delta **v, size_t *n)
{
	struct plan_ctx c = plan_ctx_of(a);
	const struct node *self = nodes_find(&a->nodes, a->o.node);

	for (size_t i = 0; i < a->nodes.n; i++) {
		struct node *m = a->nodes.v[i];
		struct node_want w[_NODE_FAMILY_MAX];
		int r;

		if (m == skip || m == self || !plan_touches(node_effective(m), fa, fb))
			continue;
		plan_node(&c, m, w);
		r = push_delta(v, n, m, m->name, m->want, w);
		if (r < 0)
			return r;
	}
	return 0;
}

static int apply(struct agent *a, struct dp_delta *d, size_t n, struct agent_report *rep)
{
	int r;

	if (n == 0)
		return 0;
	r = dp_apply_deltas(a->dp, &a->nodes, d, n, plan_self(&(struct plan_ctx){.nodes = &a->nodes, .self = a->o.node}),
			    &rep->dp);
	if (r < 0 || rep->dp.errors)
		a->dirty = true;
	return r;
}

static int node_deleted(struct agent *a, const char *name, struct agent_report *rep)
{
	_cleanup_free_ struct dp_delta *d = NULL;
	struct node_facts old;
	struct node *n;
	bool had;
	size_t nd = 0;
	int r;

	if (strcmp(name, a->o.node) == 0) {
		log_msg(a->o.log, LOG_LEVEL_WARN, "this node (%s) was deleted from the cluster: keeping its state", name);
		return 0;
	}
	n = nodes_take(&a->nodes, name);
	if (!n)
		return 0;
	had = node_effective(n) != NULL;
	if (had)
		old = *node_effective(n);
	log_msg(a->o.log, LOG_LEVEL_INFO, "node %s deleted", name);
	r = push_delta(&d, &nd, NULL, n->name, n->want, (struct node_want[_NODE_FAMILY_MAX]){{0}});
	if (r >= 0 && had)
		r = replan_touched(a, NULL, &old, NULL, &d, &nd);
	if (r >= 0)
		r = apply(a, d, nd, rep);
	node_free(n);
	return r;
}

int agent_node_event(struct agent *a, const json_t *obj, bool deleted, struct agent_report *rep)
{
	_cleanup_free_ struct dp_delta *d = NULL;
	struct node entry = {0};
	struct node_facts before, after;
	bool had_before, had_after, err_before, err_after, is_self;
	struct node *n;
	size_t nd = 0;
	double t0 = now_ms();
	int r;

	*rep = (struct agent_report){0};
	r = node_parse(obj, &entry);
	if (!entry.name) {
		log_msg(a->o.log, LOG_LEVEL_WARN, "an event for a node without a usable metadata.name: ignored");
		return r == -ENOMEM ? r : 0;
	}
	if (deleted) {
		_cleanup_free_ char *name = TAKE_PTR(entry.name);

		node_done(&entry);
		r = node_deleted(a, name, rep);
		rep->ms = now_ms() - t0;
		return r;
	}
	is_self = strcmp(entry.name, a->o.node) == 0;
	n = nodes_find(&a->nodes, entry.name);
	err_before = n && n->error;
	r = nodes_upsert(&a->nodes, &entry, &n, &before, &had_before);
	node_done(&entry);
	if (r < 0)
		return r;
	had_after = node_effective(n) != NULL;
	if (had_after)
		after = *node_effective(n);
	err_after = n->error != NULL;
	if (n->error)
		log_msg(a->o.log, LOG_LEVEL_WARN, "node %s: %s; %s", n->name, n->error,
			had_after ? "keeping the routes of its last good state" : "its routes are kept until it is fixed");
	if (had_before == had_after && (!had_after || node_facts_eq(&before, &after)) && err_before == err_after)
		return 0; /* a status update: nothing that routes depend on */
	if (is_self)
		return agent_reconcile(a, rep);
	if (!a->have_onlink) {
		r = dp_onlink(a->dp, &a->onlink);
		if (r < 0)
			return r;
		a->have_onlink = true;
	}
	{
		struct plan_ctx c = plan_ctx_of(a);
		struct node_want w[_NODE_FAMILY_MAX];

		plan_node(&c, n, w);
		r = push_delta(&d, &nd, n, n->name, n->want, w);
	}
	if (r >= 0)
		r = replan_touched(a, n, had_before ? &before : NULL, had_after ? &after : NULL, &d, &nd);
	if (r >= 0)
		r = apply(a, d, nd, rep);
	rep->ms = now_ms() - t0;
	return r;
}

int agent_cleanup(struct agent *a)
{
	struct dp_stats st;
	int r, r2;

	r = dp_cleanup(a->dp, &st);
	if (r < 0)
		log_msg(a->o.log, LOG_LEVEL_ERROR, "cannot remove the agent's routes and devices: %s", strerror(-r));
	else
		log_msg(a->o.log, LOG_LEVEL_INFO, "removed %zu route(s) and %zu device(s)", st.route_del, st.link_ops);
	r2 = egress_cleanup(a->eg);
	if (r2 < 0)
		log_msg(a->o.log, LOG_LEVEL_ERROR, "cannot remove the egress table: %s", strerror(-r2));
	return r < 0 ? r : r2;
}
