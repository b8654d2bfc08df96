/*
 * Emulation of the privileged instructions that trap when the guest
 * kernel runs at ring 1 (Adams & Agesen §3.1: "trap-and-emulate").
 *
 * A #GP with error code 0 from ring 1 is, in a correct guest kernel, an
 * instruction that would have worked at ring 0.  We decode it, check it
 * the way the CPU would at ring 0, apply its architectural effect to the
 * vcpu and the virtual devices, and step past it.
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/deprivilege.h>
#include <inc/gmem.h>
#include <inc/shadow.h>
#include <inc/string.h>
#include <inc/vdev.h>
#include <inc/vmm.h>
#include <inc/x86.h>


static uint64_t vmsr_sysenter[3];

/* The effective linear address of the memory operand (flat segments). */
static gva_t
operand_address(struct vcpu *v, const struct x86_insn *in)
{
	uint32_t gpr[X86_NGPR];
	for (int r = 0; r < X86_NGPR; r++)
		gpr[r] = *vcpu_gpr(v, r);
	return x86_effective_offset(in, gpr);
}

/* Read a 16-bit r/m operand (register or memory). */
static int
read_rm16(struct vcpu *v, const struct x86_insn *in, uint16_t *val)
{
	if (in->mod == 3) {
		*val = (uint16_t)*vcpu_gpr(v, in->rm);
		return 0;
	}
	return gva_read(v, operand_address(v, in), val, 2, NULL);
}

/* Deliver the #GP the CPU would raise at ring 0 too. */
static void
guest_gp(struct vcpu *v, uint32_t err)
{
	vmm_raise(v, T_GPFLT, true, err);
}

/*
 * in/out/ins/outs, including rep, as an exit describes them (te decodes
 * the instruction; vt's IOIO intercept says the same things).  String
 * forms move through the guest's memory at es:edi / ds:esi, stepping by
 * the operand size in the direction DF says, all iterations at once.
 */
enum emu_result
emulate_io(struct vcpu *v, uint16_t port, int size, bool in, bool string,
	   bool rep)
{
	// LAB 1: Exercise 4.  Give the guest the effect of the I/O
	// instruction described by the arguments, on the virtual devices
	// (vmm_port_in/vmm_port_out): %eax for in/out, guest memory and
	// %esi/%edi (and %ecx with rep) for ins/outs, as the CPU would.
	// EMU_NEXT when done, EMU_GP if guest memory cannot be reached.
	// BEGIN LAB 1 SOLUTION
	struct pushregs *r = &v->tf.tf_regs;
	uint32_t mask = size == 4 ? 0xFFFFFFFF : (1u << (size * 8)) - 1;

	if (!string) {
		if (in)
			r->reg_eax = (r->reg_eax & ~mask) |
				     (vmm_port_in(port, size) & mask);
		else
			vmm_port_out(port, size, r->reg_eax & mask);
		return EMU_NEXT;
	}

	/* ins and outs. */
	uint32_t count_left = rep ? r->reg_ecx : 1;
	int step = (v->tf.tf_eflags & FL_DF) ? -size : size;
	for (; count_left > 0; count_left--) {
		uint32_t val;
		if (in) {
			val = vmm_port_in(port, size);
			if (gva_write(v, r->reg_edi, &val, size, NULL) < 0)
				return EMU_GP;
			r->reg_edi += step;
		} else {
			val = 0;
			if (gva_read(v, r->reg_esi, &val, size, NULL) < 0)
				return EMU_GP;
			vmm_port_out(port, size, val);
			r->reg_esi += step;
		}
		if (rep)
			r->reg_ecx--;
	}
	return EMU_NEXT;
	// STUB: panic("lab 1: exercise 4 (port I/O) not implemented");
	// END LAB 1 SOLUTION
}

/* The port an I/O instruction names: imm8 (E4-E7) or %dx. */
static uint16_t
io_port(struct vcpu *v, const struct x86_insn *in)
{
	if (in->opcode >= 0xE4 && in->opcode <= 0xE7)
		return in->imm;
	return (uint16_t)v->tf.tf_regs.reg_edx;
}

static enum emu_result
emulate_io_insn(struct vcpu *v, const struct x86_insn *in)
{
	uint16_t op = in->opcode;
	bool string = op >= 0x6C && op <= 0x6F;
	bool is_in = string ? op <= 0x6D : (op == 0xE4 || op == 0xE5 ||
					    op == 0xEC || op == 0xED);
	bool rep = in->prefixes & (X86_PFX_REP | X86_PFX_REPNE);
	return emulate_io(v, io_port(v, in), in->opsize, is_in, string, rep);
}

