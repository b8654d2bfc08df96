/*
 * Unit tests for the instruction decoder (decode.c), with Capstone as
 * the reference.  Built for the host; run from the repository root:
 *
 *	obj/host/vmm/decode_test
 *
 * The tests:
 *   elf *      every instruction of the executable sections of the guest
 *              kernel, the monitor and the 32-bit libc, by linear sweep
 *              (paths from DECODE_TEST_KERNEL, DECODE_TEST_VMM and
 *              DECODE_TEST_LIB; a missing kernel or monitor fails, a
 *              missing libc is a reported skip);
 *   sweep *    every opcode of the one-byte, 0F, 0F 38 and 0F 3A maps with
 *              every ModRM byte under a set of prefix combinations, every
 *              3DNow! suffix, and the VEX, XOP and EVEX opcode spaces;
 *   random     pseudo-random byte streams (fixed seed), plain and biased
 *              towards prefixes, escapes, x87 and the vector encodings
 *              (DECODE_TEST_STREAMS=N of them in all, DECODE_TEST_SEED=S
 *              another seed: make stress runs 10^6 and more);
 *   units      field-by-field checks of the instructions the monitor
 *              emulates, the helpers, and the error returns.
 *
 * Against Capstone are compared: validity, length, the ModRM memory
 * operand (base, index, scale, displacement) and immediates.  Besides,
 * every decoded instruction must decode the same from exactly its own
 * bytes and be X86_ERR_TRUNCATED from one byte fewer.
 *
 * Capstone 4.0.2 is wrong or out of date in known places.  Each is a
 * rule in cs_exceptions[] below, saying why, and matching only the
 * disagreement it explains; most rules also check their claim by
 * asking Capstone again about changed bytes.  Every other disagreement
 * fails the test; the first of each test is printed with its bytes
 * (DECODE_TEST_VERBOSE=N prints up to N), and the summary counts what
 * each rule excused.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>
#include "lib/test_table.h"
/* Capstone names an enum "x86_insn"; enum and struct tags share one
 * namespace in C, so rename Capstone's while its header is read. */
#define x86_insn capstone_x86_insn
#include <capstone/capstone.h>
#undef x86_insn

#include <inc/x86decode.h>

#define DEFAULT_KERNEL "obj/kernel"
#define DEFAULT_VMM "obj/vmm"
#define DEFAULT_LIB "/usr/lib32/libc.so.6"

/* Bytes handed to both decoders: more than any instruction needs. */
#define WINDOW 16

/* Pseudo-random streams per bias (test_random), unless
 * DECODE_TEST_STREAMS says how many in all, and DECODE_TEST_SEED which. */
#define RANDOM_PER_KIND 15000
#define RANDOM_SEED 0x5eed0005
static unsigned long random_streams; /* 0: RANDOM_PER_KIND per kind */
static uint64_t random_seed = RANDOM_SEED;

static csh cs;
static cs_insn *cs_buf;

/* Totals for the summary line. */
static unsigned long n_compared, n_mismatch, n_excused;
static unsigned long verbose; /* DECODE_TEST_VERBOSE */

/*
 * ---- Capstone's view of an instruction ----
 */

struct csview {
	int len; /* 0: Capstone rejects the bytes */
	char mnemonic[32];
	bool op0_mem; /* first (destination) operand is memory */
	bool has_mem;
	int base, index, scale; /* our register numbers, or X86_REG_NONE */
	int64_t disp;
	int nimm;
	int64_t imm[2];
	char text[192];
};

/* Our number (EAX=0..EDI=7) for a Capstone register, any width. */
static int
reg_number(x86_reg r)
{
	static const x86_reg gpr32[8] = { X86_REG_EAX, X86_REG_ECX,
					  X86_REG_EDX, X86_REG_EBX,
					  X86_REG_ESP, X86_REG_EBP,
					  X86_REG_ESI, X86_REG_EDI };
	static const x86_reg gpr16[8] = { X86_REG_AX, X86_REG_CX, X86_REG_DX,
					  X86_REG_BX, X86_REG_SP, X86_REG_BP,
					  X86_REG_SI, X86_REG_DI };
	int i;

	if (r == X86_REG_INVALID)
		return X86_REG_NONE;
	for (i = 0; i < 8; i++)
		if (r == gpr32[i] || r == gpr16[i])
			return i;
	if (r >= X86_REG_XMM0 && r <= X86_REG_XMM31)
		return (r - X86_REG_XMM0) & 7;
	if (r >= X86_REG_YMM0 && r <= X86_REG_YMM31)
		return (r - X86_REG_YMM0) & 7;
	if (r >= X86_REG_ZMM0 && r <= X86_REG_ZMM31)
		return (r - X86_REG_ZMM0) & 7;
	return 100 + r; /* a number we never produce */
}

/* Decode one instruction of b[0..n) at addr with Capstone. */
static void
cs_view(const uint8_t *b, size_t n, uint32_t addr, struct csview *v)
{
	const uint8_t *code = b;
	size_t size = n;
	uint64_t a = addr;
	cs_x86 *x;
	int i;

	memset(v, 0, sizeof(*v));
	if (!cs_disasm_iter(cs, &code, &size, &a, cs_buf))
		return;
	v->len = cs_buf->size;
	snprintf(v->mnemonic, sizeof(v->mnemonic), "%s", cs_buf->mnemonic);
	snprintf(v->text, sizeof(v->text), "%.31s %.150s", cs_buf->mnemonic,
		 cs_buf->op_str);
	x = &cs_buf->detail->x86;
	v->op0_mem = x->op_count > 0 && x->operands[0].type == X86_OP_MEM;
	for (i = 0; i < x->op_count; i++) {
		cs_x86_op *op = &x->operands[i];

		if (op->type == X86_OP_MEM && !v->has_mem) {
			v->has_mem = true;
			v->base = reg_number(op->mem.base);
			v->index = reg_number(op->mem.index);
			v->scale = op->mem.scale;
			v->disp = op->mem.disp;
		} else if (op->type == X86_OP_IMM && v->nimm < 2) {
			v->imm[v->nimm++] = op->imm;
		}
	}
}

/* Capstone's length for b[0..n), 0 if it rejects the bytes. */
static int
cs_length(const uint8_t *b, size_t n)
{
	const uint8_t *code = b;
	size_t size = n;
	uint64_t a = 0;

	return cs_disasm_iter(cs, &code, &size, &a, cs_buf) ? cs_buf->size : 0;
}

/* Our length for b[0..n), or 0 if we do not decode the bytes. */
static int
our_length(const uint8_t *b, size_t n)
{
	struct x86_insn in;
	int rc = x86_decode(b, n, &in);

	return rc > 0 ? rc : 0;
}

/* Parse a hex string into b; returns the byte count. */
static size_t
unhex(const char *s, uint8_t *b)
{
	size_t n = 0;
	unsigned v;

	for (; s[0] && s[1]; s += 2) {
		if (sscanf(s, "%2x", &v) != 1)
			break;
		b[n++] = v;
	}
	return n;
}

/*
 * ---- An independent look at the bytes, for the exception rules ----
 * Deliberately not the decoder under test: prefixes, map and opcode
 * byte, found the simple way.
 */

enum { M_ONE = 1, M_0F, M_0F38, M_0F3A, M_3DNOW, M_VEX, M_EVEX, M_XOP };

struct enc {
	int npfx; /* legacy prefix bytes */
	bool p66, p67, lock, rep;
	int map;   /* M_* */
	int opi;   /* index of the opcode byte (VEX/EVEX/XOP: of the 62/C4
		      /C5/8F byte) */
	int op;	   /* opcode byte */
	int modrm; /* the byte after the opcode, or -1 */
	/* VEX, EVEX, XOP fields */
	int vmap, pp, L, W, evex_b;
};

/* Whether b is a legacy prefix byte. */
static bool
is_prefix(uint8_t b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e ||
	       b == 0x64 || b == 0x65 || b == 0x66 || b == 0x67 ||
	       b == 0xf0 || b == 0xf2 || b == 0xf3;
}

/* Fill *e from b[0..n). */
static void
look(const uint8_t *b, size_t n, struct enc *e)
{
	size_t i = 0, j;

	memset(e, 0, sizeof(*e));
	e->modrm = -1;
	for (; i < n && i < 14 && is_prefix(b[i]); i++) {
		e->p66 |= b[i] == 0x66;
		e->p67 |= b[i] == 0x67;
		e->lock |= b[i] == 0xf0;
		e->rep |= b[i] == 0xf2 || b[i] == 0xf3;
	}
	e->npfx = i;
	e->opi = i;
	if (i + 6 >= n)
		return;
	if (b[i] == 0x0f) {
		if (b[i + 1] == 0x38 || b[i + 1] == 0x3a) {
			e->map = b[i + 1] == 0x38 ? M_0F38 : M_0F3A;
			e->op = b[i + 2];
			e->modrm = b[i + 3];
		} else if (b[i + 1] == 0x0f) {
			e->map = M_3DNOW;
			e->modrm = b[i + 2];
		} else {
			e->map = M_0F;
			e->op = b[i + 1];
			e->modrm = b[i + 2];
		}
		return;
	}
	e->map = M_ONE;
	e->op = b[i];
	e->modrm = b[i + 1];
	if ((b[i] == 0xc4 || b[i] == 0xc5 || b[i] == 0x62) &&
	    (b[i + 1] >> 6) == 3) {
		if (b[i] == 0xc5) {
			e->map = M_VEX;
			e->vmap = 1;
			e->pp = b[i + 1] & 3;
			e->L = (b[i + 1] >> 2) & 1;
			j = i + 2;
		} else if (b[i] == 0xc4) {
			e->map = M_VEX;
			e->vmap = b[i + 1] & 31;
			e->W = b[i + 2] >> 7;
			e->pp = b[i + 2] & 3;
			e->L = (b[i + 2] >> 2) & 1;
			j = i + 3;
		} else {
			e->map = M_EVEX;
			e->vmap = b[i + 1] & 3;
			e->W = b[i + 2] >> 7;
			e->pp = b[i + 2] & 3;
			e->L = (b[i + 3] >> 5) & 3;
			e->evex_b = (b[i + 3] >> 4) & 1;
			j = i + 4;
		}
		e->op = b[j];
		e->modrm = b[j + 1];
	} else if (b[i] == 0x8f && (b[i + 1] & 0x38)) {
		e->map = M_XOP;
		e->vmap = b[i + 1] & 31;
		e->W = b[i + 2] >> 7;
		e->pp = b[i + 2] & 3;
		e->L = (b[i + 2] >> 2) & 1;
		e->op = b[i + 3];
		e->modrm = b[i + 4];
	}
}

