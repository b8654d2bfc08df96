/*
 * The monitor's C entry point (kern/entry.S calls i386_init in both
 * images).  In order: read our own multiboot information (command line,
 * memory, the guest module), set up memory and the hole, the shadow
 * descriptor tables, the real devices the monitor keeps for itself, the
 * virtual devices it shows the guest, load the guest, and run it.
 *
 * Command line:  mode=MODE [mem=MiB] [key=value ...] -- GUEST-COMMAND-LINE
 *
 * The modes are the engines linked into this image (ENGINE, inc/engine.h)
 * and the other keys the options the labs registered (VMM_OPTION,
 * inc/registry.h): a handout without lab 3 simply has no mode=bt.
 */
#include <inc/cmdline.h>
#include <inc/counters.h>
#include <inc/deprivilege.h>
#include <inc/error.h>
#include <inc/multiboot.h>
#include <inc/registry.h>
#include <inc/shadow.h>
#include <inc/string.h>
#include <inc/trace.h>
#include <inc/vdev.h>
#include <inc/x86.h>
#include <kern/console.h>
#include <kern/kern.h>
#include <kern/monitor.h>
#include <kern/picirq.h>
#include <kern/pmap.h>
#include <kern/timer.h>
#include <vmm/vmm.h>

struct vcpu vcpu0;
bool kern_unattended = true; /* a monitor panic powers off */

static char vmm_cmdline[CMDLINE_MAX];
static char guest_cmdline[CMDLINE_MAX];

const struct engine *
engine_find(const char *mode)
{
	REGISTRY_FOREACH(vmm_engines, struct engine, e)
	{
		if (mode && strcmp((*e)->name, mode) == 0)
			return *e;
	}
	return NULL;
}

/* "te|bt|...": the modes of this image, in link order. */
static void
print_modes(const char *sep)
{
	const char *s = "";
	REGISTRY_FOREACH(vmm_engines, struct engine, e)
	{
		cprintf("%s%s", s, (*e)->name);
		s = sep;
	}
}

/* entry.S maps the first 8 MiB; multiboot data must be there. */
#define BOOT_MAPPED (8u << 20)

/* The value of the last "key=value" word: later words override earlier. */
static const char *
last_value(int argc, char *const *argv, const char *key)
{
	const char *val = NULL;
	for (int i = 0; i < argc; i++)
		if (cmdline_get(1, argv + i, key))
			val = cmdline_get(1, argv + i, key);
	return val;
}

/*
 * mode= and mem=: the last of each wins (i386_init reads them first),
 * but every one must be valid, as every other option must.
 */
static int
check_core(const char *key, const char *value)
{
	char *end;
	long mib;

	if (strcmp(key, "mode") == 0) {
		if (engine_find(value))
			return 0;
		cprintf("vmm: unknown mode '%s' (this monitor has: ", value);
		print_modes(", ");
		cprintf(")\n");
		return -1;
	}
	mib = strtol(value, &end, 10);
	if (end == value || *end || mib < GUEST_MEM_MIN_MIB ||
	    mib > GUEST_MEM_MAX_MIB) {
		cprintf("vmm: mem=%s: give the guest's memory in MiB, %d to "
			"%d\n", value, GUEST_MEM_MIN_MIB, GUEST_MEM_MAX_MIB);
		return -1;
	}
	return 0;
}

/*
 * Apply one "key=value" word: mode and mem are the core's, the rest
 * belong to the registered options.  false (after one line saying why)
 * if the key is unknown or the value is refused.
 */
static bool
set_option(char *word)
{
	char *eq = strchr(word, '=');
	if (eq && eq != word) {
		*eq = '\0';
		const char *key = word, *value = eq + 1;
		bool core = strcmp(key, "mode") == 0 || strcmp(key, "mem") == 0;
		int r = core ? check_core(key, value) : -2;
		REGISTRY_FOREACH(vmm_options, struct vmm_option, o)
		if (!core && strcmp((*o)->key, key) == 0)
			r = (*o)->set(value);
		*eq = '=';
		if (r != -2)
			return r == 0;
	}
	cprintf("vmm: unknown option '%s' (known: mode=", word);
	print_modes("|");
	cprintf(" mem=MiB");
	REGISTRY_FOREACH(vmm_options, struct vmm_option, o)
	cprintf(" %s", (*o)->help);
	cprintf(", then -- and the guest's command line)\n");
	return false;
}

static void __attribute__((noreturn))
usage_error(const char *fmt, const char *arg)
{
	cprintf("vmm: ");
	cprintf(fmt, arg);
	cprintf("\n");
	poweroff(EXIT_VMM_USAGE);
}

/* Real power-off: QEMU's isa-debug-exit. */
void
poweroff(int status)
{
	outb(POWEROFF_PORT, (uint8_t)status);
	cprintf("vmm: the power-off port did not respond; halting\n");
	for (;;)
		asm volatile("cli; hlt");
}

/* The guest wrote its power-off port: report (the counters, then what
 * the labs registered), then power off for real. */
static void
guest_poweroff(int status)
{
	counters_print();
	REGISTRY_FOREACH(vmm_poweroff_hooks, struct vmm_poweroff_hook, h)
	(*h)->report();
	poweroff(status);
}

/* The guest's serial output goes to the real port, byte for byte. */
static void
guest_serial_putc(uint8_t c)
{
	cons_putc_raw(c);
	poolreport_guest_putc(c);
}

static const void *
boot_ptr(physaddr_t pa, size_t len)
{
	if (pa >= BOOT_MAPPED || len > BOOT_MAPPED - pa)
		return NULL;
	return (const void *)(KBASE + pa);
}

