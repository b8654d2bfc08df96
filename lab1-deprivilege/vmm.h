/*
 * The trap-and-emulate monitor's internal interfaces (lab 1).  The
 * layers meet at the inc/ headers (vcpu.h, gmem.h, shadow.h, engine.h,
 * vdev.h, counters.h); this header joins the files of this lab.
 */
#ifndef VMMLAB_LAB1_VMM_H
#define VMMLAB_LAB1_VMM_H

#include <inc/engine.h>
#include <inc/mmu.h>
#include <inc/vcpu.h>
#include <inc/x86decode.h>
#include <kern/kbase.h>

/*
 * The monitor's address space, all inside the hole (DESIGN §2):
 *
 *   0xFC000000  direct map of host-physical [0, KMAPSIZE): the monitor's
 *               image, stacks, page pool (shadow page tables)
 *   0xFF800000  GMEM_NSLOTS mapping slots for guest-physical pages
 *
 * Guest memory is the host-physical block [GUEST_BASE, GUEST_BASE + mem).
 */
#define GMEM_SLOTS 0xFF800000u
#define GMEM_NSLOTS 1024
#define GUEST_BASE KMAPSIZE
#define GUEST_MEM_DEFAULT_MIB 64
#define GUEST_MEM_MIN_MIB 4

/* Real device interrupts arrive here, apart from every guest vector. */
#define VMM_IRQ_BASE 0xF0

/* The monitor's own exit statuses (the runner documents them). */
#define EXIT_VMM_GUEST_FAILED 122 /* the monitor stopped the guest */
#define EXIT_VMM_USAGE 123	  /* bad monitor command line or image */

/* Shadow GDT: the guest's selectors below, the monitor's at the top. */
#define SHADOW_GDT_ENTRIES 8192
#define GUEST_GDT_MAX_ENTRIES (KSEL_CODE >> 3)

/* gmem.c */
void gmem_init(void);

/* segments.c: shadow descriptor tables and the monitor's TSS. */
extern struct taskstate vmm_tss;
void segments_init(void);
void shadow_gdt_sync(struct vcpu *v);
bool guest_descriptor(struct vcpu *v, uint16_t sel, struct segdesc *d);
int emulate_ltr(struct vcpu *v, uint16_t sel);
int emulate_lldt(struct vcpu *v, uint16_t sel);
int emulate_load_ss(struct vcpu *v, uint16_t sel);

/* reflect.c: give the guest an exception or interrupt, as the CPU would. */
enum deliver {
	DELIVER_EXCEPTION, /* from the guest's execution */
	DELIVER_SOFTINT,   /* int n: the gate's DPL is checked */
	DELIVER_HWINT,	   /* a virtual device interrupt */
};
void reflect(struct vcpu *v, int vector, bool has_err, uint32_t err,
	     enum deliver kind);
int emulate_iret(struct vcpu *v);

/* emulate.c: instructions that trapped at ring 1. */
void emulate_gp(struct vcpu *v);
int vcpu_decode_at_eip(struct vcpu *v, struct x86_insn *in);

/* vmm_run.c: the main loop and device glue. */
void vmm_run(struct vcpu *v, const struct engine *e) __attribute__((noreturn));
void vmm_handle_irq(int irq);
void vmm_pit_reprogram(void);
extern struct vcpu vcpu0;

/* loader.c: the guest image and its multiboot information. */
int load_guest(struct vcpu *v, const void *image, size_t size,
	       const char *cmdline);

/* counters.c */
void count_insn(const struct x86_insn *in);

#endif
