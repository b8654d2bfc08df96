/*
 * The formatting engine behind every printf in the tree.  It knows
 * nothing about where characters go: callers pass a putch function.
 * Kept free of floating point and of 64-bit division helpers beyond
 * what libgcc-free code can do (the %llu path divides by hand).
 */
#include <inc/error.h>
#include <inc/stdio.h>
#include <inc/string.h>
#include <inc/types.h>

static const char *const error_string[MAXERROR] = {
	[0] = "no error",
	[E_UNSPECIFIED] = "unspecified error",
	[E_INVAL] = "invalid parameter",
	[E_NO_MEM] = "out of memory",
	[E_NO_PROC] = "too many processes",
	[E_NOT_FOUND] = "no such program",
	[E_CHILD] = "no child to wait for",
	[E_FAULT] = "bad address",
	[E_BAD_ELF] = "malformed ELF image",
};

const char *
strerror(int err)
{
	/* Negate in unsigned: -INT_MIN overflows an int. */
	unsigned e = err < 0 ? 0u - (unsigned)err : (unsigned)err;

	if (e >= MAXERROR || !error_string[e])
		return "unknown error";
	return error_string[e];
}

/*
 * Divide *n by a base of at most 16, returning the remainder, without
 * libgcc's 64-bit division (the freestanding images do not link it).
 * Long division in 16-bit steps: every partial dividend stays below
 * 16 << 16, so 32-bit arithmetic suffices.
 */
static unsigned
divmod64(uint64_t *n, unsigned base)
{
	uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n;
	uint32_t qhi = hi / base, r = hi % base;
	uint32_t top = (r << 16) | (lo >> 16);
	uint32_t q1 = top / base, r1 = top % base;
	uint32_t low = (r1 << 16) | (lo & 0xFFFF);
	uint32_t q0 = low / base;
	*n = ((uint64_t)qhi << 32) | (q1 << 16 | q0);
	return low % base;
}

struct fmtspec {
	bool left;	/* '-' */
	bool zero;	/* '0' */
	bool plus;	/* '+' */
	bool space;	/* ' ' */
	bool alt;	/* '#' */
	int width;
	int prec;	/* -1: none */
};

/* Emit s[0..len) padded to the field width. */
static void
emit_padded(void (*putch)(int, void *), void *arg, const char *s, int len,
	    const struct fmtspec *f)
{
	int pad = f->width > len ? f->width - len : 0;
	if (!f->left)
		while (pad-- > 0)
			putch(' ', arg);
	for (int i = 0; i < len; i++)
		putch(s[i], arg);
	if (f->left)
		while (pad-- > 0)
			putch(' ', arg);
}

/* Emit a number with sign/prefix, precision and zero padding. */
static void
emit_number(void (*putch)(int, void *), void *arg, uint64_t n, bool neg,
	    unsigned base, bool upper, const struct fmtspec *f)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int nd = 0;
	bool zero_value = (n == 0);

	while (n != 0)
		buf[nd++] = digits[divmod64(&n, base)];
	/* Precision is the minimum number of digits; 0 with value 0 prints none. */
	int prec = f->prec >= 0 ? f->prec : 1;
	int ndigits = nd > prec ? nd : prec;

	char prefix[3];
	int np = 0;
	if (neg)
		prefix[np++] = '-';
	else if (f->plus)
		prefix[np++] = '+';
	else if (f->space)
		prefix[np++] = ' ';
	if (f->alt && base == 16 && !zero_value) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	} else if (f->alt && base == 8 && ndigits <= nd)
		ndigits = nd + 1;

	int total = np + ndigits;
	int pad = f->width > total ? f->width - total : 0;
	bool zeropad = f->zero && !f->left && f->prec < 0;

	if (!f->left && !zeropad)
		for (; pad > 0; pad--)
			putch(' ', arg);
	for (int i = 0; i < np; i++)
		putch(prefix[i], arg);
	if (zeropad)
		for (; pad > 0; pad--)
			putch('0', arg);
	for (int i = nd; i < ndigits; i++)
		putch('0', arg);
	while (nd > 0)
		putch(buf[--nd], arg);
	for (; pad > 0; pad--)
		putch(' ', arg);
}

