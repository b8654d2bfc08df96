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
	if (((uintptr_t)p & 3) == 0 && (n & 3) == 0) {
		uint32_t w = (unsigned char)c;
		w |= w << 8;
		w |= w << 16;
		for (uint32_t *q = dst; n > 0; n -= 4)
			*q++ = w;
		return dst;
	}
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
	if ((((uintptr_t)d | (uintptr_t)s | n) & 3) == 0) {
		uint32_t *dw = dst;
		const uint32_t *sw = src;
		for (; n > 0; n -= 4)
			*dw++ = *sw++;
		return dst;
	}
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

unsigned long
strtoul(const char *s, char **endptr, int base)
{
	const char *start = s;
	unsigned long v = 0;
	bool any = false;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '+')
		s++;
	if ((base == 0 || base == 16) && s[0] == '0' &&
	    (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	} else if (base == 0 && s[0] == '0')
		base = 8;
	else if (base == 0)
		base = 10;

	for (;; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'z')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'Z')
			d = *s - 'A' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v * (unsigned long)base + (unsigned long)d;
		any = true;
	}
	if (endptr)
		*endptr = (char *)(any ? s : start);
	return v;
}

long
strtol(const char *s, char **endptr, int base)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-') {
		char *end;
		unsigned long v = strtoul(s + 1, &end, base);
		if (endptr)
			*endptr = end == s + 1 ? (char *)s : end;
		return -(long)v;
	}
	return (long)strtoul(s, endptr, base);
}

int
atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}
