/*
 * The write emulator for trace faults (contract in inc/wemu.h).
 *
 * A guest write to a traced page-table page faults into the monitor,
 * which decodes the instruction and hands it here.  We do what the CPU
 * would have done, in the order the CPU does it for one instruction:
 *
 *	compute the address	x86_effective_offset(), plus the bit
 *				offset of bt/bts/btr/btc
 *	read the old value	mem->read (read-modify-write forms only)
 *	compute			on local copies of registers and eflags
 *	write the new value	mem->write, exactly the operand's bytes
 *	commit			copy registers and eflags back
 *
 * A failed read or write stops before the commit, so the guest's state
 * is untouched, as the CPU leaves it on a fault.  Rep string
 * instructions are the exception the CPU makes too: each iteration
 * completes on its own, and a fault in the middle leaves the registers
 * of the completed ones (SDM vol.2 "REP/REPE/REPZ/REPNE/REPNZ").
 *
 * Arithmetic flags are computed by the host CPU: we load the guest's
 * arithmetic flags into the real eflags, run the very same instruction
 * on register copies of the operands, and read the flags back.  Every
 * flag then comes out as this CPU would have set it running the guest
 * natively, the ones the SDM calls "undefined" (AF after and, the flags
 * after bts) included, and there is no flag formula to get wrong.
 */
#include <inc/mmu.h>
#include <inc/wemu.h>

/* The arithmetic flags (SDM vol.1 §3.4.3.1): all an instruction here sets. */
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

#define BITS_PER_BYTE 8
#define ADDR_MASK16 0xFFFFu /* 16-bit address size: offsets wrap here */
#define ADDR_MASK32 0xFFFFFFFFu

/* ---- Register operands ---- */

/* The bits of an operand of size bytes (1, 2 or 4). */
static uint32_t
size_mask(unsigned size)
{
	return size == 4 ? 0xFFFFFFFFu : (1u << (size * BITS_PER_BYTE)) - 1;
}

/*
 * The byte registers 4-7 are AH, CH, DH, BH: bits 8-15 of registers
 * 0-3 (SDM vol.2 §2.1.5, Table 2-2).
 */
#define BYTE_REG_HIGH 4
#define HIGH_BYTE_SHIFT 8

/* Register number reg read as an operand of size bytes. */
static uint32_t
reg_get(const uint32_t *r, unsigned reg, unsigned size)
{
	if (size == 1 && reg >= BYTE_REG_HIGH)
		return (r[reg - BYTE_REG_HIGH] >> HIGH_BYTE_SHIFT) & 0xFF;
	return r[reg] & size_mask(size);
}

/* Set register number reg as an operand of size bytes; the rest stays. */
static void
reg_set(uint32_t *r, unsigned reg, unsigned size, uint32_t val)
{
	uint32_t mask = size_mask(size);
	unsigned shift = 0;

	if (size == 1 && reg >= BYTE_REG_HIGH) {
		reg -= BYTE_REG_HIGH;
		shift = HIGH_BYTE_SHIFT;
	}
	r[reg] = (r[reg] & ~(mask << shift)) | ((val & mask) << shift);
}

/* ---- Memory operands ---- */

/* Read size bytes at va into *val (little-endian, zero-extended). */
static int
load(const struct wemu_mem *mem, gva_t va, unsigned size, uint32_t *val)
{
	*val = 0;
	return mem->read(mem->ctx, va, val, size) < 0 ? WEMU_FAULT : WEMU_OK;
}

/* Write the low size bytes of val at va, and say so in *w. */
static int
store(const struct wemu_mem *mem, gva_t va, unsigned size, uint32_t val,
      struct wemu_write *w)
{
	if (mem->write(mem->ctx, va, &val, size) < 0)
		return WEMU_FAULT;
	w->va = va;
	w->len = size;
	return WEMU_OK;
}

/* ---- The host CPU computes the flags ---- */

