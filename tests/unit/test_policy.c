/*
 * Unit tests of lib/policy.c: precedence (user > group > module argument >
 * store global > conf > default), strictest value across groups for every
 * strictness kind, the group list (NSS + store), fail-closed on bad rows,
 * and the source of every value for `policy show --explain`.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/policy.h"
#include "crmpolicy/store.h"

static void add_account(struct tenv *t, const char *user)
{
	struct crm_account a;
	struct crm_error e;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", user);
	a.created = T0;
	assert_int_equal(crm_account_insert(t->ctx.db, &a, &e), 0);
}

/* Puts user in group, creating the group if needed. */
static void add_member(struct tenv *t, const char *group, const char *user)
{
	struct crm_error e;
	int exists = 0;

	assert_int_equal(crm_group_exists(t->ctx.db, group, &exists, &e), 0);
	if (!exists)
		assert_int_equal(crm_group_add(t->ctx.db, group, &e), 0);
	assert_int_equal(crm_member_add(t->ctx.db, group, user, &e), 0);
}

static void row(struct tenv *t, const char *scope, const char *target,
	const char *key, const char *value)
{
	struct crm_error e;

	assert_int_equal(crm_policy_row_set(t->ctx.db, scope, target, key,
		value, &e), 0);
}

static void stricter_follows_each_kind_both_ways(void **state)
{
	(void)state;
	/* key, a, b, stricter: each checked as (a, b) and (b, a). */
	static const struct {
		enum crm_key k;
		long long a, b, want;
	} cases[] = {
		{ CRM_K_MINLEN, 10, 12, 12 },			/* LARGER */
		{ CRM_K_HISTORY, 0, 3, 3 },
		{ CRM_K_MAXLEN, 100, 50, 50 },			/* SMALLER */
		{ CRM_K_TOTP_WINDOW, 0, 2, 0 },
		{ CRM_K_MAX_AGE_DAYS, 0, 30, 30 },		/* SMALLER_NZ */
		{ CRM_K_MAX_AGE_DAYS, 60, 30, 30 },
		{ CRM_K_DENY, 0, 5, 5 },
		{ CRM_K_INACTIVE_DAYS, 0, 0, 0 },
		{ CRM_K_UNLOCK_TIME, 600, 0, 0 },		/* LARGER_Z */
		{ CRM_K_FAIL_INTERVAL, 300, 900, 900 },
		{ CRM_K_CLASSES, CRM_CLASS_LOWER, CRM_CLASS_DIGIT,	/* UNION */
			CRM_CLASS_LOWER | CRM_CLASS_DIGIT },
		{ CRM_K_REJECT_USERNAME, 0, 1, 1 },		/* YES */
		{ CRM_K_NOTIFY_NEW_IP, 1, 0, 1 },
		{ CRM_K_MFA_NULLOK, 1, 0, 0 },			/* NO */
		{ CRM_K_MFA, CRM_MFA_EMAIL, CRM_MFA_TOTP, CRM_MFA_TOTP }, /* RANK */
		{ CRM_K_MFA, CRM_MFA_NONE, CRM_MFA_ANY, CRM_MFA_ANY },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(crm_policy_stricter(cases[i].k, cases[i].a,
			cases[i].b), cases[i].want);
		assert_int_equal(crm_policy_stricter(cases[i].k, cases[i].b,
			cases[i].a), cases[i].want);
	}
}

static void defaults_apply_without_conf_or_rows(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;

	tenv_resolve(t, "alice", &pol);
	assert_int_equal(pol.num[CRM_K_WARN_DAYS], 7);
	assert_string_equal(pol.source[CRM_K_WARN_DAYS], "default");
	assert_int_equal(pol.num[CRM_K_DENY], 3);
	/* Non-policy keys are copied too, so that num[] is complete. */
	assert_int_equal(pol.num[CRM_K_IP_DENY], 10);
}

