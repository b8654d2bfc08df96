/*
 * Tests of lib/printfmt.c: vprintfmt, printfmt, snprintf, vsnprintf and
 * strerror.
 *
 * Where C defines the output, the reference is the host's vsnprintf:
 * SAME(fmt, ...) checks that both produce the same bytes and return the
 * same length.  Where lib/ makes its own choice (a NULL %s or %p, an
 * unknown conversion, a '%' at the end), IS(want, fmt, ...) spells out
 * the expected text.
 */
#include "lib/unittest.h"

#define OUTSZ 512

/* Our vsnprintf against the host's: the same bytes and return value. */
static bool __attribute__((format(printf, 2, 3)))
same_at(int line, const char *fmt, ...)
{
	char ours[OUTSZ], host[OUTSZ];
	va_list ap, ap2;
	int r_ours, r_host;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	r_ours = vl_vsnprintf(ours, sizeof(ours), fmt, ap);
	r_host = vsnprintf(host, sizeof(host), fmt, ap2);
	va_end(ap2);
	va_end(ap);

	/* Compare bytes, not strings: "%c" of 0 stores a NUL mid-output. */
	size_t n = r_host >= 0 && r_host < OUTSZ ? (size_t)r_host + 1 : OUTSZ;
	return test_check_at(r_ours == r_host && memcmp(ours, host, n) == 0,
			     __FILE__, line, "SAME",
			     "format \"%s\": ours \"%s\" (returned %d), host "
			     "\"%s\" (returned %d)",
			     fmt, ours, r_ours, host, r_host);
}
#define SAME(...) same_at(__LINE__, __VA_ARGS__)

/* Our vsnprintf's output is want, and it returns strlen(want). */
static bool __attribute__((format(printf, 3, 4)))
is_at(int line, const char *want, const char *fmt, ...)
{
	char ours[OUTSZ];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vl_vsnprintf(ours, sizeof(ours), fmt, ap);
	va_end(ap);
	return test_check_at(r == (int)strlen(want) && strcmp(ours, want) == 0,
			     __FILE__, line, "IS",
			     "format \"%s\": got \"%s\" (returned %d), want "
			     "\"%s\"",
			     fmt, ours, r, want);
}
#define IS(want, ...) is_at(__LINE__, want, __VA_ARGS__)

/* Every format of fmts (each taking one argument) with every value of vals. */
#define SAME_TABLE(fmts, vals)                                                 \
	do {                                                                   \
		for (size_t i_ = 0; i_ < ARRAY_SIZE(fmts); i_++)               \
			for (size_t j_ = 0; j_ < ARRAY_SIZE(vals); j_++)       \
				SAME(fmts[i_], vals[j_]);                      \
	} while (0)

/* xorshift64: reproducible pseudo-random numbers (Marsaglia 2003). */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

static void
test_plain_text(void)
{
	IS("", "%s", "");
	IS("hello, world", "hello, world");
	IS("%", "%%");
	IS("100% sure", "100%% sure");
	SAME("%s=%d (%#x) %c%%", "key", -5, 255u, '!');
	SAME("%d%d%d", 1, 2, 3);
}

/* %d and %i with every flag, width and precision. */
static void
test_signed(void)
{
	static const char *const fmts[] = {
		"%d",	 "%i",	   "%1d",      "%8d",	 "%-8d|", "%08d",
		"%+d",	 "% d",	   "%+8d",     "%-+8d|", "% 08d", "%+08d",
		"%+ d",	 "%0-8d|", "%-08d|",   "%.0d",	 "%.1d",  "%.5d",
		"%.12d", "%8.5d",  "%-8.5d|",  "%08.5d", "%+.0d", "% .0d",
		"%.d",	 "%3.0d",  "%+12.10i", "%20d",
	};
	static const int vals[] = { 0,	     1,	      -1,	  7,
				    42,	     -42,     99999,	  -100000,
				    INT_MAX, INT_MIN, INT_MIN + 1 };
	SAME_TABLE(fmts, vals);
}

