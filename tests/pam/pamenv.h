/*
 * Shared harness of the PAM integration tests: re-runs the test binary under
 * pam_wrapper with its own service files, gives each test a fresh store made
 * by the real crmpasswd, and runs scripted conversations through libpamtest.
 */
#ifndef CRM_PAMENV_H
#define CRM_PAMENV_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <security/pam_appl.h>
#include <libpamtest.h>

#include "crmpolicy/otp.h"

#define PENV_MSGS 16

/*
 * A PAM service file; "@MOD@" becomes the module path, "@CONF@" the conf,
 * and in fleet mode "@CONF1@".."@CONF9@" the conf of that host (@CONF@ is
 * host 1's).
 */
struct penv_svc {
	const char *name;
	const char *text;
};

/*
 * Scripted conversation. answers are given in order to echo-off prompts
 * (echo-on prompts get the user name); a NULL answer, or running out of
 * answers, makes the conversation return PAM_CONV_ERR, as a client that
 * hangs up does. Messages and prompts are captured.
 */
struct penv_conv {
	const char *answers[PENV_MSGS];
	size_t nanswered;
	char prompts[PENV_MSGS][128];
	size_t nprompts;
	char *info[PENV_MSGS];		/* pamtest_conv_data.out_info */
	char *err[PENV_MSGS];		/* pamtest_conv_data.out_err */
	size_t ninfo, nerr;
	struct pamtest_conv_data data;
	char buf[2 * PENV_MSGS][PAM_MAX_MSG_SIZE + 1];
	/* When set (after penv_conv_init), the conversation function
	 * penv_run uses instead of penv_conv_fn, with this struct as
	 * appdata: a test that must compute an answer when its prompt comes
	 * wraps penv_conv_fn with it. */
	int (*fn)(int n, const struct pam_message **msg,
		struct pam_response **resp, void *arg);
};

/*
 * Called first in main: without PAM_WRAPPER in the environment, makes the
 * temp dir, writes the service files, runs the binary again under
 * pam_wrapper in a child, removes the dir and exits with the child's
 * status (never returns then); with it, picks the dir up again.
 */
void penv_boot(char **argv, const struct penv_svc *svcs, size_t n);
/* Returns rc for main; the launching process removes the temp dir after
 * the test (unless CRM_KEEP=1), even when the test crashed. */
int penv_finish(int rc);

const char *penv_dir(void);
const char *penv_conf(void);
const char *penv_build(void);

#define PENV_FLEET_MAX 9

/*
 * Fleet mode, called in main before penv_boot: hosts (2..PENV_FLEET_MAX)
 * separate confs, conf-h1 ... conf-hN in the test's dir, identical but for
 * host_name = hN, sharing one store and one key file. The store is a
 * schema of its own per test on the server CRM_TEST_PG names (made by
 * penv_reset, dropped by the next one and at the end); without
 * CRM_TEST_PG the hosts share one SQLite file instead.
 */
void penv_fleet(int hosts);
/* The number of hosts (0: not in fleet mode). */
int penv_fleet_hosts(void);
/* 1 when the fleet's store, or the store of every test, is on PostgreSQL. */
int penv_fleet_pg(void);
/* Skips a test about what only a SQLite store has (its file, pragmas). */
#define PENV_SQLITE_ONLY() do { if (penv_fleet_pg()) skip(); } while (0)
/* The conf of host k (1-based); penv_conf() is host 1's. */
const char *penv_conf_of(int host);

/*
 * A fresh store for one test: removes db and key, writes the conf (the
 * test settings plus extra, may be NULL), the bad-words file, and runs
 * `crmpasswd --conf CONF init`. Use as cmocka setup through penv_setup.
 */
void penv_reset(const char *extra);
int penv_setup(void **state);

/*
 * Runs build/crmpasswd --conf CONF ARGS... (NULL-terminated) with input on
 * its stdin; its stdout+stderr go into out (may be NULL). Returns the exit
 * code (or 128+signal).
 */
int penv_crm(const char *input, char *out, size_t outlen, ...)
	__attribute__((sentinel));
/* The same, failing the test unless the exit code is 0. */
void penv_crm_ok(const char *input, ...) __attribute__((sentinel));
/* penv_crm with the conf of host k (fleet mode). */
int penv_crm_at(int host, const char *input, char *out, size_t outlen, ...)
	__attribute__((sentinel));

