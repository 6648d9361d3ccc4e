/*
 * Tests of lib/otp.c: RFC 6238 vectors and the time window, sealing of
 * TOTP secrets, the otpauth:// URI, recovery and e-mail codes with their
 * keyed hash, and the masked address.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crmpolicy/otp.h"

/* RFC 6238 appendix B: the SHA-1 seed. */
static const unsigned char rfc_secret[] = "12345678901234567890";
#define RFC_LEN 20
#define RFC_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void key_of(unsigned char key[CRM_KEY_BYTES], int fill)
{
	memset(key, fill, CRM_KEY_BYTES);
}

static void accepts_rfc6238_sha1_vectors(void **state)
{
	static const struct { int64_t t; const char *code; } v[] = {
		{ 59, "94287082" },
		{ 1111111109, "07081804" },
		{ 1111111111, "14050471" },
		{ 1234567890, "89005924" },
		{ 2000000000, "69279037" },
		{ 20000000000LL, "65353130" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int64_t step = -1;

		assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, v[i].code,
			8, 0, v[i].t, &step), 0);
		assert_int_equal(step, v[i].t / 30);
	}
}

static void accepts_six_digit_codes(void **state)
{
	int64_t step = -1;

	(void)state;
	/* The 6-digit code is the last six digits of the 8-digit one. */
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "287082", 6, 0,
		59, &step), 0);
	assert_int_equal(step, 1);
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "287083", 6, 0,
		59, &step), CRM_EPOLICY);
}

static void accepts_neighbour_steps_within_window(void **state)
{
	const int64_t t = 1111111109;	/* step 37037036, code 07081804 */
	int64_t step = -1;

	(void)state;
	/* The code of the previous step, one step later. */
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "07081804", 8, 1,
		t + 30, &step), 0);
	assert_int_equal(step, 37037036);
	/* The code of the next step, one step earlier. */
	step = -1;
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "07081804", 8, 1,
		t - 30, &step), 0);
	assert_int_equal(step, 37037036);
	/* Two steps away: needs window 2. */
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "07081804", 8, 1,
		t + 60, &step), CRM_EPOLICY);
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "07081804", 8, 1,
		t - 60, &step), CRM_EPOLICY);
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "07081804", 8, 2,
		t + 60, &step), 0);
	assert_int_equal(step, 37037036);
}

static void accepts_only_current_step_with_window_zero(void **state)
{
	const int64_t t = 1111111109;
	int64_t step = -1;

	(void)state;
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "07081804", 8, 0,
		t, &step), 0);
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "07081804", 8, 0,
		t + 30, &step), CRM_EPOLICY);
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "07081804", 8, 0,
		t - 30, &step), CRM_EPOLICY);
}

static void returns_same_step_for_replayed_code(void **state)
{
	int64_t first = -1, again = -1;

	(void)state;
	/* A replay later in the window reports the step already used, so the
	 * caller's "step > last used step" refuses it. */
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "14050471", 8, 1,
		1111111111, &first), 0);
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "14050471", 8, 1,
		1111111111 + 25, &again), 0);
	assert_int_equal(first, again);
}

static void refuses_malformed_codes(void **state)
{
	static const char *const bad[] = {
		"", "9428708", "942870820", "9428708a", " 94287082",
		"94287082 ", "9428-7082", "+4287082", "９4287082",
	};
	int64_t step = 77;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, bad[i], 8,
			1, 59, &step), CRM_EPOLICY);
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, NULL, 8, 1, 59,
		&step), CRM_EPOLICY);
	assert_int_equal(step, 77);
	/* Digits and window outside what is supported. */
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "94287", 5, 1, 59,
		&step), CRM_EINVAL);
	assert_int_equal(crm_totp_verify(rfc_secret, RFC_LEN, "94287082", 8, -1,
		59, &step), CRM_EINVAL);
}

static void makes_fresh_random_secrets(void **state)
{
	unsigned char a[CRM_TOTP_SECRET_BYTES], b[CRM_TOTP_SECRET_BYTES];

	(void)state;
	assert_int_equal(crm_totp_secret_new(a), 0);
	assert_int_equal(crm_totp_secret_new(b), 0);
	assert_memory_not_equal(a, b, sizeof(a));
}

static void opens_what_it_sealed(void **state)
{
	unsigned char key[CRM_KEY_BYTES], out[64];
	char sealed[CRM_SEALED_MAX];
	size_t len = sizeof(out);
	struct crm_error err = { 0 };

	(void)state;
	key_of(key, 3);
	assert_int_equal(crm_secret_seal(key, rfc_secret, RFC_LEN, sealed,
		sizeof(sealed), &err), 0);
	assert_memory_equal(sealed, "v1:", 3);
	assert_int_equal(crm_secret_open(key, sealed, out, &len, &err), 0);
	assert_int_equal(len, RFC_LEN);
	assert_memory_equal(out, rfc_secret, RFC_LEN);
}

