/*
 * Host unit test of the VMCB checker and its breakers (vmcb_check.c):
 *
 *	obj/host/lab4-vt/vmcb_check_test
 *
 *   table      every rule has a name of its own, a description, a source,
 *              a check and a breaker, and is found by name;
 *   baseline   the VMCB of a 32-bit protected-mode guest with paging,
 *              shaped as the vt engine makes it, passes every rule;
 *   each rule  the baseline broken by the rule's breaker fails that rule
 *              and no other (but efer.lme, wherever EFER.LME is set):
 *              a checker that lacks a rule, or reports another, fails;
 *   by hand    the most important illegal states written here, not by
 *              a breaker, so that the breaker and the checker cannot be
 *              wrong together; the legal events; the must-be-zero bits
 *              of CR0, CR3, CR4, DR6, DR7 and EFER one by one, against
 *              lists written out here from the manual.
 */
#include <stdio.h>
#include <string.h>

#include <inc/mmu.h>
#include <inc/trap.h>
#include <lab4-vt/vmcb_check.h>
#include <lib/test_table.h>

#define CHECK(cond, ...)                                                       \
	test_check_at(!!(cond), __FILE__, __LINE__, __func__, __VA_ARGS__)

/* The baseline guest's selectors, page directory and permission maps. */
#define SEL_CODE  0x08
#define SEL_DATA  0x10
#define GUEST_CR3 0x00123000u
#define IOPM_PA	  0x00200000u
#define MSRPM_PA  0x00204000u
#define DR6_INIT  0xFFFF0FF0u
#define DR7_INIT  0x00000400u

/* From the manual, written out here rather than taken from the checker:
 * the CR4 bits an AMD CPU may set (VME..UMIP, FSGSBASE, PCIDE, OSXSAVE,
 * SMEP, SMAP, PKE) and the EFER bits it defines (SCE, LME, LMA, NXE,
 * SVME, LMSLE, FFXSR, TCE). */
#define CR4_LEGAL  0x00770FFFull
#define EFER_LEGAL 0x0000FD01ull

static void
seg_flat(struct vmcb_seg *s, uint16_t sel, uint16_t type)
{
	s->selector = sel;
	s->attrib = SEG_ATTR_TYPE(type) | SEG_ATTR_S | SEG_ATTR_DPL(0) |
		    SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G;
	s->limit = 0xFFFFFFFF;
	s->base = 0;
}

/*
 * A legal VMCB: a 32-bit protected-mode guest with paging at CPL 0
 * (CR0 = PE|ET|NE|WP|PG, CR4 = PSE, EFER = SVME), flat segments, ASID 1,
 * the VMRUN, IOIO and MSR intercepts on with page-aligned maps.
 */
static void
baseline(struct vmcb *vmcb)
{
	memset(vmcb, 0, sizeof(*vmcb));
	struct vmcb_control *c = &vmcb->control;
	c->intercept_exceptions = 1u << T_PGFLT;
	c->intercept_misc1 = INTERCEPT1_INTR | INTERCEPT1_CPUID |
			     INTERCEPT1_HLT | INTERCEPT1_IOIO_PROT |
			     INTERCEPT1_MSR_PROT | INTERCEPT1_SHUTDOWN;
	c->intercept_misc2 = INTERCEPT2_VMRUN | INTERCEPT2_VMMCALL;
	c->iopm_base_pa = IOPM_PA;
	c->msrpm_base_pa = MSRPM_PA;
	c->guest_asid = 1;
	c->tlb_control = TLB_CONTROL_FLUSH_ALL;

	struct vmcb_save *s = &vmcb->save;
	seg_flat(&s->cs, SEL_CODE, STA_X | STA_R | STA_A);
	seg_flat(&s->ss, SEL_DATA, STA_W | STA_A);
	seg_flat(&s->ds, SEL_DATA, STA_W | STA_A);
	seg_flat(&s->es, SEL_DATA, STA_W | STA_A);
	seg_flat(&s->fs, SEL_DATA, STA_W | STA_A);
	seg_flat(&s->gs, SEL_DATA, STA_W | STA_A);
	s->cpl = 0;
	s->efer = EFER_SVME;
	s->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = GUEST_CR3;
	s->cr4 = CR4_PSE;
	s->dr6 = DR6_INIT;
	s->dr7 = DR7_INIT;
	s->rflags = FL_RESERVED1;
	s->rip = 0x00100000;
	s->rsp = 0x00200000;
}

