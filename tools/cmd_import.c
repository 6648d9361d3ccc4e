/*
 * crmpasswd export users [--csv|--json] and crmpasswd import FILE.csv
 * [--on-duplicate skip|update] [--passwords-to PATH]: accounts in bulk,
 * through lib/accounts_csv.c. The files named here are opened with the
 * caller's rights, never root's.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "crmpolicy/accounts_csv.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/utf8.h"
#include "output.h"

/* ---- the caller's rights ---- */

/*
 * A member of admin_group runs crmpasswd as root: without this, import
 * would read any file root can (and show pieces of it in its messages)
 * and leave the passwords in a file only root can read. So the effective
 * ids are the caller's while a named file is opened, created or removed.
 */
struct ids {
	int switched;
	gid_t egid;
};

static int become_caller(const struct cli *c, struct ids *ids)
{
	ids->switched = 0;
	ids->egid = getegid();
	if (c->uid == 0 || geteuid() != 0)
		return 0;
	if (setegid(getgid()) != 0)
		return -1;
	if (seteuid(getuid()) != 0) {
		if (setegid(ids->egid) != 0)
			_exit(CLI_UNAVAIL);
		return -1;
	}
	ids->switched = 1;
	cli_no_dump();
	return 0;
}

/* Back to root; a setuid program that cannot is in no state to go on. */
static void become_root(const struct ids *ids)
{
	if (ids->switched && (seteuid(0) != 0 || setegid(ids->egid) != 0))
		_exit(CLI_UNAVAIL);
	cli_no_dump();
}

/* ---- export users ---- */

#define NCOLS CRM_EXPORT_COLS

struct gather {
	struct listing ls;
};

static char *row_json(const struct crm_user_row *r)
{
	char *j = json_new_object(), *groups = json_from_list(r->groups);
	int bad = j == NULL || groups == NULL;

	bad = bad || json_set_str(&j, "username", r->name) ||
		json_set_str(&j, "email", r->email[0] ? r->email : NULL) ||
		json_set_bool(&j, "email_verified", r->email_verified) ||
		json_set_raw(&j, "groups", groups) ||
		json_set_str(&j, "mfa", r->mfa[0] ? r->mfa : NULL) ||
		json_set_str(&j, "state", r->state) ||
		json_set_time(&j, "created", r->created) ||
		json_set_time(&j, "last_login", r->last_login) ||
		json_set_str(&j, "lang", r->lang[0] ? r->lang : NULL);
	free(groups);
	if (bad) {
		free(j);
		return NULL;
	}
	return j;
}

/* The state word, translated for the text table. */
static const char *state_text(const char *word)
{
	if (strcmp(word, "disabled") == 0)
		return _("disabled");
	if (strcmp(word, "locked") == 0)
		return _("locked");
	return _("active");
}

static int add_user(void *arg, const struct crm_user_row *r)
{
	struct gather *g = arg;
	char created[80], last[80];

	if (g->ls.json)
		return listing_take(&g->ls, row_json(r));
	if (g->ls.csv) {
		/* Exactly what import reads back. */
		out_time(r->created, "", created, sizeof(created));
		out_time(r->last_login, "", last, sizeof(last));
		const char *row[NCOLS] = { r->name, r->email,
			r->email_verified ? "yes" : "no", r->groups, r->mfa,
			r->state, created, last, r->lang };
		return listing_row(&g->ls, NULL, row) != 0 ? CRM_ENOMEM : 0;
	}
	out_time(r->created, "-", created, sizeof(created));
	out_time(r->last_login, _("never"), last, sizeof(last));
	const char *row[NCOLS] = { r->name, r->email[0] ? r->email : "-",
		r->email_verified ? _("yes") : _("no"),
		r->groups[0] ? r->groups : "-", r->mfa[0] ? r->mfa : "-",
		state_text(r->state), created, last,
		r->lang[0] ? r->lang : "-" };
	return listing_row(&g->ls, NULL, row) != 0 ? CRM_ENOMEM : 0;
}

