/*
 * The monitor's I/O port bus.  Every in/out the guest executes traps (the
 * guest runs with IOPL 0, docs/DESIGN.md §7) and the emulator hands it to
 * vdev_in()/vdev_out(), which find the device that claimed the port in a
 * small fixed table of port ranges, as the ISA bus decodes an address
 * for the card that answers to it.
 *
 * Every device of lab 1 sits on the PC's 8-bit ISA bus, and the bus
 * splits a 16- or 32-bit access to such a device into byte accesses at
 * consecutive ports (a native "inw $0x20" under QEMU reads IRR | IMR << 8).
 * So do we: handlers only ever see size 1, and a device may straddle
 * nothing, except a range registered wide (the PCI configuration ports,
 * ports passed through to the real machine), whose handlers see each
 * access whole.  A port nobody claimed reads as all ones (the pulled-up data
 * lines of an empty bus; natively "inb $0x2e0" reads 0xff) and drops
 * writes; each such guest access is counted once.
 *
 * This file also holds the two one-port devices: the POST-code port 0x80
 * and QEMU's isa-debug-exit power-off port.
 */
#include <inc/assert.h>
#include <inc/counters.h>
#include <inc/vdev.h>

/* Room for every device of every lab; vdev_register() fails beyond it. */
#define VDEV_MAX_RANGES 16

/* 64 Ki byte ports (Intel SDM vol.1, "I/O Port Addressing"). */
#define IO_PORT_LIMIT 0x10000u

/* What an empty ISA bus returns for one byte. */
#define BUS_FLOAT_BYTE 0xFFu
#define BITS_PER_BYTE 8
#define BYTE_MASK 0xFFu

/* POST diagnostic port: BIOSes write progress codes; reads float. */
#define POST_PORT 0x80

/*
 * QEMU's isa-debug-exit device (grade/qemu-run: iobase=0xf4, iosize=1):
 * a write of v ends QEMU with exit status (v << 1) | 1.  Measured
 * natively under QEMU 7.2, a read of it returns 0.
 */
#define POWEROFF_PORT 0xF4
#define POWEROFF_READ_VALUE 0x00u

static struct vdev_range ranges[VDEV_MAX_RANGES];
static int nranges;

uint64_t vdev_unknown_in, vdev_unknown_out;
void (*vdev_unknown_hook)(uint16_t port, int size, bool write);

/*
 * Claim [r->first, r->last] for a device.  Returns 0, or -1 if the range
 * is empty, overlaps one already claimed (two cards answering the same
 * port would fight over the data lines), or the table is full.
 */
int
vdev_register(const struct vdev_range *r)
{
	if (r->first > r->last || nranges == VDEV_MAX_RANGES)
		return -1;
	for (int i = 0; i < nranges; i++)
		if (r->first <= ranges[i].last && ranges[i].first <= r->last)
			return -1;
	ranges[nranges++] = *r;
	return 0;
}

/* Forget every registration and the unknown-port counts. */
void
vdev_reset(void)
{
	nranges = 0;
	vdev_unknown_in = 0;
	vdev_unknown_out = 0;
}

/* The range that claimed port, or NULL. */
static const struct vdev_range *
vdev_lookup(uint32_t port)
{
	for (int i = 0; i < nranges; i++)
		if (ranges[i].first <= port && port <= ranges[i].last)
			return &ranges[i];
	return NULL;
}

/*
 * One byte read from port; *claimed is cleared if no device answered.
 * A device that claimed the port but has no read handler floats too.
 */
static uint8_t
bus_read_byte(uint32_t port, bool *claimed)
{
	const struct vdev_range *r =
		port < IO_PORT_LIMIT ? vdev_lookup(port) : NULL;

	if (r == NULL) {
		*claimed = false;
		return BUS_FLOAT_BYTE;
	}
	if (r->in == NULL)
		return BUS_FLOAT_BYTE;
	return (uint8_t)r->in(r->dev, (uint16_t)port, 1);
}

/* One byte written to port; *claimed is cleared if no device took it. */
static void
bus_write_byte(uint32_t port, uint8_t v, bool *claimed)
{
	const struct vdev_range *r =
		port < IO_PORT_LIMIT ? vdev_lookup(port) : NULL;

	if (r == NULL) {
		*claimed = false;
		return;
	}
	if (r->out != NULL)
		r->out(r->dev, (uint16_t)port, 1, v);
}

