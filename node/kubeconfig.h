/* kubeconfig.h: how to reach the Kubernetes API: in-cluster (service account) or from a
 * kubeconfig file, as kubectl reads them.
 *
 * kubeconfig files are YAML (kubectl writes block style) or JSON. yaml_load() reads the
 * subset such files use into a json_t: block mappings and sequences (a sequence may sit
 * at its key's indentation), plain, single- and double-quoted scalars, literal and folded
 * block scalars, comments, and flow collections written as JSON ({} and [] included).
 * Anchors, aliases, tags and multi-document streams are refused with a clear error.
 * Plain true/false/null become JSON booleans/null; every other scalar is a string.
 * Everything returns 0 / -errno with a reason in why.
 */
#ifndef CNI_NODE_KUBECONFIG_H
#define CNI_NODE_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define KUBECONFIG_MAX (4u << 20)

struct kube_conf {
	char *server;               /* https://host:port, no trailing slash */
	char *ca_file;              /* PEM bundle to verify the server, or */
	char *ca_data;              /* PEM bytes (decoded certificate-authority-data) */
	size_t ca_len;
	bool insecure;              /* insecure-skip-tls-verify */
	char *tls_server_name;      /* tls-server-name: the name to verify instead of the host */
	char *token;                /* bearer token, or */
	char *token_file;           /* read before every request (rotated service account tokens) */
	char *cert_file, *key_file; /* client certificate, or */
	char *cert_data, *key_data; /* PEM bytes */
	size_t cert_len, key_len;
};
void kube_conf_done(struct kube_conf *c);

int yaml_load(const char *text, size_t len, json_t **ret, char *why, size_t why_len);

/* KUBERNETES_SERVICE_HOST/PORT and the service account's token and CA. */
int kube_conf_in_cluster(const char *sa_dir, struct kube_conf *ret, char *why, size_t why_len);
/* The current context of a kubeconfig file (context NULL), or the named one. */
int kube_conf_from_file(const char *path, const char *context, struct kube_conf *ret, char *why, size_t why_len);

/* The bearer token to send now: the token, or the token file read anew (service
 * account tokens rotate); *ret NULL when there is none. */
int kube_conf_token(const struct kube_conf *c, char **ret);

/* Standard base64 (with or without padding, whitespace ignored) into a new buffer. */
int base64_decode(const char *in, char **ret, size_t *ret_len);

#endif
