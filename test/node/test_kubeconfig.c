/* test_kubeconfig.c: the YAML subset, base64, and API access from a kubeconfig or from
 * the service account. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kubeconfig.h"
#include "util.h"

static json_t *Y(const char *text)
{
	char why[256] = "";
	json_t *j = NULL;

	ck_assert_msg(yaml_load(text, strlen(text), &j, why, sizeof(why)) == 0, "yaml refused: %s\n%s", why, text);
	return j;
}

static void yaml_eq(const char *yaml, const char *json)
{
	json_t *a = Y(yaml), *b = J(json);
	char *sa = json_dumps(a, JSON_SORT_KEYS | JSON_ENCODE_ANY);

	ck_assert_msg(json_equal(a, b), "YAML\n%s\ngave %s, expected %s", yaml, sa, json);
	free(sa);
	json_decref(a);
	json_decref(b);
}

static void yaml_bad(const char *yaml, const char *why_part)
{
	char why[256] = "";
	json_t *j = NULL;

	ck_assert_msg(yaml_load(yaml, strlen(yaml), &j, why, sizeof(why)) == -EINVAL, "accepted:\n%s", yaml);
	ck_assert_msg(strstr(why, why_part), "reason \"%s\" lacks \"%s\"", why, why_part);
}

START_TEST(yaml_kubectl_style)
{
	yaml_eq("apiVersion: v1\n"
		"clusters:\n"
		"- cluster:\n"
		"    certificate-authority-data: QUJD\n"
		"    server: https://10.0.0.1:6443\n"
		"  name: kind # a comment\n"
		"contexts:\n"
		"- context:\n"
		"    cluster: kind\n"
		"    user: kind-admin\n"
		"  name: kind\n"
		"current-context: kind\n"
		"kind: Config\n"
		"preferences: {}\n"
		"users:\n"
		"- name: kind-admin\n"
		"  user:\n"
		"    token: abc#def\n",
		"{\"apiVersion\":\"v1\",\"clusters\":[{\"cluster\":{\"certificate-authority-data\":\"QUJD\","
		"\"server\":\"https://10.0.0.1:6443\"},\"name\":\"kind\"}],\"contexts\":[{\"context\":{\"cluster\":"
		"\"kind\",\"user\":\"kind-admin\"},\"name\":\"kind\"}],\"current-context\":\"kind\",\"kind\":\"Config\","
		"\"preferences\":{},\"users\":[{\"name\":\"kind-admin\",\"user\":{\"token\":\"abc#def\"}}]}");
}
END_TEST

START_TEST(yaml_scalars_and_blocks)
{
	yaml_eq("---\n"
		"a: 'it''s'\n"
		"b: \"tab\\there\"\n"
		"c: true\n"
		"d: ~\n"
		"e:\n"
		"f: 0123\n"
		"g: [1, \"x\"]\n"
		"lit: |\n"
		"  line 1\n"
		"\n"
		"    indented\n"
		"fold: >-\n"
		"  one\n"
		"  two\n"
		"keep: |+\n"
		"  x\n"
		"\n"
		"list:\n"
		"  - a\n"
		"  -\n"
		"    k: v\n"
		"  - - nested\n"
		"...\n"
		"ignored after the end\n",
		"{\"a\":\"it's\",\"b\":\"tab\\there\",\"c\":true,\"d\":null,\"e\":null,\"f\":\"0123\",\"g\":[\"1\",\"x\"],"
		"\"lit\":\"line 1\\n\\n  indented\\n\",\"fold\":\"one two\",\"keep\":\"x\\n\\n\","
		"\"list\":[\"a\",{\"k\":\"v\"},[\"nested\"]]}");
	yaml_eq("{\"json\": [\"is\", \"yaml\"]}", "{\"json\":[\"is\",\"yaml\"]}");
	yaml_eq("ctx: {cluster: sim, user: 'a b', n: [1, x:y, {k: null}, ], t: true}\n",
		"{\"ctx\":{\"cluster\":\"sim\",\"user\":\"a b\",\"n\":[\"1\",\"x:y\",{\"k\":null}],\"t\":true}}");
	yaml_eq("# only a comment\n", "null");
	/* Quotes end where YAML says (found by fuzzing): an escaped backslash before the
	 * closing double quote, '' inside single quotes; a '#' inside either is text. */
	yaml_eq("\"k\\\\\": \"v\\\\\" # c\n"
		"a: 'it''s # not a comment'\n"
		"'b'': c': x\n",
		"{\"k\\\\\":\"v\\\\\",\"a\":\"it's # not a comment\",\"b': c\":\"x\"}");
}
END_TEST

