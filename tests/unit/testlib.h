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

#endif