/* vmcb_check's verdict, "" for none. */
static const char *
verdict(const struct vmcb *vmcb, char *why, size_t why_len)
{
	const char *name = vmcb_check(vmcb, why, why_len);
	return name ? name : "";
}

/* Check that vmcb fails rule expect first ("" : passes). */
#define EXPECT(vmcb, expect, ...)                                              \
	do {                                                                   \
		char why_[256];                                                \
		const char *got_ = verdict((vmcb), why_, sizeof(why_));        \
		char what_[128];                                               \
		snprintf(what_, sizeof(what_), __VA_ARGS__);                   \
		CHECK(strcmp(got_, (expect)) == 0,                             \
		      "%s: got '%s' (%s), not '%s'", what_, got_, why_,        \
		      (expect));                                               \
	} while (0)

/* ---- The table ---- */

/* Every rule, in the order of APM vol. 2 §15.5.1 (efer.lme after the
 * three LME rules: see vmcb_check.c), then the monitor's own. */
static const char *const rule_names[] = {
    "efer.svme",       "cr0.cd_nw",    "cr0.mbz",     "cr3.mbz",
    "cr4.mbz",	       "dr6.mbz",      "dr7.mbz",     "efer.mbz",
    "efer.lme_pae",    "efer.lme_pe",  "efer.lme_cs", "efer.lme",
    "intercept.vmrun", "vmcb.msrpm",   "vmcb.iopm",   "eventinj.type",
    "eventinj.vector", "eventinj.nmi", "eventinj.ev", "asid",
    "seg.cs.p",	       "seg.ss.p",     "seg.cpl",
};

static void
test_rule_table(void)
{
	CHECK(vmcb_nrules == ARRAY_SIZE(rule_names), "%zu rules, not %zu",
	      vmcb_nrules, ARRAY_SIZE(rule_names));
	for (size_t i = 0; i < vmcb_nrules && i < ARRAY_SIZE(rule_names); i++)
		CHECK(strcmp(vmcb_rules[i].name, rule_names[i]) == 0,
		      "rule %zu is %s, not %s", i, vmcb_rules[i].name,
		      rule_names[i]);
	for (size_t i = 0; i < vmcb_nrules; i++) {
		const struct vmcb_rule *r = &vmcb_rules[i];
		CHECK(r->name && r->name[0] && r->what && r->what[0] &&
			  r->source && r->source[0] && r->fails && r->breaker,
		      "rule %zu (%s) lacks a field", i,
		      r->name ? r->name : "?");
		CHECK(vmcb_rule_find(r->name) == r,
		      "vmcb_rule_find(%s) is not rule %zu", r->name, i);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(vmcb_rules[j].name, r->name) != 0,
			      "two rules are called %s", r->name);
	}
	struct vmcb v, before;
	baseline(&v);
	before = v;
	CHECK(vmcb_rule_find("no.such") == NULL, "found rule no.such");
	CHECK(!vmcb_rule_break(&v, "no.such") &&
		  memcmp(&v, &before, sizeof(v)) == 0,
	      "vmcb_rule_break(no.such) did something");
}

/* ---- The baseline, and each rule broken ---- */

static void
test_baseline(void)
{
	struct vmcb v;
	char why[64] = "untouched";
	baseline(&v);
	CHECK(vmcb_check(&v, why, sizeof(why)) == NULL && why[0] == '\0',
	      "the baseline fails %s (%s)", verdict(&v, why, sizeof(why)), why);
	for (size_t i = 0; i < vmcb_nrules; i++)
		CHECK(!vmcb_rules[i].fails(&v, NULL, 0),
		      "the baseline fails rule %s", vmcb_rules[i].name);
	CHECK(vmcb_check(&v, NULL, 0) == NULL, "no why: fails");
}

