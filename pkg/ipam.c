/* ipam.c: exec of the delegated IPAM plugin and ConfigureIface-style application. */
#include "ipam.h"

#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "addr.h"
#include "conf.h"
#include "io.h"
#include "link.h"
#include "nl.h"
#include "route.h"

extern char **environ;

#define DELEGATE_OUT_MAX (1u << 20)

int ipam_type(const struct cni_args *a, const char **ret, struct cni_error *err)
{
	const json_t *ipam = NULL;
	const char *type = NULL;
	int r;

	r = conf_get_obj(a->conf, "ipam", NULL, &ipam, err);
	if (r < 0)
		return r;
	if (ipam) {
		r = conf_get_str(ipam, "type", "ipam.", &type, err);
		if (r < 0)
			return r;
	}
	*ret = type && *type ? type : NULL;
	return 0;
}

static int find_plugin(const struct cni_args *a, const char *type, char *buf, size_t len, struct stat *ret_st,
		       struct cni_error *err)
{
	const char *p = a->path;

	if (strchr(type, '/') || strcmp(type, ".") == 0 || strcmp(type, "..") == 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, -EINVAL, "invalid plugin name \"%s\" in \"ipam.type\"",
				type);
	if (!p)
		return cni_fail(err, CNI_ERR_INVALID_ENV, -EINVAL,
				"CNI_PATH is not set: it is needed to find the IPAM plugin \"%s\"", type);
	while (*p) {
		const char *end = strchrnul(p, ':');
		struct stat st;

		if (end > p && snprintf(buf, len, "%.*s/%s", (int)(end - p), p, type) < (int)len &&
		    stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
			*ret_st = st;
			return 0;
		}
		p = *end ? end + 1 : end;
	}
	return cni_fail(err, CNI_ERR_INVALID_CONFIG, -ENOENT, "failed to find IPAM plugin \"%s\" in CNI_PATH %s",
			type, a->path);
}

static bool is_self(const struct stat *st)
{
	struct stat me;

	return stat("/proc/self/exe", &me) == 0 && me.st_dev == st->st_dev && me.st_ino == st->st_ino;
}

/* environ with CNI_COMMAND replaced. */
static char **delegate_env(const char *command, char *slot)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "CNI_COMMAND=", 12) != 0)
			env[k++] = environ[i];
	snprintf(slot, 32, "CNI_COMMAND=%s", command);
	env[k] = slot;
	return env;
}

/* The child's side of spawn(): dies with its parent, gets the pipes as stdin and stdout
 * and the default SIGPIPE back (ours is ignored), then execs. An exec error goes back
 * through err_fd. Only async-signal-safe calls after fork(). */
static _Noreturn void child(const char *path, char **env, pid_t parent, int in_fd, int out_fd, int err_fd)
{
	char *argv[] = {(char *)path, NULL};
	sigset_t none;
	int e;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127); /* the parent is already gone */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)signal(SIGPIPE, SIG_DFL);
	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(127);
	execve(path, argv, env);
	e = errno;
	(void)!write(err_fd, &e, sizeof(e));
	_exit(127);
}

/* fork + exec of the delegate with PR_SET_PDEATHSIG: when a runtime kills this plugin
 * (a timeout), the delegate dies with it instead of running on and reserving an address
 * after the DEL that the runtime sends next. A binary being replaced right now is busy
 * for a moment (cni PR #763): ETXTBSY is retried. */
static int spawn(const char *path, char **env, int in_fd, int out_fd, pid_t *ret_pid)
{
	pid_t parent = getpid();

	for (int tries = 0;; tries++) {
		_cleanup_close_ int err_r = -EBADF, err_w = -EBADF;
		int p[2], e = 0, status;
		ssize_t n;
		pid_t pid;

		if (pipe2(p, O_CLOEXEC) < 0)
			return negerrno();
		err_r = p[0];
		err_w = p[1];
		pid = fork();
		if (pid < 0)
			return negerrno();
		if (pid == 0)
			child(path, env, parent, in_fd, out_fd, err_w);
		closep(&err_w);
		err_w = -EBADF;
		do
			n = read(err_r, &e, sizeof(e));
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			*ret_pid = pid; /* exec'd: the pipe closed on exec */
			return 0;
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (e != ETXTBSY || tries >= 5)
			return -(e ? e : EIO);
		nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
	}
}

/* Feed stdin and drain stdout at the same time: a delegate may answer (or fail) before it
 * has read all of a large config, and would block on a full stdout pipe while we block
 * on a full stdin pipe. Output beyond max kills the delegate (we would never read the
 * rest, and it would block forever): -EFBIG. */
