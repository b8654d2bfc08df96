/*
 * Naming the frames of a backtrace.  Pure functions of a symbol table,
 * so that the host-built unit test (kern/symbolize_test.c) can give them
 * a small table of its own; kern/ksyms.c hands them the kernel's.
 */
#include <inc/types.h>
#include <kern/monitor.h>

/*
 * The symbol containing addr in t (the last one at or below it), and
 * addr's offset from it; NULL if addr lies below every symbol.
 */
const char *
ksymtab_lookup(const struct ksymtab *t, uint32_t addr, uint32_t *offset)
{
	/* Binary search for the last symbol at or below addr. */
	uint32_t lo = 0, hi = t->count;

	if (hi == 0 || addr < t->syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		uint32_t mid = (lo + hi) / 2;
		if (t->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (offset)
		*offset = addr - t->syms[lo].addr;
	return t->names + t->syms[lo].name;
}

/*
 * The function a backtrace frame is in, and the offset of eip, the
 * frame's address as printed, from its start.
 *
 * The first frame's eip is where the CPU stopped: an instruction of its
 * own function.  A caller's eip is a return address, the byte after the
 * call; after a call to a noreturn function (panic) the compiler puts
 * nothing there, so it is the next function's first byte.  The call
 * instruction itself ends at eip - 1, so that is what names the caller
 * (gdb and libunwind do the same).
 */
const char *
ksymtab_frame(const struct ksymtab *t, uint32_t eip, bool caller,
	      uint32_t *offset)
{
	uint32_t in_call = caller ? eip - 1 : eip;
	const char *fn = ksymtab_lookup(t, in_call, offset);

	if (fn != NULL && offset != NULL)
		*offset += eip - in_call;
	return fn;
}
