/*
 * The guest OS's first instructions.  QEMU's multiboot loader (or the
 * monitor, acting as one) enters here in 32-bit protected mode with
 * paging off, flat segments, interrupts off, %eax = MB_BOOT_MAGIC and
 * %ebx = the physical address of the multiboot info block.
 *
 * We are linked at KBASE (kern/kbase.h) but running at our load address, so until
 * paging is on every address must go through RELOC().  We map the first
 * 8 MiB of physical memory both at 0 (so the next instruction still
 * works once paging is on) and at KBASE, jump high, and call C.
 */
#include <inc/memlayout.h>
#include <inc/mmu.h>
#include <inc/multiboot.h>
#include <kern/kbase.h>

#define RELOC(x) ((x) - KBASE)
#define BOOT_MAP_PTS 2			/* page tables: 2 x 4 MiB */

#define MB_FLAGS (MB_HF_PAGE_ALIGN | MB_HF_MEMINFO)

.section .multiboot
.p2align 2
	.long MB_HEADER_MAGIC
	.long MB_FLAGS
	.long -(MB_HEADER_MAGIC + MB_FLAGS)

.text
.globl _start
_start = RELOC(entry)

.globl entry
entry:
	cld
	/* Keep the loader's arguments where the page-table loop can't touch them. */
	movl	%eax, %esi
	movl	%ebx, %edi

	/* Fill the boot page tables: PTE i maps physical page i. */
	movl	$RELOC(boot_pt), %ebx
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$PGSHIFT, %eax
	orl	$(PTE_P | PTE_W), %eax
	movl	%eax, (%ebx, %ecx, 4)
	incl	%ecx
	cmpl	$(BOOT_MAP_PTS * NPTENTRIES), %ecx
	jb	1b

	/* Point PDEs 0,1 and KBASE's two at them. */
	movl	$RELOC(boot_pgdir), %edx
	movl	$RELOC(boot_pt) + (PTE_P | PTE_W), %eax
	movl	%eax, (%edx)
	movl	%eax, (KBASE >> PDXSHIFT) * 4(%edx)
	addl	$PGSIZE, %eax
	movl	%eax, 4(%edx)
	movl	%eax, (KBASE >> PDXSHIFT) * 4 + 4(%edx)

	movl	%edx, %cr3
	movl	%cr0, %eax
	orl	$(CR0_PE | CR0_PG | CR0_WP), %eax
	movl	%eax, %cr0

	/* Now jump to our linked (high) address. */
	movl	$relocated, %eax
	jmp	*%eax
relocated:
	movl	$0, %ebp		/* ends the backtrace */
	movl	$(bootstacktop), %esp
	pushl	%edi			/* multiboot info (physical) */
	pushl	%esi			/* multiboot magic */
	call	i386_init
	/* i386_init never returns. */
2:	hlt
	jmp	2b

.bss
.p2align PGSHIFT
.globl bootstack
bootstack:
	.space KSTKSIZE
.globl bootstacktop
bootstacktop:

.p2align PGSHIFT
boot_pgdir:
	.space PGSIZE
boot_pt:
	.space BOOT_MAP_PTS * PGSIZE
