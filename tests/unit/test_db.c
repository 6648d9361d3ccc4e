/*
 * The storage interface, the same checks on each backend: SQLite always,
 * PostgreSQL when CRM_TEST_PG names a server where the test may create
 * databases (make check starts one: scripts/pg-cluster.sh). Each case
 * gets a store of its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <libpq-fe.h>

#include "crmpolicy/store.h"

struct env {
	int pg;			/* 0 SQLite, 1 PostgreSQL */
	char dir[64];		/* SQLite: the store's directory */
	char name[64];		/* PostgreSQL: the database */
	char conninfo[1024];	/* what crm_store_open is given */
	struct crm_db *db;
};

static int seq;

/* Runs sql on the test server's maintenance connection. */
static void admin_sql(const char *sql)
{
	const char *super = getenv("CRM_TEST_PG");
	PGconn *c = PQconnectdb(super);
	PGresult *res;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(c);
}

/* A new, empty store of the backend; not opened. */
static void new_store(struct env *e)
{
	if (e->pg) {
		char sql[160];

		snprintf(e->name, sizeof(e->name), "crmt_db_%d_%d", (int)getpid(),
			++seq);
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE"
			" template0", e->name);
		admin_sql(sql);
		snprintf(e->conninfo, sizeof(e->conninfo), "%s dbname=%s",
			getenv("CRM_TEST_PG"), e->name);
	} else {
		snprintf(e->dir, sizeof(e->dir), "/tmp/crmtdb.XXXXXX");
		assert_non_null(mkdtemp(e->dir));
		snprintf(e->conninfo, sizeof(e->conninfo), "%s/store.db", e->dir);
	}
}

static int setup(void **state, int pg)
{
	struct env *e = calloc(1, sizeof(*e));
	struct crm_error err;

	e->pg = pg;
	new_store(e);
	if (crm_store_open(e->conninfo, 1, &e->db, &err) != CRM_OK)
		fail_msg("opening %s: %s", e->conninfo, err.msg);
	*state = e;
	return 0;
}

static int setup_sqlite(void **state)
{
	return setup(state, 0);
}

static int setup_pg(void **state)
{
	return setup(state, 1);
}

/* Removes the store of e (closed). */
static void drop_store(struct env *e)
{
	char cmd[200];

	if (e->pg) {
		snprintf(cmd, sizeof(cmd), "DROP DATABASE IF EXISTS %s WITH"
			" (FORCE)", e->name);
		admin_sql(cmd);
	} else {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
		assert_int_equal(system(cmd), 0);
	}
}

static int teardown(void **state)
{
	struct env *e = *state;

	crm_store_close(e->db);
	drop_store(e);
	free(e);
	return 0;
}

/* ---- the cases ---- */

static void setting_round_trip_and_missing(void **state)
{
	struct env *e = *state;
	struct crm_error err;
	char v[64];

	assert_int_equal(crm_setting_set(e->db, "k", "v1", &err), CRM_OK);
	assert_int_equal(crm_setting_set(e->db, "k", "v2", &err), CRM_OK);
	assert_int_equal(crm_setting_get(e->db, "k", v, sizeof(v), &err),
		CRM_OK);
	assert_string_equal(v, "v2");
	assert_int_equal(crm_setting_get(e->db, "none", v, sizeof(v), &err),
		CRM_ENOENT);
}

static void hostile_text_is_stored_as_given(void **state)
{
	struct env *e = *state;
	const char *evil = "x'); DROP TABLE settings; -- \\ $1 ?1 \xc5\xa1";
	struct crm_error err;
	char v[128];

	assert_int_equal(crm_setting_set(e->db, evil, evil, &err), CRM_OK);
	assert_int_equal(crm_setting_get(e->db, evil, v, sizeof(v), &err),
		CRM_OK);
	assert_string_equal(v, evil);
}

