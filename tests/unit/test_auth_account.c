/*
 * Unit tests of lib/auth.c around account management and the password
 * stack: a login the service authenticated itself (an SSH key) recorded
 * by crm_acct_check, and crm_pw_prelim/crm_pw_proven, which let a stack
 * count a wrong current password that pam_unix refused.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crmpolicy/auth.h"
#include "crmpolicy/lockout.h"

#define PW1 "Gr3en-Apple!x"

static enum crm_verdict acct_as(struct tenv *t, const char *user,
	const char *type, struct crm_result *res)
{
	struct crm_request req = { .user = user, .reservation = -1,
		.login_type = type };
	struct crm_error e;

	crm_error_clear(&e);
	if (crm_acct_check(&t->ctx, &req, res, &e) != CRM_OK)
		fail_msg("acct_check %s: %s", user, e.msg);
	return res->verdict;
}

static long long logins(struct tenv *t, const char *type)
{
	return tenv_query_int(t, "SELECT coalesce(sum(count), 0) FROM logins"
		" WHERE type = ?1 AND success = 1", type, NULL);
}

/* ---- an ordinary account check ---- */

/*
 * A check that finds nothing to refuse or record takes no write lock: it
 * answers while another process holds it (were it to wait, it would give
 * up after the busy timeout and the test fail).
 */
static void acct_answers_while_another_writer_holds_the_lock(void **state)
{
	struct tenv *t = *state;
	struct crm_result res;
	int held[2], done[2], status;
	char c;
	pid_t pid;

	tenv_add_user(t, "alice", PW1);
	tenv_exec_ok(t, "UPDATE accounts SET must_change = 0");
	assert_int_equal(pipe(held), 0);
	assert_int_equal(pipe(done), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct crm_error e;
		struct crm_db *db = NULL;

		close(held[0]);
		close(done[1]);
		if (crm_store_open(t->cfg.str[CRM_K_DB], 0, &db, &e) != CRM_OK ||
				crm_store_begin(db, &e) != CRM_OK ||
				write(held[1], "x", 1) != 1 ||
				read(done[0], &c, 1) != 1)
			_exit(1);
		_exit(crm_store_commit(db, &e) == CRM_OK ? 0 : 1);
	}
	close(held[1]);
	close(done[0]);
	assert_int_equal(read(held[0], &c, 1), 1);
	assert_int_equal(acct_as(t, "alice", NULL, &res), CRM_V_ALLOW);
	assert_int_equal(write(done[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(held[0]);
	close(done[1]);
}

/* A lock that has run out is lifted in the store by the check. */
static void acct_writes_a_lock_that_ran_out(void **state)
{
	struct tenv *t = *state;
	struct crm_result res;
	struct crm_account a;
	struct crm_error e;

	assert_int_equal(crm_config_set(&t->cfg, "unlock_time", "600", "test",
		&e), 0);
	tenv_add_user(t, "alice", PW1);
	tenv_exec_ok(t, "UPDATE accounts SET must_change = 0, failures = 3");
	tenv_exec_ok(t, "UPDATE accounts SET locked_at = 1");
	assert_int_equal(acct_as(t, "alice", NULL, &res), CRM_V_ALLOW);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.locked_at, 0);
}

/* A locked account is refused, and the refusal audited. */
static void acct_refuses_and_audits_a_locked_account(void **state)
{
	struct tenv *t = *state;
	struct crm_result res;

	tenv_add_user(t, "alice", PW1);
	tenv_exec_ok(t, "UPDATE accounts SET must_change = 0, failures = 3");
	tenv_exec_ok(t, "UPDATE accounts SET locked_at = 1767225590");
	/* locked 10 s before the clock (T0) */
	assert_int_equal(acct_as(t, "alice", NULL, &res), CRM_V_LOCKED);
	assert_true(tenv_has_event(t, "login.failure", "alice", "locked"));
}

/* ---- a login that passed no auth phase ---- */

static void acct_records_a_login_of_the_given_type(void **state)
{
	struct tenv *t = *state;
	struct crm_result res;
	struct crm_account a;

	tenv_add_user(t, "alice", PW1);
	t->ctx.rhost = "127.0.1.5";
	t->ctx.now = T0 + 100;
	tenv_exec_ok(t, "UPDATE accounts SET must_change = 0");
	assert_int_equal(acct_as(t, "alice", "publickey", &res), CRM_V_ALLOW);
	assert_int_equal(logins(t, "publickey"), 1);
	assert_true(res.new_ip);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.last_login, T0 + 100);
	assert_string_equal(a.last_rhost, "127.0.1.5");
	assert_true(tenv_has_event(t, "login.success", "alice", "type=publickey"));
	assert_true(tenv_has_event(t, "ip.new", "alice", "127.0.1.5"));
}

static void key_login_with_a_forced_change_is_a_login(void **state)
{
	struct tenv *t = *state;
	struct crm_result res;

	/* sshd lets the user in to change the password: that is a login. */
	tenv_add_user(t, "alice", PW1);
	tenv_exec_ok(t, "UPDATE accounts SET must_change = 1");
	t->ctx.rhost = "127.0.1.5";
	assert_int_equal(acct_as(t, "alice", "publickey", &res),
		CRM_V_MUST_CHANGE);
	assert_int_equal(logins(t, "publickey"), 1);
}

static void acct_without_a_type_records_nothing(void **state)
{
	struct tenv *t = *state;
	struct crm_result res;
	struct crm_account a;

	tenv_add_user(t, "alice", PW1);
	tenv_exec_ok(t, "UPDATE accounts SET must_change = 0");
	t->ctx.rhost = "127.0.1.5";
	assert_int_equal(acct_as(t, "alice", NULL, &res), CRM_V_ALLOW);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM logins",
		NULL, NULL), 0);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.last_login, 0);
}

