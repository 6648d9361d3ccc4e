/*
 * Known addresses per user: first and last seen and a count, kept
 * known_ip_days after the last use. The first success from an address the
 * user has not used (or not within known_ip_days) is "new".
 */
#ifndef CRMPOLICY_KNOWNIP_H
#define CRMPOLICY_KNOWNIP_H

#include <stdint.h>
#include "crmpolicy/context.h"
#include "crmpolicy/policy.h"

/*
 * Inside the caller's transaction: prunes user's addresses unused for
 * known_ip_days, then records a success from ctx->rhost's key; *is_new = 1
 * when the address was not known (and audits ip.new). Local logins are
 * never new.
 */
int crm_knownip_seen(const struct crm_ctx *ctx, int64_t account_id,
	const char *user, const struct crm_policy *pol, int *is_new,
	struct crm_error *err) __attribute__((warn_unused_result));

struct crm_knownip {
	char user[CRM_NAME_MAX + 1];
	char ip[CRM_RHOST_MAX + 1];
	int64_t first_seen, last_seen;
	long long count;
};
typedef int (*crm_knownip_cb)(void *arg, const struct crm_knownip *k);
/* Known addresses of user (NULL = everyone) still within known_ip_days. */
int crm_knownip_foreach(const struct crm_ctx *ctx, const char *user,
	crm_knownip_cb cb, void *arg, struct crm_error *err)
	__attribute__((warn_unused_result));
/* Forgets ip for user (own transaction, audited as knownip.delete). */
int crm_knownip_delete(const struct crm_ctx *ctx, const char *user,
	const char *ip, struct crm_error *err)
	__attribute__((warn_unused_result));

#endif