START_TEST(yaml_refused)
{
	yaml_bad("a: 1\n\tb: 2\n", "tab");
	yaml_bad("a: &x 1\nb: *x\n", "anchors");
	yaml_bad("a: 1\n---\nb: 2\n", "more than one YAML document");
	yaml_bad("a: 1\na: 2\n", "duplicate key");
	yaml_bad("a: [x, y\n", "flow collection");
	yaml_bad("a: {b: 1, b: 2}\n", "flow collection");
	yaml_bad("a: [*x]\n", "flow collection");
	yaml_bad("a: 'open\n", "single-quoted");
	yaml_bad("a:\n  b: 1\n c: 2\n", "line 3");
	yaml_bad("- a\nb: 1\n", "after the document");
	yaml_bad("a: 1\nb: caf\xe9\n", "line 2: bytes that are not UTF-8"); /* Latin-1 */
	yaml_bad("a: \xed\xa0\x80\n", "not UTF-8");                          /* a surrogate */
	yaml_bad("a: \xc0\xaf\n", "not UTF-8");                              /* overlong */
}
END_TEST

START_TEST(b64)
{
	char *out;
	size_t len;

	ck_assert_int_eq(base64_decode("aGVsbG8gd29ybGQ=", &out, &len), 0);
	ck_assert_uint_eq(len, 11);
	ck_assert_str_eq(out, "hello world");
	free(out);
	ck_assert_int_eq(base64_decode("aGVs\nbG8", &out, &len), 0);
	ck_assert_str_eq(out, "hello");
	free(out);
	ck_assert_int_eq(base64_decode("a$==", &out, &len), -EINVAL);
	ck_assert_int_eq(base64_decode("aG=Vs", &out, &len), -EINVAL);
}
END_TEST

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

