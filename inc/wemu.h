/*
 * The memory-instruction emulator: for trace faults (lab 2), writes a
 * kernel makes with cr0.WP clear, and device registers in memory.
 *
 * When the guest writes to one of its own page-table pages, which the
 * monitor keeps write-protected in the shadow (a "trace", Adams &
 * Agesen §2.4), the write faults into the monitor.  The monitor cannot
 * simply let the write happen: it must also bring the shadow up to date
 * with the entries the guest just changed.  So it decodes the faulting
 * instruction, performs it here against guest memory on the guest's
 * behalf, and is told which bytes were written so that it can propagate
 * the new entries into the shadow.
 *
 * The emulator knows nothing of page tables or the shadow: it executes
 * one instruction on a copy of the guest's registers, reaching memory
 * only through the two callbacks of struct wemu_mem.  That keeps it
 * testable on the host, where the "guest memory" is a byte array.
 */
#ifndef VMMLAB_INC_WEMU_H
#define VMMLAB_INC_WEMU_H

#include <inc/types.h>
#include <inc/x86decode.h>

/*
 * How the emulator reaches guest memory.  Addresses are guest-virtual
 * offsets; the guest's segments are taken as flat (base 0), so segment
 * overrides are ignored: a caller whose guest uses a segment with a
 * non-zero base must refuse such instructions itself.
 *
 * Each callback moves len (1, 2 or 4) bytes and returns 0, or -1 when
 * the access faults; a failed access must move nothing.  The callback
 * that fails is the one that sees the faulting address and whether it
 * was a read or a write: it records them in ctx if the caller needs
 * them to reflect a #PF.
 */
struct wemu_mem {
	void *ctx;
	int (*read)(void *ctx, gva_t va, void *buf, size_t len);
	int (*write)(void *ctx, gva_t va, const void *buf, size_t len);
};

/*
 * The bytes an instruction wrote: one contiguous range, for the caller
 * to propagate into the shadow.  len is 0 when nothing was written (a
 * cmp, a cmpxchg whose comparison failed, a rep with a zero count).  A
 * rep string instruction's whole run is one range (4 KiB for a page
 * table cleared with rep stosl), which may reach past the traced page:
 * the caller propagates what lies in page tables.  A 4-byte write at an
 * address that is 2 mod 4 is one 4-byte range straddling two page-table
 * entries: the caller propagates both.
 */
struct wemu_write {
	gva_t va;
	uint32_t len;
};

/* Results of wemu_execute. */
enum {
	WEMU_OK = 0,	       /* executed: the caller advances eip */
	WEMU_UNSUPPORTED = -1, /* not a form the emulator knows: nothing done */
	WEMU_FAULT = -2	       /* a callback failed: eip stays, reflect it */
};

/*
 * Execute instruction `in`, already decoded from the guest's eip, with
 * the guest's general registers gpr[X86_EAX..X86_EDI] and eflags, both
 * updated in place as the CPU would update them (arithmetic flags CF PF
 * AF ZF SF OF included; no other eflags bit changes), through mem.
 *
 * WEMU_OK: *w is the range written (len 0 if none).  The caller adds
 * in->len to eip.
 *
 * WEMU_FAULT: a read or a write failed.  Registers, flags and memory
 * are as before the instruction, except for a rep string instruction,
 * which the CPU leaves as it was after the iterations completed before
 * the fault (ECX, ESI, EDI advanced; eip still at the instruction, so
 * it resumes where it stopped): then *w is what those iterations wrote,
 * which the caller propagates before reflecting the fault.
 *
 * WEMU_UNSUPPORTED: not a form listed below; nothing was read, written
 * or changed, and w->len is 0.
 *
 * Forms, with any operand size (8 bits, or 16/32 by the 66 prefix),
 * any ModRM memory operand (SIB, 16-bit addressing), LOCK ignored:
 *   mov r/m,r (88 89); mov r/m,imm (C6 C7 /0); mov moffs,AL/eAX (A2 A3)
 *   add or adc sbb and sub xor cmp r/m,r (00-39, the r/m-destination
 *	opcodes) and r/m,imm (80 81 82 83 /0-/7); cmp only reads
 *   inc dec (FE FF /0 /1); not neg (F6 F7 /2 /3)
 *   xchg r/m,r (86 87); cmpxchg (0F B0 B1); xadd (0F C0 C1)
 *   bt bts btr btc r/m,r (0F A3 AB B3 BB) and r/m,imm8 (0F BA /4-/7);
 *	bt only reads
 *   setcc r/m8 (0F 90-9F)
 *   movs stos (A4 A5 AA AB), with or without rep (F3; F2 too, which
 *	the CPU and QEMU execute as rep on these), backward when DF is set.
 * and the forms that only read memory, for a device register in memory
 * (w->len is 0 after them):
 *   mov r,r/m (8A 8B); mov AL/eAX,moffs (A0 A1); movzx movsx (0F B6 B7
 *	BE BF); add or adc sbb and sub xor cmp r,r/m (02-3B, the
 *	register-destination opcodes); test r/m,r (84 85) and r/m,imm
 *	(F6 F7 /0 /1)
 * A form whose ModRM operand is a register (mod 3) touches no memory and
 * is unsupported; so is a rep run that would wrap around the address
 * size.
 */
int wemu_execute(const struct x86_insn *in, uint32_t gpr[X86_NGPR],
		 uint32_t *eflags, const struct wemu_mem *mem,
		 struct wemu_write *w);

#endif
