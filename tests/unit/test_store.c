/*
 * Unit tests of lib/store.c: opening refuses unsafe files (symlink, group or
 * other write access, newer schema) and accepts safe ones, WAL and the
 * schema version, transactions, and every accessor through bound parameters.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "crmpolicy/store.h"

static const char *db_path(struct tenv *t)
{
	return t->cfg.str[CRM_K_DB];
}

/* Closes the tenv's own connection so that a test can reopen the file. */
static void close_ctx(struct tenv *t)
{
	crm_ctx_close(&t->ctx);
}

static int64_t add_account(struct tenv *t, const char *name)
{
	struct crm_account a;
	struct crm_error e;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.created = T0;
	if (crm_account_insert(t->ctx.db, &a, &e) != CRM_OK)
		fail_msg("insert %s: %s", name, e.msg);
	return a.id;
}

/* The first column of the first row of sql, as an integer. */
static long long query_int(struct crm_db *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v;

	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(db), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ---- opening and migrations ---- */

static void fresh_store_has_current_schema_version(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	int v = -1;

	assert_int_equal(crm_store_version(t->ctx.db, &v, &e), CRM_OK);
	assert_int_equal(v, CRM_SCHEMA_VERSION);
	assert_int_equal(tenv_query_int(t, tenv_pg() ?
		"SELECT version FROM schema_version" : "PRAGMA user_version",
		NULL, NULL), CRM_SCHEMA_VERSION);
}

static void wal_mode_is_on(void **state)
{
	struct tenv *t = *state;
	sqlite3_stmt *st;

	TENV_SQLITE_ONLY();
	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(t->ctx.db), "PRAGMA journal_mode",
		-1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
}

/*
 * Concurrent PAM stacks queue on the lock instead of failing: a second
 * connection's write transaction waits while another process holds the
 * lock for 300 ms, then gets it.
 */
static void writer_waits_for_the_lock(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	int go[2], status;
	char c;
	pid_t pid;

	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct crm_db *db = NULL;
		struct timespec ts = { 0, 300000000L };

		close(go[0]);
		if (crm_store_open(db_path(t), 0, &db, &e) != CRM_OK ||
				crm_store_begin(db, &e) != CRM_OK)
			_exit(1);
		if (write(go[1], "x", 1) != 1)
			_exit(1);
		nanosleep(&ts, NULL);
		_exit(crm_store_commit(db, &e) == CRM_OK ? 0 : 1);
	}
	close(go[1]);
	assert_int_equal(read(go[0], &c, 1), 1);
	close(go[0]);
	assert_int_equal(crm_store_begin(t->ctx.db, &e), CRM_OK);
	assert_int_equal(crm_store_commit(t->ctx.db, &e), CRM_OK);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A durable transaction syncs at commit (FULL); a relaxed one (NORMAL). */
static void write_transactions_name_their_sync_level(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;

	TENV_SQLITE_ONLY();
	assert_int_equal(query_int(t->ctx.db, "PRAGMA synchronous"), 2);
	assert_int_equal(crm_store_begin_relaxed(t->ctx.db, &e), CRM_OK);
	assert_int_equal(query_int(t->ctx.db, "PRAGMA synchronous"), 1);
	assert_int_equal(crm_store_commit(t->ctx.db, &e), CRM_OK);
	assert_int_equal(crm_store_begin(t->ctx.db, &e), CRM_OK);
	assert_int_equal(query_int(t->ctx.db, "PRAGMA synchronous"), 2);
	assert_int_equal(crm_store_commit(t->ctx.db, &e), CRM_OK);
}

/*
 * The last connection to close leaves the log to the next commit that
 * takes it past 64 pages, instead of checkpointing at every login.
 */
static void log_is_checkpointed_by_size_not_at_close(void **state)
{
	struct tenv *t = *state;
	char wal[512];
	struct stat st;

	TENV_SQLITE_ONLY();
	assert_int_equal(query_int(t->ctx.db, "PRAGMA wal_autocheckpoint"), 64);
	add_account(t, "walker");
	close_ctx(t);
	snprintf(wal, sizeof(wal), "%s-wal", db_path(t));
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size > 0);
	{
		struct crm_error e;

		assert_int_equal(tenv_reopen(t, &e), CRM_OK);
	}
	assert_int_equal(query_int(t->ctx.db,
		"SELECT count(*) FROM accounts WHERE name = 'walker'"), 1);
}

static void foreign_keys_are_on(void **state)
{
	struct tenv *t = *state;

	TENV_SQLITE_ONLY();
	assert_int_equal(query_int(t->ctx.db, "PRAGMA foreign_keys"), 1);
}

static void created_store_is_private(void **state)
{
	struct tenv *t = *state;
	struct stat st;

	TENV_SQLITE_ONLY();
	assert_int_equal(stat(db_path(t), &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
}

static void store_at_current_version_reopens(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	struct crm_db *db = NULL;

	close_ctx(t);
	assert_int_equal(crm_store_open(db_path(t), 0, &db, &e), CRM_OK);
	assert_non_null(db);
	crm_store_close(db);
}

static void store_with_newer_schema_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	struct crm_db *db = (struct crm_db *)&e;
	char sql[64];

	snprintf(sql, sizeof(sql), tenv_pg() ? "UPDATE schema_version SET"
		" version = %d" : "PRAGMA user_version = %d",
		CRM_SCHEMA_VERSION + 1);
	tenv_exec_ok(t, sql);
	close_ctx(t);
	crm_error_clear(&e);
	assert_int_equal(crm_store_open(db_path(t), 0, &db, &e), CRM_ESTORE);
	assert_null(db);
	assert_int_equal(e.code, CRM_ESTORE);
	assert_non_null(strstr(e.msg, "newer"));
}

static void older_schema_is_migrated(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	struct crm_db *db = NULL;
	char *path = NULL;
	int v = -1;

	/* An empty file is a store at version 0. */
	assert_true(asprintf(&path, "%s/old.db", t->dir) > 0);
	assert_int_equal(crm_store_open(path, 1, &db, &e), CRM_OK);
	assert_int_equal(crm_store_version(db, &v, &e), CRM_OK);
	assert_int_equal(v, CRM_SCHEMA_VERSION);
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master"
		" WHERE name = 'accounts'"), 1);
	crm_store_close(db);
	free(path);
}

static void symlinked_store_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	struct crm_db *db = NULL;
	char *link = NULL;

	assert_true(asprintf(&link, "%s/link.db", t->dir) > 0);
	assert_int_equal(symlink(db_path(t), link), 0);
	close_ctx(t);
	crm_error_clear(&e);
	assert_int_equal(crm_store_open(link, 0, &db, &e), CRM_ESTORE);
	assert_null(db);
	assert_non_null(strstr(e.msg, "symbolic link"));
	/* Neither may create follow it. */
	assert_int_equal(crm_store_open(link, 1, &db, &e), CRM_ESTORE);
	assert_null(db);
	/* The file it points to is fine by itself. */
	assert_int_equal(crm_store_open(db_path(t), 0, &db, &e), CRM_OK);
	crm_store_close(db);
	free(link);
}

static void symlinked_store_directory_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	struct crm_db *db = NULL;
	char *link = NULL, *path = NULL;

	assert_true(asprintf(&link, "%s/linkdir", t->dir) > 0);
	assert_true(asprintf(&path, "%s/linkdir/crmpolicy.db", t->dir) > 0);
	assert_int_equal(symlink(t->dir, link), 0);
	close_ctx(t);
	assert_int_equal(crm_store_open(path, 0, &db, &e), CRM_ESTORE);
	assert_null(db);
	assert_non_null(strstr(e.msg, "symbolic link"));
	free(link);
	free(path);
}

static void group_writable_store_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	struct crm_db *db = NULL;

	TENV_SQLITE_ONLY();
	close_ctx(t);
	assert_int_equal(chmod(db_path(t), 0660), 0);
	crm_error_clear(&e);
	assert_int_equal(crm_store_open(db_path(t), 0, &db, &e), CRM_ESTORE);
	assert_null(db);
	assert_non_null(strstr(e.msg, "writable"));
	assert_int_equal(chmod(db_path(t), 0602), 0);
	assert_int_equal(crm_store_open(db_path(t), 0, &db, &e), CRM_ESTORE);
	assert_null(db);
}

