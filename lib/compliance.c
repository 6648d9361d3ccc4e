/*
 * The compliance report: turns the configuration's problems, the owners
 * and modes of the policy's files, the state of every account and the age
 * of the newest backup into findings with a severity and a stable code.
 * It only reads (a read transaction at most, which holds up no login), and
 * it says the same thing the module would decide at the same clock.
 */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "crmpolicy/admin.h"
#include "crmpolicy/aging.h"
#include "crmpolicy/backup.h"
#include "crmpolicy/compliance.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/key.h"
#include "crmpolicy/mfa.h"
#include "crmpolicy/nss.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/store.h"

#define DAY ((int64_t)86400)

/* ---- the list ---- */

void crm_findings_init(struct crm_findings *f)
{
	memset(f, 0, sizeof(*f));
}

void crm_findings_free(struct crm_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->items[i].user);
		free(f->items[i].file);
		free(f->items[i].message);
	}
	free(f->items);
	crm_findings_init(f);
}

int crm_findings_add(struct crm_findings *f, enum crm_severity sev,
	const char *code, const char *user, const char *file,
	const char *fmt, ...)
{
	struct crm_finding it = { sev, code, NULL, NULL, NULL };
	va_list ap;
	int r;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct crm_finding *items = realloc(f->items,
			cap * sizeof(*items));

		if (items == NULL)
			return CRM_ENOMEM;
		f->items = items;
		f->cap = cap;
	}
	va_start(ap, fmt);
	r = vasprintf(&it.message, fmt, ap);
	va_end(ap);
	if (r < 0)
		return CRM_ENOMEM;
	it.user = user ? strdup(user) : NULL;
	it.file = file ? strdup(file) : NULL;
	if ((user && it.user == NULL) || (file && it.file == NULL)) {
		free(it.message);
		free(it.user);
		free(it.file);
		return CRM_ENOMEM;
	}
	f->items[f->n++] = it;
	if (sev == CRM_SEV_CRITICAL)
		f->critical++;
	else
		f->warnings++;
	return CRM_OK;
}

const char *crm_severity_name(enum crm_severity sev)
{
	return sev == CRM_SEV_CRITICAL ? "critical" : "warning";
}

/* A day as YYYY-MM-DD (UTC), as the rest of crmpasswd shows dates. */
static void day_text(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%d",
	    &tm) == 0)
		snprintf(buf, len, "?");
}

/* ---- configuration ---- */

int crm_compliance_config(const struct crm_problems *probs, int conf_rc,
	const struct crm_error *conf_err, struct crm_findings *out)
{
	int r = CRM_OK;

	for (size_t i = 0; probs != NULL && i < probs->n && r == CRM_OK; i++)
		r = crm_findings_add(out, CRM_SEV_CRITICAL, CRM_FIND_CONFIG,
			NULL, NULL, "%s", probs->items[i]);
	/* A file that could not be read at all has no line problems. */
	if (r == CRM_OK && conf_rc != 0 && (probs == NULL || probs->n == 0))
		r = crm_findings_add(out, CRM_SEV_CRITICAL, CRM_FIND_CONFIG,
			NULL, NULL, "%s", conf_err != NULL && conf_err->msg[0] ?
			conf_err->msg : crm_error_name(conf_rc));
	return r;
}

/* ---- files ---- */

enum kind {
	K_SECRET,	/* regular file, no access for group or others */
	K_CONF,		/* regular file, not writable by group or others */
	K_DIR,		/* directory, not writable by group or others */
};

/*
 * One finding when path is unsafe for its kind; a missing path is a
 * finding unless missing_ok. what names the file in the message.
 */
