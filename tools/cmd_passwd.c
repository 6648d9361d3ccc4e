/*
 * Password changes: the caller's own (plain `crmpasswd`), which goes
 * through PAM so that the password policy lives only in the module, and an
 * administrator's reset (`crmpasswd passwd USER`) through lib/admin.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_misc.h>
#include <sodium.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "prompt.h"

/*
 * The --password-stdin conversation: each prompt is answered with the next
 * line of standard input; messages go to stderr (errors) or stdout.
 */
static int stdin_conv(int n, const struct pam_message **msg,
	struct pam_response **resp, void *arg)
{
	struct pam_response *r;

	(void)arg;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		char *line;

		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			line = prompt_stdin_line();
			if (line == NULL)
				goto fail;
			/* PAM frees the answer with free(): hand it a copy
			 * and wipe ours. */
			r[i].resp = strdup(line);
			prompt_free(line);
			if (r[i].resp == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
			fprintf(stderr, "%s\n", msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			fprintf(stdout, "%s\n", msg[i]->msg);
			fflush(stdout);
			break;
		default:
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (int i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			sodium_memzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
	return PAM_CONV_ERR;
}

/* One table from the result of pam_chauthtok to our exit codes. */
static int pam_exit(int pr)
{
	switch (pr) {
	case PAM_SUCCESS:
		return CLI_OK;
	case PAM_AUTHTOK_ERR:		/* a module refused the new password */
	case PAM_MAXTRIES:
	case PAM_TRY_AGAIN:
		return CLI_POLICY;
	case PAM_AUTH_ERR:		/* wrong current password */
	case PAM_AUTHTOK_RECOVERY_ERR:
	case PAM_PERM_DENIED:
	case PAM_ACCT_EXPIRED:
		return CLI_PERM;
	case PAM_AUTHINFO_UNAVAIL:
	case PAM_SYSTEM_ERR:
	case PAM_SERVICE_ERR:
		return CLI_UNAVAIL;
	default:
		return CLI_FAIL;
	}
}

/* Starts the "crmpasswd" PAM service for the caller, from where they are. */
static int start_pam(struct cli *c, struct pam_conv *conv, pam_handle_t **pamh)
{
	int pr = pam_start("crmpasswd", c->self, conv, pamh);

	if (pr != PAM_SUCCESS)
		return cli_error(CLI_UNAVAIL, _("cannot start PAM: %s"),
			pam_strerror(*pamh, pr));
	if (c->rhost[0])
		(void)pam_set_item(*pamh, PAM_RHOST, c->rhost);
	if (c->tty[0])
		(void)pam_set_item(*pamh, PAM_TTY, c->tty);
	(void)pam_set_item(*pamh, PAM_RUSER, c->self);
	return CLI_OK;
}

int cli_prove_self(struct cli *c, int from_stdin)
{
	struct pam_conv conv = { misc_conv, NULL };
	struct crm_request req;
	struct crm_result res;
	struct crm_error err;
	pam_handle_t *pamh = NULL;
	char *pw;
	int owned = 0, rc, pr;

	if (c->root)
		return CLI_OK;
	if (c->self[0] == '\0')
		return cli_error(CLI_FAIL, _("your uid has no user name"));
	if (!from_stdin && !isatty(STDIN_FILENO))
		return cli_error(CLI_USAGE, _("standard input is not a "
			"terminal: use --password-stdin"));
	crm_error_clear(&err);
	if (crm_pw_store_owned(&c->ctx, c->self, &owned, &err) != 0)
		return cli_fail(&err);
	if (!owned) {
		/* The password lives elsewhere (pam_unix): PAM checks it. */
		if (from_stdin)
			conv.conv = stdin_conv;
		if ((rc = start_pam(c, &conv, &pamh)) != CLI_OK)
			return rc;
		pr = pam_authenticate(pamh, 0);
		pam_end(pamh, pr);
		if (pr != PAM_SUCCESS)
			return cli_error(pam_exit(pr), _("authentication "
				"failed: %s"), pam_strerror(NULL, pr));
		return CLI_OK;
	}
	pw = prompt_secret(_("Password: "), from_stdin);
	if (pw == NULL)
		return cli_error(CLI_FAIL, _("no password read"));
	memset(&req, 0, sizeof(req));
	req.user = c->self;
	req.password = pw;
	req.reservation = -1;
	rc = crm_pw_verify_current(&c->ctx, &req, &res, &err);
	prompt_free(pw);
	if (rc != 0)
		return cli_fail(&err);
	if (res.verdict != CRM_V_ALLOW)
		return cli_error(CLI_PERM, _("authentication failed: %s"),
			res.verdict == CRM_V_WRONG ? _("wrong password") :
			res.verdict == CRM_V_LOCKED ? _("the account is locked") :
			_("the account may not log in"));
	return CLI_OK;
}

int cmd_own(struct cli *c, int argc, char **argv)
{
	struct pam_conv conv = { misc_conv, NULL };
	pam_handle_t *pamh = NULL;
	int pr, from_stdin = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0) {
			from_stdin = 1;
		} else {
			cli_error(CLI_USAGE, _("unknown option %s"), argv[i]);
			return cli_usage("");
		}
	}
	if (c->self[0] == '\0')
		return cli_error(CLI_FAIL, _("your uid has no user name"));
	if (from_stdin)
		conv.conv = stdin_conv;
	else if (!isatty(STDIN_FILENO))
		return cli_error(CLI_USAGE, _("standard input is not a "
			"terminal: use --password-stdin"));
	if ((pr = start_pam(c, &conv, &pamh)) != CLI_OK)
		return pr;
	pr = pam_chauthtok(pamh, 0);
	if (pr != PAM_SUCCESS)
		cli_error(pam_exit(pr), _("password unchanged: %s"),
			pam_strerror(pamh, pr));
	else if (!from_stdin)
		printf("%s\n", _("Password changed."));
	pam_end(pamh, pr);
	return pam_exit(pr);
}

int cmd_passwd(struct cli *c, int argc, char **argv)
{
	struct crm_error err;
	char *password = NULL;
	const char *user = NULL;
	unsigned rules = 0;
	int from_stdin = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = 1;
		else if (argv[i][0] == '-' || user != NULL)
			return cli_usage("passwd");
		else
			user = argv[i];
	}
	if (user == NULL)
		return cli_usage("passwd");
	if ((rc = prompt_new_password(user, from_stdin, &password)) != 0)
		return rc;
	rc = cli_open(c, 0);
	if (rc == 0) {
		crm_error_clear(&err);
		rc = crm_admin_user_passwd(&c->ctx, user, password, &rules,
			&err);
		if (rc == CRM_EPOLICY && rules != 0) {
			cli_print_rules(c, user, rules);
			rc = CLI_POLICY;
		} else if (rc != 0) {
			rc = cli_fail(&err);
		}
	}
	prompt_free(password);
	return rc;
}
