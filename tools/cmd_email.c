/*
 * crmpasswd email verify|confirm: proves that an account's e-mail address
 * reaches its owner. verify sends a code and asks for it; confirm takes a
 * code sent earlier (by an administrator's verify --user, say). Login
 * codes and alerts go only to verified addresses.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/mfa.h"
#include "crmpolicy/utf8.h"
#include "prompt.h"

struct email_args {
	const char *user;
	int other;
	int from_stdin;
};

static int parse(struct cli *c, int argc, char **argv, struct email_args *a)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "password-stdin", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 'u':
			a->user = optarg;
			break;
		case 's':
			a->from_stdin = 1;
			break;
		default:
			return cli_bad_option("email", argv, o);
		}
	}
	if (argc != optind)
		return cli_usage("email");
	if (a->user == NULL)
		a->user = c->self;
	if (a->user[0] == '\0')
		return cli_error(CLI_FAIL, _("your uid has no user name"));
	if (!crm_name_valid(a->user))
		return cli_error(CLI_USAGE, _("invalid user name"));
	a->other = strcmp(a->user, c->self) != 0;
	if (a->other && !c->admin)
		return cli_deny(_("the address of another user needs root or "
			"membership of admin_group"));
	return cli_open(c, 0);
}

/* Asks for the code and checks it; up to its tries. */
static int confirm(struct cli *c, const struct email_args *a,
	const char *prompt)
{
	enum crm_code_result out = CRM_CODE_WRONG;
	struct crm_error err;
	int left = CRM_CODE_TRIES;

	while (left > 0) {
		char *code = prompt_secret(prompt, a->from_stdin);

		if (code == NULL || code[0] == '\0') {
			prompt_free(code);
			printf(_("No code typed. The code stays valid for 24 "
				"hours: confirm it later with crmpasswd email "
				"confirm%s%s.\n"), a->other ? " --user " : "",
				a->other ? a->user : "");
			return CLI_FAIL;
		}
		crm_error_clear(&err);
		if (crm_email_verify_confirm(&c->ctx, a->user, code, &out,
		    &left, &err) != 0) {
			prompt_free(code);
			return cli_fail(&err);
		}
		prompt_free(code);
		if (out != CRM_CODE_WRONG)
			break;
		cli_error(CLI_PERM, ngettext_("wrong code: %d try left",
			"wrong code: %d tries left", (unsigned long)left), left);
	}
	switch (out) {
	case CRM_CODE_OK:
		printf(_("The e-mail address of %s is verified.\n"), a->user);
		return CLI_OK;
	case CRM_CODE_EXPIRED:
		return cli_error(CLI_FAIL, _("no code is waiting (or it has "
			"expired): run crmpasswd email verify"));
	default:
		return cli_error(CLI_PERM, _("the code's tries are used up: run "
			"crmpasswd email verify for a new one"));
	}
}

static int email_verify(struct cli *c, int argc, char **argv)
{
	char masked[CRM_MASKED_MAX], prompt[CRM_MASKED_MAX + 64];
	struct email_args a;
	struct crm_error err;
	int rc;

	if ((rc = parse(c, argc, argv, &a)) != CLI_OK)
		return rc;
	crm_error_clear(&err);
	if (crm_email_verify_send(&c->ctx, a.user, masked, &err) != 0)
		return cli_fail(&err);
	snprintf(prompt, sizeof(prompt), _("A code was sent to %s. Code: "),
		masked);
	/* Nobody here to type it: it waits for email confirm. */
	if (!a.from_stdin && !isatty(STDIN_FILENO)) {
		printf(_("A code was sent to %s. It stays valid for 24 hours: "
			"confirm it with crmpasswd email confirm%s%s.\n"), masked,
			a.other ? " --user " : "", a.other ? a.user : "");
		return CLI_OK;
	}
	return confirm(c, &a, prompt);
}

static int email_confirm(struct cli *c, int argc, char **argv)
{
	struct email_args a;
	int rc;

	if ((rc = parse(c, argc, argv, &a)) != CLI_OK)
		return rc;
	if (!a.from_stdin && !isatty(STDIN_FILENO))
		return cli_error(CLI_USAGE, _("standard input is not a "
			"terminal: use --password-stdin"));
	return confirm(c, &a, _("Code from the e-mail: "));
}

int cmd_email(struct cli *c, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("email");
	if (strcmp(argv[1], "verify") == 0)
		return email_verify(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "confirm") == 0)
		return email_confirm(c, argc - 1, argv + 1);
	cli_error(CLI_USAGE, _("unknown command email %s"), argv[1]);
	return cli_usage("email");
}
