/*
 * Accounts in bulk. The export reads every account from one snapshot into
 * rows that hold nothing secret. The import checks a whole CSV file first
 * (every problem of every row, with its line) and makes and hashes the
 * temporary passwords before one transaction writes all of it: a bad row,
 * or an account that changes in between, leaves the store as it was.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/accounts_csv.h"
#include "crmpolicy/admin.h"
#include "crmpolicy/audit.h"
#include "crmpolicy/auth.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/lang.h"
#include "crmpolicy/lockout.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/pwhash.h"
#include "crmpolicy/quality.h"
#include "crmpolicy/store.h"
#include "crmpolicy/utf8.h"

static const char *const colname[CRM_COL_COUNT] = {
	[CRM_COL_USERNAME] = "username",
	[CRM_COL_EMAIL] = "email",
	[CRM_COL_EMAIL_VERIFIED] = "email_verified",
	[CRM_COL_GROUPS] = "groups",
	[CRM_COL_MFA] = "mfa",
	[CRM_COL_STATE] = "state",
	[CRM_COL_CREATED] = "created",
	[CRM_COL_LAST_LOGIN] = "last_login",
	[CRM_COL_LANG] = "lang",
	[CRM_COL_PASSWORD_HASH] = "password_hash",
};

const char *crm_user_column(enum crm_user_col col)
{
	return (unsigned)col < CRM_COL_COUNT ? colname[col] : NULL;
}

/* ---- a growing text ---- */

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -1;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return 0;
		}
		size_t cap = b->cap * 2 + (size_t)n + 64;
		char *p = realloc(b->p, cap);

		if (p == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
}

static void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

static const char *buf_text(const struct buf *b)
{
	return b->p != NULL ? b->p : "";
}

/* ---- export ---- */

/* Room for a canonical mfa word. */
#define MFA_MAX 32

struct export {
	const struct crm_ctx *ctx;
	crm_user_row_cb cb;
	void *arg;
	long long rows;
	struct buf groups;
	char mfa[MFA_MAX];
	struct crm_error *err;
};

static int join_group(void *arg, const char *name)
{
	struct buf *b = arg;

	return buf_printf(b, "%s%s", b->len ? "," : "", name) ? CRM_ENOMEM : 0;
}

/* Policy rows of one user: arg (MFA_MAX bytes) gets the mfa override. */
static int find_mfa(void *arg, const char *key, const char *value)
{
	if (strcmp(key, crm_key_info(CRM_K_MFA)->name) == 0)
		snprintf(arg, MFA_MAX, "%s", value);
	return 0;
}

/* The state word of status: a lock as the next login would find it. */
static int state_of(const struct crm_ctx *ctx, const struct crm_account *a,
	const char **word, struct crm_error *err)
{
	struct crm_policy pol;
	struct crm_account copy;
	int64_t left = 0;
	int rc;

	if (a->disabled) {
		*word = "disabled";
		return 0;
	}
	if ((rc = crm_policy_resolve(ctx, a->name, &pol, err)) != 0)
		return rc;
	copy = *a;
	crm_lockout_refresh(&pol, &copy, ctx->now);
	*word = crm_lockout_is_locked(&pol, &copy, ctx->now, &left) ?
		"locked" : "active";
	sodium_memzero(&copy, sizeof(copy));
	return 0;
}

static int export_one(void *arg, const struct crm_account *a)
{
	struct export *e = arg;
	struct crm_user_row row;
	const char *state = NULL;
	int rc;

	buf_reset(&e->groups);
	e->mfa[0] = '\0';
	rc = crm_member_groups(e->ctx->db, a->name, join_group, &e->groups,
		e->err);
	if (rc == CRM_ENOMEM)
		return crm_error_set(e->err, rc, _("out of memory"));
	if (rc == 0)
		rc = crm_policy_row_foreach(e->ctx->db, "user", a->name,
			find_mfa, e->mfa, e->err);
	if (rc == 0)
		rc = state_of(e->ctx, a, &state, e->err);
	if (rc != 0)
		return rc;
	memset(&row, 0, sizeof(row));
	row.name = a->name;
	row.email = a->email;
	row.email_verified = a->email_verified;
	row.groups = buf_text(&e->groups);
	row.mfa = e->mfa;
	row.state = state;
	row.created = a->created;
	row.last_login = a->last_login;
	row.lang = a->lang;
	e->rows++;
	return e->cb(e->arg, &row);
}

/* A format named in the audit row: a short word, nothing else. */
static int is_word(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > 16)
		return 0;
	for (; *s; s++)
		if ((*s < 'a' || *s > 'z') && (*s < '0' || *s > '9'))
			return 0;
	return 1;
}

