/* test_nl.c: pkg/nl, link, addr, route and netns against the real kernel.
 *
 * Needs root. Check forks every test; the checked fixture moves that child into a private
 * network namespace (unshare), so nothing here can touch the host's. A second namespace,
 * where one is needed, exists only as an fd of the child. What the kernel did is read back
 * with `ip -j` run in a child process (in the same namespace, or setns'd into the second
 * one), never with the code under test.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "link.h"
#include "netns.h"
#include "nft.h"
#include "nl.h"
#include "route.h"

/* After link.h (net/if.h): linux/if.h then skips what glibc already defined. */
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

static pid_t runner_pid;
static struct nl *nl;

static void setup(void)
{
	/* Never unshare the runner itself (that needs Check's fork mode). */
	ck_assert_msg(getpid() != runner_pid, "the nl suite must run with CK_FORK=yes");
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	ck_assert_int_eq(nl_open(&nl), 0);
}

static void teardown(void)
{
	nl_close(nl);
	nl = NULL;
}

/* ---- ip -j in a child ---- */

static const char *ip_path(void)
{
	static const char *const cand[] = {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"};

	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
		if (access(cand[i], X_OK) == 0)
			return cand[i];
	return "ip";
}

/* Runs `<tool> <words>` (in the namespace of ns_fd unless -1); returns its stdout and exit
 * status. */
static char *run_tool(const char *tool, int ns_fd, int *status, const char *fmt, va_list ap)
{
	char cmd[1024], *argv[64], *out = NULL;
	size_t n = 0, len = 0, cap = 0;
	int p[2];
	pid_t pid;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	argv[n++] = (char *)tool;
	for (char *save = NULL, *w = strtok_r(cmd, " ", &save); w && n < 63; w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (ns_fd >= 0 && setns(ns_fd, CLONE_NEWNET) < 0)
			_exit(126);
		dup2(p[1], 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		execv(tool, argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t k;

		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 8192;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
		k = read(p[0], out + len, cap - len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	out[len] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, status, 0), pid);
	return out;
}

static json_t *ipj_ns(int ns_fd, const char *fmt, ...) __attribute__((__format__(printf, 2, 3)));
static json_t *ipj_ns(int ns_fd, const char *fmt, ...)
{
	char full[1100], *out;
	json_error_t je;
	json_t *j;
	va_list ap;
	int status;

	snprintf(full, sizeof(full), "-j %s", fmt);
	va_start(ap, fmt);
	out = run_tool(ip_path(), ns_fd, &status, full, ap);
	va_end(ap);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(out);
		return NULL;
	}
	j = out[strspn(out, " \n")] ? json_loads(out, 0, &je) : json_array();
	ck_assert_msg(j != NULL, "ip -j output unparsable (%s): %s", je.text, out);
	free(out);
	return j;
}

#define ipj(...) ipj_ns(-1, __VA_ARGS__)

/* The `ip -j -d link show dev name` object (a new reference), NULL if there is none. */
static json_t *link_j(int ns_fd, const char *name)
{
	json_t *a = ipj_ns(ns_fd, "-d link show dev %s", name);
	json_t *l = json_incref(json_array_get(a, 0));

	json_decref(a);
	return l;
}

static bool has_flag(const json_t *link, const char *flag)
{
	const json_t *f;
	size_t i;

	json_array_foreach (json_object_get(link, "flags"), i, f)
		if (strcmp(json_string_value(f), flag) == 0)
			return true;
	return false;
}

static const json_t *info_data(const json_t *link)
{
	return json_object_get(json_object_get(link, "linkinfo"), "info_data");
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* addr_info entry of dev with this local address, NULL when absent (a new reference). */
static json_t *addr_j(const char *dev, const char *local)
{
	json_t *a = ipj("addr show dev %s", dev), *ai, *found = NULL;
	size_t i;

	json_array_foreach (json_object_get(json_array_get(a, 0), "addr_info"), i, ai)
		if (strcmp(jstr(ai, "local"), local) == 0)
			found = json_incref(ai);
	json_decref(a);
	return found;
}

/* The route object with this dst in `ip -j <family> route show <table>`, or NULL. */
static json_t *route_tj(const char *family, const char *table, const char *dst)
{
	json_t *a = ipj("%s route show %s", family, table), *r, *found = NULL;
	size_t i;

	json_array_foreach (a, i, r)
		if (strcmp(jstr(r, "dst"), dst) == 0)
			found = json_incref(r);
	json_decref(a);
	return found;
}

#define route_j(family, dst) route_tj(family, "", dst)

/* ---- small fixtures ---- */

static int ifindex(const char *name)
{
	struct link_info li;

	ck_assert_msg(link_get_by_name(nl, name, &li) == 0, "no link %s", name);
	return li.ifindex;
}

/* A veth pair a/b in the current namespace; up as asked. */
static void veth(const char *a, const char *b, bool up_a, bool up_b)
{
	struct link_veth_opts o = {.name = a, .up = up_a, .peer_name = b, .peer_ns_fd = -1};

	ck_assert_int_eq(link_create_veth(nl, &o, NULL), 0);
	if (up_b)
		ck_assert_int_eq(link_set_up(nl, ifindex(b), true), 0);
}

/* A second namespace, held only by the returned fd; the current one is unchanged. */
static int other_netns(void)
{
	int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), fd;

	ck_assert_int_ge(orig, 0);
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setns(orig, CLONE_NEWNET), 0);
	close(orig);
	return fd;
}

static ino_t current_netns_ino(void)
{
	struct stat st;

	ck_assert_int_eq(stat("/proc/thread-self/ns/net", &st), 0);
	return st.st_ino;
}

static struct ipnet CIDR(const char *s)
{
	struct ipnet n;

	ck_assert_msg(ipnet_parse(s, false, &n) == 0, "bad cidr %s", s);
	return n;
}

static struct ipnet_addr IP(const char *s)
{
	struct ipnet_addr a;

	ck_assert_msg(ipnet_addr_parse(s, &a) == 0, "bad ip %s", s);
	return a;
}

/* ---- socket and lookups ---- */

START_TEST(open_and_get_lo)
{
	struct link_info li, by_index;
	json_t *j;

	ck_assert_int_eq(link_get_by_name(nl, "lo", &li), 0);
	ck_assert_int_eq(li.ifindex, 1);
	ck_assert_str_eq(li.name, "lo");
	ck_assert_str_eq(li.kind, "");
	ck_assert_uint_eq(li.flags & IFF_UP, 0);
	ck_assert_uint_eq(li.flags & IFF_LOOPBACK, IFF_LOOPBACK);
	ck_assert_int_eq(li.master, 0);
	ck_assert_int_eq(li.ipvlan_mode, -1);
	ck_assert_int_eq(li.vlan_filtering, -1);
	j = link_j(-1, "lo");
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(li.mtu, json_integer_value(json_object_get(j, "mtu")));
	ck_assert_str_eq(jstr(j, "operstate"), "DOWN");
	ck_assert_int_eq(li.operstate, IF_OPER_DOWN);
	json_decref(j);
	ck_assert_int_eq(link_get_by_index(nl, 1, &by_index), 0);
	ck_assert_str_eq(by_index.name, "lo");
	ck_assert_str_eq(nl_extack(nl), "");
}
END_TEST

START_TEST(get_missing)
{
	struct link_info li = {.ifindex = 777};

	ck_assert_int_eq(link_get_by_name(nl, "nosuchlink0", &li), -ENODEV);
	ck_assert_int_eq(link_get_by_index(nl, 4242, &li), -ENODEV);
	ck_assert_int_eq(link_get_by_name(nl, "abcdefghijklmnop", &li), -ENODEV); /* > IFNAMSIZ-1 */
	ck_assert_int_eq(li.ifindex, 777);
	/* The socket is still in sync afterwards. */
	ck_assert_int_eq(link_get_by_name(nl, "lo", &li), 0);
}
END_TEST

START_TEST(set_up_down)
{
	json_t *j;

	ck_assert_int_eq(link_set_up(nl, 1, true), 0);
	j = link_j(-1, "lo");
	ck_assert(has_flag(j, "UP"));
	json_decref(j);
	ck_assert_int_eq(link_set_up(nl, 1, false), 0);
	j = link_j(-1, "lo");
	ck_assert(!has_flag(j, "UP"));
	json_decref(j);
	ck_assert_int_eq(link_set_up(nl, 4242, true), -ENODEV);
}
END_TEST

/* ---- creation ---- */

START_TEST(bridge_create_and_eexist)
{
	struct link_bridge_opts o = {.name = "cnibr0", .mtu = 1400};
	struct link_info li;
	json_t *j;

	ck_assert_int_eq(link_create_bridge(nl, &o), 0);
	ck_assert_int_eq(link_create_bridge(nl, &o), -EEXIST);
	ck_assert_int_eq(link_get_by_name(nl, "cnibr0", &li), 0);
	ck_assert_str_eq(li.kind, "bridge");
	ck_assert_uint_eq(li.mtu, 1400);
	ck_assert_int_eq(li.vlan_filtering, 0);
	j = link_j(-1, "cnibr0");
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "mtu")), 1400);
	ck_assert_str_eq(jstr(json_object_get(j, "linkinfo"), "info_kind"), "bridge");
	ck_assert_int_eq(json_integer_value(json_object_get(info_data(j), "vlan_filtering")), 0);
	json_decref(j);
	/* Any link of that name counts, whatever its kind. */
	veth("cniv0", "cniv1", false, false);
	o.name = "cniv0";
	ck_assert_int_eq(link_create_bridge(nl, &o), -EEXIST);
}
END_TEST

