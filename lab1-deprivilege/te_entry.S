/*
 * Entering and leaving the guest in the trap-and-emulate engine.
 *
 * guest_enter(tf, &host_esp) saves the monitor's callee-saved registers,
 * remembers its stack pointer, points the TSS's ring-0 stack just below
 * it, and resumes the guest from *tf with iret (to ring 1 or 3).  When
 * the guest next traps, the CPU switches to that ring-0 stack and the
 * trap lands in trap() (te.c), which copies the frame into the vcpu and
 * calls guest_leave(host_esp): back on the saved stack, guest_enter returns.
 */
#include <kern/kbase.h>

.text
.globl guest_enter
guest_enter:
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	20(%esp), %eax		/* tf */
	movl	24(%esp), %edx		/* &host_esp */
	movl	%esp, (%edx)
	movl	%esp, vmm_tss + 4	/* ts_esp0 */
	movl	%eax, %esp
	popal
	popl	%gs
	popl	%fs
	popl	%es
	popl	%ds
	addl	$8, %esp		/* trapno, err */
	iret

.globl guest_leave
guest_leave:
	movl	4(%esp), %esp
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret
