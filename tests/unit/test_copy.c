/*
 * Copying a store (lib/copy.c): SQLite to SQLite always; SQLite to
 * PostgreSQL and back when CRM_TEST_PG names a server where the test may
 * create databases. A source is filled with raw SQL so that every table
 * holds rows with the awkward values: NULLs, empty blobs, quotes and
 * placeholders in text, ids near the top of the 64-bit range.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "crmpolicy/copy.h"
#include "crmpolicy/store.h"

#define BIG "4611686018427387904"	/* 2^62 */

struct store {
	int pg;
	char dir[64];		/* SQLite: the store's directory */
	char name[64];		/* PostgreSQL: the database */
	char conninfo[1024];
	struct crm_db *db;
};

static int seq;
/* The stores not yet freed: a failed test leaves them to the teardown. */
static struct store *open_stores[8];

static int have_pg(void)
{
	const char *s = getenv("CRM_TEST_PG");

	return s != NULL && *s;
}

/* ---- raw SQL on either backend ---- */

static PGconn *pg_connect(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("%s: %s", conninfo, PQerrorMessage(c));
	return c;
}

/*
 * Runs sql on s (its own connection for PostgreSQL) and returns the first
 * column of the first row as an integer, or 0 when there is none.
 */
static long long sql_int(struct store *s, const char *sql)
{
	long long v = 0;

	if (s->pg) {
		PGconn *c = pg_connect(s->conninfo);
		PGresult *res = PQexec(c, sql);
		ExecStatusType st = PQresultStatus(res);

		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
			fail_msg("%s: %s", sql, PQresultErrorMessage(res));
		if (st == PGRES_TUPLES_OK && PQntuples(res) > 0)
			v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		PQfinish(c);
	} else {
		sqlite3_stmt *st;
		const char *tail = sql;

		/* Every statement of sql; the last value there is. */
		while (*tail) {
			int rc = sqlite3_prepare_v2(crm_db_sqlite(s->db), tail,
				-1, &st, &tail);

			if (rc != SQLITE_OK)
				fail_msg("%s: %s", sql,
					sqlite3_errmsg(crm_db_sqlite(s->db)));
			if (st == NULL)
				break;
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW)
				v = sqlite3_column_int64(st, 0);
			else if (rc != SQLITE_DONE)
				fail_msg("%s: %s", sql,
					sqlite3_errmsg(crm_db_sqlite(s->db)));
			sqlite3_finalize(st);
		}
	}
	return v;
}

static void admin_sql(const char *sql)
{
	PGconn *c = pg_connect(getenv("CRM_TEST_PG"));
	PGresult *res = PQexec(c, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(c);
}

/* ---- stores ---- */

/* A new, empty, open store of the backend. */
static struct store *store_new(int pg)
{
	struct store *s = calloc(1, sizeof(*s));
	struct crm_error err;

	assert_non_null(s);
	s->pg = pg;
	if (pg) {
		char sql[160];

		snprintf(s->name, sizeof(s->name), "crmt_copy_%d_%d",
			(int)getpid(), ++seq);
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE"
			" template0", s->name);
		admin_sql(sql);
		snprintf(s->conninfo, sizeof(s->conninfo), "%s dbname=%s",
			getenv("CRM_TEST_PG"), s->name);
	} else {
		snprintf(s->dir, sizeof(s->dir), "/tmp/crmtcopy.XXXXXX");
		assert_non_null(mkdtemp(s->dir));
		snprintf(s->conninfo, sizeof(s->conninfo), "%s/store.db",
			s->dir);
	}
	for (size_t i = 0; i < 8; i++)
		if (open_stores[i] == NULL) {
			open_stores[i] = s;
			break;
		}
	if (crm_store_open(s->conninfo, 1, &s->db, &err) != CRM_OK)
		fail_msg("opening %s: %s", s->conninfo, err.msg);
	return s;
}

