/*
 * Tests of lib/admin.c: each administrative change refusing bad input
 * without writing anything and succeeding with its audit event, the
 * status summary, the admin check and the creation of the key file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"
#include "crmpolicy/admin.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/pwhash.h"
#include "crmpolicy/quality.h"

#define GOOD_PW "Tr1cky!Pass"

static int audit_count(struct tenv *t, const char *event)
{
	return (int)tenv_query_int(t, "SELECT count(*) FROM audit"
		" WHERE event = ?1", event, NULL);
}

static int policy_rows(struct tenv *t)
{
	return (int)tenv_query_int(t, "SELECT count(*) FROM policy", NULL,
		NULL);
}

static void add_user(struct tenv *t, const char *user, const char *pw)
{
	struct crm_error err;
	unsigned rules = 0;

	assert_int_equal(crm_admin_user_add(&t->ctx, user, NULL, NULL, 0, pw,
		&rules, &err), CRM_OK);
}

static void get(struct tenv *t, const char *user, struct crm_account *a)
{
	struct crm_error err;

	assert_int_equal(crm_account_get(t->ctx.db, user, a, &err), CRM_OK);
}

static int exists(struct tenv *t, const char *user)
{
	struct crm_account a;
	struct crm_error err;

	return crm_account_get(t->ctx.db, user, &a, &err) == CRM_OK;
}

/* ---- user add ---- */

static void add_with_password_must_change_at_first_login(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;

	add_user(t, "alice", GOOD_PW);
	get(t, "alice", &a);
	assert_int_equal(a.must_change, 1);
	assert_int_equal(a.pw_changed, T0);
	assert_int_equal(a.origin, CRM_ORIGIN_ADMIN);
	assert_int_equal(crm_pwhash_verify(a.pw_hash, GOOD_PW), 1);
	assert_int_equal(audit_count(t, "user.add"), 1);
}

static void add_refuses_weak_password_and_writes_nothing(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;
	unsigned rules = 0;
	const char *groups[] = { "staff" };

	assert_int_equal(crm_admin_user_add(&t->ctx, "bob", NULL, groups, 1,
		"short", &rules, &err), CRM_EPOLICY);
	assert_true(rules & CRM_PW_SHORT);
	assert_false(exists(t, "bob"));
	int g = 1;
	assert_int_equal(crm_group_exists(t->ctx.db, "staff", &g, &err), 0);
	assert_int_equal(g, 0);
	assert_int_equal(audit_count(t, "user.add"), 0);
}

static void add_without_password_leaves_it_to_the_stack(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;

	add_user(t, "carol", NULL);
	get(t, "carol", &a);
	assert_string_equal(a.pw_hash, "");
	assert_int_equal(a.must_change, 0);
}

static void add_refuses_existing_user(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	add_user(t, "alice", NULL);
	assert_int_equal(crm_admin_user_add(&t->ctx, "alice", NULL, NULL, 0,
		NULL, NULL, &err), CRM_EEXIST);
	assert_int_equal(audit_count(t, "user.add"), 1);
}

static void add_refuses_invalid_user_name(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	assert_int_equal(crm_admin_user_add(&t->ctx, "bad name", NULL, NULL, 0,
		NULL, NULL, &err), CRM_EINVAL);
	assert_int_equal(crm_admin_user_add(&t->ctx, "-opt", NULL, NULL, 0,
		NULL, NULL, &err), CRM_EINVAL);
	assert_false(exists(t, "bad name"));
}

static void add_refuses_malformed_email_and_accepts_plain_one(void **state)
{
	struct tenv *t = *state;
	static const char *const bad[] = { "no-at-sign", "a@b@c", "@b.c",
		"a@", "a b@c.d", "a@b.c\nBcc: x@y.z" };
	struct crm_account a;
	struct crm_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(crm_admin_user_add(&t->ctx, "dave", bad[i],
			NULL, 0, NULL, NULL, &err), CRM_EINVAL);
		assert_non_null(strstr(err.msg, "e-mail"));
	}
	assert_false(exists(t, "dave"));
	assert_int_equal(crm_admin_user_add(&t->ctx, "dave", "d@example.com",
		NULL, 0, NULL, NULL, &err), CRM_OK);
	get(t, "dave", &a);
	assert_string_equal(a.email, "d@example.com");
	assert_int_equal(a.email_verified, 0);
}

