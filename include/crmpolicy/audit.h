/*
 * The audit trail: one row per security event with time, actor, subject,
 * service, remote address and details, written inside the caller's
 * transaction and echoed to the adapter's logger (syslog authpriv).
 * The table keeps prev_hash/hash columns for a chain of rows.
 */
#ifndef CRMPOLICY_AUDIT_H
#define CRMPOLICY_AUDIT_H

#include "crmpolicy/context.h"

/*
 * Appends event (e.g. "login.failure") about subject (may be NULL) with
 * printf-style details. Hostile text is stored as given (bound parameter)
 * and made printable in the log line. Returns 0 or CRM_ESTORE.
 */
int crm_audit_add(const struct crm_ctx *ctx, const char *event,
	const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), warn_unused_result));

#endif