/* %u %x %X %o, with '#' and the flags that C ignores for them. */
static void
test_unsigned(void)
{
	static const char *const fmts[] = {
		"%u",	   "%x",     "%X",     "%o",	  "%#x",      "%#X",
		"%#o",	   "%10u",   "%-10x|", "%010X",	  "%#10x",    "%#010x",
		"%-#10o|", "%#010o", "%.0u",   "%.0x",	  "%#.0x",    "%#.0o",
		"%.6x",	   "%#.6x",  "%#.6o",  "%#12.6x", "%+u",      "% x",
		"%+#x",	   "%#3o",   "%.12u",  "%#o|%#x", "%-#5.0o|",
	};
	static const unsigned vals[] = {
		0,  1,	 7,   8,	   9,		10,	     15,
		16, 255, 256, 0x7FFFFFFFu, 0x80000000u, 0xDEADBEEFu, UINT_MAX
	};
	/* "%#o|%#x" takes two arguments; give it the same value twice. */
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++)
		for (size_t j = 0; j < ARRAY_SIZE(vals); j++)
			SAME(fmts[i], vals[j], vals[j]);
}

/* h and hh: the argument is converted to (unsigned) short or char. */
static void
test_narrow(void)
{
	static const char *const fmts[] = {
		"%hd",	"%hi", "%hhd", "%hhi",	"%hu",	 "%hhu",   "%hx",
		"%hhx", "%ho", "%hho", "%#hhx", "%5hhd", "%-6hd|", "%hX",
	};
	static const int vals[] = { 0,	   127,	  128,	 255,	  256,
				    -1,	   -128,  -129,	 32767,	  32768,
				    65535, 65536, 70000, INT_MIN, INT_MAX };
	SAME_TABLE(fmts, vals);
}

/* l, ll and z, and every 64-bit value's digits in every base. */
static void
test_wide(void)
{
	static const char *const lfmts[] = { "%ld",   "%li",	  "%+ld",
					     "%24ld", "%-+24ld|", "%.20ld",
					     "%zd" };
	static const long lvals[] = {
		0, 1, -1, LONG_MAX, LONG_MIN, INT_MIN, (long)INT_MAX + 1
	};
	static const char *const ulfmts[] = { "%lu",  "%lx", "%lX", "%lo",
					      "%#lo", "%zu", "%zx", "%#024zx" };
	static const unsigned long ulvals[] = { 0, 1, ULONG_MAX, UINT_MAX,
						(unsigned long)UINT_MAX + 1 };
	static const char *const llfmts[] = {
		"%lld", "%lli", "%+lld", "%-30lld|", "%030lld", "% .25lld"
	};
	static const long long llvals[] = {
		0, -1, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1, -4294967296LL
	};
	static const char *const ullfmts[] = { "%llu",	 "%llx",    "%llX",
					       "%llo",	 "%#llx",   "%#llo",
					       "%25llu", "%-25llo|" };
	uint64_t state = 0x9E3779B97F4A7C15u;

	SAME_TABLE(lfmts, lvals);
	SAME_TABLE(ulfmts, ulvals);
	SAME_TABLE(llfmts, llvals);
	/*
	 * printfmt.c divides 64-bit numbers by hand (divmod64): try the
	 * values where long division carries, powers of the bases and
	 * their neighbours, then pseudo-random ones.
	 */
	for (unsigned k = 0; k < 64; k++) {
		unsigned long long p = 1ULL << k;
		for (size_t i = 0; i < ARRAY_SIZE(ullfmts); i++) {
			SAME(ullfmts[i], p);
			SAME(ullfmts[i], p - 1);
			SAME(ullfmts[i], p + 1);
		}
	}
	unsigned long long ten = 1;
	for (unsigned k = 0; k < 20; k++, ten *= 10) {
		SAME("%llu", ten);
		SAME("%llu", ten - 1);
		SAME("%llo", ten);
	}
	for (int i = 0; i < 1000; i++) {
		unsigned long long v = next_random(&state);
		/* Vary the magnitude too, not only the bits. */
		v >>= v % 64;
		SAME("%llu %llo %llx %llX", v, v, v, v);
		SAME("%lld", (long long)v);
		SAME("%lld", (long long)(0 - v));
	}
}

