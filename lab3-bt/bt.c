/*
 * The binary-translation engine (mode=bt, Adams & Agesen §3.2-3.3).
 *
 * Guest user code runs directly at ring 3, exactly as under te.  Guest
 * kernel code never runs itself: the engine finds (or makes) the
 * translation of the unit at the guest's eip and runs that, at ring 1,
 * from the translation cache.  Translated code comes back to the monitor
 * in three ways:
 *
 *   a callout ("int $BT_CALLOUT_VEC" and three longs): a continuation to
 *     translate and chain, an indirect-branch miss, an instruction to
 *     emulate, a software interrupt, an interrupt check;
 *   an exception raised by the guest's own instruction (a page fault,
 *     most often): the translated address is turned back into the
 *     guest's eip -- the state is precise there by construction
 *     (translate.c) -- and the exit goes to the core as under te;
 *   a real interrupt: handled, and the translated code resumed where it
 *     was; a virtual interrupt is delivered only where the state is
 *     precise, by this engine's irq_window.
 *
 * While translated code runs, v->tf holds the hardware's view (%cs the
 * translation cache's, eip inside it, %gs the bt_area's) and the
 * virtual IF, IOPL and the guest's %gs live in the bt_area; bt_to_guest
 * puts the guest's view back before anything else looks at v->tf.
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/deprivilege.h>
#include <inc/gmem.h>
#include <inc/registry.h>
#include <inc/shadow.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/vdev.h>
#include <inc/vmm.h>
#include <inc/x86.h>
#include <kern/kbase.h>
#include <kern/trap.h>
#include <lab3-bt/bt.h>

#define BT_CS (KSEL_ENGINE0 | GUEST_KERNEL_RING)
#define BT_GS (KSEL_ENGINE1 | GUEST_KERNEL_RING)
#define TC_KIB_DEFAULT 2048

static uint32_t tc_kib = TC_KIB_DEFAULT;

static struct {
	struct vcpu *running;
	uint32_t host_esp;
	uint32_t fault_cr2;
	bool in_tc;		/* v->tf holds translated-code state */
	uint16_t guest_cs;	/* the guest kernel's %cs, as loaded (RPL 1) */
	/* Where to go on when the guest comes back at resume_eip. */
	gva_t resume_eip;
	uintptr_t resume_tc;
	uint32_t resume_gen;
	bool resume_ok;
	/* The last exit was a #PF at pf_eip (translated at pf_tc): was it a
	 * trace fault?  The counter says, when the guest comes back. */
	bool pf_pending;
	bool db_armed; /* single-stepping: a #DB is due at the next boundary */
	gva_t db_eip;  /* ... after the one at db_eip */
	gva_t pf_eip;
	uintptr_t pf_tc;
	uint64_t pf_traces;
	uint32_t pf_gen;
	uint32_t gate_seen; /* bt_area->gate_hits when the monitor last looked */
} bt;

/*
 * The direct system-call gate (bt_glue.S, bt_gate): the one vector whose
 * "int" from user code enters the guest kernel's translated handler
 * without the monitor, and what the monitor saw when it made it direct.
 */
static bool gate_option = true; /* sysgate=on|off */
static struct {
	int vec; /* 0: none */
	struct pseudodesc idtr, gdtr;
	uint16_t tr;
	gva_t tss;
} gate;

static void
bt_guest_trap(struct trapframe *tf)
{
	if (tf->tf_trapno == T_PGFLT)
		bt.fault_cr2 = rcr2();
	bt.running->tf = *tf;
	guest_leave(bt.host_esp);
}

/* Remember that the guest at guest eip may go on at translated tc. */
static void
remember(gva_t eip, uintptr_t tc)
{
	bt.resume_eip = eip;
	bt.resume_tc = tc;
	bt.resume_gen = bt_gen;
	bt.resume_ok = true;
}

/*
 * Put the guest's own view back in v->tf: it stands before the guest
 * instruction at eip.
 */
static void
bt_to_guest(struct vcpu *v, gva_t eip)
{
	assert(bt.in_tc);
	v->tf.tf_eip = eip;
	v->tf.tf_cs = bt.guest_cs;
	v->tf.tf_gs = bt_area->vgs;
	v->vflags = (bt_area->vif & FL_IF) | (bt_area->viopl & FL_IOPL_MASK);
	bt.in_tc = false;
}

