/*
 * The checks vmrun makes before it loads a guest, one rule each, in the
 * order AMD's manual lists them (APM vol. 2 §15.5.1 "Canonicalization
 * and Consistency Checks"; the event injection rules are §15.20's).  A
 * VMCB that fails any of them is not run: the CPU writes VMEXIT_INVALID
 * into exitcode and goes straight back to the monitor, with no word on
 * which check it was.  QEMU's TCG, on which these labs run, makes most
 * of them in target/i386/tcg/sysemu/svm_helper.c (helper_vmrun).
 *
 * Two departures from the manual's list, both because this monitor is
 * 32-bit and its guests never enter long mode:
 *
 *   - The manual's "EFER.LME or EFER.LMA set on a CPU without long
 *     mode" (qemu32, the lab's CPU, has none) is the rule efer.lme, and
 *     it comes after the three rules about LME with paging.  On the CPU
 *     it comes first, so those three could never be seen failing; here
 *     each names its own mistake, and efer.lme catches the rest.
 *   - CR3's bits 63:32 must be zero outside long mode, where CR3 is a
 *     32-bit register (QEMU looks at CR3 only in long mode; there the
 *     rule keeps the architectural limit, bits 63:52).
 *
 * After the manual's rules come a few of the monitor's own (source
 * "monitor"): states vmrun loads without a word but that no x86 CPU can
 * be in, or that the vt engine never means to make.  Each says why.
 *
 * Each rule has a breaker beside it: the smallest change that makes a
 * good VMCB fail that rule first (vmcb_break=NAME, and the unit test).
 */
#include <inc/mmu.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/trap.h>
#include <inc/types.h>
#include <lab4-vt/vmcb_check.h>

/* CR4 bits inc/mmu.h need not name: the guest OS uses none of them
 * (AMD APM vol. 2 §3.1.3). */
#ifndef CR4_OSXMMEXCPT
#define CR4_OSXMMEXCPT 0x00000400
#endif
#ifndef CR4_VMXE
#define CR4_VMXE 0x00002000 /* Intel's VMX: reserved on AMD */
#endif
#ifndef CR4_FSGSBASE
#define CR4_FSGSBASE 0x00010000
#endif
#ifndef CR4_PCIDE
#define CR4_PCIDE 0x00020000
#endif
#ifndef CR4_OSXSAVE
#define CR4_OSXSAVE 0x00040000
#endif
#ifndef CR4_SMEP
#define CR4_SMEP 0x00100000
#endif
#ifndef CR4_SMAP
#define CR4_SMAP 0x00200000
#endif
#ifndef CR4_PKE
#define CR4_PKE 0x00400000
#endif

/*
 * The CR4 bits an AMD CPU may define; every other bit is must-be-zero.
 * LA57 (bit 12) is left out: it only means something in long mode.  This
 * is the widest set: a CPU without one of the features (qemu32 has none
 * from FSGSBASE on) refuses its bit too.
 */
#define CR4_ALLOWED                                                            \
	(CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE |  \
	 CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_UMIP |          \
	 CR4_FSGSBASE | CR4_PCIDE | CR4_OSXSAVE | CR4_SMEP | CR4_SMAP |        \
	 CR4_PKE)

/* The EFER bits the manual defines (APM vol. 2 §3.1.7). */
#define EFER_ALLOWED                                                           \
	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME | EFER_LMSLE |  \
	 EFER_FFXSR | EFER_TCE)

/* The 64-bit VMCB fields of 32-bit registers: bits 63:32 must be zero.
 * The breakers set bit 63, which is must-be-zero in long mode too. */
#define HIGH32 0xFFFFFFFF00000000ull
#define BIT63  (1ull << 63)
/* In long mode CR3 holds a physical address: at most 52 bits. */
#define PA_ARCH_BITS  52
#define CR3_LONG_MBZ  (~0ull << PA_ARCH_BITS)
#define PA_ARCH_LIMIT (1ull << PA_ARCH_BITS)
/* All a 32-bit monitor can address. */
#define PA_MONITOR_LIMIT (1ull << 32)

