/*
 * IP throttling: failures from one address, across every user and
 * service, block the address once ip_deny of them fall within ip_interval.
 * Counting runs inside the caller's BEGIN IMMEDIATE, so concurrent failures
 * are each counted once and exactly one of them starts the block.
 */
#include <stdio.h>
#include <string.h>

#include "crmpolicy/addr.h"
#include "crmpolicy/audit.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/store.h"
#include "crmpolicy/throttle.h"
#include "crmpolicy/utf8.h"

#define KEY_MAX (CRM_RHOST_MAX + 1)

/* Runs a statement without rows and ends its use. */
static int run(struct crm_db *db, struct crm_stmt *st, const char *what,
	struct crm_error *err)
{
	int rc = crm_stmt_step(st);

	crm_stmt_done(st);
	return rc == CRM_STEP_DONE ? CRM_OK : crm_store_error(db, what, err);
}

/* Runs q, a statement without rows whose one parameter is the key. */
static int run_key(struct crm_db *db, enum crm_q q, const char *key,
	const char *what, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	if ((rc = crm_db_prepare(db, q, &st, err)) != CRM_OK)
		return rc;
	crm_bind_text(st, 1, key);
	return run(db, st, what, err);
}

/*
 * The block row of key: *found, *until. A lapsed row is deleted here so
 * that the table only ever holds blocks that may still be in force.
 */
static int block_get(const struct crm_ctx *ctx, const char *key, int *found,
	int64_t *until, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	*found = 0;
	*until = 0;
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_THROTTLE_BLOCK_GET, &st,
			err)) != CRM_OK)
		return rc;
	crm_bind_text(st, 1, key);
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW) {
		*found = 1;
		*until = crm_col_int(st, 0);
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_ROW && rc != CRM_STEP_DONE)
		return crm_store_error(ctx->db, "reading an address block", err);
	if (*found && *until <= ctx->now) {
		*found = 0;
		return run_key(ctx->db, CRM_Q_THROTTLE_BLOCK_DELETE, key,
			"removing a lapsed block", err);
	}
	return CRM_OK;
}

/* Throttling applies to remote logins only, and not when it is off. */
static int applies(const struct crm_ctx *ctx, char *key, size_t len)
{
	crm_addr_key(ctx->rhost ? ctx->rhost : "", key, len);
	return ctx->cfg->num[CRM_K_IP_DENY] > 0 && key[0] != '\0';
}

int crm_throttle_check(const struct crm_ctx *ctx, int *blocked,
	int64_t *until, struct crm_error *err)
{
	char key[KEY_MAX];
	int found;
	int64_t end;
	int rc;

	*blocked = 0;
	if (until != NULL)
		*until = 0;
	if (!applies(ctx, key, sizeof(key)))
		return CRM_OK;
	if ((rc = block_get(ctx, key, &found, &end, err)) != 0)
		return rc;
	*blocked = found;
	if (found && until != NULL)
		*until = end;
	return CRM_OK;
}

int crm_throttle_fail(const struct crm_ctx *ctx, int *blocked_now,
	struct crm_error *err)
{
	const long long deny = ctx->cfg->num[CRM_K_IP_DENY];
	const long long interval = ctx->cfg->num[CRM_K_IP_INTERVAL];
	const int64_t until = ctx->now + ctx->cfg->num[CRM_K_IP_BLOCK_TIME];
	static const char *const what = "counting an address failure";
	struct crm_stmt *st;
	char key[KEY_MAX];
	long long n = 0;
	int64_t end;
	int rc, found;

