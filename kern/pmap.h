/* Physical pages and page tables of the guest OS. */
#ifndef VMMLAB_KERN_PMAP_H
#define VMMLAB_KERN_PMAP_H

#include <inc/assert.h>
#include <inc/memlayout.h>
#include <inc/mmu.h>
#include <inc/types.h>
#include <kern/kbase.h>

/*
 * One per physical page.  ref counts the page-table entries that map the
 * page (a copy-on-write page shared by a parent and a child has ref 2),
 * plus one if the kernel holds it as a page table or page directory.
 */
struct pageinfo {
	struct pageinfo *next_free; /* on the free list, else NULL */
	uint16_t ref;
	uint16_t mark; /* scratch for page_alloc_run */
};

extern struct pageinfo *pages;
extern size_t npages;
extern pde_t *kern_pgdir;
extern physaddr_t kern_cr3;

/* Physical memory in KiB, as the multiboot loader reported it. */
extern uint32_t phys_kib;

void pmap_init(uint32_t mem_upper_kib, physaddr_t reserved_end);

#define PADDR(kva) _paddr(__FILE__, __LINE__, (void *)(kva))
#define KADDR(pa) _kaddr(__FILE__, __LINE__, (physaddr_t)(pa))

static inline physaddr_t
_paddr(const char *file, int line, void *kva)
{
	if ((uint32_t)kva < KBASE)
		_panic(file, line, "PADDR called with invalid kva %p", kva);
	return (physaddr_t)kva - KBASE;
}

static inline void *
_kaddr(const char *file, int line, physaddr_t pa)
{
	if (pa >> PGSHIFT >= npages)
		_panic(file, line, "KADDR called with invalid pa %08x", pa);
	return (void *)(pa + KBASE);
}

static inline physaddr_t
page2pa(struct pageinfo *pp)
{
	return (physaddr_t)(pp - pages) << PGSHIFT;
}

static inline struct pageinfo *
pa2page(physaddr_t pa)
{
	if (pa >> PGSHIFT >= npages)
		panic("pa2page called with invalid pa %08x", pa);
	return &pages[pa >> PGSHIFT];
}

static inline void *
page2kva(struct pageinfo *pp)
{
	return KADDR(page2pa(pp));
}

#define ALLOC_ZERO 1
struct pageinfo *page_alloc(int flags);
void page_free(struct pageinfo *pp);
void *page_alloc_run(size_t n);
void page_decref(struct pageinfo *pp);
size_t page_free_count(void);

pte_t *pgdir_walk(pde_t *pgdir, uint32_t va, bool create);
int page_insert(pde_t *pgdir, struct pageinfo *pp, uint32_t va, int perm);
struct pageinfo *page_lookup(pde_t *pgdir, uint32_t va, pte_t **pte_store);
void page_remove(pde_t *pgdir, uint32_t va);
void tlb_invalidate(pde_t *pgdir, uint32_t va);

/* A new page directory holding the kernel's mappings, or NULL. */
pde_t *pgdir_create(void);
/* Free every user page, page table and the directory itself. */
void pgdir_destroy(pde_t *pgdir);

int cow_break(pde_t *pgdir, uint32_t va);
int copyout(pde_t *pgdir, uint32_t uva, const void *src, size_t len);
int copyin(pde_t *pgdir, void *dst, uint32_t uva, size_t len);
int copyinstr(pde_t *pgdir, char *dst, uint32_t uva, size_t max);
int user_fault_fixup(pde_t *pgdir, uint32_t va, bool write);

#endif
