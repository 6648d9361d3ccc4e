/*
 * crmpasswd migrate --to TARGET: copies the store in use into a new one,
 * a PostgreSQL database for a fleet (or a SQLite file), checks the copy
 * and tells the admin how to switch to it. The copy itself is
 * lib/copy.c's; this file takes the target from the command line,
 * refuses one that carries a password, and reports.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "cli.h"
#include "crmpolicy/audit.h"
#include "crmpolicy/copy.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/store.h"
#include "crmpolicy/utf8.h"
#include "output.h"

/*
 * A PostgreSQL target names a database, never a secret: a password on
 * the command line shows in the process list and the shell's history.
 * 0 when the target may be used, else the exit code, reported.
 */
static int check_target(const char *to)
{
	PQconninfoOption *ci;
	char *msg = NULL, shown[CRM_ERROR_MAX];
	int has_password = 0;

	if (!crm_store_is_pg(to)) {
		if (to[0] != '/')
			return cli_error(CLI_USAGE, _("--to needs a PostgreSQL"
				" connection string or an absolute path: %s"),
				to);
		return 0;
	}
	ci = PQconninfoParse(to, &msg);
	if (ci == NULL) {
		crm_printable(msg != NULL ? msg : _("out of memory"), shown,
			sizeof(shown));
		PQfreemem(msg);
		return cli_error(CLI_USAGE, _("--to is not a valid PostgreSQL"
			" connection string: %s"), shown);
	}
	for (PQconninfoOption *o = ci; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL)
			has_password = 1;
	PQconninfoFree(ci);
	if (has_password)
		return cli_error(CLI_USAGE, _("--to carries a password, which"
			" would show in the process list and the shell's"
			" history: keep it in a password file (passfile=,"
			" ~/.pgpass) or a service file (service=) and name the"
			" database only"));
	return 0;
}

static int print_json(const char *from, const char *to,
	const struct crm_copy_report *rep)
{
	char *j = json_new_object(), *t = json_new_object();
	int bad = j == NULL || t == NULL;

	for (size_t i = 0; i < CRM_COPY_TABLES && !bad; i++)
		bad = json_set_int(&t, rep->tables[i].name,
			rep->tables[i].rows) != 0;
	bad = bad || json_set_str(&j, "from", from) ||
		json_set_str(&j, "to", to) || json_set_raw(&j, "tables", t) ||
		json_set_int(&j, "rows", rep->rows) ||
		json_set_bool(&j, "verified", 1) || out_json_print(stdout, j);
	free(t);
	free(j);
	return bad ? cli_error(CLI_FAIL, _("cannot build JSON output")) :
		CLI_OK;
}

static void print_text(const struct cli *c, const char *from, const char *to,
	const struct crm_copy_report *rep)
{
	char shown[1024], source[1024];

	crm_printable(to, shown, sizeof(shown));
	crm_printable(from, source, sizeof(source));
	printf(_("The store %s was copied to %s:\n"), source, shown);
	for (size_t i = 0; i < CRM_COPY_TABLES; i++)
		printf("  %-20s %10lld\n", rep->tables[i].name,
			(long long)rep->tables[i].rows);
	printf(ngettext_("%lld row in all, read back and compared table"
		" for table: the copy is equal to the store.\n", "%lld rows in"
		" all, read back and compared table for table: the copy is"
		" equal to the store.\n", (unsigned long)rep->rows),
		(long long)rep->rows);
	printf(_("To use it, set in %s:\n"), c->conf != NULL ? c->conf :
		CRM_DEFAULT_CONF);
	printf("    db = %s\n", shown);
	printf(_("Every host that uses it needs the same key file (%s): TOTP"
		" secrets, SIP credentials and the audit chain are sealed under"
		" it.\n"), c->cfg.str[CRM_K_KEY_FILE]);
}

int cmd_migrate(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *to = NULL, *from = c->cfg.str[CRM_K_DB];
	struct crm_copy_report rep, check;
	struct crm_db *dst = NULL;
	struct crm_error err;
	int o, rc;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 't': to = optarg; break;
		default: return cli_bad_option("migrate", argv, o);
		}
	}
	if (to == NULL || argc != optind)
		return cli_usage("migrate");
	if ((rc = check_target(to)) != 0)
		return rc;
	if (strcmp(to, from) == 0)
		return cli_error(CLI_USAGE, _("--to names the store in use"));
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	/* A PostgreSQL database must exist; its tables are made here. */
	if (crm_store_open(to, 1, &dst, &err) != CRM_OK)
		return cli_fail(&err);
	if (crm_store_copy(c->ctx.db, dst, &rep, &err) != CRM_OK) {
		crm_store_close(dst);
		return cli_fail(&err);
	}
	/*
	 * The copy was checked against its snapshot before it committed; a
	 * second look, now, finds whatever the store took in since (a login
	 * on this host), which the copy does not hold.
	 */
	rc = crm_store_compare(c->ctx.db, dst, &check, &err);
	if (rc == CRM_OK && !check.equal) {
		crm_store_close(dst);
		return cli_error(CLI_FAIL, _("the store changed while it was"
			" copied (%s), so the copy misses that change: stop the"
			" services that use the store, empty the target and run"
			" migrate again"), check.problem);
	}
	/* Both trails tell of the move: the new store's chain goes on. */
	if (rc == CRM_OK) {
		struct crm_ctx there = c->ctx;

		there.db = dst;
		if ((rc = crm_audit_add(&there, "store.migrate", NULL,
				"from=%s rows=%lld", from, (long long)rep.rows)) ==
				CRM_OK)
			rc = crm_audit_add(&c->ctx, "store.migrate", NULL,
				"to=%s rows=%lld", to, (long long)rep.rows);
		if (rc != CRM_OK)
			crm_error_set(&err, rc, _("the store was copied but the"
				" move could not be audited"));
	}
	crm_store_close(dst);
	if (rc != CRM_OK)
		return cli_fail(&err);
	if (c->json)
		return print_json(from, to, &rep);
	print_text(c, from, to, &rep);
	return CLI_OK;
}
