/*
 * The traced shadow MMU (shadow=traced, Adams & Agesen §2.2-2.4, §7.2).
 *
 * Shadow page tables are kept, not thrown away: a cache of shadow pages,
 * each keyed by the guest page-table page it shadows (its guest-physical
 * address), its level and the rights of the PDE above it.  Every address
 * space that uses a guest page table shares its shadow, so switching back
 * to a known %cr3 costs a lookup, not a rebuild.
 *
 * A cached shadow is only correct while the guest table it copies does
 * not change, so every guest page that has a shadow is traced: mapped
 * read-only in every shadow entry that maps it.  A guest write to it
 * faults (a trace fault); the monitor decodes and emulates the write
 * (wemu.c) and updates the shadow entries it touched -- for a PTE that
 * becomes present, at once (eager NP->P propagation, §7.2).
 *
 * Three costs trade against each other and the counters show them:
 * trace faults (pf.trace), hidden faults (pf.hidden) and address-space
 * rebuilds (shadow.rebuilds).  The adaptive policy stops tracing a page
 * that is written far more than it is used; the bounded pool evicts
 * least recently used address spaces first.
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/gmem.h>
#include <inc/registry.h>
#include <inc/memlayout.h>
#include <inc/shadow.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/trace.h>
#include <inc/vcpu.h>
#include <inc/wemu.h>

/* ---- Policy (monitor options) ---- */

#define POOL_DEFAULT 2048	/* shadow pages: 8 MiB */
#define POOL_MIN 8
#define ADAPT_WRITES 4		/* trace writes without a use: stop tracing */

static bool eager = true;
static bool adapt = true;
static uint32_t pool_pages = POOL_DEFAULT;

/* ---- Shadow pages ---- */

enum { LEVEL_PT = 1, LEVEL_PD = 2 };

/* A PT synthesized from a 4 MiB guest PDE (or for paging off): untraced. */
#define RIGHTS_BIG 0x1000
/* A directory shadowed with 4 MiB pages on (cr4.PSE): a key of its own. */
#define RIGHTS_PSE 0x2000

struct spage {
	bool used;
	uint8_t level;
	uint16_t rights;	/* PTs: the PDE's PTE_U|PTE_W, maybe RIGHTS_BIG */
	gpa_t gpa;		/* the guest table (big: the 4 MiB frame) */
	physaddr_t pa;		/* the host page holding the shadow */
	uint32_t *table;
	uint32_t last_use;	/* LRU clock, for address spaces */
	uint32_t pdx;		/* PTs: where cur_pd last linked it */
	uint32_t eager_index;	/* PTs: 1 + the entry last filled eagerly */
	uint32_t writes;	/* trace writes since it was last used */
	struct spage *hash_next;
	struct spage *pd_next;	/* PDs: the next one in pd_list */
	uint32_t groups;	/* bit g: entries 32g..32g+31 may be present
				 * (see may_fill) */
};

static struct spage *spages;	/* pool_pages of them */
/* Every shadow directory, so that what concerns all of them (unlinking
 * a PT, eviction) visits a handful of spages, not the whole pool. */
static struct spage *pd_list;
static uint32_t nspages_used;
static uint32_t lru_clock;
static struct spage *cur_pd;	/* the shadow the CPU uses now */

#define NHASH 1024
static struct spage *hash[NHASH];

static uint32_t
hash_of(gpa_t gpa)
{
	return (gpa >> PGSHIFT) % NHASH;
}

/* ---- Per guest frame: who maps it (rmap) ---- */

#define RMAP_SLOTS 4
struct frame {
	bool overflow;		/* more mappings than slots: search them all */
	uint32_t map[RMAP_SLOTS]; /* (spage index + 1) << 10 | pte index */
};
static struct frame *frames;
static uint32_t nframes;

static struct spage *
spage_of(uint32_t rmap)
{
	return &spages[(rmap >> 10) - 1];
}

