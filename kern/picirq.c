/*
 * The 8259A PIC pair in the PC/AT wiring: the slave on the master's IRQ 2.
 * We remap both to vectors IRQ_OFFSET..IRQ_OFFSET+15 (the BIOS leaves
 * them on top of the CPU's exception vectors) and mask every line until
 * a driver asks for it.  Command words: the Intel 8259A datasheet.
 */
#include <inc/trap.h>
#include <inc/x86.h>
#include <kern/kbase.h>
#include <kern/picirq.h>

#define ICW1_INIT 0x10
#define ICW1_ICW4 0x01	/* ICW4 follows */
#define ICW4_8086 0x01	/* 8086 mode (not 8080) */
#define OCW2_EOI 0x20	/* non-specific end of interrupt */
#define OCW3_READ_ISR 0x0B

static uint16_t irq_mask_bits = 0xFFFF & ~(1 << IRQ_CASCADE);

static void
pic_write_mask(void)
{
	outb(PIC1_DATA, (uint8_t)irq_mask_bits);
	outb(PIC2_DATA, (uint8_t)(irq_mask_bits >> 8));
}

void
pic_init(void)
{
	/* Mask everything while we program them. */
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);

	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC1_DATA, KIRQ_BASE);		/* ICW2: vector base */
	outb(PIC1_DATA, 1 << IRQ_CASCADE);	/* ICW3: slave on IRQ 2 */
	outb(PIC1_DATA, ICW4_8086);

	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC2_DATA, KIRQ_BASE + 8);
	outb(PIC2_DATA, IRQ_CASCADE);		/* ICW3: our cascade identity */
	outb(PIC2_DATA, ICW4_8086);

	pic_write_mask();
}

void
irq_unmask(int irq)
{
	irq_mask_bits &= ~(1 << irq);
	pic_write_mask();
}

void
irq_mask(int irq)
{
	irq_mask_bits |= 1 << irq;
	pic_write_mask();
}

uint16_t
irq_getmask(void)
{
	return irq_mask_bits;
}

void
pic_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}
