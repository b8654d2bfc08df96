/*
 * The hardware-assisted engine (mode=vt): the guest runs under AMD SVM's
 * vmrun, at its own CPL 0 with its own IF, GDT and IDT, until something
 * it is intercepted for happens; #VMEXIT brings the monitor back with an
 * exit code in the VMCB, which becomes an exit for the core's dispatch
 * (Adams & Agesen §4, docs/DESIGN.md §11):
 *
 *   #PF (shadow paging: hidden, trace and true faults) -> EXIT_EXCEPTION
 *   mov to/from %cr0, %cr3, %cr4 (and clts, lmsw, smsw), invlpg,
 *   rdmsr/wrmsr of an MSR the MSRPM keeps           -> EXIT_PRIV (decoded)
 *   in/out/ins/outs (every port: the IOPM is all ones) -> EXIT_IO
 *   hlt                                              -> EXIT_HLT
 *   a physical interrupt (INTR)                      -> EXIT_INTR
 *   the guest can take a pending virtual one (VINTR)  -> EXIT_IRQ_WINDOW
 *   a triple fault (SHUTDOWN)                        -> EXIT_SHUTDOWN
 *
 * cpuid and the SVM instructions are handled here and the guest goes on.
 * This is the paper's first-generation VMM: the guest's page tables are
 * shadowed (lab 2's traced MMU, or lab 1's), the VMCB's %cr3 is the
 * shadow's root, and the guest's own %cr0/%cr3/%cr4 live in the vcpu.
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/deprivilege.h>
#include <inc/registry.h>
#include <inc/shadow.h>
#include <inc/string.h>
#include <inc/vdev.h>
#include <inc/vmm.h>
#include <inc/x86.h>
#include <kern/pmap.h>
#include <lab4-vt/vmcb.h>
#include <lab4-vt/vmcb_check.h>
#include <lab4-vt/vt.h>

void vt_vmrun(uint32_t vmcb_pa, struct pushregs *regs, uint32_t host_save_pa);

#define GUEST_ASID 1

static struct vmcb *vmcb;
static uint32_t vmcb_pa, host_save_pa;

/* An event cut short by the exit (EXITINTINFO), to give again. */
static uint32_t reinject, reinject_err;
/* npt=on: the guest's own page tables, translated by a nested table. */
static bool npt;
static uint32_t npt_root_pa; /* the nested table's root (PAE format) */
static uint32_t npt_host_root; /* the host's root during vmrun (npt_init) */

/* The event this vmrun injected (the VMCB's eventinj as vmrun read it). */
static uint32_t injected, injected_err;

/* Exits by exit code, and the cycles from each exit to the next vmrun. */
struct exit_stat {
	uint64_t code;
	const char *name;
	uint64_t count, cycles;
};
static struct exit_stat exit_stats[] = {
	{ VMEXIT_CR_READ(0), "cr0.read" },
	{ VMEXIT_CR_READ(3), "cr3.read" },
	{ VMEXIT_CR_READ(4), "cr4.read" },
	{ VMEXIT_CR_WRITE(0), "cr0.write" },
	{ VMEXIT_CR_WRITE(3), "cr3.write" },
	{ VMEXIT_CR_WRITE(4), "cr4.write" },
	{ VMEXIT_EXCEPTION(T_PGFLT), "pf" },
	{ VMEXIT_INTR, "intr" },
	{ VMEXIT_VINTR, "vintr" },
	{ VMEXIT_CPUID, "cpuid" },
	{ VMEXIT_HLT, "hlt" },
	{ VMEXIT_INVLPG, "invlpg" },
	{ VMEXIT_IOIO, "ioio" },
	{ VMEXIT_MSR, "msr" },
	{ VMEXIT_SHUTDOWN, "shutdown" },
	{ VMEXIT_NPF, "npf" },
	{ 0, "other" }, /* the last: everything else */
};
#define NEXIT_STATS (sizeof(exit_stats) / sizeof(exit_stats[0]))

static struct exit_stat *
exit_stat(uint64_t code)
{
	for (size_t i = 0; i < NEXIT_STATS - 1; i++)
		if (exit_stats[i].code == code)
			return &exit_stats[i];
	return &exit_stats[NEXIT_STATS - 1];
}

static bool
svm_available(const char **why)
{
	uint32_t a, b, c, d;
	cpuid(0x80000000, &a, &b, &c, &d);
	if (a < 0x80000001) {
		*why = "the CPU has no extended cpuid leaves";
		return false;
	}
	cpuid(0x80000001, &a, &b, &c, &d);
	if (!(c & CPUID_80000001_ECX_SVM)) {
		*why = "the CPU has no AMD SVM (cpuid 0x80000001 ecx.SVM is 0; "
		       "under QEMU use -cpu qemu32,+svm with TCG)";
		return false;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		*why = "SVM is disabled by the firmware (VM_CR.SVMDIS)";
		return false;
	}
	return true;
}

/* A zeroed run of n pages; its physical address in *pa. */
static void *
alloc_pages(size_t n, uint32_t *pa)
{
	void *p = page_alloc_run(n);
	if (!p)
		panic("vt: no memory for %u pages of SVM state", (unsigned)n);
	memset(p, 0, n * PGSIZE);
	*pa = PADDR(p);
	return p;
}

/* The MSRPM: two bits (read, write) per MSR; intercept every MSR but the
 * sysenter ones, which the VMCB's state-save area carries. */
static void
msrpm_init(uint8_t *msrpm)
{
	memset(msrpm, 0xFF, 2 * PGSIZE);
	for (uint32_t msr = MSR_SYSENTER_CS; msr <= MSR_SYSENTER_EIP; msr++)
		msrpm[msr * 2 / 8] &= ~(3u << (msr * 2 % 8));
}

static void
seg_flat(struct vmcb_seg *s, uint16_t sel, uint16_t type)
{
	s->selector = sel;
	s->attrib = SEG_ATTR_TYPE(type) | SEG_ATTR_S | SEG_ATTR_DPL(0) |
		    SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G;
	s->limit = 0xFFFFFFFF;
	s->base = 0;
}

/* The CPU's %cr0 and %cr4 while the guest runs: the guest's own where
 * they do not touch paging; paging always on (the shadow's), WP on so
 * the guest kernel's writes to write-protected shadow entries fault. */
static uint32_t
real_cr0(const struct vcpu *v)
{
	return (v->vcr0 & (CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_AM)) |
	       CR0_PE | CR0_ET | CR0_WP | CR0_PG;
}

static uint32_t
real_cr4(const struct vcpu *v)
{
	return (v->vcr4 & (CR4_TSD | CR4_DE | CR4_MCE | CR4_PCE | CR4_OSFXSR |
			   CR4_OSXMMEXCPT | CR4_UMIP)) |
	       CR4_PSE;
}

/* ---- Nested paging (npt=on) ---- */

#define PAE_PTE_PS 0x80ull	  /* a 2 MiB page, in a PAE PDE */
#define LARGE_PAGE (1u << 21) /* what a PAE PDE maps */
#define PAE_ENTRIES 512

static int
set_npt(const char *value)
{
	if (strcmp(value, "on") == 0 || strcmp(value, "off") == 0) {
		npt = value[1] == 'n';
		return 0;
	}
	cprintf("vmm: npt=%s: say npt=on (nested paging, mode vt) or npt=off\n",
		value);
	return -1;
}

static const struct vmm_option npt_option = {
	"npt", "npt=on|off (mode vt: nested paging instead of shadow paging)",
	set_npt,
};
VMM_OPTION(npt_option);

/*
 * The nested page table: guest-physical [0, mem) to host-physical
 * [mem_base, mem_base + mem), user and writeable (the CPU walks it as a
 * user access, APM vol. 2 §15.25.5), nothing else: any other
 * guest-physical address is a nested page fault.  PAE format, because
 * the host runs in PAE paging while the guest does (QEMU walks the
 * nested table in the host's paging mode); 2 MiB pages where base and
 * memory allow, 4 KiB pages for the rest.
 */
