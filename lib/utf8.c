/*
 * UTF-8 for passwords, names and log lines: strict validation, length in
 * characters, character classes and case folding. Case comes from a small
 * built-in table, never from the process locale, which a PAM module does
 * not control (the host daemon may run in "C" or in any other locale).
 */
#include <stdint.h>
#include <string.h>

#include "crmpolicy/config.h"
#include "crmpolicy/store.h"
#include "crmpolicy/utf8.h"

/*
 * Decodes one character at s (s[0] != 0). Returns its length in bytes, or
 * 0 if the bytes are not the shortest encoding of a scalar value (overlong
 * forms, surrogates and code points above U+10FFFF are refused). A NUL
 * byte is never a continuation byte, so this never reads past the string.
 */
static size_t decode(const unsigned char *s, uint32_t *cp)
{
	unsigned char b = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;
	uint32_t c;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		n = 2;
		c = b & 0x1fu;
	} else if (b >= 0xe0 && b <= 0xef) {
		n = 3;
		c = b & 0x0fu;
		if (b == 0xe0)
			lo = 0xa0;	/* below is overlong */
		else if (b == 0xed)
			hi = 0x9f;	/* above is a surrogate */
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4;
		c = b & 0x07u;
		if (b == 0xf0)
			lo = 0x90;	/* below is overlong */
		else if (b == 0xf4)
			hi = 0x8f;	/* above is beyond U+10FFFF */
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		c = (c << 6) | (s[i] & 0x3fu);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return n;
}

/* Bytes needed to encode cp. */
static size_t enclen(uint32_t cp)
{
	if (cp < 0x80)
		return 1;
	if (cp < 0x800)
		return 2;
	if (cp < 0x10000)
		return 3;
	return 4;
}

/* Writes cp at out (room for enclen(cp) bytes is the caller's concern). */
static void encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	switch (enclen(cp)) {
	case 1:
		o[0] = (unsigned char)cp;
		break;
	case 2:
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		break;
	case 3:
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		break;
	default:
		o[0] = (unsigned char)(0xf0 | (cp >> 18));
		o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (unsigned char)(0x80 | (cp & 0x3f));
		break;
	}
}

/*
 * The case table. Each row covers [lo, hi]:
 *   UP    every code point is upper case; its lower case is cp + delta
 *         (delta 0: upper case without a simple lower-case mapping)
 *   LO    every code point is lower case
 *   EVEN  pairs: even code points upper case, cp + 1 their lower case
 *   ODD   pairs: odd code points upper case, cp + 1 their lower case
 * Rows are sorted and do not overlap. Title-case digraphs (U+01C5...) count
 * as upper case. It covers Latin-1 Supplement, Latin Extended-A and -B,
 * IPA Extensions, Greek and Coptic, Cyrillic (and its Supplement),
 * Armenian, Latin Extended Additional and the full-width Latin letters a
 * Japanese input method produces; any other non-ASCII character has no
 * case here and counts as special.
 */
enum { UP, LO, EVEN, ODD };

struct crange {
	uint32_t lo, hi;
	int32_t delta;
	unsigned char kind;
};

