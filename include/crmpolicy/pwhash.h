/*
 * argon2id password hashes (libsodium crypto_pwhash_str) at the configured
 * cost. Passwords are never copied into unwiped memory.
 */
#ifndef CRMPOLICY_PWHASH_H
#define CRMPOLICY_PWHASH_H

#include <stddef.h>
#include "crmpolicy/config.h"

/* Hashes password into out (CRM_HASH_MAX bytes). 0 or CRM_ENOMEM/CRM_EIO. */
int crm_pwhash_make(const struct crm_config *cfg, const char *password,
	char *out, struct crm_error *err) __attribute__((warn_unused_result));
/*
 * The one verifier: 1 if password matches hash, an argon2id string
 * (libsodium) or a crypt(3) string of /etc/shadow (libxcrypt: $y$, $gy$,
 * $7$, $6$, $5$, $2b$, $1$, DES); 0 if not, and always for a locked or
 * disabled entry ("!...", "*...", "") or a malformed hash. No more than
 * CRM_HASH_MAX bytes of an argon2id string and CRM_SHADOW_HASH_MAX of a
 * crypt(3) one are read: a longer one is malformed.
 */
int crm_pwhash_verify(const char *hash, const char *password);
/* 0 for an entry no password can match: "", a locked "!..." or "*...". */
int crm_pwhash_usable(const char *hash);
/* 1 if hash was made with another cost than cfg's. */
int crm_pwhash_needs_rehash(const struct crm_config *cfg, const char *hash);
/*
 * Whether a hash made elsewhere (an import) may be stored: 0 for an
 * argon2id string that costs no more than cfg's hash_opslimit and
 * hash_memlimit (a cheaper one is re-hashed at its next login), 1 for a
 * dearer one, which every login would pay inside the host daemon, -1
 * for anything that is not an argon2id string crypto_pwhash_str makes.
 */
int crm_pwhash_acceptable(const struct crm_config *cfg, const char *hash);
/* Spends the time of one verification on nothing (unknown users). */
void crm_pwhash_dummy(const struct crm_config *cfg, const char *password);

#endif
