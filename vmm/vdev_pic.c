/*
 * The virtual 8259A programmable interrupt controller pair, wired as in
 * the PC/AT: the slave's INT output drives the master's IR2, and the
 * ISA bus's IRQ 2 pin is rerouted to the slave's IR1 (IRQ 9).
 *
 * Devices drive their interrupt lines with vpic_set_irq(); the monitor asks
 * vpic_pending_vector() whether the virtual CPU would be interrupted now
 * and, when it delivers the interrupt, calls vpic_acknowledge(), which
 * does what the two INTA cycles do on the bus.  The guest programs the
 * chips through their two ports each, exactly as on hardware.
 *
 * Everything here follows the Intel 8259A datasheet (order 231468);
 * "8259A" below names its sections.  Requests are edge-triggered (the
 * PC's ELCR, which would make a line level-triggered, is not modelled):
 * each line has an edge-sense latch, and a line seen high with the latch
 * clear sets the line's IRR bit, which stays set until acknowledged even
 * if the line falls meanwhile (as in QEMU's 8259).
 */
#include <inc/assert.h>
#include <inc/string.h>
#include <inc/vdev.h>

/* PC/AT port addresses; address line A0 selects the chip's register. */
#define PIC_MASTER_CMD 0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD 0xA0
#define PIC_SLAVE_DATA 0xA1
#define PIC_A0 0x01 /* 0: ICW1/OCW2/OCW3 and IRR/ISR, 1: the rest */

#define PIC_LINES 8 /* IR0-IR7 per chip */
#define PIC_NIRQS 16
#define CASCADE_IR 2	     /* PC/AT: the slave's INT goes to master IR2 */
#define ISA_IRQ2_REROUTED 9  /* ... and the bus's IRQ 2 pin to slave IR1 */
#define LOWEST_PRIORITY_IR 7 /* after ICW1: IR0 highest, IR7 lowest */

/*
 * What the BIOS leaves behind (SeaBIOS, measured natively): master
 * vectors 0x08-0x0F, slave 0x70-0x77, the slave on IR2.  We mask every
 * line but the cascade until the guest reprograms the pair.
 */
#define BIOS_MASTER_VECTOR 0x08
#define BIOS_SLAVE_VECTOR 0x70
#define MASK_ALL 0xFF

/*
 * 8259A "Initialization Command Words": ICW1 is a command-port write
 * with D4 set.
 */
#define ICW1_SELECT 0x10
#define ICW1_IC4 0x01  /* ICW4 will follow */
#define ICW1_SNGL 0x02 /* single chip: no ICW3 */
/* D2 (ADI, 8080 only) and D3 (LTIM, level triggering) are ignored. */

#define ICW2_VECTOR 0xF8 /* 8086 mode: T7-T3; the IR number fills T2-T0 */

#define ICW3_SLAVE_ID 0x07 /* slave: ID2-ID0; master: one bit per IR */

#define ICW4_AEOI 0x02 /* automatic EOI at the end of the INTA cycles */
#define ICW4_SFNM 0x10 /* special fully nested mode (master) */
/*
 * D0 (uPM) must be 1, 8086 mode, on a PC; 8080 mode is not modelled.
 * D2-D3 (buffered mode, M/S) only matter for the chip's pins.
 */

/* 8259A "Operation Command Words": D4 = 0, then D3 tells OCW2 from OCW3. */
#define OCW3_SELECT 0x08

/* OCW2: R, SL and EOI in D7-D5 pick the command, D2-D0 the level. */
#define OCW2_COMMAND 0xE0
#define OCW2_LEVEL 0x07
#define OCW2_ROTATE_AEOI_CLEAR 0x00
#define OCW2_EOI 0x20		  /* non-specific EOI */
#define OCW2_NOP 0x40
#define OCW2_SPECIFIC_EOI 0x60
#define OCW2_ROTATE_AEOI_SET 0x80
#define OCW2_ROTATE_EOI 0xA0	  /* rotate on non-specific EOI */
#define OCW2_SET_PRIORITY 0xC0
#define OCW2_ROTATE_SPECIFIC_EOI 0xE0

