/*
 * Tests of lib/throttle.c: an address is blocked at ip_deny failures within
 * ip_interval and not before, the block lapses and can be lifted, local
 * logins and ip_deny = 0 are never blocked, ::ffff:a.b.c.d counts with
 * a.b.c.d, and 32 processes failing at once are each counted exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"
#include "crmpolicy/throttle.h"

#define CONF "ip_deny = 3\nip_interval = 60\nip_block_time = 600\n"
#define ADDR "198.51.100.7"

static int setup(void **state)
{
	*state = tenv_new(CONF);
	return 0;
}

/* One failure in its own transaction, as the module counts it. */
static int fail_once(struct tenv *t)
{
	struct crm_error err;
	int now = 0;

	if (crm_store_begin(t->ctx.db, &err) != CRM_OK)
		fail_msg("begin: %s", err.msg);
	if (crm_throttle_fail(&t->ctx, &now, &err) != CRM_OK)
		fail_msg("fail: %s", err.msg);
	if (crm_store_commit(t->ctx.db, &err) != CRM_OK)
		fail_msg("commit: %s", err.msg);
	return now;
}

static int is_blocked(struct tenv *t, int64_t *until)
{
	struct crm_error err;
	int blocked = -1;

	if (crm_throttle_check(&t->ctx, &blocked, until, &err) != CRM_OK)
		fail_msg("check: %s", err.msg);
	return blocked;
}

static long long count(struct tenv *t, const char *sql, const char *ip)
{
	return tenv_query_int(t, sql, ip, NULL);
}

static long long events(struct tenv *t, const char *event)
{
	return tenv_query_int(t, "SELECT count(*) FROM audit WHERE"
		" event = ?1", event, NULL);
}

static void blocks_at_ip_deny_failures_within_interval(void **state)
{
	struct tenv *t = *state;
	int64_t until = 0;

	t->ctx.rhost = ADDR;
	assert_int_equal(fail_once(t), 0);
	t->ctx.now += 10;
	assert_int_equal(fail_once(t), 0);
	t->ctx.now += 10;
	assert_int_equal(fail_once(t), 1);
	assert_int_equal(is_blocked(t, &until), 1);
	assert_int_equal(until, T0 + 20 + 600);
	assert_int_equal(events(t, "ip.throttled"), 1);
	assert_int_equal(count(t, "SELECT failures FROM ip_blocks WHERE ip = ?1",
		ADDR), 3);
}

static void allows_below_ip_deny(void **state)
{
	struct tenv *t = *state;

	t->ctx.rhost = ADDR;
	assert_int_equal(fail_once(t), 0);
	assert_int_equal(fail_once(t), 0);
	assert_int_equal(is_blocked(t, NULL), 0);
	assert_int_equal(events(t, "ip.throttled"), 0);
}

static void allows_failures_spread_beyond_interval(void **state)
{
	struct tenv *t = *state;

	t->ctx.rhost = ADDR;
	for (int i = 0; i < 6; i++) {
		assert_int_equal(fail_once(t), 0);
		t->ctx.now += 31;
	}
	assert_int_equal(is_blocked(t, NULL), 0);
	/* Old failures are pruned as new ones come. */
	assert_true(count(t, "SELECT count(*) FROM ip_failures WHERE ip = ?1",
		ADDR) <= 2);
}

static void counts_across_users_and_services(void **state)
{
	struct tenv *t = *state;

	t->ctx.rhost = ADDR;
	t->ctx.service = "sshd";
	assert_int_equal(fail_once(t), 0);
	t->ctx.service = "dovecot";
	assert_int_equal(fail_once(t), 0);
	t->ctx.service = "apache";
	assert_int_equal(fail_once(t), 1);
}

static void other_addresses_stay_allowed(void **state)
{
	struct tenv *t = *state;

	t->ctx.rhost = ADDR;
	for (int i = 0; i < 3; i++)
		fail_once(t);
	assert_int_equal(is_blocked(t, NULL), 1);
	t->ctx.rhost = "198.51.100.8";
	assert_int_equal(is_blocked(t, NULL), 0);
}

