/*
 * The store: opening with ownership/mode/symlink checks, WAL and a busy
 * timeout, schema migrations keyed on PRAGMA user_version, transactions,
 * and the accessors for accounts, groups, policy rows and password history.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/store.h"
#include "db_impl.h"

/* Long enough for 32 processes queueing on one account's row. */
#define BUSY_TIMEOUT_MS 15000
/* Log pages past which a commit checkpoints (SQLite's default: 1000). */
#define WAL_CHECKPOINT_PAGES 64


int crm_store_error(struct crm_db *db, const char *what, struct crm_error *err)
{
	return crm_db_error(db, what, err);
}

int crm_store_safe_stat(const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return 0;
	return (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

static int check_dir(const char *path, int create, struct crm_error *err)
{
	char *copy = strdup(path);
	const char *dir;
	struct stat st;
	int r = CRM_OK;

	if (copy == NULL)
		return crm_error_set(err, CRM_ENOMEM, "out of memory");
	dir = dirname(copy);
	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
		r = crm_error_set(err, CRM_ESTORE, "store directory %s: %s",
			dir, strerror(errno));
	else if (lstat(dir, &st) != 0)
		r = crm_error_set(err, CRM_ESTORE, "store directory %s: %s",
			dir, strerror(errno));
	else if (S_ISLNK(st.st_mode))
		r = crm_error_set(err, CRM_ESTORE,
			"store directory %s is a symbolic link", dir);
	else if (!S_ISDIR(st.st_mode) || !crm_store_safe_stat(&st))
		r = crm_error_set(err, CRM_ESTORE,
			"store directory %s is writable by others than root", dir);
	free(copy);
	return r;
}

/*
 * Checks the database file itself before SQLite opens it; the directory
 * check above keeps anyone else from swapping it in between.
 */
static int check_file(const char *path, int create, struct crm_error *err)
{
	struct stat st;
	int fd, flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;

	if (create)
		flags = O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	fd = open(path, flags, 0600);
	if (fd < 0) {
		if (errno == ELOOP)
			return crm_error_set(err, CRM_ESTORE,
				"store %s is a symbolic link", path);
		if (errno == ENOENT)
			return crm_error_set(err, CRM_ESTORE,
				"store %s does not exist (run crmpasswd init)", path);
		return crm_error_set(err, CRM_ESTORE, "store %s: %s", path,
			strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		int e = errno;

		close(fd);
		return crm_error_set(err, CRM_ESTORE, "store %s: %s", path,
			strerror(e));
	}
	close(fd);
	if (!S_ISREG(st.st_mode))
		return crm_error_set(err, CRM_ESTORE,
			"store %s is not a regular file", path);
	if (!crm_store_safe_stat(&st))
		return crm_error_set(err, CRM_ESTORE,
			"store %s is writable by others than root", path);
	return CRM_OK;
}

static int exec_sql(struct crm_db *db, const char *sql, const char *what,
	struct crm_error *err)
{
	if (sqlite3_exec(db->sq, sql, NULL, NULL, NULL) != SQLITE_OK)
		return crm_store_error(db, what, err);
	return CRM_OK;
}

/* PRAGMA user_version: where SQLite keeps the schema's version. */
static int sqlite_version(struct crm_db *db, int *version,
	struct crm_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if (crm_sql_prepare(db, "PRAGMA user_version", -1, &st, NULL))
		return crm_store_error(db, "reading the schema version", err);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		crm_sql_done(st);
		return crm_store_error(db, "reading the schema version", err);
	}
	*version = sqlite3_column_int(st, 0);
	crm_sql_done(st);
	return CRM_OK;
}

int crm_store_version(struct crm_db *db, int *version, struct crm_error *err)
{
	if (db->kind == CRM_DB_POSTGRESQL)
		return crm_db_pg_version(db, version, err);
	return sqlite_version(db, version, err);
}

/* Brings the schema to CRM_SCHEMA_VERSION inside one write transaction. */
static int migrate(struct crm_db *db, struct crm_error *err)
{
	const int target = (int)crm_sqlite_migration_count;
	char pragma[64];
	int version, r;

	if ((r = crm_store_version(db, &version, err)) != CRM_OK)
		return r;
	if (version == target)
		return CRM_OK;
	if ((r = crm_store_begin(db, err)) != CRM_OK)
		return r;
	/* Re-read under the lock: another process may have migrated. */
	if ((r = crm_store_version(db, &version, err)) != CRM_OK)
		goto fail;
	if (version > target) {
		r = crm_error_set(err, CRM_ESTORE,
			"store %s has schema version %d, newer than this crmpolicy (%d)",
			sqlite3_db_filename(db->sq, "main"), version, target);
		goto fail;
	}
	for (int v = version; v < target; v++)
		if ((r = exec_sql(db, crm_sqlite_migration(v),
				"migrating the schema",
				err)) != CRM_OK)
			goto fail;
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", target);
	if ((r = exec_sql(db, pragma, "setting the schema version", err)))
		goto fail;
	return crm_store_commit(db, err);
fail:
	crm_store_rollback(db);
	return r;
}

/*
 * Waiting for the write lock, held for well under a millisecond by a
 * login's transaction: SQLite's own schedule sleeps 1, 2, 5, 10 ms and
 * on, long after the lock is free, and lets the latecomers win. This one
 * sleeps 0.1 ms, doubling up to 2 ms, for BUSY_TIMEOUT_MS in all; the
 * time slept follows from count alone.
 */
static int busy_wait(void *arg, int count)
{
	long long slept_us = count <= 5 ? 100LL * ((1LL << count) - 1) :
		3100LL + 2000LL * (count - 5);
	long us = count < 5 ? 100L << count : 2000L;
	struct timespec ts;

	(void)arg;
	if (slept_us >= BUSY_TIMEOUT_MS * 1000LL)
		return 0;
	ts.tv_sec = 0;
	ts.tv_nsec = us * 1000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return 1;
}

int crm_store_is_pg(const char *db)
{
	return db != NULL && (strncmp(db, "postgresql://", 13) == 0 ||
		strncmp(db, "postgres://", 11) == 0 ||
		(db[0] != '/' && strchr(db, '=') != NULL));
}

int crm_store_open(const char *path, int create, struct crm_db **dbp,
	struct crm_error *err)
{
	struct crm_db *db = NULL;
	sqlite3 *sq = NULL;
	int r, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW;

	*dbp = NULL;
	/* A fleet's database exists already: create only migrates it. */
	if (crm_store_is_pg(path))
		return crm_db_open_pg(path, dbp, err);
	if (path == NULL || path[0] != '/')
		return crm_error_set(err, CRM_ESTORE,
			"store path must be absolute");
	if ((r = check_dir(path, create, err)) != CRM_OK)
		return r;
	if ((r = check_file(path, create, err)) != CRM_OK)
		return r;
	if (sqlite3_open_v2(path, &sq, flags, NULL) != SQLITE_OK) {
		r = crm_error_set(err, CRM_ESTORE, "store %s: %s", path,
			sq ? sqlite3_errmsg(sq) : "out of memory");
		sqlite3_close(sq);
		return r;
	}
	if (crm_db_wrap_sqlite(sq, &db) != CRM_OK) {
		sqlite3_close(sq);
		return crm_error_set(err, CRM_ENOMEM, "out of memory");
	}
	sqlite3_busy_handler(sq, busy_wait, NULL);
	sqlite3_extended_result_codes(sq, 1);
	/*
	 * A PAM handle's connection lives for one login: checkpointing the
	 * log whenever the last one closes would sync the log and the store
	 * at every login on a quiet host. The log is checkpointed instead by
	 * the commit that takes it past WAL_CHECKPOINT_PAGES; the next first
	 * opener reads at most that much of it back.
	 */
	if (sqlite3_db_config(sq, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
			(int *)NULL) != SQLITE_OK ||
			sqlite3_wal_autocheckpoint(sq, WAL_CHECKPOINT_PAGES) !=
			SQLITE_OK) {
		r = crm_store_error(db, "configuring the connection", err);
		goto fail;
	}
	if ((r = exec_sql(db, "PRAGMA foreign_keys = ON;"
			"PRAGMA secure_delete = ON; PRAGMA synchronous = FULL;",
			"setting pragmas", err)))
		goto fail;
	if ((r = exec_sql(db, "PRAGMA journal_mode = WAL",
			"switching to WAL", err)))
		goto fail;
	if ((r = migrate(db, err)) != CRM_OK)
		goto fail;
	*dbp = db;
	return CRM_OK;
fail:
	crm_store_close(db);
	return r;
}

int crm_store_close(struct crm_db *db)
{
	int rc;

	if (db == NULL)
		return 0;
	crm_db_notes_end(db, 0);
	crm_db_free_statements(db);
	/* As sqlite3_close: a connection still busy stays open. */
	rc = db->ops->close(db);
	if (rc == 0)
		free(db);
	return rc;
}

int crm_sql_prepare(struct crm_db *db, const char *sql, int n, sqlite3_stmt **st,
	const char **tail)
{
	sqlite3_stmt *s = NULL;

	/* SQLite's own statements: nothing to run on another backend. */
	if (db == NULL || db->kind != CRM_DB_SQLITE) {
		*st = NULL;
		return SQLITE_MISUSE;
	}
	/*
	 * The connection's own list of statements is the cache: no state
	 * of ours outlives a call. A statement in use (stepped, not reset)
	 * is passed over, so that a nested use of the same SQL gets its own.
	 */
	while ((s = sqlite3_next_stmt(db->sq, s)) != NULL) {
		const char *text = sqlite3_sql(s);

		if (text != NULL && !sqlite3_stmt_busy(s) &&
				strcmp(text, sql) == 0) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			*st = s;
			if (tail != NULL)
				*tail = sql + strlen(sql);
			return SQLITE_OK;
		}
	}
	return sqlite3_prepare_v3(db->sq, sql, n, SQLITE_PREPARE_PERSISTENT,
		st, tail);
}

int crm_sql_done(sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return SQLITE_OK;
	rc = sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

int crm_store_begin(struct crm_db *db, struct crm_error *err)
{
	return db->ops->begin(db, CRM_TX_WRITE, err);
}

int crm_store_begin_relaxed(struct crm_db *db, struct crm_error *err)
{
	return db->ops->begin(db, CRM_TX_WRITE_RELAXED, err);
}

int crm_store_begin_read(struct crm_db *db, struct crm_error *err)
{
	return db->ops->begin(db, CRM_TX_READ, err);
}

int crm_store_commit(struct crm_db *db, struct crm_error *err)
{
	int r = db->ops->commit(db, err);

	if (r != CRM_OK)
		crm_store_rollback(db);
	else
		crm_db_notes_end(db, 1);
	return r;
}

void crm_store_rollback(struct crm_db *db)
{
	if (db != NULL) {
		db->ops->rollback(db);
		crm_db_notes_end(db, 0);
	}
}

/* ---- statements ---- */

/*
 * Steps a statement that returns no rows and ends its use; *changes (if
 * not NULL) gets the rows it changed.
 */
static int run(struct crm_db *db, struct crm_stmt *st, const char *what,
	int64_t *changes, struct crm_error *err)
{
	int rc = crm_stmt_step(st);

	if (changes != NULL)
		*changes = rc == CRM_STEP_DONE ? crm_stmt_changes(st) : 0;
	crm_stmt_done(st);
	if (rc != CRM_STEP_DONE) {
		if (rc == -CRM_EEXIST)
			return crm_error_set(err, CRM_EEXIST, "%s: already exists",
				what);
		return crm_store_error(db, what, err);
	}
	return CRM_OK;
}

static void copy_text(char *dst, size_t len, struct crm_stmt *st, int col)
{
	strncpy(dst, crm_col_text(st, col), len - 1);
	dst[len - 1] = '\0';
}

/* The columns of ACCOUNT_GET and ACCOUNT_LIST, in their order. */
static void read_account(struct crm_stmt *st, struct crm_account *a)
{
	memset(a, 0, sizeof(*a));
	a->id = crm_col_int(st, 0);
	copy_text(a->name, sizeof(a->name), st, 1);
	copy_text(a->email, sizeof(a->email), st, 2);
	a->email_verified = (int)crm_col_int(st, 3);
	copy_text(a->pw_hash, sizeof(a->pw_hash), st, 4);
	a->origin = (int)crm_col_int(st, 5);
	a->created = crm_col_int(st, 6);
	a->pw_changed = crm_col_int(st, 7);
	a->enabled_at = crm_col_int(st, 8);
	a->must_change = (int)crm_col_int(st, 9);
	a->disabled = (int)crm_col_int(st, 10);
	copy_text(a->disabled_reason, sizeof(a->disabled_reason), st, 11);
	a->disabled_at = crm_col_int(st, 12);
	a->failures = (int)crm_col_int(st, 13);
	a->first_fail = crm_col_int(st, 14);
	a->last_fail = crm_col_int(st, 15);
	a->locked_at = crm_col_int(st, 16);
	a->fails_since_login = (int)crm_col_int(st, 17);
	a->last_login = crm_col_int(st, 18);
	copy_text(a->last_service, sizeof(a->last_service), st, 19);
	copy_text(a->last_rhost, sizeof(a->last_rhost), st, 20);
	a->prev_login = crm_col_int(st, 21);
	copy_text(a->prev_service, sizeof(a->prev_service), st, 22);
	copy_text(a->prev_rhost, sizeof(a->prev_rhost), st, 23);
	a->prev_fails = (int)crm_col_int(st, 24);
	copy_text(a->last_place, sizeof(a->last_place), st, 25);
	copy_text(a->prev_place, sizeof(a->prev_place), st, 26);
	copy_text(a->lang, sizeof(a->lang), st, 27);
}

/* Binds the fields after id and name, from parameter 3 on. */
static void bind_account(struct crm_stmt *st, const struct crm_account *a)
{
	crm_bind_text(st, 3, a->email);
	crm_bind_int(st, 4, a->email_verified);
	crm_bind_text(st, 5, a->pw_hash);
	crm_bind_int(st, 6, a->origin);
	crm_bind_int(st, 7, a->created);
	crm_bind_int(st, 8, a->pw_changed);
	crm_bind_int(st, 9, a->enabled_at);
	crm_bind_int(st, 10, a->must_change);
	crm_bind_int(st, 11, a->disabled);
	crm_bind_text(st, 12, a->disabled_reason);
	crm_bind_int(st, 13, a->disabled_at);
	crm_bind_int(st, 14, a->failures);
	crm_bind_int(st, 15, a->first_fail);
	crm_bind_int(st, 16, a->last_fail);
	crm_bind_int(st, 17, a->locked_at);
	crm_bind_int(st, 18, a->fails_since_login);
	crm_bind_int(st, 19, a->last_login);
	crm_bind_text(st, 20, a->last_service);
	crm_bind_text(st, 21, a->last_rhost);
	crm_bind_int(st, 22, a->prev_login);
	crm_bind_text(st, 23, a->prev_service);
	crm_bind_text(st, 24, a->prev_rhost);
	crm_bind_int(st, 25, a->prev_fails);
	crm_bind_text(st, 26, a->last_place);
	crm_bind_text(st, 28, a->lang);
	crm_bind_text(st, 27, a->prev_place);
}

int crm_account_get(struct crm_db *db, const char *name, struct crm_account *a,
	struct crm_error *err)
{
	struct crm_stmt *st;
	int rc, r;

	if ((r = crm_db_prepare(db, CRM_Q_ACCOUNT_GET, &st, err)) != CRM_OK)
		return r;
	crm_bind_text(st, 1, name);
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW) {
		read_account(st, a);
		r = CRM_OK;
	} else if (rc == CRM_STEP_DONE) {
		r = crm_error_set(err, CRM_ENOENT, "no such user");
	} else {
		r = crm_store_error(db, "reading an account", err);
	}
	crm_stmt_done(st);
	return r;
}

int crm_account_find(struct crm_db *db, const char *name, struct crm_account *a,
	int *found, struct crm_error *err)
{
	int r = crm_account_get(db, name, a, err);

	*found = r == CRM_OK;
	if (r != CRM_ENOENT)
		return r;
	crm_error_clear(err);
	return CRM_OK;
}

int crm_account_insert(struct crm_db *db, struct crm_account *a,
	struct crm_error *err)
{
	static const char *const what = "adding the account";
	struct crm_stmt *st;
	int64_t id = 0;
	int rc, r;

	if ((r = crm_db_prepare(db, CRM_Q_ACCOUNT_INSERT, &st, err)) != CRM_OK)
		return r;
	crm_bind_text(st, 2, a->name);
	bind_account(st, a);
	/* The new id is the one row; the step after it ends the insert. */
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW) {
		id = crm_col_int(st, 0);
		rc = crm_stmt_step(st);
	} else if (rc == CRM_STEP_DONE) {
		rc = -CRM_ESTORE;	/* no row, so no id: not inserted */
	}
	crm_stmt_done(st);
	if (rc == -CRM_EEXIST)
		return crm_error_set(err, CRM_EEXIST, "%s: already exists",
			what);
	if (rc != CRM_STEP_DONE)
		return crm_store_error(db, what, err);
	a->id = id;
	return CRM_OK;
}

