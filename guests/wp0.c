/*
 * wp0: paging with cr0.WP clear, as many older kernels run.
 *
 * With WP=0 the CPU lets ring 0 write through read-only PTEs (SDM vol.3
 * §4.6.1); ring 3 is still held to them.  WP=1 makes ring-0 writes fault
 * too (#PF, error code 3: present, write, supervisor).  A monitor that
 * shadows the guest's page tables must give the guest kernel the first
 * behaviour while WP is clear and the second once it is set, and must
 * set the accessed and dirty bits the CPU would.
 */
#include <inc/x86.h>
#include <guests/rt.h>

const char guest_name[] = "wp0";

#define T_PGFLT 14
/* #PF error code bits (SDM vol.3 §4.7). */
#define PF_P 0x1
#define PF_W 0x2
#define PF_U 0x4

/* The pages under test, each alone on its page. */
#define PAGE __attribute__((aligned(PGSIZE)))
volatile uint32_t kro_page[NPTENTRIES] PAGE;	/* kernel, read-only */
volatile uint32_t uro_page[NPTENTRIES] PAGE;	/* user, read-only */
volatile uint32_t urw_page[NPTENTRIES] PAGE;	/* user, writable */
static uint8_t ustack[PGSIZE] PAGE;		/* user, writable */

extern char utext[], eutext[];
extern char user_write_ro[], user_write_rw[], user_read_kernel[];

/* The ring-3 code: each does one access and returns by int $0x80. */
asm(".pushsection .utext, \"ax\"\n"
    "user_write_ro:\n"
    "	movl $0x7777dddd, uro_page\n"
    "	int $0x80\n"
    "user_write_rw:\n"
    "	movl $0x8888eeee, urw_page\n"
    "	int $0x80\n"
    "user_read_kernel:\n"
    "	movl kro_page, %eax\n"
    "	int $0x80\n"
    ".popsection");

static void
set_wp(bool on)
{
	lcr0(on ? rcr0() | CR0_WP : rcr0() & ~CR0_WP);
}

static uint32_t
pte_flags(volatile void *va)
{
	return *paging_pte((uint32_t)va) & PTE_FLAGS;
}

/* A ring-0 write that must fault: #PF with error code err at addr. */
static void
expect_kernel_fault(int status, const char *what, volatile uint32_t *addr,
		    uint32_t val, uint32_t old)
{
	int faulted = probe_write(addr, val);

	check(faulted, status, "%s: the write completed (value %#x)", what,
	      *addr);
	check(last_fault.trapno == T_PGFLT && last_fault.err == (PF_P | PF_W) &&
		      last_fault.cr2 == (uint32_t)addr,
	      status, "%s: trap %u err=%#x cr2=%#x, expected #PF err=0x3 cr2=%#x",
	      what, last_fault.trapno, last_fault.err, last_fault.cr2,
	      (uint32_t)addr);
	check(*addr == old, status, "%s: value %#x, expected %#x unchanged",
	      what, *addr, old);
	say("%s: #PF err=%#x cr2=%#x, value=%#x (unchanged)", what,
	    last_fault.err, last_fault.cr2, *addr);
}

/* A ring-0 write that must complete. */
static void
expect_kernel_write(int status, const char *what, volatile uint32_t *addr,
		    uint32_t val)
{
	int faulted = probe_write(addr, val);

	check(!faulted, status, "%s: trap %u err=%#x cr2=%#x", what,
	      last_fault.trapno, last_fault.err, last_fault.cr2);
	check(*addr == val, status, "%s: value %#x, expected %#x", what, *addr,
	      val);
	say("%s: ok value=%#x pte flags=%#x", what, *addr, pte_flags(addr));
}

/* Ring-3 code that must fault with error code err at addr. */
static void
expect_user_fault(int status, const char *what, char *code,
		  volatile uint32_t *addr, uint32_t err)
{
	uint32_t old = *addr;
	int faulted = run_user((uint32_t)code, (uint32_t)ustack + PGSIZE);

	check(faulted, status, "%s: no fault", what);
	check(last_fault.trapno == T_PGFLT && last_fault.err == err &&
		      last_fault.cr2 == (uint32_t)addr &&
		      last_fault.eip == (uint32_t)code,
	      status,
	      "%s: trap %u err=%#x cr2=%#x eip=%#x, expected #PF err=%#x cr2=%#x eip=%#x",
	      what, last_fault.trapno, last_fault.err, last_fault.cr2,
	      last_fault.eip, err, (uint32_t)addr, (uint32_t)code);
	check(*addr == old, status, "%s: value %#x, expected %#x unchanged",
	      what, *addr, old);
	say("%s: #PF err=%#x cr2=%#x eip=%#x, value=%#x (unchanged)", what,
	    last_fault.err, last_fault.cr2, last_fault.eip, *addr);
}

void
guest_main(void)
{
	uint32_t va, cr0;

	/* The first 4 MiB, kernel read/write; then the pages under test. */
	paging_init();
	paging_map((uint32_t)kro_page, 0);
	paging_map((uint32_t)uro_page, PTE_U);
	paging_map((uint32_t)urw_page, PTE_U | PTE_W);
	paging_map((uint32_t)ustack, PTE_U | PTE_W);
	for (va = (uint32_t)utext; va < (uint32_t)eutext; va += PGSIZE)
		paging_map(va, PTE_U);
	paging_enable(false);

	cr0 = rcr0();
	check((cr0 & (CR0_PG | CR0_WP | CR0_PE)) == (CR0_PG | CR0_PE), 1,
	      "cr0=%#x: expected PG and PE set, WP clear", cr0);
	say("paging on with cr0.WP=0: PG=%u WP=%u, read-only page at %#x, pte flags=%#x",
	    !!(cr0 & CR0_PG), !!(cr0 & CR0_WP), (uint32_t)kro_page,
	    pte_flags(kro_page));

	expect_kernel_write(2, "kernel write to read-only page with WP=0",
			    kro_page, 0x1111aaaa);

	set_wp(true);
	check(rcr0() & CR0_WP, 3, "cr0.WP did not stick: cr0=%#x", rcr0());
	expect_kernel_fault(3, "kernel write to read-only page with WP=1",
			    kro_page, 0x2222bbbb, 0x1111aaaa);

	set_wp(false);
	check(!(rcr0() & CR0_WP), 4, "cr0.WP did not clear: cr0=%#x", rcr0());
	expect_kernel_write(4, "kernel write to read-only page with WP back to 0",
			    kro_page, 0x3333cccc);

	expect_kernel_write(5, "kernel write to read-only user page with WP=0",
			    uro_page, 0x4444dddd);

	expect_user_fault(6, "user write to read-only user page with WP=0",
			  user_write_ro, uro_page, PF_P | PF_W | PF_U);

	set_wp(true);
	expect_user_fault(7, "user write to read-only user page with WP=1",
			  user_write_ro, uro_page, PF_P | PF_W | PF_U);
	set_wp(false);

	check(run_user((uint32_t)user_write_rw, (uint32_t)ustack + PGSIZE) == 0,
	      8, "user write to writable user page: trap %u err=%#x cr2=%#x",
	      last_fault.trapno, last_fault.err, last_fault.cr2);
	check(urw_page[0] == 0x8888eeee, 8,
	      "user write to writable user page: value %#x", urw_page[0]);
	say("user write to writable user page: ok value=%#x pte flags=%#x",
	    urw_page[0], pte_flags(urw_page));

	expect_user_fault(9, "user read of a supervisor page", user_read_kernel,
			  kro_page, PF_P | PF_U);

	say("cr0.WP at the end: %u", !!(rcr0() & CR0_WP));
	say("done");
}
