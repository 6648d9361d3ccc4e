/*
 * crmpasswd status [USER]: one account's lock state, failures, password
 * age, last login, groups, second-factor policy and TOTP enrolment. Anyone may see their
 * own; another user's needs root or admin_group.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/lang.h"
#include "crmpolicy/utf8.h"
#include "output.h"

const char *cli_state_word(const struct crm_status *st)
{
	if (st->acct.disabled)
		return "disabled";
	if (st->locked)
		return "locked";
	return "active";
}

void cli_state_text(const struct crm_status *st, char *buf, size_t len)
{
	if (st->acct.disabled)
		snprintf(buf, len, _("disabled (%s)"),
			st->acct.disabled_reason[0] ? st->acct.disabled_reason
			: _("admin"));
	else if (st->locked && st->lock_left < 0)
		snprintf(buf, len, "%s", _("locked (until unlocked)"));
	else if (st->locked)
		snprintf(buf, len, _("locked (%lld s left)"),
			(long long)st->lock_left);
	else
		snprintf(buf, len, "%s", _("active"));
}

static char *status_json(const struct crm_status *st)
{
	const struct crm_account *a = &st->acct;
	char mfa[64], lang[CRM_LANG_MAX + 1];
	char *j = json_new_object(), *groups, *last;
	int bad = j == NULL;

	crm_key_format(CRM_K_MFA, st->pol.num[CRM_K_MFA], NULL, mfa,
		sizeof(mfa));
	groups = json_from_list(st->groups);
	last = json_new_object();
	if (a->last_login != 0 && last != NULL) {
		bad |= json_set_time(&last, "time", a->last_login);
		bad |= json_set_str(&last, "service", a->last_service);
		bad |= json_set_str(&last, "rhost", a->last_rhost[0] ?
			a->last_rhost : NULL);
	}
	bad |= groups == NULL || last == NULL;
	if (!bad) {
		bad |= json_set_str(&j, "user", a->name);
		bad |= json_set_str(&j, "state", cli_state_word(st));
		bad |= json_set_bool(&j, "locked", st->locked);
		if (st->locked && st->lock_left >= 0)
			bad |= json_set_int(&j, "lock_left", st->lock_left);
		else
			bad |= json_set_str(&j, "lock_left", NULL);
		bad |= json_set_bool(&j, "disabled", a->disabled);
		bad |= json_set_str(&j, "disabled_reason", a->disabled ?
			a->disabled_reason : NULL);
		bad |= json_set_int(&j, "failures", a->failures);
		bad |= json_set_time(&j, "password_changed", a->pw_changed);
		bad |= json_set_time(&j, "expires", st->expires);
		bad |= json_set_bool(&j, "must_change", a->must_change);
		bad |= a->last_login ? json_set_raw(&j, "last_login", last)
			: json_set_str(&j, "last_login", NULL);
		bad |= json_set_raw(&j, "groups", groups);
		bad |= json_set_str(&j, "mfa", mfa);
		bad |= json_set_str(&j, "email", a->email[0] ? a->email : NULL);
		bad |= json_set_bool(&j, "email_verified", a->email_verified);
		bad |= json_set_bool(&j, "totp_enrolled", st->mfa.totp);
		bad |= json_set_time(&j, "totp_enrolled_at",
			st->mfa.totp_enrolled);
		bad |= json_set_int(&j, "recovery_codes_left",
			st->mfa.recovery_left);
		bad |= json_set_str(&j, "sip_realm", st->sip ? st->sip_realm
			: NULL);
		bad |= json_set_str(&j, "lang", a->lang[0] ? a->lang : NULL);
		crm_lang_pick(a->lang, st->pol.text[CRM_PT_LANG], lang);
		bad |= json_set_str(&j, "lang_effective", lang[0] ? lang
			: "en");
		bad |= json_set_time(&j, "sip_credentials_changed",
			st->sip_changed);
		if (st->inactive_in_days >= 0)
			bad |= json_set_int(&j, "inactive_in_days",
				st->inactive_in_days);
		else
			bad |= json_set_str(&j, "inactive_in_days", NULL);
	}
	free(groups);
	free(last);
	if (bad) {
		free(j);
		return NULL;
	}
	return j;
}

static void status_text(const struct crm_status *st)
{
	const struct crm_account *a = &st->acct;
	char buf[512], t[80], mfa[64], lang[CRM_LANG_MAX + 1];
	const int w = 18;

	out_field(stdout, w, _("User:"), a->name);
	cli_state_text(st, buf, sizeof(buf));
	out_field(stdout, w, _("State:"), buf);
	snprintf(buf, sizeof(buf), "%d", a->failures);
	out_field(stdout, w, _("Failures:"), buf);
	out_time(a->pw_changed, _("never"), t, sizeof(t));
	out_field(stdout, w, _("Password changed:"), t);
	out_time(st->expires, _("never"), t, sizeof(t));
	out_field(stdout, w, _("Expires:"), t);
	out_field(stdout, w, _("Must change:"), a->must_change ? _("yes")
		: _("no"));
	if (a->last_login != 0) {
		out_time(a->last_login, "", t, sizeof(t));
		snprintf(buf, sizeof(buf), _("%s (%s from %s)"), t,
			a->last_service[0] ? a->last_service : "-",
			a->last_rhost[0] ? a->last_rhost : _("local"));
	} else {
		snprintf(buf, sizeof(buf), "%s", _("never"));
	}
	out_field(stdout, w, _("Last login:"), buf);
	out_field(stdout, w, _("Groups:"), st->groups[0] ? st->groups
		: _("(none)"));
	crm_key_format(CRM_K_MFA, st->pol.num[CRM_K_MFA], NULL, mfa,
		sizeof(mfa));
	out_field(stdout, w, _("MFA:"), mfa);
	if (st->mfa.totp) {
		out_time(st->mfa.totp_enrolled, "", t, sizeof(t));
		snprintf(buf, sizeof(buf), ngettext_(
			"enrolled %s, %d recovery code left",
			"enrolled %s, %d recovery codes left",
			(unsigned long)st->mfa.recovery_left), t,
			st->mfa.recovery_left);
	} else {
		snprintf(buf, sizeof(buf), "%s", _("not enrolled"));
	}
	out_field(stdout, w, _("TOTP:"), buf);
	if (a->email[0] != '\0')
		snprintf(buf, sizeof(buf), "%s (%s)", a->email,
			a->email_verified ? _("verified") : _("not verified"));
	else
		snprintf(buf, sizeof(buf), "%s", _("(none)"));
	out_field(stdout, w, _("E-mail:"), buf);
	crm_lang_pick(a->lang, st->pol.text[CRM_PT_LANG], lang);
	if (a->lang[0] != '\0')
		snprintf(buf, sizeof(buf), "%s", a->lang);
	else
		snprintf(buf, sizeof(buf), _("%s (from the policy)"),
			lang[0] ? lang : "en");
	out_field(stdout, w, _("Language:"), buf);
	if (st->sip) {
		out_time(st->sip_changed, "", t, sizeof(t));
		snprintf(buf, sizeof(buf), _("credentials for realm %s, since %s"),
			st->sip_realm, t);
		out_field(stdout, w, _("SIP:"), buf);
	}
}

int cmd_status(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	struct crm_status st;
	struct crm_error err;
	const char *user;
	int o, rc;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		return cli_bad_option("status", argv, o);
	if (argc - optind > 1)
		return cli_usage("status");
	user = argc - optind == 1 ? argv[optind] : c->self;
	if (user[0] == '\0')
		return cli_error(CLI_FAIL, _("your uid has no user name"));
	if (!crm_name_valid(user))
		return cli_error(CLI_USAGE, _("invalid user name"));
	if (strcmp(user, c->self) != 0 && !c->admin)
		return cli_deny(_("status of another user needs root or "
			"membership of admin_group"));
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if (crm_admin_status(&c->ctx, user, &st, &err) != 0)
		return cli_fail(&err);
	if (c->json) {
		char *j = status_json(&st);

		rc = out_json_print(stdout, j);
		free(j);
		return rc == 0 ? CLI_OK : cli_error(CLI_FAIL,
			_("cannot build JSON output"));
	}
	status_text(&st);
	return CLI_OK;
}