/*
 * ---- Where Capstone 4.0.2 is wrong ----
 * Each rule_* below is one known Capstone 4 bug or gap: the comment
 * above it names the encodings, says what the CPU does (with the
 * manual's section) and what Capstone does, and the function matches
 * only that disagreement, re-asking Capstone about changed bytes where
 * that can confirm the cause.  cs_exceptions[] lists them all; the
 * summary prints how often each one fired.
 */

/* What disagreed. */
enum { D_VALIDITY, D_LENGTH, D_MEMORY, D_IMMEDIATE };

struct verdict {
	int kind;		   /* D_* */
	int rc;			   /* x86_decode's return */
	const struct x86_insn *in; /* valid if rc > 0 */
	const struct csview *cs;
	const struct enc *e;
	const uint8_t *bytes;
	size_t n;
	uint64_t our_imm, cs_imm; /* D_IMMEDIATE: the values compared */
};

static bool excusable(const struct verdict *v);

/*
 * Whether we and Capstone agree on the validity and length of b[0..n),
 * or disagree in a way another rule excuses.  For rules that remove a
 * prefix and look at what is left.
 */
static bool
agrees_or_excused(const uint8_t *b, size_t n)
{
	struct x86_insn in;
	struct csview cv;
	struct enc e;
	struct verdict vd = { D_VALIDITY, 0, &in, &cv, &e, b, n, 0, 0 };

	vd.rc = x86_decode(b, n, &in);
	cs_view(b, n, 0, &cv);
	look(b, n, &e);
	if ((vd.rc > 0) != (cv.len > 0))
		return excusable(&vd);
	if (vd.rc > 0 && vd.rc != cv.len) {
		vd.kind = D_LENGTH;
		return excusable(&vd);
	}
	return true;
}

/* We decode the bytes, Capstone does not. */
static bool
only_ours(const struct verdict *v)
{
	return v->kind == D_VALIDITY && v->rc > 0;
}

/* Capstone decodes the bytes, we do not. */
static bool
only_capstone(const struct verdict *v)
{
	return v->kind == D_VALIDITY && v->rc <= 0;
}

/* Copy b without the prefix bytes for which drop() is true; returns the
 * new length and the number of bytes dropped in *dropped. */
static size_t
without_prefixes(const uint8_t *b, size_t n, const struct enc *e,
		 bool (*drop)(uint8_t), uint8_t *out, int *dropped)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!((int)i < e->npfx && drop(b[i])))
			out[k++] = b[i];
	*dropped = n - k;
	return k;
}

/* Prefix classes for without_prefixes(). */
static bool
is_lock(uint8_t b)
{
	return b == 0xf0;
}

static bool
is_simd_prefix(uint8_t b)
{
	return b == 0x66 || b == 0xf2 || b == 0xf3;
}

/*
 * LOCK where the CPU raises #UD.  SDM vol.2, LOCK: allowed only on the
 * instructions below, and only when the destination is memory.
 * Capstone 4 checks LOCK for some opcodes only (it takes lock add
 * al,[eax], lock nop [eax], lock rep movsd, and anything with LOCK
 * followed by F2/F3).  Excused when, without the F0 bytes, we decode
 * the instruction and agree with Capstone, and Capstone's own reading
 * of it is not a lockable one with a memory destination.
 */
static bool
rule_lock(const struct verdict *v)
{
	static const char *const lockable[] = {
		"add", "adc", "and", "btc", "btr", "bts", "cmpxchg",
		"cmpxchg8b", "dec", "inc", "neg", "not", "or", "sbb",
		"sub", "xor", "xadd", "xchg", NULL,
	};
	uint8_t b[WINDOW + 16];
	const char *mn = v->cs->mnemonic;
	const char *const *l;
	size_t n;
	int k;

	if (!only_capstone(v) || !v->e->lock)
		return false;
	n = without_prefixes(v->bytes, v->n, v->e, is_lock, b, &k);
	if (our_length(b, n) <= 0 || !agrees_or_excused(b, n))
		return false;
	if (strncmp(mn, "lock ", 5) == 0)
		mn += 5;
	for (l = lockable; *l; l++)
		if (strcmp(mn, *l) == 0 && v->cs->op0_mem)
			return false;
	return true;
}

/*
 * Prefix order.  The CPU takes legacy prefixes in any order (SDM vol.2
 * §2.1.1); for SSE opcodes F2/F3 outrank 66.  Capstone 4 lets whichever
 * of 66/F2/F3 comes last pick the SSE form, loses a 66 that precedes
 * F2/F3 on some other opcodes (66 F3 E8 is a call rel32 to it), and does
 * not see a mandatory prefix that other prefixes separate from the
 * opcode.  Excused when Capstone agrees with us once the same prefixes
 * are put in a canonical order (others, then 66, then F2/F3; or
 * others, then F2/F3, then 66), and our answer does not change.
 */
static bool
rule_prefix_order(const struct verdict *v)
{
	const uint8_t *b = v->bytes;
	uint8_t r[WINDOW + 16];
	int order, i, k, want = v->rc > 0 ? v->rc : 0;

	if (v->kind != D_VALIDITY && v->kind != D_LENGTH)
		return false;
	for (order = 0; order < 2; order++) {
		k = 0;
		for (i = 0; i < v->e->npfx; i++)
			if (!is_simd_prefix(b[i]))
				r[k++] = b[i];
		for (i = 0; i < v->e->npfx; i++)
			if (b[i] == (order ? 0xf2 : 0x66) ||
			    b[i] == (order ? 0xf3 : 0x66))
				r[k++] = b[i];
		for (i = 0; i < v->e->npfx; i++)
			if (order ? b[i] == 0x66 : (b[i] == 0xf2 ||
						    b[i] == 0xf3))
				r[k++] = b[i];
		memcpy(r + k, b + k, v->n - k);
		if (memcmp(r, b, v->n) == 0)
			continue;
		if (our_length(r, v->n) == want && cs_length(r, v->n) == want)
			return true;
	}
	return false;
}

/*
 * 66, F2, F3 or LOCK before VEX, EVEX or XOP: #UD (SDM vol.2 §2.3.2,
 * AMD APM vol.3 §1.8).  Capstone 4 ignores 66/F2/F3, and LOCK when
 * F2/F3 follows it.  Excused when, without them, we decode the same
 * instruction as Capstone does with them.
 */
static bool
is_simd_or_lock(uint8_t b)
{
	return is_simd_prefix(b) || is_lock(b);
}

/* The rule; see above. */
static bool
rule_vector_prefix(const struct verdict *v)
{
	uint8_t b[WINDOW + 16];
	size_t n;
	int k;

	if (!only_capstone(v) || (v->e->map != M_VEX &&
				  v->e->map != M_EVEX && v->e->map != M_XOP))
		return false;
	n = without_prefixes(v->bytes, v->n, v->e, is_simd_or_lock, b, &k);
	return k > 0 && our_length(b, n) == v->cs->len - k;
}

/*
 * A VSIB (gathers, scatters) needs a SIB byte and 32-bit addressing:
 * ModRM.rm = 100b, no 67 (SDM vol.2 §2.3.12; binutils agrees).
 * Capstone 4 decodes such bytes with an ordinary address.
 */
static bool
rule_vsib(const struct verdict *v)
{
	const struct enc *e = v->e;
	bool vsib_op;

	if (!only_capstone(v) || e->vmap != 2 || e->pp != 1)
		return false;
	vsib_op = (e->op >= 0x90 && e->op <= 0x93) ||
		  (e->map == M_EVEX && ((e->op >= 0xa0 && e->op <= 0xa3) ||
					e->op == 0xc6 || e->op == 0xc7));
	return (e->map == M_VEX || e->map == M_EVEX) && vsib_op &&
	       ((e->modrm & 7) != 4 || (e->modrm >> 6) == 3 || e->p67);
}

/*
 * Hint NOPs.  SDM vol.2 Table A-3: 0F 18-0F 1F with any ModRM are
 * NOPs (prefetch hints, MPX and CET space on older CPUs); nop %eax is
 * 0F 1F C0.  Capstone 4 rejects most register forms.
 */
static bool
rule_hint_nop(const struct verdict *v)
{
	return only_ours(v) && v->e->map == M_0F && v->e->op >= 0x18 &&
	       v->e->op <= 0x1f && (v->e->modrm >> 6) == 3;
}

/*
 * 0F 0D: AMD's prefetch (/0), prefetchw (/1), Intel's prefetchwt1 (/2),
 * the other rows reserved prefetches (AMD APM vol.3, PREFETCH).
 * Capstone 4 knows /1 only.
 */
static bool
rule_prefetch(const struct verdict *v)
{
	return only_ours(v) && v->e->map == M_0F && v->e->op == 0x0d &&
	       (v->e->modrm >> 6) != 3;
}

/*
 * ud0 (0F FF) and ud1 (0F B9) take a ModRM (SDM vol.2, UD); Capstone 4
 * decodes them without one, and rejects ud0 after any prefix.
 */
static bool
rule_ud(const struct verdict *v)
{
	return v->rc > 0 && v->e->map == M_0F &&
	       (v->e->op == 0xff || v->e->op == 0xb9) &&
	       (v->kind == D_VALIDITY || v->cs->len == v->e->opi + 2);
}

/*
 * lfence, mfence, sfence are 0F AE /5, /6, /7 with any register
 * operand (SDM vol.2 Table A-6); Capstone 4 takes rm = 0 only.
 */
static bool
rule_fence(const struct verdict *v)
{
	return only_ours(v) && v->e->map == M_0F && v->e->op == 0xae &&
	       v->e->modrm >= 0xe8;
}

/* swapgs (0F 01 F8) exists in 64-bit mode only (SDM vol.2, SWAPGS). */
static bool
rule_swapgs(const struct verdict *v)
{
	return only_capstone(v) && v->e->map == M_0F && v->e->op == 0x01 &&
	       v->e->modrm == 0xf8;
}

/* 3DNow! suffix 0E is no 3DNow! instruction (AMD 3DNow! Technology
 * Manual, Table 7); Capstone 4 takes it for femms, which is 0F 0E. */
static bool
rule_3dnow_0e(const struct verdict *v)
{
	return only_capstone(v) && v->e->map == M_3DNOW &&
	       strcmp(v->cs->mnemonic, "femms") == 0;
}

/*
 * Instructions newer than Capstone 4.0.2's tables.  Each row: the
 * encoding (M_0F, M_0F38, M_0F3A, M_VEX, M_XOP), for VEX and XOP the
 * map and implied prefix, the opcode, the W and L it covers (-1: any),
 * and the ModRM bytes it covers: those with (modrm & mask) == value.
 */
static const struct {
	int kind, map, pp, op, W, L, mask, value;
	const char *what;
} cs_unknown[] = {
	{ M_0F, 0, 0, 0x01, -1, -1, 0xff, 0xc0, "enclv (SGX)" },
	{ M_0F, 0, 0, 0x01, -1, -1, 0xff, 0xc5, "pconfig" },
	{ M_0F, 0, 0, 0x01, -1, -1, 0x38, 0x28,
	  "0F 01 /5: rstorssp, setssbsy, saveprevssp (CET), serialize, "
	  "xsusldtrk, xresldtrk, rdpkru, wrpkru (PKU)" },
	{ M_0F, 0, 0, 0x01, -1, -1, 0xff, 0xfa, "monitorx (AMD)" },
	{ M_0F, 0, 0, 0x01, -1, -1, 0xff, 0xfb, "mwaitx (AMD)" },
	{ M_0F, 0, 0, 0x01, -1, -1, 0xff, 0xfc, "clzero (AMD)" },
	{ M_0F, 0, 0, 0xae, -1, -1, 0x38, 0x20, "ptwrite (F3 0F AE /4)" },
	{ M_0F38, 0, 0, 0xf5, -1, -1, 0, 0, "wrussd (CET)" },
	{ M_0F38, 0, 0, 0xf6, -1, -1, 0, 0, "wrssd (CET)" },
	{ M_0F38, 0, 0, 0xf8, -1, -1, 0, 0, "movdir64b, enqcmd, enqcmds" },
	{ M_0F38, 0, 0, 0xf9, -1, -1, 0, 0, "movdiri" },
	{ M_0F3A, 0, 0, 0xf0, -1, -1, 0, 0, "hreset" },
	{ M_VEX, 1, 0, 0x41, 1, -1, 0, 0, "kandq (AVX512BW)" },
	{ M_VEX, 1, 1, 0x41, 1, -1, 0, 0, "kandd (AVX512BW)" },
	{ M_VEX, 1, 0, 0x42, 1, -1, 0, 0, "kandnq" },
	{ M_VEX, 1, 1, 0x42, 1, -1, 0, 0, "kandnd" },
	{ M_VEX, 1, 0, 0x44, 1, -1, 0, 0, "knotq" },
	{ M_VEX, 1, 1, 0x44, 1, -1, 0, 0, "knotd" },
	{ M_VEX, 1, 0, 0x45, 1, -1, 0, 0, "korq" },
	{ M_VEX, 1, 1, 0x45, 1, -1, 0, 0, "kord" },
	{ M_VEX, 1, 0, 0x46, 1, -1, 0, 0, "kxnorq" },
	{ M_VEX, 1, 1, 0x46, 1, -1, 0, 0, "kxnord" },
	{ M_VEX, 1, 0, 0x47, 1, -1, 0, 0, "kxorq" },
	{ M_VEX, 1, 1, 0x47, 1, -1, 0, 0, "kxord" },
	{ M_VEX, 1, 0, 0x4a, -1, -1, 0, 0, "kaddw, kaddq (AVX512DQ/BW)" },
	{ M_VEX, 1, 1, 0x4a, -1, -1, 0, 0, "kaddb, kaddd" },
	{ M_VEX, 1, 0, 0x4b, -1, -1, 0, 0, "kunpckwd, kunpckdq" },
	{ M_VEX, 1, 0, 0x90, 1, -1, 0, 0, "kmovq k, k/m64" },
	{ M_VEX, 1, 1, 0x90, 1, -1, 0, 0, "kmovd k, k/m32" },
	{ M_VEX, 1, 0, 0x91, 1, -1, 0, 0, "kmovq m64, k" },
	{ M_VEX, 1, 1, 0x91, 1, -1, 0, 0, "kmovd m32, k" },
	{ M_VEX, 1, 3, 0x92, -1, -1, 0, 0, "kmovd k, r32" },
	{ M_VEX, 1, 3, 0x93, -1, -1, 0, 0, "kmovd r32, k" },
	{ M_VEX, 1, 0, 0x98, 1, -1, 0, 0, "kortestq" },
	{ M_VEX, 1, 1, 0x98, 1, -1, 0, 0, "kortestd" },
	{ M_VEX, 1, 0, 0x99, -1, -1, 0, 0, "ktestw, ktestq" },
	{ M_VEX, 1, 1, 0x99, -1, -1, 0, 0, "ktestb, ktestd" },
	{ M_VEX, 2, 1, 0x5a, -1, -1, 0, 0, "vbroadcasti128 (AVX2)" },
	{ M_VEX, 2, 1, 0xcf, -1, -1, 0, 0, "vgf2p8mulb (GFNI)" },
	{ M_VEX, 2, 1, 0xdc, -1, 1, 0, 0, "vaesenc ymm (VAES)" },
	{ M_VEX, 2, 1, 0xdd, -1, 1, 0, 0, "vaesenclast ymm (VAES)" },
	{ M_VEX, 2, 1, 0xde, -1, 1, 0, 0, "vaesdec ymm (VAES)" },
	{ M_VEX, 2, 1, 0xdf, -1, 1, 0, 0, "vaesdeclast ymm (VAES)" },
	{ M_VEX, 3, 1, 0x31, -1, -1, 0, 0, "kshiftrd, kshiftrq" },
	{ M_VEX, 3, 1, 0x33, -1, -1, 0, 0, "kshiftld, kshiftlq" },
	{ M_VEX, 3, 1, 0x44, -1, 1, 0, 0, "vpclmulqdq ymm (VPCLMULQDQ)" },
	{ M_VEX, 3, 1, 0xce, -1, -1, 0, 0, "vgf2p8affineqb (GFNI)" },
	{ M_VEX, 3, 1, 0xcf, -1, -1, 0, 0, "vgf2p8affineinvqb (GFNI)" },
	{ M_XOP, 9, 0, 0x12, -1, -1, 0, 0, "llwpcb, slwpcb (AMD LWP)" },
	{ M_XOP, 10, 0, 0x12, -1, -1, 0, 0, "lwpins, lwpval (AMD LWP)" },
};

/* Whether cs_unknown[] lists the instruction we decoded. */
static bool
rule_unknown(const struct verdict *v)
{
	const struct enc *e = v->e;
	bool vector = e->map == M_VEX || e->map == M_XOP;
	size_t i;

	if (!only_ours(v))
		return false;
	for (i = 0; i < sizeof(cs_unknown) / sizeof(*cs_unknown); i++) {
		if (cs_unknown[i].kind != e->map || cs_unknown[i].op != e->op ||
		    (vector && (cs_unknown[i].map != e->vmap ||
				cs_unknown[i].pp != e->pp)))
			continue;
		if ((cs_unknown[i].W < 0 || cs_unknown[i].W == e->W) &&
		    (cs_unknown[i].L < 0 || cs_unknown[i].L == e->L) &&
		    (e->modrm & cs_unknown[i].mask) == cs_unknown[i].value)
			return true;
	}
	return false;
}

/*
 * Branch targets under a 67 prefix.  The operand size, not the address
 * size, decides whether EIP is truncated to 16 bits (SDM vol.2, Jcc and
 * JMP: "if OperandSize = 16"); Capstone 4 truncates on 67.
 */
static bool
rule_branch67(const struct verdict *v)
{
	return v->kind == D_IMMEDIATE && v->e->p67 &&
	       (v->in->attr & X86_ATTR_REL) && v->in->opsize == 4 &&
	       (v->cs_imm & 0xffff) == (v->our_imm & 0xffff);
}

/*
 * Ask Capstone about b[0..n) with other EVEX attribute bits: W, L'L,
 * vvvv kept or cleared, z/b/aaa kept or cleared, masking by k1 or
 * not; V' set.  Returns whether one variant decodes with length len.
 */
static bool
cs_evex_variant_length(const uint8_t *bytes, size_t n, int opi, int len)
{
	uint8_t b[WINDOW + 16];
	uint8_t p1 = bytes[opi + 2], p2 = bytes[opi + 3];
	int m;

	memcpy(b, bytes, n);
	/* m: bit 0 W, bits 1-2 L'L, bit 3 keep vvvv, bit 4 keep z/b/aaa,
	 * bit 5 mask with k1 */
	for (m = 0; m < 64; m++) {
		b[opi + 2] = (m & 1) << 7 | ((m & 8) ? p1 & 0x78 : 0x78) |
			     0x04 | (p1 & 0x03);
		b[opi + 3] = ((m & 16) ? p2 & 0x97 : 0) | ((m >> 1) & 3) << 5 |
			     0x08;
		if (m & 32)
			b[opi + 3] = (b[opi + 3] & ~0x07) | 0x01;
		if (cs_length(b, n) == len)
			return true;
	}
	return false;
}

/*
 * AVX-512 forms missing from Capstone 4.  Its EVEX tables lack most
 * 128/256-bit (AVX512VL) forms and most masked forms, and it enforces
 * EVEX.W, vvvv and b rules that the decoder leaves to the CPU (they
 * never change the length; see decode.c).  Excused when Capstone,
 * given the same map, prefix, opcode, ModRM and the rest but other
 * attribute bits, decodes the instruction with our length.
 */
static bool
rule_evex_forms(const struct verdict *v)
{
	return only_ours(v) && v->e->map == M_EVEX &&
	       cs_evex_variant_length(v->bytes, v->n, v->e->opi, v->rc);
}

/*
 * AVX-512 opcodes missing from Capstone 4 altogether (vmovlpd, vandps,
 * vpunpck*, VBMI, VNNI, BITALG, GFNI, ... in EVEX form), or with our
 * kind of operand (vmovlps with memory; it knows vmovhlps).  Excused
 * when Capstone decodes no form of the opcode with that kind of
 * operand: any W, L'L, masking; for memory, with and without a SIB.
 * The decoder's EVEX opcode grids were checked against binutils 2.40
 * instead, which knows them all.
 */