static void owner_only_store_accepted(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	struct crm_db *db = NULL;

	TENV_SQLITE_ONLY();
	close_ctx(t);
	/* Read access for others is not a danger to the store's integrity. */
	assert_int_equal(chmod(db_path(t), 0644), 0);
	assert_int_equal(crm_store_open(db_path(t), 0, &db, &e), CRM_OK);
	crm_store_close(db);
	assert_int_equal(chmod(db_path(t), 0600), 0);
	assert_int_equal(crm_store_open(db_path(t), 0, &db, &e), CRM_OK);
	crm_store_close(db);
}

static void store_owned_by_another_user_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	struct crm_db *db = NULL;

	TENV_SQLITE_ONLY();
	close_ctx(t);
	/* 65534 is nobody: an owner other than root and other than us. */
	assert_int_equal(chown(db_path(t), 65534, 65534), 0);
	assert_int_equal(crm_store_open(db_path(t), 0, &db, &e), CRM_ESTORE);
	assert_null(db);
	assert_int_equal(chown(db_path(t), geteuid(), getegid()), 0);
	assert_int_equal(crm_store_open(db_path(t), 0, &db, &e), CRM_OK);
	crm_store_close(db);
}

static void store_directory_writable_by_others_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	struct crm_db *db = NULL;

	TENV_SQLITE_ONLY();
	close_ctx(t);
	assert_int_equal(chmod(t->dir, 0777), 0);
	assert_int_equal(crm_store_open(db_path(t), 0, &db, &e), CRM_ESTORE);
	assert_null(db);
	assert_non_null(strstr(e.msg, "directory"));
	assert_int_equal(chmod(t->dir, 0700), 0);
	assert_int_equal(crm_store_open(db_path(t), 0, &db, &e), CRM_OK);
	crm_store_close(db);
}

static void missing_store_refused_without_create(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	struct crm_db *db = NULL;
	char *path = NULL;
	struct stat st;

	assert_true(asprintf(&path, "%s/none.db", t->dir) > 0);
	assert_int_equal(crm_store_open(path, 0, &db, &e), CRM_ESTORE);
	assert_null(db);
	assert_non_null(strstr(e.msg, "does not exist"));
	assert_int_not_equal(stat(path, &st), 0);
	/* With create it is made, owner-only. */
	assert_int_equal(crm_store_open(path, 1, &db, &e), CRM_OK);
	crm_store_close(db);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	free(path);
}

static void relative_store_path_refused(void **state)
{
	struct crm_error e;
	struct crm_db *db = NULL;

	(void)state;
	assert_int_equal(crm_store_open("crmpolicy.db", 1, &db, &e), CRM_ESTORE);
	assert_null(db);
	assert_int_equal(crm_store_open(NULL, 1, &db, &e), CRM_ESTORE);
	assert_null(db);
}

static void store_that_is_not_sqlite_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	struct crm_db *db = NULL;
	char *path = tenv_write(t, "junk.db",
		"this is not an SQLite database, but long enough to look at it\n");

	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(crm_store_open(path, 0, &db, &e), CRM_ESTORE);
	assert_null(db);
	free(path);
}

/* ---- transactions ---- */

static void rollback_discards_changes(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_error e;

	assert_int_equal(crm_store_begin(t->ctx.db, &e), CRM_OK);
	add_account(t, "alice");
	crm_store_rollback(t->ctx.db);
	assert_int_equal(crm_account_get(t->ctx.db, "alice", &a, &e), CRM_ENOENT);
	/* Rolling back with no transaction open is harmless. */
	crm_store_rollback(t->ctx.db);
}