START_TEST(bridge_vlan_filtering)
{
	struct link_bridge_opts o = {.name = "cnibr1", .vlan_filtering = true};
	struct link_info li;
	json_t *j;
	int r;

	r = link_create_bridge(nl, &o);
	if (r == -EOPNOTSUPP) {
		/* A kernel without CONFIG_BRIDGE_VLAN_FILTERING: nothing was created. */
		ck_assert_int_eq(link_get_by_name(nl, "cnibr1", &li), -ENODEV);
		return;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(link_get_by_name(nl, "cnibr1", &li), 0);
	ck_assert_int_eq(li.vlan_filtering, 1);
	ck_assert_int_eq(li.vlan_default_pvid, 1);
	j = link_j(-1, "cnibr1");
	ck_assert_int_eq(json_integer_value(json_object_get(info_data(j), "vlan_filtering")), 1);
	json_decref(j);
}
END_TEST

START_TEST(veth_peer_in_other_netns)
{
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x01};
	struct link_veth_opts o = {.name = "cnih0", .up = true, .peer_name = "cnic0", .mtu = 1450, .peer_mac = mac};
	_cleanup_nl_ struct nl *nl2 = NULL;
	struct link_info li, peer, echo;
	ino_t self = current_netns_ino();
	json_t *j;
	int fd2 = other_netns();

	o.peer_ns_fd = fd2;
	/* The end created here comes back from the request itself (the kernel's echo). */
	ck_assert_int_eq(link_create_veth(nl, &o, &echo), 0);
	ck_assert_int_eq(link_create_veth(nl, &o, NULL), -EEXIST);
	ck_assert_str_eq(echo.name, "cnih0");
	ck_assert_str_eq(echo.kind, "veth");
	ck_assert_int_gt(echo.ifindex, 0);

	/* Our end: here, up, a veth whose peer lives in another namespace. */
	ck_assert_int_eq(link_get_by_name(nl, "cnih0", &li), 0);
	ck_assert_int_eq(li.ifindex, echo.ifindex);
	ck_assert(memcmp(li.mac, echo.mac, 6) == 0);
	ck_assert_str_eq(li.kind, "veth");
	ck_assert_uint_eq(li.mtu, 1450);
	ck_assert_uint_eq(li.flags & IFF_UP, IFF_UP);
	ck_assert(li.link_other_ns);
	ck_assert_int_eq(link_get_by_name(nl, "cnic0", &peer), -ENODEV);
	j = link_j(-1, "cnih0");
	ck_assert(has_flag(j, "UP"));
	ck_assert_ptr_nonnull(json_object_get(j, "link_netnsid"));
	json_decref(j);
	ck_assert_ptr_null(link_j(-1, "cnic0"));

	/* The peer: there, down, with the MAC and MTU asked for. */
	j = link_j(fd2, "cnic0");
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(jstr(j, "address"), "02:00:00:00:00:01");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "mtu")), 1450);
	ck_assert(!has_flag(j, "UP"));
	json_decref(j);

	/* A socket opened in the other namespace sees it; we are back where we were. */
	ck_assert_int_eq(nl_open_in(fd2, &nl2), 0);
	ck_assert(current_netns_ino() == self);
	ck_assert_int_eq(link_get_by_name(nl2, "cnic0", &peer), 0);
	ck_assert_int_eq(peer.link, li.ifindex); /* IFLA_LINK: the peer's index over there */
	ck_assert(peer.link_other_ns);
	ck_assert_mem_eq(peer.mac, mac, 6);
	ck_assert_int_eq(link_get_by_name(nl2, "cnih0", &li), -ENODEV);
	close(fd2);
}
END_TEST

