/*
 * Formatted output, shared by the kernel (cprintf), the monitor and user
 * programs (printf).  The formatting engine is lib/printfmt.c; each image
 * supplies the putch it prints through.
 *
 * Supported conversions: %d %i %u %x %X %o %c %s %p %%, with flags '-' '0'
 * '+' ' ' '#', a width and precision (or '*'), and the length modifiers
 * l, ll, h, hh and z.  (For an error code, print strerror(err) with %s.)
 */
#ifndef VMMLAB_INC_STDIO_H
#define VMMLAB_INC_STDIO_H

#include <inc/types.h>
#include <stdarg.h>

#define PRINTF_ATTR(f, a) __attribute__((format(printf, f, a)))

/* lib/printfmt.c */
void printfmt(void (*putch)(int, void *), void *arg, const char *fmt, ...)
	PRINTF_ATTR(3, 4);
void vprintfmt(void (*putch)(int, void *), void *arg, const char *fmt,
	       va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) PRINTF_ATTR(3, 4);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

/* kernel: kern/printf.c, user: user/lib/printf.c */
int cprintf(const char *fmt, ...) PRINTF_ATTR(1, 2);
int vcprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...) PRINTF_ATTR(1, 2);
int vprintf(const char *fmt, va_list ap);

/* Console input: one byte, blocking. */
int getchar(void);
void cputchar(int c);
/* Read a line (without its newline) into a static buffer, echoing. */
char *readline(const char *prompt);

#endif
