/*
 * test=kcrashme[:ROUNDS[:SEED]]: crashme in kernel mode.  Each round
 * writes a few dozen random instructions into a code page, runs them at
 * CPL 0 with random registers and flags, and records how the round
 * ended: by reaching the return path at the end of the code, or by an
 * exception (the probe's recovery path catches any vector).  Natively the
 * CPU decides every outcome; a monitor must reproduce them, and a binary
 * translator, which decodes and rewrites this code, finds in it the
 * instructions and encodings it forgot.
 *
 * Unlike user/crashme, whose random bytes can do nothing worse than kill
 * their process, random bytes at CPL 0 could halt the machine, turn it
 * off, reprogram the PIC or PIT, load new descriptor tables, page tables
 * or control registers, or scribble on the kernel.  So the bytes are not
 * raw: the generator assembles random instructions from a safe subset of
 * the i386 instruction set, with random opcodes from that subset, random
 * ModRM, SIB, immediates and prefixes, under these rules:
 *
 *  - Every memory operand is an absolute address (ModRM mod 00, r/m 101,
 *    or a SIB with no base and no index) inside a scratch page, so
 *    writes cannot reach the kernel.  A register base or index would be
 *    a random pointer.  The address-size prefix (67) is left out for the
 *    same reason.  The stack is the only other memory touched: the code
 *    runs on a stack of its own, with room for every push and pop a
 *    round can make.
 *  - No instruction writes %esp other than by push and pop: register
 *    number 4 never appears in a ModRM field that names a 16- or 32-bit
 *    register, and inc/dec/pop/xchg/mov/bswap of %esp, leave and enter
 *    are left out.
 *  - Control flow goes only forward, and only to the first byte of a
 *    later instruction or to the return path: jcc, jmp, call (rel8 and
 *    rel32), loop/loopz/loopnz/jecxz, and jmp/call through a slot of a
 *    table (kc_targets) the code cannot write.  So every round ends, and
 *    the processor never decodes the middle of an instruction.  ret,
 *    retf, iret, far jmp and call, and jmp/call through a register are
 *    left out: they would go to a random address.
 *  - Left out as dangerous to the kernel or the machine: hlt (with
 *    interrupts off it never wakes), cli and sti (sti would let
 *    interrupts push frames into the code's stack at random times), in,
 *    out, ins, outs (port 0xf4 powers off; the PIC and PIT ports), lgdt,
 *    lidt, lldt, ltr, lmsw, clts, mov to or from a control or debug
 *    register, invlpg, invd, wbinvd, wrmsr, rdmsr, mov or pop to %ss (a
 *    bad stack would take down the trap handler), string instructions
 *    and xlat (their pointers are registers), int n with a vector
 *    whose entry expects an error code (8, 10-14, 17: the CPU would not
 *    push one and the trap frame would be misread) or that is an IRQ or
 *    the system call, bt/bts/btr/btc with a register bit offset on
 *    memory (it can address far outside the operand).
 *  - Left out because the result depends on time or on the host: rdtsc,
 *    rdtscp, rdpmc, cpuid; and x87, MMX and SSE, whose state the kernel
 *    neither initialises nor saves.  The undocumented aliases (82, salc,
 *    F6/F7 /1, shifts /6) are left out as well; what is left that the
 *    manual calls undefined (flags after mul, shifts, bsf of 0...) is
 *    what this CPU does, the same in every run.
 *  - Left out because QEMU 7.2's TCG, the grading CPU, gets them wrong:
 *    cmpxchg8b (after a 16-bit byte op it computes EFLAGS from stale
 *    condition codes, and the next exception pushes reserved bits and VM,
 *    so the handler's iret drops into virtual-8086 mode), and lock on
 *    bt/bts/btr/btc with a register operand (TCG aborts the machine
 *    where a CPU raises #UD; see kc_modrm).
 *  - popf only right after a push of an immediate with IF clear (and TF
 *    set one time in eight): a popf of random data could enable
 *    interrupts.
 *
 * So the rounds are deterministic: the same seed gives the same
 * outcomes.  What remains on purpose are the instructions a
 * de-privileged kernel sees differently (Adams & Agesen §3.1): pushf
 * (IF, IOPL), push %cs and mov from a segment register (the RPL), sgdt,
 * sidt, sldt, str, smsw, lar, lsl, verr, verw, and segment loads of
 * random selectors.  Under te they change what the code computes, so
 * te's summaries differ from native; a binary translator has no such
 * excuse.
 *
 * Output: "kcrashme: ROUNDS rounds, seed SEED", then every 100 rounds
 * the vectors those rounds ended with (ret: reached the end) and a hash
 * of their final state (registers, flags, eip, error code, the scratch
 * page), and at the end the counts per vector over all rounds.
 */
#include <inc/assert.h>
#include <inc/string.h>
#include <inc/x86.h>
#include <kern/gdt.h>
#include <kern/kern.h>
#include <kern/probes.h>
#include <kern/trap.h>

