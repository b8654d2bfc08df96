/*
 * Guest memory access.  The monitor never dereferences a guest pointer
 * through the guest's own (shadowed) mappings: it walks the guest's page
 * tables itself and reaches each guest-physical page through one of
 * GMEM_NSLOTS mapping slots in the hole.  A page's slot is its page
 * number modulo GMEM_NSLOTS, so a page used again is usually still
 * mapped and costs no PTE write or invlpg.
 */
#include <inc/gmem.h>
#include <inc/string.h>
#include <inc/vcpu.h>
#include <inc/x86.h>
#include <kern/pmap.h>
#include <vmm/vmm.h>

static pte_t *slot_pt;

/* Give the slot window its page table in the monitor's page directory. */
void
gmem_init(void)
{
	struct pageinfo *pp = page_alloc(ALLOC_ZERO);
	if (!pp)
		panic("gmem_init: no page for the slot page table");
	pp->ref = 1;
	slot_pt = page2kva(pp);
	kern_pgdir[PDX(GMEM_SLOTS)] = page2pa(pp) | PTE_P | PTE_W;
}

hpa_t
gpa_to_hpa(const struct vcpu *v, gpa_t gpa)
{
	if (gpa >= v->mem_size)
		return 0;
	return v->mem_base + gpa;
}

void *
gpa_map(const struct vcpu *v, gpa_t gpa)
{
	if (gpa >= v->mem_size)
		return NULL;
	uint32_t slot = (gpa >> PGSHIFT) % GMEM_NSLOTS;
	/* Accessed and dirty from the start: the CPU would set them at the
	 * first use, and the comparison below would never match again. */
	pte_t want = (v->mem_base + ROUNDDOWN(gpa, PGSIZE)) | PTE_P | PTE_W |
		     PTE_A | PTE_D;
	uint32_t va = GMEM_SLOTS + slot * PGSIZE;
	if (slot_pt[slot] != want) {
		slot_pt[slot] = want;
		invlpg(va);
	}
	return (void *)(va + PGOFF(gpa));
}

int
gpa_read(const struct vcpu *v, gpa_t gpa, void *buf, size_t len)
{
	char *d = buf;
	while (len > 0) {
		size_t n = MIN((size_t)(PGSIZE - PGOFF(gpa)), len);
		const void *s = gpa_map(v, gpa);
		if (!s)
			return -1;
		memcpy(d, s, n);
		d += n, gpa += n, len -= n;
	}
	return 0;
}

int
gpa_write(const struct vcpu *v, gpa_t gpa, const void *buf, size_t len)
{
	const char *s = buf;
	while (len > 0) {
		size_t n = MIN((size_t)(PGSIZE - PGOFF(gpa)), len);
		void *d = gpa_map(v, gpa);
		if (!d)
			return -1;
		memcpy(d, s, n);
		s += n, gpa += n, len -= n;
	}
	return 0;
}

