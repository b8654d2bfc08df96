/*
 * Adaptive retranslation (Adams & Agesen §3.3).
 *
 * Guest kernel instructions are translated IDENT, "innocent until
 * proven guilty".  One that keeps writing to traced pages -- the kernel's
 * page-table code writing PTEs, most often -- costs a trace fault each
 * time: a hardware #PF, a trip through the monitor, a decode and an
 * emulation.  After ADAPT_AFTER such faults the instruction is found
 * guilty: it is translated anew as a SIMULATE callout, which has the
 * monitor perform the write through the write emulator and the trace
 * clients without any fault, and its old translation is patched with a
 * jump to the new one.  When most of its writes go to pages nobody traces
 * (at least REVERT_AFTER of them, and more than to traced ones) it is
 * innocent again, and translated IDENT once more: a callout for a write
 * the CPU could do alone costs as much as the trace fault it saves.
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/gmem.h>
#include <inc/registry.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/trace.h>
#include <inc/vcpu.h>
#include <inc/wemu.h>
#include <lab3-bt/bt.h>

#define ADAPT_AFTER 2	/* trace faults that make an instruction guilty */
#define REVERT_AFTER 8 /* writes to untraced pages that may clear it */
#define NGUILT 256

/*
 * Off by default: under QEMU's TCG a SIMULATE callout is a trap as
 * costly as the trace fault it saves, and this guest's fork code writes
 * untraced pages about as often as traced ones, so forkwait runs slower
 * with it (make bench shows bt:btadapt=on beside bt).  btadapt=on to
 * study it.
 */
bool bt_adapt_on = false;

struct guilt {
	gva_t eip;	/* 0: a free slot */
	uint16_t faults;
	uint16_t innocent; /* since it was made SIMULATE: untraced writes */
	uint16_t guilty;   /* ... and traced ones */
	uint8_t reverts;   /* times it was found innocent again */
	bool simulate;
};
static struct guilt guilt[NGUILT];

/* The record of eip (made if make), or NULL. */
static struct guilt *
record(gva_t eip, bool make)
{
	uint32_t h = (eip ^ (eip >> 8)) % NGUILT;
	for (uint32_t n = 0; n < NGUILT; n++) {
		struct guilt *g = &guilt[(h + n) % NGUILT];
		if (g->eip == eip)
			return g;
		if (g->eip == 0) {
			if (!make)
				return NULL;
			g->eip = eip;
			return g;
		}
	}
	return NULL; /* full: this one stays IDENT */
}

bool
bt_adapted(gva_t eip)
{
	struct guilt *g = record(eip, false);
	return g && g->simulate;
}

/*
 * The guest instruction at eip, translated at tc, took a trace fault.
 * Guilty enough: translate it as SIMULATE and patch tc to jump there.
 */
void
bt_trace_fault(struct vcpu *v, gva_t eip, uintptr_t tc)
{
	if (!bt_adapt_on)
		return;
	struct guilt *g = record(eip, true);
	/* Each time it was cleared, it takes twice the faults to convict it
	 * again: an instruction that writes traced and untraced pages in
	 * turn must not be retranslated back and forth for ever. */
	if (!g || g->simulate ||
	    ++g->faults < (unsigned)ADAPT_AFTER << MIN(g->reverts, 8))
		return;
	g->simulate = true;
	g->innocent = 0;
	g->guilty = 0;
	/* A unit may start at eip already (IDENT): it goes.  Then the unit
	 * made now starts with the SIMULATE callout. */
	struct tu *old = tc_find_by_addr(tc);
	struct gwalk w = gva_walk(v, eip, false, 0);
	struct tu *start = w.ok ? tc_lookup(eip, PTE_ADDR(w.gpa)) : NULL;
	if (start)
		tc_invalidate(start);
	struct tu *tu = bt_unit_at(v, eip);
	if (!tu)
		return;
	/* The old translation jumps to the new one; where it cannot be
	 * patched safely, it goes (the next lookup finds the new one). */
	if (old && old->live && old != tu && !tc_patch((uint8_t *)tc, tu))
		tc_invalidate(old);
	count(CNT_BT_ADAPT);
}

