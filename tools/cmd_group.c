/*
 * crmpasswd group add|del|list and group member add|del: the groups kept
 * in the store (system groups come from NSS and are not managed here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "output.h"

struct strs {
	char **v;
	size_t n, cap;
};

static int collect(void *arg, const char *name)
{
	struct strs *s = arg;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **p = realloc(s->v, cap * sizeof(*p));

		if (p == NULL)
			return CRM_ENOMEM;
		s->v = p;
		s->cap = cap;
	}
	if ((s->v[s->n] = strdup(name)) == NULL)
		return CRM_ENOMEM;
	s->n++;
	return 0;
}

static void strs_free(struct strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* "a,b,c" of s into buf, cut at the last whole name that fits. */
static void join(const struct strs *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n; i++) {
		int w = snprintf(buf + used, len - used, "%s%s",
			used ? "," : "", s->v[i]);

		if (w < 0 || (size_t)w >= len - used) {
			buf[used] = '\0';
			break;
		}
		used += (size_t)w;
	}
}

static int store_failed(int rc, struct crm_error *err)
{
	if (err->msg[0] == '\0')
		crm_error_set(err, rc, _("out of memory"));
	return cli_fail(err);
}

static int group_list(struct cli *c)
{
	const char *header[2] = { N_("GROUP"), N_("MEMBERS") };
	struct strs groups = { NULL, 0, 0 };
	struct crm_error err;
	struct listing l;
	char members[4096];
	int rc;

	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	if ((rc = crm_group_foreach(c->ctx.db, collect, &groups, &err)) != 0)
		return store_failed(rc, &err);
	if ((rc = listing_begin(&l, c->json, 0, 2, header)) != 0) {
		strs_free(&groups);
		return rc;
	}
	for (size_t i = 0; i < groups.n && rc == 0; i++) {
		struct strs m = { NULL, 0, 0 };

		rc = crm_member_foreach(c->ctx.db, groups.v[i], collect, &m,
			&err);
		if (rc != 0) {
			rc = store_failed(rc, &err);
		} else if (c->json) {
			char *j = json_new_object(), *arr = json_new_array();
			int bad = j == NULL || arr == NULL;

			for (size_t k = 0; !bad && k < m.n; k++)
				bad |= json_push_str(&arr, m.v[k]);
			bad = bad || json_set_str(&j, "name", groups.v[i]) ||
				json_set_raw(&j, "members", arr) ||
				listing_row(&l, j, NULL);
			if (bad)
				rc = cli_error(CLI_FAIL,
					_("cannot build JSON output"));
			free(j);
			free(arr);
		} else {
			join(&m, members, sizeof(members));
			const char *row[2] = { groups.v[i],
				members[0] ? members : "-" };
			if (listing_row(&l, NULL, row) != 0)
				rc = cli_error(CLI_FAIL, _("out of memory"));
		}
		strs_free(&m);
	}
	rc = listing_end(&l, rc, NULL);
	strs_free(&groups);
	return rc;
}

static int group_member(struct cli *c, int argc, char **argv)
{
	struct crm_error err;
	int rc, add;

	/* argv: member add|del GROUP USER */
	if (argc != 4 || argv[2][0] == '-' || argv[3][0] == '-')
		return cli_usage("group");
	if (strcmp(argv[1], "add") == 0)
		add = 1;
	else if (strcmp(argv[1], "del") == 0)
		add = 0;
	else
		return cli_usage("group");
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	rc = add ? crm_admin_member_add(&c->ctx, argv[2], argv[3], &err)
		 : crm_admin_member_del(&c->ctx, argv[2], argv[3], &err);
	return rc != 0 ? cli_fail(&err) : CLI_OK;
}

int cmd_group(struct cli *c, int argc, char **argv)
{
	struct crm_error err;
	int rc;

	if (argc < 2)
		return cli_usage("group");
	if (strcmp(argv[1], "list") == 0)
		return argc == 2 ? group_list(c) : cli_usage("group");
	if (strcmp(argv[1], "member") == 0)
		return group_member(c, argc - 1, argv + 1);
	if ((strcmp(argv[1], "add") != 0 && strcmp(argv[1], "del") != 0) ||
	    argc != 3 || argv[2][0] == '-')
		return cli_usage("group");
	if ((rc = cli_open(c, 0)) != 0)
		return rc;
	crm_error_clear(&err);
	rc = strcmp(argv[1], "add") == 0
		? crm_admin_group_add(&c->ctx, argv[2], &err)
		: crm_admin_group_del(&c->ctx, argv[2], &err);
	return rc != 0 ? cli_fail(&err) : CLI_OK;
}
