/*
 * The audit trail: every security event as one row, inside the caller's
 * transaction so that an event and the change it describes commit together,
 * and one line to the adapter's logger (syslog authpriv).
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "crmpolicy/audit.h"
#include "crmpolicy/store.h"
#include "crmpolicy/utf8.h"

int crm_audit_add(const struct crm_ctx *ctx, const char *event,
	const char *subject, const char *fmt, ...)
{
	char details[1024], psub[CRM_NAME_MAX + 1], phost[CRM_RHOST_MAX + 1];
	char pdet[1024], psvc[128], pact[128];
	const char *rhost = ctx->rhost ? ctx->rhost : "";
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(details, sizeof(details), fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(ctx->db, "INSERT INTO audit(time, event, actor,"
			" subject, service, rhost, details) VALUES(?1, ?2, ?3, ?4, ?5,"
			" ?6, ?7)", -1, &st, NULL) != SQLITE_OK)
		return crm_store_error(ctx->db, "writing the audit trail", NULL);
	sqlite3_bind_int64(st, 1, ctx->now);
	sqlite3_bind_text(st, 2, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ctx->actor ? ctx->actor : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, subject ? subject : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ctx->service ? ctx->service : "", -1,
		SQLITE_STATIC);
	sqlite3_bind_text(st, 6, rhost, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, details, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return CRM_ESTORE;

	crm_printable(subject ? subject : "", psub, sizeof(psub));
	crm_printable(rhost, phost, sizeof(phost));
	crm_printable(details, pdet, sizeof(pdet));
	crm_printable(ctx->service ? ctx->service : "", psvc, sizeof(psvc));
	crm_printable(ctx->actor ? ctx->actor : "", pact, sizeof(pact));
	crm_ctx_log(ctx, LOG_NOTICE, "%s user=%s service=%s rhost=%s actor=%s%s%s",
		event, psub, psvc, phost, pact, pdet[0] ? " " : "", pdet);
	return CRM_OK;
}
