/* The console: COM1 serial (the one the tests read) and VGA text. */
#ifndef VMMLAB_KERN_CONSOLE_H
#define VMMLAB_KERN_CONSOLE_H

#include <inc/types.h>

#define COM1 0x3F8
#define IRQ_COM1 4

void cons_init(void);
void cons_putc(int c);
void cons_putc_raw(int c);
/* A byte typed on the console, or -1 if none is waiting (polls). */
int cons_poll(void);
/* Called from the COM1 interrupt: move received bytes into the buffer. */
void cons_intr(void);
/* The next buffered byte, or -1. */
int cons_getc_buffered(void);

#endif