static void add_creates_missing_groups_with_membership(void **state)
{
	struct tenv *t = *state;
	const char *groups[] = { "staff", "sip" };
	struct crm_status st;
	struct crm_error err;

	assert_int_equal(crm_admin_user_add(&t->ctx, "erin", NULL, groups, 2,
		NULL, NULL, &err), CRM_OK);
	assert_int_equal(crm_admin_status(&t->ctx, "erin", &st, &err), CRM_OK);
	assert_non_null(strstr(st.groups, "staff"));
	assert_non_null(strstr(st.groups, "sip"));
	assert_int_equal(audit_count(t, "group.add"), 2);
}

static void add_checks_password_against_group_policy(void **state)
{
	struct tenv *t = *state;
	const char *groups[] = { "strict" };
	const char *set[] = { "minlen=16" };
	struct crm_error err;
	unsigned rules = 0;

	assert_int_equal(crm_admin_group_add(&t->ctx, "strict", &err), CRM_OK);
	assert_int_equal(crm_admin_policy_set(&t->ctx, "group", "strict", set,
		1, &err), CRM_OK);
	assert_int_equal(crm_admin_user_add(&t->ctx, "fred", NULL, groups, 1,
		GOOD_PW, &rules, &err), CRM_EPOLICY);
	assert_int_equal(rules, CRM_PW_SHORT);
	assert_int_equal(crm_admin_user_add(&t->ctx, "fred", NULL, NULL, 0,
		GOOD_PW, &rules, &err), CRM_OK);
}

/* ---- del, disable, enable, unlock, expire ---- */

static void del_removes_user_and_refuses_unknown(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	add_user(t, "alice", NULL);
	assert_int_equal(crm_admin_user_del(&t->ctx, "alice", &err), CRM_OK);
	assert_false(exists(t, "alice"));
	assert_int_equal(crm_admin_user_del(&t->ctx, "alice", &err),
		CRM_ENOENT);
	assert_int_equal(audit_count(t, "user.del"), 1);
}

static void disable_marks_admin_reason_and_enable_restarts_clock(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_error err;

	add_user(t, "alice", NULL);
	assert_int_equal(crm_admin_user_disable(&t->ctx, "alice", &err),
		CRM_OK);
	get(t, "alice", &a);
	assert_int_equal(a.disabled, 1);
	assert_string_equal(a.disabled_reason, "admin");
	a.failures = 3;
	a.locked_at = T0;
	assert_int_equal(crm_account_update(t->ctx.db, &a, &err), CRM_OK);

	t->ctx.now = T0 + 40 * DAY;
	assert_int_equal(crm_admin_user_enable(&t->ctx, "alice", &err),
		CRM_OK);
	get(t, "alice", &a);
	assert_int_equal(a.disabled, 0);
	assert_int_equal(a.enabled_at, T0 + 40 * DAY);
	assert_int_equal(a.locked_at, 0);
	assert_int_equal(a.failures, 0);
	assert_int_equal(audit_count(t, "disable"), 1);
	assert_int_equal(audit_count(t, "enable"), 1);
}

static void disable_refuses_unknown_user(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	assert_int_equal(crm_admin_user_disable(&t->ctx, "ghost", &err),
		CRM_ENOENT);
	assert_int_equal(audit_count(t, "disable"), 0);
}

static void unlock_clears_lock_and_refuses_unknown_user(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_error err;

	add_user(t, "alice", NULL);
	get(t, "alice", &a);
	a.failures = 3;
	a.first_fail = T0;
	a.locked_at = T0;
	assert_int_equal(crm_account_update(t->ctx.db, &a, &err), CRM_OK);
	assert_int_equal(crm_admin_user_unlock(&t->ctx, "alice", &err), CRM_OK);
	get(t, "alice", &a);
	assert_int_equal(a.locked_at, 0);
	assert_int_equal(a.failures, 0);
	assert_int_equal(audit_count(t, "unlock"), 1);
	assert_int_equal(crm_admin_user_unlock(&t->ctx, "ghost", &err),
		CRM_ENOENT);
}

