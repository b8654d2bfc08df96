/*
 * Tests of lib/string.c.  The host's C library is the reference: each
 * function must give the same result (for comparisons, the same sign)
 * on the same input, and touch no byte outside what it was given.
 * Loops over many offsets and lengths report only their first failure.
 */
#include "lib/unittest.h"

/* A buffer big enough for every offset + length below, word aligned. */
#define AREA 64

static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

/* Fill a with a pattern that differs from byte to byte. */
static void
pattern(unsigned char *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = (unsigned char)(i * 7 + 1);
}

static void
test_strlen_strnlen(void)
{
	static char big[1000];

	memset(big, 'x', sizeof(big) - 1);
	CHECK(vl_strlen("") == 0, "strlen(\"\")");
	CHECK(vl_strlen("a") == 1, "strlen(\"a\")");
	CHECK(vl_strlen("ab\0cd") == 2, "strlen stops at the first NUL");
	CHECK(vl_strlen(big) == sizeof(big) - 1, "strlen(big) = %zu",
	      vl_strlen(big));
	CHECK(vl_strnlen("hello", 0) == 0, "strnlen(.., 0)");
	CHECK(vl_strnlen("hello", 3) == 3, "strnlen(.., 3)");
	CHECK(vl_strnlen("hello", 5) == 5, "strnlen(.., 5)");
	CHECK(vl_strnlen("hello", 99) == 5, "strnlen(.., 99)");
	/* strnlen reads no further than max: p is not terminated. */
	char *p = dup_exact("abcdef", 6);
	CHECK(vl_strnlen(p, 6) == 6, "strnlen of unterminated block");
	free(p);
}

static void
test_strcpy_strlcpy(void)
{
	char dst[16];

	memset(dst, 'Z', sizeof(dst));
	CHECK(vl_strcpy(dst, "hello") == dst, "strcpy returns dst");
	CHECK(memcmp(dst, "hello\0ZZ", 8) == 0, "strcpy copied \"%s\"", dst);
	CHECK(vl_strcpy(dst, "") == dst && dst[0] == '\0' && dst[1] == 'e',
	      "strcpy of \"\"");

	/* strlcpy into every size: at most n-1 bytes and a NUL, no more. */
	const char *src = "hello";
	for (size_t n = 0; n <= 8; n++) {
		size_t k = n == 0 ? 0 : (n - 1 < 5 ? n - 1 : 5);

		memset(dst, 'Z', sizeof(dst));
		size_t r = vl_strlcpy(dst, src, n);
		bool ok = r == 5 && memcmp(dst, src, k) == 0;
		if (n > 0)
			ok = ok && dst[k] == '\0';
		for (size_t i = n; i < sizeof(dst); i++)
			ok = ok && dst[i] == 'Z';
		if (!CHECK(ok,
			   "strlcpy(dst, \"hello\", %zu) returned %zu, "
			   "dst \"%.*s\"",
			   n, r, (int)n, dst))
			break;
	}
}