	*blocked_now = 0;
	if (!applies(ctx, key, sizeof(key)))
		return CRM_OK;
	if ((rc = block_get(ctx, key, &found, &end, err)) != 0)
		return rc;
	if (found)
		/* Already blocked: the row keeps the tally, no new event. */
		return run_key(ctx->db, CRM_Q_THROTTLE_BLOCK_COUNT, key, what,
			err);
	/* Only failures within ip_interval count; older ones go. */
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_THROTTLE_FAILURES_LAPSE, &st,
			err)) != CRM_OK)
		return rc;
	crm_bind_text(st, 1, key);
	crm_bind_int(st, 2, ctx->now - interval);
	if ((rc = run(ctx->db, st, what, err)) != 0)
		return rc;
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_THROTTLE_FAILURE_ADD, &st,
			err)) != CRM_OK)
		return rc;
	crm_bind_text(st, 1, key);
	crm_bind_int(st, 2, ctx->now);
	if ((rc = run(ctx->db, st, what, err)) != 0)
		return rc;
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_THROTTLE_FAILURES_COUNT, &st,
			err)) != CRM_OK)
		return rc;
	crm_bind_text(st, 1, key);
	if (crm_stmt_step(st) == CRM_STEP_ROW)
		n = crm_col_int(st, 0);
	else
		rc = crm_store_error(ctx->db, what, err);
	crm_stmt_done(st);
	if (rc != 0 || n < deny)
		return rc;

	/*
	 * The block row takes over the count, so that once it lapses the
	 * address starts afresh instead of being blocked again at once.
	 */
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_THROTTLE_BLOCK_SET, &st,
			err)) != CRM_OK)
		return rc;
	crm_bind_text(st, 1, key);
	crm_bind_int(st, 2, ctx->now);
	crm_bind_int(st, 3, until);
	crm_bind_int(st, 4, n);
	if ((rc = run(ctx->db, st, "blocking an address", err)) != 0 ||
			(rc = run_key(ctx->db, CRM_Q_THROTTLE_FAILURES_FORGET, key,
				"blocking an address", err)) != 0)
		return rc;
	if (crm_audit_add(ctx, "ip.throttled", NULL, "failures=%lld until=%lld",
			n, (long long)until) != 0)
		return crm_error_set(err, CRM_ESTORE,
			_("cannot write the audit trail"));
	*blocked_now = 1;
	return CRM_OK;
}

int crm_throttle_foreach(const struct crm_ctx *ctx, crm_block_cb cb,
	void *arg, struct crm_error *err)
{
	struct crm_block b;
	struct crm_stmt *st;
	int rc;

	if ((rc = crm_db_prepare(ctx->db, CRM_Q_THROTTLE_BLOCK_LIST, &st,
			err)) != CRM_OK)
		return rc;
	crm_bind_int(st, 1, ctx->now);
	while ((rc = crm_stmt_step(st)) == CRM_STEP_ROW) {
		int r;

		memset(&b, 0, sizeof(b));
		snprintf(b.ip, sizeof(b.ip), "%s", crm_col_text(st, 0));
		b.blocked_at = crm_col_int(st, 1);
		b.until = crm_col_int(st, 2);
		b.failures = (int)crm_col_int(st, 3);
		if ((r = cb(arg, &b)) != 0) {
			crm_stmt_done(st);
			return r;
		}
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_DONE)
		return crm_store_error(ctx->db, "listing address blocks", err);
	return CRM_OK;
}

int crm_throttle_clear(const struct crm_ctx *ctx, const char *ip,
	struct crm_error *err)
{
	char key[KEY_MAX];
	int64_t until;
	int rc, found;

	if (ip == NULL || ip[0] == '\0' || !crm_rhost_valid(ip)) {
		char shown[64];

		crm_printable(ip ? ip : "", shown, sizeof(shown));
		return crm_error_set(err, CRM_EINVAL,
			_("invalid address \"%s\""), shown);
	}
	crm_addr_key(ip, key, sizeof(key));
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	rc = block_get(ctx, key, &found, &until, err);
	if (rc == 0 && !found)
		rc = crm_error_set(err, CRM_ENOENT, _("not blocked: %s"), key);
	if (rc == 0)
		rc = run_key(ctx->db, CRM_Q_THROTTLE_BLOCK_DELETE, key,
			"lifting a block", err);
	if (rc == 0)
		rc = run_key(ctx->db, CRM_Q_THROTTLE_FAILURES_FORGET, key,
			"lifting a block", err);
	if (rc == 0 && crm_audit_add(ctx, "ip.unblock", NULL, "ip=%s", key) != 0)
		rc = crm_error_set(err, CRM_ESTORE,
			_("cannot write the audit trail"));
	if (rc == 0)
		return crm_store_commit(ctx->db, err);
	crm_store_rollback(ctx->db);
	return rc;
}
