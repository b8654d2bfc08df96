/*
 * Trap entry points.  Each vector's stub pushes a zero error code when
 * the CPU does not push one (so every frame has the same shape) and the
 * vector number, then joins alltraps, which completes a struct trapframe
 * (inc/trap.h) and calls trap().
 */
#include <inc/memlayout.h>
#include <inc/mmu.h>
#include <inc/syscall.h>
#include <inc/trap.h>
#include <kern/kbase.h>

/* One stub per vector; the table 'trap_vectors' lists their addresses. */
.macro VECTOR n
	.text
	.p2align 2
vector\n:
	/* The CPU pushes an error code for 8, 10-14 and 17 (TRAP_HAS_ERRCODE). */
	.if (\n == T_DBLFLT) || ((\n >= T_TSS) && (\n <= T_PGFLT)) || (\n == T_ALIGN)
	.else
	pushl	$0
	.endif
	pushl	$\n
	jmp	alltraps
	.section .rodata
	.long	vector\n
.endm

.altmacro
.section .rodata
.p2align 2
.globl trap_vectors
trap_vectors:
.set i, 0
.rept NTRAPVEC
	VECTOR %i
	.set i, i + 1
.endr

.text
alltraps:
	/* User code may leave DF set; C code assumes it clear (SysV ABI). */
	cld
	pushl	%ds
	pushl	%es
	pushl	%fs
	pushl	%gs
	pushal
	movw	$KSEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
#ifdef VMM_IMAGE
	/* The hole guard (vmm/holeguard.c): the monitor runs with CR0.WP
	 * clear, so the hole's read-only pages bind the guest only. */
	movl	%cr0, %eax
	testl	$CR0_WP, %eax
	jz	1f		/* from user mode, or the guard is off */
	cmpl	$0, hole_guard_armed
	je	1f
	andl	$~CR0_WP, %eax
	movl	%eax, %cr0
1:
#endif
	pushl	%esp		/* the trapframe */
	call	trap
	/* trap() never returns: it resumes a process with trap_return. */

/* Resume the state in *tf (a struct trapframe anywhere in memory). */
.globl trap_return
trap_return:
	movl	4(%esp), %esp
	popal
	popl	%gs
	popl	%fs
	popl	%es
	popl	%ds
	addl	$8, %esp	/* trapno and error code */
	iret