static void
npt_build(struct vcpu *v)
{
	// LAB 4: Exercise 6.  Build the nested table at npt_root_pa: a PDPT,
	// PAE directories (alloc_pages gives zeroed pages), one 2 MiB entry
	// (PAE_PTE_PS) per aligned 2 MiB of guest memory, a page table of
	// 4 KiB entries where the memory ends inside a 2 MiB page.
	// BEGIN LAB 4 SOLUTION
	uint32_t pd_pa;
	uint64_t *pdpt = alloc_pages(1, &npt_root_pa);
	for (uint32_t gpa = 0; gpa < v->mem_size; gpa += LARGE_PAGE) {
		uint32_t q = gpa >> 30, pdx = (gpa >> 21) % PAE_ENTRIES;
		if (!(pdpt[q] & PTE_P)) {
			alloc_pages(1, &pd_pa);
			pdpt[q] = pd_pa | PTE_P; /* a PDPTE: P only */
		}
		uint64_t *pd = KADDR(PTE_ADDR((uint32_t)pdpt[q]));
		uint32_t hpa = v->mem_base + gpa;
		if (hpa % LARGE_PAGE == 0 && gpa + LARGE_PAGE <= v->mem_size) {
			pd[pdx] = hpa | PAE_PTE_PS | PTE_U | PTE_W | PTE_P;
			continue;
		}
		uint32_t pt_pa;
		uint64_t *pt = alloc_pages(1, &pt_pa);
		pd[pdx] = pt_pa | PTE_U | PTE_W | PTE_P;
		for (uint32_t i = 0; i < PAE_ENTRIES; i++)
			if (gpa + i * PGSIZE < v->mem_size)
				pt[i] = (hpa + i * PGSIZE) | PTE_U | PTE_W |
					PTE_P;
	}
	// STUB: vcpu_fail(v, "lab 4: exercise 6 (the nested page table) not "
	// STUB: 	     "implemented");
	// END LAB 4 SOLUTION
}

/*
 * The host's root while vmrun runs a guest with nested paging.  One page
 * read two ways: in 32-bit paging its entries for the hole are the
 * monitor's own (kern_pgdir's); in PAE paging its first 32 bytes are the
 * four PDPTEs, the last of which points at a PAE directory that maps the
 * monitor's direct map with 2 MiB pages.  The two readings overlap only
 * in the 32-bit entries for linear 0-32 MiB, which the monitor never
 * touches.  So %cr3 can point at it in either mode, and %cr4.PAE can flip
 * under the running code (vt_run).
 */
static void
npt_host_init(void)
{
	uint32_t pd_pa;
	uint64_t *pd = alloc_pages(1, &pd_pa);
	uint32_t *dual = alloc_pages(1, &npt_host_root);
	((uint64_t *)dual)[3] = pd_pa | PTE_P;
	for (uint32_t i = PDX(MONHOLE); i < NPDENTRIES; i++)
		dual[i] = kern_pgdir[i];
	/* Each 2 MiB of the hole that kern_pgdir maps to one aligned,
	 * contiguous physical range: the direct map (docs/DESIGN.md §2). */
	for (uint32_t va = MONHOLE; va != 0; va += LARGE_PAGE) {
		pde_t pde = kern_pgdir[PDX(va)];
		if (!(pde & PTE_P) || (pde & PTE_PS))
			continue;
		const pte_t *pt = KADDR(PTE_ADDR(pde));
		uint32_t first = pt[PTX(va)], i;
		if (PTE_ADDR(first) % LARGE_PAGE)
			continue;
		for (i = 0; i < PAE_ENTRIES; i++)
			if (!(pt[PTX(va) + i] & PTE_P) ||
			    PTE_ADDR(pt[PTX(va) + i]) !=
				PTE_ADDR(first) + i * PGSIZE)
				break;
		if (i == PAE_ENTRIES)
			pd[(va >> 21) % PAE_ENTRIES] =
			    PTE_ADDR(first) | PAE_PTE_PS | PTE_W | PTE_P;
	}
}

/* Under nested paging there is no shadow MMU: the guest's tables are the
 * ones the CPU walks, and none of their events exit. */
static void
npt_mmu_init(struct vcpu *v)
{
}

static bool
npt_mmu_fault(struct vcpu *v, gva_t va, uint32_t hw_err, uint32_t *guest_err)
{
	vcpu_fail(v, "a #PF exit at %08x under nested paging, which does "
		     "not intercept #PF",
		  va);
}

static const struct shadow_mmu npt_mmu = {
	.name = "none (npt=on: nested paging)",
	.lab = 4,
	.init = npt_mmu_init,
	.new_cr3 = npt_mmu_init,
	.fault = npt_mmu_fault,
};

static void
npt_init(struct vcpu *v)
{
	uint32_t a, b, c, d;
	cpuid(0x80000000, &a, &b, &c, &d);
	if (a < 0x8000000A)
		vcpu_fail(v, "npt=on: the CPU has no SVM feature leaf");
	cpuid(0x8000000A, &a, &b, &c, &d);
	if (!(d & CPUID_8000000A_EDX_NP))
		vcpu_fail(v, "npt=on: the CPU has no nested paging "
			     "(cpuid 0x8000000a edx.NP is 0)");
	npt_build(v);
	npt_host_init();
	v->mmu = &npt_mmu;
	vmcb->control.np_enable = 1;
	vmcb->control.n_cr3 = npt_root_pa;
	/* The guest's %cr0, %cr3 and %cr4 are its own; its page faults and
	 * invlpg are its own business. */
	vmcb->control.intercept_cr_read = 0;
	vmcb->control.intercept_cr_write = 0;
	vmcb->control.intercept_exceptions &= ~(1u << T_PGFLT);
	vmcb->control.intercept_misc1 &= ~INTERCEPT1_INVLPG;
	vmcb->save.cr3 = v->vcr3;
}

