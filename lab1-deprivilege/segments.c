/*
 * De-privileging the guest's segments (Adams & Agesen §3.1).
 *
 * The real CPU uses the monitor's descriptor tables, never the guest's:
 *  - the shadow GDT holds a translated copy of each guest descriptor at
 *    the same index, so guest selectors work unchanged; the monitor's own
 *    descriptors sit at the top, where the guest's table cannot reach;
 *  - a descriptor of privilege 0 becomes privilege 1, because the guest
 *    kernel runs at ring 1;
 *  - every segment is truncated below the monitor hole, so a guest access
 *    there faults (only where the CPU enforces data-segment limits: KVM
 *    does, QEMU's TCG does not);
 *  - the accessed bit is preset, so the CPU never writes the table;
 *  - system descriptors (TSS, LDT, gates) are not copied: ltr and lldt
 *    trap and are emulated, and the monitor's IDT receives everything.
 */
#include <inc/assert.h>
#include <inc/error.h>
#include <inc/gmem.h>
#include <inc/string.h>
#include <inc/x86.h>
#include <kern/pmap.h>
#include <inc/deprivilege.h>
#include <inc/vcpu.h>
#include <inc/vmm.h>

static struct segdesc shadow_gdt[SHADOW_GDT_ENTRIES]
	__attribute__((aligned(PGSIZE)));
static struct pseudodesc shadow_gdt_pd = { sizeof(shadow_gdt) - 1, 0 };

#define SHADOW_LDT_ENTRIES 256
static struct segdesc shadow_ldt[SHADOW_LDT_ENTRIES];

static struct gatedesc vmm_idt[256];
static struct pseudodesc vmm_idt_pd = { sizeof(vmm_idt) - 1, 0 };

struct taskstate vmm_tss;
extern uint32_t trap_vectors[];

/* Where the guest's TSS is (from its GDT at ltr time). */
static gva_t guest_tss_base;

bool segments_user_full_limit;

/*
 * Translate one guest code or data descriptor for the shadow table:
 * DPL 0 -> 1, accessed bit set, limit cut below the hole.
 */
static struct segdesc
shadow_descriptor(struct segdesc d)
{
	if (!d.sd_p)
		return d;
	if (!d.sd_s)
		return SEG_NULL; /* system descriptors: emulated, not copied */
	if (d.sd_dpl == 0)
		d.sd_dpl = GUEST_KERNEL_RING;
	d.sd_type |= STA_A;

	uint32_t base = segdesc_base(&d);
	uint32_t limit = segdesc_limit(&d);
	bool expand_down = !(d.sd_type & STA_X) && (d.sd_type & STA_E);
	if (d.sd_dpl == 3 && segments_user_full_limit)
		return d; /* ring 3 meets the hole's supervisor pages */
	if (base >= MONHOLE) {
		d.sd_p = 0; /* wholly inside the hole: unusable */
	} else if (!expand_down && limit > MONHOLE - 1 - base) {
		uint32_t max = MONHOLE - 1 - base;
		/* Page-granular: the hole starts on a page boundary. */
		d.sd_g = 1;
		max = (max + 1) / PGSIZE - 1;
		d.sd_lim_15_0 = max & 0xFFFF;
		d.sd_lim_19_16 = (max >> 16) & 0xF;
	}
	return d;
}

/* Read guest descriptor sel from the guest's GDT or LDT. */
bool
guest_descriptor(struct vcpu *v, uint16_t sel, struct segdesc *d)
{
	uint32_t index = SEL_INDEX(sel);
	if (sel & SEL_TI) {
		struct segdesc ldt;
		if (!v->vldtr || !guest_descriptor(v, v->vldtr, &ldt))
			return false;
		if (index * 8 + 7 > segdesc_limit(&ldt))
			return false;
		return gva_read(v, segdesc_base(&ldt) + index * 8, d, 8,
				NULL) == 0;
	}
	if (index == 0 || index * 8 + 7 > v->vgdtr.pd_lim)
		return false;
	return gva_read(v, v->vgdtr.pd_base + index * 8, d, 8, NULL) == 0;
}

/*
 * Rebuild the shadow GDT from the guest's (after lgdt, and before an
 * emulated segment load, so changes the guest made in memory count).
 */
