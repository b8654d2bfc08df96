/*
 * sh: a tiny interactive shell.  It reads a line at the "$ " prompt,
 * splits it into words, and either runs a builtin or spawns the program
 * named by the first word with the words as its argv, waiting for it to
 * finish.  There are no pipes, redirections or quoting.
 *
 * Builtins:  exit [status]   leave the shell with status (default 0)
 *            help            list the builtins and the programs
 */
#include <inc/cmdline.h>
#include <inc/lib.h>

/* The programs the guest OS holds: USER_PROGS in user/Makefrag. */
static const char *const programs[] = {
	"hello",    "forkwait", "memstress", "nanobench", "fidelity",
	"sh",	    "faultnull", "preempt",  "crashme",   "sparse",
	"pagetouch", "faultint", "soak",      "ctxswitch",
};

/* The help builtin: what the shell can run. */
static void
help(void)
{
	printf("builtins: exit [status], help\n");
	printf("programs:");
	for (unsigned i = 0; i < ARRAY_SIZE(programs); i++)
		printf(" %s", programs[i]);
	printf("\n");
}

/*
 * Spawn argv[0] with argv (NULL-terminated) and wait for it; print its
 * status if it is not 0.
 */
static void
run(char **argv)
{
	int pid, r, status = 0;

	pid = sys_spawn(argv[0], (const char *const *)argv);
	if (pid == -E_NOT_FOUND) {
		printf("sh: %s: no such program\n", argv[0]);
		return;
	}
	if (pid < 0) {
		printf("sh: %s: %s\n", argv[0], strerror(pid));
		return;
	}
	r = waitpid(pid, &status);
	if (r != pid) {
		printf("sh: waiting for %s: %s\n", argv[0],
		       strerror(r));
		return;
	}
	if (status != 0)
		printf("[exit %d]\n", status);
}

/* Read and run commands until exit (or the end of input: status 0). */
int
main(int argc, char **argv)
{
	char *words[MAXARGS + 1];
	char *line;
	int n;

	for (;;) {
		line = readline("$ ");
		if (line == NULL)
			return 0;
		n = cmdline_split(line, words, MAXARGS);
		if (n < 0) {
			printf("sh: too many words (at most %d)\n", MAXARGS);
			continue;
		}
		if (n == 0)
			continue;
		words[n] = NULL;
		if (strcmp(words[0], "exit") == 0)
			return n > 1 ? atoi(words[1]) : 0;
		if (strcmp(words[0], "help") == 0)
			help();
		else
			run(words);
	}
}
