/*
 * Many short-lived processes with large, sparse address spaces: each
 * child maps a few pages spread over hundreds of megabytes -- one page
 * table per page -- touches them and exits.  It is hard on a shadow MMU:
 * every child is a new address space with many page tables that live
 * only briefly (lab 2).
 *
 * Usage: sparse [PROCS [PAGES]]   (defaults 50 and 24)
 * Prints "sparse: PROCS processes, PAGES pages each over SPAN MiB" and
 * "sparse: OK" (exit 0) or "sparse: FAIL ..." (exit 1).
 */
#include <inc/lib.h>
#include <user/lib/ulib.h>

#define SPARSE_BASE 0x10000000u
#define SPARSE_STRIDE (8u << 20) /* 8 MiB apart: a page table each */

/* A child: map, fill, check and unmap its pages; exit with the errors. */
static int
child(int pages, uint32_t seed)
{
	int errors = 0;
	for (int i = 0; i < pages; i++) {
		uint32_t *p = (uint32_t *)(SPARSE_BASE + i * SPARSE_STRIDE);
		if (sys_page_alloc(p, PTE_P | PTE_U | PTE_W) < 0)
			return 63;
		for (int w = 0; w < 1024; w += 64)
			p[w] = seed ^ (uint32_t)(i * 1024 + w);
	}
	for (int i = 0; i < pages; i++) {
		uint32_t *p = (uint32_t *)(SPARSE_BASE + i * SPARSE_STRIDE);
		for (int w = 0; w < 1024; w += 64)
			if (p[w] != (seed ^ (uint32_t)(i * 1024 + w)))
				errors++;
		if (i % 2 == 0)
			sys_page_unmap(p);
	}
	return errors > 63 ? 63 : errors;
}

int
main(int argc, char **argv)
{
	int procs = arg_number(argc, argv, 1, 50, 1, 100000, "process count");
	int pages = arg_number(argc, argv, 2, 24, 1, 64, "pages per process");

	printf("sparse: %d processes, %d pages each over %u MiB\n", procs,
	       pages, (unsigned)(pages * (SPARSE_STRIDE >> 20)));
	for (int n = 0; n < procs; n++) {
		int pid = fork();
		if (pid < 0) {
			printf("sparse: FAIL fork: %s\n", strerror(pid));
			return 1;
		}
		if (pid == 0)
			exit(child(pages, 0x5A5A0000u + (uint32_t)n));
		int status;
		if (waitpid(pid, &status) != pid || status != 0) {
			printf("sparse: FAIL child %d: status %d\n", n, status);
			return 1;
		}
	}
	printf("sparse: OK\n");
	return 0;
}
