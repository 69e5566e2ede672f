/* cni-c-node: the node agent of the cni-c suite.
 *
 * It takes every node's pod CIDRs and InternalIPs from Kubernetes (list + watch of
 * /api/v1/nodes) or from a NodeList file, writes this node's CNI conflist, keeps a route
 * to every other node's pod CIDRs (direct, or through VXLAN where no link is shared), and
 * masquerades pod traffic that leaves the cluster. See README.md, "Cluster networking".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "conflist.h"
#include "io.h"
#include "kube.h"
#include "kubeconfig.h"
#include "log.h"
#include "macro.h"

#ifndef CNI_SUITE_VERSION
#define CNI_SUITE_VERSION "0.0.0-dev"
#endif

#define BACKOFF_MIN_MS 500u
#define BACKOFF_MAX_MS 30000u
/* After a change to the kernel made by someone else, wait this long for it to settle
 * (a link going down takes its routes one by one), then reconcile. */
#define KERNEL_SETTLE_MS 200

struct options {
	const char *node, *nodes_file, *kubeconfig, *context, *template_file, *conf_dir, *conf_name;
	bool once, cleanup;
	bool has_cluster[_NODE_FAMILY_MAX];
	struct ipnet cluster[_NODE_FAMILY_MAX];
	unsigned vni, port, resync_s, watch_timeout_s;
	enum log_level level;
	char hostname[256];
};

/* ---- logging to stderr, one write per line ---- */

