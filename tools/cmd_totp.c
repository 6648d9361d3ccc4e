/*
 * crmpasswd totp enroll|disable|reset: TOTP for one's own account (the
 * current password first, then a QR code, active only after one valid
 * code) or, by an administrator, for someone else's; disabling asks a
 * code; reset is the administrator's way back after a lost phone.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "crmpolicy/auth.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/mfa.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/utf8.h"
#include "prompt.h"
#include "qr.h"

#define URI_MAX 1024
#define ENROLL_TRIES 3

/* The issuer an authenticator app shows: totp_issuer, else the host name. */
static void issuer_of(const struct cli *c, char *buf, size_t len)
{
	const char *conf = c->cfg.str[CRM_K_TOTP_ISSUER];

	if (conf != NULL && conf[0] != '\0') {
		snprintf(buf, len, "%s", conf);
		return;
	}
	if (gethostname(buf, len) != 0 || buf[0] == '\0')
		snprintf(buf, len, "%s", "crmpolicy");
	buf[len - 1] = '\0';
}

/* Fails early, before a QR code is shown in vain. */
static int not_enrolled(struct cli *c, const char *user, int other)
{
	struct crm_status st;
	struct crm_error err;

	crm_error_clear(&err);
	if (crm_admin_status(&c->ctx, user, &st, &err) != 0)
		return cli_fail(&err);
	if (!st.mfa.totp)
		return CLI_OK;
	return cli_error(CLI_FAIL, other ? _("%s already has TOTP: reset it "
		"first (crmpasswd totp reset %s)") : _("%s already has TOTP: "
		"disable it first (crmpasswd totp disable)"), user, user);
}

static void show_secret(struct cli *c, const char *user, const char *uri)
{
	printf(_("Scan this QR code with an authenticator app for %s:\n\n"),
		user);
	if (qr_print(stdout, uri, isatty(STDOUT_FILENO)) != 0)
		printf("%s\n", _("(the QR code cannot be drawn here)"));
	printf("\n%s\n%s\n\n", _("or enter this address (it holds the "
		"secret) in the app:"), uri);
	(void)c;
	fflush(stdout);
}

static void show_recovery(const char *user,
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN])
{
	printf(_("TOTP is active for %s.\n\n"), user);
	printf("%s\n", _("Recovery codes: each one logs in once in place of a "
		"TOTP code. Keep them somewhere safe, away from the phone:"));
	for (int i = 0; i < CRM_RECOVERY_COUNT; i++)
		printf("    %s\n", codes[i]);
}

/* Shows the secret and takes codes until one is right. */
static int activate(struct cli *c, const char *user, int other,
	int from_stdin, const unsigned char *secret, char *uri)
{
	char issuer[256], codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN];
	struct crm_error err;
	int rc = CRM_EPOLICY;

	issuer_of(c, issuer, sizeof(issuer));
	if (crm_totp_uri(issuer, user, secret, CRM_TOTP_SECRET_BYTES,
	    CRM_TOTP_DIGITS, uri, URI_MAX) != 0)
		return cli_error(CLI_FAIL, _("cannot build the otpauth address"));
	show_secret(c, user, uri);
	for (int i = 0; i < ENROLL_TRIES && rc == CRM_EPOLICY; i++) {
		char *code = prompt_secret(_("Code shown by the app: "),
			from_stdin);

		if (code == NULL)
			return cli_error(CLI_FAIL, _("no code read: TOTP not "
				"enrolled"));
		crm_error_clear(&err);
		rc = crm_totp_enroll(&c->ctx, user, secret,
			CRM_TOTP_SECRET_BYTES, code, other, codes, &err);
		prompt_free(code);
		if (rc == CRM_EPOLICY)
			cli_error(CLI_PERM, "%s", err.msg);
	}
	if (rc == CRM_EPOLICY)
		return cli_error(CLI_PERM, _("TOTP not enrolled"));
	if (rc != 0)
		return cli_fail(&err);
	show_recovery(user, codes);
	sodium_memzero(codes, sizeof(codes));
	return CLI_OK;
}

