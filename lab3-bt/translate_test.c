// HANDOUT: lab>=4
/*
 * Host unit test of the binary translator (lab3-bt/translate.c, with the
 * real translation cache, lab3-bt/tc.c):
 *
 *	obj/host/lab3-bt/translate_test
 *
 * The host is x86-64, so the 32-bit code the translator emits cannot
 * run here.  Instead the tests read it: each translation is decoded with
 * the monitor's own decoder (vmm/decode.c), a callout ("int $0xEF" and
 * three longs, bt.h) as one 14-byte unit, and its shape is checked:
 *
 *   ident       ordinary instructions are copied byte for byte, and the
 *               precise points map each one back to its guest eip;
 *   coverage    every instruction the decoder knows, from a sweep of the
 *               one-byte, 0F, 0F 38 and 0F 3A maps with ModRM and prefix
 *               variants, is translated IDENT or by a named path; the
 *               privileged, I/O and sensitive ones are never IDENT and
 *               control transfers end the unit (a table of counts);
 *   undecodable bytes that are no instruction call out with #UD (or,
 *               15 bytes and more, to the emulator) at their own eip;
 *   control     jcc, jmp, call, ret, jmp *, iret: continuations, the
 *               guest's return address, the indirect lookup;
 *   in-TC       cli/sti stores to %gs:VIF; pushf/popf leave the flags
 *               alone after what may fault;
 *   limits      a unit holds at most TU_MAX_INSNS instructions.
 *
 * The machine behind it (guest memory, the page walk, the monitor's
 * allocator and trace table) is faked below.  translate.c and tc.c cast
 * cache addresses to uint32_t, as they may in the 32-bit monitor: the
 * test is linked without PIE and the cache is mapped below 2 GiB
 * (MAP_32BIT), so those casts lose nothing here either.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <inc/counters.h>
#include <inc/gmem.h>
#include <inc/mmu.h>
#include <inc/trace.h>
#include <inc/vcpu.h>
#include <inc/x86decode.h>
#include <lab3-bt/bt.h>
#include <lib/test_table.h>

#define CHECK(cond, ...)                                                       \
	test_check_at(!!(cond), __FILE__, __LINE__, __func__, __VA_ARGS__)

/* ---- The machine: guest memory and its one mapping ---- */

/*
 * GUEST_PAGES pages of guest-physical memory from GUEST_GPA, mapped at
 * guest-virtual GUEST_GPA + GVA_OFF (a kernel above KERNBASE).  Code is
 * put at CODE_GVA; one page (unmapped_gva) may be made to fault.
 */
#define GUEST_GPA   0x00100000u
#define GUEST_PAGES 16
#define GVA_OFF	    0xF0000000u
#define CODE_GVA    (GUEST_GPA + GVA_OFF + 4 * PGSIZE)
#define NOP	    0x90

static uint8_t guest_mem[GUEST_PAGES * PGSIZE];
static gva_t unmapped_gva = 1; /* a page-aligned gva, or 1: none */
static struct vcpu vcpu;

static bool
gva_mapped(gva_t gva)
{
	return gva - (GUEST_GPA + GVA_OFF) < sizeof(guest_mem) &&
	       PTE_ADDR(gva) != unmapped_gva;
}

int
gpa_read(const struct vcpu *v, gpa_t gpa, void *buf, size_t len)
{
	if (gpa < GUEST_GPA || gpa - GUEST_GPA + len > sizeof(guest_mem))
		return -1;
	memcpy(buf, guest_mem + (gpa - GUEST_GPA), len);
	return 0;
}

struct gwalk
gva_walk(struct vcpu *v, gva_t gva, bool write, int cpl)
{
	struct gwalk w = {.gpa = gva - GVA_OFF, .ok = gva_mapped(gva)};
	if (!w.ok)
		w.pf_err = write ? 2 : 0;
	return w;
}

int
gva_read(struct vcpu *v, gva_t gva, void *buf, size_t len, struct gwalk *fault)
{
	for (size_t i = 0; i < len; i++)
		if (!gva_mapped(gva + i))
			return -1;
	memcpy(buf, guest_mem + (gva - GVA_OFF - GUEST_GPA), len);
	return 0;
}

/* ---- The monitor around the translator ---- */

uint64_t vmm_counters[NCOUNTERS];

/* Pages below 2 GiB, so that a cache address fits the uint32_t the
 * translator keeps it in. */
void *
page_alloc_run(size_t n)
{
	void *p = mmap(NULL, n * PGSIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* What tc_init asks the hole guard to leave writable to ring 1. */
static uintptr_t kept_start, kept_len;

void
hole_guard_keep_writable(const void *va, size_t len)
{
	kept_start = (uintptr_t)va;
	kept_len = len;
}

int
trace_add(struct vcpu *v, gpa_t gpa, const struct trace_client *c)
{
	return 0;
}

void
trace_remove(struct vcpu *v, gpa_t gpa, const struct trace_client *c)
{
}

void
trace_remove_all(struct vcpu *v, const struct trace_client *c)
{
}

void
_panic(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "translate_test: panic at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

void
vcpu_fail(struct vcpu *v, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "translate_test: vcpu_fail: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

/* adapt.c: the one guilty instruction, if any. */
static gva_t adapted_eip = 0;

bool
bt_adapted(gva_t eip)
{
	return adapted_eip && eip == adapted_eip;
}

/* bt_glue.S: only their addresses matter (translated code jumps there). */
void
bt_ind_lookup(void)
{
}

void
bt_iret_user(void)
{
}

/* ---- Translating, and reading what came out ---- */

#define TC_KIB	1024
#define ADDR(p) ((uint32_t)(uintptr_t)(p))

static void
machine_reset(void)
{
	static bool tc_ready;
	memset(guest_mem, NOP, sizeof(guest_mem));
	unmapped_gva = 1;
	adapted_eip = 0;
	if (!tc_ready) {
		if (tc_init(&vcpu, TC_KIB) < 0) {
			fprintf(stderr,
				"translate_test: no memory for the TC\n");
			exit(2);
		}
		tc_ready = true;
	}
}

/* Put code at guest eip (the rest of memory stays as it was). */
static void
poke(gva_t eip, const uint8_t *code, size_t n)
{
	memcpy(guest_mem + (eip - GVA_OFF - GUEST_GPA), code, n);
}

/* Translate the unit at guest eip, flushing the cache when it is full,
 * as bt_unit_at does. */
static struct tu *
translate_at(gva_t eip)
{
	struct tu *tu = bt_translate(&vcpu, eip, eip - GVA_OFF);
	if (!tu) {
		tc_flush(&vcpu, "test: full");
		tu = bt_translate(&vcpu, eip, eip - GVA_OFF);
	}
	if (!tu) {
		fprintf(stderr, "translate_test: no unit at %08x\n", eip);
		exit(2);
	}
	return tu;
}

/* Nops everywhere, code at CODE_GVA, translated. */
static struct tu *
translate_code(const uint8_t *code, size_t n)
{
	machine_reset();
	poke(CODE_GVA, code, n);
	return translate_at(CODE_GVA);
}

/* One instruction of translated code: a decoded instruction, or a
 * callout with its three longs. */
struct tinsn {
	uint32_t off; /* from the unit's start */
	int len;      /* < 0: does not decode */
	bool callout;
	uint32_t kind, a0, a1;
	struct x86_insn in;
};

static struct tinsn
tdecode(const struct tu *tu, uint32_t off)
{
	struct tinsn t = {.off = off, .len = -1};
	const uint8_t *p = tu->tc + off;
	if (off >= tu->len)
		return t;
	if (off + 2 <= tu->len && p[0] == 0xCD && p[1] == BT_CALLOUT_VEC) {
		if (off + CALLOUT_BYTES > tu->len)
			return t;
		t.callout = true;
		t.len = CALLOUT_BYTES;
		memcpy(&t.kind, p + 2, 4);
		memcpy(&t.a0, p + 6, 4);
		memcpy(&t.a1, p + 10, 4);
		return t;
	}
	t.len = x86_decode(p, tu->len - off, &t.in);
	return t;
}

/* The callout at cache address addr, if it is one inside tu. */
static struct tinsn
callout_at(const struct tu *tu, uint32_t addr)
{
	struct tinsn none = {.len = -1};
	if (addr < ADDR(tu->tc) || addr >= ADDR(tu->tc) + tu->len)
		return none;
	struct tinsn t = tdecode(tu, addr - ADDR(tu->tc));
	return t.callout ? t : none;
}

/* Where the rel8/rel32 branch t goes (a cache address). */
static uint32_t
tbranch(const struct tu *tu, const struct tinsn *t)
{
	return x86_branch_target(&t->in, ADDR(tu->tc) + t->off);
}

static bool
is_jmp32(const struct tinsn *t)
{
	return t->len == 5 && !t->callout && t->in.opcode == 0xE9;
}

/*
 * Is t a rel32 jump (E9 or 0F 8x) to a CO_CONT stub of tu for guest
 * target, whose a1 names the jump's own rel32?
 */
static bool
jumps_to_cont(const struct tu *tu, const struct tinsn *t, gva_t target)
{
	if (t->len < 0 || t->callout || !(t->in.attr & X86_ATTR_REL) ||
	    t->in.imm_size != 4)
		return false;
	struct tinsn s = callout_at(tu, tbranch(tu, t));
	return s.len > 0 && s.kind == CO_CONT && s.a0 == target &&
	       s.a1 == ADDR(tu->tc) + t->off + t->len - 4;
}

/* Any CO_CONT stub (target not checked). */
static bool
jumps_to_any_cont(const struct tu *tu, const struct tinsn *t)
{
	if (t->len < 0 || t->callout || !(t->in.attr & X86_ATTR_REL) ||
	    t->in.imm_size != 4)
		return false;
	struct tinsn s = callout_at(tu, tbranch(tu, t));
	return s.len > 0 && s.kind == CO_CONT && jumps_to_cont(tu, t, s.a0);
}

static bool
has_point(const struct tu *tu, uint32_t off, gva_t eip)
{
	for (int i = 0; i < tu->npoints; i++)
		if (tu->points[i].tc_off == off && tu->points[i].eip == eip)
			return true;
	return false;
}

/*
 * The whole translation decodes instruction by instruction (callouts as
 * 14 bytes) and every recorded point, and every short jump inside it,
 * lands on one of those boundaries.  Returns false and says why.
 */
static bool
check_walk(const struct tu *tu, char *why, size_t whylen)
{
	static bool boundary[8192];
	uint32_t off = 0;
	if (tu->len >= sizeof(boundary)) {
		snprintf(why, whylen, "unit of %u bytes", tu->len);
		return false;
	}
	memset(boundary, 0, tu->len + 1);
	while (off < tu->len) {
		boundary[off] = true;
		struct tinsn t = tdecode(tu, off);
		if (t.len <= 0) {
			snprintf(why, whylen,
				 "byte %02x at +%u does not decode",
				 tu->tc[off], off);
			return false;
		}
		off += t.len;
	}
	boundary[tu->len] = true;
	for (int i = 0; i < tu->npoints; i++)
		if (tu->points[i].tc_off > tu->len ||
		    !boundary[tu->points[i].tc_off]) {
			snprintf(why, whylen,
				 "point %d (+%u) not at a boundary", i,
				 tu->points[i].tc_off);
			return false;
		}
	for (off = 0; off < tu->len;) {
		struct tinsn t = tdecode(tu, off);
		if (!t.callout && (t.in.attr & X86_ATTR_REL) &&
		    t.in.imm_size == 1) {
			uint32_t to = tbranch(tu, &t) - ADDR(tu->tc);
			if (to > tu->len || !boundary[to]) {
				snprintf(why, whylen,
					 "short jump at +%u lands at +%d", off,
					 (int)to);
				return false;
			}
		}
		off += t.len;
	}
	return true;
}

/* ---- How an instruction was translated ---- */

/* Does tu's body jump to bt_glue.S (ret, jmp *, call *, iret)? */
static bool
ends_in_glue(const struct tu *tu)
{
	struct tinsn t;
	for (uint32_t off = 0; (t = tdecode(tu, off)).len > 0; off += t.len)
		if (is_jmp32(&t) && (tbranch(tu, &t) == ADDR(bt_ind_lookup) ||
				     tbranch(tu, &t) == ADDR(bt_iret_user)))
			return true;
	return false;
}

enum cls {
	K_IDENT,
	K_CO_UD,
	K_CO_EMULATE,
	K_CO_EMULATE_END,
	K_CO_SOFTINT,
	K_CO_SIMULATE,
	K_CO_IO,
	K_JNO_SOFTINT,
	K_JUMP_CONT,
	K_LOOP_CONT,
	K_CALL_CONT,
	K_GS,
	K_GS_GLUE,
	K_INTC,
	K_UNCLASSIFIED,
	K_N
};

static const char *const cls_name[K_N] = {
    [K_IDENT] = "IDENT (copied)",
    [K_CO_UD] = "callout CO_UD",
    [K_CO_EMULATE] = "callout CO_EMULATE",
    [K_CO_EMULATE_END] = "callout CO_EMULATE_END",
    [K_CO_SOFTINT] = "callout CO_SOFTINT",
    [K_CO_SIMULATE] = "callout CO_SIMULATE",
    [K_CO_IO] = "callout CO_IO (fields match the insn)",
    [K_JNO_SOFTINT] = "jno over CO_SOFTINT (into)",
    [K_JUMP_CONT] = "jmp/jcc rel32 to continuation",
    [K_LOOP_CONT] = "loop/jecxz over jmps to continuations",
    [K_CALL_CONT] = "push guest return, jmp to continuation",
    [K_GS] = "in-TC %gs rewrite (65 ...)",
    [K_GS_GLUE] = "%gs rewrite, jmp to bt_ind_lookup/iret",
    [K_INTC] = "in-TC other (pushf)",
    [K_UNCLASSIFIED] = "UNCLASSIFIED",
};

/*
 * A CO_IO callout carries everything the monitor needs to do the in or
 * out without decoding it again: check each field against the decoder.
 */
static bool
io_fields_match(const struct x86_insn *in, uint32_t a0, uint32_t a1)
{
	uint32_t op = in->opcode;
	bool is_in = op == 0xE4 || op == 0xE5 || op == 0xEC || op == 0xED;
	bool dx = op >= 0xEC && op <= 0xEF;
	if (!(in->attr & X86_ATTR_IO) || op == 0x6C || op == 0x6D ||
	    op == 0x6E || op == 0x6F)
		return false; /* string I/O stays with CO_EMULATE */
	return a0 == CODE_GVA && CO_IO_LEN(a1) == (uint32_t)in->len &&
	       CO_IO_SIZE(a1) == (uint32_t)in->opsize &&
	       !!(a1 & CO_IO_IN) == is_in && !!(a1 & CO_IO_DX) == dx &&
	       (dx || CO_IO_PORT(a1) == (in->imm & 0xFF));
}

/*
 * Classify the translation of the instruction in (bytes code) at the
 * head of unit tu by its first emitted instruction.
 */
static enum cls
classify(const struct tu *tu, const struct x86_insn *in, const uint8_t *code)
{
	struct tinsn t = tdecode(tu, 0);
	if (t.len <= 0)
		return K_UNCLASSIFIED;
	if (t.callout) {
		switch (t.kind) {
		case CO_UD:
			return K_CO_UD;
		case CO_EMULATE:
			return K_CO_EMULATE;
		case CO_EMULATE_END:
			return K_CO_EMULATE_END;
		case CO_SOFTINT:
			return K_CO_SOFTINT;
		case CO_SIMULATE:
			return K_CO_SIMULATE;
		case CO_IO:
			return io_fields_match(in, t.a0, t.a1) ? K_CO_IO
							       : K_UNCLASSIFIED;
		}
		return K_UNCLASSIFIED;
	}
	/* Copied: the same bytes, and the next instruction's point right
	 * after them. */
	if (t.len == in->len && memcmp(tu->tc, code, in->len) == 0 &&
	    has_point(tu, in->len, tu->eip + in->len))
		return K_IDENT;
	if (t.in.seg == X86_SEG_GS)
		return ends_in_glue(tu) ? K_GS_GLUE : K_GS;
	if (jumps_to_any_cont(tu, &t))
		return K_JUMP_CONT;
	if (t.in.flow == X86_FLOW_LOOP) {
		struct tinsn j1 = tdecode(tu, t.off + t.len);
		struct tinsn j2 =
		    tdecode(tu, j1.off + (j1.len > 0 ? j1.len : 0));
		if (j1.len > 0 && j2.len > 0 && jumps_to_any_cont(tu, &j1) &&
		    jumps_to_any_cont(tu, &j2) &&
		    tbranch(tu, &t) == ADDR(tu->tc) + j2.off)
			return K_LOOP_CONT;
		return K_UNCLASSIFIED;
	}
	if (t.in.opcode == 0x68 && t.len == 5) {
		struct tinsn j = tdecode(tu, t.len);
		return jumps_to_any_cont(tu, &j) ? K_CALL_CONT : K_UNCLASSIFIED;
	}
	if (t.in.opcode == 0x71 && t.in.imm == CALLOUT_BYTES) {
		struct tinsn c = tdecode(tu, t.len);
		return c.callout && c.kind == CO_SOFTINT ? K_JNO_SOFTINT
							 : K_UNCLASSIFIED;
	}
	if (t.in.opcode == 0x9C && in->opcode == 0x9C)
		return K_INTC;
	return K_UNCLASSIFIED;
}

/* ---- 1. IDENT ---- */

static void
test_ident(void)
{
	/* Twelve ordinary instructions: a whole unit's worth. */
	static const uint8_t code[] = {
	    0x89, 0xC3,			  /* mov %eax,%ebx */
	    0x8B, 0x45, 0x08,		  /* mov 8(%ebp),%eax */
	    0x83, 0xC4, 0x10,		  /* add $0x10,%esp */
	    0x8D, 0x4C, 0x7E, 0x04,	  /* lea 4(%esi,%edi,2),%ecx */
	    0x55,			  /* push %ebp */
	    0x5F,			  /* pop %edi */
	    0x3D, 0x34, 0x12, 0x00, 0x00, /* cmp $0x1234,%eax */
	    0x6B, 0xD1, 0x07,		  /* imul $7,%ecx,%edx */
	    0x0F, 0xB6, 0x03,		  /* movzbl (%ebx),%eax */
	    0x0F, 0xA2,			  /* cpuid */
	    0x0F, 0x31,			  /* rdtsc */
	    0xF0, 0x83, 0x00, 0x01,	  /* lock addl $1,(%eax) */
	};
	struct tu *tu = translate_code(code, sizeof(code));

	CHECK(tu->eip == CODE_GVA, "unit eip %08x", tu->eip);
	CHECK(tu->ninsns == 12, "%u instructions in the unit, not 12",
	      tu->ninsns);
	CHECK(tu->len > sizeof(code) && memcmp(tu->tc, code, sizeof(code)) == 0,
	      "the translation does not start with the guest's bytes");
	/* Each instruction's start in the translation is a point for its
	 * guest eip, and tu_precise says so too. */
	uint32_t off = 0;
	for (int i = 0; i < 12; i++) {
		struct x86_insn in;
		int len = x86_decode(code + off, sizeof(code) - off, &in);
		gva_t eip = 0;
		uint8_t flags = 0xFF;
		CHECK(len > 0, "test code does not decode at +%u", off);
		if (len <= 0)
			return;
		CHECK(has_point(tu, off, CODE_GVA + off),
		      "no point +%u -> %08x (%s)", off, CODE_GVA + off,
		      x86_insn_name(&in));
		CHECK(tu_precise(tu, ADDR(tu->tc) + off, &eip, &flags) &&
			  eip == CODE_GVA + off && flags == 0,
		      "tu_precise(+%u) = %08x flags %x, not %08x", off, eip,
		      flags, CODE_GVA + off);
		off += len;
	}
	/* Twelve done: a jump to the continuation for the thirteenth. */
	struct tinsn j = tdecode(tu, sizeof(code));
	CHECK(is_jmp32(&j) && jumps_to_cont(tu, &j, CODE_GVA + sizeof(code)),
	      "the unit does not end with a jmp to a continuation for %08x",
	      (unsigned)(CODE_GVA + sizeof(code)));
	char why[128];
	CHECK(check_walk(tu, why, sizeof(why)), "translation: %s", why);
}

/* ---- 2. Every instruction the decoder knows ---- */

/* The instructions seen so far (by their bytes): each is tried once. */
#define SEEN_SIZE (1 << 17)
static struct seen {
	uint8_t len;
	uint8_t b[X86_MAX_INSN_LEN];
} * seen;

static bool
seen_before(const uint8_t *b, int len)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	for (uint32_t i = h % SEEN_SIZE;; i = (i + 1) % SEEN_SIZE) {
		if (seen[i].len == 0) {
			seen[i].len = len;
			memcpy(seen[i].b, b, len);
			return false;
		}
		if (seen[i].len == len && memcmp(seen[i].b, b, len) == 0)
			return true;
	}
}

#define WATCH (X86_ATTR_PRIV | X86_ATTR_IOPL | X86_ATTR_IO | X86_ATTR_SENSITIVE)

/*
 * Control transfers whose translation is a callout after which the unit
 * goes on (CO_EMULATE, "into"'s conditional CO_SOFTINT), by design:
 * hlt (the monitor waits, then the guest goes on at the next
 * instruction), into (taken only with OF set), and the transfers the
 * translator leaves to the monitor when they have an operand-size
 * prefix or a %gs override.  Anything else must end its unit.
 */
static bool
flow_may_continue(const struct x86_insn *in, enum cls c)
{
	if (in->flow == X86_FLOW_INT && in->opcode == 0xCE)
		return c == K_JNO_SOFTINT; /* into, whatever its prefixes */
	if (in->seg == X86_SEG_GS || in->flow == X86_FLOW_HLT)
		return c == K_CO_EMULATE;
	if (in->prefixes & X86_PFX_OPSIZE)
		return c == K_CO_EMULATE;
	return false;
}

/* Does in name %gs, which in translated code is the monitor's? */
static bool
touches_gs(const struct x86_insn *in)
{
	return in->seg == X86_SEG_GS || in->opcode == 0x0FA8 ||
	       in->opcode == 0x0FA9 || in->opcode == 0x0FB5 ||
	       ((in->opcode == 0x8C || in->opcode == 0x8E) &&
		in->reg == X86_SEG_GS);
}

struct sweep {
	unsigned total, tried, per_cls[K_N];
	unsigned watched[K_N], flow[K_N], flow_continues;
	unsigned cont_hlt, cont_into, cont_o16, cont_gs;
	unsigned ident_gs;   /* IDENT with a %gs override (vector encodings) */
	unsigned sreg_wrong; /* mov %sreg,%reg reading the wrong bt_area slot */
	unsigned failures;
};

static void
note_failure(struct sweep *s, const uint8_t *b, int len, const char *what,
	     const struct x86_insn *in)
{
	char hex[3 * X86_MAX_INSN_LEN + 1] = "";
	for (int i = 0; i < len; i++)
		sprintf(hex + 3 * i, "%02x ", b[i]);
	if (s->failures++ < 20)
		CHECK(false, "%s: %s(%s)", what, hex, x86_insn_name(in));
}

/* Translate the one instruction at b (it decodes) and check it. */
static void
sweep_one(struct sweep *s, const uint8_t *b, int len, const struct x86_insn *in)
{
	s->tried++;
	memset(guest_mem + 4 * PGSIZE, NOP, 2 * PGSIZE);
	poke(CODE_GVA, b, len);
	struct tu *tu = translate_at(CODE_GVA);
	enum cls c = classify(tu, in, b);
	char why[128];

	s->per_cls[c]++;
	if (c == K_UNCLASSIFIED)
		note_failure(s, b, len, "unclassified translation", in);
	if (!check_walk(tu, why, sizeof(why)))
		note_failure(s, b, len, why, in);
	if (in->encoding == X86_ENC_LEGACY && (in->attr & WATCH)) {
		s->watched[c]++;
		if (c == K_IDENT)
			note_failure(s, b, len,
				     "privileged/IO/sensitive copied IDENT",
				     in);
	}
	if (in->flow != X86_FLOW_NONE) {
		s->flow[c]++;
		if (c == K_IDENT)
			note_failure(s, b, len, "control transfer copied", in);
		else if (tu->ninsns != 1) {
			if (flow_may_continue(in, c)) {
				s->flow_continues++;
				if (in->seg == X86_SEG_GS)
					s->cont_gs++;
				else if (in->flow == X86_FLOW_HLT)
					s->cont_hlt++;
				else if (in->opcode == 0xCE)
					s->cont_into++;
				else
					s->cont_o16++;
			} else
				note_failure(s, b, len,
					     "control transfer does not end "
					     "the unit",
					     in);
		}
	}
	if (in->opcode == 0x8C && in->mod == 3 && c == K_GS) {
		/* mov %sreg,%reg from the bt_area: the slot of that sreg. */
		struct tinsn t = tdecode(tu, 0);
		uint32_t want = in->reg == X86_SEG_CS	? BTA_VCS
				: in->reg == X86_SEG_SS ? BTA_VSS
				: in->reg == X86_SEG_GS ? BTA_VGS
							: ~0u;
		if ((uint32_t)t.in.disp != want || t.in.reg != in->rm)
			s->sreg_wrong++;
	}
	if (c == K_IDENT && in->encoding == X86_ENC_LEGACY && touches_gs(in))
		note_failure(s, b, len, "%gs copied IDENT", in);
	if (c == K_IDENT && in->seg == X86_SEG_GS) {
		/* Copied with the monitor's %gs in place: a guest's %gs
		 * operand would reach the bt_area.  Only the vector
		 * encodings do this (translate_one returns them IDENT before
		 * it looks at %gs): counted, not failed, as a known issue. */
		s->ident_gs++;
	}
}

/* Try the bytes: prefixes pfx (npfx of them), then opcode bytes op
 * (nop), then a ModRM and filler. */
static void
sweep_bytes(struct sweep *s, const uint8_t *pfx, int npfx, const uint8_t *op,
	    int nop, uint8_t modrm)
{
	uint8_t b[32];
	int n = 0;
	struct x86_insn in;

	memcpy(b + n, pfx, npfx), n += npfx;
	memcpy(b + n, op, nop), n += nop;
	b[n++] = modrm;
	/* An immediate or displacement: small, so a branch stays in the
	 * guest's memory. */
	static const uint8_t fill[] = {0x10, 0x00, 0x00, 0x00, 0x08, 0x00,
				       0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
	memcpy(b + n, fill, sizeof(fill)), n += sizeof(fill);
	s->total++;
	int len = x86_decode(b, n, &in);
	if (len <= 0 || seen_before(b, len))
		return;
	sweep_one(s, b, len, &in);
}

static void
test_coverage(void)
{
	static const uint8_t pfxs[][2] = {{0},	  {0x66}, {0xF0},      {0x65},
					  {0xF3}, {0xF2}, {0x66, 0x65}};
	static const int npfxs[] = {0, 1, 1, 1, 1, 1, 2};
	struct sweep s = {0};

	seen = calloc(SEEN_SIZE, sizeof(*seen));
	CHECK(seen != NULL, "no memory");
	if (!seen)
		return;
	machine_reset();
	for (unsigned map = 0; map < 4; map++)
		for (unsigned op = 0; op < 256; op++)
			for (unsigned p = 0; p < 7; p++)
				for (unsigned m = 0; m < 16; m++) {
					/* mod 00 rm 000 ((%eax)) and mod 11
					 * rm 001 (%ecx), reg 0-7 */
					uint8_t modrm = m < 8 ? m << 3
							      : 0xC1 | (m - 8)
									   << 3;
					uint8_t ops[3] = {0x0F, 0x38, 0x3A};
					uint8_t o[3];
					int no = 0;
					if (map == 1)
						o[no++] = 0x0F;
					if (map >= 2)
						o[no++] = 0x0F,
						o[no++] = ops[map - 1];
					o[no++] = op;
					sweep_bytes(&s, pfxs[p], npfxs[p], o,
						    no, modrm);
				}
	free(seen);

	printf("\n  %u byte sequences, %u distinct instructions translated\n",
	       s.total, s.tried);
	printf("  %-42s %7s %11s %7s\n", "class of the first emitted insn",
	       "all", "priv/io/sn", "flow");
	for (int c = 0; c < K_N; c++)
		printf("  %-42s %7u %11u %7u\n", cls_name[c], s.per_cls[c],
		       s.watched[c], s.flow[c]);
	printf(
	    "  control transfers left to a callout, unit going on: %u\n"
	    "    (hlt %u, into %u, operand-size prefix %u, %%gs prefix %u)\n",
	    s.flow_continues, s.cont_hlt, s.cont_into, s.cont_o16, s.cont_gs);
	printf("  mov %%sreg,%%reg with a %%gs prefix read from the wrong "
	       "slot: %u\n",
	       s.sreg_wrong);
	printf("  vector encodings copied IDENT with a %%gs override: %u\n",
	       s.ident_gs);

	CHECK(s.tried > 1000, "only %u instructions tried", s.tried);
	CHECK(s.per_cls[K_IDENT] > 0 && s.per_cls[K_CO_EMULATE] > 0 &&
		  s.per_cls[K_GS] > 0 && s.per_cls[K_JUMP_CONT] > 0,
	      "a class is empty: the sweep did not reach it");
	CHECK(s.per_cls[K_UNCLASSIFIED] == 0, "%u translations unclassified",
	      s.per_cls[K_UNCLASSIFIED]);
	CHECK(s.watched[K_IDENT] == 0,
	      "%u privileged/IO/sensitive instructions copied",
	      s.watched[K_IDENT]);
	CHECK(s.flow[K_IDENT] == 0, "%u control transfers copied",
	      s.flow[K_IDENT]);
	CHECK(s.failures == 0, "%u failures in all", s.failures);
}

/* ---- 3. Bytes that are no instruction ---- */

/* The unit at CODE_GVA, after two nops, meets code: its last callout. */
static void
check_bad(const uint8_t *bad, size_t n, uint32_t kind, const char *what)
{
	uint8_t code[32] = {NOP, NOP};
	memcpy(code + 2, bad, n);
	struct tu *tu = translate_code(code, n + 2);
	struct tinsn t = tdecode(tu, 2);

	CHECK(tu->ninsns == 3, "%s: %u instructions in the unit, not 3", what,
	      tu->ninsns);
	CHECK(t.callout && t.kind == kind && t.a0 == CODE_GVA + 2,
	      "%s: at +2 not a callout %u for %08x (callout %d kind %u a0 "
	      "%08x)",
	      what, kind, CODE_GVA + 2, t.callout, t.kind, t.a0);
	CHECK(has_point(tu, 2, CODE_GVA + 2), "%s: no point at the callout",
	      what);
	CHECK(tu->len == 2 + CALLOUT_BYTES,
	      "%s: %u bytes of translation, not the callout alone", what,
	      tu->len);
}

static void
test_undecodable(void)
{
	static const uint8_t ud2[] = {0x0F, 0x0B};
	static const uint8_t ffff[] = {0xFF, 0xFF};
	static const uint8_t int1[] = {0xF1};
	uint8_t long_insn[17];

	memset(long_insn, 0x66, 16);
	long_insn[16] = NOP;
	check_bad(ud2, sizeof(ud2), CO_UD, "ud2");
	check_bad(ffff, sizeof(ffff), CO_UD, "ff ff");
	check_bad(int1, sizeof(int1), CO_UD, "int1");
	check_bad(long_insn, sizeof(long_insn), CO_EMULATE_END, "16 prefixes");

	/* An instruction cut by an unmapped page ends the unit before it:
	 * the unit that starts there meets the fault. */
	machine_reset();
	static const uint8_t mov_imm[] = {0xB8, 1, 2, 3, 4};
	gva_t at = CODE_GVA + PGSIZE - 2;
	poke(at, mov_imm, sizeof(mov_imm));
	guest_mem[at - GVA_OFF - GUEST_GPA - 1] = NOP;
	unmapped_gva = CODE_GVA + PGSIZE;
	struct tu *tu = translate_at(at - 1);
	struct tinsn j = tdecode(tu, 1);
	CHECK(tu->ninsns == 1 && is_jmp32(&j) && jumps_to_cont(tu, &j, at),
	      "a cut instruction after a nop: %u instructions, no jmp to a "
	      "continuation for %08x",
	      tu->ninsns, at);
}

/* ---- 4. Control flow ---- */

static void
test_jcc(void)
{
	static const uint8_t je[] = {0x74, 0x10}; /* je .+0x12 */
	struct tu *tu = translate_code(je, sizeof(je));
	struct tinsn t = tdecode(tu, 0);
	struct tinsn j = tdecode(tu, t.len > 0 ? t.len : 0);

	CHECK(t.len == 6 && tu->tc[0] == 0x0F && tu->tc[1] == 0x84,
	      "je rel8 is not je rel32 (0f 84): %02x %02x", tu->tc[0],
	      tu->tc[1]);
	CHECK(jumps_to_cont(tu, &t, CODE_GVA + 2 + 0x10),
	      "je: not to a continuation for the taken target %08x",
	      CODE_GVA + 2 + 0x10);
	CHECK(is_jmp32(&j) && jumps_to_cont(tu, &j, CODE_GVA + 2),
	      "je: no jmp to a continuation for the fall-through %08x",
	      CODE_GVA + 2);
	CHECK(tu->ninsns == 1, "je: %u instructions in the unit", tu->ninsns);

	/* Every condition keeps its code; jcc rel32 and jmp too. */
	for (int cc = 0; cc < 16; cc++) {
		uint8_t jcc32[] = {0x0F, 0x80 | cc, 0x00, 0x01, 0, 0};
		uint8_t jcc8[] = {0x70 | cc, 0xF0};
		tu = translate_code(jcc8, sizeof(jcc8));
		CHECK(tu->tc[0] == 0x0F && tu->tc[1] == (0x80 | cc),
		      "jcc rel8 %02x became %02x %02x", jcc8[0], tu->tc[0],
		      tu->tc[1]);
		t = tdecode(tu, 0);
		CHECK(jumps_to_cont(tu, &t, CODE_GVA + 2 - 0x10),
		      "jcc rel8 %02x: backward target", jcc8[0]);
		tu = translate_code(jcc32, sizeof(jcc32));
		t = tdecode(tu, 0);
		CHECK(tu->tc[1] == (0x80 | cc) &&
			  jumps_to_cont(tu, &t, CODE_GVA + 6 + 0x100),
		      "jcc rel32 0f %02x", 0x80 | cc);
	}
	static const uint8_t jmp8[] = {0xEB, 0x20};
	tu = translate_code(jmp8, sizeof(jmp8));
	t = tdecode(tu, 0);
	CHECK(is_jmp32(&t) && jumps_to_cont(tu, &t, CODE_GVA + 2 + 0x20) &&
		  tu->ninsns == 1,
	      "jmp rel8: not a jmp rel32 to its continuation");

	/* loop: the taken jump is the second, over the fall-through. */
	static const uint8_t loop[] = {0xE2, 0xFE}; /* loop . */
	tu = translate_code(loop, sizeof(loop));
	t = tdecode(tu, 0);
	struct tinsn fall = tdecode(tu, 2), taken = tdecode(tu, 7);
	CHECK(t.len == 2 && tu->tc[0] == 0xE2 &&
		  tbranch(tu, &t) == ADDR(tu->tc) + 7 &&
		  jumps_to_cont(tu, &fall, CODE_GVA + 2) &&
		  jumps_to_cont(tu, &taken, CODE_GVA),
	      "loop: not loop over jmp(next) to jmp(target)");
}

static void
test_call(void)
{
	static const uint8_t call[] = {0xE8, 0x00, 0x01, 0x00, 0x00};
	struct tu *tu = translate_code(call, sizeof(call));
	struct tinsn push = tdecode(tu, 0), j = tdecode(tu, 5);

	CHECK(push.len == 5 && push.in.opcode == 0x68 &&
		  push.in.imm == CODE_GVA + 5,
	      "call: not push $%08x (the guest's return address) first: "
	      "opcode %x imm %08x",
	      CODE_GVA + 5, push.in.opcode, push.in.imm);
	CHECK(is_jmp32(&j) && jumps_to_cont(tu, &j, CODE_GVA + 5 + 0x100),
	      "call: no jmp to a continuation for the target %08x",
	      CODE_GVA + 5 + 0x100);
	CHECK(has_point(tu, 0, CODE_GVA), "call: the push is not at a point");
	CHECK(tu->ninsns == 1, "call: %u instructions in the unit", tu->ninsns);
}

/* The glue jump at the end of tu's body goes to fn. */
static bool
ends_in_jump_to(const struct tu *tu, uint32_t off, void (*fn)(void))
{
	struct tinsn t = tdecode(tu, off);
	return is_jmp32(&t) && tbranch(tu, &t) == ADDR(fn) &&
	       off + t.len == tu->len;
}

/*
 * The miss jump mj of a predicted branch reaches a stub calling out with
 * kind, naming the prediction (at lea_off + 2) and the jump's rel32.
 */
static void
check_prediction_stub(const struct tu *tu, const struct tinsn *mj,
		      uint32_t lea_off, uint32_t kind, const char *name)
{
	struct tinsn stub = tdecode(tu, tbranch(tu, mj) - ADDR(tu->tc));
	CHECK(stub.callout && stub.kind == kind &&
		  stub.a0 == ADDR(tu->tc) + lea_off + 2 &&
		  stub.a1 == ADDR(tu->tc) + mj->off + 1,
	      "%s: the miss jump does not reach a callout %u stub naming "
	      "its prediction and its rel32",
	      name, kind);
}

/*
 * The hit jump hj of a predicted branch goes to the slow path right
 * after it: the prediction (patched at RET_SLOW_IMM) into %gs:TGT, then
 * the lookup.
 */
static void
check_slow_path(const struct tu *tu, const struct tinsn *hj, const char *name)
{
	struct tinsn st = tdecode(tu, hj->off + 5);
	struct tinsn sj = tdecode(tu, st.off + st.len);
	CHECK(st.in.opcode == 0xC7 && st.in.seg == X86_SEG_GS &&
		  st.in.disp == BTA_TGT &&
		  st.in.imm == (uint32_t)-RET_NO_PREDICTION &&
		  st.off + 7 == hj->off + 1 + RET_SLOW_IMM && is_jmp32(&sj) &&
		  tbranch(tu, &sj) == ADDR(bt_ind_lookup),
	      "%s: slow path not movl $predicted,%%gs:TGT at RET_SLOW_IMM; "
	      "jmp bt_ind_lookup",
	      name);
}

static void
test_ret(void)
{
	/* ret and ret $8: the prediction, the miss path to a CO_RET stub,
	 * the hit path (emit_ret). */
	static const uint8_t ret[] = {0xC3};
	static const uint8_t ret8[] = {0xC2, 0x08, 0x00};
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "ret $8" : "ret";
		uint32_t pop = k ? 8 : 0;
		struct tu *tu = k ? translate_code(ret8, sizeof(ret8))
				  : translate_code(ret, sizeof(ret));
		struct tinsn save = tdecode(tu, 0);
		struct tinsn load = tdecode(tu, save.len);
		struct tinsn lea = tdecode(tu, save.len + load.len);
		struct tinsn jz = tdecode(tu, lea.off + lea.len);
		uint32_t miss = jz.off + jz.len;
		CHECK(save.len == 7 && save.in.opcode == 0x89 &&
			  save.in.seg == X86_SEG_GS &&
			  save.in.disp == BTA_S_ECX && save.in.reg == X86_ECX,
		      "%s: not movl %%ecx,%%gs:S_ECX first", name);
		CHECK(has_point(tu, load.off, CODE_GVA) &&
			  load.in.opcode == 0x8B && load.in.base == X86_ESP &&
			  load.in.reg == X86_ECX && load.in.disp == 0,
		      "%s: not a precise movl (%%esp),%%ecx next", name);
		CHECK(lea.in.opcode == 0x8D && lea.in.base == X86_ECX &&
			  lea.in.reg == X86_ECX &&
			  lea.in.disp == RET_NO_PREDICTION && lea.len == 6,
		      "%s: no lea disp32(%%ecx),%%ecx with no prediction", name);
		CHECK(jz.in.opcode == 0xE3 && jz.len == 2, "%s: no jecxz", name);
		uint32_t hit = tbranch(tu, &jz) - ADDR(tu->tc);

		/* The miss path: the guest's %ecx back, the target popped
		 * into %gs:TGT, the jump to the stub. */
		struct tinsn m1 = tdecode(tu, miss);
		struct tinsn m2 = tdecode(tu, m1.off + m1.len);
		uint32_t off = m2.off + m2.len;
		if (pop) {
			struct tinsn m3 = tdecode(tu, off);
			CHECK(m3.in.opcode == 0x8D && m3.in.base == X86_ESP &&
				  m3.in.disp == 8,
			      "ret $8: the miss path does not pop 8 more");
			off += m3.len;
		}
		struct tinsn mj = tdecode(tu, off);
		CHECK(m1.in.opcode == 0x8B && m1.in.disp == BTA_S_ECX &&
			  m2.in.opcode == 0x8F && m2.in.disp == BTA_TGT &&
			  is_jmp32(&mj) && mj.off + mj.len == hit,
		      "%s: miss path not movl S_ECX; popl TGT; jmp", name);
		check_prediction_stub(tu, &mj, lea.off, CO_RET, name);

		/* The hit path: %ecx back, the pop, the jump that CO_RET
		 * chains (until then to the slow path right after it). */
		struct tinsn h1 = tdecode(tu, hit);
		struct tinsn h2 = tdecode(tu, h1.off + h1.len);
		struct tinsn hj = tdecode(tu, h2.off + h2.len);
		CHECK(h1.in.opcode == 0x8B && h1.in.disp == BTA_S_ECX &&
			  h2.in.opcode == 0x8D && h2.in.base == X86_ESP &&
			  h2.in.disp == (int32_t)(4 + pop) && is_jmp32(&hj) &&
			  tbranch(tu, &hj) == ADDR(tu->tc) + hj.off + 5 &&
			  hj.off + 1 == mj.off + 1 + RET_HIT_REL,
		      "%s: hit path not movl S_ECX; lea %u(%%esp); jmp slow, "
		      "RET_HIT_REL past the miss jump",
		      name, 4 + pop);
		check_slow_path(tu, &hj, name);
	}

	/* jmp *%eax and call *8(%ebx): the target predicted as a ret's is
	 * (emit_ind): loaded into %ecx (saved) by a precise load, the
	 * return pushed (call), compared with the prediction, a miss path
	 * to a CO_IND_PRED stub and a hit path to the slow path. */
	static const uint8_t jmpi[] = {0xFF, 0xE0};
	static const uint8_t calli[] = {0xFF, 0x53, 0x08};
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "call *8(%ebx)" : "jmp *%eax";
		const uint8_t *c = k ? calli : jmpi;
		size_t n = k ? sizeof(calli) : sizeof(jmpi);
		struct tu *tu = translate_code(c, n);
		struct tinsn save = tdecode(tu, 0);
		struct tinsn load = tdecode(tu, save.len);
		uint32_t off = load.off + load.len;
		CHECK(save.len == 7 && save.in.opcode == 0x89 &&
			  save.in.seg == X86_SEG_GS &&
			  save.in.disp == BTA_S_ECX && save.in.reg == X86_ECX,
		      "%s: not movl %%ecx,%%gs:S_ECX first", name);
		CHECK(has_point(tu, load.off, CODE_GVA) &&
			  load.in.opcode == 0x8B && load.in.reg == X86_ECX &&
			  (k ? load.in.base == X86_EBX && load.in.disp == 8
			     : load.in.mod == 3 && load.in.rm == X86_EAX),
		      "%s: not a precise load of the operand into %%ecx", name);
		if (k) {
			struct tinsn push = tdecode(tu, off);
			CHECK(has_point(tu, push.off, CODE_GVA) &&
				  push.in.opcode == 0x68 &&
				  push.in.imm == CODE_GVA + n,
			      "%s: the return address not pushed, precisely",
			      name);
			off += push.len;
		}
		struct tinsn lea = tdecode(tu, off);
		struct tinsn jz = tdecode(tu, lea.off + lea.len);
		struct tinsn again = tdecode(tu, jz.off + jz.len);
		CHECK(lea.in.opcode == 0x8D && lea.in.base == X86_ECX &&
			  lea.in.reg == X86_ECX &&
			  lea.in.disp == RET_NO_PREDICTION && lea.len == 6 &&
			  jz.in.opcode == 0xE3 &&
			  again.in.opcode == 0x8D &&
			  again.in.disp == (int32_t)-RET_NO_PREDICTION &&
			  again.off + 2 == lea.off + 2 + IND_AGAIN,
		      "%s: no lea -pred; jecxz; lea +pred at IND_AGAIN", name);
		struct tinsn m1 = tdecode(tu, again.off + again.len);
		struct tinsn m2 = tdecode(tu, m1.off + m1.len);
		struct tinsn mj = tdecode(tu, m2.off + m2.len);
		CHECK(m1.in.opcode == 0x89 && m1.in.disp == BTA_TGT &&
			  m2.in.opcode == 0x8B && m2.in.disp == BTA_S_ECX &&
			  is_jmp32(&mj),
		      "%s: miss path not movl TGT; movl S_ECX; jmp", name);
		check_prediction_stub(tu, &mj, lea.off, CO_IND_PRED, name);
		struct tinsn h1 = tdecode(tu, mj.off + mj.len);
		struct tinsn hj = tdecode(tu, h1.off + h1.len);
		CHECK(tbranch(tu, &jz) == ADDR(tu->tc) + h1.off &&
			  h1.in.opcode == 0x8B && h1.in.disp == BTA_S_ECX &&
			  is_jmp32(&hj) &&
			  tbranch(tu, &hj) == ADDR(tu->tc) + hj.off + 5 &&
			  hj.off + 1 == mj.off + 1 + IND_HIT_REL,
		      "%s: hit path not movl S_ECX; jmp slow, IND_HIT_REL "
		      "past the miss jump",
		      name);
		check_slow_path(tu, &hj, name);
	}

	/* iret: its eip to %gs:RESUME_EIP, then the glue. */
	static const uint8_t iret[] = {0xCF};
	struct tu *tu = translate_code(iret, sizeof(iret));
	struct tinsn st = tdecode(tu, 0);
	CHECK(st.len == 11 && st.in.opcode == 0xC7 && st.in.seg == X86_SEG_GS &&
		  st.in.disp == BTA_RESUME_EIP && st.in.imm == CODE_GVA &&
		  ends_in_jump_to(tu, 11, bt_iret_user),
	      "iret: not movl $eip,%%gs:RESUME_EIP; jmp bt_iret_user");
}

/* ---- 4b. In-TC: cli, sti, pushf, popf ---- */

/* Is t "movl $imm, %gs:off"? */
static bool
is_gs_store_imm(const struct tinsn *t, uint32_t off, uint32_t imm)
{
	return t->len == 11 && !t->callout && t->in.opcode == 0xC7 &&
	       t->in.seg == X86_SEG_GS && t->in.base == X86_REG_NONE &&
	       (uint32_t)t->in.disp == off && t->in.imm == imm;
}

static void
test_cli_sti(void)
{
	static const uint8_t cli[] = {0xFA};
	static const uint8_t sti[] = {0xFB};
	struct tu *tu = translate_code(cli, sizeof(cli));
	struct tinsn t = tdecode(tu, 0);

	CHECK(is_gs_store_imm(&t, BTA_VIF, 0),
	      "cli: not movl $0,%%gs:VIF (%02x %02x ...)", tu->tc[0],
	      tu->tc[1]);
	CHECK(has_point(tu, 11, CODE_GVA + 1), "cli: no point after it");

	tu = translate_code(sti, sizeof(sti));
	t = tdecode(tu, 0);
	CHECK(is_gs_store_imm(&t, BTA_VIF, FL_IF),
	      "sti: not movl $0x200,%%gs:VIF");
	/* The interrupt shadow: the next instruction (a nop) first, then
	 * the check, whose callout is CO_IRQ for the eip after the nop. */
	CHECK(tu->tc[11] == NOP, "sti: the next instruction is not next");
	bool irq = false;
	for (uint32_t off = 12; (t = tdecode(tu, off)).len > 0; off += t.len)
		if (t.callout && t.kind == CO_IRQ) {
			irq = t.a0 == CODE_GVA + 2 &&
			      callout_at(tu, t.a1).len < 0 &&
			      t.a1 > ADDR(tu->tc) + off &&
			      t.a1 < ADDR(tu->tc) + tu->len;
			break;
		}
	CHECK(irq, "sti: no CO_IRQ check for %08x after the next instruction",
	      CODE_GVA + 2);
}

/* Does t write the arithmetic flags?  What an inserted sequence may
 * use (DESIGN §10): mov, lea, movzwl, push, pop, jmp, jecxz. */
static bool
flag_neutral(const struct tinsn *t)
{
	if (t->callout)
		return true;
	switch (t->in.opcode) {
	case 0x88:
	case 0x89:
	case 0x8A:
	case 0x8B:
	case 0x8C:
	case 0x8E:
	case 0x8D:
	case 0xC7:
	case 0x0FB7:
	case 0x68:
	case 0x6A:
	case 0x8F:
	case 0xE9:
	case 0xE3:
	case 0x9C:
		return true;
	}
	if (t->in.opcode >= 0x50 && t->in.opcode <= 0x5F)
		return true;
	if (t->in.opcode >= 0xB8 && t->in.opcode <= 0xBF)
		return true;
	if (t->in.opcode == 0xFF && t->in.reg == 6) /* push r/m */
		return true;
	return false;
}

/* Where the translation of the instruction before eip ends: eip's last
 * point (an expansion may have several, the last is where it is done). */
static uint32_t
last_point(const struct tu *tu, gva_t eip)
{
	uint32_t end = 0;
	for (int i = 0; i < tu->npoints; i++)
		if (tu->points[i].eip == eip && tu->points[i].tc_off > end)
			end = tu->points[i].tc_off;
	return end;
}

static void
test_pushf_popf(void)
{
	static const uint8_t pushf[] = {0x9C};
	static const uint8_t popf[] = {0x9D};
	struct tu *tu = translate_code(pushf, sizeof(pushf));
	struct tinsn t = tdecode(tu, 0);
	uint32_t off, end = 0;

	/* The next instruction's point ends the expansion. */
	end = last_point(tu, CODE_GVA + 1);
	CHECK(t.len == 1 && tu->tc[0] == 0x9C && end > 1,
	      "pushf: not pushfl first, then more (to +%u)", end);
	bool vif = false, viopl = false;
	for (off = 1; off < end && (t = tdecode(tu, off)).len > 0;
	     off += t.len) {
		CHECK(flag_neutral(&t),
		      "pushf: %s at +%u changes the flags after the pushfl",
		      x86_insn_name(&t.in), off);
		CHECK(t.in.opcode != 0x9C && t.in.opcode != 0x9D && !t.callout,
		      "pushf: pushf/popf/callout at +%u", off);
		if (t.in.seg == X86_SEG_GS && t.in.disp == BTA_VIF)
			vif = true;
		if (t.in.seg == X86_SEG_GS && t.in.disp == BTA_VIOPL)
			viopl = true;
		/* Nothing after the pushfl is a point: it may not fault. */
		for (int i = 0; i < tu->npoints; i++)
			CHECK(tu->points[i].tc_off != off,
			      "pushf: a point at +%u, inside the expansion",
			      off);
	}
	CHECK(off == end && vif && viopl,
	      "pushf: the expansion does not read %%gs:VIF and %%gs:VIOPL");

	/* popf: whatever changes the flags comes before the popfl (which
	 * loads them all), and no point lies between the two. */
	tu = translate_code(popf, sizeof(popf));
	bool dirty = false, popfl = false;
	end = last_point(tu, CODE_GVA + 1);
	CHECK(end > 0 && tu->tc[end] == NOP, "popf: no end to the expansion");
	for (off = 0; off < end && (t = tdecode(tu, off)).len > 0;
	     off += t.len) {
		if (dirty)
			for (int i = 0; i < tu->npoints; i++)
				CHECK(tu->points[i].tc_off != off,
				      "popf: a point at +%u with the flags "
				      "changed",
				      off);
		if (!t.callout && t.in.opcode == 0x9D) {
			CHECK(!popfl, "popf: two popfl");
			popfl = true;
			dirty = false;
		} else if (!flag_neutral(&t)) {
			CHECK(!popfl,
			      "popf: %s at +%u changes the flags after "
			      "the popfl",
			      x86_insn_name(&t.in), off);
			dirty = true;
		}
		if (!t.callout && t.in.opcode == 0xC7 && t.in.seg == X86_SEG_GS)
			CHECK(false, "popf: a constant store at +%u", off);
	}
	CHECK(popfl, "popf: no popfl in the expansion");
}

/* ---- 5. The unit's length ---- */

static void
test_unit_limit(void)
{
	uint8_t nops[30];
	memset(nops, NOP, sizeof(nops));
	struct tu *tu = translate_code(nops, sizeof(nops));
	struct tinsn j = tdecode(tu, tu->ninsns);

	CHECK(tu->ninsns >= 1 && tu->ninsns <= TU_MAX_INSNS,
	      "%u instructions in a unit (at most %d)", tu->ninsns,
	      TU_MAX_INSNS);
	CHECK(is_jmp32(&j) && jumps_to_cont(tu, &j, CODE_GVA + tu->ninsns),
	      "after %u nops, no jmp to a continuation for %08x", tu->ninsns,
	      CODE_GVA + tu->ninsns);
	for (int i = 0; i < tu->ninsns; i++)
		CHECK(tu->tc[i] == NOP && has_point(tu, i, CODE_GVA + i),
		      "nop %d: not copied at +%d with its point", i, i);
	/* The stub after the body, and nothing else. */
	CHECK(tu->len == tu->ninsns + 5 + CALLOUT_BYTES,
	      "%u bytes: not %u nops, a jmp and its stub", tu->len, tu->ninsns);
}

/* An instruction found guilty (adapt.c) becomes CO_SIMULATE, and the
 * unit goes on after it. */
static void
test_adapted(void)
{
	static const uint8_t code[] = {0x89, 0x03, NOP}; /* mov %eax,(%ebx) */
	machine_reset();
	poke(CODE_GVA, code, sizeof(code));
	adapted_eip = CODE_GVA;
	struct tu *tu = translate_at(CODE_GVA);
	struct tinsn t = tdecode(tu, 0);

	CHECK(t.callout && t.kind == CO_SIMULATE && t.a0 == CODE_GVA &&
		  t.a1 == 2,
	      "guilty mov: not CO_SIMULATE(%08x, 2)", CODE_GVA);
	CHECK(has_point(tu, CALLOUT_BYTES, CODE_GVA + 2) &&
		  tu->tc[CALLOUT_BYTES] == NOP,
	      "guilty mov: the unit does not go on after the callout");
}

/* Translated code may write the bt_area's header, which the hole guard
 * leaves writable to ring 1, and nothing after it: not the hash, whose
 * entries it jumps through, nor the selector table. */
static void
test_guarded_area(void)
{
	machine_reset();
	CHECK(kept_start == (uintptr_t)bt_area,
	      "tc_init kept %08lx writable, not the bt_area at %08lx",
	      (unsigned long)kept_start, (unsigned long)(uintptr_t)bt_area);
	CHECK(kept_len == PGSIZE && BTA_HASH == PGSIZE,
	      "kept %lu bytes writable; the hash starts at %u",
	      (unsigned long)kept_len, BTA_HASH);
	CHECK(offsetof(struct bt_area, vcr4) + 4 <= kept_len &&
		  offsetof(struct bt_area, ind_hits) + 4 <= kept_len &&
		  offsetof(struct bt_area, hash) >= kept_len &&
		  offsetof(struct bt_area, seltab) >= kept_len,
	      "the header and the tables straddle the kept page");
}

static const struct test_case tests[] = {
    {"translate", "ident", test_ident},
    {"translate", "coverage", test_coverage},
    {"translate", "undecodable", test_undecodable},
    {"translate", "jcc_jmp_loop", test_jcc},
    {"translate", "call", test_call},
    {"translate", "ret_indirect_iret", test_ret},
    {"translate", "cli_sti", test_cli_sti},
    {"translate", "pushf_popf", test_pushf_popf},
    {"translate", "unit_limit", test_unit_limit},
    {"translate", "adapted", test_adapted},
    {"translate", "guarded_area", test_guarded_area},
};

int
main(void)
{
	return test_table_run("translate_test", tests,
			      sizeof(tests) / sizeof(tests[0]), NULL);
}