START_TEST(veth_with_master)
{
	struct link_bridge_opts b = {.name = "cnibr0"};
	struct link_veth_opts o = {.name = "cniva", .peer_name = "cnivb", .peer_ns_fd = -1};
	struct link_info li;
	json_t *j;

	ck_assert_int_eq(link_create_bridge(nl, &b), 0);
	o.master = ifindex("cnibr0");
	ck_assert_int_eq(link_create_veth(nl, &o, NULL), 0);
	ck_assert_int_eq(link_get_by_name(nl, "cniva", &li), 0);
	ck_assert_int_eq(li.master, o.master);
	ck_assert(!li.link_other_ns);
	ck_assert_int_eq(li.link, ifindex("cnivb"));
	j = link_j(-1, "cniva");
	ck_assert_str_eq(jstr(j, "master"), "cnibr0");
	json_decref(j);
	/* Detach. */
	ck_assert_int_eq(link_set_master(nl, li.ifindex, 0), 0);
	j = link_j(-1, "cniva");
	ck_assert_ptr_null(json_object_get(j, "master"));
	json_decref(j);
}
END_TEST

START_TEST(link_attributes_and_del)
{
	static const uint8_t mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
	struct link_info li;
	char buf[18];
	json_t *j;
	int a;

	veth("cniva", "cnivb", false, false);
	a = ifindex("cniva");
	ck_assert_int_eq(link_set_mtu(nl, a, 1300), 0);
	ck_assert_int_eq(link_set_mac(nl, a, mac), 0);
	ck_assert_int_eq(link_set_promisc(nl, a, true), 0);
	ck_assert_int_eq(link_set_name(nl, a, "cnirenamed"), 0);
	j = link_j(-1, "cnirenamed");
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "mtu")), 1300);
	ck_assert_str_eq(jstr(j, "address"), "02:11:22:33:44:55");
	ck_assert(has_flag(j, "PROMISC"));
	json_decref(j);
	ck_assert_int_eq(link_get_by_index(nl, a, &li), 0);
	ck_assert_str_eq(li.name, "cnirenamed");
	ck_assert_uint_eq(li.flags & IFF_PROMISC, IFF_PROMISC);
	link_fmt_mac(li.mac, buf);
	ck_assert_str_eq(buf, "02:11:22:33:44:55");
	ck_assert_int_eq(link_set_promisc(nl, a, false), 0);
	ck_assert_int_eq(link_get_by_index(nl, a, &li), 0);
	ck_assert_uint_eq(li.flags & IFF_PROMISC, 0);
	/* Deleting one end of a veth removes both. */
	ck_assert_int_eq(link_del(nl, a), 0);
	ck_assert_int_eq(link_get_by_name(nl, "cnivb", &li), -ENODEV);
	ck_assert_int_eq(link_del(nl, a), -ENODEV);
	ck_assert_ptr_null(link_j(-1, "cnirenamed"));
}
END_TEST

START_TEST(random_name)
{
	char a[IFNAMSIZ], b[IFNAMSIZ];

	ck_assert_int_eq(link_random_name("veth", a), 0);
	ck_assert_uint_eq(strlen(a), 12);
	ck_assert_int_eq(strncmp(a, "veth", 4), 0);
	ck_assert_uint_eq(strspn(a + 4, "0123456789abcdef"), 8);
	ck_assert_int_eq(link_random_name("veth", b), 0);
	ck_assert_str_ne(a, b); /* 1 in 2^32 */
	ck_assert_int_eq(link_random_name("toolongpre", a), -ENAMETOOLONG);
}
END_TEST

/* ---- addresses ---- */

