/*
 * What differs between the two images built from the kernel base
 * (docs/DESIGN.md §1): the guest OS maps physical memory at KERNBASE; the
 * monitor (built with -DVMM_IMAGE) lives in the hole and maps only its own
 * low physical memory there, leaving the rest of the hole for guest-memory
 * mapping slots and, in later labs, the translation cache.
 */
#ifndef VMMLAB_KERN_KBASE_H
#define VMMLAB_KERN_KBASE_H

#include <inc/memlayout.h>

#ifdef VMM_IMAGE
#define KBASE MONHOLE
/* Host-physical memory the monitor maps at MONHOLE for itself. */
#define KMAPSIZE (40u << 20)
/* The monitor's own selectors, at the top of the shadow GDT (lab 1). */
/* Two more for an engine's own use (lab 3: the translation cache's ring-1
 * code segment and its %gs area). */
#define KSEL_ENGINE0 0xFFD0
#define KSEL_ENGINE1 0xFFD8
#define KSEL_CODE 0xFFE0
#define KSEL_DATA 0xFFE8
#define KSEL_TSS 0xFFF0
#define KSEL_LDT 0xFFF8
/* Every vector enters the monitor: the guest may "int n" with any n. */
#define NTRAPVEC 256
/* Real device interrupts, away from every vector the guest may use. */
#define KIRQ_BASE 0xF0
/* The ring-0 stack for traps from the guest (vmm/holeguard.c). */
#define VMM_ENTRY_STACK_SIZE 4096
#else
#define KBASE KERNBASE
#define KMAPSIZE KMAXPHYS
#define KSEL_CODE 0x08 /* GD_KT */
#define KSEL_DATA 0x10 /* GD_KD */
#define NTRAPVEC 49    /* exceptions, IRQs and T_SYSCALL (0x30) */
#define KIRQ_BASE IRQ_OFFSET /* inc/trap.h: where the guest OS puts them */
#endif

#endif
