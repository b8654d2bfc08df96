/*
 * Translating guest kernel code (Adams & Agesen §3.2).
 *
 * A translation unit (TU) is at most TU_MAX_INSNS guest instructions,
 * ending at the first control-flow instruction.  Each instruction is
 * translated one of a few ways:
 *
 *   IDENT      copied as it is: most instructions behave the same at
 *              ring 1 as at ring 0 (mov, add, push, lea, cpuid...);
 *   in-TC      rewritten to act on the virtual CPU through %gs without
 *              leaving translated code: cli, sti, pushf, popf, push %cs,
 *              mov %cs/%ss, and the guest's own uses of %gs;
 *   control    rewritten: direct branches go to continuations (later
 *              chained), indirect ones through the inline hash lookup,
 *              calls push the guest's return address, never ours;
 *   callout    everything the monitor must do: privileged and I/O
 *              instructions, sgdt and its kind, far transfers, iret,
 *              int n, and bytes that are no instruction.
 *
 * Every rewriting keeps the guest's flags and registers as the CPU would
 * leave them, and puts anything that may fault before anything that
 * changes the guest's state, so that a fault is always precise: at a
 * recorded point, the guest's state is exactly its state before one of
 * its instructions.
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/gmem.h>
#include <inc/mmu.h>
#include <inc/string.h>
#include <inc/x86.h>
#include <inc/x86decode.h>
#include <kern/kbase.h>
#include <lab3-bt/bt.h>

/*
 * The unit being built.  Addresses (start, p, limit) are where the code
 * will run, in the cache; the bytes go to a staging buffer first and are
 * copied in at the end, in one go: writing code the CPU may have cached
 * byte by byte is slow on some CPUs (and on QEMU's TCG, very).
 */
/* The bt_area's selector, in memory %cs can read. */
static const uint16_t bt_gs_selector = KSEL_ENGINE1 | 1;

#define STAGE_BYTES 4096
static uint8_t stage[STAGE_BYTES];

struct emit {
	struct tu *tu;
	uint8_t *start, *p, *limit;
	/* Jumps whose target is a continuation, made after the body. */
	struct {
		uint8_t *rel;	/* the rel32 to point at the stub */
		gva_t target;
	} conts[4];
	int nconts;
	/* A ret's prediction and miss jump (emit_ret), for its stub. */
	struct {
		uint8_t *predicted, *miss_rel;
		uint32_t kind; /* CO_RET or CO_IND_PRED */
	} ret;
	bool full;
};

static void
b1(struct emit *e, uint8_t x)
{
	if (e->p >= e->limit) {
		e->full = true;
		return;
	}
	stage[e->p - e->start] = x;
	e->p++;
}

/* A few bytes at a time: a loop, not a call of memcpy (GCC would make
 * it one, hence the attribute), costs the translator less. */
static void __attribute__((optimize("no-tree-loop-distribute-patterns")))
bytes(struct emit *e, const uint8_t *src, size_t n)
{
	if ((size_t)(e->limit - e->p) < n) {
		e->full = true;
		e->p = e->limit;
		return;
	}
	uint8_t *d = &stage[e->p - e->start];
	for (size_t i = 0; i < n; i++)
		d[i] = src[i];
	e->p += n;
}

static void
b4(struct emit *e, uint32_t x)
{
	bytes(e, (const uint8_t *)&x, 4);
}

/* Rewrite four bytes already emitted at (cache address) at. */
static void
patch32(struct emit *e, uint8_t *at, uint32_t x)
{
	memcpy(&stage[at - e->start], &x, 4);
}

/* Mark "the guest's state here is its state before the instruction at
 * guest eip". */
static void
point_at(struct emit *e, gva_t eip)
{
	struct tu *tu = e->tu;
	assert(tu->npoints < TU_MAX_POINTS);
	tu->points[tu->npoints++] = (struct tu_point){ e->p - e->start, 0, eip };
}

/* ... at the instruction goff bytes into the unit. */
static void
point(struct emit *e, uint32_t goff)
{
	point_at(e, e->tu->eip + goff);
}

/* A %gs-relative absolute operand: prefix 65, opcode, ModRM 00 reg 101. */
static void
gs_op(struct emit *e, uint8_t op, int reg, uint32_t off)
{
	b1(e, 0x65);
	b1(e, op);
	b1(e, (reg << 3) | 5);
	b4(e, (uint32_t)off);
}

/* movl $imm, %gs:off */
static void
gs_store_imm(struct emit *e, uint32_t off, uint32_t imm)
{
	gs_op(e, 0xC7, 0, off);
	b4(e, imm);
}

/* ... with the guest's %eax saved in %gs:BTA_S_EAX, not in %eax. */
static void
point_eax_saved(struct emit *e, uint32_t goff)
{
	point(e, goff);
	e->tu->points[e->tu->npoints - 1].flags = PT_EAX_SAVED;
}

/*
 * Load a selector into the guest's %gs, which lives in the bt_area: the
 * CPU checks it by loading it into the real %gs (a #GP or #NP there is
 * the guest's, precise with %eax restored), then the bt_area's selector
 * goes back.  src_modrm: how to fetch the value into %eax (a register,
 * or (%esp) for pop).
 */
enum gs_src { GS_POP, GS_REG, GS_MEM };

static void mov_rm_to_eax(struct emit *e, const struct x86_insn *in,
			  const uint8_t *code, uint8_t opcode, bool word);
static void mov_rm_to_reg(struct emit *e, const struct x86_insn *in,
			  const uint8_t *code, uint8_t opcode, bool word,
			  int reg);

