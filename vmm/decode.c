/*
 * The i386 instruction decoder (contract in inc/x86decode.h).
 *
 * An instruction is, in order (SDM vol.2 §2.1, Figure 2-1):
 *
 *	prefixes  opcode  [ModRM [SIB] [displacement]]  [immediate]
 *
 * The decoder reads the prefixes, then the opcode bytes, which select
 * an entry in one of the opcode tables below.  The tables are laid out
 * like the opcode maps of SDM vol.2 appendix A, and an entry says what
 * follows the opcode (its "args") and what the instruction does to the
 * machine (flow and attributes).  Where the map says that ModRM.reg,
 * ModRM.mod, ModRM.rm or a mandatory prefix picks the instruction, the
 * entry points to a smaller table instead, and the decoder follows it
 * (resolve()).
 *
 * The AVX encodings (VEX, EVEX, XOP) are not in appendix A's maps but
 * in the instruction pages; their tables at the end of this file list
 * the opcodes that exist, with the few rules on vector length, W and
 * vvvv that decide whether an encoding is defined.
 *
 * What is "defined" is what the CPU decodes, not what an assembler
 * emits: undocumented aliases every CPU executes (salc, fstp1, test /1,
 * 82 /r) decode; LOCK on a form that does not allow it, a register
 * where only memory is allowed, 66/F2/F3 before VEX do not.  Where the
 * CPU checks more at decode time than matters for length (EVEX.W, the
 * vector length, masking), the decoder does not follow it all the way;
 * the VEX and EVEX tables say how far.  vmm/decode_test.c
 * holds the decoder against Capstone and lists where Capstone is wrong.
 *
 * Coverage: the ISA of 32-bit code up to about Ice Lake and Zen 3,
 * with AMD's 3DNow!, SSE4a, XOP, TBM, LWP and VIA PadLock.  Not decoded
 * (X86_ERR_INVALID): AVX512-FP16 (EVEX maps 5, 6), the VEX AVX-VNNI,
 * AVX-IFMA, AVX-NE-CONVERT and AVX-VNNI-INT8 forms, AVX10, and AMD's
 * "lock mov %cr0" spelling of %cr8; AMX and APX do not exist in 32-bit
 * mode.
 */

#include <inc/x86decode.h>

/*
 * What follows the opcode byte(s).  "S" sizes follow the operand size:
 * one byte for byte operations, else two or four bytes (SDM vol.2
 * A.2.2 codes b, z, v; 32-bit code never has 8-byte immediates).
 */
enum args {
	A_INHERIT, /* (in a sub-table) the args of the entry that led here */
	A_NONE,	   /* nothing */
	A_M,	   /* ModRM */
	A_MI8,	   /* ModRM, imm8 */
	A_MIS,	   /* ModRM, imm8/16/32 by operand size */
	A_MI8I8,   /* ModRM, imm8, imm8 (AMD extrq, insertq) */
	A_MJS,	   /* ModRM, rel16/32 (xbegin) */
	A_I8,	   /* imm8 */
	A_I16,	   /* imm16 */
	A_IS,	   /* imm8/16/32 by operand size */
	A_I16I8,   /* imm16, imm8 (enter) */
	A_J8,	   /* rel8 */
	A_JS,	   /* rel16/32 */
	A_AP,	   /* far pointer: offset16/32, selector16 */
	A_MOFFS	   /* offset16/32 by address size (A0-A3) */
};

/* What a table entry is. */
enum kind {
	K_BAD,	  /* no instruction: #UD.  Zero, so unlisted entries are bad */
	K_OP,	  /* an instruction */
	K_PREFIX, /* a legacy prefix (one-byte map only) */
	K_GROUP,  /* ModRM.reg picks next[0..7] (appendix A.4) */
	K_MOD,	  /* next[0] for a memory operand, next[1] for a register */
	K_RM,	  /* ModRM.rm picks next[0..7] */
	K_SIMD	  /* mandatory prefix picks next[COL_NP, _66, _F3, _F2] */
};

/* Columns of a K_SIMD table: which mandatory prefix (SDM vol.2 §2.1.2). */
enum { COL_NP, COL_66, COL_F3, COL_F2 };

/* Decoder-private facts about an entry, ORed along the path to it. */
#define D_BYTE 0x01  /* byte operation: operand size 1 */
#define D_W16 0x02   /* 16-bit operand whatever the prefixes (Ew, Sw) */
#define D_SEXT 0x04  /* imm8 is sign-extended (83 /x, 6A, 6B) */
#define D_MEM 0x08   /* ModRM must name memory (mod != 3), else #UD */
#define D_REG 0x10   /* ModRM must name a register (mod == 3), else #UD */
#define D_NOMOD 0x20 /* mod is ignored, rm is a register (mov %cr/%dr) */
#define D_IMPL 0x40  /* accesses memory even with a register ModRM */

/* One entry of an opcode table. */
struct opent {
	const char *name;
	uint8_t kind;  /* enum kind */
	uint8_t args;  /* enum args */
	uint8_t flow;  /* X86_FLOW_* */
	uint8_t dec;   /* D_* */
	uint16_t attr; /* X86_ATTR_* */
	const struct opent *next; /* sub-table of K_GROUP .. K_SIMD */
};
STATIC_ASSERT(X86_ATTR_FPU <= 0xffff); /* attributes fit opent.attr */

/* Short names for the attributes, to keep table rows on one line. */
#define RD X86_ATTR_MEM_READ
#define WR X86_ATTR_MEM_WRITE
#define RMW (X86_ATTR_MEM_READ | X86_ATTR_MEM_WRITE)
#define LK X86_ATTR_LOCKABLE
#define STK X86_ATTR_STACK
#define STR X86_ATTR_STRING
#define PRIV X86_ATTR_PRIV
#define IOPL X86_ATTR_IOPL
#define SENS X86_ATTR_SENSITIVE
#define PIO (X86_ATTR_IO | X86_ATTR_IOPL)
#define REL X86_ATTR_REL
#define FPU X86_ATTR_FPU

/* Table-row constructors. */
#define E(nm, a, fl, d, at) { nm, K_OP, a, fl, d, at, NULL }
#define OP(nm, a, d, at) E(nm, a, X86_FLOW_NONE, d, at)
#define BR(nm, a, fl, at) E(nm, a, fl, 0, at)
#define PREFIX { NULL, K_PREFIX, 0, 0, 0, 0, NULL }
#define GROUP(t, a, d, at) { NULL, K_GROUP, a, 0, d, at, t }
#define BYMOD(t) { NULL, K_MOD, 0, 0, 0, 0, t }
#define BYRM(t) { NULL, K_RM, 0, 0, 0, 0, t }
#define SIMD(t, a) { NULL, K_SIMD, a, 0, 0, FPU, t }	/* SSE, MMX */
#define BYPFX(t, a) { NULL, K_SIMD, a, 0, 0, 0, t }	/* the others */
#define BAD { NULL, K_BAD, 0, 0, 0, 0, NULL }

/* clang-format off */

/*
 * ---- One-byte opcode map: SDM vol.2 Table A-2 and its groups ----
 */

/* Group 1 (80-83): the ALU operations with an immediate.  Table A-6. */
static const struct opent grp1[8] = {
	OP("add", 0, 0, RMW | LK), OP("or", 0, 0, RMW | LK),
	OP("adc", 0, 0, RMW | LK), OP("sbb", 0, 0, RMW | LK),
	OP("and", 0, 0, RMW | LK), OP("sub", 0, 0, RMW | LK),
	OP("xor", 0, 0, RMW | LK), OP("cmp", 0, 0, RD),
};

/* Group 1A (8F): pop r/m.  8F with reg != 0 is XOP (see decode_xop). */
static const struct opent grp1a[8] = {
	OP("pop", A_M, 0, WR | STK),
};

/* Group 2 (C0, C1, D0-D3): shifts and rotates; /6 is an alias of /4. */
static const struct opent grp2[8] = {
	OP("rol", 0, 0, RMW), OP("ror", 0, 0, RMW),
	OP("rcl", 0, 0, RMW), OP("rcr", 0, 0, RMW),
	OP("shl", 0, 0, RMW), OP("shr", 0, 0, RMW),
	OP("sal", 0, 0, RMW), OP("sar", 0, 0, RMW),
};

/* Group 3 (F6, F7): test takes an immediate, the others do not; /1 is
 * an undocumented alias of /0 that every CPU decodes. */
static const struct opent grp3[8] = {
	OP("test", A_MIS, 0, RD), OP("test", A_MIS, 0, RD),
	OP("not", A_M, 0, RMW | LK), OP("neg", A_M, 0, RMW | LK),
	OP("mul", A_M, 0, RD), OP("imul", A_M, 0, RD),
	OP("div", A_M, 0, RD), OP("idiv", A_M, 0, RD),
};

/* Group 4 (FE): inc/dec r/m8. */
static const struct opent grp4[8] = {
	OP("inc", A_M, 0, RMW | LK), OP("dec", A_M, 0, RMW | LK),
};

/* Group 5 (FF): inc, dec, and the indirect and far jumps and calls. */
static const struct opent grp5[8] = {
	OP("inc", A_M, 0, RMW | LK),
	OP("dec", A_M, 0, RMW | LK),
	BR("call", A_M, X86_FLOW_CALL_IND, RD | STK),
	E("lcall", A_M, X86_FLOW_CALL_FAR, D_MEM, RD | STK),
	BR("jmp", A_M, X86_FLOW_JMP_IND, RD),
	E("ljmp", A_M, X86_FLOW_JMP_FAR, D_MEM, RD),
	OP("push", A_M, 0, RD | STK),
};

/* Group 11 (C6, C7): mov r/m, imm; and in the register row, TSX's
 * xabort imm8 (C6 F8) and xbegin rel (C7 F8). */
static const struct opent xabort_rm[8] = { OP("xabort", A_MI8, 0, 0) };
static const struct opent xbegin_rm[8] = {
	BR("xbegin", A_MJS, X86_FLOW_XBEGIN, REL),
};
static const struct opent grp11_c6_reg[8] = {
	OP("mov", A_MIS, 0, 0), [7] = BYRM(xabort_rm),
};
static const struct opent grp11_c7_reg[8] = {
	OP("mov", A_MIS, 0, 0), [7] = BYRM(xbegin_rm),
};
static const struct opent grp11_mem[8] = { OP("mov", A_MIS, 0, WR) };
static const struct opent grp11_c6[2] = {
	GROUP(grp11_mem, 0, 0, 0), GROUP(grp11_c6_reg, 0, 0, 0),
};
static const struct opent grp11_c7[2] = {
	GROUP(grp11_mem, 0, 0, 0), GROUP(grp11_c7_reg, 0, 0, 0),
};

/*
 * x87 escapes D8-DF: SDM vol.2 Tables A-7 to A-22.  With a memory
 * operand ModRM.reg picks the operation; with a register operand the
 * whole ModRM byte does, so some register rows have holes (K_RM).
 * Undocumented aliases that all x87s since the 387 decode (fxch4,
 * fstp1, fcom2, ...) are listed because guests may contain them.
 */
static const struct opent d8_mem[8] = {
	OP("fadd", 0, 0, RD), OP("fmul", 0, 0, RD),
	OP("fcom", 0, 0, RD), OP("fcomp", 0, 0, RD),
	OP("fsub", 0, 0, RD), OP("fsubr", 0, 0, RD),
	OP("fdiv", 0, 0, RD), OP("fdivr", 0, 0, RD),
};
static const struct opent d8_reg[8] = {
	OP("fadd", 0, 0, 0), OP("fmul", 0, 0, 0),
	OP("fcom", 0, 0, 0), OP("fcomp", 0, 0, 0),
	OP("fsub", 0, 0, 0), OP("fsubr", 0, 0, 0),
	OP("fdiv", 0, 0, 0), OP("fdivr", 0, 0, 0),
};
static const struct opent d9_mem[8] = {
	OP("fld", 0, 0, RD), BAD,
	OP("fst", 0, 0, WR), OP("fstp", 0, 0, WR),
	OP("fldenv", 0, 0, RD), OP("fldcw", 0, 0, RD),
	OP("fnstenv", 0, 0, WR), OP("fnstcw", 0, 0, WR),
};
static const struct opent d9_d0[8] = { OP("fnop", 0, 0, 0) };
static const struct opent d9_e0[8] = {
	OP("fchs", 0, 0, 0), OP("fabs", 0, 0, 0), BAD, BAD,
	OP("ftst", 0, 0, 0), OP("fxam", 0, 0, 0),
};
static const struct opent d9_e8[8] = {
	OP("fld1", 0, 0, 0), OP("fldl2t", 0, 0, 0),
	OP("fldl2e", 0, 0, 0), OP("fldpi", 0, 0, 0),
	OP("fldlg2", 0, 0, 0), OP("fldln2", 0, 0, 0),
	OP("fldz", 0, 0, 0),
};
static const struct opent d9_f0[8] = {
	OP("f2xm1", 0, 0, 0), OP("fyl2x", 0, 0, 0),
	OP("fptan", 0, 0, 0), OP("fpatan", 0, 0, 0),
	OP("fxtract", 0, 0, 0), OP("fprem1", 0, 0, 0),
	OP("fdecstp", 0, 0, 0), OP("fincstp", 0, 0, 0),
};
static const struct opent d9_f8[8] = {
	OP("fprem", 0, 0, 0), OP("fyl2xp1", 0, 0, 0),
	OP("fsqrt", 0, 0, 0), OP("fsincos", 0, 0, 0),
	OP("frndint", 0, 0, 0), OP("fscale", 0, 0, 0),
	OP("fsin", 0, 0, 0), OP("fcos", 0, 0, 0),
};
static const struct opent d9_reg[8] = {
	OP("fld", 0, 0, 0), OP("fxch", 0, 0, 0),
	BYRM(d9_d0), OP("fstp1", 0, 0, 0),
	BYRM(d9_e0), BYRM(d9_e8), BYRM(d9_f0), BYRM(d9_f8),
};
static const struct opent da_mem[8] = {
	OP("fiadd", 0, 0, RD), OP("fimul", 0, 0, RD),
	OP("ficom", 0, 0, RD), OP("ficomp", 0, 0, RD),
	OP("fisub", 0, 0, RD), OP("fisubr", 0, 0, RD),
	OP("fidiv", 0, 0, RD), OP("fidivr", 0, 0, RD),
};
static const struct opent da_e8[8] = { [1] = OP("fucompp", 0, 0, 0) };
static const struct opent da_reg[8] = {
	OP("fcmovb", 0, 0, 0), OP("fcmove", 0, 0, 0),
	OP("fcmovbe", 0, 0, 0), OP("fcmovu", 0, 0, 0),
	BAD, BYRM(da_e8),
};
static const struct opent db_mem[8] = {
	OP("fild", 0, 0, RD), OP("fisttp", 0, 0, WR),
	OP("fist", 0, 0, WR), OP("fistp", 0, 0, WR),
	BAD, OP("fld", 0, 0, RD), BAD, OP("fstp", 0, 0, WR),
};
/* DB E0-E4: the 8087's feni/fdisi and the 287's fsetpm, no-ops since
 * the 387, and the control instructions fnclex, fninit. */
static const struct opent db_e0[8] = {
	OP("fneni", 0, 0, 0), OP("fndisi", 0, 0, 0),
	OP("fnclex", 0, 0, 0), OP("fninit", 0, 0, 0),
	OP("fnsetpm", 0, 0, 0),
};
static const struct opent db_reg[8] = {
	OP("fcmovnb", 0, 0, 0), OP("fcmovne", 0, 0, 0),
	OP("fcmovnbe", 0, 0, 0), OP("fcmovnu", 0, 0, 0),
	BYRM(db_e0), OP("fucomi", 0, 0, 0), OP("fcomi", 0, 0, 0),
};
static const struct opent dc_reg[8] = {
	OP("fadd", 0, 0, 0), OP("fmul", 0, 0, 0),
	OP("fcom2", 0, 0, 0), OP("fcomp3", 0, 0, 0),
	OP("fsubr", 0, 0, 0), OP("fsub", 0, 0, 0),
	OP("fdivr", 0, 0, 0), OP("fdiv", 0, 0, 0),
};
static const struct opent dd_mem[8] = {
	OP("fld", 0, 0, RD), OP("fisttp", 0, 0, WR),
	OP("fst", 0, 0, WR), OP("fstp", 0, 0, WR),
	OP("frstor", 0, 0, RD), BAD,
	OP("fnsave", 0, 0, WR), OP("fnstsw", 0, 0, WR),
};
static const struct opent dd_reg[8] = {
	OP("ffree", 0, 0, 0), OP("fxch4", 0, 0, 0),
	OP("fst", 0, 0, 0), OP("fstp", 0, 0, 0),
	OP("fucom", 0, 0, 0), OP("fucomp", 0, 0, 0),
};
static const struct opent de_d8[8] = { [1] = OP("fcompp", 0, 0, 0) };
static const struct opent de_reg[8] = {
	OP("faddp", 0, 0, 0), OP("fmulp", 0, 0, 0),
	OP("fcomp5", 0, 0, 0), BYRM(de_d8),
	OP("fsubrp", 0, 0, 0), OP("fsubp", 0, 0, 0),
	OP("fdivrp", 0, 0, 0), OP("fdivp", 0, 0, 0),
};
static const struct opent df_mem[8] = {
	OP("fild", 0, 0, RD), OP("fisttp", 0, 0, WR),
	OP("fist", 0, 0, WR), OP("fistp", 0, 0, WR),
	OP("fbld", 0, 0, RD), OP("fild", 0, 0, RD),
	OP("fbstp", 0, 0, WR), OP("fistp", 0, 0, WR),
};
static const struct opent df_e0[8] = { OP("fnstsw", 0, 0, 0) };
static const struct opent df_reg[8] = {
	OP("ffreep", 0, 0, 0), OP("fxch7", 0, 0, 0),
	OP("fstp8", 0, 0, 0), OP("fstp9", 0, 0, 0),
	BYRM(df_e0), OP("fucomip", 0, 0, 0), OP("fcomip", 0, 0, 0),
};
static const struct opent x87_d8[2] = {
	GROUP(d8_mem, 0, 0, 0), GROUP(d8_reg, 0, 0, 0) };
static const struct opent x87_d9[2] = {
	GROUP(d9_mem, 0, 0, 0), GROUP(d9_reg, 0, 0, 0) };
static const struct opent x87_da[2] = {
	GROUP(da_mem, 0, 0, 0), GROUP(da_reg, 0, 0, 0) };
static const struct opent x87_db[2] = {
	GROUP(db_mem, 0, 0, 0), GROUP(db_reg, 0, 0, 0) };
static const struct opent x87_dc[2] = {
	GROUP(d8_mem, 0, 0, 0), GROUP(dc_reg, 0, 0, 0) };
static const struct opent x87_dd[2] = {
	GROUP(dd_mem, 0, 0, 0), GROUP(dd_reg, 0, 0, 0) };
static const struct opent x87_de[2] = {
	GROUP(da_mem, 0, 0, 0), GROUP(de_reg, 0, 0, 0) };
static const struct opent x87_df[2] = {
	GROUP(df_mem, 0, 0, 0), GROUP(df_reg, 0, 0, 0) };
#define X87(t) { NULL, K_MOD, A_M, 0, 0, FPU, t }

/* 8C, 8E: moves between a segment register (ModRM.reg) and r/m16.
 * Sregs 6 and 7 do not exist; mov to %cs (8E /1) decodes but #UDs.
 * Reading %cs or %ss shows their RPL, the guest's true ring. */
