/* String and memory functions (lib/string.c), with the C library's meanings. */
#ifndef VMMLAB_INC_STRING_H
#define VMMLAB_INC_STRING_H

#include <inc/types.h>

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t n);
char *strcpy(char *dst, const char *src);
size_t strlcpy(char *dst, const char *src, size_t n);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/*
 * strtol: base 0 accepts 0x.. and 0.. prefixes.  *endptr (if given) is
 * set past the last digit used; no digits leaves it at s.
 */
long strtol(const char *s, char **endptr, int base);
unsigned long strtoul(const char *s, char **endptr, int base);
int atoi(const char *s);

#endif