#define OCW3_RIS 0x01  /* with RR: read ISR (else IRR) */
#define OCW3_RR 0x02   /* act on RIS */
#define OCW3_POLL 0x04 /* the next command-port read is a poll */
#define OCW3_SMM 0x20  /* with ESMM: set (else reset) special mask mode */
#define OCW3_ESMM 0x40

/* 8259A "Poll Command": the byte a poll reads. */
#define POLL_INT 0x80 /* I: an interrupt was pending; W2-W0: its level */

/* A vector nobody drives: the data bus floats high during INTA. */
#define FLOATING_VECTOR 0xFF

/* Where a chip is in the ICW1, ICW2 [, ICW3] [, ICW4] sequence. */
enum icw_state {
	ICW_DONE, /* operational: data-port writes are OCW1 */
	ICW_WANT2,
	ICW_WANT3,
	ICW_WANT4,
};

/* One 8259A. */
struct pic_chip {
	bool master;		/* its place in the PC wiring */
	uint8_t irr;		/* lines requesting, not yet acknowledged */
	uint8_t isr;		/* lines in service, awaiting EOI */
	uint8_t imr;		/* OCW1: masked lines */
	uint8_t level;		/* the IR inputs as the devices drive them */
	uint8_t sensed;		/* edge-sense latch: lines seen high, not
				   yet low again (ICW1 clears it) */
	uint8_t vector_base;	/* ICW2 & ICW2_VECTOR */
	uint8_t icw3;		/* master: a bit per IR with a slave;
				   slave: its own cascade identity */
	bool single;		/* ICW1 SNGL */
	bool want_icw4;		/* ICW1 IC4 */
	bool aeoi;		/* ICW4 AEOI */
	bool sfnm;		/* ICW4 SFNM */
	enum icw_state icw;	/* the next ICW expected, if any */
	uint8_t lowest;		/* the IR of lowest priority (rotation) */
	bool rotate_aeoi;	/* OCW2: rotate in automatic EOI mode */
	bool read_isr;		/* OCW3: command-port reads give ISR, not IRR */
	bool poll;		/* OCW3: the next command-port read polls */
	bool special_mask;	/* OCW3: special mask mode */
};

struct vpic {
	struct pic_chip master, slave;
};

struct vpic vpic0;

/* The bit of line ir in IRR, ISR or IMR. */
static uint8_t
bit(int ir)
{
	return (uint8_t)(1u << ir);
}

/* The IR whose priority is k-th highest (k = 0: the highest). */
static int
ir_by_priority(const struct pic_chip *c, int k)
{
	return (c->lowest + 1 + k) % PIC_LINES;
}

/*
 * The highest-priority line c would interrupt for, given the request
 * lines irr, or -1.  8259A "Fully Nested Mode": a line in service blocks
 * itself and every line of lower priority; "Special Mask Mode" lifts that
 * and lets only the IMR decide; "Special Fully Nested Mode" lets the
 * master take a new request from a slave whose IR is already in service
 * (the slave resolves priority among its own lines).
 */
static int
pic_chip_resolve(const struct pic_chip *c, uint8_t irr)
{
	uint8_t req = irr & ~c->imr;
	uint8_t blocking = c->special_mask ? 0 : c->isr;
	uint8_t renestable = c->master && c->sfnm ? c->icw3 : 0;

	for (int k = 0; k < PIC_LINES; k++) {
		int ir = ir_by_priority(c, k);
		if ((req & bit(ir)) &&
		    (!(blocking & bit(ir)) || (renestable & bit(ir))))
			return ir;
		if (blocking & bit(ir))
			return -1;
	}
	return -1;
}

