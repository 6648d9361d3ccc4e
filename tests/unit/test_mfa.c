/*
 * Unit tests of lib/mfa.c: which factor a policy asks of an account, TOTP
 * enrolment (sealed secret, replay protection, hashed recovery codes),
 * e-mailed codes (expiry, tries, address binding, purposes), the key file,
 * reset and removal, address verification and the mfa_append split.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <liboath/oath.h>

#include "crmpolicy/admin.h"
#include "crmpolicy/db.h"
#include "crmpolicy/mfa.h"
#include "crmpolicy/store.h"

#define PW "Gr3en-Apple!x"
#define ADDR "alice@example.com"
/* The time step of T0; T0 is a multiple of 30. */
#define S0 (T0 / CRM_TOTP_PERIOD)
/* A clock far enough after the enrolment at T0 for steps either side. */
#define LATER (T0 + 100 * CRM_TOTP_PERIOD)

/* ---- helpers ---- */

/* A tenv (conf_text as tenv_new) holding alice with a password. */
static struct tenv *env(const char *conf_text)
{
	struct tenv *t = tenv_new(conf_text);

	tenv_add_user(t, "alice", PW);
	return t;
}

static void state_of(struct tenv *t, const char *user,
	struct crm_mfa_state *st)
{
	struct crm_account a;
	struct crm_error e;

	tenv_get(t, user, &a);
	if (crm_mfa_state_get(t->ctx.db, &a, st, &e) != CRM_OK)
		fail_msg("state %s: %s", user, e.msg);
}

static void set_email(struct tenv *t, const char *user, const char *email,
	int verified)
{
	struct crm_error e;

	if (crm_admin_user_set_email(&t->ctx, user, email, verified, &e)
			!= CRM_OK)
		fail_msg("set email %s: %s", user, e.msg);
}

/* The TOTP code of step s of tenv_secret. */
static void code_at_step(int64_t s, char code[7])
{
	tenv_totp_code(s * CRM_TOTP_PERIOD, code);
}

/*
 * crm_mfa_check of code as factor for user inside one transaction, as
 * the phase functions call it; returns how the code fared.
 */
static enum crm_code_result check(struct tenv *t,
	const unsigned char key[CRM_KEY_BYTES], const char *user,
	enum crm_factor factor, const char *code, enum crm_factor *used)
{
	struct crm_policy pol;
	struct crm_account a;
	struct crm_error e;
	enum crm_code_result out = CRM_CODE_OK;
	enum crm_factor u;
	int tries = -1;

	tenv_resolve(t, user, &pol);
	tenv_get(t, user, &a);
	assert_int_equal(crm_store_begin(t->ctx.db, &e), CRM_OK);
	if (crm_mfa_check(&t->ctx, key, &pol, &a, factor, code, &u, &out,
			&tries, &e) != CRM_OK) {
		crm_store_rollback(t->ctx.db);
		fail_msg("mfa check %s: %s", user, e.msg);
	}
	assert_int_equal(crm_store_commit(t->ctx.db, &e), CRM_OK);
	if (used != NULL)
		*used = u;
	return out;
}

/* crm_mfa_code_new for user and purpose inside one transaction. */
static void code_new(struct tenv *t, const unsigned char key[CRM_KEY_BYTES],
	const char *user, const char *purpose, int64_t ttl, char code[7])
{
	struct crm_account a;
	struct crm_error e;

	tenv_get(t, user, &a);
	assert_int_equal(crm_store_begin(t->ctx.db, &e), CRM_OK);
	if (crm_mfa_code_new(&t->ctx, key, &a, purpose, 6, ttl, code, &e)
			!= CRM_OK) {
		crm_store_rollback(t->ctx.db);
		fail_msg("code new %s: %s", user, e.msg);
	}
	assert_int_equal(crm_store_commit(t->ctx.db, &e), CRM_OK);
}

/* crm_mfa_code_check for user inside one transaction; *left unless NULL. */
static enum crm_code_result code_check(struct tenv *t,
	const unsigned char key[CRM_KEY_BYTES], const char *user,
	const char *purpose, const char *code, int *left)
{
	struct crm_account a;
	struct crm_error e;
	enum crm_code_result out = CRM_CODE_OK;
	int tries = -1;

	tenv_get(t, user, &a);
	assert_int_equal(crm_store_begin(t->ctx.db, &e), CRM_OK);
	if (crm_mfa_code_check(&t->ctx, key, &a, purpose, code, &out, &tries,
			&e) != CRM_OK) {
		crm_store_rollback(t->ctx.db);
		fail_msg("code check %s: %s", user, e.msg);
	}
	assert_int_equal(crm_store_commit(t->ctx.db, &e), CRM_OK);
	if (left != NULL)
		*left = tries;
	return out;
}

/* Replaces the key file with one of fresh random bytes, loaded into key. */
static void replace_key(struct tenv *t, unsigned char key[CRM_KEY_BYTES])
{
	assert_int_equal(unlink(t->cfg.str[CRM_K_KEY_FILE]), 0);
	tenv_key(t, key);
}

static long long rows(struct tenv *t, const char *sql)
{
	return tenv_query_int(t, sql, NULL, NULL);
}

/* 1 if the file at path holds the len bytes of needle; 0 if not or absent. */
static int file_holds(const char *path, const void *needle, size_t len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	int found;

	if (f == NULL)
		return 0;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	found = memmem(buf, (size_t)n, needle, len) != NULL;
	free(buf);
	return found;
}

/*
 * 1 if a row of any table of the test's schema on the server holds the
 * bytes, in the text form of its columns (query_to_xml runs the SELECT
 * of each table that a plain statement cannot name by a variable).
 */