static void sealed_text_hides_the_secret(void **state)
{
	unsigned char key[CRM_KEY_BYTES];
	char sealed[CRM_SEALED_MAX], again[CRM_SEALED_MAX];
	struct crm_error err = { 0 };

	(void)state;
	key_of(key, 3);
	assert_int_equal(crm_secret_seal(key, rfc_secret, RFC_LEN, sealed,
		sizeof(sealed), &err), 0);
	assert_null(memmem(sealed, strlen(sealed), rfc_secret, RFC_LEN));
	assert_null(memmem(sealed, strlen(sealed), "1234567890", 10));
	assert_null(strstr(sealed, RFC_B32));
	assert_null(strstr(sealed, "GEZDGNBV"));
	/* A fresh nonce each time: the same secret never seals the same. */
	assert_int_equal(crm_secret_seal(key, rfc_secret, RFC_LEN, again,
		sizeof(again), &err), 0);
	assert_string_not_equal(sealed, again);
}

static void refuses_to_open_with_wrong_key(void **state)
{
	unsigned char key[CRM_KEY_BYTES], wrong[CRM_KEY_BYTES], out[64];
	char sealed[CRM_SEALED_MAX];
	size_t len = sizeof(out);
	struct crm_error err = { 0 };

	(void)state;
	key_of(key, 3);
	key_of(wrong, 4);
	assert_int_equal(crm_secret_seal(key, rfc_secret, RFC_LEN, sealed,
		sizeof(sealed), &err), 0);
	assert_int_equal(crm_secret_open(wrong, sealed, out, &len, &err),
		CRM_EKEY);
	assert_int_equal(err.code, CRM_EKEY);
}

static void refuses_to_open_tampered_blob(void **state)
{
	unsigned char key[CRM_KEY_BYTES], out[64];
	char sealed[CRM_SEALED_MAX], bad[CRM_SEALED_MAX];
	size_t len, n;
	struct crm_error err = { 0 };

	(void)state;
	key_of(key, 3);
	assert_int_equal(crm_secret_seal(key, rfc_secret, RFC_LEN, sealed,
		sizeof(sealed), &err), 0);
	n = strlen(sealed);
	/* Every base64 character changed in turn (padding excepted). */
	for (size_t i = 3; i < n && sealed[i] != '='; i++) {
		strcpy(bad, sealed);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		len = sizeof(out);
		assert_int_equal(crm_secret_open(key, bad, out, &len, &err),
			CRM_EKEY);
	}
	len = sizeof(out);
	assert_int_equal(crm_secret_open(key, sealed + 3, out, &len, &err),
		CRM_EKEY);
	len = sizeof(out);
	assert_int_equal(crm_secret_open(key, "v1:", out, &len, &err), CRM_EKEY);
	len = sizeof(out);
	assert_int_equal(crm_secret_open(key, "v1:!!!!", out, &len, &err),
		CRM_EKEY);
	strcpy(bad, sealed);
	bad[n - 6] = '\0';	/* truncated */
	len = sizeof(out);
	assert_int_equal(crm_secret_open(key, bad, out, &len, &err), CRM_EKEY);
}

static void refuses_sealing_into_small_buffer(void **state)
{
	unsigned char key[CRM_KEY_BYTES];
	char small[40];
	struct crm_error err = { 0 };

	(void)state;
	key_of(key, 3);
	assert_int_equal(crm_secret_seal(key, rfc_secret, RFC_LEN, small,
		sizeof(small), &err), CRM_EINVAL);
}

static void builds_otpauth_uri_with_escaping(void **state)
{
	char uri[512];

	(void)state;
	assert_int_equal(crm_totp_uri("Hotel \xc3\x9c", "a b@x", rfc_secret,
		RFC_LEN, 6, uri, sizeof(uri)), 0);
	assert_string_equal(uri, "otpauth://totp/Hotel%20%C3%9C:a%20b%40x"
		"?secret=" RFC_B32 "&issuer=Hotel%20%C3%9C&digits=6&period=30");
	assert_int_equal(crm_totp_uri("ACME", "bob.smith_1~x-y", rfc_secret,
		RFC_LEN, 8, uri, sizeof(uri)), 0);
	assert_string_equal(uri, "otpauth://totp/ACME:bob.smith_1~x-y?secret="
		RFC_B32 "&issuer=ACME&digits=8&period=30");
	/* ':' '&' '?' '=' '/' in names cannot break the URI. */
	assert_int_equal(crm_totp_uri("a:b&c", "u?v=w/", rfc_secret, RFC_LEN,
		6, uri, sizeof(uri)), 0);
	assert_string_equal(uri, "otpauth://totp/a%3Ab%26c:u%3Fv%3Dw%2F?secret="
		RFC_B32 "&issuer=a%3Ab%26c&digits=6&period=30");
}

