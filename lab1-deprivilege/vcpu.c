/* The vcpu's register views (pure: the host unit tests link it too). */
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