static bool
rule_evex_unknown(const struct verdict *v)
{
	static const char *const mem_modrms[] = { "00", "0420", NULL };
	static const char *const reg_modrms[] = { "c1", NULL };
	const char *const *modrms;
	uint8_t b[WINDOW + 16];
	int i = v->e->opi, W, L, aaa, m, n;

	if (!only_ours(v) || v->e->map != M_EVEX)
		return false;
	modrms = (v->e->modrm >> 6) == 3 ? reg_modrms : mem_modrms;
	for (W = 0; W < 2; W++)
		for (L = 0; L < 3; L++)
			for (aaa = 0; aaa < 2; aaa++)
				for (m = 0; modrms[m]; m++) {
					memcpy(b, v->bytes, i + 5);
					b[i + 2] = W << 7 | 0x7c |
						   (v->bytes[i + 2] & 3);
					b[i + 3] = L << 5 | 0x08 | aaa;
					n = i + 5 + unhex(modrms[m],
							  b + i + 5);
					memset(b + n, 1, WINDOW);
					if (cs_length(b, n + WINDOW))
						return false;
				}
	return true;
}

/*
 * EVEX.66.0F 12 is vmovlpd, memory operand only; Capstone 4 decodes
 * it with a register operand as vmovddup, which is EVEX.F2.0F 12.
 */
static bool
rule_evex_movddup(const struct verdict *v)
{
	return only_capstone(v) && v->e->map == M_EVEX && v->e->vmap == 1 &&
	       v->e->pp == 1 && v->e->op == 0x12 &&
	       strcmp(v->cs->mnemonic, "vmovddup") == 0;
}

/*
 * EVEX.V' extends only a VSIB's vector index (SDM vol.2 §2.7.1); with
 * an ordinary SIB in 32-bit mode it is ignored.  Capstone 4 applies it
 * to the general-register index (and prints rax..rdi).  Excused when,
 * with V' = 1, Capstone shows our operand.
 */
static bool
rule_evex_vprime(const struct verdict *v)
{
	uint8_t b[WINDOW + 16];
	struct csview cv;

	if (v->kind != D_MEMORY || v->e->map != M_EVEX ||
	    (v->in->attr & X86_ATTR_VSIB) ||
	    (v->bytes[v->e->opi + 3] & 0x08))
		return false;
	memcpy(b, v->bytes, v->n);
	b[v->e->opi + 3] |= 0x08;
	cs_view(b, v->n, 0, &cv);
	return cv.has_mem && cv.index == v->in->index &&
	       cv.base == v->in->base;
}

/*
 * EVEX embedded rounding (EVEX.b = 1 with a register operand) lives in
 * EVEX.L'L (SDM vol.2 §2.7.2), but Capstone 4 reads a byte for it, and
 * also shows rounding for some b = 0 encodings with the other W.
 * Excused when Capstone shows a rounding operand, is exactly one byte
 * longer, and agrees with us once the attribute bits are normalized.
 */
static bool
rule_evex_rounding(const struct verdict *v)
{
	return v->kind == D_LENGTH && v->e->map == M_EVEX &&
	       (v->e->modrm >> 6) == 3 && v->cs->len == v->rc + 1 &&
	       strstr(v->cs->text, "-sae}") != NULL &&
	       cs_evex_variant_length(v->bytes, v->n, v->e->opi, v->rc);
}

/* The exception table: a short name, the rule, and its hit count. */
struct cs_exception {
	const char *what;
	bool (*applies)(const struct verdict *v);
	unsigned long hits;
};

static struct cs_exception cs_exceptions[] = {
	{ "LOCK on a form the CPU rejects", rule_lock, 0 },
	{ "prefix order (66 vs F2/F3)", rule_prefix_order, 0 },
	{ "66/F2/F3/F0 before VEX/EVEX/XOP", rule_vector_prefix, 0 },
	{ "VSIB without SIB or with 67", rule_vsib, 0 },
	{ "hint NOPs 0F 18-1F, register form", rule_hint_nop, 0 },
	{ "0F 0D prefetch rows other than /1", rule_prefetch, 0 },
	{ "ud0/ud1 without ModRM", rule_ud, 0 },
	{ "fences with ModRM.rm != 0", rule_fence, 0 },
	{ "swapgs outside 64-bit mode", rule_swapgs, 0 },
	{ "3DNow! suffix 0E as femms", rule_3dnow_0e, 0 },
	{ "instruction unknown to Capstone 4", rule_unknown, 0 },
	{ "branch target truncated on 67", rule_branch67, 0 },
	{ "AVX-512 form unknown to Capstone 4", rule_evex_forms, 0 },
	{ "AVX-512 opcode unknown to Capstone 4", rule_evex_unknown, 0 },
	{ "EVEX.V' applied to a GPR index", rule_evex_vprime, 0 },
	{ "EVEX.66.0F 12 as vmovddup", rule_evex_movddup, 0 },
	{ "EVEX rounding read as an extra byte", rule_evex_rounding, 0 },
	{ NULL, NULL, 0 },
};

/* The rule that excuses this disagreement, or NULL. */
static struct cs_exception *
excuse(const struct verdict *v)
{
	struct cs_exception *x;

	for (x = cs_exceptions; x->applies; x++)
		if (x->applies(v))
			return x;
	return NULL;
}

/* Whether some rule excuses this disagreement. */
static bool
excusable(const struct verdict *v)
{
	return excuse(v) != NULL;
}

/*
 * ---- Comparing one instruction ----
 */

/* Counts of one test. */
struct tally {
	const char *name;
	unsigned long compared, mismatches, excused;
	bool reported;
};

/* Format b[0..n) as hex bytes. */
static void
hex(char *out, size_t outsz, const uint8_t *b, size_t n)
{
	size_t i, k = 0;

	out[0] = 0;
	for (i = 0; i < n && k + 4 < outsz; i++)
		k += snprintf(out + k, outsz - k, "%s%02x", i ? " " : "", b[i]);
}

/* Record a mismatch; print it if it is the test's first (or verbose). */
static void
mismatch(struct tally *t, const char *where, const uint8_t *b, size_t n,
	 int our_len, const struct csview *v, const char *fmt, ...)
{
	char h[64], why[256];
	va_list ap;

	t->mismatches++;
	n_mismatch++;
	if (t->reported && t->mismatches > verbose)
		return;
	t->reported = true;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	hex(h, sizeof(h), b, n < WINDOW ? n : WINDOW);
	fflush(stdout);
	fprintf(stderr,
		"\ndecode_test: %s: MISMATCH at %s: %s\n"
		"    bytes: %s\n"
		"    length: ours %d%s, capstone %d (%s)\n",
		t->name, where, why, h, our_len,
		our_len < 0 ? " (error)" : "", v->len,
		v->len ? v->text : "invalid");
}

/* Excuse a disagreement by a rule (returns true), or record it as a
 * mismatch. */
static bool
disagree(struct tally *t, struct verdict *vd, const char *where,
	 const char *fmt, ...)
{
	struct cs_exception *x;
	char why[256];
	va_list ap;

	if ((x = excuse(vd)) != NULL) {
		x->hits++;
		t->excused++;
		n_excused++;
		return true;
	}
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	mismatch(t, where, vd->bytes, vd->n, vd->rc, vd->cs, "%s", why);
	return false;
}

/* Mask of the low n bytes. */
static uint64_t
mask(int n)
{
	return n >= 8 ? ~0ull : (1ull << (8 * n)) - 1;
}

/*
 * Checks on our decoder alone: the instruction decodes the same from
 * exactly its own bytes, and is X86_ERR_TRUNCATED from one fewer.
 */
static void
self_check(struct tally *t, const char *where, const uint8_t *b,
	   const struct x86_insn *in, const struct csview *v)
{
	struct x86_insn again;
	int rc;

	rc = x86_decode(b, in->len, &again);
	if (rc != in->len || again.imm != in->imm || again.disp != in->disp)
		mismatch(t, where, b, in->len, in->len, v,
			 "decodes differently from exactly its bytes (%d)",
			 rc);
	else if ((rc = x86_decode(b, in->len - 1, &again)) !=
		 X86_ERR_TRUNCATED)
		mismatch(t, where, b, in->len, in->len, v,
			 "one byte short gives %d, not X86_ERR_TRUNCATED",
			 rc);
}

/*
 * Compare our decoding of b[0..n) at address addr with Capstone's.
 * Returns the length of the instruction there for a linear sweep to
 * step over: Capstone's, or ours where a rule excuses Capstone's
 * rejecting the bytes; 0 if neither decodes them.
 */
static int
compare(struct tally *t, const char *where, const uint8_t *b, size_t n,
	uint32_t addr)
{
	struct x86_insn in;
	struct csview v;
	struct enc e;
	struct verdict vd = { D_VALIDITY, 0, &in, &v, &e, b, n, 0, 0 };
	uint64_t want[2], got;
	int rc, i, k, nwant, sz;

	rc = x86_decode(b, n, &in);
	cs_view(b, n, addr, &v);
	look(b, n, &e);
	vd.rc = rc;
	t->compared++;
	n_compared++;
	if (rc > 0)
		self_check(t, where, b, &in, &v);

	if ((rc > 0) != (v.len > 0)) {
		if (disagree(t, &vd, where,
			     rc > 0 ? "we decode, Capstone rejects"
				    : "Capstone decodes, we reject") &&
		    rc > 0)
			return rc;
		return v.len;
	}
	if (rc <= 0)
		return 0;
	if (rc != v.len) {
		vd.kind = D_LENGTH;
		disagree(t, &vd, where, "lengths differ");
		return v.len;
	}

	/* Same length: compare the memory operand and the immediates. */
	if (((in.has_modrm && in.mod != 3) ||
	     (in.attr & X86_ATTR_MOFFS)) && v.has_mem) {
		int64_t d = v.disp, ours = in.disp;
		bool disp_ok = (d & mask(4)) == (ours & mask(4));

		/* EVEX disp8 is scaled by the operand size N (SDM vol.2
		 * §2.7.5); Capstone shows the scaled value. */
		if (in.encoding == X86_ENC_EVEX && in.disp_size == 1)
			for (k = 1; k <= 64 && !disp_ok; k *= 2)
				disp_ok = d == ours * k;
		if (in.addrsize == 2)
			disp_ok = (d & 0xffff) == (ours & 0xffff);
		if (in.base != v.base || in.index != v.index ||
		    (in.index != X86_REG_NONE && in.scale != v.scale) ||
		    !disp_ok) {
			vd.kind = D_MEMORY;
			disagree(t, &vd, where,
				 "memory operand: ours base %d index %d "
				 "scale %d disp %#x; capstone base %d "
				 "index %d scale %d disp %#llx",
				 in.base, in.index, in.scale, in.disp, v.base,
				 v.index, v.scale, (unsigned long long)d);
			return v.len;
		}
	}
	if (!in.imm_size || !v.nimm)
		return v.len;
	/* Capstone shows branch targets, and far pointers as
	 * selector:offset; enter and extrq/insertq have two. */
	nwant = 1;
	want[0] = in.imm;
	if (in.attr & X86_ATTR_REL) {
		want[0] = x86_branch_target(&in, addr);
	} else if (in.opcode == 0x9a || in.opcode == 0xea) {
		want[0] = in.imm2;
		want[1] = in.imm;
		nwant = 2;
	} else if (in.opcode == 0xc8 || ((in.opcode == 0x0f78 ||
					  in.opcode == 0x0f79) &&
					 in.encoding == X86_ENC_LEGACY)) {
		want[1] = in.imm2;
		nwant = 2;
	}
	for (i = 0; i < nwant && i < v.nimm; i++) {
		got = (uint64_t)v.imm[i];
		if (in.attr & X86_ATTR_REL)
			sz = in.opsize;
		else if (nwant == 2 && (in.opcode == 0x9a ||
					in.opcode == 0xea))
			sz = i == 0 ? 2 : in.imm_size;
		else if (i == 1)
			sz = 1; /* enter's level, extrq's second imm8 */
		else
			sz = in.imm_size;
		/* vpermil2ps/pd: Capstone shows the imm8's low nibble
		 * (m2z); the high one names a register */
		if (in.encoding == X86_ENC_VEX &&
		    (in.opcode == 0x0f3a48 || in.opcode == 0x0f3a49))
			want[i] &= 0x0f;
		if ((got & mask(sz)) != (want[i] & mask(sz))) {
			vd.kind = D_IMMEDIATE;
			vd.our_imm = want[i] & mask(sz);
			vd.cs_imm = got & mask(sz);
			disagree(t, &vd, where,
				 "immediate %d: ours %#llx, capstone %#llx",
				 i, (unsigned long long)vd.our_imm,
				 (unsigned long long)vd.cs_imm);
			return v.len;
		}
	}
	return v.len;
}

