/*
 * Unit tests for the write emulator (wemu.c).  Built for an x86-64
 * host; run from the repository root:
 *
 *	obj/host/vmm/wemu_test
 *
 * The reference is the host CPU itself.  The guest memory is a block
 * mapped below 2 GiB (MAP_32BIT), so that a guest-virtual address can
 * be the host address of the same byte; the very bytes of an
 * instruction, copied into an executable page, then run natively on
 * the same registers, flags and memory, and the emulator must leave
 * all three exactly as the CPU did.  That holds for 32-bit ModRM
 * addressing without a bare disp32 (which means %rip-relative in
 * 64-bit mode) and for the string instructions; moffs and 16-bit
 * addressing, which 64-bit mode encodes differently, are checked by
 * hand.  A few flag results are also checked against values worked out
 * from the SDM, so that the tests do not rest on the CPU alone (the
 * emulator computes flags on the host CPU too).  Flags the SDM leaves
 * undefined are compared as well (AF after and/or/xor, for one), except
 * OF SF AF PF after bt/bts/btr/btc: there the emulator runs the
 * register form where the CPU ran the memory form, and a CPU may set
 * them differently for the two.
 *
 * Suites:
 *   native   every form at every operand size under a set of addressing
 *            modes, with pseudo-random operands, registers and flags
 *            (fixed seed), against native execution
 *   forms    the cases the shadow MMU depends on, one by one: straddling
 *            writes, a failed cmpxchg, bit offsets outside the operand,
 *            rep stos/movs over a page, moffs, 16-bit addressing
 *   faults   read and write faults, whole and in the middle of a rep
 *   refused  what the emulator does not do, and does not touch
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <CUnit/Basic.h>
#include <lib/test_table.h>

#include <inc/mmu.h>
#include <inc/x86decode.h>
#include <inc/wemu.h>

#ifndef __x86_64__
#error "wemu_test runs instructions natively: it needs an x86-64 host"
#endif

#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
/* What the tests compare and the native runner loads: no IF, TF, ... */
#define FL_TESTED (FL_ARITH | FL_DF)

#define GUEST_SIZE (8 * PGSIZE)
#define NATIVE_ITERATIONS 12 /* random cases per form, size and mode */

/* ---- Checks that say what they saw ---- */

#define check_at(ok, line, func, ...)                                          \
	test_check_at(ok, __FILE__, line, func, __VA_ARGS__)

#define CHECK(cond, ...) check_at(!!(cond), __LINE__, __func__, __VA_ARGS__)

/* got == want, both shown in hex on failure; each evaluated once. */
static bool
check_eq_at(unsigned long long got, unsigned long long want,
	    const char *what, int line, const char *func)
{
	return check_at(got == want, line, func, "%s: got %#llx, want %#llx",
			what, got, want);
}
#define CHECK_EQ(got, want, what)                                              \
	check_eq_at((unsigned long long)(got), (unsigned long long)(want),     \
		    what, __LINE__, __func__)

/* The name of a wemu_execute result, for messages. */
static const char *
rc_name(int rc)
{
	switch (rc) {
	case WEMU_OK:
		return "WEMU_OK";
	case WEMU_UNSUPPORTED:
		return "WEMU_UNSUPPORTED";
	case WEMU_FAULT:
		return "WEMU_FAULT";
	}
	return "not a result (the test could not decode)";
}

/* wemu_execute returned want; else say what it returned. */
static bool
check_rc_at(int got, int want, const char *what, int line, const char *func)
{
	return check_at(got == want, line, func, "%s: %s, want %s", what,
			rc_name(got), rc_name(want));
}
#define CHECK_RC(got, want, what)                                              \
	check_rc_at(got, want, what, __LINE__, __func__)

/* ---- Pseudo-random numbers (xorshift32, fixed seed) ---- */

static uint32_t rnd_state = 0x2545F491;

static uint32_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* A value near a carry, overflow or sign boundary more often than not. */
static uint32_t
rnd_operand(void)
{
	static const uint32_t edges[] = {
		0,	    1,		0x0F,	    0x10,	0x7F,
		0x80,	    0xFF,	0x7FFF,	    0x8000,	0xFFFF,
		0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFF7F, 0x00FF8000,
	};
	uint32_t r = rnd();

	if (r % 3 == 0)
		return rnd();
	return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
}

/* ---- The fake guest memory ---- */

struct range {
	gva_t lo, hi; /* [lo, hi); empty when lo == hi */
};

/*
 * buf[0..GUEST_SIZE) is guest-virtual base.. ; accesses outside it, and
 * reads or writes touching the "no" ranges, fail.  Writes are recorded.
 */
struct fake_mem {
	uint8_t *buf;
	gva_t base;
	struct range noread, nowrite;
	unsigned nreads, nwrites;
	struct range written; /* union of the writes, if contiguous */
	bool scattered;	      /* a write not adjacent to the union */
	gva_t fault_va;
	bool fault_was_write;
};

/* Does [va, va+len) lie in the block and miss range no? */
static bool
fake_ok(const struct fake_mem *m, gva_t va, size_t len, struct range no)
{
	uint64_t lo = va, hi = (uint64_t)va + len;

	if (lo < m->base || hi > (uint64_t)m->base + GUEST_SIZE)
		return false;
	return hi <= no.lo || lo >= no.hi;
}

static int
fake_read(void *ctx, gva_t va, void *buf, size_t len)
{
	struct fake_mem *m = ctx;

	m->nreads++;
	if (!fake_ok(m, va, len, m->noread)) {
		m->fault_va = va;
		m->fault_was_write = false;
		return -1;
	}
	memcpy(buf, m->buf + (va - m->base), len);
	return 0;
}

static int
fake_write(void *ctx, gva_t va, const void *buf, size_t len)
{
	struct fake_mem *m = ctx;

	if (!fake_ok(m, va, len, m->nowrite)) {
		m->fault_va = va;
		m->fault_was_write = true;
		return -1;
	}
	memcpy(m->buf + (va - m->base), buf, len);
	if (m->nwrites++ == 0) {
		m->written.lo = va;
		m->written.hi = va + len;
	} else if (va + len == m->written.lo) {
		m->written.lo = va;
	} else if (va == m->written.hi) {
		m->written.hi = va + len;
	} else if (va < m->written.lo || va + len > m->written.hi) {
		m->scattered = true;
	}
	return 0;
}

static uint8_t *guest_block; /* GUEST_SIZE bytes below 2 GiB */
static uint8_t *code_page;   /* one executable page */

/* A fake memory on guest_block at guest-virtual base, no faults. */
static struct fake_mem
fake_at(gva_t base)
{
	struct fake_mem m = { .buf = guest_block, .base = base };
	return m;
}

/* The guest-virtual address of the block when it is mapped 1:1. */
static gva_t
guest_va(void)
{
	return (gva_t)(uintptr_t)guest_block;
}

/* Does *w name exactly the bytes the callbacks wrote? */
static bool
check_w_matches(const struct fake_mem *m, const struct wemu_write *w,
		const char *what)
{
	if (m->nwrites == 0)
		return CHECK(w->len == 0, "%s: nothing written, w is %#x+%u",
			     what, w->va, w->len);
	return CHECK(!m->scattered && w->va == m->written.lo &&
			     w->len == m->written.hi - m->written.lo,
		     "%s: wrote [%#x, %#x)%s, w is %#x+%u", what,
		     m->written.lo, m->written.hi,
		     m->scattered ? " and elsewhere" : "", w->va, w->len);
}

/* ---- Native execution ---- */

struct cpu {
	uint32_t r[X86_NGPR]; /* %esp is neither loaded nor stored */
	uint32_t eflags;      /* FL_TESTED bits loaded; all stored */
};

/*
 * wemu_test_native(c, code): load c's registers and flags, call code
 * (the instruction then ret), store registers and flags into c.
 * Writing a 32-bit register zero-extends it, so an address held in a
 * guest register addresses the same byte in 64-bit mode.
 */