void
i386_init(uint32_t magic, physaddr_t mbi_pa)
{
	cons_init();
	if (magic != MB_BOOT_MAGIC)
		usage_error("not started by a multiboot loader%s", "");
	const struct mb_info *mbi = boot_ptr(mbi_pa, sizeof(*mbi));
	if (!mbi || !(mbi->flags & MB_INFO_MEMORY))
		usage_error("multiboot information without memory size%s", "");
	physaddr_t reserved = mbi_pa + sizeof(*mbi);
	if (mbi->flags & MB_INFO_CMDLINE) {
		const char *s = boot_ptr(mbi->cmdline, 1);
		if (s && strlcpy(vmm_cmdline, cmdline_skip_image(s),
				 sizeof(vmm_cmdline)) >= sizeof(vmm_cmdline)) {
			cprintf("vmm: command line longer than %u bytes (the "
				"monitor's words and the guest's together)\n",
				CMDLINE_MAX - 1);
			poweroff(EXIT_VMM_USAGE);
		}
	}

	/* The guest image: multiboot module 0. */
	if (!(mbi->flags & MB_INFO_MODS) || mbi->mods_count < 1)
		usage_error("no guest image: pass one as a multiboot module "
			    "(QEMU: -initrd obj/kernel)%s", "");
	const struct mb_module *mod = boot_ptr(mbi->mods_addr, sizeof(*mod));
	if (!mod || mod->mod_end <= mod->mod_start ||
	    !boot_ptr(mod->mod_start, mod->mod_end - mod->mod_start))
		usage_error("guest module is empty or out of reach%s", "");
	reserved = MAX(reserved, mod->mod_end);
	reserved = MAX(reserved, mbi->mods_addr + mbi->mods_count * 16);
	reserved = MAX(reserved, mbi->cmdline + CMDLINE_MAX);

	/* Parse "key=value ... -- guest command line". */
	const char *g = cmdline_after_dashes(vmm_cmdline);
	strlcpy(guest_cmdline, g ? g : "", sizeof(guest_cmdline));
	char *argv[CMDLINE_MAXARGS];
	int argc = cmdline_split(vmm_cmdline, argv, CMDLINE_MAXARGS);
	if (argc < 0)
		usage_error("too many words on the command line%s", "");
	argc = cmdline_find_dashes(argc, argv);

	const char *mode = last_value(argc, argv, "mode");
	const struct engine *engine = engine_find(mode);
	if (!engine) {
		cprintf("vmm: unknown mode '%s' (this monitor has: ",
			mode ? mode : "(none)");
		print_modes(", ");
		cprintf(")\n");
		REGISTRY_FOREACH(vmm_engines, struct engine, e)
		cprintf("vmm:   mode=%s\n", (*e)->help);
		poweroff(EXIT_VMM_USAGE);
	}

	const char *mem = last_value(argc, argv, "mem");
	char *end;
	long mib = mem ? strtol(mem, &end, 10) : GUEST_MEM_DEFAULT_MIB;
	if (mem && check_core("mem", mem) < 0)
		poweroff(EXIT_VMM_USAGE);

	/* Every other key belongs to some lab's option (inc/registry.h). */
	for (int i = 0; i < argc; i++)
		if (!set_option(argv[i]))
			poweroff(EXIT_VMM_USAGE);

	/* Memory budget: the monitor's own, then the guest's block above. */
	pmap_init(mbi->mem_upper, ROUNDUP(reserved, PGSIZE));
	uint32_t have_mib = (1024 + mbi->mem_upper) >> 10;
	if ((uint32_t)mib + (GUEST_BASE >> 20) > have_mib) {
		cprintf("vmm: the guest's %ld MiB do not fit: the monitor "
			"keeps %u MiB and the machine has %u MiB\n",
			mib, GUEST_BASE >> 20, have_mib);
		poweroff(EXIT_VMM_USAGE);
	}
	vcpu0.mem_base = GUEST_BASE;
	vcpu0.mem_size = (uint32_t)mib << 20;

	gmem_init();
	segments_init();
	pic_init();
	timer_init();
	irq_unmask(IRQ_SERIAL);

	vdev_reset();
	vpic_init(&vpic0);
	vpic_attach(&vpic0);
	vpit_init(&vpit0, &vpic0);
	vpit_attach(&vpit0);
	vlapic_init(&vlapic0);
	vuart_init(&vuart0, &vpic0, guest_serial_putc);
	vuart_attach(&vuart0);
	vdev_attach_misc(guest_poweroff);
	vdev_attach_ports();

	if (load_guest(&vcpu0, (const void *)(KBASE + mod->mod_start),
		       mod->mod_end - mod->mod_start, guest_cmdline) < 0)
		poweroff(EXIT_VMM_USAGE);

	/* The engine and the shadow MMU it drives. */
	vcpu0.engine = engine;
	vcpu0.mmu_hw = engine->mmu_hw;
	shadow_hole_mapped = !engine->mmu_hw->own_space;
	vcpu0.mmu = shadow_chosen ? shadow_chosen : shadow_find(NULL);
	if (!vcpu0.mmu)
		usage_error("this monitor has no shadow MMU%s", "");
	/* The engine first: it may want large runs of contiguous pages. */
	engine->init(&vcpu0);
	hole_guard_arm(shadow_hole_mapped);
	if (trace_init(&vcpu0) < 0)
		usage_error("no memory for the trace table%s", "");
	shadow_init(&vcpu0);
	cprintf("vmm: mode %s, shadow %s, guest memory %ld MiB at host %08x, "
		"monitor pool %u KiB free\n",
		engine->name, vcpu0.mmu->name, mib, vcpu0.mem_base,
		(unsigned)(page_free_count() * 4));
	vmm_run(&vcpu0);
}
