/* fuzz_nl_ack: what comes back for a request: NLMSG_ERROR acks with extended-ack TLVs
 * (message, offset; capped or not), NLMSG_DONE with an error, data messages, through
 * nl.c's receive path (nl_msgs_check, then mnl_cb_run2 with nl.c's own control callbacks,
 * as nl_call() runs it), with nl.c included. The sequence number and port are taken from
 * the first message so the replies are "ours".
 * Properties: a failed run reports a positive errno; the kept extended-ack text is a
 * NUL-terminated string that fits; a data callback never sees more messages than there
 * are. */
#include "fuzz.h"

#include "../../pkg/nl.c"

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(unsigned *)data)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {[NLMSG_ERROR] = error_cb, [NLMSG_DONE] = done_cb};
	struct nl *nl = calloc(1, sizeof(*nl));
	unsigned seen = 0, msgs = 0;
	struct call c = {.nl = nl, .cb = count_cb, .data = &seen};
	uint8_t *buf;
	struct nlmsghdr first;
	int r;

	if (size > NL_RECV_SIZE || size < sizeof(first) || nl_msgs_check(data, size) < 0) {
		free(nl);
		return 0;
	}
	for (const uint8_t *p = data; p < data + size;) {
		struct nlmsghdr h;

		memcpy(&h, p, sizeof(h));
		msgs++;
		if (NLMSG_ALIGN(h.nlmsg_len) >= (size_t)(data + size - p))
			break;
		p += NLMSG_ALIGN(h.nlmsg_len);
	}
	memcpy(&first, data, sizeof(first));
	buf = malloc(size);
	memcpy(buf, data, size);
	c.single = first.nlmsg_flags & 1;
	errno = 0;
	r = mnl_cb_run2(buf, size, first.nlmsg_seq, first.nlmsg_pid, data_cb, &c, ctl, ELEMENTSOF(ctl));
	if (r < 0)
		FUZZ_CHECK(errno > 0, "failed with errno %d", errno);
	FUZZ_CHECK(memchr(nl->extack, '\0', sizeof(nl->extack)), "extack not terminated");
	FUZZ_CHECK(seen <= msgs, "%u callbacks for %u messages", seen, msgs);
	free(buf);
	free(nl);
	return 0;
}
