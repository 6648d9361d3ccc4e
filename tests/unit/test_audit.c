/*
 * Unit tests of lib/audit.c: every row carries time, actor, subject,
 * service, remote address and details; hostile text is stored byte for byte
 * yet reaches the logger printable; a row lives and dies with the caller's
 * transaction, and a row that cannot be written is an error, not a log line.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/audit.h"
#include "crmpolicy/store.h"

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
	assert_int_equal(sqlite3_prepare_v2(t->ctx.db, "SELECT time, event,"
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

	assert_int_equal(sqlite3_prepare_v2(t->ctx.db,
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

	assert_int_equal(sqlite3_exec(t->ctx.db, "PRAGMA query_only = 1", NULL,
		NULL, NULL), SQLITE_OK);
	assert_int_equal(crm_audit_add(&t->ctx, "lock", "alice", "%s", ""),
		CRM_ESTORE);
	/* Nothing claims in syslog what the store does not hold. */
	assert_int_equal(t->nlog, before);
	assert_int_equal(sqlite3_exec(t->ctx.db, "PRAGMA query_only = 0", NULL,
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
	assert_int_equal(sqlite3_prepare_v2(t->ctx.db, "SELECT event, time FROM"
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
