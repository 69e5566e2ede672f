/* testproc.h: a plugin run that the test controls while it runs: started in the
 * background (stdin, stdout and stderr are memfds, so nothing can block on a pipe), then
 * killed at a chosen moment or waited for. For crash injection and for tests that must
 * act while a plugin (or its delegate) is still running.
 */
#ifndef CNI_TEST_TESTPROC_H
#define CNI_TEST_TESTPROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "testns.h"

struct plugin_proc {
	pid_t pid;
	int fd[3];
	int64_t start_ns; /* CLOCK_MONOTONIC at spawn */
	long maxrss_kb;	  /* after it ended: its peak resident set (getrusage's ru_maxrss) */
};

/* Start bin (a name in $CNI_TEST_BIN, or a path) with the environment plugin_exec() gives
 * (netns: a path, or NULL / "" as there), extra_env "K=V" entries replacing or adding
 * variables. 0, or -errno when it could not be started. */
int plugin_start(const char *bin, const char *cmd, const char *netns, const char *ifname, const char *cid,
		 const char *conf, const char *const extra_env[], struct plugin_proc *p);
/* Wait for it (at most timeout_ms, then SIGKILL and r->timed_out) and fill r as
 * plugin_exec() does. Releases p. */
void plugin_finish(struct plugin_proc *p, int timeout_ms, struct plugin_run *r);
/* SIGKILL it once delay_ns have passed since it started (at once when already past),
 * unless it exits first; then plugin_finish(). Returns true when the kill landed (the
 * process was still running). */
bool plugin_kill_at(struct plugin_proc *p, int64_t delay_ns, struct plugin_run *r);

/* For a caller that reaped the process itself (wait4(-1, ...) over many): fill r from
 * its wait status and outputs, as plugin_finish() does. Releases p. */
void plugin_collect(struct plugin_proc *p, int status, struct plugin_run *r);

int64_t testproc_now_ns(void);

#endif