static int totp_enroll(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "password-stdin", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *user = NULL;
	unsigned char *secret;
	char *uri;
	int o, from_stdin = 0, other, rc;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 'u':
			user = optarg;
			break;
		case 's':
			from_stdin = 1;
			break;
		default:
			return cli_bad_option("totp", argv, o);
		}
	}
	if (argc != optind)
		return cli_usage("totp");
	if (user == NULL)
		user = c->self;
	if (user[0] == '\0')
		return cli_error(CLI_FAIL, _("your uid has no user name"));
	if (!crm_name_valid(user))
		return cli_error(CLI_USAGE, _("invalid user name"));
	other = strcmp(user, c->self) != 0;
	if (other && !c->admin)
		return cli_deny(_("enrolling another user needs root or "
			"membership of admin_group"));
	if (!from_stdin && !isatty(STDIN_FILENO))
		return cli_error(CLI_USAGE, _("standard input is not a "
			"terminal: use --password-stdin"));
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	if ((rc = not_enrolled(c, user, other)) != CLI_OK)
		return rc;
	if (!other && (rc = cli_prove_self(c, from_stdin)) != CLI_OK)
		return rc;
	secret = sodium_malloc(CRM_TOTP_SECRET_BYTES);
	uri = sodium_malloc(URI_MAX);
	if (secret == NULL || uri == NULL)
		rc = cli_error(CLI_FAIL, _("out of memory"));
	else if (crm_totp_secret_new(secret) != 0)
		rc = cli_error(CLI_FAIL, _("cannot make a secret"));
	else
		rc = activate(c, user, other, from_stdin, secret, uri);
	if (secret != NULL)
		sodium_free(secret);
	if (uri != NULL)
		sodium_free(uri);
	return rc;
}

static int totp_disable(struct cli *c, int argc, char **argv)
{
	struct crm_request req;
	struct crm_result res;
	struct crm_error err;
	char *code;
	int from_stdin = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") != 0)
			return cli_usage("totp");
		from_stdin = 1;
	}
	if (c->self[0] == '\0')
		return cli_error(CLI_FAIL, _("your uid has no user name"));
	if (!from_stdin && !isatty(STDIN_FILENO))
		return cli_error(CLI_USAGE, _("standard input is not a "
			"terminal: use --password-stdin"));
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	code = prompt_secret(_("Verification code (or a recovery code): "),
		from_stdin);
	if (code == NULL)
		return cli_error(CLI_FAIL, _("no code read"));
	memset(&req, 0, sizeof(req));
	req.user = c->self;
	req.code = code;
	req.reservation = -1;
	crm_error_clear(&err);
	rc = crm_totp_disable(&c->ctx, &req, &res, &err);
	prompt_free(code);
	if (rc == CRM_ENOENT || (rc == 0 && res.verdict == CRM_V_UNKNOWN))
		return cli_error(CLI_FAIL, _("you have no TOTP enrolment"));
	if (rc != 0)
		return cli_fail(&err);
	if (res.verdict != CRM_V_ALLOW)
		return cli_error(CLI_PERM, _("TOTP not disabled: %s"),
			res.verdict == CRM_V_WRONG ? _("wrong code") :
			res.verdict == CRM_V_LOCKED ? _("the account is locked") :
			_("the account may not log in"));
	printf(_("TOTP disabled for %s; its recovery codes no longer work.\n"),
		c->self);
	if (res.pol.num[CRM_K_MFA] == CRM_MFA_TOTP &&
	    !res.pol.num[CRM_K_MFA_NULLOK])
		printf("%s\n", _("Your policy requires TOTP: enrol again "
			"(crmpasswd totp enroll) before your next login."));
	return CLI_OK;
}

static int totp_reset(struct cli *c, int argc, char **argv)
{
	struct crm_error err;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage("totp");
	if (!c->admin)
		return cli_deny(_("totp reset needs root or membership of "
			"admin_group"));
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if (crm_totp_reset(&c->ctx, argv[1], &err) != 0)
		return cli_fail(&err);
	printf(_("TOTP removed for %s: they enrol again with crmpasswd totp "
		"enroll.\n"), argv[1]);
	return CLI_OK;
}

int cmd_totp(struct cli *c, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("totp");
	if (strcmp(argv[1], "enroll") == 0)
		return totp_enroll(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "disable") == 0)
		return totp_disable(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "reset") == 0)
		return totp_reset(c, argc - 1, argv + 1);
	cli_error(CLI_USAGE, _("unknown command totp %s"), argv[1]);
	return cli_usage("totp");
}
