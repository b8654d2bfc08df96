/*
 * Routines that translated code jumps to (lab 3).  They run at ring 1,
 * as translated code does, with %gs = the bt_area (lab3-bt/bt.h), and
 * they leave every guest register and flag as they found them: a guest
 * instruction's flags may be live across a jump.  So they test with
 * jecxz and compute with lea and movzwl, none of which touches a flag.
 */
#include <inc/mmu.h>
#include <lab3-bt/bt.h>

.text
.globl bt_glue_start
bt_glue_start:

/*
 * An indirect branch (ret, jmp *, call *) to the guest eip in %gs:TGT:
 * look it up in the hash inside the bt_area; on a hit jump straight to
 * its translation, else call out.  Not one instruction here changes a
 * flag: the index is movzwl (the eip's low 16 bits), the comparison a
 * lea that adds the entry's -eip to the target, tested by jecxz.
 */
.globl bt_ind_lookup
bt_ind_lookup:
	movl	%eax, %gs:BTA_S_EAX
	movl	%ecx, %gs:BTA_S_ECX
	movzwl	%gs:BTA_TGT, %ecx
	movl	%gs:BTA_HASH + 4(, %ecx, 8), %eax
	movl	%eax, %gs:BTA_S_JMP
	movl	%gs:BTA_HASH(, %ecx, 8), %ecx
	movl	%gs:BTA_TGT, %eax
	leal	(%eax, %ecx), %ecx
	movl	%gs:BTA_S_EAX, %eax
	jecxz	1f
	movl	%gs:BTA_S_ECX, %ecx
	int	$BT_CALLOUT_VEC
	.long	CO_IND, 0, 0
1:	movl	%gs:BTA_IND_HITS, %ecx	/* count the hit: lea, not inc */
	leal	1(%ecx), %ecx
	movl	%ecx, %gs:BTA_IND_HITS
	movl	%gs:BTA_S_ECX, %ecx
	jmp	*%gs:BTA_S_JMP

/*
 * iret from the guest kernel, whose frame (%esp) returns to user mode:
 * the CPU's own iret does it from ring 1 (to an outer ring it may), once
 * %gs holds the guest's selector again.  A return within the kernel (RPL
 * 0 in the frame's %cs) calls out: the monitor emulates it.  The guest
 * eip of the iret is in %gs:RESUME_EIP; the iret below is a precise
 * point for it (bt.c), should the frame be bad.
 */
.globl bt_iret_user
bt_iret_user:
	movl	%ecx, %gs:BTA_S_ECX
.globl bt_iret_user_load
bt_iret_user_load:
	movzbl	4(%esp), %ecx		/* the frame's %cs, low byte */
	andl	$3, %ecx
	leal	-3(%ecx), %ecx		/* 0: back to user mode */
	jecxz	1f
	movl	%gs:BTA_S_ECX, %ecx
	int	$BT_CALLOUT_VEC
	.long	CO_IRET, 0, 0
1:	movl	8(%esp), %ecx		/* the eflags image: its IOPL is */
	movl	%ecx, %gs:BTA_S_FLAGS	/* the guest's, which iret at ring 1 */
	/* User mode's IF and IOPL as the guest sees them, for bt_gate
	 * (the flags may change here: the iret loads the image's). */
	andl	$FL_IF, %ecx
	movl	%ecx, %gs:BTA_U_IF
	movl	%gs:BTA_S_FLAGS, %ecx
	andl	$FL_IOPL_MASK, %ecx
	movl	%ecx, %gs:BTA_U_IOPL
	addl	%gs:BTA_U_IF, %ecx
	subl	$FL_IF, %ecx
	movl	%ecx, %gs:BTA_U_DELTA
	movl	%gs:BTA_S_ECX, %ecx	/* would drop: the monitor takes it */
	movw	%gs:BTA_VGS, %gs
.globl bt_iret_user_insn
bt_iret_user_insn:
	iret

