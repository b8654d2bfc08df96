/*
 * Unit test of the backtrace's symbol lookup (kern/symbolize.c), on a
 * small made-up symbol table.  Built for the host; run from the
 * repository root:
 *
 *	obj/host/kern/symbolize_test
 */
#include <CUnit/Basic.h>
#include <lib/test_table.h>

#include <inc/types.h>
#include <kern/monitor.h>

#define CHECK(ok, ...) \
	test_check_at((ok), __FILE__, __LINE__, __func__, __VA_ARGS__)

/*
 * Three functions back to back, as the linker lays them out:
 *   0x1000 deliver_interrupts  ends with "call panic" (noreturn), whose
 *                              5 bytes are the last of the function
 *   0x1040 te_init
 *   0x1100 te_run
 */
static const char names[] = "deliver_interrupts\0te_init\0te_run";
static const struct ksym syms[] = {
	{ 0x1000, 0 },
	{ 0x1040, 19 },
	{ 0x1100, 27 },
};
static const struct ksymtab table = { syms, 3, names };

/* Whether frame eip is named want+want_off. */
static bool
frame_is(uint32_t eip, bool caller, const char *want, uint32_t want_off)
{
	uint32_t off = 0xdead;
	const char *fn = ksymtab_frame(&table, eip, caller, &off);

	return CHECK(fn != NULL && strcmp(fn, want) == 0 && off == want_off,
		     "%s frame at %#x: got %s+%#x, want %s+%#x",
		     caller ? "caller" : "first", eip, fn ? fn : "(none)", off,
		     want, want_off);
}

/* Whether addr is named want+want_off in the table. */
static bool
lookup_is(uint32_t addr, const char *want, uint32_t want_off)
{
	uint32_t off = 0xdead;
	const char *fn = ksymtab_lookup(&table, addr, &off);

	return CHECK(fn != NULL && strcmp(fn, want) == 0 && off == want_off,
		     "lookup %#x: got %s+%#x, want %s+%#x", addr,
		     fn ? fn : "(none)", off, want, want_off);
}

static void
test_lookup(void)
{
	CHECK(ksymtab_lookup(&table, 0xfff, NULL) == NULL,
	      "below the first symbol");
	lookup_is(0x1000, "deliver_interrupts", 0);
	lookup_is(0x1041, "te_init", 1);
	lookup_is(0x9000, "te_run", 0x7f00);
}

/*
 * The faulting frame's eip is the instruction itself: looked up as it
 * is, so a fault on a function's first instruction names that function.
 */
static void
test_first_frame(void)
{
	frame_is(0x1040, false, "te_init", 0);
	frame_is(0x1010, false, "deliver_interrupts", 0x10);
}

/*
 * A caller's eip is a return address, the byte after its call: after a
 * call to a noreturn function that is the next function's first byte.
 * The call itself ends at eip - 1, so the lookup uses that, while the
 * offset printed is still the return address's.
 */
static void
test_caller_frame(void)
{
	frame_is(0x1040, true, "deliver_interrupts", 0x40);
	frame_is(0x1100, true, "te_init", 0xc0);
	frame_is(0x1020, true, "deliver_interrupts", 0x20);
	frame_is(0x1105, true, "te_run", 5);
}

static const struct test_case tests[] = {
	{ "symbolize", "lookup", test_lookup },
	{ "symbolize", "first frame at eip", test_first_frame },
	{ "symbolize", "caller frames at eip - 1", test_caller_frame },
};

int
main(int argc, char **argv)
{
	return test_table_run(argv[0], tests, ARRAY_SIZE(tests), NULL);
}