void wemu_test_native(struct cpu *c, const void *code);
__asm__(".text\n"
	".globl wemu_test_native\n"
	".type wemu_test_native, @function\n"
	"wemu_test_native:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	mov %rdi, %r15\n"
	"	mov %rsi, %r14\n"
	"	mov 32(%r15), %eax\n"
	"	push %rax\n"
	"	popfq\n"
	"	mov 0(%r15), %eax\n"
	"	mov 4(%r15), %ecx\n"
	"	mov 8(%r15), %edx\n"
	"	mov 12(%r15), %ebx\n"
	"	mov 20(%r15), %ebp\n"
	"	mov 24(%r15), %esi\n"
	"	mov 28(%r15), %edi\n"
	"	call *%r14\n"
	"	mov %eax, 0(%r15)\n"
	"	mov %ecx, 4(%r15)\n"
	"	mov %edx, 8(%r15)\n"
	"	mov %ebx, 12(%r15)\n"
	"	mov %ebp, 20(%r15)\n"
	"	mov %esi, 24(%r15)\n"
	"	mov %edi, 28(%r15)\n"
	"	pushfq\n"
	"	pop %rax\n"
	"	mov %eax, 32(%r15)\n"
	"	cld\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	".size wemu_test_native, .-wemu_test_native\n");

#define RET_OPCODE 0xC3

/* Run code[0..len) natively on regs/eflags over guest_block. */
static void
run_native(const uint8_t *code, size_t len, uint32_t *regs, uint32_t *eflags)
{
	struct cpu c;

	memcpy(c.r, regs, sizeof(c.r));
	c.eflags = (*eflags & FL_TESTED) | FL_RESERVED1;
	memcpy(code_page, code, len);
	code_page[len] = RET_OPCODE;
	wemu_test_native(&c, code_page);
	memcpy(regs, c.r, sizeof(c.r));
	*eflags = c.eflags;
}

/* Decode code[0..len), which must be exactly one instruction. */
static bool
decode(const uint8_t *code, size_t len, struct x86_insn *in, const char *what)
{
	int n = x86_decode(code, len, in);

	return CHECK(n == (int)len, "%s: x86_decode gives %d for %zu bytes",
		     what, n, len);
}

/* The instruction's bytes, for messages. */
static const char *
hex(const uint8_t *code, size_t len)
{
	static char s[3 * X86_MAX_INSN_LEN + 1];

	s[0] = '\0';
	for (size_t i = 0; i < len && i < X86_MAX_INSN_LEN; i++)
		sprintf(s + 3 * i, "%02x ", code[i]);
	return s;
}

static uint8_t mem_before[GUEST_SIZE], mem_emulated[GUEST_SIZE];

/*
 * Run code on regs/eflags over guest_block (holding mem_before) both
 * ways, emulated and native (running the bytes `native` instead, if not
 * NULL: the same instruction as 64-bit mode spells it), and check that
 * they agree on registers, tested flags and every byte of memory, that
 * the emulator reports the bytes it wrote, and that it changed no byte
 * outside them.  flag_mask
 * drops flags the SDM leaves undefined where the two may differ.
 */
static bool
check_against_native(const uint8_t *code, size_t len, const uint8_t *native,
		     const uint32_t *regs, uint32_t eflags, uint32_t flag_mask,
		     const char *what)
{
	struct x86_insn in;
	struct fake_mem m = fake_at(guest_va());
	const struct wemu_mem mem = { &m, fake_read, fake_write };
	struct wemu_write w;
	uint32_t re[X86_NGPR], rn[X86_NGPR];
	uint32_t fe = eflags, fn = eflags;
	bool ok = true;
	int rc;

	if (!decode(code, len, &in, what))
		return false;
	memcpy(re, regs, sizeof(re));
	memcpy(rn, regs, sizeof(rn));

	memcpy(guest_block, mem_before, GUEST_SIZE);
	rc = wemu_execute(&in, re, &fe, &mem, &w);
	memcpy(mem_emulated, guest_block, GUEST_SIZE);
	memcpy(guest_block, mem_before, GUEST_SIZE);
	run_native(native != NULL ? native : code, len, rn, &fn);

	ok &= CHECK(rc == WEMU_OK, "%s [%s]: wemu_execute returns %s", what,
		    hex(code, len), rc_name(rc));
	for (int i = 0; i < X86_NGPR; i++)
		ok &= CHECK(re[i] == rn[i],
			    "%s [%s]: reg %d emulated %#x, native %#x", what,
			    hex(code, len), i, re[i], rn[i]);
	ok &= CHECK((fe & flag_mask) == (fn & flag_mask),
		    "%s [%s] flags in %#x: emulated %#x, native %#x", what,
		    hex(code, len), eflags, fe & flag_mask, fn & flag_mask);
	ok &= CHECK((fe & ~FL_ARITH) == (eflags & ~FL_ARITH),
		    "%s: a non-arithmetic flag changed: %#x -> %#x", what,
		    eflags, fe);
	/* Memory: one assertion each, naming the first byte that differs. */
	size_t i_native = 0, i_outside = 0;
	while (i_native < GUEST_SIZE &&
	       mem_emulated[i_native] == guest_block[i_native])
		i_native++;
	for (; i_outside < GUEST_SIZE; i_outside++) {
		gva_t va = guest_va() + i_outside;
		bool in_w = va >= w.va && va < (uint64_t)w.va + w.len;
		if (!in_w && mem_emulated[i_outside] != mem_before[i_outside])
			break;
	}
	size_t at = i_native % GUEST_SIZE; /* in bounds for the message */
	ok &= CHECK(i_native == GUEST_SIZE,
		    "%s [%s]: byte %#zx emulated %02x, native %02x", what,
		    hex(code, len), i_native, mem_emulated[at],
		    guest_block[at]);
	ok &= CHECK(i_outside == GUEST_SIZE,
		    "%s: byte %#zx changed outside w %#x+%u", what, i_outside,
		    w.va, w.len);
	ok &= check_w_matches(&m, &w, what);
	return ok;
}

/* Fill mem_before with pseudo-random bytes. */
static void
randomize_memory(void)
{
	for (size_t i = 0; i < GUEST_SIZE; i += 4) {
		uint32_t v = rnd();
		memcpy(mem_before + i, &v, 4);
	}
}

/* ---- Building instructions ---- */

/*
 * A ModRM memory operand with 32-bit addressing: mod and rm (reg is
 * filled in per instruction), an optional SIB, a displacement, and the
 * registers it uses.  None is a bare disp32 (%rip-relative in 64-bit
 * mode); "no base" goes through a SIB.
 */
struct amode {
	const char *name;
	uint8_t mod, rm;
	bool has_sib;
	uint8_t sib;
	uint8_t disp_size; /* 0, 1 or 4 */
	uint8_t base, index, scale;
};

#define SIB(scale_bits, index, base)                                           \
	(((scale_bits) << 6) | ((index) << 3) | (base))
#define SIB_NO_BASE 5

static const struct amode amodes[] = {
	{ "(%ebx)", 0, X86_EBX, false, 0, 0, X86_EBX, X86_REG_NONE, 1 },
	{ "(%edi)", 0, X86_EDI, false, 0, 0, X86_EDI, X86_REG_NONE, 1 },
	{ "d8(%esi)", 1, X86_ESI, false, 0, 1, X86_ESI, X86_REG_NONE, 1 },
	{ "d32(%ebp)", 2, X86_EBP, false, 0, 4, X86_EBP, X86_REG_NONE, 1 },
	{ "d8(%ebx,%edi,4)", 1, X86_ESP, true, SIB(2, X86_EDI, X86_EBX), 1,
	  X86_EBX, X86_EDI, 4 },
	{ "(%esi,%ebp,1)", 0, X86_ESP, true, SIB(0, X86_EBP, X86_ESI), 0,
	  X86_ESI, X86_EBP, 1 },
	{ "d32(,%edi,8)", 0, X86_ESP, true, SIB(3, X86_EDI, SIB_NO_BASE), 4,
	  X86_REG_NONE, X86_EDI, 8 },
};

#define PFX_LOCK 0xF0
#define PFX_OPSIZE 0x66
#define PFX_ADDRSIZE 0x67
#define PFX_REP 0xF3
#define PFX_REPNE 0xF2

/*
 * Append the ModRM memory operand am, with reg, to code at *n, and set
 * regs so that it addresses target; disp is chosen at random.
 */
static void
emit_operand(uint8_t *code, size_t *n, const struct amode *am, unsigned reg,
	     gva_t target, uint32_t *regs)
{
	uint32_t index = am->index == X86_REG_NONE ? 0 : rnd() % 64;
	int32_t disp = am->disp_size == 1 ? (int8_t)rnd()
		       : am->disp_size == 4 ? (int32_t)(rnd() % 0x2000) - 0x1000
					    : 0;

	code[(*n)++] = (am->mod << 6) | (reg << 3) | am->rm;
	if (am->has_sib)
		code[(*n)++] = am->sib;
	if (am->index != X86_REG_NONE)
		regs[am->index] = index;
	if (am->base == X86_REG_NONE)
		disp = (int32_t)(target - index * am->scale);
	else
		regs[am->base] = target - disp - index * am->scale;
	memcpy(code + *n, &disp, am->disp_size);
	*n += am->disp_size;
}

/* Append the low size bytes of v. */
static void
emit_imm(uint8_t *code, size_t *n, uint32_t v, unsigned size)
{
	memcpy(code + *n, &v, size);
	*n += size;
}

/* ---- The native suite ---- */

enum imm_kind { IMM_NONE, IMM_8, IMM_Z }; /* Z: 8, 16 or 32 by size */
enum reg_use {
	REG_ANY,    /* ModRM.reg: a random register, a source or both */
	REG_BITOFF, /* ModRM.reg: a register holding a bit offset */
	REG_FIXED   /* ModRM.reg extends the opcode: form.group */
};

/* One instruction form: opcode bytes and what follows them. */
struct form {
	const char *name;
	uint8_t opc[2];
	uint8_t nopc;
	uint8_t sizes; /* the operand sizes it has: ORed 1, 2, 4 */
	uint8_t reg_use;
	uint8_t group;
	uint8_t imm;
	bool lock; /* LOCK allowed: try it */
	uint32_t flag_mask;
};

/* The flags bt/bts/btr/btc define (SDM vol.2 BT: OF SF AF PF undefined). */
#define FL_BT_DEFINED (FL_CF | FL_ZF | FL_DF)

/* Operand sizes of a form: Eb/Gb/Ib byte forms, Ev/Gv/Iz 16 or 32. */
#define SIZES_B 1
#define SIZES_V (2 | 4)
static const struct form forms[] = {
	{ "mov Eb,Gb", { 0x88 }, 1, SIZES_B,
	  REG_ANY, 0, IMM_NONE, false, FL_TESTED },
	{ "mov Ev,Gv", { 0x89 }, 1, SIZES_V,
	  REG_ANY, 0, IMM_NONE, false, FL_TESTED },
	{ "mov Eb,Ib", { 0xC6 }, 1, SIZES_B,
	  REG_FIXED, 0, IMM_Z, false, FL_TESTED },
	{ "mov Ev,Iz", { 0xC7 }, 1, SIZES_V,
	  REG_FIXED, 0, IMM_Z, false, FL_TESTED },
	{ "inc Eb", { 0xFE }, 1, SIZES_B,
	  REG_FIXED, 0, IMM_NONE, true, FL_TESTED },
	{ "dec Eb", { 0xFE }, 1, SIZES_B,
	  REG_FIXED, 1, IMM_NONE, true, FL_TESTED },
	{ "inc Ev", { 0xFF }, 1, SIZES_V,
	  REG_FIXED, 0, IMM_NONE, true, FL_TESTED },
	{ "dec Ev", { 0xFF }, 1, SIZES_V,
	  REG_FIXED, 1, IMM_NONE, true, FL_TESTED },
	{ "not Eb", { 0xF6 }, 1, SIZES_B,
	  REG_FIXED, 2, IMM_NONE, true, FL_TESTED },
	{ "neg Eb", { 0xF6 }, 1, SIZES_B,
	  REG_FIXED, 3, IMM_NONE, true, FL_TESTED },
	{ "not Ev", { 0xF7 }, 1, SIZES_V,
	  REG_FIXED, 2, IMM_NONE, true, FL_TESTED },
	{ "neg Ev", { 0xF7 }, 1, SIZES_V,
	  REG_FIXED, 3, IMM_NONE, true, FL_TESTED },
	{ "xchg Eb,Gb", { 0x86 }, 1, SIZES_B,
	  REG_ANY, 0, IMM_NONE, true, FL_TESTED },
	{ "xchg Ev,Gv", { 0x87 }, 1, SIZES_V,
	  REG_ANY, 0, IMM_NONE, true, FL_TESTED },
	{ "cmpxchg Eb,Gb", { 0x0F, 0xB0 }, 2, SIZES_B,
	  REG_ANY, 0, IMM_NONE, true, FL_TESTED },
	{ "cmpxchg Ev,Gv", { 0x0F, 0xB1 }, 2, SIZES_V,
	  REG_ANY, 0, IMM_NONE, true, FL_TESTED },
	{ "xadd Eb,Gb", { 0x0F, 0xC0 }, 2, SIZES_B,
	  REG_ANY, 0, IMM_NONE, true, FL_TESTED },
	{ "xadd Ev,Gv", { 0x0F, 0xC1 }, 2, SIZES_V,
	  REG_ANY, 0, IMM_NONE, true, FL_TESTED },
	{ "mov Gb,Eb", { 0x8A }, 1, SIZES_B,
	  REG_ANY, 0, IMM_NONE, false, FL_TESTED },
	{ "mov Gv,Ev", { 0x8B }, 1, SIZES_V,
	  REG_ANY, 0, IMM_NONE, false, FL_TESTED },
	{ "test Eb,Gb", { 0x84 }, 1, SIZES_B,
	  REG_ANY, 0, IMM_NONE, false, FL_TESTED },
	{ "test Ev,Gv", { 0x85 }, 1, SIZES_V,
	  REG_ANY, 0, IMM_NONE, false, FL_TESTED },
	{ "test Eb,Ib", { 0xF6 }, 1, SIZES_B,
	  REG_FIXED, 0, IMM_Z, false, FL_TESTED },
	{ "test Ev,Iz", { 0xF7 }, 1, SIZES_V,
	  REG_FIXED, 0, IMM_Z, false, FL_TESTED },
	{ "test Eb,Ib (/1)", { 0xF6 }, 1, SIZES_B,
	  REG_FIXED, 1, IMM_Z, false, FL_TESTED },
	{ "movzx Gv,Eb", { 0x0F, 0xB6 }, 2, SIZES_V,
	  REG_ANY, 0, IMM_NONE, false, FL_TESTED },
	{ "movzx Gv,Ew", { 0x0F, 0xB7 }, 2, SIZES_V,
	  REG_ANY, 0, IMM_NONE, false, FL_TESTED },
	{ "movsx Gv,Eb", { 0x0F, 0xBE }, 2, SIZES_V,
	  REG_ANY, 0, IMM_NONE, false, FL_TESTED },
	{ "movsx Gv,Ew", { 0x0F, 0xBF }, 2, SIZES_V,
	  REG_ANY, 0, IMM_NONE, false, FL_TESTED },
	{ "bt Ev,Gv", { 0x0F, 0xA3 }, 2, SIZES_V,
	  REG_BITOFF, 0, IMM_NONE, false, FL_BT_DEFINED },
	{ "bts Ev,Gv", { 0x0F, 0xAB }, 2, SIZES_V,
	  REG_BITOFF, 0, IMM_NONE, true, FL_BT_DEFINED },
	{ "btr Ev,Gv", { 0x0F, 0xB3 }, 2, SIZES_V,
	  REG_BITOFF, 0, IMM_NONE, true, FL_BT_DEFINED },
	{ "btc Ev,Gv", { 0x0F, 0xBB }, 2, SIZES_V,
	  REG_BITOFF, 0, IMM_NONE, true, FL_BT_DEFINED },
	{ "bt Ev,Ib", { 0x0F, 0xBA }, 2, SIZES_V,
	  REG_FIXED, 4, IMM_8, false, FL_BT_DEFINED },
	{ "bts Ev,Ib", { 0x0F, 0xBA }, 2, SIZES_V,
	  REG_FIXED, 5, IMM_8, true, FL_BT_DEFINED },
	{ "btr Ev,Ib", { 0x0F, 0xBA }, 2, SIZES_V,
	  REG_FIXED, 6, IMM_8, true, FL_BT_DEFINED },
	{ "btc Ev,Ib", { 0x0F, 0xBA }, 2, SIZES_V,
	  REG_FIXED, 7, IMM_8, true, FL_BT_DEFINED },
};
/* The ALU operations as opcodes 00-3F and group 1 number them. */
static const char *const alu_names[8] = { "add", "or",	"adc", "sbb",
					  "and", "sub", "xor", "cmp" };
#define ALU_OP_CMP 7

/*
 * One random case of form f at size over addressing mode am: registers,
 * flags and the memory operand random, then run both ways.
 */
static bool
native_case(const struct form *f, unsigned size, const struct amode *am)
{
	uint8_t code[X86_MAX_INSN_LEN], native[X86_MAX_INSN_LEN];
	uint32_t regs[X86_NGPR];
	size_t n = 0, opc_at;
	unsigned reg;
	uint32_t mem_val = rnd_operand();
	gva_t target = guest_va() + 2 * PGSIZE + rnd() % (2 * PGSIZE);
	uint32_t eflags = rnd() & FL_ARITH;
	char what[80];

	for (int i = 0; i < X86_NGPR; i++)
		regs[i] = rnd_operand();
	if (f->reg_use == REG_FIXED) {
		reg = f->group;
	} else if (f->reg_use == REG_BITOFF) {
		/* A data register, not one the address uses. */
		reg = rnd() % 3; /* eax, ecx, edx */
		uint32_t off = (uint32_t)((int32_t)(rnd() % 1024) - 512);
		regs[reg] = size == 2 ? (rnd() << 16) | (off & 0xFFFF) : off;
	} else {
		do
			reg = rnd() % X86_NGPR;
		while (reg == X86_ESP && size != 1); /* not loaded natively */
	}

	if (f->lock && rnd() % 2)
		code[n++] = PFX_LOCK;
	if (size == 2)
		code[n++] = PFX_OPSIZE;
	opc_at = n;
	memcpy(code + n, f->opc, f->nopc);
	n += f->nopc;
	emit_operand(code, &n, am, reg, target, regs);
	if (f->imm == IMM_8)
		emit_imm(code, &n, rnd(), 1);
	else if (f->imm == IMM_Z)
		emit_imm(code, &n, rnd_operand(), size);

	randomize_memory();
	memcpy(mem_before + (target - guest_va()), &mem_val, 4);
	/* cmpxchg: make the comparison succeed half the time. */
	if (f->opc[1] == 0xB0 || f->opc[1] == 0xB1) {
		if (rnd() % 2)
			regs[X86_EAX] = mem_val;
	}
	snprintf(what, sizeof(what), "%s/%u %s", f->name, size * 8, am->name);
	/* 82 is #UD in 64-bit mode: the CPU runs its twin 80 instead. */
	memcpy(native, code, n);
	if (f->opc[0] == 0x82)
		native[opc_at] = 0x80;
	return check_against_native(code, n, native, regs, eflags,
				    f->flag_mask, what);
}

/* Every case of form f: each size it has, each addressing mode. */
static void
native_form(const struct form *f)
{
	for (unsigned size = 1; size <= 4; size *= 2) {
		if (!(f->sizes & size))
			continue;
		for (size_t a = 0; a < sizeof(amodes) / sizeof(amodes[0]); a++)
			for (int i = 0; i < NATIVE_ITERATIONS; i++)
				if (!native_case(f, size, &amodes[a]))
					return; /* one report per form */
	}
}

/* The ALU operations: 00-3B Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev, and 80-83. */
static void
test_native_alu(void)
{
	for (uint8_t op = 0; op < 8; op++) {
		char names[8][24];
		struct form fs[8] = {
			{ names[0], { op << 3 }, 1, SIZES_B, REG_ANY, 0,
			  IMM_NONE, false, FL_TESTED },
			{ names[1], { (op << 3) | 1 }, 1, SIZES_V, REG_ANY, 0,
			  IMM_NONE, false, FL_TESTED },
			{ names[2], { 0x80 }, 1, SIZES_B, REG_FIXED, op,
			  IMM_Z, false, FL_TESTED },
			{ names[3], { 0x81 }, 1, SIZES_V, REG_FIXED, op,
			  IMM_Z, false, FL_TESTED },
			{ names[4], { 0x82 }, 1, SIZES_B, REG_FIXED, op,
			  IMM_8, false, FL_TESTED },
			{ names[5], { 0x83 }, 1, SIZES_V, REG_FIXED, op,
			  IMM_8, false, FL_TESTED },
			{ names[6], { (op << 3) | 2 }, 1, SIZES_B, REG_ANY, 0,
			  IMM_NONE, false, FL_TESTED },
			{ names[7], { (op << 3) | 3 }, 1, SIZES_V, REG_ANY, 0,
			  IMM_NONE, false, FL_TESTED },
		};
		static const char *const shapes[8] = {
			"Eb,Gb", "Ev,Gv", "Eb,Ib (80)", "Ev,Iz (81)",
			"Eb,Ib (82)", "Ev,Ib (83)", "Gb,Eb", "Gv,Ev"
		};

		for (int i = 0; i < 8; i++) {
			snprintf(names[i], sizeof(names[i]), "%s %s",
				 alu_names[op], shapes[i]);
			/* cmp only reads; the register forms take no lock */
			fs[i].lock = op != ALU_OP_CMP && i < 6;
			native_form(&fs[i]);
		}
	}
}

static void
test_native_other(void)
{
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		native_form(&forms[i]);
}

/* setcc Eb (0F 90-9F) under random flags. */
static void
test_native_setcc(void)
{
	for (uint8_t cc = 0; cc < 16; cc++) {
		char name[16];
		struct form f = { name, { 0x0F, 0x90 | cc }, 2, SIZES_B,
				  REG_FIXED, 0, IMM_NONE, false, FL_TESTED };

		snprintf(name, sizeof(name), "set%x", cc);
		native_form(&f);
	}
}

/*
 * movs and stos at each size, with and without rep (F3 and F2), up and
 * down, with random counts and places.
 */
static void
test_native_string(void)
{
	static const uint8_t ops[] = { 0xA4, 0xA5, 0xAA, 0xAB };

	for (size_t o = 0; o < sizeof(ops); o++)
		for (int i = 0; i < 64; i++) {
			uint8_t code[4];
			size_t n = 0;
			uint32_t regs[X86_NGPR];
			bool byte = !(ops[o] & 1);
			bool word = !byte && rnd() % 2;
			uint32_t eflags = (rnd() & FL_ARITH) |
					  (rnd() % 2 ? FL_DF : 0);
			unsigned pfx = rnd() % 3;

			for (int r = 0; r < X86_NGPR; r++)
				regs[r] = rnd();
			if (pfx == 1)
				code[n++] = PFX_REP;
			else if (pfx == 2)
				code[n++] = PFX_REPNE;
			if (word)
				code[n++] = PFX_OPSIZE;
			code[n++] = ops[o];
			regs[X86_ECX] = rnd() % 600;
			/* Up to 2400 bytes either way stay in the block. */
			regs[X86_ESI] = guest_va() + PGSIZE +
					rnd() % (5 * PGSIZE);
			regs[X86_EDI] = guest_va() + 3 * PGSIZE +
					rnd() % PGSIZE;
			randomize_memory();
			if (!check_against_native(code, n, NULL, regs, eflags,
						  FL_TESTED, "string"))
				return;
		}
}

/* ---- The forms suite: what the shadow MMU depends on ---- */

/*
 * Emulate code (one instruction) over a fake memory at base holding
 * mem_before; registers and flags updated in place.
 */
static int
emulate(const uint8_t *code, size_t len, uint32_t *regs, uint32_t *eflags,
	struct fake_mem *m, struct wemu_write *w)
{
	struct x86_insn in;
	const struct wemu_mem mem = { m, fake_read, fake_write };

	if (!decode(code, len, &in, hex(code, len)))
		return 1;
	return wemu_execute(&in, regs, eflags, &mem, w);
}

/* Little-endian 32-bit value at guest_block offset off. */
static uint32_t
block32(size_t off)
{
	uint32_t v;

	memcpy(&v, guest_block + off, 4);
	return v;
}

/*
 * mov %eax, (%ebx) at an address 2 mod 4: one 4-byte write range that
 * covers the top half of one PTE and the bottom half of the next.
 */
static void
test_straddle(void)
{
	static const uint8_t code[] = { 0x89, 0x03 };
	struct fake_mem m = fake_at(guest_va());
	struct wemu_write w;
	uint32_t regs[X86_NGPR] = { 0 }, eflags = 0;
	gva_t pte0 = guest_va() + PGSIZE + 8 * 4;

	memset(guest_block, 0, GUEST_SIZE);
	regs[X86_EAX] = 0xAABBCCDD;
	regs[X86_EBX] = pte0 + 2;
	CHECK_RC(emulate(code, sizeof(code), regs, &eflags, &m, &w), WEMU_OK,
		 "rc");
	CHECK_EQ(w.va, pte0 + 2, "w.va");
	CHECK_EQ(w.len, 4, "w.len");
	CHECK_EQ(block32(pte0 - guest_va()), 0xCCDD0000, "first PTE");
	CHECK_EQ(block32(pte0 + 4 - guest_va()), 0x0000AABB, "second PTE");
	check_w_matches(&m, &w, "straddle");
}

/* lock cmpxchg %ecx, (%ebx): the compare fails, then succeeds. */
static void
test_cmpxchg(void)
{
	static const uint8_t code[] = { PFX_LOCK, 0x0F, 0xB1, 0x0B };
	struct fake_mem m = fake_at(guest_va());
	struct wemu_write w;
	uint32_t regs[X86_NGPR] = { 0 }, eflags = FL_ZF | FL_CF;
	size_t off = PGSIZE;
	uint32_t old = 0x00123007;

	memset(guest_block, 0, GUEST_SIZE);
	memcpy(guest_block + off, &old, 4);
	regs[X86_EAX] = 0x00123005;
	regs[X86_ECX] = 0x00456007;
	regs[X86_EBX] = guest_va() + off;

	/* Fails: no write at all, ZF clear, EAX loaded with the old PTE. */
	CHECK_RC(emulate(code, sizeof(code), regs, &eflags, &m, &w), WEMU_OK,
		 "rc");
	CHECK_EQ(m.nwrites, 0, "writes of a failed cmpxchg");
	CHECK_EQ(w.len, 0, "w.len of a failed cmpxchg");
	CHECK(!(eflags & FL_ZF), "ZF set after a failed cmpxchg");
	/* 0x00123005 - 0x00123007 borrows: CF set, SF set. */
	CHECK((eflags & (FL_CF | FL_SF)) == (FL_CF | FL_SF),
	      "flags %#x: CF and SF should be set as by cmp", eflags);
	CHECK_EQ(regs[X86_EAX], old, "EAX");
	CHECK_EQ(block32(off), old, "memory");

	/* Now EAX holds the old value: the compare succeeds. */
	CHECK_RC(emulate(code, sizeof(code), regs, &eflags, &m, &w), WEMU_OK,
		 "rc");
	CHECK(eflags & FL_ZF, "ZF clear after a successful cmpxchg");
	CHECK_EQ(block32(off), 0x00456007, "memory");
	CHECK_EQ(w.va, guest_va() + off, "w.va");
	CHECK_EQ(w.len, 4, "w.len");
	CHECK_EQ(regs[X86_EAX], old, "EAX");
}

/*
 * bts %eax, (%ebx) with offsets past bit 31 and negative: the operand
 * moves by whole dwords (words for 16 bits), the bit is the rest.
 */
static void
test_bit_offsets(void)
{
	static const struct {
		bool word;
		uint32_t eax;
		int32_t moved; /* bytes from (%ebx) */
		unsigned bit;
	} cases[] = {
		{ false, 5, 0, 5 },
		{ false, 100, 12, 4 },
		{ false, (uint32_t)-1, -4, 31 },
		{ false, (uint32_t)-32, -4, 0 },
		{ false, (uint32_t)-33, -8, 31 },
		{ true, 17, 2, 1 },
		{ true, 0xFFFF, -2, 15 },	  /* -1 in 16 bits */
		{ true, 0x12340010, 2, 0 },   /* the high half ignored */
		{ true, 0xABCD8000, -4096, 0 }, /* -32768 bits */
	};
	size_t base = 2 * PGSIZE;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t code[4];
		size_t n = 0;
		struct fake_mem m = fake_at(guest_va());
		struct wemu_write w;
		uint32_t regs[X86_NGPR] = { 0 }, eflags = 0;
		unsigned size = cases[i].word ? 2 : 4;
		char what[48];

		if (cases[i].word)
			code[n++] = PFX_OPSIZE;
		code[n++] = 0x0F;
		code[n++] = 0xAB;
		code[n++] = 0x03;
		memset(guest_block, 0, GUEST_SIZE);
		regs[X86_EAX] = cases[i].eax;
		regs[X86_EBX] = guest_va() + base;
		snprintf(what, sizeof(what), "bts/%u offset %#x", size * 8,
			 cases[i].eax);
		CHECK_RC(emulate(code, n, regs, &eflags, &m, &w), WEMU_OK,
			 what);
		CHECK(w.va == guest_va() + base + cases[i].moved &&
			      w.len == size,
		      "%s: wrote %#x+%u, want (%%ebx)%+d, %u bytes", what,
		      w.va, w.len, cases[i].moved, size);
		CHECK(!(eflags & FL_CF), "%s: CF set for a clear bit", what);
		uint32_t got = 0;
		memcpy(&got, guest_block + base + cases[i].moved, size);
		CHECK_EQ(got, 1u << cases[i].bit, what);

		/* The same again, natively. */
		memset(mem_before, 0, GUEST_SIZE);
		regs[X86_EAX] = cases[i].eax;
		regs[X86_EBX] = guest_va() + base;
		check_against_native(code, n, NULL, regs, FL_CF, FL_BT_DEFINED,
				     what);
	}
}

