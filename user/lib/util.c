/* Helpers for the user programs; see user/lib/ulib.h. */
#include <user/lib/ulib.h>

/*
 * Unsigned 64-by-32-bit division by binary long division: slow (64
 * steps) but only used to print results.
 */
uint64_t
udiv64(uint64_t n, uint32_t d)
{
	uint64_t q = 0, r = 0;

	if (d == 0)
		panic("udiv64: division by zero");
	if ((n >> 32) == 0)
		return (uint32_t)n / d;
	for (int i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= (uint64_t)1 << i;
		}
	}
	return q;
}

/*
 * Hash (a, b) into a well-mixed non-zero word (a multiply-xorshift
 * finalizer), so that nearby inputs give unrelated seeds.
 */
uint32_t
mix32(uint32_t a, uint32_t b)
{
	uint32_t x = a * 0x9E3779B1u ^ (b + 0x7F4A7C15u) * 0x85EBCA77u;

	x ^= x >> 16;
	x *= 0x7FEB352Du;
	x ^= x >> 15;
	x *= 0x846CA68Bu;
	x ^= x >> 16;
	return x != 0 ? x : 0x2545F491u;
}

/* See ulib.h: a numeric command-line argument with a default. */
long
arg_number(int argc, char **argv, int i, long dflt, long min, long max,
	   const char *what)
{
	char *end;
	long v;

	if (i >= argc)
		return dflt;
	v = strtol(argv[i], &end, 0);
	if (end == argv[i] || *end != '\0' || v < min || v > max) {
		printf("%s: bad %s '%s' (want %ld..%ld)\n", binaryname, what,
		       argv[i], min, max);
		exit(2);
	}
	return v;
}
