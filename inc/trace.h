/*
 * Traces (Adams & Agesen §2.4): guest-physical pages whose every write
 * the monitor must see.  Two clients want them for different reasons:
 * lab 2's traced shadow MMU keeps its shadow page tables coherent with
 * the guest's, and lab 3's translator keeps its translations coherent
 * with the guest code they came from.  A page may be traced by both.
 *
 * The core (vmm/trace.c) keeps, per guest frame, which clients trace it.
 * The shadow MMU in use enforces traces: a shadow entry that maps a
 * traced frame is read-only (it asks trace_is_traced when it fills one,
 * and its protect hook write-protects existing entries when a frame
 * becomes traced).  A guest write to a traced frame then faults; the
 * shadow MMU emulates the write and calls trace_written, which tells
 * every client that traces the frame what changed.
 */
#ifndef VMMLAB_INC_TRACE_H
#define VMMLAB_INC_TRACE_H

#include <inc/registry.h>
#include <inc/types.h>

struct vcpu;

struct trace_client {
	const char *name; /* "pt", "code": for messages */
	/*
	 * The guest wrote [gpa, gpa + len) of a frame this client traces
	 * (the write has landed; len does not cross a page).
	 */
	void (*written)(struct vcpu *v, gpa_t gpa, uint32_t len);
};
#define TRACE_CLIENT(object) REGISTER(vmm_tracers, struct trace_client, object)
REGISTRY_DECLARE(vmm_tracers, struct trace_client);

/* Set up the per-frame table for v's memory (at boot, once). */
int trace_init(struct vcpu *v);
/*
 * Start tracing the frame that holds gpa for client c (traces nest: a
 * client that traces a frame twice must untrace it twice).  -1 if the
 * shadow MMU in use cannot trace, or gpa is outside guest memory.
 */
int trace_add(struct vcpu *v, gpa_t gpa, const struct trace_client *c);
/* Stop one trace of c on the frame; entries become writeable again at
 * their next fault, once no client traces it. */
void trace_remove(struct vcpu *v, gpa_t gpa, const struct trace_client *c);
/* Forget every trace of c (its translations or tables are gone). */
void trace_remove_all(struct vcpu *v, const struct trace_client *c);
/* Does any client trace the frame of gpa?  Does c? */
bool trace_is_traced(const struct vcpu *v, gpa_t gpa);
bool trace_has(const struct vcpu *v, gpa_t gpa, const struct trace_client *c);
/*
 * The guest wrote [va, va + len) (guest-virtual, at its privilege v->vcpl)
 * and the write has landed: tell every client that traces a frame in the
 * range.
 */
void trace_written(struct vcpu *v, gva_t va, uint32_t len);

#endif
