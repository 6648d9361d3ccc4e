/*
 * Shared helpers of the unit tests: a temporary directory with a conf and
 * an open store, a fixed clock, and a logger that records the last line;
 * for the second factor a key file, a known TOTP secret and the fake
 * sendmail whose messages the tests read back.
 */
#ifndef CRM_TESTLIB_H
#define CRM_TESTLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "crmpolicy/config.h"
#include "crmpolicy/context.h"
#include "crmpolicy/key.h"
#include "crmpolicy/otp.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/store.h"

/* 2026-01-01T00:00:00Z: the clock every test starts from. */
#define T0 ((int64_t)1767225600)
#define DAY ((int64_t)86400)

struct tenv {
	char dir[256];		/* temporary directory, removed by tenv_free */
	char conf[300];		/* DIR/crmpolicy.conf */
	struct crm_config cfg;
	struct crm_ctx ctx;	/* open on DIR/crmpolicy.db, now = T0 */
	char lastlog[1024];	/* the last line sent to the logger */
	int nlog;
	/*
	 * With CRM_TEST_BACKEND=postgresql the store is a schema of its own
	 * on the server CRM_TEST_PG names, and pg is the test's own
	 * connection to it for the tenv_* queries.
	 */
	char schema[64];
	void *pg;
};

/* Whether the tests run on PostgreSQL (CRM_TEST_BACKEND=postgresql). */
int tenv_pg(void);
/* Skips the calling test on PostgreSQL: it checks SQLite's own ways. */
#define TENV_SQLITE_ONLY() do { if (tenv_pg()) skip(); } while (0)

/*
 * Creates the directory and a conf holding conf_text (may be NULL) plus
 * "db = DIR/crmpolicy.db", the cheapest hash cost and badwords_file =
 * DIR/badwords; loads it and opens the store. Fails the test on error.
 */
struct tenv *tenv_new(const char *conf_text);
/*
 * Closes the store and opens it again with the key file as it is now, as
 * the next PAM call would; the clock, actor and logger are kept. Returns
 * what crm_ctx_open returned (err filled).
 */
int tenv_reopen(struct tenv *t, struct crm_error *err);
/* Closes the store, removes the directory, frees. */
void tenv_free(struct tenv *t);
/* Writes text to DIR/name (mode 0644) and returns the full path (static buffer per call site not needed: malloc'd). */
char *tenv_write(struct tenv *t, const char *name, const char *text);
/* cmocka setup/teardown wrappers using *state. */
int tenv_setup(void **state);
int tenv_teardown(void **state);

/* The effective policy of user; fails the test on error. */
void tenv_resolve(struct tenv *t, const char *user, struct crm_policy *pol);
/* A zeroed account named name, created at T0 (not stored). */
void tenv_blank(struct crm_account *a, const char *name);
/* Stores an account created at T0, with password pw (if not NULL) set at ctx.now. */
void tenv_add_user(struct tenv *t, const char *name, const char *pw);
/* Loads the stored account name; fails the test if there is none. */
void tenv_get(struct tenv *t, const char *name, struct crm_account *a);
/* Number of audit rows with event about subject. */
long long tenv_count_events(struct tenv *t, const char *event,
	const char *subject);

/* The first column of the one-row query sql, text p1/p2 bound to ?1/?2 unless NULL. */
long long tenv_query_int(struct tenv *t, const char *sql, const char *p1,
	const char *p2);
/* Executes sql on the store, failing the test (with SQLite's message) on error. */
void tenv_exec_ok(struct tenv *t, const char *sql);
/* 1 if some audit row about subject has event and details containing what. */
int tenv_has_event(struct tenv *t, const char *event, const char *subject,
	const char *what);

/* The text of the file at path (malloc'd), or NULL if it cannot be read. */
char *tenv_slurp(const char *path);
/*
 * Copies tests/data/fake-sendmail (run from the source tree) to
 * DIR/fake-sendmail and sets "sendmail = " that copy through the conf
 * setter. Returns the file it appends each message to,
 * DIR/fake-sendmail.out (malloc'd).
 */
char *tenv_fake_sendmail(struct tenv *t);
/*
 * The code of the last message in the fake sendmail's file out: the
 * last line of four spaces and digits. Fails the test if there is none.
 */
void tenv_mailed_code(const char *out, char *code, size_t len);

/*
 * Throwaway system accounts, for the tests of passwords that live in
 * /etc/shadow (root only). tenv_sysuser_name gives a unique name
 * (crmt_<pid>_<tag>); tenv_sysuser_add runs useradd (no home), sets the
 * password pw (a yescrypt hash, chpasswd -e) unless NULL, then the last
 * change with chage -d: the day of when (UTC), or 0 for "must change"
 * (when == 0). Fails the
 * test on error. tenv_sysuser_del runs userdel; call it from a teardown
 * so that the account goes even when the test fails.
 */
void tenv_sysuser_name(char *buf, size_t len, const char *tag);
/* A yescrypt hash of pw with a random salt, as passwd would make it. */
void tenv_sysuser_hash(const char *pw, char *hash, size_t len);
void tenv_sysuser_add(const char *name, const char *pw, int64_t when);
void tenv_sysuser_del(const char *name);
/* Sets the password in /etc/shadow, as pam_unix would (last change today). */
void tenv_sysuser_passwd(const char *name, const char *pw);
/* chage -d for an existing account, as tenv_sysuser_add does it. */
void tenv_sysuser_age(const char *name, int64_t when);

/* The second factor: a key file and a TOTP secret the tests know. */
#define TENV_SECRET_LEN 20
extern const unsigned char tenv_secret[TENV_SECRET_LEN];
/*
 * Creates the key file of the conf (DIR/crmpolicy.key) with
 * crm_admin_init if it is missing, and loads it into key unless key is
 * NULL. Fails the test on error.
 */
void tenv_key(struct tenv *t, unsigned char key[CRM_KEY_BYTES]);
/* The 6-digit TOTP code of tenv_secret at when, computed by liboath. */
void tenv_totp_code(int64_t when, char code[7]);
/* A wrong code of the same length: each digit of code moved on by one. */
void tenv_other_code(const char *code, char *out);
/*
 * Enrols the stored account user with tenv_secret and the code of
 * ctx.now (creating the key file first); its recovery codes go to codes
 * unless NULL. Fails the test on error.
 */
void tenv_enroll(struct tenv *t, const char *user,
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN]);

#endif
