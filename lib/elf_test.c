/*
 * Tests of lib/elf.c: elf_parse and elf_sections (contracts in
 * inc/elf.h).
 *
 * A small but complete i386 executable is built here as a struct whose
 * layout is the file's; each malformed case changes one field of a
 * fresh copy.  Every image is handed over in an exactly-sized malloc'd
 * block, so that the ASan build reports any read past its end.  The
 * real obj/kernel and obj/user/hello are checked too when they exist
 * (make unit builds them first).
 */
#include "lib/unittest.h"

#include <stddef.h>

#define PT_NOTE 4
#define PT_GNU_STACK 0x6474E551u
#define ET_REL 1
#define ET_DYN 3
#define EM_X86_64 62

#define TEXT_VA 0x00800000u
#define DATA_VA 0x00801000u
#define DATA_MEMSZ 0x1000u

/* The test executable, laid out as in the file. */
struct test_elf {
	struct elf32_ehdr eh;
	struct elf32_phdr ph[3]; /* text, data (+bss), GNU_STACK */
	uint8_t pad[12];
	uint8_t text[64];
	uint8_t data[16];
	struct elf32_shdr sh[3]; /* null, .text, .data */
};
STATIC_ASSERT(sizeof(struct elf32_ehdr) == 52);
STATIC_ASSERT(offsetof(struct test_elf, ph) == 52);
STATIC_ASSERT(offsetof(struct test_elf, text) == 160);
STATIC_ASSERT(offsetof(struct test_elf, sh) == 240);
STATIC_ASSERT(sizeof(struct test_elf) == 360);

#define OFF(field) ((uint32_t)offsetof(struct test_elf, field))

/* A valid image: entry at the start of text. */
static struct test_elf
valid_elf(void)
{
	struct test_elf t;

	memset(&t, 0, sizeof(t));
	t.eh.e_magic = ELF_MAGIC;
	t.eh.e_class = ELFCLASS32;
	t.eh.e_data = ELFDATA2LSB;
	t.eh.e_version_id = 1;
	t.eh.e_type = ET_EXEC;
	t.eh.e_machine = EM_386;
	t.eh.e_version = 1;
	t.eh.e_entry = TEXT_VA;
	t.eh.e_phoff = OFF(ph);
	t.eh.e_shoff = OFF(sh);
	t.eh.e_ehsize = sizeof(struct elf32_ehdr);
	t.eh.e_phentsize = sizeof(struct elf32_phdr);
	t.eh.e_phnum = 3;
	t.eh.e_shentsize = sizeof(struct elf32_shdr);
	t.eh.e_shnum = 3;

	t.ph[0] = (struct elf32_phdr){ .p_type = PT_LOAD,
				       .p_offset = OFF(text),
				       .p_vaddr = TEXT_VA,
				       .p_paddr = TEXT_VA,
				       .p_filesz = sizeof(t.text),
				       .p_memsz = sizeof(t.text),
				       .p_flags = PF_R | PF_X,
				       .p_align = 0x1000 };
	t.ph[1] = (struct elf32_phdr){ .p_type = PT_LOAD,
				       .p_offset = OFF(data),
				       .p_vaddr = DATA_VA,
				       .p_paddr = DATA_VA,
				       .p_filesz = sizeof(t.data),
				       .p_memsz = DATA_MEMSZ,
				       .p_flags = PF_R | PF_W,
				       .p_align = 0x1000 };
	t.ph[2] = (struct elf32_phdr){ .p_type = PT_GNU_STACK,
				       .p_flags = PF_R | PF_W,
				       .p_align = 16 };
	memset(t.text, 0x90, sizeof(t.text)); /* nop */
	memset(t.data, 0xD5, sizeof(t.data));

	t.sh[1] = (struct elf32_shdr){ .sh_type = SHT_PROGBITS,
				       .sh_flags = SHF_EXECINSTR,
				       .sh_addr = TEXT_VA,
				       .sh_offset = OFF(text),
				       .sh_size = sizeof(t.text),
				       .sh_addralign = 16 };
	t.sh[2] = (struct elf32_shdr){ .sh_type = SHT_PROGBITS,
				       .sh_addr = DATA_VA,
				       .sh_offset = OFF(data),
				       .sh_size = sizeof(t.data),
				       .sh_addralign = 4 };
	return t;
}