static int exchange(int in_fd, int out_r, const char *in, size_t in_len, size_t max, pid_t pid, char **ret,
		    size_t *ret_len)
{
	_cleanup_close_ int in_w = in_fd;
	_cleanup_free_ char *buf = NULL;
	size_t off = 0, len = 0, cap = 0;
	struct pollfd p[2] = {{.fd = in_w, .events = POLLOUT}, {.fd = out_r, .events = POLLIN}};

	if (in_len == 0)
		p[0].fd = -1; /* poll() ignores negative fds */
	if (fcntl(in_w, F_SETFL, O_NONBLOCK) < 0)
		return negerrno();
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return negerrno();
		}
		if (p[0].fd >= 0 && p[0].revents) {
			ssize_t n = write(in_w, in + off, in_len - off);

			/* A delegate that stops reading is judged by its exit status, not by EPIPE. */
			if (n > 0)
				off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || off == in_len)
				p[0].fd = -1;
		}
		if (p[0].fd < 0 && in_w >= 0) {
			closep(&in_w); /* EOF for the delegate */
			in_w = -EBADF;
		}
		if (p[1].revents) {
			ssize_t n;

			if (cap - len < 2) {
				size_t ncap = cap ? cap * 2 : 8192;
				char *g;

				if (cap >= max + 2)
					goto too_big;
				g = realloc(buf, ncap < max + 2 ? ncap : max + 2);
				if (!g)
					return -ENOMEM;
				buf = g;
				cap = ncap < max + 2 ? ncap : max + 2;
			}
			n = read(out_r, buf + len, cap - len - 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return negerrno();
			if (n == 0)
				break;
			len += (size_t)n;
			if (len > max)
				goto too_big;
		}
	}
	if (!buf && !(buf = malloc(1)))
		return -ENOMEM;
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
too_big:
	(void)kill(pid, SIGKILL);
	return -EFBIG;
}

/* Runs the delegate; *ret_out holds its stdout, *ret_status its wait status. */
static int run_delegate(const struct cni_args *a, const char *path, const char *command, char **ret_out,
			size_t *ret_len, int *ret_status, struct cni_error *err)
{
	_cleanup_close_ int in_r = -EBADF, in_w = -EBADF, out_r = -EBADF, out_w = -EBADF;
	_cleanup_free_ char **env = NULL;
	char slot[32];
	int p[2], r, status;
	pid_t pid = -1;

	env = delegate_env(command, slot);
	if (!env)
		return cni_fail(err, CNI_ERR_INTERNAL, -ENOMEM, "out of memory");
	if (pipe2(p, O_CLOEXEC) < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, negerrno(), "pipe");
	in_r = p[0];
	in_w = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, negerrno(), "pipe");
	out_r = p[0];
	out_w = p[1];
	r = spawn(path, env, in_r, out_w, &pid);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "failed to execute %s", path);
	closep(&in_r);
	in_r = -EBADF;
	closep(&out_w);
	out_w = -EBADF;
	r = exchange(TAKE_FD(in_w), out_r, a->stdin_data, a->stdin_len, DELEGATE_OUT_MAX, pid, ret_out, ret_len);
	closep(&out_r);
	out_r = -EBADF;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cni_fail_errno(err, CNI_ERR_INTERNAL, negerrno(), "waiting for %s", path);
	if (r == -EFBIG)
		return cni_fail(err, CNI_ERR_INTERNAL, r, "%s wrote more than %u bytes on stdout: killed it", path,
				DELEGATE_OUT_MAX);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "talking to %s", path);
	*ret_status = status;
	return 0;
}

/* The delegate failed: pass its error object through unchanged, or describe the failure. */
static int delegate_failed(const char *type, const char *out, int status, struct cni_error *err)
{
	_cleanup_json_ json_t *j = json_loads(out, 0, NULL);
	const json_t *code = json_object_get(j, "code");

	if (json_is_integer(code) && json_integer_value(code) > 0) {
		cni_error_set(err, (unsigned)json_integer_value(code), json_string_value(json_object_get(j, "msg")),
			      json_string_value(json_object_get(j, "details")));
		return -EIO;
	}
	if (WIFSIGNALED(status))
		return cni_fail(err, CNI_ERR_INTERNAL, -EIO, "IPAM plugin %s killed by signal %d", type,
				WTERMSIG(status));
	return cni_fail(err, CNI_ERR_INTERNAL, -EIO, "IPAM plugin %s failed with exit status %d: %.300s", type,
			WEXITSTATUS(status), out);
}

