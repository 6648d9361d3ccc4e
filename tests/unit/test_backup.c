/*
 * Unit tests of lib/backup.c: the names each cycle gives for a fixed
 * clock; a backup is a private, self-contained copy that verifies and
 * rotates by name; verify finds a damaged file, an edited audit row and
 * a schema it cannot take; restore replaces the store, keeps the old one
 * as a pre-restore copy and is audited, and a bad copy changes nothing;
 * the newest backup is found among the cycle names only.
 */
#include "testlib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crmpolicy/audit.h"
#include "crmpolicy/backup.h"
#include "crmpolicy/store.h"

/* The test's backup directory, DIR/backups (not created). */
static char *backup_dir(struct tenv *t)
{
	struct crm_error e;
	char *dir = NULL;

	assert_true(asprintf(&dir, "%s/backups", t->dir) > 0);
	if (crm_config_set(&t->cfg, "backup_dir", dir, "test", &e) != CRM_OK)
		fail_msg("backup_dir: %s", e.msg);
	return dir;
}

static void set_conf(struct tenv *t, const char *key, const char *value)
{
	struct crm_error e;

	if (crm_config_set(&t->cfg, key, value, "test", &e) != CRM_OK)
		fail_msg("%s: %s", key, e.msg);
}

static void take(struct tenv *t, struct crm_backup_info *info)
{
	struct crm_error e;

	if (crm_backup_take(&t->ctx, NULL, info, &e) != CRM_OK)
		fail_msg("backup: %s", e.msg);
}

static void verify(struct tenv *t, const char *path,
	struct crm_backup_report *rep)
{
	struct crm_error e;

	if (crm_backup_verify(&t->cfg, path, rep, &e) != CRM_OK)
		fail_msg("verify %s: %s", path, e.msg);
}

/* Runs sql on the file at path with a connection of its own. */
static void file_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
		NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* The first column of the one-row query sql on the file at path. */
