/*
 * The storage interface over SQLite: statements kept per connection by
 * identifier, their texts from lib/sql_sqlite.c, SQLite's result codes
 * turned into the core's.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "crmpolicy/store.h"
#include "db_impl.h"

struct crm_stmt {
	struct crm_db *db;
	sqlite3_stmt *s;
	int busy;		/* handed out and not yet done */
	int64_t changes;
	struct crm_stmt *next;	/* another of the same q, for nested use */
};

static const char *const names[CRM_Q_COUNT] = {
#define CRM_Q(id) #id,
#include "crmpolicy/db_queries.def"
#undef CRM_Q
};

const char *crm_q_name(enum crm_q q)
{
	return (unsigned)q < CRM_Q_COUNT ? names[q] : "?";
}

enum crm_db_kind crm_db_kind(const struct crm_db *db)
{
	return db->kind;
}

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

void crm_db_free_statements(struct crm_db *db)
{
	for (int q = 0; q < CRM_Q_COUNT; q++) {
		struct crm_stmt *st = db->kept[q], *next;

		for (; st != NULL; st = next) {
			next = st->next;
			sqlite3_finalize(st->s);
			free(st);
		}
		db->kept[q] = NULL;
	}
}

int crm_db_prepare(struct crm_db *db, enum crm_q q, struct crm_stmt **out,
	struct crm_error *err)
{
	struct crm_stmt *st;

	*out = NULL;
	if ((unsigned)q >= CRM_Q_COUNT)
		return crm_error_set(err, CRM_ESTORE, "no statement %d", (int)q);
	for (st = db->kept[q]; st != NULL; st = st->next)
		if (!st->busy)
			break;
	if (st == NULL) {
		st = calloc(1, sizeof(*st));
		if (st == NULL)
			return crm_error_set(err, CRM_ENOMEM, "out of memory");
		if (sqlite3_prepare_v3(db->sq, crm_sql_sqlite[q], -1,
				SQLITE_PREPARE_PERSISTENT, &st->s, NULL) !=
				SQLITE_OK) {
			free(st);
			return crm_db_error(db, crm_q_name(q), err);
		}
		st->db = db;
		st->next = db->kept[q];
		db->kept[q] = st;
	}
	st->busy = 1;
	st->changes = 0;
	*out = st;
	return CRM_OK;
}

void crm_bind_int(struct crm_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(st->s, i, v);
}

void crm_bind_text(struct crm_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st->s, i);
	else
		sqlite3_bind_text(st->s, i, s, -1, SQLITE_STATIC);
}

void crm_bind_textn(struct crm_stmt *st, int i, const char *s, size_t n)
{
	sqlite3_bind_text64(st->s, i, s, n, SQLITE_STATIC, SQLITE_UTF8);
}

void crm_bind_blob(struct crm_stmt *st, int i, const void *p, size_t n)
{
	/* Copied: callers bind buffers they wipe before the step's end. */
	sqlite3_bind_blob64(st->s, i, p, n, SQLITE_TRANSIENT);
}

void crm_bind_null(struct crm_stmt *st, int i)
{
	sqlite3_bind_null(st->s, i);
}

int crm_stmt_step(struct crm_stmt *st)
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

int64_t crm_col_int(struct crm_stmt *st, int c)
{
	return sqlite3_column_int64(st->s, c);
}

const char *crm_col_text(struct crm_stmt *st, int c)
{
	const unsigned char *t = sqlite3_column_text(st->s, c);

	return t != NULL ? (const char *)t : "";
}

size_t crm_col_bytes(struct crm_stmt *st, int c)
{
	return (size_t)sqlite3_column_bytes(st->s, c);
}

const void *crm_col_blob(struct crm_stmt *st, int c)
{
	return sqlite3_column_blob(st->s, c);
}

int crm_col_is_null(struct crm_stmt *st, int c)
{
	return sqlite3_column_type(st->s, c) == SQLITE_NULL;
}

int64_t crm_stmt_changes(struct crm_stmt *st)
{
	return st->changes;
}

void crm_stmt_done(struct crm_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st->s);
	sqlite3_clear_bindings(st->s);
	st->busy = 0;
}

int crm_db_in_transaction(struct crm_db *db)
{
	return !sqlite3_get_autocommit(db->sq);
}

int crm_db_error(struct crm_db *db, const char *what, struct crm_error *err)
{
	const char *file = db && db->sq ? sqlite3_db_filename(db->sq, "main") :
		NULL;

	return crm_error_set(err, CRM_ESTORE, "store %s: %s: %s",
		file && *file ? file : "(unopened)", what,
		db && db->sq ? sqlite3_errmsg(db->sq) : "out of memory");
}
