/* io.h: bounded, EINTR-safe reads and writes of whole buffers, and opening a file that
 * must be a regular one without ever blocking on something else.
 *
 * io_read() fills a caller's buffer and NUL-terminates it; io_read_alloc() grows a heap
 * buffer up to a limit (the caller frees it). Both fail with -EFBIG beyond their bound,
 * never truncate silently. All return 0 / -errno.
 */
#ifndef CNI_PKG_IO_H
#define CNI_PKG_IO_H

#include <stddef.h>
#include <sys/types.h>

int io_write_all(int fd, const void *buf, size_t len);
/* Reads until EOF into buf[size] (at most size - 1 bytes plus the NUL). */
int io_read(int fd, char *buf, size_t size, size_t *ret_len);
/* Reads until EOF into a new buffer of at most max bytes (plus the NUL). */
int io_read_alloc(int fd, size_t max, char **ret, size_t *ret_len);

/* Open path (relative to dirfd, or AT_FDCWD) as a regular file. flags: an access mode plus
 * any of O_NOFOLLOW (a symlink as the last component is refused with -ELOOP), O_CREAT (with
 * mode; a new file is created with O_EXCL, so never through a symlink), O_TRUNC, O_APPEND.
 * The path is resolved with O_PATH first, which never blocks and never opens a device; a
 * FIFO, socket or device gives -EINVAL, a directory -EISDIR, and nothing is opened for
 * real unless the inode is a regular file. The returned fd has O_CLOEXEC. */
int io_open_regular(int dirfd, const char *path, int flags, mode_t mode, int *ret_fd);
/* The same for a file of one's own that is written in place (a store's bookkeeping): never
 * through a symbolic link (O_NOFOLLOW is implied), and an existing file with other hard
 * links (-EMLINK: writing it would change a file elsewhere) or owned by someone other than
 * the caller or root (-EPERM) is refused too. */
int io_open_own(int dirfd, const char *name, int flags, mode_t mode, int *ret_fd);

#endif
