/*
 * The virtual CPU: everything the guest believes about its processor
 * that the real one does not hold while the monitor is in charge.
 *
 * Registers live in tf exactly as the hardware last saw them (so %cs and
 * %ss carry RPL 1 while the guest kernel runs de-privileged); the fields
 * after it hold the state the guest may not touch directly: its IF and
 * IOPL, its privilege level, control registers and descriptor-table
 * registers.  Every execution engine (te, bt, vt) runs one of these.
 */
#ifndef VMMLAB_INC_VCPU_H
#define VMMLAB_INC_VCPU_H

#include <inc/mmu.h>
#include <inc/trap.h>
#include <inc/types.h>

struct engine;
struct shadow_mmu;
struct shadow_hw;

struct vcpu {
	struct trapframe tf;	/* guest registers, hardware view */
	uint32_t vflags;	/* guest-visible FL_IF and FL_IOPL_MASK bits */
	int vcpl;		/* 0: guest kernel, 3: guest user */

	uint32_t vcr0, vcr2, vcr3, vcr4;
	struct pseudodesc vgdtr, vidtr;
	uint16_t vldtr, vtr;

	bool sti_shadow;	/* sti just emulated: no interrupt before the
				   next instruction (SDM vol.2 "STI") */
	gva_t sti_shadow_eip;	/* ... which starts here */
	bool halted;		/* in hlt, waiting for an interrupt */
	bool stopped;		/* the guest was stopped by the monitor */

	/* Guest-physical memory: [0, mem_size) is host [mem_base, ...). */
	hpa_t mem_base;
	uint32_t mem_size;

	/* Bumped whenever the guest may have changed a virtual-to-physical
	   mapping it has told the CPU about (cr3, cr0.PG/WP, cr4 paging
	   bits, invlpg): a translator keyed by virtual address checks. */
	uint32_t mapping_epoch;
	/* The epoch an invlpg made, and its address: one page changed. */
	uint32_t invlpg_epoch;
	gva_t invlpg_va;

	/* What runs this vcpu (chosen at boot; a hybrid switches them). */
	const struct engine *engine;
	const struct shadow_mmu *mmu;	 /* the shadow MMU in use */
	const struct shadow_hw *mmu_hw; /* how that MMU reaches the TLB */
};

/* The guest's general registers in x86 numbering (EAX=0 .. EDI=7). */
uint32_t *vcpu_gpr(struct vcpu *v, int reg);
/* The guest-visible eflags: hardware flags with the virtual IF and IOPL. */
uint32_t vcpu_eflags(const struct vcpu *v);
/* Set the guest-visible eflags (the virtual IF/IOPL from them). */
void vcpu_set_eflags(struct vcpu *v, uint32_t eflags);

/*
 * Decode the guest's instruction at eip (flat code segments: eip is the
 * linear address), reading it with the guest kernel's rights.  Returns
 * its length, a negative X86_ERR_* if the bytes are not an instruction,
 * or VCPU_FETCH_FAULT if the code cannot be read at all.
 */
struct x86_insn;
#define VCPU_FETCH_FAULT (-100)
int vcpu_decode_at_eip(struct vcpu *v, struct x86_insn *in);

/*
 * The guest executed hlt (its eip already past it): sleep until a
 * virtual interrupt it can take.  With its IF clear it would sleep for
 * ever: stop it with a clear line instead.
 */
void vcpu_halt(struct vcpu *v);

/*
 * Stop the guest for good with a one-line reason ("vmm: ..."), print the
 * counters and exit QEMU with a failure status.  Never returns.
 */
void vcpu_fail(struct vcpu *v, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

#endif
