/* main.c: the Check runner of the node agent's unit tests (build/node-tests). Kernel-facing
 * suites return NULL when not root and are reported as SKIP. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#define SUITES(X) X(nodes) X(plan) X(kubeconfig) X(conflist) X(dataplane)

#define DECLARE(name) Suite *name##_suite(void);
SUITES(DECLARE)

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

#define ADD(name)                                                \
	{                                                        \
		Suite *s = name##_suite();                       \
		if (s)                                           \
			srunner_add_suite(sr, s);                \
		else                                             \
			printf("SKIP %s (needs root)\n", #name); \
	}
	SUITES(ADD)
	/* Every test runs in its own child: kernel tests unshare a private netns there. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
