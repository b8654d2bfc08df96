/*
 * System-call wrappers.  Every call goes through syscall(), which
 * follows the ABI of inc/syscall.h: "int $0x30" with the call number in
 * %eax and the arguments in %edx, %ecx, %ebx, %edi, %esi; the result
 * comes back in %eax.
 */
#include <inc/lib.h>

/*
 * Make system call num with up to five arguments (unused ones are 0)
 * and return the kernel's result: >= 0 on success, -E_* on failure.
 * The "memory" clobber matters: the kernel reads and writes our buffers.
 */
static inline int32_t
syscall(int num, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4,
	uint32_t a5)
{
	int32_t ret;

	asm volatile("int %1"
		     : "=a"(ret)
		     : "i"(T_SYSCALL), "a"(num), "d"(a1), "c"(a2), "b"(a3),
		       "D"(a4), "S"(a5)
		     : "cc", "memory");
	return ret;
}

/* Write len bytes of s to the console, in one piece. */
void
sys_cputs(const char *s, size_t len)
{
	syscall(SYS_cputs, (uint32_t)s, len, 0, 0, 0);
}

/* The next console input byte; blocks until there is one. */
int
sys_getc(void)
{
	return syscall(SYS_getc, 0, 0, 0, 0, 0);
}

/* This process's id. */
int
sys_getpid(void)
{
	return syscall(SYS_getpid, 0, 0, 0, 0, 0);
}

/* Let other runnable processes run first. */
void
sys_yield(void)
{
	syscall(SYS_yield, 0, 0, 0, 0, 0);
}

/* End this process with the given status. */
void
sys_exit(int status)
{
	syscall(SYS_exit, status, 0, 0, 0, 0);
	for (;;)
		; /* the kernel never comes back */
}

/* Copy this process (copy-on-write): the child's pid here, 0 in it. */
int
sys_fork(void)
{
	return syscall(SYS_fork, 0, 0, 0, 0, 0);
}

/*
 * Reap child pid (-1: any child), storing its exit status in *status if
 * status is not NULL.  With WNOHANG in flags, return 0 instead of
 * blocking when no such child has exited yet.
 */
int
sys_wait(int pid, int *status, int flags)
{
	return syscall(SYS_wait, pid, (uint32_t)status, flags, 0, 0);
}

/* Start the program called name with the NULL-terminated argv. */
int
sys_spawn(const char *name, const char *const *argv)
{
	return syscall(SYS_spawn, (uint32_t)name, (uint32_t)argv, 0, 0, 0);
}

/* Map a fresh zeroed page at va with permissions perm (PTE_*). */
int
sys_page_alloc(void *va, int perm)
{
	return syscall(SYS_page_alloc, (uint32_t)va, perm, 0, 0, 0);
}

/* Map the page at src also at dst, with permissions perm. */
int
sys_page_map(void *src, void *dst, int perm)
{
	return syscall(SYS_page_map, (uint32_t)src, (uint32_t)dst, perm, 0,
		       0);
}

/* Remove the mapping at va, if any. */
int
sys_page_unmap(void *va)
{
	return syscall(SYS_page_unmap, (uint32_t)va, 0, 0, 0, 0);
}

/* Stop the machine; QEMU exits with status. */
void
sys_poweroff(int status)
{
	syscall(SYS_poweroff, status, 0, 0, 0, 0);
	for (;;)
		;
}

/* The number of live processes. */
int
sys_nprocs(void)
{
	return syscall(SYS_nprocs, 0, 0, 0, 0, 0);
}

/* End child pid; it exits with status EXIT_KILLED. */
int
sys_kill(int pid)
{
	return syscall(SYS_kill, pid, 0, 0, 0, 0);
}

/* From now on, any system call but exit kills this process. */
int
sys_sandbox(void)
{
	return syscall(SYS_sandbox, 0, 0, 0, 0, 0);
}
