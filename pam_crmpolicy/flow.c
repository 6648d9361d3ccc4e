/*
 * The phase flow: each entry point parses its arguments, opens the store,
 * asks the core for one decision and maps it to a PAM code in one table
 * whose default is PAM_AUTHINFO_UNAVAIL. All state lives in the store or
 * in handle data through struct pamio: sshd may fork between phases, and
 * behind the helper every phase is a process of its own.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <security/pam_modules.h>

#include "crmpolicy/auth.h"
#include "crmpolicy/helper.h"
#include "crmpolicy/history.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/lang.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/quality.h"
#include "crmpolicy/utf8.h"
#include "flow.h"

enum phase { PH_AUTH, PH_ACCT, PH_PASSWD, PH_SESSION, PH_COUNT };

/*
 * The one table from a core verdict to a PAM code, per phase. A zero
 * entry is a combination that must not happen and maps to
 * PAM_AUTHINFO_UNAVAIL: nothing unforeseen ever becomes PAM_SUCCESS.
 */
static const int verdict_map[][PH_COUNT] = {
	[CRM_V_ALLOW] = { PAM_SUCCESS, PAM_SUCCESS, PAM_SUCCESS, PAM_SUCCESS },
	[CRM_V_WRONG] = { PAM_AUTH_ERR, 0, PAM_AUTHTOK_RECOVERY_ERR, 0 },
	[CRM_V_UNKNOWN] = { PAM_USER_UNKNOWN, PAM_USER_UNKNOWN,
		PAM_USER_UNKNOWN, PAM_IGNORE },
	[CRM_V_LOCKED] = { PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_PERM_DENIED, 0 },
	[CRM_V_DISABLED] = { PAM_AUTH_ERR, PAM_ACCT_EXPIRED, PAM_PERM_DENIED, 0 },
	[CRM_V_INACTIVE] = { PAM_AUTH_ERR, PAM_ACCT_EXPIRED, PAM_PERM_DENIED, 0 },
	[CRM_V_EXPIRED] = { 0, PAM_NEW_AUTHTOK_REQD, 0, 0 },
	[CRM_V_MUST_CHANGE] = { 0, PAM_NEW_AUTHTOK_REQD, 0, 0 },
	[CRM_V_REJECTED] = { 0, 0, PAM_AUTHTOK_ERR, 0 },
	[CRM_V_IGNORE] = { PAM_IGNORE, PAM_IGNORE, PAM_IGNORE, PAM_IGNORE },
	[CRM_V_INVALID] = { PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR,
		PAM_SESSION_ERR },
	[CRM_V_EXHAUSTED] = { PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_PERM_DENIED, 0 },
	[CRM_V_THROTTLED] = { PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_PERM_DENIED, 0 },
	[CRM_V_IP_DENIED] = { PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_PERM_DENIED, 0 },
	/* CRM_V_MFA is answered by a code prompt, never mapped. */
	[CRM_V_MFA] = { 0, 0, 0, 0 },
	[CRM_V_NO_FACTOR] = { PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_PERM_DENIED, 0 },
};

/*
 * A system account outside govern_uids passes untouched: each line of a
 * stack answers what lets the stack go on as if the module were absent.
 * authsucc and the password lines follow a module that decided (pam_unix
 * accepted the password, or will store the new one); authfail follows one
 * that refused.
 */
static int not_governed(enum phase ph, enum crm_mode mode)
{
	if (mode == CRM_MODE_AUTHFAIL)
		return ph == PH_AUTH ? PAM_AUTH_ERR : PAM_AUTHTOK_ERR;
	if (ph == PH_PASSWD || (ph == PH_AUTH && mode == CRM_MODE_AUTHSUCC))
		return PAM_SUCCESS;
	return PAM_IGNORE;
}

static int map(enum phase ph, enum crm_mode mode, int rc,
	const struct crm_result *res)
{
	int code;

	if (rc == CRM_OK && res->verdict == CRM_V_NOT_GOVERNED)
		return not_governed(ph, mode);
	if (rc != CRM_OK || (size_t)res->verdict >=
			sizeof(verdict_map) / sizeof(verdict_map[0]))
		return PAM_AUTHINFO_UNAVAIL;
	code = verdict_map[res->verdict][ph];
	return res->verdict == CRM_V_ALLOW || code != 0 ? code :
		PAM_AUTHINFO_UNAVAIL;
}

/* Everything one entry point needs; lives on its stack. */
struct call {
	const struct pamio *io;
	const struct flow_caller *who;
	struct crm_config cfg;
	struct crm_ctx ctx;
	struct crm_request req;
	struct crm_result res;
	struct crm_error err;
	char actor[96];
	int flags;
	int silent;
	int open;
	int gate_rc;		/* admit_caller's error, when it refused */
	int kept;		/* ctx's connection belongs to the handle */
};

