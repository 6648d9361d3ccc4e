/*
 * Unit tests of lib/lockout.c: locking at deny, unlock_time, fail_interval,
 * the root exemption and even_deny_root, admin_unlock_time for root and
 * admin_group, and the reservation of attempts that keeps concurrent
 * guesses from exceeding deny (including lapsing).
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/lockout.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/store.h"

/* An account row in the store (reservations refer to it). */
static void stored(struct tenv *t, struct crm_account *a, const char *name)
{
	struct crm_error e;

	tenv_blank(a, name);
	if (crm_account_insert(t->ctx.db, a, &e) != CRM_OK)
		fail_msg("insert %s: %s", name, e.msg);
}

static long long reservations(struct tenv *t)
{
	return tenv_query_int(t, "SELECT count(*) FROM reservations", NULL,
		NULL);
}

/* ---- deny ---- */

static void locks_after_deny_consecutive_failures(void **state)
{
	struct tenv *t = tenv_new("deny = 3\n");
	struct crm_policy pol;
	struct crm_account a;
	int64_t left = 0;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
	assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0), 0);
	assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0 + 1), 0);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0 + 1, NULL), 0);
	assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0 + 2), 1);
	assert_int_equal(a.failures, 3);
	assert_int_equal(a.locked_at, T0 + 2);
	assert_int_equal(a.first_fail, T0);
	assert_int_equal(a.last_fail, T0 + 2);
	assert_int_equal(a.fails_since_login, 3);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0 + 3, &left), 1);
	/* unlock_time = 0 (default): only an admin lifts it. */
	assert_int_equal(left, -1);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0 + 365 * DAY, NULL),
		1);
	tenv_free(t);
}

static void not_locked_below_deny(void **state)
{
	struct tenv *t = tenv_new("deny = 5\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
	for (int i = 0; i < 4; i++)
		assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0 + i), 0);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0 + 5, NULL), 0);
	assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0 + 5), 1);
	tenv_free(t);
}

static void further_failures_keep_the_first_lock_time(void **state)
{
	struct tenv *t = tenv_new("deny = 2\nunlock_time = 600\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
	crm_lockout_fail(&pol, &t->cfg, &a, T0);
	assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0 + 1), 1);
	/* A guess while locked does not extend the lock or lock "again". */
	assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0 + 100), 0);
	assert_int_equal(a.locked_at, T0 + 1);
	assert_int_equal(a.failures, 3);
	tenv_free(t);
}

static void deny_zero_never_locks(void **state)
{
	struct tenv *t = tenv_new("deny = 0\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
	assert_int_equal(crm_lockout_applies(&pol, &t->cfg, &a), 0);
	for (int i = 0; i < 50; i++)
		assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0 + i), 0);
	assert_int_equal(a.failures, 50);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0 + 51, NULL), 0);
	tenv_free(t);
}

/* ---- unlock_time ---- */

static void unlock_time_lifts_lock(void **state)
{
	struct tenv *t = tenv_new("deny = 3\nunlock_time = 600\n");
	struct crm_policy pol;
	struct crm_account a;
	int64_t left = 0;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
	for (int i = 0; i < 3; i++)
		crm_lockout_fail(&pol, &t->cfg, &a, T0);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0 + 599, &left), 1);
	assert_int_equal(left, 1);
	assert_int_equal(crm_lockout_refresh(&pol, &a, T0 + 599), 0);
	assert_int_equal(a.locked_at, T0);

	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0 + 600, &left), 0);
	assert_int_equal(left, 0);
	assert_int_equal(crm_lockout_refresh(&pol, &a, T0 + 600), 1);
	assert_int_equal(a.locked_at, 0);
	assert_int_equal(a.failures, 0);
	tenv_free(t);
}

static void lock_left_counts_down(void **state)
{
	struct tenv *t = tenv_new("deny = 1\nunlock_time = 3600\n");
	struct crm_policy pol;
	struct crm_account a;
	int64_t left = 0;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
	assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0), 1);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0, &left), 1);
	assert_int_equal(left, 3600);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0 + 1800, &left), 1);
	assert_int_equal(left, 1800);
	tenv_free(t);
}

static void unlock_time_zero_keeps_lock_until_cleared(void **state)
{
	struct tenv *t = tenv_new("deny = 3\nunlock_time = 0\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
	for (int i = 0; i < 3; i++)
		crm_lockout_fail(&pol, &t->cfg, &a, T0);
	assert_int_equal(crm_lockout_refresh(&pol, &a, T0 + 1000 * DAY), 0);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0 + 1000 * DAY, NULL),
		1);
	crm_lockout_clear(&a);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0 + 1000 * DAY, NULL),
		0);
	assert_int_equal(a.failures, 0);
	assert_int_equal(a.first_fail, 0);
	tenv_free(t);
}

