/*
 * Physical memory and page tables.
 *
 * Every physical page has a struct pageinfo with a reference count; free
 * pages sit on a list.  The kernel maps all of physical memory at
 * KERNBASE with 4 KiB pages (no PSE, no global pages: a monitor that
 * shadows these tables need not handle either), and every process's page
 * directory shares those kernel page tables.
 */
#include <inc/error.h>
#include <inc/string.h>
#include <inc/x86.h>
#include <kern/pmap.h>

struct pageinfo *pages;
size_t npages;
pde_t *kern_pgdir;
physaddr_t kern_cr3;
uint32_t phys_kib;

static struct pageinfo *page_free_list;
static size_t nfree;
static char *boot_next; /* next free byte for boot_alloc */

/* First address after the kernel image (kernel.ld). */
extern char end[];

/* Physical range of legacy VGA memory and BIOS ROM: never allocated. */
#define IO_HOLE_START 0x000A0000u
#define IO_HOLE_END 0x00100000u
/* Everything boot_alloc hands out must be inside entry.S's 8 MiB map. */
#define BOOT_MAPPED (8u << 20)

/* Early allocation, before the page allocator exists: zeroed, page-aligned. */
static void *
boot_alloc(size_t n)
{
	if (!boot_next)
		boot_next = ROUNDUP((char *)end, PGSIZE);
	char *p = boot_next;
	boot_next = ROUNDUP(boot_next + n, PGSIZE);
	if ((uint32_t)boot_next - KBASE > BOOT_MAPPED ||
	    (uint32_t)boot_next - KBASE > phys_kib * 1024u)
		panic("boot_alloc: out of early memory (%u bytes asked)",
		      (unsigned)n);
	memset(p, 0, n);
	return p;
}

/* Map [va, va+size) to [pa, pa+size) in kern_pgdir, before paging is ours. */
static void
boot_map_region(pde_t *pgdir, uint32_t va, size_t size, physaddr_t pa,
		int perm)
{
	for (size_t off = 0; off < size; off += PGSIZE) {
		pde_t *pde = &pgdir[PDX(va + off)];
		if (!(*pde & PTE_P)) {
			pte_t *pt = boot_alloc(PGSIZE);
			*pde = PADDR(pt) | PTE_P | PTE_W;
		}
		pte_t *pt = (pte_t *)(PTE_ADDR(*pde) + KBASE);
		pt[PTX(va + off)] = (pa + off) | perm | PTE_P;
	}
}

#ifdef VMM_IMAGE
/*
 * The monitor's text, read-only data and registries (everything below
 * sdata) are never written, so map them read-only.  CR0.WP is set
 * (entry.S), so the rule binds the monitor too until the hole guard
 * (vmm/holeguard.c) takes the write bit from the rest of the hole and
 * leaves WP set for the guest only: a guest kernel at ring 1 that writes
 * there gets a page fault even where the CPU ignores its truncated
 * segment limits (QEMU's TCG; docs/DESIGN.md §2).
 */
static void
protect_image_text(void)
{
	extern char sdata[];
	for (uint32_t va = KBASE + KLOADADDR; va < (uint32_t)sdata;
	     va += PGSIZE) {
		pte_t *pt = (pte_t *)(PTE_ADDR(kern_pgdir[PDX(va)]) + KBASE);
		pt[PTX(va)] &= ~PTE_W;
	}
}
#endif

/*
 * Set up the page allocator and the kernel's page directory, and switch
 * to it.  mem_upper_kib is multiboot's "memory above 1 MiB";
 * reserved_end is the first physical byte not used by the loader's data
 * (the multiboot info, command line and modules).
 */
void
pmap_init(uint32_t mem_upper_kib, physaddr_t reserved_end)
{
	phys_kib = 1024 + mem_upper_kib;
	npages = phys_kib / (PGSIZE / 1024);
	/* The loader's data (info block, modules) may follow our image. */
	boot_next = ROUNDUP((char *)end, PGSIZE);
	if ((physaddr_t)(boot_next - KBASE) < reserved_end)
		boot_next = (char *)(KBASE + ROUNDUP(reserved_end, PGSIZE));
	if (npages > KMAPSIZE / PGSIZE)
		npages = KMAPSIZE / PGSIZE;

	pages = boot_alloc(npages * sizeof(struct pageinfo));
	kern_pgdir = boot_alloc(PGSIZE);
	/* Kernel page tables for all of physical memory, in the boot map. */
	boot_map_region(kern_pgdir, KBASE, npages * PGSIZE, 0, PTE_W);
#ifdef VMM_IMAGE
	protect_image_text();
#endif
	kern_cr3 = PADDR(kern_pgdir);
	lcr3(kern_cr3);

	physaddr_t kernel_end = PADDR(boot_next);
	for (size_t i = npages; i-- > 1;) {
		physaddr_t pa = (physaddr_t)i << PGSHIFT;
		if (pa >= IO_HOLE_START && pa < IO_HOLE_END)
			continue;
		if (pa >= KLOADADDR && pa < kernel_end)
			continue;
		if (pa >= KLOADADDR && pa < reserved_end)
			continue;
		pages[i].next_free = page_free_list;
		page_free_list = &pages[i];
		nfree++;
	}
	/* Page 0 (the real-mode IVT and BIOS data) stays reserved. */
}

