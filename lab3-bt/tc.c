/*
 * The translation cache (Adams & Agesen §3.2): translated code in one
 * block of the monitor's memory (inside the hole, so it is mapped in
 * every shadow address space), filled from the bottom; the units it
 * holds, found by guest eip and code frame; the hash the inline indirect
 * lookup reads; the chained jumps between units; and the code pages the
 * translations came from, traced so that a write to one drops them.
 *
 * When the cache is full it is flushed whole: a simple policy that keeps
 * every other structure simple (no unit ever moves).
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/gmem.h>
#include <inc/shadow.h>
#include <inc/string.h>
#include <inc/trace.h>
#include <inc/vmm.h>
#include <kern/pmap.h>
#include <lab3-bt/bt.h>

struct bt_area *bt_area;
uint32_t bt_gen;

static uint8_t *tc_base, *tc_end, *tc_cur;
struct tu *tus;
uint32_t ntus;
static uint32_t max_tus;

#define TU_HASH 1024
static struct tu *tu_hash[TU_HASH];

/* A jump from one unit into another, to undo if the target goes. */
struct chain {
	uint32_t site;	/* the rel32 patched */
	uint32_t stub;	/* where it jumped before: the continuation */
	struct tu *to;
};

/* An instruction's translation overwritten with a jump to unit to
 * (adaptive retranslation), and the bytes it had. */
struct patch {
	uint8_t *site;
	uint8_t orig[5];
	struct tu *to;
};
#define MAX_PATCHES 256
static struct patch patches[MAX_PATCHES];
static uint32_t npatches;
#define MAX_CHAINS 8192
static struct chain *chains;
static uint32_t nchains;

/* A guest code frame that holds translated code, and where it is mapped. */
struct code_page {
	gpa_t gpa;
	gva_t gva; /* a virtual page that maps it (checked on cr3 changes) */
	bool used;
};
#define MAX_CODE_PAGES 512
static struct code_page code_pages[MAX_CODE_PAGES];
static uint32_t ncode_pages;
static uint32_t checked_epoch;

/*
 * The directory entries above the code pages, as last seen: a new %cr3
 * whose entries are the same (the kernel's part of every address space,
 * typically) maps the code pages the same way, through the same tables.
 */
#define MAX_CODE_PDES 16
static struct {
	uint32_t pdx, pde;
} code_pdes[MAX_CODE_PDES];
static uint32_t ncode_pdes;
static bool code_pdes_valid;
static uint32_t code_pdes_cr0, code_pdes_cr4; /* how they were read */

static void code_written(struct vcpu *v, gpa_t gpa, uint32_t len);
static const struct trace_client code_tracer = { "code", code_written };
TRACE_CLIENT(code_tracer);

static void
hash_clear(void)
{
	for (int i = 0; i < BT_HASH_SIZE; i++) {
		bt_area->hash[i].neg_eip = BT_HASH_EMPTY;
		bt_area->hash[i].tc = 0;
	}
}

int
tc_init(struct vcpu *v, uint32_t kib)
{
	size_t bytes = ROUNDUP((size_t)kib << 10, PGSIZE);
	tc_base = page_alloc_run(bytes / PGSIZE);
	bt_area = page_alloc_run(ROUNDUP(sizeof(struct bt_area), PGSIZE) /
				 PGSIZE);
	max_tus = bytes / 64 + 16;
	tus = page_alloc_run(ROUNDUP(max_tus * sizeof(struct tu), PGSIZE) /
			     PGSIZE);
	chains = page_alloc_run(ROUNDUP(MAX_CHAINS * sizeof(struct chain),
					PGSIZE) /
				PGSIZE);
	if (!tc_base || !bt_area || !tus || !chains)
		return -1;
	/* Translated code writes the area's first page (bt.h), nothing else
	 * of the monitor's. */
	hole_guard_keep_writable(bt_area, BTA_HASH);
	tc_end = tc_base + bytes;
	tc_cur = tc_base;
	for (int b = 0; b < 256; b++)
		bt_area->seltab[b] = (b & 3) == 1 || (b & 3) == 2;
	hash_clear();
	checked_epoch = v->mapping_epoch;
	return 0;
}

void
tc_flush(struct vcpu *v, const char *why)
{
	count(CNT_BT_FLUSHES);
	tc_cur = tc_base;
	ntus = 0;
	nchains = 0;
	npatches = 0;
	memset(tu_hash, 0, sizeof(tu_hash));
	hash_clear();
	trace_remove_all(v, &code_tracer);
	memset(code_pages, 0, sizeof(code_pages));
	ncode_pages = 0;
	code_pdes_valid = false;
	bt_gen++;
	vmm_counters[CNT_BT_TC_BYTES] = 0;
}

uint8_t *
tc_cursor(void)
{
	return tc_cur;
}