static void
vt_init(struct vcpu *v)
{
	const char *why;
	if (!svm_available(&why))
		vcpu_fail(v, "mode=vt needs AMD SVM: %s", why);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	uint32_t hsave_pa;
	alloc_pages(1, &hsave_pa);
	wrmsr(MSR_VM_HSAVE_PA, hsave_pa);

	vmcb = alloc_pages(1, &vmcb_pa);
	alloc_pages(1, &host_save_pa);
	uint32_t iopm_pa, msrpm_pa;
	memset(alloc_pages(3, &iopm_pa), 0xFF, 3 * PGSIZE);
	msrpm_init(alloc_pages(2, &msrpm_pa));
	/* The monitor's %fs, %gs, TR and LDT, for after each #VMEXIT. */
	asm volatile("vmsave" : : "a"(host_save_pa) : "memory");

	struct vmcb_control *c = &vmcb->control;
	c->intercept_cr_read = (1 << 0) | (1 << 3) | (1 << 4);
	c->intercept_cr_write = (1 << 0) | (1 << 3) | (1 << 4);
	c->intercept_exceptions = 1u << T_PGFLT;
	c->intercept_misc1 = INTERCEPT1_INTR | INTERCEPT1_NMI |
			     INTERCEPT1_SMI | INTERCEPT1_INIT |
			     INTERCEPT1_CPUID | INTERCEPT1_HLT |
			     INTERCEPT1_INVLPG | INTERCEPT1_INVLPGA |
			     INTERCEPT1_IOIO_PROT | INTERCEPT1_MSR_PROT |
			     INTERCEPT1_TASK_SWITCH | INTERCEPT1_SHUTDOWN;
	c->intercept_misc2 = INTERCEPT2_VMRUN | INTERCEPT2_VMMCALL |
			     INTERCEPT2_VMLOAD | INTERCEPT2_VMSAVE |
			     INTERCEPT2_STGI | INTERCEPT2_CLGI |
			     INTERCEPT2_SKINIT;
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	c->guest_asid = GUEST_ASID;
	c->tlb_control = TLB_CONTROL_FLUSH_ALL;
	c->vintr = VINTR_MASKING;

	/* The guest as the loader left it: protected mode, flat segments,
	 * paging off (which the shadow MMU maps for it), at its CPL 0. */
	struct vmcb_save *s = &vmcb->save;
	uint16_t cs = v->tf.tf_cs & ~3, ds = v->tf.tf_ds & ~3;
	v->tf.tf_cs = cs;
	v->tf.tf_ss = v->tf.tf_ss & ~3;
	seg_flat(&s->cs, cs, 0xB);
	seg_flat(&s->ss, v->tf.tf_ss, 0x3);
	seg_flat(&s->ds, ds, 0x3);
	seg_flat(&s->es, ds, 0x3);
	seg_flat(&s->fs, ds, 0x3);
	seg_flat(&s->gs, ds, 0x3);
	s->gdtr.limit = 0;
	s->idtr.limit = 0x3FF;
	s->ldtr.attrib = SEG_ATTR_TYPE(2) | SEG_ATTR_P;
	s->tr.attrib = SEG_ATTR_TYPE(0xB) | SEG_ATTR_P;
	s->tr.limit = 0xFFFF;
	s->cpl = 0;
	s->efer = EFER_SVME;
	s->dr6 = 0xFFFF0FF0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ull;
	if (npt)
		npt_init(v);
	if (VT_DEBUG_CHECK)
		cprintf("vmm: vt: a debug build: vmcb_check before every "
			"vmrun\n");
}

/* Give the guest the event in eventinj: an interrupt, or an exception
 * (which, raised while another was being delivered, may become a double
 * fault, as on the CPU). */
