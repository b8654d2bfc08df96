/*
 * i386 paging and segmentation, as the Intel SDM vol. 3A describes them
 * (chapters 3 and 4).  Shared by the guest OS and the monitor: the
 * monitor reads the guest's page tables and descriptors with these same
 * definitions.
 */
#ifndef VMMLAB_INC_MMU_H
#define VMMLAB_INC_MMU_H

#ifndef __ASSEMBLER__
#include <inc/types.h>
#endif

/* A linear address: | PDX (10) | PTX (10) | offset (12) |  (SDM 4.3) */
#define PGSIZE 4096u
#define PGSHIFT 12
#define PTSIZE (PGSIZE * NPTENTRIES) /* bytes mapped by one PDE: 4 MiB */
#define PDXSHIFT 22
#define NPDENTRIES 1024
#define NPTENTRIES 1024

#define PDX(la) ((((uint32_t)(la)) >> PDXSHIFT) & 0x3FF)
#define PTX(la) ((((uint32_t)(la)) >> PGSHIFT) & 0x3FF)
#define PGOFF(la) (((uint32_t)(la)) & 0xFFF)
#define PGADDR(d, t, o) ((void *)((d) << PDXSHIFT | (t) << PGSHIFT | (o)))

/* Page directory and page table entry bits (SDM table 4-5, 4-6). */
#define PTE_P 0x001   /* present */
#define PTE_W 0x002   /* writeable */
#define PTE_U 0x004   /* user */
#define PTE_PWT 0x008 /* write-through */
#define PTE_PCD 0x010 /* cache disable */
#define PTE_A 0x020   /* accessed */
#define PTE_D 0x040   /* dirty */
#define PTE_PS 0x080  /* 4 MiB page (PDE only, needs CR4.PSE) */
#define PTE_G 0x100   /* global */
/* Bits 9-11 are free for the OS.  The guest OS uses one of them: */
#define PTE_COW 0x800 /* copy-on-write: read-only until the next write */
#define PTE_AVAIL 0xE00
#define PTE_FLAGS 0xFFF

#define PTE_ADDR(pte) ((physaddr_t)(pte) & ~0xFFFu)
/* The 4 MiB frame of a PDE with PTE_PS (and CR4.PSE), and an offset in it. */
#define PDE_BIG_ADDR(pde) ((physaddr_t)(pde) & ~(PTSIZE - 1))
#define BIG_OFF(va) ((uint32_t)(va) & (PTSIZE - 1))

/* Control register bits (SDM 2.5). */
#define CR0_PE 0x00000001 /* protection enable */
#define CR0_MP 0x00000002 /* monitor coprocessor */
#define CR0_EM 0x00000004 /* emulation */
#define CR0_TS 0x00000008 /* task switched */
#define CR0_ET 0x00000010 /* extension type */
#define CR0_NE 0x00000020 /* numeric error */
#define CR0_WP 0x00010000 /* write protect (applies to ring 0) */
#define CR0_AM 0x00040000 /* alignment mask */
#define CR0_NW 0x20000000 /* not write-through */
#define CR0_CD 0x40000000 /* cache disable */
#define CR0_PG 0x80000000 /* paging */

#define CR4_VME 0x00000001
#define CR4_PVI 0x00000002
#define CR4_TSD 0x00000004 /* rdtsc privileged */
#define CR4_DE 0x00000008
#define CR4_PSE 0x00000010 /* 4 MiB pages */
#define CR4_PAE 0x00000020
#define CR4_MCE 0x00000040
#define CR4_PGE 0x00000080 /* global pages */
#define CR4_PCE 0x00000100
#define CR4_OSFXSR 0x00000200
#define CR4_OSXMMEXCPT 0x00000400
#define CR4_UMIP 0x00000800 /* sgdt, sidt, sldt, str, smsw #GP at CPL > 0 */