int cmd_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "csv", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *text_header[NCOLS] = { N_("NAME"), N_("EMAIL"),
		N_("VERIFIED"), N_("GROUPS"), N_("MFA"), N_("STATE"), N_("CREATED"),
		N_("LAST LOGIN"), N_("LANGUAGE") };
	const char *csv_header[NCOLS];
	struct crm_error err;
	struct gather g;
	long long rows = 0;
	int o, rc, csv = 0;

	if (argc < 2 || strcmp(argv[1], "users") != 0) {
		if (argc >= 2)
			cli_error(CLI_USAGE, _("unknown command export %s"),
				argv[1]);
		return cli_usage("export");
	}
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (o != 'c')
			return cli_bad_option("export", argv, o);
		csv = 1;
	}
	if (optind != argc || (csv && c->json))
		return cli_usage("export");
	for (size_t i = 0; i < NCOLS; i++)
		csv_header[i] = crm_user_column((enum crm_user_col)i);
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	memset(&g, 0, sizeof(g));
	if ((rc = listing_begin(&g.ls, c->json, csv, NCOLS,
	    csv ? csv_header : text_header)) != 0)
		return rc;
	crm_error_clear(&err);
	/* The rows are shown only once the export is in the audit trail. */
	rc = crm_export_users(&c->ctx, c->json ? "json" : csv ? "csv" : "text",
		add_user, &g, &rows, &err);
	return listing_end(&g.ls, rc, &err);
}

/* ---- import ---- */

/*
 * Creates the passwords file as the caller: a new file (an existing one,
 * or a symlink, is refused), mode 0600, its directory entry on disk.
 * Returns the descriptor, or -1 after reporting.
 */
static int create_passwords(const struct cli *c, const char *path)
{
	struct ids ids;
	char *copy;
	int fd, dfd, saved;

	if (become_caller(c, &ids) != 0) {
		cli_error(CLI_UNAVAIL, _("cannot take the caller's rights: %s"),
			strerror(errno));
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
		O_NOCTTY, 0600);
	saved = errno;
	/*
	 * The entry must be on disk before accounts exist whose only
	 * passwords it holds; nothing has been written yet, so a failure
	 * here stops the import cheaply.
	 */
	if (fd >= 0) {
		copy = strdup(path);
		dfd = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY |
			O_CLOEXEC) : -1;
		if (dfd < 0 || fsync(dfd) != 0) {
			saved = copy ? errno : ENOMEM;
			close(fd);
			unlink(path);
			fd = -1;
		}
		if (dfd >= 0)
			close(dfd);
		free(copy);
	}
	become_root(&ids);
	if (fd < 0 && saved == EEXIST)
		cli_error(CLI_FAIL, _("%s already exists: a passwords file is "
			"never overwritten (remove it, or choose another with "
			"--passwords-to)"), path);
	else if (fd < 0)
		cli_error(CLI_FAIL, _("cannot create %s: %s"), path,
			strerror(saved));
	return fd;
}

static void remove_passwords(const struct cli *c, const char *path)
{
	struct ids ids;

	if (become_caller(c, &ids) != 0)
		return;
	if (unlink(path) != 0 && errno != ENOENT)
		cli_error(CLI_FAIL, _("cannot remove %s: %s"), path,
			strerror(errno));
	become_root(&ids);
}

static int read_csv(const struct cli *c, const char *path,
	struct crm_csv *csv, struct crm_error *err)
{
	struct ids ids;
	int rc;

	if (become_caller(c, &ids) != 0)
		return crm_error_set(err, CRM_EPERM,
			_("cannot take the caller's rights: %s"),
			strerror(errno));
	rc = crm_csv_read(path, csv, err);
	become_root(&ids);
	return rc;
}