static int server_holds(struct tenv *t, const void *needle, size_t len)
{
	const char *vals[1] = { needle };
	const int lens[1] = { (int)len }, fmts[1] = { 1 };
	PGresult *res;
	int found;

	res = PQexecParams(t->pg, "SELECT count(*) FROM pg_catalog.pg_tables"
		" t WHERE t.schemaname = current_schema() AND position($1::bytea"
		" IN convert_to(query_to_xml(format('SELECT * FROM %I.%I',"
		" t.schemaname, t.tablename), false, false, '')::text, 'UTF8'))"
		" > 0", 1, NULL, vals, lens, fmts, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("server_holds: %s", PQresultErrorMessage(res));
	found = strtol(PQgetvalue(res, 0, 0), NULL, 10) > 0;
	PQclear(res);
	return found;
}

/*
 * 1 if the store's database file or its WAL holds the bytes; on
 * PostgreSQL, whose files are the server's, if one of its rows does.
 */
static int store_holds(struct tenv *t, const void *needle, size_t len)
{
	char path[512];
	int found;

	if (tenv_pg())
		return server_holds(t, needle, len);
	snprintf(path, sizeof(path), "%s/crmpolicy.db", t->dir);
	found = file_holds(path, needle, len);
	snprintf(path, sizeof(path), "%s/crmpolicy.db-wal", t->dir);
	return found || file_holds(path, needle, len);
}

/* ---- the decision ---- */

static int decide(int mfa, int nullok, int totp, int verified,
	enum crm_factor *f, const char **why)
{
	struct crm_policy pol;
	struct crm_mfa_state st;

	memset(&pol, 0, sizeof(pol));
	memset(&st, 0, sizeof(st));
	pol.num[CRM_K_MFA] = mfa;
	pol.num[CRM_K_MFA_NULLOK] = nullok;
	st.totp = totp;
	st.email_verified = verified;
	*f = (enum crm_factor)99;
	*why = "unset";
	return crm_mfa_decide(&pol, &st, f, why);
}

static void decide_none_asks_nothing_whatever_the_state(void **state)
{
	enum crm_factor f;
	const char *why;

	(void)state;
	for (int bits = 0; bits < 8; bits++) {
		assert_int_equal(decide(CRM_MFA_NONE, bits & 1, (bits >> 1) & 1,
			(bits >> 2) & 1, &f, &why), CRM_OK);
		assert_int_equal(f, CRM_FACTOR_NONE);
		assert_null(why);
	}
}

static void decide_totp_asks_totp_of_enrolled_account(void **state)
{
	enum crm_factor f;
	const char *why;

	(void)state;
	for (int bits = 0; bits < 4; bits++) {
		assert_int_equal(decide(CRM_MFA_TOTP, bits & 1, 1, (bits >> 1) & 1,
			&f, &why), CRM_OK);
		assert_int_equal(f, CRM_FACTOR_TOTP);
		assert_null(why);
	}
}

static void decide_totp_refuses_unenrolled_account_unless_nullok(void **state)
{
	enum crm_factor f;
	const char *why;

	(void)state;
	/* A verified address is no substitute for TOTP. */
	for (int verified = 0; verified < 2; verified++) {
		assert_int_equal(decide(CRM_MFA_TOTP, 0, 0, verified, &f, &why),
			CRM_EPOLICY);
		assert_int_equal(f, CRM_FACTOR_NONE);
		assert_non_null(why);
		assert_non_null(strstr(why, "TOTP"));
		assert_int_equal(decide(CRM_MFA_TOTP, 1, 0, verified, &f, &why),
			CRM_OK);
		assert_int_equal(f, CRM_FACTOR_NONE);
		assert_null(why);
	}
}

static void decide_email_asks_code_to_verified_address(void **state)
{
	enum crm_factor f;
	const char *why;

	(void)state;
	for (int bits = 0; bits < 4; bits++) {
		assert_int_equal(decide(CRM_MFA_EMAIL, bits & 1, (bits >> 1) & 1,
			1, &f, &why), CRM_OK);
		assert_int_equal(f, CRM_FACTOR_EMAIL);
		assert_null(why);
	}
}

static void decide_email_refuses_unverified_address_even_with_nullok(
	void **state)
{
	enum crm_factor f;
	const char *why;

	(void)state;
	/* mfa_nullok is about TOTP enrolment; TOTP does not stand in. */
	for (int bits = 0; bits < 4; bits++) {
		assert_int_equal(decide(CRM_MFA_EMAIL, bits & 1, (bits >> 1) & 1,
			0, &f, &why), CRM_EPOLICY);
		assert_int_equal(f, CRM_FACTOR_NONE);
		assert_non_null(why);
		assert_non_null(strstr(why, "verified e-mail"));
	}
}

static void decide_any_prefers_totp_then_verified_email(void **state)
{
	enum crm_factor f;
	const char *why;

	(void)state;
	for (int nullok = 0; nullok < 2; nullok++) {
		assert_int_equal(decide(CRM_MFA_ANY, nullok, 1, 1, &f, &why),
			CRM_OK);
		assert_int_equal(f, CRM_FACTOR_TOTP);
		assert_int_equal(decide(CRM_MFA_ANY, nullok, 1, 0, &f, &why),
			CRM_OK);
		assert_int_equal(f, CRM_FACTOR_TOTP);
		assert_int_equal(decide(CRM_MFA_ANY, nullok, 0, 1, &f, &why),
			CRM_OK);
		assert_int_equal(f, CRM_FACTOR_EMAIL);
		assert_null(why);
	}
}

static void decide_any_refuses_account_without_either_unless_nullok(
	void **state)
{
	enum crm_factor f;
	const char *why;

	(void)state;
	assert_int_equal(decide(CRM_MFA_ANY, 0, 0, 0, &f, &why), CRM_EPOLICY);
	assert_int_equal(f, CRM_FACTOR_NONE);
	assert_non_null(why);
	assert_int_equal(decide(CRM_MFA_ANY, 1, 0, 0, &f, &why), CRM_OK);
	assert_int_equal(f, CRM_FACTOR_NONE);
	assert_null(why);
}

static void decide_refuses_unknown_mfa_value(void **state)
{
	enum crm_factor f;
	const char *why;

	(void)state;
	assert_int_equal(decide(42, 1, 1, 1, &f, &why), CRM_EPOLICY);
	assert_int_equal(f, CRM_FACTOR_NONE);
	assert_non_null(why);
}

static void decide_follows_policy_resolved_from_conf(void **state)
{
	struct tenv *t = env("mfa = totp\nmfa_nullok = yes\n");
	struct crm_policy pol;
	struct crm_mfa_state st;
	enum crm_factor f;
	const char *why;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	state_of(t, "alice", &st);
	assert_int_equal(crm_mfa_decide(&pol, &st, &f, &why), CRM_OK);
	assert_int_equal(f, CRM_FACTOR_NONE);
	tenv_enroll(t, "alice", NULL);
	state_of(t, "alice", &st);
	assert_int_equal(crm_mfa_decide(&pol, &st, &f, &why), CRM_OK);
	assert_int_equal(f, CRM_FACTOR_TOTP);
	tenv_free(t);
}

/* ---- state ---- */

static void state_of_new_account_holds_nothing(void **state)
{
	struct tenv *t = env(NULL);
	struct crm_mfa_state st;

	(void)state;
	memset(&st, 0x55, sizeof(st));
	state_of(t, "alice", &st);
	assert_int_equal(st.totp, 0);
	assert_int_equal(st.totp_enrolled, 0);
	assert_int_equal(st.recovery_left, 0);
	assert_int_equal(st.email_verified, 0);
	tenv_free(t);
}

static void state_reports_enrolment_and_recovery_codes_left(void **state)
{
	struct tenv *t = env(NULL);
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN];
	unsigned char key[CRM_KEY_BYTES];
	struct crm_mfa_state st;

	(void)state;
	t->ctx.now = T0 + 300;
	tenv_enroll(t, "alice", codes);
	tenv_add_user(t, "bob", PW);
	state_of(t, "alice", &st);
	assert_int_equal(st.totp, 1);
	assert_int_equal(st.totp_enrolled, T0 + 300);
	assert_int_equal(st.recovery_left, CRM_RECOVERY_COUNT);
	tenv_key(t, key);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, codes[3], NULL),
		CRM_CODE_OK);
	state_of(t, "alice", &st);
	assert_int_equal(st.recovery_left, CRM_RECOVERY_COUNT - 1);
	/* Another account's enrolment is not alice's. */
	state_of(t, "bob", &st);
	assert_int_equal(st.totp, 0);
	assert_int_equal(st.recovery_left, 0);
	tenv_free(t);
}