static long long file_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	long long n;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
		NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void file_text(const char *path, const char *sql, char *out,
	size_t len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
		NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Entries of dir other than . and .., or -1 if it cannot be read. */
static int entries(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static long long users(struct tenv *t, const char *name)
{
	return tenv_query_int(t, "SELECT count(*) FROM accounts WHERE name = ?1",
		name, NULL);
}

static void add_events(struct tenv *t, int n)
{
	for (int i = 0; i < n; i++)
		assert_int_equal(crm_audit_add(&t->ctx, "policy.change", NULL,
			"n=%d", i), CRM_OK);
}

/* ---- names ---- */

static void names_follow_the_cycle_for_a_fixed_clock(void **state)
{
	char name[64];
	/* 2026-12-31T01:02:03Z, a Thursday, day 365 */
	const int64_t dec31 = T0 + 364 * DAY + 3723;
	/* 2028-12-31T00:00:00Z, a Sunday, day 366 of a leap year */
	const int64_t leap = T0 + (365 + 730) * DAY;

	(void)state;
	assert_int_equal(crm_backup_name(CRM_CYCLE_INFINITE, T0, name,
		sizeof(name)), CRM_OK);
	assert_string_equal(name, "crmpolicy-20260101T000000Z.db");
	assert_int_equal(crm_backup_name(CRM_CYCLE_WEEKLY, T0, name,
		sizeof(name)), CRM_OK);
	assert_string_equal(name, "crmpolicy-thu.db");
	assert_int_equal(crm_backup_name(CRM_CYCLE_MONTHLY, T0, name,
		sizeof(name)), CRM_OK);
	assert_string_equal(name, "crmpolicy-01.db");
	assert_int_equal(crm_backup_name(CRM_CYCLE_YEARLY, T0, name,
		sizeof(name)), CRM_OK);
	assert_string_equal(name, "crmpolicy-001.db");

	assert_int_equal(crm_backup_name(CRM_CYCLE_INFINITE, dec31, name,
		sizeof(name)), CRM_OK);
	assert_string_equal(name, "crmpolicy-20261231T010203Z.db");
	assert_int_equal(crm_backup_name(CRM_CYCLE_WEEKLY, dec31, name,
		sizeof(name)), CRM_OK);
	assert_string_equal(name, "crmpolicy-thu.db");
	assert_int_equal(crm_backup_name(CRM_CYCLE_WEEKLY, dec31 + 3 * DAY,
		name, sizeof(name)), CRM_OK);
	assert_string_equal(name, "crmpolicy-sun.db");
	assert_int_equal(crm_backup_name(CRM_CYCLE_WEEKLY, dec31 + 4 * DAY,
		name, sizeof(name)), CRM_OK);
	assert_string_equal(name, "crmpolicy-mon.db");
	assert_int_equal(crm_backup_name(CRM_CYCLE_MONTHLY, dec31, name,
		sizeof(name)), CRM_OK);
	assert_string_equal(name, "crmpolicy-31.db");
	assert_int_equal(crm_backup_name(CRM_CYCLE_YEARLY, dec31, name,
		sizeof(name)), CRM_OK);
	assert_string_equal(name, "crmpolicy-365.db");
	assert_int_equal(crm_backup_name(CRM_CYCLE_YEARLY, leap, name,
		sizeof(name)), CRM_OK);
	assert_string_equal(name, "crmpolicy-366.db");
	assert_int_equal(crm_backup_name(CRM_CYCLE_WEEKLY, leap, name,
		sizeof(name)), CRM_OK);
	assert_string_equal(name, "crmpolicy-sun.db");
}

static void names_refuse_an_unknown_cycle_and_a_short_buffer(void **state)
{
	char name[64];

	(void)state;
	assert_int_equal(crm_backup_name(42, T0, name, sizeof(name)),
		CRM_EINVAL);
	assert_int_equal(crm_backup_name(CRM_CYCLE_INFINITE, T0, name, 20),
		CRM_EINVAL);
}

static void only_cycle_names_are_backup_names(void **state)
{
	static const char *const yes[] = { "crmpolicy-20260101T000000Z.db",
		"crmpolicy-mon.db", "crmpolicy-sun.db", "crmpolicy-01.db",
		"crmpolicy-31.db", "crmpolicy-001.db", "crmpolicy-366.db" };
	static const char *const no[] = { "crmpolicy-00.db",
		"crmpolicy-32.db", "crmpolicy-000.db", "crmpolicy-367.db",
		"crmpolicy-xyz.db", "crmpolicy-mon.db-journal", "crmpolicy.db",
		"crmpolicy-pre-restore-20260101T000000Z.db",
		".crmpolicy-0123456789abcdef.tmp", "crmpolicy-2026010T000000Z.db",
		"crmpolicy-mon", "crmpolicy-.db" };

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!crm_backup_is_name(yes[i]))
			fail_msg("%s is a backup name", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (crm_backup_is_name(no[i]))
			fail_msg("%s is not a backup name", no[i]);
}

/* ---- backup ---- */

static void backup_is_private_self_contained_and_verifies(void **state)
{
	struct tenv *t = *state;
	char *dir = backup_dir(t), want[512], mode[16];
	char wal[CRM_BACKUP_PATH_MAX + 8];
	struct crm_backup_report rep;
	struct crm_backup_info info;
	struct stat st;

	tenv_add_user(t, "alice", NULL);
	add_events(t, 3);
	take(t, &info);
	snprintf(want, sizeof(want), "%s/crmpolicy-thu.db", dir);
	assert_string_equal(info.path, want);
	assert_int_equal(lstat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(lstat(info.path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_mtime, T0);
	assert_int_equal(st.st_size, info.bytes);
	assert_true(info.bytes > 0);
	/* one file: no -wal, -shm, -journal or temporary file beside it */
	assert_int_equal(entries(dir), 1);
	snprintf(wal, sizeof(wal), "%s-wal", info.path);
	assert_int_not_equal(access(wal, F_OK), 0);
	file_text(info.path, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "delete");
	assert_int_equal(file_int(info.path, "SELECT count(*) FROM accounts"
		" WHERE name = 'alice'"), 1);
	verify(t, info.path, &rep);
	assert_true(rep.ok);
	assert_int_equal(rep.failed, CRM_BACKUP_OK);
	assert_string_equal(rep.integrity, "ok");
	assert_int_equal(rep.schema_version, CRM_SCHEMA_VERSION);
	assert_true(rep.audit_checked);
	assert_true(rep.audit.ok);
	assert_true(rep.audit.rows >= 3);
	assert_true(tenv_has_event(t, "backup", "", want));
	free(dir);
}

static void backup_takes_every_committed_row_and_not_its_own_event(
	void **state)
{
	struct tenv *t = *state;
	char *dir = backup_dir(t);
	struct crm_backup_info info;
	long long live_rows;

	add_events(t, 5);
	live_rows = tenv_query_int(t, "SELECT max(id) FROM audit", NULL, NULL);
	take(t, &info);
	assert_int_equal(file_int(info.path, "SELECT max(id) FROM audit"),
		live_rows);
	assert_int_equal(file_int(info.path, "SELECT count(*) FROM audit"
		" WHERE event = 'backup'"), 0);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM audit WHERE"
		" event = 'backup'", NULL, NULL), 1);
	free(dir);
}

static void weekly_backups_a_week_apart_share_a_name(void **state)
{
	struct tenv *t = *state;
	char *dir = backup_dir(t);
	struct crm_backup_info first, later, next_day;

	take(t, &first);
	tenv_add_user(t, "bob", NULL);
	t->ctx.now = T0 + 7 * DAY;
	take(t, &later);
	assert_string_equal(first.path, later.path);
	assert_int_equal(entries(dir), 1);
	assert_int_equal(file_int(later.path, "SELECT count(*) FROM accounts"
		" WHERE name = 'bob'"), 1);
	t->ctx.now = T0 + 8 * DAY;
	take(t, &next_day);
	assert_string_not_equal(next_day.path, later.path);
	assert_non_null(strstr(next_day.path, "/crmpolicy-fri.db"));
	assert_int_equal(entries(dir), 2);
	free(dir);
}

static void infinite_backups_keep_every_copy(void **state)
{
	struct tenv *t = *state;
	char *dir = backup_dir(t);
	struct crm_backup_info a, b;

	set_conf(t, "backup_cycle", "infinite");
	take(t, &a);
	t->ctx.now = T0 + 7 * DAY;
	take(t, &b);
	assert_non_null(strstr(a.path, "/crmpolicy-20260101T000000Z.db"));
	assert_non_null(strstr(b.path, "/crmpolicy-20260108T000000Z.db"));
	assert_int_equal(entries(dir), 2);
	free(dir);
}

static void backup_refuses_unsafe_directories(void **state)
{
	struct tenv *t = *state;
	struct crm_backup_info info;
	struct crm_error e;
	char real[300], link[300], open_dir[300], theirs[300];

	snprintf(real, sizeof(real), "%s/real", t->dir);
	snprintf(link, sizeof(link), "%s/link", t->dir);
	snprintf(open_dir, sizeof(open_dir), "%s/open", t->dir);
	snprintf(theirs, sizeof(theirs), "%s/theirs", t->dir);
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink(real, link), 0);
	assert_int_equal(mkdir(open_dir, 0700), 0);
	assert_int_equal(chmod(open_dir, 0777), 0);
	assert_int_equal(mkdir(theirs, 0700), 0);
	assert_int_equal(chown(theirs, 4242, 4242), 0);

	assert_int_equal(crm_backup_take(&t->ctx, link, &info, &e), CRM_EPERM);
	assert_non_null(strstr(e.msg, "symbolic link"));
	assert_int_equal(crm_backup_take(&t->ctx, open_dir, &info, &e),
		CRM_EPERM);
	assert_non_null(strstr(e.msg, "writable by group or others"));
	assert_int_equal(crm_backup_take(&t->ctx, theirs, &info, &e),
		CRM_EPERM);
	assert_non_null(strstr(e.msg, "not owned by root"));
	assert_int_equal(crm_backup_take(&t->ctx, "relative/dir", &info, &e),
		CRM_EINVAL);
	assert_int_equal(entries(real), 0);
	assert_int_equal(entries(open_dir), 0);
	assert_int_equal(entries(theirs), 0);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM audit WHERE"
		" event = 'backup'", NULL, NULL), 0);
	/* the same directory, reached without the symlink, is fine */
	assert_int_equal(crm_backup_take(&t->ctx, real, &info, &e), CRM_OK);
	assert_int_equal(entries(real), 1);
}