/* elf_parse on an exact copy of img[0..n): its result, and *why. */
static int
parse_copy(const void *img, size_t n, struct elf_image *out, const char **why)
{
	void *p = dup_exact(img, n);
	struct elf_image ei = { 0 };
	int r;

	*why = NULL;
	r = vl_elf_parse(p, n, &ei, why);
	if (out)
		*out = ei;
	/* Also with no image and no reason wanted: must not crash. */
	CHECK(vl_elf_parse(p, n, NULL, NULL) == r,
	      "elf_parse answers differently without img and why");
	free(p);
	return r;
}

/* t, written out, must be rejected with a reason. */
static bool
rejected_at(int line, const struct test_elf *t, size_t n, const char *what)
{
	const char *why;
	int r = parse_copy(t, n, NULL, &why);

	return test_check_at(r == -E_BAD_ELF && why != NULL && *why != '\0',
			     __FILE__, line, "REJECTED",
			     "%s: elf_parse returned %d, reason \"%s\"", what,
			     r, why ? why : "(none)");
}
#define REJECTED(t, what) rejected_at(__LINE__, &(t), sizeof(t), what)

/* t, written out, must be accepted. */
static bool
accepted_at(int line, const struct test_elf *t, const char *what)
{
	const char *why;
	int r = parse_copy(t, sizeof(*t), NULL, &why);

	return test_check_at(r == 0, __FILE__, line, "ACCEPTED",
			     "%s: elf_parse returned %d (%s)", what, r,
			     why ? why : "no reason");
}
#define ACCEPTED(t, what) accepted_at(__LINE__, &(t), what)

static void
test_valid(void)
{
	struct test_elf t = valid_elf();
	struct test_elf *p = dup_exact(&t, sizeof(t));
	struct elf_image img;
	const struct elf32_shdr *sh = NULL;
	const char *why = NULL;

	int r = vl_elf_parse(p, sizeof(t), &img, &why);
	if (!CHECK(r == 0, "elf_parse: %d (%s)", r, why ? why : "no reason")) {
		free(p);
		return;
	}
	CHECK(img.data == (const uint8_t *)p && img.size == sizeof(t) &&
		      img.eh == &p->eh && img.ph == p->ph && img.phnum == 3 &&
		      img.entry == TEXT_VA,
	      "elf_image fields: data %p size %zu eh %p ph %p phnum %u "
	      "entry %#x",
	      (void *)img.data, img.size, (void *)img.eh, (void *)img.ph,
	      img.phnum, img.entry);
	r = vl_elf_sections(&img, &sh, &why);
	CHECK(r == 3 && sh == p->sh, "elf_sections: %d, sh %p (want %p)", r,
	      (void *)sh, (void *)p->sh);
	free(p);
}

/* Fields that may take several values and still make a valid image. */
static void
test_valid_variants(void)
{
	struct test_elf t;

	t = valid_elf();
	t.eh.e_entry = TEXT_VA + sizeof(t.text) - 1;
	ACCEPTED(t, "entry at the last byte of text");
	t = valid_elf();
	t.eh.e_entry = DATA_VA + DATA_MEMSZ - 1;
	ACCEPTED(t, "entry in the bss part of a segment");
	t = valid_elf();
	/* Linked high, loaded low, entered at the physical address (the
	 * guest OS is built this way; see kern/kernel.ld). */
	t.ph[0].p_vaddr = 0xC0800000u;
	t.eh.e_entry = TEXT_VA + 4;
	ACCEPTED(t, "entry inside the segment's physical addresses");
	t = valid_elf();
	t.ph[1].p_filesz = 0;
	ACCEPTED(t, "segment with no file data");
	t = valid_elf();
	t.ph[1].p_filesz = t.ph[1].p_memsz = 0;
	ACCEPTED(t, "empty loadable segment");
	t = valid_elf();
	/* Only loadable segments are checked; the others are not read. */
	t.ph[2].p_type = PT_NOTE;
	t.ph[2].p_offset = 0xFFFFFFF0u;
	t.ph[2].p_filesz = 0x100;
	ACCEPTED(t, "non-loadable segment with a wild offset");
	t = valid_elf();
	t.eh.e_phnum = 1;
	ACCEPTED(t, "one program header");

	/* Trailing bytes after the image are fine. */
	uint8_t big[sizeof(t) + 100];
	t = valid_elf();
	memset(big, 0xAA, sizeof(big));
	memcpy(big, &t, sizeof(t));
	const char *why;
	CHECK(parse_copy(big, sizeof(big), NULL, &why) == 0,
	      "image with trailing bytes: %s", why ? why : "no reason");
}