static void state_counts_only_verified_address(void **state)
{
	struct tenv *t = env(NULL);
	struct crm_mfa_state st;

	(void)state;
	set_email(t, "alice", ADDR, 0);
	state_of(t, "alice", &st);
	assert_int_equal(st.email_verified, 0);
	set_email(t, "alice", NULL, 1);
	state_of(t, "alice", &st);
	assert_int_equal(st.email_verified, 1);
	/* A verified flag without an address reaches nobody. */
	tenv_exec_ok(t, "UPDATE accounts SET email = '', email_verified = 1"
		" WHERE name = 'alice'");
	state_of(t, "alice", &st);
	assert_int_equal(st.email_verified, 0);
	tenv_free(t);
}

/* ---- enrolment ---- */

static void enroll_with_right_code_activates_totp_and_audits(void **state)
{
	struct tenv *t = env(NULL);
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN], code[7];
	struct crm_mfa_state st;
	struct crm_error e;

	(void)state;
	tenv_enroll(t, "alice", codes);
	state_of(t, "alice", &st);
	assert_int_equal(st.totp, 1);
	assert_int_equal(rows(t, "SELECT count(*) FROM totp"), 1);
	assert_int_equal(rows(t, "SELECT last_step FROM totp"), S0);
	assert_int_equal(tenv_count_events(t, "mfa.enroll", "alice"), 1);
	assert_true(tenv_has_event(t, "mfa.enroll", "alice",
		"factor=totp by=self recovery_codes=10"));
	/* An admin's enrolment says so. */
	tenv_add_user(t, "bob", PW);
	tenv_totp_code(t->ctx.now, code);
	assert_int_equal(crm_totp_enroll(&t->ctx, "bob", tenv_secret,
		TENV_SECRET_LEN, code, 1, codes, &e), CRM_OK);
	assert_true(tenv_has_event(t, "mfa.enroll", "bob", "by=admin"));
	tenv_free(t);
}

static void enroll_accepts_code_of_neighbour_step_within_window(void **state)
{
	struct tenv *t = env("totp_window = 1\n");
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN], code[7];
	struct crm_error e;

	(void)state;
	tenv_key(t, NULL);
	/* A phone a little behind: the code of the previous step. */
	code_at_step(S0 - 1, code);
	assert_int_equal(crm_totp_enroll(&t->ctx, "alice", tenv_secret,
		TENV_SECRET_LEN, code, 0, codes, &e), CRM_OK);
	assert_int_equal(rows(t, "SELECT last_step FROM totp"), S0 - 1);
	tenv_free(t);
}

static void enroll_with_wrong_code_refuses_and_stores_nothing(void **state)
{
	struct tenv *t = env(NULL);
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN], code[7], wrong[7];
	static const char zero[sizeof(codes)];
	struct crm_error e;
	const char *bad[] = { wrong, "", "abcdef", "12345", "1234567" };

	(void)state;
	tenv_key(t, NULL);
	tenv_totp_code(t->ctx.now, code);
	tenv_other_code(code, wrong);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(codes, 'x', sizeof(codes));
		crm_error_clear(&e);
		assert_int_equal(crm_totp_enroll(&t->ctx, "alice", tenv_secret,
			TENV_SECRET_LEN, bad[i], 0, codes, &e), CRM_EPOLICY);
		assert_int_equal(e.code, CRM_EPOLICY);
		/* No recovery code is handed out for a refused enrolment. */
		assert_memory_equal(codes, zero, sizeof(codes));
	}
	/* A code far from now is wrong too. */
	code_at_step(S0 + 10, wrong);
	assert_int_equal(crm_totp_enroll(&t->ctx, "alice", tenv_secret,
		TENV_SECRET_LEN, wrong, 0, codes, &e), CRM_EPOLICY);
	assert_int_equal(rows(t, "SELECT count(*) FROM totp"), 0);
	assert_int_equal(rows(t, "SELECT count(*) FROM recovery_codes"), 0);
	assert_int_equal(tenv_count_events(t, "mfa.enroll", "alice"), 0);
	/* The right code still enrols afterwards. */
	assert_int_equal(crm_totp_enroll(&t->ctx, "alice", tenv_secret,
		TENV_SECRET_LEN, code, 0, codes, &e), CRM_OK);
	tenv_free(t);
}

static void enroll_twice_refused_and_keeps_first_enrolment(void **state)
{
	struct tenv *t = env(NULL);
	char first[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN];
	char again[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN], code[7];
	unsigned char key[CRM_KEY_BYTES];
	struct crm_error e;

	(void)state;
	tenv_enroll(t, "alice", first);
	t->ctx.now = LATER;
	tenv_totp_code(t->ctx.now, code);
	crm_error_clear(&e);
	assert_int_equal(crm_totp_enroll(&t->ctx, "alice", tenv_secret,
		TENV_SECRET_LEN, code, 0, again, &e), CRM_EEXIST);
	assert_int_equal(e.code, CRM_EEXIST);
	assert_int_equal(tenv_count_events(t, "mfa.enroll", "alice"), 1);
	assert_int_equal(rows(t, "SELECT count(*) FROM totp"), 1);
	assert_int_equal(rows(t, "SELECT last_step FROM totp"), S0);
	assert_int_equal(rows(t, "SELECT count(*) FROM recovery_codes"),
		CRM_RECOVERY_COUNT);
	/* The first recovery codes still work, and the refused code was not
	 * spent. */
	tenv_key(t, key);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, first[0], NULL),
		CRM_CODE_OK);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, code, NULL),
		CRM_CODE_OK);
	tenv_free(t);
}

static void enroll_unknown_or_invalid_user_refused(void **state)
{
	struct tenv *t = env(NULL);
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN], code[7];
	struct crm_error e;

	(void)state;
	tenv_key(t, NULL);
	tenv_totp_code(t->ctx.now, code);
	assert_int_equal(crm_totp_enroll(&t->ctx, "mallory", tenv_secret,
		TENV_SECRET_LEN, code, 0, codes, &e), CRM_ENOENT);
	assert_non_null(strstr(e.msg, "mallory"));
	assert_int_equal(crm_totp_enroll(&t->ctx, "bad\nname", tenv_secret,
		TENV_SECRET_LEN, code, 0, codes, &e), CRM_EINVAL);
	assert_int_equal(rows(t, "SELECT count(*) FROM totp"), 0);
	assert_int_equal(rows(t, "SELECT count(*) FROM audit WHERE"
		" event = 'mfa.enroll'"), 0);
	tenv_free(t);
}

