/*
 * De-privileging (Adams & Agesen §3.1): the layer lab 1 builds and the
 * software engines share -- te runs the guest kernel's own code at
 * ring 1, lab 3's bt runs its translation there.  Both need the guest's
 * descriptor tables shadowed, events reflected through the guest's IDT,
 * and the privileged instructions emulated.  Lab 1's files implement it
 * (lab1-deprivilege/segments.c, reflect.c, emulate.c); the core's exit
 * dispatch calls the emulator for the exits every engine shares.
 */
#ifndef VMMLAB_INC_DEPRIVILEGE_H
#define VMMLAB_INC_DEPRIVILEGE_H

#include <inc/engine.h>
#include <inc/mmu.h>
#include <inc/vcpu.h>
#include <inc/x86decode.h>
#include <kern/kbase.h>

/* The ring the guest kernel runs at, de-privileged. */
#define GUEST_KERNEL_RING 1

/* Shadow GDT: the guest's selectors below, the monitor's at the top. */
#define SHADOW_GDT_ENTRIES 8192
#define GUEST_GDT_MAX_ENTRIES (KSEL_ENGINE0 >> 3)

/* segments.c: shadow descriptor tables and the monitor's TSS. */
extern struct taskstate vmm_tss;
void segments_init(void);
void shadow_gdt_sync(struct vcpu *v);
bool guest_descriptor(struct vcpu *v, uint16_t sel, struct segdesc *d);
bool guest_tss_stack(struct vcpu *v, uint16_t *ss0, uint32_t *esp0);
int emulate_ltr(struct vcpu *v, uint16_t sel);
int emulate_lldt(struct vcpu *v, uint16_t sel);
int emulate_load_ss(struct vcpu *v, uint16_t sel);
/* An engine's own descriptor at KSEL_ENGINE0/1 (lab 3's segments). */
void segments_set_engine(uint16_t sel, struct segdesc d);
/* Let code at ring dpl or more privileged "int vec" straight into the
 * monitor (lab 3's callouts); every other gate stays DPL 0. */
void segments_open_gate(int vec, int dpl);

/* te_entry.S: enter the guest at *tf with iret (ring 1 or 3); return
 * when guest_leave(host_esp) is called from a trap. */
void guest_enter(struct trapframe *tf, uint32_t *host_esp);
void guest_leave(uint32_t host_esp) __attribute__((noreturn));
/* te.c: the trap in v->tf as an exit (cr2 for a #PF), v->vcpl updated. */
void deprivileged_exit(struct vcpu *v, struct vmexit *x, uint32_t cr2);

/* reflect.c: events delivered through the guest's IDT, as the CPU would. */
extern const struct event_ops reflect_events;
void reflect(struct vcpu *v, const struct event *e);
int emulate_iret(struct vcpu *v);

/* emulate.c: what an emulated instruction did. */
enum emu_result {
	EMU_NEXT = 0,	  /* done: step eip past the instruction */
	EMU_JUMPED = 1,	  /* done, and it set eip itself (iret) */
	EMU_GP = -1,	  /* the guest gets #GP, as at ring 0 */
	EMU_UNKNOWN = -2, /* not an instruction the monitor emulates */
};

/*
 * A privileged instruction at eip trapped (te: #GP at ring 1; err is the
 * #GP's error code): decode and emulate it, or give the guest the fault
 * the CPU would have given it at ring 0.
 */
void emulate_priv(struct vcpu *v, uint32_t err);
/* Port I/O as an exit describes it (in, out, ins, outs, rep). */
enum emu_result emulate_io(struct vcpu *v, uint16_t port, int size, bool in,
			   bool string, bool rep);
/* mov to (write) or from crN, through general register gpr. */
enum emu_result emulate_cr(struct vcpu *v, int cr, bool write, int gpr);

#endif