/* Guest memory for the write emulator, with the guest's own rights.
 * (Marked unused: in the lab 3 handout their caller is exercise 6.) */
static __attribute__((unused)) int
sim_read(void *ctx, gva_t va, void *buf, size_t len)
{
	struct vcpu *v = ctx;
	return gva_access(v, va, buf, len, false, v->vcpl, NULL);
}

static __attribute__((unused)) int
sim_write(void *ctx, gva_t va, const void *buf, size_t len)
{
	struct vcpu *v = ctx;
	return gva_access(v, va, (void *)buf, len, true, v->vcpl, NULL);
}

/* Go back to IDENT for eip: its SIMULATE units go, with the patches
 * into them (which restores the translations they replaced). */
static __attribute__((unused)) void
revert(struct guilt *g)
{
	g->simulate = false;
	g->faults = 0;
	if (g->reverts < UINT8_MAX)
		g->reverts++;
	tc_invalidate_eip(g->eip);
	count(CNT_BT_REVERT);
}

/*
 * The SIMULATE callout: perform the guest instruction at eip (len bytes;
 * v->tf is the guest's view there) as the CPU would, writing through the
 * write emulator and telling the trace clients, and step past it.  false
 * if it cannot (an instruction or a fault the emulator leaves to the
 * CPU): the instruction is then IDENT again and the caller runs it.
 */
bool
bt_simulate(struct vcpu *v, gva_t eip, uint32_t len)
{
	// LAB 3: Exercise 6.  Perform the instruction as the CPU would at
	// the guest's privilege (registers, flags, memory, eip past it),
	// every byte it wrote handed to the trace clients, and keep eip's
	// record honest: a write to a traced page counts against it
	// (g->guilty), one to a page nobody traces for it (g->innocent);
	// at REVERT_AFTER innocent writes or more, outnumbering the guilty,
	// it goes back to IDENT (revert).  An instruction without a record,
	// or one that cannot be performed so, leaves the guest untouched
	// and returns false, IDENT again if it had a record.
	// BEGIN LAB 3 SOLUTION
	struct guilt *g = record(eip, false);
	struct x86_insn in;
	struct wemu_write w = { 0 };
	uint32_t gpr[X86_NGPR];
	if (!g)
		return false;
	if (vcpu_decode_at_eip(v, &in) != (int)len) {
		revert(g);
		return false;
	}
	for (int r = 0; r < X86_NGPR; r++)
		gpr[r] = *vcpu_gpr(v, r);
	uint32_t flags = v->tf.tf_eflags;
	struct wemu_mem mem = { v, sim_read, sim_write };
	if (wemu_execute(&in, gpr, &flags, &mem, &w) != WEMU_OK) {
		revert(g);
		return false;
	}
	for (int r = 0; r < X86_NGPR; r++)
		*vcpu_gpr(v, r) = gpr[r];
	v->tf.tf_eflags = flags;
	v->tf.tf_eip = eip + len;
	bool traced = false;
	if (w.len) {
		struct gwalk gw = gva_walk(v, w.va, false, v->vcpl);
		traced = gw.ok && trace_is_traced(v, gw.gpa);
		trace_written(v, w.va, w.len);
	}
	if (traced)
		g->guilty++;
	else if (++g->innocent >= REVERT_AFTER && g->innocent > g->guilty)
		revert(g);
	return true;
	// STUB: panic("lab 3: exercise 6 (SIMULATE) not implemented");
	// END LAB 3 SOLUTION
}

/* ---- Option ---- */

static int
set_btadapt(const char *value)
{
	return vmm_option_on_off("btadapt", value, &bt_adapt_on);
}

static const struct vmm_option btadapt_option = { "btadapt", "btadapt=on|off",
						  set_btadapt };
VMM_OPTION(btadapt_option);
