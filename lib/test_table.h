/*
 * Running a table of CUnit tests, for the host-built unit tests of the
 * labs: one suite per run of equal suite names, verbose output (the
 * "Run Summary" CI reads), exit status 0 only if everything passed.
 */
#ifndef VMMLAB_LIB_TEST_TABLE_H
#define VMMLAB_LIB_TEST_TABLE_H

#include <CUnit/Basic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/*
 * A CUnit assertion whose message is printf-formatted, so a failure says
 * what it saw (CUnit copies the message into its failure record).
 */
static inline bool __attribute__((format(printf, 5, 6)))
test_check_at(bool ok, const char *file, int line, const char *func,
	      const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, msg, file, func,
				CU_FALSE);
	return ok;
}

struct test_case {
	const char *suite;
	const char *name;
	void (*fn)(void);
};

/*
 * Register and run tests[0..n).  With wrap, wrap is registered in place
 * of every fn (a runner that finds the current test by name itself).
 */
static inline int
test_table_run(const char *prog, const struct test_case *tests, size_t n,
	       void (*wrap)(void))
{
	CU_pSuite s = NULL;
	const char *cur = NULL;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	for (size_t i = 0; i < n; i++) {
		if (cur == NULL || strcmp(cur, tests[i].suite) != 0) {
			cur = tests[i].suite;
			s = CU_add_suite(cur, NULL, NULL);
		}
		if (s == NULL ||
		    !CU_add_test(s, tests[i].name, wrap ? wrap : tests[i].fn)) {
			fprintf(stderr, "%s: %s\n", prog, CU_get_error_msg());
			CU_cleanup_registry();
			return 1;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}

#endif
