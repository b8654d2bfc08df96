/*
 * Reflection: handing an exception or interrupt to the guest through its
 * own IDT, building exactly the frame the CPU would have built had the
 * guest kernel really been at ring 0 (SDM vol.3A §6.12).  The guest
 * never learns that the monitor saw the event first.
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/deprivilege.h>
#include <inc/gmem.h>
#include <inc/string.h>

/* How deep reflect() has nested: a fault while delivering a fault. */
static int delivering;

/*
 * A selector as the guest should see it: RPL of its own privilege.
 * (Marked unused: the lab 1 handout has no caller until exercise 5.)
 */
static __attribute__((unused)) uint16_t
guest_visible_sel(const struct vcpu *v, uint16_t sel)
{
	return (sel & ~3) | (SEL_RPL(sel) == 3 ? 3 : 0);
}

/*
 * The CPU's escalation when delivery itself fails: a second fault makes
 * a double fault, a third shuts the machine down.
 */
static void
delivery_failed(struct vcpu *v, int vector, const char *why)
{
	if (delivering >= 2 || vector == T_DBLFLT)
		vcpu_fail(v, "guest triple fault: cannot deliver vector %d "
			     "at eip %08x: %s",
			  vector, v->tf.tf_eip, why);
	vmm_raise(v, T_DBLFLT, true, 0);
}

void
reflect(struct vcpu *v, const struct event *e)
{
	struct gatedesc gate;
	struct segdesc cs;
	int vector = e->vector;
	enum deliver kind = e->kind;

	delivering++;
	count(kind == DELIVER_HWINT ? CNT_VIRQ_INJECTED : CNT_REFLECTED);

	if ((uint32_t)vector * 8 + 7 > v->vidtr.pd_lim ||
	    gva_read(v, v->vidtr.pd_base + vector * 8, &gate, 8, NULL) < 0) {
		delivery_failed(v, vector, "outside the guest's IDT");
		goto out;
	}
	if (kind == DELIVER_SOFTINT && gate.gd_dpl < (unsigned)v->vcpl) {
		/* int n through a gate the caller may not use: #GP(n*8+2),
		 * a fault, so the frame points at the int itself. */
		delivering--;
		vmm_raise(v, T_GPFLT, true, vector * 8 + 2);
		return;
	}
	if (!gate.gd_p) {
		delivery_failed(v, vector, "IDT gate not present");
		goto out;
	}
	if (gate.gd_type != STS_IG32 && gate.gd_type != STS_TG32)
		vcpu_fail(v, "guest IDT vector %d is a gate of type %u (only "
			     "32-bit interrupt and trap gates are supported)",
			  vector, gate.gd_type);
	if (!guest_descriptor(v, gate.gd_sel, &cs) || !cs.sd_p ||
	    !(cs.sd_type & STA_X)) {
		delivery_failed(v, vector, "bad code segment in IDT gate");
		goto out;
	}
	int new_cpl = cs.sd_dpl;
	if (new_cpl != 0 && new_cpl != 3)
		vcpu_fail(v, "guest handler for vector %d runs at ring %d "
			     "(only rings 0 and 3 are virtualized)",
			  vector, new_cpl);
	if (new_cpl > v->vcpl) {
		delivery_failed(v, vector, "handler less privileged");
		goto out;
	}

	// LAB 1: Exercise 5.  The gate is checked: do the rest of what the
	// CPU does (SDM vol.3A §6.12.1).  Push the frame the guest would
	// find natively, on the stack the CPU would use, with the values
	// the guest believes it has (its eflags, its %cs), then enter the
	// handler at GUEST_KERNEL_RING with the flags an interrupt or trap
	// gate leaves.  A frame that cannot be written is delivery_failed.
	// BEGIN LAB 1 SOLUTION
	uint32_t frame[6];
	int n = 0;
	uint32_t esp = v->tf.tf_esp;
	uint16_t ss = v->tf.tf_ss;
	if (new_cpl < v->vcpl) {
		/* User to kernel: switch to the stack in the guest's TSS. */
		uint16_t ss0;
		uint32_t esp0;
		if (!guest_tss_stack(v, &ss0, &esp0)) {
			delivery_failed(v, vector, "no guest TSS (ltr)");
			goto out;
		}
		frame[n++] = v->tf.tf_ss;
		frame[n++] = v->tf.tf_esp;
		esp = esp0;
		ss = (ss0 & ~3) | GUEST_KERNEL_RING;
	}
	frame[n++] = vcpu_eflags(v);
	frame[n++] = guest_visible_sel(v, v->tf.tf_cs);
	frame[n++] = v->tf.tf_eip + (kind == DELIVER_SOFTINT ? e->insn_len : 0);
	if (e->has_err)
		frame[n++] = e->err;

	/* The frame goes on the stack lowest address first: reverse it. */
	uint32_t stack[6];
	for (int i = 0; i < n; i++)
		stack[i] = frame[n - 1 - i];
	esp -= n * 4;
	if (gva_write(v, esp, stack, n * 4, NULL) < 0) {
		delivery_failed(v, vector, "guest kernel stack not mapped");
		goto out;
	}

	v->tf.tf_esp = esp;
	v->tf.tf_ss = ss;
	v->tf.tf_cs = (gate.gd_sel & ~3) | GUEST_KERNEL_RING;
	v->tf.tf_eip = gate_offset(&gate);
	v->tf.tf_eflags &= ~(FL_TF | FL_NT | FL_RF | FL_VM);
	if (gate.gd_type == STS_IG32)
		v->vflags &= ~FL_IF;
	v->vcpl = new_cpl;
	v->halted = false;
	// STUB: panic("lab 1: exercise 5 (reflect) not implemented");
	// END LAB 1 SOLUTION
out:
	delivering--;
}

