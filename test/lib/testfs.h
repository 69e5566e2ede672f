/* testfs.h: hostile file-system objects for black-box tests: every kind of file a path the
 * plugins take from their input (or find in their store) could turn out to be, and a
 * "victim" outside the store that must come out of any operation unchanged.
 *
 * Use inside a directory from testdir_create() (removed with the test). Failures to set
 * things up abort the test.
 */
#ifndef CNI_TEST_TESTFS_H
#define CNI_TEST_TESTFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

enum testfs_kind {
	TESTFS_REGULAR,	     /* an empty regular file (where a directory belongs, say) */
	TESTFS_DIR,	     /* an empty directory */
	TESTFS_FIFO,	     /* a FIFO nobody reads or writes: a plain open() blocks forever */
	TESTFS_SOCKET,	     /* a bound, listening unix socket */
	TESTFS_CHARDEV,	     /* /dev/null's numbers */
	TESTFS_BLOCKDEV,     /* loop0's numbers */
	TESTFS_SYMLINK_LOOP, /* a symlink to a symlink to it */
	TESTFS_DANGLING,     /* a symlink to nothing */
	TESTFS_SYMLINK_OUT,  /* a symlink to the victim directory (or its file) */
	TESTFS_HARDLINK_OUT, /* another name of the victim's file */
	TESTFS_UNREADABLE,   /* a regular file with mode 0 */
	_TESTFS_MAX,
};

/* The kind's name, for messages. */
const char *testfs_kind_name(enum testfs_kind k);

/* A victim under dir: a directory "<dir>/victim" holding one file "data" with known
 * content. vdir gets the directory, vfile the file. */
void testfs_victim(const char *dir, char vdir[static PATH_MAX], char vfile[static PATH_MAX]);
/* The victim is exactly as testfs_victim() made it: nothing created, removed, written or
 * truncated (why gets the difference). */
bool testfs_victim_intact(const char *vdir, char *why, size_t len);
#define assert_victim_intact(vdir)                                                   \
	do {                                                                         \
		char w_[512] = "";                                                   \
		ck_assert_msg(testfs_victim_intact((vdir), w_, sizeof(w_)), "%s", w_); \
	} while (0)

/* Make `path` (which must not exist) a file of kind k. SYMLINK_OUT points at the victim's
 * directory when to_dir, else at its file; HARDLINK_OUT is always its file. */
void testfs_plant(const char *path, enum testfs_kind k, const char *vdir, bool to_dir);

/* A path longer than PATH_MAX ("/aaaa..."), in buf of at least PATH_MAX + 2 bytes. */
void testfs_too_long(char *buf, size_t len);

#endif
