/*
 * crmpasswd check: every problem of the configuration (each with its
 * file:line, as crm_config_load reports them) and unsafe owners or modes
 * of the key file and the store, so an admin validates before it counts.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "output.h"

/*
 * Adds a problem when path is a symlink, not owned by root, or open to
 * group/others beyond what is tolerable: a file must be mode 0600 (secrets
 * and the store), a directory must not be writable by group or others.
 */
static int check_path(struct crm_problems *p, const char *what,
	const char *path, int dir, int missing_ok)
{
	struct stat st;

	if (path == NULL || path[0] == '\0')
		return 0;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT && missing_ok)
			return 0;
		if (errno == ENOENT)
			return crm_problems_add(p, _("%s %s is missing (run "
				"crmpasswd init)"), what, path);
		return crm_problems_add(p, "%s %s: %s", what, path,
			strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return crm_problems_add(p, _("%s %s is a symlink"), what, path);
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return crm_problems_add(p, _("%s %s is not a %s"), what, path,
			dir ? _("directory") : _("regular file"));
	if (st.st_uid != 0)
		return crm_problems_add(p, _("%s %s is not owned by root"),
			what, path);
	if (dir && (st.st_mode & 022) != 0)
		return crm_problems_add(p, _("%s %s is writable by group or "
			"others (mode %04o)"), what, path,
			(unsigned)(st.st_mode & 07777));
	if (!dir && (st.st_mode & 077) != 0)
		return crm_problems_add(p, _("%s %s is open to group or others "
			"(mode %04o, want 0600)"), what, path,
			(unsigned)(st.st_mode & 07777));
	return 0;
}

static void check_files(struct cli *c, struct crm_problems *p)
{
	const char *db = c->cfg.str[CRM_K_DB];

	(void)check_path(p, _("key file"), c->cfg.str[CRM_K_KEY_FILE], 0, 0);
	(void)check_path(p, _("store"), db, 0, 0);
	if (db != NULL && db[0] == '/') {
		char *copy = strdup(db);

		if (copy != NULL)
			(void)check_path(p, _("store directory"), dirname(copy),
				1, 0);
		free(copy);
	}
}

int cmd_check(struct cli *c, int argc, char **argv)
{
	struct crm_problems *p = &c->probs;
	int rc = CLI_OK;

	(void)argv;
	if (argc != 1)
		return cli_usage("check");
	/* A file that could not be read at all has no line problems. */
	if (c->conf_rc != 0 && p->n == 0)
		(void)crm_problems_add(p, "%s", c->conf_err.msg[0] ?
			c->conf_err.msg : crm_error_name(c->conf_rc));
	check_files(c, p);
	if (c->json) {
		char *j = json_new_object(), *arr = json_new_array();
		int bad = j == NULL || arr == NULL;

		for (size_t i = 0; !bad && i < p->n; i++)
			bad |= json_push_str(&arr, p->items[i]);
		bad = bad || json_set_raw(&j, "problems", arr) ||
			json_set_bool(&j, "ok", p->n == 0) ||
			out_json_print(stdout, j);
		free(arr);
		free(j);
		if (bad)
			rc = cli_error(CLI_FAIL, _("cannot build JSON output"));
	} else {
		for (size_t i = 0; i < p->n; i++)
			printf("%s\n", p->items[i]);
		if (p->n == 0)
			printf("%s\n", _("no problems found"));
		else
			printf(ngettext_("%zu problem found\n",
				"%zu problems found\n", p->n), p->n);
	}
	return rc != CLI_OK ? rc : p->n != 0 ? CLI_FAIL : CLI_OK;
}