static void rollback_discards_commit_keeps(void **state)
{
	struct env *e = *state;
	struct crm_error err;
	char v[64];

	assert_int_equal(crm_setting_set(e->db, "k", "before", &err), CRM_OK);
	assert_false(crm_db_in_transaction(e->db));
	assert_int_equal(crm_store_begin(e->db, &err), CRM_OK);
	assert_true(crm_db_in_transaction(e->db));
	assert_int_equal(crm_setting_set(e->db, "k", "lost", &err), CRM_OK);
	crm_store_rollback(e->db);
	assert_false(crm_db_in_transaction(e->db));
	assert_int_equal(crm_setting_get(e->db, "k", v, sizeof(v), &err), 0);
	assert_string_equal(v, "before");
	assert_int_equal(crm_store_begin_relaxed(e->db, &err), CRM_OK);
	assert_int_equal(crm_setting_set(e->db, "k", "kept", &err), CRM_OK);
	assert_int_equal(crm_store_commit(e->db, &err), CRM_OK);
	assert_int_equal(crm_setting_get(e->db, "k", v, sizeof(v), &err), 0);
	assert_string_equal(v, "kept");
}

/*
 * On a connection that serves logins (crm_db_defer_writes), a write that
 * returns nothing may travel with the next statement or the commit: it
 * is still seen by the reads after it, kept by a commit and dropped by a
 * rollback, as every write is.
 */
static void deferred_writes_keep_their_order_and_their_fate(void **state)
{
	struct env *e = *state;
	struct crm_error err;
	char v[64];

	crm_db_defer_writes(e->db);
	assert_int_equal(crm_store_begin(e->db, &err), CRM_OK);
	assert_int_equal(crm_setting_set(e->db, "k", "v1", &err), CRM_OK);
	assert_int_equal(crm_setting_get(e->db, "k", v, sizeof(v), &err), 0);
	assert_string_equal(v, "v1");
	assert_int_equal(crm_setting_set(e->db, "k", "v2", &err), CRM_OK);
	assert_int_equal(crm_setting_set(e->db, "j", "w", &err), CRM_OK);
	assert_int_equal(crm_store_commit(e->db, &err), CRM_OK);
	assert_false(crm_db_in_transaction(e->db));
	assert_int_equal(crm_setting_get(e->db, "k", v, sizeof(v), &err), 0);
	assert_string_equal(v, "v2");
	assert_int_equal(crm_setting_get(e->db, "j", v, sizeof(v), &err), 0);
	assert_string_equal(v, "w");
	assert_int_equal(crm_store_begin_relaxed(e->db, &err), CRM_OK);
	assert_int_equal(crm_setting_set(e->db, "k", "lost", &err), CRM_OK);
	crm_store_rollback(e->db);
	assert_false(crm_db_in_transaction(e->db));
	assert_int_equal(crm_setting_get(e->db, "k", v, sizeof(v), &err), 0);
	assert_string_equal(v, "v2");
	/* A reader's end goes out unawaited; the next request reads it. */
	assert_int_equal(crm_store_begin_read(e->db, &err), CRM_OK);
	assert_int_equal(crm_setting_get(e->db, "k", v, sizeof(v), &err), 0);
	assert_int_equal(crm_store_commit(e->db, &err), CRM_OK);
	assert_false(crm_db_in_transaction(e->db));
	assert_int_equal(crm_store_begin(e->db, &err), CRM_OK);
	assert_int_equal(crm_setting_set(e->db, "k", "v3", &err), CRM_OK);
	assert_int_equal(crm_store_commit(e->db, &err), CRM_OK);
	assert_int_equal(crm_setting_get(e->db, "k", v, sizeof(v), &err), 0);
	assert_string_equal(v, "v3");
}

/*
 * A write that fails fails its transaction, also when it was deferred:
 * the error names it, and none of the transaction's writes is kept.
 */