#define KC_STR(x) #x
#define KC_XSTR(x) KC_STR(x)

#define KC_MIN_ITEMS 8
#define KC_MAX_ITEMS 32
#define KC_REPORT_EVERY 100
/* Vectors counted one by one; KC_NVEC counts rounds that returned. */
#define KC_NVEC 32
/* The code's stack: pops read the KC_STACK_ABOVE bytes above its start. */
#define KC_STACK_SIZE (2 * PGSIZE)
#define KC_STACK_ABOVE 2048
#define KC_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
/*
 * The flags a round's outcome counts.  AF and OF are left out: many of
 * the instructions generated leave them undefined (logic ops AF; shifts,
 * bit tests, mul OF and AF), and QEMU computes undefined flags lazily, so
 * their value depends on how its translator happened to split the code
 * -- which differs with nothing but the code's address, natively too.
 */
#define KC_HASHED (FL_CF | FL_PF | FL_ZF | FL_SF | FL_DF)

/* Each in a page of its own, so writes to one are not writes to another. */
static uint8_t kc_code[PGSIZE] __attribute__((aligned(PGSIZE)));
static uint8_t kc_scratch[PGSIZE] __attribute__((aligned(PGSIZE)));
static uint8_t kc_stack[KC_STACK_SIZE] __attribute__((aligned(PGSIZE)));

/* The registers a round starts with and ends with (kc_run's layout). */
struct kc_regs {
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi, eflags;
};
struct kc_regs kc_start, kc_end;
uint32_t kc_entry;	 /* where the code starts */
uint32_t kc_saved_esp;	 /* kc_run's own stack */
uint32_t kc_returned;	 /* set when the code reached kc_return */
uint32_t kc_targets[KC_MAX_ITEMS]; /* for jmp/call through memory */

/*
 * void kc_run(void): run the code at kc_entry with the registers of
 * kc_start, and come back whether it reaches kc_return or faults.  The
 * recovery path (kc_recover) runs with the code's registers and segment
 * registers: it stores through %ss, the one segment the code never
 * changes, and reloads the others before it touches kernel data.
 */
asm(".text\n"
    ".globl kc_run\n"
    "kc_run:\n\t"
    "pushal\n\t"
    "pushfl\n\t"
    "movl %esp, kc_saved_esp\n\t"
    "movl kc_start+16, %esp\n\t"
    "pushl kc_start+32\n\t"
    "popfl\n\t"
    "movl kc_start+0, %eax\n\t"
    "movl kc_start+4, %ecx\n\t"
    "movl kc_start+8, %edx\n\t"
    "movl kc_start+12, %ebx\n\t"
    "movl kc_start+20, %ebp\n\t"
    "movl kc_start+24, %esi\n\t"
    "movl kc_start+28, %edi\n\t"
    "jmp *kc_entry\n"
    ".globl kc_return\n"
    "kc_return:\n\t"
    "movl %eax, %ss:kc_end+0\n\t"
    "movl %ecx, %ss:kc_end+4\n\t"
    "movl %edx, %ss:kc_end+8\n\t"
    "movl %ebx, %ss:kc_end+12\n\t"
    "movl %esp, %ss:kc_end+16\n\t"
    "movl %ebp, %ss:kc_end+20\n\t"
    "movl %esi, %ss:kc_end+24\n\t"
    "movl %edi, %ss:kc_end+28\n\t"
    "pushfl\n\t"
    "popl %ss:kc_end+32\n\t"
    "movl $1, %ss:kc_returned\n"
    ".globl kc_recover\n"
    "kc_recover:\n\t"
    "movw $" KC_XSTR(GD_KD) ", %ax\n\t"
    "movw %ax, %ds\n\t"
    "movw %ax, %es\n\t"
    "movw $" KC_XSTR(GD_UD) "+3, %ax\n\t"
    "movw %ax, %fs\n\t"
    "movw %ax, %gs\n\t"
    "movl kc_saved_esp, %esp\n\t"
    "popfl\n\t"
    "popal\n\t"
    "ret\n");
void kc_run(void);
extern uint8_t kc_return[], kc_recover[];

/* ---------------------------------------------------------------- */
/* The instruction subset                                            */
/* ---------------------------------------------------------------- */

