/*
 * Tests of lib/knownip.c: the first success from an address is new and
 * audited, later ones are not; an address unused for known_ip_days is
 * forgotten; local logins are never new; listing and the audited delete.
 */
#include <stdio.h>
#include <string.h>

#include "testlib.h"
#include "crmpolicy/knownip.h"

#define ADDR "198.51.100.7"

static int setup(void **state)
{
	struct tenv *t = tenv_new("known_ip_days = 10\n");

	tenv_add_user(t, "alice", NULL);
	tenv_add_user(t, "bob", NULL);
	t->ctx.service = "sshd";
	t->ctx.rhost = ADDR;
	*state = t;
	return 0;
}

/* One success of user from ctx.rhost; returns is_new. */
static int seen(struct tenv *t, const char *user)
{
	struct crm_account a;
	struct crm_policy pol;
	struct crm_error err;
	int is_new = -1;

	tenv_get(t, user, &a);
	tenv_resolve(t, user, &pol);
	if (crm_store_begin(t->ctx.db, &err) != CRM_OK)
		fail_msg("begin: %s", err.msg);
	if (crm_knownip_seen(&t->ctx, a.id, user, &pol, &is_new, &err) !=
	    CRM_OK)
		fail_msg("seen: %s", err.msg);
	if (crm_store_commit(t->ctx.db, &err) != CRM_OK)
		fail_msg("commit: %s", err.msg);
	return is_new;
}

#define MAX_ROWS 8

struct rows {
	int n;
	struct crm_knownip k[MAX_ROWS];
};

static int collect(void *arg, const struct crm_knownip *k)
{
	struct rows *r = arg;

	if (r->n < MAX_ROWS)
		r->k[r->n] = *k;
	r->n++;
	return 0;
}

static void list(struct tenv *t, const char *user, struct rows *r)
{
	struct crm_error err;

	memset(r, 0, sizeof(*r));
	if (crm_knownip_foreach(&t->ctx, user, collect, r, &err) != CRM_OK)
		fail_msg("foreach: %s", err.msg);
}

static long long table_rows(struct tenv *t)
{
	return tenv_query_int(t, "SELECT count(*) FROM known_ips", NULL,
		NULL);
}

static void first_success_from_an_address_is_new(void **state)
{
	struct tenv *t = *state;
	struct rows r;

	assert_int_equal(seen(t, "alice"), 1);
	assert_int_equal(tenv_count_events(t, "ip.new", "alice"), 1);
	list(t, "alice", &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.k[0].ip, ADDR);
	assert_int_equal(r.k[0].first_seen, T0);
	assert_int_equal(r.k[0].count, 1);
}

static void second_success_from_it_is_not_new(void **state)
{
	struct tenv *t = *state;
	struct rows r;

	assert_int_equal(seen(t, "alice"), 1);
	t->ctx.now += DAY;
	assert_int_equal(seen(t, "alice"), 0);
	assert_int_equal(tenv_count_events(t, "ip.new", "alice"), 1);
	list(t, "alice", &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.k[0].count, 2);
	assert_int_equal(r.k[0].first_seen, T0);
	assert_int_equal(r.k[0].last_seen, T0 + DAY);
}

static void known_to_one_user_is_new_to_another(void **state)
{
	struct tenv *t = *state;

	assert_int_equal(seen(t, "alice"), 1);
	assert_int_equal(seen(t, "bob"), 1);
	assert_int_equal(tenv_count_events(t, "ip.new", "bob"), 1);
}

static void mapped_ipv4_is_the_same_address(void **state)
{
	struct tenv *t = *state;

	t->ctx.rhost = "::ffff:" ADDR;
	assert_int_equal(seen(t, "alice"), 1);
	t->ctx.rhost = ADDR;
	assert_int_equal(seen(t, "alice"), 0);
}

static void still_known_within_known_ip_days(void **state)
{
	struct tenv *t = *state;

	assert_int_equal(seen(t, "alice"), 1);
	t->ctx.now += 10 * DAY;
	assert_int_equal(seen(t, "alice"), 0);
}

