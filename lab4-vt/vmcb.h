/*
 * AMD SVM's virtual machine control block (AMD64 Architecture
 * Programmer's Manual, volume 2, appendix B "Layout of VMCB"), and the
 * constants the vt engine uses with it (docs/DESIGN.md §11).
 *
 * One 4 KiB page, page-aligned: a control area at offset 0 (what to
 * intercept, how to enter, why the guest exited) and a state-save area
 * at 0x400 (the guest's registers, loaded by vmrun and saved by
 * #VMEXIT).  Field names follow the manual's, lower-cased; the offsets
 * are checked at compile time below, so a misplaced field cannot build.
 */
#ifndef VMMLAB_LAB4_VMCB_H
#define VMMLAB_LAB4_VMCB_H

#include <inc/types.h>

/* The control area (APM vol. 2, table B-1). */
struct vmcb_control {
	uint16_t intercept_cr_read;  /* 0x000: bit n: mov from %crN */
	uint16_t intercept_cr_write; /* 0x002: bit n: mov to %crN */
	uint16_t intercept_dr_read;  /* 0x004 */
	uint16_t intercept_dr_write; /* 0x006 */
	uint32_t intercept_exceptions; /* 0x008: bit n: exception vector n */
	uint32_t intercept_misc1;      /* 0x00C: INTERCEPT1_* */
	uint32_t intercept_misc2;      /* 0x010: INTERCEPT2_* */
	uint8_t reserved_1[0x03C - 0x014];
	uint16_t pause_filter_threshold; /* 0x03C */
	uint16_t pause_filter_count;	 /* 0x03E */
	uint64_t iopm_base_pa;		 /* 0x040: 12 KiB, bit per port */
	uint64_t msrpm_base_pa;		 /* 0x048: 8 KiB, 2 bits per MSR */
	uint64_t tsc_offset;		 /* 0x050 */
	uint32_t guest_asid;		 /* 0x058: never 0 (the host's) */
	uint8_t tlb_control;		 /* 0x05C: TLB_CONTROL_* */
	uint8_t reserved_2[3];
	uint32_t vintr;		    /* 0x060: V_TPR, V_IRQ, ... (VINTR_*) */
	uint32_t vintr_vector;	    /* 0x064: V_INTR_VECTOR, bits 0-7 */
	uint32_t interrupt_shadow;  /* 0x068: bit 0: sti/mov ss shadow */
	uint32_t reserved_3;
	uint64_t exitcode;	    /* 0x070: VMEXIT_* */
	uint64_t exitinfo1;	    /* 0x078 */
	uint64_t exitinfo2;	    /* 0x080 */
	uint32_t exitintinfo;	    /* 0x088: an event cut short (EVENT_*) */
	uint32_t exitintinfo_err;   /* 0x08C: its error code */
	uint64_t np_enable;	    /* 0x090: bit 0: nested paging */
	uint8_t reserved_4[0x0A8 - 0x098];
	uint32_t eventinj;	    /* 0x0A8: an event to inject (EVENT_*) */
	uint32_t eventinj_err;	    /* 0x0AC: its error code */
	uint64_t n_cr3;		    /* 0x0B0: the nested page table's root */
	uint64_t lbr_virtualization_enable; /* 0x0B8 */
	uint32_t vmcb_clean;		    /* 0x0C0: fields unchanged since
					       the last vmrun (0: none) */
	uint32_t reserved_5;
	uint64_t nrip;	       /* 0x0C8: the next instruction's rip, if the
				  CPU has NRIP_SAVE (QEMU's TCG: 0) */
	uint8_t guest_insn_len;	      /* 0x0D0 */
	uint8_t guest_insn_bytes[15]; /* 0x0D1 */
	uint8_t reserved_6[0x400 - 0x0E0];
} __attribute__((packed));

/* A segment register as the state-save area keeps it. */
struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib; /* descriptor bits 40-47 and 52-55, packed: SEG_ATTR */
	uint32_t limit;	 /* in bytes (the granularity already applied) */
	uint64_t base;
} __attribute__((packed));

