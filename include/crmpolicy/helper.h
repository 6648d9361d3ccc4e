/*
 * Who may use crmpolicy_helper: helper_services binds each PAM service to
 * the one unprivileged user allowed to call PAM for it through the helper
 * ("crm-web:www-data, sip:kamailio"). Everyone else is refused and the
 * refusal audited.
 */
#ifndef CRMPOLICY_HELPER_H
#define CRMPOLICY_HELPER_H

#include "crmpolicy/config.h"
#include "crmpolicy/context.h"

/*
 * The key table's check of a helper_services value (canonical list):
 * every item SERVICE:USER. 0 or CRM_EINVAL naming the value.
 */
int crm_helper_check(const char *value, struct crm_error *err);

/* 1 when helper_services binds service to the user named caller. */
int crm_helper_bound(const struct crm_config *cfg, const char *service,
	const char *caller);

/*
 * Whether the process of real uid may use ctx->service through the
 * helper: *allowed = 1, or 0 after a helper.refused audit event (user is
 * the PAM user, may be NULL) in a transaction of its own. An error
 * reading NSS or writing the store is returned; *allowed stays 0.
 */
int crm_helper_admit(const struct crm_ctx *ctx, const char *user, long uid,
	int *allowed, struct crm_error *err) __attribute__((warn_unused_result));

#endif
