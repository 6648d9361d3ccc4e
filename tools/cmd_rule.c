/*
 * crmpasswd rule list|add|del|move|default|test: the source-IP rules, the
 * final default row, and which rule decides a given login. Changes pass
 * the caller's own ssh address to the core's self-lockout guard.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/rules.h"
#include "crmpolicy/utf8.h"
#include "output.h"

#define COLS 6

/* The guard protects the caller's own ssh login, when there is one. */
static const char *guard_rhost(const struct cli *c)
{
	return c->rhost[0] ? c->rhost : NULL;
}

static const char *guard_user(const struct cli *c)
{
	return c->self[0] ? c->self : NULL;
}

/* A priority on the command line: a whole number, no sign, no suffix. */
static int parse_priority(const char *text, long long *out)
{
	char *end = NULL;
	long long v;

	if (text[0] < '0' || text[0] > '9')
		goto bad;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || v > 1000000000LL)
		goto bad;
	*out = v;
	return 0;
bad:
	{
		char shown[64];

		crm_printable(text, shown, sizeof(shown));
		return cli_error(CLI_USAGE, _("invalid priority \"%s\": use a "
			"whole number from 0 to 1000000000"), shown);
	}
}

/* ---- list ---- */

static int add_row(struct listing *l, const char *priority, long long pnum,
	const char *name, const char *scope, const char *services,
	const char *network, const char *action, const char *source)
{
	if (l->json) {
		char *j = json_new_object();
		int bad = j == NULL || (priority == NULL
			? json_set_int(&j, "priority", pnum)
			: json_set_str(&j, "priority", NULL)) ||
			json_set_str(&j, "name", name) ||
			json_set_str(&j, "scope", scope) ||
			json_set_str(&j, "services", services) ||
			json_set_str(&j, "network", network) ||
			json_set_str(&j, "action", action) ||
			json_set_bool(&j, "final", source != NULL) ||
			(source != NULL && json_set_str(&j, "source", source)) ||
			listing_row(l, j, NULL);

		free(j);
		return bad ? -1 : 0;
	}
	char num[32];
	const char *row[COLS] = { priority, name, scope, services, network,
		action };

	if (priority == NULL) {
		snprintf(num, sizeof(num), "%lld", pnum);
		row[0] = num;
	}
	return listing_row(l, NULL, row);
}

static int list_cb(void *arg, const struct crm_rule *r)
{
	struct listing *l = arg;

	if (add_row(l, NULL, r->priority, r->name, r->scope,
	    r->services[0] ? r->services : "all", r->network,
	    crm_rule_action_name(r->action), NULL) != 0)
		return CRM_ENOMEM;
	return 0;
}

static int rule_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "csv", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *header[COLS] = { N_("PRIORITY"), N_("NAME"), N_("SCOPE"),
		N_("SERVICES"), N_("NETWORK"), N_("ACTION") };
	struct listing l;
	enum crm_rule_action def;
	struct crm_error err;
	char source[CRM_SOURCE_MAX];
	int o, csv = 0, rc;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (o != 'c')
			return cli_bad_option("rule", argv, o);
		csv = 1;
	}
	if (optind != argc || (csv && c->json))
		return cli_usage("rule");
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	if ((rc = listing_begin(&l, c->json, csv, COLS, header)) != 0)
		return rc;
	crm_error_clear(&err);
	rc = crm_rules_foreach(&c->ctx, list_cb, &l, &err);
	if (rc == 0)
		rc = crm_rules_default(&c->ctx, &def, source, sizeof(source),
			&err);
	if (rc == CRM_ENOMEM && err.msg[0] == '\0')
		crm_error_set(&err, rc, _("out of memory"));
	if (rc != 0)
		return listing_end(&l, cli_fail(&err), NULL);
	/* The final row: everything no rule matched. */
	if (add_row(&l, _("(final)"), 0, "default", "all", "all", "any",
	    crm_rule_action_name(def), source) != 0)
		return listing_end(&l, cli_error(CLI_FAIL, _("out of memory")),
			NULL);
	rc = listing_end(&l, CLI_OK, NULL);
	if (rc == CLI_OK && !c->json && !csv)
		printf(_("The final row's action comes from: %s\n"), source);
	return rc;
}

/* ---- add, del, move, default ---- */

static int rule_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "network", required_argument, NULL, 'n' },
		{ "action", required_argument, NULL, 'a' },
		{ "scope", required_argument, NULL, 's' },
		{ "service", required_argument, NULL, 'S' },
		{ "priority", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *network = NULL, *action = NULL, *scope = "all";
	struct crm_error err;
	struct crm_rule r;
	size_t used = 0;
	int o, force = 0, rc, a;

	memset(&r, 0, sizeof(r));
	r.priority = -1;
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			network = optarg;
			break;
		case 'a':
			action = optarg;
			break;
		case 's':
			scope = optarg;
			break;
		case 'S': {
			/* --service given again adds to the list. */
			size_t n = strlen(optarg);

			if (used + n + 2 > sizeof(r.services))
				return cli_error(CLI_USAGE,
					_("the service list is too long"));
			if (used > 0)
				r.services[used++] = ',';
			memcpy(r.services + used, optarg, n + 1);
			used += n;
			break;
		}
		case 'p':
			if ((rc = parse_priority(optarg, &r.priority)) != 0)
				return rc;
			break;
		case 'f':
			force = 1;
			break;
		default:
			return cli_bad_option("rule", argv, o);
		}
	}
	if (optind + 1 != argc) {
		cli_error(CLI_USAGE, _("give one rule NAME"));
		return cli_usage("rule");
	}
	if (network == NULL || action == NULL) {
		cli_error(CLI_USAGE, _("rule add needs --network and --action"));
		return cli_usage("rule");
	}
	if (strlen(argv[optind]) >= sizeof(r.name) ||
	    strlen(scope) >= sizeof(r.scope) ||
	    strlen(network) >= sizeof(r.network))
		return cli_error(CLI_USAGE, _("a rule name, scope or network is "
			"too long"));
	a = crm_rule_action_parse(action);
	if (a < 0)
		return cli_error(CLI_USAGE, _("invalid action \"%s\": use allow, "
			"deny or disabled"), action);
	snprintf(r.name, sizeof(r.name), "%s", argv[optind]);
	snprintf(r.scope, sizeof(r.scope), "%s", scope);
	snprintf(r.network, sizeof(r.network), "%s", network);
	r.action = (enum crm_rule_action)a;
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if (crm_rules_add(&c->ctx, &r, guard_user(c), guard_rhost(c), force,
	    &err) != 0)
		return cli_fail(&err);
	return CLI_OK;
}

