/*
 * Login history: one row per authentication attempt, with the place of
 * the remote address. Identical successes within history_merge_seconds
 * update one row's counter, so a web server that authenticates every
 * request does not flood the table.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "crmpolicy/addr.h"
#include "crmpolicy/store.h"	/* history.h needs CRM_NAME_MAX first */
#include "crmpolicy/history.h"

#define WHAT "recording a login"

/*
 * The newest success of user by service from the address key with login
 * type, last used at since or later: its id (0 if none) and count.
 */
static int newest_success(const struct crm_ctx *ctx, const char *user,
	const char *service, const char *key, const char *type, int64_t since,
	int64_t *id, int64_t *count, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	*id = 0;
	*count = 0;
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_LOGIN_NEWEST_SUCCESS, &st,
			err)) != CRM_OK)
		return rc;
	crm_bind_text(st, 1, user);
	crm_bind_text(st, 2, service);
	crm_bind_text(st, 3, key);
	crm_bind_text(st, 4, type);
	crm_bind_int(st, 5, since);
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW) {
		*id = crm_col_int(st, 0);
		*count = crm_col_int(st, 1);
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_ROW && rc != CRM_STEP_DONE)
		return crm_store_error(ctx->db, WHAT, err);
	return CRM_OK;
}

/*
 * The row an identical success merges into: same user, service, address
 * and login type, last used within the merge window. 0 in *id if none.
 */
static int find_merge(const struct crm_ctx *ctx, const char *user,
	const char *service, const char *key, const char *type, int64_t *id,
	struct crm_error *err)
{
	const long long window = ctx->cfg->num[CRM_K_HISTORY_MERGE_SECONDS];
	int64_t count;

	*id = 0;
	if (window <= 0)
		return CRM_OK;
	return newest_success(ctx, user, service, key, type, ctx->now - window,
		id, &count, err);
}

/* Runs q with ?1, ?2 bound to a, b and ?3 to text t (may be NULL). */
static int exec3(const struct crm_ctx *ctx, enum crm_q q, int64_t a,
	int64_t b, const char *t, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	if ((rc = crm_db_prepare(ctx->db, q, &st, err)) != CRM_OK)
		return rc;
	crm_bind_int(st, 1, a);
	crm_bind_int(st, 2, b);
	if (t != NULL)
		crm_bind_text(st, 3, t);
	rc = crm_stmt_step(st);
	crm_stmt_done(st);
	return rc == CRM_STEP_DONE ? CRM_OK :
		crm_store_error(ctx->db, WHAT, err);
}

static int merge(const struct crm_ctx *ctx, int64_t id,
	struct crm_error *err)
{
	return exec3(ctx, CRM_Q_LOGIN_MERGE, id, ctx->now, NULL, err);
}

int crm_history_record(const struct crm_ctx *ctx, const char *user,
	const char *type, int success, const char *reason, int new_ip,
	const struct crm_place *place, int *merged, struct crm_error *err)
{
	const char *service = ctx->service ? ctx->service : "";
	struct crm_place found;
	struct crm_addr a;
	char key[CRM_RHOST_MAX + 1];
	struct crm_stmt *st;
	int64_t id = 0;
	int rc;

	user = user ? user : "";
	type = type ? type : CRM_LOGIN_PASSWORD;
	crm_addr_key(ctx->rhost ? ctx->rhost : "", key, sizeof(key));
	if (success) {
		if ((rc = find_merge(ctx, user, service, key, type, &id,
				err)) != 0)
			return rc;
		if (id != 0) {
			if (merged != NULL)
				*merged = 1;
			return merge(ctx, id, err);
		}
	}
	if (merged != NULL)
		*merged = 0;
	memset(&found, 0, sizeof(found));
	if (place == NULL && crm_addr_parse(key, &a)) {
		struct crm_error gerr;

		crm_error_clear(&gerr);
		/* Geolocation informs; it never stops a login being recorded. */
		if (crm_geo_lookup_with(ctx->geo, ctx->cfg, key, &found, &gerr) != 0)
			crm_ctx_log(ctx, LOG_WARNING, "%s", gerr.msg);
	}
	if (place == NULL)
		place = &found;

	if ((rc = crm_db_prepare(ctx->db, CRM_Q_LOGIN_INSERT, &st, err)) !=
			CRM_OK)
		return rc;
	crm_bind_int(st, 1, ctx->now);
	crm_bind_text(st, 2, user);
	crm_bind_text(st, 3, service);
	crm_bind_text(st, 4, key);
	crm_bind_text(st, 5, ctx->tty ? ctx->tty : "");
	crm_bind_text(st, 6, type);
	crm_bind_int(st, 7, success != 0);
	crm_bind_text(st, 8, success || reason == NULL ? "" : reason);
	crm_bind_text(st, 9, place->country_code);
	crm_bind_text(st, 10, place->country);
	crm_bind_text(st, 11, place->city);
	crm_bind_text(st, 12, place->org);
	crm_bind_int(st, 13, new_ip != 0);
	rc = crm_stmt_step(st);
	crm_stmt_done(st);
	return rc == CRM_STEP_DONE ? CRM_OK :
		crm_store_error(ctx->db, WHAT, err);
}

