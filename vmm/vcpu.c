/*
 * The vcpu's register views and instruction fetch (no hardware: the host
 * unit tests link it too).
 */
#include <inc/gmem.h>
#include <inc/mmu.h>
#include <inc/vcpu.h>
#include <inc/x86decode.h>

uint32_t *
vcpu_gpr(struct vcpu *v, int reg)
{
	struct pushregs *r = &v->tf.tf_regs;
	switch (reg) {
	case X86_EAX: return &r->reg_eax;
	case X86_ECX: return &r->reg_ecx;
	case X86_EDX: return &r->reg_edx;
	case X86_EBX: return &r->reg_ebx;
	case X86_ESP: return &v->tf.tf_esp; /* the guest's, from the frame */
	case X86_EBP: return &r->reg_ebp;
	case X86_ESI: return &r->reg_esi;
	default: return &r->reg_edi;
	}
}

uint32_t
vcpu_eflags(const struct vcpu *v)
{
	return (v->tf.tf_eflags & ~(FL_IF | FL_IOPL_MASK)) | v->vflags;
}

void
vcpu_set_eflags(struct vcpu *v, uint32_t eflags)
{
	v->vflags = eflags & (FL_IF | FL_IOPL_MASK);
	v->tf.tf_eflags = (eflags & ~(FL_IOPL_MASK | FL_VM | FL_NT)) | FL_IF |
			  FL_RESERVED1;
}

/* The bytes at eip, as many as are readable up to X86_MAX_INSN_LEN: an
 * instruction may end before a page that is not mapped. */
static int
fetch(struct vcpu *v, uint8_t *buf, size_t *len)
{
	gva_t eip = v->tf.tf_eip;
	size_t n = X86_MAX_INSN_LEN;
	size_t first = MIN(n, (size_t)(PGSIZE - PGOFF(eip)));
	if (gva_read(v, eip, buf, first, NULL) < 0)
		return -1;
	if (first < n &&
	    gva_read(v, eip + first, buf + first, n - first, NULL) < 0)
		n = first;
	*len = n;
	return 0;
}

int
vcpu_decode_at_eip(struct vcpu *v, struct x86_insn *in)
{
	uint8_t bytes[X86_MAX_INSN_LEN];
	size_t avail;
	if (fetch(v, bytes, &avail) < 0)
		return VCPU_FETCH_FAULT;
	return x86_decode(bytes, avail, in);
}
