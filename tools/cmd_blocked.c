/*
 * crmpasswd blocked list|clear: the addresses IP throttling has blocked,
 * and lifting a block by hand. Administrators only (main.c checks).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/throttle.h"
#include "crmpolicy/utf8.h"
#include "output.h"

static int add_block(void *arg, const struct crm_block *b)
{
	struct listing *l = arg;
	char since[80], until[80], failures[32];

	if (l->json) {
		char *j = json_new_object();
		int bad = j == NULL || json_set_str(&j, "ip", b->ip) ||
			json_set_time(&j, "blocked_at", b->blocked_at) ||
			json_set_time(&j, "until", b->until) ||
			json_set_int(&j, "failures", b->failures) ||
			listing_row(l, j, NULL);

		free(j);
		l->failed |= bad;
		return bad ? CRM_ENOMEM : 0;
	}
	out_time(b->blocked_at, "-", since, sizeof(since));
	out_time(b->until, "-", until, sizeof(until));
	snprintf(failures, sizeof(failures), "%d", b->failures);
	const char *row[4] = { b->ip, since, until, failures };
	return listing_row(l, NULL, row) != 0 ? CRM_ENOMEM : 0;
}

static int blocked_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "csv", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *header[4] = { N_("ADDRESS"), N_("BLOCKED SINCE"), N_("UNTIL"),
		N_("FAILURES") };
	struct listing l;
	struct crm_error err;
	int o, rc, csv = 0;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (o != 'c')
			return cli_bad_option("blocked", argv, o);
		csv = 1;
	}
	if (optind != argc || (csv && c->json))
		return cli_usage("blocked");
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	if ((rc = listing_begin(&l, c->json, csv, 4, header)) != 0)
		return rc;
	crm_error_clear(&err);
	rc = crm_throttle_foreach(&c->ctx, add_block, &l, &err);
	return listing_end(&l, rc, &err);
}

static int blocked_clear(struct cli *c, int argc, char **argv)
{
	struct crm_error err;
	char shown[64];
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage("blocked");
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	rc = crm_throttle_clear(&c->ctx, argv[1], &err);
	if (rc == CRM_ENOENT) {
		crm_printable(argv[1], shown, sizeof(shown));
		return cli_error(CLI_FAIL, _("not blocked: %s"), shown);
	}
	return rc != 0 ? cli_fail(&err) : CLI_OK;
}

int cmd_blocked(struct cli *c, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("blocked");
	if (strcmp(argv[1], "list") == 0)
		return blocked_list(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "clear") == 0)
		return blocked_clear(c, argc - 1, argv + 1);
	return cli_usage("blocked");
}
