/*
 * The phase functions: one core call per PAM phase, each doing its whole
 * read-check-write inside one BEGIN IMMEDIATE transaction. The PAM module
 * and the setuid helper call exactly these and map crm_result.verdict to a
 * PAM code in one table.
 */
#ifndef CRMPOLICY_AUTH_H
#define CRMPOLICY_AUTH_H

#include "crmpolicy/context.h"
#include "crmpolicy/geo.h"
#include "crmpolicy/mfa.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/store.h"

struct crm_request {
	const char *user;
	const char *password;		/* secret: supplied password, or NULL */
	const char *new_password;	/* secret: for crm_pw_check/commit */
	const char *code;		/* secret: a second-factor code, or NULL */
	int by_admin;			/* crm_pw_commit: an admin reset */
	int64_t reservation;		/* authfail/authsucc: preauth's reservation, -1 unknown */
	int vouch;			/* crm_auth_succ: check req->password
					 * against /etc/shadow first (the word
					 * of a caller without root) */
	int defer_refusal;		/* crm_auth_preauth: an account refusal
					 * (locked, disabled, inactive) is
					 * recorded by crm_auth_refused_password
					 * instead, after the password */
	const char *login_type;		/* crm_acct_check: record a login that
					 * passed no auth phase, of this type
					 * ([a-z-], "publickey"); NULL: none.
					 * crm_session_open: that login's type,
					 * learnt late */
};

enum crm_verdict {
	CRM_V_ALLOW = 0,
	CRM_V_WRONG,		/* wrong password */
	CRM_V_UNKNOWN,		/* no such user */
	CRM_V_LOCKED,
	CRM_V_DISABLED,
	CRM_V_INACTIVE,
	CRM_V_EXPIRED,		/* password expired: change required */
	CRM_V_MUST_CHANGE,	/* first login or admin reset */
	CRM_V_REJECTED,		/* new password refused: see result.rules */
	CRM_V_IGNORE,		/* not ours (ignore_unknown; stacked non-NSS user) */
	CRM_V_INVALID,		/* hostile or malformed user name or remote address */
	CRM_V_EXHAUSTED,	/* attempts in flight already reach deny */
	CRM_V_THROTTLED,	/* the remote address is blocked (IP throttling) */
	CRM_V_IP_DENIED,	/* a source-IP rule denies the address */
	CRM_V_MFA,		/* password right; ask result.mfa next */
	CRM_V_NO_FACTOR,	/* the policy needs a factor the account lacks */
	CRM_V_NOT_GOVERNED,	/* a system account outside govern_uids: not
				 * ours, the store left untouched */
};

struct crm_result {
	enum crm_verdict verdict;
	int warn_days;		/* >= 0: "Password expires in N days."; -1 none */
	unsigned rules;		/* CRM_PW_* failed rules (CRM_V_REJECTED) */
	int64_t lock_left;	/* seconds a lock still holds; -1 = until unlocked */
	/* crm_auth_refused_password: the refused account's own password
	 * was given (so its owner may be told why) */
	int password_right;
	int64_t reservation;	/* preauth: the attempt reserved (0 = none) */
	char reason[128];	/* untranslated reason for logs */
	struct crm_policy pol;	/* the user's effective policy */
	char rule[65];		/* the source-IP rule that decided ("default") */
	struct crm_place place;	/* where a successful login came from */
	int new_ip;		/* the success came from a new address */
	/* the second factor */
	enum crm_factor mfa;	/* CRM_V_MFA: the factor to ask for; preauth:
				 * CRM_FACTOR_TOTP when mfa_append is on and
				 * TOTP will be asked (the answer may carry the
				 * code), else CRM_FACTOR_NONE */
	enum crm_factor factor;	/* the factor a code was checked as */
	char mfa_to[CRM_MASKED_MAX];	/* crm_auth_mfa_send: "a…@example.com" */
	int tries_left;		/* a wrong e-mailed code: tries it has left */
	int recovery_left;	/* a recovery code was used: how many remain */
	/* session information (crm_session_open) */
	int64_t last_login;
	char last_rhost[256];
	char last_service[64];
	char last_place[256];	/* "City, Country" of the previous login */
	int failed_since;
};

/*
 * preauth (stacked) and the pre-prompt check (standalone): refuses locked,
 * disabled and inactive accounts (disabling an inactive one), validates user
 * name and ctx->rhost. In stacked mode creates the row of an NSS user on
 * first sight and reserves one attempt against deny.
 */
