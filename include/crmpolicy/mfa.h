/*
 * The second factor in the store: which factor an account's policy asks
 * for, TOTP enrolment with its recovery codes, e-mailed codes (for logins
 * and for address verification) with expiry and a try limit, and the
 * checks of a typed code that record its use so it is never accepted
 * twice. Functions that take no transaction of their own run inside the
 * caller's BEGIN IMMEDIATE.
 */
#ifndef CRMPOLICY_MFA_H
#define CRMPOLICY_MFA_H

#include <stddef.h>
#include <stdint.h>

#include "crmpolicy/context.h"
#include "crmpolicy/key.h"
#include "crmpolicy/otp.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/store.h"

#define CRM_TOTP_DIGITS 6	/* what every authenticator app shows */
#define CRM_CODE_TRIES 3	/* typed tries of one e-mailed code */
#define CRM_VERIFY_TTL 86400	/* seconds an address-verification code lives */
#define CRM_MASKED_MAX (CRM_EMAIL_MAX + 8)

/* A second factor: the one a login needs, or the one it used. */
enum crm_factor {
	CRM_FACTOR_NONE = 0,
	CRM_FACTOR_TOTP,
	CRM_FACTOR_EMAIL,
	CRM_FACTOR_RECOVERY,	/* used only: a recovery code in place of TOTP */
};

/* "none", "totp", "email", "recovery". */
const char *crm_factor_name(enum crm_factor f);

/* What the store holds of one account's second factors. */
struct crm_mfa_state {
	int totp;		/* a TOTP secret is enrolled */
	int64_t totp_enrolled;	/* when, 0 if not */
	int recovery_left;	/* unused recovery codes */
	int email_verified;	/* the account has a verified address */
};

/* Reads the state of account a. Returns 0 or CRM_ESTORE. */
int crm_mfa_state_get(struct crm_db *db, const struct crm_account *a,
	struct crm_mfa_state *st, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * The factor pol asks of an account in state st: mfa=totp asks TOTP,
 * email an e-mailed code to a verified address, any TOTP where enrolled
 * and else e-mail. Sets *factor (CRM_FACTOR_NONE when none is needed, or
 * when mfa_nullok lets an account without the factor pass) and returns 0;
 * returns CRM_EPOLICY with *why (untranslated) when the account cannot
 * give the factor its policy needs.
 */
int crm_mfa_decide(const struct crm_policy *pol, const struct crm_mfa_state *st,
	enum crm_factor *factor, const char **why)
	__attribute__((warn_unused_result));

/* How a typed code fared. */
enum crm_code_result {
	CRM_CODE_OK = 0,
	CRM_CODE_WRONG,		/* no match */
	CRM_CODE_REPLAYED,	/* a TOTP code of a step already used */
	CRM_CODE_EXPIRED,	/* no e-mailed code pending, or its time is up */
	CRM_CODE_SPENT,		/* the e-mailed code's tries are used up */
};

/* Untranslated reason for logs ("wrong code", "code already used"...). */
const char *crm_code_result_name(enum crm_code_result r);

/*
 * Checks code as the factor given for account a, inside the caller's
 * transaction, and records its use: a TOTP code (exactly six digits) is
 * accepted only for a time step newer than the last one accepted, which
 * then becomes the last; anything else for TOTP is tried as a recovery
 * code, deleted when it matches. CRM_FACTOR_EMAIL checks the pending
 * login code (see crm_mfa_code_check). *used is the factor the code
 * turned out to be. Returns 0 with *out, or CRM_EKEY (the sealed secret
 * does not open), CRM_ESTORE or CRM_EIO.
 */
int crm_mfa_check(const struct crm_ctx *ctx,
	const unsigned char key[CRM_KEY_BYTES], const struct crm_policy *pol,
	const struct crm_account *a, enum crm_factor factor, const char *code,
	enum crm_factor *used, enum crm_code_result *out, int *tries_left,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * A new e-mailed code for a and purpose ("login" or "verify"), inside the
 * caller's transaction: digits random digits into code (digits + 1
 * bytes), its keyed hash stored with a's current address, an expiry of
 * ctx->now + ttl and CRM_CODE_TRIES tries, replacing any earlier code of
 * that purpose. Returns 0 or an error.
 */
int crm_mfa_code_new(const struct crm_ctx *ctx,
	const unsigned char key[CRM_KEY_BYTES], const struct crm_account *a,
	const char *purpose, int digits, int64_t ttl, char *code,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * Mails code to a's address (an address check with verify, else a login
 * code valid ttl seconds) and hands it to sendmail before returning;
 * masked gets the address as a prompt shows it. 0 or CRM_EIO.
 */
int crm_mfa_code_send(const struct crm_ctx *ctx, const struct crm_account *a,
	const char *code, int verify, int64_t ttl, char masked[CRM_MASKED_MAX],
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * Checks code against a's pending code of purpose, inside the caller's
 * transaction. A match deletes it; a miss uses one try (*tries_left says
 * how many remain). A code sent to another address than a's current one
 * is expired. Returns 0 with *out, or CRM_ESTORE.
 */
int crm_mfa_code_check(const struct crm_ctx *ctx,
	const unsigned char key[CRM_KEY_BYTES], const struct crm_account *a,
	const char *purpose, const char *code, enum crm_code_result *out,
	int *tries_left, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Enrols TOTP for user with secret (len bytes), which the caller made
 * with crm_totp_secret_new and showed to the user: activates it only if
 * code is a valid code of it now (the step becomes the last used), seals
 * the secret under the key file, replaces the recovery codes with ten new
 * ones, returned in codes, and audits mfa.enroll (by=self or by=admin).
 * One transaction. Returns 0, CRM_EPOLICY (wrong code), CRM_EEXIST
 * (already enrolled: disable or reset first), CRM_ENOENT, CRM_EKEY or a
 * store error.
 */
int crm_totp_enroll(const struct crm_ctx *ctx, const char *user,
	const unsigned char *secret, size_t len, const char *code, int by_admin,
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN], struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Inside the caller's transaction: removes a's TOTP secret, recovery
 * codes and pending login code. *had says whether a secret was enrolled.
 */
int crm_totp_remove(struct crm_db *db, const struct crm_account *a, int *had,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * Admin reset: removes user's TOTP enrolment and recovery codes and
 * audits mfa.reset. Returns 0, CRM_ENOENT (no such user, or not
 * enrolled) or an error.
 */
int crm_totp_reset(const struct crm_ctx *ctx, const char *user,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * Address verification, step one: a code (CRM_VERIFY_TTL) to user's
 * current address, handed to sendmail before returning; masked gets the
 * address as shown ("a…@example.com"). Audits email.code. Returns 0,
 * CRM_ENOENT, CRM_EINVAL (no address), CRM_EKEY, CRM_EIO (sendmail) or a
 * store error.
 */
int crm_email_verify_send(const struct crm_ctx *ctx, const char *user,
	char masked[CRM_MASKED_MAX], struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Step two: checks the code typed back; a match marks the address
 * verified (audit email.verify), a miss uses a try (audit mfa.failure).
 * Returns 0 with *out and *tries_left, or an error.
 */
int crm_email_verify_confirm(const struct crm_ctx *ctx, const char *user,
	const char *code, enum crm_code_result *out, int *tries_left,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * mfa_append: splits one answer into password and TOTP code when it ends
 * in CRM_TOTP_DIGITS digits after at least one other character. Returns
 * the length of the password part, or 0 when the answer does not split.
 */
size_t crm_mfa_split(const char *answer);

#endif
