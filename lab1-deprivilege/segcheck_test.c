/*
 * Host unit test of the lar/lsl/verr/verw rule table
 * (lab1-deprivilege/segcheck.c):
 *
 *	obj/host/lab1-deprivilege/segcheck_test
 *
 * Each test builds descriptors by hand and checks segment_check against
 * the rules of SDM vol.2 "LAR", "LSL" and "VERR, VERW": which descriptor
 * types each accepts, privilege (CPL and RPL against DPL, conforming
 * code exempt), null and out-of-table selectors, lar's access-rights
 * mask and lsl's byte-granular limit.
 */
#include <stdio.h>

#include <inc/deprivilege.h>
#include <lib/test_table.h>

#define CHECK(cond, ...)                                                       \
	test_check_at(!!(cond), __FILE__, __LINE__, __func__, __VA_ARGS__)

static const char *const op_names[] = {"lar", "lsl", "verr", "verw"};

/* An application (S=1) or system (S=0) descriptor, byte-granular. */
static struct segdesc
desc(bool app, unsigned type, unsigned dpl, uint32_t base, uint32_t limit,
     bool g)
{
	struct segdesc d = SEG16(type, base, limit, dpl);
	d.sd_s = app;
	d.sd_g = g;
	return d;
}

/* What the four instructions say about d and sel at cpl. */
static void
check_all(const struct segdesc *d, uint16_t sel, int cpl, bool lar, bool lsl,
	  bool verr, bool verw, const char *what)
{
	const bool want[] = {lar, lsl, verr, verw};
	for (int op = SEG_CHECK_LAR; op <= SEG_CHECK_VERW; op++) {
		uint32_t value = 0xdeadbeef;
		bool got = segment_check(op, d, sel, cpl, &value);
		CHECK(got == want[op],
		      "%s: %s of selector %04x at CPL %d: ZF=%d, want %d", what,
		      op_names[op], sel, cpl, got, want[op]);
	}
}

static void
test_null_and_missing(void)
{
	struct segdesc data = desc(true, STA_W, 3, 0, 0xFFFF, false);
	/* GDT index 0 with any RPL is the null selector... */
	check_all(&data, 0x0000, 0, false, false, false, false, "null");
	check_all(&data, 0x0003, 3, false, false, false, false, "null, RPL 3");
	/* ... but LDT index 0 is a real descriptor. */
	check_all(&data, 0x0004, 0, true, true, true, true, "LDT index 0");
	/* Beyond the table's limit: no descriptor. */
	check_all(NULL, 0x1000, 0, false, false, false, false, "beyond limit");
}

static void
test_privilege(void)
{
	struct segdesc kdata = desc(true, STA_W, 0, 0, 0xFFFF, false);
	struct segdesc udata = desc(true, STA_W, 3, 0, 0xFFFF, false);
	struct segdesc kcode = desc(true, STA_X | STA_R, 0, 0, 0xFFFF, false);

	check_all(&kdata, 0x10, 0, true, true, true, true, "DPL 0 data, CPL 0");
	check_all(&kdata, 0x10, 1, false, false, false, false,
		  "DPL 0 data, CPL 1");
	check_all(&kdata, 0x13, 0, false, false, false, false,
		  "DPL 0 data, RPL 3");
	check_all(&udata, 0x23, 3, true, true, true, true, "DPL 3 data, CPL 3");
	check_all(&udata, 0x20, 3, true, true, true, true,
		  "DPL 3 data, RPL 0 at CPL 3");
	check_all(&kcode, 0x08, 0, true, true, true, false,
		  "DPL 0 code, CPL 0");
	check_all(&kcode, 0x08, 3, false, false, false, false,
		  "DPL 0 code, CPL 3");
	check_all(&kcode, 0x0B, 0, false, false, false, false,
		  "DPL 0 code, RPL 3");
}

