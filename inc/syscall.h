/*
 * The system-call interface between user programs and the guest OS.
 *
 * A user program executes "int $0x30" (T_SYSCALL) with the call number in
 * %eax and up to five arguments in %edx, %ecx, %ebx, %edi, %esi.  The
 * result comes back in %eax: >= 0 on success, a negative E_* code
 * (inc/error.h) on failure.  No other register changes.
 */
#ifndef VMMLAB_INC_SYSCALL_H
#define VMMLAB_INC_SYSCALL_H

#define T_SYSCALL 0x30

#ifndef __ASSEMBLER__
enum {
	SYS_cputs = 0,	  /* (const char *s, size_t len) -> 0 */
	SYS_getc,	  /* () -> next console byte; blocks until one arrives */
	SYS_getpid,	  /* () -> this process's id (the first one is 1) */
	SYS_yield,	  /* () -> 0, after other runnable processes ran */
	SYS_exit,	  /* (int status) -> does not return */
	SYS_fork,	  /* () -> child pid in the parent, 0 in the child */
	SYS_wait,	  /* (int pid, int *status, int flags) -> pid reaped;
			     pid -1: any child; flags WNOHANG: 0 if none
			     has exited yet instead of blocking */
	SYS_spawn,	  /* (const char *name, const char *const *argv) -> pid */
	SYS_page_alloc,	  /* (void *va, int perm) -> 0; a zeroed page at va */
	SYS_page_map,	  /* (void *src, void *dst, int perm) -> 0 */
	SYS_page_unmap,	  /* (void *va) -> 0 */
	SYS_poweroff,	  /* (int status) -> does not return */
	SYS_nprocs,	  /* () -> number of live processes (for tests) */
	SYS_kill,	  /* (int pid) -> 0; a child of the caller only */
	SYS_sandbox,	  /* () -> 0; from now on every call but exit kills
			     the caller (for running hostile code) */
	NSYSCALLS
};
#endif

#define WNOHANG 1

/* Limits on spawn's arguments. */
#define MAXARGS 16
#define MAXARGLEN 128

/*
 * A process killed by an exception exits with this status plus the
 * exception number (so a page fault gives 64 + 14 = 78).  Statuses stay
 * below 124 so that the QEMU runner can pass them through unchanged.
 */
#define EXIT_FAULT_BASE 64
/* The status of a process ended by kill or by a sandbox violation. */
#define EXIT_KILLED 100

#endif
