/* kube.c: HTTPS to the API server through libcurl: one easy handle per request, set up
 * from the kube_conf; a watch runs on a multi handle so the agent's loop stays in charge. */
#include "kube.h"

#include <curl/curl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"

#define KUBE_ERRBODY_MAX 4096
#define KUBE_CONNECT_TIMEOUT_S 10L
#define KUBE_LIST_STALL_S 60L
#define KUBE_LIST_RESTARTS 3

struct kube {
	const struct kube_conf *c;
	const struct logger *log;
	char *host_port;   /* server without the scheme */
	char *connect_to;  /* tls-server-name: connect here, verify that name */
	CURLM *multi;
	CURL *watch;       /* the running watch, or NULL */
	struct transfer *wt;
};

/* What a request's callbacks share. */
struct transfer {
	CURL *h;
	struct curl_slist *headers;
	struct kube_result *res;
	struct nodelist_scan *list; /* a list page, or */
	struct jstream *stream;     /* a watch, whose events go through event_cb */
	jstream_cb user_cb;
	void *user_data;
	struct curl_slist *connect_to;
	char errbody[KUBE_ERRBODY_MAX];
	size_t errlen;
	char curl_err[CURL_ERROR_SIZE];
};

int kube_open(const struct kube_conf *c, const struct logger *log, struct kube **ret)
{
	_cleanup_free_ struct kube *k = calloc(1, sizeof(*k));
	const char *hp;

	if (!k)
		return -ENOMEM;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -EIO;
	k->c = c;
	k->log = log;
	hp = strncmp(c->server, "https://", 8) == 0 ? c->server + 8 : c->server;
	k->host_port = strndup(hp, strcspn(hp, "/"));
	if (!k->host_port)
		return -ENOMEM;
	if (c->tls_server_name) {
		/* URL names tls-server-name; CONNECT_TO sends it to the real server. */
		const char *colon = strrchr(k->host_port, ':');
		const char *port = colon && !strchr(colon, ']') ? colon + 1 : "443";

		if (asprintf(&k->connect_to, "%s:%s:%.*s:%s", c->tls_server_name, port,
			     (int)(colon && !strchr(colon, ']') ? (size_t)(colon - k->host_port) : strlen(k->host_port)),
			     k->host_port, port) < 0) {
			free(k->host_port);
			return -ENOMEM;
		}
	}
	*ret = TAKE_PTR(k);
	return 0;
}

void kube_close(struct kube *k)
{
	if (!k)
		return;
	kube_watch_stop(k);
	if (k->multi)
		curl_multi_cleanup(k->multi);
	free(k->host_port);
	free(k->connect_to);
	free(k);
	curl_global_cleanup();
}

/* ---- one request ---- */

static size_t write_cb(char *p, size_t size, size_t nmemb, void *data)
{
	struct transfer *t = data;
	size_t len = size * nmemb;
	long code = 0;
	int r;

	(void)curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &code);
	t->res->http = code;
	t->res->bytes += len;
	if (code != 200) {
		size_t room = sizeof(t->errbody) - 1 - t->errlen;
		size_t n = len < room ? len : room;

		memcpy(t->errbody + t->errlen, p, n);
		t->errlen += n;
		t->errbody[t->errlen] = '\0';
		return len;
	}
	if (t->list) {
		r = nodelist_scan_feed(t->list, p, len);
		if (r < 0) {
			snprintf(t->res->why, sizeof(t->res->why), "%s", t->list->error[0] ? t->list->error : strerror(-r));
			return 0; /* aborts the transfer */
		}
		return len;
	}
	r = jstream_feed(t->stream, p, len);
	if (r < 0) {
		t->res->stream_bad = true;
		snprintf(t->res->why, sizeof(t->res->why), "%s", t->stream->error[0] ? t->stream->error : strerror(-r));
		return 0;
	}
	return len;
}