static uint32_t
rmap_entry(struct spage *sp, uint32_t index)
{
	return ((uint32_t)(sp - spages) + 1) << 10 | index;
}

static void
rmap_add(gpa_t gpa, struct spage *sp, uint32_t index)
{
	struct frame *f = &frames[gpa >> PGSHIFT];
	for (int i = 0; i < RMAP_SLOTS; i++)
		if (!f->map[i]) {
			f->map[i] = rmap_entry(sp, index);
			return;
		}
	f->overflow = true;
}

static void
rmap_remove(gpa_t gpa, struct spage *sp, uint32_t index)
{
	struct frame *f = &frames[gpa >> PGSHIFT];
	uint32_t e = rmap_entry(sp, index);
	for (int i = 0; i < RMAP_SLOTS; i++)
		if (f->map[i] == e)
			f->map[i] = 0;
}

/*
 * Entry index of sp may be present from now on: a PD links a PT there,
 * or a PT maps a page.  Every place that makes an entry present says so
 * first, so that whatever looks for present entries (spage_free,
 * unlink_pt, pt_linked) need only read the groups of 32 entries marked
 * here: a process uses a few regions of its address space, not all of
 * it.  The marks are never cleared; a stale one costs a look, no more.
 */
static void
may_fill(struct spage *sp, uint32_t index)
{
	sp->groups |= 1u << (index / 32);
}

/* The first index at or after i, and before end, in a group of sp that
 * may_fill marked; end if there is none. */
static inline uint32_t
next_marked(const struct spage *sp, uint32_t i, uint32_t end)
{
	for (; i < end; i = ROUNDDOWN(i, 32) + 32)
		if (sp->groups & (1u << (i / 32)))
			return i;
	return end;
}

/* The guest frame a shadow PTE maps. */
static gpa_t
spte_gpa(const struct vcpu *v, uint32_t spte)
{
	return PTE_ADDR(spte) - v->mem_base;
}

/* Set a shadow PTE, keeping the reverse map right. */
static void
spte_set(struct vcpu *v, struct spage *sp, uint32_t index, uint32_t spte)
{
	uint32_t old = sp->table[index];
	if (old & PTE_P)
		rmap_remove(spte_gpa(v, old), sp, index);
	if (spte & PTE_P)
		may_fill(sp, index);
	sp->table[index] = spte;
	if (spte & PTE_P)
		rmap_add(spte_gpa(v, spte), sp, index);
}

/* ---- Traces (inc/trace.h): this MMU's guest tables, and its hook ---- */

static void pt_written(struct vcpu *v, gpa_t gpa, uint32_t len);
static const struct trace_client pt_tracer = { "pt", pt_written };
TRACE_CLIENT(pt_tracer);

/*
 * Entry index of shadow PT sp has lost something (its page, or a right):
 * make the TLB forget what it may hold of it.  A shadow PT is shared and
 * does not know the virtual addresses it serves, but only the current
 * directory's links to it can have put its entries in the TLB (a %cr3
 * load flushed the rest, and removing a link flushes too): invalidate
 * the address each of those links gives the entry -- usually just one.
 */
static void
tlb_forget(struct vcpu *v, const struct spage *sp, uint32_t index)
{
	if (!cur_pd) {
		shadow_tlb_flush(v); /* the first directory is on its way */
		return;
	}
	for (uint32_t i = next_marked(cur_pd, 0, PDX(MONHOLE));
	     i < PDX(MONHOLE); i = next_marked(cur_pd, i + 1, PDX(MONHOLE)))
		if ((cur_pd->table[i] & PTE_P) &&
		    PTE_ADDR(cur_pd->table[i]) == sp->pa)
			shadow_tlb_invlpg(v, i << PDXSHIFT | index << PGSHIFT);
}

/*
 * Guest frame gpa has become traced (by us or another client, such as
 * the translator's code pages): take write permission away from every
 * shadow entry that maps it, and make the TLB forget those that had it.
 * (An entry without PTE_W lets no write through in the TLB either: it
 * never holds more than the shadow.)
 */
