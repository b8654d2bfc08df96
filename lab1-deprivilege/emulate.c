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
#include <inc/gmem.h>
#include <inc/shadow.h>
#include <inc/string.h>
#include <inc/vdev.h>
#include <inc/x86.h>
#include <lab1-deprivilege/vmm.h>

#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_TSC 0x10

static uint64_t vmsr_sysenter[3];

/* Where the guest's next instruction is: flat code segments only. */
static int
fetch(struct vcpu *v, uint8_t *buf, size_t *len)
{
	gva_t eip = v->tf.tf_eip;
	size_t n = X86_MAX_INSN_LEN;
	/* Take what is readable: the instruction may end before a bad page. */
	size_t first = MIN(n, (size_t)(PGSIZE - PGOFF(eip)));
	if (gva_read(v, eip, buf, first, NULL) < 0)
		return -1;
	if (first < n && gva_read(v, eip + first, buf + first, n - first,
				  NULL) < 0)
		n = first;
	*len = n;
	return 0;
}

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
guest_gp(struct vcpu *v)
{
	reflect(v, T_GPFLT, true, v->tf.tf_err, DELIVER_EXCEPTION);
}

/*
 * One port access of size bytes; counted per port.  (Marked unused: in
 * the lab 1 handout their caller is exercise 2.)
 */
static __attribute__((unused)) uint32_t
port_in(uint16_t port, int size)
{
	count(CNT_IO_IN);
	count_port(port, true);
	return vdev_in(port, size);
}

static __attribute__((unused)) void
port_out(uint16_t port, int size, uint32_t val)
{
	count(CNT_IO_OUT);
	count_port(port, false);
	vdev_out(port, size, val);
	if (port >= 0x40 && port <= 0x43)
		vmm_pit_reprogram();
}

/*
 * in/out/ins/outs, including rep.  String forms move through the guest's
 * memory at es:edi / ds:esi, stepping by the operand size in the
 * direction DF says, all iterations at once.
 */
static int
emulate_io(struct vcpu *v, const struct x86_insn *in)
{
	// LAB 1: Exercise 2.  Emulate in, out, ins and outs (with rep) on
	// the virtual devices: port_in()/port_out() do one access.
	// BEGIN LAB 1 SOLUTION
	struct pushregs *r = &v->tf.tf_regs;
	int size = in->opsize;
	uint16_t port = (in->opcode == 0xE4 || in->opcode == 0xE5 ||
			 in->opcode == 0xE6 || in->opcode == 0xE7)
				? in->imm
				: (uint16_t)r->reg_edx;
	uint32_t mask = size == 4 ? 0xFFFFFFFF : (1u << (size * 8)) - 1;

	switch (in->opcode) {
	case 0xE4: /* in al, imm8 */
	case 0xE5: /* in eax, imm8 */
	case 0xEC: /* in al, dx */
	case 0xED: /* in eax, dx */
		r->reg_eax = (r->reg_eax & ~mask) | (port_in(port, size) & mask);
		return 0;
	case 0xE6: /* out imm8, al */
	case 0xE7:
	case 0xEE: /* out dx, al */
	case 0xEF:
		port_out(port, size, r->reg_eax & mask);
		return 0;
	}

	/* ins (6C/6D) and outs (6E/6F). */
	bool rep = in->prefixes & (X86_PFX_REP | X86_PFX_REPNE);
	uint32_t count_left = rep ? r->reg_ecx : 1;
	int step = (v->tf.tf_eflags & FL_DF) ? -size : size;
	for (; count_left > 0; count_left--) {
		uint32_t val;
		if (in->opcode == 0x6C || in->opcode == 0x6D) {
			val = port_in(port, size);
			if (gva_write(v, r->reg_edi, &val, size, NULL) < 0)
				return -1;
			r->reg_edi += step;
		} else {
			val = 0;
			if (gva_read(v, r->reg_esi, &val, size, NULL) < 0)
				return -1;
			port_out(port, size, val);
			r->reg_esi += step;
		}
		if (rep)
			r->reg_ecx--;
	}
	return 0;
	// STUB: panic("lab 1: exercise 2 (port I/O) not implemented");
	// END LAB 1 SOLUTION
}