static void expire_forces_change_at_next_login(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_error err;

	add_user(t, "alice", NULL);
	assert_int_equal(crm_admin_user_expire(&t->ctx, "alice", &err), CRM_OK);
	get(t, "alice", &a);
	assert_int_equal(a.must_change, 1);
	assert_int_equal(audit_count(t, "password.expire"), 1);
	assert_int_equal(crm_admin_user_expire(&t->ctx, "ghost", &err),
		CRM_ENOENT);
}

static void set_email_validates_and_marks_verified(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_error err;

	add_user(t, "alice", NULL);
	assert_int_equal(crm_admin_user_set_email(&t->ctx, "alice", "x y@z",
		1, &err), CRM_EINVAL);
	assert_int_equal(crm_admin_user_set_email(&t->ctx, "alice",
		"a@example.com", 1, &err), CRM_OK);
	get(t, "alice", &a);
	assert_string_equal(a.email, "a@example.com");
	assert_int_equal(a.email_verified, 1);
	assert_int_equal(crm_admin_user_set_email(&t->ctx, "alice",
		"b@example.com", 0, &err), CRM_OK);
	get(t, "alice", &a);
	assert_int_equal(a.email_verified, 0);
}

/* ---- passwd ---- */

static void passwd_resets_and_forces_change(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_error err;
	unsigned rules = 0;

	add_user(t, "alice", GOOD_PW);
	t->ctx.now = T0 + DAY;
	assert_int_equal(crm_admin_user_passwd(&t->ctx, "alice", "N3w!secret",
		&rules, &err), CRM_OK);
	get(t, "alice", &a);
	assert_int_equal(crm_pwhash_verify(a.pw_hash, "N3w!secret"), 1);
	assert_int_equal(a.must_change, 1);
	assert_int_equal(a.pw_changed, T0 + DAY);
	assert_int_equal(audit_count(t, "password.change"), 1);
}

static void passwd_refuses_weak_password_and_keeps_old(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_error err;
	unsigned rules = 0;

	add_user(t, "alice", GOOD_PW);
	assert_int_equal(crm_admin_user_passwd(&t->ctx, "alice", "alice",
		&rules, &err), CRM_EPOLICY);
	assert_true(rules & CRM_PW_USERNAME);
	get(t, "alice", &a);
	assert_int_equal(crm_pwhash_verify(a.pw_hash, GOOD_PW), 1);
	assert_int_equal(audit_count(t, "password.change"), 0);
	assert_int_equal(crm_admin_user_passwd(&t->ctx, "ghost", GOOD_PW,
		&rules, &err), CRM_ENOENT);
}

/* ---- groups ---- */

static void group_add_refuses_duplicate_and_del_unknown(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	assert_int_equal(crm_admin_group_add(&t->ctx, "staff", &err), CRM_OK);
	assert_int_equal(crm_admin_group_add(&t->ctx, "staff", &err),
		CRM_EEXIST);
	assert_int_equal(crm_admin_group_del(&t->ctx, "staff", &err), CRM_OK);
	assert_int_equal(crm_admin_group_del(&t->ctx, "staff", &err),
		CRM_ENOENT);
	assert_int_equal(audit_count(t, "group.add"), 1);
	assert_int_equal(audit_count(t, "group.del"), 1);
}

static void member_add_needs_store_group_and_user(void **state)
{
	struct tenv *t = *state;
	struct crm_status st;
	struct crm_error err;

	add_user(t, "alice", NULL);
	assert_int_equal(crm_admin_member_add(&t->ctx, "staff", "alice", &err),
		CRM_ENOENT);
	assert_int_equal(crm_admin_group_add(&t->ctx, "staff", &err), CRM_OK);
	assert_int_equal(crm_admin_member_add(&t->ctx, "staff", "ghost", &err),
		CRM_ENOENT);
	assert_int_equal(crm_admin_member_add(&t->ctx, "staff", "alice", &err),
		CRM_OK);
	assert_int_equal(crm_admin_status(&t->ctx, "alice", &st, &err), CRM_OK);
	assert_non_null(strstr(st.groups, "staff"));
	assert_int_equal(crm_admin_member_del(&t->ctx, "staff", "alice", &err),
		CRM_OK);
	assert_int_equal(crm_admin_status(&t->ctx, "alice", &st, &err), CRM_OK);
	assert_null(strstr(st.groups, "staff"));
	assert_int_equal(audit_count(t, "member.add"), 1);
	assert_int_equal(audit_count(t, "member.del"), 1);
}