/* Print a test's counts (CUnit then adds its verdict to the line) and
 * fail it if it had mismatches. */
static void
finish(struct tally *t)
{
	printf("\n    %lu compared, %lu mismatches, %lu excused ... ",
	       t->compared, t->mismatches, t->excused);
	fflush(stdout);
	CU_ASSERT_EQUAL(t->mismatches, 0);
}

/*
 * ---- Linear sweeps over 32-bit ELF files ----
 */

/* ELF32 structures (System V gABI, Figures 4-3 and 4-8). */
struct elf32_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf32_shdr {
	uint32_t name, type, flags, addr, offset, size, link, info,
		addralign, entsize;
};
#define ELF_SHT_NOBITS 8
#define ELF_SHF_EXECINSTR 0x4
#define ELF_EM_386 3

/* Read a whole file; NULL if it cannot be read. */
static uint8_t *
slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(n)) != NULL) {
		if (fread(buf, 1, n, f) == (size_t)n) {
			*size = n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/*
 * Compare every instruction of the executable sections of the ELF file
 * at path, advancing by Capstone's length (one byte where Capstone
 * rejects the bytes, having checked that we reject them too).
 */
static void
sweep_elf(const char *name, const char *path, bool required)
{
	struct tally t = { name, 0, 0, 0, false };

	fflush(stdout);
	const struct elf32_ehdr *eh;
	const struct elf32_shdr *sh;
	uint8_t *img;
	size_t size = 0, off, n;
	char where[256];
	int i, len;

	if ((img = slurp(path, &size)) == NULL) {
		if (required)
			test_check_at(false, __FILE__, __LINE__, __func__,
				      "%s: cannot read %s (build it, or set "
				      "the path)", name, path);
		else
			test_skip("%s is absent", path);
		return;
	}
	eh = (const struct elf32_ehdr *)img;
	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF\1", 5) != 0 ||
	    eh->machine != ELF_EM_386 || eh->shentsize != sizeof(*sh) ||
	    eh->shoff + (size_t)eh->shnum * sizeof(*sh) > size) {
		fprintf(stderr, "decode_test: %s: %s is not an i386 ELF32\n",
			name, path);
		CU_FAIL("not an i386 ELF32 file");
		free(img);
		return;
	}
	sh = (const struct elf32_shdr *)(img + eh->shoff);
	for (i = 0; i < eh->shnum; i++) {
		const uint8_t *sec = img + sh[i].offset;

		if (!(sh[i].flags & ELF_SHF_EXECINSTR) ||
		    sh[i].type == ELF_SHT_NOBITS ||
		    sh[i].offset + (size_t)sh[i].size > size)
			continue;
		for (off = 0; off < sh[i].size; off += len ? len : 1) {
			n = sh[i].size - off;
			snprintf(where, sizeof(where),
				 "%s section %d offset %#zx (address %#zx)",
				 path, i, off, sh[i].addr + off);
			len = compare(&t, where, sec + off,
				      n < WINDOW ? n : WINDOW,
				      sh[i].addr + off);
		}
	}
	free(img);
	finish(&t);
}

/* A path from the environment, or the default. */
static const char *
env_path(const char *var, const char *dflt)
{
	const char *p = getenv(var);

	return p && *p ? p : dflt;
}

/* The guest OS: must exist (the unit tests run after it is built). */
static void
test_elf_kernel(void)
{
	sweep_elf("elf kernel",
		  env_path("DECODE_TEST_KERNEL", DEFAULT_KERNEL), true);
}

/* The monitor: built with the lab that holds this test, so required. */
static void
test_elf_vmm(void)
{
	sweep_elf("elf vmm", env_path("DECODE_TEST_VMM", DEFAULT_VMM), true);
}

/*
 * The 32-bit libc, for code gcc -m32 emits in bulk (x87, SSE, ...): a
 * host may lack it, so its absence is a reported skip.
 */
static void
test_elf_lib(void)
{
	sweep_elf("elf lib", env_path("DECODE_TEST_LIB", DEFAULT_LIB), false);
}

/*
 * ---- Sweeps over the opcode maps ----
 */

/* A small deterministic generator (xorshift64*); each test seeds it. */
static uint64_t rng_state;

/* The next 32 pseudo-random bits. */
static unsigned
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545f4914f6cdd1dull) >> 32;
}

/* Fill b[0..n) with pseudo-random bytes. */
static void
fill_random(uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = rng() >> 24;
}

/*
 * Prefix combinations for the legacy sweep: each mandatory prefix, both
 * orders of each pair (the CPU ignores the order), LOCK alone and with
 * the others, a segment between a mandatory prefix and the opcode, and
 * the size overrides.
 */
static const char *const sweep_prefixes[] = {
	"",	"66",	"f3",	"f2",	"f0",	"67",	"2e",	"f22e",
	"66f3", "f366", "66f2", "f266", "f2f3", "f3f2", "f066", "f0f2",
	"f0f3", "6667",
};

/*
 * Every opcode of the one-byte, 0F, 0F 38 and 0F 3A maps, with every
 * ModRM byte, under every prefix combination above.  The bytes after
 * the ModRM (SIB, displacement, immediate) are pseudo-random.
 */
static void
test_sweep_legacy(void)
{
	static const char *const escapes[] = { "", "0f", "0f38", "0f3a" };
	struct tally t = { "sweep legacy", 0, 0, 0, false };
	uint8_t b[WINDOW + 32];
	char where[96];
	size_t np, ne, i, k;
	int op, modrm;

	rng_state = 0x5eed0001;
	for (i = 0; i < sizeof(sweep_prefixes) / sizeof(*sweep_prefixes);
	     i++) {
		for (k = 0; k < 4; k++) {
			np = unhex(sweep_prefixes[i], b);
			ne = unhex(escapes[k], b + np);
			for (op = 0; op < 256; op++) {
				for (modrm = 0; modrm < 256; modrm++) {
					b[np + ne] = op;
					b[np + ne + 1] = modrm;
					fill_random(b + np + ne + 2, WINDOW);
					snprintf(where, sizeof(where),
						 "prefixes '%s' map '%s' "
						 "opcode %02x modrm %02x",
						 sweep_prefixes[i], escapes[k],
						 op, modrm);
					compare(&t, where, b, WINDOW, 0);
				}
			}
		}
	}
	finish(&t);
}

/* 3DNow!: every suffix byte after a register, [eax], [esp+disp8] and
 * [disp32] operand. */
static void
test_sweep_3dnow(void)
{
	static const char *const operands[] = { "c1", "00", "442410",
						"0578563412" };
	struct tally t = { "sweep 3dnow", 0, 0, 0, false };
	uint8_t b[WINDOW + 16];
	char where[64];
	size_t i, n;
	int suffix;

	for (i = 0; i < 4; i++) {
		for (suffix = 0; suffix < 256; suffix++) {
			memset(b, 0x90, sizeof(b));
			b[0] = b[1] = 0x0f;
			n = 2 + unhex(operands[i], b + 2);
			b[n] = suffix;
			snprintf(where, sizeof(where), "0f 0f %s suffix %02x",
				 operands[i], suffix);
			compare(&t, where, b, WINDOW, 0);
		}
	}
	finish(&t);
}

/*
 * ModRM bytes for the vector sweeps: every reg field with a memory and
 * a register operand, and a SIB, a disp8 and a disp32 form.
 */
static int
vector_modrm(int i)
{
	static const uint8_t extra[3] = { 0x04, 0x45, 0x85 };

	if (i < 8)
		return i << 3;
	if (i < 16)
		return 0xc1 | (i - 8) << 3;
	return extra[i - 16];
}
#define N_VECTOR_MODRM 19

/* The next mixed-radix digit of *k, base n: for walking a product of
 * ranges with one loop. */
static int
take(unsigned long *k, int n)
{
	int d = *k % n;

	*k /= n;
	return d;
}

/*
 * VEX: C4 with every map number 0-4 and C5, every implied prefix, L,
 * W and opcode, vvvv unused (1111b) or naming a register, and the
 * ModRM bytes above.
 */
static void
test_sweep_vex(void)
{
	struct tally t = { "sweep vex", 0, 0, 0, false };
	unsigned long i, k;
	uint8_t b[WINDOW + 16];
	char where[96];
	int map, pp, L, W, vvvv, op, m, n;

	rng_state = 0x5eed0002;
	for (i = 0; i < 6ul * 4 * 2 * 2 * 2 * 256 * N_VECTOR_MODRM; i++) {
		k = i;
		m = take(&k, N_VECTOR_MODRM);
		op = take(&k, 256);
		vvvv = take(&k, 2) ? 0x70 : 0x78; /* register 1, or unused */
		W = take(&k, 2);
		L = take(&k, 2);
		pp = take(&k, 4);
		map = k; /* 0-4: C4 with that map; 5: C5, map 1 */
		if (map == 5 && W)
			continue;
		n = 0;
		if (map == 5) {
			b[n++] = 0xc5;
			b[n++] = 0x80 | vvvv | L << 2 | pp;
		} else {
			b[n++] = 0xc4;
			b[n++] = 0xe0 | map;
			b[n++] = W << 7 | vvvv | L << 2 | pp;
		}
		b[n++] = op;
		b[n++] = vector_modrm(m);
		fill_random(b + n, WINDOW);
		snprintf(where, sizeof(where),
			 "%s map %d pp %d L %d W %d vvvv %s",
			 map == 5 ? "c5" : "c4", map == 5 ? 1 : map, pp, L, W,
			 vvvv == 0x78 ? "1111" : "1110");
		compare(&t, where, b, WINDOW, 0);
	}
	finish(&t);
}