static void a_failed_deferred_write_fails_its_transaction(void **state)
{
	struct env *e = *state;
	struct crm_account a;
	struct crm_error err;
	char v[64];
	int r;

	crm_db_defer_writes(e->db);
	memset(&a, 0, sizeof(a));
	a.id = 987654;
	snprintf(a.name, sizeof(a.name), "ghost");
	assert_int_equal(crm_setting_set(e->db, "k", "before", &err), CRM_OK);
	assert_int_equal(crm_store_begin(e->db, &err), CRM_OK);
	assert_int_equal(crm_setting_set(e->db, "k", "after", &err), CRM_OK);
	r = crm_account_update(e->db, &a, &err);
	if (r == CRM_OK) {
		/* Deferred: the commit finds it out. */
		r = crm_store_commit(e->db, &err);
		assert_non_null(strstr(err.msg, "ACCOUNT_UPDATE"));
	} else {
		crm_store_rollback(e->db);
	}
	assert_int_equal(r, CRM_ESTORE);
	assert_non_null(strstr(err.msg, "vanished"));
	assert_false(crm_db_in_transaction(e->db));
	assert_int_equal(crm_setting_get(e->db, "k", v, sizeof(v), &err), 0);
	assert_string_equal(v, "before");
}

static void reopening_finds_the_schema_migrated(void **state)
{
	struct env *e = *state;
	struct crm_db *again;
	struct crm_error err;
	char v[64];
	int version = 0;

	assert_int_equal(crm_setting_set(e->db, "k", "v", &err), CRM_OK);
	assert_int_equal(crm_store_open(e->conninfo, 0, &again, &err), CRM_OK);
	if (!e->pg) {
		assert_int_equal(crm_store_version(again, &version, &err), 0);
		assert_int_equal(version, CRM_SCHEMA_VERSION);
	}
	assert_int_equal(crm_setting_get(again, "k", v, sizeof(v), &err), 0);
	assert_string_equal(v, "v");
	crm_store_close(again);
}

/*
 * Several processes meeting a new store at once: one migrates, the
 * others find it done. A fleet's hosts meet an empty PostgreSQL
 * database so; an SQLite file is made by crmpasswd init alone, then met
 * by everyone.
 */
static void racing_first_opens_migrate_once(void **state)
{
	struct env *e = *state, fresh = *e;
	pid_t kids[8];
	int status;

	new_store(&fresh);
	if (!fresh.pg) {
		struct crm_db *db;
		struct crm_error err;

		assert_int_equal(crm_store_open(fresh.conninfo, 1, &db, &err),
			CRM_OK);
		crm_store_close(db);
	}
	for (int i = 0; i < 8; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			struct crm_db *db;
			struct crm_error err;
			int r = crm_store_open(fresh.conninfo, 1, &db, &err);

			if (r == CRM_OK)
				r = crm_setting_set(db, "k", "v", &err);
			if (r != CRM_OK)
				fprintf(stderr, "child: %s\n", err.msg);
			crm_store_close(db);
			_exit(r == CRM_OK ? 0 : 1);
		}
	}
	for (int i = 0; i < 8; i++) {
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	drop_store(&fresh);
}

/* A forked child that closes its copy leaves the parent's connection. */
static void child_closing_leaves_the_parent_alone(void **state)
{
	struct env *e = *state;
	struct crm_error err;
	char v[64];
	int status;
	pid_t kid;

	assert_int_equal(crm_setting_set(e->db, "k", "parent", &err), CRM_OK);
	kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		crm_store_close(e->db);
		_exit(0);
	}
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_int_equal(crm_setting_get(e->db, "k", v, sizeof(v), &err), 0);
	assert_string_equal(v, "parent");
}

/* ---- PostgreSQL only ---- */

static void unreachable_server_is_a_store_error_naming_it(void **state)
{
	struct crm_db *db;
	struct crm_error err;
	time_t t0 = time(NULL);

	(void)state;
	assert_int_equal(crm_store_open("host=127.0.0.1 port=1 dbname=crm"
		" user=crm", 0, &db, &err), CRM_ESTORE);
	assert_null(db);
	assert_non_null(strstr(err.msg, "127.0.0.1"));
	assert_non_null(strstr(err.msg, "cannot connect"));
	/* Refused at once; a silent host would take connect_timeout. */
	assert_true(time(NULL) - t0 < 5);
}

