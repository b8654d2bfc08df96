/*
 * The machine as the shadow MMUs see it (inc/shadow.h): shadow tables
 * come from the monitor's page pool; for an engine that runs the guest
 * on the real CPU's MMU (te, bt), the TLB and root are the CPU's own.
 */
#include <inc/shadow.h>
#include <inc/x86.h>
#include <kern/pmap.h>
#include <vmm/vmm.h>

unsigned shadow_pages_live;

void *
shadow_page_alloc(hpa_t *pa)
{
	struct pageinfo *pg = page_alloc(ALLOC_ZERO);
	if (!pg)
		return NULL;
	pg->ref = 1;
	shadow_pages_live++;
	*pa = page2pa(pg);
	return page2kva(pg);
}

void
shadow_page_free(hpa_t pa)
{
	struct pageinfo *pg = pa2page(pa);
	pg->ref = 0;
	page_free(pg);
	shadow_pages_live--;
}

void *
shadow_page_kva(hpa_t pa)
{
	return KADDR(pa);
}

void *
shadow_mem_alloc(size_t bytes)
{
	return page_alloc_run(ROUNDUP(bytes, PGSIZE) / PGSIZE);
}

static void
direct_load_root(struct vcpu *v, uint32_t pa)
{
	lcr3(pa);
}

static void
direct_tlb_flush(struct vcpu *v)
{
	lcr3(rcr3());
}

static void
direct_tlb_invlpg(struct vcpu *v, uint32_t va)
{
	invlpg(va);
}

const struct shadow_hw shadow_hw_direct = {
	.load_root = direct_load_root,
	.tlb_flush = direct_tlb_flush,
	.tlb_invlpg = direct_tlb_invlpg,
};

bool shadow_hole_mapped = true;

uint32_t
shadow_hole_pde(uint32_t pdx)
{
	return shadow_hole_mapped ? kern_pgdir[pdx] : 0;
}
