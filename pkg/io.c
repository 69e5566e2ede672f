/* io.c: whole-buffer reads and writes. */
#include "io.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "macro.h"

int io_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negerrno();
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int io_read(int fd, char *buf, size_t size, size_t *ret_len)
{
	size_t len = 0;

	for (;;) {
		/* Room for one byte more than fits: reading it means the content is too large. */
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negerrno();
		if (n == 0)
			break;
		len += (size_t)n;
		if (len >= size)
			return -EFBIG;
	}
	buf[len] = '\0';
	*ret_len = len;
	return 0;
}

int io_read_alloc(int fd, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0, len = 0;

	for (;;) {
		ssize_t n;

		/* Keep room for a byte and the NUL; never more than max + 1 bytes of content. */
		if (cap - len < 2) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *g;

			if (ncap > max + 2)
				ncap = max + 2;
			g = realloc(buf, ncap);
			if (!g)
				return -ENOMEM;
			buf = g;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negerrno();
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = '\0';
	*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* The inode behind an O_PATH fd, opened for real with the access mode of flags. own: it
 * must also have no other name and belong to us or root. */
static int reopen_regular(int pfd, int flags, bool own, int *ret_fd)
{
	char self[sizeof("/proc/self/fd/") + 12];
	struct stat st;
	int fd;

	if (fstat(pfd, &st) < 0)
		return negerrno();
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (own && st.st_nlink != 1)
		return -EMLINK;
	if (own && st.st_uid != geteuid() && st.st_uid != 0)
		return -EPERM;
	(void)snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	/* O_NONBLOCK: a lease on the file fails the open instead of blocking it. */
	fd = open(self, (flags & (O_ACCMODE | O_TRUNC | O_APPEND)) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return negerrno();
	*ret_fd = fd;
	return 0;
}

static int open_regular(int dirfd, const char *path, int flags, mode_t mode, bool own, int *ret_fd)
{
	/* A few rounds at most: a file created or removed by someone else between two calls. */
	for (unsigned round = 0; round < 8; round++) {
		_cleanup_close_ int pfd = -EBADF;
		int fd;

		pfd = openat(dirfd, path, O_PATH | O_CLOEXEC | (flags & O_NOFOLLOW));
		if (pfd >= 0)
			return reopen_regular(pfd, flags, own, ret_fd);
		if (errno != ENOENT || !(flags & O_CREAT))
			return negerrno();
		fd = openat(dirfd, path,
			    (flags & (O_ACCMODE | O_APPEND)) | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
			    mode);
		if (fd >= 0) {
			*ret_fd = fd;
			return 0;
		}
		if (errno != EEXIST)
			return negerrno();
	}
	return -EAGAIN;
}

int io_open_regular(int dirfd, const char *path, int flags, mode_t mode, int *ret_fd)
{
	return open_regular(dirfd, path, flags, mode, false, ret_fd);
}

int io_open_own(int dirfd, const char *name, int flags, mode_t mode, int *ret_fd)
{
	return open_regular(dirfd, name, flags | O_NOFOLLOW, mode, true, ret_fd);
}
