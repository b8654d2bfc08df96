/*
 * The virtual local APIC of a uniprocessor guest, in xAPIC mode: the
 * interrupt controller inside the CPU that, on every PC since the
 * Pentium, sits between the 8259A and the processor core.  A guest
 * reaches it through a 4 KiB page of memory-mapped registers (at the
 * address IA32_APIC_BASE holds, 0xFEE00000 by default); the monitor
 * decodes the guest's loads and stores to that page and calls
 * vlapic_read()/vlapic_write() with the register's offset.
 *
 * What it models: the APIC's own registers, its timer, self-IPIs
 * through the ICR, and the priority logic that chooses which pending
 * vector the CPU takes (IRR, ISR, TPR, PPR).  There is no I/O APIC and
 * no other processor, so an IPI to anyone else goes nowhere, nothing
 * ever sets TMR, and LINT0/LINT1 only matter as the path of the 8259A's
 * INTR (vlapic_accepts_pic).  Like the other devices it keeps no time
 * of its own: the monitor calls vlapic_advance() with the APIC bus
 * cycles that passed (docs/DESIGN.md §7).
 *
 * "SDM" below is the Intel SDM vol. 3A, chapter 10 ("Advanced
 * Programmable Interrupt Controller"); where a value is what QEMU 7.2
 * shows natively rather than what the manual fixes, the comment says so.
 */
#include <inc/assert.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/vdev.h>

/* Register offsets in the APIC page (SDM Table 10-1). */
#define APIC_ID 0x020
#define APIC_VERSION 0x030
#define APIC_TPR 0x080
#define APIC_APR 0x090
#define APIC_PPR 0x0A0
#define APIC_EOI 0x0B0
#define APIC_LDR 0x0D0
#define APIC_DFR 0x0E0
#define APIC_SVR 0x0F0
#define APIC_ISR 0x100 /* 8 registers, 0x100-0x170 */
#define APIC_TMR 0x180 /* 0x180-0x1F0 */
#define APIC_IRR 0x200 /* 0x200-0x270 */
#define APIC_ESR 0x280
#define APIC_ICR_LOW 0x300
#define APIC_ICR_HIGH 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PERF 0x340
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3E0

#define APIC_REG_STRIDE 0x10   /* one register per 16-byte line */
#define APIC_REG_SHIFT 4
#define APIC_VECTOR_REGS 8     /* ISR, TMR, IRR: 256 bits each */
#define APIC_VECTOR_SPAN (APIC_VECTOR_REGS * APIC_REG_STRIDE)
#define APIC_NVECTORS 256
#define BITS_PER_WORD 32

/*
 * Version register (SDM Figure 10-7): version 0x14 (an integrated
 * xAPIC) and "max LVT entry" 5 (six LVTs: timer, thermal, performance,
 * LINT0, LINT1, error).  QEMU 7.2 -cpu qemu32 reads 0x00050014 natively.
 */
#define APIC_VERSION_VALUE 0x00050014u

#define APIC_ID_SHIFT 24 /* ID, LDR and ICR high keep their value in 31:24 */
#define APIC_ID_MASK 0xFF000000u

/* Vectors 0-15 are the CPU's exceptions: the APIC refuses them. */
#define APIC_FIRST_VALID_VECTOR 16
#define VECTOR_MASK 0xFFu
#define PRIORITY_CLASS(v) ((uint32_t)(v) >> 4) /* vector bits 7:4 */
#define CLASS_MASK 0xF0u

/* DFR (SDM Figure 10-14): model in 31:28, the rest reserved as ones. */
#define DFR_MODEL_MASK 0xF0000000u
#define DFR_RESERVED_ONES 0x0FFFFFFFu
#define DFR_MODEL_FLAT 0xF0000000u
#define LDR_CLUSTER_MASK 0xF0u	/* cluster model: cluster in 7:4 */
#define LDR_MEMBER_MASK 0x0Fu	/* ... members in 3:0 */

/* Spurious-interrupt vector register (SDM Figure 10-23). */
#define SVR_VECTOR 0xFFu
#define SVR_APIC_ENABLE 0x100u /* software enable */
#define SVR_FOCUS_DISABLE 0x200u
#define SVR_WRITABLE (SVR_VECTOR | SVR_APIC_ENABLE | SVR_FOCUS_DISABLE)
#define SVR_RESET 0xFFu

/* Error status register bits (SDM Figure 10-9). */
#define ESR_SEND_ILLEGAL_VECTOR 0x20u
#define ESR_RECV_ILLEGAL_VECTOR 0x40u
#define ESR_ILLEGAL_REGISTER 0x80u

