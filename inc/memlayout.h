/*
 * The guest OS's virtual memory layout.  The monitor hole at the top is
 * the reason this file matters to every lab: the guest never touches it,
 * so the monitor can live there in every address space (docs/DESIGN.md §2,
 * Adams & Agesen §3.1).
 *
 *  0xFFFFFFFF +------------------------------+
 *             |  monitor hole (64 MiB)       |  never used by the guest OS
 *  0xFC000000 +------------------------------+ MONHOLE
 *             |  physical memory mapped      |  kernel text, data, heap
 *             |  at KERNBASE (up to 960 MiB) |
 *  0xC0000000 +------------------------------+ KERNBASE = UTOP
 *             |  user stack, grows down      |  demand-zero pages
 *  0xBFC00000 +------------------------------+ USTACKTOP - USTACKSIZE ...
 *             |  free for sys_page_alloc     |
 *  0x00800000 +------------------------------+ UTEXT: user ELF images
 *             |  unmapped (catches NULL)     |
 *  0x00000000 +------------------------------+
 */
#ifndef VMMLAB_INC_MEMLAYOUT_H
#define VMMLAB_INC_MEMLAYOUT_H

#define KERNBASE 0xC0000000u
#define MONHOLE 0xFC000000u /* first byte of the monitor hole */
#define MONHOLE_SIZE 0x04000000u

#define UTOP KERNBASE
#define USTACKTOP 0xBFC00000u
#define USTACKSIZE (1u << 20) /* the stack may grow this far */
#define UTEXT 0x00800000u

/* Largest physical memory the kernel maps (all of KERNBASE..MONHOLE). */
#define KMAXPHYS (MONHOLE - KERNBASE)

/* Where the kernel image is loaded physically (the multiboot convention). */
#define KLOADADDR 0x00100000u

/* Kernel stack size (one stack: the kernel is not preemptible). */
#define KSTKSIZE (8 * 4096)

#ifndef __ASSEMBLER__
#define KADDR_UNCHECKED(pa) ((void *)((uint32_t)(pa) + KERNBASE))
#endif

#endif
