/* testns.h: the black-box test framework: throwaway namespaces and directories, running a
 * plugin binary the way a runtime does, reading kernel state with `ip -j`, and assertions.
 *
 * Everything a test creates is named cnitest-<runner pid>-<pid>-<n> and kept in a
 * registry. Check forks each test: a child removes what it created when it exits
 * normally (a failed assertion leaves without it), and the runner sweeps every
 * cnitest-<runner pid>-* after each test case and at exit (a child killed by a signal or a
 * timeout cleans up nothing). The same sweeps, and one at the start of every test, delete
 * every link but lo from the throwaway host namespace and set lo up again, so no test
 * sees what an earlier failed one left. Tests run inside scripts/run-blackbox.sh, whose private network and
 * mount namespaces keep all of this off the real host; the runner checks that first.
 * Kernel state is read with `ip -j`, never with our own pkg/nl.
 */
#ifndef CNI_TEST_TESTNS_H
#define CNI_TEST_TESTNS_H

#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* ---- namespaces and directories ---- */

#define TESTNS_NAMELEN 64
#define TESTNS_RUNDIR "/run/netns"

/* A new network namespace, bind-mounted at /run/netns/<name> (by `ip netns add`), with lo
 * down. name_out receives its name. 0 or -errno. */
int testns_create(char name_out[static TESTNS_NAMELEN]);
/* Unmount and remove it (also when it was created by `ip netns add` elsewhere). 0 when it
 * is gone, -errno otherwise. */
int testns_destroy(const char *name);
/* "/run/netns/<name>" */
const char *testns_path(const char *name, char buf[static PATH_MAX]);
/* A new empty directory under $TMPDIR (default /tmp), removed recursively with the rest. */
int testdir_create(char path_out[static PATH_MAX]);
/* Remove everything of this run (cnitest-<runner pid>-*); what the current process
 * created when called in a child. Safe to call repeatedly. */
void testns_sweep(void);
/* Timeout (scaled by CK_TIMEOUT_MULTIPLIER like Check's own) and a sweep after the case. */
void testns_tcase(TCase *tc, double timeout_s);
/* Refuses (returns false, says why on stderr) unless this process is in a throwaway
 * network namespace: one that has no link but lo. The runner calls it first. */
bool testns_in_sandbox(void);

/* ---- running a plugin ---- */

struct plugin_run {
	int status;         /* exit status; 128+N when killed by signal N; -1 when not started */
	bool timed_out;     /* killed after the deadline */
	bool sanitizer;     /* stderr has an ASan/UBSan/LSan report */
	char *out, *err;    /* stdout and stderr, NUL-terminated */
	size_t out_len, err_len;
	json_t *json;       /* stdout parsed as one JSON document, NULL when it is not one */
	char json_error[256]; /* why json is NULL ("" when stdout is empty) */
};

/* Runs `bin` (a name in $CNI_TEST_BIN, or a path) with a clean environment:
 *   CNI_COMMAND=cmd, CNI_CONTAINERID=containerid, CNI_IFNAME=ifname, CNI_NETNS=netns,
 *   CNI_PATH=$CNI_TEST_BIN, PATH=<system default>, and the sanitizer option variables
 *   of the test's own environment;
 * each NULL argument leaves its variable unset; a netns without '/' is a name under
 * /run/netns, one with '/' a path used as is ("" is passed as an empty variable).
 * extra_env (NULL-terminated, may be NULL) adds "K=V" entries (replacing a default) or
 * removes "-K". conf_json goes to stdin (NULL: empty stdin). Waits at most 20 s
 * (times CK_TIMEOUT_MULTIPLIER). Returns 0 when the plugin ran (whatever its status),
 * -errno when it could not be started; *out is always initialized. */
int plugin_exec(const char *bin, const char *cmd, const char *netns, const char *ifname,
		const char *containerid, const char *conf_json, const char *extra_env[],
		struct plugin_run *out);
void plugin_run_done(struct plugin_run *r);
/* Many plugin runs at once (parallel ADD/DEL tests): every job's plugin is spawned first,
 * with the environment plugin_exec gives, then all are waited for (killed after timeout_s);
 * each job's r is filled as plugin_exec would. netns is a path (or "" for none). */
