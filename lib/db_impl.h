/*
 * Inside the storage interface: the connection as the backends share it.
 * Only lib/db_*.c and lib/store.c include this.
 */
#ifndef CRMPOLICY_DB_IMPL_H
#define CRMPOLICY_DB_IMPL_H

#include <sqlite3.h>

#include "crmpolicy/db.h"

struct crm_db {
	enum crm_db_kind kind;
	sqlite3 *sq;				/* CRM_DB_SQLITE */
	struct crm_stmt *kept[CRM_Q_COUNT];	/* prepared, by statement */
};

/* The statement texts of each backend, by enum crm_q. */
extern const char *const crm_sql_sqlite[CRM_Q_COUNT];

/* A connection over an open SQLite handle, which it then owns. */
int crm_db_wrap_sqlite(sqlite3 *sq, struct crm_db **db);
/* Finalizes every kept statement (before the handle closes). */
void crm_db_free_statements(struct crm_db *db);

#endif