static void
test_code_and_data_types(void)
{
	struct segdesc conf =
	    desc(true, STA_X | STA_C | STA_R, 0, 0, 0xFFFF, false);
	struct segdesc conf_xo = desc(true, STA_X | STA_C, 0, 0, 0xFFFF, false);
	struct segdesc xo = desc(true, STA_X, 3, 0, 0xFFFF, false);
	struct segdesc ro = desc(true, 0, 3, 0, 0xFFFF, false);
	struct segdesc down = desc(true, STA_E | STA_W, 3, 0, 0xFFFF, false);

	/* Conforming code is visible at any CPL and RPL, but never
	 * writable, and readable only if its R bit says so. */
	check_all(&conf, 0x0B, 3, true, true, true, false,
		  "conforming readable code, DPL 0, CPL 3");
	check_all(&conf_xo, 0x08, 3, true, true, false, false,
		  "conforming execute-only code");
	check_all(&xo, 0x1B, 3, true, true, false, false, "execute-only code");
	check_all(&ro, 0x23, 3, true, true, true, false, "read-only data");
	check_all(&down, 0x23, 3, true, true, true, true,
		  "expand-down writable data");
}

static void
test_system_types(void)
{
	/* SDM vol.2 "LAR" Table 3-52 and "LSL" Table 3-56 (32-bit mode). */
	static const bool lar_ok[16] = {[1] = 1, [2] = 1, [3] = 1,  [4] = 1,
					[5] = 1, [9] = 1, [11] = 1, [12] = 1};
	static const bool lsl_ok[16] = {
	    [1] = 1, [2] = 1, [3] = 1, [9] = 1, [11] = 1};
	for (unsigned type = 0; type < 16; type++) {
		struct segdesc d = desc(false, type, 3, 0x1000, 0x67, false);
		char what[40];
		snprintf(what, sizeof(what), "system type %u, DPL 3", type);
		check_all(&d, 0x2B, 3, lar_ok[type], lsl_ok[type], false, false,
			  what);
		/* The same at DPL 0 from CPL 3: no system type is exempt. */
		d.sd_dpl = 0;
		snprintf(what, sizeof(what), "system type %u, DPL 0", type);
		check_all(&d, 0x28, 3, false, false, false, false, what);
	}
}

static void
test_values(void)
{
	uint32_t v = 0;

	/* lar: the second dword masked by 00F0FF00 -- no base or limit bits. */
	struct segdesc code =
	    desc(true, STA_X | STA_R | STA_A, 1, 0xAB0000CD, 0xF1234, true);
	code.sd_avl = 1;
	code.sd_db = 1;
	CHECK(segment_check(SEG_CHECK_LAR, &code, 0x09, 1, &v) &&
		  v == 0x00D0BB00,
	      "lar rights %08x, want 00d0bb00", v);
	/* lsl: the limit in bytes, scaled when G is set. */
	CHECK(segment_check(SEG_CHECK_LSL, &code, 0x09, 1, &v) &&
		  v == 0xF1234FFF,
	      "lsl of a page-granular limit f1234: %08x, want f1234fff", v);
	struct segdesc tss = desc(false, STS_T32B, 0, 0x1000, 0x67, false);
	CHECK(segment_check(SEG_CHECK_LSL, &tss, 0x28, 0, &v) && v == 0x67,
	      "lsl of a busy TSS: %08x, want 00000067", v);
	CHECK(segment_check(SEG_CHECK_LAR, &tss, 0x28, 0, &v) &&
		  v == 0x00408B00,
	      "lar of a busy TSS: %08x, want 00408b00", v);
	/* The present bit is reported, not checked. */
	struct segdesc absent = desc(true, STA_W, 0, 0, 0xFFFFF, true);
	absent.sd_p = 0;
	CHECK(segment_check(SEG_CHECK_LAR, &absent, 0x10, 0, &v) &&
		  v == 0x00C01200,
	      "lar of a not-present segment: %08x, want 00c01200", v);
	CHECK(segment_check(SEG_CHECK_LSL, &absent, 0x10, 0, &v) &&
		  v == 0xFFFFFFFF,
	      "lsl of a not-present 4 GiB segment: %08x, want ffffffff", v);
	/* A failed check leaves the value alone. */
	v = 0x12345678;
	CHECK(!segment_check(SEG_CHECK_LAR, NULL, 0x10, 0, &v) &&
		  v == 0x12345678,
	      "a failed lar wrote %08x", v);
}

static const struct test_case tests[] = {
    {"segcheck", "null and out-of-table selectors", test_null_and_missing},
    {"segcheck", "DPL against CPL and RPL", test_privilege},
    {"segcheck", "code, conforming and data segments",
     test_code_and_data_types},
    {"segcheck", "system descriptor types", test_system_types},
    {"segcheck", "lar's rights and lsl's limit", test_values},
};

int
main(void)
{
	return test_table_run("segcheck_test", tests,
			      sizeof(tests) / sizeof(tests[0]), NULL);
}
