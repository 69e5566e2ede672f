/* test_io.c: bounded whole-buffer reads and writes (pkg/io.c) over pipes. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "io.h"

/* A pipe whose read end yields exactly `len` bytes of 'x' and then EOF. */
static int pipe_with(size_t len)
{
	int p[2];
	char *buf = malloc(len + 1);

	ck_assert_ptr_nonnull(buf);
	memset(buf, 'x', len);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(io_write_all(p[1], buf, len), 0);
	close(p[1]);
	free(buf);
	return p[0];
}

START_TEST(read_fits_exactly)
{
	char buf[8];
	size_t len = 99;
	int fd = pipe_with(7);

	ck_assert_int_eq(io_read(fd, buf, sizeof(buf), &len), 0);
	ck_assert_uint_eq(len, 7);
	ck_assert_str_eq(buf, "xxxxxxx");
	close(fd);
}
END_TEST

START_TEST(read_one_too_many)
{
	char buf[8];
	size_t len = 99;
	int fd = pipe_with(8);

	ck_assert_int_eq(io_read(fd, buf, sizeof(buf), &len), -EFBIG);
	ck_assert_uint_eq(len, 99); /* untouched on failure */
	close(fd);
}
END_TEST

START_TEST(read_empty)
{
	char buf[4];
	size_t len = 99;
	int fd = pipe_with(0);

	ck_assert_int_eq(io_read(fd, buf, sizeof(buf), &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(buf, "");
	close(fd);
}
END_TEST

/* Around the limit and across the growth steps (4096, 8192, ...). */
static const size_t alloc_sizes[] = {0, 1, 4094, 4095, 4096, 4097, 10000, 30000} /* a pipe holds 64 KiB */;

START_TEST(read_alloc_limits)
{
	size_t n = alloc_sizes[_i], len = 0;
	char *buf = NULL;
	int fd;

	fd = pipe_with(n);
	ck_assert_int_eq(io_read_alloc(fd, n, &buf, &len), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_uint_eq(strlen(buf), n);
	free(buf);
	close(fd);

	buf = NULL;
	fd = pipe_with(n + 1);
	ck_assert_int_eq(io_read_alloc(fd, n, &buf, &len), -EFBIG);
	ck_assert_ptr_null(buf);
	close(fd);
}
END_TEST

START_TEST(write_to_closed_pipe)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(io_write_all(p[1], "abc", 3), -EPIPE);
	close(p[1]);
}
END_TEST

/* ---- io_open_regular over every kind of file, in a mkdtemp directory ---- */

static int tmpdir_open(char dir[static 64])
{
	int dfd;

	snprintf(dir, 64, "/tmp/cni-io-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	return dfd;
}

static void tmpdir_rm(int dfd, const char *dir)
{
	static const char *const names[] = {"reg", "fifo", "sock", "dir", "link", "dangling", "loop1", "loop2",
					    "new", "link2", "hard", "theirs"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void)unlinkat(dfd, names[i], strcmp(names[i], "dir") == 0 ? AT_REMOVEDIR : 0);
	close(dfd);
	ck_assert_int_eq(rmdir(dir), 0);
}

START_TEST(open_regular_kinds)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[64], buf[16];
	size_t len;
	int dfd = tmpdir_open(dir), fd = -1, sk;

	ck_assert_int_ge(fd = openat(dfd, "reg", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), 0);
	ck_assert_int_eq(io_write_all(fd, "hello", 5), 0);
	close(fd);
	ck_assert_int_eq(mkfifoat(dfd, "fifo", 0600), 0);
	ck_assert_int_eq(mkdirat(dfd, "dir", 0700), 0);
	ck_assert_int_eq(symlinkat("reg", dfd, "link"), 0);
	ck_assert_int_eq(symlinkat("nowhere", dfd, "dangling"), 0);
	ck_assert_int_eq(symlinkat("loop2", dfd, "loop1"), 0);
	ck_assert_int_eq(symlinkat("loop1", dfd, "loop2"), 0);
	sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	ck_assert_int_eq(bind(sk, (struct sockaddr *)&sa, sizeof(sa)), 0);

	ck_assert_int_eq(io_open_regular(dfd, "reg", O_RDONLY, 0, &fd), 0);
	ck_assert_int_eq(io_read(fd, buf, sizeof(buf), &len), 0);
	ck_assert_str_eq(buf, "hello");
	close(fd);
	ck_assert_int_eq(io_open_regular(dfd, "fifo", O_RDONLY, 0, &fd), -EINVAL); /* never blocks */
	ck_assert_int_eq(io_open_regular(dfd, "fifo", O_WRONLY, 0, &fd), -EINVAL);
	ck_assert_int_eq(io_open_regular(dfd, "sock", O_RDONLY, 0, &fd), -EINVAL);
	ck_assert_int_eq(io_open_regular(AT_FDCWD, "/dev/null", O_RDONLY, 0, &fd), -EINVAL);
	ck_assert_int_eq(io_open_regular(dfd, "dir", O_RDONLY, 0, &fd), -EISDIR);
	ck_assert_int_eq(io_open_regular(dfd, "dangling", O_RDONLY, 0, &fd), -ENOENT);
	ck_assert_int_eq(io_open_regular(dfd, "loop1", O_RDONLY, 0, &fd), -ELOOP);
	/* Symlinks are followed unless O_NOFOLLOW. */
	ck_assert_int_eq(io_open_regular(dfd, "link", O_RDONLY, 0, &fd), 0);
	close(fd);
	ck_assert_int_eq(io_open_regular(dfd, "link", O_RDONLY | O_NOFOLLOW, 0, &fd), -ELOOP);
	/* O_CREAT never creates through a symlink, even a dangling one. */
	ck_assert_int_eq(io_open_regular(dfd, "dangling", O_RDONLY | O_CREAT | O_NOFOLLOW, 0600, &fd), -ELOOP);
	ck_assert_int_eq(faccessat(dfd, "nowhere", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	ck_assert_int_eq(io_open_regular(dfd, "new", O_WRONLY | O_CREAT | O_NOFOLLOW, 0600, &fd), 0);
	close(fd);
	ck_assert_int_eq(faccessat(dfd, "new", F_OK, AT_SYMLINK_NOFOLLOW), 0);
	close(sk);
	tmpdir_rm(dfd, dir);
}
END_TEST

/* io_open_own: a file of one's own, written in place: a second hard link (writing would
 * change the other name's file too), someone else's file and any symlink are refused. */
START_TEST(open_own)
{
	char dir[64];
	int dfd = tmpdir_open(dir), fd = -1;

	ck_assert_int_ge(fd = openat(dfd, "reg", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), 0);
	close(fd);
	ck_assert_int_eq(io_open_own(dfd, "reg", O_WRONLY, 0, &fd), 0);
	close(fd);
	ck_assert_int_eq(symlinkat("reg", dfd, "link"), 0);
	ck_assert_int_eq(io_open_own(dfd, "link", O_WRONLY, 0, &fd), -ELOOP); /* O_NOFOLLOW implied */
	ck_assert_int_eq(linkat(dfd, "reg", dfd, "hard", 0), 0);
	ck_assert_int_eq(io_open_own(dfd, "reg", O_WRONLY, 0, &fd), -EMLINK);
	ck_assert_int_eq(io_open_own(dfd, "hard", O_RDONLY, 0, &fd), -EMLINK);
	ck_assert_int_eq(mkfifoat(dfd, "fifo", 0600), 0);
	ck_assert_int_eq(io_open_own(dfd, "fifo", O_WRONLY | O_CREAT, 0600, &fd), -EINVAL); /* never blocks */
	ck_assert_int_eq(io_open_own(dfd, "new", O_WRONLY | O_CREAT, 0600, &fd), 0);
	close(fd);
	if (geteuid() == 0) {
		ck_assert_int_ge(fd = openat(dfd, "theirs", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666), 0);
		ck_assert_int_eq(fchown(fd, 65534, 65534), 0);
		close(fd);
		ck_assert_int_eq(io_open_own(dfd, "theirs", O_WRONLY, 0, &fd), -EPERM);
	}
	tmpdir_rm(dfd, dir);
}
END_TEST

Suite *io_suite(void)
{
	Suite *s = suite_create("io");
	TCase *tc = tcase_create("io");

	tcase_add_test(tc, read_fits_exactly);
	tcase_add_test(tc, read_one_too_many);
	tcase_add_test(tc, read_empty);
	tcase_add_loop_test(tc, read_alloc_limits, 0, sizeof(alloc_sizes) / sizeof(alloc_sizes[0]));
	tcase_add_test(tc, write_to_closed_pipe);
	tcase_add_test(tc, open_regular_kinds);
	tcase_add_test(tc, open_own);
	suite_add_tcase(s, tc);
	return s;
}
