/*
 * Entry and trap stubs of the guest runtime (guests/rt.h).
 *
 * QEMU's multiboot loader, or the monitor acting as one, enters _start
 * in 32-bit protected mode with paging off, interrupts off and flat
 * segments; %eax holds MB_BOOT_MAGIC and %ebx the info block, neither of
 * which these kernels need.  We are linked where we are loaded (1 MiB,
 * guests/guest.ld), so nothing needs relocating.
 */
#include <inc/multiboot.h>
#include <guests/rt.h>

#define MB_FLAGS (MB_HF_PAGE_ALIGN | MB_HF_MEMINFO)
#define BOOT_STACK_SIZE 16384
#define STUB_SIZE 16		/* each trap stub's slot; rt.c's idt_init agrees */

.section .multiboot, "a"
.p2align 2
	.long MB_HEADER_MAGIC
	.long MB_FLAGS
	.long -(MB_HEADER_MAGIC + MB_FLAGS)

.text
.globl _start
_start:
	cld
	movl	$boot_stack_top, %esp
	xorl	%ebp, %ebp		/* ends gdb's backtrace */
	call	rt_main			/* never returns */
1:	hlt
	jmp	1b

/*
 * One stub per vector, STUB_SIZE bytes apart: push a zero error code
 * where the CPU pushes none (SDM vol.3 §6.13: 8, 10-14 and 17 have one),
 * then the vector number.
 */
.p2align 4
.globl trap_stubs
trap_stubs:
.set .Lvec, 0
.rept 256
	.p2align 4
	.if .Lvec == 8 || (.Lvec >= 10 && .Lvec <= 14) || .Lvec == 17
	.else
	pushl	$0
	.endif
	pushl	$.Lvec
	jmp	trap_common
	.set .Lvec, .Lvec + 1
.endr

/* Build a struct gtrapframe, call trap(tf) and return through it. */
trap_common:
	pushl	%es
	pushl	%ds
	pushal
	movw	$GSEL_KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	pushl	%esp
	call	trap
	addl	$4, %esp
	popal
	popl	%ds
	popl	%es
	addl	$8, %esp		/* trapno, err */
	iret

/*
 * int probe_write(volatile uint32_t *addr, uint32_t val)
 * int probe_read(volatile uint32_t *addr, uint32_t *val)
 * A fault at the access lands in trap(), which sees probe_resume set,
 * records the fault and resumes at probe_resume with %eax = 1.
 */
.globl probe_write
probe_write:
	movl	4(%esp), %edx
	movl	8(%esp), %ecx
	movl	$1f, probe_resume
	movl	%ecx, (%edx)
	xorl	%eax, %eax
1:	movl	$0, probe_resume
	ret

.globl probe_read
probe_read:
	movl	4(%esp), %edx
	movl	$1f, probe_resume
	movl	(%edx), %ecx
	movl	8(%esp), %edx
	movl	%ecx, (%edx)
	xorl	%eax, %eax
1:	movl	$0, probe_resume
	ret

/*
 * int run_user(uint32_t eip, uint32_t esp): iret to ring 3 with IF set.
 * The kernel's callee-saved registers and stack stay where user_return
 * finds them; a trap from ring 3 arrives on the TSS's own stack.
 */
.globl run_user
run_user:
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	%esp, user_saved_esp
	movl	20(%esp), %ecx		/* eip */
	movl	24(%esp), %edx		/* esp */
	movw	$GSEL_UDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	pushl	$GSEL_UDATA		/* ss */
	pushl	%edx			/* esp */
	pushl	$0x202			/* eflags: IF, and the always-one bit */
	pushl	$GSEL_UCODE		/* cs */
	pushl	%ecx			/* eip */
	iret

/*
 * void user_return(int result): called by trap() on the trap stack to
 * abandon the user run and return result from run_user.
 */
.globl user_return
user_return:
	movl	4(%esp), %eax
	movl	user_saved_esp, %esp
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret

.data
.globl probe_resume
probe_resume:
	.long 0
user_saved_esp:
	.long 0

.bss
.p2align 4
boot_stack:
	.space BOOT_STACK_SIZE
boot_stack_top:
