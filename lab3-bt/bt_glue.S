/*
 * Routines that translated code jumps to (lab 3).  They run at ring 1,
 * as translated code does, with %gs = the bt_area (lab3-bt/bt.h), and
 * they leave every guest register and flag as they found them: a guest
 * instruction's flags may be live across a jump.
 *
 * Flags are saved with lahf (SF ZF AF PF CF into %ah) and seto (OF into
 * %al), and restored with "addb $0x7f, %al" (0x7f + 1 overflows: OF
 * comes back as it was) then sahf.
 */
#include <lab3-bt/bt.h>

.text

/*
 * An indirect branch (ret, jmp *, call *) to the guest eip in %gs:TGT:
 * look it up in the hash inside the bt_area (index: the low bits of the
 * eip); on a hit jump straight to its translation, else call out.
 */
.globl bt_ind_lookup
bt_ind_lookup:
	movl	%eax, %gs:BTA_S_EAX
	lahf
	seto	%al
	movl	%eax, %gs:BTA_S_FLAGS
	movl	%ecx, %gs:BTA_S_ECX
	movl	%gs:BTA_TGT, %eax
	movl	%eax, %ecx
	andl	$(BT_HASH_SIZE - 1), %ecx
	cmpl	%eax, %gs:BTA_HASH(, %ecx, 8)
	jne	1f
	movl	%gs:BTA_HASH + 4(, %ecx, 8), %ecx
	movl	%ecx, %gs:BTA_S_JMP
	incl	%gs:BTA_IND_HITS
	movl	%gs:BTA_S_FLAGS, %eax
	addb	$0x7f, %al
	sahf
	movl	%gs:BTA_S_ECX, %ecx
	movl	%gs:BTA_S_EAX, %eax
	jmp	*%gs:BTA_S_JMP
1:	movl	%gs:BTA_S_FLAGS, %eax
	addb	$0x7f, %al
	sahf
	movl	%gs:BTA_S_ECX, %ecx
	movl	%gs:BTA_S_EAX, %eax
	int	$BT_CALLOUT_VEC
	.long	CO_IND, 0, 0

/* After sti or popf: no virtual interrupt pending, go on. */
.globl bt_resume
bt_resume:
	jmp	*%gs:BTA_RESUME

/* ... or one is: let the monitor deliver it at %gs:RESUME_EIP. */
.globl bt_irq_exit
bt_irq_exit:
	int	$BT_CALLOUT_VEC
	.long	CO_IRQ, 0, 0