/* Whether the slave's INT output is high: it has a line to offer. */
static bool
slave_int(const struct vpic *p)
{
	return pic_chip_resolve(&p->slave, p->slave.irr) >= 0;
}

/*
 * c's request lines as its IRR shows them: the master's IR2 is the
 * slave's INT output.
 */
static uint8_t
pic_chip_irr(const struct vpic *p, const struct pic_chip *c)
{
	if (c == &p->master && slave_int(p))
		return c->irr | bit(CASCADE_IR);
	return c->irr;
}

/* Whether the master treats ir as a slave's and lets it supply the vector. */
static bool
master_cascades(const struct vpic *p, int ir)
{
	return !p->master.single && (p->master.icw3 & bit(ir));
}

/*
 * Whether the slave answers the INTA cycles for master line master_ir:
 * only when the master's CAS0-2 lines carry the slave's identity (8259A
 * "Cascade Mode"), which on a PC means IR2.  Otherwise no chip drives
 * the vector.
 */
static bool
slave_answers(const struct vpic *p, int master_ir)
{
	return !p->slave.single && master_ir == CASCADE_IR &&
	       (p->slave.icw3 & ICW3_SLAVE_ID) == CASCADE_IR;
}

/* The INTA cycles on one chip: IRR -> ISR (none in AEOI mode). */
static void
pic_chip_ack(struct pic_chip *c, int ir)
{
	c->irr &= ~bit(ir);
	if (!c->aeoi)
		c->isr |= bit(ir);
	else if (c->rotate_aeoi)
		c->lowest = (uint8_t)ir;
}

/* The vector a chip puts on the bus for its line ir. */
static int
pic_chip_vector(const struct pic_chip *c, int ir)
{
	return c->vector_base | ir;
}

/*
 * Edge detection: a line that is high and was not high when last sensed
 * makes a request.  A line that falls clears its latch, so its next rise
 * is a new edge; the IRR bit it set stays.
 */
static void
pic_chip_sense(struct pic_chip *c)
{
	c->irr |= c->level & ~c->sensed;
	c->sensed = c->level;
}

/*
 * PC IRQ line irq (0-15) is now at level (0 or 1).  Devices call this
 * whenever their output may have changed; a repeated level is harmless.
 */
void
vpic_set_irq(struct vpic *p, int irq, int level)
{
	struct pic_chip *c = &p->master;
	int ir = irq;

	assert(irq >= 0 && irq < PIC_NIRQS);
	if (irq == CASCADE_IR)
		irq = ISA_IRQ2_REROUTED;
	if (irq >= PIC_LINES) {
		c = &p->slave;
		ir = irq - PIC_LINES;
	}
	if (level)
		c->level |= bit(ir);
	else
		c->level &= ~bit(ir);
	pic_chip_sense(c);
}

/* The vector the CPU would get if it acknowledged now, or -1. */
int
vpic_pending_vector(const struct vpic *p)
{
	int ir = pic_chip_resolve(&p->master, pic_chip_irr(p, &p->master));
	int sir;

	if (ir < 0)
		return -1;
	if (!master_cascades(p, ir))
		return pic_chip_vector(&p->master, ir);
	sir = pic_chip_resolve(&p->slave, p->slave.irr);
	if (!slave_answers(p, ir) || sir < 0)
		return FLOATING_VECTOR;
	return pic_chip_vector(&p->slave, sir);
}

/*
 * The CPU accepts the pending interrupt: the master (and, for a slave's
 * line, the slave too) moves it from IRR to ISR.  Returns the vector, or
 * -1 if nothing is pending.
 */
int
vpic_acknowledge(struct vpic *p)
{
	int ir = pic_chip_resolve(&p->master, pic_chip_irr(p, &p->master));
	int sir;

	if (ir < 0)
		return -1;
	pic_chip_ack(&p->master, ir);
	if (!master_cascades(p, ir))
		return pic_chip_vector(&p->master, ir);
	/* The master's IR2 is high only while the slave offers a line. */
	sir = pic_chip_resolve(&p->slave, p->slave.irr);
	if (!slave_answers(p, ir) || sir < 0)
		return FLOATING_VECTOR;
	pic_chip_ack(&p->slave, sir);
	return pic_chip_vector(&p->slave, sir);
}

