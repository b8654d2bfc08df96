/*
 * The shadow MMU: the page tables the real CPU uses while the guest
 * runs, derived from the guest's (Adams & Agesen §2.2).  Lab 1's is the
 * simplest that works -- throw everything away when the guest loads
 * %cr3, fill entries on hidden faults; lab 2 replaces it with a cache
 * kept coherent by traces.
 */
#ifndef VMMLAB_INC_SHADOW_H
#define VMMLAB_INC_SHADOW_H

#include <inc/engine.h>
#include <inc/types.h>
#include <inc/vcpu.h>

/*
 * A shadow MMU.  Each lab that has one registers it (SHADOW_MMU); the
 * monitor gives each vcpu the one named by its shadow= option, by
 * default the one of the highest lab in the tree (v->mmu).  It reaches
 * the TLB and the root only through v->mmu_hw, which the engine chooses
 * (inc/engine.h: the real CPU's for te and bt, the VMCB's for vt).
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
	/*
	 * Guest frame gpa has just become traced (inc/trace.h): take write
	 * permission away from every shadow entry that maps it.  NULL: this
	 * MMU does not support traces (trace_add refuses).
	 */
	void (*protect)(struct vcpu *v, gpa_t gpa);
};

#include <inc/registry.h>
#define SHADOW_MMU(object) REGISTER(vmm_shadows, struct shadow_mmu, object)
REGISTRY_DECLARE(vmm_shadows, struct shadow_mmu);

/*
 * What a shadow MMU needs from the monitor: pages for its tables, from
 * the monitor's pool (vmm/shadow_hw.c; the unit tests fake them), and
 * control of the TLB and the root through the engine's hooks.
 */
void *shadow_page_alloc(hpa_t *pa); /* zeroed, or NULL when none is left */
void shadow_page_free(hpa_t pa);
void *shadow_page_kva(hpa_t pa);
/* Zeroed memory for bookkeeping, kept for good (NULL if there is none). */
void *shadow_mem_alloc(size_t bytes);
/* The monitor's page-directory entries for the hole, for every root
 * (0: none, when the engine gives the guest an address space of its own,
 * shadow_hw.own_space; vmm/init.c sets shadow_hole_mapped). */
uint32_t shadow_hole_pde(uint32_t pdx);
extern bool shadow_hole_mapped;

/* The hooks of an engine that runs the guest on the real CPU's MMU. */
extern const struct shadow_hw shadow_hw_direct;

/* The shadow MMU named name (NULL: the highest lab's), or NULL. */
const struct shadow_mmu *shadow_find(const char *name);
/* The one the shadow= option chose (NULL: none given). */
extern const struct shadow_mmu *shadow_chosen;

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
	v->mmu->init(v);
}

static inline void
shadow_new_cr3(struct vcpu *v)
{
	v->mapping_epoch++;
	v->mmu->new_cr3(v);
}

static inline void
shadow_invlpg(struct vcpu *v, gva_t va)
{
	v->invlpg_epoch = ++v->mapping_epoch;
	v->invlpg_va = va;
	v->mmu->invlpg(v, va);
}

static inline bool
shadow_fault(struct vcpu *v, gva_t va, uint32_t hw_err, uint32_t *guest_err)
{
	return v->mmu->fault(v, va, hw_err, guest_err);
}

static inline void
shadow_load_root(struct vcpu *v, hpa_t pa)
{
	v->mmu_hw->load_root(v, pa);
}

static inline void
shadow_tlb_flush(struct vcpu *v)
{
	v->mmu_hw->tlb_flush(v);
}

static inline void
shadow_tlb_invlpg(struct vcpu *v, gva_t va)
{
	v->mmu_hw->tlb_invlpg(v, va);
}

#endif
