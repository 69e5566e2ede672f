/* nl.c: the only libmnl user. Socket setup, request building, the send/recv/ack loop and
 * extended-ack parsing live here and nowhere else. */
#include "nl.h"

#include <libmnl/libmnl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "netns.h"

#define NL_RECV_SIZE 32768

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	char extack[256];
	char buf[NL_RECV_SIZE];
};

int nl_open(struct nl **ret)
{
	return nl_open_proto(NETLINK_ROUTE, ret);
}

int nl_open_proto(int proto, struct nl **ret)
{
	_cleanup_free_ struct nl *nl = NULL;
	int on = 1;

	nl = malloc(sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->sock = mnl_socket_open2(proto, SOCK_CLOEXEC);
	if (!nl->sock)
		return negerrno();
	/* Best effort: old kernels lack these options, and everything still works. */
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &on, sizeof(on));
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &on, sizeof(on));
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_GET_STRICT_CHK, &on, sizeof(on));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = negerrno();

		mnl_socket_close(nl->sock);
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	nl->extack[0] = '\0';
	*ret = TAKE_PTR(nl);
	return 0;
}

int nl_open_in(int ns_fd, struct nl **ret)
{
	_cleanup_netns_guard_ struct netns_guard g = {.orig_fd = -1};
	int r;

	r = netns_enter(ns_fd, &g);
	if (r < 0)
		return r;
	return nl_open(ret);
}

int nl_open_sibling(const struct nl *nl, struct nl **ret)
{
	_cleanup_close_ int ns = -EBADF;
	int r;

	/* SIOCGSKNS: an fd of the socket's network namespace (O_CLOEXEC). */
	ns = ioctl(mnl_socket_get_fd(nl->sock), SIOCGSKNS);
	if (ns < 0)
		return negerrno();
	r = netns_is_current(ns);
	if (r < 0)
		return r;
	return r ? nl_open(ret) : nl_open_in(ns, ret);
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

const char *nl_extack(const struct nl *nl)
{
	return nl ? nl->extack : "";
}

/* ---- request building ---- */

void *nl_req_init(struct nl_req *req, uint16_t type, uint16_t flags, size_t hdrlen)
{
	/* All of it: libmnl < 1.0.5 leaves attribute padding uninitialized. */
	memset(req->buf, 0, sizeof(req->buf));
	req->overflow = false;
	req->nlh = mnl_nlmsg_put_header(req->buf);
	req->nlh->nlmsg_type = type;
	req->nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return mnl_nlmsg_put_extra_header(req->nlh, hdrlen);
}

void *nl_put_hdr(struct nl_req *req, size_t len)
{
	size_t room = sizeof(req->buf) - req->nlh->nlmsg_len;

	if (req->overflow || MNL_ALIGN(len) > room) {
		req->overflow = true;
		return NULL;
	}
	return mnl_nlmsg_put_extra_header(req->nlh, len);
}

void nl_put(struct nl_req *req, uint16_t type, const void *data, size_t len)
{
	if (!req->overflow && !mnl_attr_put_check(req->nlh, sizeof(req->buf), type, len, data))
		req->overflow = true;
}

void nl_put_u8(struct nl_req *req, uint16_t type, uint8_t v)
{
	nl_put(req, type, &v, sizeof(v));
}

void nl_put_u16(struct nl_req *req, uint16_t type, uint16_t v)
{
	nl_put(req, type, &v, sizeof(v));
}

void nl_put_u32(struct nl_req *req, uint16_t type, uint32_t v)
{
	nl_put(req, type, &v, sizeof(v));
}

void nl_put_str(struct nl_req *req, uint16_t type, const char *s)
{
	nl_put(req, type, s, strlen(s) + 1);
}

struct nlattr *nl_nest_begin(struct nl_req *req, uint16_t type)
{
	struct nlattr *nest;

	if (req->overflow)
		return NULL;
	nest = mnl_attr_nest_start_check(req->nlh, sizeof(req->buf), type);
	if (!nest)
		req->overflow = true;
	return nest;
}

void nl_nest_end(struct nl_req *req, struct nlattr *nest)
{
	if (!req->overflow && nest)
		mnl_attr_nest_end(req->nlh, nest);
}

/* ---- the call ---- */

struct call {
	struct nl *nl;
	nl_msg_cb cb;
	void *data;
	int cb_error;
	bool single; /* a plain GET: the one reply ends the call */
	bool intr;   /* the kernel flagged the dump inconsistent */
};

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static void take_extack(struct nl *nl, const struct nlmsghdr *nlh, size_t offset)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {0};

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || offset > mnl_nlmsg_get_payload_len(nlh))
		return;
	if (mnl_attr_parse(nlh, (unsigned)offset, extack_attr_cb, tb) < 0 || !tb[NLMSGERR_ATTR_MSG])
		return;
	snprintf(nl->extack, sizeof(nl->extack), "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
}

