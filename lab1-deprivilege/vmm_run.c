/*
 * The monitor's main loop: run the vcpu on an engine, handle what brings
 * it back, deliver virtual interrupts, repeat.  The story of one guest
 * event, in order:
 *
 *   1. the guest traps: the engine returns an exit (vector in v->tf);
 *   2. an exception is emulated (a privileged instruction's #GP), hidden
 *      (a shadow page fault) or reflected into the guest's IDT;
 *      a real interrupt feeds the virtual devices;
 *   3. before re-entering, a virtual interrupt the guest can take now
 *      (virtual IF set, PIC says so) is delivered through its IDT.
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/gmem.h>
#include <inc/shadow.h>
#include <inc/vdev.h>
#include <inc/x86.h>
#include <kern/console.h>
#include <kern/picirq.h>
#include <kern/timer.h>
#include <kern/trap.h>
#include <lab1-deprivilege/vmm.h>

extern uint32_t te_fault_cr2;

#define PIT_CH0 0x40
#define PIT_MODE 0x43
#define PIT_SEL_CH0_LOHI_RATE 0x34

static uint32_t real_pit_divisor;

/* Run the real PIT at the rate the guest asked of its virtual one. */
void
vmm_pit_reprogram(void)
{
	uint32_t d = vpit_divisor(&vpit0);
	if (d == 0 || d == real_pit_divisor)
		return;
	real_pit_divisor = d;
	outb(PIT_MODE, PIT_SEL_CH0_LOHI_RATE);
	outb(PIT_CH0, d & 0xFF);
	outb(PIT_CH0, (d >> 8) & 0xFF);
}

/* A real device interrupted: feed the virtual device behind it. */
void
vmm_handle_irq(int irq)
{
	switch (irq) {
	case IRQ_TIMER:
		ticks++;
		vpit_tick(&vpit0);
		break;
	case IRQ_SERIAL: {
		int c;
		while ((c = cons_poll()) >= 0)
			vuart_receive(&vuart0, (uint8_t)c);
		break;
	}
	case IRQ_SPURIOUS:
	case IRQ_SPURIOUS2:
		return; /* not acknowledged */
	}
	pic_eoi(irq);
}

/* Wait with the real CPU halted until a virtual interrupt is pending. */
static void
wait_for_interrupt(struct vcpu *v)
{
	while (vpic_pending_vector(&vpic0) < 0)
		asm volatile("sti; hlt; cli" ::: "memory");
	v->halted = false;
}

/* Deliver a pending virtual interrupt if the guest can take one now. */
static void
deliver_interrupts(struct vcpu *v)
{
	// LAB 1: Exercise 7.  If the guest can take an interrupt now -- no
	// sti shadow at this eip, virtual IF set (user mode always can) --
	// and the virtual PIC has one pending, acknowledge it and deliver it
	// through the guest's IDT (reflect, DELIVER_HWINT).
	// BEGIN LAB 1 SOLUTION
	if (v->sti_shadow && v->tf.tf_eip == v->sti_shadow_eip)
		return;
	v->sti_shadow = false;
	if (!(v->vflags & FL_IF) && v->vcpl == 0)
		return;
	if (vpic_pending_vector(&vpic0) < 0)
		return;
	int vector = vpic_acknowledge(&vpic0);
	if (vector >= 0)
		reflect(v, vector, false, 0, DELIVER_HWINT);
	// STUB: panic("lab 1: exercise 7 (virtual interrupts) not implemented");
	// END LAB 1 SOLUTION
}

/* Where a #GP from the guest came from, and what to do with it. */
static void
handle_gp(struct vcpu *v)
{
	uint32_t err = v->tf.tf_err;

	if (err & 2) {
		/* The IDT named in the error code: "int n" through a DPL-0
		 * monitor gate.  It is the guest's call whether n is allowed;
		 * the frame must point past the 2-byte int (or 1-byte int3). */
		int vector = err >> 3;
		uint8_t op = 0;
		gva_read(v, v->tf.tf_eip, &op, 1, NULL);
		v->softint_len = (op == 0xCD) ? 2 : 1;
		v->tf.tf_eip += v->softint_len;
		reflect(v, vector, false, 0, DELIVER_SOFTINT);
		return;
	}
	if (v->vcpl == 0) {
		/* A privileged instruction (error 0), or a segment load that
		 * ring 1 may not do but ring 0 may (error: the selector). */
		emulate_gp(v);
		return;
	}
	reflect(v, T_GPFLT, true, err, DELIVER_EXCEPTION);
}

static void
handle_exception(struct vcpu *v)
{
	int vec = v->tf.tf_trapno;
	uint32_t guest_err;

	switch (vec) {
	case T_GPFLT:
		count(CNT_TRAP_GP);
		handle_gp(v);
		return;
	case T_PGFLT:
		count(CNT_TRAP_PF);
		if (shadow_fault(v, te_fault_cr2, v->tf.tf_err, &guest_err))
			return;
		v->vcr2 = te_fault_cr2;
		reflect(v, T_PGFLT, true, guest_err, DELIVER_EXCEPTION);
		return;
	case T_DBLFLT:
	case T_TSS:
	case T_MCHK:
		vcpu_fail(v, "%s at guest eip %08x", trapname(vec),
			  v->tf.tf_eip);
	default:
		count(CNT_TRAP_OTHER_EXC);
		v->softint_len = 1; /* int3 and into; "int $3" is rare */
		reflect(v, vec, TRAP_HAS_ERRCODE(vec), v->tf.tf_err,
			vec == T_BRKPT || vec == T_OFLOW ? DELIVER_SOFTINT
							 : DELIVER_EXCEPTION);
	}
}

void
vmm_run(struct vcpu *v, const struct engine *e)
{
	e->init(v);
	for (;;) {
		deliver_interrupts(v);
		if (v->halted) {
			wait_for_interrupt(v);
			continue;
		}
		enum exit_kind kind = e->run(v);
		count(CNT_TRAPS);
		/* Where the guest is now: user code is at ring 3, and there
		 * its IF is the hardware's (it cannot change it). */
		if (SEL_RPL(v->tf.tf_cs) == 3) {
			v->vcpl = 3;
			v->vflags = (v->vflags & ~FL_IF) | (v->tf.tf_eflags & FL_IF);
		} else {
			v->vcpl = 0;
		}
		switch (kind) {
		case EXIT_IRQ:
			count(CNT_TRAP_IRQ);
			vmm_handle_irq(v->tf.tf_trapno - VMM_IRQ_BASE);
			break;
		case EXIT_SOFTINT:
			count(CNT_TRAP_SOFTINT);
			v->softint_len = 2; /* int imm8: the only way here */
			reflect(v, v->tf.tf_trapno, false, 0, DELIVER_SOFTINT);
			break;
		case EXIT_EXCEPTION:
			handle_exception(v);
			break;
		}
	}
}
