/*
 * govern_uids: the grammar of the set, its login.defs item, and the one
 * decision whether the policy governs a user. The set is parsed again at
 * each use (a few items); login.defs is read only when an item needs it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crmpolicy/config.h"
#include "crmpolicy/govern.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/nss.h"
#include "crmpolicy/store.h"

/* The largest uid: (uid_t)-1 means "no uid" to the system calls. */
#define UID_LAST 4294967294UL
#define ITEM_MAX 64

enum item_kind { I_BAD, I_LOGIN_DEFS, I_ALL, I_RANGE };

struct item {
	enum item_kind kind;
	unsigned long first, last;
};

/* A uid in decimal digits only, no sign, no blanks, at most UID_LAST. */
static int parse_uid(const char *s, size_t n, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > UID_LAST)
		return -1;
	*out = v;
	return 0;
}

static struct item parse_item(const char *s, size_t n)
{
	struct item it = { I_BAD, 0, 0 };
	const char *dash = memchr(s, '-', n);

	if (n == strlen("login.defs") && memcmp(s, "login.defs", n) == 0) {
		it.kind = I_LOGIN_DEFS;
	} else if (n == strlen("all") && memcmp(s, "all", n) == 0) {
		it.kind = I_ALL;
	} else if (dash == NULL) {
		if (parse_uid(s, n, &it.first) == 0) {
			it.last = it.first;
			it.kind = I_RANGE;
		}
	} else if (parse_uid(s, (size_t)(dash - s), &it.first) == 0 &&
	    parse_uid(dash + 1, n - (size_t)(dash - s) - 1, &it.last) == 0 &&
	    it.first <= it.last) {
		it.kind = I_RANGE;
	}
	return it;
}

static int check_item(void *arg, const char *s, size_t n)
{
	char shown[ITEM_MAX + 1];
	size_t i;

	if (parse_item(s, n).kind != I_BAD)
		return 0;
	for (i = 0; i < n && i < ITEM_MAX; i++)
		shown[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	shown[i] = '\0';
	return crm_error_set(arg, CRM_EINVAL,
		_("govern_uids: '%s' is not login.defs, all, a uid or a range "
		"FIRST-LAST"), shown);
}

int crm_govern_check(const char *value, struct crm_error *err)
{
	int r;

	if (value == NULL || value[0] == '\0')
		return 0;
	r = crm_list_walk(value, check_item, err);
	if (r == -1)
		return crm_error_set(err, CRM_EINVAL,
			_("govern_uids: an empty item in the list"));
	return r;
}

/* One "NAME VALUE" line of login.defs: a strict number, or the default. */
static void defs_line(const char *line, const char *name, unsigned long *v,
	unsigned long def)
{
	size_t n = strlen(name), len;

	if (strncmp(line, name, n) != 0 || (line[n] != ' ' && line[n] != '\t'))
		return;
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	len = strcspn(line, " \t\r\n");
	if (parse_uid(line, len, v) != 0 || line[len + strspn(line + len,
	    " \t\r\n")] != '\0')
		*v = def;
}

void crm_govern_login_defs(const char *path, unsigned long *min,
	unsigned long *max)
{
	char line[512];
	FILE *f;

	*min = CRM_UID_MIN_DEFAULT;
	*max = CRM_UID_MAX_DEFAULT;
	/* It is not our file: anything wrong in it leaves shadow's defaults. */
	if (path == NULL || (f = fopen(path, "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *s = line;

		while (*s == ' ' || *s == '\t')
			s++;
		defs_line(s, "UID_MIN", min, CRM_UID_MIN_DEFAULT);
		defs_line(s, "UID_MAX", max, CRM_UID_MAX_DEFAULT);
	}
	fclose(f);
	if (*min > *max) {
		*min = CRM_UID_MIN_DEFAULT;
		*max = CRM_UID_MAX_DEFAULT;
	}
}

struct match {
	const char *login_defs;
	unsigned long uid;
};

static int match_item(void *arg, const char *s, size_t n)
{
	struct match *m = arg;
	struct item it = parse_item(s, n);

	if (it.kind == I_LOGIN_DEFS)
		crm_govern_login_defs(m->login_defs, &it.first, &it.last);
	return it.kind == I_ALL || (it.kind != I_BAD && m->uid >= it.first &&
		m->uid <= it.last);
}

int crm_govern_has(const char *spec, const char *login_defs, uid_t uid)
{
	struct match m = { login_defs, (unsigned long)uid };

	return spec != NULL && spec[0] != '\0' &&
		crm_list_walk(spec, match_item, &m) == 1;
}

int crm_govern_user(const struct crm_ctx *ctx, const char *user,
	int *governed, struct crm_error *err)
{
	struct crm_account a;
	uid_t uid = 0;
	int r, nss = 0, found;

	*governed = 1;
	if (crm_policy_cache_governed(ctx, user, governed))
		return CRM_OK;
	if ((r = crm_nss_user(user, &uid, NULL, &nss, err)) != CRM_OK)
		return r;
	if (nss && !crm_govern_has(ctx->cfg->str[CRM_K_GOVERN_UIDS],
			CRM_LOGIN_DEFS, uid)) {
		/* Outside the set: only an administrator's account is ours. */
		if ((r = crm_account_find(ctx->db, user, &a, &found, err)))
			return r;
		*governed = found && (a.origin == CRM_ORIGIN_ADMIN ||
			a.pw_hash[0] != '\0');
		sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	}
	crm_policy_cache_set_governed(ctx, user, *governed);
	return CRM_OK;
}