/*
 * The selector in %eax is about to be loaded into segment register sreg
 * (the guest's %eax and %ecx are in the bt_area).  The CPU checks it
 * against the shadow GDT at ring 1, which differs from the guest's view
 * at CPL 0 in two ways: the table's top entries are the monitor's
 * (kern/kbase.h), among them the engine's own DPL-1 code and %gs
 * segments, which the guest's GDT cannot hold; and a DPL-0 descriptor
 * is DPL 1 there, so a selector with RPL 1 or 2 loads it where the CPU
 * gives the guest #GP.  A selector with RPL 1 or 2 (the bt_area's table
 * by its low byte) or whose high byte is 0xFF calls out, and the monitor
 * raises the #GP or lets the load go on; any other goes straight on.
 * movzbl, lea and jecxz: no flag changes.
 */
static void callout(struct emit *e, uint32_t kind, uint32_t a0, uint32_t a1);
static void emit_ret(struct emit *e, uint32_t goff, uint32_t pop);

static void
selector_check(struct emit *e, gva_t eip, int sreg)
{
	b1(e, 0x0F), b1(e, 0xB6), b1(e, 0xC8);	    /* movzbl %al,%ecx */
	b1(e, 0x65), b1(e, 0x0F), b1(e, 0xB6);	    /* movzbl %gs:SELTAB(%ecx),%ecx */
	b1(e, 0x89), b4(e, BTA_SELTAB);
	b1(e, 0xE3), b1(e, CALLOUT_BYTES);	    /* jecxz: RPL 0 or 3 */
	callout(e, CO_SEGLOAD, eip, sreg);
	b1(e, 0x0F), b1(e, 0xB6), b1(e, 0xCC);	    /* movzbl %ah,%ecx */
	b1(e, 0x8D), b1(e, 0x89), b4(e, -0xFFu);    /* lea -0xff(%ecx),%ecx */
	b1(e, 0xE3), b1(e, 2);			    /* jecxz: 0xFF, call out */
	b1(e, 0xEB), b1(e, CALLOUT_BYTES);	    /* jmp over the callout */
	callout(e, CO_SEGLOAD, eip, sreg);
}

/*
 * Load a selector into the guest's %gs, which lives in the bt_area: the
 * CPU checks it by loading it into the real %gs (a #GP or #NP there is
 * the guest's, precise once %eax is restored), then the bt_area's
 * selector goes back and the value is kept in %gs:BTA_VGS.  The value
 * comes from (%esp) for pop, from register reg, or from in's memory
 * operand.
 */
static void
load_guest_gs(struct emit *e, uint32_t goff, enum gs_src src, int reg,
	      const struct x86_insn *in, const uint8_t *code)
{
	gs_op(e, 0x89, X86_EAX, BTA_S_EAX);
	gs_op(e, 0x89, X86_ECX, BTA_S_ECX);
	point(e, goff);
	if (src == GS_POP) {
		b1(e, 0x8B), b1(e, 0x04), b1(e, 0x24); /* mov (%esp),%eax */
	} else if (src == GS_REG) {
		b1(e, 0x89), b1(e, 0xC0 | (reg << 3)); /* mov %reg,%eax */
	} else if (in->seg == X86_SEG_GS) {
		/* mov %gs:m16,%gs: the operand through the guest's %gs,
		 * then ours back (through %cs: no register, no flag). */
		gs_op(e, 0x8E, X86_SEG_GS, BTA_VGS);
		point(e, goff);
		e->tu->points[e->tu->npoints - 1].flags = PT_NO_RESUME;
		mov_rm_to_eax(e, in, code, 0x8E, true); /* movzwl %gs:m16 */
		b1(e, 0x2E), b1(e, 0x8E), b1(e, 0x2D);
		b4(e, (uint32_t)&bt_gs_selector);
	} else {
		mov_rm_to_eax(e, in, code, 0x8E, true); /* movzwl m16,%eax */
	}
	point_eax_saved(e, goff);
	selector_check(e, e->tu->eip + goff, X86_SEG_GS);
	gs_op(e, 0x8B, X86_ECX, BTA_S_ECX);    /* the guest's, for a #GP */
	point_eax_saved(e, goff);
	b1(e, 0x8E), b1(e, 0xE8);	       /* mov %eax,%gs: the check */
	b1(e, 0x89), b1(e, 0xC1);	       /* mov %eax,%ecx */
	b1(e, 0xB8), b4(e, KSEL_ENGINE1 | 1);  /* mov $BT_GS,%eax */
	b1(e, 0x8E), b1(e, 0xE8);	       /* mov %eax,%gs */
	b1(e, 0x0F), b1(e, 0xB7), b1(e, 0xC9); /* movzwl %cx,%ecx */
	gs_op(e, 0x89, X86_ECX, BTA_VGS);
	if (src == GS_POP)
		b1(e, 0x8D), b1(e, 0x64), b1(e, 0x24), b1(e, 4); /* lea 4(%esp) */
	gs_op(e, 0x8B, X86_ECX, BTA_S_ECX);
	gs_op(e, 0x8B, X86_EAX, BTA_S_EAX);
}

/*
 * A load of %ds, %es, %fs or %ss that runs as it is (mov to the segment
 * register, pop): first the selector check, with the selector fetched
 * into %eax the way the instruction will read it.
 */
static bool
loads_data_segment(const struct x86_insn *in)
{
	switch (in->opcode) {
	case 0x07: case 0x17: case 0x1F: case 0x0FA1: /* pop es ss ds fs */
		return true;
	case 0x8E:
		return in->reg == X86_SEG_ES || in->reg == X86_SEG_SS ||
		       in->reg == X86_SEG_DS || in->reg == X86_SEG_FS;
	}
	return false;
}