/* One-byte instructions with no operand bytes. */
static const uint8_t kc_plain[] = {
	0x06, 0x07, 0x0E, 0x16, 0x1E, 0x1F,	    /* push/pop es, cs, ss, ds */
	0x27, 0x2F, 0x37, 0x3F,			    /* daa das aaa aas */
	0x40, 0x41, 0x42, 0x43, 0x45, 0x46, 0x47,   /* inc, not %esp */
	0x48, 0x49, 0x4A, 0x4B, 0x4D, 0x4E, 0x4F,   /* dec, not %esp */
	0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, /* push */
	0x58, 0x59, 0x5A, 0x5B, 0x5D, 0x5E, 0x5F,   /* pop, not %esp */
	0x60, 0x61,				    /* pusha popa */
	0x90, 0x91, 0x92, 0x93, 0x95, 0x96, 0x97,   /* nop, xchg %eax */
	0x98, 0x99, 0x9C, 0x9E, 0x9F,		    /* cwde cdq pushf sahf lahf */
	0xF5, 0xF8, 0xF9, 0xFC, 0xFD,		    /* cmc clc stc cld std */
	0xCC, 0xCE, 0xF1,			    /* int3 into int1 */
};

/* Two-byte (0F xx) instructions with no operand bytes. */
static const uint8_t kc_plain0f[] = {
	0x0B,			      /* ud2 */
	0xA0, 0xA1, 0xA8, 0xA9,	      /* push/pop fs, gs */
	0xC8, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, /* bswap, not %esp */
};

/* int n: the vectors whose entry stub expects no error code. */
static const uint8_t kc_int_vectors[] = { 0, 1, 2, 3, 4, 5, 6, 7, 9, 16, 18, 19 };

enum kc_imm { KC_NOIMM, KC_IMM8, KC_IMMZ /* 16 or 32 by operand size */ };

/* Instructions with an immediate and no ModRM: op, op+step, ... */
static const struct {
	uint8_t op, count, step, imm;
} kc_immop[] = {
	{ 0x04, 8, 8, KC_IMM8 },  /* add..cmp %al, imm8 */
	{ 0x05, 8, 8, KC_IMMZ },  /* add..cmp %eax, imm */
	{ 0x6A, 1, 1, KC_IMM8 },  /* push imm8 */
	{ 0x68, 1, 1, KC_IMMZ },  /* push imm */
	{ 0xA8, 1, 1, KC_IMM8 },  /* test %al */
	{ 0xA9, 1, 1, KC_IMMZ },  /* test %eax */
	{ 0xB0, 8, 1, KC_IMM8 },  /* mov r8, imm8 */
	{ 0xB8, 4, 1, KC_IMMZ },  /* mov r32, imm: eax ecx edx ebx */
	{ 0xBD, 3, 1, KC_IMMZ },  /* ebp esi edi */
	{ 0xD4, 1, 1, KC_IMM8 },  /* aam (imm8 0: #DE) */
	{ 0xD5, 1, 1, KC_IMM8 },  /* aad */
};

enum kc_mod { KC_ANY, KC_MEM, KC_REG };

/*
 * Instructions with a ModRM byte: (0F) op .. op+count-1.  subops, if not
 * 0, is the set of /digit values the reg field may take (bit n: /n);
 * otherwise the reg field names a register.  nolock: never with a lock
 * prefix.  A CPU raises #UD for lock bt/bts/btr/btc on a register, but
 * QEMU 7.2's TCG aborts the whole machine ("tcg fatal error"), so the
 * bit-test rows go without.
 */
