/*
 * What the devices (vdev*.c) need from the monitor, for their host unit
 * test (vdev_test.c): the counter table, cprintf and panic.  What the
 * devices print goes to vdev_test_log, for the tests to read.  A panic
 * inside a test that expects one returns to it through
 * vdev_test_panic_jmp; any other ends the run, naming what broke.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <inc/assert.h>
#include <inc/counters.h>

uint64_t vmm_counters[NCOUNTERS];

jmp_buf *vdev_test_panic_jmp;
char vdev_test_panic_msg[256];
char vdev_test_log[1024];

/* The monitor's console output: appended to vdev_test_log. */
int
cprintf(const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(vdev_test_log);
	int n;

	va_start(ap, fmt);
	n = vsnprintf(vdev_test_log + len, sizeof(vdev_test_log) - len, fmt,
		      ap);
	va_end(ap);
	return n;
}

/* The monitor's panic: back to the test that armed vdev_test_panic_jmp. */
void
_panic(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	jmp_buf *jb = vdev_test_panic_jmp;

	va_start(ap, fmt);
	vsnprintf(vdev_test_panic_msg, sizeof(vdev_test_panic_msg), fmt, ap);
	va_end(ap);
	if (jb != NULL) {
		vdev_test_panic_jmp = NULL;
		longjmp(*jb, 1);
	}
	fprintf(stderr, "vdev_test: unexpected panic at %s:%d: %s\n", file,
		line, vdev_test_panic_msg);
	abort();
}
