/*
 * System account lookups (NSS) shared by the core: whether a name is a
 * system user, its uid and primary gid. Thread-safe (the _r functions).
 */
#ifndef CRMPOLICY_NSS_H
#define CRMPOLICY_NSS_H

#include <sys/types.h>
#include "crmpolicy/error.h"

/*
 * Looks user up. *found = 0 when NSS does not know the name; uid and gid
 * may be NULL. An NSS failure other than "not found" is CRM_EIO.
 */
int crm_nss_user(const char *user, uid_t *uid, gid_t *gid, int *found,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * The name of uid into name (len bytes). *found = 0 when NSS has no user
 * with that uid (or the name does not fit); a failing backend is CRM_EIO.
 */
int crm_nss_uid_name(uid_t uid, char *name, size_t len, int *found,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * Calls cb with the name of each NSS group of user (getgrouplist order,
 * primary group included); nothing when user is not an NSS account.
 * A non-zero cb return stops and is returned.
 */
int crm_nss_groups(const char *user, int (*cb)(void *arg, const char *name),
	void *arg, struct crm_error *err) __attribute__((warn_unused_result));

/*
 * crm_nss_groups that also says whether user is an NSS account (*found)
 * and its uid, from the one lookup.
 */
int crm_nss_user_groups(const char *user, uid_t *uid, int *found,
	int (*cb)(void *arg, const char *name), void *arg,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * *exists = 1 when NSS knows group; a failing backend is CRM_EIO, never
 * an answer.
 */
int crm_nss_group_exists(const char *group, int *exists,
	struct crm_error *err) __attribute__((warn_unused_result));

/* 1 if user is a member (primary or supplementary) of NSS group. */
int crm_nss_in_group(const char *user, const char *group,
	struct crm_error *err);

/*
 * The buffer of one NSS _r lookup: calls lookup(arg, buf, len) with a
 * buffer of sysconf(sc) bytes, twice as large while it answers ERANGE (up
 * to a megabyte). Returns lookup's last answer (0, or an errno value) or
 * ENOMEM; *bufp (*lenp bytes) holds what the results point into, for the
 * caller to release with crm_nss_free.
 */
int crm_nss_call(int (*lookup)(void *arg, char *buf, size_t len), void *arg,
	int sc, char **bufp, size_t *lenp);
/* Wipes and frees a buffer of crm_nss_call (NULL is fine). */
void crm_nss_free(char *buf, size_t len);
/*
 * 1 when a lookup that found nothing answered "no such entry" (0, or an
 * errno value some backends give for it), 0 when the backend failed.
 */
int crm_nss_not_found(int rc);

#endif