static void log_stderr(void *data, enum log_level level, const char *msg)
{
	static const char *const tags[] = {"error: ", "warning: ", "", "debug: "};
	char line[640];
	int n;

	(void)data;
	n = snprintf(line, sizeof(line), "cni-c-node: %s%s\n", tags[level], msg);
	if (n > 0)
		(void)!write(STDERR_FILENO, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* ---- options ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cni-c-node [options]\n"
		"  --node NAME            this node (default: the hostname)\n"
		"  --nodes FILE           read a NodeList from FILE ('-': stdin) instead of the API\n"
		"  --kubeconfig FILE      API access from a kubeconfig (default: in-cluster service account)\n"
		"  --context NAME         kubeconfig context (default: its current-context)\n"
		"  --once                 one reconcile, then exit (0: applied; 1: not, with the reason)\n"
		"  --template FILE        conflist template (default: bridge cni0 + host-local)\n"
		"  --cni-conf-dir DIR     where the conflist is written (default /etc/cni/net.d)\n"
		"  --cni-conf-name NAME   its file name (default " CONFLIST_DEFAULT_NAME ")\n"
		"  --cluster-cidr CIDR    the cluster's pod range, once per family (egress masquerade outside it)\n"
		"  --cleanup              remove every route, device and nftables table the agent owns, then exit\n"
		"  --vxlan-vni N          VNI of the VXLAN devices (default %u)\n"
		"  --vxlan-port N         their UDP port (default %u)\n"
		"  --resync SECONDS       full reconcile period (default 30)\n"
		"  --watch-timeout SECONDS  server-side watch timeout before a new watch (default 300)\n"
		"  -v, --verbose          also debug lines;  -q, --quiet  warnings and errors only\n",
		DP_VXLAN_VNI, DP_VXLAN_PORT);
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum { O_NODE = 256, O_NODES, O_KUBECONFIG, O_CONTEXT, O_ONCE, O_TEMPLATE, O_CONF_DIR, O_CONF_NAME,
	       O_CLUSTER, O_CLEANUP, O_VNI, O_PORT, O_RESYNC, O_WATCH_TIMEOUT, O_VERSION };
	static const struct option longopts[] = {
		{"node", required_argument, NULL, O_NODE},
		{"nodes", required_argument, NULL, O_NODES},
		{"kubeconfig", required_argument, NULL, O_KUBECONFIG},
		{"context", required_argument, NULL, O_CONTEXT},
		{"once", no_argument, NULL, O_ONCE},
		{"template", required_argument, NULL, O_TEMPLATE},
		{"cni-conf-dir", required_argument, NULL, O_CONF_DIR},
		{"cni-conf-name", required_argument, NULL, O_CONF_NAME},
		{"cluster-cidr", required_argument, NULL, O_CLUSTER},
		{"cleanup", no_argument, NULL, O_CLEANUP},
		{"vxlan-vni", required_argument, NULL, O_VNI},
		{"vxlan-port", required_argument, NULL, O_PORT},
		{"resync", required_argument, NULL, O_RESYNC},
		{"watch-timeout", required_argument, NULL, O_WATCH_TIMEOUT},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{0},
	};
	int c;

	*o = (struct options){.conf_dir = "/etc/cni/net.d", .conf_name = CONFLIST_DEFAULT_NAME,
			      .vni = DP_VXLAN_VNI, .port = DP_VXLAN_PORT, .resync_s = 30, .watch_timeout_s = 300,
			      .level = LOG_LEVEL_INFO};
	while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
		struct ipnet net;

		switch (c) {
		case O_NODE: o->node = optarg; break;
		case O_NODES: o->nodes_file = optarg; break;
		case O_KUBECONFIG: o->kubeconfig = optarg; break;
		case O_CONTEXT: o->context = optarg; break;
		case O_ONCE: o->once = true; break;
		case O_TEMPLATE: o->template_file = optarg; break;
		case O_CONF_DIR: o->conf_dir = optarg; break;
		case O_CONF_NAME: o->conf_name = optarg; break;
		case O_CLEANUP: o->cleanup = true; break;
		case 'v': o->level = LOG_LEVEL_DEBUG; break;
		case 'q': o->level = LOG_LEVEL_WARN; break;
		case 'h': usage(stdout); exit(0);
		case O_VERSION: printf("cni-c-node %s\n", CNI_SUITE_VERSION); exit(0);
		case O_CLUSTER: {
			int f;

			if (ipnet_parse(optarg, false, &net) < 0 || ipnet_has_host_bits(&net) || net.prefix == 0) {
				fprintf(stderr, "cni-c-node: --cluster-cidr %s: not a network CIDR\n", optarg);
				return -EINVAL;
			}
			f = net.ip.family == AF_INET ? NODE_V4 : NODE_V6;
			if (o->has_cluster[f]) {
				fprintf(stderr, "cni-c-node: --cluster-cidr: one per family\n");
				return -EINVAL;
			}
			o->has_cluster[f] = true;
			o->cluster[f] = net;
			break;
		}
		case O_VNI:
		case O_PORT:
		case O_RESYNC:
		case O_WATCH_TIMEOUT: {
			static const struct { unsigned min, max; const char *name; } lim[] = {
				[O_VNI - O_VNI] = {1, 16777215, "--vxlan-vni"},
				[O_PORT - O_VNI] = {1, 65535, "--vxlan-port"},
				[O_RESYNC - O_VNI] = {1, 86400, "--resync"},
				[O_WATCH_TIMEOUT - O_VNI] = {1, 3600, "--watch-timeout"},
			};
			unsigned *dst[] = {&o->vni, &o->port, &o->resync_s, &o->watch_timeout_s};
			int k = c - O_VNI;

			if (parse_uint(optarg, lim[k].min, lim[k].max, dst[k]) < 0) {
				fprintf(stderr, "cni-c-node: %s %s: not a number in %u..%u\n", lim[k].name, optarg,
					lim[k].min, lim[k].max);
				return -EINVAL;
			}
			break;
		}
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cni-c-node: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->nodes_file && o->kubeconfig) {
		fprintf(stderr, "cni-c-node: --nodes and --kubeconfig exclude each other\n");
		return -EINVAL;
	}
	if (!o->node) {
		if (gethostname(o->hostname, sizeof(o->hostname) - 1) < 0 || !o->hostname[0]) {
			fprintf(stderr, "cni-c-node: no --node and no hostname\n");
			return -EINVAL;
		}
		o->node = o->hostname;
	}
	return 0;
}

/* ---- the loop's state ---- */

struct loop {
	const struct options *o;
	const struct logger *log;
	struct agent *a;
	struct kube *k;
	int sfd;
	bool stop, reread, relist, rewatch;
	char rv[NODES_RV_MAX];
	unsigned backoff_ms;
	int64_t next_resync, retry_at;
	int64_t kernel_at; /* a reconcile for a kernel change is due then; 0: none */
	bool synced;       /* the table has been reconciled once */
	size_t unnamed;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drain_signals(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_msg(l->log, LOG_LEVEL_INFO, "SIGHUP: reading the nodes again");
			l->reread = l->relist = true;
		} else {
			log_msg(l->log, LOG_LEVEL_INFO, "%s: exiting (the routes stay)", strsignal((int)si.ssi_signo));
			l->stop = true;
		}
	}
}