static void backup_prunes_the_trail_after_copying_it(void **state)
{
	struct tenv *t = *state;
	char *dir = backup_dir(t);
	struct crm_audit_report ar;
	struct crm_backup_info info;
	struct crm_error e;
	char sql[128];

	set_conf(t, "audit_keep_days", "30");
	t->ctx.now = T0 - 40 * DAY;
	add_events(t, 2);
	t->ctx.now = T0;
	add_events(t, 1);
	take(t, &info);
	assert_int_equal(info.pruned, 2);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE time < %lld",
		(long long)(T0 - 30 * DAY));
	assert_int_equal(file_int(info.path, sql), 2);
	assert_int_equal(tenv_query_int(t, sql, NULL, NULL), 0);
	assert_int_equal(crm_audit_verify(t->ctx.db, t->ctx.audit_key, &ar, &e),
		CRM_OK);
	assert_true(ar.ok);
	free(dir);
}

/* ---- verify ---- */

/* A backup of a store with a user and a few audit rows. */
static void sample_backup(struct tenv *t, struct crm_backup_info *info)
{
	free(backup_dir(t));
	tenv_add_user(t, "alice", NULL);
	add_events(t, 4);
	take(t, info);
}

/*
 * A fleet's store (PostgreSQL, when CRM_TEST_PG names a server) backs
 * up into the same verifiable SQLite file, and a restore puts its rows
 * back in one transaction, the store's own copy kept aside.
 */
