/*
 * The virtual 8254 programmable interval timer.  On the PC its counter 0
 * drives IRQ 0 and is the guest's scheduler tick (kern/timer.c programs
 * it in mode 2 at TIMER_HZ); counters 1 and 2 (DRAM refresh, speaker)
 * are programmed and read like counter 0 but drive nothing.
 *
 * The device does not keep time itself: the monitor calls vpit_tick()
 * once per period of the divisor the guest programmed (vpit_divisor()),
 * from whatever clock it runs on.  Between ticks, a read of a counter
 * shows a count that falls by a sixteenth of the period on every read
 * and starts again from the top after each tick: not the real count,
 * but one that moves the way a guest polling it expects.
 *
 * Registers and commands: the Intel 8254 datasheet (order 231164),
 * "8254" below names its sections.  BCD counting (control word D0) is
 * recorded and shown in the status byte, but counts stay binary.
 */
#include <inc/assert.h>
#include <inc/string.h>
#include <inc/vdev.h>
#include <kern/timer.h>

/* PC port addresses: counters 0-2, then the control word register. */
#define PIT_CHANNELS 3
#define PIT_IRQ 0 /* counter 0's OUT is the PC's IRQ 0 */

/* 8254 "Control Word Format": SC1-SC0, RW1-RW0, M2-M0, BCD. */
#define CW_SC_SHIFT 6
#define CW_SC_READ_BACK 3 /* SC = 11: the read-back command */
#define CW_RW_SHIFT 4
#define CW_RW_MASK 0x03
#define CW_MODE_SHIFT 1
#define CW_MODE_MASK 0x07
#define CW_STATUS_BITS 0x3F /* RW, M and BCD, as the status byte shows them */

/* RW: how the counter is read and written. */
enum pit_access {
	RW_LATCH = 0, /* not an access mode: the counter latch command */
	RW_LSB = 1,
	RW_MSB = 2,
	RW_LSB_MSB = 3,
};

/* The six modes; M2-M0 = 110 and 111 are modes 2 and 3 (8254 "Modes"). */
enum pit_mode {
	MODE_TERMINAL_COUNT = 0, /* one-shot: OUT rises at the end */
	MODE_HW_ONE_SHOT = 1,	 /* started by a GATE edge */
	MODE_RATE = 2,		 /* periodic: OUT pulses low once a period */
	MODE_SQUARE = 3,	 /* periodic: OUT high half the period */
	MODE_SW_STROBE = 4,	 /* one-shot: OUT pulses at the end */
	MODE_HW_STROBE = 5,	 /* started by a GATE edge */
};
#define MODE_ALIAS_BIT 0x04 /* with M1 set, M2 is "don't care" */
#define MODE_M1 0x02

/* 8254 "Read-Back Command": D5 /COUNT, D4 /STATUS, D3-D1 counters 2-0. */
#define RB_NO_COUNT 0x20
#define RB_NO_STATUS 0x10
#define RB_COUNTER0 0x02

/* 8254 "Status Byte": OUTPUT, NULL COUNT, then the control bits. */
#define STATUS_OUTPUT 0x80
#define STATUS_NULL_COUNT 0x40

/* An initial count of 0 means 2^16 (binary counting). */
#define PIT_MAX_COUNT 0x10000u
#define BYTE_BITS 8
#define BYTE_MASK 0xFFu

/* How far the shown count falls per read (see the top of the file). */
#define PIT_READ_STEPS 16

/*
 * The control word register is write-only; natively, QEMU 7.2 reads it
 * as 0 (on hardware the bus floats).
 */
#define PIT_CONTROL_READ_VALUE 0x00

/* One counter. */
struct pit_channel {
	uint8_t control;	 /* its control word's RW, M and BCD bits */
	enum pit_access access;	 /* RW */
	enum pit_mode mode;
	uint32_t reload;	 /* initial count, 1-0x10000; 0: none written
				    since the control word */
	bool write_msb_next;	 /* RW_LSB_MSB: the LSB has been written */
	uint8_t lsb;		 /* ... and this was it */
	bool read_msb_next;	 /* RW_LSB_MSB: the LSB has been read */
	bool count_latched;	 /* latch command: reads give latched_count */
	uint16_t latched_count;
	bool status_latched;	 /* read-back: the next read gives status */
	uint8_t status;
	uint32_t elapsed;	 /* clocks counted this period (see above) */
	bool armed;		 /* one-shot modes: terminal count ahead */
};

