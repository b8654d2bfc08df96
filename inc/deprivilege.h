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
/*
 * Shadow the guest's DPL-3 segments with their own limit instead of
 * truncating them below the hole: user code at ring 3 is kept out of the
 * hole by paging alone (its pages are supervisor-only), and lsl and
 * segment-limit faults then read as natively.  The price: a guest kernel
 * that loads a user data selector at ring 1 is no longer held back by
 * the limit (which only CPUs that enforce data limits hold anyway).
 * lab 3's bt sets it; te keeps the truncation, an obstacle it shows.
 */
extern bool segments_user_full_limit;
void segments_init(void);
/* Whether this CPU checks a data segment's limit on a load or store
 * (KVM, silicon) or not (QEMU's TCG): segments_init finds out. */
extern bool segments_limits_enforced;
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
/* An engine's own gate for vec (32, past the exceptions, up to the real
 * interrupts): a DPL-3 trap gate into sel:off, which user code's
 * "int vec" enters without the monitor (lab 3's direct system calls);
 * sel 0 gives vec back to the monitor.  Such a gate enters ring 1, on
 * the stack segments_set_ring1_stack names. */
void segments_engine_gate(int vec, uint16_t sel, uint32_t off);
void segments_set_ring1_stack(uint16_t ss, uint32_t esp);
/* The linear address of the guest's TSS (its last ltr). */
gva_t guest_tss_linear(void);

/* te_entry.S: enter the guest at *tf with iret (ring 1 or 3); return
 * when guest_leave(host_esp) is called from a trap. */
void guest_enter(struct trapframe *tf, uint32_t *host_esp);
void guest_leave(uint32_t host_esp) __attribute__((noreturn));
/* te.c: the trap in v->tf as an exit (cr2 for a #PF), v->vcpl updated. */
void deprivileged_exit(struct vcpu *v, struct vmexit *x, uint32_t cr2);

/*
 * holefault.c: a #GP(0) at eip that only the truncated limits caused (a
 * jump, call or return to the hole, a load or store there): finish what
 * the CPU does before the fetch (a call's push, a return's pop, the
 * transfer) and describe the guest's #PF as an exit; false (nothing
 * changed) if the #GP has another cause.  hole_limit_fault does the
 * same and raises the #PF in the guest at once.
 */
bool hole_limit_exit(struct vcpu *v, struct vmexit *x);
bool hole_limit_fault(struct vcpu *v);
/*
 * Before te enters the guest: is its next fetch (%cs:%eip) in the hole,
 * after an emulated far transfer, an iret or an event delivered through
 * a gate that points there?  Then *x is the #PF the fetch would raise,
 * and the guest must not be entered: the hole's pages are supervisor
 * pages, which ring 1 could run.
 */
bool hole_fetch_exit(struct vcpu *v, struct vmexit *x);
uint32_t shadow_segment_base(uint16_t sel);

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

/*
 * sensitive.c: the instructions that do not trap when the guest kernel
 * runs at ring 1 but would show it the monitor (Adams & Agesen §3.1's
 * obstacles): sgdt, sidt, sldt, str, smsw, lar, lsl, verr, verw, push
 * and mov of %cs/%ss, pushf, popf, and far jmp, call and ret.  bt calls
 * them out (CALLOUT_EMULATE), te gets the ones that trap (lret to an
 * RPL-0 selector; with UMIP, user-mode sgdt, sidt, sldt, str, smsw);
 * emulate_priv hands every one here.  Each is done as the CPU would do
 * it at the guest's privilege v->vcpl with the guest's own state.  A
 * fault the instruction takes (#PF, #GP(sel), #NP) is raised here and
 * the result is EMU_JUMPED, eip being at the guest's handler.
 */
enum emu_result emulate_sensitive(struct vcpu *v, const struct x86_insn *in);
/* Whether emulate_sensitive is the emulator for in. */
bool insn_is_sensitive(const struct x86_insn *in);

/*
 * UMIP (CR4 bit 11) makes sgdt, sidt, sldt, str and smsw fault with
 * #GP(0) at CPL > 0, so user mode cannot read the monitor's tables.
 * Option umip=on|off sets umip_enabled (an engine may turn it on at its
 * init); umip_load sets the real CR4.UMIP before the guest runs, when
 * umip_enabled or the guest's own cr4 asks for it.  umip_insn says
 * whether a user-mode #GP(0) at in is UMIP's.
 */
extern bool umip_enabled;
void umip_load(struct vcpu *v);
bool umip_insn(const struct x86_insn *in);

/*
 * segcheck.c: the rules of lar, lsl, verr and verw (SDM vol.2).  d is
 * the descriptor sel names (NULL: beyond the GDT's or LDT's limit), cpl
 * the privilege of the code asking.  Returns ZF: whether the check
 * passes; then lar's access rights (the descriptor's second dword under
 * LAR_RIGHTS_MASK) or lsl's byte-granular limit go to *value.
 */
enum seg_check {
	SEG_CHECK_LAR,
	SEG_CHECK_LSL,
	SEG_CHECK_VERR,
	SEG_CHECK_VERW,
};
#define LAR_RIGHTS_MASK 0x00F0FF00 /* type, S, DPL, P, AVL, L, D/B, G */
bool segment_check(enum seg_check op, const struct segdesc *d, uint16_t sel,
		   int cpl, uint32_t *value);

#endif