static void encodes_base32_without_padding(void **state)
{
	char uri[512];
	static const unsigned char one[] = { 0xff };

	(void)state;
	assert_int_equal(crm_totp_uri("I", "u", one, 1, 6, uri, sizeof(uri)), 0);
	assert_non_null(strstr(uri, "?secret=74&"));
	assert_int_equal(crm_totp_uri("I", "u", (const unsigned char *)"f", 1,
		6, uri, sizeof(uri)), 0);
	assert_non_null(strstr(uri, "?secret=MY&"));	/* RFC 4648: "MY======" */
	assert_int_equal(crm_totp_uri("I", "u", (const unsigned char *)"foobar",
		6, 6, uri, sizeof(uri)), 0);
	assert_non_null(strstr(uri, "?secret=MZXW6YTBOI&"));
}

static void refuses_uri_that_does_not_fit(void **state)
{
	char uri[60];

	(void)state;
	memset(uri, 'x', sizeof(uri));
	assert_int_equal(crm_totp_uri("Hotel", "alice", rfc_secret, RFC_LEN, 6,
		uri, sizeof(uri)), CRM_EINVAL);
	assert_null(strstr(uri, "GEZ"));
	assert_int_equal(crm_totp_uri("", "alice", rfc_secret, RFC_LEN, 6, uri,
		sizeof(uri)), CRM_EINVAL);
	assert_int_equal(crm_totp_uri("I", "", rfc_secret, RFC_LEN, 6, uri,
		sizeof(uri)), CRM_EINVAL);
}

static int recovery_format_ok(const char *c)
{
	static const char alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";

	if (strlen(c) != CRM_RECOVERY_LEN - 1 || c[4] != '-' || c[9] != '-')
		return 0;
	for (int i = 0; i < CRM_RECOVERY_LEN - 1; i++)
		if (i != 4 && i != 9 && strchr(alphabet, c[i]) == NULL)
			return 0;
	return 1;
}

static void makes_ten_distinct_recovery_codes(void **state)
{
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN];

	(void)state;
	assert_int_equal(crm_recovery_new(codes), 0);
	for (int i = 0; i < CRM_RECOVERY_COUNT; i++) {
		assert_true(recovery_format_ok(codes[i]));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(codes[i], codes[j]);
	}
}

static void verifies_each_recovery_code_only_against_its_hash(void **state)
{
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN];
	char hashes[CRM_RECOVERY_COUNT][CRM_CODE_HASH_LEN];
	unsigned char key[CRM_KEY_BYTES], wrong[CRM_KEY_BYTES];

	(void)state;
	key_of(key, 9);
	key_of(wrong, 10);
	assert_int_equal(crm_recovery_new(codes), 0);
	for (int i = 0; i < CRM_RECOVERY_COUNT; i++) {
		assert_int_equal(crm_code_hash(key, codes[i], hashes[i]), 0);
		assert_int_equal(strlen(hashes[i]), CRM_CODE_HASH_LEN - 1);
		assert_memory_equal(hashes[i], "k1:", 3);
		assert_null(strstr(hashes[i], codes[i]));
	}
	for (int i = 0; i < CRM_RECOVERY_COUNT; i++)
		for (int j = 0; j < CRM_RECOVERY_COUNT; j++)
			assert_int_equal(crm_code_verify(key, hashes[i],
				codes[j]), i == j);
	assert_int_equal(crm_code_verify(wrong, hashes[0], codes[0]), 0);
}

static void accepts_recovery_code_typed_in_upper_case_without_dashes(void **state)
{
	unsigned char key[CRM_KEY_BYTES];
	char hash[CRM_CODE_HASH_LEN];

	(void)state;
	key_of(key, 9);
	assert_int_equal(crm_code_hash(key, "abcd-efgh-jk", hash), 0);
	assert_int_equal(crm_code_verify(key, hash, "abcd-efgh-jk"), 1);
	assert_int_equal(crm_code_verify(key, hash, "ABCDEFGHJK"), 1);
	assert_int_equal(crm_code_verify(key, hash, "abcd efgh jk"), 1);
	assert_int_equal(crm_code_verify(key, hash, "abcd-efgh-jm"), 0);
	assert_int_equal(crm_code_verify(key, hash, ""), 0);
	assert_int_equal(crm_code_verify(key, hash, "---"), 0);
}

