/*
 * soak: the same mixed workload, round after round, for a long run under
 * the monitor (grade/stress's soak campaign, with the monitor option
 * poolreport= watching the monitor's memory).  Each round spawns, one
 * after the other, and waits for
 *
 *	forkwait FORKS     a burst of short-lived address spaces
 *	memstress PAGES 1 2  copy-on-write, three generations deep
 *	hello              program load and serial output
 *
 * and then prints "soak: round N ok".  With ROUNDS 0 it runs until the
 * machine is stopped from outside.  A program that cannot be spawned or
 * exits with a status other than 0 ends the run with status 1.
 *
 * Usage: soak [ROUNDS [FORKS [PAGES]]] (0 = for ever, 20, 32).
 */
#include <user/lib/ulib.h>

/* Spawn argv[0] with argv and wait for it; true if it exited with 0. */
static bool
run(const char *const *argv)
{
	int pid, r, status = -1;

	pid = sys_spawn(argv[0], argv);
	if (pid < 0) {
		printf("soak: FAIL spawn %s: %s\n", argv[0], strerror(pid));
		return false;
	}
	r = waitpid(pid, &status);
	if (r != pid) {
		printf("soak: FAIL waitpid(%d): %s\n", pid, strerror(r));
		return false;
	}
	if (status != 0) {
		printf("soak: FAIL %s exited with status %d\n", argv[0],
		       status);
		return false;
	}
	return true;
}

int
main(int argc, char **argv)
{
	int rounds = arg_number(argc, argv, 1, 0, 0, 100000000, "round count");
	int forks = arg_number(argc, argv, 2, 20, 1, 10000, "fork count");
	int pages = arg_number(argc, argv, 3, 32, 1, 4096, "page count");
	char nforks[12], npages[12];

	snprintf(nforks, sizeof(nforks), "%d", forks);
	snprintf(npages, sizeof(npages), "%d", pages);
	const char *const forkwait[] = { "forkwait", nforks, NULL };
	const char *const memstress[] = { "memstress", npages, "1", "2", NULL };
	const char *const hello[] = { "hello", NULL };

	printf("soak: %d rounds (0: for ever), forkwait %d, memstress %d\n",
	       rounds, forks, pages);
	for (int r = 1; rounds == 0 || r <= rounds; r++) {
		if (!run(forkwait) || !run(memstress) || !run(hello))
			return 1;
		printf("soak: round %d ok\n", r);
	}
	return 0;
}