static void
vt_deliver(struct vcpu *v, const struct event *e)
{
	// LAB 4: Exercise 4.  On the next vmrun the guest receives e as a CPU
	// would deliver it, through its own IDT (eventinj, eventinj_err): an
	// interrupt, an int n whose handler returns past the int, or an
	// exception with its error code.  An exception that arrives while
	// reinject holds an exception cut short may make a #DF (SDM vol. 3A
	// table 6-5) or, after a #DF, a triple fault.  e replaces reinject.
	// BEGIN LAB 4 SOLUTION
	struct vmcb_control *c = &vmcb->control;
	uint32_t ev = e->vector | EVENT_VALID;
	switch (e->kind) {
	case DELIVER_HWINT:
		count(CNT_VIRQ_INJECTED);
		ev |= EVENT_TYPE_INTR;
		break;
	case DELIVER_SOFTINT:
		/* The CPU pushes the VMCB's rip: past the int. */
		v->tf.tf_eip += e->insn_len;
		ev |= EVENT_TYPE_SOFTINT;
		break;
	case DELIVER_EXCEPTION:
		count(CNT_REFLECTED);
		ev |= EVENT_TYPE_EXCEPTION;
		if (e->has_err)
			ev |= EVENT_ERR_VALID;
		/* An exception while delivering an earlier one. */
		if ((reinject & EVENT_VALID) &&
		    (reinject & EVENT_TYPE_MASK) == EVENT_TYPE_EXCEPTION) {
			int first = EVENT_VECTOR(reinject);
			if (first == T_DBLFLT)
				vcpu_fail(v, "guest triple fault (a fault "
					     "while delivering a double "
					     "fault) at eip %08x",
					  v->tf.tf_eip);
			bool contributory1 = first == T_DIVIDE ||
					     (first >= T_TSS && first <= T_GPFLT);
			bool contributory2 =
			    e->vector == T_DIVIDE ||
			    (e->vector >= T_TSS && e->vector <= T_GPFLT);
			if ((first == T_PGFLT &&
			     (e->vector == T_PGFLT || contributory2)) ||
			    (contributory1 && contributory2)) {
				ev = T_DBLFLT | EVENT_VALID |
				     EVENT_TYPE_EXCEPTION | EVENT_ERR_VALID;
				c->eventinj_err = 0;
				c->eventinj = ev;
				reinject = 0;
				return;
			}
		}
		break;
	}
	/* The new event replaces one cut short: on the CPU too, a fault
	 * while delivering an interrupt is delivered instead of it. */
	reinject = 0;
	c->eventinj_err = e->err;
	c->eventinj = ev;
	// STUB: vcpu_fail(v, "lab 4: exercise 4 (event injection) not "
	// STUB: 	     "implemented");
	// END LAB 4 SOLUTION
}

/* Can the guest take an external interrupt now?  The core asks before
 * every vmrun, the first included (vmm_run's deliver_interrupts). */
static bool
vt_irq_window(struct vcpu *v)
{
	// LAB 4: Exercise 1.  True exactly when a CPU would take an external
	// interrupt in the guest's place: its IF set, no sti or mov %ss
	// shadow, and no event already on its way in (in eventinj, or cut
	// short and waiting in reinject).
	// BEGIN LAB 4 SOLUTION
	return (vcpu_eflags(v) & FL_IF) && !(vmcb->control.interrupt_shadow & 1) &&
	       !(vmcb->control.eventinj & EVENT_VALID) && !(reinject & EVENT_VALID);
	// STUB: vcpu_fail(v, "lab 4: exercise 1 (the interrupt window) not "
	// STUB: 	     "implemented");
	// END LAB 4 SOLUTION
}

static const struct event_ops vt_events = {
	.irq_window = vt_irq_window,
	.deliver = vt_deliver,
};

/* The shadow MMU's root is the VMCB's %cr3.  QEMU does not tag its TLB
 * by ASID, so a missing flush would pass here: flush as the manual
 * requires (the guest's mov to %cr3 is intercepted, so the CPU does not). */
static void
vt_load_root(struct vcpu *v, uint32_t pa)
{
	vmcb->save.cr3 = pa;
	vmcb->control.tlb_control = TLB_CONTROL_FLUSH_ALL;
}

static void
vt_tlb_flush(struct vcpu *v)
{
	vmcb->control.tlb_control = TLB_CONTROL_FLUSH_ALL;
}

static void
vt_tlb_invlpg(struct vcpu *v, uint32_t va)
{
	asm volatile("invlpga" : : "a"(va), "c"(GUEST_ASID) : "memory");
}

static const struct shadow_hw vt_mmu_hw = {
	.load_root = vt_load_root,
	.tlb_flush = vt_tlb_flush,
	.tlb_invlpg = vt_tlb_invlpg,
	.own_space = true,
};