/* The value of keyword kw in connection string info. */
static void info_value(const char *info, const char *kw, char *out,
	size_t len)
{
	PQconninfoOption *ci = PQconninfoParse(info, NULL);

	out[0] = '\0';
	assert_non_null(ci);
	for (PQconninfoOption *p = ci; p->keyword != NULL; p++)
		if (strcmp(p->keyword, kw) == 0 && p->val != NULL)
			snprintf(out, len, "%s", p->val);
	PQconninfoFree(ci);
}

/*
 * A list of hosts with target_session_attrs=read-write: the first is
 * down, the store is reached on the second, as after a failover.
 */
static void first_host_down_second_serves(void **state)
{
	struct env *e = *state;
	char host[256], port[16], user[64], info[1024], v[64];
	struct crm_db *db;
	struct crm_error err;

	info_value(getenv("CRM_TEST_PG"), "host", host, sizeof(host));
	info_value(getenv("CRM_TEST_PG"), "port", port, sizeof(port));
	info_value(getenv("CRM_TEST_PG"), "user", user, sizeof(user));
	snprintf(info, sizeof(info), "host=127.0.0.1,%s port=1,%s dbname=%s"
		" user=%s target_session_attrs=read-write", host,
		port[0] ? port : "5432", e->name, user);
	assert_int_equal(crm_setting_set(e->db, "k", "shared", &err), CRM_OK);
	if (crm_store_open(info, 0, &db, &err) != CRM_OK)
		fail_msg("%s: %s", info, err.msg);
	assert_int_equal(crm_setting_get(db, "k", v, sizeof(v), &err), 0);
	assert_string_equal(v, "shared");
	crm_store_close(db);
}

/* Ends the server sessions of the store of e, as a restart would. */
static void drop_sessions(struct env *e)
{
	char sql[256];
	const char *super = getenv("CRM_TEST_PG");
	PGconn *c = PQconnectdb(super);
	PGresult *res;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	snprintf(sql, sizeof(sql), "SELECT count(pg_terminate_backend(pid))"
		" FROM pg_stat_activity WHERE datname = '%s' AND"
		" application_name = 'crmpolicy'", e->name);
	res = PQexec(c, sql);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(res, 0, 0), "1");
	PQclear(res);
	PQfinish(c);
}

/*
 * A session the server ends between transactions is made again; one
 * ended inside a transaction fails that transaction, whose writes are
 * gone, and the next one works.
 */
static void a_lost_session_is_made_again_between_transactions(void **state)
{
	struct env *e = *state;
	struct crm_error err;
	char v[64];

	assert_int_equal(crm_setting_set(e->db, "k", "one", &err), CRM_OK);
	drop_sessions(e);
	assert_int_equal(crm_setting_get(e->db, "k", v, sizeof(v), &err), 0);
	assert_string_equal(v, "one");
	assert_int_equal(crm_store_begin(e->db, &err), CRM_OK);
	assert_int_equal(crm_setting_set(e->db, "k", "two", &err), CRM_OK);
	drop_sessions(e);
	assert_int_not_equal(crm_setting_set(e->db, "k", "three", &err),
		CRM_OK);
	assert_int_not_equal(crm_store_commit(e->db, &err), CRM_OK);
	assert_false(crm_db_in_transaction(e->db));
	assert_int_equal(crm_setting_get(e->db, "k", v, sizeof(v), &err), 0);
	assert_string_equal(v, "one");
	assert_int_equal(crm_store_begin(e->db, &err), CRM_OK);
	assert_int_equal(crm_setting_set(e->db, "k", "four", &err), CRM_OK);
	assert_int_equal(crm_store_commit(e->db, &err), CRM_OK);
	assert_int_equal(crm_setting_get(e->db, "k", v, sizeof(v), &err), 0);
	assert_string_equal(v, "four");
}


/* ---- through PgBouncer: a server session kept from login to login ---- */