static void commit_keeps_changes(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_error e;

	assert_int_equal(crm_store_begin(t->ctx.db, &e), CRM_OK);
	add_account(t, "alice");
	assert_int_equal(crm_store_commit(t->ctx.db, &e), CRM_OK);
	assert_int_equal(crm_account_get(t->ctx.db, "alice", &a, &e), CRM_OK);
}

static void begin_is_immediate_and_excludes_a_second_writer(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	sqlite3 *other = NULL;

	assert_int_equal(crm_store_begin(t->ctx.db, &e), CRM_OK);
	if (tenv_pg()) {
		struct crm_account a;

		/*
		 * The fleet's write lock (lib/db_pg.c's LOCK_WRITE) is held
		 * from the transaction's first statement, which BEGIN goes
		 * with: another session cannot take it.
		 */
		assert_int_equal(crm_account_get(t->ctx.db, "nobody", &a, &e),
			CRM_ENOENT);
		assert_int_equal(tenv_query_int(t, "SELECT"
			" pg_try_advisory_xact_lock(1668443504,"
			" hashtext(current_schema()))", NULL,
			NULL), 0);
		crm_store_rollback(t->ctx.db);
		assert_int_equal(tenv_query_int(t, "SELECT"
			" pg_try_advisory_xact_lock(1668443504,"
			" hashtext(current_schema()))", NULL,
			NULL), 1);
		return;
	}
	assert_int_equal(sqlite3_open_v2(db_path(t), &other,
		SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	/* No busy timeout on this one: the lock must already be held. */
	assert_int_not_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL,
		NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	crm_store_rollback(t->ctx.db);
}

static void commit_without_transaction_fails(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;

	crm_error_clear(&e);
	assert_int_equal(crm_store_commit(t->ctx.db, &e), CRM_ESTORE);
	assert_int_equal(e.code, CRM_ESTORE);
}

/* ---- accounts ---- */

static void account_round_trips_every_field(void **state)
{
	struct tenv *t = *state;
	struct crm_account a, b;
	struct crm_error e;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "alice");
	snprintf(a.email, sizeof(a.email), "alice@example.com");
	a.email_verified = 1;
	snprintf(a.pw_hash, sizeof(a.pw_hash), "$argon2id$v=19$fake");
	a.origin = CRM_ORIGIN_SEEN;
	a.created = T0;
	a.pw_changed = T0 + 1;
	a.enabled_at = T0 + 2;
	a.must_change = 1;
	a.disabled = 1;
	snprintf(a.disabled_reason, sizeof(a.disabled_reason), "admin");
	a.disabled_at = T0 + 3;
	a.failures = 2;
	a.first_fail = T0 + 4;
	a.last_fail = T0 + 5;
	a.locked_at = T0 + 6;
	a.fails_since_login = 7;
	a.last_login = T0 + 8;
	snprintf(a.last_service, sizeof(a.last_service), "sshd");
	snprintf(a.last_rhost, sizeof(a.last_rhost), "192.0.2.1");
	a.prev_login = T0 + 9;
	snprintf(a.prev_service, sizeof(a.prev_service), "login");
	snprintf(a.prev_rhost, sizeof(a.prev_rhost), "192.0.2.2");
	a.prev_fails = 3;
	assert_int_equal(crm_account_insert(t->ctx.db, &a, &e), CRM_OK);
	assert_true(a.id > 0);
	assert_int_equal(crm_account_get(t->ctx.db, "alice", &b, &e), CRM_OK);
	assert_memory_equal(&a, &b, sizeof(a));
}

static void account_update_writes_every_mutable_field(void **state)
{
	struct tenv *t = *state;
	struct crm_account a, b;
	struct crm_error e;

	add_account(t, "bob");
	assert_int_equal(crm_account_get(t->ctx.db, "bob", &a, &e), CRM_OK);
	snprintf(a.email, sizeof(a.email), "bob@example.com");
	a.failures = 2;
	a.locked_at = T0 + 60;
	a.last_login = T0 + 120;
	snprintf(a.last_rhost, sizeof(a.last_rhost), "2001:db8::1");
	a.prev_fails = 5;
	snprintf(a.disabled_reason, sizeof(a.disabled_reason), "inactive");
	assert_int_equal(crm_account_update(t->ctx.db, &a, &e), CRM_OK);
	assert_int_equal(crm_account_get(t->ctx.db, "bob", &b, &e), CRM_OK);
	assert_memory_equal(&a, &b, sizeof(a));
}

static void duplicate_account_is_eexist(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_error e;

	add_account(t, "alice");
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "alice");
	assert_int_equal(crm_account_insert(t->ctx.db, &a, &e), CRM_EEXIST);
	/* A different name is fine. */
	snprintf(a.name, sizeof(a.name), "Alice");
	assert_int_equal(crm_account_insert(t->ctx.db, &a, &e), CRM_OK);
}

