/*
 * Entering and leaving the guest in the trap-and-emulate engine.
 *
 * guest_enter(tf, &host_esp) saves the monitor's callee-saved registers,
 * remembers its stack pointer, copies *tf to the top of the entry stack
 * (vmm_entry_stack, the TSS's ring-0 stack) and resumes the guest from
 * that copy with iret (to ring 1 or 3).  When the guest next traps, the
 * CPU pushes its frame at the same place, and the trap lands in trap()
 * (te.c), which copies the frame into the vcpu and calls
 * guest_leave(host_esp): back on the saved stack, guest_enter returns.
 *
 * The monitor's own stack is never the ring-0 stack: with the hole
 * guard armed (vmm/holeguard.c), it is read-only to the guest kernel,
 * and CR0.WP is set here, after the last write, to make it so.  A fault on
 * the way out (a bad selector, an iret the CPU refuses) is pushed on
 * the entry stack, which stays writable, and reaches trap() as a fault
 * in the monitor.
 */
#include <inc/mmu.h>
#include <kern/kbase.h>

#define TF_SIZE 76	/* sizeof(struct trapframe) */

.text
.globl guest_enter
guest_enter:
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	20(%esp), %esi		/* tf */
	movl	24(%esp), %edx		/* &host_esp */
	movl	%esp, (%edx)
	movl	$vmm_entry_stack + VMM_ENTRY_STACK_SIZE - TF_SIZE, %edi
	movl	$TF_SIZE / 4, %ecx
	cld
	rep movsl
	movl	$vmm_entry_stack + VMM_ENTRY_STACK_SIZE - TF_SIZE, %esp
	cmpl	$0, hole_guard_armed
	je	1f
	/* Only ring 1 needs it: paging keeps ring 3 out of supervisor
	 * pages whatever WP says, and every change of WP costs QEMU a
	 * TLB flush, so a return to user mode leaves it clear -- unless
	 * user code may enter ring 1 without the monitor (lab 3). */
	testb	$2, 60(%esp)		/* the frame's %cs: RPL 1, not 3 */
	jz	2f
	cmpl	$0, hole_guard_user_wp
	je	1f
2:	movl	%cr0, %eax
	orl	$CR0_WP, %eax
	movl	%eax, %cr0
1:	popal
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