static const struct crange casetab[] = {
	{ 0x00b5, 0x00b5, 0, LO },
	{ 0x00c0, 0x00d6, 32, UP },
	{ 0x00d8, 0x00de, 32, UP },
	{ 0x00df, 0x00f6, 0, LO },
	{ 0x00f8, 0x00ff, 0, LO },
	{ 0x0100, 0x012f, 0, EVEN },
	{ 0x0130, 0x0130, 0x0069 - 0x0130, UP },
	{ 0x0131, 0x0131, 0, LO },
	{ 0x0132, 0x0137, 0, EVEN },
	{ 0x0138, 0x0138, 0, LO },
	{ 0x0139, 0x0148, 0, ODD },
	{ 0x0149, 0x0149, 0, LO },
	{ 0x014a, 0x0177, 0, EVEN },
	{ 0x0178, 0x0178, 0x00ff - 0x0178, UP },
	{ 0x0179, 0x017e, 0, ODD },
	{ 0x017f, 0x0180, 0, LO },
	{ 0x0181, 0x0181, 0x0253 - 0x0181, UP },
	{ 0x0182, 0x0185, 0, EVEN },
	{ 0x0186, 0x0186, 0x0254 - 0x0186, UP },
	{ 0x0187, 0x0188, 0, ODD },
	{ 0x0189, 0x018a, 0x0256 - 0x0189, UP },
	{ 0x018b, 0x018c, 0, ODD },
	{ 0x018d, 0x018d, 0, LO },
	{ 0x018e, 0x018e, 0x01dd - 0x018e, UP },
	{ 0x018f, 0x018f, 0x0259 - 0x018f, UP },
	{ 0x0190, 0x0190, 0x025b - 0x0190, UP },
	{ 0x0191, 0x0192, 0, ODD },
	{ 0x0193, 0x0193, 0x0260 - 0x0193, UP },
	{ 0x0194, 0x0194, 0x0263 - 0x0194, UP },
	{ 0x0195, 0x0195, 0, LO },
	{ 0x0196, 0x0196, 0x0269 - 0x0196, UP },
	{ 0x0197, 0x0197, 0x0268 - 0x0197, UP },
	{ 0x0198, 0x0199, 0, EVEN },
	{ 0x019a, 0x019b, 0, LO },
	{ 0x019c, 0x019c, 0x026f - 0x019c, UP },
	{ 0x019d, 0x019d, 0x0272 - 0x019d, UP },
	{ 0x019e, 0x019e, 0, LO },
	{ 0x019f, 0x019f, 0x0275 - 0x019f, UP },
	{ 0x01a0, 0x01a5, 0, EVEN },
	{ 0x01a6, 0x01a6, 0x0280 - 0x01a6, UP },
	{ 0x01a7, 0x01a8, 0, ODD },
	{ 0x01a9, 0x01a9, 0x0283 - 0x01a9, UP },
	{ 0x01aa, 0x01ab, 0, LO },
	{ 0x01ac, 0x01ad, 0, EVEN },
	{ 0x01ae, 0x01ae, 0x0288 - 0x01ae, UP },
	{ 0x01af, 0x01b0, 0, ODD },
	{ 0x01b1, 0x01b2, 0x028a - 0x01b1, UP },
	{ 0x01b3, 0x01b6, 0, ODD },
	{ 0x01b7, 0x01b7, 0x0292 - 0x01b7, UP },
	{ 0x01b8, 0x01b9, 0, EVEN },
	{ 0x01ba, 0x01ba, 0, LO },
	{ 0x01bc, 0x01bd, 0, EVEN },
	{ 0x01be, 0x01bf, 0, LO },
	{ 0x01c4, 0x01c4, 2, UP },
	{ 0x01c5, 0x01c5, 1, UP },
	{ 0x01c6, 0x01c6, 0, LO },
	{ 0x01c7, 0x01c7, 2, UP },
	{ 0x01c8, 0x01c8, 1, UP },
	{ 0x01c9, 0x01c9, 0, LO },
	{ 0x01ca, 0x01ca, 2, UP },
	{ 0x01cb, 0x01cb, 1, UP },
	{ 0x01cc, 0x01cc, 0, LO },
	{ 0x01cd, 0x01dc, 0, ODD },
	{ 0x01dd, 0x01dd, 0, LO },
	{ 0x01de, 0x01ef, 0, EVEN },
	{ 0x01f0, 0x01f0, 0, LO },
	{ 0x01f1, 0x01f1, 2, UP },
	{ 0x01f2, 0x01f2, 1, UP },
	{ 0x01f3, 0x01f3, 0, LO },
	{ 0x01f4, 0x01f5, 0, EVEN },
	{ 0x01f6, 0x01f6, 0x0195 - 0x01f6, UP },
	{ 0x01f7, 0x01f7, 0x01bf - 0x01f7, UP },
	{ 0x01f8, 0x021f, 0, EVEN },
	{ 0x0220, 0x0220, 0x019e - 0x0220, UP },
	{ 0x0221, 0x0221, 0, LO },
	{ 0x0222, 0x0233, 0, EVEN },
	{ 0x0234, 0x0239, 0, LO },
	{ 0x023a, 0x023a, 0x2c65 - 0x023a, UP },
	{ 0x023b, 0x023c, 0, ODD },
	{ 0x023d, 0x023d, 0x019a - 0x023d, UP },
	{ 0x023e, 0x023e, 0x2c66 - 0x023e, UP },
	{ 0x023f, 0x0240, 0, LO },
	{ 0x0241, 0x0242, 0, ODD },
	{ 0x0243, 0x0243, 0x0180 - 0x0243, UP },
	{ 0x0244, 0x0244, 0x0289 - 0x0244, UP },
	{ 0x0245, 0x0245, 0x028c - 0x0245, UP },
	{ 0x0246, 0x024f, 0, EVEN },
	{ 0x0250, 0x0293, 0, LO },
	{ 0x0295, 0x02af, 0, LO },
	/* Greek and Coptic */
	{ 0x0370, 0x0373, 0, EVEN },
	{ 0x0376, 0x0377, 0, EVEN },
	{ 0x037b, 0x037d, 0, LO },
	{ 0x037f, 0x037f, 0x03f3 - 0x037f, UP },
	{ 0x0386, 0x0386, 0x03ac - 0x0386, UP },
	{ 0x0388, 0x038a, 0x03ad - 0x0388, UP },
	{ 0x038c, 0x038c, 0x03cc - 0x038c, UP },
	{ 0x038e, 0x038f, 0x03cd - 0x038e, UP },
	{ 0x0390, 0x0390, 0, LO },
	{ 0x0391, 0x03a1, 32, UP },
	{ 0x03a3, 0x03ab, 32, UP },
	{ 0x03ac, 0x03ce, 0, LO },
	{ 0x03cf, 0x03cf, 0x03d7 - 0x03cf, UP },
	{ 0x03d0, 0x03d1, 0, LO },
	{ 0x03d2, 0x03d4, 0, UP },
	{ 0x03d5, 0x03d7, 0, LO },
	{ 0x03d8, 0x03ef, 0, EVEN },
	{ 0x03f0, 0x03f3, 0, LO },
	{ 0x03f4, 0x03f4, 0x03b8 - 0x03f4, UP },
	{ 0x03f5, 0x03f5, 0, LO },
	{ 0x03f7, 0x03f8, 0, ODD },
	{ 0x03f9, 0x03f9, 0x03f2 - 0x03f9, UP },
	{ 0x03fa, 0x03fb, 0, EVEN },
	{ 0x03fc, 0x03fc, 0, LO },
	{ 0x03fd, 0x03ff, 0x037b - 0x03fd, UP },
	/* Cyrillic, Cyrillic Supplement */
	{ 0x0400, 0x040f, 80, UP },
	{ 0x0410, 0x042f, 32, UP },
	{ 0x0430, 0x045f, 0, LO },
	{ 0x0460, 0x0481, 0, EVEN },
	{ 0x048a, 0x04bf, 0, EVEN },
	{ 0x04c0, 0x04c0, 0x04cf - 0x04c0, UP },
	{ 0x04c1, 0x04ce, 0, ODD },
	{ 0x04cf, 0x04cf, 0, LO },
	{ 0x04d0, 0x052f, 0, EVEN },
	/* Armenian */
	{ 0x0531, 0x0556, 48, UP },
	{ 0x0560, 0x0588, 0, LO },
	/* Latin Extended Additional */
	{ 0x1e00, 0x1e95, 0, EVEN },
	{ 0x1e96, 0x1e9d, 0, LO },
	{ 0x1e9e, 0x1e9e, 0x00df - 0x1e9e, UP },
	{ 0x1e9f, 0x1e9f, 0, LO },
	{ 0x1ea0, 0x1eff, 0, EVEN },
	/* Halfwidth and Fullwidth Forms: Latin letters */
	{ 0xff21, 0xff3a, 32, UP },
	{ 0xff41, 0xff5a, 0, LO },
};

