/* netns.c: validated namespace fds and a scoped enter/leave. */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "macro.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* The path is resolved with O_PATH, which never blocks and has no side effect whatever the
 * file is (a FIFO would block a plain open forever, a device open can act on hardware).
 * Only once the inode is known to be a namespace file is it opened for real, through
 * /proc/self/fd, so the checked inode is the one opened. Symlinks are followed: runtimes
 * pass /proc/<pid>/ns/net, which is one. */
int netns_open(const char *path, int *ret_fd)
{
	_cleanup_close_ int pfd = -EBADF, fd = -EBADF;
	char self[sizeof("/proc/self/fd/") + 12];
	struct statfs sfs;
	struct stat st;
	int type;

	if (!path || !*path)
		return -ENOENT;
	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : negerrno();
	if (fstat(pfd, &st) < 0 || fstatfs(pfd, &sfs) < 0)
		return negerrno();
	if (!S_ISREG(st.st_mode) || (sfs.f_type != NSFS_MAGIC && sfs.f_type != PROC_SUPER_MAGIC))
		return -EINVAL;
	(void)snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return negerrno();
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0 && errno != ENOTTY)
		return -EINVAL;
	if (type >= 0 && type != CLONE_NEWNET)
		return -EINVAL;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int netns_is_current(int fd)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0 || stat("/proc/thread-self/ns/net", &b) < 0)
		return negerrno();
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int netns_enter(int fd, struct netns_guard *ret_guard)
{
	_cleanup_close_ int orig = -EBADF;

	orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return negerrno();
	if (setns(fd, CLONE_NEWNET) < 0)
		return negerrno();
	ret_guard->orig_fd = TAKE_FD(orig);
	return 0;
}

void netns_leave(struct netns_guard *g)
{
	if (g->orig_fd < 0)
		return;
	if (setns(g->orig_fd, CLONE_NEWNET) < 0)
		abort();
	(void)close(g->orig_fd);
	g->orig_fd = -1;
}
