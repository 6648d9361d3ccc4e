/*
 * crmpasswd audit [--user U] [--event E] [--since T] [--until T]
 * [--json|--csv]: the audit trail, whose reading is itself audited;
 * audit verify: checks the chain from end to end; audit prune: removes
 * rows older than audit_keep_days through the one path that keeps the
 * chain verifiable.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crmpolicy/audit.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/utf8.h"
#include "output.h"

#define NCOLS 7

struct gather {
	struct listing ls;
	long long n;
};

static char *row_json(const struct crm_audit_row *r)
{
	char *j = json_new_object();
	int bad = j == NULL;

	bad = bad || json_set_int(&j, "id", r->id) ||
		json_set_time(&j, "time", r->time) ||
		json_set_str(&j, "event", r->event) ||
		json_set_str(&j, "actor", r->actor) ||
		json_set_str(&j, "user", r->subject[0] ? r->subject : NULL) ||
		json_set_str(&j, "service", r->service[0] ? r->service : NULL) ||
		json_set_str(&j, "rhost", r->rhost[0] ? r->rhost : NULL) ||
		json_set_str(&j, "details", r->details) ||
		json_set_str(&j, "host", r->host[0] ? r->host : NULL);
	if (bad) {
		free(j);
		return NULL;
	}
	return j;
}

static int add_row(void *arg, const struct crm_audit_row *r)
{
	struct gather *g = arg;
	char when[80];

	g->n++;
	if (g->ls.json)
		return listing_take(&g->ls, row_json(r));
	out_time(r->time, "-", when, sizeof(when));
	const char *row[NCOLS] = { when, r->event, r->actor, r->subject,
		r->service, r->rhost, r->details };
	return listing_row(&g->ls, NULL, row) != 0 ? CRM_ENOMEM : 0;
}

static int audit_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'U' },
		{ "event", required_argument, NULL, 'e' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "csv", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *header[NCOLS] = { N_("TIME"), N_("EVENT"), N_("ACTOR"),
		N_("USER"), N_("SERVICE"), N_("ADDRESS"), N_("DETAILS") };
	struct crm_audit_filter f = { NULL, NULL, 0, 0 };
	const char *since = NULL, *until = NULL;
	struct crm_error err;
	struct gather g;
	int o, rc, csv = 0;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 'U': f.user = optarg; break;
		case 'e': f.event = optarg; break;
		case 's': since = optarg; break;
		case 'u': until = optarg; break;
		case 'c': csv = 1; break;
		default: return cli_bad_option("audit", argv, o);
		}
	}
	if (argc != optind || (csv && c->json))
		return cli_usage("audit");
	if (f.user != NULL && !crm_name_valid(f.user))
		return cli_error(CLI_USAGE, _("invalid user name"));
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	if (since != NULL && out_parse_time(since, c->ctx.now, &f.since) != 0)
		return cli_error(CLI_USAGE, _("invalid time for --since: %s "
			"(YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or -7d, -12h)"), since);
	if (until != NULL && out_parse_time(until, c->ctx.now, &f.until) != 0)
		return cli_error(CLI_USAGE, _("invalid time for --until: %s "
			"(YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or -7d, -12h)"), until);
	memset(&g, 0, sizeof(g));
	if ((rc = listing_begin(&g.ls, c->json, csv, NCOLS, header)) != 0)
		return rc;
	crm_error_clear(&err);
	rc = crm_audit_foreach(&c->ctx, &f, add_row, &g, &err);
	if ((rc = listing_end(&g.ls, rc, &err)) != CLI_OK)
		return rc;
	/* Who read the trail, and what of it, is itself in the trail. */
	if (crm_audit_add(&c->ctx, "export", f.user, "what=audit rows=%lld "
			"format=%s event=%s since=%lld until=%lld", g.n,
			c->json ? "json" : csv ? "csv" : "text",
			f.event ? f.event : "", (long long)f.since,
			(long long)f.until) != 0)
		return cli_error(CLI_UNAVAIL, _("the export could not be "
			"audited"));
	return CLI_OK;
}

static int audit_verify(struct cli *c, int argc, char **argv)
{
	struct crm_audit_report rep;
	struct crm_error err;
	int rc;

	(void)argv;
	if (argc != 1)
		return cli_usage("audit");
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if (crm_audit_verify(c->ctx.db, c->ctx.audit_key, &rep, &err) != 0)
		return cli_fail(&err);
	return cli_print_audit_report(c, &rep);
}

int cli_print_audit_report(struct cli *c, const struct crm_audit_report *rep)
{
	if (c->json) {
		char *j = json_new_object();
		int bad = j == NULL || json_set_bool(&j, "ok", rep->ok) ||
			json_set_int(&j, "rows", rep->rows) ||
			json_set_int(&j, "checkpoints", rep->checkpoints) ||
			json_set_int(&j, "pruned", rep->pruned) ||
			(rep->ok ? json_set_str(&j, "first_bad_row", NULL) :
			json_set_int(&j, "first_bad_row", rep->bad_id)) ||
			json_set_str(&j, "problem", rep->ok ? NULL : rep->problem) ||
			out_json_print(stdout, j);

		free(j);
		if (bad)
			return cli_error(CLI_FAIL, _("cannot build JSON output"));
		return rep->ok ? CLI_OK : CLI_FAIL;
	}
	printf(ngettext_("%lld row checked", "%lld rows checked",
		(unsigned long)rep->rows), rep->rows);
	if (rep->checkpoints > 0)
		printf(ngettext_(" (%lld row pruned earlier)",
			" (%lld rows pruned earlier)", (unsigned long)rep->pruned),
			rep->pruned);
	printf("\n");
	if (rep->ok) {
		printf("%s\n", _("the audit chain is intact"));
		return CLI_OK;
	}
	return cli_error(CLI_FAIL, _("the audit chain breaks at row %lld: %s"),
		(long long)rep->bad_id, rep->problem);
}

static int audit_prune(struct cli *c, int argc, char **argv)
{
	long long days = c->cfg.num[CRM_K_AUDIT_KEEP_DAYS], removed = 0;
	struct crm_error err;
	int rc;

	(void)argv;
	if (argc != 1)
		return cli_usage("audit");
	if (days <= 0) {
		printf("%s\n", _("audit_keep_days is 0: every row is kept"));
		return CLI_OK;
	}
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if (crm_audit_prune(&c->ctx, days, &removed, &err) != 0)
		return cli_fail(&err);
	printf(ngettext_("%lld row older than %lld days removed\n",
		"%lld rows older than %lld days removed\n",
		(unsigned long)removed), removed, days);
	return CLI_OK;
}

int cmd_audit(struct cli *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return audit_verify(c, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "prune") == 0)
		return audit_prune(c, argc - 1, argv + 1);
	return audit_list(c, argc, argv);
}