static void block_lapses_after_ip_block_time(void **state)
{
	struct tenv *t = *state;

	t->ctx.rhost = ADDR;
	for (int i = 0; i < 3; i++)
		fail_once(t);
	t->ctx.now += 599;
	assert_int_equal(is_blocked(t, NULL), 1);
	t->ctx.now += 1;
	assert_int_equal(is_blocked(t, NULL), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM ip_blocks", NULL), 0);
	/* The count starts afresh: one more failure does not block again. */
	assert_int_equal(fail_once(t), 0);
	assert_int_equal(is_blocked(t, NULL), 0);
}

static void failures_while_blocked_are_tallied_without_new_event(void **state)
{
	struct tenv *t = *state;

	t->ctx.rhost = ADDR;
	for (int i = 0; i < 3; i++)
		fail_once(t);
	assert_int_equal(fail_once(t), 0);
	assert_int_equal(fail_once(t), 0);
	assert_int_equal(count(t, "SELECT failures FROM ip_blocks WHERE ip = ?1",
		ADDR), 5);
	assert_int_equal(events(t, "ip.throttled"), 1);
}

static void clear_lifts_a_block(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	t->ctx.rhost = ADDR;
	for (int i = 0; i < 3; i++)
		fail_once(t);
	t->ctx.rhost = NULL;
	assert_int_equal(crm_throttle_clear(&t->ctx, ADDR, &err), CRM_OK);
	t->ctx.rhost = ADDR;
	assert_int_equal(is_blocked(t, NULL), 0);
	assert_int_equal(events(t, "ip.unblock"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM ip_failures", NULL), 0);
	assert_int_equal(crm_throttle_clear(&t->ctx, ADDR, &err), CRM_ENOENT);
	assert_int_equal(events(t, "ip.unblock"), 1);
}

static void clear_refuses_bad_address(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	assert_int_equal(crm_throttle_clear(&t->ctx, "", &err), CRM_EINVAL);
	assert_int_equal(crm_throttle_clear(&t->ctx, "a b", &err), CRM_EINVAL);
}

static void ip_deny_zero_never_blocks(void **state)
{
	struct tenv *t = tenv_new("ip_deny = 0\n");

	(void)state;
	t->ctx.rhost = ADDR;
	for (int i = 0; i < 50; i++)
		assert_int_equal(fail_once(t), 0);
	assert_int_equal(is_blocked(t, NULL), 0);
	tenv_free(t);
}

static void local_logins_are_never_blocked(void **state)
{
	struct tenv *t = *state;

	t->ctx.rhost = NULL;
	for (int i = 0; i < 5; i++)
		assert_int_equal(fail_once(t), 0);
	assert_int_equal(is_blocked(t, NULL), 0);
	t->ctx.rhost = "";
	for (int i = 0; i < 5; i++)
		assert_int_equal(fail_once(t), 0);
	assert_int_equal(is_blocked(t, NULL), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM ip_failures", NULL), 0);
}

struct seen {
	char ip[256];
	int n, failures;
};

static int seen_block(void *arg, const struct crm_block *b)
{
	struct seen *s = arg;

	snprintf(s->ip, sizeof(s->ip), "%s", b->ip);
	s->failures = b->failures;
	s->n++;
	return 0;
}

static void mapped_ipv4_counts_with_ipv4(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;
	struct seen s = { "", 0, 0 };

	t->ctx.rhost = "::ffff:" ADDR;
	assert_int_equal(fail_once(t), 0);
	assert_int_equal(fail_once(t), 0);
	t->ctx.rhost = ADDR;
	assert_int_equal(fail_once(t), 1);
	t->ctx.rhost = "::ffff:" ADDR;
	assert_int_equal(is_blocked(t, NULL), 1);
	assert_int_equal(crm_throttle_foreach(&t->ctx, seen_block, &s, &err),
		CRM_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ip, ADDR);
	assert_int_equal(s.failures, 3);
	/* Clearing by the mapped form lifts the IPv4 block. */
	assert_int_equal(crm_throttle_clear(&t->ctx, "::ffff:" ADDR, &err),
		CRM_OK);
	assert_int_equal(is_blocked(t, NULL), 0);
}

static void foreach_lists_only_blocks_in_force(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;
	struct seen s = { "", 0, 0 };

	t->ctx.rhost = ADDR;
	for (int i = 0; i < 3; i++)
		fail_once(t);
	assert_int_equal(crm_throttle_foreach(&t->ctx, seen_block, &s, &err),
		CRM_OK);
	assert_int_equal(s.n, 1);
	t->ctx.now += 600;
	s.n = 0;
	assert_int_equal(crm_throttle_foreach(&t->ctx, seen_block, &s, &err),
		CRM_OK);
	assert_int_equal(s.n, 0);
}

#define RACERS 32

/*
 * RACERS processes, each with its own connection, count one failure each
 * at the same moment (released together by closing a pipe).
 */
static void race(struct tenv *t)
{
	pid_t pids[RACERS];
	int gate[2];

	assert_int_equal(pipe(gate), 0);
	for (int i = 0; i < RACERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct crm_ctx ctx;
			struct crm_error err;
			char c;
			int now = 0, rc;

			close(gate[1]);
			if (crm_ctx_open(&ctx, &t->cfg, 0, &err) != CRM_OK)
				_exit(10);
			ctx.now = T0;
			ctx.rhost = "203.0.113.9";
			ctx.service = "race";
			ctx.actor = "racer";
			if (read(gate[0], &c, 1) != 0)
				_exit(11);
			rc = crm_store_begin(ctx.db, &err);
			if (rc == CRM_OK)
				rc = crm_throttle_fail(&ctx, &now, &err);
			if (rc == CRM_OK)
				rc = crm_store_commit(ctx.db, &err);
			if (rc != CRM_OK)
				fprintf(stderr, "racer: %s\n", err.msg);
			crm_ctx_close(&ctx);
			_exit(rc == CRM_OK ? 0 : 12);
		}
	}
	close(gate[0]);
	close(gate[1]);
	for (int i = 0; i < RACERS; i++) {
		int status = 0;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

static void concurrent_failures_block_exactly_once(void **state)
{
	struct tenv *t = tenv_new("ip_deny = 10\nip_interval = 60\n");

	(void)state;
	race(t);
	assert_int_equal(count(t, "SELECT failures FROM ip_blocks WHERE ip = ?1",
		"203.0.113.9"), RACERS);
	assert_int_equal(count(t, "SELECT count(*) FROM audit WHERE"
		" event = 'ip.throttled' AND rhost = ?1", "203.0.113.9"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM ip_failures", NULL), 0);
	tenv_free(t);
}

static void concurrent_failures_below_deny_are_all_counted(void **state)
{
	struct tenv *t = tenv_new("ip_deny = 100\nip_interval = 60\n");

	(void)state;
	race(t);
	assert_int_equal(count(t, "SELECT count(*) FROM ip_failures WHERE"
		" ip = ?1", "203.0.113.9"), RACERS);
	assert_int_equal(count(t, "SELECT count(*) FROM ip_blocks", NULL), 0);
	tenv_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, tenv_teardown)
		T(blocks_at_ip_deny_failures_within_interval),
		T(allows_below_ip_deny),
		T(allows_failures_spread_beyond_interval),
		T(counts_across_users_and_services),
		T(other_addresses_stay_allowed),
		T(block_lapses_after_ip_block_time),
		T(failures_while_blocked_are_tallied_without_new_event),
		T(clear_lifts_a_block),
		T(clear_refuses_bad_address),
		T(local_logins_are_never_blocked),
		T(mapped_ipv4_counts_with_ipv4),
		T(foreach_lists_only_blocks_in_force),
		cmocka_unit_test(ip_deny_zero_never_blocks),
		cmocka_unit_test(concurrent_failures_block_exactly_once),
		cmocka_unit_test(concurrent_failures_below_deny_are_all_counted),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
