/*
 * The storage interface over SQLite: statements compiled once per
 * connection (their texts in lib/sql_sqlite.c), SQLite's result codes
 * turned into the core's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "crmpolicy/store.h"
#include "db_impl.h"

sqlite3 *crm_db_sqlite(struct crm_db *db)
{
	return db != NULL && db->kind == CRM_DB_SQLITE ? db->sq : NULL;
}

int crm_db_wrap_sqlite(sqlite3 *sq, struct crm_db **dbp)
{
	struct crm_db *db = calloc(1, sizeof(*db));

	*dbp = NULL;
	if (db == NULL)
		return CRM_ENOMEM;
	db->kind = CRM_DB_SQLITE;
	db->ops = &crm_db_sqlite_ops;
	db->sq = sq;
	*dbp = db;
	return CRM_OK;
}

int crm_db_open_file(const char *path, int flags, struct crm_db **dbp)
{
	sqlite3 *sq = NULL;
	int rc = sqlite3_open_v2(path, &sq, flags, NULL);

	/* As sqlite3_open_v2: a handle even on failure, for its message. */
	if (crm_db_wrap_sqlite(sq, dbp) != CRM_OK) {
		sqlite3_close(sq);
		return SQLITE_NOMEM;
	}
	return rc;
}

static int sq_prepare(struct crm_stmt *st, struct crm_error *err)
{
	if (sqlite3_prepare_v3(st->db->sq, crm_sql_sqlite[st->q], -1,
			SQLITE_PREPARE_PERSISTENT, &st->s, NULL) != SQLITE_OK)
		return crm_db_error(st->db, crm_q_name(st->q), err);
	return CRM_OK;
}

static void sq_finalize(struct crm_stmt *st)
{
	sqlite3_finalize(st->s);
	st->s = NULL;
}

static void sq_bind_int(struct crm_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(st->s, i, v);
}

/* Not copied: the caller keeps the text until the statement is done. */
static void sq_bind_text(struct crm_stmt *st, int i, const char *s, size_t n)
{
	sqlite3_bind_text64(st->s, i, s, n, SQLITE_STATIC, SQLITE_UTF8);
}

/* Copied: callers bind buffers they wipe before the statement's end. */
static void sq_bind_blob(struct crm_stmt *st, int i, const void *p, size_t n)
{
	sqlite3_bind_blob64(st->s, i, p, n, SQLITE_TRANSIENT);
}

static void sq_bind_null(struct crm_stmt *st, int i)
{
	sqlite3_bind_null(st->s, i);
}

static int sq_step(struct crm_stmt *st)
{
	int rc = sqlite3_step(st->s);

	if (rc == SQLITE_ROW)
		return CRM_STEP_ROW;
	if (rc == SQLITE_DONE) {
		st->changes = sqlite3_changes64(st->db->sq);
		return CRM_STEP_DONE;
	}
	return (rc & 0xff) == SQLITE_CONSTRAINT ? -CRM_EEXIST : -CRM_ESTORE;
}

static int64_t sq_col_int(struct crm_stmt *st, int c)
{
	return sqlite3_column_int64(st->s, c);
}

static const char *sq_col_text(struct crm_stmt *st, int c)
{
	return (const char *)sqlite3_column_text(st->s, c);
}

static size_t sq_col_bytes(struct crm_stmt *st, int c)
{
	return (size_t)sqlite3_column_bytes(st->s, c);
}

static const void *sq_col_blob(struct crm_stmt *st, int c)
{
	return sqlite3_column_blob(st->s, c);
}

static int sq_col_is_null(struct crm_stmt *st, int c)
{
	return sqlite3_column_type(st->s, c) == SQLITE_NULL;
}

static void sq_reset(struct crm_stmt *st)
{
	sqlite3_reset(st->s);
	sqlite3_clear_bindings(st->s);
}

static int sq_in_transaction(struct crm_db *db)
{
	return !sqlite3_get_autocommit(db->sq);
}

static int sq_exec(struct crm_db *db, const char *sql, const char *what,
	struct crm_error *err)
{
	if (sqlite3_exec(db->sq, sql, NULL, NULL, NULL) != SQLITE_OK)
		return crm_db_error(db, what, err);
	return CRM_OK;
}

/*
 * The synchronous level is the connection's and can change only between
 * transactions, so each write transaction names its own as it starts.
 */
static int sq_begin(struct crm_db *db, enum crm_tx tx, struct crm_error *err)
{
	static const char *const sql[] = {
		[CRM_TX_WRITE] = "PRAGMA synchronous = FULL; BEGIN IMMEDIATE",
		[CRM_TX_WRITE_RELAXED] =
			"PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE",
		[CRM_TX_READ] = "BEGIN",
	};

	return sq_exec(db, sql[tx], "starting a transaction", err);
}

static int sq_commit(struct crm_db *db, struct crm_error *err)
{
	return sq_exec(db, "COMMIT", "committing", err);
}

static void sq_rollback(struct crm_db *db)
{
	if (!sqlite3_get_autocommit(db->sq))
		sqlite3_exec(db->sq, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * SQLite's word for a failed read or write of the file is only "disk I/O
 * error", and for a store it cannot open for writing (its log and shared
 * memory files included) "unable to open database file": the system's
 * reason (No space left on device, Read-only file system...) is added,
 * as that is what an administrator acts on. For the latter, SQLite's own
 * errno is that of its last fallback (a read-only open), so the file and
 * its directory are asked directly, with the effective ids.
 */
static const char *sq_why(sqlite3 *sq, const char *file)
{
	int code = sqlite3_errcode(sq) & 0xff, sys = sqlite3_system_errno(sq);
	char dir[4096];
	const char *slash;

	if (code == SQLITE_CANTOPEN && file != NULL && *file == '/') {
		slash = strrchr(file, '/');
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash > file ?
			slash - file : 1), file);
		if (faccessat(AT_FDCWD, file, W_OK, AT_EACCESS) != 0 ||
				faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS) != 0)
			return strerror(errno);
		return NULL;
	}
	if (sys == 0 || (code != SQLITE_IOERR && code != SQLITE_FULL))
		return NULL;
	return strerror(sys);
}

static int sq_error(struct crm_db *db, const char *what,
	struct crm_error *err)
{
	const char *file = db->sq ? sqlite3_db_filename(db->sq, "main") : NULL;
	const char *why = db->sq ? sq_why(db->sq, file) : NULL;

	return crm_error_set(err, CRM_ESTORE, "store %s: %s: %s%s%s%s",
		file && *file ? file : "(unopened)", what,
		db->sq ? sqlite3_errmsg(db->sq) : "out of memory",
		why ? " (" : "", why ? why : "", why ? ")" : "");
}

static int sq_close(struct crm_db *db)
{
	sqlite3_stmt *st;

	/* Statements made outside the interface go with the connection. */
	while ((st = sqlite3_next_stmt(db->sq, NULL)) != NULL)
		sqlite3_finalize(st);
	return sqlite3_close(db->sq);
}

const struct crm_db_ops crm_db_sqlite_ops = {
	sq_prepare, sq_finalize, sq_bind_int, sq_bind_text, sq_bind_blob,
	sq_bind_null, sq_step, sq_col_int, sq_col_text, sq_col_bytes,
	sq_col_blob, sq_col_is_null, sq_reset, sq_in_transaction, sq_begin,
	sq_commit, sq_rollback, sq_error, sq_close,
};