static void repeated_key_logins_merge(void **state)
{
	struct tenv *t = *state;
	struct crm_result res;

	tenv_add_user(t, "alice", PW1);
	tenv_exec_ok(t, "UPDATE accounts SET must_change = 0");
	t->ctx.rhost = "127.0.1.5";
	assert_int_equal(acct_as(t, "alice", "publickey", &res), CRM_V_ALLOW);
	t->ctx.now += 60;
	assert_int_equal(acct_as(t, "alice", "publickey", &res), CRM_V_ALLOW);
	assert_false(res.new_ip);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM logins",
		NULL, NULL), 1);
	assert_int_equal(logins(t, "publickey"), 2);
}

static void refused_key_login_records_no_success(void **state)
{
	struct tenv *t = *state;
	struct crm_result res;

	tenv_add_user(t, "alice", PW1);
	tenv_exec_ok(t, "UPDATE accounts SET must_change = 0,"
		" locked_at = 1, failures = 3");
	t->ctx.rhost = "127.0.1.5";
	assert_int_equal(acct_as(t, "alice", "publickey", &res), CRM_V_LOCKED);
	assert_int_equal(logins(t, "publickey"), 0);
}

static void hostile_login_type_is_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_result res;

	tenv_add_user(t, "alice", PW1);
	tenv_exec_ok(t, "UPDATE accounts SET must_change = 0");
	t->ctx.rhost = "127.0.1.5";
	assert_int_equal(acct_as(t, "alice", "key\nInjected: x", &res),
		CRM_V_INVALID);
	assert_int_equal(acct_as(t, "alice", "PUBLICKEY", &res), CRM_V_INVALID);
	assert_int_equal(acct_as(t, "alice", "", &res), CRM_V_INVALID);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM logins"
		" WHERE success = 1", NULL, NULL), 0);
}

/*
 * An expired store password stays expired when the clock is set back: the
 * first check records the forced change, which only a change clears.
 */
