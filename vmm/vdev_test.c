/*
 * Unit tests for the monitor's virtual devices (vdev*.c).  Built for the
 * host; run from the repository root:
 *
 *	obj/host/vmm/vdev_test
 *
 * The tests drive the devices through the port bus, as the guest does:
 * the guest OS's own driver sequences (kern/picirq.c, kern/timer.c,
 * kern/console.c) are replayed byte for byte, and where a value is what
 * QEMU shows natively rather than what a datasheet fixes, the test says
 * so.  Suites:
 *   bus    unknown ports, access splitting, registration, port 0x80 and
 *          the power-off port
 *   pic    initialization, masking, priority, cascade, EOI, OCW3 reads,
 *          poll, rotation, AEOI
 *   pit    the guest's programming, ticks to IRQ 0, latches, read-back,
 *          access and counting modes
 *   uart   the guest's initialization, transmit, receive and its
 *          interrupts, divisor latch, scratch, THRE, loopback, overrun
 *   lapic  reset and boot state, ID and version, TPR/PPR/APR, software
 *          enable, self-IPIs, priority, EOI, the timer's modes and
 *          divider against virtual time, ESR, the base MSR, and where
 *          the CPU takes interrupts from (vintr_*): the APIC, the PIC
 *          through LINT0, or the PIC alone
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <lib/test_table.h>

#include <inc/counters.h>
#include <inc/trap.h>
#include <inc/vdev.h>
#include <kern/picirq.h>
#include <kern/timer.h>

/* vdev_test_support.c */
extern jmp_buf *vdev_test_panic_jmp;
extern char vdev_test_panic_msg[];
extern char vdev_test_log[];

/* Ports, as the guest OS names them or as the PC places them. */
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PIT_FREQ 1193182
#define COM1 0x3F8
#define POST_PORT 0x80
#define POWEROFF_PORT 0xF4
#define UNASSIGNED_PORT 0x2E0 /* what the guest's fidelity probe reads */

/* The PC's interrupt lines. */
#define IRQ_KBD 1
#define IRQ_3 3
#define IRQ_SLAVE_IR0 8
#define IRQ_SLAVE_IR1 9
#define IRQ_MOUSE 12

/* 8259A command bytes (Intel 8259A datasheet). */
#define OCW3_READ_IRR 0x0A
#define OCW3_READ_ISR 0x0B
#define OCW3_POLL 0x0C
#define OCW2_EOI 0x20
#define OCW2_SPECIFIC_EOI 0x60
#define OCW2_SET_PRIORITY 0xC0
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086 0x01
#define ICW4_8086_AEOI 0x03
#define POLL_INT 0x80

/* 8254 command bytes (Intel 8254 datasheet). */
#define PIT_LATCH_CH0 0x00
#define PIT_READ_BACK_STATUS_CH0 0xE2 /* status only, counter 0 */
#define PIT_READ_BACK_BOTH_CH0 0xC2   /* count and status, counter 0 */
#define PIT_CH0_LOHI_MODE2 0x34
#define PIT_CH0_LOHI_MODE0 0x30
#define PIT_CH0_LOHI_MODE6 0x3C /* an alias of mode 2 */
#define PIT_CH0_LSB_MODE3 0x16
#define PIT_CH2_LOHI_MODE3 0xB6
#define PIT_STATUS_NULL_COUNT 0x40
#define PIT_STATUS_OUTPUT 0x80

/* 16550 registers and bits (PC16550D datasheet). */
#define UART_RBR 0
#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7
#define IER_RDI 0x01
#define IER_THRE 0x02
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NONE 0x01
#define IIR_THRE 0x02
#define IIR_RX_DATA 0x04
#define MSR_DSR 0x20
#define MSR_NATIVE 0xB0 /* DCD | DSR | CTS, as QEMU shows natively */

/* ---- Checks that say what they saw ---- */

#define check_at(ok, line, func, ...)                                          \
	test_check_at(ok, __FILE__, line, func, __VA_ARGS__)


/* got == want, both shown in hex on failure. */
static bool
check_eq_at(long long got, long long want, const char *what, int line,
	    const char *func)
{
	return check_at(got == want, line, func, "%s: got %#llx, want %#llx",
			what, got, want);
}

#define CHECK(cond, ...) check_at(!!(cond), __LINE__, __func__, __VA_ARGS__)
#define CHECK_EQ(got, want, what)                                              \
	check_eq_at((long long)(got), (long long)(want), what, __LINE__,       \
		    __func__)

/* ---- The world around the devices ---- */

static char out_buf[256];
static size_t out_len;
static int poweroff_calls, poweroff_status;

/* The real serial port: collect what the guest transmits. */
static void
test_putc(uint8_t c)
{
	if (out_len < sizeof(out_buf) - 1)
		out_buf[out_len++] = (char)c;
	out_buf[out_len] = '\0';
}

/* The monitor's power-off: remember the status. */
static void
test_poweroff(int status)
{
	poweroff_calls++;
	poweroff_status = status;
}

static uint8_t
inb(uint16_t port)
{
	return (uint8_t)vdev_in(port, 1);
}

static void
outb(uint16_t port, uint8_t v)
{
	vdev_out(port, 1, v);
}

/* A fresh machine: every device reset and attached, nothing counted. */
static void
machine_reset(void)
{
	vdev_reset();
	memset(vmm_counters, 0, sizeof(vmm_counters));
	vpic_init(&vpic0);
	vpic_attach(&vpic0);
	vpit_init(&vpit0, &vpic0);
	vpit_attach(&vpit0);
	vuart_init(&vuart0, &vpic0, test_putc);
	vuart_attach(&vuart0);
	vdev_attach_misc(test_poweroff);
	vlapic_init(&vlapic0);
	vdev_test_log[0] = '\0';
	out_len = 0;
	out_buf[0] = '\0';
	poweroff_calls = 0;
	poweroff_status = -1;
}

/* A device pulses line irq: a rising edge, then the line falls. */
static void
irq_pulse(int irq)
{
	vpic_set_irq(&vpic0, irq, 1);
	vpic_set_irq(&vpic0, irq, 0);
}

/* ---- The guest OS's drivers, replayed ---- */

static uint16_t guest_irq_mask;

/* kern/picirq.c: pic_write_mask */
static void
guest_pic_write_mask(void)
{
	outb(PIC1_DATA, (uint8_t)guest_irq_mask);
	outb(PIC2_DATA, (uint8_t)(guest_irq_mask >> 8));
}

/* kern/picirq.c: pic_init, step for step */
static void
guest_pic_init(void)
{
	guest_irq_mask = 0xFFFF & ~(1 << IRQ_CASCADE);
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);

	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, IRQ_OFFSET);
	outb(PIC1_DATA, 1 << IRQ_CASCADE);
	outb(PIC1_DATA, ICW4_8086);

	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC2_DATA, IRQ_OFFSET + 8);
	outb(PIC2_DATA, IRQ_CASCADE);
	outb(PIC2_DATA, ICW4_8086);

	guest_pic_write_mask();
}

/* kern/picirq.c: irq_unmask */
static void
guest_irq_unmask(int irq)
{
	guest_irq_mask &= ~(1 << irq);
	guest_pic_write_mask();
}

/* kern/picirq.c: irq_mask */
static void
guest_irq_mask_line(int irq)
{
	guest_irq_mask |= 1 << irq;
	guest_pic_write_mask();
}

/* kern/picirq.c: pic_eoi */
static void
guest_pic_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

/* kern/timer.c: timer_init */
static void
guest_timer_init(void)
{
	uint16_t divisor = (PIT_FREQ + TIMER_HZ / 2) / TIMER_HZ;

	outb(PIT_MODE, PIT_CH0_LOHI_MODE2);
	outb(PIT_CH0, divisor & 0xFF);
	outb(PIT_CH0, divisor >> 8);
	guest_irq_unmask(IRQ_TIMER);
}

/* kern/console.c: serial_init; returns what it reads from LSR and IIR. */
static void
guest_serial_init(uint8_t *lsr, uint8_t *iir)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0);
	outb(COM1 + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	outb(COM1 + UART_IER, IER_RDI);
	*lsr = inb(COM1 + UART_LSR);
	*iir = inb(COM1 + UART_IIR);
}

/* kern/console.c: serial_putc */
static void
guest_serial_putc(char c)
{
	for (int i = 0; i < 100000; i++)
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(COM1 + UART_THR, (uint8_t)c);
}

