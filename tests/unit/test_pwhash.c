/*
 * Tests of lib/pwhash.c: argon2id hashes at the configured cost, verify,
 * the re-hash decision when the cost changes, the dummy computation and
 * the refusals (over-long password, cost outside libsodium's limits);
 * and the crypt(3) strings of /etc/shadow the same verifier knows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <crypt.h>

#include <sodium.h>

#include "crmpolicy/error.h"
#include "crmpolicy/pwhash.h"
#include "crmpolicy/shadow.h"
#include "crmpolicy/store.h"

/* Only the two cost keys matter here; the cheapest cost keeps tests fast. */
static void cheap(struct crm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->num[CRM_K_HASH_OPSLIMIT] = crypto_pwhash_OPSLIMIT_MIN;
	cfg->num[CRM_K_HASH_MEMLIMIT] = crypto_pwhash_MEMLIMIT_MIN;
}

static void verifies_the_password_it_hashed(void **state)
{
	struct crm_config cfg;
	struct crm_error err = { 0, "" };
	char hash[CRM_HASH_MAX];

	(void)state;
	cheap(&cfg);
	assert_int_equal(crm_pwhash_make(&cfg, "LIId5*p\xc3\xa8I!", hash, &err), 0);
	assert_memory_equal(hash, "$argon2id$", 10);
	assert_true(crm_pwhash_verify(hash, "LIId5*p\xc3\xa8I!"));
}

static void refuses_wrong_password(void **state)
{
	struct crm_config cfg;
	struct crm_error err = { 0, "" };
	char hash[CRM_HASH_MAX];

	(void)state;
	cheap(&cfg);
	assert_int_equal(crm_pwhash_make(&cfg, "Correct#Horse1", hash, &err), 0);
	assert_false(crm_pwhash_verify(hash, "correct#Horse1"));
	assert_false(crm_pwhash_verify(hash, "Correct#Horse"));
	assert_false(crm_pwhash_verify(hash, ""));
	assert_false(crm_pwhash_verify(hash, NULL));
}

static void salts_every_hash(void **state)
{
	struct crm_config cfg;
	struct crm_error err = { 0, "" };
	char a[CRM_HASH_MAX], b[CRM_HASH_MAX];

	(void)state;
	cheap(&cfg);
	assert_int_equal(crm_pwhash_make(&cfg, "Same#Pass1", a, &err), 0);
	assert_int_equal(crm_pwhash_make(&cfg, "Same#Pass1", b, &err), 0);
	assert_string_not_equal(a, b);
}

static void refuses_malformed_hash(void **state)
{
	char full[CRM_SHADOW_HASH_MAX], argon[CRM_HASH_MAX];

	(void)state;
	assert_false(crm_pwhash_verify(NULL, "x"));
	assert_false(crm_pwhash_verify("", ""));
	assert_false(crm_pwhash_verify("$argon2id$garbage", "x"));
	assert_false(crm_pwhash_verify("$6$salt$notargon", "x"));
	/* no terminator within CRM_SHADOW_HASH_MAX bytes (a crypt string) */
	memset(full, 'a', sizeof(full));
	assert_false(crm_pwhash_verify(full, "x"));
	/* no terminator within CRM_HASH_MAX bytes of an argon2id string */
	memset(argon, 'a', sizeof(argon));
	memcpy(argon, "$argon2id$", 10);
	assert_false(crm_pwhash_verify(argon, "x"));
}

static void needs_rehash_when_cost_changes(void **state)
{
	struct crm_config cfg;
	struct crm_error err = { 0, "" };
	char hash[CRM_HASH_MAX];

	(void)state;
	cheap(&cfg);
	assert_int_equal(crm_pwhash_make(&cfg, "Rehash#Me1", hash, &err), 0);
	cfg.num[CRM_K_HASH_OPSLIMIT] = crypto_pwhash_OPSLIMIT_MIN + 1;
	assert_true(crm_pwhash_needs_rehash(&cfg, hash));
	cheap(&cfg);
	cfg.num[CRM_K_HASH_MEMLIMIT] = crypto_pwhash_MEMLIMIT_MIN * 2;
	assert_true(crm_pwhash_needs_rehash(&cfg, hash));
}