int crm_account_update(struct crm_db *db, const struct crm_account *a,
	struct crm_error *err)
{
	struct crm_stmt *st;
	int64_t changes;
	int r;

	if ((r = crm_db_prepare(db, CRM_Q_ACCOUNT_UPDATE, &st, err)) != CRM_OK)
		return r;
	crm_bind_int(st, 1, a->id);
	crm_bind_text(st, 2, a->name);
	bind_account(st, a);
	if ((r = run(db, st, "updating the account", &changes, err)) !=
			CRM_OK)
		return r;
	if (changes != 1)
		return crm_error_set(err, CRM_ESTORE,
			"store: the account to update has vanished");
	return CRM_OK;
}

int crm_account_delete(struct crm_db *db, const char *name, struct crm_error *err)
{
	struct crm_stmt *st;
	int64_t changes;
	int r;

	if ((r = crm_db_prepare(db, CRM_Q_ACCOUNT_DELETE, &st, err)) != CRM_OK)
		return r;
	crm_bind_text(st, 1, name);
	if ((r = run(db, st, "deleting the account", &changes, err)) !=
			CRM_OK)
		return r;
	if (changes == 0)
		return crm_error_set(err, CRM_ENOENT, "no such user");
	if ((r = crm_db_prepare(db, CRM_Q_ACCOUNT_POLICY_DELETE, &st,
			err)) != CRM_OK)
		return r;
	crm_bind_text(st, 1, name);
	return run(db, st, "deleting the account's policy", NULL, err);
}

