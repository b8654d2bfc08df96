/*
 * Console I/O for user programs.
 *
 * Each printf collects its output in a buffer on the stack and hands it
 * to the kernel with a single sys_cputs, so lines printed at the same
 * time by several processes come out whole instead of interleaved
 * character by character.  (Output longer than the buffer goes out in
 * buffer-sized pieces.)
 */
#include <inc/lib.h>

#define PRINTBUF_SIZE 256

struct printbuf {
	int len;   /* bytes waiting in buf */
	int total; /* bytes printed by this call so far */
	char buf[PRINTBUF_SIZE];
};

/* vprintfmt's putch: add c to the buffer, writing it out when full. */
static void
putch(int c, void *arg)
{
	struct printbuf *b = arg;

	b->buf[b->len++] = (char)c;
	b->total++;
	if (b->len == PRINTBUF_SIZE) {
		sys_cputs(b->buf, b->len);
		b->len = 0;
	}
}

/* Format and print; returns the number of bytes printed. */
int
vprintf(const char *fmt, va_list ap)
{
	struct printbuf b;

	b.len = 0;
	b.total = 0;
	vprintfmt(putch, &b, fmt, ap);
	if (b.len > 0)
		sys_cputs(b.buf, b.len);
	return b.total;
}

/* printf with the C library's meaning (inc/stdio.h lists the formats). */
int
printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* The kernel's name for printf, so shared code can print either way. */
int
vcprintf(const char *fmt, va_list ap)
{
	return vprintf(fmt, ap);
}

/* Same as printf. */
int
cprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* Print one character. */
void
cputchar(int c)
{
	char ch = (char)c;

	sys_cputs(&ch, 1);
}

/* One byte of console input (blocking), or a negative error code. */
int
getchar(void)
{
	return sys_getc();
}

#define READLINE_MAX 256

/*
 * Print prompt (if not NULL), then read a line into a static buffer,
 * echoing what is typed.  Backspace and DEL erase the last character;
 * the line ends at '\r' or '\n' (a "\r\n" pair counts as one end), which
 * is not stored.  Returns NULL on an input error or on ^D at the start
 * of a line.  Characters past the buffer's end are dropped.
 */
char *
readline(const char *prompt)
{
	static char buf[READLINE_MAX];
	static bool after_cr; /* last line ended at '\r' */
	int i = 0;

	if (prompt != NULL)
		printf("%s", prompt);
	for (;;) {
		int c = getchar();
		if (c < 0)
			return NULL;
		if (c == '\n' && after_cr) {
			after_cr = false;
			continue; /* the '\n' of a "\r\n" already handled */
		}
		after_cr = false;
		if (c == '\r' || c == '\n') {
			after_cr = (c == '\r');
			cputchar('\n');
			buf[i] = '\0';
			return buf;
		} else if (c == '\b' || c == 0x7F) {
			if (i > 0) {
				i--;
				sys_cputs("\b \b", 3);
			}
		} else if (c == 0x04 && i == 0) {
			cputchar('\n');
			return NULL; /* ^D: end of input */
		} else if ((c >= ' ' || c == '\t') && i < READLINE_MAX - 1) {
			buf[i++] = (char)c;
			cputchar(c);
		}
	}
}
