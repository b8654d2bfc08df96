/*
 * The hole guard: the monitor's memory is read-only to a guest kernel at
 * ring 1, whatever the accelerator does with segment limits
 * (docs/DESIGN.md §2).
 *
 * Paging has one supervisor level, so a PTE cannot tell ring 0 from
 * ring 1.  CR0.WP can tell the monitor from the guest by time instead:
 * every PTE of the hole loses its write bit, the CPU runs the guest with
 * CR0.WP set (so ring 1 honours the bit) and the monitor with it clear
 * (so ring 0 ignores it).  kern/trapentry.S clears WP on every entry,
 * guest_enter (lab 1) sets it just before the iret.  Two kinds of page stay
 * writable, because the CPU or translated code writes them at ring 1:
 *   - the entry stack, where the CPU pushes the guest's trap frame (the
 *     guest leaves from a copy of its frame at the same place, so the
 *     stack holds nothing live while the guest runs);
 *   - what an engine asks for with hole_guard_keep_writable (lab 3's
 *     bt_area, which translated code writes through %gs).  The monitor
 *     trusts nothing it reads from those pages.
 * Where the CPU checks segment limits (KVM), the truncated segments
 * already stop ring 1 at the hole (#GP), and holeguard=auto, the
 * default, leaves the guard off; under QEMU's TCG, which does not check
 * them on loads and stores, it arms it (holeguard=on|off force it, to
 * test it or to measure what it costs).  An engine whose guest has its
 * own address space (vt) leaves it disarmed.
 */
#include <inc/assert.h>
#include <inc/deprivilege.h>
#include <inc/mmu.h>
#include <inc/registry.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/vmm.h>
#include <inc/x86.h>
#include <kern/pmap.h>
#include <vmm/vmm.h>

/* Read by kern/trapentry.S and guest_enter: nonzero once armed. */
uint32_t hole_guard_armed;
/* Nonzero: guest_enter sets CR0.WP for user mode too (bt's direct
 * system-call gate enters the guest kernel from user mode unseen). */
uint32_t hole_guard_user_wp;

/* The CPU's ring-0 stack for traps from the guest (the TSS's esp0). */
uint8_t vmm_entry_stack[VMM_ENTRY_STACK_SIZE] __attribute__((aligned(PGSIZE)));

/* holeguard=auto (the default) arms it where segment limits are not
 * checked; on and off force it either way. */
static enum { GUARD_AUTO, GUARD_ON, GUARD_OFF } guard_mode;

#define MAX_WRITABLE 4
static struct {
	uint32_t start, end; /* page-aligned [start, end) */
} writable[MAX_WRITABLE];
static int nwritable;

void
hole_guard_keep_writable(const void *va, size_t len)
{
	if (nwritable == MAX_WRITABLE)
		panic("hole_guard_keep_writable: more than %d ranges",
		      MAX_WRITABLE);
	writable[nwritable].start = ROUNDDOWN((uint32_t)va, PGSIZE);
	writable[nwritable].end = ROUNDUP((uint32_t)va + len, PGSIZE);
	nwritable++;
}

static bool
kept_writable(uint32_t va)
{
	for (int i = 0; i < nwritable; i++)
		if (va >= writable[i].start && va < writable[i].end)
			return true;
	return false;
}

/*
 * Take the write bit from every hole mapping but the kept ones: the
 * PTEs of the monitor's direct map, and the PDE of any other present
 * region (the guest-memory slots), whose PTEs come and go.  Called once
 * the engine has said what it keeps writable and before any shadow page
 * directory copies the hole's entries.
 */
void
hole_guard_arm(bool shared_hole)
{
	hole_guard_keep_writable(vmm_entry_stack, sizeof(vmm_entry_stack));
	if (!shared_hole || guard_mode == GUARD_OFF ||
	    (guard_mode == GUARD_AUTO && segments_limits_enforced))
		return;
	/* First the monitor's own WP: the loop write-protects the page
	 * tables it is walking. */
	lcr0(rcr0() & ~CR0_WP);
	for (uint32_t pdx = PDX(MONHOLE); pdx < NPDENTRIES; pdx++) {
		pde_t *pde = &kern_pgdir[pdx];
		uint32_t base = pdx << PDXSHIFT;
		if (!(*pde & PTE_P))
			continue;
		if (base >= KBASE + KMAPSIZE) {
			*pde &= ~PTE_W;
			continue;
		}
		pte_t *pt = (pte_t *)(PTE_ADDR(*pde) + KBASE);
		for (uint32_t i = 0; i < NPTENTRIES; i++)
			if (!kept_writable(base + i * PGSIZE))
				pt[i] &= ~PTE_W;
	}
	hole_guard_armed = 1;
	lcr3(rcr3());
	cprintf("vmm: hole guard on%s: the hole is read-only to the guest "
		"kernel\n",
		segments_limits_enforced ? ""
					 : " (this CPU does not check segment "
					   "limits on stores)");
}

static int
set_holeguard(const char *value)
{
	if (strcmp(value, "auto") == 0)
		guard_mode = GUARD_AUTO;
	else if (strcmp(value, "on") == 0)
		guard_mode = GUARD_ON;
	else if (strcmp(value, "off") == 0)
		guard_mode = GUARD_OFF;
	else {
		cprintf("vmm: holeguard=%s: say auto, on or off\n", value);
		return -1;
	}
	return 0;
	return -1;
}

static const struct vmm_option holeguard_option = {
	"holeguard", "holeguard=auto|on|off", set_holeguard
};
VMM_OPTION(holeguard_option);
