/* cnitime.c: the benchmark's timer and driver (test/bench/; not part of the plugins).
 *
 *   cnitime run [-j JOBS] [-t TIMEOUT_S] [-e STDERR_LOG] < JOBFILE > RESULTS
 *   cnitime mkns DIR PREFIX COUNT      create DIR/PREFIX-0 .. DIR/PREFIX-<COUNT-1>
 *   cnitime rmns DIR PREFIX COUNT      unmount and remove them (missing ones are fine)
 *   cnitime stats < RESULTS            p50/p90/p99, peak RSS and throughput per group
 *
 * run: every line of JOBFILE is one process to time, seven TAB-separated fields
 *   side  op  idx  stdin-file  stdout-file  env  argv
 * ("-" for stdin/stdout is /dev/null, for env is none; env and argv are split on blanks).
 * Up to JOBS (default 1) run at once, started in file order. A job's line is read and
 * parsed and its files are opened before its clock starts; the wall time runs from just
 * before fork() to the return of the wait4() that reaps it (CLOCK_MONOTONIC). The child
 * gets only the job's env plus a fixed PATH, stdin/stdout as given and stderr appended to
 * STDERR_LOG (default /dev/null). A job still running after TIMEOUT_S seconds (default 60)
 * is killed with SIGKILL (a once-a-second timer interrupts wait4 to check).
 *
 * Peak RSS is ru_maxrss of that wait4(). Linux fills wait4's rusage with RUSAGE_BOTH of the
 * child (kernel/exit.c, wait_task_zombie): its own peak and the peak of every descendant it
 * waited for (signal->cmaxrss), whichever is larger. So for a bridge plugin that execs
 * host-local it is the max over both, for ours and the reference alike; bench.sh checks
 * this at start with a shell whose child is larger than itself.
 * One trap: the peak also covers the address space the child had *before* execve (fs/exec.c
 * records the old mm's high-water mark into signal->maxrss). With posix_spawn/vfork that is
 * the whole driver; with fork it is the driver's anonymous pages. So the driver forks (not
 * vfork), keeps its heap small (jobs are streamed, not loaded) and bench.sh links it
 * statically: what it lends a child is then far below any plugin's own peak, which the
 * "static no-op" floor of the report shows.
 *
 * RESULTS: one line per job, in completion order, TAB-separated:
 *   side  op  idx  rc  wall_us  maxrss_kib  start_us  end_us
 * rc is the exit status, 128+N when killed by signal N, -1 when it could not be started;
 * start/end are relative to the start of the run (for throughput).
 *
 * mkns creates namespaces without a process per namespace: unshare(CLONE_NEWNET), bind-mount
 * /proc/self/ns/net on the file, setns() back. Run it where the mounts should live (bench.sh
 * runs everything in a private mount namespace with a tmpfs on /run/netns).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FIELDS 7
#define WORDS_MAX 32 /* env entries or argv words of one job */
#define LINE_MAX_LEN (64 * 1024)
#define JOBS_MAX 256
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void closep(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
}
#define _cleanup_(f) __attribute__((__cleanup__(f)))
#define _cleanup_close_ _cleanup_(closep)

static void on_alarm(int sig)
{
	(void)sig; /* only there to interrupt wait4() */
}

static int64_t now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- jobs ---- */

struct job {
	char *line; /* owned; every string below points into it */
	const char *side, *op, *idx;
	const char *in_path, *out_path;
	char *env[WORDS_MAX + 2]; /* NULL-terminated; DEFAULT_PATH appended */
	char *argv[WORDS_MAX + 1];
	pid_t pid;
	int64_t t0;
};

static void job_done(struct job *j)
{
	free(j->line);
	*j = (struct job){.pid = -1};
}

/* Splits s in place on blanks into v (room for WORDS_MAX words + NULL). "-" is no words.
 * Returns the count or -E2BIG. */