static void
test_char(void)
{
	SAME("%c", 'A');
	SAME("[%5c]", 'x');
	SAME("[%-5c]", 'x');
	SAME("%c", 'A' + 256); /* converted to unsigned char */
	SAME("%c", 0xE9);
	/* A NUL from %c is stored and counted. */
	SAME("a%cb", 0);
}

static void
test_string(void)
{
	static const char *const fmts[] = {
		"%s",	     "[%10s]", "[%-10s]", "%.3s",  "[%10.3s]",
		"[%-10.3s]", "%.0s",   "[%.0s]",  "%.10s", "[%1s]",
	};
	static const char *const vals[] = { "", "a", "hello", "hello world!" };
	SAME_TABLE(fmts, vals);

	/*
	 * With a precision, %s reads at most that many bytes: the
	 * string need not be terminated (ASan checks the block's end).
	 */
	char *p = dup_exact("abcdef", 6);
	IS("abc", "%.3s", p);
	IS("abcdef", "%.6s", p);
	IS("[  abcdef]", "[%8.*s]", 6, p);
	free(p);

	/*
	 * lib/'s choice for NULL (C leaves it undefined).  volatile, so
	 * that the compiler cannot see the NULL and warn about it.
	 */
	const char *volatile null = NULL;
	IS("(null)", "%s", null);
	IS("[    (null)]", "[%10s]", null);
	IS("(nu", "%.3s", null);
}

static void
test_pointer(void)
{
	SAME("%p", (void *)0x1234);
	SAME("%p", (void *)0xC0100000u);
	SAME("%p", (void *)UINTPTR_MAX);
	SAME("[%20p]", (void *)0xABCDEF);
	SAME("[%-20p]", (void *)0xABCDEF);
	/* lib/ prints a NULL pointer as 0 (glibc says "(nil)"). */
	IS("0", "%p", (void *)NULL);
}

/* '*' takes the width or precision from the arguments. */
static void
test_star(void)
{
	SAME("[%*d]", 6, 42);
	SAME("[%*d]", -6, 42); /* negative width: '-' flag */
	SAME("[%-*d]", 6, 42);
	SAME("[%0*d]", 6, -42);
	SAME("[%.*d]", 4, 42);
	/* A negative precision is no precision: 0 prints, '0' pads. */
	SAME("[%.*d]", -1, 42);
	SAME("[%.*d]", -1, 0);
	const char *zero_pad = "[%0*.*d]"; /* (gcc would warn at "0.") */
	SAME(zero_pad, 6, -1, 42);
	SAME("[%.*d]", 0, 0);
	SAME("[%*.*d]", 8, 4, -42);
	SAME("[%*.*x]", -8, 3, 0xAu);
	SAME("%.*s", 3, "hello");
	SAME("[%*.*s]", -8, 2, "hello");
	SAME("[%*s|%*s]", 3, "a", -3, "b");
}

/*
 * Random conversions built from the parts C defines ('#' only with o,
 * x and X; no flags but '-' with c, s and p), with a width and
 * precision, against the host's.
 */
