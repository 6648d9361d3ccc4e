/*
 * The shadow entry of a user, read once per phase by the phases that need
 * the age of a password kept in /etc/shadow or its current hash. Every
 * buffer that held the entry is wiped.
 */
#include <errno.h>
#include <shadow.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/i18n.h"
#include "crmpolicy/nss.h"
#include "crmpolicy/pwhash.h"
#include "crmpolicy/shadow.h"

struct sp_query {
	const char *name;
	struct spwd sp, *res;
};

static int sp_lookup(void *arg, char *buf, size_t len)
{
	struct sp_query *q = arg;

	return getspnam_r(q->name, &q->sp, buf, len, &q->res);
}

int crm_shadow_get(const char *user, struct crm_shadow *sp,
	struct crm_error *err)
{
	struct sp_query q = { user, { 0 }, NULL };
	size_t len;
	char *buf;
	int rc;

	memset(sp, 0, sizeof(*sp));
	sp->lstchg = -1;
	errno = 0;
	rc = crm_nss_call(sp_lookup, &q, _SC_GETPW_R_SIZE_MAX, &buf, &len);
	if (q.res != NULL) {
		size_t n = q.sp.sp_pwdp != NULL ? strlen(q.sp.sp_pwdp) : 0;

		sp->found = 1;
		sp->lstchg = q.sp.sp_lstchg;
		if (n < sizeof(sp->hash))
			memcpy(sp->hash, q.sp.sp_pwdp, n + 1);
	}
	sodium_memzero(&q.sp, sizeof(q.sp));
	crm_nss_free(buf, len);
	if (q.res != NULL)
		return CRM_OK;
	if (rc == ENOMEM)
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	/* Not root: the files backend cannot open /etc/shadow. */
	if (crm_nss_not_found(rc) || rc == EACCES)
		return CRM_OK;
	return crm_error_set(err, CRM_EIO,
		_("cannot read the shadow entry of '%s': %s"), user,
		strerror(rc));
}

void crm_shadow_wipe(struct crm_shadow *sp)
{
	sodium_memzero(sp, sizeof(*sp));
}

int crm_shadow_verify(const char *user, const char *password, int *found,
	int *ok, struct crm_error *err)
{
	struct crm_shadow sp;
	int r = crm_shadow_get(user, &sp, err);

	*found = sp.found;
	*ok = r == CRM_OK && sp.found && password != NULL &&
		crm_pwhash_verify(sp.hash, password);
	crm_shadow_wipe(&sp);
	return r;
}
