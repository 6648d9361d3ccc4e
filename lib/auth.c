/*
 * The phase functions: preauth, authfail, authsucc, standalone password
 * authentication, account management, password check/commit and session
 * open. Each one does its read-check-write inside one BEGIN IMMEDIATE; a
 * slow hash is computed between two transactions, never inside one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <sodium.h>

#include "crmpolicy/aging.h"
#include "crmpolicy/audit.h"
#include "crmpolicy/auth.h"
#include "crmpolicy/geo.h"
#include "crmpolicy/govern.h"
#include "crmpolicy/history.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/knownip.h"
#include "crmpolicy/lockout.h"
#include "crmpolicy/mail.h"
#include "crmpolicy/mfa.h"
#include "crmpolicy/nss.h"
#include "crmpolicy/pwhash.h"
#include "crmpolicy/quality.h"
#include "crmpolicy/rules.h"
#include "crmpolicy/shadow.h"
#include "crmpolicy/sip.h"
#include "crmpolicy/store.h"
#include "crmpolicy/throttle.h"
#include "crmpolicy/utf8.h"

const char *crm_verdict_name(enum crm_verdict v)
{
	switch (v) {
	case CRM_V_ALLOW: return "allowed";
	case CRM_V_WRONG: return "wrong password";
	case CRM_V_UNKNOWN: return "unknown user";
	case CRM_V_LOCKED: return "locked";
	case CRM_V_DISABLED: return "disabled";
	case CRM_V_INACTIVE: return "inactive";
	case CRM_V_EXPIRED: return "password expired";
	case CRM_V_MUST_CHANGE: return "password must be changed";
	case CRM_V_REJECTED: return "password rejected";
	case CRM_V_IGNORE: return "not handled";
	case CRM_V_INVALID: return "invalid input";
	case CRM_V_EXHAUSTED: return "attempts exhausted";
	case CRM_V_THROTTLED: return "address throttled";
	case CRM_V_IP_DENIED: return "address denied";
	case CRM_V_MFA: return "second factor required";
	case CRM_V_NO_FACTOR: return "no second factor available";
	case CRM_V_NOT_GOVERNED: return "not governed";
	}
	return "unknown";
}

static void result_init(struct crm_result *res)
{
	memset(res, 0, sizeof(*res));
	res->verdict = CRM_V_ALLOW;
	res->warn_days = -1;
}

static int set_verdict(struct crm_result *res, enum crm_verdict v,
	const char *reason)
{
	res->verdict = v;
	snprintf(res->reason, sizeof(res->reason), "%s",
		reason ? reason : crm_verdict_name(v));
	return CRM_OK;
}

static int is_stacked(const struct crm_ctx *ctx)
{
	return ctx->cfg->mode != CRM_MODE_STANDALONE &&
		ctx->cfg->mode != CRM_MODE_OWNED;
}

/* A login type a caller names: 1 to 31 of [a-z-]. */
static int type_valid(const char *type)
{
	size_t n = strspn(type, "abcdefghijklmnopqrstuvwxyz-");

	return n > 0 && n < 32 && type[n] == '\0';
}

/*
 * Checks the request's user name and remote address before anything else
 * touches the store. A hostile value is refused and audited in printable
 * form; the store keeps the bytes only through bound parameters.
 */
static int validate(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	const char *why = NULL;
	char shown[64];

	if (req->user == NULL || !crm_name_valid(req->user))
		why = "invalid user name";
	else if (!crm_rhost_valid(ctx->rhost))
		why = "invalid remote address";
	else if (req->login_type != NULL && !type_valid(req->login_type))
		why = "invalid login type";
	if (why == NULL)
		return CRM_OK;
	set_verdict(res, CRM_V_INVALID, why);
	crm_printable(req->user ? req->user : "", shown, sizeof(shown));
	if (crm_audit_add(ctx, "login.failure", shown, "reason=%s", why))
		return crm_store_error(ctx->db, "writing the audit trail", err);
	return CRM_OK;
}

/*
 * Whether the policy governs req->user (govern_uids, or an account an
 * administrator put in the store). When it does not, the verdict says so
 * and the phase ends here, before the store is written or even locked.
 */
static int govern(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	int governed = 1, r;

	if ((r = crm_govern_user(ctx, req->user, &governed, err)) != CRM_OK)
		return r;
	if (!governed)
		set_verdict(res, CRM_V_NOT_GOVERNED, NULL);
	return CRM_OK;
}

static int audit(const struct crm_ctx *ctx, const char *event,
	const char *user, const char *reason, struct crm_error *err)
{
	if (crm_audit_add(ctx, event, user, "%s%s", reason ? "reason=" : "",
			reason ? reason : ""))
		return crm_store_error(ctx->db, "writing the audit trail", err);
	return CRM_OK;
}

/* The login type of the history: "password" or "stacked", and "+totp"... */
static const char *login_type(const struct crm_ctx *ctx, enum crm_factor f,
	char buf[32])
{
	if (ctx->login_type != NULL)
		return ctx->login_type;
	snprintf(buf, 32, "%s%s%s", is_stacked(ctx) ? CRM_LOGIN_STACKED :
		CRM_LOGIN_PASSWORD, f != CRM_FACTOR_NONE ? "+" : "",
		f != CRM_FACTOR_NONE ? crm_factor_name(f) : "");
	return buf;
}

/*
 * A refused attempt: one audit event and one login-history row, inside
 * the caller's transaction; factor is the one a refused code was for.
 */
static int refused_as(const struct crm_ctx *ctx, const char *user,
	const char *reason, enum crm_factor factor, struct crm_error *err)
{
	char type[32];
	int r = audit(ctx, "login.failure", user, reason, err);

	if (r == CRM_OK)
		r = crm_history_record(ctx, user, login_type(ctx, factor, type),
			0, reason, 0, NULL, NULL, err);
	return r;
}

static int refused(const struct crm_ctx *ctx, const char *user,
	const char *reason, struct crm_error *err)
{
	return refused_as(ctx, user, reason, CRM_FACTOR_NONE, err);
}

/*
 * The checks on the address, before anything about the account: a
 * throttled address, then the source-IP rules (first match wins).
 */
static int gate(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	struct crm_rule_decision d;
	int64_t until = 0;
	int r, blocked = 0;
	char why[128];

	if ((r = crm_throttle_check(ctx, &blocked, &until, err)) != CRM_OK)
		return r;
	if (blocked)
		return set_verdict(res, CRM_V_THROTTLED, "address throttled");
	if ((r = crm_rules_decide(ctx, req->user, ctx->service, ctx->rhost, &d,
			err)) != CRM_OK)
		return r;
	snprintf(res->rule, sizeof(res->rule), "%s", d.rule);
	if (d.action != CRM_RULE_DENY)
		return CRM_OK;
	snprintf(why, sizeof(why), "denied by rule %s", d.rule);
	set_verdict(res, CRM_V_IP_DENIED, why);
	if (crm_audit_add(ctx, "ip.denied", req->user, "rule=%s", d.rule))
		return crm_store_error(ctx->db, "writing the audit trail", err);
	return CRM_OK;
}

/* The place of ctx->rhost; a geolocation problem is logged, never fatal. */
static void locate(const struct crm_ctx *ctx, struct crm_place *place)
{
	struct crm_error e;

	memset(place, 0, sizeof(*place));
	if (ctx->rhost == NULL || ctx->rhost[0] == '\0')
		return;
	if (crm_geo_lookup_with(ctx->geo, ctx->cfg, ctx->rhost, place, &e) != CRM_OK)
		crm_ctx_log(ctx, LOG_WARNING, "geolocation: %s", e.msg);
}

/* The account a system user seen now for the first time starts as. */
static void blank_account(const struct crm_ctx *ctx, const char *user,
	struct crm_account *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", user);
	a->origin = CRM_ORIGIN_SEEN;
	a->created = ctx->now;
}

/* Creates the row of an NSS user first seen by a stacked stack. */
static int create_seen(const struct crm_ctx *ctx, const char *user,
	struct crm_account *a, struct crm_error *err)
{
	int r;

	blank_account(ctx, user, a);
	if ((r = crm_account_insert(ctx->db, a, err)) != CRM_OK)
		return r;
	if (crm_audit_add(ctx, "user.add", user, "origin=seen"))
		return crm_store_error(ctx->db, "writing the audit trail", err);
	return CRM_OK;
}

/*
 * Loads the account inside the open transaction. *found = 0 when there is
 * none; with create != 0 an NSS user's row is created on first sight.
 */
static int load(const struct crm_ctx *ctx, const char *user, int create,
	struct crm_account *a, int *found, struct crm_error *err)
{
	int r = crm_account_find(ctx->db, user, a, found, err), nss;

