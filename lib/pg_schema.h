/*
 * The PostgreSQL schema of the store: the tables, columns, keys, indexes
 * and append-only triggers of the SQLite migrations, version for version,
 * so that both backends report the same schema version and a store can be
 * copied from one to the other table for table.
 *
 * The version lives in the one row of schema_version(version integer),
 * created by entry 0 (a database without that table is at version 0). Each
 * entry ends by writing the version it reaches, so an entry's text is the
 * whole of its step and the row cannot fall out of step with the tables.
 *
 * Migrating, one transaction per entry or one for all of them; DDL is
 * transactional, so a failed entry leaves nothing behind:
 *
 *     BEGIN;
 *     SELECT pg_advisory_xact_lock(CRM_PG_LOCK_MIGRATE);
 *     SELECT to_regclass('schema_version') IS NOT NULL;  -- false: version 0
 *     SELECT version FROM schema_version;
 *     -- crm_pg_migrations[version] ... [crm_pg_migration_count - 1]
 *     COMMIT;
 *
 * The version must be read after the lock is granted: in READ COMMITTED
 * each statement sees what committed before it started, so a host that
 * waited on another's migration then finds the new version and applies
 * nothing. The lock is per database and ends with the transaction.
 *
 * Where a table's ids are sometimes given by the caller (audit always, as
 * the id is part of a row's hash; accounts and groups from the bulk filler;
 * every table during a copy from SQLite), the caller must then move the
 * identity past them, setval(pg_get_serial_sequence(T, 'id'), max(id)):
 * SQLite picks max(rowid) + 1 for a row without an id, a sequence does not
 * look at the table.
 */
#ifndef CRMPOLICY_PG_SCHEMA_H
#define CRMPOLICY_PG_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

/*
 * The advisory lock key that serialises migrations: "crmpol" in ASCII
 * followed by 1, so that it does not meet the keys of another application
 * sharing the database. Further crmpolicy lock keys take the same prefix.
 */
#define CRM_PG_LOCK_MIGRATE INT64_C(0x63726d706f6c0001)

/* crm_pg_migrations[i] takes the schema from version i to i + 1. */
extern const char *const crm_pg_migrations[];
/* The number of entries, which is the current schema version. */
extern const size_t crm_pg_migration_count;

#endif
