/*
 * Unit tests of lib/govern.c: the govern_uids grammar (through the one
 * setter too), the login.defs item with its fall-backs, matching, and
 * whether a user is governed: by uid, and always when an administrator
 * put the account in the store.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/govern.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/store.h"

#define NSS_USER "daemon"	/* uid 1 on every Debian system */

static int check(const char *value)
{
	struct crm_error e;

	crm_error_clear(&e);
	return crm_govern_check(value, &e);
}

static void accepts_every_item_form(void **state)
{
	(void)state;
	assert_int_equal(check("login.defs"), 0);
	assert_int_equal(check("all"), 0);
	assert_int_equal(check("0"), 0);
	assert_int_equal(check("1000-60000"), 0);
	assert_int_equal(check("0,33,1000-1999,login.defs"), 0);
	assert_int_equal(check("5-5"), 0);
	assert_int_equal(check("4294967294"), 0);
	/* The empty list governs no system account. */
	assert_int_equal(check(""), 0);
}

static void refuses_malformed_items(void **state)
{
	struct crm_error e;

	(void)state;
	assert_int_equal(check("root"), CRM_EINVAL);
	assert_int_equal(check("login.def"), CRM_EINVAL);
	assert_int_equal(check("ALL"), CRM_EINVAL);
	assert_int_equal(check("-5"), CRM_EINVAL);
	assert_int_equal(check("5-"), CRM_EINVAL);
	assert_int_equal(check("9-3"), CRM_EINVAL);
	assert_int_equal(check("+5"), CRM_EINVAL);
	assert_int_equal(check("1-2-3"), CRM_EINVAL);
	assert_int_equal(check("4294967295"), CRM_EINVAL);
	assert_int_equal(check("0x10"), CRM_EINVAL);
	assert_int_equal(check("1,,2"), CRM_EINVAL);
	crm_error_clear(&e);
	assert_int_equal(crm_govern_check("0,1000-x", &e), CRM_EINVAL);
	assert_string_equal(e.msg, "govern_uids: '1000-x' is not login.defs, "
		"all, a uid or a range FIRST-LAST");
}

static void setter_validates_and_reports_file_and_line(void **state)
{
	struct crm_config cfg;
	struct crm_problems probs;
	struct crm_error e;
	struct tenv *t = tenv_new(NULL);
	char *path, want[512];

	(void)state;
	crm_config_init(&cfg);
	assert_string_equal(cfg.str[CRM_K_GOVERN_UIDS], "login.defs");
	assert_false(crm_key_is_policy(CRM_K_GOVERN_UIDS));
	assert_int_equal(crm_config_set(&cfg, "govern_uids", " 0 , 1000-60000",
		"test", &e), 0);
	assert_string_equal(cfg.str[CRM_K_GOVERN_UIDS], "0,1000-60000");
	assert_int_equal(crm_config_set(&cfg, "govern_uids", "0,nobody",
		"test", &e), CRM_EINVAL);
	assert_string_equal(cfg.str[CRM_K_GOVERN_UIDS], "0,1000-60000");
	path = tenv_write(t, "bad.conf", "minlen = 9\ngovern_uids = 1-0\n");
	crm_problems_init(&probs);
	assert_int_equal(crm_config_load(&cfg, path, 1, &probs, &e), CRM_ECONF);
	assert_int_equal(probs.n, 1);
	snprintf(want, sizeof(want), "%s:2: govern_uids: '1-0' is not", path);
	assert_non_null(strstr(probs.items[0], want));
	crm_problems_free(&probs);
	crm_config_free(&cfg);
	free(path);
	tenv_free(t);
}

static void matches_uids_ranges_and_all(void **state)
{
	(void)state;
	assert_true(crm_govern_has("all", NULL, 0));
	assert_true(crm_govern_has("all", NULL, 33));
	assert_true(crm_govern_has("0,1", NULL, 1));
	assert_false(crm_govern_has("0,1", NULL, 2));
	assert_true(crm_govern_has("5,100-200", NULL, 100));
	assert_true(crm_govern_has("5,100-200", NULL, 200));
	assert_false(crm_govern_has("5,100-200", NULL, 99));
	assert_false(crm_govern_has("5,100-200", NULL, 201));
	assert_false(crm_govern_has("", NULL, 0));
	assert_false(crm_govern_has(NULL, NULL, 1000));
}

static void login_defs_gives_uid_min_to_uid_max(void **state)
{
	struct tenv *t = tenv_new(NULL);
	unsigned long lo, hi;
	char *path;

	(void)state;
	path = tenv_write(t, "login.defs",
		"# UID_MIN 1\n"
		"MAIL_DIR /var/mail\n"
		"UID_MINIMUM 7\n"
		"\tUID_MIN\t\t 500\n"
		"UID_MAX 600   \n"
		"SUB_UID_MIN 100000\n");
	crm_govern_login_defs(path, &lo, &hi);
	assert_int_equal(lo, 500);
	assert_int_equal(hi, 600);
	assert_true(crm_govern_has("login.defs", path, 500));
	assert_true(crm_govern_has("login.defs", path, 600));
	assert_false(crm_govern_has("login.defs", path, 499));
	assert_false(crm_govern_has("login.defs", path, 1000));
	assert_true(crm_govern_has("0,login.defs", path, 0));
	free(path);
	tenv_free(t);
}

