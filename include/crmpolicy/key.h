/*
 * The secret key file: loading it with strict owner, mode and size checks,
 * and deriving one independent subkey per purpose so that sealing TOTP
 * secrets, hashing one-time codes and the audit chain never share a key.
 */
#ifndef CRMPOLICY_KEY_H
#define CRMPOLICY_KEY_H

#include "crmpolicy/config.h"
#include "crmpolicy/error.h"

#define CRM_KEY_BYTES 32

/*
 * Reads the 32 raw bytes of cfg->str[CRM_K_KEY_FILE] into key (a buffer
 * the caller owns and wipes: sodium_malloc'd or sodium_memzero'd). The
 * file is opened without following a symlink and must be a regular file
 * owned by root or the effective user, mode 0600 or 0400, exactly 32
 * bytes long. Returns 0, or CRM_EKEY naming the file and the reason (key
 * is then wiped).
 */
int crm_key_load(const struct crm_config *cfg, unsigned char key[CRM_KEY_BYTES],
	struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Creates cfg's key file if it is missing: 32 random bytes, owned by
 * root, mode 0600, never written through a symlink. An existing key file
 * is kept if it passes crm_key_load's checks. Returns 0 or CRM_EKEY
 * (CRM_ECONF for a relative path).
 */
int crm_key_create(const struct crm_config *cfg, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Derives the subkey for purpose (a short fixed label such as
 * "totp-seal") from key into out: keyed BLAKE2b, so subkeys of different
 * purposes are independent and each is stable for one key.
 */
void crm_key_derive(const unsigned char key[CRM_KEY_BYTES], const char *purpose,
	unsigned char out[CRM_KEY_BYTES]);

#endif