static void
traced_protect(struct vcpu *v, gpa_t gpa)
{
	struct frame *f = &frames[gpa >> PGSHIFT];
	for (int i = 0; i < RMAP_SLOTS; i++)
		if (f->map[i]) {
			struct spage *sp = spage_of(f->map[i]);
			uint32_t index = f->map[i] & 0x3FF;
			if (sp->table[index] & PTE_W) {
				sp->table[index] &= ~PTE_W;
				tlb_forget(v, sp, index);
			}
		}
	if (f->overflow) {
		/* More mappings than the map holds: scan every shadow PT,
		 * then forget everything if one of them was writeable. */
		bool was_writeable = false;
		hpa_t hpa = v->mem_base + gpa;
		for (uint32_t s = 0; s < pool_pages; s++) {
			struct spage *sp = &spages[s];
			if (!sp->used || sp->level != LEVEL_PT)
				continue;
			for (uint32_t i = next_marked(sp, 0, NPTENTRIES);
			     i < NPTENTRIES;
			     i = next_marked(sp, i + 1, NPTENTRIES))
				if ((sp->table[i] & PTE_P) &&
				    PTE_ADDR(sp->table[i]) == hpa) {
					was_writeable |= sp->table[i] & PTE_W;
					sp->table[i] &= ~PTE_W;
				}
		}
		if (was_writeable)
			shadow_tlb_flush(v);
	}
}

static bool
is_traced(const struct vcpu *v, gpa_t gpa)
{
	return trace_is_traced(v, gpa);
}

/* ---- The cache ---- */

static struct spage *
lookup(gpa_t gpa, int level, uint16_t rights)
{
	// LAB 2: Exercise 1.  Return the cached shadow page whose key is
	// this one -- the same guest table gpa, level and rights, all three
	// -- or NULL if none is cached.  Change and count nothing: a miss
	// means what the caller says.  (Every cached page is on the hash
	// chain of its gpa; handouts/lab2.md has hints.)
	// BEGIN LAB 2 SOLUTION
	for (struct spage *sp = hash[hash_of(gpa)]; sp; sp = sp->hash_next)
		if (sp->gpa == gpa && sp->level == level && sp->rights == rights)
			return sp;
	return NULL;
	// STUB: panic("lab 2: exercise 1 (cache lookup) not implemented");
	// END LAB 2 SOLUTION
}

/* Remove every link from a shadow PD to shadow PT sp; true if the
 * current directory was one. */
static bool
unlink_pt(struct spage *pt)
{
	bool from_current = false;
	for (struct spage *pd = pd_list; pd; pd = pd->pd_next) {
		for (uint32_t i = next_marked(pd, 0, PDX(MONHOLE));
		     i < PDX(MONHOLE); i = next_marked(pd, i + 1, PDX(MONHOLE)))
			if ((pd->table[i] & PTE_P) &&
			    PTE_ADDR(pd->table[i]) == pt->pa) {
				pd->table[i] = 0;
				from_current |= pd == cur_pd;
			}
	}
	return from_current;
}

/*
 * Free shadow page sp: its entries leave the reverse map, a PT leaves
 * every PD that links it (no dangling entry), its guest page loses a
 * trace.  Never the shadow the CPU is using.  Returns true if the TLB
 * may still hold translations made through sp (a PT the current
 * directory linked): the caller must flush before the guest runs.
 * Translations through any other shadow left the TLB at the %cr3 load
 * that left its directory, or when the link to it went (propagate).
 */