static void user_over_group_over_global_over_conf_over_default(void **state)
{
	(void)state;
	struct tenv *t = tenv_new("minlen = 10\nhistory = 5\nmax_age_days = 80\n"
		"deny = 6\n");
	struct crm_policy pol;
	char conf_src[400];

	add_account(t, "alice");
	add_member(t, "staff", "alice");
	row(t, "global", "", "history", "6");
	row(t, "global", "", "max_age_days", "60");
	row(t, "global", "", "deny", "5");
	row(t, "group", "staff", "max_age_days", "45");
	row(t, "group", "staff", "deny", "4");
	/* The user level wins even when it is weaker. */
	row(t, "user", "alice", "deny", "9");

	tenv_resolve(t, "alice", &pol);
	assert_int_equal(pol.num[CRM_K_WARN_DAYS], 7);
	assert_string_equal(pol.source[CRM_K_WARN_DAYS], "default");
	assert_int_equal(pol.num[CRM_K_MINLEN], 10);
	assert_non_null(strstr(pol.source[CRM_K_MINLEN], "crmpolicy.conf:"));
	snprintf(conf_src, sizeof(conf_src), "%s:", t->conf);
	if (strlen(conf_src) < CRM_SOURCE_MAX)
		assert_true(strncmp(pol.source[CRM_K_MINLEN], conf_src,
			strlen(conf_src)) == 0);
	assert_int_equal(pol.num[CRM_K_HISTORY], 6);
	assert_string_equal(pol.source[CRM_K_HISTORY], "policy (global)");
	assert_int_equal(pol.num[CRM_K_MAX_AGE_DAYS], 45);
	assert_string_equal(pol.source[CRM_K_MAX_AGE_DAYS], "group staff");
	assert_int_equal(pol.num[CRM_K_DENY], 9);
	assert_string_equal(pol.source[CRM_K_DENY], "user alice");

	/* Another user sees the global level only. */
	tenv_resolve(t, "bob", &pol);
	assert_int_equal(pol.num[CRM_K_MAX_AGE_DAYS], 60);
	assert_int_equal(pol.num[CRM_K_DENY], 5);
	tenv_free(t);
}

static void module_argument_beats_global_row_but_not_group(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;
	struct crm_error e;

	assert_int_equal(crm_config_set(&t->cfg, "deny", "7", "module argument",
		&e), 0);
	assert_int_equal(crm_config_set(&t->cfg, "history", "8",
		"module argument", &e), 0);
	row(t, "global", "", "deny", "2");
	row(t, "global", "", "history", "1");
	add_account(t, "alice");
	add_member(t, "ops", "alice");
	row(t, "group", "ops", "history", "12");

	tenv_resolve(t, "bob", &pol);
	assert_int_equal(pol.num[CRM_K_DENY], 7);
	assert_string_equal(pol.source[CRM_K_DENY], "module argument");
	tenv_resolve(t, "alice", &pol);
	assert_int_equal(pol.num[CRM_K_HISTORY], 12);
	assert_string_equal(pol.source[CRM_K_HISTORY], "group ops");
}

static void resolve_group_puts_group_over_global(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;
	struct crm_error e;

	row(t, "global", "", "minlen", "9");
	row(t, "global", "", "history", "4");
	row(t, "group", "web", "minlen", "15");
	assert_int_equal(crm_policy_resolve_group(&t->ctx, "web", &pol, &e), 0);
	assert_int_equal(pol.num[CRM_K_MINLEN], 15);
	assert_string_equal(pol.source[CRM_K_MINLEN], "group web");
	assert_int_equal(pol.num[CRM_K_HISTORY], 4);
	assert_string_equal(pol.source[CRM_K_HISTORY], "policy (global)");
	assert_int_equal(crm_policy_resolve_global(&t->ctx, &pol, &e), 0);
	assert_int_equal(pol.num[CRM_K_MINLEN], 9);
}

