/*
 * The storage interface: the one way the core reaches the store,
 * whichever engine holds it. A connection (struct crm_db) runs statements
 * named by an identifier (enum crm_q); the text of every statement lives
 * with its backend, one file per backend (lib/sql_sqlite.c for SQLite,
 * lib/sql_pg.c for PostgreSQL), so that a reader finds all of a backend's
 * SQL in one place and the core holds none.
 *
 * Statements are prepared once per connection and kept: crm_db_prepare
 * hands back the kept statement, reset and unbound, and crm_stmt_done
 * ends its use. Parameters are numbered from 1, columns from 0, as in
 * the statement texts. Every value is bound, never formatted into SQL.
 */
#ifndef CRMPOLICY_DB_H
#define CRMPOLICY_DB_H

#include <stddef.h>
#include <stdint.h>

#include "crmpolicy/error.h"

struct crm_db;
struct crm_stmt;

enum crm_db_kind {
	CRM_DB_SQLITE,
	CRM_DB_POSTGRESQL,
};

/* The statements of the core, by name; the texts are the backends'. */
enum crm_q {
#define CRM_Q(id) CRM_Q_##id,
#include "crmpolicy/db_queries.def"
#undef CRM_Q
	CRM_Q_COUNT
};

/* The identifier's name ("ACCOUNT_GET"), for messages and tests. */
const char *crm_q_name(enum crm_q q);

/* What crm_stmt_step returns besides an error (a negative CRM_E* code). */
enum {
	CRM_STEP_DONE = 0,	/* no more rows; a change has been made */
	CRM_STEP_ROW = 1,	/* a row is ready for the crm_col_* calls */
};

enum crm_db_kind crm_db_kind(const struct crm_db *db);

/*
 * The statement q on db, reset and unbound. A statement still being
 * stepped is not handed out twice: a nested use of the same q gets a
 * second one. Returns 0 or CRM_ESTORE (with err) when it cannot be
 * prepared.
 */
int crm_db_prepare(struct crm_db *db, enum crm_q q, struct crm_stmt **st,
	struct crm_error *err) __attribute__((warn_unused_result));

/* Parameters, numbered from 1. A NULL text binds SQL NULL. */
void crm_bind_int(struct crm_stmt *st, int i, int64_t v);
void crm_bind_text(struct crm_stmt *st, int i, const char *s);
void crm_bind_textn(struct crm_stmt *st, int i, const char *s, size_t n);
void crm_bind_blob(struct crm_stmt *st, int i, const void *p, size_t n);
void crm_bind_null(struct crm_stmt *st, int i);

/*
 * Runs the statement or moves to its next row: CRM_STEP_ROW,
 * CRM_STEP_DONE, or a negative code: -CRM_EEXIST for a uniqueness or
 * other constraint refused, -CRM_ESTORE for anything else (the message
 * is then the connection's: crm_db_error).
 */
int crm_stmt_step(struct crm_stmt *st);

/* Columns of the current row, from 0. NULL reads as 0, "" or no bytes. */
int64_t crm_col_int(struct crm_stmt *st, int c);
const char *crm_col_text(struct crm_stmt *st, int c);
size_t crm_col_bytes(struct crm_stmt *st, int c);
const void *crm_col_blob(struct crm_stmt *st, int c);
int crm_col_is_null(struct crm_stmt *st, int c);

/* Rows the last step of this statement changed. */
int64_t crm_stmt_changes(struct crm_stmt *st);

/* Ends a use of st (it stays prepared on its connection). NULL is fine. */
void crm_stmt_done(struct crm_stmt *st);

/* Whether db is inside a transaction. */
int crm_db_in_transaction(struct crm_db *db);

/*
 * For a connection that serves logins: a write whose caller reads nothing
 * back from it (an audit row, a login recorded, a failure counted) may
 * travel with the transaction's next statement or its commit, where the
 * backend makes one round trip of them (PostgreSQL); its failure is then
 * that statement's or the commit's, and the transaction is rolled back.
 * SQLite has no round trips: nothing changes there.
 */
void crm_db_defer_writes(struct crm_db *db);

/*
 * Sends msg to log(arg) when db's transaction commits (crm_store_commit),
 * at once outside one; a rollback, a failed commit or closing the
 * connection drops it. What a log line tells of a change (an audit
 * event) is then never said of one that did not happen.
 */
void crm_db_log_at_commit(struct crm_db *db,
	void (*log)(void *arg, int priority, const char *msg), void *arg,
	int priority, const char *msg);

/* Fills err (CRM_ESTORE) from db's last error, naming what was done. */
int crm_db_error(struct crm_db *db, const char *what, struct crm_error *err);

#endif
