/*
 * The guest OS's C entry point: read what the multiboot loader gave us,
 * bring up memory, traps and devices, then run what the command line
 * asks for:
 *
 *   (nothing)          the shell, interactively; the kernel monitor when
 *                      it exits
 *   init=PROG ARGS...  PROG with ARGS (to the end of the line); power off
 *                      with its exit status when it and its children end
 *   test=NAME[,NAME]   kernel-level probes (test=fidelity), then power off
 *   bench=NAME[,NAME]  nanobenchmarks (bench=all), then power off;
 *                      NAME:OPS runs exactly OPS operations (probes.c)
 */
#include <inc/cmdline.h>
#include <inc/error.h>
#include <inc/memlayout.h>
#include <inc/multiboot.h>
#include <inc/string.h>
#include <inc/x86.h>
#include <kern/console.h>
#include <kern/gdt.h>
#include <kern/kern.h>
#include <kern/monitor.h>
#include <kern/picirq.h>
#include <kern/pmap.h>
#include <kern/proc.h>
#include <kern/timer.h>
#include <kern/trap.h>

bool kern_unattended;
static bool init_exited;
static int init_status;
static bool poweroff_when_done;

/* The multiboot data we keep, copied before the allocator can reuse it. */
static char boot_cmdline[CMDLINE_MAX];
static bool boot_cmdline_cut; /* it did not fit */
static uint32_t boot_mem_upper;

/* entry.S maps the first 8 MiB; the loader's data must lie there. */
#define BOOT_MAPPED (8u << 20)

static const void *
boot_ptr(physaddr_t pa, size_t len)
{
	if (pa >= BOOT_MAPPED || len > BOOT_MAPPED - pa)
		return NULL;
	return KADDR_UNCHECKED(pa);
}

/*
 * Copy the command line and memory size out of the multiboot info and
 * return the end of the physical memory the loader's data occupies.
 */
static physaddr_t
read_multiboot(uint32_t magic, physaddr_t mbi_pa)
{
	if (magic != MB_BOOT_MAGIC) {
		cprintf("kernel: not started by a multiboot loader "
			"(eax=%08x); halting\n", magic);
		for (;;)
			hlt();
	}
	const struct mb_info *mbi = boot_ptr(mbi_pa, sizeof(*mbi));
	if (!mbi || !(mbi->flags & MB_INFO_MEMORY)) {
		cprintf("kernel: multiboot info missing or without memory "
			"size; halting\n");
		for (;;)
			hlt();
	}
	boot_mem_upper = mbi->mem_upper;
	physaddr_t reserved = mbi_pa + sizeof(*mbi);

	if (mbi->flags & MB_INFO_CMDLINE) {
		const char *s = boot_ptr(mbi->cmdline, 1);
		if (s) {
			size_t n = strlcpy(boot_cmdline,
					   cmdline_skip_image(s),
					   sizeof(boot_cmdline));
			reserved = MAX(reserved, mbi->cmdline + (physaddr_t)n + 1);
			boot_cmdline_cut = n >= sizeof(boot_cmdline);
		}
	}
	if (mbi->flags & MB_INFO_MMAP)
		reserved = MAX(reserved, mbi->mmap_addr + mbi->mmap_length);
	return ROUNDUP(reserved, PGSIZE);
}

void
poweroff(int status)
{
	cprintf("kernel: power off, status %d\n", status);
	outb(POWEROFF_PORT, (uint8_t)status);
	cprintf("kernel: the power-off port did not respond; halting\n");
	cli();
	for (;;)
		hlt();
}

void
kern_init_exited(int status)
{
	init_exited = true;
	init_status = status;
}

/* No process is left: power off, or hand the console to the monitor. */
void
kern_all_exited(void)
{
	if (poweroff_when_done)
		poweroff(init_exited ? init_status : 0);
	cprintf("kernel: no processes left\n");
	monitor(NULL);
}

/* Start the first process; a name we do not have ends an unattended boot. */
static void
start_init(int argc, const char *const *argv)
{
	struct proc *p;
	int r = proc_spawn(argv[0], argc, argv, NULL, &p);
	if (r < 0) {
		cprintf("kernel: init: cannot run '%s': %s (programs:", argv[0],
			strerror(r));
		for (uint32_t i = 0; i < nuserbins; i++)
			cprintf(" %s", userbins[i].name);
		cprintf(")\n");
		poweroff(EXIT_USAGE);
	}
	init_pid = r;
}

static const char *const known_keys[] = { "init", "test", "bench", NULL };

void
i386_init(uint32_t magic, physaddr_t mbi_pa)
{
	cons_init();
	physaddr_t reserved = read_multiboot(magic, mbi_pa);
	cprintf("vmmlab guest OS, %u KiB of memory\n", 1024 + boot_mem_upper);

	pmap_init(boot_mem_upper, reserved);
	gdt_init();
	trap_init();
	pic_init();
	timer_init();
	irq_unmask(IRQ_COM1);
	proc_init();

	if (boot_cmdline_cut) {
		cprintf("kernel: command line longer than %u bytes\n",
			CMDLINE_MAX - 1);
		poweroff(EXIT_USAGE);
	}
	char *argv[CMDLINE_MAXARGS];
	int argc = cmdline_split(boot_cmdline, argv, CMDLINE_MAXARGS);
	if (argc < 0) {
		cprintf("kernel: command line has more than %d words\n",
			CMDLINE_MAXARGS);
		poweroff(EXIT_USAGE);
	}
	/* Everything from init= on is the program's command line. */
	int init_at = argc;
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "init=", 5) == 0) {
			init_at = i;
			break;
		}
	int bad = cmdline_check_keys(init_at, argv, known_keys);
	if (bad >= 0) {
		cprintf("kernel: unknown command-line option '%s' (known: "
			"init=PROG [ARGS...], test=NAMES, bench=NAMES)\n",
			argv[bad]);
		poweroff(EXIT_USAGE);
	}

	const char *test = cmdline_get(init_at, argv, "test");
	const char *bench = cmdline_get(init_at, argv, "bench");
	kern_unattended = init_at < argc || test || bench;
	poweroff_when_done = kern_unattended;

	const char *user_half = NULL;
	if (test && !probes_run_tests(test, &user_half))
		poweroff(EXIT_USAGE);
	if (bench && !probes_run_bench(bench, &user_half))
		poweroff(EXIT_USAGE);

	if (init_at < argc) {
		argv[init_at] += 5; /* "init=PROG" -> "PROG" */
		start_init(argc - init_at, (const char *const *)argv + init_at);
	} else if (user_half) {
		const char *half_argv[] = { user_half, NULL };
		start_init(1, half_argv);
	} else if (!kern_unattended) {
		static const char *const sh_argv[] = { "sh", NULL };
		start_init(1, sh_argv);
	}
	if (proc_nlive() == 0)
		poweroff(0);
	sched_yield();
}
