/* sysctl.h: /proc/sys/net knobs of the namespace the process is in.
 *
 * Keys are relative to /proc/sys ("net/ipv4/ip_forward"); '/' separated. Interface names
 * are inserted by the caller. A value is written only when it differs, so repeated calls
 * are cheap and leave mtime alone. Use netns_enter() for another namespace.
 */
#ifndef CNI_PKG_SYSCTL_H
#define CNI_PKG_SYSCTL_H

#include <stddef.h>

int sysctl_read(const char *key, char *buf, size_t len);
/* Returns 1 when the value was changed, 0 when it already was `value`. */
int sysctl_write(const char *key, const char *value);
/* printf-style key: sysctl_writef("1", "net/ipv6/conf/%s/accept_ra", name) */
int sysctl_writef(const char *value, const char *fmt, ...) __attribute__((__format__(printf, 2, 3)));

#endif