int crm_account_foreach(struct crm_db *db, crm_account_cb cb, void *arg,
	struct crm_error *err)
{
	struct crm_account *a;
	struct crm_stmt *st;
	int rc, r;

	if ((r = crm_db_prepare(db, CRM_Q_ACCOUNT_LIST, &st, err)) != CRM_OK)
		return r;
	a = malloc(sizeof(*a));
	if (a == NULL) {
		crm_stmt_done(st);
		return crm_error_set(err, CRM_ENOMEM, "out of memory");
	}
	r = CRM_OK;
	while ((rc = crm_stmt_step(st)) == CRM_STEP_ROW) {
		read_account(st, a);
		if ((r = cb(arg, a)) != 0)
			break;
	}
	if (r == CRM_OK && rc != CRM_STEP_DONE)
		r = crm_store_error(db, "listing accounts", err);
	sodium_memzero(a, sizeof(*a));
	free(a);
	crm_stmt_done(st);
	return r;
}

/* Runs a one-row-per-name query with at most one text parameter. */
static int foreach_name(struct crm_db *db, enum crm_q q, const char *p1,
	crm_name_cb cb, void *arg, const char *what, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc, r;

	if ((r = crm_db_prepare(db, q, &st, err)) != CRM_OK)
		return r;
	if (p1 != NULL)
		crm_bind_text(st, 1, p1);
	r = CRM_OK;
	while ((rc = crm_stmt_step(st)) == CRM_STEP_ROW)
		if ((r = cb(arg, crm_col_text(st, 0))) != 0)
			break;
	if (r == CRM_OK && rc != CRM_STEP_DONE)
		r = crm_store_error(db, what, err);
	crm_stmt_done(st);
	return r;
}

