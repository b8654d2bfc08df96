/*
 * lapic: the local APIC the way a uniprocessor kernel sets it up.
 *
 * It finds the APIC through IA32_APIC_BASE, reads it at 0xFEE00000
 * with paging off and then through an identity mapping with paging on
 * (uncached, as SDM vol.3 §11.4.1 asks), enables it through the
 * spurious-interrupt vector register, runs the LVT timer periodic and
 * one-shot with divide 16, counting interrupts and sending EOIs, and
 * disables it again.  Time is measured with the PIT (polled), and only
 * coarse yes/no answers about it are printed, so every native run
 * prints the same lines.
 */
#include <inc/x86.h>
#include <guests/apic.h>
#include <guests/rt.h>

const char guest_name[] = "lapic";
volatile uint8_t *apic;

#define VEC_PERIODIC 0x40
#define VEC_ONESHOT 0x41
#define VEC_SPURIOUS 0xFF
/* 1.6 ms at QEMU's 1 GHz APIC bus clock, divided by 16. */
#define TIMER_COUNT 100000
#define LONG_COUNT 0xFFFFFFFFu
#define FIRST_TICKS 10	    /* the periodic handler masks the timer here */
#define WINDOW_MS 100	    /* the PIT-timed window ... */
#define WINDOW_MIN_TICKS 5  /* ... must see at least this many ... */
#define WINDOW_MAX_TICKS 200 /* ... and at most this many interrupts */
#define NO_LIMIT 0x7FFFFFFF

static volatile int periodic_ticks, periodic_limit = FIRST_TICKS;
static volatile int oneshot_ticks, spurious, isr_missing;

/* The timer's vectors: count, check the ISR bit, EOI. */
static void
on_timer(struct gtrapframe *tf)
{
	if (!apic_bit(APIC_ISR, tf->trapno))
		isr_missing++;
	if (tf->trapno == VEC_PERIODIC) {
		if (++periodic_ticks >= periodic_limit)
			apic_write(APIC_LVT_TIMER,
				   apic_read(APIC_LVT_TIMER) | LVT_MASKED);
	} else {
		oneshot_ticks++;
	}
	apic_write(APIC_EOI, 0);
}

/* A spurious interrupt takes no EOI (SDM §11.9). */
static void
on_spurious(struct gtrapframe *tf)
{
	spurious++;
}

static const char *
yes(bool b)
{
	return b ? "yes" : "no";
}

/*
 * Start the timer: vector and mode in lvt, divide 16, TIMER_COUNT.  That
 * the current count runs down from the initial count is checked on a
 * count too long to expire first (68 s), however long the host keeps
 * this CPU from running; writing the initial count again restarts it.
 */
static void
timer_start(uint32_t lvt)
{
	uint32_t cur;

	apic_write(APIC_TIMER_DIV, TIMER_DIV_16);
	apic_write(APIC_LVT_TIMER, lvt);
	apic_write(APIC_TIMER_INIT, LONG_COUNT);
	cur = apic_read(APIC_TIMER_CUR);
	check(cur > 0 && cur <= LONG_COUNT, 5,
	      "current count %u right after an initial count of %u", cur,
	      LONG_COUNT);
	apic_write(APIC_TIMER_INIT, TIMER_COUNT);
}

void
guest_main(void)
{
	uint32_t base, id, ver, id2, ver2, cur;
	int n;

	base = (uint32_t)rdmsr(MSR_APIC_BASE);
	check(base & APIC_BASE_ENABLE, 1, "IA32_APIC_BASE=%#x: not enabled",
	      base);
	apic = (volatile uint8_t *)(base & APIC_BASE_ADDR);
	say("IA32_APIC_BASE=%#x: base=%#x BSP=%u enabled=%u", base,
	    (uint32_t)apic, !!(base & APIC_BASE_BSP),
	    !!(base & APIC_BASE_ENABLE));

	id = apic_read(APIC_ID);
	ver = apic_read(APIC_VERSION);
	say("paging off: ID register=%#x (APIC ID %u), version register=%#x (version %#x, %u LVT entries)",
	    id, id >> APIC_ID_SHIFT, ver, ver & APIC_VERSION_MASK,
	    ((ver >> APIC_MAXLVT_SHIFT) & APIC_MAXLVT_MASK) + 1);

	paging_init();
	paging_map((uint32_t)apic, PTE_W | PTE_PCD | PTE_PWT);
	paging_enable(true);
	id2 = apic_read(APIC_ID);
	ver2 = apic_read(APIC_VERSION);
	check(id2 == id && ver2 == ver, 2,
	      "paging on: ID=%#x version=%#x, with paging off %#x %#x", id2,
	      ver2, id, ver);
	say("paging on, identity-mapped uncached: ID and version as with paging off: yes");

	say("at entry: SVR=%#x TPR=%#x LVT timer=%#x LINT0=%#x LINT1=%#x error=%#x",
	    apic_read(APIC_SVR), apic_read(APIC_TPR),
	    apic_read(APIC_LVT_TIMER), apic_read(APIC_LVT_LINT0),
	    apic_read(APIC_LVT_LINT1), apic_read(APIC_LVT_ERROR));

	trap_set_handler(VEC_PERIODIC, on_timer);
	trap_set_handler(VEC_ONESHOT, on_timer);
	trap_set_handler(VEC_SPURIOUS, on_spurious);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	check(apic_read(APIC_SVR) & SVR_ENABLE, 3, "SVR=%#x: enable bit lost",
	      apic_read(APIC_SVR));
	say("enabled: SVR=%#x TPR=%#x", apic_read(APIC_SVR),
	    apic_read(APIC_TPR));

	/* Periodic, until the handler masks it at the FIRST_TICKS'th. */
	timer_start(VEC_PERIODIC | LVT_TIMER_PERIODIC);
	say("periodic: LVT timer=%#x divide=%#x initial count=%u, current count below it: yes",
	    apic_read(APIC_LVT_TIMER), apic_read(APIC_TIMER_DIV),
	    apic_read(APIC_TIMER_INIT));
	irq_window_ms(2000, &periodic_ticks, FIRST_TICKS);
	/* Any tick that was on its way when the limit hit comes now. */
	irq_window_ms(20, NULL, 0);
	check(periodic_ticks == FIRST_TICKS, 4,
	      "periodic: %d interrupts, expected the handler to stop at %d",
	      periodic_ticks, FIRST_TICKS);
	check(!isr_missing, 4, "%d interrupts without their ISR bit",
	      isr_missing);
	say("periodic: %d interrupts, the handler masking the timer at the last; ISR set in each handler: yes, after EOI: %u",
	    periodic_ticks, apic_bit(APIC_ISR, VEC_PERIODIC));

	/* Periodic again, timed against the PIT. */
	periodic_ticks = 0;
	periodic_limit = NO_LIMIT;
	apic_write(APIC_LVT_TIMER, VEC_PERIODIC | LVT_TIMER_PERIODIC);
	irq_window_ms(WINDOW_MS, NULL, 0);
	apic_write(APIC_TIMER_INIT, 0);
	n = periodic_ticks;
	check(n >= WINDOW_MIN_TICKS && n <= WINDOW_MAX_TICKS, 6,
	      "periodic: %d interrupts in %d ms of PIT time, expected %d to %d",
	      n, WINDOW_MS, WINDOW_MIN_TICKS, WINDOW_MAX_TICKS);
	say("periodic: between %d and %d interrupts in %d ms of PIT time: yes",
	    WINDOW_MIN_TICKS, WINDOW_MAX_TICKS, WINDOW_MS);
	irq_window_ms(20, NULL, 0);
	cur = apic_read(APIC_TIMER_CUR);
	check(cur == 0, 7, "current count %u after initial count 0", cur);
	n = periodic_ticks;
	irq_window_ms(20, NULL, 0);
	check(periodic_ticks == n, 7,
	      "%d interrupts after the timer was stopped", periodic_ticks - n);
	say("periodic: stopped by an initial count of 0: current count=%u, no interrupt in 20 ms: yes",
	    cur);

	/* One-shot. */
	timer_start(VEC_ONESHOT);
	say("one-shot: LVT timer=%#x, current count below the initial count: yes",
	    apic_read(APIC_LVT_TIMER));
	irq_window_ms(WINDOW_MS, NULL, 0);
	cur = apic_read(APIC_TIMER_CUR);
	check(oneshot_ticks == 1 && cur == 0, 8,
	      "one-shot: %d interrupts in %d ms, current count %u",
	      oneshot_ticks, WINDOW_MS, cur);
	say("one-shot: %d interrupt in %d ms of PIT time, current count then %u",
	    oneshot_ticks, WINDOW_MS, cur);

	/* Masked: the count still runs down, nothing is delivered. */
	timer_start(VEC_ONESHOT | LVT_MASKED);
	irq_window_ms(WINDOW_MS, NULL, 0);
	cur = apic_read(APIC_TIMER_CUR);
	check(oneshot_ticks == 1 && cur == 0, 9,
	      "masked one-shot: %d interrupts, current count %u",
	      oneshot_ticks - 1, cur);
	say("masked one-shot: no interrupt in %d ms of PIT time, current count then %u, IRR bit %u",
	    WINDOW_MS, cur, apic_bit(APIC_IRR, VEC_ONESHOT));

	say("spurious interrupts: %d, ISR clear: %s", spurious,
	    yes(!apic_bit(APIC_ISR, VEC_PERIODIC) &&
		!apic_bit(APIC_ISR, VEC_ONESHOT)));

	/*
	 * Software disable.  The SDM (§11.4.7.2) has it set every LVT mask
	 * bit; QEMU 7.2 leaves them alone, so they are not printed.
	 */
	apic_write(APIC_SVR, VEC_SPURIOUS);
	say("disabled: SVR=%#x", apic_read(APIC_SVR));
	say("done");
}