void
vprintfmt(void (*putch)(int, void *), void *arg, const char *fmt, va_list ap)
{
	for (;;) {
		int c;
		while ((c = (unsigned char)*fmt++) != '%') {
			if (c == '\0')
				return;
			putch(c, arg);
		}

		struct fmtspec f = { .prec = -1 };
		for (;; fmt++) {
			if (*fmt == '-')
				f.left = true;
			else if (*fmt == '0')
				f.zero = true;
			else if (*fmt == '+')
				f.plus = true;
			else if (*fmt == ' ')
				f.space = true;
			else if (*fmt == '#')
				f.alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			f.width = va_arg(ap, int);
			if (f.width < 0) {
				f.left = true;
				f.width = -f.width;
			}
			fmt++;
		} else
			while (*fmt >= '0' && *fmt <= '9')
				f.width = f.width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			f.prec = 0;
			if (*fmt == '*') {
				f.prec = va_arg(ap, int);
				if (f.prec < 0)
					f.prec = -1;
				fmt++;
			} else
				while (*fmt >= '0' && *fmt <= '9')
					f.prec = f.prec * 10 + (*fmt++ - '0');
		}

		/* Length: 0 int, 1 long, 2 long long; h/hh narrow afterwards. */
		int lng = 0, shrt = 0;
		for (;; fmt++) {
			if (*fmt == 'l')
				lng++;
			else if (*fmt == 'h')
				shrt++;
			else if (*fmt == 'z')
				lng = 1; /* size_t is long-sized on every target */
			else
				break;
		}

		uint64_t u;
		int64_t s;
		unsigned base = 10;
		bool upper = false;
		c = (unsigned char)*fmt++;
		switch (c) {
		case 'd':
		case 'i':
			if (lng >= 2)
				s = va_arg(ap, long long);
			else if (lng == 1)
				s = va_arg(ap, long);
			else
				s = va_arg(ap, int);
			if (shrt == 1)
				s = (short)s;
			else if (shrt >= 2)
				s = (signed char)s;
			emit_number(putch, arg, s < 0 ? -(uint64_t)s : (uint64_t)s,
				    s < 0, 10, false, &f);
			break;
		case 'X':
			upper = true;
			/* fall through */
		case 'x':
			base = 16;
			goto unsigned_number;
		case 'o':
			base = 8;
			goto unsigned_number;
		case 'u':
		unsigned_number:
			if (lng >= 2)
				u = va_arg(ap, unsigned long long);
			else if (lng == 1)
				u = va_arg(ap, unsigned long);
			else
				u = va_arg(ap, unsigned int);
			if (shrt == 1)
				u = (unsigned short)u;
			else if (shrt >= 2)
				u = (unsigned char)u;
			f.plus = f.space = false;
			emit_number(putch, arg, u, false, base, upper, &f);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			f.alt = true;
			emit_number(putch, arg, u, false, 16, false, &f);
			break;
		case 'c': {
			char ch = (char)va_arg(ap, int);
			emit_padded(putch, arg, &ch, 1, &f);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int len = (int)(f.prec >= 0 ? strnlen(str, (size_t)f.prec)
						     : strlen(str));
			emit_padded(putch, arg, str, len, &f);
			break;
		}
		case '%':
			putch('%', arg);
			break;
		case '\0':
			/* A lone '%' at the end: print it and stop. */
			putch('%', arg);
			return;
		default:
			/* Unknown conversion: print it literally, so it shows. */
			putch('%', arg);
			putch(c, arg);
			break;
		}
	}
}

void
printfmt(void (*putch)(int, void *), void *arg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintfmt(putch, arg, fmt, ap);
	va_end(ap);
}

struct sprintbuf {
	char *buf;
	size_t size; /* room including the NUL */
	size_t len;  /* characters produced so far, stored or not */
};

static void
sprint_putch(int c, void *arg)
{
	struct sprintbuf *b = arg;
	if (b->len + 1 < b->size)
		b->buf[b->len] = (char)c;
	b->len++;
}

/*
 * Like C's vsnprintf: always NUL-terminates when n > 0 and returns the
 * length the whole output would have had.
 */
int
vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct sprintbuf b = { buf, n, 0 };
	vprintfmt(sprint_putch, &b, fmt, ap);
	if (n > 0)
		buf[b.len < n ? b.len : n - 1] = '\0';
	return (int)b.len;
}

int
snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}
