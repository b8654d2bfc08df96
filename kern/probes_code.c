/*
 * Probes of how kernel code is run: code that rewrites itself, faults in
 * the middle of straight-line code, deep call chains and indirect
 * branches, and a loop that waits for the timer with nothing in it that
 * would trap.  Natively the CPU defines every result; these are the
 * cases a binary translator (lab 3) gets wrong first, since it runs a
 * translated copy of the code rather than the code itself.
 *
 * Output contract as in kern/probes.c: every line is deterministic.
 */
#include <inc/string.h>
#include <inc/x86.h>
#include <kern/kern.h>
#include <kern/pmap.h>
#include <kern/probes.h>
#include <kern/timer.h>
#include <kern/trap.h>

/* ---------------------------------------------------------------- */
/* test=smc: self-modifying and cross-modifying kernel code           */
/* ---------------------------------------------------------------- */

/*
 * Functions that the probe copies into a page of its own and then
 * rewrites while they run.  They are position-independent (relative
 * calls and jumps; call/pop to find themselves), so they run the same
 * from any copy, and they are never called where they are linked.
 * Every instruction that gets patched is spelled out in bytes so the
 * offsets below cannot depend on the assembler's choice of encoding.
 */
asm(".text\n"
    ".p2align 4\n"
    "smc_tmpl_start:\n"

    /* uint32_t ret_imm(void): returns the immediate of its mov (B8 id). */
    "smc_t_ret_imm:\n\t"
    ".byte 0xB8\n\t"
    ".long 0x11111111\n\t"
    "ret\n"

    /* uint32_t jump(void): EB 00 falls through to return 0xA; the probe
     * patches the displacement to 6 to skip to the return of 0xB. */
    "smc_t_jump:\n\t"
    ".byte 0xEB, 0x00\n\t"
    ".byte 0xB8\n\t"
    ".long 0xA\n\t"
    "ret\n\t"
    ".byte 0xB8\n\t"
    ".long 0xB\n\t"
    "ret\n"

    /* uint32_t self_patch(uint32_t v): store v into ret_imm's immediate,
     * in this same page, and call it at once. */
    "smc_t_self_patch:\n\t"
    "movl 4(%esp), %eax\n\t"
    "call 1f\n"
    "1:\tpopl %ecx\n\t"
    "movl %eax, (smc_t_ret_imm + 1 - 1b)(%ecx)\n\t"
    "call smc_t_ret_imm\n\t"
    "ret\n"

    /* uint32_t loop_imm(uint32_t n): n passes; each writes 7*c & 0x7f
     * (c counts down from n) into the imm8 of the add (83 C0 ib) a few
     * instructions further down, then runs into it. */
    "smc_t_loop_imm:\n\t"
    "pushl %ebx\n\t"
    "movl 8(%esp), %ecx\n\t"
    "xorl %eax, %eax\n\t"
    "call 1f\n"
    "1:\tpopl %edx\n"
    "2:\tmovl %ecx, %ebx\n\t"
    "imull $7, %ebx, %ebx\n\t"
    "andl $0x7f, %ebx\n\t"
    "movb %bl, (3f + 2 - 1b)(%edx)\n"
    "3:\t.byte 0x83, 0xC0, 0x00\n\t" /* addl $imm8, %eax */
    "decl %ecx\n\t"
    "jnz 2b\n\t"
    "popl %ebx\n\t"
    "ret\n"

    /* uint32_t loop_op(uint32_t n): n passes; each rewrites the opcode
     * of the instruction below to add (01 C8: addl %ecx, %eax) when c is
     * even and sub (29 C8) when it is odd, then runs it. */
    "smc_t_loop_op:\n\t"
    "pushl %ebx\n\t"
    "movl 8(%esp), %ecx\n\t"
    "movl $0x10000000, %eax\n\t"
    "call 1f\n"
    "1:\tpopl %edx\n"
    "2:\tmovl %ecx, %ebx\n\t"
    "andl $1, %ebx\n\t"
    "imull $0x28, %ebx, %ebx\n\t"
    "addl $0x01, %ebx\n\t"
    "movb %bl, (3f - 1b)(%edx)\n"
    "3:\t.byte 0x01, 0xC8\n\t"
    "decl %ecx\n\t"
    "jnz 2b\n\t"
    "popl %ebx\n\t"
    "ret\n"

    /* uint32_t loop_jmp(uint32_t n): n passes; each sets the
     * displacement of the jmp below (EB disp8) to c & 2, so the jump
     * skips the two increments on passes where bit 1 of c is set. */
    "smc_t_loop_jmp:\n\t"
    "pushl %ebx\n\t"
    "movl 8(%esp), %ecx\n\t"
    "xorl %eax, %eax\n\t"
    "call 1f\n"
    "1:\tpopl %edx\n"
    "2:\tmovl %ecx, %ebx\n\t"
    "andl $2, %ebx\n\t"
    "movb %bl, (3f + 1 - 1b)(%edx)\n"
    "3:\t.byte 0xEB, 0x00\n\t"
    ".byte 0x40, 0x40\n\t" /* incl %eax, twice */
    "addl $0x100, %eax\n\t"
    "decl %ecx\n\t"
    "jnz 2b\n\t"
    "popl %ebx\n\t"
    "ret\n"

    "smc_tmpl_end:\n");

