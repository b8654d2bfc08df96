/*
 * String and memory functions for the freestanding images, with the
 * meanings the C standard gives them.  Deliberately simple: clarity over
 * speed, except memset/memcpy which move words when they can because
 * the kernel zeroes and copies whole pages with them.
 */
#include <inc/string.h>

size_t
strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t
strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

char *
strcpy(char *dst, const char *src)
{
	char *d = dst;
	while ((*d++ = *src++) != '\0')
		;
	return dst;
}

/* Copy at most n-1 bytes and always terminate; returns strlen(src). */
size_t
strlcpy(char *dst, const char *src, size_t n)
{
	size_t len = strlen(src);
	if (n > 0) {
		size_t k = len < n - 1 ? len : n - 1;
		memcpy(dst, src, k);
		dst[k] = '\0';
	}
	return len;
}

int
strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

int
strncmp(const char *a, const char *b, size_t n)
{
	while (n > 0 && *a && *a == *b)
		n--, a++, b++;
	if (n == 0)
		return 0;
	return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

char *
strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}

char *
strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncmp(hay, needle, n) == 0)
			return (char *)hay;
	return n == 0 ? (char *)hay : NULL;
}

void *
memset(void *dst, int c, size_t n)
{
	unsigned char *p = dst;
	/* Bytes up to a word boundary, words, then the tail. */
	for (; n > 0 && ((uintptr_t)p & 3); n--)
		*p++ = (unsigned char)c;
	uint32_t w = (unsigned char)c;
	w |= w << 8;
	w |= w << 16;
	for (; n >= 4; n -= 4, p += 4)
		*(uint32_t *)p = w;
	while (n-- > 0)
		*p++ = (unsigned char)c;
	return dst;
}

void *
memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (s < d && s + n > d) {
		/* Overlap with the source below: copy backwards. */
		while (n-- > 0)
			d[n] = s[n];
		return dst;
	}
	/* Forwards a word at a time, aligned or not (x86 allows it; a
	 * word's bytes are all read before any of them is written, so a
	 * destination below the source is safe too), then the tail. */
	typedef uint32_t __attribute__((aligned(1), may_alias)) word;
	for (; n >= 4; n -= 4, d += 4, s += 4)
		*(word *)d = *(const word *)s;
	while (n-- > 0)
		*d++ = *s++;
	return dst;
}

void *
memcpy(void *dst, const void *src, size_t n)
{
	return memmove(dst, src, n);
}

int
memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;
	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return (int)*p - (int)*q;
	return 0;
}

/* The images have no <limits.h>; the compiler predefines __LONG_MAX__. */
#define LONG_MAX __LONG_MAX__
#define ULONG_MAX (LONG_MAX * 2UL + 1UL)

/* The value of c as a digit in bases up to 36, or 36 if it is none. */
static int
digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 36;
}

/*
 * What strtol and strtoul share, as C defines it (C11 7.22.1.4): white
 * space, an optional sign, a "0x" prefix (only if a hex digit follows,
 * else the 0 is the number), then digits.  Returns the magnitude,
 * saturated at ULONG_MAX (*overflow set), and *neg for a '-'.  *end is
 * set past the last digit, or to s itself if there was none.
 */
static unsigned long
parse_number(const char *s, const char **end, int base, bool *neg,
	     bool *overflow)
{
	const char *p = s, *digits;
	unsigned long v = 0;

	*neg = *overflow = false;
	*end = s;
	if (base < 0 || base == 1 || base > 36)
		return 0;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0)
		base = p[0] == '0' ? 8 : 10;

	for (digits = p; digit_value(*p) < base; p++) {
		unsigned long d = (unsigned long)digit_value(*p);
		if (v > (ULONG_MAX - d) / (unsigned long)base)
			*overflow = true;
		v = v * (unsigned long)base + d;
	}
	if (p > digits)
		*end = p;
	return *overflow ? ULONG_MAX : v;
}

unsigned long
strtoul(const char *s, char **endptr, int base)
{
	const char *end;
	bool neg, overflow;
	unsigned long v = parse_number(s, &end, base, &neg, &overflow);

	if (endptr)
		*endptr = (char *)end;
	/* C negates in unsigned arithmetic: strtoul("-1") is ULONG_MAX. */
	return neg && !overflow ? -v : v;
}

long
strtol(const char *s, char **endptr, int base)
{
	const char *end;
	bool neg, overflow;
	unsigned long v = parse_number(s, &end, base, &neg, &overflow);

	if (endptr)
		*endptr = (char *)end;
	/* Out of range saturates, as in C (which also sets errno = ERANGE). */
	if (neg)
		return v > (unsigned long)LONG_MAX ? -LONG_MAX - 1 : -(long)v;
	return v > (unsigned long)LONG_MAX ? LONG_MAX : (long)v;
}

int
atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}