/* Adds a standalone user with a password and clears must-change by a real
 * chauthtok through service svc. */
void penv_user(const char *svc, const char *user, const char *initial,
	const char *password);

/*
 * Enrols user in TOTP with secret (len bytes) through the core library on
 * penv_conf()'s store, with the code of the current 30 s step (which is
 * then used up); fills recovery and returns the time of the enrolment.
 */
int64_t penv_totp_enrol(const char *user, const char *secret, size_t len,
	char recovery[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN]);

void penv_conv_init(struct penv_conv *c, ...) __attribute__((sentinel));
/* 1 if some captured info or error message contains needle. */
int penv_conv_has(const struct penv_conv *c, const char *needle);
/* All captured messages, one a line, for failure messages. */
const char *penv_conv_dump(const struct penv_conv *c);

/* The scripted conversation function; appdata is a struct penv_conv. */
int penv_conv_fn(int n, const struct pam_message **msg,
	struct pam_response **resp, void *arg);

/*
 * One PAM transaction: pam_start(service, user), PAM_RHOST = rhost (NULL:
 * unset), then the cases through libpamtest on that handle. Each case's
 * op_rv is filled; returns the pamtest result.
 */
enum pamtest_err penv_run(const char *service, const char *user,
	const char *rhost, struct penv_conv *c, struct pam_testcase *cases,
	size_t n);

/* penv_run that fails the test, naming the case, on an unexpected result. */
void penv_expect_at(const char *file, int line, const char *service,
	const char *user, const char *rhost, struct penv_conv *c,
	struct pam_testcase *cases, size_t n);
#define PENV_EXPECT(svc, user, rhost, conv, ...) do { \
	struct pam_testcase penv_c_[] = { __VA_ARGS__ }; \
	penv_expect_at(__FILE__, __LINE__, svc, user, rhost, conv, penv_c_, \
		sizeof penv_c_ / sizeof penv_c_[0]); \
} while (0)

/* One operation on its own transaction; returns its PAM code. */
int penv_op(const char *service, const char *user, const char *rhost,
	struct penv_conv *c, enum pamtest_ops op, int flags);

/*
 * Sends stderr (where pam_wrapper prints what modules send to syslog) to
 * a file until penv_capture_end, which returns what was written.
 */
void penv_capture_start(void);
const char *penv_capture_end(void);

/*
 * The first column of the first row of sql on the store, with text
 * parameters bound in order (NULL-terminated); -1 when there is no row.
 * On PostgreSQL the parameters ?, ?N become $N: write SQL both engines
 * take (the column logins.user as "user").
 */
int64_t penv_sql(const char *sql, ...) __attribute__((sentinel));
/* The same as text into out; returns 0 when there is no row. */
int penv_sql_text(char *out, size_t len, const char *sql, ...)
	__attribute__((sentinel));
/* Executes sql (no parameters) on the store, failing the test on error. */
void penv_sql_exec(const char *sql);

#define PENV_RACE_N 32

/*
 * Forks PENV_RACE_N children that each open a PAM handle for user on
 * service with PAM_RHOST = rhost, then wait together on one pipe and run
 * pam_authenticate at once, answering password (may be NULL). Fills rcs
 * with their PAM codes (200: no handle, -1: no report); fails the test when
 * a child does not end cleanly.
 */
void penv_race(const char *service, const char *user, const char *password,
	const char *rhost, int rcs[PENV_RACE_N]);
/* penv_race whose children answer the echo-off prompts in turn from
 * answers (NULL-terminated; at most PENV_MSGS - 1), as penv_conv_init. */
void penv_race_answers(const char *service, const char *user,
	const char *const answers[], const char *rhost, int rcs[PENV_RACE_N]);
/*
 * The race across hosts: child i authenticates through services[i % n]
 * with its own copy of c (its answers and, when set, c->fn with c as
 * appdata: a struct that begins with a penv_conv may carry more). during
 * (may be NULL) runs in the parent once the children are let go, before
 * their results are collected; it must not fail the test itself, since
 * the children would be left waiting.
 */
void penv_race_fleet(const char *const services[], size_t n,
	const char *user, const char *rhost, struct penv_conv *c,
	void (*during)(void *), void *arg, int rcs[PENV_RACE_N]);

#endif