static void enrolment_code_cannot_be_used_again(void **state)
{
	struct tenv *t = env(NULL);
	unsigned char key[CRM_KEY_BYTES];
	char code[7], next[7];

	(void)state;
	tenv_enroll(t, "alice", NULL);
	tenv_key(t, key);
	tenv_totp_code(T0, code);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, code, NULL),
		CRM_CODE_REPLAYED);
	/* Later in the same step: still the step already used. */
	t->ctx.now = T0 + 29;
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, code, NULL),
		CRM_CODE_REPLAYED);
	/* The next step's code is new. */
	t->ctx.now = T0 + 30;
	tenv_totp_code(t->ctx.now, next);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, next, NULL),
		CRM_CODE_OK);
	tenv_free(t);
}

static void enroll_returns_ten_recovery_codes_stored_only_hashed(void **state)
{
	struct tenv *t = env(NULL);
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN];
	unsigned char key[CRM_KEY_BYTES];
	struct crm_account a;
	struct crm_stmt *st;
	struct crm_error e;
	int matched[CRM_RECOVERY_COUNT] = { 0 };
	int n = 0;

	(void)state;
	tenv_enroll(t, "alice", codes);
	tenv_key(t, key);
	for (int i = 0; i < CRM_RECOVERY_COUNT; i++) {
		assert_int_equal(strlen(codes[i]), CRM_RECOVERY_LEN - 1);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(codes[i], codes[j]);
	}
	/* Every row of the table is alice's, and is looked at below. */
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM recovery_codes",
		NULL, NULL), CRM_RECOVERY_COUNT);
	tenv_get(t, "alice", &a);
	assert_int_equal(crm_db_prepare(t->ctx.db, CRM_Q_MFA_RECOVERY_LIST, &st,
		&e), CRM_OK);
	crm_bind_int(st, 1, a.id);
	while (crm_stmt_step(st) == CRM_STEP_ROW) {
		const char *h = crm_col_text(st, 1);

		n++;
		assert_memory_equal(h, "k1:", 3);
		assert_int_equal(strlen(h), CRM_CODE_HASH_LEN - 1);
		/* Each stored hash belongs to exactly one returned code. */
		for (int i = 0; i < CRM_RECOVERY_COUNT; i++) {
			assert_null(strstr(h, codes[i]));
			matched[i] += crm_code_verify(key, h, codes[i]);
		}
	}
	crm_stmt_done(st);
	assert_int_equal(n, CRM_RECOVERY_COUNT);
	for (int i = 0; i < CRM_RECOVERY_COUNT; i++) {
		char bare[CRM_RECOVERY_LEN];

		assert_int_equal(matched[i], 1);
		/* Neither as shown nor without its dashes. */
		assert_false(store_holds(t, codes[i], strlen(codes[i])));
		memcpy(bare, codes[i], 4);
		memcpy(bare + 4, codes[i] + 5, 4);
		memcpy(bare + 8, codes[i] + 10, 2);
		assert_false(store_holds(t, bare, 10));
	}
	tenv_free(t);
}

static void stored_secret_is_sealed_and_never_in_the_store(void **state)
{
	struct tenv *t = env(NULL);
	unsigned char key[CRM_KEY_BYTES], opened[64];
	char *b32 = NULL, sealed[CRM_SEALED_MAX];
	size_t b32len = 0, len = sizeof(opened);
	struct crm_account a;
	struct crm_stmt *st;
	struct crm_error e;

	(void)state;
	tenv_enroll(t, "alice", NULL);
	tenv_key(t, key);
	assert_int_equal(oath_init(), OATH_OK);
	assert_int_equal(oath_base32_encode((const char *)tenv_secret,
		TENV_SECRET_LEN, &b32, &b32len), OATH_OK);
	/* The table's one row, alice's. */
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM totp", NULL,
		NULL), 1);
	tenv_get(t, "alice", &a);
	assert_int_equal(crm_db_prepare(t->ctx.db, CRM_Q_MFA_TOTP_GET, &st,
		&e), CRM_OK);
	crm_bind_int(st, 1, a.id);
	assert_int_equal(crm_stmt_step(st), CRM_STEP_ROW);
	snprintf(sealed, sizeof(sealed), "%s", crm_col_text(st, 0));
	assert_int_equal(crm_col_bytes(st, 0), strlen(sealed));
	crm_stmt_done(st);
	assert_memory_equal(sealed, "v1:", 3);
	assert_null(memmem(sealed, strlen(sealed), tenv_secret, TENV_SECRET_LEN));
	assert_null(strstr(sealed, b32));
	/* It is the secret, sealed under the key file. */
	assert_int_equal(crm_secret_open(key, sealed, opened, &len, &e), CRM_OK);
	assert_int_equal(len, TENV_SECRET_LEN);
	assert_memory_equal(opened, tenv_secret, TENV_SECRET_LEN);
	/* Nowhere in the database file or its log, raw or in base32, nor a
	 * long part of either. */
	if (!tenv_pg())
		assert_int_equal(sqlite3_exec(crm_db_sqlite(t->ctx.db),
			"PRAGMA wal_checkpoint(FULL)", NULL, NULL, NULL),
			SQLITE_OK);
	assert_true(store_holds(t, "mfa.enroll", 10));
	assert_false(store_holds(t, tenv_secret, TENV_SECRET_LEN));
	assert_false(store_holds(t, tenv_secret, 8));
	assert_false(store_holds(t, tenv_secret + 12, 8));
	assert_false(store_holds(t, b32, strlen(b32)));
	assert_false(store_holds(t, b32, 12));
	assert_false(store_holds(t, b32 + 20, 12));
	free(b32);
	tenv_free(t);
}

/* ---- checking a TOTP code ---- */

/* Steps -w..+w of LATER are accepted, w+1 either side refused. */
static void assert_window(int w)
{
	char conf[64], code[7];
	struct tenv *t;
	unsigned char key[CRM_KEY_BYTES];
	struct crm_policy pol;
	enum crm_factor used;
	const int64_t now = LATER / CRM_TOTP_PERIOD;

	snprintf(conf, sizeof(conf), "totp_window = %d\n", w);
	t = env(conf);
	tenv_resolve(t, "alice", &pol);
	assert_int_equal(pol.num[CRM_K_TOTP_WINDOW], w);
	tenv_enroll(t, "alice", NULL);
	tenv_key(t, key);
	t->ctx.now = LATER;
	/* First the refused ones, so that no newer step was used yet. */
	code_at_step(now + w + 1, code);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, code, &used),
		CRM_CODE_WRONG);
	code_at_step(now - w - 1, code);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, code, &used),
		CRM_CODE_WRONG);
	assert_int_equal(rows(t, "SELECT last_step FROM totp"), S0);
	/* Then every step in the window, oldest first. */
	for (int64_t s = now - w; s <= now + w; s++) {
		code_at_step(s, code);
		used = CRM_FACTOR_NONE;
		assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, code,
			&used), CRM_CODE_OK);
		assert_int_equal(used, CRM_FACTOR_TOTP);
		assert_int_equal(rows(t, "SELECT last_step FROM totp"), s);
	}
	tenv_free(t);
}