static void
test_random_specs(void)
{
	static const char *const lengths[] = { "hh", "h", "", "l", "ll", "z" };
	static const char *const strs[] = { "", "x", "vmmlab", "guest OS" };
	uint64_t state = 0x2545F4914F6CDD1Du;

	for (int i = 0; i < 3000; i++) {
		uint64_t r = next_random(&state), v = next_random(&state);
		char conv = "diouxXcsp"[r % 9];
		const char *len =
			strchr("csp", conv) ? "" : lengths[(r >> 8) % 6];
		bool num = strchr("diouxX", conv) != NULL;
		char fmt[32];
		int n = 0;

		fmt[n++] = '[';
		fmt[n++] = '%';
		if (r >> 12 & 1)
			fmt[n++] = '-';
		if (num && (r >> 13 & 1))
			fmt[n++] = '0';
		if (num && (r >> 14 & 1))
			fmt[n++] = '+';
		if (num && (r >> 15 & 1))
			fmt[n++] = ' ';
		if (strchr("oxX", conv) && (r >> 16 & 1))
			fmt[n++] = '#';
		if (r >> 17 & 1)
			n += sprintf(fmt + n, "%u", (unsigned)(r >> 20) % 25);
		if (conv != 'c' && conv != 'p' && (r >> 18 & 1))
			n += sprintf(fmt + n, ".%u", (unsigned)(r >> 28) % 22);
		n += sprintf(fmt + n, "%s%c]", len, conv);

		/* The argument's type follows the conversion and length. */
		bool sgn = conv == 'd' || conv == 'i';
		bool ll = strcmp(len, "ll") == 0;
		bool l = strcmp(len, "l") == 0 || strcmp(len, "z") == 0;
		if (conv == 'c')
			SAME(fmt, (int)(v % 95 + 32));
		else if (conv == 's')
			SAME(fmt, strs[v % ARRAY_SIZE(strs)]);
		else if (conv == 'p')
			SAME(fmt, (void *)(uintptr_t)(v | 1));
		else if (ll && sgn)
			SAME(fmt, (long long)v);
		else if (ll)
			SAME(fmt, (unsigned long long)v);
		else if (l && sgn)
			SAME(fmt, (long)v);
		else if (l)
			SAME(fmt, (unsigned long)v);
		else if (sgn)
			SAME(fmt, (int)v);
		else
			SAME(fmt, (unsigned)v);
	}
}

/*
 * snprintf into every buffer size from 0 to past the output: it stores
 * at most n-1 characters and a NUL, never touches byte n or beyond, and
 * always returns the length the whole output has.
 */
static void
test_truncation(void)
{
	enum { GUARD = 8 };
	const char *want = "value=-12345!";
	size_t len = strlen(want);

	CHECK(vl_snprintf(NULL, 0, "value=%d!", -12345) == (int)len,
	      "snprintf(NULL, 0, ...) must return the full length %zu", len);
	for (size_t n = 0; n <= len + 2; n++) {
		char *buf = malloc(n + GUARD);
		char host[64];
		size_t stored = n == 0 ? 0 : (n - 1 < len ? n - 1 : len);

		memset(buf, 0x5A, n + GUARD);
		int r = vl_snprintf(buf, n, "value=%d!", -12345);
		int rh = snprintf(host, n, "value=%d!", -12345);
		CHECK(r == (int)len && r == rh,
		      "n=%zu: returned %d, want %zu (host %d)", n, r, len, rh);
		if (n > 0)
			CHECK(memcmp(buf, want, stored) == 0 &&
				      buf[stored] == '\0' &&
				      strcmp(buf, host) == 0,
			      "n=%zu: stored \"%.*s\", want \"%.*s\"", n,
			      (int)n, buf, (int)stored, want);
		bool intact = true;
		for (size_t i = n; i < n + GUARD; i++)
			intact = intact && buf[i] == 0x5A;
		CHECK(intact, "n=%zu: wrote past the buffer", n);
		free(buf);
	}

	/* An output exactly filling the buffer, and one far too long. */
	char buf[4];
	CHECK(vl_snprintf(buf, sizeof(buf), "%d", 123) == 3 &&
		      strcmp(buf, "123") == 0,
	      "exact fit: \"%s\"", buf);
	CHECK(vl_snprintf(buf, sizeof(buf), "%300d", 1) == 300 &&
		      strcmp(buf, "   ") == 0,
	      "width 300 into 4 bytes: \"%s\"", buf);
}

/* vsnprintf through a va_list, as cprintf and printf call it. */
static int __attribute__((format(printf, 3, 4)))
call_vsnprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vl_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

/* Collects what vprintfmt hands its putch. */
struct sink {
	char text[64];
	int n;
};

static void
sink_putch(int c, void *arg)
{
	struct sink *s = arg;

	if (s->n < (int)sizeof(s->text))
		s->text[s->n] = (char)c;
	s->n++;
}

