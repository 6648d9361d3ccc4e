/*
 * Which accounts the policy governs in a stack around pam_unix: the NSS
 * accounts whose uid is in govern_uids, and every account an administrator
 * put in the store. Everyone else (www-data's cron jobs, backup's) passes
 * every phase untouched.
 */
#ifndef CRMPOLICY_GOVERN_H
#define CRMPOLICY_GOVERN_H

#include <sys/types.h>
#include "crmpolicy/context.h"
#include "crmpolicy/error.h"

#define CRM_LOGIN_DEFS "/etc/login.defs"
/* The uids of login.defs when it lacks UID_MIN or UID_MAX (shadow's own). */
#define CRM_UID_MIN_DEFAULT 1000UL
#define CRM_UID_MAX_DEFAULT 60000UL

/*
 * Checks a govern_uids value, a comma list of: login.defs (UID_MIN to
 * UID_MAX of /etc/login.defs), all, a uid N, a range N-M. The empty list
 * governs no NSS account. 0, or CRM_EINVAL naming the bad item.
 */
int crm_govern_check(const char *value, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * UID_MIN and UID_MAX of the login.defs at path, each read strictly
 * (decimal digits); a missing file, line or malformed value gives the
 * default, and so does a minimum above the maximum.
 */
void crm_govern_login_defs(const char *path, unsigned long *min,
	unsigned long *max);

/*
 * 1 if uid is in the set spec (a value crm_govern_check accepts; NULL is
 * the empty list), its login.defs item read from login_defs; else 0.
 */
int crm_govern_has(const char *spec, const char *login_defs, uid_t uid);

/*
 * Whether the policy governs user. *governed = 0 only for an NSS account
 * whose uid is outside govern_uids and that the store does not hold as an
 * administrator's (no row, or a row made on first sight without a store
 * password); a name NSS does not know is governed, for the phases to
 * decide on as before. One getpwnam, and one store read outside any
 * transaction for a uid outside the set.
 */
int crm_govern_user(const struct crm_ctx *ctx, const char *user,
	int *governed, struct crm_error *err)
	__attribute__((warn_unused_result));

#endif
