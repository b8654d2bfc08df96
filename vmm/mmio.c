/*
 * Device registers in memory (docs/DESIGN.md §7): a guest-physical range
 * that is no RAM but a device's registers -- the local APIC's page at
 * 0xFEE00000.  No shadow entry or nested entry ever maps such a range,
 * so every access faults into the monitor: a #PF for a guest-virtual
 * address that maps it (under te, bt and vt's shadow paging, the guest's
 * usual identity mapping of 0xFEE00000 inside the monitor hole
 * included, where the monitor keeps nothing), or a nested page fault
 * under npt=on.  The core then runs the instruction with the write
 * emulator, whose memory callbacks send the device's part of the access
 * to the device and the rest to guest memory, and steps past it.
 */
#include <inc/counters.h>
#include <inc/gmem.h>
#include <inc/mmio.h>
#include <inc/string.h>
#include <inc/trace.h>
#include <inc/vdev.h>
#include <inc/mmu.h>
#include <inc/stdio.h>
#include <inc/vmm.h>
#include <inc/wemu.h>
#include <inc/x86.h>
#include <kern/trap.h>
#include <vmm/vmm.h>

/* The device whose registers hold gpa, or NULL. */
const struct mmio_device *
mmio_find(gpa_t gpa)
{
	REGISTRY_FOREACH(vmm_mmio, struct mmio_device, d)
	{
		gpa_t base = (*d)->base();
		if (base != MMIO_NONE && gpa - base < (*d)->size)
			return *d;
	}
	return NULL;
}

/* Where va leads for the guest now (paging off: gpa = va), or false. */
static bool
translate(struct vcpu *v, gva_t va, bool write, int cpl, gpa_t *gpa,
	  uint32_t *pf_err)
{
	if (!(v->vcr0 & CR0_PG)) {
		*gpa = va;
		return true;
	}
	struct gwalk w = gva_walk(v, va, write, cpl);
	*gpa = w.gpa;
	*pf_err = w.pf_err;
	return w.ok;
}

struct mmio_access {
	struct vcpu *v;
	gva_t fault_va;
	uint32_t fault_err;
	bool faulted;
};

/*
 * One access of the emulated instruction: to a device (an access that
 * starts in its range; its registers are 32 bits wide and aligned, and
 * any other access reads 0 and writes nothing), or to guest memory.
 */
static int
access(void *ctx, gva_t va, void *buf, size_t len, bool write)
{
	struct mmio_access *m = ctx;
	struct vcpu *v = m->v;
	int cpl = v->vcpl == 3 ? 3 : 0;
	gpa_t gpa;
	uint32_t err = 0;

	if (!translate(v, va, write, cpl, &gpa, &err)) {
		m->faulted = true;
		m->fault_va = va;
		m->fault_err = err;
		return -1;
	}
	const struct mmio_device *d = mmio_find(gpa);
	if (d == NULL) {
		struct gwalk w;
		if (gva_access(v, va, buf, len, write, cpl, &w) == 0)
			return 0;
		/* Which page failed: the first, or the one the access runs
		 * into. */
		m->faulted = true;
		m->fault_va = va;
		if (PGOFF(va) + len > PGSIZE && gva_walk(v, va, write, cpl).ok)
			m->fault_va = ROUNDDOWN(va, PGSIZE) + PGSIZE;
		m->fault_err = w.pf_err;
		return -1;
	}
	uint32_t off = gpa - d->base();
	if (len != 4 || (off & 3)) {
		/* Not a register access: reads 0, writes go nowhere. */
		if (!write)
			memset(buf, 0, len);
		return 0;
	}
	if (write) {
		uint32_t val;
		memcpy(&val, buf, 4);
		d->write(off, val);
	} else {
		uint32_t val = d->read(off);
		memcpy(buf, &val, 4);
	}
	return 0;
}

static int
mmio_read(void *ctx, gva_t va, void *buf, size_t len)
{
	return access(ctx, va, buf, len, false);
}

static int
mmio_write(void *ctx, gva_t va, const void *buf, size_t len)
{
	return access(ctx, va, (void *)buf, len, true);
}