/*
 * Case of cp: CRM_CLASS_UPPER (and its simple lower case in *lower),
 * CRM_CLASS_LOWER, or 0 for a character without case.
 */
static unsigned casing(uint32_t cp, uint32_t *lower)
{
	size_t a = 0, b = sizeof(casetab) / sizeof(casetab[0]);

	*lower = cp;
	if (cp < 0x80) {
		if (cp >= 'a' && cp <= 'z')
			return CRM_CLASS_LOWER;
		if (cp >= 'A' && cp <= 'Z') {
			*lower = cp + 32;
			return CRM_CLASS_UPPER;
		}
		return 0;
	}
	while (a < b) {
		size_t m = a + (b - a) / 2;
		const struct crange *r = &casetab[m];

		if (cp < r->lo) {
			b = m;
		} else if (cp > r->hi) {
			a = m + 1;
		} else {
			switch (r->kind) {
			case UP:
				*lower = (uint32_t)((int32_t)cp + r->delta);
				return CRM_CLASS_UPPER;
			case LO:
				return CRM_CLASS_LOWER;
			case EVEN:
				if (cp % 2 == 1)
					return CRM_CLASS_LOWER;
				*lower = cp + 1;
				return CRM_CLASS_UPPER;
			default:
				if (cp % 2 == 0)
					return CRM_CLASS_LOWER;
				*lower = cp + 1;
				return CRM_CLASS_UPPER;
			}
		}
	}
	return 0;
}

