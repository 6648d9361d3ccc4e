/*
 * The store: one SQLite database in WAL mode with a busy timeout and a
 * versioned schema. This header gives the account, group, membership,
 * policy-row and password-history accessors; every read-check-write runs
 * inside crm_store_begin() (BEGIN IMMEDIATE) ... crm_store_commit().
 */
#ifndef CRMPOLICY_STORE_H
#define CRMPOLICY_STORE_H

#include <stdint.h>
#include <sqlite3.h>
#include "crmpolicy/db.h"
#include "crmpolicy/error.h"
#include "crmpolicy/lang.h"

#define CRM_SCHEMA_VERSION 7
#define CRM_NAME_MAX 256	/* bytes of a user or group name */
#define CRM_EMAIL_MAX 320
#define CRM_RHOST_MAX 255
#define CRM_HASH_MAX 128	/* crypto_pwhash_STRBYTES */

/*
 * Whether db names a PostgreSQL store: a postgresql:// (or postgres://)
 * URI, or a libpq keyword string (key=value ..., service=name), as
 * opposed to the path of an SQLite file.
 */
int crm_store_is_pg(const char *db);

/*
 * Opens (or with create, creates) the store at path; a PostgreSQL
 * connection string (crm_store_is_pg) connects to that database instead
 * and brings its schema to the same version. Refuses a path that is
 * a symlink, a file not owned by root or writable by group/others, or a
 * directory writable by others than root. Sets WAL, busy timeout, foreign
 * keys and runs migrations up to CRM_SCHEMA_VERSION.
 */
int crm_store_open(const char *path, int create, struct crm_db **db,
	struct crm_error *err) __attribute__((warn_unused_result));
/*
 * The SQLite handle under db (NULL for another backend): only for code
 * that is SQLite's by nature (the backup's page copy) and for the parts
 * of the core not yet moved onto the storage interface of db.h.
 */
sqlite3 *crm_db_sqlite(struct crm_db *db);
/* sqlite3_open_v2 of a store file, as a connection (the backup's copies). */
int crm_db_open_file(const char *path, int flags, struct crm_db **db);

/* Finalizes db's statements and closes it; sqlite3_close's code. */
int crm_store_close(struct crm_db *db);

/*
 * sqlite3_prepare_v2 that keeps the statement for the next call with the
 * same SQL on the same connection (the connection's statement list is
 * the cache), and its end: crm_sql_done resets and unbinds the statement
 * instead of finalizing it, and returns what sqlite3_reset returns.
 * crm_store_close finalizes them all. Every statement of the core is
 * prepared and ended this way, so that a login compiles no SQL twice.
 */
int crm_sql_prepare(struct crm_db *db, const char *sql, int n, sqlite3_stmt **st,
	const char **tail);
int crm_sql_done(sqlite3_stmt *st);

/*
 * BEGIN IMMEDIATE / COMMIT / ROLLBACK. Rollback never fails loudly.
 * crm_store_begin's transaction is durable when its commit returns (WAL,
 * synchronous = FULL: the log is synced at each commit). A relaxed one
 * (synchronous = NORMAL) is atomic and consistent as any, but a power cut
 * (not a crash of the process) may forget it until the log's next
 * checkpoint: only for what a login may lose that way, never a failure
 * count, a lock, an address block or a used code (see the README).
 */
int crm_store_begin(struct crm_db *db, struct crm_error *err)
	__attribute__((warn_unused_result));
int crm_store_begin_relaxed(struct crm_db *db, struct crm_error *err)
	__attribute__((warn_unused_result));
/* BEGIN (deferred): a transaction that reads, and waits for no writer. */
int crm_store_begin_read(struct crm_db *db, struct crm_error *err)
	__attribute__((warn_unused_result));
int crm_store_commit(struct crm_db *db, struct crm_error *err)
	__attribute__((warn_unused_result));
void crm_store_rollback(struct crm_db *db);

/* The schema version the open store is at. */
int crm_store_version(struct crm_db *db, int *version, struct crm_error *err);

enum crm_origin {
	CRM_ORIGIN_ADMIN = 0,	/* added with crmpasswd (or import) */
	CRM_ORIGIN_SEEN = 1,	/* first seen by a stacked PAM stack */
};

struct crm_account {
	int64_t id;
	char name[CRM_NAME_MAX + 1];
	char email[CRM_EMAIL_MAX + 1];
	int email_verified;
	char pw_hash[CRM_HASH_MAX];	/* argon2id; "" when the password lives elsewhere */
	int origin;			/* enum crm_origin */
	int64_t created;
	int64_t pw_changed;		/* 0 = never */
	int64_t enabled_at;		/* last admin enable; inactivity counts from here too */
	int must_change;
	int disabled;
	char disabled_reason[32];	/* "admin" or "inactive" */
	int64_t disabled_at;
	int failures;			/* consecutive failures */
	int64_t first_fail, last_fail;
	int64_t locked_at;		/* 0 = not locked */
	int fails_since_login;		/* failures since the last success */
	int64_t last_login;
	char last_service[64];
	char last_rhost[CRM_RHOST_MAX + 1];
	int64_t prev_login;		/* the login before last_login */
	char prev_service[64];
	char prev_rhost[CRM_RHOST_MAX + 1];
	int prev_fails;			/* failures between prev_login and last_login */
	char last_place[256];		/* "City, Country" of last_rhost, "" unknown */
	char prev_place[256];
	char lang[CRM_LANG_MAX + 1];	/* "cs", "ja", ...; "" follows the policy */
};