/* ---- policy set ---- */

static void policy_set_writes_valid_overrides(void **state)
{
	struct tenv *t = *state;
	const char *set[] = { "minlen=12", "mfa=totp" };
	struct crm_policy pol;
	struct crm_error err;

	assert_int_equal(crm_admin_group_add(&t->ctx, "staff", &err), CRM_OK);
	assert_int_equal(crm_admin_policy_set(&t->ctx, "group", "staff", set, 2,
		&err), CRM_OK);
	assert_int_equal(crm_policy_resolve_group(&t->ctx, "staff", &pol, &err),
		CRM_OK);
	assert_int_equal(pol.num[CRM_K_MINLEN], 12);
	assert_int_equal(pol.num[CRM_K_MFA], CRM_MFA_TOTP);
	assert_non_null(strstr(pol.source[CRM_K_MINLEN], "staff"));
	assert_int_equal(audit_count(t, "policy.change"), 1);
}

static void policy_set_refuses_unknown_key_and_writes_nothing(void **state)
{
	struct tenv *t = *state;
	const char *set[] = { "minlen=12", "nosuchkey=1" };
	struct crm_error err;

	assert_int_equal(crm_admin_policy_set(&t->ctx, "global", NULL, set, 2,
		&err), CRM_EINVAL);
	assert_non_null(strstr(err.msg, "nosuchkey"));
	assert_int_equal(policy_rows(t), 0);
	assert_int_equal(audit_count(t, "policy.change"), 0);
}

static void policy_set_refuses_conf_only_key(void **state)
{
	struct tenv *t = *state;
	const char *set[] = { "minlen=12", "db=/tmp/other.db" };
	struct crm_error err;

	assert_int_equal(crm_admin_policy_set(&t->ctx, "global", NULL, set, 2,
		&err), CRM_EINVAL);
	assert_non_null(strstr(err.msg, "can only be set in crmpolicy.conf"));
	assert_int_equal(policy_rows(t), 0);
}

static void policy_set_refuses_bad_value_and_writes_nothing(void **state)
{
	struct tenv *t = *state;
	const char *set[] = { "history=5", "minlen=abc" };
	const char *noeq[] = { "minlen" };
	struct crm_error err;

	assert_int_equal(crm_admin_policy_set(&t->ctx, "global", NULL, set, 2,
		&err), CRM_EINVAL);
	assert_int_equal(crm_admin_policy_set(&t->ctx, "global", NULL, noeq, 1,
		&err), CRM_EINVAL);
	assert_int_equal(policy_rows(t), 0);
}

static void policy_set_default_removes_override(void **state)
{
	struct tenv *t = *state;
	const char *set[] = { "deny=5" };
	const char *reset[] = { "deny=default" };
	struct crm_policy pol;
	struct crm_error err;

	assert_int_equal(crm_admin_policy_set(&t->ctx, "global", NULL, set, 1,
		&err), CRM_OK);
	assert_int_equal(policy_rows(t), 1);
	assert_int_equal(crm_admin_policy_set(&t->ctx, "global", NULL, reset, 1,
		&err), CRM_OK);
	assert_int_equal(policy_rows(t), 0);
	assert_int_equal(crm_policy_resolve_global(&t->ctx, &pol, &err),
		CRM_OK);
	assert_int_equal(pol.num[CRM_K_DENY], 3);
}