static const struct opent mov_from_sreg[8] = {
	OP("mov from sreg", 0, 0, WR), OP("mov from sreg", 0, 0, WR | SENS),
	OP("mov from sreg", 0, 0, WR | SENS), OP("mov from sreg", 0, 0, WR),
	OP("mov from sreg", 0, 0, WR), OP("mov from sreg", 0, 0, WR),
};
static const struct opent mov_to_sreg[8] = {
	[0 ... 5] = OP("mov to sreg", 0, 0, RD),
};

/* The six ALU rows 00-3D: r/m,reg  reg,r/m  accumulator,imm (Table A-2). */
#define ALU(op, nm)                                                  \
	[op + 0] = OP(nm, A_M, D_BYTE, RMW | LK),                    \
	[op + 1] = OP(nm, A_M, 0, RMW | LK),                         \
	[op + 2] = OP(nm, A_M, D_BYTE, RD),                          \
	[op + 3] = OP(nm, A_M, 0, RD),                               \
	[op + 4] = OP(nm, A_IS, D_BYTE, 0),                          \
	[op + 5] = OP(nm, A_IS, 0, 0)

static const struct opent map1[256] = {
	ALU(0x00, "add"),
	[0x06] = OP("push es", A_NONE, 0, STK),
	[0x07] = OP("pop es", A_NONE, 0, STK),
	ALU(0x08, "or"),
	[0x0e] = OP("push cs", A_NONE, 0, STK | SENS),	/* shows CS.RPL */
	/* 0x0f: two- and three-byte escapes, handled in x86_decode */
	ALU(0x10, "adc"),
	[0x16] = OP("push ss", A_NONE, 0, STK | SENS),	/* shows SS.RPL */
	[0x17] = OP("pop ss", A_NONE, 0, STK),
	ALU(0x18, "sbb"),
	[0x1e] = OP("push ds", A_NONE, 0, STK),
	[0x1f] = OP("pop ds", A_NONE, 0, STK),
	ALU(0x20, "and"),
	[0x26] = PREFIX,
	[0x27] = OP("daa", A_NONE, 0, 0),
	ALU(0x28, "sub"),
	[0x2e] = PREFIX,
	[0x2f] = OP("das", A_NONE, 0, 0),
	ALU(0x30, "xor"),
	[0x36] = PREFIX,
	[0x37] = OP("aaa", A_NONE, 0, 0),
	[0x38] = OP("cmp", A_M, D_BYTE, RD),
	[0x39] = OP("cmp", A_M, 0, RD),
	[0x3a] = OP("cmp", A_M, D_BYTE, RD),
	[0x3b] = OP("cmp", A_M, 0, RD),
	[0x3c] = OP("cmp", A_IS, D_BYTE, 0),
	[0x3d] = OP("cmp", A_IS, 0, 0),
	[0x3e] = PREFIX,
	[0x3f] = OP("aas", A_NONE, 0, 0),
	/* 40-5F: one-register forms, the register in opcode bits 2:0 */
	[0x40 ... 0x47] = OP("inc", A_NONE, 0, 0),
	[0x48 ... 0x4f] = OP("dec", A_NONE, 0, 0),
	[0x50 ... 0x57] = OP("push", A_NONE, 0, STK),
	[0x58 ... 0x5f] = OP("pop", A_NONE, 0, STK),
	[0x60] = OP("pusha", A_NONE, 0, STK),
	[0x61] = OP("popa", A_NONE, 0, STK),
	[0x62] = OP("bound", A_M, D_MEM, RD),	/* mod == 3: EVEX */
	[0x63] = OP("arpl", A_M, D_W16, RMW),
	[0x64] = PREFIX,
	[0x65] = PREFIX,
	[0x66] = PREFIX,
	[0x67] = PREFIX,
	[0x68] = OP("push", A_IS, 0, STK),
	[0x69] = OP("imul", A_MIS, 0, RD),
	[0x6a] = OP("push", A_I8, D_SEXT, STK),
	[0x6b] = OP("imul", A_MI8, D_SEXT, RD),
	[0x6c] = OP("ins", A_NONE, D_BYTE, WR | STR | PIO),
	[0x6d] = OP("ins", A_NONE, 0, WR | STR | PIO),
	[0x6e] = OP("outs", A_NONE, D_BYTE, RD | STR | PIO),
	[0x6f] = OP("outs", A_NONE, 0, RD | STR | PIO),
	[0x70] = BR("jo", A_J8, X86_FLOW_JCC, REL),
	[0x71] = BR("jno", A_J8, X86_FLOW_JCC, REL),
	[0x72] = BR("jb", A_J8, X86_FLOW_JCC, REL),
	[0x73] = BR("jae", A_J8, X86_FLOW_JCC, REL),
	[0x74] = BR("je", A_J8, X86_FLOW_JCC, REL),
	[0x75] = BR("jne", A_J8, X86_FLOW_JCC, REL),
	[0x76] = BR("jbe", A_J8, X86_FLOW_JCC, REL),
	[0x77] = BR("ja", A_J8, X86_FLOW_JCC, REL),
	[0x78] = BR("js", A_J8, X86_FLOW_JCC, REL),
	[0x79] = BR("jns", A_J8, X86_FLOW_JCC, REL),
	[0x7a] = BR("jp", A_J8, X86_FLOW_JCC, REL),
	[0x7b] = BR("jnp", A_J8, X86_FLOW_JCC, REL),
	[0x7c] = BR("jl", A_J8, X86_FLOW_JCC, REL),
	[0x7d] = BR("jge", A_J8, X86_FLOW_JCC, REL),
	[0x7e] = BR("jle", A_J8, X86_FLOW_JCC, REL),
	[0x7f] = BR("jg", A_J8, X86_FLOW_JCC, REL),
	[0x80] = GROUP(grp1, A_MIS, D_BYTE, 0),
	[0x81] = GROUP(grp1, A_MIS, 0, 0),
	[0x82] = GROUP(grp1, A_MIS, D_BYTE, 0),	/* 80's alias */
	[0x83] = GROUP(grp1, A_MI8, D_SEXT, 0),
	[0x84] = OP("test", A_M, D_BYTE, RD),
	[0x85] = OP("test", A_M, 0, RD),
	[0x86] = OP("xchg", A_M, D_BYTE, RMW | LK),
	[0x87] = OP("xchg", A_M, 0, RMW | LK),
	[0x88] = OP("mov", A_M, D_BYTE, WR),
	[0x89] = OP("mov", A_M, 0, WR),
	[0x8a] = OP("mov", A_M, D_BYTE, RD),
	[0x8b] = OP("mov", A_M, 0, RD),
	[0x8c] = GROUP(mov_from_sreg, A_M, D_W16, 0),
	[0x8d] = OP("lea", A_M, D_MEM, 0),
	[0x8e] = GROUP(mov_to_sreg, A_M, D_W16, 0),
	[0x8f] = GROUP(grp1a, A_M, 0, 0),
	[0x90] = OP("nop", A_NONE, 0, 0),	/* F3 90: pause */
	[0x91 ... 0x97] = OP("xchg", A_NONE, 0, 0),
	[0x98] = OP("cwde", A_NONE, 0, 0),
	[0x99] = OP("cdq", A_NONE, 0, 0),
	[0x9a] = BR("lcall", A_AP, X86_FLOW_CALL_FAR, STK),
	[0x9b] = OP("fwait", A_NONE, 0, FPU),
	[0x9c] = OP("pushf", A_NONE, 0, STK | SENS),	/* IF, IOPL */
	[0x9d] = OP("popf", A_NONE, 0, STK | SENS),	/* IF, IOPL */
	[0x9e] = OP("sahf", A_NONE, 0, 0),
	[0x9f] = OP("lahf", A_NONE, 0, 0),
	[0xa0] = OP("mov", A_MOFFS, D_BYTE, RD),
	[0xa1] = OP("mov", A_MOFFS, 0, RD),
	[0xa2] = OP("mov", A_MOFFS, D_BYTE, WR),
	[0xa3] = OP("mov", A_MOFFS, 0, WR),
	[0xa4] = OP("movs", A_NONE, D_BYTE, RMW | STR),
	[0xa5] = OP("movs", A_NONE, 0, RMW | STR),
	[0xa6] = OP("cmps", A_NONE, D_BYTE, RD | STR),
	[0xa7] = OP("cmps", A_NONE, 0, RD | STR),
	[0xa8] = OP("test", A_IS, D_BYTE, 0),
	[0xa9] = OP("test", A_IS, 0, 0),
	[0xaa] = OP("stos", A_NONE, D_BYTE, WR | STR),
	[0xab] = OP("stos", A_NONE, 0, WR | STR),
	[0xac] = OP("lods", A_NONE, D_BYTE, RD | STR),
	[0xad] = OP("lods", A_NONE, 0, RD | STR),
	[0xae] = OP("scas", A_NONE, D_BYTE, RD | STR),
	[0xaf] = OP("scas", A_NONE, 0, RD | STR),
	[0xb0 ... 0xb7] = OP("mov", A_IS, D_BYTE, 0),
	[0xb8 ... 0xbf] = OP("mov", A_IS, 0, 0),
	[0xc0] = GROUP(grp2, A_MI8, D_BYTE, 0),
	[0xc1] = GROUP(grp2, A_MI8, 0, 0),
	[0xc2] = BR("ret", A_I16, X86_FLOW_RET, STK),
	[0xc3] = BR("ret", A_NONE, X86_FLOW_RET, STK),
	[0xc4] = OP("les", A_M, D_MEM, RD),	/* mod == 3: VEX */
	[0xc5] = OP("lds", A_M, D_MEM, RD),	/* mod == 3: VEX */
	[0xc6] = { NULL, K_MOD, A_INHERIT, 0, D_BYTE, 0, grp11_c6 },
	[0xc7] = { NULL, K_MOD, A_INHERIT, 0, 0, 0, grp11_c7 },
	[0xc8] = OP("enter", A_I16I8, 0, STK),
	[0xc9] = OP("leave", A_NONE, 0, STK),
	[0xca] = BR("lret", A_I16, X86_FLOW_RET_FAR, STK),
	[0xcb] = BR("lret", A_NONE, X86_FLOW_RET_FAR, STK),
	[0xcc] = BR("int3", A_NONE, X86_FLOW_INT, STK),
	[0xcd] = BR("int", A_I8, X86_FLOW_INT, STK),
	[0xce] = BR("into", A_NONE, X86_FLOW_INT, STK),
	[0xcf] = BR("iret", A_NONE, X86_FLOW_IRET, STK | SENS),
	[0xd0] = GROUP(grp2, A_M, D_BYTE, 0),
	[0xd1] = GROUP(grp2, A_M, 0, 0),
	[0xd2] = GROUP(grp2, A_M, D_BYTE, 0),
	[0xd3] = GROUP(grp2, A_M, 0, 0),
	[0xd4] = OP("aam", A_I8, 0, 0),
	[0xd5] = OP("aad", A_I8, 0, 0),
	[0xd6] = OP("salc", A_NONE, 0, 0),	/* undocumented, all CPUs */
	[0xd7] = OP("xlat", A_NONE, 0, RD),
	[0xd8] = X87(x87_d8),
	[0xd9] = X87(x87_d9),
	[0xda] = X87(x87_da),
	[0xdb] = X87(x87_db),
	[0xdc] = X87(x87_dc),
	[0xdd] = X87(x87_dd),
	[0xde] = X87(x87_de),
	[0xdf] = X87(x87_df),
	[0xe0] = BR("loopne", A_J8, X86_FLOW_LOOP, REL),
	[0xe1] = BR("loope", A_J8, X86_FLOW_LOOP, REL),
	[0xe2] = BR("loop", A_J8, X86_FLOW_LOOP, REL),
	[0xe3] = BR("jecxz", A_J8, X86_FLOW_LOOP, REL),
	[0xe4] = OP("in", A_I8, D_BYTE, PIO),
	[0xe5] = OP("in", A_I8, 0, PIO),
	[0xe6] = OP("out", A_I8, D_BYTE, PIO),
	[0xe7] = OP("out", A_I8, 0, PIO),
	[0xe8] = BR("call", A_JS, X86_FLOW_CALL, REL | STK),
	[0xe9] = BR("jmp", A_JS, X86_FLOW_JMP, REL),
	[0xea] = BR("ljmp", A_AP, X86_FLOW_JMP_FAR, 0),
	[0xeb] = BR("jmp", A_J8, X86_FLOW_JMP, REL),
	[0xec] = OP("in", A_NONE, D_BYTE, PIO),
	[0xed] = OP("in", A_NONE, 0, PIO),
	[0xee] = OP("out", A_NONE, D_BYTE, PIO),
	[0xef] = OP("out", A_NONE, 0, PIO),
	[0xf0] = PREFIX,
	[0xf1] = BR("int1", A_NONE, X86_FLOW_INT, STK),
	[0xf2] = PREFIX,
	[0xf3] = PREFIX,
	[0xf4] = BR("hlt", A_NONE, X86_FLOW_HLT, PRIV),
	[0xf5] = OP("cmc", A_NONE, 0, 0),
	[0xf6] = GROUP(grp3, A_INHERIT, D_BYTE, 0),
	[0xf7] = GROUP(grp3, A_INHERIT, 0, 0),
	[0xf8] = OP("clc", A_NONE, 0, 0),
	[0xf9] = OP("stc", A_NONE, 0, 0),
	[0xfa] = OP("cli", A_NONE, 0, IOPL),
	[0xfb] = OP("sti", A_NONE, 0, IOPL),
	[0xfc] = OP("cld", A_NONE, 0, 0),
	[0xfd] = OP("std", A_NONE, 0, 0),
	[0xfe] = GROUP(grp4, A_M, D_BYTE, 0),
	[0xff] = GROUP(grp5, A_M, 0, 0),
};

/*
 * ---- Two-byte opcode map 0F: SDM vol.2 Table A-3 and its groups ----
 */

/* Group 6 (0F 00): the LDT and task register, segment checks. */
static const struct opent grp6[8] = {
	OP("sldt", 0, 0, WR | SENS), OP("str", 0, 0, WR | SENS),
	OP("lldt", 0, 0, RD | PRIV), OP("ltr", 0, 0, RD | PRIV),
	OP("verr", 0, 0, RD | SENS), OP("verw", 0, 0, RD | SENS),
};

/*
 * Group 7 (0F 01): descriptor tables and, in the register rows, one
 * instruction per ModRM byte (VMX, SVM, monitor/mwait, xgetbv, ...).
 * 0F 01 F8 (swapgs) exists in 64-bit mode only.
 */
static const struct opent rstorssp[4] = {
	[COL_F3] = OP("rstorssp", 0, 0, RMW) };
static const struct opent grp7_mem[8] = {
	OP("sgdt", 0, 0, WR | SENS), OP("sidt", 0, 0, WR | SENS),
	OP("lgdt", 0, 0, RD | PRIV), OP("lidt", 0, 0, RD | PRIV),
	OP("smsw", 0, D_W16, WR | SENS), BYPFX(rstorssp, 0),
	OP("lmsw", 0, D_W16, RD | PRIV), OP("invlpg", 0, 0, PRIV),
};
static const struct opent grp7_c0[8] = {
	OP("enclv", 0, 0, PRIV),
	[1] = BR("vmcall", 0, X86_FLOW_OTHER, 0),
	[2] = BR("vmlaunch", 0, X86_FLOW_OTHER, PRIV),
	[3] = BR("vmresume", 0, X86_FLOW_OTHER, PRIV),
	[4] = OP("vmxoff", 0, 0, PRIV), OP("pconfig", 0, 0, PRIV),
};
static const struct opent grp7_c8[8] = {
	OP("monitor", 0, 0, PRIV), OP("mwait", 0, 0, PRIV),
	OP("clac", 0, 0, PRIV), OP("stac", 0, 0, PRIV),
	[7] = OP("encls", 0, 0, PRIV),
};
static const struct opent grp7_d0[8] = {
	OP("xgetbv", 0, 0, 0), OP("xsetbv", 0, 0, PRIV),
	[4] = OP("vmfunc", 0, 0, 0), OP("xend", 0, 0, 0),
	OP("xtest", 0, 0, 0), OP("enclu", 0, 0, 0),
};
static const struct opent grp7_d8[8] = {
	BR("vmrun", 0, X86_FLOW_OTHER, PRIV),
	BR("vmmcall", 0, X86_FLOW_OTHER, 0),
	OP("vmload", 0, 0, PRIV), OP("vmsave", 0, 0, PRIV),
	OP("stgi", 0, 0, PRIV), OP("clgi", 0, 0, PRIV),
	OP("skinit", 0, 0, PRIV), OP("invlpga", 0, 0, PRIV),
};
/* 0F 01 E8-EA: serialize, TSX load tracking, CET shadow stacks */
static const struct opent grp7_e8_0[4] = {
	OP("serialize", 0, 0, 0), BAD, OP("setssbsy", 0, 0, PRIV),
	OP("xsusldtrk", 0, 0, 0) };
static const struct opent grp7_e8_1[4] = {
	[COL_F2] = OP("xresldtrk", 0, 0, 0) };
static const struct opent grp7_e8_2[4] = {
	[COL_F3] = OP("saveprevssp", 0, 0, 0) };
static const struct opent grp7_e8[8] = {
	BYPFX(grp7_e8_0, 0), BYPFX(grp7_e8_1, 0), BYPFX(grp7_e8_2, 0),
	[6] = OP("rdpkru", 0, 0, 0), OP("wrpkru", 0, 0, 0),
};
static const struct opent grp7_f8[8] = {
	[1] = OP("rdtscp", 0, 0, 0), OP("monitorx", 0, 0, 0),
	OP("mwaitx", 0, 0, 0), OP("clzero", 0, 0, 0),
};
static const struct opent grp7_reg[8] = {
	BYRM(grp7_c0), BYRM(grp7_c8), BYRM(grp7_d0), BYRM(grp7_d8),
	OP("smsw", 0, D_W16, SENS), BYRM(grp7_e8),
	OP("lmsw", 0, D_W16, PRIV), BYRM(grp7_f8),
};
static const struct opent grp7[2] = {
	GROUP(grp7_mem, 0, 0, 0), GROUP(grp7_reg, 0, 0, 0),
};

/* 0F 0D: AMD's prefetch group (/0 prefetch, /1 prefetchw, /2 Intel's
 * prefetchwt1; the other rows are reserved prefetch hints). */
static const struct opent grp_p[8] = {
	OP("prefetch", 0, 0, 0), OP("prefetchw", 0, 0, 0),
	OP("prefetchwt1", 0, 0, 0), [3 ... 7] = OP("prefetch", 0, 0, 0),
};

/* Group 16 (0F 18): SSE prefetches; the rest of 0F 18-1F is the
 * reserved-NOP space ("nop r/m", hints such as endbr32 live there). */
static const struct opent grp16_mem[8] = {
	OP("prefetchnta", 0, 0, 0), OP("prefetcht0", 0, 0, 0),
	OP("prefetcht1", 0, 0, 0), OP("prefetcht2", 0, 0, 0),
	[4 ... 7] = OP("nop", 0, 0, 0),
};
static const struct opent grp16_reg[8] = {
	[0 ... 7] = OP("nop", 0, 0, 0),
};
static const struct opent grp16[2] = {
	GROUP(grp16_mem, 0, 0, 0), GROUP(grp16_reg, 0, 0, 0),
};

/* Groups 12, 13, 14 (0F 71-73): MMX/SSE2 shifts by an immediate.
 * Register operands only; the byte shifts /3 and /7 are SSE2 only. */
