/*
 * The lockout under concurrency: 32 processes authenticate one account at
 * the same moment through the real libpam. No more than deny passwords may
 * be checked, the count must end at exactly deny, and no SQLITE_BUSY may
 * reach a user as PAM_AUTHINFO_UNAVAIL.
 */
#include "pamenv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define INIT "Init1al!Pw"
#define PW1 "Corr3ct!Horse"
#define WRONG "Wr0ng!Guess"
#define SET_ITEMS "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so"
#define NPROC 32
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
static const char *race_conf = "ip_deny = 0\ndeny = 3\n";

/*
 * Forks NPROC children that each open a PAM handle for user on service,
 * then wait together on one pipe and run pam_authenticate with password at
 * once. Fills rcs with their PAM codes.
 *
 * pam_wrapper sets itself up again in every child (a directory picked by
 * lstat then mkdir), so the children are started one after another and
 * each reports ready once its handle exists; the authentications then run
 * together. Children leave through exit() so that pam_wrapper removes its
 * directory, and report their code through a pipe.
 */
struct result {
	int idx;
	int rc;
};

static void child(int idx, const char *service, const char *user,
	const char *password, const char *rhost, int gate, int ready, int out)
{
	struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS) };
	struct penv_conv c;
	struct pam_conv conv;
	struct result r = { idx, 200 };
	pam_handle_t *ph = NULL;
	char b = 'r';

	penv_conv_init(&c, password, NULL);
	conv.conv = penv_conv_fn;
	conv.appdata_ptr = &c;
	if (pam_start(service, user, &conv, &ph) == PAM_SUCCESS
	    && pam_set_item(ph, PAM_RHOST, rhost) == PAM_SUCCESS) {
		if (write(ready, &b, 1) != 1)
			exit(1);
		/* EOF when the parent closes its end: all go at once. */
		while (read(gate, &b, 1) < 0 && errno == EINTR)
			;
		if (_pamtest_conv(service, user, penv_conv_fn, &c, tc, 1, ph)
		    <= PAMTEST_ERR_CASE)
			r.rc = tc[0].op_rv;
	} else if (write(ready, &b, 1) != 1) {
		exit(1);
	}
	if (write(out, &r, sizeof r) != (ssize_t)sizeof r)
		exit(1);
	exit(0);
}

static void race(const char *service, const char *user, const char *password,
	const char *rhost, int rcs[NPROC])
{
	int gate[2], ready[2], out[2];
	pid_t pids[NPROC];
	struct result r;
	char b;

	assert_int_equal(pipe(gate), 0);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(out), 0);
	for (int i = 0; i < NPROC; i++) {
		rcs[i] = -1;
		fflush(NULL);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(gate[1]);
			close(ready[0]);
			close(out[0]);
			child(i, service, user, password, rhost, gate[0],
				ready[1], out[1]);
		}
		assert_int_equal(read(ready[0], &b, 1), 1);
	}
	close(gate[0]);
	close(ready[0]);
	close(ready[1]);
	close(out[1]);
	close(gate[1]);
	while (read(out[0], &r, sizeof r) == (ssize_t)sizeof r)
		if (r.idx >= 0 && r.idx < NPROC)
			rcs[r.idx] = r.rc;
	close(out[0]);
	for (int i = 0; i < NPROC; i++) {
		int status;
		while (waitpid(pids[i], &status, 0) < 0)
			assert_int_equal(errno, EINTR);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			print_error("child %d ended with status %#x\n", i,
				status);
			fail();
		}
	}
}

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
	race("standalone", "racer", WRONG, "127.0.10.5", rcs);
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
	race("standalone", "racer", PW1, "127.0.11.5", rcs);
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
	race("stacked-deny", "daemon", NULL, "127.0.12.5", rcs);
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