int
vcpu_perform(struct vcpu *v)
{
	struct x86_insn in;
	int len = vcpu_decode_at_eip(v, &in);
	if (len <= 0)
		return VCPU_NO_CODE;
	uint32_t gpr[X86_NGPR], flags = v->tf.tf_eflags;
	for (int r = 0; r < X86_NGPR; r++)
		gpr[r] = *vcpu_gpr(v, r);
	struct mmio_access m = { v, 0, 0, false };
	struct wemu_mem mem = { &m, mmio_read, mmio_write };
	struct wemu_write w = { 0 };
	int r = wemu_execute(&in, gpr, &flags, &mem, &w);
	if (r == WEMU_UNSUPPORTED)
		return r;
	/* A rep that faulted part way keeps what its iterations did, and
	 * stays at eip, as on the CPU. */
	if (r == WEMU_OK || w.len) {
		for (int i = 0; i < X86_NGPR; i++)
			*vcpu_gpr(v, i) = gpr[i];
		v->tf.tf_eflags = flags;
		if (w.len)
			trace_written(v, w.va, w.len); /* RAM only */
	}
	if (r == WEMU_OK) {
		v->tf.tf_eip += len;
	} else {
		v->vcr2 = m.fault_va;
		vmm_raise(v, T_PGFLT, true, m.fault_err);
	}
	return r;
}

/*
 * Run the guest instruction at eip, which touches a device's registers,
 * and step past it.  A page fault it meets on the way is the guest's.
 */
static void
mmio_emulate(struct vcpu *v, gpa_t gpa)
{
	count(CNT_MMIO);
	int r = vcpu_perform(v);
	if (r == WEMU_UNSUPPORTED)
		vcpu_fail(v, "the guest touches device registers at physical "
			     "%08x (%s) by an instruction the monitor cannot "
			     "emulate, at eip %08x",
			  gpa, mmio_find(gpa)->name, v->tf.tf_eip);
	if (r != VCPU_NO_CODE)
		return;
	gpa_t code;
	uint32_t err;
	if (translate(v, v->tf.tf_eip, false, v->vcpl == 3 ? 3 : 0, &code,
		      &err) &&
	    mmio_find(code) != NULL)
		vcpu_fail(v, "the guest executes the registers of its %s (eip "
			     "%08x)",
			  mmio_find(code)->name, v->tf.tf_eip);
	/* Otherwise the code is gone: the guest's retry meets the fault. */
}

/* ---- The devices ---- */

/* The local APIC's page, where IA32_APIC_BASE puts it (inc/vdev.h). */
static gpa_t
lapic_base(void)
{
	gpa_t base = vlapic_mmio_base(&vlapic0);
	return base ? base : MMIO_NONE;
}

static uint32_t
lapic_read(uint32_t reg)
{
	return vlapic_read(&vlapic0, reg);
}

static void
lapic_write(uint32_t reg, uint32_t value)
{
	vlapic_write(&vlapic0, reg, value);
}

static const struct mmio_device lapic_mmio = {
	"local APIC", lapic_base, APIC_PAGE_SIZE, lapic_read, lapic_write,
};
MMIO_DEVICE(lapic_mmio);

bool
mmio_page_fault(struct vcpu *v, gva_t va, uint32_t hw_err)
{
	gpa_t gpa;
	uint32_t err;
	int cpl = (hw_err & FEC_U) ? 3 : 0;
	if (!translate(v, va, hw_err & FEC_W, cpl, &gpa, &err))
		return false;
	if (mmio_find(gpa) == NULL) {
		if ((v->vcr0 & CR0_PG) && gpa >= v->mem_size)
			vcpu_fail(v, "guest maps va %08x to physical %08x, "
				     "outside its %u MiB of memory",
				  va, gpa, v->mem_size >> 20);
		return false;
	}
	mmio_emulate(v, gpa);
	return true;
}

bool
mmio_nested_fault(struct vcpu *v, gpa_t gpa)
{
	if (mmio_find(gpa) == NULL)
		return false;
	mmio_emulate(v, gpa);
	return true;
}
