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