/*
 * rep stosl over a whole page, as a guest clears a new page table,
 * forward and backward: one 4 KiB range, and the CPU's registers.
 */
static void
test_rep_stos_page(void)
{
	static const uint8_t code[] = { PFX_REP, 0xAB };

	for (int down = 0; down <= 1; down++) {
		struct fake_mem m = fake_at(guest_va());
		struct wemu_write w;
		uint32_t regs[X86_NGPR] = { 0 };
		uint32_t eflags = down ? FL_DF : 0;
		gva_t page = guest_va() + 2 * PGSIZE;
		const char *what = down ? "rep stosl, DF=1" : "rep stosl, DF=0";

		memset(guest_block, 0x5A, GUEST_SIZE);
		regs[X86_EAX] = 0x00000007;
		regs[X86_ECX] = NPTENTRIES;
		regs[X86_EDI] = down ? page + PGSIZE - 4 : page;
		CHECK_RC(emulate(code, sizeof(code), regs, &eflags, &m, &w),
			 WEMU_OK, what);
		CHECK(w.va == page && w.len == PGSIZE,
		      "%s: w %#x+%u, want the page %#x", what, w.va, w.len,
		      page);
		CHECK_EQ(regs[X86_ECX], 0, what);
		CHECK_EQ(regs[X86_EDI], down ? page - 4 : page + PGSIZE, what);
		CHECK_EQ(m.nwrites, NPTENTRIES, what);
		for (size_t i = 0; i < NPTENTRIES; i++)
			if (!CHECK_EQ(block32(page - guest_va() + 4 * i), 7,
				      what))
				break;
		CHECK_EQ(guest_block[page - guest_va() - 1], 0x5A, what);
		CHECK_EQ(guest_block[page - guest_va() + PGSIZE], 0x5A, what);
		check_w_matches(&m, &w, what);

		/* And natively. */
		memset(mem_before, 0x5A, GUEST_SIZE);
		regs[X86_ECX] = NPTENTRIES;
		regs[X86_EDI] = down ? page + PGSIZE - 4 : page;
		check_against_native(code, sizeof(code), NULL, regs, eflags,
				     FL_TESTED, what);
	}
}

