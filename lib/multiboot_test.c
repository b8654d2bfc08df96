/*
 * Tests of lib/multiboot.c: mb_find_header and mb_mmap_next (contracts
 * in inc/multiboot.h; the Multiboot Specification 0.6.96, §3.1 for the
 * header, §3.3 for the memory map).  Images and maps are exactly-sized
 * malloc'd blocks, so that the ASan build reports a read past the end.
 */
#include "lib/unittest.h"

#define IMAGE_SIZE 16384

/* A header asking for flags, with a right or wrong checksum. */
static struct mb_header
header(uint32_t flags, bool good_checksum)
{
	struct mb_header h = { .magic = MB_HEADER_MAGIC, .flags = flags };

	h.checksum = 0u - h.magic - h.flags + (good_checksum ? 0 : 1);
	h.header_addr = 0x100000;
	h.load_addr = 0x100000;
	h.load_end_addr = 0x108000;
	h.bss_end_addr = 0x110000;
	h.entry_addr = 0x10000C;
	return h;
}

/*
 * mb_find_header on a zeroed image of size bytes holding as much of h
 * as fits at offset off.  Returns its result; *found is the header's
 * offset, or -1.
 */
static int
find_in(size_t size, size_t off, const struct mb_header *h, long *found,
	const char **why)
{
	uint8_t *zero = calloc(1, size ? size : 1);
	size_t n = off < size ? size - off : 0;

	if (n > sizeof(*h))
		n = sizeof(*h);
	memcpy(zero + (off < size ? off : 0), h, n);
	uint8_t *img = dup_exact(zero, size);
	const struct mb_header *hdr = NULL;

	*why = NULL;
	int r = vl_mb_find_header(img, size, &hdr, why);
	*found = r == 0 ? (long)((const uint8_t *)hdr - img) : -1;
	free(img);
	free(zero);
	return r;
}

/* A failure with a reason that mentions word (which check fired). */
static bool
failed_because(int r, const char *why, const char *word)
{
	return r == -E_BAD_ELF && why != NULL && strstr(why, word) != NULL;
}

static void
test_header_found(void)
{
	/* §3.1: 4-byte aligned and wholly within the first 8192 bytes. */
	static const size_t offsets[] = { 0, 4, 8, 1000, 8180 };
	struct mb_header h = header(MB_HF_PAGE_ALIGN | MB_HF_MEMINFO, true);
	const char *why;
	long at;

	for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
		int r = find_in(IMAGE_SIZE, offsets[i], &h, &at, &why);
		CHECK(r == 0 && at == (long)offsets[i],
		      "header at %zu: returned %d, found at %ld (%s)",
		      offsets[i], r, at, why ? why : "no reason");
	}
	/* An image of exactly one header. */
	int r = find_in(12, 0, &h, &at, &why);
	CHECK(r == 0 && at == 0, "12-byte image: %d (%s)", r,
	      why ? why : "no reason");
}

static void
test_header_not_found(void)
{
	/* Misaligned, straddling the 8 KiB limit, or past it. */
	static const size_t offsets[] = {
		1, 2, 3, 4098, 8184, 8188, 8192, 12000
	};
	struct mb_header h = header(0, true);
	const char *why;
	long at;

	for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
		int r = find_in(IMAGE_SIZE, offsets[i], &h, &at, &why);
		CHECK(failed_because(r, why, "no multiboot header"),
		      "header at %zu: returned %d, found at %ld (%s)",
		      offsets[i], r, at, why ? why : "no reason");
	}
	/* Images too small for a header, holding what fits of one. */
	for (size_t size = 0; size < 12; size++) {
		int r = find_in(size, 0, &h, &at, &why);
		CHECK(failed_because(r, why, "no multiboot header"),
		      "%zu-byte image: returned %d (%s)", size, r,
		      why ? why : "no reason");
	}
	const struct mb_header *hdr;
	why = NULL;
	CHECK(vl_mb_find_header(NULL, 0, &hdr, &why) == -E_BAD_ELF && why,
	      "mb_find_header(NULL, 0)");
}

static void
test_header_first_wins(void)
{
	uint8_t *img = calloc(1, IMAGE_SIZE);
	struct mb_header h = header(0, true);
	const struct mb_header *hdr;
	const char *why = NULL;

	memcpy(img + 64, &h, sizeof(h));
	memcpy(img + 512, &h, sizeof(h));
	int r = vl_mb_find_header(img, IMAGE_SIZE, &hdr, &why);
	CHECK(r == 0 && (const uint8_t *)hdr == img + 64,
	      "two headers: returned %d, found at %td", r,
	      r == 0 ? (const uint8_t *)hdr - img : -1);
	free(img);
}

static void
test_header_checksum_and_flags(void)
{
	const char *why;
	long at;
	struct mb_header h;

	h = header(0, false);
	int r = find_in(IMAGE_SIZE, 8, &h, &at, &why);
	CHECK(failed_because(r, why, "checksum"), "bad checksum: %d (%s)", r,
	      why ? why : "no reason");

	/* Bits 0-15 are requirements: only page alignment and memory info
	 * can be met.  Bits 16-31 are optional, so unknown ones are fine. */
	static const uint32_t unmet[] = { MB_HF_VIDEO, 1u << 3, 1u << 15,
					  MB_HF_MEMINFO | MB_HF_VIDEO };
	for (size_t i = 0; i < ARRAY_SIZE(unmet); i++) {
		h = header(unmet[i], true);
		r = find_in(IMAGE_SIZE, 8, &h, &at, &why);
		CHECK(failed_because(r, why, "requires"), "flags %#x: %d (%s)",
		      unmet[i], r, why ? why : "no reason");
	}
	static const uint32_t met[] = { 0,
					MB_HF_PAGE_ALIGN,
					MB_HF_MEMINFO,
					MB_HF_PAGE_ALIGN | MB_HF_MEMINFO,
					MB_HF_AOUT_KLUDGE,
					1u << 17,
					0xFFFF0000u | MB_HF_MEMINFO };
	for (size_t i = 0; i < ARRAY_SIZE(met); i++) {
		h = header(met[i], true);
		r = find_in(IMAGE_SIZE, 8, &h, &at, &why);
		CHECK(r == 0 && at == 8, "flags %#x: %d (%s)", met[i], r,
		      why ? why : "no reason");
	}
}

/* With the a.out kludge the header is 32 bytes, all inside the image. */
static void
test_header_aout_truncated(void)
{
	struct mb_header h = header(MB_HF_AOUT_KLUDGE, true);
	const char *why;
	long at;

	for (size_t size = 12; size < sizeof(h); size++) {
		int r = find_in(size, 0, &h, &at, &why);
		CHECK(failed_because(r, why, "truncated"),
		      "a.out header in %zu bytes: %d (%s)", size, r,
		      why ? why : "no reason");
	}
	int r = find_in(sizeof(h), 0, &h, &at, &why);
	CHECK(r == 0, "a.out header in 32 bytes: %d (%s)", r,
	      why ? why : "no reason");
	r = find_in(100 + 20, 100, &h, &at, &why);
	CHECK(failed_because(r, why, "truncated"),
	      "a.out header 20 bytes before the end: %d", r);
}

static void
test_header_real_kernel(void)
{
	size_t size;
	uint8_t *file = read_whole_file("obj/kernel", &size);
	const struct mb_header *hdr;
	const char *why = NULL;

	if (!CHECK(file != NULL,
		   "cannot read obj/kernel: build it first (make)"))
		return;
	int r = vl_mb_find_header(file, size, &hdr, &why);
	CHECK(r == 0 && hdr->magic == MB_HEADER_MAGIC &&
		      (const uint8_t *)hdr - file < (long)MB_SEARCH_LIMIT,
	      "obj/kernel: %d (%s)", r, why ? why : "no reason");
	free(file);
}

/*
 * A memory map, as a loader writes it: entries of the given size fields
 * (20 for a bare entry; more means padding), back to back.
 */
struct map {
	uint8_t bytes[256];
	uint32_t len;
};

static void
map_add(struct map *m, uint32_t size, uint64_t addr, uint64_t len,
	uint32_t type)
{
	struct mb_mmap_entry e = { size, addr, len, type };
	uint32_t room = 4 + (size >= 20 ? size : 20);

	memset(m->bytes + m->len, 0xEE, room);
	memcpy(m->bytes + m->len, &e, sizeof(e));
	m->len += 4 + size;
}

/* Walk map[0..len) in an exact block; the results of each call in rs. */
static int
walk(const struct map *m, uint32_t len, int *rs, int max,
     struct mb_mmap_entry *es)
{
	uint8_t *p = dup_exact(m->bytes, len);
	uint32_t off = 0;
	int n = 0;

	while (n < max) {
		rs[n] = vl_mb_mmap_next(p, len, &off, &es[n]);
		if (rs[n++] != 1)
			break;
	}
	free(p);
	return n;
}

static void
test_mmap_good(void)
{
	struct map m = { .len = 0 };
	int rs[8];
	struct mb_mmap_entry es[8];

	map_add(&m, 20, 0, 0x9FC00, MB_MMAP_AVAILABLE);
	map_add(&m, 20, 0x9FC00, 0x400, 2);
	map_add(&m, 20, 0x100000, 0x7EE0000, MB_MMAP_AVAILABLE);
	map_add(&m, 20, 0xFFFC0000ull, 0x40000, 2);
	map_add(&m, 20, 0x100000000ull, 0x80000000ull, MB_MMAP_AVAILABLE);
	int n = walk(&m, m.len, rs, 8, es);
	CHECK(n == 6 && rs[5] == 0, "five entries: %d calls, last %d", n,
	      rs[n - 1]);
	CHECK(n >= 5 && es[2].addr == 0x100000 && es[2].len == 0x7EE0000 &&
		      es[2].type == MB_MMAP_AVAILABLE &&
		      es[4].addr == 0x100000000ull &&
		      es[4].len == 0x80000000ull,
	      "entry fields read back wrong");

	/* Larger size fields: the walk steps over the padding. */
	struct map padded = { .len = 0 };
	map_add(&padded, 24, 0, 0x1000, 1);
	map_add(&padded, 36, 0x1000, 0x2000, 2);
	map_add(&padded, 20, 0x3000, 0x3000, 3);
	n = walk(&padded, padded.len, rs, 8, es);
	CHECK(n == 4 && rs[3] == 0 && es[1].addr == 0x1000 &&
		      es[2].addr == 0x3000 && es[2].type == 3,
	      "padded entries: %d calls", n);

	/* An empty map, and a cursor already at or past the end. */
	uint32_t off = 0;
	struct mb_mmap_entry e;
	CHECK(vl_mb_mmap_next(m.bytes, 0, &off, &e) == 0, "empty map");
	off = m.len;
	CHECK(vl_mb_mmap_next(m.bytes, m.len, &off, &e) == 0, "off == len");
	off = m.len + 100;
	CHECK(vl_mb_mmap_next(m.bytes, m.len, &off, &e) == 0, "off > len");
}

static void
test_mmap_bad_sizes(void)
{
	static const uint32_t bad[] = { 0,   4,		  19,	      45,
					100, 0xFFFFFFF0u, 0xFFFFFFFFu };
	int rs[8];
	struct mb_mmap_entry es[8];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct map m = { .len = 0 };
		map_add(&m, 20, 0, 0x1000, 1);
		map_add(&m, 20, 0x1000, 0x1000, 1);
		/* The second entry's size: too small to hold an entry, or
		 * running past the map's end. */
		memcpy(m.bytes + 24, &bad[i], 4);
		int n = walk(&m, m.len, rs, 8, es);
		CHECK(n == 2 && rs[0] == 1 && rs[1] == -E_INVAL,
		      "size field %#x: %d calls, last %d", bad[i], n,
		      rs[n - 1]);
	}
}

/* Every prefix of a map: whole entries, then 0 or -E_INVAL. */
static void
test_mmap_truncated(void)
{
	struct map m = { .len = 0 };
	int rs[8];
	struct mb_mmap_entry es[8];

	map_add(&m, 20, 0, 0x9FC00, 1);
	map_add(&m, 28, 0x100000, 0x100000, 1);
	map_add(&m, 20, 0x200000, 0x100000, 2);
	const uint32_t ends[] = { 0, 24, 56, 80 }; /* entry boundaries */

	for (uint32_t len = 0; len <= m.len; len++) {
		unsigned whole = 0;
		bool boundary = false;
		for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
			if (ends[i] <= len && i > 0)
				whole = (unsigned)i;
			boundary = boundary || ends[i] == len;
		}
		int n = walk(&m, len, rs, 8, es);
		int last = rs[n - 1];
		if (!CHECK((unsigned)n == whole + 1 &&
				   last == (boundary ? 0 : -E_INVAL),
			   "map cut to %u bytes: %d calls, last %d (want %u "
			   "entries, then %d)",
			   len, n, last, whole, boundary ? 0 : -E_INVAL))
			return;
	}
}

CU_TestInfo multiboot_tests[] = {
	{ "header found", test_header_found },
	{ "header not found", test_header_not_found },
	{ "first header wins", test_header_first_wins },
	{ "header checksum and flags", test_header_checksum_and_flags },
	{ "a.out kludge header truncated", test_header_aout_truncated },
	{ "header of obj/kernel", test_header_real_kernel },
	{ "mmap: good maps", test_mmap_good },
	{ "mmap: bad size fields", test_mmap_bad_sizes },
	{ "mmap: every truncation", test_mmap_truncated },
	CU_TEST_INFO_NULL,
};
