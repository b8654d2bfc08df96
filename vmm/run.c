/*
 * The monitor's main loop: run the vcpu on its engine, handle the exit
 * that brings it back, deliver virtual interrupts, repeat.  The story of
 * one guest event, in order (docs/DESIGN.md §5):
 *
 *   1. the guest does something the monitor must see: the engine
 *      returns an exit (inc/engine.h) describing it;
 *   2. vmm_handle_exit (exit.c) emulates it, hides it (a shadow page
 *      fault) or gives it to the guest (reflected or injected);
 *      a real interrupt feeds the virtual devices;
 *   3. before re-entering, a virtual interrupt the guest can take now
 *      (its engine says the window is open, the APIC or the PIC has
 *      one: vintr_pending) is delivered.
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/vdev.h>
#include <inc/x86.h>
#include <kern/console.h>
#include <kern/monitor.h>
#include <kern/picirq.h>
#include <kern/timer.h>
#include <kern/trap.h>
#include <vmm/vmm.h>

void (*vmm_guest_trap)(struct trapframe *tf);
volatile uint32_t vmm_gp_fixup;

/* What the real PIT divides by: the guest's divisor, once it set one. */
static uint32_t real_pit_divisor;

/*
 * PIT clocks per real tick: the guest's divisor, or timer_init()'s
 * TIMER_HZ rate until it programs its PIT.
 */
static uint32_t
real_tick_pit_clocks(void)
{
	if (real_pit_divisor != 0)
		return real_pit_divisor;
	return TIMER_DIVISOR;
}

/*
 * The fastest the real PIT runs: about 10 kHz.  A guest that asks its
 * virtual PIT for more (a count of 1 is 1.19 MHz) gets its ticks at
 * this rate instead, each one still a full period of its own divisor to
 * it: its time runs slower, but the monitor does not drown in real
 * interrupts -- under TCG a #VMEXIT and an injection per microsecond
 * leave the guest no time to run, not even to program a sane count.
 */
#define REAL_PIT_MIN_DIVISOR 120

/* Run the real PIT at the rate the guest asked of its virtual one. */
static void
pit_follow_guest(void)
{
	uint32_t d = vpit_divisor(&vpit0);
	if (d != 0 && d < REAL_PIT_MIN_DIVISOR)
		d = REAL_PIT_MIN_DIVISOR;
	if (d == 0 || d == real_pit_divisor)
		return;
	real_pit_divisor = d;
	timer_set_divisor(d);
}

uint32_t
vmm_port_in(uint16_t port, int size)
{
	count(CNT_IO_IN);
	count_port(port, true);
	return vdev_in(port, size);
}

void
vmm_port_out(uint16_t port, int size, uint32_t val)
{
	count(CNT_IO_OUT);
	count_port(port, false);
	vdev_out(port, size, val);
	if (port >= PIT_PORT_FIRST && port <= PIT_PORT_LAST)
		pit_follow_guest();
}

/* PIT clocks passed, as the guest sees them: the local APIC's timer too. */
static void
apic_clocks(uint32_t pit_clocks)
{
	vlapic_advance(&vlapic0,
		       (uint64_t)pit_clocks * VLAPIC_BUS_CYCLES_PER_PIT_CLOCK);
}

void
vmm_handle_irq(int irq)
{
	switch (irq) {
	case IRQ_TIMER:
	{
		ticks++;
		/* One clock for both timers (docs/DESIGN.md §7): the rest of
		 * the period the guest's reads of the PIT did not show pass. */
		uint32_t clocks = vpit_tick(&vpit0);
		if (clocks == 0 && vpit_divisor(&vpit0) == 0)
			clocks = real_tick_pit_clocks();
		apic_clocks(clocks);
		break;
	}
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

/*
 * Every trap and interrupt in the monitor image comes here (from
 * kern/trapentry.S).  From guest code (CPL > 0): the engine that entered
 * it takes the frame and does not return here.  From the monitor itself:
 * an interrupt while it waits in hlt, or a bug.
 */
void
trap(struct trapframe *tf)
{
	if ((tf->tf_cs & 3) != 0 && vmm_guest_trap)
		vmm_guest_trap(tf);
	if ((tf->tf_cs & 3) == 0 && tf->tf_trapno == T_GPFLT &&
	    vmm_gp_fixup) {
		tf->tf_eip = vmm_gp_fixup;
		vmm_gp_fixup = 0;
		trap_return(tf);
	}
	if (tf->tf_trapno >= KIRQ_BASE) {
		vmm_handle_irq(tf->tf_trapno - KIRQ_BASE);
		trap_return(tf);
	}
	print_trapframe(tf);
	backtrace_from(tf->tf_regs.reg_ebp, tf->tf_eip);
	panic("vmm: unexpected %s in the monitor at eip %08x",
	      trapname(tf->tf_trapno), tf->tf_eip);
}

/* Wait with the real CPU halted until a virtual interrupt is pending. */
static void
wait_for_interrupt(struct vcpu *v)
{
	while (vintr_pending() < 0)
		asm volatile("sti; hlt; cli" ::: "memory");
	v->halted = false;
}

void
vcpu_halt(struct vcpu *v)
{
	count(CNT_HLT);
	if (!(vcpu_eflags(v) & FL_IF))
		vcpu_fail(v, "guest executed hlt with interrupts disabled at "
			     "eip %08x: it would sleep forever",
			  v->tf.tf_eip);
	v->halted = true;
}

/* Deliver a pending virtual interrupt if the guest can take one now. */
static void
deliver_interrupts(struct vcpu *v)
{
	if (!v->engine->events->irq_window(v))
		return;
	if (vintr_pending() < 0)
		return;
	int vector = vintr_ack();
	if (vector >= 0)
		vmm_deliver(v, &(struct event){ .vector = vector,
						.kind = DELIVER_HWINT });
}

void
vmm_run(struct vcpu *v)
{
	struct vmexit x;

	vpit_clock_hook = apic_clocks;
	for (;;) {
		deliver_interrupts(v);
		if (v->halted) {
			wait_for_interrupt(v);
			continue;
		}
		v->engine->run(v, &x);
		vmm_handle_exit(v, &x);
	}
}
