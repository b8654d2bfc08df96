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

/*
 * Jumps into the monitor hole (0xFC000000 and up), which the guest OS
 * never maps: natively the jump itself completes and the fetch at the
 * target is a #PF (cr2 = eip = the target).  A monitor whose user
 * segments end below the hole sees #GP at the jump instead and must
 * give the guest the #PF it would see (docs/DESIGN.md §2).
 */
#define HOLE_TARGET 0xFC000000u

/* ljmp $cs, $HOLE_TARGET, with the selector the program runs under. */
static void
far_jump_hole(void)
{
	asm volatile("movl %%cs, %%eax\n"
		     "pushl %%eax\n"
		     "pushl %0\n"
		     "ljmp *(%%esp)\n"
		     :
		     : "i"(HOLE_TARGET + 0x10)
		     : "eax", "memory");
}

/* ljmp with the operand in the instruction (ptr16:32). */
static void
far_jump_hole_direct(void)
{
	asm volatile("ljmp $0x1b, %0" : : "i"(HOLE_TARGET + 0x20));
}

/* A near jump through a register. */
static void
near_jump_hole(void)
{
	asm volatile("jmp *%0" : : "r"(HOLE_TARGET + 0x1234));
}

/* A near call pushes its return address, then the fetch faults. */
static void
near_call_hole(void)
{
	asm volatile("call *%0" : : "r"(0xFFFFF000u) : "memory");
}

/* ret to the hole: the pop happens, then the fetch faults. */
static void
ret_hole(void)
{
	asm volatile("pushl %0\n"
		     "ret\n"
		     :
		     : "i"(HOLE_TARGET + 0x30)
		     : "memory");
}

/* A data read from the hole: #PF with cr2 the address read. */
static void
read_hole(void)
{
	(void)*(volatile uint32_t *)(HOLE_TARGET + 0x40);
}

/* A far return with the stack in the hole: #PF reading it (crashme). */
static void
lret_stack_hole(void)
{
	asm volatile("movl %0, %%esp\n"
		     "lret\n"
		     :
		     : "i"(0xFE234FEC)
		     : "memory");
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "prefixed int $0x31", prefixed_int },
	{ "int $4", int4 },
	{ "es: int3", int3_kernel_gate },
	{ "iret with NT", iret_nt },
	{ "far jump to the hole", far_jump_hole },
	{ "direct far jump to the hole", far_jump_hole_direct },
	{ "near jump to the hole", near_jump_hole },
	{ "near call to the hole", near_call_hole },
	{ "ret to the hole", ret_hole },
	{ "read from the hole", read_hole },
	{ "lret with the stack in the hole", lret_stack_hole },
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
