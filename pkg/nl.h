/* nl.h: the one netlink choke point (rtnetlink over libmnl).
 *
 * A struct nl is a socket bound to the network namespace it was opened in, with its own
 * sequence counter, receive buffer and last extended-ack message. Requests are built on
 * the stack in a struct nl_req whose overflow flag is sticky: a run of puts needs no
 * checks, nl_call() reports -EMSGSIZE once. Everything returns 0 (or >= 0) / -errno.
 * Only this header and nl.c know libmnl; the attribute helpers below wrap it.
 */
#ifndef CNI_PKG_NL_H
#define CNI_PKG_NL_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

struct nl;

struct nl_req {
	union {
		char buf[4096];
		struct nlmsghdr align;
	};
	struct nlmsghdr *nlh;
	bool overflow;
};

int nl_open(struct nl **ret);
/* A socket of another netlink protocol (NETLINK_NETFILTER), with the same ack handling. */
int nl_open_proto(int proto, struct nl **ret);
/* Open a socket that lives in the namespace behind ns_fd (enter, create, return). */
int nl_open_in(int ns_fd, struct nl **ret);
/* Another socket in the namespace nl lives in (which need not be the caller's). */
int nl_open_sibling(const struct nl *nl, struct nl **ret);
void nl_close(struct nl *nl);
DEFINE_CLEANUP_FUNC(struct nl *, nl_close);
#define _cleanup_nl_ _cleanup_(nl_closep)

/* Kernel's extended-ack text of the last failed call, "" when none. */
const char *nl_extack(const struct nl *nl);

/* Start a request; returns the zeroed family header of hdrlen bytes. */
void *nl_req_init(struct nl_req *req, uint16_t type, uint16_t flags, size_t hdrlen);
void nl_put(struct nl_req *req, uint16_t type, const void *data, size_t len);
void nl_put_u8(struct nl_req *req, uint16_t type, uint8_t v);
void nl_put_u16(struct nl_req *req, uint16_t type, uint16_t v);
void nl_put_u32(struct nl_req *req, uint16_t type, uint32_t v);
void nl_put_str(struct nl_req *req, uint16_t type, const char *s);
struct nlattr *nl_nest_begin(struct nl_req *req, uint16_t type);
void nl_nest_end(struct nl_req *req, struct nlattr *nest);
/* Pointer to the current end of the message (for nested family headers such as a veth peer). */
void *nl_put_hdr(struct nl_req *req, size_t len);

/* Called for each reply message; return 0 to go on, > 0 to stop, < 0 to fail the call. */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);

/* Send req (NLM_F_ACK added), run cb on every reply until the ack or NLMSG_DONE.
 * Returns the kernel's -errno on NLMSG_ERROR, with the ext-ack text kept in nl, and
 * -EINTR for a dump the kernel flagged inconsistent (objects changed while it ran): the
 * callbacks saw every message, but the caller must drop what it collected and dump
 * again, at most NL_DUMP_TRIES times. */
int nl_call(struct nl *nl, struct nl_req *req, nl_msg_cb cb, void *data);
/* For the loop around a dump: true when r is -EINTR and another try is allowed (up to
 * NL_DUMP_TRIES), after a pause that grows with *tries (nothing for the first few, then
 * up to 5 ms) so that a burst of changes can pass:
 *	do reset(collected); while (nl_dump_again(r = nl_call(...), &tries)); */
#define NL_DUMP_TRIES 32
bool nl_dump_again(int r, int *tries);

/* Batches: many requests sent together, as few sendmsg() calls as the socket buffers
 * allow, without a per-request ack; each chunk ends with an acked no-op, so a kernel
 * error of any request comes back with its index. Requests are copied in. */
struct nl_batch;
/* index: position of the failed request in the batch; error: the kernel's -errno;
 * extack: its message ("" when none). Return < 0 to fail the whole send with it. */
typedef int (*nl_batch_err_cb)(size_t index, int error, const char *extack, void *data);
int nl_batch_new(struct nl_batch **ret);
void nl_batch_free(struct nl_batch *b);
DEFINE_CLEANUP_FUNC(struct nl_batch *, nl_batch_free);
#define _cleanup_nl_batch_ _cleanup_(nl_batch_freep)
/* Append req (its flags as built; NLM_F_ACK is never added). -EMSGSIZE on an overflowed req. */
int nl_batch_add(struct nl_batch *b, const struct nl_req *req);
size_t nl_batch_count(const struct nl_batch *b);
/* Send every request, then empty the batch. Returns how many the kernel refused (each
 * one went to cb), or -errno when the socket failed (or cb returned < 0). */
int nl_batch_send(struct nl *nl, struct nl_batch *b, nl_batch_err_cb cb, void *data);

/* Send prepared messages (e.g. an nftables batch built with libnftnl) in one sendmsg();
 * sequence numbers are assigned here. Every message with NLM_F_ACK is answered; returns
 * the first error among the answers (ext-ack text kept), or 0. */
int nl_transact(struct nl *nl, void *buf, size_t len);

/* Notifications: join an rtnetlink multicast group (RTNLGRP_*) on a socket used for
 * nothing else, then wait up to timeout_ms for messages; cb returning > 0 ends the wait
 * with 0, no such message in time gives -ETIMEDOUT. */
int nl_subscribe(struct nl *nl, unsigned group);
/* The socket's fd, to poll for notifications. */
int nl_fd(const struct nl *nl);
/* Every notification queued now, without waiting: cb for each (its return is ignored,
 * but < 0 stops). Returns how many, or -ENOBUFS when some were lost (the queue overran:
 * assume anything changed), or -errno. */
int nl_drain(struct nl *nl, nl_msg_cb cb, void *data);
int nl_wait(struct nl *nl, int timeout_ms, nl_msg_cb cb, void *data);

/* 0 when buf holds only whole netlink messages (each at least a header long, none past
 * the end), else -EBADMSG. nl_call() and nl_wait() check every datagram with it before
 * any callback sees a message. */
int nl_msgs_check(const void *buf, size_t len);

/* Attribute parsing: fill tb[0..max] from the attributes after a hdrlen family header
 * (or inside a nest). Unknown types are skipped. */
int nl_parse(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb, unsigned max);
int nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned max);
void *nl_msg_payload(const struct nlmsghdr *nlh);
/* Bytes a message takes in a buffer of several (its length, aligned). */
size_t nl_msg_space(const struct nlmsghdr *nlh);
/* The family header (ifinfomsg, rtmsg...) of hdrlen bytes, NULL when the message is too
 * short to hold it. */
const void *nl_msg_header(const struct nlmsghdr *nlh, size_t hdrlen);
uint8_t nl_get_u8(const struct nlattr *a);
uint16_t nl_get_u16(const struct nlattr *a);
uint32_t nl_get_u32(const struct nlattr *a);
const char *nl_get_str(const struct nlattr *a); /* NULL unless NUL-terminated */
const void *nl_get_data(const struct nlattr *a, size_t *ret_len);

#endif