/* ---- The guest's side: ICWs, OCWs and register reads ---- */

/* ICW1: start the initialization sequence (8259A "ICW1"). */
static void
pic_icw1(struct pic_chip *c, uint8_t v)
{
	c->single = (v & ICW1_SNGL) != 0;
	c->want_icw4 = (v & ICW1_IC4) != 0;
	/*
	 * The edge-sense latches reset, so pending requests are lost, and
	 * a line that is still high counts as a new rising edge.  (QEMU's
	 * 8259 does the same the next time the device reports its level.)
	 * Without this, a UART whose line went high before the guest's
	 * pic_init would never interrupt again: its line stays high until
	 * RBR is read, and the guest reads RBR only when interrupted.
	 */
	c->irr = 0;
	c->sensed = 0;
	pic_chip_sense(c);
	c->isr = 0;
	c->imr = 0;
	c->lowest = LOWEST_PRIORITY_IR;
	c->rotate_aeoi = false;
	c->read_isr = false;
	c->poll = false;
	c->special_mask = false;
	if (!c->want_icw4) {
		c->aeoi = false;
		c->sfnm = false;
	}
	c->icw = ICW_WANT2;
}

/* A data-port write: the next ICW of the sequence, or OCW1 (the mask). */
static void
pic_data_write(struct pic_chip *c, uint8_t v)
{
	switch (c->icw) {
	case ICW_WANT2:
		c->vector_base = v & ICW2_VECTOR;
		c->icw = !c->single     ? ICW_WANT3
			 : c->want_icw4 ? ICW_WANT4
					: ICW_DONE;
		break;
	case ICW_WANT3:
		c->icw3 = v;
		c->icw = c->want_icw4 ? ICW_WANT4 : ICW_DONE;
		break;
	case ICW_WANT4:
		c->aeoi = (v & ICW4_AEOI) != 0;
		c->sfnm = (v & ICW4_SFNM) != 0;
		c->icw = ICW_DONE;
		break;
	case ICW_DONE:
		c->imr = v;
		break;
	}
}

/* The in-service line of highest priority, or -1. */
static int
pic_chip_highest_isr(const struct pic_chip *c)
{
	for (int k = 0; k < PIC_LINES; k++)
		if (c->isr & bit(ir_by_priority(c, k)))
			return ir_by_priority(c, k);
	return -1;
}

/* OCW2: end of interrupt and priority rotation (8259A "OCW2"). */
static void
pic_ocw2(struct pic_chip *c, uint8_t v)
{
	int level = v & OCW2_LEVEL;
	int ir;

	switch (v & OCW2_COMMAND) {
	case OCW2_EOI:
	case OCW2_ROTATE_EOI:
		ir = pic_chip_highest_isr(c);
		if (ir < 0)
			break;
		c->isr &= ~bit(ir);
		if ((v & OCW2_COMMAND) == OCW2_ROTATE_EOI)
			c->lowest = (uint8_t)ir;
		break;
	case OCW2_SPECIFIC_EOI:
		c->isr &= ~bit(level);
		break;
	case OCW2_ROTATE_SPECIFIC_EOI:
		c->isr &= ~bit(level);
		c->lowest = (uint8_t)level;
		break;
	case OCW2_SET_PRIORITY:
		c->lowest = (uint8_t)level;
		break;
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_aeoi = true;
		break;
	case OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_aeoi = false;
		break;
	case OCW2_NOP:
		break;
	}
}