static int split_words(char *s, char **v)
{
	char *save = NULL;
	int n = 0;

	if (strcmp(s, "-") != 0)
		for (char *w = strtok_r(s, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			if (n == WORDS_MAX)
				return -E2BIG;
			v[n++] = w;
		}
	v[n] = NULL;
	return n;
}

/* Parses one job line (without its newline) into *j; takes ownership of line.
 * -EINVAL (fields or argv[0]), -E2BIG (too many words). */
static int job_parse(char *line, struct job *j)
{
	char *f[FIELDS], *save = NULL;
	int n;

	*j = (struct job){.line = line, .pid = -1};
	for (int i = 0; i < FIELDS; i++) {
		f[i] = strtok_r(i == 0 ? line : NULL, "\t", &save);
		if (!f[i])
			goto invalid;
	}
	j->side = f[0];
	j->op = f[1];
	j->idx = f[2];
	j->in_path = strcmp(f[3], "-") == 0 ? "/dev/null" : f[3];
	j->out_path = strcmp(f[4], "-") == 0 ? "/dev/null" : f[4];
	n = split_words(f[5], j->env);
	if (n < 0) {
		job_done(j);
		return n;
	}
	j->env[n] = (char *)DEFAULT_PATH;
	j->env[n + 1] = NULL;
	n = split_words(f[6], j->argv);
	if (n < 0) {
		job_done(j);
		return n;
	}
	if (n == 0 || j->argv[0][0] != '/')
		goto invalid;
	return 0;
invalid:
	job_done(j);
	return -EINVAL;
}

/* The job file, read one line at a time (the driver's heap stays small). */
struct reader {
	FILE *f;
	char *buf; /* getline's, reused */
	size_t bufsz;
	size_t lineno;
};

static void reader_done(struct reader *rd)
{
	free(rd->buf);
	rd->buf = NULL;
}

/* Reads the next job into *j. 1: got one; 0: end of file; -errno. */
static int job_next(struct reader *rd, struct job *j)
{
	ssize_t len;
	char *line;
	int r;

	while ((len = getline(&rd->buf, &rd->bufsz, rd->f)) >= 0) {
		rd->lineno++;
		if (len > 0 && rd->buf[len - 1] == '\n')
			rd->buf[--len] = '\0';
		if (len == 0 || rd->buf[0] == '#')
			continue;
		if (len > LINE_MAX_LEN)
			return -E2BIG;
		line = strdup(rd->buf);
		if (!line)
			return -ENOMEM;
		r = job_parse(line, j);
		return r < 0 ? r : 1;
	}
	return ferror(rd->f) ? -EIO : 0;
}

/* Starts j: opens its files, then takes t0 and forks; the child execs at once. -errno. */
static int job_start(struct job *j, int err_fd)
{
	_cleanup_close_ int in_fd = -EBADF, out_fd = -EBADF;

	in_fd = open(j->in_path, O_RDONLY | O_CLOEXEC);
	if (in_fd < 0)
		return -errno;
	out_fd = open(j->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out_fd < 0)
		return -errno;

	j->t0 = now_ns();
	j->pid = fork();
	if (j->pid < 0)
		return -errno;
	if (j->pid == 0) {
		/* Only async-signal-safe calls from here on. dup2 clears O_CLOEXEC on 0-2. */
		if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
		    dup2(err_fd, STDERR_FILENO) < 0)
			_exit(126);
		execve(j->argv[0], j->argv, j->env);
		_exit(127);
	}
	return 0;
}

static void result_print(FILE *out, const struct job *j, int rc, int64_t t1, long maxrss, int64_t base)
{
	fprintf(out, "%s\t%s\t%s\t%d\t%.1f\t%ld\t%.1f\t%.1f\n", j->side, j->op, j->idx, rc,
		(double)(t1 - j->t0) / 1e3, maxrss, (double)(j->t0 - base) / 1e3, (double)(t1 - base) / 1e3);
}

static void kill_overdue(struct job *slot, size_t running, int64_t now, long timeout_s)
{
	for (size_t s = 0; s < running; s++)
		if (now - slot[s].t0 > (int64_t)timeout_s * 1000000000) {
			fprintf(stderr, "cnitime: %s %s %s: killed after %ld s\n", slot[s].side, slot[s].op, slot[s].idx,
				timeout_s);
			(void)kill(slot[s].pid, SIGKILL);
		}
}

