/* unit.c: the Check runner. Each test/unit/test_<module>.c (and test/node/test_<module>.c,
 * the node agent's) exports <module>_suite();
 * suites that are not linked in (weak symbols) are skipped. Suites that need root
 * (kernel-facing ones) return NULL when not root, and are reported as SKIP. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#define SUITES(X)                                                                          \
	X(ipnet) X(io) X(cni) X(conf) X(kv) X(skel) X(nl) X(store) X(alloc) X(hostlocal) \
	X(sha512)                                              /* test/unit */           \
	X(nodes) X(plan) X(kubeconfig) X(conflist) X(dataplane) /* test/node */

#define DECLARE(name) extern Suite *name##_suite(void) __attribute__((weak));
SUITES(DECLARE)

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

#define ADD(name)                                                           \
	if (name##_suite) {                                                 \
		Suite *s = name##_suite();                                  \
		if (s)                                                      \
			srunner_add_suite(sr, s);                           \
		else                                                        \
			printf("SKIP %s (needs root)\n", #name);            \
	}
	SUITES(ADD)
	/* Every test runs in its own child: kernel fixtures unshare a private netns there. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