static const struct {
	uint8_t twobyte, op, count, mod, subops, imm, nolock;
} kc_modrm[] = {
	{ 0, 0x00, 4, KC_ANY, 0, KC_NOIMM, 0 },	/* add */
	{ 0, 0x08, 4, KC_ANY, 0, KC_NOIMM, 0 },	/* or */
	{ 0, 0x10, 4, KC_ANY, 0, KC_NOIMM, 0 },	/* adc */
	{ 0, 0x18, 4, KC_ANY, 0, KC_NOIMM, 0 },	/* sbb */
	{ 0, 0x20, 4, KC_ANY, 0, KC_NOIMM, 0 },	/* and */
	{ 0, 0x28, 4, KC_ANY, 0, KC_NOIMM, 0 },	/* sub */
	{ 0, 0x30, 4, KC_ANY, 0, KC_NOIMM, 0 },	/* xor */
	{ 0, 0x38, 4, KC_ANY, 0, KC_NOIMM, 0 },	/* cmp */
	{ 0, 0x62, 1, KC_ANY, 0, KC_NOIMM, 0 },	/* bound (mod 3: #UD) */
	{ 0, 0x69, 1, KC_ANY, 0, KC_IMMZ, 0 },	/* imul imm */
	{ 0, 0x6B, 1, KC_ANY, 0, KC_IMM8, 0 },	/* imul imm8 */
	{ 0, 0x80, 1, KC_ANY, 0xFF, KC_IMM8, 0 }, /* group 1 */
	{ 0, 0x81, 1, KC_ANY, 0xFF, KC_IMMZ, 0 },
	{ 0, 0x83, 1, KC_ANY, 0xFF, KC_IMM8, 0 },
	{ 0, 0x84, 8, KC_ANY, 0, KC_NOIMM, 0 },	/* test xchg mov */
	{ 0, 0x8C, 1, KC_ANY, 0xFF, KC_NOIMM, 0 }, /* mov from sreg (6, 7: #UD) */
	{ 0, 0x8D, 1, KC_ANY, 0, KC_NOIMM, 0 },	/* lea (mod 3: #UD) */
	{ 0, 0x8E, 1, KC_ANY, 0x3B, KC_NOIMM, 0 }, /* mov to es cs(#UD) ds fs gs */
	{ 0, 0x8F, 1, KC_ANY, 0x01, KC_NOIMM, 0 }, /* pop r/m */
	{ 0, 0xC0, 2, KC_ANY, 0xBF, KC_IMM8, 0 }, /* shifts and rotates */
	{ 0, 0xD0, 4, KC_ANY, 0xBF, KC_NOIMM, 0 },
	{ 0, 0xC6, 1, KC_ANY, 0x01, KC_IMM8, 0 }, /* mov imm */
	{ 0, 0xC7, 1, KC_ANY, 0x01, KC_IMMZ, 0 },
	{ 0, 0xF6, 1, KC_ANY, 0x01, KC_IMM8, 0 }, /* test imm */
	{ 0, 0xF6, 1, KC_ANY, 0xFC, KC_NOIMM, 0 }, /* not neg mul imul div idiv */
	{ 0, 0xF7, 1, KC_ANY, 0x01, KC_IMMZ, 0 },
	{ 0, 0xF7, 1, KC_ANY, 0xFC, KC_NOIMM, 0 },
	{ 0, 0xFE, 1, KC_ANY, 0xFF, KC_NOIMM, 0 }, /* inc dec, /2-/7 #UD */
	{ 0, 0xFF, 1, KC_ANY, 0xC3, KC_NOIMM, 0 }, /* inc dec push, /7 #UD */
	{ 1, 0x00, 1, KC_ANY, 0x33, KC_NOIMM, 0 }, /* sldt str verr verw */
	{ 1, 0x01, 1, KC_MEM, 0x03, KC_NOIMM, 0 }, /* sgdt sidt */
	{ 1, 0x01, 1, KC_ANY, 0x10, KC_NOIMM, 0 }, /* smsw */
	{ 1, 0x02, 2, KC_ANY, 0, KC_NOIMM, 0 },	/* lar lsl */
	{ 1, 0x40, 16, KC_ANY, 0, KC_NOIMM, 0 },	/* cmovcc */
	{ 1, 0x90, 16, KC_ANY, 0x01, KC_NOIMM, 0 }, /* setcc */
	{ 1, 0xA3, 1, KC_REG, 0, KC_NOIMM, 1 },	/* bt r, r */
	{ 1, 0xAB, 1, KC_REG, 0, KC_NOIMM, 1 },	/* bts r, r */
	{ 1, 0xB3, 1, KC_REG, 0, KC_NOIMM, 1 },	/* btr r, r */
	{ 1, 0xBB, 1, KC_REG, 0, KC_NOIMM, 1 },	/* btc r, r */
	{ 1, 0xBA, 1, KC_ANY, 0xF0, KC_IMM8, 1 }, /* bt* imm8 */
	{ 1, 0xA4, 1, KC_ANY, 0, KC_IMM8, 0 },	/* shld imm8 */
	{ 1, 0xA5, 1, KC_ANY, 0, KC_NOIMM, 0 },	/* shld %cl */
	{ 1, 0xAC, 1, KC_ANY, 0, KC_IMM8, 0 },	/* shrd imm8 */
	{ 1, 0xAD, 1, KC_ANY, 0, KC_NOIMM, 0 },	/* shrd %cl */
	{ 1, 0xAF, 1, KC_ANY, 0, KC_NOIMM, 0 },	/* imul */
	{ 1, 0xB0, 2, KC_ANY, 0, KC_NOIMM, 0 },	/* cmpxchg */
	{ 1, 0xB6, 2, KC_ANY, 0, KC_NOIMM, 0 },	/* movzx */
	{ 1, 0xBC, 2, KC_ANY, 0, KC_NOIMM, 0 },	/* bsf bsr */
	{ 1, 0xBE, 2, KC_ANY, 0, KC_NOIMM, 0 },	/* movsx */
	{ 1, 0xC0, 2, KC_ANY, 0, KC_NOIMM, 0 },	/* xadd */
};

static const uint8_t kc_segprefix[] = { 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65 };

/* ---------------------------------------------------------------- */
/* Generating a round                                                */
/* ---------------------------------------------------------------- */

enum kc_kind {
	KC_STRAIGHT, /* no control transfer of its own */
	KC_REL8,     /* jcc/jmp/loop rel8: the last byte is the displacement */
	KC_REL32,    /* jcc/jmp/call rel32: the last four bytes */
	KC_SLOT,     /* jmp/call *kc_targets[i]: the last four bytes */
};

