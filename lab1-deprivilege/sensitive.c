/*
 * Emulation of the sensitive instructions that do not trap (Adams &
 * Agesen §3.1; Robin & Irvine's list): run at ring 1, they would show
 * the guest kernel the monitor -- its GDT and IDT, a %cs with RPL 1, an
 * IF that popf cannot change, shadow descriptors.  Binary translation
 * replaces each with a call out to this file; te reaches it for the few
 * that do trap.  Each is emulated as the CPU (QEMU's TCG, qemu32 model)
 * executes it at the guest's privilege v->vcpl against the guest's own
 * state: v->vgdtr, vidtr, vldtr, vtr, vcr0, vflags, and the guest's
 * descriptor tables (guest_descriptor).
 *
 * Memory operands are reached with the guest's rights at v->vcpl, and a
 * fault becomes the guest's #PF with the address and error code the CPU
 * would report.  Segments are flat (the guest OS's are), so a memory
 * operand's offset is its linear address and the stack is 32-bit.
 */
#include <inc/deprivilege.h>
#include <inc/gmem.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/vmm.h>
#include <inc/x86.h>

/* The fault the instruction takes, delivered now: eip is the handler's. */
static enum emu_result
fault(struct vcpu *v, int vector, uint32_t err)
{
	vmm_raise(v, vector, true, err);
	return EMU_JUMPED;
}

/*
 * Copy to or from guest-virtual memory as an access by the guest at
 * v->vcpl.  0, or -1 after raising the guest's #PF: cr2 is the first byte
 * of the access on the page that faults, as the CPU reports it.
 */
static int
guest_mem(struct vcpu *v, gva_t gva, void *buf, size_t len, bool write)
{
	for (gva_t g = gva; g - gva < len; g = ROUNDDOWN(g, PGSIZE) + PGSIZE) {
		struct gwalk w = gva_walk(v, g, write, v->vcpl);
		if (!w.ok) {
			v->vcr2 = g;
			fault(v, T_PGFLT, w.pf_err);
			return -1;
		}
	}
	if (gva_access(v, gva, buf, len, write, v->vcpl, NULL) < 0)
		vcpu_fail(v, "guest address %08x maps outside guest memory "
			     "(emulating at eip %08x)",
			  gva, v->tf.tf_eip);
	return 0;
}

/* The linear address of the ModRM memory operand (flat segments). */
static gva_t
rm_address(struct vcpu *v, const struct x86_insn *in)
{
	uint32_t gpr[X86_NGPR];
	for (int r = 0; r < X86_NGPR; r++)
		gpr[r] = *vcpu_gpr(v, r);
	return x86_effective_offset(in, gpr);
}

/*
 * The operand size the prefixes choose.  The decoder says 2 for the
 * instructions whose memory operand is always 16 bits (smsw, mov from
 * %sreg), but their register forms write 32 bits without a 66 prefix.
 */
static int
prefix_opsize(const struct x86_insn *in)
{
	return (in->prefixes & X86_PFX_OPSIZE) ? 2 : 4;
}

/* Write size bytes of val to general register r (2: the low half only). */
static void
set_reg(struct vcpu *v, int r, uint32_t val, int size)
{
	uint32_t *reg = vcpu_gpr(v, r);
	*reg = size == 4 ? val : (*reg & 0xFFFF0000) | (val & 0xFFFF);
}

/*
 * Store a 16-bit system value the way sldt, str, smsw and mov from %sreg
 * do: a register destination takes the operand size (32 bits: val whole,
 * which is the zero-extended selector or all of cr0 for smsw), a memory
 * destination always 16 bits.  SDM vol.2 says the upper half of a 32-bit
 * register is undefined for smsw and zero for the others; QEMU writes
 * what this does.
 */
static enum emu_result
store_rm16(struct vcpu *v, const struct x86_insn *in, uint32_t val)
{
	if (in->mod == 3) {
		set_reg(v, in->rm, val, prefix_opsize(in));
		return EMU_NEXT;
	}
	uint16_t w = val;
	return guest_mem(v, rm_address(v, in), &w, 2, true) < 0 ? EMU_JUMPED
								 : EMU_NEXT;
}

/* Read a 16-bit r/m selector operand (lar, lsl, verr, verw). */
static int
load_rm16(struct vcpu *v, const struct x86_insn *in, uint16_t *val)
{
	if (in->mod == 3) {
		*val = *vcpu_gpr(v, in->rm);
		return 0;
	}
	return guest_mem(v, rm_address(v, in), val, 2, false);
}

