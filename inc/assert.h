/* panic and assert, for the kernel, the monitor and user programs alike. */
#ifndef VMMLAB_INC_ASSERT_H
#define VMMLAB_INC_ASSERT_H

#include <inc/stdio.h>

void _warn(const char *file, int line, const char *fmt, ...) PRINTF_ATTR(3, 4);
void _panic(const char *file, int line, const char *fmt, ...)
	PRINTF_ATTR(3, 4) __attribute__((noreturn));

#define warn(...) _warn(__FILE__, __LINE__, __VA_ARGS__)
#define panic(...) _panic(__FILE__, __LINE__, __VA_ARGS__)

#define assert(x)                                                              \
	do {                                                                   \
		if (!(x))                                                      \
			panic("assertion failed: %s", #x);                     \
	} while (0)

#endif
