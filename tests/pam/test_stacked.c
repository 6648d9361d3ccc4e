/*
 * Stacked mode through the real libpam: crmpolicy around another module
 * (pam_permit, pam_deny or the real pam_unix in pam_unix's place), rows on
 * first sight, lockout of NSS users and root, the session greeting, the
 * expiry warning and the stacked password change.
 */
#include "pamenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INIT "Init1al!Pw"
#define PW1 "Corr3ct!Horse"
#define PW2 "An0ther#Pass"
#define WRONG "Wr0ng!Guess"
#define NSS_USER "daemon"	/* in /etc/passwd on every Debian system */
#define SET_ITEMS "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so"

/* pam_permit closes the account and session stacks, as pam_unix and
 * pam_permit do in common-account: a PAM_IGNORE from the module then
 * leaves the decision to them. */
#define STACK_HEAD "auth requisite @MOD@ conf=@CONF@ preauth\n"
#define STACK_TAIL \
	"auth [default=die] @MOD@ conf=@CONF@ authfail\n" \
	"auth required @MOD@ conf=@CONF@ authsucc\n" \
	"account required @MOD@ conf=@CONF@\n" \
	"account required pam_permit.so\n" \
	"password requisite @MOD@ conf=@CONF@\n" \
	"password [success=1 default=ignore] pam_permit.so use_authtok\n" \
	"password requisite pam_deny.so\n" \
	"password required @MOD@ conf=@CONF@ commit\n" \
	"session required @MOD@ conf=@CONF@\n" \
	"session required pam_permit.so\n"

static const struct penv_svc services[] = {
	/* pam_unix said yes. */
	{ "stacked-permit", STACK_HEAD
	  "auth [success=1 default=ignore] pam_permit.so\n" STACK_TAIL },
	/* pam_unix was given a password (PAM_AUTHTOK from the environment,
	 * as pam_unix leaves it) and said no. */
	{ "stacked-deny", STACK_HEAD
	  "auth optional " SET_ITEMS "\n"
	  "auth [success=1 default=ignore] pam_deny.so\n" STACK_TAIL },
	/* Refused before any password was asked for. */
	{ "stacked-deny-noauthtok", STACK_HEAD
	  "auth [success=1 default=ignore] pam_deny.so\n" STACK_TAIL },
	/* The real pam_unix against /etc/shadow. */
	{ "stacked-unix", STACK_HEAD
	  "auth [success=1 default=ignore] pam_unix.so nodelay\n" STACK_TAIL },
	{ "standalone",
	  "auth     required @MOD@ conf=@CONF@\n"
	  "account  required @MOD@ conf=@CONF@\n"
	  "password required @MOD@ conf=@CONF@\n"
	  "session  required @MOD@ conf=@CONF@\n" },
};

/*
 * daemon (uid 1) and root are governed only when listed; their passwords
 * in /etc/shadow are as old as the system, so these tests let them age.
 */
static const char *ok_conf = "ip_deny = 0\ngovern_uids = 0,1\n"
	"max_age_days = 0\n";
static const char *root_conf = "ip_deny = 0\neven_deny_root = yes\n"
	"govern_uids = 0,1\nmax_age_days = 0\n";
static const char *default_conf = "ip_deny = 1\n";

static int64_t col(const char *column, const char *user)
{
	char sql[200];

	snprintf(sql, sizeof sql, "SELECT %s FROM accounts WHERE name = ?",
		column);
	return penv_sql(sql, user, NULL);
}

static void login_ok(const char *user, const char *rhost, struct penv_conv *c)
{
	PENV_EXPECT("stacked-permit", user, rhost, c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS));
}

/* pam_unix got a wrong password: the stack must refuse. */
static int wrong_login(const char *user, const char *rhost)
{
	int rc;

	setenv("PAM_AUTHTOK", WRONG, 1);
	rc = penv_op("stacked-deny", user, rhost, NULL, PAMTEST_AUTHENTICATE, 0);
	unsetenv("PAM_AUTHTOK");
	return rc;
}

