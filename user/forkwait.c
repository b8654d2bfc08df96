/*
 * forkwait: the fork/wait loop of Adams & Agesen's macrobenchmarks
 * (§6.1): fork N children, each of which exits at once, and reap each
 * before forking the next.  Fork is dominated by page-table work and
 * copy-on-write set-up, which is what makes it hard for a monitor.
 *
 * Output: "forkwait: N children forked and reaped", then the timing
 * "timing: forkwait N forks C cycles (P cycles/fork)".
 */
#include <user/lib/ulib.h>

/* Report a failed step and exit 1. */
static void __attribute__((noreturn))
fail(const char *what, int i, int r)
{
	printf("forkwait: FAIL %s (child %d: %d)\n", what, i, r);
	exit(1);
}

/* Fork and reap N children, checking each pid and status, and time it. */
int
main(int argc, char **argv)
{
	long n = arg_number(argc, argv, 1, 1000, 1, 10000000, "count");
	uint64_t t0, cycles;

	t0 = rdtsc();
	for (long i = 0; i < n; i++) {
		int pid, r, status = -1;

		pid = fork();
		if (pid < 0)
			fail("fork", i, pid);
		if (pid == 0)
			exit(0);
		r = waitpid(pid, &status);
		if (r != pid)
			fail("waitpid returned the wrong pid", i, r);
		if (status != 0)
			fail("child exit status", i, status);
	}
	cycles = rdtsc() - t0;

	printf("forkwait: %ld children forked and reaped\n", n);
	printf("timing: forkwait %ld forks %llu cycles (%llu cycles/fork)\n", n,
	       (unsigned long long)cycles,
	       (unsigned long long)udiv64(cycles, (uint32_t)n));
	return 0;
}