START_TEST(addr_add_list_del)
{
	struct ipnet v4 = CIDR("10.1.0.2/24"), v6 = CIDR("2001:db8::2/64"), other = CIDR("10.1.0.3/24");
	_cleanup_free_ struct addr_entry *all = NULL, *only4 = NULL, *only6 = NULL;
	size_t n_all = 0, n4 = 0, n6 = 0;
	bool seen4 = false, seen6 = false;
	json_t *j;
	int a, b;

	veth("cniva", "cnivb", true, true);
	a = ifindex("cniva");
	b = ifindex("cnivb");
	ck_assert_int_eq(addr_add(nl, a, &v4, false), 0);
	ck_assert_int_eq(addr_add(nl, a, &v4, false), -EEXIST);
	ck_assert_int_eq(addr_add(nl, a, &v6, true), 0);
	ck_assert_int_eq(addr_add(nl, a, &v6, true), -EEXIST);
	ck_assert_int_eq(addr_add(nl, b, &other, false), 0);

	j = addr_j("cniva", "10.1.0.2");
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "prefixlen")), 24);
	ck_assert_str_eq(jstr(j, "broadcast"), "10.1.0.255");
	ck_assert_str_eq(jstr(j, "scope"), "global");
	json_decref(j);
	j = addr_j("cniva", "2001:db8::2");
	ck_assert_ptr_nonnull(j);
	ck_assert(json_is_true(json_object_get(j, "nodad")));
	ck_assert_ptr_null(json_object_get(j, "tentative"));
	json_decref(j);

	ck_assert_int_eq(addr_list(nl, a, AF_UNSPEC, &all, &n_all), 0);
	for (size_t i = 0; i < n_all; i++) {
		char buf[IPNET_STRLEN];

		ck_assert_msg(strcmp(ipnet_fmt(&all[i].addr, buf), "10.1.0.3/24") != 0,
			      "the peer's address is listed");
		if (strcmp(buf, "10.1.0.2/24") == 0) {
			seen4 = true;
			ck_assert_uint_eq(all[i].scope, RT_SCOPE_UNIVERSE);
		}
		if (strcmp(buf, "2001:db8::2/64") == 0) {
			seen6 = true;
			ck_assert_uint_eq(all[i].flags & IFA_F_NODAD, IFA_F_NODAD);
			ck_assert_uint_eq(all[i].flags & IFA_F_TENTATIVE, 0);
		}
	}
	ck_assert(seen4 && seen6);
	ck_assert_int_eq(addr_list(nl, a, AF_INET, &only4, &n4), 0);
	ck_assert_uint_eq(n4, 1);
	ck_assert_int_eq(addr_list(nl, a, AF_INET6, &only6, &n6), 0);
	for (size_t i = 0; i < n6; i++)
		ck_assert_int_eq(only6[i].addr.ip.family, AF_INET6);

	ck_assert_int_eq(addr_del(nl, a, &v4), 0);
	ck_assert_int_eq(addr_del(nl, a, &v4), -EADDRNOTAVAIL);
	ck_assert_int_eq(addr_del(nl, a, &v6), 0);
	ck_assert_int_eq(addr_del(nl, a, &v6), -EADDRNOTAVAIL);
	ck_assert_ptr_null(addr_j("cniva", "10.1.0.2"));
	ck_assert_ptr_null(addr_j("cniva", "2001:db8::2"));
	j = addr_j("cnivb", "10.1.0.3");
	ck_assert_ptr_nonnull(j);
	json_decref(j);
}
END_TEST

START_TEST(addr_dad_wait)
{
	/* Without nodad the address starts tentative; addr_wait_dad returns once DAD is done. */
	struct ipnet v6 = CIDR("2001:db8::7/64"), failed;
	_cleanup_nl_ struct nl *sub = NULL;
	json_t *j;
	int a;

	veth("cniva", "cnivb", true, true);
	a = ifindex("cniva");
	ck_assert_int_eq(addr_add(nl, a, &v6, false), 0);
	ck_assert_int_eq(nl_open(&sub), 0);
	ck_assert_int_eq(addr_wait_dad(nl, sub, a, 5000, &failed), 0);
	j = addr_j("cniva", "2001:db8::7");
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_null(json_object_get(j, "tentative"));
	json_decref(j);
}
END_TEST

/* ---- routes ---- */

static struct route_spec spec(const char *dst, const char *gw)
{
	struct route_spec rt = {.dst = CIDR(dst), .table = -1, .scope = -1};

	if (gw)
		rt.gw = IP(gw);
	return rt;
}

static bool listed(struct nl *n, int family, int table, int oif, const char *dst, const char *gw)
{
	_cleanup_free_ struct route_spec *v = NULL;
	size_t count = 0;
	bool found = false;

	ck_assert_int_eq(route_list(n, family, table, oif, &v, &count), 0);
	for (size_t i = 0; i < count; i++) {
		char b1[IPNET_STRLEN], b2[IPNET_STRLEN];

		if (strcmp(ipnet_fmt(&v[i].dst, b1), dst) == 0 &&
		    strcmp(ipnet_addr_fmt(&v[i].gw, b2), gw ? gw : "<nil>") == 0)
			found = true;
	}
	return found;
}

