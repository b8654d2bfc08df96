/*
 * Host unit test of the trace table (vmm/trace.c, inc/trace.h):
 *
 *	obj/host/vmm/trace_test
 *
 * Two clients trace frames of a small guest; a fake shadow MMU counts
 * the protect calls it gets and a fake page walk maps guest-virtual
 * addresses one to one.  The tests check nesting, that only the first
 * trace of a frame asks the MMU to write-protect it, that a write is
 * told to exactly the clients that trace the frames it touched, split at
 * page boundaries, and that an MMU without traces refuses them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <inc/gmem.h>
#include <inc/mmu.h>
#include <inc/shadow.h>
#include <inc/trace.h>
#include <inc/vcpu.h>
#include <lib/test_table.h>

#define CHECK(cond, ...)                                                       \
	test_check_at(!!(cond), __FILE__, __LINE__, __func__, __VA_ARGS__)

#define GUEST_MIB 1

/* ---- What trace.c reaches: memory, the page walk, panics ---- */

void *
shadow_mem_alloc(size_t bytes)
{
	return calloc(1, bytes);
}

/* Paging off: guest-virtual is guest-physical; beyond memory faults. */
struct gwalk
gva_walk(struct vcpu *v, gva_t gva, bool write, int cpl)
{
	struct gwalk w = { .gpa = gva, .ok = gva < v->mem_size };
	return w;
}

static char panic_msg[256];

void
_panic(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "trace_test: panic at %s:%d: %s\n", file, line,
		panic_msg);
	exit(2);
}

/* ---- A fake shadow MMU and two clients ---- */

static unsigned protects;
static gpa_t last_protect;

static void
fake_protect(struct vcpu *v, gpa_t gpa)
{
	protects++;
	last_protect = gpa;
}

static const struct shadow_mmu mmu_traces = { .name = "fake",
					       .protect = fake_protect };
static const struct shadow_mmu mmu_no_traces = { .name = "rebuild-like" };

struct heard {
	unsigned calls;
	gpa_t gpa[8];
	uint32_t len[8];
};
static struct heard heard_a, heard_b;

static void
record(struct heard *h, gpa_t gpa, uint32_t len)
{
	if (h->calls < 8) {
		h->gpa[h->calls] = gpa;
		h->len[h->calls] = len;
	}
	h->calls++;
}

static void
written_a(struct vcpu *v, gpa_t gpa, uint32_t len)
{
	record(&heard_a, gpa, len);
}

static void
written_b(struct vcpu *v, gpa_t gpa, uint32_t len)
{
	record(&heard_b, gpa, len);
}

static const struct trace_client client_a = { "a", written_a };
static const struct trace_client client_b = { "b", written_b };
TRACE_CLIENT(client_a);
TRACE_CLIENT(client_b);

static struct vcpu vc;

/* A fresh guest of GUEST_MIB MiB under the fake MMU. */
static void
setup(const struct shadow_mmu *mmu)
{
	memset(&vc, 0, sizeof(vc));
	vc.mem_size = GUEST_MIB << 20;
	vc.mmu = mmu;
	protects = 0;
	memset(&heard_a, 0, sizeof(heard_a));
	memset(&heard_b, 0, sizeof(heard_b));
	CHECK(trace_init(&vc) == 0, "trace_init fails");
}

/* ---- Tests ---- */

static void
test_nesting(void)
{
	setup(&mmu_traces);
	CHECK(!trace_is_traced(&vc, 0x3000), "a new frame is traced");
	CHECK(trace_add(&vc, 0x3004, &client_a) == 0, "trace_add refused");
	CHECK(trace_add(&vc, 0x3ff0, &client_a) == 0, "trace_add refused");
	CHECK(trace_is_traced(&vc, 0x3800), "the frame is not traced");
	CHECK(trace_has(&vc, 0x3000, &client_a), "a does not trace it");
	CHECK(!trace_has(&vc, 0x3000, &client_b), "b traces it");
	trace_remove(&vc, 0x3000, &client_a);
	CHECK(trace_is_traced(&vc, 0x3000),
	      "one of two traces removed, but the frame is untraced");
	trace_remove(&vc, 0x3000, &client_a);
	CHECK(!trace_is_traced(&vc, 0x3000),
	      "both traces removed, but the frame is still traced");
}