static const struct opent grp12[8] = {
	[2] = OP("psrlw", 0, 0, 0), [4] = OP("psraw", 0, 0, 0),
	[6] = OP("psllw", 0, 0, 0),
};
static const struct opent grp13[8] = {
	[2] = OP("psrld", 0, 0, 0), [4] = OP("psrad", 0, 0, 0),
	[6] = OP("pslld", 0, 0, 0),
};
static const struct opent grp14[8] = {
	[2] = OP("psrlq", 0, 0, 0), [6] = OP("psllq", 0, 0, 0),
};
static const struct opent grp14_66[8] = {
	[2] = OP("psrlq", 0, 0, 0), [3] = OP("psrldq", 0, 0, 0),
	[6] = OP("psllq", 0, 0, 0), [7] = OP("pslldq", 0, 0, 0),
};
static const struct opent s71[4] = {
	GROUP(grp12, 0, 0, 0), GROUP(grp12, 0, 0, 0) };
static const struct opent s72[4] = {
	GROUP(grp13, 0, 0, 0), GROUP(grp13, 0, 0, 0) };
static const struct opent s73[4] = {
	GROUP(grp14, 0, 0, 0), GROUP(grp14_66, 0, 0, 0) };

/* Group 15 (0F AE): FPU/SSE state save and restore; fences. */
static const struct opent ae_6[4] = {
	OP("xsaveopt", 0, 0, WR | FPU), OP("clwb", 0, 0, 0) };
static const struct opent ae_7[4] = {
	OP("clflush", 0, 0, 0), OP("clflushopt", 0, 0, 0) };
static const struct opent ae_4[4] = {
	OP("xsave", 0, 0, WR | FPU), [COL_F3] = OP("ptwrite", 0, 0, RD) };
static const struct opent ae_reg_4[4] = { [COL_F3] = OP("ptwrite", 0, 0, 0) };
static const struct opent ae_reg_6[4] = {
	OP("mfence", 0, 0, 0), OP("tpause", 0, 0, 0),
	OP("umonitor", 0, 0, 0), OP("umwait", 0, 0, 0) };
static const struct opent grp15_mem[8] = {
	OP("fxsave", 0, 0, WR | FPU), OP("fxrstor", 0, 0, RD | FPU),
	OP("ldmxcsr", 0, 0, RD | FPU), OP("stmxcsr", 0, 0, WR | FPU),
	BYPFX(ae_4, 0), OP("xrstor", 0, 0, RD | FPU),
	BYPFX(ae_6, 0), BYPFX(ae_7, 0),
};
static const struct opent grp15_reg[8] = {
	[4] = BYPFX(ae_reg_4, 0), OP("lfence", 0, 0, 0), BYPFX(ae_reg_6, 0),
	OP("sfence", 0, 0, 0),
};
static const struct opent grp15[2] = {
	GROUP(grp15_mem, 0, 0, 0), GROUP(grp15_reg, 0, 0, 0),
};

/* 0F A6, 0F A7: VIA PadLock, register rows only, ModRM.rm = 0 (VIA
 * PadLock Programming Guide).  They work on memory at ESI/EDI with an
 * ECX count, like string instructions. */
#define PADLOCK(nm) OP(nm, 0, D_IMPL, RMW | STR)
static const struct opent montmul_rm[8] = { PADLOCK("montmul") };
static const struct opent xsha1_rm[8] = { PADLOCK("xsha1") };
static const struct opent xsha256_rm[8] = { PADLOCK("xsha256") };
static const struct opent xstore_rm[8] = { PADLOCK("xstore") };
static const struct opent xcryptecb_rm[8] = { PADLOCK("xcryptecb") };
static const struct opent xcryptcbc_rm[8] = { PADLOCK("xcryptcbc") };
static const struct opent xcryptctr_rm[8] = { PADLOCK("xcryptctr") };
static const struct opent xcryptcfb_rm[8] = { PADLOCK("xcryptcfb") };
static const struct opent xcryptofb_rm[8] = { PADLOCK("xcryptofb") };
static const struct opent padlock_a6_reg[8] = {
	BYRM(montmul_rm), BYRM(xsha1_rm), BYRM(xsha256_rm),
};
static const struct opent padlock_a7_reg[8] = {
	BYRM(xstore_rm), BYRM(xcryptecb_rm), BYRM(xcryptcbc_rm),
	BYRM(xcryptctr_rm), BYRM(xcryptcfb_rm), BYRM(xcryptofb_rm),
};
static const struct opent padlock_a6[2] = {
	BAD, GROUP(padlock_a6_reg, 0, 0, 0) };
static const struct opent padlock_a7[2] = {
	BAD, GROUP(padlock_a7_reg, 0, 0, 0) };

/* Group 8 (0F BA): bit tests with an immediate bit number. */
static const struct opent grp8[8] = {
	[4] = OP("bt", 0, 0, RD), OP("bts", 0, 0, RMW | LK),
	OP("btr", 0, 0, RMW | LK), OP("btc", 0, 0, RMW | LK),
};

/* Group 9 (0F C7): cmpxchg8b, XSAVE variants, VMX pointers, and
 * rdrand/rdseed in the register rows. */
static const struct opent c7_6[4] = {
	OP("vmptrld", 0, 0, RD | PRIV), OP("vmclear", 0, 0, RMW | PRIV),
	OP("vmxon", 0, 0, RD | PRIV),
};
static const struct opent c7_7[4] = { OP("vmptrst", 0, 0, WR | PRIV) };
static const struct opent grp9_mem[8] = {
	[1] = OP("cmpxchg8b", 0, 0, RMW | LK),
	[3] = OP("xrstors", 0, 0, RD | PRIV | FPU),
	[4] = OP("xsavec", 0, 0, WR | FPU),
	[5] = OP("xsaves", 0, 0, WR | PRIV | FPU),
	[6] = BYPFX(c7_6, 0), [7] = BYPFX(c7_7, 0),
};
static const struct opent c7_reg_7[4] = {
	OP("rdseed", 0, 0, 0), [COL_F3] = OP("rdpid", 0, 0, 0) };
static const struct opent grp9_reg[8] = {
	[6] = OP("rdrand", 0, 0, 0), [7] = BYPFX(c7_reg_7, 0),
};
static const struct opent grp9[2] = {
	GROUP(grp9_mem, 0, 0, 0), GROUP(grp9_reg, 0, 0, 0),
};

/*
 * SSE rows of Table A-3: the mandatory prefix (none, 66, F3, F2) picks
 * the instruction.  A hole in the F3 or F2 column means the prefix is
 * ignored and the no-prefix instruction runs (resolve()).  PAIR is the
 * MMX instruction with its SSE2 twin under 66.
 */
#define PAIR(nm, at) { OP(nm, 0, 0, at), OP(nm, 0, 0, at) }
#define MR(nm) OP(nm, 0, D_MEM, RD)	/* memory source only */
#define MW(nm) OP(nm, 0, D_MEM, WR)	/* memory destination only */
#define RR(nm) OP(nm, 0, D_REG, 0)	/* register operands only */
static const struct opent s10[4] = {
	OP("movups", 0, 0, RD), OP("movupd", 0, 0, RD),
	OP("movss", 0, 0, RD), OP("movsd", 0, 0, RD) };
static const struct opent s11[4] = {
	OP("movups", 0, 0, WR), OP("movupd", 0, 0, WR),
	OP("movss", 0, 0, WR), OP("movsd", 0, 0, WR) };
static const struct opent movlps_hlps[2] = { MR("movlps"), RR("movhlps") };
static const struct opent movhps_lhps[2] = { MR("movhps"), RR("movlhps") };
static const struct opent s12[4] = {
	BYMOD(movlps_hlps), MR("movlpd"),
	OP("movsldup", 0, 0, RD), OP("movddup", 0, 0, RD) };
static const struct opent s13[4] = { MW("movlps"), MW("movlpd") };
static const struct opent s14[4] = PAIR("unpcklp", RD);
static const struct opent s15[4] = PAIR("unpckhp", RD);
static const struct opent s16[4] = {
	BYMOD(movhps_lhps), MR("movhpd"), OP("movshdup", 0, 0, RD) };
static const struct opent s17[4] = { MW("movhps"), MW("movhpd") };
static const struct opent s28[4] = PAIR("movap", RD);
static const struct opent s29[4] = PAIR("movap", WR);
static const struct opent s2a[4] = {
	OP("cvtpi2ps", 0, 0, RD), OP("cvtpi2pd", 0, 0, RD),
	OP("cvtsi2ss", 0, 0, RD), OP("cvtsi2sd", 0, 0, RD) };
/* F3/F2 0F 2B: AMD SSE4a's scalar non-temporal stores */
static const struct opent s2b[4] = {
	MW("movntps"), MW("movntpd"), MW("movntss"), MW("movntsd") };
static const struct opent s2c[4] = {
	OP("cvttps2pi", 0, 0, RD), OP("cvttpd2pi", 0, 0, RD),
	OP("cvttss2si", 0, 0, RD), OP("cvttsd2si", 0, 0, RD) };
static const struct opent s2d[4] = {
	OP("cvtps2pi", 0, 0, RD), OP("cvtpd2pi", 0, 0, RD),
	OP("cvtss2si", 0, 0, RD), OP("cvtsd2si", 0, 0, RD) };
static const struct opent s2e[4] = PAIR("ucomis", RD);
static const struct opent s2f[4] = PAIR("comis", RD);
static const struct opent s50[4] = { RR("movmskps"), RR("movmskpd") };
/* 51-5F: packed/scalar single/double arithmetic, every column */
#define ARITH(nm) { OP(nm "ps", 0, 0, RD), OP(nm "pd", 0, 0, RD), \
		    OP(nm "ss", 0, 0, RD), OP(nm "sd", 0, 0, RD) }
static const struct opent s51[4] = ARITH("sqrt");
static const struct opent s52[4] = {
	OP("rsqrtps", 0, 0, RD), BAD, OP("rsqrtss", 0, 0, RD) };
static const struct opent s53[4] = {
	OP("rcpps", 0, 0, RD), BAD, OP("rcpss", 0, 0, RD) };
static const struct opent s54[4] = PAIR("andp", RD);
static const struct opent s55[4] = PAIR("andnp", RD);
static const struct opent s56[4] = PAIR("orp", RD);
static const struct opent s57[4] = PAIR("xorp", RD);
static const struct opent s58[4] = ARITH("add");
static const struct opent s59[4] = ARITH("mul");
static const struct opent s5a[4] = {
	OP("cvtps2pd", 0, 0, RD), OP("cvtpd2ps", 0, 0, RD),
	OP("cvtss2sd", 0, 0, RD), OP("cvtsd2ss", 0, 0, RD) };
static const struct opent s5b[4] = {
	OP("cvtdq2ps", 0, 0, RD), OP("cvtps2dq", 0, 0, RD),
	OP("cvttps2dq", 0, 0, RD) };
static const struct opent s5c[4] = ARITH("sub");
static const struct opent s5d[4] = ARITH("min");
static const struct opent s5e[4] = ARITH("div");
static const struct opent s5f[4] = ARITH("max");
static const struct opent s60[4] = PAIR("punpcklbw", RD);
static const struct opent s61[4] = PAIR("punpcklwd", RD);
static const struct opent s62[4] = PAIR("punpckldq", RD);
static const struct opent s63[4] = PAIR("packsswb", RD);
static const struct opent s64[4] = PAIR("pcmpgtb", RD);
static const struct opent s65[4] = PAIR("pcmpgtw", RD);
static const struct opent s66[4] = PAIR("pcmpgtd", RD);
static const struct opent s67[4] = PAIR("packuswb", RD);
static const struct opent s68[4] = PAIR("punpckhbw", RD);
static const struct opent s69[4] = PAIR("punpckhwd", RD);
static const struct opent s6a[4] = PAIR("punpckhdq", RD);
static const struct opent s6b[4] = PAIR("packssdw", RD);
static const struct opent s6c[4] = { BAD, OP("punpcklqdq", 0, 0, RD) };
static const struct opent s6d[4] = { BAD, OP("punpckhqdq", 0, 0, RD) };
static const struct opent s6e[4] = PAIR("movd", RD);
static const struct opent s6f[4] = {
	OP("movq", 0, 0, RD), OP("movdqa", 0, 0, RD),
	OP("movdqu", 0, 0, RD) };
static const struct opent s70[4] = {
	OP("pshufw", 0, 0, RD), OP("pshufd", 0, 0, RD),
	OP("pshufhw", 0, 0, RD), OP("pshuflw", 0, 0, RD) };
static const struct opent s74[4] = PAIR("pcmpeqb", RD);
static const struct opent s75[4] = PAIR("pcmpeqw", RD);
static const struct opent s76[4] = PAIR("pcmpeqd", RD);
/* 0F 78/79: VMX's vmread/vmwrite, and AMD SSE4a's extrq/insertq (the
 * APM writes 66 0F 78 /0, but CPUs and assemblers ignore ModRM.reg) */
static const struct opent s78[4] = {
	OP("vmread", 0, 0, WR | PRIV), OP("extrq", A_MI8I8, D_REG, FPU),
	BAD, OP("insertq", A_MI8I8, D_REG, FPU) };
static const struct opent s79[4] = {
	OP("vmwrite", 0, 0, RD | PRIV), OP("extrq", 0, D_REG, FPU), BAD,
	OP("insertq", 0, D_REG, FPU) };
static const struct opent s7c[4] = {
	BAD, OP("haddpd", 0, 0, RD), BAD, OP("haddps", 0, 0, RD) };
static const struct opent s7d[4] = {
	BAD, OP("hsubpd", 0, 0, RD), BAD, OP("hsubps", 0, 0, RD) };
static const struct opent s7e[4] = {
	OP("movd", 0, 0, WR), OP("movd", 0, 0, WR), OP("movq", 0, 0, RD) };
static const struct opent s7f[4] = {
	OP("movq", 0, 0, WR), OP("movdqa", 0, 0, WR),
	OP("movdqu", 0, 0, WR) };
static const struct opent sb8[4] = { [COL_F3] = OP("popcnt", 0, 0, RD) };
static const struct opent sbc[4] = {
	OP("bsf", 0, 0, RD), [COL_F3] = OP("tzcnt", 0, 0, RD) };
static const struct opent sbd[4] = {
	OP("bsr", 0, 0, RD), [COL_F3] = OP("lzcnt", 0, 0, RD) };
static const struct opent sc2[4] = ARITH("cmp");
static const struct opent sc3[4] = { MW("movnti") };
static const struct opent sc4[4] = PAIR("pinsrw", RD);
static const struct opent sc5[4] = { RR("pextrw"), RR("pextrw") };
static const struct opent sc6[4] = PAIR("shufp", RD);
static const struct opent sd0[4] = {
	BAD, OP("addsubpd", 0, 0, RD), BAD, OP("addsubps", 0, 0, RD) };
static const struct opent sd1[4] = PAIR("psrlw", RD);
static const struct opent sd2[4] = PAIR("psrld", RD);
static const struct opent sd3[4] = PAIR("psrlq", RD);
static const struct opent sd4[4] = PAIR("paddq", RD);
static const struct opent sd5[4] = PAIR("pmullw", RD);
static const struct opent sd6[4] = {
	BAD, OP("movq", 0, 0, WR), RR("movq2dq"), RR("movdq2q") };
static const struct opent sd7[4] = { RR("pmovmskb"), RR("pmovmskb") };
static const struct opent sd8[4] = PAIR("psubusb", RD);
static const struct opent sd9[4] = PAIR("psubusw", RD);
static const struct opent sda[4] = PAIR("pminub", RD);
static const struct opent sdb[4] = PAIR("pand", RD);
static const struct opent sdc[4] = PAIR("paddusb", RD);
static const struct opent sdd[4] = PAIR("paddusw", RD);
static const struct opent sde[4] = PAIR("pmaxub", RD);
static const struct opent sdf[4] = PAIR("pandn", RD);
static const struct opent se0[4] = PAIR("pavgb", RD);
static const struct opent se1[4] = PAIR("psraw", RD);
static const struct opent se2[4] = PAIR("psrad", RD);
static const struct opent se3[4] = PAIR("pavgw", RD);
static const struct opent se4[4] = PAIR("pmulhuw", RD);
static const struct opent se5[4] = PAIR("pmulhw", RD);
static const struct opent se6[4] = {
	BAD, OP("cvttpd2dq", 0, 0, RD), OP("cvtdq2pd", 0, 0, RD),
	OP("cvtpd2dq", 0, 0, RD) };
static const struct opent se7[4] = { MW("movntq"), MW("movntdq") };
static const struct opent se8[4] = PAIR("psubsb", RD);
static const struct opent se9[4] = PAIR("psubsw", RD);
static const struct opent sea[4] = PAIR("pminsw", RD);
static const struct opent seb[4] = PAIR("por", RD);
static const struct opent sec[4] = PAIR("paddsb", RD);
static const struct opent sed[4] = PAIR("paddsw", RD);
static const struct opent see[4] = PAIR("pmaxsw", RD);
static const struct opent sef[4] = PAIR("pxor", RD);
static const struct opent sf0[4] = { [COL_F2] = MR("lddqu") };
static const struct opent sf1[4] = PAIR("psllw", RD);
static const struct opent sf2[4] = PAIR("pslld", RD);
static const struct opent sf3[4] = PAIR("psllq", RD);
static const struct opent sf4[4] = PAIR("pmuludq", RD);
static const struct opent sf5[4] = PAIR("pmaddwd", RD);
static const struct opent sf6[4] = PAIR("psadbw", RD);
/* maskmovq stores to DS:EDI although its ModRM names two registers */
static const struct opent sf7[4] = {
	OP("maskmovq", 0, D_REG | D_IMPL, WR),
	OP("maskmovdqu", 0, D_REG | D_IMPL, WR) };
static const struct opent sf8[4] = PAIR("psubb", RD);
static const struct opent sf9[4] = PAIR("psubw", RD);
static const struct opent sfa[4] = PAIR("psubd", RD);
static const struct opent sfb[4] = PAIR("psubq", RD);
static const struct opent sfc[4] = PAIR("paddb", RD);
static const struct opent sfd[4] = PAIR("paddw", RD);
static const struct opent sfe[4] = PAIR("paddd", RD);


#define SETCC(nm) OP(nm, A_M, D_BYTE, WR)

