/*
 * The second factor in the store: the decision which factor a policy asks
 * of an account, TOTP enrolment (sealed secret, newest accepted step,
 * hashed recovery codes) and e-mailed codes (hashed, bound to an address,
 * with expiry and a try limit). A code is checked and its use recorded in
 * the same transaction, so two processes can never both accept it.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "crmpolicy/audit.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/mail.h"
#include "crmpolicy/mfa.h"
#include "crmpolicy/utf8.h"

const char *crm_factor_name(enum crm_factor f)
{
	switch (f) {
	case CRM_FACTOR_NONE: return "none";
	case CRM_FACTOR_TOTP: return "totp";
	case CRM_FACTOR_EMAIL: return "email";
	case CRM_FACTOR_RECOVERY: return "recovery";
	}
	return "unknown";
}

const char *crm_code_result_name(enum crm_code_result r)
{
	switch (r) {
	case CRM_CODE_OK: return "code accepted";
	case CRM_CODE_WRONG: return "wrong code";
	case CRM_CODE_REPLAYED: return "code already used";
	case CRM_CODE_EXPIRED: return "no valid code pending";
	case CRM_CODE_SPENT: return "code tries used up";
	}
	return "unknown";
}

/* ---- state and decision ---- */

static int count_rows(struct crm_db *db, enum crm_q q, int64_t id,
	int64_t *n, int64_t *second, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc, r;

	*n = 0;
	if (second)
		*second = 0;
	if ((r = crm_db_prepare(db, q, &st, err)) != CRM_OK)
		return r;
	crm_bind_int(st, 1, id);
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW) {
		*n = crm_col_int(st, 0);
		if (second)
			*second = crm_col_int(st, 1);
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_ROW && rc != CRM_STEP_DONE)
		return crm_db_error(db, "reading second factors", err);
	return CRM_OK;
}

int crm_mfa_state_get(struct crm_db *db, const struct crm_account *a,
	struct crm_mfa_state *st, struct crm_error *err)
{
	int64_t n, when, left;
	int r;

	memset(st, 0, sizeof(*st));
	st->email_verified = a->email[0] != '\0' && a->email_verified;
	if ((r = count_rows(db, CRM_Q_MFA_TOTP_STATE, a->id, &n, &when,
			err)) != CRM_OK)
		return r;
	st->totp = n > 0;
	st->totp_enrolled = n > 0 ? when : 0;
	if ((r = count_rows(db, CRM_Q_MFA_RECOVERY_COUNT, a->id, &left, NULL,
			err)) != CRM_OK)
		return r;
	st->recovery_left = (int)left;
	return CRM_OK;
}

int crm_mfa_decide(const struct crm_policy *pol, const struct crm_mfa_state *st,
	enum crm_factor *factor, const char **why)
{
	const int nullok = pol->num[CRM_K_MFA_NULLOK] != 0;

	*factor = CRM_FACTOR_NONE;
	*why = NULL;
	switch ((int)pol->num[CRM_K_MFA]) {
	case CRM_MFA_NONE:
		return CRM_OK;
	case CRM_MFA_TOTP:
		if (st->totp)
			*factor = CRM_FACTOR_TOTP;
		else if (!nullok)
			*why = "TOTP required but not enrolled";
		break;
	case CRM_MFA_EMAIL:
		/* mfa_nullok is about TOTP enrolment; an e-mail code needs an
		 * address that is known to reach the user. */
		if (st->email_verified)
			*factor = CRM_FACTOR_EMAIL;
		else
			*why = "e-mail code required but no verified e-mail address";
		break;
	case CRM_MFA_ANY:
		if (st->totp)
			*factor = CRM_FACTOR_TOTP;
		else if (st->email_verified)
			*factor = CRM_FACTOR_EMAIL;
		else if (!nullok)
			*why = "second factor required but neither TOTP nor a "
				"verified e-mail address";
		break;
	default:
		*why = "unknown mfa value";
		break;
	}
	return *why ? CRM_EPOLICY : CRM_OK;
}

/* ---- TOTP and recovery codes ---- */

static int six_digits(const char *code)
{
	size_t n = 0;

	for (; code[n] != '\0'; n++)
		if (code[n] < '0' || code[n] > '9' || n >= CRM_TOTP_DIGITS)
			return 0;
	return n == CRM_TOTP_DIGITS;
}

