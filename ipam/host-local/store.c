/* store.c: the host-local disk store.
 *
 * Layout of <dataDir>/<network>/ (the first three exactly as the reference writes them):
 *   lock                  flock(LOCK_EX), held for the whole operation (go-filemutex: 0750)
 *   <ip>                  a reservation, "<id>\r\n<ifname>" (legacy: "<id>"), mode 0600
 *   last_reserved_ip.<n>  the IP last reserved in range set n: where round-robin resumes
 *   .idx/<id>@<ifname>    index entry: names of the files holding that attachment, one per
 *                         line after a '#' header ("<id>@" for legacy id-only files)
 *   .idx/.boot-<boot id>  written last by a rebuild: the index was built during this boot
 *
 * Reservations are written into an anonymous O_TMPFILE and linkat()ed to their name, so a
 * file never exists half-written and EEXIST is the reservation conflict (the reference's
 * O_EXCL). No fsync: the files only have to survive our process, not the host; after a
 * power loss the boot marker forces an index rebuild, and an empty reservation file (what
 * delayed allocation may leave, or a Go plugin that died between create and write, plugins
 * #498) is free: it is reclaimed under the lock.
 *
 * Index trust. After every change we stamp the directory and .idx with one fresh
 * nanosecond CLOCK_REALTIME value (.idx last). Anyone else creating or removing a file gives
 * the directory a kernel timestamp, so mtime(dir) == mtime(.idx) means nobody touched the
 * directory behind our back. Untrusted: one full walk rebuilds the index. Crash safety
 * rests on an ordering rule: an entry gains a name before the file is created and loses it
 * only after the file is gone, so whatever state a crash leaves, every entry lists a
 * superset of the truth; lookups verify each name against the file's content and drop
 * stale ones. A rebuild removes the boot marker first and writes it last, and it first
 * stamps the directory with a value it reads back exactly: not the owner, or a filesystem
 * without nanosecond timestamps, and the index is never used (every lookup walks). Files
 * whose content cannot name an entry (long or odd ids) are not indexed: lookups for such
 * ids always walk. Only changes by someone holding the lock (as the Go plugin does) or
 * made while no one holds it are detected; rewriting a file's content in place is not.
 *
 * Hostile contents. dataDir is the administrator's path (cleaned lexically like Go's
 * filepath.Join, so both plugins use one directory; symbolic links in it are followed as
 * the reference does). Everything below it is untrusted: <network> must be a directory
 * owned by root or us (a symbolic link there would take every write elsewhere), every
 * file is opened relative to its fd by a single validated name with O_NOFOLLOW, through
 * O_PATH first (a FIFO or device is never opened for real, so nothing blocks), and a file
 * written in place (lock, last_reserved_ip.<n>, index entries) must be a regular file of
 * ours with no other hard link. A symbolic link, FIFO or directory under a reservation's
 * name is just a taken address; an index entry without our header is not trusted.
 */
#include "store.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "cni.h"
#include "io.h"

#define LOCK_NAME "lock"
#define LAST_PREFIX "last_reserved_ip."
#define IDX_DIR ".idx"
#define IDX_TMP ".tmp"
#define IDX_BOOT ".boot-"
#define IDX_HEADER "#host-local index v1\n"
#define CONTENT_MAX 4096 /* a reservation file larger than this is not one */
#define ENTRY_MAX (64 * 1024)
#define LOCK_REARM_US 50000 /* re-interrupt flock() in case the first alarm came early */

enum idx_mode {
	IDX_UNKNOWN, /* not looked at yet */
	IDX_ON,	     /* trusted (or rebuilt): entries are maintained, stamped at close */
	IDX_OFF,     /* unusable in this operation: lookups use the walk */
};

struct store_file {
	char *name;
	char *content; /* trimmed; NULL: unreadable or too large */
};

struct store {
	int dfd;
	int lock_fd;
	int idx_fd;
	enum idx_mode mode;
	bool dirty;  /* the index was changed: stamp at close */
	bool walked; /* files[] mirrors the directory */
	struct store_file *files;
	size_t n_files, files_cap;
	char boot[64];
	struct store_stats stats;
	char culprit[NAME_MAX + 1]; /* the file the last refusal was about */
	int culprit_err;	    /* why: -ELOOP, -EBADFD, -EISDIR */
};

struct strv {
	char **v;
	size_t n, cap;
};

static void strv_done(struct strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct strv){0};
}