/*
 * Take a page off the free list; ALLOC_ZERO fills it with zeros.  The
 * caller owns the page and must raise ref when mapping it.  NULL when
 * memory is exhausted.
 */
struct pageinfo *
page_alloc(int flags)
{
	struct pageinfo *pp = page_free_list;
	if (!pp)
		return NULL;
	page_free_list = pp->next_free;
	pp->next_free = NULL;
	nfree--;
	if (flags & ALLOC_ZERO)
		memset(page2kva(pp), 0, PGSIZE);
	return pp;
}

/*
 * n physically contiguous zeroed pages, owned by the caller (ref 1 each),
 * or NULL.  For the monitor's tables that outgrow a page and its
 * translation cache: the first run of n free pages, wherever it is (the
 * free list is not in address order once pages have been freed).
 */
void *
page_alloc_run(size_t n)
{
	if (n == 0)
		return NULL;
	/* Mark the free pages (those on the list). */
	for (size_t i = 0; i < npages; i++)
		pages[i].mark = 0;
	for (struct pageinfo *pp = page_free_list; pp; pp = pp->next_free)
		pp->mark = 1;
	size_t first = 0, len = 0;
	for (size_t i = 1; i < npages && len < n; i++) {
		if (!pages[i].mark) {
			len = 0;
			continue;
		}
		if (len++ == 0)
			first = i;
	}
	if (len < n)
		return NULL;
	/* Take them off the list. */
	struct pageinfo **link = &page_free_list;
	while (*link) {
		size_t i = *link - pages;
		if (i >= first && i < first + n) {
			struct pageinfo *pp = *link;
			*link = pp->next_free;
			pp->next_free = NULL;
			pp->ref = 1;
			nfree--;
		} else {
			link = &(*link)->next_free;
		}
	}
	memset(page2kva(&pages[first]), 0, n * PGSIZE);
	return page2kva(&pages[first]);
}

void
page_free(struct pageinfo *pp)
{
	if (pp->ref != 0 || pp->next_free)
		panic("page_free: page %08x still in use (ref %d)",
		      page2pa(pp), pp->ref);
	pp->next_free = page_free_list;
	page_free_list = pp;
	nfree++;
}

void
page_decref(struct pageinfo *pp)
{
	assert(pp->ref > 0);
	if (--pp->ref == 0)
		page_free(pp);
}

size_t
page_free_count(void)
{
	return nfree;
}

/*
 * The page-table entry for va in pgdir, allocating the page table if
 * create is set.  NULL if there is none (or no memory for one).
 */
pte_t *
pgdir_walk(pde_t *pgdir, uint32_t va, bool create)
{
	pde_t *pde = &pgdir[PDX(va)];
	if (!(*pde & PTE_P)) {
		if (!create)
			return NULL;
		struct pageinfo *pp = page_alloc(ALLOC_ZERO);
		if (!pp)
			return NULL;
		pp->ref = 1;
		/* The PDE allows everything; the PTEs decide. */
		*pde = page2pa(pp) | PTE_P | PTE_W | PTE_U;
	}
	pte_t *pt = KADDR(PTE_ADDR(*pde));
	return &pt[PTX(va)];
}

/* Flush va from the TLB if pgdir is the one in use. */
void
tlb_invalidate(pde_t *pgdir, uint32_t va)
{
	if (PADDR(pgdir) == rcr3())
		invlpg(va);
}

/*
 * Map page pp at va with permissions perm|PTE_P, replacing whatever was
 * there.  Returns 0 or -E_NO_MEM.
 */
int
page_insert(pde_t *pgdir, struct pageinfo *pp, uint32_t va, int perm)
{
	pte_t *pte = pgdir_walk(pgdir, va, true);
	if (!pte)
		return -E_NO_MEM;
	pp->ref++; /* first, in case pp is already mapped here */
	if (*pte & PTE_P)
		page_remove(pgdir, va);
	*pte = page2pa(pp) | perm | PTE_P;
	tlb_invalidate(pgdir, va);
	return 0;
}

/* The page mapped at va (and its PTE through *pte_store), or NULL. */
struct pageinfo *
page_lookup(pde_t *pgdir, uint32_t va, pte_t **pte_store)
{
	pte_t *pte = pgdir_walk(pgdir, va, false);
	if (!pte || !(*pte & PTE_P))
		return NULL;
	if (pte_store)
		*pte_store = pte;
	return pa2page(PTE_ADDR(*pte));
}

void
page_remove(pde_t *pgdir, uint32_t va)
{
	pte_t *pte;
	struct pageinfo *pp = page_lookup(pgdir, va, &pte);
	if (!pp)
		return;
	*pte = 0;
	tlb_invalidate(pgdir, va);
	page_decref(pp);
}

