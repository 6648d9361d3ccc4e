/*
 * Shared helpers of the unit tests: a temporary directory with a conf and
 * an open store, a fixed clock, and a logger that records the last line.
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
};

/*
 * Creates the directory and a conf holding conf_text (may be NULL) plus
 * "db = DIR/crmpolicy.db", the cheapest hash cost and badwords_file =
 * DIR/badwords; loads it and opens the store. Fails the test on error.
 */
struct tenv *tenv_new(const char *conf_text);
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

#endif