/* rep movsl copying a page of PTEs, as fork copies a page table. */
static void
test_rep_movs_page(void)
{
	static const uint8_t code[] = { PFX_REP, 0xA5 };
	struct fake_mem m = fake_at(guest_va());
	struct wemu_write w;
	uint32_t regs[X86_NGPR] = { 0 }, eflags = 0;
	gva_t src = guest_va() + PGSIZE, dst = guest_va() + 4 * PGSIZE;

	randomize_memory();
	memcpy(guest_block, mem_before, GUEST_SIZE);
	regs[X86_ECX] = NPTENTRIES;
	regs[X86_ESI] = src;
	regs[X86_EDI] = dst;
	CHECK_RC(emulate(code, sizeof(code), regs, &eflags, &m, &w), WEMU_OK,
		 "rep movsl");
	CHECK(w.va == dst && w.len == PGSIZE, "rep movsl: w %#x+%u", w.va,
	      w.len);
	CHECK(memcmp(guest_block + (dst - guest_va()),
		     mem_before + (src - guest_va()), PGSIZE) == 0,
	      "rep movsl: the page was not copied");
	CHECK(regs[X86_ESI] == src + PGSIZE && regs[X86_EDI] == dst + PGSIZE &&
		      regs[X86_ECX] == 0,
	      "rep movsl: esi %#x edi %#x ecx %#x", regs[X86_ESI],
	      regs[X86_EDI], regs[X86_ECX]);
	check_w_matches(&m, &w, "rep movsl");

	/* Overlapping, bytes, backward: exactly as the CPU does it. */
	static const uint8_t code_b[] = { PFX_REP, 0xA4 };
	regs[X86_ECX] = 1000;
	regs[X86_ESI] = src + 1500;
	regs[X86_EDI] = src + 1510;
	check_against_native(code_b, sizeof(code_b), NULL, regs, FL_DF,
			     FL_TESTED, "rep movsb overlapping, DF=1");
	/* Words, forward, 16-bit count in CX with the operand-size prefix. */
	static const uint8_t code_w[] = { PFX_REP, PFX_OPSIZE, 0xA5 };
	regs[X86_ECX] = 333;
	regs[X86_ESI] = src + 3;
	regs[X86_EDI] = dst + 1;
	check_against_native(code_w, sizeof(code_w), NULL, regs, 0, FL_TESTED,
			     "rep movsw");
}