struct kc_item {
	uint8_t bytes[16];
	uint8_t len;
	uint8_t kind;
	uint16_t off; /* from the start of the code */
};

static uint32_t kc_x; /* the generator's state */

static uint32_t
kc_rand(void)
{
	kc_x ^= kc_x << 13;
	kc_x ^= kc_x >> 17;
	kc_x ^= kc_x << 5;
	return kc_x;
}

/* A number from 0 to n - 1. */
static uint32_t
kc_below(uint32_t n)
{
	return kc_rand() % n;
}

/* A nonzero state from the seed and the round (murmur3's finaliser). */
static uint32_t
kc_mix(uint32_t a, uint32_t b)
{
	uint32_t h = a * 0x9E3779B1u ^ b;
	h ^= h >> 16;
	h *= 0x85EBCA6Bu;
	h ^= h >> 13;
	h *= 0xC2B2AE35u;
	h ^= h >> 16;
	return h ? h : 1;
}

static void
kc_put(struct kc_item *it, uint8_t b)
{
	assert(it->len < sizeof(it->bytes));
	it->bytes[it->len++] = b;
}

static void
kc_put32(struct kc_item *it, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		kc_put(it, (uint8_t)(v >> (8 * i)));
}

/* A register number for a ModRM field: any but 4 (%esp). */
static uint8_t
kc_reg(void)
{
	static const uint8_t regs[] = { 0, 1, 2, 3, 5, 6, 7 };
	return regs[kc_below(ARRAY_SIZE(regs))];
}

/*
 * After an instruction that leaves some flags undefined, "add $0, %eax":
 * every flag defined again, no register changed.  QEMU computes flags
 * lazily, and an undefined one comes out as whatever its translator's
 * bookkeeping held -- which depends on how it split the code into
 * blocks, natively as under a monitor -- so a later jo or adc would make
 * two runs differ for no fault of the monitor.
 */
static void
kc_settle(struct kc_item *it)
{
	kc_put(it, 0x83);
	kc_put(it, 0xC0);
	kc_put(it, 0x00);
}

/* Does the ModRM instruction in it leave a flag undefined?  Shifts and
 * rotates, bit tests and scans, shld/shrd, mul, imul, div, idiv. */
static bool
kc_flags_undefined(const struct kc_item *it)
{
	unsigned i = 0;
	while (i < it->len && (it->bytes[i] == 0xF0 || it->bytes[i] == 0x66 ||
			       it->bytes[i] == 0x26 || it->bytes[i] == 0x2E ||
			       it->bytes[i] == 0x36 || it->bytes[i] == 0x3E ||
			       it->bytes[i] == 0x64 || it->bytes[i] == 0x65))
		i++;
	if (i + 1 >= it->len)
		return false;
	uint8_t op = it->bytes[i], reg = (it->bytes[i + 1] >> 3) & 7;
	if (op == 0x0F) {
		if (i + 2 >= it->len)
			return false;
		op = it->bytes[i + 1];
		return op == 0xA3 || op == 0xAB || op == 0xB3 || op == 0xBB ||
		       op == 0xBA || op == 0xBC || op == 0xBD || op == 0xA4 ||
		       op == 0xA5 || op == 0xAC || op == 0xAD || op == 0xAF;
	}
	if (op == 0xC0 || op == 0xC1 || (op >= 0xD0 && op <= 0xD3))
		return true;
	if (op == 0x69 || op == 0x6B)
		return true;
	return (op == 0xF6 || op == 0xF7) && reg >= 4;
}

/* May opcode op (0F op if twobyte) with ModRM reg field reg take lock
 * on a memory operand (SDM vol.2 "LOCK")? */
static bool
kc_lockable(bool twobyte, uint8_t op, uint8_t reg)
{
	if (twobyte)
		return op == 0xB0 || op == 0xB1 || op == 0xC0 || op == 0xC1 ||
		       op == 0xAB || op == 0xB3 || op == 0xBB ||
		       (op == 0xBA && reg >= 5);
	if (op < 0x38 && (op & 7) < 2)
		return true; /* add or adc sbb and sub xor r/m, reg */
	if (op >= 0x80 && op <= 0x83)
		return reg != 7; /* not cmp */
	if (op == 0x86 || op == 0x87)
		return true; /* xchg */
	if (op == 0xF6 || op == 0xF7)
		return reg == 2 || reg == 3; /* not neg */
	if (op == 0xFE || op == 0xFF)
		return reg <= 1; /* inc dec */
	return false;
}

/*
 * One instruction with a ModRM byte, from row r of kc_modrm: prefixes,
 * opcode, ModRM (a register, or an absolute address in the scratch
 * page), immediate.
 */
