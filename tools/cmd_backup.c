/*
 * crmpasswd backup [--to DIR]: a copy of the live store named by
 * backup_cycle, then audit retention; backup verify FILE: integrity,
 * schema version and audit chain of a copy; restore FILE: verify, keep
 * the current store as a pre-restore copy, replace it atomically. Also
 * the warning of the administration commands about the newest backup.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "crmpolicy/backup.h"
#include "crmpolicy/compliance.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/store.h"
#include "crmpolicy/utf8.h"
#include "output.h"

/*
 * Exit codes: the store, key or configuration unusable is CLI_UNAVAIL;
 * everything else about a backup (a bad file or directory) is CLI_FAIL.
 */
static int backup_fail(const struct crm_error *err)
{
	char msg[CRM_ERROR_MAX];
	int code;

	switch (err->code) {
	case CRM_ESTORE:
	case CRM_EKEY:
	case CRM_ECONF:
		code = CLI_UNAVAIL;
		break;
	default:
		code = CLI_FAIL;
		break;
	}
	crm_printable(err->msg[0] ? err->msg : crm_error_name(err->code), msg,
		sizeof(msg));
	return cli_error(code, "%s", msg);
}

/* Takes the operands of a family without options: exactly n of them. */
static int operands(const char *family, int argc, char **argv, int n)
{
	static const struct option none[] = { { NULL, 0, NULL, 0 } };
	int o;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", none, NULL)) != -1)
		return cli_bad_option(family, argv, o);
	if (argc - optind != n)
		return cli_usage(family);
	return 0;
}

/* ---- backup ---- */

static int backup_take(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct crm_backup_info info;
	struct crm_error err;
	const char *dir = NULL;
	int o, rc;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 't': dir = optarg; break;
		default: return cli_bad_option("backup", argv, o);
		}
	}
	if (argc != optind)
		return cli_usage("backup");
	/* A copy of every hash, as root, wherever asked: root's choice only. */
	if (dir != NULL && !c->root)
		return cli_deny(_("--to needs root"));
	if (dir != NULL && dir[0] != '/')
		return cli_error(CLI_USAGE, _("--to needs an absolute path: %s"),
			dir);
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if (crm_backup_take(&c->ctx, dir, &info, &err) != CRM_OK)
		return backup_fail(&err);
	if (c->json) {
		char *j = json_new_object();
		int bad = j == NULL || json_set_str(&j, "file", info.path) ||
			json_set_int(&j, "bytes", info.bytes) ||
			json_set_int(&j, "audit_rows_pruned", info.pruned) ||
			out_json_print(stdout, j);

		free(j);
		return bad ? cli_error(CLI_FAIL, _("cannot build JSON output"))
			: CLI_OK;
	}
	printf(ngettext_("backup written to %s (%lld byte)\n",
		"backup written to %s (%lld bytes)\n",
		(unsigned long)info.bytes), info.path, info.bytes);
	if (info.pruned > 0)
		printf(ngettext_("%lld audit row older than %lld days pruned\n",
			"%lld audit rows older than %lld days pruned\n",
			(unsigned long)info.pruned), info.pruned,
			c->cfg.num[CRM_K_AUDIT_KEEP_DAYS]);
	return CLI_OK;
}

/* ---- verify ---- */

static const char *check_name(int check)
{
	switch (check) {
	case CRM_BACKUP_INTEGRITY: return _("integrity");
	case CRM_BACKUP_SCHEMA: return _("schema version");
	case CRM_BACKUP_AUDIT: return _("audit chain");
	default: return "";
	}
}

static const char *check_word(int check)
{
	switch (check) {
	case CRM_BACKUP_INTEGRITY: return "integrity";
	case CRM_BACKUP_SCHEMA: return "schema";
	case CRM_BACKUP_AUDIT: return "audit";
	default: return NULL;
	}
}

static char *audit_json(const struct crm_audit_report *a)
{
	char *j = json_new_object();
	int bad = j == NULL || json_set_bool(&j, "ok", a->ok) ||
		json_set_int(&j, "rows", a->rows) ||
		json_set_int(&j, "checkpoints", a->checkpoints) ||
		json_set_int(&j, "pruned", a->pruned) ||
		(a->ok ? json_set_str(&j, "first_bad_row", NULL) :
		json_set_int(&j, "first_bad_row", a->bad_id)) ||
		json_set_str(&j, "problem", a->ok ? NULL : a->problem);

	if (bad) {
		free(j);
		return NULL;
	}
	return j;
}

static int report_json(const char *path, const struct crm_backup_report *rep,
	const char *pre)
{
	char *j = json_new_object(), *a = NULL;
	int bad = j == NULL;

	if (!bad && rep->audit_checked)
		bad = (a = audit_json(&rep->audit)) == NULL;
	bad = bad || json_set_str(&j, "file", path) ||
		json_set_bool(&j, "ok", rep->ok) ||
		json_set_str(&j, "failed", check_word(rep->failed)) ||
		json_set_str(&j, "integrity", rep->integrity[0] ?
			rep->integrity : NULL) ||
		(rep->schema_version >= 0 ? json_set_int(&j, "schema_version",
			rep->schema_version) : json_set_str(&j, "schema_version",
			NULL)) ||
		json_set_int(&j, "program_schema_version", CRM_SCHEMA_VERSION) ||
		(a != NULL ? json_set_raw(&j, "audit", a) :
			json_set_str(&j, "audit", NULL)) ||
		json_set_str(&j, "problem", rep->ok ? NULL : rep->problem) ||
		(pre != NULL && json_set_str(&j, "pre_restore", pre)) ||
		out_json_print(stdout, j);
	free(a);
	free(j);
	if (bad)
		return cli_error(CLI_FAIL, _("cannot build JSON output"));
	return rep->ok ? CLI_OK : CLI_FAIL;
}