/*
 * Would the guest, at CPL 0, take #GP(sel) loading sel into segment
 * register sreg where the shadow GDT at ring 1 lets it load?  (The
 * CO_SEGLOAD callout: translate.c's selector_check.)  A selector in the
 * monitor's part of the table, past any the guest's GDT can hold, is
 * natively beyond its limit; one with RPL 1 or 2 fails the CPL-0 rules
 * for %ss (RPL must be 0) and for a data or non-conforming code segment
 * whose DPL is below the RPL.  Anything else the CPU checks as it would.
 */
static bool
seg_load_faults(struct vcpu *v, uint16_t sel, int sreg)
{
	struct segdesc d;
	int rpl = SEL_RPL(sel);

	if (!(sel & SEL_TI) && SEL_INDEX(sel) >= GUEST_GDT_MAX_ENTRIES)
		return true;
	if ((rpl != 1 && rpl != 2) || (sel & ~3) == 0)
		return false; /* a null selector: the CPU's rules */
	if (sreg == X86_SEG_SS)
		return true;
	if (!guest_descriptor(v, sel, &d) || !d.sd_s)
		return false; /* beyond the limit, or a system one: #GP anyway */
	bool conforming = (d.sd_type & STA_X) && (d.sd_type & STA_C);
	return !conforming && (int)d.sd_dpl < rpl;
}

/*
 * The translated address in v->tf as a guest eip: true if the state is
 * precise there (then converted to the guest's view).
 */
static bool
bt_precise(struct vcpu *v)
{
	uintptr_t tc = v->tf.tf_eip;
	struct tu *tu = tc_find_by_addr(tc);
	gva_t eip;
	if (tc == (uintptr_t)bt_iret_user_load ||
	    tc == (uintptr_t)bt_iret_user_insn) {
		/* The guest's own iret (bt_glue.S) meets a bad frame or an
		 * interrupt: precise at the iret, but not a place to resume
		 * (the glue's scratch and %gs are not the guest's). */
		bt_to_guest(v, bt_area->resume_eip);
		return true;
	}
	uint8_t flags;
	if (!tu || !tu_precise(tu, tc, &eip, &flags))
		return false;
	if (flags & PT_EAX_SAVED)
		v->tf.tf_regs.reg_eax = bt_area->s_eax;
	if (flags & PT_ECX_SAVED)
		v->tf.tf_regs.reg_ecx = bt_area->s_ecx;
	if (!(flags & (PT_EAX_SAVED | PT_ECX_SAVED | PT_NO_RESUME)))
		remember(eip, tc);
	bt_to_guest(v, eip);
	return true;
}

/* The unit at the guest's eip, translated if need be; NULL after giving
 * the guest the page fault its instruction fetch takes. */
struct tu *
bt_unit_at(struct vcpu *v, gva_t eip)
{
	struct gwalk w = gva_walk(v, eip, false, 0);
	if (!w.ok) {
		v->vcr2 = eip;
		vmm_raise(v, T_PGFLT, true, w.pf_err);
		return NULL;
	}
	struct tu *tu = tc_lookup(eip, PTE_ADDR(w.gpa));
	if (!tu) {
		tu = bt_translate(v, eip, w.gpa);
		if (!tu) {
			tc_flush(v, "the translation cache is full");
			tu = bt_translate(v, eip, w.gpa);
			if (!tu)
				vcpu_fail(v, "bt: the unit at %08x does not "
					     "fit an empty translation cache "
					     "(tc=%u KiB)",
					  eip, tc_kib);
		}
	}
	tc_hash_fill(eip, tu);
	return tu;
}

/*
 * Switch v->tf from the guest's view to translated code at tc.
 */
static void
enter_tc(struct vcpu *v, uintptr_t tc)
{
	bt.guest_cs = v->tf.tf_cs;
	bt_area->vgs = v->tf.tf_gs;
	bt_area->vcs = v->tf.tf_cs & ~3;
	bt_area->vss = v->tf.tf_ss & ~3;
	bt_area->vif = v->vflags & FL_IF;
	bt_area->viopl = v->vflags & FL_IOPL_MASK;
	bt_area->vcr0 = v->vcr0;
	bt_area->vcr2 = v->vcr2;
	bt_area->vcr3 = v->vcr3;
	bt_area->vcr4 = v->vcr4;
	v->tf.tf_cs = BT_CS;
	v->tf.tf_gs = BT_GS;
	v->tf.tf_eip = tc;
	bt.in_tc = true;
}