/* The kernel's error (-1..-4095) as a positive errno; anything else is not one (and -INT_MIN
 * would overflow): EPROTO. */
static int kernel_errno(int error)
{
	return error < 0 && error >= -4095 ? -error : EPROTO;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct call *c = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	take_extack(c->nl, nlh, off);
	errno = kernel_errno(e->error);
	return MNL_CB_ERROR;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct call *c = data;
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(int));
	if (err < 0) {
		take_extack(c->nl, nlh, sizeof(int));
		errno = kernel_errno(err);
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct call *c = data;

	/* After a callback failed, keep draining the dump so the socket stays in sync. */
	if (c->cb && c->cb_error == 0) {
		int r = c->cb(nlh, c->data);

		if (r < 0)
			c->cb_error = r;
	}
	return c->single ? MNL_CB_STOP : MNL_CB_OK;
}

int nl_msgs_check(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	/* libmnl's mnl_nlmsg_ok() compares (int)nlmsg_len: a length of 2 GiB or more passes
	 * as negative, and the callbacks would read that far. Unsigned, and every message. */
	while (len > 0) {
		struct nlmsghdr h;

		if (len < sizeof(h))
			return -EBADMSG;
		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len)
			return -EBADMSG;
		if (NLMSG_ALIGN(h.nlmsg_len) >= len)
			return 0;
		p += NLMSG_ALIGN(h.nlmsg_len);
		len -= NLMSG_ALIGN(h.nlmsg_len);
	}
	return 0;
}

/* One datagram into nl->buf (flags: 0 or MSG_DONTWAIT), retried when a signal interrupts
 * it, checked before anyone parses it: its length, or -errno (-EAGAIN: nothing queued;
 * -ENOBUFS: notifications were lost; -EBADMSG: a malformed datagram). */
static ssize_t recv_checked(struct nl *nl, int flags)
{
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl->sock), nl->buf, sizeof(nl->buf), flags);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negerrno();
		return nl_msgs_check(nl->buf, (size_t)n) < 0 ? -EBADMSG : n;
	}
}

/* A dump that spans several datagrams while objects change (other processes adding
 * rules, routes or addresses) is flagged NLM_F_DUMP_INTR: what it returned may miss or
 * repeat objects. libmnl stops at the flag and leaves the rest of the dump on the socket;
 * we clear it, read the dump to its end so the socket stays in step, and report -EINTR
 * so that the caller starts over (as nft does). */
static void dump_intr_take(void *buf, size_t len, bool *intr)
{
	int left = (int)len;

	for (struct nlmsghdr *h = buf; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left))
		if (h->nlmsg_flags & NLM_F_DUMP_INTR) {
			h->nlmsg_flags &= (uint16_t)~NLM_F_DUMP_INTR;
			*intr = true;
		}
}

bool nl_dump_again(int r, int *tries)
{
	struct timespec pause = {0};

	if (r != -EINTR || ++*tries >= NL_DUMP_TRIES)
		return false;
	if (*tries > 4) {
		long us = 250L * (*tries - 4);

		/* Spread retries of processes started together (a pod storm) apart. */
		us += (long)((unsigned)getpid() * 2654435761u % 250u);
		pause.tv_nsec = (us < 5000 ? us : 5000) * 1000;
		nanosleep(&pause, NULL);
	}
	return true;
}

int nl_call(struct nl *nl, struct nl_req *req, nl_msg_cb cb, void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
	};
	struct nlmsghdr *nlh = req->nlh;
	struct call c = {.nl = nl, .cb = cb, .data = data};
	uint16_t type = nlh->nlmsg_type;
	int r;

	nl->extack[0] = '\0';
	if (req->overflow)
		return -EMSGSIZE;
	/* A GET of one object answers with that object or an error: no ack needed. */
	c.single = type >= RTM_BASE && type < RTM_MAX && (type & 3) == 2 && !(nlh->nlmsg_flags & NLM_F_DUMP);
	if (!c.single)
		nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return negerrno();
	do {
		/* A signal must not end the call: -EINTR means an interrupted dump. */
		ssize_t n = recv_checked(nl, 0);

		if (n < 0)
			return (int)n;
		dump_intr_take(nl->buf, (size_t)n, &c.intr);
		r = mnl_cb_run2(nl->buf, (size_t)n, nlh->nlmsg_seq, nl->portid, data_cb, &c, ctl,
				ELEMENTSOF(ctl));
		if (r < 0)
			return negerrno();
	} while (r > 0);
	return c.intr ? -EINTR : c.cb_error;
}

/* ---- batches ---- */

/* Requests per sendmsg(): the kernel answers a failed request with an error message on
 * our receive queue while it processes the chunk, so a chunk must never produce more
 * errors than that queue holds (about 200 KiB; an error is ~ 1 KiB of queue with its
 * skb). 128 is safe with the default buffer, and big enough to make syscalls rare. */