/* The exception vectors eventinj may carry: 0-30 but 2 (the NMI).
 * The manual says "a vector that does not correspond to an exception";
 * QEMU refuses 31 as well, which no CPU uses. */
#define EXCEPTION_VECTOR_LIMIT 31
/* The lowest reserved event type, the breaker's. */
#define EVENT_TYPE_RESERVED (1u << EVENT_TYPE_SHIFT)

static unsigned long long
ull(uint64_t x)
{
	return x;
}

static uint64_t
lowest_bit(uint64_t mask)
{
	return mask & -mask;
}

/* Write one line into why (if there is room) and say the rule failed. */
static bool __attribute__((format(printf, 3, 4)))
explain(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return true;
}

static unsigned
seg_dpl(const struct vmcb_seg *seg)
{
	return (seg->attrib & SEG_ATTR_DPL(3)) / SEG_ATTR_DPL(1);
}

static bool
lme_with_paging(const struct vmcb_save *s)
{
	return (s->efer & EFER_LME) && (s->cr0 & CR0_PG);
}

/* ---- Control and debug registers, EFER (APM vol. 2 §15.5.1) ---- */

/* SVM stays enabled while the guest runs: vmrun loads the guest's EFER
 * from the VMCB, and refuses one with SVME clear. */
static bool
fails_efer_svme(const struct vmcb *vmcb, char *why, size_t why_len)
{
	if (vmcb->save.efer & EFER_SVME)
		return false;
	return explain(why, why_len,
		       "EFER.SVME is 0 in the guest state (EFER 0x%llx): "
		       "vmrun requires it set",
		       ull(vmcb->save.efer));
}

static void
break_efer_svme(struct vmcb *vmcb)
{
	vmcb->save.efer &= ~(uint64_t)EFER_SVME;
}

/* Not-write-through without cache-disable is an invalid combination:
 * mov to %cr0 raises #GP for it, and vmrun refuses it. */
static bool
fails_cr0_cd_nw(const struct vmcb *vmcb, char *why, size_t why_len)
{
	// LAB 4: Exercise 5.  Rule cr0.cd_nw: fail, saying why, on
	// NW set with CD clear.
	// BEGIN LAB 4 SOLUTION
	uint64_t cr0 = vmcb->save.cr0;
	if (!(cr0 & CR0_NW) || (cr0 & CR0_CD))
		return false;
	return explain(why, why_len,
		       "CR0 0x%llx has NW set and CD clear: mov to %%cr0 "
		       "would #GP, vmrun refuses it",
		       ull(cr0));
	// STUB: return explain(why, why_len, "lab 4: exercise 5 (check "
	// STUB: 		       "cr0.cd_nw) not implemented");
	// END LAB 4 SOLUTION
}

static void
break_cr0_cd_nw(struct vmcb *vmcb)
{
	vmcb->save.cr0 = (vmcb->save.cr0 | CR0_NW) & ~(uint64_t)CR0_CD;
}

static bool
fails_cr0_mbz(const struct vmcb *vmcb, char *why, size_t why_len)
{
	// LAB 4: Exercise 5.  Rule cr0.mbz: fail, saying why, on
	// CR0's bits 63:32 (HIGH32).
	// BEGIN LAB 4 SOLUTION
	if (!(vmcb->save.cr0 & HIGH32))
		return false;
	return explain(why, why_len,
		       "CR0 0x%llx has bits set above bit 31, which must be "
		       "zero",
		       ull(vmcb->save.cr0));
	// STUB: return explain(why, why_len, "lab 4: exercise 5 (check "
	// STUB: 		       "cr0.mbz) not implemented");
	// END LAB 4 SOLUTION
}

static void
break_cr0_mbz(struct vmcb *vmcb)
{
	vmcb->save.cr0 |= BIT63;
}

