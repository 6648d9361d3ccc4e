/*
 * Shared helpers of the unit tests: a temporary directory holding a conf
 * with the cheapest hash cost and an open store, with the clock at T0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ftw.h>

#include "testlib.h"
#include "crmpolicy/auth.h"
#include "crmpolicy/store.h"

static void tlog(void *arg, int priority, const char *msg)
{
	struct tenv *t = arg;

	(void)priority;
	snprintf(t->lastlog, sizeof(t->lastlog), "%s", msg);
	t->nlog++;
}

char *tenv_write(struct tenv *t, const char *name, const char *text)
{
	char *path = NULL;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", t->dir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0644), 0);
	return path;
}

struct tenv *tenv_new(const char *conf_text)
{
	struct tenv *t = calloc(1, sizeof(*t));
	struct crm_problems probs;
	struct crm_error err;
	char *text = NULL;
	FILE *f;

	assert_non_null(t);
	snprintf(t->dir, sizeof(t->dir), "/tmp/crmtest.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->conf, sizeof(t->conf), "%s/crmpolicy.conf", t->dir);
	assert_true(asprintf(&text,
		"db = %s/crmpolicy.db\n"
		"key_file = %s/crmpolicy.key\n"
		"badwords_file = %s/badwords\n"
		"hash_opslimit = 1\n"
		"hash_memlimit = 8192\n"
		"%s\n", t->dir, t->dir, t->dir, conf_text ? conf_text : "") > 0);
	f = fopen(t->conf, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	free(text);
	crm_config_init(&t->cfg);
	crm_problems_init(&probs);
	if (crm_config_load(&t->cfg, t->conf, 1, &probs, &err) != CRM_OK) {
		for (size_t i = 0; i < probs.n; i++)
			fprintf(stderr, "conf: %s\n", probs.items[i]);
		fail_msg("conf: %s", err.msg);
	}
	crm_problems_free(&probs);
	if (crm_ctx_open(&t->ctx, &t->cfg, CRM_OPEN_CREATE, &err) != CRM_OK)
		fail_msg("store: %s", err.msg);
	t->ctx.now = T0;
	/* Attempts in flight are waited for only briefly in unit tests. */
	t->ctx.admit_wait_ms = 50;
	t->ctx.actor = "tester";
	t->ctx.service = "test";
	t->ctx.log = tlog;
	t->ctx.log_arg = t;
	return t;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
	struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tenv_free(struct tenv *t)
{
	if (t == NULL)
		return;
	crm_ctx_close(&t->ctx);
	crm_config_free(&t->cfg);
	nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
}

int tenv_setup(void **state)
{
	*state = tenv_new(NULL);
	return 0;
}

int tenv_teardown(void **state)
{
	tenv_free(*state);
	return 0;
}

void tenv_resolve(struct tenv *t, const char *user, struct crm_policy *pol)
{
	struct crm_error e;

	if (crm_policy_resolve(&t->ctx, user, pol, &e) != CRM_OK)
		fail_msg("crm_policy_resolve: %s", e.msg);
}

void tenv_blank(struct crm_account *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->created = T0;
}

void tenv_add_user(struct tenv *t, const char *name, const char *pw)
{
	struct crm_account a;
	struct crm_request req = { 0 };
	struct crm_result res;
	struct crm_error e;

	tenv_blank(&a, name);
	if (crm_account_insert(t->ctx.db, &a, &e) != CRM_OK)
		fail_msg("insert %s: %s", name, e.msg);
	if (pw == NULL)
		return;
	req.user = name;
	req.new_password = pw;
	if (crm_pw_commit(&t->ctx, &req, 1, &res, &e) != CRM_OK)
		fail_msg("commit %s: %s", name, e.msg);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
}

void tenv_get(struct tenv *t, const char *name, struct crm_account *a)
{
	struct crm_error e;

	if (crm_account_get(t->ctx.db, name, a, &e) != CRM_OK)
		fail_msg("get %s: %s", name, e.msg);
}

long long tenv_count_events(struct tenv *t, const char *event,
	const char *subject)
{
	sqlite3_stmt *st;
	long long n;

	assert_int_equal(sqlite3_prepare_v2(t->ctx.db, "SELECT count(*) FROM"
		" audit WHERE event = ?1 AND subject = ?2", -1, &st, NULL),
		SQLITE_OK);
	sqlite3_bind_text(st, 1, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}