int ipam_exec(const struct cni_args *a, const char *type, enum cni_cmd cmd, struct cni_result *ret,
	      struct cni_error *err)
{
	static const char *const names[] = {[CNI_CMD_ADD] = "ADD", [CNI_CMD_DEL] = "DEL",
					    [CNI_CMD_CHECK] = "CHECK", [CNI_CMD_GC] = "GC",
					    [CNI_CMD_STATUS] = "STATUS"};
	_cleanup_free_ char *out = NULL;
	_cleanup_json_ json_t *j = NULL;
	const struct cni_plugin *self;
	char path[4096], what[128];
	struct stat st = {0};
	size_t len = 0;
	int r, status;

	if ((unsigned)cmd >= ELEMENTSOF(names) || !names[cmd])
		return -EINVAL;
	r = find_plugin(a, type, path, sizeof(path), &st, err);
	if (r < 0)
		return r;
	/* The delegate found is this very executable (a link of the multicall binary): running
	 * it in-process is the same program with the same input, minus an exec. */
	if (is_self(&st) && (self = skel_find(a->suite, type)))
		return skel_call(self, a, cmd, ret, err);
	r = run_delegate(a, path, names[cmd], &out, &len, &status, err);
	if (r < 0)
		return r;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return delegate_failed(type, out, status, err);
	if (cmd != CNI_CMD_ADD || !ret)
		return 0;
	j = json_loadb(out, len, 0, NULL);
	snprintf(what, sizeof(what), "IPAM plugin %s", type);
	if (!j)
		return cni_fail(err, CNI_ERR_DECODE, -EINVAL, "%s: its result is not JSON: %.200s", what, out);
	return cni_result_parse(j, a->version, what, ret, err);
}

void ipam_undo(const struct cni_args *a, const char *type)
{
	struct cni_error ignored = {0};

	(void)ipam_exec(a, type, CNI_CMD_DEL, NULL, &ignored);
}

int ipam_forward(const struct cni_args *a, enum cni_cmd cmd, struct cni_error *err)
{
	const char *type = NULL;
	int r;

	r = ipam_type(a, &type, err);
	if (r < 0 || !type)
		return r;
	return ipam_exec(a, type, cmd, NULL, err);
}

/* ---- applying a result ---- */

void ipam_route_gw(const struct cni_result *res, const struct cni_route *rt, struct ipnet_addr *ret)
{
	*ret = rt->gw;
	if (ret->family)
		return;
	for (size_t i = 0; i < res->n_ips; i++)
		if (res->ips[i].gateway.family == rt->dst.ip.family) {
			*ret = res->ips[i].gateway;
			return;
		}
}

static bool ip_on_iface(const struct cni_ip *ip, int iface)
{
	return ip->iface < 0 || ip->iface == iface;
}

static int apply_addrs(struct nl *nl, const struct cni_result *res, const struct ipam_apply_opts *o,
		       struct cni_error *err)
{
	for (size_t i = 0; i < res->n_ips; i++) {
		char buf[IPNET_STRLEN];
		int r;

		if (!ip_on_iface(&res->ips[i], o->iface))
			continue;
		r = addr_add(nl, o->ifindex, &res->ips[i].address, !o->dad);
		if (r < 0 && r != -EEXIST)
			return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(nl), "failed to add IP address %s",
					       ipnet_fmt(&res->ips[i].address, buf));
	}
	return 0;
}

static int wait_dad(struct nl *nl, const struct ipam_apply_opts *o, struct cni_error *err)
{
	_cleanup_nl_ struct nl *sub = NULL;
	struct ipnet failed;
	char buf[IPNET_STRLEN];
	int r;

	r = nl_open_in(o->ns_fd, &sub);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "cannot watch IPv6 duplicate address detection");
	r = addr_wait_dad(nl, sub, o->ifindex, o->dad_timeout_ms, &failed);
	if (r == -EADDRNOTAVAIL)
		return cni_fail(err, CNI_ERR_INTERNAL, r, "IPv6 duplicate address detection failed for %s",
				ipnet_fmt(&failed, buf));
	if (r == -ETIMEDOUT)
		return cni_fail(err, CNI_ERR_TRY_AGAIN, r,
				"IPv6 duplicate address detection did not finish within %d ms", o->dad_timeout_ms);
	if (r < 0)
		return cni_fail_errno(err, CNI_ERR_INTERNAL, r, "waiting for IPv6 duplicate address detection");
	return 0;
}

static bool has_v6(const struct cni_result *res, int iface)
{
	for (size_t i = 0; i < res->n_ips; i++)
		if (ip_on_iface(&res->ips[i], iface) && res->ips[i].address.ip.family == AF_INET6)
			return true;
	return false;
}

