/*
 * SIP digest credentials: HA1 = H(user:realm:password) for MD5 (RFC 2617)
 * and SHA-256 (RFC 8760), derived whenever the password of an account
 * whose policy names a sip_realm is set, kept sealed under the key file's
 * "sip-seal" subkey, and opened for the registrar one attempt at a time.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <nettle/md5.h>
#include <sodium.h>

#include "crmpolicy/i18n.h"
#include "crmpolicy/key.h"
#include "crmpolicy/otp.h"
#include "crmpolicy/sip.h"

#define SEAL_PURPOSE "sip-seal"
#define DECOY_PURPOSE "sip-decoy"
#define MD5_LEN 16
#define SHA_LEN crypto_hash_sha256_BYTES
#define WHAT "keeping SIP credentials"

int crm_sip_realm_check(const char *value, struct crm_error *err)
{
	size_t n = strlen(value);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return crm_error_set(err, CRM_EINVAL, _("sip_realm: '%s' "
				"must be printable ASCII without blanks, quotes "
				"or backslashes"), value);
	}
	if (n >= CRM_PT_MAX)
		return crm_error_set(err, CRM_EINVAL,
			_("sip_realm: longer than %d characters"), CRM_PT_MAX - 1);
	return CRM_OK;
}

int crm_sip_algo_parse(const char *name, enum crm_sip_algo *algo)
{
	if (name != NULL && strcasecmp(name, "MD5") == 0)
		*algo = CRM_SIP_MD5;
	else if (name != NULL && strcasecmp(name, "SHA-256") == 0)
		*algo = CRM_SIP_SHA256;
	else
		return -1;
	return 0;
}

/* HA1 of user:realm:password for both algorithms, md5 then sha256. */
static void derive(const char *user, const char *realm, const char *password,
	unsigned char out[MD5_LEN + SHA_LEN])
{
	const char *part[5] = { user, ":", realm, ":", password };
	crypto_hash_sha256_state sha;
	struct md5_ctx md5;

	md5_init(&md5);
	crypto_hash_sha256_init(&sha);
	for (size_t i = 0; i < 5; i++) {
		size_t n = strlen(part[i]);

		md5_update(&md5, n, (const uint8_t *)part[i]);
		crypto_hash_sha256_update(&sha, (const unsigned char *)part[i], n);
	}
	md5_digest(&md5, MD5_LEN, out);
	crypto_hash_sha256_final(&sha, out + MD5_LEN);
	sodium_memzero(&md5, sizeof(md5));
	sodium_memzero(&sha, sizeof(sha));
}

int crm_sip_store(const struct crm_ctx *ctx, const struct crm_account *a,
	const struct crm_policy *pol, const char *password,
	struct crm_error *err)
{
	const char *realm = pol->text[CRM_PT_SIP_REALM];
	unsigned char ha1[MD5_LEN + SHA_LEN];
	const unsigned char *key;
	char sealed[CRM_SEALED_MAX];
	struct crm_stmt *st;
	int rc;

	/* No realm, or no password to derive from: no credentials. */
	if (realm[0] == '\0' || password == NULL) {
		if ((rc = crm_db_prepare(ctx->db, CRM_Q_SIP_FORGET, &st, err)) !=
				CRM_OK)
			return rc;
		crm_bind_int(st, 1, a->id);
		rc = crm_stmt_step(st);
		crm_stmt_done(st);
		return rc == CRM_STEP_DONE ? CRM_OK :
			crm_store_error(ctx->db, WHAT, err);
	}
	if ((key = crm_ctx_key(ctx, err)) == NULL)
		return CRM_EKEY;
	derive(a->name, realm, password, ha1);
	rc = crm_secret_seal_as(key, SEAL_PURPOSE, ha1, sizeof(ha1), sealed,
		sizeof(sealed), err);
	sodium_memzero(ha1, sizeof(ha1));
	if (rc != CRM_OK)
		return rc;
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_SIP_STORE, &st, err)) !=
			CRM_OK) {
		sodium_memzero(sealed, sizeof(sealed));
		return rc;
	}
	crm_bind_int(st, 1, a->id);
	crm_bind_text(st, 2, realm);
	crm_bind_text(st, 3, sealed);
	crm_bind_int(st, 4, ctx->now);
	rc = crm_stmt_step(st);
	crm_stmt_done(st);
	sodium_memzero(sealed, sizeof(sealed));
	return rc == CRM_STEP_DONE ? CRM_OK :
		crm_store_error(ctx->db, WHAT, err);
}

