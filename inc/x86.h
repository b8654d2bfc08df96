/*
 * Thin wrappers around the i386 instructions that C cannot express.
 * Each is one instruction; the names follow the mnemonics.
 */
#ifndef VMMLAB_INC_X86_H
#define VMMLAB_INC_X86_H

#include <inc/types.h>

static inline uint8_t
inb(uint16_t port)
{
	uint8_t v;
	asm volatile("inb %w1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t
inw(uint16_t port)
{
	uint16_t v;
	asm volatile("inw %w1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t
inl(uint16_t port)
{
	uint32_t v;
	asm volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void
outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %w1" : : "a"(v), "Nd"(port));
}

static inline void
outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %w1" : : "a"(v), "Nd"(port));
}

static inline void
outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %w1" : : "a"(v), "Nd"(port));
}

static inline void
invlpg(uint32_t la)
{
	asm volatile("invlpg (%0)" : : "r"(la) : "memory");
}

static inline void
lidt(const void *pd)
{
	asm volatile("lidt (%0)" : : "r"(pd) : "memory");
}

static inline void
lgdt(const void *pd)
{
	asm volatile("lgdt (%0)" : : "r"(pd) : "memory");
}

static inline void
lldt(uint16_t sel)
{
	asm volatile("lldt %0" : : "r"(sel));
}

static inline void
ltr(uint16_t sel)
{
	asm volatile("ltr %0" : : "r"(sel));
}

static inline void
lcr0(uint32_t v)
{
	asm volatile("movl %0, %%cr0" : : "r"(v) : "memory");
}

static inline uint32_t
rcr0(void)
{
	uint32_t v;
	asm volatile("movl %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint32_t
rcr2(void)
{
	uint32_t v;
	asm volatile("movl %%cr2, %0" : "=r"(v));
	return v;
}

static inline void
lcr3(uint32_t v)
{
	asm volatile("movl %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint32_t
rcr3(void)
{
	uint32_t v;
	asm volatile("movl %%cr3, %0" : "=r"(v));
	return v;
}

static inline void
lcr4(uint32_t v)
{
	asm volatile("movl %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint32_t
rcr4(void)
{
	uint32_t v;
	asm volatile("movl %%cr4, %0" : "=r"(v));
	return v;
}

static inline uint32_t
read_eflags(void)
{
	uint32_t v;
	asm volatile("pushfl; popl %0" : "=r"(v));
	return v;
}

/*
 * Careful: the guest OS never uses this to set FL_IF (docs/DESIGN.md §8:
 * it enables interrupts only by iret to user mode or by sti; hlt), because
 * popf at ring 1 silently ignores IF -- the obstacle lab 1 demonstrates.
 */
static inline void
write_eflags(uint32_t v)
{
	asm volatile("pushl %0; popfl" : : "r"(v) : "cc", "memory");
}

static inline uint32_t
read_ebp(void)
{
	uint32_t v;
	asm volatile("movl %%ebp, %0" : "=r"(v));
	return v;
}

static inline uint32_t
read_esp(void)
{
	uint32_t v;
	asm volatile("movl %%esp, %0" : "=r"(v));
	return v;
}

static inline uint64_t
rdtsc(void)
{
	uint64_t v;
	asm volatile("rdtsc" : "=A"(v));
	return v;
}

/* Model-specific registers the monitor and the probes name. */
#define MSR_TSC 0x10
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176

static inline uint64_t
rdmsr(uint32_t msr)
{
	uint64_t v;
	asm volatile("rdmsr" : "=A"(v) : "c"(msr));
	return v;
}

static inline void
wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "A"(v));
}

static inline void
cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	uint32_t ea, eb, ec, ed;
	asm volatile("cpuid"
		     : "=a"(ea), "=b"(eb), "=c"(ec), "=d"(ed)
		     : "a"(leaf), "c"(0));
	if (a)
		*a = ea;
	if (b)
		*b = eb;
	if (c)
		*c = ec;
	if (d)
		*d = ed;
}

static inline void
cli(void)
{
	asm volatile("cli" ::: "memory");
}

static inline void
sti(void)
{
	asm volatile("sti" ::: "memory");
}

static inline void
hlt(void)
{
	asm volatile("hlt" ::: "memory");
}

#endif
