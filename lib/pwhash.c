/*
 * argon2id password hashes through libsodium's crypto_pwhash_str at the
 * cost of hash_opslimit / hash_memlimit, the check whether a stored hash
 * was made at another cost, and a dummy computation of the same cost so
 * that an unknown user takes as long as a known one. The one verifier
 * also knows the crypt(3) strings of /etc/shadow (through libxcrypt), as
 * the password history of a stacked account holds them.
 */
#include <crypt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crmpolicy/error.h"
#include "crmpolicy/pwhash.h"
#include "crmpolicy/shadow.h"
#include "crmpolicy/store.h"

/* Longer passwords are refused rather than hashed at length. */
#define PW_MAX_BYTES 4096

_Static_assert(CRM_HASH_MAX == crypto_pwhash_STRBYTES,
	"CRM_HASH_MAX must hold a crypto_pwhash_str string");

/*
 * The configured cost in libsodium's types. Returns 0, or -1 when a value
 * is outside what libsodium accepts (the config parser bounds them, but a
 * hand-built config must not reach libsodium unchecked).
 */
static int cost(const struct crm_config *cfg, unsigned long long *ops,
	size_t *mem)
{
	long long o = cfg->num[CRM_K_HASH_OPSLIMIT];
	long long m = cfg->num[CRM_K_HASH_MEMLIMIT];

	if (o < 0 || (unsigned long long)o < crypto_pwhash_OPSLIMIT_MIN ||
	    (unsigned long long)o > crypto_pwhash_OPSLIMIT_MAX)
		return -1;
	if (m < 0 || (unsigned long long)m < crypto_pwhash_MEMLIMIT_MIN ||
	    (unsigned long long)m > crypto_pwhash_MEMLIMIT_MAX ||
	    (unsigned long long)m > SIZE_MAX)
		return -1;
	*ops = (unsigned long long)o;
	*mem = (size_t)m;
	return 0;
}

/*
 * Copies a stored hash into a buffer of the size libsodium reads; returns
 * -1 for one that cannot be a crypto_pwhash_str string.
 */
static int load(const char *hash, char buf[crypto_pwhash_STRBYTES])
{
	size_t n;

	if (!hash)
		return -1;
	n = strnlen(hash, crypto_pwhash_STRBYTES);
	if (n == 0 || n == crypto_pwhash_STRBYTES)
		return -1;
	memset(buf, 0, crypto_pwhash_STRBYTES);
	memcpy(buf, hash, n);
	return 0;
}

