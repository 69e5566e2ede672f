/* macro.h: scope-bound cleanup and small helpers shared by every module.
 *
 * _cleanup_(fn) runs fn(&var) when var leaves scope; every destructor used with it
 * accepts NULL / -1 and then does nothing. TAKE_PTR/TAKE_FD move ownership out.
 * No dependencies besides libc and jansson.
 */
#ifndef CNI_PKG_MACRO_H
#define CNI_PKG_MACRO_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <jansson.h>

#define _cleanup_(f) __attribute__((__cleanup__(f)))
#define _printf_(a, b) __attribute__((__format__(printf, a, b)))
#define _unused_ __attribute__((__unused__))
#define _nonnull_ __attribute__((__nonnull__))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Generates "static inline void fnp(type *p)" calling fn(*p) when *p is set. */
#define DEFINE_CLEANUP_FUNC(type, fn)                 \
	static inline void fn##p(type *p)             \
	{                                             \
		if (*p)                               \
			fn(*p);                       \
	}

#define TAKE_PTR(p)                                   \
	({                                            \
		__typeof__(p) _p = (p);               \
		(p) = NULL;                           \
		_p;                                   \
	})

#define TAKE_FD(fd)                                   \
	({                                            \
		int _fd = (fd);                       \
		(fd) = -EBADF;                        \
		_fd;                                  \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		(void)close(*fd);
		errno = saved;
	}
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
/* jansson provides json_decrefp() (the cleanup behind json_auto_t) */
#define _cleanup_json_ _cleanup_(json_decrefp)

/* -errno of the last libc call, never 0 (guards against a libc that forgot errno). */
static inline int negerrno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* Room for element n of a growing array *v of *cap elements of elem bytes: the capacity
 * doubles (from 16) when it is full. 0 or -ENOMEM; *v and *cap change only on success.
 * Use it through ARRAY_RESERVE(v, cap, n). */
static inline int array_reserve(void **v, size_t *cap, size_t n, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *g;

	if (n < *cap)
		return 0;
	while (ncap <= n)
		ncap *= 2;
	g = realloc(*v, ncap * elem);
	if (!g)
		return -ENOMEM;
	*v = g;
	*cap = ncap;
	return 0;
}
#define ARRAY_RESERVE(v, cap, n) array_reserve((void **)&(v), &(cap), (n), sizeof(*(v)))

static inline const char *strempty(const char *s)
{
	return s ? s : "";
}

static inline int streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return __builtin_strcmp(a, b) == 0;
}

#endif