int crm_export_users(const struct crm_ctx *ctx, const char *format,
	crm_user_row_cb cb, void *arg, long long *rows, struct crm_error *err)
{
	struct export e;
	int rc;

	*rows = 0;
	if (!is_word(format))
		return crm_error_set(err, CRM_EINVAL, _("invalid export format"));
	memset(&e, 0, sizeof(e));
	e.ctx = ctx;
	e.cb = cb;
	e.arg = arg;
	e.err = err;
	/*
	 * A deferred transaction: one snapshot of every account without
	 * taking the write lock that logins need.
	 */
	if (crm_store_begin_read(ctx->db, NULL) != CRM_OK) {
		free(e.groups.p);
		/* The message names the export's read, not any transaction. */
		return crm_db_error(ctx->db, "starting a read", err);
	}
	rc = crm_account_foreach(ctx->db, export_one, &e, err);
	if (rc == 0)
		rc = crm_store_commit(ctx->db, err);
	else
		crm_store_rollback(ctx->db);
	free(e.groups.p);
	*rows = e.rows;
	if (rc != 0)
		return rc;
	if (crm_audit_add(ctx, "export", NULL, "what=users rows=%lld format=%s",
	    e.rows, format) != 0)
		return crm_error_set(err, CRM_ESTORE,
			_("cannot write the audit trail"));
	return 0;
}

/* ---- import: the plan ---- */

enum act { ACT_ADD, ACT_UPDATE, ACT_SKIP };
enum { ST_KEEP = -1, ST_ACTIVE = 0, ST_DISABLED = 1 };

/*
 * Room for one temporary password and its NUL: its length is the larger
 * of 16 and minlen, which the configuration bounds at 256.
 */
#define PW_SLOT 264
#define PW_DEFAULT_LEN 16
#define PW_TRIES 100

struct row {
	long line;
	enum act act;
	char *name;
	char *email;		/* NULL: no email column */
	int verified;		/* -1: not given */
	char **groups;		/* the groups column's names */
	size_t ngroups;
	int has_groups;		/* 0: no groups column */
	int has_mfa;
	char mfa[MFA_MAX];	/* canonical word, "" = inherit */
	int has_lang;
	char lang[CRM_LANG_MAX + 1];	/* "" = follow the policy */
	int state;		/* ST_* */
	char hash[CRM_HASH_MAX];	/* "" = keep (update) or none */
	int temporary;		/* hash is of a temporary password */
	size_t pw;		/* its slot in crm_import.pw */
	long dup_of;		/* line of an earlier row with this name, 0 */
};

struct crm_import {
	size_t n;
	struct row *rows;
	int have[CRM_COL_COUNT];
	size_t ntemp;
	char *pw;		/* sodium_allocarray(ntemp, PW_SLOT) */
	struct crm_import_counts counts;
};

static void row_free(struct row *r)
{
	free(r->name);
	free(r->email);
	for (size_t i = 0; i < r->ngroups; i++)
		free(r->groups[i]);
	free(r->groups);
	sodium_memzero(r->hash, sizeof(r->hash));
}

void crm_import_free(struct crm_import *imp)
{
	if (imp == NULL)
		return;
	for (size_t i = 0; i < imp->n; i++)
		row_free(&imp->rows[i]);
	free(imp->rows);
	if (imp->pw != NULL)
		sodium_free(imp->pw);
	free(imp);
}

size_t crm_import_temporary(const struct crm_import *imp)
{
	return imp != NULL ? imp->ntemp : 0;
}

/* ---- import: checking ---- */

struct check {
	const struct crm_ctx *ctx;
	struct crm_problems *probs;
	int oom;
	size_t nprobs;
};