/* Runs a change with up to two text parameters; *changes as for run. */
static int exec_names(struct crm_db *db, enum crm_q q, const char *p1,
	const char *p2, const char *what, int64_t *changes,
	struct crm_error *err)
{
	struct crm_stmt *st;
	int r;

	if ((r = crm_db_prepare(db, q, &st, err)) != CRM_OK)
		return r;
	crm_bind_text(st, 1, p1);
	if (p2 != NULL)
		crm_bind_text(st, 2, p2);
	return run(db, st, what, changes, err);
}

int crm_group_add(struct crm_db *db, const char *group, struct crm_error *err)
{
	return exec_names(db, CRM_Q_GROUP_ADD, group, NULL,
		"adding the group", NULL, err);
}

int crm_group_del(struct crm_db *db, const char *group, struct crm_error *err)
{
	int64_t changes;
	int r = exec_names(db, CRM_Q_GROUP_DELETE, group, NULL,
		"deleting the group", &changes, err);

	if (r == CRM_OK && changes == 0)
		return crm_error_set(err, CRM_ENOENT, "no such group");
	return r;
}

static int set_found(void *arg, const char *name)
{
	(void)name;
	*(int *)arg = 1;
	return 0;
}

int crm_group_exists(struct crm_db *db, const char *group, int *exists,
	struct crm_error *err)
{
	*exists = 0;
	return foreach_name(db, CRM_Q_GROUP_EXISTS, group, set_found, exists,
		"reading groups", err);
}