/* mov to (write) or from %crN through general register gpr. */
enum emu_result
emulate_cr(struct vcpu *v, int cr, bool write, int gpr)
{
	// LAB 1: Exercise 3.  The guest reads or writes its own control
	// registers (v->vcr0, vcr2, vcr3, vcr4), never the real ones: a
	// read sees what the guest last wrote; a write takes effect as at
	// ring 0 (#GP where ring 0 would get one: EMU_GP; PAE, which the
	// monitor does not virtualize, stops the guest), and any write that
	// changes how guest addresses translate leaves the shadow page
	// tables consistent with it.  EMU_NEXT when done.
	// BEGIN LAB 1 SOLUTION
	uint32_t *reg = vcpu_gpr(v, gpr);
	bool to_cr = write;

	switch (cr) {
	case 0:
		if (!to_cr) {
			*reg = v->vcr0;
			return EMU_NEXT;
		}
		if ((*reg & CR0_PG) && !(*reg & CR0_PE))
			return EMU_GP;
		bool pg_changed = (*reg ^ v->vcr0) & (CR0_PG | CR0_WP);
		v->vcr0 = *reg | CR0_ET; /* ET is hardwired on 486 and later */
		if (pg_changed)
			shadow_new_cr3(v);
		return EMU_NEXT;
	case 2:
		if (to_cr)
			v->vcr2 = *reg;
		else
			*reg = v->vcr2;
		return EMU_NEXT;
	case 3:
		if (!to_cr) {
			*reg = v->vcr3;
			return EMU_NEXT;
		}
		v->vcr3 = *reg;
		shadow_new_cr3(v);
		return EMU_NEXT;
	case 4:
		if (!to_cr) {
			*reg = v->vcr4;
			return EMU_NEXT;
		}
		if (*reg & CR4_PAE)
			vcpu_fail(v, "guest enables PAE paging (cr4 %08x): "
				     "only two-level paging is virtualized",
				  *reg);
		if ((*reg ^ v->vcr4) & (CR4_PSE | CR4_PGE))
			shadow_new_cr3(v);
		v->vcr4 = *reg;
		return EMU_NEXT;
	}
	return EMU_GP; /* cr1, cr5-7: #UD natively; reflect #GP is close */
	// STUB: panic("lab 1: exercise 3 (mov to/from cr) not implemented");
	// END LAB 1 SOLUTION
}

static enum emu_result
emulate_msr(struct vcpu *v, bool write)
{
	struct pushregs *r = &v->tf.tf_regs;
	uint32_t msr = r->reg_ecx;
	uint64_t val = ((uint64_t)r->reg_edx << 32) | r->reg_eax;

	if (msr >= MSR_SYSENTER_CS && msr <= MSR_SYSENTER_EIP) {
		if (write)
			vmsr_sysenter[msr - MSR_SYSENTER_CS] = val;
		else
			val = vmsr_sysenter[msr - MSR_SYSENTER_CS];
	} else if (msr == MSR_IA32_APIC_BASE) {
		/* The virtual local APIC's base and enable bits. */
		if (write && vlapic_msr_write(&vlapic0, val) < 0)
			return EMU_GP;
		if (!write)
			val = vlapic_msr_read(&vlapic0);
	} else if (msr == MSR_TSC && !write) {
		val = rdtsc();
	} else {
		return EMU_GP; /* an MSR we do not model: #GP as for unknown ones */
	}
	if (!write) {
		r->reg_eax = (uint32_t)val;
		r->reg_edx = (uint32_t)(val >> 32);
	}
	return EMU_NEXT;
}

/* lgdt/lidt/lmsw/invlpg: the 0F 01 group. */
static enum emu_result
emulate_0f01(struct vcpu *v, const struct x86_insn *in)
{
	if (in->mod == 3 && in->reg != 6)
		return EMU_UNKNOWN; /* register forms: vmcall, monitor, swapgs, ... */
	gva_t addr = in->mod == 3 ? 0 : operand_address(v, in);
	struct {
		uint16_t lim;
		uint32_t base;
	} __attribute__((packed)) pd;

	switch (in->reg) {
	case 2: /* lgdt */
	case 3: /* lidt */
		if (gva_read(v, addr, &pd, 6, NULL) < 0)
			return EMU_GP;
		if (in->opsize == 2)
			pd.base &= 0x00FFFFFF;
		if (in->reg == 2) {
			v->vgdtr.pd_lim = pd.lim;
			v->vgdtr.pd_base = pd.base;
			shadow_gdt_sync(v);
		} else {
			v->vidtr.pd_lim = pd.lim;
			v->vidtr.pd_base = pd.base;
		}
		return EMU_NEXT;
	case 6: { /* lmsw: only PE, MP, EM, TS; PE cannot be cleared */
		uint16_t msw;
		if (read_rm16(v, in, &msw) < 0)
			return EMU_GP;
		v->vcr0 = (v->vcr0 & ~0xEu) | (msw & 0xF) | (v->vcr0 & CR0_PE);
		return EMU_NEXT;
	}
	case 7: /* invlpg */
		shadow_invlpg(v, addr);
		return EMU_NEXT;
	}
	return EMU_GP;
}

