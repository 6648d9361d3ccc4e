/*
 * Second-factor building blocks: TOTP secrets sealed under the key file
 * and checked with liboath, the otpauth:// URI, recovery and e-mail codes
 * and their keyed hash. Storage, expiry, tries and replay bookkeeping are
 * the callers'; nothing here keeps state between calls.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "crmpolicy/i18n.h"
#include "crmpolicy/otp.h"

#define SEAL_PREFIX "v1:"
#define HASH_PREFIX "k1:"
#define SECRET_MAX 64
#define CODE_MAX 64
#define SEALED_BIN (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES \
	+ SECRET_MAX)

/* Look-alikes (0/o, 1/i/l) left out: 31 letters, about 4.95 bits each. */
static const char recovery_alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";
static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int crm_totp_secret_new(unsigned char secret[CRM_TOTP_SECRET_BYTES])
{
	if (sodium_init() < 0)
		return CRM_EIO;
	randombytes_buf(secret, CRM_TOTP_SECRET_BYTES);
	return 0;
}

/* ---- sealing ---- */

int crm_secret_seal_as(const unsigned char key[CRM_KEY_BYTES],
	const char *purpose, const unsigned char *secret, size_t len,
	char *out_b64, size_t outlen, struct crm_error *err)
{
	unsigned char sub[CRM_KEY_BYTES], bin[SEALED_BIN];
	size_t binlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES
		+ len;
	size_t need = sizeof(SEAL_PREFIX) - 1 +
		sodium_base64_ENCODED_LEN(binlen, sodium_base64_VARIANT_ORIGINAL);

	if (len == 0 || len > SECRET_MAX)
		return crm_error_set(err, CRM_EINVAL,
			_("a secret must hold 1 to %d bytes"), SECRET_MAX);
	if (outlen < need)
		return crm_error_set(err, CRM_EINVAL,
			_("no room for the sealed secret"));
	if (sodium_init() < 0)
		return crm_error_set(err, CRM_EIO, _("libsodium failed to start"));
	crm_key_derive(key, purpose, sub);
	/* A random 24-byte nonce never repeats in practice under one key. */
	randombytes_buf(bin, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(bin + crypto_secretbox_NONCEBYTES, secret, len,
		bin, sub);
	memcpy(out_b64, SEAL_PREFIX, sizeof(SEAL_PREFIX) - 1);
	sodium_bin2base64(out_b64 + sizeof(SEAL_PREFIX) - 1,
		outlen - (sizeof(SEAL_PREFIX) - 1), bin, binlen,
		sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(sub, sizeof(sub));
	sodium_memzero(bin, sizeof(bin));
	return 0;
}

int crm_secret_open_as(const unsigned char key[CRM_KEY_BYTES],
	const char *purpose, const char *b64, unsigned char *secret, size_t *len,
	struct crm_error *err)
{
	unsigned char sub[CRM_KEY_BYTES], bin[SEALED_BIN];
	size_t binlen = 0, plain;
	const size_t overhead = crypto_secretbox_NONCEBYTES +
		crypto_secretbox_MACBYTES;
	const char *text;
	int rc = 0;

	if (b64 == NULL || strncmp(b64, SEAL_PREFIX, sizeof(SEAL_PREFIX) - 1))
		return crm_error_set(err, CRM_EKEY,
			_("the stored secret is not in a known format"));
	text = b64 + sizeof(SEAL_PREFIX) - 1;
	if (sodium_base642bin(bin, sizeof(bin), text, strlen(text), NULL,
	    &binlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    binlen <= overhead)
		return crm_error_set(err, CRM_EKEY,
			_("the stored secret is damaged"));
	plain = binlen - overhead;
	if (plain > *len)
		return crm_error_set(err, CRM_EKEY,
			_("the stored secret is too long"));
	crm_key_derive(key, purpose, sub);
	/* The tag covers every byte: another key or any change fails here. */
	if (crypto_secretbox_open_easy(secret, bin + crypto_secretbox_NONCEBYTES,
	    binlen - crypto_secretbox_NONCEBYTES, bin, sub) != 0) {
		sodium_memzero(secret, *len);
		rc = crm_error_set(err, CRM_EKEY,
			_("the stored secret does not open with this key file"));
	} else {
		*len = plain;
	}
	sodium_memzero(sub, sizeof(sub));
	sodium_memzero(bin, sizeof(bin));
	return rc;
}

int crm_secret_seal(const unsigned char key[CRM_KEY_BYTES],
	const unsigned char *secret, size_t len, char *out_b64, size_t outlen,
	struct crm_error *err)
{
	return crm_secret_seal_as(key, "totp-seal", secret, len, out_b64,
		outlen, err);
}

int crm_secret_open(const unsigned char key[CRM_KEY_BYTES], const char *b64,
	unsigned char *secret, size_t *len, struct crm_error *err)
{
	return crm_secret_open_as(key, "totp-seal", b64, secret, len, err);
}

/* ---- TOTP ---- */

/* liboath hands each candidate code here; the answer is compared in
 * constant time rather than with its strcmp. */
static int code_cmp(void *handle, const char *test_otp)
{
	const char *code = handle;
	size_t n = strlen(code);

	if (strlen(test_otp) != n)
		return 1;
	return sodium_memcmp(code, test_otp, n) == 0 ? 0 : 1;
}

static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return i == n && s[n] == '\0';
}

int crm_totp_verify(const unsigned char *secret, size_t len, const char *code,
	int digits, int window, int64_t now, int64_t *step_out)
{
	uint64_t counter = 0;
	int pos = 0, rc;

	if (secret == NULL || len == 0 || digits < 6 || digits > 8 ||
	    window < 0 || window > 10 || now < 0)
		return CRM_EINVAL;
	if (code == NULL || !all_digits(code, (size_t)digits))
		return CRM_EPOLICY;
	/*
	 * oath_init() only initialises the crypto backend (gc_init): a no-op
	 * with the built-in SHA-1 Debian's liboath uses, idempotent with
	 * libgcrypt. It is called on every use since the core keeps no
	 * global "initialised" flag, and oath_done() is never called: the
	 * host process (sshd, a web server) may use liboath itself.
	 */
	if (oath_init() != OATH_OK)
		return CRM_EIO;
	rc = oath_totp_validate3_callback((const char *)secret, len,
		(time_t)now, CRM_TOTP_PERIOD, 0, (unsigned)digits,
		(size_t)window, &pos, &counter, code_cmp, (void *)code);
	if (rc == OATH_INVALID_OTP)
		return CRM_EPOLICY;
	if (rc < 0)
		return CRM_EIO;
	if (counter > (uint64_t)INT64_MAX)
		return CRM_EIO;
	if (step_out)
		*step_out = (int64_t)counter;
	return 0;
}

/* RFC 4648 base32 without padding; returns the length or 0 if no room. */
static size_t base32(const unsigned char *in, size_t len, char *out,
	size_t outlen)
{
	size_t o = 0;
	unsigned bits = 0, acc = 0;

	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			if (o + 1 >= outlen)
				return 0;
			bits -= 5;
			out[o++] = base32_alphabet[(acc >> bits) & 31];
		}
	}
	if (bits > 0) {
		if (o + 1 >= outlen)
			return 0;
		out[o++] = base32_alphabet[(acc << (5 - bits)) & 31];
	}
	out[o] = '\0';
	sodium_memzero(&acc, sizeof(acc));
	return o;
}

