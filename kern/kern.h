/* Kernel-wide entry points that do not belong to one subsystem. */
#ifndef VMMLAB_KERN_KERN_H
#define VMMLAB_KERN_KERN_H

#include <inc/stdio.h>
#include <inc/types.h>

/* QEMU's isa-debug-exit device: writing v exits QEMU with (v << 1) | 1. */
#define POWEROFF_PORT 0xF4
/* Statuses the kernel itself powers off with (the runner documents them). */
#define EXIT_PANIC 120	/* kernel panic in an unattended run */
#define EXIT_USAGE 121	/* bad kernel command line or unknown program */

/* Set when the command line named what to run (init=, test=, bench=). */
extern bool kern_unattended;

void poweroff(int status) __attribute__((noreturn));
/* Called when the first process exits, and when no process is left. */
void kern_init_exited(int status);
void kern_all_exited(void);

/*
 * kern/probes.c: run the kernel-level probes named (comma-separated, or
 * "all"); false if a name is unknown.  *user_half is set to the user
 * program holding the probes' user-mode half, if the names call for it.
 */
bool probes_run_tests(const char *names, const char **user_half);
bool probes_run_bench(const char *names, const char **user_half);

/* kern/syscall.c */
void syscall_dispatch(void);

#endif