/* Emulate one decoded instruction. */
static enum emu_result
emulate_one(struct vcpu *v, const struct x86_insn *in)
{
	uint16_t sel;

	if (in->attr & X86_ATTR_IO)
		return emulate_io_insn(v, in);
	/* sgdt, smsw, lar, push %cs, popf, lret, ...: sensitive.c. */
	if (insn_is_sensitive(in))
		return emulate_sensitive(v, in);

	switch (in->opcode) {
	case 0xFA: /* cli */
	case 0xFB: /* sti */
		// LAB 1: Exercise 6.  cli and sti change the guest's IF
		// (v->vflags), never the real one, and an sti that enables
		// interrupts holds them off for one more instruction, as the
		// CPU's does (v->sti_shadow).  Return EMU_NEXT.
		// BEGIN LAB 1 SOLUTION
		if (in->opcode == 0xFA) {
			v->vflags &= ~FL_IF;
		} else if (!(v->vflags & FL_IF)) {
			v->vflags |= FL_IF;
			v->sti_shadow = true;
		}
		return EMU_NEXT;
		// STUB: panic("lab 1: exercise 6 (cli/sti) not implemented");
		// END LAB 1 SOLUTION
	case 0xF4: /* hlt */
		vcpu_halt(v);
		return EMU_NEXT;
	case 0xCF: /* iret: handled with its own eip update */
		return emulate_iret(v) < 0 ? EMU_GP : EMU_JUMPED;
	case 0x0F20:
	case 0x0F22:
		return emulate_cr(v, in->reg, in->opcode == 0x0F22, in->rm);
	case 0x0F06: /* clts */
		v->vcr0 &= ~CR0_TS;
		return EMU_NEXT;
	case 0x0F08: /* invd */
	case 0x0F09: /* wbinvd: caches are the host's business */
		return EMU_NEXT;
	case 0x0F30:
		return emulate_msr(v, true);
	case 0x0F32:
		return emulate_msr(v, false);
	case 0x0F01:
		return emulate_0f01(v, in);
	case 0x0F00: /* lldt (/2), ltr (/3) */
		if (in->reg != 2 && in->reg != 3)
			return EMU_GP;
		if (read_rm16(v, in, &sel) < 0)
			return EMU_GP;
		return (in->reg == 2 ? emulate_lldt(v, sel)
				     : emulate_ltr(v, sel)) < 0
			       ? EMU_GP
			       : EMU_NEXT;
	case 0x8E: /* mov r/m16, %sreg: only %ss traps */
		if (in->reg != X86_SEG_SS || read_rm16(v, in, &sel) < 0)
			return EMU_GP;
		if (emulate_load_ss(v, sel) < 0)
			return EMU_GP;
		/* Like the CPU, hold interrupts for one more instruction. */
		v->sti_shadow = true;
		return EMU_NEXT;
	case 0x17: { /* pop %ss */
		uint32_t val;
		if (gva_read(v, v->tf.tf_esp, &val, 4, NULL) < 0 ||
		    emulate_load_ss(v, (uint16_t)val) < 0)
			return EMU_GP;
		v->tf.tf_esp += 4;
		v->sti_shadow = true;
		return EMU_NEXT;
	}
	}
	return EMU_UNKNOWN; /* not an instruction we emulate */
}

/*
 * A privileged instruction trapped at eip (a #GP with error code err
 * at ring 1): decode and emulate it, or stop the guest with the
 * instruction named if we cannot.
 */
void
emulate_priv(struct vcpu *v, uint32_t err)
{
	struct x86_insn in;
	int len = vcpu_decode_at_eip(v, &in);
	if (len == VCPU_FETCH_FAULT)
		vcpu_fail(v, "cannot read the guest's code at eip %08x",
			  v->tf.tf_eip);
	if (len < 0) {
		/* Not an instruction at all: the CPU would have said #UD. */
		vmm_raise(v, T_ILLOP, false, 0);
		return;
	}
	count(CNT_EMULATED);
	count_insn(&in);

	/* This instruction ends any interrupt shadow before it. */
	v->sti_shadow = false;
	bool stepping = v->tf.tf_eflags & FL_TF;
	enum emu_result r = emulate_one(v, &in);
	if (r == EMU_NEXT) {
		v->tf.tf_eip += len;
		/* The guest single-steps: its #DB once the instruction is
		 * done, as the CPU would give it (a trap, eip past it). */
		if (stepping)
			vmm_raise(v, T_DEBUG, false, 0);
	}
	else if (r == EMU_GP)
		guest_gp(v, err);
	else if (r == EMU_UNKNOWN &&
		 !(in.attr & (X86_ATTR_PRIV | X86_ATTR_IOPL))) {
		/* Not a privileged instruction: a segment limit the monitor
		 * set, where the guest reaches into the hole (the guest's
		 * #PF, holefault.c), or a #GP ring 0 would have had too. */
		if (err != 0 || !hole_limit_fault(v))
			guest_gp(v, err);
	} else if (r == EMU_UNKNOWN)
		vcpu_fail(v, "cannot emulate '%s' (opcode %x) at eip %08x",
			  x86_insn_name(&in), in.opcode, v->tf.tf_eip);
	if (v->sti_shadow)
		v->sti_shadow_eip = v->tf.tf_eip;
}
