/*
 * Unit tests for the traced shadow MMU (traced.c), built for the host;
 * run from the repository root:
 *
 *	obj/host/lab2-shadow/traced_test
 *
 * traced.c is reached as the monitor reaches it: through the struct
 * shadow_mmu it registers (found in the vmm_shadows section) and the
 * options it registers (vmm_options).  Under it runs the simulated
 * machine of traced_test_support.c: guest memory, a pool of shadow
 * pages, a TLB.  Above it runs a model of the CPU (cpu_access): it walks
 * the shadow tables from the root traced.c loaded, through the TLB, sets
 * A and D in the shadow entries as the hardware does, and on a #PF calls
 * the fault op and retries, as the monitor's trap path would.  So "a
 * following access takes no hidden fault" is what the CPU model saw, and
 * a TLB entry traced.c forgot to flush is used, as on the real CPU.
 *
 * traced.c keeps its state in statics that only init starts, so every
 * test runs in a child process of its own (run_isolated): each starts
 * from a fresh traced.c, with its own options, and a crash, a panic or a
 * livelock in one is reported as that test's failure.
 *
 * After most steps check_world() checks what must always hold:
 *   - the CPU's root is a live shadow page; the pool stays within
 *     shadowpool= (or what the host gave);
 *   - every live root has the monitor's hole entries, and every present
 *     entry below the hole links a live shadow page (no dangling link);
 *   - every present shadow PTE of every live root agrees with the guest's
 *     tables for that root's cr3: same frame, U only where the guest
 *     grants U, W only where it grants W and the guest PTE is dirty, and
 *     the guest's A set (the guest sees every page the CPU can reach);
 *   - no shadow PTE maps a guest page table of a live shadow writeable.
 *
 * Suites:
 *   fill     hidden faults: translation, rights folded from PDE and PTE,
 *            A and D, accesses the guest forbids, 4 MiB pages and paging
 *            off, guest addresses outside its memory
 *   cache    shadows shared between address spaces; cr3 hits
 *   trace    page tables mapped read-only; trace faults emulated (mov,
 *            or, xchg, cmpxchg, bts, btr, a straddling write, rep stos)
 *            and propagated (eager on and off); PDE writes; an
 *            instruction the emulator refuses; invlpg
 *   adapt    write floods drop a table; used tables stay; adapt=off
 *   evict    a small pool: LRU order, a long random run, one address
 *            space bigger than the pool, the host out of pages
 *   options  eager=, adapt=, shadowpool= values refused
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <lib/test_table.h>

#include <inc/counters.h>
#include <inc/gmem.h>
#include <inc/memlayout.h>
#include <inc/mmu.h>
#include <inc/registry.h>
#include <inc/shadow.h>
#include <inc/vcpu.h>

/* ---- The simulated machine (traced_test_support.c) ---- */

void machine_init(struct vcpu *v);
extern unsigned pool_live, pool_allocs, pool_frees, pool_limit;
bool pool_page_live(hpa_t pa, uint32_t gen);
uint32_t pool_page_gen(hpa_t pa);
extern unsigned tlb_flushes, tlb_invlpgs, root_loads;
extern hpa_t tlb_root;
bool tlb_lookup(gva_t va, uint32_t *pte);
void tlb_fill(gva_t va, uint32_t pte);
void tlb_drop(gva_t va);
extern char machine_console[1024];
extern jmp_buf *machine_stop_jmp;
extern char machine_stop_msg[512];

/* ---- Running each test in a child of its own ---- */

#define SCENARIO_SECONDS 20 /* a livelock in traced.c ends here */
#define EXIT_STOPPED 2	    /* the scenario stopped after a failure */

static int report_fd = -1; /* the child's end of the pipe to the parent */
static unsigned child_passes;

/*
 * In the child, a failed check is one line to the parent,
 * "F line file function message", which replays it into CUnit.
 */
static bool
check_at(bool ok, const char *file, int line, const char *func,
	 const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (ok) {
		child_passes++;
		return true;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	dprintf(report_fd, "F %d %s %s %s\n", line, file, func, msg);
	return false;
}
#define CHECK(cond, ...)                                                       \
	check_at(!!(cond), __FILE__, __LINE__, __func__, __VA_ARGS__)
/* got == want, both shown in hex; each evaluated once. */
#define CHECK_EQ(got, want)                                                    \
	({                                                                     \
		unsigned long long g_ = (got), w_ = (want);                    \
		CHECK(g_ == w_, "%s: got %#llx, want %s = %#llx", #got, g_,    \
		      #want, w_);                                              \
	})
/* A check the rest of the scenario cannot do without. */
#define REQUIRE(cond, ...)                                                     \
	do {                                                                   \
		if (!CHECK(cond, __VA_ARGS__))                                 \
			_exit(EXIT_STOPPED);                                   \
	} while (0)

/* For the machine: a misuse by traced.c (double free, panic, vcpu_fail). */
void
tt_fail_stop(const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	check_at(false, "traced_test_support.c", 0, "machine", "%s", msg);
	_exit(EXIT_STOPPED);
}

/* Run scenario in a child; replay its checks into the current test. */
static void
run_isolated(void (*scenario)(void))
{
	int fds[2];
	if (pipe(fds) < 0) {
		CU_FAIL("pipe");
		return;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		CU_FAIL("fork");
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		report_fd = fds[1];
		alarm(SCENARIO_SECONDS);
		scenario();
		dprintf(report_fd, "P %u\n", child_passes);
		_exit(0);
	}
	close(fds[1]);

	FILE *in = fdopen(fds[0], "r");
	char buf[1024];
	while (in && fgets(buf, sizeof(buf), in)) {
		unsigned n;
		int line, used = 0;
		char file[128], func[128];
		buf[strcspn(buf, "\n")] = 0;
		if (sscanf(buf, "P %u", &n) == 1) {
			/* One assert for the lot (check_world makes many),
			 * none for none: the runner fails a scenario that
			 * checked nothing. */
			if (n > 0)
				CU_assertImplementation(CU_TRUE, 0, "checks",
							__FILE__, "", CU_FALSE);
		} else if (sscanf(buf, "F %d %127s %127s %n", &line, file,
				  func, &used) == 3) {
			CU_assertImplementation(CU_FALSE, line, buf + used, file,
						func, CU_FALSE);
		}
	}
	if (in)
		fclose(in);

	int status;
	char msg[128];
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status)) {
		snprintf(msg, sizeof(msg), "the scenario died: signal %d (%s)%s",
			 WTERMSIG(status), strsignal(WTERMSIG(status)),
			 WTERMSIG(status) == SIGALRM ? ": a livelock?" : "");
		CU_assertImplementation(CU_FALSE, 0, msg, __FILE__, "", CU_FALSE);
	} else if (WEXITSTATUS(status) != 0 &&
		   WEXITSTATUS(status) != EXIT_STOPPED) {
		snprintf(msg, sizeof(msg), "the scenario exited %d",
			 WEXITSTATUS(status));
		CU_assertImplementation(CU_FALSE, 0, msg, __FILE__, "", CU_FALSE);
	}
}

/* ---- The guest: memory layout and page tables ---- */

#define CODE_GPA 0x1000u    /* the instruction a trace fault emulates */
#define KPT_GPA 0x10000u    /* the kernel PT: KERNBASE.. -> all of memory */
#define TABLES_GPA 0x20000u /* page directories and tables from here */
#define DATA_GPA 0x100000u  /* data frames from here */
#define KVA(gpa) (KERNBASE + (gpa))
#define PWU (PTE_P | PTE_W | PTE_U)
#define GUEST_FRAMES 1024 /* 4 MiB: traced_test_support.c's size */

static struct vcpu vc;
static const struct shadow_mmu *mmu;
static gpa_t next_table = TABLES_GPA, next_data = DATA_GPA;
static unsigned pool_bound; /* pages the pool may hold (0: unchecked) */

/* A guest page-table entry, in place. */
static uint32_t *
gent(gpa_t table, unsigned index)
{
	uint32_t *p = gpa_map(&vc, PTE_ADDR(table) + index * 4);
	REQUIRE(p, "table %08x is outside guest memory", table);
	return p;
}

static const struct shadow_mmu *
find_mmu(const char *name)
{
	REGISTRY_FOREACH(vmm_shadows, struct shadow_mmu, m)
		if (strcmp((*m)->name, name) == 0)
			return *m;
	return NULL;
}

/* Set a monitor option as the command line would: 0, or -1. */
static int
set_option(const char *key, const char *value)
{
	REGISTRY_FOREACH(vmm_options, struct vmm_option, o)
		if (strcmp((*o)->key, key) == 0) {
			int r = (*o)->set(value);
			if (r == 0 && strcmp(key, "shadowpool") == 0)
				pool_bound = atoi(value);
			return r;
		}
	REQUIRE(false, "no option %s= registered", key);
	return -1;
}

/*
 * Guest memory with the kernel's page table: KERNBASE + x maps guest
 * physical x, kernel-only and writeable (not dirty, not accessed).
 */
static void
guest_init(void)
{
	machine_init(&vc);
	REQUIRE(vc.mem_size == GUEST_FRAMES * PGSIZE, "guest memory size");
	vc.vcr0 = CR0_PE | CR0_PG | CR0_WP;
	vc.tf.tf_eflags = 0x2;
	vc.tf.tf_eip = KVA(CODE_GPA);
	for (unsigned i = 0; i < NPTENTRIES; i++)
		*gent(KPT_GPA, i) = (i << PGSHIFT) | PTE_P | PTE_W;
	mmu = find_mmu("traced");
	REQUIRE(mmu, "shadow=traced is not registered");
	vc.mmu = mmu;
}

static gpa_t
new_table(void)
{
	gpa_t t = next_table;
	next_table += PGSIZE;
	REQUIRE(next_table <= DATA_GPA, "out of guest table frames");
	return t;
}

static gpa_t
data_frame(void)
{
	gpa_t f = next_data;
	next_data += PGSIZE;
	REQUIRE(next_data <= vc.mem_size, "out of guest data frames");
	return f;
}

/* A page directory with the kernel's table linked at KERNBASE. */
static gpa_t
new_pd(void)
{
	gpa_t pd = new_table();
	*gent(pd, PDX(KERNBASE)) = KPT_GPA | PTE_P | PTE_W;
	return pd;
}

/* A new page table in pd for va's 4 MiB, with PDE rights perm. */
static gpa_t
new_pt(gpa_t pd, gva_t va, uint32_t perm)
{
	gpa_t pt = new_table();
	*gent(pd, PDX(va)) = pt | perm;
	return pt;
}

/* The guest PTE for va in pd (its PT must be there). */
static uint32_t *
gpte(gpa_t pd, gva_t va)
{
	uint32_t pde = *gent(pd, PDX(va));
	REQUIRE(pde & PTE_P, "no PT for %08x in %08x", va, pd);
	return gent(PTE_ADDR(pde), PTX(va));
}

/* ---- Roots: which guest cr3 each shadow root was built for ---- */

struct root_rec {
	hpa_t pa;
	uint32_t gen; /* the pool page's generation when it was loaded */
	gpa_t cr3;
	bool paging, pse;
};
static struct root_rec roots[512];
static unsigned nroots;

static bool
root_live(const struct root_rec *r)
{
	return pool_page_live(r->pa, r->gen);
}

/* Remember the root just loaded; one root is one cr3. */
static void
note_root(void)
{
	struct root_rec now = { tlb_root, pool_page_gen(tlb_root),
				PTE_ADDR(vc.vcr3), !!(vc.vcr0 & CR0_PG),
				!!(vc.vcr4 & CR4_PSE) };
	for (unsigned i = 0; i < nroots; i++)
		if (roots[i].pa == now.pa && roots[i].gen == now.gen) {
			CHECK(roots[i].paging == now.paging &&
				      (!now.paging || roots[i].cr3 == now.cr3),
			      "root %08x, built for cr3 %08x, loaded for cr3 "
			      "%08x", now.pa, roots[i].cr3, now.cr3);
			return;
		}
	REQUIRE(nroots < ARRAY_SIZE(roots), "too many roots");
	roots[nroots++] = now;
}

static void
boot(gpa_t cr3)
{
	vc.vcr3 = cr3;
	mmu->init(&vc);
	REQUIRE(tlb_root, "init loaded no root");
	note_root();
}

static void
set_cr3(gpa_t cr3)
{
	vc.vcr3 = cr3;
	mmu->new_cr3(&vc);
	note_root();
}

/* ---- Looking at the shadow the CPU uses ---- */

static uint32_t *
shadow_root(void)
{
	return shadow_page_kva(tlb_root);
}

static uint32_t
spde(gva_t va)
{
	return shadow_root()[PDX(va)];
}

/* The shadow PTE for va in the current root, 0 if there is none. */
static uint32_t
spte(gva_t va)
{
	uint32_t pde = spde(va);
	if (!(pde & PTE_P))
		return 0;
	return ((uint32_t *)shadow_page_kva(PTE_ADDR(pde)))[PTX(va)];
}

/* What traced.c sets in a shadow PTE (A and D are the CPU's). */
#define SPTE_BITS(e) ((e) & ~(PTE_A | PTE_D))

static hpa_t
hpa(gpa_t gpa)
{
	return gpa_to_hpa(&vc, gpa);
}

static uint64_t
counter(enum vmm_counter c)
{
	return vmm_counters[c];
}

/* ---- The CPU ---- */

/* Does the TLB hold a translation of va that lets a write through? */
static bool
tlb_writeable(gva_t va)
{
	uint32_t e;
	return tlb_lookup(va, &e) && (e & PTE_W);
}

static bool
rights_allow(uint32_t e, bool write, int cpl)
{
	/* The guest kernel runs at ring 1: supervisor, with the real WP. */
	return (cpl != 3 || (e & PTE_U)) && (!write || (e & PTE_W));
}

/*
 * One try at an access, as the MMU does it: the TLB, else a walk of the
 * shadow from the root.  true: done, *pa is where it went.  false: a #PF
 * with error code *hw_err.  (One page: the model has no accesses that
 * cross a page boundary.)
 */
static bool
cpu_try(gva_t va, bool write, int cpl, uint32_t *hw_err, hpa_t *pa)
{
	uint32_t need = (write ? FEC_W : 0) | (cpl == 3 ? FEC_U : 0);
	uint32_t e;
	if (tlb_lookup(va, &e)) {
		if (!rights_allow(e, write, cpl)) {
			tlb_drop(va);
			*hw_err = need | FEC_P;
			return false;
		}
		if (!write || (e & PTE_D)) {
			*pa = PTE_ADDR(e) | PGOFF(va);
			return true;
		}
		/* A write through a clean entry: walk again to set D. */
	}
	uint32_t *root = shadow_root();
	uint32_t pde = root[PDX(va)];
	if (!(pde & PTE_P)) {
		*hw_err = need;
		return false;
	}
	REQUIRE(pool_page_live(PTE_ADDR(pde), 0),
		"the CPU walked root %08x entry %u into %08x, not a live shadow "
		"page", tlb_root, PDX(va), PTE_ADDR(pde));
	uint32_t *pt = shadow_page_kva(PTE_ADDR(pde));
	uint32_t pte = pt[PTX(va)];
	if (!(pte & PTE_P)) {
		*hw_err = need;
		return false;
	}
	uint32_t folded = (pte & ~(PTE_U | PTE_W)) |
			  (pde & pte & (PTE_U | PTE_W));
	if (!rights_allow(folded, write, cpl)) {
		*hw_err = need | FEC_P;
		return false;
	}
	root[PDX(va)] |= PTE_A;
	pt[PTX(va)] |= PTE_A | (write ? PTE_D : 0);
	tlb_fill(va, folded | PTE_A | (write ? PTE_D : 0));
	*pa = PTE_ADDR(pte) | PGOFF(va);
	return true;
}

struct access {
	int faults;	    /* #PFs the monitor took */
	bool reflected;	    /* the last went to the guest ... */
	uint32_t guest_err; /* ... with this error code */
	bool emulated;	    /* a trace: the monitor did it, eip moved on */
	hpa_t pa;	    /* where a native access went */
};

/*
 * The guest at privilege cpl touches va, as the CPU and the monitor's
 * trap path together do it: fault, let the shadow MMU handle it, retry.
 */
static struct access
cpu_access(gva_t va, bool write, int cpl)
{
	struct access a = { 0 };
	gva_t eip = vc.tf.tf_eip;
	REQUIRE(va < MONHOLE, "cpu_access in the hole");
	vc.vcpl = cpl;
	for (int tries = 0; tries < 4; tries++) {
		uint32_t hw_err;
		if (cpu_try(va, write, cpl, &hw_err, &a.pa))
			return a;
		a.faults++;
		if (!mmu->fault(&vc, va, hw_err, &a.guest_err)) {
			a.reflected = true;
			return a;
		}
		if (vc.tf.tf_eip != eip) {
			a.emulated = true;
			return a;
		}
	}
	CHECK(false, "%s of %08x at cpl %d still faults after %d handled "
		     "faults (the guest would loop)",
	      write ? "write" : "read", va, cpl, a.faults);
	return a;
}

/* An access the guest's tables allow: it lands in guest frame gpa. */
#define CHECK_LANDS(a, gpa)                                                    \
	do {                                                                   \
		struct access a_ = (a);                                        \
		CHECK(!a_.reflected && !a_.emulated,                           \
		      "access reflected (%d) or emulated (%d)", a_.reflected,  \
		      a_.emulated);                                            \
		CHECK_EQ(PTE_ADDR(a_.pa), hpa(gpa));                           \
	} while (0)

/* A write of val to guest-virtual va that lands natively. */
static struct access
cpu_write32(gva_t va, uint32_t val, int cpl)
{
	struct access a = cpu_access(va, true, cpl);
	if (!a.reflected && !a.emulated) {
		uint32_t *p = gpa_map(&vc, a.pa - vc.mem_base);
		REQUIRE(p, "write landed outside guest memory: %08x", a.pa);
		*p = val;
	}
	return a;
}

/*
 * The guest kernel runs the instruction code (at CODE_GPA) and it
 * writes to target; registers as the scenario set them.
 */
static struct access
guest_insn(const uint8_t *code, size_t len, gva_t target)
{
	memcpy(gpa_map(&vc, CODE_GPA), code, len);
	vc.tf.tf_eip = KVA(CODE_GPA);
	return cpu_access(target, true, 0);
}
#define INSN(...) (const uint8_t[]){ __VA_ARGS__ }, \
	sizeof((const uint8_t[]){ __VA_ARGS__ })

/* The instruction was a trace fault: emulated and stepped over. */
#define CHECK_TRACED(a, len)                                                   \
	do {                                                                   \
		struct access t_ = (a);                                        \
		CHECK(t_.emulated && t_.faults == 1,                           \
		      "want one emulated trace fault: faults %d emulated %d "  \
		      "reflected %d", t_.faults, t_.emulated, t_.reflected);   \
		CHECK_EQ(vc.tf.tf_eip, KVA(CODE_GPA) + (len));                 \
	} while (0)

/* ---- Invariants ---- */

/* What the guest's tables (for root r) say about va, read-only. */
struct gmap {
	bool ok;
	gpa_t frame;
	bool user, write, dirty, accessed;
};

static struct gmap
guest_translate(const struct root_rec *r, gva_t va)
{
	struct gmap g = { 0 };
	if (!r->paging) {
		g.ok = va < vc.mem_size;
		g.frame = PTE_ADDR(va);
		g.user = g.write = g.dirty = g.accessed = true;
		return g;
	}
	uint32_t pde = *gent(r->cr3, PDX(va));
	if (!(pde & PTE_P))
		return g;
	if ((pde & PTE_PS) && r->pse) {
		g.frame = (pde & 0xFFC00000u) | (PTE_ADDR(va) & 0x3FF000u);
		g.user = pde & PTE_U;
		g.write = pde & PTE_W;
		g.dirty = pde & PTE_D;
		g.accessed = pde & PTE_A;
	} else {
		if (PTE_ADDR(pde) >= vc.mem_size)
			return g;
		uint32_t pte = *gent(PTE_ADDR(pde), PTX(va));
		if (!(pte & PTE_P))
			return g;
		g.frame = PTE_ADDR(pte);
		g.user = pde & pte & PTE_U;
		g.write = pde & pte & PTE_W;
		g.dirty = pte & PTE_D;
		g.accessed = pte & PTE_A;
	}
	g.ok = g.frame < vc.mem_size;
	return g;
}

static bool is_table[GUEST_FRAMES]; /* a guest table behind a live shadow */

/* Mark the guest tables the live roots shadow (and the PTs they link). */
static void
mark_tables(void)
{
	memset(is_table, 0, sizeof(is_table));
	for (unsigned k = 0; k < nroots; k++) {
		const struct root_rec *r = &roots[k];
		if (!root_live(r) || !r->paging)
			continue;
		is_table[r->cr3 >> PGSHIFT] = true;
		uint32_t *root = shadow_page_kva(r->pa);
		for (unsigned i = 0; i < PDX(MONHOLE); i++) {
			uint32_t g = *gent(r->cr3, i);
			if ((root[i] & PTE_P) && (g & PTE_P) &&
			    !((g & PTE_PS) && r->pse) &&
			    PTE_ADDR(g) < vc.mem_size)
				is_table[g >> PGSHIFT] = true;
		}
	}
}

static bool
is_live_root_page(hpa_t pa)
{
	for (unsigned k = 0; k < nroots; k++)
		if (roots[k].pa == pa && root_live(&roots[k]))
			return true;
	return false;
}

/* One live root: see the file comment.  Stops at its first failure. */
static bool
check_root(const struct root_rec *r)
{
	uint32_t *root = shadow_page_kva(r->pa);
	for (unsigned i = PDX(MONHOLE); i < NPDENTRIES; i++)
		if (!CHECK(root[i] == shadow_hole_pde(i),
			   "root %08x (cr3 %08x): hole entry %u is %08x, want "
			   "%08x", r->pa, r->cr3, i, root[i],
			   shadow_hole_pde(i)))
			return false;
	for (unsigned i = 0; i < PDX(MONHOLE); i++) {
		uint32_t e = root[i];
		if (!(e & PTE_P))
			continue;
		hpa_t pa = PTE_ADDR(e);
		if (!CHECK((e & PWU) == PWU, "root %08x entry %u: %08x is not "
			   "P|W|U", r->pa, i, e) ||
		    !CHECK(pool_page_live(pa, 0) && !is_live_root_page(pa),
			   "root %08x (cr3 %08x) entry %u links %08x, which is "
			   "not a live shadow page table (dangling)", r->pa,
			   r->cr3, i, pa))
			return false;
		uint32_t *pt = shadow_page_kva(pa);
		for (unsigned j = 0; j < NPTENTRIES; j++) {
			uint32_t s = pt[j];
			if (!(s & PTE_P))
				continue;
			gva_t va = i << PDXSHIFT | j << PGSHIFT;
			struct gmap g = guest_translate(r, va);
			if (!CHECK(g.ok, "root %08x (cr3 %08x) maps %08x -> "
				   "%08x; the guest does not map it", r->pa,
				   r->cr3, va, s) ||
			    !CHECK(PTE_ADDR(s) == hpa(g.frame),
				   "shadow maps %08x -> %08x, guest -> %08x "
				   "(hpa %08x)", va, s, g.frame, hpa(g.frame)) ||
			    !CHECK(!(s & PTE_U) || g.user,
				   "shadow lets the user at %08x (%08x); the "
				   "guest does not", va, s) ||
			    !CHECK(!(s & PTE_W) || (g.write && g.dirty),
				   "shadow %08x for %08x is writeable; guest "
				   "write %d dirty %d", s, va, g.write,
				   g.dirty) ||
			    !CHECK(g.accessed, "shadow maps %08x; guest A is "
				   "clear", va) ||
			    !CHECK(!(s & PTE_W) || !is_table[g.frame >> PGSHIFT],
				   "shadow maps guest table %08x writeable at "
				   "%08x (root for cr3 %08x): writes go unseen",
				   g.frame, va, r->cr3))
				return false;
		}
	}
	return true;
}

static void
check_world(void)
{
	REQUIRE(tlb_root && pool_page_live(tlb_root, 0),
		"the CPU's root %08x is not a live shadow page", tlb_root);
	if (pool_bound)
		CHECK(pool_live <= pool_bound, "%u shadow pages, pool of %u",
		      pool_live, pool_bound);
	CHECK(pool_live <= pool_limit, "%u shadow pages; the host gave %u",
	      pool_live, pool_limit);
	mark_tables();
	for (unsigned k = 0; k < nroots; k++) {
		struct root_rec *r = &roots[k];
		if (!root_live(r))
			continue;
		if (r->pa == tlb_root && r->paging && (vc.vcr0 & CR0_PG))
			CHECK(r->cr3 == PTE_ADDR(vc.vcr3),
			      "the CPU uses the root of cr3 %08x; cr3 is %08x",
			      r->cr3, vc.vcr3);
		if (!check_root(r))
			return;
	}
}

/* ---- fill ---- */

/*
 * The address space most tests use: pd with one user PT at 0 (PWU) and
 * user pages at 0x1000 (dirty) and 0x2000 (clean).  Returns pd; *upt
 * gets the user PT.
 */
static gpa_t
simple_space(gpa_t *upt, gpa_t *f1, gpa_t *f2)
{
	gpa_t pd = new_pd();
	*upt = new_pt(pd, 0, PWU);
	*f1 = data_frame();
	*f2 = data_frame();
	*gpte(pd, 0x1000) = *f1 | PWU | PTE_D;
	*gpte(pd, 0x2000) = *f2 | PWU;
	return pd;
}

static void
test_fill_rights(void)
{
	guest_init();
	gpa_t u, f1, f2;
	gpa_t pd = simple_space(&u, &f1, &f2);
	gpa_t f3 = data_frame(), f4 = data_frame(), f5 = data_frame();
	*gpte(pd, 0x3000) = f3 | PTE_P | PTE_U | PTE_D;	 /* read-only */
	*gpte(pd, 0x4000) = f4 | PTE_P | PTE_W | PTE_D;	 /* kernel only */
	*gent(pd, 1) = u | PTE_P | PTE_U;		 /* u, read-only */
	gpa_t kpt = new_pt(pd, 0x800000, PTE_P | PTE_W); /* kernel-only PDE */
	*gent(kpt, 1) = f5 | PWU | PTE_D;
	boot(pd);
	uint64_t hidden = counter(CNT_PF_HIDDEN);

	/* Dirty, user, writeable: all of it. */
	CHECK_LANDS(cpu_access(0x1000, false, 3), f1);
	CHECK_EQ(SPTE_BITS(spte(0x1000)), hpa(f1) | PWU);
	CHECK_EQ(spde(0x1000) & PWU, PWU);
	/* Clean: not writeable until written. */
	CHECK_LANDS(cpu_access(0x2000, false, 3), f2);
	CHECK_EQ(SPTE_BITS(spte(0x2000)), hpa(f2) | PTE_P | PTE_U);
	/* Read-only in the PTE. */
	CHECK_LANDS(cpu_access(0x3000, false, 3), f3);
	CHECK_EQ(SPTE_BITS(spte(0x3000)), hpa(f3) | PTE_P | PTE_U);
	/* Supervisor in the PTE. */
	CHECK_LANDS(cpu_access(0x4000, false, 0), f4);
	CHECK_EQ(SPTE_BITS(spte(0x4000)), hpa(f4) | PTE_P | PTE_W);
	/* The same guest PT under a read-only PDE: a shadow of its own. */
	CHECK_LANDS(cpu_access(0x401000, false, 3), f1);
	CHECK_EQ(SPTE_BITS(spte(0x401000)), hpa(f1) | PTE_P | PTE_U);
	CHECK(PTE_ADDR(spde(0x401000)) != PTE_ADDR(spde(0x1000)),
	      "u under PDE rights PWU and P|U shares one shadow PT %08x",
	      PTE_ADDR(spde(0x1000)));
	/* A user PTE under a supervisor PDE. */
	CHECK_LANDS(cpu_access(0x801000, true, 0), f5);
	CHECK_EQ(SPTE_BITS(spte(0x801000)), hpa(f5) | PTE_P | PTE_W);
	/* The kernel's map: clean, so read-only. */
	CHECK_LANDS(cpu_access(KVA(f1), false, 0), f1);
	CHECK_EQ(SPTE_BITS(spte(KVA(f1))), hpa(f1) | PTE_P);

	CHECK_EQ(counter(CNT_PF_HIDDEN) - hidden, 7);
	CHECK_EQ(counter(CNT_PF_TRUE), 0);
	/* Each fill took away only its own va from the TLB. */
	CHECK(tlb_invlpgs >= 7, "%u invlpgs for 7 fills", tlb_invlpgs);

	/* A second access to a filled page takes no fault. */
	CHECK_EQ(cpu_access(0x1000, true, 3).faults, 0);
	CHECK_EQ(cpu_access(0x3000, false, 3).faults, 0);
	check_world();
}

static void
test_fill_accessed_dirty(void)
{
	guest_init();
	gpa_t u, f1, f2;
	gpa_t pd = simple_space(&u, &f1, &f2);
	gpa_t f3 = data_frame();
	*gpte(pd, 0x3000) = f3 | PWU;
	boot(pd);

	/* A read: A in the PTE and the PDE, not D. */
	CHECK_LANDS(cpu_access(0x2000, false, 3), f2);
	CHECK_EQ(*gpte(pd, 0x2000), f2 | PWU | PTE_A);
	CHECK(*gent(pd, 0) & PTE_A, "PDE %08x: A clear", *gent(pd, 0));
	check_world();
	/* Then a write: one hidden fault sets D and makes it writeable. */
	struct access a = cpu_access(0x2000, true, 3);
	CHECK_LANDS(a, f2);
	CHECK_EQ(a.faults, 1);
	CHECK_EQ(*gpte(pd, 0x2000), f2 | PWU | PTE_A | PTE_D);
	CHECK(spte(0x2000) & PTE_W, "spte %08x after a write", spte(0x2000));
	/* A first write: A and D at once. */
	a = cpu_access(0x3000, true, 3);
	CHECK_LANDS(a, f3);
	CHECK_EQ(a.faults, 1);
	CHECK_EQ(*gpte(pd, 0x3000), f3 | PWU | PTE_A | PTE_D);
	CHECK_EQ(cpu_access(0x3000, true, 3).faults, 0);
	check_world();
}

static void
test_fill_forbidden(void)
{
	guest_init();
	gpa_t u, f1, f2;
	gpa_t pd = simple_space(&u, &f1, &f2);
	gpa_t f3 = data_frame();
	*gpte(pd, 0x3000) = f3 | PTE_P | PTE_U | PTE_D;
	/* The guest maps the hole: the monitor's all the same. */
	gpa_t hpt = new_pt(pd, MONHOLE, PWU);
	*gent(hpt, 1) = f1 | PWU | PTE_D;
	boot(pd);
	struct access a;

	/* Not present: PTE, then PDE. */
	a = cpu_access(0x5000, false, 3);
	CHECK(a.reflected, "unmapped user read handled");
	CHECK_EQ(a.guest_err, FEC_U);
	a = cpu_access(0x5000, true, 0);
	CHECK_EQ(a.guest_err, FEC_W);
	a = cpu_access(0xC00000, true, 3);
	CHECK(a.reflected, "write with no PDE handled");
	CHECK_EQ(a.guest_err, FEC_U | FEC_W);
	CHECK_EQ(spte(0x5000), 0);
	CHECK_EQ(spde(0xC00000), 0);

	/* Protection: read-only page, at either privilege (WP). */
	CHECK_LANDS(cpu_access(0x3000, false, 3), f3);
	a = cpu_access(0x3000, true, 3);
	CHECK(a.reflected, "user write to a read-only page handled");
	CHECK_EQ(a.guest_err, FEC_P | FEC_W | FEC_U);
	a = cpu_access(0x3000, true, 0);
	CHECK(a.reflected, "kernel write to a read-only page handled (WP)");
	CHECK_EQ(a.guest_err, FEC_P | FEC_W);
	CHECK_EQ(SPTE_BITS(spte(0x3000)), hpa(f3) | PTE_P | PTE_U);
	/* The user at a kernel page. */
	a = cpu_access(KVA(f1), false, 3);
	CHECK(a.reflected, "user read of a kernel page handled");
	CHECK_EQ(a.guest_err, FEC_P | FEC_U);

	/* The hole, mapped or not by the guest: never the guest's. */
	uint32_t err = 0;
	CHECK(!mmu->fault(&vc, MONHOLE + 0x1000, FEC_W, &err),
	      "fault in the hole handled");
	CHECK_EQ(err, FEC_W);
	CHECK(!mmu->fault(&vc, 0xFFFFF000u, FEC_U, &err),
	      "fault at the top handled");
	CHECK_EQ(err, FEC_U);
	CHECK_EQ(counter(CNT_PF_TRUE), 8);
	check_world();
}

static void
test_fill_big_and_paging_off(void)
{
	guest_init();
	/* Paging off: all of memory, identity, user and writeable. */
	vc.vcr0 = CR0_PE;
	boot(0);
	hpa_t flat = tlb_root;
	CHECK_LANDS(cpu_access(0x5000, true, 0), 0x5000);
	CHECK_EQ(SPTE_BITS(spte(0x5000)), hpa(0x5000) | PWU);
	CHECK_LANDS(cpu_access(0x3FF000, false, 3), 0x3FF000);
	struct access a = cpu_access(0x400000, false, 0);
	CHECK(a.reflected, "paging off, beyond memory: handled");
	check_world();

	/* Paging on with 4 MiB pages: one PDE maps all of memory at 4 MiB. */
	gpa_t pd = new_pd();
	*gent(pd, 1) = 0 | PTE_PS | PWU; /* clean */
	vc.vcr4 = CR4_PSE;
	vc.vcr0 = CR0_PE | CR0_PG | CR0_WP;
	set_cr3(pd);
	CHECK(tlb_root != flat, "paging on kept the paging-off root");
	CHECK_LANDS(cpu_access(0x400000 + 0x123000, false, 3), 0x123000);
	CHECK_EQ(SPTE_BITS(spte(0x523000)), hpa(0x123000) | PTE_P | PTE_U);
	CHECK(*gent(pd, 1) & PTE_A, "big PDE %08x: A clear", *gent(pd, 1));
	a = cpu_access(0x523000, true, 3);
	CHECK_LANDS(a, 0x123000);
	CHECK_EQ(a.faults, 1);
	CHECK(*gent(pd, 1) & PTE_D, "big PDE %08x: D clear", *gent(pd, 1));
	/* The page directory, seen through the big page: read-only. */
	*gent(pd, 1) |= PTE_D;
	CHECK_LANDS(cpu_access(0x400000 + pd, false, 3), pd);
	CHECK(!(spte(0x400000 + pd) & PTE_W),
	      "page directory mapped writeable through a 4 MiB page: %08x",
	      spte(0x400000 + pd));
	check_world();

	/* Back to paging off: the same flat root, from the cache. */
	uint64_t hits = counter(CNT_SHADOW_HITS);
	vc.vcr0 = CR0_PE;
	set_cr3(0);
	CHECK_EQ(tlb_root, flat);
	CHECK_EQ(counter(CNT_SHADOW_HITS) - hits, 1);
	CHECK_EQ(cpu_access(0x5000, true, 0).faults, 0);
	check_world();
}

static void
test_fill_bounds(void)
{
	guest_init();
	gpa_t u, f1, f2;
	gpa_t pd = simple_space(&u, &f1, &f2);
	*gpte(pd, 0x7000) = 0x00800000u | PWU; /* past the 4 MiB */
	boot(pd);
	jmp_buf jb;

	/* A mapping of no RAM is not the MMU's to fill: it hands the fault
	 * back (the core then emulates a device there, or stops the guest,
	 * vmm/mmio.c), and no shadow entry points past guest memory. */
	struct access a = cpu_access(0x7000, false, 3);
	CHECK(a.reflected && a.faults == 1,
	      "a PTE mapping physical 00800000: %d faults, reflected %d",
	      a.faults, a.reflected);
	CHECK(!(spte(0x7000) & PTE_P),
	      "a PTE mapping physical 00800000 was filled: %08x",
	      spte(0x7000));
	if (setjmp(jb) == 0) {
		machine_stop_jmp = &jb;
		set_cr3(0x01000000u);
		CHECK(false, "cr3 01000000 (outside memory) was loaded");
	} else {
		CHECK(strstr(machine_stop_msg, "cr3"),
		      "message does not say cr3: %s", machine_stop_msg);
	}
	machine_stop_jmp = NULL;
}

/* ---- cache ---- */

static void
test_cache_shared_kernel_pt(void)
{
	guest_init();
	gpa_t u1, u2, a1, a2, b1, b2;
	gpa_t pd1 = simple_space(&u1, &a1, &a2);
	gpa_t pd2 = simple_space(&u2, &b1, &b2);
	gva_t kcode = KVA(CODE_GPA), kdata = KVA(a1);
	boot(pd1);
	hpa_t root1 = tlb_root;
	CHECK_LANDS(cpu_access(kcode, false, 0), CODE_GPA);
	CHECK_LANDS(cpu_access(0x1000, false, 3), a1);
	hpa_t kshadow = PTE_ADDR(spde(kcode));
	uint64_t rebuilds = counter(CNT_SHADOW_REBUILDS);
	uint64_t hits = counter(CNT_SHADOW_HITS);
	unsigned live = pool_live;

	/* A new address space: a new root, nothing else. */
	set_cr3(pd2);
	hpa_t root2 = tlb_root;
	CHECK(root2 != root1, "two cr3s, one root %08x", root1);
	CHECK_EQ(counter(CNT_SHADOW_REBUILDS) - rebuilds, 1);
	CHECK_EQ(pool_live, live + 1);
	/* The kernel's PT is linked, not copied: its entries come along. */
	struct access a = cpu_access(kcode, false, 0);
	CHECK_LANDS(a, CODE_GPA);
	CHECK_EQ(a.faults, 1); /* linking the PDE */
	CHECK_EQ(PTE_ADDR(spde(kcode)), kshadow);
	CHECK_EQ(pool_live, live + 1);
	CHECK_LANDS(cpu_access(kdata, false, 0), a1);
	CHECK_EQ(PTE_ADDR(((uint32_t *)shadow_page_kva(root1))[PDX(kdata)]),
		 kshadow);
	/* Its own user PT: a new shadow page. */
	CHECK_LANDS(cpu_access(0x1000, false, 3), b1);
	CHECK_EQ(pool_live, live + 2);
	check_world();

	/* Back to pd1: its root, as it was; no page allocated. */
	unsigned allocs = pool_allocs;
	set_cr3(pd1);
	CHECK_EQ(tlb_root, root1);
	CHECK_EQ(counter(CNT_SHADOW_HITS) - hits, 1);
	CHECK_EQ(counter(CNT_SHADOW_REBUILDS) - rebuilds, 1);
	CHECK_EQ(pool_allocs, allocs);
	CHECK_EQ(cpu_access(kcode, false, 0).faults, 0);
	CHECK_EQ(cpu_access(kdata, false, 0).faults, 0);
	CHECK_LANDS(cpu_access(0x1000, false, 3), a1);
	CHECK_EQ(cpu_access(0x1000, false, 3).faults, 0);
	set_cr3(pd2);
	CHECK_EQ(tlb_root, root2);
	CHECK_LANDS(cpu_access(0x1000, false, 3), b1);
	CHECK_EQ(pool_allocs, allocs);
	check_world();
}

/* ---- trace ---- */

/* pd with u at 0 and 0x1000 used: u is traced; the kernel PT is too. */
static gpa_t
traced_space(gpa_t *u, gpa_t *f1)
{
	gpa_t f2;
	gpa_t pd = simple_space(u, f1, &f2);
	boot(pd);
	CHECK_LANDS(cpu_access(0x1000, false, 3), *f1);
	CHECK_LANDS(cpu_access(KVA(CODE_GPA), false, 0), CODE_GPA);
	return pd;
}

static void
test_trace_read_only(void)
{
	guest_init();
	gpa_t u, f1, f2;
	gpa_t pd = simple_space(&u, &f1, &f2);
	/* The kernel maps the tables writeable and dirty. */
	*gent(KPT_GPA, u >> PGSHIFT) |= PTE_D;
	*gent(KPT_GPA, pd >> PGSHIFT) |= PTE_D;
	boot(pd);

	/* u is no table yet: the kernel may write it. */
	struct access a = cpu_write32(KVA(u) + 0x40, 0, 0);
	CHECK(!a.emulated && !a.reflected, "write to u handled oddly");
	CHECK(spte(KVA(u)) & PTE_W, "spte %08x", spte(KVA(u)));
	CHECK(tlb_writeable(KVA(u)), "the CPU model cached no writeable u");
	/* The directory is one already. */
	CHECK_LANDS(cpu_access(KVA(pd), false, 0), pd);
	CHECK_EQ(SPTE_BITS(spte(KVA(pd))), hpa(pd) | PTE_P);

	/* Shadowing u takes W from the mapping that had it, and the TLB. */
	CHECK_LANDS(cpu_access(0x1000, false, 3), f1);
	CHECK_EQ(SPTE_BITS(spte(KVA(u))), hpa(u) | PTE_P);
	CHECK(!tlb_writeable(KVA(u)), "tracing u left it writeable in the TLB");
	/* So a write to it faults, from the TLB or not. */
	vc.tf.tf_regs.reg_eax = 0;
	vc.tf.tf_regs.reg_ebx = KVA(u) + 0x40;
	CHECK_TRACED(guest_insn(INSN(0x89, 0x03), KVA(u) + 0x40), 2);
	CHECK_EQ(counter(CNT_PF_TRACE), 1);
	check_world();
}

static void
test_trace_mov_eager(void)
{
	guest_init();
	gpa_t u, f1;
	gpa_t pd = traced_space(&u, &f1);
	gpa_t f5 = data_frame();
	uint64_t eager = counter(CNT_SHADOW_EAGER);

	/* mov %eax,(%ebx): a PTE becomes present. */
	vc.tf.tf_regs.reg_eax = f5 | PWU;
	vc.tf.tf_regs.reg_ebx = KVA(u) + PTX(0x5000) * 4;
	CHECK_TRACED(guest_insn(INSN(0x89, 0x03), vc.tf.tf_regs.reg_ebx), 2);
	CHECK_EQ(*gpte(pd, 0x5000), f5 | PWU | PTE_A);
	CHECK_EQ(SPTE_BITS(spte(0x5000)), hpa(f5) | PTE_P | PTE_U);
	CHECK_EQ(counter(CNT_SHADOW_EAGER) - eager, 1);
	CHECK_EQ(counter(CNT_PF_TRACE), 1);
	check_world();
	/* So the guest's next access takes no fault; its first write one. */
	struct access a = cpu_access(0x5000, false, 3);
	CHECK_LANDS(a, f5);
	CHECK_EQ(a.faults, 0);
	a = cpu_access(0x5000, true, 3);
	CHECK_EQ(a.faults, 1);
	CHECK_EQ(*gpte(pd, 0x5000), f5 | PWU | PTE_A | PTE_D);
	check_world();
}

static void
test_trace_mov_lazy(void)
{
	REQUIRE(set_option("eager", "off") == 0, "eager=off refused");
	guest_init();
	gpa_t u, f1;
	gpa_t pd = traced_space(&u, &f1);
	gpa_t f5 = data_frame();
	uint64_t hidden = counter(CNT_PF_HIDDEN);

	vc.tf.tf_regs.reg_eax = f5 | PWU;
	vc.tf.tf_regs.reg_ebx = KVA(u) + PTX(0x5000) * 4;
	CHECK_TRACED(guest_insn(INSN(0x89, 0x03), vc.tf.tf_regs.reg_ebx), 2);
	CHECK_EQ(*gpte(pd, 0x5000), f5 | PWU);
	CHECK_EQ(spte(0x5000), 0);
	CHECK_EQ(counter(CNT_SHADOW_EAGER), 0);
	/* The fault eager propagation would have saved. */
	struct access a = cpu_access(0x5000, false, 3);
	CHECK_LANDS(a, f5);
	CHECK_EQ(a.faults, 1);
	/* (the trace fault filled the kernel's map of u: one hidden too) */
	CHECK_EQ(counter(CNT_PF_HIDDEN) - hidden, 1);
	check_world();
}

static void
test_trace_unmap(void)
{
	guest_init();
	gpa_t u, f1, f2;
	gpa_t pd = simple_space(&u, &f1, &f2);
	boot(pd);
	CHECK_LANDS(cpu_access(0x1000, true, 3), f1);
	CHECK_LANDS(cpu_access(0x2000, false, 3), f2);
	uint32_t dummy;
	CHECK(tlb_lookup(0x1000, &dummy), "the CPU model cached no 0x1000");

	/* movl $0,(%ebx): P->NP.  The shadow entry and the TLB forget it. */
	vc.tf.tf_regs.reg_ebx = KVA(u) + PTX(0x1000) * 4;
	CHECK_TRACED(guest_insn(INSN(0xC7, 0x03, 0, 0, 0, 0),
				vc.tf.tf_regs.reg_ebx),
		     6);
	CHECK_EQ(*gpte(pd, 0x1000), 0);
	CHECK_EQ(spte(0x1000), 0);
	CHECK(!tlb_lookup(0x1000, &dummy), "P->NP left 0x1000 in the TLB");
	struct access a = cpu_access(0x1000, false, 3);
	CHECK(a.reflected, "unmapped page still reachable");
	CHECK_EQ(a.guest_err, FEC_U);
	check_world();

	/* btrl $0,(%ebx): the same, by a bit. */
	CHECK(tlb_lookup(0x2000, &dummy), "the CPU model cached no 0x2000");
	vc.tf.tf_regs.reg_ebx = KVA(u) + PTX(0x2000) * 4;
	vc.tf.tf_eflags = 0x2;
	CHECK_TRACED(guest_insn(INSN(0x0F, 0xBA, 0x33, 0x00),
				vc.tf.tf_regs.reg_ebx),
		     4);
	CHECK(vc.tf.tf_eflags & FL_CF, "btr: CF clear (the bit was set)");
	CHECK_EQ(*gpte(pd, 0x2000), f2 | PTE_W | PTE_U | PTE_A);
	CHECK_EQ(spte(0x2000), 0);
	CHECK(!tlb_lookup(0x2000, &dummy), "P->NP left 0x2000 in the TLB");
	CHECK(cpu_access(0x2000, false, 3).reflected,
	      "unmapped page still reachable");
	check_world();
}

static void
test_trace_read_modify_write(void)
{
	guest_init();
	gpa_t u, f1;
	gpa_t pd = traced_space(&u, &f1);
	gpa_t f3 = data_frame(), f4 = data_frame(), f6 = data_frame();
	gpa_t f7 = data_frame(), f8 = data_frame();
	*gpte(pd, 0x3000) = f3 | PTE_W | PTE_U; /* not present */
	*gpte(pd, 0x4000) = f4 | PWU;
	*gpte(pd, 0x8000) = f8 | PTE_W | PTE_U;
	/* (Set directly, though u is traced: the shadow has none of these
	 * entries yet, so there is nothing to keep coherent.) */
	CHECK_LANDS(cpu_access(0x4000, false, 3), f4);
	check_world();
	struct pushregs *r = &vc.tf.tf_regs;

	/* orl $1,(%ebx): NP->P. */
	r->reg_ebx = KVA(u) + PTX(0x3000) * 4;
	CHECK_TRACED(guest_insn(INSN(0x83, 0x0B, 0x01), r->reg_ebx), 3);
	CHECK_EQ(*gpte(pd, 0x3000) & ~PTE_A, f3 | PWU);
	CHECK_LANDS(cpu_access(0x3000, false, 3), f3);
	check_world();

	/* xchg %eax,(%ebx): a present PTE moves to another frame. */
	r->reg_eax = f6 | PWU;
	r->reg_ebx = KVA(u) + PTX(0x4000) * 4;
	uint32_t old = *gpte(pd, 0x4000);
	CHECK_TRACED(guest_insn(INSN(0x87, 0x03), r->reg_ebx), 2);
	CHECK_EQ(r->reg_eax, old);
	CHECK_EQ(*gpte(pd, 0x4000) & ~PTE_A, f6 | PWU);
	CHECK_LANDS(cpu_access(0x4000, false, 3), f6);
	check_world();

	/* cmpxchg %ecx,(%ebx), succeeding: 0 -> f7. */
	r->reg_eax = 0;
	r->reg_ecx = f7 | PWU;
	r->reg_ebx = KVA(u) + PTX(0x7000) * 4;
	CHECK_TRACED(guest_insn(INSN(0x0F, 0xB1, 0x0B), r->reg_ebx), 3);
	CHECK(vc.tf.tf_eflags & FL_ZF, "cmpxchg: ZF clear");
	CHECK_EQ(*gpte(pd, 0x7000) & ~PTE_A, f7 | PWU);
	CHECK_LANDS(cpu_access(0x7000, false, 3), f7);
	/* ... and failing: nothing written, eax loaded, eip moves on. */
	r->reg_eax = 0x1234;
	r->reg_ecx = 0;
	uint32_t before = *gpte(pd, 0x7000), shadow = spte(0x7000);
	CHECK_TRACED(guest_insn(INSN(0x0F, 0xB1, 0x0B), r->reg_ebx), 3);
	CHECK(!(vc.tf.tf_eflags & FL_ZF), "cmpxchg: ZF set");
	CHECK_EQ(r->reg_eax, before);
	CHECK_EQ(*gpte(pd, 0x7000), before);
	CHECK_EQ(spte(0x7000), shadow);
	check_world();

	/* lock btsl $0,(%ebx): NP->P, five bytes with the prefix. */
	r->reg_ebx = KVA(u) + PTX(0x8000) * 4;
	CHECK_TRACED(guest_insn(INSN(0xF0, 0x0F, 0xBA, 0x2B, 0x00),
				r->reg_ebx),
		     5);
	CHECK(!(vc.tf.tf_eflags & FL_CF), "bts: CF set (the bit was clear)");
	CHECK_EQ(*gpte(pd, 0x8000) & ~PTE_A, f8 | PWU);
	CHECK_EQ(SPTE_BITS(spte(0x8000)), hpa(f8) | PTE_P | PTE_U);
	CHECK_EQ(cpu_access(0x8000, false, 3).faults, 0);
	CHECK_EQ(counter(CNT_PF_TRACE), 5);
	check_world();
}

static void
test_trace_straddle(void)
{
	guest_init();
	gpa_t u, f1;
	gpa_t pd = traced_space(&u, &f1);
	/* Frames that differ only above bit 16, so that the low half of
	 * entry i (flags and frame bits 12-15) stays as it is. */
	gpa_t fa = 0x320000, fb = 0x330000, fc = 0x340000;
	gva_t va_i = 0x9000, va_j = 0xA000; /* entries i and i+1 */
	*gpte(pd, va_i) = fa | PWU;
	*gpte(pd, va_j) = fb | PTE_W | PTE_U; /* not present */
	CHECK_LANDS(cpu_access(va_i, false, 3), fa);
	uint32_t want_i = fc | PWU | PTE_A, want_j = fb | PWU;

	/* mov %eax,2(%ebx): the high half of i, the low half of i+1. */
	vc.tf.tf_regs.reg_eax = (want_i >> 16) | (want_j << 16);
	vc.tf.tf_regs.reg_ebx = KVA(u) + PTX(va_i) * 4;
	uint64_t eager = counter(CNT_SHADOW_EAGER);
	CHECK_TRACED(guest_insn(INSN(0x89, 0x43, 0x02),
				vc.tf.tf_regs.reg_ebx + 2),
		     3);
	CHECK_EQ(*gpte(pd, va_i), want_i);
	CHECK_EQ(*gpte(pd, va_j), want_j | PTE_A);
	CHECK_EQ(SPTE_BITS(spte(va_i)), hpa(fc) | PTE_P | PTE_U);
	CHECK_EQ(SPTE_BITS(spte(va_j)), hpa(fb) | PTE_P | PTE_U);
	CHECK_EQ(counter(CNT_SHADOW_EAGER) - eager, 2);
	CHECK_LANDS(cpu_access(va_i, false, 3), fc);
	CHECK_LANDS(cpu_access(va_j, false, 3), fb);
	check_world();
}

/* rep stosl clears u, with adapt as the scenario set it. */
static void
rep_stos_clears_table(bool adapt)
{
	guest_init();
	gpa_t u, f1;
	gpa_t pd = traced_space(&u, &f1);
	CHECK_LANDS(cpu_access(0x2000, false, 3), PTE_ADDR(*gpte(pd, 0x2000)));
	unsigned live = pool_live;
	struct pushregs *r = &vc.tf.tf_regs;
	r->reg_eax = 0;
	r->reg_ecx = NPTENTRIES;
	r->reg_edi = KVA(u);
	vc.tf.tf_eflags = 0x2;
	CHECK_TRACED(guest_insn(INSN(0xF3, 0xAB), KVA(u)), 2);
	CHECK_EQ(r->reg_ecx, 0);
	CHECK_EQ(r->reg_edi, KVA(u) + PGSIZE);
	for (unsigned i = 0; i < NPTENTRIES; i++)
		if (!CHECK(*gent(u, i) == 0, "u[%u] = %08x", i, *gent(u, i)))
			break;
	CHECK(cpu_access(0x1000, false, 3).reflected, "0x1000 still mapped");
	CHECK(cpu_access(0x2000, false, 3).reflected, "0x2000 still mapped");
	if (adapt) {
		/* 1024 writes and no use: u is no longer shadowed. */
		CHECK_EQ(counter(CNT_SHADOW_ADAPT), 1);
		CHECK_EQ(pool_live, live - 1);
		CHECK_EQ(spde(0), 0);
	} else {
		CHECK_EQ(counter(CNT_SHADOW_ADAPT), 0);
		CHECK_EQ(pool_live, live);
		CHECK(spde(0) & PTE_P, "u's shadow unlinked with adapt=off");
		uint32_t *pt = shadow_page_kva(PTE_ADDR(spde(0)));
		for (unsigned i = 0; i < NPTENTRIES; i++)
			if (!CHECK(pt[i] == 0, "shadow u[%u] = %08x", i, pt[i]))
				break;
	}
	check_world();
}

static void
test_trace_rep_stos(void)
{
	rep_stos_clears_table(true);
}

static void
test_trace_rep_stos_noadapt(void)
{
	REQUIRE(set_option("adapt", "off") == 0, "adapt=off refused");
	rep_stos_clears_table(false);
}

static void
test_trace_pde(void)
{
	guest_init();
	gpa_t u, f1;
	gpa_t pd = traced_space(&u, &f1);
	hpa_t ushadow = PTE_ADDR(spde(0));

	/* mov: link u at 4 MiB too, same rights -- the same shadow PT, and
	 * 0x401000 is u's entry 1, filled already. */
	vc.tf.tf_regs.reg_eax = u | PWU;
	vc.tf.tf_regs.reg_ebx = KVA(pd) + 1 * 4;
	CHECK_TRACED(guest_insn(INSN(0x89, 0x03), vc.tf.tf_regs.reg_ebx), 2);
	/* Relinked at once in the directory in use: A set, as on use. */
	CHECK_EQ(*gent(pd, 1), u | PWU | PTE_A);
	CHECK_EQ(PTE_ADDR(spde(0x400000)), ushadow);
	struct access a = cpu_access(0x401000, false, 3);
	CHECK_LANDS(a, f1);
	CHECK_EQ(a.faults, 0);
	check_world();

	/* movl $0: unlink it again; the TLB forgets. */
	unsigned flushes = tlb_flushes;
	CHECK_TRACED(guest_insn(INSN(0xC7, 0x03, 0, 0, 0, 0),
				vc.tf.tf_regs.reg_ebx),
		     6);
	CHECK_EQ(spde(0x400000), 0);
	CHECK(tlb_flushes > flushes, "PDE P->NP flushed no TLB");
	CHECK(cpu_access(0x401000, false, 3).reflected,
	      "0x401000 reachable after its PDE went");
	CHECK_LANDS(cpu_access(0x1000, false, 3), f1);
	check_world();

	/* A PDE in the hole: the monitor's entry stays. */
	gpa_t hpt = new_table();
	vc.tf.tf_regs.reg_eax = hpt | PWU;
	vc.tf.tf_regs.reg_ebx = KVA(pd) + PDX(MONHOLE) * 4;
	CHECK_TRACED(guest_insn(INSN(0x89, 0x03), vc.tf.tf_regs.reg_ebx), 2);
	CHECK_EQ(spde(MONHOLE), shadow_hole_pde(PDX(MONHOLE)));
	check_world();
}

static void
test_trace_unsupported(void)
{
	guest_init();
	gpa_t u, f1;
	traced_space(&u, &f1);
	*gent(KPT_GPA, u >> PGSHIFT) |= PTE_D;
	unsigned live = pool_live;

	/* shll (%ebx): not a form the emulator knows.  The page stops
	 * being traced and the guest's retry runs natively. */
	vc.tf.tf_regs.reg_ebx = KVA(u) + 0x40;
	struct access a = guest_insn(INSN(0xD1, 0x23), KVA(u) + 0x40);
	CHECK(!a.emulated && !a.reflected && a.faults == 2,
	      "want a dropped trace, then a hidden fault: faults %d emulated "
	      "%d reflected %d", a.faults, a.emulated, a.reflected);
	CHECK_EQ(vc.tf.tf_eip, KVA(CODE_GPA));
	CHECK(spte(KVA(u)) & PTE_W, "u not writeable after the drop: %08x",
	      spte(KVA(u)));
	CHECK_EQ(pool_live, live - 1);
	CHECK_EQ(spde(0), 0);
	check_world();

	/* Used again as a table: traced again. */
	CHECK(tlb_writeable(KVA(u)), "the CPU model cached no writeable u");
	CHECK_LANDS(cpu_access(0x1000, false, 3), f1);
	CHECK(!(spte(KVA(u)) & PTE_W), "u writeable while a table: %08x",
	      spte(KVA(u)));
	CHECK(!tlb_writeable(KVA(u)),
	      "re-tracing u left it writeable in the TLB");
	check_world();
}

static void
test_invlpg(void)
{
	guest_init();
	gpa_t u, f1;
	traced_space(&u, &f1);
	CHECK(spte(0x1000) & PTE_P, "0x1000 not filled");
	unsigned invlpgs = tlb_invlpgs;
	mmu->invlpg(&vc, 0x1000);
	CHECK_EQ(spte(0x1000), 0);
	CHECK(tlb_invlpgs > invlpgs, "invlpg left the TLB alone");
	CHECK_EQ(cpu_access(0x1000, false, 3).faults, 1);
	/* Nothing there, or the hole: harmless. */
	mmu->invlpg(&vc, 0x00C00000);
	mmu->invlpg(&vc, MONHOLE);
	CHECK_EQ(spde(MONHOLE), shadow_hole_pde(PDX(MONHOLE)));
	check_world();
}

/* ---- adapt ---- */

/* One trace write of val to entry index of u (mov %eax,(%ebx)). */
static struct access
write_entry(gpa_t u, unsigned index, uint32_t val)
{
	vc.tf.tf_regs.reg_eax = val;
	vc.tf.tf_regs.reg_ebx = KVA(u) + index * 4;
	return guest_insn(INSN(0x89, 0x03), vc.tf.tf_regs.reg_ebx);
}

static void
test_adapt_flood(void)
{
	guest_init();
	gpa_t u, f1;
	traced_space(&u, &f1);
	*gent(KPT_GPA, u >> PGSHIFT) |= PTE_D;
	unsigned live = pool_live;

	/* A live table gets more than one write... */
	CHECK_TRACED(write_entry(u, 5, 0), 2);
	CHECK_EQ(counter(CNT_SHADOW_ADAPT), 0);
	/* ... but not an endless stream of them with no use between. */
	int writes = 1;
	while (counter(CNT_SHADOW_ADAPT) == 0 && writes < 16) {
		CHECK_TRACED(write_entry(u, 5, writes), 2);
		writes++;
	}
	CHECK_EQ(counter(CNT_SHADOW_ADAPT), 1);
	CHECK_EQ(pool_live, live - 1);
	CHECK_EQ(spde(0), 0);
	check_world();
	/* No longer traced: a write is an ordinary hidden fault. */
	struct access a = cpu_write32(KVA(u) + 6 * 4, 0x77, 0);
	CHECK_LANDS(a, u);
	CHECK_EQ(a.faults, 1);
	CHECK(spte(KVA(u)) & PTE_W, "u read-only after the drop: %08x",
	      spte(KVA(u)));
	CHECK_EQ(*gent(u, 6), 0x77);
	CHECK_EQ(cpu_write32(KVA(u) + 7 * 4, 0x78, 0).faults, 0);
	check_world();
}

static void
test_adapt_used(void)
{
	guest_init();
	gpa_t u, f1;
	traced_space(&u, &f1);

	/* Written and used in turn: an eager fill the CPU then used. */
	for (int i = 0; i < 20; i++) {
		gpa_t f = DATA_GPA + 0x40000 + i * PGSIZE;
		CHECK_TRACED(write_entry(u, 5, f | PWU), 2);
		CHECK_LANDS(cpu_access(0x5000, false, 3), f);
	}
	/* ... and a hidden fault through the table. */
	for (int i = 0; i < 20; i++) {
		CHECK_TRACED(write_entry(u, 6, 0), 2);
		mmu->invlpg(&vc, 0x1000);
		CHECK_LANDS(cpu_access(0x1000, false, 3), f1);
	}
	CHECK_EQ(counter(CNT_SHADOW_ADAPT), 0);
	CHECK(spde(0) & PTE_P, "u's shadow went");
	check_world();
}

static void
test_adapt_used_lazy(void)
{
	REQUIRE(set_option("eager", "off") == 0, "eager=off refused");
	guest_init();
	gpa_t u, f1;
	traced_space(&u, &f1);
	for (int i = 0; i < 20; i++) {
		gpa_t f = DATA_GPA + 0x40000 + i * PGSIZE;
		CHECK_TRACED(write_entry(u, 5, f | PWU), 2);
		struct access a = cpu_access(0x5000, false, 3);
		CHECK_LANDS(a, f);
		CHECK_EQ(a.faults, 1);
	}
	CHECK_EQ(counter(CNT_SHADOW_ADAPT), 0);
	check_world();
}

static void
test_adapt_off(void)
{
	REQUIRE(set_option("adapt", "off") == 0, "adapt=off refused");
	guest_init();
	gpa_t u, f1;
	traced_space(&u, &f1);
	for (int i = 0; i < 20; i++)
		CHECK_TRACED(write_entry(u, 5, i), 2);
	CHECK_EQ(counter(CNT_SHADOW_ADAPT), 0);
	CHECK_EQ(counter(CNT_PF_TRACE), 20);
	CHECK(spde(0) & PTE_P, "u's shadow went with adapt=off");
	CHECK(!(spte(KVA(u)) & PTE_W), "u writeable: %08x", spte(KVA(u)));
	check_world();
}

/* A table only another address space uses goes at its first write. */
static void
test_adapt_not_live(void)
{
	guest_init();
	gpa_t u1, u2, a1, a2, b1, b2;
	gpa_t pd1 = simple_space(&u1, &a1, &a2);
	gpa_t pd2 = simple_space(&u2, &b1, &b2);
	*gent(KPT_GPA, u2 >> PGSHIFT) |= PTE_D;
	boot(pd2);
	CHECK_LANDS(cpu_access(0x1000, false, 3), b1);
	set_cr3(pd1);
	CHECK_LANDS(cpu_access(0x1000, false, 3), a1);

	CHECK_TRACED(write_entry(u2, 5, 0), 2);
	CHECK_EQ(counter(CNT_SHADOW_ADAPT), 1);
	CHECK_EQ(cpu_write32(KVA(u2) + 6 * 4, 0, 0).faults, 1);
	CHECK(spte(KVA(u2)) & PTE_W, "u2 still traced: %08x", spte(KVA(u2)));
	check_world();
	/* pd2's root lost its link to u2's shadow, and rebuilds it. */
	set_cr3(pd2);
	CHECK_EQ(spde(0), 0);
	struct access a = cpu_access(0x1000, false, 3);
	CHECK_LANDS(a, b1);
	CHECK_EQ(a.faults, 1);
	check_world();
}

/* ---- evict ---- */

static void
test_evict_lru(void)
{
	REQUIRE(set_option("shadowpool", "8") == 0, "shadowpool=8 refused");
	guest_init();
	gpa_t pd[6], u[6], fa[6], fb[6];
	hpa_t root[6];
	uint32_t gen[6];
	for (int i = 1; i <= 5; i++)
		pd[i] = simple_space(&u[i], &fa[i], &fb[i]);

	/* Three spaces: PD and user PT each, and the kernel PT: 7. */
	for (int i = 1; i <= 3; i++) {
		if (i == 1)
			boot(pd[1]);
		else
			set_cr3(pd[i]);
		root[i] = tlb_root;
		gen[i] = pool_page_gen(tlb_root);
		CHECK_LANDS(cpu_access(KVA(CODE_GPA), false, 0), CODE_GPA);
		CHECK_LANDS(cpu_access(0x1000, false, 3), fa[i]);
		check_world();
	}
	CHECK_EQ(pool_live, 7);
	set_cr3(pd[1]); /* now 2 is the least recently used */
	CHECK_EQ(tlb_root, root[1]);

	set_cr3(pd[4]);
	CHECK_LANDS(cpu_access(0x1000, false, 3), fa[4]);
	CHECK_LANDS(cpu_access(KVA(CODE_GPA), false, 0), CODE_GPA);
	check_world();
	CHECK(!pool_page_live(root[2], gen[2]), "the LRU space (2) kept");
	CHECK(pool_page_live(root[1], gen[1]), "space 1, used since, evicted");
	CHECK(pool_page_live(root[3], gen[3]), "space 3 evicted before 2");
	CHECK(counter(CNT_SHADOW_EVICTIONS) >= 2, "evictions %llu",
	      (unsigned long long)counter(CNT_SHADOW_EVICTIONS));

	set_cr3(pd[5]);
	CHECK_LANDS(cpu_access(0x1000, false, 3), fa[5]);
	check_world();
	CHECK(!pool_page_live(root[3], gen[3]), "space 3 kept");
	CHECK(pool_page_live(root[1], gen[1]), "space 1 evicted before 3");

	uint64_t rebuilds = counter(CNT_SHADOW_REBUILDS);
	set_cr3(pd[1]);
	CHECK_EQ(tlb_root, root[1]);
	CHECK_EQ(counter(CNT_SHADOW_REBUILDS), rebuilds);
	CHECK_LANDS(cpu_access(0x1000, false, 3), fa[1]);
	set_cr3(pd[2]);
	CHECK_EQ(counter(CNT_SHADOW_REBUILDS), rebuilds + 1);
	CHECK_LANDS(cpu_access(0x1000, false, 3), fa[2]);
	check_world();
}