int crm_history_retype(const struct crm_ctx *ctx, const char *user,
	const char *from, const char *to, struct crm_error *err)
{
	const char *service = ctx->service ? ctx->service : "";
	char key[CRM_RHOST_MAX + 1];
	int64_t id = 0, count = 0, into = 0;
	int rc;

	crm_addr_key(ctx->rhost ? ctx->rhost : "", key, sizeof(key));
	if ((rc = newest_success(ctx, user, service, key, from,
			ctx->now - CRM_RETYPE_WINDOW, &id, &count, err)) != CRM_OK)
		return rc;
	if (id == 0)
		return CRM_OK;
	if ((rc = find_merge(ctx, user, service, key, to, &into, err)) != 0)
		return rc;
	/*
	 * Only the newest login of the row changes type: a row that had
	 * merged earlier ones gives one back, which joins a row of the new
	 * type or starts one.
	 */
	if (count <= 1 && into == 0)
		return exec3(ctx, CRM_Q_LOGIN_RETYPE, id, 0, to, err);
	if (into != 0)
		rc = merge(ctx, into, err);
	else
		rc = exec3(ctx, CRM_Q_LOGIN_SPLIT, id, ctx->now, to, err);
	if (rc != CRM_OK)
		return rc;
	return exec3(ctx, count <= 1 ? CRM_Q_LOGIN_DELETE :
		CRM_Q_LOGIN_UNMERGE, id, 0, NULL, err);
}

static void copy_text(char *dst, size_t len, struct crm_stmt *st, int col)
{
	snprintf(dst, len, "%s", crm_col_text(st, col));
}

/* The columns of LOGIN_LIST and LOGIN_LIST_USER, in their order. */
static void read_login(struct crm_stmt *st, struct crm_login *l)
{
	memset(l, 0, sizeof(*l));
	l->id = crm_col_int(st, 0);
	l->time = crm_col_int(st, 1);
	l->last_time = crm_col_int(st, 2);
	l->count = crm_col_int(st, 3);
	copy_text(l->user, sizeof(l->user), st, 4);
	copy_text(l->service, sizeof(l->service), st, 5);
	copy_text(l->rhost, sizeof(l->rhost), st, 6);
	copy_text(l->tty, sizeof(l->tty), st, 7);
	copy_text(l->type, sizeof(l->type), st, 8);
	l->success = (int)crm_col_int(st, 9);
	copy_text(l->reason, sizeof(l->reason), st, 10);
	copy_text(l->place.country_code, sizeof(l->place.country_code), st, 11);
	copy_text(l->place.country, sizeof(l->place.country), st, 12);
	copy_text(l->place.city, sizeof(l->place.city), st, 13);
	copy_text(l->place.org, sizeof(l->place.org), st, 14);
	l->new_ip = (int)crm_col_int(st, 15);
}

int crm_history_foreach(const struct crm_ctx *ctx,
	const struct crm_login_filter *f, crm_login_cb cb, void *arg,
	struct crm_error *err)
{
	struct crm_login l;
	struct crm_stmt *st;
	int rc;

	/* Two fixed statements, so the one for a user can use logins_user. */
	if ((rc = crm_db_prepare(ctx->db, f->user ? CRM_Q_LOGIN_LIST_USER :
			CRM_Q_LOGIN_LIST, &st, err)) != CRM_OK)
		return rc;
	if (f->user != NULL)
		crm_bind_text(st, 1, f->user);
	crm_bind_int(st, 2, f->since);
	crm_bind_int(st, 3, f->until);
	crm_bind_int(st, 4, f->failed_only != 0);
	while ((rc = crm_stmt_step(st)) == CRM_STEP_ROW) {
		int r;

		read_login(st, &l);
		if ((r = cb(arg, &l)) != 0) {
			crm_stmt_done(st);
			return r;
		}
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_DONE)
		return crm_store_error(ctx->db, "reading the login history", err);
	return CRM_OK;
}
