/*
 * Tests of lib/cmdline.c (contracts in inc/cmdline.h).  Every command
 * line is copied into a block of exactly strlen + 1 bytes, so that the
 * ASan build reports a scan past its NUL.
 */
#include "lib/unittest.h"

/* An exactly-sized copy of s. */
static char *
copy(const char *s)
{
	return dup_exact(s, strlen(s) + 1);
}

static void
test_skip_image(void)
{
	static const char *const cases[][2] = {
		{ "obj/kernel init=hello", "init=hello" },
		{ "  obj/kernel \t  a b", "a b" },
		{ "obj/kernel", "" },
		{ "obj/kernel   ", "" },
		{ "", "" },
		{ "k\nx", "x" },
		{ "obj/vmm mode=te -- obj/kernel x",
		  "mode=te -- obj/kernel x" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *s = copy(cases[i][0]);
		const char *r = vl_cmdline_skip_image(s);
		CHECK(strcmp(r, cases[i][1]) == 0,
		      "skip_image(\"%s\") = \"%s\", want \"%s\"", cases[i][0],
		      r, cases[i][1]);
		free(s);
	}
}

/* Split line with room for max words; check against the words in want. */
static bool
split_at(int line, const char *text, int max, int want_argc,
	 const char *const *want)
{
	char *s = copy(text);
	char *argv[CMDLINE_MAXARGS + 2];
	int argc = vl_cmdline_split(s, argv, max);
	bool ok = argc == want_argc;

	for (int i = 0; ok && i < argc; i++)
		ok = strcmp(argv[i], want[i]) == 0 && argv[i] >= s &&
		     argv[i] < s + strlen(text);
	free(s);
	return test_check_at(ok, __FILE__, line, "SPLIT",
			     "split(\"%s\", max %d) = %d, want %d (or words "
			     "differ)", text, max, argc, want_argc);
}
#define SPLIT(text, max, n, ...)                                               \
	split_at(__LINE__, text, max, n, (const char *const[]){ __VA_ARGS__ })

static void
test_split(void)
{
	SPLIT("a b c", 8, 3, "a", "b", "c");
	SPLIT("  a \t\t b   ", 8, 2, "a", "b");
	SPLIT("init=hello\targ1  arg2", 8, 3, "init=hello", "arg1", "arg2");
	SPLIT("one\ntwo", 8, 2, "one", "two");
	SPLIT("", 8, 0, NULL);
	SPLIT(" \t  ", 8, 0, NULL);
	SPLIT("", 0, 0, NULL);
	/* Exactly max words fit; one more is an error. */
	SPLIT("a b c", 3, 3, "a", "b", "c");
	SPLIT("a b c  ", 3, 3, "a", "b", "c");
	SPLIT("a b c", 2, -E_INVAL, NULL);
	SPLIT("a", 0, -E_INVAL, NULL);

	/* CMDLINE_MAXARGS words, then one more. */
	char line[4 * CMDLINE_MAXARGS + 8] = "";
	const char *words[CMDLINE_MAXARGS];
	static char names[CMDLINE_MAXARGS][16];
	for (int i = 0; i < CMDLINE_MAXARGS; i++) {
		snprintf(names[i], sizeof(names[i]), "w%d", i);
		words[i] = names[i];
		strcat(line, names[i]);
		strcat(line, " ");
	}
	split_at(__LINE__, line, CMDLINE_MAXARGS, CMDLINE_MAXARGS, words);
	strcat(line, "extra");
	split_at(__LINE__, line, CMDLINE_MAXARGS, -E_INVAL, words);
}

static void
test_get(void)
{
	char *argv[] = { "mode=te", "init=hello", "init=other", "x",
			 "initx=1", "=v",	  "key=",	"a=b=c" };
	int argc = ARRAY_SIZE(argv);
	static const char *const cases[][2] = {
		{ "init", "hello" }, /* the first one */
		{ "mode", "te" },    { "initx", "1" },	  { "key", "" },
		{ "a", "b=c" },	     { "missing", NULL }, { "ini", NULL },
		{ "x", NULL },	     { "mode=te", NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *r = vl_cmdline_get(argc, argv, cases[i][0]);
		const char *want = cases[i][1];
		CHECK(want ? r && strcmp(r, want) == 0 : r == NULL,
		      "get(\"%s\") = %s%s%s, want %s", cases[i][0],
		      r ? "\"" : "", r ? r : "NULL", r ? "\"" : "",
		      want ? want : "NULL");
	}
	CHECK(vl_cmdline_get(0, argv, "mode") == NULL, "get with argc 0");
}

static void
test_find_dashes(void)
{
	char *a1[] = { "a", "--", "b" };
	char *a2[] = { "a", "b" };
	char *a3[] = { "--" };
	char *a4[] = { "a", "--" };
	char *a5[] = { "--x", "-", "---", "x--", "a" };
	char *a6[] = { "a", "--", "b", "--", "c" };

	CHECK(vl_cmdline_find_dashes(3, a1) == 1, "a -- b");
	CHECK(vl_cmdline_find_dashes(2, a2) == 2, "no dashes: argc");
	CHECK(vl_cmdline_find_dashes(1, a3) == 0, "only --");
	CHECK(vl_cmdline_find_dashes(2, a4) == 1, "-- last");
	CHECK(vl_cmdline_find_dashes(5, a5) == 5, "--x, -, --- are words");
	CHECK(vl_cmdline_find_dashes(5, a6) == 1, "the first --");
	CHECK(vl_cmdline_find_dashes(0, a1) == 0, "argc 0");
}

static void
test_after_dashes(void)
{
	static const char *const cases[][2] = {
		{ "mode=te -- init=hello x", "init=hello x" },
		{ "-- a", "a" },
		/* The guest's line exactly as typed: inner and trailing
		 * blanks kept, later dashes left alone. */
		{ "a\t--\t  b  c ", "b  c " },
		{ "a -- b -- c", "b -- c" },
		{ "--x -- y", "y" },
		/* Dashes last: an empty guest line, not "no dashes". */
		{ "a --", "" },
		{ "a -- \t", "" },
		{ "--", "" },
		/* No "--" word at all. */
		{ "a --x b", NULL },
		{ "a x-- b", NULL },
		{ "a ---- b", NULL },
		{ "a - - b", NULL },
		{ "a b", NULL },
		{ "", NULL },
		{ "   ", NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *s = copy(cases[i][0]);
		const char *r = vl_cmdline_after_dashes(s);
		const char *want = cases[i][1];
		/* The answer points into s, not a copy. */
		bool ok = want ? r && strcmp(r, want) == 0 && r >= s &&
					  r <= s + strlen(s)
			       : r == NULL;
		CHECK(ok, "after_dashes(\"%s\") = %s%s%s, want %s", cases[i][0],
		      r ? "\"" : "", r ? r : "NULL", r ? "\"" : "",
		      want ? want : "NULL");
		free(s);
	}
}

static void
test_check_keys(void)
{
	static const char *const known[] = { "mode", "init", "test", NULL };
	static const char *const none[] = { NULL };
	struct {
		char *argv[3];
		int argc, want;
	} cases[] = {
		{ { "mode=te", "init=x" }, 2, -1 },
		{ { "init=" }, 1, -1 },	   /* empty value */
		{ { "mode=a=b" }, 1, -1 }, /* key ends at the first '=' */
		{ { "mode=te", "bogus=1" }, 2, 1 },
		{ { "mode" }, 1, 0 }, /* no '=' */
		{ { "=x" }, 1, 0 },   /* no key */
		{ { "modex=1" }, 1, 0 },
		{ { "mod=1" }, 1, 0 },
		{ { "test=1", "init=a", "=" }, 3, 2 },
		{ { "mode=te" }, 0, -1 }, /* argc 0 */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = vl_cmdline_check_keys(cases[i].argc, cases[i].argv,
					      known);
		CHECK(r == cases[i].want, "check_keys case %zu: %d, want %d", i,
		      r, cases[i].want);
	}
	char *one[] = { "mode=te" };
	CHECK(vl_cmdline_check_keys(1, one, none) == 0, "no known keys");
}

CU_TestInfo cmdline_tests[] = {
	{ "skip the image name", test_skip_image },
	{ "split into words", test_split },
	{ "get key=value", test_get },
	{ "find_dashes", test_find_dashes },
	{ "after_dashes", test_after_dashes },
	{ "check_keys", test_check_keys },
	CU_TEST_INFO_NULL,
};
