/*
 * Running a table of CUnit tests, for every host-built unit test (lib/
 * and the labs): one suite per run of equal suite names, verbose output
 * (the "Run Summary" CI reads), exit status 0 only if everything passed.
 * A test that makes no assertion fails; one whose optional input is
 * absent says so with test_skip.  test_check_at is the one formatted
 * check every test file's CHECK macros are built on.
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

/* The run in progress: what test_table_call needs to find a test. */
static const struct test_case *test_table;
static size_t test_table_n;
static void (*test_table_hook)(void (*fn)(void));
static bool test_table_skipped; /* the current test called test_skip */
static unsigned test_table_nskipped;

/*
 * Skip the current test, because an input that is genuinely optional
 * (say, a 32-bit libc the host may lack) is absent: say why (printf
 * format) on the output, and count it in the summary instead of as a
 * pass.  The test returns right after.
 */
static inline void __attribute__((format(printf, 1, 2)))
test_skip(const char *fmt, ...)
{
	va_list ap;

	printf("SKIPPED (");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(") ... ");
	test_table_skipped = true;
}

/*
 * What CUnit runs for every test: the test's function (through the hook,
 * if any), which must make at least one assertion or skip.  A test that
 * checks nothing -- a scenario whose checks were all left out, a loop
 * over an empty input -- fails instead of passing silently.
 */
static void
test_table_call(void)
{
	const char *suite = CU_get_current_suite()->pName;
	const char *name = CU_get_current_test()->pName;
	unsigned before = CU_get_number_of_asserts();

	for (size_t i = 0; i < test_table_n; i++) {
		const struct test_case *t = &test_table[i];
		if (strcmp(t->suite, suite) != 0 || strcmp(t->name, name) != 0)
			continue;
		test_table_skipped = false;
		if (test_table_hook)
			test_table_hook(t->fn);
		else
			t->fn();
		if (test_table_skipped)
			test_table_nskipped++;
		else if (CU_get_number_of_asserts() == before)
			CU_assertImplementation(CU_FALSE, 0,
				"the test made no assertion: it checked nothing",
				__FILE__, name, CU_FALSE);
		return;
	}
	CU_FAIL("no such test in the table");
}

/*
 * Register and run tests[0..n), and return the exit status: 0 only if
 * every test passed (or skipped).  With hook, each test runs as
 * hook(fn) (a runner that runs the test apart, say) instead of fn().
 */
static inline int
test_table_run(const char *prog, const struct test_case *tests, size_t n,
	       void (*hook)(void (*fn)(void)))
{
	CU_pSuite s = NULL;
	const char *cur = NULL;

	test_table = tests;
	test_table_n = n;
	test_table_hook = hook;
	test_table_nskipped = 0;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	for (size_t i = 0; i < n; i++) {
		if (cur == NULL || strcmp(cur, tests[i].suite) != 0) {
			cur = tests[i].suite;
			s = CU_add_suite(cur, NULL, NULL);
		}
		if (s == NULL || !CU_add_test(s, tests[i].name, test_table_call)) {
			fprintf(stderr, "%s: %s\n", prog, CU_get_error_msg());
			CU_cleanup_registry();
			return 1;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	if (test_table_nskipped)
		printf("%s: %u test(s) SKIPPED, see above\n", prog,
		       test_table_nskipped);
	return fails ? 1 : 0;
}

#endif