/* One strictest-wins case across groups "ga" and "gb". */
static const struct {
	const char *key;
	enum crm_key k;
	const char *a, *b;
	long long want;
	const char *wins;	/* which value is stricter: "a" or "b" */
} across[] = {
	{ "minlen", CRM_K_MINLEN, "10", "12", 12, "b" },
	{ "maxlen", CRM_K_MAXLEN, "100", "50", 50, "b" },
	{ "max_age_days", CRM_K_MAX_AGE_DAYS, "30", "0", 30, "a" },
	{ "inactive_days", CRM_K_INACTIVE_DAYS, "60", "20", 20, "b" },
	{ "deny", CRM_K_DENY, "0", "5", 5, "b" },
	{ "unlock_time", CRM_K_UNLOCK_TIME, "0", "600", 0, "a" },
	{ "fail_interval", CRM_K_FAIL_INTERVAL, "900", "300", 900, "a" },
	{ "reject_username", CRM_K_REJECT_USERNAME, "no", "yes", 1, "b" },
	{ "mfa_nullok", CRM_K_MFA_NULLOK, "no", "yes", 0, "a" },
	{ "mfa", CRM_K_MFA, "totp", "email", CRM_MFA_TOTP, "a" },
	{ "mfa", CRM_K_MFA, "none", "any", CRM_MFA_ANY, "b" },
	{ "otp_ttl", CRM_K_OTP_TTL, "120", "600", 120, "a" },
	/* A shorter memory of addresses alerts more: 0 (for ever) is no limit. */
	{ "known_ip_days", CRM_K_KNOWN_IP_DAYS, "30", "200", 30, "a" },
	{ "known_ip_days", CRM_K_KNOWN_IP_DAYS, "0", "200", 200, "b" },
};

static void strictest_value_wins_across_groups(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;

	add_account(t, "alice");
	add_member(t, "ga", "alice");
	add_member(t, "gb", "alice");
	for (size_t i = 0; i < sizeof(across) / sizeof(across[0]); i++) {
		for (int swap = 0; swap < 2; swap++) {
			const char *va = swap ? across[i].b : across[i].a;
			const char *vb = swap ? across[i].a : across[i].b;
			/* The group holding the stricter value after the swap. */
			int a_wins = (strcmp(across[i].wins, "a") == 0) != swap;

			row(t, "group", "ga", across[i].key, va);
			row(t, "group", "gb", across[i].key, vb);
			tenv_resolve(t, "alice", &pol);
			if (pol.num[across[i].k] != across[i].want)
				fail_msg("%s: ga=%s gb=%s gave %lld, want %lld",
					across[i].key, va, vb,
					pol.num[across[i].k], across[i].want);
			assert_string_equal(pol.source[across[i].k],
				a_wins ? "group ga" : "group gb");
		}
	}
}

static void classes_from_two_groups_are_united(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;

	add_account(t, "alice");
	add_member(t, "ga", "alice");
	add_member(t, "gb", "alice");
	row(t, "group", "ga", "classes", "lower,upper");
	row(t, "group", "gb", "classes", "digit");
	tenv_resolve(t, "alice", &pol);
	assert_int_equal(pol.num[CRM_K_CLASSES],
		CRM_CLASS_LOWER | CRM_CLASS_UPPER | CRM_CLASS_DIGIT);
	assert_non_null(strstr(pol.source[CRM_K_CLASSES], "ga"));
	assert_non_null(strstr(pol.source[CRM_K_CLASSES], "gb"));
}

static void equal_values_name_the_first_group(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;

	add_account(t, "alice");
	add_member(t, "gb", "alice");
	add_member(t, "ga", "alice");
	row(t, "group", "ga", "minlen", "12");
	row(t, "group", "gb", "minlen", "12");
	tenv_resolve(t, "alice", &pol);
	assert_int_equal(pol.num[CRM_K_MINLEN], 12);
	assert_string_equal(pol.source[CRM_K_MINLEN], "group ga");
}

static void group_level_replaces_global_even_when_weaker(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;

	/* Strictest-wins is across groups; a group still overrides global. */
	row(t, "global", "", "minlen", "14");
	add_account(t, "alice");
	add_member(t, "interns", "alice");
	row(t, "group", "interns", "minlen", "10");
	tenv_resolve(t, "alice", &pol);
	assert_int_equal(pol.num[CRM_K_MINLEN], 10);
	assert_string_equal(pol.source[CRM_K_MINLEN], "group interns");
}

