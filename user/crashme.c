/*
 * crashme: run hostile input.  In the spirit of the old crashme program,
 * each trial forks a child that fills a fresh page with pseudo-random
 * bytes, loads pseudo-random values into its registers and jumps into
 * the page.  The child gives up its system calls first (sys_sandbox:
 * any call but exit kills it), so whatever the bytes do, the only ways
 * out are a fault, an exit, or the parent's kill after TIME_BUDGET
 * cycles.  The kernel -- or the monitor under it -- must survive every
 * trial; the program checks only that it gets to the end.
 *
 * Output: "crashme: TRIALS trials, seed S", then "crashme: survived
 * TRIALS trials" and "timing: crashme faults=A killed=B exited=C" (the
 * outcome counts depend on timing, so they are on a timing line).
 */
#include <user/lib/ulib.h>

/* Where each child puts its random code; nothing else is mapped there. */
#define JUNK_PAGE 0x20000000u
/* How long a child may run before the parent kills it. */
#define TIME_BUDGET 20000000u

/* Flags the child may start with: arithmetic flags and DF, but not TF
 * (every trial would end in the same debug trap). */
#define JUNK_FLAGS                                                             \
	(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_DF | FL_OF)

/*
 * What crash_jump loads, in this order: eax ebx ecx edx esi edi ebp esp,
 * eflags, then the address it jumps to.  A global, so crash_jump can
 * reach it by absolute address after it has lost every register.
 */
uint32_t crash_regs[10];
void crash_jump(void) __attribute__((noreturn));

/*
 * Load every general register and eflags from crash_regs and jump to
 * crash_regs[9].  Written in assembly because no C code may run once
 * %esp and %ebp hold junk.
 */
asm(".text\n"
    ".globl crash_jump\n"
    "crash_jump:\n\t"
    "pushl crash_regs+32\n\t"
    "popfl\n\t"
    "movl crash_regs+4, %ebx\n\t"
    "movl crash_regs+8, %ecx\n\t"
    "movl crash_regs+12, %edx\n\t"
    "movl crash_regs+16, %esi\n\t"
    "movl crash_regs+20, %edi\n\t"
    "movl crash_regs+24, %ebp\n\t"
    "movl crash_regs+28, %esp\n\t"
    "movl crash_regs+0, %eax\n\t"
    "jmp *crash_regs+36\n");

/*
 * The child of one trial: random code in a fresh page, random registers,
 * no more system calls, jump.  Never returns.
 */
static void __attribute__((noreturn))
run_junk(uint32_t seed, int trial)
{
	uint32_t *code = (uint32_t *)JUNK_PAGE;
	uint32_t x = mix32(seed, trial);
	int r;

	r = sys_page_alloc(code, PTE_P | PTE_U | PTE_W);
	if (r < 0) {
		printf("crashme: FAIL page_alloc: %s\n", strerror(r));
		exit(1);
	}
	for (unsigned i = 0; i < PGSIZE / sizeof(uint32_t); i++) {
		x = xorshift32(x);
		code[i] = x;
	}
	for (int i = 0; i < 9; i++) {
		x = xorshift32(x);
		crash_regs[i] = x;
	}
	crash_regs[8] = (crash_regs[8] & JUNK_FLAGS) | FL_IF | FL_RESERVED1;
	/* Start anywhere in the first half, so some bytes run before the
	 * end of the page. */
	x = xorshift32(x);
	crash_regs[9] = JUNK_PAGE + x % (PGSIZE / 2);

	r = sys_sandbox();
	if (r < 0)
		exit(1);
	crash_jump();
}

/*
 * Wait for child pid for at most TIME_BUDGET cycles, yielding so it can
 * run; then kill it.  Stores its exit status in *status (junk code may
 * exit with any value) and returns false if waiting failed.
 */
static bool
reap(int pid, int *status)
{
	uint64_t t0 = rdtsc();
	int r;

	for (;;) {
		r = sys_wait(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r != 0) {
			printf("crashme: FAIL wait(%d): %s\n", pid,
			       strerror(r));
			return false;
		}
		if (rdtsc() - t0 > TIME_BUDGET)
			break;
		yield();
	}
	/* It may exit between our last look and the kill: then kill fails
	 * and waitpid still finds it. */
	sys_kill(pid);
	r = waitpid(pid, status);
	if (r != pid) {
		printf("crashme: FAIL waitpid(%d) after kill: %s\n",
		       pid, strerror(r));
		return false;
	}
	return true;
}

/* Run the trials and count how each child ended. */
int
main(int argc, char **argv)
{
	int trials = arg_number(argc, argv, 1, 200, 0, 1000000, "trial count");
	uint32_t seed = arg_number(argc, argv, 2, 1, 0, 0x7FFFFFFF, "seed");
	int faults = 0, killed = 0, exited = 0;

	printf("crashme: %d trials, seed %u\n", trials, seed);
	for (int t = 0; t < trials; t++) {
		int pid, status;

		pid = fork();
		if (pid < 0) {
			printf("crashme: FAIL fork: %s\n", strerror(pid));
			return 1;
		}
		if (pid == 0)
			run_junk(seed, t);
		if (!reap(pid, &status))
			return 1;
		if (status == EXIT_KILLED)
			killed++;
		else if (status >= EXIT_FAULT_BASE && status < EXIT_KILLED)
			faults++;
		else
			exited++;
	}
	printf("crashme: survived %d trials\n", trials);
	printf("timing: crashme faults=%d killed=%d exited=%d\n", faults,
	       killed, exited);
	return 0;
}
