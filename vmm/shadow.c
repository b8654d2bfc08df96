/*
 * Choosing the shadow MMU: every lab registers its own (SHADOW_MMU), and
 * the shadow= option picks one by name; without it, the highest lab's.
 * And the question every shadow MMU asks first on a fault.
 */
#include <inc/counters.h>
#include <inc/gmem.h>
#include <inc/memlayout.h>
#include <inc/shadow.h>
#include <inc/vcpu.h>
#include <inc/stdio.h>
#include <inc/string.h>

const struct shadow_mmu *shadow_chosen;

const struct shadow_mmu *
shadow_find(const char *name)
{
	const struct shadow_mmu *best = NULL;
	REGISTRY_FOREACH(vmm_shadows, struct shadow_mmu, m)
	{
		if (name ? strcmp((*m)->name, name) == 0
			 : !best || (*m)->lab > best->lab)
			best = *m;
	}
	return best;
}

/*
 * The first question of every shadow page fault: do the guest's own
 * tables allow this access?  If not it is a true fault: counted, with
 * the error code the guest must see in *guest_err.  Accesses to the hole
 * are always true faults -- the guest never maps it.  So is an access the
 * guest's tables allow to a page that is no RAM (a device's registers,
 * or nothing): no shadow entry may map it, and the core decides
 * (vmm/mmio.c); it is not counted as the guest's.
 */
bool
shadow_true_fault(struct vcpu *v, gva_t va, uint32_t hw_err, struct gwalk *w,
		  uint32_t *guest_err)
{
	/* The access's privilege is the CPU's word (FEC_U), not the
	 * guest's CPL: under vt the CPU reads the guest's IDT and writes its
	 * kernel stack for an interrupt that arrives in user mode, as a
	 * supervisor, before the CPL changes. */
	*w = gva_walk(v, va, hw_err & FEC_W, (hw_err & FEC_U) ? 3 : 0);
	bool ram = w->ok && w->gpa < v->mem_size;
	if (ram && va < MONHOLE)
		return false;
	if (ram || !w->ok)
		count(CNT_PF_TRUE);
	*guest_err = w->ok ? (hw_err & (FEC_W | FEC_U)) : w->pf_err;
	return true;
}

static int
set_shadow(const char *value)
{
	shadow_chosen = shadow_find(value);
	if (shadow_chosen)
		return 0;
	cprintf("vmm: shadow=%s: no such shadow MMU (this monitor has:", value);
	REGISTRY_FOREACH(vmm_shadows, struct shadow_mmu, m)
	cprintf(" %s", (*m)->name);
	cprintf(")\n");
	return -1;
}

static const struct vmm_option shadow_option = {
	"shadow", "shadow=NAME",
	set_shadow,
};
VMM_OPTION(shadow_option);