/* mov to/from %crN (0F 20 / 0F 22). */
static int
emulate_mov_cr(struct vcpu *v, const struct x86_insn *in)
{
	// LAB 1: Exercise 3.  Read or write the virtual control register
	// (v->vcr0, vcr2, vcr3, vcr4).  Loading cr3, or changing cr0.PG/WP
	// or cr4.PSE/PGE, invalidates the shadow page tables.
	// BEGIN LAB 1 SOLUTION
	uint32_t *reg = vcpu_gpr(v, in->rm);
	bool to_cr = in->opcode == 0x0F22;

	switch (in->reg) {
	case 0:
		if (!to_cr) {
			*reg = v->vcr0;
			return 0;
		}
		if ((*reg & CR0_PG) && !(*reg & CR0_PE))
			return -1;
		if ((*reg & CR0_PG) && !(*reg & CR0_WP))
			vcpu_fail(v, "guest turns paging on with cr0.WP clear "
				     "(not supported: its kernel would write "
				     "through read-only pages)");
		bool pg_changed = (*reg ^ v->vcr0) & (CR0_PG | CR0_WP);
		v->vcr0 = *reg | CR0_ET; /* ET is hardwired on 486 and later */
		if (pg_changed)
			shadow_new_cr3(v);
		return 0;
	case 2:
		if (to_cr)
			v->vcr2 = *reg;
		else
			*reg = v->vcr2;
		return 0;
	case 3:
		if (!to_cr) {
			*reg = v->vcr3;
			return 0;
		}
		v->vcr3 = *reg;
		shadow_new_cr3(v);
		return 0;
	case 4:
		if (!to_cr) {
			*reg = v->vcr4;
			return 0;
		}
		if (*reg & CR4_PAE)
			vcpu_fail(v, "guest enables PAE paging (cr4 %08x): "
				     "only two-level paging is virtualized",
				  *reg);
		if ((*reg ^ v->vcr4) & (CR4_PSE | CR4_PGE))
			shadow_new_cr3(v);
		v->vcr4 = *reg;
		return 0;
	}
	return -1; /* cr1, cr5-7: #UD natively; reflect #GP is close */
	// STUB: panic("lab 1: exercise 3 (mov to/from cr) not implemented");
	// END LAB 1 SOLUTION
}

static int
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
	} else if (msr == MSR_TSC && !write) {
		val = rdtsc();
	} else {
		return -1; /* an MSR we do not model: #GP as for unknown ones */
	}
	if (!write) {
		r->reg_eax = (uint32_t)val;
		r->reg_edx = (uint32_t)(val >> 32);
	}
	return 0;
}

/* lgdt/lidt/lmsw/invlpg: the 0F 01 group. */
static int
emulate_0f01(struct vcpu *v, const struct x86_insn *in)
{
	if (in->mod == 3 && in->reg != 6)
		return -2; /* register forms: vmcall, monitor, swapgs, ... */
	gva_t addr = in->mod == 3 ? 0 : operand_address(v, in);
	struct {
		uint16_t lim;
		uint32_t base;
	} __attribute__((packed)) pd;

	switch (in->reg) {
	case 2: /* lgdt */
	case 3: /* lidt */
		if (gva_read(v, addr, &pd, 6, NULL) < 0)
			return -1;
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
		return 0;
	case 6: { /* lmsw: only PE, MP, EM, TS; PE cannot be cleared */
		uint16_t msw;
		if (read_rm16(v, in, &msw) < 0)
			return -1;
		v->vcr0 = (v->vcr0 & ~0xEu) | (msw & 0xF) | (v->vcr0 & CR0_PE);
		return 0;
	}
	case 7: /* invlpg */
		shadow_invlpg(v, addr);
		return 0;
	}
	return -1;
}