/* Before vmrun: the vcpu's registers and virtual state into the VMCB. */
static void
state_to_vmcb(struct vcpu *v)
{
	struct vmcb_save *s = &vmcb->save;
	struct vmcb_control *c = &vmcb->control;
	s->rip = v->tf.tf_eip;
	s->rsp = v->tf.tf_esp;
	s->rax = v->tf.tf_regs.reg_eax;
	s->rflags = vcpu_eflags(v);
	if (npt) {
		s->cr0 = v->vcr0;
		s->cr3 = v->vcr3;
		s->cr4 = v->vcr4;
	} else {
		s->cr0 = real_cr0(v);
		s->cr4 = real_cr4(v);
	}
	s->cr2 = v->vcr2;
	if (!(c->eventinj & EVENT_VALID) && (reinject & EVENT_VALID)) {
		count(CNT_VT_REINJECTED);
		c->eventinj = reinject;
		c->eventinj_err = reinject_err;
	}
	reinject = 0;
	/* A virtual interrupt the guest cannot take yet: have the CPU exit
	 * (VINTR) as soon as it can. */
	if (!(c->eventinj & EVENT_VALID) && vintr_pending() >= 0) {
		c->vintr |= VINTR_IRQ | VINTR_IGN_TPR;
		c->intercept_misc1 |= INTERCEPT1_VINTR;
	} else {
		c->vintr &= ~VINTR_IRQ;
		c->intercept_misc1 &= ~INTERCEPT1_VINTR;
	}
}

/*
 * Was the event an exit cut short the guest's own int n, int3 or into?
 * The exit leaves rip at that instruction (nothing has happened yet), and
 * the CPU pushes the VMCB's rip for an injected software event: so
 * injecting it again would return to the int and run it twice.  Running
 * the instruction again instead delivers it once.  A software event the
 * monitor injected itself (rip already past the int) is given again.
 */
static bool
guest_soft_event(uint32_t info)
{
	uint32_t type = info & EVENT_TYPE_MASK;
	int vec = EVENT_VECTOR(info);
	bool soft = type == EVENT_TYPE_SOFTINT ||
		    (type == EVENT_TYPE_EXCEPTION &&
		     (vec == T_BRKPT || vec == T_OFLOW));
	uint32_t key = EVENT_VALID | EVENT_TYPE_MASK | 0xFF;
	return soft && (!(injected & EVENT_VALID) ||
			(injected & key) != (info & key));
}

/* After #VMEXIT: the guest's registers back into the vcpu. */
static void
state_from_vmcb(struct vcpu *v)
{
	struct vmcb_save *s = &vmcb->save;
	struct vmcb_control *c = &vmcb->control;
	v->tf.tf_eip = s->rip;
	v->tf.tf_esp = s->rsp;
	v->tf.tf_regs.reg_eax = s->rax;
	v->tf.tf_eflags = s->rflags;
	v->vflags = s->rflags & (FL_IF | FL_IOPL_MASK);
	v->vcpl = s->cpl;
	v->vcr2 = s->cr2;
	if (npt) {
		v->vcr0 = s->cr0;
		v->vcr3 = s->cr3;
		v->vcr4 = s->cr4;
	}
	v->tf.tf_cs = s->cs.selector;
	v->tf.tf_ss = s->ss.selector;
	v->tf.tf_ds = s->ds.selector;
	v->tf.tf_es = s->es.selector;
	v->tf.tf_fs = s->fs.selector;
	v->tf.tf_gs = s->gs.selector;
	v->vgdtr.pd_base = s->gdtr.base;
	v->vgdtr.pd_lim = s->gdtr.limit;
	v->vidtr.pd_base = s->idtr.base;
	v->vidtr.pd_lim = s->idtr.limit;
	c->tlb_control = TLB_CONTROL_DO_NOTHING;
	/* The event the exit cut short, if any: given again next time,
	 * unless the exit's handler gives another. */
	c->eventinj = 0;
	if ((c->exitintinfo & EVENT_VALID) && !guest_soft_event(c->exitintinfo)) {
		reinject = c->exitintinfo;
		reinject_err = c->exitintinfo_err;
	}
}

