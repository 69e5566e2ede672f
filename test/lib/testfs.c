/* testfs.c: hostile file-system objects and an outside victim (see testfs.h). */
#include "testfs.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "testns.h"

#define VICTIM_DATA "victim: must never change\n"

static const char *const kind_names[_TESTFS_MAX] = {
	[TESTFS_REGULAR] = "regular file",	[TESTFS_DIR] = "directory",
	[TESTFS_FIFO] = "FIFO",			[TESTFS_SOCKET] = "socket",
	[TESTFS_CHARDEV] = "character device",	[TESTFS_BLOCKDEV] = "block device",
	[TESTFS_SYMLINK_LOOP] = "symlink loop", [TESTFS_DANGLING] = "dangling symlink",
	[TESTFS_SYMLINK_OUT] = "symlink out",	[TESTFS_HARDLINK_OUT] = "hard link out",
	[TESTFS_UNREADABLE] = "unreadable file",
};

const char *testfs_kind_name(enum testfs_kind k)
{
	return k < _TESTFS_MAX ? kind_names[k] : "?";
}

void testfs_victim(const char *dir, char vdir[static PATH_MAX], char vfile[static PATH_MAX])
{
	int fd;

	xfmt(vdir, PATH_MAX, "%s/victim", dir);
	xfmt(vfile, PATH_MAX, "%s/data", vdir);
	ck_assert_msg(mkdir(vdir, 0755) == 0, "mkdir %s: %s", vdir, strerror(errno));
	fd = open(vfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	ck_assert_msg(fd >= 0, "create %s: %s", vfile, strerror(errno));
	ck_assert_int_eq(write(fd, VICTIM_DATA, strlen(VICTIM_DATA)), (ssize_t)strlen(VICTIM_DATA));
	close(fd);
}

bool testfs_victim_intact(const char *vdir, char *why, size_t len)
{
	char file[PATH_MAX + 8], buf[256];
	struct dirent *de;
	struct stat st;
	ssize_t n;
	DIR *d;
	int fd;

	d = opendir(vdir);
	if (!d) {
		snprintf(why, len, "victim %s: %s", vdir, strerror(errno));
		return false;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "data")) {
			snprintf(why, len, "%s was created in the victim directory %s", de->d_name, vdir);
			closedir(d);
			return false;
		}
	}
	closedir(d);
	snprintf(file, sizeof(file), "%s/data", vdir);
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, len, "victim %s is gone or no longer a regular file", file);
		if (fd >= 0)
			close(fd);
		return false;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n != (ssize_t)strlen(VICTIM_DATA) || memcmp(buf, VICTIM_DATA, (size_t)n) != 0 ||
	    (st.st_mode & 07777) != 0644) {
		buf[n > 0 ? n : 0] = '\0';
		snprintf(why, len, "victim %s was changed: mode %o, \"%s\"", file, st.st_mode & 07777, buf);
		return false;
	}
	return true;
}

void testfs_plant(const char *path, enum testfs_kind k, const char *vdir, bool to_dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char other[PATH_MAX + 8], vfile[PATH_MAX + 8];
	int fd, r = 0;

	snprintf(vfile, sizeof(vfile), "%s/data", vdir ? vdir : "/nonexistent");
	switch (k) {
	case TESTFS_REGULAR:
	case TESTFS_UNREADABLE:
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, k == TESTFS_REGULAR ? 0644 : 0);
		r = fd < 0 ? -1 : close(fd);
		break;
	case TESTFS_DIR:
		r = mkdir(path, 0755);
		break;
	case TESTFS_FIFO:
		r = mkfifo(path, 0600);
		break;
	case TESTFS_SOCKET:
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ck_assert_int_ge(fd, 0);
		ck_assert_msg(strlen(path) < sizeof(sa.sun_path), "socket path too long: %s", path);
		memcpy(sa.sun_path, path, strlen(path) + 1);
		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		if (r == 0)
			r = listen(fd, 1); /* kept open: a live listener for the rest of the test */
		break;
	case TESTFS_CHARDEV:
		r = mknod(path, S_IFCHR | 0600, makedev(1, 3));
		break;
	case TESTFS_BLOCKDEV:
		r = mknod(path, S_IFBLK | 0600, makedev(7, 0));
		break;
	case TESTFS_SYMLINK_LOOP:
		snprintf(other, sizeof(other), "%s.loop", path);
		r = symlink(other, path);
		if (r == 0)
			r = symlink(path, other);
		break;
	case TESTFS_DANGLING:
		snprintf(other, sizeof(other), "%s.nowhere", path);
		r = symlink(other, path);
		break;
	case TESTFS_SYMLINK_OUT:
		ck_assert_ptr_nonnull(vdir);
		r = symlink(to_dir ? vdir : vfile, path);
		break;
	case TESTFS_HARDLINK_OUT:
		ck_assert_ptr_nonnull(vdir);
		r = link(vfile, path);
		break;
	default:
		ck_abort_msg("unknown kind %d", k);
	}
	ck_assert_msg(r == 0, "cannot make %s a %s: %s", path, testfs_kind_name(k), strerror(errno));
}

void testfs_too_long(char *buf, size_t len)
{
	ck_assert_uint_gt(len, PATH_MAX + 1);
	memset(buf, 'a', PATH_MAX + 1);
	buf[0] = '/';
	buf[PATH_MAX + 1] = '\0';
}