/*
 * The guest reads size (1, 2 or 4) bytes from port: the bytes of
 * port, port + 1, ... assembled little-endian, as the bus delivers them.
 */
uint32_t
vdev_in(uint16_t port, int size)
{
	uint32_t v = 0;
	bool claimed = true;
	const struct vdev_range *r = vdev_lookup(port);

	if (r != NULL && r->wide)
		return r->in != NULL ? r->in(r->dev, port, size)
				     : (uint32_t)(((uint64_t)1 << (size * BITS_PER_BYTE)) - 1);

	for (int i = 0; i < size; i++)
		v |= (uint32_t)bus_read_byte((uint32_t)port + i, &claimed)
		     << (i * BITS_PER_BYTE);
	if (!claimed) {
		vdev_unknown_in++;
		count(CNT_IO_UNKNOWN);
		if (vdev_unknown_hook != NULL)
			vdev_unknown_hook(port, size, false);
	}
	return v;
}

/* The guest writes the low size (1, 2 or 4) bytes of v to port. */
void
vdev_out(uint16_t port, int size, uint32_t v)
{
	bool claimed = true;
	const struct vdev_range *r = vdev_lookup(port);

	if (r != NULL && r->wide) {
		if (r->out != NULL)
			r->out(r->dev, port, size, v);
		return;
	}

	for (int i = 0; i < size; i++)
		bus_write_byte((uint32_t)port + i,
			       (uint8_t)(v >> (i * BITS_PER_BYTE)), &claimed);
	if (!claimed) {
		vdev_unknown_out++;
		count(CNT_IO_UNKNOWN);
		if (vdev_unknown_hook != NULL)
			vdev_unknown_hook(port, size, true);
	}
}

/* ---- Port 0x80 and the power-off port ---- */

static void (*poweroff_hook)(int status);

/* A read of the power-off port: what isa-debug-exit answers. */
static uint32_t
poweroff_in(void *dev, uint16_t port, int size)
{
	(void)dev, (void)port, (void)size;
	return POWEROFF_READ_VALUE;
}

/* The guest writes its exit status to the power-off port. */
static void
poweroff_out(void *dev, uint16_t port, int size, uint32_t v)
{
	(void)dev, (void)port, (void)size;
	if (poweroff_hook != NULL)
		poweroff_hook((int)(v & BYTE_MASK));
}

/*
 * Claim port 0x80 (writes dropped, reads 0xff: no handlers) and the
 * power-off port, whose byte writes go to poweroff(status).
 */
void
vdev_attach_misc(void (*poweroff)(int status))
{
	static const struct vdev_range post = {
		.first = POST_PORT,
		.last = POST_PORT,
		.name = "post",
	};
	static const struct vdev_range off = {
		.first = POWEROFF_PORT,
		.last = POWEROFF_PORT,
		.name = "poweroff",
		.in = poweroff_in,
		.out = poweroff_out,
	};

	poweroff_hook = poweroff;
	if (vdev_register(&post) < 0 || vdev_register(&off) < 0)
		panic("vdev: ports %#x and %#x already claimed", POST_PORT,
		      POWEROFF_PORT);
}

/* ---- Where the virtual CPU takes its interrupts from ---- */

/*
 * The PC's two interrupt controllers meet at the CPU: the local APIC
 * offers its highest request above the processor priority, and the
 * 8259A's INTR output comes in on the APIC's LINT0 pin, which passes it
 * on (virtual wire mode, or with the APIC globally disabled) or not.
 * When both have one, the APIC's goes first, as QEMU arbitrates them
 * (an ExtINT does not go through the APIC's IRR and TPR).  A guest
 * that never touches its APIC keeps the state SeaBIOS left, LINT0
 * ExtINT, and sees exactly the 8259A.
 */
int
vintr_pending(void)
{
	int v = vlapic_pending_vector(&vlapic0);

	if (v >= 0)
		return v;
	if (!vlapic_accepts_pic(&vlapic0))
		return -1;
	return vpic_pending_vector(&vpic0);
}

/*
 * The virtual CPU takes the interrupt vintr_pending() offered: the
 * APIC's moves to its ISR, or the 8259A answers the INTA cycles.
 */
int
vintr_ack(void)
{
	int v = vlapic_pending_vector(&vlapic0);

	if (v >= 0) {
		vlapic_ack(&vlapic0, v);
		return v;
	}
	if (!vlapic_accepts_pic(&vlapic0))
		return -1;
	return vpic_acknowledge(&vpic0);
}