/* XOP: maps 7-11 and 31, every pp, L, W and opcode, vvvv unused or
 * not, and the ModRM bytes above. */
static void
test_sweep_xop(void)
{
	static const int maps[] = { 7, 8, 9, 10, 11, 31 };
	struct tally t = { "sweep xop", 0, 0, 0, false };
	unsigned long i, k;
	uint8_t b[WINDOW + 16];
	char where[96];
	int map, pp, L, W, vvvv, op, m;

	rng_state = 0x5eed0003;
	for (i = 0; i < 6ul * 4 * 2 * 2 * 2 * 256 * N_VECTOR_MODRM; i++) {
		k = i;
		m = take(&k, N_VECTOR_MODRM);
		op = take(&k, 256);
		vvvv = take(&k, 2) ? 0x70 : 0x78;
		W = take(&k, 2);
		L = take(&k, 2);
		pp = take(&k, 4);
		map = maps[k];
		b[0] = 0x8f;
		b[1] = 0xe0 | map;
		b[2] = W << 7 | vvvv | L << 2 | pp;
		b[3] = op;
		b[4] = vector_modrm(m);
		fill_random(b + 5, WINDOW);
		snprintf(where, sizeof(where),
			 "xop map %d pp %d L %d W %d vvvv %s", map, pp, L, W,
			 vvvv == 0x78 ? "1111" : "1110");
		compare(&t, where, b, WINDOW, 0);
	}
	finish(&t);
}

/*
 * EVEX: every map 0-3, implied prefix, W and opcode, with the ModRM
 * bytes above, once with plain attribute bits (512-bit, no masking,
 * no broadcast, vvvv unused) and twice with random ones.
 */
static void
test_sweep_evex(void)
{
	struct tally t = { "sweep evex", 0, 0, 0, false };
	unsigned long i, k;
	uint8_t b[WINDOW + 16];
	char where[96];
	int map, pp, W, op, m, plain;

	rng_state = 0x5eed0004;
	for (i = 0; i < 4ul * 4 * 2 * 256 * N_VECTOR_MODRM * 3; i++) {
		k = i;
		plain = take(&k, 3) == 0;
		m = take(&k, N_VECTOR_MODRM);
		op = take(&k, 256);
		W = take(&k, 2);
		pp = take(&k, 4);
		map = k;
		b[0] = 0x62;
		b[1] = 0xf0 | map;
		b[2] = W << 7 | 0x7c | pp;
		b[3] = 0x48;
		if (!plain) {
			b[2] = W << 7 | ((rng() >> 24) & 0x78) | 0x04 | pp;
			b[3] = rng() >> 24;
		}
		b[4] = op;
		b[5] = vector_modrm(m);
		fill_random(b + 6, WINDOW);
		snprintf(where, sizeof(where),
			 "evex map %d pp %d W %d P1 %02x P2 %02x", map, pp, W,
			 b[2], b[3]);
		compare(&t, where, b, WINDOW, 0);
	}
	finish(&t);
}

/*
 * ---- Pseudo-random streams ----
 * RANDOM_PER_KIND streams of each kind below: random bytes after a
 * start that makes the interesting encodings likely.
 */
static void
test_random(void)
{
	static const uint8_t prefixes[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64,
					    0x65, 0x66, 0x67, 0xf0, 0xf2,
					    0xf3 };
	static const char *const kinds[] = {
		"plain", "prefixes", "0f",  "0f38", "0f3a", "x87",
		"vex2",	 "vex3",     "evex", "xop",  "3dnow",
	};
	struct tally t = { "random", 0, 0, 0, false };
	uint8_t b[WINDOW + 16];
	char where[64];
	size_t kind, i;
	int n, k, np;

	const size_t nkinds = sizeof(kinds) / sizeof(*kinds);
	/* DECODE_TEST_STREAMS: the kinds share them, at least one each. */
	size_t per_kind = random_streams ? (random_streams + nkinds - 1) / nkinds
					 : RANDOM_PER_KIND;

	rng_state = random_seed;
	for (kind = 0; kind < nkinds; kind++) {
		for (i = 0; i < per_kind; i++) {
			fill_random(b, sizeof(b));
			n = 0;
			/* up to three prefixes before the legacy kinds */
			np = kind >= 1 && kind <= 5 ? rng() % 4 : 0;
			if (kind == 1)
				np = 1 + rng() % 4;
			for (k = 0; k < np; k++)
				b[n++] = prefixes[rng() % sizeof(prefixes)];
			switch (kind) {
			case 2:
				b[n++] = 0x0f;
				break;
			case 3:
			case 4:
				b[n++] = 0x0f;
				b[n++] = kind == 3 ? 0x38 : 0x3a;
				break;
			case 5:
				b[n++] = 0xd8 + rng() % 8;
				break;
			case 6:
				b[n++] = 0xc5;
				b[n] |= 0xc0;
				break;
			case 7:
				b[n++] = 0xc4;
				b[n] = 0xe0 | (b[n] & 0x1f);
				if (rng() % 4)
					b[n] = 0xe0 | (1 + rng() % 3);
				break;
			case 8:
				b[n++] = 0x62;
				b[n] |= 0xc0;
				if (rng() % 4)
					b[n] = (b[n] & 0xf0) | rng() % 4;
				if (rng() % 4)
					b[n + 1] |= 0x04;
				break;
			case 9:
				b[n++] = 0x8f;
				b[n] = (b[n] & 0xe0) | (8 + rng() % 3);
				break;
			case 10:
				b[n++] = 0x0f;
				b[n++] = 0x0f;
				break;
			}
			snprintf(where, sizeof(where), "random %s #%zu",
				 kinds[kind], i);
			compare(&t, where, b, WINDOW, 0x1000);
		}
	}
	finish(&t);
}

/*
 * ---- Field-by-field checks ----
 */

/* Decode a hex string; fail the test if it does not decode fully. */
static bool
decode_hex(const char *hexstr, struct x86_insn *in)
{
	uint8_t b[32];
	size_t n = unhex(hexstr, b);
	int rc = x86_decode(b, n, in);

	if (rc != (int)n) {
		fprintf(stderr,
			"decode_test: units: %s decodes to %d, not %zu\n",
			hexstr, rc, n);
		return false;
	}
	return true;
}

/* The error returns and the 15-byte limit. */
static void
test_units_errors(void)
{
	static const uint8_t fifteen_66[16] = {
		0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90,
	};
	struct x86_insn in;
	uint8_t b[4] = { 0x90 };

	CU_ASSERT_EQUAL(x86_decode(b, 0, &in), X86_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(x86_decode((const uint8_t *)"\x0f", 1, &in),
			X86_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(x86_decode((const uint8_t *)"\x8b\x44", 2, &in),
			X86_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(x86_decode(fifteen_66 + 1, 15, &in), 15);
	CU_ASSERT_EQUAL(x86_decode(fifteen_66, 16, &in), X86_ERR_TOO_LONG);
	CU_ASSERT_EQUAL(x86_decode(fifteen_66, 15, &in), X86_ERR_TOO_LONG);
	CU_ASSERT_EQUAL(x86_decode(fifteen_66, 10, &in), X86_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(x86_decode((const uint8_t *)"\x0f\x04", 2, &in),
			X86_ERR_INVALID);
	CU_ASSERT_EQUAL(x86_decode((const uint8_t *)"\x8d\xc0", 2, &in),
			X86_ERR_INVALID); /* lea with a register */
	CU_ASSERT_EQUAL(x86_decode((const uint8_t *)"\xf0\x90", 2, &in),
			X86_ERR_INVALID); /* lock nop */
	CU_ASSERT_EQUAL(x86_decode((const uint8_t *)"\xf0\x01\xc0", 3, &in),
			X86_ERR_INVALID); /* lock add %eax,%eax */
	CU_ASSERT_EQUAL(x86_decode((const uint8_t *)"\x66\xc5\xf8\x77", 4,
				   &in),
			X86_ERR_INVALID); /* 66 before VEX */
	CU_ASSERT_EQUAL(x86_decode((const uint8_t *)"\xc4\xe2\x79", 3, &in),
			X86_ERR_TRUNCATED);
	/* les with a memory operand, not VEX */
	CU_ASSERT_EQUAL(x86_decode((const uint8_t *)"\xc4\x00", 2, &in), 2);
	CU_ASSERT_EQUAL(in.opcode, 0xc4);
	CU_ASSERT_EQUAL(x86_decode((const uint8_t *)"\xc5\xf8\x77", 3, &in),
			3);
	CU_ASSERT_EQUAL(in.encoding, X86_ENC_VEX);
}

/* Port I/O, the first things the monitor emulates. */
static void
test_units_io(void)
{
	struct x86_insn in;

	if (decode_hex("ec", &in)) { /* in %dx, %al */
		CU_ASSERT_EQUAL(in.opcode, 0xec);
		CU_ASSERT_EQUAL(in.opsize, 1);
		CU_ASSERT_EQUAL(in.attr & (X86_ATTR_IO | X86_ATTR_IOPL),
				X86_ATTR_IO | X86_ATTR_IOPL);
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_NONE);
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "in");
	}
	if (decode_hex("66ed", &in)) { /* in %dx, %ax */
		CU_ASSERT_EQUAL(in.opsize, 2);
		CU_ASSERT(in.prefixes & X86_PFX_OPSIZE);
	}
	if (decode_hex("e680", &in)) { /* out %al, $0x80 */
		CU_ASSERT_EQUAL(in.imm, 0x80);
		CU_ASSERT_EQUAL(in.imm_size, 1);
		CU_ASSERT_EQUAL(in.opsize, 1);
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "out");
	}
	if (decode_hex("e7f8", &in)) { /* out %eax, $0xf8: not sign-extended */
		CU_ASSERT_EQUAL(in.imm, 0xf8);
		CU_ASSERT_EQUAL(in.opsize, 4);
	}
	if (decode_hex("f36c", &in)) { /* rep insb */
		CU_ASSERT(in.prefixes & X86_PFX_REP);
		CU_ASSERT(in.attr & X86_ATTR_STRING);
		CU_ASSERT(in.attr & X86_ATTR_MEM_WRITE);
		CU_ASSERT_EQUAL(in.opsize, 1);
	}
	if (decode_hex("66f36f", &in)) { /* rep outsw */
		CU_ASSERT_EQUAL(in.opsize, 2);
		CU_ASSERT(in.attr & X86_ATTR_MEM_READ);
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "outs");
	}
	if (decode_hex("67f36d", &in)) /* rep insl with 16-bit addressing */
		CU_ASSERT_EQUAL(in.addrsize, 2);
}