/* The store of e through the test's pool (one server session each). */
static void pool_info(const struct env *e, char *out, size_t len)
{
	const char *pool = getenv("CRM_TEST_PG_POOL");

	if (pool == NULL || !*pool)
		fail_msg("CRM_TEST_PG_POOL is not set (scripts/run-tests.sh"
			" sets it)");
	snprintf(out, len, "%s dbname=%s", pool, e->name);
}

/*
 * What the pooled session of e holds of crmpolicy's statements, seen by
 * a client of the pool after the last one left: "name time" lines.
 * With forge, that client then makes each of them another statement of
 * the same name, as another program of the same role could.
 */
static void pooled_statements(const struct env *e, int forge,
	char *out, size_t len)
{
	char info[1024], cmd[256];
	PGconn *c;
	PGresult *res;
	size_t at = 0;

	pool_info(e, info, sizeof(info));
	c = PQconnectdb(info);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, "SELECT name, prepare_time FROM pg_prepared_statements"
		" WHERE name LIKE 'crm\\_%' ORDER BY name");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	out[0] = '\0';
	for (int i = 0; i < PQntuples(res); i++) {
		at += (size_t)snprintf(out + at, len - at, "%s %s\n",
			PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
		assert_true(at < len);
		if (forge) {
			const char *name = PQgetvalue(res, i, 0);
			PGresult *r2;

			snprintf(cmd, sizeof(cmd), "DEALLOCATE %s; PREPARE %s"
				" AS SELECT 'forged'", name, name);
			r2 = PQexec(c, cmd);
			if (PQresultStatus(r2) != PGRES_COMMAND_OK)
				fail_msg("%s: %s", cmd, PQresultErrorMessage(r2));
			PQclear(r2);
		}
	}
	PQclear(res);
	PQfinish(c);
}

/* One login's worth through the pool: k set to v and read back. */
static void pooled_login(const struct env *e, const char *v)
{
	char info[1024], got[64];
	struct crm_db *db;
	struct crm_error err;

	pool_info(e, info, sizeof(info));
	if (crm_store_open(info, 0, &db, &err) != CRM_OK)
		fail_msg("%s: %s", info, err.msg);
	assert_int_equal(crm_setting_set(db, "k", v, &err), CRM_OK);
	assert_int_equal(crm_setting_get(db, "k", got, sizeof(got), &err), 0);
	assert_string_equal(got, v);
	crm_store_close(db);
}

/*
 * The statements a login prepared in a pooled session serve the next
 * login there as they are: none is prepared again (which, under the same
 * name, the server would refuse), none is lost.
 */
static void a_pooled_session_keeps_its_statements(void **state)
{
	struct env *e = *state;
	char before[4096], after[4096];

	pooled_login(e, "one");
	pooled_statements(e, 0, before, sizeof(before));
	/* BEGIN's pieces go unnamed; the setting's two statements do not. */
	assert_non_null(strchr(strchr(before, '\n') + 1, '\n'));
	pooled_login(e, "two");
	pooled_statements(e, 0, after, sizeof(after));
	assert_string_equal(before, after);
}

/*
 * A statement the session holds under one of crmpolicy's names but with
 * another text (another program of the same role made it) is never run
 * for crmpolicy's: preparing its own then fails, an error of the store.
 */
static void a_pooled_statement_of_another_text_is_never_run(void **state)
{
	struct env *e = *state;
	char info[1024], seen[4096], v[64];
	struct crm_db *db;
	struct crm_error err;

	pooled_login(e, "one");
	pooled_statements(e, 1, seen, sizeof(seen));
	assert_true(seen[0] != '\0');
	pool_info(e, info, sizeof(info));
	if (crm_store_open(info, 0, &db, &err) != CRM_OK)
		fail_msg("%s: %s", info, err.msg);
	v[0] = '\0';
	assert_int_equal(crm_setting_get(db, "k", v, sizeof(v), &err),
		CRM_ESTORE);
	assert_string_equal(v, "");
	assert_non_null(strstr(err.msg, "already exists"));
	crm_store_close(db);
}

