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
	sqlite3_stmt *st;
	int rc;

	*id = 0;
	*count = 0;
	if (crm_sql_prepare(ctx->db, "SELECT id, count FROM logins"
			" WHERE user = ?1 AND service = ?2 AND rhost = ?3"
			" AND type = ?4 AND success = 1 AND last_time >= ?5"
			" ORDER BY last_time DESC, id DESC LIMIT 1", -1, &st,
			NULL) != SQLITE_OK)
		return crm_store_error(ctx->db, WHAT, err);
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, since);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*count = sqlite3_column_int64(st, 1);
	}
	crm_sql_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
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

static int merge(const struct crm_ctx *ctx, int64_t id,
	struct crm_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if (crm_sql_prepare(ctx->db, "UPDATE logins SET count = count + 1,"
			" last_time = max(last_time, ?2) WHERE id = ?1", -1, &st,
			NULL) != SQLITE_OK)
		return crm_store_error(ctx->db, WHAT, err);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, ctx->now);
	rc = sqlite3_step(st);
	crm_sql_done(st);
	return rc == SQLITE_DONE ? CRM_OK : crm_store_error(ctx->db, WHAT, err);
}

int crm_history_record(const struct crm_ctx *ctx, const char *user,
	const char *type, int success, const char *reason, int new_ip,
	const struct crm_place *place, int *merged, struct crm_error *err)
{
	const char *service = ctx->service ? ctx->service : "";
	struct crm_place found;
	struct crm_addr a;
	char key[CRM_RHOST_MAX + 1];
	sqlite3_stmt *st;
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

	if (crm_sql_prepare(ctx->db, "INSERT INTO logins(time, last_time,"
			" count, user, service, rhost, tty, type, success, reason,"
			" country_code, country, city, org, new_ip) VALUES(?1, ?1, 1,"
			" ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", -1,
			&st, NULL) != SQLITE_OK)
		return crm_store_error(ctx->db, WHAT, err);
	sqlite3_bind_int64(st, 1, ctx->now);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ctx->tty ? ctx->tty : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, type, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, success != 0);
	sqlite3_bind_text(st, 8, success || reason == NULL ? "" : reason, -1,
		SQLITE_STATIC);
	sqlite3_bind_text(st, 9, place->country_code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, place->country, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, place->city, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, place->org, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 13, new_ip != 0);
	rc = sqlite3_step(st);
	crm_sql_done(st);
	return rc == SQLITE_DONE ? CRM_OK : crm_store_error(ctx->db, WHAT, err);
}

/* Runs sql with ?1, ?2 bound to a, b and ?3 to text t (may be NULL). */
static int exec3(const struct crm_ctx *ctx, const char *sql, int64_t a,
	int64_t b, const char *t, struct crm_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if (crm_sql_prepare(ctx->db, sql, -1, &st, NULL) != SQLITE_OK)
		return crm_store_error(ctx->db, WHAT, err);
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	if (t != NULL)
		sqlite3_bind_text(st, 3, t, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	crm_sql_done(st);
	return rc == SQLITE_DONE ? CRM_OK : crm_store_error(ctx->db, WHAT, err);
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
		return exec3(ctx, "UPDATE logins SET type = ?3 WHERE id = ?1", id,
			0, to, err);
	if (into != 0)
		rc = exec3(ctx, "UPDATE logins SET count = count + 1,"
			" last_time = max(last_time, ?2) WHERE id = ?1", into,
			ctx->now, NULL, err);
	else
		rc = exec3(ctx, "INSERT INTO logins(time, last_time, count, user,"
			" service, rhost, tty, type, success, reason, country_code,"
			" country, city, org, new_ip) SELECT ?2, ?2, 1, user,"
			" service, rhost, tty, ?3, success, reason, country_code,"
			" country, city, org, 0 FROM logins WHERE id = ?1", id,
			ctx->now, to, err);
	if (rc != CRM_OK)
		return rc;
	return exec3(ctx, count <= 1 ? "DELETE FROM logins WHERE id = ?1" :
		"UPDATE logins SET count = count - 1 WHERE id = ?1", id, 0, NULL,
		err);
}

static void copy_text(char *dst, size_t len, sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", s ? (const char *)s : "");
}

static void read_login(sqlite3_stmt *st, struct crm_login *l)
{
	memset(l, 0, sizeof(*l));
	l->id = sqlite3_column_int64(st, 0);
	l->time = sqlite3_column_int64(st, 1);
	l->last_time = sqlite3_column_int64(st, 2);
	l->count = sqlite3_column_int64(st, 3);
	copy_text(l->user, sizeof(l->user), st, 4);
	copy_text(l->service, sizeof(l->service), st, 5);
	copy_text(l->rhost, sizeof(l->rhost), st, 6);
	copy_text(l->tty, sizeof(l->tty), st, 7);
	copy_text(l->type, sizeof(l->type), st, 8);
	l->success = sqlite3_column_int(st, 9);
	copy_text(l->reason, sizeof(l->reason), st, 10);
	copy_text(l->place.country_code, sizeof(l->place.country_code), st, 11);
	copy_text(l->place.country, sizeof(l->place.country), st, 12);
	copy_text(l->place.city, sizeof(l->place.city), st, 13);
	copy_text(l->place.org, sizeof(l->place.org), st, 14);
	l->new_ip = sqlite3_column_int(st, 15);
}

#define LOGIN_COLS "SELECT id, time, last_time, count, user, service, rhost," \
	" tty, type, success, reason, country_code, country, city, org, new_ip" \
	" FROM logins WHERE "
/*
 * A merged row spans time..last_time: it matches a period it overlaps.
 * Two fixed statements, so the one for a user can use logins_user.
 */
#define LOGIN_FILTER "(?2 <= 0 OR last_time >= ?2) AND (?3 <= 0 OR time <= ?3)" \
	" AND (?4 = 0 OR success = 0) ORDER BY time, id"

int crm_history_foreach(const struct crm_ctx *ctx,
	const struct crm_login_filter *f, crm_login_cb cb, void *arg,
	struct crm_error *err)
{
	static const char *const by_user = LOGIN_COLS "user = ?1 AND "
		LOGIN_FILTER;
	static const char *const all = LOGIN_COLS LOGIN_FILTER;
	struct crm_login l;
	sqlite3_stmt *st;
	int rc;

	if (crm_sql_prepare(ctx->db, f->user ? by_user : all, -1, &st,
			NULL) != SQLITE_OK)
		return crm_store_error(ctx->db, "reading the login history", err);
	if (f->user != NULL)
		sqlite3_bind_text(st, 1, f->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f->since);
	sqlite3_bind_int64(st, 3, f->until);
	sqlite3_bind_int(st, 4, f->failed_only != 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r;

		read_login(st, &l);
		if ((r = cb(arg, &l)) != 0) {
			crm_sql_done(st);
			return r;
		}
	}
	crm_sql_done(st);
	if (rc != SQLITE_DONE)
		return crm_store_error(ctx->db, "reading the login history", err);
	return CRM_OK;
}
