/*
 * Unit tests of lib/audit.c: every row carries time, actor, subject,
 * service, remote address and details; hostile text is stored byte for byte
 * yet reaches the logger printable; a row lives and dies with the caller's
 * transaction, and a row that cannot be written is an error, not a log line.
 * The chain: verify finds edited, deleted, inserted and unsealed rows and
 * forged checkpoints; pruning keeps it verifiable; an old trail is adopted.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/audit.h"
#include "crmpolicy/store.h"
#include "../../lib/db_impl.h"	/* the SQLite texts, for EXPLAIN */

struct row {
	long long time;
	char event[64], actor[256], subject[16384], service[256];
	char rhost[1024], details[2048];
};

/* Reads the newest audit row. */
static void last_row(struct tenv *t, struct row *r)
{
	sqlite3_stmt *st;

	memset(r, 0, sizeof(*r));
	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(t->ctx.db), "SELECT time, event,"
		" actor, subject, service, rhost, details FROM audit"
		" ORDER BY id DESC LIMIT 1", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	r->time = sqlite3_column_int64(st, 0);
	snprintf(r->event, sizeof(r->event), "%s", sqlite3_column_text(st, 1));
	snprintf(r->actor, sizeof(r->actor), "%s", sqlite3_column_text(st, 2));
	snprintf(r->subject, sizeof(r->subject), "%s",
		sqlite3_column_text(st, 3));
	snprintf(r->service, sizeof(r->service), "%s",
		sqlite3_column_text(st, 4));
	snprintf(r->rhost, sizeof(r->rhost), "%s", sqlite3_column_text(st, 5));
	snprintf(r->details, sizeof(r->details), "%s",
		sqlite3_column_text(st, 6));
	sqlite3_finalize(st);
}

static long long rows(struct tenv *t)
{
	sqlite3_stmt *st;
	long long n;

	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(t->ctx.db),
		"SELECT count(*) FROM audit", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Fails unless s holds no ASCII control byte. */
static void assert_printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x at %zu in \"%s\"", *p,
				(size_t)(p - (const unsigned char *)s), s);
}

static void audit_rows_carry_time_actor_subject_service_rhost_details(
	void **state)
{
	struct tenv *t = *state;
	struct row r;

	t->ctx.now = T0 + 42;
	t->ctx.actor = "admin1";
	t->ctx.service = "sshd";
	t->ctx.rhost = "192.0.2.9";
	assert_int_equal(crm_audit_add(&t->ctx, "login.failure", "alice",
		"reason=%s failures=%d", "wrong password", 2), CRM_OK);
	last_row(t, &r);
	assert_int_equal(r.time, T0 + 42);
	assert_string_equal(r.event, "login.failure");
	assert_string_equal(r.actor, "admin1");
	assert_string_equal(r.subject, "alice");
	assert_string_equal(r.service, "sshd");
	assert_string_equal(r.rhost, "192.0.2.9");
	assert_string_equal(r.details, "reason=wrong password failures=2");
}

static void logger_gets_one_line_naming_every_field(void **state)
{
	struct tenv *t = *state;
	int before = t->nlog;

	t->ctx.actor = "admin1";
	t->ctx.service = "sshd";
	t->ctx.rhost = "192.0.2.9";
	assert_int_equal(crm_audit_add(&t->ctx, "lock", "alice", "failures=%d",
		3), CRM_OK);
	assert_int_equal(t->nlog, before + 1);
	assert_non_null(strstr(t->lastlog, "lock"));
	assert_non_null(strstr(t->lastlog, "user=alice"));
	assert_non_null(strstr(t->lastlog, "service=sshd"));
	assert_non_null(strstr(t->lastlog, "rhost=192.0.2.9"));
	assert_non_null(strstr(t->lastlog, "actor=admin1"));
	assert_non_null(strstr(t->lastlog, "failures=3"));
	assert_null(strchr(t->lastlog, '\n'));
}