/* Without long mode CR3 is a 32-bit register (legacy PAE too). */
static bool
fails_cr3_mbz(const struct vmcb *vmcb, char *why, size_t why_len)
{
	bool lma = vmcb->save.efer & EFER_LMA;
	uint64_t mbz = lma ? CR3_LONG_MBZ : HIGH32;
	if (!(vmcb->save.cr3 & mbz))
		return false;
	return explain(why, why_len,
		       "CR3 0x%llx has bits set above bit %d, which must be "
		       "zero %s",
		       ull(vmcb->save.cr3), lma ? PA_ARCH_BITS - 1 : 31,
		       lma ? "in long mode" : "outside long mode");
}

static void
break_cr3_mbz(struct vmcb *vmcb)
{
	vmcb->save.cr3 |= BIT63;
}

static bool
fails_cr4_mbz(const struct vmcb *vmcb, char *why, size_t why_len)
{
	// LAB 4: Exercise 5.  Rule cr4.mbz: fail, saying why, on
	// a bit outside CR4_ALLOWED.
	// BEGIN LAB 4 SOLUTION
	uint64_t bad = vmcb->save.cr4 & ~(uint64_t)CR4_ALLOWED;
	if (!bad)
		return false;
	return explain(why, why_len,
		       "CR4 0x%llx sets reserved bits 0x%llx (an AMD CPU "
		       "defines at most 0x%x)",
		       ull(vmcb->save.cr4), ull(bad), (unsigned)CR4_ALLOWED);
	// STUB: return explain(why, why_len, "lab 4: exercise 5 (check "
	// STUB: 		       "cr4.mbz) not implemented");
	// END LAB 4 SOLUTION
}

/* VMXE: Intel's VMX enable, the classic one to set on the wrong CPU. */
static void
break_cr4_mbz(struct vmcb *vmcb)
{
	vmcb->save.cr4 |= CR4_VMXE;
}

static bool
fails_dr6_mbz(const struct vmcb *vmcb, char *why, size_t why_len)
{
	if (!(vmcb->save.dr6 & HIGH32))
		return false;
	return explain(why, why_len,
		       "DR6 0x%llx has bits set above bit 31, which must be "
		       "zero",
		       ull(vmcb->save.dr6));
}

static void
break_dr6_mbz(struct vmcb *vmcb)
{
	vmcb->save.dr6 |= BIT63;
}

static bool
fails_dr7_mbz(const struct vmcb *vmcb, char *why, size_t why_len)
{
	if (!(vmcb->save.dr7 & HIGH32))
		return false;
	return explain(why, why_len,
		       "DR7 0x%llx has bits set above bit 31, which must be "
		       "zero",
		       ull(vmcb->save.dr7));
}

static void
break_dr7_mbz(struct vmcb *vmcb)
{
	vmcb->save.dr7 |= BIT63;
}

static bool
fails_efer_mbz(const struct vmcb *vmcb, char *why, size_t why_len)
{
	// LAB 4: Exercise 5.  Rule efer.mbz: fail, saying why, on
	// a bit outside EFER_ALLOWED.
	// BEGIN LAB 4 SOLUTION
	uint64_t bad = vmcb->save.efer & ~(uint64_t)EFER_ALLOWED;
	if (!bad)
		return false;
	return explain(why, why_len,
		       "EFER 0x%llx sets reserved bits 0x%llx (defined: "
		       "0x%x)",
		       ull(vmcb->save.efer), ull(bad), EFER_ALLOWED);
	// STUB: return explain(why, why_len, "lab 4: exercise 5 (check "
	// STUB: 		       "efer.mbz) not implemented");
	// END LAB 4 SOLUTION
}

static void
break_efer_mbz(struct vmcb *vmcb)
{
	vmcb->save.efer |= lowest_bit(~(uint64_t)EFER_ALLOWED);
}

