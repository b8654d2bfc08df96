/* The 8259A programmable interrupt controller pair. */
#ifndef VMMLAB_KERN_PICIRQ_H
#define VMMLAB_KERN_PICIRQ_H

#include <inc/types.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define IRQ_CASCADE 2

void pic_init(void);
void irq_unmask(int irq);
void irq_mask(int irq);
void pic_eoi(int irq);
uint16_t irq_getmask(void);

#endif