static void
test_vsnprintf_printfmt(void)
{
	char buf[16];
	int r = call_vsnprintf(buf, sizeof(buf), "%s-%d", "abc", 99);
	CHECK(r == 6 && strcmp(buf, "abc-99") == 0, "got \"%s\" (%d)", buf, r);
	r = call_vsnprintf(buf, 3, "%s-%d", "abc", 99);
	CHECK(r == 6 && strcmp(buf, "ab") == 0, "got \"%s\" (%d)", buf, r);

	/* putch sees every character once, in order, and no NUL at the end. */
	struct sink s = { .n = 0 };
	vl_printfmt(sink_putch, &s, "<%c%5s%-3d>", 'x', "yz", 7);
	CHECK(s.n == 11 && memcmp(s.text, "<x   yz7  >", 11) == 0,
	      "putch got %d characters: \"%.*s\"", s.n, s.n, s.text);
	s.n = 0;
	vl_printfmt(sink_putch, &s, "%c", 0);
	CHECK(s.n == 1 && s.text[0] == '\0', "%%c of 0: %d characters", s.n);
}

/*
 * lib/'s answers where C has none.  The formats are deliberately
 * malformed, so the compiler's format checking is off here.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
static void
test_unknown_and_trailing(void)
{
	/* An unknown conversion prints itself and takes no argument. */
	IS("%q", "%q");
	IS("a%qb", "a%qb");
	IS("%q", "%-5.2q");
	IS("%q", "%lq");
	IS("%q 42", "%q %d", 42);
	IS("%n|", "%n|"); /* and %n writes nothing */
	IS("%f", "%f", 1.5);
	/* A '%' at the very end, however far its spec got, prints '%'. */
	IS("%", "%");
	IS("abc%", "abc%");
	IS("50%", "50%5");
	IS("%", "%-");
	IS("%", "%08.3");
	IS("%", "%l");
	IS("%", "%ll");
	IS("%", "%.");
	IS("%", "%*", 5);
}
#pragma GCC diagnostic pop

static void
test_strerror(void)
{
	for (int e = 0; e < MAXERROR; e++) {
		const char *s = vl_strerror(e);
		CHECK(s != NULL && *s != '\0' &&
			      strcmp(s, "unknown error") != 0,
		      "strerror(%d) = \"%s\"", e, s ? s : "NULL");
		CHECK(s == vl_strerror(-e), "strerror(-%d) differs from +", e);
		for (int f = 0; f < e; f++)
			CHECK(strcmp(s, vl_strerror(f)) != 0,
			      "strerror(%d) == strerror(%d)", e, f);
	}
	CHECK(strcmp(vl_strerror(-E_BAD_ELF), "malformed ELF image") == 0,
	      "strerror(-E_BAD_ELF) = \"%s\"", vl_strerror(-E_BAD_ELF));
	static const int bad[] = { MAXERROR, -MAXERROR, 1000,
				   INT_MAX,  -INT_MAX,	INT_MIN };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(strcmp(vl_strerror(bad[i]), "unknown error") == 0,
		      "strerror(%d) = \"%s\"", bad[i], vl_strerror(bad[i]));
}

CU_TestInfo printfmt_tests[] = {
	{ "plain text and %%", test_plain_text },
	{ "%d %i: flags, width, precision", test_signed },
	{ "%u %x %X %o: flags, width, precision", test_unsigned },
	{ "h and hh", test_narrow },
	{ "l, ll, z and 64-bit values", test_wide },
	{ "%c", test_char },
	{ "%s, precision, NULL", test_string },
	{ "%p", test_pointer },
	{ "* width and precision", test_star },
	{ "random conversions vs host", test_random_specs },
	{ "snprintf truncation and return", test_truncation },
	{ "vsnprintf and printfmt", test_vsnprintf_printfmt },
	{ "unknown conversions, trailing %", test_unknown_and_trailing },
	{ "strerror", test_strerror },
	CU_TEST_INFO_NULL,
};