static void policy_set_refuses_unknown_target(void **state)
{
	struct tenv *t = *state;
	const char *set[] = { "minlen=10" };
	struct crm_error err;

	assert_int_equal(crm_admin_policy_set(&t->ctx, "group",
		"no-such-group-x", set, 1, &err), CRM_ENOENT);
	assert_int_equal(crm_admin_policy_set(&t->ctx, "user", "ghost", set, 1,
		&err), CRM_ENOENT);
	assert_int_equal(crm_admin_policy_set(&t->ctx, "planet", "x", set, 1,
		&err), CRM_EINVAL);
	assert_int_equal(policy_rows(t), 0);
}

static void policy_set_accepts_system_group_and_store_user(void **state)
{
	struct tenv *t = *state;
	const char *set[] = { "minlen=10" };
	struct crm_error err;

	/* "root" is a group on every Linux system (NSS). */
	assert_int_equal(crm_admin_policy_set(&t->ctx, "group", "root", set, 1,
		&err), CRM_OK);
	add_user(t, "alice", NULL);
	assert_int_equal(crm_admin_policy_set(&t->ctx, "user", "alice", set, 1,
		&err), CRM_OK);
	assert_int_equal(policy_rows(t), 2);
}

/* ---- status ---- */

static void status_reports_active_account(void **state)
{
	struct tenv *t = *state;
	struct crm_status st;
	struct crm_error err;

	add_user(t, "alice", GOOD_PW);
	assert_int_equal(crm_admin_status(&t->ctx, "alice", &st, &err), CRM_OK);
	assert_int_equal(st.locked, 0);
	assert_int_equal(st.expires, T0 + 90 * DAY);
	assert_int_equal(st.inactive_in_days, 30);
	assert_int_equal(crm_admin_status(&t->ctx, "ghost", &st, &err),
		CRM_ENOENT);
}

static void status_reports_lock_and_time_left(void **state)
{
	struct tenv *t = *state;
	const char *set[] = { "unlock_time=600" };
	struct crm_account a;
	struct crm_status st;
	struct crm_error err;

	add_user(t, "alice", NULL);
	get(t, "alice", &a);
	a.failures = 3;
	a.first_fail = T0;
	a.locked_at = T0;
	assert_int_equal(crm_account_update(t->ctx.db, &a, &err), CRM_OK);
	t->ctx.now = T0 + 100;
	assert_int_equal(crm_admin_status(&t->ctx, "alice", &st, &err), CRM_OK);
	assert_int_equal(st.locked, 1);
	assert_int_equal(st.lock_left, -1);

	assert_int_equal(crm_admin_policy_set(&t->ctx, "global", NULL, set, 1,
		&err), CRM_OK);
	assert_int_equal(crm_admin_status(&t->ctx, "alice", &st, &err), CRM_OK);
	assert_int_equal(st.locked, 1);
	assert_int_equal(st.lock_left, 500);
	t->ctx.now = T0 + 600;
	assert_int_equal(crm_admin_status(&t->ctx, "alice", &st, &err), CRM_OK);
	assert_int_equal(st.locked, 0);
}

static void status_shows_time_left_of_an_administrators_lock(void **state)
{
	struct tenv *t = *state;
	struct crm_account a;
	struct crm_status st;
	struct crm_error err;

	/* nobody's primary group on Debian is nogroup. */
	assert_int_equal(crm_config_set(&t->cfg, "admin_group", "nogroup",
		"test", &err), CRM_OK);
	add_user(t, "nobody", NULL);
	add_user(t, "daemon", NULL);
	for (int i = 0; i < 2; i++) {
		get(t, i ? "daemon" : "nobody", &a);
		a.failures = 3;
		a.first_fail = T0;
		a.locked_at = T0;
		assert_int_equal(crm_account_update(t->ctx.db, &a, &err),
			CRM_OK);
	}
	t->ctx.now = T0 + 100;
	/* unlock_time = 0, admin_unlock_time = 900. */
	assert_int_equal(crm_admin_status(&t->ctx, "nobody", &st, &err), CRM_OK);
	assert_int_equal(st.locked, 1);
	assert_int_equal(st.lock_left, 800);
	assert_int_equal(crm_admin_status(&t->ctx, "daemon", &st, &err), CRM_OK);
	assert_int_equal(st.locked, 1);
	assert_int_equal(st.lock_left, -1);
	t->ctx.now = T0 + 900;
	assert_int_equal(crm_admin_status(&t->ctx, "nobody", &st, &err), CRM_OK);
	assert_int_equal(st.locked, 0);
}