/* Long-mode paging is PAE paging. */
static bool
fails_efer_lme_pae(const struct vmcb *vmcb, char *why, size_t why_len)
{
	const struct vmcb_save *s = &vmcb->save;
	if (!lme_with_paging(s) || (s->cr4 & CR4_PAE))
		return false;
	return explain(why, why_len,
		       "EFER.LME and CR0.PG set with CR4.PAE clear (EFER "
		       "0x%llx, CR0 0x%llx, CR4 0x%llx): long mode pages "
		       "only with PAE",
		       ull(s->efer), ull(s->cr0), ull(s->cr4));
}

static void
break_efer_lme_pae(struct vmcb *vmcb)
{
	struct vmcb_save *s = &vmcb->save;
	s->efer |= EFER_LME;
	s->cr0 |= CR0_PE | CR0_PG;
	s->cr4 &= ~(uint64_t)CR4_PAE;
}

/* Paging (and so long mode) needs protected mode. */
static bool
fails_efer_lme_pe(const struct vmcb *vmcb, char *why, size_t why_len)
{
	const struct vmcb_save *s = &vmcb->save;
	if (!lme_with_paging(s) || (s->cr0 & CR0_PE))
		return false;
	return explain(why, why_len,
		       "EFER.LME and CR0.PG set with CR0.PE clear (EFER "
		       "0x%llx, CR0 0x%llx): paging without protected mode",
		       ull(s->efer), ull(s->cr0));
}

static void
break_efer_lme_pe(struct vmcb *vmcb)
{
	struct vmcb_save *s = &vmcb->save;
	s->efer |= EFER_LME;
	s->cr4 |= CR4_PAE;
	s->cr0 = (s->cr0 | CR0_PG) & ~(uint64_t)CR0_PE;
}

/* In long mode CS.L selects 64-bit code, and CS.D must then be clear
 * (D with L is reserved for some future mode). */
static bool
fails_efer_lme_cs(const struct vmcb *vmcb, char *why, size_t why_len)
{
	const struct vmcb_save *s = &vmcb->save;
	uint16_t ld = SEG_ATTR_L | SEG_ATTR_DB;
	if (!lme_with_paging(s) || !(s->cr4 & CR4_PAE) ||
	    (s->cs.attrib & ld) != ld)
		return false;
	return explain(why, why_len,
		       "EFER.LME, CR0.PG and CR4.PAE set, and CS (attrib "
		       "0x%x) has both L and D: 64-bit code has D clear",
		       s->cs.attrib);
}

static void
break_efer_lme_cs(struct vmcb *vmcb)
{
	struct vmcb_save *s = &vmcb->save;
	s->efer |= EFER_LME;
	s->cr0 |= CR0_PE | CR0_PG;
	s->cr4 |= CR4_PAE;
	s->cs.attrib |= SEG_ATTR_L | SEG_ATTR_DB;
}

/* The manual's "LME or LMA set on a CPU without long mode": qemu32 has
 * none, and a 32-bit monitor has no long-mode guests (see the top). */
static bool
fails_efer_lme(const struct vmcb *vmcb, char *why, size_t why_len)
{
	if (!(vmcb->save.efer & (EFER_LME | EFER_LMA)))
		return false;
	return explain(why, why_len,
		       "EFER 0x%llx has LME or LMA set: this monitor's CPU "
		       "(qemu32) has no long mode, nor have its guests",
		       ull(vmcb->save.efer));
}

/* LMA alone: LME would trip the three rules above first. */
static void
break_efer_lme(struct vmcb *vmcb)
{
	vmcb->save.efer |= EFER_LMA;
}

/* ---- The control area (APM vol. 2 §15.5.1) ---- */

/* A guest's own vmrun must always exit to the monitor (the CPU runs no
 * guest inside a guest; a monitor may emulate that), so vmrun refuses a
 * VMCB that would let the guest execute it. */
