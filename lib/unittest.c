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
 *              (make builds them first; missing, they fail), and
 *              malformed images: every truncation and every kind of bad
 *              field must be rejected with a reason
 *   multiboot  header search and memory-map walking, well-formed and
 *              malformed
 *   cmdline    word splitting, keys, and the monitor's "--"
 *
 * Inputs are copied into exactly-sized malloc'd blocks, so that the
 * ASan build catches any read past the end.  How lib/'s memcpy and
 * snprintf coexist with the host's: lib/test_rename.h.
 */
#include "lib/unittest.h"

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
	static const struct {
		const char *suite;
		const CU_TestInfo *tests;
	} suites[] = {
		{ "printfmt", printfmt_tests }, { "string", string_tests },
		{ "elf", elf_tests },		{ "multiboot", multiboot_tests },
		{ "cmdline", cmdline_tests },
	};
	static struct test_case table[256];
	size_t n = 0;

	/* Each file keeps its CU_TestInfo list; the runner takes one table. */
	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++)
		for (const CU_TestInfo *t = suites[s].tests; t->pName; t++) {
			if (n == sizeof(table) / sizeof(table[0])) {
				fprintf(stderr, "lib_test: more than %zu tests\n",
					n);
				return 2;
			}
			table[n++] = (struct test_case){ suites[s].suite,
							 t->pName, t->pTestFunc };
		}
	return test_table_run("lib_test", table, n, NULL);
}
