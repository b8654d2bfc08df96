/* The kernel monitor: a command line on the console for a live kernel. */
#ifndef VMMLAB_KERN_MONITOR_H
#define VMMLAB_KERN_MONITOR_H

#include <inc/types.h>

struct trapframe;

struct command {
	const char *name;
	const char *help;
	/* Returns -1 to leave the monitor. */
	int (*func)(int argc, char **argv, struct trapframe *tf);
};

/* The commands only one image has (kern/mon_guest.c, lab1's mon_vmm.c). */
extern const struct command image_commands[];
extern const size_t nimage_commands;

/* Read commands until one asks to leave (tf: the trap that led here). */
void monitor(struct trapframe *tf);
/* After a panic: the monitor if someone is at the console, else power off. */
void monitor_panic(void) __attribute__((noreturn));

int mon_help(int argc, char **argv, struct trapframe *tf);
int mon_kerninfo(int argc, char **argv, struct trapframe *tf);
int mon_backtrace(int argc, char **argv, struct trapframe *tf);

/* Print a backtrace from frame pointer ebp, one line per frame. */
void backtrace_from(uint32_t ebp, uint32_t eip);

/* Kernel symbol lookup (kern/ksyms.c): the name containing addr. */
const char *ksym_lookup(uint32_t addr, uint32_t *offset);

/*
 * A symbol table as kern/mkksyms.sh lays it out: text symbols sorted by
 * address, names in one string block.
 */
struct ksym {
	uint32_t addr;
	uint32_t name; /* offset into the names */
};
struct ksymtab {
	const struct ksym *syms;
	uint32_t count;
	const char *names;
};

/* kern/symbolize.c: the symbol containing addr in t, or NULL. */
const char *ksymtab_lookup(const struct ksymtab *t, uint32_t addr,
			   uint32_t *offset);
/*
 * The function a backtrace frame is in, and *offset, eip's distance from
 * its start.  caller: eip is a return address (every frame but the
 * first), so the call instruction, and the caller, lie before it.
 */
const char *ksymtab_frame(const struct ksymtab *t, uint32_t eip, bool caller,
			  uint32_t *offset);
/* The same in the kernel's own table (kern/ksyms.c). */
const char *ksym_frame(uint32_t eip, bool caller, uint32_t *offset);

#endif
