/*
 * The kernel monitor: a command line for poking at a live kernel.  The
 * guest OS enters it when no process is left in an interactive boot and
 * after a panic in one; the monitor image after a panic.  Each image adds
 * its own commands (image_commands).
 */
#include <inc/cmdline.h>
#include <inc/error.h>
#include <inc/memlayout.h>
#include <inc/string.h>
#include <inc/x86.h>
#include <kern/kbase.h>
#include <kern/kern.h>
#include <kern/monitor.h>
#include <inc/trap.h>
#include <kern/pmap.h>

/* Commands every image has; image_commands (below) adds its own. */
static const struct command commands[] = {
	{ "help", "list the commands", mon_help },
	{ "kerninfo", "show the kernel's size and memory", mon_kerninfo },
	{ "backtrace", "show the call stack", mon_backtrace },
};

int
mon_help(int argc, char **argv, struct trapframe *tf)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		cprintf("  %-10s %s\n", commands[i].name, commands[i].help);
	for (size_t i = 0; i < nimage_commands; i++)
		cprintf("  %-10s %s\n", image_commands[i].name,
			image_commands[i].help);
	return 0;
}

int
mon_kerninfo(int argc, char **argv, struct trapframe *tf)
{
	extern char _start[], entry[], etext[], edata[], end[];
	cprintf("Special kernel symbols:\n");
	cprintf("  _start    %08x (phys)\n", (uint32_t)_start);
	cprintf("  entry     %08x (virt)  %08x (phys)\n", (uint32_t)entry,
		(uint32_t)entry - KBASE);
	cprintf("  etext     %08x (virt)  %08x (phys)\n", (uint32_t)etext,
		(uint32_t)etext - KBASE);
	cprintf("  edata     %08x (virt)  %08x (phys)\n", (uint32_t)edata,
		(uint32_t)edata - KBASE);
	cprintf("  end       %08x (virt)  %08x (phys)\n", (uint32_t)end,
		(uint32_t)end - KBASE);
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
		const char *fn = ksym_frame(eip, depth > 0, &off);
		cprintf("  ebp %08x  eip %08x  %s+%u\n", ebp, eip,
			fn ? fn : "?", off);
		/* Stop at the frame entry.S made, or at anything not ours. */
		if (ebp == 0 || ebp < KBASE || ebp > 0xFFFFFFF0u || ebp % 4)
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
	for (size_t i = 0; i < nimage_commands; i++)
		if (strcmp(argv[0], image_commands[i].name) == 0)
			return image_commands[i].func(argc, argv, tf);
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
