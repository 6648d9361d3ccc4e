/*
 * System account lookups through NSS, with growing buffers for backends
 * that answer ERANGE, and a clear line between "not found" (an answer) and
 * a failing backend (an error the caller must not take as "no").
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/i18n.h"
#include "crmpolicy/nss.h"

/* Upper bound for NSS buffers, against a backend that keeps saying ERANGE. */
#define NSS_BUF_MAX (1024 * 1024)

static size_t bufsize(int name)
{
	long n = sysconf(name);

	return n > 0 && n < NSS_BUF_MAX ? (size_t)n : 1024;
}

int crm_nss_not_found(int rc)
{
	return rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
	    rc == EPERM;
}

void crm_nss_free(char *buf, size_t len)
{
	if (buf == NULL)
		return;
	sodium_memzero(buf, len);
	free(buf);
}

int crm_nss_call(int (*lookup)(void *arg, char *buf, size_t len), void *arg,
	int sc, char **bufp, size_t *lenp)
{
	size_t len = bufsize(sc);
	int rc;

	*bufp = NULL;
	*lenp = 0;
	for (;;) {
		/*
		 * A fresh buffer each time: the old one is wiped, not left
		 * behind by realloc, as a shadow entry may have been in it.
		 */
		crm_nss_free(*bufp, *lenp);
		*lenp = 0;
		if ((*bufp = malloc(len)) == NULL)
			return ENOMEM;
		*lenp = len;
		rc = lookup(arg, *bufp, len);
		if (rc != ERANGE || len >= NSS_BUF_MAX)
			return rc;
		len *= 2;
	}
}

struct pw_query {
	const char *name;	/* by name when set, else by uid */
	uid_t uid;
	struct passwd pw, *res;
};

static int pw_lookup(void *arg, char *buf, size_t len)
{
	struct pw_query *q = arg;

	return q->name != NULL ? getpwnam_r(q->name, &q->pw, buf, len, &q->res) :
		getpwuid_r(q->uid, &q->pw, buf, len, &q->res);
}

int crm_nss_user(const char *user, uid_t *uid, gid_t *gid, int *found,
	struct crm_error *err)
{
	struct pw_query q = { user, 0, { 0 }, NULL };
	size_t len;
	char *buf;
	int rc;

	*found = 0;
	rc = crm_nss_call(pw_lookup, &q, _SC_GETPW_R_SIZE_MAX, &buf, &len);
	if (q.res != NULL) {
		*found = 1;
		if (uid != NULL)
			*uid = q.pw.pw_uid;
		if (gid != NULL)
			*gid = q.pw.pw_gid;
	}
	crm_nss_free(buf, len);
	if (rc == ENOMEM && q.res == NULL)
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	if (q.res == NULL && !crm_nss_not_found(rc))
		return crm_error_set(err, CRM_EIO,
			_("cannot look up user '%s': %s"), user, strerror(rc));
	return CRM_OK;
}

int crm_nss_uid_name(uid_t uid, char *name, size_t len, int *found,
	struct crm_error *err)
{
	struct pw_query q = { NULL, uid, { 0 }, NULL };
	size_t blen;
	char *buf;
	int rc;

	*found = 0;
	rc = crm_nss_call(pw_lookup, &q, _SC_GETPW_R_SIZE_MAX, &buf, &blen);
	if (q.res != NULL &&
			(size_t)snprintf(name, len, "%s", q.pw.pw_name) < len)
		*found = 1;
	crm_nss_free(buf, blen);
	if (rc == ENOMEM && q.res == NULL)
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	if (q.res == NULL && !crm_nss_not_found(rc))
		return crm_error_set(err, CRM_EIO, _("cannot look up uid %lu: %s"),
			(unsigned long)uid, strerror(rc));
	return CRM_OK;
}

struct gr_query {
	const char *name;	/* by name when set, else by gid */
	gid_t gid;
	struct group gr, *res;
};

static int gr_lookup(void *arg, char *buf, size_t len)
{
	struct gr_query *q = arg;

	if (q->name != NULL)
		return getgrnam_r(q->name, &q->gr, buf, len, &q->res);
	return getgrgid_r(q->gid, &q->gr, buf, len, &q->res);
}

/*
 * Looks the group of q up; *hit = 1 when NSS knows it, then cb (if not
 * NULL) is called with its name and its answer returned.
 */
static int group_lookup(struct gr_query *q, int (*cb)(void *, const char *),
	void *arg, int *hit, struct crm_error *err)
{
	size_t len;
	char *buf;
	int rc;

	*hit = 0;
	rc = crm_nss_call(gr_lookup, q, _SC_GETGR_R_SIZE_MAX, &buf, &len);
	if (q->res != NULL) {
		*hit = 1;
		rc = cb != NULL ? cb(arg, q->gr.gr_name) : CRM_OK;
		crm_nss_free(buf, len);
		return rc;
	}
	crm_nss_free(buf, len);
	if (rc == ENOMEM)
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	if (crm_nss_not_found(rc))
		return CRM_OK;
	if (q->name != NULL)
		return crm_error_set(err, CRM_EIO,
			_("cannot look up group '%s': %s"), q->name,
			strerror(rc));
	return crm_error_set(err, CRM_EIO, _("cannot look up group %lu: %s"),
		(unsigned long)q->gid, strerror(rc));
}

int crm_nss_groups(const char *user, int (*cb)(void *arg, const char *name),
	void *arg, struct crm_error *err)
{
	uid_t uid;
	int found;

	return crm_nss_user_groups(user, &uid, &found, cb, arg, err);
}

int crm_nss_user_groups(const char *user, uid_t *uid, int *found,
	int (*cb)(void *arg, const char *name), void *arg,
	struct crm_error *err)
{
	gid_t gid, *list = NULL;
	int n = 32, rc;

	rc = crm_nss_user(user, uid, &gid, found, err);
	if (rc != CRM_OK || !*found)
		return rc;
	for (;;) {
		int want = n;
		gid_t *nl = realloc(list, (size_t)want * sizeof(*nl));

		if (nl == NULL) {
			free(list);
			return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
		}
		list = nl;
		if (getgrouplist(user, gid, list, &n) >= 0)
			break;
		/* n now holds the size needed; make sure we grow. */
		if (n <= want)
			n = want * 2;
		if (n > 65536) {
			free(list);
			return crm_error_set(err, CRM_EIO,
				_("cannot list the groups of '%s'"), user);
		}
	}
	/* A gid without a name is skipped. */
	for (int i = 0; i < n && rc == CRM_OK; i++) {
		struct gr_query q = { NULL, list[i], { 0 }, NULL };
		int hit;

		rc = group_lookup(&q, cb, arg, &hit, err);
	}
	free(list);
	return rc;
}

struct find {
	const char *group;
	int hit;
};

static int match_group(void *arg, const char *name)
{
	struct find *f = arg;

	if (strcmp(f->group, name) == 0) {
		f->hit = 1;
		return 1;
	}
	return 0;
}

int crm_nss_in_group(const char *user, const char *group,
	struct crm_error *err)
{
	struct find f = { group, 0 };
	int rc = crm_nss_groups(user, match_group, &f, err);

	if (f.hit)
		return 1;
	return rc == CRM_OK ? 0 : -1;
}

int crm_nss_group_exists(const char *group, int *exists,
	struct crm_error *err)
{
	struct gr_query q = { group, 0, { 0 }, NULL };

	return group_lookup(&q, NULL, NULL, exists, err);
}