/* Push size bytes of val on the guest's stack. */
static int
push(struct vcpu *v, uint32_t val, int size)
{
	if (guest_mem(v, v->tf.tf_esp - size, &val, size, true) < 0)
		return -1;
	v->tf.tf_esp -= size;
	return 0;
}

/* Read size bytes (zero-extended) at offset above the stack top. */
static int
peek(struct vcpu *v, uint32_t offset, int size, uint32_t *val)
{
	*val = 0;
	return guest_mem(v, v->tf.tf_esp + offset, val, size, false);
}

/* The selector the guest sees in %cs or %ss: its RPL is the guest's CPL,
 * not the ring it really runs at. */
static uint16_t
visible_sel(struct vcpu *v, uint16_t sel)
{
	return (sel & ~3) | v->vcpl;
}

/* The selector to load for the guest's code or stack segment sel. */
static uint16_t
real_sel(struct vcpu *v, uint16_t sel)
{
	return (sel & ~3) | (v->vcpl == 0 ? GUEST_KERNEL_RING : v->vcpl);
}

/* The guest-visible value of segment register seg (Sreg numbering). */
static uint16_t
sreg_value(struct vcpu *v, int seg)
{
	switch (seg) {
	case X86_SEG_ES: return v->tf.tf_es;
	case X86_SEG_CS: return visible_sel(v, v->tf.tf_cs);
	case X86_SEG_SS: return visible_sel(v, v->tf.tf_ss);
	case X86_SEG_DS: return v->tf.tf_ds;
	case X86_SEG_FS: return v->tf.tf_fs;
	default: return v->tf.tf_gs;
	}
}

/* UMIP in the guest's own cr4: these reads are for CPL 0 only. */
static bool
umip_denies(struct vcpu *v)
{
	return v->vcpl > 0 && (v->vcr4 & CR4_UMIP);
}

/*
 * sgdt, sidt: the 16-bit limit, then the base.  With a 16-bit operand
 * size the CPU stores the base's low 24 bits and a zero top byte (QEMU
 * masks it; SDM vol.2 "SGDT" leaves the top byte to the model).
 */
static enum emu_result
store_table_register(struct vcpu *v, const struct x86_insn *in,
		     const struct pseudodesc *r)
{
	struct {
		uint16_t lim;
		uint32_t base;
	} __attribute__((packed)) pd = { r->pd_lim, r->pd_base };

	if (in->opsize == 2)
		pd.base &= 0x00FFFFFF;
	if (guest_mem(v, rm_address(v, in), &pd, sizeof(pd), true) < 0)
		return EMU_JUMPED;
	return EMU_NEXT;
}

/* lar, lsl, verr, verw: ZF says the verdict; lar/lsl also write reg. */
static enum emu_result
check_segment(struct vcpu *v, const struct x86_insn *in, enum seg_check op)
{
	uint16_t sel;
	struct segdesc d;
	uint32_t value;

	if (load_rm16(v, in, &sel) < 0)
		return EMU_JUMPED;
	bool found = guest_descriptor(v, sel, &d);
	bool ok = segment_check(op, found ? &d : NULL, sel, v->vcpl, &value);
	if (ok) {
		v->tf.tf_eflags |= FL_ZF;
		/* Only on success: the destination is left alone otherwise. */
		if (op == SEG_CHECK_LAR || op == SEG_CHECK_LSL)
			set_reg(v, in->reg, value, in->opsize);
	} else {
		v->tf.tf_eflags &= ~FL_ZF;
	}
	return EMU_NEXT;
}

/* The flags popf may change at the guest's CPL and IOPL (SDM vol.2
 * "POPF"): VM, RF, VIP, VIF never; IOPL at CPL 0 only; IF at CPL <= IOPL. */
static uint32_t
popf_mask(struct vcpu *v, int size)
{
	uint32_t mask = FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_TF | FL_DF |
			FL_OF | FL_NT | FL_AC | FL_ID;
	int iopl = (v->vflags & FL_IOPL_MASK) >> FL_IOPL_SHIFT;
	if (v->vcpl == 0)
		mask |= FL_IF | FL_IOPL_MASK;
	else if (v->vcpl <= iopl)
		mask |= FL_IF;
	return size == 2 ? mask & 0xFFFF : mask;
}