/* Every prefix of the image: rejected until the segments' data is in. */
static void
test_truncated(void)
{
	struct test_elf t = valid_elf();
	const size_t seg_end = OFF(data) + sizeof(t.data);

	for (size_t n = 0; n <= sizeof(t); n++) {
		const char *why;
		int r = parse_copy(&t, n, NULL, &why);

		if (n < seg_end) {
			if (!CHECK(r == -E_BAD_ELF && why != NULL,
				   "truncated to %zu bytes: elf_parse "
				   "returned %d",
				   n, r))
				return;
			continue;
		}
		if (!CHECK(r == 0,
			   "truncated to %zu bytes (all segment data "
			   "present): %d (%s)",
			   n, r, why ? why : "no reason"))
			return;
		/* The section headers come last: elf_sections must notice. */
		void *p = dup_exact(&t, n);
		struct elf_image img;
		const struct elf32_shdr *sh;
		vl_elf_parse(p, n, &img, &why);
		why = NULL;
		r = vl_elf_sections(&img, &sh, &why);
		free(p);
		if (n < sizeof(t)) {
			if (!CHECK(r == -E_BAD_ELF && why != NULL,
				   "truncated to %zu bytes: elf_sections "
				   "returned %d",
				   n, r))
				return;
		} else
			CHECK(r == 3, "elf_sections on the whole image: %d", r);
	}
	/* NULL, as an empty buffer. */
	const char *why = NULL;
	CHECK(vl_elf_parse(NULL, 0, NULL, &why) == -E_BAD_ELF && why != NULL,
	      "elf_parse(NULL, 0)");
}

static void
test_bad_header(void)
{
	struct test_elf t;

	for (int i = 0; i < 4; i++) {
		t = valid_elf();
		((uint8_t *)&t.eh.e_magic)[i] ^= 0x20;
		REJECTED(t, "bad magic byte");
	}
	t = valid_elf();
	t.eh.e_class = 2;
	REJECTED(t, "64-bit class");
	t = valid_elf();
	t.eh.e_class = 0;
	REJECTED(t, "no class");
	t = valid_elf();
	t.eh.e_data = 2;
	REJECTED(t, "big-endian");
	t = valid_elf();
	t.eh.e_type = ET_DYN;
	REJECTED(t, "shared object");
	t = valid_elf();
	t.eh.e_type = ET_REL;
	REJECTED(t, "relocatable object");
	t = valid_elf();
	t.eh.e_machine = EM_X86_64;
	REJECTED(t, "x86-64 machine");
}

static void
test_bad_phdrs(void)
{
	struct test_elf t;
	static const uint16_t bad_sizes[] = { 0, 31, 33, 56, 0xFFFF };

	t = valid_elf();
	t.eh.e_phnum = 0;
	REJECTED(t, "no program headers");
	for (size_t i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
		t = valid_elf();
		t.eh.e_phentsize = bad_sizes[i];
		REJECTED(t, "wrong e_phentsize");
	}
	t = valid_elf();
	t.eh.e_phoff = sizeof(t);
	REJECTED(t, "program headers at the end of the file");
	t = valid_elf();
	t.eh.e_phoff = sizeof(t) - 3 * sizeof(struct elf32_phdr) + 4;
	REJECTED(t, "program headers running 4 bytes past the end");
	t = valid_elf();
	t.eh.e_phoff = 0xFFFFFFF0u;
	REJECTED(t, "e_phoff 0xFFFFFFF0 (offset + size overflows)");
	t = valid_elf();
	t.eh.e_phoff = 0xFFFFFFFFu;
	REJECTED(t, "e_phoff 0xFFFFFFFF");
	t = valid_elf();
	t.eh.e_phnum = 0xFFFF;
	REJECTED(t, "65535 program headers");
	t = valid_elf();
	t.eh.e_phoff = OFF(ph) + 2;
	REJECTED(t, "misaligned program headers");
	t = valid_elf();
	t.ph[0].p_type = t.ph[1].p_type = PT_NULL;
	REJECTED(t, "no loadable segment");
}

static void
test_bad_segments(void)
{
	struct test_elf t;

	t = valid_elf();
	t.ph[0].p_offset = sizeof(t);
	REJECTED(t, "segment data starting at the end of the file");
	t = valid_elf();
	t.ph[1].p_offset = sizeof(t) - sizeof(t.data) + 1;
	REJECTED(t, "segment data one byte past the end");
	t = valid_elf();
	t.ph[0].p_offset = 0xFFFFFFF0u;
	REJECTED(t, "segment offset 0xFFFFFFF0 (offset + size overflows)");
	t = valid_elf();
	t.ph[1].p_filesz = 0xFFFFFFFFu;
	t.ph[1].p_memsz = 0xFFFFFFFFu;
	REJECTED(t, "segment of 4 GiB");
	t = valid_elf();
	t.ph[1].p_memsz = t.ph[1].p_filesz - 1;
	REJECTED(t, "file size above memory size");
	t = valid_elf();
	t.ph[0].p_vaddr = t.ph[0].p_paddr = 0xFFFFFFF0u;
	t.eh.e_entry = 0xFFFFFFF0u;
	REJECTED(t, "segment wrapping past 4 GiB");
	t = valid_elf();
	t.ph[1].p_paddr = 0xFFFFF800u;
	REJECTED(t, "physical addresses wrapping past 4 GiB");
	t = valid_elf();
	t.ph[1].p_memsz = 0xFFFFFFFFu;
	REJECTED(t, "memory size wrapping the address space");
}

static void
test_bad_entry(void)
{
	struct test_elf t;
	static const uint32_t outside[] = {
		0,
		TEXT_VA - 1,
		TEXT_VA + 64, /* one past the text segment */
		DATA_VA - 1,
		DATA_VA + DATA_MEMSZ,
		0xFFFFFFFFu,
	};

	for (size_t i = 0; i < ARRAY_SIZE(outside); i++) {
		t = valid_elf();
		t.eh.e_entry = outside[i];
		REJECTED(t, "entry outside every segment");
	}
	t = valid_elf();
	t.ph[0].p_type = PT_NOTE;
	REJECTED(t, "entry in a segment that is not loaded");
}

/* elf_sections on a parsed exact copy of t. */
static int
sections_of(const struct test_elf *t, const struct elf32_shdr **sh,
	    const char **why)
{
	struct test_elf *p = dup_exact(t, sizeof(*t));
	struct elf_image img;
	int r;

	*why = NULL;
	*sh = (const void *)1; /* must be overwritten */
	r = vl_elf_parse(p, sizeof(*t), &img, why);
	if (r == 0)
		r = vl_elf_sections(&img, sh, why);
	else
		r = 1000; /* cannot be a section count here */
	free(p);
	return r;
}

