/*
 * The i386 instruction decoder: bytes in, a described instruction out.
 *
 * Three parts of the monitor read guest code through it:
 *   - trap-and-emulate (lab 1) decodes the instruction that trapped
 *     (in/out, mov %crN, lgdt, cli, ...) to emulate it;
 *   - the shadow MMU (lab 2) decodes a write that hit a traced page to
 *     learn where it writes and with what;
 *   - the binary translator (lab 3) needs each instruction's length,
 *     whether it ends a translation unit, and its PC-relative target.
 *
 * The decoder knows 32-bit protected-mode code only (CS.D = 1): no
 * real mode, no 64-bit mode.  It decodes every instruction such code
 * can hold: the one-byte map, x87, the 0F, 0F 38 and 0F 3A maps with
 * their 66/F2/F3 mandatory prefixes, 3DNow!, and the VEX, EVEX and XOP
 * encodings.  Legacy instructions get a full description; VEX, EVEX and
 * XOP ones (which the monitor never emulates) get their length, ModRM
 * operand and immediate only.
 *
 * Pure function of the bytes: no globals, no allocation, no libc, so
 * the monitor, the guest and host unit tests all link the same code.
 */
#ifndef VMMLAB_INC_X86DECODE_H
#define VMMLAB_INC_X86DECODE_H

#include <inc/types.h>

/* SDM vol.2 §2.1: a longer instruction raises #GP, whatever it is. */
#define X86_MAX_INSN_LEN 15

/*
 * General registers as ModRM and SIB number them (SDM vol.2 §2.1.5,
 * Table 2-2).  The same number names the 16- and 8-bit registers
 * (AX=0; AL=0 .. BH=7), MMX/XMM registers and the control, debug and
 * segment registers of the instructions that take them.
 */
enum x86_gpr {
	X86_EAX,
	X86_ECX,
	X86_EDX,
	X86_EBX,
	X86_ESP,
	X86_EBP,
	X86_ESI,
	X86_EDI,
	X86_NGPR
};
#define X86_REG_NONE 0xff /* no base or no index register */

/* Segment registers as the Sreg field numbers them (SDM vol.2 §3.1.1.3). */
enum x86_seg {
	X86_SEG_ES,
	X86_SEG_CS,
	X86_SEG_SS,
	X86_SEG_DS,
	X86_SEG_FS,
	X86_SEG_GS,
	X86_SEG_NONE = 0xff /* no segment override prefix */
};

/* Legacy prefixes present (struct x86_insn.prefixes). */
#define X86_PFX_LOCK 0x01	/* F0 */
#define X86_PFX_REP 0x02	/* F3: rep/repe, or a mandatory prefix */
#define X86_PFX_REPNE 0x04	/* F2: repne, or a mandatory prefix */
#define X86_PFX_OPSIZE 0x08	/* 66: operand size, or a mandatory prefix */
#define X86_PFX_ADDRSIZE 0x10	/* 67: address size */

/* How the opcode was encoded (struct x86_insn.encoding). */
enum x86_encoding {
	X86_ENC_LEGACY, /* optional prefixes, 0F / 0F 38 / 0F 3A, opcode */
	X86_ENC_3DNOW,	/* 0F 0F ModRM [SIB] [disp] suffix-opcode */
	X86_ENC_VEX,	/* C4 / C5 (AVX) */
	X86_ENC_EVEX,	/* 62 (AVX-512) */
	X86_ENC_XOP	/* 8F (AMD XOP) */
};

/*
 * Control-flow class: what the translator must do at this instruction.
 * Everything but X86_FLOW_NONE ends a translation unit.
 */