void
shadow_gdt_sync(struct vcpu *v)
{
	uint32_t n = (v->vgdtr.pd_lim + 1) / 8;
	if (n > GUEST_GDT_MAX_ENTRIES)
		vcpu_fail(v, "guest GDT has %u entries; the monitor's "
			     "descriptors start at entry %u",
			  n, GUEST_GDT_MAX_ENTRIES);
	for (uint32_t i = 1; i < GUEST_GDT_MAX_ENTRIES; i++) {
		struct segdesc d = SEG_NULL;
		if (i < n && gva_read(v, v->vgdtr.pd_base + i * 8, &d, 8,
				      NULL) < 0)
			vcpu_fail(v, "guest GDT at %08x is not mapped",
				  v->vgdtr.pd_base);
		shadow_gdt[i] = shadow_descriptor(d);
	}
}

bool segments_limits_enforced;

/*
 * Read one byte past the limit of a one-page data segment: KVM and the
 * CPU raise #GP (which the monitor's trap() resumes at vmm_gp_fixup),
 * QEMU's TCG reads the byte.  Only the truncated limits keep a ring-1
 * guest out of the hole where they are checked (docs/DESIGN.md §2).
 */
static bool
data_limits_checked(void)
{
	const int probe = 3; /* a guest slot, unused before the guest runs */
	uint32_t faulted = 1;
	shadow_gdt[probe] = SEG(STA_W | STA_A, (uint32_t)shadow_gdt, 0, 0);
	asm volatile("movl $1f, vmm_gp_fixup\n"
		     "movw %w1, %%fs\n"
		     "movl %%fs:0x1000, %%eax\n"
		     "movl $0, %0\n"
		     "1:\n"
		     "movw %w2, %%fs\n"
		     : "+r"(faulted)
		     : "r"(probe << 3), "r"(KSEL_DATA)
		     : "eax", "memory");
	vmm_gp_fixup = 0;
	shadow_gdt[probe] = (struct segdesc){ 0 };
	return faulted;
}

void
segments_init(void)
{
	/* The monitor's own segments: ring 0 code and data, its TSS. */
	shadow_gdt[KSEL_CODE >> 3] = SEG(STA_X | STA_R | STA_A, 0, 0xFFFFFFFF, 0);
	shadow_gdt[KSEL_DATA >> 3] = SEG(STA_W | STA_A, 0, 0xFFFFFFFF, 0);
	shadow_gdt[KSEL_TSS >> 3] = SEG16(STS_T32A, (uint32_t)&vmm_tss,
					  sizeof(vmm_tss) - 1, 0);
	/* Flat boot segments for the guest's first instructions. */
	shadow_gdt[1] = SEG(STA_X | STA_R | STA_A, 0, MONHOLE - 1, GUEST_KERNEL_RING);
	shadow_gdt[2] = SEG(STA_W | STA_A, 0, MONHOLE - 1, GUEST_KERNEL_RING);

	shadow_gdt_pd.pd_base = (uint32_t)shadow_gdt;
	lgdt(&shadow_gdt_pd);
	asm volatile("movw %w0, %%ds\n"
		     "movw %w0, %%es\n"
		     "movw %w0, %%ss\n"
		     "movw %w0, %%fs\n"
		     "movw %w0, %%gs\n"
		     "ljmp %1, $1f\n"
		     "1:\n"
		     :
		     : "r"(KSEL_DATA), "i"(KSEL_CODE));
	lldt(0);

	vmm_tss.ts_ss0 = KSEL_DATA;
	vmm_tss.ts_esp0 = (uint32_t)vmm_entry_stack + VMM_ENTRY_STACK_SIZE;
	vmm_tss.ts_iomb = sizeof(vmm_tss); /* no I/O bitmap: all ports trap */
	ltr(KSEL_TSS);

	/*
	 * Every gate has DPL 0, so a guest "int n" (int3, into) at ring 1
	 * or 3 never enters through it: it faults with #GP naming the
	 * vector, at the instruction itself, which the monitor decodes and
	 * hands to the guest's own IDT.  Exceptions and the real device
	 * interrupts (KIRQ_BASE and up) ignore gate privilege.
	 */
	for (int vec = 0; vec < 256; vec++)
		gate_set(&vmm_idt[vec], STS_IG32, KSEL_CODE, trap_vectors[vec],
			 0);
	vmm_idt_pd.pd_base = (uint32_t)vmm_idt;
	lidt(&vmm_idt_pd);
	segments_limits_enforced = data_limits_checked();
}

/*
 * ltr: record the guest's task register and mark its TSS busy in the
 * guest's GDT, as the CPU would; the real TR stays the monitor's.
 */
