/*
 * Traps: the GDT/TSS/IDT set-up and the one C function every trap,
 * interrupt and system call goes through.
 *
 * The kernel runs with interrupts disabled: every gate is an interrupt
 * gate, so the CPU clears IF on entry, and the kernel sets it again only
 * by returning to user mode (iret restores the user's IF=1) or by
 * "sti; hlt" when idle.  It never re-enables interrupts with popf, which
 * a de-privileged kernel could not do (lab 1).
 */
#include <inc/string.h>
#include <inc/syscall.h>
#include <inc/x86.h>
#include <kern/console.h>
#include <kern/gdt.h>
#include <kern/kern.h>
#include <kern/monitor.h>
#include <kern/picirq.h>
#include <kern/pmap.h>
#include <kern/proc.h>
#include <kern/timer.h>
#include <kern/kbase.h>
#include <kern/trap.h>

struct taskstate kernel_tss;
struct taskstate probe_tss; /* the ltr probe's second TSS */
struct segdesc probe_ldt[1];

struct segdesc gdt[GDT_ENTRIES];
struct pseudodesc gdt_pd = { sizeof(gdt) - 1, 0 };
struct gatedesc idt[256];
struct pseudodesc idt_pd = { sizeof(idt) - 1, 0 };

volatile int probe_trapno = -1;
volatile int probe_last_trapno = -1;
volatile uint32_t probe_fixup_eip;
volatile uint32_t probe_faults;
struct trapframe probe_tf;

extern bool sched_idle;
extern uint32_t trap_vectors[T_SYSCALL + 1];
extern char bootstacktop[];

void
gdt_init(void)
{
	/*
	 * The accessed bit is preset: whether the CPU sets it on a load is
	 * not something lar should reveal differently from run to run.
	 */
	gdt[GD_KT >> 3] = SEG(STA_X | STA_R | STA_A, 0, 0xFFFFFFFF, 0);
	gdt[GD_KD >> 3] = SEG(STA_W | STA_A, 0, 0xFFFFFFFF, 0);
	gdt[GD_UT >> 3] = SEG(STA_X | STA_R | STA_A, 0, 0xFFFFFFFF, 3);
	gdt[GD_UD >> 3] = SEG(STA_W | STA_A, 0, 0xFFFFFFFF, 3);
	gdt[GD_TSS >> 3] = SEG16(STS_T32A, (uint32_t)&kernel_tss,
				 sizeof(kernel_tss) - 1, 0);
	gdt[GD_TSS2 >> 3] = SEG16(STS_T32A, (uint32_t)&probe_tss,
				  sizeof(probe_tss) - 1, 0);
	gdt[GD_LDT >> 3] = SEG16(STS_LDT, (uint32_t)probe_ldt,
				 sizeof(probe_ldt) - 1, 0);
	probe_ldt[0] = SEG(STA_W, 0, 0xFFFFFFFF, 3);
	gdt_pd.pd_base = (uint32_t)gdt;
	lgdt(&gdt_pd);

	/* Reload every segment register from the new table. */
	asm volatile("movw %w0, %%ds\n"
		     "movw %w0, %%es\n"
		     "movw %w0, %%ss\n"
		     "movw %w1, %%fs\n"
		     "movw %w1, %%gs\n"
		     "ljmp %2, $1f\n"
		     "1:\n"
		     :
		     : "r"(GD_KD), "r"(GD_UD | 3), "i"(GD_KT));
	lldt(0);

	/* Traps from user mode switch to the one kernel stack. */
	kernel_tss.ts_esp0 = (uint32_t)bootstacktop;
	kernel_tss.ts_ss0 = GD_KD;
	/* No I/O permission bitmap: user port access always faults. */
	kernel_tss.ts_iomb = sizeof(struct taskstate);
	ltr(GD_TSS);
}

void
trap_init(void)
{
	for (int v = 0; v <= T_SYSCALL; v++) {
		/* User code may raise only breakpoints and system calls. */
		unsigned dpl = (v == T_BRKPT || v == T_SYSCALL) ? 3 : 0;
		gate_set(&idt[v], STS_IG32, GD_KT, trap_vectors[v], dpl);
	}
	idt_pd.pd_base = (uint32_t)idt;
	lidt(&idt_pd);
}

