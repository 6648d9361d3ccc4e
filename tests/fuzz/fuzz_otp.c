/*
 * Fuzz target "otp": the otpauth:// URI an authenticator app scans and
 * the rest of lib/otp.c that takes outside text. The first byte chooses
 * the number of digits; then come an issuer, a NUL, a user name, a NUL,
 * and the secret's bytes. A URI must give back, percent-decoded and
 * base32-decoded, exactly the issuer, the user and the secret it was
 * made of. Sealed secrets open to what was sealed, a code verifies
 * against its own hash, an unsealed text never opens, and a masked
 * address is whole UTF-8.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/otp.h"
#include "crmpolicy/utf8.h"
#include "fuzz.h"

#define URI_MAX 4096

static const unsigned char fuzz_key[CRM_KEY_BYTES] =
	"fuzz key of 32 bytes, not real!";

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes s up to the first of stops (or its end) into out;
 * the number of bytes read, or -1 if s holds anything but RFC 3986
 * unreserved characters and upper-case escapes.
 */
static long unescape(const char *s, const char *stops, char *out)
{
	size_t i = 0, o = 0;

	for (; s[i] != '\0' && strchr(stops, s[i]) == NULL; i++) {
		char c = s[i];

		if (c == '%') {
			int hi = unhex(s[i + 1]), lo = hi < 0 ? -1 : unhex(s[i + 2]);

			if (lo < 0)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
			out[o++] = c;
		} else {
			return -1;
		}
	}
	out[o] = '\0';
	return (long)i;
}

/*
 * RFC 4648 base32 without padding, decoded strictly: only the alphabet,
 * no length a whole number of bytes cannot have, zero trailing bits.
 * The number of bytes, or -1.
 */
static long unbase32(const char *s, size_t n, unsigned char *out)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned acc = 0, bits = 0;
	size_t o = 0;

	if (n % 8 == 1 || n % 8 == 3 || n % 8 == 6)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *p = s[i] != '\0' ? strchr(alphabet, s[i]) : NULL;

		if (p == NULL)
			return -1;
		acc = (acc << 5 | (unsigned)(p - alphabet)) & 0x1fff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if ((acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (long)o;
}

/* The URI of issuer, user and secret (len bytes), checked field by field. */
static void check_uri(const char *uri, const char *issuer, const char *user,
	const unsigned char *secret, size_t len, int digits)
{
	static const char scheme[] = "otpauth://totp/";
	char *text = malloc(URI_MAX), tail[64];
	unsigned char bin[64];
	const char *p = uri, *end;
	long n;

	if (text == NULL)
		return;
	if (strncmp(p, scheme, sizeof(scheme) - 1) != 0)
		fuzz_fail("otp", "the URI does not start with otpauth://totp/");
	p += sizeof(scheme) - 1;
	if ((n = unescape(p, ":", text)) < 0 || p[n] != ':' ||
	    strcmp(text, issuer) != 0)
		fuzz_fail("otp", "the label's issuer is not the issuer");
	p += n + 1;
	if ((n = unescape(p, "?", text)) < 0 || p[n] != '?' ||
	    strcmp(text, user) != 0)
		fuzz_fail("otp", "the label's account is not the user");
	p += n + 1;
	if (strncmp(p, "secret=", 7) != 0)
		fuzz_fail("otp", "no secret after the label");
	p += 7;
	end = strchr(p, '&');
	if (end == NULL || (n = unbase32(p, (size_t)(end - p), bin)) < 0 ||
	    (size_t)n != len || memcmp(bin, secret, len) != 0)
		fuzz_fail("otp", "the secret does not decode to the secret");
	p = end;
	if (strncmp(p, "&issuer=", 8) != 0)
		fuzz_fail("otp", "no issuer after the secret");
	p += 8;
	if ((n = unescape(p, "&", text)) < 0 || strcmp(text, issuer) != 0)
		fuzz_fail("otp", "the issuer parameter is not the issuer");
	p += n;
	snprintf(tail, sizeof(tail), "&digits=%d&period=%d", digits,
		CRM_TOTP_PERIOD);
	if (strcmp(p, tail) != 0)
		fuzz_fail("otp", "the URI does not end with digits and period");
	free(text);
}

static void check_secret(const char *issuer, const char *user,
	const unsigned char *secret, size_t len, int digits)
{
	char *uri = malloc(URI_MAX), sealed[CRM_SEALED_MAX];
	unsigned char back[64];
	size_t blen = sizeof(back);
	struct crm_error err;

	if (uri == NULL)
		return;
	if (crm_totp_uri(issuer, user, secret, len, digits, uri, URI_MAX) == 0)
		check_uri(uri, issuer, user, secret, len, digits);
	else if (issuer[0] != '\0' && user[0] != '\0' && len > 0 && len <= 64 &&
	    digits >= 6 && digits <= 8 && strlen(issuer) * 6 + strlen(user) * 3 +
	    len * 2 + 64 < URI_MAX)
		fuzz_fail("otp", "a URI that fits was refused");
	free(uri);

	crm_error_clear(&err);
	if (crm_secret_seal(fuzz_key, secret, len, sealed, sizeof(sealed),
	    &err) != 0)
		return;
	if (crm_secret_open(fuzz_key, sealed, back, &blen, &err) != 0 ||
	    blen != len || memcmp(back, secret, len) != 0)
		fuzz_fail("otp", "a sealed secret does not open to itself");
}

static void check_text(const char *text)
{
	char hash[CRM_CODE_HASH_LEN], masked[64];
	unsigned char secret[64];
	size_t len = sizeof(secret);
	struct crm_error err;
	int64_t step;

	crm_error_clear(&err);
	if (crm_secret_open(fuzz_key, text, secret, &len, &err) == 0)
		fuzz_fail("otp", "a text that was never sealed opened");
	if (crm_code_hash(fuzz_key, text, hash) == 0 &&
	    !crm_code_verify(fuzz_key, hash, text))
		fuzz_fail("otp", "a code does not verify against its hash");
	(void)crm_code_verify(fuzz_key, text, text);
	if (crm_totp_verify((const unsigned char *)"12345678901234567890", 20,
	    text, 6, 1, 1767225600, &step) == 0 && strlen(text) != 6)
		fuzz_fail("otp", "a code of another length was accepted");
	for (size_t n = 1; n <= sizeof(masked); n += 7) {
		crm_mask_email(text, masked, n);
		if (strlen(masked) >= n || crm_utf8_len(masked) < 0)
			fuzz_fail("otp", "a masked address is cut or not UTF-8");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_fields ff;
	const unsigned char *secret;
	size_t at, len;
	int digits;

	if (size < 1)
		return 0;
	digits = 5 + data[0] % 5;	/* 5 and 9 are refused */
	if (fuzz_fields(data + 1, size - 1, &ff) != 0)
		return 0;
	/* The secret: every byte after the second NUL, NULs and all. */
	at = strlen(ff.f[0]) + 1 + strlen(ff.f[1]) + 1;
	secret = at <= size - 1 ? data + 1 + at : data + size;
	len = (size_t)(data + size - secret);
	check_secret(ff.f[0], ff.f[1], secret, len, digits);
	check_text(ff.f[0]);
	check_text(ff.f[1]);
	fuzz_fields_free(&ff);
	return 0;
}