enum x86_flow {
	X86_FLOW_NONE,	   /* falls through to the next instruction */
	X86_FLOW_JMP,	   /* jmp rel8/rel16/rel32 */
	X86_FLOW_JCC,	   /* jcc rel8/rel16/rel32 */
	X86_FLOW_LOOP,	   /* loop, loope, loopne, jcxz/jecxz rel8 */
	X86_FLOW_CALL,	   /* call rel16/rel32 */
	X86_FLOW_JMP_IND,  /* jmp r/m16/32 */
	X86_FLOW_CALL_IND, /* call r/m16/32 */
	X86_FLOW_JMP_FAR,  /* jmp ptr16:32 (EA) or m16:32 (FF /5) */
	X86_FLOW_CALL_FAR, /* call ptr16:32 (9A) or m16:32 (FF /3) */
	X86_FLOW_RET,	   /* ret, ret imm16 */
	X86_FLOW_RET_FAR,  /* retf, retf imm16 */
	X86_FLOW_IRET,	   /* iret */
	X86_FLOW_INT,	   /* int3, int imm8, into, int1 */
	X86_FLOW_SYS,	   /* sysenter, sysexit, syscall, sysret */
	X86_FLOW_HLT,	   /* hlt: waits for an interrupt */
	X86_FLOW_UD,	   /* ud0, ud1, ud2: always #UD */
	X86_FLOW_XBEGIN,   /* xbegin rel16/32: may resume at the target */
	X86_FLOW_OTHER	   /* other serializing jumps: rsm, vmrun, ... */
};

/*
 * Attributes (struct x86_insn.attr).  PRIV, IOPL and SENSITIVE are the
 * Popek-Goldberg classes of Adams & Agesen §2 as they apply to a guest
 * kernel run at CPL 1 with IOPL 0.
 */
#define X86_ATTR_PRIV 0x0001	  /* #GP unless CPL 0 (lgdt, mov %cr, hlt) */
#define X86_ATTR_IOPL 0x0002	  /* #GP unless CPL <= IOPL (cli, in, out) */
#define X86_ATTR_SENSITIVE 0x0004 /* does not trap at CPL > 0 but acts
				     differently (pushf, popf, sgdt, smsw,
				     lar, push %cs, mov from %ss, ...) */
#define X86_ATTR_IO 0x0008	  /* port I/O: in, out, ins, outs */
#define X86_ATTR_MEM_READ 0x0010  /* reads memory: its ModRM memory
				     operand, a moffs, or string source
				     (legacy encodings only, not VEX,
				     EVEX, XOP) */
#define X86_ATTR_MEM_WRITE 0x0020 /* writes memory: the same operands */
#define X86_ATTR_STACK 0x0040	  /* pushes or pops (push, call, ret, ..) */
#define X86_ATTR_STRING 0x0080	  /* string op: ESI/EDI, rep uses ECX */
#define X86_ATTR_LOCKABLE 0x0100  /* LOCK allowed with a memory operand */
#define X86_ATTR_REL 0x0200	  /* imm is a branch displacement */
#define X86_ATTR_MOFFS 0x0400	  /* A0-A3: the memory offset is disp */
#define X86_ATTR_VSIB 0x0800	  /* SIB index names a vector register */
#define X86_ATTR_FPU 0x1000	  /* x87, MMX or SSE/AVX state involved */

/*
 * One decoded instruction.  ModRM memory operands of every addressing
 * form (with or without SIB, 32- or 16-bit) are described the same way:
 * offset = base + index * scale + disp, truncated to addrsize.
 */
struct x86_insn {
	uint8_t len;	    /* total bytes, prefixes included */
	uint8_t encoding;   /* X86_ENC_* */
	uint8_t prefixes;   /* X86_PFX_* present */
	uint8_t seg;	    /* last segment override, or X86_SEG_NONE */
	uint8_t simd_pfx;   /* mandatory prefix chosen: 0, 0x66, 0xF3,
			       0xF2 (VEX/EVEX/XOP: from their pp field) */
	uint8_t opsize;	    /* operand size in bytes: 1, 2 or 4 (of
			       the general-purpose operand; 4 for
			       SIMD) */
	uint8_t addrsize;   /* address size in bytes: 2 or 4 */
	uint8_t flow;	    /* X86_FLOW_* */
	uint32_t opcode;    /* 0x00-0xff: one-byte map; 0x0fXX: 0F map;
			       0x0f38XX, 0x0f3aXX: three-byte maps;
			       0x0f0fXX: 3DNow! (XX = suffix byte);
			       VEX/EVEX use the same map numbers;
			       XOP: 0x8f08XX, 0x8f09XX, 0x8f0aXX */
	uint32_t attr;	    /* X86_ATTR_* */

