/*
 * The simulated machine under the traced shadow MMU's host unit test
 * (traced_test.c): everything traced.c reaches outside itself, faked on
 * the host.
 *
 *   guest memory   GUEST_MEM_SIZE bytes in one array; guest-physical gpa
 *                  is host-physical GUEST_HPA + gpa (inc/gmem.h)
 *   page pool      host pages for shadow tables (inc/shadow.h), each
 *                  with a fake host-physical address and a generation
 *                  number, so the test can tell a live page from a freed
 *                  one and see leaks, double frees and writes after free
 *   TLB            a small direct-mapped TLB of shadow entries that only
 *                  the engine hooks (machine_hw: tlb_flush, tlb_invlpg,
 *                  load_root) empty, as on the real CPU; the test's CPU
 *                  model (cpu_access) fills it
 *   monitor        the counter table, cprintf into machine_console,
 *                  panic and vcpu_fail ending the scenario
 *
 * traced_test.c declares what it uses of this file; keep the two lists
 * in step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/gmem.h>
#include <inc/memlayout.h>
#include <inc/mmu.h>
#include <inc/shadow.h>
#include <inc/trace.h>
#include <inc/vcpu.h>
#include <inc/x86decode.h>

/* From traced_test.c: record a failure and end the scenario. */
void tt_fail_stop(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/* ---- Guest memory ---- */

#define GUEST_MEM_SIZE (4u << 20)
#define GUEST_HPA 0x02800000u /* where the monitor would put it (KMAPSIZE) */

static uint8_t guest_mem[GUEST_MEM_SIZE] __attribute__((aligned(PGSIZE)));

static const struct shadow_hw machine_hw;

/*
 * Give v its memory (all of it zero, at GUEST_HPA), this machine's TLB
 * and root as its engine's, and an empty trace table.
 */
void
machine_init(struct vcpu *v)
{
	memset(guest_mem, 0, sizeof(guest_mem));
	v->mem_base = GUEST_HPA;
	v->mem_size = GUEST_MEM_SIZE;
	v->mmu_hw = &machine_hw;
	if (trace_init(v) < 0)
		tt_fail_stop("trace_init: no memory");
}

void *
gpa_map(const struct vcpu *v, gpa_t gpa)
{
	return gpa < v->mem_size ? guest_mem + gpa : NULL;
}

hpa_t
gpa_to_hpa(const struct vcpu *v, gpa_t gpa)
{
	return gpa < v->mem_size ? v->mem_base + gpa : 0;
}

/* ---- The shadow page pool ---- */

#define POOL_MAX 1024
#define POOL_HPA 0x00400000u /* below guest memory, never 0 */
#define POISON 0x5A5A5A5Au   /* a freed page's contents (P clear) */

static uint32_t pool[POOL_MAX][NPTENTRIES] __attribute__((aligned(PGSIZE)));
static bool pool_used[POOL_MAX];
static uint32_t pool_gen[POOL_MAX];
static uint32_t pool_cursor;

unsigned pool_live;	      /* pages allocated now */
unsigned pool_allocs, pool_frees;
unsigned pool_limit = POOL_MAX; /* pages the host hands out at once */

/* The pool slot of pa, or stop: traced.c made up an address. */
static uint32_t
pool_slot(hpa_t pa, const char *who)
{
	uint32_t i = (pa - POOL_HPA) >> PGSHIFT;
	if (pa < POOL_HPA || PGOFF(pa) || i >= POOL_MAX)
		tt_fail_stop("%s(%08x): not a shadow page", who, pa);
	return i;
}

/*
 * Allocate the next free slot after the last one handed out, so that a
 * freed page is reused as late as possible and a dangling link to it
 * still points at a dead page when the test looks.
 */
void *
shadow_page_alloc(hpa_t *pa)
{
	if (pool_live >= pool_limit)
		return NULL;
	for (uint32_t n = 0; n < POOL_MAX; n++) {
		uint32_t i = (pool_cursor + n) % POOL_MAX;
		if (pool_used[i])
			continue;
		for (uint32_t e = 0; e < NPTENTRIES && pool_gen[i]; e++)
			if (pool[i][e] != POISON)
				tt_fail_stop("shadow page %08x was written "
					     "after it was freed (entry %u: "
					     "%08x)", POOL_HPA + i * PGSIZE, e,
					     pool[i][e]);
		memset(pool[i], 0, PGSIZE);
		pool_used[i] = true;
		pool_gen[i]++;
		pool_cursor = i + 1;
		pool_live++;
		pool_allocs++;
		*pa = POOL_HPA + i * PGSIZE;
		return pool[i];
	}
	return NULL;
}

void
shadow_page_free(hpa_t pa)
{
	uint32_t i = pool_slot(pa, "shadow_page_free");
	if (!pool_used[i])
		tt_fail_stop("shadow_page_free(%08x): not allocated (freed "
			     "twice?)", pa);
	for (uint32_t e = 0; e < NPTENTRIES; e++)
		pool[i][e] = POISON;
	pool_used[i] = false;
	pool_live--;
	pool_frees++;
}

void *
shadow_page_kva(hpa_t pa)
{
	return pool[pool_slot(pa, "shadow_page_kva")];
}

/* Is pa a shadow page now, and the same one as at generation gen? */
bool
pool_page_live(hpa_t pa, uint32_t gen)
{
	uint32_t i = (pa - POOL_HPA) >> PGSHIFT;
	return pa >= POOL_HPA && !PGOFF(pa) && i < POOL_MAX && pool_used[i] &&
	       (gen == 0 || pool_gen[i] == gen);
}

/* Which allocation of its slot pa is (0: never allocated). */
uint32_t
pool_page_gen(hpa_t pa)
{
	return pool_gen[pool_slot(pa, "pool_page_gen")];
}

void *
shadow_mem_alloc(size_t bytes)
{
	return calloc(1, bytes);
}

/* ---- The TLB and the root ---- */

#define TLB_ENTRIES 64

static struct {
	bool valid;
	gva_t page;
	uint32_t pte; /* the shadow PTE, U and W folded with the PDE's */
} tlb[TLB_ENTRIES];

unsigned tlb_flushes, tlb_invlpgs, root_loads;
hpa_t tlb_root; /* the root the CPU walks (0 before the first load) */

static void
tlb_clear(void)
{
	memset(tlb, 0, sizeof(tlb));
}

bool
tlb_lookup(gva_t va, uint32_t *pte)
{
	uint32_t i = (va >> PGSHIFT) % TLB_ENTRIES;
	if (!tlb[i].valid || tlb[i].page != PTE_ADDR(va))
		return false;
	*pte = tlb[i].pte;
	return true;
}

void
tlb_fill(gva_t va, uint32_t pte)
{
	uint32_t i = (va >> PGSHIFT) % TLB_ENTRIES;
	tlb[i].valid = true;
	tlb[i].page = PTE_ADDR(va);
	tlb[i].pte = pte;
}

void
tlb_drop(gva_t va)
{
	uint32_t i = (va >> PGSHIFT) % TLB_ENTRIES;
	if (tlb[i].page == PTE_ADDR(va))
		tlb[i].valid = false;
}

static void
machine_tlb_flush(struct vcpu *v)
{
	tlb_flushes++;
	tlb_clear();
}

static void
machine_tlb_invlpg(struct vcpu *v, gva_t va)
{
	tlb_invlpgs++;
	tlb_drop(va);
}

/* Loading %cr3 empties the (untagged) TLB, as on the CPU. */
static void
machine_load_root(struct vcpu *v, hpa_t pa)
{
	if (!pool_page_live(pa, 0))
		tt_fail_stop("shadow_load_root(%08x): not a live shadow page",
			     pa);
	tlb_root = pa;
	root_loads++;
	tlb_clear();
}

static const struct shadow_hw machine_hw = {
	.load_root = machine_load_root,
	.tlb_flush = machine_tlb_flush,
	.tlb_invlpg = machine_tlb_invlpg,
};

/* Made-up monitor entries, one per hole slot, so the test can see them. */
uint32_t
shadow_hole_pde(uint32_t pdx)
{
	return (0x00100000u + (pdx - PDX(MONHOLE)) * PGSIZE) | PTE_P | PTE_W;
}

/* ---- What the monitor provides ---- */

uint64_t vmm_counters[NCOUNTERS];

/* What traced.c printed (its option errors), for the test to read. */
char machine_console[1024];

int
cprintf(const char *fmt, ...)
{
	size_t used = strlen(machine_console);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(machine_console + used,
			  sizeof(machine_console) - used, fmt, ap);
	va_end(ap);
	return n;
}

void
_panic(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tt_fail_stop("panic at %s:%d: %s", file, line, msg);
}

/*
 * The monitor stops the guest.  A scenario that expects it arms
 * machine_stop_jmp and reads machine_stop_msg; any other ends the
 * scenario as a failure.
 */
jmp_buf *machine_stop_jmp;
char machine_stop_msg[512];

void
vcpu_fail(struct vcpu *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(machine_stop_msg, sizeof(machine_stop_msg), fmt, ap);
	va_end(ap);
	if (machine_stop_jmp) {
		jmp_buf *jb = machine_stop_jmp;
		machine_stop_jmp = NULL;
		longjmp(*jb, 1);
	}
	tt_fail_stop("vcpu_fail: vmm: %s", machine_stop_msg);
}