/* The state-save area (APM vol. 2, table B-2), at 0x400. */
struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs; /* 0x400 .. 0x45F */
	struct vmcb_seg gdtr, ldtr, idtr, tr;	/* 0x460 .. 0x49F */
	uint8_t reserved_1[0x4CB - 0x4A0];
	uint8_t cpl; /* 0x4CB */
	uint32_t reserved_2;
	uint64_t efer; /* 0x4D0 */
	uint8_t reserved_3[0x548 - 0x4D8];
	uint64_t cr4;	 /* 0x548 */
	uint64_t cr3;	 /* 0x550 */
	uint64_t cr0;	 /* 0x558 */
	uint64_t dr7;	 /* 0x560 */
	uint64_t dr6;	 /* 0x568 */
	uint64_t rflags; /* 0x570 */
	uint64_t rip;	 /* 0x578 */
	uint8_t reserved_4[0x5D8 - 0x580];
	uint64_t rsp; /* 0x5D8 */
	uint8_t reserved_5[0x5F8 - 0x5E0];
	uint64_t rax;		 /* 0x5F8 */
	uint64_t star;		 /* 0x600 */
	uint64_t lstar;		 /* 0x608 */
	uint64_t cstar;		 /* 0x610 */
	uint64_t sfmask;	 /* 0x618 */
	uint64_t kernel_gs_base; /* 0x620 */
	uint64_t sysenter_cs;	 /* 0x628 */
	uint64_t sysenter_esp;	 /* 0x630 */
	uint64_t sysenter_eip;	 /* 0x638 */
	uint64_t cr2;		 /* 0x640 */
	uint8_t reserved_6[0x668 - 0x648];
	uint64_t g_pat;		     /* 0x668 */
	uint64_t dbgctl;	     /* 0x670 */
	uint64_t br_from;	     /* 0x678 */
	uint64_t br_to;		     /* 0x680 */
	uint64_t last_excp_from;     /* 0x688 */
	uint64_t last_excp_to;	     /* 0x690 */
} __attribute__((packed));

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
	uint8_t reserved[4096 - 0x400 - sizeof(struct vmcb_save)];
} __attribute__((packed));

