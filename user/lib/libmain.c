/*
 * The C side of program start-up: entry.S calls libmain with the argc
 * and argv the kernel left on the stack.
 */
#include <inc/lib.h>

/* The program's name, for panic and warning messages. */
const char *binaryname = "<unknown>";

int main(int argc, char **argv);
void libmain(int argc, char **argv) __attribute__((noreturn));

/*
 * Remember the program's name, run main, and exit with its return value.
 * Assumes the kernel passed a NULL-terminated argv (possibly empty).
 */
void
libmain(int argc, char **argv)
{
	if (argc > 0 && argv != NULL && argv[0] != NULL)
		binaryname = argv[0];
	exit(main(argc, argv));
}
