/*
 * Virtual devices: the monitor's port-I/O dispatch and the devices behind
 * it (vmm/vdev_*.c).  Devices are plain C state machines:
 * they never touch real hardware themselves.  What they need from the
 * outside world -- sending a byte to the real serial port, raising a
 * virtual interrupt line, powering off -- comes through the hooks below,
 * so the same code runs in the monitor and in the host unit tests.
 */
#ifndef VMMLAB_INC_VDEV_H
#define VMMLAB_INC_VDEV_H

#include <inc/types.h>

/* ---- Port dispatch (vdev.c) ---- */

/*
 * size is 1, 2 or 4 bytes; port is the first port of the access.  Every
 * device of lab 1 is an 8-bit ISA device, and vdev_in/vdev_out split a
 * wider access into byte accesses at port, port + 1, ... as the PC's
 * bus does, so these are called with size 1.
 */
typedef uint32_t (*vdev_in_fn)(void *dev, uint16_t port, int size);
typedef void (*vdev_out_fn)(void *dev, uint16_t port, int size, uint32_t v);

struct vdev_range {
	uint16_t first, last; /* inclusive */
	const char *name;
	vdev_in_fn in;	      /* NULL: reads return all ones */
	vdev_out_fn out;      /* NULL: writes are dropped */
	void *dev;
	bool wide; /* not an 8-bit ISA device: an access that starts in the
		      range reaches the handlers whole, at its own size */
};

/*
 * Register a handler for [first, last] (*r is copied); 0, or -1 if it
 * overlaps a registered range or the table is full.
 */
int vdev_register(const struct vdev_range *r);
/* Forget every registration (tests, and a monitor restarting a guest). */
void vdev_reset(void);
/*
 * Guest port I/O.  A port nobody registered reads as all ones and drops
 * writes, as an empty ISA bus does; both are counted, once per access,
 * in vdev_unknown_* and counters.h's CNT_IO_UNKNOWN.  The caller counts
 * the access itself (CNT_IO_IN/OUT, count_port()).
 */
uint32_t vdev_in(uint16_t port, int size);
void vdev_out(uint16_t port, int size, uint32_t v);
extern uint64_t vdev_unknown_in, vdev_unknown_out;
/* Called for each access to a port nobody claimed (NULL: none). */
extern void (*vdev_unknown_hook)(uint16_t port, int size, bool write);

/*
 * vdev_ports.c (the monitor only): the policy for ports no device model
 * claims -- the PCI configuration mechanism answers "no devices", the
 * ranges passthrough= names reach the real ports, and the first access
 * to any other port is logged with the guest's eip.
 */
void vdev_attach_ports(void);

/* ---- 8259A PIC pair (vdev_pic.c) ---- */

struct vpic; /* opaque: one master + one slave */
extern struct vpic vpic0;

/*
 * The pair as a PC BIOS leaves it: vectors 0x08 and 0x70, the slave on
 * master IR2, every line but the cascade masked.  The guest reprograms it.
 */
void vpic_init(struct vpic *p);
/*
 * A device's interrupt output on line irq (0-15; IRQ 2 arrives as IRQ 9)
 * is at level (0 or 1).  Devices report it on every change of their
 * state; the PIC turns rising edges into requests (edge-triggered).
 */
void vpic_set_irq(struct vpic *p, int irq, int level);
/*
 * The vector the CPU would take now if it accepted an interrupt (the
 * highest-priority requested, unmasked line not blocked by one in
 * service), or -1.
 */
int vpic_pending_vector(const struct vpic *p);
/* The CPU accepts it: IRR -> ISR.  Returns the vector (or -1). */
int vpic_acknowledge(struct vpic *p);
/* Register ports 0x20-0x21 and 0xA0-0xA1. */
void vpic_attach(struct vpic *p);

/* ---- 8254 PIT channel 0 (vdev_pit.c) ---- */

struct vpit;
extern struct vpit vpit0;

void vpit_init(struct vpit *t, struct vpic *pic);
/* Register ports 0x40-0x43. */
void vpit_attach(struct vpit *t);
/* The divisor the guest programmed into channel 0 (0: not yet). */
uint32_t vpit_divisor(const struct vpit *t);
/*
 * A period of the guest's timer elapsed (vpit_divisor() cycles of the
 * 1.193182 MHz clock): raise IRQ 0 (if programmed; once only in the
 * one-shot modes).  The monitor calls it from its own clock.
 */
void vpit_tick(struct vpit *t);

/* ---- 16550 UART on COM1 (vdev_uart.c) ---- */

struct vuart;
extern struct vuart vuart0;

/* putc: where bytes written to THR go (the real serial port). */
void vuart_init(struct vuart *u, struct vpic *pic, void (*putc)(uint8_t c));
/* Register ports 0x3F8-0x3FF. */
void vuart_attach(struct vuart *u);
/*
 * A byte arrived on the real port: queue it; IRQ 4 if the guest enabled
 * it (IER bit 0, and MCR OUT2, which gates the line on a PC).  A byte
 * that finds the queue full is lost and reported as an overrun.
 */
void vuart_receive(struct vuart *u, uint8_t c);
/*
 * Whether the queue has room for another byte.  A monitor that reads the
 * real port only while this holds loses no input: with its FIFOs off,
 * QEMU hands over one byte per read of the real RBR.
 */
bool vuart_can_receive(const struct vuart *u);

/* ---- Small fixed-function ports (vdev.c) ---- */

/*
 * Port 0x80 (POST code: writes dropped, reads 0xFF) and the power-off port
 * 0xF4, which calls poweroff(status) with the byte the guest wrote (and
 * reads 0, as QEMU's isa-debug-exit does).
 */
void vdev_attach_misc(void (*poweroff)(int status));

#endif