/* A store-wide setting (e.g. the rules' default action): 0, CRM_ENOENT. */
int crm_setting_get(struct crm_db *db, const char *key, char *value, size_t len,
	struct crm_error *err) __attribute__((warn_unused_result));
int crm_setting_set(struct crm_db *db, const char *key, const char *value,
	struct crm_error *err) __attribute__((warn_unused_result));

/* Loads the account named name: 0, CRM_ENOENT or CRM_ESTORE. */
int crm_account_get(struct crm_db *db, const char *name, struct crm_account *a,
	struct crm_error *err) __attribute__((warn_unused_result));
/*
 * crm_account_get where "no such account" is an answer: *found = 0 and 0
 * returned (a is then undefined); a store error is returned as such.
 */
int crm_account_find(struct crm_db *db, const char *name, struct crm_account *a,
	int *found, struct crm_error *err) __attribute__((warn_unused_result));
/* Inserts a (a->id is set). CRM_EEXIST if the name is taken. */
int crm_account_insert(struct crm_db *db, struct crm_account *a,
	struct crm_error *err) __attribute__((warn_unused_result));
/* Writes every mutable field of a (by a->id). */
int crm_account_update(struct crm_db *db, const struct crm_account *a,
	struct crm_error *err) __attribute__((warn_unused_result));
/* Deletes the account and everything hanging off it. CRM_ENOENT if none. */
int crm_account_delete(struct crm_db *db, const char *name, struct crm_error *err)
	__attribute__((warn_unused_result));

typedef int (*crm_account_cb)(void *arg, const struct crm_account *a);
/* Calls cb for each account by name; a non-zero cb return stops and is returned. */
int crm_account_foreach(struct crm_db *db, crm_account_cb cb, void *arg,
	struct crm_error *err) __attribute__((warn_unused_result));

typedef int (*crm_name_cb)(void *arg, const char *name);
/* Store groups. */
int crm_group_add(struct crm_db *db, const char *group, struct crm_error *err)
	__attribute__((warn_unused_result));
int crm_group_del(struct crm_db *db, const char *group, struct crm_error *err)
	__attribute__((warn_unused_result));
int crm_group_exists(struct crm_db *db, const char *group, int *exists,
	struct crm_error *err) __attribute__((warn_unused_result));
int crm_group_foreach(struct crm_db *db, crm_name_cb cb, void *arg,
	struct crm_error *err) __attribute__((warn_unused_result));
int crm_member_add(struct crm_db *db, const char *group, const char *user,
	struct crm_error *err) __attribute__((warn_unused_result));
int crm_member_del(struct crm_db *db, const char *group, const char *user,
	struct crm_error *err) __attribute__((warn_unused_result));
/* Members of one store group. */
int crm_member_foreach(struct crm_db *db, const char *group, crm_name_cb cb,
	void *arg, struct crm_error *err) __attribute__((warn_unused_result));
/* Store groups of one user (by name). */
int crm_member_groups(struct crm_db *db, const char *user, crm_name_cb cb,
	void *arg, struct crm_error *err) __attribute__((warn_unused_result));

/* Policy override rows: scope is "global", "group" or "user". */
int crm_policy_row_set(struct crm_db *db, const char *scope, const char *target,
	const char *key, const char *value, struct crm_error *err)
	__attribute__((warn_unused_result));
int crm_policy_row_del(struct crm_db *db, const char *scope, const char *target,
	const char *key, struct crm_error *err)
	__attribute__((warn_unused_result));
typedef int (*crm_policy_row_cb)(void *arg, const char *key,
	const char *value);
int crm_policy_row_foreach(struct crm_db *db, const char *scope, const char *target,
	crm_policy_row_cb cb, void *arg, struct crm_error *err)
	__attribute__((warn_unused_result));

/* Password history (argon2id hashes), newest first. */
int crm_pwhist_add(struct crm_db *db, int64_t account_id, const char *hash,
	int64_t when, struct crm_error *err) __attribute__((warn_unused_result));
typedef int (*crm_hash_cb)(void *arg, const char *hash);
int crm_pwhist_foreach(struct crm_db *db, int64_t account_id, int limit,
	crm_hash_cb cb, void *arg, struct crm_error *err)
	__attribute__((warn_unused_result));
/* Keeps only the newest keep entries. */
int crm_pwhist_prune(struct crm_db *db, int64_t account_id, int keep,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * The rule for the store, its directory and backups: owned by root (or
 * the effective user) and writable by nobody else. 1 when st keeps it.
 */
struct stat;
int crm_store_safe_stat(const struct stat *st);

/* Fills err from the db's last error, naming what was being done. */
int crm_store_error(struct crm_db *db, const char *what, struct crm_error *err);

#endif