/* Interrupt command register (SDM Figure 10-12). */
#define ICR_VECTOR 0xFFu
#define ICR_MODE_SHIFT 8
#define ICR_MODE_MASK 0x7u
#define ICR_LOGICAL 0x800u	/* destination mode */
#define ICR_LEVEL_ASSERT 0x4000u
#define ICR_TRIGGER_LEVEL 0x8000u
#define ICR_SHORTHAND_SHIFT 18
#define ICR_SHORTHAND_MASK 0x3u
/* Bit 12 (delivery status) reads 0: our IPIs are delivered at once. */
#define ICR_LOW_WRITABLE 0x000CCFFFu
#define ICR_BROADCAST_ID 0xFFu	/* physical destination: everyone */

enum icr_shorthand {
	SHORTHAND_NONE = 0, /* the destination field says who */
	SHORTHAND_SELF = 1,
	SHORTHAND_ALL_INCLUDING_SELF = 2,
	SHORTHAND_ALL_EXCLUDING_SELF = 3,
};

/* Delivery modes, in ICR and the LVTs (SDM §10.5.1, §10.6.1). */
enum apic_delivery {
	DELIVERY_FIXED = 0,
	DELIVERY_LOWEST = 1,
	DELIVERY_SMI = 2,
	DELIVERY_NMI = 4,
	DELIVERY_INIT = 5,
	DELIVERY_STARTUP = 6,
	DELIVERY_EXTINT = 7,
};

/*
 * The local vector table (SDM Figure 10-8), in the order of its
 * registers.  Each entry's writable bits; delivery status (12) and
 * remote IRR (14) are read-only and always 0 here: an LVT interrupt
 * goes into IRR the moment it happens.  Timer bit 18 (TSC-deadline) is
 * reserved: -cpu qemu32 does not report the TSC-deadline timer.
 */
enum lvt_index {
	LVT_TIMER,
	LVT_THERMAL,
	LVT_PERF,
	LVT_LINT0,
	LVT_LINT1,
	LVT_ERROR,
	LVT_COUNT,
};
#define LVT_VECTOR 0xFFu
#define LVT_MODE_SHIFT 8
#define LVT_MODE_MASK 0x7u
#define LVT_MASKED 0x10000u
#define LVT_TIMER_PERIODIC 0x20000u
static const uint32_t lvt_writable[LVT_COUNT] = {
	[LVT_TIMER] = 0x300FFu,	  /* vector, mask, periodic */
	[LVT_THERMAL] = 0x107FFu, /* vector, delivery mode, mask */
	[LVT_PERF] = 0x107FFu,
	[LVT_LINT0] = 0x1A7FFu,	  /* ... and polarity, trigger mode */
	[LVT_LINT1] = 0x1A7FFu,
	[LVT_ERROR] = 0x100FFu,	  /* vector, mask */
};

/*
 * SeaBIOS's virtual-wire set-up, read natively under QEMU 7.2: LINT0
 * ExtINT and LINT1 NMI, both level-triggered and unmasked.
 */
#define BIOS_LINT0 0x8700u
#define BIOS_LINT1 0x8400u
#define BIOS_SVR (SVR_APIC_ENABLE | SVR_RESET)

/*
 * Divide configuration (SDM Figure 10-10): bits 0, 1 and 3 encode
 * divide by 2 (000) ... 128 (110), and 111 is divide by 1.
 */
#define DIVIDE_WRITABLE 0xBu
#define DIVIDE_HIGH_BIT 0x8u
#define DIVIDE_HIGH_SHIFT 1
#define DIVIDE_LOW_BITS 0x3u
#define DIVIDE_BY_1_CODE 7

#define APIC_BASE_RESERVED (~(APIC_BASE_ADDR_MASK | APIC_BASE_BSP |   \
			      APIC_BASE_ENABLE))
#define GPA_LIMIT 0x100000000ull /* a 32-bit guest's physical reach */

struct vlapic {
	uint64_t base_msr;	/* IA32_APIC_BASE as the guest sees it */
	uint32_t id;		/* ID register (ID in 31:24) */
	uint32_t tpr;		/* task priority, 7:0 */
	uint32_t ldr;		/* logical destination, 31:24 */
	uint32_t dfr;		/* destination format */
	uint32_t svr;		/* spurious vector and software enable */
	uint32_t isr[APIC_VECTOR_REGS]; /* in service, awaiting EOI */
	uint32_t tmr[APIC_VECTOR_REGS]; /* level-triggered: never set here */
	uint32_t irr[APIC_VECTOR_REGS]; /* requested, not yet taken */
	uint32_t esr;		/* errors as the guest last latched them */
	uint32_t esr_pending;	/* errors since (SDM §10.5.3) */
	uint32_t icr_low, icr_high;
	uint32_t lvt[LVT_COUNT];
	uint32_t timer_initial; /* 0: the timer is stopped */
	uint32_t timer_current;
	uint32_t timer_divide;	/* the divide configuration register */
	uint64_t timer_phase;	/* bus cycles toward the next count */
	uint64_t ipi_ignored;	/* IPIs that could reach no one here */
};

struct vlapic vlapic0;

/* ---- The 256-bit vector registers ---- */

static void
vec_set(uint32_t *reg, int v)
{
	reg[v / BITS_PER_WORD] |= 1u << (v % BITS_PER_WORD);
}

static void
vec_clear(uint32_t *reg, int v)
{
	reg[v / BITS_PER_WORD] &= ~(1u << (v % BITS_PER_WORD));
}

static bool
vec_test(const uint32_t *reg, int v)
{
	return reg[v / BITS_PER_WORD] & (1u << (v % BITS_PER_WORD));
}

/* The highest vector set in reg, or -1. */
static int
vec_highest(const uint32_t *reg)
{
	for (int w = APIC_VECTOR_REGS - 1; w >= 0; w--)
		if (reg[w] != 0)
			return w * BITS_PER_WORD + BITS_PER_WORD - 1 -
			       __builtin_clz(reg[w]);
	return -1;
}

/* ---- State and priority ---- */

static bool
sw_enabled(const struct vlapic *a)
{
	return a->svr & SVR_APIC_ENABLE;
}

static bool
hw_enabled(const struct vlapic *a)
{
	return a->base_msr & APIC_BASE_ENABLE;
}

/* The highest vector in service, 0 if none (SDM §10.8.3.1: ISRV). */
static uint32_t
isrv(const struct vlapic *a)
{
	int v = vec_highest(a->isr);
	return v < 0 ? 0 : (uint32_t)v;
}

/*
 * Processor priority (SDM §10.8.3.1): the TPR, unless a vector of a
 * higher class is in service, whose class it then is.
 */
static uint32_t
ppr(const struct vlapic *a)
{
	if (PRIORITY_CLASS(a->tpr) >= PRIORITY_CLASS(isrv(a)))
		return a->tpr;
	return isrv(a) & CLASS_MASK;
}

/*
 * Arbitration priority (SDM §10.8.3.1's APR): what the APIC would bid
 * with for a lowest-priority interrupt.  Only read by the guest here.
 */
static uint32_t
apr(const struct vlapic *a)
{
	int irr_top = vec_highest(a->irr);
	uint32_t irrv = irr_top < 0 ? 0 : (uint32_t)irr_top;
	uint32_t tpr_class = PRIORITY_CLASS(a->tpr);

	if (tpr_class >= PRIORITY_CLASS(irrv) &&
	    tpr_class > PRIORITY_CLASS(isrv(a)))
		return a->tpr;
	return MAX(a->tpr, MAX(isrv(a), irrv)) & CLASS_MASK;
}

/* An error (ESR_*): latch it, and interrupt if the error LVT lets it. */
static void lapic_accept(struct vlapic *a, uint32_t vector);

static void
lapic_error(struct vlapic *a, uint32_t error)
{
	bool fresh = !(a->esr_pending & error);

	a->esr_pending |= error;
	/* The error interrupt's own illegal vector must not recurse. */
	if (fresh && !(a->lvt[LVT_ERROR] & LVT_MASKED) &&
	    (a->lvt[LVT_ERROR] & LVT_VECTOR) >= APIC_FIRST_VALID_VECTOR)
		lapic_accept(a, a->lvt[LVT_ERROR] & LVT_VECTOR);
}

/*
 * A fixed interrupt for vector arrives (from an LVT or an IPI): into
 * IRR, where a second request for the same vector merges with the
 * first.  Vectors 0-15 are refused with an error (SDM §10.5.2); a
 * software-disabled APIC takes none (its LVTs are masked anyway, and
 * it accepts only NMI, SMI, INIT and SIPI messages: SDM §10.4.7.2).
 */
static void
lapic_accept(struct vlapic *a, uint32_t vector)
{
	if (!sw_enabled(a))
		return;
	if (vector < APIC_FIRST_VALID_VECTOR) {
		lapic_error(a, ESR_RECV_ILLEGAL_VECTOR);
		return;
	}
	vec_set(a->irr, (int)vector);
}

/* ---- Reset and the base MSR ---- */

/* The registers' power-up values, keeping base_msr (SDM §10.4.7.1). */
static void
lapic_reset_registers(struct vlapic *a)
{
	uint64_t base = a->base_msr;

	memset(a, 0, sizeof(*a));
	a->base_msr = base;
	a->dfr = DFR_MODEL_MASK | DFR_RESERVED_ONES;
	a->svr = SVR_RESET;
	for (int i = 0; i < LVT_COUNT; i++)
		a->lvt[i] = LVT_MASKED;
}

void
vlapic_reset(struct vlapic *a)
{
	a->base_msr = APIC_DEFAULT_BASE | APIC_BASE_BSP | APIC_BASE_ENABLE;
	lapic_reset_registers(a);
}

void
vlapic_init(struct vlapic *a)
{
	vlapic_reset(a);
	a->svr = BIOS_SVR;
	a->lvt[LVT_LINT0] = BIOS_LINT0;
	a->lvt[LVT_LINT1] = BIOS_LINT1;
}

uint64_t
vlapic_msr_read(const struct vlapic *a)
{
	return a->base_msr;
}

int
vlapic_msr_write(struct vlapic *a, uint64_t value)
{
	if (value & APIC_BASE_RESERVED)
		return -1;
	value = (value & ~(uint64_t)APIC_BASE_BSP) |
		(a->base_msr & APIC_BASE_BSP);
	/*
	 * SDM §10.4.3: globally disabling the APIC may lose its state, and
	 * it returns to the power-up state; we always do that, so that
	 * enabling it again finds it software-disabled, LVTs masked.
	 */
	if (!(value & APIC_BASE_ENABLE))
		lapic_reset_registers(a);
	a->base_msr = value;
	return 0;
}

gpa_t
vlapic_mmio_base(const struct vlapic *a)
{
	uint64_t base = a->base_msr & APIC_BASE_ADDR_MASK;

	if (!hw_enabled(a) || base >= GPA_LIMIT)
		return 0;
	return (gpa_t)base;
}

/* ---- The timer (SDM §10.5.4) ---- */

/* The divisor the divide configuration register selects: 1-128. */
static uint32_t
timer_divisor(const struct vlapic *a)
{
	uint32_t code = ((a->timer_divide & DIVIDE_HIGH_BIT) >>
			 DIVIDE_HIGH_SHIFT) |
			(a->timer_divide & DIVIDE_LOW_BITS);

	return code == DIVIDE_BY_1_CODE ? 1 : 2u << code;
}

/* The count reached 0: the LVT timer's interrupt, unless masked. */
static void
timer_expired(struct vlapic *a)
{
	uint32_t lvt = a->lvt[LVT_TIMER];

	if (!(lvt & LVT_MASKED))
		lapic_accept(a, lvt & LVT_VECTOR);
}

/*
 * Time passes.  The count falls by one every divisor bus cycles
 * (timer_phase keeps the cycles short of the next decrement).  One-shot
 * mode stops at 0; periodic mode reloads the initial count and goes on.
 * The timer counts while its LVT is masked, and while the APIC is
 * software-disabled (which masks the LVT).
 */
void
vlapic_advance(struct vlapic *a, uint64_t bus_cycles)
{
	uint64_t div = timer_divisor(a);
	uint64_t counts;

	if (a->timer_current == 0)
		return; /* stopped, or a one-shot that has fired */
	a->timer_phase += bus_cycles;
	counts = a->timer_phase / div;
	a->timer_phase %= div;
	if (counts < a->timer_current) {
		a->timer_current -= (uint32_t)counts;
		return;
	}
	counts -= a->timer_current;
	timer_expired(a);
	if (a->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) {
		/* Periods wholly inside this advance merge into one. */
		a->timer_current = a->timer_initial -
				   (uint32_t)(counts % a->timer_initial);
	} else {
		a->timer_current = 0;
		a->timer_phase = 0;
	}
}

/* ---- Interrupts to the CPU ---- */

int
vlapic_pending_vector(const struct vlapic *a)
{
	int v;

	if (!hw_enabled(a))
		return -1;
	v = vec_highest(a->irr);
	if (v < 0 || PRIORITY_CLASS(v) <= PRIORITY_CLASS(ppr(a)))
		return -1;
	return v;
}

void
vlapic_ack(struct vlapic *a, int vector)
{
	if (vector < 0 || vector >= APIC_NVECTORS || !vec_test(a->irr, vector))
		panic("vlapic: ack of vector %d, which is not requested",
		      vector);
	vec_clear(a->irr, vector);
	vec_set(a->isr, vector);
}

bool
vlapic_accepts_pic(const struct vlapic *a)
{
	uint32_t lint0 = a->lvt[LVT_LINT0];

	if (!hw_enabled(a))
		return true;
	return !(lint0 & LVT_MASKED) &&
	       ((lint0 >> LVT_MODE_SHIFT) & LVT_MODE_MASK) == DELIVERY_EXTINT;
}

/* EOI (SDM §10.8.5): the highest vector in service is done. */
static void
lapic_eoi(struct vlapic *a)
{
	int v = vec_highest(a->isr);

	if (v >= 0)
		vec_clear(a->isr, v); /* TMR is never set: no EOI broadcast */
}

/* ---- Interprocessor interrupts (SDM §10.6) ---- */

/*
 * Whether this APIC is among the destinations of an IPI with
 * destination field dest (ICR 63:56) in the given mode, with no
 * shorthand (SDM §10.6.2.1-10.6.2.2).
 */
static bool
lapic_is_destination(const struct vlapic *a, uint32_t dest, bool logical)
{
	uint32_t ldr = a->ldr >> APIC_ID_SHIFT;

	if (!logical)
		return dest == ICR_BROADCAST_ID ||
		       dest == a->id >> APIC_ID_SHIFT;
	if ((a->dfr & DFR_MODEL_MASK) == DFR_MODEL_FLAT)
		return (dest & ldr) != 0;
	/* Cluster model: the same cluster, and a member bit in common. */
	return ((dest & LDR_CLUSTER_MASK) == (ldr & LDR_CLUSTER_MASK) ||
		(dest & LDR_CLUSTER_MASK) == LDR_CLUSTER_MASK) &&
	       (dest & ldr & LDR_MEMBER_MASK) != 0;
}

/* An IPI that nothing here can receive: counted, reported once. */
static void
lapic_ipi_ignored(struct vlapic *a, uint32_t icr_low, uint32_t icr_high)
{
	if (a->ipi_ignored++ == 0)
		cprintf("vmm: apic: IPI %08x:%08x ignored: a uniprocessor "
			"APIC takes only fixed IPIs to itself\n",
			icr_high, icr_low);
}

/* A write of ICR's low half sends the IPI it describes. */
static void
lapic_send_ipi(struct vlapic *a)
{
	uint32_t vector = a->icr_low & ICR_VECTOR;
	uint32_t mode = (a->icr_low >> ICR_MODE_SHIFT) & ICR_MODE_MASK;
	uint32_t shorthand =
		(a->icr_low >> ICR_SHORTHAND_SHIFT) & ICR_SHORTHAND_MASK;
	bool to_self;

	switch (shorthand) {
	case SHORTHAND_SELF:
	case SHORTHAND_ALL_INCLUDING_SELF:
		to_self = true;
		break;
	case SHORTHAND_ALL_EXCLUDING_SELF:
		to_self = false;
		break;
	default:
		to_self = lapic_is_destination(a, a->icr_high >> APIC_ID_SHIFT,
					       a->icr_low & ICR_LOGICAL);
		break;
	}
	if (!to_self || mode != DELIVERY_FIXED) {
		lapic_ipi_ignored(a, a->icr_low, a->icr_high);
		return;
	}
	if (vector < APIC_FIRST_VALID_VECTOR) {
		lapic_error(a, ESR_SEND_ILLEGAL_VECTOR);
		lapic_error(a, ESR_RECV_ILLEGAL_VECTOR);
		return;
	}
	lapic_accept(a, vector);
}

/* ---- Register access ---- */

/* The LVT at offset, or -1. */
static int
lvt_index(uint32_t offset)
{
	if (offset < APIC_LVT_TIMER || offset > APIC_LVT_ERROR)
		return -1;
	return (int)((offset - APIC_LVT_TIMER) >> APIC_REG_SHIFT);
}

