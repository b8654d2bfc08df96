/*
 * memstress: memory integrity across fork and copy-on-write.
 *
 * The program fills PAGES pages at REGION with a pattern, then runs
 * ROUNDS rounds (plus one nested round, whose child forks a grandchild,
 * and so on DEPTH generations deep) in which a parent and its child
 * write different patterns into the same virtual pages at the same time
 * and each checks that it sees only its own writes.
 *
 * A pattern is determined by a seed: the word at address va holds
 * pattern(seed, va), and seeds are derived from the writer's pid (a
 * fresh getpid(), never memory another process could have written), the
 * round and the phase.  So parent and child never write the same
 * values, and a page that the kernel shares instead of copying shows the
 * other process's pattern:
 *
 *   - shared writable in both: the child overwrites every page before it
 *     exits, so the parent's check after waitpid finds the child's
 *     pattern, whatever the order the two ran in;
 *   - the child's mapping left writable (only the parent's protected):
 *     the pages the parent did not write still map the shared frame, so
 *     the same check after waitpid finds the child's pattern there;
 *   - the parent's mapping left writable: the child's first check, or
 *     the copy check below, finds the parent's new pattern.  Which one
 *     writes first depends on scheduling, so the rounds alternate who
 *     yields first: odd rounds let the child run first, even rounds the
 *     parent.
 *
 * Every overwrite writes word 0 of a page first (the write that takes the
 * copy-on-write fault) and then checks that the rest of the page still
 * holds the old pattern, so a copy made from the wrong frame, a zeroed
 * copy, or a copy taken too late is caught too.  Fresh pages must be
 * zero.  Patterns are never zero.
 *
 * Usage: memstress [PAGES [ROUNDS [DEPTH]]] (64, 3 and 1 by default).
 *
 * Output: "memstress: PAGES pages, ROUNDS rounds, depth DEPTH", then
 * "memstress: OK, 0
 * corruptions", or, at the first bad word a process sees, "memstress:
 * CORRUPTION in pid P at VA expected X got Y" and at the end "memstress:
 * FAILED, N corruptions" (N counts bad pages, summed over processes).
 */
#include <user/lib/ulib.h>

#define REGION 0x10000000u
#define WORDS_PER_PAGE (PGSIZE / sizeof(uint32_t))
#define MAX_PAGES 4096
/* A child's exit status is its corruption count, kept below the fault
 * statuses so the two cannot be confused. */
#define MAX_STATUS (EXIT_FAULT_BASE - 1)

/* Phases of a round, mixed into the seeds. */
enum { PH_BASE = 1, PH_HALF, PH_CHILD };

/* Which pages an overwrite touches. */
enum { EVEN_PAGES = 0, ODD_PAGES = 1, ALL_PAGES = 2 };

/* What the region should hold: the seed of the even and the odd pages. */
struct layout {
	uint32_t seed[2];
};

static int npages;
static int mypid;     /* this process's pid, refreshed after fork */
static bool reported; /* this process has printed its CORRUPTION line */

/* The word a page written with seed holds at address va (never 0). */
static inline uint32_t
pattern(uint32_t seed, uint32_t va)
{
	return xorshift32((seed ^ (va * 0x9E3779B1u)) | 1);
}

/* The seed a process writes with in a given round and phase. */
static uint32_t
seed_of(int pid, int round, int phase)
{
	return mix32((uint32_t)pid, (uint32_t)round << 8 | phase);
}

/* Page i of the region, accessed through volatile so every read and
 * write happens in program order. */
static volatile uint32_t *
page(int i)
{
	return (volatile uint32_t *)(REGION + i * PGSIZE);
}

/* Note one corruption; print the first one this process sees. */
static int
corrupt(volatile uint32_t *va, uint32_t want, uint32_t got)
{
	if (!reported) {
		printf("memstress: CORRUPTION in pid %d at %p expected 0x%08x "
		       "got 0x%08x\n",
		       mypid, (void *)va, want, got);
		reported = true;
	}
	return 1;
}

/* Check words [from, to) of page p against seed; 1 if any is wrong. */
static int
check_words(volatile uint32_t *p, unsigned from, unsigned to, uint32_t seed)
{
	for (unsigned w = from; w < to; w++) {
		uint32_t want = pattern(seed, (uint32_t)&p[w]);
		uint32_t got = p[w];
		if (got != want)
			return corrupt(&p[w], want, got);
	}
	return 0;
}

/* Check every page against the layout; returns the number of bad pages. */
static int
verify(const struct layout *lay)
{
	int err = 0;

	for (int i = 0; i < npages; i++)
		err += check_words(page(i), 0, WORDS_PER_PAGE,
				   lay->seed[i % 2]);
	return err;
}

/*
 * Rewrite the pages selected by which (EVEN_PAGES, ODD_PAGES, ALL_PAGES)
 * with seed, checking after the first write to each page that the rest
 * still holds the old pattern, and update the layout.  Returns the number
 * of pages whose copy was wrong.
 */
