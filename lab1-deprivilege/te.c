/*
 * The trap-and-emulate execution engine (mode=te): the guest's own code
 * runs directly on the CPU, its kernel at ring 1 (GUEST_KERNEL_RING),
 * until it traps.  Each trap becomes an exit (inc/engine.h) for the
 * core's dispatch:
 *
 *   a real device interrupt (vector KIRQ_BASE + irq)  -> EXIT_IRQ
 *   #GP naming an IDT entry: "int n", "int3", "into"  -> EXIT_SOFTINT
 *     (every gate of the monitor's IDT has DPL 0, so each software
 *     interrupt faults at the instruction itself and the dispatch can
 *     decode it: its length, prefixes and all)
 *   #GP in the guest kernel: a privileged instruction -> EXIT_PRIV
 *   #GP(0) in user mode from sgdt, sidt, sldt, str or
 *     smsw, which UMIP (umip=on) makes fault          -> EXIT_PRIV
 *   #GP(0) in user mode from a jump or an access into
 *     the hole (the truncated limits: holefault.c)     -> EXIT_EXCEPTION #PF
 *   any other exception (with cr2 for a #PF)          -> EXIT_EXCEPTION
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/deprivilege.h>
#include <inc/shadow.h>
#include <inc/vmm.h>
#include <inc/x86.h>

static struct vcpu *running;
static uint32_t host_esp;
/* cr2 of the last guest #PF, read before anything can fault again. */
static uint32_t fault_cr2;

/* A trap from the guest (kern/trapentry.S, then the core's trap()):
 * keep the frame and return from guest_enter. */
static void
te_guest_trap(struct trapframe *tf)
{
	if (tf->tf_trapno == T_PGFLT)
		fault_cr2 = rcr2();
	running->tf = *tf;
	guest_leave(host_esp);
}

static void
te_init(struct vcpu *v)
{
}

/*
 * A #GP(0) from user mode: UMIP's, for one of the five instructions it
 * covers?  Then the guest gets the values it would see natively
 * (emulate_sensitive at CPL 3), not a fault.
 */
static bool
umip_fault(struct vcpu *v)
{
	struct x86_insn in;
	return vcpu_decode_at_eip(v, &in) > 0 && umip_insn(&in);
}

/* Run v until it traps, and say what the trap means. */
static void
te_run(struct vcpu *v, struct vmexit *x)
{
	/* Hardware IF on, IOPL 0: the guest can neither mask interrupts
	 * nor touch ports (the raw-mode monitors' rule). */
	v->tf.tf_eflags = (v->tf.tf_eflags | FL_IF | FL_RESERVED1) &
			  ~(FL_IOPL_MASK | FL_VM | FL_NT);
	if (hole_fetch_exit(v, x))
		return;
	umip_load(v);
	running = v;
	vmm_guest_trap = te_guest_trap;
	guest_enter(&v->tf, &host_esp);
	vmm_guest_trap = NULL;
	running = NULL;

	deprivileged_exit(v, x, fault_cr2);
}

/*
 * The trap in v->tf (cr2: the fault address of a #PF) as an exit; te
 * uses it for every trap, bt for those from guest user code.
 */
void
deprivileged_exit(struct vcpu *v, struct vmexit *x, uint32_t cr2)
{
	/* Where the guest is now: user code is at ring 3, and there its IF
	 * is the hardware's (it cannot change it). */
	if (SEL_RPL(v->tf.tf_cs) == 3) {
		v->vcpl = 3;
		v->vflags = (v->vflags & ~FL_IF) | (v->tf.tf_eflags & FL_IF);
	} else {
		v->vcpl = 0;
	}

	int vec = v->tf.tf_trapno;
	uint32_t err = v->tf.tf_err;
	if (vec >= KIRQ_BASE) {
		x->kind = EXIT_IRQ;
		x->irq.irq = vec - KIRQ_BASE;
	} else if (vec == T_GPFLT && (err & 2)) {
		/* The IDT named in the error code: a software interrupt,
		 * which the guest's own IDT must judge. */
		x->kind = EXIT_SOFTINT;
		x->softint.vector = err >> 3;
		x->softint.len = 0; /* the dispatch decodes it */
	} else if (vec == T_GPFLT && v->vcpl == 0) {
		/* A privileged instruction (error 0), or a segment load that
		 * ring 1 may not do but ring 0 may (error: the selector). */
		x->kind = EXIT_PRIV;
		x->priv.err = err;
	} else if (vec == T_GPFLT && err == 0 && umip_fault(v)) {
		x->kind = EXIT_PRIV;
		x->priv.err = 0;
	} else if (vec == T_GPFLT && err == 0 && hole_limit_exit(v, x)) {
		/* A user access to the hole: the guest's #PF, not the
		 * limit's #GP (holefault.c). */
	} else {
		x->kind = EXIT_EXCEPTION;
		x->exc.vector = vec;
		x->exc.has_err = TRAP_HAS_ERRCODE(vec);
		x->exc.err = err;
		x->exc.cr2 = vec == T_PGFLT ? cr2 : 0;
	}
}

ENGINE(te, .help = "te (lab 1: trap-and-emulate, the kernel at ring 1)",
       .lab = 1, .init = te_init, .run = te_run, .events = &reflect_events,
       .mmu_hw = &shadow_hw_direct);