static int check_path(struct crm_findings *out, const char *what,
	const char *path, enum kind kind, int missing_ok)
{
	const char *file = path;
	struct stat st;
	unsigned mode;

	if (path == NULL || path[0] == '\0')
		return CRM_OK;
	if (lstat(path, &st) != 0) {
		int e = errno;

		if (e == ENOENT && missing_ok)
			return CRM_OK;
		if (e == ENOENT)
			return crm_findings_add(out, CRM_SEV_CRITICAL,
				CRM_FIND_UNSAFE_FILE, NULL, file,
				_("%s %s is missing: run crmpasswd init"),
				what, path);
		return crm_findings_add(out, CRM_SEV_CRITICAL,
			CRM_FIND_UNSAFE_FILE, NULL, file,
			_("%s %s cannot be examined: %s"), what, path,
			strerror(e));
	}
	mode = (unsigned)(st.st_mode & 07777);
	if (S_ISLNK(st.st_mode))
		return crm_findings_add(out, CRM_SEV_CRITICAL,
			CRM_FIND_UNSAFE_FILE, NULL, file,
			_("%s %s is a symbolic link, which crmpolicy refuses: "
			"put the real path in crmpolicy.conf"), what, path);
	if (kind == K_DIR ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return crm_findings_add(out, CRM_SEV_CRITICAL,
			CRM_FIND_UNSAFE_FILE, NULL, file, kind == K_DIR ?
			_("%s %s is not a directory") :
			_("%s %s is not a regular file"), what, path);
	if (st.st_uid != 0)
		return crm_findings_add(out, CRM_SEV_CRITICAL,
			CRM_FIND_UNSAFE_FILE, NULL, file,
			_("%s %s is owned by uid %lu, not root: chown root %s"),
			what, path, (unsigned long)st.st_uid, path);
	if (kind == K_SECRET && (mode & 077) != 0)
		return crm_findings_add(out, CRM_SEV_CRITICAL,
			CRM_FIND_UNSAFE_FILE, NULL, file,
			_("%s %s is open to group or others (mode %04o): "
			"chmod 0600 %s"), what, path, mode, path);
	if (kind != K_SECRET && (mode & 022) != 0)
		return crm_findings_add(out, CRM_SEV_CRITICAL,
			CRM_FIND_UNSAFE_FILE, NULL, file,
			_("%s %s is writable by group or others (mode %04o): "
			"chmod go-w %s"), what, path, mode, path);
	return CRM_OK;
}

int crm_compliance_files(const struct crm_config *cfg, const char *conf_path,
	struct crm_findings *out, struct crm_error *err)
{
	const char *db = cfg->str[CRM_K_DB];
	int r;

	size_t before;

	r = check_path(out, _("configuration file"), conf_path, K_CONF, 0);
	before = out->n;
	if (r == CRM_OK)
		r = check_path(out, _("key file"), cfg->str[CRM_K_KEY_FILE],
			K_SECRET, 0);
	/* Safe as a file, it must also be a key the module can load. */
	if (r == CRM_OK && out->n == before) {
		unsigned char key[CRM_KEY_BYTES];
		struct crm_error e;

		if (crm_key_load(cfg, key, &e) != CRM_OK)
			r = crm_findings_add(out, CRM_SEV_CRITICAL,
				CRM_FIND_UNSAFE_FILE, NULL,
				cfg->str[CRM_K_KEY_FILE], "%s", e.msg);
		sodium_memzero(key, sizeof(key));
	}
	/* A fleet's store is a database on a server, not a file here. */
	if (r == CRM_OK && !crm_store_is_pg(db))
		r = check_path(out, _("store"), db, K_SECRET, 0);
	/* A missing directory is already said by its missing store. */
	if (r == CRM_OK && db != NULL && db[0] == '/') {
		char *copy = strdup(db);

		if (copy == NULL)
			r = CRM_ENOMEM;
		else
			r = check_path(out, _("store directory"), dirname(copy),
				K_DIR, 1);
		free(copy);
	}
	/* No backup directory yet is a matter for the backup check. */
	if (r == CRM_OK)
		r = check_path(out, _("backup directory"),
			cfg->str[CRM_K_BACKUP_DIR], K_DIR, 1);
	if (r != CRM_OK)
		return crm_error_set(err, r, _("out of memory"));
	return CRM_OK;
}

/* ---- accounts ---- */

struct names {
	char **v;
	size_t n, cap;
};

static int add_name(void *arg, const struct crm_account *a)
{
	struct names *ns = arg;

	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 64;
		char **v = realloc(ns->v, cap * sizeof(*v));

		if (v == NULL)
			return CRM_ENOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	if ((ns->v[ns->n] = strdup(a->name)) == NULL)
		return CRM_ENOMEM;
	ns->n++;
	return CRM_OK;
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

#define ADD(sev, code, ...) \
	crm_findings_add(out, sev, code, a->name, NULL, __VA_ARGS__)

/* Inactivity, as the module's next login would find it; never root. */
static int check_inactivity(const struct crm_status *st,
	struct crm_findings *out)
{
	const struct crm_account *a = &st->acct;
	const struct crm_policy *pol = &st->pol;
	long long warn = pol->num[CRM_K_WARN_DAYS];
	int in = st->inactive_in_days;

	/* crm_admin_status counted the days left: 0 is past the limit. */
	if (in == 0)
		return ADD(CRM_SEV_WARNING, CRM_FIND_INACTIVE,
			_("%s has had no login for %lld days or more "
			"(inactive_days): its next login disables it; delete "
			"the account if it is not needed"), a->name,
			pol->num[CRM_K_INACTIVE_DAYS]);
	if (in > 0 && warn > 0 && in <= warn)
		return ADD(CRM_SEV_WARNING, CRM_FIND_NEAR_INACTIVE,
			ngettext_("%s will be disabled for inactivity in %d "
			"day without a login",
			"%s will be disabled for inactivity in %d days "
			"without a login", (unsigned long)in), a->name, in);
	return CRM_OK;
}

/* Must change, expired, expiring: what the account phase would say. */
static int check_password(const struct crm_ctx *ctx,
	const struct crm_status *st, struct crm_findings *out)
{
	const struct crm_account *a = &st->acct;
	const struct crm_policy *pol = &st->pol;
	char day[32];
	int left;

	if (a->must_change)
		return ADD(CRM_SEV_WARNING, CRM_FIND_MUST_CHANGE,
			_("%s must change the password at the next login: the "
			"one an administrator set or expired is still in use"),
			a->name);
	day_text(st->expires, day, sizeof(day));
	if (crm_aging_expired(pol, a, ctx->now))
		return ADD(CRM_SEV_WARNING, CRM_FIND_EXPIRED,
			_("%s's password expired on %s (max_age_days = %lld): "
			"the next login must change it"), a->name, day,
			pol->num[CRM_K_MAX_AGE_DAYS]);
	left = crm_aging_warn_days(pol, a, ctx->now);
	if (left >= 0)
		return ADD(CRM_SEV_WARNING, CRM_FIND_EXPIRING,
			ngettext_("%s's password expires in %d day (%s)",
			"%s's password expires in %d days (%s)",
			(unsigned long)left), a->name, left, day);
	return CRM_OK;
}

/* Created at least warn_days (at least one) days ago and never used. */
static int check_never_used(const struct crm_ctx *ctx,
	const struct crm_status *st, struct crm_findings *out)
{
	const struct crm_account *a = &st->acct;
	long long days = st->pol.num[CRM_K_WARN_DAYS];
	char day[32];

	if (days < 1)
		days = 1;
	if (a->last_login != 0 || ctx->now - a->created < (int64_t)days * DAY)
		return CRM_OK;
	day_text(a->created, day, sizeof(day));
	return ADD(CRM_SEV_WARNING, CRM_FIND_NEVER_USED,
		_("%s has never logged in since it was created on %s: delete "
		"it if it is not needed"), a->name, day);
}

static int check_locked(const struct crm_status *st,
	struct crm_findings *out)
{
	const struct crm_account *a = &st->acct;

	if (!st->locked)
		return CRM_OK;
	if (st->lock_left > 0)
		return ADD(CRM_SEV_WARNING, CRM_FIND_LOCKED,
			_("%s is locked after %d failed logins for %lld more "
			"seconds (crmpasswd user unlock %s)"), a->name,
			a->failures, (long long)st->lock_left, a->name);
	return ADD(CRM_SEV_WARNING, CRM_FIND_LOCKED,
		_("%s is locked after %d failed logins until an administrator "
		"unlocks it: crmpasswd user unlock %s"), a->name, a->failures,
		a->name);
}

/*
 * The second factor: one the policy asks and the account cannot give
 * makes every login fail; an administrator whose logins ask none is the
 * account an attacker wants most. An account that already cannot log in
 * is reported for that alone.
 */
static int check_mfa(const struct crm_ctx *ctx, const struct crm_status *st,
	struct crm_findings *out)
{
	const struct crm_account *a = &st->acct;
	const char *admin = ctx->cfg->str[CRM_K_ADMIN_GROUP], *why;
	long long mfa = st->pol.num[CRM_K_MFA];
	enum crm_factor factor;
	struct crm_error e;
	int member;

	if (crm_mfa_decide(&st->pol, &st->mfa, &factor, &why) != CRM_OK) {
		if (mfa == CRM_MFA_TOTP)
			return ADD(CRM_SEV_CRITICAL, CRM_FIND_NO_SECOND_FACTOR,
				_("%s must give a TOTP code but has not "
				"enrolled, so every login fails: crmpasswd "
				"totp enroll --user %s"), a->name, a->name);
		if (mfa == CRM_MFA_EMAIL && a->email[0] == '\0')
			return ADD(CRM_SEV_CRITICAL, CRM_FIND_NO_SECOND_FACTOR,
				_("%s must give an e-mailed code but has no "
				"address, so every login fails: crmpasswd user "
				"set %s --email ADDRESS, then crmpasswd email "
				"verify --user %s"), a->name, a->name, a->name);
		if (mfa == CRM_MFA_EMAIL)
			return ADD(CRM_SEV_CRITICAL, CRM_FIND_NO_SECOND_FACTOR,
				_("%s must give an e-mailed code but has no "
				"verified address, so every login fails: "
				"crmpasswd email verify --user %s"), a->name,
				a->name);
		if (mfa == CRM_MFA_ANY)
			return ADD(CRM_SEV_CRITICAL, CRM_FIND_NO_SECOND_FACTOR,
				_("%s must give a second factor but has "
				"neither TOTP nor a verified e-mail address, "
				"so every login fails: crmpasswd totp enroll "
				"--user %s"), a->name, a->name);
		return ADD(CRM_SEV_CRITICAL, CRM_FIND_NO_SECOND_FACTOR,
			"%s: %s", a->name, why);
	}
	if (admin == NULL || admin[0] == '\0' || factor != CRM_FACTOR_NONE)
		return CRM_OK;
	crm_error_clear(&e);
	member = crm_nss_in_group(a->name, admin, &e);
	if (member < 0)
		return ADD(CRM_SEV_CRITICAL, CRM_FIND_ACCOUNT_ERROR,
			_("cannot tell whether %s is in admin_group %s: %s"),
			a->name, admin, e.msg[0] ? e.msg :
			crm_error_name(e.code));
	if (member == 0)
		return CRM_OK;
	if (mfa == CRM_MFA_NONE)
		return ADD(CRM_SEV_CRITICAL, CRM_FIND_ADMIN_WITHOUT_MFA,
			_("%s is in admin_group %s but logs in without a "
			"second factor (mfa = none): crmpasswd totp enroll "
			"--user %s, then crmpasswd user set %s --mfa totp"),
			a->name, admin, a->name, a->name);
	return ADD(CRM_SEV_CRITICAL, CRM_FIND_ADMIN_WITHOUT_MFA,
		_("%s is in admin_group %s but has no second factor, which "
		"mfa_nullok lets pass: crmpasswd totp enroll --user %s"),
		a->name, admin, a->name);
}

static int check_account(const struct crm_ctx *ctx,
	const struct crm_status *st, struct crm_findings *out)
{
	const struct crm_account *a = &st->acct;
	int r;

	/* An administrator's disabling is a decision, not a finding. */
	if (a->disabled) {
		if (strcmp(a->disabled_reason, "inactive") != 0)
			return CRM_OK;
		return ADD(CRM_SEV_WARNING, CRM_FIND_INACTIVE,
			_("%s is disabled for inactivity: crmpasswd user "
			"enable %s, or delete it"), a->name, a->name);
	}
	if ((r = check_inactivity(st, out)) != CRM_OK ||
	    (r = check_locked(st, out)) != CRM_OK ||
	    (r = check_password(ctx, st, out)) != CRM_OK ||
	    (r = check_never_used(ctx, st, out)) != CRM_OK)
		return r;
	return check_mfa(ctx, st, out);
}

#undef ADD

int crm_compliance_accounts(const struct crm_ctx *ctx,
	struct crm_findings *out, struct crm_error *err)
{
	struct names ns = { 0 };
	struct crm_status *st;
	int r, own;

	/*
	 * One read transaction over the whole pass: every account as of the
	 * same moment, one shared lock instead of one per statement. In WAL
	 * a reader holds up no login; it only keeps the log from being
	 * reset until it ends.
	 */
	own = !crm_db_in_transaction(ctx->db);
	if (own && (r = crm_store_begin_read(ctx->db, err)) != CRM_OK)
		return r;
	/* Names first: each account is then read whole, with its policy. */
	r = crm_account_foreach(ctx->db, add_name, &ns, err);
	if (r == CRM_ENOMEM)
		crm_error_set(err, r, _("out of memory"));
	st = r == CRM_OK ? malloc(sizeof(*st)) : NULL;
	if (r == CRM_OK && st == NULL)
		r = crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	for (size_t i = 0; i < ns.n && r == CRM_OK; i++) {
		struct crm_error e;
		int s;

		crm_error_clear(&e);
		s = crm_admin_status(ctx, ns.v[i], st, &e);
		if (s == CRM_OK)
			r = check_account(ctx, st, out);
		else if (s == CRM_ENOMEM)
			r = s;
		else if (s != CRM_ENOENT)	/* ENOENT: deleted meanwhile */
			r = crm_findings_add(out, CRM_SEV_CRITICAL,
				CRM_FIND_ACCOUNT_ERROR, ns.v[i], NULL,
				_("cannot check %s: %s"), ns.v[i], e.msg[0] ?
				e.msg : crm_error_name(s));
		if (r == CRM_ENOMEM)
			crm_error_set(err, r, _("out of memory"));
	}
	free(st);
	names_free(&ns);
	if (own)
		crm_store_rollback(ctx->db);
	return r;
}

/* ---- backups ---- */

int crm_compliance_backup(const struct crm_config *cfg, int64_t now,
	struct crm_findings *out, struct crm_error *err)
{
	long long warn = cfg->num[CRM_K_BACKUP_WARN_DAYS];
	const char *dir = cfg->str[CRM_K_BACKUP_DIR];
	char path[CRM_BACKUP_PATH_MAX], day[32];
	struct crm_error e;
	int64_t when = 0;
	int r;

	if (warn <= 0)
		return CRM_OK;
	crm_error_clear(&e);
	r = crm_backup_newest(cfg, &when, path, sizeof(path), &e);
	if (r == CRM_ENOENT) {
		r = crm_findings_add(out, CRM_SEV_WARNING, CRM_FIND_NO_BACKUP,
			NULL, dir, _("there is no backup in %s: crmpasswd "
			"backup"), dir);
	} else if (r != CRM_OK && r != CRM_ENOMEM) {
		/* Not knowing the age is no reason to stop the report. */
		r = crm_findings_add(out, CRM_SEV_WARNING, CRM_FIND_NO_BACKUP,
			NULL, dir, _("cannot find the newest backup in %s: %s"),
			dir, e.msg[0] ? e.msg : crm_error_name(r));
	} else if (r == CRM_OK && now - when >= (int64_t)warn * DAY) {
		long long age = (long long)((now - when) / DAY);

		day_text(when, day, sizeof(day));
		r = crm_findings_add(out, CRM_SEV_WARNING, CRM_FIND_OLD_BACKUP,
			NULL, path, ngettext_("the newest backup, %s, is %lld "
			"day old (made %s; backup_warn_days = %lld): crmpasswd "
			"backup, and check what should run it",
			"the newest backup, %s, is %lld days old (made %s; "
			"backup_warn_days = %lld): crmpasswd backup, and check "
			"what should run it", (unsigned long)age), path, age,
			day, warn);
	}
	if (r == CRM_ENOMEM)
		return crm_error_set(err, r, _("out of memory"));
	return CRM_OK;
}