static int strv_push(struct strv *l, const char *s)
{
	/* Grown geometrically: a GC lists every file of a store (tens of thousands). */
	if (ARRAY_RESERVE(l->v, l->cap, l->n) < 0)
		return -ENOMEM;
	l->v[l->n] = strdup(s);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static bool strv_has(const struct strv *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static void closedirp(DIR **d)
{
	if (*d)
		(void)closedir(*d);
}

/* ---- small file helpers ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Go's strings.TrimSpace for ASCII, in place; returns the start. */
static char *trim(char *s, size_t len)
{
	while (len > 0 && is_space(s[len - 1]))
		len--;
	s[len] = '\0';
	while (is_space(*s))
		s++;
	return s;
}

/* Read a regular file of at most size-1 bytes into buf (NUL-terminated). */
static int read_small(int dfd, const char *name, char *buf, size_t size, size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = io_open_regular(dfd, name, O_RDONLY | O_NOFOLLOW, 0, &fd);
	if (r < 0)
		return r == -EINVAL || r == -EISDIR ? -EBADFD : r;
	return io_read(fd, buf, size, ret_len);
}

/* What is wrong with a file refused with r (see refuse()). */
static const char *file_problem(int r)
{
	switch (r) {
	case -ELOOP:
		return "a symbolic link, not a regular file";
	case -EISDIR:
		return "a directory, not a regular file";
	case -EMLINK:
		return "a file with other hard links (writing it would change them too)";
	case -EPERM:
		return "owned by another user";
	case -EBADFD:
		return "a FIFO, socket or device, not a regular file";
	default:
		return strerror(r < 0 ? -r : EIO);
	}
}

/* Read a file of ours (never through a link of any kind) of at most size-1 bytes. */
static int read_own(int dfd, const char *name, char *buf, size_t size, size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = io_open_own(dfd, name, O_RDONLY, 0, &fd);
	if (r < 0)
		return r == -EINVAL || r == -EISDIR ? -EBADFD : r;
	return io_read(fd, buf, size, ret_len);
}

/* A file of ours that must be written in place is not a plain regular file of ours:
 * remember which one and why (store_strerror() says so), and fail with -ELOOP (a symbolic
 * link), -EISDIR, -EBADFD (a FIFO, socket or device), -EMLINK (it has other names: writing
 * it would change a file elsewhere) or -EPERM (someone else's). Nothing was opened for
 * real: a FIFO never blocks. */
static int refuse(struct store *s, const char *name, int r)
{
	if (r == -EINVAL)
		r = -EBADFD;
	if (r != -ELOOP && r != -EBADFD && r != -EISDIR && r != -EMLINK && r != -EPERM)
		return r;
	snprintf(s->culprit, sizeof(s->culprit), "%s", name);
	s->culprit_err = r;
	return r;
}

/* Open (creating it when missing) a file of ours to write in place: never through a
 * symbolic link or another hard link, never anything but a regular file. */
static int open_for_write(struct store *s, int dfd, const char *name, int flags, int *ret)
{
	int r;

	r = io_open_own(dfd, name, flags | O_CREAT, 0600, ret);
	return r < 0 ? refuse(s, name, r) : 0;
}

/* The content a reservation of (id, ifname) has once trimmed; ifname NULL: legacy "id". */
static int want_content(const char *id, const char *ifname, char buf[static CONTENT_MAX])
{
	size_t len = strlen(id);
	int n;

	while (len > 0 && is_space(id[len - 1]))
		len--;
	while (len > 0 && is_space(*id)) {
		id++;
		len--;
	}
	if (len > INT_MAX)
		return -ENAMETOOLONG;
	if (ifname)
		n = snprintf(buf, CONTENT_MAX, "%.*s\r\n%s", (int)len, id, ifname);
	else
		n = snprintf(buf, CONTENT_MAX, "%.*s", (int)len, id);
	return n < 0 || n >= CONTENT_MAX ? -ENAMETOOLONG : 0;
}

/* A name the reference could have written as a reservation: not one of its other files,
 * not hidden (our temp files and .idx). Names that an index entry's lines cannot hold (a
 * newline in them, or a leading '#' like the header) are never reservations either: no
 * plugin writes them (reservations are named after addresses), and the walk and the index
 * must agree on what counts (found by fuzz_store). */
static bool is_candidate_name(const char *name)
{
	return name[0] != '.' && name[0] != '#' && strcmp(name, LOCK_NAME) != 0 &&
	       strncmp(name, LAST_PREFIX, strlen(LAST_PREFIX)) != 0 && !strpbrk(name, "/\n") &&
	       strlen(name) <= NAME_MAX;
}

/* Index entry name for a (trimmed) content: "<id>@<ifname>", "<id>@" for legacy. */
static bool entry_name(const char *content, char ret[static NAME_MAX + 1])
{
	const char *sep = strstr(content, "\r\n");
	size_t idlen = sep ? (size_t)(sep - content) : strlen(content);
	const char *ifname = sep ? sep + 2 : "";
	size_t iflen = strlen(ifname);
	char name[NAME_MAX + 1];

	if (idlen == 0 || idlen + 1 + iflen > NAME_MAX)
		return false;
	memcpy(name, content, idlen);
	name[idlen] = '\0';
	if (!cni_valid_container_id(name) || (*ifname && !cni_valid_ifname(ifname, NULL)))
		return false;
	name[idlen] = '@';
	memcpy(name + idlen + 1, ifname, iflen + 1);
	memcpy(ret, name, idlen + iflen + 2);
	return true;
}

/* ---- locking ---- */

static void on_alarm(int sig)
{
	(void)sig; /* only there to interrupt flock() */
}

static long long ms_since(const struct timespec *t0)
{
	struct timespec now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000LL + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* flock(LOCK_EX), the lock the reference takes on the same file, bounded by timeout_ms: a
 * blocking flock() interrupted by SIGALRM (an interval timer re-fires in case the first
 * signal arrives before flock() sleeps). The previous handler, timer and mask are restored.
 * fcntl/OFD locks would not exclude the Go plugin's flock, so they are not an option. */
static int lock_wait(int fd, unsigned timeout_ms)
{
	struct sigaction sa = {.sa_handler = on_alarm}, old_sa;
	struct itimerval it = {
		.it_value = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000},
		.it_interval = {.tv_usec = LOCK_REARM_US},
	};
	struct itimerval old_it;
	sigset_t alrm, old_mask;
	struct timespec t0;
	int r;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return -errno;
	if (timeout_ms == 0)
		return -ETIMEDOUT;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	sigemptyset(&sa.sa_mask); /* no SA_RESTART: flock() must fail with EINTR */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	if (sigaction(SIGALRM, &sa, &old_sa) < 0)
		return -errno;
	(void)sigprocmask(SIG_UNBLOCK, &alrm, &old_mask);
	if (setitimer(ITIMER_REAL, &it, &old_it) < 0) {
		r = -errno;
		goto restore;
	}
	for (;;) {
		if (flock(fd, LOCK_EX) == 0) {
			r = 0;
			break;
		}
		if (errno != EINTR) {
			r = -errno;
			break;
		}
		if (ms_since(&t0) >= timeout_ms) {
			r = -ETIMEDOUT;
			break;
		}
	}
	(void)setitimer(ITIMER_REAL, &old_it, NULL);
restore:
	(void)sigaction(SIGALRM, &old_sa, NULL);
	(void)sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return r;
}

/* ---- the directory ---- */

/* Go's filepath.Clean: the reference joins dataDir and the network name with
 * filepath.Join, which cleans lexically ("a/b/../c" is "a/c" even when b is a symbolic
 * link); the same config must name the same directory for both. out has room for
 * strlen(in) + 2 bytes. */
static void path_clean(const char *in, char *out)
{
	bool rooted = in[0] == '/';
	size_t r = rooted, w = rooted, n = strlen(in), dotdot = rooted;

	if (rooted)
		out[0] = '/';
	while (r < n) {
		if (in[r] == '/') {
			r++;
		} else if (in[r] == '.' && (r + 1 == n || in[r + 1] == '/')) {
			r++;
		} else if (in[r] == '.' && in[r + 1] == '.' && (r + 2 == n || in[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				/* drop the last element */
				for (w--; w > dotdot && out[w] != '/'; w--)
					;
			} else if (!rooted) {
				/* a relative path keeps its leading ".." */
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && in[r] != '/'; r++)
				out[w++] = in[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void why_fmt(char *why, const char *fmt, ...) _printf_(2, 3);
static void why_fmt(char *why, const char *fmt, ...)
{
	va_list ap;

	if (!why)
		return;
	va_start(ap, fmt);
	vsnprintf(why, STORE_ERRLEN, fmt, ap);
	va_end(ap);
}

/* dataDir is the administrator's: it is created like the reference's MkdirAll and may go
 * through symbolic links. The network's directory in it is ours, and everything happens
 * relative to it: it must be a real directory (a symbolic link there would take every
 * write elsewhere), owned by us or root. */
static int open_dir(const char *data_dir, const char *network, int *ret, char *why)
{
	_cleanup_close_ int top = -EBADF, fd = -EBADF;
	char path[PATH_MAX];
	struct stat st;
	int r;

	if (!network || !*network || strchr(network, '/') || network[0] == '.' || strlen(network) > NAME_MAX)
		return -EINVAL;
	if (!data_dir || !*data_dir)
		data_dir = STORE_DEFAULT_DIR;
	if (strlen(data_dir) + 2 > sizeof(path))
		return -ENAMETOOLONG;
	path_clean(data_dir, path);
	r = mkdir_p(path, 0755);
	if (r < 0)
		return r;
	/* O_DIRECTORY: anything but a directory fails before it is opened (never blocks). */
	top = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return -errno;
	if (mkdirat(top, network, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(top, network, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (fstatat(top, network, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
			why_fmt(why, "it is a symbolic link: refusing to follow it out of the data directory");
			return -ELOOP;
		}
		if (r == -ENOTDIR)
			why_fmt(why, "it is not a directory");
		return r;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		why_fmt(why, "it belongs to uid %u, neither root nor this plugin's user: refusing to use it",
			(unsigned)st.st_uid);
		return -EPERM;
	}
	*ret = TAKE_FD(fd);
	return 0;
}

/* The network's directory and its lock file (created as go-filemutex does: 0750). */
static int open_dir_and_lock(const char *data_dir, const char *network, int *ret_dfd, int *ret_lock_fd,
			     char *why)
{
	_cleanup_close_ int dfd = -EBADF;
	int r, fd;

	r = open_dir(data_dir, network, &dfd, why);
	if (r < 0)
		return r;
	r = io_open_own(dfd, LOCK_NAME, O_RDONLY | O_CREAT, 0750, &fd);
	if (r < 0) {
		why_fmt(why, "its lock file is %s: refusing to use it", file_problem(r == -EINVAL ? -EBADFD : r));
		return r;
	}
	*ret_dfd = TAKE_FD(dfd);
	*ret_lock_fd = fd;
	return 0;
}

int store_open(const char *data_dir, const char *network, unsigned timeout_ms, struct store **ret, char *why)
{
	_cleanup_close_ int dfd = -EBADF, lock_fd = -EBADF;
	struct store *s;
	int r;

	if (why)
		why[0] = '\0';
	r = open_dir_and_lock(data_dir, network, &dfd, &lock_fd, why);
	if (r < 0)
		return r;
	r = lock_wait(lock_fd, timeout_ms);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dfd = TAKE_FD(dfd);
	s->lock_fd = TAKE_FD(lock_fd);
	s->idx_fd = -EBADF;
	*ret = s;
	return 0;
}

static void files_free(struct store *s)
{
	for (size_t i = 0; i < s->n_files; i++) {
		free(s->files[i].name);
		free(s->files[i].content);
	}
	free(s->files);
	s->files = NULL;
	s->n_files = s->files_cap = 0;
	s->walked = false;
}

static int files_add(struct store *s, const char *name, const char *content)
{
	int r = ARRAY_RESERVE(s->files, s->files_cap, s->n_files);
	struct store_file f = {.name = strdup(name), .content = content ? strdup(content) : NULL};

	if (r < 0 || !f.name || (content && !f.content)) {
		free(f.name);
		free(f.content);
		return -ENOMEM;
	}
	s->files[s->n_files++] = f;
	return 0;
}

/* Drop files[i]; the last record moves into its slot. */
static void files_remove_at(struct store *s, size_t i)
{
	free(s->files[i].name);
	free(s->files[i].content);
	s->files[i] = s->files[--s->n_files];
}

static void files_remove(struct store *s, const char *name)
{
	for (size_t i = 0; i < s->n_files; i++)
		if (strcmp(s->files[i].name, name) == 0) {
			files_remove_at(s, i);
			return;
		}
}

static int walk_one(struct store *s, const char *name)
{
	char buf[CONTENT_MAX];
	size_t len;
	int r;

	r = read_small(s->dfd, name, buf, sizeof(buf), &len);
	if (r == -ENOENT || r == -EBADFD || r == -ELOOP)
		return 0; /* gone, a directory, a symlink: not a reservation */
	if (r < 0 && r != -EFBIG)
		return r;
	return files_add(s, name, r < 0 ? NULL : trim(buf, len));
}

/* Read every candidate file of the directory into s->files: the reference's walk. */
static int walk(struct store *s)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	int fd, r;

	files_free(s);
	fd = openat(s->dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	s->stats.walks++;
	while ((errno = 0, de = readdir(d))) {
		if (!is_candidate_name(de->d_name) || (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
			continue;
		r = walk_one(s, de->d_name);
		if (r < 0) {
			files_free(s);
			return r;
		}
	}
	if (errno) {
		r = -errno;
		files_free(s);
		return r;
	}
	s->walked = true;
	return 0;
}

/* ---- the index ---- */

static int read_boot_id(struct store *s)
{
	char buf[64];
	size_t len;
	int r;

	if (s->boot[0])
		return 0;
	r = read_small(AT_FDCWD, "/proc/sys/kernel/random/boot_id", buf, sizeof(buf), &len);
	/* Without /proc the marker cannot tell boots apart; the index still works. */
	snprintf(s->boot, sizeof(s->boot), "%s%s", IDX_BOOT, r < 0 ? "unknown" : trim(buf, len));
	return 0;
}

static void fresh_time(struct timespec *t)
{
	(void)clock_gettime(CLOCK_REALTIME, t);
	if (t->tv_nsec == 0)
		t->tv_nsec = 1; /* never what a 1-second-granular filesystem stores */
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* 1: the index is complete and can be used as is. */
static int index_trusted(struct store *s)
{
	struct stat sd, si;

	if (s->idx_fd < 0) {
		s->idx_fd = openat(s->dfd, IDX_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (s->idx_fd < 0)
			return errno == ENOENT ? 0 : -errno;
	}
	if (fstat(s->dfd, &sd) < 0 || fstat(s->idx_fd, &si) < 0)
		return -errno;
	if (!same_time(&sd.st_mtim, &si.st_mtim))
		return 0;
	(void)read_boot_id(s);
	return faccessat(s->idx_fd, s->boot, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Give the directory a fresh timestamp of ours and check the filesystem stored it exactly. */
static int bump_dir(struct store *s)
{
	struct timespec t[2] = {{.tv_nsec = UTIME_OMIT}};
	struct stat st;

	fresh_time(&t[1]);
	if (futimens(s->dfd, t) < 0)
		return -errno;
	if (fstat(s->dfd, &st) < 0)
		return -errno;
	return same_time(&st.st_mtim, &t[1]) ? 0 : -EOPNOTSUPP;
}

static int stamp(struct store *s)
{
	struct timespec t[2] = {{.tv_nsec = UTIME_OMIT}};

	fresh_time(&t[1]);
	if (futimens(s->dfd, t) < 0)
		return -errno;
	/* .idx last: a crash in between leaves them different, i.e. untrusted. */
	if (futimens(s->idx_fd, t) < 0)
		return -errno;
	return 0;
}

/* Something went wrong while maintaining the index: make sure nobody trusts it, and use
 * the walk for the rest of this operation. */
static void index_invalidate(struct store *s)
{
	if (s->idx_fd >= 0 && s->boot[0])
		(void)unlinkat(s->idx_fd, s->boot, 0);
	s->mode = IDX_OFF;
}

static int entry_write_file(struct store *s, const char *ename, const char *const *names, size_t n)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(IDX_HEADER), off;
	int r;

	for (size_t i = 0; i < n; i++)
		len += strlen(names[i]) + 1;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	off = strlen(IDX_HEADER);
	memcpy(buf, IDX_HEADER, off);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(names[i]);

		memcpy(buf + off, names[i], l);
		buf[off + l] = '\n';
		off += l + 1;
	}
	r = open_for_write(s, s->idx_fd, ename, O_WRONLY | O_TRUNC, &fd);
	if (r < 0)
		return r;
	r = io_write_all(fd, buf, len);
	s->dirty = true;
	return r;
}

/* Replace an entry atomically (an entry must never lose a name that still exists). */
static int entry_write(struct store *s, const char *ename, const struct strv *names)
{
	int r;

	s->dirty = true;
	if (names->n == 0)
		return unlinkat(s->idx_fd, ename, 0) < 0 && errno != ENOENT ? -errno : 0;
	r = entry_write_file(s, IDX_TMP, (const char *const *)names->v, names->n);
	if (r < 0)
		return r;
	return renameat(s->idx_fd, IDX_TMP, s->idx_fd, ename) < 0 ? -errno : 0;
}

/* Add one name, before the file it names is created. One write(): a line is never torn
 * by a crash of ours. */
static int entry_append(struct store *s, const char *ename, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	char line[sizeof(IDX_HEADER) + NAME_MAX + 2];
	struct stat st;
	int n, r;

	r = open_for_write(s, s->idx_fd, ename, O_WRONLY | O_APPEND, &fd);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return -errno;
	n = snprintf(line, sizeof(line), "%s%s\n", st.st_size == 0 ? IDX_HEADER : "", name);
	s->dirty = true;
	return io_write_all(fd, line, (size_t)n);
}

static int entry_read(struct store *s, const char *ename, struct strv *ret)
{
	_cleanup_free_ char *buf = malloc(ENTRY_MAX);
	struct strv l = {0};
	size_t len;
	char *line, *save = NULL;
	int r;

	if (!buf)
		return -ENOMEM;
	r = read_own(s->idx_fd, ename, buf, ENTRY_MAX, &len);
	if (r == -ENOENT) {
		*ret = l;
		return 0;
	}
	if (r < 0)
		return r;
	/* Every entry we write starts with the header: anything else is not ours. */
	if (strncmp(buf, IDX_HEADER, strlen(IDX_HEADER)) != 0)
		return -EBADMSG;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !is_candidate_name(line) || strv_has(&l, line))
			continue;
		r = strv_push(&l, line);
		if (r < 0) {
			strv_done(&l);
			return r;
		}
	}
	*ret = l;
	return 0;
}

/* ---- rebuilding the index ---- */

/* One entry as the walk says it should be: its name and its files, sorted. */
struct group {
	char ename[NAME_MAX + 1];
	const char **names;
	size_t n;
	bool ok; /* the entry on disk already says this */
};

struct groups {
	struct group *v;
	size_t n;
	const char **names; /* storage behind every group's names */
};

static void groups_done(struct groups *g)
{
	free(g->v);
	free(g->names);
}

static int cmp_files(const void *a, const void *b)
{
	const struct store_file *fa = *(const struct store_file *const *)a;
	const struct store_file *fb = *(const struct store_file *const *)b;
	int c = strcmp(fa->content, fb->content);

	return c ? c : strcmp(fa->name, fb->name);
}

static int cmp_groups(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->ename, ((const struct group *)b)->ename);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Group s->files by content into entries, sorted by entry name. */
static int groups_build(const struct store *s, struct groups *ret)
{
	_cleanup_free_ const struct store_file **v = calloc(s->n_files + 1, sizeof(*v));
	struct groups g = {
		.v = calloc(s->n_files + 1, sizeof(*g.v)),
		.names = calloc(s->n_files + 1, sizeof(*g.names)),
	};
	size_t n = 0, k = 0;

	if (!v || !g.v || !g.names) {
		groups_done(&g);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->n_files; i++)
		if (s->files[i].content && s->files[i].content[0])
			v[n++] = &s->files[i];
	qsort(v, n, sizeof(*v), cmp_files);
	for (size_t i = 0, j; i < n; i = j) {
		struct group *e = &g.v[g.n];

		for (j = i; j < n && strcmp(v[j]->content, v[i]->content) == 0; j++)
			g.names[k + j - i] = v[j]->name;
		if (!entry_name(v[i]->content, e->ename))
			continue; /* not indexable: lookups for it walk */
		e->names = &g.names[k];
		e->n = j - i;
		k += j - i;
		g.n++;
	}
	qsort(g.v, g.n, sizeof(*g.v), cmp_groups);
	*ret = g;
	return 0;
}

/* Does the entry on disk list exactly the group's names? */
static bool entry_matches(struct store *s, const struct group *g)
{
	_cleanup_(strv_done) struct strv cur = {0};

	if (entry_read(s, g->ename, &cur) < 0 || cur.n != g->n)
		return false;
	qsort(cur.v, cur.n, sizeof(*cur.v), cmp_str);
	for (size_t i = 0; i < cur.n; i++)
		if (strcmp(cur.v[i], g->names[i]) != 0)
			return false;
	return true;
}

/* One pass over .idx: pass 0 removes the boot markers (from then on a crash leaves the index
 * untrusted), pass 1 removes entries nobody needs and marks those already right. */
static int sync_pass(struct store *s, DIR *d, int pass, struct groups *g)
{
	struct dirent *de;
	int r = 0;

	rewinddir(d);
	while ((de = readdir(d))) {
		bool boot = strncmp(de->d_name, IDX_BOOT, strlen(IDX_BOOT)) == 0;
		struct group key = {0}, *e = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 || boot != (pass == 0))
			continue;
		if (!boot && strlen(de->d_name) <= NAME_MAX) {
			memcpy(key.ename, de->d_name, strlen(de->d_name) + 1);
			e = bsearch(&key, g->v, g->n, sizeof(*g->v), cmp_groups);
		}
		if (e && entry_matches(s, e)) {
			e->ok = true;
			continue;
		}
		if (!e && unlinkat(s->idx_fd, de->d_name, 0) < 0 && errno != ENOENT && r == 0)
			r = -errno;
	}
	return r;
}

/* Make .idx say what the walk found, writing only the entries that differ: after another
 * binary's ADD or DEL that is one entry, not one per attachment. */
static int index_sync(struct store *s)
{
	_cleanup_(groups_done) struct groups g = {0};
	_cleanup_(closedirp) DIR *d = NULL;
	int fd, r;

	r = groups_build(s, &g);
	if (r < 0)
		return r;
	fd = openat(s->idx_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	for (int pass = 0; pass < 2; pass++) {
		r = sync_pass(s, d, pass, &g);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < g.n; i++) {
		if (g.v[i].ok)
			continue;
		r = entry_write_file(s, g.v[i].ename, g.v[i].names, g.v[i].n);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Rebuild .idx from s->files (a fresh walk). The boot marker goes first and comes back
 * last: until then, whatever the timestamps say, the index is not trusted. */
static int index_rebuild(struct store *s)
{
	_cleanup_close_ int boot = -EBADF;
	int r;

	/* Not the owner, or no nanosecond timestamps: never use an index here. */
	r = bump_dir(s);
	if (r < 0)
		return r;
	if (s->idx_fd < 0) {
		if (mkdirat(s->dfd, IDX_DIR, 0700) < 0 && errno != EEXIST)
			return -errno;
		s->idx_fd = openat(s->dfd, IDX_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (s->idx_fd < 0)
			return -errno;
	}
	(void)read_boot_id(s);
	r = index_sync(s);
	if (r < 0)
		return r;
	r = open_for_write(s, s->idx_fd, s->boot, O_WRONLY, &boot);
	if (r < 0)
		return r;
	s->dirty = true;
	s->stats.rebuilds++;
	return 0;
}

/* Before any lookup or change: trust the index, or walk and rebuild it. */
static int index_ready(struct store *s)
{
	int r;

	if (s->mode != IDX_UNKNOWN)
		return 0;
	r = index_trusted(s);
	if (r > 0) {
		s->mode = IDX_ON;
		return 0;
	}
	s->mode = IDX_OFF;
	r = walk(s);
	if (r < 0)
		return r;
	if (index_rebuild(s) >= 0)
		s->mode = IDX_ON;
	else
		index_invalidate(s);
	return 0;
}

/* ---- lookups ---- */

/* 1 when the file `name` is a reservation with exactly this content. */
static int verify(struct store *s, const char *name, const char *want)
{
	char buf[CONTENT_MAX];
	size_t len;
	int r;

	r = read_small(s->dfd, name, buf, sizeof(buf), &len);
	if (r == -ENOENT || r == -EBADFD || r == -ELOOP || r == -EFBIG)
		return 0;
	if (r < 0)
		return r;
	return strcmp(trim(buf, len), want) == 0;
}

static int lookup_walked(struct store *s, const char *want, struct strv *ret)
{
	struct strv l = {0};

	for (size_t i = 0; i < s->n_files; i++) {
		if (!s->files[i].content || strcmp(s->files[i].content, want) != 0)
			continue;
		if (strv_push(&l, s->files[i].name) < 0) {
			strv_done(&l);
			return -ENOMEM;
		}
	}
	*ret = l;
	return 0;
}

/* Names of the files whose trimmed content is exactly `want`. */
static int lookup(struct store *s, const char *want, struct strv *ret)
{
	_cleanup_(strv_done) struct strv cand = {0}, hit = {0};
	char ename[NAME_MAX + 1];
	int r;

	r = index_ready(s);
	if (r < 0)
		return r;
	if (s->walked)
		return lookup_walked(s, want, ret);
	if (s->mode != IDX_ON || !entry_name(want, ename)) {
		r = walk(s);
		return r < 0 ? r : lookup_walked(s, want, ret);
	}
	r = entry_read(s, ename, &cand);
	if (r < 0) {
		/* An entry we cannot read (or too large to be ours): distrust it, walk. */
		index_invalidate(s);
		r = walk(s);
		return r < 0 ? r : lookup_walked(s, want, ret);
	}
	for (size_t i = 0; i < cand.n; i++) {
		r = verify(s, cand.v[i], want);
		if (r < 0)
			return r;
		if (r > 0 && strv_push(&hit, cand.v[i]) < 0)
			return -ENOMEM;
	}
	/* Drop stale names (the file is gone or now belongs to someone else). */
	if (hit.n != cand.n && entry_write(s, ename, &hit) < 0)
		index_invalidate(s);
	*ret = hit;
	hit = (struct strv){0};
	return 0;
}

/* ---- changes ---- */

/* 1: name is free (an empty leftover file was removed), 0: taken. */
static int check_free(struct store *s, const char *name)
{
	struct stat st;

	if (fstatat(s->dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 1 : -errno;
	if (!S_ISREG(st.st_mode) || st.st_size != 0)
		return 0;
	if (unlinkat(s->dfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	files_remove(s, name);
	s->dirty = true;
	return 1;
}

static int link_tmpfile(int fd, int dfd, const char *name)
{
	char proc[64];

	if (linkat(fd, "", dfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH (ENOENT without it); /proc does not. */
	if (errno != ENOENT && errno != EPERM)
		return -errno;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, dfd, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	return -errno;
}

/* Filesystems without hard links: the reference's O_EXCL create, removed if the write fails. */
static int create_excl(int dfd, const char *name, const char *data, size_t len)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	r = io_write_all(fd, data, len);
	if (r < 0) {
		(void)unlinkat(dfd, name, 0);
		return r;
	}
	return 1;
}

/* No O_TMPFILE (or no /proc): a hidden temp file linked to the name, then removed. */
static int create_via_temp(int dfd, const char *name, const char *data, size_t len)
{
	_cleanup_close_ int fd = -EBADF;
	char tmp[NAME_MAX + 8];
	int r;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	/* A leftover of a crash (or whatever else is planted there) is removed, and the temp
	 * file is always a new one: an existing inode is never opened, let alone written. */
	(void)unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = fchmod(fd, 0600) < 0 ? -errno : io_write_all(fd, data, len);
	if (r < 0) {
		(void)unlinkat(dfd, tmp, 0);
		return r;
	}
	r = linkat(dfd, tmp, dfd, name, 0) == 0 ? 1 : errno == EEXIST ? 0 : -errno;
	(void)unlinkat(dfd, tmp, 0);
	if (r == -EPERM || r == -EOPNOTSUPP)
		return create_excl(dfd, name, data, len);
	return r;
}

/* Create `name` with its full content in one step: 1 created, 0 it exists. */
static int create_file(int dfd, const char *name, const char *data)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(data);
	int r;

	fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)
			return create_via_temp(dfd, name, data, len);
		return -errno;
	}
	r = io_write_all(fd, data, len);
	if (r < 0)
		return r;
	r = link_tmpfile(fd, dfd, name);
	if (r == -EEXIST)
		return 0;
	if (r == -ENOENT || r == -EPERM || r == -EOPNOTSUPP)
		return create_via_temp(dfd, name, data, len);
	return r < 0 ? r : 1;
}

static int write_last(struct store *s, unsigned range_id, const char *ip)
{
	_cleanup_close_ int fd = -EBADF;
	char name[sizeof(LAST_PREFIX) + 12];
	size_t len = strlen(ip);
	ssize_t n;
	int r;

	snprintf(name, sizeof(name), LAST_PREFIX "%u", range_id);
	/* Overwrite, then cut: O_TRUNC would make ext4 flush the file at close (auto_da_alloc),
	 * a third of an ADD. A crash in between leaves at worst another IP in it, which only
	 * moves where the next round starts. */
	r = open_for_write(s, s->dfd, name, O_WRONLY, &fd);
	if (r < 0)
		return r;
	do
		n = pwrite(fd, ip, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return ftruncate(fd, (off_t)len) < 0 ? -errno : 0;
}

/* Unlink the files in `names` (verified just before); keep going, report the first error.
 * Names that could not be removed stay in *ret_kept. */
static int unlink_names(struct store *s, const struct strv *names, struct strv *ret_kept, size_t *ret_n)
{
	int r = 0;

	*ret_n = 0;
	for (size_t i = 0; i < names->n; i++) {
		if (unlinkat(s->dfd, names->v[i], 0) < 0 && errno != ENOENT) {
			if (r == 0)
				r = -errno;
			if (strv_push(ret_kept, names->v[i]) < 0)
				return -ENOMEM;
			continue;
		}
		files_remove(s, names->v[i]);
		s->dirty = true;
		(*ret_n)++;
	}
	return r;
}

int store_reserve(struct store *s, const char *id, const char *ifname, const struct ipnet_addr *ip,
		  unsigned range_id)
{
	char name[IPNET_STRLEN], want[CONTENT_MAX], ename[NAME_MAX + 1];
	int r;

	if (!ip->family || !ifname)
		return -EINVAL;
	ipnet_addr_fmt(ip, name);
	r = want_content(id, ifname, want);
	if (r < 0)
		return r;
	r = index_ready(s);
	if (r < 0)
		return r;
	r = check_free(s, name);
	if (r <= 0)
		return r;
	/* The entry first: it may name a file that does not exist, never the reverse. */
	if (s->mode == IDX_ON && entry_name(want, ename) && entry_append(s, ename, name) < 0)
		index_invalidate(s);
	r = create_file(s->dfd, name, want);
	if (r <= 0)
		return r;
	s->dirty = true; /* even when not indexed (odd ids): the index is still complete */
	if (s->walked && files_add(s, name, want) < 0)
		files_free(s); /* re-walked on the next lookup */
	r = write_last(s, range_id, name);
	if (r < 0) {
		/* Not reserved after all: the caller sees an error, so leave nothing behind. */
		(void)store_release(s, id, ifname, ip);
		return r;
	}
	return 1;
}

/* Remove `names` from the entry of `want` (after the files are gone). */
static void entry_forget(struct store *s, const char *want, const struct strv *gone)
{
	_cleanup_(strv_done) struct strv cur = {0}, keep = {0};
	char ename[NAME_MAX + 1];

	if (s->mode != IDX_ON || !entry_name(want, ename))
		return;
	if (entry_read(s, ename, &cur) < 0)
		goto fail;
	for (size_t i = 0; i < cur.n; i++)
		if (!strv_has(gone, cur.v[i]) && strv_push(&keep, cur.v[i]) < 0)
			goto fail;
	if (entry_write(s, ename, &keep) < 0)
		goto fail;
	return;
fail:
	index_invalidate(s);
}

int store_release(struct store *s, const char *id, const char *ifname, const struct ipnet_addr *ip)
{
	_cleanup_(strv_done) struct strv gone = {0};
	char name[IPNET_STRLEN], want[CONTENT_MAX];
	int r;

	r = want_content(id, ifname, want);
	if (r < 0)
		return r;
	r = index_ready(s);
	if (r < 0)
		return r;
	ipnet_addr_fmt(ip, name);
	r = verify(s, name, want);
	if (r <= 0)
		return r;
	if (unlinkat(s->dfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	files_remove(s, name);
	s->dirty = true;
	if (strv_push(&gone, name) < 0)
		index_invalidate(s);
	else
		entry_forget(s, want, &gone);
	return 1;
}

/* Release every file whose content is exactly `want`; the entry goes afterwards. */
static int release_content(struct store *s, const char *want, size_t *ret_n)
{
	_cleanup_(strv_done) struct strv names = {0}, kept = {0};
	char ename[NAME_MAX + 1];
	int r, k;

	r = lookup(s, want, &names);
	if (r < 0)
		return r;
	if (names.n == 0) {
		*ret_n = 0;
		return 0;
	}
	r = unlink_names(s, &names, &kept, ret_n);
	if (s->mode == IDX_ON && entry_name(want, ename)) {
		k = entry_write(s, ename, &kept);
		if (k < 0)
			index_invalidate(s);
	}
	return r;
}

int store_release_by_id(struct store *s, const char *id, const char *ifname)
{
	char want[CONTENT_MAX];
	size_t n = 0;
	int r;

	r = want_content(id, ifname, want);
	if (r < 0)
		return r;
	r = release_content(s, want, &n);
	if (r < 0 || n > 0)
		return r < 0 ? r : (int)n;
	/* Nothing in the current format: files written before ifname was stored. */
	r = want_content(id, NULL, want);
	if (r < 0)
		return r;
	r = release_content(s, want, &n);
	return r < 0 ? r : (int)n;
}

int store_find_by_id(struct store *s, const char *id, const char *ifname)
{
	_cleanup_(strv_done) struct strv a = {0}, b = {0};
	char want[CONTENT_MAX];
	int r;

	r = want_content(id, ifname, want);
	if (r < 0)
		return r;
	r = lookup(s, want, &a);
	if (r < 0 || a.n > 0)
		return r < 0 ? r : 1;
	r = want_content(id, NULL, want);
	if (r < 0)
		return r;
	r = lookup(s, want, &b);
	return r < 0 ? r : b.n > 0;
}

static int push_ips(const struct strv *names, struct ipnet_addr **v, size_t *n)
{
	for (size_t i = 0; i < names->n; i++) {
		struct ipnet_addr a, *g;

		if (ipnet_addr_parse(names->v[i], &a) < 0)
			continue; /* only files named after an IP hold one */
		g = realloc(*v, (*n + 1) * sizeof(**v));
		if (!g)
			return -ENOMEM;
		*v = g;
		(*v)[(*n)++] = a;
	}
	return 0;
}

int store_get_by_id(struct store *s, const char *id, const char *ifname, struct ipnet_addr **ret,
		    size_t *ret_n)
{
	_cleanup_(strv_done) struct strv a = {0}, b = {0};
	_cleanup_free_ struct ipnet_addr *v = NULL;
	char want[CONTENT_MAX];
	size_t n = 0;
	int r;

	r = want_content(id, ifname, want);
	if (r < 0)
		return r;
	r = lookup(s, want, &a);
	if (r < 0)
		return r;
	r = want_content(id, NULL, want);
	if (r < 0)
		return r;
	r = lookup(s, want, &b);
	if (r < 0)
		return r;
	if (push_ips(&a, &v, &n) < 0 || push_ips(&b, &v, &n) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int store_last_reserved(struct store *s, unsigned range_id, struct ipnet_addr *ret)
{
	char name[sizeof(LAST_PREFIX) + 12], buf[IPNET_STRLEN + 1];
	struct ipnet_addr a;
	size_t len;
	int r;

	snprintf(name, sizeof(name), LAST_PREFIX "%u", range_id);
	r = read_small(s->dfd, name, buf, sizeof(buf), &len);
	if (r == -ENOENT || r == -EFBIG || r == -EBADFD || r == -ELOOP)
		return 0;
	if (r < 0)
		return r;
	/* Parsed as is, like the reference's net.ParseIP(): garbage just restarts the round. */
	if (ipnet_addr_parse(buf, &a) < 0)
		return 0;
	*ret = a;
	return 1;
}

/* ---- GC ---- */

/* The contents that keep a file: "<id>\r\n<ifname>" of every valid attachment, and "<id>"
 * (a legacy id-only file is kept while its container has any attachment), sorted: each
 * file costs one binary search, however long the list (n files x m attachments would
 * not be bounded). */
static int gc_wants(const struct store_attachment *valid, size_t n, struct strv *ret)
{
	struct strv l = {0};

	for (size_t i = 0; i < n; i++) {
		char want[CONTENT_MAX];

		if (!valid[i].id)
			continue;
		if (valid[i].ifname && want_content(valid[i].id, valid[i].ifname, want) == 0 && strv_push(&l, want) < 0)
			goto oom;
		if (want_content(valid[i].id, NULL, want) == 0 && strv_push(&l, want) < 0)
			goto oom;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_str);
	*ret = l;
	return 0;
oom:
	strv_done(&l);
	return -ENOMEM;
}

static bool gc_keep(const char *content, const struct strv *wants)
{
	return wants->n && bsearch(&content, wants->v, wants->n, sizeof(*wants->v), cmp_str);
}

int store_gc(struct store *s, const struct store_attachment *valid, size_t n_valid)
{
	_cleanup_(strv_done) struct strv wants = {0};
	int r, first = 0, released = 0;

	r = gc_wants(valid, n_valid, &wants);
	if (r < 0)
		return r;
	r = walk(s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n_files;) {
		const struct store_file *f = &s->files[i];
		struct ipnet_addr a;

		/* Only IP-named files are reservations; unreadable ones are not ours to judge.
		 * Empty ones are leftovers of a crash (under the lock nobody is writing them). */
		if (ipnet_addr_parse(f->name, &a) < 0 || !f->content ||
		    (f->content[0] && gc_keep(f->content, &wants))) {
			i++;
			continue;
		}
		if (unlinkat(s->dfd, f->name, 0) < 0 && errno != ENOENT) {
			if (first == 0)
				first = -errno;
			i++;
			continue;
		}
		files_remove_at(s, i); /* the last record moves into slot i: look at it next */
		released++;
	}
	/* The walk was complete: rebuild the index from it. */
	s->mode = index_rebuild(s) >= 0 ? IDX_ON : IDX_OFF;
	if (s->mode == IDX_OFF)
		index_invalidate(s);
	return first < 0 ? first : released;
}

const char *store_strerror(const struct store *s, int r, char buf[static STORE_ERRLEN])
{
	if (!s || !s->culprit[0] || r != s->culprit_err) {
		snprintf(buf, STORE_ERRLEN, "%s", strerror(r < 0 ? -r : EIO));
		return buf;
	}
	snprintf(buf, STORE_ERRLEN, "%s in the store is %s: refusing to use it", s->culprit, file_problem(r));
	return buf;
}

const struct store_stats *store_stats(const struct store *s)
{
	return &s->stats;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->mode == IDX_ON && s->dirty)
		(void)stamp(s);
	if (s->idx_fd >= 0)
		(void)close(s->idx_fd);
	(void)close(s->lock_fd); /* releases the flock */
	(void)close(s->dfd);
	files_free(s);
	free(s);
}

int store_probe(const char *data_dir, const char *network, char *why)
{
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	int r;

	if (why)
		why[0] = '\0';
	r = open_dir_and_lock(data_dir, network, &dfd, &fd, why);
	if (r < 0)
		return r;
	(void)close(TAKE_FD(fd));
	/* An anonymous file proves that reservations can be created, and leaves no trace. */
	fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -errno;
	return faccessat(dfd, ".", W_OK | X_OK, AT_EACCESS) < 0 ? -errno : 0;
}