/* A rep with a zero count does nothing; so does cmp, which only reads. */
static void
test_no_write(void)
{
	static const uint8_t rep0[] = { PFX_REP, 0xAB };
	static const uint8_t cmp[] = { 0x39, 0x03 };  /* cmp %eax,(%ebx) */
	static const uint8_t cmpi[] = { 0x83, 0x3B, 0x07 }; /* cmpl $7,(%ebx) */
	static const uint8_t bt[] = { 0x0F, 0xA3, 0x03 };   /* bt %eax,(%ebx) */
	const uint8_t *codes[] = { rep0, cmp, cmpi, bt };
	const size_t lens[] = { sizeof(rep0), sizeof(cmp), sizeof(cmpi),
				sizeof(bt) };

	for (size_t i = 0; i < 4; i++) {
		struct fake_mem m = fake_at(guest_va());
		struct wemu_write w;
		uint32_t regs[X86_NGPR] = { 0 }, eflags = 0;

		memset(guest_block, 0, GUEST_SIZE);
		regs[X86_EBX] = regs[X86_EDI] = guest_va() + PGSIZE;
		regs[X86_EAX] = 7;
		CHECK_RC(emulate(codes[i], lens[i], regs, &eflags, &m, &w),
			 WEMU_OK, hex(codes[i], lens[i]));
		CHECK(m.nwrites == 0 && w.len == 0, "%s: %u writes, w.len %u",
		      hex(codes[i], lens[i]), m.nwrites, w.len);
	}
}

