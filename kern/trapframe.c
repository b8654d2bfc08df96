/* Names and printing of trap frames, for both images. */
#include <inc/stdio.h>
#include <inc/syscall.h>
#include <inc/x86.h>
#include <kern/kbase.h>
#include <kern/trap.h>

static const char *const excnames[] = {
	"divide error", "debug", "non-maskable interrupt", "breakpoint",
	"overflow", "bound range exceeded", "invalid opcode",
	"device not available", "double fault", "coprocessor segment overrun",
	"invalid TSS", "segment not present", "stack fault",
	"general protection fault", "page fault", "(reserved)",
	"x87 floating-point error", "alignment check", "machine check",
	"SIMD floating-point error",
};

const char *
trapname(int trapno)
{
	if (trapno >= 0 && trapno < (int)ARRAY_SIZE(excnames))
		return excnames[trapno];
	if (trapno == T_SYSCALL)
		return "system call";
	if (trapno >= KIRQ_BASE && trapno < KIRQ_BASE + NIRQS)
		return "hardware interrupt";
	return "(unknown trap)";
}

void
print_trapframe(const struct trapframe *tf)
{
	const struct pushregs *r = &tf->tf_regs;
	cprintf("trap %d (%s), error code %08x\n", tf->tf_trapno,
		trapname(tf->tf_trapno), tf->tf_err);
	if (tf->tf_trapno == T_PGFLT)
		cprintf("  cr2 %08x\n", rcr2());
	cprintf("  eax %08x  ebx %08x  ecx %08x  edx %08x\n", r->reg_eax,
		r->reg_ebx, r->reg_ecx, r->reg_edx);
	cprintf("  esi %08x  edi %08x  ebp %08x\n", r->reg_esi, r->reg_edi,
		r->reg_ebp);
	cprintf("  eip %08x  cs %04x  eflags %08x\n", tf->tf_eip, tf->tf_cs,
		tf->tf_eflags);
	cprintf("  ds %04x  es %04x  fs %04x  gs %04x", tf->tf_ds, tf->tf_es,
		tf->tf_fs, tf->tf_gs);
	if ((tf->tf_cs & 3) != 0)
		cprintf("  esp %08x  ss %04x", tf->tf_esp, tf->tf_ss);
	cprintf("\n");
}

