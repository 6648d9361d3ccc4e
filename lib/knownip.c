/*
 * Known addresses per user: when each was first and last used and how
 * often. An address unused for known_ip_days is forgotten, so a login from
 * it is new again. known_ip_days = 0 keeps addresses for ever.
 */
#include <stdio.h>
#include <string.h>

#include "crmpolicy/addr.h"
#include "crmpolicy/audit.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/knownip.h"
#include "crmpolicy/store.h"
#include "crmpolicy/utf8.h"

#define DAY_SECONDS 86400LL

/* The oldest last_seen still known under days; 0 = no limit. */
static int64_t cutoff(const struct crm_ctx *ctx, long long days)
{
	return days > 0 ? ctx->now - days * DAY_SECONDS : 0;
}

static int audited(int rc, struct crm_error *err)
{
	if (rc != 0)
		return crm_error_set(err, rc, _("cannot write the audit trail"));
	return 0;
}

/*
 * Runs q with ?1 = account_id, ?2 = key and ?3 = now; *changes gets the
 * rows it changed.
 */
static int exec_key(const struct crm_ctx *ctx, enum crm_q q,
	int64_t account_id, const char *key, const char *what,
	int64_t *changes, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	if ((rc = crm_db_prepare(ctx->db, q, &st, err)) != CRM_OK)
		return rc;
	crm_bind_int(st, 1, account_id);
	crm_bind_text(st, 2, key);
	crm_bind_int(st, 3, ctx->now);
	rc = crm_stmt_step(st);
	*changes = rc == CRM_STEP_DONE ? crm_stmt_changes(st) : 0;
	crm_stmt_done(st);
	if (rc != CRM_STEP_DONE)
		return crm_store_error(ctx->db, what, err);
	return CRM_OK;
}

int crm_knownip_seen(const struct crm_ctx *ctx, int64_t account_id,
	const char *user, const struct crm_policy *pol, int *is_new,
	struct crm_error *err)
{
	static const char *const what = "recording a known address";
	const long long days = pol->num[CRM_K_KNOWN_IP_DAYS];
	char key[CRM_RHOST_MAX + 1];
	struct crm_stmt *st;
	int64_t changes;
	int rc;

	*is_new = 0;
	/* Pruning only this account's rows keeps the work per login bounded. */
	if (days > 0) {
		if ((rc = crm_db_prepare(ctx->db, CRM_Q_KNOWNIP_PRUNE, &st,
				err)) != CRM_OK)
			return rc;
		crm_bind_int(st, 1, account_id);
		crm_bind_int(st, 2, cutoff(ctx, days));
		rc = crm_stmt_step(st);
		crm_stmt_done(st);
		if (rc != CRM_STEP_DONE)
			return crm_store_error(ctx->db, what, err);
	}
	crm_addr_key(ctx->rhost ? ctx->rhost : "", key, sizeof(key));
	if (key[0] == '\0')
		return CRM_OK;

	if ((rc = exec_key(ctx, CRM_Q_KNOWNIP_TOUCH, account_id, key, what,
			&changes, err)) != CRM_OK)
		return rc;
	if (changes > 0)
		return CRM_OK;
	if ((rc = exec_key(ctx, CRM_Q_KNOWNIP_INSERT, account_id, key, what,
			&changes, err)) != CRM_OK)
		return rc;
	if ((rc = audited(crm_audit_add(ctx, "ip.new", user, "ip=%s", key),
			err)) != 0)
		return rc;
	*is_new = 1;
	return CRM_OK;
}

static void copy_text(char *dst, size_t len, struct crm_stmt *st, int col)
{
	snprintf(dst, len, "%s", crm_col_text(st, col));
}

static int check_user(const char *user, struct crm_error *err)
{
	if (!crm_name_valid(user)) {
		char shown[64];

		crm_printable(user, shown, sizeof(shown));
		return crm_error_set(err, CRM_EINVAL,
			_("invalid user name \"%s\""), shown);
	}
	return 0;
}

int crm_knownip_foreach(const struct crm_ctx *ctx, const char *user,
	crm_knownip_cb cb, void *arg, struct crm_error *err)
{
	static const char *const what = "listing known addresses";
	struct crm_account a;
	struct crm_policy pol;
	struct crm_knownip k;
	struct crm_stmt *st;
	int rc;

	if (user != NULL) {
		if ((rc = check_user(user, err)) != 0)
			return rc;
		rc = crm_account_get(ctx->db, user, &a, err);
		if (rc == CRM_ENOENT)
			return crm_error_set(err, rc,
				_("no such user in the store: %s"), user);
		if (rc != 0)
			return rc;
		rc = crm_policy_resolve(ctx, user, &pol, err);
	} else {
		rc = crm_policy_resolve_global(ctx, &pol, err);
	}
	if (rc != 0)
		return rc;
	if ((rc = crm_db_prepare(ctx->db, user != NULL ?
			CRM_Q_KNOWNIP_LIST_USER : CRM_Q_KNOWNIP_LIST, &st,
			err)) != CRM_OK)
		return rc;
	if (user != NULL)
		crm_bind_text(st, 1, user);
	crm_bind_int(st, 2, cutoff(ctx, pol.num[CRM_K_KNOWN_IP_DAYS]));
	while ((rc = crm_stmt_step(st)) == CRM_STEP_ROW) {
		int r;

		memset(&k, 0, sizeof(k));
		copy_text(k.user, sizeof(k.user), st, 0);
		copy_text(k.ip, sizeof(k.ip), st, 1);
		k.first_seen = crm_col_int(st, 2);
		k.last_seen = crm_col_int(st, 3);
		k.count = crm_col_int(st, 4);
		if ((r = cb(arg, &k)) != 0) {
			crm_stmt_done(st);
			return r;
		}
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_DONE)
		return crm_store_error(ctx->db, what, err);
	return CRM_OK;
}

int crm_knownip_delete(const struct crm_ctx *ctx, const char *user,
	const char *ip, struct crm_error *err)
{
	static const char *const what = "forgetting a known address";
	struct crm_account a;
	char key[CRM_RHOST_MAX + 1];
	struct crm_stmt *st;
	int64_t changes = 0;
	int rc;

	if ((rc = check_user(user ? user : "", err)) != 0)
		return rc;
	if (ip == NULL || ip[0] == '\0' || !crm_rhost_valid(ip)) {
		char shown[64];

		crm_printable(ip ? ip : "", shown, sizeof(shown));
		return crm_error_set(err, CRM_EINVAL,
			_("invalid address \"%s\""), shown);
	}
	crm_addr_key(ip, key, sizeof(key));
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	rc = crm_account_get(ctx->db, user, &a, err);
	if (rc == CRM_ENOENT)
		crm_error_set(err, rc, _("no such user in the store: %s"), user);
	if (rc == 0)
		rc = crm_db_prepare(ctx->db, CRM_Q_KNOWNIP_DELETE, &st, err);
	if (rc == 0) {
		crm_bind_int(st, 1, a.id);
		crm_bind_text(st, 2, key);
		if (crm_stmt_step(st) == CRM_STEP_DONE)
			changes = crm_stmt_changes(st);
		else
			rc = crm_store_error(ctx->db, what, err);
		crm_stmt_done(st);
	}
	if (rc == 0 && changes == 0)
		rc = crm_error_set(err, CRM_ENOENT,
			_("%s is not a known address of %s"), key, user);
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, "knownip.delete", user, "ip=%s",
			key), err);
	if (rc == 0)
		return crm_store_commit(ctx->db, err);
	crm_store_rollback(ctx->db);
	return rc;
}
