/*
 * The kernel monitor: a command line for poking at a live kernel.  It
 * runs when no process is left in an interactive boot, after a panic in
 * an interactive boot, and from the shell's "exit".
 */
#include <inc/cmdline.h>
#include <inc/error.h>
#include <inc/memlayout.h>
#include <inc/string.h>
#include <inc/x86.h>
#include <kern/kern.h>
#include <kern/monitor.h>
#include <kern/pmap.h>
#include <kern/proc.h>
#include <kern/trap.h>

struct command {
	const char *name;
	const char *help;
	/* Returns -1 to leave the monitor. */
	int (*func)(int argc, char **argv, struct trapframe *tf);
};

static int mon_ps(int argc, char **argv, struct trapframe *tf);
static int mon_run(int argc, char **argv, struct trapframe *tf);
static int mon_poweroff(int argc, char **argv, struct trapframe *tf);
static int mon_programs(int argc, char **argv, struct trapframe *tf);

static const struct command commands[] = {
	{ "help", "list the commands", mon_help },
	{ "kerninfo", "show the kernel's size and memory", mon_kerninfo },
	{ "backtrace", "show the call stack", mon_backtrace },
	{ "ps", "list processes", mon_ps },
	{ "programs", "list the user programs in the kernel", mon_programs },
	{ "run", "run PROG [ARGS...] and come back when it is done", mon_run },
	{ "poweroff", "power off with status N (default 0)", mon_poweroff },
};

int
mon_help(int argc, char **argv, struct trapframe *tf)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		cprintf("  %-10s %s\n", commands[i].name, commands[i].help);
	return 0;
}

int
mon_kerninfo(int argc, char **argv, struct trapframe *tf)
{
	extern char _start[], entry[], etext[], edata[], end[];
	cprintf("Special kernel symbols:\n");
	cprintf("  _start    %08x (phys)\n", (uint32_t)_start);
	cprintf("  entry     %08x (virt)  %08x (phys)\n", (uint32_t)entry,
		(uint32_t)entry - KERNBASE);
	cprintf("  etext     %08x (virt)  %08x (phys)\n", (uint32_t)etext,
		(uint32_t)etext - KERNBASE);
	cprintf("  edata     %08x (virt)  %08x (phys)\n", (uint32_t)edata,
		(uint32_t)edata - KERNBASE);
	cprintf("  end       %08x (virt)  %08x (phys)\n", (uint32_t)end,
		(uint32_t)end - KERNBASE);
	cprintf("Kernel image: %u KiB; memory %u KiB, %u pages free\n",
		((uint32_t)end - (uint32_t)entry + 1023) / 1024, phys_kib,
		(unsigned)page_free_count());
	return 0;
}

void
backtrace_from(uint32_t ebp, uint32_t eip)
{
	cprintf("Stack backtrace:\n");
	for (int depth = 0; depth < 32; depth++) {
		uint32_t off = 0;
		const char *fn = ksym_lookup(eip, &off);
		cprintf("  ebp %08x  eip %08x  %s+%u\n", ebp, eip,
			fn ? fn : "?", off);
		/* Stop at the frame entry.S made, or at anything not ours. */
		if (ebp == 0 || ebp < KERNBASE || ebp >= MONHOLE - 8 || ebp % 4)
			break;
		const uint32_t *frame = (const uint32_t *)ebp;
		eip = frame[1];
		ebp = frame[0];
		if (eip == 0)
			break;
	}
}

int
mon_backtrace(int argc, char **argv, struct trapframe *tf)
{
	if (tf && (tf->tf_cs & 3) == 0)
		backtrace_from(tf->tf_regs.reg_ebp, tf->tf_eip);
	else
		backtrace_from(read_ebp(), (uint32_t)mon_backtrace);
	return 0;
}

static int
mon_ps(int argc, char **argv, struct trapframe *tf)
{
	proc_print_all();
	return 0;
}

static int
mon_programs(int argc, char **argv, struct trapframe *tf)
{
	for (uint32_t i = 0; i < nuserbins; i++)
		cprintf("  %-12s %6u bytes\n", userbins[i].name,
			userbins[i].size);
	return 0;
}

static int
mon_run(int argc, char **argv, struct trapframe *tf)
{
	if (argc < 2) {
		cprintf("usage: run PROG [ARGS...]\n");
		return 0;
	}
	int r = proc_spawn(argv[1], argc - 1, (const char *const *)argv + 1,
			   NULL, NULL);
	if (r < 0) {
		cprintf("run: %s: %s\n", argv[1], strerror(r));
		return 0;
	}
	return -1;
}

static int
mon_poweroff(int argc, char **argv, struct trapframe *tf)
{
	poweroff(argc > 1 ? atoi(argv[1]) : 0);
}

static int
runcmd(char *line, struct trapframe *tf)
{
	char *argv[CMDLINE_MAXARGS];
	int argc = cmdline_split(line, argv, CMDLINE_MAXARGS);
	if (argc < 0) {
		cprintf("too many arguments (max %d)\n", CMDLINE_MAXARGS);
		return 0;
	}
	if (argc == 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].func(argc, argv, tf);
	cprintf("unknown command '%s' (try 'help')\n", argv[0]);
	return 0;
}

void
monitor(struct trapframe *tf)
{
	cprintf("Welcome to the vmmlab kernel monitor. Type 'help' for "
		"commands.\n");
	for (;;) {
		char *line = readline("K> ");
		if (runcmd(line, tf) < 0)
			return;
	}
}

void
monitor_panic(void)
{
	if (kern_unattended)
		poweroff(EXIT_PANIC);
	for (;;)
		monitor(NULL);
}
