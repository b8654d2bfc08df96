/*
 * Read address 0, which no process maps (inc/memlayout.h): the kernel
 * must kill us with a page fault (exit status EXIT_FAULT_BASE + 14).
 */
#include <inc/lib.h>

/* Read *(int *)0; reaching the end means the kernel let it through. */
int
main(int argc, char **argv)
{
	volatile int *p;
	int v;

	printf("faultnull: reading address 0\n");
	/*
	 * Launder the null pointer through asm so the compiler cannot see
	 * the undefined behaviour and replace the load with a trap of its
	 * own choosing.
	 */
	asm volatile("" : "=r"(p) : "0"(0));
	v = *p;
	printf("faultnull: FAIL read returned %d\n", v);
	return 1;
}
