/*
 * Routines that translated code jumps to (lab 3).  They run at ring 1,
 * as translated code does, with %gs = the bt_area (lab3-bt/bt.h), and
 * they leave every guest register and flag as they found them: a guest
 * instruction's flags may be live across a jump.  So they test with
 * jecxz and compute with lea and movzwl, none of which touches a flag.
 */
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
	movl	%gs:BTA_S_ECX, %ecx	/* would drop: the monitor takes it */
	movw	%gs:BTA_VGS, %gs
.globl bt_iret_user_insn
bt_iret_user_insn:
	iret
.globl bt_glue_end
bt_glue_end:
