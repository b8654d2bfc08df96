/*
 * ipi: interrupts a CPU sends itself through the local APIC's interrupt
 * command register, and how the APIC holds and orders them.
 *
 * With paging off (the APIC at its physical address), it sends a fixed
 * IPI by the "self" shorthand and one addressed to its own APIC ID,
 * and checks the IRR and ISR bits before, during and after the handler
 * and its EOI; two pending vectors arrive highest first; and a vector
 * whose priority class is not above the task-priority register's waits
 * in the IRR until the TPR is lowered (SDM vol.3 §11.8.3).
 */
#include <inc/x86.h>
#include <guests/apic.h>
#include <guests/rt.h>

const char guest_name[] = "ipi";
volatile uint8_t *apic;

#define VEC_SPURIOUS 0xFF
#define WAIT_MS 20 /* PIT time an IPI gets to arrive in */
#define MAX_LOG 8

/* What the handler saw, per interrupt taken, in order. */
static volatile int taken;
static volatile int log_vec[MAX_LOG];
static volatile int log_isr[MAX_LOG], log_irr[MAX_LOG];
static volatile uint32_t log_ppr[MAX_LOG];
static volatile int log_isr_after_eoi[MAX_LOG];

static void
on_ipi(struct gtrapframe *tf)
{
	int i = taken, v = tf->trapno;

	if (i < MAX_LOG) {
		log_vec[i] = v;
		log_isr[i] = apic_bit(APIC_ISR, v);
		log_irr[i] = apic_bit(APIC_IRR, v);
		log_ppr[i] = apic_read(APIC_PPR);
	}
	apic_write(APIC_EOI, 0);
	if (i < MAX_LOG)
		log_isr_after_eoi[i] = apic_bit(APIC_ISR, v);
	taken = i + 1;
}

static void
on_spurious(struct gtrapframe *tf)
{
	say("FAIL: spurious interrupt");
	guest_poweroff(GUEST_EXIT_TRAP);
}

/* Send vec to ourselves: by the shorthand, or to APIC ID dest. */
static void
send_self(int vec)
{
	apic_write(APIC_ICR_HI, 0);
	apic_write(APIC_ICR_LO, ICR_SELF | ICR_ASSERT | ICR_FIXED | vec);
}

static void
send_to(uint32_t dest, int vec)
{
	apic_write(APIC_ICR_HI, dest << ICR_DEST_SHIFT);
	apic_write(APIC_ICR_LO, ICR_PHYSICAL | ICR_ASSERT | ICR_FIXED | vec);
}

/* Send, look at the IRR with IF clear, then let it in; one line. */
static void
one_ipi(int status, const char *how, int vec, uint32_t dest, bool self)
{
	int irr, isr, first = taken;
	uint32_t icr;

	if (self)
		send_self(vec);
	else
		send_to(dest, vec);
	icr = apic_read(APIC_ICR_LO);
	irr = apic_bit(APIC_IRR, vec);
	isr = apic_bit(APIC_ISR, vec);
	check(irr && !isr && taken == first, status,
	      "%s: vector %#x with IF=0: IRR=%d ISR=%d taken=%d", how, vec,
	      irr, isr, taken - first);
	irq_window_ms(WAIT_MS, &taken, first + 1);
	check(taken == first + 1 && log_vec[first] == vec, status,
	      "%s: vector %#x: %d interrupts taken, the first %#x", how, vec,
	      taken - first, log_vec[first]);
	check(log_isr[first] && !log_irr[first] && !log_isr_after_eoi[first],
	      status,
	      "%s: vector %#x in its handler: ISR=%d IRR=%d, after EOI ISR=%d",
	      how, vec, log_isr[first], log_irr[first],
	      log_isr_after_eoi[first]);
	say("%s, vector %#x: ICR=%#x, delivery %s; with IF=0 IRR=%d ISR=%d; taken once on sti; in its handler ISR=%d IRR=%d PPR=%#x; after EOI ISR=%d",
	    how, vec, icr, icr & ICR_DELIVERY_PENDING ? "pending" : "idle", irr,
	    isr, log_isr[first], log_irr[first], log_ppr[first],
	    log_isr_after_eoi[first]);
}

void
guest_main(void)
{
	uint32_t id;
	int first;

	apic = (volatile uint8_t *)((uint32_t)rdmsr(MSR_APIC_BASE) &
				    APIC_BASE_ADDR);
	trap_set_handler(VEC_SPURIOUS, on_spurious);
	for (int v = 0x40; v < 0xFF; v++)
		trap_set_handler(v, on_ipi);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	id = apic_read(APIC_ID) >> APIC_ID_SHIFT;
	say("APIC at %#x with paging off, enabled, APIC ID %u", (uint32_t)apic,
	    id);

	one_ipi(1, "self IPI by shorthand", 0x50, 0, true);
	one_ipi(2, "IPI to own APIC ID", 0x51, id, false);

	/* Two pending: the higher vector first. */
	first = taken;
	send_self(0x53);
	send_self(0x63);
	check(apic_bit(APIC_IRR, 0x53) && apic_bit(APIC_IRR, 0x63), 3,
	      "two pending: IRR bits %d %d", apic_bit(APIC_IRR, 0x53),
	      apic_bit(APIC_IRR, 0x63));
	irq_window_ms(WAIT_MS, &taken, first + 2);
	check(taken == first + 2 && log_vec[first] == 0x63 &&
		      log_vec[first + 1] == 0x53,
	      3, "two pending: %d taken, first %#x then %#x", taken - first,
	      log_vec[first], log_vec[first + 1]);
	say("vectors 0x53 and 0x63 pending together: taken in the order %#x %#x",
	    log_vec[first], log_vec[first + 1]);

	/* TPR: class 6 blocks classes 6 and below. */
	apic_write(APIC_TPR, 0x60);
	first = taken;
	send_self(0x52);
	send_self(0x6F);
	irq_window_ms(WAIT_MS, NULL, 0);
	check(taken == first && apic_bit(APIC_IRR, 0x52) &&
		      apic_bit(APIC_IRR, 0x6F),
	      4, "TPR=0x60: %d taken, IRR 0x52=%d 0x6f=%d", taken - first,
	      apic_bit(APIC_IRR, 0x52), apic_bit(APIC_IRR, 0x6F));
	say("TPR=%#x PPR=%#x: vectors 0x52 and 0x6f not taken in %d ms, IRR=%d %d",
	    apic_read(APIC_TPR), apic_read(APIC_PPR), WAIT_MS,
	    apic_bit(APIC_IRR, 0x52), apic_bit(APIC_IRR, 0x6F));

	send_self(0x75);
	irq_window_ms(WAIT_MS, &taken, first + 1);
	check(taken == first + 1 && log_vec[first] == 0x75, 5,
	      "TPR=0x60, vector 0x75: %d taken", taken - first);
	say("TPR=%#x: vector 0x75 (a higher class) taken, PPR in its handler %#x; 0x52 and 0x6f still pending: %d %d",
	    apic_read(APIC_TPR), log_ppr[first], apic_bit(APIC_IRR, 0x52),
	    apic_bit(APIC_IRR, 0x6F));

	first = taken;
	apic_write(APIC_TPR, 0);
	irq_window_ms(WAIT_MS, &taken, first + 2);
	check(taken == first + 2 && log_vec[first] == 0x6F &&
		      log_vec[first + 1] == 0x52,
	      6, "TPR lowered: %d taken, first %#x then %#x", taken - first,
	      log_vec[first], log_vec[first + 1]);
	say("TPR lowered to %#x: taken in the order %#x %#x, IRR then %d %d, PPR %#x",
	    apic_read(APIC_TPR), log_vec[first], log_vec[first + 1],
	    apic_bit(APIC_IRR, 0x52), apic_bit(APIC_IRR, 0x6F),
	    apic_read(APIC_PPR));

	say("%d IPIs taken in all", taken);
	say("done");
}