static void unknown_account_is_enoent(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_error e;

	assert_int_equal(crm_account_get(t->ctx.db, "nobody-here", &a, &e),
		CRM_ENOENT);
	assert_int_equal(crm_account_delete(t->ctx.db, "nobody-here", &e),
		CRM_ENOENT);
}

static void names_with_quotes_stay_intact(void **state)
{
	struct tenv *t = *state;
	static const char *const names[] = {
		"o'brien",
		"x'); DROP TABLE accounts; --",
		"\"quoted\"",
		"back\\slash",
		"semi;colon%_",
	};
	struct crm_account a;
	struct crm_error e;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		add_account(t, names[i]);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(crm_account_get(t->ctx.db, names[i], &a, &e),
			CRM_OK);
		assert_string_equal(a.name, names[i]);
		assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM"
			" accounts WHERE name = ?1", names[i], NULL), 1);
	}
	/* LIKE wildcards in a name match only themselves. */
	assert_int_equal(crm_account_get(t->ctx.db, "semi;colon__", &a, &e),
		CRM_ENOENT);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM accounts",
		NULL, NULL), 5);
}

static void account_delete_removes_history_membership_and_policy(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	int64_t id = add_account(t, "carol");

	add_account(t, "dave");
	assert_int_equal(crm_group_add(t->ctx.db, "staff", &e), CRM_OK);
	assert_int_equal(crm_member_add(t->ctx.db, "staff", "carol", &e), CRM_OK);
	assert_int_equal(crm_member_add(t->ctx.db, "staff", "dave", &e), CRM_OK);
	assert_int_equal(crm_pwhist_add(t->ctx.db, id, "h1", T0, &e), CRM_OK);
	assert_int_equal(crm_policy_row_set(t->ctx.db, "user", "carol",
		"minlen", "12", &e), CRM_OK);
	assert_int_equal(crm_policy_row_set(t->ctx.db, "user", "dave",
		"minlen", "10", &e), CRM_OK);

	assert_int_equal(crm_account_delete(t->ctx.db, "carol", &e), CRM_OK);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM pw_history",
		NULL, NULL), 0);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM members",
		NULL, NULL), 1);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM policy"
		" WHERE target = 'carol'", NULL, NULL), 0);
	/* The other account keeps what is its own. */
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM policy"
		" WHERE target = 'dave'", NULL, NULL), 1);
}

struct names {
	char buf[512];
	int n;
	int stop_at;
};

static int collect(void *arg, const char *name)
{
	struct names *c = arg;
	size_t len = strlen(c->buf);

	snprintf(c->buf + len, sizeof(c->buf) - len, "%s%s", len ? "," : "",
		name);
	c->n++;
	return c->stop_at && c->n >= c->stop_at ? 42 : 0;
}

static int collect_account(void *arg, const struct crm_account *a)
{
	return collect(arg, a->name);
}

static void account_foreach_lists_by_name_and_stops_on_request(void **state)
{
	struct tenv *t = *state;
	struct names c = { "", 0, 0 };
	struct crm_error e;

	add_account(t, "zed");
	add_account(t, "amy");
	add_account(t, "kim");
	assert_int_equal(crm_account_foreach(t->ctx.db, collect_account, &c, &e),
		CRM_OK);
	assert_string_equal(c.buf, "amy,kim,zed");
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	assert_int_equal(crm_account_foreach(t->ctx.db, collect_account, &c, &e),
		42);
	assert_string_equal(c.buf, "amy,kim");
}