/* A kernel change seen on the monitor: a reconcile soon (not at every notification). */
static void note_kernel(struct loop *l)
{
	if (agent_kernel_changed(l->a) && !l->kernel_at)
		l->kernel_at = mono_ms() + KERNEL_SETTLE_MS;
}

static int full_reconcile(struct loop *l, const char *what);

/* Sleep up to ms, waking early for a signal; a kernel change made meanwhile is put right
 * (once the table has been reconciled at all). */
static void wait_ms(struct loop *l, int64_t ms)
{
	struct pollfd p[2] = {{.fd = l->sfd, .events = POLLIN}, {.fd = agent_monitor_fd(l->a), .events = POLLIN}};
	int64_t end = mono_ms() + ms, now;

	while (!l->stop && !l->reread && (now = mono_ms()) < end) {
		int64_t t = end - now;

		if (l->kernel_at && l->kernel_at - now < t)
			t = l->kernel_at - now;
		if (t > 0 && poll(p, p[1].fd >= 0 ? 2 : 1, (int)(t > 60000 ? 60000 : t)) > 0) {
			if (p[0].revents)
				drain_signals(l);
			if (p[1].revents)
				note_kernel(l);
		}
		if (l->kernel_at && mono_ms() >= l->kernel_at) {
			(void)agent_kernel_changed(l->a);
			if (l->synced)
				(void)full_reconcile(l, "kernel changed: reconcile");
			l->kernel_at = 0;
		}
	}
}

static void backoff_wait(struct loop *l, const char *why)
{
	unsigned jitter = (unsigned)(mono_ms() % (l->backoff_ms / 4 + 1));

	log_msg(l->log, LOG_LEVEL_WARN, "%s; retrying in %u ms", why, l->backoff_ms + jitter);
	wait_ms(l, l->backoff_ms + jitter);
	l->backoff_ms = l->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : l->backoff_ms * 2;
}

static void report(struct loop *l, const char *what, int r, const struct agent_report *rep)
{
	const struct dp_stats *d = &rep->dp;

	if (r < 0)
		return;
	if (!rep->full) {
		log_msg(l->log, d->writes ? LOG_LEVEL_INFO : LOG_LEVEL_DEBUG,
			"%s: kernel writes %zu (routes +%zu ~%zu -%zu, neigh/fdb %zu, links %zu), errors %zu; %.3f ms", what,
			d->writes, d->route_add, d->route_replace, d->route_del,
			d->neigh_set + d->neigh_del + d->fdb_set + d->fdb_del, d->link_ops, d->errors, rep->ms);
		return;
	}
	log_msg(l->log, d->writes || rep->egress_writes || rep->conflist_written ? LOG_LEVEL_INFO : LOG_LEVEL_DEBUG,
		"%s: %zu nodes, %zu direct + %zu VXLAN routes wanted; kernel writes %zu (routes +%zu ~%zu -%zu, "
		"neigh/fdb %zu, links %zu), nft %zu, errors %zu; %.2f ms",
		what, agent_nodes(l->a)->n, rep->plan.direct, rep->plan.vxlan, d->writes, d->route_add,
		d->route_replace, d->route_del, d->neigh_set + d->neigh_del + d->fdb_set + d->fdb_del, d->link_ops,
		rep->egress_writes, d->errors, rep->ms);
}

static int full_reconcile(struct loop *l, const char *what)
{
	struct agent_report rep;
	int r;

	l->kernel_at = 0;
	r = agent_reconcile(l->a, &rep);
	l->synced |= r >= 0;
	report(l, what, r, &rep);
	l->next_resync = mono_ms() + (int64_t)l->o->resync_s * 1000;
	if (r >= 0 && agent_dirty(l->a))
		r = -EAGAIN;
	return r;
}

/* ---- reading a list (file or API) into the table ---- */

struct list_ctx {
	struct loop *l;
	struct nodes_staging *s;
	size_t unnamed;
};