/* kern/console.c: serial_getc */
static int
guest_serial_getc(void)
{
	if (!(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_RBR);
}

/* The whole guest set-up, as kern/init.c orders it. */
static void
guest_boot(void)
{
	uint8_t lsr, iir;

	machine_reset();
	guest_serial_init(&lsr, &iir);
	guest_pic_init();
	guest_timer_init();
	guest_irq_unmask(IRQ_SERIAL);
}

/* OCW3 register reads. */
static uint8_t
read_irr(uint16_t cmd)
{
	outb(cmd, OCW3_READ_IRR);
	return inb(cmd);
}

static uint8_t
read_isr(uint16_t cmd)
{
	outb(cmd, OCW3_READ_ISR);
	return inb(cmd);
}

/* ================= bus ================= */

static void
test_unknown_ports(void)
{
	machine_reset();
	CHECK_EQ(vdev_in(UNASSIGNED_PORT, 1), 0xFF, "inb unassigned");
	CHECK_EQ(vdev_in(UNASSIGNED_PORT, 2), 0xFFFF, "inw unassigned");
	CHECK_EQ(vdev_in(UNASSIGNED_PORT, 4), 0xFFFFFFFFu, "inl unassigned");
	CHECK_EQ(vdev_unknown_in, 3, "vdev_unknown_in");
	CHECK_EQ(vmm_counters[CNT_IO_UNKNOWN], 3, "CNT_IO_UNKNOWN after in");

	vdev_out(UNASSIGNED_PORT, 1, 0x12);
	vdev_out(UNASSIGNED_PORT, 2, 0x1234);
	vdev_out(UNASSIGNED_PORT, 4, 0x12345678);
	CHECK_EQ(vdev_unknown_out, 3, "vdev_unknown_out");
	CHECK_EQ(vmm_counters[CNT_IO_UNKNOWN], 6, "CNT_IO_UNKNOWN after out");
	CHECK_EQ(vdev_in(UNASSIGNED_PORT, 1), 0xFF, "a dropped write stays");
	CHECK_EQ(out_len, 0, "nothing reached the serial port");
	CHECK_EQ(poweroff_calls, 0, "nothing powered off");

	/* Port 0x80 is claimed: it floats but is not unknown. */
	CHECK_EQ(vdev_in(POST_PORT, 1), 0xFF, "inb 0x80");
	vdev_out(POST_PORT, 1, 0x42);
	CHECK_EQ(vdev_in(POST_PORT, 1), 0xFF, "inb 0x80 after a write");
	CHECK_EQ(vmm_counters[CNT_IO_UNKNOWN], 7, "0x80 is not unknown");
	CHECK_EQ(vdev_unknown_in, 4, "vdev_unknown_in (the 0x2e0 read)");
}

static void
test_wide_access_split(void)
{
	guest_boot();
	/* Natively inw $0x20 reads IRR | IMR << 8 (QEMU 7.2: 0xb810). */
	irq_pulse(4);
	CHECK_EQ(vdev_in(PIC1_CMD, 2),
		 (uint32_t)read_irr(PIC1_CMD) | (uint32_t)inb(PIC1_DATA) << 8,
		 "inw 0x20");
	/* outw to SCR and the port above it: one byte to each. */
	vdev_out(COM1 + UART_SCR, 2, 0xAB5A);
	CHECK_EQ(inb(COM1 + UART_SCR), 0x5A, "scratch from an outw");
	CHECK_EQ(vdev_unknown_out, 1, "the unclaimed half counts once");
	CHECK_EQ(vdev_in(COM1 + UART_SCR, 2), 0xFF5A, "inw across 0x400");
	CHECK_EQ(vdev_unknown_in, 1, "the unclaimed half of an in");
	CHECK_EQ(vdev_in(0xFFFF, 2), 0xFFFF, "inw at the top of the space");
}

static void
test_register_overlap(void)
{
	struct vdev_range r = { .first = 0x3FC, .last = 0x400 };
	struct vdev_range ok = { .first = 0x400, .last = 0x401 };
	struct vdev_range same = { .first = 0x21, .last = 0x21 };
	struct vdev_range inside = { .first = 0x3F0, .last = 0x500 };
	struct vdev_range empty = { .first = 0x501, .last = 0x500 };
	jmp_buf jb;
	int n;

	machine_reset();
	CHECK_EQ(vdev_register(&r), -1, "overlapping COM1's last ports");
	CHECK_EQ(vdev_register(&same), -1, "a port of the PIC");
	CHECK_EQ(vdev_register(&inside), -1, "a range around COM1");
	CHECK_EQ(vdev_register(&empty), -1, "an empty range");
	CHECK_EQ(vdev_register(&ok), 0, "adjacent to COM1");
	CHECK_EQ(vdev_register(&ok), -1, "the same range twice");
	/* The rejected ranges left COM1 alone. */
	outb(COM1 + UART_SCR, 0x77);
	CHECK_EQ(inb(COM1 + UART_SCR), 0x77, "COM1 still answers");

	/* The table is bounded. */
	for (n = 0; n < 100; n++) {
		struct vdev_range more = { .first = 0x1000 + n,
					   .last = 0x1000 + n };
		if (vdev_register(&more) < 0)
			break;
	}
	CHECK(n < 100, "vdev_register never refused: table unbounded?");

	/* Attaching a device twice is a monitor bug: it panics. */
	machine_reset();
	vdev_test_panic_jmp = &jb;
	if (setjmp(jb) == 0) {
		vpic_attach(&vpic0);
		vdev_test_panic_jmp = NULL;
		CHECK(false, "vpic_attach twice did not panic");
	} else {
		CHECK(strstr(vdev_test_panic_msg, "0x20") != NULL,
		      "panic names the ports: \"%s\"", vdev_test_panic_msg);
	}
}

static void
test_poweroff_port(void)
{
	machine_reset();
	CHECK_EQ(inb(POWEROFF_PORT), 0, "reading isa-debug-exit (native: 0)");
	CHECK_EQ(poweroff_calls, 0, "a read does not power off");
	outb(POWEROFF_PORT, 3);
	CHECK_EQ(poweroff_calls, 1, "outb 0xf4 calls the hook");
	CHECK_EQ(poweroff_status, 3, "the status is the byte written");
	outb(POWEROFF_PORT, 0xFE);
	CHECK_EQ(poweroff_status, 0xFE, "the whole byte");
	CHECK_EQ(vmm_counters[CNT_IO_UNKNOWN], 0, "0xf4 is claimed");
}

/* ================= pic ================= */

static void
test_pic_bios_state(void)
{
	machine_reset();
	CHECK_EQ(inb(PIC1_DATA), 0xFB, "master IMR before the guest");
	CHECK_EQ(inb(PIC2_DATA), 0xFF, "slave IMR before the guest");
	irq_pulse(IRQ_TIMER);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "masked by the BIOS state");
}

/* The PIC requests on rising edges of the levels the devices report. */
static void
test_pic_edge_sensing(void)
{
	guest_boot();
	vpic_set_irq(&vpic0, IRQ_SERIAL, 1);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SERIAL, "rise");
	guest_pic_eoi(IRQ_SERIAL);
	vpic_set_irq(&vpic0, IRQ_SERIAL, 1);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "high again is no edge");
	vpic_set_irq(&vpic0, IRQ_SERIAL, 0);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "the fall is no edge");
	vpic_set_irq(&vpic0, IRQ_SERIAL, 1);
	vpic_set_irq(&vpic0, IRQ_SERIAL, 0);
	CHECK_EQ(vpic_pending_vector(&vpic0), IRQ_OFFSET + IRQ_SERIAL,
		 "a new rise, latched though the line fell");
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SERIAL, "ack");
	guest_pic_eoi(IRQ_SERIAL);

	/* ICW1 clears IRR and the latches: a high line is a new edge. */
	vpic_set_irq(&vpic0, IRQ_KBD, 1);
	guest_pic_init();
	CHECK_EQ(read_irr(PIC1_CMD), 1 << IRQ_KBD, "high through ICW1");
	vpic_set_irq(&vpic0, IRQ_KBD, 0);
	irq_pulse(IRQ_MOUSE);
	guest_pic_init();
	CHECK_EQ(read_irr(PIC2_CMD), 0, "a pulse before ICW1 is forgotten");
}

static void
test_pic_init_sequence(void)
{
	machine_reset();
	irq_pulse(IRQ_KBD); /* ICW1 forgets earlier requests */
	guest_pic_init();
	CHECK_EQ(inb(PIC1_DATA), 0xFB, "master IMR after pic_init");
	CHECK_EQ(inb(PIC2_DATA), 0xFF, "slave IMR after pic_init");
	CHECK_EQ(read_irr(PIC1_CMD), 0, "master IRR after ICW1");
	CHECK_EQ(read_isr(PIC1_CMD), 0, "master ISR");
	CHECK_EQ(read_isr(PIC2_CMD), 0, "slave ISR");
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "nothing pending");

	irq_pulse(IRQ_TIMER);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "IRQ 0 still masked");
	guest_irq_unmask(IRQ_TIMER);
	CHECK_EQ(inb(PIC1_DATA), 0xFA, "master IMR after unmask(0)");
	CHECK_EQ(vpic_pending_vector(&vpic0), IRQ_OFFSET, "IRQ 0 -> vector");
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET, "acknowledge IRQ 0");
	CHECK_EQ(read_isr(PIC1_CMD), 0x01, "IRQ 0 in service");
	CHECK_EQ(read_irr(PIC1_CMD), 0x00, "... and no longer requested");
	CHECK_EQ(vpic_acknowledge(&vpic0), -1, "nothing more to acknowledge");
	guest_pic_eoi(IRQ_TIMER);
	CHECK_EQ(read_isr(PIC1_CMD), 0, "EOI clears ISR");
}

static void
test_pic_masking(void)
{
	machine_reset();
	guest_pic_init();
	irq_pulse(IRQ_KBD);
	CHECK_EQ(read_irr(PIC1_CMD), 1 << IRQ_KBD, "a masked line is in IRR");
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "... but not delivered");
	guest_irq_unmask(IRQ_KBD);
	CHECK_EQ(vpic_pending_vector(&vpic0), IRQ_OFFSET + IRQ_KBD,
		 "delivered once unmasked");
	guest_irq_mask_line(IRQ_KBD);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "masked again");
	CHECK_EQ(read_irr(PIC1_CMD), 1 << IRQ_KBD, "still requested");

	/* The slave's mask, then the cascade line's on the master. */
	irq_pulse(IRQ_MOUSE);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "slave line masked");
	guest_irq_unmask(IRQ_MOUSE);
	CHECK_EQ(vpic_pending_vector(&vpic0), IRQ_OFFSET + IRQ_MOUSE,
		 "slave line unmasked");
	guest_irq_mask_line(IRQ_CASCADE);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "cascade masked");
	CHECK_EQ(vpic_acknowledge(&vpic0), -1, "nothing to acknowledge");

	/* The guest's fidelity probe: the mask reads back, byte by byte. */
	outb(PIC2_DATA, 0xA5);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(inb(PIC2_DATA), 0xA5, "slave IMR read back");
	CHECK_EQ(vdev_in(PIC2_DATA, 1), 0xA5, "slave IMR");
}