static const struct opent map0f[256] = {
	[0x00] = GROUP(grp6, A_M, D_W16, 0),
	[0x01] = { NULL, K_MOD, A_M, 0, 0, 0, grp7 },
	[0x02] = OP("lar", A_M, 0, RD | SENS),
	[0x03] = OP("lsl", A_M, 0, RD | SENS),
	[0x05] = BR("syscall", A_NONE, X86_FLOW_SYS, 0),
	[0x06] = OP("clts", A_NONE, 0, PRIV),
	[0x07] = BR("sysret", A_NONE, X86_FLOW_SYS, PRIV),
	[0x08] = OP("invd", A_NONE, 0, PRIV),
	[0x09] = OP("wbinvd", A_NONE, 0, PRIV),
	[0x0b] = BR("ud2", A_NONE, X86_FLOW_UD, 0),
	[0x0d] = GROUP(grp_p, A_M, D_MEM, 0),
	[0x0e] = OP("femms", A_NONE, 0, FPU),
	/* 0x0f: 3DNow!, handled in x86_decode */
	[0x10] = SIMD(s10, A_M), [0x11] = SIMD(s11, A_M),
	[0x12] = SIMD(s12, A_M), [0x13] = SIMD(s13, A_M),
	[0x14] = SIMD(s14, A_M), [0x15] = SIMD(s15, A_M),
	[0x16] = SIMD(s16, A_M), [0x17] = SIMD(s17, A_M),
	[0x18] = { NULL, K_MOD, A_M, 0, 0, 0, grp16 },
	[0x19 ... 0x1f] = OP("nop", A_M, 0, 0),
	/* mov to/from control and debug registers: mod is ignored */
	[0x20] = OP("mov from cr", A_M, D_NOMOD, PRIV),
	[0x21] = OP("mov from dr", A_M, D_NOMOD, PRIV),
	[0x22] = OP("mov to cr", A_M, D_NOMOD, PRIV),
	[0x23] = OP("mov to dr", A_M, D_NOMOD, PRIV),
	[0x28] = SIMD(s28, A_M), [0x29] = SIMD(s29, A_M),
	[0x2a] = SIMD(s2a, A_M), [0x2b] = SIMD(s2b, A_M),
	[0x2c] = SIMD(s2c, A_M), [0x2d] = SIMD(s2d, A_M),
	[0x2e] = SIMD(s2e, A_M), [0x2f] = SIMD(s2f, A_M),
	[0x30] = OP("wrmsr", A_NONE, 0, PRIV),
	[0x31] = OP("rdtsc", A_NONE, 0, 0),
	[0x32] = OP("rdmsr", A_NONE, 0, PRIV),
	[0x33] = OP("rdpmc", A_NONE, 0, PRIV),	/* unless CR4.PCE */
	[0x34] = BR("sysenter", A_NONE, X86_FLOW_SYS, 0),
	[0x35] = BR("sysexit", A_NONE, X86_FLOW_SYS, PRIV),
	[0x37] = OP("getsec", A_NONE, 0, 0),
	/* 0x38, 0x3a: three-byte escapes, handled in x86_decode */
	[0x40] = OP("cmovo", A_M, 0, RD), [0x41] = OP("cmovno", A_M, 0, RD),
	[0x42] = OP("cmovb", A_M, 0, RD), [0x43] = OP("cmovae", A_M, 0, RD),
	[0x44] = OP("cmove", A_M, 0, RD), [0x45] = OP("cmovne", A_M, 0, RD),
	[0x46] = OP("cmovbe", A_M, 0, RD), [0x47] = OP("cmova", A_M, 0, RD),
	[0x48] = OP("cmovs", A_M, 0, RD), [0x49] = OP("cmovns", A_M, 0, RD),
	[0x4a] = OP("cmovp", A_M, 0, RD), [0x4b] = OP("cmovnp", A_M, 0, RD),
	[0x4c] = OP("cmovl", A_M, 0, RD), [0x4d] = OP("cmovge", A_M, 0, RD),
	[0x4e] = OP("cmovle", A_M, 0, RD), [0x4f] = OP("cmovg", A_M, 0, RD),
	[0x50] = SIMD(s50, A_M), [0x51] = SIMD(s51, A_M),
	[0x52] = SIMD(s52, A_M), [0x53] = SIMD(s53, A_M),
	[0x54] = SIMD(s54, A_M), [0x55] = SIMD(s55, A_M),
	[0x56] = SIMD(s56, A_M), [0x57] = SIMD(s57, A_M),
	[0x58] = SIMD(s58, A_M), [0x59] = SIMD(s59, A_M),
	[0x5a] = SIMD(s5a, A_M), [0x5b] = SIMD(s5b, A_M),
	[0x5c] = SIMD(s5c, A_M), [0x5d] = SIMD(s5d, A_M),
	[0x5e] = SIMD(s5e, A_M), [0x5f] = SIMD(s5f, A_M),
	[0x60] = SIMD(s60, A_M), [0x61] = SIMD(s61, A_M),
	[0x62] = SIMD(s62, A_M), [0x63] = SIMD(s63, A_M),
	[0x64] = SIMD(s64, A_M), [0x65] = SIMD(s65, A_M),
	[0x66] = SIMD(s66, A_M), [0x67] = SIMD(s67, A_M),
	[0x68] = SIMD(s68, A_M), [0x69] = SIMD(s69, A_M),
	[0x6a] = SIMD(s6a, A_M), [0x6b] = SIMD(s6b, A_M),
	[0x6c] = SIMD(s6c, A_M), [0x6d] = SIMD(s6d, A_M),
	[0x6e] = SIMD(s6e, A_M), [0x6f] = SIMD(s6f, A_M),
	[0x70] = SIMD(s70, A_MI8),
	[0x71] = { NULL, K_SIMD, A_MI8, 0, D_REG, FPU, s71 },
	[0x72] = { NULL, K_SIMD, A_MI8, 0, D_REG, FPU, s72 },
	[0x73] = { NULL, K_SIMD, A_MI8, 0, D_REG, FPU, s73 },
	[0x74] = SIMD(s74, A_M), [0x75] = SIMD(s75, A_M),
	[0x76] = SIMD(s76, A_M),
	[0x77] = OP("emms", A_NONE, 0, FPU),
	[0x78] = BYPFX(s78, A_M),
	[0x79] = BYPFX(s79, A_M),
	[0x7c] = SIMD(s7c, A_M), [0x7d] = SIMD(s7d, A_M),
	[0x7e] = SIMD(s7e, A_M), [0x7f] = SIMD(s7f, A_M),
	[0x80] = BR("jo", A_JS, X86_FLOW_JCC, REL),
	[0x81] = BR("jno", A_JS, X86_FLOW_JCC, REL),
	[0x82] = BR("jb", A_JS, X86_FLOW_JCC, REL),
	[0x83] = BR("jae", A_JS, X86_FLOW_JCC, REL),
	[0x84] = BR("je", A_JS, X86_FLOW_JCC, REL),
	[0x85] = BR("jne", A_JS, X86_FLOW_JCC, REL),
	[0x86] = BR("jbe", A_JS, X86_FLOW_JCC, REL),
	[0x87] = BR("ja", A_JS, X86_FLOW_JCC, REL),
	[0x88] = BR("js", A_JS, X86_FLOW_JCC, REL),
	[0x89] = BR("jns", A_JS, X86_FLOW_JCC, REL),
	[0x8a] = BR("jp", A_JS, X86_FLOW_JCC, REL),
	[0x8b] = BR("jnp", A_JS, X86_FLOW_JCC, REL),
	[0x8c] = BR("jl", A_JS, X86_FLOW_JCC, REL),
	[0x8d] = BR("jge", A_JS, X86_FLOW_JCC, REL),
	[0x8e] = BR("jle", A_JS, X86_FLOW_JCC, REL),
	[0x8f] = BR("jg", A_JS, X86_FLOW_JCC, REL),
	/* setcc r/m8: ModRM.reg is ignored */
	[0x90] = SETCC("seto"), [0x91] = SETCC("setno"),
	[0x92] = SETCC("setb"), [0x93] = SETCC("setae"),
	[0x94] = SETCC("sete"), [0x95] = SETCC("setne"),
	[0x96] = SETCC("setbe"), [0x97] = SETCC("seta"),
	[0x98] = SETCC("sets"), [0x99] = SETCC("setns"),
	[0x9a] = SETCC("setp"), [0x9b] = SETCC("setnp"),
	[0x9c] = SETCC("setl"), [0x9d] = SETCC("setge"),
	[0x9e] = SETCC("setle"), [0x9f] = SETCC("setg"),
	[0xa0] = OP("push fs", A_NONE, 0, STK),
	[0xa1] = OP("pop fs", A_NONE, 0, STK),
	[0xa2] = OP("cpuid", A_NONE, 0, 0),
	[0xa3] = OP("bt", A_M, 0, RD),
	[0xa4] = OP("shld", A_MI8, 0, RMW),
	[0xa5] = OP("shld", A_M, 0, RMW),
	[0xa6] = { NULL, K_MOD, A_M, 0, 0, 0, padlock_a6 },
	[0xa7] = { NULL, K_MOD, A_M, 0, 0, 0, padlock_a7 },
	[0xa8] = OP("push gs", A_NONE, 0, STK),
	[0xa9] = OP("pop gs", A_NONE, 0, STK),
	[0xaa] = BR("rsm", A_NONE, X86_FLOW_OTHER, PRIV),
	[0xab] = OP("bts", A_M, 0, RMW | LK),
	[0xac] = OP("shrd", A_MI8, 0, RMW),
	[0xad] = OP("shrd", A_M, 0, RMW),
	[0xae] = { NULL, K_MOD, A_M, 0, 0, 0, grp15 },
	[0xaf] = OP("imul", A_M, 0, RD),
	[0xb0] = OP("cmpxchg", A_M, D_BYTE, RMW | LK),
	[0xb1] = OP("cmpxchg", A_M, 0, RMW | LK),
	[0xb2] = OP("lss", A_M, D_MEM, RD),
	[0xb3] = OP("btr", A_M, 0, RMW | LK),
	[0xb4] = OP("lfs", A_M, D_MEM, RD),
	[0xb5] = OP("lgs", A_M, D_MEM, RD),
	[0xb6] = OP("movzx", A_M, 0, RD),
	[0xb7] = OP("movzx", A_M, 0, RD),
	[0xb8] = BYPFX(sb8, A_M),
	[0xb9] = BR("ud1", A_M, X86_FLOW_UD, 0),
	[0xba] = GROUP(grp8, A_MI8, 0, 0),
	[0xbb] = OP("btc", A_M, 0, RMW | LK),
	[0xbc] = BYPFX(sbc, A_M),
	[0xbd] = BYPFX(sbd, A_M),
	[0xbe] = OP("movsx", A_M, 0, RD),
	[0xbf] = OP("movsx", A_M, 0, RD),
	[0xc0] = OP("xadd", A_M, D_BYTE, RMW | LK),
	[0xc1] = OP("xadd", A_M, 0, RMW | LK),
	[0xc2] = SIMD(sc2, A_MI8), [0xc3] = BYPFX(sc3, A_M),
	[0xc4] = SIMD(sc4, A_MI8), [0xc5] = SIMD(sc5, A_MI8),
	[0xc6] = SIMD(sc6, A_MI8),
	[0xc7] = { NULL, K_MOD, A_M, 0, 0, 0, grp9 },
	[0xc8 ... 0xcf] = OP("bswap", A_NONE, 0, 0),
	[0xd0] = SIMD(sd0, A_M), [0xd1] = SIMD(sd1, A_M),
	[0xd2] = SIMD(sd2, A_M), [0xd3] = SIMD(sd3, A_M),
	[0xd4] = SIMD(sd4, A_M), [0xd5] = SIMD(sd5, A_M),
	[0xd6] = SIMD(sd6, A_M), [0xd7] = SIMD(sd7, A_M),
	[0xd8] = SIMD(sd8, A_M), [0xd9] = SIMD(sd9, A_M),
	[0xda] = SIMD(sda, A_M), [0xdb] = SIMD(sdb, A_M),
	[0xdc] = SIMD(sdc, A_M), [0xdd] = SIMD(sdd, A_M),
	[0xde] = SIMD(sde, A_M), [0xdf] = SIMD(sdf, A_M),
	[0xe0] = SIMD(se0, A_M), [0xe1] = SIMD(se1, A_M),
	[0xe2] = SIMD(se2, A_M), [0xe3] = SIMD(se3, A_M),
	[0xe4] = SIMD(se4, A_M), [0xe5] = SIMD(se5, A_M),
	[0xe6] = SIMD(se6, A_M), [0xe7] = SIMD(se7, A_M),
	[0xe8] = SIMD(se8, A_M), [0xe9] = SIMD(se9, A_M),
	[0xea] = SIMD(sea, A_M), [0xeb] = SIMD(seb, A_M),
	[0xec] = SIMD(sec, A_M), [0xed] = SIMD(sed, A_M),
	[0xee] = SIMD(see, A_M), [0xef] = SIMD(sef, A_M),
	[0xf0] = SIMD(sf0, A_M), [0xf1] = SIMD(sf1, A_M),
	[0xf2] = SIMD(sf2, A_M), [0xf3] = SIMD(sf3, A_M),
	[0xf4] = SIMD(sf4, A_M), [0xf5] = SIMD(sf5, A_M),
	[0xf6] = SIMD(sf6, A_M), [0xf7] = SIMD(sf7, A_M),
	[0xf8] = SIMD(sf8, A_M), [0xf9] = SIMD(sf9, A_M),
	[0xfa] = SIMD(sfa, A_M), [0xfb] = SIMD(sfb, A_M),
	[0xfc] = SIMD(sfc, A_M), [0xfd] = SIMD(sfd, A_M),
	[0xfe] = SIMD(sfe, A_M),
	[0xff] = BR("ud0", A_M, X86_FLOW_UD, 0),
};

/*
 * ---- Three-byte maps 0F 38 and 0F 3A: SDM vol.2 Tables A-4, A-5 ----
 * Every instruction here takes ModRM; all of 0F 3A takes an imm8.
 */
#define P66(nm, at) { BAD, OP(nm, 0, 0, at) }	/* SSE4/AES: 66 only */
#define NP(nm, at) { OP(nm, 0, 0, at) }		/* SHA: no prefix only */
static const struct opent t00[4] = PAIR("pshufb", RD);
static const struct opent t01[4] = PAIR("phaddw", RD);
static const struct opent t02[4] = PAIR("phaddd", RD);
static const struct opent t03[4] = PAIR("phaddsw", RD);
static const struct opent t04[4] = PAIR("pmaddubsw", RD);
static const struct opent t05[4] = PAIR("phsubw", RD);
static const struct opent t06[4] = PAIR("phsubd", RD);
static const struct opent t07[4] = PAIR("phsubsw", RD);
static const struct opent t08[4] = PAIR("psignb", RD);
static const struct opent t09[4] = PAIR("psignw", RD);
static const struct opent t0a[4] = PAIR("psignd", RD);
static const struct opent t0b[4] = PAIR("pmulhrsw", RD);
static const struct opent t10[4] = P66("pblendvb", RD);
static const struct opent t14[4] = P66("blendvps", RD);
static const struct opent t15[4] = P66("blendvpd", RD);
static const struct opent t17[4] = P66("ptest", RD);
static const struct opent t1c[4] = PAIR("pabsb", RD);
static const struct opent t1d[4] = PAIR("pabsw", RD);
static const struct opent t1e[4] = PAIR("pabsd", RD);
static const struct opent t20[4] = P66("pmovsxbw", RD);
static const struct opent t21[4] = P66("pmovsxbd", RD);
static const struct opent t22[4] = P66("pmovsxbq", RD);
static const struct opent t23[4] = P66("pmovsxwd", RD);
static const struct opent t24[4] = P66("pmovsxwq", RD);
static const struct opent t25[4] = P66("pmovsxdq", RD);
static const struct opent t28[4] = P66("pmuldq", RD);
static const struct opent t29[4] = P66("pcmpeqq", RD);
static const struct opent t2a[4] = { BAD, MR("movntdqa") };
static const struct opent t2b[4] = P66("packusdw", RD);
static const struct opent t30[4] = P66("pmovzxbw", RD);
static const struct opent t31[4] = P66("pmovzxbd", RD);
static const struct opent t32[4] = P66("pmovzxbq", RD);
static const struct opent t33[4] = P66("pmovzxwd", RD);
static const struct opent t34[4] = P66("pmovzxwq", RD);
static const struct opent t35[4] = P66("pmovzxdq", RD);
static const struct opent t37[4] = P66("pcmpgtq", RD);
static const struct opent t38[4] = P66("pminsb", RD);
static const struct opent t39[4] = P66("pminsd", RD);
static const struct opent t3a[4] = P66("pminuw", RD);
static const struct opent t3b[4] = P66("pminud", RD);
static const struct opent t3c[4] = P66("pmaxsb", RD);
static const struct opent t3d[4] = P66("pmaxsd", RD);
static const struct opent t3e[4] = P66("pmaxuw", RD);
static const struct opent t3f[4] = P66("pmaxud", RD);
static const struct opent t40[4] = P66("pmulld", RD);
static const struct opent t41[4] = P66("phminposuw", RD);
/* VMX and PCID invalidations: register type, memory descriptor */
static const struct opent t80[4] = { BAD, OP("invept", 0, D_MEM, RD | PRIV) };
static const struct opent t81[4] = { BAD, OP("invvpid", 0, D_MEM, RD | PRIV) };
static const struct opent t82[4] = { BAD, OP("invpcid", 0, D_MEM, RD | PRIV) };
static const struct opent tc8[4] = NP("sha1nexte", RD);
static const struct opent tc9[4] = NP("sha1msg1", RD);
static const struct opent tca[4] = NP("sha1msg2", RD);
static const struct opent tcb[4] = NP("sha256rnds2", RD);
static const struct opent tcc[4] = NP("sha256msg1", RD);
static const struct opent tcd[4] = NP("sha256msg2", RD);
static const struct opent tdb[4] = P66("aesimc", RD);
static const struct opent tdc[4] = P66("aesenc", RD);
static const struct opent tdd[4] = P66("aesenclast", RD);
static const struct opent tde[4] = P66("aesdec", RD);
static const struct opent tdf[4] = P66("aesdeclast", RD);
/* movbe (memory only) shares its opcodes with F2's crc32; crc32's 66
 * prefix is an operand size, so it does not pick a column here */
static const struct opent tf0[4] = {
	MR("movbe"), [COL_F2] = OP("crc32", 0, D_BYTE, RD) };
static const struct opent tf1[4] = {
	MW("movbe"), [COL_F2] = OP("crc32", 0, 0, RD) };
/* F5/F6: CET's shadow-stack writes, and ADX; F8/F9: direct stores */
static const struct opent tf5[4] = { BAD, MW("wrussd") };
static const struct opent tf6[4] = {
	MW("wrssd"), OP("adcx", 0, 0, RD), OP("adox", 0, 0, RD) };
static const struct opent tf8[4] = {
	BAD, MW("movdir64b"), MW("enqcmds"), MW("enqcmd") };
static const struct opent tf9[4] = { MW("movdiri") };

static const struct opent map0f38[256] = {
	[0x00] = SIMD(t00, A_M), [0x01] = SIMD(t01, A_M),
	[0x02] = SIMD(t02, A_M), [0x03] = SIMD(t03, A_M),
	[0x04] = SIMD(t04, A_M), [0x05] = SIMD(t05, A_M),
	[0x06] = SIMD(t06, A_M), [0x07] = SIMD(t07, A_M),
	[0x08] = SIMD(t08, A_M), [0x09] = SIMD(t09, A_M),
	[0x0a] = SIMD(t0a, A_M), [0x0b] = SIMD(t0b, A_M),
	[0x10] = SIMD(t10, A_M), [0x14] = SIMD(t14, A_M),
	[0x15] = SIMD(t15, A_M), [0x17] = SIMD(t17, A_M),
	[0x1c] = SIMD(t1c, A_M), [0x1d] = SIMD(t1d, A_M),
	[0x1e] = SIMD(t1e, A_M),
	[0x20] = SIMD(t20, A_M), [0x21] = SIMD(t21, A_M),
	[0x22] = SIMD(t22, A_M), [0x23] = SIMD(t23, A_M),
	[0x24] = SIMD(t24, A_M), [0x25] = SIMD(t25, A_M),
	[0x28] = SIMD(t28, A_M), [0x29] = SIMD(t29, A_M),
	[0x2a] = SIMD(t2a, A_M), [0x2b] = SIMD(t2b, A_M),
	[0x30] = SIMD(t30, A_M), [0x31] = SIMD(t31, A_M),
	[0x32] = SIMD(t32, A_M), [0x33] = SIMD(t33, A_M),
	[0x34] = SIMD(t34, A_M), [0x35] = SIMD(t35, A_M),
	[0x37] = SIMD(t37, A_M),
	[0x38] = SIMD(t38, A_M), [0x39] = SIMD(t39, A_M),
	[0x3a] = SIMD(t3a, A_M), [0x3b] = SIMD(t3b, A_M),
	[0x3c] = SIMD(t3c, A_M), [0x3d] = SIMD(t3d, A_M),
	[0x3e] = SIMD(t3e, A_M), [0x3f] = SIMD(t3f, A_M),
	[0x40] = SIMD(t40, A_M), [0x41] = SIMD(t41, A_M),
	[0x80] = BYPFX(t80, A_M),
	[0x81] = BYPFX(t81, A_M),
	[0x82] = BYPFX(t82, A_M),
	[0xc8] = SIMD(tc8, A_M), [0xc9] = SIMD(tc9, A_M),
	[0xca] = SIMD(tca, A_M), [0xcb] = SIMD(tcb, A_M),
	[0xcc] = SIMD(tcc, A_M), [0xcd] = SIMD(tcd, A_M),
	[0xdb] = SIMD(tdb, A_M), [0xdc] = SIMD(tdc, A_M),
	[0xdd] = SIMD(tdd, A_M), [0xde] = SIMD(tde, A_M),
	[0xdf] = SIMD(tdf, A_M),
	[0xf0] = BYPFX(tf0, A_M),
	[0xf1] = BYPFX(tf1, A_M),
	[0xf5] = BYPFX(tf5, A_M),
	[0xf6] = BYPFX(tf6, A_M),
	[0xf8] = BYPFX(tf8, A_M),
	[0xf9] = BYPFX(tf9, A_M),
};