static enum emu_result
emulate_popf(struct vcpu *v, int size)
{
	uint32_t val;
	if (peek(v, 0, size, &val) < 0)
		return EMU_JUMPED;
	uint32_t mask = popf_mask(v, size);
	uint32_t fl = (vcpu_eflags(v) & ~mask) | (val & mask);
	vcpu_set_eflags(v, fl & ~FL_RF);
	v->tf.tf_esp += size;
	return EMU_NEXT;
}

/*
 * Whether code selector sel may be the target of a far jmp or call at
 * the same privilege (SDM vol.2 "JMP", "CALL"; vol.3 §5.8.1) with new
 * eip: 0, or -1 after raising the fault the CPU would raise.
 */
static int
check_jump_target(struct vcpu *v, uint16_t sel, uint32_t eip, bool call)
{
	struct segdesc d;
	unsigned cpl = v->vcpl;

	if ((sel & 0xFFFC) == 0)
		return fault(v, T_GPFLT, 0), -1;
	if (!guest_descriptor(v, sel, &d))
		return fault(v, T_GPFLT, sel & 0xFFFC), -1;
	if (!d.sd_s) {
		if (d.sd_type == STS_CG16 || d.sd_type == STS_CG32 ||
		    d.sd_type == STS_TG || d.sd_type == STS_T16A ||
		    d.sd_type == STS_T32A)
			vcpu_fail(v, "guest far %s through a gate or task "
				     "(selector %04x, type %x) at eip %08x: "
				     "not emulated",
				  call ? "call" : "jmp", sel, d.sd_type,
				  v->tf.tf_eip);
		return fault(v, T_GPFLT, sel & 0xFFFC), -1;
	}
	if (!(d.sd_type & STA_X))
		return fault(v, T_GPFLT, sel & 0xFFFC), -1;
	if (d.sd_type & STA_C) {
		if (d.sd_dpl > cpl)
			return fault(v, T_GPFLT, sel & 0xFFFC), -1;
	} else if (SEL_RPL(sel) > cpl || d.sd_dpl != cpl) {
		return fault(v, T_GPFLT, sel & 0xFFFC), -1;
	}
	if (!d.sd_p)
		return fault(v, T_SEGNP, sel & 0xFFFC), -1;
	if (eip > segdesc_limit(&d))
		return fault(v, T_GPFLT, 0), -1;
	return 0;
}

/* Far jmp or call to sel:eip; a call pushes %cs (as the guest sees it)
 * and the return eip, each as wide as the operand size. */
static enum emu_result
far_transfer(struct vcpu *v, const struct x86_insn *in, uint16_t sel,
	     uint32_t eip, bool call)
{
	int size = in->opsize;
	if (size == 2)
		eip &= 0xFFFF;
	if (check_jump_target(v, sel, eip, call) < 0)
		return EMU_JUMPED;
	if (call) {
		/* The return address below %cs, both written or neither. */
		uint32_t ret = v->tf.tf_eip + in->len;
		uint32_t cs = visible_sel(v, v->tf.tf_cs);
		uint8_t frame[8];
		memcpy(frame, &ret, size);
		memcpy(frame + size, &cs, size);
		if (guest_mem(v, v->tf.tf_esp - 2 * size, frame, 2 * size,
			      true) < 0)
			return EMU_JUMPED;
		v->tf.tf_esp -= 2 * size;
	}
	v->tf.tf_cs = real_sel(v, sel);
	v->tf.tf_eip = eip;
	return EMU_JUMPED;
}

/* Far jmp or call through memory (FF /3, FF /5): offset, then selector. */
static enum emu_result
far_indirect(struct vcpu *v, const struct x86_insn *in, bool call)
{
	gva_t addr = rm_address(v, in);
	uint32_t eip = 0;
	uint16_t sel;
	if (guest_mem(v, addr, &eip, in->opsize, false) < 0 ||
	    guest_mem(v, addr + in->opsize, &sel, 2, false) < 0)
		return EMU_JUMPED;
	return far_transfer(v, in, sel, eip, call);
}

/*
 * lret [imm16] to the same privilege (SDM vol.2 "RET", QEMU's
 * helper_lret_protected): pop eip and %cs, check the code segment, and
 * release imm16 more bytes.  A return to an outer ring (guest user mode)
 * is not emulated.
 */