/* ---- groups and members ---- */

static void group_add_twice_is_eexist(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	int exists = 0;

	assert_int_equal(crm_group_exists(t->ctx.db, "staff", &exists, &e),
		CRM_OK);
	assert_int_equal(exists, 0);
	assert_int_equal(crm_group_add(t->ctx.db, "staff", &e), CRM_OK);
	assert_int_equal(crm_group_exists(t->ctx.db, "staff", &exists, &e),
		CRM_OK);
	assert_int_equal(exists, 1);
	assert_int_equal(crm_group_add(t->ctx.db, "staff", &e), CRM_EEXIST);
}

static void group_del_of_missing_group_is_enoent(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;

	assert_int_equal(crm_group_del(t->ctx.db, "ghosts", &e), CRM_ENOENT);
	assert_int_equal(crm_group_add(t->ctx.db, "ghosts", &e), CRM_OK);
	assert_int_equal(crm_group_del(t->ctx.db, "ghosts", &e), CRM_OK);
}

static void member_of_missing_group_is_enoent(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;

	add_account(t, "alice");
	assert_int_equal(crm_member_add(t->ctx.db, "nogroup", "alice", &e),
		CRM_ENOENT);
	assert_int_equal(crm_member_del(t->ctx.db, "nogroup", "alice", &e),
		CRM_ENOENT);
}

static void members_and_groups_list_both_ways(void **state)
{
	struct tenv *t = *state;
	struct names c = { "", 0, 0 };
	struct crm_error e;

	add_account(t, "bob");
	add_account(t, "amy");
	assert_int_equal(crm_group_add(t->ctx.db, "web", &e), CRM_OK);
	assert_int_equal(crm_group_add(t->ctx.db, "sip", &e), CRM_OK);
	assert_int_equal(crm_member_add(t->ctx.db, "web", "bob", &e), CRM_OK);
	assert_int_equal(crm_member_add(t->ctx.db, "web", "amy", &e), CRM_OK);
	assert_int_equal(crm_member_add(t->ctx.db, "sip", "bob", &e), CRM_OK);
	/* Adding again is not an error and makes no second row. */
	assert_int_equal(crm_member_add(t->ctx.db, "sip", "bob", &e), CRM_OK);

	assert_int_equal(crm_member_foreach(t->ctx.db, "web", collect, &c, &e),
		CRM_OK);
	assert_string_equal(c.buf, "amy,bob");
	memset(&c, 0, sizeof(c));
	assert_int_equal(crm_member_groups(t->ctx.db, "bob", collect, &c, &e),
		CRM_OK);
	assert_string_equal(c.buf, "sip,web");
	memset(&c, 0, sizeof(c));
	assert_int_equal(crm_group_foreach(t->ctx.db, collect, &c, &e), CRM_OK);
	assert_string_equal(c.buf, "sip,web");

	assert_int_equal(crm_member_del(t->ctx.db, "sip", "bob", &e), CRM_OK);
	assert_int_equal(crm_member_del(t->ctx.db, "sip", "bob", &e), CRM_ENOENT);
	memset(&c, 0, sizeof(c));
	assert_int_equal(crm_member_groups(t->ctx.db, "bob", collect, &c, &e),
		CRM_OK);
	assert_string_equal(c.buf, "web");
}

static void group_del_removes_its_memberships(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;

	add_account(t, "bob");
	assert_int_equal(crm_group_add(t->ctx.db, "web", &e), CRM_OK);
	assert_int_equal(crm_member_add(t->ctx.db, "web", "bob", &e), CRM_OK);
	assert_int_equal(crm_group_del(t->ctx.db, "web", &e), CRM_OK);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM members",
		NULL, NULL), 0);
}

/* ---- policy rows ---- */

static int collect_row(void *arg, const char *key, const char *value)
{
	struct names *c = arg;
	size_t len = strlen(c->buf);

	snprintf(c->buf + len, sizeof(c->buf) - len, "%s%s=%s",
		len ? "," : "", key, value);
	return 0;
}