/* Read the three longs after a callout (eip points past the int). */
static void
callout_args(struct vcpu *v, uint32_t *kind, uint32_t *a0, uint32_t *a1)
{
	const uint32_t *p = (const uint32_t *)v->tf.tf_eip;
	*kind = p[0];
	*a0 = p[1];
	*a1 = p[2];
}

/* Give the direct gate's vector back to the monitor. */
static void
gate_off(void)
{
	if (!gate.vec)
		return;
	segments_engine_gate(gate.vec, 0, 0);
	gate.vec = 0;
	hole_guard_user_wp = 0;
}

/* Are the guest's tables still those the gate was made for? */
static bool
gate_current(const struct vcpu *v)
{
	return v->vidtr.pd_base == gate.idtr.pd_base &&
	       v->vidtr.pd_lim == gate.idtr.pd_lim &&
	       v->vgdtr.pd_base == gate.gdtr.pd_base &&
	       v->vgdtr.pd_lim == gate.gdtr.pd_lim && v->vtr == gate.tr &&
	       guest_tss_linear() == gate.tss;
}

/*
 * User code is about to enter the guest kernel by "int vector", the slow
 * way (the monitor decoded it): make the vector direct if the guest's
 * gate is one bt_gate can follow -- a present 32-bit interrupt or trap
 * gate of DPL 3 into a flat ring-0 code segment, with a ring-0 stack in
 * a TSS, all below the hole -- and give the last one back.
 */
static void
gate_consider(struct vcpu *v, int vector)
{
	struct gatedesc g;
	struct segdesc cs, ss;
	uint16_t ss0;
	uint32_t esp0;

	if (!gate_option || vector < 32 || vector >= KIRQ_BASE ||
	    vector == BT_CALLOUT_VEC)
		return;
	if (gate.vec == vector && gate_current(v))
		return;
	gva_t at = v->vidtr.pd_base + vector * 8;
	gva_t tss = guest_tss_linear();
	if ((uint32_t)vector * 8 + 7 > v->vidtr.pd_lim || at >= MONHOLE - 8 ||
	    gva_read(v, at, &g, 8, NULL) < 0)
		return;
	if (!g.gd_p || g.gd_dpl != 3 ||
	    (g.gd_type != STS_IG32 && g.gd_type != STS_TG32) ||
	    (g.gd_sel & SEL_TI))
		return;
	if (!guest_descriptor(v, g.gd_sel, &cs) || !cs.sd_p || !cs.sd_s ||
	    (cs.sd_type & (STA_X | STA_C)) != STA_X || cs.sd_dpl != 0 ||
	    segdesc_base(&cs) != 0)
		return;
	if (!v->vtr || tss >= MONHOLE - 12 || !guest_tss_stack(v, &ss0, &esp0))
		return;
	if ((ss0 & (SEL_TI | 3)) || !guest_descriptor(v, ss0, &ss) ||
	    !ss.sd_p || !ss.sd_s || (ss.sd_type & (STA_X | STA_W)) != STA_W ||
	    ss.sd_dpl != 0)
		return;

	gate_off();
	const uint32_t *w = (const uint32_t *)&g;
	bt_area->gate_addr = at;
	bt_area->gate_nlo = -w[0];
	bt_area->gate_nhi = -w[1];
	bt_area->gate_tss = tss;
	bt_area->gate_nss0 = -(uint32_t)ss0;
	bt_area->gate_ss = ss0 | GUEST_KERNEL_RING;
	bt_area->gate_vss = ss0;
	bt_area->gate_vcs = g.gd_sel & ~3;
	bt_area->gate_eip = gate_offset(&g);
	bt_area->gate_vifp = g.gd_type == STS_IG32 ? BTA_ZERO : BTA_U_IF;
	gate.idtr = v->vidtr;
	gate.gdtr = v->vgdtr;
	gate.tr = v->vtr;
	gate.tss = tss;
	gate.vec = vector;
	segments_engine_gate(vector, BT_CS, (uint32_t)bt_gate);
	/* The guest kernel now starts from user mode unseen: ring 1 must
	 * find the hole read-only whichever way it came in. */
	hole_guard_user_wp = 1;
}

