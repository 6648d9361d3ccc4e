/*
 * Administration: every change crmpasswd makes to accounts, groups and
 * policy overrides. Each function validates all of its input first, then
 * does its read-check-write and its audit event in one transaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/admin.h"
#include "crmpolicy/aging.h"
#include "crmpolicy/audit.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/lang.h"
#include "crmpolicy/key.h"
#include "crmpolicy/lockout.h"
#include "crmpolicy/mfa.h"
#include "crmpolicy/nss.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/sip.h"
#include "crmpolicy/pwhash.h"
#include "crmpolicy/quality.h"
#include "crmpolicy/utf8.h"


/* ---- validation at the edge ---- */

static int check_name(const char *what, const char *name,
	struct crm_error *err)
{
	if (name == NULL || !crm_name_valid(name)) {
		char shown[64];

		crm_printable(name ? name : "", shown, sizeof(shown));
		return crm_error_set(err, CRM_EINVAL,
			_("invalid %s name \"%s\""), what, shown);
	}
	return 0;
}

/*
 * Simple but strict: exactly one '@' with text on both sides, printable
 * ASCII without spaces, so an address can never carry a header or a
 * command-line option into sendmail.
 */
static int check_email(const char *email, struct crm_error *err)
{
	size_t len = strlen(email), at = 0, nat = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)email[i];

		if (c < 0x21 || c > 0x7e)
			goto bad;
		if (c == '@') {
			nat++;
			at = i;
		}
	}
	if (len == 0 || len > CRM_EMAIL_MAX || nat != 1 || at == 0 ||
	    at == len - 1 || email[0] == '-')
		goto bad;
	return 0;
bad:
	{
		char shown[64];

		crm_printable(email, shown, sizeof(shown));
		return crm_error_set(err, CRM_EINVAL,
			_("invalid e-mail address \"%s\""), shown);
	}
}

int crm_admin_email_check(const char *email, struct crm_error *err)
{
	return check_email(email, err);
}

/* ---- transaction helpers ---- */

/* Commits when rc is 0; otherwise (or when the commit fails) rolls back. */
static int finish(const struct crm_ctx *ctx, int rc, struct crm_error *err)
{
	if (rc == 0)
		rc = crm_store_commit(ctx->db, err);
	if (rc != 0)
		crm_store_rollback(ctx->db);
	return rc;
}

/* crm_audit_add does not fill an error; name the failure here. */
static int audited(int rc, struct crm_error *err)
{
	if (rc != 0)
		return crm_error_set(err, rc, _("cannot write the audit trail"));
	return 0;
}

static int get_account(const struct crm_ctx *ctx, const char *user,
	struct crm_account *a, struct crm_error *err)
{
	int rc = crm_account_get(ctx->db, user, a, err);

	if (rc == CRM_ENOENT)
		return crm_error_set(err, CRM_ENOENT,
			_("no such user in the store: %s"), user);
	return rc;
}

/*
 * Checks password against user's resolved policy (quality only: history
 * and minimum age do not bind an administrator). CRM_EPOLICY with *rules.
 */
static int check_quality(const struct crm_ctx *ctx, const char *user,
	const char *password, unsigned *rules, struct crm_error *err)
{
	struct crm_policy pol;
	unsigned failed = 0;
	int rc;

	rc = crm_policy_resolve(ctx, user, &pol, err);
	if (rc != 0)
		return rc;
	rc = crm_quality_check(&pol, user, password,
		ctx->cfg->str[CRM_K_BADWORDS_FILE], &failed, err);
	if (rc != 0)
		return rc;
	if (rules != NULL)
		*rules = failed;
	if (failed != 0)
		return crm_error_set(err, CRM_EPOLICY,
			_("the password does not meet the policy"));
	return 0;
}

/*
 * Stores password as a's argon2id hash and a history entry; the account
 * must change it at its next login because an administrator knows it.
 */