static void totp_accepts_steps_within_window_and_refuses_beyond(void **state)
{
	(void)state;
	assert_window(0);
	assert_window(1);
	assert_window(3);
}

static void totp_code_used_once_is_refused_as_replayed(void **state)
{
	struct tenv *t = env("totp_window = 2\n");
	unsigned char key[CRM_KEY_BYTES];
	char code[7], older[7], newer[7];
	const int64_t now = LATER / CRM_TOTP_PERIOD;

	(void)state;
	tenv_enroll(t, "alice", NULL);
	tenv_key(t, key);
	t->ctx.now = LATER;
	code_at_step(now, code);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, code, NULL),
		CRM_CODE_OK);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, code, NULL),
		CRM_CODE_REPLAYED);
	/* An older step, inside the window, after a newer one was used. */
	code_at_step(now - 1, older);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, older, NULL),
		CRM_CODE_REPLAYED);
	assert_int_equal(rows(t, "SELECT last_step FROM totp"), now);
	/* A refused replay does not block the next step. */
	code_at_step(now + 1, newer);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, newer, NULL),
		CRM_CODE_OK);
	tenv_free(t);
}

static void totp_check_refuses_wrong_missing_and_unenrolled(void **state)
{
	struct tenv *t = env(NULL);
	unsigned char key[CRM_KEY_BYTES];
	char code[7], wrong[7];

	(void)state;
	tenv_add_user(t, "bob", PW);
	tenv_enroll(t, "alice", NULL);
	tenv_key(t, key);
	t->ctx.now = LATER;
	tenv_totp_code(t->ctx.now, code);
	tenv_other_code(code, wrong);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, wrong, NULL),
		CRM_CODE_WRONG);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, NULL, NULL),
		CRM_CODE_WRONG);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, "", NULL),
		CRM_CODE_WRONG);
	/* bob has no secret: alice's code is nothing to him. */
	assert_int_equal(check(t, key, "bob", CRM_FACTOR_TOTP, code, NULL),
		CRM_CODE_WRONG);
	assert_int_equal(rows(t, "SELECT last_step FROM totp"), S0);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, code, NULL),
		CRM_CODE_OK);
	tenv_free(t);
}

static void check_refuses_factor_that_takes_no_code(void **state)
{
	struct tenv *t = env(NULL);
	unsigned char key[CRM_KEY_BYTES];
	struct crm_policy pol;
	struct crm_account a;
	struct crm_error e;
	enum crm_code_result out;
	enum crm_factor used;
	int tries;

	(void)state;
	tenv_key(t, key);
	tenv_resolve(t, "alice", &pol);
	tenv_get(t, "alice", &a);
	assert_int_equal(crm_mfa_check(&t->ctx, key, &pol, &a, CRM_FACTOR_NONE,
		"123456", &used, &out, &tries, &e), CRM_EINVAL);
	assert_int_equal(out, CRM_CODE_WRONG);
	assert_int_equal(crm_mfa_check(&t->ctx, key, &pol, &a,
		CRM_FACTOR_RECOVERY, "abcd-efgh-jk", &used, &out, &tries, &e),
		CRM_EINVAL);
	tenv_free(t);
}

static void recovery_code_works_once(void **state)
{
	struct tenv *t = env(NULL);
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN];
	unsigned char key[CRM_KEY_BYTES];
	enum crm_factor used = CRM_FACTOR_NONE;

	(void)state;
	tenv_enroll(t, "alice", codes);
	tenv_key(t, key);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, codes[0],
		&used), CRM_CODE_OK);
	assert_int_equal(used, CRM_FACTOR_RECOVERY);
	assert_int_equal(rows(t, "SELECT count(*) FROM recovery_codes"),
		CRM_RECOVERY_COUNT - 1);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, codes[0],
		&used), CRM_CODE_WRONG);
	assert_int_equal(used, CRM_FACTOR_RECOVERY);
	/* The others are untouched. */
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, codes[9],
		&used), CRM_CODE_OK);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, "zzzz-zzzz-zz",
		&used), CRM_CODE_WRONG);
	assert_int_equal(rows(t, "SELECT count(*) FROM recovery_codes"),
		CRM_RECOVERY_COUNT - 2);
	tenv_free(t);
}

static void recovery_code_accepted_upper_case_without_dashes(void **state)
{
	struct tenv *t = env(NULL);
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN];
	unsigned char key[CRM_KEY_BYTES];
	char upper[CRM_RECOVERY_LEN], bare[CRM_RECOVERY_LEN];
	enum crm_factor used;
	size_t n = 0;

	(void)state;
	tenv_enroll(t, "alice", codes);
	tenv_key(t, key);
	for (size_t i = 0; codes[1][i] != '\0'; i++) {
		char c = codes[1][i];

		upper[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
		if (c != '-')
			bare[n++] = upper[i];
	}
	upper[CRM_RECOVERY_LEN - 1] = '\0';
	bare[n] = '\0';
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, bare, &used),
		CRM_CODE_OK);
	assert_int_equal(used, CRM_FACTOR_RECOVERY);
	/* It was that code: the same one typed as shown is now spent. */
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, codes[1], &used),
		CRM_CODE_WRONG);
	for (size_t i = 0; codes[2][i] != '\0'; i++)
		upper[i] = (codes[2][i] >= 'a' && codes[2][i] <= 'z') ?
			(char)(codes[2][i] - 'a' + 'A') : codes[2][i];
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, upper, &used),
		CRM_CODE_OK);
	assert_int_equal(rows(t, "SELECT count(*) FROM recovery_codes"),
		CRM_RECOVERY_COUNT - 2);
	tenv_free(t);
}

/* ---- e-mailed codes ---- */

static void email_code_accepted_once(void **state)
{
	struct tenv *t = env(NULL);
	unsigned char key[CRM_KEY_BYTES];
	char code[7];
	int left = -1;

	(void)state;
	tenv_key(t, key);
	set_email(t, "alice", ADDR, 1);
	code_new(t, key, "alice", "login", 300, code);
	assert_int_equal(strlen(code), 6);
	assert_int_equal(strspn(code, "0123456789"), 6);
	/* Stored as a keyed hash, bound to the address, for ttl seconds. */
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM otp_codes"
		" WHERE purpose = 'login' AND address = ?1 AND hash LIKE 'k1:%'",
		ADDR, NULL), 1);
	assert_int_equal(tenv_query_int(t, tenv_pg() ?
		"SELECT count(*) FROM otp_codes WHERE strpos(hash, ?1) > 0" :
		"SELECT count(*) FROM otp_codes WHERE instr(hash, ?1) > 0",
		code, NULL), 0);
	assert_int_equal(rows(t, "SELECT expires FROM otp_codes"), T0 + 300);
	assert_int_equal(code_check(t, key, "alice", "login", code, &left),
		CRM_CODE_OK);
	assert_int_equal(rows(t, "SELECT count(*) FROM otp_codes"), 0);
	assert_int_equal(code_check(t, key, "alice", "login", code, &left),
		CRM_CODE_EXPIRED);
	tenv_free(t);
}