int
emulate_ltr(struct vcpu *v, uint16_t sel)
{
	struct segdesc d;
	if ((sel & SEL_TI) || !guest_descriptor(v, sel, &d))
		return -E_INVAL;
	if (d.sd_s || d.sd_type != STS_T32A || !d.sd_p)
		return -E_INVAL;
	d.sd_type = STS_T32B;
	if (gva_write(v, v->vgdtr.pd_base + SEL_INDEX(sel) * 8, &d, 8, NULL) < 0)
		return -E_INVAL;
	v->vtr = sel;
	guest_tss_base = segdesc_base(&d);
	return 0;
}

/* The guest TSS's ring-0 stack, for an interrupt from guest user mode. */
bool
guest_tss_stack(struct vcpu *v, uint16_t *ss0, uint32_t *esp0)
{
	struct taskstate ts;
	if (!v->vtr || gva_read(v, guest_tss_base, &ts, 12, NULL) < 0)
		return false;
	*esp0 = ts.ts_esp0;
	*ss0 = ts.ts_ss0;
	return true;
}

/*
 * lldt: shadow the guest's LDT like its GDT and load the shadow in the
 * monitor's LDT slot.
 */
int
emulate_lldt(struct vcpu *v, uint16_t sel)
{
	if ((sel & ~3) == 0) {
		v->vldtr = 0;
		lldt(0);
		return 0;
	}
	struct segdesc d;
	if ((sel & SEL_TI) || !guest_descriptor(v, sel, &d) || d.sd_s ||
	    d.sd_type != STS_LDT || !d.sd_p)
		return -E_INVAL;
	uint32_t n = (segdesc_limit(&d) + 1) / 8;
	if (n > SHADOW_LDT_ENTRIES)
		vcpu_fail(v, "guest LDT has %u entries (the monitor shadows "
			     "at most %u)", n, SHADOW_LDT_ENTRIES);
	memset(shadow_ldt, 0, sizeof(shadow_ldt));
	for (uint32_t i = 0; i < n; i++) {
		struct segdesc g;
		if (gva_read(v, segdesc_base(&d) + i * 8, &g, 8, NULL) < 0)
			return -E_INVAL;
		shadow_ldt[i] = shadow_descriptor(g);
	}
	shadow_gdt[KSEL_LDT >> 3] = SEG16(STS_LDT, (uint32_t)shadow_ldt,
					  n * 8 - 1, 0);
	v->vldtr = sel;
	lldt(KSEL_LDT);
	return 0;
}

/*
 * A load of %ss with an RPL-0 selector faults at ring 1 (SS's RPL must
 * equal CPL): load it with RPL 1 instead, after the checks the CPU makes.
 */
int
emulate_load_ss(struct vcpu *v, uint16_t sel)
{
	struct segdesc d;
	shadow_gdt_sync(v);
	if (!guest_descriptor(v, sel, &d) || !d.sd_s || !d.sd_p ||
	    (d.sd_type & STA_X) || !(d.sd_type & STA_W) ||
	    d.sd_dpl != (unsigned)v->vcpl || SEL_RPL(sel) != v->vcpl)
		return -E_INVAL;
	v->tf.tf_ss = (sel & ~3) | GUEST_KERNEL_RING;
	return 0;
}

/* The base of the shadow descriptor sel names (the guest's own base). */
uint32_t
shadow_segment_base(uint16_t sel)
{
	const struct segdesc *table = (sel & SEL_TI) ? shadow_ldt : shadow_gdt;
	uint32_t n = (sel & SEL_TI) ? SHADOW_LDT_ENTRIES : SHADOW_GDT_ENTRIES;
	return SEL_INDEX(sel) < n ? segdesc_base(&table[SEL_INDEX(sel)]) : 0;
}

void
segments_set_engine(uint16_t sel, struct segdesc d)
{
	assert(sel == KSEL_ENGINE0 || sel == KSEL_ENGINE1);
	shadow_gdt[sel >> 3] = d;
}

void
segments_open_gate(int vec, int dpl)
{
	assert(vec >= 0 && vec < 256 && dpl >= 0 && dpl <= 3);
	vmm_idt[vec].gd_dpl = dpl;
}

void
segments_engine_gate(int vec, uint16_t sel, uint32_t off)
{
	assert(vec >= 32 && vec < KIRQ_BASE); /* past the exceptions */
	if (sel)
		gate_set(&vmm_idt[vec], STS_TG32, sel, off, 3);
	else
		gate_set(&vmm_idt[vec], STS_IG32, KSEL_CODE, trap_vectors[vec],
			 0);
}

void
segments_set_ring1_stack(uint16_t ss, uint32_t esp)
{
	vmm_tss.ts_ss1 = ss;
	vmm_tss.ts_esp1 = esp;
}

gva_t
guest_tss_linear(void)
{
	return guest_tss_base;
}
