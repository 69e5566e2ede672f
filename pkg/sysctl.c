/* sysctl.c: read/compare/write of /proc/sys entries. */
#include "sysctl.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"

static int open_key(const char *key, int flags)
{
	char path[256];

	if (snprintf(path, sizeof(path), "/proc/sys/%s", key) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return open(path, flags | O_CLOEXEC | O_NOCTTY);
}

int sysctl_read(const char *key, char *buf, size_t len)
{
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	fd = open_key(key, O_RDONLY);
	if (fd < 0)
		return fd == -ENAMETOOLONG ? fd : negerrno();
	n = read(fd, buf, len - 1);
	if (n < 0)
		return negerrno();
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

int sysctl_write(const char *key, const char *value)
{
	_cleanup_close_ int fd = -EBADF;
	char cur[64];
	size_t len = strlen(value);
	ssize_t n;

	fd = open_key(key, O_RDWR);
	if (fd < 0)
		return fd == -ENAMETOOLONG ? fd : negerrno();
	n = pread(fd, cur, sizeof(cur) - 1, 0);
	if (n > 0) {
		while (n > 0 && cur[n - 1] == '\n')
			n--;
		if ((size_t)n == len && memcmp(cur, value, len) == 0)
			return 0;
	}
	n = pwrite(fd, value, len, 0);
	if (n < 0)
		return negerrno();
	return (size_t)n == len ? 1 : -EIO;
}

int sysctl_writef(const char *value, const char *fmt, ...)
{
	char key[200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(key))
		return -ENAMETOOLONG;
	return sysctl_write(key, value);
}