static void
kc_gen_modrm(struct kc_item *it, unsigned r)
{
	bool mem = kc_modrm[r].mod == KC_MEM ||
		   (kc_modrm[r].mod == KC_ANY && kc_below(2));
	bool opsize16 = kc_below(8) == 0;
	uint8_t reg;

	if (mem && kc_below(16) == 0)
		kc_put(it, kc_segprefix[kc_below(ARRAY_SIZE(kc_segprefix))]);
	if (opsize16)
		kc_put(it, 0x66);
	if (kc_modrm[r].twobyte)
		kc_put(it, 0x0F);
	uint8_t op = kc_modrm[r].op + kc_below(kc_modrm[r].count);
	kc_put(it, op);

	if (kc_modrm[r].subops) {
		do
			reg = kc_below(8);
		while (!(kc_modrm[r].subops & (1u << reg)));
	} else {
		reg = kc_reg();
	}
	/*
	 * lock, now and then, only where it is valid (a lockable operation
	 * on memory): QEMU 7.2's TCG does not raise the #UD a CPU raises for
	 * every other lock (lock bsf runs), so those would compare QEMU's
	 * bugs, not a monitor.
	 */
	if (mem && !kc_modrm[r].nolock &&
	    kc_lockable(kc_modrm[r].twobyte, op, reg) && kc_below(16) == 0) {
		memmove(it->bytes + 1, it->bytes, it->len);
		it->bytes[0] = 0xF0;
		it->len++;
	}
	if (!mem) {
		kc_put(it, 0xC0 | reg << 3 | kc_reg());
	} else {
		uint32_t addr = (uint32_t)kc_scratch + kc_below(PGSIZE - 16);
		if (kc_below(4) == 0) {
			/* SIB, no index, no base: scale is ignored. */
			kc_put(it, reg << 3 | 4);
			kc_put(it, kc_below(4) << 6 | 4 << 3 | 5);
		} else {
			kc_put(it, reg << 3 | 5);
		}
		kc_put32(it, addr);
	}
	if (kc_modrm[r].imm == KC_IMM8) {
		kc_put(it, kc_rand());
	} else if (kc_modrm[r].imm == KC_IMMZ) {
		uint32_t v = kc_rand();
		kc_put(it, v);
		kc_put(it, v >> 8);
		if (!opsize16) {
			kc_put(it, v >> 16);
			kc_put(it, v >> 24);
		}
	}
}

/* One instruction (or the push/popf pair) of a random kind. */
static void
kc_gen_item(struct kc_item *it)
{
	uint32_t k = kc_below(100);

	it->len = 0;
	it->kind = KC_STRAIGHT;
	if (k < 16) {
		if (kc_below(8) == 0)
			kc_put(it, 0x66);
		uint8_t op = kc_plain[kc_below(ARRAY_SIZE(kc_plain))];
		kc_put(it, op);
		if (op == 0x27 || op == 0x2F || op == 0x37 || op == 0x3F)
			kc_settle(it); /* daa das aaa aas */
	} else if (k < 19) {
		kc_put(it, 0x0F);
		kc_put(it, kc_plain0f[kc_below(ARRAY_SIZE(kc_plain0f))]);
	} else if (k < 31) {
		unsigned r = kc_below(ARRAY_SIZE(kc_immop));
		bool opsize16 = kc_immop[r].imm == KC_IMMZ && kc_below(8) == 0;
		uint32_t v = kc_rand();
		if (opsize16)
			kc_put(it, 0x66);
		kc_put(it, kc_immop[r].op +
				   kc_immop[r].step * kc_below(kc_immop[r].count));
		kc_put(it, v);
		if (kc_immop[r].imm == KC_IMMZ) {
			kc_put(it, v >> 8);
			if (!opsize16) {
				kc_put(it, v >> 16);
				kc_put(it, v >> 24);
			}
		}
		if (kc_immop[r].op == 0xD4 || kc_immop[r].op == 0xD5)
			kc_settle(it); /* aam aad */
	} else if (k < 77) {
		unsigned r = kc_below(ARRAY_SIZE(kc_modrm));
		kc_gen_modrm(it, r);
		if (kc_flags_undefined(it))
			kc_settle(it);
	} else if (k < 79) {
		kc_put(it, 0xCD);
		kc_put(it, kc_int_vectors[kc_below(ARRAY_SIZE(kc_int_vectors))]);
	} else if (k < 82) {
		/* push $flags; popf: never IF, sometimes TF. */
		uint32_t f = kc_rand() & (KC_ARITH | FL_DF | FL_IOPL_MASK |
					  FL_NT | FL_AC | FL_ID);
		if (kc_below(8) == 0)
			f |= FL_TF;
		kc_put(it, 0x68);
		kc_put32(it, f | FL_RESERVED1);
		kc_put(it, 0x9D);
	} else {
		/* Control flow: displacements are filled in by kc_link. */
		switch (kc_below(9)) {
		case 0:
			kc_put(it, 0x70 + kc_below(16)); /* jcc rel8 */
			kc_put(it, 0);
			it->kind = KC_REL8;
			break;
		case 1:
			kc_put(it, 0xE0 + kc_below(4)); /* loopnz loopz loop jecxz */
			kc_put(it, 0);
			it->kind = KC_REL8;
			break;
		case 2:
			kc_put(it, 0xEB);
			kc_put(it, 0);
			it->kind = KC_REL8;
			break;
		case 3:
		case 4:
			kc_put(it, 0x0F);
			kc_put(it, 0x80 + kc_below(16)); /* jcc rel32 */
			kc_put32(it, 0);
			it->kind = KC_REL32;
			break;
		case 5:
			kc_put(it, 0xE9);
			kc_put32(it, 0);
			it->kind = KC_REL32;
			break;
		case 6:
			kc_put(it, 0xE8);
			kc_put32(it, 0);
			it->kind = KC_REL32;
			break;
		case 7:
			kc_put(it, 0xFF);
			kc_put(it, 0x25); /* jmp *abs32 (/4) */
			kc_put32(it, 0);
			it->kind = KC_SLOT;
			break;
		default:
			kc_put(it, 0xFF);
			kc_put(it, 0x15); /* call *abs32 (/2) */
			kc_put32(it, 0);
			it->kind = KC_SLOT;
			break;
		}
	}
}