static bool
spage_free(struct vcpu *v, struct spage *sp)
{
	bool in_tlb = false;
	assert(sp != cur_pd);
	if (sp->level == LEVEL_PT) {
		for (uint32_t i = next_marked(sp, 0, NPTENTRIES);
		     i < NPTENTRIES; i = next_marked(sp, i + 1, NPTENTRIES))
			if (sp->table[i] & PTE_P)
				spte_set(v, sp, i, 0);
		in_tlb = unlink_pt(sp);
	}
	if (!(sp->rights & RIGHTS_BIG))
		trace_remove(v, sp->gpa, &pt_tracer);
	struct spage **pp = &hash[hash_of(sp->gpa)];
	while (*pp != sp)
		pp = &(*pp)->hash_next;
	*pp = sp->hash_next;
	if (sp->level == LEVEL_PD) {
		for (pp = &pd_list; *pp != sp; pp = &(*pp)->pd_next)
			;
		*pp = sp->pd_next;
	}
	shadow_page_free(sp->pa);
	sp->used = false;
	nspages_used--;
	count(CNT_SHADOW_EVICTIONS);
	return in_tlb;
}

/* Is PT sp linked from some PD? */
static bool
pt_linked(const struct spage *pt)
{
	for (const struct spage *pd = pd_list; pd; pd = pd->pd_next) {
		for (uint32_t i = next_marked(pd, 0, PDX(MONHOLE));
		     i < PDX(MONHOLE); i = next_marked(pd, i + 1, PDX(MONHOLE)))
			if ((pd->table[i] & PTE_P) &&
			    PTE_ADDR(pd->table[i]) == pt->pa)
				return true;
	}
	return false;
}

/*
 * Make room: free the least recently used address space (not the one in
 * use) and the page tables only it used.  With none to free, start over:
 * every shadow but the current directory goes, and it is emptied.
 */
static void
evict(struct vcpu *v)
{
	struct spage *victim = NULL;
	for (struct spage *sp = pd_list; sp; sp = sp->pd_next)
		if (sp != cur_pd &&
		    (!victim || sp->last_use < victim->last_use))
			victim = sp;
	if (victim)
		spage_free(v, victim);
	bool freed = victim != NULL;
	for (uint32_t s = 0; s < pool_pages; s++) {
		struct spage *sp = &spages[s];
		if (sp->used && sp->level == LEVEL_PT && !pt_linked(sp)) {
			spage_free(v, sp);
			freed = true;
		}
	}
	if (freed)
		return;
	/* Everything left hangs off the current directory: empty it. */
	for (uint32_t i = 0; i < PDX(MONHOLE); i++)
		cur_pd->table[i] = 0;
	for (uint32_t s = 0; s < pool_pages; s++)
		if (spages[s].used && spages[s].level == LEVEL_PT)
			spage_free(v, &spages[s]);
	shadow_tlb_flush(v);
}

/* A new, empty shadow page for (gpa, level, rights), traced unless big. */
static struct spage *
spage_new(struct vcpu *v, gpa_t gpa, int level, uint16_t rights)
{
	while (nspages_used >= pool_pages)
		evict(v);
	hpa_t pa;
	uint32_t *table = shadow_page_alloc(&pa);
	while (!table) {
		evict(v);
		table = shadow_page_alloc(&pa);
	}
	struct spage *sp = NULL;
	for (uint32_t s = 0; s < pool_pages && !sp; s++)
		if (!spages[s].used)
			sp = &spages[s];
	assert(sp);
	memset(sp, 0, sizeof(*sp));
	sp->used = true;
	sp->level = level;
	sp->rights = rights;
	sp->gpa = gpa;
	sp->pa = pa;
	sp->table = table;
	sp->last_use = ++lru_clock;
	sp->hash_next = hash[hash_of(gpa)];
	hash[hash_of(gpa)] = sp;
	if (level == LEVEL_PD) {
		sp->pd_next = pd_list;
		pd_list = sp;
	}
	nspages_used++;
	if (!(rights & RIGHTS_BIG) && trace_add(v, gpa, &pt_tracer) < 0)
		panic("shadow: cannot trace guest table %08x", gpa);
	return sp;
}

/* ---- Shadow entries from guest entries ---- */

/*
 * The shadow PTE for a guest mapping of frame gpa with rights (the PDE's
 * and PTE's U/W folded together), or 0 if the frame is not guest memory.
 * Writeable only when the guest entry is dirty (so the first write
 * faults and sets D) and the frame is not traced.
 */