static int report(const struct cli *c, const struct crm_import_counts *n,
	const char *file, const char *pwpath)
{
	char fshown[256], pshown[256];

	if (c->json) {
		char *j = json_new_object();
		int bad = j == NULL || json_set_str(&j, "file", file) ||
			json_set_int(&j, "added", (long long)n->added) ||
			json_set_int(&j, "updated", (long long)n->updated) ||
			json_set_int(&j, "skipped", (long long)n->skipped) ||
			json_set_int(&j, "temporary", (long long)n->temporary) ||
			json_set_str(&j, "passwords_file", pwpath) ||
			out_json_print(stdout, j);

		free(j);
		return bad ? cli_error(CLI_FAIL, _("cannot build JSON output"))
			: CLI_OK;
	}
	crm_printable(file, fshown, sizeof(fshown));
	printf(_("%s: %zu added, %zu updated, %zu skipped\n"), fshown,
		n->added, n->updated, n->skipped);
	if (pwpath != NULL)
		crm_printable(pwpath, pshown, sizeof(pshown));
	if (pwpath != NULL)
		printf(ngettext_("The temporary password of %zu new account is "
			"in %s (mode 0600); it must be changed at first "
			"login.\n", "The temporary passwords of %zu new accounts "
			"are in %s (mode 0600); they must be changed at first "
			"login.\n", n->temporary), n->temporary, pshown);
	return CLI_OK;
}

/* Every problem of the file, then the summary; CLI_USAGE. */
static int refuse(const char *file, const struct crm_problems *probs,
	const struct crm_import_counts *n, enum crm_on_duplicate dup,
	const struct crm_error *err)
{
	char shown[CRM_ERROR_MAX];

	for (size_t i = 0; i < probs->n; i++) {
		crm_printable(probs->items[i], shown, sizeof(shown));
		cli_error(CLI_USAGE, "%s: %s", file, shown);
	}
	if (n->existing > 0 && dup == CRM_DUP_REFUSE)
		cli_error(CLI_USAGE, "%s", _("accounts already in the store "
			"need --on-duplicate skip or --on-duplicate update"));
	crm_printable(err->msg, shown, sizeof(shown));
	return cli_error(CLI_USAGE, "%s: %s", file, shown);
}

int cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "on-duplicate", required_argument, NULL, 'd' },
		{ "passwords-to", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	enum crm_on_duplicate dup = CRM_DUP_REFUSE;
	struct crm_import_counts n;
	struct crm_import *imp = NULL;
	struct crm_problems probs;
	struct crm_csv csv;
	struct crm_error err;
	const char *file, *pwarg = NULL;
	char *pwpath = NULL;
	int o, rc, fd = -1;

	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			if (strcmp(optarg, "skip") == 0)
				dup = CRM_DUP_SKIP;
			else if (strcmp(optarg, "update") == 0)
				dup = CRM_DUP_UPDATE;
			else
				return cli_error(CLI_USAGE, _("--on-duplicate "
					"must be skip or update"));
			break;
		case 'p':
			pwarg = optarg;
			break;
		default:
			return cli_bad_option("import", argv, o);
		}
	}
	if (argc - optind != 1 || argv[optind][0] == '\0')
		return cli_usage("import");
	file = argv[optind];
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if (read_csv(c, file, &csv, &err) != 0)
		return cli_fail(&err);
	crm_problems_init(&probs);
	rc = crm_import_prepare(&c->ctx, &csv, dup, &imp, &n, &probs, &err);
	crm_csv_free(&csv);
	if (rc == CRM_EINVAL && probs.n > 0)
		rc = refuse(file, &probs, &n, dup, &err);
	else if (rc != 0)
		rc = cli_fail(&err);
	crm_problems_free(&probs);
	if (rc != 0)
		return rc;

	/* By default the passwords go next to the file: FILE.passwords. */
	if (crm_import_temporary(imp) > 0) {
		if (pwarg != NULL)
			pwpath = strdup(pwarg);
		else if (asprintf(&pwpath, "%s.passwords", file) < 0)
			pwpath = NULL;
		if (pwpath == NULL)
			rc = cli_error(CLI_FAIL, "%s", _("out of memory"));
		else if ((fd = create_passwords(c, pwpath)) < 0)
			rc = CLI_FAIL;
	}
	if (rc == 0 && crm_import_apply(&c->ctx, imp, file, fd, &n, &err)
	    != 0) {
		rc = cli_fail(&err);
		if (fd >= 0)
			remove_passwords(c, pwpath);
	}
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = cli_error(CLI_FAIL, _("cannot write %s: %s"), pwpath,
			strerror(errno));
	crm_import_free(imp);
	if (rc == 0)
		rc = report(c, &n, file, fd >= 0 ? pwpath : NULL);
	free(pwpath);
	return rc;
}
