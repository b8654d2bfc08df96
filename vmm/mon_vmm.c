/* The monitor image's own kernel-monitor commands. */
#include <inc/counters.h>
#include <inc/string.h>
#include <kern/kern.h>
#include <kern/monitor.h>

static int
mon_vmstat(int argc, char **argv, struct trapframe *tf)
{
	counters_print();
	return 0;
}

static int
mon_poweroff(int argc, char **argv, struct trapframe *tf)
{
	poweroff(argc > 1 ? atoi(argv[1]) : 0);
}

const struct command image_commands[] = {
	{ "vmstat", "show the monitor's event counters", mon_vmstat },
	{ "poweroff", "power off with status N (default 0)", mon_poweroff },
};
const size_t nimage_commands = ARRAY_SIZE(image_commands);