/*
 * The options of del and default: --force alone. Returns 0 with *force
 * set and optind at the first operand, or the usage error.
 */
static int force_only(int argc, char **argv, int *force)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	*force = 0;
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (o != 'f')
			return cli_bad_option("rule", argv, o);
		*force = 1;
	}
	return 0;
}

static int rule_del(struct cli *c, int argc, char **argv)
{
	struct crm_error err;
	int force, rc;

	if ((rc = force_only(argc, argv, &force)) != 0)
		return rc;
	if (optind + 1 != argc)
		return cli_usage("rule");
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if (crm_rules_del(&c->ctx, argv[optind], guard_user(c), guard_rhost(c),
	    force, &err) != 0)
		return cli_fail(&err);
	return CLI_OK;
}

static int rule_move(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "priority", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct crm_error err;
	long long priority = -1;
	int o, force = 0, rc;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			if ((rc = parse_priority(optarg, &priority)) != 0)
				return rc;
			break;
		case 'f':
			force = 1;
			break;
		default:
			return cli_bad_option("rule", argv, o);
		}
	}
	if (optind + 1 != argc || priority < 0) {
		cli_error(CLI_USAGE, _("rule move needs a NAME and --priority"));
		return cli_usage("rule");
	}
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if (crm_rules_move(&c->ctx, argv[optind], priority, guard_user(c),
	    guard_rhost(c), force, &err) != 0)
		return cli_fail(&err);
	return CLI_OK;
}

static int rule_default(struct cli *c, int argc, char **argv)
{
	struct crm_error err;
	int force, rc, a;

	if ((rc = force_only(argc, argv, &force)) != 0)
		return rc;
	if (optind + 1 != argc)
		return cli_usage("rule");
	a = crm_rule_action_parse(argv[optind]);
	if (a != CRM_RULE_ALLOW && a != CRM_RULE_DENY) {
		cli_error(CLI_USAGE, _("the default is allow or deny"));
		return cli_usage("rule");
	}
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if (crm_rules_set_default(&c->ctx, (enum crm_rule_action)a,
	    guard_user(c), guard_rhost(c), force, &err) != 0)
		return cli_fail(&err);
	return CLI_OK;
}

/* ---- test ---- */

static int rule_test(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "service", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *service = "sshd", *user, *ip;
	struct crm_rule_decision d;
	struct crm_error err;
	int o, rc;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (o != 'S')
			return cli_bad_option("rule", argv, o);
		service = optarg;
	}
	if (optind + 2 != argc)
		return cli_usage("rule");
	user = argv[optind];
	ip = argv[optind + 1];
	if (!crm_name_valid(user))
		return cli_error(CLI_USAGE, _("invalid %s name"), _("user"));
	/* "local" stands for a console login, which has no address. */
	if (strcmp(ip, "local") == 0)
		ip = NULL;
	else if (ip[0] == '\0' || !crm_rhost_valid(ip))
		return cli_error(CLI_USAGE, _("invalid address"));
	if (service[0] == '\0' || strchr(service, ',') != NULL ||
	    !crm_rhost_valid(service))
		return cli_error(CLI_USAGE, _("invalid service name"));
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if (crm_rules_decide(&c->ctx, user, service, ip, &d, &err) != 0)
		return cli_fail(&err);
	if (c->json) {
		char *j = json_new_object();
		int bad = j == NULL || json_set_str(&j, "user", user) ||
			json_set_str(&j, "ip", ip ? ip : "local") ||
			json_set_str(&j, "service", service) ||
			json_set_str(&j, "action",
				crm_rule_action_name(d.action)) ||
			json_set_str(&j, "rule", d.rule) ||
			(d.priority >= 0
				? json_set_int(&j, "priority", d.priority)
				: json_set_str(&j, "priority", NULL)) ||
			json_set_bool(&j, "final", d.priority < 0) ||
			out_json_print(stdout, j);

		free(j);
		return bad ? cli_error(CLI_FAIL, _("cannot build JSON output"))
			: CLI_OK;
	}
	/* A query: either outcome is a successful answer. */
	if (d.priority < 0)
		printf(_("%s by the default row\n"),
			crm_rule_action_name(d.action));
	else
		printf(_("%s by rule '%s' (priority %lld)\n"),
			crm_rule_action_name(d.action), d.rule, d.priority);
	return CLI_OK;
}

int cmd_rule(struct cli *c, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("rule");
	if (strcmp(argv[1], "list") == 0)
		return rule_list(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "add") == 0)
		return rule_add(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "del") == 0)
		return rule_del(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "move") == 0)
		return rule_move(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "default") == 0)
		return rule_default(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "test") == 0)
		return rule_test(c, argc - 1, argv + 1);
	return cli_usage("rule");
}
