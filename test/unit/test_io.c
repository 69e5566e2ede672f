/* test_io.c: bounded whole-buffer reads and writes (pkg/io.c) over pipes. */
#include <check.h>
#include <errno.h>
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

Suite *io_suite(void)
{
	Suite *s = suite_create("io");
	TCase *tc = tcase_create("io");

	tcase_add_test(tc, read_fits_exactly);
	tcase_add_test(tc, read_one_too_many);
	tcase_add_test(tc, read_empty);
	tcase_add_loop_test(tc, read_alloc_limits, 0, sizeof(alloc_sizes) / sizeof(alloc_sizes[0]));
	tcase_add_test(tc, write_to_closed_pipe);
	suite_add_tcase(s, tc);
	return s;
}
