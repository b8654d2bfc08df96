/*
 * Accesses into the monitor hole that the truncated segments turn into
 * #GP (docs/DESIGN.md §2).
 *
 * The shadow descriptors end below the hole (segments.c), so a guest
 * jump, call or return whose target lies at 0xFC000000 or above, or a
 * load or store there, raises #GP(0) at the instruction.  Natively the
 * guest's flat 4 GiB segments let it through, and it is paging that
 * stops it: a jump completes (and a call pushes its return address)
 * before the fetch at the target faults with #PF, cr2 = eip = the
 * target; a data access faults with #PF at the instruction, cr2 = the
 * address.  The guest OS never maps the hole, so that #PF is what it
 * must see.
 *
 * hole_limit_exit recognizes such a #GP by decoding the instruction,
 * finishes what the CPU would have done before the fault (the transfer,
 * the push or the pop) and describes the page fault as an exit.  The
 * dispatch then treats it like any other: shadow_true_fault finds the
 * address in the hole, and the guest gets #PF with the error code its
 * own tables imply (not present, or a user access to a supervisor
 * page).  QEMU's TCG checks the limit only on far transfers; KVM and
 * silicon check it on every access, which is why the near forms and
 * data accesses are here too.  Not covered (the #GP stays): string
 * instructions, push/pop, loop and far returns into the hole.
 */
#include <inc/deprivilege.h>
#include <inc/gmem.h>
#include <inc/mmio.h>
#include <inc/shadow.h>
#include <inc/trace.h>
#include <inc/x86.h>

/* The guest's own base and limit of selector sel (byte-granular limit). */
static bool
guest_segment(struct vcpu *v, uint16_t sel, uint32_t *base, uint32_t *limit)
{
	struct segdesc d;
	if (!guest_descriptor(v, sel, &d) || !d.sd_s || !d.sd_p)
		return false;
	*base = segdesc_base(&d);
	*limit = segdesc_limit(&d);
	return true;
}

/* The selector in segment register seg of the guest's frame. */
static uint16_t
frame_selector(struct vcpu *v, int seg)
{
	switch (seg) {
	case X86_SEG_ES:
		return v->tf.tf_es;
	case X86_SEG_CS:
		return v->tf.tf_cs;
	case X86_SEG_SS:
		return v->tf.tf_ss;
	case X86_SEG_FS:
		return v->tf.tf_fs;
	case X86_SEG_GS:
		return v->tf.tf_gs;
	default:
		return v->tf.tf_ds;
	}
}

/* The segment a ModRM memory operand goes through. */
static int
operand_segment(const struct x86_insn *in)
{
	if (in->seg != X86_SEG_NONE)
		return in->seg;
	if (!(in->attr & X86_ATTR_MOFFS) &&
	    (in->base == X86_ESP || in->base == X86_EBP))
		return X86_SEG_SS;
	return X86_SEG_DS;
}

/* The linear address of the memory operand, if its segment is known. */
static bool
operand_linear(struct vcpu *v, const struct x86_insn *in, gva_t *la,
	       uint32_t *offset, uint32_t *limit)
{
	uint32_t gpr[X86_NGPR], base;
	for (int r = 0; r < X86_NGPR; r++)
		gpr[r] = *vcpu_gpr(v, r);
	*offset = (in->attr & X86_ATTR_MOFFS) ? (uint32_t)in->disp
					       : x86_effective_offset(in, gpr);
	if (!guest_segment(v, frame_selector(v, operand_segment(in)), &base,
			   limit))
		return false;
	*la = base + *offset;
	return true;
}

/*
 * The first byte of [va, va + len) that the guest may not access at cpl,
 * and the #PF error code for it; false if the whole range is allowed.
 */
static bool
first_fault(struct vcpu *v, gva_t va, uint32_t len, bool write, int cpl,
	    gva_t *cr2)
{
	for (gva_t g = va; g - va < len; g = ROUNDDOWN(g, PGSIZE) + PGSIZE) {
		struct gwalk w = gva_walk(v, g, write, cpl);
		if (!w.ok || g >= MONHOLE) {
			*cr2 = g;
			return true;
		}
	}
	return false;
}

