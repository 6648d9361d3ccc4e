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

/* ---- expiry ---- */

static void expired_after_max_age(void **state)
{
	struct tenv *t = tenv_new("max_age_days = 90\n");
	struct crm_policy pol;
	struct crm_account a;

	(void)state;
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
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
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
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
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
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
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
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
	tenv_add_user(t, "alice", PW1);
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
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
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
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
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
	tenv_add_user(t, "alice", PW1);
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
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
	a.pw_changed = T0;
	assert_int_equal(crm_aging_too_soon(&pol, &a, T0 + 2 * DAY - 1), 1);

	tenv_add_user(t, "alice", PW1);
	t->ctx.now = T0 + DAY;
	assert_int_equal(crm_pw_check(&t->ctx, &req, &res, &e), CRM_OK);
	assert_int_equal(res.verdict, CRM_V_REJECTED);
	assert_true(res.rules & CRM_PW_TOO_SOON);
	assert_int_equal(tenv_count_events(t, "password.reject", "alice"), 1);
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
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
	a.pw_changed = T0;
	assert_int_equal(crm_aging_too_soon(&pol, &a, T0 + 2 * DAY), 0);
	/* A password never changed is never too young. */
	a.pw_changed = 0;
	assert_int_equal(crm_aging_too_soon(&pol, &a, T0), 0);

	tenv_add_user(t, "alice", PW1);
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
	tenv_add_user(t, "alice", PW1);
	t->ctx.now = T0 + 60;
	assert_int_equal(crm_admin_user_expire(&t->ctx, "alice", &e), CRM_OK);
	assert_int_equal(crm_pw_check(&t->ctx, &req, &res, &e), CRM_OK);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
	/* Nor an admin reset. */
	tenv_add_user(t, "bob", PW1);
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
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
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
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
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
	tenv_resolve(t, "alice", &pol);
	tenv_blank(&a, "alice");
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
	tenv_resolve(t, "root", &pol);
	tenv_blank(&a, "root");
	assert_int_equal(crm_aging_inactive(&pol, &a, T0 + 1000 * DAY), 0);
	assert_int_equal(crm_aging_inactive_in(&pol, &a, T0), -1);

	/* Through the phase function as well: root is let in and not disabled. */
	tenv_add_user(t, "root", PW1);
	t->ctx.now = T0 + 1000 * DAY;
	assert_int_equal(preauth(t, "root"), CRM_V_ALLOW);
	tenv_get(t, "root", &a);
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
	tenv_add_user(t, "alice", PW1);
	t->ctx.now = T0 + 30 * DAY;
	assert_int_equal(preauth(t, "alice"), CRM_V_INACTIVE);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.disabled, 1);
	assert_string_equal(a.disabled_reason, "inactive");
	assert_int_equal(a.disabled_at, T0 + 30 * DAY);
	assert_int_equal(tenv_count_events(t, "inactive", "alice"), 1);
	assert_int_equal(tenv_count_events(t, "login.failure", "alice"), 1);
	/* Later attempts are refused as inactive without a second event. */
	t->ctx.now = T0 + 31 * DAY;
	assert_int_equal(preauth(t, "alice"), CRM_V_INACTIVE);
	assert_int_equal(tenv_count_events(t, "inactive", "alice"), 1);
	tenv_free(t);
}

static void active_account_not_disabled(void **state)
{
	struct tenv *t = tenv_new("inactive_days = 30\n");
	struct crm_account a;
	struct crm_result res;

	(void)state;
	tenv_add_user(t, "alice", PW1);
	t->ctx.now = T0 + 30 * DAY - 1;
	assert_int_equal(preauth(t, "alice"), CRM_V_ALLOW);
	acct(t, "alice", &res);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.disabled, 0);
	assert_int_equal(tenv_count_events(t, "inactive", "alice"), 0);
	tenv_free(t);
}

static void acct_check_disables_inactive_account(void **state)
{
	struct tenv *t = tenv_new("inactive_days = 30\n");
	struct crm_account a;
	struct crm_result res;

	(void)state;
	tenv_add_user(t, "alice", PW1);
	t->ctx.now = T0 + 40 * DAY;
	acct(t, "alice", &res);
	assert_int_equal(res.verdict, CRM_V_INACTIVE);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.disabled, 1);
	assert_int_equal(tenv_count_events(t, "inactive", "alice"), 1);
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
	tenv_add_user(t, "alice", PW1);
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
	tenv_add_user(t, "alice", PW1);
	t->ctx.now = T0 + 31 * DAY;
	assert_int_equal(preauth(t, "alice"), CRM_V_INACTIVE);
	t->ctx.now = T0 + 40 * DAY;
	assert_int_equal(crm_admin_user_enable(&t->ctx, "alice", &e), CRM_OK);
	tenv_get(t, "alice", &a);
	assert_int_equal(a.disabled, 0);
	assert_int_equal(a.enabled_at, T0 + 40 * DAY);
	assert_int_equal(tenv_count_events(t, "enable", "alice"), 1);
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
	tenv_add_user(t, "alice", PW1);
	assert_int_equal(crm_admin_user_disable(&t->ctx, "alice", &e), CRM_OK);
	assert_int_equal(preauth(t, "alice"), CRM_V_DISABLED);
	t->ctx.now = T0 + 100 * DAY;
	assert_int_equal(preauth(t, "alice"), CRM_V_DISABLED);
	assert_int_equal(tenv_count_events(t, "inactive", "alice"), 0);
	tenv_free(t);
}