static int list_item(const json_t *item, void *data)
{
	struct list_ctx *c = data;
	struct node entry = {0};
	int r;

	r = node_parse(item, &entry);
	if (!entry.name) {
		if (r == -ENOMEM)
			return r;
		c->unnamed++;
		log_msg(c->l->log, LOG_LEVEL_WARN, "node list: an item without a usable metadata.name");
		return 0;
	}
	r = nodes_stage(c->s, &entry);
	node_done(&entry);
	return r;
}

static int read_nodes_fd(struct loop *l, int fd, const char *what)
{
	struct nodes_staging st;
	struct list_ctx c = {.l = l, .s = &st};
	struct nodelist_scan scan;
	char buf[65536];
	int r;

	r = nodes_begin_list(agent_nodes(l->a), &st);
	if (r < 0)
		return r;
	nodelist_scan_init(&scan, list_item, &c);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(scan.error, sizeof(scan.error), "%s", strerror(errno));
			break;
		}
		if (n == 0) {
			r = nodelist_scan_end(&scan);
			break;
		}
		r = nodelist_scan_feed(&scan, buf, (size_t)n);
		if (r < 0)
			break;
	}
	if (r < 0) {
		log_msg(l->log, LOG_LEVEL_ERROR, "%s: %s: nothing changed", what, scan.error[0] ? scan.error : strerror(-r));
		nodes_abort_list(&st);
	} else {
		nodes_commit_list(&st);
		l->unnamed = c.unnamed;
		log_msg(l->log, LOG_LEVEL_DEBUG, "%s: %zu nodes", what, scan.n_items);
	}
	nodelist_scan_done(&scan);
	return r;
}

/* A regular file, or a pipe (stdin, `<(kubectl ...)`), never anything that could block. */
static int open_nodes_file(const char *path, int *ret)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	if (strcmp(path, "-") == 0) {
		fd = dup(STDIN_FILENO);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0)
			return -errno;
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		*ret = TAKE_FD(fd);
		return 0;
	}
	r = io_open_regular(AT_FDCWD, path, O_RDONLY, 0, &fd);
	if (r == -EINVAL) {
		/* A pipe: opened without waiting for a writer; no writer reads as end of file. */
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0)
			return -errno;
		if (!S_ISFIFO(st.st_mode))
			return -EINVAL;
		if (fcntl(fd, F_SETFL, O_RDONLY) < 0)
			return -errno;
		r = 0;
	}
	if (r < 0)
		return r;
	*ret = TAKE_FD(fd);
	return 0;
}

static int run_file(struct loop *l)
{
	bool stdin_read = false;
	int r = 0;

	while (!l->stop) {
		if (!stdin_read || l->reread) {
			_cleanup_close_ int fd = -EBADF;

			l->reread = false;
			r = open_nodes_file(l->o->nodes_file, &fd);
			if (r < 0) {
				log_msg(l->log, LOG_LEVEL_ERROR, "--nodes %s: %s", l->o->nodes_file,
					r == -EINVAL ? "not a regular file or a pipe" : strerror(-r));
			} else if (!stdin_read || strcmp(l->o->nodes_file, "-") != 0) {
				r = read_nodes_fd(l, fd, l->o->nodes_file);
			}
			stdin_read = true;
		}
		if (r >= 0)
			r = full_reconcile(l, "reconcile");
		if (l->o->once)
			return r;
		wait_ms(l, l->next_resync - mono_ms());
		if (strcmp(l->o->nodes_file, "-") != 0)
			l->reread = true;
	}
	return 0;
}

/* ---- the API ---- */

static int list_api(struct loop *l)
{
	for (unsigned attempt = 0;; attempt++) {
		struct nodes_staging st;
		struct list_ctx c = {.l = l, .s = &st};
		struct kube_result res;
		char rv[NODES_RV_MAX] = "";
		int r;

		r = nodes_begin_list(agent_nodes(l->a), &st);
		if (r < 0)
			return r;
		r = kube_list(l->k, list_item, &c, rv, &res);
		if (r < 0) {
			nodes_abort_list(&st);
			if (r == -ESTALE && attempt < 3) {
				log_msg(l->log, LOG_LEVEL_INFO, "node list: the snapshot expired mid-list: listing again");
				continue;
			}
			log_msg(l->log, LOG_LEVEL_ERROR, "node list: %s: nothing changed", res.why[0] ? res.why : strerror(-r));
			return r;
		}
		if (!rv[0]) {
			nodes_abort_list(&st);
			log_msg(l->log, LOG_LEVEL_ERROR, "node list: no resourceVersion: nothing changed");
			return -EBADMSG;
		}
		nodes_commit_list(&st);
		l->unnamed = c.unnamed;
		memcpy(l->rv, rv, sizeof(l->rv));
		log_msg(l->log, LOG_LEVEL_INFO, "listed %zu nodes at resourceVersion %s", res.events, rv);
		return 0;
	}
}

