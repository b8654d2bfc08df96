/*
 * The trap-and-emulate execution engine (mode=te): the guest's own code
 * runs directly on the CPU, its kernel at ring 1, until it traps.
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/x86.h>
#include <kern/monitor.h>
#include <kern/trap.h>
#include <lab1-deprivilege/vmm.h>

void te_enter(struct trapframe *tf, uint32_t *host_esp);
void te_leave(uint32_t host_esp) __attribute__((noreturn));

static struct vcpu *running;
static uint32_t host_esp;
/* cr2 of the last guest #PF, read before anything can fault again. */
uint32_t te_fault_cr2;

static void
te_init(struct vcpu *v)
{
}

/*
 * Run v until it traps.  The frame the CPU pushed becomes v->tf; the
 * vector tells what happened.
 */
static enum exit_kind
te_run(struct vcpu *v)
{
	/* Hardware IF on, IOPL 0: the guest can neither mask interrupts
	 * nor touch ports (the raw-mode monitors' rule). */
	v->tf.tf_eflags = (v->tf.tf_eflags | FL_IF | FL_RESERVED1) &
			  ~(FL_IOPL_MASK | FL_VM | FL_NT);
	running = v;
	te_enter(&v->tf, &host_esp);
	running = NULL;

	int vec = v->tf.tf_trapno;
	if (vec >= VMM_IRQ_BASE)
		return EXIT_IRQ;
	if (vec >= T_NEXCEPTIONS)
		return EXIT_SOFTINT;
	return EXIT_EXCEPTION;
}

const struct engine te_engine = { "te", te_init, te_run };

/*
 * Every trap and interrupt in the monitor image comes here (from
 * kern/trapentry.S).  From the guest: hand it to te_run.  From the
 * monitor itself: an interrupt while it waits in hlt, or a bug.
 */
void
trap(struct trapframe *tf)
{
	if ((tf->tf_cs & 3) != 0 && running) {
		if (tf->tf_trapno == T_PGFLT)
			te_fault_cr2 = rcr2();
		running->tf = *tf;
		te_leave(host_esp);
	}
	if (tf->tf_trapno >= VMM_IRQ_BASE) {
		vmm_handle_irq(tf->tf_trapno - VMM_IRQ_BASE);
		trap_return(tf);
	}
	print_trapframe(tf);
	backtrace_from(tf->tf_regs.reg_ebp, tf->tf_eip);
	panic("vmm: unexpected %s in the monitor at eip %08x",
	      trapname(tf->tf_trapno), tf->tf_eip);
}
