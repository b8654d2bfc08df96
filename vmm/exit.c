/*
 * The one exit dispatch (inc/engine.h).  Whatever engine ran the guest,
 * what it saw arrives here as a kind and its details, and is handled
 * once: exceptions go to the shadow MMU or back to the guest, privileged
 * instructions and I/O to the emulator (inc/deprivilege.h), software
 * interrupts to the guest's IDT through the engine's event_ops.
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/deprivilege.h>
#include <inc/gmem.h>
#include <inc/mmio.h>
#include <inc/shadow.h>
#include <inc/wemu.h>
#include <inc/x86.h>
#include <kern/trap.h>
#include <vmm/vmm.h>

static const char *const exit_names[NEXIT_KINDS] = {
	[EXIT_EXCEPTION] = "exception", [EXIT_SOFTINT] = "softint",
	[EXIT_PRIV] = "priv",		[EXIT_IRQ] = "irq",
	[EXIT_INTR] = "intr",		[EXIT_IRQ_WINDOW] = "irqwin",
	[EXIT_IO] = "io",
	[EXIT_CR] = "cr",		[EXIT_INVLPG] = "invlpg",
	[EXIT_NPF] = "npf",		[EXIT_HLT] = "hlt",
	[EXIT_SHUTDOWN] = "shutdown",	[EXIT_CALLOUT] = "callout",
};

const char *
exit_kind_name(enum exit_kind kind)
{
	return (unsigned)kind < NEXIT_KINDS ? exit_names[kind] : "?";
}

void
vmm_deliver(struct vcpu *v, const struct event *e)
{
	v->engine->events->deliver(v, e);
}

void
vmm_raise(struct vcpu *v, int vector, bool has_err, uint32_t err)
{
	vmm_deliver(v, &(struct event){ .vector = vector,
					.kind = DELIVER_EXCEPTION,
					.has_err = has_err,
					.err = err });
}

/*
 * The length of the instruction at eip: len if the engine knew it, or
 * decoded.  0 if it cannot be read (the caller's event then faults).
 */
static int
insn_len(struct vcpu *v, uint8_t len)
{
	struct x86_insn in;
	if (len)
		return len;
	int n = vcpu_decode_at_eip(v, &in);
	return n > 0 ? n : 0;
}

/* An emulated instruction of length len finished with result r. */
static void
finish(struct vcpu *v, enum emu_result r, uint8_t len)
{
	if (r == EMU_NEXT)
		v->tf.tf_eip += insn_len(v, len);
	else if (r == EMU_GP)
		vmm_raise(v, T_GPFLT, true, 0);
	else if (r == EMU_UNKNOWN)
		vcpu_fail(v, "the monitor cannot emulate the instruction at "
			     "eip %08x",
			  v->tf.tf_eip);
}

/*
 * A software interrupt at eip (int n, int3, into, with any prefixes):
 * decode it for its length, so the guest's handler returns past it and a
 * #GP for a gate it may not use points at it, as on the CPU.
 */
static void
softint(struct vcpu *v, const struct vmexit *x)
{
	int len = insn_len(v, x->softint.len);
	if (len == 0) {
		/* The code vanished under us (another vcpu, a DMA): let the
		 * guest take the page fault on its retry. */
		return;
	}
	vmm_deliver(v, &(struct event){ .vector = x->softint.vector,
					.kind = DELIVER_SOFTINT,
					.insn_len = len });
}

/*
 * With cr0.WP clear the guest kernel may write to pages its tables make
 * read-only; user code still may not.  One shadow entry cannot give the
 * guest kernel (ring 1 under te and bt, its own CPL 0 under vt, all
 * supervisor to the real MMU with the real cr0.WP set) a right that user
 * code lacks, so the shadow keeps such pages read-only, the write faults,
 * and the monitor performs it with the write emulator, as the CPU would
 * have.  Traces see it like any other write.  true if it was such a write
 * (done, or turned into the guest's #PF).
 */