struct vpit {
	struct pit_channel ch[PIT_CHANNELS];
	struct vpic *pic;
};

struct vpit vpit0;
void (*vpit_clock_hook)(uint32_t pit_clocks);

/* The count a read shows now; advance: time has passed since the last. */
static uint16_t
pit_current_count(struct pit_channel *ch, bool advance)
{
	uint32_t step;

	if (ch->reload == 0)
		return 0;
	if (advance) {
		step = MAX(ch->reload / PIT_READ_STEPS, 1u);
		ch->elapsed = (ch->elapsed + step) % ch->reload;
		if (ch == &vpit0.ch[0] && vpit_clock_hook != NULL)
			vpit_clock_hook(step);
	}
	/* 0x10000 - 0 reads as 0, as the 16-bit counter shows it. */
	return (uint16_t)(ch->reload - ch->elapsed);
}

/* The level of the counter's OUT pin (8254 "Modes"), for the status. */
static bool
pit_output(const struct pit_channel *ch)
{
	switch (ch->mode) {
	case MODE_TERMINAL_COUNT:
		return ch->reload != 0 && !ch->armed;
	case MODE_SQUARE:
		return ch->elapsed < ch->reload / 2 || ch->reload == 0;
	default:
		return true;
	}
}

/* A control word for ch (8254 "Write Operations"): reset its logic. */
static void
pit_control(struct pit_channel *ch, uint8_t cw)
{
	int mode = (cw >> CW_MODE_SHIFT) & CW_MODE_MASK;

	if (mode & MODE_M1)
		mode &= ~MODE_ALIAS_BIT;
	memset(ch, 0, sizeof(*ch));
	ch->control = cw & CW_STATUS_BITS;
	ch->access = (cw >> CW_RW_SHIFT) & CW_RW_MASK;
	ch->mode = mode;
}

/* Counter latch command: freeze the count for the next read(s). */
static void
pit_latch_count(struct pit_channel *ch)
{
	if (ch->count_latched)
		return; /* the first latch holds until it is read */
	ch->latched_count = pit_current_count(ch, true);
	ch->count_latched = true;
}

/* Read-back command: latch count and/or status of selected counters. */
static void
pit_read_back(struct vpit *t, uint8_t cmd)
{
	for (int i = 0; i < PIT_CHANNELS; i++) {
		struct pit_channel *ch = &t->ch[i];

		if (!(cmd & (RB_COUNTER0 << i)))
			continue;
		if (!(cmd & RB_NO_STATUS) && !ch->status_latched) {
			ch->status = ch->control;
			if (pit_output(ch))
				ch->status |= STATUS_OUTPUT;
			if (ch->reload == 0)
				ch->status |= STATUS_NULL_COUNT;
			ch->status_latched = true;
		}
		if (!(cmd & RB_NO_COUNT))
			pit_latch_count(ch);
	}
}

/* A write to the control word register. */
static void
pit_control_write(struct vpit *t, uint8_t cw)
{
	int sc = cw >> CW_SC_SHIFT;

	if (sc == CW_SC_READ_BACK)
		pit_read_back(t, cw);
	else if (((cw >> CW_RW_SHIFT) & CW_RW_MASK) == RW_LATCH)
		pit_latch_count(&t->ch[sc]);
	else
		pit_control(&t->ch[sc], cw);
}

/* A new initial count: counting starts over from it. */
static void
pit_load(struct pit_channel *ch, uint32_t count)
{
	ch->reload = count != 0 ? count : PIT_MAX_COUNT;
	ch->elapsed = 0;
	ch->armed = true;
}

/* A write to a counter: a byte of its initial count. */
static void
pit_counter_write(struct pit_channel *ch, uint8_t v)
{
	switch (ch->access) {
	case RW_LSB:
		pit_load(ch, v);
		break;
	case RW_MSB:
		pit_load(ch, (uint32_t)v << BYTE_BITS);
		break;
	case RW_LSB_MSB:
		if (!ch->write_msb_next) {
			ch->lsb = v;
			ch->write_msb_next = true;
		} else {
			pit_load(ch, ch->lsb | (uint32_t)v << BYTE_BITS);
			ch->write_msb_next = false;
		}
		break;
	case RW_LATCH: /* no control word yet: nothing to load */
		break;
	}
}