static void
test_protect_once(void)
{
	setup(&mmu_traces);
	trace_add(&vc, 0x5123, &client_a);
	CHECK(protects == 1 && last_protect == 0x5000,
	      "first trace: %u protect calls, last at %08x (want 1, 00005000)",
	      protects, last_protect);
	trace_add(&vc, 0x5000, &client_b);
	trace_add(&vc, 0x5000, &client_a);
	CHECK(protects == 1,
	      "a traced frame traced again: %u protect calls (want 1)",
	      protects);
	trace_remove(&vc, 0x5000, &client_a);
	trace_remove(&vc, 0x5000, &client_a);
	trace_remove(&vc, 0x5000, &client_b);
	trace_add(&vc, 0x5000, &client_b);
	CHECK(protects == 2,
	      "untraced, then traced anew: %u protect calls (want 2)",
	      protects);
}

static void
test_written_dispatch(void)
{
	setup(&mmu_traces);
	trace_add(&vc, 0x7000, &client_a);
	trace_add(&vc, 0x8000, &client_b);
	/* 8 bytes across the boundary of the two frames, then an
	 * untraced frame. */
	trace_written(&vc, 0x7ffc, 8);
	trace_written(&vc, 0x9000, 4);
	CHECK(heard_a.calls == 1 && heard_a.gpa[0] == 0x7ffc &&
		      heard_a.len[0] == 4,
	      "a heard %u writes, first %08x+%u (want 1: 00007ffc+4)",
	      heard_a.calls, heard_a.gpa[0], heard_a.len[0]);
	CHECK(heard_b.calls == 1 && heard_b.gpa[0] == 0x8000 &&
		      heard_b.len[0] == 4,
	      "b heard %u writes, first %08x+%u (want 1: 00008000+4)",
	      heard_b.calls, heard_b.gpa[0], heard_b.len[0]);
}

static void
test_both_clients_hear(void)
{
	setup(&mmu_traces);
	trace_add(&vc, 0x2000, &client_a);
	trace_add(&vc, 0x2000, &client_b);
	trace_written(&vc, 0x2010, 2);
	CHECK(heard_a.calls == 1 && heard_b.calls == 1,
	      "a frame traced by both: a heard %u, b heard %u (want 1, 1)",
	      heard_a.calls, heard_b.calls);
	trace_remove_all(&vc, &client_a);
	trace_written(&vc, 0x2010, 2);
	CHECK(heard_a.calls == 1 && heard_b.calls == 2,
	      "after a's traces went: a heard %u, b heard %u (want 1, 2)",
	      heard_a.calls, heard_b.calls);
}

static void
test_refusals(void)
{
	setup(&mmu_no_traces);
	CHECK(trace_add(&vc, 0x1000, &client_a) < 0,
	      "an MMU without a protect hook accepted a trace");
	CHECK(!trace_is_traced(&vc, 0x1000), "a refused trace stuck");
	setup(&mmu_traces);
	CHECK(trace_add(&vc, GUEST_MIB << 20, &client_a) < 0,
	      "a trace beyond guest memory was accepted");
	trace_written(&vc, (GUEST_MIB << 20) - 2, 4);
	CHECK(heard_a.calls == 0, "a write beyond memory reached a client");
}

static const struct test_case tests[] = {
	{ "trace", "traces nest", test_nesting },
	{ "trace", "only the first trace of a frame protects it",
	  test_protect_once },
	{ "trace", "a write reaches the clients of the frames it touched",
	  test_written_dispatch },
	{ "trace", "every client of a frame hears; a client's traces can all go",
	  test_both_clients_hear },
	{ "trace", "no traces without a protect hook or outside memory",
	  test_refusals },
};

int
main(void)
{
	return test_table_run("trace_test", tests,
			      sizeof(tests) / sizeof(tests[0]), NULL);
}