static void creates_the_row_of_an_nss_user_on_first_sight(void **state)
{
	(void)state;
	assert_int_equal(penv_sql("SELECT count(*) FROM accounts WHERE "
		"name = ?", NSS_USER, NULL), 0);
	login_ok(NSS_USER, "127.0.1.5", NULL);
	assert_int_equal(col("origin", NSS_USER), 1);
	assert_true(col("last_login", NSS_USER) > 0);
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'user.add' AND subject = ?", NSS_USER, NULL), 1);
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'login.success' AND subject = ?", NSS_USER, NULL), 1);
	/* The second login reuses the row. */
	login_ok(NSS_USER, "127.0.1.5", NULL);
	assert_int_equal(penv_sql("SELECT count(*) FROM accounts", NULL), 1);
}

static void gives_no_row_to_a_user_outside_nss(void **state)
{
	(void)state;
	/* Not ours: every phase ignores it (libpam then refuses, as the
	 * jump over authfail sets no result). */
	assert_int_not_equal(penv_op("stacked-permit", "ghost-user", NULL, NULL,
		PAMTEST_AUTHENTICATE, 0), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(penv_sql("SELECT count(*) FROM accounts", NULL), 0);
}

static void counts_pam_unix_refusals_and_locks_at_three(void **state)
{
	(void)state;
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(wrong_login(NSS_USER, "127.0.2.5"),
			PAM_AUTH_ERR);
		assert_int_equal(col("failures", NSS_USER), i);
	}
	assert_true(col("locked_at", NSS_USER) > 0);
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'lock' AND subject = ?", NSS_USER, NULL), 1);
	/* Even when pam_unix says yes, preauth refuses the locked account. */
	assert_int_equal(penv_op("stacked-permit", NSS_USER, "127.0.2.5", NULL,
		PAMTEST_AUTHENTICATE, 0), PAM_AUTH_ERR);
	assert_int_equal(penv_op("stacked-permit", NSS_USER, "127.0.2.5", NULL,
		PAMTEST_ACCOUNT, 0), PAM_PERM_DENIED);
	assert_int_equal(col("failures", NSS_USER), 3);
	penv_crm_ok(NULL, "user", "unlock", NSS_USER, NULL);
	login_ok(NSS_USER, "127.0.2.5", NULL);
	assert_int_equal(col("failures", NSS_USER), 0);
}

static void success_clears_the_count(void **state)
{
	(void)state;
	assert_int_equal(wrong_login(NSS_USER, NULL), PAM_AUTH_ERR);
	assert_int_equal(wrong_login(NSS_USER, NULL), PAM_AUTH_ERR);
	login_ok(NSS_USER, NULL, NULL);
	assert_int_equal(wrong_login(NSS_USER, NULL), PAM_AUTH_ERR);
	assert_int_equal(wrong_login(NSS_USER, NULL), PAM_AUTH_ERR);
	assert_int_equal(col("locked_at", NSS_USER), 0);
	login_ok(NSS_USER, NULL, NULL);
}

static void refusal_without_a_password_counts_nothing(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(penv_op("stacked-deny-noauthtok", NSS_USER,
			NULL, NULL, PAMTEST_AUTHENTICATE, 0), PAM_AUTH_ERR);
	assert_int_equal(col("failures", NSS_USER), 0);
	assert_int_equal(col("locked_at", NSS_USER), 0);
	login_ok(NSS_USER, NULL, NULL);
}

static void counts_a_wrong_password_given_to_the_real_pam_unix(void **state)
{
	struct penv_conv c;

	(void)state;
	penv_conv_init(&c, WRONG, NULL);
	assert_int_equal(penv_op("stacked-unix", NSS_USER, "127.0.3.5", &c,
		PAMTEST_AUTHENTICATE, 0), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 1);
	assert_int_equal(col("failures", NSS_USER), 1);
}

