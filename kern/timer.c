/*
 * The PIT's channel 0 in mode 2 (rate generator) at TIMER_HZ: the tick
 * that drives preemption.  The 8254 counts down from the divisor at
 * 1.193182 MHz (Intel 8254 datasheet).
 */
#include <inc/x86.h>
#include <kern/picirq.h>
#include <kern/timer.h>

#define PIT_SEL_CH0 0x00
#define PIT_RW_LOHI 0x30
#define PIT_MODE_RATE 0x04

volatile uint32_t ticks;

void
timer_set_divisor(uint16_t divisor)
{
	outb(PIT_PORT_CONTROL, PIT_SEL_CH0 | PIT_RW_LOHI | PIT_MODE_RATE);
	outb(PIT_PORT_COUNTER0, divisor & 0xFF);
	outb(PIT_PORT_COUNTER0, divisor >> 8);
}

void
timer_init(void)
{
	timer_set_divisor(TIMER_DIVISOR);
	irq_unmask(0);
}