int crm_auth_preauth(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Standalone, after crm_auth_preauth refused the account itself (locked,
 * disabled, inactive: crm_verdict_is_account's): the password asked all
 * the same is checked (res->password_right) at the cost of any check and
 * counted against the address, so that such an account answers as
 * slowly as a wrong password and tells nothing by its timing; then the
 * refusal that preauth deferred (req->defer_refusal) is recorded. With
 * no password (the user gave none) only the refusal is. res keeps the
 * refusal; nothing of the account changes.
 */
int crm_auth_refused_password(const struct crm_ctx *ctx,
	const struct crm_request *req, struct crm_result *res,
	struct crm_error *err) __attribute__((warn_unused_result));
/* 1 for a refusal that is about the account, not the address. */
int crm_verdict_is_account(int verdict);

/* authfail (stacked): counts a supplied wrong password; locks at deny. */
int crm_auth_fail(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * authsucc (stacked): clears the count and records the login; or, when
 * the policy asks a second factor, keeps the attempt reserved and answers
 * CRM_V_MFA (res->mfa, res->reservation) for crm_auth_mfa to finish.
 * With req->vouch, req->password must first match /etc/shadow: one that
 * does not is counted as crm_auth_fail counts it (CRM_V_WRONG); none, or
 * no shadow entry, is refused (CRM_V_INVALID).
 */
int crm_auth_succ(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Standalone authentication of req->password: reserves an attempt, verifies
 * the argon2id hash outside the transaction, then counts the failure or
 * clears the count, records the login and re-hashes on a cost change. An
 * unknown user costs one hash all the same. When the policy asks a second
 * factor, a right password answers CRM_V_MFA instead of recording the
 * login: the attempt stays reserved (res->reservation) for crm_auth_mfa.
 */
int crm_auth_password(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Account management: disabled/inactive (CRM_V_DISABLED/INACTIVE), locked,
 * expired or must-change, and the expiry warning in res->warn_days. With
 * req->login_type, an allowed account also gets the login recorded as a
 * successful authentication records it (history row, known address, last
 * login, audit login.success), for a login the service authenticated
 * itself.
 */
int crm_acct_check(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * The prelim pass of a change of a password that lives elsewhere
 * (pam_unix asks for the current one next): refuses what preauth refuses
 * (locked, disabled, inactive, throttled, IP denied) and reserves one
 * attempt against deny in res->reservation, as preauth does.
 */
int crm_pw_prelim(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * The current password of a change was proven by the module that owns it:
 * releases req->reservation and clears the consecutive failures.
 */
int crm_pw_proven(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
	__attribute__((warn_unused_result));

/* Verifies req->password against the stored one (own change). */
int crm_pw_verify_current(const struct crm_ctx *ctx,
	const struct crm_request *req, struct crm_result *res,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * Checks req->new_password: quality, history (last `history` passwords and
 * the current one) and minimum age (not for must-change or admin resets).
 * A refusal is CRM_V_REJECTED with res->rules and a password.reject event.
 */
int crm_pw_check(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Records req->new_password: in standalone mode (or an admin reset) as the
 * account's argon2id hash; always as a history entry. Clears must-change
 * (sets it on an admin reset), sets the change time, audits
 * password.change (self/admin).
 */
int crm_pw_commit(const struct crm_ctx *ctx, const struct crm_request *req,
	int store_hash, struct crm_result *res, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Inside the caller's transaction: records hash as a's new password (as its
 * store hash when store_hash), sets the change time, sets must-change for
 * an admin reset and clears it otherwise, adds a history entry and keeps
 * the newest pol history + 1, and keeps the SIP credentials in step
 * (crm_sip_store: derived from password when pol names a sip_realm, gone
 * otherwise or when password is NULL). Audits nothing: the caller names
 * the event.
 */
int crm_pw_record(const struct crm_ctx *ctx, struct crm_account *a,
	const char *hash, int store_hash, int by_admin,
	const struct crm_policy *pol, const char *password,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * Session open: the previous login and failures since, for the greeting.
 * With req->login_type, the key login account management recorded as
 * "external" moments ago gets that type (crm_history_retype).
 */
int crm_session_open(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Whether the store owns req->user's password (standalone: the account
 * has an argon2id hash) or the password lives elsewhere (stacked).
 */
int crm_pw_store_owned(const struct crm_ctx *ctx, const char *user,
	int *owned, struct crm_error *err) __attribute__((warn_unused_result));

/*
 * Before the prompt for an e-mailed code (res->mfa from CRM_V_MFA is
 * CRM_FACTOR_EMAIL): a new code, stored hashed, handed to sendmail before
 * this returns; res->mfa_to is the masked address for the prompt. Other
 * factors need nothing sent (res->mfa says which). A mail that cannot be
 * sent releases the reservation and returns CRM_EIO.
 */
int crm_auth_mfa_send(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * The second factor of a login whose password was right: checks
 * req->code as the factor the policy asks (a TOTP code, a recovery code
 * for TOTP, or the e-mailed code), records its use so it is never
 * accepted again, then records the login as crm_auth_password does
 * (res->factor says which factor). A wrong code is counted like a wrong
 * password (CRM_V_WRONG; for an e-mailed code res->tries_left). No code
 * (NULL), or the password given again at the code prompt (req->password,
 * a client that cannot answer a second prompt), counts nothing. Releases
 * req->reservation.
 */
int crm_auth_mfa(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * crmpasswd totp disable: checks req->code (TOTP or recovery code) as
 * crm_auth_mfa does, counting a wrong one, and on a match removes the
 * TOTP enrolment and recovery codes (audit mfa.disable). CRM_ENOENT when
 * the user has no TOTP.
 */
int crm_totp_disable(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
	__attribute__((warn_unused_result));

/* Untranslated name of a verdict for logs ("locked"). */
const char *crm_verdict_name(enum crm_verdict v);

#endif