int crm_pwhash_make(const struct crm_config *cfg, const char *password,
	char *out, struct crm_error *err)
{
	unsigned long long ops;
	size_t mem, len;

	if (!cfg || !password || !out)
		return crm_error_set(err, CRM_EINVAL,
			"password hash without config, password or buffer");
	out[0] = '\0';
	if (sodium_init() < 0)
		return crm_error_set(err, CRM_EIO, "libsodium cannot start");
	len = strnlen(password, PW_MAX_BYTES + 1);
	if (len > PW_MAX_BYTES)
		return crm_error_set(err, CRM_EINVAL,
			"password longer than %d bytes", PW_MAX_BYTES);
	if (cost(cfg, &ops, &mem) != 0)
		return crm_error_set(err, CRM_ECONF,
			"hash_opslimit %lld / hash_memlimit %lld outside libsodium's limits",
			cfg->num[CRM_K_HASH_OPSLIMIT],
			cfg->num[CRM_K_HASH_MEMLIMIT]);
	/* argon2id explicitly, whatever libsodium's default becomes. */
	if (crypto_pwhash_str_alg(out, password, len, ops, mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_memzero(out, CRM_HASH_MAX);
		return crm_error_set(err, CRM_ENOMEM,
			"cannot hash password: out of memory (hash_memlimit %zu)",
			mem);
	}
	return 0;
}

int crm_pwhash_usable(const char *hash)
{
	return hash != NULL && hash[0] != '\0' && hash[0] != '!' &&
		hash[0] != '*';
}

/* libsodium's strings; every other one is left to crypt(3). */
static int is_argon2(const char *hash)
{
	return strncmp(hash, "$argon2", strlen("$argon2")) == 0;
}

/*
 * A crypt(3) string: yescrypt, gost-yescrypt, scrypt, sha512crypt,
 * sha256crypt, bcrypt, md5crypt, DES. A locked or disabled entry ("!...",
 * "*...", "" as passwd -l and useradd leave them) never matches, nor does
 * a string libxcrypt cannot use. The work area, which held the password,
 * is wiped.
 */
static int verify_crypt(const char *hash, const char *password)
{
	struct crypt_data *cd;
	const char *out;
	size_t n = strnlen(hash, CRM_SHADOW_HASH_MAX);
	int ok;

	if (!crm_pwhash_usable(hash) || n == CRM_SHADOW_HASH_MAX)
		return 0;
	/* 32 KiB: too much for the stack of a host daemon's thread. */
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return 0;
	out = crypt_rn(password, hash, cd, (int)sizeof(*cd));
	ok = out != NULL && out[0] != '*' && strlen(out) == n &&
		sodium_memcmp(out, hash, n) == 0;
	sodium_memzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

int crm_pwhash_verify(const char *hash, const char *password)
{
	char buf[crypto_pwhash_STRBYTES];
	size_t len;

	if (!password || !hash)
		return 0;
	len = strnlen(password, PW_MAX_BYTES + 1);
	if (len > PW_MAX_BYTES)
		return 0;
	if (!is_argon2(hash))
		return verify_crypt(hash, password);
	if (sodium_init() < 0 || load(hash, buf) != 0)
		return 0;
	return crypto_pwhash_str_verify(buf, password, len) == 0;
}

int crm_pwhash_acceptable(const struct crm_config *cfg, const char *hash)
{
	char buf[crypto_pwhash_STRBYTES];
	unsigned long long ops, m, t, p;
	size_t mem;
	int n = 0;

	if (!cfg || sodium_init() < 0 || cost(cfg, &ops, &mem) != 0 ||
	    load(hash, buf) != 0)
		return -1;
	if (sscanf(buf, "$argon2id$v=19$m=%llu,t=%llu,p=%llu$%n", &m, &t, &p,
	    &n) != 3 || n == 0 || p != 1 ||
	    crypto_pwhash_str_needs_rehash(buf, ops, mem) == -1) {
		sodium_memzero(buf, sizeof(buf));
		return -1;
	}
	sodium_memzero(buf, sizeof(buf));
	/* m is in KiB. */
	return t > ops || m > mem / 1024 ? 1 : 0;
}

int crm_pwhash_needs_rehash(const struct crm_config *cfg, const char *hash)
{
	char buf[crypto_pwhash_STRBYTES];
	unsigned long long ops;
	size_t mem;

	if (!cfg || sodium_init() < 0 || cost(cfg, &ops, &mem) != 0)
		return 0;	/* no usable target cost: keep what works */
	/* A malformed hash never verifies, so there is nothing to redo. */
	if (load(hash, buf) != 0)
		return 0;
	/* An argon2i hash (older libsodium default) moves to argon2id. */
	if (strncmp(buf, crypto_pwhash_argon2i_STRPREFIX,
	    strlen(crypto_pwhash_argon2i_STRPREFIX)) == 0)
		return 1;
	return crypto_pwhash_str_needs_rehash(buf, ops, mem) == 1;
}

void crm_pwhash_dummy(const struct crm_config *cfg, const char *password)
{
	char buf[crypto_pwhash_STRBYTES];
	unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	size_t len;
	int rc;

	if (sodium_init() < 0)
		return;
	/* Even a bad config spends time: the unknown user must not show. */
	if (cfg && cost(cfg, &ops, &mem) != 0) {
		ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	}
	if (!password)
		password = "";
	len = strnlen(password, PW_MAX_BYTES);
	rc = crypto_pwhash_str_alg(buf, password, len, ops, mem,
		crypto_pwhash_ALG_ARGON2ID13);
	(void)rc;	/* the result is thrown away; only the time counts */
	sodium_memzero(buf, sizeof(buf));
}