/*
 * Flags worked out from the SDM, not from the CPU: a check on the
 * emulator and on the native runner both.  Each case runs on (%ebx).
 */
static void
test_flags_by_hand(void)
{
	static const struct {
		const char *name;
		uint8_t code[8];
		uint8_t len;
		uint32_t mem, eflags_in;
		uint32_t want_mem, want_flags; /* of FL_ARITH */
		uint32_t undefined;	       /* flags the SDM leaves open */
	} cases[] = {
		/* 0xFFFFFFFF + 1 = 0: a carry out of every bit. */
		{ "addl $1", { 0x83, 0x03, 0x01 }, 3, 0xFFFFFFFF, 0, 0,
		  FL_CF | FL_PF | FL_AF | FL_ZF, 0 },
		/* 0x80 - 1 = 0x7F: signed overflow, a borrow from bit 4;
		   seven 1 bits, so PF clear. */
		{ "subb $1", { 0x80, 0x2B, 0x01 }, 3, 0x80, 0, 0x7F,
		  FL_OF | FL_AF, 0 },
		/* 0x7FFF + 1 = 0x8000; inc keeps CF (set here). */
		{ "incw", { 0x66, 0xFF, 0x03 }, 3, 0x7FFF, FL_CF, 0x8000,
		  FL_CF | FL_OF | FL_SF | FL_AF | FL_PF, 0 },
		/* neg clears CF only for a zero operand. */
		{ "negl 0", { 0xF7, 0x1B }, 2, 0, FL_CF, 0, FL_ZF | FL_PF, 0 },
		{ "negl 1", { 0xF7, 0x1B }, 2, 1, 0, 0xFFFFFFFF,
		  FL_CF | FL_SF | FL_AF | FL_PF, 0 },
		/* 0xFF + 0 + CF = 0x100. */
		{ "adcb $0", { 0x80, 0x13, 0x00 }, 3, 0xFF, FL_CF, 0,
		  FL_CF | FL_ZF | FL_AF | FL_PF, 0 },
		/* or clears CF and OF; 0x80000001 has one bit in its low
		   byte: PF clear.  AF is undefined. */
		{ "orl $0x80000000", { 0x81, 0x0B, 0, 0, 0, 0x80 }, 6, 1,
		  FL_CF | FL_OF, 0x80000001, FL_SF, FL_AF },
		/* not touches no flag. */
		{ "notw", { 0x66, 0xF7, 0x13 }, 3, 0x0F0F, FL_OF | FL_ZF,
		  0xF0F0, FL_OF | FL_ZF, 0 },
		/* btr: CF is the old bit; the others but ZF undefined. */
		{ "btrl $33", { 0x0F, 0xBA, 0x33, 33 }, 4, 0xFFFFFFFF, 0,
		  0xFFFFFFFD, FL_CF, FL_OF | FL_SF | FL_AF | FL_PF },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_mem m = fake_at(guest_va());
		struct wemu_write w;
		uint32_t regs[X86_NGPR] = { 0 };
		uint32_t eflags = cases[i].eflags_in;
		uint32_t tested = FL_ARITH & ~cases[i].undefined;

		memset(guest_block, 0, GUEST_SIZE);
		memcpy(guest_block + PGSIZE, &cases[i].mem, 4);
		regs[X86_EBX] = guest_va() + PGSIZE;
		CHECK_RC(emulate(cases[i].code, cases[i].len, regs, &eflags,
				 &m, &w),
			 WEMU_OK, cases[i].name);
		CHECK_EQ(block32(PGSIZE), cases[i].want_mem, cases[i].name);
		CHECK((eflags & tested) == cases[i].want_flags,
		      "%s: flags %#x, want %#x", cases[i].name,
		      eflags & tested, cases[i].want_flags);
	}
}

/* mov moffs, AL/AX/EAX (A2, A3, 66 A3), 32- and 16-bit addresses. */
static void
test_moffs(void)
{
	struct fake_mem m = fake_at(0);
	struct wemu_write w;
	uint32_t regs[X86_NGPR] = { 0 }, eflags = 0;
	uint8_t code[8];
	size_t n;

	memset(guest_block, 0, GUEST_SIZE);
	regs[X86_EAX] = 0x11223344;

	n = 0;
	code[n++] = 0xA3;
	emit_imm(code, &n, 0x1002, 4);
	CHECK_RC(emulate(code, n, regs, &eflags, &m, &w), WEMU_OK, "A3");
	CHECK(w.va == 0x1002 && w.len == 4, "A3: w %#x+%u", w.va, w.len);
	CHECK_EQ(block32(0x1000), 0x33440000, "A3 low");
	CHECK_EQ(block32(0x1004), 0x00001122, "A3 high");

	n = 0;
	code[n++] = 0xA2;
	emit_imm(code, &n, 0x2000, 4);
	CHECK_RC(emulate(code, n, regs, &eflags, &m, &w), WEMU_OK, "A2");
	CHECK(w.va == 0x2000 && w.len == 1 && block32(0x2000) == 0x44,
	      "A2: w %#x+%u, memory %#x", w.va, w.len, block32(0x2000));

	n = 0;
	code[n++] = PFX_OPSIZE;
	code[n++] = PFX_ADDRSIZE;
	code[n++] = 0xA3;
	emit_imm(code, &n, 0x3000, 2);
	CHECK_RC(emulate(code, n, regs, &eflags, &m, &w), WEMU_OK, "66 67 A3");
	CHECK(w.va == 0x3000 && w.len == 2 && block32(0x3000) == 0x3344,
	      "66 67 A3: w %#x+%u, memory %#x", w.va, w.len,
	      block32(0x3000));
	CHECK_EQ(regs[X86_EAX], 0x11223344, "EAX");
}

