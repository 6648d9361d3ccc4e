/*
 * Policy resolution: user -> groups (strictest wins) -> module argument ->
 * global override in the store -> crmpolicy.conf -> built-in default, with
 * the source of every effective value for `policy show --explain`.
 */
#ifndef CRMPOLICY_POLICY_H
#define CRMPOLICY_POLICY_H

#include "crmpolicy/config.h"
#include "crmpolicy/lang.h"
#include "crmpolicy/context.h"
#include "crmpolicy/store.h"	/* crm_name_cb */

struct crm_policy {
	long long num[CRM_K_COUNT];	/* only policy keys are meaningful */
	char text[CRM_PT_COUNT][CRM_PT_MAX];	/* text policy keys, by slot */
	char source[CRM_K_COUNT][CRM_SOURCE_MAX];
	/* crm_policy_resolve: the user is root or an NSS member of
	 * admin_group, whose locks lift after admin_unlock_time */
	int admin;
	/* crm_policy_resolve: whether the user is root, known without
	 * another NSS lookup (root_known = 0: look it up when needed) */
	int root;
	int root_known;
	/* crm_policy_resolve: whether NSS knows the user at all */
	int nss;
};

/*
 * A cache of resolved policies for a caller that resolves the same users
 * many times a second (the registrar daemon), or one user in each phase
 * of a PAM transaction (the module, per handle): with
 * ctx->pcache set, crm_policy_resolve answers a user resolved less than
 * ttl seconds ago (by ctx->now) from it, so a policy change reaches such
 * a caller within ttl seconds. slots policies are kept, by user name.
 */
struct crm_policy_cache;
int crm_policy_cache_new(size_t slots, int ttl, struct crm_policy_cache **pc,
	struct crm_error *err) __attribute__((warn_unused_result));
void crm_policy_cache_free(struct crm_policy_cache *pc);
/*
 * The same cache keeps crm_govern_user's answer for a user, as long:
 * returns 1 and sets *governed when it has a fresh one.
 */
int crm_policy_cache_governed(const struct crm_ctx *ctx, const char *user,
	int *governed);
void crm_policy_cache_set_governed(const struct crm_ctx *ctx,
	const char *user, int governed);

/* Whether pol's user, named name, is root: pol's word, or NSS's. */
int crm_policy_is_root(const struct crm_policy *pol, const char *name);

/* The stricter of a and b for key k (per crm_keyinfo.strict). */
long long crm_policy_stricter(enum crm_key k, long long a, long long b);

/*
 * Resolves the effective policy of user (who need not be in the store; NSS
 * groups still apply), and whether user is an administrator (pol->admin:
 * root, or a member of admin_group among the NSS groups). Every stored
 * override is re-validated: a bad row is CRM_ESTORE naming scope, target
 * and key. Returns 0 or an error.
 */
int crm_policy_resolve(const struct crm_ctx *ctx, const char *user,
	struct crm_policy *pol, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * crm_policy_resolve without the cache that also calls cb for each of
 * the user's groups, in crm_policy_groups' order, from the same NSS
 * lookup: for a report over every account, one lookup per account.
 */
int crm_policy_resolve_groups(const struct crm_ctx *ctx, const char *user,
	struct crm_policy *pol, crm_name_cb cb, void *arg,
	struct crm_error *err) __attribute__((warn_unused_result));

/* The effective policy of a group (group override over the global level). */
int crm_policy_resolve_group(const struct crm_ctx *ctx, const char *group,
	struct crm_policy *pol, struct crm_error *err)
	__attribute__((warn_unused_result));

/* The global level: module argument / store global / conf / default. */
int crm_policy_resolve_global(const struct crm_ctx *ctx,
	struct crm_policy *pol, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * The language user is spoken to in: the account's own lang, else the
 * lang of its policy (a group's or the global one); "" is English. A user
 * without an account gets the policy's. Reads in a transaction of its
 * own unless one is open.
 */
int crm_user_lang(const struct crm_ctx *ctx, const char *user,
	char out[CRM_LANG_MAX + 1], struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Calls cb once for each group of user: the system groups (getgrouplist,
 * when user is an NSS account) and the store groups, without duplicates.
 */
int crm_policy_groups(const struct crm_ctx *ctx, const char *user,
	crm_name_cb cb, void *arg, struct crm_error *err)
	__attribute__((warn_unused_result));

#endif