/*
 * The operations, numbered so that the first eight are the ALU
 * operations in the order opcodes 00-3F and group 1 (80-83 /0-/7)
 * number them (SDM vol.2 Table A-6).
 */
enum alu {
	ALU_ADD,
	ALU_OR,
	ALU_ADC,
	ALU_SBB,
	ALU_AND,
	ALU_SUB,
	ALU_XOR,
	ALU_CMP,
	ALU_INC,
	ALU_DEC,
	ALU_NOT,
	ALU_NEG,
	ALU_BT,
	ALU_BTS,
	ALU_BTR,
	ALU_BTC,
	ALU_TEST,
	NALU
};

/*
 * Pushing inside inline asm: on x86-64 the compiler may keep data in
 * the 128-byte "red zone" below %rsp (System V ABI §3.2.2), which a push
 * would overwrite, so step over it first.  The monitor is i386: no red
 * zone.  lea, unlike add/sub, leaves the flags alone.
 */
#ifdef __x86_64__
#define SKIP_RED_ZONE "lea -128(%%rsp), %%rsp\n\t"
#define BACK_TO_RED_ZONE "lea 128(%%rsp), %%rsp\n\t"
#else
#define SKIP_RED_ZONE ""
#define BACK_TO_RED_ZONE ""
#endif

/* The host's eflags now (pushfl on i386, pushfq on x86-64). */
static unsigned long
host_flags(void)
{
	unsigned long f;

	__asm__ volatile(SKIP_RED_ZONE "pushf\n\t"
				       "pop %0\n\t" BACK_TO_RED_ZONE
			 : "=r"(f));
	return f;
}

/*
 * HOST_OP(fn, insn, type, cons) defines
 *
 *	uint32_t fn(uint32_t dst, uint32_t src, unsigned long *f)
 *
 * which loads *f into eflags (popf), runs insn, one instruction on the
 * register operands %[d] (type, the operand size: the assembler picks
 * %al, %ax or %eax from it) and %[s], then stores eflags back in *f
 * (pushf) and returns the new %[d].  cons is the register constraint:
 * "q" for bytes, since on i386 only a-d have byte halves.
 * Operands are registers only: a memory operand could be addressed
 * off %esp/%rsp, which moves while the flags are on the stack.
 */
#define HOST_OP(fn, insn, type, cons)                                          \
	static uint32_t fn(uint32_t dst, uint32_t src, unsigned long *f)       \
	{                                                                      \
		type d = (type)dst, s = (type)src;                             \
		__asm__ volatile(SKIP_RED_ZONE "push %[f]\n\t"                 \
					       "popf\n\t" insn "\n\t"          \
					       "pushf\n\t"                     \
					       "pop %[f]\n\t" BACK_TO_RED_ZONE \
				 : [d] "+" cons(d), [f] "+r"(*f)               \
				 : [s] cons(s)                                 \
				 : "cc");                                      \
		return d;                                                      \
	}