int crm_group_foreach(struct crm_db *db, crm_name_cb cb, void *arg,
	struct crm_error *err)
{
	return foreach_name(db, CRM_Q_GROUP_LIST, NULL, cb, arg,
		"listing groups", err);
}

int crm_member_add(struct crm_db *db, const char *group, const char *user,
	struct crm_error *err)
{
	int r = exec_names(db, CRM_Q_MEMBER_ADD, group, user,
		"adding the member", NULL, err);
	int exists = 0;

	if (r != CRM_OK)
		return r;
	if ((r = crm_group_exists(db, group, &exists, err)) != CRM_OK)
		return r;
	if (!exists)
		return crm_error_set(err, CRM_ENOENT, "no such group");
	return CRM_OK;
}

int crm_member_del(struct crm_db *db, const char *group, const char *user,
	struct crm_error *err)
{
	int64_t changes;
	int r = exec_names(db, CRM_Q_MEMBER_DELETE, group, user,
		"removing the member", &changes, err);

	if (r == CRM_OK && changes == 0)
		return crm_error_set(err, CRM_ENOENT, "not a member");
	return r;
}

int crm_member_foreach(struct crm_db *db, const char *group, crm_name_cb cb,
	void *arg, struct crm_error *err)
{
	return foreach_name(db, CRM_Q_MEMBER_LIST, group, cb, arg,
		"listing members", err);
}

