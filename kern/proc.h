/* Processes: one address space and one thread each. */
#ifndef VMMLAB_KERN_PROC_H
#define VMMLAB_KERN_PROC_H

#include <inc/mmu.h>
#include <inc/trap.h>
#include <inc/types.h>

#define NPROC 64
#define PROC_NAMELEN 16

enum proc_state {
	P_FREE = 0,
	P_RUNNABLE,
	P_WAIT_CHILD, /* in sys_wait: wait_pid says for whom */
	P_WAIT_INPUT, /* in sys_getc */
	P_ZOMBIE,     /* exited; the parent has not collected the status */
};

struct proc {
	struct trapframe tf;	/* user registers while not running */
	enum proc_state state;
	int pid;
	struct proc *parent;	/* NULL for init and orphans */
	pde_t *pgdir;
	char name[PROC_NAMELEN];
	int exit_status;
	int wait_pid;		/* P_WAIT_CHILD: -1 (any) or a pid */
	uint32_t wait_status_uva; /* P_WAIT_CHILD: where to store the status */
	bool sandboxed;		/* only SYS_exit allowed */
	uint32_t nruns;		/* times scheduled (for ps) */
};

extern struct proc procs[NPROC];
extern struct proc *curproc;
/* The first process: its exit status is the machine's when it powers off. */
extern int init_pid;

void proc_init(void);
struct proc *proc_find(int pid);
int proc_spawn(const char *name, int argc, const char *const *argv,
	       struct proc *parent, struct proc **out);
int proc_fork(struct proc *parent);
void proc_exit(struct proc *p, int status);
int proc_wait(struct proc *p, int pid, uint32_t status_uva, int flags);
int proc_nlive(void);
void proc_print_all(void);

/* kern/userbins.S: the user programs linked into the kernel. */
struct userbin {
	const char *name;
	const uint8_t *start;
	uint32_t size;
};
const struct userbin *userbin_find(const char *name);
extern const struct userbin userbins[];
extern const uint32_t nuserbins;

/* kern/sched.c */
void sched_yield(void) __attribute__((noreturn));
void proc_run(struct proc *p) __attribute__((noreturn));

#endif