static bool
fails_intercept_vmrun(const struct vmcb *vmcb, char *why, size_t why_len)
{
	if (vmcb->control.intercept_misc2 & INTERCEPT2_VMRUN)
		return false;
	return explain(why, why_len,
		       "the VMRUN intercept is clear (intercept_misc2 0x%x): "
		       "vmrun requires it set",
		       vmcb->control.intercept_misc2);
}

static void
break_intercept_vmrun(struct vmcb *vmcb)
{
	vmcb->control.intercept_misc2 &= ~INTERCEPT2_VMRUN;
}

/*
 * A permission map the CPU reads: the manual refuses one that extends
 * past the CPU's physical addresses.  The monitor's rule is stricter: it
 * must lie below 4 GiB (where a 32-bit monitor allocates) and be
 * page-aligned (vmrun ignores bits 11:0, so a misaligned address makes
 * the CPU read another table than the one the monitor filled).  Checked
 * only while the intercept that reads the map is on.
 */
static bool
fails_pm(const char *pm, uint64_t base, uint32_t size, char *why,
	 size_t why_len)
{
	if (base % PGSIZE)
		return explain(why, why_len,
			       "%s at 0x%llx is not page-aligned: the CPU "
			       "ignores bits 11:0 and reads the table at "
			       "0x%llx",
			       pm, ull(base),
			       ull(base & ~(uint64_t)(PGSIZE - 1)));
	if (base + size > PA_MONITOR_LIMIT)
		return explain(why, why_len,
			       "%s at 0x%llx..0x%llx extends past 4 GiB: not "
			       "a table a 32-bit monitor built",
			       pm, ull(base), ull(base + size - 1));
	return false;
}

static bool
fails_vmcb_msrpm(const struct vmcb *vmcb, char *why, size_t why_len)
{
	const struct vmcb_control *c = &vmcb->control;
	return (c->intercept_misc1 & INTERCEPT1_MSR_PROT) &&
	       fails_pm("MSRPM", c->msrpm_base_pa, MSRPM_SIZE, why, why_len);
}

/* Past every CPU's physical addresses: the CPU refuses it too. */
static void
break_vmcb_msrpm(struct vmcb *vmcb)
{
	vmcb->control.intercept_misc1 |= INTERCEPT1_MSR_PROT;
	vmcb->control.msrpm_base_pa = PA_ARCH_LIMIT - PGSIZE;
}

static bool
fails_vmcb_iopm(const struct vmcb *vmcb, char *why, size_t why_len)
{
	const struct vmcb_control *c = &vmcb->control;
	return (c->intercept_misc1 & INTERCEPT1_IOIO_PROT) &&
	       fails_pm("IOPM", c->iopm_base_pa, IOPM_SIZE, why, why_len);
}

static void
break_vmcb_iopm(struct vmcb *vmcb)
{
	vmcb->control.intercept_misc1 |= INTERCEPT1_IOIO_PROT;
	vmcb->control.iopm_base_pa = PA_ARCH_LIMIT - PGSIZE;
}

/* ---- Event injection (APM vol. 2 §15.20) ---- */

/* Does eventinj hold a valid event of this type (EVENT_TYPE_*)? */
static bool
injects(const struct vmcb *vmcb, uint32_t type)
{
	uint32_t e = vmcb->control.eventinj;
	return (e & EVENT_VALID) && (e & EVENT_TYPE_MASK) == type;
}

/* Types 1, 5, 6 and 7 are reserved. */
static bool
fails_eventinj_type(const struct vmcb *vmcb, char *why, size_t why_len)
{
	uint32_t e = vmcb->control.eventinj;
	if (!(e & EVENT_VALID) || injects(vmcb, EVENT_TYPE_INTR) ||
	    injects(vmcb, EVENT_TYPE_NMI) ||
	    injects(vmcb, EVENT_TYPE_EXCEPTION) ||
	    injects(vmcb, EVENT_TYPE_SOFTINT))
		return false;
	return explain(why, why_len,
		       "EVENTINJ 0x%08x has reserved type %u (0 interrupt, "
		       "2 NMI, 3 exception, 4 software interrupt)",
		       e, (e & EVENT_TYPE_MASK) >> EVENT_TYPE_SHIFT);
}