static void does_not_lock_root_without_even_deny_root(void **state)
{
	(void)state;
	for (int i = 0; i < 5; i++)
		assert_int_equal(wrong_login("root", "127.0.4.5"), PAM_AUTH_ERR);
	assert_int_equal(col("locked_at", "root"), 0);
	login_ok("root", "127.0.4.5", NULL);
}

static void locks_root_with_even_deny_root(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(wrong_login("root", "127.0.5.5"), PAM_AUTH_ERR);
	assert_true(col("locked_at", "root") > 0);
	assert_int_equal(penv_op("stacked-permit", "root", "127.0.5.5", NULL,
		PAMTEST_AUTHENTICATE, 0), PAM_AUTH_ERR);
	penv_crm_ok(NULL, "user", "unlock", "root", NULL);
	login_ok("root", "127.0.5.5", NULL);
}

static void session_open_tells_last_login_and_failures(void **state)
{
	struct penv_conv c;

	(void)state;
	login_ok(NSS_USER, "127.0.6.5", NULL);
	assert_int_equal(wrong_login(NSS_USER, "127.0.7.5"), PAM_AUTH_ERR);
	assert_int_equal(wrong_login(NSS_USER, "127.0.7.5"), PAM_AUTH_ERR);
	penv_conv_init(&c, NULL);
	login_ok(NSS_USER, "127.0.8.5", &c);
	if (!penv_conv_has(&c, "Last login: ")
	    || !penv_conv_has(&c, " from 127.0.6.5")
	    || !penv_conv_has(&c,
		"2 failed login attempts since your last login.")) {
		print_error("greeting:\n%s", penv_conv_dump(&c));
		fail();
	}
	/* Under PAM_SILENT the session says nothing. */
	penv_conv_init(&c, NULL);
	PENV_EXPECT("stacked-permit", NSS_USER, "127.0.9.5", &c,
		pam_test_flags(PAMTEST_AUTHENTICATE, PAM_SUCCESS, PAM_SILENT),
		pam_test_flags(PAMTEST_ACCOUNT, PAM_SUCCESS, PAM_SILENT),
		pam_test_flags(PAMTEST_OPEN_SESSION, PAM_SUCCESS, PAM_SILENT));
	assert_int_equal(c.ninfo + c.nerr, 0);
}

static void warns_of_expiry_unless_silent(void **state)
{
	struct penv_conv c;

	(void)state;
	penv_user("standalone", "alice", INIT, PW1);
	penv_conv_init(&c, PW1, NULL);
	PENV_EXPECT("standalone", "alice", NULL, &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS));
	assert_false(penv_conv_has(&c, "Password expires in"));

	penv_crm_ok(NULL, "policy", "set", "--user", "alice", "max_age_days=5",
		NULL);
	penv_conv_init(&c, PW1, NULL);
	PENV_EXPECT("standalone", "alice", NULL, &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS));
	if (!penv_conv_has(&c, "Password expires in 4 days.")
	    && !penv_conv_has(&c, "Password expires in 5 days.")) {
		print_error("no warning:\n%s", penv_conv_dump(&c));
		fail();
	}
	penv_conv_init(&c, PW1, NULL);
	PENV_EXPECT("standalone", "alice", NULL, &c,
		pam_test_flags(PAMTEST_AUTHENTICATE, PAM_SUCCESS, PAM_SILENT),
		pam_test_flags(PAMTEST_ACCOUNT, PAM_SUCCESS, PAM_SILENT));
	assert_int_equal(c.ninfo + c.nerr, 0);
}