#define NL_BATCH_CHUNK 128

struct nl_batch {
	char *buf;
	size_t len, cap;
	size_t *off; /* start of each request in buf */
	size_t n, n_cap;
};

int nl_batch_new(struct nl_batch **ret)
{
	struct nl_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	*ret = b;
	return 0;
}

void nl_batch_free(struct nl_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->off);
	free(b);
}

size_t nl_batch_count(const struct nl_batch *b)
{
	return b->n;
}

int nl_batch_add(struct nl_batch *b, const struct nl_req *req)
{
	size_t len = MNL_ALIGN(req->nlh->nlmsg_len);
	int r;

	if (req->overflow)
		return -EMSGSIZE;
	r = array_reserve((void **)&b->buf, &b->cap, b->len + len - 1, 1);
	if (r < 0)
		return r;
	r = ARRAY_RESERVE(b->off, b->n_cap, b->n);
	if (r < 0)
		return r;
	memcpy(b->buf + b->len, req->nlh, req->nlh->nlmsg_len);
	memset(b->buf + b->len + req->nlh->nlmsg_len, 0, len - req->nlh->nlmsg_len);
	((struct nlmsghdr *)(b->buf + b->len))->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	b->off[b->n++] = b->len;
	b->len += len;
	return 0;
}

struct batch_recv {
	struct nl *nl;
	uint32_t first_seq, barrier_seq;
	size_t first_index;
	nl_batch_err_cb cb;
	void *data;
	int cb_error;
	size_t failed;
	bool done;
};

static void batch_error(struct batch_recv *br, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	int r;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return;
	if (nlh->nlmsg_seq == br->barrier_seq) {
		br->done = true;
		return;
	}
	if (e->error == 0 || nlh->nlmsg_seq < br->first_seq || nlh->nlmsg_seq >= br->barrier_seq)
		return;
	br->nl->extack[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	take_extack(br->nl, nlh, off);
	br->failed++;
	if (br->cb && br->cb_error == 0) {
		r = br->cb(br->first_index + (nlh->nlmsg_seq - br->first_seq), e->error, br->nl->extack, br->data);
		if (r < 0)
			br->cb_error = r;
	}
}

/* Requests [from, to) of b, with fresh sequence numbers, then an acked NLMSG_NOOP. */
static int batch_chunk(struct nl *nl, struct nl_batch *b, size_t from, size_t to, struct batch_recv *br)
{
	struct nlmsghdr barrier = {
		.nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_NOOP, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
	};
	size_t end = to < b->n ? b->off[to] : b->len;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct iovec iov[2] = {
		{.iov_base = b->buf + b->off[from], .iov_len = end - b->off[from]},
		{.iov_base = &barrier, .iov_len = sizeof(barrier)},
	};
	struct msghdr mh = {.msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = iov, .msg_iovlen = 2};

	br->first_seq = nl->seq + 1;
	br->first_index = from;
	for (size_t i = from; i < to; i++)
		((struct nlmsghdr *)(b->buf + b->off[i]))->nlmsg_seq = ++nl->seq;
	barrier.nlmsg_seq = br->barrier_seq = ++nl->seq;
	br->done = false;
	if (sendmsg(mnl_socket_get_fd(nl->sock), &mh, 0) < 0)
		return negerrno();
	while (!br->done) {
		ssize_t n = recv_checked(nl, 0);
		int len;

		if (n < 0)
			return (int)n;
		len = (int)n;
		for (const struct nlmsghdr *h = (const void *)nl->buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len))
			if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_pid == nl->portid)
				batch_error(br, h);
	}
	return 0;
}

int nl_batch_send(struct nl *nl, struct nl_batch *b, nl_batch_err_cb cb, void *data)
{
	struct batch_recv br = {.nl = nl, .cb = cb, .data = data};
	int r = 0;

	nl->extack[0] = '\0';
	for (size_t from = 0; from < b->n && r == 0; from += NL_BATCH_CHUNK) {
		size_t to = from + NL_BATCH_CHUNK < b->n ? from + NL_BATCH_CHUNK : b->n;

		r = batch_chunk(nl, b, from, to, &br);
	}
	b->len = b->n = 0;
	if (r < 0)
		return r;
	if (br.cb_error < 0)
		return br.cb_error;
	return (int)br.failed;
}

/* ---- transactions: prepared messages, every acked one answered ---- */