static void
check_segment_load(struct emit *e, uint32_t goff, const struct x86_insn *in,
		   const uint8_t *code)
{
	gs_op(e, 0x89, X86_EAX, BTA_S_EAX);
	gs_op(e, 0x89, X86_ECX, BTA_S_ECX);
	point(e, goff);
	if (in->opcode != 0x8E)
		b1(e, 0x0F), b1(e, 0xB7), b1(e, 0x04), b1(e, 0x24); /* movzwl (%esp),%eax */
	else if (in->mod == 3)
		b1(e, 0x89), b1(e, 0xC0 | (in->rm << 3)); /* mov %reg,%eax */
	else
		mov_rm_to_eax(e, in, code, 0x8E, true); /* movzwl m16,%eax */
	point_eax_saved(e, goff);
	static const int popped[] = { [0x07] = X86_SEG_ES, [0x17] = X86_SEG_SS,
				      [0x1F] = X86_SEG_DS };
	int sreg = in->opcode == 0x8E	  ? in->reg
		   : in->opcode == 0x0FA1 ? X86_SEG_FS
					  : popped[in->opcode];
	selector_check(e, e->tu->eip + goff, sreg);
	gs_op(e, 0x8B, X86_ECX, BTA_S_ECX);
	gs_op(e, 0x8B, X86_EAX, BTA_S_EAX);
	point(e, goff);
}

/* A jump (E9) or jcc (0F 8x) to guest target: to its continuation. */
static void
jump_cont(struct emit *e, const uint8_t *op, int oplen, gva_t target)
{
	/* At a plain jmp the guest is already at its target: precise, so an
	 * interrupt that arrives here (a loop's back edge) can be taken. */
	if (oplen == 1 && op[0] == 0xE9)
		point_at(e, target);
	bytes(e, op, oplen);
	uint8_t *rel = e->p;
	b4(e, 0);
	if (e->nconts < 4 && !e->full)
		e->conts[e->nconts++] = (typeof(e->conts[0])){ rel, target };
	else
		e->full = true;
}

static void
jump_to(struct emit *e, void (*fn)(void))
{
	b1(e, 0xE9);
	uint8_t *rel = e->p;
	b4(e, 0);
	if (!e->full)
		patch32(e, rel, (uint32_t)fn - (uint32_t)(rel + 4));
}

static void
callout(struct emit *e, uint32_t kind, uint32_t a0, uint32_t a1)
{
	b1(e, 0xCD);
	b1(e, BT_CALLOUT_VEC);
	b4(e, kind);
	b4(e, a0);
	b4(e, a1);
}

/* lea disp32(%esp), %esp: the stack pointer moved without a flag. */
static void
lea_esp(struct emit *e, uint32_t disp)
{
	b1(e, 0x8D), b1(e, 0xA4), b1(e, 0x24);
	b4(e, disp);
}

/*
 * The end of a predicted branch (emit_ret, emit_ind), from its miss
 * jump on: that jump (to the stub the unit gets after its body), the hit
 * path (the guest's %ecx back, %esp up by esp_up, a jump to the slow
 * path that the first run chains to the predicted unit) and the slow
 * path.  Returns the hit jump's rel32.
 */
static uint8_t *
prediction_tail(struct emit *e, uint8_t *predicted, uint32_t kind,
		uint32_t esp_up)
{
	b1(e, 0xE9);
	uint8_t *miss_rel = e->p;
	b4(e, 0);
	gs_op(e, 0x8B, X86_ECX, BTA_S_ECX);
	if (esp_up)
		lea_esp(e, esp_up);
	b1(e, 0xE9);
	uint8_t *hit_rel = e->p;
	b4(e, 0); /* to the slow path, right after */
	gs_store_imm(e, BTA_TGT, -RET_NO_PREDICTION);
	jump_to(e, bt_ind_lookup);
	e->ret.predicted = predicted;
	e->ret.miss_rel = miss_rel;
	e->ret.kind = kind;
	return hit_rel;
}

/*
 * ret (ret imm16: pop more), with its target predicted (§2.4).  A ret
 * usually goes back to the same place, so the translation compares the
 * return address with the one it saw first and on a match jumps
 * straight (chained) to its translation; otherwise it takes the inline
 * hash lookup, as an indirect jump does.  Flag-free, as all of it is:
 *
 *	movl %ecx, %gs:S_ECX
 *	movl (%esp), %ecx		may fault: precise, not resumable
 *	lea  -PREDICTED(%ecx), %ecx	zero on a match
 *	jecxz hit
 *	movl %gs:S_ECX, %ecx
 *	popl %gs:TGT
 *	[lea imm16(%esp), %esp]
 *	jmp  CO_RET stub		then bt_ind_lookup
 * hit:	movl %gs:S_ECX, %ecx
 *	lea  4+imm16(%esp), %esp
 *	jmp  slow			then the predicted unit (chained)
 * slow: movl $PREDICTED, %gs:TGT
 *	jmp  bt_ind_lookup
 *
 * Its first run calls out (CO_RET): the monitor writes the target it
 * returns to into both places, points the miss jump at bt_ind_lookup
 * and chains the hit jump to the target's unit (bt.c).  Should that unit
 * go, unchain points the hit jump back at the slow path, which looks the
 * target up: slower, never wrong (the stack is popped by then, so it
 * must not go back to the miss path).
 */