static int set_password(const struct crm_ctx *ctx, struct crm_account *a,
	const char *password, struct crm_error *err)
{
	struct crm_policy pol;
	char hash[CRM_HASH_MAX];
	int rc;

	if ((rc = crm_policy_resolve(ctx, a->name, &pol, err)) != 0)
		return rc;
	if ((rc = crm_pwhash_make(ctx->cfg, password, hash, err)) != 0)
		return rc;
	rc = crm_pw_record(ctx, a, hash, 1, 1, &pol, password, err);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/* ---- accounts ---- */

int crm_admin_user_add(const struct crm_ctx *ctx, const char *user,
	const char *email, const char *const *groups, size_t ngroups,
	const char *password, unsigned *rules, struct crm_error *err)
{
	struct crm_account a;
	char glist[1024] = "";
	size_t used = 0;
	int rc;

	if (rules != NULL)
		*rules = 0;
	if ((rc = check_name(_("user"), user, err)) != 0)
		return rc;
	if (email != NULL && *email != '\0' &&
	    (rc = check_email(email, err)) != 0)
		return rc;
	for (size_t i = 0; i < ngroups; i++) {
		if ((rc = check_name(_("group"), groups[i], err)) != 0)
			return rc;
		int n = snprintf(glist + used, sizeof(glist) - used, "%s%s",
			used ? "," : "", groups[i]);
		if (n > 0 && (size_t)n < sizeof(glist) - used)
			used += (size_t)n;
	}

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", user);
	if (email != NULL)
		snprintf(a.email, sizeof(a.email), "%s", email);
	a.origin = CRM_ORIGIN_ADMIN;
	a.created = ctx->now;

	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	rc = crm_account_insert(ctx->db, &a, err);
	if (rc == CRM_EEXIST)
		crm_error_set(err, rc, _("user already exists: %s"), user);
	for (size_t i = 0; rc == 0 && i < ngroups; i++) {
		int exists = 0, again = 0;

		/* --group G given twice is one membership. */
		for (size_t k = 0; k < i; k++)
			again |= strcmp(groups[k], groups[i]) == 0;
		if (again)
			continue;
		rc = crm_group_exists(ctx->db, groups[i], &exists, err);
		if (rc == 0 && !exists) {
			rc = crm_group_add(ctx->db, groups[i], err);
			if (rc == 0)
				rc = audited(crm_audit_add(ctx, "group.add", NULL,
					"group=%s", groups[i]), err);
		}
		if (rc == 0)
			rc = crm_member_add(ctx->db, groups[i], user, err);
	}
	/* The groups are in place, so their policies bind the password. */
	if (rc == 0 && password != NULL)
		rc = check_quality(ctx, user, password, rules, err);
	if (rc == 0 && password != NULL)
		rc = set_password(ctx, &a, password, err);
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, "user.add", user,
			"email=%s groups=%s password=%s", a.email, glist,
			password ? "set" : "none"), err);
	return finish(ctx, rc, err);
}

int crm_admin_user_del(const struct crm_ctx *ctx, const char *user,
	struct crm_error *err)
{
	int rc;

	if ((rc = check_name(_("user"), user, err)) != 0)
		return rc;
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	rc = crm_account_delete(ctx->db, user, err);
	if (rc == CRM_ENOENT)
		crm_error_set(err, rc, _("no such user in the store: %s"), user);
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, "user.del", user, "admin"), err);
	return finish(ctx, rc, err);
}

enum change { CH_DISABLE, CH_ENABLE, CH_UNLOCK, CH_EXPIRE };

/* The one read-modify-write shared by disable, enable, unlock and expire. */
static int change_account(const struct crm_ctx *ctx, const char *user,
	enum change what, struct crm_error *err)
{
	static const char *const events[] = {
		"disable", "enable", "unlock", "password.expire",
	};
	struct crm_account a;
	int rc;