/*
 * 16-bit addressing (67): (%bx,%si), d8(%bp,%di), d16 alone, and an
 * offset that wraps at 64 KiB; the high halves of the registers do not
 * count.  The fake memory starts at guest-virtual 0.
 */
static void
test_addr16(void)
{
	static const struct {
		const char *name;
		uint8_t code[8];
		uint8_t len;
		uint32_t ebx, ebp, esi, edi;
		gva_t va;
		unsigned size;
	} cases[] = {
		/* 67 89 00: mov %eax, (%bx,%si) */
		{ "(%bx,%si)", { 0x67, 0x89, 0x00 }, 3, 0xABCD1000, 0,
		  0x12340020, 0, 0x1020, 4 },
		/* 67 66 C7 43 04 imm16: movw $imm, 4(%bp,%di) */
		{ "4(%bp,%di)", { 0x67, 0x66, 0xC7, 0x43, 0x04, 0x34, 0x12 },
		  7, 0, 0x2000, 0, 0x0100, 0x2104, 2 },
		/* 67 88 26 d16: mov %ah, 0x3456 */
		{ "d16", { 0x67, 0x88, 0x26, 0x56, 0x34 }, 5, 0, 0, 0, 0,
		  0x3456, 1 },
		/* 67 01 00: add %eax, (%bx,%si), wrapping to 0x10 */
		{ "wrap", { 0x67, 0x01, 0x00 }, 3, 0xFFF0, 0, 0x20, 0, 0x0010,
		  4 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_mem m = fake_at(0);
		struct wemu_write w;
		uint32_t regs[X86_NGPR] = { 0 }, eflags = 0;

		memset(guest_block, 0, GUEST_SIZE);
		regs[X86_EAX] = 0x11223344;
		regs[X86_EBX] = cases[i].ebx;
		regs[X86_EBP] = cases[i].ebp;
		regs[X86_ESI] = cases[i].esi;
		regs[X86_EDI] = cases[i].edi;
		CHECK_RC(emulate(cases[i].code, cases[i].len, regs, &eflags,
				 &m, &w),
			 WEMU_OK, cases[i].name);
		CHECK(w.va == cases[i].va && w.len == cases[i].size,
		      "%s: w %#x+%u, want %#x+%u", cases[i].name, w.va, w.len,
		      cases[i].va, cases[i].size);
		uint32_t got = 0, want = cases[i].size == 4 ? 0x11223344
					: cases[i].size == 2 ? 0x1234
							     : 0x33; /* %ah */
		memcpy(&got, guest_block + cases[i].va, cases[i].size);
		CHECK(got == want, "%s: memory %#x, want %#x", cases[i].name,
		      got, want);
	}

	/* 67 F3 AB: rep stosl with DI/CX; a run that wraps is refused. */
	static const uint8_t rep16[] = { PFX_ADDRSIZE, PFX_REP, 0xAB };
	struct fake_mem m = fake_at(0);
	struct wemu_write w;
	uint32_t regs[X86_NGPR] = { 0 }, eflags = 0;

	regs[X86_ECX] = 0xABCD0004;
	regs[X86_EDI] = 0x55550100;
	CHECK_RC(emulate(rep16, sizeof(rep16), regs, &eflags, &m, &w), WEMU_OK,
		 "67 rep stosl");
	CHECK(w.va == 0x100 && w.len == 16, "67 rep stosl: w %#x+%u", w.va,
	      w.len);
	CHECK(regs[X86_ECX] == 0xABCD0000 && regs[X86_EDI] == 0x55550110,
	      "67 rep stosl: ecx %#x edi %#x", regs[X86_ECX], regs[X86_EDI]);
	regs[X86_ECX] = 8;
	regs[X86_EDI] = 0xFFF0;
	m = fake_at(0);
	CHECK_RC(emulate(rep16, sizeof(rep16), regs, &eflags, &m, &w),
		 WEMU_UNSUPPORTED, "67 rep stosl wrapping at 64 KiB");
	CHECK(m.nwrites == 0 && regs[X86_ECX] == 8, "refused, yet ran");
}

/* ---- The faults suite ---- */

/*
 * An instruction whose read or write faults: WEMU_FAULT, with every
 * register, flag and byte as before.
 */
static void
test_fault_whole(void)
{
	static const struct {
		const char *name;
		uint8_t code[4];
		uint8_t len;
		bool read_fault;
	} cases[] = {
		{ "add read fault", { 0x01, 0x03 }, 2, true },
		{ "xchg write fault", { 0x87, 0x03 }, 2, false },
		{ "xadd write fault", { 0x0F, 0xC1, 0x03 }, 3, false },
		{ "cmpxchg write fault", { 0x0F, 0xB1, 0x03 }, 3, false },
		{ "mov write fault", { 0x89, 0x03 }, 2, false },
		{ "inc read fault", { 0xFF, 0x03 }, 2, true },
		{ "bts read fault", { 0x0F, 0xAB, 0x0B }, 3, true },
		{ "stosb write fault", { 0xAA }, 1, false },
		{ "movsl read fault", { 0xA5 }, 1, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_mem m = fake_at(guest_va());
		struct wemu_write w;
		uint32_t regs[X86_NGPR], saved[X86_NGPR];
		uint32_t eflags = FL_ZF | FL_CF, flags_in = eflags;
		gva_t bad = guest_va() + 3 * PGSIZE;
		struct range page = { bad, bad + PGSIZE };

		randomize_memory();
		memcpy(guest_block, mem_before, GUEST_SIZE);
		for (int r = 0; r < X86_NGPR; r++)
			regs[r] = rnd();
		/* cmpxchg: the compare succeeds, so it writes. */
		regs[X86_EAX] = block32(bad + 8 - guest_va());
		regs[X86_ECX] = 5; /* bts: bit 5 of (%ebx) */
		regs[X86_EBX] = regs[X86_EDI] = regs[X86_ESI] = bad + 8;
		if (cases[i].read_fault)
			m.noread = page;
		else
			m.nowrite = page;
		memcpy(saved, regs, sizeof(saved));
		CHECK_RC(emulate(cases[i].code, cases[i].len, regs, &eflags,
				 &m, &w),
			 WEMU_FAULT, cases[i].name);
		CHECK(memcmp(regs, saved, sizeof(saved)) == 0,
		      "%s: registers changed", cases[i].name);
		CHECK_EQ(eflags, flags_in, cases[i].name);
		CHECK(memcmp(guest_block, mem_before, GUEST_SIZE) == 0,
		      "%s: memory changed", cases[i].name);
		CHECK(w.len == 0, "%s: w.len %u", cases[i].name, w.len);
		CHECK(m.fault_va == bad + 8 &&
			      m.fault_was_write == !cases[i].read_fault,
		      "%s: the fault was at %#x (%s)", cases[i].name,
		      m.fault_va, m.fault_was_write ? "write" : "read");
	}
}

/*
 * A rep string instruction that faults in the middle: the completed
 * iterations stay done, with ECX/ESI/EDI as the CPU leaves them, and w
 * covers them.
 */
static void
test_fault_rep(void)
{
	gva_t bad = guest_va() + 4 * PGSIZE;

	/* rep stosl up to 8 dwords before a write-protected page. */
	{
		static const uint8_t code[] = { PFX_REP, 0xAB };
		struct fake_mem m = fake_at(guest_va());
		struct wemu_write w;
		uint32_t regs[X86_NGPR] = { 0 }, eflags = 0;

		m.nowrite = (struct range){ bad, bad + PGSIZE };
		regs[X86_ECX] = 100;
		regs[X86_EDI] = bad - 32;
		CHECK_RC(emulate(code, sizeof(code), regs, &eflags, &m, &w),
			 WEMU_FAULT, "rep stosl");
		CHECK(regs[X86_ECX] == 92 && regs[X86_EDI] == bad,
		      "rep stosl: ecx %u edi %#x", regs[X86_ECX],
		      regs[X86_EDI]);
		CHECK(w.va == bad - 32 && w.len == 32, "rep stosl: w %#x+%u",
		      w.va, w.len);
		check_w_matches(&m, &w, "rep stosl fault");
	}
	/* rep stosw downward into it, from 5 words above its end. */
	{
		static const uint8_t code[] = { PFX_REP, PFX_OPSIZE, 0xAB };
		struct fake_mem m = fake_at(guest_va());
		struct wemu_write w;
		uint32_t regs[X86_NGPR] = { 0 }, eflags = FL_DF;
		gva_t end = bad + PGSIZE;

		m.nowrite = (struct range){ bad, end };
		regs[X86_ECX] = 50;
		regs[X86_EDI] = end + 8; /* words at +8 +6 +4 +2 +0 */
		CHECK_RC(emulate(code, sizeof(code), regs, &eflags, &m, &w),
			 WEMU_FAULT, "rep stosw down");
		CHECK(regs[X86_ECX] == 45 && regs[X86_EDI] == end - 2,
		      "rep stosw down: ecx %u edi %#x", regs[X86_ECX],
		      regs[X86_EDI]);
		CHECK(w.va == end && w.len == 10, "rep stosw down: w %#x+%u",
		      w.va, w.len);
		check_w_matches(&m, &w, "rep stosw down");
		CHECK_EQ(eflags, FL_DF, "eflags");
	}
	/* rep movsb whose source runs into an unreadable page. */
	{
		static const uint8_t code[] = { PFX_REP, 0xA4 };
		struct fake_mem m = fake_at(guest_va());
		struct wemu_write w;
		uint32_t regs[X86_NGPR] = { 0 }, eflags = 0;

		m.noread = (struct range){ bad, bad + PGSIZE };
		regs[X86_ECX] = 20;
		regs[X86_ESI] = bad - 5;
		regs[X86_EDI] = guest_va() + PGSIZE;
		CHECK_RC(emulate(code, sizeof(code), regs, &eflags, &m, &w),
			 WEMU_FAULT, "rep movsb");
		CHECK(regs[X86_ECX] == 15 && regs[X86_ESI] == bad &&
			      regs[X86_EDI] == guest_va() + PGSIZE + 5,
		      "rep movsb: ecx %u esi %#x edi %#x", regs[X86_ECX],
		      regs[X86_ESI], regs[X86_EDI]);
		CHECK(w.va == guest_va() + PGSIZE && w.len == 5,
		      "rep movsb: w %#x+%u", w.va, w.len);
		CHECK(m.fault_va == bad && !m.fault_was_write,
		      "rep movsb: fault at %#x", m.fault_va);
	}
}

/* ---- The refused suite ---- */

/*
 * Forms the emulator does not know: WEMU_UNSUPPORTED before touching
 * anything, memory or registers.
 */
static void
test_unsupported(void)
{
	static const struct {
		const char *name;
		uint8_t code[8];
		uint8_t len;
	} cases[] = {
		{ "push %eax", { 0x50 }, 1 },
		{ "push (%ebx)", { 0xFF, 0x33 }, 2 },
		{ "pop (%ebx)", { 0x8F, 0x03 }, 2 },
		{ "call rel32", { 0xE8, 0, 0, 0, 0 }, 5 },
		{ "call *(%ebx)", { 0xFF, 0x13 }, 2 },
		{ "jmp *(%ebx)", { 0xFF, 0x23 }, 2 },
		{ "add %eax, %ebx", { 0x01, 0xC3 }, 2 },
		{ "add %ebx, %eax", { 0x03, 0xC3 }, 2 },
		{ "mov %ebx, %eax", { 0x8B, 0xC3 }, 2 },
		{ "movzbl %bl, %eax", { 0x0F, 0xB6, 0xC3 }, 3 },
		{ "bts %eax, %ebx", { 0x0F, 0xAB, 0xC3 }, 3 },
		{ "sete %al", { 0x0F, 0x94, 0xC0 }, 3 },
		{ "mull (%ebx)", { 0xF7, 0x23 }, 2 },
		{ "shll (%ebx)", { 0xD1, 0x23 }, 2 },
		{ "rep cmpsl", { PFX_REP, 0xA7 }, 2 },
		{ "rep insl", { PFX_REP, 0x6D }, 2 },
		{ "cpuid", { 0x0F, 0xA2 }, 2 },
		{ "movnti", { 0x0F, 0xC3, 0x03 }, 3 },
		{ "cmpxchg8b", { 0x0F, 0xC7, 0x0B }, 3 },
		{ "vmovd %xmm0, (%ebx)", { 0xC5, 0xF9, 0x7E, 0x03 }, 4 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_mem m = fake_at(guest_va());
		struct wemu_write w = { 1, 1 };
		uint32_t regs[X86_NGPR], saved[X86_NGPR];
		uint32_t eflags = FL_CF | FL_SF;

		for (int r = 0; r < X86_NGPR; r++)
			regs[r] = saved[r] = guest_va() + PGSIZE;
		CHECK_RC(emulate(cases[i].code, cases[i].len, regs, &eflags,
				 &m, &w),
			 WEMU_UNSUPPORTED, cases[i].name);
		CHECK(m.nreads == 0 && m.nwrites == 0 && w.len == 0,
		      "%s: %u reads, %u writes, w.len %u", cases[i].name,
		      m.nreads, m.nwrites, w.len);
		CHECK(memcmp(regs, saved, sizeof(saved)) == 0 &&
			      eflags == (FL_CF | FL_SF),
		      "%s: state changed", cases[i].name);
	}
}

/*
 * A rep run that would wrap around the 4 GiB address space is refused
 * whole (it cannot be one write range), up or down.
 */
static void
test_unsupported_wrap(void)
{
	static const uint8_t code[] = { PFX_REP, 0xAB };
	static const struct {
		uint32_t edi, ecx, eflags;
	} cases[] = {
		{ 8, 100, FL_DF },	 /* down past 0 */
		{ 0xFFFFFF00, 0x41, 0 }, /* up past 4 GiB */
		{ 0, 0x40000000, 0 },	 /* all 4 GiB */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_mem m = fake_at(guest_va());
		struct wemu_write w;
		uint32_t regs[X86_NGPR] = { 0 }, eflags = cases[i].eflags;

		regs[X86_EDI] = cases[i].edi;
		regs[X86_ECX] = cases[i].ecx;
		CHECK_RC(emulate(code, sizeof(code), regs, &eflags, &m, &w),
			 WEMU_UNSUPPORTED, "rep stosl wrapping");
		CHECK(m.nwrites == 0 && regs[X86_ECX] == cases[i].ecx &&
			      regs[X86_EDI] == cases[i].edi,
		      "rep stosl wrapping from %#x: refused, yet ran",
		      cases[i].edi);
	}
}

/* ---- Runner ---- */

static const struct test_case tests[] = {
	{ "native", "ALU r/m,r and r/m,imm", test_native_alu },
	{ "native", "mov inc dec not neg xchg cmpxchg xadd bt*",
	  test_native_other },
	{ "native", "setcc", test_native_setcc },
	{ "native", "movs stos rep", test_native_string },
	{ "forms", "flags by hand", test_flags_by_hand },
	{ "forms", "write straddling two PTEs", test_straddle },
	{ "forms", "cmpxchg fails, then succeeds", test_cmpxchg },
	{ "forms", "bit offsets outside the operand", test_bit_offsets },
	{ "forms", "rep stosl over a page", test_rep_stos_page },
	{ "forms", "rep movs", test_rep_movs_page },
	{ "forms", "no write: cmp, bt, rep with ECX 0", test_no_write },
	{ "forms", "moffs", test_moffs },
	{ "forms", "16-bit addressing", test_addr16 },
	{ "faults", "whole instruction", test_fault_whole },
	{ "faults", "in the middle of a rep", test_fault_rep },
	{ "refused", "unsupported forms", test_unsupported },
	{ "refused", "rep runs that wrap", test_unsupported_wrap },
};

int
main(void)
{
	guest_block = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	code_page = mmap(NULL, PGSIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guest_block == MAP_FAILED || code_page == MAP_FAILED) {
		perror("wemu_test: mmap");
		return 1;
	}
	return test_table_run("wemu_test", tests, sizeof(tests) / sizeof(tests[0]),
			      NULL);
}
