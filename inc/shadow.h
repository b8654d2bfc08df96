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

/*
 * A shadow MMU.  Each lab that has one registers it (SHADOW_MMU); the
 * monitor uses the one named by its shadow= option, by default the one
 * of the highest lab in the tree.
 */
struct shadow_mmu {
	const char *name; /* shadow=NAME: "rebuild" (lab 1), "traced" (lab 2) */
	int lab;	  /* the lab that provides it */
	/* Set up for v; the monitor's hole mappings come along. */
	void (*init)(struct vcpu *v);
	/* The guest loaded %cr3 (or changed cr0.PG/WP, cr4.PSE/PGE). */
	void (*new_cr3)(struct vcpu *v);
	/* The guest executed invlpg va. */
	void (*invlpg)(struct vcpu *v, gva_t va);
	/*
	 * A #PF while the guest ran.  true: handled, resume the guest (the
	 * shadow now maps the page, or a write to a traced page was
	 * emulated and eip advanced).  false: the guest's own tables forbid
	 * the access; the caller reflects it with *guest_err.
	 */
	bool (*fault)(struct vcpu *v, gva_t va, uint32_t hw_err,
		      uint32_t *guest_err);
};

#include <inc/registry.h>
#define SHADOW_MMU(object) REGISTER(vmm_shadows, struct shadow_mmu, object)
REGISTRY_DECLARE(vmm_shadows, struct shadow_mmu);

/*
 * What a shadow MMU needs from the machine: pages for its tables and
 * control of the TLB and of the root the CPU walks.  The monitor provides
 * them (lab1-deprivilege/shadow_hw.c: real instructions for the te engine;
 * a later engine may route them elsewhere) and the unit tests fake them.
 */
void *shadow_page_alloc(hpa_t *pa); /* zeroed, or NULL when none is left */
void shadow_page_free(hpa_t pa);
void *shadow_page_kva(hpa_t pa);
/* Zeroed memory for bookkeeping, kept for good (NULL if there is none). */
void *shadow_mem_alloc(size_t bytes);
void shadow_tlb_flush(void);
void shadow_tlb_invlpg(gva_t va);
void shadow_load_root(hpa_t pa);
/* The monitor's page-directory entries for the hole, for every root. */
uint32_t shadow_hole_pde(uint32_t pdx);

/* The shadow MMU in use (chosen at boot by shadow_select). */
extern const struct shadow_mmu *shadow_mmu;
/* Pick by name (NULL: the default); -1 if there is no such one. */
int shadow_select(const char *name);

struct gwalk;
/*
 * Walk the guest's tables for a fault at va.  true: the guest forbids
 * the access (a true fault, counted; *guest_err is its error code).
 * false: allowed, and *w holds the walk.
 */
bool shadow_true_fault(struct vcpu *v, gva_t va, uint32_t hw_err,
		       struct gwalk *w, uint32_t *guest_err);

static inline void
shadow_init(struct vcpu *v)
{
	shadow_mmu->init(v);
}

static inline void
shadow_new_cr3(struct vcpu *v)
{
	shadow_mmu->new_cr3(v);
}

static inline void
shadow_invlpg(struct vcpu *v, gva_t va)
{
	shadow_mmu->invlpg(v, va);
}

static inline bool
shadow_fault(struct vcpu *v, gva_t va, uint32_t hw_err, uint32_t *guest_err)
{
	return shadow_mmu->fault(v, va, hw_err, guest_err);
}

#endif
