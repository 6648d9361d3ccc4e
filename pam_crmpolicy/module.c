/*
 * pam_crmpolicy: the PAM adapter. Each entry point parses its arguments,
 * opens the store, asks the core for one decision and maps it to a PAM code
 * in one table whose default is PAM_AUTHINFO_UNAVAIL. All state lives in
 * the store: sshd may fork between phases.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_PASSWORD
#define PAM_SM_SESSION
#include <sodium.h>
#include <security/pam_modules.h>
#include <security/pam_ext.h>
#include <security/pam_modutil.h>

#include "crmpolicy/auth.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/quality.h"
#include "crmpolicy/utf8.h"

#define EXPORT __attribute__((visibility("default")))
#define RESERVATION_DATA "pam_crmpolicy_reservation"
#define CODE_DATA "pam_crmpolicy_appended_code"

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

static int map(enum phase ph, int rc, const struct crm_result *res)
{
	int code;

	if (rc != CRM_OK || (size_t)res->verdict >=
			sizeof(verdict_map) / sizeof(verdict_map[0]))
		return PAM_AUTHINFO_UNAVAIL;
	code = verdict_map[res->verdict][ph];
	return res->verdict == CRM_V_ALLOW || code != 0 ? code :
		PAM_AUTHINFO_UNAVAIL;
}

/* Everything one entry point needs; lives on its stack. */
struct call {
	pam_handle_t *pamh;
	struct crm_config cfg;
	struct crm_ctx ctx;
	struct crm_request req;
	struct crm_result res;
	struct crm_error err;
	char actor[80];
	int silent;
	int open;
};

static void log_to_pam(void *arg, int priority, const char *msg)
{
	pam_syslog((pam_handle_t *)arg, priority, "%s", msg);
}

static const char *item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS)
		return NULL;
	return v;
}

/*
 * Parses arguments and conf, then opens the store. Any problem is logged
 * with its place and yields PAM_AUTHINFO_UNAVAIL; never a weaker default.
 */