unsigned crm_utf8_classes(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned classes = 0;

	if (!s)
		return 0;
	while (*p) {
		uint32_t cp, lower;
		size_t k = decode(p, &cp);
		unsigned c;

		if (k == 0) {
			/* Callers validate first; a stray byte is not a letter. */
			classes |= CRM_CLASS_SPECIAL;
			p++;
			continue;
		}
		p += k;
		if (cp >= '0' && cp <= '9') {
			classes |= CRM_CLASS_DIGIT;
			continue;
		}
		c = casing(cp, &lower);
		classes |= c ? c : (unsigned)CRM_CLASS_SPECIAL;
	}
	return classes;
}

int crm_utf8_fold(const char *s, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (!s || !out || outlen == 0)
		return -1;
	while (*p) {
		uint32_t cp, lower;
		size_t k = decode(p, &cp);

		if (k == 0)
			goto fail;
		p += k;
		(void)casing(cp, &lower);
		/* Folding may change the encoded length (U+0130 -> 'i'). */
		if (enclen(lower) >= outlen - o)
			goto fail;
		encode(lower, out + o);
		o += enclen(lower);
	}
	out[o] = '\0';
	return 0;
fail:
	out[0] = '\0';
	return -1;
}

int crm_utf8_reverse(const char *s, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, o;

	if (!s || !out || outlen == 0)
		return -1;
	len = strlen(s);
	if (len >= outlen || crm_utf8_len(s) < 0) {
		out[0] = '\0';
		return -1;
	}
	/* Each character is copied whole to the mirror position. */
	o = len;
	while (*p) {
		uint32_t cp;
		size_t k = decode(p, &cp);

		o -= k;
		memcpy(out + o, p, k);
		p += k;
	}
	out[len] = '\0';
	return 0;
}

/*
 * 1 for characters that must not appear in names or log lines: C0 and C1
 * controls, DEL, and the invisible format characters (zero-width, bidi
 * overrides, line separators) that make one name look like another or
 * break a log line.
 */