/*
 * An exit from inside bt_gate (a fault, an interrupt, the entry changed):
 * put user code's state back as the CPU left it at the int, and finish
 * the system call the monitor's way -- or, for a real interrupt, take
 * that first: the int runs again after it.  Everything but the
 * registers bt_gate saved comes from the CPU's frame in the bt_area.
 */
static void
gate_abort(struct vcpu *v, struct vmexit *x)
{
	uintptr_t at = v->tf.tf_eip;
	const uint32_t *f = bt_area->tramp;
	int vec = v->tf.tf_trapno;
	uint32_t err = v->tf.tf_err;

	count(CNT_BT_GATE_SLOW);
	if (at >= (uintptr_t)bt_gate_saved) {
		v->tf.tf_regs.reg_eax = bt_area->s_eax;
		v->tf.tf_regs.reg_ecx = bt_area->s_ecx;
		v->tf.tf_regs.reg_edx = bt_area->s_edx;
	}
	if (at >= (uintptr_t)bt_gate_gs)
		v->tf.tf_gs = bt_area->vgs;
	if (SEL_RPL(f[1]) != 3 || SEL_RPL(f[4]) != 3)
		vcpu_fail(v, "bt: the direct gate's frame was overwritten "
			     "(cs %04x, ss %04x)",
			  f[1] & 0xFFFF, f[4] & 0xFFFF);
	/* On the int itself ("int imm8", two bytes). */
	v->tf.tf_eip = f[0] - 2;
	v->tf.tf_cs = f[1];
	v->tf.tf_eflags = f[2];
	v->tf.tf_esp = f[3];
	v->tf.tf_ss = f[4];
	bt.in_tc = false;
	bt.gate_seen = bt_area->gate_hits;
	v->vcpl = 3;
	v->vflags = bt_area->u_if | bt_area->u_iopl;
	if (vec >= KIRQ_BASE) {
		x->kind = EXIT_IRQ;
		x->irq.irq = vec - KIRQ_BASE;
		return;
	}
	if (vec == T_PGFLT && !(err & (FEC_W | FEC_U))) {
		/* A read of the guest's IDT or TSS that the shadow does not
		 * map yet: map it, so that the next entry gets through. */
		uint32_t guest_err;
		v->vcpl = 0;
		shadow_fault(v, bt.fault_cr2, err, &guest_err);
		v->vcpl = 3;
	}
	x->kind = EXIT_SOFTINT;
	x->softint.vector = gate.vec;
	x->softint.len = 2;
}

/* The guest's user-mode IF and IOPL, for bt_gate (bt_iret_user keeps
 * them when translated code returns to user mode). */
static void
gate_user_flags(uint32_t vflags)
{
	bt_area->s_flags = vflags;
	bt_area->u_if = vflags & FL_IF;
	bt_area->u_iopl = vflags & FL_IOPL_MASK;
	bt_area->u_delta = bt_area->u_if + bt_area->u_iopl - FL_IF;
}

static void
bt_init(struct vcpu *v)
{
	if (tc_init(v, tc_kib) < 0)
		vcpu_fail(v, "bt: no memory for a %u KiB translation cache",
			  tc_kib);
	segments_set_engine(KSEL_ENGINE0, SEG(STA_X | STA_R | STA_A, 0,
					      0xFFFFFFFF, GUEST_KERNEL_RING));
	segments_set_engine(KSEL_ENGINE1,
			    SEG(STA_W | STA_A, (uint32_t)bt_area,
				sizeof(struct bt_area) - 1, GUEST_KERNEL_RING));
	segments_open_gate(BT_CALLOUT_VEC, GUEST_KERNEL_RING);
	/* The direct gate's entry stack: the CPU's frame at BTA_TRAMP. */
	segments_set_ring1_stack(BT_GS, BTA_TRAMP);
	/* User code runs directly: where the CPU has UMIP, its sgdt, sidt,
	 * sldt, str and smsw trap and are emulated too (umip_load). */
	umip_enabled = true;
	segments_user_full_limit = true;
}

/*
 * Handle a callout that stays inside the engine (continuations, hash
 * misses): true with v->tf pointing at translated code to run next.
 */