static void postgresql_store_backs_up_and_restores(void **state)
{
	struct crm_backup_report rep, pre_rep;
	struct crm_backup_info info;
	struct crm_audit_report ar;
	struct crm_error e;
	char pre[CRM_BACKUP_PATH_MAX];
	struct tenv *t;
	const char *was = getenv("CRM_TEST_BACKEND");

	(void)state;
	if (getenv("CRM_TEST_PG") == NULL || *getenv("CRM_TEST_PG") == '\0')
		skip();
	setenv("CRM_TEST_BACKEND", "postgresql", 1);
	t = tenv_new(NULL);
	if (was != NULL)
		setenv("CRM_TEST_BACKEND", was, 1);
	else
		unsetenv("CRM_TEST_BACKEND");
	assert_non_null(t->pg);
	sample_backup(t, &info);
	verify(t, info.path, &rep);
	assert_true(rep.ok);
	assert_int_equal(file_int(info.path, "SELECT count(*) FROM accounts"
		" WHERE name = 'alice'"), 1);
	assert_int_equal(file_int(info.path, "SELECT count(*) FROM"
		" pragma_journal_mode WHERE journal_mode = 'delete'"), 1);
	tenv_add_user(t, "bob", NULL);
	t->ctx.now = T0 + 60;
	if (crm_backup_restore(&t->ctx, info.path, NULL, pre, sizeof(pre), &rep,
			&e) != CRM_OK)
		fail_msg("restore: %s", e.msg);
	assert_true(rep.ok);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM accounts"
		" WHERE name = ?1", "bob", NULL), 0);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM accounts"
		" WHERE name = ?1", "alice", NULL), 1);
	assert_int_equal(file_int(pre, "SELECT count(*) FROM accounts WHERE"
		" name = 'bob'"), 1);
	verify(t, pre, &pre_rep);
	assert_true(pre_rep.ok);
	assert_true(tenv_has_event(t, "restore", "", info.path));
	assert_int_equal(crm_audit_verify(t->ctx.db, t->ctx.audit_key, &ar, &e),
		CRM_OK);
	assert_true(ar.ok);
	/* The trail's guards are back once the restore has committed. */
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM pg_trigger g"
		" JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON"
		" n.oid = c.relnamespace WHERE n.nspname = current_schema() AND"
		" g.tgname = 'audit_no_delete' AND g.tgenabled = 'O'", NULL,
		NULL), 1);
	tenv_free(t);
}