static void corrupted_group_row_fails_closed(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;
	struct crm_error e;

	add_account(t, "alice");
	add_member(t, "staff", "alice");
	row(t, "group", "staff", "minlen", "abc");
	crm_error_clear(&e);
	assert_int_equal(crm_policy_resolve(&t->ctx, "alice", &pol, &e),
		CRM_ESTORE);
	assert_non_null(strstr(e.msg, "group"));
	assert_non_null(strstr(e.msg, "staff"));
	assert_non_null(strstr(e.msg, "minlen"));
	/* A user outside the group is not affected. */
	tenv_resolve(t, "bob", &pol);
}

static void non_policy_key_in_store_fails_closed(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;
	struct crm_error e;

	row(t, "user", "alice", "db", "/tmp/other.db");
	assert_int_equal(crm_policy_resolve(&t->ctx, "alice", &pol, &e),
		CRM_ESTORE);
	assert_non_null(strstr(e.msg, "user"));
	assert_non_null(strstr(e.msg, "alice"));
	assert_non_null(strstr(e.msg, "db"));
}

static void corrupted_global_row_fails_closed(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;
	struct crm_error e;

	row(t, "global", "", "mfa", "sms");
	assert_int_equal(crm_policy_resolve_global(&t->ctx, &pol, &e),
		CRM_ESTORE);
	assert_non_null(strstr(e.msg, "global"));
	assert_non_null(strstr(e.msg, "mfa"));
	assert_int_equal(crm_policy_resolve(&t->ctx, "bob", &pol, &e),
		CRM_ESTORE);
}

struct seen {
	char names[16][64];
	int n;
};

static int collect(void *arg, const char *name)
{
	struct seen *s = arg;

	if (s->n < 16)
		snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", name);
	return 0;
}

static int index_of(const struct seen *s, const char *name)
{
	int found = -1;

	for (int i = 0; i < s->n; i++) {
		if (strcmp(s->names[i], name) == 0) {
			assert_int_equal(found, -1);	/* no duplicates */
			found = i;
		}
	}
	return found;
}

static void groups_join_nss_and_store_without_duplicates(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	struct seen s;

	/* root is an NSS account everywhere, with primary group "root". */
	add_account(t, "root");
	add_member(t, "zeta", "root");
	add_member(t, "alpha", "root");
	add_member(t, "root", "root");
	memset(&s, 0, sizeof(s));
	assert_int_equal(crm_policy_groups(&t->ctx, "root", collect, &s, &e), 0);
	assert_int_equal(index_of(&s, "root"), 0);
	int a = index_of(&s, "alpha"), z = index_of(&s, "zeta");
	assert_true(a > 0);
	assert_true(z == a + 1);
	assert_int_equal(z, s.n - 1);
}

static void nss_group_policy_applies_to_system_account(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;

	/* Not in the store at all: the NSS group still counts. */
	row(t, "group", "root", "minlen", "16");
	tenv_resolve(t, "root", &pol);
	assert_int_equal(pol.num[CRM_K_MINLEN], 16);
	assert_string_equal(pol.source[CRM_K_MINLEN], "group root");
}

static void virtual_account_gets_store_groups_only(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	struct seen s;

	add_account(t, "sip1001");
	add_member(t, "phones", "sip1001");
	memset(&s, 0, sizeof(s));
	assert_int_equal(crm_policy_groups(&t->ctx, "sip1001", collect, &s, &e),
		0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.names[0], "phones");
	memset(&s, 0, sizeof(s));
	assert_int_equal(crm_policy_groups(&t->ctx, "nobody-known", collect, &s,
		&e), 0);
	assert_int_equal(s.n, 0);
}