int nl_transact(struct nl *nl, void *buf, size_t len)
{
	size_t expected = 0, answered = 0;
	uint32_t first = nl->seq + 1;
	int left = (int)len, err = 0;

	nl->extack[0] = '\0';
	for (struct nlmsghdr *h = buf; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
		h->nlmsg_seq = ++nl->seq;
		expected += !!(h->nlmsg_flags & NLM_F_ACK);
	}
	if (mnl_socket_sendto(nl->sock, buf, len) < 0)
		return negerrno();
	/* The kernel handles the whole batch inside sendmsg(): every answer is queued by
	 * now. An error aborts the batch and comes with its own message. */
	while (answered < expected) {
		ssize_t n = recv_checked(nl, MSG_DONTWAIT);
		int l;

		if (n == -EAGAIN)
			break;
		if (n < 0)
			return (int)n;
		l = (int)n;
		for (const struct nlmsghdr *h = (const void *)nl->buf; mnl_nlmsg_ok(h, l); h = mnl_nlmsg_next(h, &l)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			size_t off = sizeof(*e);

			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq < first || h->nlmsg_seq > nl->seq ||
			    h->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				continue;
			answered++;
			if (e->error == 0 || err)
				continue;
			err = e->error;
			if (!(h->nlmsg_flags & NLM_F_CAPPED))
				off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
			take_extack(nl, h, off);
		}
	}
	return err;
}

/* ---- notifications ---- */

int nl_subscribe(struct nl *nl, unsigned group)
{
	int g = (int)group;

	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
		return negerrno();
	return 0;
}

int nl_fd(const struct nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

int nl_drain(struct nl *nl, nl_msg_cb cb, void *data)
{
	bool lost = false;
	int count = 0;

	for (;;) {
		ssize_t n = recv_checked(nl, MSG_DONTWAIT);
		int len;

		if (n == -ENOBUFS) {
			lost = true;
			continue;
		}
		if (n == -EAGAIN)
			break;
		if (n < 0)
			return (int)n;
		len = (int)n;
		for (const struct nlmsghdr *h = (const void *)nl->buf; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			count++;
			if (cb && cb(h, data) < 0)
				return count;
		}
	}
	return lost ? -ENOBUFS : count;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int nl_wait(struct nl *nl, int timeout_ms, nl_msg_cb cb, void *data)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct pollfd pfd = {.fd = mnl_socket_get_fd(nl->sock), .events = POLLIN};

	for (;;) {
		int64_t left = deadline - now_ms();
		ssize_t n;
		int r, len;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return negerrno();
		if (r <= 0)
			continue;
		n = recv(pfd.fd, nl->buf, sizeof(nl->buf), MSG_DONTWAIT);
		if (n < 0) {
			/* ENOBUFS: notifications were dropped; the caller re-checks state. */
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return negerrno();
		}
		if (nl_msgs_check(nl->buf, (size_t)n) < 0)
			return -EBADMSG;
		len = (int)n;
		for (const struct nlmsghdr *h = (const void *)nl->buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			r = cb(h, data);
			if (r != 0)
				return r < 0 ? r : 0;
		}
	}
}

/* ---- parsing ---- */

struct parse {
	const struct nlattr **tb;
	unsigned max;
};

static int parse_attr_cb(const struct nlattr *attr, void *data)
{
	struct parse *p = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= p->max)
		p->tb[type] = attr;
	return MNL_CB_OK;
}

int nl_parse(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb, unsigned max)
{
	struct parse p = {.tb = tb, .max = max};

	memset(tb, 0, sizeof(*tb) * (max + 1));
	if (mnl_attr_parse(nlh, (unsigned)MNL_ALIGN(hdrlen), parse_attr_cb, &p) < 0)
		return negerrno();
	return 0;
}

int nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned max)
{
	struct parse p = {.tb = tb, .max = max};

	memset(tb, 0, sizeof(*tb) * (max + 1));
	if (mnl_attr_parse_nested(nest, parse_attr_cb, &p) < 0)
		return negerrno();
	return 0;
}

void *nl_msg_payload(const struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

size_t nl_msg_space(const struct nlmsghdr *nlh)
{
	return MNL_ALIGN(nlh->nlmsg_len);
}

const void *nl_msg_header(const struct nlmsghdr *nlh, size_t hdrlen)
{
	return mnl_nlmsg_get_payload_len(nlh) >= hdrlen ? mnl_nlmsg_get_payload(nlh) : NULL;
}

uint8_t nl_get_u8(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) >= 1 ? mnl_attr_get_u8(a) : 0;
}

uint16_t nl_get_u16(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) >= 2 ? mnl_attr_get_u16(a) : 0;
}

uint32_t nl_get_u32(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) >= 4 ? mnl_attr_get_u32(a) : 0;
}

const char *nl_get_str(const struct nlattr *a)
{
	const char *s = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);

	return len > 0 && memchr(s, '\0', len) ? s : NULL;
}

const void *nl_get_data(const struct nlattr *a, size_t *ret_len)
{
	*ret_len = mnl_attr_get_payload_len(a);
	return mnl_attr_get_payload(a);
}
