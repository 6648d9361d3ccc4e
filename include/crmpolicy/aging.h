/*
 * Password aging and account inactivity as pure functions of
 * (policy, account, now): expiry, warning, minimum age, and the
 * disabling of accounts without a login for inactive_days.
 */
#ifndef CRMPOLICY_AGING_H
#define CRMPOLICY_AGING_H

#include <stdint.h>
#include "crmpolicy/policy.h"
#include "crmpolicy/shadow.h"
#include "crmpolicy/store.h"

/*
 * For an account whose password lives in /etc/shadow (no store hash) and
 * whose entry sp holds: the change time becomes shadow's last change, and
 * a last change of 0 forces a change, as pam_unix has it; an unset one
 * (< 0), no entry, or a store hash leave a as the store has it. a is then
 * for the checks only: never written back, the store keeps its own times.
 */
void crm_aging_from_shadow(struct crm_account *a, const struct crm_shadow *sp);

/*
 * crm_aging_from_shadow with the entry read here (only for an account
 * without a store hash). sp keeps the entry, hash included, for the caller
 * to use and wipe (crm_shadow_wipe). 0 or a crm_shadow_get error.
 */
int crm_aging_shadow(struct crm_account *a, struct crm_shadow *sp,
	struct crm_error *err) __attribute__((warn_unused_result));

/* 1 if the password of a is expired at now (max_age_days > 0). */
int crm_aging_expired(const struct crm_policy *pol, const struct crm_account *a,
	int64_t now);
/* Whole days until expiry when within warn_days, else -1. */
int crm_aging_warn_days(const struct crm_policy *pol,
	const struct crm_account *a, int64_t now);
/* Time the password expires, 0 = never. */
int64_t crm_aging_expires(const struct crm_policy *pol,
	const struct crm_account *a);
/* 1 if a change now is too soon after the last one (min_age_days). */
int crm_aging_too_soon(const struct crm_policy *pol,
	const struct crm_account *a, int64_t now);
/*
 * 1 if a has had no successful login for inactive_days, counting from the
 * latest of last login, creation and last enable. root never is.
 */
int crm_aging_inactive(const struct crm_policy *pol,
	const struct crm_account *a, int64_t now);
/* Days until the inactivity limit, -1 when it does not apply. */
int crm_aging_inactive_in(const struct crm_policy *pol,
	const struct crm_account *a, int64_t now);

/* 1 if name is the superuser (uid 0 in NSS, or "root"). */
int crm_user_is_root(const char *name);

#endif