/*
 * Point each control transfer of items[0..n) at the start of a random
 * later item, or at items[n] (the return path): forward only, and within
 * reach of a rel8.
 */
static void
kc_link(struct kc_item *items, int n, uint32_t base)
{
	for (int i = 0; i < n; i++) {
		struct kc_item *it = &items[i];
		uint32_t next = it->off + it->len;
		int last = n;

		if (it->kind == KC_STRAIGHT)
			continue;
		if (it->kind == KC_REL8)
			while (items[last].off - next > 127)
				last--;
		int t = i + 1 + kc_below(last - i);
		uint32_t disp = items[t].off - next;
		uint8_t *field = &it->bytes[it->len - 4];
		if (it->kind == KC_REL8) {
			it->bytes[it->len - 1] = disp;
		} else if (it->kind == KC_REL32) {
			memcpy(field, &disp, 4);
		} else {
			uint32_t slot = (uint32_t)&kc_targets[i];
			kc_targets[i] = base + items[t].off;
			memcpy(field, &slot, 4);
		}
	}
}

/* Write one round's code into kc_code and set up its registers. */
static void
kc_generate(void)
{
	static struct kc_item items[KC_MAX_ITEMS + 1];
	int n = KC_MIN_ITEMS + kc_below(KC_MAX_ITEMS - KC_MIN_ITEMS + 1);
	uint32_t base = (uint32_t)kc_code, off = 0;

	for (int i = 0; i < n; i++) {
		kc_gen_item(&items[i]);
		items[i].off = off;
		off += items[i].len;
	}
	/* The return path: jmp kc_return. */
	items[n].len = 0;
	items[n].kind = KC_STRAIGHT;
	items[n].off = off;
	kc_put(&items[n], 0xE9);
	kc_put32(&items[n], (uint32_t)kc_return - (base + off + 5));
	kc_link(items, n, base);

	/* int3 everywhere else, should anything ever run off the end. */
	memset(kc_code, 0xCC, sizeof(kc_code));
	for (int i = 0; i <= n; i++)
		memcpy(kc_code + items[i].off, items[i].bytes, items[i].len);
	kc_entry = base;

	uint32_t *w = (uint32_t *)kc_scratch;
	for (unsigned i = 0; i < PGSIZE / 4; i++)
		w[i] = kc_rand();
	uint32_t esp = (uint32_t)kc_stack + KC_STACK_SIZE - KC_STACK_ABOVE;
	w = (uint32_t *)esp;
	for (unsigned i = 0; i < KC_STACK_ABOVE / 4; i++)
		w[i] = kc_rand();
	kc_start = (struct kc_regs){
		.eax = kc_rand(), .ecx = kc_rand(), .edx = kc_rand(),
		.ebx = kc_rand(), .esp = esp, .ebp = kc_rand(),
		.esi = kc_rand(), .edi = kc_rand(),
		.eflags = (kc_rand() & (KC_ARITH | FL_DF)) | FL_RESERVED1,
	};
}

/* ---------------------------------------------------------------- */
/* Running the rounds                                                */
/* ---------------------------------------------------------------- */

static uint32_t
kc_hash(uint32_t h, uint32_t v)
{
	return (h ^ v) * 0x01000193u;
}

/*
 * Run one round; return the vector it ended with, or KC_NVEC if it
 * reached the return path, and fold its final state into *h.
 */
