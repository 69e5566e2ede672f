/* simpeer: the cluster simulation's traffic, from one process for hundreds of namespaces.
 *
 *   simpeer serve PORT NETNS...
 *       In each namespace (a path such as /run/netns/x), a dual-stack UDP socket on PORT
 *       answers every datagram with the source address it saw ("seen <addr>"). Runs
 *       until killed.
 *   simpeer probe PORT TIMEOUT_MS
 *       Reads lines "NETNS EXPECTED_SOURCE TARGET" on stdin. From NETNS it sends a UDP
 *       datagram and an ICMP echo request to TARGET (retried until TIMEOUT_MS) and prints
 *       one line per probe:
 *         "NETNS TARGET ok udp-seen=ADDR icmp=ok"   or   "NETNS TARGET fail <what>"
 *       A probe fails when either gets no answer, or when the UDP peer saw a source other
 *       than EXPECTED_SOURCE ("-": any). Exit status 0 when every probe passed.
 * The namespaces are entered only to create sockets; everything else runs in one epoll loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "simpeer: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* socket(domain, type, proto) inside the namespace at path. */
static int socket_in(const char *path, int domain, int type, int proto)
{
	static int home = -1;
	int ns, fd;

	if (home < 0 && (home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		die("own netns");
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		die(path);
	if (setns(ns, CLONE_NEWNET) < 0)
		die("setns");
	fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		die("socket");
	if (setns(home, CLONE_NEWNET) < 0)
		die("setns home");
	close(ns);
	return fd;
}

static void addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, (socklen_t)len);
		return;
	}
	const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (IN6_IS_ADDR_V4MAPPED(a))
		inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

static __attribute__((__noreturn__)) void serve(int port, int n, char **paths)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), off = 0;

	if (ep < 0)
		die("epoll");
	for (int i = 0; i < n; i++) {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
					  .sin6_addr = IN6ADDR_ANY_INIT};
		struct epoll_event ev = {.events = EPOLLIN};
		int fd = socket_in(paths[i], AF_INET6, SOCK_DGRAM, 0);

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die(paths[i]);
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			die("epoll_ctl");
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct epoll_event evs[64];
		int k = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < k; i++) {
			struct sockaddr_storage from;
			socklen_t flen = sizeof(from);
			char buf[256], seen[INET6_ADDRSTRLEN], reply[300];
			ssize_t r = recvfrom(evs[i].data.fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
			int len;

			if (r < 0)
				continue;
			addr_str(&from, seen, sizeof(seen));
			len = snprintf(reply, sizeof(reply), "seen %s %.*s", seen, (int)r, buf);
			(void)sendto(evs[i].data.fd, reply, (size_t)len, 0, (struct sockaddr *)&from, flen);
		}
	}
}

/* ---- probes ---- */

struct probe {
	char ns[128], expect[64], target[64];
	int family;
	struct sockaddr_storage dst;
	socklen_t dlen;
	int udp, icmp; /* sockets (shared per namespace and family) */
	bool udp_ok, icmp_ok;
	char seen[64];
};

struct nssock {
	char ns[128];
	int family, udp, icmp;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void send_probe(struct probe *p, int idx, int port)
{
	char msg[32];
	int len = snprintf(msg, sizeof(msg), "p%d", idx);
	struct sockaddr_storage d = p->dst;

	if (!p->udp_ok) {
		if (p->family == AF_INET)
			((struct sockaddr_in *)&d)->sin_port = htons((uint16_t)port);
		else
			((struct sockaddr_in6 *)&d)->sin6_port = htons((uint16_t)port);
		(void)sendto(p->udp, msg, (size_t)len, 0, (struct sockaddr *)&d, p->dlen);
	}
	if (!p->icmp_ok) {
		unsigned char pkt[16] = {0};

		/* type, code, checksum (the kernel fills it for ICMPv6), id, sequence = idx */
		pkt[0] = p->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
		pkt[4] = 0x53;
		pkt[5] = 0x50;
		pkt[6] = (unsigned char)(idx >> 8);
		pkt[7] = (unsigned char)idx;
		if (p->family == AF_INET) {
			uint32_t sum = 0;

			for (int i = 0; i < 16; i += 2)
				sum += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			pkt[2] = (unsigned char)(~sum >> 8);
			pkt[3] = (unsigned char)~sum;
		}
		(void)sendto(p->icmp, pkt, sizeof(pkt), 0, (struct sockaddr *)&p->dst, p->dlen);
	}
}

static void on_udp(struct probe *v, int n, int fd)
{
	char buf[300], seen[64];
	int idx;

	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf) - 1, 0);

		if (r < 0)
			return;
		buf[r] = '\0';
		if (sscanf(buf, "seen %63s p%d", seen, &idx) != 2 || idx < 0 || idx >= n || v[idx].udp != fd)
			continue;
		v[idx].udp_ok = true;
		snprintf(v[idx].seen, sizeof(v[idx].seen), "%s", seen);
	}
}

static void on_icmp(struct probe *v, int n, int fd, int family)
{
	unsigned char buf[1500];

	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		const unsigned char *icmp = buf;
		int idx;

		if (r < 0)
			return;
		if (family == AF_INET) {
			size_t ihl = (size_t)(buf[0] & 0x0f) * 4;

			if ((size_t)r < ihl + 8)
				continue;
			icmp = buf + ihl;
			if (icmp[0] != ICMP_ECHOREPLY)
				continue;
		} else if (r < 8 || icmp[0] != ICMP6_ECHO_REPLY) {
			continue;
		}
		if (icmp[4] != 0x53 || icmp[5] != 0x50)
			continue;
		idx = icmp[6] << 8 | icmp[7];
		if (idx < n && v[idx].icmp == fd)
			v[idx].icmp_ok = true;
	}
}