static void damaged_copy_fails_the_integrity_check(void **state)
{
	struct tenv *t = *state;
	struct crm_backup_report rep;
	struct crm_backup_info info;
	unsigned char junk[4096];
	long long pages;
	int fd;

	sample_backup(t, &info);
	pages = file_int(info.path, "PRAGMA page_count");
	assert_true(pages > 4);
	/* one whole page in the middle: every page of a fresh store is a b-tree page */
	memset(junk, 0xa5, sizeof(junk));
	fd = open(info.path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof(junk),
		(off_t)(pages / 2) * 4096), (ssize_t)sizeof(junk));
	close(fd);
	verify(t, info.path, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.failed, CRM_BACKUP_INTEGRITY);
	assert_string_not_equal(rep.integrity, "ok");
	assert_false(rep.audit_checked);
}

static void edited_audit_row_fails_the_chain_and_names_the_row(void **state)
{
	struct tenv *t = *state;
	struct crm_backup_report rep;
	struct crm_backup_info info;

	sample_backup(t, &info);
	file_exec(info.path, "DROP TRIGGER audit_no_update;"
		" UPDATE audit SET details = 'forged' WHERE id = 2");
	verify(t, info.path, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.failed, CRM_BACKUP_AUDIT);
	assert_string_equal(rep.integrity, "ok");
	assert_int_equal(rep.schema_version, CRM_SCHEMA_VERSION);
	assert_true(rep.audit_checked);
	assert_int_equal(rep.audit.bad_id, 2);
	assert_non_null(strstr(rep.problem, "row 2"));
}

static void newer_or_prechain_schema_is_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_backup_report rep;
	struct crm_backup_info info;
	char sql[64];

	sample_backup(t, &info);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		CRM_SCHEMA_VERSION + 1);
	file_exec(info.path, sql);
	verify(t, info.path, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.failed, CRM_BACKUP_SCHEMA);
	assert_int_equal(rep.schema_version, CRM_SCHEMA_VERSION + 1);
	assert_non_null(strstr(rep.problem, "newer"));
	assert_false(rep.audit_checked);

	file_exec(info.path, "PRAGMA user_version = 3");
	verify(t, info.path, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.failed, CRM_BACKUP_SCHEMA);
	assert_non_null(strstr(rep.problem, "predates"));

	file_exec(info.path, "PRAGMA user_version = 0");
	verify(t, info.path, &rep);
	assert_int_equal(rep.failed, CRM_BACKUP_SCHEMA);
}

static void a_file_that_is_not_a_store_fails(void **state)
{
	struct tenv *t = *state;
	struct crm_backup_report rep;
	char *path = tenv_write(t, "notes.db", "not a database, just words\n");

	verify(t, path, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.failed, CRM_BACKUP_INTEGRITY);
	free(path);
}

