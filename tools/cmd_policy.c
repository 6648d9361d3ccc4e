/*
 * crmpasswd policy show|set: the effective policy of a user, a group or
 * the global level (with --explain, where each value comes from), and the
 * overrides an administrator sets, validated before anything is written.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/utf8.h"
#include "output.h"

static int policy_print(struct cli *c, const struct crm_policy *pol,
	int explain)
{
	const char *header[3] = { _("KEY"), _("VALUE"), _("SOURCE") };
	struct table t;
	int rc = CLI_OK;

	if (table_init(&t, explain ? 3 : 2, header) != 0 ||
	    out_list_begin() != 0)
		return cli_error(CLI_FAIL, _("out of memory"));
	for (int k = 0; k < CRM_K_COUNT && rc == CLI_OK; k++) {
		const char *name = crm_key_info((enum crm_key)k)->name;
		char value[256];

		if (!crm_key_is_policy((enum crm_key)k))
			continue;
		crm_key_format((enum crm_key)k, pol->num[k],
			crm_key_text_slot((enum crm_key)k) >= 0 ?
			pol->text[crm_key_text_slot((enum crm_key)k)] : NULL,
			value, sizeof(value));
		if (c->json) {
			char *j = json_new_object();
			int bad = j == NULL || json_set_str(&j, "key", name) ||
				json_set_str(&j, "value", value) ||
				(explain && json_set_str(&j, "source",
				pol->source[k])) || out_list_add(j);

			if (bad)
				rc = cli_error(CLI_FAIL,
					_("cannot build JSON output"));
			free(j);
		} else {
			const char *row[3] = { name, value, pol->source[k] };

			if (table_add(&t, row) != 0)
				rc = cli_error(CLI_FAIL, _("out of memory"));
		}
	}
	if (rc == CLI_OK) {
		if (c->json)
			rc = out_list_print(stdout) == 0 ? CLI_OK
				: cli_error(CLI_FAIL, _("cannot build JSON output"));
		else
			table_print(&t, stdout);
	}
	table_free(&t);
	return rc;
}

static int policy_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'g' },
		{ "explain", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	const char *user = NULL, *group = NULL;
	struct crm_policy pol;
	struct crm_error err;
	int o, explain = 0, rc;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 'u':
			user = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'x':
			explain = 1;
			break;
		default:
			return cli_bad_option("policy", argv, o);
		}
	}
	if (optind != argc || (user != NULL && group != NULL))
		return cli_usage("policy");
	if ((user && !crm_name_valid(user)) || (group && !crm_name_valid(group)))
		return cli_error(CLI_USAGE, _("invalid %s name"),
			user ? _("user") : _("group"));
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if (user != NULL)
		rc = crm_policy_resolve(&c->ctx, user, &pol, &err);
	else if (group != NULL)
		rc = crm_policy_resolve_group(&c->ctx, group, &pol, &err);
	else
		rc = crm_policy_resolve_global(&c->ctx, &pol, &err);
	if (rc != 0)
		return cli_fail(&err);
	return policy_print(c, &pol, explain);
}

static int policy_set(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'g' },
		{ "global", no_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 },
	};
	const char *scope = NULL, *target = NULL;
	struct crm_error err;
	int o, nscope = 0, rc;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 'u':
			scope = "user";
			target = optarg;
			nscope++;
			break;
		case 'g':
			scope = "group";
			target = optarg;
			nscope++;
			break;
		case 'G':
			scope = "global";
			target = NULL;
			nscope++;
			break;
		default:
			return cli_bad_option("policy", argv, o);
		}
	}
	if (nscope != 1) {
		cli_error(CLI_USAGE, _("give exactly one of --user, --group "
			"and --global"));
		return cli_usage("policy");
	}
	if (optind == argc) {
		cli_error(CLI_USAGE, _("no KEY=VALUE given"));
		return cli_usage("policy");
	}
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if (crm_admin_policy_set(&c->ctx, scope, target,
	    (const char *const *)(argv + optind), (size_t)(argc - optind),
	    &err) != 0)
		return cli_fail(&err);
	return CLI_OK;
}

int cmd_policy(struct cli *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return policy_show(c, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "set") == 0)
		return policy_set(c, argc - 1, argv + 1);
	return cli_usage("policy");
}