static void needs_no_rehash_at_same_cost(void **state)
{
	struct crm_config cfg;
	struct crm_error err = { 0, "" };
	char hash[CRM_HASH_MAX];

	(void)state;
	cheap(&cfg);
	assert_int_equal(crm_pwhash_make(&cfg, "Keep#Me1", hash, &err), 0);
	assert_false(crm_pwhash_needs_rehash(&cfg, hash));
	assert_false(crm_pwhash_needs_rehash(&cfg, ""));
}

static void rehashes_argon2i_to_argon2id(void **state)
{
	struct crm_config cfg;
	char hash[crypto_pwhash_STRBYTES];

	(void)state;
	cheap(&cfg);
	assert_int_equal(crypto_pwhash_argon2i_str(hash, "Old#Alg1", 8,
		crypto_pwhash_argon2i_OPSLIMIT_MIN + 2,
		crypto_pwhash_MEMLIMIT_MIN), 0);
	assert_true(crm_pwhash_verify(hash, "Old#Alg1"));
	assert_true(crm_pwhash_needs_rehash(&cfg, hash));
}

static void refuses_password_over_4096_bytes(void **state)
{
	struct crm_config cfg;
	struct crm_error err = { 0, "" };
	char hash[CRM_HASH_MAX];
	char pw[4098];

	(void)state;
	cheap(&cfg);
	memset(pw, 'a', 4097);
	pw[4097] = '\0';
	assert_int_equal(crm_pwhash_make(&cfg, pw, hash, &err), CRM_EINVAL);
	assert_string_equal(hash, "");
	pw[4096] = '\0';
	assert_int_equal(crm_pwhash_make(&cfg, pw, hash, &err), 0);
	assert_true(crm_pwhash_verify(hash, pw));
}

static void refuses_cost_outside_libsodium_limits(void **state)
{
	struct crm_config cfg;
	struct crm_error err = { 0, "" };
	char hash[CRM_HASH_MAX];

	(void)state;
	cheap(&cfg);
	cfg.num[CRM_K_HASH_OPSLIMIT] = 0;
	assert_int_equal(crm_pwhash_make(&cfg, "Cost#Check1", hash, &err),
		CRM_ECONF);
	cheap(&cfg);
	cfg.num[CRM_K_HASH_MEMLIMIT] = -1;
	assert_int_equal(crm_pwhash_make(&cfg, "Cost#Check1", hash, &err),
		CRM_ECONF);
	assert_non_null(strstr(err.msg, "hash_memlimit"));
}

static void dummy_spends_time_without_output(void **state)
{
	struct crm_config cfg;

	(void)state;
	cheap(&cfg);
	crm_pwhash_dummy(&cfg, "Unknown#User1");
	crm_pwhash_dummy(&cfg, NULL);
	/* a bad cost still spends time (at the interactive cost) */
	cfg.num[CRM_K_HASH_OPSLIMIT] = 0;
	crm_pwhash_dummy(&cfg, "x");
}

/*
 * An imported hash is taken at the configured cost or cheaper (it is
 * re-hashed at its next login), refused when dearer (each login would
 * pay it inside the host daemon) and refused when not argon2id.
 */
static void accepts_hashes_up_to_the_configured_cost(void **state)
{
	struct crm_config cfg, dear;
	struct crm_error err = { 0, "" };
	char hash[CRM_HASH_MAX];

	(void)state;
	cheap(&cfg);
	assert_int_equal(crm_pwhash_make(&cfg, "Correct#Horse1", hash, &err), 0);
	assert_int_equal(crm_pwhash_acceptable(&cfg, hash), 0);
	/* Made at a higher cost than the configuration allows. */
	dear = cfg;
	dear.num[CRM_K_HASH_OPSLIMIT] = crypto_pwhash_OPSLIMIT_MIN + 1;
	assert_int_equal(crm_pwhash_make(&dear, "Correct#Horse1", hash, &err), 0);
	assert_int_equal(crm_pwhash_acceptable(&cfg, hash), 1);
	assert_int_equal(crm_pwhash_acceptable(&dear, hash), 0);
	dear = cfg;
	dear.num[CRM_K_HASH_MEMLIMIT] = crypto_pwhash_MEMLIMIT_MIN * 2;
	assert_int_equal(crm_pwhash_make(&dear, "Correct#Horse1", hash, &err), 0);
	assert_int_equal(crm_pwhash_acceptable(&cfg, hash), 1);
	/* The 4 GiB, 4000-pass hash a file could carry. */
	assert_int_equal(crm_pwhash_acceptable(&cfg, "$argon2id$v=19$m=4194304,"
		"t=4000,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"), 1);
	assert_int_equal(crm_pwhash_acceptable(&cfg, "$argon2id$garbage"), -1);
	assert_int_equal(crm_pwhash_acceptable(&cfg, "$argon2i$v=19$m=8,t=1,"
		"p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"), -1);
	assert_int_equal(crm_pwhash_acceptable(&cfg, ""), -1);
}

