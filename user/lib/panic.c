/*
 * panic and warn for user programs (inc/assert.h).  Each message is
 * formatted into one buffer and printed with one sys_cputs, so it stays
 * on one line even when other processes print at the same time.
 */
#include <inc/lib.h>

/* The exit status of a program that panics. */
#define PANIC_STATUS 99

/*
 * Print "PROG: <what> at file:line: message\n" as one piece of output.
 */
static void
report(const char *what, const char *file, int line, const char *fmt,
       va_list ap)
{
	char buf[256];
	int n;

	n = snprintf(buf, sizeof(buf), "%s: %s at %s:%d: ", binaryname, what,
		     file, line);
	if (n < (int)sizeof(buf))
		n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2; /* truncated: keep room for "\n" */
	buf[n++] = '\n';
	sys_cputs(buf, n);
}

/* Report an unrecoverable error and exit with status PANIC_STATUS. */
void
_panic(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("panic", file, line, fmt, ap);
	va_end(ap);
	exit(PANIC_STATUS);
}

/* Report something suspicious and carry on. */
void
_warn(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("warning", file, line, fmt, ap);
	va_end(ap);
}