int crm_member_groups(struct crm_db *db, const char *user, crm_name_cb cb,
	void *arg, struct crm_error *err)
{
	return foreach_name(db, CRM_Q_MEMBER_GROUPS, user, cb, arg,
		"reading the user's groups", err);
}

int crm_policy_row_set(struct crm_db *db, const char *scope, const char *target,
	const char *key, const char *value, struct crm_error *err)
{
	struct crm_stmt *st;
	int r;

	if ((r = crm_db_prepare(db, CRM_Q_POLICY_ROW_SET, &st, err)) != CRM_OK)
		return r;
	crm_bind_text(st, 1, scope);
	crm_bind_text(st, 2, target ? target : "");
	crm_bind_text(st, 3, key);
	crm_bind_text(st, 4, value);
	return run(db, st, "writing the policy", NULL, err);
}

int crm_policy_row_del(struct crm_db *db, const char *scope, const char *target,
	const char *key, struct crm_error *err)
{
	struct crm_stmt *st;
	int r;

	if ((r = crm_db_prepare(db, CRM_Q_POLICY_ROW_DELETE, &st, err)) !=
			CRM_OK)
		return r;
	crm_bind_text(st, 1, scope);
	crm_bind_text(st, 2, target ? target : "");
	crm_bind_text(st, 3, key);
	return run(db, st, "removing a policy value", NULL, err);
}

