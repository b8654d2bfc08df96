/*
 * The first instruction of every user program.
 *
 * The kernel starts a process at the ELF entry point with %esp pointing
 * at argc, then argv (a pointer to a NULL-terminated array of string
 * pointers, all on the user stack), the user data segments loaded,
 * interrupts enabled and every other register zero.  We hand argc and
 * argv to libmain, which runs main and exits with its return value.
 */
	.section .text.entry, "ax"
	.globl _start
_start:
	movl	0(%esp), %eax		/* argc */
	movl	4(%esp), %edx		/* argv */
	xorl	%ebp, %ebp		/* outermost frame, for backtraces */
	andl	$~15, %esp		/* the ABI's 16-byte call alignment */
	subl	$8, %esp
	pushl	%edx
	pushl	%eax
	call	libmain

	/* libmain ends in exit(); never run off the end of the text. */
	addl	$8, %esp
	pushl	%eax
	call	exit
1:	jmp	1b