START_TEST(conf_from_file)
{
	char dir[] = "/tmp/cni-kc-XXXXXX", path[128], why[256] = "";
	struct kube_conf c;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config", dir);
	write_file(path, "apiVersion: v1\n"
			 "clusters:\n"
			 "- name: a\n"
			 "  cluster: {\"server\": \"https://a:1/\", \"certificate-authority\": \"ca.pem\"}\n"
			 "- name: b\n"
			 "  cluster:\n"
			 "    server: https://[fd00::1]:6443\n"
			 "    certificate-authority-data: UEVN\n"
			 "    tls-server-name: kubernetes\n"
			 "contexts:\n"
			 "- {\"name\": \"ca\", \"context\": {\"cluster\": \"a\", \"user\": \"cert\"}}\n"
			 "- {\"name\": \"cb\", \"context\": {\"cluster\": \"b\", \"user\": \"tok\"}}\n"
			 "- {\"name\": \"exec\", \"context\": {\"cluster\": \"b\", \"user\": \"exec\"}}\n"
			 "- {\"name\": \"half\", \"context\": {\"cluster\": \"b\", \"user\": \"half\"}}\n"
			 "current-context: cb\n"
			 "users:\n"
			 "- name: cert\n"
			 "  user:\n"
			 "    client-certificate: /abs/cert.pem\n"
			 "    client-key-data: S0VZ\n"
			 "- name: tok\n"
			 "  user: {\"tokenFile\": \"tok\"}\n"
			 "- name: exec\n"
			 "  user: {\"exec\": {\"command\": \"x\"}}\n"
			 "- name: half\n"
			 "  user: {\"client-key-data\": \"S0VZ\"}\n");
	ck_assert_int_eq(kube_conf_from_file(path, NULL, &c, why, sizeof(why)), 0);
	ck_assert_str_eq(c.server, "https://[fd00::1]:6443");
	ck_assert_str_eq(c.ca_data, "PEM");
	ck_assert_str_eq(c.tls_server_name, "kubernetes");
	snprintf(path, sizeof(path), "%s/tok", dir);
	ck_assert_str_eq(c.token_file, path);
	kube_conf_done(&c);
	snprintf(path, sizeof(path), "%s/config", dir);
	ck_assert_int_eq(kube_conf_from_file(path, "ca", &c, why, sizeof(why)), 0);
	ck_assert_str_eq(c.server, "https://a:1"); /* no trailing slash */
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	ck_assert_str_eq(c.ca_file, path);          /* relative to the kubeconfig */
	ck_assert_str_eq(c.cert_file, "/abs/cert.pem");
	ck_assert_str_eq(c.key_data, "KEY");
	kube_conf_done(&c);
	snprintf(path, sizeof(path), "%s/config", dir);
	ck_assert_int_eq(kube_conf_from_file(path, "exec", &c, why, sizeof(why)), -ENOTSUP);
	ck_assert(strstr(why, "exec"));
	ck_assert_int_eq(kube_conf_from_file(path, "half", &c, why, sizeof(why)), -EINVAL);
	ck_assert(strstr(why, "certificate"));
	ck_assert_int_eq(kube_conf_from_file(path, "nope", &c, why, sizeof(why)), -EINVAL);
	ck_assert(strstr(why, "context \"nope\" is not defined"));
	unlink(path);
	snprintf(path, sizeof(path), "%s", dir);
	ck_assert_int_eq(kube_conf_from_file(path, NULL, &c, why, sizeof(why)), -EISDIR);
	rmdir(dir);
}
END_TEST

START_TEST(conf_token_rotates)
{
	char dir[] = "/tmp/cni-sa-XXXXXX", path[128], why[256];
	struct kube_conf c;
	char *tok;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	unsetenv("KUBERNETES_SERVICE_HOST");
	ck_assert_int_eq(kube_conf_in_cluster(dir, &c, why, sizeof(why)), -ENOENT);
	ck_assert(strstr(why, "KUBERNETES_SERVICE_HOST"));
	setenv("KUBERNETES_SERVICE_HOST", "fd00::10", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	ck_assert_int_eq(kube_conf_in_cluster(dir, &c, why, sizeof(why)), 0);
	ck_assert_str_eq(c.server, "https://[fd00::10]:443");
	snprintf(path, sizeof(path), "%s/token", dir);
	write_file(path, "first\n");
	ck_assert_int_eq(kube_conf_token(&c, &tok), 0);
	ck_assert_str_eq(tok, "first");
	free(tok);
	write_file(path, "second");
	ck_assert_int_eq(kube_conf_token(&c, &tok), 0);
	ck_assert_str_eq(tok, "second");
	free(tok);
	kube_conf_done(&c);
	setenv("KUBERNETES_SERVICE_PORT", "44x", 1);
	ck_assert_int_eq(kube_conf_in_cluster(dir, &c, why, sizeof(why)), -EINVAL);
	unlink(path);
	rmdir(dir);
}
END_TEST

Suite *kubeconfig_suite(void);
Suite *kubeconfig_suite(void)
{
	Suite *s = suite_create("kubeconfig");
	TCase *tc = tcase_create("kubeconfig");

	tcase_add_test(tc, yaml_kubectl_style);
	tcase_add_test(tc, yaml_scalars_and_blocks);
	tcase_add_test(tc, yaml_refused);
	tcase_add_test(tc, b64);
	tcase_add_test(tc, conf_from_file);
	tcase_add_test(tc, conf_token_rotates);
	suite_add_tcase(s, tc);
	return s;
}
