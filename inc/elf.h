/*
 * 32-bit ELF (System V ABI, i386 supplement), and a parser that checks
 * every offset before anything is read through it.  The guest OS loads
 * user programs with it and the monitor loads the guest OS with it, so a
 * malformed image is always rejected with a reason, never read out of
 * bounds.
 */
#ifndef VMMLAB_INC_ELF_H
#define VMMLAB_INC_ELF_H

#include <inc/types.h>

#define ELF_MAGIC 0x464C457Fu /* "\x7FELF" read little-endian */

struct elf32_ehdr {
	uint32_t e_magic;
	uint8_t e_class; /* 1: 32-bit */
	uint8_t e_data;	 /* 1: little-endian */
	uint8_t e_version_id;
	uint8_t e_pad[9];
	uint16_t e_type;    /* 2: executable */
	uint16_t e_machine; /* 3: i386 */
	uint32_t e_version;
	uint32_t e_entry;
	uint32_t e_phoff;
	uint32_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf32_phdr {
	uint32_t p_type;
	uint32_t p_offset;
	uint32_t p_vaddr;
	uint32_t p_paddr;
	uint32_t p_filesz;
	uint32_t p_memsz;
	uint32_t p_flags;
	uint32_t p_align;
};

struct elf32_shdr {
	uint32_t sh_name;
	uint32_t sh_type;
	uint32_t sh_flags;
	uint32_t sh_addr;
	uint32_t sh_offset;
	uint32_t sh_size;
	uint32_t sh_link;
	uint32_t sh_info;
	uint32_t sh_addralign;
	uint32_t sh_entsize;
};

#define ELFCLASS32 1
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_386 3

#define PT_NULL 0
#define PT_LOAD 1

#define PF_X 1
#define PF_W 2
#define PF_R 4

#define SHT_PROGBITS 1
#define SHF_EXECINSTR 0x4

/* A checked view of an ELF image held in memory. */
struct elf_image {
	const uint8_t *data;
	size_t size;
	const struct elf32_ehdr *eh;
	const struct elf32_phdr *ph; /* eh->e_phnum entries, all in bounds */
	unsigned phnum;
	uint32_t entry;
};

/*
 * Check that data[0..size) is an i386 executable whose program headers
 * and loadable segments lie inside the buffer, whose segments do not wrap
 * around the address space, and whose entry point is inside a loadable
 * segment.  On success fill *img and return 0; otherwise return
 * -E_BAD_ELF and point *why at a one-line reason.
 */
int elf_parse(const void *data, size_t size, struct elf_image *img,
	      const char **why);

/*
 * Find the section headers, checked like the program headers.  Returns
 * the count (0 if there are none) or -E_BAD_ELF with *why set.
 */
int elf_sections(const struct elf_image *img, const struct elf32_shdr **sh,
		 const char **why);

#endif