START_TEST(route_add_list_del_v4)
{
	struct ipnet v4 = CIDR("10.1.0.2/24");
	struct route_spec rt = spec("10.9.0.0/16", "10.1.0.1"), onlink = spec("10.8.0.0/24", NULL);
	json_t *j;
	int a, b;

	veth("cniva", "cnivb", true, true);
	a = ifindex("cniva");
	b = ifindex("cnivb");
	ck_assert_int_eq(addr_add(nl, a, &v4, false), 0);
	ck_assert_int_eq(route_default_oif(nl), -ENOENT);

	ck_assert_int_eq(route_add(nl, &rt), 0);
	ck_assert_int_eq(route_add(nl, &rt), -EEXIST);
	j = route_j("", "10.9.0.0/16");
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(jstr(j, "gateway"), "10.1.0.1");
	ck_assert_str_eq(jstr(j, "dev"), "cniva");
	json_decref(j);
	ck_assert(listed(nl, AF_INET, -1, 0, "10.9.0.0/16", "10.1.0.1"));
	ck_assert(listed(nl, AF_INET, -1, a, "10.9.0.0/16", "10.1.0.1"));
	ck_assert(!listed(nl, AF_INET, -1, b, "10.9.0.0/16", "10.1.0.1"));
	ck_assert(listed(nl, AF_INET, -1, a, "10.1.0.0/24", NULL)); /* the kernel's prefix route */
	ck_assert(!listed(nl, AF_INET6, -1, 0, "10.9.0.0/16", "10.1.0.1"));

	ck_assert_int_eq(route_del(nl, &rt), 0);
	ck_assert_int_eq(route_del(nl, &rt), -ESRCH);
	ck_assert_ptr_null(route_j("", "10.9.0.0/16"));

	/* On-link through an interface; host bits of dst are cleared. */
	onlink.oif = a;
	onlink.dst = CIDR("10.8.0.77/24");
	ck_assert_int_eq(route_add(nl, &onlink), 0);
	j = route_j("", "10.8.0.0/24");
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(jstr(j, "scope"), "link");
	ck_assert_str_eq(jstr(j, "dev"), "cniva");
	ck_assert_ptr_null(json_object_get(j, "gateway"));
	json_decref(j);
	ck_assert_int_eq(route_del(nl, &onlink), 0);

	/* A default route makes its link the default one. */
	rt = spec("0.0.0.0/0", "10.1.0.1");
	ck_assert_int_eq(route_add(nl, &rt), 0);
	ck_assert_int_eq(route_default_oif(nl), a);
	j = route_j("", "default");
	ck_assert_ptr_nonnull(j);
	json_decref(j);
}
END_TEST

START_TEST(route_table_priority_metrics)
{
	struct ipnet v4 = CIDR("10.1.0.2/24");
	struct route_spec t = spec("10.7.0.0/16", "10.1.0.1"), m = spec("10.6.0.0/16", "10.1.0.1");
	const json_t *metrics;
	json_t *j;

	veth("cniva", "cnivb", true, true);
	ck_assert_int_eq(addr_add(nl, ifindex("cniva"), &v4, false), 0);

	t.table = 100;
	t.priority = 50;
	ck_assert_int_eq(route_add(nl, &t), 0);
	j = route_tj("", "table 100", "10.7.0.0/16");
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "metric")), 50);
	json_decref(j);
	ck_assert_ptr_null(route_j("", "10.7.0.0/16"));
	ck_assert(listed(nl, AF_INET, 100, 0, "10.7.0.0/16", "10.1.0.1"));
	ck_assert(!listed(nl, AF_INET, -1, 0, "10.7.0.0/16", "10.1.0.1"));
	/* Tables past 255 go in RTA_TABLE. */
	t.table = 1000;
	ck_assert_int_eq(route_add(nl, &t), 0);
	ck_assert(listed(nl, AF_INET, 1000, 0, "10.7.0.0/16", "10.1.0.1"));
	j = route_tj("", "table 1000", "10.7.0.0/16");
	ck_assert_ptr_nonnull(j);
	json_decref(j);

	m.mtu = 1400;
	m.advmss = 1360;
	ck_assert_int_eq(route_add(nl, &m), 0);
	j = route_j("", "10.6.0.0/16");
	ck_assert_ptr_nonnull(j);
	metrics = json_array_get(json_object_get(j, "metrics"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(metrics, "mtu")), 1400);
	ck_assert_int_eq(json_integer_value(json_object_get(metrics, "advmss")), 1360);
	json_decref(j);
}
END_TEST

START_TEST(route_add_list_del_v6)
{
	struct ipnet v6 = CIDR("2001:db8::2/64");
	struct route_spec def = spec("::/0", "2001:db8::1"), net = spec("fd00:1::/48", "2001:db8::1");
	json_t *j;
	int a;

	veth("cniva", "cnivb", true, true);
	a = ifindex("cniva");
	ck_assert_int_eq(addr_add(nl, a, &v6, true), 0);
	ck_assert_int_eq(route_add(nl, &net), 0);
	ck_assert_int_eq(route_add(nl, &def), 0);
	j = route_j("-6", "fd00:1::/48");
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(jstr(j, "gateway"), "2001:db8::1");
	ck_assert_str_eq(jstr(j, "dev"), "cniva");
	json_decref(j);
	j = route_j("-6", "default");
	ck_assert_ptr_nonnull(j);
	json_decref(j);
	ck_assert(listed(nl, AF_INET6, -1, a, "::/0", "2001:db8::1"));
	ck_assert_int_eq(route_default_oif(nl), a);
	ck_assert_int_eq(route_del(nl, &def), 0);
	ck_assert_int_eq(route_del(nl, &def), -ESRCH);
	ck_assert_ptr_null(route_j("-6", "default"));
	ck_assert_int_eq(route_default_oif(nl), -ENOENT);
}
END_TEST

/* ---- extended ack ---- */

START_TEST(extack_captured)
{
	struct ipnet v4 = CIDR("10.1.0.2/24");
	struct route_spec rt = spec("10.9.0.0/24", "192.0.2.1");
	struct link_info li;
	int r;

	veth("cniva", "cnivb", true, true);
	ck_assert_int_eq(addr_add(nl, ifindex("cniva"), &v4, false), 0);
	/* No route to the gateway: the kernel says why ("Nexthop has invalid gateway"). */
	r = route_add(nl, &rt);
	ck_assert_msg(r == -ENETUNREACH, "route via an unreachable gateway: %d (%s)", r, strerror(-r));
	ck_assert_msg(strstr(nl_extack(nl), "gateway"), "extack: \"%s\"", nl_extack(nl));
	ck_assert_ptr_null(route_j("", "10.9.0.0/24"));
	/* The next call starts clean. */
	ck_assert_int_eq(link_get_by_name(nl, "lo", &li), 0);
	ck_assert_str_eq(nl_extack(nl), "");
}
END_TEST

