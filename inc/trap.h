/*
 * Trap numbers and the trap frame, shared by the guest OS and the
 * monitor (which builds frames of the same shape for the guest).
 */
#ifndef VMMLAB_INC_TRAP_H
#define VMMLAB_INC_TRAP_H

/* Processor exceptions (SDM vol. 3A table 6-1). */
#define T_DIVIDE 0   /* divide error */
#define T_DEBUG 1    /* debug exception */
#define T_NMI 2      /* non-maskable interrupt */
#define T_BRKPT 3    /* breakpoint */
#define T_OFLOW 4    /* overflow */
#define T_BOUND 5    /* bounds check */
#define T_ILLOP 6    /* invalid opcode */
#define T_DEVICE 7   /* device not available */
#define T_DBLFLT 8   /* double fault */
#define T_COPROC 9   /* reserved (coprocessor segment overrun) */
#define T_TSS 10     /* invalid task switch segment */
#define T_SEGNP 11   /* segment not present */
#define T_STACK 12   /* stack exception */
#define T_GPFLT 13   /* general protection fault */
#define T_PGFLT 14   /* page fault */
#define T_RES 15     /* reserved */
#define T_FPERR 16   /* floating point error */
#define T_ALIGN 17   /* alignment check */
#define T_MCHK 18    /* machine check */
#define T_SIMDERR 19 /* SIMD floating point error */
#define T_NEXCEPTIONS 32

/* Hardware interrupts arrive at IRQ_OFFSET + irq (the PICs are remapped). */
#define IRQ_OFFSET 32
#define IRQ_TIMER 0
#define IRQ_SERIAL 4
#define IRQ_SPURIOUS 7
#define IRQ_SPURIOUS2 15
#define NIRQS 16

/* T_SYSCALL (0x30) is in inc/syscall.h. */

/* Does exception n push an error code? (SDM vol. 3A 6.13) */
#define TRAP_HAS_ERRCODE(n)                                                    \
	((n) == T_DBLFLT || ((n) >= T_TSS && (n) <= T_PGFLT) ||                \
	 (n) == T_ALIGN)

#ifndef __ASSEMBLER__

#include <inc/types.h>

/* What pushal pushes, lowest address first. */
struct pushregs {
	uint32_t reg_edi;
	uint32_t reg_esi;
	uint32_t reg_ebp;
	uint32_t reg_oesp; /* ignored by popal */
	uint32_t reg_ebx;
	uint32_t reg_edx;
	uint32_t reg_ecx;
	uint32_t reg_eax;
};

/*
 * The state saved on a trap: general registers and data segments pushed
 * by the entry code, then the vector and error code, then what the CPU
 * pushed (esp and ss only when the trap changed privilege level).
 */
struct trapframe {
	struct pushregs tf_regs;
	uint16_t tf_gs, tf_padding0;
	uint16_t tf_fs, tf_padding1;
	uint16_t tf_es, tf_padding2;
	uint16_t tf_ds, tf_padding3;
	uint32_t tf_trapno;
	uint32_t tf_err;
	uint32_t tf_eip;
	uint16_t tf_cs, tf_padding4;
	uint32_t tf_eflags;
	uint32_t tf_esp;
	uint16_t tf_ss, tf_padding5;
};
STATIC_ASSERT(sizeof(struct trapframe) == 76);

#endif /* !__ASSEMBLER__ */

#endif
