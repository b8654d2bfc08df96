/*
 * One trip into the guest under AMD SVM (lab4-vt/vt.c).
 *
 * vt_vmrun(vmcb_pa, regs, host_save_pa) loads the guest's general
 * registers other than %eax and %esp (those are in the VMCB) from regs,
 * runs the guest with vmrun until it exits, stores them back, and
 * returns with interrupts off.
 *
 * vmrun itself loads and saves only part of the guest's state; the rest
 * (%fs, %gs, the task register, the LDT, the sysenter MSRs) moves with
 * vmload and vmsave.  So: vmload the guest's, vmrun, vmsave the guest's,
 * and vmload the monitor's own (saved once at start, host_save_pa).
 *
 * Interrupts: clgi holds every interrupt off while the guest's state is
 * loaded; sti then sets the host's IF, which vmrun saves, so that with
 * V_INTR_MASKING a physical interrupt makes the guest exit (INTR).  After
 * #VMEXIT the global interrupt flag is clear: cli first, then stgi, and
 * the monitor runs with interrupts off as always.
 */

.text
.globl vt_vmrun
vt_vmrun:
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	24(%esp), %edx		/* regs (struct pushregs) */
	pushl	%edx
	movl	0(%edx), %edi
	movl	4(%edx), %esi
	movl	8(%edx), %ebp
	movl	16(%edx), %ebx
	movl	24(%edx), %ecx
	movl	20(%edx), %edx
	movl	24(%esp), %eax		/* vmcb_pa */
	clgi
	sti
	vmload
	vmrun
	vmsave
	cli
	xchgl	%edx, (%esp)		/* guest %edx saved, regs in %edx */
	movl	%edi, 0(%edx)
	movl	%esi, 4(%edx)
	movl	%ebp, 8(%edx)
	movl	%ebx, 16(%edx)
	movl	%ecx, 24(%edx)
	popl	%ecx
	movl	%ecx, 20(%edx)
	movl	28(%esp), %eax		/* host_save_pa */
	vmload
	stgi
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret
