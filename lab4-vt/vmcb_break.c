/*
 * vmcb_break=NAME: break one of vmcb_check's rules on purpose, in the
 * VMCB the vt engine is about to run, to see what the CPU makes of it.
 *
 * A rule from the manual makes vmrun refuse the VMCB: exitcode comes
 * back VMEXIT_INVALID and nothing else, and the engine asks vmcb_check
 * which rule it was.  A rule of the monitor's own (source "monitor") the
 * CPU does not check: the guest runs on with the broken state, and only
 * the engine's check before each vmrun (VT_DEBUG_CHECK) names it.
 *
 *	make qemu-nox MODE=vt VMM_ARGS=vmcb_break=asid
 */
#include <inc/registry.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <lab4-vt/vmcb_check.h>

static const struct vmcb_rule *broken; /* the rule to break, or NULL */

/*
 * Called by the vt engine just before every vmrun: the engine rewrites
 * most of the VMCB from the vcpu each time, so the rule is broken anew
 * each time.  The first time, say what was broken and what to expect.
 */
void
vmcb_break_apply(struct vmcb *vmcb)
{
	static bool told;
	char why[160];

	if (!broken)
		return;
	broken->breaker(vmcb);
	if (told)
		return;
	told = true;
	bool cpu_checks = strcmp(broken->source, VMCB_RULE_MONITOR) != 0;
	cprintf("vmm: vmcb_break=%s: %s (%s: %s)\n", broken->name, broken->what,
		broken->source,
		cpu_checks ? "vmrun should refuse the VMCB"
			   : "vmrun does not check it");
	const char *failed = vmcb_check(vmcb, why, sizeof(why));
	if (!failed || strcmp(failed, broken->name) != 0)
		cprintf("vmm: vmcb_break=%s: but vmcb_check reports %s%s%s\n",
			broken->name, failed ? failed : "no failed check",
			failed ? ": " : "", failed ? why : "");
}

/*
 * Called after a vmrun that came back with a real exit: if the broken
 * rule is one the CPU is meant to check, this CPU (or emulator) let it
 * pass.  Say so once, so that a silent run is not taken for a pass.
 */
void
vmcb_break_ran(void)
{
	static bool told;

	if (!broken || told)
		return;
	told = true;
	if (strcmp(broken->source, VMCB_RULE_MONITOR) != 0)
		cprintf("vmm: vmcb_break=%s: vmrun accepted it: this CPU does "
			"not check that rule\n",
			broken->name);
}

static int
set_vmcb_break(const char *value)
{
	broken = vmcb_rule_find(value);
	if (broken)
		return 0;
	cprintf("vmm: vmcb_break=%s: no such check (known:", value);
	for (size_t i = 0; i < vmcb_nrules; i++)
		cprintf(" %s", vmcb_rules[i].name);
	cprintf(")\n");
	return -1;
}

static const struct vmm_option vmcb_break_option = {
    "vmcb_break", "vmcb_break=CHECK", set_vmcb_break};
VMM_OPTION(vmcb_break_option);
