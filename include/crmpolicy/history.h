/*
 * Login history: every authentication attempt with time, user, service,
 * remote address, tty, login type, result and reason, place and whether
 * the address was new. Repeated identical successes within
 * history_merge_seconds update one row's counter.
 */
#ifndef CRMPOLICY_HISTORY_H
#define CRMPOLICY_HISTORY_H

#include <stdint.h>
#include "crmpolicy/context.h"
#include "crmpolicy/geo.h"
#include "crmpolicy/store.h"

/* Login types. */
#define CRM_LOGIN_PASSWORD "password"
#define CRM_LOGIN_STACKED "stacked"
/* The service authenticated the user itself (an SSH key): recorded by
 * account management; sshd's method name ("publickey") when it says it. */
#define CRM_LOGIN_EXTERNAL "external"

struct crm_login {
	int64_t id;
	int64_t time;		/* first attempt of the row */
	int64_t last_time;	/* last attempt merged into the row */
	long long count;
	char user[CRM_NAME_MAX + 1];
	char service[64];
	char rhost[CRM_RHOST_MAX + 1];
	char tty[64];
	char type[32];		/* CRM_LOGIN_* */
	int success;
	char reason[128];	/* "" on success */
	struct crm_place place;
	int new_ip;
};

/*
 * Records one attempt of user at ctx->now from ctx->service/rhost/tty,
 * inside the caller's transaction, merging an identical success within
 * history_merge_seconds. place may be NULL (looked up here). *merged
 * (unless merged is NULL) says whether the success merged into a row.
 */
int crm_history_record(const struct crm_ctx *ctx, const char *user,
	const char *type, int success, const char *reason, int new_ip,
	const struct crm_place *place, int *merged, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * The login type of a success recorded moments ago as `from` by this
 * service and address becomes `to` (sshd names the method that admitted a
 * key login only at session open): the newest such row within
 * CRM_RETYPE_WINDOW seconds is merged into a row of type `to` that
 * history_merge_seconds allows, or else retyped. Inside the caller's
 * transaction; no row is no change.
 */
#define CRM_RETYPE_WINDOW 600
int crm_history_retype(const struct crm_ctx *ctx, const char *user,
	const char *from, const char *to, struct crm_error *err)
	__attribute__((warn_unused_result));

struct crm_login_filter {
	const char *user;	/* NULL = everyone */
	int64_t since, until;	/* 0 = open */
	int failed_only;
};
typedef int (*crm_login_cb)(void *arg, const struct crm_login *l);
/* Matching rows, oldest first. */
int crm_history_foreach(const struct crm_ctx *ctx,
	const struct crm_login_filter *f, crm_login_cb cb, void *arg,
	struct crm_error *err) __attribute__((warn_unused_result));

#endif