/*
 * For every rule: its breaker changes the baseline so that it fails the
 * rule, with a reason, and no other rule -- except efer.lme, which every
 * state with EFER.LME fails too (the LME rules before it need LME).
 */
static void
test_each_rule_broken(void)
{
	for (size_t i = 0; i < vmcb_nrules; i++) {
		const struct vmcb_rule *r = &vmcb_rules[i];
		struct vmcb v, base;
		char why[256] = "";
		baseline(&base);
		v = base;
		CHECK(vmcb_rule_break(&v, r->name), "%s: no breaker", r->name);
		CHECK(memcmp(&v, &base, sizeof(v)) != 0,
		      "%s: the breaker changed nothing", r->name);
		const char *got = verdict(&v, why, sizeof(why));
		CHECK(strcmp(got, r->name) == 0,
		      "%s broken: vmcb_check reports '%s' (%s)", r->name, got,
		      why);
		CHECK(why[0] != '\0' && strchr(why, '\n') == NULL,
		      "%s: the reason is not one line: '%s'", r->name, why);
		for (size_t j = 0; j < vmcb_nrules; j++) {
			const struct vmcb_rule *q = &vmcb_rules[j];
			bool lme = strcmp(q->name, "efer.lme") == 0 &&
				   (v.save.efer & EFER_LME);
			if (q != r && !lme)
				CHECK(!q->fails(&v, NULL, 0),
				      "%s broken: rule %s fails as well",
				      r->name, q->name);
		}
	}
}

/*
 * Break every rule from the last to the first, one on top of the other:
 * each time the rule just broken is the one reported, so no breaker
 * disturbs the rules before it, even from a VMCB that is not the
 * baseline.
 */
static void
test_cumulative(void)
{
	struct vmcb v;
	baseline(&v);
	for (size_t i = vmcb_nrules; i-- > 0;) {
		const char *name = vmcb_rules[i].name;
		vmcb_rule_break(&v, name);
		EXPECT(&v, name, "rules %zu.. broken", i);
	}
}

/* The reason is cut to fit, and always terminated. */
static void
test_why_truncated(void)
{
	struct vmcb v;
	char why[16];
	baseline(&v);
	v.save.efer = 0;
	memset(why, 'x', sizeof(why));
	const char *got = vmcb_check(&v, why, 8);
	CHECK(got && strcmp(got, "efer.svme") == 0, "got %s",
	      got ? got : "nothing");
	CHECK(strlen(why) == 7 && why[8] == 'x',
	      "the reason overflowed 8 bytes: '%.15s'", why);
	CHECK(vmcb_check(&v, NULL, 0) == got, "no why: a different verdict");
}

/* ---- By hand: the rules that matter most ---- */

static void
test_efer_svme(void)
{
	struct vmcb v;
	baseline(&v);
	v.save.efer = 0;
	EXPECT(&v, "efer.svme", "EFER 0");
	v.save.efer = EFER_NXE | EFER_SCE;
	EXPECT(&v, "efer.svme", "EFER NXE|SCE");
	/* The manual's order: SVME before the ASID. */
	v.control.guest_asid = 0;
	EXPECT(&v, "efer.svme", "EFER 0 and ASID 0");
	v.save.efer = EFER_SVME | EFER_NXE | EFER_SCE;
	EXPECT(&v, "asid", "EFER fixed, ASID 0");
}

static void
test_cr0_cd_nw(void)
{
	struct vmcb v;
	baseline(&v);
	uint64_t cr0 = v.save.cr0;
	v.save.cr0 = cr0 | CR0_NW;
	EXPECT(&v, "cr0.cd_nw", "CR0 NW without CD");
	v.save.cr0 = cr0 | CR0_NW | CR0_CD;
	EXPECT(&v, "", "CR0 NW with CD");
	v.save.cr0 = cr0 | CR0_CD;
	EXPECT(&v, "", "CR0 CD alone");
}