/*
 * The store connection of a PAM handle, kept across its phases while the
 * process stays the same: opening the store (its schema, pragmas, key)
 * costs more than most phases, and statements stay prepared on it. A
 * forked child (sshd's keyboard-interactive one) finds another pid and
 * opens its own: it never uses, nor closes, its parent's connection.
 */
struct flow_kept {
	pid_t pid;
	char *db;		/* the store and key it was opened for */
	char *key_file;
	struct crm_ctx ctx;	/* db, key and pcache; the rest is each call's */
};

/*
 * The handle's policies and govern answers: resolved once for the phases
 * of one login (NSS groups, the store's policy rows), yet seen afresh by
 * a phase that comes much later (close_session at logout).
 */
#define HANDLE_POLICY_SLOTS 2
#define HANDLE_POLICY_TTL 30

static void kept_free(void *p)
{
	struct flow_kept *k = p;

	if (k == NULL)
		return;
	crm_policy_cache_free(k->ctx.pcache);
	k->ctx.pcache = NULL;
	if (k->pid == getpid())
		crm_ctx_close(&k->ctx);
	else
		sodium_memzero(&k->ctx, sizeof(k->ctx));
	free(k->db);
	free(k->key_file);
	free(k);
}

/*
 * Opens the store for c, or takes the handle's kept connection when it is
 * this process's, for the same store and key, and between transactions.
 */
static int ctx_open(struct call *c)
{
	const char *db = c->cfg.str[CRM_K_DB], *key = c->cfg.str[CRM_K_KEY_FILE];
	struct flow_kept *k = c->io->kept_get != NULL ?
		c->io->kept_get(c->io->arg) : NULL;
	int r;

	if (k != NULL && k->pid == getpid() && db != NULL && key != NULL &&
			strcmp(k->db, db) == 0 && strcmp(k->key_file, key) == 0 &&
			!crm_db_in_transaction(k->ctx.db)) {
		c->ctx = k->ctx;
		c->ctx.cfg = &c->cfg;
		c->ctx.now = (int64_t)time(NULL);
		c->kept = 1;
		return CRM_OK;
	}
	if ((r = crm_ctx_open(&c->ctx, &c->cfg, CRM_OPEN_LOGIN, &c->err)) !=
			CRM_OK)
		return r;
	if (c->io->kept_set == NULL || db == NULL || key == NULL ||
			(k = calloc(1, sizeof(*k))) == NULL)
		return CRM_OK;
	k->pid = getpid();
	k->db = strdup(db);
	k->key_file = strdup(key);
	/* Without a cache the phases resolve the policy each; no error. */
	if (crm_policy_cache_new(HANDLE_POLICY_SLOTS, HANDLE_POLICY_TTL,
			&c->ctx.pcache, NULL) != CRM_OK)
		c->ctx.pcache = NULL;
	k->ctx = c->ctx;
	/* Handed over, the connection is the handle's; otherwise c's. */
	if (k->db != NULL && k->key_file != NULL &&
			c->io->kept_set(c->io->arg, k, kept_free) == PAM_SUCCESS) {
		c->kept = 1;
		return CRM_OK;
	}
	crm_policy_cache_free(c->ctx.pcache);
	c->ctx.pcache = NULL;
	sodium_memzero(&k->ctx, sizeof(k->ctx));
	free(k->db);
	free(k->key_file);
	free(k);
	return CRM_OK;
}

static void ctx_close(struct call *c)
{
	if (c->kept)
		sodium_memzero(&c->ctx, sizeof(c->ctx));
	else
		crm_ctx_close(&c->ctx);
}

