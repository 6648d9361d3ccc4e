/*
 * Unit tests of lib/helper.c: helper_services binds a PAM service to the
 * one user allowed to use it through crmpolicy_helper, checked against
 * the caller's real uid, and a refusal is audited.
 */
#include "testlib.h"

#include <string.h>

#include "crmpolicy/helper.h"
#include "crmpolicy/nss.h"

static void set_services(struct tenv *t, const char *value)
{
	struct crm_error e;

	if (crm_config_set(&t->cfg, "helper_services", value, "test", &e))
		fail_msg("helper_services: %s", e.msg);
}

static void binds_service_to_its_user_only(void **state)
{
	struct tenv *t = *state;

	set_services(t, "crm-web:www-data, sip:kamailio");
	assert_true(crm_helper_bound(&t->cfg, "crm-web", "www-data"));
	assert_true(crm_helper_bound(&t->cfg, "sip", "kamailio"));
	assert_false(crm_helper_bound(&t->cfg, "sip", "www-data"));
	assert_false(crm_helper_bound(&t->cfg, "crm-web", "kamailio"));
	assert_false(crm_helper_bound(&t->cfg, "crm", "www-data"));
	assert_false(crm_helper_bound(&t->cfg, "crm-web", "www"));
	assert_false(crm_helper_bound(&t->cfg, "crm-web", "www-data2"));
	assert_false(crm_helper_bound(&t->cfg, "crm-web:www-data", ""));
	assert_false(crm_helper_bound(&t->cfg, NULL, "www-data"));
}

static void empty_list_binds_nothing(void **state)
{
	struct tenv *t = *state;

	assert_false(crm_helper_bound(&t->cfg, "crm-web", "www-data"));
	assert_false(crm_helper_bound(&t->cfg, "", ""));
}

static void admits_the_bound_uid(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	int allowed = 0;

	set_services(t, "crm-web:root");
	t->ctx.service = "crm-web";
	assert_int_equal(crm_helper_admit(&t->ctx, "alice", 0, &allowed, &e),
		CRM_OK);
	assert_true(allowed);
	assert_int_equal(tenv_count_events(t, "helper.refused", "alice"), 0);
}

static void refuses_and_audits_any_other_uid(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	int allowed = 1;

	set_services(t, "crm-web:root");
	t->ctx.service = "crm-web";
	assert_int_equal(crm_helper_admit(&t->ctx, "alice", 65534, &allowed,
		&e), CRM_OK);
	assert_false(allowed);
	assert_true(tenv_has_event(t, "helper.refused", "alice",
		"uid=65534 caller=nobody"));
	/* A uid without a name cannot be bound to anything. */
	assert_int_equal(crm_helper_admit(&t->ctx, NULL, 54321, &allowed, &e),
		CRM_OK);
	assert_false(allowed);
	assert_true(tenv_has_event(t, "helper.refused", "",
		"uid=54321 caller=?"));
}

static void refuses_the_bound_user_on_another_service(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	int allowed = 1;

	set_services(t, "crm-web:root");
	t->ctx.service = "sshd";
	assert_int_equal(crm_helper_admit(&t->ctx, "alice", 0, &allowed, &e),
		CRM_OK);
	assert_false(allowed);
	assert_int_equal(tenv_count_events(t, "helper.refused", "alice"), 1);
}

static void refusal_that_cannot_be_audited_is_an_error(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	int allowed = 1;

	t->ctx.service = "crm-web";
	if (tenv_pg()) {
		tenv_exec_ok(t, "CREATE FUNCTION audit_refused() RETURNS"
			" trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION"
			" 'audit refused'; END $$");
		tenv_exec_ok(t, "CREATE TRIGGER no_audit BEFORE INSERT ON"
			" audit FOR EACH ROW EXECUTE FUNCTION audit_refused()");
	} else {
		tenv_exec_ok(t, "CREATE TRIGGER no_audit BEFORE INSERT ON"
			" audit BEGIN SELECT RAISE(ABORT, 'audit refused'); END");
	}
	assert_int_equal(crm_helper_admit(&t->ctx, "alice", 65534, &allowed,
		&e), CRM_ESTORE);
	assert_false(allowed);
}

static void names_a_uid(void **state)
{
	char name[64];
	struct crm_error e;
	int found = 0;

	(void)state;
	assert_int_equal(crm_nss_uid_name(0, name, sizeof(name), &found, &e),
		CRM_OK);
	assert_true(found);
	assert_string_equal(name, "root");
	assert_int_equal(crm_nss_uid_name(54321, name, sizeof(name), &found,
		&e), CRM_OK);
	assert_false(found);
	/* A name that does not fit is not a name. */
	assert_int_equal(crm_nss_uid_name(0, name, 3, &found, &e), CRM_OK);
	assert_false(found);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tenv_setup, tenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(binds_service_to_its_user_only),
		T(empty_list_binds_nothing),
		T(admits_the_bound_uid),
		T(refuses_and_audits_any_other_uid),
		T(refuses_the_bound_user_on_another_service),
		T(refusal_that_cannot_be_audited_is_an_error),
		T(names_a_uid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
