/*
 * Password aging (expiry, warning, minimum age) and account inactivity, as
 * pure functions of policy, account and the injected clock; and the age of
 * a password that lives in /etc/shadow, brought in once per phase.
 */
#include <string.h>

#include "crmpolicy/aging.h"
#include "crmpolicy/nss.h"

#define DAY ((int64_t)86400)

int crm_user_is_root(const char *name)
{
	uid_t uid = 1;
	int found = 0;

	if (strcmp(name, "root") == 0)
		return 1;
	/* A failing lookup grants no exemption. */
	if (crm_nss_user(name, &uid, NULL, &found, NULL) != CRM_OK || !found)
		return 0;
	return uid == 0;
}

void crm_aging_from_shadow(struct crm_account *a, const struct crm_shadow *sp)
{
	if (a->pw_hash[0] != '\0' || !sp->found)
		return;
	/* As pam_unix reads sp_lstchg: 0 forces a change, < 0 is unset. */
	if (sp->lstchg == 0)
		a->must_change = 1;
	else if (sp->lstchg > 0)
		a->pw_changed = (int64_t)sp->lstchg * DAY;
}

int crm_aging_shadow(struct crm_account *a, struct crm_shadow *sp,
	struct crm_error *err)
{
	int r;

	memset(sp, 0, sizeof(*sp));
	sp->lstchg = -1;
	if (a->pw_hash[0] != '\0')
		return CRM_OK;
	if ((r = crm_shadow_get(a->name, sp, err)) != CRM_OK)
		return r;
	crm_aging_from_shadow(a, sp);
	return CRM_OK;
}

int64_t crm_aging_expires(const struct crm_policy *pol,
	const struct crm_account *a)
{
	long long max_age = pol->num[CRM_K_MAX_AGE_DAYS];
	int64_t base = a->pw_changed ? a->pw_changed : a->created;

	if (max_age <= 0)
		return 0;
	return base + (int64_t)max_age * DAY;
}

int crm_aging_expired(const struct crm_policy *pol, const struct crm_account *a,
	int64_t now)
{
	int64_t expires = crm_aging_expires(pol, a);

	return expires != 0 && now >= expires;
}

int crm_aging_warn_days(const struct crm_policy *pol,
	const struct crm_account *a, int64_t now)
{
	int64_t expires = crm_aging_expires(pol, a), left;
	long long warn = pol->num[CRM_K_WARN_DAYS];

	if (expires == 0 || warn <= 0 || now >= expires)
		return -1;
	left = expires - now;
	if (left > (int64_t)warn * DAY)
		return -1;
	return (int)((left + DAY - 1) / DAY);
}

int crm_aging_too_soon(const struct crm_policy *pol,
	const struct crm_account *a, int64_t now)
{
	long long min_age = pol->num[CRM_K_MIN_AGE_DAYS];

	if (min_age <= 0 || a->pw_changed == 0)
		return 0;
	return now < a->pw_changed + (int64_t)min_age * DAY;
}

/* The last moment the account was known to be in use. */
static int64_t last_activity(const struct crm_account *a)
{
	int64_t t = a->created;

	if (a->last_login > t)
		t = a->last_login;
	if (a->enabled_at > t)
		t = a->enabled_at;
	return t;
}

int crm_aging_inactive(const struct crm_policy *pol,
	const struct crm_account *a, int64_t now)
{
	long long days = pol->num[CRM_K_INACTIVE_DAYS];

	if (days <= 0 || crm_policy_is_root(pol, a->name))
		return 0;
	return now - last_activity(a) >= (int64_t)days * DAY;
}

int crm_aging_inactive_in(const struct crm_policy *pol,
	const struct crm_account *a, int64_t now)
{
	long long days = pol->num[CRM_K_INACTIVE_DAYS];
	int64_t left;

	if (days <= 0 || crm_policy_is_root(pol, a->name))
		return -1;
	left = last_activity(a) + (int64_t)days * DAY - now;
	return left <= 0 ? 0 : (int)((left + DAY - 1) / DAY);
}