static __attribute__((unused)) uint32_t
make_spte(struct vcpu *v, gpa_t gpa, uint32_t rights, bool dirty)
{
	hpa_t hpa = gpa_to_hpa(v, PTE_ADDR(gpa));
	if (!hpa)
		vcpu_fail(v, "guest maps physical %08x, outside its %u MiB of "
			     "memory", gpa, v->mem_size >> 20);
	uint32_t spte = hpa | PTE_P | (rights & PTE_U);
	if ((rights & PTE_W) && dirty && !is_traced(v, PTE_ADDR(gpa)))
		spte |= PTE_W;
	return spte;
}

/* The shadow PD for the guest's current cr3 (paging off: an identity one). */
static struct spage *
current_pd(struct vcpu *v)
{
	bool paging = v->vcr0 & CR0_PG;
	gpa_t gpa = paging ? PTE_ADDR(v->vcr3) : 0;
	uint16_t rights = !paging		 ? RIGHTS_BIG
			  : (v->vcr4 & CR4_PSE) ? RIGHTS_PSE
						 : 0;
	if (paging && gpa >= v->mem_size)
		vcpu_fail(v, "guest cr3 %08x is outside its memory", v->vcr3);
	struct spage *pd = lookup(gpa, LEVEL_PD, rights);
	if (pd) {
		count(CNT_SHADOW_HITS);
	} else {
		count(CNT_SHADOW_REBUILDS);
		pd = spage_new(v, gpa, LEVEL_PD, rights);
		for (uint32_t i = PDX(MONHOLE); i < NPDENTRIES; i++)
			pd->table[i] = shadow_hole_pde(i);
	}
	pd->last_use = ++lru_clock;
	pd->writes = 0;
	return pd;
}

static void
traced_new_cr3(struct vcpu *v)
{
	cur_pd = current_pd(v);
	shadow_load_root(v, cur_pd->pa);
}

static void
traced_init(struct vcpu *v)
{
	size_t bytes = pool_pages * sizeof(struct spage);
	nframes = v->mem_size >> PGSHIFT;
	size_t fbytes = nframes * sizeof(struct frame);
	spages = shadow_mem_alloc(bytes);
	frames = shadow_mem_alloc(fbytes);
	if (!spages || !frames)
		panic("shadow: no memory to keep %u shadow pages", pool_pages);
	/* A fresh start (the unit tests build many machines). */
	memset(hash, 0, sizeof(hash));
	pd_list = NULL;
	nspages_used = 0;
	lru_clock = 0;
	cur_pd = NULL;
	traced_new_cr3(v);
}

/* ---- The guest changed a traced table: propagate ---- */

/* Is PT sp in use by the current address space (where it last was)? */
static bool
live_in_current(const struct spage *sp)
{
	return (cur_pd->table[sp->pdx] & ~0xFFFu) == sp->pa;
}

