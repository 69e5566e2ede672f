/* netns.c: validated namespace fds and a scoped enter/leave. */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "macro.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

int netns_open(const char *path, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	struct statfs sfs;
	int type;

	if (!path || !*path)
		return -ENOENT;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : negerrno();
	if (fstatfs(fd, &sfs) < 0)
		return negerrno();
	if (sfs.f_type != NSFS_MAGIC && sfs.f_type != PROC_SUPER_MAGIC)
		return -EINVAL;
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