static void missing_subject_and_rhost_are_stored_empty(void **state)
{
	struct tenv *t = *state;
	struct row r;

	t->ctx.rhost = NULL;
	t->ctx.actor = NULL;
	t->ctx.service = NULL;
	assert_int_equal(crm_audit_add(&t->ctx, "backup", NULL, "%s", ""),
		CRM_OK);
	last_row(t, &r);
	assert_string_equal(r.subject, "");
	assert_string_equal(r.rhost, "");
	assert_string_equal(r.actor, "");
	assert_string_equal(r.service, "");
	assert_string_equal(r.details, "");
}

static void hostile_subject_stored_intact_and_logged_printable(void **state)
{
	struct tenv *t = *state;
	const char *evil = "eve\n2026-01-01 sshd: Accepted password for root\x1b[2J"
		"'); DROP TABLE audit;--\r\x7f";
	struct row r;

	assert_int_equal(crm_audit_add(&t->ctx, "login.failure", evil,
		"reason=%s", "invalid user name"), CRM_OK);
	last_row(t, &r);
	assert_string_equal(r.subject, evil);
	assert_printable(t->lastlog);
	assert_non_null(strstr(t->lastlog, "user=eve?2026-01-01"));
	assert_non_null(strstr(t->lastlog, "DROP TABLE audit;--"));
	assert_int_equal(rows(t), 1);
}

static void hostile_rhost_and_details_logged_printable(void **state)
{
	struct tenv *t = *state;
	struct row r;

	t->ctx.rhost = "10.0.0.1\nfake line";
	assert_int_equal(crm_audit_add(&t->ctx, "ip.denied", "alice",
		"rule=%s", "x\ny\tz"), CRM_OK);
	last_row(t, &r);
	assert_string_equal(r.rhost, "10.0.0.1\nfake line");
	assert_string_equal(r.details, "rule=x\ny\tz");
	assert_printable(t->lastlog);
	assert_non_null(strstr(t->lastlog, "rhost=10.0.0.1?fake line"));
}

static void hostile_service_and_actor_logged_printable(void **state)
{
	struct tenv *t = *state;
	struct row r;

	/* The service comes from the calling application, the actor from
	 * the caller's account: neither may break the log line. */
	t->ctx.service = "web\nFAKE: root logged in";
	t->ctx.actor = "www\r\x1b[1m";
	assert_int_equal(crm_audit_add(&t->ctx, "login.success", "alice",
		"type=%s", "password"), CRM_OK);
	last_row(t, &r);
	assert_string_equal(r.service, "web\nFAKE: root logged in");
	assert_string_equal(r.actor, "www\r\x1b[1m");
	assert_printable(t->lastlog);
}

static void utf8_subject_logged_as_is(void **state)
{
	struct tenv *t = *state;

	assert_int_equal(crm_audit_add(&t->ctx, "user.add", "jos\xc3\xa9",
		"%s", ""), CRM_OK);
	assert_non_null(strstr(t->lastlog, "user=jos\xc3\xa9"));
	/* A broken sequence is replaced, not passed on. */
	assert_int_equal(crm_audit_add(&t->ctx, "user.add", "bad\xc3",
		"%s", ""), CRM_OK);
	assert_non_null(strstr(t->lastlog, "user=bad?"));
}

static void huge_subject_stored_whole(void **state)
{
	struct tenv *t = *state;
	char *huge = malloc(10 * 1024 + 1);
	struct row r;

	assert_non_null(huge);
	memset(huge, 'a', 10 * 1024);
	huge[10 * 1024] = '\0';
	assert_int_equal(crm_audit_add(&t->ctx, "login.failure", huge, "%s",
		""), CRM_OK);
	last_row(t, &r);
	assert_string_equal(r.subject, huge);
	assert_true(strlen(t->lastlog) < sizeof(t->lastlog));
	free(huge);
}

static void audit_row_rolls_back_with_its_transaction(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;

	assert_int_equal(crm_store_begin(t->ctx.db, &e), CRM_OK);
	assert_int_equal(crm_audit_add(&t->ctx, "unlock", "alice", "%s", "admin"),
		CRM_OK);
	crm_store_rollback(t->ctx.db);
	assert_int_equal(rows(t), 0);
}