/* Appends s percent-encoded (RFC 3986: unreserved kept); 0 or -1. */
static int put_escaped(char *out, size_t outlen, size_t *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '.' ||
			c == '_' || c == '~';

		if (*o + (keep ? 1 : 3) >= outlen)
			return -1;
		if (keep) {
			out[(*o)++] = (char)c;
		} else {
			out[(*o)++] = '%';
			out[(*o)++] = hex[c >> 4];
			out[(*o)++] = hex[c & 15];
		}
	}
	out[*o] = '\0';
	return 0;
}

static int put_text(char *out, size_t outlen, size_t *o, const char *s)
{
	size_t n = strlen(s);

	if (*o + n >= outlen)
		return -1;
	memcpy(out + *o, s, n + 1);
	*o += n;
	return 0;
}

int crm_totp_uri(const char *issuer, const char *user,
	const unsigned char *secret, size_t len, int digits, char *out,
	size_t outlen)
{
	char b32[SECRET_MAX * 8 / 5 + 2], tail[48];
	size_t o = 0;
	int bad;

	if (out == NULL || outlen == 0)
		return CRM_EINVAL;
	out[0] = '\0';
	if (issuer == NULL || user == NULL || *issuer == '\0' ||
	    *user == '\0' || secret == NULL || len == 0 || len > SECRET_MAX ||
	    digits < 6 || digits > 8)
		return CRM_EINVAL;
	if (base32(secret, len, b32, sizeof(b32)) == 0)
		return CRM_EINVAL;
	snprintf(tail, sizeof(tail), "&digits=%d&period=%d", digits,
		CRM_TOTP_PERIOD);
	bad = put_text(out, outlen, &o, "otpauth://totp/") ||
		put_escaped(out, outlen, &o, issuer) ||
		put_text(out, outlen, &o, ":") ||
		put_escaped(out, outlen, &o, user) ||
		put_text(out, outlen, &o, "?secret=") ||
		put_text(out, outlen, &o, b32) ||
		put_text(out, outlen, &o, "&issuer=") ||
		put_escaped(out, outlen, &o, issuer) ||
		put_text(out, outlen, &o, tail);
	sodium_memzero(b32, sizeof(b32));
	if (bad) {
		sodium_memzero(out, outlen);
		return CRM_EINVAL;
	}
	return 0;
}

/* ---- recovery and e-mail codes ---- */

int crm_recovery_new(char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN])
{
	const uint32_t n = (uint32_t)(sizeof(recovery_alphabet) - 1);

	if (sodium_init() < 0)
		return CRM_EIO;
	for (int i = 0; i < CRM_RECOVERY_COUNT; i++) {
		int again;

		do {
			for (int j = 0; j < CRM_RECOVERY_LEN - 1; j++) {
				if (j == 4 || j == 9) {
					codes[i][j] = '-';
					continue;
				}
				codes[i][j] = recovery_alphabet[
					randombytes_uniform(n)];
			}
			codes[i][CRM_RECOVERY_LEN - 1] = '\0';
			/* Ten distinct codes, so each is one use of its own. */
			again = 0;
			for (int p = 0; p < i; p++)
				again |= strcmp(codes[p], codes[i]) == 0;
		} while (again);
	}
	return 0;
}