static void
test_pic_priority(void)
{
	machine_reset();
	guest_pic_init();
	guest_irq_unmask(IRQ_KBD);
	guest_irq_unmask(IRQ_3);
	guest_irq_unmask(IRQ_SERIAL);
	guest_irq_unmask(IRQ_TIMER);

	irq_pulse(IRQ_SERIAL);
	irq_pulse(IRQ_KBD);
	CHECK_EQ(vpic_pending_vector(&vpic0), IRQ_OFFSET + IRQ_KBD,
		 "IRQ 1 before IRQ 4");
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_KBD, "ack 1");
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "4 waits for 1's EOI");
	irq_pulse(IRQ_KBD);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "equal priority waits");
	irq_pulse(IRQ_TIMER);
	CHECK_EQ(vpic_pending_vector(&vpic0), IRQ_OFFSET + IRQ_TIMER,
		 "IRQ 0 preempts IRQ 1");
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_TIMER, "ack 0");
	CHECK_EQ(read_isr(PIC1_CMD), 0x03, "0 and 1 in service");

	/* Non-specific EOI ends the highest-priority one: 0. */
	outb(PIC1_CMD, OCW2_EOI);
	CHECK_EQ(read_isr(PIC1_CMD), 0x02, "EOI ended IRQ 0");
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "1 is still in service");
	outb(PIC1_CMD, OCW2_EOI);
	CHECK_EQ(vpic_pending_vector(&vpic0), IRQ_OFFSET + IRQ_KBD,
		 "the second IRQ 1 appears after EOI");
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_KBD, "ack 1");
	outb(PIC1_CMD, OCW2_EOI);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SERIAL, "ack 4");
	outb(PIC1_CMD, OCW2_EOI);
	CHECK_EQ(vpic_acknowledge(&vpic0), -1, "all served");
}

static void
test_pic_specific_eoi(void)
{
	machine_reset();
	guest_pic_init();
	guest_irq_unmask(IRQ_KBD);
	guest_irq_unmask(IRQ_SERIAL);
	irq_pulse(IRQ_SERIAL);
	vpic_acknowledge(&vpic0);
	irq_pulse(IRQ_KBD);
	vpic_acknowledge(&vpic0);
	CHECK_EQ(read_isr(PIC1_CMD), 0x12, "1 and 4 in service");
	outb(PIC1_CMD, OCW2_SPECIFIC_EOI | IRQ_SERIAL);
	CHECK_EQ(read_isr(PIC1_CMD), 0x02, "specific EOI ended only 4");
	irq_pulse(IRQ_SERIAL);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "4 still below 1");
	outb(PIC1_CMD, OCW2_SPECIFIC_EOI | IRQ_KBD);
	CHECK_EQ(vpic_pending_vector(&vpic0), IRQ_OFFSET + IRQ_SERIAL,
		 "next pending appears");
}

static void
test_pic_cascade(void)
{
	machine_reset();
	guest_pic_init();
	guest_irq_unmask(IRQ_KBD);
	guest_irq_unmask(IRQ_3);
	guest_irq_unmask(IRQ_SLAVE_IR0);
	guest_irq_unmask(IRQ_MOUSE);

	irq_pulse(IRQ_MOUSE);
	CHECK_EQ(read_irr(PIC2_CMD), 1 << (IRQ_MOUSE - 8), "slave IRR");
	CHECK_EQ(read_irr(PIC1_CMD), 1 << IRQ_CASCADE,
		 "the slave shows as master IRQ 2");
	CHECK_EQ(vpic_pending_vector(&vpic0), IRQ_OFFSET + IRQ_MOUSE,
		 "the slave supplies the vector");
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_MOUSE, "ack 12");
	CHECK_EQ(read_isr(PIC1_CMD), 1 << IRQ_CASCADE, "master ISR: IR2");
	CHECK_EQ(read_isr(PIC2_CMD), 1 << (IRQ_MOUSE - 8), "slave ISR: IR4");
	CHECK_EQ(read_irr(PIC1_CMD), 0, "master IRR clear");

	/* Master IR3 ranks below IR2, IR1 above it. */
	irq_pulse(IRQ_3);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "IRQ 3 below the cascade");
	/* Without special fully nested mode the master's IR2 in service
	 * holds back even the slave's higher lines. */
	irq_pulse(IRQ_SLAVE_IR0);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "IRQ 8 waits for master");
	irq_pulse(IRQ_KBD);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_KBD,
		 "IRQ 1 preempts the slave");
	guest_pic_eoi(IRQ_KBD);

	/* kern/picirq.c's EOI for a slave line: both chips. */
	guest_pic_eoi(IRQ_MOUSE);
	CHECK_EQ(read_isr(PIC2_CMD), 0, "slave ISR after EOI");
	CHECK_EQ(read_isr(PIC1_CMD), 0, "master ISR after EOI");
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SLAVE_IR0,
		 "IRQ 8 next");
	guest_pic_eoi(IRQ_SLAVE_IR0);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_3, "then 3");
	guest_pic_eoi(IRQ_3);
	CHECK_EQ(vpic_acknowledge(&vpic0), -1, "all served");

	/* The bus's IRQ 2 pin is the slave's IR1 on a PC/AT. */
	guest_irq_unmask(IRQ_SLAVE_IR1);
	irq_pulse(IRQ_CASCADE);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SLAVE_IR1,
		 "IRQ 2 arrives as IRQ 9");
}

static void
test_pic_ocw3_and_poll(void)
{
	machine_reset();
	guest_pic_init();
	guest_irq_unmask(IRQ_SERIAL);
	irq_pulse(IRQ_SERIAL);
	irq_pulse(IRQ_3); /* masked: in IRR, never polled */

	/* The select sticks until changed (8259A OCW3). */
	outb(PIC1_CMD, OCW3_READ_ISR);
	CHECK_EQ(inb(PIC1_CMD), 0, "ISR");
	CHECK_EQ(inb(PIC1_CMD), 0, "ISR again");
	outb(PIC1_CMD, OCW3_READ_IRR);
	CHECK_EQ(inb(PIC1_CMD), 0x18, "IRR");
	CHECK_EQ(inb(PIC1_CMD), 0x18, "IRR again");

	outb(PIC1_CMD, OCW3_POLL);
	CHECK_EQ(inb(PIC1_CMD), POLL_INT | IRQ_SERIAL, "poll word");
	CHECK_EQ(inb(PIC1_CMD), 0x08, "after the poll: IRR, minus IRQ 4");
	CHECK_EQ(read_isr(PIC1_CMD), 1 << IRQ_SERIAL, "poll acknowledged");
	outb(PIC1_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW3_POLL);
	CHECK_EQ(inb(PIC1_CMD), 0, "poll with nothing (native: 0)");
}

static void
test_pic_aeoi_and_rotation(void)
{
	machine_reset();
	/* Master in automatic-EOI mode. */
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, IRQ_OFFSET);
	outb(PIC1_DATA, 1 << IRQ_CASCADE);
	outb(PIC1_DATA, ICW4_8086_AEOI);
	outb(PIC1_DATA, 0x00);
	irq_pulse(IRQ_SERIAL);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SERIAL, "AEOI ack");
	CHECK_EQ(read_isr(PIC1_CMD), 0, "AEOI leaves ISR clear");
	irq_pulse(IRQ_SERIAL);
	CHECK_EQ(vpic_pending_vector(&vpic0), IRQ_OFFSET + IRQ_SERIAL,
		 "no EOI needed");

	/* Set priority: IR3 lowest makes IR4 the highest. */
	guest_pic_init();
	guest_irq_unmask(IRQ_KBD);
	guest_irq_unmask(IRQ_SERIAL);
	outb(PIC1_CMD, OCW2_SET_PRIORITY | IRQ_3);
	irq_pulse(IRQ_KBD);
	irq_pulse(IRQ_SERIAL);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SERIAL,
		 "rotated: IRQ 4 first");
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "IRQ 1 now ranks below 4");
}

/* ================= pit ================= */

/* Counter 0's count, by latch command. */
static uint16_t
pit_latched_count(void)
{
	uint16_t lo, hi;

	outb(PIT_MODE, PIT_LATCH_CH0);
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return (uint16_t)(lo | hi << 8);
}

static void
test_pit_unprogrammed(void)
{
	machine_reset();
	guest_pic_init();
	guest_irq_unmask(IRQ_TIMER);
	CHECK_EQ(vpit_divisor(&vpit0), 0, "divisor before programming");
	vpit_tick(&vpit0);
	CHECK_EQ(read_irr(PIC1_CMD), 0, "no tick before programming");
	outb(PIT_MODE, PIT_CH0_LOHI_MODE2);
	outb(PIT_CH0, 0x10);
	vpit_tick(&vpit0);
	CHECK_EQ(vpit_divisor(&vpit0), 0, "half a count is no count");
	CHECK_EQ(read_irr(PIC1_CMD), 0, "no tick on half a count");
}

