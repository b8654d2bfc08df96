/*
 * Kernel symbol lookup for backtraces.  The build links the kernel once,
 * turns its sorted symbol list into a table (obj/kern/ksyms.S, in the
 * .ksyms section, which kernel.ld places after everything else), and
 * links again with it.
 */
#include <inc/types.h>
#include <kern/monitor.h>

struct ksym {
	uint32_t addr;
	uint32_t name; /* offset into ksym_names */
};

extern const struct ksym ksym_table[];
extern const uint32_t ksym_count;
extern const char ksym_names[];

const char *
ksym_lookup(uint32_t addr, uint32_t *offset)
{
	/* Binary search for the last symbol at or below addr. */
	uint32_t lo = 0, hi = ksym_count;
	if (hi == 0 || addr < ksym_table[0].addr)
		return NULL;
	while (hi - lo > 1) {
		uint32_t mid = (lo + hi) / 2;
		if (ksym_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (offset)
		*offset = addr - ksym_table[lo].addr;
	return ksym_names + ksym_table[lo].name;
}
