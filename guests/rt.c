/*
 * The guest runtime (guests/rt.h): serial output, the descriptor
 * tables, trap dispatch, paging, the PIT stopwatch and power-off.
 */
#include <inc/x86.h>
#include <inc/string.h>
#include <guests/rt.h>

/* ---- Serial output: COM1, 115200 8N1, polled ---- */

#define COM1 0x3F8
#define UART_THR 0 /* transmit holding (DLAB 0) */
#define UART_DLL 0 /* divisor latch, low (DLAB 1) */
#define UART_IER 1 /* interrupt enable (DLAB 0) */
#define UART_DLM 1 /* divisor latch, high (DLAB 1) */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define MCR_DTR_RTS 0x03
#define LSR_THRE 0x20 /* transmit holding register empty */
#define UART_DIV_115200 1
#define UART_SPIN_LIMIT 12800 /* give up waiting for THRE after this */

static void
serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, UART_DIV_115200);
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

static void
serial_putc(int c, void *unused)
{
	int i;

	if (c == '\n')
		serial_putc('\r', unused);
	for (i = 0; i < UART_SPIN_LIMIT; i++)
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(COM1 + UART_THR, (uint8_t)c);
}

/* say: one line of output, "NAME: ..." and a newline. */
void
say(const char *fmt, ...)
{
	va_list ap;

	printfmt(serial_putc, NULL, "%s: ", guest_name);
	va_start(ap, fmt);
	vprintfmt(serial_putc, NULL, fmt, ap);
	va_end(ap);
	serial_putc('\n', NULL);
}

/* check: if !ok, print "NAME: FAIL: ..." and power off with status. */
void
check(bool ok, int status, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	printfmt(serial_putc, NULL, "%s: FAIL: ", guest_name);
	va_start(ap, fmt);
	vprintfmt(serial_putc, NULL, fmt, ap);
	va_end(ap);
	serial_putc('\n', NULL);
	guest_poweroff(status);
}

/* Power off through isa-debug-exit; grade/qemu-run turns the byte back
 * into the run's exit status. */
void
guest_poweroff(int status)
{
	outb(GUEST_POWEROFF_PORT, (uint8_t)status);
	say("the power-off port did not respond; halting");
	for (;;) {
		cli();
		hlt();
	}
}

/* ---- Descriptor tables ---- */

/*
 * The CPU reads the tables through addresses that C never dereferences,
 * so the stores that fill them must not be dropped as dead: a compiler
 * barrier before each load of a table register.
 */
#define barrier() asm volatile("" ::: "memory")

#define TRAP_STACK_SIZE 8192
#define STUB_SIZE 16 /* entry.S's trap stub slots */

static struct taskstate tss;
static uint8_t trap_stack[TRAP_STACK_SIZE] __attribute__((aligned(16)));

static struct segdesc gdt[] = {
	SEG_NULL,
	[GSEL_KCODE >> 3] = SEG(STA_X | STA_R, 0, 0xFFFFFFFF, 0),
	[GSEL_KDATA >> 3] = SEG(STA_W, 0, 0xFFFFFFFF, 0),
	[GSEL_UCODE >> 3] = SEG(STA_X | STA_R, 0, 0xFFFFFFFF, 3),
	[GSEL_UDATA >> 3] = SEG(STA_W, 0, 0xFFFFFFFF, 3),
	[GSEL_TSS >> 3] = SEG_NULL, /* filled in by gdt_init */
};

static struct gatedesc idt[256];
static trap_handler_t handlers[256];

extern char trap_stubs[];

/* Load our GDT, reload every segment register, and load the TSS. */
static void
gdt_init(void)
{
	struct pseudodesc gdtr = { sizeof(gdt) - 1, (uint32_t)gdt };

	tss.ts_esp0 = (uint32_t)trap_stack + TRAP_STACK_SIZE;
	tss.ts_ss0 = GSEL_KDATA;
	tss.ts_iomb = sizeof(tss); /* no I/O bitmap: user port I/O faults */
	gdt[GSEL_TSS >> 3] =
		SEG16(STS_T32A, (uint32_t)&tss, sizeof(tss) - 1, 0);

	barrier();
	lgdt(&gdtr);
	asm volatile("movw %w0, %%ds; movw %w0, %%es; movw %w0, %%ss\n\t"
		     "movw %w0, %%fs; movw %w0, %%gs\n\t"
		     "ljmp %1, $1f\n1:"
		     :
		     : "r"(GSEL_KDATA), "i"(GSEL_KCODE)
		     : "memory");
	ltr(GSEL_TSS);
}

/* Every vector gets an interrupt gate to its stub; int $0x80 works from
 * ring 3. */
static void
idt_init(void)
{
	struct pseudodesc idtr = { sizeof(idt) - 1, (uint32_t)idt };
	int v;

	for (v = 0; v < 256; v++)
		gate_set(&idt[v], STS_IG32, GSEL_KCODE,
			 (uint32_t)trap_stubs + v * STUB_SIZE,
			 v == GVEC_SYSCALL ? 3 : 0);
	barrier();
	lidt(&idtr);
}

/* ---- The 8259A PICs: remapped to 0x20-0x2F and masked ---- */

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define ICW1_INIT_ICW4 0x11
#define ICW3_MASTER_SLAVE_ON_IRQ2 0x04
#define ICW3_SLAVE_ID 0x02
#define ICW4_8086 0x01

