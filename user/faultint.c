/*
 * faultint: software interrupts and task-return faults from user mode,
 * each in a child that the kernel kills, so its fault line (vector,
 * error code, eip) and exit status show what the CPU reported.  A
 * monitor must report exactly the same: the eip of a faulting "int n"
 * is the instruction's first byte, prefixes included, and an iret with
 * NT set is the guest's own #TS, not the end of the machine.
 *
 * Output: one "faultint: CASE status N" line per case, after the
 * kernel's "[pid P] faultint: ... killed" line for it.
 */
#include <user/lib/ulib.h>

/* int $0x31 with an operand-size prefix: vector 0x31 is not a user
 * gate, so #GP(0x31*8+2) at the prefix. */
static void
prefixed_int(void)
{
	asm volatile(".byte 0x66, 0xcd, 0x31");
}

/* int $4 (not into): the kernel's vector 4 gate is not for users. */
static void
int4(void)
{
	asm volatile("int $4");
}

/* int3 through a kernel-only gate: #GP(3*8+2) at the 0xcc. */
static void
int3_kernel_gate(void)
{
	asm volatile(".byte 0x26, 0xcc"); /* es-prefixed int3 */
}

/* iret with NT set: a task return through a null back link, #TS. */
static void
iret_nt(void)
{
	asm volatile("pushfl\n"
		     "orl $0x4000, (%%esp)\n" /* NT */
		     "popfl\n"
		     "pushfl\n"
		     "pushl %%cs\n"
		     "pushl $1f\n"
		     "iret\n"
		     "1:\n" ::: "memory", "cc");
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "prefixed int $0x31", prefixed_int },
	{ "int $4", int4 },
	{ "es: int3", int3_kernel_gate },
	{ "iret with NT", iret_nt },
};

int
main(int argc, char **argv)
{
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status = -1;
		int pid = fork();
		if (pid < 0) {
			printf("faultint: FAIL fork: %d\n", pid);
			return 1;
		}
		if (pid == 0) {
			cases[i].fn();
			printf("faultint: %s did not fault\n", cases[i].name);
			exit(0);
		}
		if (waitpid(pid, &status) != pid) {
			printf("faultint: FAIL waitpid\n");
			return 1;
		}
		printf("faultint: %s status %d\n", cases[i].name, status);
	}
	return 0;
}
