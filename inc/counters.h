/*
 * The monitor's event counters: one table, printed at guest power-off
 * (one "vmm: counter NAME VALUE" line each, which make bench parses) and
 * by the kernel monitor's vmstat command.  Later labs add rows here.
 */
#ifndef VMMLAB_INC_COUNTERS_H
#define VMMLAB_INC_COUNTERS_H

#include <inc/types.h>

/* X(id, "printed name") */
#define VMM_COUNTERS(X)                                                        \
	X(TRAPS, "traps")                   /* every entry from the guest */   \
	X(TRAP_GP, "traps.gp")              /* #GP: mostly privileged ops */   \
	X(TRAP_PF, "traps.pf")              /* #PF */                         \
	X(TRAP_OTHER_EXC, "traps.exception") /* other exceptions */            \
	X(TRAP_SOFTINT, "traps.softint")    /* int n (system calls) */         \
	X(TRAP_IRQ, "traps.irq")            /* real device interrupts */       \
	X(EMULATED, "emulated")             /* instructions emulated */        \
	X(REFLECTED, "reflected")           /* exceptions given to the guest */ \
	X(VIRQ_INJECTED, "virq.injected")   /* virtual interrupts delivered */ \
	X(PF_HIDDEN, "pf.hidden")           /* filled the shadow, resumed */   \
	X(PF_TRUE, "pf.true")               /* reflected to the guest */       \
	X(PF_TRACE, "pf.trace")             /* writes to traced pages (lab 2) */ \
	X(MMIO, "mmio")                     /* device-register accesses, \
					       emulated */                   \
	X(PF_WP_CLEAR, "pf.wpclear")        /* kernel writes to read-only pages, \
					       emulated: cr0.WP is clear */  \
	X(SHADOW_REBUILDS, "shadow.rebuilds") /* address spaces built anew */ \
	X(SHADOW_HITS, "shadow.hits")       /* cr3 loads of a cached shadow */ \
	X(SHADOW_EVICTIONS, "shadow.evictions") /* shadow pages reclaimed */  \
	X(SHADOW_ADAPT, "shadow.adapt")     /* tables dropped: write flood */  \
	X(SHADOW_EAGER, "shadow.eager")     /* PTEs propagated on a trace */   \
	X(SHADOW_FILLS, "shadow.fills")     /* shadow PTEs filled */          \
	X(IO_IN, "io.in")                   /* emulated in/ins */             \
	X(IO_OUT, "io.out")                 /* emulated out/outs */           \
	X(IO_UNKNOWN, "io.unknown")         /* accesses to unclaimed ports */  \
	X(HLT, "hlt")                       /* emulated hlt */               \
	X(BT_TUS, "bt.tus")                 /* translation units made */     \
	X(BT_INSNS, "bt.insns")             /* guest instructions translated */ \
	X(BT_IDENT, "bt.ident")             /* ... copied as they are */     \
	X(BT_CYCLES, "bt.cycles")           /* cycles spent translating */   \
	X(BT_TC_BYTES, "bt.tc_bytes")       /* translation cache in use */   \
	X(BT_FLUSHES, "bt.flushes")         /* whole-cache flushes */        \
	X(BT_CHAINED, "bt.chained")         /* jumps chained unit to unit */ \
	X(BT_CONTINUATIONS, "bt.continuations") /* continuations taken */    \
	X(BT_IND_HITS, "bt.ind.hits")       /* inline indirect lookups hit */ \
	X(BT_IND_MISSES, "bt.ind.misses")   /* ... missed: a callout */      \
	X(BT_RET_PREDICTED, "bt.ret.predicted") /* rets given their target */ \
	X(BT_IND_PREDICTED, "bt.ind.predicted") /* jmp *, call * given */ \
	                                    /* their target */                \
	X(BT_GATE, "bt.gate.direct")        /* system calls through the */    \
	                                    /* direct gate, no monitor */     \
	X(BT_GATE_SLOW, "bt.gate.slow")     /* ... that the monitor finished */ \
	X(BT_CALLOUT_EMULATE, "bt.callout.emulate") /* sites: emulated ops */ \
	X(BT_CALLOUT_SOFTINT, "bt.callout.softint") /* sites: int n */       \
	X(BT_CALLOUT_IRQ, "bt.callout.irq") /* interrupt checks that exited */ \
	X(BT_INTC_CLI, "bt.intc.cli")       /* sites emulated in the TC */   \
	X(BT_INTC_STI, "bt.intc.sti")                                        \
	X(BT_INTC_PUSHF, "bt.intc.pushf")                                    \
	X(BT_INTC_POPF, "bt.intc.popf")                                      \
	X(BT_INTC_SEG, "bt.intc.seg")       /* push %cs, mov %ss, ... */     \
	X(BT_INTC_CR, "bt.intc.cr")         /* mov from %crN */              \
	X(BT_SMC, "bt.smc")                 /* code pages written: dropped */ \
	X(BT_ADAPT, "bt.adapt")             /* instructions made SIMULATE */ \
	X(BT_SIMULATED, "bt.simulated")     /* SIMULATE callouts run */      \
	X(BT_REVERT, "bt.revert")           /* ... and made IDENT again */  \
	X(VT_VMRUNS, "vt.vmruns")           /* entries into the guest */     \
	X(VT_REINJECTED, "vt.reinjected")   /* events an exit cut short */   \
	X(VT_VMRUN_FAILURES, "vt.vmrun_failures") /* VMCBs vmrun refused */

enum vmm_counter {
#define X(id, name) CNT_##id,
	VMM_COUNTERS(X)
#undef X
	NCOUNTERS
};

extern uint64_t vmm_counters[NCOUNTERS];
extern const char *const vmm_counter_names[NCOUNTERS];

static inline void
count(enum vmm_counter c)
{
	vmm_counters[c]++;
}

/* Per-opcode and per-port detail, printed only when non-zero. */
struct x86_insn;
void count_insn(const struct x86_insn *in);
void count_exit(int kind); /* enum exit_kind */
void count_port(uint16_t port, bool in);
void counters_print(void);

#endif