/* ---- requests ---- */

START_TEST(req_overflow)
{
	struct nl_req req;
	struct ifinfomsg *ifi;
	struct link_info li;
	char blob[300] = {0};
	int n = 0;

	ifi = nl_req_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	ck_assert_ptr_nonnull(ifi);
	ck_assert(!req.overflow);
	nl_put_str(&req, IFLA_IFNAME, "cniovf0");
	while (!req.overflow && n < 100) {
		nl_put(&req, IFLA_IFALIAS, blob, sizeof(blob));
		n++;
	}
	ck_assert(req.overflow);
	ck_assert_int_lt(n, 100);
	ck_assert_uint_le(req.nlh->nlmsg_len, sizeof(req.buf));
	/* Sticky: later puts do nothing, and nothing is sent. */
	nl_put_u32(&req, IFLA_MTU, 1500);
	ck_assert_ptr_null(nl_nest_begin(&req, IFLA_LINKINFO));
	ck_assert_ptr_null(nl_put_hdr(&req, 16));
	ck_assert_int_eq(nl_call(nl, &req, NULL, NULL), -EMSGSIZE);
	ck_assert_int_eq(link_get_by_name(nl, "cniovf0", &li), -ENODEV);

	/* nl_req_init starts over. */
	nl_req_init(&req, RTM_NEWLINK, 0, sizeof(*ifi));
	ck_assert(!req.overflow);
}
END_TEST

struct count {
	int calls;
	int ret;
};

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	struct count *c = data;

	(void)nlh;
	c->calls++;
	return c->ret;
}

