/*
 * The basic shadow MMU (Adams & Agesen §2.2, without traces).
 *
 * The real CPU walks a shadow page directory that the monitor owns.  It
 * starts empty below the hole; each guest access to a page not yet in
 * it faults, and the monitor walks the guest's tables (gva_walk): if
 * they allow the access, the fault is hidden -- copy the translation,
 * guest-physical turned host-physical, and retry; if they do not, it is
 * a true fault the guest must see.  When the guest loads %cr3 nothing is
 * known about the new address space, so everything is thrown away: this
 * is what makes a context switch expensive, and what lab 2 fixes.
 *
 * Accessed and dirty bits: gva_walk sets A (and D on a write) in the
 * guest's entry as the CPU would; a page whose guest PTE is not yet
 * dirty is shadowed read-only, so the first write faults and sets D.
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/gmem.h>
#include <inc/memlayout.h>
#include <inc/shadow.h>
#include <inc/string.h>

static pde_t *spgdir;	   /* the shadow page directory */
static hpa_t spgdir_pa;

/* Shadow page tables in use, to free them all at a rebuild. */
#define MAX_SHADOW_PTS NPDENTRIES
static hpa_t spts[MAX_SHADOW_PTS];
static int nspts;

static void
rebuild_init(struct vcpu *v)
{
	spgdir = shadow_page_alloc(&spgdir_pa);
	if (!spgdir)
		panic("shadow_init: out of memory");
	/* The monitor's hole: the same page tables in every address space. */
	for (uint32_t i = PDX(MONHOLE); i < NPDENTRIES; i++)
		spgdir[i] = shadow_hole_pde(i);
	shadow_load_root(v, spgdir_pa);
}

/* Forget every translation below the hole. */
static void
rebuild_new_cr3(struct vcpu *v)
{
	count(CNT_SHADOW_REBUILDS);
	for (uint32_t i = 0; i < PDX(MONHOLE); i++)
		spgdir[i] = 0;
	for (int i = 0; i < nspts; i++)
		shadow_page_free(spts[i]);
	nspts = 0;
	shadow_load_root(v, spgdir_pa); /* and flush the TLB */
}

static void
rebuild_invlpg(struct vcpu *v, gva_t va)
{
	if (va >= MONHOLE)
		return;
	pde_t pde = spgdir[PDX(va)];
	if (pde & PTE_P) {
		pte_t *pt = shadow_page_kva(PTE_ADDR(pde));
		pt[PTX(va)] = 0;
	}
	shadow_tlb_invlpg(v, va);
}

/*
 * The shadow PTE slot for va, allocating its page table.  (Marked
 * unused: in the lab 1 handout its caller is exercise 2.)
 */
static __attribute__((unused)) pte_t *
shadow_pte(struct vcpu *v, gva_t va)
{
	pde_t *pde = &spgdir[PDX(va)];
	if (!(*pde & PTE_P)) {
		hpa_t pa;
		void *pt = shadow_page_alloc(&pa);
		if (!pt || nspts == MAX_SHADOW_PTS) {
			/* Out of shadow memory: start over, then retry. */
			if (pt)
				shadow_page_free(pa);
			rebuild_new_cr3(v);
			if (!shadow_page_alloc(&pa))
				panic("shadow: out of memory for page tables");
		}
		spts[nspts++] = pa;
		/* The PDE allows everything; the PTE carries the guest's rights. */
		*pde = pa | PTE_P | PTE_W | PTE_U;
	}
	pte_t *pt = shadow_page_kva(PTE_ADDR(*pde));
	return &pt[PTX(va)];
}

static bool
rebuild_fault(struct vcpu *v, gva_t va, uint32_t hw_err, uint32_t *guest_err)
{
	struct gwalk w;
	if (shadow_true_fault(v, va, hw_err, &w, guest_err))
		return false;

	// LAB 1: Exercise 2.  A hidden fault: shadow_true_fault has walked
	// the guest's tables (w) and they allow this access.  Make the
	// shadow map va so that the guest's retry succeeds, to the guest
	// page its tables name, with no more rights than they grant, and
	// so that the guest's first write to a clean page still reaches the
	// monitor (to keep the guest's dirty bits right).  Count the fill
	// (CNT_PF_HIDDEN, CNT_SHADOW_FILLS) and return true.
	// BEGIN LAB 1 SOLUTION
	hpa_t hpa = gpa_to_hpa(v, ROUNDDOWN(w.gpa, PGSIZE));
	if (!hpa)
		vcpu_fail(v, "guest maps va %08x to physical %08x, outside "
			     "its %u MiB of memory",
			  va, w.gpa, v->mem_size >> 20);

	uint32_t perm = PTE_P;
	if (v->vcr0 & CR0_PG) {
		/* PS counts only with CR4.PSE (SDM vol.3A §4.3); without
		 * it the PDE points at a page table, whatever PS says. */
		bool big = (w.pde & PTE_PS) && (v->vcr4 & CR4_PSE);
		uint32_t rights = big ? w.pde : (w.pde & w.pte);
		perm |= rights & PTE_U;
		/* Writeable only once the guest's entry is dirty. */
		bool dirty = big ? (w.pde & PTE_D) : (w.pte & PTE_D);
		if ((rights & PTE_W) && dirty)
			perm |= PTE_W;
	} else {
		perm |= PTE_W | PTE_U; /* paging off: all of memory, at any ring */
	}

	pte_t *pte = shadow_pte(v, va);
	*pte = hpa | perm;
	shadow_tlb_invlpg(v, va);
	count(CNT_PF_HIDDEN);
	count(CNT_SHADOW_FILLS);
	return true;
	// STUB: panic("lab 1: exercise 2 (hidden page faults) not implemented");
	// END LAB 1 SOLUTION
}

static const struct shadow_mmu rebuild_mmu = {
	.name = "rebuild",
	.lab = 1,
	.init = rebuild_init,
	.new_cr3 = rebuild_new_cr3,
	.invlpg = rebuild_invlpg,
	.fault = rebuild_fault,
	.protect = NULL, /* no traces: everything is rebuilt anyway */
};
SHADOW_MMU(rebuild_mmu);