static void
emit_ret(struct emit *e, uint32_t goff, uint32_t pop)
{
	gs_op(e, 0x89, X86_ECX, BTA_S_ECX);
	/* Precise for a fault of the load (%ecx is still the guest's), but
	 * no place to go on from: the paths below take %ecx back from
	 * %gs:S_ECX, which guest code run meanwhile may have reused. */
	point(e, goff);
	e->tu->points[e->tu->npoints - 1].flags = PT_NO_RESUME;
	b1(e, 0x8B), b1(e, 0x0C), b1(e, 0x24); /* movl (%esp), %ecx */
	b1(e, 0x8D), b1(e, 0x89);		/* lea disp32(%ecx), %ecx */
	uint8_t *predicted = e->p;
	b4(e, RET_NO_PREDICTION);
	b1(e, 0xE3), b1(e, pop ? 26 : 19); /* jecxz hit */
	gs_op(e, 0x8B, X86_ECX, BTA_S_ECX);
	gs_op(e, 0x8F, 0, BTA_TGT);
	if (pop)
		lea_esp(e, pop);
	uint8_t *hit_rel = prediction_tail(e, predicted, CO_RET, 4 + pop);
	assert(e->full || hit_rel == e->ret.miss_rel + RET_HIT_REL);
}

/*
 * jmp * and call *, their target predicted as a ret's is (emit_ret): an
 * indirect branch too usually goes where it went before (a switch in a
 * loop, a call through a table of one entry).  Flag-free:
 *
 *	movl %ecx, %gs:S_ECX
 *	movl <operand>, %ecx		may fault: precise, not resumable
 *	[pushl $next]			call *: may fault, %ecx in S_ECX
 *	lea  -PREDICTED(%ecx), %ecx	zero on a match
 *	jecxz hit
 *	lea  PREDICTED(%ecx), %ecx	the target again (IND_AGAIN)
 *	movl %ecx, %gs:TGT
 *	movl %gs:S_ECX, %ecx
 *	jmp  CO_IND_PRED stub		then bt_ind_lookup
 * hit:	movl %gs:S_ECX, %ecx
 *	jmp  slow			then the predicted unit (chained)
 * slow: movl $PREDICTED, %gs:TGT
 *	jmp  bt_ind_lookup
 *
 * The operand is read before anything is pushed, as the CPU does.
 */
static void
emit_ind(struct emit *e, const struct x86_insn *in, const uint8_t *code,
	 uint32_t goff, gva_t next)
{
	gs_op(e, 0x89, X86_ECX, BTA_S_ECX);
	point(e, goff);
	e->tu->points[e->tu->npoints - 1].flags = PT_NO_RESUME;
	mov_rm_to_reg(e, in, code, 0xFF, false, X86_ECX);
	if (in->flow == X86_FLOW_CALL_IND) {
		point(e, goff);
		e->tu->points[e->tu->npoints - 1].flags =
			PT_ECX_SAVED | PT_NO_RESUME;
		b1(e, 0x68), b4(e, next); /* push $return: the guest's */
	}
	b1(e, 0x8D), b1(e, 0x89); /* lea disp32(%ecx), %ecx */
	uint8_t *predicted = e->p;
	b4(e, RET_NO_PREDICTION);
	/* jecxz hit: from past it (predicted + 6) over the miss path to the
	 * hit path, right after the miss jump's rel32 */
	b1(e, 0xE3), b1(e, IND_AGAIN + 4 + 7 + 7 + 1 + 4 - 6);
	b1(e, 0x8D), b1(e, 0x89);
	b4(e, -RET_NO_PREDICTION);
	gs_op(e, 0x89, X86_ECX, BTA_TGT);
	gs_op(e, 0x8B, X86_ECX, BTA_S_ECX);
	uint8_t *hit_rel = prediction_tail(e, predicted, CO_IND_PRED, 0);
	assert(e->full || hit_rel == e->ret.miss_rel + IND_HIT_REL);
	assert(e->full ||
	       e->ret.miss_rel == predicted + IND_AGAIN + 4 + 7 + 7 + 1);
}

/*
 * The check after sti (one instruction later, as the CPU's interrupt
 * shadow says) and popf: if the guest's IF is set and the monitor has a
 * virtual interrupt pending (%gs:BTA_PENDING, set at every entry) call
 * out so it can deliver it; the guest is at next_eip.  jecxz is the
 * test: no flag changes.
 */
static void
irq_check(struct emit *e, uint32_t goff_next, gva_t next_eip)
{
	point(e, goff_next);
	gs_op(e, 0x89, X86_ECX, BTA_S_ECX);
	gs_op(e, 0x8B, X86_ECX, BTA_VIF);	/* IF clear again (sti; cli)? */
	b1(e, 0xE3), b1(e, 7 + 2 + 7 + CALLOUT_BYTES);
	gs_op(e, 0x8B, X86_ECX, BTA_PENDING);
	b1(e, 0xE3), b1(e, 7 + CALLOUT_BYTES); /* jecxz over the callout */
	gs_op(e, 0x8B, X86_ECX, BTA_S_ECX);
	point(e, goff_next);
	uint8_t *resume = e->p + CALLOUT_BYTES + 7;
	callout(e, CO_IRQ, next_eip, (uint32_t)resume);
	gs_op(e, 0x8B, X86_ECX, BTA_S_ECX);
	point(e, goff_next);
}

/*
 * Rewrite the ModRM operand of in (bytes at code, whose opcode byte is
 * opcode) as "mov r/m32, %reg" (or "movzwl r/m16, %reg" if word):
 * prefixes (segment, address size) and SIB/displacement are kept.
 */
