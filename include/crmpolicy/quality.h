/*
 * Password quality: one named reason per failed rule, so that a rejection
 * says which rule failed. History and minimum age are checked by the phase
 * functions (auth.h) because they need the store.
 */
#ifndef CRMPOLICY_QUALITY_H
#define CRMPOLICY_QUALITY_H

#include "crmpolicy/policy.h"

/* Failed rules (bitmask). */
enum {
	CRM_PW_SHORT = 1 << 0,
	CRM_PW_LONG = 1 << 1,
	CRM_PW_NO_LOWER = 1 << 2,
	CRM_PW_NO_UPPER = 1 << 3,
	CRM_PW_NO_DIGIT = 1 << 4,
	CRM_PW_NO_SPECIAL = 1 << 5,
	CRM_PW_USERNAME = 1 << 6,
	CRM_PW_BADWORD = 1 << 7,
	CRM_PW_REUSED = 1 << 8,
	CRM_PW_TOO_SOON = 1 << 9,
	CRM_PW_BAD_UTF8 = 1 << 10,
	CRM_PW_EMPTY = 1 << 11,
};
#define CRM_PW_RULE_COUNT 12

/*
 * Checks password for user against pol (minlen, maxlen, classes,
 * reject_username) and the bad-words file badwords (NULL or missing file =
 * no list; an unreadable existing file is CRM_EIO). Sets *failed to the
 * bitmask of failed rules (0 = acceptable). Returns 0 or an error.
 */
int crm_quality_check(const struct crm_policy *pol, const char *user,
	const char *password, const char *badwords, unsigned *failed,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * The translated, user-facing sentence for one rule bit ("must contain a
 * digit", "must be at least 8 characters long", ...), into buf.
 */
void crm_quality_message(unsigned rule, const struct crm_policy *pol,
	char *buf, size_t len);
/* Short untranslated name of a rule bit for logs and audit ("digit"). */
const char *crm_quality_rule_name(unsigned rule);

#endif
