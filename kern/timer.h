/* The 8254 programmable interval timer, channel 0, on IRQ 0. */
#ifndef VMMLAB_KERN_TIMER_H
#define VMMLAB_KERN_TIMER_H

#include <inc/types.h>

#define TIMER_HZ 100

/* The 8254's ports (Intel 8254 datasheet): counters 0-2, then control. */
#define PIT_PORT_COUNTER0 0x40
#define PIT_PORT_CONTROL 0x43
#define PIT_PORT_FIRST PIT_PORT_COUNTER0
#define PIT_PORT_LAST PIT_PORT_CONTROL
/* Its input clock, in Hz. */
#define PIT_FREQ 1193182
/* The divisor that gives TIMER_HZ. */
#define TIMER_DIVISOR ((PIT_FREQ + TIMER_HZ / 2) / TIMER_HZ)

extern volatile uint32_t ticks;
void timer_init(void);
/* Run channel 0 as a rate generator dividing PIT_FREQ by divisor. */
void timer_set_divisor(uint16_t divisor);

#endif
