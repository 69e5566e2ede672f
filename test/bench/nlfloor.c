/* nlfloor.c: the kernel-work floor of the benchmark (test/bench/; not part of the plugins).
 *
 * The smallest process we can write that asks the kernel for what a bridge or loopback
 * plugin must ask for: raw rtnetlink, libc only, no JSON, no IPAM, no checks beyond the
 * kernel's acks. Timed by cnitime like a plugin, it is "how fast could an exec'd plugin
 * possibly be on this machine".
 *
 *   nlfloor add BRIDGE HOSTIF NETNS IFNAME ADDR/PLEN GW
 *       host: look up BRIDGE; create veth HOSTIF (master BRIDGE, up) with its peer IFNAME
 *       created directly in NETNS. Container: look up IFNAME, set it up, add ADDR/PLEN,
 *       add the default route via GW. 6 requests, 2 sockets.
 *   nlfloor del NETNS IFNAME          delete IFNAME in NETNS (its peer goes with it)
 *   nlfloor up|down NETNS IFNAME      set IFNAME up/down in NETNS (the loopback plugin's work)
 *
 * Exit 0 on success; 1 with a message on stderr when the kernel refused.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct req {
	struct nlmsghdr n;
	char buf[1024]; /* family header and attributes */
};

static uint32_t seq;

static void *req_init(struct req *q, uint16_t type, uint16_t flags, size_t hdr_len)
{
	memset(q, 0, sizeof(*q));
	q->n.nlmsg_len = NLMSG_LENGTH(hdr_len);
	q->n.nlmsg_type = type;
	q->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return NLMSG_DATA(&q->n);
}

static struct rtattr *put(struct req *q, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)&q->n + NLMSG_ALIGN(q->n.nlmsg_len));

	if (NLMSG_ALIGN(q->n.nlmsg_len) + RTA_SPACE(len) > sizeof(*q)) {
		fprintf(stderr, "nlfloor: request too large\n");
		exit(1);
	}
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (data)
		memcpy(RTA_DATA(a), data, len);
	else
		memset(RTA_DATA(a), 0, len);
	q->n.nlmsg_len = NLMSG_ALIGN(q->n.nlmsg_len) + RTA_SPACE(len);
	return a;
}

static void put_u32(struct req *q, uint16_t type, uint32_t v)
{
	put(q, type, &v, sizeof(v));
}

static void put_str(struct req *q, uint16_t type, const char *s)
{
	put(q, type, s, strlen(s) + 1);
}

static void nest_end(struct req *q, struct rtattr *a)
{
	a->rta_len = (unsigned short)((char *)&q->n + q->n.nlmsg_len - (char *)a);
}

/* Sends q and reads until its ack. An RTM_NEWLINK reply (to RTM_GETLINK) stores the index
 * in *ifindex. Returns 0 or the kernel's -errno. */
static int talk(int fd, struct req *q, int *ifindex)
{
	char buf[16384];
	ssize_t len;

	q->n.nlmsg_seq = ++seq;
	if (send(fd, q, q->n.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_type == RTM_NEWLINK && ifindex)
				*ifindex = ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
		}
	}
}

static int rtnl_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0) {
		perror("nlfloor: socket");
		exit(1);
	}
	return fd;
}

static void check(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "nlfloor: %s: %s\n", what, strerror(-r));
		exit(1);
	}
}

static int open_ns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "nlfloor: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void enter_ns(int ns_fd)
{
	if (setns(ns_fd, CLONE_NEWNET) < 0) {
		perror("nlfloor: setns");
		exit(1);
	}
}

