/*
 * Unit tests of lib/aging.c: expiry, the warning countdown, minimum age and
 * inactivity, as pure functions of the clock and through the phases that act
 * on them (disabling and auditing, enable restarting the clock, root exempt).
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/admin.h"
#include "crmpolicy/aging.h"
#include "crmpolicy/auth.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/quality.h"
#include "crmpolicy/store.h"

#define PW1 "Gr3en-Apple!x"
#define PW2 "Blu3-Orange?y"

static void resolve(struct tenv *t, const char *user, struct crm_policy *pol)
{
	struct crm_error e;

	if (crm_policy_resolve(&t->ctx, user, pol, &e) != CRM_OK)
		fail_msg("crm_policy_resolve: %s", e.msg);
}

static void blank(struct crm_account *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->created = T0;
}

/* A stored account created at T0 with password pw set at the clock's now. */
static void add_user(struct tenv *t, const char *name, const char *pw)
{
	struct crm_account a;
	struct crm_request req = { 0 };
	struct crm_result res;
	struct crm_error e;

	blank(&a, name);
	if (crm_account_insert(t->ctx.db, &a, &e) != CRM_OK)
		fail_msg("insert %s: %s", name, e.msg);
	if (pw == NULL)
		return;
	req.user = name;
	req.new_password = pw;
	if (crm_pw_commit(&t->ctx, &req, 1, &res, &e) != CRM_OK)
		fail_msg("commit %s: %s", name, e.msg);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
}

static void get(struct tenv *t, const char *name, struct crm_account *a)
{
	struct crm_error e;

	if (crm_account_get(t->ctx.db, name, a, &e) != CRM_OK)
		fail_msg("get %s: %s", name, e.msg);
}

static enum crm_verdict preauth(struct tenv *t, const char *user)
{
	struct crm_request req = { .user = user, .reservation = -1 };
	struct crm_result res;
	struct crm_error e;

	if (crm_auth_preauth(&t->ctx, &req, &res, &e) != CRM_OK)
		fail_msg("preauth %s: %s", user, e.msg);
	return res.verdict;
}

static void acct(struct tenv *t, const char *user, struct crm_result *res)
{
	struct crm_request req = { .user = user, .reservation = -1 };
	struct crm_error e;

	if (crm_acct_check(&t->ctx, &req, res, &e) != CRM_OK)
		fail_msg("acct_check %s: %s", user, e.msg);
}