static const struct opent u08[4] = P66("roundps", RD);
static const struct opent u09[4] = P66("roundpd", RD);
static const struct opent u0a[4] = P66("roundss", RD);
static const struct opent u0b[4] = P66("roundsd", RD);
static const struct opent u0c[4] = P66("blendps", RD);
static const struct opent u0d[4] = P66("blendpd", RD);
static const struct opent u0e[4] = P66("pblendw", RD);
static const struct opent u0f[4] = PAIR("palignr", RD);
static const struct opent u14[4] = P66("pextrb", WR);
static const struct opent u15[4] = P66("pextrw", WR);
static const struct opent u16[4] = P66("pextrd", WR);
static const struct opent u17[4] = P66("extractps", WR);
static const struct opent u20[4] = P66("pinsrb", RD);
static const struct opent u21[4] = P66("insertps", RD);
static const struct opent u22[4] = P66("pinsrd", RD);
static const struct opent u40[4] = P66("dpps", RD);
static const struct opent u41[4] = P66("dppd", RD);
static const struct opent u42[4] = P66("mpsadbw", RD);
static const struct opent u44[4] = P66("pclmulqdq", RD);
static const struct opent u60[4] = P66("pcmpestrm", RD);
static const struct opent u61[4] = P66("pcmpestri", RD);
static const struct opent u62[4] = P66("pcmpistrm", RD);
static const struct opent u63[4] = P66("pcmpistri", RD);
static const struct opent ucc[4] = NP("sha1rnds4", RD);
static const struct opent uf0[4] = { [COL_F3] = RR("hreset") };
static const struct opent udf[4] = P66("aeskeygenassist", RD);

static const struct opent map0f3a[256] = {
	[0x08] = SIMD(u08, A_MI8), [0x09] = SIMD(u09, A_MI8),
	[0x0a] = SIMD(u0a, A_MI8), [0x0b] = SIMD(u0b, A_MI8),
	[0x0c] = SIMD(u0c, A_MI8), [0x0d] = SIMD(u0d, A_MI8),
	[0x0e] = SIMD(u0e, A_MI8), [0x0f] = SIMD(u0f, A_MI8),
	[0x14] = SIMD(u14, A_MI8), [0x15] = SIMD(u15, A_MI8),
	[0x16] = SIMD(u16, A_MI8), [0x17] = SIMD(u17, A_MI8),
	[0x20] = SIMD(u20, A_MI8), [0x21] = SIMD(u21, A_MI8),
	[0x22] = SIMD(u22, A_MI8),
	[0x40] = SIMD(u40, A_MI8), [0x41] = SIMD(u41, A_MI8),
	[0x42] = SIMD(u42, A_MI8), [0x44] = SIMD(u44, A_MI8),
	[0x60] = SIMD(u60, A_MI8), [0x61] = SIMD(u61, A_MI8),
	[0x62] = SIMD(u62, A_MI8), [0x63] = SIMD(u63, A_MI8),
	[0xcc] = SIMD(ucc, A_MI8), [0xdf] = SIMD(udf, A_MI8),
	[0xf0] = BYPFX(uf0, A_MI8),
};

/*
 * 3DNow! (0F 0F ModRM [SIB] [disp] suffix): the byte after the operand
 * is the opcode.  AMD 3DNow! Technology Manual, Table 7; the extended
 * set (pf2iw, pfnacc, pswapd, ...) from the Athlon on.
 */
static const char *const amd3dnow[256] = {
	[0x0c] = "pi2fw", [0x0d] = "pi2fd", [0x1c] = "pf2iw",
	[0x1d] = "pf2id", [0x8a] = "pfnacc", [0x8e] = "pfpnacc",
	[0x90] = "pfcmpge", [0x94] = "pfmin", [0x96] = "pfrcp",
	[0x97] = "pfrsqrt", [0x9a] = "pfsub", [0x9e] = "pfadd",
	[0xa0] = "pfcmpgt", [0xa4] = "pfmax", [0xa6] = "pfrcpit1",
	[0xa7] = "pfrsqit1", [0xaa] = "pfsubr", [0xae] = "pfacc",
	[0xb0] = "pfcmpeq", [0xb4] = "pfmul", [0xb6] = "pfrcpit2",
	[0xb7] = "pmulhrw", [0xbb] = "pswapd", [0xbf] = "pavgusb",
};

/*
 * ---- VEX and XOP instructions ----
 * SDM vol.2 §2.3 and the instruction pages (VEX); AMD APM vol.4 and
 * vol.3 appendix A (XOP, TBM, LWP).  One row per instruction, or per
 * ModRM.reg value in the groups.  The rules are the decode-time #UD
 * conditions: which VEX.L values exist, memory- or register-only
 * forms, and VEX.vvvv = 1111b for instructions without a vvvv operand.
 * VEX.W is not checked except where W = 0 names no instruction
 * (vpermq, vpermpd); it never changes the length.
 */
#define V_L0 0x001	/* VEX.L = 0 (128-bit) exists */
#define V_L1 0x002	/* VEX.L = 1 (256-bit) exists */
#define V_W1 0x004	/* only VEX.W = 1 exists */
#define V_MEM 0x008	/* memory operand only */
#define V_REG 0x010	/* register operand only */
#define V_NOV 0x020	/* no vvvv operand: vvvv must be 1111b */
#define V_NOVM 0x040	/* no vvvv operand in the memory form (vmovss) */
#define V_VSIB 0x080	/* gather: SIB index is a vector register */
#define V_GPR 0x100	/* general-purpose (BMI, TBM, LWP), not SIMD */
#define V_NOMODRM 0x200 /* no ModRM byte (vzeroupper, vzeroall) */
#define VL (V_L0 | V_L1)
#define ANYREG 8

struct vexop {
	uint8_t map; /* 1: 0F, 2: 0F 38, 3: 0F 3A; XOP: 8, 9, 10 */
	uint8_t pp;  /* implied prefix: 0 none, 1 66, 2 F3, 3 F2 */
	uint8_t op;
	uint8_t reg; /* ModRM.reg for group members, else ANYREG */
	uint16_t rules;
	const char *name;
};

#define V(m, pp, op, r, nm) { m, pp, op, ANYREG, r, nm }
#define VG(m, pp, op, reg, r, nm) { m, pp, op, reg, r, nm }