static void audit_row_commits_with_its_transaction(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;

	assert_int_equal(crm_store_begin(t->ctx.db, &e), CRM_OK);
	assert_int_equal(crm_audit_add(&t->ctx, "unlock", "alice", "%s", "admin"),
		CRM_OK);
	assert_int_equal(crm_store_commit(t->ctx.db, &e), CRM_OK);
	assert_int_equal(rows(t), 1);
}

static void unwritable_audit_is_an_error_and_not_logged(void **state)
{
	struct tenv *t = *state;
	int before = t->nlog;

	assert_int_equal(sqlite3_exec(crm_db_sqlite(t->ctx.db), "PRAGMA query_only = 1", NULL,
		NULL, NULL), SQLITE_OK);
	assert_int_equal(crm_audit_add(&t->ctx, "lock", "alice", "%s", ""),
		CRM_ESTORE);
	/* Nothing claims in syslog what the store does not hold. */
	assert_int_equal(t->nlog, before);
	assert_int_equal(sqlite3_exec(crm_db_sqlite(t->ctx.db), "PRAGMA query_only = 0", NULL,
		NULL, NULL), SQLITE_OK);
	assert_int_equal(rows(t), 0);
}

static void audit_works_without_a_logger(void **state)
{
	struct tenv *t = *state;

	t->ctx.log = NULL;
	assert_int_equal(crm_audit_add(&t->ctx, "enable", "alice", "%s", "admin"),
		CRM_OK);
	assert_int_equal(rows(t), 1);
	assert_int_equal(t->nlog, 0);
}

static void rows_keep_their_order(void **state)
{
	struct tenv *t = *state;
	sqlite3_stmt *st;
	const char *want[] = { "login.failure", "lock", "unlock" };
	int i = 0;

	assert_int_equal(crm_audit_add(&t->ctx, want[0], "a", "%s", ""), CRM_OK);
	t->ctx.now++;
	assert_int_equal(crm_audit_add(&t->ctx, want[1], "a", "%s", ""), CRM_OK);
	t->ctx.now++;
	assert_int_equal(crm_audit_add(&t->ctx, want[2], "a", "%s", ""), CRM_OK);
	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(t->ctx.db), "SELECT event, time FROM"
		" audit ORDER BY id", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(i < 3);
		assert_string_equal((const char *)sqlite3_column_text(st, 0),
			want[i]);
		assert_int_equal(sqlite3_column_int64(st, 1), T0 + i);
		i++;
	}
	sqlite3_finalize(st);
	assert_int_equal(i, 3);
}

/* ---- the chain ---- */

/* n events, a second apart, about alice. */
static void add_events(struct tenv *t, int n)
{
	for (int i = 0; i < n; i++) {
		assert_int_equal(crm_audit_add(&t->ctx, "login.success", "alice",
			"n=%d", i), CRM_OK);
		t->ctx.now++;
	}
}

static void verify(struct tenv *t, struct crm_audit_report *rep)
{
	struct crm_error e;

	assert_int_equal(crm_audit_verify(t->ctx.db, t->ctx.audit_key, rep, &e),
		CRM_OK);
}

/* Runs sql with the append-only triggers out of the way, as a tamperer would. */
static void tamper(struct tenv *t, const char *sql)
{
	char *all;

	assert_true(asprintf(&all, "DROP TRIGGER audit_no_update;"
		" DROP TRIGGER audit_no_delete; %s", sql) > 0);
	tenv_exec_ok(t, all);
	free(all);
}

static void intact_chain_verifies_every_row(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;

	add_events(t, 5);
	verify(t, &rep);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, 5);
	assert_int_equal(rep.first_id, 1);
	assert_int_equal(rep.last_id, 5);
	assert_int_equal(rep.bad_id, 0);
}

static void empty_trail_verifies(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;

	verify(t, &rep);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, 0);
}