/* The sealed secret and last step of a; *found = 0 when not enrolled. */
static int totp_row(struct crm_db *db, int64_t id, char sealed[CRM_SEALED_MAX],
	int64_t *last_step, int *found, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc, r;

	*found = 0;
	sealed[0] = '\0';
	if ((r = crm_db_prepare(db, CRM_Q_MFA_TOTP_GET, &st, err)) != CRM_OK)
		return r;
	crm_bind_int(st, 1, id);
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW) {
		snprintf(sealed, CRM_SEALED_MAX, "%s", crm_col_text(st, 0));
		*last_step = crm_col_int(st, 1);
		*found = 1;
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_ROW && rc != CRM_STEP_DONE)
		return crm_db_error(db, "reading the TOTP secret", err);
	return CRM_OK;
}

/* Runs q with ?1 = a and, when nb is 2, ?2 = b. */
static int exec_ids(struct crm_db *db, enum crm_q q, int nb, int64_t a,
	int64_t b, const char *what, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc, r;

	if ((r = crm_db_prepare(db, q, &st, err)) != CRM_OK)
		return r;
	crm_bind_int(st, 1, a);
	if (nb > 1)
		crm_bind_int(st, 2, b);
	rc = crm_stmt_step(st);
	crm_stmt_done(st);
	return rc == CRM_STEP_DONE ? CRM_OK : crm_db_error(db, what, err);
}

/* Runs q with ?1 = id. */
static int exec_id(struct crm_db *db, enum crm_q q, int64_t id,
	const char *what, struct crm_error *err)
{
	return exec_ids(db, q, 1, id, 0, what, err);
}

/*
 * A TOTP code: accepted only for a step newer than the newest accepted
 * one. Reading last_step and writing the new one happen in the caller's
 * write transaction, so of two processes typing the same code one sees
 * the other's step and refuses.
 */
static int check_totp(const struct crm_ctx *ctx,
	const unsigned char key[CRM_KEY_BYTES], const struct crm_policy *pol,
	const struct crm_account *a, const char *code,
	enum crm_code_result *out, struct crm_error *err)
{
	unsigned char secret[64];
	char sealed[CRM_SEALED_MAX];
	size_t len = sizeof(secret);
	int64_t last = 0, step = 0;
	int r, found, v;

	*out = CRM_CODE_WRONG;
	if ((r = totp_row(ctx->db, a->id, sealed, &last, &found, err)) != CRM_OK)
		return r;
	if (!found)
		return CRM_OK;
	if ((r = crm_secret_open(key, sealed, secret, &len, err)) != CRM_OK)
		return r;
	v = crm_totp_verify(secret, len, code, CRM_TOTP_DIGITS,
		(int)pol->num[CRM_K_TOTP_WINDOW], ctx->now, &step);
	sodium_memzero(secret, sizeof(secret));
	if (v == CRM_EPOLICY)
		return CRM_OK;
	if (v != CRM_OK)
		return crm_error_set(err, CRM_EIO, "TOTP check failed (liboath)");
	if (step <= last) {
		*out = CRM_CODE_REPLAYED;
		return CRM_OK;
	}
	if ((r = exec_ids(ctx->db, CRM_Q_MFA_TOTP_STEP, 2, a->id, step,
			"recording the TOTP step", err)) != CRM_OK)
		return r;
	*out = CRM_CODE_OK;
	return CRM_OK;
}

/* A recovery code: every unused one is compared; a match is deleted. */
static int check_recovery(const struct crm_ctx *ctx,
	const unsigned char key[CRM_KEY_BYTES], const struct crm_account *a,
	const char *code, enum crm_code_result *out, struct crm_error *err)
{
	struct crm_stmt *st;
	int64_t match = 0;
	int rc;

	*out = CRM_CODE_WRONG;
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_MFA_RECOVERY_LIST, &st,
			err)) != CRM_OK)
		return rc;
	crm_bind_int(st, 1, a->id);
	while ((rc = crm_stmt_step(st)) == CRM_STEP_ROW) {
		/* A NULL hash reads as "", which no code verifies against. */
		if (match == 0 && crm_code_verify(key, crm_col_text(st, 1),
				code))
			match = crm_col_int(st, 0);
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_DONE)
		return crm_db_error(ctx->db, "reading recovery codes", err);
	if (match == 0)
		return CRM_OK;
	if ((rc = exec_ids(ctx->db, CRM_Q_MFA_RECOVERY_USE, 2, match, a->id,
			"using a recovery code", err)) != CRM_OK)
		return rc;
	*out = CRM_CODE_OK;
	return CRM_OK;
}