/*
 * The cluster's passfile names its host; the test reaches it under
 * another name: a copy whose lines match any host, in pass instead.
 */
static void pass_for_any_host(char *pass, size_t len)
{
	char line[512], copy[] = "/tmp/crmtpass.XXXXXX";
	FILE *in = fopen(pass, "r"), *out;
	int fd = mkstemp(copy);

	assert_non_null(in);
	assert_true(fd >= 0);
	out = fdopen(fd, "w");
	assert_non_null(out);
	while (fgets(line, sizeof(line), in) != NULL) {
		const char *rest = strchr(line, ':');

		if (rest != NULL)
			fprintf(out, "*%s", rest);
	}
	fclose(in);
	assert_int_equal(fclose(out), 0);
	snprintf(pass, len, "%s", copy);
}

/*
 * A host that is not this one gets TLS with its name verified unless
 * the string says otherwise: the test server's certificate names
 * localhost, so reaching it as db.example.test (hostaddr 127.0.0.1) is
 * refused, by the system's CAs and by the test's own alike; saying
 * sslmode=require (no name check) lets the same connection through.
 */
static void a_remote_host_is_verified_by_default(void **state)
{
	const char *tcp = getenv("CRM_TEST_PG_TCP");
	char port[16], pass[512], ca[512], dbname[64], info[1400];
	struct crm_db *db;
	struct crm_error err;

	(void)state;
	if (tcp == NULL || *tcp == '\0')
		fail_msg("CRM_TEST_PG_TCP is not set (scripts/run-tests.sh sets"
			" it)");
	info_value(tcp, "port", port, sizeof(port));
	info_value(tcp, "passfile", pass, sizeof(pass));
	info_value(tcp, "sslrootcert", ca, sizeof(ca));
	info_value(tcp, "dbname", dbname, sizeof(dbname));
	pass_for_any_host(pass, sizeof(pass));
	snprintf(info, sizeof(info), "host=db.example.test hostaddr=127.0.0.1"
		" port=%s dbname=%s user=crm passfile=%s", port, dbname, pass);
	assert_int_equal(crm_store_open(info, 0, &db, &err), CRM_ESTORE);
	assert_non_null(strstr(err.msg, "cannot connect"));
	assert_non_null(strstr(err.msg, "certificate"));
	snprintf(info, sizeof(info), "host=db.example.test hostaddr=127.0.0.1"
		" port=%s dbname=%s user=crm passfile=%s sslrootcert=%s", port,
		dbname, pass, ca);
	assert_int_equal(crm_store_open(info, 0, &db, &err), CRM_ESTORE);
	assert_non_null(strstr(err.msg, "does not match host name"));
	snprintf(info, sizeof(info), "host=db.example.test hostaddr=127.0.0.1"
		" port=%s dbname=%s user=crm passfile=%s sslmode=require", port,
		dbname, pass);
	if (crm_store_open(info, 0, &db, &err) != CRM_OK)
		fail_msg("%s", err.msg);
	crm_store_close(db);
	unlink(pass);
}

/*
 * A search_path naming no schema that exists leaves the statements
 * nowhere to find their tables: the open says so, and nothing is made.
 */
static void a_search_path_without_a_schema_is_named(void **state)
{
	struct env *e = *state;
	char info[1200];
	struct crm_db *db;
	struct crm_error err;

	snprintf(info, sizeof(info), "%s options=-csearch_path=crm_missing",
		e->conninfo);
	assert_int_equal(crm_store_open(info, 0, &db, &err), CRM_ESTORE);
	assert_non_null(strstr(err.msg, "no schema of the search_path"));
	assert_non_null(strstr(err.msg, e->name));
}

static void bad_connection_string_is_refused(void **state)
{
	struct crm_db *db;
	struct crm_error err;

	(void)state;
	assert_int_equal(crm_store_open("host=x nonsense=1", 0, &db, &err),
		CRM_ESTORE);
	assert_non_null(strstr(err.msg, "not a valid PostgreSQL"));
}

