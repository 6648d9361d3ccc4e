/*
 * Tests of lib/history.c: every attempt is recorded with its details and
 * place; identical successes merge within history_merge_seconds and not
 * after, never failures nor attempts differing in service, address or
 * type; the listing filters by user, period and failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"
#include "crmpolicy/history.h"

#define MAX_ROWS 16

struct rows {
	int n;
	struct crm_login l[MAX_ROWS];
};

static int collect(void *arg, const struct crm_login *l)
{
	struct rows *r = arg;

	if (r->n < MAX_ROWS)
		r->l[r->n] = *l;
	r->n++;
	return 0;
}

static void list(struct tenv *t, const struct crm_login_filter *f,
	struct rows *r)
{
	struct crm_login_filter all = { NULL, 0, 0, 0 };
	struct crm_error err;

	memset(r, 0, sizeof(*r));
	if (crm_history_foreach(&t->ctx, f ? f : &all, collect, r, &err) !=
	    CRM_OK)
		fail_msg("foreach: %s", err.msg);
}

static void record(struct tenv *t, const char *user, int success,
	const char *reason)
{
	struct crm_error err;

	if (crm_history_record(&t->ctx, user, CRM_LOGIN_PASSWORD, success,
			reason, 0, NULL, NULL, &err) != CRM_OK)
		fail_msg("record: %s", err.msg);
}

static int setup(void **state)
{
	struct tenv *t = tenv_new("history_merge_seconds = 300\n"
		"geoip_city_db = /nonexistent/city.mmdb\n"
		"geoip_asn_db = /nonexistent/asn.mmdb\n");

	t->ctx.service = "sshd";
	t->ctx.rhost = "198.51.100.7";
	t->ctx.tty = "ssh";
	*state = t;
	return 0;
}

static void records_every_attempt(void **state)
{
	struct tenv *t = *state;
	struct rows r;

	record(t, "alice", 0, "wrong password");
	t->ctx.now += 5;
	record(t, "alice", 1, NULL);
	list(t, NULL, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.l[0].time, T0);
	assert_string_equal(r.l[0].user, "alice");
	assert_string_equal(r.l[0].service, "sshd");
	assert_string_equal(r.l[0].rhost, "198.51.100.7");
	assert_string_equal(r.l[0].tty, "ssh");
	assert_string_equal(r.l[0].type, CRM_LOGIN_PASSWORD);
	assert_int_equal(r.l[0].success, 0);
	assert_string_equal(r.l[0].reason, "wrong password");
	assert_int_equal(r.l[0].count, 1);
	assert_int_equal(r.l[1].success, 1);
	assert_string_equal(r.l[1].reason, "");
	assert_int_equal(r.l[1].time, T0 + 5);
}

static void merges_identical_successes_within_window(void **state)
{
	struct tenv *t = *state;
	struct rows r;

	record(t, "alice", 1, NULL);
	t->ctx.now += 200;
	record(t, "alice", 1, NULL);
	/* The window runs from the row's last attempt. */
	t->ctx.now += 300;
	record(t, "alice", 1, NULL);
	list(t, NULL, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.l[0].count, 3);
	assert_int_equal(r.l[0].time, T0);
	assert_int_equal(r.l[0].last_time, T0 + 500);
}

static void does_not_merge_after_window(void **state)
{
	struct tenv *t = *state;
	struct rows r;

	record(t, "alice", 1, NULL);
	t->ctx.now += 301;
	record(t, "alice", 1, NULL);
	list(t, NULL, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.l[0].count, 1);
	assert_int_equal(r.l[1].count, 1);
}

static void does_not_merge_failures(void **state)
{
	struct tenv *t = *state;
	struct rows r;

	record(t, "alice", 0, "wrong password");
	record(t, "alice", 0, "wrong password");
	list(t, NULL, &r);
	assert_int_equal(r.n, 2);
}

static void does_not_merge_across_services_addresses_users_or_types(
	void **state)
{
	struct tenv *t = *state;
	struct crm_error err;
	struct rows r;

	record(t, "alice", 1, NULL);
	t->ctx.service = "dovecot";
	record(t, "alice", 1, NULL);
	t->ctx.rhost = "198.51.100.8";
	record(t, "alice", 1, NULL);
	record(t, "bob", 1, NULL);
	assert_int_equal(crm_history_record(&t->ctx, "bob", CRM_LOGIN_STACKED,
		1, NULL, 0, NULL, NULL, &err), CRM_OK);
	list(t, NULL, &r);
	assert_int_equal(r.n, 5);
	/* A failure in between does not end the success's row. */
	t->ctx.now += 10;
	record(t, "bob", 0, "wrong password");
	record(t, "bob", 1, NULL);
	list(t, NULL, &r);
	assert_int_equal(r.n, 6);
}