static int
kc_round(uint32_t *h)
{
	int vec;

	kc_returned = 0;
	probe_faults = 0;
	probe_fixup_eip = (uint32_t)kc_recover;
	probe_trapno = PROBE_ANY_TRAP;
	kc_run();
	probe_trapno = -1;

	if (kc_returned) {
		if (probe_faults)
			panic("kcrashme: a round both returned and faulted");
		vec = KC_NVEC;
		*h = kc_hash(*h, kc_end.eax);
		*h = kc_hash(*h, kc_end.ecx);
		*h = kc_hash(*h, kc_end.edx);
		*h = kc_hash(*h, kc_end.ebx);
		*h = kc_hash(*h, kc_end.esp - (uint32_t)kc_stack);
		*h = kc_hash(*h, kc_end.ebp);
		*h = kc_hash(*h, kc_end.esi);
		*h = kc_hash(*h, kc_end.edi);
		*h = kc_hash(*h, kc_end.eflags & KC_HASHED);
		/* Above the start, the stack holds only what the code left. */
		const uint32_t *w = (const uint32_t *)kc_start.esp;
		for (unsigned i = 0; i < KC_STACK_ABOVE / 4; i++)
			*h = kc_hash(*h, w[i]);
	} else {
		if (probe_faults != 1)
			panic("kcrashme: a round ended with %u faults",
			      probe_faults);
		const struct pushregs *r = &probe_tf.tf_regs;
		vec = probe_last_trapno;
		*h = kc_hash(*h, vec);
		*h = kc_hash(*h, r->reg_eax);
		*h = kc_hash(*h, r->reg_ecx);
		*h = kc_hash(*h, r->reg_edx);
		*h = kc_hash(*h, r->reg_ebx);
		*h = kc_hash(*h, r->reg_ebp);
		*h = kc_hash(*h, r->reg_esi);
		*h = kc_hash(*h, r->reg_edi);
		*h = kc_hash(*h, probe_tf.tf_eflags & KC_HASHED);
		*h = kc_hash(*h, probe_tf.tf_eip - (uint32_t)kc_code);
		*h = kc_hash(*h, probe_tf.tf_err);
		if (vec < 0 || vec >= KC_NVEC)
			panic("kcrashme: vector %d", vec);
	}
	const uint32_t *w = (const uint32_t *)kc_scratch;
	for (unsigned i = 0; i < PGSIZE / 4; i++)
		*h = kc_hash(*h, w[i]);
	return vec;
}

uint32_t kcrashme_from;

/* One round in full: how it ended, then its code up to the padding. */
static void
kc_show(uint32_t round, int vec, uint32_t before, uint32_t after)
{
	cprintf("kcrashme: round %u: %s %d at code+%x (error %x), state "
		"%08x -> %08x; code:",
		round, vec == KC_NVEC ? "returned" : "vector",
		vec == KC_NVEC ? 0 : vec,
		vec == KC_NVEC ? 0 : probe_tf.tf_eip - (uint32_t)kc_code,
		vec == KC_NVEC ? 0 : probe_tf.tf_err, before, after);
	if (vec == KC_NVEC)
		cprintf(" regs %08x %08x %08x %08x %08x %08x %08x flags %03x;",
			kc_end.eax, kc_end.ecx, kc_end.edx, kc_end.ebx,
			kc_end.ebp, kc_end.esi, kc_end.edi,
			kc_end.eflags & KC_HASHED);
	int n = PGSIZE;
	while (n > 0 && kc_code[n - 1] == 0xCC)
		n--;
	for (int i = 0; i < n && i < 256; i++)
		cprintf(" %02x", kc_code[i]);
	cprintf("\n");
}

/* " v:count" for each vector with a nonzero count, then " ret:count". */
static void
kc_print_counts(const uint32_t *counts)
{
	for (int v = 0; v < KC_NVEC; v++)
		if (counts[v])
			cprintf(" %d:%u", v, counts[v]);
	cprintf(" ret:%u", counts[KC_NVEC]);
}

bool
probe_kcrashme(uint32_t rounds, uint32_t seed)
{
	uint32_t total[KC_NVEC + 1] = { 0 }, recent[KC_NVEC + 1] = { 0 };
	uint32_t h = 0x811C9DC5u;

	cprintf("kcrashme: %u rounds, seed %u\n", rounds, seed);
	for (uint32_t r = 0; r < rounds; r++) {
		kc_x = kc_mix(seed, r);
		kc_generate();
		uint32_t before = h;
		int vec = kc_round(&h);
		if (kcrashme_from && r + 1 >= kcrashme_from)
			kc_show(r + 1, vec, before, h);
		total[vec]++;
		recent[vec]++;
		if ((r + 1) % KC_REPORT_EVERY == 0 || r + 1 == rounds) {
			cprintf("kcrashme: round %u vectors", r + 1);
			kc_print_counts(recent);
			cprintf(" state %08x\n", h);
			memset(recent, 0, sizeof(recent));
			h = 0x811C9DC5u;
		}
	}
	cprintf("kcrashme: %u rounds, counts per vector:", rounds);
	kc_print_counts(total);
	cprintf("\n");
	return true;
}