static int is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x00ad ||
		(cp >= 0x200b && cp <= 0x200f) ||
		(cp >= 0x2028 && cp <= 0x202e) ||
		(cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
		(cp >= 0xfff9 && cp <= 0xfffb);
}

/* 1 for white space (Unicode White_Space outside the controls). */
static int is_space(uint32_t cp)
{
	return cp == ' ' || cp == 0x00a0 || cp == 0x1680 ||
		(cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
		cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

int crm_name_valid(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len;

	if (!name)
		return 0;
	len = strnlen(name, CRM_NAME_MAX + 1);
	if (len == 0 || len > CRM_NAME_MAX)
		return 0;
	/*
	 * '-' would read as an option to the commands that take names;
	 * ':' and '/' break passwd-style files and paths; "." and ".." are
	 * directory names.
	 */
	if (name[0] == '-' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	while (*p) {
		uint32_t cp;
		size_t k = decode(p, &cp);

		if (k == 0 || is_control(cp) || is_space(cp) || cp == ':' ||
		    cp == '/')
			return 0;
		p += k;
	}
	return 1;
}

int crm_rhost_valid(const char *rhost)
{
	size_t i;

	if (!rhost || !*rhost)
		return 1;	/* no remote host: a local login */
	for (i = 0; rhost[i]; i++) {
		unsigned char c = (unsigned char)rhost[i];

		/* Addresses and host names are ASCII without spaces. */
		if (i >= CRM_RHOST_MAX || c < 0x21 || c > 0x7e)
			return 0;
	}
	return 1;
}

void crm_printable(const char *s, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (!out || outlen == 0)
		return;
	if (!s) {
		out[0] = '\0';
		return;
	}
	while (*p) {
		uint32_t cp;
		size_t k = decode(p, &cp);

		if (k == 0 || is_control(cp)) {
			/* One '?' per bad byte or unwanted character. */
			if (o + 1 >= outlen)
				break;
			out[o++] = '?';
			p += k ? k : 1;
			continue;
		}
		/* Only whole characters: never cut a sequence in two. */
		if (o + k >= outlen)
			break;
		memcpy(out + o, p, k);
		o += k;
		p += k;
	}
	out[o] = '\0';
}

/* East Asian wide or full-width (UAX #11 W and F, the common blocks). */
static int wide(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) ||
		(cp >= 0x2e80 && cp <= 0x303e) ||
		(cp >= 0x3041 && cp <= 0x33ff) ||
		(cp >= 0x3400 && cp <= 0x4dbf) ||
		(cp >= 0x4e00 && cp <= 0x9fff) ||
		(cp >= 0xa000 && cp <= 0xa4cf) ||
		(cp >= 0xac00 && cp <= 0xd7a3) ||
		(cp >= 0xf900 && cp <= 0xfaff) ||
		(cp >= 0xfe30 && cp <= 0xfe4f) ||
		(cp >= 0xff00 && cp <= 0xff60) ||
		(cp >= 0xffe0 && cp <= 0xffe6) ||
		(cp >= 0x20000 && cp <= 0x3fffd);
}

/* Columns of cp: combining marks none, wide characters two. */
static long columns(uint32_t cp)
{
	if ((cp >= 0x300 && cp <= 0x36f) || cp == 0x200b)
		return 0;
	return wide(cp) ? 2 : 1;
}

/*
 * The characters of s (by_width 0) or their columns (1); -1 for NULL or
 * invalid UTF-8.
 */
static long measure(const char *s, int by_width)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	if (!s)
		return -1;
	while (*p) {
		uint32_t cp;
		size_t k = decode(p, &cp);

		if (k == 0)
			return -1;
		p += k;
		n += by_width ? columns(cp) : 1;
	}
	return n;
}

long crm_utf8_len(const char *s)
{
	return measure(s, 0);
}

long crm_utf8_width(const char *s)
{
	return measure(s, 1);
}