static void email_code_expires_after_ttl(void **state)
{
	struct tenv *t = env(NULL);
	unsigned char key[CRM_KEY_BYTES];
	char code[7];

	(void)state;
	tenv_key(t, key);
	set_email(t, "alice", ADDR, 1);
	code_new(t, key, "alice", "login", 300, code);
	t->ctx.now = T0 + 299;
	assert_int_equal(code_check(t, key, "alice", "login", code, NULL),
		CRM_CODE_OK);
	t->ctx.now = T0 + 1000;
	code_new(t, key, "alice", "login", 300, code);
	t->ctx.now = T0 + 1300;
	assert_int_equal(code_check(t, key, "alice", "login", code, NULL),
		CRM_CODE_EXPIRED);
	/* The expired code is gone: turning the clock back does not help. */
	t->ctx.now = T0 + 1001;
	assert_int_equal(code_check(t, key, "alice", "login", code, NULL),
		CRM_CODE_EXPIRED);
	tenv_free(t);
}

static void email_code_spent_after_three_wrong_tries(void **state)
{
	struct tenv *t = env(NULL);
	unsigned char key[CRM_KEY_BYTES];
	char code[7], wrong[7];
	int left = -1;

	(void)state;
	tenv_key(t, key);
	set_email(t, "alice", ADDR, 1);
	code_new(t, key, "alice", "login", 300, code);
	tenv_other_code(code, wrong);
	for (int i = 0; i < CRM_CODE_TRIES; i++) {
		assert_int_equal(code_check(t, key, "alice", "login", wrong,
			&left), CRM_CODE_WRONG);
		assert_int_equal(left, CRM_CODE_TRIES - 1 - i);
	}
	assert_int_equal(code_check(t, key, "alice", "login", code, &left),
		CRM_CODE_SPENT);
	assert_int_equal(left, 0);
	tenv_free(t);
}

static void email_code_right_after_two_wrong_tries(void **state)
{
	struct tenv *t = env(NULL);
	unsigned char key[CRM_KEY_BYTES];
	char code[7], wrong[7];

	(void)state;
	tenv_key(t, key);
	set_email(t, "alice", ADDR, 1);
	code_new(t, key, "alice", "login", 300, code);
	tenv_other_code(code, wrong);
	for (int i = 0; i < CRM_CODE_TRIES - 1; i++)
		assert_int_equal(code_check(t, key, "alice", "login", wrong,
			NULL), CRM_CODE_WRONG);
	assert_int_equal(code_check(t, key, "alice", "login", code, NULL),
		CRM_CODE_OK);
	tenv_free(t);
}

static void email_code_sent_before_address_changed_is_refused(void **state)
{
	struct tenv *t = env(NULL);
	unsigned char key[CRM_KEY_BYTES];
	char code[7];

	(void)state;
	tenv_key(t, key);
	set_email(t, "alice", ADDR, 1);
	code_new(t, key, "alice", "login", 300, code);
	set_email(t, "alice", "mallory@example.net", 1);
	assert_int_equal(code_check(t, key, "alice", "login", code, NULL),
		CRM_CODE_EXPIRED);
	/* Changing it back does not revive it. */
	set_email(t, "alice", ADDR, 1);
	assert_int_equal(code_check(t, key, "alice", "login", code, NULL),
		CRM_CODE_EXPIRED);
	tenv_free(t);
}

static void new_email_code_replaces_earlier_one(void **state)
{
	struct tenv *t = env(NULL);
	unsigned char key[CRM_KEY_BYTES];
	char first[7], second[7];

	(void)state;
	tenv_key(t, key);
	set_email(t, "alice", ADDR, 1);
	code_new(t, key, "alice", "login", 300, first);
	do
		code_new(t, key, "alice", "login", 300, second);
	while (strcmp(first, second) == 0);
	assert_int_equal(rows(t, "SELECT count(*) FROM otp_codes"), 1);
	assert_int_equal(code_check(t, key, "alice", "login", first, NULL),
		CRM_CODE_WRONG);
	assert_int_equal(code_check(t, key, "alice", "login", second, NULL),
		CRM_CODE_OK);
	tenv_free(t);
}

static void email_code_purposes_are_independent(void **state)
{
	struct tenv *t = env(NULL);
	unsigned char key[CRM_KEY_BYTES];
	char login[7], verify[7];

	(void)state;
	tenv_key(t, key);
	set_email(t, "alice", ADDR, 0);
	code_new(t, key, "alice", "login", 300, login);
	do
		code_new(t, key, "alice", "verify", CRM_VERIFY_TTL, verify);
	while (strcmp(login, verify) == 0);
	assert_int_equal(rows(t, "SELECT count(*) FROM otp_codes"), 2);
	assert_int_equal(code_check(t, key, "alice", "login", verify, NULL),
		CRM_CODE_WRONG);
	assert_int_equal(code_check(t, key, "alice", "verify", login, NULL),
		CRM_CODE_WRONG);
	assert_int_equal(code_check(t, key, "alice", "login", login, NULL),
		CRM_CODE_OK);
	/* Using the login code left the verification code pending. */
	assert_int_equal(code_check(t, key, "alice", "verify", verify, NULL),
		CRM_CODE_OK);
	assert_int_equal(rows(t, "SELECT count(*) FROM otp_codes"), 0);
	tenv_free(t);
}

static void email_factor_checks_pending_login_code(void **state)
{
	struct tenv *t = env(NULL);
	unsigned char key[CRM_KEY_BYTES];
	char login[7], verify[7];
	enum crm_factor used = CRM_FACTOR_NONE;

	(void)state;
	tenv_key(t, key);
	set_email(t, "alice", ADDR, 1);
	code_new(t, key, "alice", "verify", CRM_VERIFY_TTL, verify);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_EMAIL, verify, &used),
		CRM_CODE_EXPIRED);
	code_new(t, key, "alice", "login", 300, login);
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_EMAIL, login, &used),
		CRM_CODE_OK);
	assert_int_equal(used, CRM_FACTOR_EMAIL);
	tenv_free(t);
}

/* ---- the key file ---- */

static void enroll_refused_without_the_key(void **state)
{
	struct tenv *t = env(NULL);
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN], code[7];
	struct crm_error e;

	(void)state;
	/* A context that holds no key (as after a failed open). */
	t->ctx.keyed = 0;
	tenv_totp_code(t->ctx.now, code);
	crm_error_clear(&e);
	assert_int_equal(crm_totp_enroll(&t->ctx, "alice", tenv_secret,
		TENV_SECRET_LEN, code, 0, codes, &e), CRM_EKEY);
	assert_int_equal(e.code, CRM_EKEY);
	assert_int_equal(rows(t, "SELECT count(*) FROM totp"), 0);
	assert_int_equal(rows(t, "SELECT count(*) FROM recovery_codes"), 0);
	assert_int_equal(tenv_count_events(t, "mfa.enroll", "alice"), 0);
	tenv_free(t);
}