void
tc_set_cursor(uint8_t *p)
{
	tc_cur = MIN(p, tc_end);
	vmm_counters[CNT_BT_TC_BYTES] = tc_cur - tc_base;
}

/* Is a inside the translations made so far? */
bool
tc_holds(uintptr_t a)
{
	return a >= (uintptr_t)tc_base && a < (uintptr_t)tc_cur;
}

size_t
tc_free_bytes(void)
{
	return tc_end - tc_cur;
}

struct tu *
tc_new_tu(void)
{
	if (ntus == max_tus)
		return NULL;
	struct tu *tu = &tus[ntus++];
	/* Everything but points[], which npoints = 0 makes empty. */
	memset(tu, 0, offsetof(struct tu, points));
	tu->hash_next = NULL;
	return tu;
}

/* Give back the unit tc_new_tu just handed out (its translation failed). */
void
tc_abandon_tu(struct tu *tu)
{
	assert(ntus > 0 && tu == &tus[ntus - 1]);
	ntus--;
}

static uint32_t
tu_hash_of(gva_t eip)
{
	return (eip ^ (eip >> 10)) % TU_HASH;
}

struct tu *
tc_lookup(gva_t eip, gpa_t gpa)
{
	for (struct tu *tu = tu_hash[tu_hash_of(eip)]; tu; tu = tu->hash_next)
		if (tu->live && tu->eip == eip && tu->gpa == gpa)
			return tu;
	return NULL;
}