	if ((rc = check_name(_("user"), user, err)) != 0)
		return rc;
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	rc = get_account(ctx, user, &a, err);
	if (rc == 0) {
		switch (what) {
		case CH_DISABLE:
			a.disabled = 1;
			snprintf(a.disabled_reason, sizeof(a.disabled_reason),
				"admin");
			a.disabled_at = ctx->now;
			break;
		case CH_ENABLE:
			/* Restart the inactivity clock, or the next login
			 * would find the account inactive again. */
			a.disabled = 0;
			a.disabled_reason[0] = '\0';
			a.disabled_at = 0;
			a.enabled_at = ctx->now;
			crm_lockout_clear(&a);
			break;
		case CH_UNLOCK:
			crm_lockout_clear(&a);
			break;
		case CH_EXPIRE:
			a.must_change = 1;
			break;
		}
		rc = crm_account_update(ctx->db, &a, err);
	}
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, events[what], user, "admin"),
			err);
	return finish(ctx, rc, err);
}

int crm_admin_user_disable(const struct crm_ctx *ctx, const char *user,
	struct crm_error *err)
{
	return change_account(ctx, user, CH_DISABLE, err);
}

int crm_admin_user_enable(const struct crm_ctx *ctx, const char *user,
	struct crm_error *err)
{
	return change_account(ctx, user, CH_ENABLE, err);
}

int crm_admin_user_unlock(const struct crm_ctx *ctx, const char *user,
	struct crm_error *err)
{
	return change_account(ctx, user, CH_UNLOCK, err);
}

int crm_admin_user_expire(const struct crm_ctx *ctx, const char *user,
	struct crm_error *err)
{
	return change_account(ctx, user, CH_EXPIRE, err);
}

int crm_admin_user_set_email(const struct crm_ctx *ctx, const char *user,
	const char *email, int verified, struct crm_error *err)
{
	struct crm_account a;
	int rc;

	if ((rc = check_name(_("user"), user, err)) != 0)
		return rc;
	/* An empty address removes it; anything else must be well formed. */
	if (email != NULL && *email != '\0' &&
	    (rc = check_email(email, err)) != 0)
		return rc;
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	rc = get_account(ctx, user, &a, err);
	if (rc == 0) {
		if (email != NULL) {
			snprintf(a.email, sizeof(a.email), "%s", email);
			a.email_verified = 0;
		}
		/* Only an address that exists can be verified. */
		if (verified && a.email[0] != '\0')
			a.email_verified = 1;
		rc = crm_account_update(ctx->db, &a, err);
	}
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, "user.change", user,
			"email=%s verified=%s", a.email,
			a.email_verified ? "yes" : "no"), err);
	return finish(ctx, rc, err);
}

int crm_admin_user_set_lang(const struct crm_ctx *ctx, const char *user,
	const char *lang, struct crm_error *err)
{
	struct crm_account a;
	int rc;

	if ((rc = check_name(_("user"), user, err)) != 0)
		return rc;
	if ((rc = crm_lang_check(lang, err)) != 0)
		return rc;
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	rc = get_account(ctx, user, &a, err);
	if (rc == 0) {
		crm_lang_pick(lang, NULL, a.lang);
		rc = crm_account_update(ctx->db, &a, err);
	}
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, "user.change", user,
			"lang=%s", a.lang), err);
	return finish(ctx, rc, err);
}

int crm_admin_user_passwd(const struct crm_ctx *ctx, const char *user,
	const char *password, unsigned *rules, struct crm_error *err)
{
	struct crm_policy pol;
	struct crm_account a;
	char hash[CRM_HASH_MAX];
	int rc;

	if (rules != NULL)
		*rules = 0;
	if ((rc = check_name(_("user"), user, err)) != 0)
		return rc;
	if (password == NULL)
		return crm_error_set(err, CRM_EINVAL, _("no password given"));
	/*
	 * Check and hash before the write lock: an argon2id hash at the
	 * default cost would hold every login waiting for tens of ms.
	 */
	if ((rc = get_account(ctx, user, &a, err)) != 0 ||
			(rc = check_quality(ctx, user, password, rules, err)) != 0 ||
			(rc = crm_policy_resolve(ctx, user, &pol, err)) != 0 ||
			(rc = crm_pwhash_make(ctx->cfg, password, hash, err)) != 0)
		return rc;
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		goto out;
	rc = get_account(ctx, user, &a, err);
	if (rc == 0)
		rc = crm_pw_record(ctx, &a, hash, 1, 1, &pol, password, err);
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, "password.change", user,
			"admin"), err);
	rc = finish(ctx, rc, err);
