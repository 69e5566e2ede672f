/* testns.c: namespaces, directories, plugin runs, `ip -j` and assertions for black-box tests.
 * See testns.h for the contract; this file owns every child process it starts and waits
 * for it, and removes everything it created. */
#include "testns.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_TIMEOUT_MS 20000 /* below the cases' 30 s, so the run is reported with its output */
#define OUTPUT_MAX (16u << 20)
#define MAX_ENV 64
#define MAX_WORDS 64
#define MAX_REG 1100 /* the soak lane's storm: 1000 pods, a namespace each */

static const char *const sys_path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/* ---- registry ---- */

enum reg_kind { REG_NETNS, REG_DIR };

struct reg {
	enum reg_kind kind;
	pid_t owner;
	char path[PATH_MAX];
};

static pid_t runner_pid;
static bool sandbox_ok; /* testns_in_sandbox() said yes: host links may be swept */
static unsigned counter;
static struct reg registry[MAX_REG];
static size_t n_registry;

static void sweep_at_exit(void)
{
	testns_sweep();
}

__attribute__((constructor)) static void testns_init(void)
{
	int fd;

	runner_pid = getpid();
	/* fds 0-2 must be open, or a pipe could land on them and posix_spawn's dup2 would
	 * then be a no-op that leaves it close-on-exec. */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		(void)close(fd);
	/* A plugin that exits before reading its stdin must not kill us. */
	(void)signal(SIGPIPE, SIG_IGN);
	(void)atexit(sweep_at_exit);
}

static void reg_add(enum reg_kind kind, const char *path)
{
	if (n_registry == MAX_REG) {
		fprintf(stderr, "testns: registry full, %s is left to the final sweep\n", path);
		return;
	}
	registry[n_registry].kind = kind;
	registry[n_registry].owner = getpid();
	snprintf(registry[n_registry].path, sizeof(registry[n_registry].path), "%s", path);
	n_registry++;
}

static void reg_remove(const char *path)
{
	for (size_t i = 0; i < n_registry; i++)
		if (strcmp(registry[i].path, path) == 0) {
			registry[i] = registry[--n_registry];
			return;
		}
}

static void next_name(char *buf, size_t len)
{
	snprintf(buf, len, "cnitest-%d-%d-%u", (int)runner_pid, (int)getpid(), counter++);
}

static void sweep_host_links(void);
static int ip_run_quiet(const char *netns, const char *fmt, ...) __attribute__((__format__(printf, 2, 3)));

/* ---- child processes ---- */

struct buf {
	char *p;
	size_t len, cap;
	bool eof;
};