static void verify_refuses_symlinks_directories_and_missing_files(
	void **state)
{
	struct tenv *t = *state;
	struct crm_backup_report rep;
	struct crm_backup_info info;
	struct crm_error e;
	char link[300], missing[300];

	sample_backup(t, &info);
	snprintf(link, sizeof(link), "%s/link.db", t->dir);
	snprintf(missing, sizeof(missing), "%s/missing.db", t->dir);
	assert_int_equal(symlink(info.path, link), 0);
	assert_int_equal(crm_backup_verify(&t->cfg, link, &rep, &e), CRM_EINVAL);
	assert_non_null(strstr(e.msg, "symbolic link"));
	assert_false(rep.ok);
	assert_int_equal(crm_backup_verify(&t->cfg, t->dir, &rep, &e),
		CRM_EINVAL);
	assert_int_equal(crm_backup_verify(&t->cfg, missing, &rep, &e),
		CRM_ENOENT);
	/* a FIFO is refused without waiting for a writer */
	assert_int_equal(mkfifo(missing, 0600), 0);
	assert_int_equal(crm_backup_verify(&t->cfg, missing, &rep, &e),
		CRM_EINVAL);
	assert_non_null(strstr(e.msg, "not a regular file"));
	/* nor is a device opened to find out what it is */
	assert_int_equal(crm_backup_verify(&t->cfg, "/dev/null", &rep, &e),
		CRM_EINVAL);
	assert_non_null(strstr(e.msg, "not a regular file"));
}

/*
 * A store with the right schema and no audit rows verifies as a chain,
 * yet nothing in it shows this key's crmpolicy wrote it: refused, and
 * so is its restore. Any row of the real trail lets it pass.
 */
static void copy_without_a_trail_is_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_backup_report rep;
	struct crm_backup_info info;
	struct crm_error e;
	char pre[CRM_BACKUP_PATH_MAX];

	sample_backup(t, &info);
	verify(t, info.path, &rep);
	assert_true(rep.ok);
	file_exec(info.path, "DROP TRIGGER audit_no_delete; DELETE FROM audit;"
		" DELETE FROM settings WHERE key = 'audit_head';"
		" INSERT INTO accounts(name, created) VALUES('mallory', 1)");
	verify(t, info.path, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.failed, CRM_BACKUP_AUDIT);
	assert_true(rep.audit.ok);
	assert_non_null(strstr(rep.problem, "no audit trail"));
	assert_int_not_equal(crm_backup_restore(&t->ctx, info.path, NULL, pre,
		sizeof(pre), &rep, &e), CRM_OK);
	assert_int_equal(users(t, "mallory"), 0);
	assert_int_equal(users(t, "alice"), 1);
}

/* ---- restore ---- */

