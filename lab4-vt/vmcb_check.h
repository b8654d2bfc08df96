/*
 * Would vmrun accept this VMCB?  vmrun checks the guest state it is
 * about to load, and a state it finds illegal never runs: the CPU
 * writes VMEXIT_INVALID (-1) into exitcode and says nothing more
 * (AMD APM vol. 2 §15.5.1 "Canonicalization and Consistency Checks").
 * vmcb_check makes the same checks in the same order, in C, so that the
 * monitor can name the one that failed -- and, with vmcb_break=NAME,
 * break one on purpose to see what the CPU does with it.
 *
 * Each check is a rule in vmcb_rules[]; besides the manual's, a few are
 * the monitor's own (a state vmrun accepts, but that no x86 CPU can be
 * in, or that the vt engine never means to make).  Each rule says which.
 *
 * Built both into the monitor and, for its unit test, on the host
 * (lab4-vt/vmcb_check_test.c): it needs nothing but the VMCB.
 */
#ifndef VMMLAB_LAB4_VMCB_CHECK_H
#define VMMLAB_LAB4_VMCB_CHECK_H

#include <inc/types.h>
#include <lab4-vt/vmcb.h>

struct vmcb_rule {
	const char *name;   /* "efer.svme": what vmcb_check returns */
	const char *what;   /* one line: the state it refuses */
	const char *source; /* where it comes from: "APM 15.5.1", "APM
			       15.20", "APM 15.5.1, stricter" (the monitor
			       refuses more than the CPU does) or "monitor"
			       (a check vmrun does not make) */
	/* true if vmcb breaks the rule, with a line saying how in why */
	bool (*fails)(const struct vmcb *vmcb, char *why, size_t why_len);
	/* Change a VMCB that passes every check so that this rule is the
	 * first to fail (the smallest change that does). */
	void (*breaker)(struct vmcb *vmcb);
};

/* The source of a rule vmrun does not check: the CPU runs a VMCB that
 * breaks it. */
#define VMCB_RULE_MONITOR "monitor"

/* Every rule, in the order vmcb_check tries them. */
extern const struct vmcb_rule vmcb_rules[];
extern const size_t vmcb_nrules;

/*
 * NULL if vmrun would accept vmcb; otherwise the name of the first rule
 * it fails, with one line saying why in why[0..why_len) (why may be NULL
 * when why_len is 0).
 */
const char *vmcb_check(const struct vmcb *vmcb, char *why, size_t why_len);

/* The rule called name, or NULL. */
const struct vmcb_rule *vmcb_rule_find(const char *name);

/*
 * Break rule name in vmcb (a VMCB that passes vmcb_check): afterwards
 * vmcb_check reports exactly that rule.  false if there is no such rule.
 */
bool vmcb_rule_break(struct vmcb *vmcb, const char *name);

/*
 * vmcb_break.c, the monitor only: if the boot option vmcb_break=NAME was
 * given, break rule NAME in vmcb.  The vt engine calls it just before
 * every vmrun.
 */
void vmcb_break_apply(struct vmcb *vmcb);

#endif