static int cmd_run(int argc, char **argv)
{
	struct job slot[JOBS_MAX]; /* the jobs in flight: slot[0 .. running-1] */
	_cleanup_(reader_done) struct reader rd = {.f = stdin};
	_cleanup_close_ int err_fd = -EBADF;
	const char *err_path = "/dev/null";
	size_t running = 0, done = 0, failed = 0;
	long width = 1, timeout_s = 60;
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
	struct itimerval tick = {.it_interval = {1, 0}, .it_value = {1, 0}};
	bool eof = false, broken = false;
	int64_t base;
	int opt, r;

	while ((opt = getopt(argc, argv, "j:t:e:")) != -1)
		switch (opt) {
		case 'j':
			width = strtol(optarg, NULL, 10);
			if (width < 1 || width > JOBS_MAX) {
				fprintf(stderr, "cnitime: -j must be 1..%d\n", JOBS_MAX);
				return 2;
			}
			break;
		case 't':
			timeout_s = strtol(optarg, NULL, 10);
			if (timeout_s < 1) {
				fprintf(stderr, "cnitime: -t must be at least 1\n");
				return 2;
			}
			break;
		case 'e':
			err_path = optarg;
			break;
		default:
			return 2;
		}
	err_fd = open(err_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (err_fd < 0) {
		fprintf(stderr, "cnitime: %s: %m\n", err_path);
		return 2;
	}
	if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &tick, NULL) < 0) {
		fprintf(stderr, "cnitime: timer: %m\n");
		return 2;
	}

	base = now_ns();
	while (!eof || running > 0) {
		while (!eof && running < (size_t)width) {
			struct job *j = &slot[running];

			r = job_next(&rd, j);
			if (r <= 0) {
				if (r < 0) {
					fprintf(stderr, "cnitime: job line %zu: %s\n", rd.lineno,
						r == -EINVAL ? "needs 7 TAB-separated fields and an absolute argv[0]"
							     : strerror(-r));
					broken = true;
				}
				eof = true; /* on an error: start nothing more, reap what runs */
				break;
			}
			r = job_start(j, err_fd);
			if (r < 0) {
				fprintf(stderr, "cnitime: cannot start %s: %s\n", j->argv[0], strerror(-r));
				result_print(stdout, j, -1, now_ns(), 0, base);
				failed++;
				done++;
				job_done(j);
				continue;
			}
			running++;
		}
		if (running == 0)
			continue;

		struct rusage ru;
		int status;
		pid_t pid = wait4(-1, &status, 0, &ru);
		int64_t t1 = now_ns();

		if (pid < 0) {
			if (errno == EINTR) {
				kill_overdue(slot, running, t1, timeout_s);
				continue;
			}
			fprintf(stderr, "cnitime: wait4: %m\n");
			return 2;
		}
		for (size_t s = 0; s < running; s++) {
			int rc;

			if (slot[s].pid != pid)
				continue;
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			if (rc != 0)
				failed++;
			result_print(stdout, &slot[s], rc, t1, ru.ru_maxrss, base);
			done++;
			job_done(&slot[s]);
			slot[s] = slot[--running]; /* plain copy: the moved job's pointers stay valid */
			slot[running] = (struct job){.pid = -1};
			break;
		}
	}
	if (fflush(stdout) != 0)
		return 2;
	if (failed)
		fprintf(stderr, "cnitime: %zu of %zu jobs failed\n", failed, done);
	return broken ? 2 : 0;
}

/* ---- namespaces ---- */

static int ns_args(int argc, char **argv, long *ret_count)
{
	char *end;

	if (argc != 4) {
		fprintf(stderr, "usage: cnitime %s DIR PREFIX COUNT\n", argv[0]);
		return -EINVAL;
	}
	*ret_count = strtol(argv[3], &end, 10);
	if (*end || *ret_count < 0) {
		fprintf(stderr, "cnitime: bad COUNT %s\n", argv[3]);
		return -EINVAL;
	}
	return 0;
}

static int cmd_mkns(int argc, char **argv)
{
	_cleanup_close_ int orig = -EBADF;
	char path[PATH_MAX];
	long count;

	if (ns_args(argc, argv, &count) < 0)
		return 2;
	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0) {
		fprintf(stderr, "cnitime: /proc/self/ns/net: %m\n");
		return 2;
	}
	for (long i = 0; i < count; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s-%ld", argv[1], argv[2], i);
		fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
		if (fd < 0) {
			fprintf(stderr, "cnitime: %s: %m\n", path);
			return 1;
		}
		(void)close(fd);
		if (unshare(CLONE_NEWNET) < 0) {
			fprintf(stderr, "cnitime: unshare: %m\n");
			return 1;
		}
		if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0) {
			fprintf(stderr, "cnitime: bind mount on %s: %m\n", path);
			(void)setns(orig, CLONE_NEWNET);
			return 1;
		}
		if (setns(orig, CLONE_NEWNET) < 0) {
			fprintf(stderr, "cnitime: setns back: %m\n");
			abort(); /* carrying on in the wrong namespace would be worse */
		}
	}
	return 0;
}

