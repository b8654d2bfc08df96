/*
 * The virtual 16550 UART on COM1, the guest's console.  Bytes the guest
 * transmits go straight to the putc hook (the real serial port), so the
 * transmitter is always empty; bytes that arrive on the real port are
 * handed in with vuart_receive() and wait in a small receive queue,
 * which stands for the receiver's buffer and FIFO, until the guest reads
 * them from RBR.
 *
 * The UART's INTR output reaches the PIC as IRQ 4 only while MCR's OUT2
 * is set: on the PC, OUT2 gates the interrupt line.  The PIC is
 * edge-triggered, so we raise IRQ 4 when INTR goes from low to high.
 *
 * Registers: the National Semiconductor PC16550D datasheet, "16550"
 * below.  FIFO mode is accepted (IIR reports it) but not modelled apart
 * from the receiver reset: every byte is its own interrupt, as with
 * FIFOs off, which is how the guest uses the port.  Where the datasheet
 * leaves a choice, we do what QEMU's 16550 shows natively.
 */
#include <inc/assert.h>
#include <inc/string.h>
#include <inc/vdev.h>

/* COM1 on the PC. */
#define COM1_BASE 0x3F8
#define COM1_LAST 0x3FF
#define COM1_IRQ 4

/* 16550 "Register Addresses", offsets from the base port. */
#define UART_RBR 0 /* receiver buffer (read, DLAB = 0) */
#define UART_THR 0 /* transmitter holding (write, DLAB = 0) */
#define UART_DLL 0 /* divisor latch, low byte (DLAB = 1) */
#define UART_IER 1 /* interrupt enable (DLAB = 0) */
#define UART_DLM 1 /* divisor latch, high byte (DLAB = 1) */
#define UART_IIR 2 /* interrupt identification (read) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_MSR 6 /* modem status */
#define UART_SCR 7 /* scratch */

/* IER: the four interrupt sources; D7-D4 are always 0. */
#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI 0x04  /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */
#define IER_MASK 0x0F

/* IIR: D0 = 0 when an interrupt is pending, D3-D1 which (16550 Table IV). */
#define IIR_NONE 0x01
#define IIR_LINE_STATUS 0x06
#define IIR_RX_DATA 0x04
#define IIR_THRE 0x02
#define IIR_FIFOS_ON 0xC0 /* D7-D6: FCR0 is set */

/* FCR */
#define FCR_ENABLE 0x01
#define FCR_RX_RESET 0x02

/* LCR */
#define LCR_DLAB 0x80 /* divisor latch access */

/* MCR: D7-D5 are always 0. */
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1F

/* LSR */
#define LSR_DR 0x01   /* data ready */
#define LSR_OE 0x02   /* overrun error */
#define LSR_THRE 0x20 /* transmitter holding register empty */
#define LSR_TEMT 0x40 /* transmitter empty */

/* MSR: D7-D4 the modem inputs (the deltas D3-D0 never change here). */
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80
/* A terminal on the line: what QEMU's port shows natively. */
#define MSR_CONNECTED (MSR_DCD | MSR_DSR | MSR_CTS)

/* How many received bytes wait for the guest; more are overruns. */
#define VUART_RXQ_SIZE 64

struct vuart {
	struct vpic *pic;	/* IRQ 4 goes here */
	void (*putc)(uint8_t c); /* transmitted bytes go here */
	uint8_t ier, lcr, mcr, scr;
	uint8_t dll, dlm;	/* the divisor latch */
	bool fifos_on;		/* FCR0 */
	bool overrun;		/* LSR OE: a byte was lost; reading LSR
				   clears it */
	bool thre_pending;	/* the THRE interrupt, until an IIR read or
				   a THR write clears it */
	uint8_t rbr;		/* the last byte read: RBR keeps it */
	uint8_t rxq[VUART_RXQ_SIZE]; /* received, not yet read */
	unsigned rxq_head, rxq_len;
};

struct vuart vuart0;

/*
 * The highest-priority pending interrupt (16550 Table IV), as IIR's
 * D3-D0.  rx_ready says whether a byte sits in RBR.
 */
static uint8_t
uart_pending(const struct vuart *u, bool rx_ready)
{
	if ((u->ier & IER_ELSI) && u->overrun)
		return IIR_LINE_STATUS;
	if ((u->ier & IER_ERBFI) && rx_ready)
		return IIR_RX_DATA;
	if ((u->ier & IER_ETBEI) && u->thre_pending)
		return IIR_THRE;
	return IIR_NONE; /* modem status: the inputs never change */
}

/*
 * Whether the PC's IRQ 4 line is high: INTR gated by the OUT2 pin, which
 * loopback mode forces inactive (16550 "MCR" D4).
 */
