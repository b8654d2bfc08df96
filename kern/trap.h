/* Traps, interrupts and exceptions in the guest OS. */
#ifndef VMMLAB_KERN_TRAP_H
#define VMMLAB_KERN_TRAP_H

#include <inc/mmu.h>
#include <inc/trap.h>

extern struct gatedesc idt[256];
extern struct pseudodesc idt_pd;

void trap_init(void);
void print_trapframe(const struct trapframe *tf);
void trap(struct trapframe *tf) __attribute__((noreturn));
void trap_return(const struct trapframe *tf) __attribute__((noreturn));
const char *trapname(int trapno);

/*
 * A kernel-mode fault the probes expect: if set, trap() resumes at
 * probe_fixup_eip instead of panicking on a kernel exception probe_trapno,
 * counts it in probe_faults and keeps a copy of the trap frame -- the
 * registers, eip and eflags at the fault -- in probe_tf.  The recovery
 * runs with the faulting code's registers, %esp and flags, except eip
 * and TF.
 */
#define PROBE_ANY_TRAP (-2) /* probe_trapno: any exception */
extern volatile int probe_trapno;
extern volatile int probe_last_trapno;
extern volatile uint32_t probe_fixup_eip;
extern volatile uint32_t probe_faults;
extern struct trapframe probe_tf;

#endif