static void stacked_change_checks_quality_and_history(void **state)
{
	struct penv_conv c;

	(void)state;
	login_ok(NSS_USER, NULL, NULL);
	penv_conv_init(&c, "password", "password", NULL);
	PENV_EXPECT("stacked-permit", NSS_USER, NULL, &c,
		pam_test(PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR));
	assert_true(penv_conv_has(&c, "must contain a digit"));
	assert_int_equal(penv_sql("SELECT count(*) FROM pw_history h JOIN "
		"accounts a ON a.id = h.account_id WHERE a.name = ?", NSS_USER,
		NULL), 0);

	penv_conv_init(&c, PW1, PW1, NULL);
	PENV_EXPECT("stacked-permit", NSS_USER, NULL, &c,
		pam_test(PAMTEST_CHAUTHTOK, PAM_SUCCESS));
	assert_int_equal(penv_sql("SELECT count(*) FROM pw_history h JOIN "
		"accounts a ON a.id = h.account_id WHERE a.name = ?", NSS_USER,
		NULL), 1);
	/* The store keeps no password of its own for a stacked account. */
	assert_int_equal(penv_sql("SELECT length(pw_hash) FROM accounts WHERE "
		"name = ?", NSS_USER, NULL), 0);

	penv_conv_init(&c, PW1, PW1, NULL);
	PENV_EXPECT("stacked-permit", NSS_USER, NULL, &c,
		pam_test(PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR));
	assert_true(penv_conv_has(&c, "was used recently"));
	penv_conv_init(&c, PW2, PW2, NULL);
	PENV_EXPECT("stacked-permit", NSS_USER, NULL, &c,
		pam_test(PAMTEST_CHAUTHTOK, PAM_SUCCESS));
}

/*
 * daemon (uid 1) is outside the default govern_uids (login.defs): each
 * line answers what lets the stack go on as if the module were absent,
 * whatever pam_unix decides, and the store is left as it was.
 */
static void ungoverned_account_passes_untouched(void **state)
{
	struct penv_conv c;

	(void)state;
	/* pam_unix (here pam_deny) refuses: the stack fails, nothing counts. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(wrong_login(NSS_USER, "127.0.10.5"),
			PAM_AUTH_ERR);
	/* pam_unix (here pam_permit) accepts: preauth ignores, authsucc
	 * agrees, account and session ignore. */
	penv_conv_init(&c, NULL);
	PENV_EXPECT("stacked-permit", NSS_USER, "127.0.10.5", &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS));
	assert_false(penv_conv_has(&c, "Last login"));
	/* The password lines take the new password without the policy. */
	penv_conv_init(&c, "password", "password", NULL);
	PENV_EXPECT("stacked-permit", NSS_USER, NULL, &c,
		pam_test(PAMTEST_CHAUTHTOK, PAM_SUCCESS));
	assert_int_equal(penv_op("stacked-permit", "root", NULL, NULL,
		PAMTEST_AUTHENTICATE, 0), PAM_SUCCESS);
	assert_int_equal(penv_sql("SELECT (SELECT count(*) FROM accounts) + "
		"(SELECT count(*) FROM pw_history) + (SELECT count(*) FROM "
		"logins) + (SELECT count(*) FROM ip_failures) + (SELECT "
		"count(*) FROM reservations)", NULL), 0);
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE subject "
		"IN ('daemon', 'root')", NULL), 0);
}

#define T(f, conf) cmocka_unit_test_prestate_setup_teardown(f, penv_setup, \
	NULL, (void *)(conf))

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(creates_the_row_of_an_nss_user_on_first_sight, ok_conf),
		T(gives_no_row_to_a_user_outside_nss, ok_conf),
		T(counts_pam_unix_refusals_and_locks_at_three, ok_conf),
		T(success_clears_the_count, ok_conf),
		T(refusal_without_a_password_counts_nothing, ok_conf),
		T(counts_a_wrong_password_given_to_the_real_pam_unix, ok_conf),
		T(does_not_lock_root_without_even_deny_root, ok_conf),
		T(locks_root_with_even_deny_root, root_conf),
		T(session_open_tells_last_login_and_failures, ok_conf),
		T(warns_of_expiry_unless_silent, ok_conf),
		T(stacked_change_checks_quality_and_history, ok_conf),
		T(ungoverned_account_passes_untouched, default_conf),
	};

	(void)argc;
	unsetenv("PAM_AUTHTOK");
	penv_boot(argv, services, sizeof services / sizeof services[0]);
	return penv_finish(cmocka_run_group_tests_name("pam_stacked", tests,
		NULL, NULL));
}