static int link_index(int fd, const char *name)
{
	struct req q;
	int idx = 0;

	req_init(&q, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	put_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	put_str(&q, IFLA_IFNAME, name);
	check(talk(fd, &q, &idx), name);
	return idx;
}

static void link_flags(int fd, int idx, unsigned flags)
{
	struct req q;
	struct ifinfomsg *ifi = req_init(&q, RTM_NEWLINK, 0, sizeof(*ifi));

	ifi->ifi_index = idx;
	ifi->ifi_flags = flags;
	ifi->ifi_change = IFF_UP;
	check(talk(fd, &q, NULL), "set link flags");
}

static int cmd_add(char **argv)
{
	const char *bridge = argv[0], *hostif = argv[1], *nspath = argv[2], *ifname = argv[3];
	struct in_addr addr, gw;
	struct ifinfomsg *ifi;
	struct rtattr *info, *data, *peer;
	struct req q;
	char ip[INET_ADDRSTRLEN + 4], *slash; /* "a.b.c.d/nn" */
	int ns_fd, host, cont, br, idx;
	long plen;

	if (snprintf(ip, sizeof(ip), "%s", argv[4]) >= (int)sizeof(ip))
		return 2;
	slash = strchr(ip, '/');
	if (!slash || inet_pton(AF_INET, argv[5], &gw) != 1)
		return 2;
	*slash = '\0';
	plen = strtol(slash + 1, NULL, 10);
	if (inet_pton(AF_INET, ip, &addr) != 1 || plen < 0 || plen > 32)
		return 2;

	ns_fd = open_ns(nspath);
	host = rtnl_socket();
	br = link_index(host, bridge);

	ifi = req_init(&q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	put_str(&q, IFLA_IFNAME, hostif);
	put_u32(&q, IFLA_MASTER, (uint32_t)br);
	info = put(&q, IFLA_LINKINFO, NULL, 0);
	put_str(&q, IFLA_INFO_KIND, "veth");
	data = put(&q, IFLA_INFO_DATA, NULL, 0);
	peer = put(&q, VETH_INFO_PEER, NULL, sizeof(struct ifinfomsg)); /* a zeroed ifinfomsg */
	put_str(&q, IFLA_IFNAME, ifname);
	put_u32(&q, IFLA_NET_NS_FD, (uint32_t)ns_fd);
	nest_end(&q, peer);
	nest_end(&q, data);
	nest_end(&q, info);
	check(talk(host, &q, NULL), "create veth");

	enter_ns(ns_fd);
	cont = rtnl_socket();
	idx = link_index(cont, ifname);
	link_flags(cont, idx, IFF_UP);

	struct ifaddrmsg *ifa = req_init(&q, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)plen;
	ifa->ifa_index = (unsigned)idx;
	put(&q, IFA_LOCAL, &addr, sizeof(addr));
	put(&q, IFA_ADDRESS, &addr, sizeof(addr));
	check(talk(cont, &q, NULL), "add address");

	struct rtmsg *rtm = req_init(&q, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	put(&q, RTA_GATEWAY, &gw, sizeof(gw));
	put_u32(&q, RTA_OIF, (uint32_t)idx);
	check(talk(cont, &q, NULL), "add default route");
	return 0;
}

static int cmd_del(char **argv)
{
	struct ifinfomsg *ifi;
	struct req q;
	int fd;

	enter_ns(open_ns(argv[0]));
	fd = rtnl_socket();
	ifi = req_init(&q, RTM_DELLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	put_str(&q, IFLA_IFNAME, argv[1]);
	check(talk(fd, &q, NULL), "delete link");
	return 0;
}

static int cmd_updown(char **argv, unsigned flags)
{
	int fd;

	enter_ns(open_ns(argv[0]));
	fd = rtnl_socket();
	link_flags(fd, link_index(fd, argv[1]), flags);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 8 && strcmp(argv[1], "add") == 0)
		return cmd_add(argv + 2);
	if (argc == 4 && strcmp(argv[1], "del") == 0)
		return cmd_del(argv + 2);
	if (argc == 4 && strcmp(argv[1], "up") == 0)
		return cmd_updown(argv + 2, IFF_UP);
	if (argc == 4 && strcmp(argv[1], "down") == 0)
		return cmd_updown(argv + 2, 0);
	fprintf(stderr, "usage: nlfloor add BRIDGE HOSTIF NETNS IFNAME ADDR/PLEN GW\n"
			"       nlfloor del|up|down NETNS IFNAME\n");
	return 2;
}
