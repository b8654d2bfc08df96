/*
 * Host unit tests of the shared library lib/, with CUnit.  Run from the
 * repository root (make unit does):
 *
 *	obj/host/lib/lib_test		plain build
 *	obj/host/lib/lib_asan_test	AddressSanitizer + UBSan build
 *
 * One suite per file of lib/:
 *   printfmt   every conversion, flag, width, precision and length
 *              modifier, against the host's snprintf where C defines
 *              the result; truncation and return values; strerror
 *   string     the string and memory functions, memmove's overlaps,
 *              strtol/strtoul against the host's
 *   elf        a valid image built here, obj/kernel and obj/user/hello
 *              (when built), and malformed images: every truncation and
 *              every kind of bad field must be rejected with a reason
 *   multiboot  header search and memory-map walking, well-formed and
 *              malformed
 *   cmdline    word splitting, keys, and the monitor's "--"
 *
 * Inputs are copied into exactly-sized malloc'd blocks, so that the
 * ASan build catches any read past the end.  How lib/'s memcpy and
 * snprintf coexist with the host's: lib/test_rename.h.
 */
#include "lib/unittest.h"

bool
check_at(bool ok, int line, const char *file, const char *func, const char *fmt,
	 ...)
{
	char msg[512];
	va_list ap;

	if (ok) {
		CU_assertImplementation(CU_TRUE, line, fmt, file, func,
					CU_FALSE);
		return true;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* CUnit copies the message into its failure record. */
	CU_assertImplementation(CU_FALSE, line, msg, file, func, CU_FALSE);
	return false;
}

void *
dup_exact(const void *src, size_t n)
{
	/* malloc(0) is a real, zero-byte block for glibc and ASan. */
	void *p = malloc(n);

	if (p == NULL && n > 0) {
		perror("lib_test: malloc");
		exit(2);
	}
	if (n > 0)
		memcpy(p, src, n);
	return p;
}

void *
read_whole_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *p;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	p = malloc(n > 0 ? (size_t)n : 1);
	if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return p;
}

int
main(void)
{
	CU_SuiteInfo suites[] = {
		{ "printfmt", NULL, NULL, NULL, NULL, printfmt_tests },
		{ "string", NULL, NULL, NULL, NULL, string_tests },
		{ "elf", NULL, NULL, NULL, NULL, elf_tests },
		{ "multiboot", NULL, NULL, NULL, NULL, multiboot_tests },
		{ "cmdline", NULL, NULL, NULL, NULL, cmdline_tests },
		CU_SUITE_INFO_NULL,
	};
	unsigned failures;

	if (CU_initialize_registry() != CUE_SUCCESS ||
	    CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "lib_test: CUnit: %s\n", CU_get_error_msg());
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS) {
		fprintf(stderr, "lib_test: CUnit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures == 0 ? 0 : 1;
}