static void
mov_rm_to_reg(struct emit *e, const struct x86_insn *in, const uint8_t *code,
	      uint8_t opcode, bool word, int reg)
{
	int npfx = 0;
	while (code[npfx] != opcode)
		npfx++;
	for (int i = 0; i < npfx; i++)
		if (code[i] != 0x66)
			b1(e, code[i]);
	if (word)
		b1(e, 0x0F), b1(e, 0xB7);
	else
		b1(e, 0x8B);
	b1(e, (in->mod << 6) | (reg << 3) | in->rm);
	/* SIB and displacement follow the ModRM byte unchanged. */
	bytes(e, code + npfx + 2, in->len - in->imm_size - npfx - 2);
}

static void
mov_rm_to_eax(struct emit *e, const struct x86_insn *in, const uint8_t *code,
	      uint8_t opcode, bool word)
{
	mov_rm_to_reg(e, in, code, opcode, word, X86_EAX);
}

/*
 * pushf at ring 1 pushes the CPU's IF (always 1 in translated code) and
 * IOPL (always 0): push an image with the guest's virtual IF and IOPL
 * (%gs:BTA_VIF, %gs:BTA_VIOPL) instead.  Only the first instruction may
 * fault (the push); nothing after it may change a flag, so arithmetic
 * uses lea, and scratch registers are saved in %gs:BTA_S_EAX/S_ECX.
 */
static void
emit_pushf(struct emit *e)
{
	// LAB 3: Exercise 5.
	// BEGIN LAB 3 SOLUTION
	static const uint8_t fix[] = {
		0x8B, 0x04, 0x24,		    /* mov (%esp),%eax */
		0x8D, 0x80, 0x00, 0xFE, 0xFF, 0xFF, /* lea -0x200(%eax),%eax */
	};
	b1(e, 0x9C); /* pushfl: the only part that can fault */
	gs_op(e, 0x89, X86_EAX, BTA_S_EAX);
	gs_op(e, 0x89, X86_ECX, BTA_S_ECX);
	bytes(e, fix, sizeof(fix));
	gs_op(e, 0x8B, X86_ECX, BTA_VIF);
	b1(e, 0x8D), b1(e, 0x04), b1(e, 0x08); /* lea (%eax,%ecx),%eax */
	gs_op(e, 0x8B, X86_ECX, BTA_VIOPL);
	b1(e, 0x8D), b1(e, 0x04), b1(e, 0x08);
	b1(e, 0x89), b1(e, 0x04), b1(e, 0x24); /* mov %eax,(%esp) */
	gs_op(e, 0x8B, X86_ECX, BTA_S_ECX);
	gs_op(e, 0x8B, X86_EAX, BTA_S_EAX);
	// STUB: panic("lab 3: exercise 5 (in-TC pushf) not implemented");
	// END LAB 3 SOLUTION
}

/*
 * popf: the CPU's popfl at ring 1 loads the arithmetic flags but keeps
 * its own IF and IOPL; set the guest's virtual ones from the popped
 * image first (a read of (%esp), the only part that may fault, at a
 * precise point), then popfl.  The interrupt check follows (irq_check).
 */
static void
emit_popf(struct emit *e, uint32_t goff)
{
	// LAB 3: Exercise 5 (continued).
	// BEGIN LAB 3 SOLUTION
	gs_op(e, 0x89, X86_EAX, BTA_S_EAX);
	point(e, goff);
	b1(e, 0x8B), b1(e, 0x04), b1(e, 0x24); /* mov (%esp),%eax: may fault */
	b1(e, 0x25), b4(e, FL_IF);	       /* and $IF,%eax */
	gs_op(e, 0x89, X86_EAX, BTA_VIF);
	b1(e, 0x8B), b1(e, 0x04), b1(e, 0x24);
	b1(e, 0x25), b4(e, FL_IOPL_MASK);
	gs_op(e, 0x89, X86_EAX, BTA_VIOPL);
	gs_op(e, 0x8B, X86_EAX, BTA_S_EAX);
	b1(e, 0x9D); /* popfl */
	// STUB: panic("lab 3: exercise 5 (in-TC popf) not implemented");
	// END LAB 3 SOLUTION
}

/* Does the instruction touch %gs, which is the monitor's in here? */
static bool
uses_gs(const struct x86_insn *in)
{
	/* A segment override on a branch that reads no memory through it
	 * (jcc, jmp and call rel, ret, loop, int) means nothing. */
	bool reads_mem = in->flow == X86_FLOW_NONE ||
			 ((in->flow == X86_FLOW_JMP_IND ||
			   in->flow == X86_FLOW_CALL_IND ||
			   in->flow == X86_FLOW_JMP_FAR ||
			   in->flow == X86_FLOW_CALL_FAR) &&
			  in->mod != 3);
	if (in->seg == X86_SEG_GS && reads_mem)
		return true;
	if (in->opcode == 0x0FA8 || in->opcode == 0x0FA9) /* push/pop %gs */
		return true;
	if ((in->opcode == 0x8C || in->opcode == 0x8E) && in->reg == X86_SEG_GS)
		return true;
	if (in->opcode == 0x0FB5) /* lgs */
		return true;
	return false;
}

/* ... and names %gs itself as an operand (or loads it)? */
static bool
uses_gs_register(const struct x86_insn *in)
{
	return in->opcode == 0x0FA8 || in->opcode == 0x0FA9 ||
	       in->opcode == 0x0FB5 ||
	       ((in->opcode == 0x8C || in->opcode == 0x8E) &&
		in->reg == X86_SEG_GS);
}