static void
pic_init_masked(void)
{
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, GVEC_PIC_BASE);
	outb(PIC1_DATA, ICW3_MASTER_SLAVE_ON_IRQ2);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC2_DATA, GVEC_PIC_BASE + 8);
	outb(PIC2_DATA, ICW3_SLAVE_ID);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
}

/* ---- Traps ---- */

#define T_PGFLT 14

struct fault last_fault;
extern uint32_t probe_resume; /* entry.S: where a probe resumes */
void user_return(int result) __attribute__((noreturn));

void
trap_set_handler(int vec, trap_handler_t h)
{
	handlers[vec] = h;
}

static void
record_fault(struct gtrapframe *tf)
{
	last_fault.trapno = tf->trapno;
	last_fault.err = tf->err;
	last_fault.cr2 = tf->trapno == T_PGFLT ? rcr2() : 0;
	last_fault.eip = tf->eip;
}

/*
 * Called by entry.S's trap_common for every vector.  From ring 3 the
 * user run is over (run_user returns); in a probe the fault is recorded
 * and the probe resumes; otherwise the vector's handler runs, and a
 * vector nobody expected stops the guest.
 */
void
trap(struct gtrapframe *tf)
{
	if ((tf->cs & 3) == 3) {
		if (tf->trapno == GVEC_SYSCALL)
			user_return(0);
		record_fault(tf);
		user_return(1);
	}
	if (probe_resume != 0 && tf->trapno < 32) {
		record_fault(tf);
		tf->eip = probe_resume;
		tf->eax = 1;
		return;
	}
	if (handlers[tf->trapno]) {
		handlers[tf->trapno](tf);
		return;
	}
	say("unexpected trap %u, error code %#x, at eip %#x (cr2 %#x)",
	    tf->trapno, tf->err, tf->eip, rcr2());
	guest_poweroff(GUEST_EXIT_TRAP);
}

/* ---- Paging ---- */

#define PT_POOL 4 /* page tables beyond the first */

static pde_t pgdir[NPDENTRIES] __attribute__((aligned(PGSIZE)));
static pte_t pt_low[NPTENTRIES] __attribute__((aligned(PGSIZE)));
static pte_t pt_pool[PT_POOL][NPTENTRIES] __attribute__((aligned(PGSIZE)));
static int pt_used;

void
paging_init(void)
{
	uint32_t i;

	for (i = 0; i < NPTENTRIES; i++)
		pt_low[i] = (i << PGSHIFT) | PTE_P | PTE_W;
	/* Directory entries allow everything; the PTEs decide. */
	pgdir[0] = (uint32_t)pt_low | PTE_P | PTE_W | PTE_U;
}

pte_t *
paging_pte(uint32_t va)
{
	pde_t *pde = &pgdir[PDX(va)];

	if (!(*pde & PTE_P)) {
		check(pt_used < PT_POOL, 98, "out of page tables at %#x", va);
		*pde = (uint32_t)pt_pool[pt_used++] | PTE_P | PTE_W | PTE_U;
	}
	return &((pte_t *)PTE_ADDR(*pde))[PTX(va)];
}

void
paging_map(uint32_t va, uint32_t flags)
{
	*paging_pte(va) = ROUNDDOWN(va, PGSIZE) | flags | PTE_P;
	invlpg(va);
}

void
paging_enable(bool wp)
{
	barrier();
	lcr3((uint32_t)pgdir);
	lcr0((rcr0() & ~CR0_WP) | CR0_PE | CR0_PG | (wp ? CR0_WP : 0));
}

/* ---- The PIT as a stopwatch ---- */

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CMD_CH0_LOHI_MODE2 0x34 /* counter 0, LSB then MSB, rate */
#define PIT_CMD_CH0_LATCH 0x00
#define PIT_HZ 1193182
#define PIT_PERIOD_MS 10
#define PIT_DIVISOR (PIT_HZ / (1000 / PIT_PERIOD_MS))

static uint16_t
pit_count(void)
{
	uint8_t lo, hi;

	outb(PIT_CMD, PIT_CMD_CH0_LATCH);
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return (uint16_t)(hi << 8 | lo);
}

/*
 * Counter 0 in mode 2 counts down from PIT_DIVISOR and reloads, so a
 * count larger than the one before is the start of a new period.
 */
void
pit_wait_ms(unsigned ms, volatile int *count, int want)
{
	unsigned periods = (ms + PIT_PERIOD_MS - 1) / PIT_PERIOD_MS;
	uint16_t prev, now;

	outb(PIT_CMD, PIT_CMD_CH0_LOHI_MODE2);
	outb(PIT_CH0, PIT_DIVISOR & 0xFF);
	outb(PIT_CH0, PIT_DIVISOR >> 8);
	prev = pit_count();
	while (periods > 0) {
		if (count && *count >= want)
			return;
		now = pit_count();
		if (now > prev)
			periods--;
		prev = now;
	}
}

void
irq_window_ms(unsigned ms, volatile int *count, int want)
{
	sti();
	pit_wait_ms(ms, count, want);
	cli();
}

/* ---- Start-up ---- */

void rt_main(void) __attribute__((noreturn));

void
rt_main(void)
{
	serial_init();
	gdt_init();
	idt_init();
	pic_init_masked();
	guest_main();
	guest_poweroff(0);
}
