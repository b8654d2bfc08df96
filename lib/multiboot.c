/* Multiboot v1 header search and memory-map walking, bounds-checked. */
#include <inc/error.h>
#include <inc/multiboot.h>

/* Header flags bits 0-15 are requirements; we can meet these. */
#define MB_HF_SUPPORTED_REQUIRED (MB_HF_PAGE_ALIGN | MB_HF_MEMINFO)

int
mb_find_header(const void *img, size_t size, const struct mb_header **hdr,
	       const char **why)
{
	const uint8_t *p = img;
	size_t limit = size < MB_SEARCH_LIMIT ? size : MB_SEARCH_LIMIT;

	for (size_t off = 0; off + 12 <= limit; off += 4) {
		const struct mb_header *h = (const void *)(p + off);
		if (h->magic != MB_HEADER_MAGIC)
			continue;
		if (h->magic + h->flags + h->checksum != 0) {
			*why = "multiboot header checksum is wrong";
			return -E_BAD_ELF;
		}
		if ((h->flags & 0xFFFF) & ~MB_HF_SUPPORTED_REQUIRED) {
			*why = "multiboot header requires a feature we lack";
			return -E_BAD_ELF;
		}
		if ((h->flags & MB_HF_AOUT_KLUDGE) &&
		    size - off < sizeof(struct mb_header)) {
			*why = "multiboot header is truncated";
			return -E_BAD_ELF;
		}
		*hdr = h;
		return 0;
	}
	*why = "no multiboot header in the first 8 KiB";
	return -E_BAD_ELF;
}

int
mb_mmap_next(const void *map, uint32_t len, uint32_t *off,
	     struct mb_mmap_entry *e)
{
	const uint8_t *p = map;
	uint32_t o = *off;

	if (o >= len)
		return 0;
	/* The entry's size field, then at least addr, len and type. */
	if (len - o < sizeof(*e))
		return -E_INVAL;
	const struct mb_mmap_entry *src = (const void *)(p + o);
	uint32_t step = src->size;
	if (step < sizeof(*e) - 4 || step > len - o - 4)
		return -E_INVAL;
	*e = *src;
	*off = o + 4 + step;
	return 1;
}