static void triggers_refuse_update_and_delete(void **state)
{
	struct tenv *t = *state;

	add_events(t, 2);
	assert_int_not_equal(sqlite3_exec(crm_db_sqlite(t->ctx.db), "UPDATE audit SET details"
		" = 'x' WHERE id = 1", NULL, NULL, NULL), SQLITE_OK);
	assert_non_null(strstr(sqlite3_errmsg(crm_db_sqlite(t->ctx.db)), "append-only"));
	assert_int_not_equal(sqlite3_exec(crm_db_sqlite(t->ctx.db), "DELETE FROM audit WHERE"
		" id = 2", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(rows(t), 2);
}

static void verify_finds_an_edited_row(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;

	add_events(t, 5);
	tamper(t, "UPDATE audit SET subject = 'mallory' WHERE id = 3");
	verify(t, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_id, 3);
	assert_non_null(strstr(rep.problem, "changed"));
}

/* Each row names the host that wrote it, under the row's seal. */
static void rows_name_their_host_under_the_seal(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;

	snprintf(t->ctx.host, sizeof(t->ctx.host), "bastion-2");
	add_events(t, 3);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM audit WHERE"
		" host = ?1", "bastion-2", NULL), 3);
	verify(t, &rep);
	assert_true(rep.ok);
	/* Another host's name, or none, is an edit. */
	tamper(t, "UPDATE audit SET host = 'bastion-1' WHERE id = 2");
	verify(t, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_id, 2);
	tenv_exec_ok(t, "UPDATE audit SET host = 'bastion-2' WHERE id = 2;"
		" UPDATE audit SET host = '' WHERE id = 3");
	verify(t, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_id, 3);
}

static void verify_finds_a_deleted_row(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;

	add_events(t, 5);
	tamper(t, "DELETE FROM audit WHERE id = 2");
	verify(t, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_id, 3);
	assert_non_null(strstr(rep.problem, "deleted or inserted"));
}

static void verify_finds_deleted_newest_rows(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;

	add_events(t, 5);
	tamper(t, "DELETE FROM audit WHERE id >= 4");
	verify(t, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_id, 4);
	assert_non_null(strstr(rep.problem, "rows 4 to 5, the newest, are missing"));
}

static void verify_finds_deleted_oldest_rows(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;

	add_events(t, 5);
	tamper(t, "DELETE FROM audit WHERE id <= 2");
	verify(t, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_id, 3);
}

static void verify_finds_an_inserted_row(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;

	add_events(t, 3);
	/* A forger copies the last row's hash as the new row's link. */
	tamper(t, "INSERT INTO audit(id, time, event, actor, subject, service,"
		" rhost, details, prev_hash, hash) SELECT 4, time, 'unlock',"
		" 'root', 'alice', '', '', '', hash, randomblob(32) FROM audit"
		" WHERE id = 3");
	verify(t, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_id, 4);
}

static void verify_finds_an_unsealed_row(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;

	add_events(t, 2);
	tenv_exec_ok(t, "INSERT INTO audit(time, event, actor) VALUES(1, 'x', 'y')");
	verify(t, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_id, 3);
	assert_non_null(strstr(rep.problem, "not sealed"));
}

static void verify_with_another_key_fails_at_the_first_row(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;
	unsigned char other[32];
	struct crm_error e;

	add_events(t, 2);
	memset(other, 7, sizeof(other));
	assert_int_equal(crm_audit_verify(t->ctx.db, other, &rep, &e), CRM_OK);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_id, 1);
}

static void audit_outside_a_transaction_takes_its_own(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;

	assert_true(sqlite3_get_autocommit(crm_db_sqlite(t->ctx.db)));
	add_events(t, 2);
	assert_true(sqlite3_get_autocommit(crm_db_sqlite(t->ctx.db)));
	verify(t, &rep);
	assert_true(rep.ok);
}

static void no_audit_key_no_row(void **state)
{
	struct tenv *t = *state;

	t->ctx.keyed = 0;
	assert_int_equal(crm_audit_add(&t->ctx, "lock", "alice", "%s", ""),
		CRM_EKEY);
	t->ctx.keyed = 1;
	assert_int_equal(rows(t), 0);
}

/* ---- pruning ---- */