int crm_mfa_check(const struct crm_ctx *ctx,
	const unsigned char key[CRM_KEY_BYTES], const struct crm_policy *pol,
	const struct crm_account *a, enum crm_factor factor, const char *code,
	enum crm_factor *used, enum crm_code_result *out, int *tries_left,
	struct crm_error *err)
{
	*out = CRM_CODE_WRONG;
	*used = factor;
	*tries_left = 0;
	if (code == NULL || code[0] == '\0')
		return CRM_OK;
	switch (factor) {
	case CRM_FACTOR_TOTP:
		if (six_digits(code))
			return check_totp(ctx, key, pol, a, code, out, err);
		*used = CRM_FACTOR_RECOVERY;
		return check_recovery(ctx, key, a, code, out, err);
	case CRM_FACTOR_EMAIL:
		return crm_mfa_code_check(ctx, key, a, "login", code, out,
			tries_left, err);
	case CRM_FACTOR_NONE:
	case CRM_FACTOR_RECOVERY:
		break;
	}
	return crm_error_set(err, CRM_EINVAL, "no code is asked for factor %s",
		crm_factor_name(factor));
}

/* ---- e-mailed codes ---- */

int crm_mfa_code_new(const struct crm_ctx *ctx,
	const unsigned char key[CRM_KEY_BYTES], const struct crm_account *a,
	const char *purpose, int digits, int64_t ttl, char *code,
	struct crm_error *err)
{
	char hash[CRM_CODE_HASH_LEN];
	struct crm_stmt *st;
	int rc;

	if (crm_email_code_new(digits, code) != CRM_OK)
		return crm_error_set(err, CRM_EIO, "cannot make a code");
	if (crm_code_hash(key, code, hash) != CRM_OK) {
		sodium_memzero(code, (size_t)digits + 1);
		return crm_error_set(err, CRM_EIO, "cannot hash a code");
	}
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_MFA_CODE_PUT, &st, err))
			!= CRM_OK) {
		sodium_memzero(code, (size_t)digits + 1);
		return rc;
	}
	crm_bind_int(st, 1, a->id);
	crm_bind_text(st, 2, purpose);
	crm_bind_text(st, 3, hash);
	crm_bind_text(st, 4, a->email);
	crm_bind_int(st, 5, ctx->now);
	crm_bind_int(st, 6, ctx->now + ttl);
	rc = crm_stmt_step(st);
	crm_stmt_done(st);
	if (rc != CRM_STEP_DONE) {
		sodium_memzero(code, (size_t)digits + 1);
		return crm_db_error(ctx->db, "storing a code", err);
	}
	return CRM_OK;
}

/* Runs q on a's code of purpose (?1 account, ?2 purpose). */
static int code_exec(struct crm_db *db, enum crm_q q, int64_t id,
	const char *purpose, const char *what, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc, r;

	if ((r = crm_db_prepare(db, q, &st, err)) != CRM_OK)
		return r;
	crm_bind_int(st, 1, id);
	crm_bind_text(st, 2, purpose);
	rc = crm_stmt_step(st);
	crm_stmt_done(st);
	return rc == CRM_STEP_DONE ? CRM_OK : crm_db_error(db, what, err);
}

static int code_drop(struct crm_db *db, int64_t id, const char *purpose,
	struct crm_error *err)
{
	return code_exec(db, CRM_Q_MFA_CODE_DROP, id, purpose,
		"removing a code", err);
}

static int code_try(struct crm_db *db, int64_t id, const char *purpose,
	struct crm_error *err)
{
	return code_exec(db, CRM_Q_MFA_CODE_TRY, id, purpose,
		"counting a code try", err);
}