static bool
bt_internal(struct vcpu *v, uint32_t kind, uint32_t a0, uint32_t a1)
{
	struct tu *tu;
	switch (kind) {
	case CO_CONT: {
		count(CNT_BT_CONTINUATIONS);
		uint32_t gen = bt_gen;
		struct tu *from = tc_find_by_addr(a1);
		bt_to_guest(v, a0);
		tu = bt_unit_at(v, a0);
		if (!tu)
			return false;
		/* Chain, unless the unit that jumped went meanwhile (a flush
		 * to make room, say). */
		if (gen == bt_gen && from && from->live)
			tc_chain(v, a1, tu);
		enter_tc(v, (uintptr_t)tu->tc);
		return true;
	}
	case CO_RET:
	case CO_IND_PRED: {
		/* A ret's or an indirect jump's first run (translate.c,
		 * emit_ret, emit_ind): predict the target it goes to now,
		 * and chain to its unit. */
		uint32_t gen = bt_gen;
		struct tu *from = tc_find_by_addr(a0);
		bt_to_guest(v, bt_area->tgt);
		tu = bt_unit_at(v, bt_area->tgt);
		if (!tu)
			return false;
		if (gen == bt_gen && from && from->live) {
			bool ret = kind == CO_RET;
			uint32_t hit_rel = a1 + (ret ? RET_HIT_REL : IND_HIT_REL);
			*(uint32_t *)a0 = -bt_area->tgt;
			if (!ret)
				*(uint32_t *)(a0 + IND_AGAIN) = bt_area->tgt;
			*(uint32_t *)(hit_rel + RET_SLOW_IMM) = bt_area->tgt;
			*(int32_t *)a1 = (int32_t)((uint32_t)bt_ind_lookup -
						   (a1 + 4));
			tc_chain(v, hit_rel, tu);
			count(ret ? CNT_BT_RET_PREDICTED : CNT_BT_IND_PREDICTED);
		}
		enter_tc(v, (uintptr_t)tu->tc);
		return true;
	}
	case CO_IND:
		count(CNT_BT_IND_MISSES);
		bt_to_guest(v, bt_area->tgt);
		tu = bt_unit_at(v, bt_area->tgt);
		if (!tu)
			return false;
		enter_tc(v, (uintptr_t)tu->tc);
		return true;
	}
	return false;
}

