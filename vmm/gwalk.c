/*
 * The virtual MMU: walking the guest's own page tables as the CPU would,
 * and copying to and from guest-virtual memory.  Pure over gpa_map, so
 * the host unit tests run it on simulated guest memory.
 */
#include <inc/gmem.h>
#include <inc/mmu.h>
#include <inc/string.h>
#include <inc/vcpu.h>

/* Read or update one guest page-table entry in place. */
static uint32_t *
entry_ptr(struct vcpu *v, gpa_t table, uint32_t index)
{
	return gpa_map(v, PTE_ADDR(table) + index * 4);
}

/*
 * Walk the guest's two-level tables like the MMU (SDM vol.3A §4.3 and
 * §4.6): a not-present entry or a permission the entries do not grant
 * gives the error code the CPU would push.
 */
struct gwalk
gva_walk(struct vcpu *v, gva_t gva, bool write, int cpl)
{
	struct gwalk w = { 0 };
	uint32_t err = (write ? FEC_W : 0) | (cpl == 3 ? FEC_U : 0);

	if (!(v->vcr0 & CR0_PG)) {
		w.gpa = gva;
		w.ok = gva < v->mem_size;
		return w;
	}
	uint32_t *pde = entry_ptr(v, v->vcr3, PDX(gva));
	if (!pde || !(*pde & PTE_P)) {
		w.pf_err = err;
		return w;
	}
	w.pde = *pde;
	uint32_t perm = *pde;
	uint32_t *pte = NULL;
	if ((*pde & PTE_PS) && (v->vcr4 & CR4_PSE)) {
		w.gpa = PDE_BIG_ADDR(*pde) | BIG_OFF(gva);
	} else {
		w.pte_gpa = PTE_ADDR(*pde) + PTX(gva) * 4;
		pte = entry_ptr(v, *pde, PTX(gva));
		/* gpa_map reused a slot: re-read the PDE pointer later. */
		if (!pte || !(*pte & PTE_P)) {
			w.pf_err = err;
			return w;
		}
		w.pte = *pte;
		perm &= *pte;
		w.gpa = PTE_ADDR(*pte) | PGOFF(gva);
	}
	/* Present: any failure from here is a protection violation. */
	err |= FEC_P;
	if (cpl == 3 && !(perm & PTE_U)) {
		w.pf_err = err;
		return w;
	}
	if (write && !(perm & PTE_W) && (cpl == 3 || (v->vcr0 & CR0_WP))) {
		w.pf_err = err;
		return w;
	}
	w.ok = true;

	/* The CPU sets accessed (and dirty) bits on a successful walk. */
	pde = entry_ptr(v, v->vcr3, PDX(gva));
	*pde |= PTE_A;
	if (pte) {
		pte = entry_ptr(v, w.pde, PTX(gva));
		*pte |= PTE_A | (write ? PTE_D : 0);
		w.pte = *pte;
	} else if (write) {
		*pde |= PTE_D;
	}
	w.pde = *pde;
	return w;
}

/*
 * Copy between guest-virtual memory and buf, page by page, with the
 * rights of privilege cpl.
 */
int
gva_access(struct vcpu *v, gva_t gva, void *buf, size_t len, bool write,
	   int cpl, struct gwalk *fault)
{
	/* A write that would fault part way must change nothing, as on the
	 * CPU: check every page it touches first. */
	for (gva_t g = gva; write && len > 0 && g - gva < len;
	     g = ROUNDDOWN(g, PGSIZE) + PGSIZE) {
		struct gwalk w = gva_walk(v, g, true, cpl);
		if (!w.ok || !gpa_map(v, w.gpa)) {
			if (fault)
				*fault = w;
			return -1;
		}
	}
	char *b = buf;
	while (len > 0) {
		size_t n = MIN((size_t)(PGSIZE - PGOFF(gva)), len);
		struct gwalk w = gva_walk(v, gva, write, cpl);
		void *p = w.ok ? gpa_map(v, w.gpa) : NULL;
		if (!p) {
			if (fault)
				*fault = w;
			return -1;
		}
		if (write)
			memcpy(p, b, n);
		else
			memcpy(b, p, n);
		b += n, gva += n, len -= n;
	}
	return 0;
}

int
gva_read(struct vcpu *v, gva_t gva, void *buf, size_t len, struct gwalk *fault)
{
	return gva_access(v, gva, buf, len, false, 0, fault);
}

int
gva_write(struct vcpu *v, gva_t gva, const void *buf, size_t len,
	  struct gwalk *fault)
{
	return gva_access(v, gva, (void *)buf, len, true, 0, fault);
}
