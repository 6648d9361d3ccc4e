/*
 * Accounts in bulk: the export of store accounts as rows without any
 * secret, and the all-or-nothing import of a CSV file of accounts. An
 * import is prepared (every row validated, temporary passwords made and
 * hashed) before one transaction writes it, so that a bad row writes
 * nothing and argon2id never runs under the store's write lock.
 */
#ifndef CRMPOLICY_ACCOUNTS_CSV_H
#define CRMPOLICY_ACCOUNTS_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "crmpolicy/context.h"
#include "crmpolicy/csv.h"
#include "crmpolicy/error.h"

/*
 * The columns, in the order an export writes them; an import knows the
 * same names (case-insensitive, any order) and password_hash besides.
 */
enum crm_user_col {
	CRM_COL_USERNAME,
	CRM_COL_EMAIL,
	CRM_COL_EMAIL_VERIFIED,
	CRM_COL_GROUPS,
	CRM_COL_MFA,
	CRM_COL_STATE,
	CRM_COL_CREATED,	/* export only; an import ignores it */
	CRM_COL_LAST_LOGIN,	/* export only; an import ignores it */
	CRM_COL_LANG,		/* the account's own language, "" = policy's */
	CRM_COL_PASSWORD_HASH,	/* import only; never exported */
	CRM_COL_COUNT
};
/* The columns an export writes: the first CRM_EXPORT_COLS of the enum. */
#define CRM_EXPORT_COLS 9

/* The name of column col ("username", ...), or NULL. */
const char *crm_user_column(enum crm_user_col col);

/* One exported account: nothing secret (no hash, no TOTP data). */
struct crm_user_row {
	const char *name;
	const char *email;	/* "" when none */
	int email_verified;
	const char *groups;	/* the store groups, joined by ',' */
	const char *mfa;	/* the user's own mfa override, "" = inherited */
	const char *state;	/* "active", "disabled" or "locked" */
	int64_t created;
	int64_t last_login;	/* 0 = never */
	const char *lang;	/* the account's own language, "" = policy's */
};

/* Called once per account; a non-zero return stops and is returned. */
typedef int (*crm_user_row_cb)(void *arg, const struct crm_user_row *row);

/*
 * Calls cb for every store account by name, from one read snapshot, the
 * state as `crmpasswd status` shows it (disabled over locked over
 * active). Then audits "export" (what=users rows=N format=FORMAT, with
 * format a word such as csv) naming ctx->actor, so that the caller shows
 * the rows only once their export is on record. *rows counts them.
 * Returns 0, the callback's code, or an error (nothing is audited).
 */
int crm_export_users(const struct crm_ctx *ctx, const char *format,
	crm_user_row_cb cb, void *arg, long long *rows, struct crm_error *err)
	__attribute__((warn_unused_result));

/* What to do with a row whose account is already in the store. */
enum crm_on_duplicate {
	CRM_DUP_REFUSE,		/* a problem of that row */
	CRM_DUP_SKIP,		/* left untouched, counted as skipped */
	CRM_DUP_UPDATE,		/* the file's columns replace its values */
};

/* What an import did, or (after prepare) will do. */
struct crm_import_counts {
	size_t added, updated, skipped;
	size_t temporary;	/* new accounts given a temporary password */
	size_t existing;	/* rows refused because the account exists */
};

struct crm_import;	/* a validated import, ready to write */

/*
 * Validates csv (its first record names the columns) against the store:
 * every problem of every row is added to probs as "line N: FIELD:
 * message", and with any problem the result is CRM_EINVAL and nothing
 * else happens. Otherwise the new accounts without a password_hash get a
 * random temporary password that passes their policy, hashed here, and
 * *imp holds the plan (free it with crm_import_free). counts says what
 * the plan does, or how many rows were refused for existing accounts.
 * Reads only. Returns 0, CRM_EINVAL (see probs) or another error.
 */
int crm_import_prepare(const struct crm_ctx *ctx, const struct crm_csv *csv,
	enum crm_on_duplicate dup, struct crm_import **imp,
	struct crm_import_counts *counts, struct crm_problems *probs,
	struct crm_error *err) __attribute__((warn_unused_result));

/* The number of temporary passwords the plan holds (0: no file needed). */
size_t crm_import_temporary(const struct crm_import *imp);

/*
 * Writes the plan. When it holds temporary passwords they are first
 * written to pwfd (a new file the caller made, mode 0600) as CSV lines
 * "username,password" under a header line and fsynced; then one
 * transaction adds and updates every account (groups created when
 * missing), audits each one and the import itself (file=source and the
 * counts), naming ctx->actor. Any failure, including an account added or
 * removed since the plan was made, rolls everything back and empties
 * pwfd; the caller then removes the file. Returns 0 or an error.
 */
int crm_import_apply(const struct crm_ctx *ctx, struct crm_import *imp,
	const char *source, int pwfd, struct crm_import_counts *counts,
	struct crm_error *err) __attribute__((warn_unused_result));

/* Wipes the temporary passwords and hashes and frees; NULL is fine. */
void crm_import_free(struct crm_import *imp);

#endif
