/*
 * The guest OS's global descriptor table layout.  Selectors are fixed so
 * that the fidelity probes print the same values on every run.
 */
#ifndef VMMLAB_KERN_GDT_H
#define VMMLAB_KERN_GDT_H

#define GD_KT 0x08     /* kernel text */
#define GD_KD 0x10     /* kernel data */
#define GD_UT 0x18     /* user text (DPL 3) */
#define GD_UD 0x20     /* user data (DPL 3) */
#define GD_TSS 0x28    /* the task state segment */
#define GD_TSS2 0x30   /* a second TSS, used only by the ltr probe */
#define GD_LDT 0x38    /* a one-entry LDT, used only by the lldt probe */
#define GDT_ENTRIES 8

#ifndef __ASSEMBLER__
#include <inc/mmu.h>

extern struct segdesc gdt[GDT_ENTRIES];
extern struct pseudodesc gdt_pd;
extern struct taskstate kernel_tss;
void gdt_init(void);
#endif

#endif