/* Page-fault error code bits (SDM 4.7). */
#define FEC_P 0x1 /* 0: not present, 1: protection violation */
#define FEC_W 0x2 /* caused by a write */
#define FEC_U 0x4 /* in user mode */
#define FEC_RSV 0x8

/* EFLAGS (SDM 2.3). */
#define FL_CF 0x00000001
#define FL_PF 0x00000004
#define FL_AF 0x00000010
#define FL_ZF 0x00000040
#define FL_SF 0x00000080
#define FL_TF 0x00000100
#define FL_IF 0x00000200
#define FL_DF 0x00000400
#define FL_OF 0x00000800
#define FL_IOPL_MASK 0x00003000
#define FL_IOPL_SHIFT 12
#define FL_NT 0x00004000
#define FL_RF 0x00010000
#define FL_VM 0x00020000
#define FL_AC 0x00040000
#define FL_VIF 0x00080000
#define FL_VIP 0x00100000
#define FL_ID 0x00200000
#define FL_RESERVED1 0x00000002 /* always reads as 1 */

/* Segment selectors (SDM 3.4.2). */
#define SEL_RPL(sel) ((sel) & 3)
#define SEL_TI 0x4
#define SEL_INDEX(sel) ((sel) >> 3)

/* Application segment type bits (SDM table 3-1). */
#define STA_X 0x8 /* executable */
#define STA_E 0x4 /* expand down (data) */
#define STA_C 0x4 /* conforming (code) */
#define STA_W 0x2 /* writeable (data) */
#define STA_R 0x2 /* readable (code) */
#define STA_A 0x1 /* accessed */

/* System segment and gate types (SDM table 3-2). */
#define STS_T16A 0x1 /* 16-bit TSS, available */
#define STS_LDT 0x2
#define STS_T16B 0x3
#define STS_CG16 0x4
#define STS_TG 0x5 /* task gate */
#define STS_IG16 0x6
#define STS_TG16 0x7
#define STS_T32A 0x9 /* 32-bit TSS, available */
#define STS_T32B 0xB /* 32-bit TSS, busy */
#define STS_CG32 0xC /* call gate */
#define STS_IG32 0xE /* interrupt gate: clears IF */
#define STS_TG32 0xF /* trap gate: leaves IF */

#ifdef __ASSEMBLER__

/* A null descriptor and a flat 4 GiB segment, for boot-time GDTs. */
#define SEG_NULLASM .word 0, 0; .byte 0, 0, 0, 0
#define SEG_ASM(type, base, lim)                                               \
	.word(((lim) >> 12) & 0xffff), ((base)&0xffff);                        \
	.byte(((base) >> 16) & 0xff), (0x90 | (type)),                         \
		(0xC0 | (((lim) >> 28) & 0xf)), (((base) >> 24) & 0xff)

#else

typedef uint32_t pte_t;
typedef uint32_t pde_t;

/* A segment descriptor (SDM figure 3-8). */
struct segdesc {
	unsigned sd_lim_15_0 : 16;
	unsigned sd_base_15_0 : 16;
	unsigned sd_base_23_16 : 8;
	unsigned sd_type : 4; /* STA_ or STS_ */
	unsigned sd_s : 1;    /* 0 = system, 1 = application */
	unsigned sd_dpl : 2;
	unsigned sd_p : 1;
	unsigned sd_lim_19_16 : 4;
	unsigned sd_avl : 1;
	unsigned sd_rsv1 : 1;
	unsigned sd_db : 1; /* 0 = 16-bit, 1 = 32-bit */
	unsigned sd_g : 1;  /* limit in 4 KiB units */
	unsigned sd_base_31_24 : 8;
};
STATIC_ASSERT(sizeof(struct segdesc) == 8);