static void acct_keeps_an_expired_password_expired(void **state)
{
	struct tenv *t = *state;
	struct crm_result res;
	struct crm_account a;

	tenv_add_user(t, "alice", PW1);
	/* A login on the day, so that she is not inactive. */
	tenv_exec_ok(t, "UPDATE accounts SET must_change = 0,"
		" last_login = pw_changed + 91 * 86400");
	tenv_get(t, "alice", &a);
	t->ctx.now = a.pw_changed + 91 * 86400;
	assert_int_equal(acct_as(t, "alice", NULL, &res), CRM_V_EXPIRED);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.must_change, 1);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM audit WHERE"
		" event = 'password.expired' AND subject = 'alice'", NULL,
		NULL), 1);
	/* Back to before the expiry: still to be changed, nothing more
	 * recorded. */
	t->ctx.now = a.pw_changed + 10 * 86400;
	assert_int_equal(acct_as(t, "alice", NULL, &res), CRM_V_MUST_CHANGE);
	t->ctx.now = a.pw_changed - 86400;
	assert_int_equal(acct_as(t, "alice", NULL, &res), CRM_V_MUST_CHANGE);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM audit WHERE"
		" event = 'password.expired'", NULL, NULL), 1);
}

/* ---- the current password of a change proven by another module ---- */

static enum crm_verdict prelim(struct tenv *t, const char *user,
	int64_t *reservation)
{
	struct crm_request req = { .user = user, .reservation = -1 };
	struct crm_result res;
	struct crm_error e;

	if (crm_pw_prelim(&t->ctx, &req, &res, &e) != CRM_OK)
		fail_msg("pw_prelim %s: %s", user, e.msg);
	*reservation = res.reservation;
	return res.verdict;
}

static void proven(struct tenv *t, const char *user, int64_t reservation)
{
	struct crm_request req = { .user = user, .reservation = reservation };
	struct crm_result res;
	struct crm_error e;

	if (crm_pw_proven(&t->ctx, &req, &res, &e) != CRM_OK)
		fail_msg("pw_proven %s: %s", user, e.msg);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
}

static long long reservations(struct tenv *t)
{
	return tenv_query_int(t, "SELECT count(*) FROM reservations", NULL, NULL);
}

static void prelim_reserves_and_proven_releases_and_clears(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	int64_t resv = 0;

	tenv_add_user(t, "alice", NULL);
	tenv_exec_ok(t, "UPDATE accounts SET failures = 2");
	assert_int_equal(prelim(t, "alice", &resv), CRM_V_ALLOW);
	assert_true(resv > 0);
	assert_int_equal(reservations(t), 1);
	proven(t, "alice", resv);
	assert_int_equal(reservations(t), 0);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.failures, 0);
}

static void prelim_refuses_a_locked_account(void **state)
{
	struct tenv *t = *state;
	int64_t resv = 0;

	tenv_add_user(t, "alice", NULL);
	tenv_exec_ok(t, "UPDATE accounts SET failures = 3, locked_at = 1");
	assert_int_equal(prelim(t, "alice", &resv), CRM_V_LOCKED);
	assert_int_equal(reservations(t), 0);
	assert_true(tenv_has_event(t, "login.failure", "alice", "locked"));
}

static void prelim_waits_for_no_more_than_deny(void **state)
{
	struct tenv *t = *state;
	int64_t resv = 0;

	tenv_add_user(t, "alice", NULL);
	t->ctx.admit_wait_ms = 0;
	for (int i = 0; i < 3; i++)
		assert_int_equal(prelim(t, "alice", &resv), CRM_V_ALLOW);
	assert_int_equal(prelim(t, "alice", &resv), CRM_V_EXHAUSTED);
	assert_int_equal(reservations(t), 3);
}