static int call_open(struct call *c, pam_handle_t *pamh, int flags, int argc,
	const char **argv, int need_user)
{
	struct crm_problems probs;
	const char *service;
	int r;

	memset(c, 0, sizeof(*c));
	c->pamh = pamh;
	crm_problems_init(&probs);
	r = crm_config_from_args(&c->cfg, argc, argv, &probs, &c->err);
	for (size_t i = 0; i < probs.n; i++)
		pam_syslog(pamh, LOG_ERR, "configuration: %s", probs.items[i]);
	crm_problems_free(&probs);
	if (r != CRM_OK) {
		pam_syslog(pamh, LOG_ERR, "refusing: configuration unusable%s%s",
			c->err.msg[0] ? ": " : "", c->err.msg);
		crm_config_free(&c->cfg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	c->silent = ((unsigned)flags & PAM_SILENT) != 0 ||
		(c->cfg.opts & CRM_OPT_SILENT) != 0;
	if (need_user) {
		r = pam_get_user(pamh, &c->req.user, NULL);
		if (r != PAM_SUCCESS || c->req.user == NULL) {
			crm_config_free(&c->cfg);
			return r == PAM_SUCCESS ? PAM_USER_UNKNOWN : r;
		}
	}
	if (crm_ctx_open(&c->ctx, &c->cfg, 0, &c->err) != CRM_OK) {
		pam_syslog(pamh, LOG_ERR, "refusing: %s", c->err.msg);
		crm_config_free(&c->cfg);
		return PAM_AUTHINFO_UNAVAIL;
	}
	c->open = 1;
	service = item(pamh, PAM_SERVICE);
	c->ctx.service = service ? service : "";
	c->ctx.rhost = item(pamh, PAM_RHOST);
	c->ctx.tty = item(pamh, PAM_TTY);
	snprintf(c->actor, sizeof(c->actor), "pam:%s", c->ctx.service);
	c->ctx.actor = c->actor;
	c->ctx.caller_uid = (long)getuid();
	c->ctx.log = log_to_pam;
	c->ctx.log_arg = pamh;
	c->req.reservation = -1;
	return PAM_SUCCESS;
}

/* Logs a core error, closes everything and returns the PAM code. */
static int call_close(struct call *c, enum phase ph, int rc)
{
	int code = map(ph, rc, &c->res);

	if (rc != CRM_OK)
		pam_syslog(c->pamh, LOG_ERR, "refusing: %s", c->err.msg[0] ?
			c->err.msg : crm_error_name(rc));
	else if (c->cfg.opts & CRM_OPT_DEBUG)
		pam_syslog(c->pamh, LOG_DEBUG, "%s: %s", c->res.reason[0] ?
			c->res.reason : crm_verdict_name(c->res.verdict),
			pam_strerror(c->pamh, code));
	if (c->open)
		crm_ctx_close(&c->ctx);
	crm_config_free(&c->cfg);
	sodium_memzero(&c->res.pol, sizeof(c->res.pol));
	return code;
}

static void free_reservation(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

static void keep_reservation(struct call *c)
{
	int64_t *id;

	if (c->res.reservation == 0)
		return;
	id = malloc(sizeof(*id));
	if (id == NULL)
		return;	/* authfail/authsucc then release the oldest one */
	*id = c->res.reservation;
	if (pam_set_data(c->pamh, RESERVATION_DATA, id, free_reservation) !=
			PAM_SUCCESS)
		free(id);
}

static int64_t take_reservation(struct call *c)
{
	const void *data = NULL;
	int64_t id = -1;

	if (pam_get_data(c->pamh, RESERVATION_DATA, &data) == PAM_SUCCESS &&
			data != NULL) {
		id = *(const int64_t *)data;
		pam_set_data(c->pamh, RESERVATION_DATA, NULL, NULL);
	}
	return id;
}

/* Wipes and frees an answer of the conversation (NULL is fine). */
static void forget(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
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
	pr = pam_set_item(c->pamh, PAM_AUTHTOK, pw);
	forget(pw);
	if (pr != PAM_SUCCESS) {
		forget(*code);
		*code = NULL;
	}
	return pr;
}

static void free_code(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	forget(data);
}

/* Stacked preauth with mfa_append: asks the one question itself. */
static int stash_appended_code(struct call *c)
{
	const char *answer = NULL;
	char *code = NULL;
	int pr;

	pr = pam_get_authtok(c->pamh, PAM_AUTHTOK, &answer, NULL);
	if (pr != PAM_SUCCESS || answer == NULL)
		return PAM_SUCCESS;	/* the password module asks again */
	if ((pr = split_answer(c, answer, &code)) != PAM_SUCCESS ||
			code == NULL)
		return pr;
	if ((pr = pam_set_data(c->pamh, CODE_DATA, code, free_code)) !=
			PAM_SUCCESS)
		forget(code);
	return pr;
}

/* The code stashed by preauth (malloc'd), or NULL; the stash is emptied. */
static char *take_appended_code(struct call *c)
{
	const void *data = NULL;
	char *code = NULL;

	if (pam_get_data(c->pamh, CODE_DATA, &data) == PAM_SUCCESS &&
			data != NULL) {
		code = strdup(data);
		pam_set_data(c->pamh, CODE_DATA, NULL, NULL);
	}
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
			int pr = pam_prompt(c->pamh, PAM_PROMPT_ECHO_OFF, &code,
				"%s", prompt);

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
			if (!c->silent)
				pam_error(c->pamh, "%s", _("Wrong code."));
			c->req.reservation = 0;
			continue;
		}
		if (r == CRM_OK && c->res.verdict == CRM_V_ALLOW &&
				c->res.factor == CRM_FACTOR_RECOVERY && !c->silent)
			pam_info(c->pamh, ngettext_(
				"Recovery code used: %d left.",
				"Recovery code used: %d left.",
				(unsigned long)c->res.recovery_left),
				c->res.recovery_left);
		return call_close(c, PH_AUTH, r);
	}
}

static int authenticate_standalone(struct call *c)
{
	const char *password = NULL;
	char *code = NULL;
	int r, pr;

	r = crm_auth_preauth(&c->ctx, &c->req, &c->res, &c->err);
	if (r != CRM_OK || (c->res.verdict != CRM_V_ALLOW &&
			c->res.verdict != CRM_V_UNKNOWN))
		return call_close(c, PH_AUTH, r);
	/* Unknown users are asked too, and cost one hash: no enumeration. */
	pr = pam_get_authtok(c->pamh, PAM_AUTHTOK, &password, NULL);
	if (pr != PAM_SUCCESS || password == NULL) {
		/* No answer is no attempt: nothing is counted. */
		call_close(c, PH_AUTH, CRM_OK);
		return pr == PAM_SUCCESS ? PAM_AUTH_ERR : pr;
	}
	/* The core names the factor here only when mfa_append applies. */
	if (c->res.mfa == CRM_FACTOR_TOTP) {
		if ((pr = split_answer(c, password, &code)) != PAM_SUCCESS) {
			call_close(c, PH_AUTH, CRM_OK);
			return pr;
		}
		password = item(c->pamh, PAM_AUTHTOK);
	}
	c->req.password = password;
	r = crm_auth_password(&c->ctx, &c->req, &c->res, &c->err);
	if (r == CRM_OK && c->res.verdict == CRM_V_MFA)
		return second_factor(c, code);
	forget(code);
	return call_close(c, PH_AUTH, r);
}

EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
	const char **argv)
{
	struct call c;
	int pr, r = call_open(&c, pamh, flags, argc, argv, 1);

	if (r != PAM_SUCCESS)
		return r;
	switch (c.cfg.mode) {
	case CRM_MODE_PREAUTH:
		r = crm_auth_preauth(&c.ctx, &c.req, &c.res, &c.err);
		if (r == CRM_OK && c.res.verdict == CRM_V_ALLOW) {
			keep_reservation(&c);
			if (c.res.mfa == CRM_FACTOR_TOTP &&
					(pr = stash_appended_code(&c)) != PAM_SUCCESS) {
				call_close(&c, PH_AUTH, r);
				return pr;
			}
		}
		return call_close(&c, PH_AUTH, r);
	case CRM_MODE_AUTHFAIL:
		forget(take_appended_code(&c));
		c.req.reservation = take_reservation(&c);
		c.req.password = item(pamh, PAM_AUTHTOK);
		r = crm_auth_fail(&c.ctx, &c.req, &c.res, &c.err);
		return call_close(&c, PH_AUTH, r);
	case CRM_MODE_AUTHSUCC:
		c.req.reservation = take_reservation(&c);
		r = crm_auth_succ(&c.ctx, &c.req, &c.res, &c.err);
		if (r == CRM_OK && c.res.verdict == CRM_V_MFA) {
			c.req.password = item(pamh, PAM_AUTHTOK);
			return second_factor(&c, take_appended_code(&c));
		}
		forget(take_appended_code(&c));
		return call_close(&c, PH_AUTH, r);
	case CRM_MODE_STANDALONE:
		return authenticate_standalone(&c);
	case CRM_MODE_COMMIT:
		break;
	}
	pam_syslog(pamh, LOG_ERR, "refusing: 'commit' is a password-stack option");
	return call_close(&c, PH_AUTH, CRM_ECONF);
}

EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
	const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
	const char **argv)
{
	struct call c;
	int r = call_open(&c, pamh, flags, argc, argv, 1);

	if (r != PAM_SUCCESS)
		return r;
	r = crm_acct_check(&c.ctx, &c.req, &c.res, &c.err);
	if (r == CRM_OK && !c.silent) {
		if (c.res.verdict == CRM_V_EXPIRED ||
				c.res.verdict == CRM_V_MUST_CHANGE)
			pam_error(pamh, "%s", _("You must change your password now."));
		else if (c.res.verdict == CRM_V_ALLOW && c.res.warn_days >= 0)
			pam_info(pamh, ngettext_("Password expires in %d day.",
				"Password expires in %d days.",
				(unsigned long)c.res.warn_days), c.res.warn_days);
	}
	return call_close(&c, PH_ACCT, r);
}

/* One error line per failed rule: "Password must contain a digit." */
static void tell_rejection(struct call *c)
{
	char msg[256];

	if (c->silent)
		return;
	for (unsigned bit = 1; bit < (1u << CRM_PW_RULE_COUNT); bit <<= 1) {
		if (!(c->res.rules & bit))
			continue;
		crm_quality_message(bit, &c->res.pol, msg, sizeof(msg));
		pam_error(c->pamh, _("Password %s."), msg);
	}
}