static void a_password_in_the_connection_string_is_refused(void **state)
{
	struct crm_db *db;
	struct crm_error err;

	(void)state;
	assert_int_equal(crm_store_open("postgresql://crm:secret@127.0.0.1:1/crm",
		0, &db, &err), CRM_ESTORE);
	assert_non_null(strstr(err.msg, "passfile"));
	assert_null(strstr(err.msg, "secret"));
	assert_int_equal(crm_store_open("host=127.0.0.1 port=1 password=secret",
		0, &db, &err), CRM_ESTORE);
	assert_non_null(strstr(err.msg, "carries a password"));
}

static void store_names_are_told_apart(void **state)
{
	(void)state;
	assert_true(crm_store_is_pg("postgresql://crm@db.example/crm"));
	assert_true(crm_store_is_pg("postgres://db/crm"));
	assert_true(crm_store_is_pg("service=crmpolicy"));
	assert_true(crm_store_is_pg("host=db1,db2 dbname=crm"));
	assert_false(crm_store_is_pg("/var/lib/crmpolicy/crmpolicy.db"));
	assert_false(crm_store_is_pg("/srv/a=b/crmpolicy.db"));
	assert_false(crm_store_is_pg("crmpolicy.db"));
}

#define BOTH(f) \
	cmocka_unit_test_setup_teardown(f, setup_sqlite, teardown), \
	cmocka_unit_test_setup_teardown(f, setup_pg, teardown)
#define SQLITE(f) cmocka_unit_test_setup_teardown(f, setup_sqlite, teardown)

int main(void)
{
	const struct CMUnitTest sqlite_only[] = {
		SQLITE(setting_round_trip_and_missing),
		SQLITE(hostile_text_is_stored_as_given),
		SQLITE(rollback_discards_commit_keeps),
		SQLITE(deferred_writes_keep_their_order_and_their_fate),
		SQLITE(a_failed_deferred_write_fails_its_transaction),
		SQLITE(reopening_finds_the_schema_migrated),
		SQLITE(racing_first_opens_migrate_once),
		SQLITE(child_closing_leaves_the_parent_alone),
		cmocka_unit_test(store_names_are_told_apart),
		cmocka_unit_test(a_password_in_the_connection_string_is_refused),
	};
	const struct CMUnitTest both[] = {
		BOTH(setting_round_trip_and_missing),
		BOTH(hostile_text_is_stored_as_given),
		BOTH(rollback_discards_commit_keeps),
		BOTH(deferred_writes_keep_their_order_and_their_fate),
		BOTH(a_failed_deferred_write_fails_its_transaction),
		BOTH(reopening_finds_the_schema_migrated),
		BOTH(racing_first_opens_migrate_once),
		BOTH(child_closing_leaves_the_parent_alone),
		cmocka_unit_test(store_names_are_told_apart),
		cmocka_unit_test(unreachable_server_is_a_store_error_naming_it),
		cmocka_unit_test_setup_teardown(first_host_down_second_serves,
			setup_pg, teardown),
		cmocka_unit_test_setup_teardown(
			a_lost_session_is_made_again_between_transactions,
			setup_pg, teardown),
		cmocka_unit_test_setup_teardown(
			a_pooled_session_keeps_its_statements, setup_pg, teardown),
		cmocka_unit_test_setup_teardown(
			a_pooled_statement_of_another_text_is_never_run, setup_pg,
			teardown),
		cmocka_unit_test_setup_teardown(
			a_search_path_without_a_schema_is_named, setup_pg,
			teardown),
		cmocka_unit_test(bad_connection_string_is_refused),
		cmocka_unit_test(a_password_in_the_connection_string_is_refused),
		cmocka_unit_test(a_remote_host_is_verified_by_default),
	};

	/* make check always gives a server; by hand, SQLite alone is fine. */
	if (getenv("CRM_TEST_PG") == NULL || !*getenv("CRM_TEST_PG"))
		return cmocka_run_group_tests(sqlite_only, NULL, NULL);
	return cmocka_run_group_tests(both, NULL, NULL);
}