static void
test_sections(void)
{
	struct test_elf t;
	const struct elf32_shdr *sh;
	const char *why;
	int r;
	static const uint16_t bad_sizes[] = { 0, 32, 39, 41, 64 };

	t = valid_elf();
	t.eh.e_shoff = 0;
	r = sections_of(&t, &sh, &why);
	CHECK(r == 0 && sh == NULL, "e_shoff 0: %d sections", r);
	t = valid_elf();
	t.eh.e_shnum = 0;
	r = sections_of(&t, &sh, &why);
	CHECK(r == 0 && sh == NULL, "e_shnum 0: %d sections", r);

	struct {
		uint32_t shoff;
		uint16_t shnum;
		const char *what;
	} bad[] = {
		{ sizeof(t), 3, "section headers at the end of the file" },
		{ OFF(sh) + 4, 3, "section headers 4 bytes past the end" },
		{ OFF(sh), 4, "one section header too many" },
		{ OFF(sh), 0xFFFF, "65535 section headers" },
		{ 0xFFFFFFF0u, 3,
		  "e_shoff 0xFFFFFFF0 (offset + size overflows)" },
		{ 0xFFFFFFFFu, 1, "e_shoff 0xFFFFFFFF" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		t = valid_elf();
		t.eh.e_shoff = bad[i].shoff;
		t.eh.e_shnum = bad[i].shnum;
		r = sections_of(&t, &sh, &why);
		CHECK(r == -E_BAD_ELF && why != NULL, "%s: elf_sections %d",
		      bad[i].what, r);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
		t = valid_elf();
		t.eh.e_shentsize = bad_sizes[i];
		r = sections_of(&t, &sh, &why);
		CHECK(r == -E_BAD_ELF && why != NULL,
		      "e_shentsize %u: elf_sections %d", bad_sizes[i], r);
	}
}

/*
 * A real executable from the build: it parses, its sections are found
 * and one holds the code around the entry point, and every truncation
 * of its headers and its last byte of segment data are rejected.
 */
static void
check_real_elf(const char *path)
{
	size_t size;
	uint8_t *file = read_whole_file(path, &size);
	struct elf_image img;
	const struct elf32_shdr *sh;
	const char *why = NULL;

	if (!CHECK(file != NULL, "cannot read %s: build it first (make)", path))
		return;
	int r = vl_elf_parse(file, size, &img, &why);
	if (!CHECK(r == 0, "%s: elf_parse: %s", path, why ? why : "?")) {
		free(file);
		return;
	}
	int nsh = vl_elf_sections(&img, &sh, &why);
	CHECK(nsh > 0 && nsh == img.eh->e_shnum, "%s: elf_sections: %d (%s)",
	      path, nsh, nsh < 0 ? why : "");
	bool text = false;
	for (int i = 0; i < nsh; i++)
		if (sh[i].sh_type == SHT_PROGBITS &&
		    (sh[i].sh_flags & SHF_EXECINSTR))
			text = true;
	CHECK(text, "%s: no executable section", path);

	size_t hdr_end = img.eh->e_phoff +
			 (size_t)img.eh->e_phnum * sizeof(struct elf32_phdr);
	size_t seg_end = 0;
	for (unsigned i = 0; i < img.phnum; i++)
		if (img.ph[i].p_type == PT_LOAD &&
		    img.ph[i].p_offset + img.ph[i].p_filesz > seg_end)
			seg_end = img.ph[i].p_offset + img.ph[i].p_filesz;
	for (size_t n = 0; n <= hdr_end; n++) {
		r = parse_copy(file, n, NULL, &why);
		if (!CHECK(r == -E_BAD_ELF && why != NULL,
			   "%s truncated to %zu bytes: %d", path, n, r))
			break;
	}
	r = parse_copy(file, seg_end - 1, NULL, &why);
	CHECK(r == -E_BAD_ELF && why != NULL,
	      "%s truncated to %zu bytes (last segment byte missing): %d", path,
	      seg_end - 1, r);
	r = parse_copy(file, seg_end, NULL, &why);
	CHECK(r == 0, "%s truncated after its segments: %d (%s)", path, r,
	      why ? why : "?");
	free(file);
}

static void
test_real_kernel(void)
{
	check_real_elf("obj/kernel");
}

static void
test_real_hello(void)
{
	check_real_elf("obj/user/hello");
}

CU_TestInfo elf_tests[] = {
	{ "valid image", test_valid },
	{ "valid variants", test_valid_variants },
	{ "every truncation", test_truncated },
	{ "bad ELF header fields", test_bad_header },
	{ "bad program headers", test_bad_phdrs },
	{ "bad segments", test_bad_segments },
	{ "entry outside the segments", test_bad_entry },
	{ "section headers", test_sections },
	{ "obj/kernel", test_real_kernel },
	{ "obj/user/hello", test_real_hello },
	CU_TEST_INFO_NULL,
};