static int
overwrite(struct layout *lay, int which, uint32_t seed)
{
	int err = 0;

	for (int i = 0; i < npages; i++) {
		volatile uint32_t *p = page(i);
		if (which != ALL_PAGES && i % 2 != which)
			continue;
		p[0] = pattern(seed, (uint32_t)&p[0]);
		err += check_words(p, 1, WORDS_PER_PAGE, lay->seed[i % 2]);
		for (unsigned w = 1; w < WORDS_PER_PAGE; w++)
			p[w] = pattern(seed, (uint32_t)&p[w]);
	}
	if (which != ODD_PAGES)
		lay->seed[0] = seed;
	if (which != EVEN_PAGES)
		lay->seed[1] = seed;
	return err;
}

/* Give the other process of a round a head start. */
static void
let_other_run(void)
{
	for (int i = 0; i < 3; i++)
		yield();
}

static int cow_round(int round, int depth, struct layout *lay);

/*
 * The child's side of a round: check the pattern inherited from the
 * parent, replace every page with our own (each write a copy-on-write
 * fault), check it, and with depth > 0 run a nested round as the parent
 * of a grandchild.  Returns the number of corruptions seen.
 */
static int
child_round(int round, int depth, struct layout *lay)
{
	int err;

	mypid = getpid();
	reported = false;
	if (round % 2 == 0)
		let_other_run();
	err = verify(lay);
	err += overwrite(lay, ALL_PAGES, seed_of(mypid, round, PH_CHILD));
	err += verify(lay);
	if (depth > 0)
		err += cow_round(round, depth - 1, lay);
	return err;
}

/*
 * One round, run by the process that owns the region in state *lay:
 * fork; while the child works, overwrite half the pages and check all of
 * them; reap the child; check again (the child's writes must not have
 * leaked into our pages); finally rewrite every page with one pattern for
 * the next round.  Returns corruptions seen here and by the child.
 */
static int
cow_round(int round, int depth, struct layout *lay)
{
	int me = getpid();
	int child, r, status = -1, err = 0;

	child = fork();
	if (child < 0) {
		printf("memstress: FAIL fork: %s\n", strerror(child));
		return 1;
	}
	if (child == 0)
		exit(MIN(child_round(round, depth, lay), MAX_STATUS));

	if (round % 2 == 1)
		let_other_run();
	err += overwrite(lay, round % 2, seed_of(me, round, PH_HALF));
	err += verify(lay);

	r = waitpid(child, &status);
	if (r != child) {
		printf("memstress: FAIL waitpid(%d) returned %d\n", child, r);
		err++;
	} else if (status < 0 || status > MAX_STATUS) {
		printf("memstress: FAIL child %d exited with status %d\n",
		       child, status);
		err++;
	} else {
		err += status;
	}

	err += verify(lay);
	err += overwrite(lay, ALL_PAGES, seed_of(me, round, PH_BASE));
	return err;
}

/* Allocate the region, run the rounds, and report. */
int
main(int argc, char **argv)
{
	struct layout lay;
	int rounds, depth, err = 0, r;

	npages = arg_number(argc, argv, 1, 64, 1, MAX_PAGES, "page count");
	rounds = arg_number(argc, argv, 2, 3, 0, 1000, "round count");
	depth = arg_number(argc, argv, 3, 1, 0, 16, "nesting depth");
	mypid = getpid();
	printf("memstress: %d pages, %d rounds, depth %d\n", npages, rounds,
	       depth);

	/* Fresh pages must be zero; then give them a first pattern. */
	for (int i = 0; i < npages; i++) {
		volatile uint32_t *p = page(i);
		r = sys_page_alloc((void *)p, PTE_P | PTE_U | PTE_W);
		if (r < 0) {
			printf("memstress: FAIL page_alloc %p: %s\n", (void *)p,
			       strerror(r));
			return 1;
		}
		for (unsigned w = 0; w < WORDS_PER_PAGE; w++)
			if (p[w] != 0) {
				err += corrupt(&p[w], 0, p[w]);
				break;
			}
	}
	lay.seed[0] = lay.seed[1] = seed_of(mypid, 0, PH_BASE);
	for (int i = 0; i < npages; i++)
		for (unsigned w = 0; w < WORDS_PER_PAGE; w++)
			page(i)[w] = pattern(lay.seed[0],
					     (uint32_t)&page(i)[w]);

	/* ROUNDS plain rounds, then one nested DEPTH generations deep. */
	for (r = 1; r <= rounds; r++)
		err += cow_round(r, 0, &lay);
	err += cow_round(r, depth, &lay);
	err += verify(&lay);

	if (err == 0) {
		printf("memstress: OK, 0 corruptions\n");
		return 0;
	}
	printf("memstress: FAILED, %d corruptions\n", err);
	return 1;
}