static void
test_pit_timer_init(void)
{
	uint16_t want = (PIT_FREQ + TIMER_HZ / 2) / TIMER_HZ;

	guest_boot();
	CHECK_EQ(vpit_divisor(&vpit0), want, "divisor from timer_init");
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "no tick yet");
	vpit_tick(&vpit0);
	CHECK_EQ(vpic_pending_vector(&vpic0), IRQ_OFFSET + IRQ_TIMER,
		 "tick -> IRQ 0 -> vector 0x20");
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET, "acknowledged");
	vpit_tick(&vpit0);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "next tick waits for EOI");
	CHECK_EQ(read_irr(PIC1_CMD), 1 << IRQ_TIMER, "... requested");
	guest_pic_eoi(IRQ_TIMER);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET, "second tick");
	guest_pic_eoi(IRQ_TIMER);
	for (int i = 0; i < 5; i++)
		vpit_tick(&vpit0);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET, "ticks merge");
	CHECK_EQ(vpic_acknowledge(&vpic0), -1, "into one request");
}

static void
test_pit_counter_reads(void)
{
	uint16_t div = 11932, prev, c;

	guest_boot();
	outb(PIT_MODE, PIT_READ_BACK_STATUS_CH0);
	CHECK_EQ(inb(PIT_CH0), PIT_CH0_LOHI_MODE2 | PIT_STATUS_OUTPUT,
		 "status: lo/hi, mode 2, OUT high (native: 0x34)");

	prev = pit_latched_count();
	CHECK(prev >= 1 && prev <= div, "count %u out of 1..%u", prev, div);
	for (int i = 0; i < 8; i++) {
		c = pit_latched_count();
		CHECK(c < prev, "count did not fall: %u then %u", prev, c);
		prev = c;
	}
	vpit_tick(&vpit0);
	c = pit_latched_count();
	CHECK(c > prev, "a tick starts the count over: %u then %u", prev, c);

	/* A latch holds through later latches until read. */
	outb(PIT_MODE, PIT_LATCH_CH0);
	c = pit_latched_count(); /* the second latch is ignored */
	prev = pit_latched_count();
	CHECK(prev < c, "the first latch was read: %u then %u", c, prev);

	/* Read-back of count and status: status first, then the count. */
	outb(PIT_MODE, PIT_READ_BACK_BOTH_CH0);
	CHECK_EQ(inb(PIT_CH0), PIT_CH0_LOHI_MODE2 | PIT_STATUS_OUTPUT,
		 "read-back status");
	c = inb(PIT_CH0);
	c |= inb(PIT_CH0) << 8;
	CHECK(c >= 1 && c <= div, "read-back count %u", c);

	/* Unlatched lo/hi reads also decrease. */
	prev = inb(PIT_CH0);
	prev |= inb(PIT_CH0) << 8;
	c = inb(PIT_CH0);
	c |= inb(PIT_CH0) << 8;
	CHECK(c < prev, "unlatched count did not fall: %u then %u", prev, c);
	CHECK_EQ(inb(PIT_MODE), 0, "the control register (native: 0)");
}

static void
test_pit_modes(void)
{
	machine_reset();
	guest_pic_init();
	guest_irq_unmask(IRQ_TIMER);

	/* A new control word forgets the count until one is written. */
	outb(PIT_MODE, PIT_CH0_LOHI_MODE6);
	outb(PIT_MODE, PIT_READ_BACK_STATUS_CH0);
	CHECK_EQ(inb(PIT_CH0) & PIT_STATUS_NULL_COUNT, PIT_STATUS_NULL_COUNT,
		 "null count before the count");
	outb(PIT_CH0, 0);
	outb(PIT_CH0, 0);
	CHECK_EQ(vpit_divisor(&vpit0), 0x10000, "a count of 0 is 65536");
	/* The status shows the mode as written; it counts as mode 2. */
	outb(PIT_MODE, PIT_READ_BACK_STATUS_CH0);
	CHECK_EQ(inb(PIT_CH0), PIT_CH0_LOHI_MODE6 | PIT_STATUS_OUTPUT,
		 "status of mode 6");
	vpit_tick(&vpit0);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET, "mode 6 ticks");
	guest_pic_eoi(IRQ_TIMER);
	vpit_tick(&vpit0);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET, "... like mode 2");
	guest_pic_eoi(IRQ_TIMER);

	/* LSB-only access, mode 3. */
	outb(PIT_MODE, PIT_CH0_LSB_MODE3);
	outb(PIT_CH0, 0x80);
	CHECK_EQ(vpit_divisor(&vpit0), 0x80, "LSB-only count");
	vpit_tick(&vpit0);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET, "mode 3 ticks");
	guest_pic_eoi(IRQ_TIMER);
	vpit_tick(&vpit0);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET, "... periodically");
	guest_pic_eoi(IRQ_TIMER);

	/* Mode 0 fires once per count written. */
	outb(PIT_MODE, PIT_CH0_LOHI_MODE0);
	outb(PIT_CH0, 0x00);
	outb(PIT_CH0, 0x10);
	vpit_tick(&vpit0);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET, "mode 0 fires");
	guest_pic_eoi(IRQ_TIMER);
	vpit_tick(&vpit0);
	CHECK_EQ(vpic_acknowledge(&vpic0), -1, "mode 0 fires once");

	/* Counter 2 is accepted and leaves counter 0 alone. */
	outb(PIT_MODE, PIT_CH2_LOHI_MODE3);
	outb(PIT_CH2, 0x34);
	outb(PIT_CH2, 0x12);
	CHECK_EQ(vpit_divisor(&vpit0), 0x1000, "counter 2 is not counter 0");
	CHECK_EQ(vmm_counters[CNT_IO_UNKNOWN], 0, "PIT ports are claimed");
}

/* ================= uart ================= */

static void
test_uart_init_sequence(void)
{
	uint8_t lsr, iir;

	machine_reset();
	guest_serial_init(&lsr, &iir);
	CHECK_EQ(lsr, LSR_THRE | LSR_TEMT, "LSR: present, transmitter empty");
	CHECK_EQ(iir, IIR_NONE, "IIR: nothing pending");
	CHECK_EQ(inb(COM1 + UART_LCR), LCR_8N1, "LCR");
	CHECK_EQ(inb(COM1 + UART_MCR), MCR_DTR | MCR_RTS | MCR_OUT2, "MCR");
	CHECK_EQ(inb(COM1 + UART_IER), IER_RDI, "IER");
	CHECK_EQ(inb(COM1 + UART_MSR), MSR_NATIVE, "MSR");

	/* The divisor latch reads back under DLAB, IER and RBR without. */
	outb(COM1 + UART_LCR, LCR_DLAB | LCR_8N1);
	CHECK_EQ(inb(COM1 + UART_DLL), 1, "DLL");
	CHECK_EQ(inb(COM1 + UART_DLM), 0, "DLM");
	outb(COM1 + UART_DLL, 0x0C);
	outb(COM1 + UART_DLM, 0x34);
	CHECK_EQ(inb(COM1 + UART_DLL), 0x0C, "DLL rewritten");
	CHECK_EQ(inb(COM1 + UART_DLM), 0x34, "DLM rewritten");
	CHECK_EQ(out_len, 0, "a DLL write is not a byte sent");
	outb(COM1 + UART_LCR, LCR_8N1);
	CHECK_EQ(inb(COM1 + UART_IER), IER_RDI, "IER untouched by DLM");
	outb(COM1 + UART_IER, 0xFF);
	CHECK_EQ(inb(COM1 + UART_IER), 0x0F, "IER's top half reads 0");
	CHECK_EQ(vmm_counters[CNT_IO_UNKNOWN], 0, "COM1 ports are claimed");
}

static void
test_uart_transmit(void)
{
	guest_boot();
	for (const char *s = "hi\r\n"; *s; s++)
		guest_serial_putc(*s);
	CHECK(strcmp(out_buf, "hi\r\n") == 0, "sent \"%s\"", out_buf);
	CHECK_EQ(inb(COM1 + UART_LSR) & (LSR_THRE | LSR_TEMT),
		 LSR_THRE | LSR_TEMT, "transmitter always empty");
	CHECK_EQ(read_irr(PIC1_CMD), 0, "no interrupt with THRE disabled");
}

static void
test_uart_scratch(void)
{
	machine_reset();
	outb(COM1 + UART_SCR, 0x5A);
	CHECK_EQ(inb(COM1 + UART_SCR), 0x5A, "scratch");
	outb(COM1 + UART_SCR, 0xA5);
	CHECK_EQ(inb(COM1 + UART_SCR), 0xA5, "scratch again");
}

static void
test_uart_receive(void)
{
	guest_boot();
	CHECK_EQ(guest_serial_getc(), -1, "nothing received yet");
	vuart_receive(&vuart0, 'a');
	CHECK_EQ(inb(COM1 + UART_LSR) & LSR_DR, LSR_DR, "DR");
	CHECK_EQ(inb(COM1 + UART_IIR), IIR_RX_DATA, "IIR: data available");
	CHECK_EQ(vpic_pending_vector(&vpic0), IRQ_OFFSET + IRQ_SERIAL,
		 "IRQ 4 -> vector 0x24");
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SERIAL, "ack");
	CHECK_EQ(guest_serial_getc(), 'a', "RBR");
	CHECK_EQ(guest_serial_getc(), -1, "drained");
	CHECK_EQ(inb(COM1 + UART_IIR), IIR_NONE, "IIR after the read");
	guest_pic_eoi(IRQ_SERIAL);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "one byte, one interrupt");

	/* Two bytes: one edge now, another when the first is read. */
	vuart_receive(&vuart0, 'x');
	vuart_receive(&vuart0, 'y');
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SERIAL, "ack x");
	CHECK_EQ(read_irr(PIC1_CMD), 0, "the second byte made no edge");
	CHECK_EQ(inb(COM1 + UART_RBR), 'x', "x");
	CHECK_EQ(read_irr(PIC1_CMD), 1 << IRQ_SERIAL,
		 "bytes remain after the read: raised again");
	guest_pic_eoi(IRQ_SERIAL);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SERIAL, "ack y");
	CHECK_EQ(inb(COM1 + UART_RBR), 'y', "y");
	CHECK_EQ(read_irr(PIC1_CMD), 0, "no more");
	guest_pic_eoi(IRQ_SERIAL);
	/* RBR keeps the last byte (native QEMU reads it again). */
	CHECK_EQ(inb(COM1 + UART_RBR), 'y', "RBR when empty");
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "quiet");
}