static void refuses_malformed_stored_hash(void **state)
{
	unsigned char key[CRM_KEY_BYTES];
	char hash[CRM_CODE_HASH_LEN];

	(void)state;
	key_of(key, 9);
	assert_int_equal(crm_code_hash(key, "123456", hash), 0);
	assert_int_equal(crm_code_verify(key, hash + 3, "123456"), 0);
	hash[10] = 'z';
	assert_int_equal(crm_code_verify(key, hash, "123456"), 0);
	assert_int_equal(crm_code_verify(key, "", "123456"), 0);
	assert_int_equal(crm_code_verify(key, NULL, "123456"), 0);
	assert_int_equal(crm_code_hash(key, "", hash), CRM_EINVAL);
}

static void makes_email_codes_of_requested_digits(void **state)
{
	char code[CRM_OTP_DIGITS_MAX + 1], hash[CRM_CODE_HASH_LEN];
	unsigned char key[CRM_KEY_BYTES];
	int differ = 0;

	(void)state;
	key_of(key, 5);
	for (int d = CRM_OTP_DIGITS_MIN; d <= CRM_OTP_DIGITS_MAX; d++) {
		char first[CRM_OTP_DIGITS_MAX + 1];

		assert_int_equal(crm_email_code_new(d, first), 0);
		assert_int_equal(strlen(first), d);
		assert_int_equal(strspn(first, "0123456789"), d);
		assert_int_equal(crm_email_code_new(d, code), 0);
		differ |= strcmp(first, code) != 0;
		assert_int_equal(crm_code_hash(key, code, hash), 0);
		assert_int_equal(crm_code_verify(key, hash, code), 1);
		assert_int_equal(crm_code_verify(key, hash, "0"), 0);
	}
	assert_true(differ);
	assert_int_equal(crm_email_code_new(5, code), CRM_EINVAL);
	assert_int_equal(crm_email_code_new(11, code), CRM_EINVAL);
}

static void masks_email_address(void **state)
{
	char out[64];

	(void)state;
	crm_mask_email("alice@example.com", out, sizeof(out));
	assert_string_equal(out, "a\xe2\x80\xa6@example.com");
	crm_mask_email("a@b.c", out, sizeof(out));
	assert_string_equal(out, "a\xe2\x80\xa6@b.c");
	crm_mask_email("bob", out, sizeof(out));
	assert_string_equal(out, "b\xe2\x80\xa6");
	crm_mask_email("@example.com", out, sizeof(out));
	assert_string_equal(out, "\xe2\x80\xa6@example.com");
	crm_mask_email("", out, sizeof(out));
	assert_string_equal(out, "\xe2\x80\xa6");
	crm_mask_email("\xc3\xa9lise@example.com", out, sizeof(out));
	assert_string_equal(out, "\xe2\x80\xa6@example.com");
	crm_mask_email("x@ex\nample", out, sizeof(out));
	assert_string_equal(out, "x\xe2\x80\xa6@ex?ample");
	crm_mask_email(NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

static void truncates_masked_address_at_character_boundary(void **state)
{
	char out[8];

	(void)state;
	crm_mask_email("alice@example.com", out, 4);
	assert_string_equal(out, "a");
	crm_mask_email("alice@example.com", out, 5);
	assert_string_equal(out, "a\xe2\x80\xa6");
	crm_mask_email("alice@example.com", out, sizeof(out));
	assert_string_equal(out, "a\xe2\x80\xa6@ex");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_rfc6238_sha1_vectors),
		cmocka_unit_test(accepts_six_digit_codes),
		cmocka_unit_test(accepts_neighbour_steps_within_window),
		cmocka_unit_test(accepts_only_current_step_with_window_zero),
		cmocka_unit_test(returns_same_step_for_replayed_code),
		cmocka_unit_test(refuses_malformed_codes),
		cmocka_unit_test(makes_fresh_random_secrets),
		cmocka_unit_test(opens_what_it_sealed),
		cmocka_unit_test(sealed_text_hides_the_secret),
		cmocka_unit_test(refuses_to_open_with_wrong_key),
		cmocka_unit_test(refuses_to_open_tampered_blob),
		cmocka_unit_test(refuses_sealing_into_small_buffer),
		cmocka_unit_test(builds_otpauth_uri_with_escaping),
		cmocka_unit_test(encodes_base32_without_padding),
		cmocka_unit_test(refuses_uri_that_does_not_fit),
		cmocka_unit_test(makes_ten_distinct_recovery_codes),
		cmocka_unit_test(verifies_each_recovery_code_only_against_its_hash),
		cmocka_unit_test(accepts_recovery_code_typed_in_upper_case_without_dashes),
		cmocka_unit_test(refuses_malformed_stored_hash),
		cmocka_unit_test(makes_email_codes_of_requested_digits),
		cmocka_unit_test(masks_email_address),
		cmocka_unit_test(truncates_masked_address_at_character_boundary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
