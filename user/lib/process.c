/*
 * Processes, with the usual Unix names: exit, wait, waitpid, spawnl.
 */
#include <inc/lib.h>

/* End this process with status (nothing is buffered, so nothing to flush). */
void
exit(int status)
{
	sys_exit(status);
}

/*
 * Wait for any child to exit; store its status in *status (if not NULL).
 * Returns the child's pid, or -E_CHILD if there are no children.
 */
int
wait(int *status)
{
	return sys_wait(-1, status, 0);
}

/* Wait for child pid to exit; returns pid or a negative error code. */
int
waitpid(int pid, int *status)
{
	return sys_wait(pid, status, 0);
}

/*
 * Start program name with the argument list that follows, which is its
 * whole argv (conventionally beginning with the name) and ends with
 * NULL:  spawnl("hello", "hello", NULL).  Returns the child's pid or a
 * negative error code; -E_INVAL if there are more than MAXARGS words.
 */
int
spawnl(const char *name, ...)
{
	const char *argv[MAXARGS + 1];
	va_list ap;
	int argc = 0;
	const char *arg;

	va_start(ap, name);
	while ((arg = va_arg(ap, const char *)) != NULL) {
		if (argc == MAXARGS) {
			va_end(ap);
			return -E_INVAL;
		}
		argv[argc++] = arg;
	}
	va_end(ap);
	argv[argc] = NULL;
	return sys_spawn(name, argv);
}