static void
test_uart_irq_gating(void)
{
	machine_reset();
	guest_pic_init();
	guest_irq_unmask(IRQ_SERIAL);
	/* Reset: IER = 0, MCR = 0. */
	vuart_receive(&vuart0, 'a');
	CHECK_EQ(inb(COM1 + UART_LSR) & LSR_DR, LSR_DR, "DR without IRQ");
	CHECK_EQ(read_irr(PIC1_CMD), 0, "no IRQ with IER.RDI clear");
	outb(COM1 + UART_IER, IER_RDI);
	CHECK_EQ(inb(COM1 + UART_IIR), IIR_RX_DATA, "IIR shows it");
	CHECK_EQ(read_irr(PIC1_CMD), 0, "no IRQ with MCR.OUT2 clear");
	outb(COM1 + UART_MCR, MCR_OUT2);
	CHECK_EQ(read_irr(PIC1_CMD), 1 << IRQ_SERIAL, "OUT2 opens the gate");
	CHECK_EQ(inb(COM1 + UART_RBR), 'a', "RBR");
}

static void
test_uart_thre_interrupt(void)
{
	guest_boot();
	outb(COM1 + UART_IER, IER_THRE);
	CHECK_EQ(read_irr(PIC1_CMD), 1 << IRQ_SERIAL, "enabling THRE raises");
	CHECK_EQ(inb(COM1 + UART_IIR), IIR_THRE, "IIR: THRE (native: 02)");
	CHECK_EQ(inb(COM1 + UART_IIR), IIR_NONE, "reading IIR cleared it");
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SERIAL, "ack");
	guest_pic_eoi(IRQ_SERIAL);
	outb(COM1 + UART_THR, 'z');
	CHECK_EQ(inb(COM1 + UART_IIR), IIR_THRE, "after THR: THRE again");
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SERIAL,
		 "a new edge");
	guest_pic_eoi(IRQ_SERIAL);
	outb(COM1 + UART_FCR, 0x01);
	CHECK_EQ(inb(COM1 + UART_IIR), 0xC0 | IIR_NONE, "FIFOs on: IIR 0xc1");
}

static void
test_uart_loopback(void)
{
	guest_boot();
	outb(COM1 + UART_MCR, MCR_LOOP | MCR_DTR);
	CHECK_EQ(inb(COM1 + UART_MSR), MSR_DSR, "DTR -> DSR (native: 20)");
	outb(COM1 + UART_THR, 'A');
	CHECK_EQ(out_len, 0, "loopback keeps the byte in");
	CHECK_EQ(inb(COM1 + UART_LSR), LSR_DR | LSR_THRE | LSR_TEMT,
		 "LSR (native: 61)");
	CHECK_EQ(read_irr(PIC1_CMD), 0, "OUT2 is inactive in loopback");
	CHECK_EQ(inb(COM1 + UART_RBR), 'A', "the byte came back");
	outb(COM1 + UART_MCR, 0xFF);
	CHECK_EQ(inb(COM1 + UART_MCR), 0x1F, "MCR's top bits read 0");
	outb(COM1 + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	CHECK_EQ(inb(COM1 + UART_MSR), MSR_NATIVE, "MSR after loopback");
}

static void
test_uart_overrun(void)
{
	int n;

	guest_boot();
	for (n = 0; n < 1000 && vuart_can_receive(&vuart0); n++)
		vuart_receive(&vuart0, (uint8_t)n);
	CHECK(n > 1 && n < 1000, "queue holds %d bytes", n);
	CHECK_EQ(inb(COM1 + UART_LSR) & LSR_OE, 0, "full, not yet overrun");
	vuart_receive(&vuart0, 0xEE);
	CHECK_EQ(inb(COM1 + UART_LSR) & LSR_OE, LSR_OE, "overrun");
	CHECK_EQ(inb(COM1 + UART_LSR) & LSR_OE, 0, "reading LSR clears OE");
	for (int i = 0; i < n; i++)
		if (!CHECK_EQ(inb(COM1 + UART_RBR), (uint8_t)i, "queued byte"))
			break;
	CHECK_EQ(inb(COM1 + UART_LSR) & LSR_DR, 0, "drained; 0xee was lost");
}

/*
 * Input that arrives before the guest boots (piped into QEMU): serial_init
 * enables the receive interrupt, so the UART's line goes high and the PIC
 * latches IRQ 4; pic_init's ICW1 then clears IRR.  The line is still
 * high, because nobody has read RBR, and ICW1 also reset the edge-sense
 * latch, so the PIC sees the high line as a new request: once the guest
 * unmasks IRQ 4 it is interrupted and reads the bytes.
 */
static void
test_uart_input_before_pic_init(void)
{
	uint8_t lsr, iir;

	machine_reset();
	vuart_receive(&vuart0, 'h');
	vuart_receive(&vuart0, 'i');
	guest_serial_init(&lsr, &iir);
	CHECK_EQ(iir, IIR_RX_DATA, "IIR: data waits");
	guest_pic_init();
	guest_timer_init();
	guest_irq_unmask(IRQ_SERIAL);
	CHECK_EQ(vpic_pending_vector(&vpic0), IRQ_OFFSET + IRQ_SERIAL,
		 "IRQ 4 pending after ICW1 with the line still high");
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SERIAL, "ack");
	CHECK_EQ(guest_serial_getc(), 'h', "first byte");
	CHECK_EQ(guest_serial_getc(), 'i', "second byte");
	CHECK_EQ(guest_serial_getc(), -1, "drained");
	guest_pic_eoi(IRQ_SERIAL);
	CHECK_EQ(vpic_acknowledge(&vpic0), IRQ_OFFSET + IRQ_SERIAL,
		 "the second byte's edge, made while IRQ 4 was in service");
	guest_pic_eoi(IRQ_SERIAL);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "quiet once drained");

	/* A line that went low before ICW1 leaves nothing behind. */
	machine_reset();
	vuart_receive(&vuart0, 'x');
	guest_serial_init(&lsr, &iir);
	CHECK_EQ(guest_serial_getc(), 'x', "read before pic_init");
	guest_pic_init();
	guest_irq_unmask(IRQ_SERIAL);
	CHECK_EQ(vpic_pending_vector(&vpic0), -1, "no stale request");
}

/* ================= lapic ================= */

/* APIC registers (Intel SDM vol.3A Table 10-1) and bits the tests use. */
#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080
#define LAPIC_APR 0x090
#define LAPIC_PPR 0x0A0
#define LAPIC_EOI 0x0B0
#define LAPIC_LDR 0x0D0
#define LAPIC_DFR 0x0E0
#define LAPIC_SVR 0x0F0
#define LAPIC_ISR 0x100
#define LAPIC_TMR 0x180
#define LAPIC_IRR 0x200
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3E0
#define LAPIC_UNIMPLEMENTED 0x010 /* a reserved line of the page */

#define SVR_ENABLE 0x100
#define LVT_MASKED 0x10000
#define LVT_PERIODIC 0x20000
#define ICR_SELF 0x40000	 /* destination shorthand 01 */
#define ICR_ALL_BUT_SELF 0xC0000 /* shorthand 11 */
#define ICR_NMI 0x400		 /* delivery mode 100 */
#define ICR_LOGICAL 0x800
#define ESR_SEND_ILLEGAL 0x20
#define ESR_RECV_ILLEGAL 0x40
#define ESR_ILLEGAL_REGISTER 0x80
#define DIVIDE_BY_1 0xB
#define DIVIDE_BY_4 0x1
#define DIVIDE_BY_128 0xA

/* Natively, QEMU 7.2 -cpu qemu32 after SeaBIOS (a probe kernel's reads). */
#define NATIVE_VERSION 0x00050014
#define NATIVE_SVR 0x1FF
#define NATIVE_LINT0 0x8700 /* ExtINT, level */
#define NATIVE_LINT1 0x8400 /* NMI, level */
#define NATIVE_APIC_BASE_MSR 0xFEE00900ull

static uint32_t
apic_rd(uint32_t offset)
{
	return vlapic_read(&vlapic0, offset);
}

static void
apic_wr(uint32_t offset, uint32_t v)
{
	vlapic_write(&vlapic0, offset, v);
}

/* Whether vector's bit is set in the 256-bit register at base. */
static bool
apic_bit(uint32_t base, int vector)
{
	return apic_rd(base + (vector / 32) * 0x10) & (1u << (vector % 32));
}

/* The guest sends itself vector with a single write (shorthand self). */
static void
self_ipi(int vector)
{
	apic_wr(LAPIC_ICR_LOW, ICR_SELF | vector);
}

/* The CPU takes what the APIC offers: returns the vector, or -1. */
static int
apic_take(void)
{
	int v = vlapic_pending_vector(&vlapic0);

	if (v >= 0)
		vlapic_ack(&vlapic0, v);
	return v;
}

