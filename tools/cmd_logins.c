/*
 * crmpasswd logins [USER]: the login history with place, login type and
 * result. Anyone may see their own; another user's, or everyone's, needs
 * root or admin_group.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/store.h"
#include "crmpolicy/history.h"
#include "crmpolicy/utf8.h"
#include "output.h"

#define NCOLS 10

static char *login_json(const struct crm_login *l)
{
	char *j = json_new_object();
	int bad = j == NULL;

#define OPT(s) ((s)[0] ? (s) : NULL)
	bad = bad || json_set_time(&j, "time", l->time) ||
		json_set_time(&j, "last_time", l->last_time) ||
		json_set_int(&j, "count", l->count) ||
		json_set_str(&j, "user", l->user) ||
		json_set_str(&j, "service", l->service) ||
		json_set_str(&j, "rhost", OPT(l->rhost)) ||
		json_set_str(&j, "tty", OPT(l->tty)) ||
		json_set_str(&j, "type", l->type) ||
		json_set_bool(&j, "success", l->success) ||
		json_set_str(&j, "reason", l->success ? NULL : l->reason) ||
		json_set_str(&j, "country_code", OPT(l->place.country_code)) ||
		json_set_str(&j, "country", OPT(l->place.country)) ||
		json_set_str(&j, "city", OPT(l->place.city)) ||
		json_set_str(&j, "org", OPT(l->place.org)) ||
		json_set_bool(&j, "new_ip", l->new_ip);
#undef OPT
	if (bad) {
		free(j);
		return NULL;
	}
	return j;
}

static int add_login(void *arg, const struct crm_login *l)
{
	struct listing *ls = arg;
	char when[80], place[256], result[192], count[32];

	if (ls->json)
		return listing_take(ls, login_json(l));
	out_time(l->time, "-", when, sizeof(when));
	crm_geo_format(&l->place, place, sizeof(place));
	if (l->success)
		snprintf(result, sizeof(result), "%s", _("success"));
	else
		snprintf(result, sizeof(result), _("failure: %s"), l->reason);
	count[0] = '\0';
	if (l->count > 1)
		snprintf(count, sizeof(count), "%lld", l->count);
	const char *row[NCOLS] = { when, l->user, l->service,
		l->rhost[0] || ls->csv ? l->rhost : _("local"), place,
		l->place.org, l->type, result, count,
		l->new_ip ? _("yes") : _("no") };
	return listing_row(ls, NULL, row) != 0 ? CRM_ENOMEM : 0;
}

int cmd_logins(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "failed", no_argument, NULL, 'f' },
		{ "csv", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *header[NCOLS] = { N_("TIME"), N_("USER"), N_("SERVICE"),
		N_("ADDRESS"), N_("PLACE"), N_("ORGANISATION"), N_("TYPE"),
		N_("RESULT"), N_("COUNT"), N_("NEW") };
	struct crm_login_filter f = { NULL, 0, 0, 0 };
	const char *since = NULL, *until = NULL;
	struct listing ls;
	struct crm_error err;
	int o, rc, csv = 0;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 's': since = optarg; break;
		case 'u': until = optarg; break;
		case 'f': f.failed_only = 1; break;
		case 'c': csv = 1; break;
		default: return cli_bad_option("logins", argv, o);
		}
	}
	if (argc - optind > 1 || (csv && c->json))
		return cli_usage("logins");
	if (argc - optind == 1) {
		f.user = argv[optind];
		if (!crm_name_valid(f.user))
			return cli_error(CLI_USAGE, _("invalid user name"));
	} else if (!c->admin) {
		/* Without a name a user sees their own; an admin everyone's. */
		f.user = c->self;
		if (f.user[0] == '\0')
			return cli_error(CLI_FAIL, _("your uid has no user name"));
	}
	if (f.user != NULL && strcmp(f.user, c->self) != 0 && !c->admin)
		return cli_deny(_("logins of another user need root or "
			"membership of admin_group"));
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	if (since != NULL && out_parse_time(since, c->ctx.now, &f.since) != 0)
		return cli_error(CLI_USAGE, _("invalid time for --since: %s "
			"(YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or -7d, -12h)"), since);
	if (until != NULL && out_parse_time(until, c->ctx.now, &f.until) != 0)
		return cli_error(CLI_USAGE, _("invalid time for --until: %s "
			"(YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or -7d, -12h)"), until);
	if ((rc = listing_begin(&ls, c->json, csv, NCOLS, header)) != 0)
		return rc;
	crm_error_clear(&err);
	rc = crm_history_foreach(&c->ctx, &f, add_login, &ls, &err);
	return listing_end(&ls, rc, &err);
}
