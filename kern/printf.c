/* The kernel's printf, panic and line input, on top of the console. */
#include <inc/assert.h>
#include <inc/stdio.h>
#include <inc/x86.h>
#include <kern/console.h>
#include <kern/monitor.h>

static void
putch(int c, void *cnt)
{
	cons_putc(c);
	(*(int *)cnt)++;
}

int
vcprintf(const char *fmt, va_list ap)
{
	int cnt = 0;
	vprintfmt(putch, &cnt, fmt, ap);
	return cnt;
}

int
cprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int cnt = vcprintf(fmt, ap);
	va_end(ap);
	return cnt;
}

void
cputchar(int c)
{
	cons_putc(c);
}

/* Wait for a console byte by polling (interrupts are off in the kernel). */
int
getchar(void)
{
	int c;
	while ((c = cons_poll()) < 0)
		;
	return c == '\r' ? '\n' : c;
}

#define LINE_MAX 256

char *
readline(const char *prompt)
{
	static char buf[LINE_MAX];
	size_t n = 0;

	if (prompt)
		cprintf("%s", prompt);
	for (;;) {
		int c = getchar();
		if ((c == '\b' || c == 0x7F) && n > 0) {
			cprintf("\b \b");
			n--;
		} else if (c == '\n') {
			cputchar('\n');
			buf[n] = '\0';
			return buf;
		} else if (c >= ' ' && n < LINE_MAX - 1) {
			cputchar(c);
			buf[n++] = (char)c;
		}
	}
}

static bool panicking;

/*
 * Print the message, the registers and a backtrace, then sit in the
 * kernel monitor.  A panic inside a panic just halts.
 */
void
_panic(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	cli();
	if (panicking)
		for (;;)
			hlt();
	panicking = true;

	va_start(ap, fmt);
	cprintf("kernel panic at %s:%d: ", file, line);
	vcprintf(fmt, ap);
	cprintf("\n");
	va_end(ap);

	mon_backtrace(0, NULL, NULL);
	monitor_panic();
}

void
_warn(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cprintf("kernel warning at %s:%d: ", file, line);
	vcprintf(fmt, ap);
	cprintf("\n");
	va_end(ap);
}
