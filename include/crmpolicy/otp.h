/*
 * Second-factor building blocks: TOTP secrets (new, sealed under the key
 * file, verified with liboath, shown as an otpauth:// URI), single-use
 * recovery codes, e-mailed codes, the keyed hash both kinds of code are
 * stored under, and the masked address shown at the prompt.
 */
#ifndef CRMPOLICY_OTP_H
#define CRMPOLICY_OTP_H

#include <stddef.h>
#include <stdint.h>

#include "crmpolicy/error.h"
#include "crmpolicy/key.h"

#define CRM_TOTP_SECRET_BYTES 20
#define CRM_TOTP_PERIOD 30
/* "v1:" + base64(24-byte nonce || 16-byte tag || secret) for secrets up to 64 bytes */
#define CRM_SEALED_MAX 160
#define CRM_RECOVERY_COUNT 10
#define CRM_RECOVERY_LEN 13	/* "xxxx-xxxx-xx" and its NUL */
/* "k1:" + 64 hex digits and its NUL */
#define CRM_CODE_HASH_LEN 68
#define CRM_OTP_DIGITS_MIN 6
#define CRM_OTP_DIGITS_MAX 10

/* Fills secret with fresh random bytes. Returns 0 or CRM_EIO. */
int crm_totp_secret_new(unsigned char secret[CRM_TOTP_SECRET_BYTES])
	__attribute__((warn_unused_result));

/*
 * Encrypts secret (len bytes, at most 64) with crypto_secretbox under the
 * "totp-seal" subkey of key and a random nonce, as the text
 * "v1:" base64(nonce || ciphertext) in out_b64 (CRM_SEALED_MAX is enough).
 * Returns 0, CRM_EINVAL (too long, out too small) or CRM_EIO.
 */
int crm_secret_seal(const unsigned char key[CRM_KEY_BYTES],
	const unsigned char *secret, size_t len, char *out_b64, size_t outlen,
	struct crm_error *err)
	__attribute__((warn_unused_result));

/* The same under the subkey for another purpose ("sip-seal"). */
int crm_secret_seal_as(const unsigned char key[CRM_KEY_BYTES],
	const char *purpose, const unsigned char *secret, size_t len,
	char *out_b64, size_t outlen, struct crm_error *err)
	__attribute__((warn_unused_result));
int crm_secret_open_as(const unsigned char key[CRM_KEY_BYTES],
	const char *purpose, const char *b64, unsigned char *secret, size_t *len,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * Decrypts a crm_secret_seal text into secret (room for *len bytes on
 * entry; the secret's length on return). Returns 0, or CRM_EKEY if the
 * text is malformed, was sealed under another key or was altered
 * (secret is then wiped).
 */
int crm_secret_open(const unsigned char key[CRM_KEY_BYTES], const char *b64,
	unsigned char *secret, size_t *len, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Checks a TOTP code (RFC 6238, HMAC-SHA1, 30-second steps from the
 * epoch) at time now, accepting steps up to window either side. code
 * must be exactly digits ASCII digits (6..8). On a match returns 0 and
 * sets *step_out to the matched time step, which the caller records: a
 * later code is accepted only if its step is greater. Returns
 * CRM_EPOLICY for a wrong or malformed code, CRM_EINVAL for bad
 * parameters, CRM_EIO if liboath fails.
 */
int crm_totp_verify(const unsigned char *secret, size_t len, const char *code,
	int digits, int window, int64_t now, int64_t *step_out)
	__attribute__((warn_unused_result));

/*
 * Writes otpauth://totp/ISSUER:USER?secret=BASE32&issuer=ISSUER&digits=D&period=30
 * into out, issuer and user percent-encoded (RFC 3986 unreserved kept),
 * the secret in RFC 4648 base32 without padding. out holds the secret:
 * wipe it after use. Returns 0 or CRM_EINVAL (bad arguments, out too small).
 */
int crm_totp_uri(const char *issuer, const char *user,
	const unsigned char *secret, size_t len, int digits, char *out,
	size_t outlen)
	__attribute__((warn_unused_result));

/*
 * Fills codes with CRM_RECOVERY_COUNT distinct codes "xxxx-xxxx-xx" from
 * a 31-letter alphabet without look-alikes (no 0, 1, i, l, o): about 49
 * bits each. Returns 0 or CRM_EIO.
 */
int crm_recovery_new(char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN])
	__attribute__((warn_unused_result));

/*
 * Hashes a recovery or e-mail code for storage under the "code-hash"
 * subkey of key, as "k1:" and 64 hex digits. The code is first put in
 * its canonical form (lower case, without '-' and spaces), so a user may
 * type it either way. Returns 0 or CRM_EINVAL (empty or overlong code).
 */
int crm_code_hash(const unsigned char key[CRM_KEY_BYTES], const char *code,
	char out[CRM_CODE_HASH_LEN])
	__attribute__((warn_unused_result));

/* 1 if code hashes to hash under key (compared in constant time), else 0. */
int crm_code_verify(const unsigned char key[CRM_KEY_BYTES], const char *hash,
	const char *code);

/*
 * Writes a code of digits uniformly random decimal digits (6..10) and its
 * NUL to out (digits + 1 bytes). Returns 0, CRM_EINVAL or CRM_EIO.
 */
int crm_email_code_new(int digits, char *out)
	__attribute__((warn_unused_result));

/*
 * Writes the address as shown at the prompt: the first character of the
 * local part, an ellipsis, and "@domain" ("a…@example.com"); without an
 * '@' only the first character and the ellipsis. Always NUL-terminates
 * (truncating at a character boundary if len is too small).
 */
void crm_mask_email(const char *email, char *out, size_t len);

#endif
