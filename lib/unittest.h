/*
 * What the host unit tests of lib/ share: the lib/..._test.c files and
 * their runner, lib/unittest.c.  Every test file includes this header
 * and nothing else, because the order of the includes below matters.
 */
#ifndef VMMLAB_LIB_UNITTEST_H
#define VMMLAB_LIB_UNITTEST_H

/* The host's headers first: they declare libc's strlen, snprintf, ... */
#include <CUnit/Basic.h>
#include "lib/test_table.h"
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Then lib/'s, read under the vl_ names and the renaming dropped again
 * (see lib/test_rename.h): vl_strlen is lib/'s, strlen the host's.
 */
#include "lib/test_rename.h"
#include <inc/cmdline.h>
#include <inc/elf.h>
#include <inc/error.h>
#include <inc/multiboot.h>
#include <inc/stdio.h>
#include <inc/string.h>
#define VL_UNRENAME
#include "lib/test_rename.h"
#undef VL_UNRENAME

/*
 * CHECK(cond, fmt, ...): a CUnit assertion whose failure message is
 * printf-formatted, so that it says what was seen, not only which line
 * failed: CHECK(r == 0, "elf_parse: %s", why).  Evaluates to cond, so a
 * loop over many cases can stop at the first failure.
 */
#define CHECK(cond, ...)                                                       \
	test_check_at(!!(cond), __FILE__, __LINE__, __func__, __VA_ARGS__)

/*
 * A malloc'd copy of src[0..n) in a block of exactly n bytes, so that
 * AddressSanitizer (the *_asan_test build) reports a read one byte past
 * the end.  Never NULL: allocation failure ends the run.
 */
void *dup_exact(const void *src, size_t n);

/* A whole file in an exactly-sized malloc'd block, or NULL if absent. */
void *read_whole_file(const char *path, size_t *size);

/* The suites, one per file of lib/. */
extern CU_TestInfo printfmt_tests[];
extern CU_TestInfo string_tests[];
extern CU_TestInfo elf_tests[];
extern CU_TestInfo multiboot_tests[];
extern CU_TestInfo cmdline_tests[];

#endif