static void
test_lapic_reset_state(void)
{
	static const uint32_t lvts[] = { LAPIC_LVT_TIMER, LAPIC_LVT_THERMAL,
					 LAPIC_LVT_PERF, LAPIC_LVT_LINT0,
					 LAPIC_LVT_LINT1, LAPIC_LVT_ERROR };

	machine_reset();
	vlapic_reset(&vlapic0);
	CHECK_EQ(vlapic_msr_read(&vlapic0), NATIVE_APIC_BASE_MSR,
		 "IA32_APIC_BASE: 0xFEE00000, BSP, enabled");
	CHECK_EQ(vlapic_mmio_base(&vlapic0), 0xFEE00000, "page");
	CHECK_EQ(apic_rd(LAPIC_ID), 0, "ID");
	CHECK_EQ(apic_rd(LAPIC_VERSION), NATIVE_VERSION, "version");
	CHECK_EQ(apic_rd(LAPIC_TPR), 0, "TPR");
	CHECK_EQ(apic_rd(LAPIC_PPR), 0, "PPR");
	CHECK_EQ(apic_rd(LAPIC_LDR), 0, "LDR");
	CHECK_EQ(apic_rd(LAPIC_DFR), 0xFFFFFFFF, "DFR all ones");
	CHECK_EQ(apic_rd(LAPIC_SVR), 0xFF, "SVR: software-disabled");
	for (int i = 0; i < 8; i++) {
		CHECK_EQ(apic_rd(LAPIC_ISR + i * 0x10), 0, "ISR");
		CHECK_EQ(apic_rd(LAPIC_TMR + i * 0x10), 0, "TMR");
		CHECK_EQ(apic_rd(LAPIC_IRR + i * 0x10), 0, "IRR");
	}
	for (size_t i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
		CHECK_EQ(apic_rd(lvts[i]), LVT_MASKED, "LVT masked");
	CHECK_EQ(apic_rd(LAPIC_TIMER_INITIAL), 0, "initial count");
	CHECK_EQ(apic_rd(LAPIC_TIMER_CURRENT), 0, "current count");
	CHECK_EQ(apic_rd(LAPIC_TIMER_DIVIDE), 0, "divide by 2");
	CHECK_EQ(apic_rd(LAPIC_ESR), 0, "ESR");
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "nothing pending");
	CHECK(!vlapic_accepts_pic(&vlapic0), "LINT0 masked: no 8259A");

	/* What the guest's boot loader leaves (vlapic_init): as natively. */
	vlapic_init(&vlapic0);
	CHECK_EQ(vlapic_msr_read(&vlapic0), NATIVE_APIC_BASE_MSR, "boot MSR");
	CHECK_EQ(apic_rd(LAPIC_SVR), NATIVE_SVR, "boot SVR");
	CHECK_EQ(apic_rd(LAPIC_LVT_LINT0), NATIVE_LINT0, "boot LINT0");
	CHECK_EQ(apic_rd(LAPIC_LVT_LINT1), NATIVE_LINT1, "boot LINT1");
	CHECK_EQ(apic_rd(LAPIC_LVT_TIMER), LVT_MASKED, "boot timer LVT");
	CHECK(vlapic_accepts_pic(&vlapic0), "virtual wire: 8259A passes");
}

static void
test_lapic_id_version(void)
{
	machine_reset();
	apic_wr(LAPIC_ID, 0x12345678);
	CHECK_EQ(apic_rd(LAPIC_ID), 0x12000000, "ID: bits 31:24 only");
	apic_wr(LAPIC_VERSION, 0);
	CHECK_EQ(apic_rd(LAPIC_VERSION), NATIVE_VERSION, "version read-only");
	apic_wr(LAPIC_LDR, 0xFFFFFFFF);
	CHECK_EQ(apic_rd(LAPIC_LDR), 0xFF000000, "LDR: bits 31:24");
	apic_wr(LAPIC_DFR, 0);
	CHECK_EQ(apic_rd(LAPIC_DFR), 0x0FFFFFFF, "DFR: cluster model");
	/* The other 12 bytes of a register's line. */
	apic_wr(LAPIC_TPR + 4, 0xFF);
	CHECK_EQ(apic_rd(LAPIC_TPR + 4), 0, "TPR + 4 reads 0");
	CHECK_EQ(apic_rd(LAPIC_TPR), 0, "TPR + 4 is not TPR");
	CHECK_EQ(apic_rd(LAPIC_EOI), 0, "EOI is write-only");
}

static void
test_lapic_tpr_ppr(void)
{
	machine_reset();
	apic_wr(LAPIC_TPR, 0x1234);
	CHECK_EQ(apic_rd(LAPIC_TPR), 0x34, "TPR: 8 bits");
	CHECK_EQ(apic_rd(LAPIC_PPR), 0x34, "PPR = TPR, nothing in service");
	apic_wr(LAPIC_TPR, 0x32);
	self_ipi(0x51);
	CHECK_EQ(apic_rd(LAPIC_APR), 0x50, "APR: IRR's class above TPR's");
	CHECK_EQ(apic_take(), 0x51, "taken");
	CHECK_EQ(apic_rd(LAPIC_PPR), 0x50, "PPR: the class in service");
	CHECK_EQ(apic_rd(LAPIC_APR), 0x50, "APR: ISR's class above TPR's");
	apic_wr(LAPIC_TPR, 0x65);
	CHECK_EQ(apic_rd(LAPIC_PPR), 0x65, "PPR: TPR above ISR");
	CHECK_EQ(apic_rd(LAPIC_APR), 0x65, "APR: TPR above both");
	apic_wr(LAPIC_TPR, 0x58);
	CHECK_EQ(apic_rd(LAPIC_PPR), 0x58, "PPR: same class, TPR's value");
	apic_wr(LAPIC_EOI, 0);
	apic_wr(LAPIC_TPR, 0);
	CHECK_EQ(apic_rd(LAPIC_PPR), 0, "PPR after EOI");
	apic_wr(LAPIC_PPR, 0xFF);
	CHECK_EQ(apic_rd(LAPIC_PPR), 0, "PPR read-only");
}

static void
test_lapic_software_enable(void)
{
	machine_reset();
	apic_wr(LAPIC_SVR, 0xFFFFFFFF);
	CHECK_EQ(apic_rd(LAPIC_SVR), 0x3FF, "SVR: vector, enable, focus");
	apic_wr(LAPIC_LVT_TIMER, 0x30);
	CHECK_EQ(apic_rd(LAPIC_LVT_TIMER), 0x30, "enabled: LVT unmasked");

	apic_wr(LAPIC_SVR, 0xFF);
	CHECK_EQ(apic_rd(LAPIC_LVT_TIMER), LVT_MASKED | 0x30,
		 "software-disable masks every LVT");
	CHECK_EQ(apic_rd(LAPIC_LVT_LINT0), LVT_MASKED | NATIVE_LINT0,
		 "... LINT0 too");
	CHECK(!vlapic_accepts_pic(&vlapic0), "... so the 8259A is cut off");
	apic_wr(LAPIC_LVT_TIMER, 0x31);
	CHECK_EQ(apic_rd(LAPIC_LVT_TIMER), LVT_MASKED | 0x31,
		 "the mask stays while disabled");
	self_ipi(0x40);
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1,
		 "disabled: accepts no fixed IPI");

	/* Held requests survive disabling and are still delivered. */
	apic_wr(LAPIC_SVR, SVR_ENABLE | 0xFF);
	self_ipi(0x41);
	apic_wr(LAPIC_SVR, 0xFF);
	CHECK(apic_bit(LAPIC_IRR, 0x41), "IRR held while disabled");
	CHECK_EQ(apic_take(), 0x41, "... and delivered (SDM §10.4.7.2)");
	apic_wr(LAPIC_EOI, 0);
	CHECK(!apic_bit(LAPIC_ISR, 0x41), "EOI while disabled");
}