static int buf_read(struct buf *b, int fd)
{
	char tmp[16384];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0) {
		b->eof = true;
		return 0;
	}
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		if (cap > OUTPUT_MAX)
			return -EFBIG;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, tmp, (size_t)n);
	b->len += (size_t)n;
	b->p[b->len] = '\0';
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int timeout_ms(void)
{
	const char *m = getenv("CK_TIMEOUT_MULTIPLIER");
	double f = m ? strtod(m, NULL) : 1.0;

	return (int)(RUN_TIMEOUT_MS * (f >= 1.0 ? f : 1.0));
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

/* Runs path with argv/envp, feeding input to stdin, capturing stdout and stderr into r. */
static int spawn_capture(const char *path, char *const argv[], char *const envp[], const char *input,
			 struct plugin_run *r)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
	struct buf bo = {0}, be = {0};
	size_t in_len = input ? strlen(input) : 0, in_off = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, def;
	int64_t deadline;
	pid_t pid;
	int status, k;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		k = -errno;
		goto fail_pipes;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	k = posix_spawn(&pid, path, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (k != 0) {
		k = -k;
		goto fail_pipes;
	}
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&err[1]);
	(void)fcntl(in[1], F_SETFL, O_NONBLOCK);
	(void)fcntl(out[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(err[0], F_SETFL, O_NONBLOCK);
	if (in_len == 0)
		close_fd(&in[1]);

	deadline = now_ms() + timeout_ms();
	while (!bo.eof || !be.eof) {
		struct pollfd p[3] = {
			{.fd = bo.eof ? -1 : out[0], .events = POLLIN},
			{.fd = be.eof ? -1 : err[0], .events = POLLIN},
			{.fd = in[1], .events = POLLOUT},
		};
		int64_t left = deadline - now_ms();
		int n;

		if (left <= 0) {
			r->timed_out = true;
			(void)kill(pid, SIGKILL);
			break;
		}
		n = poll(p, 3, (int)left);
		if (n < 0 && errno != EINTR) {
			k = -errno;
			(void)kill(pid, SIGKILL);
			break;
		}
		if (n <= 0)
			continue;
		if (p[0].revents && (k = buf_read(&bo, out[0])) < 0)
			bo.eof = true;
		if (p[1].revents && (k = buf_read(&be, err[0])) < 0)
			be.eof = true;
		if (p[2].revents) {
			ssize_t w = write(in[1], input + in_off, in_len - in_off);

			if (w > 0)
				in_off += (size_t)w;
			/* EPIPE: the plugin stopped reading (e.g. an early error); that is its right. */
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || in_off == in_len)
				close_fd(&in[1]);
		}
	}
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&err[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	if (status == -1)
		r->status = -1;
	else if (WIFEXITED(status))
		r->status = WEXITSTATUS(status);
	else
		r->status = 128 + WTERMSIG(status);
	r->out = bo.p ? bo.p : calloc(1, 1);
	r->out_len = bo.len;
	r->err = be.p ? be.p : calloc(1, 1);
	r->err_len = be.len;
	if (!r->out || !r->err)
		return -ENOMEM;
	return 0;

fail_pipes:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	return k;
}

static const char *ip_binary(void)
{
	static const char *const cand[] = {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"};

	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
		if (access(cand[i], X_OK) == 0)
			return cand[i];
	return "/usr/sbin/ip";
}

/* ip [pre...] [-n netns] <words of cmd>; r filled as by spawn_capture. */
static int ip_spawn(const char *const *pre, const char *netns, const char *cmd, struct plugin_run *r)
{
	char *envp[] = {(char *)sys_path, (char *)"LC_ALL=C", NULL};
	char *argv[MAX_WORDS + 8];
	char words[4096];
	size_t n = 0;

	*r = (struct plugin_run){.status = -1};
	snprintf(words, sizeof(words), "%s", cmd);
	argv[n++] = (char *)"ip";
	for (; pre && *pre; pre++)
		argv[n++] = (char *)*pre;
	if (netns) {
		argv[n++] = (char *)"-n";
		argv[n++] = (char *)netns;
	}
	for (char *save = NULL, *w = strtok_r(words, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		if (n >= MAX_WORDS + 6)
			return -E2BIG;
		argv[n++] = w;
	}
	argv[n] = NULL;
	return spawn_capture(ip_binary(), argv, envp, NULL, r);
}

/* ---- namespaces and directories ---- */

const char *testns_path(const char *name, char buf[static PATH_MAX])
{
	snprintf(buf, PATH_MAX, "%s/%s", TESTNS_RUNDIR, name);
	return buf;
}

int testns_create(char name_out[static TESTNS_NAMELEN])
{
	_cleanup_run_ struct plugin_run r = {0};
	char name[TESTNS_NAMELEN], path[PATH_MAX], cmd[128];
	int k;

	next_name(name, sizeof(name));
	snprintf(cmd, sizeof(cmd), "netns add %s", name);
	k = ip_spawn(NULL, NULL, cmd, &r);
	if (k < 0)
		return k;
	if (r.status != 0) {
		fprintf(stderr, "testns: ip netns add %s failed (%d): %s", name, r.status, r.err);
		(void)testns_destroy(name);
		return -EIO;
	}
	reg_add(REG_NETNS, testns_path(name, path));
	snprintf(name_out, TESTNS_NAMELEN, "%s", name);
	return 0;
}

static int destroy_netns_path(const char *path)
{
	/* Not mounted (EINVAL) or already gone (ENOENT) are fine: unlink decides. */
	(void)umount2(path, MNT_DETACH);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	reg_remove(path);
	return 0;
}

int testns_destroy(const char *name)
{
	char path[PATH_MAX];

	return destroy_netns_path(testns_path(name, path));
}

int testdir_create(char path_out[static PATH_MAX])
{
	const char *tmp = getenv("TMPDIR");
	char name[TESTNS_NAMELEN], path[PATH_MAX];

	next_name(name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", tmp && *tmp ? tmp : "/tmp", name);
	if (mkdir(path, 0700) < 0)
		return -errno;
	reg_add(REG_DIR, path);
	snprintf(path_out, PATH_MAX, "%s", path);
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

static void destroy_dir(const char *path)
{
	/* Depth first, never following symlinks nor crossing into other mounts. */
	(void)nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	reg_remove(path);
}

static void sweep_dir(const char *dir, const char *prefix, bool netns)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX];

		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (netns)
			(void)destroy_netns_path(path);
		else
			destroy_dir(path);
	}
	(void)closedir(d);
}

void testns_sweep(void)
{
	const char *tmp = getenv("TMPDIR");
	pid_t self = getpid();
	char prefix[64];

	for (size_t i = n_registry; i > 0; i--) {
		struct reg *e = &registry[i - 1];
		char path[PATH_MAX];

		if (e->owner != self && self != runner_pid)
			continue;
		snprintf(path, sizeof(path), "%s", e->path);
		if (e->kind == REG_NETNS)
			(void)destroy_netns_path(path);
		else
			destroy_dir(path);
	}
	sweep_host_links();
	if (self != runner_pid)
		return;
	snprintf(prefix, sizeof(prefix), "cnitest-%d-", (int)runner_pid);
	sweep_dir(TESTNS_RUNDIR, prefix, true);
	sweep_dir(tmp && *tmp ? tmp : "/tmp", prefix, false);
}

static void sweep_fixture(void)
{
	testns_sweep();
}

void testns_tcase(TCase *tc, double timeout_s)
{
	/* Check scales this by CK_TIMEOUT_MULTIPLIER itself. */
	tcase_set_timeout(tc, timeout_s);
	/* Checked: runs in each test's process first. A test that failed before it exits
	 * without its own cleanup (Check leaves with _exit), and what it left on the host
	 * (a bridge holding a subnet the next test uses) must not reach the next test. */
	tcase_add_checked_fixture(tc, sweep_host_links, NULL);
	/* Unchecked: runs in the runner after the case, catching children that were killed. */
	tcase_add_unchecked_fixture(tc, NULL, sweep_fixture);
}

bool testns_in_sandbox(void)
{
	json_t *links = ipj(NULL, "link show");
	json_t *l;
	size_t i;
	bool ok = links != NULL;

	if (!links)
		fprintf(stderr, "testns: cannot list the links of this namespace\n");
	json_array_foreach (links, i, l) {
		const char *name = json_string_value(json_object_get(l, "ifname"));

		if (!name || strcmp(name, "lo") != 0) {
			fprintf(stderr, "testns: refusing to run: this network namespace has link %s, so it "
					"is not a throwaway one (use scripts/run-blackbox.sh)\n",
				name ? name : "?");
			ok = false;
			break;
		}
	}
	json_decref(links);
	sandbox_ok = ok;
	return ok;
}

/* Every nftables table of the throwaway host namespace: the suite's (cni-c-*) and the
 * ones the reference plugins' iptables and nft made in interop tests. */
static void sweep_nft_tables(void)
{
	(void)!system("nft flush ruleset 2>/dev/null");
}

/* Links a test left in the throwaway host namespace (bridges, host veths): only lo
 * stays, and it stays up; and its nftables tables. Never outside a namespace
 * testns_in_sandbox() vouched for. */
static void sweep_host_links(void)
{
	json_t *links, *l;
	size_t i;

	if (!sandbox_ok)
		return;
	links = ipj(NULL, "link show");
	json_array_foreach (links, i, l) {
		const char *name = json_string_value(json_object_get(l, "ifname"));

		/* A veth goes with its peer, so some of these are gone already. */
		if (name && strcmp(name, "lo") != 0)
			(void)ip_run_quiet(NULL, "link del %s", name);
	}
	json_decref(links);
	(void)ip_run_quiet(NULL, "link set lo up");
	sweep_nft_tables();
}

/* ---- running a plugin ---- */

static void env_set(char **env, size_t *n, char *entry)
{
	size_t klen = strcspn(entry, "=");

	for (size_t i = 0; i < *n; i++)
		if (strncmp(env[i], entry, klen) == 0 && env[i][klen] == '=') {
			free(env[i]);
			env[i] = entry;
			return;
		}
	if (*n < MAX_ENV - 1)
		env[(*n)++] = entry;
	else
		free(entry);
}

static void env_unset(char **env, size_t *n, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < *n; i++)
		if (strncmp(env[i], key, klen) == 0 && env[i][klen] == '=') {
			free(env[i]);
			env[i] = env[--(*n)];
			return;
		}
}

static char *env_fmt(const char *key, const char *value)
{
	char *s = NULL;

	if (asprintf(&s, "%s=%s", key, value) < 0)
		return NULL;
	return s;
}

static void env_put(char **env, size_t *n, const char *key, const char *value)
{
	char *e;

	if (!value)
		return;
	e = env_fmt(key, value);
	if (e)
		env_set(env, n, e);
}

static const char *sanitizer_markers[] = {
	"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "ERROR: UndefinedBehaviorSanitizer",
	"WARNING: AddressSanitizer",
};

void xfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	ck_assert_msg(n >= 0 && (size_t)n < len, "\"%s\" does not fit in %zu bytes", fmt, len);
}

/* ---- many plugin runs at once ---- */

static int memfd_with(const char *data)
{
	int fd = memfd_create("cnitest-job", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	if (data)
		ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

char *testns_read_back(int fd, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *g = realloc(buf, cap = cap ? cap * 2 : 4096);

			ck_assert_ptr_nonnull(g);
			buf = g;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret_len = len;
	return buf;
}

static void job_spawn(const char *bin, const char *cmd, const char *conf, struct plugin_job *j)
{
	static const char *const pass[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
	const char *dir = getenv("CNI_TEST_BIN"), *b = j->bin ? j->bin : bin;
	char path[PATH_MAX], *env[16] = {0}, *argv[] = {path, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t def;
	size_t k = 0;
	int e;

	if (strchr(b, '/'))
		snprintf(path, sizeof(path), "%s", b);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, b);
	j->r = (struct plugin_run){.status = -1};
	j->fd[0] = memfd_with(j->conf ? j->conf : conf);
	j->fd[1] = memfd_with(NULL);
	j->fd[2] = memfd_with(NULL);
	ck_assert(asprintf(&env[k++], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") > 0);
	ck_assert(asprintf(&env[k++], "CNI_COMMAND=%s", cmd) > 0);
	ck_assert(asprintf(&env[k++], "CNI_CONTAINERID=%s", j->cid) > 0);
	ck_assert(asprintf(&env[k++], "CNI_NETNS=%s", j->netns) > 0);
	ck_assert(asprintf(&env[k++], "CNI_IFNAME=%s", j->ifname) > 0);
	ck_assert(asprintf(&env[k++], "CNI_PATH=%s", dir) > 0);
	for (size_t p = 0; p < sizeof(pass) / sizeof(pass[0]); p++)
		if (getenv(pass[p]))
			ck_assert(asprintf(&env[k++], "%s=%s", pass[p], getenv(pass[p])) > 0);
	posix_spawn_file_actions_init(&fa);
	for (int f = 0; f < 3; f++)
		posix_spawn_file_actions_adddup2(&fa, j->fd[f], f);
	posix_spawnattr_init(&attr);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	e = posix_spawn(&j->pid, path, &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	for (size_t x = 0; x < k; x++)
		free(env[x]);
	ck_assert_msg(e == 0, "cannot spawn %s: %s", path, strerror(e));
}

void plugin_exec_killed(const char *bin, const char *cmd, struct plugin_job *job, long kill_after_us)
{
	struct timespec d = {.tv_sec = kill_after_us / 1000000, .tv_nsec = (kill_after_us % 1000000) * 1000};

	job_spawn(bin, cmd, "", job);
	nanosleep(&d, NULL);
	(void)kill(job->pid, SIGKILL);
	(void)waitpid(job->pid, NULL, 0);
	for (int f = 0; f < 3; f++)
		close(job->fd[f]);
	job->pid = 0;
}

void plugin_exec_parallel(const char *bin, const char *cmd, const char *conf_json, struct plugin_job *jobs,
			  size_t n, int timeout_s)
{
	struct timespec t0, now;
	size_t left = n;

	for (size_t i = 0; i < n; i++)
		job_spawn(bin, cmd, conf_json, &jobs[i]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (left > 0) {
		for (size_t i = 0; i < n; i++) {
			int st;

			if (jobs[i].pid <= 0 || waitpid(jobs[i].pid, &st, WNOHANG) != jobs[i].pid)
				continue;
			jobs[i].r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			jobs[i].pid = 0;
			left--;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > timeout_s)
			for (size_t i = 0; i < n; i++)
				if (jobs[i].pid > 0) {
					kill(jobs[i].pid, SIGKILL);
					jobs[i].r.timed_out = true;
				}
		if (left > 0)
			nanosleep(&(struct timespec){.tv_nsec = 2 * 1000 * 1000}, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		struct plugin_run *r = &jobs[i].r;

		r->out = testns_read_back(jobs[i].fd[1], &r->out_len);
		r->err = testns_read_back(jobs[i].fd[2], &r->err_len);
		for (int f = 0; f < 3; f++)
			close(jobs[i].fd[f]);
		for (size_t m = 0; m < sizeof(sanitizer_markers) / sizeof(sanitizer_markers[0]); m++)
			if (strstr(r->err, sanitizer_markers[m]))
				r->sanitizer = true;
		if (r->out_len)
			r->json = json_loadb(r->out, r->out_len, 0, NULL);
	}
}

int plugin_exec(const char *bin, const char *cmd, const char *netns, const char *ifname,
		const char *containerid, const char *conf_json, const char *extra_env[],
		struct plugin_run *out)
{
	static const char *const passthrough[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
	const char *dir = getenv("CNI_TEST_BIN");
	char *env[MAX_ENV] = {0};
	char path[PATH_MAX], nspath[PATH_MAX];
	char *argv[2];
	size_t n = 0;
	json_error_t je;
	int k;

	*out = (struct plugin_run){.status = -1};
	if (strchr(bin, '/'))
		snprintf(path, sizeof(path), "%s", bin);
	else if (dir)
		snprintf(path, sizeof(path), "%s/%s", dir, bin);
	else
		return -ENOENT;

	env_put(env, &n, "PATH", sys_path + 5);
	env_put(env, &n, "CNI_COMMAND", cmd);
	env_put(env, &n, "CNI_CONTAINERID", containerid);
	if (netns && *netns && !strchr(netns, '/'))
		netns = testns_path(netns, nspath);
	env_put(env, &n, "CNI_NETNS", netns);
	env_put(env, &n, "CNI_IFNAME", ifname);
	env_put(env, &n, "CNI_PATH", dir);
	for (size_t i = 0; i < sizeof(passthrough) / sizeof(passthrough[0]); i++)
		env_put(env, &n, passthrough[i], getenv(passthrough[i]));
	for (; extra_env && *extra_env; extra_env++) {
		if ((*extra_env)[0] == '-')
			env_unset(env, &n, *extra_env + 1);
		else if (strchr(*extra_env, '=')) {
			char *e = strdup(*extra_env);

			if (e)
				env_set(env, &n, e);
		}
	}
	env[n] = NULL;

	argv[0] = path;
	argv[1] = NULL;
	k = spawn_capture(path, argv, env, conf_json, out);
	for (size_t i = 0; i < n; i++)
		free(env[i]);
	if (k < 0)
		return k;
	for (size_t i = 0; i < sizeof(sanitizer_markers) / sizeof(sanitizer_markers[0]); i++)
		if (strstr(out->err, sanitizer_markers[i]))
			out->sanitizer = true;
	if (out->out_len == 0)
		return 0;
	out->json = json_loadb(out->out, out->out_len, 0, &je);
	if (!out->json)
		snprintf(out->json_error, sizeof(out->json_error), "line %d column %d: %s", je.line, je.column,
			 je.text);
	return 0;
}

bool plugin_available(const char *name)
{
	const char *dir = getenv("CNI_TEST_BIN");
	char path[PATH_MAX];

	if (!dir)
		return false;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, X_OK) == 0;
}

void plugin_run_done(struct plugin_run *r)
{
	free(r->out);
	free(r->err);
	json_decref(r->json);
	*r = (struct plugin_run){.status = -1};
}

/* ---- kernel state through ip(8) ---- */

static json_t *ipj_v(bool quiet, const char *netns, const char *fmt, va_list ap)
{
	static const char *const pre[] = {"-j", NULL};
	_cleanup_run_ struct plugin_run r = {0};
	char cmd[4096];
	json_error_t je;
	json_t *j;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	if (ip_spawn(pre, netns, cmd, &r) < 0 || r.status != 0) {
		if (!quiet)
			fprintf(stderr, "testns: ip -j %s%s %s failed (%d): %s", netns ? "-n " : "",
				netns ? netns : "", cmd, r.status, r.err ? r.err : "");
		return NULL;
	}
	if (strspn(r.out, " \t\n") == r.out_len)
		return json_array();
	j = json_loadb(r.out, r.out_len, 0, &je);
	if (!j)
		fprintf(stderr, "testns: ip -j %s: unparsable output (%s): %s\n", cmd, je.text, r.out);
	return j;
}

json_t *ipj(const char *netns, const char *fmt, ...)
{
	va_list ap;
	json_t *j;

	va_start(ap, fmt);
	j = ipj_v(false, netns, fmt, ap);
	va_end(ap);
	return j;
}

static json_t *ipj_quiet(const char *netns, const char *fmt, ...) __attribute__((__format__(printf, 2, 3)));
static json_t *ipj_quiet(const char *netns, const char *fmt, ...)
{
	va_list ap;
	json_t *j;

	va_start(ap, fmt);
	j = ipj_v(true, netns, fmt, ap);
	va_end(ap);
	return j;
}

static int ip_run_v(bool quiet, const char *netns, const char *fmt, va_list ap)
{
	_cleanup_run_ struct plugin_run r = {0};
	char cmd[4096];
	int k;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	k = ip_spawn(NULL, netns, cmd, &r);
	if (k < 0)
		return k;
	if (r.status != 0 && !quiet)
		fprintf(stderr, "testns: ip %s%s %s failed (%d): %s", netns ? "-n " : "", netns ? netns : "", cmd,
			r.status, r.err);
	return r.status;
}

int ip_run(const char *netns, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = ip_run_v(false, netns, fmt, ap);
	va_end(ap);
	return k;
}

static int ip_run_quiet(const char *netns, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = ip_run_v(true, netns, fmt, ap);
	va_end(ap);
	return k;
}

json_t *ipj_link(const char *netns, const char *ifname)
{
	json_t *a = ipj_quiet(netns, "-d link show dev %s", ifname), *l;

	l = json_incref(json_array_get(a, 0));
	json_decref(a);
	return l;
}

bool ipj_link_flag(const json_t *link, const char *flag)
{
	const json_t *f;
	size_t i;

	json_array_foreach (json_object_get(link, "flags"), i, f)
		if (json_is_string(f) && strcmp(json_string_value(f), flag) == 0)
			return true;
	return false;
}

bool ipj_has_addr(const char *netns, const char *ifname, const char *cidr)
{
	json_t *a = ipj_quiet(netns, "addr show dev %s", ifname);
	const json_t *ai;
	bool found = false;
	size_t i;

	json_array_foreach (json_object_get(json_array_get(a, 0), "addr_info"), i, ai) {
		char buf[80];

		snprintf(buf, sizeof(buf), "%s/%lld", json_string_value(json_object_get(ai, "local")),
			 (long long)json_integer_value(json_object_get(ai, "prefixlen")));
		if (strcmp(buf, cidr) == 0)
			found = true;
	}
	json_decref(a);
	return found;
}

/* ---- JSON ---- */

json_t *jload(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	ck_assert_msg(j != NULL, "invalid literal JSON (line %d column %d: %s): %s", je.line, je.column, je.text,
		      text);
	return j;
}

const char *jdump(const json_t *j)
{
	static char bufs[4][4096];
	static unsigned slot;
	char *b = bufs[slot++ % 4];
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;

	snprintf(b, sizeof(bufs[0]), "%s", s ? s : "(null)");
	free(s);
	return b;
}

/* ---- assertions ---- */

static bool whyf(char *why, size_t len, const struct plugin_run *r, const char *fmt, ...)
	__attribute__((__format__(printf, 4, 5)));
static bool whyf(char *why, size_t len, const struct plugin_run *r, const char *fmt, ...)
{
	va_list ap;
	size_t off;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	off = strlen(why);
	if (r && off < len)
		snprintf(why + off, len - off, "\n--- exit status %d%s\n--- stdout:\n%.2500s\n--- stderr:\n%.2500s",
			 r->status, r->timed_out ? " (timed out)" : "", r->out ? r->out : "",
			 r->err ? r->err : "");
	return false;
}

bool check_run_ok(const struct plugin_run *r, char *why, size_t len)
{
	if (r->sanitizer)
		return whyf(why, len, r, "the plugin reported a sanitizer error");
	if (r->timed_out || r->status != 0)
		return whyf(why, len, r, "the plugin failed");
	return true;
}

bool check_cni_error(const struct plugin_run *r, unsigned code, const char *msg_part, char *why, size_t len)
{
	const json_t *v;
	const char *key;
	json_t *val;

	if (r->sanitizer)
		return whyf(why, len, r, "the plugin reported a sanitizer error");
	if (r->status != 1)
		return whyf(why, len, r, "expected exit status 1 with error code %u", code);
	if (!json_is_object(r->json))
		return whyf(why, len, r, "stdout is not one JSON object (%s)",
			    r->json_error[0] ? r->json_error : "empty");
	json_object_foreach ((json_t *)r->json, key, val)
		if (strcmp(key, "cniVersion") && strcmp(key, "code") && strcmp(key, "msg") && strcmp(key, "details"))
			return whyf(why, len, r, "unexpected key \"%s\" in the error object", key);
	v = json_object_get(r->json, "cniVersion");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return whyf(why, len, r, "the error object has no cniVersion string");
	v = json_object_get(r->json, "code");
	if (!json_is_integer(v) || json_integer_value(v) != (json_int_t)code)
		return whyf(why, len, r, "expected error code %u", code);
	v = json_object_get(r->json, "msg");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return whyf(why, len, r, "the error object has no msg string");
	if (msg_part && !strstr(json_string_value(v), msg_part))
		return whyf(why, len, r, "msg does not contain \"%s\"", msg_part);
	v = json_object_get(r->json, "details");
	if (v && !json_is_string(v))
		return whyf(why, len, r, "details is not a string");
	return true;
}

bool check_cni_version(const struct plugin_run *r, const char *version, char *why, size_t len)
{
	const char *v = json_string_value(json_object_get(r->json, "cniVersion"));

	if (!json_is_object(r->json))
		return whyf(why, len, r, "stdout is not one JSON object (%s)",
			    r->json_error[0] ? r->json_error : "empty");
	if (!v || strcmp(v, version) != 0)
		return whyf(why, len, r, "expected cniVersion \"%s\"", version);
	return true;
}

bool check_json_equal(const json_t *actual, const char *expected, char *why, size_t len)
{
	json_error_t je;
	json_t *e = json_loads(expected, 0, &je);
	bool eq;

	if (!e)
		return whyf(why, len, NULL, "invalid expected JSON (%s): %s", je.text, expected);
	eq = actual && json_equal(actual, e);
	if (!eq)
		whyf(why, len, NULL, "JSON differs\n--- actual:   %s\n--- expected: %s", jdump(actual), jdump(e));
	json_decref(e);
	return eq;
}

bool check_link_up(const char *netns, const char *ifname, bool up, char *why, size_t len)
{
	json_t *l = ipj_link(netns, ifname);
	bool ok;

	if (!l)
		return whyf(why, len, NULL, "no link %s in %s", ifname, netns ? netns : "the host namespace");
	ok = ipj_link_flag(l, "UP") == up;
	if (!ok)
		whyf(why, len, NULL, "link %s in %s should be %s: %s", ifname, netns ? netns : "the host namespace",
		     up ? "UP" : "down", jdump(l));
	json_decref(l);
	return ok;
}
