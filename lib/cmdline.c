/* Command-line words for both images (see inc/cmdline.h). */
#include <inc/cmdline.h>
#include <inc/error.h>
#include <inc/string.h>

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

const char *
cmdline_skip_image(const char *s)
{
	while (is_space(*s))
		s++;
	while (*s && !is_space(*s))
		s++;
	while (is_space(*s))
		s++;
	return s;
}

int
cmdline_split(char *s, char **argv, int max)
{
	int argc = 0;

	for (;;) {
		while (is_space(*s))
			*s++ = '\0';
		if (*s == '\0')
			break;
		if (argc == max)
			return -E_INVAL;
		argv[argc++] = s;
		while (*s && !is_space(*s))
			s++;
	}
	return argc;
}

const char *
cmdline_get(int argc, char *const *argv, const char *key)
{
	size_t n = strlen(key);

	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], key, n) == 0 && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

int
cmdline_find_dashes(int argc, char *const *argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

const char *
cmdline_after_dashes(const char *s)
{
	const char *p = s;

	for (;;) {
		while (is_space(*p))
			p++;
		if (*p == '\0')
			return NULL;
		if (p[0] == '-' && p[1] == '-' && (p[2] == '\0' || is_space(p[2]))) {
			p += 2;
			while (is_space(*p))
				p++;
			return p;
		}
		while (*p && !is_space(*p))
			p++;
	}
}

int
cmdline_check_keys(int argc, char *const *argv, const char *const *known)
{
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		if (!eq || eq == argv[i])
			return i;
		size_t n = (size_t)(eq - argv[i]);
		bool found = false;
		for (const char *const *k = known; *k; k++)
			if (strlen(*k) == n && strncmp(*k, argv[i], n) == 0)
				found = true;
		if (!found)
			return i;
	}
	return -1;
}