static bool
wp_clear_write(struct vcpu *v, gva_t va, uint32_t hw_err)
{
	if ((v->vcr0 & (CR0_PG | CR0_WP)) != CR0_PG || !(hw_err & FEC_W) ||
	    (hw_err & FEC_U) || va >= MONHOLE)
		return false;
	struct gwalk w = gva_walk(v, va, false, 0);
	if (!w.ok)
		return false;
	bool big = (w.pde & PTE_PS) && (v->vcr4 & CR4_PSE);
	if ((big ? w.pde : w.pde & w.pte) & PTE_W)
		return false; /* writeable: a hidden or a trace fault */

	int r = vcpu_perform(v);
	if (r == VCPU_NO_CODE)
		return false; /* the code is gone: let the guest retry */
	count(CNT_PF_WP_CLEAR);
	if (r == WEMU_UNSUPPORTED)
		vcpu_fail(v, "the guest kernel writes read-only va %08x with "
			     "cr0.WP clear, by an instruction the monitor "
			     "cannot emulate (eip %08x)",
			  va, v->tf.tf_eip);
	return true;
}

static void
exception(struct vcpu *v, const struct vmexit *x)
{
	int vec = x->exc.vector;
	uint32_t guest_err;

	switch (vec) {
	case T_PGFLT:
		count(CNT_TRAP_PF);
		if (wp_clear_write(v, x->exc.cr2, x->exc.err) ||
		    shadow_fault(v, x->exc.cr2, x->exc.err, &guest_err))
			return;
		/* Not the shadow's: a device's registers, perhaps (only
		 * here, so a hidden fault costs no second walk). */
		if (mmio_page_fault(v, x->exc.cr2, x->exc.err))
			return;
		v->vcr2 = x->exc.cr2;
		vmm_raise(v, T_PGFLT, true, guest_err);
		return;
	case T_GPFLT:
		count(CNT_TRAP_GP);
		break;
	case T_DBLFLT:
	case T_MCHK:
		vcpu_fail(v, "%s at guest eip %08x", trapname(vec),
			  v->tf.tf_eip);
	default:
		count(CNT_TRAP_OTHER_EXC);
	}
	/* The guest's own fault (#TS from an iret with NT set included):
	 * its kernel decides, as on the CPU. */
	vmm_raise(v, vec, x->exc.has_err, x->exc.err);
}

void
vmm_handle_exit(struct vcpu *v, const struct vmexit *x)
{
	count(CNT_TRAPS);
	count_exit(x->kind);
	switch (x->kind) {
	case EXIT_IRQ:
		count(CNT_TRAP_IRQ);
		vmm_handle_irq(x->irq.irq);
		return;
	case EXIT_INTR:
		/* A physical interrupt waits: open a window to take it
		 * (trap() runs vmm_handle_irq). */
		count(CNT_TRAP_IRQ);
		asm volatile("sti; nop; cli" ::: "memory");
		return;
	case EXIT_IRQ_WINDOW:
		return; /* the run loop delivers what is pending */
	case EXIT_SOFTINT:
		count(CNT_TRAP_SOFTINT);
		softint(v, x);
		return;
	case EXIT_PRIV:
		count(CNT_TRAP_GP);
		emulate_priv(v, x->priv.err);
		return;
	case EXIT_EXCEPTION:
		exception(v, x);
		return;
	case EXIT_IO:
		count(CNT_EMULATED);
		finish(v,
		       emulate_io(v, x->io.port, x->io.size, x->io.in,
				  x->io.string, x->io.rep),
		       x->io.len);
		return;
	case EXIT_CR:
		count(CNT_EMULATED);
		finish(v, emulate_cr(v, x->cr.cr, x->cr.write, x->cr.gpr),
		       x->cr.len);
		return;
	case EXIT_INVLPG:
		count(CNT_EMULATED);
		shadow_invlpg(v, x->invlpg.va);
		finish(v, EMU_NEXT, x->invlpg.len);
		return;
	case EXIT_HLT:
		finish(v, EMU_NEXT, x->hlt.len);
		vcpu_halt(v);
		return;
	case EXIT_NPF:
		if (mmio_nested_fault(v, x->npf.gpa))
			return;
		vcpu_fail(v, "guest access to guest-physical %08x, outside its "
			     "%u MiB (nested page fault, error %x)",
			  x->npf.gpa, v->mem_size >> 20, x->npf.err);
	case EXIT_SHUTDOWN:
		vcpu_fail(v, "guest triple fault (shutdown) at eip %08x",
			  v->tf.tf_eip);
	case EXIT_CALLOUT:
		if (x->callout.kind == CALLOUT_EMULATE) {
			emulate_priv(v, 0);
			return;
		}
		if (x->callout.kind == CALLOUT_IRQ_WINDOW)
			return; /* the run loop delivers what is pending */
		break;
	case NEXIT_KINDS:
		break;
	}
	vcpu_fail(v, "the %s engine returned an exit the monitor does not "
		     "know (kind %d)",
		  v->engine->name, x->kind);
}
