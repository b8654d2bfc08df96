/*
 * System calls.  A user program traps with "int $0x30" (inc/syscall.h);
 * trap() has saved its registers in curproc->tf and calls
 * syscall_dispatch, which stores the result in the saved %eax.
 *
 * User pointers are never dereferenced: copyin/copyout (pmap.c) check
 * and translate them, so a bad pointer is an error code, not a kernel
 * fault.
 */
#include <inc/error.h>
#include <inc/string.h>
#include <inc/syscall.h>
#include <kern/console.h>
#include <kern/kern.h>
#include <kern/pmap.h>
#include <kern/proc.h>

#define CPUTS_CHUNK 256

static int
sys_cputs(uint32_t s, uint32_t len)
{
	char buf[CPUTS_CHUNK];
	while (len > 0) {
		uint32_t n = MIN(len, (uint32_t)sizeof(buf));
		if (copyin(curproc->pgdir, buf, s, n) < 0)
			return -E_FAULT;
		for (uint32_t i = 0; i < n; i++)
			cons_putc(buf[i]);
		s += n, len -= n;
	}
	return 0;
}

/* A byte of console input, or block until one arrives (see trap.c). */
static int
sys_getc(void)
{
	int c = cons_getc_buffered();
	if (c >= 0)
		return c;
	curproc->state = P_WAIT_INPUT;
	return 0;
}

/* Check that va is a page-aligned user address and perm is allowed. */
static bool
user_page_ok(uint32_t va, int perm)
{
	if (va >= UTOP || va % PGSIZE != 0)
		return false;
	if ((perm & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
		return false;
	return (perm & ~(PTE_P | PTE_U | PTE_W)) == 0;
}

static int
sys_page_alloc(uint32_t va, int perm)
{
	if (!user_page_ok(va, perm))
		return -E_INVAL;
	struct pageinfo *pp = page_alloc(ALLOC_ZERO);
	if (!pp)
		return -E_NO_MEM;
	if (page_insert(curproc->pgdir, pp, va, perm) < 0) {
		page_free(pp);
		return -E_NO_MEM;
	}
	return 0;
}

/* Map the page at src also at dst (in the caller's own address space). */
static int
sys_page_map(uint32_t src, uint32_t dst, int perm)
{
	if (!user_page_ok(src, PTE_P | PTE_U) || !user_page_ok(dst, perm))
		return -E_INVAL;
	pte_t *pte;
	struct pageinfo *pp = page_lookup(curproc->pgdir, src, &pte);
	if (!pp || !(*pte & PTE_U))
		return -E_INVAL;
	if ((perm & PTE_W) && !(*pte & PTE_W)) {
		/* A COW page becomes private first; a read-only one stays so. */
		if (!(*pte & PTE_COW) || cow_break(curproc->pgdir, src) < 0)
			return -E_INVAL;
		pp = page_lookup(curproc->pgdir, src, NULL);
	}
	return page_insert(curproc->pgdir, pp, dst, perm);
}

static int
sys_page_unmap(uint32_t va)
{
	if (!user_page_ok(va, PTE_P | PTE_U))
		return -E_INVAL;
	page_remove(curproc->pgdir, va);
	return 0;
}

static int
sys_spawn(uint32_t uname, uint32_t uargv)
{
	char name[PROC_NAMELEN];
	static char argbuf[MAXARGS][MAXARGLEN];
	const char *argv[MAXARGS];
	int argc = 0;

	if (copyinstr(curproc->pgdir, name, uname, sizeof(name)) < 0)
		return -E_INVAL;
	for (;; argc++) {
		uint32_t uarg;
		if (copyin(curproc->pgdir, &uarg, uargv + argc * 4, 4) < 0)
			return -E_FAULT;
		if (uarg == 0)
			break;
		if (argc == MAXARGS)
			return -E_INVAL;
		if (copyinstr(curproc->pgdir, argbuf[argc], uarg, MAXARGLEN) < 0)
			return -E_INVAL;
		argv[argc] = argbuf[argc];
	}
	return proc_spawn(name, argc, argv, curproc, NULL);
}

static int
sys_kill(int pid)
{
	struct proc *p = proc_find(pid);
	if (!p || p->parent != curproc)
		return -E_CHILD;
	if (p->state != P_ZOMBIE) {
		cprintf("[pid %d] %s: killed by pid %d\n", p->pid, p->name,
			curproc->pid);
		proc_exit(p, EXIT_KILLED);
	}
	return 0;
}

void
syscall_dispatch(void)
{
	struct proc *p = curproc;
	struct pushregs *r = &p->tf.tf_regs;
	uint32_t num = r->reg_eax, a1 = r->reg_edx, a2 = r->reg_ecx,
		 a3 = r->reg_ebx;
	int32_t ret;

	if (p->sandboxed && num != SYS_exit) {
		cprintf("[pid %d] %s: system call %u in the sandbox: killed\n",
			p->pid, p->name, num);
		proc_exit(p, EXIT_KILLED);
		return;
	}

	switch (num) {
	case SYS_cputs:
		ret = sys_cputs(a1, a2);
		break;
	case SYS_getc:
		ret = sys_getc();
		break;
	case SYS_getpid:
		ret = p->pid;
		break;
	case SYS_yield:
		r->reg_eax = 0;
		sched_yield();
	case SYS_exit:
		proc_exit(p, (int)a1);
		return;
	case SYS_fork:
		ret = proc_fork(p);
		break;
	case SYS_wait:
		ret = proc_wait(p, (int)a1, a2, (int)a3);
		break;
	case SYS_spawn:
		ret = sys_spawn(a1, a2);
		break;
	case SYS_page_alloc:
		ret = sys_page_alloc(a1, (int)a2);
		break;
	case SYS_page_map:
		ret = sys_page_map(a1, a2, (int)a3);
		break;
	case SYS_page_unmap:
		ret = sys_page_unmap(a1);
		break;
	case SYS_poweroff:
		poweroff((int)a1);
	case SYS_nprocs:
		ret = proc_nlive();
		break;
	case SYS_kill:
		ret = sys_kill((int)a1);
		break;
	case SYS_sandbox:
		p->sandboxed = true;
		ret = 0;
		break;
	default:
		ret = -E_INVAL;
		break;
	}
	/* A blocked call gets its result later, from whoever wakes it. */
	if (p->state == P_RUNNABLE)
		r->reg_eax = (uint32_t)ret;
}