/*
 * A read of a counter (8254 "Read Operations"): a latched status first,
 * then a latched count, else the count now, a byte at a time in the
 * order RW asks for.  A latch is released once fully read.
 */
static uint8_t
pit_counter_read(struct pit_channel *ch)
{
	uint16_t count;
	bool last_byte = ch->access != RW_LSB_MSB || ch->read_msb_next;
	bool msb = ch->access == RW_MSB || ch->read_msb_next;

	if (ch->status_latched) {
		ch->status_latched = false;
		return ch->status;
	}
	if (ch->count_latched) {
		count = ch->latched_count;
		if (last_byte)
			ch->count_latched = false;
	} else {
		/* The two bytes of one LSB/MSB read show the same count. */
		count = pit_current_count(ch, !ch->read_msb_next);
	}
	if (ch->access == RW_LSB_MSB)
		ch->read_msb_next = !ch->read_msb_next;
	if (msb)
		return (uint8_t)(count >> BYTE_BITS);
	return (uint8_t)(count & BYTE_MASK);
}

/* Port read: a counter, or the write-only control register. */
static uint32_t
pit_in(void *dev, uint16_t port, int size)
{
	struct vpit *t = dev;

	assert(size == 1); /* vdev.c splits wider accesses */
	if (port == PIT_PORT_CONTROL)
		return PIT_CONTROL_READ_VALUE;
	return pit_counter_read(&t->ch[port - PIT_PORT_COUNTER0]);
}

/* Port write: a control word or a counter's count. */
static void
pit_out(void *dev, uint16_t port, int size, uint32_t v)
{
	struct vpit *t = dev;

	assert(size == 1); /* vdev.c splits wider accesses */
	if (port == PIT_PORT_CONTROL)
		pit_control_write(t, (uint8_t)v);
	else
		pit_counter_write(&t->ch[port - PIT_PORT_COUNTER0],
				  (uint8_t)v);
}

/* A timer with no counter programmed, wired to pic's IRQ 0. */
void
vpit_init(struct vpit *t, struct vpic *pic)
{
	memset(t, 0, sizeof(*t));
	t->pic = pic;
}

/* Claim ports 0x40-0x43. */
void
vpit_attach(struct vpit *t)
{
	const struct vdev_range r = {
		.first = PIT_PORT_COUNTER0,
		.last = PIT_PORT_CONTROL,
		.name = "pit",
		.in = pit_in,
		.out = pit_out,
		.dev = t,
	};

	if (vdev_register(&r) < 0)
		panic("vpit: ports %#x-%#x already claimed",
		      PIT_PORT_COUNTER0, PIT_PORT_CONTROL);
}

/* Counter 0's initial count (1-0x10000), or 0 if none is programmed. */
uint32_t
vpit_divisor(const struct vpit *t)
{
	return t->ch[0].reload;
}

/*
 * Counter 0's OUT drives IRQ 0.  The monitor's clock sees a period only
 * once it has passed, so a period is one pulse on the line: a rising
 * edge, which the PIC latches, and the fall (QEMU's 8254, too, models
 * OUT in mode 2 as a one-clock pulse).
 */
static void
pit_pulse_irq(struct vpit *t)
{
	vpic_set_irq(t->pic, PIT_IRQ, 1);
	vpic_set_irq(t->pic, PIT_IRQ, 0);
}

/*
 * One period of counter 0 has elapsed: OUT gives IRQ 0 its rising edge.
 * The periodic modes do so every period; the one-shot modes 0 and 4
 * once per count written; modes 1 and 5 wait for a GATE edge, and the
 * PC ties counter 0's GATE high, so they never fire.
 */
uint32_t
vpit_tick(struct vpit *t)
{
	struct pit_channel *ch = &t->ch[0];

	if (ch->reload == 0)
		return 0;
	/* The clocks of this period that no read has credited yet. */
	uint32_t rest = ch->reload - ch->elapsed;
	switch (ch->mode) {
	case MODE_RATE:
	case MODE_SQUARE:
		ch->elapsed = 0;
		pit_pulse_irq(t);
		break;
	case MODE_TERMINAL_COUNT:
	case MODE_SW_STROBE:
		if (ch->armed) {
			ch->armed = false;
			pit_pulse_irq(t);
		}
		break;
	case MODE_HW_ONE_SHOT:
	case MODE_HW_STROBE:
		break;
	}
	return rest;
}