static void restore_round_trip(void **state)
{
	struct tenv *t = *state;
	struct crm_backup_report rep, pre_rep;
	struct crm_backup_info info;
	struct crm_audit_report ar;
	struct crm_error e;
	char pre[CRM_BACKUP_PATH_MAX], want[512];
	sqlite3 *other = NULL;
	long long before;

	TENV_SQLITE_ONLY();
	sample_backup(t, &info);
	/* another process with the store open sees the restore whole */
	assert_int_equal(sqlite3_open_v2(sqlite3_db_filename(crm_db_sqlite(t->ctx.db), "main"),
		&other, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	/* the change after the backup */
	tenv_add_user(t, "bob", NULL);
	before = tenv_query_int(t, "SELECT max(id) FROM audit", NULL, NULL);
	t->ctx.now = T0 + 60;
	if (crm_backup_restore(&t->ctx, info.path, NULL, pre, sizeof(pre), &rep,
			&e) != CRM_OK)
		fail_msg("restore: %s", e.msg);
	assert_true(rep.ok);
	assert_non_null(t->ctx.db);
	assert_int_equal(users(t, "bob"), 0);
	assert_int_equal(users(t, "alice"), 1);
	/* the pre-restore copy holds what the restore replaced */
	snprintf(want, sizeof(want), "%s/backups/"
		"crmpolicy-pre-restore-20260101T000100Z.db", t->dir);
	assert_string_equal(pre, want);
	assert_int_equal(file_int(pre, "SELECT count(*) FROM accounts WHERE"
		" name = 'bob'"), 1);
	assert_int_equal(file_int(pre, "SELECT max(id) FROM audit"), before);
	verify(t, pre, &pre_rep);
	assert_true(pre_rep.ok);
	/* the restore is audited and the trail chains on */
	assert_true(tenv_has_event(t, "restore", "", info.path));
	assert_true(tenv_has_event(t, "restore", "", pre));
	assert_int_equal(crm_audit_verify(t->ctx.db, t->ctx.audit_key, &ar, &e),
		CRM_OK);
	assert_true(ar.ok);
	/* still the live store: WAL, and the other connection sees it */
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM"
		" pragma_journal_mode WHERE journal_mode = 'wal'", NULL, NULL), 1);
	{
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(other, "SELECT count(*) FROM"
			" accounts WHERE name = 'bob'", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(other);
}

static void restore_of_a_bad_copy_changes_nothing(void **state)
{
	struct tenv *t = *state;
	struct crm_backup_report rep;
	struct crm_backup_info info;
	struct crm_error e;
	char pre[CRM_BACKUP_PATH_MAX], dir[300];
	long long rows;

	sample_backup(t, &info);
	file_exec(info.path, "DROP TRIGGER audit_no_update;"
		" UPDATE audit SET actor = 'mallory' WHERE id = 3");
	tenv_add_user(t, "bob", NULL);
	rows = tenv_query_int(t, "SELECT count(*) FROM audit", NULL, NULL);
	assert_int_equal(crm_backup_restore(&t->ctx, info.path, NULL, pre,
		sizeof(pre), &rep, &e), CRM_EINVAL);
	assert_false(rep.ok);
	assert_int_equal(rep.failed, CRM_BACKUP_AUDIT);
	assert_int_equal(rep.audit.bad_id, 3);
	assert_string_equal(pre, "");
	assert_int_equal(users(t, "bob"), 1);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM audit", NULL,
		NULL), rows);
	snprintf(dir, sizeof(dir), "%s/backups", t->dir);
	/* no pre-restore copy either: only the backup itself */
	assert_int_equal(entries(dir), 1);
}

static void restore_refuses_a_copy_others_may_write(void **state)
{
	struct tenv *t = *state;
	struct crm_backup_report rep;
	struct crm_backup_info info;
	struct crm_error e;
	char pre[CRM_BACKUP_PATH_MAX];

	sample_backup(t, &info);
	tenv_add_user(t, "bob", NULL);
	assert_int_equal(chmod(info.path, 0666), 0);
	assert_int_equal(crm_backup_restore(&t->ctx, info.path, NULL, pre,
		sizeof(pre), &rep, &e), CRM_EPERM);
	assert_int_equal(users(t, "bob"), 1);
	assert_int_equal(chmod(info.path, 0600), 0);
	assert_int_equal(crm_backup_restore(&t->ctx, info.path, NULL, pre,
		sizeof(pre), &rep, &e), CRM_OK);
	assert_int_equal(users(t, "bob"), 0);
}

static void restore_refuses_the_store_itself(void **state)
{
	struct tenv *t = *state;
	struct crm_backup_report rep;
	struct crm_error e;
	char pre[CRM_BACKUP_PATH_MAX];

	TENV_SQLITE_ONLY();
	free(backup_dir(t));
	tenv_add_user(t, "alice", NULL);
	assert_int_equal(crm_backup_restore(&t->ctx,
		sqlite3_db_filename(crm_db_sqlite(t->ctx.db), "main"), NULL, pre, sizeof(pre),
		&rep, &e), CRM_EINVAL);
	assert_non_null(strstr(e.msg, "the store itself"));
	assert_int_equal(users(t, "alice"), 1);
}

/* ---- the newest backup ---- */

static void touch_at(const char *dir, const char *name, int64_t when)
{
	struct timespec ts[2] = { { (time_t)when, 0 }, { (time_t)when, 0 } };
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(futimens(fd, ts), 0);
	close(fd);
}