int crm_mfa_code_check(const struct crm_ctx *ctx,
	const unsigned char key[CRM_KEY_BYTES], const struct crm_account *a,
	const char *purpose, const char *code, enum crm_code_result *out,
	int *tries_left, struct crm_error *err)
{
	char hash[CRM_CODE_HASH_LEN] = "", address[CRM_EMAIL_MAX + 1] = "";
	int64_t expires = 0, tries = 0;
	struct crm_stmt *st;
	int rc, found = 0;

	*out = CRM_CODE_EXPIRED;
	*tries_left = 0;
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_MFA_CODE_GET, &st, err))
			!= CRM_OK)
		return rc;
	crm_bind_int(st, 1, a->id);
	crm_bind_text(st, 2, purpose);
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW) {
		snprintf(hash, sizeof(hash), "%s", crm_col_text(st, 0));
		snprintf(address, sizeof(address), "%s", crm_col_text(st, 1));
		expires = crm_col_int(st, 2);
		tries = crm_col_int(st, 3);
		found = 1;
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_ROW && rc != CRM_STEP_DONE)
		return crm_db_error(ctx->db, "reading a code", err);
	if (!found)
		return CRM_OK;
	if (tries >= CRM_CODE_TRIES) {
		*out = CRM_CODE_SPENT;
		return CRM_OK;
	}
	/* Expired, or sent to an address the account no longer has. */
	if (ctx->now >= expires || strcmp(address, a->email) != 0)
		return code_drop(ctx->db, a->id, purpose, err);
	if (code != NULL && crm_code_verify(key, hash, code)) {
		*out = CRM_CODE_OK;
		return code_drop(ctx->db, a->id, purpose, err);
	}
	*out = CRM_CODE_WRONG;
	*tries_left = (int)(CRM_CODE_TRIES - tries - 1);
	return code_try(ctx->db, a->id, purpose, err);
}

int crm_mfa_code_send(const struct crm_ctx *ctx, const struct crm_account *a,
	const char *code, int verify, int64_t ttl, char masked[CRM_MASKED_MAX],
	struct crm_error *err)
{
	struct crm_code_mail cm;
	struct crm_error e;
	char lang[CRM_LANG_MAX + 1];
	int r;

	memset(&cm, 0, sizeof(cm));
	/* Without the policy's word, the code still goes, in English. */
	if (crm_user_lang(ctx, a->name, lang, &e) != CRM_OK)
		lang[0] = '\0';
	cm.lang = lang;
	cm.user = a->name;
	cm.email = a->email;
	cm.code = code;
	cm.verify = verify;
	cm.ttl = ttl;
	cm.service = ctx->service;
	cm.rhost = ctx->rhost;
	cm.when = ctx->now;
	masked[0] = '\0';
	if ((r = crm_mail_code(ctx->cfg, &cm, err)) == CRM_OK)
		crm_mask_email(a->email, masked, CRM_MASKED_MAX);
	return r;
}

/* ---- enrolment and removal ---- */

static int finish(const struct crm_ctx *ctx, int r, struct crm_error *err)
{
	if (r != CRM_OK) {
		crm_store_rollback(ctx->db);
		return r;
	}
	return crm_store_commit(ctx->db, err);
}

static int audited(const struct crm_ctx *ctx, int r, struct crm_error *err)
{
	return r == CRM_OK ? CRM_OK :
		crm_db_error(ctx->db, "writing the audit trail", err);
}

/* Begins a transaction and loads user; CRM_ENOENT when there is none. */
static int begin_user(const struct crm_ctx *ctx, const char *user,
	struct crm_account *a, struct crm_error *err)
{
	int r;

	if (user == NULL || !crm_name_valid(user))
		return crm_error_set(err, CRM_EINVAL, _("invalid user name"));
	if ((r = crm_store_begin(ctx->db, err)) != CRM_OK)
		return r;
	r = crm_account_get(ctx->db, user, a, err);
	if (r == CRM_ENOENT)
		crm_error_set(err, CRM_ENOENT, _("no such user: %s"), user);
	if (r != CRM_OK)
		crm_store_rollback(ctx->db);
	return r;
}

static int store_recovery(const struct crm_ctx *ctx,
	const unsigned char key[CRM_KEY_BYTES], int64_t id,
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN], struct crm_error *err)
{
	char hash[CRM_CODE_HASH_LEN];
	struct crm_stmt *st;
	int r;

	if ((r = exec_id(ctx->db, CRM_Q_MFA_RECOVERY_CLEAR, id,
			"replacing recovery codes", err)) != CRM_OK)
		return r;
	for (int i = 0; i < CRM_RECOVERY_COUNT; i++) {
		if (crm_code_hash(key, codes[i], hash) != CRM_OK)
			return crm_error_set(err, CRM_EIO,
				"cannot hash a recovery code");
		/* The kept statement comes back reset for each code. */
		if ((r = crm_db_prepare(ctx->db, CRM_Q_MFA_RECOVERY_ADD, &st,
				err)) != CRM_OK)
			return r;
		crm_bind_int(st, 1, id);
		crm_bind_text(st, 2, hash);
		r = crm_stmt_step(st);
		crm_stmt_done(st);
		if (r != CRM_STEP_DONE)
			return crm_db_error(ctx->db, "storing recovery codes",
				err);
	}
	return CRM_OK;
}

