/*
 * The compliance report behind `crmpasswd check`: what is wrong with the
 * configuration, the files, every account and the backups, each finding
 * with a severity and a stable machine code. The checks only read; the
 * caller prints.
 */
#ifndef CRMPOLICY_COMPLIANCE_H
#define CRMPOLICY_COMPLIANCE_H

#include <stddef.h>
#include <stdint.h>

#include "crmpolicy/config.h"
#include "crmpolicy/context.h"
#include "crmpolicy/error.h"

enum crm_severity {
	CRM_SEV_WARNING = 1,	/* needs attention; the policy still holds */
	CRM_SEV_CRITICAL = 2,	/* the policy does not hold, or logins fail */
};

/*
 * One finding. code is one of the stable words below (a static string);
 * user and file are NULL when the finding is not about one; message is
 * a translated sentence that says what is wrong and what to do.
 */
struct crm_finding {
	enum crm_severity severity;
	const char *code;
	char *user;
	char *file;
	char *message;
};

/* The codes, as crmpasswd(1) documents them. */
#define CRM_FIND_CONFIG "config"
#define CRM_FIND_UNSAFE_FILE "unsafe_file"
#define CRM_FIND_ACCOUNTS_SKIPPED "accounts_skipped"
#define CRM_FIND_ACCOUNT_ERROR "account_error"
#define CRM_FIND_MUST_CHANGE "must_change"
#define CRM_FIND_EXPIRED "expired"
#define CRM_FIND_EXPIRING "expiring"
#define CRM_FIND_NEVER_USED "never_used"
#define CRM_FIND_NEAR_INACTIVE "near_inactive"
#define CRM_FIND_INACTIVE "inactive"
#define CRM_FIND_LOCKED "locked"
#define CRM_FIND_NO_SECOND_FACTOR "no_second_factor"
#define CRM_FIND_ADMIN_WITHOUT_MFA "admin_without_mfa"
#define CRM_FIND_NO_BACKUP "no_backup"
#define CRM_FIND_OLD_BACKUP "old_backup"

/* The findings of one report, in the order they were found. */
struct crm_findings {
	size_t n, cap;
	struct crm_finding *items;
	size_t critical, warnings;	/* counts by severity */
};

void crm_findings_init(struct crm_findings *f);
void crm_findings_free(struct crm_findings *f);

/*
 * Appends a finding (user and file may be NULL; they and the formatted
 * message are copied). Returns 0 or CRM_ENOMEM.
 */
int crm_findings_add(struct crm_findings *f, enum crm_severity sev,
	const char *code, const char *user, const char *file,
	const char *fmt, ...) __attribute__((format(printf, 6, 7)))
	__attribute__((warn_unused_result));

/* "critical" or "warning". */
const char *crm_severity_name(enum crm_severity sev);

/*
 * The configuration's problems, as crm_config_load left them in probs
 * after returning conf_rc: one critical "config" finding each (the module
 * refuses every login with a configuration it cannot parse), or one from
 * conf_err when conf_rc is not 0 and probs says nothing. 0 or CRM_ENOMEM.
 */
int crm_compliance_config(const struct crm_problems *probs, int conf_rc,
	const struct crm_error *conf_err, struct crm_findings *out)
	__attribute__((warn_unused_result));

/*
 * Owners and modes of the files the policy rests on, each a critical
 * "unsafe_file" when it is a symbolic link, not owned by root, or open
 * to others: the key file and the store (missing, or any access for
 * group or others), the store's directory and the backup directory
 * (writable by group or others; a missing backup directory is left to
 * the backup checks), and conf_path unless NULL (writable by group or
 * others). Returns 0 or CRM_ENOMEM.
 */
int crm_compliance_files(const struct crm_config *cfg, const char *conf_path,
	struct crm_findings *out, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Every account of ctx's store at ctx->now, with its resolved policy
 * (accounts an administrator disabled are skipped):
 *   warning  inactive       disabled for inactivity, or past inactive_days
 *                           (the next login disables it); never root
 *   warning  near_inactive  within warn_days of inactive_days; never root
 *   warning  locked         locked by the lockout (as the next login finds it)
 *   warning  must_change    must change the password at the next login
 *   warning  expired        the password expired (not with must_change)
 *   warning  expiring       expires within warn_days (not with must_change)
 *   warning  never_used     no login since it was created at least
 *                           warn_days (at least one) days ago
 *   critical no_second_factor  the policy asks a second factor the account
 *                           cannot give (crm_mfa_decide refuses): every
 *                           login of it fails
 *   critical admin_without_mfa  a member of admin_group (NSS) whose logins
 *                           need no second factor
 *   critical account_error  the account could not be checked (a bad
 *                           policy override, an NSS failure)
 * Returns 0, or an error when the accounts cannot be listed at all.
 */
int crm_compliance_accounts(const struct crm_ctx *ctx,
	struct crm_findings *out, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * The backups at now, unless backup_warn_days is 0: a warning "no_backup"
 * when there is none, "old_backup" when the newest is backup_warn_days or
 * more old (by crm_backup_newest); a backup directory that cannot be read
 * is a "no_backup" saying why. Returns 0 or CRM_ENOMEM.
 */
int crm_compliance_backup(const struct crm_config *cfg, int64_t now,
	struct crm_findings *out, struct crm_error *err)
	__attribute__((warn_unused_result));

#endif