/* OCW3: register select, poll, special mask mode (8259A "OCW3"). */
static void
pic_ocw3(struct pic_chip *c, uint8_t v)
{
	if (v & OCW3_RR)
		c->read_isr = (v & OCW3_RIS) != 0;
	if (v & OCW3_ESMM)
		c->special_mask = (v & OCW3_SMM) != 0;
	c->poll = (v & OCW3_POLL) != 0;
}

/*
 * A poll (8259A "The Poll Command"): the read is the interrupt
 * acknowledge.  With nothing pending it reads 0, as QEMU's PIC does.
 */
static uint8_t
pic_poll(struct vpic *p, struct pic_chip *c)
{
	int ir = pic_chip_resolve(c, pic_chip_irr(p, c));

	c->poll = false;
	if (ir < 0)
		return 0;
	pic_chip_ack(c, ir);
	return (uint8_t)(POLL_INT | ir);
}

/* The chip a port belongs to. */
static struct pic_chip *
pic_chip_of(struct vpic *p, uint16_t port)
{
	return (port & ~PIC_A0) == PIC_MASTER_CMD ? &p->master : &p->slave;
}

/* Port read: the command port gives IRR, ISR or a poll; data the IMR. */
static uint32_t
pic_in(void *dev, uint16_t port, int size)
{
	struct vpic *p = dev;
	struct pic_chip *c = pic_chip_of(p, port);

	assert(size == 1); /* vdev.c splits wider accesses */
	if (port & PIC_A0)
		return c->imr;
	if (c->poll)
		return pic_poll(p, c);
	return c->read_isr ? c->isr : pic_chip_irr(p, c);
}

/*
 * Port write: ICW1, OCW2 or OCW3 on the command port (told apart by D4
 * and D3), ICW2-4 or OCW1 on the data port.
 */
static void
pic_out(void *dev, uint16_t port, int size, uint32_t v)
{
	struct pic_chip *c = pic_chip_of(dev, port);
	uint8_t b = (uint8_t)v;

	assert(size == 1); /* vdev.c splits wider accesses */
	if (port & PIC_A0)
		pic_data_write(c, b);
	else if (b & ICW1_SELECT)
		pic_icw1(c, b);
	else if (b & OCW3_SELECT)
		pic_ocw3(c, b);
	else
		pic_ocw2(c, b);
}

/* The pair as the BIOS hands it over (see BIOS_MASTER_VECTOR). */
void
vpic_init(struct vpic *p)
{
	memset(p, 0, sizeof(*p));

	p->master.master = true;
	p->master.vector_base = BIOS_MASTER_VECTOR;
	p->master.icw3 = bit(CASCADE_IR);
	p->master.imr = MASK_ALL & ~bit(CASCADE_IR);
	p->master.lowest = LOWEST_PRIORITY_IR;
	p->master.icw = ICW_DONE;

	p->slave.vector_base = BIOS_SLAVE_VECTOR;
	p->slave.icw3 = CASCADE_IR;
	p->slave.imr = MASK_ALL;
	p->slave.lowest = LOWEST_PRIORITY_IR;
	p->slave.icw = ICW_DONE;
}

/* Claim ports 0x20-0x21 and 0xA0-0xA1. */
void
vpic_attach(struct vpic *p)
{
	const struct vdev_range master = {
		.first = PIC_MASTER_CMD,
		.last = PIC_MASTER_DATA,
		.name = "pic-master",
		.in = pic_in,
		.out = pic_out,
		.dev = p,
	};
	const struct vdev_range slave = {
		.first = PIC_SLAVE_CMD,
		.last = PIC_SLAVE_DATA,
		.name = "pic-slave",
		.in = pic_in,
		.out = pic_out,
		.dev = p,
	};

	if (vdev_register(&master) < 0 || vdev_register(&slave) < 0)
		panic("vpic: ports %#x-%#x or %#x-%#x already claimed",
		      PIC_MASTER_CMD, PIC_MASTER_DATA, PIC_SLAVE_CMD,
		      PIC_SLAVE_DATA);
}
