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
static int live_count(struct crm_db *db, int64_t id, int64_t now, int64_t *live,
	const char *what, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc, r;

	if ((r = crm_db_prepare(db, CRM_Q_LOCKOUT_LIVE, &st, err)) != CRM_OK)
		return r;
	crm_bind_int(st, 1, id);
	crm_bind_int(st, 2, now - CRM_RESERVATION_TTL);
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW)
		*live = crm_col_int(st, 0);
	crm_stmt_done(st);
	return rc == CRM_STEP_ROW ? CRM_OK : crm_store_error(db, what, err);
}

int crm_lockout_room(struct crm_db *db, const struct crm_policy *pol,
	const struct crm_config *cfg, const struct crm_account *a, int64_t now,
	int inflight, int *room, struct crm_error *err)
{
	int64_t live = 0;
	int r;

	*room = 1;
	if (!crm_lockout_applies(pol, cfg, a))
		return CRM_OK;
	if ((r = live_count(db, a->id, now, &live,
			"counting attempts in flight", err)) != CRM_OK)
		return r;
	*room = a->failures + live + inflight < pol->num[CRM_K_DENY];
	return CRM_OK;
}

int crm_lockout_reserve(struct crm_db *db, const struct crm_policy *pol,
	const struct crm_config *cfg, const struct crm_account *a, int64_t now,
	int64_t *id, int *granted, struct crm_error *err)
{
	struct crm_stmt *st;
	int64_t live = 0;
	int rc;

	*id = 0;
	*granted = 1;
	if (!crm_lockout_applies(pol, cfg, a))
		return CRM_OK;
	/* Reservations of callers that died never come back: let them lapse. */
	if ((rc = crm_db_prepare(db, CRM_Q_LOCKOUT_LAPSE, &st, err)) != CRM_OK)
		return rc;
	crm_bind_int(st, 1, a->id);
	crm_bind_int(st, 2, now - CRM_RESERVATION_TTL);
	rc = crm_stmt_step(st);
	crm_stmt_done(st);
	if (rc != CRM_STEP_DONE)
		return crm_store_error(db, "reserving an attempt", err);
	if ((rc = live_count(db, a->id, now, &live, "reserving an attempt",
			err)) != CRM_OK)
		return rc;
	if (a->failures + live >= pol->num[CRM_K_DENY]) {
		*granted = 0;
		return CRM_OK;
	}
	if ((rc = crm_db_prepare(db, CRM_Q_LOCKOUT_RESERVE, &st, err)) != CRM_OK)
		return rc;
	crm_bind_int(st, 1, a->id);
	crm_bind_int(st, 2, now);
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW)
		*id = crm_col_int(st, 0);
	crm_stmt_done(st);
	return rc == CRM_STEP_ROW ? CRM_OK :
		crm_store_error(db, "reserving an attempt", err);
}

int crm_lockout_release(struct crm_db *db, int64_t account_id, int64_t id,
	struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	if (id == 0)
		return CRM_OK;
	if ((rc = crm_db_prepare(db, id > 0 ? CRM_Q_LOCKOUT_RELEASE :
			CRM_Q_LOCKOUT_RELEASE_OLDEST, &st, err)) != CRM_OK)
		return rc;
	crm_bind_int(st, 1, account_id);
	if (id > 0)
		crm_bind_int(st, 2, id);
	rc = crm_stmt_step(st);
	crm_stmt_done(st);
	if (rc != CRM_STEP_DONE)
		return crm_store_error(db, "releasing an attempt", err);
	return CRM_OK;
}