static enum emu_result
emulate_lret(struct vcpu *v, const struct x86_insn *in)
{
	int size = in->opsize;
	uint32_t eip, cs;
	struct segdesc d;

	if (peek(v, 0, size, &eip) < 0 || peek(v, size, size, &cs) < 0)
		return EMU_JUMPED;
	uint16_t sel = cs;
	unsigned cpl = v->vcpl, rpl = SEL_RPL(sel);
	if ((sel & 0xFFFC) == 0)
		return fault(v, T_GPFLT, 0);
	if (!guest_descriptor(v, sel, &d) || !d.sd_s || !(d.sd_type & STA_X) ||
	    rpl < cpl)
		return fault(v, T_GPFLT, sel & 0xFFFC);
	if ((d.sd_type & STA_C) ? d.sd_dpl > rpl : d.sd_dpl != rpl)
		return fault(v, T_GPFLT, sel & 0xFFFC);
	if (!d.sd_p)
		return fault(v, T_SEGNP, sel & 0xFFFC);
	if (rpl > cpl)
		vcpu_fail(v, "guest lret from ring %u to ring %u at eip %08x: "
			     "returns to an outer ring are not emulated",
			  cpl, rpl, v->tf.tf_eip);
	if (eip > segdesc_limit(&d))
		return fault(v, T_GPFLT, 0);
	v->tf.tf_esp += 2 * size + (in->opcode == 0xCA ? (uint16_t)in->imm : 0);
	v->tf.tf_cs = real_sel(v, sel);
	v->tf.tf_eip = eip;
	return EMU_JUMPED;
}

bool
insn_is_sensitive(const struct x86_insn *in)
{
	if (in->encoding != X86_ENC_LEGACY)
		return false;
	if (in->flow == X86_FLOW_JMP_FAR || in->flow == X86_FLOW_CALL_FAR ||
	    in->flow == X86_FLOW_RET_FAR)
		return true;
	/* mov %sreg, r/m for every segment register: a translator emulates
	 * it for the %gs it keeps for itself. */
	if (in->opcode == 0x8C)
		return true;
	/* iret is sensitive too, but emulate_iret is its own emulator. */
	return (in->attr & X86_ATTR_SENSITIVE) && in->flow != X86_FLOW_IRET;
}

enum emu_result
emulate_sensitive(struct vcpu *v, const struct x86_insn *in)
{
	if (!insn_is_sensitive(in))
		return EMU_UNKNOWN;

	switch (in->opcode) {
	case 0x0E: /* push %cs */
	case 0x16: /* push %ss: zero-extended to the operand size */
		if (push(v, sreg_value(v, in->opcode == 0x0E ? X86_SEG_CS
							     : X86_SEG_SS),
			 in->opsize) < 0)
			return EMU_JUMPED;
		return EMU_NEXT;
	case 0x8C: /* mov %sreg, r/m */
		return store_rm16(v, in, sreg_value(v, in->reg));
	case 0x9C: /* pushf: VM and RF read as 0 in the pushed image */
		if (push(v, vcpu_eflags(v) & ~(FL_VM | FL_RF), in->opsize) < 0)
			return EMU_JUMPED;
		return EMU_NEXT;
	case 0x9D:
		return emulate_popf(v, in->opsize);
	case 0xEA: /* ljmp ptr16:32 */
	case 0x9A: /* lcall ptr16:32 */
		return far_transfer(v, in, in->imm2, in->imm,
				    in->opcode == 0x9A);
	case 0xFF: /* lcall m16:32 (/3), ljmp m16:32 (/5) */
		if (in->mod == 3 || (in->reg != 3 && in->reg != 5))
			return EMU_UNKNOWN;
		return far_indirect(v, in, in->reg == 3);
	case 0xCA:
	case 0xCB:
		return emulate_lret(v, in);
	case 0x0F00:
		switch (in->reg) {
		case 0: /* sldt */
		case 1: /* str */
			if (umip_denies(v))
				return fault(v, T_GPFLT, 0);
			return store_rm16(v, in, in->reg == 0 ? v->vldtr : v->vtr);
		case 4:
			return check_segment(v, in, SEG_CHECK_VERR);
		case 5:
			return check_segment(v, in, SEG_CHECK_VERW);
		}
		return EMU_UNKNOWN;
	case 0x0F01:
		if (in->reg != 0 && in->reg != 1 && in->reg != 4)
			return EMU_UNKNOWN;
		if (umip_denies(v))
			return fault(v, T_GPFLT, 0);
		if (in->reg == 4) /* smsw */
			return store_rm16(v, in, v->vcr0);
		return store_table_register(v, in,
					    in->reg == 0 ? &v->vgdtr : &v->vidtr);
	case 0x0F02:
		return check_segment(v, in, SEG_CHECK_LAR);
	case 0x0F03:
		return check_segment(v, in, SEG_CHECK_LSL);
	}
	return EMU_UNKNOWN;
}
