/*
 * Test driver for the PostgreSQL schema: brings a database to the newest
 * version with crm_pg_migrations, one transaction per entry, following the
 * protocol of pg_schema.h, and says how many entries it applied.
 *
 *   apply_schema [--hold MS] [--no-lock] CONNINFO
 *   apply_schema --count
 *
 * --hold keeps each migration's transaction open MS milliseconds before it
 * commits, so that a second driver started alongside surely meets it;
 * --no-lock skips the advisory lock, to show what the lock prevents.
 * Prints "applied N version V"; exits 0, or 1 with libpq's message.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "pg_schema.h"

struct opts {
	const char *conninfo;
	long hold_ms;
	int lock;
};

static int fail(PGconn *db, const char *what)
{
	fprintf(stderr, "apply_schema: %s: %s", what, PQerrorMessage(db));
	return -1;
}

/* Runs sql (any number of statements); 0 if the last one succeeded. */
static int exec(PGconn *db, const char *sql, const char *what)
{
	PGresult *res = PQexec(db, sql);
	ExecStatusType st = PQresultStatus(res);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	PQclear(res);
	return ok ? 0 : fail(db, what);
}

/* The first column of a one-row query, as text, into out. */
static int query1(PGconn *db, const char *sql, char *out, size_t len)
{
	PGresult *res = PQexec(db, sql);
	int r = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
		r = 0;
	} else {
		fail(db, sql);
	}
	PQclear(res);
	return r;
}

static int lock_migrations(PGconn *db)
{
	char key[32];
	const char *params[1] = { key };
	PGresult *res;
	int ok;

	snprintf(key, sizeof(key), "%" PRId64, (int64_t)CRM_PG_LOCK_MIGRATE);
	res = PQexecParams(db, "SELECT pg_advisory_xact_lock($1::bigint)", 1,
		NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	PQclear(res);
	return ok ? 0 : fail(db, "taking the migration lock");
}

/* The schema version; a database without schema_version is at 0. */
static int read_version(PGconn *db, long *version)
{
	char buf[32];

	if (query1(db, "SELECT to_regclass('schema_version') IS NOT NULL",
			buf, sizeof(buf)))
		return -1;
	if (strcmp(buf, "t") != 0) {
		*version = 0;
		return 0;
	}
	if (query1(db, "SELECT version FROM schema_version", buf, sizeof(buf)))
		return -1;
	*version = strtol(buf, NULL, 10);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * One step: in its own transaction, under the lock, the entry the
 * database's version calls for. *done is set when there was none.
 */
static int step(PGconn *db, const struct opts *o, long *version, int *done)
{
	const long target = (long)crm_pg_migration_count;

	if (exec(db, "BEGIN", "BEGIN") ||
			(o->lock && lock_migrations(db)) ||
			read_version(db, version))
		goto fail;
	if (*version > target) {
		fprintf(stderr, "apply_schema: the database is at version %ld,"
			" newer than these migrations (%ld)\n", *version, target);
		goto fail;
	}
	*done = *version == target;
	if (!*done) {
		if (exec(db, crm_pg_migrations[*version], "migrating"))
			goto fail;
		if (o->hold_ms > 0)
			sleep_ms(o->hold_ms);
		++*version;
	}
	return exec(db, "COMMIT", "COMMIT");
fail:
	PQclear(PQexec(db, "ROLLBACK"));
	return -1;
}

static int parse(int argc, char **argv, struct opts *o)
{
	int i;

	o->hold_ms = 0;
	o->lock = 1;
	o->conninfo = NULL;
	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--hold") == 0 && i + 2 < argc)
			o->hold_ms = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--no-lock") == 0)
			o->lock = 0;
		else
			return -1;
	}
	if (i != argc - 1 || argv[i][0] == '-')
		return -1;
	o->conninfo = argv[i];
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	PGconn *db;
	long version = 0;
	int applied = 0, done = 0;

	if (argc == 2 && strcmp(argv[1], "--count") == 0) {
		printf("%zu\n", crm_pg_migration_count);
		return 0;
	}
	if (parse(argc, argv, &o)) {
		fprintf(stderr, "usage: apply_schema [--hold MS] [--no-lock]"
			" CONNINFO\n       apply_schema --count\n");
		return 2;
	}
	db = PQconnectdb(o.conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		fail(db, "connecting");
		PQfinish(db);
		return 1;
	}
	/* The notices of IF EXISTS and the like are not the test's output. */
	PQclear(PQexec(db, "SET client_min_messages = warning"));
	while (!done) {
		if (step(db, &o, &version, &done)) {
			PQfinish(db);
			return 1;
		}
		applied += !done;
	}
	printf("applied %d version %ld\n", applied, version);
	PQfinish(db);
	return 0;
}