/*
 * Prints what crm_backup_verify found, one line per check made, and on
 * a failure the check that failed to stderr. 0 or CLI_FAIL.
 */
static int report_text(const char *path, const struct crm_backup_report *rep)
{
	char buf[512];
	const int w = 16;

	out_field(stdout, w, _("Backup:"), path);
	out_field(stdout, w, _("Integrity:"),
		rep->failed == CRM_BACKUP_INTEGRITY ? _("FAILED") : _("ok"));
	if (rep->schema_version >= 0) {
		snprintf(buf, sizeof(buf), _("%d (this crmpolicy: %d)%s"),
			rep->schema_version, CRM_SCHEMA_VERSION,
			rep->failed == CRM_BACKUP_SCHEMA ? _(", FAILED") : "");
		out_field(stdout, w, _("Schema version:"), buf);
	}
	if (rep->audit_checked) {
		int n = snprintf(buf, sizeof(buf), ngettext_("%lld row checked",
			"%lld rows checked", (unsigned long)rep->audit.rows),
			rep->audit.rows);

		if (n > 0 && (size_t)n < sizeof(buf))
			snprintf(buf + n, sizeof(buf) - (size_t)n, ", %s",
				rep->audit.ok ? _("intact") : _("FAILED"));
		out_field(stdout, w, _("Audit chain:"), buf);
	} else if (rep->failed == CRM_BACKUP_AUDIT) {
		out_field(stdout, w, _("Audit chain:"), _("FAILED"));
	}
	if (rep->ok)
		return CLI_OK;
	crm_printable(rep->problem, buf, sizeof(buf));
	return cli_error(CLI_FAIL, _("%s: the %s check failed: %s"), path,
		check_name(rep->failed), buf);
}

static int backup_verify(struct cli *c, int argc, char **argv)
{
	struct crm_backup_report rep;
	struct crm_error err;
	int rc;

	if ((rc = operands("backup", argc, argv, 1)) != 0)
		return rc;
	crm_error_clear(&err);
	/* The live store is not needed: a copy can be checked when it is lost. */
	if (crm_backup_verify(&c->cfg, argv[optind], &rep, &err) != CRM_OK)
		return backup_fail(&err);
	if (c->json)
		return report_json(argv[optind], &rep, NULL);
	rc = report_text(argv[optind], &rep);
	if (rc == CLI_OK)
		printf("%s\n", _("the backup is good"));
	return rc;
}

int cmd_backup(struct cli *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return backup_verify(c, argc - 1, argv + 1);
	return backup_take(c, argc, argv);
}

/* ---- restore ---- */

int cmd_restore(struct cli *c, int argc, char **argv)
{
	char pre[CRM_BACKUP_PATH_MAX];
	struct crm_backup_report rep;
	struct crm_error err;
	const char *file;
	int rc;

	if ((rc = operands("restore", argc, argv, 1)) != 0)
		return rc;
	file = argv[optind];
	crm_error_clear(&err);
	/*
	 * Verified before the store is opened, so that a bad copy changes
	 * nothing; a store that is missing is then created to restore into.
	 */
	if (crm_backup_verify(&c->cfg, file, &rep, &err) != CRM_OK)
		return backup_fail(&err);
	if (!rep.ok)
		return c->json ? report_json(file, &rep, NULL) :
			report_text(file, &rep);
	if ((rc = cli_open(c, CRM_OPEN_CREATE)) != 0)
		return rc;
	if (crm_backup_restore(&c->ctx, file, NULL, pre, sizeof(pre), &rep,
			&err) != CRM_OK) {
		if (rep.failed)
			return c->json ? report_json(file, &rep, NULL) :
				report_text(file, &rep);
		/* err names the pre-restore copy when the store has changed. */
		return backup_fail(&err);
	}
	if (c->json)
		return report_json(file, &rep, pre);
	if ((rc = report_text(file, &rep)) != CLI_OK)
		return rc;
	printf(_("the store was restored from %s\n"), file);
	printf(_("the store as it was before is kept in %s\n"), pre);
	return CLI_OK;
}

/* ---- the age of the newest backup ---- */

void cli_backup_warn(struct cli *c)
{
	struct crm_findings f;
	struct crm_error err;

	/* The same finding crmpasswd check reports, as a warning line. */
	crm_findings_init(&f);
	crm_error_clear(&err);
	if (crm_compliance_backup(&c->cfg, (int64_t)time(NULL), &f, &err) ==
			CRM_OK)
		for (size_t i = 0; i < f.n; i++)
			cli_error(CLI_OK, _("warning: %s"), f.items[i].message);
	crm_findings_free(&f);
}