/* Control and system registers, descriptor tables, privileged ops. */
static void
test_units_system(void)
{
	struct x86_insn in;

	if (decode_hex("0f22d8", &in)) { /* mov %eax, %cr3 */
		CU_ASSERT_EQUAL(in.opcode, 0x0f22);
		CU_ASSERT_EQUAL(in.reg, 3);
		CU_ASSERT_EQUAL(in.rm, X86_EAX);
		CU_ASSERT_EQUAL(in.mod, 3);
		CU_ASSERT(in.attr & X86_ATTR_PRIV);
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "mov to cr");
	}
	if (decode_hex("0f2018", &in)) { /* mod bits ignored: %cr3 -> %eax */
		CU_ASSERT_EQUAL(in.mod, 3);
		CU_ASSERT_EQUAL(in.reg, 3);
		CU_ASSERT_EQUAL(in.rm, 0);
		CU_ASSERT_EQUAL(in.disp_size, 0);
	}
	if (decode_hex("0f20e1", &in)) { /* mov %cr4, %ecx */
		CU_ASSERT_EQUAL(in.opcode, 0x0f20);
		CU_ASSERT_EQUAL(in.reg, 4);
		CU_ASSERT_EQUAL(in.rm, X86_ECX);
	}
	if (decode_hex("0f011500100000", &in)) { /* lgdt 0x1000 */
		CU_ASSERT_EQUAL(in.opcode, 0x0f01);
		CU_ASSERT_EQUAL(in.reg, 2);
		CU_ASSERT_EQUAL(in.base, X86_REG_NONE);
		CU_ASSERT_EQUAL(in.index, X86_REG_NONE);
		CU_ASSERT_EQUAL(in.disp, 0x1000);
		CU_ASSERT_EQUAL(in.disp_size, 4);
		CU_ASSERT(in.attr & X86_ATTR_PRIV);
		CU_ASSERT(in.attr & X86_ATTR_MEM_READ);
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "lgdt");
	}
	if (decode_hex("0f015c2408", &in)) { /* lidt 8(%esp) */
		CU_ASSERT_EQUAL(in.reg, 3);
		CU_ASSERT(in.has_sib);
		CU_ASSERT_EQUAL(in.base, X86_ESP);
		CU_ASSERT_EQUAL(in.index, X86_REG_NONE);
		CU_ASSERT_EQUAL(in.disp, 8);
		CU_ASSERT_EQUAL(x86_insn_seg(&in), X86_SEG_SS);
	}
	if (decode_hex("0f00d8", &in)) { /* ltr %ax */
		CU_ASSERT_EQUAL(in.reg, 3);
		CU_ASSERT_EQUAL(in.opsize, 2);
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "ltr");
	}
	if (decode_hex("0f00d1", &in)) /* lldt %cx */
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "lldt");
	if (decode_hex("0f0138", &in)) { /* invlpg (%eax) */
		CU_ASSERT_EQUAL(in.reg, 7);
		CU_ASSERT(in.attr & X86_ATTR_PRIV);
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "invlpg");
	}
	if (decode_hex("fa", &in))
		CU_ASSERT_EQUAL(in.attr, X86_ATTR_IOPL);
	if (decode_hex("fb", &in))
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "sti");
	if (decode_hex("f4", &in)) {
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_HLT);
		CU_ASSERT(in.attr & X86_ATTR_PRIV);
	}
	if (decode_hex("9c", &in))
		CU_ASSERT_EQUAL(in.attr, X86_ATTR_SENSITIVE | X86_ATTR_STACK);
	if (decode_hex("669d", &in)) { /* popfw */
		CU_ASSERT_EQUAL(in.opsize, 2);
		CU_ASSERT(in.attr & X86_ATTR_SENSITIVE);
	}
	if (decode_hex("cf", &in))
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_IRET);
	if (decode_hex("0f32", &in))
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "rdmsr");
	if (decode_hex("0f30", &in))
		CU_ASSERT(in.attr & X86_ATTR_PRIV);
	if (decode_hex("0f06", &in))
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "clts");
	if (decode_hex("0f09", &in))
		CU_ASSERT(in.attr & X86_ATTR_PRIV);
	if (decode_hex("0f01e0", &in)) /* smsw %eax */
		CU_ASSERT(in.attr & X86_ATTR_SENSITIVE);
	if (decode_hex("0f010424", &in)) /* sgdt (%esp) */
		CU_ASSERT_EQUAL(in.attr & ~X86_ATTR_MEM_WRITE,
				X86_ATTR_SENSITIVE);
	if (decode_hex("0f02c1", &in)) /* lar %ecx, %eax */
		CU_ASSERT(in.attr & X86_ATTR_SENSITIVE);
	if (decode_hex("8cc8", &in)) /* mov %cs, %eax */
		CU_ASSERT(in.attr & X86_ATTR_SENSITIVE);
	if (decode_hex("8cd8", &in)) /* mov %ds, %eax: shows nothing */
		CU_ASSERT(!(in.attr & X86_ATTR_SENSITIVE));
	if (decode_hex("0e", &in))
		CU_ASSERT(in.attr & X86_ATTR_SENSITIVE);
	if (decode_hex("f390", &in))
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "pause");
}

/* Memory writes the shadow MMU emulates on traced pages. */
static void
test_units_writes(void)
{
	struct x86_insn in;

	if (decode_hex("8918", &in)) { /* mov %ebx, (%eax) */
		CU_ASSERT_EQUAL(in.opcode, 0x89);
		CU_ASSERT_EQUAL(in.reg, X86_EBX);
		CU_ASSERT_EQUAL(in.base, X86_EAX);
		CU_ASSERT_EQUAL(in.attr, X86_ATTR_MEM_WRITE);
		CU_ASSERT_EQUAL(in.opsize, 4);
	}
	if (decode_hex("8bd8", &in)) /* mov %eax, %ebx: no memory */
		CU_ASSERT_EQUAL(in.attr, 0);
	if (decode_hex("c7050020000001000000", &in)) { /* movl $1, 0x2000 */
		CU_ASSERT_EQUAL(in.disp, 0x2000);
		CU_ASSERT_EQUAL(in.imm, 1);
		CU_ASSERT_EQUAL(in.imm_size, 4);
		CU_ASSERT(in.attr & X86_ATTR_MEM_WRITE);
	}
	if (decode_hex("66c7003412", &in)) { /* movw $0x1234, (%eax) */
		CU_ASSERT_EQUAL(in.opsize, 2);
		CU_ASSERT_EQUAL(in.imm, 0x1234);
		CU_ASSERT_EQUAL(in.imm_size, 2);
	}
	if (decode_hex("880c8d00300000", &in)) { /* mov %cl, 0x3000(,%ecx,4) */
		CU_ASSERT_EQUAL(in.opsize, 1);
		CU_ASSERT(in.has_sib);
		CU_ASSERT_EQUAL(in.base, X86_REG_NONE);
		CU_ASSERT_EQUAL(in.index, X86_ECX);
		CU_ASSERT_EQUAL(in.scale, 4);
		CU_ASSERT_EQUAL(in.disp, 0x3000);
	}
	if (decode_hex("f00fb10a", &in)) { /* lock cmpxchg %ecx, (%edx) */
		CU_ASSERT(in.prefixes & X86_PFX_LOCK);
		CU_ASSERT(in.attr & X86_ATTR_LOCKABLE);
		CU_ASSERT_EQUAL(in.attr & (X86_ATTR_MEM_READ |
					   X86_ATTR_MEM_WRITE),
				X86_ATTR_MEM_READ | X86_ATTR_MEM_WRITE);
	}
	if (decode_hex("f00fc70e", &in)) /* lock cmpxchg8b (%esi) */
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "cmpxchg8b");
	if (decode_hex("8702", &in)) /* xchg %eax, (%edx) */
		CU_ASSERT(in.attr & X86_ATTR_MEM_WRITE);
	if (decode_hex("0fab03", &in)) /* bts %eax, (%ebx) */
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "bts");
	if (decode_hex("0fba3005", &in)) { /* btrl $5, (%eax) */
		CU_ASSERT_EQUAL(in.reg, 6);
		CU_ASSERT_EQUAL(in.imm, 5);
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "btr");
	}
	if (decode_hex("0f9400", &in)) { /* sete (%eax) */
		CU_ASSERT_EQUAL(in.opsize, 1);
		CU_ASSERT(in.attr & X86_ATTR_MEM_WRITE);
	}
	if (decode_hex("8308ff", &in)) { /* orl $-1, (%eax) */
		CU_ASSERT_EQUAL(in.imm, 0xffffffff);
		CU_ASSERT_EQUAL(in.reg, 1);
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "or");
	}
	if (decode_hex("80207f", &in)) { /* andb $0x7f, (%eax) */
		CU_ASSERT_EQUAL(in.imm, 0x7f);
		CU_ASSERT_EQUAL(in.opsize, 1);
	}
	if (decode_hex("294804", &in)) { /* sub %ecx, 4(%eax) */
		CU_ASSERT_EQUAL(in.disp, 4);
		CU_ASSERT_EQUAL(in.disp_size, 1);
	}
	if (decode_hex("014424fc", &in)) /* add %eax, -4(%esp) */
		CU_ASSERT_EQUAL(in.disp, -4);
	if (decode_hex("f3a5", &in)) { /* rep movsl */
		CU_ASSERT(in.attr & X86_ATTR_STRING);
		CU_ASSERT_EQUAL(in.attr & (X86_ATTR_MEM_READ |
					   X86_ATTR_MEM_WRITE),
				X86_ATTR_MEM_READ | X86_ATTR_MEM_WRITE);
	}
	if (decode_hex("f3ab", &in))
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "stos");
	if (decode_hex("ff30", &in)) /* pushl (%eax) */
		CU_ASSERT_EQUAL(in.attr, X86_ATTR_MEM_READ | X86_ATTR_STACK);
	if (decode_hex("8f00", &in)) /* popl (%eax) */
		CU_ASSERT_EQUAL(in.attr, X86_ATTR_MEM_WRITE | X86_ATTR_STACK);
	if (decode_hex("268900", &in)) { /* mov %eax, %es:(%eax) */
		CU_ASSERT_EQUAL(in.seg, X86_SEG_ES);
		CU_ASSERT_EQUAL(x86_insn_seg(&in), X86_SEG_ES);
	}
	if (decode_hex("64a110000000", &in)) { /* mov %fs:0x10, %eax */
		CU_ASSERT(in.attr & X86_ATTR_MOFFS);
		CU_ASSERT_EQUAL(in.disp, 0x10);
		CU_ASSERT_EQUAL(in.seg, X86_SEG_FS);
		CU_ASSERT(!in.has_modrm);
	}
}