#define VMCB_CHECK_OFFSET(type, field, off)                                    \
	_Static_assert(__builtin_offsetof(type, field) == (off),               \
		       #type "." #field " is not at " #off)
VMCB_CHECK_OFFSET(struct vmcb_control, intercept_exceptions, 0x008);
VMCB_CHECK_OFFSET(struct vmcb_control, intercept_misc2, 0x010);
VMCB_CHECK_OFFSET(struct vmcb_control, iopm_base_pa, 0x040);
VMCB_CHECK_OFFSET(struct vmcb_control, guest_asid, 0x058);
VMCB_CHECK_OFFSET(struct vmcb_control, tlb_control, 0x05C);
VMCB_CHECK_OFFSET(struct vmcb_control, vintr, 0x060);
VMCB_CHECK_OFFSET(struct vmcb_control, interrupt_shadow, 0x068);
VMCB_CHECK_OFFSET(struct vmcb_control, exitcode, 0x070);
VMCB_CHECK_OFFSET(struct vmcb_control, exitintinfo, 0x088);
VMCB_CHECK_OFFSET(struct vmcb_control, np_enable, 0x090);
VMCB_CHECK_OFFSET(struct vmcb_control, eventinj, 0x0A8);
VMCB_CHECK_OFFSET(struct vmcb_control, n_cr3, 0x0B0);
VMCB_CHECK_OFFSET(struct vmcb_control, vmcb_clean, 0x0C0);
VMCB_CHECK_OFFSET(struct vmcb_control, nrip, 0x0C8);
VMCB_CHECK_OFFSET(struct vmcb_control, guest_insn_bytes, 0x0D1);
VMCB_CHECK_OFFSET(struct vmcb, save, 0x400);
VMCB_CHECK_OFFSET(struct vmcb, save.cs, 0x410);
VMCB_CHECK_OFFSET(struct vmcb, save.gdtr, 0x460);
VMCB_CHECK_OFFSET(struct vmcb, save.tr, 0x490);
VMCB_CHECK_OFFSET(struct vmcb, save.cpl, 0x4CB);
VMCB_CHECK_OFFSET(struct vmcb, save.efer, 0x4D0);
VMCB_CHECK_OFFSET(struct vmcb, save.cr4, 0x548);
VMCB_CHECK_OFFSET(struct vmcb, save.rflags, 0x570);
VMCB_CHECK_OFFSET(struct vmcb, save.rip, 0x578);
VMCB_CHECK_OFFSET(struct vmcb, save.rsp, 0x5D8);
VMCB_CHECK_OFFSET(struct vmcb, save.rax, 0x5F8);
VMCB_CHECK_OFFSET(struct vmcb, save.sysenter_cs, 0x628);
VMCB_CHECK_OFFSET(struct vmcb, save.cr2, 0x640);
VMCB_CHECK_OFFSET(struct vmcb, save.g_pat, 0x668);
VMCB_CHECK_OFFSET(struct vmcb, save.last_excp_to, 0x690);
_Static_assert(sizeof(struct vmcb) == 4096, "the VMCB is one page");

/* intercept_misc1 */
#define INTERCEPT1_INTR (1u << 0)
#define INTERCEPT1_NMI (1u << 1)
#define INTERCEPT1_SMI (1u << 2)
#define INTERCEPT1_INIT (1u << 3)
#define INTERCEPT1_VINTR (1u << 4)
#define INTERCEPT1_CR0_SEL_WRITE (1u << 5)
#define INTERCEPT1_RDTSC (1u << 14)
#define INTERCEPT1_RDPMC (1u << 15)
#define INTERCEPT1_PUSHF (1u << 16)
#define INTERCEPT1_POPF (1u << 17)
#define INTERCEPT1_CPUID (1u << 18)
#define INTERCEPT1_RSM (1u << 19)
#define INTERCEPT1_IRET (1u << 20)
#define INTERCEPT1_INTN (1u << 21)
#define INTERCEPT1_INVD (1u << 22)
#define INTERCEPT1_PAUSE (1u << 23)
#define INTERCEPT1_HLT (1u << 24)
#define INTERCEPT1_INVLPG (1u << 25)
#define INTERCEPT1_INVLPGA (1u << 26)
#define INTERCEPT1_IOIO_PROT (1u << 27)
#define INTERCEPT1_MSR_PROT (1u << 28)
#define INTERCEPT1_TASK_SWITCH (1u << 29)
#define INTERCEPT1_FERR_FREEZE (1u << 30)
#define INTERCEPT1_SHUTDOWN (1u << 31)

/* intercept_misc2 */
#define INTERCEPT2_VMRUN (1u << 0)
#define INTERCEPT2_VMMCALL (1u << 1)
#define INTERCEPT2_VMLOAD (1u << 2)
#define INTERCEPT2_VMSAVE (1u << 3)
#define INTERCEPT2_STGI (1u << 4)
#define INTERCEPT2_CLGI (1u << 5)
#define INTERCEPT2_SKINIT (1u << 6)
#define INTERCEPT2_RDTSCP (1u << 7)
#define INTERCEPT2_ICEBP (1u << 8)
#define INTERCEPT2_WBINVD (1u << 9)
#define INTERCEPT2_MONITOR (1u << 10)
#define INTERCEPT2_MWAIT (1u << 11)

/* The permission maps at iopm_base_pa and msrpm_base_pa: physically
 * contiguous and page-aligned (APM vol. 2 §15.10.1 and §15.11). */
#define IOPM_SIZE (3 * 4096u)  /* a bit per port, and room past 0xFFFF */
#define MSRPM_SIZE (2 * 4096u) /* two bits (read, write) per MSR */

/* tlb_control */
#define TLB_CONTROL_DO_NOTHING 0
#define TLB_CONTROL_FLUSH_ALL 1	  /* every ASID's entries */
#define TLB_CONTROL_FLUSH_GUEST 3 /* this guest's ASID only */

/* vintr */
#define VINTR_TPR_MASK 0x0000000Fu
#define VINTR_IRQ (1u << 8)	/* a virtual interrupt is pending */
#define VINTR_PRIO_SHIFT 16	/* its priority, bits 16-19 */
#define VINTR_IGN_TPR (1u << 20)
#define VINTR_MASKING (1u << 24) /* eflags.IF masks only virtual ones */

/* eventinj and exitintinfo */
#define EVENT_VECTOR(e) ((e)&0xFF)
#define EVENT_TYPE_SHIFT 8
#define EVENT_TYPE_MASK (7u << EVENT_TYPE_SHIFT)
#define EVENT_TYPE_INTR (0u << EVENT_TYPE_SHIFT)   /* external interrupt */
#define EVENT_TYPE_NMI (2u << EVENT_TYPE_SHIFT)
#define EVENT_TYPE_EXCEPTION (3u << EVENT_TYPE_SHIFT)
#define EVENT_TYPE_SOFTINT (4u << EVENT_TYPE_SHIFT) /* int n */
#define EVENT_ERR_VALID (1u << 11)
#define EVENT_VALID (1u << 31)

/* exitcode */
#define VMEXIT_CR_READ(n) (0x000 + (n))
#define VMEXIT_CR_WRITE(n) (0x010 + (n))
#define VMEXIT_EXCEPTION(v) (0x040 + (v))
#define VMEXIT_INTR 0x060
#define VMEXIT_NMI 0x061
#define VMEXIT_SMI 0x062
#define VMEXIT_INIT 0x063
#define VMEXIT_VINTR 0x064
#define VMEXIT_RDTSC 0x06E
#define VMEXIT_CPUID 0x072
#define VMEXIT_IRET 0x074
#define VMEXIT_SWINT 0x075
#define VMEXIT_INVD 0x076
#define VMEXIT_HLT 0x078
#define VMEXIT_INVLPG 0x079
#define VMEXIT_INVLPGA 0x07A
#define VMEXIT_IOIO 0x07B
#define VMEXIT_MSR 0x07C
#define VMEXIT_TASK_SWITCH 0x07D
#define VMEXIT_SHUTDOWN 0x07F
#define VMEXIT_VMRUN 0x080
#define VMEXIT_VMMCALL 0x081
#define VMEXIT_VMLOAD 0x082
#define VMEXIT_VMSAVE 0x083
#define VMEXIT_STGI 0x084
#define VMEXIT_CLGI 0x085
#define VMEXIT_SKINIT 0x086
#define VMEXIT_RDTSCP 0x087
#define VMEXIT_ICEBP 0x088
#define VMEXIT_WBINVD 0x089
#define VMEXIT_MONITOR 0x08A
#define VMEXIT_MWAIT 0x08B
#define VMEXIT_NPF 0x400
/* vmrun refused the VMCB: -1, which the manual writes as 64 bits and
 * QEMU's 32-bit CPU as 32 (0x00000000ffffffff): compare the low half. */
#define VMEXIT_INVALID 0xFFFFFFFFu
#define VMEXIT_IS_INVALID(code) ((uint32_t)(code) == VMEXIT_INVALID)

/* exitinfo1 of an IOIO exit (exitinfo2: the next instruction's rip) */
#define IOIO_TYPE_IN (1u << 0)
#define IOIO_STR (1u << 2)
#define IOIO_REP (1u << 3)
#define IOIO_SZ8 (1u << 4)
#define IOIO_SZ16 (1u << 5)
#define IOIO_SZ32 (1u << 6)
#define IOIO_A16 (1u << 7)
#define IOIO_A32 (1u << 8)
#define IOIO_PORT(info) ((uint16_t)((info) >> 16))

/* The segment attribute word: descriptor bits 40-47 in bits 0-7, bits
 * 52-55 (AVL, L, D/B, G) in bits 8-11. */
#define SEG_ATTR_TYPE(t) ((t)&0xF)
#define SEG_ATTR_S (1u << 4) /* code or data, not system */
#define SEG_ATTR_DPL(d) (((d)&3) << 5)
#define SEG_ATTR_P (1u << 7)
#define SEG_ATTR_AVL (1u << 8)
#define SEG_ATTR_L (1u << 9)
#define SEG_ATTR_DB (1u << 10)
#define SEG_ATTR_G (1u << 11)

/* MSRs */
#define MSR_EFER 0xC0000080u
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)
#define EFER_SVME (1u << 12)
#define EFER_LMSLE (1u << 13)
#define EFER_FFXSR (1u << 14)
#define EFER_TCE (1u << 15)
#define MSR_VM_CR 0xC0010114u
#define VM_CR_SVMDIS (1u << 4)
#define MSR_VM_HSAVE_PA 0xC0010117u

/* cpuid 0x80000001 ecx */
#define CPUID_80000001_ECX_SVM (1u << 2)
#define CPUID_8000000A_EDX_NP (1u << 0) /* nested paging */

#endif