static void
break_eventinj_type(struct vmcb *vmcb)
{
	vmcb->control.eventinj = EVENT_VALID | EVENT_TYPE_RESERVED;
	vmcb->control.eventinj_err = 0;
}

/* An exception must be one: vector 2 is the NMI, 31 and up are not. */
static bool
fails_eventinj_vector(const struct vmcb *vmcb, char *why, size_t why_len)
{
	uint32_t e = vmcb->control.eventinj;
	uint32_t vec = EVENT_VECTOR(e);
	if (!injects(vmcb, EVENT_TYPE_EXCEPTION) ||
	    (vec != T_NMI && vec < EXCEPTION_VECTOR_LIMIT))
		return false;
	return explain(why, why_len,
		       "EVENTINJ 0x%08x injects exception vector %u: %s", e,
		       vec,
		       vec == T_NMI ? "vector 2 is the NMI, inject it as "
				      "type 2"
				    : "no exception has it (an interrupt is "
				      "type 0 or 4)");
}

static void
break_eventinj_vector(struct vmcb *vmcb)
{
	vmcb->control.eventinj = EVENT_VALID | EVENT_TYPE_EXCEPTION | T_NMI;
	vmcb->control.eventinj_err = 0;
}

/* The monitor's: the CPU ignores the vector of an NMI and delivers
 * vector 2, so any other number there is the monitor confusing events. */
static bool
fails_eventinj_nmi(const struct vmcb *vmcb, char *why, size_t why_len)
{
	uint32_t e = vmcb->control.eventinj;
	if (!injects(vmcb, EVENT_TYPE_NMI) || EVENT_VECTOR(e) == T_NMI)
		return false;
	return explain(why, why_len,
		       "EVENTINJ 0x%08x injects an NMI with vector %u: the "
		       "CPU delivers vector 2 whatever it says",
		       e, EVENT_VECTOR(e));
}

static void
break_eventinj_nmi(struct vmcb *vmcb)
{
	vmcb->control.eventinj = EVENT_VALID | EVENT_TYPE_NMI | IRQ_OFFSET;
	vmcb->control.eventinj_err = 0;
}

/*
 * The monitor's: EV must say whether the exception pushes an error code
 * (TRAP_HAS_ERRCODE, and only in protected mode).  vmrun pushes
 * eventinj_err whenever EV is set, so a wrong EV leaves the guest's
 * handler popping a word too many or too few: a crash far from the bug.
 */
static bool
fails_eventinj_ev(const struct vmcb *vmcb, char *why, size_t why_len)
{
	uint32_t e = vmcb->control.eventinj;
	uint32_t vec = EVENT_VECTOR(e);
	bool ev = e & EVENT_ERR_VALID;
	bool pushes = (vmcb->save.cr0 & CR0_PE) && TRAP_HAS_ERRCODE(vec);
	if (!injects(vmcb, EVENT_TYPE_EXCEPTION) || ev == pushes)
		return false;
	return explain(why, why_len,
		       "EVENTINJ 0x%08x injects exception %u with EV %s, but "
		       "it pushes %s error code%s",
		       e, vec, pushes ? "clear" : "set", pushes ? "an" : "no",
		       (vmcb->save.cr0 & CR0_PE) ? "" : " in real mode");
}

/* #BP with an error code it does not have. */
static void
break_eventinj_ev(struct vmcb *vmcb)
{
	vmcb->control.eventinj =
	    EVENT_VALID | EVENT_TYPE_EXCEPTION | EVENT_ERR_VALID | T_BRKPT;
	vmcb->control.eventinj_err = 0;
}

/* ASID 0 is the host's: a guest in it would share the host's TLB
 * entries. */