static void check_refused_when_key_file_replaced(void **state)
{
	struct tenv *t = env(NULL);
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN], code[7];
	unsigned char key[CRM_KEY_BYTES], other[CRM_KEY_BYTES];
	struct crm_policy pol;
	struct crm_account a;
	struct crm_error e;
	enum crm_code_result out;
	enum crm_factor used;
	int tries;

	(void)state;
	tenv_enroll(t, "alice", codes);
	tenv_key(t, key);
	replace_key(t, other);
	assert_memory_not_equal(key, other, sizeof(key));
	t->ctx.now = LATER;
	tenv_totp_code(t->ctx.now, code);
	tenv_resolve(t, "alice", &pol);
	tenv_get(t, "alice", &a);
	crm_error_clear(&e);
	assert_int_equal(crm_mfa_check(&t->ctx, other, &pol, &a, CRM_FACTOR_TOTP,
		code, &used, &out, &tries, &e), CRM_EKEY);
	assert_int_equal(e.code, CRM_EKEY);
	assert_int_not_equal(out, CRM_CODE_OK);
	/* Recovery codes are hashed under the old key as well. */
	assert_int_equal(check(t, other, "alice", CRM_FACTOR_TOTP, codes[0], NULL),
		CRM_CODE_WRONG);
	/* With the key it was sealed under, the same code passes. */
	assert_int_equal(check(t, key, "alice", CRM_FACTOR_TOTP, code, NULL),
		CRM_CODE_OK);
	tenv_free(t);
}

/* ---- reset and removal ---- */

static void reset_removes_enrolment_and_audits(void **state)
{
	struct tenv *t = env(NULL);
	struct crm_mfa_state st;
	struct crm_error e;

	(void)state;
	tenv_add_user(t, "bob", PW);
	tenv_enroll(t, "alice", NULL);
	tenv_enroll(t, "bob", NULL);
	assert_int_equal(crm_totp_reset(&t->ctx, "alice", &e), CRM_OK);
	state_of(t, "alice", &st);
	assert_int_equal(st.totp, 0);
	assert_int_equal(st.recovery_left, 0);
	assert_true(tenv_has_event(t, "mfa.reset", "alice", "by=admin"));
	/* bob keeps his. */
	state_of(t, "bob", &st);
	assert_int_equal(st.totp, 1);
	assert_int_equal(st.recovery_left, CRM_RECOVERY_COUNT);
	/* Nothing left to reset; no such user. */
	assert_int_equal(crm_totp_reset(&t->ctx, "alice", &e), CRM_ENOENT);
	assert_int_equal(crm_totp_reset(&t->ctx, "mallory", &e), CRM_ENOENT);
	assert_int_equal(tenv_count_events(t, "mfa.reset", "alice"), 1);
	/* alice may enrol again. */
	t->ctx.now = LATER;
	tenv_enroll(t, "alice", NULL);
	state_of(t, "alice", &st);
	assert_int_equal(st.totp, 1);
	assert_int_equal(st.totp_enrolled, LATER);
	tenv_free(t);
}

static void remove_deletes_secret_codes_and_pending_login_code(void **state)
{
	struct tenv *t = env(NULL);
	unsigned char key[CRM_KEY_BYTES];
	char login[7], verify[7];
	struct crm_account a;
	struct crm_error e;
	int had = -1;

	(void)state;
	tenv_enroll(t, "alice", NULL);
	tenv_key(t, key);
	set_email(t, "alice", ADDR, 0);
	code_new(t, key, "alice", "login", 300, login);
	code_new(t, key, "alice", "verify", CRM_VERIFY_TTL, verify);
	tenv_get(t, "alice", &a);
	assert_int_equal(crm_store_begin(t->ctx.db, &e), CRM_OK);
	assert_int_equal(crm_totp_remove(t->ctx.db, &a, &had, &e), CRM_OK);
	assert_int_equal(crm_store_commit(t->ctx.db, &e), CRM_OK);
	assert_int_equal(had, 1);
	assert_int_equal(rows(t, "SELECT count(*) FROM totp"), 0);
	assert_int_equal(rows(t, "SELECT count(*) FROM recovery_codes"), 0);
	assert_int_equal(rows(t, "SELECT count(*) FROM otp_codes WHERE"
		" purpose = 'login'"), 0);
	/* An address verification under way is not a login factor. */
	assert_int_equal(rows(t, "SELECT count(*) FROM otp_codes WHERE"
		" purpose = 'verify'"), 1);
	assert_int_equal(crm_totp_remove(t->ctx.db, &a, &had, &e), CRM_OK);
	assert_int_equal(had, 0);
	tenv_free(t);
}

/* ---- address verification ---- */

static void email_verify_marks_address_verified_with_mailed_code(void **state)
{
	struct tenv *t = env("otp_digits = 8\n");
	char masked[CRM_MASKED_MAX], code[16], wrong[16];
	enum crm_code_result out;
	struct crm_account a;
	struct crm_error e;
	char *mail_out = tenv_fake_sendmail(t);
	int left = -1;

	(void)state;
	tenv_key(t, NULL);
	set_email(t, "alice", ADDR, 0);
	if (crm_email_verify_send(&t->ctx, "alice", masked, &e) != CRM_OK)
		fail_msg("verify send: %s", e.msg);
	assert_string_equal(masked, "a\xe2\x80\xa6@example.com");
	assert_true(tenv_has_event(t, "email.code", "alice", "purpose=verify"));
	tenv_mailed_code(mail_out, code, sizeof(code));
	assert_int_equal(strlen(code), 8);
	/* A wrong code uses a try and is audited; nothing is verified. */
	tenv_other_code(code, wrong);
	assert_int_equal(crm_email_verify_confirm(&t->ctx, "alice", wrong, &out,
		&left, &e), CRM_OK);
	assert_int_equal(out, CRM_CODE_WRONG);
	assert_int_equal(left, CRM_CODE_TRIES - 1);
	assert_true(tenv_has_event(t, "mfa.failure", "alice", "purpose=verify"));
	tenv_get(t, "alice", &a);
	assert_int_equal(a.email_verified, 0);
	assert_int_equal(tenv_count_events(t, "email.verify", "alice"), 0);
	/* The mailed code verifies the address. */
	assert_int_equal(crm_email_verify_confirm(&t->ctx, "alice", code, &out,
		&left, &e), CRM_OK);
	assert_int_equal(out, CRM_CODE_OK);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.email_verified, 1);
	assert_string_equal(a.email, ADDR);
	assert_true(tenv_has_event(t, "email.verify", "alice", "email=" ADDR));
	/* Once. */
	assert_int_equal(crm_email_verify_confirm(&t->ctx, "alice", code, &out,
		&left, &e), CRM_OK);
	assert_int_equal(out, CRM_CODE_EXPIRED);
	free(mail_out);
	tenv_free(t);
}