static void merge_seconds_zero_never_merges(void **state)
{
	struct tenv *t = tenv_new("history_merge_seconds = 0\n");
	struct rows r;

	(void)state;
	t->ctx.rhost = "198.51.100.7";
	record(t, "alice", 1, NULL);
	record(t, "alice", 1, NULL);
	list(t, NULL, &r);
	assert_int_equal(r.n, 2);
	tenv_free(t);
}

static void geo_env_path(const char *name, char *buf, size_t len)
{
	char cwd[2048];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(buf, len, "%s/tests/data/%s", cwd, name);
	assert_int_equal(access(buf, R_OK), 0);
}

static void looks_up_the_place_of_the_address(void **state)
{
	char city[2200], asn[2200], conf[4500];
	struct tenv *t;
	struct rows r;
	struct crm_error err;

	(void)state;
	geo_env_path("geo-city-test.mmdb", city, sizeof(city));
	geo_env_path("geo-asn-test.mmdb", asn, sizeof(asn));
	snprintf(conf, sizeof(conf), "geoip_city_db = %s\ngeoip_asn_db = %s\n",
		city, asn);
	t = tenv_new(conf);
	t->ctx.rhost = "::ffff:127.0.1.5";
	assert_int_equal(crm_history_record(&t->ctx, "alice",
		CRM_LOGIN_PASSWORD, 1, NULL, 1, NULL, NULL, &err), CRM_OK);
	t->ctx.rhost = "127.0.0.5";
	record(t, "alice", 1, NULL);
	list(t, NULL, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.l[0].rhost, "127.0.1.5");
	assert_string_equal(r.l[0].place.country_code, "CZ");
	assert_string_equal(r.l[0].place.city, "Prague");
	assert_string_equal(r.l[0].place.org, "Test Hotel Network s.r.o.");
	assert_int_equal(r.l[0].new_ip, 1);
	assert_string_equal(r.l[1].place.country, "");
	assert_int_equal(r.l[1].new_ip, 0);
	tenv_free(t);
}

static void uses_the_given_place(void **state)
{
	struct tenv *t = *state;
	struct crm_place p;
	struct crm_error err;
	struct rows r;

	memset(&p, 0, sizeof(p));
	snprintf(p.country, sizeof(p.country), "Italy");
	snprintf(p.city, sizeof(p.city), "Milan");
	assert_int_equal(crm_history_record(&t->ctx, "alice",
		CRM_LOGIN_PASSWORD, 1, NULL, 0, &p, NULL, &err), CRM_OK);
	list(t, NULL, &r);
	assert_string_equal(r.l[0].place.city, "Milan");
}

static void records_without_place_when_geo_fails(void **state)
{
	struct tenv *t0 = *state, *t;
	struct rows r;
	char *bad = tenv_write(t0, "bad.mmdb", "not a database at all\n");
	char conf[600];

	snprintf(conf, sizeof(conf), "geoip_city_db = %s\n", bad);
	t = tenv_new(conf);
	t->ctx.rhost = "127.0.1.5";
	t->nlog = 0;
	record(t, "alice", 1, NULL);
	list(t, NULL, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.l[0].place.city, "");
	assert_true(t->nlog > 0);
	assert_non_null(strstr(t->lastlog, bad));
	free(bad);
	tenv_free(t);
}

static void local_login_has_empty_address(void **state)
{
	struct tenv *t = *state;
	struct rows r;

	t->ctx.rhost = NULL;
	t->ctx.tty = "tty1";
	record(t, "alice", 1, NULL);
	list(t, NULL, &r);
	assert_string_equal(r.l[0].rhost, "");
	assert_string_equal(r.l[0].tty, "tty1");
}

static void filters_by_user_period_and_failure(void **state)
{
	struct tenv *t = *state;
	struct crm_login_filter f = { NULL, 0, 0, 0 };
	struct rows r;

	record(t, "alice", 1, NULL);		/* T0 */
	t->ctx.now = T0 + DAY;
	record(t, "bob", 0, "wrong password");
	t->ctx.now = T0 + 2 * DAY;
	record(t, "alice", 0, "locked");
	t->ctx.now = T0 + 3 * DAY;
	record(t, "alice", 1, NULL);

	f.user = "alice";
	list(t, &f, &r);
	assert_int_equal(r.n, 3);
	f.user = "bob";
	list(t, &f, &r);
	assert_int_equal(r.n, 1);
	f.user = "nobody-here";
	list(t, &f, &r);
	assert_int_equal(r.n, 0);

	f.user = NULL;
	f.since = T0 + DAY;
	list(t, &f, &r);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.l[0].user, "bob");
	f.until = T0 + 2 * DAY;
	list(t, &f, &r);
	assert_int_equal(r.n, 2);
	f.since = f.until = 0;
	f.failed_only = 1;
	list(t, &f, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.l[0].success, 0);
	assert_int_equal(r.l[1].success, 0);
	f.user = "alice";
	list(t, &f, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.l[0].reason, "locked");
}

