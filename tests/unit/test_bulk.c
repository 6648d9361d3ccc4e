/*
 * The bulk filler of the benchmarks: its rows are what it says, its audit
 * rows verify as a chain the audit trail's own code accepts, and it will
 * not touch a store that already has a trail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crmpolicy/audit.h"
#include "crmpolicy/bulk.h"
#include "testlib.h"



static const struct crm_bulk_spec spec = {
	"bulk", 120, 900, 700, T0, T0 + 86400 * 30, 42
};

static void fills_accounts_history_and_a_sealed_trail(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;
	struct crm_error e;

	assert_int_equal(crm_bulk_fill(&t->ctx, &spec, &e), CRM_OK);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM accounts",
		NULL, NULL), 120);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM logins",
		NULL, NULL), 900);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM audit",
		NULL, NULL), 700);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM accounts"
		" WHERE name = ?1", "bulk000120", NULL), 1);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM audit WHERE"
		" hash IS NULL OR length(hash) != 32", NULL, NULL), 0);
	assert_int_equal(crm_audit_verify(t->ctx.db, t->ctx.audit_key, &rep,
		&e), CRM_OK);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, 700);
	assert_int_equal(rep.last_id, 700);
	/* The next event written the usual way continues the chain. */
	assert_int_equal(crm_audit_add(&t->ctx, "lock", "bulk000001", "%s", ""),
		CRM_OK);
	assert_int_equal(crm_audit_verify(t->ctx.db, t->ctx.audit_key, &rep,
		&e), CRM_OK);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, 701);
	/* The store is back in WAL with its indexes. */
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM sqlite_master"
		" WHERE type = 'index' AND name = 'audit_subject'", NULL, NULL), 1);
	assert_int_equal(tenv_query_int(t, "SELECT journal_mode = 'wal' FROM"
		" pragma_journal_mode", NULL, NULL), 1);
}

static void same_seed_same_rows(void **state)
{
	struct tenv *t = *state, *u = tenv_new(NULL);
	struct crm_error e;
	const char *q = "SELECT sum(length(subject) * id + time) FROM audit";

	assert_int_equal(crm_bulk_fill(&t->ctx, &spec, &e), CRM_OK);
	assert_int_equal(crm_bulk_fill(&u->ctx, &spec, &e), CRM_OK);
	assert_int_equal(tenv_query_int(t, q, NULL, NULL),
		tenv_query_int(u, q, NULL, NULL));
	tenv_free(u);
}

static void a_store_with_a_trail_is_refused_and_untouched(void **state)
{
	struct tenv *t = *state;
	struct crm_audit_report rep;
	struct crm_error e;

	assert_int_equal(crm_audit_add(&t->ctx, "user.add", "alice", "%s", ""),
		CRM_OK);
	assert_int_equal(crm_bulk_fill(&t->ctx, &spec, &e), CRM_EEXIST);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM accounts",
		NULL, NULL), 0);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM logins",
		NULL, NULL), 0);
	assert_int_equal(crm_audit_verify(t->ctx.db, t->ctx.audit_key, &rep,
		&e), CRM_OK);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, 1);
}

static void bad_counts_are_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_bulk_spec s = spec;
	struct crm_error e;

	s.accounts = 0;
	assert_int_equal(crm_bulk_fill(&t->ctx, &s, &e), CRM_EINVAL);
	s = spec;
	s.last = s.first - 1;
	assert_int_equal(crm_bulk_fill(&t->ctx, &s, &e), CRM_EINVAL);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM audit",
		NULL, NULL), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tenv_setup, tenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(fills_accounts_history_and_a_sealed_trail),
		T(same_seed_same_rows),
		T(a_store_with_a_trail_is_refused_and_untouched),
		T(bad_counts_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
