/*
 * ctxswitch: context switches between long-lived address spaces, the
 * workload where a shadow page-table cache pays (Adams & Agesen §2.4).
 *
 * Four children live through the whole run.  Each maps a working set of
 * PAGES pages of its own, then takes turns: in every turn it reads and
 * writes one word on each page of its set and hands the CPU to the next
 * child with yield.  SWITCHES yields in all, shared out evenly, so each
 * yield is a switch to another child's address space.  A monitor that
 * keeps shadow tables across %cr3 loads pays for each address space
 * once; one that rebuilds at every %cr3 load takes the whole working set
 * (code, stack and the PAGES pages) as hidden faults again in every turn.
 *
 * At the end each child folds its whole working set into a checksum and
 * exits with it; the parent prints them, so a page that a switch mixed
 * up with another child's shows as a line that differs from native.
 *
 * Usage: ctxswitch [SWITCHES [PAGES]]   (defaults 2000 and 8)
 * Output: "ctxswitch: child K checksum 0xXXXXXXXX" for K = 0..3, then
 * "ctxswitch: 4 processes, PAGES pages each, SWITCHES switches", then
 * "timing: ctxswitch SWITCHES switches C cycles (P cycles/switch)".
 */
#include <user/lib/ulib.h>

#define NCHILD 4
/*
 * Every child's working set is at the same virtual addresses, so a
 * shadow left over from the previous address space would map another
 * child's frames there: wrong sums, not a crash.
 */
#define SET_BASE 0x30000000u
#define MAX_PAGES 256

/* Page i of the working set. */
static uint32_t *
set_page(int i)
{
	return (uint32_t *)(SET_BASE + i * PGSIZE);
}

/*
 * Child k's life: map its pages, take turns, then exit with the
 * checksum of its whole working set (fewer than 2^31, so never a
 * negative status).
 */
static void __attribute__((noreturn))
child(int k, long turns, int pages)
{
	uint32_t x = mix32(k, (uint32_t)turns), sum = 0;

	for (int i = 0; i < pages; i++)
		if (sys_page_alloc(set_page(i), PTE_P | PTE_U | PTE_W) < 0) {
			printf("ctxswitch: FAIL child %d page_alloc %d\n", k,
			       i);
			exit(1);
		}
	for (long t = 0; t < turns; t++) {
		for (int i = 0; i < pages; i++) {
			volatile uint32_t *p = set_page(i);
			uint32_t w = (uint32_t)(t * 7 + i * 13) % 1024;

			x = xorshift32(x);
			p[w] += x ^ p[(w + 512) % 1024];
		}
		yield();
	}
	for (int i = 0; i < pages; i++)
		for (int w = 0; w < 1024; w++)
			sum = (sum << 5 | sum >> 27) ^ set_page(i)[w];
	exit((int)(sum & 0x7FFFFFFF));
}

/* Fork the children, reap them in order, print their sums and the time. */
int
main(int argc, char **argv)
{
	long n = arg_number(argc, argv, 1, 2000, NCHILD, 10000000,
			    "switch count");
	int pages = arg_number(argc, argv, 2, 8, 1, MAX_PAGES, "page count");
	int pid[NCHILD], status[NCHILD];
	uint64_t t0, cycles;

	for (int k = 0; k < NCHILD; k++) {
		pid[k] = fork();
		if (pid[k] < 0) {
			printf("ctxswitch: FAIL fork: %s\n", strerror(pid[k]));
			return 1;
		}
		if (pid[k] == 0)
			child(k, n / NCHILD + (k < n % NCHILD), pages);
	}
	/* The children run once the parent blocks in waitpid. */
	t0 = rdtsc();
	for (int k = 0; k < NCHILD; k++) {
		status[k] = -1;
		if (waitpid(pid[k], &status[k]) != pid[k] || status[k] < 0) {
			printf("ctxswitch: FAIL child %d status %d\n", k,
			       status[k]);
			return 1;
		}
	}
	cycles = rdtsc() - t0;

	for (int k = 0; k < NCHILD; k++)
		printf("ctxswitch: child %d checksum 0x%08x\n", k, status[k]);
	printf("ctxswitch: %d processes, %d pages each, %ld switches\n", NCHILD,
	       pages, n);
	printf("timing: ctxswitch %ld switches %llu cycles (%llu "
	       "cycles/switch)\n",
	       n, (unsigned long long)cycles,
	       (unsigned long long)udiv64(cycles, (uint32_t)n));
	return 0;
}