static int store_totp(struct crm_db *db, int64_t id, const char *sealed,
	int64_t step, int64_t now, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc, r;

	if ((r = crm_db_prepare(db, CRM_Q_MFA_TOTP_ADD, &st, err)) != CRM_OK)
		return r;
	crm_bind_int(st, 1, id);
	crm_bind_text(st, 2, sealed);
	crm_bind_int(st, 3, step);
	crm_bind_int(st, 4, now);
	rc = crm_stmt_step(st);
	crm_stmt_done(st);
	return rc == CRM_STEP_DONE ? CRM_OK :
		crm_db_error(db, "storing the TOTP secret", err);
}

/* The checks and writes of an enrolment, inside its transaction. */
static int enroll(const struct crm_ctx *ctx,
	const unsigned char key[CRM_KEY_BYTES], const struct crm_account *a,
	const unsigned char *secret, size_t len, const char *code,
	int by_admin, char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN],
	struct crm_error *err)
{
	struct crm_policy pol;
	struct crm_mfa_state st;
	char sealed[CRM_SEALED_MAX];
	int64_t step = 0;
	int r;

	if ((r = crm_mfa_state_get(ctx->db, a, &st, err)) != CRM_OK)
		return r;
	if (st.totp)
		return crm_error_set(err, CRM_EEXIST, by_admin ?
			_("%s already has TOTP: reset it first "
			"(crmpasswd totp reset)") : _("%s already has TOTP: "
			"disable it first (crmpasswd totp disable)"), a->name);
	if ((r = crm_policy_resolve(ctx, a->name, &pol, err)) != CRM_OK)
		return r;
	r = crm_totp_verify(secret, len, code, CRM_TOTP_DIGITS,
		(int)pol.num[CRM_K_TOTP_WINDOW], ctx->now, &step);
	if (r == CRM_EPOLICY)
		return crm_error_set(err, CRM_EPOLICY,
			_("that code is not right for this secret now"));
	if (r != CRM_OK)
		return crm_error_set(err, CRM_EIO, "TOTP check failed (liboath)");
	if ((r = crm_secret_seal(key, secret, len, sealed, sizeof(sealed),
			err)) != CRM_OK)
		return r;
	if ((r = crm_recovery_new(codes)) != CRM_OK)
		return crm_error_set(err, CRM_EIO, "cannot make recovery codes");
	/* The enrolment code's step is used: it cannot log in as well. */
	if ((r = store_totp(ctx->db, a->id, sealed, step, ctx->now, err)))
		return r;
	if ((r = store_recovery(ctx, key, a->id, codes, err)) != CRM_OK)
		return r;
	return audited(ctx, crm_audit_add(ctx, "mfa.enroll", a->name,
		"factor=totp by=%s recovery_codes=%d", by_admin ? "admin" :
		"self", CRM_RECOVERY_COUNT), err);
}

int crm_totp_enroll(const struct crm_ctx *ctx, const char *user,
	const unsigned char *secret, size_t len, const char *code, int by_admin,
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN], struct crm_error *err)
{
	const unsigned char *key = crm_ctx_key(ctx, err);
	struct crm_account a;
	int r;

	memset(&a, 0, sizeof(a));
	if (key == NULL)
		return CRM_EKEY;
	if ((r = begin_user(ctx, user, &a, err)) == CRM_OK)
		r = finish(ctx, enroll(ctx, key, &a, secret, len, code, by_admin,
			codes, err), err);
	if (r != CRM_OK)
		sodium_memzero(codes, sizeof(char[CRM_RECOVERY_COUNT]
			[CRM_RECOVERY_LEN]));
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return r;
}

int crm_totp_remove(struct crm_db *db, const struct crm_account *a, int *had,
	struct crm_error *err)
{
	int64_t n;
	int r;

