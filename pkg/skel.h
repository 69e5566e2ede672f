/* skel.h: the plugin's main(): environment, stdin, version gate, dispatch, output.
 *
 * skel_main() validates CNI_* from a table, reads the config (1 MiB cap), checks
 * cniVersion, answers VERSION itself, opens and validates CNI_NETNS (refusing the
 * plugin's own namespace before anything changes), parses CNI_ARGS and prevResult, calls
 * the command and prints exactly one JSON document: the result, or the error object.
 * It is the only code that writes stdout or chooses the exit status.
 */
#ifndef CNI_PKG_SKEL_H
#define CNI_PKG_SKEL_H

#include <stdbool.h>
#include <stddef.h>

#include "cni.h"

enum cni_cmd {
	CNI_CMD_ADD,
	CNI_CMD_DEL,
	CNI_CMD_CHECK,
	CNI_CMD_GC,
	CNI_CMD_STATUS,
	CNI_CMD_VERSION,
	_CNI_CMD_MAX,
};

struct cni_kv {
	char *key;
	char *value;
};

struct cni_plugin;

/* The plugins linked into this executable (one multicall binary, one name per link). */
struct skel_suite {
	const struct cni_plugin *const *plugins;
	size_t n;
};

struct cni_args {
	enum cni_cmd cmd;
	const char *command;      /* CNI_COMMAND as given */
	const char *container_id; /* CNI_CONTAINERID */
	const char *netns;        /* CNI_NETNS, NULL when unset */
	const char *ifname;       /* CNI_IFNAME */
	const char *args;         /* CNI_ARGS */
	const char *path;         /* CNI_PATH */
	int netns_fd;             /* validated CNI_NETNS; -1 when unset, or gone on DEL */
	const char *stdin_data;   /* the config exactly as received (for delegation) */
	size_t stdin_len;
	json_t *conf;             /* parsed config object */
	enum cni_version version; /* its cniVersion */
	const char *name;         /* network name */
	const struct cni_kv *kv;  /* parsed CNI_ARGS */
	size_t n_kv;
	const struct cni_result *prev; /* parsed prevResult, NULL when absent */
	const struct skel_suite *suite; /* for running a delegate that is ourselves in-process */
};

struct cni_plugin {
	const char *name;
	const char *description;
	/* CNI_ARGS keys the plugin understands; others are an error unless IgnoreUnknown.
	 * NULL: CNI_ARGS is not interpreted at all. */
	const char *const *args_keys;
	bool is_ipam; /* does not act in CNI_NETNS: never opened */
	int (*add)(const struct cni_args *a, struct cni_result *ret, struct cni_error *err);
	int (*del)(const struct cni_args *a, struct cni_error *err);
	int (*check)(const struct cni_args *a, struct cni_error *err);
	int (*gc)(const struct cni_args *a, struct cni_error *err);
	int (*status)(const struct cni_args *a, struct cni_error *err);
};

/* main() of the multicall binary: runs the plugin named by argv[0]'s basename. */
int skel_main(const struct skel_suite *suite, int argc, char **argv);

/* The plugin of that name in the suite, NULL when there is none. */
const struct cni_plugin *skel_find(const struct skel_suite *suite, const char *name);

/* Run plugin p for cmd with a's environment and config, as if exec'd as a delegate:
 * CNI_ARGS is interpreted with p's keys, an ADD result goes through the JSON of a's
 * cniVersion (exactly what a separate process would have printed). */
int skel_call(const struct cni_plugin *p, const struct cni_args *a, enum cni_cmd cmd, struct cni_result *ret,
	      struct cni_error *err);

/* Value of a CNI_ARGS key, NULL when absent. */
const char *cni_args_get(const struct cni_args *a, const char *key);
/* Parse "K=V;K=V". Keys not in `known` (NULL-terminated) are an error unless IgnoreUnknown
 * is 1/true. Code 4 messages. The array is freed with cni_kv_free(). */
int cni_kv_parse(const char *s, const char *const *known, struct cni_kv **ret, size_t *ret_n,
		 struct cni_error *err);
void cni_kv_free(struct cni_kv *kv, size_t n);

#endif