/* The delete trigger's text as SQLite keeps it (malloc'd). */
static char *trigger_text(struct tenv *t)
{
	sqlite3_stmt *st;
	char *text;

	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(t->ctx.db),
		"SELECT sql FROM sqlite_master WHERE name = 'audit_no_delete'",
		-1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	text = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	assert_non_null(text);
	return text;
}

static void prune_removes_old_rows_and_keeps_the_chain_verifiable(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;
	struct crm_error e;
	long long removed = -1;
	char *guard = trigger_text(t), *restored;

	add_events(t, 3);		/* T0 .. T0+2 */
	t->ctx.now = T0 + 10 * DAY;
	add_events(t, 2);
	t->ctx.now = T0 + 12 * DAY;
	assert_int_equal(crm_audit_prune(&t->ctx, 5, &removed, &e), CRM_OK);
	assert_int_equal(removed, 3);
	/* Two kept and the prune's own event. */
	assert_int_equal(rows(t), 3);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM"
		" audit_checkpoints", NULL, NULL), 1);
	assert_true(tenv_has_event(t, "audit.prune", "", "rows=3"));
	verify(t, &rep);
	assert_true(rep.ok);
	assert_int_equal(rep.first_id, 4);
	assert_int_equal(rep.pruned, 3);
	assert_int_equal(rep.checkpoints, 1);
	/* The delete trigger is back, as the schema made it. */
	assert_int_not_equal(sqlite3_exec(crm_db_sqlite(t->ctx.db), "DELETE FROM audit", NULL,
		NULL, NULL), SQLITE_OK);
	restored = trigger_text(t);
	assert_string_equal(restored, guard);
	free(restored);
	free(guard);
}

static void prune_with_keep_zero_or_nothing_old_removes_nothing(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	long long removed = -1;

	add_events(t, 2);
	assert_int_equal(crm_audit_prune(&t->ctx, 0, &removed, &e), CRM_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(crm_audit_prune(&t->ctx, 30, &removed, &e), CRM_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(rows(t), 2);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM"
		" audit_checkpoints", NULL, NULL), 0);
}

static void verify_finds_rows_removed_after_a_prune(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;
	struct crm_error e;
	long long removed;

	add_events(t, 2);
	t->ctx.now = T0 + 10 * DAY;
	add_events(t, 3);
	assert_int_equal(crm_audit_prune(&t->ctx, 5, &removed, &e), CRM_OK);
	/* The oldest kept row is removed as if pruned, without a checkpoint. */
	tamper(t, "DELETE FROM audit WHERE id = 3");
	verify(t, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_id, 4);
	assert_non_null(strstr(rep.problem, "rows 3 to 3 are missing"));
}

static void verify_finds_a_forged_checkpoint(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;

	add_events(t, 5);
	/* Rows 1-3 removed and "explained" by a checkpoint without the key. */
	tamper(t, "INSERT INTO audit_checkpoints(time, first_id, prev_hash,"
		" removed, mac) SELECT 1, 4, hash, 3, randomblob(32) FROM audit"
		" WHERE id = 3; DELETE FROM audit WHERE id <= 3");
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM"
		" audit_checkpoints", NULL, NULL), 1);
	verify(t, &rep);
	assert_false(rep.ok);
	assert_non_null(strstr(rep.problem, "not signed"));
}

/* ---- a trail from before the chain ---- */

static void trail_from_before_the_chain_is_sealed_once_at_open(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;
	struct crm_error e;

	/* What a store of schema 3 held: bare rows and no head record. */
	tenv_exec_ok(t, "INSERT INTO audit(time, event, actor, subject) VALUES"
		" (1, 'user.add', 'root', 'alice'), (2, 'lock', 'pam', 'alice')");
	verify(t, &rep);
	assert_false(rep.ok);
	assert_int_equal(crm_audit_adopt(t->ctx.db, t->ctx.audit_key, &e),
		CRM_OK);
	verify(t, &rep);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, 2);
	add_events(t, 1);
	verify(t, &rep);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, 3);
}