/* One guest entry of sp changed to g: update the shadow entry. */
static void
propagate(struct vcpu *v, struct spage *sp, uint32_t index, uint32_t g)
{
	uint32_t old = sp->table[index];
	if (sp->level == LEVEL_PD) {
		if (index >= PDX(MONHOLE))
			return; /* the hole is the monitor's */
		sp->table[index] = 0;
		/* Relink at once only in the directory in use: there the CPU
		 * would use the entry, so the guest's A bit is set too. */
		if (eager && sp == cur_pd && (g & PTE_P) &&
		    !((g & PTE_PS) && (v->vcr4 & CR4_PSE))) {
			struct spage *pt = lookup(PTE_ADDR(g), LEVEL_PT,
						  g & (PTE_U | PTE_W));
			if (pt) {
				*(uint32_t *)gpa_map(v, sp->gpa + index * 4) |=
					PTE_A;
				may_fill(sp, index);
				sp->table[index] = pt->pa | PTE_P | PTE_W |
						   PTE_U;
				pt->pdx = index;
			}
		}
	} else {
		// LAB 2: Exercise 4.  Guest PTE index of the table sp shadows
		// is now g: the shadow entry must give nothing g does not.  With
		// eager on, a present g whose frame is guest memory, in a table
		// the current address space uses, is filled at once (as the
		// hidden fault would fill it, the guest's entry marked accessed
		// as on the CPU's use, remembered in eager_index and counted in
		// CNT_SHADOW_EAGER); in every other case the shadow entry goes.
		// BEGIN LAB 2 SOLUTION
		uint32_t spte = 0;
		/* Only a table the current address space uses is filled at
		 * once: a page that stopped being a table may hold anything
		 * (user data, say), and setting A in it would corrupt it. */
		if (eager && (g & PTE_P) && gpa_to_hpa(v, PTE_ADDR(g)) &&
		    live_in_current(sp)) {
			/* As if the CPU had used it: the guest sees A set. */
			uint32_t *gp = gpa_map(v, sp->gpa + index * 4);
			*gp |= PTE_A;
			spte = make_spte(v, PTE_ADDR(g), g & sp->rights,
					 g & PTE_D);
			sp->eager_index = index + 1;
			count(CNT_SHADOW_EAGER);
		}
		spte_set(v, sp, index, spte);
		// STUB: panic("lab 2: exercise 4 (PTE propagation) not implemented");
		// END LAB 2 SOLUTION
	}
	/* Anything taken away must leave the TLB now. */
	if ((old & PTE_P) && (sp->table[index] != old)) {
		if (sp->level == LEVEL_PT)
			tlb_forget(v, sp, index);
		else
			shadow_tlb_flush(v); /* a PT's worth of entries */
	}
}

/* Stop shadowing guest frame gpa at all (write flood, or a write we
 * cannot emulate); it is shadowed again when the guest next uses it. */
static void
drop_frame(struct vcpu *v, gpa_t gpa)
{
	struct spage *sp, *next;
	bool flush = false;
	for (sp = hash[hash_of(gpa)]; sp; sp = next) {
		next = sp->hash_next;
		if (sp->gpa == gpa && !(sp->rights & RIGHTS_BIG) &&
		    sp != cur_pd)
			flush |= spage_free(v, sp);
	}
	if (flush)
		shadow_tlb_flush(v);
}

/*
 * Guest memory for the write emulator, with the guest's own rights.
 * (These helpers are marked unused: in the lab 2 handout their caller is
 * exercise 3.)
 */
static __attribute__((unused)) int
wmem_read(void *ctx, uint32_t va, void *buf, size_t len)
{
	struct vcpu *v = ctx;
	return gva_access(v, va, buf, len, false, v->vcpl, NULL);
}

static __attribute__((unused)) int
wmem_write(void *ctx, uint32_t va, const void *buf, size_t len)
{
	struct vcpu *v = ctx;
	return gva_access(v, va, (void *)buf, len, true, v->vcpl, NULL);
}

/*
 * The guest wrote [gpa, gpa + len) of a guest table we trace (the trace
 * client's callback, from trace_written): propagate every entry the
 * write touched into each shadow of the table.
 */
static void
pt_written(struct vcpu *v, gpa_t gpa, uint32_t len)
{
	gpa_t frame = PTE_ADDR(gpa);
	uint32_t first = PGOFF(gpa) / 4, last = (PGOFF(gpa) + len - 1) / 4;
	for (uint32_t index = first; index <= last; index++) {
		/* A write flood below may have stopped the tracing. */
		if (!trace_has(v, frame, &pt_tracer))
			return;
		uint32_t g = *(uint32_t *)gpa_map(v, frame + index * 4);
		for (struct spage *sp = hash[hash_of(frame)]; sp;
		     sp = sp->hash_next) {
			if (sp->gpa != frame || (sp->rights & RIGHTS_BIG))
				continue;
			/* An entry we filled eagerly that the CPU has since
			 * used (it set A in our copy) counts as a use. */
			if (sp->eager_index &&
			    (sp->table[sp->eager_index - 1] & PTE_A)) {
				sp->writes = 0;
				sp->eager_index = 0; /* one use, counted once */
			}
			propagate(v, sp, index, g);
			/* Written again without being used: a flood?  A table
			 * the current address space does not use (a page
			 * recycled from an exited process, typically) gets
			 * no second chance. */
			bool live = sp->level == LEVEL_PD ? sp == cur_pd
							   : live_in_current(sp);
			uint32_t limit = live ? ADAPT_WRITES : 0;
			if (adapt && ++sp->writes > limit && sp != cur_pd) {
				count(CNT_SHADOW_ADAPT);
				drop_frame(v, frame);
				break;
			}
		}
	}
}