static void
test_asid(void)
{
	struct vmcb v;
	baseline(&v);
	v.control.guest_asid = 0;
	EXPECT(&v, "asid", "ASID 0");
	v.control.guest_asid = 2;
	EXPECT(&v, "", "ASID 2");
}

static void
test_intercept_vmrun(void)
{
	struct vmcb v;
	baseline(&v);
	v.control.intercept_misc2 = INTERCEPT2_VMMCALL | INTERCEPT2_VMLOAD;
	EXPECT(&v, "intercept.vmrun", "VMMCALL|VMLOAD without VMRUN");
	v.control.intercept_misc2 = 0;
	EXPECT(&v, "intercept.vmrun", "no intercept2 at all");
	v.control.intercept_misc2 = INTERCEPT2_VMRUN;
	EXPECT(&v, "", "VMRUN alone");
}

/* Events vmrun must refuse, and ones the monitor must not make. */
static void
test_eventinj_illegal(void)
{
	struct vmcb v;
	baseline(&v);
	for (uint32_t type = 1; type < 8; type++) {
		if (type == 2 || type == 3 || type == 4)
			continue;
		v.control.eventinj =
		    EVENT_VALID | type << EVENT_TYPE_SHIFT | 0x20;
		EXPECT(&v, "eventinj.type", "event type %u", type);
	}
	static const uint32_t bad_vectors[] = {2, 31, 32, 0x80, 0xFF};
	for (size_t i = 0; i < ARRAY_SIZE(bad_vectors); i++) {
		v.control.eventinj =
		    EVENT_VALID | EVENT_TYPE_EXCEPTION | bad_vectors[i];
		EXPECT(&v, "eventinj.vector", "exception vector %u",
		       bad_vectors[i]);
	}
	v.control.eventinj = EVENT_VALID | EVENT_TYPE_NMI | 0x20;
	EXPECT(&v, "eventinj.nmi", "NMI with vector 0x20");
	static const uint32_t no_err[] = {T_DIVIDE, T_BRKPT, T_ILLOP, T_MCHK};
	for (size_t i = 0; i < ARRAY_SIZE(no_err); i++) {
		v.control.eventinj = EVENT_VALID | EVENT_TYPE_EXCEPTION |
				     EVENT_ERR_VALID | no_err[i];
		EXPECT(&v, "eventinj.ev", "exception %u with EV", no_err[i]);
	}
	static const uint32_t with_err[] = {T_DBLFLT, T_TSS,   T_SEGNP, T_STACK,
					    T_GPFLT,  T_PGFLT, T_ALIGN};
	for (size_t i = 0; i < ARRAY_SIZE(with_err); i++) {
		v.control.eventinj =
		    EVENT_VALID | EVENT_TYPE_EXCEPTION | with_err[i];
		EXPECT(&v, "eventinj.ev", "exception %u without EV",
		       with_err[i]);
	}
	/* In real mode no exception pushes an error code. */
	v.save.cr0 = CR0_ET;
	v.control.eventinj =
	    EVENT_VALID | EVENT_TYPE_EXCEPTION | EVENT_ERR_VALID | T_GPFLT;
	EXPECT(&v, "eventinj.ev", "real mode: #GP with EV");
}

static void
test_eventinj_legal(void)
{
	struct vmcb v;
	baseline(&v);
	v.control.eventinj =
	    EVENT_VALID | EVENT_TYPE_EXCEPTION | EVENT_ERR_VALID | T_PGFLT;
	v.control.eventinj_err = FEC_W | FEC_U;
	EXPECT(&v, "", "#PF with EV");
	v.control.eventinj = EVENT_VALID | EVENT_TYPE_INTR | 0x20;
	v.control.eventinj_err = 0;
	EXPECT(&v, "", "external interrupt 0x20");
	v.control.eventinj = EVENT_VALID | EVENT_TYPE_NMI | T_NMI;
	EXPECT(&v, "", "NMI");
	v.control.eventinj = EVENT_VALID | EVENT_TYPE_SOFTINT | 0x30;
	EXPECT(&v, "", "int $0x30");
	v.control.eventinj = EVENT_VALID | EVENT_TYPE_EXCEPTION | T_DIVIDE;
	EXPECT(&v, "", "#DE");
	v.control.eventinj =
	    EVENT_VALID | EVENT_TYPE_EXCEPTION | EVENT_ERR_VALID | T_DBLFLT;
	EXPECT(&v, "", "#DF with EV");
	v.control.eventinj = EVENT_VALID | EVENT_TYPE_EXCEPTION | T_SIMDERR;
	EXPECT(&v, "", "#XM");
	/* Without V, eventinj is not looked at. */
	v.control.eventinj = 7u << EVENT_TYPE_SHIFT | EVENT_ERR_VALID | T_NMI;
	EXPECT(&v, "", "no event (V clear), reserved bits below");
	/* In real mode #GP pushes no error code. */
	v.save.cr0 = CR0_ET;
	v.control.eventinj = EVENT_VALID | EVENT_TYPE_EXCEPTION | T_GPFLT;
	EXPECT(&v, "", "real mode: #GP without EV");
}

