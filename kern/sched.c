/*
 * The scheduler: round robin over the process table, one timer tick per
 * turn.  When nothing can run, the kernel halts with interrupts enabled
 * until a device wakes someone -- the only place, besides the return to
 * user mode, where the kernel lets interrupts in.
 */
#include <inc/x86.h>
#include <kern/gdt.h>
#include <kern/kern.h>
#include <kern/pmap.h>
#include <kern/proc.h>
#include <kern/trap.h>

extern char bootstacktop[];
/* True while the kernel idles in sched_halt (trap.c checks it). */
bool sched_idle;

/* Switch to p's address space and resume its user registers. */
void
proc_run(struct proc *p)
{
	assert(p->state == P_RUNNABLE);
	curproc = p;
	p->nruns++;
	if (rcr3() != PADDR(p->pgdir))
		lcr3(PADDR(p->pgdir));
	trap_return(&p->tf);
}

/*
 * Nothing is runnable: wait for an interrupt on a fresh kernel stack.
 * The interrupt enters trap() from kernel mode, which sees sched_idle
 * and calls sched_yield again.
 */
static void __attribute__((noreturn))
sched_halt(void)
{
	curproc = NULL;
	sched_idle = true;
	if (rcr3() != kern_cr3)
		lcr3(kern_cr3);
	asm volatile("movl %0, %%esp\n"
		     "movl $0, %%ebp\n"
		     "1: sti\n"
		     "hlt\n"
		     "cli\n"
		     "jmp 1b\n"
		     :
		     : "r"(bootstacktop));
	__builtin_unreachable();
}

void
sched_yield(void)
{
	int start = curproc ? (int)(curproc - procs) + 1 : 0;
	sched_idle = false;
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &procs[(start + i) % NPROC];
		if (p->state == P_RUNNABLE)
			proc_run(p);
	}
	sched_halt();
}