static void
test_lapic_self_ipi(void)
{
	machine_reset();
	self_ipi(0x40);
	CHECK(apic_bit(LAPIC_IRR, 0x40), "self-IPI in IRR");
	CHECK_EQ(apic_rd(LAPIC_ICR_LOW), ICR_SELF | 0x40,
		 "ICR reads back, delivery status idle");
	CHECK_EQ(vlapic_pending_vector(&vlapic0), 0x40, "pending");
	vlapic_ack(&vlapic0, 0x40);
	CHECK(!apic_bit(LAPIC_IRR, 0x40), "ack clears IRR");
	CHECK(apic_bit(LAPIC_ISR, 0x40), "... and sets ISR");
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "in service");
	self_ipi(0x40);
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1,
		 "again: waits for the EOI (same class)");
	apic_wr(LAPIC_EOI, 0);
	CHECK(!apic_bit(LAPIC_ISR, 0x40), "EOI clears ISR");
	CHECK_EQ(apic_take(), 0x40, "the second one");
	apic_wr(LAPIC_EOI, 0);
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "quiet");

	/* By destination: physical, the APIC's own ID or broadcast. */
	apic_wr(LAPIC_ID, 0x05000000);
	apic_wr(LAPIC_ICR_HIGH, 0x05000000);
	apic_wr(LAPIC_ICR_LOW, 0x42);
	CHECK_EQ(apic_take(), 0x42, "physical destination = own ID");
	apic_wr(LAPIC_EOI, 0);
	apic_wr(LAPIC_ICR_HIGH, 0xFF000000);
	apic_wr(LAPIC_ICR_LOW, 0x43);
	CHECK_EQ(apic_take(), 0x43, "physical broadcast");
	apic_wr(LAPIC_EOI, 0);
	/* Logical, flat model: a bit in common with LDR. */
	apic_wr(LAPIC_LDR, 0x02000000);
	apic_wr(LAPIC_ICR_HIGH, 0x03000000);
	apic_wr(LAPIC_ICR_LOW, ICR_LOGICAL | 0x44);
	CHECK_EQ(apic_take(), 0x44, "logical destination, flat model");
	apic_wr(LAPIC_EOI, 0);
	CHECK_EQ(vdev_test_log[0], '\0', "nothing reported so far");

	/* What a uniprocessor cannot deliver: ignored, reported once. */
	apic_wr(LAPIC_ICR_HIGH, 0x01000000);
	apic_wr(LAPIC_ICR_LOW, 0x45);
	apic_wr(LAPIC_ICR_LOW, ICR_ALL_BUT_SELF | 0x46);
	apic_wr(LAPIC_ICR_LOW, ICR_SELF | ICR_NMI);
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "other CPUs, NMI");
	CHECK(strstr(vdev_test_log, "ignored") != NULL, "reported: %s",
	      vdev_test_log);
	CHECK(strchr(vdev_test_log, '\n') == strrchr(vdev_test_log, '\n'),
	      "once: %s", vdev_test_log);

	/* Vectors 0-15 are illegal: ESR, after the write that latches it. */
	self_ipi(0x05);
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "vector 5 refused");
	CHECK_EQ(apic_rd(LAPIC_ESR), 0, "ESR shows nothing before a write");
	apic_wr(LAPIC_ESR, 0);
	CHECK_EQ(apic_rd(LAPIC_ESR), ESR_SEND_ILLEGAL | ESR_RECV_ILLEGAL,
		 "ESR: send and receive illegal vector");
	apic_wr(LAPIC_ESR, 0);
	CHECK_EQ(apic_rd(LAPIC_ESR), 0, "the next write clears it");
}

static void
test_lapic_priority(void)
{
	machine_reset();
	self_ipi(0x35);
	self_ipi(0x62);
	CHECK_EQ(vlapic_pending_vector(&vlapic0), 0x62, "higher vector first");
	CHECK_EQ(apic_take(), 0x62, "taken");
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1,
		 "0x35 blocked by 0x62 in service");
	self_ipi(0x80);
	CHECK_EQ(apic_take(), 0x80, "a higher class nests");
	apic_wr(LAPIC_EOI, 0);
	CHECK(!apic_bit(LAPIC_ISR, 0x80) && apic_bit(LAPIC_ISR, 0x62),
	      "EOI ends the highest in service");
	apic_wr(LAPIC_EOI, 0);
	CHECK_EQ(vlapic_pending_vector(&vlapic0), 0x35, "now 0x35");

	/* TPR: a class must be above the TPR's to be offered. */
	apic_wr(LAPIC_TPR, 0x40);
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "TPR 0x40 masks 0x35");
	apic_wr(LAPIC_TPR, 0x30);
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "TPR 0x30: same class");
	apic_wr(LAPIC_TPR, 0x2F);
	CHECK_EQ(vlapic_pending_vector(&vlapic0), 0x35, "TPR 0x2F lets it");
	apic_wr(LAPIC_TPR, 0);
	CHECK_EQ(apic_take(), 0x35, "taken");
	apic_wr(LAPIC_EOI, 0);
	apic_wr(LAPIC_EOI, 0);
	CHECK_EQ(apic_rd(LAPIC_ISR + 0x10), 0, "an EOI with none in service");
}

/* Program the timer: LVT, divide, then the initial count (starts it). */
static void
timer_start(uint32_t lvt, uint32_t divide, uint32_t count)
{
	apic_wr(LAPIC_LVT_TIMER, lvt);
	apic_wr(LAPIC_TIMER_DIVIDE, divide);
	apic_wr(LAPIC_TIMER_INITIAL, count);
}

static void
test_lapic_timer_one_shot(void)
{
	machine_reset();
	timer_start(0x30, DIVIDE_BY_4, 1000);
	CHECK_EQ(apic_rd(LAPIC_TIMER_CURRENT), 1000, "starts at the count");
	vlapic_advance(&vlapic0, 3999);
	CHECK_EQ(apic_rd(LAPIC_TIMER_CURRENT), 1, "999 counts in 3999 cycles");
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "not yet");
	vlapic_advance(&vlapic0, 1);
	CHECK_EQ(apic_rd(LAPIC_TIMER_CURRENT), 0, "reaches 0");
	CHECK_EQ(vlapic_pending_vector(&vlapic0), 0x30, "at exactly 4000");
	CHECK_EQ(apic_take(), 0x30, "taken");
	apic_wr(LAPIC_EOI, 0);
	vlapic_advance(&vlapic0, 1000000);
	CHECK_EQ(apic_rd(LAPIC_TIMER_CURRENT), 0, "stays at 0");
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "one shot only");

	/* A new count rearms it; a count of 0 stops it. */
	apic_wr(LAPIC_TIMER_INITIAL, 10);
	vlapic_advance(&vlapic0, 20);
	CHECK_EQ(apic_rd(LAPIC_TIMER_CURRENT), 5, "rearmed");
	apic_wr(LAPIC_TIMER_INITIAL, 0);
	vlapic_advance(&vlapic0, 1000);
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "stopped");
	apic_wr(LAPIC_TIMER_CURRENT, 5);
	CHECK_EQ(apic_rd(LAPIC_TIMER_CURRENT), 0, "current count read-only");
}

static void
test_lapic_timer_periodic(void)
{
	machine_reset();
	timer_start(LVT_PERIODIC | 0x31, DIVIDE_BY_128, 10);
	CHECK_EQ(apic_rd(LAPIC_LVT_TIMER), LVT_PERIODIC | 0x31, "LVT");
	vlapic_advance(&vlapic0, 128 * 10 - 1);
	CHECK_EQ(apic_rd(LAPIC_TIMER_CURRENT), 1, "last count");
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "not yet");
	vlapic_advance(&vlapic0, 1);
	CHECK_EQ(vlapic_pending_vector(&vlapic0), 0x31, "first period");
	CHECK_EQ(apic_rd(LAPIC_TIMER_CURRENT), 10, "reloaded");
	apic_take();
	apic_wr(LAPIC_EOI, 0);
	for (int i = 0; i < 3; i++) {
		vlapic_advance(&vlapic0, 128 * 10);
		CHECK_EQ(apic_take(), 0x31, "every period");
		apic_wr(LAPIC_EOI, 0);
	}
	vlapic_advance(&vlapic0, 128 * 25);
	CHECK_EQ(apic_take(), 0x31, "two and a half periods");
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "merge into one");
	CHECK_EQ(apic_rd(LAPIC_TIMER_CURRENT), 5, "... and half a period");
	apic_wr(LAPIC_EOI, 0);

	/* Every divider: the count of 3 runs out after 3 * divide cycles. */
	for (uint32_t code = 0; code < 16; code++) {
		uint32_t divide;

		if (code & 4)
			continue; /* bit 2 is reserved */
		/* SDM Figure 10-10: 2 << (bits 3, 1, 0); 111 is 1. */
		divide = (code & 0xB) == 0xB
				 ? 1
				 : 2u << (((code & 8) >> 1) | (code & 3));
		timer_start(0x32, code, 3);
		CHECK_EQ(apic_rd(LAPIC_TIMER_DIVIDE), code, "divide reads back");
		vlapic_advance(&vlapic0, 3 * divide - 1);
		CHECK_EQ(vlapic_pending_vector(&vlapic0), -1,
			 "divide code not yet");
		vlapic_advance(&vlapic0, 1);
		CHECK_EQ(apic_take(), 0x32, "divide code: on time");
		apic_wr(LAPIC_EOI, 0);
	}
	apic_wr(LAPIC_TIMER_DIVIDE, 0xFFFFFFFF);
	CHECK_EQ(apic_rd(LAPIC_TIMER_DIVIDE), 0xB, "divide: bits 0, 1, 3");
}

static void
test_lapic_timer_masked(void)
{
	machine_reset();
	timer_start(LVT_MASKED | LVT_PERIODIC | 0x33, DIVIDE_BY_1, 100);
	vlapic_advance(&vlapic0, 250);
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "masked: no interrupt");
	CHECK_EQ(apic_rd(LAPIC_IRR + 0x10), 0, "... not even in IRR");
	CHECK_EQ(apic_rd(LAPIC_TIMER_CURRENT), 50, "but it counts");
	apic_wr(LAPIC_LVT_TIMER, LVT_PERIODIC | 0x33);
	vlapic_advance(&vlapic0, 50);
	CHECK_EQ(apic_take(), 0x33, "unmasked: the next period interrupts");
}

static void
test_lapic_errors(void)
{
	machine_reset();
	apic_rd(LAPIC_UNIMPLEMENTED);
	apic_wr(LAPIC_ESR, 0);
	CHECK_EQ(apic_rd(LAPIC_ESR), ESR_ILLEGAL_REGISTER,
		 "a read of a reserved register");
	/* With the error LVT unmasked, an error is an interrupt. */
	apic_wr(LAPIC_LVT_ERROR, 0xFFFFFFFF);
	CHECK_EQ(apic_rd(LAPIC_LVT_ERROR), 0x100FF, "error LVT bits");
	apic_wr(LAPIC_LVT_ERROR, 0x3E);
	apic_wr(LAPIC_UNIMPLEMENTED, 1);
	CHECK_EQ(apic_take(), 0x3E, "error interrupt");
	apic_wr(LAPIC_LVT_LINT1, 0xFFFFFFFF);
	CHECK_EQ(apic_rd(LAPIC_LVT_LINT1), 0x1A7FF,
		 "LINT1: no delivery status, no remote IRR");
}