out:
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	return rc;
}

/* ---- groups ---- */

int crm_admin_group_add(const struct crm_ctx *ctx, const char *group,
	struct crm_error *err)
{
	int rc, exists = 0;

	if ((rc = check_name(_("group"), group, err)) != 0)
		return rc;
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	rc = crm_group_exists(ctx->db, group, &exists, err);
	if (rc == 0 && exists)
		rc = crm_error_set(err, CRM_EEXIST,
			_("group already exists: %s"), group);
	if (rc == 0)
		rc = crm_group_add(ctx->db, group, err);
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, "group.add", NULL, "group=%s",
			group), err);
	return finish(ctx, rc, err);
}

int crm_admin_group_del(const struct crm_ctx *ctx, const char *group,
	struct crm_error *err)
{
	int rc, exists = 0;

	if ((rc = check_name(_("group"), group, err)) != 0)
		return rc;
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	rc = crm_group_exists(ctx->db, group, &exists, err);
	if (rc == 0 && !exists)
		rc = crm_error_set(err, CRM_ENOENT,
			_("no such group in the store: %s"), group);
	if (rc == 0)
		rc = crm_group_del(ctx->db, group, err);
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, "group.del", NULL, "group=%s",
			group), err);
	return finish(ctx, rc, err);
}

/* Store membership ties a store account to a store group: both must exist. */
static int member_change(const struct crm_ctx *ctx, const char *group,
	const char *user, int add, struct crm_error *err)
{
	struct crm_account a;
	int rc, exists = 0;

	if ((rc = check_name(_("group"), group, err)) != 0 ||
	    (rc = check_name(_("user"), user, err)) != 0)
		return rc;
	if ((rc = crm_store_begin(ctx->db, err)) != 0)
		return rc;
	rc = crm_group_exists(ctx->db, group, &exists, err);
	if (rc == 0 && !exists)
		rc = crm_error_set(err, CRM_ENOENT,
			_("no such group in the store: %s"), group);
	if (rc == 0)
		rc = get_account(ctx, user, &a, err);
	if (rc == 0)
		rc = add ? crm_member_add(ctx->db, group, user, err)
			 : crm_member_del(ctx->db, group, user, err);
	if (rc == CRM_EEXIST)
		crm_error_set(err, rc, _("%s is already a member of %s"),
			user, group);
	else if (rc == CRM_ENOENT && !add && exists)
		crm_error_set(err, rc, _("%s is not a member of %s"),
			user, group);
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, add ? "member.add" : "member.del",
			user, "group=%s", group), err);
	return finish(ctx, rc, err);
}

int crm_admin_member_add(const struct crm_ctx *ctx, const char *group,
	const char *user, struct crm_error *err)
{
	return member_change(ctx, group, user, 1, err);
}

int crm_admin_member_del(const struct crm_ctx *ctx, const char *group,
	const char *user, struct crm_error *err)
{
	return member_change(ctx, group, user, 0, err);
}

/* ---- policy overrides ---- */

struct assignment {
	int key;		/* enum crm_key */
	char value[256];	/* canonical text, "" = remove the override */
};

/* Parses one KEY=VALUE into as (canonical value text) without writing. */
static int parse_assignment(const char *text, struct assignment *as,
	struct crm_error *err)
{
	const char *eq = strchr(text, '=');
	char name[64], shown[64];
	long long num = 0;
	char *str = NULL;
	int rc;