/* ---- fail_interval ---- */

static void fail_interval_forgets_old_failures(void **state)
{
	struct tenv *t = tenv_new("deny = 3\nfail_interval = 900\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
	crm_lockout_fail(&pol, &t->cfg, &a, T0);
	crm_lockout_fail(&pol, &t->cfg, &a, T0 + 10);
	/* Past the interval from the first failure: the count starts over. */
	assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0 + 901), 0);
	assert_int_equal(a.failures, 1);
	assert_int_equal(a.first_fail, T0 + 901);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0 + 901, NULL), 0);
	/* refresh alone forgets them too. */
	assert_int_equal(crm_lockout_refresh(&pol, &a, T0 + 2000), 1);
	assert_int_equal(a.failures, 0);
	tenv_free(t);
}

static void failures_within_fail_interval_count_together(void **state)
{
	struct tenv *t = tenv_new("deny = 3\nfail_interval = 900\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
	crm_lockout_fail(&pol, &t->cfg, &a, T0);
	crm_lockout_fail(&pol, &t->cfg, &a, T0 + 500);
	assert_int_equal(crm_lockout_refresh(&pol, &a, T0 + 900), 0);
	assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0 + 900), 1);
	tenv_free(t);
}

static void fail_interval_zero_keeps_failures_until_success(void **state)
{
	struct tenv *t = tenv_new("deny = 3\nfail_interval = 0\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
	crm_lockout_fail(&pol, &t->cfg, &a, T0);
	crm_lockout_fail(&pol, &t->cfg, &a, T0 + 100 * DAY);
	assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0 + 200 * DAY), 1);
	tenv_free(t);
}

static void fail_interval_does_not_lift_a_lock(void **state)
{
	struct tenv *t = tenv_new("deny = 2\nfail_interval = 60\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
	crm_lockout_fail(&pol, &t->cfg, &a, T0);
	crm_lockout_fail(&pol, &t->cfg, &a, T0 + 1);
	assert_int_equal(crm_lockout_refresh(&pol, &a, T0 + DAY), 0);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0 + DAY, NULL), 1);
	tenv_free(t);
}

/* ---- root ---- */

static void root_not_locked_without_even_deny_root(void **state)
{
	struct tenv *t = tenv_new("deny = 3\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	tenv_resolve(t, "root", &pol);
	tenv_blank(&a, "root");
	assert_int_equal(crm_lockout_applies(&pol, &t->cfg, &a), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0 + i), 0);
	assert_int_equal(a.locked_at, 0);
	/* The failures are still counted, for the session greeting. */
	assert_int_equal(a.fails_since_login, 10);
	tenv_free(t);
}

static void root_locked_with_even_deny_root(void **state)
{
	struct tenv *t = tenv_new("deny = 3\neven_deny_root = yes\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	tenv_resolve(t, "root", &pol);
	tenv_blank(&a, "root");
	assert_int_equal(crm_lockout_applies(&pol, &t->cfg, &a), 1);
	crm_lockout_fail(&pol, &t->cfg, &a, T0);
	crm_lockout_fail(&pol, &t->cfg, &a, T0);
	assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0), 1);
	assert_int_equal(crm_lockout_is_locked(&pol, &a, T0, NULL), 1);
	tenv_free(t);
}

/* ---- admin_unlock_time ---- */

/*
 * Locks user (deny = 1 in conf) at T0; returns whether the lock still
 * holds at T0 + after, with the seconds left in *left.
 */
static int locked_after(const char *conf, const char *user, int64_t after,
	int64_t *left)
{
	struct tenv *t = tenv_new(conf);
	struct crm_policy pol;
	struct crm_account a;
	int locked;

	tenv_resolve(t, user, &pol);
	tenv_blank(&a, user);
	assert_int_equal(crm_lockout_fail(&pol, &t->cfg, &a, T0), 1);
	locked = crm_lockout_is_locked(&pol, &a, T0 + after, left);
	assert_int_equal(crm_lockout_refresh(&pol, &a, T0 + after), !locked);
	assert_int_equal(a.locked_at == 0, !locked);
	tenv_free(t);
	return locked;
}

/* nobody's primary group on Debian is nogroup (65534); see test_admin. */
#define ADMINS "deny = 1\nadmin_group = nogroup\n"

static void admin_group_members_lock_lifts_after_admin_unlock_time(
	void **state)
{
	int64_t left = 0;

	(void)state;
	/* unlock_time = 0, admin_unlock_time = 900 (the defaults). */
	assert_true(locked_after(ADMINS, "nobody", 899, &left));
	assert_int_equal(left, 1);
	assert_false(locked_after(ADMINS, "nobody", 900, &left));
	assert_int_equal(left, 0);
}

static void ordinary_users_lock_stays_until_unlocked(void **state)
{
	int64_t left = 0;

	(void)state;
	assert_true(locked_after(ADMINS, "daemon", 365 * DAY, &left));
	assert_int_equal(left, -1);
	/* Without admin_group nobody is an ordinary user too. */
	assert_true(locked_after("deny = 1\n", "nobody", 365 * DAY, &left));
	assert_int_equal(left, -1);
}

static void roots_lock_lifts_after_admin_unlock_time(void **state)
{
	int64_t left = 0;

	(void)state;
	assert_true(locked_after("deny = 1\neven_deny_root = yes\n", "root",
		899, &left));
	assert_int_equal(left, 1);
	assert_false(locked_after("deny = 1\neven_deny_root = yes\n", "root",
		900, &left));
}

static void smaller_unlock_time_wins_and_zero_turns_it_off(void **state)
{
	int64_t left = 0;

	(void)state;
	assert_false(locked_after(ADMINS "unlock_time = 60\n", "nobody", 60,
		&left));
	assert_true(locked_after(ADMINS "unlock_time = 3600\n", "nobody", 899,
		&left));
	assert_false(locked_after(ADMINS "unlock_time = 3600\n", "nobody", 900,
		&left));
	assert_true(locked_after(ADMINS "admin_unlock_time = 0\n", "nobody",
		365 * DAY, &left));
	assert_int_equal(left, -1);
	assert_true(locked_after(ADMINS "admin_unlock_time = 0\n"
		"unlock_time = 600\n", "nobody", 599, &left));
	assert_false(locked_after(ADMINS "admin_unlock_time = 0\n"
		"unlock_time = 600\n", "nobody", 600, &left));
}

static void non_root_locked_without_even_deny_root(void **state)
{
	struct tenv *t = tenv_new("deny = 3\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	tenv_resolve(t, "daemon", &pol);
	tenv_blank(&a, "daemon");
	assert_int_equal(crm_lockout_applies(&pol, &t->cfg, &a), 1);
	tenv_free(t);
}

/* ---- reservations ---- */

static void reservation_granted_below_deny(void **state)
{
	struct tenv *t = tenv_new("deny = 3\n");
	struct crm_policy pol;
	struct crm_account a;
	struct crm_error e;
	int64_t id1 = 0, id2 = 0;
	int granted = 0;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	stored(t, &a, "alice");
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a, T0,
		&id1, &granted, &e), CRM_OK);
	assert_int_equal(granted, 1);
	assert_true(id1 > 0);
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a, T0,
		&id2, &granted, &e), CRM_OK);
	assert_int_equal(granted, 1);
	assert_true(id2 > 0 && id2 != id1);
	assert_int_equal(reservations(t), 2);
	tenv_free(t);
}

static void reservation_refused_when_attempts_in_flight_reach_deny(void **state)
{
	struct tenv *t = tenv_new("deny = 3\n");
	struct crm_policy pol;
	struct crm_account a;
	struct crm_error e;
	int64_t id = 0;
	int granted = 0;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	stored(t, &a, "alice");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a,
			T0, &id, &granted, &e), CRM_OK);
		assert_int_equal(granted, 1);
	}
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a, T0,
		&id, &granted, &e), CRM_OK);
	assert_int_equal(granted, 0);
	assert_int_equal(id, 0);
	assert_int_equal(reservations(t), 3);
	tenv_free(t);
}

static void reservation_counts_recorded_failures(void **state)
{
	struct tenv *t = tenv_new("deny = 3\n");
	struct crm_policy pol;
	struct crm_account a;
	struct crm_error e;
	int64_t id = 0;
	int granted = 0;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	stored(t, &a, "alice");
	a.failures = 2;
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a, T0,
		&id, &granted, &e), CRM_OK);
	assert_int_equal(granted, 1);
	/* Two failures plus one attempt in flight reach deny = 3. */
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a, T0,
		&id, &granted, &e), CRM_OK);
	assert_int_equal(granted, 0);
	tenv_free(t);
}

static void stale_reservation_lapses(void **state)
{
	struct tenv *t = tenv_new("deny = 1\n");
	struct crm_policy pol;
	struct crm_account a;
	struct crm_error e;
	int64_t id = 0;
	int granted = 0;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	stored(t, &a, "alice");
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a, T0,
		&id, &granted, &e), CRM_OK);
	assert_int_equal(granted, 1);
	/* The caller died; until the TTL passes, its attempt still counts. */
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a,
		T0 + CRM_RESERVATION_TTL - 1, &id, &granted, &e), CRM_OK);
	assert_int_equal(granted, 0);
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a,
		T0 + CRM_RESERVATION_TTL, &id, &granted, &e), CRM_OK);
	assert_int_equal(granted, 1);
	assert_true(id > 0);
	assert_int_equal(reservations(t), 1);
	tenv_free(t);
}