/* ---- allowed, init ---- */

static void allowed_only_root_without_admin_group(void **state)
{
	struct tenv *t = *state;

	assert_int_equal(crm_admin_allowed(&t->cfg, 0), 1);
	assert_int_equal(crm_admin_allowed(&t->cfg, 65534), 0);
	assert_int_equal(crm_admin_allowed(&t->cfg, -1), 0);
}

static void allowed_admin_group_member(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	/* nobody's primary group on Debian is nogroup (65534). */
	assert_int_equal(crm_config_set(&t->cfg, "admin_group", "nogroup",
		"test", &err), CRM_OK);
	assert_int_equal(crm_admin_allowed(&t->cfg, 65534), 1);
	assert_int_equal(crm_config_set(&t->cfg, "admin_group", "root",
		"test", &err), CRM_OK);
	assert_int_equal(crm_admin_allowed(&t->cfg, 65534), 0);
}

static void init_creates_private_key_once(void **state)
{
	struct tenv *t = *state;
	const char *path = t->cfg.str[CRM_K_KEY_FILE];
	struct crm_error err;
	struct stat st;
	unsigned char first[32], again[32];
	int fd;

	assert_int_equal(crm_admin_init(&t->cfg, &err), CRM_OK);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, first, sizeof(first)), 32);
	close(fd);
	/* A second run keeps the key: secrets encrypted with it stay readable. */
	assert_int_equal(crm_admin_init(&t->cfg, &err), CRM_OK);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, again, sizeof(again)), 32);
	close(fd);
	assert_memory_equal(first, again, 32);
}

static void init_refuses_symlink_and_open_key(void **state)
{
	struct tenv *t = *state;
	const char *path = t->cfg.str[CRM_K_KEY_FILE];
	char *target = tenv_write(t, "elsewhere", "0123456789abcdef0123456789abcdef");
	struct crm_error err;

	/* The key the store was opened with goes first. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(crm_admin_init(&t->cfg, &err), CRM_EKEY);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(target, path), 0);
	/* 0644 from tenv_write: readable by others. */
	assert_int_equal(crm_admin_init(&t->cfg, &err), CRM_EKEY);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(crm_admin_init(&t->cfg, &err), CRM_OK);
	free(target);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tenv_setup, tenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(add_with_password_must_change_at_first_login),
		T(add_refuses_weak_password_and_writes_nothing),
		T(add_without_password_leaves_it_to_the_stack),
		T(add_refuses_existing_user),
		T(add_refuses_invalid_user_name),
		T(add_refuses_malformed_email_and_accepts_plain_one),
		T(add_creates_missing_groups_with_membership),
		T(add_checks_password_against_group_policy),
		T(del_removes_user_and_refuses_unknown),
		T(disable_marks_admin_reason_and_enable_restarts_clock),
		T(disable_refuses_unknown_user),
		T(unlock_clears_lock_and_refuses_unknown_user),
		T(expire_forces_change_at_next_login),
		T(set_email_validates_and_marks_verified),
		T(passwd_resets_and_forces_change),
		T(passwd_refuses_weak_password_and_keeps_old),
		T(group_add_refuses_duplicate_and_del_unknown),
		T(member_add_needs_store_group_and_user),
		T(policy_set_writes_valid_overrides),
		T(policy_set_refuses_unknown_key_and_writes_nothing),
		T(policy_set_refuses_conf_only_key),
		T(policy_set_refuses_bad_value_and_writes_nothing),
		T(policy_set_default_removes_override),
		T(policy_set_refuses_unknown_target),
		T(policy_set_accepts_system_group_and_store_user),
		T(status_reports_active_account),
		T(status_shows_time_left_of_an_administrators_lock),
		T(status_reports_lock_and_time_left),
		T(allowed_only_root_without_admin_group),
		T(allowed_admin_group_member),
		T(init_creates_private_key_once),
		T(init_refuses_symlink_and_open_key),
	};

	return cmocka_run_group_tests_name("admin", tests, NULL, NULL);
}