/* The page fault of an access at va as an exit. */
static void
pf_exit(struct vmexit *x, gva_t va, bool write, int cpl)
{
	x->kind = EXIT_EXCEPTION;
	x->exc.vector = T_PGFLT;
	x->exc.has_err = true;
	x->exc.err = (write ? FEC_W : 0) | (cpl == 3 ? FEC_U : 0);
	x->exc.cr2 = va;
}

/*
 * Push len bytes at ss:esp for a call, as the CPU does before it fetches
 * at the target.  false, with *x the push's own page fault, if the
 * guest's tables refuse it.
 */
static bool
push(struct vcpu *v, const void *val, uint32_t len, int cpl,
     struct vmexit *x)
{
	uint32_t base, limit;
	gva_t cr2;
	if (!guest_segment(v, v->tf.tf_ss, &base, &limit))
		return false;
	gva_t at = base + v->tf.tf_esp - len;
	if (first_fault(v, at, len, true, cpl, &cr2)) {
		pf_exit(x, cr2, true, cpl);
		return false;
	}
	if (gva_access(v, at, (void *)val, len, true, cpl, NULL) < 0)
		return false;
	trace_written(v, at, len);
	v->tf.tf_esp -= len;
	return true;
}

/* Read a 32-bit (or, for a far pointer, 48-bit) operand from memory. */
static bool
read_operand(struct vcpu *v, const struct x86_insn *in, void *buf,
	     uint32_t len, int cpl)
{
	gva_t la;
	uint32_t offset, limit;
	return operand_linear(v, in, &la, &offset, &limit) &&
	       gva_access(v, la, buf, len, false, cpl, NULL) == 0;
}

/*
 * A control transfer at eip whose target is in the hole: set *sel and
 * *target.  The CPU raised #GP(0) only after every selector check
 * passed, so the new %cs is usable and only its limit was short.
 */
static bool
transfer_target(struct vcpu *v, const struct x86_insn *in, int cpl,
		uint16_t *sel, uint32_t *target)
{
	uint32_t next = v->tf.tf_eip + in->len;
	struct {
		uint32_t offset;
		uint16_t sel;
	} __attribute__((packed)) far;

	*sel = v->tf.tf_cs;
	switch (in->flow) {
	case X86_FLOW_JMP:
	case X86_FLOW_JCC: /* it faulted, so it was taken */
	case X86_FLOW_CALL:
		*target = next + in->imm;
		return in->opsize == 4;
	case X86_FLOW_JMP_IND:
	case X86_FLOW_CALL_IND:
		if (in->opsize != 4)
			return false;
		if (in->mod == 3) {
			*target = *vcpu_gpr(v, in->rm);
			return true;
		}
		return read_operand(v, in, target, 4, cpl);
	case X86_FLOW_JMP_FAR:
	case X86_FLOW_CALL_FAR:
		if (in->opsize != 4)
			return false;
		if (in->opcode == 0xEA || in->opcode == 0x9A) {
			far.offset = in->imm;
			far.sel = in->imm2;
		} else if (!read_operand(v, in, &far, 6, cpl)) {
			return false;
		}
		*target = far.offset;
		/* A code segment: the RPL becomes the (unchanged) CPL. */
		*sel = (far.sel & ~3) | (v->tf.tf_cs & 3);
		return true;
	case X86_FLOW_RET: {
		uint32_t base, limit;
		return guest_segment(v, v->tf.tf_ss, &base, &limit) &&
		       gva_access(v, base + v->tf.tf_esp, target, 4, false, cpl,
				  NULL) == 0;
	}
	default:
		return false;
	}
}