/* Kill the current process for an exception it cannot recover from. */
static void
kill_for_fault(struct trapframe *tf)
{
	struct proc *p = curproc;
	if (tf->tf_trapno == T_PGFLT)
		cprintf("[pid %d] %s: page fault at va %08x (%s, %s) eip %08x: "
			"killed\n",
			p->pid, p->name, rcr2(),
			(tf->tf_err & FEC_W) ? "write" : "read",
			(tf->tf_err & FEC_P) ? "protection" : "not present",
			tf->tf_eip);
	else
		cprintf("[pid %d] %s: %s (error %x) at eip %08x: killed\n",
			p->pid, p->name, trapname(tf->tf_trapno), tf->tf_err,
			tf->tf_eip);
	proc_exit(p, EXIT_FAULT_BASE + (int)tf->tf_trapno);
}

/* An exception in kernel mode: a probe's expected fault, or a bug. */
static void
kernel_trap(struct trapframe *tf)
{
	if ((int)tf->tf_trapno == probe_trapno ||
	    probe_trapno == PROBE_ANY_TRAP) {
		probe_faults++;
		probe_last_trapno = (int)tf->tf_trapno;
		/*
		 * A trap from ring 0 pushes no esp or ss (SDM vol.3A §6.12.1),
		 * so the copy's last two fields are whatever lay above.
		 */
		probe_tf = *tf;
		/* A probe that set TF must not single-step its recovery. */
		tf->tf_eflags &= ~FL_TF;
		tf->tf_eip = probe_fixup_eip;
		return;
	}
	print_trapframe(tf);
	backtrace_from(tf->tf_regs.reg_ebp, tf->tf_eip);
	panic("unexpected %s in the kernel at eip %08x",
	      trapname(tf->tf_trapno), tf->tf_eip);
}

/* Wake the first process waiting for console input, if a byte is there. */
static void
wake_reader(void)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &procs[i];
		if (p->state != P_WAIT_INPUT)
			continue;
		int c = cons_getc_buffered();
		if (c < 0)
			return;
		p->tf.tf_regs.reg_eax = (uint32_t)c;
		p->state = P_RUNNABLE;
	}
}

/*
 * Handle a device interrupt.  Returns true if it should end the current
 * process's time slice.
 */
static bool
handle_irq(int irq)
{
	switch (irq) {
	case IRQ_TIMER:
		ticks++;
		pic_eoi(irq);
		return true;
	case IRQ_SERIAL:
		cons_intr();
		wake_reader();
		pic_eoi(irq);
		return false;
	case IRQ_SPURIOUS:
	case IRQ_SPURIOUS2:
		/* A spurious interrupt is not acknowledged (8259A datasheet). */
		return false;
	default:
		cprintf("kernel: unexpected IRQ %d\n", irq);
		pic_eoi(irq);
		return false;
	}
}

void
trap(struct trapframe *tf)
{
	bool from_user = (tf->tf_cs & 3) == 3;
	int trapno = (int)tf->tf_trapno;
	bool is_irq = trapno >= KIRQ_BASE && trapno < KIRQ_BASE + NIRQS;

	if (!from_user) {
		if (is_irq)
			handle_irq(trapno - KIRQ_BASE);
		else
			kernel_trap(tf);
		if (sched_idle)
			sched_yield();
		trap_return(tf);
	}

	/* Save the user registers where the scheduler will find them. */
	assert(curproc && curproc->state == P_RUNNABLE);
	curproc->tf = *tf;
	tf = &curproc->tf;

	if (is_irq) {
		if (handle_irq(trapno - KIRQ_BASE))
			sched_yield();
	} else if (trapno == T_SYSCALL) {
		syscall_dispatch();
	} else if (trapno == T_PGFLT) {
		if (user_fault_fixup(curproc->pgdir, rcr2(),
				     (tf->tf_err & FEC_W) != 0) < 0)
			kill_for_fault(tf);
	} else {
		kill_for_fault(tf);
	}

	if (curproc && curproc->state == P_RUNNABLE)
		proc_run(curproc);
	sched_yield();
}