static void
test_lapic_base_msr(void)
{
	machine_reset();
	CHECK_EQ(vlapic_msr_write(&vlapic0, NATIVE_APIC_BASE_MSR | 0x400), -1,
		 "x2APIC enable: reserved");
	CHECK_EQ(vlapic_msr_write(&vlapic0, 1ull << 36), -1,
		 "beyond 36 address bits");
	CHECK_EQ(vlapic_msr_read(&vlapic0), NATIVE_APIC_BASE_MSR,
		 "unchanged by refused writes");
	CHECK_EQ(vlapic_msr_write(&vlapic0, 0xFEC01800), 0, "move the page");
	CHECK_EQ(vlapic_msr_read(&vlapic0), 0xFEC01900ull, "BSP stays");
	CHECK_EQ(vlapic_mmio_base(&vlapic0), 0xFEC01000, "the new page");

	/* Global disable: back to power-up, off the bus. */
	self_ipi(0x50);
	CHECK_EQ(vlapic_msr_write(&vlapic0, 0xFEE00000), 0, "disable");
	CHECK_EQ(vlapic_mmio_base(&vlapic0), 0, "no page");
	CHECK_EQ(vlapic_pending_vector(&vlapic0), -1, "request lost");
	CHECK(vlapic_accepts_pic(&vlapic0), "LINT0 is INTR");
	CHECK_EQ(vlapic_msr_write(&vlapic0, 0xFEE00800), 0, "enable again");
	CHECK_EQ(apic_rd(LAPIC_SVR), 0xFF, "in the power-up state");
	CHECK(!vlapic_accepts_pic(&vlapic0), "LINT0 masked now");
}

/* The PIC set up by the guest with a timer tick requested on IRQ 0. */
static void
boot_with_pic_tick(void)
{
	guest_boot();
	vpit_tick(&vpit0);
}

static void
test_lapic_vintr(void)
{
	/* A guest that never touches its APIC: exactly the 8259A. */
	boot_with_pic_tick();
	CHECK_EQ(vintr_pending(), vpic_pending_vector(&vpic0), "same as PIC");
	CHECK_EQ(vintr_pending(), IRQ_OFFSET + IRQ_TIMER, "the tick");
	CHECK_EQ(vintr_ack(), IRQ_OFFSET + IRQ_TIMER, "acknowledged");
	CHECK_EQ(read_isr(PIC1_CMD), 1 << IRQ_TIMER, "by the PIC");
	CHECK_EQ(vintr_pending(), -1, "nothing else");
	guest_pic_eoi(IRQ_TIMER);
	CHECK_EQ(vintr_ack(), -1, "nothing to acknowledge");

	/* The APIC globally disabled: the same. */
	boot_with_pic_tick();
	vlapic_msr_write(&vlapic0, 0xFEE00000);
	CHECK_EQ(vintr_pending(), IRQ_OFFSET + IRQ_TIMER, "disabled APIC");
	CHECK_EQ(vintr_ack(), IRQ_OFFSET + IRQ_TIMER, "... acknowledged");

	/* LINT0 masked (as xv6 and JOS do): the 8259A is cut off. */
	boot_with_pic_tick();
	apic_wr(LAPIC_LVT_LINT0, LVT_MASKED);
	CHECK_EQ(vintr_pending(), -1, "LINT0 masked");
	CHECK_EQ(vintr_ack(), -1, "no INTA");
	CHECK_EQ(read_irr(PIC1_CMD), 1 << IRQ_TIMER, "the PIC still waits");
	apic_wr(LAPIC_LVT_LINT0, NATIVE_LINT0);
	CHECK_EQ(vintr_pending(), IRQ_OFFSET + IRQ_TIMER, "virtual wire again");

	/* Both: the APIC's first, then the 8259A's. */
	self_ipi(0x21);
	CHECK_EQ(vintr_pending(), 0x21, "the APIC's first");
	CHECK_EQ(vintr_ack(), 0x21, "taken from the APIC");
	CHECK(apic_bit(LAPIC_ISR, 0x21), "in the APIC's ISR");
	CHECK_EQ(vintr_pending(), IRQ_OFFSET + IRQ_TIMER,
		 "then the PIC's: an ExtINT ignores the PPR");
	CHECK_EQ(vintr_ack(), IRQ_OFFSET + IRQ_TIMER, "taken from the PIC");
}

/*
 * The monitor's clock (vmm_handle_irq): each real tick of the guest's
 * PIT period is one vpit_tick and that many PIT clocks of APIC bus
 * time.  A guest that counts the APIC timer over one PIT period, then
 * programs that count periodic, gets one interrupt per PIT tick.
 */
static void
test_lapic_timer_calibration(void)
{
	uint32_t divisor = (PIT_FREQ + TIMER_HZ / 2) / TIMER_HZ;
	uint32_t start, measured;

	guest_boot();
	timer_start(LVT_MASKED | 0x40, DIVIDE_BY_4, 0xFFFFFFFF);
	start = apic_rd(LAPIC_TIMER_CURRENT);
	vpit_tick(&vpit0);
	vlapic_advance(&vlapic0, (uint64_t)divisor *
					 VLAPIC_BUS_CYCLES_PER_PIT_CLOCK);
	measured = start - apic_rd(LAPIC_TIMER_CURRENT);
	CHECK_EQ(measured, divisor * VLAPIC_BUS_CYCLES_PER_PIT_CLOCK / 4,
		 "APIC counts in one PIT period");
	CHECK(measured * 4ull * TIMER_HZ > 100000000ull &&
		      measured * 4ull * TIMER_HZ < 101000000ull,
	      "bus clock about 100 MHz: %u", measured * 4 * TIMER_HZ);
	vintr_ack();
	guest_pic_eoi(IRQ_TIMER);

	timer_start(LVT_PERIODIC | 0x40, DIVIDE_BY_4, measured);
	for (int i = 0; i < 10; i++) {
		vpit_tick(&vpit0);
		vlapic_advance(&vlapic0, (uint64_t)divisor *
						 VLAPIC_BUS_CYCLES_PER_PIT_CLOCK);
		CHECK_EQ(vintr_ack(), 0x40, "APIC tick with each PIT tick");
		apic_wr(LAPIC_EOI, 0);
		CHECK_EQ(vintr_ack(), IRQ_OFFSET + IRQ_TIMER, "and the PIT's");
		guest_pic_eoi(IRQ_TIMER);
		CHECK_EQ(vintr_pending(), -1, "nothing more");
	}
}

/* ================= the run ================= */

static const struct test_case tests[] = {
	{ "bus", "unknown ports", test_unknown_ports },
	{ "bus", "wide accesses split", test_wide_access_split },
	{ "bus", "overlapping registrations", test_register_overlap },
	{ "bus", "power-off port", test_poweroff_port },
	{ "pic", "BIOS state", test_pic_bios_state },
	{ "pic", "edge sensing", test_pic_edge_sensing },
	{ "pic", "init sequence", test_pic_init_sequence },
	{ "pic", "masking", test_pic_masking },
	{ "pic", "priority", test_pic_priority },
	{ "pic", "specific EOI", test_pic_specific_eoi },
	{ "pic", "cascade", test_pic_cascade },
	{ "pic", "OCW3 reads and poll", test_pic_ocw3_and_poll },
	{ "pic", "AEOI and rotation", test_pic_aeoi_and_rotation },
	{ "pit", "unprogrammed", test_pit_unprogrammed },
	{ "pit", "timer_init and ticks", test_pit_timer_init },
	{ "pit", "counter reads", test_pit_counter_reads },
	{ "pit", "modes", test_pit_modes },
	{ "uart", "init sequence", test_uart_init_sequence },
	{ "uart", "transmit", test_uart_transmit },
	{ "uart", "scratch", test_uart_scratch },
	{ "uart", "receive", test_uart_receive },
	{ "uart", "IRQ gating", test_uart_irq_gating },
	{ "uart", "THRE interrupt", test_uart_thre_interrupt },
	{ "uart", "loopback", test_uart_loopback },
	{ "uart", "overrun", test_uart_overrun },
	{ "uart", "input before pic_init", test_uart_input_before_pic_init },
	{ "lapic", "reset and boot state", test_lapic_reset_state },
	{ "lapic", "ID, version, LDR, DFR", test_lapic_id_version },
	{ "lapic", "TPR, PPR, APR", test_lapic_tpr_ppr },
	{ "lapic", "software enable", test_lapic_software_enable },
	{ "lapic", "self-IPI and EOI", test_lapic_self_ipi },
	{ "lapic", "priority and TPR", test_lapic_priority },
	{ "lapic", "timer one-shot", test_lapic_timer_one_shot },
	{ "lapic", "timer periodic and divide", test_lapic_timer_periodic },
	{ "lapic", "timer masked", test_lapic_timer_masked },
	{ "lapic", "ESR and the error LVT", test_lapic_errors },
	{ "lapic", "IA32_APIC_BASE", test_lapic_base_msr },
	{ "lapic", "vintr: APIC and PIC", test_lapic_vintr },
	{ "lapic", "timer calibrated by the PIT", test_lapic_timer_calibration },
};

int
main(void)
{
	return test_table_run("vdev_test", tests, sizeof(tests) / sizeof(tests[0]),
			      NULL);
}