bool
hole_limit_exit(struct vcpu *v, struct vmexit *x)
{
	struct x86_insn in;
	int cpl = v->vcpl;
	uint32_t base, limit;

	x->kind = NEXIT_KINDS; /* nothing yet */
	if (vcpu_decode_at_eip(v, &in) <= 0 || in.encoding != X86_ENC_LEGACY)
		return false;

	uint16_t sel;
	uint32_t target;
	if (in.flow == X86_FLOW_RET_FAR || in.flow == X86_FLOW_IRET) {
		/* A far return or iret whose frame lies in the hole.  QEMU's
		 * TCG reads such a frame with supervisor rights, so it reads
		 * the monitor's memory, not the guest's missing page, and
		 * faults later on what it found (#GP(0), a nonsense %cs);
		 * natively the read itself is the #PF. */
		uint32_t len = (in.flow == X86_FLOW_IRET ? 3 : 2) * in.opsize;
		gva_t cr2;
		if (!guest_segment(v, v->tf.tf_ss, &base, &limit))
			return false;
		gva_t la = base + v->tf.tf_esp;
		if (la + (len - 1) < MONHOLE ||
		    !first_fault(v, la, len, false, cpl, &cr2))
			return false;
		pf_exit(x, cr2, false, cpl);
		return true;
	}
	if (in.flow != X86_FLOW_NONE) {
		if (!transfer_target(v, &in, cpl, &sel, &target) ||
		    !guest_segment(v, sel, &base, &limit) || target > limit ||
		    base + target < MONHOLE)
			return false;
		/* What the CPU does before the fetch at the target. */
		uint32_t ret[2] = { v->tf.tf_eip + in.len, v->tf.tf_cs & 0xFFFF };
		if (in.flow == X86_FLOW_CALL || in.flow == X86_FLOW_CALL_IND) {
			if (!push(v, ret, 4, cpl, x))
				return x->kind == EXIT_EXCEPTION;
		} else if (in.flow == X86_FLOW_CALL_FAR) {
			uint32_t frame[2] = { ret[0], ret[1] }; /* eip below cs */
			if (!push(v, frame, 8, cpl, x))
				return x->kind == EXIT_EXCEPTION;
		} else if (in.flow == X86_FLOW_RET) {
			v->tf.tf_esp += 4 + (in.imm_size ? in.imm : 0);
		}
		v->tf.tf_cs = sel;
		v->tf.tf_eip = target;
		pf_exit(x, base + target, false, cpl);
		return true;
	}

	/* A load or store through a ModRM operand or a moffs. */
	if (!(in.attr & (X86_ATTR_MEM_READ | X86_ATTR_MEM_WRITE)) ||
	    (in.attr & (X86_ATTR_STRING | X86_ATTR_STACK)) ||
	    (!(in.attr & X86_ATTR_MOFFS) && (!in.has_modrm || in.mod == 3)))
		return false;
	gva_t la, cr2;
	uint32_t offset, size = in.opsize;
	if (!operand_linear(v, &in, &la, &offset, &limit) ||
	    offset + (size - 1) < offset || offset + (size - 1) > limit ||
	    la + (size - 1) < MONHOLE)
		return false;
	bool write = in.attr & X86_ATTR_MEM_WRITE;
	if (!first_fault(v, la, size, write, cpl, &cr2))
		return false;
	pf_exit(x, cr2, write, cpl);
	return true;
}

bool
hole_limit_fault(struct vcpu *v)
{
	struct vmexit x;
	struct gwalk w;
	uint32_t guest_err;

	if (!hole_limit_exit(v, &x))
		return false;
	/* Device registers the guest maps there (the local APIC's page):
	 * emulated, as the #PF path does when no limit stops the access. */
	if (mmio_page_fault(v, x.exc.cr2, x.exc.err))
		return true;
	/* A page the guest's tables refuse, or the hole: a true fault. */
	shadow_true_fault(v, x.exc.cr2, x.exc.err, &w, &guest_err);
	v->vcr2 = x.exc.cr2;
	vmm_raise(v, T_PGFLT, true, guest_err);
	return true;
}

bool
hole_fetch_exit(struct vcpu *v, struct vmexit *x)
{
	gva_t la = shadow_segment_base(v->tf.tf_cs) + v->tf.tf_eip;
	if (la < MONHOLE)
		return false;
	v->vcpl = SEL_RPL(v->tf.tf_cs) == 3 ? 3 : 0;
	pf_exit(x, la, false, v->vcpl);
	return true;
}