static void problem(struct check *k, long line, const char *field,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Adds "line N: FIELD: message" (or "line N: message") to the problems. */
static void problem(struct check *k, long line, const char *field,
	const char *fmt, ...)
{
	char msg[CRM_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	k->nprobs++;
	if ((field != NULL ? crm_problems_add(k->probs, _("line %ld: %s: %s"),
	    line, field, msg) : crm_problems_add(k->probs, _("line %ld: %s"),
	    line, msg)) != 0)
		k->oom = 1;
}

static void shown(const char *s, char *out, size_t len)
{
	crm_printable(s, out, len);
}

/*
 * The header: each known column at most once, username required, any
 * other name an error. idx[col] is the field of col, or -1.
 */
static void read_header(struct check *k, const struct crm_csv_row *h,
	int idx[CRM_COL_COUNT])
{
	for (int c = 0; c < CRM_COL_COUNT; c++)
		idx[c] = -1;
	for (size_t i = 0; i < h->n; i++) {
		const char *f = h->field[i];
		size_t len;
		int c;

		/* "username, email" as a spreadsheet may write it. */
		while (*f == ' ' || *f == '\t')
			f++;
		len = strlen(f);
		while (len > 0 && (f[len - 1] == ' ' || f[len - 1] == '\t'))
			len--;
		for (c = 0; c < CRM_COL_COUNT; c++)
			if (strlen(colname[c]) == len &&
			    strncasecmp(f, colname[c], len) == 0)
				break;
		if (c == CRM_COL_COUNT) {
			char s[64];

			shown(h->field[i], s, sizeof(s));
			problem(k, h->line, NULL, _("unknown column \"%s\" "
				"(known: username, email, email_verified, "
				"groups, mfa, state, password_hash, created, "
				"last_login)"), s);
		} else if (idx[c] >= 0) {
			problem(k, h->line, NULL, _("column %s given twice"),
				colname[c]);
		} else {
			idx[c] = (int)i;
		}
	}
	if (idx[CRM_COL_USERNAME] < 0)
		problem(k, h->line, NULL, _("no username column"));
}

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

/* Adds group name g (len bytes) to r unless it is there; -1 out of memory. */
static int add_group(struct row *r, const char *g, size_t len)
{
	char *copy = strndup(g, len), **v;

	if (copy == NULL)
		return -1;
	for (size_t i = 0; i < r->ngroups; i++)
		if (strcmp(r->groups[i], copy) == 0) {
			free(copy);
			return 0;
		}
	v = realloc(r->groups, (r->ngroups + 1) * sizeof(*v));
	if (v == NULL) {
		free(copy);
		return -1;
	}
	r->groups = v;
	r->groups[r->ngroups++] = copy;
	return 0;
}

/* Groups separated by commas or white space; blanks between are nothing. */
static void check_groups(struct check *k, struct row *r, const char *v)
{
	static const char sep[] = ", \t\r\n";

	r->has_groups = 1;
	while (*v != '\0') {
		size_t len;

		v += strspn(v, sep);
		len = strcspn(v, sep);
		if (len == 0)
			break;
		char *g = strndup(v, len);

		if (g == NULL) {
			k->oom = 1;
			return;
		}
		if (!crm_name_valid(g)) {
			char s[64];

			shown(g, s, sizeof(s));
			problem(k, r->line, colname[CRM_COL_GROUPS],
				_("invalid group name \"%s\""), s);
		} else if (add_group(r, v, len) != 0) {
			k->oom = 1;
		}
		free(g);
		v += len;
	}
}

static void check_mfa(struct check *k, struct row *r, const char *v)
{
	struct crm_error e;
	long long num = 0;
	char *str = NULL;

	r->has_mfa = 1;
	if (*v == '\0')
		return;
	/* The configuration's own parser: one grammar for the key. */
	if (crm_key_parse(CRM_K_MFA, v, &num, &str, &e) != 0) {
		/* Its message names the key already. */
		problem(k, r->line, NULL, "%s", e.msg);
		return;
	}
	free(str);
	crm_key_format(CRM_K_MFA, num, NULL, r->mfa, sizeof(r->mfa));
}

static void check_state(struct check *k, struct row *r, const char *v)
{
	char s[64];

	/*
	 * locked is what an export says of an account whose failures
	 * locked it: not a state an administrator sets, so it reads as
	 * "not disabled" and the import leaves any lock as it is.
	 */
	if (*v == '\0')
		r->state = ST_KEEP;
	else if (strcasecmp(v, "active") == 0 || strcasecmp(v, "locked") == 0)
		r->state = ST_ACTIVE;
	else if (strcasecmp(v, "disabled") == 0)
		r->state = ST_DISABLED;
	else {
		shown(v, s, sizeof(s));
		problem(k, r->line, colname[CRM_COL_STATE],
			_("\"%s\" is not active or disabled"), s);
	}
}

/*
 * An argon2id string libsodium can read back. The value is never shown:
 * a hash is a secret of its own.
 */
static void check_hash(struct check *k, struct row *r, const char *v)
{
	int ok;

	if (*v == '\0')
		return;
	if ((ok = crm_pwhash_acceptable(k->ctx->cfg, v)) < 0) {
		problem(k, r->line, colname[CRM_COL_PASSWORD_HASH],
			_("not an argon2id hash as crypto_pwhash_str makes it"));
		return;
	}
	/* Every login would pay its cost inside sshd or the web server. */
	if (ok > 0) {
		problem(k, r->line, colname[CRM_COL_PASSWORD_HASH],
			_("costs more than hash_opslimit and hash_memlimit allow"));
		return;
	}
	/* crm_pwhash_acceptable refused anything of CRM_HASH_MAX or more. */
	memcpy(r->hash, v, strlen(v) + 1);
}

/* Sorting rows by name (then line) finds the names given twice. */
static int by_name(const void *a, const void *b)
{
	const struct row *x = *(const struct row *const *)a;
	const struct row *y = *(const struct row *const *)b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

static int mark_duplicates(struct crm_import *imp)
{
	struct row **v = calloc(imp->n ? imp->n : 1, sizeof(*v));
	size_t n = 0;

	if (v == NULL)
		return -1;
	for (size_t i = 0; i < imp->n; i++)
		if (imp->rows[i].name != NULL)
			v[n++] = &imp->rows[i];
	qsort(v, n, sizeof(*v), by_name);
	for (size_t i = 1, first = 0; i < n; i++) {
		if (strcmp(v[i]->name, v[first]->name) == 0)
			v[i]->dup_of = v[first]->line;
		else
			first = i;
	}
	free(v);
	return 0;
}

/* What the store says of a row: add, update, skip or a problem. */
static int check_store(struct check *k, struct crm_import *imp,
	enum crm_on_duplicate dup, struct row *r, struct crm_error *err)
{
	struct crm_account a;
	int rc;

	rc = crm_account_get(k->ctx->db, r->name, &a, err);
	sodium_memzero(a.pw_hash, sizeof(a.pw_hash));
	if (rc == CRM_ENOENT) {
		crm_error_clear(err);
		r->act = ACT_ADD;
		imp->counts.added++;
		return 0;
	}
	if (rc != 0)
		return rc;
	switch (dup) {
	case CRM_DUP_SKIP:
		r->act = ACT_SKIP;
		imp->counts.skipped++;
		break;
	case CRM_DUP_UPDATE:
		r->act = ACT_UPDATE;
		imp->counts.updated++;
		break;
	default:
		imp->counts.existing++;
		problem(k, r->line, colname[CRM_COL_USERNAME],
			_("%s is already in the store"), r->name);
		break;
	}
	return 0;
}

/*
 * The first pass: the line and, when the record has the header's fields
 * and a valid user name, the name, so that the names given twice are
 * known before any row is reported.
 */
static void read_name(struct check *k, const int idx[CRM_COL_COUNT],
	size_t nfields, const struct crm_csv_row *rec, struct row *r)
{
	const char *v;

	r->line = rec->line;
	r->verified = -1;
	r->state = ST_KEEP;
	if (rec->n != nfields)
		return;
	v = rec->field[idx[CRM_COL_USERNAME]];
	if (crm_name_valid(v) && (r->name = strdup(v)) == NULL)
		k->oom = 1;
}

/*
 * Every column of one record, then what the file and the store say of
 * its name: problems come out in line order.
 */
static int check_row(struct check *k, struct crm_import *imp,
	enum crm_on_duplicate dup, const int idx[CRM_COL_COUNT],
	size_t nfields, const struct crm_csv_row *rec, struct row *r,
	struct crm_error *err)
{
	const char *v;
	char s[64];

	if (rec->n != nfields) {
		problem(k, r->line, NULL, _("%zu fields where the header has "
			"%zu"), rec->n, nfields);
		return 0;
	}
	v = rec->field[idx[CRM_COL_USERNAME]];
	if (!crm_name_valid(v)) {
		shown(v, s, sizeof(s));
		problem(k, r->line, colname[CRM_COL_USERNAME],
			_("invalid user name \"%s\""), s);
	}
	if (idx[CRM_COL_EMAIL] >= 0) {
		struct crm_error e;

		v = rec->field[idx[CRM_COL_EMAIL]];
		if (*v != '\0' && crm_admin_email_check(v, &e) != 0)
			problem(k, r->line, colname[CRM_COL_EMAIL], "%s", e.msg);
		else if ((r->email = strdup(v)) == NULL)
			k->oom = 1;
	}
	if (idx[CRM_COL_EMAIL_VERIFIED] >= 0) {
		v = rec->field[idx[CRM_COL_EMAIL_VERIFIED]];
		if (*v != '\0' && parse_bool(v, &r->verified) != 0) {
			shown(v, s, sizeof(s));
			problem(k, r->line, colname[CRM_COL_EMAIL_VERIFIED],
				_("\"%s\" is not yes or no"), s);
		} else if (r->verified == 1 && (idx[CRM_COL_EMAIL] < 0 ||
		    rec->field[idx[CRM_COL_EMAIL]][0] == '\0')) {
			problem(k, r->line, colname[CRM_COL_EMAIL_VERIFIED],
				_("only an address in the email column can be "
				"verified"));
		}
	}
	if (idx[CRM_COL_GROUPS] >= 0)
		check_groups(k, r, rec->field[idx[CRM_COL_GROUPS]]);
	if (idx[CRM_COL_MFA] >= 0)
		check_mfa(k, r, rec->field[idx[CRM_COL_MFA]]);
	if (idx[CRM_COL_STATE] >= 0)
		check_state(k, r, rec->field[idx[CRM_COL_STATE]]);
	if (idx[CRM_COL_LANG] >= 0) {
		struct crm_error e;

		v = rec->field[idx[CRM_COL_LANG]];
		if (crm_lang_check(v, &e) != 0) {
			shown(v, s, sizeof(s));
			problem(k, r->line, colname[CRM_COL_LANG],
				"\"%s\": %s", s, e.msg);
		} else {
			crm_lang_pick(v, NULL, r->lang);
			r->has_lang = 1;
		}
	}
	if (idx[CRM_COL_PASSWORD_HASH] >= 0)
		check_hash(k, r, rec->field[idx[CRM_COL_PASSWORD_HASH]]);
	if (r->name == NULL)
		return 0;
	if (r->dup_of != 0) {
		problem(k, r->line, colname[CRM_COL_USERNAME],
			_("%s is also on line %ld"), r->name, r->dup_of);
		return 0;
	}
	return check_store(k, imp, dup, r, err);
}

/* ---- import: temporary passwords ---- */

/*
 * The policy a new account will have: its own (system groups, global)
 * made stricter by every group of the file, whose rows are not in the
 * store yet. A password that passes the stricter policy passes the one
 * the account ends up with.
 */
static int new_policy(const struct crm_ctx *ctx, const struct row *r,
	struct crm_policy *pol, struct crm_error *err)
{
	struct crm_policy gp;
	int rc;

	if ((rc = crm_policy_resolve(ctx, r->name, pol, err)) != 0)
		return rc;
	for (size_t i = 0; i < r->ngroups; i++) {
		if ((rc = crm_policy_resolve_group(ctx, r->groups[i], &gp,
		    err)) != 0)
			return rc;
		for (int key = 0; key < CRM_K_COUNT; key++)
			if (crm_key_is_policy((enum crm_key)key))
				pol->num[key] = crm_policy_stricter(
					(enum crm_key)key, pol->num[key],
					gp.num[key]);
	}
	return 0;
}

/*
 * len random characters with at least one of every class; characters
 * that look alike (l 1 I O 0) and CSV's comma and quote are left out.
 */
static void make_password(char *out, size_t len)
{
	static const char *const cls[] = {
		"abcdefghijkmnopqrstuvwxyz",
		"ABCDEFGHJKLMNPQRSTUVWXYZ",
		"23456789",
		"!#%*+-=?@_",
	};
	static const char all[] = "abcdefghijkmnopqrstuvwxyz"
		"ABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%*+-=?@_";

	for (size_t i = 0; i < len; i++) {
		const char *set = i < 4 ? cls[i] : all;

		out[i] = set[randombytes_uniform((uint32_t)strlen(set))];
	}
	/* Fisher-Yates, so the classes are not always in front. */
	for (size_t i = len; i > 1; i--) {
		size_t j = randombytes_uniform((uint32_t)i);
		char c = out[i - 1];

		out[i - 1] = out[j];
		out[j] = c;
	}
	out[len] = '\0';
}

static int temporary_password(const struct crm_ctx *ctx, struct row *r,
	char *pw, struct crm_error *err)
{
	struct crm_policy pol;
	unsigned failed = 0;
	long long len = PW_DEFAULT_LEN;
	int rc;

	if ((rc = new_policy(ctx, r, &pol, err)) != 0)
		return rc;
	if (len < pol.num[CRM_K_MINLEN])
		len = pol.num[CRM_K_MINLEN];
	if (len > pol.num[CRM_K_MAXLEN])
		len = pol.num[CRM_K_MAXLEN];
	if (len < 4)
		len = 4;
	if (len >= PW_SLOT)
		len = PW_SLOT - 1;
	for (int i = 0; i < PW_TRIES; i++) {
		make_password(pw, (size_t)len);
		rc = crm_quality_check(&pol, r->name, pw,
			ctx->cfg->str[CRM_K_BADWORDS_FILE], &failed, err);
		if (rc != 0 || failed == 0)
			break;
	}
	if (rc == 0 && failed != 0)
		rc = crm_error_set(err, CRM_EPOLICY, _("line %ld: no temporary "
			"password meets the policy of %s"), r->line, r->name);
	if (rc == 0)
		rc = crm_pwhash_make(ctx->cfg, pw, r->hash, err);
	if (rc == 0)
		r->temporary = 1;
	return rc;
}

static int make_passwords(const struct crm_ctx *ctx, struct crm_import *imp,
	struct crm_error *err)
{
	size_t slot = 0;
	int rc = 0;

	for (size_t i = 0; i < imp->n; i++)
		imp->ntemp += imp->rows[i].act == ACT_ADD &&
			imp->rows[i].hash[0] == '\0';
	imp->counts.temporary = imp->ntemp;
	if (imp->ntemp == 0)
		return 0;
	imp->pw = sodium_allocarray(imp->ntemp, PW_SLOT);
	if (imp->pw == NULL)
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	for (size_t i = 0; rc == 0 && i < imp->n; i++) {
		struct row *r = &imp->rows[i];

		if (r->act != ACT_ADD || r->hash[0] != '\0')
			continue;
		r->pw = slot++;
		rc = temporary_password(ctx, r, imp->pw + r->pw * PW_SLOT, err);
	}
	return rc;
}

int crm_import_prepare(const struct crm_ctx *ctx, const struct crm_csv *csv,
	enum crm_on_duplicate dup, struct crm_import **out,
	struct crm_import_counts *counts, struct crm_problems *probs,
	struct crm_error *err)
{
	struct crm_import *imp;
	struct check k = { ctx, probs, 0, 0 };
	int idx[CRM_COL_COUNT];
	int rc = 0;

	*out = NULL;
	memset(counts, 0, sizeof(*counts));
	if (sodium_init() < 0)
		return crm_error_set(err, CRM_EIO, _("libsodium cannot start"));
	if (csv->n == 0)
		return crm_error_set(err, CRM_EINVAL, _("the file is empty: "
			"its first line must name the columns"));
	imp = calloc(1, sizeof(*imp));
	if (imp == NULL || (csv->n > 1 && (imp->rows = calloc(csv->n - 1,
	    sizeof(*imp->rows))) == NULL)) {
		free(imp);
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	}
	read_header(&k, &csv->row[0], idx);
	if (k.nprobs == 0) {
		for (int c = 0; c < CRM_COL_COUNT; c++)
			imp->have[c] = idx[c] >= 0;
		imp->n = csv->n - 1;
		for (size_t i = 0; i < imp->n; i++)
			read_name(&k, idx, csv->row[0].n, &csv->row[i + 1],
				&imp->rows[i]);
		if (!k.oom && mark_duplicates(imp) != 0)
			k.oom = 1;
		for (size_t i = 0; rc == 0 && !k.oom && i < imp->n; i++)
			rc = check_row(&k, imp, dup, idx, csv->row[0].n,
				&csv->row[i + 1], &imp->rows[i], err);
	}
	if (rc == 0 && k.oom)
		rc = crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	if (rc == 0 && k.nprobs > 0)
		rc = crm_error_set(err, CRM_EINVAL, ngettext_(
			"%zu problem; nothing was imported",
			"%zu problems; nothing was imported", k.nprobs),
			k.nprobs);
	*counts = imp->counts;
	if (rc == 0)
		rc = make_passwords(ctx, imp, err);
	if (rc != 0) {
		crm_import_free(imp);
		return rc;
	}
	*counts = imp->counts;
	*out = imp;
	return 0;
}

/* ---- import: writing ---- */

/*
 * The passwords as CSV, built in locked memory: the shared writer runs
 * over an unbuffered memory stream on a sodium_malloc buffer, so no copy
 * of a password is left in a stdio buffer.
 */
static int write_passwords(const struct crm_import *imp, int fd,
	struct crm_error *err)
{
	static const char *const header[2] = { "username", "password" };
	size_t cap = 32, len, done = 0;
	char *text;
	long pos;
	FILE *f;
	int rc = 0;

	for (size_t i = 0; i < imp->n; i++)
		if (imp->rows[i].temporary)
			cap += 2 * strlen(imp->rows[i].name) + 2 +
				strlen(imp->pw + imp->rows[i].pw * PW_SLOT) + 4;
	if ((text = sodium_malloc(cap)) == NULL)
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	f = fmemopen(text, cap, "w");
	if (f == NULL) {
		sodium_free(text);
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	}
	setvbuf(f, NULL, _IONBF, 0);
	crm_csv_put_row(f, header, 2);
	for (size_t i = 0; i < imp->n; i++) {
		const struct row *r = &imp->rows[i];
		const char *fields[2];

		if (!r->temporary)
			continue;
		fields[0] = r->name;
		fields[1] = imp->pw + r->pw * PW_SLOT;
		crm_csv_put_row(f, fields, 2);
	}
	pos = ftell(f);
	len = pos > 0 ? (size_t)pos : 0;
	if (ferror(f) || len == 0 || len >= cap)
		rc = crm_error_set(err, CRM_EIO,
			_("cannot build the passwords file"));
	fclose(f);
	while (rc == 0 && done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n <= 0)
			rc = crm_error_set(err, CRM_EIO, _("cannot write the "
				"passwords file: %s"), strerror(errno));
		else
			done += (size_t)n;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = crm_error_set(err, CRM_EIO, _("cannot write the "
			"passwords file: %s"), strerror(errno));
	sodium_free(text);
	return rc;
}

static int audited(int rc, struct crm_error *err)
{
	return rc != 0 ? crm_error_set(err, rc,
		_("cannot write the audit trail")) : 0;
}

/* The store group g, created (and audited) when it is missing. */
static int ensure_group(const struct crm_ctx *ctx, const char *g,
	struct crm_error *err)
{
	int exists = 0, rc;

	rc = crm_group_exists(ctx->db, g, &exists, err);
	if (rc == 0 && !exists)
		rc = crm_group_add(ctx->db, g, err);
	if (rc == 0 && !exists)
		rc = audited(crm_audit_add(ctx, "group.add", NULL, "group=%s",
			g), err);
	return rc;
}

struct names {
	char **v;
	size_t n;
};

static int collect(void *arg, const char *name)
{
	struct names *ns = arg;
	char **v = realloc(ns->v, (ns->n + 1) * sizeof(*v));

	if (v == NULL)
		return CRM_ENOMEM;
	ns->v = v;
	if ((ns->v[ns->n] = strdup(name)) == NULL)
		return CRM_ENOMEM;
	ns->n++;
	return 0;
}

static int listed(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return 1;
	return 0;
}

/* The store memberships of r's account become exactly r's groups. */
static int set_groups(const struct crm_ctx *ctx, const struct row *r,
	struct crm_error *err)
{
	struct names now = { NULL, 0 };
	int rc;

	rc = crm_member_groups(ctx->db, r->name, collect, &now, err);
	if (rc == CRM_ENOMEM)
		rc = crm_error_set(err, rc, _("out of memory"));
	for (size_t i = 0; rc == 0 && i < now.n; i++)
		if (!listed(r->groups, r->ngroups, now.v[i]))
			rc = crm_member_del(ctx->db, now.v[i], r->name, err);
	for (size_t i = 0; rc == 0 && i < r->ngroups; i++) {
		if (listed(now.v, now.n, r->groups[i]))
			continue;
		rc = ensure_group(ctx, r->groups[i], err);
		if (rc == 0)
			rc = crm_member_add(ctx->db, r->groups[i], r->name, err);
	}
	for (size_t i = 0; i < now.n; i++)
		free(now.v[i]);
	free(now.v);
	return rc;
}

/* The user's own mfa override becomes r's ("" removes it); audited if changed. */
static int set_mfa(const struct crm_ctx *ctx, const struct row *r,
	struct crm_error *err)
{
	const char *key = crm_key_info(CRM_K_MFA)->name;
	char cur[MFA_MAX] = "";
	int rc;

	rc = crm_policy_row_foreach(ctx->db, "user", r->name, find_mfa, cur,
		err);
	if (rc != 0 || strcmp(cur, r->mfa) == 0)
		return rc;
	if (r->mfa[0] != '\0')
		rc = crm_policy_row_set(ctx->db, "user", r->name, key, r->mfa,
			err);
	else
		rc = crm_policy_row_del(ctx->db, "user", r->name, key, err);
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, "policy.change", r->name,
			"user %s mfa=%s by=import", r->name,
			r->mfa[0] ? r->mfa : "default"), err);
	return rc;
}

/*
 * The disabled flag as r's state says; an import never touches a lock,
 * which only `crmpasswd user unlock` (or enable) lifts.
 */
static void set_state(const struct crm_ctx *ctx, const struct row *r,
	struct crm_account *a, int *event)
{
	*event = -1;
	if (r->state == ST_DISABLED && !a->disabled) {
		a->disabled = 1;
		snprintf(a->disabled_reason, sizeof(a->disabled_reason),
			"admin");
		a->disabled_at = ctx->now;
		*event = ST_DISABLED;
	} else if (r->state == ST_ACTIVE && a->disabled) {
		/* Restart the inactivity clock, as user enable does. */
		a->disabled = 0;
		a->disabled_reason[0] = '\0';
		a->disabled_at = 0;
		a->enabled_at = ctx->now;
		*event = ST_ACTIVE;
	}
}

/* The details of a user.add / user.change row: the columns the file gave. */
static int details(const struct crm_import *imp, const struct row *r,
	const char *source, const struct crm_account *a, struct buf *d)
{
	int bad = buf_printf(d, "by=import file=%s", source);

	if (r->has_mfa)
		bad |= buf_printf(d, " mfa=%s", r->mfa[0] ? r->mfa : "default");
	if (r->has_lang)
		bad |= buf_printf(d, " lang=%s", r->lang[0] ? r->lang
			: "default");
	if (r->state != ST_KEEP || r->act == ACT_ADD)
		bad |= buf_printf(d, " state=%s", a->disabled ? "disabled"
			: "active");
	if (r->act == ACT_ADD || r->hash[0] != '\0')
		bad |= buf_printf(d, " password=%s", r->temporary ? "temporary"
			: r->hash[0] ? "hash" : "kept");
	if (imp->have[CRM_COL_EMAIL] || r->act == ACT_ADD)
		bad |= buf_printf(d, " email=%s verified=%s", a->email,
			a->email_verified ? "yes" : "no");
	/* Last: a long list is what the audit's 1 KiB of details may cut. */
	if (r->has_groups || r->act == ACT_ADD) {
		bad |= buf_printf(d, " groups=");
		for (size_t i = 0; i < r->ngroups; i++)
			bad |= buf_printf(d, "%s%s", i ? "," : "", r->groups[i]);
	}
	return bad;
}

static int apply_row(const struct crm_ctx *ctx, const struct crm_import *imp,
	const struct row *r, const char *source, struct crm_error *err)
{
	struct crm_account a;
	struct buf d = { NULL, 0, 0 };
	struct crm_policy pol;
	int rc, event = -1;

	rc = crm_account_get(ctx->db, r->name, &a, err);
	if (r->act == ACT_ADD && rc == 0)
		rc = crm_error_set(err, CRM_EEXIST, _("line %ld: %s was added "
			"to the store while the import was checked"), r->line,
			r->name);
	else if (r->act != ACT_ADD && rc == CRM_ENOENT)
		rc = crm_error_set(err, CRM_ENOENT, _("line %ld: %s left the "
			"store while the import was checked"), r->line, r->name);
	else if (r->act == ACT_ADD && rc == CRM_ENOENT)
		rc = 0;
	if (rc != 0 || r->act == ACT_SKIP)
		goto out;
	if (r->act == ACT_ADD) {
		memset(&a, 0, sizeof(a));
		snprintf(a.name, sizeof(a.name), "%s", r->name);
		a.origin = CRM_ORIGIN_ADMIN;
		a.created = ctx->now;
		rc = crm_account_insert(ctx->db, &a, err);
	}
	if (rc == 0 && r->email != NULL && strcmp(a.email, r->email) != 0) {
		/* A new address is not verified until someone says so. */
		snprintf(a.email, sizeof(a.email), "%s", r->email);
		a.email_verified = 0;
	}
	if (r->verified >= 0)
		a.email_verified = r->verified && a.email[0] != '\0';
	if (rc == 0)
		set_state(ctx, r, &a, &event);
	if (rc == 0 && r->has_lang)
		memcpy(a.lang, r->lang, sizeof(a.lang));
	if (rc == 0)
		rc = crm_account_update(ctx->db, &a, err);
	if (rc == 0 && r->has_groups)
		rc = set_groups(ctx, r, err);
	if (rc == 0 && r->has_mfa)
		rc = set_mfa(ctx, r, err);
	/* The groups are in place, so their history length applies. */
	if (rc == 0 && r->hash[0] != '\0' && strcmp(a.pw_hash, r->hash) != 0) {
		rc = crm_policy_resolve(ctx, r->name, &pol, err);
		/*
		 * A temporary password is known to the administrator: it
		 * must be changed. A given hash keeps what the store said
		 * (nothing, for a new account). Only a temporary password
		 * is known here, to derive SIP credentials from.
		 */
		if (rc == 0)
			rc = crm_pw_record(ctx, &a, r->hash, 1,
				r->temporary || a.must_change, &pol, r->temporary ?
				imp->pw + r->pw * PW_SLOT : NULL, err);
		if (rc == 0 && r->act == ACT_UPDATE)
			rc = audited(crm_audit_add(ctx, "password.change",
				r->name, "admin by=import"), err);
	}
	if (rc == 0 && details(imp, r, source, &a, &d) != 0)
		rc = crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	if (rc == 0)
		rc = audited(crm_audit_add(ctx, r->act == ACT_ADD ? "user.add"
			: "user.change", r->name, "%s", buf_text(&d)), err);
	if (rc == 0 && event >= 0)
		rc = audited(crm_audit_add(ctx, event == ST_DISABLED ?
			"disable" : "enable", r->name, "admin by=import"), err);
out:
	free(d.p);
	sodium_memzero(&a, sizeof(a));
	return rc;
}

int crm_import_apply(const struct crm_ctx *ctx, struct crm_import *imp,
	const char *source, int pwfd, struct crm_import_counts *counts,
	struct crm_error *err)
{
	int rc = 0;

	memset(counts, 0, sizeof(*counts));
	if (source == NULL)
		source = "";
	if (imp->ntemp > 0 && pwfd < 0)
		return crm_error_set(err, CRM_EINVAL,
			_("temporary passwords need a file to go to"));
	/* On disk before the accounts exist: no account without its password. */
	if (imp->ntemp > 0)
		rc = write_passwords(imp, pwfd, err);
	if (rc == 0)
		rc = crm_store_begin(ctx->db, err);
	if (rc == 0) {
		for (size_t i = 0; rc == 0 && i < imp->n; i++)
			rc = apply_row(ctx, imp, &imp->rows[i], source, err);
		if (rc == 0)
			rc = audited(crm_audit_add(ctx, "import", NULL,
				"file=%s added=%zu updated=%zu skipped=%zu "
				"temporary=%zu", source, imp->counts.added,
				imp->counts.updated, imp->counts.skipped,
				imp->counts.temporary), err);
		if (rc == 0)
			rc = crm_store_commit(ctx->db, err);
		else
			crm_store_rollback(ctx->db);
	}
	/* No account exists for these passwords: leave none of them on disk. */
	if (rc != 0 && imp->ntemp > 0 && pwfd >= 0) {
		if (ftruncate(pwfd, 0) == 0)
			(void)fsync(pwfd);
	}
	if (rc == 0)
		*counts = imp->counts;
	return rc;
}
