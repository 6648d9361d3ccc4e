/*
 * Lockout: consecutive failures across every service lock an account at
 * `deny`. An attempt is reserved in the store before a password is checked,
 * so that concurrent guesses can never number more than `deny` before the
 * lock holds; a reservation is released on success or turned into a failure.
 */
#include <string.h>

#include "crmpolicy/aging.h"
#include "crmpolicy/lockout.h"

/*
 * Seconds after which a lock lifts by itself, 0 = never. An
 * administrator's (pol->admin: root, admin_group) lifts after
 * admin_unlock_time at the latest, so that a few mistyped sudo passwords
 * cannot lock the only administrator out for good.
 */
static long long unlock_after(const struct crm_policy *pol)
{
	long long unlock_time = pol->num[CRM_K_UNLOCK_TIME];
	long long admin_time = pol->num[CRM_K_ADMIN_UNLOCK_TIME];

	if (!pol->admin || admin_time <= 0 ||
	    (unlock_time > 0 && unlock_time < admin_time))
		return unlock_time;
	return admin_time;
}

int crm_lockout_refresh(const struct crm_policy *pol, struct crm_account *a,
	int64_t now)
{
	long long unlock_time = unlock_after(pol);
	long long interval = pol->num[CRM_K_FAIL_INTERVAL];

	if (a->locked_at != 0) {
		if (unlock_time > 0 && now >= a->locked_at + unlock_time) {
			crm_lockout_clear(a);
			return 1;
		}
		return 0;
	}
	/* Failures count together only within fail_interval of the first. */
	if (interval > 0 && a->failures > 0 && now - a->first_fail > interval) {
		a->failures = 0;
		a->first_fail = 0;
		return 1;
	}
	return 0;
}

int crm_lockout_is_locked(const struct crm_policy *pol,
	const struct crm_account *a, int64_t now, int64_t *left)
{
	long long unlock_time = unlock_after(pol);

	if (left != NULL)
		*left = 0;
	if (a->locked_at == 0)
		return 0;
	if (unlock_time > 0 && now >= a->locked_at + unlock_time)
		return 0;
	if (left != NULL)
		*left = unlock_time > 0 ? a->locked_at + unlock_time - now : -1;
	return 1;
}

int crm_lockout_applies(const struct crm_policy *pol,
	const struct crm_config *cfg, const struct crm_account *a)
{
	if (pol->num[CRM_K_DENY] <= 0)
		return 0;
	if (!cfg->num[CRM_K_EVEN_DENY_ROOT] && crm_policy_is_root(pol, a->name))
		return 0;
	return 1;
}

int crm_lockout_fail(const struct crm_policy *pol, const struct crm_config *cfg,
	struct crm_account *a, int64_t now)
{
	crm_lockout_refresh(pol, a, now);
	if (a->failures == 0)
		a->first_fail = now;
	a->failures++;
	a->last_fail = now;
	a->fails_since_login++;
	if (a->locked_at == 0 && crm_lockout_applies(pol, cfg, a) &&
			a->failures >= pol->num[CRM_K_DENY]) {
		a->locked_at = now;
		return 1;
	}
	return 0;
}

void crm_lockout_clear(struct crm_account *a)
{
	a->failures = 0;
	a->first_fail = 0;
	a->locked_at = 0;
}

/* Reservations of a that have not lapsed at now. */
static int live_count(struct crm_db *db, int64_t id, int64_t now, int64_t *live)
{
	sqlite3_stmt *st;
	int rc;

	if (crm_sql_prepare(db, "SELECT count(*) FROM reservations"
			" WHERE account_id = ?1 AND started > ?2", -1, &st,
			NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now - CRM_RESERVATION_TTL);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*live = sqlite3_column_int64(st, 0);
	crm_sql_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int crm_lockout_room(struct crm_db *db, const struct crm_policy *pol,
	const struct crm_config *cfg, const struct crm_account *a, int64_t now,
	int inflight, int *room, struct crm_error *err)
{
	int64_t live = 0;

	*room = 1;
	if (!crm_lockout_applies(pol, cfg, a))
		return CRM_OK;
	if (live_count(db, a->id, now, &live) != 0)
		return crm_store_error(db, "counting attempts in flight", err);
	*room = a->failures + live + inflight < pol->num[CRM_K_DENY];
	return CRM_OK;
}

int crm_lockout_reserve(struct crm_db *db, const struct crm_policy *pol,
	const struct crm_config *cfg, const struct crm_account *a, int64_t now,
	int64_t *id, int *granted, struct crm_error *err)
{
	sqlite3_stmt *st = NULL;
	int64_t live = 0;
	int rc;

	*id = 0;
	*granted = 1;
	if (!crm_lockout_applies(pol, cfg, a))
		return CRM_OK;
	/* Reservations of callers that died never come back: let them lapse. */
	if (crm_sql_prepare(db, "DELETE FROM reservations WHERE account_id = ?1"
			" AND started <= ?2", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_int64(st, 2, now - CRM_RESERVATION_TTL);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	crm_sql_done(st);
	st = NULL;
	if (live_count(db, a->id, now, &live) != 0)
		goto fail;
	if (a->failures + live >= pol->num[CRM_K_DENY]) {
		*granted = 0;
		return CRM_OK;
	}
	if (crm_sql_prepare(db, "INSERT INTO reservations(account_id, started)"
			" VALUES(?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	crm_sql_done(st);
	st = NULL;
	if (rc != SQLITE_DONE)
		goto fail;
	*id = sqlite3_last_insert_rowid(crm_db_sqlite(db));
	return CRM_OK;
fail:
	crm_sql_done(st);
	return crm_store_error(db, "reserving an attempt", err);
}

int crm_lockout_release(struct crm_db *db, int64_t account_id, int64_t id,
	struct crm_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if (id == 0)
		return CRM_OK;
	if (crm_sql_prepare(db, id > 0 ?
			"DELETE FROM reservations WHERE id = ?2 AND account_id = ?1" :
			"DELETE FROM reservations WHERE id = (SELECT min(id) FROM"
			" reservations WHERE account_id = ?1)", -1, &st, NULL) != SQLITE_OK)
		return crm_store_error(db, "releasing an attempt", err);
	sqlite3_bind_int64(st, 1, account_id);
	if (id > 0)
		sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	crm_sql_done(st);
	if (rc != SQLITE_DONE)
		return crm_store_error(db, "releasing an attempt", err);
	return CRM_OK;
}