/* Emulate one instruction; 0 on success, -1 for "the guest gets #GP(0)". */
static int
emulate_one(struct vcpu *v, const struct x86_insn *in)
{
	uint16_t sel;

	if (in->attr & X86_ATTR_IO)
		return emulate_io(v, in);

	switch (in->opcode) {
	case 0xFA: /* cli */
	case 0xFB: /* sti */
		// LAB 1: Exercise 1.  cli clears and sti sets the virtual IF
		// (v->vflags); the real IF stays 1.  sti also opens an interrupt
		// shadow (v->sti_shadow) when IF was clear.  Return 0.
		// BEGIN LAB 1 SOLUTION
		if (in->opcode == 0xFA) {
			v->vflags &= ~FL_IF;
		} else if (!(v->vflags & FL_IF)) {
			v->vflags |= FL_IF;
			v->sti_shadow = true;
		}
		return 0;
		// STUB: panic("lab 1: exercise 1 (cli/sti) not implemented");
		// END LAB 1 SOLUTION
	case 0xF4: /* hlt */
		count(CNT_HLT);
		if (!(v->vflags & FL_IF))
			vcpu_fail(v, "guest executed hlt with interrupts "
				     "disabled at eip %08x: it would sleep "
				     "forever",
				  v->tf.tf_eip);
		v->halted = true;
		return 0;
	case 0xCF: /* iret: handled with its own eip update */
		return emulate_iret(v) < 0 ? -1 : 1;
	case 0x0F20:
	case 0x0F22:
		return emulate_mov_cr(v, in);
	case 0x0F06: /* clts */
		v->vcr0 &= ~CR0_TS;
		return 0;
	case 0x0F08: /* invd */
	case 0x0F09: /* wbinvd: caches are the host's business */
		return 0;
	case 0x0F30:
		return emulate_msr(v, true);
	case 0x0F32:
		return emulate_msr(v, false);
	case 0x0F01:
		return emulate_0f01(v, in);
	case 0x0F00: /* lldt (/2), ltr (/3) */
		if (in->reg != 2 && in->reg != 3)
			return -1;
		if (read_rm16(v, in, &sel) < 0)
			return -1;
		return (in->reg == 2 ? emulate_lldt(v, sel)
				     : emulate_ltr(v, sel)) < 0
			       ? -1
			       : 0;
	case 0x8E: /* mov r/m16, %sreg: only %ss traps */
		if (in->reg != X86_SEG_SS || read_rm16(v, in, &sel) < 0)
			return -1;
		if (emulate_load_ss(v, sel) < 0)
			return -1;
		/* Like the CPU, hold interrupts for one more instruction. */
		v->sti_shadow = true;
		return 0;
	case 0x17: { /* pop %ss */
		uint32_t val;
		if (gva_read(v, v->tf.tf_esp, &val, 4, NULL) < 0 ||
		    emulate_load_ss(v, (uint16_t)val) < 0)
			return -1;
		v->tf.tf_esp += 4;
		v->sti_shadow = true;
		return 0;
	}
	}
	return -2; /* not an instruction we emulate */
}

/*
 * Decode the guest's instruction at eip (lab 2's trace handler uses it
 * too).  Returns its length, or a negative X86_ERR_* (-100 if the code
 * cannot be read).
 */
int
vcpu_decode_at_eip(struct vcpu *v, struct x86_insn *in)
{
	uint8_t bytes[X86_MAX_INSN_LEN];
	size_t avail;
	if (fetch(v, bytes, &avail) < 0)
		return -100;
	return x86_decode(bytes, avail, in);
}

/*
 * A #GP with error code 0 at ring 1: decode and emulate, or stop the
 * guest with the instruction named if we cannot.
 */
void
emulate_gp(struct vcpu *v)
{
	struct x86_insn in;
	int len = vcpu_decode_at_eip(v, &in);
	if (len == -100)
		vcpu_fail(v, "cannot read the guest's code at eip %08x",
			  v->tf.tf_eip);
	if (len < 0) {
		/* Not an instruction at all: the CPU would have said #UD. */
		reflect(v, T_ILLOP, false, 0, DELIVER_EXCEPTION);
		return;
	}
	count(CNT_EMULATED);
	count_insn(&in);

	/* This instruction ends any interrupt shadow before it. */
	v->sti_shadow = false;
	int r = emulate_one(v, &in);
	if (r == 0)
		v->tf.tf_eip += len;
	else if (r == -1)
		guest_gp(v);
	else if (r == -2 && !(in.attr & (X86_ATTR_PRIV | X86_ATTR_IOPL)))
		/* Not a privileged instruction: a #GP ring 0 would have had
		 * too -- or a segment limit the monitor set, where a guest
		 * reaches into the hole (only CPUs that enforce data limits). */
		guest_gp(v);
	else if (r == -2)
		vcpu_fail(v, "cannot emulate '%s' (opcode %x) at eip %08x",
			  x86_insn_name(&in), in.opcode, v->tf.tf_eip);
	if (v->sti_shadow)
		v->sti_shadow_eip = v->tf.tf_eip;
}