static void proven_keeps_a_lock_taken_meanwhile(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	int64_t resv = 0;

	tenv_add_user(t, "alice", NULL);
	assert_int_equal(prelim(t, "alice", &resv), CRM_V_ALLOW);
	tenv_exec_ok(t, "UPDATE accounts SET failures = 3, locked_at = 5");
	proven(t, "alice", resv);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.locked_at, 5);
	assert_int_equal(a.failures, 3);
	assert_int_equal(reservations(t), 0);
}

/* ---- authsucc from a caller without root, checked against shadow ---- */

struct vfx {
	struct tenv *t;
	char name[64];
};

static int vfx_setup(void **state)
{
	struct vfx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->t = tenv_new("govern_uids = all\nmax_age_days = 0\n");
	f->t->cfg.mode = CRM_MODE_AUTHSUCC;
	tenv_sysuser_name(f->name, sizeof(f->name), "v");
	tenv_sysuser_add(f->name, PW1, T0);
	*state = f;
	return 0;
}

static int vfx_teardown(void **state)
{
	struct vfx *f = *state;

	tenv_sysuser_del(f->name);
	tenv_free(f->t);
	free(f);
	return 0;
}

static enum crm_verdict vouched_succ(struct vfx *f, const char *pw)
{
	struct crm_request req = { .user = f->name, .password = pw,
		.reservation = -1, .vouch = 1 };
	struct crm_result res;
	struct crm_error e;

	crm_error_clear(&e);
	if (crm_auth_succ(&f->t->ctx, &req, &res, &e) != CRM_OK)
		fail_msg("auth_succ %s: %s", f->name, e.msg);
	return res.verdict;
}

static void vouched_authsucc_with_the_shadow_password_logs_in(void **state)
{
	struct vfx *f = *state;

	assert_int_equal(vouched_succ(f, PW1), CRM_V_ALLOW);
	assert_true(tenv_has_event(f->t, "login.success", f->name, "type="));
}

static void vouched_authsucc_with_another_password_counts_a_failure(
	void **state)
{
	struct vfx *f = *state;
	struct crm_account a;

	/* First sight: there is no row to count against yet. */
	assert_int_equal(vouched_succ(f, "Not-The-Pass1!"), CRM_V_WRONG);
	assert_int_equal(vouched_succ(f, PW1), CRM_V_ALLOW);
	assert_int_equal(vouched_succ(f, "Not-The-Pass1!"), CRM_V_WRONG);
	tenv_get(f->t, f->name, &a);
	assert_int_equal(a.failures, 1);
	assert_int_equal(tenv_count_events(f->t, "login.success", f->name), 1);
}

static void vouched_authsucc_without_a_password_is_refused(void **state)
{
	struct vfx *f = *state;

	assert_int_equal(vouched_succ(f, NULL), CRM_V_INVALID);
	assert_true(tenv_has_event(f->t, "login.failure", f->name,
		"without a password to check"));
	assert_int_equal(tenv_query_int(f->t, "SELECT coalesce(sum(failures),"
		" 0) FROM accounts", NULL, NULL), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tenv_setup, tenv_teardown)
#define V(f) cmocka_unit_test_setup_teardown(f, vfx_setup, vfx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(acct_answers_while_another_writer_holds_the_lock),
		T(acct_writes_a_lock_that_ran_out),
		T(acct_refuses_and_audits_a_locked_account),
		T(acct_records_a_login_of_the_given_type),
		T(key_login_with_a_forced_change_is_a_login),
		T(acct_without_a_type_records_nothing),
		T(repeated_key_logins_merge),
		T(refused_key_login_records_no_success),
		T(hostile_login_type_is_refused),
		T(acct_keeps_an_expired_password_expired),
		T(prelim_reserves_and_proven_releases_and_clears),
		T(prelim_refuses_a_locked_account),
		T(prelim_waits_for_no_more_than_deny),
		T(proven_keeps_a_lock_taken_meanwhile),
		V(vouched_authsucc_with_the_shadow_password_logs_in),
		V(vouched_authsucc_with_another_password_counts_a_failure),
		V(vouched_authsucc_without_a_password_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