static void store_free(struct store *s)
{
	char cmd[200];

	for (size_t i = 0; i < 8; i++)
		if (open_stores[i] == s)
			open_stores[i] = NULL;
	crm_store_close(s->db);
	if (s->pg) {
		snprintf(cmd, sizeof(cmd), "DROP DATABASE IF EXISTS %s WITH"
			" (FORCE)", s->name);
		admin_sql(cmd);
	} else {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
		assert_int_equal(system(cmd), 0);
	}
	free(s);
}

/*
 * A few rows in every table, as a store collects them, and then the
 * values a copy could get wrong. Rows per table, in copy order, follow.
 */
static const char fill_sql[] =
	"INSERT INTO accounts VALUES(1, 'alice', 'a@example.com', 1,"
	" '$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA', 1, 1767225600,"
	" 1767225600, 0, 0, 0, '', 0, 2, 1767225000, 1767225100, 0, 2,"
	" 1767225601, 'sshd', '192.0.2.1', 1767000000, 'su', '', 1,"
	" 'Praha, CZ', '', 'cs');"
	"INSERT INTO accounts(id, name, created, pw_changed, disabled,"
	" disabled_reason) VALUES(2, 'bob''s \"x\" $1 ?1 \\ %s;--',"
	" -9223372036854775807 - 1, 9223372036854775807, 1,"
	" 'said ''no'' $2');"
	"INSERT INTO accounts(id, name, email, created) VALUES(" BIG ","
	" '\xc4\x8d?1$2', 'c@example.com', 5);"
	"INSERT INTO groups VALUES(1, 'admins'), (9007199254740993,"
	" 'g ''q'' $1');"
	"INSERT INTO members VALUES(1, 1), (1, " BIG "),"
	" (9007199254740993, 2);"
	"INSERT INTO policy VALUES('global', '', 'minlen', '12'),"
	" ('group', 'admins', 'deny', '5'), ('user', 'bob''s', 'mfa', 'totp');"
	"INSERT INTO pw_history VALUES(1, 1, 'h1', 100), (2, 1, 'h2', 200),"
	" (7, 2, 'h''3', 300);"
	"INSERT INTO reservations VALUES(5, 1, 1000);"
	"INSERT INTO audit VALUES(1, 100, 'user.add', 'root', 'alice',"
	" 'crmpasswd', '', 'x', NULL, X'00ff', ''),"
	" (2, 101, 'login.ok', 'sshd', 'alice', 'sshd', '192.0.2.1',"
	" 'd ''q'' $1 ?1', X'00ff', X'', 'bastion-1'),"
	" (" BIG ", 102, 'e', 'a', '', '', '', '', X'', NULL, 'h ''2''');"
	"INSERT INTO audit_checkpoints VALUES(1, 50, 1, X'0000', 3, X'abcdef');"
	"INSERT INTO rules VALUES(1, 'office', 10, 'all', '',"
	" '192.0.2.0/24', 'allow', 100), (2, 'deny ''all''', 20,"
	" 'group:admins', 'sshd,su', 'any', 'deny', 101);"
	"INSERT INTO settings VALUES('audit_head', 'abc'), ('k''$1', 'v?1');"
	"INSERT INTO ip_failures VALUES(1, '192.0.2.9', 100),"
	" (2, '2001:db8::1', 101);"
	"INSERT INTO ip_blocks VALUES('192.0.2.9', 100, 3700, 10);"
	"INSERT INTO logins VALUES(1, 100, 100, 1, 'alice', 'sshd',"
	" '192.0.2.1', 'pts/0', 'password', 1, '', 'CZ', 'Czechia', 'Praha',"
	" 'ISP', 1), (" BIG " + 7, 101, 150, 3, 'bob''s', 'crm-web', '', '',"
	" 'web', 0, 'bad ''pw''', '', '', '', '', 0);"
	"INSERT INTO known_ips VALUES(1, '192.0.2.1', 100, 200, 3);"
	"INSERT INTO totp VALUES(1, 'sealed==', 57000, 100);"
	"INSERT INTO recovery_codes VALUES(1, 1, 'rh1'), (2, 1, 'rh2');"
	"INSERT INTO otp_codes VALUES(1, 'login', 'oh', 'a@example.com',"
	" 100, 400, 0), (2, 'verify', 'oh2', 'b@example.com', 100, 400, 2);"
	"INSERT INTO sip_credentials VALUES(1, 'sip.example.com', 'sealed',"
	" 100);";

static const int64_t fill_rows[CRM_COPY_TABLES] = {
	3, 2, 3, 3, 3, 1, 3, 1, 2, 2, 2, 1, 2, 1, 1, 2, 2, 1,
};

static struct store *filled_sqlite(void)
{
	struct store *s = store_new(0);

	sql_int(s, fill_sql);
	return s;
}

/*
 * Proves b a copy of a without the copy code: every row of every table,
 * with SQLite's own comparison of values and their types, both ways.
 */
static void assert_same_sqlite(struct store *a, struct store *b)
{
	char sql[1100];

	assert_false(a->pg || b->pg);
	snprintf(sql, sizeof(sql), "ATTACH '%s' AS a", a->conninfo);
	sql_int(b, sql);
	for (size_t i = 0; i < CRM_COPY_TABLES; i++) {
		const char *t = crm_copy_table_name(i, NULL);

		snprintf(sql, sizeof(sql), "SELECT (SELECT count(*) FROM"
			" (SELECT * FROM a.%s EXCEPT SELECT * FROM main.%s))"
			" + (SELECT count(*) FROM (SELECT * FROM main.%s EXCEPT"
			" SELECT * FROM a.%s))"
			" + abs((SELECT count(*) FROM a.%s)"
			" - (SELECT count(*) FROM main.%s))", t, t, t, t, t, t);
		if (sql_int(b, sql) != 0)
			fail_msg("table %s differs", t);
	}
	sql_int(b, "DETACH a");
}

static void assert_copied(const struct crm_copy_report *rep)
{
	int64_t total = 0;

	for (size_t i = 0; i < CRM_COPY_TABLES; i++) {
		assert_string_equal(rep->tables[i].name,
			crm_copy_table_name(i, NULL));
		if (rep->tables[i].rows != fill_rows[i])
			fail_msg("%s: %lld rows", rep->tables[i].name,
				(long long)rep->tables[i].rows);
		total += fill_rows[i];
	}
	assert_int_equal(rep->rows, total);
}

static void assert_equal_stores(struct store *a, struct store *b)
{
	struct crm_copy_report rep;
	struct crm_error err;

	assert_int_equal(crm_store_compare(a->db, b->db, &rep, &err), CRM_OK);
	if (!rep.equal)
		fail_msg("%s", rep.problem);
	assert_copied(&rep);
}

static void copy_ok(struct store *src, struct store *dst)
{
	struct crm_copy_report rep;
	struct crm_error err;

	if (crm_store_copy(src->db, dst->db, &rep, &err) != CRM_OK)
		fail_msg("copy: %s", err.msg);
	assert_copied(&rep);
}

/* Rows in all tables of s, counted without the copy code. */
static long long all_rows(struct store *s)
{
	long long n = 0;
	char sql[128];

	for (size_t i = 0; i < CRM_COPY_TABLES; i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s",
			crm_copy_table_name(i, NULL));
		n += sql_int(s, sql);
	}
	return n;
}

/* ---- what a copy covers ---- */

static char kind_of(const char *type)
{
	if (strcmp(type, "INTEGER") == 0 || strcmp(type, "bigint") == 0)
		return 'i';
	if (strcmp(type, "TEXT") == 0 || strcmp(type, "text") == 0)
		return 't';
	if (strcmp(type, "BLOB") == 0 || strcmp(type, "bytea") == 0)
		return 'b';
	return '?';
}