static const struct vexop vex_ops[] = {
	/* VEX.0F, no prefix: packed single, and the opmask (k) registers
	 * of AVX-512, which are VEX encoded (W1: the d/q forms) */
	V(1, 0, 0x10, VL | V_NOV, "vmovups"),
	V(1, 0, 0x11, VL | V_NOV, "vmovups"),
	V(1, 0, 0x12, V_L0 | V_MEM, "vmovlps"),
	V(1, 0, 0x12, V_L0 | V_REG, "vmovhlps"),
	V(1, 0, 0x13, V_L0 | V_MEM | V_NOV, "vmovlps"),
	V(1, 0, 0x14, VL, "vunpcklps"),
	V(1, 0, 0x15, VL, "vunpckhps"),
	V(1, 0, 0x16, V_L0 | V_MEM, "vmovhps"),
	V(1, 0, 0x16, V_L0 | V_REG, "vmovlhps"),
	V(1, 0, 0x17, V_L0 | V_MEM | V_NOV, "vmovhps"),
	V(1, 0, 0x28, VL | V_NOV, "vmovaps"),
	V(1, 0, 0x29, VL | V_NOV, "vmovaps"),
	V(1, 0, 0x2b, VL | V_MEM | V_NOV, "vmovntps"),
	V(1, 0, 0x2e, VL | V_NOV, "vucomiss"),
	V(1, 0, 0x2f, VL | V_NOV, "vcomiss"),
	V(1, 0, 0x41, V_L1 | V_REG, "kand"),
	V(1, 0, 0x42, V_L1 | V_REG, "kandn"),
	V(1, 0, 0x44, V_L0 | V_REG | V_NOV, "knot"),
	V(1, 0, 0x45, V_L1 | V_REG, "kor"),
	V(1, 0, 0x46, V_L1 | V_REG, "kxnor"),
	V(1, 0, 0x47, V_L1 | V_REG, "kxor"),
	V(1, 0, 0x4a, V_L1 | V_REG, "kadd"),
	V(1, 0, 0x4b, V_L1 | V_REG, "kunpck"),
	V(1, 0, 0x50, VL | V_REG | V_NOV, "vmovmskps"),
	V(1, 0, 0x51, VL | V_NOV, "vsqrtps"),
	V(1, 0, 0x52, VL | V_NOV, "vrsqrtps"),
	V(1, 0, 0x53, VL | V_NOV, "vrcpps"),
	V(1, 0, 0x54, VL, "vandps"),
	V(1, 0, 0x55, VL, "vandnps"),
	V(1, 0, 0x56, VL, "vorps"),
	V(1, 0, 0x57, VL, "vxorps"),
	V(1, 0, 0x58, VL, "vaddps"),
	V(1, 0, 0x59, VL, "vmulps"),
	V(1, 0, 0x5a, VL | V_NOV, "vcvtps2pd"),
	V(1, 0, 0x5b, VL | V_NOV, "vcvtdq2ps"),
	V(1, 0, 0x5c, VL, "vsubps"),
	V(1, 0, 0x5d, VL, "vminps"),
	V(1, 0, 0x5e, VL, "vdivps"),
	V(1, 0, 0x5f, VL, "vmaxps"),
	V(1, 0, 0x77, VL | V_NOV | V_NOMODRM, "vzeroupper"),
	V(1, 0, 0x90, V_L0 | V_NOV, "kmov"),
	V(1, 0, 0x91, V_L0 | V_MEM | V_NOV, "kmov"),
	V(1, 0, 0x92, V_L0 | V_REG | V_NOV, "kmov"),
	V(1, 0, 0x93, V_L0 | V_REG | V_NOV, "kmov"),
	V(1, 0, 0x98, V_L0 | V_REG | V_NOV, "kortest"),
	V(1, 0, 0x99, V_L0 | V_REG | V_NOV, "ktest"),
	VG(1, 0, 0xae, 2, V_L0 | V_MEM | V_NOV, "vldmxcsr"),
	VG(1, 0, 0xae, 3, V_L0 | V_MEM | V_NOV, "vstmxcsr"),
	V(1, 0, 0xc2, VL, "vcmpps"),
	V(1, 0, 0xc6, VL, "vshufps"),

	/* VEX.66.0F: packed double and the AVX/AVX2 integer operations */
	V(1, 1, 0x10, VL | V_NOV, "vmovupd"),
	V(1, 1, 0x11, VL | V_NOV, "vmovupd"),
	V(1, 1, 0x12, V_L0 | V_MEM, "vmovlpd"),
	V(1, 1, 0x13, V_L0 | V_MEM | V_NOV, "vmovlpd"),
	V(1, 1, 0x14, VL, "vunpcklpd"),
	V(1, 1, 0x15, VL, "vunpckhpd"),
	V(1, 1, 0x16, V_L0 | V_MEM, "vmovhpd"),
	V(1, 1, 0x17, V_L0 | V_MEM | V_NOV, "vmovhpd"),
	V(1, 1, 0x28, VL | V_NOV, "vmovapd"),
	V(1, 1, 0x29, VL | V_NOV, "vmovapd"),
	V(1, 1, 0x2b, VL | V_MEM | V_NOV, "vmovntpd"),
	V(1, 1, 0x2e, VL | V_NOV, "vucomisd"),
	V(1, 1, 0x2f, VL | V_NOV, "vcomisd"),
	V(1, 1, 0x41, V_L1 | V_REG, "kand"),
	V(1, 1, 0x42, V_L1 | V_REG, "kandn"),
	V(1, 1, 0x44, V_L0 | V_REG | V_NOV, "knot"),
	V(1, 1, 0x45, V_L1 | V_REG, "kor"),
	V(1, 1, 0x46, V_L1 | V_REG, "kxnor"),
	V(1, 1, 0x47, V_L1 | V_REG, "kxor"),
	V(1, 1, 0x4a, V_L1 | V_REG, "kadd"),
	V(1, 1, 0x4b, V_L1 | V_REG, "kunpckbw"),
	V(1, 1, 0x50, VL | V_REG | V_NOV, "vmovmskpd"),
	V(1, 1, 0x51, VL | V_NOV, "vsqrtpd"),
	V(1, 1, 0x54, VL, "vandpd"),
	V(1, 1, 0x55, VL, "vandnpd"),
	V(1, 1, 0x56, VL, "vorpd"),
	V(1, 1, 0x57, VL, "vxorpd"),
	V(1, 1, 0x58, VL, "vaddpd"),
	V(1, 1, 0x59, VL, "vmulpd"),
	V(1, 1, 0x5a, VL | V_NOV, "vcvtpd2ps"),
	V(1, 1, 0x5b, VL | V_NOV, "vcvtps2dq"),
	V(1, 1, 0x5c, VL, "vsubpd"),
	V(1, 1, 0x5d, VL, "vminpd"),
	V(1, 1, 0x5e, VL, "vdivpd"),
	V(1, 1, 0x5f, VL, "vmaxpd"),
	V(1, 1, 0x60, VL, "vpunpcklbw"),
	V(1, 1, 0x61, VL, "vpunpcklwd"),
	V(1, 1, 0x62, VL, "vpunpckldq"),
	V(1, 1, 0x63, VL, "vpacksswb"),
	V(1, 1, 0x64, VL, "vpcmpgtb"),
	V(1, 1, 0x65, VL, "vpcmpgtw"),
	V(1, 1, 0x66, VL, "vpcmpgtd"),
	V(1, 1, 0x67, VL, "vpackuswb"),
	V(1, 1, 0x68, VL, "vpunpckhbw"),
	V(1, 1, 0x69, VL, "vpunpckhwd"),
	V(1, 1, 0x6a, VL, "vpunpckhdq"),
	V(1, 1, 0x6b, VL, "vpackssdw"),
	V(1, 1, 0x6c, VL, "vpunpcklqdq"),
	V(1, 1, 0x6d, VL, "vpunpckhqdq"),
	V(1, 1, 0x6e, V_L0 | V_NOV, "vmovd"),
	V(1, 1, 0x6f, VL | V_NOV, "vmovdqa"),
	V(1, 1, 0x70, VL | V_NOV, "vpshufd"),
	VG(1, 1, 0x71, 2, VL | V_REG, "vpsrlw"),
	VG(1, 1, 0x71, 4, VL | V_REG, "vpsraw"),
	VG(1, 1, 0x71, 6, VL | V_REG, "vpsllw"),
	VG(1, 1, 0x72, 2, VL | V_REG, "vpsrld"),
	VG(1, 1, 0x72, 4, VL | V_REG, "vpsrad"),
	VG(1, 1, 0x72, 6, VL | V_REG, "vpslld"),
	VG(1, 1, 0x73, 2, VL | V_REG, "vpsrlq"),
	VG(1, 1, 0x73, 3, VL | V_REG, "vpsrldq"),
	VG(1, 1, 0x73, 6, VL | V_REG, "vpsllq"),
	VG(1, 1, 0x73, 7, VL | V_REG, "vpslldq"),
	V(1, 1, 0x74, VL, "vpcmpeqb"),
	V(1, 1, 0x75, VL, "vpcmpeqw"),
	V(1, 1, 0x76, VL, "vpcmpeqd"),
	V(1, 1, 0x7c, VL, "vhaddpd"),
	V(1, 1, 0x7d, VL, "vhsubpd"),
	V(1, 1, 0x7e, V_L0 | V_NOV, "vmovd"),
	V(1, 1, 0x7f, VL | V_NOV, "vmovdqa"),
	V(1, 1, 0x90, V_L0 | V_NOV, "kmov"),
	V(1, 1, 0x91, V_L0 | V_MEM | V_NOV, "kmov"),
	V(1, 1, 0x92, V_L0 | V_REG | V_NOV, "kmovb"),
	V(1, 1, 0x93, V_L0 | V_REG | V_NOV, "kmovb"),
	V(1, 1, 0x98, V_L0 | V_REG | V_NOV, "kortest"),
	V(1, 1, 0x99, V_L0 | V_REG | V_NOV, "ktest"),
	V(1, 1, 0xc2, VL, "vcmppd"),
	V(1, 1, 0xc4, V_L0, "vpinsrw"),
	V(1, 1, 0xc5, V_L0 | V_REG | V_NOV, "vpextrw"),
	V(1, 1, 0xc6, VL, "vshufpd"),
	V(1, 1, 0xd0, VL, "vaddsubpd"),
	V(1, 1, 0xd1, VL, "vpsrlw"),
	V(1, 1, 0xd2, VL, "vpsrld"),
	V(1, 1, 0xd3, VL, "vpsrlq"),
	V(1, 1, 0xd4, VL, "vpaddq"),
	V(1, 1, 0xd5, VL, "vpmullw"),
	V(1, 1, 0xd6, V_L0 | V_NOV, "vmovq"),
	V(1, 1, 0xd7, VL | V_REG | V_NOV, "vpmovmskb"),
	V(1, 1, 0xd8, VL, "vpsubusb"),
	V(1, 1, 0xd9, VL, "vpsubusw"),
	V(1, 1, 0xda, VL, "vpminub"),
	V(1, 1, 0xdb, VL, "vpand"),
	V(1, 1, 0xdc, VL, "vpaddusb"),
	V(1, 1, 0xdd, VL, "vpaddusw"),
	V(1, 1, 0xde, VL, "vpmaxub"),
	V(1, 1, 0xdf, VL, "vpandn"),
	V(1, 1, 0xe0, VL, "vpavgb"),
	V(1, 1, 0xe1, VL, "vpsraw"),
	V(1, 1, 0xe2, VL, "vpsrad"),
	V(1, 1, 0xe3, VL, "vpavgw"),
	V(1, 1, 0xe4, VL, "vpmulhuw"),
	V(1, 1, 0xe5, VL, "vpmulhw"),
	V(1, 1, 0xe6, VL | V_NOV, "vcvttpd2dq"),
	V(1, 1, 0xe7, VL | V_MEM | V_NOV, "vmovntdq"),
	V(1, 1, 0xe8, VL, "vpsubsb"),
	V(1, 1, 0xe9, VL, "vpsubsw"),
	V(1, 1, 0xea, VL, "vpminsw"),
	V(1, 1, 0xeb, VL, "vpor"),
	V(1, 1, 0xec, VL, "vpaddsb"),
	V(1, 1, 0xed, VL, "vpaddsw"),
	V(1, 1, 0xee, VL, "vpmaxsw"),
	V(1, 1, 0xef, VL, "vpxor"),
	V(1, 1, 0xf1, VL, "vpsllw"),
	V(1, 1, 0xf2, VL, "vpslld"),
	V(1, 1, 0xf3, VL, "vpsllq"),
	V(1, 1, 0xf4, VL, "vpmuludq"),
	V(1, 1, 0xf5, VL, "vpmaddwd"),
	V(1, 1, 0xf6, VL, "vpsadbw"),
	V(1, 1, 0xf7, V_L0 | V_REG | V_NOV, "vmaskmovdqu"),
	V(1, 1, 0xf8, VL, "vpsubb"),
	V(1, 1, 0xf9, VL, "vpsubw"),
	V(1, 1, 0xfa, VL, "vpsubd"),
	V(1, 1, 0xfb, VL, "vpsubq"),
	V(1, 1, 0xfc, VL, "vpaddb"),
	V(1, 1, 0xfd, VL, "vpaddw"),
	V(1, 1, 0xfe, VL, "vpaddd"),

	/* VEX.F3.0F: scalar single (VEX.L ignored) */
	V(1, 2, 0x10, VL | V_NOVM, "vmovss"),
	V(1, 2, 0x11, VL | V_NOVM, "vmovss"),
	V(1, 2, 0x12, VL | V_NOV, "vmovsldup"),
	V(1, 2, 0x16, VL | V_NOV, "vmovshdup"),
	V(1, 2, 0x2a, VL, "vcvtsi2ss"),
	V(1, 2, 0x2c, VL | V_NOV, "vcvttss2si"),
	V(1, 2, 0x2d, VL | V_NOV, "vcvtss2si"),
	V(1, 2, 0x51, VL, "vsqrtss"),
	V(1, 2, 0x52, VL, "vrsqrtss"),
	V(1, 2, 0x53, VL, "vrcpss"),
	V(1, 2, 0x58, VL, "vaddss"),
	V(1, 2, 0x59, VL, "vmulss"),
	V(1, 2, 0x5a, VL, "vcvtss2sd"),
	V(1, 2, 0x5b, VL | V_NOV, "vcvttps2dq"),
	V(1, 2, 0x5c, VL, "vsubss"),
	V(1, 2, 0x5d, VL, "vminss"),
	V(1, 2, 0x5e, VL, "vdivss"),
	V(1, 2, 0x5f, VL, "vmaxss"),
	V(1, 2, 0x6f, VL | V_NOV, "vmovdqu"),
	V(1, 2, 0x70, VL | V_NOV, "vpshufhw"),
	V(1, 2, 0x7e, V_L0 | V_NOV, "vmovq"),
	V(1, 2, 0x7f, VL | V_NOV, "vmovdqu"),
	V(1, 2, 0xc2, VL, "vcmpss"),
	V(1, 2, 0xe6, VL | V_NOV, "vcvtdq2pd"),

	/* VEX.F2.0F: scalar double */
	V(1, 3, 0x10, VL | V_NOVM, "vmovsd"),
	V(1, 3, 0x11, VL | V_NOVM, "vmovsd"),
	V(1, 3, 0x12, VL | V_NOV, "vmovddup"),
	V(1, 3, 0x2a, VL, "vcvtsi2sd"),
	V(1, 3, 0x2c, VL | V_NOV, "vcvttsd2si"),
	V(1, 3, 0x2d, VL | V_NOV, "vcvtsd2si"),
	V(1, 3, 0x51, VL, "vsqrtsd"),
	V(1, 3, 0x58, VL, "vaddsd"),
	V(1, 3, 0x59, VL, "vmulsd"),
	V(1, 3, 0x5a, VL, "vcvtsd2ss"),
	V(1, 3, 0x5c, VL, "vsubsd"),
	V(1, 3, 0x5d, VL, "vminsd"),
	V(1, 3, 0x5e, VL, "vdivsd"),
	V(1, 3, 0x5f, VL, "vmaxsd"),
	V(1, 3, 0x70, VL | V_NOV, "vpshuflw"),
	V(1, 3, 0x7c, VL, "vhaddps"),
	V(1, 3, 0x7d, VL, "vhsubps"),
	V(1, 3, 0x92, V_L0 | V_REG | V_NOV, "kmovd"),
	V(1, 3, 0x93, V_L0 | V_REG | V_NOV, "kmovd"),
	V(1, 3, 0xc2, VL, "vcmpsd"),
	V(1, 3, 0xd0, VL, "vaddsubps"),
	V(1, 3, 0xe6, VL | V_NOV, "vcvtpd2dq"),
	V(1, 3, 0xf0, VL | V_MEM | V_NOV, "vlddqu"),

	/* VEX.66.0F38: SSSE3/SSE4 forms, AVX2, F16C, gathers, FMA, AES,
	 * GFNI */
	V(2, 1, 0x00, VL, "vpshufb"),
	V(2, 1, 0x01, VL, "vphaddw"),
	V(2, 1, 0x02, VL, "vphaddd"),
	V(2, 1, 0x03, VL, "vphaddsw"),
	V(2, 1, 0x04, VL, "vpmaddubsw"),
	V(2, 1, 0x05, VL, "vphsubw"),
	V(2, 1, 0x06, VL, "vphsubd"),
	V(2, 1, 0x07, VL, "vphsubsw"),
	V(2, 1, 0x08, VL, "vpsignb"),
	V(2, 1, 0x09, VL, "vpsignw"),
	V(2, 1, 0x0a, VL, "vpsignd"),
	V(2, 1, 0x0b, VL, "vpmulhrsw"),
	V(2, 1, 0x0c, VL, "vpermilps"),
	V(2, 1, 0x0d, VL, "vpermilpd"),
	V(2, 1, 0x0e, VL | V_NOV, "vtestps"),
	V(2, 1, 0x0f, VL | V_NOV, "vtestpd"),
	V(2, 1, 0x13, VL | V_NOV, "vcvtph2ps"),
	V(2, 1, 0x16, V_L1, "vpermps"),
	V(2, 1, 0x17, VL | V_NOV, "vptest"),
	V(2, 1, 0x18, VL | V_NOV, "vbroadcastss"),
	V(2, 1, 0x19, V_L1 | V_NOV, "vbroadcastsd"),
	V(2, 1, 0x1a, V_L1 | V_MEM | V_NOV, "vbroadcastf128"),
	V(2, 1, 0x1c, VL | V_NOV, "vpabsb"),
	V(2, 1, 0x1d, VL | V_NOV, "vpabsw"),
	V(2, 1, 0x1e, VL | V_NOV, "vpabsd"),
	V(2, 1, 0x20, VL | V_NOV, "vpmovsxbw"),
	V(2, 1, 0x21, VL | V_NOV, "vpmovsxbd"),
	V(2, 1, 0x22, VL | V_NOV, "vpmovsxbq"),
	V(2, 1, 0x23, VL | V_NOV, "vpmovsxwd"),
	V(2, 1, 0x24, VL | V_NOV, "vpmovsxwq"),
	V(2, 1, 0x25, VL | V_NOV, "vpmovsxdq"),
	V(2, 1, 0x28, VL, "vpmuldq"),
	V(2, 1, 0x29, VL, "vpcmpeqq"),
	V(2, 1, 0x2a, VL | V_MEM | V_NOV, "vmovntdqa"),
	V(2, 1, 0x2b, VL, "vpackusdw"),
	V(2, 1, 0x2c, VL | V_MEM, "vmaskmovps"),
	V(2, 1, 0x2d, VL | V_MEM, "vmaskmovpd"),
	V(2, 1, 0x2e, VL | V_MEM, "vmaskmovps"),
	V(2, 1, 0x2f, VL | V_MEM, "vmaskmovpd"),
	V(2, 1, 0x30, VL | V_NOV, "vpmovzxbw"),
	V(2, 1, 0x31, VL | V_NOV, "vpmovzxbd"),
	V(2, 1, 0x32, VL | V_NOV, "vpmovzxbq"),
	V(2, 1, 0x33, VL | V_NOV, "vpmovzxwd"),
	V(2, 1, 0x34, VL | V_NOV, "vpmovzxwq"),
	V(2, 1, 0x35, VL | V_NOV, "vpmovzxdq"),
	V(2, 1, 0x36, V_L1, "vpermd"),
	V(2, 1, 0x37, VL, "vpcmpgtq"),
	V(2, 1, 0x38, VL, "vpminsb"),
	V(2, 1, 0x39, VL, "vpminsd"),
	V(2, 1, 0x3a, VL, "vpminuw"),
	V(2, 1, 0x3b, VL, "vpminud"),
	V(2, 1, 0x3c, VL, "vpmaxsb"),
	V(2, 1, 0x3d, VL, "vpmaxsd"),
	V(2, 1, 0x3e, VL, "vpmaxuw"),
	V(2, 1, 0x3f, VL, "vpmaxud"),
	V(2, 1, 0x40, VL, "vpmulld"),
	V(2, 1, 0x41, V_L0 | V_NOV, "vphminposuw"),
	V(2, 1, 0x45, VL, "vpsrlv"),
	V(2, 1, 0x46, VL, "vpsravd"),
	V(2, 1, 0x47, VL, "vpsllv"),
	V(2, 1, 0x58, VL | V_NOV, "vpbroadcastd"),
	V(2, 1, 0x59, VL | V_NOV, "vpbroadcastq"),
	V(2, 1, 0x5a, V_L1 | V_MEM | V_NOV, "vbroadcasti128"),
	V(2, 1, 0x78, VL | V_NOV, "vpbroadcastb"),
	V(2, 1, 0x79, VL | V_NOV, "vpbroadcastw"),
	V(2, 1, 0x8c, VL | V_MEM, "vpmaskmov"),
	V(2, 1, 0x8e, VL | V_MEM, "vpmaskmov"),
	V(2, 1, 0x90, VL | V_MEM | V_VSIB, "vpgatherd"),
	V(2, 1, 0x91, VL | V_MEM | V_VSIB, "vpgatherq"),
	V(2, 1, 0x92, VL | V_MEM | V_VSIB, "vgatherdp"),
	V(2, 1, 0x93, VL | V_MEM | V_VSIB, "vgatherqp"),
	V(2, 1, 0x96, VL, "vfmaddsub132p"),
	V(2, 1, 0x97, VL, "vfmsubadd132p"),
	V(2, 1, 0x98, VL, "vfmadd132p"),
	V(2, 1, 0x99, VL, "vfmadd132s"),
	V(2, 1, 0x9a, VL, "vfmsub132p"),
	V(2, 1, 0x9b, VL, "vfmsub132s"),
	V(2, 1, 0x9c, VL, "vfnmadd132p"),
	V(2, 1, 0x9d, VL, "vfnmadd132s"),
	V(2, 1, 0x9e, VL, "vfnmsub132p"),
	V(2, 1, 0x9f, VL, "vfnmsub132s"),
	V(2, 1, 0xa6, VL, "vfmaddsub213p"),
	V(2, 1, 0xa7, VL, "vfmsubadd213p"),
	V(2, 1, 0xa8, VL, "vfmadd213p"),
	V(2, 1, 0xa9, VL, "vfmadd213s"),
	V(2, 1, 0xaa, VL, "vfmsub213p"),
	V(2, 1, 0xab, VL, "vfmsub213s"),
	V(2, 1, 0xac, VL, "vfnmadd213p"),
	V(2, 1, 0xad, VL, "vfnmadd213s"),
	V(2, 1, 0xae, VL, "vfnmsub213p"),
	V(2, 1, 0xaf, VL, "vfnmsub213s"),
	V(2, 1, 0xb6, VL, "vfmaddsub231p"),
	V(2, 1, 0xb7, VL, "vfmsubadd231p"),
	V(2, 1, 0xb8, VL, "vfmadd231p"),
	V(2, 1, 0xb9, VL, "vfmadd231s"),
	V(2, 1, 0xba, VL, "vfmsub231p"),
	V(2, 1, 0xbb, VL, "vfmsub231s"),
	V(2, 1, 0xbc, VL, "vfnmadd231p"),
	V(2, 1, 0xbd, VL, "vfnmadd231s"),
	V(2, 1, 0xbe, VL, "vfnmsub231p"),
	V(2, 1, 0xbf, VL, "vfnmsub231s"),
	V(2, 1, 0xcf, VL, "vgf2p8mulb"),
	V(2, 1, 0xdb, V_L0 | V_NOV, "vaesimc"),
	V(2, 1, 0xdc, VL, "vaesenc"),	/* L = 1: VAES */
	V(2, 1, 0xdd, VL, "vaesenclast"),
	V(2, 1, 0xde, VL, "vaesdec"),
	V(2, 1, 0xdf, VL, "vaesdeclast"),
	V(2, 1, 0xf7, V_L0 | V_GPR, "shlx"),

	/* VEX.0F38 without 66: BMI1 and BMI2 (general registers) */
	V(2, 0, 0xf2, V_L0 | V_GPR, "andn"),
	VG(2, 0, 0xf3, 1, V_L0 | V_GPR, "blsr"),
	VG(2, 0, 0xf3, 2, V_L0 | V_GPR, "blsmsk"),
	VG(2, 0, 0xf3, 3, V_L0 | V_GPR, "blsi"),
	V(2, 0, 0xf5, V_L0 | V_GPR, "bzhi"),
	V(2, 0, 0xf7, V_L0 | V_GPR, "bextr"),
	V(2, 2, 0xf5, V_L0 | V_GPR, "pext"),
	V(2, 2, 0xf7, V_L0 | V_GPR, "sarx"),
	V(2, 3, 0xf5, V_L0 | V_GPR, "pdep"),
	V(2, 3, 0xf6, V_L0 | V_GPR, "mulx"),
	V(2, 3, 0xf7, V_L0 | V_GPR, "shrx"),

	/* VEX.66.0F3A: every one takes an imm8 (is4 register for the
	 * four-operand blends and AMD's FMA4) */
	V(3, 1, 0x00, V_L1 | V_W1 | V_NOV, "vpermq"),
	V(3, 1, 0x01, V_L1 | V_W1 | V_NOV, "vpermpd"),
	V(3, 1, 0x02, VL, "vpblendd"),
	V(3, 1, 0x04, VL | V_NOV, "vpermilps"),
	V(3, 1, 0x05, VL | V_NOV, "vpermilpd"),
	V(3, 1, 0x06, V_L1, "vperm2f128"),
	V(3, 1, 0x08, VL | V_NOV, "vroundps"),
	V(3, 1, 0x09, VL | V_NOV, "vroundpd"),
	V(3, 1, 0x0a, VL, "vroundss"),
	V(3, 1, 0x0b, VL, "vroundsd"),
	V(3, 1, 0x0c, VL, "vblendps"),
	V(3, 1, 0x0d, VL, "vblendpd"),
	V(3, 1, 0x0e, VL, "vpblendw"),
	V(3, 1, 0x0f, VL, "vpalignr"),
	V(3, 1, 0x14, V_L0 | V_NOV, "vpextrb"),
	V(3, 1, 0x15, V_L0 | V_NOV, "vpextrw"),
	V(3, 1, 0x16, V_L0 | V_NOV, "vpextrd"),
	V(3, 1, 0x17, V_L0 | V_NOV, "vextractps"),
	V(3, 1, 0x18, V_L1, "vinsertf128"),
	V(3, 1, 0x19, V_L1 | V_NOV, "vextractf128"),
	V(3, 1, 0x1d, VL | V_NOV, "vcvtps2ph"),
	V(3, 1, 0x20, V_L0, "vpinsrb"),
	V(3, 1, 0x21, V_L0, "vinsertps"),
	V(3, 1, 0x22, V_L0, "vpinsrd"),
	V(3, 1, 0x30, V_L0 | V_REG | V_NOV, "kshiftr"),
	V(3, 1, 0x31, V_L0 | V_REG | V_NOV, "kshiftr"),
	V(3, 1, 0x32, V_L0 | V_REG | V_NOV, "kshiftl"),
	V(3, 1, 0x33, V_L0 | V_REG | V_NOV, "kshiftl"),
	V(3, 1, 0x38, V_L1, "vinserti128"),
	V(3, 1, 0x39, V_L1 | V_NOV, "vextracti128"),
	V(3, 1, 0x40, VL, "vdpps"),
	V(3, 1, 0x41, V_L0, "vdppd"),
	V(3, 1, 0x42, VL, "vmpsadbw"),
	V(3, 1, 0x44, VL, "vpclmulqdq"),	/* L = 1: VPCLMULQDQ */
	V(3, 1, 0x46, V_L1, "vperm2i128"),
	V(3, 1, 0x48, VL, "vpermil2ps"),
	V(3, 1, 0x49, VL, "vpermil2pd"),
	V(3, 1, 0x4a, VL, "vblendvps"),
	V(3, 1, 0x4b, VL, "vblendvpd"),
	V(3, 1, 0x4c, VL, "vpblendvb"),
	V(3, 1, 0x5c, VL, "vfmaddsubps"),
	V(3, 1, 0x5d, VL, "vfmaddsubpd"),
	V(3, 1, 0x5e, VL, "vfmsubaddps"),
	V(3, 1, 0x5f, VL, "vfmsubaddpd"),
	V(3, 1, 0x60, V_L0 | V_NOV, "vpcmpestrm"),
	V(3, 1, 0x61, V_L0 | V_NOV, "vpcmpestri"),
	V(3, 1, 0x62, V_L0 | V_NOV, "vpcmpistrm"),
	V(3, 1, 0x63, V_L0 | V_NOV, "vpcmpistri"),
	V(3, 1, 0x68, VL, "vfmaddps"),
	V(3, 1, 0x69, VL, "vfmaddpd"),
	V(3, 1, 0x6a, VL, "vfmaddss"),
	V(3, 1, 0x6b, VL, "vfmaddsd"),
	V(3, 1, 0x6c, VL, "vfmsubps"),
	V(3, 1, 0x6d, VL, "vfmsubpd"),
	V(3, 1, 0x6e, VL, "vfmsubss"),
	V(3, 1, 0x6f, VL, "vfmsubsd"),
	V(3, 1, 0x78, VL, "vfnmaddps"),
	V(3, 1, 0x79, VL, "vfnmaddpd"),
	V(3, 1, 0x7a, VL, "vfnmaddss"),
	V(3, 1, 0x7b, VL, "vfnmaddsd"),
	V(3, 1, 0x7c, VL, "vfnmsubps"),
	V(3, 1, 0x7d, VL, "vfnmsubpd"),
	V(3, 1, 0x7e, VL, "vfnmsubss"),
	V(3, 1, 0x7f, VL, "vfnmsubsd"),
	V(3, 1, 0xce, VL, "vgf2p8affineqb"),
	V(3, 1, 0xcf, VL, "vgf2p8affineinvqb"),
	V(3, 1, 0xdf, V_L0 | V_NOV, "vaeskeygenassist"),
	V(3, 3, 0xf0, V_L0 | V_NOV | V_GPR, "rorx"),

	/* XOP map 8 (imm8 follows): multiply-accumulate, conditional
	 * move and permute, rotates and compares by immediate */
	V(8, 0, 0x85, V_L0, "vpmacssww"),
	V(8, 0, 0x86, V_L0, "vpmacsswd"),
	V(8, 0, 0x87, V_L0, "vpmacssdql"),
	V(8, 0, 0x8e, V_L0, "vpmacssdd"),
	V(8, 0, 0x8f, V_L0, "vpmacssdqh"),
	V(8, 0, 0x95, V_L0, "vpmacsww"),
	V(8, 0, 0x96, V_L0, "vpmacswd"),
	V(8, 0, 0x97, V_L0, "vpmacsdql"),
	V(8, 0, 0x9e, V_L0, "vpmacsdd"),
	V(8, 0, 0x9f, V_L0, "vpmacsdqh"),
	V(8, 0, 0xa2, VL, "vpcmov"),
	V(8, 0, 0xa3, V_L0, "vpperm"),
	V(8, 0, 0xa6, V_L0, "vpmadcsswd"),
	V(8, 0, 0xb6, V_L0, "vpmadcswd"),
	V(8, 0, 0xc0, V_L0 | V_NOV, "vprotb"),
	V(8, 0, 0xc1, V_L0 | V_NOV, "vprotw"),
	V(8, 0, 0xc2, V_L0 | V_NOV, "vprotd"),
	V(8, 0, 0xc3, V_L0 | V_NOV, "vprotq"),
	V(8, 0, 0xcc, V_L0, "vpcomb"),
	V(8, 0, 0xcd, V_L0, "vpcomw"),
	V(8, 0, 0xce, V_L0, "vpcomd"),
	V(8, 0, 0xcf, V_L0, "vpcomq"),
	V(8, 0, 0xec, V_L0, "vpcomub"),
	V(8, 0, 0xed, V_L0, "vpcomuw"),
	V(8, 0, 0xee, V_L0, "vpcomud"),
	V(8, 0, 0xef, V_L0, "vpcomuq"),

	/* XOP map 9: TBM and LWP groups, fraction extract, shifts and
	 * rotates by register, horizontal adds */
	VG(9, 0, 0x01, 1, V_L0 | V_GPR, "blcfill"),
	VG(9, 0, 0x01, 2, V_L0 | V_GPR, "blsfill"),
	VG(9, 0, 0x01, 3, V_L0 | V_GPR, "blcs"),
	VG(9, 0, 0x01, 4, V_L0 | V_GPR, "tzmsk"),
	VG(9, 0, 0x01, 5, V_L0 | V_GPR, "blcic"),
	VG(9, 0, 0x01, 6, V_L0 | V_GPR, "blsic"),
	VG(9, 0, 0x01, 7, V_L0 | V_GPR, "t1mskc"),
	VG(9, 0, 0x02, 1, V_L0 | V_GPR, "blcmsk"),
	VG(9, 0, 0x02, 6, V_L0 | V_GPR, "blci"),
	VG(9, 0, 0x12, 0, V_L0 | V_REG | V_NOV | V_GPR, "llwpcb"),
	VG(9, 0, 0x12, 1, V_L0 | V_REG | V_NOV | V_GPR, "slwpcb"),
	V(9, 0, 0x80, VL | V_NOV, "vfrczps"),
	V(9, 0, 0x81, VL | V_NOV, "vfrczpd"),
	V(9, 0, 0x82, V_L0 | V_NOV, "vfrczss"),
	V(9, 0, 0x83, V_L0 | V_NOV, "vfrczsd"),
	V(9, 0, 0x90, V_L0, "vprotb"),
	V(9, 0, 0x91, V_L0, "vprotw"),
	V(9, 0, 0x92, V_L0, "vprotd"),
	V(9, 0, 0x93, V_L0, "vprotq"),
	V(9, 0, 0x94, V_L0, "vpshlb"),
	V(9, 0, 0x95, V_L0, "vpshlw"),
	V(9, 0, 0x96, V_L0, "vpshld"),
	V(9, 0, 0x97, V_L0, "vpshlq"),
	V(9, 0, 0x98, V_L0, "vpshab"),
	V(9, 0, 0x99, V_L0, "vpshaw"),
	V(9, 0, 0x9a, V_L0, "vpshad"),
	V(9, 0, 0x9b, V_L0, "vpshaq"),
	V(9, 0, 0xc1, V_L0 | V_NOV, "vphaddbw"),
	V(9, 0, 0xc2, V_L0 | V_NOV, "vphaddbd"),
	V(9, 0, 0xc3, V_L0 | V_NOV, "vphaddbq"),
	V(9, 0, 0xc6, V_L0 | V_NOV, "vphaddwd"),
	V(9, 0, 0xc7, V_L0 | V_NOV, "vphaddwq"),
	V(9, 0, 0xcb, V_L0 | V_NOV, "vphadddq"),
	V(9, 0, 0xd1, V_L0 | V_NOV, "vphaddubw"),
	V(9, 0, 0xd2, V_L0 | V_NOV, "vphaddubd"),
	V(9, 0, 0xd3, V_L0 | V_NOV, "vphaddubq"),
	V(9, 0, 0xd6, V_L0 | V_NOV, "vphadduwd"),
	V(9, 0, 0xd7, V_L0 | V_NOV, "vphadduwq"),
	V(9, 0, 0xdb, V_L0 | V_NOV, "vphaddudq"),
	V(9, 0, 0xe1, V_L0 | V_NOV, "vphsubbw"),
	V(9, 0, 0xe2, V_L0 | V_NOV, "vphsubwd"),
	V(9, 0, 0xe3, V_L0 | V_NOV, "vphsubdq"),

	/* XOP map 10 (imm32 follows): TBM's bextr, LWP inserts */
	V(10, 0, 0x10, V_L0 | V_NOV | V_GPR, "bextr"),
	VG(10, 0, 0x12, 0, V_L0 | V_GPR, "lwpins"),
	VG(10, 0, 0x12, 1, V_L0 | V_GPR, "lwpval"),
};