/*
 * A write to a traced page: emulate the instruction against guest
 * memory, propagate what it changed, step past it.  A form the emulator
 * does not know: stop tracing the page and let the guest retry.
 */
static void
trace_write(struct vcpu *v, gpa_t frame)
{
	count(CNT_PF_TRACE);

	// LAB 2: Exercise 3.  Perform the guest's instruction at eip as the
	// CPU would have (registers, flags, memory, eip past it) and hand
	// every byte it wrote to the trace clients (trace_written, the
	// guest-virtual range); a rep that faults part way keeps its
	// progress, eip still at it.  One that cannot be emulated leaves the
	// guest untouched and the page unshadowed (drop_frame), so the retry
	// runs natively -- or, for the directory in use, stops the guest.
	// BEGIN LAB 2 SOLUTION
	struct x86_insn in;
	struct wemu_write w;
	uint32_t gpr[X86_NGPR];
	int len = vcpu_decode_at_eip(v, &in);
	if (len > 0) {
		for (int r = 0; r < X86_NGPR; r++)
			gpr[r] = *vcpu_gpr(v, r);
		uint32_t flags = v->tf.tf_eflags;
		struct wemu_mem mem = { v, wmem_read, wmem_write };
		int r = wemu_execute(&in, gpr, &flags, &mem, &w);
		if (r == WEMU_OK || (r == WEMU_FAULT && w.len)) {
			for (int i = 0; i < X86_NGPR; i++)
				*vcpu_gpr(v, i) = gpr[i];
			v->tf.tf_eflags = flags;
			if (w.len)
				trace_written(v, w.va, w.len);
			/* A rep that faulted part way stays at eip, as on the
			 * CPU: the retry resumes it and meets the fault. */
			if (r == WEMU_OK)
				v->tf.tf_eip += len;
			return;
		}
	}
	/* The directory in use cannot be dropped: stop rather than spin. */
	if (cur_pd->gpa == frame && !(cur_pd->rights & RIGHTS_BIG))
		vcpu_fail(v, "a write to the page directory in use at eip %08x "
			     "is not one the trace emulator knows", v->tf.tf_eip);
	drop_frame(v, frame);
	// STUB: panic("lab 2: exercise 3 (trace emulation) not implemented");
	// END LAB 2 SOLUTION
}

/* ---- Faults ---- */