extern const uint8_t smc_tmpl_start[], smc_tmpl_end[];
extern const uint8_t smc_t_ret_imm[], smc_t_jump[], smc_t_self_patch[];
extern const uint8_t smc_t_loop_imm[], smc_t_loop_op[], smc_t_loop_jmp[];

/* A second virtual address of the probe's code page. */
#define SMC_ALIAS_VA 0x50000000u
/* How often each version of the code runs before the next patch. */
#define SMC_WARM_CALLS 100
/* Passes of the loops that patch themselves. */
#define SMC_LOOP_PASSES 1000

typedef uint32_t (*smc_fn0)(void);
typedef uint32_t (*smc_fn1)(uint32_t);

static int smc_failures;

/* Where template symbol sym lies in the copy at base. */
static uint8_t *
smc_at(uint8_t *base, const uint8_t *sym)
{
	return base + (sym - smc_tmpl_start);
}

/* Run fn SMC_WARM_CALLS times; all must return the same, which we return. */
static uint32_t
smc_call_warm(smc_fn0 fn)
{
	uint32_t first = fn();
	for (int i = 1; i < SMC_WARM_CALLS; i++)
		if (fn() != first)
			return 0xBAD0BAD0;
	return first;
}

static void
smc_report(const char *what, uint32_t got, uint32_t want)
{
	cprintf("smc: %s: %08x (expected %08x)\n", what, got, want);
	if (got != want)
		smc_failures++;
}

/* The results the three self-patching loops must give natively. */
static uint32_t
smc_expect_loop_imm(uint32_t n)
{
	uint32_t sum = 0;
	for (uint32_t c = n; c > 0; c--)
		sum += (c * 7) & 0x7f;
	return sum;
}

static uint32_t
smc_expect_loop_op(uint32_t n)
{
	uint32_t v = 0x10000000;
	for (uint32_t c = n; c > 0; c--)
		v = (c & 1) ? v - c : v + c;
	return v;
}

static uint32_t
smc_expect_loop_jmp(uint32_t n)
{
	uint32_t v = 0;
	for (uint32_t c = n; c > 0; c--)
		v += ((c & 2) ? 0 : 2) + 0x100;
	return v;
}