/* The unit whose translation holds address tc (units lie in order). */
struct tu *
tc_find_by_addr(uintptr_t tc)
{
	uint32_t lo = 0, hi = ntus;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if ((uintptr_t)tus[mid].tc <= tc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	struct tu *tu = &tus[lo - 1];
	if (tc >= (uintptr_t)tu->tc + tu->len)
		return NULL;
	return tu;
}

/*
 * Precise state (Adams & Agesen §3.2): is translated address tc, inside
 * unit tu, a place where the guest's registers, flags and memory are
 * exactly what they would be before one of its instructions?  Then set
 * *eip to that instruction's address and *flags to what must be undone
 * first (PT_EAX_SAVED), and return true.  The translator recorded every
 * such place in tu->points (translate.c: point, point_at).
 */
bool
tu_precise(const struct tu *tu, uintptr_t tc, gva_t *eip, uint8_t *flags)
{
	// LAB 3: Exercise 2.  True, with *eip and *flags, exactly when tc is
	// one of the places the translator recorded for tu; false anywhere
	// else.  Change nothing.
	// BEGIN LAB 3 SOLUTION
	uint32_t off = tc - (uintptr_t)tu->tc;
	for (int i = 0; i < tu->npoints; i++)
		if (tu->points[i].tc_off == off) {
			*eip = tu->points[i].eip;
			*flags = tu->points[i].flags;
			return true;
		}
	return false;
	// STUB: panic("lab 3: exercise 2 (precise state) not implemented");
	// END LAB 3 SOLUTION
}

/*
 * The inline lookup (bt_glue.S, bt_ind_lookup) finds the translation of
 * an indirect branch's target in bt_area->hash, indexed by the target's
 * low BT_HASH_BITS bits: an entry is {minus the guest eip, translated
 * address} (minus, so the lookup can compare without touching a flag).
 * Put unit tu, which starts at guest eip, in its slot (the slot's old
 * occupant, if any, simply goes: the hash is a cache).
 */
void
tc_hash_fill(gva_t eip, const struct tu *tu)
{
	// LAB 3: Exercise 1.  From now on, until another unit takes the
	// slot, bt_ind_lookup finds tu's translation for a jump to eip; no
	// other eip can match the entry.
	// BEGIN LAB 3 SOLUTION
	uint32_t i = eip & (BT_HASH_SIZE - 1);
	bt_area->hash[i].neg_eip = -eip;
	bt_area->hash[i].tc = (uint32_t)tu->tc;
	// STUB: panic("lab 3: exercise 1 (the indirect-branch hash) not implemented");
	// END LAB 3 SOLUTION
}

/* The translation the inline hash has for eip, or 0 (what bt_ind_lookup
 * does, for the monitor). */
uintptr_t
tc_hash_probe(gva_t eip)
{
	uint32_t i = eip & (BT_HASH_SIZE - 1);
	if (bt_area->hash[i].neg_eip != -eip)
		return 0;
	return bt_area->hash[i].tc;
}

/*
 * Chaining (§3.2): the rel32 of a jump at address site (the jump's last
 * four bytes) still points at its continuation stub; point it straight
 * at unit to's translation instead, so the next time the jump is taken
 * it never leaves translated code.  Record the chain (site, the stub it
 * pointed at, to) in chains[] so that unchain() can undo it if to is
 * ever dropped, and count it (CNT_BT_CHAINED).  With chains[] full,
 * leave the jump alone: a continuation is slower, never wrong.
 */
void
tc_chain(struct vcpu *v, uint32_t site, struct tu *to)
{
	// LAB 3: Exercise 3.  The jump at site goes straight to to->tc from
	// now on, and unchain() can send it back to its stub; counted.
	// BEGIN LAB 3 SOLUTION
	int32_t *rel = (int32_t *)site;
	uint32_t stub = site + 4 + *rel;
	if (nchains == MAX_CHAINS)
		return; /* leave it a continuation: correct, only slower */
	chains[nchains++] = (struct chain){ site, stub, to };
	*rel = (int32_t)((uint32_t)to->tc - (site + 4));
	count(CNT_BT_CHAINED);
	// STUB: panic("lab 3: exercise 3 (chaining) not implemented");
	// END LAB 3 SOLUTION
}

/* ---- Code pages ---- */

static struct code_page *
code_page_of(gpa_t gpa)
{
	gpa = PTE_ADDR(gpa);
	for (uint32_t i = 0; i < ncode_pages; i++)
		if (code_pages[i].used && code_pages[i].gpa == gpa)
			return &code_pages[i];
	return NULL;
}

/* Room for a unit's code pages (two at most)?  Else the caller flushes
 * first: never in the middle of registering a unit. */
bool
tc_code_pages_room(void)
{
	uint32_t free = MAX_CODE_PAGES - ncode_pages;
	for (uint32_t i = 0; i < ncode_pages && free < 2; i++)
		if (!code_pages[i].used)
			free++;
	return free >= 2;
}

static void
code_page_add(struct vcpu *v, gpa_t gpa, gva_t gva)
{
	if (code_page_of(gpa))
		return;
	code_pdes_valid = false; /* its entry is not recorded yet */
	struct code_page *cp = NULL;
	for (uint32_t i = 0; i < ncode_pages && !cp; i++)
		if (!code_pages[i].used)
			cp = &code_pages[i]; /* one whose code was written */
	if (!cp) {
		assert(ncode_pages < MAX_CODE_PAGES); /* tc_code_pages_room */
		cp = &code_pages[ncode_pages++];
	}
	cp->gpa = PTE_ADDR(gpa);
	cp->gva = PTE_ADDR(gva);
	cp->used = true;
	if (trace_add(v, cp->gpa, &code_tracer) < 0)
		vcpu_fail(v, "bt: the shadow MMU '%s' cannot trace code pages "
			     "(use shadow=traced)",
			  v->mmu->name);
}

/* A new unit's code pages are traced from now on. */
void
tc_register(struct vcpu *v, struct tu *tu)
{
	uint32_t h = tu_hash_of(tu->eip);
	tu->hash_next = tu_hash[h];
	tu_hash[h] = tu;
	code_page_add(v, tu->gpa, tu->eip);
	if (tu->gpa2)
		code_page_add(v, tu->gpa2, ROUNDUP(tu->eip + 1, PGSIZE));
	vmm_counters[CNT_BT_TC_BYTES] = tc_cur - tc_base;
}

/* Undo every chained jump and patch into tu: back to its continuation,
 * or to the bytes the patch replaced. */
static void
unchain(struct tu *tu)
{
	for (uint32_t i = 0; i < nchains; i++)
		if (chains[i].to == tu) {
			int32_t *rel = (int32_t *)chains[i].site;
			*rel = (int32_t)(chains[i].stub - (chains[i].site + 4));
			chains[i].to = NULL;
		}
	for (uint32_t i = 0; i < npatches; i++)
		if (patches[i].to == tu) {
			memcpy(patches[i].site, patches[i].orig, 5);
			patches[i].to = NULL;
		}
}

/* Drop unit tu: no lookup, hash entry or jump reaches it any more. */
void
tc_invalidate(struct tu *tu)
{
	if (!tu->live)
		return;
	tu->live = false;
	unchain(tu);
	for (int h = 0; h < BT_HASH_SIZE; h++)
		if (bt_area->hash[h].tc == (uint32_t)tu->tc)
			bt_area->hash[h].neg_eip = BT_HASH_EMPTY;
	bt_gen++;
}

/* Drop every live unit that may hold the guest instruction at eip (one
 * with a precise point for it: a jump's target counts too, which at
 * worst drops a unit that did not need it). */
void
tc_invalidate_eip(gva_t eip)
{
	for (uint32_t i = 0; i < ntus; i++) {
		struct tu *tu = &tus[i];
		if (!tu->live)
			continue;
		for (int p = 0; p < tu->npoints; p++)
			if (tu->points[p].eip == eip) {
				tc_invalidate(tu);
				break;
			}
	}
}

/*
 * Overwrite the translation at site (where a guest instruction's
 * translation starts) with a jump to unit to; false if there is no room
 * to remember it.
 */
bool
tc_patch(uint8_t *site, struct tu *to)
{
	if (npatches == MAX_PATCHES)
		return false;
	/* The jump covers five bytes: none of them may be a chained jump's
	 * rel32 or another patch, which an unchain would write into. */
	for (uint32_t i = 0; i < nchains; i++)
		if (chains[i].to && chains[i].site + 4 > (uint32_t)site &&
		    chains[i].site < (uint32_t)site + 5)
			return false;
	for (uint32_t i = 0; i < npatches; i++)
		if (patches[i].to && patches[i].site + 5 > site &&
		    patches[i].site < site + 5)
			return false;
	struct patch *p = &patches[npatches++];
	p->site = site;
	memcpy(p->orig, site, 5);
	p->to = to;
	site[0] = 0xE9;
	*(int32_t *)(site + 1) = (int32_t)((uint32_t)to->tc - (uint32_t)(site + 5));
	bt_gen++;
	return true;
}

/*
 * The guest wrote into a frame holding translated code (self-modifying
 * or cross-modified code): every unit made from it goes, with the jumps
 * into it and its hash entries; the frame is no longer traced for us.
 */
static void
code_written(struct vcpu *v, gpa_t gpa, uint32_t len)
{
	gpa_t frame = PTE_ADDR(gpa);
	count(CNT_BT_SMC);
	for (uint32_t i = 0; i < ntus; i++) {
		struct tu *tu = &tus[i];
		if (tu->live && (tu->gpa == frame || tu->gpa2 == frame))
			tc_invalidate(tu);
	}
	struct code_page *cp = code_page_of(frame);
	if (cp) {
		cp->used = false;
		trace_remove(v, frame, &code_tracer);
	}
	bt_gen++;
}

static bool
read_pde(struct vcpu *v, uint32_t pdx, uint32_t *pde)
{
	if (!(v->vcr0 & CR0_PG))
		return false;
	return gpa_read(v, PTE_ADDR(v->vcr3) + pdx * 4, pde, 4) == 0;
}

/* Do the directory entries above the code pages read as they did? */
static bool
code_pdes_same(struct vcpu *v)
{
	if (!code_pdes_valid || v->vcr0 != code_pdes_cr0 ||
	    v->vcr4 != code_pdes_cr4)
		return false;
	for (uint32_t i = 0; i < ncode_pdes; i++) {
		uint32_t pde;
		if (!read_pde(v, code_pdes[i].pdx, &pde) ||
		    pde != code_pdes[i].pde)
			return false;
	}
	return true;
}

static void
code_pdes_record(struct vcpu *v)
{
	ncode_pdes = 0;
	code_pdes_valid = v->vcr0 & CR0_PG;
	code_pdes_cr0 = v->vcr0;
	code_pdes_cr4 = v->vcr4;
	for (uint32_t i = 0; i < ncode_pages && code_pdes_valid; i++) {
		struct code_page *cp = &code_pages[i];
		uint32_t pdx = PDX(cp->gva), j;
		if (!cp->used)
			continue;
		for (j = 0; j < ncode_pdes; j++)
			if (code_pdes[j].pdx == pdx)
				break;
		if (j < ncode_pdes)
			continue;
		if (j == MAX_CODE_PDES ||
		    !read_pde(v, pdx, &code_pdes[j].pde)) {
			code_pdes_valid = false;
			break;
		}
		code_pdes[j].pdx = pdx;
		ncode_pdes++;
	}
}

/*
 * The guest may have changed its mappings (cr3, invlpg...): chained
 * jumps and the hash assume each code page is still where it was
 * translated from.  Check every one; if any moved, flush.
 */
void
tc_check_mappings(struct vcpu *v)
{
	if (v->mapping_epoch == checked_epoch)
		return;
	/* Just one invlpg since the last look: just its page. */
	bool one = v->mapping_epoch == checked_epoch + 1 &&
		   v->invlpg_epoch == v->mapping_epoch;
	checked_epoch = v->mapping_epoch;
	/* A new %cr3 with the same entries above the code: nothing moved
	 * (an invlpg of a code page is still checked below). */
	if (!one && code_pdes_same(v))
		return;
	for (uint32_t i = 0; i < ncode_pages; i++) {
		struct code_page *cp = &code_pages[i];
		if (!cp->used || (one && cp->gva != PTE_ADDR(v->invlpg_va)))
			continue;
		struct gwalk w = gva_walk(v, cp->gva, false, 0);
		if (!w.ok || PTE_ADDR(w.gpa) != cp->gpa) {
			tc_flush(v, "a code page's mapping changed");
			return;
		}
	}
	code_pdes_record(v);
}