/* A fixed pseudo-random sequence (a 32-bit LCG). */
static uint32_t rng_state = 12345;

static uint32_t
rng(uint32_t n)
{
	rng_state = rng_state * 1664525u + 1013904223u;
	return (rng_state >> 8) % n;
}

/* What the CPU must do for the guest's tables in the current space. */
static void
check_access_matches_guest(gva_t va, bool write, int cpl)
{
	struct root_rec now = { 0, 0, PTE_ADDR(vc.vcr3), true, false };
	struct gmap g = guest_translate(&now, va);
	/* The guest's tables allow it? (walked before the access sets A) */
	bool allow = g.ok && (cpl != 3 || g.user) && (!write || g.write);
	uint32_t err = (write ? FEC_W : 0) | (cpl == 3 ? FEC_U : 0) |
		       (g.ok ? FEC_P : 0);
	struct access a = cpu_access(va, write, cpl);
	if (allow) {
		CHECK(!a.reflected && a.faults <= 1,
		      "%s %08x cpl %d: faults %d reflected %d", write ? "write"
		      : "read", va, cpl, a.faults, a.reflected);
		if (!a.reflected && !a.emulated)
			CHECK_EQ(PTE_ADDR(a.pa), hpa(g.frame));
	} else {
		CHECK(a.reflected, "%s %08x cpl %d: the guest forbids it, "
		      "the CPU did it", write ? "write" : "read", va, cpl);
		CHECK_EQ(a.guest_err, err);
	}
}

/*
 * Many address spaces through a small pool: random switches, accesses
 * and PTE writes, every outcome compared with the guest's own tables
 * and the invariants checked after every step.
 */
static void
churn(const char *pool, unsigned spaces, unsigned steps)
{
	REQUIRE(set_option("shadowpool", pool) == 0, "shadowpool refused");
	guest_init();
	gpa_t pd[16], pt[16][2];
	REQUIRE(spaces <= 16, "spaces");
	for (unsigned s = 0; s < spaces; s++) {
		pd[s] = new_pd();
		for (unsigned k = 0; k < 2; k++) {
			pt[s][k] = new_pt(pd[s], k * PTSIZE, PWU);
			for (unsigned p = 1; p < 8; p++)
				*gent(pt[s][k], p) = data_frame() |
						     (rng(4) ? PWU : PTE_P);
		}
	}
	unsigned cur = 0;
	boot(pd[0]);
	for (unsigned step = 0; step < steps; step++) {
		unsigned op = rng(10);
		if (op < 2) {
			cur = rng(spaces);
			set_cr3(pd[cur]);
		} else if (op < 8) {
			gva_t va = rng(2) * PTSIZE + rng(9) * PGSIZE;
			check_access_matches_guest(va, rng(3) == 0,
						   rng(2) ? 3 : 0);
			if (rng(4) == 0)
				check_access_matches_guest(
					KVA(CODE_GPA + rng(64) * PGSIZE),
					false, 0);
		} else {
			/* The kernel rewrites a PTE, of any space. */
			unsigned s = rng(3) ? cur : rng(spaces);
			unsigned k = rng(2), p = 1 + rng(8);
			uint32_t val = rng(3) ? (DATA_GPA + rng(0x200) * PGSIZE) |
							PWU
					      : 0;
			struct access a = write_entry(pt[s][k], p, val);
			CHECK(!a.reflected, "kernel write to a PT reflected");
			if (a.emulated) {
				CHECK_EQ(*gent(pt[s][k], p) & ~PTE_A, val);
			} else {
				/* Not traced (now): the CPU does the write. */
				*gent(pt[s][k], p) = val;
				CHECK(a.faults <= 2, "%d faults", a.faults);
			}
			vc.tf.tf_eip = KVA(CODE_GPA);
		}
		check_world();
	}
	/* The run did what it is for. */
	CHECK(counter(CNT_SHADOW_EVICTIONS) > 0, "no eviction");
	CHECK(counter(CNT_PF_TRACE) > 0 && counter(CNT_SHADOW_EAGER) > 0,
	      "no trace fault, or none propagated eagerly");
	CHECK(counter(CNT_SHADOW_ADAPT) > 0, "no table dropped");
	CHECK(counter(CNT_SHADOW_HITS) > 0, "no cr3 hit");
}

static void
test_evict_churn(void)
{
	churn("8", 10, 1500);
}

static void
test_evict_churn_larger(void)
{
	churn("24", 12, 1500);
}

/* One address space that alone needs more than the pool. */
static void
test_evict_one_big_space(void)
{
	REQUIRE(set_option("shadowpool", "8") == 0, "shadowpool=8 refused");
	guest_init();
	gpa_t pd = new_pd(), f[12];
	for (unsigned k = 0; k < 12; k++) {
		gpa_t t = new_pt(pd, k * PTSIZE, PWU);
		f[k] = data_frame();
		*gent(t, 1) = f[k] | PWU | PTE_D;
	}
	boot(pd);
	hpa_t root = tlb_root;
	uint32_t gen = pool_page_gen(root);
	for (unsigned k = 0; k < 12; k++) {
		CHECK_LANDS(cpu_access(k * PTSIZE + PGSIZE, true, 3), f[k]);
		CHECK(tlb_root == root && pool_page_live(root, gen),
		      "the current root was evicted");
		check_world();
	}
	/* All still reachable, each at most one fault away. */
	for (unsigned k = 0; k < 12; k++) {
		struct access a = cpu_access(k * PTSIZE + PGSIZE, false, 3);
		CHECK_LANDS(a, f[k]);
		CHECK(a.faults <= 1, "%d faults", a.faults);
		check_world();
	}
}

/* The host runs out of pages before the pool is full. */
static void
test_evict_host_out_of_pages(void)
{
	guest_init();
	pool_limit = 6;
	gpa_t pd[8], u[8], fa[8], fb[8];
	for (int i = 0; i < 8; i++)
		pd[i] = simple_space(&u[i], &fa[i], &fb[i]);
	boot(pd[0]);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 8; i++) {
			set_cr3(pd[i]);
			CHECK_LANDS(cpu_access(0x1000, false, 3), fa[i]);
			CHECK_LANDS(cpu_access(KVA(fb[i]), false, 0), fb[i]);
			check_world();
		}
}

/* ---- options ---- */

static void
test_options(void)
{
	machine_console[0] = 0;
	CHECK_EQ(set_option("eager", "maybe"), -1);
	CHECK(strstr(machine_console, "eager"), "no message: %s",
	      machine_console);
	CHECK_EQ(set_option("adapt", "1"), -1);
	CHECK_EQ(set_option("shadowpool", "7"), -1);
	CHECK_EQ(set_option("shadowpool", "8192x"), -1);
	CHECK_EQ(set_option("shadowpool", "8193"), -1);
	CHECK_EQ(set_option("shadowpool", ""), -1);
	CHECK_EQ(set_option("shadowpool", "8"), 0);
	CHECK_EQ(set_option("eager", "on"), 0);
	CHECK_EQ(set_option("adapt", "off"), 0);
}

/* ---- main ---- */

static const struct test_case tests[] = {
	{ "fill", "translation and rights folding", test_fill_rights },
	{ "fill", "accessed and dirty bits", test_fill_accessed_dirty },
	{ "fill", "accesses the guest forbids", test_fill_forbidden },
	{ "fill", "4 MiB pages and paging off", test_fill_big_and_paging_off },
	{ "fill", "addresses outside guest memory", test_fill_bounds },
	{ "cache", "shared kernel PT, cr3 hits", test_cache_shared_kernel_pt },
	{ "trace", "tables mapped read-only", test_trace_read_only },
	{ "trace", "mov NP->P, eager", test_trace_mov_eager },
	{ "trace", "mov NP->P, eager=off", test_trace_mov_lazy },
	{ "trace", "P->NP (mov, btr)", test_trace_unmap },
	{ "trace", "or, xchg, cmpxchg, lock bts", test_trace_read_modify_write },
	{ "trace", "a write straddling two PTEs", test_trace_straddle },
	{ "trace", "rep stosl over a table", test_trace_rep_stos },
	{ "trace", "rep stosl over a table, adapt=off",
	  test_trace_rep_stos_noadapt },
	{ "trace", "PDE writes", test_trace_pde },
	{ "trace", "an instruction the emulator refuses",
	  test_trace_unsupported },
	{ "trace", "invlpg", test_invlpg },
	{ "adapt", "a write flood drops the table", test_adapt_flood },
	{ "adapt", "used tables stay (eager)", test_adapt_used },
	{ "adapt", "used tables stay (eager=off)", test_adapt_used_lazy },
	{ "adapt", "adapt=off keeps tracing", test_adapt_off },
	{ "adapt", "another space's table goes at once", test_adapt_not_live },
	{ "evict", "least recently used first", test_evict_lru },
	{ "evict", "random run, shadowpool=8", test_evict_churn },
	{ "evict", "random run, shadowpool=24", test_evict_churn_larger },
	{ "evict", "one space bigger than the pool", test_evict_one_big_space },
	{ "evict", "the host out of pages", test_evict_host_out_of_pages },
	{ "options", "bad values refused", test_options },
};

int
main(void)
{
	/* Every scenario runs apart, in a child of its own. */
	return test_table_run("traced_test", tests,
			      sizeof(tests) / sizeof(tests[0]), run_isolated);
}