static int apply_routes(struct nl *nl, const struct cni_result *res, const struct ipam_apply_opts *o,
			struct cni_error *err)
{
	for (size_t i = 0; i < res->n_routes; i++) {
		const struct cni_route *rt = &res->routes[i];
		struct route_spec spec = {
			.dst = rt->dst, .oif = o->ifindex, .table = rt->table, .scope = rt->scope,
			.priority = rt->priority, .mtu = rt->mtu, .advmss = rt->advmss,
		};
		char buf[IPNET_STRLEN];
		int r;

		ipam_route_gw(res, rt, &spec.gw);
		r = route_add(nl, &spec);
		if (r < 0 && r != -EEXIST)
			return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(nl), "failed to add route %s",
					       ipnet_fmt(&rt->dst, buf));
	}
	return 0;
}

int ipam_apply(struct nl *nl, const struct cni_result *res, const struct ipam_apply_opts *o,
	       struct cni_error *err)
{
	int r;

	r = apply_addrs(nl, res, o, err);
	if (r < 0)
		return r;
	r = link_set_up(nl, o->ifindex, true);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(nl), "failed to bring the interface up");
	if (o->dad && has_v6(res, o->iface)) {
		r = wait_dad(nl, o, err);
		if (r < 0)
			return r;
	}
	return apply_routes(nl, res, o, err);
}

/* ---- CHECK ---- */

static bool route_matches(const struct route_spec *have, const struct ipnet *dst, const struct ipnet_addr *gw)
{
	struct ipnet a, b;

	ipnet_network(&have->dst, &a);
	ipnet_network(dst, &b);
	if (a.prefix != b.prefix || !ipnet_addr_eq(&a.ip, &b.ip))
		return false;
	return !gw || !gw->family || ipnet_addr_eq(&have->gw, gw);
}

static bool route_present(const struct route_spec *v, size_t n, const struct ipnet *dst,
			  const struct ipnet_addr *gw)
{
	for (size_t i = 0; i < n; i++)
		if (route_matches(&v[i], dst, gw))
			return true;
	return false;
}

static int check_addrs(struct nl *nl, const struct cni_result *res, int ifindex, int iface, const char *ifname,
		       const struct route_spec *routes, size_t n_routes, struct cni_error *err)
{
	_cleanup_free_ struct addr_entry *v = NULL;
	size_t n = 0;
	int r;

	r = addr_list(nl, ifindex, AF_UNSPEC, &v, &n);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(nl), "cannot list addresses of %s", ifname);
	for (size_t i = 0; i < res->n_ips; i++) {
		const struct ipnet *want = &res->ips[i].address;
		char buf[IPNET_STRLEN];
		bool found = false;

		if (!ip_on_iface(&res->ips[i], iface))
			continue;
		for (size_t k = 0; k < n && !found; k++)
			found = v[k].addr.prefix == want->prefix && ipnet_addr_eq(&v[k].addr.ip, &want->ip);
		if (!found)
			return cni_fail(err, CNI_ERR_INTERNAL, -ENOENT, "address %s is missing on interface %s",
					ipnet_fmt(want, buf), ifname);
		if (!route_present(routes, n_routes, want, NULL))
			return cni_fail(err, CNI_ERR_INTERNAL, -ENOENT, "the route to %s of interface %s is missing",
					ipnet_fmt(want, buf), ifname);
	}
	return 0;
}

int ipam_check(struct nl *nl, const struct cni_result *res, int ifindex, int iface, const char *ifname,
	       struct cni_error *err)
{
	_cleanup_free_ struct route_spec *routes = NULL;
	size_t n = 0;
	int r;

	r = route_list(nl, AF_UNSPEC, -1, 0, &routes, &n);
	if (r < 0)
		return cni_fail_kernel(err, CNI_ERR_INTERNAL, r, nl_extack(nl), "cannot list routes");
	r = check_addrs(nl, res, ifindex, iface, ifname, routes, n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < res->n_routes; i++) {
		const struct cni_route *rt = &res->routes[i];
		char buf[IPNET_STRLEN], gbuf[IPNET_STRLEN];

		/* A route with a table of its own lives elsewhere; only main-table ones are listed. */
		if (rt->table >= 0 && rt->table != 254)
			continue;
		if (!route_present(routes, n, &rt->dst, &rt->gw))
			return cni_fail(err, CNI_ERR_INTERNAL, -ENOENT, "route %s%s%s is missing",
					ipnet_fmt(&rt->dst, buf), rt->gw.family ? " via " : "",
					rt->gw.family ? ipnet_addr_fmt(&rt->gw, gbuf) : "");
	}
	return 0;
}