START_TEST(dump_callback_error_drains)
{
	/* A callback failing mid-dump fails the call, and the socket stays usable. */
	struct count c = {.ret = -ECANCELED};
	struct nl_req req;
	struct ifinfomsg *ifi;
	struct link_info li;

	veth("cniva", "cnivb", false, false);
	ifi = nl_req_init(&req, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ck_assert_int_eq(nl_call(nl, &req, count_cb, &c), -ECANCELED);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(link_get_by_name(nl, "cnivb", &li), 0);
	c = (struct count){.ret = 0};
	ifi = nl_req_init(&req, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ck_assert_int_eq(nl_call(nl, &req, count_cb, &c), 0);
	ck_assert_int_eq(c.calls, 3); /* lo, cniva, cnivb */
}
END_TEST

/* ---- bridge ports ---- */

START_TEST(brport_hairpin_isolated)
{
	struct link_bridge_opts b = {.name = "cnibr0"};
	struct link_brport_opts on = {.hairpin = true}, iso = {.isolated = true};
	const json_t *slave;
	json_t *j;
	int a, r;

	ck_assert_int_eq(link_create_bridge(nl, &b), 0);
	veth("cniva", "cnivb", true, true);
	a = ifindex("cniva");
	ck_assert_int_eq(link_set_master(nl, a, ifindex("cnibr0")), 0);

	ck_assert_int_eq(link_set_brport(nl, a, &on), 0);
	j = link_j(-1, "cniva");
	slave = json_object_get(json_object_get(j, "linkinfo"), "info_slave_data");
	ck_assert_str_eq(jstr(json_object_get(j, "linkinfo"), "info_slave_kind"), "bridge");
	ck_assert(json_is_true(json_object_get(slave, "hairpin")));
	ck_assert(json_is_false(json_object_get(slave, "isolated")));
	json_decref(j);

	ck_assert_int_eq(link_set_brport(nl, a, &iso), 0);
	j = link_j(-1, "cniva");
	slave = json_object_get(json_object_get(j, "linkinfo"), "info_slave_data");
	ck_assert(json_is_false(json_object_get(slave, "hairpin")));
	ck_assert(json_is_true(json_object_get(slave, "isolated")));
	json_decref(j);

	/* Not a bridge port. */
	r = link_set_brport(nl, ifindex("cnivb"), &on);
	ck_assert_msg(r == -EOPNOTSUPP, "brport flags on a non-port: %d", r);
}
END_TEST

/* ---- operstate ---- */

START_TEST(wait_oper_up)
{
	uint8_t state = 0xff;
	json_t *j;
	int a;

	veth("cniva", "cnivb", true, false);
	a = ifindex("cniva");
	/* The peer is down: our end stays lower-layer-down and the wait times out. */
	ck_assert_int_eq(link_wait_oper_up(nl, a, 300, &state), -ETIMEDOUT);
	ck_assert_uint_eq(state, IF_OPER_LOWERLAYERDOWN);
	ck_assert_str_eq(link_operstate_str(state), "lower-layer-down");
	j = link_j(-1, "cniva");
	ck_assert_str_eq(jstr(j, "operstate"), "LOWERLAYERDOWN");
	json_decref(j);

	ck_assert_int_eq(link_set_up(nl, ifindex("cnivb"), true), 0);
	ck_assert_int_eq(link_wait_oper_up(nl, a, 5000, &state), 0);
	j = link_j(-1, "cniva");
	ck_assert_str_eq(jstr(j, "operstate"), "UP");
	json_decref(j);
	/* Already up: immediate. */
	ck_assert_int_eq(link_wait_oper_up(nl, a, 1, NULL), 0);
	ck_assert_int_eq(link_wait_oper_up(nl, 4242, 100, &state), -ENODEV);
	ck_assert_str_eq(link_operstate_str(IF_OPER_UP), "up");
	ck_assert_str_eq(link_operstate_str(200), "?");
}
END_TEST

START_TEST(wait_oper_up_other_netns)
{
	/* The socket decides the namespace (nl.h): waiting through a socket opened with
	 * nl_open_in() must watch that namespace, not the caller's. Fails until
	 * link_wait_oper_up() opens its watch socket in nl's namespace (patch in the report). */
	struct link_veth_opts o = {.name = "cniva", .up = true, .peer_name = "cnivb", .peer_ns_fd = -1};
	_cleanup_nl_ struct nl *nl2 = NULL;
	struct link_info li;
	uint8_t state = 0xff;
	int fd2 = other_netns(), status, r;
	pid_t pid;

	ck_assert_int_eq(nl_open_in(fd2, &nl2), 0);
	ck_assert_int_eq(link_create_veth(nl2, &o, NULL), 0);
	ck_assert_int_eq(link_get_by_name(nl2, "cniva", &li), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *argv[] = {(char *)"ip", (char *)"link", (char *)"set", (char *)"dev", (char *)"cnivb",
				(char *)"up", NULL};

		usleep(300 * 1000);
		if (setns(fd2, CLONE_NEWNET) < 0)
			_exit(126);
		execv(ip_path(), argv);
		_exit(127);
	}
	r = link_wait_oper_up(nl2, li.ifindex, 4000, &state);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "ip link set up failed");
	ck_assert_msg(r == 0, "wait: %d (%s), last state %s", r, strerror(-r), link_operstate_str(state));
	close(fd2);
}
END_TEST

/* ---- netns ---- */

START_TEST(netns_handles)
{
	struct netns_guard g = {.orig_fd = -1};
	ino_t self = current_netns_ino();
	char file[] = "/tmp/cnitest-nl-XXXXXX";
	int fd = -1, fd2 = other_netns(), tmp, r;

	ck_assert_int_eq(netns_open("/proc/self/ns/net", &fd), 0);
	ck_assert_int_eq(netns_is_current(fd), 1);
	ck_assert_int_eq(netns_is_current(fd2), 0);
	close(fd);
	fd = 12345;
	ck_assert_int_eq(netns_open("/nonexistent/netns", &fd), -ENOENT);
	ck_assert_int_eq(netns_open("/proc/self/ns/net/x", &fd), -ENOENT);
	ck_assert_int_eq(netns_open("", &fd), -ENOENT);
	ck_assert_int_eq(netns_open(NULL, &fd), -ENOENT);
	ck_assert_int_eq(netns_open("/proc/self/ns/uts", &fd), -EINVAL);
	ck_assert_int_eq(netns_open("/tmp", &fd), -EINVAL);
	tmp = mkstemp(file);
	ck_assert_int_ge(tmp, 0);
	close(tmp);
	r = netns_open(file, &fd);
	unlink(file);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_int_eq(fd, 12345);

	ck_assert_int_eq(netns_enter(fd2, &g), 0);
	ck_assert(current_netns_ino() != self);
	ck_assert_int_eq(netns_is_current(fd2), 1);
	netns_leave(&g);
	ck_assert_int_eq(g.orig_fd, -1);
	ck_assert(current_netns_ino() == self);
	netns_leave(&g); /* again: nothing */
	close(fd2);
}
END_TEST

/* Datagrams are checked before any callback sees them: libmnl's own check takes a length
 * of 2 GiB or more for a negative number and lets it through. */
START_TEST(msgs_check)
{
	_Alignas(struct nlmsghdr) uint8_t buf[64] = {0};
	struct nlmsghdr *h = (struct nlmsghdr *)buf, *h2 = (struct nlmsghdr *)(buf + 20);

	h->nlmsg_len = 20;
	ck_assert_int_eq(nl_msgs_check(buf, 20), 0);
	ck_assert_int_eq(nl_msgs_check(buf, 24), -EBADMSG); /* 4 bytes of a second header */
	h->nlmsg_len = 0xffffffffu;
	ck_assert_int_eq(nl_msgs_check(buf, 64), -EBADMSG);
	h->nlmsg_len = 0x80000000u;
	ck_assert_int_eq(nl_msgs_check(buf, 64), -EBADMSG);
	h->nlmsg_len = 15; /* shorter than a header */
	ck_assert_int_eq(nl_msgs_check(buf, 64), -EBADMSG);
	h->nlmsg_len = 17; /* aligned to 20, then a second message of 16 */
	h2 = (struct nlmsghdr *)(buf + 20);
	h2->nlmsg_len = 16;
	ck_assert_int_eq(nl_msgs_check(buf, 36), 0);
	h2->nlmsg_len = 17; /* past the end */
	ck_assert_int_eq(nl_msgs_check(buf, 36), -EBADMSG);
	ck_assert_int_eq(nl_msgs_check(buf, 0), 0);
}
END_TEST


/* ---- dumps interrupted by concurrent changes ---- */

enum { DUMP_RULES = 500 }; /* about 3 datagrams of a dump */

/* Another process committing nftables changes (each bumps the ruleset generation),
 * until killed. */
static pid_t nft_churn(void)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct nft *n;

		if (nft_open(&n) < 0)
			_exit(1);
		for (;;) {
			nft_begin(n);
			nft_add_table(n, NFT_FAMILY_IPV4, "churn");
			nft_commit(n, NULL);
			nft_begin(n);
			nft_del_table(n, NFT_FAMILY_IPV4, "churn");
			nft_commit(n, NULL);
			usleep(2000); /* a busy node: about a thousand commits a second */
		}
	}
	return pid;
}

static int count_rules_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE))
		++*(size_t *)data;
	return 0;
}