	if (r != CRM_OK || *found || !create)
		return r;
	if ((r = crm_nss_user(user, NULL, NULL, &nss, err)) != CRM_OK || !nss)
		return r;
	if ((r = create_seen(ctx, user, a, err)) != CRM_OK)
		return r;
	*found = 1;
	return CRM_OK;
}

/*
 * The state checks every phase shares: disabled, inactive (which disables
 * and audits), and locked. Sets the verdict when the account is refused
 * and *dirty when a must be written back.
 */
static int check_state(const struct crm_ctx *ctx, struct crm_result *res,
	struct crm_account *a, int *dirty, struct crm_error *err)
{
	const struct crm_policy *pol = &res->pol;
	char why[64];

	if (a->disabled) {
		snprintf(why, sizeof(why), "disabled (%s)", a->disabled_reason);
		set_verdict(res, strcmp(a->disabled_reason, "inactive") == 0 ?
			CRM_V_INACTIVE : CRM_V_DISABLED, why);
		return CRM_OK;
	}
	if (crm_aging_inactive(pol, a, ctx->now)) {
		a->disabled = 1;
		a->disabled_at = ctx->now;
		snprintf(a->disabled_reason, sizeof(a->disabled_reason), "inactive");
		*dirty = 1;
		set_verdict(res, CRM_V_INACTIVE, "inactive");
		if (crm_audit_add(ctx, "inactive", a->name, "days=%lld",
				pol->num[CRM_K_INACTIVE_DAYS]))
			return crm_store_error(ctx->db, "writing the audit trail", err);
		return CRM_OK;
	}
	if (crm_lockout_refresh(pol, a, ctx->now))
		*dirty = 1;
	if (crm_lockout_is_locked(pol, a, ctx->now, &res->lock_left))
		set_verdict(res, CRM_V_LOCKED, "locked");
	return CRM_OK;
}

/* Marks a successful login: clears failures, shifts last login to previous. */
static void record_login(const struct crm_ctx *ctx, struct crm_account *a,
	const struct crm_place *place)
{
	memcpy(a->prev_place, a->last_place, sizeof(a->prev_place));
	crm_geo_format(place, a->last_place, sizeof(a->last_place));
	crm_lockout_clear(a);
	a->prev_login = a->last_login;
	memcpy(a->prev_service, a->last_service, sizeof(a->prev_service));
	memcpy(a->prev_rhost, a->last_rhost, sizeof(a->prev_rhost));
	a->prev_fails = a->fails_since_login;
	a->fails_since_login = 0;
	a->last_login = ctx->now;
	snprintf(a->last_service, sizeof(a->last_service), "%s",
		ctx->service ? ctx->service : "");
	snprintf(a->last_rhost, sizeof(a->last_rhost), "%s",
		ctx->rhost ? ctx->rhost : "");
}

/*
 * What every supplied wrong password adds, whoever the user: the history
 * row and one failure against the address (IP throttling). With reason
 * the attempt is also audited (an unknown user).
 */
static int wrong_guess(const struct crm_ctx *ctx, const char *user,
	const char *reason, const char *what, enum crm_factor factor,
	struct crm_error *err)
{
	int r, blocked_now = 0;
	char type[32];

	r = reason ? audit(ctx, "login.failure", user, reason, err) : CRM_OK;
	if (r == CRM_OK)
		r = crm_history_record(ctx, user, login_type(ctx, factor, type),
			0, reason ? reason : what, 0, NULL, NULL, err);
	if (r == CRM_OK)
		r = crm_throttle_fail(ctx, &blocked_now, err);
	return r;
}

/*
 * Counts one supplied wrong password or code (what: "wrong password",
 * "wrong code"...; res->factor: the factor a code was for); audits the
 * failure and any lock.
 */
static int count_failure(const struct crm_ctx *ctx, struct crm_result *res,
	struct crm_account *a, const char *what, struct crm_error *err)
{
	int locked = crm_lockout_fail(&res->pol, ctx->cfg, a, ctx->now);
	int r;

	set_verdict(res, CRM_V_WRONG, what);
	if ((r = crm_account_update(ctx->db, a, err)) != CRM_OK)
		return r;
	if (crm_audit_add(ctx, "login.failure", a->name,
			"reason=%s failures=%d", what, a->failures))
		return crm_store_error(ctx->db, "writing the audit trail", err);
	if (locked && crm_audit_add(ctx, "lock", a->name, "failures=%d",
			a->failures))
		return crm_store_error(ctx->db, "writing the audit trail", err);
	return wrong_guess(ctx, a->name, NULL, what, res->factor, err);
}

/* Commits, or rolls back and returns r when r is an error. */
static int finish(const struct crm_ctx *ctx, int r, struct crm_error *err)
{
	if (r != CRM_OK) {
		crm_store_rollback(ctx->db);
		return r;
	}
	return crm_store_commit(ctx->db, err);
}

/*
 * How a write transaction of a login commits: DURABLE for one that counts
 * a failure, blocks an address or uses a code, whose commit must reach
 * the disk before the answer; RELAXED for one that only reserves an
 * attempt, refuses or records a success (crm_store_begin_relaxed).
 */
enum sync { DURABLE, RELAXED, READ };

static int begin_sync(struct crm_db *db, enum sync sync, struct crm_error *err)
{
	if (sync == READ)
		return crm_store_begin_read(db, err);
	return sync == RELAXED ? crm_store_begin_relaxed(db, err) :
		crm_store_begin(db, err);
}

/*
 * Validation, whether the user is governed (nss: a phase that sees system
 * accounts), policy and the opening of the transaction, shared by phases.
 */