/* ---- By hand: the must-be-zero bits, one at a time ---- */

static void
test_mbz_bits(void)
{
	struct vmcb v, base;
	baseline(&base);
	for (int b = 0; b < 64; b++) {
		uint64_t bit = 1ull << b;
		v = base;
		v.save.cr4 |= bit;
		EXPECT(&v, (CR4_LEGAL & bit) ? "" : "cr4.mbz", "CR4 bit %d", b);

		v = base;
		v.save.efer |= bit;
		const char *expect = "efer.mbz";
		if (bit == EFER_LME)
			expect = "efer.lme_pae"; /* with PG, without PAE */
		else if (bit == EFER_LMA)
			expect = "efer.lme";
		else if (EFER_LEGAL & bit)
			expect = "";
		EXPECT(&v, expect, "EFER bit %d", b);

		if (b < 32)
			continue;
		v = base;
		v.save.cr0 |= bit;
		EXPECT(&v, "cr0.mbz", "CR0 bit %d", b);
		v = base;
		v.save.cr3 |= bit;
		EXPECT(&v, "cr3.mbz", "CR3 bit %d", b);
		v = base;
		v.save.dr6 |= bit;
		EXPECT(&v, "dr6.mbz", "DR6 bit %d", b);
		v = base;
		v.save.dr7 |= bit;
		EXPECT(&v, "dr7.mbz", "DR7 bit %d", b);
	}
	/* The low halves are the registers' own business. */
	v = base;
	v.save.cr3 = 0xFFFFF018;
	v.save.dr6 = 0xFFFFFFFF;
	v.save.dr7 = 0xFFFFFFFF;
	EXPECT(&v, "", "CR3, DR6, DR7 low halves all ones");
	/* In long mode CR3 may hold up to 52 bits. */
	const struct vmcb_rule *cr3 = vmcb_rule_find("cr3.mbz");
	v = base;
	v.save.efer |= EFER_LMA;
	v.save.cr3 = 1ull << 40;
	CHECK(cr3 && !cr3->fails(&v, NULL, 0), "long mode: CR3 bit 40");
	v.save.cr3 = 1ull << 52;
	CHECK(cr3 && cr3->fails(&v, NULL, 0), "long mode: CR3 bit 52");
}

/* LME with paging: the manual's three combinations. */
static void
test_long_mode(void)
{
	struct vmcb v;
	baseline(&v);
	v.save.efer |= EFER_LME;
	EXPECT(&v, "efer.lme_pae", "LME, PG, no PAE");
	v.save.cr4 |= CR4_PAE;
	EXPECT(&v, "efer.lme", "LME, PG, PAE (legal on a 64-bit CPU)");
	v.save.cs.attrib |= SEG_ATTR_L;
	EXPECT(&v, "efer.lme_cs", "LME, PG, PAE, CS.L and CS.D");
	v.save.cs.attrib &= ~SEG_ATTR_DB;
	EXPECT(&v, "efer.lme", "LME, PG, PAE, CS.L alone");
	v.save.cr0 &= ~(uint64_t)CR0_PE;
	EXPECT(&v, "efer.lme_pe", "LME, PG without PE");
	v.save.cr0 &= ~(uint64_t)CR0_PG;
	EXPECT(&v, "efer.lme", "LME without paging");
}

