/*
 * crmpasswd user add|del|disable|enable|unlock|expire|set|list: account
 * administration. Each change is one lib/admin.c call, which validates,
 * writes and audits in one transaction.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/lang.h"
#include "output.h"
#include "prompt.h"

static int user_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "email", required_argument, NULL, 'e' },
		{ "group", required_argument, NULL, 'g' },
		{ "password-stdin", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char **groups;
	const char *email = NULL;
	char *password = NULL;
	struct crm_error err;
	unsigned rules = 0;
	size_t ngroups = 0;
	int o, from_stdin = 0, rc;

	groups = calloc((size_t)argc + 1, sizeof(*groups));
	if (groups == NULL)
		return cli_error(CLI_FAIL, _("out of memory"));
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 'e':
			email = optarg;
			break;
		case 'g':
			groups[ngroups++] = optarg;
			break;
		case 's':
			from_stdin = 1;
			break;
		default:
			free(groups);
			return cli_bad_option("user", argv, o);
		}
	}
	if (argc - optind != 1) {
		free(groups);
		return cli_usage("user");
	}
	/* No terminal and no --password-stdin: a stacked-mode account. */
	if (from_stdin || isatty(STDIN_FILENO)) {
		rc = prompt_new_password(argv[optind], from_stdin, &password);
		if (rc != 0) {
			free(groups);
			return rc;
		}
	}
	rc = cli_open(c, 0);
	if (rc == 0) {
		crm_error_clear(&err);
		rc = crm_admin_user_add(&c->ctx, argv[optind], email, groups,
			ngroups, password, &rules, &err);
		if (rc == CRM_EPOLICY && rules != 0) {
			cli_print_rules(c, argv[optind], rules);
			rc = CLI_POLICY;
		} else if (rc != 0) {
			rc = cli_fail(&err);
		}
	}
	prompt_free(password);
	free(groups);
	return rc;
}

static int user_set(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "email", required_argument, NULL, 'e' },
		{ "verified", no_argument, NULL, 'v' },
		{ "mfa", required_argument, NULL, 'm' },
		{ "lang", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *email = NULL, *mfa = NULL, *lang = NULL;
	struct crm_error err;
	char assign[64];
	int o, verified = 0, rc;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 'e':
			email = optarg;
			break;
		case 'v':
			verified = 1;
			break;
		case 'm':
			mfa = optarg;
			break;
		case 'l':
			lang = optarg;
			break;
		default:
			return cli_bad_option("user", argv, o);
		}
	}
	if (argc - optind != 1 ||
	    (email == NULL && !verified && mfa == NULL && lang == NULL))
		return cli_usage("user");
	crm_error_clear(&err);
	if (lang != NULL && crm_lang_check(lang, &err) != 0)
		return cli_error(CLI_USAGE, "--lang: %s", err.msg);
	if (mfa != NULL && strcmp(mfa, "none") != 0 && strcmp(mfa, "totp") != 0
	    && strcmp(mfa, "email") != 0 && strcmp(mfa, "any") != 0)
		return cli_error(CLI_USAGE,
			_("--mfa must be none, totp, email or any"));
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if ((email != NULL || verified) && crm_admin_user_set_email(&c->ctx,
	    argv[optind], email, verified, &err) != 0)
		return cli_fail(&err);
	if (lang != NULL && crm_admin_user_set_lang(&c->ctx, argv[optind],
	    lang, &err) != 0)
		return cli_fail(&err);
	if (mfa != NULL) {
		const char *one[1] = { assign };

		snprintf(assign, sizeof(assign), "mfa=%s", mfa);
		if (crm_admin_policy_set(&c->ctx, "user", argv[optind], one, 1,
		    &err) != 0)
			return cli_fail(&err);
	}
	return CLI_OK;
}

struct names {
	char **v;
	size_t n, cap;
};

static int collect_account(void *arg, const struct crm_account *a)
{
	struct names *ns = arg;

	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 32;
		char **p = realloc(ns->v, cap * sizeof(*p));

		if (p == NULL)
			return CRM_ENOMEM;
		ns->v = p;
		ns->cap = cap;
	}
	if ((ns->v[ns->n] = strdup(a->name)) == NULL)
		return CRM_ENOMEM;
	ns->n++;
	return 0;
}