/* Every table of the schema, each column of the kind the copy reads. */
static void covers_every_table_and_column(void **state)
{
	struct store *s = store_new(0);
	sqlite3 *sq = crm_db_sqlite(s->db);
	sqlite3_stmt *st;
	size_t found = 0;

	(void)state;
	assert_int_equal(sqlite3_prepare_v2(sq, "SELECT m.name, p.type"
		" FROM sqlite_master m, pragma_table_info(m.name) p"
		" WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%'"
		" ORDER BY m.name, p.cid", -1, &st, NULL), SQLITE_OK);
	for (size_t i = 0; i < CRM_COPY_TABLES; i++) {
		const char *kinds, *t = crm_copy_table_name(i, &kinds);
		char got[64] = "";
		size_t n = 0;

		sqlite3_reset(st);
		while (sqlite3_step(st) == SQLITE_ROW)
			if (strcmp((const char *)sqlite3_column_text(st, 0), t)
					== 0 && n + 1 < sizeof(got))
				got[n++] = kind_of((const char *)
					sqlite3_column_text(st, 1));
		got[n] = '\0';
		if (strcmp(got, kinds) != 0)
			fail_msg("%s: schema %s, copy %s", t, got, kinds);
	}
	sqlite3_reset(st);
	while (sqlite3_step(st) == SQLITE_ROW)
		found++;
	sqlite3_finalize(st);
	/* No table left out: as many columns in all as the copy knows. */
	for (size_t i = 0; i < CRM_COPY_TABLES; i++) {
		const char *kinds;

		crm_copy_table_name(i, &kinds);
		found -= strlen(kinds);
	}
	assert_int_equal(found, 0);
	assert_null(crm_copy_table_name(CRM_COPY_TABLES, NULL));
	store_free(s);
}

/* The same of PostgreSQL's schema, schema_version aside. */
static void covers_every_pg_table_and_column(void **state)
{
	struct store *s = store_new(1);
	PGconn *c = pg_connect(s->conninfo);
	PGresult *res;
	int row = 0;

	(void)state;
	res = PQexec(c, "SELECT table_name, data_type FROM"
		" information_schema.columns WHERE table_schema ="
		" current_schema() AND table_name <> 'schema_version'"
		" ORDER BY table_name, ordinal_position");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	for (size_t i = 0; i < CRM_COPY_TABLES; i++) {
		const char *kinds, *t = crm_copy_table_name(i, &kinds);
		char got[64] = "";
		size_t n = 0;

		for (int r = 0; r < PQntuples(res); r++)
			if (strcmp(PQgetvalue(res, r, 0), t) == 0 &&
			    n + 1 < sizeof(got))
				got[n++] = kind_of(PQgetvalue(res, r, 1));
		got[n] = '\0';
		if (strcmp(got, kinds) != 0)
			fail_msg("%s: schema %s, copy %s", t, got, kinds);
		row += (int)n;
	}
	assert_int_equal(row, PQntuples(res));
	PQclear(res);
	PQfinish(c);
	store_free(s);
}

/* ---- copies ---- */

static void sqlite_to_sqlite_keeps_every_row(void **state)
{
	struct store *src = filled_sqlite(), *dst = store_new(0);

	(void)state;
	copy_ok(src, dst);
	assert_equal_stores(src, dst);
	assert_same_sqlite(src, dst);
	/* The next row without an id still goes past the copied ones. */
	assert_true(sql_int(dst, "INSERT INTO groups(name) VALUES('new');"
		" SELECT id FROM groups WHERE name = 'new'") >
		9007199254740993LL);
	store_free(src);
	store_free(dst);
}

/* The tables with an identity, and a row for each that names no id. */
static const char *const fresh_rows[][2] = {
	{ "accounts", "(name, created) VALUES('fresh', 1)" },
	{ "groups", "(name) VALUES('fresh')" },
	{ "pw_history", "(account_id, hash, created) VALUES(1, 'h', 1)" },
	{ "reservations", "(account_id, started) VALUES(1, 1)" },
	{ "audit", "(time, event, actor) VALUES(1, 'e', 'a')" },
	{ "audit_checkpoints", "(time, first_id, prev_hash, removed, mac)"
	  " VALUES(1, 1, '\\x00', 0, '\\x00')" },
	{ "rules", "(name, priority, network, action, created)"
	  " VALUES('fresh', 1, 'any', 'allow', 1)" },
	{ "ip_failures", "(ip, time) VALUES('192.0.2.3', 1)" },
	{ "logins", "(time, last_time, \"user\", service, rhost, tty, type,"
	  " success, reason, country_code, country, city, org)"
	  " VALUES(1, 1, 'u', 's', '', '', 'p', 1, '', '', '', '', '')" },
	{ "recovery_codes", "(account_id, hash) VALUES(1, 'h')" },
};

