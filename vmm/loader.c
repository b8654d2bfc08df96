/*
 * The monitor as its guest's multiboot loader (docs/DESIGN.md §1):
 * place the guest's ELF segments in guest-physical memory, write a multiboot
 * information block, and set the vcpu up exactly as QEMU's loader leaves
 * a CPU: protected mode, paging off, interrupts off, flat segments,
 * EAX = MB_BOOT_MAGIC, EBX = the info block.
 */
#include <inc/elf.h>
#include <inc/error.h>
#include <inc/gmem.h>
#include <inc/multiboot.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <vmm/vmm.h>

/* Where the info block and command line go (below the 640 KiB hole). */
#define GUEST_MBI_GPA 0x9000u
#define GUEST_CMDLINE_GPA 0x9100u
#define GUEST_CMDLINE_MAX 0x700u
/* The first guest selectors: flat code and data (segments_init). */
#define GUEST_BOOT_CS 0x08
#define GUEST_BOOT_DS 0x10
/* Conventional memory below the VGA/BIOS hole, in KiB. */
#define MB_MEM_LOWER_KIB 640
/* QEMU's BIOS keeps the top 128 KiB of RAM: report what it reports. */
#define MB_MEM_UPPER_RESERVED_KIB 128

static int
fail(const char *what, const char *why)
{
	cprintf("vmm: guest image: %s%s%s\n", what, why ? ": " : "",
		why ? why : "");
	return -E_BAD_ELF;
}

int
load_guest(struct vcpu *v, const void *image, size_t size,
	   const char *cmdline)
{
	struct elf_image elf;
	const struct mb_header *mbh;
	const char *why;

	if (elf_parse(image, size, &elf, &why) < 0)
		return fail("not a loadable i386 ELF", why);
	if (mb_find_header(image, size, &mbh, &why) < 0)
		return fail("not a multiboot kernel", why);
	if (mbh->flags & MB_HF_AOUT_KLUDGE)
		return fail("uses multiboot load addresses (a.out kludge)",
			    "not supported; link it as ELF");

	for (unsigned i = 0; i < elf.phnum; i++) {
		const struct elf32_phdr *ph = &elf.ph[i];
		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		gpa_t at = ph->p_paddr;
		if (at < 0x100000 || at + ph->p_memsz > v->mem_size) {
			cprintf("vmm: guest image: segment at physical %08x-"
				"%08x does not fit in %u MiB of guest memory\n",
				at, at + ph->p_memsz, v->mem_size >> 20);
			return -E_NO_MEM;
		}
		gpa_write(v, at, elf.data + ph->p_offset, ph->p_filesz);
		/* The rest of the segment (.bss) is zero. */
		static const uint8_t zeros[256];
		for (uint32_t off = ph->p_filesz; off < ph->p_memsz;
		     off += sizeof(zeros))
			gpa_write(v, at + off, zeros,
				  MIN((uint32_t)sizeof(zeros), ph->p_memsz - off));
	}
	/* QEMU's loader enters at the ELF entry, which must be physical. */
	if (elf.entry >= v->mem_size)
		return fail("entry point is not a physical address", NULL);

	/* The info block: memory size and command line. */
	char line[GUEST_CMDLINE_MAX];
	int n = snprintf(line, sizeof(line), "kernel %s", cmdline);
	if (n >= (int)sizeof(line)) {
		cprintf("vmm: guest command line longer than %u bytes\n",
			GUEST_CMDLINE_MAX - 8);
		return -E_INVAL;
	}
	struct mb_info mbi = { 0 };
	mbi.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE;
	mbi.mem_lower = MB_MEM_LOWER_KIB;
	mbi.mem_upper = (v->mem_size >> 10) - 1024 - MB_MEM_UPPER_RESERVED_KIB;
	mbi.cmdline = GUEST_CMDLINE_GPA;
	gpa_write(v, GUEST_CMDLINE_GPA, line, n + 1);
	gpa_write(v, GUEST_MBI_GPA, &mbi, sizeof(mbi));

	/* The CPU as the multiboot specification leaves it. */
	memset(&v->tf, 0, sizeof(v->tf));
	v->tf.tf_regs.reg_eax = MB_BOOT_MAGIC;
	v->tf.tf_regs.reg_ebx = GUEST_MBI_GPA;
	v->tf.tf_eip = elf.entry;
	v->tf.tf_cs = GUEST_BOOT_CS | 1;
	v->tf.tf_ss = GUEST_BOOT_DS | 1;
	v->tf.tf_ds = v->tf.tf_es = v->tf.tf_fs = v->tf.tf_gs = GUEST_BOOT_DS;
	v->tf.tf_esp = 0x7000;
	v->tf.tf_eflags = FL_RESERVED1;
	v->vflags = 0; /* IF clear, IOPL 0 */
	v->vcpl = 0;
	v->vcr0 = CR0_PE | CR0_ET;
	v->vcr3 = v->vcr4 = v->vcr2 = 0;
	v->vidtr.pd_lim = 0x3FF;
	return 0;
}