int crm_policy_row_foreach(struct crm_db *db, const char *scope, const char *target,
	crm_policy_row_cb cb, void *arg, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc, r;

	if ((r = crm_db_prepare(db, CRM_Q_POLICY_ROW_LIST, &st, err)) != CRM_OK)
		return r;
	crm_bind_text(st, 1, scope);
	crm_bind_text(st, 2, target ? target : "");
	r = CRM_OK;
	while ((rc = crm_stmt_step(st)) == CRM_STEP_ROW)
		if ((r = cb(arg, crm_col_text(st, 0),
				crm_col_text(st, 1))) != 0)
			break;
	if (r == CRM_OK && rc != CRM_STEP_DONE)
		r = crm_store_error(db, "reading the policy", err);
	crm_stmt_done(st);
	return r;
}

int crm_pwhist_add(struct crm_db *db, int64_t account_id, const char *hash,
	int64_t when, struct crm_error *err)
{
	struct crm_stmt *st;
	int r;

	if ((r = crm_db_prepare(db, CRM_Q_PWHIST_ADD, &st, err)) != CRM_OK)
		return r;
	crm_bind_int(st, 1, account_id);
	crm_bind_text(st, 2, hash);
	crm_bind_int(st, 3, when);
	return run(db, st, "recording password history", NULL, err);
}

int crm_pwhist_foreach(struct crm_db *db, int64_t account_id, int limit,
	crm_hash_cb cb, void *arg, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc, r;

	if ((r = crm_db_prepare(db, CRM_Q_PWHIST_LIST, &st, err)) != CRM_OK)
		return r;
	crm_bind_int(st, 1, account_id);
	crm_bind_int(st, 2, limit);
	r = CRM_OK;
	while ((rc = crm_stmt_step(st)) == CRM_STEP_ROW)
		if ((r = cb(arg, crm_col_text(st, 0))) != 0)
			break;
	if (r == CRM_OK && rc != CRM_STEP_DONE)
		r = crm_store_error(db, "reading password history", err);
	crm_stmt_done(st);
	return r;
}

int crm_pwhist_prune(struct crm_db *db, int64_t account_id, int keep,
	struct crm_error *err)
{
	struct crm_stmt *st;
	int r;

	if ((r = crm_db_prepare(db, CRM_Q_PWHIST_PRUNE, &st, err)) != CRM_OK)
		return r;
	crm_bind_int(st, 1, account_id);
	crm_bind_int(st, 2, keep);
	return run(db, st, "pruning password history", NULL, err);
}

int crm_setting_get(struct crm_db *db, const char *key, char *value,
	size_t len, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc, r;

	if ((r = crm_db_prepare(db, CRM_Q_SETTING_GET, &st, err)) != CRM_OK)
		return r;
	crm_bind_text(st, 1, key);
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW) {
		snprintf(value, len, "%s", crm_col_text(st, 0));
		r = CRM_OK;
	} else if (rc == CRM_STEP_DONE) {
		r = crm_error_set(err, CRM_ENOENT, "no setting %s", key);
	} else {
		r = crm_db_error(db, "reading a setting", err);
	}
	crm_stmt_done(st);
	return r;
}

int crm_setting_set(struct crm_db *db, const char *key, const char *value,
	struct crm_error *err)
{
	struct crm_stmt *st;
	int r;

	if ((r = crm_db_prepare(db, CRM_Q_SETTING_SET, &st, err)) != CRM_OK)
		return r;
	crm_bind_text(st, 1, key);
	crm_bind_text(st, 2, value);
	r = crm_stmt_step(st);
	crm_stmt_done(st);
	return r == CRM_STEP_DONE ? CRM_OK :
		crm_db_error(db, "writing a setting", err);
}