static void email_verify_send_refuses_without_address_or_user(void **state)
{
	struct tenv *t = env(NULL);
	char masked[CRM_MASKED_MAX];
	struct crm_error e;
	char *mail_out = tenv_fake_sendmail(t);

	(void)state;
	tenv_key(t, NULL);
	assert_int_equal(crm_email_verify_send(&t->ctx, "alice", masked, &e),
		CRM_EINVAL);
	assert_int_equal(crm_email_verify_send(&t->ctx, "mallory", masked, &e),
		CRM_ENOENT);
	assert_int_equal(access(mail_out, F_OK), -1);
	assert_int_equal(rows(t, "SELECT count(*) FROM otp_codes"), 0);
	assert_int_equal(rows(t, "SELECT count(*) FROM audit WHERE"
		" event = 'email.code'"), 0);
	free(mail_out);
	tenv_free(t);
}

static void email_verify_code_for_old_address_verifies_nothing(void **state)
{
	struct tenv *t = env(NULL);
	char masked[CRM_MASKED_MAX], code[16];
	enum crm_code_result out;
	struct crm_account a;
	struct crm_error e;
	char *mail_out = tenv_fake_sendmail(t);
	int left;

	(void)state;
	tenv_key(t, NULL);
	set_email(t, "alice", ADDR, 0);
	assert_int_equal(crm_email_verify_send(&t->ctx, "alice", masked, &e),
		CRM_OK);
	tenv_mailed_code(mail_out, code, sizeof(code));
	set_email(t, "alice", "other@example.org", 0);
	assert_int_equal(crm_email_verify_confirm(&t->ctx, "alice", code, &out,
		&left, &e), CRM_OK);
	assert_int_equal(out, CRM_CODE_EXPIRED);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.email_verified, 0);
	free(mail_out);
	tenv_free(t);
}

static void email_verify_expires_after_a_day(void **state)
{
	struct tenv *t = env(NULL);
	char masked[CRM_MASKED_MAX], code[16];
	enum crm_code_result out;
	struct crm_account a;
	struct crm_error e;
	char *mail_out = tenv_fake_sendmail(t);
	int left;

	(void)state;
	tenv_key(t, NULL);
	set_email(t, "alice", ADDR, 0);
	assert_int_equal(crm_email_verify_send(&t->ctx, "alice", masked, &e),
		CRM_OK);
	tenv_mailed_code(mail_out, code, sizeof(code));
	t->ctx.now = T0 + CRM_VERIFY_TTL;
	assert_int_equal(crm_email_verify_confirm(&t->ctx, "alice", code, &out,
		&left, &e), CRM_OK);
	assert_int_equal(out, CRM_CODE_EXPIRED);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.email_verified, 0);
	free(mail_out);
	tenv_free(t);
}

/* ---- mfa_append ---- */

static void split_takes_six_trailing_digits_after_a_password(void **state)
{
	(void)state;
	assert_int_equal(crm_mfa_split(PW "123456"), strlen(PW));
	assert_int_equal(crm_mfa_split("x123456"), 1);
	/* A password that ends in digits keeps all but the last six. */
	assert_int_equal(crm_mfa_split("pw12345678"), 4);
	assert_int_equal(crm_mfa_split("1234567"), 1);
	assert_int_equal(crm_mfa_split("pw 123456"), 3);
}

static void split_refuses_answers_without_password_or_code(void **state)
{
	(void)state;
	assert_int_equal(crm_mfa_split("123456"), 0);
	assert_int_equal(crm_mfa_split("pw12345"), 0);
	assert_int_equal(crm_mfa_split("pw12345x"), 0);
	assert_int_equal(crm_mfa_split("pw123 456"), 0);
	assert_int_equal(crm_mfa_split(PW), 0);
	assert_int_equal(crm_mfa_split(""), 0);
	assert_int_equal(crm_mfa_split(NULL), 0);
}

static void names_factors_and_code_results(void **state)
{
	(void)state;
	assert_string_equal(crm_factor_name(CRM_FACTOR_NONE), "none");
	assert_string_equal(crm_factor_name(CRM_FACTOR_TOTP), "totp");
	assert_string_equal(crm_factor_name(CRM_FACTOR_EMAIL), "email");
	assert_string_equal(crm_factor_name(CRM_FACTOR_RECOVERY), "recovery");
	for (int i = CRM_CODE_OK; i <= CRM_CODE_SPENT; i++)
		for (int j = i + 1; j <= CRM_CODE_SPENT; j++)
			assert_string_not_equal(
				crm_code_result_name((enum crm_code_result)i),
				crm_code_result_name((enum crm_code_result)j));
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(decide_none_asks_nothing_whatever_the_state),
		T(decide_totp_asks_totp_of_enrolled_account),
		T(decide_totp_refuses_unenrolled_account_unless_nullok),
		T(decide_email_asks_code_to_verified_address),
		T(decide_email_refuses_unverified_address_even_with_nullok),
		T(decide_any_prefers_totp_then_verified_email),
		T(decide_any_refuses_account_without_either_unless_nullok),
		T(decide_refuses_unknown_mfa_value),
		T(decide_follows_policy_resolved_from_conf),
		T(state_of_new_account_holds_nothing),
		T(state_reports_enrolment_and_recovery_codes_left),
		T(state_counts_only_verified_address),
		T(enroll_with_right_code_activates_totp_and_audits),
		T(enroll_accepts_code_of_neighbour_step_within_window),
		T(enroll_with_wrong_code_refuses_and_stores_nothing),
		T(enroll_twice_refused_and_keeps_first_enrolment),
		T(enroll_unknown_or_invalid_user_refused),
		T(enrolment_code_cannot_be_used_again),
		T(enroll_returns_ten_recovery_codes_stored_only_hashed),
		T(stored_secret_is_sealed_and_never_in_the_store),
		T(totp_accepts_steps_within_window_and_refuses_beyond),
		T(totp_code_used_once_is_refused_as_replayed),
		T(totp_check_refuses_wrong_missing_and_unenrolled),
		T(check_refuses_factor_that_takes_no_code),
		T(recovery_code_works_once),
		T(recovery_code_accepted_upper_case_without_dashes),
		T(email_code_accepted_once),
		T(email_code_expires_after_ttl),
		T(email_code_spent_after_three_wrong_tries),
		T(email_code_right_after_two_wrong_tries),
		T(email_code_sent_before_address_changed_is_refused),
		T(new_email_code_replaces_earlier_one),
		T(email_code_purposes_are_independent),
		T(email_factor_checks_pending_login_code),
		T(enroll_refused_without_the_key),
		T(check_refused_when_key_file_replaced),
		T(reset_removes_enrolment_and_audits),
		T(remove_deletes_secret_codes_and_pending_login_code),
		T(email_verify_marks_address_verified_with_mailed_code),
		T(email_verify_send_refuses_without_address_or_user),
		T(email_verify_code_for_old_address_verifies_nothing),
		T(email_verify_expires_after_a_day),
		T(split_takes_six_trailing_digits_after_a_password),
		T(split_refuses_answers_without_password_or_code),
		T(names_factors_and_code_results),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