static void newest_backup_none_fresh_and_old(void **state)
{
	struct tenv *t = *state;
	char *dir = backup_dir(t), path[600], want[600], target[600];
	struct crm_backup_info info;
	struct crm_error e;
	int64_t when;

	/* none: no directory, then an empty one, then only other files */
	assert_int_equal(crm_backup_newest(&t->cfg, &when, path, sizeof(path),
		&e), CRM_ENOENT);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(crm_backup_newest(&t->cfg, &when, path, sizeof(path),
		&e), CRM_ENOENT);
	touch_at(dir, "crmpolicy-pre-restore-20260101T000000Z.db", T0);
	touch_at(dir, ".crmpolicy-0123456789abcdef.tmp", T0);
	touch_at(dir, "notes.txt", T0);
	snprintf(target, sizeof(target), "%s/crmpolicy.db", t->dir);
	snprintf(path, sizeof(path), "%s/crmpolicy-sat.db", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(crm_backup_newest(&t->cfg, &when, path, sizeof(path),
		&e), CRM_ENOENT);
	/* old ones: the newest of them counts */
	touch_at(dir, "crmpolicy-05.db", T0 - 20 * DAY);
	touch_at(dir, "crmpolicy-mon.db", T0 - 10 * DAY);
	touch_at(dir, "crmpolicy-20251201T000000Z.db", T0 - 31 * DAY);
	assert_int_equal(crm_backup_newest(&t->cfg, &when, path, sizeof(path),
		&e), CRM_OK);
	assert_int_equal(when, T0 - 10 * DAY);
	snprintf(want, sizeof(want), "%s/crmpolicy-mon.db", dir);
	assert_string_equal(path, want);
	/* a fresh one */
	t->ctx.now = T0 + 3600;
	take(t, &info);
	assert_int_equal(crm_backup_newest(&t->cfg, &when, path, sizeof(path),
		&e), CRM_OK);
	assert_int_equal(when, T0 + 3600);
	assert_string_equal(path, info.path);
	free(dir);
}

static void newest_backup_of_an_unreadable_directory_is_an_error(
	void **state)
{
	struct tenv *t = *state;
	char *dir = backup_dir(t), target[300];
	struct crm_error e;
	int64_t when;

	/* a symlink is not followed: it counts as no usable directory */
	snprintf(target, sizeof(target), "%s/elsewhere", t->dir);
	assert_int_equal(mkdir(target, 0700), 0);
	touch_at(target, "crmpolicy-mon.db", T0);
	assert_int_equal(symlink(target, dir), 0);
	assert_int_equal(crm_backup_newest(&t->cfg, &when, NULL, 0, &e),
		CRM_EIO);
	free(dir);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tenv_setup, tenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(names_follow_the_cycle_for_a_fixed_clock),
		T(names_refuse_an_unknown_cycle_and_a_short_buffer),
		T(only_cycle_names_are_backup_names),
		T(backup_is_private_self_contained_and_verifies),
		T(backup_takes_every_committed_row_and_not_its_own_event),
		T(weekly_backups_a_week_apart_share_a_name),
		T(infinite_backups_keep_every_copy),
		T(backup_refuses_unsafe_directories),
		T(backup_prunes_the_trail_after_copying_it),
		T(damaged_copy_fails_the_integrity_check),
		T(edited_audit_row_fails_the_chain_and_names_the_row),
		T(newer_or_prechain_schema_is_refused),
		T(a_file_that_is_not_a_store_fails),
		T(verify_refuses_symlinks_directories_and_missing_files),
		T(copy_without_a_trail_is_refused),
		T(restore_round_trip),
		cmocka_unit_test(postgresql_store_backs_up_and_restores),
		T(restore_of_a_bad_copy_changes_nothing),
		T(restore_refuses_a_copy_others_may_write),
		T(restore_refuses_the_store_itself),
		T(newest_backup_none_fresh_and_old),
		T(newest_backup_of_an_unreadable_directory_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