	crm_printable(text, shown, sizeof(shown));
	if (eq == NULL || eq == text || (size_t)(eq - text) >= sizeof(name))
		return crm_error_set(err, CRM_EINVAL,
			_("expected KEY=VALUE, got \"%s\""), shown);
	memcpy(name, text, (size_t)(eq - text));
	name[eq - text] = '\0';
	as->key = crm_key_lookup(name);
	crm_printable(name, shown, sizeof(shown));
	if (as->key < 0)
		return crm_error_set(err, CRM_EINVAL, _("unknown key \"%s\""),
			shown);
	if (!crm_key_is_policy((enum crm_key)as->key))
		return crm_error_set(err, CRM_EINVAL,
			_("%s can only be set in crmpolicy.conf"), shown);
	if (strcmp(eq + 1, "default") == 0) {
		as->value[0] = '\0';
		return 0;
	}
	rc = crm_key_parse((enum crm_key)as->key, eq + 1, &num, &str, err);
	if (rc != 0)
		return rc;
	/* Store the canonical text so every reader parses the same value. */
	crm_key_format((enum crm_key)as->key, num, str, as->value,
		sizeof(as->value));
	free(str);
	return 0;
}

static int check_target(const struct crm_ctx *ctx, const char *scope,
	const char *target, struct crm_error *err)
{
	struct crm_account a;
	int rc, exists = 0;

	if (strcmp(scope, "global") == 0)
		return 0;
	if (strcmp(scope, "user") == 0)
		return get_account(ctx, target, &a, err);
	rc = crm_group_exists(ctx->db, target, &exists, err);
	if (rc == 0 && !exists)
		rc = crm_nss_group_exists(target, &exists, err);
	if (rc == 0 && !exists)
		rc = crm_error_set(err, CRM_ENOENT, _("no such group: %s"),
			target);
	return rc;
}

int crm_admin_policy_set(const struct crm_ctx *ctx, const char *scope,
	const char *target, const char *const *assignments, size_t n,
	struct crm_error *err)
{
	struct assignment *as;
	char *details;
	size_t cap, used;
	int rc = 0;

	if (scope == NULL || (strcmp(scope, "global") != 0 &&
	    strcmp(scope, "group") != 0 && strcmp(scope, "user") != 0))
		return crm_error_set(err, CRM_EINVAL,
			_("scope must be global, group or user"));
	if (strcmp(scope, "global") == 0)
		target = "";
	else if ((rc = check_name(strcmp(scope, "user") == 0 ? _("user")
	    : _("group"), target, err)) != 0)
		return rc;
	if (n == 0)
		return crm_error_set(err, CRM_EINVAL, _("no KEY=VALUE given"));

	as = calloc(n, sizeof(*as));
	cap = strlen(scope) + strlen(target) + 2;
	for (size_t i = 0; i < n; i++)
		cap += strlen(assignments[i]) + sizeof(as->value) + 2;
	details = malloc(cap);
	if (as == NULL || details == NULL) {
		free(as);
		free(details);
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	}
	/* Every assignment is valid, or nothing is written. */
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = parse_assignment(assignments[i], &as[i], err);
	if (rc == 0) {
		int w = snprintf(details, cap, "%s%s%s", scope,
			*target ? " " : "", target);
		used = w > 0 ? (size_t)w : 0;
		for (size_t i = 0; i < n; i++) {
			w = snprintf(details + used, cap - used, " %s=%s",
				crm_key_info((enum crm_key)as[i].key)->name,
				as[i].value[0] ? as[i].value : "default");
			if (w > 0 && (size_t)w < cap - used)
				used += (size_t)w;
		}
		rc = crm_store_begin(ctx->db, err);
		if (rc == 0) {
			rc = check_target(ctx, scope, target, err);
			for (size_t i = 0; rc == 0 && i < n; i++) {
				const char *key = crm_key_info(
					(enum crm_key)as[i].key)->name;

				if (as[i].value[0] != '\0') {
					rc = crm_policy_row_set(ctx->db, scope,
						target, key, as[i].value, err);
				} else {
					rc = crm_policy_row_del(ctx->db, scope,
						target, key, err);
					/* Removing an absent override is done. */
					if (rc == CRM_ENOENT)
						rc = 0;
				}
			}
			if (rc == 0)
				rc = audited(crm_audit_add(ctx, "policy.change",
					strcmp(scope, "user") == 0 ? target
					: NULL, "%s", details), err);
			rc = finish(ctx, rc, err);
		}
	}
	free(as);
	free(details);
	return rc;
}

