/* The smallest user program: print a greeting and our process id. */
#include <inc/lib.h>

/* Print two lines and exit 0. */
int
main(int argc, char **argv)
{
	printf("hello, world\n");
	printf("i am process %d\n", getpid());
	return 0;
}