static void forgotten_after_known_ip_days(void **state)
{
	struct tenv *t = *state;
	struct rows r;

	assert_int_equal(seen(t, "alice"), 1);
	t->ctx.now += 10 * DAY + 1;
	/* Not listed once expired, even before a login prunes it. */
	list(t, "alice", &r);
	assert_int_equal(r.n, 0);
	t->ctx.rhost = "198.51.100.8";
	assert_int_equal(seen(t, "alice"), 1);
	assert_int_equal(table_rows(t), 1);
	t->ctx.rhost = ADDR;
	assert_int_equal(seen(t, "alice"), 1);
	assert_int_equal(tenv_count_events(t, "ip.new", "alice"), 3);
}

static void pruning_touches_only_the_users_addresses(void **state)
{
	struct tenv *t = *state;

	assert_int_equal(seen(t, "bob"), 1);
	t->ctx.now += 11 * DAY;
	assert_int_equal(seen(t, "alice"), 1);
	assert_int_equal(table_rows(t), 2);
}

static void known_ip_days_zero_keeps_addresses(void **state)
{
	struct tenv *t = tenv_new("known_ip_days = 0\n");
	struct rows r;

	(void)state;
	tenv_add_user(t, "alice", NULL);
	t->ctx.rhost = ADDR;
	assert_int_equal(seen(t, "alice"), 1);
	t->ctx.now += 1000 * DAY;
	list(t, NULL, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(seen(t, "alice"), 0);
	tenv_free(t);
}

static void local_login_is_never_new(void **state)
{
	struct tenv *t = *state;

	t->ctx.rhost = NULL;
	assert_int_equal(seen(t, "alice"), 0);
	t->ctx.rhost = "";
	assert_int_equal(seen(t, "alice"), 0);
	assert_int_equal(tenv_count_events(t, "ip.new", "alice"), 0);
	assert_int_equal(table_rows(t), 0);
}

static void lists_everyone_by_user_and_address(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;
	struct rows r;

	seen(t, "bob");
	seen(t, "alice");
	t->ctx.rhost = "2001:db8::1";
	seen(t, "alice");
	list(t, NULL, &r);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.k[0].user, "alice");
	assert_string_equal(r.k[2].user, "bob");
	list(t, "alice", &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(crm_knownip_foreach(&t->ctx, "ghost", collect, &r,
		&err), CRM_ENOENT);
}

static void delete_forgets_and_is_audited(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;
	struct rows r;

	seen(t, "alice");
	t->ctx.rhost = NULL;
	assert_int_equal(crm_knownip_delete(&t->ctx, "alice", "::ffff:" ADDR,
		&err), CRM_OK);
	assert_int_equal(tenv_count_events(t, "knownip.delete", "alice"), 1);
	list(t, "alice", &r);
	assert_int_equal(r.n, 0);
	t->ctx.rhost = ADDR;
	assert_int_equal(seen(t, "alice"), 1);
}

static void delete_refuses_unknown_address_or_user(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	seen(t, "alice");
	assert_int_equal(crm_knownip_delete(&t->ctx, "alice", "198.51.100.9",
		&err), CRM_ENOENT);
	assert_int_equal(crm_knownip_delete(&t->ctx, "ghost", ADDR, &err),
		CRM_ENOENT);
	assert_int_equal(crm_knownip_delete(&t->ctx, "alice", "bad addr",
		&err), CRM_EINVAL);
	assert_int_equal(crm_knownip_delete(&t->ctx, "bad user", ADDR, &err),
		CRM_EINVAL);
	assert_int_equal(tenv_count_events(t, "knownip.delete", "alice"), 0);
	assert_int_equal(table_rows(t), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, tenv_teardown)
		T(first_success_from_an_address_is_new),
		T(second_success_from_it_is_not_new),
		T(known_to_one_user_is_new_to_another),
		T(mapped_ipv4_is_the_same_address),
		T(still_known_within_known_ip_days),
		T(forgotten_after_known_ip_days),
		T(pruning_touches_only_the_users_addresses),
		cmocka_unit_test(known_ip_days_zero_keeps_addresses),
		T(local_login_is_never_new),
		T(lists_everyone_by_user_and_address),
		T(delete_forgets_and_is_audited),
		T(delete_refuses_unknown_address_or_user),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
