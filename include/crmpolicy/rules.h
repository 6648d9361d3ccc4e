/*
 * Source-IP rules: an ordered list (priority, name, scope, services,
 * network, action) evaluated first match wins, ending in the default row
 * (ip_default, or `crmpasswd rule default`). Disabled rows are skipped.
 */
#ifndef CRMPOLICY_RULES_H
#define CRMPOLICY_RULES_H

#include "crmpolicy/context.h"
#include "crmpolicy/store.h"

#define CRM_RULE_NAME_MAX 64

enum crm_rule_action { CRM_RULE_ALLOW, CRM_RULE_DENY, CRM_RULE_DISABLED };

struct crm_rule {
	int64_t id;
	char name[CRM_RULE_NAME_MAX + 1];
	long long priority;
	char scope[CRM_NAME_MAX + 8];	/* "all", "group:G", "user:U" */
	char services[512];		/* "" = every service, else "a,b" */
	char network[64];		/* canonical: CIDR, address, "any", "local" */
	enum crm_rule_action action;
};

/* Parses "allow", "deny", "disabled"; -1 otherwise. */
int crm_rule_action_parse(const char *word);
const char *crm_rule_action_name(enum crm_rule_action a);

/*
 * Validates r's name (printable, no spaces, <= 64 bytes), scope, services
 * (PAM service names, comma list; "all" or "" = every service), network
 * (canonicalised in place) and action. CRM_EINVAL names the field.
 */
int crm_rule_validate(struct crm_rule *r, struct crm_error *err)
	__attribute__((warn_unused_result));

/* The effective default action (module argument > rule default > conf). */
int crm_rules_default(const struct crm_ctx *ctx, enum crm_rule_action *act,
	char *source, size_t len, struct crm_error *err)
	__attribute__((warn_unused_result));

/* The outcome of an evaluation. */
struct crm_rule_decision {
	enum crm_rule_action action;	/* allow or deny */
	char rule[CRM_RULE_NAME_MAX + 1];	/* deciding rule, "default" for the final row */
	long long priority;
};

/*
 * Evaluates the rules for user (whose groups come from crm_policy_groups),
 * service and rhost (NULL/"" = local). Reads inside or outside a
 * transaction. Returns 0 or a store error (the caller denies).
 */
int crm_rules_decide(const struct crm_ctx *ctx, const char *user,
	const char *service, const char *rhost, struct crm_rule_decision *d,
	struct crm_error *err) __attribute__((warn_unused_result));

typedef int (*crm_rule_cb)(void *arg, const struct crm_rule *r);
/* Every rule in evaluation order (priority, then id). */
int crm_rules_foreach(const struct crm_ctx *ctx, crm_rule_cb cb, void *arg,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * Administration, each one transaction with a rule.change audit event.
 * crm_rules_add: priority < 0 means after the last rule (last + 10).
 * When guard_rhost is set (the admin's own address, from SSH_CONNECTION)
 * and the change (an added, deleted or moved rule, a new default) would
 * turn an allowed login of guard_user from there (service "sshd") into a
 * denied one, it is refused with CRM_EPERM and a message saying why,
 * unless force.
 */
int crm_rules_add(const struct crm_ctx *ctx, struct crm_rule *r,
	const char *guard_user, const char *guard_rhost, int force,
	struct crm_error *err) __attribute__((warn_unused_result));
int crm_rules_del(const struct crm_ctx *ctx, const char *name,
	const char *guard_user, const char *guard_rhost, int force,
	struct crm_error *err) __attribute__((warn_unused_result));
int crm_rules_move(const struct crm_ctx *ctx, const char *name,
	long long priority, const char *guard_user, const char *guard_rhost,
	int force, struct crm_error *err) __attribute__((warn_unused_result));
int crm_rules_set_default(const struct crm_ctx *ctx, enum crm_rule_action act,
	const char *guard_user, const char *guard_rhost, int force,
	struct crm_error *err) __attribute__((warn_unused_result));

#endif