bool
probe_smc(void)
{
	static const uint32_t values[] = { 0x5A5A0001, 0x5A5A0002, 0x00000000,
					   0xFFFFFFFF, 0x12345678 };
	char what[64];
	size_t size = smc_tmpl_end - smc_tmpl_start;
	struct pageinfo *pg = page_alloc(ALLOC_ZERO);

	assert(pg && size <= PGSIZE);
	uint8_t *code = page2kva(pg);
	memcpy(code, smc_tmpl_start, size);
	if (page_insert(kern_pgdir, pg, SMC_ALIAS_VA, PTE_W) < 0)
		panic("smc: cannot map the alias at %08x", SMC_ALIAS_VA);
	uint8_t *alias = (uint8_t *)SMC_ALIAS_VA;
	smc_failures = 0;

	/* Patch an immediate from C, between runs of the hot function. */
	smc_fn0 ret_imm = (smc_fn0)smc_at(code, smc_t_ret_imm);
	smc_report("unpatched", smc_call_warm(ret_imm), 0x11111111);
	for (unsigned i = 0; i < ARRAY_SIZE(values); i++) {
		memcpy(smc_at(code, smc_t_ret_imm) + 1, &values[i], 4);
		snprintf(what, sizeof(what), "immediate patch %u", i + 1);
		smc_report(what, smc_call_warm(ret_imm), values[i]);
	}

	/* Retarget a jump, back and forth. */
	smc_fn0 jump = (smc_fn0)smc_at(code, smc_t_jump);
	for (int i = 0; i < 4; i++) {
		uint8_t disp = (i & 1) ? 6 : 0;
		smc_at(code, smc_t_jump)[1] = disp;
		snprintf(what, sizeof(what), "jump displacement %u", disp);
		smc_report(what, smc_call_warm(jump), disp ? 0xB : 0xA);
	}

	/* (a) Code in the page patches other code in the same page. */
	smc_fn1 self_patch = (smc_fn1)smc_at(code, smc_t_self_patch);
	for (unsigned i = 0; i < ARRAY_SIZE(values); i++) {
		uint32_t v = values[i] ^ 0x0F0F0F0F;
		snprintf(what, sizeof(what), "same-page patch %u", i + 1);
		smc_report(what, self_patch(v), v);
		smc_report("  then from C", smc_call_warm(ret_imm), v);
	}

	/* (b) Loops that rewrite an instruction a few bytes ahead. */
	smc_fn1 loop_imm = (smc_fn1)smc_at(code, smc_t_loop_imm);
	smc_fn1 loop_op = (smc_fn1)smc_at(code, smc_t_loop_op);
	smc_fn1 loop_jmp = (smc_fn1)smc_at(code, smc_t_loop_jmp);
	for (int r = 0; r < 2; r++) {
		smc_report("loop patching an immediate ahead", loop_imm(SMC_LOOP_PASSES),
			   smc_expect_loop_imm(SMC_LOOP_PASSES));
		smc_report("loop patching an opcode ahead", loop_op(SMC_LOOP_PASSES),
			   smc_expect_loop_op(SMC_LOOP_PASSES));
		smc_report("loop patching a jump ahead", loop_jmp(SMC_LOOP_PASSES),
			   smc_expect_loop_jmp(SMC_LOOP_PASSES));
	}

	/* (c) Cross-modification through a second virtual alias. */
	smc_fn0 alias_ret_imm = (smc_fn0)smc_at(alias, smc_t_ret_imm);
	smc_fn1 alias_self_patch = (smc_fn1)smc_at(alias, smc_t_self_patch);
	for (unsigned i = 0; i < ARRAY_SIZE(values); i++) {
		uint32_t v = values[i] + 0x100;
		smc_call_warm(ret_imm);
		smc_call_warm(alias_ret_imm);
		memcpy(smc_at(alias, smc_t_ret_imm) + 1, &v, 4);
		snprintf(what, sizeof(what), "written via alias %u, run via kernel map", i + 1);
		smc_report(what, smc_call_warm(ret_imm), v);
		v = ~v;
		memcpy(smc_at(code, smc_t_ret_imm) + 1, &v, 4);
		snprintf(what, sizeof(what), "written via kernel map %u, run via alias", i + 1);
		smc_report(what, smc_call_warm(alias_ret_imm), v);
		v ^= 0x00FF00FF;
		snprintf(what, sizeof(what), "alias patches itself %u, kernel map runs", i + 1);
		smc_report(what, alias_self_patch(v) == v ? smc_call_warm(ret_imm) : 0, v);
	}

	page_remove(kern_pgdir, SMC_ALIAS_VA); /* frees the page */
	cprintf("smc: %d of the results differ from the CPU's\n", smc_failures);
	if (smc_failures) {
		cprintf("smc: FAIL: stale code ran after a patch\n");
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------- */
/* test=precise: the exact state at a fault in straight-line code     */
/* ---------------------------------------------------------------- */

/*
 * PRECISE_RUN name, insn: a function precise_run_<name> that loads
 * known values into every general register but %esp, mixes them with a
 * run of nineteen arithmetic instructions (no branch: a translator puts
 * them in one or two blocks and the fault lands in the middle of one),
 * then executes insn at the label precise_at_<name>.  If insn neither
 * faults nor traps, the function stores the registers and flags in
 * precise_ref; either way it leaves through precise_recover, which the
 * probe also names as the fault's recovery point.  precise_esp is %esp
 * during the run; precise_recover saves the %esp it finds in
 * precise_esp_after, so a fault that did not resume on the stack it hit
 * shows.
 */
asm(".macro PRECISE_RUN name, insn\n"
    ".text\n"
    ".globl precise_run_\\name\n"
    "precise_run_\\name:\n\t"
    "pushl %ebp\n\t"
    "pushl %ebx\n\t"
    "pushl %esi\n\t"
    "pushl %edi\n\t"
    "movl %esp, precise_esp\n\t"
    "movl $0x12345678, %eax\n\t"
    "movl $0x9abcdef0, %ebx\n\t"
    "movl $0x0f1e2d3c, %ecx\n\t"
    "movl $0x4b5a6978, %edx\n\t"
    "movl $0x11111111, %esi\n\t"
    "movl $0x22222222, %edi\n\t"
    "movl $0x33333333, %ebp\n\t"
    "addl %ebx, %eax\n\t"
    "xorl %eax, %ecx\n\t"
    "roll $7, %edx\n\t"
    "subl %ecx, %esi\n\t"
    "leal 0x10(%esi,%edx,2), %edi\n\t"
    "imull $0x3d, %ebp, %ebp\n\t"
    "addl %edx, %ebx\n\t"
    "notl %ecx\n\t"
    "shrl $3, %eax\n\t"
    "orl %edi, %ebp\n\t"
    "adcl %esi, %edx\n\t"
    "cmpl %esi, %eax\n"
    ".globl precise_at_\\name\n"
    "precise_at_\\name:\n\t"
    "\\insn\n\t"
    "movl %eax, precise_ref+28\n\t" /* the order of struct pushregs */
    "movl %ecx, precise_ref+24\n\t"
    "movl %edx, precise_ref+20\n\t"
    "movl %ebx, precise_ref+16\n\t"
    "movl %ebp, precise_ref+8\n\t"
    "movl %esi, precise_ref+4\n\t"
    "movl %edi, precise_ref+0\n\t"
    "pushfl\n\t"
    "popl precise_ref_eflags\n\t"
    "jmp precise_recover\n"
    ".endm\n"

    "PRECISE_RUN ref, nop\n"
    "PRECISE_RUN pfload, \"movl 0x00001234, %ecx\"\n"
    "PRECISE_RUN pfstore, \"movl %edx, 0x00002468\"\n"
    "PRECISE_RUN ud, ud2\n"
    "PRECISE_RUN de, \"divl precise_zero\"\n"
    "PRECISE_RUN bp, int3\n"

    ".text\n"
    ".globl precise_recover\n"
    "precise_recover:\n\t"
    "movl %esp, precise_esp_after\n\t"
    "popl %edi\n\t"
    "popl %esi\n\t"
    "popl %ebx\n\t"
    "popl %ebp\n\t"
    "ret\n");

uint32_t precise_esp, precise_esp_after;
uint32_t precise_zero;
struct pushregs precise_ref;
uint32_t precise_ref_eflags;

void precise_run_ref(void), precise_run_pfload(void), precise_run_pfstore(void);
void precise_run_ud(void), precise_run_de(void), precise_run_bp(void);
void precise_recover(void);
extern const uint8_t precise_at_pfload[], precise_at_pfstore[], precise_at_ud[];
extern const uint8_t precise_at_de[], precise_at_bp[];

#define ARITH_FLAGS (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* The general registers but %esp, as one line. */
static void
precise_print_regs(const char *name, const struct pushregs *r, uint32_t eflags)
{
	cprintf("precise: %s: eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x "
		"edi=%08x ebp=%08x flags=%03x\n",
		name, r->reg_eax, r->reg_ebx, r->reg_ecx, r->reg_edx,
		r->reg_esi, r->reg_edi, r->reg_ebp, eflags & ARITH_FLAGS);
}

static bool
precise_same_regs(const struct pushregs *a, const struct pushregs *b)
{
	return a->reg_eax == b->reg_eax && a->reg_ebx == b->reg_ebx &&
	       a->reg_ecx == b->reg_ecx && a->reg_edx == b->reg_edx &&
	       a->reg_esi == b->reg_esi && a->reg_edi == b->reg_edi &&
	       a->reg_ebp == b->reg_ebp;
}

/*
 * Run one faulting version and check the state the handler saw against
 * the reference run: the registers and flags as they were just before
 * the faulting instruction (it changed none of them, or, for int3, it
 * completed without changing any), eip at the instruction for a fault
 * and just past it for a trap, and the recovery on the same stack.
 */
static bool
precise_case(const char *name, void (*run)(void), const uint8_t *at,
	     int trapno, uint32_t insn_len)
{
	bool ok = true;

	probe_trapno = trapno;
	probe_fixup_eip = (uint32_t)precise_recover;
	probe_faults = 0;
	precise_esp = precise_esp_after = 0;
	run();
	probe_trapno = -1;

	if (probe_faults != 1 || probe_last_trapno != trapno) {
		cprintf("precise: FAIL: %s: %u faults, last %d, not 1 of vector "
			"%d\n", name, probe_faults, probe_last_trapno, trapno);
		return false;
	}
	uint32_t want_eip = (uint32_t)at + insn_len;
	uint32_t eip = probe_tf.tf_eip;
	cprintf("precise: %s: vector %d err %x eip=run+%#x (%s)\n", name,
		trapno, probe_tf.tf_err, eip - (uint32_t)run,
		eip == want_eip ? (insn_len ? "just past the trapping instruction"
					    : "the faulting instruction")
				: "WRONG");
	ok &= eip == want_eip;
	if (trapno == T_PGFLT)
		cprintf("precise: %s: cr2=%08x\n", name, rcr2());
	precise_print_regs(name, &probe_tf.tf_regs, probe_tf.tf_eflags);
	bool same = precise_same_regs(&probe_tf.tf_regs, &precise_ref) &&
		    (probe_tf.tf_eflags & ARITH_FLAGS) ==
			    (precise_ref_eflags & ARITH_FLAGS);
	cprintf("precise: %s: registers and flags as before the instruction=%d "
		"resumed on its stack=%d\n",
		name, same, precise_esp_after == precise_esp);
	ok &= same && precise_esp_after == precise_esp;
	if (!ok)
		cprintf("precise: FAIL: %s: the state at the fault is wrong\n",
			name);
	return ok;
}

bool
probe_precise(void)
{
	bool ok = true;

	/* The reference: the same run with a nop where the fault would be. */
	precise_run_ref();
	precise_print_regs("reference", &precise_ref, precise_ref_eflags);
	ok &= precise_case("page fault on a load", precise_run_pfload,
			   precise_at_pfload, T_PGFLT, 0);
	ok &= precise_case("page fault on a store", precise_run_pfstore,
			   precise_at_pfstore, T_PGFLT, 0);
	ok &= precise_case("ud2", precise_run_ud, precise_at_ud, T_ILLOP, 0);
	ok &= precise_case("divide by zero", precise_run_de, precise_at_de,
			   T_DIVIDE, 0);
	ok &= precise_case("int3", precise_run_bp, precise_at_bp, T_BRKPT, 1);
	cprintf("precise: %s\n", ok ? "every fault saw the state of the "
				      "instruction boundary" : "FAIL");
	return ok;
}

/* ---------------------------------------------------------------- */
/* test=chain: deep call chains and indirect branches                */
/* ---------------------------------------------------------------- */

#define CHAIN_DEPTH 2000
#define CHAIN_DISPATCHES 20000
#define CHAIN_FIB_N 22
#define CHAIN_NFUNCS 10

/*
 * The recursion gets a stack of its own: CHAIN_DEPTH C frames would not
 * fit in the kernel's KSTKSIZE.  chain_on_stack(fn, arg, top) calls
 * fn(arg) with %esp at top and returns its result on the caller's stack.
 */
asm(".text\n"
    "chain_on_stack:\n\t"
    "pushl %ebp\n\t"
    "movl %esp, %ebp\n\t"
    "movl 16(%ebp), %esp\n\t"
    "pushl 12(%ebp)\n\t"
    "call *8(%ebp)\n\t"
    "movl %ebp, %esp\n\t"
    "popl %ebp\n\t"
    "ret\n");
uint32_t chain_on_stack(uint32_t (*fn)(uint32_t), uint32_t arg, void *top);

static uint8_t chain_stack[128 * 1024] __attribute__((aligned(16)));

/* One step of the recursion's checksum. */
static uint32_t
chain_step(uint32_t r, uint32_t depth)
{
	return (r ^ depth) * 0x01000193u + (r >> 13);
}

/* Recurse depth deep, folding each level into the result on the way back. */
static uint32_t __attribute__((noinline))
chain_recurse(uint32_t depth)
{
	if (depth == 0)
		return 0x9E3779B9u;
	return chain_step(chain_recurse(depth - 1), depth);
}

/* The same, each level calling the next through a function pointer. */
static uint32_t chain_recurse_even(uint32_t depth);
static uint32_t chain_recurse_odd(uint32_t depth);
static uint32_t (*volatile chain_next[2])(uint32_t) = { chain_recurse_even,
							 chain_recurse_odd };

static uint32_t __attribute__((noinline))
chain_recurse_even(uint32_t depth)
{
	if (depth == 0)
		return 0x9E3779B9u;
	return chain_step(chain_next[(depth - 1) & 1](depth - 1), depth);
}

static uint32_t __attribute__((noinline))
chain_recurse_odd(uint32_t depth)
{
	return chain_step(chain_next[(depth - 1) & 1](depth - 1), depth);
}

static uint32_t __attribute__((noinline))
chain_recurse_indirect(uint32_t depth)
{
	return chain_next[depth & 1](depth);
}

static uint32_t __attribute__((noinline))
chain_fib(uint32_t n)
{
	return n < 2 ? n : chain_fib(n - 1) + chain_fib(n - 2);
}

/* Ten small functions, called through a table and inlined in a switch. */
#define CHAIN_F0(x) ((x) * 3 + 1)
#define CHAIN_F1(x) ((x) ^ 0xA5A5A5A5u)
#define CHAIN_F2(x) (((x) << 7) | ((x) >> 25))
#define CHAIN_F3(x) ((x) + 0x01234567u)
#define CHAIN_F4(x) ((x) * 0x9E3779B1u)
#define CHAIN_F5(x) (~(x) + 5)
#define CHAIN_F6(x) ((x) - ((x) >> 3))
#define CHAIN_F7(x) ((x) ^ ((x) << 11))
#define CHAIN_F8(x) (((x) >> 9) | ((x) << 23))
#define CHAIN_F9(x) ((x) + ((x) >> 16) + 9)

#define CHAIN_FN(k)                                                            \
	static uint32_t __attribute__((noinline)) chain_f##k(uint32_t x)       \
	{                                                                      \
		return CHAIN_F##k(x);                                          \
	}
CHAIN_FN(0)
CHAIN_FN(1)
CHAIN_FN(2)
CHAIN_FN(3)
CHAIN_FN(4)
CHAIN_FN(5)
CHAIN_FN(6)
CHAIN_FN(7)
CHAIN_FN(8)
CHAIN_FN(9)

static uint32_t (*const chain_table[CHAIN_NFUNCS])(uint32_t) = {
	chain_f0, chain_f1, chain_f2, chain_f3, chain_f4,
	chain_f5, chain_f6, chain_f7, chain_f8, chain_f9,
};

/* Dense cases: gcc compiles this to an indirect jmp through a table. */
static uint32_t __attribute__((noinline))
chain_switch(uint32_t k, uint32_t x)
{
	switch (k) {
	case 0: return CHAIN_F0(x);
	case 1: return CHAIN_F1(x);
	case 2: return CHAIN_F2(x);
	case 3: return CHAIN_F3(x);
	case 4: return CHAIN_F4(x);
	case 5: return CHAIN_F5(x);
	case 6: return CHAIN_F6(x);
	case 7: return CHAIN_F7(x);
	case 8: return CHAIN_F8(x);
	case 9: return CHAIN_F9(x);
	default: panic("chain: no case %u", k);
	}
}

static uint32_t
chain_rand(uint32_t x)
{
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/*
 * uint32_t chain_asm_jt(uint32_t x, uint32_t n): n dispatches, each on
 * two bits of x, through an explicit jmp *table(,%edx,4).  Case 2
 * returns to the loop with push/ret (a ret that matches no call) and
 * case 3 calls a leaf through a register.
 */
asm(".text\n"
    "chain_asm_jt:\n\t"
    "pushl %ebx\n\t"
    "movl 8(%esp), %eax\n\t"
    "movl 12(%esp), %ecx\n"
    "1:\tmovl %eax, %edx\n\t"
    "shrl $5, %edx\n\t"
    "xorl %eax, %edx\n\t"
    "andl $3, %edx\n\t"
    "jmp *chain_jt(,%edx,4)\n"
    "chain_jt_0:\n\t"
    "addl $0x3779, %eax\n\t"
    "roll $3, %eax\n\t"
    "jmp 2f\n"
    "chain_jt_1:\n\t"
    "imull $0x2f, %eax, %eax\n\t"
    "incl %eax\n\t"
    "jmp 2f\n"
    "chain_jt_2:\n\t"
    "xorl $0x5bd1e995, %eax\n\t"
    "pushl $2f\n\t"
    "ret\n"
    "chain_jt_3:\n\t"
    "movl $chain_jt_leaf, %ebx\n\t"
    "call *%ebx\n"
    "2:\tdecl %ecx\n\t"
    "jnz 1b\n\t"
    "popl %ebx\n\t"
    "ret\n"
    "chain_jt_leaf:\n\t"
    "rorl $7, %eax\n\t"
    "addl $0x1234567, %eax\n\t"
    "ret\n"
    ".section .rodata\n"
    ".p2align 2\n"
    "chain_jt:\n\t"
    ".long chain_jt_0, chain_jt_1, chain_jt_2, chain_jt_3\n"
    ".text\n");
uint32_t chain_asm_jt(uint32_t x, uint32_t n);

/* What chain_asm_jt computes, in C. */
static uint32_t
chain_asm_jt_expect(uint32_t x, uint32_t n)
{
	for (; n > 0; n--) {
		switch (((x >> 5) ^ x) & 3) {
		case 0:
			x += 0x3779;
			x = (x << 3) | (x >> 29);
			break;
		case 1:
			x = x * 0x2f + 1;
			break;
		case 2:
			x ^= 0x5bd1e995;
			break;
		case 3:
			x = ((x >> 7) | (x << 25)) + 0x1234567;
			break;
		}
	}
	return x;
}

static bool
chain_report(const char *what, uint32_t got, uint32_t want)
{
	cprintf("chain: %s: %08x (expected %08x)\n", what, got, want);
	return got == want;
}

bool
probe_chain(void)
{
	void *top = chain_stack + sizeof(chain_stack);
	uint32_t want = 0x9E3779B9u;
	bool ok = true;

	for (uint32_t d = 1; d <= CHAIN_DEPTH; d++)
		want = chain_step(want, d);
	for (int r = 0; r < 3; r++) {
		ok &= chain_report("recursion 2000 deep",
				   chain_on_stack(chain_recurse, CHAIN_DEPTH, top),
				   want);
		ok &= chain_report("recursion 2000 deep through pointers",
				   chain_on_stack(chain_recurse_indirect,
						  CHAIN_DEPTH, top),
				   want);
	}

	uint32_t a = 0, b = 1;
	for (int i = 0; i < CHAIN_FIB_N; i++) {
		uint32_t c = a + b;
		a = b;
		b = c;
	}
	ok &= chain_report("fib(22) by recursion", chain_fib(CHAIN_FIB_N), a);

	/* The same random sequence through the table and through the switch. */
	uint32_t s = 1, x = 0, y = 0;
	for (int i = 0; i < CHAIN_DISPATCHES; i++) {
		s = chain_rand(s);
		x = chain_table[s % CHAIN_NFUNCS](x);
		y = chain_switch(s % CHAIN_NFUNCS, y);
	}
	ok &= chain_report("20000 calls through a function table", x, y);
	ok &= chain_report("20000 switch dispatches by jump table", y, x);
	ok &= chain_report("20000 asm jmp *table dispatches",
			   chain_asm_jt(0x600DF00D, CHAIN_DISPATCHES),
			   chain_asm_jt_expect(0x600DF00D, CHAIN_DISPATCHES));
	if (!ok)
		cprintf("chain: FAIL: a checksum differs from its expected value\n");
	return ok;
}

/* ---------------------------------------------------------------- */
/* test=kloop: an interrupt must reach a kernel that only spins       */
/* ---------------------------------------------------------------- */

/*
 * The safety net: give up after this many passes of a loop.  Five ticks
 * are 50 ms, and no CPU makes 2^28 passes of these loops in that time
 * (it would take 5 * 10^9 a second); under TCG, or a monitor, a pass is
 * slower still.  So only a machine that never delivers the tick reaches
 * the limit, after a few seconds under TCG rather than never.
 */
#define KLOOP_MAX_PASSES (1u << 28)

/*
 * uint32_t kloop_tight(uint32_t nticks, uint32_t max): spin until ticks
 * has moved nticks from its value on entry, or for max passes; return 1
 * if it did, 0 if the loop gave up.  The loop is one basic block of six
 * instructions ending in a loopnz to itself, the shape a translator
 * chains to itself and could run forever without a look at its pending
 * interrupts.
 */
asm(".text\n"
    "kloop_tight:\n\t"
    "pushl %ebx\n\t"
    "movl 8(%esp), %eax\n\t"
    "movl 12(%esp), %ecx\n\t"
    "movl ticks, %ebx\n"
    "1:\tmovl ticks, %edx\n\t"
    "subl %ebx, %edx\n\t"
    "cmpl %eax, %edx\n\t"
    "sbbl %edx, %edx\n\t" /* -1 while fewer than nticks, then 0 */
    "testl %edx, %edx\n\t"
    "loopnz 1b\n\t"
    "leal 1(%edx), %eax\n\t"
    "popl %ebx\n\t"
    "ret\n");
uint32_t kloop_tight(uint32_t nticks, uint32_t max);

/* The same in C, with a call in the loop. */
static uint32_t __attribute__((noinline))
kloop_read_ticks(void)
{
	return ticks;
}

static bool
kloop_c(uint32_t nticks)
{
	uint32_t start = kloop_read_ticks();
	for (uint32_t i = 0; i < KLOOP_MAX_PASSES; i++)
		if (kloop_read_ticks() - start >= nticks)
			return true;
	return false;
}

/*
 * With interrupts enabled (sti), spin without a privileged instruction,
 * system call or hlt until the timer has ticked nticks times: a monitor
 * must deliver a pending interrupt to a guest that never traps.  The
 * kernel otherwise runs with interrupts off (kern/trap.c), so they go
 * off again before anything else.
 */
bool
probe_kloop(uint32_t nticks)
{
	bool ok = true;

	sti();
	bool c_ok = kloop_c(nticks);
	bool tight_ok = kloop_tight(nticks, KLOOP_MAX_PASSES) != 0;
	cli();
	if (c_ok)
		cprintf("kloop: C loop saw %u ticks\n", nticks);
	else
		cprintf("kloop: FAIL: C loop saw fewer than %u ticks in %u "
			"passes\n", nticks, KLOOP_MAX_PASSES);
	if (tight_ok)
		cprintf("kloop: one-block loop saw %u ticks\n", nticks);
	else
		cprintf("kloop: FAIL: one-block loop saw fewer than %u ticks "
			"in %u passes\n", nticks, KLOOP_MAX_PASSES);
	ok = c_ok && tight_ok;
	if (ok)
		cprintf("kloop: saw %u ticks\n", nticks);
	return ok;
}
