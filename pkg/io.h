/* io.h: bounded, EINTR-safe reads and writes of whole buffers.
 *
 * io_read() fills a caller's buffer and NUL-terminates it; io_read_alloc() grows a heap
 * buffer up to a limit (the caller frees it). Both fail with -EFBIG beyond their bound,
 * never truncate silently. All return 0 / -errno.
 */
#ifndef CNI_PKG_IO_H
#define CNI_PKG_IO_H

#include <stddef.h>

int io_write_all(int fd, const void *buf, size_t len);
/* Reads until EOF into buf[size] (at most size - 1 bytes plus the NUL). */
int io_read(int fd, char *buf, size_t size, size_t *ret_len);
/* Reads until EOF into a new buffer of at most max bytes (plus the NUL). */
int io_read_alloc(int fd, size_t max, char **ret, size_t *ret_len);

#endif