static void say(struct call *c, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct call *c, int priority, const char *fmt, ...)
{
	char msg[CRM_ERROR_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->io->log(c->io->arg, priority, msg);
}

static void tell(struct call *c, int style, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A message to the user, unless the call is silent. */
static void tell(struct call *c, int style, const char *fmt, ...)
{
	char msg[PAM_MAX_MSG_SIZE];
	va_list ap;

	if (c->silent)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->io->message(c->io->arg, style, msg);
}

/*
 * Behind the helper: the caller's uid must be bound to this service in
 * helper_services. A refusal is audited by the core and logged here.
 */
static int admit_caller(struct call *c)
{
	int allowed = 0, r;

	if (!c->who->via_helper)
		return CRM_OK;
	r = crm_helper_admit(&c->ctx, c->io->item(c->io->arg, PAM_USER),
		c->who->uid, &allowed, &c->err);
	if (r != CRM_OK)
		return r;
	if (!allowed) {
		char shown[64];

		c->res.verdict = CRM_V_INVALID;
		snprintf(c->res.reason, sizeof(c->res.reason), "%s",
			"caller not bound to this service in helper_services");
		/* The service name is the caller's word: shown, not trusted. */
		crm_printable(c->ctx.service, shown, sizeof(shown));
		say(c, LOG_ERR, "refusing uid %ld: service %s is not bound to it "
			"in helper_services", c->who->uid, shown);
	}
	return CRM_OK;
}

/*
 * Parses arguments and conf, then opens the store. Any problem is logged
 * with its place and yields PAM_AUTHINFO_UNAVAIL; never a weaker default.
 * *refused is set when the helper's caller may not use this service.
 */
static int call_open(struct call *c, const struct pamio *io, int flags,
	int argc, const char **argv, const struct flow_caller *who,
	int *refused)
{
	struct crm_problems probs;
	const char *service;
	size_t shown = 0;
	int r;

	memset(c, 0, sizeof(*c));
	*refused = 0;
	c->io = io;
	c->who = who;
	c->flags = flags;
	crm_problems_init(&probs);
	r = who->via_helper ?
		crm_config_from_caller_args(&c->cfg, argc, argv, &probs, &c->err) :
		crm_config_from_args(&c->cfg, argc, argv, &probs, &c->err);
	/*
	 * One line per problem, the first in the refusal: the error is made
	 * of it, and it is not logged again on its own.
	 */
	if (r != CRM_OK) {
		say(c, LOG_ERR, "refusing: configuration unusable%s%s",
			c->err.msg[0] ? ": " : "", c->err.msg);
		if (probs.n > 0 && strncmp(c->err.msg, probs.items[0],
				strlen(probs.items[0])) == 0)
			shown = 1;
	}
	for (size_t i = shown; i < probs.n; i++)
		say(c, LOG_ERR, "configuration: %s", probs.items[i]);
	crm_problems_free(&probs);
	if (r != CRM_OK) {
		crm_config_free(&c->cfg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	c->silent = ((unsigned)flags & PAM_SILENT) != 0 ||
		(c->cfg.opts & CRM_OPT_SILENT) != 0;
	if (ctx_open(c) != CRM_OK) {
		say(c, LOG_ERR, "refusing: %s", c->err.msg);
		crm_config_free(&c->cfg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	c->open = 1;
	service = io->item(io->arg, PAM_SERVICE);
	c->ctx.service = service ? service : "";
	c->ctx.rhost = io->item(io->arg, PAM_RHOST);
	c->ctx.tty = io->item(io->arg, PAM_TTY);
	if (who->via_helper)
		snprintf(c->actor, sizeof(c->actor), "pam:%s uid=%ld",
			c->ctx.service, who->uid);
	else
		snprintf(c->actor, sizeof(c->actor), "pam:%s", c->ctx.service);
	c->ctx.actor = c->actor;
	c->ctx.caller_uid = who->uid;
	c->ctx.log = io->log;
	c->ctx.log_arg = io->arg;
	c->req.reservation = -1;
	/* The caller is checked before anything is asked of the user. */
	if ((r = admit_caller(c)) != CRM_OK || c->res.verdict != CRM_V_ALLOW) {
		c->gate_rc = r;
		*refused = 1;
		return PAM_SUCCESS;
	}
	r = io->get_user(io->arg, &c->req.user);
	if (r != PAM_SUCCESS || c->req.user == NULL) {
		ctx_close(c);
		crm_config_free(&c->cfg);
		return r == PAM_SUCCESS ? PAM_USER_UNKNOWN : r;
	}
	return PAM_SUCCESS;
}

/*
 * Why a login is refused, when the account is locked: what pam_faillock
 * tells too, in the user's language. How long, when the lock lifts by
 * itself.
 */
static void tell_locked(struct call *c)
{
	long long mins = c->res.lock_left > 60 ? (c->res.lock_left + 59) / 60 : 1;

	if (c->res.lock_left < 0)
		tell(c, PAM_ERROR_MSG, "%s", _("The account is locked after "
			"too many failed logins. Ask your administrator to "
			"unlock it."));
	else
		tell(c, PAM_ERROR_MSG, ngettext_("The account is locked after "
			"too many failed logins. It unlocks in %lld minute.",
			"The account is locked after too many failed logins. "
			"It unlocks in %lld minutes.", (unsigned long)mins),
			mins);
}

/* Logs a core error, closes everything and returns the PAM code. */
static int call_close(struct call *c, enum phase ph, int rc)
{
	int code = map(ph, c->cfg.mode, rc, &c->res);

	/* Only to whoever gave the account's own password: the rest learn
	 * nothing, as for an unknown user. */
	if (rc == CRM_OK && ph == PH_AUTH && c->res.verdict == CRM_V_LOCKED &&
			c->res.password_right)
		tell_locked(c);
	if (rc != CRM_OK)
		say(c, LOG_ERR, "refusing: %s", c->err.msg[0] ?
			c->err.msg : crm_error_name(rc));
	else if (c->cfg.opts & CRM_OPT_DEBUG)
		say(c, LOG_DEBUG, "%s: %s", c->res.reason[0] ?
			c->res.reason : crm_verdict_name(c->res.verdict),
			pam_strerror(NULL, code));
	if (c->open)
		ctx_close(c);
	crm_config_free(&c->cfg);
	sodium_memzero(&c->res.pol, sizeof(c->res.pol));
	return code;
}

/* Wipes and frees a secret string (NULL is fine). */
static void forget(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

static void keep_reservation(struct call *c)
{
	char id[32];

	if (c->res.reservation == 0)
		return;
	snprintf(id, sizeof(id), "%lld", (long long)c->res.reservation);
	/* Without the data, the next phase releases the oldest one. */
	(void)c->io->data_set(c->io->arg, PAMIO_RESERVATION, id);
}

/* The reservation kept by an earlier phase (-1 unknown), now taken. */
static int64_t take_reservation(struct call *c)
{
	char *data = c->io->data_get(c->io->arg, PAMIO_RESERVATION), *end;
	long long id = -1;

	if (data != NULL) {
		id = strtoll(data, &end, 10);
		if (*end != '\0' || id < 0)
			id = -1;
		free(data);
		(void)c->io->data_set(c->io->arg, PAMIO_RESERVATION, NULL);
	}
	return id;
}

/*
 * mfa_append, for clients that ask one question: when the answer ends in
 * a TOTP code, PAM_AUTHTOK becomes the password part (for this module,
 * pam_unix and any module after) and *code the code (malloc'd; NULL when
 * the answer does not split).
 */
static int split_answer(struct call *c, const char *answer, char **code)
{
	size_t n = crm_mfa_split(answer);
	char *pw;
	int pr;

	*code = NULL;
	if (n == 0)
		return PAM_SUCCESS;
	*code = strdup(answer + n);
	pw = strndup(answer, n);
	if (*code == NULL || pw == NULL) {
		forget(*code);
		forget(pw);
		*code = NULL;
		return PAM_BUF_ERR;
	}
	/* libpam wipes the old item (the whole answer) as it replaces it. */
	pr = c->io->set_item(c->io->arg, PAM_AUTHTOK, pw);
	forget(pw);
	if (pr != PAM_SUCCESS) {
		forget(*code);
		*code = NULL;
	}
	return pr;
}

/* Stacked preauth with mfa_append: asks the one question itself. */
static int stash_appended_code(struct call *c)
{
	const char *answer = NULL;
	char *code = NULL;
	int pr;

	pr = c->io->get_authtok(c->io->arg, PAM_AUTHTOK, &answer);
	if (pr != PAM_SUCCESS || answer == NULL)
		return PAM_SUCCESS;	/* the password module asks again */
	if ((pr = split_answer(c, answer, &code)) != PAM_SUCCESS ||
			code == NULL)
		return pr;
	pr = c->io->data_set(c->io->arg, PAMIO_CODE, code);
	forget(code);
	return pr;
}

/* The code stashed by preauth (malloc'd), or NULL; the stash is emptied. */
static char *take_appended_code(struct call *c)
{
	char *code = c->io->data_get(c->io->arg, PAMIO_CODE);

	if (code != NULL)
		(void)c->io->data_set(c->io->arg, PAMIO_CODE, NULL);
	return code;
}

/* A successful authentication: account management records no login. */
static int authed(struct call *c, int code)
{
	if (code == PAM_SUCCESS)
		(void)c->io->data_set(c->io->arg, PAMIO_AUTHED, "1");
	return code;
}

/*
 * The second factor, after a right password (CRM_V_MFA): sends the
 * e-mailed code if that is the factor, asks for the code with echo off
 * (unless mfa_append already gave one), and lets the core check it. A
 * wrong e-mailed code may be typed again while it has tries left.
 * appended (malloc'd, may be NULL) is consumed.
 */
static int second_factor(struct call *c, char *appended)
{
	char prompt[CRM_MASKED_MAX + 128];
	int r = CRM_OK;

	c->req.reservation = c->res.reservation;
	if (c->res.mfa == CRM_FACTOR_EMAIL) {
		r = crm_auth_mfa_send(&c->ctx, &c->req, &c->res, &c->err);
		if (r != CRM_OK || c->res.verdict != CRM_V_ALLOW) {
			forget(appended);
			return call_close(c, PH_AUTH, r);
		}
		snprintf(prompt, sizeof(prompt), _("A code was sent to %s. Code: "),
			c->res.mfa_to);
	} else {
		snprintf(prompt, sizeof(prompt), "%s", _("Verification code: "));
	}
	for (;;) {
		char *code = appended;
		int answered;

		appended = NULL;
		if (code == NULL) {
			int pr = c->io->prompt(c->io->arg, PAM_PROMPT_ECHO_OFF,
				&code, prompt);

			if (pr != PAM_SUCCESS) {
				forget(code);
				code = NULL;
			}
		}
		answered = code != NULL;
		c->req.code = code;
		r = crm_auth_mfa(&c->ctx, &c->req, &c->res, &c->err);
		c->req.code = NULL;
		forget(code);
		if (!answered) {
			/* A missing code is refused, but nothing was counted. */
			int rc = call_close(c, PH_AUTH, r);

			return r != CRM_OK ? rc : PAM_AUTH_ERR;
		}
		if (r == CRM_OK && c->res.verdict == CRM_V_WRONG &&
				c->res.factor == CRM_FACTOR_EMAIL &&
				c->res.tries_left > 0) {
			tell(c, PAM_ERROR_MSG, "%s", _("Wrong code."));
			c->req.reservation = 0;
			continue;
		}
		if (r == CRM_OK && c->res.verdict == CRM_V_ALLOW &&
				c->res.factor == CRM_FACTOR_RECOVERY)
			tell(c, PAM_TEXT_INFO, ngettext_(
				"Recovery code used: %d left.",
				"Recovery code used: %d left.",
				(unsigned long)c->res.recovery_left),
				c->res.recovery_left);
		return authed(c, call_close(c, PH_AUTH, r));
	}
}

static int authenticate_standalone(struct call *c)
{
	const char *password = NULL;
	char *code = NULL;
	int r, pr, pcode;

	c->req.defer_refusal = 1;
	r = crm_auth_preauth(&c->ctx, &c->req, &c->res, &c->err);
	c->req.defer_refusal = 0;
	if (r != CRM_OK || (c->res.verdict != CRM_V_ALLOW &&
			c->res.verdict != CRM_V_UNKNOWN &&
			!crm_verdict_is_account(c->res.verdict)))
		return call_close(c, PH_AUTH, r);
	/*
	 * Unknown, locked, disabled and inactive users are asked too, and
	 * cost one hash and one write: neither the prompt nor the time
	 * tells them from a known user with a wrong password.
	 */
	pr = c->io->get_authtok(c->io->arg, PAM_AUTHTOK, &password);
	if (pr != PAM_SUCCESS || password == NULL) {
		/* No answer is no attempt: nothing is counted, but a refused
		 * account's refusal is recorded. */
		r = crm_verdict_is_account(c->res.verdict) ?
			crm_auth_refused_password(&c->ctx, &c->req, &c->res,
			&c->err) : CRM_OK;
		/* A store error is the answer (fail closed); else the
		 * conversation's, never a success. */
		pcode = call_close(c, PH_AUTH, r);
		if (r != CRM_OK)
			return pcode;
		return pr == PAM_SUCCESS ? PAM_AUTH_ERR : pr;
	}
	if (crm_verdict_is_account(c->res.verdict)) {
		c->req.password = password;
		r = crm_auth_refused_password(&c->ctx, &c->req, &c->res,
			&c->err);
		return call_close(c, PH_AUTH, r);
	}
	/* The core names the factor here only when mfa_append applies. */
	if (c->res.mfa == CRM_FACTOR_TOTP) {
		if ((pr = split_answer(c, password, &code)) != PAM_SUCCESS) {
			call_close(c, PH_AUTH, CRM_OK);
			return pr;
		}
		password = c->io->item(c->io->arg, PAM_AUTHTOK);
	}
	c->req.password = password;
	r = crm_auth_password(&c->ctx, &c->req, &c->res, &c->err);
	if (r == CRM_OK && c->res.verdict == CRM_V_MFA)
		return second_factor(c, code);
	forget(code);
	return authed(c, call_close(c, PH_AUTH, r));
}

static int authenticate(struct call *c)
{
	int r, pr;

	switch (c->cfg.mode) {
	case CRM_MODE_PREAUTH:
		r = crm_auth_preauth(&c->ctx, &c->req, &c->res, &c->err);
		if (r == CRM_OK && c->res.verdict == CRM_V_ALLOW) {
			keep_reservation(c);
			if (c->res.mfa == CRM_FACTOR_TOTP &&
					(pr = stash_appended_code(c)) != PAM_SUCCESS) {
				call_close(c, PH_AUTH, r);
				return pr;
			}
		}
		return call_close(c, PH_AUTH, r);
	case CRM_MODE_AUTHFAIL:
		forget(take_appended_code(c));
		c->req.reservation = take_reservation(c);
		c->req.password = c->io->item(c->io->arg, PAM_AUTHTOK);
		r = crm_auth_fail(&c->ctx, &c->req, &c->res, &c->err);
		return call_close(c, PH_AUTH, r);
	case CRM_MODE_AUTHSUCC:
		c->req.reservation = take_reservation(c);
		/* Behind the helper pam_unix's word comes from a caller
		 * without root: the core checks it against /etc/shadow. */
		if (c->who->via_helper) {
			c->req.vouch = 1;
			c->req.password = c->io->item(c->io->arg, PAM_AUTHTOK);
		}
		r = crm_auth_succ(&c->ctx, &c->req, &c->res, &c->err);
		if (r == CRM_OK && c->res.verdict == CRM_V_MFA) {
			c->req.password = c->io->item(c->io->arg, PAM_AUTHTOK);
			return second_factor(c, take_appended_code(c));
		}
		forget(take_appended_code(c));
		return authed(c, call_close(c, PH_AUTH, r));
	case CRM_MODE_STANDALONE:
		return authenticate_standalone(c);
	case CRM_MODE_COMMIT:
	case CRM_MODE_OWNED:
		break;
	}
	say(c, LOG_ERR, "refusing: 'commit' and 'owned' are password-stack options");
	return call_close(c, PH_AUTH, CRM_ECONF);
}

/*
 * The login type of a login that skipped the auth phase: sshd names the
 * method that admitted the user in SSH_AUTH_INFO_0 ("publickey ...") when
 * ExposeAuthInfo is on; anything else is "external".
 */
static const char *external_type(struct call *c, char buf[32])
{
	const char *info = c->io->getenv(c->io->arg, "SSH_AUTH_INFO_0");
	size_t n = info ? strspn(info, "abcdefghijklmnopqrstuvwxyz-") : 0;

	if (n == 0 || n >= 32 || (info[n] != ' ' && info[n] != '\0'))
		return CRM_LOGIN_EXTERNAL;
	memcpy(buf, info, n);
	buf[n] = '\0';
	return buf;
}

static int acct_mgmt(struct call *c)
{
	char *was_authed = c->io->data_get(c->io->arg, PAMIO_AUTHED);
	char type[32];
	int r;

	/* A remote login that passed no auth phase here (an SSH key) is
	 * recorded now; local uses without auth (cron, su by root) are not
	 * logins. */
	if (was_authed == NULL && c->ctx.rhost != NULL && c->ctx.rhost[0])
		c->req.login_type = external_type(c, type);
	free(was_authed);
	r = crm_acct_check(&c->ctx, &c->req, &c->res, &c->err);
	/* sshd names the method only at session open: it settles the type. */
	if (r == CRM_OK && c->req.login_type != NULL &&
			strcmp(c->req.login_type, CRM_LOGIN_EXTERNAL) == 0 &&
			(c->res.verdict == CRM_V_ALLOW ||
			c->res.verdict == CRM_V_EXPIRED ||
			c->res.verdict == CRM_V_MUST_CHANGE))
		(void)c->io->data_set(c->io->arg, PAMIO_EXTERNAL, "1");
	if (r == CRM_OK) {
		if (c->res.verdict == CRM_V_EXPIRED ||
				c->res.verdict == CRM_V_MUST_CHANGE)
			tell(c, PAM_ERROR_MSG, "%s",
				_("You must change your password now."));
		else if (c->res.verdict == CRM_V_ALLOW && c->res.warn_days >= 0)
			tell(c, PAM_TEXT_INFO, ngettext_("Password expires in %d day.",
				"Password expires in %d days.",
				(unsigned long)c->res.warn_days), c->res.warn_days);
	}
	return call_close(c, PH_ACCT, r);
}

/* One error line per failed rule: "Password must contain a digit." */
static void tell_rejection(struct call *c)
{
	char msg[256];

	for (unsigned bit = 1; bit < (1u << CRM_PW_RULE_COUNT); bit <<= 1) {
		if (!(c->res.rules & bit))
			continue;
		crm_quality_message(bit, &c->res.pol, msg, sizeof(msg));
		tell(c, PAM_ERROR_MSG, _("Password %s."), msg);
	}
}

/*
 * The update pass of a change: for a store-owned password the caller
 * proves the current one first (unless root), then the new one is asked,
 * checked and (store-owned) recorded; otherwise it is only checked and
 * left in PAM_AUTHTOK for the module that stores it.
 */
static int change_password(struct call *c, int owned)
{
	const char *old = NULL, *new = NULL;
	int r, pr;

	if (owned && c->who->uid != 0) {
		pr = c->io->get_authtok(c->io->arg, PAM_OLDAUTHTOK, &old);
		if (pr != PAM_SUCCESS || old == NULL) {
			call_close(c, PH_PASSWD, CRM_OK);
			return pr == PAM_SUCCESS ? PAM_AUTHTOK_RECOVERY_ERR : pr;
		}
		c->req.password = old;
		r = crm_pw_verify_current(&c->ctx, &c->req, &c->res, &c->err);
		if (r != CRM_OK || c->res.verdict != CRM_V_ALLOW)
			return call_close(c, PH_PASSWD, r);
	}
	pr = c->io->get_authtok(c->io->arg, PAM_AUTHTOK, &new);
	if (pr != PAM_SUCCESS || new == NULL) {
		call_close(c, PH_PASSWD, CRM_OK);
		return pr == PAM_SUCCESS ? PAM_AUTHTOK_ERR : pr;
	}
	c->req.new_password = new;
	r = crm_pw_check(&c->ctx, &c->req, &c->res, &c->err);
	if (r == CRM_OK && c->res.verdict == CRM_V_REJECTED) {
		tell_rejection(c);
		/* Forget the refused password so that a retry asks again. */
		(void)c->io->set_item(c->io->arg, PAM_AUTHTOK, NULL);
	}
	if (r != CRM_OK || c->res.verdict != CRM_V_ALLOW || !owned)
		return call_close(c, PH_PASSWD, r);
	r = crm_pw_commit(&c->ctx, &c->req, 1, &c->res, &c->err);
	return call_close(c, PH_PASSWD, r);
}

/*
 * The first line of a password stack (no mode word). For a password that
 * lives elsewhere (pam_unix), the prelim pass refuses a locked or denied
 * account and reserves an attempt while the next module checks the
 * current password; reaching the update pass means it was right.
 */
static int password_check(struct call *c, int owned)
{
	int prelim = ((unsigned)c->flags & PAM_PRELIM_CHECK) != 0, r;

	if (prelim) {
		if (owned || (c->who->uid == 0 && !((unsigned)c->flags &
				PAM_CHANGE_EXPIRED_AUTHTOK)))
			return call_close(c, PH_PASSWD, CRM_OK);
		r = crm_pw_prelim(&c->ctx, &c->req, &c->res, &c->err);
		if (r == CRM_OK && c->res.verdict == CRM_V_ALLOW)
			keep_reservation(c);
		return call_close(c, PH_PASSWD, r);
	}
	if (!owned) {
		c->req.reservation = take_reservation(c);
		if (c->req.reservation >= 0) {
			r = crm_pw_proven(&c->ctx, &c->req, &c->res, &c->err);
			if (r != CRM_OK || c->res.verdict != CRM_V_ALLOW)
				return call_close(c, PH_PASSWD, r);
		}
	}
	return change_password(c, owned);
}

/*
 * authfail in a password stack: reached when the module before (pam_unix)
 * failed. In the prelim pass that is a wrong current password, counted
 * like a wrong login; in the update pass the new password could not be
 * stored, which counts nothing.
 */
static int password_fail(struct call *c)
{
	int r;

	if (!((unsigned)c->flags & PAM_PRELIM_CHECK)) {
		say(c, LOG_ERR, "the password module before could not store the "
			"new password of %s", c->req.user);
		call_close(c, PH_PASSWD, CRM_OK);
		return PAM_AUTHTOK_ERR;
	}
	c->req.reservation = take_reservation(c);
	c->req.password = c->io->item(c->io->arg, PAM_OLDAUTHTOK);
	r = crm_auth_fail(&c->ctx, &c->req, &c->res, &c->err);
	if (r == CRM_OK && c->res.verdict == CRM_V_IGNORE)
		c->res.verdict = CRM_V_WRONG;
	return call_close(c, PH_PASSWD, r);
}

static int chauthtok(struct call *c)
{
	int r, owned = 0;

	switch (c->cfg.mode) {
	case CRM_MODE_COMMIT:
		if ((unsigned)c->flags & PAM_PRELIM_CHECK)
			return call_close(c, PH_PASSWD, CRM_OK);
		c->req.new_password = c->io->item(c->io->arg, PAM_AUTHTOK);
		if (c->req.new_password == NULL) {
			say(c, LOG_ERR, "commit: no new password on the stack");
			return call_close(c, PH_PASSWD, CRM_EINVAL);
		}
		r = crm_pw_commit(&c->ctx, &c->req, 0, &c->res, &c->err);
		return call_close(c, PH_PASSWD, r);
	case CRM_MODE_AUTHFAIL:
		return password_fail(c);
	case CRM_MODE_OWNED:
	case CRM_MODE_STANDALONE:
		if ((r = crm_pw_store_owned(&c->ctx, c->req.user, &owned,
				&c->err)) != CRM_OK)
			return call_close(c, PH_PASSWD, r);
		if (c->cfg.mode == CRM_MODE_OWNED && !owned) {
			/* Not ours: the lines after this one change it. */
			c->res.verdict = CRM_V_IGNORE;
			return call_close(c, PH_PASSWD, CRM_OK);
		}
		if (c->cfg.mode == CRM_MODE_OWNED &&
				((unsigned)c->flags & PAM_PRELIM_CHECK))
			return call_close(c, PH_PASSWD, CRM_OK);
		return password_check(c, owned);
	case CRM_MODE_PREAUTH:
	case CRM_MODE_AUTHSUCC:
		break;
	}
	say(c, LOG_ERR, "refusing: auth phase option in the password stack");
	return call_close(c, PH_PASSWD, CRM_ECONF);
}

static int open_session(struct call *c)
{
	char when[64], from[300], type[32];
	char *external = c->io->data_get(c->io->arg, PAMIO_EXTERNAL);
	struct tm tm;
	time_t t;
	int r;

	if (external != NULL) {
		const char *method = external_type(c, type);

		if (strcmp(method, CRM_LOGIN_EXTERNAL) != 0)
			c->req.login_type = method;
		free(external);
		(void)c->io->data_set(c->io->arg, PAMIO_EXTERNAL, NULL);
	}
	r = crm_session_open(&c->ctx, &c->req, &c->res, &c->err);

	if (r == CRM_OK && c->res.verdict == CRM_V_ALLOW) {
		if (c->res.last_login != 0) {
			t = (time_t)c->res.last_login;
			localtime_r(&t, &tm);
			strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm);
			if (c->res.last_rhost[0] != '\0' && c->res.last_place[0] != '\0') {
				crm_printable(c->res.last_rhost, from, sizeof(from));
				tell(c, PAM_TEXT_INFO, _("Last login: %s from %s (%s)"),
					when, from, c->res.last_place);
			} else if (c->res.last_rhost[0] != '\0') {
				crm_printable(c->res.last_rhost, from, sizeof(from));
				tell(c, PAM_TEXT_INFO, _("Last login: %s from %s"), when,
					from);
			} else {
				crm_printable(c->res.last_service, from, sizeof(from));
				tell(c, PAM_TEXT_INFO, _("Last login: %s via %s"), when,
					from);
			}
		}
		if (c->res.failed_since > 0)
			tell(c, PAM_TEXT_INFO, ngettext_(
				"%d failed login attempt since your last login.",
				"%d failed login attempts since your last login.",
				(unsigned long)c->res.failed_since), c->res.failed_since);
	}
	return call_close(c, PH_SESSION, r);
}

/*
 * The user's language for this call, as a locale for this thread only:
 * where the application speaks a language of its own (its LC_MESSAGES is
 * not C), none, and the module speaks the application's. A language whose
 * locale is not installed is logged, and English spoken.
 */
static locale_t user_locale(struct call *c)
{
	char lang[CRM_LANG_MAX + 1];
	struct crm_error e;
	locale_t loc;

	if (!crm_lang_thread_is_c())
		return (locale_t)0;
	/* A store error here is the phase's to report, failing closed. */
	if (crm_user_lang(&c->ctx, c->req.user, lang, &e) != CRM_OK ||
			lang[0] == '\0' || strcmp(lang, "en") == 0)
		return (locale_t)0;
	loc = crm_lang_locale(lang);
	if (loc == (locale_t)0)
		say(c, LOG_WARNING, "language %s: locale %s is not installed;"
			" speaking English", lang, crm_lang_locale_name(lang));
	return loc;
}

int crm_flow_run(const struct pamio *io, enum pamio_entry entry, int flags,
	int argc, const char **argv, const struct flow_caller *who)
{
	static const enum phase phase_of[PAMIO_ENTRY_COUNT] = {
		[PAMIO_AUTHENTICATE] = PH_AUTH,
		[PAMIO_SETCRED] = PH_AUTH,
		[PAMIO_ACCT_MGMT] = PH_ACCT,
		[PAMIO_OPEN_SESSION] = PH_SESSION,
		[PAMIO_CLOSE_SESSION] = PH_SESSION,
		[PAMIO_CHAUTHTOK] = PH_PASSWD,
	};
	struct call c;
	locale_t loc, prev;
	int refused, r;

	/* setcred and close_session keep nothing: no store is opened. */
	if (entry == PAMIO_SETCRED || entry == PAMIO_CLOSE_SESSION)
		return PAM_SUCCESS;
	if ((unsigned)entry >= PAMIO_ENTRY_COUNT)
		return PAM_SERVICE_ERR;
	crm_i18n_bind();
	r = call_open(&c, io, flags, argc, argv, who, &refused);
	if (r != PAM_SUCCESS)
		return r;
	if (refused)
		return call_close(&c, phase_of[entry], c.gate_rc);
	loc = user_locale(&c);
	prev = crm_lang_enter(loc);
	switch (entry) {
	case PAMIO_AUTHENTICATE:
		r = authenticate(&c);
		break;
	case PAMIO_ACCT_MGMT:
		r = acct_mgmt(&c);
		break;
	case PAMIO_CHAUTHTOK:
		r = chauthtok(&c);
		break;
	case PAMIO_OPEN_SESSION:
		r = open_session(&c);
		break;
	case PAMIO_SETCRED:
	case PAMIO_CLOSE_SESSION:
	case PAMIO_ENTRY_COUNT:
	default:
		r = call_close(&c, phase_of[entry], CRM_EINVAL);
		break;
	}
	crm_lang_leave(loc, prev);
	if (loc != (locale_t)0)
		freelocale(loc);
	return r;
}
