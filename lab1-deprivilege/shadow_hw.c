/*
 * The machine as the shadow MMUs see it (inc/shadow.h): shadow tables
 * come from the monitor's page pool, and the TLB and root are the real
 * CPU's -- the te engine runs the guest on them directly.
 */
#include <inc/shadow.h>
#include <inc/x86.h>
#include <kern/pmap.h>

void *
shadow_page_alloc(hpa_t *pa)
{
	struct pageinfo *pg = page_alloc(ALLOC_ZERO);
	if (!pg)
		return NULL;
	pg->ref = 1;
	*pa = page2pa(pg);
	return page2kva(pg);
}

void
shadow_page_free(hpa_t pa)
{
	struct pageinfo *pg = pa2page(pa);
	pg->ref = 0;
	page_free(pg);
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

void
shadow_tlb_flush(void)
{
	lcr3(rcr3());
}

void
shadow_tlb_invlpg(gva_t va)
{
	invlpg(va);
}

void
shadow_load_root(hpa_t pa)
{
	lcr3(pa);
}

uint32_t
shadow_hole_pde(uint32_t pdx)
{
	return kern_pgdir[pdx];
}
