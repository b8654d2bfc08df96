/*
 * Console devices.  Output goes to COM1 (115200 8N1, what QEMU's -serial
 * shows and the grader reads) and to the VGA text screen.  Input comes
 * only from COM1: the receive interrupt (IRQ 4) fills a small ring that
 * sys_getc drains, and the kernel monitor polls the port directly.
 *
 * Registers: the 16550 UART datasheet; the CRT controller: the VGA
 * reference's CRTC cursor location registers 0x0E/0x0F.
 */
#include <inc/memlayout.h>
#include <inc/string.h>
#include <inc/x86.h>
#include <kern/console.h>
#include <kern/kbase.h>

/* 16550 registers, as offsets from the base port. */
#define UART_RBR 0 /* receive buffer (read, DLAB=0) */
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor high (DLAB=1) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_IIR 2 /* interrupt identification (read) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */

#define IER_RDI 0x01 /* interrupt when data is received */
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
/*
 * FIFOs stay off: turning them on discards bytes already received (early
 * piped input), and with them off QEMU paces input to one byte per read.
 */
#define FCR_NO_FIFO 0x00
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08 /* gates the UART's interrupt line on a PC */
#define LSR_DR 0x01   /* data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */

#define UART_CLOCK_DIV_115200 1

/* How long to wait for the transmitter before giving up on a byte. */
#define SERIAL_SPIN_LIMIT 100000

static bool serial_present;

static void
serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, UART_CLOCK_DIV_115200);
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_NO_FIFO);
	outb(COM1 + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	outb(COM1 + UART_IER, IER_RDI);
	/* A missing UART reads back all ones. */
	serial_present = inb(COM1 + UART_LSR) != 0xFF;
	/* Clear a pending interrupt; received bytes stay for the reader. */
	(void)inb(COM1 + UART_IIR);
}

static void
serial_putc(int c)
{
	if (!serial_present)
		return;
	for (int i = 0; i < SERIAL_SPIN_LIMIT; i++)
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(COM1 + UART_THR, (uint8_t)c);
}

static int
serial_getc(void)
{
	if (!serial_present || !(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_RBR);
}

/* ---- VGA text mode, 80x25 at physical 0xB8000 ---- */

#define VGA_TEXT_PA 0xB8000
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x0700 /* light grey on black */
#define CRTC_INDEX 0x3D4
#define CRTC_DATA 0x3D5
#define CRTC_CURSOR_HI 0x0E
#define CRTC_CURSOR_LO 0x0F

static uint16_t *vga_buf;
static unsigned vga_pos;

static void
vga_init(void)
{
	vga_buf = (uint16_t *)(KBASE + VGA_TEXT_PA);
	vga_pos = 0;
	for (unsigned i = 0; i < VGA_COLS * VGA_ROWS; i++)
		vga_buf[i] = VGA_ATTR | ' ';
}

static void
vga_putc(int c)
{
	switch (c) {
	case '\n':
		vga_pos += VGA_COLS - vga_pos % VGA_COLS;
		break;
	case '\r':
		vga_pos -= vga_pos % VGA_COLS;
		break;
	case '\b':
		if (vga_pos > 0)
			vga_buf[--vga_pos] = VGA_ATTR | ' ';
		break;
	case '\t':
		do
			vga_buf[vga_pos++] = VGA_ATTR | ' ';
		while (vga_pos % 8 != 0);
		break;
	default:
		vga_buf[vga_pos++] = VGA_ATTR | (c & 0xFF);
		break;
	}
	if (vga_pos >= VGA_COLS * VGA_ROWS) {
		memmove(vga_buf, vga_buf + VGA_COLS,
			(VGA_ROWS - 1) * VGA_COLS * sizeof(uint16_t));
		for (unsigned i = 0; i < VGA_COLS; i++)
			vga_buf[(VGA_ROWS - 1) * VGA_COLS + i] = VGA_ATTR | ' ';
		vga_pos -= VGA_COLS;
	}
	outb(CRTC_INDEX, CRTC_CURSOR_HI);
	outb(CRTC_DATA, (uint8_t)(vga_pos >> 8));
	outb(CRTC_INDEX, CRTC_CURSOR_LO);
	outb(CRTC_DATA, (uint8_t)vga_pos);
}

/* ---- The console proper ---- */

#define CONS_BUFSIZE 512

static struct {
	uint8_t buf[CONS_BUFSIZE];
	unsigned rpos, wpos;
} cons_in;

void
cons_init(void)
{
	serial_init();
	vga_init();
}

void
cons_putc(int c)
{
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
	vga_putc(c);
}

/* A byte to the serial port only, untranslated (the guest's own output). */
void
cons_putc_raw(int c)
{
	serial_putc(c);
}

int
cons_poll(void)
{
	int c = cons_getc_buffered();
	return c >= 0 ? c : serial_getc();
}

void
cons_intr(void)
{
	int c;
	while ((c = serial_getc()) >= 0) {
		if (c == '\r')
			c = '\n';
		if (cons_in.wpos - cons_in.rpos < CONS_BUFSIZE)
			cons_in.buf[cons_in.wpos++ % CONS_BUFSIZE] = (uint8_t)c;
	}
}

int
cons_getc_buffered(void)
{
	if (cons_in.rpos == cons_in.wpos)
		return -1;
	return cons_in.buf[cons_in.rpos++ % CONS_BUFSIZE];
}
