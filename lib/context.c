/*
 * The per-call context: opens the store named by the configuration and
 * carries the clock, the actor and the adapter's logger. Nothing here is
 * global, so concurrent calls in one daemon never share state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <sodium.h>

#include "crmpolicy/audit.h"
#include "crmpolicy/context.h"
#include "crmpolicy/key.h"
#include "crmpolicy/store.h"

int crm_ctx_open(struct crm_ctx *ctx, const struct crm_config *cfg,
	int flags, struct crm_error *err)
{
	int r;

	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = cfg;
	ctx->now = (int64_t)time(NULL);
	ctx->caller_uid = -1;
	ctx->admit_wait_ms = CRM_ADMIT_WAIT_MS;
	ctx->actor = "";
	ctx->service = "";
	/* Hosts sharing a store tell their audit rows apart by this. */
	if (cfg->str[CRM_K_HOST_NAME] != NULL && cfg->str[CRM_K_HOST_NAME][0])
		snprintf(ctx->host, sizeof(ctx->host), "%s",
			cfg->str[CRM_K_HOST_NAME]);
	else if (gethostname(ctx->host, sizeof(ctx->host) - 1) != 0)
		ctx->host[0] = '\0';
	if ((flags & CRM_OPEN_CREATE) && (r = crm_key_create(cfg, err)) != 0)
		return r;
	if ((r = crm_key_load(cfg, ctx->key, err)) != CRM_OK)
		return r;
	crm_key_derive(ctx->key, CRM_AUDIT_SUBKEY, ctx->audit_key);
	ctx->keyed = 1;
	r = crm_store_open(cfg->str[CRM_K_DB], (flags & CRM_OPEN_CREATE) != 0,
		&ctx->db, err);
	if (r == CRM_OK)
		r = crm_audit_adopt(ctx->db, ctx->audit_key, err);
	if (r == CRM_OK && (flags & CRM_OPEN_LOGIN))
		crm_db_defer_writes(ctx->db);
	if (r != CRM_OK)
		crm_ctx_close(ctx);
	return r;
}

void crm_ctx_close(struct crm_ctx *ctx)
{
	if (ctx->db != NULL)
		crm_store_close(ctx->db);
	ctx->db = NULL;
	sodium_memzero(ctx->key, sizeof(ctx->key));
	sodium_memzero(ctx->audit_key, sizeof(ctx->audit_key));
	ctx->keyed = 0;
}

const unsigned char *crm_ctx_key(const struct crm_ctx *ctx,
	struct crm_error *err)
{
	if (ctx->keyed)
		return ctx->key;
	crm_error_set(err, CRM_EKEY, "the store was opened without its key");
	return NULL;
}

void crm_ctx_log(const struct crm_ctx *ctx, int priority, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (ctx->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->log(ctx->log_arg, priority, msg);
}