/* ---- status ---- */

struct glist {
	char *buf;
	size_t len, used;
};

static int add_group(void *arg, const char *name)
{
	struct glist *g = arg;
	int n = snprintf(g->buf + g->used, g->len - g->used, "%s%s",
		g->used ? "," : "", name);

	/* A list that does not fit ends at the last whole name. */
	if (n < 0 || (size_t)n >= g->len - g->used) {
		g->buf[g->used] = '\0';
		return 0;
	}
	g->used += (size_t)n;
	return 0;
}

int crm_admin_status(const struct crm_ctx *ctx, const char *user,
	struct crm_status *st, struct crm_error *err)
{
	struct crm_account copy;
	struct crm_shadow sp;
	struct glist g;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = check_name(_("user"), user, err)) != 0)
		return rc;
	if ((rc = get_account(ctx, user, &st->acct, err)) != 0)
		return rc;
	/*
	 * The policy and the groups from one NSS lookup; then the password's
	 * age as a login sees it: /etc/shadow's if there, which it cannot be
	 * for a user NSS does not know (no second lookup for those).
	 */
	g.buf = st->groups;
	g.len = sizeof(st->groups);
	g.used = 0;
	rc = crm_policy_resolve_groups(ctx, user, &st->pol, add_group, &g, err);
	if (rc == 0 && st->pol.nss)
		rc = crm_aging_shadow(&st->acct, &sp, err);
	else
		memset(&sp, 0, sizeof(sp));
	crm_shadow_wipe(&sp);
	/* No caller of a status needs the password's hash. */
	sodium_memzero(st->acct.pw_hash, sizeof(st->acct.pw_hash));
	if (rc != 0)
		return rc;
	/* Show the lock as the next login would find it, without writing. */
	copy = st->acct;
	crm_lockout_refresh(&st->pol, &copy, ctx->now);
	st->lock_left = 0;
	st->locked = crm_lockout_is_locked(&st->pol, &copy, ctx->now,
		&st->lock_left);
	st->acct.failures = copy.failures;
	st->expires = crm_aging_expires(&st->pol, &st->acct);
	st->inactive_in_days = crm_aging_inactive_in(&st->pol, &st->acct,
		ctx->now);
	if ((rc = crm_mfa_state_get(ctx->db, &st->acct, &st->mfa, err)) != 0)
		return rc;
	return crm_sip_info(ctx, st->acct.id, st->sip_realm, &st->sip_changed,
		&st->sip, err);
}

/* ---- privileges and set-up ---- */

int crm_admin_allowed(const struct crm_config *cfg, long uid)
{
	const char *admin = cfg->str[CRM_K_ADMIN_GROUP];
	struct passwd pw, *pres = NULL;
	struct crm_error err;
	char pbuf[16384];

	if (uid == 0)
		return 1;
	if (uid < 0 || admin == NULL || *admin == '\0')
		return 0;
	if (getpwuid_r((uid_t)uid, &pw, pbuf, sizeof(pbuf), &pres) != 0 ||
	    pres == NULL)
		return 0;
	/* An NSS failure (-1) cannot prove membership: refuse. */
	return crm_nss_in_group(pw.pw_name, admin, &err) == 1;
}

int crm_admin_init(const struct crm_config *cfg, struct crm_error *err)
{
	return crm_key_create(cfg, err);
}