static bool
fails_asid(const struct vmcb *vmcb, char *why, size_t why_len)
{
	if (vmcb->control.guest_asid != 0)
		return false;
	return explain(why, why_len,
		       "guest_asid is 0, the host's: vmrun requires a guest "
		       "ASID of 1 or more");
}

static void
break_asid(struct vmcb *vmcb)
{
	vmcb->control.guest_asid = 0;
}

/*
 * ---- Segments: the monitor's own ----
 *
 * vmrun loads the segment registers' hidden parts as they are in the
 * VMCB, unchecked (QEMU's helper_vmrun too).  In the VMCB a segment
 * whose P bit is clear is a null one (APM vol. 2 §15.5.1, "Segment State
 * in the VMCB"); in protected mode outside 64-bit code CS and SS can
 * never be null (loading a null selector into either raises #GP), and
 * the vt engine takes the guest's code and stack from them.  Nor can
 * the CPL differ from SS.DPL (a load of %ss requires DPL = CPL): the CPU
 * takes the CPL from the VMCB's cpl field but QEMU takes it from SS.DPL,
 * so a mismatch runs the guest at one privilege on hardware and another
 * under QEMU.  Checked only in protected mode (CR0.PE).
 */
static bool
fails_seg_p(const char *name, const struct vmcb *vmcb,
	    const struct vmcb_seg *seg, char *why, size_t why_len)
{
	if (!(vmcb->save.cr0 & CR0_PE) || (seg->attrib & SEG_ATTR_P))
		return false;
	return explain(why, why_len,
		       "%s (selector 0x%x, attrib 0x%x) is not present: in "
		       "protected mode %s is never a null segment",
		       name, seg->selector, seg->attrib, name);
}

static bool
fails_seg_cs_p(const struct vmcb *vmcb, char *why, size_t why_len)
{
	return fails_seg_p("CS", vmcb, &vmcb->save.cs, why, why_len);
}

static void
break_seg_cs_p(struct vmcb *vmcb)
{
	vmcb->save.cs.attrib &= ~SEG_ATTR_P;
}

static bool
fails_seg_ss_p(const struct vmcb *vmcb, char *why, size_t why_len)
{
	return fails_seg_p("SS", vmcb, &vmcb->save.ss, why, why_len);
}

static void
break_seg_ss_p(struct vmcb *vmcb)
{
	vmcb->save.ss.attrib &= ~SEG_ATTR_P;
}

static bool
fails_seg_cpl(const struct vmcb *vmcb, char *why, size_t why_len)
{
	const struct vmcb_save *s = &vmcb->save;
	if (!(s->cr0 & CR0_PE) || s->cpl == seg_dpl(&s->ss))
		return false;
	return explain(why, why_len,
		       "cpl is %u but SS.DPL is %u: the CPU would run the "
		       "guest at CPL %u, QEMU at %u",
		       s->cpl, seg_dpl(&s->ss), s->cpl, seg_dpl(&s->ss));
}

static void
break_seg_cpl(struct vmcb *vmcb)
{
	vmcb->save.cpl = seg_dpl(&vmcb->save.ss) ^ 3;
}

/* ---- The table ---- */

#define APM_CHECKS   "APM 15.5.1"
#define APM_STRICTER "APM 15.5.1, stricter"
#define APM_EVENTS   "APM 15.20"
#define MONITOR	     VMCB_RULE_MONITOR