/* One operation at all three operand sizes, and at 16 and 32 bits. */
#define HOST_OP_8_16_32(name, insn)                                            \
	HOST_OP(name##8, insn, uint8_t, "q")                                   \
	HOST_OP(name##16, insn, uint16_t, "r")                                 \
	HOST_OP(name##32, insn, uint32_t, "r")
#define HOST_OP_16_32(name, insn)                                              \
	HOST_OP(name##16, insn, uint16_t, "r")                                 \
	HOST_OP(name##32, insn, uint32_t, "r")

HOST_OP_8_16_32(host_add, "add %[s], %[d]")
HOST_OP_8_16_32(host_or, "or %[s], %[d]")
HOST_OP_8_16_32(host_adc, "adc %[s], %[d]")
HOST_OP_8_16_32(host_sbb, "sbb %[s], %[d]")
HOST_OP_8_16_32(host_and, "and %[s], %[d]")
HOST_OP_8_16_32(host_sub, "sub %[s], %[d]")
HOST_OP_8_16_32(host_xor, "xor %[s], %[d]")
HOST_OP_8_16_32(host_cmp, "cmp %[s], %[d]")
HOST_OP_8_16_32(host_inc, "inc %[d]")
HOST_OP_8_16_32(host_dec, "dec %[d]")
HOST_OP_8_16_32(host_not, "not %[d]")
HOST_OP_8_16_32(host_neg, "neg %[d]")
HOST_OP_16_32(host_bt, "bt %[s], %[d]")
HOST_OP_16_32(host_bts, "bts %[s], %[d]")
HOST_OP_16_32(host_btr, "btr %[s], %[d]")
HOST_OP_16_32(host_btc, "btc %[s], %[d]")
HOST_OP_8_16_32(host_test, "test %[s], %[d]")

typedef uint32_t host_op_fn(uint32_t dst, uint32_t src, unsigned long *f);

/* host_ops[op][size >> 1]: sizes 1, 2, 4 at 0, 1, 2.  No byte bt*. */
static host_op_fn *const host_ops[NALU][3] = {
	[ALU_ADD] = { host_add8, host_add16, host_add32 },
	[ALU_OR] = { host_or8, host_or16, host_or32 },
	[ALU_ADC] = { host_adc8, host_adc16, host_adc32 },
	[ALU_SBB] = { host_sbb8, host_sbb16, host_sbb32 },
	[ALU_AND] = { host_and8, host_and16, host_and32 },
	[ALU_SUB] = { host_sub8, host_sub16, host_sub32 },
	[ALU_XOR] = { host_xor8, host_xor16, host_xor32 },
	[ALU_CMP] = { host_cmp8, host_cmp16, host_cmp32 },
	[ALU_INC] = { host_inc8, host_inc16, host_inc32 },
	[ALU_DEC] = { host_dec8, host_dec16, host_dec32 },
	[ALU_NOT] = { host_not8, host_not16, host_not32 },
	[ALU_NEG] = { host_neg8, host_neg16, host_neg32 },
	[ALU_BT] = { NULL, host_bt16, host_bt32 },
	[ALU_BTS] = { NULL, host_bts16, host_bts32 },
	[ALU_BTR] = { NULL, host_btr16, host_btr32 },
	[ALU_BTC] = { NULL, host_btc16, host_btc32 },
	[ALU_TEST] = { host_test8, host_test16, host_test32 },
};

/*
 * dst op src at size bytes, as the CPU computes it: returns the result
 * and replaces the arithmetic flags of *eflags with the CPU's.  The
 * host's other flags (IF, DF, IOPL, AC, ...) are what popf reloads, so
 * they do not change, in the monitor at ring 0 or in a host test.
 */
static uint32_t
alu(enum alu op, unsigned size, uint32_t dst, uint32_t src, uint32_t *eflags)
{
	unsigned long f = (host_flags() & ~(unsigned long)FL_ARITH) |
			  (*eflags & FL_ARITH);
	uint32_t res = host_ops[op][size >> 1](dst, src, &f);

	*eflags = (*eflags & ~FL_ARITH) | ((uint32_t)f & FL_ARITH);
	return res;
}

/* Does op write its destination?  cmp, test and bt only read it. */
static bool
alu_writes(enum alu op)
{
	return op != ALU_CMP && op != ALU_BT && op != ALU_TEST;
}

/*
 * Is condition cc (the low nibble of setcc/jcc/cmovcc) true under
 * eflags?  SDM vol.2 appendix B.1.4.7, Table B-1: the even codes test
 * a condition, the odd ones its negation.
 */
static bool
cond_true(unsigned cc, uint32_t eflags)
{
	bool cf = eflags & FL_CF, zf = eflags & FL_ZF;
	bool sf = eflags & FL_SF, of = eflags & FL_OF, pf = eflags & FL_PF;
	bool t;

	switch (cc >> 1) {
	case 0: /* o */
		t = of;
		break;
	case 1: /* b, c, nae */
		t = cf;
		break;
	case 2: /* e, z */
		t = zf;
		break;
	case 3: /* be, na */
		t = cf || zf;
		break;
	case 4: /* s */
		t = sf;
		break;
	case 5: /* p, pe */
		t = pf;
		break;
	case 6: /* l, nge */
		t = sf != of;
		break;
	default: /* le, ng */
		t = zf || sf != of;
		break;
	}
	return (cc & 1) ? !t : t;
}

/* ---- The forms ---- */

/*
 * op on the memory operand at va, with source src (ignored by inc,
 * dec, not, neg): read, compute with flags, write back unless op only
 * reads.  add/or/.../cmp (SDM vol.2 ADD ... CMP), inc/dec/not/neg, and
 * the bt family with the bit offset already reduced to the operand.
 */
static int
rmw_alu(enum alu op, unsigned size, gva_t va, uint32_t src, uint32_t *fl,
	const struct wemu_mem *mem, struct wemu_write *w)
{
	uint32_t old, res;

	if (load(mem, va, size, &old) < 0)
		return WEMU_FAULT;
	res = alu(op, size, old, src, fl);
	if (alu_writes(op))
		return store(mem, va, size, res, w);
	return WEMU_OK;
}

/*
 * op with a register destination and the memory operand at va as its
 * source (add/or/.../cmp Gb,Eb and Gv,Ev): read, compute, and write the
 * register unless op only reads.  Nothing is written to memory.
 */
static int
reg_alu(enum alu op, const struct x86_insn *in, gva_t va, uint32_t *r,
	uint32_t *fl, const struct wemu_mem *mem)
{
	unsigned size = in->opsize;
	uint32_t src, res;

	if (load(mem, va, size, &src) < 0)
		return WEMU_FAULT;
	res = alu(op, size, reg_get(r, in->reg, size), src, fl);
	if (alu_writes(op))
		reg_set(r, in->reg, size, res);
	return WEMU_OK;
}

/*
 * A load into register in->reg of from bytes at va (mov Gv,Ev; movzx and
 * movsx, which widen them to the operand size).
 */
static int
load_reg(const struct x86_insn *in, gva_t va, unsigned from, bool sign,
	 uint32_t *r, const struct wemu_mem *mem)
{
	uint32_t val;

	if (load(mem, va, from, &val) < 0)
		return WEMU_FAULT;
	if (sign && from == 1)
		val = (uint32_t)(int32_t)(int8_t)val;
	else if (sign && from == 2)
		val = (uint32_t)(int32_t)(int16_t)val;
	reg_set(r, in->reg, in->opsize, val);
	return WEMU_OK;
}

/*
 * bt/bts/btr/btc with the bit offset in register `reg` (SDM vol.2 BT,
 * "bit base, bit offset"): with a memory bit base the offset is a signed
 * number of bits that may reach outside the operand, so the operand
 * itself moves by the whole operands it skips (offset / (size * 8),
 * rounded down, times size bytes), and the bit is the offset modulo
 * the operand's width.
 */
static int
bit_reg_offset(enum alu op, const struct x86_insn *in, gva_t va,
	       const uint32_t *r, uint32_t *fl, const struct wemu_mem *mem,
	       struct wemu_write *w)
{
	unsigned size = in->opsize;
	unsigned bits = size * BITS_PER_BYTE;
	int32_t off = size == 2 ? (int16_t)r[in->reg] : (int32_t)r[in->reg];
	/* >> of a negative int is arithmetic in gcc: it rounds down. */
	int32_t operands = off >> (size == 2 ? 4 : 5);

	va += (uint32_t)(operands * (int32_t)size);
	return rmw_alu(op, size, va, (uint32_t)off & (bits - 1), fl, mem, w);
}

/* xchg r/m, r (SDM vol.2 XCHG): the register gets the old value. */
static int
xchg(const struct x86_insn *in, gva_t va, uint32_t *r,
     const struct wemu_mem *mem, struct wemu_write *w)
{
	unsigned size = in->opsize;
	uint32_t old;

	if (load(mem, va, size, &old) < 0 ||
	    store(mem, va, size, reg_get(r, in->reg, size), w) < 0)
		return WEMU_FAULT;
	reg_set(r, in->reg, size, old);
	return WEMU_OK;
}

/*
 * cmpxchg r/m, r (SDM vol.2 CMPXCHG): compare the accumulator with the
 * destination, flags as cmp; equal: store the source, else load the
 * accumulator.  The CPU writes the old value back when they differ (so
 * that the bus sees a write); it changes nothing, so we skip it.
 */
static int
cmpxchg(const struct x86_insn *in, gva_t va, uint32_t *r, uint32_t *fl,
	const struct wemu_mem *mem, struct wemu_write *w)
{
	unsigned size = in->opsize;
	uint32_t old;

	if (load(mem, va, size, &old) < 0)
		return WEMU_FAULT;
	alu(ALU_CMP, size, reg_get(r, X86_EAX, size), old, fl);
	if (*fl & FL_ZF)
		return store(mem, va, size, reg_get(r, in->reg, size), w);
	reg_set(r, X86_EAX, size, old);
	return WEMU_OK;
}

/*
 * xadd r/m, r (SDM vol.2 XADD): the destination gets the sum, flags as
 * add, and the register the old destination.
 */
static int
xadd(const struct x86_insn *in, gva_t va, uint32_t *r, uint32_t *fl,
     const struct wemu_mem *mem, struct wemu_write *w)
{
	unsigned size = in->opsize;
	uint32_t old, sum;

	if (load(mem, va, size, &old) < 0)
		return WEMU_FAULT;
	sum = alu(ALU_ADD, size, old, reg_get(r, in->reg, size), fl);
	if (store(mem, va, size, sum, w) < 0)
		return WEMU_FAULT;
	reg_set(r, in->reg, size, old);
	return WEMU_OK;
}

/*
 * The forms with a ModRM memory operand: pick the operation from the
 * opcode (SDM vol.2 appendix A, Tables for the
 * groups, where ModRM.reg extends the opcode) and run it.
 */
static int
modrm_form(const struct x86_insn *in, uint32_t *r, uint32_t *fl,
	   const struct wemu_mem *mem, struct wemu_write *w)
{
	unsigned size = in->opsize;
	unsigned bits = size * BITS_PER_BYTE;
	uint32_t op = in->opcode;
	gva_t va;

	if (!in->has_modrm || in->mod == 3)
		return WEMU_UNSUPPORTED; /* a register destination */
	va = x86_effective_offset(in, r);

	/* 00-3F: eight ALU operations, six encodings each; the first two
	   (Eb,Gb and Ev,Gv) have the memory destination, the next two
	   (Gb,Eb and Gv,Ev) the memory source. */
	if (op < 0x40 && (op & 7) <= 1)
		return rmw_alu(op >> 3, size, va, reg_get(r, in->reg, size),
			       fl, mem, w);
	if (op < 0x40 && (op & 7) <= 3)
		return reg_alu(op >> 3, in, va, r, fl, mem);
	if (op >= 0x0F90 && op <= 0x0F9F) /* setcc Eb */
		return store(mem, va, 1, cond_true(op & 0xF, *fl), w);

	switch (op) {
	case 0x80: /* group 1: ALU Eb, Ib */
	case 0x81: /* ALU Ev, Iz */
	case 0x82: /* ALU Eb, Ib (the i386 alias of 80) */
	case 0x83: /* ALU Ev, Ib sign-extended (in->imm already is) */
		return rmw_alu(in->reg, size, va, in->imm, fl, mem, w);
	case 0x84: /* test Eb, Gb */
	case 0x85: /* test Ev, Gv */
		return rmw_alu(ALU_TEST, size, va, reg_get(r, in->reg, size),
			       fl, mem, w);
	case 0x8A: /* mov Gb, Eb */
	case 0x8B: /* mov Gv, Ev */
		return load_reg(in, va, size, false, r, mem);
	case 0x0FB6: /* movzx Gv, Eb */
	case 0x0FBE: /* movsx Gv, Eb */
		return load_reg(in, va, 1, op == 0x0FBE, r, mem);
	case 0x0FB7: /* movzx Gv, Ew */
	case 0x0FBF: /* movsx Gv, Ew */
		return load_reg(in, va, 2, op == 0x0FBF, r, mem);
	case 0x86: /* xchg Eb, Gb */
	case 0x87: /* xchg Ev, Gv */
		return xchg(in, va, r, mem, w);
	case 0x88: /* mov Eb, Gb */
	case 0x89: /* mov Ev, Gv */
		return store(mem, va, size, reg_get(r, in->reg, size), w);
	case 0xC6: /* group 11: mov Eb, Ib */
	case 0xC7: /* mov Ev, Iz */
		if (in->reg != 0)
			return WEMU_UNSUPPORTED; /* xabort, xbegin */
		return store(mem, va, size, in->imm, w);
	case 0xF6: /* group 3: Eb */
	case 0xF7: /* Ev */
		if (in->reg == 0 || in->reg == 1) /* test Eb,Ib / Ev,Iz */
			return rmw_alu(ALU_TEST, size, va, in->imm, fl, mem, w);
		if (in->reg == 2)
			return rmw_alu(ALU_NOT, size, va, 0, fl, mem, w);
		if (in->reg == 3)
			return rmw_alu(ALU_NEG, size, va, 0, fl, mem, w);
		return WEMU_UNSUPPORTED; /* mul, imul, div, idiv */
	case 0xFE: /* group 4: inc/dec Eb */
	case 0xFF: /* group 5: inc/dec Ev; call, jmp, push */
		if (in->reg == 0)
			return rmw_alu(ALU_INC, size, va, 0, fl, mem, w);
		if (in->reg == 1)
			return rmw_alu(ALU_DEC, size, va, 0, fl, mem, w);
		return WEMU_UNSUPPORTED;
	case 0x0FA3: /* bt Ev, Gv */
		return bit_reg_offset(ALU_BT, in, va, r, fl, mem, w);
	case 0x0FAB: /* bts Ev, Gv */
		return bit_reg_offset(ALU_BTS, in, va, r, fl, mem, w);
	case 0x0FB3: /* btr Ev, Gv */
		return bit_reg_offset(ALU_BTR, in, va, r, fl, mem, w);
	case 0x0FBB: /* btc Ev, Gv */
		return bit_reg_offset(ALU_BTC, in, va, r, fl, mem, w);
	case 0x0FBA: /* group 8: bt/bts/btr/btc Ev, Ib (/4-/7, in order) */
		if (in->reg < 4)
			return WEMU_UNSUPPORTED;
		/* An immediate offset stays inside the operand. */
		return rmw_alu(ALU_BT + (in->reg - 4), size, va,
			       in->imm & (bits - 1), fl, mem, w);
	case 0x0FB0: /* cmpxchg Eb, Gb */
	case 0x0FB1: /* cmpxchg Ev, Gv */
		return cmpxchg(in, va, r, fl, mem, w);
	case 0x0FC0: /* xadd Eb, Gb */
	case 0x0FC1: /* xadd Ev, Gv */
		return xadd(in, va, r, fl, mem, w);
	}
	return WEMU_UNSUPPORTED;
}

/* Add delta to the low (address-size) bits of *reg, which wrap there. */
static void
advance(uint32_t *reg, int32_t delta, uint32_t amask)
{
	*reg = (*reg & ~amask) | ((*reg + (uint32_t)delta) & amask);
}

/*
 * movs and stos, with or without rep (SDM vol.2 MOVS, STOS, REP): store
 * the accumulator, or the element at DS:eSI, at ES:eDI, stepping the
 * pointers by the operand size, down when DF is set; with rep, eCX
 * times.  The 67 prefix makes SI, DI and CX the pointers and count.
 * Each iteration commits on its own, as on the CPU: at a fault the
 * registers say how far the run got, and *w covers what it wrote.
 */
static int
string_form(const struct x86_insn *in, uint32_t *r, uint32_t eflags,
	    const struct wemu_mem *mem, struct wemu_write *w)
{
	unsigned size = in->opsize;
	uint32_t amask = in->addrsize == 2 ? ADDR_MASK16 : ADDR_MASK32;
	bool rep = in->prefixes & (X86_PFX_REP | X86_PFX_REPNE);
	bool movs = in->opcode == 0xA4 || in->opcode == 0xA5;
	bool down = eflags & FL_DF;
	int32_t step = down ? -(int32_t)size : (int32_t)size;
	uint32_t count = rep ? r[X86_ECX] & amask : 1;
	uint32_t first = r[X86_EDI] & amask;
	uint64_t span = (uint64_t)count * size; /* bytes the run writes */
	uint32_t done;
	int rc = WEMU_OK;

	if (count == 0)
		return WEMU_OK;
	/* One write range, its length in 32 bits: refuse a run that wraps
	   around the address size (at 64 KiB under 67, at 4 GiB), which
	   no guest does to its page tables. */
	if (span > UINT32_MAX ||
	    (down ? (uint64_t)first + size < span
		  : first + span > (uint64_t)amask + 1))
		return WEMU_UNSUPPORTED;

	for (done = 0; done < count; done++) {
		uint32_t val = reg_get(r, X86_EAX, size);

		if (movs && load(mem, r[X86_ESI] & amask, size, &val) < 0) {
			rc = WEMU_FAULT;
			break;
		}
		if (mem->write(mem->ctx, r[X86_EDI] & amask, &val, size) < 0) {
			rc = WEMU_FAULT;
			break;
		}
		advance(&r[X86_EDI], step, amask);
		if (movs)
			advance(&r[X86_ESI], step, amask);
		if (rep)
			advance(&r[X86_ECX], -1, amask);
	}
	if (done > 0) {
		w->len = done * size;
		w->va = down ? first + size - w->len : first;
	}
	return rc;
}

/* Execute one instruction on the guest's behalf (inc/wemu.h). */
int
wemu_execute(const struct x86_insn *in, uint32_t gpr[X86_NGPR],
	     uint32_t *eflags, const struct wemu_mem *mem,
	     struct wemu_write *w)
{
	uint32_t r[X86_NGPR];
	uint32_t fl = *eflags;
	bool string = false;
	int rc;

	w->va = 0;
	w->len = 0;
	if (in->encoding != X86_ENC_LEGACY)
		return WEMU_UNSUPPORTED;
	for (int i = 0; i < X86_NGPR; i++)
		r[i] = gpr[i];

	switch (in->opcode) {
	case 0xA0: /* mov AL, Ob */
	case 0xA1: /* mov eAX, Ov */
	{
		uint32_t val;
		rc = load(mem, x86_effective_offset(in, r), in->opsize, &val);
		if (rc == WEMU_OK)
			reg_set(r, X86_EAX, in->opsize, val);
		break;
	}
	case 0xA2: /* mov Ob, AL */
	case 0xA3: /* mov Ov, eAX: the offset is in->disp */
		rc = store(mem, x86_effective_offset(in, r), in->opsize,
			   reg_get(r, X86_EAX, in->opsize), w);
		break;
	case 0xA4: /* movs Yb, Xb */
	case 0xA5: /* movs Yv, Xv */
	case 0xAA: /* stos Yb, AL */
	case 0xAB: /* stos Yv, eAX */
		string = true;
		rc = string_form(in, r, fl, mem, w);
		break;
	default:
		rc = modrm_form(in, r, &fl, mem, w);
		break;
	}

	if (rc == WEMU_OK || (rc == WEMU_FAULT && string)) {
		for (int i = 0; i < X86_NGPR; i++)
			gpr[i] = r[i];
		*eflags = fl;
	}
	return rc;
}
