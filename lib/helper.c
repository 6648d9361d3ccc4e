/*
 * The helper's door: a caller without root reaches the store only for the
 * PAM services helper_services binds to its user. The binding is checked
 * against the real uid, which the caller cannot choose.
 */
#include <stdio.h>
#include <string.h>

#include "crmpolicy/audit.h"
#include "crmpolicy/helper.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/nss.h"
#include "crmpolicy/store.h"
#include "crmpolicy/utf8.h"

/* A helper_services item: SERVICE:USER, both non-empty, one colon. */
static int pair_item(void *arg, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);

	(void)arg;
	if (colon == NULL || colon == s || colon == s + n - 1 ||
			memchr(colon + 1, ':', n - (size_t)(colon - s) - 1) != NULL)
		return -1;
	return 0;
}

int crm_helper_check(const char *value, struct crm_error *err)
{
	if (value[0] != '\0' && crm_list_walk(value, pair_item, NULL) != 0)
		return crm_error_set(err, CRM_EINVAL,
			_("helper_services: '%s' is not a list of SERVICE:USER pairs"),
			value);
	return CRM_OK;
}

int crm_helper_bound(const struct crm_config *cfg, const char *service,
	const char *caller)
{
	const char *p = cfg->str[CRM_K_HELPER_SERVICES];
	size_t ns, nc;

	if (p == NULL || service == NULL || caller == NULL)
		return 0;
	ns = strlen(service);
	nc = strlen(caller);
	/* The setter keeps the list canonical: "svc:user,svc:user". */
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (n == ns + 1 + nc && memcmp(p, service, ns) == 0 &&
				p[ns] == ':' && memcmp(p + ns + 1, caller, nc) == 0)
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

int crm_helper_admit(const struct crm_ctx *ctx, const char *user, long uid,
	int *allowed, struct crm_error *err)
{
	char caller[CRM_NAME_MAX + 1] = "", shown[64];
	int r, found = 0;

	*allowed = 0;
	if (uid >= 0 && (r = crm_nss_uid_name((uid_t)uid, caller,
			sizeof(caller), &found, err)) != CRM_OK)
		return r;
	if (found && crm_helper_bound(ctx->cfg, ctx->service, caller)) {
		*allowed = 1;
		return CRM_OK;
	}
	crm_printable(user != NULL ? user : "", shown, sizeof(shown));
	if ((r = crm_store_begin(ctx->db, err)) != CRM_OK)
		return r;
	if (crm_audit_add(ctx, "helper.refused", shown, "uid=%ld caller=%s",
			uid, found ? caller : "?")) {
		r = crm_store_error(ctx->db, "writing the audit trail", err);
		crm_store_rollback(ctx->db);
		return r;
	}
	return crm_store_commit(ctx->db, err);
}
