/*
 * fidelity: the user-level fidelity probes (docs/DESIGN.md §8).
 *
 * Each line, "fidelity: user NAME: VALUE", reports something a ring-3
 * program can observe without a system call and that a monitor might
 * change: the classic i386 obstacles to trap-and-emulate (Adams &
 * Agesen §2, Robin & Irvine's list) are instructions that read
 * privileged state without trapping at CPL 3 -- pushf, sgdt, sidt, sldt,
 * str, smsw, lar, lsl, verr, verw -- plus the selectors' RPL and cpuid.
 * The native run's output is the reference; a monitor that leaks (a GDT
 * base in the monitor hole, a truncated segment limit, an odd flag)
 * shows up as a differing line.
 */
#include <inc/lib.h>

/* The guest kernel's code selector (GDT entry 1, RPL 0). */
#define KERNEL_CS 0x08

/* pushf: IF must read 1 at CPL 3, and IOPL what the kernel set (0). */
static void
probe_pushf(void)
{
	uint32_t fl = read_eflags();

	printf("fidelity: user pushf: IF=%d IOPL=%d\n", !!(fl & FL_IF),
	       (fl & FL_IOPL_MASK) >> FL_IOPL_SHIFT);
}

/*
 * popf that clears IF: at CPL 3 with IOPL 0 the processor ignores the IF
 * bit without faulting, so IF still reads 1 afterwards.
 */
static void
probe_popf(void)
{
	uint32_t fl;

	write_eflags(read_eflags() & ~FL_IF);
	fl = read_eflags();
	printf("fidelity: user popf-clear-if: IF=%d\n", !!(fl & FL_IF));
}

/* The selectors in %cs and %ss: RPL 3 in user mode. */
static void
probe_selectors(void)
{
	uint32_t cs = 0, ss = 0;

	asm volatile("movl %%cs, %0" : "=r"(cs));
	asm volatile("movl %%ss, %0" : "=r"(ss));
	cs &= 0xFFFF;
	ss &= 0xFFFF;
	printf("fidelity: user cs: 0x%04x RPL=%d\n", cs, SEL_RPL(cs));
	printf("fidelity: user ss: 0x%04x RPL=%d\n", ss, SEL_RPL(ss));
}

/* sgdt, sidt: where the descriptor tables are, as the CPU sees them. */
static void
probe_tables(void)
{
	struct pseudodesc gdt = { 0, 0 }, idt = { 0, 0 };

	asm volatile("sgdt %0" : "=m"(gdt));
	asm volatile("sidt %0" : "=m"(idt));
	printf("fidelity: user sgdt: base=0x%08x limit=0x%04x\n",
	       gdt.pd_base, gdt.pd_lim);
	printf("fidelity: user sidt: base=0x%08x limit=0x%04x\n",
	       idt.pd_base, idt.pd_lim);
}

/* sldt, str, smsw: the LDT and task selectors and CR0's low 16 bits. */
static void
probe_system_regs(void)
{
	uint32_t ldt = 0, tr = 0, msw = 0;

	asm volatile("sldt %w0" : "+r"(ldt));
	asm volatile("str %w0" : "+r"(tr));
	asm volatile("smsw %w0" : "+r"(msw));
	printf("fidelity: user sldt: 0x%04x\n", ldt & 0xFFFF);
	printf("fidelity: user str: 0x%04x\n", tr & 0xFFFF);
	printf("fidelity: user smsw: 0x%04x\n", msw & 0xFFFF);
}

/*
 * lar, lsl, verr, verw of selector sel, named name.  Each sets ZF when
 * the descriptor is visible from CPL 3; lar then yields the access
 * rights (masked as SDM vol. 2 "LAR" describes) and lsl the limit.  The
 * result registers start at 0 and stay 0 when ZF is clear.
 */
static void
probe_segment(const char *name, uint32_t sel)
{
	uint32_t ar = 0, lim = 0;
	uint8_t zar, zlim, zr, zw;

	asm volatile("larl %2, %0; setz %1"
		     : "+r"(ar), "=q"(zar)
		     : "r"(sel)
		     : "cc");
	asm volatile("lsll %2, %0; setz %1"
		     : "+r"(lim), "=q"(zlim)
		     : "r"(sel)
		     : "cc");
	asm volatile("verr %w1; setz %0" : "=q"(zr) : "r"(sel) : "cc");
	asm volatile("verw %w1; setz %0" : "=q"(zw) : "r"(sel) : "cc");
	printf("fidelity: user lar-%s: ZF=%d 0x%08x\n", name, zar,
	       ar & 0x00FFFF00);
	printf("fidelity: user lsl-%s: ZF=%d 0x%08x\n", name, zlim, lim);
	printf("fidelity: user verr-%s: ZF=%d\n", name, zr);
	printf("fidelity: user verw-%s: ZF=%d\n", name, zw);
}

/* cpuid leaf 0 (highest leaf, vendor) and leaf 1 (signature, features). */
static void
probe_cpuid(void)
{
	uint32_t max, b, c, d, sig, feat;
	char vendor[13];

	cpuid(0, &max, &b, &c, &d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = '\0';
	printf("fidelity: user cpuid-0: max=0x%x vendor=%s\n", max, vendor);
	cpuid(1, &sig, NULL, NULL, &feat);
	printf("fidelity: user cpuid-1: eax=0x%08x edx=0x%08x\n", sig, feat);
}

/* Run every probe once, in a fixed order. */
int
main(int argc, char **argv)
{
	uint32_t cs, ds;

	asm volatile("movl %%cs, %0" : "=r"(cs));
	asm volatile("movl %%ds, %0" : "=r"(ds));

	probe_pushf();
	probe_popf();
	probe_selectors();
	probe_tables();
	probe_system_regs();
	probe_segment("cs", cs & 0xFFFF);
	probe_segment("ds", ds & 0xFFFF);
	probe_segment("kcode", KERNEL_CS);
	probe_cpuid();
	return 0;
}
