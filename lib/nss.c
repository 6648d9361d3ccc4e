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

#include "crmpolicy/i18n.h"
#include "crmpolicy/nss.h"

/* Upper bound for NSS buffers, against a backend that keeps saying ERANGE. */
#define NSS_BUF_MAX (1024 * 1024)

static size_t bufsize(int name)
{
	long n = sysconf(name);

	return n > 0 && n < NSS_BUF_MAX ? (size_t)n : 1024;
}

/*
 * An NSS lookup's "not found" comes back as 0 with no result, or (from some
 * backends) as one of these errors; anything else means NSS is unusable.
 */
static int not_found(int rc)
{
	return rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
	    rc == EPERM;
}

/*
 * One passwd lookup by name (user != NULL) or by uid, growing the buffer
 * while the backend answers ERANGE. The entry's strings live in *buf
 * (malloc'd, the caller frees it, also on error). *found = 0 for "no
 * such user".
 */
static int passwd_lookup(const char *user, uid_t id, struct passwd *pw,
	char **buf, int *found, struct crm_error *err)
{
	size_t len = bufsize(_SC_GETPW_R_SIZE_MAX);
	struct passwd *res = NULL;
	int rc;

	*found = 0;
	*buf = NULL;
	for (;;) {
		char *nb = realloc(*buf, len);

		if (nb == NULL)
			return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
		*buf = nb;
		rc = user != NULL ? getpwnam_r(user, pw, *buf, len, &res) :
			getpwuid_r(id, pw, *buf, len, &res);
		if (rc != ERANGE || len >= NSS_BUF_MAX)
			break;
		len *= 2;
	}
	if (res != NULL)
		*found = 1;
	else if (!not_found(rc) && user != NULL)
		return crm_error_set(err, CRM_EIO,
			_("cannot look up user '%s': %s"), user, strerror(rc));
	else if (!not_found(rc))
		return crm_error_set(err, CRM_EIO,
			_("cannot look up uid %lu: %s"), (unsigned long)id,
			strerror(rc));
	return CRM_OK;
}

int crm_nss_user(const char *user, uid_t *uid, gid_t *gid, int *found,
	struct crm_error *err)
{
	struct passwd pw;
	char *buf;
	int rc = passwd_lookup(user, 0, &pw, &buf, found, err);

	if (rc == CRM_OK && *found) {
		if (uid != NULL)
			*uid = pw.pw_uid;
		if (gid != NULL)
			*gid = pw.pw_gid;
	}
	free(buf);
	return rc;
}

int crm_nss_uid_name(uid_t uid, char *name, size_t len, int *found,
	struct crm_error *err)
{
	struct passwd pw;
	char *buf;
	int rc = passwd_lookup(NULL, uid, &pw, &buf, found, err);

	if (rc == CRM_OK && *found &&
			(size_t)snprintf(name, len, "%s", pw.pw_name) >= len)
		*found = 0;
	free(buf);
	return rc;
}

/* Calls cb with the name of gid; a gid without a name is skipped. */
static int group_name(gid_t gid, int (*cb)(void *, const char *), void *arg,
	struct crm_error *err)
{
	size_t len = bufsize(_SC_GETGR_R_SIZE_MAX);
	struct group gr, *res = NULL;
	char *buf = NULL;
	int rc;

	for (;;) {
		char *nb = realloc(buf, len);

		if (nb == NULL) {
			free(buf);
			return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
		}
		buf = nb;
		rc = getgrgid_r(gid, &gr, buf, len, &res);
		if (rc != ERANGE || len >= NSS_BUF_MAX)
			break;
		len *= 2;
	}
	if (res != NULL) {
		rc = cb(arg, gr.gr_name);
		free(buf);
		return rc;
	}
	free(buf);
	if (!not_found(rc))
		return crm_error_set(err, CRM_EIO,
			_("cannot look up group %lu: %s"), (unsigned long)gid,
			strerror(rc));
	return CRM_OK;
}

int crm_nss_groups(const char *user, int (*cb)(void *arg, const char *name),
	void *arg, struct crm_error *err)
{
	gid_t gid, *list = NULL;
	int found, n = 32, rc;

	rc = crm_nss_user(user, NULL, &gid, &found, err);
	if (rc != CRM_OK || !found)
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
	for (int i = 0; i < n && rc == CRM_OK; i++)
		rc = group_name(list[i], cb, arg, err);
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
	size_t len = bufsize(_SC_GETGR_R_SIZE_MAX);
	struct group gr, *res = NULL;
	char *buf = NULL;
	int rc;

	*exists = 0;
	for (;;) {
		char *nb = realloc(buf, len);

		if (nb == NULL) {
			free(buf);
			return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
		}
		buf = nb;
		rc = getgrnam_r(group, &gr, buf, len, &res);
		if (rc != ERANGE || len >= NSS_BUF_MAX)
			break;
		len *= 2;
	}
	free(buf);
	if (res != NULL) {
		*exists = 1;
		return CRM_OK;
	}
	if (!not_found(rc))
		return crm_error_set(err, CRM_EIO,
			_("cannot look up group '%s': %s"), group, strerror(rc));
	return CRM_OK;
}
