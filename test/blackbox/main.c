/* main.c: the black-box runner. Each test/blackbox/test_<name>.c exports <name>_suite();
 * suites that are not linked in (weak symbols) are skipped, and a suite returns NULL when
 * its plugin is not built. Run it through scripts/run-blackbox.sh, which puts it in a
 * throwaway network and mount namespace and sets CNI_TEST_BIN to the plugin directory.
 *
 * Lanes (CNI_TEST_LANE):
 *   host (default)  every suite this machine's kernel can run;
 *   vm              only the suites that need kernel features the CI machine lacks
 *                   (ipvlan, dummy, bridge VLAN filtering); test/vm/lane.sh runs it inside
 *                   QEMU. The lane first proves the kernel has those features and fails
 *                   (exit 2) when it does not, and a VM suite that is missing or whose
 *                   plugin is not built is a failure too: this lane never passes empty.
 *                   Its crash suite kills ipvlan.
 *   soak            crash injection and storms on this machine (bridge, host-local, the
 *                   Go host-local): long-running, sized by CNI_CRASH_KILLS and
 *                   CNI_STORM_*; the robust stage of scripts/test.sh runs it short,
 *                   `make soak` long. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testns.h"

#define HOST_SUITES(X) X(errors) X(loopback) X(hostlocal) X(bridge) X(netfilter) X(hostile)
#define VM_SUITES(X) X(ipvlan) X(vlan) X(crash)
#define SOAK_SUITES(X) X(crash) X(storm)

#define DECLARE(name) extern Suite *name##_suite(void) __attribute__((weak));
HOST_SUITES(DECLARE)
VM_SUITES(DECLARE)
SOAK_SUITES(DECLARE)

/* Probe links; each name is at most 15 characters. */
#define PROBE_DUMMY "cniprobe-dummy"
#define PROBE_IPVLAN "cniprobe-ipvl"
#define PROBE_BRIDGE "cniprobe-br"

static bool probe_filtering(void)
{
	json_t *l = ipj_link(NULL, PROBE_BRIDGE);
	const json_t *f = json_object_get(json_object_get(json_object_get(l, "linkinfo"), "info_data"),
					  "vlan_filtering");
	bool ok = json_integer_value(f) == 1;

	if (!ok)
		fprintf(stderr, "blackbox: vm lane: bridge %s reads back vlan_filtering %s, not 1\n", PROBE_BRIDGE,
			jdump(f));
	json_decref(l);
	return ok;
}

/* The vm lane's suites need dummy, ipvlan and bridge VLAN filtering: prove the kernel has
 * them (module autoload included) before running anything, in the throwaway namespace. */
static bool vm_kernel_ok(void)
{
	static const struct {
		const char *what, *cmd, *undo; /* undo: NULL when deleting another link removes it */
	} probes[] = {
		{"dummy", "link add " PROBE_DUMMY " type dummy", "link del " PROBE_DUMMY},
		{"ipvlan", "link add link " PROBE_DUMMY " name " PROBE_IPVLAN " type ipvlan mode l2", NULL},
		{"bridge VLAN filtering", "link add " PROBE_BRIDGE " type bridge vlan_filtering 1",
		 "link del " PROBE_BRIDGE},
	};
	size_t made = 0;
	bool ok;

	while (made < sizeof(probes) / sizeof(probes[0]) && ip_run(NULL, "%s", probes[made].cmd) == 0)
		made++;
	ok = made == sizeof(probes) / sizeof(probes[0]);
	if (!ok)
		fprintf(stderr, "blackbox: vm lane: this kernel cannot create a %s link (`ip %s` failed); the vm "
				"lane needs dummy, ipvlan and bridge VLAN filtering: run it in the VM "
				"(test/vm/lane.sh)\n",
			probes[made].what, probes[made].cmd);
	else
		ok = probe_filtering();
	while (made-- > 0)
		if (probes[made].undo)
			(void)ip_run(NULL, "%s", probes[made].undo);
	return ok;
}

/* Whether CK_RUN_SUITE (unset: every suite) asks for this one. */
static bool selected(const char *name)
{
	const char *only = getenv("CK_RUN_SUITE");

	return !only || !*only || strcmp(only, name) == 0;
}

int main(void)
{
	const char *bin = getenv("CNI_TEST_BIN");
	const char *lane = getenv("CNI_TEST_LANE");
	bool vm, soak, missing = false;
	struct stat st;
	SRunner *sr;
	int failed;

	if (!bin || stat(bin, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "blackbox: CNI_TEST_BIN must name the directory of the plugin binaries "
				"(run scripts/run-blackbox.sh BB_BINARY BIN_DIR)\n");
		return 2;
	}
	if (!lane || !*lane)
		lane = "host";
	if (strcmp(lane, "host") != 0 && strcmp(lane, "vm") != 0 && strcmp(lane, "soak") != 0) {
		fprintf(stderr, "blackbox: CNI_TEST_LANE=%s: expected \"host\", \"vm\" or \"soak\"\n", lane);
		return 2;
	}
	vm = strcmp(lane, "vm") == 0;
	soak = strcmp(lane, "soak") == 0;
	if (!testns_in_sandbox())
		return 2;
	if (vm && !vm_kernel_ok())
		return 2;
	printf("blackbox: %s lane\n", lane);
	fflush(stdout);
	/* Failure messages carry the plugin's stdout and stderr. */
	check_set_max_msg_size(32768);
	sr = srunner_create(NULL);

	/* host lane: a suite without its plugin is skipped (a partial build); vm lane: every
	 * suite (that CK_RUN_SUITE selects) must run. */
#define ADD(name)                                                                          \
	do {                                                                               \
		Suite *s = name##_suite ? name##_suite() : NULL;                           \
		if (s)                                                                     \
			srunner_add_suite(sr, s);                                          \
		else if (vm && selected(#name)) {                                          \
			fprintf(stderr, "blackbox: vm lane: suite %s is %s\n", #name,      \
				name##_suite ? "missing its plugin in CNI_TEST_BIN" : "not linked in"); \
			missing = true;                                                    \
		} else                                                                     \
			printf("SKIP %s (%s)\n", #name,                                    \
			       name##_suite ? "plugin not built" : "not linked in");       \
	} while (0);
	if (vm) {
		VM_SUITES(ADD)
	} else if (soak) {
		SOAK_SUITES(ADD)
	} else {
		HOST_SUITES(ADD)
	}
	if (missing) {
		srunner_free(sr);
		return 2;
	}
	/* Every test runs in its own child, which removes what it created when it exits. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists every test */
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	testns_sweep();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