/*
 * The direct system-call gate.  User code's "int $vec", for the one
 * vector bt.c made direct (gate_consider), comes here through a DPL-3
 * trap gate, at ring 1, on the bt_area's small stack (the TSS's ss1:esp1)
 * that holds the CPU's frame: user eip, cs, eflags, esp, ss.  Without
 * the monitor, do what reflect() would: check that the guest's IDT entry
 * and its TSS's ss0 are still what the monitor saw, push the same frame
 * on the guest kernel's stack (esp0 from its TSS), set the guest's view
 * (IF as the gate leaves it, its %cs and %ss) and jump to the handler's
 * translation.  The flags stay the user's, as a gate leaves them: lea and
 * jecxz compare.  Anything unexpected -- a fault, an interrupt, an entry
 * that changed -- ends here in the monitor, which completes the int
 * itself (bt.c, gate_abort); it knows from the eip how far this got.
 */
.globl bt_gate
bt_gate:
	movl	%eax, %ss:BTA_S_EAX	/* %ss is the bt_area's here */
	movl	%ecx, %ss:BTA_S_ECX
	movl	%edx, %ss:BTA_S_EDX
.globl bt_gate_saved
bt_gate_saved:				/* from here the three are saved */
	movw	%gs, %ax
	movzwl	%ax, %eax
	movl	%eax, %ss:BTA_VGS
	movw	%ss, %ax
	movw	%ax, %gs
.globl bt_gate_gs
bt_gate_gs:				/* from here %gs is the bt_area's */
	movl	%gs:BTA_GATE_ADDR, %eax
	movl	%cs:(%eax), %ecx	/* the IDT entry as it is now */
	movl	%gs:BTA_GATE_NLO, %edx
	leal	(%ecx, %edx), %ecx
	jecxz	1f
	jmp	bt_gate_slow
1:	movl	%cs:4(%eax), %ecx
	movl	%gs:BTA_GATE_NHI, %edx
	leal	(%ecx, %edx), %ecx
	jecxz	2f
	jmp	bt_gate_slow
2:	movl	%gs:BTA_GATE_TSS, %eax
	movzwl	%cs:8(%eax), %ecx	/* ss0 */
	movl	%gs:BTA_GATE_NSS0, %edx
	leal	(%ecx, %edx), %ecx
	jecxz	3f
	jmp	bt_gate_slow
3:	movl	%cs:4(%eax), %eax	/* esp0 */
	movl	%gs:BTA_GATE_SS, %ecx
	movw	%cx, %ss
	movl	%eax, %esp
	pushl	%gs:BTA_TRAMP - 4	/* ss */
	pushl	%gs:BTA_TRAMP - 8	/* esp */
	movl	%gs:BTA_TRAMP - 12, %ecx
	movl	%gs:BTA_U_DELTA, %edx
	leal	(%ecx, %edx), %ecx
	pushl	%ecx			/* eflags, the guest's IF and IOPL */
	pushl	%gs:BTA_TRAMP - 16	/* cs */
	pushl	%gs:BTA_TRAMP - 20	/* eip */
	movl	%gs:BTA_GATE_VCS, %ecx
	movl	%ecx, %gs:BTA_VCS
	movl	%gs:BTA_GATE_VSS, %ecx
	movl	%ecx, %gs:BTA_VSS
	movl	%gs:BTA_GATE_VIFP, %ecx
	movl	%gs:(%ecx), %ecx
	movl	%ecx, %gs:BTA_VIF
	movl	%gs:BTA_U_IOPL, %ecx
	movl	%ecx, %gs:BTA_VIOPL
	movl	%gs:BTA_GATE_HITS, %ecx
	leal	1(%ecx), %ecx
	movl	%ecx, %gs:BTA_GATE_HITS
	movl	%gs:BTA_GATE_EIP, %ecx
	movl	%ecx, %gs:BTA_TGT
	movl	%gs:BTA_S_EAX, %eax
	movl	%gs:BTA_S_ECX, %ecx
	movl	%gs:BTA_S_EDX, %edx
	jmp	bt_ind_lookup
bt_gate_slow:
	int	$BT_CALLOUT_VEC
	.long	CO_GATE, 0, 0
.globl bt_gate_end
bt_gate_end:

.globl bt_glue_end
bt_glue_end:
