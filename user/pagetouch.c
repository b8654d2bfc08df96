/*
 * Map PAGES pages, then write every page ROUNDS times.  Only the mapping
 * changes page tables, so under a traced shadow MMU the trace faults
 * must not grow with ROUNDS (lab 2's grade test runs it twice).
 *
 * Usage: pagetouch [PAGES [ROUNDS]]   (defaults 64 and 1)
 * Prints "pagetouch: PAGES pages, ROUNDS rounds: OK" (exit 0) or a FAIL.
 */
#include <inc/lib.h>
#include <user/lib/ulib.h>

#define TOUCH_BASE 0x20000000u

int
main(int argc, char **argv)
{
	int pages = arg_number(argc, argv, 1, 64, 1, 4096, "page count");
	int rounds = arg_number(argc, argv, 2, 1, 1, 100000, "round count");

	for (int i = 0; i < pages; i++)
		if (sys_page_alloc((void *)(TOUCH_BASE + i * PGSIZE),
				   PTE_P | PTE_U | PTE_W) < 0) {
			printf("pagetouch: FAIL page_alloc %d\n", i);
			return 1;
		}
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < pages; i++)
			for (int w = 0; w < 1024; w += 128)
				((volatile uint32_t *)(TOUCH_BASE + i * PGSIZE))[w] =
					(uint32_t)(r + i + w);
	for (int i = 0; i < pages; i++)
		if (((uint32_t *)(TOUCH_BASE + i * PGSIZE))[128] !=
		    (uint32_t)(rounds - 1 + i + 128)) {
			printf("pagetouch: FAIL page %d\n", i);
			return 1;
		}
	printf("pagetouch: %d pages, %d rounds: OK\n", pages, rounds);
	return 0;
}