static int set_auth(struct kube *k, struct transfer *t)
{
	const struct kube_conf *c = k->c;
	_cleanup_free_ char *token = NULL, *auth = NULL;
	struct curl_slist *h;
	int r;

	r = kube_conf_token(c, &token);
	if (r < 0)
		return r;
	h = curl_slist_append(NULL, "Accept: application/json");
	if (h && token && asprintf(&auth, "Authorization: Bearer %s", token) >= 0)
		h = curl_slist_append(h, auth);
	if (!h)
		return -ENOMEM;
	t->headers = h;
	curl_easy_setopt(t->h, CURLOPT_HTTPHEADER, h);
	if (c->cert_data) {
		struct curl_blob cert = {.data = c->cert_data, .len = c->cert_len, .flags = CURL_BLOB_NOCOPY};
		struct curl_blob key = {.data = c->key_data, .len = c->key_len, .flags = CURL_BLOB_NOCOPY};

		curl_easy_setopt(t->h, CURLOPT_SSLCERT_BLOB, &cert);
		curl_easy_setopt(t->h, CURLOPT_SSLKEY_BLOB, &key);
	} else if (c->cert_file) {
		curl_easy_setopt(t->h, CURLOPT_SSLCERT, c->cert_file);
		curl_easy_setopt(t->h, CURLOPT_SSLKEY, c->key_file);
	}
	curl_easy_setopt(t->h, CURLOPT_SSLCERTTYPE, "PEM");
	if (c->ca_data) {
		struct curl_blob ca = {.data = c->ca_data, .len = c->ca_len, .flags = CURL_BLOB_NOCOPY};

		curl_easy_setopt(t->h, CURLOPT_CAINFO_BLOB, &ca);
	} else if (c->ca_file) {
		curl_easy_setopt(t->h, CURLOPT_CAINFO, c->ca_file);
	}
	if (c->insecure) {
		curl_easy_setopt(t->h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(t->h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return 0;
}

static int transfer_init(struct kube *k, struct transfer *t, const char *query, struct kube_result *res)
{
	_cleanup_free_ char *url = NULL;
	const char *host = k->c->tls_server_name ? k->c->tls_server_name : k->host_port;
	int r;

	*res = (struct kube_result){0};
	t->res = res;
	t->h = curl_easy_init();
	if (!t->h)
		return -ENOMEM;
	if (k->c->tls_server_name) {
		const char *colon = strrchr(k->host_port, ':');

		if (asprintf(&url, "https://%s%s/api/v1/nodes?%s", host, colon && !strchr(colon, ']') ? colon : "",
			     query) < 0)
			return -ENOMEM;
		t->connect_to = curl_slist_append(NULL, k->connect_to);
		if (!t->connect_to)
			return -ENOMEM;
		curl_easy_setopt(t->h, CURLOPT_CONNECT_TO, t->connect_to);
	} else if (asprintf(&url, "https://%s/api/v1/nodes?%s", host, query) < 0) {
		return -ENOMEM;
	}
	curl_easy_setopt(t->h, CURLOPT_URL, url);
	curl_easy_setopt(t->h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(t->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->h, CURLOPT_CONNECTTIMEOUT, KUBE_CONNECT_TIMEOUT_S);
	curl_easy_setopt(t->h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(t->h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(t->h, CURLOPT_USERAGENT, "cni-c-node");
	curl_easy_setopt(t->h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(t->h, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->h, CURLOPT_ERRORBUFFER, t->curl_err);
	r = set_auth(k, t);
	if (r < 0)
		snprintf(res->why, sizeof(res->why), "cannot read the token: %s", strerror(-r));
	return r;
}

static void transfer_done(struct transfer *t)
{
	if (t->h)
		curl_easy_cleanup(t->h);
	curl_slist_free_all(t->connect_to);
	curl_slist_free_all(t->headers);
	t->h = NULL;
	t->headers = t->connect_to = NULL;
}

/* Fill res from how the transfer ended; 0 only for a complete 200. */
static int transfer_result(struct transfer *t, CURLcode cc)
{
	struct kube_result *res = t->res;
	long code = 0;

	(void)curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &code);
	res->http = code;
	res->gone = code == 410;
	if (code != 200 && code != 0) {
		json_t *st = json_loads(t->errbody, 0, NULL);
		const char *msg = json_string_value(json_object_get(st, "message"));

		if (!res->why[0])
			snprintf(res->why, sizeof(res->why), "HTTP %ld%s%.200s", code, msg ? ": " : "", msg ? msg : "");
		json_decref(st);
		return -EPROTO;
	}
	if (cc != CURLE_OK) {
		if (!res->why[0])
			snprintf(res->why, sizeof(res->why), "%s", t->curl_err[0] ? t->curl_err : curl_easy_strerror(cc));
		return -EIO;
	}
	return 0;
}

/* ---- list ---- */

static int list_page(struct kube *k, const char *cont, struct nodelist_scan *scan, struct kube_result *res)
{
	_cleanup_free_ char *query = NULL;
	struct transfer t = {.list = scan};
	char *esc = NULL;
	CURLcode cc;
	int r;

	if (cont && *cont) {
		esc = curl_easy_escape(NULL, cont, 0);
		if (!esc)
			return -ENOMEM;
	}
	r = asprintf(&query, "limit=%d%s%s", KUBE_PAGE, esc ? "&continue=" : "", esc ? esc : "");
	curl_free(esc);
	if (r < 0)
		return -ENOMEM;
	r = transfer_init(k, &t, query, res);
	if (r >= 0) {
		curl_easy_setopt(t.h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(t.h, CURLOPT_LOW_SPEED_TIME, KUBE_LIST_STALL_S);
		cc = curl_easy_perform(t.h);
		r = transfer_result(&t, cc);
		if (r >= 0 && nodelist_scan_end(scan) < 0) {
			snprintf(res->why, sizeof(res->why), "%s", scan->error);
			r = -EBADMSG;
		}
	}
	transfer_done(&t);
	return r;
}

int kube_list(struct kube *k, nodelist_item_cb cb, void *data, char rv[static NODES_RV_MAX], struct kube_result *res)
{
	char cont[NODES_CONTINUE_MAX] = "";
	size_t items = 0;
	int r;

	for (;;) {
		struct nodelist_scan scan;
		bool continued = cont[0] != '\0';

		nodelist_scan_init(&scan, cb, data);
		r = list_page(k, cont, &scan, res);
		snprintf(cont, sizeof(cont), "%s", scan.cont);
		items += scan.n_items;
		if (r >= 0)
			snprintf(rv, NODES_RV_MAX, "%s", scan.resource_version);
		nodelist_scan_done(&scan);
		/* An expired continue token: the pages read so far are of an old snapshot. */
		if (r < 0 && res->gone && continued)
			return -ESTALE;
		if (r < 0)
			return r;
		if (!cont[0]) {
			res->events = items;
			return 0;
		}
	}
}

/* ---- watch ---- */

static int event_cb(const json_t *v, void *data)
{
	struct transfer *t = data;

	t->res->events++;
	return t->user_cb ? t->user_cb(v, t->user_data) : 0;
}

int kube_watch_begin(struct kube *k, const char *rv, unsigned timeout_s, jstream_cb cb, void *data)
{
	_cleanup_free_ char *query = NULL;
	struct transfer *t;
	char *esc;
	int r;

	kube_watch_stop(k);
	if (!k->multi && !(k->multi = curl_multi_init()))
		return -ENOMEM;
	t = calloc(1, sizeof(*t) + sizeof(struct jstream) + sizeof(struct kube_result));
	if (!t)
		return -ENOMEM;
	t->stream = (struct jstream *)(t + 1);
	t->user_cb = cb;
	t->user_data = data;
	jstream_init(t->stream, event_cb, t);
	esc = curl_easy_escape(NULL, rv, 0);
	r = esc ? asprintf(&query, "watch=1&allowWatchBookmarks=true&resourceVersion=%s&timeoutSeconds=%u", esc,
			   timeout_s)
		: -1;
	curl_free(esc);
	if (r < 0) {
		free(t);
		return -ENOMEM;
	}
	r = transfer_init(k, t, query, (struct kube_result *)(t->stream + 1));
	if (r < 0) {
		transfer_done(t);
		free(t);
		return r;
	}
	/* A silent connection (no event, no bookmark) for this long is a dead one. */
	curl_easy_setopt(t->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(t->h, CURLOPT_LOW_SPEED_TIME, (long)timeout_s + 60L);
	if (curl_multi_add_handle(k->multi, t->h) != CURLM_OK) {
		transfer_done(t);
		free(t);
		return -EIO;
	}
	k->watch = t->h;
	k->wt = t;
	return 0;
}

void kube_watch_stop(struct kube *k)
{
	if (!k->wt)
		return;
	curl_multi_remove_handle(k->multi, k->wt->h);
	transfer_done(k->wt);
	jstream_done(k->wt->stream);
	free(k->wt);
	k->wt = NULL;
	k->watch = NULL;
}

int kube_watch_run(struct kube *k, int timeout_ms, const int *fds, size_t n_fds, struct kube_result *res)
{
	struct curl_waitfd wfd[4];
	struct transfer *t = k->wt;
	int running = 0, left = 0, numfds;
	CURLMsg *m;

	if (!t)
		return -EINVAL;
	for (size_t i = 0; i < n_fds && i < ELEMENTSOF(wfd); i++)
		wfd[i] = (struct curl_waitfd){.fd = fds[i], .events = CURL_WAIT_POLLIN};
	if (curl_multi_poll(k->multi, wfd, (unsigned)(n_fds < ELEMENTSOF(wfd) ? n_fds : ELEMENTSOF(wfd)), timeout_ms,
			    &numfds) != CURLM_OK)
		return -EIO;
	if (curl_multi_perform(k->multi, &running) != CURLM_OK)
		return -EIO;
	while ((m = curl_multi_info_read(k->multi, &left))) {
		if (m->msg != CURLMSG_DONE || m->easy_handle != t->h)
			continue;
		(void)transfer_result(t, m->data.result);
		t->res->partial = jstream_partial(t->stream);
		if (t->res->partial && !t->res->why[0])
			snprintf(t->res->why, sizeof(t->res->why), "the connection ended inside an event");
		*res = *t->res;
		kube_watch_stop(k);
		return 0;
	}
	*res = *t->res;
	return 1;
}