static void policy_rows_upsert_list_and_delete(void **state)
{
	struct tenv *t = *state;
	struct names c = { "", 0, 0 };
	struct crm_error e;

	assert_int_equal(crm_policy_row_set(t->ctx.db, "group", "web", "minlen",
		"10", &e), CRM_OK);
	assert_int_equal(crm_policy_row_set(t->ctx.db, "group", "web", "deny",
		"5", &e), CRM_OK);
	assert_int_equal(crm_policy_row_set(t->ctx.db, "group", "web", "minlen",
		"12", &e), CRM_OK);
	assert_int_equal(crm_policy_row_set(t->ctx.db, "global", NULL, "history",
		"5", &e), CRM_OK);
	assert_int_equal(crm_policy_row_foreach(t->ctx.db, "group", "web",
		collect_row, &c, &e), CRM_OK);
	assert_string_equal(c.buf, "deny=5,minlen=12");
	memset(&c, 0, sizeof(c));
	assert_int_equal(crm_policy_row_foreach(t->ctx.db, "global", NULL,
		collect_row, &c, &e), CRM_OK);
	assert_string_equal(c.buf, "history=5");

	assert_int_equal(crm_policy_row_del(t->ctx.db, "group", "web", "deny",
		&e), CRM_OK);
	memset(&c, 0, sizeof(c));
	assert_int_equal(crm_policy_row_foreach(t->ctx.db, "group", "web",
		collect_row, &c, &e), CRM_OK);
	assert_string_equal(c.buf, "minlen=12");
}

static void policy_row_with_unknown_scope_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;

	assert_int_not_equal(crm_policy_row_set(t->ctx.db, "planet", "x",
		"minlen", "10", &e), CRM_OK);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM policy",
		NULL, NULL), 0);
}

/* ---- password history ---- */

static int collect_hash(void *arg, const char *hash)
{
	return collect(arg, hash);
}

static void pwhist_lists_newest_first_within_limit(void **state)
{
	struct tenv *t = *state;
	struct names c = { "", 0, 0 };
	struct crm_error e;
	int64_t id = add_account(t, "alice");

	assert_int_equal(crm_pwhist_add(t->ctx.db, id, "h1", T0, &e), CRM_OK);
	assert_int_equal(crm_pwhist_add(t->ctx.db, id, "h2", T0, &e), CRM_OK);
	assert_int_equal(crm_pwhist_add(t->ctx.db, id, "h3", T0 + 1, &e), CRM_OK);
	assert_int_equal(crm_pwhist_foreach(t->ctx.db, id, 2, collect_hash, &c,
		&e), CRM_OK);
	assert_string_equal(c.buf, "h3,h2");
}

static void pwhist_prune_keeps_only_newest(void **state)
{
	struct tenv *t = *state;
	struct names c = { "", 0, 0 };
	struct crm_error e;
	int64_t id = add_account(t, "alice");
	int64_t other = add_account(t, "bob");

	for (int i = 1; i <= 5; i++) {
		char h[8];

		snprintf(h, sizeof(h), "h%d", i);
		assert_int_equal(crm_pwhist_add(t->ctx.db, id, h, T0 + i, &e),
			CRM_OK);
	}
	assert_int_equal(crm_pwhist_add(t->ctx.db, other, "b1", T0, &e), CRM_OK);
	assert_int_equal(crm_pwhist_prune(t->ctx.db, id, 2, &e), CRM_OK);
	assert_int_equal(crm_pwhist_foreach(t->ctx.db, id, 10, collect_hash, &c,
		&e), CRM_OK);
	assert_string_equal(c.buf, "h5,h4");
	/* Another account's history is untouched. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(crm_pwhist_foreach(t->ctx.db, other, 10, collect_hash,
		&c, &e), CRM_OK);
	assert_string_equal(c.buf, "b1");
}

static void pwhist_of_missing_account_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;

	/* Foreign keys hold: no history without its account. */
	assert_int_not_equal(crm_pwhist_add(t->ctx.db, 9999, "h", T0, &e),
		CRM_OK);
}

