/*
 * Password aging and account inactivity as pure functions of
 * (policy, account, now): expiry, warning, minimum age, and the
 * disabling of accounts without a login for inactive_days.
 */
#ifndef CRMPOLICY_AGING_H
#define CRMPOLICY_AGING_H

#include <stdint.h>
#include "crmpolicy/policy.h"
#include "crmpolicy/store.h"

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