/* The rules of table t, by a raw nl_call(). */
static int dump_rules(struct nl *raw, size_t *count)
{
	struct nl_req req;
	struct nfgenmsg *g = nl_req_init(&req, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE, NLM_F_DUMP, sizeof(*g));

	g->nfgen_family = NFT_FAMILY_IPV4;
	nl_put_str(&req, NFTA_RULE_TABLE, "t");
	*count = 0;
	return nl_call(raw, &req, count_rules_cb, count);
}

START_TEST(dump_interrupted_restarts)
{
	/* A dump spanning many datagrams while the ruleset changes is flagged
	 * NLM_F_DUMP_INTR: nl_call() reads it to the end (the socket stays in step) and says
	 * -EINTR; nft_list_rules() dumps again and gets every rule. Found as "cannot remove
	 * the port mappings: Interrupted system call" with 32 portmap DELs at once. */
	struct nft *n;
	struct nft_rule_info *ri;
	size_t nri, total = 0;
	int intr = 0, status;
	pid_t churn;

	ck_assert_int_eq(nft_open(&n), 0);
	nft_begin(n);
	ck_assert_int_eq(nft_add_table(n, NFT_FAMILY_IPV4, "t"), 0);
	ck_assert_int_eq(nft_add_chain(n, NFT_FAMILY_IPV4, "t", "c", NULL), 0);
	for (int i = 0; i < DUMP_RULES; i++) {
		char comment[64];
		struct nftnl_rule *r;

		snprintf(comment, sizeof(comment), "rule %d of the interrupted dump test", i);
		r = nft_rule_new(NFT_FAMILY_IPV4, "t", "c", comment);
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(nft_rule_counter(r), 0);
		ck_assert_int_eq(nft_add_rule(n, r), 0);
		if (i % 100 == 99) { /* transactions of a plugin's size */
			ck_assert_int_eq(nft_commit(n, NULL), 0);
			nft_begin(n);
		}
	}
	ck_assert_int_eq(nft_commit(n, NULL), 0);

	/* nft_rule_handles() finds a rule by its comment without parsing expressions, the
	 * same handle nft_list_rules() reports; an unknown comment has none. */
	{
		_cleanup_free_ uint64_t *h = NULL;
		size_t nh = 0;

		ck_assert_int_eq(nft_list_rules(n, NFT_FAMILY_IPV4, "t", "c", &ri, &nri), 0);
		ck_assert_int_eq(nft_rule_handles(n, NFT_FAMILY_IPV4, "t", "c", "rule 7 of the interrupted dump test", &h,
						  &nh), 0);
		ck_assert_uint_eq(nh, 1);
		ck_assert_uint_eq(h[0], ri[7].handle);
		free(h);
		h = NULL;
		ck_assert_int_eq(nft_rule_handles(n, NFT_FAMILY_IPV4, "t", "c", "rule 7 of the", &h, &nh), 0);
		ck_assert_uint_eq(nh, 0);
		ck_assert_int_eq(nft_rule_handles(n, NFT_FAMILY_IPV4, "nope", "c", "x", &h, &nh), -ENOENT);
		free(ri);
	}
	churn = nft_churn();
	for (int i = 0; i < 200; i++) {
		ck_assert_int_eq(nft_list_rules(n, NFT_FAMILY_IPV4, "t", "c", &ri, &nri), 0);
		ck_assert_uint_eq(nri, DUMP_RULES);
		free(ri);
	}
	/* The raw call sees the flag (the churn makes that all but certain) and leaves
	 * the socket in step: the next dump on it is whole. */
	for (int i = 0; i < 200 && !intr; i++) {
		struct nl *raw;
		int r;

		ck_assert_int_eq(nl_open_proto(NETLINK_NETFILTER, &raw), 0);
		r = dump_rules(raw, &total);
		ck_assert_msg(r == 0 || r == -EINTR, "dump: %s", strerror(-r));
		if (r == -EINTR) {
			intr = 1;
			while ((r = dump_rules(raw, &total)) == -EINTR)
				;
			ck_assert_int_eq(r, 0);
			ck_assert_uint_eq(total, DUMP_RULES);
		}
		nl_close(raw);
	}
	kill(churn, SIGKILL);
	ck_assert_int_eq(waitpid(churn, &status, 0), churn);
	ck_assert_msg(intr, "no dump was interrupted: the test proves nothing");
	nft_close(n);
}
END_TEST

Suite *nl_suite(void)
{
	Suite *s;
	TCase *tc;

	if (geteuid() != 0)
		return NULL;
	runner_pid = getpid();
	s = suite_create("nl");
	tc = tcase_create("kernel");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, open_and_get_lo);
	tcase_add_test(tc, get_missing);
	tcase_add_test(tc, set_up_down);
	tcase_add_test(tc, bridge_create_and_eexist);
	tcase_add_test(tc, bridge_vlan_filtering);
	tcase_add_test(tc, veth_peer_in_other_netns);
	tcase_add_test(tc, veth_with_master);
	tcase_add_test(tc, link_attributes_and_del);
	tcase_add_test(tc, random_name);
	tcase_add_test(tc, addr_add_list_del);
	tcase_add_test(tc, addr_dad_wait);
	tcase_add_test(tc, route_add_list_del_v4);
	tcase_add_test(tc, route_table_priority_metrics);
	tcase_add_test(tc, route_add_list_del_v6);
	tcase_add_test(tc, extack_captured);
	tcase_add_test(tc, req_overflow);
	tcase_add_test(tc, dump_callback_error_drains);
	tcase_add_test(tc, brport_hairpin_isolated);
	tcase_add_test(tc, wait_oper_up);
	tcase_add_test(tc, wait_oper_up_other_netns);
	tcase_add_test(tc, netns_handles);
	tcase_add_test(tc, msgs_check);
	tcase_add_test(tc, dump_interrupted_restarts);
	suite_add_tcase(s, tc);
	return s;
}
