/*
 * Administration: the changes crmpasswd makes, each one transaction with its
 * audit event naming ctx->actor. Validation happens before any write.
 */
#ifndef CRMPOLICY_ADMIN_H
#define CRMPOLICY_ADMIN_H

#include "crmpolicy/context.h"
#include "crmpolicy/store.h"
#include "crmpolicy/auth.h"
#include "crmpolicy/mfa.h"

/*
 * Adds user with an optional e-mail and store groups (created if missing).
 * With a password (checked against the policy: CRM_EPOLICY with *rules) the
 * account must change it at first login; without one it has no store
 * password (stacked mode). CRM_EEXIST if present.
 */
int crm_admin_user_add(const struct crm_ctx *ctx, const char *user,
	const char *email, const char *const *groups, size_t ngroups,
	const char *password, unsigned *rules, struct crm_error *err)
	__attribute__((warn_unused_result));
int crm_admin_user_del(const struct crm_ctx *ctx, const char *user,
	struct crm_error *err) __attribute__((warn_unused_result));
int crm_admin_user_disable(const struct crm_ctx *ctx, const char *user,
	struct crm_error *err) __attribute__((warn_unused_result));
/* Enables and restarts the inactivity clock; also clears a lock. */
int crm_admin_user_enable(const struct crm_ctx *ctx, const char *user,
	struct crm_error *err) __attribute__((warn_unused_result));
int crm_admin_user_unlock(const struct crm_ctx *ctx, const char *user,
	struct crm_error *err) __attribute__((warn_unused_result));
/* Forces a password change at the next login. */
int crm_admin_user_expire(const struct crm_ctx *ctx, const char *user,
	struct crm_error *err) __attribute__((warn_unused_result));
/* Sets e-mail (verified only when verified != 0; NULL keeps it). */
int crm_admin_user_set_email(const struct crm_ctx *ctx, const char *user,
	const char *email, int verified, struct crm_error *err)
	__attribute__((warn_unused_result));
/*
 * Sets the language user is spoken to in ("" follows the policy): one of
 * crm_lang_known's codes, else CRM_EINVAL and nothing changes.
 */
int crm_admin_user_set_lang(const struct crm_ctx *ctx, const char *user,
	const char *lang, struct crm_error *err)
	__attribute__((warn_unused_result));
/* Admin reset: checks quality (not history/min age), stores, forces change. */
int crm_admin_user_passwd(const struct crm_ctx *ctx, const char *user,
	const char *password, unsigned *rules, struct crm_error *err)
	__attribute__((warn_unused_result));

int crm_admin_group_add(const struct crm_ctx *ctx, const char *group,
	struct crm_error *err) __attribute__((warn_unused_result));
int crm_admin_group_del(const struct crm_ctx *ctx, const char *group,
	struct crm_error *err) __attribute__((warn_unused_result));
int crm_admin_member_add(const struct crm_ctx *ctx, const char *group,
	const char *user, struct crm_error *err)
	__attribute__((warn_unused_result));
int crm_admin_member_del(const struct crm_ctx *ctx, const char *group,
	const char *user, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Sets policy keys for scope "global", "group" or "user" (target = name).
 * Every KEY=VALUE is validated first (policy keys only); nothing is written
 * unless all are valid. The value "default" removes an override.
 */
int crm_admin_policy_set(const struct crm_ctx *ctx, const char *scope,
	const char *target, const char *const *assignments, size_t n,
	struct crm_error *err) __attribute__((warn_unused_result));

/* What `crmpasswd status` shows of one account. */
struct crm_status {
	struct crm_account acct;
	struct crm_policy pol;
	int locked;
	int64_t lock_left;	/* seconds, -1 = until an admin unlocks */
	int64_t expires;	/* time the password expires, 0 = never */
	int inactive_in_days;	/* days until the inactivity limit, -1 none */
	char groups[1024];	/* comma list of effective groups */
	struct crm_mfa_state mfa;	/* TOTP enrolment, recovery codes left */
	int sip;			/* SIP credentials are kept */
	char sip_realm[128];		/* for this realm */
	int64_t sip_changed;		/* since */
};
int crm_admin_status(const struct crm_ctx *ctx, const char *user,
	struct crm_status *st, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Creates the key file cfg key_file if it is missing: 32 random bytes,
 * mode 0600, never through a symlink. An existing key file is checked
 * instead (regular, owned by root, no group/other access): CRM_EKEY.
 */
int crm_admin_init(const struct crm_config *cfg, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Checks an e-mail address as every account change does: 0, or
 * CRM_EINVAL with err naming the address (shown printable).
 */
int crm_admin_email_check(const char *email, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * 1 if uid may administrate: root, or a member of cfg admin_group.
 */
int crm_admin_allowed(const struct crm_config *cfg, long uid);

#endif