static void sqlite_to_pg_keeps_every_row_and_moves_ids(void **state)
{
	struct store *src = filled_sqlite(), *dst = store_new(1);
	char sql[512];

	(void)state;
	copy_ok(src, dst);
	assert_equal_stores(src, dst);
	assert_int_equal(sql_int(dst, "SELECT count(*) FROM accounts WHERE"
		" id = " BIG " AND name = '\xc4\x8d?1$2'"), 1);
	assert_int_equal(sql_int(dst, "SELECT count(*) FROM audit WHERE"
		" id = 2 AND prev_hash = '\\x00ff' AND hash = ''"), 1);
	assert_int_equal(sql_int(dst, "SELECT count(*) FROM audit WHERE"
		" id = 1 AND prev_hash IS NULL"), 1);
	for (size_t i = 0; i < sizeof(fresh_rows) / sizeof(fresh_rows[0]);
	     i++) {
		const char *t = fresh_rows[i][0];
		long long max, id;

		snprintf(sql, sizeof(sql), "SELECT max(id) FROM %s", t);
		max = sql_int(dst, sql);
		snprintf(sql, sizeof(sql), "INSERT INTO %s%s RETURNING id", t,
			fresh_rows[i][1]);
		id = sql_int(dst, sql);
		if (id <= max)
			fail_msg("%s: new id %lld, copied up to %lld", t, id,
				max);
	}
	store_free(src);
	store_free(dst);
}

/* SQLite to PostgreSQL and back gives the first store again. */
static void pg_to_sqlite_gives_the_store_back(void **state)
{
	struct store *a = filled_sqlite(), *p = store_new(1), *b = store_new(0);

	(void)state;
	copy_ok(a, p);
	copy_ok(p, b);
	assert_equal_stores(p, b);
	assert_same_sqlite(a, b);
	store_free(a);
	store_free(p);
	store_free(b);
}

/* ---- refusals ---- */

/* One row per table, in copy order, for a destination already in use. */
static const char *const one_row[CRM_COPY_TABLES] = {
	"INSERT INTO accounts(id, name, created) VALUES(1, 'x', 1)",
	"INSERT INTO groups VALUES(1, 'g')",
	"INSERT INTO members VALUES(1, 1)",
	"INSERT INTO policy VALUES('global', '', 'deny', '3')",
	"INSERT INTO pw_history VALUES(1, 1, 'h', 1)",
	"INSERT INTO reservations VALUES(1, 1, 1)",
	"INSERT INTO audit(id, time, event, actor) VALUES(1, 1, 'e', 'a')",
	NULL,	/* audit_checkpoints: its bytes are written per backend */
	"INSERT INTO rules VALUES(1, 'r', 1, 'all', '', 'any', 'allow', 1)",
	"INSERT INTO settings VALUES('k', 'v')",
	"INSERT INTO ip_failures VALUES(1, '192.0.2.1', 1)",
	"INSERT INTO ip_blocks VALUES('192.0.2.1', 1, 2, 3)",
	"INSERT INTO logins VALUES(1, 1, 1, 1, 'u', 's', '', '', 'p', 1, '',"
	" '', '', '', '', 0)",
	"INSERT INTO known_ips VALUES(1, '192.0.2.1', 1, 1, 1)",
	"INSERT INTO totp VALUES(1, 's', 1, 1)",
	"INSERT INTO recovery_codes VALUES(1, 1, 'h')",
	"INSERT INTO otp_codes VALUES(1, 'login', 'h', 'a', 1, 2, 0)",
	"INSERT INTO sip_credentials VALUES(1, 'r', 's', 1)",
};