	if ((r = count_rows(db, CRM_Q_MFA_TOTP_COUNT, a->id, &n, NULL,
			err)) != CRM_OK)
		return r;
	*had = n > 0;
	if ((r = exec_id(db, CRM_Q_MFA_TOTP_DROP, a->id, "removing TOTP",
			err)) != CRM_OK)
		return r;
	if ((r = exec_id(db, CRM_Q_MFA_RECOVERY_CLEAR, a->id,
			"removing recovery codes", err)) != CRM_OK)
		return r;
	return code_drop(db, a->id, "login", err);
}

int crm_totp_reset(const struct crm_ctx *ctx, const char *user,
	struct crm_error *err)
{
	struct crm_account a;
	int r, had = 0;

	if ((r = begin_user(ctx, user, &a, err)) != CRM_OK)
		return r;
	r = crm_totp_remove(ctx->db, &a, &had, err);
	if (r == CRM_OK && !had)
		r = crm_error_set(err, CRM_ENOENT,
			_("%s has no TOTP enrolment"), user);
	if (r == CRM_OK)
		r = audited(ctx, crm_audit_add(ctx, "mfa.reset", a.name,
			"factor=totp by=admin"), err);
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return finish(ctx, r, err);
}

/* ---- address verification ---- */

int crm_email_verify_send(const struct crm_ctx *ctx, const char *user,
	char masked[CRM_MASKED_MAX], struct crm_error *err)
{
	const unsigned char *key = crm_ctx_key(ctx, err);
	char code[CRM_OTP_DIGITS_MAX + 1] = "";
	struct crm_account a;
	struct crm_policy pol;
	int r;

	masked[0] = '\0';
	memset(&a, 0, sizeof(a));
	if (key == NULL)
		return CRM_EKEY;
	if (user == NULL || !crm_name_valid(user))
		return crm_error_set(err, CRM_EINVAL, _("invalid user name"));
	if ((r = crm_policy_resolve(ctx, user, &pol, err)) != CRM_OK ||
	    (r = begin_user(ctx, user, &a, err)) != CRM_OK)
		goto out;
	if (a.email[0] == '\0')
		r = crm_error_set(err, CRM_EINVAL,
			_("%s has no e-mail address (crmpasswd user set %s "
			"--email E)"), user, user);
	if (r == CRM_OK)
		r = crm_mfa_code_new(ctx, key, &a, "verify",
			(int)pol.num[CRM_K_OTP_DIGITS], CRM_VERIFY_TTL, code, err);
	if (r == CRM_OK)
		r = audited(ctx, crm_audit_add(ctx, "email.code", a.name,
			"purpose=verify"), err);
	if ((r = finish(ctx, r, err)) != CRM_OK)
		goto out;
	r = crm_mfa_code_send(ctx, &a, code, 1, CRM_VERIFY_TTL, masked, err);
out:
	sodium_memzero(code, sizeof(code));
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return r;
}

int crm_email_verify_confirm(const struct crm_ctx *ctx, const char *user,
	const char *code, enum crm_code_result *out, int *tries_left,
	struct crm_error *err)
{
	const unsigned char *key = crm_ctx_key(ctx, err);
	struct crm_account a;
	int r;

	*out = CRM_CODE_WRONG;
	*tries_left = 0;
	memset(&a, 0, sizeof(a));
	if (key == NULL)
		return CRM_EKEY;
	if ((r = begin_user(ctx, user, &a, err)) != CRM_OK)
		goto out;
	r = crm_mfa_code_check(ctx, key, &a, "verify", code, out, tries_left,
		err);
	if (r == CRM_OK && *out == CRM_CODE_OK) {
		a.email_verified = 1;
		r = crm_account_update(ctx->db, &a, err);
		if (r == CRM_OK)
			r = audited(ctx, crm_audit_add(ctx, "email.verify",
				a.name, "email=%s", a.email), err);
	} else if (r == CRM_OK) {
		r = audited(ctx, crm_audit_add(ctx, "mfa.failure", a.name,
			"factor=email purpose=verify reason=%s",
			crm_code_result_name(*out)), err);
	}
	r = finish(ctx, r, err);
out:
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return r;
}

size_t crm_mfa_split(const char *answer)
{
	size_t n;

	if (answer == NULL)
		return 0;
	n = strlen(answer);
	if (n <= CRM_TOTP_DIGITS)
		return 0;
	for (size_t i = n - CRM_TOTP_DIGITS; i < n; i++)
		if (answer[i] < '0' || answer[i] > '9')
			return 0;
	return n - CRM_TOTP_DIGITS;
}