static void sealed_trail_without_head_is_not_adopted(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;
	struct crm_error e;

	add_events(t, 2);
	/* Bare rows after sealed ones, head removed: nothing gets sealed. */
	tenv_exec_ok(t, "DELETE FROM settings WHERE key = 'audit_head';"
		" INSERT INTO audit(time, event, actor) VALUES(9, 'unlock', 'x')");
	assert_int_equal(crm_audit_adopt(t->ctx.db, t->ctx.audit_key, &e),
		CRM_OK);
	verify(t, &rep);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_id, 3);
}

/* ---- listing ---- */

struct seen {
	int n;
	char events[8][64];
};

static int collect(void *arg, const struct crm_audit_row *row)
{
	struct seen *s = arg;

	if (s->n < 8)
		snprintf(s->events[s->n], sizeof(s->events[0]), "%s", row->event);
	s->n++;
	return 0;
}

static void foreach_filters_by_user_event_family_and_time(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_filter f = { NULL, NULL, 0, 0 };
	struct crm_error e;
	struct seen s;

	assert_int_equal(crm_audit_add(&t->ctx, "mfa.enroll", "alice", "%s", ""),
		CRM_OK);
	t->ctx.now = T0 + 100;
	assert_int_equal(crm_audit_add(&t->ctx, "mfa.reset", "bob", "%s", ""),
		CRM_OK);
	t->ctx.now = T0 + 200;
	assert_int_equal(crm_audit_add(&t->ctx, "lock", "alice", "%s", ""),
		CRM_OK);
	memset(&s, 0, sizeof(s));
	f.user = "alice";
	assert_int_equal(crm_audit_foreach(&t->ctx, &f, collect, &s, &e), 0);
	assert_int_equal(s.n, 2);
	memset(&s, 0, sizeof(s));
	f.user = NULL;
	f.event = "mfa.";
	assert_int_equal(crm_audit_foreach(&t->ctx, &f, collect, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.events[1], "mfa.reset");
	memset(&s, 0, sizeof(s));
	f.event = "mfa";
	assert_int_equal(crm_audit_foreach(&t->ctx, &f, collect, &s, &e), 0);
	assert_int_equal(s.n, 0);
	memset(&s, 0, sizeof(s));
	f.event = NULL;
	f.since = T0 + 50;
	f.until = T0 + 150;
	assert_int_equal(crm_audit_foreach(&t->ctx, &f, collect, &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.events[0], "mfa.reset");
}

/* The family is a range: its neighbours in byte order stay out. */
static void event_family_is_exactly_the_prefix(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_filter f = { NULL, "mfa.", 0, 0 };
	struct crm_error e;
	struct seen s;
	const char *ev[] = { "mfa-x", "mfa.", "mfa.totp.enroll", "mfa/x",
		"mfa", "mfa.z" };

	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		assert_int_equal(crm_audit_add(&t->ctx, ev[i], "carol", "%s", ""),
			CRM_OK);
	memset(&s, 0, sizeof(s));
	assert_int_equal(crm_audit_foreach(&t->ctx, &f, collect, &s, &e), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.events[0], "mfa.");
	assert_string_equal(s.events[1], "mfa.totp.enroll");
	assert_string_equal(s.events[2], "mfa.z");
}

/* What SQLite plans for the listing's statement with filter f. */
static void plan_of(struct tenv *t, const struct crm_audit_filter *f,
	char *plan, size_t len)
{
	char *sql;
	sqlite3_stmt *st;
	size_t n = 0;

	assert_true(asprintf(&sql, "EXPLAIN QUERY PLAN %s",
		crm_sql_sqlite[crm_audit_query(f)]) > 0);
	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(t->ctx.db), sql, -1,
		&st, NULL), SQLITE_OK);
	free(sql);
	plan[0] = '\0';
	n = 0;
	while (sqlite3_step(st) == SQLITE_ROW && n < len)
		n += (size_t)snprintf(plan + n, len - n, "%s\n",
			(const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
}

static void listing_by_user_or_event_uses_an_index(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_filter f = { "alice", NULL, 0, 0 };
	char plan[1024];

	/* The times are always bound, open or not: the index takes them. */
	plan_of(t, &f, plan, sizeof(plan));
	assert_non_null(strstr(plan, "USING INDEX audit_subject (subject=? AND"
		" time>? AND time<?)"));
	f.event = "login.success";
	plan_of(t, &f, plan, sizeof(plan));
	assert_non_null(strstr(plan, "USING INDEX audit_"));
	f.event = "mfa.";
	plan_of(t, &f, plan, sizeof(plan));
	assert_non_null(strstr(plan, "USING INDEX audit_"));
	f.user = NULL;
	f.event = "login.success";
	plan_of(t, &f, plan, sizeof(plan));
	assert_non_null(strstr(plan, "USING INDEX audit_event (event=? AND"
		" time>? AND time<?)"));
	f.event = "mfa.";
	plan_of(t, &f, plan, sizeof(plan));
	assert_non_null(strstr(plan, "USING INDEX audit_event (event>? AND"
		" event<?)"));
	/* No filter: the whole trail in id order, no index needed. */
	f.event = NULL;
	plan_of(t, &f, plan, sizeof(plan));
	assert_null(strstr(plan, "USING INDEX"));
}

/* An open end takes in every row, whatever its time. */
static void listing_with_open_ends_misses_no_row(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_filter f = { NULL, NULL, 0, 0 };
	struct crm_error e;
	struct seen s;

	t->ctx.now = -5;
	assert_int_equal(crm_audit_add(&t->ctx, "lock", "alice", "%s", ""),
		CRM_OK);
	t->ctx.now = 0;
	assert_int_equal(crm_audit_add(&t->ctx, "lock", "alice", "%s", ""),
		CRM_OK);
	t->ctx.now = INT64_MAX;
	assert_int_equal(crm_audit_add(&t->ctx, "lock", "alice", "%s", ""),
		CRM_OK);
	memset(&s, 0, sizeof(s));
	assert_int_equal(crm_audit_foreach(&t->ctx, &f, collect, &s, &e), 0);
	assert_int_equal(s.n, 3);
	f.user = "alice";
	memset(&s, 0, sizeof(s));
	assert_int_equal(crm_audit_foreach(&t->ctx, &f, collect, &s, &e), 0);
	assert_int_equal(s.n, 3);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tenv_setup, tenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(audit_rows_carry_time_actor_subject_service_rhost_details),
		T(logger_gets_one_line_naming_every_field),
		T(missing_subject_and_rhost_are_stored_empty),
		T(hostile_subject_stored_intact_and_logged_printable),
		T(hostile_rhost_and_details_logged_printable),
		T(hostile_service_and_actor_logged_printable),
		T(utf8_subject_logged_as_is),
		T(huge_subject_stored_whole),
		T(audit_row_rolls_back_with_its_transaction),
		T(audit_row_commits_with_its_transaction),
		T(unwritable_audit_is_an_error_and_not_logged),
		T(audit_works_without_a_logger),
		T(rows_keep_their_order),
		T(intact_chain_verifies_every_row),
		T(empty_trail_verifies),
		T(triggers_refuse_update_and_delete),
		T(verify_finds_an_edited_row),
		T(rows_name_their_host_under_the_seal),
		T(verify_finds_a_deleted_row),
		T(verify_finds_deleted_newest_rows),
		T(verify_finds_deleted_oldest_rows),
		T(verify_finds_an_inserted_row),
		T(verify_finds_an_unsealed_row),
		T(verify_with_another_key_fails_at_the_first_row),
		T(audit_outside_a_transaction_takes_its_own),
		T(no_audit_key_no_row),
		T(prune_removes_old_rows_and_keeps_the_chain_verifiable),
		T(prune_with_keep_zero_or_nothing_old_removes_nothing),
		T(verify_finds_rows_removed_after_a_prune),
		T(verify_finds_a_forged_checkpoint),
		T(trail_from_before_the_chain_is_sealed_once_at_open),
		T(sealed_trail_without_head_is_not_adopted),
		T(foreach_filters_by_user_event_family_and_time),
		T(event_family_is_exactly_the_prefix),
		T(listing_by_user_or_event_uses_an_index),
		T(listing_with_open_ends_misses_no_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
