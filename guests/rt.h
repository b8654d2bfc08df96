/*
 * The guest runtime: what every kernel in guests/ shares.
 *
 * These kernels are not the guest OS.  They stand in for a third party's
 * test kernels: each is its own multiboot ELF, linked at 1 MiB with
 * virtual = physical, with a GDT, IDT and TSS of its own, and it talks
 * to the machine directly (COM1, the PIC, the PIT, the local APIC,
 * QEMU's ports).  A kernel is one file guests/NAME.c that defines
 * guest_name and guest_main(); the runtime (entry.S, rt.c) boots it:
 *
 *	_start -> rt_init (serial, GDT, TSS, IDT, PIC masked) -> guest_main
 *
 * Output contract (docs/DESIGN.md §8): every line starts with
 * "NAME: " and is the same on every native run, so a run under the
 * monitor can be compared with it line by line.  A guest powers off with
 * status 0 when every check passed, with the number of the first check
 * that failed otherwise, and with GUEST_EXIT_TRAP after a trap nobody
 * expected.
 */
#ifndef VMMLAB_GUESTS_RT_H
#define VMMLAB_GUESTS_RT_H

/* Our selectors: the GDT in rt.c, in this order. */
#define GSEL_KCODE 0x08
#define GSEL_KDATA 0x10
#define GSEL_UCODE (0x18 | 3)
#define GSEL_UDATA (0x20 | 3)
#define GSEL_TSS 0x28

/* Vectors: the PIC is remapped to 0x20-0x2F (and masked). */
#define GVEC_PIC_BASE 0x20
#define GVEC_SYSCALL 0x80 /* int $0x80 from user mode: "back to the kernel" */

/* QEMU's isa-debug-exit device, as grade/qemu-run configures it. */
#define GUEST_POWEROFF_PORT 0xF4
/* Power-off status after an unexpected trap (check numbers stay below). */
#define GUEST_EXIT_TRAP 99

#ifndef __ASSEMBLER__

#include <inc/types.h>
#include <inc/mmu.h>
#include <inc/stdio.h>

/* What the trap stubs in entry.S push: the layout trap() receives. */
struct gtrapframe {
	uint32_t edi, esi, ebp, oesp, ebx, edx, ecx, eax; /* pushal */
	uint32_t ds, es;
	uint32_t trapno, err; /* err is 0 for a vector without one */
	uint32_t eip, cs, eflags;
	uint32_t esp, ss; /* only for a trap from ring 3 */
};

/* A handler for one vector; it may change the frame it returns through. */
typedef void (*trap_handler_t)(struct gtrapframe *tf);

/* Defined by each guest. */
extern const char guest_name[];
void guest_main(void);

/* rt.c */
void say(const char *fmt, ...) PRINTF_ATTR(1, 2);
void check(bool ok, int status, const char *fmt, ...) PRINTF_ATTR(3, 4);
void guest_poweroff(int status) __attribute__((noreturn));
void trap_set_handler(int vec, trap_handler_t h);

/* The last fault a probe_* call or a user run caught. */
struct fault {
	uint32_t trapno, err, cr2, eip;
};
extern struct fault last_fault;

/*
 * probe_write: store val at addr from ring 0; 0 if the store completed,
 * 1 if it faulted (last_fault says how).  probe_read likewise, the value
 * read in *val.
 */
int probe_write(volatile uint32_t *addr, uint32_t val);
int probe_read(volatile uint32_t *addr, uint32_t *val);

/*
 * run_user: run code at eip in ring 3 on the stack esp, with IF set.
 * It returns 0 when the code does "int $0x80" (GVEC_SYSCALL), 1 when it
 * faults (last_fault says how).
 */
int run_user(uint32_t eip, uint32_t esp);

/*
 * Paging: an identity map of the first 4 MiB with 4 KiB pages (kernel
 * read/write), more 4 KiB identity pages on request, then cr3 and cr0.
 */
void paging_init(void);
pte_t *paging_pte(uint32_t va); /* the PTE of va, making its table if need be */
void paging_map(uint32_t va, uint32_t flags); /* identity, flags | PTE_P */
void paging_enable(bool wp);

/*
 * The PIT's counter 0 as a stopwatch, polled with its interrupt masked:
 * pit_wait_ms returns after ms milliseconds of PIT time (rounded up to
 * a multiple of 10), or earlier once count is not NULL and *count >=
 * want.  irq_window_ms does the same with interrupts enabled for the
 * wait (IF is clear again when it returns).
 */
void pit_wait_ms(unsigned ms, volatile int *count, int want);
void irq_window_ms(unsigned ms, volatile int *count, int want);

#endif /* !__ASSEMBLER__ */

#endif