/*
 * ---- EVEX (AVX-512) opcodes ----
 * SDM vol.2 §2.7 and the instruction pages.  Which (map, prefix,
 * opcode) exist, as opcode-map grids: row = high nibble, column = low
 * nibble.  Classes:
 *	.  no EVEX instruction        x  register or memory operand
 *	m  memory operand only        r  register operand only
 *	v  gather/scatter (VSIB)      g  group: see evex_groups[]
 * The decoder checks the EVEX prefix itself and this grid; it does not
 * check EVEX.W, vector length, masking or broadcast bits against the
 * instruction (they select among forms of equal length).
 */
struct evex_grid {
	uint8_t map, pp;
	const char *row[16];
};

static const struct evex_grid evex_grids[] = {
	{ 1, 0, {	/* EVEX.0F: packed single */
		/* 0 */ "................",
		/* 1 */ "xxxmxxxm........",
		/* 2 */ "........xx.m..xx",
		/* 3 */ "................",
		/* 4 */ "................",
		/* 5 */ ".x..xxxxxxxxxxxx",
		/* 6 */ "................",
		/* 7 */ "........xx......",
		/* 8 */ "................",
		/* 9 */ "................",
		/* a */ "................",
		/* b */ "................",
		/* c */ "..x...x.........",
		/* d */ "................",
		/* e */ "................",
		/* f */ "................" } },
	{ 1, 1, {	/* EVEX.66.0F: packed double, integer */
		/* 0 */ "................",
		/* 1 */ "xxmmxxmm........",
		/* 2 */ "........xx.m..xx",
		/* 3 */ "................",
		/* 4 */ "................",
		/* 5 */ ".x..xxxxxxxxxxxx",
		/* 6 */ "xxxxxxxxxxxxxxxx",
		/* 7 */ "xgggxxx.xxxx..xx",
		/* 8 */ "................",
		/* 9 */ "................",
		/* a */ "................",
		/* b */ "................",
		/* c */ "..x.xrx.........",
		/* d */ ".xxxxxx.xxxxxxxx",
		/* e */ "xxxxxxxmxxxxxxxx",
		/* f */ ".xxxxxx.xxxxxxx." } },
	{ 1, 2, {	/* EVEX.F3.0F: scalar single, conversions */
		/* 0 */ "................",
		/* 1 */ "xxx...x.........",
		/* 2 */ "..........x.xx..",
		/* 3 */ "................",
		/* 4 */ "................",
		/* 5 */ ".x......xxxxxxxx",
		/* 6 */ "...............x",
		/* 7 */ "x.......xxxx..xx",
		/* 8 */ "................",
		/* 9 */ "................",
		/* a */ "................",
		/* b */ "................",
		/* c */ "..x.............",
		/* d */ "................",
		/* e */ "......x.........",
		/* f */ "................" } },
	{ 1, 3, {	/* EVEX.F2.0F: scalar double, conversions */
		/* 0 */ "................",
		/* 1 */ "xxx.............",
		/* 2 */ "..........x.xx..",
		/* 3 */ "................",
		/* 4 */ "................",
		/* 5 */ ".x......xxx.xxxx",
		/* 6 */ "...............x",
		/* 7 */ "x.......xxxx...x",
		/* 8 */ "................",
		/* 9 */ "................",
		/* a */ "................",
		/* b */ "................",
		/* c */ "..x.............",
		/* d */ "................",
		/* e */ "......x.........",
		/* f */ "................" } },
	{ 2, 1, {	/* EVEX.66.0F38 */
		/* 0 */ "x...x......xxx..",
		/* 1 */ "xxxxxxx.xxmmxxxx",
		/* 2 */ "xxxxxxxxxxmxxx..",
		/* 3 */ "xxxxxxxxxxxxxxxx",
		/* 4 */ "x.xxxxxx....xxxx",
		/* 5 */ "xxxxxx..xxmm....",
		/* 6 */ "..xxxxx.........",
		/* 7 */ "xxxx.xxxxxrrrxxx",
		/* 8 */ "...x....xxxx.x.x",
		/* 9 */ "vvvv..xxxxxxxxxx",
		/* a */ "vvvv..xxxxxxxxxx",
		/* b */ "....xxxxxxxxxxxx",
		/* c */ "....x.ggx.xxxx.x",
		/* d */ "............xxxx",
		/* e */ "................",
		/* f */ "................" } },
	{ 2, 2, {	/* EVEX.F3.0F38: down-converting moves, mask moves */
		/* 0 */ "................",
		/* 1 */ "xxxxxx..........",
		/* 2 */ "xxxxxxxxrrr.....",
		/* 3 */ "xxxxxx..rrr.....",
		/* 4 */ "................",
		/* 5 */ "..x.............",
		/* 6 */ "................",
		/* 7 */ "..x.............",
		/* 8 */ "................",
		/* 9 */ "................",
		/* a */ "................",
		/* b */ "................",
		/* c */ "................",
		/* d */ "................",
		/* e */ "................",
		/* f */ "................" } },
	{ 2, 3, {	/* EVEX.F2.0F38: 4FMAPS, 4VNNIW, vp2intersect, bf16 */
		/* 0 */ "................",
		/* 1 */ "................",
		/* 2 */ "................",
		/* 3 */ "................",
		/* 4 */ "................",
		/* 5 */ "..mm............",
		/* 6 */ "........x.......",
		/* 7 */ "..x.............",
		/* 8 */ "................",
		/* 9 */ "..........mm....",
		/* a */ "..........mm....",
		/* b */ "................",
		/* c */ "................",
		/* d */ "................",
		/* e */ "................",
		/* f */ "................" } },
	{ 3, 1, {	/* EVEX.66.0F3A: all take an imm8 */
		/* 0 */ "xx.xxx..xxxx...x",
		/* 1 */ "....xxxxxxxx.xxx",
		/* 2 */ "xxxx.xxx........",
		/* 3 */ "........xxxx..xx",
		/* 4 */ "..xxx...........",
		/* 5 */ "xx..xxxx........",
		/* 6 */ "......xx........",
		/* 7 */ "xxxx............",
		/* 8 */ "................",
		/* 9 */ "................",
		/* a */ "................",
		/* b */ "................",
		/* c */ "..............xx",
		/* d */ "................",
		/* e */ "................",
		/* f */ "................" } },
};

/* The 'g' entries: which ModRM.reg values exist (bit n: /n), and
 * whether they are VSIB prefetches. */
struct evex_group {
	uint8_t map, pp, op, regs;
	bool vsib;
};

static const struct evex_group evex_groups[] = {
	{ 1, 1, 0x71, 0x54, false }, /* /2 vpsrlw, /4 vpsraw, /6 vpsllw */
	{ 1, 1, 0x72, 0x57, false }, /* /0 vprord, /1 vprold, /2 vpsrld,
					/4 vpsrad, /6 vpslld */
	{ 1, 1, 0x73, 0xcc, false }, /* /2 vpsrlq, /3 vpsrldq, /6 vpsllq,
					/7 vpslldq */
	{ 2, 1, 0xc6, 0x66, true },  /* /1 /2 vgatherpf0/1dps,
					/5 /6 vscatterpf0/1dps */
	{ 2, 1, 0xc7, 0x66, true },  /* the same, qps/qpd */
};

/* clang-format on */

/*
 * ---- The decoder ----
 */

/* The bytes being decoded and how far the decoder has read. */
struct cursor {
	const uint8_t *bytes;
	size_t avail;
	size_t pos;
};

/*
 * Read the next byte.  Past X86_MAX_INSN_LEN bytes the CPU gives up
 * whatever follows, so that is checked before running out of input.
 * (Inlined even at -O1: the translator decodes every guest instruction
 * it meets, and a call per byte was a fifth of the decoder's time.)
 */
static inline __attribute__((always_inline)) int
next_byte(struct cursor *c, uint8_t *v)
{
	if (c->pos >= X86_MAX_INSN_LEN)
		return X86_ERR_TOO_LONG;
	if (c->pos >= c->avail)
		return X86_ERR_TRUNCATED;
	*v = c->bytes[c->pos++];
	return X86_OK;
}

/* Look at the next byte without consuming it. */
static int
peek_byte(const struct cursor *c, uint8_t *v)
{
	struct cursor tmp = *c;

	return next_byte(&tmp, v);
}

/* Read an n-byte little-endian value (n = 1, 2 or 4), zero-extended. */
static int
next_le(struct cursor *c, int n, uint32_t *v)
{
	uint32_t val = 0;
	uint8_t b;
	int i, rc;

	for (i = 0; i < n; i++) {
		if ((rc = next_byte(c, &b)) != X86_OK)
			return rc;
		val |= (uint32_t)b << (8 * i);
	}
	*v = val;
	return X86_OK;
}

/* Sign-extend the low n bytes of v. */
static int32_t
sign_extend(uint32_t v, int n)
{
	if (n == 1)
		return (int8_t)v;
	if (n == 2)
		return (int16_t)v;
	return (int32_t)v;
}

/* Read the ModRM byte, once, and split it into its fields. */
static int
read_modrm(struct cursor *c, struct x86_insn *in)
{
	uint8_t m;
	int rc;

	if (in->has_modrm)
		return X86_OK;
	if ((rc = next_byte(c, &m)) != X86_OK)
		return rc;
	in->has_modrm = true;
	in->mod = m >> 6;
	in->reg = (m >> 3) & 7;
	in->rm = m & 7;
	return X86_OK;
}

/* Whether an entry's args start with a ModRM byte. */
static bool
args_have_modrm(int args)
{
	return args == A_M || args == A_MI8 || args == A_MIS ||
	       args == A_MI8I8 || args == A_MJS;
}

/*
 * Read the rest of a ModRM memory operand: SIB and displacement.
 * SDM vol.2 Table 2-1 (16-bit forms) and Tables 2-2, 2-3 (32-bit).
 * Every form ends up as base + index * scale + disp.
 */
static int
read_mem_operand(struct cursor *c, struct x86_insn *in)
{
	/* 16-bit forms: [BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI] [DI] [BP] [BX] */
	static const uint8_t base16[8] = { X86_EBX, X86_EBX, X86_EBP,
					   X86_EBP, X86_ESI, X86_EDI,
					   X86_EBP, X86_EBX };
	static const uint8_t index16[8] = { X86_ESI, X86_EDI, X86_ESI,
					    X86_EDI, X86_REG_NONE,
					    X86_REG_NONE, X86_REG_NONE,
					    X86_REG_NONE };
	uint32_t v;
	uint8_t sib;
	int dsize = 0, rc;

	in->base = in->index = X86_REG_NONE;
	in->scale = 1;
	if (in->mod == 3)
		return X86_OK;
	if (in->addrsize == 2) {
		in->base = base16[in->rm];
		in->index = index16[in->rm];
		if (in->mod == 0 && in->rm == 6) {
			in->base = X86_REG_NONE; /* [disp16] */
			dsize = 2;
		}
		if (in->mod == 1)
			dsize = 1;
		if (in->mod == 2)
			dsize = 2;
	} else {
		if (in->rm == 4) {
			if ((rc = next_byte(c, &sib)) != X86_OK)
				return rc;
			in->has_sib = true;
			in->scale = 1 << (sib >> 6);
			in->index = (sib >> 3) & 7;
			/* index 4 means none, except a VSIB's vector */
			if (in->index == X86_ESP &&
			    !(in->attr & X86_ATTR_VSIB))
				in->index = X86_REG_NONE;
			in->base = sib & 7;
			if (in->base == X86_EBP && in->mod == 0) {
				/* [index * scale + disp32] */
				in->base = X86_REG_NONE;
				dsize = 4;
			}
		} else if (in->rm == 5 && in->mod == 0) {
			dsize = 4; /* [disp32] */
		} else {
			in->base = in->rm;
		}
		if (in->mod == 1)
			dsize = 1;
		if (in->mod == 2)
			dsize = 4;
	}
	if (dsize) {
		if ((rc = next_le(c, dsize, &v)) != X86_OK)
			return rc;
		in->disp = sign_extend(v, dsize);
		in->disp_size = dsize;
	}
	return X86_OK;
}

/*
 * The path through the tables from an opcode to its instruction, and
 * what the entries on it contributed.
 */
struct path {
	const struct opent *leaf; /* the instruction, or NULL: #UD */
	uint8_t args;
	uint8_t dec;
	uint16_t attr;
	int col; /* mandatory-prefix column taken, or -1 if none */
};

/*
 * Follow entry e down to an instruction, reading the ModRM byte when
 * an entry depends on it.  col is the mandatory-prefix column that the
 * prefixes ask for.  Sets p->leaf to NULL if there is no instruction;
 * returns an X86_ERR_* only if the bytes ran out.
 *
 * A K_SIMD entry whose F3/F2/66 column has no instruction (for this
 * ModRM) falls back to the no-prefix column, the prefix then being
 * ignored (F3) or an operand-size prefix (66): what CPUs do with, for
 * example, F3 0F 54 (andps) or 66 0F 38 F0 (movbe r16).
 */
static int
resolve(const struct opent *e, struct cursor *c, struct x86_insn *in,
	int col, struct path *p)
{
	struct path q;
	int rc;

	for (;;) {
		if (e->args != A_INHERIT)
			p->args = e->args;
		p->dec |= e->dec;
		p->attr |= e->attr;
		switch (e->kind) {
		case K_OP:
			if (args_have_modrm(p->args) &&
			    (rc = read_modrm(c, in)) != X86_OK)
				return rc;
			if ((p->dec & D_MEM) && in->mod == 3)
				goto bad;
			if ((p->dec & D_REG) && in->mod != 3)
				goto bad;
			p->leaf = e;
			return X86_OK;
		case K_GROUP:
		case K_MOD:
		case K_RM:
			if ((rc = read_modrm(c, in)) != X86_OK)
				return rc;
			if (e->kind == K_GROUP)
				e = &e->next[in->reg];
			else if (e->kind == K_MOD)
				e = &e->next[in->mod == 3];
			else
				e = &e->next[in->rm];
			break;
		case K_SIMD:
			q = *p;
			q.col = col;
			if ((rc = resolve(&e->next[col], c, in, col, &q)) != 0)
				return rc;
			if (q.leaf == NULL && col != COL_NP) {
				q = *p;
				q.col = COL_NP;
				rc = resolve(&e->next[COL_NP], c, in, col, &q);
				if (rc != X86_OK)
					return rc;
			}
			*p = q;
			return X86_OK;
		default:
			goto bad;
		}
	}
bad:
	p->leaf = NULL;
	return X86_OK;
}

