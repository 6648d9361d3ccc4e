/*
 * The lockout under concurrency: 32 processes authenticate one account at
 * the same moment through the real libpam. No more than deny passwords may
 * be checked, the count must end at exactly deny, and no SQLITE_BUSY may
 * reach a user as PAM_AUTHINFO_UNAVAIL.
 */
#include "pamenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INIT "Init1al!Pw"
#define PW1 "Corr3ct!Horse"
#define WRONG "Wr0ng!Guess"
#define SET_ITEMS "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so"
#define NPROC PENV_RACE_N
#define DENY 3

static const struct penv_svc services[] = {
	{ "standalone",
	  "auth     required @MOD@ conf=@CONF@\n"
	  "account  required @MOD@ conf=@CONF@\n"
	  "password required @MOD@ conf=@CONF@\n"
	  "session  required @MOD@ conf=@CONF@\n" },
	{ "stacked-deny",
	  "auth requisite @MOD@ conf=@CONF@ preauth\n"
	  "auth optional " SET_ITEMS "\n"
	  "auth [success=1 default=ignore] pam_deny.so\n"
	  "auth [default=die] @MOD@ conf=@CONF@ authfail\n"
	  "auth required @MOD@ conf=@CONF@ authsucc\n"
	  "account required @MOD@ conf=@CONF@\n" },
};

/* IP throttling off: this is about the account, all from one address. */
/* daemon (uid 1), the stacked test's system account, is governed. */
static const char *race_conf = "ip_deny = 0\ndeny = 3\ngovern_uids = 1\n";

static int64_t count_events(const char *user, const char *like)
{
	return penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'login.failure' AND subject = ? AND details LIKE ?", user, like,
		NULL);
}

static void concurrent_wrong_passwords_check_at_most_deny(void **state)
{
	int rcs[NPROC];

	(void)state;
	penv_user("standalone", "racer", INIT, PW1);
	penv_race("standalone", "racer", WRONG, "127.0.10.5", rcs);
	for (int i = 0; i < NPROC; i++) {
		if (rcs[i] != PAM_AUTH_ERR) {
			print_error("child %d: %s (%d)\n", i,
				rcs[i] < 64 ? pam_strerror(NULL, rcs[i]) : "?",
				rcs[i]);
			fail();
		}
	}
	assert_int_equal(penv_sql("SELECT failures FROM accounts WHERE "
		"name = 'racer'", NULL), DENY);
	assert_true(penv_sql("SELECT locked_at FROM accounts WHERE "
		"name = 'racer'", NULL) > 0);
	assert_int_equal(count_events("racer", "%"), NPROC);
	assert_true(count_events("racer", "%wrong password%") <= DENY);
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'lock' AND subject = 'racer'", NULL), 1);
	/* No reservation outlives its login. */
	assert_int_equal(penv_sql("SELECT count(*) FROM reservations", NULL), 0);
	/* Locked: the right password no longer opens it. */
	assert_int_equal(penv_op("standalone", "racer", NULL, NULL,
		PAMTEST_ACCOUNT, 0), PAM_PERM_DENIED);
}

static void concurrent_right_passwords_all_succeed(void **state)
{
	int rcs[NPROC];

	(void)state;
	penv_user("standalone", "racer", INIT, PW1);
	penv_race("standalone", "racer", PW1, "127.0.11.5", rcs);
	for (int i = 0; i < NPROC; i++) {
		if (rcs[i] != PAM_SUCCESS) {
			print_error("child %d: %s (%d)\n", i,
				rcs[i] < 64 ? pam_strerror(NULL, rcs[i]) : "?",
				rcs[i]);
			fail();
		}
	}
	assert_int_equal(penv_sql("SELECT failures FROM accounts WHERE "
		"name = 'racer'", NULL), 0);
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'login.success' AND subject = 'racer'", NULL), NPROC);
}

static void concurrent_stacked_failures_count_exactly_deny(void **state)
{
	int rcs[NPROC];

	(void)state;
	setenv("PAM_AUTHTOK", WRONG, 1);
	penv_race("stacked-deny", "daemon", NULL, "127.0.12.5", rcs);
	unsetenv("PAM_AUTHTOK");
	for (int i = 0; i < NPROC; i++) {
		if (rcs[i] != PAM_AUTH_ERR) {
			print_error("child %d: %s (%d)\n", i,
				rcs[i] < 64 ? pam_strerror(NULL, rcs[i]) : "?",
				rcs[i]);
			fail();
		}
	}
	assert_int_equal(penv_sql("SELECT count(*) FROM accounts WHERE "
		"name = 'daemon'", NULL), 1);
	assert_int_equal(penv_sql("SELECT failures FROM accounts WHERE "
		"name = 'daemon'", NULL), DENY);
	assert_true(penv_sql("SELECT locked_at FROM accounts WHERE "
		"name = 'daemon'", NULL) > 0);
	assert_true(count_events("daemon", "%wrong password%") <= DENY);
	assert_int_equal(penv_sql("SELECT count(*) FROM reservations", NULL), 0);
}

#define T(f) cmocka_unit_test_prestate_setup_teardown(f, penv_setup, NULL, \
	(void *)race_conf)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(concurrent_wrong_passwords_check_at_most_deny),
		T(concurrent_right_passwords_all_succeed),
		T(concurrent_stacked_failures_count_exactly_deny),
	};

	(void)argc;
	unsetenv("PAM_AUTHTOK");
	penv_boot(argv, services, sizeof services / sizeof services[0]);
	return penv_finish(cmocka_run_group_tests_name("pam_lockout_race",
		tests, NULL, NULL));
}