const struct vmcb_rule vmcb_rules[] = {
    {"efer.svme", "EFER.SVME clear", APM_CHECKS, fails_efer_svme,
     break_efer_svme},
    {"cr0.cd_nw", "CR0.NW set with CR0.CD clear", APM_CHECKS, fails_cr0_cd_nw,
     break_cr0_cd_nw},
    {"cr0.mbz", "CR0 bits 63:32 set", APM_CHECKS, fails_cr0_mbz, break_cr0_mbz},
    {"cr3.mbz", "CR3 bits 63:32 set (63:52 in long mode)", APM_CHECKS,
     fails_cr3_mbz, break_cr3_mbz},
    {"cr4.mbz", "a reserved CR4 bit set", APM_CHECKS, fails_cr4_mbz,
     break_cr4_mbz},
    {"dr6.mbz", "DR6 bits 63:32 set", APM_CHECKS, fails_dr6_mbz, break_dr6_mbz},
    {"dr7.mbz", "DR7 bits 63:32 set", APM_CHECKS, fails_dr7_mbz, break_dr7_mbz},
    {"efer.mbz", "a reserved EFER bit set", APM_CHECKS, fails_efer_mbz,
     break_efer_mbz},
    {"efer.lme_pae", "EFER.LME and CR0.PG set, CR4.PAE clear", APM_CHECKS,
     fails_efer_lme_pae, break_efer_lme_pae},
    {"efer.lme_pe", "EFER.LME and CR0.PG set, CR0.PE clear", APM_CHECKS,
     fails_efer_lme_pe, break_efer_lme_pe},
    {"efer.lme_cs", "EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D all set",
     APM_CHECKS, fails_efer_lme_cs, break_efer_lme_cs},
    {"efer.lme", "EFER.LME or EFER.LMA set (no long mode here)", APM_CHECKS,
     fails_efer_lme, break_efer_lme},
    {"intercept.vmrun", "the VMRUN intercept clear", APM_CHECKS,
     fails_intercept_vmrun, break_intercept_vmrun},
    {"vmcb.msrpm", "MSR_PROT on and the MSRPM misaligned or not below 4 GiB",
     APM_STRICTER, fails_vmcb_msrpm, break_vmcb_msrpm},
    {"vmcb.iopm", "IOIO_PROT on and the IOPM misaligned or not below 4 GiB",
     APM_STRICTER, fails_vmcb_iopm, break_vmcb_iopm},
    {"eventinj.type", "an event of a reserved type (1, 5, 6, 7)", APM_EVENTS,
     fails_eventinj_type, break_eventinj_type},
    {"eventinj.vector", "an exception with vector 2 or 31 and up", APM_EVENTS,
     fails_eventinj_vector, break_eventinj_vector},
    {"eventinj.nmi", "an NMI with a vector other than 2", MONITOR,
     fails_eventinj_nmi, break_eventinj_nmi},
    {"eventinj.ev", "an exception whose EV disagrees with its error code",
     MONITOR, fails_eventinj_ev, break_eventinj_ev},
    {"asid", "guest ASID 0 (the host's)", APM_CHECKS, fails_asid, break_asid},
    {"seg.cs.p", "CS not present in protected mode", MONITOR, fails_seg_cs_p,
     break_seg_cs_p},
    {"seg.ss.p", "SS not present in protected mode", MONITOR, fails_seg_ss_p,
     break_seg_ss_p},
    {"seg.cpl", "the CPL not SS.DPL in protected mode", MONITOR, fails_seg_cpl,
     break_seg_cpl},
};
const size_t vmcb_nrules = ARRAY_SIZE(vmcb_rules);

const char *
vmcb_check(const struct vmcb *vmcb, char *why, size_t why_len)
{
	for (size_t i = 0; i < vmcb_nrules; i++)
		if (vmcb_rules[i].fails(vmcb, why, why_len))
			return vmcb_rules[i].name;
	if (why && why_len)
		why[0] = '\0';
	return NULL;
}

const struct vmcb_rule *
vmcb_rule_find(const char *name)
{
	for (size_t i = 0; i < vmcb_nrules; i++)
		if (strcmp(vmcb_rules[i].name, name) == 0)
			return &vmcb_rules[i];
	return NULL;
}

bool
vmcb_rule_break(struct vmcb *vmcb, const char *name)
{
	const struct vmcb_rule *r = vmcb_rule_find(name);
	if (!r)
		return false;
	r->breaker(vmcb);
	return true;
}
