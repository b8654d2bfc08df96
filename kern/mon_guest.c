/* The guest OS's own kernel-monitor commands: processes and programs. */
#include <inc/error.h>
#include <inc/string.h>
#include <kern/kern.h>
#include <kern/monitor.h>
#include <kern/proc.h>

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

const struct command image_commands[] = {
	{ "ps", "list processes", mon_ps },
	{ "programs", "list the user programs in the kernel", mon_programs },
	{ "run", "run PROG [ARGS...] and come back when it is done", mon_run },
	{ "poweroff", "power off with status N (default 0)", mon_poweroff },
};
const size_t nimage_commands = ARRAY_SIZE(image_commands);