static int change_password(struct call *c)
{
	const char *old = NULL, *new = NULL;
	int r, pr, owned;

	if ((r = crm_pw_store_owned(&c->ctx, c->req.user, &owned, &c->err)))
		return call_close(c, PH_PASSWD, r);
	/* A user changing their own store password proves it first. */
	if (owned && getuid() != 0) {
		pr = pam_get_authtok(c->pamh, PAM_OLDAUTHTOK, &old, NULL);
		if (pr != PAM_SUCCESS || old == NULL) {
			call_close(c, PH_PASSWD, CRM_OK);
			return pr == PAM_SUCCESS ? PAM_AUTHTOK_RECOVERY_ERR : pr;
		}
		c->req.password = old;
		r = crm_pw_verify_current(&c->ctx, &c->req, &c->res, &c->err);
		if (r != CRM_OK || c->res.verdict != CRM_V_ALLOW)
			return call_close(c, PH_PASSWD, r);
	}
	pr = pam_get_authtok(c->pamh, PAM_AUTHTOK, &new, NULL);
	if (pr != PAM_SUCCESS || new == NULL) {
		call_close(c, PH_PASSWD, CRM_OK);
		return pr == PAM_SUCCESS ? PAM_AUTHTOK_ERR : pr;
	}
	c->req.new_password = new;
	r = crm_pw_check(&c->ctx, &c->req, &c->res, &c->err);
	if (r == CRM_OK && c->res.verdict == CRM_V_REJECTED) {
		tell_rejection(c);
		/* Forget the refused password so that a retry asks again. */
		pam_set_item(c->pamh, PAM_AUTHTOK, NULL);
	}
	if (r != CRM_OK || c->res.verdict != CRM_V_ALLOW || !owned)
		return call_close(c, PH_PASSWD, r);
	r = crm_pw_commit(&c->ctx, &c->req, 1, &c->res, &c->err);
	return call_close(c, PH_PASSWD, r);
}

EXPORT int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc,
	const char **argv)
{
	struct call c;
	int r = call_open(&c, pamh, flags, argc, argv, 1);

	if (r != PAM_SUCCESS)
		return r;
	/* The first pass only proves the store is usable. */
	if ((unsigned)flags & PAM_PRELIM_CHECK)
		return call_close(&c, PH_PASSWD, CRM_OK);
	if (c.cfg.mode == CRM_MODE_COMMIT) {
		c.req.new_password = item(pamh, PAM_AUTHTOK);
		if (c.req.new_password == NULL) {
			pam_syslog(pamh, LOG_ERR, "commit: no new password on the stack");
			return call_close(&c, PH_PASSWD, CRM_EINVAL);
		}
		r = crm_pw_commit(&c.ctx, &c.req, 0, &c.res, &c.err);
		return call_close(&c, PH_PASSWD, r);
	}
	if (c.cfg.mode != CRM_MODE_STANDALONE) {
		pam_syslog(pamh, LOG_ERR, "refusing: auth phase option in the password stack");
		return call_close(&c, PH_PASSWD, CRM_ECONF);
	}
	return change_password(&c);
}

EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
	const char **argv)
{
	char when[64], from[300];
	struct call c;
	struct tm tm;
	time_t t;
	int r = call_open(&c, pamh, flags, argc, argv, 1);

	if (r != PAM_SUCCESS)
		return r;
	r = crm_session_open(&c.ctx, &c.req, &c.res, &c.err);
	if (r == CRM_OK && c.res.verdict == CRM_V_ALLOW && !c.silent) {
		if (c.res.last_login != 0) {
			t = (time_t)c.res.last_login;
			localtime_r(&t, &tm);
			strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm);
			if (c.res.last_rhost[0] != '\0' && c.res.last_place[0] != '\0') {
				crm_printable(c.res.last_rhost, from, sizeof(from));
				pam_info(pamh, _("Last login: %s from %s (%s)"), when, from,
					c.res.last_place);
			} else if (c.res.last_rhost[0] != '\0') {
				crm_printable(c.res.last_rhost, from, sizeof(from));
				pam_info(pamh, _("Last login: %s from %s"), when, from);
			} else {
				crm_printable(c.res.last_service, from, sizeof(from));
				pam_info(pamh, _("Last login: %s via %s"), when, from);
			}
		}
		if (c.res.failed_since > 0)
			pam_info(pamh, ngettext_(
				"%d failed login attempt since your last login.",
				"%d failed login attempts since your last login.",
				(unsigned long)c.res.failed_since), c.res.failed_since);
	}
	return call_close(&c, PH_SESSION, r);
}

EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
	const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
