/*
 * ELF validation.  Every offset and size read from the image is checked
 * against the buffer before use, with overflow-safe arithmetic, because
 * the image may be hostile: a student's broken build, a truncated
 * module, or a fuzzer's output.
 */
#include <inc/elf.h>
#include <inc/error.h>

/* Is [off, off+len) inside a buffer of size bytes? (no wrap-around) */
static bool
in_bounds(uint32_t off, uint32_t len, size_t size)
{
	return off <= size && len <= size - off;
}

static int
reject(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -E_BAD_ELF;
}

int
elf_parse(const void *data, size_t size, struct elf_image *img,
	  const char **why)
{
	const struct elf32_ehdr *eh = data;

	if (data == NULL || size < sizeof(*eh))
		return reject(why, "truncated: smaller than an ELF header");
	if (eh->e_magic != ELF_MAGIC)
		return reject(why, "not an ELF file (bad magic)");
	if (eh->e_class != ELFCLASS32)
		return reject(why, "not a 32-bit ELF file");
	if (eh->e_data != ELFDATA2LSB)
		return reject(why, "not a little-endian ELF file");
	if (eh->e_type != ET_EXEC)
		return reject(why, "not an executable (ELF type is not EXEC)");
	if (eh->e_machine != EM_386)
		return reject(why, "not an i386 executable");
	if (eh->e_phnum == 0)
		return reject(why, "no program headers");
	if (eh->e_phentsize != sizeof(struct elf32_phdr))
		return reject(why, "unexpected program header size");
	if (!in_bounds(eh->e_phoff,
		       (uint32_t)eh->e_phnum * sizeof(struct elf32_phdr), size))
		return reject(why, "program headers lie outside the file");
	if (eh->e_phoff % 4 != 0)
		return reject(why, "misaligned program headers");

	const struct elf32_phdr *ph =
		(const void *)((const uint8_t *)data + eh->e_phoff);
	bool entry_ok = false;
	unsigned nload = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const struct elf32_phdr *p = &ph[i];
		if (p->p_type != PT_LOAD)
			continue;
		nload++;
		if (p->p_filesz > p->p_memsz)
			return reject(why, "segment file size exceeds its memory size");
		if (!in_bounds(p->p_offset, p->p_filesz, size))
			return reject(why, "segment data lies outside the file");
		if (p->p_vaddr + p->p_memsz < p->p_vaddr ||
		    p->p_paddr + p->p_memsz < p->p_paddr)
			return reject(why, "segment wraps around the address space");
		if (eh->e_entry - p->p_vaddr < p->p_memsz ||
		    eh->e_entry - p->p_paddr < p->p_memsz)
			entry_ok = true;
	}
	if (nload == 0)
		return reject(why, "no loadable segments");
	if (!entry_ok)
		return reject(why, "entry point is outside every loadable segment");

	if (img) {
		img->data = data;
		img->size = size;
		img->eh = eh;
		img->ph = ph;
		img->phnum = eh->e_phnum;
		img->entry = eh->e_entry;
	}
	return 0;
}

int
elf_sections(const struct elf_image *img, const struct elf32_shdr **sh,
	     const char **why)
{
	const struct elf32_ehdr *eh = img->eh;

	if (eh->e_shnum == 0 || eh->e_shoff == 0) {
		*sh = NULL;
		return 0;
	}
	if (eh->e_shentsize != sizeof(struct elf32_shdr))
		return reject(why, "unexpected section header size");
	if (!in_bounds(eh->e_shoff,
		       (uint32_t)eh->e_shnum * sizeof(struct elf32_shdr),
		       img->size))
		return reject(why, "section headers lie outside the file");
	*sh = (const void *)(img->data + eh->e_shoff);
	return eh->e_shnum;
}