static char *list_json(const struct crm_status *st)
{
	char *j = json_new_object(), *groups = json_from_list(st->groups);
	int bad = j == NULL || groups == NULL;

	if (!bad) {
		bad |= json_set_str(&j, "name", st->acct.name);
		bad |= json_set_str(&j, "state", cli_state_word(st));
		bad |= json_set_str(&j, "email", st->acct.email[0] ?
			st->acct.email : NULL);
		bad |= json_set_bool(&j, "email_verified",
			st->acct.email_verified);
		bad |= json_set_raw(&j, "groups", groups);
		bad |= json_set_time(&j, "last_login", st->acct.last_login);
		bad |= json_set_str(&j, "last_service",
			st->acct.last_login ? st->acct.last_service : NULL);
		bad |= json_set_str(&j, "last_rhost", st->acct.last_rhost[0] ?
			st->acct.last_rhost : NULL);
	}
	free(groups);
	if (bad) {
		free(j);
		return NULL;
	}
	return j;
}

static int user_list(struct cli *c, int argc, char **argv)
{
	const char *header[5] = { N_("NAME"), N_("STATE"), N_("EMAIL"),
		N_("GROUPS"), N_("LAST LOGIN") };
	struct names ns = { NULL, 0, 0 };
	struct crm_status st;
	struct crm_error err;
	struct listing l;
	int rc;

	(void)argv;
	if (argc != 1)
		return cli_usage("user");
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	rc = crm_account_foreach(c->ctx.db, collect_account, &ns, &err);
	if (rc != 0) {
		if (err.msg[0] == '\0')
			crm_error_set(&err, rc, _("out of memory"));
		rc = cli_fail(&err);
		goto out;
	}
	if ((rc = listing_begin(&l, c->json, 0, 5, header)) != 0)
		goto out;
	for (size_t i = 0; i < ns.n && rc == 0; i++) {
		char state[128], last[80];

		if (crm_admin_status(&c->ctx, ns.v[i], &st, &err) != 0) {
			rc = cli_fail(&err);
			break;
		}
		if (c->json) {
			char *j = list_json(&st);

			if (listing_row(&l, j, NULL) != 0)
				rc = cli_error(CLI_FAIL,
					_("cannot build JSON output"));
			free(j);
			continue;
		}
		cli_state_text(&st, state, sizeof(state));
		out_time(st.acct.last_login, _("never"), last, sizeof(last));
		const char *row[5] = { st.acct.name, state,
			st.acct.email[0] ? st.acct.email : "-",
			st.groups[0] ? st.groups : "-", last };
		if (listing_row(&l, NULL, row) != 0)
			rc = cli_error(CLI_FAIL, _("out of memory"));
	}
	rc = listing_end(&l, rc, NULL);
out:
	for (size_t i = 0; i < ns.n; i++)
		free(ns.v[i]);
	free(ns.v);
	return rc;
}

/* del, disable, enable, unlock, expire: USER is the only argument. */
static int user_simple(struct cli *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(const struct crm_ctx *, const char *,
			struct crm_error *);
	} ops[] = {
		{ "del", crm_admin_user_del },
		{ "disable", crm_admin_user_disable },
		{ "enable", crm_admin_user_enable },
		{ "unlock", crm_admin_user_unlock },
		{ "expire", crm_admin_user_expire },
	};
	struct crm_error err;
	int rc;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(argv[0], ops[i].name) != 0)
			continue;
		if (argc != 2 || argv[1][0] == '-')
			return cli_usage("user");
		if ((rc = cli_open(c, 0)) != 0)
			return rc;
		crm_error_clear(&err);
		if (ops[i].fn(&c->ctx, argv[1], &err) != 0)
			return cli_fail(&err);
		return CLI_OK;
	}
	cli_error(CLI_USAGE, _("unknown command user %s"), argv[0]);
	return cli_usage("user");
}

int cmd_user(struct cli *c, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("user");
	if (strcmp(argv[1], "add") == 0)
		return user_add(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "set") == 0)
		return user_set(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return user_list(c, argc - 1, argv + 1);
	return user_simple(c, argc - 1, argv + 1);
}