static void
test_compare(void)
{
	static const char *const pairs[][2] = {
		{ "", "" },	  { "a", "" },	      { "", "a" },
		{ "abc", "abc" }, { "abc", "abd" },   { "abd", "abc" },
		{ "ab", "abc" },  { "abc", "ab" },    { "\x80", "a" },
		{ "a", "\xff" },  { "abcX", "abcY" }, { "A", "a" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
		const char *a = pairs[i][0], *b = pairs[i][1];
		size_t la = strlen(a) + 1, lb = strlen(b) + 1;

		CHECK(sign(vl_strcmp(a, b)) == sign(strcmp(a, b)),
		      "strcmp(\"%s\", \"%s\") = %d", a, b, vl_strcmp(a, b));
		for (size_t n = 0; n <= 5; n++)
			CHECK(sign(vl_strncmp(a, b, n)) ==
				      sign(strncmp(a, b, n)),
			      "strncmp(\"%s\", \"%s\", %zu) = %d", a, b, n,
			      vl_strncmp(a, b, n));
		/* memcmp over the common length, terminators included. */
		size_t n = la < lb ? la : lb;
		CHECK(sign(vl_memcmp(a, b, n)) == sign(memcmp(a, b, n)),
		      "memcmp(\"%s\", \"%s\", %zu) = %d", a, b, n,
		      vl_memcmp(a, b, n));
	}
	CHECK(vl_memcmp("abc", "xyz", 0) == 0, "memcmp of 0 bytes");
	CHECK(vl_memcmp("a\0b", "a\0c", 3) < 0, "memcmp goes past NULs");
}

static void
test_strchr_strstr(void)
{
	/* "a\351b": a byte above 0x7F, which is negative as a char. */
	static const char *const hays[] = { "", "hello", "a\351b" };
	static const int chars[] = {
		'h', 'l', 'o', 'z', '\0', 'l' + 256, 0xE9
	};

	for (size_t i = 0; i < ARRAY_SIZE(hays); i++)
		for (size_t j = 0; j < ARRAY_SIZE(chars); j++) {
			const char *s = hays[i];
			char *ours = vl_strchr(s, chars[j]);
			char *host = strchr(s, chars[j]);
			CHECK(ours == host,
			      "strchr(\"%s\", %#x): offset %td, host %td", s,
			      chars[j], ours ? ours - s : -1,
			      host ? host - s : -1);
		}

	static const char *const cases[][2] = {
		{ "hello", "ll" },     { "hello", "lo" }, { "hello", "hello" },
		{ "hello", "helloo" }, { "hello", "" },	  { "", "" },
		{ "", "a" },	       { "aaab", "aab" }, { "abcabd", "abd" },
		{ "hello", "z" },      { "hello", "o" },  { "hello", "h" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *h = cases[i][0], *n = cases[i][1];
		char *ours = vl_strstr(h, n), *host = strstr(h, n);
		CHECK(ours == host,
		      "strstr(\"%s\", \"%s\"): offset %td, host %td", h, n,
		      ours ? ours - h : -1, host ? host - h : -1);
	}
}

/*
 * memset, memcpy and memmove at every alignment of destination and
 * source and every length up to 40 (their word loops are taken when
 * everything is 4-aligned), against the host's, comparing the whole
 * area so that a stray write anywhere shows.
 */
static void
test_memset(void)
{
	_Alignas(8) unsigned char ours[AREA], host[AREA];

	for (size_t off = 0; off < 8; off++) {
		size_t bad = SIZE_MAX;
		for (size_t n = 0; n <= 40 && bad == SIZE_MAX; n++) {
			memset(ours, 0xEE, AREA);
			memset(host, 0xEE, AREA);
			/* The value is converted to unsigned char. */
			void *r = vl_memset(ours + off, 0x1A5, n);
			memset(host + off, 0xA5, n);
			if (r != ours + off || memcmp(ours, host, AREA) != 0)
				bad = n;
		}
		CHECK(bad == SIZE_MAX, "memset(area+%zu, 0x1A5, %zu) is wrong",
		      off, bad);
	}
}

static void
test_memcpy(void)
{
	_Alignas(8) unsigned char src[AREA], ours[AREA], host[AREA];

	pattern(src, AREA);
	for (size_t s = 0; s < 8; s++)
		for (size_t d = 0; d < 8; d++) {
			size_t bad = SIZE_MAX;
			for (size_t n = 0; n <= 40 && bad == SIZE_MAX; n++) {
				memset(ours, 0, AREA);
				memset(host, 0, AREA);
				void *r = vl_memcpy(ours + d, src + s, n);
				memcpy(host + d, src + s, n);
				if (r != ours + d ||
				    memcmp(ours, host, AREA) != 0)
					bad = n;
			}
			CHECK(bad == SIZE_MAX,
			      "memcpy(dst+%zu, src+%zu, %zu) is wrong", d, s,
			      bad);
		}
}

/* Overlap both ways: source below, above, equal to the destination. */
static void
test_memmove_overlap(void)
{
	_Alignas(8) unsigned char ours[AREA], host[AREA];

	for (size_t s = 0; s < 12; s++)
		for (size_t d = 0; d < 12; d++) {
			size_t bad = SIZE_MAX;
			for (size_t n = 0; n <= 40 && bad == SIZE_MAX; n++) {
				pattern(ours, AREA);
				pattern(host, AREA);
				void *r = vl_memmove(ours + d, ours + s, n);
				memmove(host + d, host + s, n);
				if (r != ours + d ||
				    memcmp(ours, host, AREA) != 0)
					bad = n;
			}
			CHECK(bad == SIZE_MAX,
			      "memmove(area+%zu, area+%zu, %zu) is wrong", d, s,
			      bad);
		}
}

/*
 * The memory functions on exactly-sized blocks, word aligned (from
 * malloc) and not: the ASan build reports any access past an end.
 */
static void
test_exact_blocks(void)
{
	unsigned char pat[48];

	pattern(pat, sizeof(pat));
	for (size_t n = 0; n <= 40; n++) {
		for (size_t skew = 0; skew <= 1; skew++) {
			unsigned char *src = dup_exact(pat, n + skew);
			unsigned char *dst = malloc(n + skew);
			bool ok;

			vl_memset(dst + skew, 0x3C, n);
			vl_memcpy(dst + skew, src + skew, n);
			ok = vl_memcmp(dst + skew, src + skew, n) == 0;
			vl_memmove(dst + skew, src + skew, n);
			ok = ok && memcmp(dst + skew, pat + skew, n) == 0;
			free(src);
			free(dst);
			if (!CHECK(ok, "exact blocks of %zu bytes, skew %zu", n,
				   skew))
				return;
		}
	}
}

/* strtol and strtoul against the host's, value and end pointer. */
static void
test_strtol_strtoul(void)
{
	static const char *const inputs[] = {
		"0",
		"1",
		"42",
		"-42",
		"+42",
		"  7",
		"\t-8",
		"\n\v\f\r 3",
		"007",
		"08",
		"0x1F",
		"0X1f",
		"0x",
		"0xg",
		"0x 1",
		"-0x10",
		"0b101",
		"1010",
		"777",
		"789",
		"zz",
		"Zz!",
		"12abc",
		"",
		"   ",
		"-",
		"+",
		"- 5",
		"+-5",
		"-+5",
		"  -x",
		"abc",
		"2147483647",
		"2147483648",
		"-2147483648",
		"-2147483649",
		"4294967295",
		"4294967296",
		"9223372036854775807",
		"9223372036854775808",
		"-9223372036854775808",
		"-9223372036854775809",
		"18446744073709551615",
		"18446744073709551616",
		"99999999999999999999999999",
		"-1",
		"-18446744073709551615",
		"0x7fffffffffffffff",
		"0xFFFFFFFFFFFFFFFF",
		"0x10000000000000000",
	};
	static const int bases[] = { 0, 2, 8, 10, 16, 36 };

	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++)
		for (size_t j = 0; j < ARRAY_SIZE(bases); j++) {
			const char *s = inputs[i];
			int b = bases[j];
			char *e_ours, *e_host;

			long l = vl_strtol(s, &e_ours, b);
			long lh = strtol(s, &e_host, b);
			CHECK(l == lh && e_ours == e_host,
			      "strtol(\"%s\", base %d) = %ld, end +%td; host "
			      "%ld, end +%td",
			      s, b, l, e_ours - s, lh, e_host - s);

			unsigned long u = vl_strtoul(s, &e_ours, b);
			unsigned long uh = strtoul(s, &e_host, b);
			CHECK(u == uh && e_ours == e_host,
			      "strtoul(\"%s\", base %d) = %lu, end +%td; host "
			      "%lu, end +%td",
			      s, b, u, e_ours - s, uh, e_host - s);
		}

	/* endptr may be NULL. */
	CHECK(vl_strtol("-12", NULL, 10) == -12, "strtol without endptr");
	CHECK(vl_strtoul("0x12", NULL, 0) == 0x12, "strtoul without endptr");
	/* A base C does not allow converts nothing. */
	static const int badbases[] = { -1, 1, 37 };
	for (size_t i = 0; i < ARRAY_SIZE(badbases); i++) {
		const char *s = "101";
		char *e;
		long v = vl_strtol(s, &e, badbases[i]);
		CHECK(v == 0 && e == s,
		      "strtol(\"101\", base %d) = %ld, end +%td", badbases[i],
		      v, e - s);
	}
}

static void
test_atoi(void)
{
	static const char *const inputs[] = {
		"42", "-7", "  12x", "x", "", "+3", "2147483647", "-2147483648"
	};

	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++)
		CHECK(vl_atoi(inputs[i]) == atoi(inputs[i]),
		      "atoi(\"%s\") = %d, host %d", inputs[i],
		      vl_atoi(inputs[i]), atoi(inputs[i]));
}

CU_TestInfo string_tests[] = {
	{ "strlen, strnlen", test_strlen_strnlen },
	{ "strcpy, strlcpy", test_strcpy_strlcpy },
	{ "strcmp, strncmp, memcmp", test_compare },
	{ "strchr, strstr", test_strchr_strstr },
	{ "memset at every alignment", test_memset },
	{ "memcpy at every alignment", test_memcpy },
	{ "memmove overlapping both ways", test_memmove_overlap },
	{ "exactly-sized blocks", test_exact_blocks },
	{ "strtol, strtoul vs host", test_strtol_strtoul },
	{ "atoi", test_atoi },
	CU_TEST_INFO_NULL,
};