static int on_event(const json_t *v, void *data)
{
	struct loop *l = data;
	struct watch_event e;
	struct agent_report rep;
	char why[160];
	const char *msg;
	int r;

	if (watch_event_parse(v, &e, why, sizeof(why)) < 0) {
		log_msg(l->log, LOG_LEVEL_WARN, "watch: %s: skipped", why);
		return 0;
	}
	switch (e.type) {
	case WATCH_BOOKMARK:
		memcpy(l->rv, e.resource_version, sizeof(l->rv));
		return 0;
	case WATCH_ERROR:
		msg = json_string_value(json_object_get(e.object, "message"));
		if (e.error_code == 410) {
			log_msg(l->log, LOG_LEVEL_INFO, "watch: resourceVersion %s expired (410): listing again", l->rv);
			l->relist = true;
		} else {
			log_msg(l->log, LOG_LEVEL_WARN, "watch: error %ld: %s", e.error_code, msg ? msg : "(no message)");
			l->rewatch = true;
		}
		return 0;
	default:
		break;
	}
	r = agent_node_event(l->a, e.object, e.type == WATCH_DELETED, &rep);
	memcpy(l->rv, e.resource_version, sizeof(l->rv));
	if (r < 0)
		log_msg(l->log, LOG_LEVEL_ERROR, "watch: applying an event failed: %s", strerror(-r));
	else if (rep.full)
		report(l, "reconcile (this node changed)", r, &rep);
	else
		report(l, "event", r, &rep);
	return 0;
}

/* One watch, until it ends or something asks for more (a signal, a relist). */
static void watch_once(struct loop *l)
{
	struct kube_result res = {0};
	int r;

	r = kube_watch_begin(l->k, l->rv, l->o->watch_timeout_s, on_event, l);
	if (r < 0) {
		backoff_wait(l, "cannot start a watch");
		return;
	}
	l->rewatch = false;
	for (;;) {
		int64_t now = mono_ms(), timeout = l->next_resync - now;
		int fds[2] = {l->sfd, agent_monitor_fd(l->a)};

		if (agent_dirty(l->a) && l->retry_at - now < timeout)
			timeout = l->retry_at - now;
		if (l->kernel_at && l->kernel_at - now < timeout)
			timeout = l->kernel_at - now;
		r = kube_watch_run(l->k, (int)(timeout < 0 ? 0 : timeout > 1000 ? 1000 : timeout), fds,
				   fds[1] >= 0 ? 2 : 1, &res);
		drain_signals(l);
		note_kernel(l);
		if (l->stop || l->relist || l->rewatch) {
			kube_watch_stop(l->k);
			return;
		}
		now = mono_ms();
		if (l->kernel_at && now >= l->kernel_at) {
			(void)agent_kernel_changed(l->a);
			if (full_reconcile(l, "kernel changed: reconcile") == -EAGAIN)
				l->retry_at = now + l->backoff_ms;
		} else if (now >= l->next_resync || (agent_dirty(l->a) && now >= l->retry_at)) {
			if (full_reconcile(l, "resync") == -EAGAIN)
				l->retry_at = now + l->backoff_ms;
		}
		if (r < 0) {
			kube_watch_stop(l->k);
			backoff_wait(l, "the watch failed");
			return;
		}
		if (r == 0)
			break;
	}
	if (res.gone) {
		log_msg(l->log, LOG_LEVEL_INFO, "watch: resourceVersion %s expired (410): listing again", l->rv);
		l->relist = true;
	} else if (res.http == 200 && !res.partial && !res.stream_bad && !res.why[0]) {
		log_msg(l->log, LOG_LEVEL_DEBUG, "watch ended after %zu events: watching again", res.events);
		if (res.events)
			l->backoff_ms = BACKOFF_MIN_MS;
	} else {
		char why[320];

		snprintf(why, sizeof(why), "watch dropped after %zu events: %s", res.events,
			 res.why[0] ? res.why : "connection closed");
		if (res.events)
			l->backoff_ms = BACKOFF_MIN_MS;
		backoff_wait(l, why);
	}
}

