/*
 * An execution engine runs a vcpu until something happens that the
 * monitor must handle, and says what it was.  Lab 1's te engine enters
 * the guest with iret and comes back on the next trap; lab 3's bt engine
 * runs translated code; lab 4's vt engine runs vmrun.  The monitor's main
 * loop (vmm_run) only talks to this interface.
 */
#ifndef VMMLAB_INC_ENGINE_H
#define VMMLAB_INC_ENGINE_H

#include <inc/types.h>

struct vcpu;

enum exit_kind {
	EXIT_EXCEPTION, /* vector, error code in vcpu->tf */
	EXIT_SOFTINT,	/* int n reached the monitor: vector in tf */
	EXIT_IRQ,	/* a real device interrupted: vector in tf */
};

struct engine {
	const char *name;	/* the mode name: "te", "bt", ... */
	void (*init)(struct vcpu *v);
	enum exit_kind (*run)(struct vcpu *v);
};

extern const struct engine te_engine;

#endif