/* The permission maps, checked only while their intercept is on. */
static void
test_permission_maps(void)
{
	struct vmcb v, base;
	baseline(&base);

	v = base;
	v.control.iopm_base_pa = IOPM_PA + 0x10;
	EXPECT(&v, "vmcb.iopm", "IOPM misaligned");
	v.control.intercept_misc1 &= ~INTERCEPT1_IOIO_PROT;
	EXPECT(&v, "", "IOPM misaligned, IOIO_PROT off");
	v = base;
	v.control.iopm_base_pa = 0x100000000ull - IOPM_SIZE;
	EXPECT(&v, "", "IOPM ending at 4 GiB");
	v.control.iopm_base_pa += PGSIZE;
	EXPECT(&v, "vmcb.iopm", "IOPM crossing 4 GiB");

	v = base;
	v.control.msrpm_base_pa = MSRPM_PA | 0x800;
	EXPECT(&v, "vmcb.msrpm", "MSRPM misaligned");
	v.control.intercept_misc1 &= ~INTERCEPT1_MSR_PROT;
	EXPECT(&v, "", "MSRPM misaligned, MSR_PROT off");
	v = base;
	v.control.msrpm_base_pa = 0x100000000ull - MSRPM_SIZE;
	EXPECT(&v, "", "MSRPM ending at 4 GiB");
	v.control.msrpm_base_pa = 0x100000000ull;
	EXPECT(&v, "vmcb.msrpm", "MSRPM at 4 GiB");
}

/* The segment rules hold in protected mode only. */
static void
test_segments(void)
{
	struct vmcb v, base;
	baseline(&base);

	v = base;
	v.save.cs.attrib &= ~SEG_ATTR_P;
	EXPECT(&v, "seg.cs.p", "CS not present");
	v = base;
	v.save.ss.attrib &= ~SEG_ATTR_P;
	EXPECT(&v, "seg.ss.p", "SS not present");
	v = base;
	v.save.ds.attrib &= ~SEG_ATTR_P;
	EXPECT(&v, "", "DS not present (a null DS is fine)");
	v = base;
	v.save.cpl = 3;
	EXPECT(&v, "seg.cpl", "CPL 3, SS.DPL 0");
	v.save.ss.attrib |= SEG_ATTR_DPL(3);
	v.save.cs.attrib |= SEG_ATTR_DPL(3);
	EXPECT(&v, "", "CPL 3, SS.DPL 3");

	/* Real mode: none of them. */
	v = base;
	v.save.cr0 = CR0_ET;
	v.save.cs.attrib &= ~SEG_ATTR_P;
	v.save.ss.attrib &= ~SEG_ATTR_P;
	v.save.cpl = 3;
	EXPECT(&v, "", "real mode, CS and SS not present, CPL 3");
}

static const struct test_case tests[] = {
    {"vmcb_check", "rule_table", test_rule_table},
    {"vmcb_check", "baseline", test_baseline},
    {"vmcb_check", "each_rule_broken", test_each_rule_broken},
    {"vmcb_check", "cumulative", test_cumulative},
    {"vmcb_check", "why_truncated", test_why_truncated},
    {"vmcb_check", "efer_svme", test_efer_svme},
    {"vmcb_check", "cr0_cd_nw", test_cr0_cd_nw},
    {"vmcb_check", "asid", test_asid},
    {"vmcb_check", "intercept_vmrun", test_intercept_vmrun},
    {"vmcb_check", "eventinj_illegal", test_eventinj_illegal},
    {"vmcb_check", "eventinj_legal", test_eventinj_legal},
    {"vmcb_check", "mbz_bits", test_mbz_bits},
    {"vmcb_check", "long_mode", test_long_mode},
    {"vmcb_check", "permission_maps", test_permission_maps},
    {"vmcb_check", "segments", test_segments},
};

int
main(void)
{
	return test_table_run("vmcb_check_test", tests, ARRAY_SIZE(tests),
			      NULL);
}