/* One lookup, the same answers as crm_policy_resolve and _groups. */
static void resolve_with_groups_agrees_with_both(void **state)
{
	struct tenv *t = *state;
	struct crm_policy a, b;
	struct crm_error e;
	struct seen s1, s2;

	add_member(t, "zeta", "root");
	add_member(t, "alpha", "root");
	row(t, "group", "root", "minlen", "14");
	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	assert_int_equal(crm_policy_resolve_groups(&t->ctx, "root", &a, collect,
		&s1, &e), 0);
	assert_int_equal(crm_policy_resolve(&t->ctx, "root", &b, &e), 0);
	assert_int_equal(crm_policy_groups(&t->ctx, "root", collect, &s2, &e),
		0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(a.num[CRM_K_MINLEN], 14);
	assert_true(a.nss);
	assert_int_equal(s1.n, s2.n);
	for (int i = 0; i < s1.n; i++)
		assert_string_equal(s1.names[i], s2.names[i]);
	/* A store-only account: NSS does not know it. */
	add_account(t, "sip1002");
	add_member(t, "phones", "sip1002");
	memset(&s1, 0, sizeof(s1));
	assert_int_equal(crm_policy_resolve_groups(&t->ctx, "sip1002", &a,
		collect, &s1, &e), 0);
	assert_false(a.nss);
	assert_int_equal(s1.n, 1);
	assert_string_equal(s1.names[0], "phones");
}

static int stop_at_first(void *arg, const char *name)
{
	(void)name;
	(*(int *)arg)++;
	return 42;
}

static void groups_callback_can_stop_the_walk(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	int calls = 0;

	add_account(t, "alice");
	add_member(t, "ga", "alice");
	add_member(t, "gb", "alice");
	assert_int_equal(crm_policy_groups(&t->ctx, "alice", stop_at_first,
		&calls, &e), 42);
	assert_int_equal(calls, 1);
}

static int admin(struct tenv *t, const char *user)
{
	struct crm_policy pol;

	tenv_resolve(t, user, &pol);
	return pol.admin;
}

static void resolution_names_root_and_admin_group_members(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;

	/* No admin_group: root only. */
	assert_true(admin(t, "root"));
	assert_false(admin(t, "nobody"));
	/* nobody's primary group on Debian is nogroup. */
	assert_int_equal(crm_config_set(&t->cfg, "admin_group", "nogroup",
		"test", &e), 0);
	assert_true(admin(t, "nobody"));
	assert_false(admin(t, "daemon"));
	assert_true(admin(t, "root"));
	/* A store group of that name makes nobody an administrator. */
	add_account(t, "alice");
	add_member(t, "nogroup", "alice");
	assert_false(admin(t, "alice"));
}

static void cache_answers_within_its_time(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;
	struct crm_error e;

	assert_int_equal(crm_policy_cache_new(16, 2, &t->ctx.pcache, &e), 0);
	assert_int_equal(crm_policy_row_set(t->ctx.db, "user", "alice",
		"minlen", "12", &e), 0);
	tenv_resolve(t, "alice", &pol);
	assert_int_equal(pol.num[CRM_K_MINLEN], 12);
	assert_int_equal(crm_policy_row_set(t->ctx.db, "user", "alice",
		"minlen", "14", &e), 0);
	t->ctx.now += 1;
	tenv_resolve(t, "alice", &pol);
	assert_int_equal(pol.num[CRM_K_MINLEN], 12);
	/* Another user is not answered from alice's slot. */
	tenv_resolve(t, "bob", &pol);
	assert_int_equal(pol.num[CRM_K_MINLEN], 8);
	t->ctx.now += 1;
	tenv_resolve(t, "alice", &pol);
	assert_int_equal(pol.num[CRM_K_MINLEN], 14);
	crm_policy_cache_free(t->ctx.pcache);
	t->ctx.pcache = NULL;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, tenv_setup, tenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(cache_answers_within_its_time),
		cmocka_unit_test(stricter_follows_each_kind_both_ways),
		T(defaults_apply_without_conf_or_rows),
		cmocka_unit_test(user_over_group_over_global_over_conf_over_default),
		T(module_argument_beats_global_row_but_not_group),
		T(resolve_group_puts_group_over_global),
		T(strictest_value_wins_across_groups),
		T(classes_from_two_groups_are_united),
		T(equal_values_name_the_first_group),
		T(group_level_replaces_global_even_when_weaker),
		T(corrupted_group_row_fails_closed),
		T(non_policy_key_in_store_fails_closed),
		T(corrupted_global_row_fails_closed),
		T(groups_join_nss_and_store_without_duplicates),
		T(nss_group_policy_applies_to_system_account),
		T(virtual_account_gets_store_groups_only),
		T(resolve_with_groups_agrees_with_both),
		T(groups_callback_can_stop_the_walk),
		T(resolution_names_root_and_admin_group_members),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
