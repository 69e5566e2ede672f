/* main.c: the black-box runner. Each test/blackbox/test_<name>.c exports <name>_suite();
 * suites that are not linked in (weak symbols) are skipped, and a suite returns NULL when
 * its plugin is not built. Run it through scripts/run-blackbox.sh, which puts it in a
 * throwaway network and mount namespace and sets CNI_TEST_BIN to the plugin directory. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "testns.h"

#define SUITES(X) X(errors) X(loopback) X(hostlocal) X(bridge) X(ipvlan)

#define DECLARE(name) extern Suite *name##_suite(void) __attribute__((weak));
SUITES(DECLARE)

int main(void)
{
	const char *bin = getenv("CNI_TEST_BIN");
	struct stat st;
	SRunner *sr;
	int failed;

	if (!bin || stat(bin, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "blackbox: CNI_TEST_BIN must name the directory of the plugin binaries "
				"(run scripts/run-blackbox.sh BB_BINARY BIN_DIR)\n");
		return 2;
	}
	if (!testns_in_sandbox())
		return 2;
	/* Failure messages carry the plugin's stdout and stderr. */
	check_set_max_msg_size(32768);
	sr = srunner_create(NULL);

#define ADD(name)                                                           \
	if (name##_suite) {                                                 \
		Suite *s = name##_suite();                                  \
		if (s)                                                      \
			srunner_add_suite(sr, s);                           \
		else                                                        \
			printf("SKIP %s (plugin not built)\n", #name);      \
	}
	SUITES(ADD)
	/* Every test runs in its own child, which removes what it created when it exits. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists every test */
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	testns_sweep();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