int crm_sip_info(const struct crm_ctx *ctx, int64_t account_id,
	char realm[CRM_PT_MAX], int64_t *changed, int *found,
	struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	*found = 0;
	realm[0] = '\0';
	*changed = 0;
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_SIP_INFO, &st, err)) != CRM_OK)
		return rc;
	crm_bind_int(st, 1, account_id);
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW) {
		snprintf(realm, CRM_PT_MAX, "%s", crm_col_text(st, 0));
		*changed = crm_col_int(st, 1);
		*found = 1;
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_ROW && rc != CRM_STEP_DONE)
		return crm_store_error(ctx->db, "reading SIP credentials", err);
	return CRM_OK;
}

/* The hex of the part of ha1 that algo uses. */
static void to_hex(const unsigned char ha1[MD5_LEN + SHA_LEN],
	enum crm_sip_algo algo, char hex[CRM_HA1_HEX_MAX])
{
	if (algo == CRM_SIP_MD5)
		sodium_bin2hex(hex, CRM_HA1_HEX_MAX, ha1, MD5_LEN);
	else
		sodium_bin2hex(hex, CRM_HA1_HEX_MAX, ha1 + MD5_LEN, SHA_LEN);
}

int crm_sip_ha1(const struct crm_ctx *ctx, int64_t account_id,
	const char *realm, enum crm_sip_algo algo, char hex[CRM_HA1_HEX_MAX],
	int *found, struct crm_error *err)
{
	unsigned char ha1[MD5_LEN + SHA_LEN];
	char sealed[CRM_SEALED_MAX] = "", stored[CRM_PT_MAX] = "";
	const unsigned char *key;
	size_t len = sizeof(ha1);
	struct crm_stmt *st;
	int rc;

	*found = 0;
	hex[0] = '\0';
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_SIP_SEALED, &st, err)) !=
			CRM_OK)
		return rc;
	crm_bind_int(st, 1, account_id);
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW) {
		snprintf(stored, sizeof(stored), "%s", crm_col_text(st, 0));
		snprintf(sealed, sizeof(sealed), "%s", crm_col_text(st, 1));
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_ROW && rc != CRM_STEP_DONE)
		return crm_store_error(ctx->db, "reading SIP credentials", err);
	/* Credentials of another realm would never match: none. */
	if (rc != CRM_STEP_ROW || strcmp(stored, realm) != 0)
		return CRM_OK;
	if ((key = crm_ctx_key(ctx, err)) == NULL)
		return CRM_EKEY;
	rc = crm_secret_open_as(key, SEAL_PURPOSE, sealed, ha1, &len, err);
	sodium_memzero(sealed, sizeof(sealed));
	if (rc != CRM_OK)
		return rc;
	if (len != sizeof(ha1)) {
		sodium_memzero(ha1, sizeof(ha1));
		return crm_error_set(err, CRM_EKEY,
			_("the stored SIP credentials are damaged"));
	}
	to_hex(ha1, algo, hex);
	sodium_memzero(ha1, sizeof(ha1));
	*found = 1;
	return CRM_OK;
}

int crm_sip_decoy(const struct crm_ctx *ctx, const char *user,
	const char *realm, enum crm_sip_algo algo, char hex[CRM_HA1_HEX_MAX],
	struct crm_error *err)
{
	unsigned char sub[CRM_KEY_BYTES], ha1[MD5_LEN + SHA_LEN];
	crypto_generichash_state st;
	const unsigned char *key = crm_ctx_key(ctx, err);

	if (key == NULL)
		return CRM_EKEY;
	/* Stable per user and realm, and unknowable without the key. */
	crm_key_derive(key, DECOY_PURPOSE, sub);
	crypto_generichash_init(&st, sub, sizeof(sub), sizeof(ha1));
	crypto_generichash_update(&st, (const unsigned char *)user,
		strlen(user) + 1);
	crypto_generichash_update(&st, (const unsigned char *)realm,
		strlen(realm));
	crypto_generichash_final(&st, ha1, sizeof(ha1));
	to_hex(ha1, algo, hex);
	sodium_memzero(sub, sizeof(sub));
	sodium_memzero(ha1, sizeof(ha1));
	return CRM_OK;
}