struct plugin_job {
	const char *cid, *ifname, *netns;
	const char *bin; /* NULL: the call's bin; with a '/': a path */
	const char *conf; /* NULL: the call's conf_json */
	pid_t pid;
	int fd[3]; /* stdin, stdout, stderr: memfds */
	struct plugin_run r;
};
void plugin_exec_parallel(const char *bin, const char *cmd, const char *conf_json, struct plugin_job *jobs,
			  size_t n, int timeout_s);

/* One plugin run killed with SIGKILL after kill_after_us microseconds (or sooner if it
 * ends by itself); job->conf (or "") on stdin. For crash tests. */
void plugin_exec_killed(const char *bin, const char *cmd, struct plugin_job *job, long kill_after_us);

/* snprintf that fails the test when the text does not fit. */
void xfmt(char *buf, size_t len, const char *fmt, ...) __attribute__((__format__(printf, 3, 4)));

/* Whether $CNI_TEST_BIN/name is an executable (suites return NULL when it is not). */
bool plugin_available(const char *name);
#define _cleanup_run_ __attribute__((__cleanup__(plugin_run_done)))

/* ---- kernel state through ip(8) ---- */

/* `ip -j [-n netns] <words of fmt>` (split on blanks, no shell). The parsed output (an
 * empty array when ip printed nothing), or NULL when ip failed (its stderr is echoed). */
json_t *ipj(const char *netns, const char *fmt, ...) __attribute__((__format__(printf, 2, 3)));
/* `ip [-n netns] <words>` for setup; returns its exit status (stderr echoed on failure). */
int ip_run(const char *netns, const char *fmt, ...) __attribute__((__format__(printf, 2, 3)));
/* The `ip -j -d link show dev ifname` object, NULL when there is no such link. */
json_t *ipj_link(const char *netns, const char *ifname);
/* Whether a link object's "flags" array has flag ("UP", "LOWER_UP", ...). */
bool ipj_link_flag(const json_t *link, const char *flag);
/* Whether ifname has the address "a/p" ("10.1.0.5/24", "::1/128"). */
bool ipj_has_addr(const char *netns, const char *ifname, const char *cidr);

/* ---- JSON ---- */

/* Parse a literal document; aborts the test (with jansson's message) if it is invalid. */
json_t *jload(const char *text);
/* Compact, key-sorted text of j for messages; a static buffer, valid until the next call. */
const char *jdump(const json_t *j);

/* Everything written to the temp file fd (rewound first), NUL-terminated; free it. */
char *testns_read_back(int fd, size_t *ret_len);

/* ---- assertions (each a macro, so failures point at the test's line) ---- */

/* Each check_* returns true when fine, else false with a message (including the plugin's
 * stdout and stderr) in why. */
bool check_run_ok(const struct plugin_run *r, char *why, size_t len);
bool check_cni_error(const struct plugin_run *r, unsigned code, const char *msg_part, char *why,
		     size_t len);
bool check_cni_version(const struct plugin_run *r, const char *version, char *why, size_t len);
bool check_json_equal(const json_t *actual, const char *expected, char *why, size_t len);
bool check_link_up(const char *netns, const char *ifname, bool up, char *why, size_t len);

#define TESTNS_ASSERT_(call)                                               \
	do {                                                               \
		char why_[8192] = "";                                      \
		ck_assert_msg(call, "%s", why_);                           \
	} while (0)
#define TESTNS_WHY_ why_, sizeof(why_)

/* exit 0, no sanitizer report. For ADD use assert_cni_version too. */
#define assert_run_ok(r) TESTNS_ASSERT_(check_run_ok((r), TESTNS_WHY_))
/* exit 1 and stdout is exactly one error object {cniVersion, code, msg[, details]} with
 * this code, msg containing msg_part (NULL: any). */
#define assert_cni_error(r, code, msg_part) TESTNS_ASSERT_(check_cni_error((r), (code), (msg_part), TESTNS_WHY_))
/* stdout is one JSON object whose cniVersion is version. */
#define assert_cni_version(r, version) TESTNS_ASSERT_(check_cni_version((r), (version), TESTNS_WHY_))
/* json_equal(actual, jload(expected)); the message shows both. */
#define assert_json_equal(actual, expected) TESTNS_ASSERT_(check_json_equal((actual), (expected), TESTNS_WHY_))
/* The link exists and its UP flag is up. */
#define assert_link_up(ns, ifname, up) TESTNS_ASSERT_(check_link_up((ns), (ifname), (up), TESTNS_WHY_))

#endif