/*
 * Read the immediate(s) that args call for, at the end of the
 * instruction.  Operand and address sizes are already known.
 */
static int
read_immediates(struct cursor *c, struct x86_insn *in, int args, int dec)
{
	uint32_t v = 0, v2;
	int n = 0, rc;
	bool sext = false;

	switch (args) {
	case A_MI8:
	case A_I8:
	case A_MI8I8:
		n = 1;
		sext = dec & D_SEXT;
		break;
	case A_J8:
		n = 1;
		sext = true;
		break;
	case A_MIS:
	case A_IS:
	case A_AP:
		n = in->opsize;
		break;
	case A_JS:
	case A_MJS:
		n = in->opsize;
		sext = true;
		break;
	case A_I16:
	case A_I16I8:
		n = 2;
		break;
	case A_MOFFS:
		if ((rc = next_le(c, in->addrsize, &v)) != X86_OK)
			return rc;
		in->disp = sign_extend(v, in->addrsize);
		in->disp_size = in->addrsize;
		in->base = in->index = X86_REG_NONE;
		in->scale = 1;
		return X86_OK;
	}
	if (n) {
		if ((rc = next_le(c, n, &v)) != X86_OK)
			return rc;
		in->imm = sext ? (uint32_t)sign_extend(v, n) : v;
		in->imm_size = n;
	}
	/* the second immediate: enter's level, extrq's index, a selector */
	n = args == A_AP ? 2 : (args == A_I16I8 || args == A_MI8I8) ? 1 : 0;
	if (n) {
		if ((rc = next_le(c, n, &v2)) != X86_OK)
			return rc;
		in->imm2 = v2;
	}
	return X86_OK;
}

static int decode_vex(struct cursor *c, struct x86_insn *in, uint8_t op);
static int decode_evex(struct cursor *c, struct x86_insn *in);
static int decode_xop(struct cursor *c, struct x86_insn *in);

/* Map a prefix byte to the segment register it overrides to. */
static int
segment_of_prefix(uint8_t b)
{
	switch (b) {
	case 0x26:
		return X86_SEG_ES;
	case 0x2e:
		return X86_SEG_CS;
	case 0x36:
		return X86_SEG_SS;
	case 0x3e:
		return X86_SEG_DS;
	case 0x64:
		return X86_SEG_FS;
	case 0x65:
		return X86_SEG_GS;
	}
	return X86_SEG_NONE;
}

/*
 * Decode the 3DNow! instruction whose 0F 0F the cursor has just read:
 * ModRM operand first, then the suffix byte that names the operation.
 */
static int
decode_3dnow(struct cursor *c, struct x86_insn *in)
{
	uint8_t suffix;
	int rc;

	in->encoding = X86_ENC_3DNOW;
	if ((rc = read_modrm(c, in)) != X86_OK ||
	    (rc = read_mem_operand(c, in)) != X86_OK ||
	    (rc = next_byte(c, &suffix)) != X86_OK)
		return rc;
	if (amd3dnow[suffix] == NULL || (in->prefixes & X86_PFX_LOCK))
		return X86_ERR_INVALID;
	in->opcode = 0x0f0f00 | suffix;
	in->opsize = 4;
	in->name = amd3dnow[suffix];
	in->attr = FPU | (in->mod != 3 ? RD : 0);
	return X86_OK;
}

/*
 * Decode one instruction (contract in inc/x86decode.h): prefixes, then
 * either a vector encoding or an opcode looked up in the maps above,
 * then its ModRM operand and immediates.
 */
int
x86_decode(const uint8_t *bytes, size_t avail, struct x86_insn *in)
{
	static const struct x86_insn empty = {
		.seg = X86_SEG_NONE,
		.base = X86_REG_NONE,
		.index = X86_REG_NONE,
		.scale = 1,
	};
	struct cursor c = { bytes, avail, 0 };
	const struct opent *table = map1, *e;
	struct path p = { NULL, A_INHERIT, 0, 0, -1 };
	uint8_t b, next, last_rep = 0;
	int col, rc;

	*in = empty;
	in->addrsize = 4;

	/* Legacy prefixes (SDM vol.2 §2.1.1), in any order and number. */
	for (;;) {
		if ((rc = next_byte(&c, &b)) != X86_OK)
			return rc;
		if (map1[b].kind != K_PREFIX)
			break;
		if (b == 0xf0)
			in->prefixes |= X86_PFX_LOCK;
		else if (b == 0xf2 || b == 0xf3) {
			in->prefixes |= b == 0xf3 ? X86_PFX_REP : X86_PFX_REPNE;
			last_rep = b;
		} else if (b == 0x66)
			in->prefixes |= X86_PFX_OPSIZE;
		else if (b == 0x67)
			in->prefixes |= X86_PFX_ADDRSIZE;
		else
			in->seg = segment_of_prefix(b);
	}
	if (in->prefixes & X86_PFX_ADDRSIZE)
		in->addrsize = 2;

	/*
	 * C4, C5 and 62 are VEX and EVEX when the next byte would be a
	 * register ModRM (mod == 3), which les, lds and bound do not
	 * allow; 8F is XOP when the next byte's reg field is not pop's 0.
	 * SDM vol.2 §2.3.5 and §2.6.1; AMD APM vol.3 §1.8.
	 */
	if (b == 0xc4 || b == 0xc5 || b == 0x62 || b == 0x8f) {
		if ((rc = peek_byte(&c, &next)) != X86_OK)
			return rc;
		if (b == 0x8f ? (next & 0x38) != 0 : (next >> 6) == 3) {
			if (in->prefixes & (X86_PFX_LOCK | X86_PFX_REP |
					    X86_PFX_REPNE | X86_PFX_OPSIZE))
				return X86_ERR_INVALID;
			if (b == 0x62)
				rc = decode_evex(&c, in);
			else if (b == 0x8f)
				rc = decode_xop(&c, in);
			else
				rc = decode_vex(&c, in, b);
			if (rc != X86_OK)
				return rc;
			in->len = c.pos;
			return c.pos;
		}
	}

	/* Escapes to the two- and three-byte maps (SDM vol.2 §2.1.2). */
	in->opcode = b;
	if (b == 0x0f) {
		if ((rc = next_byte(&c, &b)) != X86_OK)
			return rc;
		in->opcode = 0x0f00 | b;
		table = map0f;
		if (b == 0x38 || b == 0x3a) {
			table = b == 0x38 ? map0f38 : map0f3a;
			in->opcode = (0x0f00 | b) << 8;
			if ((rc = next_byte(&c, &b)) != X86_OK)
				return rc;
			in->opcode |= b;
		} else if (b == 0x0f) {
			if ((rc = decode_3dnow(&c, in)) != X86_OK)
				return rc;
			in->len = c.pos;
			return c.pos;
		}
	}
	e = &table[b];

	/* The mandatory prefix: F2/F3 (the last one) outrank 66. */
	if (last_rep)
		col = last_rep == 0xf3 ? COL_F3 : COL_F2;
	else
		col = (in->prefixes & X86_PFX_OPSIZE) ? COL_66 : COL_NP;
	if ((rc = resolve(e, &c, in, col, &p)) != X86_OK)
		return rc;
	if (p.leaf == NULL)
		return X86_ERR_INVALID;

	/* LOCK needs a lockable instruction with a memory destination. */
	if ((in->prefixes & X86_PFX_LOCK) &&
	    (!(p.attr & X86_ATTR_LOCKABLE) || !in->has_modrm || in->mod == 3))
		return X86_ERR_INVALID;

	in->name = p.leaf->name;
	in->flow = p.leaf->flow;
	in->attr = p.attr;
	if (p.col > COL_NP)
		in->simd_pfx = (const uint8_t[]){ 0, 0x66, 0xf3, 0xf2 }[p.col];
	if (p.dec & D_BYTE)
		in->opsize = 1;
	else if ((p.dec & D_W16) ||
		 ((in->prefixes & X86_PFX_OPSIZE) && p.col != COL_66))
		in->opsize = 2;
	else
		in->opsize = 4;

	if (in->has_modrm) {
		if (p.dec & D_NOMOD)
			in->mod = 3;
		if ((rc = read_mem_operand(&c, in)) != X86_OK)
			return rc;
		if (in->mod == 3 && !(p.dec & D_IMPL))
			in->attr &= ~(X86_ATTR_MEM_READ | X86_ATTR_MEM_WRITE);
	}
	if ((rc = read_immediates(&c, in, p.args, p.dec)) != X86_OK)
		return rc;
	if (p.args == A_MOFFS)
		in->attr |= X86_ATTR_MOFFS;
	if (in->opcode == 0x90 && last_rep == 0xf3)
		in->name = "pause";
	in->len = c.pos;
	return c.pos;
}

/*
 * ---- VEX, EVEX and XOP ----
 */

/* The fields of a VEX, EVEX or XOP prefix that select the instruction. */
struct vexfields {
	int map; /* 1: 0F, 2: 0F 38, 3: 0F 3A; XOP: 8, 9, 10 */
	int pp;	 /* implied 66/F3/F2 */
	int L;	 /* vector length: VEX.L, or EVEX.L'L */
	int W;
	int vvvv; /* the register it names (0 when unused), low 3 bits:
		     the fourth bit is ignored in 32-bit mode */
};

/* Whether the instruction ends with an imm8: all of map 0F 3A and XOP
 * map 8, and the same few map-0F opcodes as in the legacy encoding. */
static bool
vector_has_imm8(int map, int op)
{
	if (map == 3 || map == 8)
		return true;
	return map == 1 && ((op >= 0x70 && op <= 0x73) || op == 0xc2 ||
			    (op >= 0xc4 && op <= 0xc6));
}

/* The opcode number reported for a vector instruction (see
 * struct x86_insn.opcode). */
static uint32_t
vector_opcode(int map, int op)
{
	static const uint32_t escape[4] = { 0, 0x0f00, 0x0f3800, 0x0f3a00 };

	if (map >= 8)
		return 0x8f0000u | (uint32_t)map << 8 | (uint32_t)op;
	return escape[map] | (uint32_t)op;
}

/*
 * After the opcode of a vector instruction: its ModRM operand and
 * immediate, and the fields every vector encoding fills alike.
 */
static int
finish_vector(struct cursor *c, struct x86_insn *in,
	      const struct vexfields *v, int op)
{
	uint32_t imm;
	int n, rc;

	in->opcode = vector_opcode(v->map, op);
	in->simd_pfx = (const uint8_t[]){ 0, 0x66, 0xf3, 0xf2 }[v->pp];
	in->opsize = 4;
	/* a VSIB needs a SIB byte and 32-bit addressing (SDM vol.2
	 * §2.3.12) */
	if ((in->attr & X86_ATTR_VSIB) &&
	    (in->mod == 3 || in->rm != 4 || in->addrsize != 4))
		return X86_ERR_INVALID;
	if (in->has_modrm && (rc = read_mem_operand(c, in)) != X86_OK)
		return rc;
	n = vector_has_imm8(v->map, op) ? 1 : v->map == 10 ? 4 : 0;
	if (n) {
		if ((rc = next_le(c, n, &imm)) != X86_OK)
			return rc;
		in->imm = imm;
		in->imm_size = n;
	}
	return X86_OK;
}

/* Whether a vex_ops row describes the instruction being decoded. */
static bool
vex_row_matches(const struct vexop *row, const struct x86_insn *in,
		const struct vexfields *v)
{
	if (!(row->rules & (v->L ? V_L1 : V_L0)))
		return false;
	if ((row->rules & V_W1) && !v->W)
		return false;
	if ((row->rules & V_NOV) && v->vvvv)
		return false;
	if (row->rules & V_NOMODRM)
		return true;
	if (row->reg != ANYREG && row->reg != in->reg)
		return false;
	if ((row->rules & V_MEM) && in->mod == 3)
		return false;
	if ((row->rules & V_REG) && in->mod != 3)
		return false;
	if ((row->rules & V_NOVM) && in->mod != 3 && v->vvvv)
		return false;
	return true;
}

/*
 * The part of VEX and XOP after the prefix: the opcode, looked up in
 * vex_ops[], then its operands.
 */
static int
decode_vex_body(struct cursor *c, struct x86_insn *in,
		const struct vexfields *v)
{
	const struct vexop *row, *hit = NULL;
	uint8_t op;
	size_t i;
	int rc;

	if ((rc = next_byte(c, &op)) != X86_OK)
		return rc;
	for (i = 0; i < ARRAY_SIZE(vex_ops) && !hit; i++) {
		row = &vex_ops[i];
		if (row->map != v->map || row->pp != v->pp || row->op != op)
			continue;
		if (!(row->rules & V_NOMODRM) &&
		    (rc = read_modrm(c, in)) != X86_OK)
			return rc;
		if (vex_row_matches(row, in, v))
			hit = row;
	}
	if (!hit)
		return X86_ERR_INVALID;
	in->name = hit->name;
	if ((hit->rules & V_NOMODRM) && v->L)
		in->name = "vzeroall";
	if (!(hit->rules & V_GPR))
		in->attr |= FPU;
	if (hit->rules & V_VSIB)
		in->attr |= X86_ATTR_VSIB;
	return finish_vector(c, in, v, op);
}

/*
 * VEX (SDM vol.2 §2.3.5): C5 carries R vvvv L pp and implies map 0F;
 * C4 carries R X B mmmmm, then W vvvv L pp.  The cursor is on the byte
 * after C4/C5, which x86_decode has checked reads as mod == 3.
 */
static int
decode_vex(struct cursor *c, struct x86_insn *in, uint8_t first)
{
	struct vexfields v = { 1, 0, 0, 0, 0 };
	uint8_t b1, b2;
	int rc;

	if ((rc = next_byte(c, &b1)) != X86_OK)
		return rc;
	b2 = b1;
	if (first == 0xc4) {
		v.map = b1 & 0x1f;
		if ((rc = next_byte(c, &b2)) != X86_OK)
			return rc;
		v.W = b2 >> 7;
	}
	v.vvvv = (~b2 >> 3) & 7;
	v.L = (b2 >> 2) & 1;
	v.pp = b2 & 3;
	in->encoding = X86_ENC_VEX;
	if (v.map < 1 || v.map > 3)
		return X86_ERR_INVALID;
	return decode_vex_body(c, in, &v);
}

/*
 * XOP (AMD APM vol.3 §1.8): 8F, then R X B mmmmm (map 8, 9 or 10) and
 * W vvvv L pp, laid out like a three-byte VEX; pp must be 0.
 */
static int
decode_xop(struct cursor *c, struct x86_insn *in)
{
	struct vexfields v = { 0, 0, 0, 0, 0 };
	uint8_t b1, b2;
	int rc;

	if ((rc = next_byte(c, &b1)) != X86_OK ||
	    (rc = next_byte(c, &b2)) != X86_OK)
		return rc;
	v.map = b1 & 0x1f;
	v.W = b2 >> 7;
	v.vvvv = (~b2 >> 3) & 7;
	v.L = (b2 >> 2) & 1;
	v.pp = b2 & 3;
	in->encoding = X86_ENC_XOP;
	if (v.map < 8 || v.map > 10)
		return X86_ERR_INVALID;
	return decode_vex_body(c, in, &v);
}

/*
 * EVEX (SDM vol.2 §2.7.1): 62, then P0 = R X B R' 0 0 m m,
 * P1 = W vvvv 1 pp, P2 = z L'L b V' aaa, the opcode and a ModRM.
 * x86_decode has checked that P0 reads as mod == 3.
 */
static int
decode_evex(struct cursor *c, struct x86_insn *in)
{
	const struct evex_grid *g = NULL;
	struct vexfields v = { 0, 0, 0, 0, 0 };
	uint8_t p0, p1, p2, op;
	char cls;
	size_t i;
	int rc;

	if ((rc = next_byte(c, &p0)) != X86_OK ||
	    (rc = next_byte(c, &p1)) != X86_OK ||
	    (rc = next_byte(c, &p2)) != X86_OK ||
	    (rc = next_byte(c, &op)) != X86_OK)
		return rc;
	in->encoding = X86_ENC_EVEX;
	/* reserved bits: P0[3:2] = 0, P1[2] = 1 */
	if ((p0 & 0x0c) != 0 || (p1 & 0x04) == 0)
		return X86_ERR_INVALID;
	v.map = p0 & 3;
	v.W = p1 >> 7;
	v.vvvv = (~p1 >> 3) & 7;
	v.pp = p1 & 3;
	v.L = (p2 >> 5) & 3;
	for (i = 0; i < ARRAY_SIZE(evex_grids); i++)
		if (evex_grids[i].map == v.map && evex_grids[i].pp == v.pp)
			g = &evex_grids[i];
	if (g == NULL)
		return X86_ERR_INVALID;
	cls = g->row[op >> 4][op & 15];
	if (cls == '.')
		return X86_ERR_INVALID;
	if ((rc = read_modrm(c, in)) != X86_OK)
		return rc;
	if (cls == 'g') {
		for (i = 0; i < ARRAY_SIZE(evex_groups); i++) {
			const struct evex_group *eg = &evex_groups[i];

			if (eg->map == v.map && eg->pp == v.pp && eg->op == op)
				break;
		}
		if (i == ARRAY_SIZE(evex_groups) ||
		    !(evex_groups[i].regs & (1 << in->reg)))
			return X86_ERR_INVALID;
		if (evex_groups[i].vsib)
			cls = 'v';
	}
	if ((cls == 'm' || cls == 'v') && in->mod == 3)
		return X86_ERR_INVALID;
	if (cls == 'r' && in->mod != 3)
		return X86_ERR_INVALID;
	in->name = "avx512";
	in->attr |= FPU | (cls == 'v' ? X86_ATTR_VSIB : 0);
	return finish_vector(c, in, &v, op);
}

/* The instruction's name for messages (inc/x86decode.h). */
const char *
x86_insn_name(const struct x86_insn *in)
{
	return in->name ? in->name : "?";
}

/*
 * Offset of the memory operand (inc/x86decode.h).  Adding 16-bit
 * registers as 32-bit values and truncating the sum gives the same
 * 16-bit offset as the CPU's 16-bit arithmetic.
 */
uint32_t
x86_effective_offset(const struct x86_insn *in, const uint32_t gpr[X86_NGPR])
{
	uint32_t off = (uint32_t)in->disp;

	if (in->base != X86_REG_NONE)
		off += gpr[in->base];
	if (in->index != X86_REG_NONE)
		off += gpr[in->index] * in->scale;
	return in->addrsize == 2 ? off & 0xffff : off;
}

/* Segment of the memory operand (inc/x86decode.h). */
enum x86_seg
x86_insn_seg(const struct x86_insn *in)
{
	if (in->seg != X86_SEG_NONE)
		return in->seg;
	if (in->base == X86_EBP || in->base == X86_ESP)
		return X86_SEG_SS;
	return X86_SEG_DS;
}

/* Target of a relative branch (inc/x86decode.h). */
uint32_t
x86_branch_target(const struct x86_insn *in, uint32_t eip)
{
	uint32_t t = eip + in->len + in->imm;

	return in->opsize == 2 ? t & 0xffff : t;
}