static int run_api(struct loop *l)
{
	int r;

	l->relist = true;
	while (!l->stop) {
		if (l->relist) {
			r = list_api(l);
			if (r < 0) {
				if (l->o->once)
					return r;
				backoff_wait(l, "the node list failed");
				continue;
			}
			l->relist = false;
			l->backoff_ms = BACKOFF_MIN_MS;
			r = full_reconcile(l, "reconcile");
			if (l->o->once)
				return r;
			if (r == -EAGAIN)
				l->retry_at = mono_ms() + l->backoff_ms;
		}
		watch_once(l);
	}
	return 0;
}

/* ---- main ---- */

static int load_template(const struct options *o, json_t **ret)
{
	char why[256];
	int r;

	if (!o->template_file) {
		*ret = conflist_default_template();
		return *ret ? 0 : -ENOMEM;
	}
	r = conflist_load_template(o->template_file, ret, why, sizeof(why));
	if (r < 0)
		fprintf(stderr, "cni-c-node: --template %s: %s\n", o->template_file, why);
	return r;
}

static int open_kube(const struct options *o, struct kube_conf *kc, const struct logger *log, struct kube **ret)
{
	char why[320];
	int r;

	if (o->kubeconfig)
		r = kube_conf_from_file(o->kubeconfig, o->context, kc, why, sizeof(why));
	else
		r = kube_conf_in_cluster(KUBE_SA_DIR, kc, why, sizeof(why));
	if (r < 0) {
		if (o->kubeconfig)
			log_msg(log, LOG_LEVEL_ERROR, "--kubeconfig %s: %s", o->kubeconfig, why);
		else
			log_msg(log, LOG_LEVEL_ERROR, "in-cluster configuration: %s", why);
		return r;
	}
	return kube_open(kc, log, ret);
}

int main(int argc, char **argv)
{
	_cleanup_json_ json_t *tmpl = NULL;
	struct options o;
	struct logger log = {.fn = log_stderr};
	struct kube_conf kc = {0};
	struct agent_opts ao;
	struct loop l = {.o = &o, .log = &log, .sfd = -1, .backoff_ms = BACKOFF_MIN_MS};
	sigset_t mask;
	int r;

	if (parse_options(argc, argv, &o) < 0)
		return 2;
	log.max = o.level;
	if (load_template(&o, &tmpl) < 0)
		return 1;
	ao = (struct agent_opts){.node = o.node, .conf_dir = o.conf_dir, .conf_name = o.conf_name, .tmpl = tmpl,
				 .vni = o.vni, .port = (uint16_t)o.port, .log = &log};
	memcpy(ao.has_cluster, o.has_cluster, sizeof(ao.has_cluster));
	memcpy(ao.cluster, o.cluster, sizeof(ao.cluster));
	r = agent_open(&ao, &l.a);
	if (r < 0) {
		log_msg(&log, LOG_LEVEL_ERROR, "cannot start: %s", strerror(-r));
		return 1;
	}
	if (o.cleanup) {
		r = agent_cleanup(l.a);
		agent_close(l.a);
		return r < 0 ? 1 : 0;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	(void)signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 || (l.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		log_msg(&log, LOG_LEVEL_ERROR, "signalfd: %s", strerror(errno));
		agent_close(l.a);
		return 1;
	}
	if (!o.has_cluster[NODE_V4] && !o.has_cluster[NODE_V6])
		log_msg(&log, LOG_LEVEL_INFO, "no --cluster-cidr: no egress masquerade");
	log_msg(&log, LOG_LEVEL_INFO, "node %s, nodes from %s%s", o.node,
		o.nodes_file ? o.nodes_file : o.kubeconfig ? o.kubeconfig : "the in-cluster API",
		o.once ? " (once)" : "");
	if (o.nodes_file) {
		r = run_file(&l);
	} else {
		r = open_kube(&o, &kc, &log, &l.k);
		if (r >= 0)
			r = run_api(&l);
		kube_close(l.k);
	}
	kube_conf_done(&kc);
	agent_close(l.a);
	close(l.sfd);
	return r < 0 ? 1 : 0;
}
