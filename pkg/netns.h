/* netns.h: network namespace handles.
 *
 * netns_open() accepts only a real network namespace (nsfs, CLONE_NEWNET) and reports
 * -ENOENT when the path is gone, -EINVAL when it is something else. netns_enter() moves
 * the (single-threaded) process into a namespace and records where it came from;
 * netns_leave() returns and abort()s if it cannot: going on in the wrong namespace is
 * worse than crashing. Use it through _cleanup_netns_guard_.
 */
#ifndef CNI_PKG_NETNS_H
#define CNI_PKG_NETNS_H

#include <stdbool.h>

struct netns_guard {
	int orig_fd; /* -1: not entered */
};

int netns_open(const char *path, int *ret_fd);
/* 1 when fd is the namespace this process runs in, 0 when not. */
int netns_is_current(int fd);
int netns_enter(int fd, struct netns_guard *ret_guard);
void netns_leave(struct netns_guard *g);
#define _cleanup_netns_guard_ __attribute__((__cleanup__(netns_leave)))

#endif