static int cmd_rmns(int argc, char **argv)
{
	char path[PATH_MAX];
	long count;
	int ret = 0;

	if (ns_args(argc, argv, &count) < 0)
		return 2;
	for (long i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/%s-%ld", argv[1], argv[2], i);
		if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
			fprintf(stderr, "cnitime: umount %s: %m\n", path);
			ret = 1;
		}
		if (unlink(path) < 0 && errno != ENOENT) {
			fprintf(stderr, "cnitime: unlink %s: %m\n", path);
			ret = 1;
		}
	}
	return ret;
}

/* ---- stats ---- */

struct group {
	char key[128]; /* "side\top" */
	double *wall;  /* ms */
	long *rss;     /* KiB */
	size_t n, cap, failed;
	double start_min, end_max; /* us */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least p% of the samples at or below it. */
static size_t rank(size_t n, size_t p)
{
	size_t k = (p * n + 99) / 100; /* ceil(p% of n) */

	return k == 0 ? 0 : k - 1;
}

static int cmd_stats(void)
{
	struct group *g = NULL;
	size_t ng = 0, capg = 0;
	char line[1024];

	while (fgets(line, sizeof(line), stdin)) {
		char side[64], op[64], idx[64], key[128];
		double wall, start, end;
		long rss;
		int rc;
		size_t i;

		if (sscanf(line, "%63s %63s %63s %d %lf %ld %lf %lf", side, op, idx, &rc, &wall, &rss, &start, &end) != 8)
			continue;
		snprintf(key, sizeof(key), "%s\t%s", side, op);
		for (i = 0; i < ng && strcmp(g[i].key, key) != 0; i++)
			;
		if (i == ng) {
			if (ng == capg) {
				struct group *ngv = realloc(g, (capg ? 2 * capg : 16) * sizeof(*g));

				if (!ngv)
					return 2;
				g = ngv;
				capg = capg ? 2 * capg : 16;
			}
			g[ng] = (struct group){.start_min = start, .end_max = end};
			snprintf(g[ng].key, sizeof(g[ng].key), "%s", key);
			ng++;
		}
		struct group *x = &g[i];

		if (rc != 0) {
			x->failed++;
			continue;
		}
		if (x->n == x->cap) {
			size_t cap = x->cap ? 2 * x->cap : 256;
			double *w = realloc(x->wall, cap * sizeof(*w));

			if (!w)
				return 2;
			x->wall = w;
			long *m = realloc(x->rss, cap * sizeof(*m));

			if (!m)
				return 2;
			x->rss = m;
			x->cap = cap;
		}
		x->wall[x->n] = wall / 1e3;
		x->rss[x->n] = rss;
		x->n++;
		if (start < x->start_min)
			x->start_min = start;
		if (end > x->end_max)
			x->end_max = end;
	}

	printf("#side\top\tn\tfailed\tp50_ms\tp90_ms\tp99_ms\tmean_ms\trss_p50_kib\trss_max_kib\tspan_s\tops_per_s\n");
	for (size_t i = 0; i < ng; i++) {
		struct group *x = &g[i];
		double sum = 0, span = (x->end_max - x->start_min) / 1e6;

		if (x->n == 0) {
			printf("%s\t0\t%zu\tnan\tnan\tnan\tnan\t0\t0\t0\t0\n", x->key, x->failed);
			continue;
		}
		qsort(x->wall, x->n, sizeof(double), cmp_double);
		qsort(x->rss, x->n, sizeof(long), cmp_long);
		for (size_t k = 0; k < x->n; k++)
			sum += x->wall[k];
		printf("%s\t%zu\t%zu\t%.3f\t%.3f\t%.3f\t%.3f\t%ld\t%ld\t%.3f\t%.1f\n", x->key, x->n, x->failed,
		       x->wall[rank(x->n, 50)], x->wall[rank(x->n, 90)], x->wall[rank(x->n, 99)], sum / (double)x->n,
		       x->rss[rank(x->n, 50)], x->rss[x->n - 1], span, span > 0 ? (double)x->n / span : 0.0);
		free(x->wall);
		free(x->rss);
	}
	free(g);
	return fflush(stdout) == 0 ? 0 : 2;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "mkns") == 0)
		return cmd_mkns(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "rmns") == 0)
		return cmd_rmns(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "stats") == 0)
		return cmd_stats();
	fprintf(stderr, "usage: cnitime run [-j JOBS] [-t TIMEOUT_S] [-e STDERR_LOG] < JOBS > RESULTS\n"
			"       cnitime mkns|rmns DIR PREFIX COUNT\n"
			"       cnitime stats < RESULTS\n");
	return 2;
}
