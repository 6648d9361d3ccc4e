/*
 * Inside the storage interface: the connection and the statement as the
 * backends share them, and the operations each backend provides. Only
 * lib/db*.c, lib/sql_*.c and lib/store.c include this.
 */
#ifndef CRMPOLICY_DB_IMPL_H
#define CRMPOLICY_DB_IMPL_H

#include <sqlite3.h>

#include "crmpolicy/db.h"

struct crm_pg_conn;
struct crm_pg_stmt;

/* How a transaction begins (crm_store_begin and its kin). */
enum crm_tx {
	CRM_TX_WRITE,		/* every writer in turn, durable at commit */
	CRM_TX_WRITE_RELAXED,	/* in turn; a power cut may lose it */
	CRM_TX_READ,		/* a snapshot; waits for no writer */
};

struct crm_stmt {
	struct crm_db *db;
	enum crm_q q;
	int busy;		/* handed out and not yet done */
	int64_t changes;
	struct crm_stmt *next;	/* another of the same q, for nested use */
	sqlite3_stmt *s;	/* SQLite */
	struct crm_pg_stmt *pg;	/* PostgreSQL */
};

struct crm_db_ops {
	int (*prepare)(struct crm_stmt *st, struct crm_error *err);
	void (*finalize)(struct crm_stmt *st);
	void (*bind_int)(struct crm_stmt *st, int i, int64_t v);
	void (*bind_text)(struct crm_stmt *st, int i, const char *s, size_t n);
	void (*bind_blob)(struct crm_stmt *st, int i, const void *p, size_t n);
	void (*bind_null)(struct crm_stmt *st, int i);
	int (*step)(struct crm_stmt *st);
	int64_t (*col_int)(struct crm_stmt *st, int c);
	const char *(*col_text)(struct crm_stmt *st, int c);
	size_t (*col_bytes)(struct crm_stmt *st, int c);
	const void *(*col_blob)(struct crm_stmt *st, int c);
	int (*col_is_null)(struct crm_stmt *st, int c);
	void (*reset)(struct crm_stmt *st);
	int (*in_transaction)(struct crm_db *db);
	int (*begin)(struct crm_db *db, enum crm_tx tx, struct crm_error *err);
	int (*commit)(struct crm_db *db, struct crm_error *err);
	void (*rollback)(struct crm_db *db);
	int (*error)(struct crm_db *db, const char *what,
		struct crm_error *err);
	int (*close)(struct crm_db *db);	/* 0 when closed */
};

/* A log line waiting for its transaction's commit (crm_db_log_at_commit). */
struct crm_db_note {
	void (*log)(void *arg, int priority, const char *msg);
	void *arg;
	int priority;
	struct crm_db_note *next;
	char msg[];
};

struct crm_db {
	enum crm_db_kind kind;
	const struct crm_db_ops *ops;
	sqlite3 *sq;				/* CRM_DB_SQLITE */
	struct crm_pg_conn *pg;			/* CRM_DB_POSTGRESQL */
	struct crm_stmt *kept[CRM_Q_COUNT];	/* prepared, by statement */
	struct crm_db_note *notes;		/* oldest first */
};

/* Sends the waiting log lines (after a commit), or drops them. */
void crm_db_notes_end(struct crm_db *db, int committed);

/* The statement texts of each backend, by enum crm_q. */
extern const char *const crm_sql_sqlite[CRM_Q_COUNT];
extern const char *const crm_sql_pg[CRM_Q_COUNT];

/* SQLite's schema migrations: entry v takes version v to v + 1. */
extern const size_t crm_sqlite_migration_count;
const char *crm_sqlite_migration(int v);

extern const struct crm_db_ops crm_db_sqlite_ops;
extern const struct crm_db_ops crm_db_pg_ops;

/* A connection over an open SQLite handle, which it then owns. */
int crm_db_wrap_sqlite(sqlite3 *sq, struct crm_db **db);
/* Finalizes every kept statement (before the connection closes). */
void crm_db_free_statements(struct crm_db *db);

/*
 * PostgreSQL: connects to conninfo (a postgresql:// URI or a libpq
 * keyword string), with the defaults of lib/db_pg.c, and migrates.
 */
int crm_db_open_pg(const char *conninfo, struct crm_db **db,
	struct crm_error *err);
/* crm_db_defer_writes on a PostgreSQL connection. */
void crm_db_pg_defer_writes(struct crm_db *db);
/* The schema version of a PostgreSQL store (its schema_version row). */
int crm_db_pg_version(struct crm_db *db, int *version,
	struct crm_error *err);

#endif
