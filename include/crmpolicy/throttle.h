/*
 * IP throttling: ip_deny failures from one address within ip_interval,
 * across all users and services, block that address for ip_block_time.
 * Every function runs inside the caller's BEGIN IMMEDIATE transaction, so
 * concurrent failures are counted exactly.
 */
#ifndef CRMPOLICY_THROTTLE_H
#define CRMPOLICY_THROTTLE_H

#include <stdint.h>
#include "crmpolicy/context.h"

/*
 * 1 in *blocked when ctx->rhost's key (crm_addr_key) is blocked at
 * ctx->now (*until = when the block ends); a lapsed block is removed.
 * Local logins and ip_deny = 0 are never blocked.
 */
int crm_throttle_check(const struct crm_ctx *ctx, int *blocked,
	int64_t *until, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Counts one failure from ctx->rhost; when it makes ip_deny within
 * ip_interval the address is blocked, an ip.throttled event is audited and
 * *blocked_now is 1. Old failures of that address are pruned.
 */
int crm_throttle_fail(const struct crm_ctx *ctx, int *blocked_now,
	struct crm_error *err) __attribute__((warn_unused_result));

struct crm_block {
	char ip[256];
	int64_t blocked_at, until;
	int failures;
};
typedef int (*crm_block_cb)(void *arg, const struct crm_block *b);
/* Blocks in force at ctx->now, by address. */
int crm_throttle_foreach(const struct crm_ctx *ctx, crm_block_cb cb,
	void *arg, struct crm_error *err) __attribute__((warn_unused_result));
/*
 * Lifts the block of ip and forgets its failures (own transaction, audited
 * as ip.unblock). CRM_ENOENT when ip is not blocked.
 */
int crm_throttle_clear(const struct crm_ctx *ctx, const char *ip,
	struct crm_error *err) __attribute__((warn_unused_result));

#endif
