/*
 * The shadow MMU: the page tables the real CPU uses while the guest
 * runs, derived from the guest's (Adams & Agesen §2.2).  Lab 1's is the
 * simplest that works -- throw everything away when the guest loads
 * %cr3, fill entries on hidden faults; lab 2 replaces it with a cache
 * kept coherent by traces.
 */
#ifndef VMMLAB_INC_SHADOW_H
#define VMMLAB_INC_SHADOW_H

#include <inc/types.h>

struct vcpu;

/* Set up the shadow MMU for v; the monitor's hole mappings come along. */
void shadow_init(struct vcpu *v);
/* The host cr3 to run v with now. */
hpa_t shadow_cr3(struct vcpu *v);
/* The guest loaded %cr3 (or changed cr0.PG/cr4): forget stale shadows. */
void shadow_new_cr3(struct vcpu *v);
/* The guest executed invlpg va. */
void shadow_invlpg(struct vcpu *v, gva_t va);
/*
 * A #PF while the guest ran.  Returns true if it was hidden (the shadow
 * now maps the page and the guest can retry), false if the guest's own
 * tables forbid the access: the caller reflects it with *guest_err.
 */
bool shadow_fault(struct vcpu *v, gva_t va, uint32_t hw_err,
		  uint32_t *guest_err);

#endif
