/* testproc.c: background plugin runs, killed on cue (see testproc.h). */
#include "testproc.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ENV 32

/* As in testns.c. */
static const char *const sanitizer_markers[] = {
	"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "ERROR: UndefinedBehaviorSanitizer",
	"WARNING: AddressSanitizer",
};

int64_t testproc_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int memfd_with(const char *data)
{
	int fd = memfd_create("cnitest-proc", MFD_CLOEXEC);
	size_t len = data ? strlen(data) : 0, off = 0;

	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n <= 0) {
			close(fd);
			return -EIO;
		}
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* Put "key=value" (value NULL: leave the variable out) in place of an older entry. */
static void env_put(char **env, size_t *n, char *entry)
{
	size_t klen = strcspn(entry, "=");

	for (size_t i = 0; i < *n; i++)
		if (strncmp(env[i], entry, klen + 1) == 0) {
			free(env[i]);
			env[i] = entry;
			return;
		}
	ck_assert_uint_lt(*n, MAX_ENV - 1);
	env[(*n)++] = entry;
}

static void env_fmt(char **env, size_t *n, const char *key, const char *value)
{
	char *e;

	if (!value)
		return;
	ck_assert(asprintf(&e, "%s=%s", key, value) > 0);
	env_put(env, n, e);
}

int plugin_start(const char *bin, const char *cmd, const char *netns, const char *ifname, const char *cid,
		 const char *conf, const char *const extra_env[], struct plugin_proc *p)
{
	static const char *const pass[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
	const char *dir = getenv("CNI_TEST_BIN");
	char path[PATH_MAX], *env[MAX_ENV] = {0}, *argv[] = {path, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t def;
	size_t n = 0;
	int e;

	*p = (struct plugin_proc){.pid = -1, .fd = {-1, -1, -1}};
	if (strchr(bin, '/'))
		snprintf(path, sizeof(path), "%s", bin);
	else if (dir)
		snprintf(path, sizeof(path), "%s/%s", dir, bin);
	else
		return -ENOENT;
	env_fmt(env, &n, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	env_fmt(env, &n, "CNI_COMMAND", cmd);
	env_fmt(env, &n, "CNI_CONTAINERID", cid);
	env_fmt(env, &n, "CNI_NETNS", netns);
	env_fmt(env, &n, "CNI_IFNAME", ifname);
	env_fmt(env, &n, "CNI_PATH", dir);
	for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		env_fmt(env, &n, pass[i], getenv(pass[i]));
	for (; extra_env && *extra_env; extra_env++) {
		char *x = strdup(*extra_env);

		ck_assert_ptr_nonnull(x);
		env_put(env, &n, x);
	}
	for (int f = 0; f < 3; f++) {
		p->fd[f] = memfd_with(f == 0 ? conf : NULL);
		ck_assert_int_ge(p->fd[f], 0);
	}
	posix_spawn_file_actions_init(&fa);
	for (int f = 0; f < 3; f++)
		posix_spawn_file_actions_adddup2(&fa, p->fd[f], f);
	posix_spawnattr_init(&attr);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	p->start_ns = testproc_now_ns();
	e = posix_spawn(&p->pid, path, &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	for (size_t i = 0; i < n; i++)
		free(env[i]);
	if (e) {
		for (int f = 0; f < 3; f++)
			close(p->fd[f]);
		p->pid = -1;
		return -e;
	}
	return 0;
}

/* Wait for the process, at most until deadline_ns (0: no deadline). 1 exited, 0 not yet. */
static int wait_until(struct plugin_proc *p, int64_t deadline_ns, int *ret_status)
{
	int pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);

	ck_assert_int_ge(pidfd, 0);
	for (;;) {
		int64_t left = deadline_ns ? deadline_ns - testproc_now_ns() : -1;
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		int r;

		struct rusage ru;

		if (wait4(p->pid, ret_status, WNOHANG, &ru) == p->pid) {
			p->maxrss_kb = ru.ru_maxrss;
			close(pidfd);
			return 1;
		}
		if (deadline_ns && left <= 0) {
			close(pidfd);
			return 0;
		}
		r = poll(&pfd, 1, left < 0 ? -1 : (int)((left + 999999) / 1000000));
		ck_assert(r >= 0 || errno == EINTR);
	}
}

void plugin_collect(struct plugin_proc *p, int status, struct plugin_run *r)
{
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->out = testns_read_back(p->fd[1], &r->out_len);
	r->err = testns_read_back(p->fd[2], &r->err_len);
	for (int f = 0; f < 3; f++)
		close(p->fd[f]);
	p->pid = -1; /* maxrss_kb stays */
	for (size_t m = 0; m < sizeof(sanitizer_markers) / sizeof(sanitizer_markers[0]); m++)
		if (strstr(r->err, sanitizer_markers[m]))
			r->sanitizer = true;
	if (r->out_len) {
		json_error_t je;

		r->json = json_loadb(r->out, r->out_len, 0, &je);
		if (!r->json)
			snprintf(r->json_error, sizeof(r->json_error), "line %d column %d: %s", je.line, je.column,
				 je.text);
	}
}

void plugin_finish(struct plugin_proc *p, int timeout_ms, struct plugin_run *r)
{
	int status = 0;

	*r = (struct plugin_run){.status = -1};
	if (!wait_until(p, testproc_now_ns() + (int64_t)timeout_ms * 1000000, &status)) {
		kill(p->pid, SIGKILL);
		r->timed_out = true;
		ck_assert_int_eq(wait_until(p, 0, &status), 1);
	}
	plugin_collect(p, status, r);
	if (r->timed_out)
		r->status = -1;
}

bool plugin_kill_at(struct plugin_proc *p, int64_t delay_ns, struct plugin_run *r)
{
	int status = 0;
	bool landed = false;

	*r = (struct plugin_run){.status = -1};
	if (!wait_until(p, p->start_ns + (delay_ns > 0 ? delay_ns : 1), &status)) {
		landed = kill(p->pid, SIGKILL) == 0;
		ck_assert_int_eq(wait_until(p, 0, &status), 1);
		/* It may have exited between the last look and the kill. */
		landed = landed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
	}
	plugin_collect(p, status, r);
	return landed;
}
