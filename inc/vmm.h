/*
 * What the monitor core (vmm/) offers the labs beyond the vcpu, guest
 * memory, engines, shadow MMUs, traces, devices and counters, which have
 * headers of their own.
 */
#ifndef VMMLAB_INC_VMM_H
#define VMMLAB_INC_VMM_H

#include <inc/types.h>
#include <kern/kbase.h>

/* The monitor's own exit statuses (grade/qemu-run documents them). */
#define EXIT_VMM_GUEST_FAILED 122 /* the monitor stopped the guest */
#define EXIT_VMM_USAGE 123	  /* bad monitor command line or image */

/* Real device interrupts arrive at KIRQ_BASE + irq (kern/kbase.h), away
 * from every vector the guest may use. */

/* A real device interrupted (irq 0..15): feed the virtual device behind it. */
void vmm_handle_irq(int irq);

/*
 * One guest port access of size bytes on the virtual devices, counted
 * per port.  Every engine's I/O goes through these.
 */
uint32_t vmm_port_in(uint16_t port, int size);
void vmm_port_out(uint16_t port, int size, uint32_t val);

/*
 * The engine running guest code at CPL > 0 (te, bt) sets this while the
 * guest runs: the monitor's trap() hands it every trap from guest code,
 * and it does not return.
 */
struct trapframe;
extern void (*vmm_guest_trap)(struct trapframe *tf);

/*
 * The hole guard (vmm/holeguard.c): while the guest runs with CR0.WP set,
 * every page of the hole is read-only to it but the entry stack and what
 * an engine keeps writable for its translated code (before arming; the
 * monitor must trust nothing it reads there).  vmm_entry_stack is where
 * the CPU pushes a trap frame from the guest (the TSS's esp0 is its top).
 */
void hole_guard_keep_writable(const void *va, size_t len);
extern uint32_t hole_guard_armed;
/* Nonzero: the guest's user mode runs with CR0.WP set as well (an engine
 * whose user code enters the guest kernel without the monitor). */
extern uint32_t hole_guard_user_wp;
extern uint8_t vmm_entry_stack[]; /* VMM_ENTRY_STACK_SIZE: kern/kbase.h */

/* Nonzero: a #GP in the monitor itself resumes there, once (a probe
 * that expects to fault). */
extern volatile uint32_t vmm_gp_fixup;

/* The vcpu the monitor runs (uniprocessor). */
extern struct vcpu vcpu0;

#endif