/* vmrun refused the VMCB: say which of its checks the state fails. */
static void __attribute__((noreturn))
vmrun_failed(struct vcpu *v)
{
	char why[160];
	count(CNT_VT_VMRUN_FAILURES);
	/* The failed vmrun wrote back the state it had half loaded, not the
	 * state it refused: write that again before checking it. */
	vmcb->control.eventinj = injected;
	vmcb->control.eventinj_err = injected_err;
	reinject = 0;
	state_to_vmcb(v);
	vmcb_break_apply(vmcb);
	const char *rule = vmcb_check(vmcb, why, sizeof(why));
	if (rule)
		vcpu_fail(v, "vmrun refused the VMCB: check %s failed: %s",
			  rule, why);
	vcpu_fail(v, "vmrun refused the VMCB (exit code -1), but every "
		     "check of vmcb_check passes");
}

/* cpuid, run for the guest on the real CPU.  (Marked unused: in the lab 4
 * handout its caller is exercise 2.) */
static __attribute__((unused)) void
emulate_cpuid(struct vcpu *v)
{
	struct pushregs *r = &v->tf.tf_regs;
	asm volatile("cpuid"
		     : "=a"(r->reg_eax), "=b"(r->reg_ebx), "=c"(r->reg_ecx),
		       "=d"(r->reg_edx)
		     : "a"(r->reg_eax), "c"(r->reg_ecx));
	/* 0f a2, after whatever prefixes the guest put in front. */
	struct x86_insn in;
	int n = vcpu_decode_at_eip(v, &in);
	v->tf.tf_eip += n > 0 ? n : 2;
}

/*
 * An IOIO exit (APM vol. 2 §15.10.2): EXITINFO1 says which port, how
 * wide, which way, and whether it is a string (ins/outs) and rep form;
 * EXITINFO2 is the rip of the next instruction, which QEMU gives here
 * though it leaves nRIP empty.  The core runs the access on the virtual
 * devices and moves eip by x->io.len.  (Marked unused: in the lab 4
 * handout its caller is exercise 2.)
 */
static __attribute__((unused)) void
io_exit(struct vcpu *v, uint32_t info, uint32_t next_rip, struct vmexit *x)
{
	// LAB 4: Exercise 3.  x is the EXIT_IO that info describes (port,
	// size, in, string, rep), with the length that resumes the guest at
	// next_rip.
	// BEGIN LAB 4 SOLUTION
	x->kind = EXIT_IO;
	x->io.port = IOIO_PORT(info);
	x->io.size = info & IOIO_SZ32 ? 4 : info & IOIO_SZ16 ? 2 : 1;
	x->io.in = info & IOIO_TYPE_IN;
	x->io.string = info & IOIO_STR;
	x->io.rep = info & IOIO_REP;
	x->io.len = next_rip - v->tf.tf_eip;
	// STUB: vcpu_fail(v, "lab 4: exercise 3 (I/O exits) not implemented");
	// END LAB 4 SOLUTION
}

/*
 * Turn the exit the CPU reported into x for the core's dispatch
 * (vmm/exit.c): true to hand it over, false when it was handled here and
 * the guest runs again.  What the exit says is in the VMCB's control
 * area: exitcode, exitinfo1, exitinfo2 (APM vol. 2 §15.6, appendix C).
 */