#define SEG_NULL ((struct segdesc){ 0 })
/* A 4 KiB-granular 32-bit application segment. */
#define SEG(type, base, lim, dpl)                                              \
	((struct segdesc){ ((lim) >> 12) & 0xffff, (base)&0xffff,              \
			   ((base) >> 16) & 0xff, type, 1, dpl, 1,             \
			   (unsigned)(lim) >> 28, 0, 0, 1, 1,                  \
			   (unsigned)(base) >> 24 })
/* A byte-granular system segment (a TSS or an LDT). */
#define SEG16(type, base, lim, dpl)                                            \
	((struct segdesc){ (lim)&0xffff, (base)&0xffff, ((base) >> 16) & 0xff, \
			   type, 0, dpl, 1, (unsigned)(lim) >> 16, 0, 0, 1, 0, \
			   (unsigned)(base) >> 24 })

static inline uint32_t
segdesc_base(const struct segdesc *sd)
{
	return sd->sd_base_15_0 | sd->sd_base_23_16 << 16 |
	       (uint32_t)sd->sd_base_31_24 << 24;
}

/* The segment limit in bytes, granularity applied. */
static inline uint32_t
segdesc_limit(const struct segdesc *sd)
{
	uint32_t lim = sd->sd_lim_15_0 | sd->sd_lim_19_16 << 16;
	return sd->sd_g ? (lim << 12) | 0xFFF : lim;
}

/* The 32-bit task state segment (SDM figure 7-2). */
struct taskstate {
	uint32_t ts_link;
	uint32_t ts_esp0;
	uint16_t ts_ss0, ts_pad0;
	uint32_t ts_esp1;
	uint16_t ts_ss1, ts_pad1;
	uint32_t ts_esp2;
	uint16_t ts_ss2, ts_pad2;
	uint32_t ts_cr3;
	uint32_t ts_eip;
	uint32_t ts_eflags;
	uint32_t ts_eax, ts_ecx, ts_edx, ts_ebx;
	uint32_t ts_esp, ts_ebp, ts_esi, ts_edi;
	uint16_t ts_es, ts_pad3;
	uint16_t ts_cs, ts_pad4;
	uint16_t ts_ss, ts_pad5;
	uint16_t ts_ds, ts_pad6;
	uint16_t ts_fs, ts_pad7;
	uint16_t ts_gs, ts_pad8;
	uint16_t ts_ldt, ts_pad9;
	uint16_t ts_t;
	uint16_t ts_iomb; /* offset of the I/O permission bitmap */
};
STATIC_ASSERT(sizeof(struct taskstate) == 104);

/* An interrupt, trap or task gate (SDM figure 6-2). */
struct gatedesc {
	unsigned gd_off_15_0 : 16;
	unsigned gd_sel : 16;
	unsigned gd_args : 5;
	unsigned gd_rsv1 : 3;
	unsigned gd_type : 4; /* STS_IG32, STS_TG32, STS_TG */
	unsigned gd_s : 1;    /* must be 0 */
	unsigned gd_dpl : 2;  /* lowest CPL that may use "int n" on it */
	unsigned gd_p : 1;
	unsigned gd_off_31_16 : 16;
};
STATIC_ASSERT(sizeof(struct gatedesc) == 8);

static inline void
gate_set(struct gatedesc *g, unsigned type, uint16_t sel, uint32_t off,
	 unsigned dpl)
{
	g->gd_off_15_0 = off & 0xffff;
	g->gd_sel = sel;
	g->gd_args = 0;
	g->gd_rsv1 = 0;
	g->gd_type = type;
	g->gd_s = 0;
	g->gd_dpl = dpl;
	g->gd_p = 1;
	g->gd_off_31_16 = off >> 16;
}

static inline uint32_t
gate_offset(const struct gatedesc *g)
{
	return g->gd_off_15_0 | (uint32_t)g->gd_off_31_16 << 16;
}

/* The operand of lgdt/lidt/sgdt/sidt. */
struct pseudodesc {
	uint16_t pd_lim;
	uint32_t pd_base;
} __attribute__((packed));

#endif /* !__ASSEMBLER__ */

#endif