static bool
uart_irq_line(const struct vuart *u, bool rx_ready)
{
	return (u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2 &&
	       uart_pending(u, rx_ready) != IIR_NONE;
}

/*
 * After any change of state: tell the PIC the level of IRQ 4 (the PIC
 * finds the rising edges).
 */
static void
uart_update_irq(struct vuart *u)
{
	vpic_set_irq(u->pic, COM1_IRQ, uart_irq_line(u, u->rxq_len > 0));
}

/* A byte reaches the receiver; with no room left it is an overrun. */
static void
uart_rx_push(struct vuart *u, uint8_t c)
{
	if (u->rxq_len == VUART_RXQ_SIZE) {
		u->overrun = true;
		return;
	}
	u->rxq[(u->rxq_head + u->rxq_len) % VUART_RXQ_SIZE] = c;
	u->rxq_len++;
}

/*
 * The guest reads RBR: the oldest byte, or the last one again if none
 * is waiting.  The next byte comes in a character time later, so INTR
 * falls in between (unless another source holds it) and rises again.
 */
static uint8_t
uart_read_rbr(struct vuart *u)
{
	if (u->rxq_len > 0) {
		u->rbr = u->rxq[u->rxq_head];
		u->rxq_head = (u->rxq_head + 1) % VUART_RXQ_SIZE;
		u->rxq_len--;
		vpic_set_irq(u->pic, COM1_IRQ, uart_irq_line(u, false));
	}
	return u->rbr;
}

/* The guest writes THR: out at once (or back in, in loopback mode). */
static void
uart_write_thr(struct vuart *u, uint8_t c)
{
	/* Writing THR clears THRE; it is empty again a moment later. */
	u->thre_pending = false;
	uart_update_irq(u);
	if (u->mcr & MCR_LOOP)
		uart_rx_push(u, c);
	else if (u->putc != NULL)
		u->putc(c);
	u->thre_pending = true;
}

/* MSR: in loopback the outputs come back as inputs (16550 "MCR" D4). */
static uint8_t
uart_msr(const struct vuart *u)
{
	uint8_t msr = 0;

	if (!(u->mcr & MCR_LOOP))
		return MSR_CONNECTED;
	if (u->mcr & MCR_RTS)
		msr |= MSR_CTS;
	if (u->mcr & MCR_DTR)
		msr |= MSR_DSR;
	if (u->mcr & MCR_OUT1)
		msr |= MSR_RI;
	if (u->mcr & MCR_OUT2)
		msr |= MSR_DCD;
	return msr;
}

/* Port read. */
static uint32_t
uart_in(void *dev, uint16_t port, int size)
{
	struct vuart *u = dev;
	bool dlab = (u->lcr & LCR_DLAB) != 0;
	uint8_t v = 0;

	assert(size == 1); /* vdev.c splits wider accesses */
	switch (port - COM1_BASE) {
	case UART_RBR:
		v = dlab ? u->dll : uart_read_rbr(u);
		break;
	case UART_IER:
		v = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR:
		v = uart_pending(u, u->rxq_len > 0);
		/* Reading IIR clears a THRE interrupt it reports. */
		if (v == IIR_THRE)
			u->thre_pending = false;
		if (u->fifos_on)
			v |= IIR_FIFOS_ON;
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		v = LSR_THRE | LSR_TEMT;
		if (u->rxq_len > 0)
			v |= LSR_DR;
		if (u->overrun)
			v |= LSR_OE;
		u->overrun = false;
		break;
	case UART_MSR:
		v = uart_msr(u);
		break;
	case UART_SCR:
		v = u->scr;
		break;
	}
	uart_update_irq(u);
	return v;
}

/* Port write. */
static void
uart_out(void *dev, uint16_t port, int size, uint32_t v)
{
	struct vuart *u = dev;
	bool dlab = (u->lcr & LCR_DLAB) != 0;
	uint8_t b = (uint8_t)v;

	assert(size == 1); /* vdev.c splits wider accesses */
	switch (port - COM1_BASE) {
	case UART_THR:
		if (dlab)
			u->dll = b;
		else
			uart_write_thr(u, b);
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = b;
			break;
		}
		/* Enabling ETBEI with THR empty interrupts at once. */
		if ((b & IER_ETBEI) && !(u->ier & IER_ETBEI))
			u->thre_pending = true;
		u->ier = b & IER_MASK;
		break;
	case UART_FCR:
		/* Switching the FIFOs, or a reset, empties the receiver. */
		if ((b & FCR_RX_RESET) ||
		    u->fifos_on != ((b & FCR_ENABLE) != 0))
			u->rxq_len = 0;
		u->fifos_on = (b & FCR_ENABLE) != 0;
		break;
	case UART_LCR:
		u->lcr = b;
		break;
	case UART_MCR:
		u->mcr = b & MCR_MASK;
		break;
	case UART_LSR: /* factory test only */
	case UART_MSR:
		break;
	case UART_SCR:
		u->scr = b;
		break;
	}
	uart_update_irq(u);
}

/*
 * A UART in its master-reset state (16550 Table II), sending to putc and
 * interrupting through pic.  The divisor latch and scratch register are
 * undefined after reset; they start at 0.
 */
void
vuart_init(struct vuart *u, struct vpic *pic, void (*putc)(uint8_t c))
{
	memset(u, 0, sizeof(*u));
	u->pic = pic;
	u->putc = putc;
}

/* Claim ports 0x3F8-0x3FF. */
void
vuart_attach(struct vuart *u)
{
	const struct vdev_range r = {
		.first = COM1_BASE,
		.last = COM1_LAST,
		.name = "com1",
		.in = uart_in,
		.out = uart_out,
		.dev = u,
	};

	if (vdev_register(&r) < 0)
		panic("vuart: ports %#x-%#x already claimed", COM1_BASE,
		      COM1_LAST);
}

/* Whether vuart_receive() would keep another byte (the queue has room). */
bool
vuart_can_receive(const struct vuart *u)
{
	return u->rxq_len < VUART_RXQ_SIZE;
}

/* A byte arrived on the real port: queue it, and interrupt if enabled. */
void
vuart_receive(struct vuart *u, uint8_t c)
{
	uart_rx_push(u, c);
	uart_update_irq(u);
}