static bool
vt_exit(struct vcpu *v, uint64_t code, struct vmexit *x)
{
	// LAB 4: Exercise 2.  The exit dispatcher: CR accesses, invlpg and
	// MSRs go to the core's decoder (EXIT_PRIV); #PF carries its error
	// code and address; INTR, VINTR, HLT, SHUTDOWN and NPF have kinds of
	// their own; cpuid runs here; SVM instructions are #UD to the guest.
	// BEGIN LAB 4 SOLUTION
	struct vmcb_control *c = &vmcb->control;
	if (code <= VMEXIT_CR_WRITE(15)) { /* from VMEXIT_CR_READ(0) */
		x->kind = EXIT_PRIV; /* decoded: mov, clts, lmsw, smsw */
		x->priv.err = 0;
		return true;
	}
	switch (code) {
	case VMEXIT_EXCEPTION(T_PGFLT):
		x->kind = EXIT_EXCEPTION;
		x->exc.vector = T_PGFLT;
		x->exc.has_err = true;
		x->exc.err = c->exitinfo1;
		x->exc.cr2 = c->exitinfo2;
		return true;
	case VMEXIT_INTR:
		x->kind = EXIT_INTR;
		return true;
	case VMEXIT_VINTR:
		x->kind = EXIT_IRQ_WINDOW;
		return true;
	case VMEXIT_HLT:
		x->kind = EXIT_HLT;
		x->hlt.len = 0; /* decoded: it may have prefixes */
		return true;
	case VMEXIT_INVLPG:
	case VMEXIT_MSR:
		x->kind = EXIT_PRIV; /* decoded */
		x->priv.err = 0;
		return true;
	case VMEXIT_IOIO:
		io_exit(v, c->exitinfo1, c->exitinfo2, x);
		return true;
	case VMEXIT_SHUTDOWN:
		x->kind = EXIT_SHUTDOWN;
		return true;
	case VMEXIT_NPF:
		x->kind = EXIT_NPF;
		x->npf.gpa = c->exitinfo2;
		x->npf.err = c->exitinfo1;
		return true;
	case VMEXIT_CPUID:
		emulate_cpuid(v);
		return false;
	case VMEXIT_NMI:
	case VMEXIT_SMI:
	case VMEXIT_INIT:
		return false;
	case VMEXIT_VMRUN:
	case VMEXIT_VMMCALL:
	case VMEXIT_VMLOAD:
	case VMEXIT_VMSAVE:
	case VMEXIT_STGI:
	case VMEXIT_CLGI:
	case VMEXIT_SKINIT:
	case VMEXIT_INVLPGA:
		/* The guest's EFER.SVME is 0 (it reads 0): #UD, as a CPU
		 * gives with SVM off. */
		vmm_raise(v, T_ILLOP, false, 0);
		return false;
	case VMEXIT_TASK_SWITCH:
		vcpu_fail(v, "guest hardware task switch at eip %08x: not "
			     "supported",
			  v->tf.tf_eip);
	}
	vcpu_fail(v, "unexpected SVM exit code %llx at eip %08x",
		  (unsigned long long)code, v->tf.tf_eip);
	// STUB: vcpu_fail(v, "lab 4: exercise 2 (the exit dispatcher) not "
	// STUB: 	     "implemented: exit code %llx",
	// STUB: 	  (unsigned long long)code);
	// END LAB 4 SOLUTION
}

static bool vt_debug_check = VT_DEBUG_CHECK;

/* Run v until an exit the core must handle. */
static void
vt_run(struct vcpu *v, struct vmexit *x)
{
	static uint64_t exit_tsc;
	static struct exit_stat *last;
	uint32_t host_cr3 = 0;

	for (;;) {
		state_to_vmcb(v);
		vmcb_break_apply(vmcb);
		if (vt_debug_check) {
			char why[160];
			const char *rule = vmcb_check(vmcb, why, sizeof(why));
			if (rule)
				vcpu_fail(v, "the VMCB fails check %s before "
					     "vmrun: %s",
					  rule, why);
		}
		if (last)
			last->cycles += rdtsc() - exit_tsc;
		count(CNT_VT_VMRUNS);
		injected = vmcb->control.eventinj;
		injected_err = vmcb->control.eventinj_err;
		if (npt) {
			/* PAE paging for the nested walk (npt_host_init):
			 * vmrun saves this %cr3 and %cr4, #VMEXIT puts them
			 * back. */
			host_cr3 = rcr3();
			lcr3(npt_host_root);
			lcr4(rcr4() | CR4_PAE);
		}
		vt_vmrun(vmcb_pa, &v->tf.tf_regs, host_save_pa);
		if (npt) {
			lcr4(rcr4() & ~CR4_PAE);
			lcr3(host_cr3);
		}
		exit_tsc = rdtsc();
		uint64_t code = vmcb->control.exitcode;
		if (VMEXIT_IS_INVALID(code))
			vmrun_failed(v);
		vmcb_break_ran();
		state_from_vmcb(v);
		last = exit_stat(code);
		last->count++;

		if (vt_exit(v, code, x))
			return;
	}
}

/* At power-off: the exits by exit code, with their cycles. */
static void
vt_report(void)
{
	if (!vmcb)
		return;
	for (size_t i = 0; i < NEXIT_STATS; i++) {
		struct exit_stat *e = &exit_stats[i];
		if (!e->count && i == NEXIT_STATS - 1)
			continue;
		cprintf("vmm: counter vt.exit.%s %llu\n", e->name, e->count);
		cprintf("vmm: counter vt.cycles.%s %llu\n", e->name,
			e->count ? e->cycles / e->count : 0);
	}
}

static const struct vmm_poweroff_hook vt_hook = { "vt", vt_report };
VMM_POWEROFF_HOOK(vt_hook);

ENGINE(vt, .help = "vt (lab 4: AMD SVM, vmrun, the guest at its own CPL 0)",
       .lab = 4, .init = vt_init, .run = vt_run, .events = &vt_events,
       .mmu_hw = &vt_mmu_hw);