static struct nssock *sock_for(struct nssock **s, int *ns, const char *path, int family)
{
	struct nssock *x;

	for (int i = 0; i < *ns; i++)
		if ((*s)[i].family == family && strcmp((*s)[i].ns, path) == 0)
			return &(*s)[i];
	*s = realloc(*s, (size_t)(*ns + 1) * sizeof(**s));
	x = &(*s)[(*ns)++];
	snprintf(x->ns, sizeof(x->ns), "%s", path);
	x->family = family;
	x->udp = socket_in(path, family, SOCK_DGRAM, 0);
	x->icmp = socket_in(path, family, SOCK_RAW, family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	return x;
}

static int probe(int port, int timeout_ms)
{
	struct probe *v = NULL;
	struct nssock *socks = NULL;
	int n = 0, ns = 0, ep, failed = 0;
	char line[512];
	int64_t deadline, next_send = 0;

	while (fgets(line, sizeof(line), stdin)) {
		struct probe p = {0};
		struct nssock *s;

		if (sscanf(line, "%127s %63s %63s", p.ns, p.expect, p.target) != 3)
			continue;
		if (inet_pton(AF_INET, p.target, &((struct sockaddr_in *)&p.dst)->sin_addr) == 1) {
			p.family = AF_INET;
			p.dst.ss_family = AF_INET;
			p.dlen = sizeof(struct sockaddr_in);
		} else if (inet_pton(AF_INET6, p.target, &((struct sockaddr_in6 *)&p.dst)->sin6_addr) == 1) {
			p.family = AF_INET6;
			p.dst.ss_family = AF_INET6;
			p.dlen = sizeof(struct sockaddr_in6);
		} else {
			fprintf(stderr, "simpeer: bad target %s\n", p.target);
			failed = -1;
			break;
		}
		if (n >= 65535) {
			fprintf(stderr, "simpeer: too many probes\n");
			failed = -1;
			break;
		}
		s = sock_for(&socks, &ns, p.ns, p.family);
		p.udp = s->udp;
		p.icmp = s->icmp;
		v = realloc(v, (size_t)(n + 1) * sizeof(*v));
		v[n++] = p;
	}
	ep = failed < 0 ? -1 : epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < ns && ep >= 0; i++) {
		struct epoll_event e1 = {.events = EPOLLIN, .data.u64 = (uint64_t)i * 2};
		struct epoll_event e2 = {.events = EPOLLIN, .data.u64 = (uint64_t)i * 2 + 1};

		if (epoll_ctl(ep, EPOLL_CTL_ADD, socks[i].udp, &e1) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, socks[i].icmp, &e2) < 0)
			die("epoll_ctl");
	}
	deadline = now_ms() + timeout_ms;
	for (; ep >= 0;) {
		struct epoll_event evs[64];
		int64_t now = now_ms();
		bool all = true;
		int k;

		for (int i = 0; i < n && all; i++)
			all = v[i].udp_ok && v[i].icmp_ok;
		if (all || now >= deadline)
			break;
		if (now >= next_send) {
			/* First round at once, then a retry every 300 ms for what has no answer. */
			for (int i = 0; i < n; i++)
				send_probe(&v[i], i, port);
			next_send = now + 300;
		}
		k = epoll_wait(ep, evs, 64, 20);
		for (int i = 0; i < k; i++) {
			struct nssock *s = &socks[evs[i].data.u64 / 2];

			if (evs[i].data.u64 % 2 == 0)
				on_udp(v, n, s->udp);
			else
				on_icmp(v, n, s->icmp, s->family);
		}
	}
	for (int i = 0; i < n && ep >= 0; i++) {
		struct probe *p = &v[i];
		bool src_ok = strcmp(p->expect, "-") == 0 || strcmp(p->expect, p->seen) == 0;

		if (p->udp_ok && p->icmp_ok && src_ok) {
			printf("%s %s ok udp-seen=%s icmp=ok\n", p->ns, p->target, p->seen);
			continue;
		}
		failed++;
		printf("%s %s fail%s%s%s%s%s\n", p->ns, p->target, p->udp_ok ? "" : " no-udp-answer",
		       p->icmp_ok ? "" : " no-icmp-answer", p->udp_ok && !src_ok ? " udp-seen=" : "",
		       p->udp_ok && !src_ok ? p->seen : "", p->udp_ok && !src_ok ? " (wrong source)" : "");
	}
	for (int i = 0; i < ns; i++) {
		close(socks[i].udp);
		close(socks[i].icmp);
	}
	if (ep >= 0)
		close(ep);
	free(socks);
	free(v);
	return failed < 0 ? 2 : failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "serve") == 0)
		serve(atoi(argv[2]), argc - 3, argv + 3);
	if (argc == 4 && strcmp(argv[1], "probe") == 0)
		return probe(atoi(argv[2]), atoi(argv[3]));
	fprintf(stderr, "usage: simpeer serve PORT NETNS... | simpeer probe PORT TIMEOUT_MS < probes\n");
	return 2;
}
