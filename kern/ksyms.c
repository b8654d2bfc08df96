/*
 * Kernel symbol lookup for backtraces.  The build links the kernel once,
 * turns its sorted symbol list into a table (obj/kern/ksyms.S, in the
 * .ksyms section, which kernel.ld places after everything else), and
 * links again with it.  The lookups themselves are in kern/symbolize.c.
 */
#include <inc/types.h>
#include <kern/monitor.h>

extern const struct ksym ksym_table[];
extern const uint32_t ksym_count;
extern const char ksym_names[];

/* The table the second link placed in .ksyms. */
static struct ksymtab
kernel_symbols(void)
{
	struct ksymtab t = { ksym_table, ksym_count, ksym_names };
	return t;
}

const char *
ksym_lookup(uint32_t addr, uint32_t *offset)
{
	struct ksymtab t = kernel_symbols();
	return ksymtab_lookup(&t, addr, offset);
}

const char *
ksym_frame(uint32_t eip, bool caller, uint32_t *offset)
{
	struct ksymtab t = kernel_symbols();
	return ksymtab_frame(&t, eip, caller, offset);
}
