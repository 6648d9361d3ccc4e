/*
 * crmpasswd check: the compliance report. Gathers the core's findings on
 * the configuration, the files, every account and the backups, and prints
 * them critical first, as text or --json. Its exit code is its own: 0
 * clean, 1 warnings only, 2 anything critical.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "crmpolicy/compliance.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/utf8.h"
#include "output.h"

/* check's exit codes (crmpasswd(1)). */
enum {
	CHECK_CLEAN = 0,
	CHECK_WARNINGS = 1,
	CHECK_CRITICAL = 2,
};

/*
 * Every finding there is to make. The account checks need the store,
 * which a configuration that does not parse cannot name with certainty:
 * then, or when the store does not open, saying they were skipped is
 * itself a critical finding.
 */
static int gather(struct cli *c, struct crm_findings *f,
	struct crm_error *err)
{
	int64_t now = (int64_t)time(NULL);
	int r;

	r = crm_compliance_config(&c->probs, c->conf_rc, &c->conf_err, f);
	if (r == CRM_OK)
		r = crm_compliance_files(&c->cfg, c->cfg.conf_path, f, err);
	if (r == CRM_OK && c->conf_rc != 0) {
		r = crm_findings_add(f, CRM_SEV_CRITICAL,
			CRM_FIND_ACCOUNTS_SKIPPED, NULL, NULL, "%s",
			_("account checks skipped: the configuration cannot be "
			"used"));
	} else if (r == CRM_OK) {
		struct crm_error oerr;

		crm_error_clear(&oerr);
		if (cli_open_err(c, 0, &oerr) != 0) {
			char msg[CRM_ERROR_MAX];

			crm_printable(oerr.msg[0] ? oerr.msg :
				crm_error_name(oerr.code), msg, sizeof(msg));
			r = crm_findings_add(f, CRM_SEV_CRITICAL,
				CRM_FIND_ACCOUNTS_SKIPPED, NULL, NULL,
				_("account checks skipped: %s"), msg);
		} else {
			now = c->ctx.now;
			r = crm_compliance_accounts(&c->ctx, f, err);
			if (r != CRM_OK && r != CRM_ENOMEM)
				r = crm_findings_add(f, CRM_SEV_CRITICAL,
					CRM_FIND_ACCOUNTS_SKIPPED, NULL, NULL,
					_("account checks stopped: %s"),
					err->msg);
		}
	}
	if (r == CRM_OK)
		r = crm_compliance_backup(&c->cfg, now, f, err);
	if (r == CRM_ENOMEM)
		crm_error_set(err, r, _("out of memory"));
	return r;
}

static char *finding_json(const struct crm_finding *it)
{
	char *j = json_new_object();

	if (j == NULL || json_set_str(&j, "severity",
	    crm_severity_name(it->severity)) ||
	    json_set_str(&j, "code", it->code) ||
	    json_set_str(&j, "user", it->user) ||
	    json_set_str(&j, "file", it->file) ||
	    json_set_str(&j, "message", it->message)) {
		free(j);
		return NULL;
	}
	return j;
}

static int print_json(const struct crm_findings *f)
{
	char *j = json_new_object(), *arr = NULL;
	int bad = j == NULL || out_list_begin() != 0;

	for (size_t i = 0; !bad && i < f->n; i++) {
		char *one = finding_json(&f->items[i]);

		bad = one == NULL || out_list_add(one) != 0;
		free(one);
	}
	if (!bad)
		bad = (arr = out_list_json()) == NULL;
	bad = bad || json_set_bool(&j, "ok", f->n == 0) ||
		json_set_int(&j, "critical", (long long)f->critical) ||
		json_set_int(&j, "warnings", (long long)f->warnings) ||
		json_set_raw(&j, "findings", arr) || out_json_print(stdout, j);
	free(arr);
	free(j);
	return bad ? -1 : 0;
}

/* Critical findings first, then warnings, each in the order found. */
static void print_text(const struct crm_findings *f)
{
	static const enum crm_severity order[] = { CRM_SEV_CRITICAL,
		CRM_SEV_WARNING };
	char msg[2048], crit[64], warn[64];

	for (size_t s = 0; s < sizeof(order) / sizeof(order[0]); s++)
		for (size_t i = 0; i < f->n; i++) {
			const struct crm_finding *it = &f->items[i];

			if (it->severity != order[s])
				continue;
			crm_printable(it->message, msg, sizeof(msg));
			printf("%-9s %s\n", it->severity == CRM_SEV_CRITICAL ?
				_("CRITICAL") : _("WARNING"), msg);
		}
	if (f->n == 0) {
		printf("%s\n", _("no problems found"));
		return;
	}
	snprintf(crit, sizeof(crit), ngettext_("%zu critical problem",
		"%zu critical problems", (unsigned long)f->critical),
		f->critical);
	snprintf(warn, sizeof(warn), ngettext_("%zu warning", "%zu warnings",
		(unsigned long)f->warnings), f->warnings);
	printf("%s, %s\n", crit, warn);
}

int cmd_check(struct cli *c, int argc, char **argv)
{
	struct crm_findings f;
	struct crm_error err;
	int rc;

	(void)argv;
	if (argc != 1)
		return cli_usage("check");
	crm_findings_init(&f);
	crm_error_clear(&err);
	if (gather(c, &f, &err) != CRM_OK) {
		crm_findings_free(&f);
		/* A report that could not be completed is not a clean one. */
		cli_fail(&err);
		return CHECK_CRITICAL;
	}
	if (c->json && print_json(&f) != 0) {
		crm_findings_free(&f);
		cli_error(CHECK_CRITICAL, _("cannot build JSON output"));
		return CHECK_CRITICAL;
	}
	if (!c->json)
		print_text(&f);
	rc = f.critical ? CHECK_CRITICAL : f.warnings ? CHECK_WARNINGS :
		CHECK_CLEAN;
	crm_findings_free(&f);
	return rc;
}
