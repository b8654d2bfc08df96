/*
 * The user programs' C library (user/lib/): system-call wrappers and a
 * few conveniences on top of lib/.  A program defines
 *     int main(int argc, char **argv);
 * and its return value becomes its exit status.
 */
#ifndef VMMLAB_INC_LIB_H
#define VMMLAB_INC_LIB_H

#include <inc/assert.h>
#include <inc/error.h>
#include <inc/memlayout.h>
#include <inc/mmu.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/syscall.h>
#include <inc/types.h>
#include <inc/x86.h>

/* The program's name (argv[0]), for messages. */
extern const char *binaryname;

/* user/lib/syscall.c: one wrapper per call in inc/syscall.h */
void sys_cputs(const char *s, size_t len);
int sys_getc(void);
int sys_getpid(void);
void sys_yield(void);
void sys_exit(int status) __attribute__((noreturn));
int sys_fork(void);
int sys_wait(int pid, int *status, int flags);
int sys_spawn(const char *name, const char *const *argv);
int sys_page_alloc(void *va, int perm);
int sys_page_map(void *src, void *dst, int perm);
int sys_page_unmap(void *va);
void sys_poweroff(int status) __attribute__((noreturn));
int sys_nprocs(void);
int sys_kill(int pid);
int sys_sandbox(void);

/* Conveniences with the usual Unix names. */
#define fork sys_fork
#define getpid sys_getpid
#define yield sys_yield
void exit(int status) __attribute__((noreturn));
int wait(int *status);		  /* any child */
int waitpid(int pid, int *status); /* one child */
int spawnl(const char *name, ...); /* argv as a NULL-terminated list */

#endif
