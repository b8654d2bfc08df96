/*
 * Helpers shared by the user programs that inc/lib.h does not declare
 * (user/lib/util.c): 64-bit division without libgcc, a small
 * pseudo-random generator, and command-line numbers.
 */
#ifndef VMMLAB_USER_LIB_ULIB_H
#define VMMLAB_USER_LIB_ULIB_H

#include <inc/lib.h>

/* n / d for a 64-bit n; the images do not link libgcc's __udivdi3. */
uint64_t udiv64(uint64_t n, uint32_t d);

/* One step of Marsaglia's xorshift32; x must not be 0 (nor is the result). */
static inline uint32_t
xorshift32(uint32_t x)
{
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* Hash two words into a non-zero generator seed. */
uint32_t mix32(uint32_t a, uint32_t b);

/*
 * The number in argv[i] if there is one (decimal or 0x hex), else dflt.
 * A malformed number, or one outside [min, max], is a usage error: it
 * prints "PROG: bad <what> 'arg'" and exits with status 2.
 */
long arg_number(int argc, char **argv, int i, long dflt, long min, long max,
		const char *what);

#endif