int crm_email_code_new(int digits, char *out)
{
	if (digits < CRM_OTP_DIGITS_MIN || digits > CRM_OTP_DIGITS_MAX)
		return CRM_EINVAL;
	if (sodium_init() < 0)
		return CRM_EIO;
	/* randombytes_uniform has no modulo bias. */
	for (int i = 0; i < digits; i++)
		out[i] = (char)('0' + randombytes_uniform(10));
	out[digits] = '\0';
	return 0;
}

/* Lower case without '-' and blanks; the length, or 0 if empty/too long. */
static size_t canonical(const char *code, char out[CODE_MAX + 1])
{
	size_t n = 0;

	for (; *code; code++) {
		char c = *code;

		if (c == '-' || c == ' ' || c == '\t')
			continue;
		if (n == CODE_MAX)
			return 0;
		out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';
	return n;
}

/*
 * Why a fast keyed hash and not crypto_pwhash: a recovery code carries
 * about 49 bits and an e-mail code far fewer, so a slow hash would not
 * stop an offline guesser anyway; what does is that the key lives in the
 * key file, not in the store, so a copy of the store alone gives nothing
 * to test guesses against. Online guessing is bounded by the callers
 * (tries per code, lockout). A fast hash also keeps checking ten stored
 * recovery codes cheap inside one PAM call.
 */
static int code_mac(const unsigned char key[CRM_KEY_BYTES], const char *code,
	unsigned char mac[crypto_generichash_BYTES])
{
	unsigned char sub[CRM_KEY_BYTES];
	char canon[CODE_MAX + 1];
	size_t n = canonical(code, canon);

	if (n > 0) {
		crm_key_derive(key, "code-hash", sub);
		crypto_generichash(mac, crypto_generichash_BYTES,
			(const unsigned char *)canon, n, sub, sizeof(sub));
		sodium_memzero(sub, sizeof(sub));
	}
	sodium_memzero(canon, sizeof(canon));
	return n > 0 ? 0 : CRM_EINVAL;
}

int crm_code_hash(const unsigned char key[CRM_KEY_BYTES], const char *code,
	char out[CRM_CODE_HASH_LEN])
{
	unsigned char mac[crypto_generichash_BYTES];

	out[0] = '\0';
	if (code == NULL || code_mac(key, code, mac) != 0)
		return CRM_EINVAL;
	memcpy(out, HASH_PREFIX, sizeof(HASH_PREFIX) - 1);
	sodium_bin2hex(out + sizeof(HASH_PREFIX) - 1,
		CRM_CODE_HASH_LEN - (sizeof(HASH_PREFIX) - 1), mac, sizeof(mac));
	sodium_memzero(mac, sizeof(mac));
	return 0;
}

int crm_code_verify(const unsigned char key[CRM_KEY_BYTES], const char *hash,
	const char *code)
{
	unsigned char want[crypto_generichash_BYTES], got[crypto_generichash_BYTES];
	size_t n = 0;
	int ok = 0;

	if (hash == NULL || code == NULL ||
	    strncmp(hash, HASH_PREFIX, sizeof(HASH_PREFIX) - 1) != 0 ||
	    strlen(hash) != CRM_CODE_HASH_LEN - 1)
		return 0;
	if (sodium_hex2bin(want, sizeof(want), hash + sizeof(HASH_PREFIX) - 1,
	    CRM_CODE_HASH_LEN - 1 - (sizeof(HASH_PREFIX) - 1), NULL, &n,
	    NULL) == 0 && n == sizeof(want) && code_mac(key, code, got) == 0)
		ok = sodium_memcmp(want, got, sizeof(want)) == 0;
	sodium_memzero(got, sizeof(got));
	return ok;
}

/* ---- the address shown at the prompt ---- */

void crm_mask_email(const char *email, char *out, size_t len)
{
	static const char ellipsis[] = "\xe2\x80\xa6";	/* U+2026 */
	const char *at;
	size_t o = 0;

	if (out == NULL || len == 0)
		return;
	out[0] = '\0';
	if (email == NULL)
		return;
	at = strchr(email, '@');
	/* Only a printable ASCII first letter is shown: never a control byte
	 * nor half of a multibyte character. */
	if (email[0] != '@' && email[0] > 0x20 && email[0] < 0x7f &&
	    o + 1 < len)
		out[o++] = email[0];
	if (o + sizeof(ellipsis) - 1 >= len) {
		out[o] = '\0';
		return;
	}
	memcpy(out + o, ellipsis, sizeof(ellipsis) - 1);
	o += sizeof(ellipsis) - 1;
	for (const char *p = at; p && *p && o + 1 < len; p++) {
		unsigned char c = (unsigned char)*p;

		out[o++] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[o] = '\0';
}