static int begin(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, int nss, enum sync sync, struct crm_error *err)
{
	int r;

	result_init(res);
	if ((r = validate(ctx, req, res, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	if (nss && ((r = govern(ctx, req, res, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW))
		return r;
	if ((r = crm_policy_resolve(ctx, req->user, &res->pol, err)) != CRM_OK)
		return r;
	return begin_sync(ctx->db, sync, err);
}

/* The longest pause between two looks for a free place against deny. */
#define ADMIT_STEP_MAX_MS 4

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * The first transaction of an attempt, shared by preauth and standalone
 * authentication: the account (an NSS user's row created on first sight
 * when create), the state checks and, when reserve, one attempt reserved
 * against deny. While the attempts in flight fill deny it waits for one of
 * them to end instead of refusing: a right password is not turned away
 * because others are being checked, yet no more than deny are checked at
 * once. *found = 0 for an unknown user.
 */
static int admit(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, int create, int reserve, struct crm_account *a,
	int *found, struct crm_error *err)
{
	long waited = 0, step = 1;

	*found = 0;
	for (;;) {
		int r, dirty = 0, granted = 1;

		if ((r = begin(ctx, req, res, create, RELAXED, err)) != CRM_OK ||
				res->verdict != CRM_V_ALLOW)
			return r;
		if ((r = gate(ctx, req, res, err)) != CRM_OK ||
				res->verdict != CRM_V_ALLOW) {
			if (r == CRM_OK)
				r = refused(ctx, req->user, res->reason, err);
			return finish(ctx, r, err);
		}
		if ((r = load(ctx, req->user, create, a, found, err)) != CRM_OK ||
				!*found)
			return finish(ctx, r, err);
		r = check_state(ctx, res, a, &dirty, err);
		if (r == CRM_OK && res->verdict == CRM_V_ALLOW && reserve)
			r = crm_lockout_reserve(ctx->db, &res->pol, ctx->cfg, a,
				ctx->now, &res->reservation, &granted, err);
		if (r == CRM_OK && dirty)
			r = crm_account_update(ctx->db, a, err);
		if (r == CRM_OK && !granted && waited < ctx->admit_wait_ms) {
			if ((r = finish(ctx, r, err)) != CRM_OK)
				return r;
			sleep_ms(step);
			waited += step;
			step = step < ADMIT_STEP_MAX_MS ? step * 2 :
				ADMIT_STEP_MAX_MS;
			continue;
		}
		if (r == CRM_OK && !granted)
			set_verdict(res, CRM_V_EXHAUSTED, NULL);
		if (r == CRM_OK && res->verdict != CRM_V_ALLOW &&
				!(req->defer_refusal &&
				crm_verdict_is_account(res->verdict)))
			r = refused(ctx, a->name, res->reason, err);
		return finish(ctx, r, err);
	}
}

int crm_auth_preauth(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	struct crm_account a;
	int r, found;

	r = admit(ctx, req, res, is_stacked(ctx), is_stacked(ctx), &a, &found,
		err);
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	/* mfa_append: the adapter splits the answer only for TOTP users. */
	if (r == CRM_OK && found && res->verdict == CRM_V_ALLOW &&
			ctx->cfg->num[CRM_K_MFA_APPEND]) {
		struct crm_mfa_state st;
		const char *why;

		if ((r = crm_mfa_state_get(ctx->db, &a, &st, err)) == CRM_OK &&
				crm_mfa_decide(&res->pol, &st, &res->mfa, &why))
			res->mfa = CRM_FACTOR_NONE;
	}
	if (r != CRM_OK || found || res->verdict != CRM_V_ALLOW)
		return r;
	if (is_stacked(ctx) || (ctx->cfg->opts & CRM_OPT_IGNORE_UNKNOWN))
		return set_verdict(res, CRM_V_IGNORE, "unknown user");
	return set_verdict(res, CRM_V_UNKNOWN, NULL);
}

int crm_verdict_is_account(int verdict)
{
	return verdict == CRM_V_LOCKED || verdict == CRM_V_DISABLED ||
		verdict == CRM_V_INACTIVE;
}

int crm_auth_refused_password(const struct crm_ctx *ctx,
	const struct crm_request *req, struct crm_result *res,
	struct crm_error *err)
{
	struct crm_account a;
	int r, blocked_now = 0, found = 0;

	res->password_right = 0;
	if (req->password != NULL) {
		if ((r = crm_store_begin_read(ctx->db, err)) != CRM_OK)
			return r;
		r = load(ctx, req->user, 0, &a, &found, err);
		if ((r = finish(ctx, r, err)) != CRM_OK)
			return r;
		/* The slow part, as for any password, with no lock held. */
		if (found && a.pw_hash[0] != '\0')
			res->password_right = crm_pwhash_verify(a.pw_hash,
				req->password);
		else
			crm_pwhash_dummy(ctx->cfg, req->password);
		sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	}
	/* The refusal, as a wrong password's failure is: durably. */
	if ((r = begin_sync(ctx->db, DURABLE, err)) != CRM_OK)
		return r;
	r = refused(ctx, req->user, res->reason, err);
	if (r == CRM_OK && req->password != NULL)
		r = crm_throttle_fail(ctx, &blocked_now, err);
	return finish(ctx, r, err);
}

int crm_auth_fail(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	struct crm_account a;
	int r, found;

	if ((r = begin(ctx, req, res, 1, DURABLE, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	if ((r = load(ctx, req->user, 0, &a, &found, err)) != CRM_OK)
		return finish(ctx, r, err);
	if (!found) {
		set_verdict(res, CRM_V_IGNORE, "unknown user");
		r = req->password != NULL ?
			wrong_guess(ctx, req->user, "unknown user", NULL,
				CRM_FACTOR_NONE, err) :
			refused(ctx, req->user, "no password supplied", err);
		return finish(ctx, r, err);
	}
	r = crm_lockout_release(ctx->db, a.id, req->reservation, err);
	if (r == CRM_OK && req->password == NULL) {
		/* An abandoned conversation supplied nothing: nothing counts. */
		set_verdict(res, CRM_V_WRONG, "no password supplied");
		r = refused(ctx, a.name, res->reason, err);
	} else if (r == CRM_OK) {
		r = count_failure(ctx, res, &a, "wrong password", err);
	}
	return finish(ctx, r, err);
}

int crm_pw_prelim(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	struct crm_account a;
	int r, found;

	r = admit(ctx, req, res, 1, 1, &a, &found, err);
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	if (r == CRM_OK && !found && res->verdict == CRM_V_ALLOW)
		return set_verdict(res, CRM_V_IGNORE, "unknown user");
	return r;
}

int crm_pw_proven(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	struct crm_account a;
	int r, found;

	if ((r = begin(ctx, req, res, 1, DURABLE, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	if ((r = load(ctx, req->user, 0, &a, &found, err)) != CRM_OK ||
			!found)
		return finish(ctx, r, err);
	r = crm_lockout_release(ctx->db, a.id, req->reservation, err);
	/* A lock that took hold meanwhile stays. */
	if (r == CRM_OK && a.failures != 0 && a.locked_at == 0) {
		crm_lockout_clear(&a);
		r = crm_account_update(ctx->db, &a, err);
	}
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return finish(ctx, r, err);
}

/*
 * Records a success for a loaded account unless a lock has meanwhile taken
 * hold: the login, its place, the known address (res->new_ip), the history
 * row and the audit event.
 */
static int settle_success(const struct crm_ctx *ctx, struct crm_result *res,
	struct crm_account *a, int login, const char *type,
	const struct crm_place *place, struct crm_error *err)
{
	int r, dirty = 0, merged = 0;
	char buf[32];

	if ((r = check_state(ctx, res, a, &dirty, err)) != CRM_OK)
		return r;
	if (res->verdict != CRM_V_ALLOW) {
		if (dirty && (r = crm_account_update(ctx->db, a, err)) != CRM_OK)
			return r;
		return refused(ctx, a->name, res->reason, err);
	}
	if (!login) {
		crm_lockout_clear(a);
		return crm_account_update(ctx->db, a, err);
	}
	res->place = *place;
	record_login(ctx, a, &res->place);
	if ((r = crm_account_update(ctx->db, a, err)) != CRM_OK)
		return r;
	if ((r = crm_knownip_seen(ctx, a->id, a->name, &res->pol, &res->new_ip,
			err)) != CRM_OK)
		return r;
	if ((r = crm_history_record(ctx, a->name, type ? type :
			login_type(ctx, res->factor, buf), 1, "", res->new_ip,
			&res->place, &merged, err)) != CRM_OK)
		return r;
	/* A registrar's refresh of a binding the history row counts already
	 * is not a new event. */
	if (merged && ctx->login_type != NULL &&
			strcmp(ctx->login_type, CRM_LOGIN_SIP) == 0)
		return CRM_OK;
	if (crm_audit_add(ctx, "login.success", a->name, "type=%s factor=%s%s",
			type ? type : ctx->login_type ? ctx->login_type :
			is_stacked(ctx) ? CRM_LOGIN_STACKED : CRM_LOGIN_PASSWORD,
			crm_factor_name(res->factor),
			res->new_ip ? " new_ip=1" : ""))
		return crm_store_error(ctx->db, "writing the audit trail", err);
	return CRM_OK;
}

/*
 * After the commit of a success from a new address: the alert, handed to
 * sendmail without waiting. A mail problem is logged; the login stands.
 */
static void notify_new_ip(const struct crm_ctx *ctx,
	const struct crm_result *res, const struct crm_account *a)
{
	struct crm_alert al;
	struct crm_error e;
	char lang[CRM_LANG_MAX + 1];

	if (res->verdict != CRM_V_ALLOW || !res->new_ip ||
			!res->pol.num[CRM_K_NOTIFY_NEW_IP])
		return;
	memset(&al, 0, sizeof(al));
	al.user = a->name;
	al.email = a->email_verified && a->email[0] != '\0' ? a->email : NULL;
	al.service = ctx->service;
	al.rhost = ctx->rhost;
	al.when = ctx->now;
	al.place = &res->place;
	crm_lang_pick(a->lang, res->pol.text[CRM_PT_LANG], lang);
	al.lang = lang;
	if (crm_mail_new_ip_alert(ctx->cfg, &al, &e) != CRM_OK)
		crm_ctx_log(ctx, LOG_WARNING, "new-address alert not sent: %s",
			e.msg);
}

/*
 * After an error ended an attempt that held a reservation (the phase's
 * own transaction rolled back): the attempt is refused and its place
 * against deny given back in a transaction of its own, so that a key
 * file or mail set right a moment later finds the places free. Best
 * effort: the caller reports the error itself.
 */
static void give_back(const struct crm_ctx *ctx, const char *user,
	int64_t reservation, int code, const char *reason)
{
	struct crm_account a;
	struct crm_error e;
	char why[64];
	int r, found = 0;

	if (reservation == 0 || user == NULL ||
			crm_store_begin_relaxed(ctx->db, &e) != CRM_OK)
		return;
	snprintf(why, sizeof(why), "%s", reason ? reason : crm_error_name(code));
	r = load(ctx, user, 0, &a, &found, &e);
	if (r == CRM_OK && found)
		r = crm_lockout_release(ctx->db, a.id, reservation, &e);
	if (r == CRM_OK && found)
		r = refused(ctx, a.name, why, &e);
	(void)finish(ctx, r, &e);
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
}

/*
 * After a right password, inside the transaction: the factor the policy
 * asks next (res->mfa). With one to ask, the attempt stays reserved
 * (res->reservation) and the verdict is CRM_V_MFA; an account that cannot
 * give the factor its policy needs is refused (CRM_V_NO_FACTOR) without
 * a failure counted. With none, the verdict stays CRM_V_ALLOW.
 */
static int need_factor(const struct crm_ctx *ctx, struct crm_result *res,
	struct crm_account *a, int64_t reservation, struct crm_error *err)
{
	struct crm_mfa_state st;
	const char *why = NULL;
	int r;

	if ((r = crm_mfa_state_get(ctx->db, a, &st, err)) != CRM_OK)
		return r;
	if (crm_mfa_decide(&res->pol, &st, &res->mfa, &why) != CRM_OK) {
		set_verdict(res, CRM_V_NO_FACTOR, why);
		if ((r = crm_lockout_release(ctx->db, a->id, reservation,
				err)) != CRM_OK)
			return r;
		return refused(ctx, a->name, why, err);
	}
	if (res->mfa == CRM_FACTOR_NONE)
		return CRM_OK;
	res->reservation = reservation;
	return set_verdict(res, CRM_V_MFA, NULL);
}

/*
 * authsucc's word that the module before accepted req->password, checked
 * against /etc/shadow (req->vouch: the word comes from a caller without
 * root). *go = 1 when it holds; otherwise the attempt is settled here: a
 * password shadow does not hold counts as authfail counts it, and none,
 * or no shadow entry to check it against, is refused and audited.
 */
static int vouch(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, int *go, struct crm_error *err)
{
	struct crm_account a;
	int r, found = 0, ok = 0;

	*go = 0;
	if (req->password != NULL && (r = crm_shadow_verify(req->user,
			req->password, &found, &ok, err)) != CRM_OK)
		return r;
	if (ok) {
		*go = 1;
		return CRM_OK;
	}
	if (found) {
		/* Never an ignore: the stack must not take pam_unix's word. */
		r = crm_auth_fail(ctx, req, res, err);
		if (r == CRM_OK && res->verdict == CRM_V_IGNORE)
			set_verdict(res, CRM_V_WRONG, "wrong password");
		return r;
	}
	if ((r = begin(ctx, req, res, 1, RELAXED, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	set_verdict(res, CRM_V_INVALID, req->password == NULL ?
		"authsucc without a password to check" :
		"authsucc without an /etc/shadow password to check");
	if ((r = load(ctx, req->user, 0, &a, &found, err)) == CRM_OK && found)
		r = crm_lockout_release(ctx->db, a.id, req->reservation, err);
	if (r == CRM_OK)
		r = refused(ctx, req->user, res->reason, err);
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return finish(ctx, r, err);
}

int crm_auth_succ(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	struct crm_place place;
	struct crm_account a;
	int r, found, go;

	if (req->vouch && ((r = vouch(ctx, req, res, &go, err)) != CRM_OK ||
			!go))
		return r;
	/* Looked up before the write lock, as every slow part. */
	locate(ctx, &place);
	if ((r = begin(ctx, req, res, 1, RELAXED, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	if ((r = load(ctx, req->user, 1, &a, &found, err)) != CRM_OK)
		return finish(ctx, r, err);
	if (!found) {
		set_verdict(res, CRM_V_IGNORE, "unknown user");
		return finish(ctx, CRM_OK, err);
	}
	r = need_factor(ctx, res, &a, req->reservation, err);
	if (r == CRM_OK && res->verdict == CRM_V_ALLOW)
		r = crm_lockout_release(ctx->db, a.id, req->reservation, err);
	if (r == CRM_OK && res->verdict == CRM_V_ALLOW)
		r = settle_success(ctx, res, &a, 1, NULL, &place, err);
	if ((r = finish(ctx, r, err)) == CRM_OK)
		notify_new_ip(ctx, res, &a);
	else
		give_back(ctx, req->user, req->reservation, r, NULL);
	return r;
}

/*
 * Reserve, verify outside the transaction, settle: the shared path of
 * standalone authentication (login != 0) and of the current-password check
 * of an own change (login == 0). Both count a wrong password.
 */
static int verify_reserved(const struct crm_ctx *ctx,
	const struct crm_request *req, struct crm_result *res, int login,
	struct crm_error *err)
{
	struct crm_account a;
	struct crm_place place;
	char newhash[CRM_HASH_MAX] = "";
	int64_t reservation;
	int r, found, ok;

	if ((r = admit(ctx, req, res, 0, 1, &a, &found, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		goto out;
	if (!found) {
		crm_pwhash_dummy(ctx->cfg, req->password ? req->password : "");
		set_verdict(res, (ctx->cfg->opts & CRM_OPT_IGNORE_UNKNOWN) ?
			CRM_V_IGNORE : CRM_V_UNKNOWN, "unknown user");
		if ((r = crm_store_begin(ctx->db, err)) != CRM_OK)
			return r;
		return finish(ctx, wrong_guess(ctx, req->user, "unknown user",
			NULL, CRM_FACTOR_NONE, err), err);
	}
	reservation = res->reservation;

	/* The slow part, with no lock held; the reservation counts meanwhile. */
	ok = req->password != NULL && a.pw_hash[0] != '\0' &&
		crm_pwhash_verify(a.pw_hash, req->password);
	if (a.pw_hash[0] == '\0')
		crm_pwhash_dummy(ctx->cfg, req->password ? req->password : "");
	if (ok && crm_pwhash_needs_rehash(ctx->cfg, a.pw_hash) &&
			crm_pwhash_make(ctx->cfg, req->password, newhash, NULL) != CRM_OK)
		newhash[0] = '\0';
	if (ok && login)
		locate(ctx, &place);
	else
		memset(&place, 0, sizeof(place));

	if ((r = begin_sync(ctx->db, ok ? RELAXED : DURABLE, err)) != CRM_OK)
		goto out;
	{
		char oldhash[CRM_HASH_MAX];

		memcpy(oldhash, a.pw_hash, sizeof(oldhash));
		if ((r = load(ctx, req->user, 0, &a, &found, err)) != CRM_OK)
			goto fail;
		if (!found) {
			set_verdict(res, CRM_V_UNKNOWN, "deleted during login");
			r = finish(ctx, CRM_OK, err);
			goto out;
		}
		if (!ok) {
			r = crm_lockout_release(ctx->db, a.id, reservation, err);
			if (r == CRM_OK)
				r = count_failure(ctx, res, &a, "wrong password",
					err);
		} else {
			/* Re-hash only if nobody changed the password meanwhile. */
			if (newhash[0] != '\0' && strcmp(oldhash, a.pw_hash) == 0)
				memcpy(a.pw_hash, newhash, sizeof(a.pw_hash));
			/* A second factor keeps the attempt reserved. */
			r = login ? need_factor(ctx, res, &a, reservation, err) :
				CRM_OK;
			if (r == CRM_OK && res->verdict == CRM_V_ALLOW)
				r = crm_lockout_release(ctx->db, a.id,
					reservation, err);
			if (r == CRM_OK && res->verdict == CRM_V_ALLOW)
				r = settle_success(ctx, res, &a, login, NULL,
					&place, err);
			else if (r == CRM_OK)
				r = crm_account_update(ctx->db, &a, err);
		}
		sodium_memzero(oldhash, sizeof(oldhash));
	}
fail:
	if ((r = finish(ctx, r, err)) == CRM_OK && login)
		notify_new_ip(ctx, res, &a);
	else if (r != CRM_OK)
		give_back(ctx, req->user, reservation, r, NULL);
out:
	sodium_memzero(newhash, sizeof(newhash));
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return r;
}

int crm_auth_password(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	return verify_reserved(ctx, req, res, 1, err);
}

int crm_pw_verify_current(const struct crm_ctx *ctx,
	const struct crm_request *req, struct crm_result *res,
	struct crm_error *err)
{
	return verify_reserved(ctx, req, res, 0, err);
}

/* 1 when a client gave the password again at the code prompt. */
static int repeats_password(const struct crm_request *req)
{
	size_t n;

	if (req->password == NULL || req->code == NULL)
		return 0;
	n = strlen(req->code);
	return n == strlen(req->password) &&
		sodium_memcmp(req->code, req->password, n) == 0;
}

/*
 * Inside the transaction of a code check, the account loaded and its
 * reservation released: the state checks, the factor the policy asks
 * now (res->mfa) and the check of req->code, which records its use.
 * *cr is how the code fared; res->verdict is set only for a refusal.
 */
static int check_code(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_account *a, enum crm_factor want,
	enum crm_code_result *cr, struct crm_error *err)
{
	struct crm_mfa_state st;
	const char *why = NULL;
	int r, dirty = 0;

	*cr = CRM_CODE_WRONG;
	if ((r = check_state(ctx, res, a, &dirty, err)) != CRM_OK)
		return r;
	if (dirty && (r = crm_account_update(ctx->db, a, err)) != CRM_OK)
		return r;
	if (res->verdict != CRM_V_ALLOW)
		return refused(ctx, a->name, res->reason, err);
	if ((r = crm_mfa_state_get(ctx->db, a, &st, err)) != CRM_OK)
		return r;
	if (want != CRM_FACTOR_NONE) {
		res->mfa = want;
	} else if (crm_mfa_decide(&res->pol, &st, &res->mfa, &why) != CRM_OK) {
		set_verdict(res, CRM_V_NO_FACTOR, why);
		return refused(ctx, a->name, why, err);
	}
	if (res->mfa == CRM_FACTOR_NONE) {
		/* The policy changed meanwhile and asks nothing more. */
		*cr = CRM_CODE_OK;
		return CRM_OK;
	}
	if (want == CRM_FACTOR_TOTP && !st.totp)
		return crm_error_set(err, CRM_ENOENT,
			_("%s has no TOTP enrolment"), a->name);
	res->factor = res->mfa;
	if ((r = crm_mfa_check(ctx, ctx->key, &res->pol, a, res->mfa, req->code,
			&res->factor, cr, &res->tries_left, err)) != CRM_OK)
		return r;
	if (*cr == CRM_CODE_OK && res->factor == CRM_FACTOR_RECOVERY)
		res->recovery_left = st.recovery_left - 1;
	return CRM_OK;
}

/* A code that did not pass: one failure against the account and address. */
static int wrong_code(const struct crm_ctx *ctx, struct crm_result *res,
	struct crm_account *a, enum crm_code_result cr, struct crm_error *err)
{
	const char *why = crm_code_result_name(cr);

	if (crm_audit_add(ctx, "mfa.failure", a->name, "factor=%s reason=%s",
			crm_factor_name(res->factor), why))
		return crm_store_error(ctx->db, "writing the audit trail", err);
	return count_failure(ctx, res, a, why, err);
}

/*
 * The opening of a code phase: the key, the transaction and the account.
 * *go = 1: the caller goes on inside the transaction. *go = 0: all is
 * finished (no account: CRM_V_UNKNOWN) and the return value is final.
 */
static int begin_code(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_account *a, int *go,
	struct crm_error *err)
{
	int r, found = 0;

	*go = 0;
	memset(a, 0, sizeof(*a));
	result_init(res);
	if (crm_ctx_key(ctx, err) == NULL)
		return CRM_EKEY;
	if ((r = begin(ctx, req, res, 0, DURABLE, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	if ((r = load(ctx, req->user, 0, a, &found, err)) != CRM_OK || !found) {
		if (r == CRM_OK)
			set_verdict(res, CRM_V_UNKNOWN, "no such user");
		return finish(ctx, r, err);
	}
	*go = 1;
	return CRM_OK;
}

int crm_auth_mfa(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	enum crm_code_result cr = CRM_CODE_WRONG;
	struct crm_place place;
	struct crm_account a;
	int r, go;

	locate(ctx, &place);
	if ((r = begin_code(ctx, req, res, &a, &go, err)) != CRM_OK || !go)
		goto out;
	r = crm_lockout_release(ctx->db, a.id, req->reservation, err);
	if (r == CRM_OK && (req->code == NULL || repeats_password(req))) {
		/* Nothing was supplied that could be a code: nothing counts. */
		set_verdict(res, CRM_V_WRONG, req->code == NULL ?
			"no code supplied" : "the client repeated the password at "
			"the code prompt");
		r = refused(ctx, a.name, res->reason, err);
	} else if (r == CRM_OK) {
		r = check_code(ctx, req, res, &a, CRM_FACTOR_NONE, &cr, err);
		if (r == CRM_OK && res->verdict == CRM_V_ALLOW)
			r = cr == CRM_CODE_OK ?
				settle_success(ctx, res, &a, 1, NULL, &place,
					err) :
				wrong_code(ctx, res, &a, cr, err);
	}
	if ((r = finish(ctx, r, err)) == CRM_OK)
		notify_new_ip(ctx, res, &a);
out:
	if (r != CRM_OK)
		give_back(ctx, req->user, req->reservation, r, NULL);
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return r;
}

int crm_auth_mfa_send(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	char code[CRM_OTP_DIGITS_MAX + 1] = "";
	struct crm_mfa_state st;
	struct crm_account a;
	const char *why = NULL;
	int r, go;

	if ((r = begin_code(ctx, req, res, &a, &go, err)) != CRM_OK || !go)
		goto out;
	r = crm_mfa_state_get(ctx->db, &a, &st, err);
	if (r == CRM_OK && crm_mfa_decide(&res->pol, &st, &res->mfa, &why)) {
		set_verdict(res, CRM_V_NO_FACTOR, why);
		r = crm_lockout_release(ctx->db, a.id, req->reservation, err);
		if (r == CRM_OK)
			r = refused(ctx, a.name, why, err);
	}
	if (r != CRM_OK || res->verdict != CRM_V_ALLOW ||
			res->mfa != CRM_FACTOR_EMAIL) {
		r = finish(ctx, r, err);
		goto out;
	}
	r = crm_mfa_code_new(ctx, ctx->key, &a, "login",
		(int)res->pol.num[CRM_K_OTP_DIGITS], res->pol.num[CRM_K_OTP_TTL],
		code, err);
	if (r == CRM_OK && crm_audit_add(ctx, "email.code", a.name,
			"purpose=login"))
		r = crm_store_error(ctx->db, "writing the audit trail", err);
	if ((r = finish(ctx, r, err)) != CRM_OK)
		goto out;
	/* The code is in sendmail's hands before the prompt asks for it. */
	if ((r = crm_mfa_code_send(ctx, &a, code, 0,
			res->pol.num[CRM_K_OTP_TTL], res->mfa_to, err)) != CRM_OK) {
		give_back(ctx, req->user, req->reservation, r,
			"the e-mail code could not be sent");
		goto wipe;
	}
out:
	if (r != CRM_OK)
		give_back(ctx, req->user, req->reservation, r, NULL);
wipe:
	sodium_memzero(code, sizeof(code));
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return r;
}

int crm_totp_disable(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	enum crm_code_result cr = CRM_CODE_WRONG;
	struct crm_account a;
	int r, go, had = 0;

	if ((r = begin_code(ctx, req, res, &a, &go, err)) != CRM_OK || !go)
		goto out;
	r = check_code(ctx, req, res, &a, CRM_FACTOR_TOTP, &cr, err);
	if (r == CRM_OK && res->verdict == CRM_V_ALLOW) {
		if (cr != CRM_CODE_OK) {
			r = wrong_code(ctx, res, &a, cr, err);
		} else {
			/* The proof clears earlier failures, as a login would. */
			crm_lockout_clear(&a);
			r = crm_account_update(ctx->db, &a, err);
			if (r == CRM_OK)
				r = crm_totp_remove(ctx->db, &a, &had, err);
			if (r == CRM_OK && crm_audit_add(ctx, "mfa.disable",
					a.name, "factor=totp by=self code=%s",
					crm_factor_name(res->factor)))
				r = crm_store_error(ctx->db,
					"writing the audit trail", err);
		}
	}
	r = finish(ctx, r, err);
out:
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return r;
}

/*
 * The account phase's word on the password's age, where the password
 * lives (the store, or /etc/shadow): must change, expired, or the
 * warning. a is not written back.
 */
static int check_age(const struct crm_ctx *ctx, struct crm_result *res,
	struct crm_account *a, struct crm_error *err)
{
	struct crm_shadow sp;
	int r = crm_aging_shadow(a, &sp, err);

	crm_shadow_wipe(&sp);
	if (r != CRM_OK)
		return r;
	if (a->must_change)
		set_verdict(res, CRM_V_MUST_CHANGE, NULL);
	else if (crm_aging_expired(&res->pol, a, ctx->now))
		set_verdict(res, CRM_V_EXPIRED, NULL);
	else
		res->warn_days = crm_aging_warn_days(&res->pol, a, ctx->now);
	return CRM_OK;
}

/*
 * An expired password stays expired. The account phase that first finds a
 * store password past max_age_days records the forced change
 * (must_change) in a transaction of its own, so that a clock set back
 * afterwards (a hypervisor, an NTP step) cannot make it valid again: only
 * a change clears it. Not when the password changed meanwhile (pw_changed
 * is no longer the one judged). A password kept in /etc/shadow ages by
 * shadow's last change, which chage(1) sets: nothing is recorded for it.
 */
static int keep_expired(const struct crm_ctx *ctx, const struct crm_result *res,
	const struct crm_account *judged, struct crm_error *err)
{
	struct crm_account a;
	int r, found = 0;

	if (res->verdict != CRM_V_EXPIRED || judged->pw_hash[0] == '\0')
		return CRM_OK;
	memset(&a, 0, sizeof(a));
	if ((r = crm_store_begin(ctx->db, err)) != CRM_OK)
		return r;
	r = crm_account_find(ctx->db, judged->name, &a, &found, err);
	if (r == CRM_OK && found && !a.must_change &&
			a.pw_changed == judged->pw_changed) {
		a.must_change = 1;
		r = crm_account_update(ctx->db, &a, err);
		if (r == CRM_OK && crm_audit_add(ctx, "password.expired", a.name,
				"max_age_days=%lld", res->pol.num[CRM_K_MAX_AGE_DAYS]))
			r = crm_store_error(ctx->db, "writing the audit trail", err);
	}
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return finish(ctx, r, err);
}

/*
 * Account management's read pass: *clean = 1 when the account is in the
 * store and nothing about the address or the account would be refused or
 * written (no lock expiring, no inactivity to record), so that the phase
 * ends without the write lock. Writes nothing.
 */
static int acct_clean(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_account *a, int *clean,
	struct crm_error *err)
{
	struct crm_rule_decision d;
	int64_t until = 0;
	int r, blocked = 0, found = 0;

	*clean = 0;
	if ((r = crm_throttle_check(ctx, &blocked, &until, err)) != CRM_OK ||
			blocked)
		return r;
	if ((r = crm_rules_decide(ctx, req->user, ctx->service, ctx->rhost, &d,
			err)) != CRM_OK || d.action == CRM_RULE_DENY)
		return r;
	if ((r = crm_account_find(ctx->db, req->user, a, &found, err)) !=
			CRM_OK || !found)
		return r;
	*clean = !a->disabled && !crm_aging_inactive(&res->pol, a, ctx->now) &&
		!crm_lockout_refresh(&res->pol, a, ctx->now) &&
		!crm_lockout_is_locked(&res->pol, a, ctx->now, &res->lock_left);
	if (*clean)
		snprintf(res->rule, sizeof(res->rule), "%s", d.rule);
	return CRM_OK;
}

int crm_acct_check(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	struct crm_place place;
	struct crm_account a;
	int r, found, dirty = 0, clean = 0;

	memset(&a, 0, sizeof(a));
	memset(&place, 0, sizeof(place));

	/*
	 * Most logins change nothing here: a read transaction answers them
	 * without the write lock. What would write (a refusal, a state to
	 * record, a login the service made itself) starts over in a write
	 * transaction, where everything is checked again.
	 */
	if (req->login_type == NULL) {
		if ((r = begin(ctx, req, res, 1, READ, err)) != CRM_OK ||
				res->verdict != CRM_V_ALLOW)
			return r;
		r = acct_clean(ctx, req, res, &a, &clean, err);
		crm_store_rollback(ctx->db);
		if (r == CRM_OK && clean)
			r = check_age(ctx, res, &a, err);
		if (r == CRM_OK && clean)
			r = keep_expired(ctx, res, &a, err);
		if (r != CRM_OK || clean) {
			sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
			return r;
		}
	}
	if (req->login_type != NULL)
		locate(ctx, &place);
	if ((r = begin(ctx, req, res, 1, RELAXED, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	/* Account management sees the address too (a key-based login skips auth). */
	if ((r = gate(ctx, req, res, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW) {
		if (r == CRM_OK)
			r = audit(ctx, "login.failure", req->user, res->reason, err);
		return finish(ctx, r, err);
	}
	if ((r = load(ctx, req->user, 1, &a, &found, err)) != CRM_OK)
		return finish(ctx, r, err);
	if (!found) {
		set_verdict(res, (ctx->cfg->opts & CRM_OPT_IGNORE_UNKNOWN) ?
			CRM_V_IGNORE : CRM_V_UNKNOWN, "unknown user");
		return finish(ctx, CRM_OK, err);
	}
	r = check_state(ctx, res, &a, &dirty, err);
	if (r == CRM_OK && dirty)
		r = crm_account_update(ctx->db, &a, err);
	if (r == CRM_OK && res->verdict != CRM_V_ALLOW)
		r = audit(ctx, "login.failure", a.name, res->reason, err);
	/* A login the service authenticated itself is recorded here; it
	 * stands whatever the password's age (a forced change follows). */
	if (r == CRM_OK && res->verdict == CRM_V_ALLOW && req->login_type)
		r = settle_success(ctx, res, &a, 1, req->login_type, &place,
			err);
	/* The age is read after the commit: shadow may be a slow backend. */
	if ((r = finish(ctx, r, err)) == CRM_OK && res->verdict == CRM_V_ALLOW) {
		if (req->login_type)
			notify_new_ip(ctx, res, &a);
		r = check_age(ctx, res, &a, err);
		if (r == CRM_OK)
			r = keep_expired(ctx, res, &a, err);
	}
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return r;
}

struct history_scan {
	const char *password;
	int reused;
};

static int history_match(void *arg, const char *hash)
{
	struct history_scan *h = arg;

	if (crm_pwhash_verify(hash, h->password)) {
		h->reused = 1;
		return 1;
	}
	return 0;
}

struct hash_find {
	const char *hash;
	int present;
};

static int same_hash(void *arg, const char *hash)
{
	struct hash_find *f = arg;

	f->present = strcmp(f->hash, hash) == 0;
	return f->present;
}

/*
 * A change of a password kept in /etc/shadow passed the checks: the
 * outgoing password (shadow's current string, sp) enters the history,
 * unless that very string is there already (a change that failed after
 * this check, or the entry commit recorded), so that `history` holds from
 * the first change on a host whose users had passwords before. An entry
 * no password matches ("!...", "*") is not kept.
 */
static int remember_outgoing(const struct crm_ctx *ctx,
	const struct crm_request *req, struct crm_result *res,
	const struct crm_shadow *sp, struct crm_error *err)
{
	int keep = (int)res->pol.num[CRM_K_HISTORY] + 1, r, found = 0;
	struct hash_find f = { sp->hash, 0 };
	struct crm_account a;

	if (!sp->found || !crm_pwhash_usable(sp->hash))
		return CRM_OK;
	if ((r = crm_store_begin(ctx->db, err)) != CRM_OK)
		return r;
	r = load(ctx, req->user, 1, &a, &found, err);
	if (r == CRM_OK && found && a.pw_hash[0] == '\0') {
		r = crm_pwhist_foreach(ctx->db, a.id, keep, same_hash, &f,
			err);
		if (f.present)
			r = CRM_OK;
		else if (r == CRM_OK && (r = crm_pwhist_add(ctx->db, a.id,
				sp->hash, ctx->now, err)) == CRM_OK)
			r = crm_pwhist_prune(ctx->db, a.id, keep, err);
	}
	r = finish(ctx, r, err);
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return r;
}

int crm_pw_check(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	struct history_scan scan = { req->new_password, 0 };
	struct crm_account a;
	struct crm_shadow sp;
	int r, found = 0, nss = 0;
	char names[256] = "";

	result_init(res);
	if ((r = validate(ctx, req, res, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	if (req->new_password == NULL)
		return crm_error_set(err, CRM_EINVAL, "no new password given");
	if ((r = govern(ctx, req, res, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	if ((r = crm_policy_resolve(ctx, req->user, &res->pol, err)) != CRM_OK)
		return r;
	if ((r = crm_account_find(ctx->db, req->user, &a, &found, err)))
		return r;
	/* A system user the store has not seen yet: no row, no history. */
	if (!found && (r = crm_nss_user(req->user, NULL, NULL, &nss, err)))
		return r;
	if (!found && !nss)
		return set_verdict(res, CRM_V_UNKNOWN, NULL);
	if (!found)
		blank_account(ctx, req->user, &a);
	/* The age of a password in /etc/shadow is shadow's. */
	if ((r = crm_aging_shadow(&a, &sp, err)) != CRM_OK)
		goto out;
	if ((r = crm_quality_check(&res->pol, req->user, req->new_password,
			ctx->cfg->str[CRM_K_BADWORDS_FILE], &res->rules, err)))
		goto out;
	if (!req->by_admin && !a.must_change &&
			!crm_aging_expired(&res->pol, &a, ctx->now) &&
			crm_aging_too_soon(&res->pol, &a, ctx->now))
		res->rules |= CRM_PW_TOO_SOON;
	if (!(res->rules & CRM_PW_BAD_UTF8)) {
		/* The current password: the store's, or shadow's. */
		history_match(&scan, a.pw_hash[0] != '\0' ? a.pw_hash : sp.hash);
		/* The callback stops the scan with 1 at the first match. */
		if (found && !scan.reused && (r = crm_pwhist_foreach(ctx->db,
				a.id, (int)res->pol.num[CRM_K_HISTORY] + 1,
				history_match, &scan, err)) != CRM_OK &&
				!scan.reused)
			goto out;
		r = CRM_OK;
		if (scan.reused)
			res->rules |= CRM_PW_REUSED;
	}
	if (res->rules == 0) {
		r = remember_outgoing(ctx, req, res, &sp, err);
		goto out;
	}
	set_verdict(res, CRM_V_REJECTED, NULL);
	for (unsigned bit = 1; bit < (1u << CRM_PW_RULE_COUNT); bit <<= 1) {
		if (!(res->rules & bit))
			continue;
		size_t n = strlen(names);
		snprintf(names + n, sizeof(names) - n, "%s%s", n ? "," : "",
			crm_quality_rule_name(bit));
	}
	if (crm_audit_add(ctx, "password.reject", req->user, "rules=%s%s",
			names, req->by_admin ? " by=admin" : ""))
		r = crm_store_error(ctx->db, "writing the audit trail", err);
out:
	crm_shadow_wipe(&sp);
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return r;
}

int crm_pw_record(const struct crm_ctx *ctx, struct crm_account *a,
	const char *hash, int store_hash, int by_admin,
	const struct crm_policy *pol, const char *password,
	struct crm_error *err)
{
	int r;

	if (store_hash)
		snprintf(a->pw_hash, sizeof(a->pw_hash), "%s", hash);
	a->pw_changed = ctx->now;
	a->must_change = by_admin ? 1 : 0;
	if ((r = crm_account_update(ctx->db, a, err)) != CRM_OK)
		return r;
	if ((r = crm_pwhist_add(ctx->db, a->id, hash, ctx->now, err)) != CRM_OK)
		return r;
	if ((r = crm_pwhist_prune(ctx->db, a->id,
			(int)pol->num[CRM_K_HISTORY] + 1, err)) != CRM_OK)
		return r;
	return crm_sip_store(ctx, a, pol, password, err);
}

/*
 * The history entry of a new password. After a stacked change, the string
 * pam_unix has just written to /etc/shadow, when it is that password: the
 * next change then finds its outgoing password recorded already, and each
 * password counts once in the history. Otherwise (a store password, or a
 * shadow that does not hold it) its argon2id hash.
 */
static int history_entry(const struct crm_ctx *ctx,
	const struct crm_request *req, int store_hash,
	char hash[CRM_SHADOW_HASH_MAX], struct crm_error *err)
{
	struct crm_shadow sp;
	struct crm_error e;

	hash[0] = '\0';
	if (!store_hash) {
		/* The password is changed already: when shadow cannot be
		 * read, the argon2id hash is the entry all the same. */
		if (crm_shadow_get(req->user, &sp, &e) != CRM_OK)
			crm_ctx_log(ctx, LOG_WARNING, "%s", e.msg);
		else if (crm_pwhash_verify(sp.hash, req->new_password))
			memcpy(hash, sp.hash, CRM_SHADOW_HASH_MAX);
		crm_shadow_wipe(&sp);
		if (hash[0] != '\0')
			return CRM_OK;
	}
	return crm_pwhash_make(ctx->cfg, req->new_password, hash, err);
}

int crm_pw_commit(const struct crm_ctx *ctx, const struct crm_request *req,
	int store_hash, struct crm_result *res, struct crm_error *err)
{
	char hash[CRM_SHADOW_HASH_MAX];
	struct crm_account a;
	int r, found;

	result_init(res);
	if ((r = validate(ctx, req, res, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	if (req->new_password == NULL)
		return crm_error_set(err, CRM_EINVAL, "no new password given");
	if ((r = govern(ctx, req, res, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	if ((r = crm_policy_resolve(ctx, req->user, &res->pol, err)) != CRM_OK)
		return r;
	if ((r = history_entry(ctx, req, store_hash, hash, err)))
		goto out;
	if ((r = crm_store_begin(ctx->db, err)) != CRM_OK)
		goto out;
	if ((r = load(ctx, req->user, is_stacked(ctx), &a, &found, err)))
		goto done;
	if (!found) {
		set_verdict(res, CRM_V_UNKNOWN, NULL);
		goto done;
	}
	if ((r = crm_pw_record(ctx, &a, hash, store_hash, req->by_admin,
			&res->pol, req->new_password, err)) != CRM_OK)
		goto done;
	if (crm_audit_add(ctx, "password.change", a.name, "by=%s",
			req->by_admin ? "admin" : "self"))
		r = crm_store_error(ctx->db, "writing the audit trail", err);
done:
	r = finish(ctx, r, err);
out:
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(&a, sizeof(a));
	return r;
}

int crm_session_open(const struct crm_ctx *ctx, const struct crm_request *req,
	struct crm_result *res, struct crm_error *err)
{
	struct crm_account a;
	int r, found;

	result_init(res);
	if ((r = validate(ctx, req, res, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	if ((r = govern(ctx, req, res, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	/* A key login recorded at account management: sshd names its
	 * method only now. */
	if (req->login_type != NULL) {
		if ((r = crm_store_begin_relaxed(ctx->db, err)) != CRM_OK)
			return r;
		r = crm_history_retype(ctx, req->user, CRM_LOGIN_EXTERNAL,
			req->login_type, err);
		if (r == CRM_OK && crm_audit_add(ctx, "login.method", req->user,
				"type=%s", req->login_type))
			r = crm_store_error(ctx->db, "writing the audit trail", err);
		if ((r = finish(ctx, r, err)) != CRM_OK)
			return r;
	}
	if ((r = crm_account_find(ctx->db, req->user, &a, &found, err)))
		return r;
	if (!found)
		return set_verdict(res, CRM_V_IGNORE, "unknown user");
	res->last_login = a.prev_login;
	snprintf(res->last_rhost, sizeof(res->last_rhost), "%s", a.prev_rhost);
	snprintf(res->last_service, sizeof(res->last_service), "%s",
		a.prev_service);
	res->failed_since = a.prev_fails;
	snprintf(res->last_place, sizeof(res->last_place), "%s", a.prev_place);
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return CRM_OK;
}

int crm_pw_store_owned(const struct crm_ctx *ctx, const char *user,
	int *owned, struct crm_error *err)
{
	struct crm_account a;
	int r, found;

	*owned = 0;
	if (user == NULL || !crm_name_valid(user))
		return crm_error_set(err, CRM_EINVAL, "invalid user name");
	if ((r = crm_account_find(ctx->db, user, &a, &found, err)) != CRM_OK)
		return r;
	*owned = found && a.pw_hash[0] != '\0';
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return CRM_OK;
}

/* ---- SIP registrars ---- */

/* A refusal crm_sip_settle records later: kind, who, from where, why. */
static void sip_refusal(const struct crm_ctx *ctx, const char *user,
	const struct crm_result *res, struct crm_sip_outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = CRM_SIP_REFUSED;
	snprintf(o->user, sizeof(o->user), "%s", user);
	snprintf(o->service, sizeof(o->service), "%s", ctx->service ?
		ctx->service : "");
	snprintf(o->rhost, sizeof(o->rhost), "%s", ctx->rhost ? ctx->rhost : "");
	snprintf(o->actor, sizeof(o->actor), "%s", ctx->actor ? ctx->actor : "");
	o->when = ctx->now;
	snprintf(o->reason, sizeof(o->reason), "%s", res->reason);
	snprintf(o->rule, sizeof(o->rule), "%s",
		res->verdict == CRM_V_IP_DENIED ? res->rule : "");
}

/*
 * The address before anything else, without writing: a refusal is
 * recorded by crm_sip_settle, so that a flood of REGISTERs from a blocked
 * network costs no synced write each.
 */
static int sip_gate(const struct crm_ctx *ctx, const char *user,
	struct crm_result *res, struct crm_error *err)
{
	struct crm_rule_decision d;
	int64_t until = 0;
	int r, blocked = 0;
	char why[128];

	if ((r = crm_throttle_check(ctx, &blocked, &until, err)) != CRM_OK)
		return r;
	if (blocked)
		return set_verdict(res, CRM_V_THROTTLED, "address throttled");
	if ((r = crm_rules_decide(ctx, user, ctx->service, ctx->rhost, &d,
			err)) != CRM_OK)
		return r;
	snprintf(res->rule, sizeof(res->rule), "%s", d.rule);
	if (d.action != CRM_RULE_DENY)
		return CRM_OK;
	snprintf(why, sizeof(why), "denied by rule %s", d.rule);
	return set_verdict(res, CRM_V_IP_DENIED, why);
}

/*
 * The account's own word on a registration, inside the transaction. In a
 * read transaction (writable 0) a state that must be written (an inactive
 * account disabled, a lock lifted by time) sets *again: the caller starts
 * over in a write transaction.
 */
static int sip_account(const struct crm_ctx *ctx, const char *realm,
	enum crm_sip_algo algo, int inflight, int writable, int *again,
	struct crm_result *res, struct crm_account *a,
	char ha1[CRM_HA1_HEX_MAX], struct crm_error *err)
{
	struct crm_shadow sp;
	int r, dirty = 0, room = 1, have = 0;

	if ((r = check_state(ctx, res, a, &dirty, err)) != CRM_OK)
		return r;
	if (dirty && !writable) {
		*again = 1;
		return CRM_OK;
	}
	if (dirty && (r = crm_account_update(ctx->db, a, err)) != CRM_OK)
		return r;
	if (res->verdict != CRM_V_ALLOW)
		return CRM_OK;
	/* A forced change cannot be made by a phone; an expiry stands. */
	r = crm_aging_shadow(a, &sp, err);
	crm_shadow_wipe(&sp);
	if (r != CRM_OK)
		return r;
	if (crm_aging_expired(&res->pol, a, ctx->now))
		return set_verdict(res, CRM_V_EXPIRED, NULL);
	if ((r = crm_lockout_room(ctx->db, &res->pol, ctx->cfg, a, ctx->now,
			inflight, &room, err)) != CRM_OK)
		return r;
	if (!room)
		return set_verdict(res, CRM_V_EXHAUSTED, NULL);
	if (strcmp(res->pol.text[CRM_PT_SIP_REALM], realm) != 0)
		return set_verdict(res, CRM_V_NO_FACTOR,
			"no SIP credentials for this realm");
	if ((r = crm_sip_ha1(ctx, a->id, realm, algo, ha1, &have, err)) != CRM_OK)
		return r;
	if (!have)
		return set_verdict(res, CRM_V_NO_FACTOR,
			"no SIP credentials for this realm");
	return CRM_OK;
}

int crm_sip_check(const struct crm_ctx *ctx, const char *user,
	const char *realm, enum crm_sip_algo algo, int inflight,
	struct crm_result *res, char ha1[CRM_HA1_HEX_MAX],
	struct crm_sip_outcome *refusal, struct crm_error *err)
{
	struct crm_request req = { .user = user, .reservation = -1 };
	struct crm_account a;
	int r, found = 0, writable = 0, again;

	ha1[0] = '\0';
	memset(refusal, 0, sizeof(*refusal));
	refusal->kind = CRM_SIP_OK;
	memset(&a, 0, sizeof(a));
	result_init(res);
	if ((r = validate(ctx, &req, res, err)) != CRM_OK ||
			res->verdict != CRM_V_ALLOW)
		return r;
	if ((r = crm_policy_resolve(ctx, user, &res->pol, err)) != CRM_OK)
		return r;
	/*
	 * A registration only reads, and waits for no writer of another
	 * service; the rare state change it finds is made in a write
	 * transaction started over.
	 */
	do {
		struct crm_policy pol = res->pol;

		again = 0;
		result_init(res);
		res->pol = pol;
		r = writable ? crm_store_begin_relaxed(ctx->db, err) :
			crm_store_begin_read(ctx->db, err);
		if (r != CRM_OK)
			return r;
		if ((r = sip_gate(ctx, user, res, err)) == CRM_OK &&
				res->verdict == CRM_V_ALLOW &&
				(r = load(ctx, user, 0, &a, &found, err)) == CRM_OK) {
			if (found)
				r = sip_account(ctx, realm, algo, inflight, writable,
					&again, res, &a, ha1, err);
			else
				set_verdict(res, CRM_V_UNKNOWN, "unknown user");
		}
		if (again)
			crm_store_rollback(ctx->db);
		else
			r = finish(ctx, r, err);
		writable = 1;
	} while (again && r == CRM_OK);
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	if (r != CRM_OK) {
		sodium_memzero(ha1, CRM_HA1_HEX_MAX);
		return r;
	}
	if (res->verdict == CRM_V_UNKNOWN)
		return crm_sip_decoy(ctx, user, realm, algo, ha1, err);
	if (res->verdict != CRM_V_ALLOW) {
		sodium_memzero(ha1, CRM_HA1_HEX_MAX);
		sip_refusal(ctx, user, res, refusal);
	}
	return CRM_OK;
}

/* A new-address alert to send once the batch is committed. */
struct sip_alert {
	char user[CRM_NAME_MAX + 1];
	char email[CRM_EMAIL_MAX + 1];
	char service[64];
	char rhost[CRM_RHOST_MAX + 1];
	int64_t when;
	struct crm_place place;
	char lang[CRM_LANG_MAX + 1];
};

/* One outcome inside crm_sip_settle's transaction; c is its context. */
static int sip_one(const struct crm_ctx *c, const struct crm_sip_outcome *o,
	const struct crm_place *place, struct sip_alert *alert, int *alerted,
	struct crm_error *err)
{
	struct crm_result res;
	struct crm_account a;
	int r, found = 0;

	*alerted = 0;
	result_init(&res);
	if (o->kind == CRM_SIP_REFUSED) {
		if (o->rule[0] != '\0' && crm_audit_add(c, "ip.denied", o->user,
				"rule=%s", o->rule))
			return crm_store_error(c->db, "writing the audit trail", err);
		return refused(c, o->user, o->reason, err);
	}
	if ((r = load(c, o->user, 0, &a, &found, err)) != CRM_OK)
		return r;
	if (!found) {
		/* A decoy's digest fails: the address guessed. */
		return o->kind == CRM_SIP_WRONG ? wrong_guess(c, o->user,
			"unknown user", NULL, CRM_FACTOR_NONE, err) : CRM_OK;
	}
	if ((r = crm_policy_resolve(c, a.name, &res.pol, err)) != CRM_OK)
		goto out;
	if (o->kind == CRM_SIP_WRONG) {
		r = count_failure(c, &res, &a, "wrong password", err);
		goto out;
	}
	if ((r = settle_success(c, &res, &a, 1, NULL, place, err)) != CRM_OK)
		goto out;
	if (res.verdict == CRM_V_ALLOW && res.new_ip &&
			res.pol.num[CRM_K_NOTIFY_NEW_IP]) {
		memset(alert, 0, sizeof(*alert));
		snprintf(alert->user, sizeof(alert->user), "%s", a.name);
		if (a.email_verified)
			snprintf(alert->email, sizeof(alert->email), "%s", a.email);
		snprintf(alert->service, sizeof(alert->service), "%s", o->service);
		snprintf(alert->rhost, sizeof(alert->rhost), "%s", o->rhost);
		alert->when = o->when;
		alert->place = res.place;
		crm_lang_pick(a.lang, res.pol.text[CRM_PT_LANG], alert->lang);
		*alerted = 1;
	}
out:
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return r;
}

int crm_sip_settle(const struct crm_ctx *ctx,
	const struct crm_sip_outcome *v, size_t n, size_t *alerts,
	struct crm_error *err)
{
	struct crm_place *places = NULL;
	struct sip_alert *al = NULL;
	struct crm_ctx c = *ctx;
	enum sync sync = RELAXED;
	size_t na = 0;
	int r;

	*alerts = 0;
	if (n == 0)
		return CRM_OK;
	if ((al = calloc(n, sizeof(*al))) == NULL ||
			(places = calloc(n, sizeof(*places))) == NULL) {
		free(al);
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	}
	/*
	 * A batch with a wrong password in it is synced before DONE; the
	 * places of the successes are looked up before the write lock.
	 */
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind == CRM_SIP_WRONG)
			sync = DURABLE;
		if (v[i].kind == CRM_SIP_OK) {
			c.rhost = v[i].rhost[0] ? v[i].rhost : NULL;
			locate(&c, &places[i]);
		}
	}
	if ((r = begin_sync(ctx->db, sync, err)) != CRM_OK)
		goto out;
	for (size_t i = 0; i < n && r == CRM_OK; i++) {
		int alerted = 0;

		c.service = v[i].service;
		c.rhost = v[i].rhost[0] ? v[i].rhost : NULL;
		c.actor = v[i].actor[0] ? v[i].actor : ctx->actor;
		c.now = v[i].when;
		r = sip_one(&c, &v[i], &places[i], &al[na], &alerted, err);
		na += (size_t)alerted;
	}
	if ((r = finish(ctx, r, err)) != CRM_OK)
		goto out;
	/* After the commit, without waiting: a mail problem is logged. */
	for (size_t i = 0; i < na; i++) {
		struct crm_alert m = { 0 };
		struct crm_error e;

		m.user = al[i].user;
		m.email = al[i].email[0] ? al[i].email : NULL;
		m.service = al[i].service;
		m.rhost = al[i].rhost;
		m.when = al[i].when;
		m.place = &al[i].place;
		m.lang = al[i].lang;
		if (crm_mail_new_ip_alert(ctx->cfg, &m, &e) != CRM_OK)
			crm_ctx_log(ctx, LOG_WARNING, "new-address alert not sent: %s",
				e.msg);
		else
			(*alerts)++;
	}
out:
	free(places);
	free(al);
	return r;
}