/*
 * iret in the guest kernel.  Returning to guest kernel code traps (the
 * frame's RPL 0 is below our ring 1): pop eip, cs, eflags and, going out
 * to user mode, esp and ss, and take IF and IOPL into the virtual flags.
 */
int
emulate_iret(struct vcpu *v)
{
	// LAB 1: Exercise 7.  Return from the guest's interrupt frame at
	// %esp as the CPU's iret would, to guest kernel or guest user mode,
	// the guest's virtual IF and IOPL included.  Return 0, or -1 (the
	// guest gets #GP) for a frame that cannot be read or returns
	// anywhere else.
	// BEGIN LAB 1 SOLUTION
	uint32_t f[5];
	if (gva_read(v, v->tf.tf_esp, f, 12, NULL) < 0)
		return -1;
	uint16_t cs = f[1];
	if (SEL_RPL(cs) == 3) {
		if (gva_read(v, v->tf.tf_esp + 12, f + 3, 8, NULL) < 0)
			return -1;
		v->tf.tf_esp = f[3];
		v->tf.tf_ss = f[4];
		v->tf.tf_cs = cs;
		v->vcpl = 3;
	} else if (SEL_RPL(cs) == 0) {
		v->tf.tf_esp += 12;
		v->tf.tf_cs = (cs & ~3) | GUEST_KERNEL_RING;
	} else {
		return -1;
	}
	v->tf.tf_eip = f[0];
	vcpu_set_eflags(v, f[2]);
	return 0;
	// STUB: panic("lab 1: exercise 7 (iret) not implemented");
	// END LAB 1 SOLUTION
}

/*
 * Can the guest take an external interrupt now?  Not in the shadow of
 * an sti (or of a load of %ss), not with its virtual IF clear; in user
 * mode always, since user code cannot clear IF.
 */
static bool
reflect_irq_window(struct vcpu *v)
{
	// LAB 1: Exercise 1.  Say whether the guest, as it stands now,
	// could take an external interrupt on a real CPU: not with its
	// virtual IF clear, not in the shadow of an sti (v->sti_shadow,
	// v->sti_shadow_eip; a shadow the guest has moved past is over).
	// Guest user code always runs with interrupts enabled.
	// BEGIN LAB 1 SOLUTION
	if (v->sti_shadow && v->tf.tf_eip == v->sti_shadow_eip)
		return false;
	v->sti_shadow = false;
	return (v->vflags & FL_IF) || v->vcpl != 0;
	// STUB: panic("lab 1: exercise 1 (the interrupt window) not implemented");
	// END LAB 1 SOLUTION
}

const struct event_ops reflect_events = {
	.irq_window = reflect_irq_window,
	.deliver = reflect,
};