pde_t *
pgdir_create(void)
{
	struct pageinfo *pp = page_alloc(ALLOC_ZERO);
	if (!pp)
		return NULL;
	pp->ref = 1;
	pde_t *pgdir = page2kva(pp);
	for (uint32_t i = PDX(KBASE); i < NPDENTRIES; i++)
		pgdir[i] = kern_pgdir[i];
	return pgdir;
}

void
pgdir_destroy(pde_t *pgdir)
{
	assert(PADDR(pgdir) != rcr3());
	for (uint32_t i = 0; i < PDX(UTOP); i++) {
		if (!(pgdir[i] & PTE_P))
			continue;
		pte_t *pt = KADDR(PTE_ADDR(pgdir[i]));
		for (uint32_t j = 0; j < NPTENTRIES; j++)
			if (pt[j] & PTE_P)
				page_decref(pa2page(PTE_ADDR(pt[j])));
		pgdir[i] = 0;
		page_decref(pa2page(PADDR(pt)));
	}
	page_decref(pa2page(PADDR(pgdir)));
}

/*
 * Resolve a write to a copy-on-write page: copy it (or, if no one else
 * shares it any more, just make it writeable again).
 */
int
cow_break(pde_t *pgdir, uint32_t va)
{
	pte_t *pte;
	va = ROUNDDOWN(va, PGSIZE);
	struct pageinfo *pp = page_lookup(pgdir, va, &pte);
	if (!pp || !(*pte & PTE_COW))
		return -E_FAULT;
	int perm = (*pte & PTE_FLAGS & ~(PTE_COW | PTE_A | PTE_D)) | PTE_W;
	if (pp->ref == 1) {
		*pte = (*pte & ~PTE_COW) | PTE_W;
		tlb_invalidate(pgdir, va);
		return 0;
	}
	struct pageinfo *copy = page_alloc(0);
	if (!copy)
		return -E_NO_MEM;
	memcpy(page2kva(copy), page2kva(pp), PGSIZE);
	return page_insert(pgdir, copy, va, perm);
}

/*
 * The kernel address of user address uva in pgdir, doing what the MMU
 * and the page-fault handler would: a missing stack page is allocated,
 * a copy-on-write page is copied if we are about to write.  NULL if the
 * access would be a true fault.
 */
static void *
user_kva(pde_t *pgdir, uint32_t uva, bool write)
{
	if (uva >= UTOP)
		return NULL;
	pte_t *pte = pgdir_walk(pgdir, uva, false);
	if (!pte || !(*pte & PTE_P)) {
		if (uva < USTACKTOP - USTACKSIZE || uva >= USTACKTOP)
			return NULL;
		struct pageinfo *pp = page_alloc(ALLOC_ZERO);
		if (!pp || page_insert(pgdir, pp, ROUNDDOWN(uva, PGSIZE),
				       PTE_U | PTE_W) < 0) {
			if (pp && pp->ref == 0)
				page_free(pp);
			return NULL;
		}
		pte = pgdir_walk(pgdir, uva, false);
	}
	if (!(*pte & PTE_U))
		return NULL;
	if (write && !(*pte & PTE_W)) {
		if (cow_break(pgdir, uva) < 0)
			return NULL;
		pte = pgdir_walk(pgdir, uva, false);
	}
	*pte |= PTE_A | (write ? PTE_D : 0);
	return (char *)KADDR(PTE_ADDR(*pte)) + PGOFF(uva);
}

/*
 * Copy between the kernel and a user address space through the kernel's
 * own mapping of the physical pages, so a bad user pointer can never
 * fault in the kernel.  Return 0 or -E_FAULT.
 */
int
copyout(pde_t *pgdir, uint32_t uva, const void *src, size_t len)
{
	const char *s = src;
	while (len > 0) {
		size_t n = MIN((size_t)(PGSIZE - PGOFF(uva)), len);
		char *dst = user_kva(pgdir, uva, true);
		if (!dst)
			return -E_FAULT;
		memcpy(dst, s, n);
		s += n, uva += n, len -= n;
	}
	return 0;
}

int
copyin(pde_t *pgdir, void *dst, uint32_t uva, size_t len)
{
	char *d = dst;
	while (len > 0) {
		size_t n = MIN((size_t)(PGSIZE - PGOFF(uva)), len);
		const char *src = user_kva(pgdir, uva, false);
		if (!src)
			return -E_FAULT;
		memcpy(d, src, n);
		d += n, uva += n, len -= n;
	}
	return 0;
}

/* Copy a NUL-terminated string of at most max-1 bytes; -E_INVAL if longer. */
int
copyinstr(pde_t *pgdir, char *dst, uint32_t uva, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		const char *src = user_kva(pgdir, uva + i, false);
		if (!src)
			return -E_FAULT;
		if ((dst[i] = *src) == '\0')
			return 0;
	}
	return -E_INVAL;
}

/* Handle a user page fault we can fix: stack growth or copy-on-write. */
int
user_fault_fixup(pde_t *pgdir, uint32_t va, bool write)
{
	return user_kva(pgdir, va, write) ? 0 : -E_FAULT;
}