/* The addressing helpers, 32- and 16-bit. */
static void
test_units_addressing(void)
{
	uint32_t gpr[X86_NGPR] = { 0 };
	struct x86_insn in;

	gpr[X86_EBX] = 0x1000;
	gpr[X86_ECX] = 3;
	gpr[X86_EBP] = 0x8000;
	gpr[X86_ESI] = 0x20;
	if (decode_hex("8b448b10", &in)) /* mov 0x10(%ebx,%ecx,4), %eax */
		CU_ASSERT_EQUAL(x86_effective_offset(&in, gpr), 0x101c);
	if (decode_hex("8b4500", &in)) { /* mov 0(%ebp), %eax */
		CU_ASSERT_EQUAL(x86_effective_offset(&in, gpr), 0x8000);
		CU_ASSERT_EQUAL(x86_insn_seg(&in), X86_SEG_SS);
	}
	gpr[X86_EBX] = 0xfff0;
	if (decode_hex("678b40fe", &in)) { /* mov -2(%bx,%si), %eax */
		CU_ASSERT_EQUAL(in.addrsize, 2);
		CU_ASSERT_EQUAL(in.base, X86_EBX);
		CU_ASSERT_EQUAL(in.index, X86_ESI);
		CU_ASSERT_EQUAL(x86_effective_offset(&in, gpr), 0x000e);
		CU_ASSERT_EQUAL(x86_insn_seg(&in), X86_SEG_DS);
	}
	if (decode_hex("678b4210", &in)) { /* mov 0x10(%bp,%si), %eax */
		CU_ASSERT_EQUAL(in.base, X86_EBP);
		CU_ASSERT_EQUAL(x86_effective_offset(&in, gpr), 0x8030);
		CU_ASSERT_EQUAL(x86_insn_seg(&in), X86_SEG_SS);
	}
	if (decode_hex("678b063412", &in)) { /* mov 0x1234, %eax (16-bit) */
		CU_ASSERT_EQUAL(in.base, X86_REG_NONE);
		CU_ASSERT_EQUAL(x86_effective_offset(&in, gpr), 0x1234);
	}
	if (decode_hex("67a13412", &in)) { /* moffs16 */
		CU_ASSERT_EQUAL(in.len, 4);
		CU_ASSERT_EQUAL(x86_effective_offset(&in, gpr), 0x1234);
	}
}

/* Control flow, for the translator. */
static void
test_units_flow(void)
{
	struct x86_insn in;

	if (decode_hex("e8fbffffff", &in)) { /* call . */
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_CALL);
		CU_ASSERT(in.attr & X86_ATTR_REL);
		CU_ASSERT_EQUAL(x86_branch_target(&in, 0x1000), 0x1000);
	}
	if (decode_hex("ebfe", &in)) {
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_JMP);
		CU_ASSERT_EQUAL(x86_branch_target(&in, 0xc0100000),
				0xc0100000);
	}
	if (decode_hex("0f8400010000", &in)) {
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_JCC);
		CU_ASSERT_EQUAL(x86_branch_target(&in, 0x1000), 0x1106);
	}
	if (decode_hex("66e9fdff", &in)) /* jmpw: EIP wraps at 64 KiB */
		CU_ASSERT_EQUAL(x86_branch_target(&in, 0x12345), 0x2346);
	if (decode_hex("e2fe", &in))
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_LOOP);
	if (decode_hex("ffe0", &in))
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_JMP_IND);
	if (decode_hex("ff1500100000", &in))
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_CALL_IND);
	if (decode_hex("ea001000000800", &in)) { /* ljmp $8, $0x1000 */
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_JMP_FAR);
		CU_ASSERT_EQUAL(in.imm, 0x1000);
		CU_ASSERT_EQUAL(in.imm2, 8);
	}
	if (decode_hex("66ea00100800", &in)) { /* ljmpw $8, $0x1000 */
		CU_ASSERT_EQUAL(in.imm_size, 2);
		CU_ASSERT_EQUAL(in.imm2, 8);
	}
	if (decode_hex("ff2c24", &in)) /* ljmp *(%esp) */
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_JMP_FAR);
	if (decode_hex("c8100001", &in)) { /* enter $16, $1 */
		CU_ASSERT_EQUAL(in.imm, 16);
		CU_ASSERT_EQUAL(in.imm2, 1);
	}
	if (decode_hex("c20800", &in))
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_RET);
	if (decode_hex("cb", &in))
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_RET_FAR);
	if (decode_hex("cd30", &in)) {
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_INT);
		CU_ASSERT_EQUAL(in.imm, 0x30);
	}
	if (decode_hex("0f34", &in))
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_SYS);
	if (decode_hex("0f0b", &in))
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_UD);
	if (decode_hex("c7f800000000", &in)) /* xbegin */
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_XBEGIN);
	if (decode_hex("01c8", &in))
		CU_ASSERT_EQUAL(in.flow, X86_FLOW_NONE);
}

/* The other encodings: opcode numbering, lengths. */
static void
test_units_encodings(void)
{
	struct x86_insn in;

	if (decode_hex("660f3a0fc108", &in)) { /* palignr $8 */
		CU_ASSERT_EQUAL(in.opcode, 0x0f3a0f);
		CU_ASSERT_EQUAL(in.simd_pfx, 0x66);
		CU_ASSERT_EQUAL(in.imm, 8);
	}
	if (decode_hex("f30f10442404", &in)) { /* movss 4(%esp), %xmm0 */
		CU_ASSERT_EQUAL(in.simd_pfx, 0xf3);
		CU_ASSERT(in.attr & X86_ATTR_FPU);
	}
	if (decode_hex("0f0fc1b4", &in)) { /* pfmul */
		CU_ASSERT_EQUAL(in.encoding, X86_ENC_3DNOW);
		CU_ASSERT_EQUAL(in.opcode, 0x0f0fb4);
	}
	if (decode_hex("d9e8", &in)) /* fld1 */
		CU_ASSERT_STRING_EQUAL(x86_insn_name(&in), "fld1");
	if (decode_hex("c4e27d904c8500", &in)) { /* vpgatherdd */
		CU_ASSERT_EQUAL(in.encoding, X86_ENC_VEX);
		CU_ASSERT_EQUAL(in.opcode, 0x0f3890);
		CU_ASSERT(in.attr & X86_ATTR_VSIB);
		CU_ASSERT_EQUAL(in.index, 0);
	}
	if (decode_hex("62f17c48584001", &in)) { /* vaddps 64(%eax) */
		CU_ASSERT_EQUAL(in.encoding, X86_ENC_EVEX);
		CU_ASSERT_EQUAL(in.disp, 1); /* unscaled disp8 */
	}
	if (decode_hex("8fe878a2c000", &in)) /* vpcmov */
		CU_ASSERT_EQUAL(in.opcode, 0x8f08a2);
}

/* Run every test, then print what each exception rule excused and the
 * totals. */
int
main(void)
{
	static const struct test_case tests[] = {
		{ "x86decode", "elf kernel", test_elf_kernel },
		{ "x86decode", "elf vmm", test_elf_vmm },
		{ "x86decode", "elf lib", test_elf_lib },
		{ "x86decode", "sweep legacy", test_sweep_legacy },
		{ "x86decode", "sweep 3dnow", test_sweep_3dnow },
		{ "x86decode", "sweep vex", test_sweep_vex },
		{ "x86decode", "sweep xop", test_sweep_xop },
		{ "x86decode", "sweep evex", test_sweep_evex },
		{ "x86decode", "random", test_random },
		{ "x86decode", "units errors", test_units_errors },
		{ "x86decode", "units io", test_units_io },
		{ "x86decode", "units system", test_units_system },
		{ "x86decode", "units writes", test_units_writes },
		{ "x86decode", "units addressing", test_units_addressing },
		{ "x86decode", "units flow", test_units_flow },
		{ "x86decode", "units encodings", test_units_encodings },
	};
	const char *vb = getenv("DECODE_TEST_VERBOSE");
	const char *streams = getenv("DECODE_TEST_STREAMS");
	const char *seed = getenv("DECODE_TEST_SEED");
	const char *only = getenv("DECODE_TEST_ONLY");
	struct test_case chosen[sizeof(tests) / sizeof(tests[0])];
	size_t nchosen = 0;
	struct cs_exception *x;
	clock_t t0 = clock();
	int rc;

	verbose = vb ? strtoul(vb, NULL, 0) : 0;
	if (streams)
		random_streams = strtoul(streams, NULL, 0);
	if (seed)
		random_seed = strtoull(seed, NULL, 0) | 1;
	/* DECODE_TEST_ONLY=NAME: only the tests whose name starts so. */
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!only || strncmp(tests[i].name, only, strlen(only)) == 0)
			chosen[nchosen++] = tests[i];
	if (nchosen == 0) {
		fprintf(stderr, "decode_test: no test is named %s...\n", only);
		return 1;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_32, &cs) != CS_ERR_OK ||
	    cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK ||
	    (cs_buf = cs_malloc(cs)) == NULL) {
		fprintf(stderr, "decode_test: cannot open Capstone\n");
		return 1;
	}
	rc = test_table_run("decode_test", chosen, nchosen, NULL);

	for (x = cs_exceptions; x->applies; x++)
		if (x->hits)
			printf("decode_test: excused %8lu x %s\n", x->hits,
			       x->what);
	printf("decode_test: %lu instructions compared, %lu mismatches, "
	       "%lu excused by known Capstone bugs, %.1f s CPU\n",
	       n_compared, n_mismatch, n_excused,
	       (double)(clock() - t0) / CLOCKS_PER_SEC);
	cs_free(cs_buf, 1);
	cs_close(&cs);
	return rc;
}
