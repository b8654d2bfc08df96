/*
 * nanobench: the user-level half of the nanobenchmarks (docs/DESIGN.md §8;
 * the kernel-level ones run inside the guest kernel with bench=...).
 *
 * syscall: the round trip of a system call that does nothing but return
 * (sys_getpid), the i386 counterpart of the paper's "syscall" bar in
 * Figure 4.  Under a trap-and-emulate or binary-translating monitor each
 * one crosses into the monitor and back, so this is where the monitor's
 * overhead on system calls shows.
 *
 * Method: find an iteration count that takes at least CALIBRATE_CYCLES,
 * warm up, take the minimum of RUNS timed runs (the minimum discards runs
 * that a timer interrupt or a context switch landed in), and subtract
 * the minimum of an empty loop of the same length.
 *
 * Output: "timing: bench syscall C cycles/op (N iters)", the format the
 * kernel's probes use.
 */
#include <user/lib/ulib.h>

#define CALIBRATE_CYCLES 2000000u
#define MAX_ITERS (1u << 20)
#define RUNS 5

/* Time n empty loop iterations; the asm keeps the loop from vanishing. */
static uint64_t __attribute__((noinline))
time_empty(uint32_t n)
{
	uint64_t t0 = rdtsc();

	for (uint32_t i = 0; i < n; i++)
		asm volatile("" ::: "memory");
	return rdtsc() - t0;
}

/* Time n calls of sys_getpid. */
static uint64_t __attribute__((noinline))
time_syscall(uint32_t n)
{
	uint64_t t0 = rdtsc();

	for (uint32_t i = 0; i < n; i++)
		sys_getpid();
	return rdtsc() - t0;
}

/* The fastest of RUNS runs of f(n). */
static uint64_t
min_of_runs(uint64_t (*f)(uint32_t), uint32_t n)
{
	uint64_t best = f(n);

	for (int i = 1; i < RUNS; i++) {
		uint64_t t = f(n);
		if (t < best)
			best = t;
	}
	return best;
}

/*
 * Measure f per operation: calibrate, warm up, take the best run, less
 * the empty loop.  Prints one timing line.
 */
static void
bench(const char *name, uint64_t (*f)(uint32_t))
{
	uint32_t n = 1;
	uint64_t op, empty;

	/* Warm up before calibrating too: a first run that translates code
	 * or fills shadow entries would otherwise fix n at 1. */
	f(1);
	while (n < MAX_ITERS && f(n) < CALIBRATE_CYCLES)
		n *= 2;
	f(n); /* warm up caches, TLB and (under bt) the translation cache */
	op = min_of_runs(f, n);
	empty = min_of_runs(time_empty, n);
	op = op > empty ? op - empty : 0;
	/* Tenths of a cycle, the format of the kernel's probes. */
	uint64_t tenths = udiv64(op * 10, n);
	printf("timing: bench %s %llu.%llu cycles/op (%u iters)\n", name,
	       (unsigned long long)udiv64(tenths, 10),
	       (unsigned long long)(tenths - udiv64(tenths, 10) * 10), n);
}

/* Run every user-level nanobenchmark. */
int
main(int argc, char **argv)
{
	bench("syscall", time_syscall);
	return 0;
}