static long long count_events(struct tenv *t, const char *event,
	const char *subject)
{
	sqlite3_stmt *st;
	long long n;

	assert_int_equal(sqlite3_prepare_v2(t->ctx.db, "SELECT count(*) FROM"
		" audit WHERE event = ?1 AND subject = ?2", -1, &st, NULL),
		SQLITE_OK);
	sqlite3_bind_text(st, 1, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* ---- expiry ---- */

static void expired_after_max_age(void **state)
{
	struct tenv *t = tenv_new("max_age_days = 90\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	resolve(t, "alice", &pol);
	blank(&a, "alice");
	a.pw_changed = T0;
	assert_int_equal(crm_aging_expires(&pol, &a), T0 + 90 * DAY);
	assert_int_equal(crm_aging_expired(&pol, &a, T0 + 90 * DAY), 1);
	assert_int_equal(crm_aging_expired(&pol, &a, T0 + 200 * DAY), 1);
	tenv_free(t);
}

static void not_expired_before_max_age(void **state)
{
	struct tenv *t = tenv_new("max_age_days = 90\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	resolve(t, "alice", &pol);
	blank(&a, "alice");
	a.pw_changed = T0;
	assert_int_equal(crm_aging_expired(&pol, &a, T0 + 90 * DAY - 1), 0);
	/* A change restarts the clock. */
	a.pw_changed = T0 + 80 * DAY;
	assert_int_equal(crm_aging_expired(&pol, &a, T0 + 100 * DAY), 0);
	tenv_free(t);
}

static void expiry_counts_from_creation_without_a_change(void **state)
{
	struct tenv *t = tenv_new("max_age_days = 10\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	resolve(t, "alice", &pol);
	blank(&a, "alice");
	assert_int_equal(crm_aging_expires(&pol, &a), T0 + 10 * DAY);
	assert_int_equal(crm_aging_expired(&pol, &a, T0 + 10 * DAY), 1);
	tenv_free(t);
}

static void max_age_zero_never_expires(void **state)
{
	struct tenv *t = tenv_new("max_age_days = 0\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	resolve(t, "alice", &pol);
	blank(&a, "alice");
	a.pw_changed = T0;
	assert_int_equal(crm_aging_expires(&pol, &a), 0);
	assert_int_equal(crm_aging_expired(&pol, &a, T0 + 10000 * DAY), 0);
	assert_int_equal(crm_aging_warn_days(&pol, &a, T0 + 10000 * DAY), -1);
	tenv_free(t);
}

static void acct_check_refuses_expired_password(void **state)
{
	struct tenv *t = tenv_new("max_age_days = 90\ninactive_days = 0\n");
	struct crm_result res;

	(void)state;
	add_user(t, "alice", PW1);
	t->ctx.now = T0 + 90 * DAY - 1;
	acct(t, "alice", &res);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
	t->ctx.now = T0 + 90 * DAY;
	acct(t, "alice", &res);
	assert_int_equal(res.verdict, CRM_V_EXPIRED);
	tenv_free(t);
}

/* ---- warning ---- */

static void warn_days_counts_down(void **state)
{
	struct tenv *t = tenv_new("max_age_days = 90\nwarn_days = 7\n");
	struct crm_policy pol;
	struct crm_account a;
	int64_t exp = T0 + 90 * DAY;

	(void)state;
	resolve(t, "alice", &pol);
	blank(&a, "alice");
	a.pw_changed = T0;
	assert_int_equal(crm_aging_warn_days(&pol, &a, exp - 7 * DAY - 1), -1);
	assert_int_equal(crm_aging_warn_days(&pol, &a, exp - 7 * DAY), 7);
	assert_int_equal(crm_aging_warn_days(&pol, &a, exp - 3 * DAY), 3);
	/* A part of a day counts as a day: never "expires in 0 days". */
	assert_int_equal(crm_aging_warn_days(&pol, &a, exp - DAY / 2), 1);
	assert_int_equal(crm_aging_warn_days(&pol, &a, exp - 1), 1);
	assert_int_equal(crm_aging_warn_days(&pol, &a, exp), -1);
	tenv_free(t);
}

static void warn_days_zero_never_warns(void **state)
{
	struct tenv *t = tenv_new("max_age_days = 90\nwarn_days = 0\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	resolve(t, "alice", &pol);
	blank(&a, "alice");
	a.pw_changed = T0;
	assert_int_equal(crm_aging_warn_days(&pol, &a, T0 + 89 * DAY), -1);
	tenv_free(t);
}

static void acct_check_reports_the_warning(void **state)
{
	struct tenv *t = tenv_new("max_age_days = 90\nwarn_days = 7\n"
		"inactive_days = 0\n");
	struct crm_result res;

	(void)state;
	add_user(t, "alice", PW1);
	t->ctx.now = T0 + 82 * DAY;
	acct(t, "alice", &res);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
	assert_int_equal(res.warn_days, -1);
	t->ctx.now = T0 + 85 * DAY;
	acct(t, "alice", &res);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
	assert_int_equal(res.warn_days, 5);
	tenv_free(t);
}

/* ---- minimum age ---- */

static void min_age_blocks_early_change(void **state)
{
	struct tenv *t = tenv_new("min_age_days = 2\n");
	struct crm_policy pol;
	struct crm_account a;
	struct crm_request req = { .user = "alice", .new_password = PW2 };
	struct crm_result res;
	struct crm_error e;

	(void)state;
	resolve(t, "alice", &pol);
	blank(&a, "alice");
	a.pw_changed = T0;
	assert_int_equal(crm_aging_too_soon(&pol, &a, T0 + 2 * DAY - 1), 1);

	add_user(t, "alice", PW1);
	t->ctx.now = T0 + DAY;
	assert_int_equal(crm_pw_check(&t->ctx, &req, &res, &e), CRM_OK);
	assert_int_equal(res.verdict, CRM_V_REJECTED);
	assert_true(res.rules & CRM_PW_TOO_SOON);
	assert_int_equal(count_events(t, "password.reject", "alice"), 1);
	tenv_free(t);
}

static void min_age_allows_change_after_it_passes(void **state)
{
	struct tenv *t = tenv_new("min_age_days = 2\n");
	struct crm_policy pol;
	struct crm_account a;
	struct crm_request req = { .user = "alice", .new_password = PW2 };
	struct crm_result res;
	struct crm_error e;

	(void)state;
	resolve(t, "alice", &pol);
	blank(&a, "alice");
	a.pw_changed = T0;
	assert_int_equal(crm_aging_too_soon(&pol, &a, T0 + 2 * DAY), 0);
	/* A password never changed is never too young. */
	a.pw_changed = 0;
	assert_int_equal(crm_aging_too_soon(&pol, &a, T0), 0);

	add_user(t, "alice", PW1);
	t->ctx.now = T0 + 2 * DAY;
	assert_int_equal(crm_pw_check(&t->ctx, &req, &res, &e), CRM_OK);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
	assert_int_equal(res.rules, 0);
	tenv_free(t);
}

static void min_age_does_not_block_a_forced_change(void **state)
{
	struct tenv *t = tenv_new("min_age_days = 2\n");
	struct crm_request req = { .user = "alice", .new_password = PW2 };
	struct crm_result res;
	struct crm_error e;

	(void)state;
	add_user(t, "alice", PW1);
	t->ctx.now = T0 + 60;
	assert_int_equal(crm_admin_user_expire(&t->ctx, "alice", &e), CRM_OK);
	assert_int_equal(crm_pw_check(&t->ctx, &req, &res, &e), CRM_OK);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
	/* Nor an admin reset. */
	add_user(t, "bob", PW1);
	req.user = "bob";
	req.by_admin = 1;
	assert_int_equal(crm_pw_check(&t->ctx, &req, &res, &e), CRM_OK);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
	tenv_free(t);
}

/* ---- inactivity ---- */

static void inactive_after_inactive_days(void **state)
{
	struct tenv *t = tenv_new("inactive_days = 30\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	resolve(t, "alice", &pol);
	blank(&a, "alice");
	assert_int_equal(crm_aging_inactive(&pol, &a, T0 + 30 * DAY), 1);
	assert_int_equal(crm_aging_inactive_in(&pol, &a, T0 + 30 * DAY), 0);
	tenv_free(t);
}

static void active_within_inactive_days(void **state)
{
	struct tenv *t = tenv_new("inactive_days = 30\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	resolve(t, "alice", &pol);
	blank(&a, "alice");
	assert_int_equal(crm_aging_inactive(&pol, &a, T0 + 30 * DAY - 1), 0);
	assert_int_equal(crm_aging_inactive_in(&pol, &a, T0), 30);
	assert_int_equal(crm_aging_inactive_in(&pol, &a, T0 + 29 * DAY + 1), 1);
	/* A login restarts the count. */
	a.last_login = T0 + 20 * DAY;
	assert_int_equal(crm_aging_inactive(&pol, &a, T0 + 49 * DAY), 0);
	assert_int_equal(crm_aging_inactive(&pol, &a, T0 + 50 * DAY), 1);
	/* So does an admin enable. */
	a.enabled_at = T0 + 45 * DAY;
	assert_int_equal(crm_aging_inactive(&pol, &a, T0 + 50 * DAY), 0);
	tenv_free(t);
}

static void inactive_days_zero_never_inactive(void **state)
{
	struct tenv *t = tenv_new("inactive_days = 0\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	resolve(t, "alice", &pol);
	blank(&a, "alice");
	assert_int_equal(crm_aging_inactive(&pol, &a, T0 + 10000 * DAY), 0);
	assert_int_equal(crm_aging_inactive_in(&pol, &a, T0), -1);
	tenv_free(t);
}

static void root_never_inactive(void **state)
{
	struct tenv *t = tenv_new("inactive_days = 30\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	resolve(t, "root", &pol);
	blank(&a, "root");
	assert_int_equal(crm_aging_inactive(&pol, &a, T0 + 1000 * DAY), 0);
	assert_int_equal(crm_aging_inactive_in(&pol, &a, T0), -1);

	/* Through the phase function as well: root is let in and not disabled. */
	add_user(t, "root", PW1);
	t->ctx.now = T0 + 1000 * DAY;
	assert_int_equal(preauth(t, "root"), CRM_V_ALLOW);
	get(t, "root", &a);
	assert_int_equal(a.disabled, 0);
	tenv_free(t);
}

static void user_is_root_only_for_uid_zero(void **state)
{
	(void)state;
	assert_int_equal(crm_user_is_root("root"), 1);
	assert_int_equal(crm_user_is_root("daemon"), 0);
	assert_int_equal(crm_user_is_root("no-such-user-crmtest"), 0);
	assert_int_equal(crm_user_is_root("Root"), 0);
}

static void inactive_after_inactive_days_disables_and_audits(void **state)
{
	struct tenv *t = tenv_new("inactive_days = 30\n");
	struct crm_account a;

	(void)state;
	add_user(t, "alice", PW1);
	t->ctx.now = T0 + 30 * DAY;
	assert_int_equal(preauth(t, "alice"), CRM_V_INACTIVE);
	get(t, "alice", &a);
	assert_int_equal(a.disabled, 1);
	assert_string_equal(a.disabled_reason, "inactive");
	assert_int_equal(a.disabled_at, T0 + 30 * DAY);
	assert_int_equal(count_events(t, "inactive", "alice"), 1);
	assert_int_equal(count_events(t, "login.failure", "alice"), 1);
	/* Later attempts are refused as inactive without a second event. */
	t->ctx.now = T0 + 31 * DAY;
	assert_int_equal(preauth(t, "alice"), CRM_V_INACTIVE);
	assert_int_equal(count_events(t, "inactive", "alice"), 1);
	tenv_free(t);
}

static void active_account_not_disabled(void **state)
{
	struct tenv *t = tenv_new("inactive_days = 30\n");
	struct crm_account a;
	struct crm_result res;

	(void)state;
	add_user(t, "alice", PW1);
	t->ctx.now = T0 + 30 * DAY - 1;
	assert_int_equal(preauth(t, "alice"), CRM_V_ALLOW);
	acct(t, "alice", &res);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
	get(t, "alice", &a);
	assert_int_equal(a.disabled, 0);
	assert_int_equal(count_events(t, "inactive", "alice"), 0);
	tenv_free(t);
}

static void acct_check_disables_inactive_account(void **state)
{
	struct tenv *t = tenv_new("inactive_days = 30\n");
	struct crm_account a;
	struct crm_result res;

	(void)state;
	add_user(t, "alice", PW1);
	t->ctx.now = T0 + 40 * DAY;
	acct(t, "alice", &res);
	assert_int_equal(res.verdict, CRM_V_INACTIVE);
	get(t, "alice", &a);
	assert_int_equal(a.disabled, 1);
	assert_int_equal(count_events(t, "inactive", "alice"), 1);
	tenv_free(t);
}

static void login_restarts_inactivity_clock(void **state)
{
	struct tenv *t = tenv_new("inactive_days = 30\n");
	struct crm_request req = { .user = "alice", .password = PW1,
		.reservation = -1 };
	struct crm_result res;
	struct crm_error e;

	(void)state;
	add_user(t, "alice", PW1);
	t->ctx.now = T0 + 20 * DAY;
	assert_int_equal(crm_auth_password(&t->ctx, &req, &res, &e), CRM_OK);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
	t->ctx.now = T0 + 49 * DAY;
	assert_int_equal(preauth(t, "alice"), CRM_V_ALLOW);
	t->ctx.now = T0 + 50 * DAY;
	assert_int_equal(preauth(t, "alice"), CRM_V_INACTIVE);
	tenv_free(t);
}

static void enable_restarts_inactivity_clock(void **state)
{
	struct tenv *t = tenv_new("inactive_days = 30\n");
	struct crm_account a;
	struct crm_error e;

	(void)state;
	add_user(t, "alice", PW1);
	t->ctx.now = T0 + 31 * DAY;
	assert_int_equal(preauth(t, "alice"), CRM_V_INACTIVE);
	t->ctx.now = T0 + 40 * DAY;
	assert_int_equal(crm_admin_user_enable(&t->ctx, "alice", &e), CRM_OK);
	get(t, "alice", &a);
	assert_int_equal(a.disabled, 0);
	assert_int_equal(a.enabled_at, T0 + 40 * DAY);
	assert_int_equal(count_events(t, "enable", "alice"), 1);
	/* Without a login since, the clock runs from the enable. */
	assert_int_equal(preauth(t, "alice"), CRM_V_ALLOW);
	t->ctx.now = T0 + 70 * DAY - 1;
	assert_int_equal(preauth(t, "alice"), CRM_V_ALLOW);
	t->ctx.now = T0 + 70 * DAY;
	assert_int_equal(preauth(t, "alice"), CRM_V_INACTIVE);
	tenv_free(t);
}

static void admin_disabled_account_is_disabled_not_inactive(void **state)
{
	struct tenv *t = tenv_new("inactive_days = 30\n");
	struct crm_error e;

	(void)state;
	add_user(t, "alice", PW1);
	assert_int_equal(crm_admin_user_disable(&t->ctx, "alice", &e), CRM_OK);
	assert_int_equal(preauth(t, "alice"), CRM_V_DISABLED);
	t->ctx.now = T0 + 100 * DAY;
	assert_int_equal(preauth(t, "alice"), CRM_V_DISABLED);
	assert_int_equal(count_events(t, "inactive", "alice"), 0);
	tenv_free(t);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(expired_after_max_age),
		T(not_expired_before_max_age),
		T(expiry_counts_from_creation_without_a_change),
		T(max_age_zero_never_expires),
		T(acct_check_refuses_expired_password),
		T(warn_days_counts_down),
		T(warn_days_zero_never_warns),
		T(acct_check_reports_the_warning),
		T(min_age_blocks_early_change),
		T(min_age_allows_change_after_it_passes),
		T(min_age_does_not_block_a_forced_change),
		T(inactive_after_inactive_days),
		T(active_within_inactive_days),
		T(inactive_days_zero_never_inactive),
		T(root_never_inactive),
		T(user_is_root_only_for_uid_zero),
		T(inactive_after_inactive_days_disables_and_audits),
		T(active_account_not_disabled),
		T(acct_check_disables_inactive_account),
		T(login_restarts_inactivity_clock),
		T(enable_restarts_inactivity_clock),
		T(admin_disabled_account_is_disabled_not_inactive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