/* ---- crypt(3) strings, as /etc/shadow holds them ---- */

#define SHADOW_PW "Sh4dow!Pass"

/* hash = crypt(SHADOW_PW) for the method prefix, with a fixed salt. */
static void crypt_hash(const char *prefix, char *hash, size_t len)
{
	static const char rbytes[16] = "fixed-salt-16byt";
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	const char *out;

	memset(&cd, 0, sizeof(cd));
	assert_non_null(crypt_gensalt_rn(prefix, 0, rbytes, sizeof(rbytes),
		setting, sizeof(setting)));
	out = crypt_rn(SHADOW_PW, setting, &cd, sizeof(cd));
	assert_non_null(out);
	assert_true(out[0] != '*');
	assert_true(strlen(out) < len);
	snprintf(hash, len, "%s", out);
}

static void verifies_every_crypt_method_of_shadow(void **state)
{
	static const char *const methods[] = {
		"$y$", "$gy$", "$7$", "$6$", "$5$", "$2b$", "$1$", "",
	};
	char hash[CRYPT_OUTPUT_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		crypt_hash(methods[i], hash, sizeof(hash));
		assert_true(crm_pwhash_verify(hash, SHADOW_PW));
		assert_false(crm_pwhash_verify(hash, "sh4dow!Pass"));
		assert_false(crm_pwhash_verify(hash, "Sh4d0w!Pass"));
		assert_false(crm_pwhash_verify(hash, ""));
		assert_false(crm_pwhash_verify(hash, NULL));
	}
}

static void locked_or_disabled_entries_never_match(void **state)
{
	char hash[CRYPT_OUTPUT_SIZE], locked[CRYPT_OUTPUT_SIZE + 1];

	(void)state;
	crypt_hash("$6$", hash, sizeof(hash));
	/* passwd -l puts "!" in front; the rest is still the real hash. */
	snprintf(locked, sizeof(locked), "!%s", hash);
	assert_false(crm_pwhash_verify(locked, SHADOW_PW));
	assert_false(crm_pwhash_verify("!", SHADOW_PW));
	assert_false(crm_pwhash_verify("*", SHADOW_PW));
	assert_false(crm_pwhash_verify("!*", SHADOW_PW));
	assert_false(crm_pwhash_verify("*LK*", SHADOW_PW));
	assert_false(crm_pwhash_verify("", SHADOW_PW));
	assert_false(crm_pwhash_verify("", ""));
}

static void malformed_crypt_strings_never_match(void **state)
{
	char hash[CRYPT_OUTPUT_SIZE];
	size_t n;

	(void)state;
	crypt_hash("$y$", hash, sizeof(hash));
	n = strlen(hash);
	hash[n - 1] = hash[n - 1] == 'A' ? 'B' : 'A';
	assert_false(crm_pwhash_verify(hash, SHADOW_PW));
	hash[n - 5] = '\0';
	assert_false(crm_pwhash_verify(hash, SHADOW_PW));
	assert_false(crm_pwhash_verify("$9$nonsense$abc", SHADOW_PW));
	/* A string that only looks like libsodium's goes to libsodium. */
	assert_false(crm_pwhash_verify("$argon2id$v=19$nonsense", SHADOW_PW));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(verifies_the_password_it_hashed),
		cmocka_unit_test(refuses_wrong_password),
		cmocka_unit_test(salts_every_hash),
		cmocka_unit_test(refuses_malformed_hash),
		cmocka_unit_test(needs_rehash_when_cost_changes),
		cmocka_unit_test(needs_no_rehash_at_same_cost),
		cmocka_unit_test(rehashes_argon2i_to_argon2id),
		cmocka_unit_test(refuses_password_over_4096_bytes),
		cmocka_unit_test(refuses_cost_outside_libsodium_limits),
		cmocka_unit_test(dummy_spends_time_without_output),
		cmocka_unit_test(accepts_hashes_up_to_the_configured_cost),
		cmocka_unit_test(verifies_every_crypt_method_of_shadow),
		cmocka_unit_test(locked_or_disabled_entries_never_match),
		cmocka_unit_test(malformed_crypt_strings_never_match),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
