/*
 * Lockout: consecutive failures across every service lock an account at
 * `deny`. The state changes are pure functions of (policy, account, now) so
 * that tests set the clock; the reservation of an attempt before a hash is
 * checked keeps concurrent guesses from exceeding `deny`.
 */
#ifndef CRMPOLICY_LOCKOUT_H
#define CRMPOLICY_LOCKOUT_H

#include <stdint.h>
#include "crmpolicy/policy.h"
#include "crmpolicy/store.h"

/* Seconds after which an unreleased reservation (a crashed caller) lapses. */
#define CRM_RESERVATION_TTL 180

/*
 * Applies the passage of time: a lock older than unlock_time (non-zero)
 * lifts, and failures older than fail_interval (non-zero) are forgotten.
 * The lock of an administrator (pol->admin) lifts after admin_unlock_time
 * (non-zero) even when unlock_time is 0; a smaller unlock_time wins.
 * Returns 1 if a changed, else 0.
 */
int crm_lockout_refresh(const struct crm_policy *pol, struct crm_account *a,
	int64_t now);

/*
 * 1 if a is locked at now, by the rule of crm_lockout_refresh; *left =
 * seconds left, -1 until an admin unlocks.
 */
int crm_lockout_is_locked(const struct crm_policy *pol,
	const struct crm_account *a, int64_t now, int64_t *left);

/* 1 if the lockout applies to this account at all (deny > 0; root only with even_deny_root). */
int crm_lockout_applies(const struct crm_policy *pol,
	const struct crm_config *cfg, const struct crm_account *a);

/* Counts one failure at now; returns 1 if this failure locked a. */
int crm_lockout_fail(const struct crm_policy *pol, const struct crm_config *cfg,
	struct crm_account *a, int64_t now);

/* Clears failures and any lock (a success or an admin unlock). */
void crm_lockout_clear(struct crm_account *a);

/*
 * Reserves one attempt for account_id if failures plus live reservations
 * stay below deny (inside the caller's transaction). *id = the reservation
 * (0 when none was needed), *granted = 0 when the attempts are exhausted.
 */
int crm_lockout_reserve(struct crm_db *db, const struct crm_policy *pol,
	const struct crm_config *cfg, const struct crm_account *a, int64_t now,
	int64_t *id, int *granted, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Releases reservation id (> 0); with id < 0 the oldest reservation of
 * account_id (a phase that did not see the reservation's id); 0 = none.
 */
int crm_lockout_release(struct crm_db *db, int64_t account_id, int64_t id,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * Whether a further attempt fits below deny without reserving one: *room =
 * 0 when a's failures, the reservations of attempts in flight in the store
 * and inflight more (the caller's own, kept elsewhere) reach deny. For a
 * caller that keeps its attempts in flight itself (the registrar daemon).
 */
int crm_lockout_room(struct crm_db *db, const struct crm_policy *pol,
	const struct crm_config *cfg, const struct crm_account *a, int64_t now,
	int inflight, int *room, struct crm_error *err)
	__attribute__((warn_unused_result));

#endif