/* Run v until an exit the core must see. */
static void
bt_run(struct vcpu *v, struct vmexit *x)
{
	if (bt.pf_pending) {
		bt.pf_pending = false;
		if (vmm_counters[CNT_PF_TRACE] != bt.pf_traces &&
		    bt.pf_gen == bt_gen)
			bt_trace_fault(v, bt.pf_eip, bt.pf_tc);
	}
	for (;;) {
		if (gate.vec && !gate_current(v))
			gate_off();
		if (v->vcpl == 0 && !bt.in_tc) {
			tc_check_mappings(v);
			uintptr_t tc;
			if (bt.resume_ok && bt.resume_eip == v->tf.tf_eip &&
			    bt.resume_gen == bt_gen) {
				tc = bt.resume_tc;
			} else if ((tc = tc_hash_probe(v->tf.tf_eip)) != 0) {
				/* The inline hash knows it: its units' code
				 * pages were just checked (tc_check_mappings),
				 * so no walk of the guest's tables is needed. */
			} else {
				struct tu *tu = bt_unit_at(v, v->tf.tf_eip);
				if (!tu)
					continue; /* a #PF for the guest */
				tc = (uintptr_t)tu->tc;
			}
			bt.resume_ok = false;
			/* Entered with TF set: the first instruction ends in
			 * a #DB (see the T_DEBUG case below). */
			bt.db_armed = v->tf.tf_eflags & FL_TF;
			bt.db_eip = v->tf.tf_eip;
			enter_tc(v, tc);
		}
		/* Hardware IF on, IOPL 0, as under te.  In translated code
		 * the guest's NT stays (only iret reads it: a task return,
		 * as on the CPU); a pending virtual interrupt makes the
		 * checks after sti and popf call out. */
		uint32_t clear = FL_IOPL_MASK | FL_VM | (bt.in_tc ? 0 : FL_NT);
		v->tf.tf_eflags =
			(v->tf.tf_eflags | FL_IF | FL_RESERVED1) & ~clear;
		if (bt.in_tc) {
			bt_area->pending = vintr_pending() >= 0;
		} else {
			/* User mode takes every virtual interrupt, so none is
			 * pending when it starts: what bt_gate's translated
			 * handler finds here, without asking the PIC. */
			bt_area->pending = 0;
			gate_user_flags(v->vflags);
		}

		umip_load(v);
		bt.running = v;
		vmm_guest_trap = bt_guest_trap;
		guest_enter(&v->tf, &bt.host_esp);
		vmm_guest_trap = NULL;
		bt.running = NULL;
		vmm_counters[CNT_BT_IND_HITS] = bt_area->ind_hits;

		int vec = v->tf.tf_trapno;
		if (v->tf.tf_cs == BT_CS &&
		    v->tf.tf_eip >= (uintptr_t)bt_gate &&
		    v->tf.tf_eip < (uintptr_t)bt_gate_end) {
			gate_abort(v, x);
			return;
		}
		if (bt_area->gate_hits != bt.gate_seen) {
			/* User code entered the guest kernel through the
			 * direct gate since the monitor last looked: that
			 * kernel ran translated code, and may have gone back
			 * to user mode (bt_iret_user) since. */
			vmm_counters[CNT_BT_GATE] +=
				bt_area->gate_hits - bt.gate_seen;
			bt.gate_seen = bt_area->gate_hits;
			bt.in_tc = true;
			bt.guest_cs = bt_area->vcs | GUEST_KERNEL_RING;
			bt.resume_ok = false;
			bt.db_armed = false;
		}
		if (bt.in_tc && SEL_RPL(v->tf.tf_cs) == 3) {
			/* Translated code returned to user mode with the CPU's
			 * own iret (bt_iret_user): the guest's view is the
			 * CPU's now, with the IOPL of the frame it popped. */
			bt.in_tc = false;
			v->vflags = bt_area->s_flags & (FL_IF | FL_IOPL_MASK);
		}
		if (!bt.in_tc) {
			/* Guest user code, run directly: as under te. */
			deprivileged_exit(v, x, bt.fault_cr2);
			return;
		}
		v->vcpl = 0;
		if (vec >= KIRQ_BASE) {
			/* Handled by the core; the translation goes on where
			 * it was unless a virtual interrupt is taken. */
			bt_profile_sample(v->tf.tf_eip);
			x->kind = EXIT_IRQ;
			x->irq.irq = vec - KIRQ_BASE;
			return;
		}
		if (vec == BT_CALLOUT_VEC) {
			/* Only the translator's own code calls out: its
			 * arguments follow the int, in memory the guest
			 * cannot write (the hole guard, vmm/holeguard.c). */
			uintptr_t site = v->tf.tf_eip - 2;
			if (!tc_holds(site) &&
			    !(site >= (uintptr_t)bt_glue_start &&
			      site < (uintptr_t)bt_glue_end))
				vcpu_fail(v, "bt: a callout from %08x, outside "
					  "the translation cache",
					  (unsigned)site);
			uint32_t kind, a0, a1;
			callout_args(v, &kind, &a0, &a1);
			uintptr_t after = v->tf.tf_eip + 12;
			bool jump = kind == CO_CONT || kind == CO_IND ||
				    kind == CO_RET || kind == CO_IND_PRED;
			gva_t target = jump && kind != CO_CONT ? bt_area->tgt
							       : a0;
			if (jump &&
			    (v->tf.tf_eflags & FL_TF) && bt.db_armed &&
			    target != bt.db_eip) {
				/* Single-stepping, and the jump just taken
				 * ended a guest instruction: its #DB now. */
				bt_to_guest(v, target);
				x->kind = EXIT_EXCEPTION;
				x->exc.vector = T_DEBUG;
				x->exc.has_err = false;
				x->exc.err = 0;
				return;
			}
			if (bt_internal(v, kind, a0, a1))
				continue;
			if (!bt.in_tc) {
				/* unit_at gave the guest a #PF: nothing more
				 * for the core to do than look for interrupts */
				x->kind = EXIT_CALLOUT;
				x->callout.kind = CALLOUT_IRQ_WINDOW;
				return;
			}
			switch (kind) {
			case CO_IRET:
				a0 = bt_area->resume_eip;
				kind = CO_EMULATE_END;
				/* fall through */
			case CO_EMULATE:
			case CO_EMULATE_END:
				/* Back at the next instruction: the unit goes
				 * on right after the callout. */
				if (kind == CO_EMULATE)
					remember(a0 + a1, after);
				bt_to_guest(v, a0);
				x->kind = EXIT_CALLOUT;
				x->callout.kind = CALLOUT_EMULATE;
				return;
			case CO_SOFTINT:
				bt_to_guest(v, a0);
				x->kind = EXIT_SOFTINT;
				x->softint.vector = 0;
				x->softint.len = a1;
				/* The vector: from the instruction itself. */
				{
					struct x86_insn in;
					vcpu_decode_at_eip(v, &in);
					x->softint.vector =
						in.opcode == 0xCC   ? T_BRKPT
						: in.opcode == 0xCE ? T_OFLOW
						: in.opcode == 0xF1 ? T_DEBUG
								    : in.imm;
				}
				return;
			case CO_IRQ:
				count(CNT_BT_CALLOUT_IRQ);
				remember(a0, a1);
				bt_to_guest(v, a0);
				x->kind = EXIT_CALLOUT;
				x->callout.kind = CALLOUT_IRQ_WINDOW;
				return;
			case CO_IO: {
				/* Port I/O, handled here: no exit to the core,
				 * no decoding (the translator encoded it). */
				count(CNT_TRAPS);
				count(CNT_EMULATED);
				bt_to_guest(v, a0);
				uint16_t port = a1 & CO_IO_DX
						    ? (uint16_t)v->tf.tf_regs.reg_edx
						    : CO_IO_PORT(a1);
				if (emulate_io(v, port, CO_IO_SIZE(a1),
					       a1 & CO_IO_IN, false,
					       false) != EMU_NEXT) {
					vmm_raise(v, T_GPFLT, true, 0);
					continue;
				}
				v->tf.tf_eip = a0 + CO_IO_LEN(a1);
				if (v->tf.tf_eflags & FL_TF) {
					vmm_raise(v, T_DEBUG, false, 0);
					continue;
				}
				remember(v->tf.tf_eip, after);
				if ((v->vflags & FL_IF) && vintr_pending() >= 0) {
					/* The access made an interrupt pending
					 * (an EOI, a timer read): the CPU takes
					 * it before the next instruction. */
					x->kind = EXIT_CALLOUT;
					x->callout.kind = CALLOUT_IRQ_WINDOW;
					return;
				}
				continue;
			}
			case CO_SIMULATE: {
				count(CNT_BT_SIMULATED);
				uint32_t gen = bt_gen;
				bt_to_guest(v, a0);
				/* Go on after the callout, unless the write
				 * dropped translations (it hit code). */
				if (bt_simulate(v, a0, a1) && gen == bt_gen)
					remember(a0 + a1, after);
				continue;
			}
			case CO_SEGLOAD: {
				uint16_t sel = v->tf.tf_regs.reg_eax;
				if (!seg_load_faults(v, sel, a1)) {
					v->tf.tf_eip = after;
					continue;
				}
				v->tf.tf_regs.reg_eax = bt_area->s_eax;
				v->tf.tf_regs.reg_ecx = bt_area->s_ecx;
				bt_to_guest(v, a0);
				x->kind = EXIT_EXCEPTION;
				x->exc.vector = T_GPFLT;
				x->exc.has_err = true;
				x->exc.err = sel & 0xFFFC;
				return;
			}
			case CO_UD:
				bt_to_guest(v, a0);
				x->kind = EXIT_EXCEPTION;
				x->exc.vector = T_ILLOP;
				x->exc.has_err = false;
				x->exc.err = 0;
				return;
			}
			vcpu_fail(v, "bt: unknown callout %u at %08x", kind,
				  v->tf.tf_eip);
		}
		/* An exception from the guest's own instruction. */
		uintptr_t fault_tc = v->tf.tf_eip;
		if (vec == T_DEBUG && (v->tf.tf_eflags & FL_TF)) {
			/* The guest single-steps (its TF is set): translated
			 * code traps after each of its own instructions.
			 * Step on to an instruction boundary; the guest's
			 * #DB comes at the end of an instruction that began
			 * with TF set (a popf that sets it traps only after
			 * the next one), so the first boundary arms it. */
			struct tu *tu = tc_find_by_addr(fault_tc);
			gva_t at;
			uint8_t fl;
			if (!tu || !tu_precise(tu, fault_tc, &at, &fl))
				continue;
			if (!bt.db_armed || at == bt.db_eip) {
				/* (One boundary may have several points.) */
				bt.db_armed = true;
				bt.db_eip = at;
				continue;
			}
		}
		if (vec != T_DEBUG && !bt_precise(v)) {
			struct tu *tu = tc_find_by_addr(v->tf.tf_eip);
			vcpu_fail(v, "bt: internal error: %s (cr2 %08x) inside "
				     "the translation at %08x (unit of guest "
				     "%08x, offset %d) is not at a guest "
				     "instruction boundary",
				  trapname(vec), bt.fault_cr2, v->tf.tf_eip,
				  tu ? tu->eip : 0,
				  tu ? (int)(v->tf.tf_eip - (uintptr_t)tu->tc)
				     : -1);
		}
		if (vec == T_PGFLT) {
			bt.pf_pending = true;
			bt.pf_eip = v->tf.tf_eip;
			bt.pf_tc = fault_tc;
			bt.pf_traces = vmm_counters[CNT_PF_TRACE];
			bt.pf_gen = bt_gen;
		}
		deprivileged_exit(v, x, bt.fault_cr2);
		return;
	}
}

