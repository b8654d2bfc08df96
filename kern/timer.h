/* The 8254 programmable interval timer, channel 0, on IRQ 0. */
#ifndef VMMLAB_KERN_TIMER_H
#define VMMLAB_KERN_TIMER_H

#include <inc/types.h>

#define TIMER_HZ 100

extern volatile uint32_t ticks;
void timer_init(void);

#endif