	bool has_modrm;
	uint8_t mod, reg, rm; /* ModRM fields; mod is 3 for mov %cr/%dr,
				 whose mod bits the CPU ignores */
	bool has_sib;	      /* a SIB byte was present */
	/* Memory operand, valid when has_modrm && mod != 3. */
	uint8_t base;	/* X86_EAX..X86_EDI or X86_REG_NONE */
	uint8_t index;	/* likewise (X86_ATTR_VSIB: a vector register) */
	uint8_t scale;	/* 1, 2, 4 or 8 */
	uint8_t disp_size; /* 0, 1, 2 or 4 bytes (EVEX disp8: unscaled) */
	int32_t disp;	   /* sign-extended (moffs: the offset) */

	uint8_t imm_size;  /* 0, 1, 2 or 4 bytes of imm */
	uint32_t imm;	   /* zero-extended, but sign-extended where the
			      instruction sign-extends it (83 /x, 6A, 6B)
			      and for branch displacements */
	uint16_t imm2;	   /* second immediate: enter's nesting level,
			      far pointer's selector, extrq/insertq's 2nd */

	const char *name;  /* read it with x86_insn_name() */
};

/* Return codes of x86_decode. */
enum {
	X86_OK = 0,
	X86_ERR_INVALID = -1,	/* no instruction has this encoding (#UD) */
	X86_ERR_TRUNCATED = -2, /* needs bytes beyond avail */
	X86_ERR_TOO_LONG = -3	/* more than X86_MAX_INSN_LEN bytes (#GP) */
};

/*
 * Decode one instruction of 32-bit protected-mode code from
 * bytes[0..avail).  Returns its length (1..15) and fills *in, or
 * returns a negative X86_ERR_* (then *in is unspecified).  Never reads
 * bytes[avail] or beyond, so a caller may pass the rest of a page; the
 * result never depends on bytes after the instruction.
 *
 * What decodes is what the CPU decodes (SDM vol.2 ch.2, appendix A):
 * LOCK on an instruction that does not allow it, a register operand
 * where only memory is allowed, VEX after 66/F2/F3/F0 and the like are
 * X86_ERR_INVALID.  Some encodings decode although executing them
 * always faults: ud0/ud1/ud2 (X86_FLOW_UD), mov to %cs (8E /1) and mov
 * to/from %cr1/%cr5-7; the emulator checks those operands itself.
 * For VEX and EVEX the decoder checks what decides the length and the
 * opcode's existence, not every #UD rule on W, vector length and
 * masking.  decode.c lists the extensions it does not know.
 */
int x86_decode(const uint8_t *bytes, size_t avail, struct x86_insn *in);

/*
 * A short name for messages and counters: the mnemonic for legacy
 * instructions ("out", "mov cr", "lgdt", "rep movs" is "movs" with
 * X86_PFX_REP), "avx", "avx512", "xop" for the vector encodings.
 */
const char *x86_insn_name(const struct x86_insn *in);

/*
 * Offset of the ModRM memory operand (or of a moffs) given the guest's
 * general registers (gpr[X86_EAX..X86_EDI]), truncated to the address
 * size.  The caller adds the segment base: see x86_insn_seg.
 * Precondition: a memory operand exists (has_modrm && mod != 3, or
 * X86_ATTR_MOFFS) and is not X86_ATTR_VSIB.
 */
uint32_t x86_effective_offset(const struct x86_insn *in,
			      const uint32_t gpr[X86_NGPR]);

/*
 * Segment register of that memory operand: the override if present,
 * else SS for an EBP/ESP (16-bit: BP) base, else DS (SDM vol.1 §3.7.4).
 */
enum x86_seg x86_insn_seg(const struct x86_insn *in);

/*
 * Target of a relative branch (X86_ATTR_REL) at eip: the address after
 * the instruction plus the displacement, truncated to 16 bits under a
 * 16-bit operand size as the CPU does.
 */
uint32_t x86_branch_target(const struct x86_insn *in, uint32_t eip);

#endif