/* ---- the age of a password in /etc/shadow (stacked mode) ---- */

/* Two throwaway system accounts (uids from login.defs: governed). */
struct sys {
	struct tenv *t;
	char a[64], b[64];
};

static int sys_setup(void **state)
{
	struct sys *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	tenv_sysuser_name(s->a, sizeof(s->a), "a");
	tenv_sysuser_name(s->b, sizeof(s->b), "b");
	s->t = tenv_new("max_age_days = 90\nwarn_days = 7\n"
		"inactive_days = 0\n");
	*state = s;
	return 0;
}

static int sys_teardown(void **state)
{
	struct sys *s = *state;

	tenv_sysuser_del(s->a);
	tenv_sysuser_del(s->b);
	tenv_free(s->t);
	free(s);
	return 0;
}

static void shadow_age_expires_old_passwords_only(void **state)
{
	struct sys *s = *state;
	struct crm_result res;

	tenv_sysuser_add(s->a, PW1, T0 - 100 * DAY);
	tenv_sysuser_add(s->b, PW1, T0 - 10 * DAY);
	/* Both rows are made now, on first sight: the ages still differ. */
	acct(s->t, s->a, &res);
	assert_int_equal(res.verdict, CRM_V_EXPIRED);
	acct(s->t, s->b, &res);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
	assert_int_equal(res.warn_days, -1);
	/* b's password, changed ten days before T0, expires at T0 + 80. */
	s->t->ctx.now = T0 + 75 * DAY;
	acct(s->t, s->b, &res);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
	assert_int_equal(res.warn_days, 5);
	s->t->ctx.now = T0 + 80 * DAY;
	acct(s->t, s->b, &res);
	assert_int_equal(res.verdict, CRM_V_EXPIRED);
}

static void shadow_last_change_zero_forces_a_change(void **state)
{
	struct sys *s = *state;
	struct crm_result res;
	struct crm_account a;

	tenv_sysuser_add(s->a, PW1, 0);
	acct(s->t, s->a, &res);
	assert_int_equal(res.verdict, CRM_V_MUST_CHANGE);
	/* Shadow's word is read each time, never copied into the store. */
	tenv_get(s->t, s->a, &a);
	assert_int_equal(a.must_change, 0);
	assert_int_equal(a.pw_changed, 0);
	tenv_sysuser_age(s->a, T0 - DAY);
	acct(s->t, s->a, &res);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
}

static void store_owned_password_keeps_the_store_time(void **state)
{
	struct sys *s = *state;
	struct crm_result res;

	tenv_sysuser_add(s->a, PW1, T0 - 100 * DAY);
	/* A store password set at T0: /etc/shadow's age is not its age. */
	tenv_add_user(s->t, s->a, PW2);
	acct(s->t, s->a, &res);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
	s->t->ctx.now = T0 + 90 * DAY;
	acct(s->t, s->a, &res);
	assert_int_equal(res.verdict, CRM_V_EXPIRED);
}

static enum crm_verdict change(struct tenv *t, const char *user,
	const char *pw)
{
	struct crm_request req = { .user = user, .new_password = pw };
	struct crm_result res;
	struct crm_error e;

	if (crm_pw_check(&t->ctx, &req, &res, &e) != CRM_OK)
		fail_msg("pw_check %s: %s", user, e.msg);
	return res.verdict;
}

static void min_age_counts_from_the_shadow_change(void **state)
{
	struct sys *s = *state;

	assert_int_equal(crm_config_set(&s->t->cfg, "min_age_days", "3",
		"test", NULL), 0);
	tenv_sysuser_add(s->a, PW1, T0 - DAY);
	tenv_sysuser_add(s->b, PW1, T0 - 5 * DAY);
	/* Neither has a row yet: shadow alone tells the age. */
	assert_int_equal(change(s->t, s->a, PW2), CRM_V_REJECTED);
	assert_true(tenv_has_event(s->t, "password.reject", s->a, "too_soon"));
	assert_int_equal(change(s->t, s->b, PW2), CRM_V_ALLOW);
	/* A forced change is never too soon. */
	tenv_sysuser_age(s->a, 0);
	assert_int_equal(change(s->t, s->a, PW2), CRM_V_ALLOW);
}

static void status_shows_the_shadow_age(void **state)
{
	struct sys *s = *state;
	struct crm_status st;
	struct crm_result res;
	struct crm_error e;

	tenv_sysuser_add(s->a, PW1, T0 - 100 * DAY);
	acct(s->t, s->a, &res);
	assert_int_equal(crm_admin_status(&s->t->ctx, s->a, &st, &e), CRM_OK);
	assert_int_equal(st.acct.pw_changed, T0 - 100 * DAY);
	assert_int_equal(st.expires, T0 - 10 * DAY);
	assert_string_equal(st.acct.pw_hash, "");
}

#define T(f) cmocka_unit_test(f)
#define S(f) cmocka_unit_test_setup_teardown(f, sys_setup, sys_teardown)

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
		S(shadow_age_expires_old_passwords_only),
		S(shadow_last_change_zero_forces_a_change),
		S(store_owned_password_keeps_the_store_time),
		S(min_age_counts_from_the_shadow_change),
		S(status_shows_the_shadow_age),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