/*
 * Each table on its own makes a destination in use: a row is added to one
 * table after another, and each time the copy is refused, naming it, and
 * writes nothing.
 */
static void refuses_a_destination_with_rows(int pg)
{
	struct store *src = filled_sqlite(), *dst = store_new(pg);
	struct crm_copy_report rep;
	struct crm_error err;

	for (size_t i = 0; i < CRM_COPY_TABLES; i++) {
		const char *t = crm_copy_table_name(i, NULL);

		if (one_row[i] != NULL)
			sql_int(dst, one_row[i]);
		else
			sql_int(dst, pg ? "INSERT INTO audit_checkpoints"
				" VALUES(1, 1, 1, '\\x00', 0, '\\x00')" :
				"INSERT INTO audit_checkpoints"
				" VALUES(1, 1, 1, X'00', 0, X'00')");
		assert_int_equal(crm_store_copy(src->db, dst->db, &rep, &err),
			CRM_EEXIST);
		if (strstr(err.msg, t) == NULL)
			fail_msg("%s not named: %s", t, err.msg);
		assert_int_equal(all_rows(dst), (long long)i + 1);
		assert_false(crm_db_in_transaction(src->db));
		assert_false(crm_db_in_transaction(dst->db));
	}
	store_free(src);
	store_free(dst);
}

static void refuses_a_sqlite_destination_with_rows(void **state)
{
	(void)state;
	refuses_a_destination_with_rows(0);
}

static void refuses_a_pg_destination_with_rows(void **state)
{
	(void)state;
	refuses_a_destination_with_rows(1);
}

/* A second run into the store it filled: refused, the copy unchanged. */
static void refuses_to_copy_twice(void **state)
{
	struct store *src = filled_sqlite(), *dst = store_new(0);
	struct crm_error err;

	(void)state;
	copy_ok(src, dst);
	assert_int_equal(crm_store_copy(src->db, dst->db, NULL, &err),
		CRM_EEXIST);
	assert_non_null(strstr(err.msg, "not empty"));
	assert_equal_stores(src, dst);
	assert_int_equal(crm_store_copy(src->db, src->db, NULL, &err),
		CRM_EINVAL);
	store_free(src);
	store_free(dst);
}

/* ---- failures midway ---- */

/*
 * The last table cannot be written: every table before it, written in
 * the same transaction, is gone again.
 */
static void failure_midway_leaves_nothing(int pg, const char *breakage)
{
	struct store *src = filled_sqlite(), *dst = store_new(pg);
	struct crm_error err;

	sql_int(dst, breakage);
	assert_int_equal(crm_store_copy(src->db, dst->db, NULL, &err),
		CRM_ESTORE);
	assert_non_null(strstr(err.msg, "sip_credentials"));
	assert_int_equal(sql_int(dst, "SELECT count(*) FROM accounts"), 0);
	assert_int_equal(sql_int(dst, "SELECT count(*) FROM audit"), 0);
	assert_int_equal(sql_int(dst, "SELECT count(*) FROM otp_codes"), 0);
	assert_false(crm_db_in_transaction(dst->db));
	assert_false(crm_db_in_transaction(src->db));
	store_free(src);
	store_free(dst);
}

static void missing_table_in_sqlite_rolls_back(void **state)
{
	(void)state;
	failure_midway_leaves_nothing(0, "ALTER TABLE sip_credentials"
		" RENAME TO gone; CREATE TABLE sip_credentials(x)");
}

static void constraint_in_pg_rolls_back(void **state)
{
	(void)state;
	failure_midway_leaves_nothing(1, "ALTER TABLE sip_credentials ADD"
		" CONSTRAINT refuse CHECK (realm <> 'sip.example.com')");
}

static void missing_table_in_pg_rolls_back(void **state)
{
	(void)state;
	failure_midway_leaves_nothing(1, "DROP TABLE sip_credentials");
}