uint32_t
vlapic_read(struct vlapic *a, uint32_t offset)
{
	int i;

	assert(offset < APIC_PAGE_SIZE && offset % sizeof(uint32_t) == 0);
	if (offset % APIC_REG_STRIDE != 0)
		return 0;
	if ((i = lvt_index(offset)) >= 0)
		return a->lvt[i];
	if (offset >= APIC_ISR && offset < APIC_ISR + APIC_VECTOR_SPAN)
		return a->isr[(offset - APIC_ISR) >> APIC_REG_SHIFT];
	if (offset >= APIC_TMR && offset < APIC_TMR + APIC_VECTOR_SPAN)
		return a->tmr[(offset - APIC_TMR) >> APIC_REG_SHIFT];
	if (offset >= APIC_IRR && offset < APIC_IRR + APIC_VECTOR_SPAN)
		return a->irr[(offset - APIC_IRR) >> APIC_REG_SHIFT];
	switch (offset) {
	case APIC_ID:
		return a->id;
	case APIC_VERSION:
		return APIC_VERSION_VALUE;
	case APIC_TPR:
		return a->tpr;
	case APIC_APR:
		return apr(a);
	case APIC_PPR:
		return ppr(a);
	case APIC_EOI: /* write-only */
		return 0;
	case APIC_LDR:
		return a->ldr;
	case APIC_DFR:
		return a->dfr;
	case APIC_SVR:
		return a->svr;
	case APIC_ESR:
		return a->esr;
	case APIC_ICR_LOW:
		return a->icr_low;
	case APIC_ICR_HIGH:
		return a->icr_high;
	case APIC_TIMER_INITIAL:
		return a->timer_initial;
	case APIC_TIMER_CURRENT:
		return a->timer_current;
	case APIC_TIMER_DIVIDE:
		return a->timer_divide;
	default:
		lapic_error(a, ESR_ILLEGAL_REGISTER);
		return 0;
	}
}

/* The software enable bit changed, or SVR was written. */
static void
lapic_write_svr(struct vlapic *a, uint32_t value)
{
	a->svr = value & SVR_WRITABLE;
	/* SDM §10.4.7.2: software-disabling masks every LVT. */
	if (!sw_enabled(a))
		for (int i = 0; i < LVT_COUNT; i++)
			a->lvt[i] |= LVT_MASKED;
}

/* A new initial count starts the count over; 0 stops the timer. */
static void
lapic_write_timer_initial(struct vlapic *a, uint32_t value)
{
	a->timer_initial = value;
	a->timer_current = value;
	a->timer_phase = 0;
}

void
vlapic_write(struct vlapic *a, uint32_t offset, uint32_t value)
{
	int i;

	assert(offset < APIC_PAGE_SIZE && offset % sizeof(uint32_t) == 0);
	if (offset % APIC_REG_STRIDE != 0)
		return;
	if ((i = lvt_index(offset)) >= 0) {
		a->lvt[i] = value & lvt_writable[i];
		/* Masks stay set while software-disabled (SDM §10.4.7.2). */
		if (!sw_enabled(a))
			a->lvt[i] |= LVT_MASKED;
		return;
	}
	switch (offset) {
	case APIC_ID: /* writable in xAPIC mode, as under QEMU */
		a->id = value & APIC_ID_MASK;
		break;
	case APIC_TPR:
		a->tpr = value & VECTOR_MASK;
		break;
	case APIC_EOI:
		lapic_eoi(a);
		break;
	case APIC_LDR:
		a->ldr = value & APIC_ID_MASK;
		break;
	case APIC_DFR:
		a->dfr = (value & DFR_MODEL_MASK) | DFR_RESERVED_ONES;
		break;
	case APIC_SVR:
		lapic_write_svr(a, value);
		break;
	case APIC_ESR: /* SDM §10.5.3: a write latches the errors since */
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		break;
	case APIC_ICR_LOW:
		a->icr_low = value & ICR_LOW_WRITABLE;
		lapic_send_ipi(a);
		break;
	case APIC_ICR_HIGH:
		a->icr_high = value & APIC_ID_MASK;
		break;
	case APIC_TIMER_INITIAL:
		lapic_write_timer_initial(a, value);
		break;
	case APIC_TIMER_DIVIDE:
		/* The new divisor applies from the next count. */
		a->timer_divide = value & DIVIDE_WRITABLE;
		a->timer_phase = 0;
		break;
	case APIC_VERSION:
	case APIC_APR:
	case APIC_PPR:
	case APIC_TIMER_CURRENT:
		break; /* read-only */
	default:
		if (offset >= APIC_ISR && offset < APIC_IRR + APIC_VECTOR_SPAN)
			break; /* ISR, TMR, IRR: read-only */
		lapic_error(a, ESR_ILLEGAL_REGISTER);
		break;
	}
}
