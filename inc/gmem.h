/*
 * Guest memory as the monitor sees it.  Guest-physical memory is one
 * contiguous block of host-physical memory; the monitor reaches it
 * through a small window of mapping slots in the hole, never through a
 * mapping the guest controls.  Guest-virtual accesses walk the guest's
 * own page tables (the virtual MMU), as the CPU would.
 */
#ifndef VMMLAB_INC_GMEM_H
#define VMMLAB_INC_GMEM_H

#include <inc/types.h>

struct vcpu;

/* Host-physical address of a guest-physical one, or 0 if outside guest memory. */
hpa_t gpa_to_hpa(const struct vcpu *v, gpa_t gpa);

/*
 * A monitor pointer to guest-physical byte gpa, valid up to the end of
 * its page and until the next gpa_map (slots are reused).  NULL if gpa
 * is outside guest memory.
 */
void *gpa_map(const struct vcpu *v, gpa_t gpa);

int gpa_read(const struct vcpu *v, gpa_t gpa, void *buf, size_t len);
int gpa_write(const struct vcpu *v, gpa_t gpa, const void *buf, size_t len);

/* The result of walking the guest page tables. */
struct gwalk {
	gpa_t gpa;	/* translation, when ok */
	bool ok;	/* the access is allowed */
	uint32_t pf_err; /* otherwise: the #PF error code the CPU would give */
	gpa_t pte_gpa;	/* where the PTE is (0 if the PDE was missing) */
	uint32_t pde, pte; /* the entries read (pte 0 if none) */
};

/*
 * Translate gva for an access by the guest at privilege cpl (0 or 3),
 * writing or not, with the guest's cr0/cr3 as in v.  Sets A (and D on a
 * write) in the guest's entries when the access is allowed, as the CPU
 * does.  Paging off: gpa = gva.
 */
struct gwalk gva_walk(struct vcpu *v, gva_t gva, bool write, int cpl);

/*
 * Copy to/from guest-virtual memory with the rights of privilege cpl
 * (0 or 3).  Returns 0, or -1 with *fault describing the page at fault.
 */
int gva_access(struct vcpu *v, gva_t gva, void *buf, size_t len, bool write,
	       int cpl, struct gwalk *fault);

/*
 * Copy to/from guest-virtual memory at the guest kernel's privilege.
 * Return 0, or -1 with *fault (if non-NULL) describing the first page
 * that would fault.
 */
int gva_read(struct vcpu *v, gva_t gva, void *buf, size_t len,
	     struct gwalk *fault);
int gva_write(struct vcpu *v, gva_t gva, const void *buf, size_t len,
	      struct gwalk *fault);

#endif