/* A value its column cannot hold is refused, not carried as another. */
static void refuses_a_value_of_the_wrong_kind(void **state)
{
	struct store *src = filled_sqlite(), *dst = store_new(0);
	struct crm_error err;

	(void)state;
	sql_int(src, "UPDATE logins SET count = 'many' WHERE id = 1");
	assert_int_equal(crm_store_copy(src->db, dst->db, NULL, &err),
		CRM_ESTORE);
	assert_non_null(strstr(err.msg, "logins"));
	assert_non_null(strstr(err.msg, "not an integer"));
	assert_int_equal(all_rows(dst), 0);
	store_free(src);
	store_free(dst);
}

/*
 * PostgreSQL's text holds no NUL byte: the value would arrive cut short,
 * which the reading back before the commit finds.
 */
static void a_value_pg_cannot_hold_undoes_the_copy(void **state)
{
	struct store *src = filled_sqlite(), *dst = store_new(1);
	struct store *same = store_new(0);
	struct crm_error err;

	(void)state;
	sql_int(src, "UPDATE settings SET value = CAST(X'610062' AS TEXT)"
		" WHERE key = 'audit_head'");
	/* SQLite to SQLite carries it as it is. */
	copy_ok(src, same);
	assert_same_sqlite(src, same);
	assert_int_equal(crm_store_copy(src->db, dst->db, NULL, &err),
		CRM_ESTORE);
	if (strstr(err.msg, "settings") == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(all_rows(dst), 0);
	store_free(src);
	store_free(dst);
	store_free(same);
}

/* ---- comparing ---- */

static void compare_finds_a_changed_value_and_a_missing_row(void **state)
{
	struct store *src = filled_sqlite(), *dst = store_new(0);
	struct crm_copy_report rep;
	struct crm_error err;

	(void)state;
	copy_ok(src, dst);
	sql_int(dst, "UPDATE rules SET network = 'any' WHERE id = 1");
	assert_int_equal(crm_store_compare(src->db, dst->db, &rep, &err), 0);
	assert_false(rep.equal);
	assert_non_null(strstr(rep.problem, "rules"));
	sql_int(dst, "UPDATE rules SET network = '192.0.2.0/24' WHERE id = 1");
	sql_int(dst, "DELETE FROM known_ips");
	assert_int_equal(crm_store_compare(src->db, dst->db, &rep, &err), 0);
	assert_false(rep.equal);
	assert_non_null(strstr(rep.problem, "known_ips"));
	sql_int(src, "DELETE FROM known_ips");
	assert_int_equal(crm_store_compare(src->db, dst->db, &rep, &err), 0);
	assert_true(rep.equal);
	store_free(src);
	store_free(dst);
}

static int free_left_stores(void **state)
{
	(void)state;
	for (size_t i = 0; i < 8; i++)
		if (open_stores[i] != NULL)
			store_free(open_stores[i]);
	return 0;
}

#define T(f) cmocka_unit_test_teardown(f, free_left_stores)

int main(void)
{
	const struct CMUnitTest sqlite_only[] = {
		T(covers_every_table_and_column),
		T(sqlite_to_sqlite_keeps_every_row),
		T(refuses_a_sqlite_destination_with_rows),
		T(refuses_to_copy_twice),
		T(missing_table_in_sqlite_rolls_back),
		T(refuses_a_value_of_the_wrong_kind),
		T(compare_finds_a_changed_value_and_a_missing_row),
	};
	const struct CMUnitTest with_pg[] = {
		T(covers_every_pg_table_and_column),
		T(sqlite_to_pg_keeps_every_row_and_moves_ids),
		T(pg_to_sqlite_gives_the_store_back),
		T(refuses_a_pg_destination_with_rows),
		T(constraint_in_pg_rolls_back),
		T(missing_table_in_pg_rolls_back),
		T(a_value_pg_cannot_hold_undoes_the_copy),
	};
	int r = cmocka_run_group_tests_name("sqlite", sqlite_only, NULL, NULL);

	/* make check always gives a server; by hand, SQLite alone is fine. */
	if (have_pg())
		r += cmocka_run_group_tests_name("postgresql", with_pg, NULL,
			NULL);
	return r;
}
