/*
 * Traces: which clients trace which guest frames (inc/trace.h).
 *
 * One small counter per (frame, client): a client may trace a frame
 * several times (lab 2 traces a guest table once per shadow page that
 * copies it) and must untrace it as often.  The shadow MMU is told only
 * when a frame goes from untraced to traced; going back needs nothing,
 * since a read-only shadow entry of an untraced frame simply takes one
 * hidden fault and becomes writeable.
 */
#include <inc/assert.h>
#include <inc/gmem.h>
#include <inc/mmu.h>
#include <inc/shadow.h>
#include <inc/string.h>
#include <inc/trace.h>
#include <inc/vcpu.h>

#define MAX_CLIENTS 4

static uint16_t (*counts)[MAX_CLIENTS]; /* per guest frame, per client */
static uint32_t nframes;

static int
client_index(const struct trace_client *c)
{
	int i = 0;
	REGISTRY_FOREACH(vmm_tracers, struct trace_client, t)
	{
		if (*t == c)
			return i;
		i++;
	}
	panic("trace: client %s is not registered (TRACE_CLIENT)", c->name);
}

int
trace_init(struct vcpu *v)
{
	int n = 0;
	REGISTRY_FOREACH(vmm_tracers, struct trace_client, t)
	n++;
	if (n > MAX_CLIENTS)
		panic("trace: %d clients registered, room for %d", n,
		      MAX_CLIENTS);
	nframes = v->mem_size >> PGSHIFT;
	counts = shadow_mem_alloc(nframes * sizeof(*counts));
	return counts ? 0 : -1;
}

static uint16_t *
frame_counts(const struct vcpu *v, gpa_t gpa)
{
	if (!counts || gpa >= v->mem_size)
		return NULL;
	return counts[gpa >> PGSHIFT];
}

bool
trace_is_traced(const struct vcpu *v, gpa_t gpa)
{
	uint16_t *f = frame_counts(v, gpa);
	if (!f)
		return false;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (f[i])
			return true;
	return false;
}

bool
trace_has(const struct vcpu *v, gpa_t gpa, const struct trace_client *c)
{
	uint16_t *f = frame_counts(v, gpa);
	return f && f[client_index(c)] > 0;
}

int
trace_add(struct vcpu *v, gpa_t gpa, const struct trace_client *c)
{
	uint16_t *f = frame_counts(v, gpa);
	if (!f || !v->mmu->protect)
		return -1;
	bool was = trace_is_traced(v, gpa);
	int i = client_index(c);
	if (f[i] == UINT16_MAX)
		panic("trace: frame %08x traced by %s %u times", gpa, c->name,
		      f[i]);
	f[i]++;
	if (!was)
		v->mmu->protect(v, ROUNDDOWN(gpa, PGSIZE));
	return 0;
}

void
trace_remove(struct vcpu *v, gpa_t gpa, const struct trace_client *c)
{
	uint16_t *f = frame_counts(v, gpa);
	int i = client_index(c);
	assert(f && f[i] > 0);
	f[i]--;
}

void
trace_remove_all(struct vcpu *v, const struct trace_client *c)
{
	int i = client_index(c);
	for (uint32_t fr = 0; counts && fr < nframes; fr++)
		counts[fr][i] = 0;
}

void
trace_written(struct vcpu *v, gva_t va, uint32_t len)
{
	while (len > 0) {
		uint32_t n = MIN(len, (uint32_t)(PGSIZE - PGOFF(va)));
		struct gwalk w = gva_walk(v, va, false, 0);
		uint16_t *f = w.ok ? frame_counts(v, w.gpa) : NULL;
		int i = 0;
		REGISTRY_FOREACH(vmm_tracers, struct trace_client, t)
		{
			/* A client may untrace the frame as it handles the
			 * write: read the count afresh each time. */
			if (f && f[i] && (*t)->written)
				(*t)->written(v, w.gpa, n);
			i++;
		}
		va += n;
		len -= n;
	}
}