enum how { T_IDENT, T_DONE, T_END };

/*
 * Translate one instruction (at guest offset goff, the bytes at code);
 * T_END if it ends the unit.  *sti_next: an sti just went by, so the
 * interrupt check comes after this instruction.
 */
static enum how
translate_one(struct vcpu *v, struct emit *e, const struct x86_insn *in,
	      const uint8_t *code, gva_t eip, uint32_t goff)
{
	gva_t next = eip + in->len;
	uint32_t op = in->opcode;
	bool o16 = in->prefixes & X86_PFX_OPSIZE;

	if (in->encoding != X86_ENC_LEGACY && in->seg != X86_SEG_GS)
		return T_IDENT; /* vector instructions: innocuous */

	/* Guilty of writing traced pages: the monitor does it (adapt.c). */
	if (in->flow == X86_FLOW_NONE && bt_adapted(eip)) {
		callout(e, CO_SIMULATE, eip, in->len);
		point(e, goff + in->len);
		return T_DONE;
	}

	/* The guest's %gs lives in the bt_area. */
	if (uses_gs(in)) {
		if (op == 0x0FA8 && !o16) { /* push %gs */
			gs_op(e, 0xFF, 6, BTA_VGS);
			return T_DONE;
		}
		if (op == 0x0FA9 && !o16) { /* pop %gs */
			load_guest_gs(e, goff, GS_POP, 0, in, code);
			return T_DONE;
		}
		if (op == 0x8C && in->mod == 3 && in->reg == X86_SEG_GS) {
			/* mov %gs, reg */
			if (o16)
				b1(e, 0x66);
			gs_op(e, 0x8B, in->rm, BTA_VGS);
			return T_DONE;
		}
		if (op == 0x8E && in->reg == X86_SEG_GS) { /* mov r/m, %gs */
			load_guest_gs(e, goff, in->mod == 3 ? GS_REG : GS_MEM,
				      in->rm, in, code);
			return T_DONE;
		}
		if (in->seg == X86_SEG_GS && in->flow == X86_FLOW_NONE &&
		    !uses_gs_register(in) &&
		    !(in->attr & (X86_ATTR_PRIV | X86_ATTR_IOPL |
				  X86_ATTR_IO | X86_ATTR_SENSITIVE))) {
			/* A memory operand through the guest's %gs: load it
			 * for the one instruction, then ours back (through
			 * %cs, which reaches the monitor without a register
			 * or a flag).  A fault in the instruction is precise,
			 * but the real %gs is the guest's there: not a place
			 * to resume translated code at. */
			gs_op(e, 0x8E, X86_SEG_GS, BTA_VGS);
			point(e, goff);
			e->tu->points[e->tu->npoints - 1].flags = PT_NO_RESUME;
			bytes(e, code, in->len);
			point(e, goff + in->len);
			e->tu->points[e->tu->npoints - 1].flags = PT_NO_RESUME;
			b1(e, 0x2E), b1(e, 0x8E), b1(e, 0x2D);
			b4(e, (uint32_t)&bt_gs_selector);
			return T_DONE;
		}
		count(CNT_BT_CALLOUT_EMULATE);
		callout(e, CO_EMULATE, eip, in->len);
		return T_DONE;
	}

	switch (in->flow) {
	case X86_FLOW_NONE:
		break;
	case X86_FLOW_JMP: {
		static const uint8_t jmp[] = { 0xE9 };
		jump_cont(e, jmp, 1, x86_branch_target(in, eip));
		return T_END;
	}
	case X86_FLOW_JCC: {
		uint8_t cc = (op < 0x100 ? op : op & 0xFF) & 0x0F;
		uint8_t jcc[] = { 0x0F, 0x80 | cc };
		static const uint8_t jmp[] = { 0xE9 };
		jump_cont(e, jcc, 2, x86_branch_target(in, eip));
		jump_cont(e, jmp, 1, next);
		return T_END;
	}
	case X86_FLOW_LOOP: {
		/* loop/jecxz rel8 to a jump to the taken continuation. */
		static const uint8_t jmp[] = { 0xE9 };
		if (in->prefixes & X86_PFX_ADDRSIZE)
			b1(e, 0x67);
		b1(e, op);
		b1(e, 5);
		jump_cont(e, jmp, 1, next);
		jump_cont(e, jmp, 1, x86_branch_target(in, eip));
		return T_END;
	}
	case X86_FLOW_CALL: {
		if (o16)
			break; /* a 16-bit call: the monitor emulates it */
		static const uint8_t jmp[] = { 0xE9 };
		b1(e, 0x68), b4(e, next); /* push $return: the guest's */
		jump_cont(e, jmp, 1, x86_branch_target(in, eip));
		return T_END;
	}
	case X86_FLOW_JMP_IND:
	case X86_FLOW_CALL_IND:
		if (o16 || (in->attr & X86_ATTR_VSIB))
			break;
		emit_ind(e, in, code, goff, next);
		return T_END;
	case X86_FLOW_RET:
		if (o16)
			break;
		emit_ret(e, goff, op == 0xC2 ? in->imm & 0xFFFF : 0);
		return T_END;
	case X86_FLOW_INT:
		if (op == 0xF1) {
			/* int1 (icebp): the CPU this guest runs on natively
			 * (QEMU's) raises #UD for it; so do we. */
			callout(e, CO_UD, eip, in->len);
			return T_END;
		}
		count(CNT_BT_CALLOUT_SOFTINT);
		if (op == 0xCE) { /* into: only with OF set */
			b1(e, 0x71), b1(e, CALLOUT_BYTES);
			callout(e, CO_SOFTINT, eip, in->len);
			point(e, goff + in->len);
			return T_DONE;
		}
		callout(e, CO_SOFTINT, eip, in->len);
		return T_END;
	case X86_FLOW_UD:
		callout(e, CO_UD, eip, in->len);
		return T_END;
	case X86_FLOW_HLT:
		count(CNT_BT_CALLOUT_EMULATE);
		callout(e, CO_EMULATE, eip, in->len);
		point(e, goff + in->len);
		return T_DONE;
	case X86_FLOW_IRET:
		if (o16)
			break;
		/* Back to user mode the CPU does it; within the kernel the
		 * monitor (bt_glue.S). */
		gs_store_imm(e, BTA_RESUME_EIP, eip);
		jump_to(e, bt_iret_user);
		return T_END;
	default:
		/* Far transfers, a 16-bit iret, sys*: the monitor. */
		count(CNT_BT_CALLOUT_EMULATE);
		callout(e, CO_EMULATE_END, eip, in->len);
		return T_END;
	}

	switch (op) {
	case 0xFA: /* cli */
	case 0xFB: /* sti */
		// LAB 3: Exercise 4.  cli and sti without leaving translated
		// code: the translation clears or sets the guest's virtual IF
		// (%gs:BTA_VIF: 0 or FL_IF) and changes nothing else, no flag
		// included.  Count the site (CNT_BT_INTC_CLI, CNT_BT_INTC_STI);
		// the unit goes on after it.
		// BEGIN LAB 3 SOLUTION
		count(op == 0xFA ? CNT_BT_INTC_CLI : CNT_BT_INTC_STI);
		gs_store_imm(e, BTA_VIF, op == 0xFA ? 0 : FL_IF);
		return T_DONE;
		// STUB: panic("lab 3: exercise 4 (in-TC cli/sti) not implemented");
		// END LAB 3 SOLUTION
	case 0x9C: /* pushf */
		if (o16)
			break;
		count(CNT_BT_INTC_PUSHF);
		emit_pushf(e);
		return T_DONE;
	case 0x9D: /* popf */
		if (o16)
			break;
		count(CNT_BT_INTC_POPF);
		emit_popf(e, goff);
		irq_check(e, goff + in->len, next);
		return T_DONE;
	case 0x0E: /* push %cs */
	case 0x16: /* push %ss */
		if (o16)
			break;
		count(CNT_BT_INTC_SEG);
		gs_op(e, 0xFF, 6, op == 0x0E ? BTA_VCS : BTA_VSS);
		return T_DONE;
	case 0x0F20: /* mov %crN, reg: the virtual one, in the bt_area */
		if (in->reg == 0 || in->reg == 2 || in->reg == 3 ||
		    in->reg == 4) {
			static const uint32_t off[] = { BTA_VCR0, 0, BTA_VCR2,
							BTA_VCR3, BTA_VCR4 };
			count(CNT_BT_INTC_CR);
			gs_op(e, 0x8B, in->rm, off[in->reg]);
			return T_DONE;
		}
		break;
	case 0x8C: /* mov %sreg, r/m */
		if ((in->reg == X86_SEG_CS || in->reg == X86_SEG_SS) &&
		    in->mod == 3) {
			count(CNT_BT_INTC_SEG);
			if (o16)
				b1(e, 0x66);
			gs_op(e, 0x8B, in->rm,
			      in->reg == X86_SEG_CS ? BTA_VCS : BTA_VSS);
			return T_DONE;
		}
		if (in->reg != X86_SEG_CS && in->reg != X86_SEG_SS)
			return T_IDENT;
		break;
	}

	/* in and out: the monitor does them without decoding them again. */
	if ((op >= 0xE4 && op <= 0xE7) || (op >= 0xEC && op <= 0xEF)) {
		uint32_t a1 = in->len | in->opsize << 4;
		if (op == 0xE4 || op == 0xE5 || op == 0xEC || op == 0xED)
			a1 |= CO_IO_IN;
		if (op >= 0xEC)
			a1 |= CO_IO_DX;
		else
			a1 |= (in->imm & 0xFF) << 16;
		count(CNT_BT_CALLOUT_EMULATE);
		callout(e, CO_IO, eip, a1);
		point(e, goff + in->len);
		return T_DONE;
	}

	/* What the monitor must see: privileged, I/O, sensitive. */
	if (in->attr & (X86_ATTR_PRIV | X86_ATTR_IOPL | X86_ATTR_IO |
			X86_ATTR_SENSITIVE) ||
	    op == 0x9C || op == 0x9D || op == 0x0E || op == 0x16 ||
	    op == 0x8C || (in->flow != X86_FLOW_NONE)) {
		count(CNT_BT_CALLOUT_EMULATE);
		callout(e, CO_EMULATE, eip, in->len);
		point(e, goff + in->len);
		return T_DONE;
	}
	if (loads_data_segment(in))
		check_segment_load(e, goff, in, code);
	return T_IDENT;
}