static void merged_row_matches_a_period_it_overlaps(void **state)
{
	struct tenv *t = *state;
	struct crm_login_filter f = { NULL, 0, 0, 0 };
	struct rows r;

	record(t, "alice", 1, NULL);
	t->ctx.now += 250;
	record(t, "alice", 1, NULL);
	f.since = T0 + 100;
	list(t, &f, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.l[0].count, 2);
	f.since = T0 + 251;
	list(t, &f, &r);
	assert_int_equal(r.n, 0);
}

static void record_as(struct tenv *t, const char *type)
{
	struct crm_error err;

	if (crm_history_record(&t->ctx, "alice", type, 1, "", 0, NULL,
			NULL, &err) != CRM_OK)
		fail_msg("record: %s", err.msg);
}

static void retype(struct tenv *t, const char *to)
{
	struct crm_error err;

	if (crm_history_retype(&t->ctx, "alice", CRM_LOGIN_EXTERNAL, to,
			&err) != CRM_OK)
		fail_msg("retype: %s", err.msg);
}

static long long typed(struct tenv *t, const char *type, const char *what)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT %s FROM logins WHERE type = ?1",
		what);
	return tenv_query_int(t, sql, type, NULL);
}

static void retypes_the_newest_login_of_a_type(void **state)
{
	struct tenv *t = *state;

	record_as(t, CRM_LOGIN_EXTERNAL);
	retype(t, "publickey");
	assert_int_equal(typed(t, "publickey", "count(*)"), 1);
	assert_int_equal(typed(t, CRM_LOGIN_EXTERNAL, "count(*)"), 0);
	/* Nothing left to retype: no change. */
	retype(t, "publickey");
	assert_int_equal(typed(t, "publickey", "sum(count)"), 1);
}

static void retyped_login_joins_a_row_of_its_type(void **state)
{
	struct tenv *t = *state;

	record_as(t, "publickey");
	t->ctx.now += 60;
	record_as(t, CRM_LOGIN_EXTERNAL);
	retype(t, "publickey");
	assert_int_equal(typed(t, "publickey", "count(*)"), 1);
	assert_int_equal(typed(t, "publickey", "sum(count)"), 2);
	assert_int_equal(typed(t, "publickey", "max(last_time)"), t->ctx.now);
	assert_int_equal(typed(t, CRM_LOGIN_EXTERNAL, "count(*)"), 0);
}

static void merged_row_gives_back_only_its_newest_login(void **state)
{
	struct tenv *t = *state;

	record_as(t, CRM_LOGIN_EXTERNAL);
	t->ctx.now += 60;
	record_as(t, CRM_LOGIN_EXTERNAL);
	retype(t, "publickey");
	assert_int_equal(typed(t, CRM_LOGIN_EXTERNAL, "sum(count)"), 1);
	assert_int_equal(typed(t, "publickey", "sum(count)"), 1);
	assert_int_equal(typed(t, "publickey", "min(time)"), t->ctx.now);
}

static void retypes_nothing_older_than_the_window(void **state)
{
	struct tenv *t = *state;

	record_as(t, CRM_LOGIN_EXTERNAL);
	t->ctx.now += CRM_RETYPE_WINDOW + 1;
	retype(t, "publickey");
	assert_int_equal(typed(t, CRM_LOGIN_EXTERNAL, "count(*)"), 1);
	assert_int_equal(typed(t, "publickey", "count(*)"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, tenv_teardown)
		T(records_every_attempt),
		T(merges_identical_successes_within_window),
		T(does_not_merge_after_window),
		T(does_not_merge_failures),
		T(does_not_merge_across_services_addresses_users_or_types),
		cmocka_unit_test(merge_seconds_zero_never_merges),
		cmocka_unit_test(looks_up_the_place_of_the_address),
		T(uses_the_given_place),
		T(records_without_place_when_geo_fails),
		T(local_login_has_empty_address),
		T(filters_by_user_period_and_failure),
		T(merged_row_matches_a_period_it_overlaps),
		T(retypes_the_newest_login_of_a_type),
		T(retyped_login_joins_a_row_of_its_type),
		T(merged_row_gives_back_only_its_newest_login),
		T(retypes_nothing_older_than_the_window),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
