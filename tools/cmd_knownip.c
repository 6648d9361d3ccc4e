/*
 * crmpasswd knownip list|delete: the addresses each user has logged in
 * from within known_ip_days, and forgetting one (audited), so that the
 * next login from it counts as new. Administrators only (main.c checks).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/knownip.h"
#include "crmpolicy/utf8.h"
#include "output.h"

static int add_known(void *arg, const struct crm_knownip *k)
{
	struct listing *l = arg;
	char first[80], last[80], count[32];

	if (l->json) {
		char *j = json_new_object();
		int bad = j == NULL || json_set_str(&j, "user", k->user) ||
			json_set_str(&j, "ip", k->ip) ||
			json_set_time(&j, "first_seen", k->first_seen) ||
			json_set_time(&j, "last_seen", k->last_seen) ||
			json_set_int(&j, "count", k->count) ||
			listing_row(l, j, NULL);

		free(j);
		l->failed |= bad;
		return bad ? CRM_ENOMEM : 0;
	}
	out_time(k->first_seen, "-", first, sizeof(first));
	out_time(k->last_seen, "-", last, sizeof(last));
	snprintf(count, sizeof(count), "%lld", k->count);
	const char *row[5] = { k->user, k->ip, first, last, count };
	return listing_row(l, NULL, row) != 0 ? CRM_ENOMEM : 0;
}

static int knownip_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "csv", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *header[5] = { N_("USER"), N_("ADDRESS"), N_("FIRST SEEN"),
		N_("LAST SEEN"), N_("COUNT") };
	const char *user = NULL;
	struct listing l;
	struct crm_error err;
	int o, rc, csv = 0;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 'u': user = optarg; break;
		case 'c': csv = 1; break;
		default: return cli_bad_option("knownip", argv, o);
		}
	}
	if (optind != argc || (csv && c->json))
		return cli_usage("knownip");
	if (user != NULL && !crm_name_valid(user))
		return cli_error(CLI_USAGE, _("invalid user name"));
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	if ((rc = listing_begin(&l, c->json, csv, 5, header)) != 0)
		return rc;
	crm_error_clear(&err);
	rc = crm_knownip_foreach(&c->ctx, user, add_known, &l, &err);
	return listing_end(&l, rc, &err);
}

static int knownip_delete(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	const char *user = NULL;
	struct crm_error err;
	int o, rc;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (o != 'u')
			return cli_bad_option("knownip", argv, o);
		user = optarg;
	}
	if (user == NULL || argc - optind != 1)
		return cli_usage("knownip");
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	rc = crm_knownip_delete(&c->ctx, user, argv[optind], &err);
	return rc != 0 ? cli_fail(&err) : CLI_OK;
}

int cmd_knownip(struct cli *c, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("knownip");
	if (strcmp(argv[1], "list") == 0)
		return knownip_list(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "delete") == 0)
		return knownip_delete(c, argc - 1, argv + 1);
	return cli_usage("knownip");
}