/* Read the guest's code at eip (up to the end of what is readable). */
static int
fetch(struct vcpu *v, gva_t eip, uint8_t *buf, size_t *avail)
{
	size_t n = X86_MAX_INSN_LEN;
	size_t first = MIN(n, (size_t)(PGSIZE - PGOFF(eip)));
	if (gva_read(v, eip, buf, first, NULL) < 0)
		return -1;
	if (first < n && gva_read(v, eip + first, buf + first, n - first,
				  NULL) < 0)
		n = first;
	*avail = n;
	return 0;
}

/*
 * Translate the unit at guest eip (its first byte in frame gpa).  NULL
 * if the cache is full (the caller flushes and tries again).
 */
struct tu *
bt_translate(struct vcpu *v, gva_t eip, gpa_t gpa)
{
	uint64_t t0 = rdtsc();
	struct emit e = { 0 };
	/* Room for the stubs (and a margin for one more instruction). */
	size_t room = tc_free_bytes();
	if (room < 4 * CALLOUT_BYTES + 256 || !tc_code_pages_room())
		return NULL;
	struct tu *tu = tc_new_tu();
	if (!tu)
		return NULL;
	tu->eip = eip;
	tu->gpa = PTE_ADDR(gpa);
	tu->live = true;
	e.tu = tu;
	e.start = e.p = tc_cursor();
	e.limit = e.start + MIN(room - 16, (size_t)STAGE_BYTES) -
		  4 * CALLOUT_BYTES;

	/* The unit's bytes in its first page, read once (guest-physical:
	 * the walk was done by the caller). */
	static uint8_t window[TU_MAX_INSNS * X86_MAX_INSN_LEN];
	size_t nwindow = MIN(sizeof(window), (size_t)(PGSIZE - PGOFF(eip)));
	if (gpa_read(v, gpa, window, nwindow) < 0)
		nwindow = 0;

	gva_t pc = eip;
	bool sti_pending = false, ended = false;
	int n;
	/* An instruction adds at most 6 points (translate_one, irq_check). */
	for (n = 0; n < TU_MAX_INSNS && !ended &&
		    tu->npoints + 8 <= TU_MAX_POINTS;
	     n++) {
		uint8_t code[X86_MAX_INSN_LEN];
		size_t avail;
		struct x86_insn in;
		uint32_t goff = pc - eip;

		const uint8_t *bytes_at;
		if (goff + X86_MAX_INSN_LEN <= nwindow) {
			bytes_at = window + goff;
			avail = X86_MAX_INSN_LEN;
		} else if (fetch(v, pc, code, &avail) < 0) {
			break; /* the next page is not mapped: end here */
		} else {
			bytes_at = code;
		}
		int len = x86_decode(bytes_at, avail, &in);
		gva_t last = pc + (len > 0 ? len : (int)avail) - 1;
		if (PTE_ADDR(last) != PTE_ADDR(eip)) {
			/* Code in a second page: it is traced too, and a unit
			 * has one second page at most. */
			struct gwalk w = gva_walk(v, last, false, 0);
			if (w.ok && (!tu->gpa2 || tu->gpa2 == PTE_ADDR(w.gpa)))
				tu->gpa2 = PTE_ADDR(w.gpa);
			else if (n > 0)
				break;
		}
		point(&e, goff);
		if (len == X86_ERR_TRUNCATED && n > 0)
			break; /* let the unit after meet the fault */
		if (len < 0) {
			/* #UD (or #GP for 16 bytes and more), precisely here. */
			callout(&e, len == X86_ERR_TOO_LONG ? CO_EMULATE_END : CO_UD,
				pc, 0);
			ended = true;
			n++;
			break;
		}
		enum how how = translate_one(v, &e, &in, bytes_at, pc, goff);
		if (how == T_IDENT) {
			bytes(&e, bytes_at, len);
			count(CNT_BT_IDENT);
		}
		if (how == T_END)
			ended = true;
		pc += len;
		if (sti_pending && !ended) {
			irq_check(&e, pc - eip, pc);
			sti_pending = false;
		}
		if (in.opcode == 0xFB && in.encoding == X86_ENC_LEGACY)
			sti_pending = true;
		if (e.full)
			break;
	}
	if (!ended && sti_pending)
		irq_check(&e, pc - eip, pc);
	if (!ended) {
		static const uint8_t jmp[] = { 0xE9 };
		point(&e, pc - eip);
		jump_cont(&e, jmp, 1, pc);
	}
	if (e.full) {
		tc_abandon_tu(tu);
		return NULL;
	}
	/* The continuations, after the body. */
	for (int i = 0; i < e.nconts; i++) {
		uint8_t *stub = e.p;
		callout(&e, CO_CONT, e.conts[i].target,
			(uint32_t)e.conts[i].rel);
		patch32(&e, e.conts[i].rel,
			(uint32_t)stub - (uint32_t)(e.conts[i].rel + 4));
	}
	if (e.ret.miss_rel) {
		uint8_t *stub = e.p;
		callout(&e, e.ret.kind, (uint32_t)e.ret.predicted,
			(uint32_t)e.ret.miss_rel);
		patch32(&e, e.ret.miss_rel,
			(uint32_t)stub - (uint32_t)(e.ret.miss_rel + 4));
	}
	tu->tc = e.start;
	if (e.full) {
		tc_abandon_tu(tu);
		return NULL;
	}
	/* Whole words: a unit starts on a 16-byte boundary (tc_set_cursor),
	 * and what lies past its end in the cache is free. */
	memcpy(e.start, stage, ROUNDUP(e.p - e.start, 4));
	tu->len = e.p - e.start;
	tu->ninsns = n;
	tc_set_cursor((uint8_t *)ROUNDUP((uintptr_t)e.p, 16));
	tc_register(v, tu);
	count(CNT_BT_TUS);
	vmm_counters[CNT_BT_INSNS] += n;
	vmm_counters[CNT_BT_CYCLES] += rdtsc() - t0;
	return tu;
}