static void release_by_id_frees_that_attempt(void **state)
{
	struct tenv *t = tenv_new("deny = 2\n");
	struct crm_policy pol;
	struct crm_account a;
	struct crm_error e;
	int64_t id1 = 0, id2 = 0, id3 = 0;
	int granted = 0;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	stored(t, &a, "alice");
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a, T0,
		&id1, &granted, &e), CRM_OK);
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a, T0,
		&id2, &granted, &e), CRM_OK);
	assert_int_equal(crm_lockout_release(t->ctx.db, a.id, id2, &e), CRM_OK);
	assert_int_equal(reservations(t), 1);
	/* The one left is id1. */
	assert_int_equal(tenv_query_int(t, "SELECT id FROM reservations",
		NULL, NULL), id1);
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a, T0,
		&id3, &granted, &e), CRM_OK);
	assert_int_equal(granted, 1);
	tenv_free(t);
}

static void release_with_negative_id_frees_the_oldest(void **state)
{
	struct tenv *t = tenv_new("deny = 3\n");
	struct crm_policy pol;
	struct crm_account a, b;
	struct crm_error e;
	int64_t id1 = 0, id2 = 0, idb = 0;
	int granted = 0;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	stored(t, &a, "alice");
	stored(t, &b, "bob");
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &b, T0,
		&idb, &granted, &e), CRM_OK);
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a, T0,
		&id1, &granted, &e), CRM_OK);
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a, T0,
		&id2, &granted, &e), CRM_OK);
	assert_int_equal(crm_lockout_release(t->ctx.db, a.id, -1, &e), CRM_OK);
	/* Two rows left, in id order bob's and then id2. */
	assert_int_equal(reservations(t), 2);
	assert_int_equal(tenv_query_int(t, "SELECT min(id) FROM reservations",
		NULL, NULL), idb);	/* bob's stays */
	assert_int_equal(tenv_query_int(t, "SELECT max(id) FROM reservations",
		NULL, NULL), id2);
	(void)id1;
	tenv_free(t);
}

static void release_of_zero_changes_nothing(void **state)
{
	struct tenv *t = tenv_new("deny = 3\n");
	struct crm_policy pol;
	struct crm_account a;
	struct crm_error e;
	int64_t id = 0;
	int granted = 0;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	stored(t, &a, "alice");
	assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a, T0,
		&id, &granted, &e), CRM_OK);
	assert_int_equal(crm_lockout_release(t->ctx.db, a.id, 0, &e), CRM_OK);
	assert_int_equal(reservations(t), 1);
	tenv_free(t);
}

static void no_reservation_when_lockout_does_not_apply(void **state)
{
	struct tenv *t = tenv_new("deny = 3\n");
	struct crm_policy pol;
	struct crm_account a;
	struct crm_error e;
	int64_t id = 99;
	int granted = 0;

	(void)state;
	tenv_resolve(t, "root", &pol);
	stored(t, &a, "root");
	for (int i = 0; i < 5; i++) {
		assert_int_equal(crm_lockout_reserve(t->ctx.db, &pol, &t->cfg, &a,
			T0, &id, &granted, &e), CRM_OK);
		assert_int_equal(granted, 1);
		assert_int_equal(id, 0);
	}
	assert_int_equal(reservations(t), 0);
	tenv_free(t);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(locks_after_deny_consecutive_failures),
		T(not_locked_below_deny),
		T(further_failures_keep_the_first_lock_time),
		T(deny_zero_never_locks),
		T(unlock_time_lifts_lock),
		T(lock_left_counts_down),
		T(unlock_time_zero_keeps_lock_until_cleared),
		T(fail_interval_forgets_old_failures),
		T(failures_within_fail_interval_count_together),
		T(fail_interval_zero_keeps_failures_until_success),
		T(fail_interval_does_not_lift_a_lock),
		T(root_not_locked_without_even_deny_root),
		T(root_locked_with_even_deny_root),
		T(non_root_locked_without_even_deny_root),
		T(admin_group_members_lock_lifts_after_admin_unlock_time),
		T(ordinary_users_lock_stays_until_unlocked),
		T(roots_lock_lifts_after_admin_unlock_time),
		T(smaller_unlock_time_wins_and_zero_turns_it_off),
		T(reservation_granted_below_deny),
		T(reservation_refused_when_attempts_in_flight_reach_deny),
		T(reservation_counts_recorded_failures),
		T(stale_reservation_lapses),
		T(release_by_id_frees_that_attempt),
		T(release_with_negative_id_frees_the_oldest),
		T(release_of_zero_changes_nothing),
		T(no_reservation_when_lockout_does_not_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