static void login_defs_falls_back_on_what_it_cannot_read(void **state)
{
	struct tenv *t = tenv_new(NULL);
	unsigned long lo, hi;
	char *path;

	(void)state;
	crm_govern_login_defs("/nonexistent/login.defs", &lo, &hi);
	assert_int_equal(lo, 1000);
	assert_int_equal(hi, 60000);
	assert_true(crm_govern_has("login.defs", "/nonexistent/login.defs",
		1000));
	assert_false(crm_govern_has("login.defs", "/nonexistent/login.defs",
		999));
	/* A value that is not plain decimal gives that value's default. */
	path = tenv_write(t, "hex.defs", "UID_MIN 0x10\nUID_MAX 2000\n");
	crm_govern_login_defs(path, &lo, &hi);
	assert_int_equal(lo, 1000);
	assert_int_equal(hi, 2000);
	free(path);
	path = tenv_write(t, "junk.defs", "UID_MIN 500 # low\nUID_MAX -1\n");
	crm_govern_login_defs(path, &lo, &hi);
	assert_int_equal(lo, 1000);
	assert_int_equal(hi, 60000);
	free(path);
	/* A minimum above the maximum gives both defaults. */
	path = tenv_write(t, "upside.defs", "UID_MIN 5000\nUID_MAX 4000\n");
	crm_govern_login_defs(path, &lo, &hi);
	assert_int_equal(lo, 1000);
	assert_int_equal(hi, 60000);
	free(path);
	tenv_free(t);
}

static int governed(struct tenv *t, const char *user)
{
	struct crm_error e;
	int g = -1;

	if (crm_govern_user(&t->ctx, user, &g, &e) != CRM_OK)
		fail_msg("govern %s: %s", user, e.msg);
	return g;
}

static void system_account_outside_the_set_is_not_governed(void **state)
{
	struct tenv *t = tenv_new(NULL);

	(void)state;
	/* The default set is login.defs: daemon (1) and root (0) are out. */
	assert_false(governed(t, NSS_USER));
	assert_false(governed(t, "root"));
	tenv_free(t);
}

static void system_account_inside_the_set_is_governed(void **state)
{
	struct tenv *t = tenv_new("govern_uids = 0,1\n");

	(void)state;
	assert_true(governed(t, NSS_USER));
	assert_true(governed(t, "root"));
	tenv_free(t);
}

static void name_unknown_to_nss_is_left_to_the_phases(void **state)
{
	struct tenv *t = tenv_new("govern_uids =\n");

	(void)state;
	assert_true(governed(t, "no-such-user-crmtest"));
	tenv_free(t);
}

static void administrators_accounts_are_always_governed(void **state)
{
	struct tenv *t = tenv_new(NULL);
	struct crm_account a;
	struct crm_error e;

	(void)state;
	/* Added by an administrator, without a store password. */
	tenv_add_user(t, NSS_USER, NULL);
	assert_true(governed(t, NSS_USER));
	tenv_free(t);

	t = tenv_new(NULL);
	tenv_blank(&a, NSS_USER);
	a.origin = CRM_ORIGIN_SEEN;
	assert_int_equal(crm_account_insert(t->ctx.db, &a, &e), CRM_OK);
	/* Seen on first sight before govern_uids existed: not ours now. */
	assert_false(governed(t, NSS_USER));
	/* With a store password it is an account of the store's. */
	snprintf(a.pw_hash, sizeof(a.pw_hash), "%s", "$argon2id$v=19$x");
	assert_int_equal(crm_account_update(t->ctx.db, &a, &e), CRM_OK);
	assert_true(governed(t, NSS_USER));
	tenv_free(t);
}

/*
 * With a cache (a PAM handle's), the answer is kept for its time: a
 * change in the store reaches the next handle, or this one after ttl.
 */
static void cached_answer_holds_for_the_cache_time(void **state)
{
	struct tenv *t = tenv_new(NULL);
	struct crm_account a;
	struct crm_error e;

	(void)state;
	assert_int_equal(crm_policy_cache_new(2, 30, &t->ctx.pcache, &e), 0);
	tenv_blank(&a, NSS_USER);
	a.origin = CRM_ORIGIN_SEEN;
	assert_int_equal(crm_account_insert(t->ctx.db, &a, &e), CRM_OK);
	assert_false(governed(t, NSS_USER));
	snprintf(a.pw_hash, sizeof(a.pw_hash), "%s", "$argon2id$v=19$x");
	assert_int_equal(crm_account_update(t->ctx.db, &a, &e), CRM_OK);
	assert_false(governed(t, NSS_USER));
	/* Another name is not answered from this one's slot. */
	assert_false(governed(t, "root"));
	t->ctx.now += 30;
	assert_true(governed(t, NSS_USER));
	crm_policy_cache_free(t->ctx.pcache);
	t->ctx.pcache = NULL;
	tenv_free(t);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(accepts_every_item_form),
		T(refuses_malformed_items),
		T(setter_validates_and_reports_file_and_line),
		T(matches_uids_ranges_and_all),
		T(login_defs_gives_uid_min_to_uid_max),
		T(login_defs_falls_back_on_what_it_cannot_read),
		T(system_account_outside_the_set_is_not_governed),
		T(system_account_inside_the_set_is_governed),
		T(name_unknown_to_nss_is_left_to_the_phases),
		T(administrators_accounts_are_always_governed),
		T(cached_answer_holds_for_the_cache_time),
	};

	return cmocka_run_group_tests_name("govern", tests, NULL, NULL);
}
