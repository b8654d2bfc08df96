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
uint32_t vpit_tick(struct vpit *t);
/*
 * Time the guest has seen pass on counter 0, in PIT clocks: each read
 * that shows the count falling credits that much (the hook, NULL: none),
 * and vpit_tick returns the rest of the period (0 if counter 0 has no
 * count).  The monitor keeps its other timers -- the local APIC's -- on
 * the same clock, so a guest that measures one against the other finds
 * them agree.
 */
extern void (*vpit_clock_hook)(uint32_t pit_clocks);

/* ---- Local APIC, xAPIC mode, one processor (vdev_lapic.c) ---- */

struct vlapic; /* opaque: the registers of one local APIC */
extern struct vlapic vlapic0;

/* IA32_APIC_BASE (Intel SDM vol.3A §10.4.4): its MSR number and bits. */
#define MSR_IA32_APIC_BASE 0x1B
#define APIC_BASE_BSP 0x100u	       /* bit 8: the bootstrap processor */
#define APIC_BASE_ENABLE 0x800u	       /* bit 11: APIC globally enabled */
#define APIC_BASE_ADDR_MASK 0xFFFFFF000ull /* bits 35:12: the page */
#define APIC_DEFAULT_BASE 0xFEE00000u
#define APIC_PAGE_SIZE 0x1000u

/*
 * The virtual APIC bus clock, in cycles per 1.193182 MHz PIT clock:
 * 84, so the APIC timer counts at 100.227288 MHz before its divider.
 * The monitor advances both timers from the same real tick
 * (vmm_handle_irq), so a guest that calibrates its APIC timer against
 * the PIT measures exactly this.
 */
#define VLAPIC_BUS_CYCLES_PER_PIT_CLOCK 84

/*
 * Power-up or RESET (SDM §10.4.7.1): base 0xFEE00000, globally enabled,
 * the BSP; software-disabled (SVR 0xFF), every LVT masked, the timer
 * stopped, DFR all ones, everything else 0.
 */
void vlapic_reset(struct vlapic *a);
/*
 * What a guest finds when its boot loader starts it: vlapic_reset, then
 * what SeaBIOS leaves (read natively under QEMU 7.2): software-enabled
 * (SVR 0x1FF), LINT0 ExtINT and LINT1 NMI (virtual wire mode), so the
 * 8259A's interrupts reach the CPU through LINT0.
 */
void vlapic_init(struct vlapic *a);

/*
 * The guest reads or writes the 32-bit register at offset (0-0xFFC) of
 * the APIC page.  offset must be a multiple of 4: the caller handles
 * any other access to the page (SDM §10.4.1: registers are accessed by
 * 32-bit loads and stores at 16-byte-aligned addresses; narrower,
 * wider or unaligned accesses are model-specific).  Natively, QEMU 7.2
 * reads 0 for them and drops such writes; the caller should do the
 * same, not split them.  Bytes 4-15 of each 16-byte line read 0 and
 * ignore writes; a register the xAPIC lacks reads 0, drops writes and
 * sets ESR's illegal-register bit.
 */
uint32_t vlapic_read(struct vlapic *a, uint32_t offset);
void vlapic_write(struct vlapic *a, uint32_t offset, uint32_t value);

/*
 * IA32_APIC_BASE.  A write with a reserved bit set (0-7, 9, 10 -- no
 * x2APIC -- or 36-63) changes nothing and returns -1: the caller raises
 * #GP(0).  Otherwise 0; BSP is read-only.  Clearing the enable bit puts
 * the APIC back to its power-up state (SDM §10.4.3) and takes it off
 * the bus: its page is ordinary memory again and the 8259A's INTR goes
 * straight to the CPU.
 */
uint64_t vlapic_msr_read(const struct vlapic *a);
int vlapic_msr_write(struct vlapic *a, uint64_t value);
/*
 * The guest-physical address of the APIC page, or 0 if the APIC is
 * globally disabled (accesses then go to memory).  A base at or above
 * 4 GiB, out of a 32-bit guest's reach, is also 0.
 */
gpa_t vlapic_mmio_base(const struct vlapic *a);

/*
 * bus_cycles cycles of the APIC bus clock (VLAPIC_BUS_CYCLES_PER_PIT_
 * CLOCK per PIT clock) have passed: the timer counts down by
 * bus_cycles / divide, and sets its vector in IRR, once, on reaching 0
 * (one-shot) or on each reload (periodic; two reloads in one advance
 * coalesce into one request, as a second request for a vector already
 * in IRR does on the APIC).
 */
void vlapic_advance(struct vlapic *a, uint64_t bus_cycles);

/*
 * The vector the CPU would take from the APIC now (SDM §10.8.3.1: the
 * highest in IRR whose priority class is above the PPR's), or -1.  A
 * software-disabled APIC accepts nothing new, but what its IRR already
 * holds is still delivered (SDM §10.4.7.2).
 */
int vlapic_pending_vector(const struct vlapic *a);
/* The CPU takes vector (from vlapic_pending_vector): IRR -> ISR. */
void vlapic_ack(struct vlapic *a, int vector);
/*
 * Whether the 8259A's INTR output reaches the CPU: the APIC is globally
 * disabled (the pin is INTR itself), or LINT0 is unmasked in ExtINT
 * mode (virtual wire).  Software-disabling masks LINT0 (SDM §10.4.7.2).
 */
bool vlapic_accepts_pic(const struct vlapic *a);

/* ---- Virtual interrupts: where the CPU takes them from (vdev.c) ---- */

/*
 * The vector the virtual CPU would take now if it accepted an external
 * interrupt: the APIC's first, then the 8259A's if it reaches the CPU
 * through LINT0 (as QEMU arbitrates them); -1 if none.  Every engine
 * asks this, never the devices themselves.
 */
int vintr_pending(void);
/*
 * The CPU accepts the interrupt vintr_pending() named: the APIC moves
 * it to ISR, or the 8259A does its INTA cycles.  Returns the vector to
 * deliver, or -1 if there is none after all.
 */
int vintr_ack(void);

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
