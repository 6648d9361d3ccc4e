/*
 * /etc/shadow through NSS (getspnam_r): the one place that reads it, for
 * the age and the hash of a password that lives there (stacked mode).
 * Only root can read it; for anyone else an entry is simply not found.
 */
#ifndef CRMPOLICY_SHADOW_H
#define CRMPOLICY_SHADOW_H

#include "crmpolicy/error.h"

/* Room for any crypt(3) string (sha512crypt with rounds= is 123 bytes). */
#define CRM_SHADOW_HASH_MAX 256

struct crm_shadow {
	int found;		/* an entry was read */
	long long lstchg;	/* last change, days since the epoch; 0 = must
				 * change at the next login; -1 = not set */
	char hash[CRM_SHADOW_HASH_MAX];	/* the crypt(3) string ("!...",
					 * "*" included); "" when too long */
};

/*
 * Reads user's shadow entry into sp. No entry, or a shadow the caller may
 * not read, is sp->found = 0 and returns 0; a failing NSS backend is
 * CRM_EIO. sp holds a password hash: wipe it with crm_shadow_wipe.
 */
int crm_shadow_get(const char *user, struct crm_shadow *sp,
	struct crm_error *err) __attribute__((warn_unused_result));

void crm_shadow_wipe(struct crm_shadow *sp);

/*
 * Whether password is user's /etc/shadow password: *ok = 1 on a match.
 * *found = 0 when there is no entry the caller may read (the password is
 * then not known here, which is never a match). A locked or empty hash
 * never matches. CRM_EIO for a failing NSS backend.
 */
int crm_shadow_verify(const char *user, const char *password, int *found,
	int *ok, struct crm_error *err) __attribute__((warn_unused_result));

#endif
