/*
 * Multiboot version 1 (the Multiboot Specification 0.6.96): the contract
 * between QEMU's -kernel loader and both our images, and between the
 * monitor and the guest OS it loads.
 */
#ifndef VMMLAB_INC_MULTIBOOT_H
#define VMMLAB_INC_MULTIBOOT_H

#define MB_HEADER_MAGIC 0x1BADB002u /* in the image's first 8 KiB */
#define MB_BOOT_MAGIC 0x2BADB002u   /* in %eax when the image is entered */
#define MB_SEARCH_LIMIT 8192u

/* Header flags: what the image asks of its loader. */
#define MB_HF_PAGE_ALIGN 0x00000001u /* modules page aligned */
#define MB_HF_MEMINFO 0x00000002u    /* memory information required */
#define MB_HF_VIDEO 0x00000004u
#define MB_HF_AOUT_KLUDGE 0x00010000u /* load addresses in the header */

/* Info flags: which fields of struct mb_info are valid. */
#define MB_INFO_MEMORY 0x00000001u
#define MB_INFO_BOOTDEV 0x00000002u
#define MB_INFO_CMDLINE 0x00000004u
#define MB_INFO_MODS 0x00000008u
#define MB_INFO_MMAP 0x00000040u

#ifndef __ASSEMBLER__

#include <inc/types.h>

struct mb_header {
	uint32_t magic;
	uint32_t flags;
	uint32_t checksum; /* magic + flags + checksum == 0 */
	/* Valid with MB_HF_AOUT_KLUDGE: */
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr;
	uint32_t bss_end_addr;
	uint32_t entry_addr;
};

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB below 1 MiB */
	uint32_t mem_upper; /* KiB above 1 MiB, up to the first hole */
	uint32_t boot_device;
	uint32_t cmdline; /* physical address of a NUL-terminated string */
	uint32_t mods_count;
	uint32_t mods_addr; /* physical address of struct mb_module[] */
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr; /* physical address of struct mb_mmap_entry list */
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
};

struct mb_module {
	uint32_t mod_start; /* physical, inclusive */
	uint32_t mod_end;   /* physical, exclusive */
	uint32_t string;    /* physical address of the module's command line */
	uint32_t reserved;
};

/* One memory-map entry; "size" does not count itself. */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type; /* 1: available RAM */
} __attribute__((packed));

#define MB_MMAP_AVAILABLE 1

/*
 * Find the multiboot header in the first 8 KiB of img (4-byte aligned,
 * checksum valid, no unknown required flags).  Returns 0 and sets *hdr,
 * or -E_BAD_ELF with *why naming the problem.  The whole header (12
 * bytes, or 32 with MB_HF_AOUT_KLUDGE) lies inside img.
 */
int mb_find_header(const void *img, size_t size, const struct mb_header **hdr,
		   const char **why);

/*
 * Walk a memory map of len bytes: *off is the cursor (start at 0).
 * Returns 1 with *e filled, 0 at the end, or -E_INVAL if an entry's size
 * field would run past len.
 */
int mb_mmap_next(const void *map, uint32_t len, uint32_t *off,
		 struct mb_mmap_entry *e);

#endif /* !__ASSEMBLER__ */

#endif