static void store_error_names_the_file_and_action(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;

	assert_int_equal(crm_store_error(t->ctx.db, "doing things", &e),
		CRM_ESTORE);
	if (tenv_pg()) {
		/* A server's store is named by its host and database. */
		assert_non_null(strstr(e.msg, PQhost(t->pg)));
		assert_non_null(strstr(e.msg, PQdb(t->pg)));
	} else {
		assert_non_null(strstr(e.msg, "crmpolicy.db"));
	}
	assert_non_null(strstr(e.msg, "doing things"));
}

static void statements_are_compiled_once_per_connection(void **state)
{
	struct tenv *t = *state;
	sqlite3_stmt *a, *b, *c;
	const char *sql = "SELECT count(*) FROM accounts WHERE name = ?1";

	TENV_SQLITE_ONLY();
	assert_int_equal(crm_sql_prepare(t->ctx.db, sql, -1, &a, NULL),
		SQLITE_OK);
	sqlite3_bind_text(a, 1, "alice", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	/* In use: a nested user of the same SQL gets a statement of its own. */
	assert_int_equal(crm_sql_prepare(t->ctx.db, sql, -1, &b, NULL),
		SQLITE_OK);
	assert_ptr_not_equal(a, b);
	assert_int_equal(crm_sql_done(b), SQLITE_OK);
	assert_int_equal(crm_sql_done(a), SQLITE_OK);
	/* Done: the next use takes a kept one, reset and unbound. */
	assert_int_equal(crm_sql_prepare(t->ctx.db, sql, -1, &c, NULL),
		SQLITE_OK);
	assert_true(c == a || c == b);
	assert_int_equal(sqlite3_bind_parameter_count(c), 1);
	assert_int_equal(sqlite3_step(c), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(c, 0), 0);
	assert_int_equal(crm_sql_done(c), SQLITE_OK);
	assert_int_equal(crm_sql_done(NULL), SQLITE_OK);
	/* crm_store_close finalizes the kept statements (ASan, valgrind). */
}

#define T(f) cmocka_unit_test_setup_teardown(f, tenv_setup, tenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(statements_are_compiled_once_per_connection),
		T(fresh_store_has_current_schema_version),
		T(wal_mode_is_on),
		T(writer_waits_for_the_lock),
		T(write_transactions_name_their_sync_level),
		T(log_is_checkpointed_by_size_not_at_close),
		T(foreign_keys_are_on),
		T(created_store_is_private),
		T(store_at_current_version_reopens),
		T(store_with_newer_schema_refused),
		T(older_schema_is_migrated),
		T(symlinked_store_refused),
		T(symlinked_store_directory_refused),
		T(group_writable_store_refused),
		T(owner_only_store_accepted),
		T(store_owned_by_another_user_refused),
		T(store_directory_writable_by_others_refused),
		T(missing_store_refused_without_create),
		T(relative_store_path_refused),
		T(store_that_is_not_sqlite_refused),
		T(rollback_discards_changes),
		T(commit_keeps_changes),
		T(begin_is_immediate_and_excludes_a_second_writer),
		T(commit_without_transaction_fails),
		T(account_round_trips_every_field),
		T(account_update_writes_every_mutable_field),
		T(duplicate_account_is_eexist),
		T(unknown_account_is_enoent),
		T(names_with_quotes_stay_intact),
		T(account_delete_removes_history_membership_and_policy),
		T(account_foreach_lists_by_name_and_stops_on_request),
		T(group_add_twice_is_eexist),
		T(group_del_of_missing_group_is_enoent),
		T(member_of_missing_group_is_enoent),
		T(members_and_groups_list_both_ways),
		T(group_del_removes_its_memberships),
		T(policy_rows_upsert_list_and_delete),
		T(policy_row_with_unknown_scope_refused),
		T(pwhist_lists_newest_first_within_limit),
		T(pwhist_prune_keeps_only_newest),
		T(pwhist_of_missing_account_refused),
		T(store_error_names_the_file_and_action),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