static bool
traced_fault(struct vcpu *v, gva_t va, uint32_t hw_err, uint32_t *guest_err)
{
	struct gwalk w;
	if (shadow_true_fault(v, va, hw_err, &w, guest_err))
		return false;
	may_fill(cur_pd, PDX(va)); /* exercise 2 links a PT there */

	bool trace_hit = false;
	// LAB 2: Exercise 2.  The guest's tables (w) allow this access.
	// Make the shadow map va as they do, so the retry succeeds: cur_pd
	// links at PDX(va) the cached (or new) shadow PT for what the guest
	// maps there, a use of it that it remembers (writes, pdx); its entry
	// maps the guest's frame with no more rights than the guest grants,
	// writable only once the guest's entry is dirty and the frame is not
	// traced; no stale TLB entry for va.  Set trace_hit for a write the
	// guest allows to a traced frame: trace_write, below, emulates it.
	// BEGIN LAB 2 SOLUTION
	/* Which shadow PT serves va: a guest PT's, or one made up for a
	 * 4 MiB page (or for paging off, all of memory identity-mapped). */
	bool paging = v->vcr0 & CR0_PG;
	bool big = !paging || ((w.pde & PTE_PS) && (v->vcr4 & CR4_PSE));
	gpa_t pt_gpa;
	uint16_t rights;
	if (!paging) {
		pt_gpa = ROUNDDOWN(va, PTSIZE);
		rights = RIGHTS_BIG | PTE_U | PTE_W;
	} else if (big) {
		pt_gpa = PDE_BIG_ADDR(w.pde);
		rights = RIGHTS_BIG | (w.pde & (PTE_U | PTE_W));
	} else {
		pt_gpa = PTE_ADDR(w.pde);
		rights = w.pde & (PTE_U | PTE_W);
	}
	struct spage *pt = lookup(pt_gpa, LEVEL_PT, rights);
	if (!pt)
		pt = spage_new(v, pt_gpa, LEVEL_PT, rights);
	pt->writes = 0;
	pt->pdx = PDX(va);
	cur_pd->table[PDX(va)] = pt->pa | PTE_P | PTE_W | PTE_U;

	gpa_t frame = PTE_ADDR(w.gpa);
	uint32_t grights = big ? rights : (rights & w.pte);
	bool dirty = big ? (!paging || (w.pde & PTE_D)) : (w.pte & PTE_D);
	spte_set(v, pt, PTX(va), make_spte(v, frame, grights, dirty));
	shadow_tlb_invlpg(v, va);
	trace_hit = (hw_err & FEC_W) && (grights & PTE_W) && is_traced(v, frame);
	// STUB: panic("lab 2: exercise 2 (hidden fault fill) not implemented");
	// END LAB 2 SOLUTION

	if (trace_hit) {
		trace_write(v, PTE_ADDR(w.gpa));
		return true;
	}
	count(CNT_PF_HIDDEN);
	count(CNT_SHADOW_FILLS);
	return true;
}

/*
 * invlpg: the guest says its entry for va changed without our seeing it
 * (a page we stopped tracing): forget our copy.
 */
static void
traced_invlpg(struct vcpu *v, gva_t va)
{
	if (va < MONHOLE && (cur_pd->table[PDX(va)] & PTE_P)) {
		physaddr_t pa = PTE_ADDR(cur_pd->table[PDX(va)]);
		for (uint32_t s = 0; s < pool_pages; s++)
			if (spages[s].used && spages[s].pa == pa) {
				spte_set(v, &spages[s], PTX(va), 0);
				break;
			}
	}
	shadow_tlb_invlpg(v, va);
}

static const struct shadow_mmu traced_mmu = {
	.name = "traced",
	.lab = 2,
	.init = traced_init,
	.new_cr3 = traced_new_cr3,
	.invlpg = traced_invlpg,
	.fault = traced_fault,
	.protect = traced_protect,
};
SHADOW_MMU(traced_mmu);

/* ---- Options ---- */

static int
set_eager(const char *value)
{
	return vmm_option_on_off("eager", value, &eager);
}

static int
set_adapt(const char *value)
{
	return vmm_option_on_off("adapt", value, &adapt);
}

static int
set_pool(const char *value)
{
	char *end;
	long n = strtol(value, &end, 10);
	if (*end || n < POOL_MIN || n > 8192) {
		cprintf("vmm: shadowpool=%s: give a number of pages, %d to "
			"8192\n", value, POOL_MIN);
		return -1;
	}
	pool_pages = n;
	return 0;
}

static const struct vmm_option eager_option = {
	"eager", "eager=on|off", set_eager
};
static const struct vmm_option adapt_option = {
	"adapt", "adapt=on|off", set_adapt
};
static const struct vmm_option pool_option = {
	"shadowpool", "shadowpool=PAGES", set_pool
};
VMM_OPTION(eager_option);
VMM_OPTION(adapt_option);
VMM_OPTION(pool_option);
