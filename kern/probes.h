/*
 * Probes of how kernel code is run, selected by test=NAME (kern/probes.c
 * dispatches).  Natively each shows what the CPU does; a monitor that
 * runs kernel code some other way -- a binary translator above all, lab
 * 3 -- must print the same lines (docs/DESIGN.md §8).  Each returns
 * false after printing a "NAME: FAIL: ..." line if the CPU did something
 * the probe did not expect.
 */
#ifndef VMMLAB_KERN_PROBES_H
#define VMMLAB_KERN_PROBES_H

#include <inc/types.h>

/* kern/probes_code.c */
bool probe_smc(void);
bool probe_precise(void);
bool probe_chain(void);
bool probe_kloop(uint32_t nticks);

/* kern/kcrashme.c */
bool probe_kcrashme(uint32_t rounds, uint32_t seed);
/* Print each round from this one on (1-based; 0: none): its outcome and
 * its code, to find and replay the first round where two runs differ. */
extern uint32_t kcrashme_from;

#endif