/*
 * A virtual interrupt may be taken where the guest's state is precise
 * and its IF (in the bt_area while in translation) is set.
 */
static bool
bt_irq_window(struct vcpu *v)
{
	if (bt.in_tc) {
		if (!(bt_area->vif & FL_IF))
			return false;
		if (vintr_pending() < 0)
			return false;
		if (!bt_precise(v))
			return false;
	}
	return reflect_events.irq_window(v);
}

static void
bt_deliver(struct vcpu *v, const struct event *e)
{
	if (bt.in_tc && !bt_precise(v))
		vcpu_fail(v, "bt: internal error: an event for the guest at an "
			     "imprecise point (%08x)",
			  v->tf.tf_eip);
	if (e->kind == DELIVER_SOFTINT && v->vcpl == 3)
		gate_consider(v, e->vector);
	reflect(v, e);
}

/* bt_glue.S and the emitter know the bt_area by its offsets. */
STATIC_ASSERT(offsetof(struct bt_area, vif) == BTA_VIF);
STATIC_ASSERT(offsetof(struct bt_area, tgt) == BTA_TGT);
STATIC_ASSERT(offsetof(struct bt_area, pending) == BTA_PENDING);
STATIC_ASSERT(offsetof(struct bt_area, resume_eip) == BTA_RESUME_EIP);
STATIC_ASSERT(offsetof(struct bt_area, ind_hits) == BTA_IND_HITS);
STATIC_ASSERT(offsetof(struct bt_area, vcr0) == BTA_VCR0);
STATIC_ASSERT(offsetof(struct bt_area, vcr4) == BTA_VCR4);
STATIC_ASSERT(offsetof(struct bt_area, hash) == BTA_HASH);
STATIC_ASSERT(offsetof(struct bt_area, s_edx) == BTA_S_EDX);
STATIC_ASSERT(offsetof(struct bt_area, zero) == BTA_ZERO);
STATIC_ASSERT(offsetof(struct bt_area, gate_addr) == BTA_GATE_ADDR);
STATIC_ASSERT(offsetof(struct bt_area, gate_hits) == BTA_GATE_HITS);
STATIC_ASSERT(offsetof(struct bt_area, tramp) == BTA_TRAMP - 20);

static const struct event_ops bt_events = {
	.irq_window = bt_irq_window,
	.deliver = bt_deliver,
};

ENGINE(bt, .help = "bt (lab 3: binary translation of the guest kernel)",
       .lab = 3, .init = bt_init, .run = bt_run, .events = &bt_events,
       .mmu_hw = &shadow_hw_direct);

/* ---- Options ---- */

static int
set_tc(const char *value)
{
	char *end;
	long kib = strtol(value, &end, 10);
	if (*end || kib < 16 || kib > 16384) {
		cprintf("vmm: tc=%s: give the translation cache's size in "
			"KiB, 16 to 16384\n",
			value);
		return -1;
	}
	tc_kib = kib;
	return 0;
}

static const struct vmm_option tc_option = { "tc", "tc=KiB", set_tc };
VMM_OPTION(tc_option);

static int
set_sysgate(const char *value)
{
	return vmm_option_on_off("sysgate", value, &gate_option);
}

static const struct vmm_option sysgate_option = { "sysgate",
						  "sysgate=on|off",
						  set_sysgate };
VMM_OPTION(sysgate_option);
