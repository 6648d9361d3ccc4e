/*
 * Unit tests of lib/sip.c and the registrar phases: HA1 derived for
 * accounts under a sip_realm at every password change, sealed, and gone
 * without a realm or a password; the registrar's check (address, account
 * state, attempts in flight, realm) handing out HA1, or a decoy for an
 * unknown extension; and the batch of outcomes recorded in order.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/admin.h"
#include "crmpolicy/rules.h"
#include "crmpolicy/sip.h"

#include <sodium.h>

#define PW "Phone#Secret9"
#define PW2 "Other-Phone#7"
#define REALM "pbx.test"
/* MD5 and SHA-256 of "1001:pbx.test:Phone#Secret9" (Python's hashlib). */
#define HA1_MD5 "d444eb8cc07b6c331a780b22d95bd234"
#define HA1_SHA "a64231a94557bc2fb516b49c0a8cb50c8b315d1cf35ac803b6bacea8e8389477"

static int setup(void **state)
{
	struct tenv *t = tenv_new("sip_realm = " REALM "\nip_deny = 3\n");

	t->ctx.service = "sip";
	t->ctx.rhost = "127.0.1.5";
	t->ctx.login_type = CRM_LOGIN_SIP;
	*state = t;
	return 0;
}

static enum crm_verdict check(struct tenv *t, const char *user,
	const char *realm, enum crm_sip_algo algo, int inflight,
	char ha1[CRM_HA1_HEX_MAX], struct crm_sip_outcome *refusal)
{
	struct crm_result res;
	struct crm_error e;

	crm_error_clear(&e);
	if (crm_sip_check(&t->ctx, user, realm, algo, inflight, &res, ha1,
			refusal, &e) != CRM_OK)
		fail_msg("sip_check %s: %s", user, e.msg);
	return res.verdict;
}

static void outcome(struct crm_sip_outcome *o, enum crm_sip_kind kind,
	const char *user, const char *rhost, int64_t when)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	snprintf(o->user, sizeof(o->user), "%s", user);
	snprintf(o->service, sizeof(o->service), "sip");
	snprintf(o->rhost, sizeof(o->rhost), "%s", rhost);
	o->when = when;
}

static void settle(struct tenv *t, const struct crm_sip_outcome *v, size_t n)
{
	struct crm_error e;
	size_t alerts;

	if (crm_sip_settle(&t->ctx, v, n, &alerts, &e) != CRM_OK)
		fail_msg("sip_settle: %s", e.msg);
}

static long long creds(struct tenv *t)
{
	return tenv_query_int(t, "SELECT count(*) FROM sip_credentials", NULL,
		NULL);
}

/* ---- credentials ---- */

static void realm_is_a_quotable_token(void **state)
{
	struct crm_error e;
	char big[200];

	(void)state;
	assert_int_equal(crm_sip_realm_check("pbx.example.com", &e), CRM_OK);
	assert_int_equal(crm_sip_realm_check("", &e), CRM_OK);
	assert_int_equal(crm_sip_realm_check("pbx example", &e), CRM_EINVAL);
	assert_int_equal(crm_sip_realm_check("pbx\"x", &e), CRM_EINVAL);
	assert_int_equal(crm_sip_realm_check("pbx\\x", &e), CRM_EINVAL);
	assert_int_equal(crm_sip_realm_check("p\xc3\xa9", &e), CRM_EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(crm_sip_realm_check(big, &e), CRM_EINVAL);
}

static void password_change_derives_both_ha1(void **state)
{
	struct tenv *t = *state;
	struct crm_sip_outcome r;
	char ha1[CRM_HA1_HEX_MAX];

	tenv_add_user(t, "1001", PW);
	assert_int_equal(creds(t), 1);
	/* Sealed: the store holds no HA1 in the clear. */
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM"
		" sip_credentials WHERE sealed LIKE '%' || ?1 || '%'", HA1_MD5,
		NULL), 0);
	assert_int_equal(check(t, "1001", REALM, CRM_SIP_MD5, 0, ha1, &r),
		CRM_V_ALLOW);
	assert_string_equal(ha1, HA1_MD5);
	assert_int_equal(check(t, "1001", REALM, CRM_SIP_SHA256, 0, ha1, &r),
		CRM_V_ALLOW);
	assert_string_equal(ha1, HA1_SHA);
}

static void new_password_replaces_ha1(void **state)
{
	struct tenv *t = *state;
	struct crm_sip_outcome r;
	struct crm_error e;
	char ha1[CRM_HA1_HEX_MAX];
	unsigned rules = 0;

	tenv_add_user(t, "1001", PW);
	assert_int_equal(crm_admin_user_passwd(&t->ctx, "1001", PW2, &rules,
		&e), CRM_OK);
	/* An admin reset forces a change, which a phone cannot make: the
	 * registration goes on with the new password. */
	assert_int_equal(check(t, "1001", REALM, CRM_SIP_MD5, 0, ha1, &r),
		CRM_V_ALLOW);
	assert_string_not_equal(ha1, HA1_MD5);
	assert_int_equal(creds(t), 1);
}

static void weak_extension_password_is_refused(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;
	unsigned rules = 0;

	tenv_add_user(t, "1001", PW);
	assert_int_equal(crm_admin_user_passwd(&t->ctx, "1001", "1234",
		&rules, &e), CRM_EPOLICY);
	assert_true(rules != 0);
}

static void no_realm_no_credentials(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;

	assert_int_equal(crm_config_set(&t->cfg, "sip_realm", "", "test", &e),
		CRM_OK);
	tenv_add_user(t, "alice", PW);
	assert_int_equal(creds(t), 0);
}

static void realm_per_group_or_user(void **state)
{
	struct tenv *t = *state;
	struct crm_policy pol;
	struct crm_error e;

	assert_int_equal(crm_config_set(&t->cfg, "sip_realm", "", "test", &e),
		CRM_OK);
	assert_int_equal(crm_admin_group_add(&t->ctx, "phones", &e), CRM_OK);
	assert_int_equal(crm_admin_group_add(&t->ctx, "aaa", &e), CRM_OK);
	assert_int_equal(crm_policy_row_set(t->ctx.db, "group", "phones",
		"sip_realm", "phones.test", &e), CRM_OK);
	assert_int_equal(crm_policy_row_set(t->ctx.db, "group", "aaa",
		"sip_realm", "aaa.test", &e), CRM_OK);
	tenv_add_user(t, "1001", NULL);
	assert_int_equal(crm_member_add(t->ctx.db, "phones", "1001", &e), CRM_OK);
	tenv_resolve(t, "1001", &pol);
	assert_string_equal(pol.text[CRM_PT_SIP_REALM], "phones.test");
	assert_string_equal(pol.source[CRM_K_SIP_REALM], "group phones");
	/* Several groups: the first by name gives its realm. */
	assert_int_equal(crm_member_add(t->ctx.db, "aaa", "1001", &e), CRM_OK);
	tenv_resolve(t, "1001", &pol);
	assert_string_equal(pol.text[CRM_PT_SIP_REALM], "aaa.test");
	assert_int_equal(crm_policy_row_set(t->ctx.db, "user", "1001",
		"sip_realm", "mine.test", &e), CRM_OK);
	tenv_resolve(t, "1001", &pol);
	assert_string_equal(pol.text[CRM_PT_SIP_REALM], "mine.test");
	assert_string_equal(pol.source[CRM_K_SIP_REALM], "user 1001");
}

static void account_deleted_takes_its_credentials(void **state)
{
	struct tenv *t = *state;
	struct crm_error e;

	tenv_add_user(t, "1001", PW);
	assert_int_equal(crm_admin_user_del(&t->ctx, "1001", &e), CRM_OK);
	assert_int_equal(creds(t), 0);
}

static void another_key_opens_nothing(void **state)
{
	struct tenv *t = *state;
	struct crm_sip_outcome r;
	struct crm_error e;
	char ha1[CRM_HA1_HEX_MAX];
	struct crm_result res;

	tenv_add_user(t, "1001", PW);
	/* A rotated key: the sealed credentials no longer open. */
	randombytes_buf(t->ctx.key, sizeof(t->ctx.key));
	assert_int_equal(crm_sip_check(&t->ctx, "1001", REALM, CRM_SIP_MD5, 0,
		&res, ha1, &r, &e), CRM_EKEY);
	assert_string_equal(ha1, "");
}

/* ---- the registrar's check ---- */

static void unknown_extension_gets_a_stable_decoy(void **state)
{
	struct tenv *t = *state;
	struct crm_sip_outcome r;
	char a[CRM_HA1_HEX_MAX], b[CRM_HA1_HEX_MAX], c[CRM_HA1_HEX_MAX];

	assert_int_equal(check(t, "9999", REALM, CRM_SIP_MD5, 0, a, &r),
		CRM_V_UNKNOWN);
	assert_int_equal(strlen(a), 32);
	assert_int_equal(check(t, "9999", REALM, CRM_SIP_MD5, 0, b, &r),
		CRM_V_UNKNOWN);
	assert_string_equal(a, b);
	assert_int_equal(check(t, "9998", REALM, CRM_SIP_MD5, 0, c, &r),
		CRM_V_UNKNOWN);
	assert_string_not_equal(a, c);
	assert_int_equal(check(t, "9999", REALM, CRM_SIP_SHA256, 0, c, &r),
		CRM_V_UNKNOWN);
	assert_int_equal(strlen(c), 64);
	assert_int_equal(r.kind, CRM_SIP_OK);
}

static void other_realm_has_no_credentials(void **state)
{
	struct tenv *t = *state;
	struct crm_sip_outcome r;
	char ha1[CRM_HA1_HEX_MAX];

	tenv_add_user(t, "1001", PW);
	assert_int_equal(check(t, "1001", "other.test", CRM_SIP_MD5, 0, ha1,
		&r), CRM_V_NO_FACTOR);
	assert_string_equal(ha1, "");
	assert_int_equal(r.kind, CRM_SIP_REFUSED);
}

static void account_state_refuses_before_the_digest(void **state)
{
	struct tenv *t = *state;
	struct crm_sip_outcome r;
	char ha1[CRM_HA1_HEX_MAX];

	tenv_add_user(t, "1001", PW);
	tenv_exec_ok(t, "UPDATE accounts SET failures = 3, locked_at = 1");
	assert_int_equal(check(t, "1001", REALM, CRM_SIP_MD5, 0, ha1, &r),
		CRM_V_LOCKED);
	assert_string_equal(ha1, "");
	assert_string_equal(r.reason, "locked");
	tenv_exec_ok(t, "UPDATE accounts SET failures = 0, locked_at = 0,"
		" disabled = 1, disabled_reason = 'admin'");
	assert_int_equal(check(t, "1001", REALM, CRM_SIP_MD5, 0, ha1, &r),
		CRM_V_DISABLED);
	tenv_exec_ok(t, "UPDATE accounts SET disabled = 0");
	t->ctx.now += 91 * DAY;
	assert_int_equal(check(t, "1001", REALM, CRM_SIP_MD5, 0, ha1, &r),
		CRM_V_INACTIVE);
}

static void expired_password_refuses_a_registration(void **state)
{
	struct tenv *t = *state;
	struct crm_sip_outcome r;
	char ha1[CRM_HA1_HEX_MAX];

	tenv_add_user(t, "1001", PW);
	/* Active (registered yesterday) but 91 days past its change. */
	t->ctx.now += 91 * DAY;
	tenv_exec_ok(t, "UPDATE accounts SET last_login = 1767225600 + 90 * 86400");
	assert_int_equal(check(t, "1001", REALM, CRM_SIP_MD5, 0, ha1, &r),
		CRM_V_EXPIRED);
}

static void attempts_in_flight_stop_at_deny(void **state)
{
	struct tenv *t = *state;
	struct crm_sip_outcome r;
	char ha1[CRM_HA1_HEX_MAX];

	tenv_add_user(t, "1001", PW);
	assert_int_equal(check(t, "1001", REALM, CRM_SIP_MD5, 2, ha1, &r),
		CRM_V_ALLOW);
	assert_int_equal(check(t, "1001", REALM, CRM_SIP_MD5, 3, ha1, &r),
		CRM_V_EXHAUSTED);
	tenv_exec_ok(t, "UPDATE accounts SET failures = 2");
	assert_int_equal(check(t, "1001", REALM, CRM_SIP_MD5, 1, ha1, &r),
		CRM_V_EXHAUSTED);
	assert_int_equal(check(t, "1001", REALM, CRM_SIP_MD5, 0, ha1, &r),
		CRM_V_ALLOW);
}

static void deny_rule_and_blocked_address_refuse(void **state)
{
	struct tenv *t = *state;
	struct crm_sip_outcome r;
	struct crm_rule rule;
	struct crm_error e;
	char ha1[CRM_HA1_HEX_MAX];

	tenv_add_user(t, "1001", PW);
	memset(&rule, 0, sizeof(rule));
	snprintf(rule.name, sizeof(rule.name), "nojp");
	snprintf(rule.scope, sizeof(rule.scope), "all");
	snprintf(rule.network, sizeof(rule.network), "127.0.2.0/24");
	rule.priority = -1;
	rule.action = CRM_RULE_DENY;
	assert_int_equal(crm_rules_add(&t->ctx, &rule, NULL, NULL, 1, &e),
		CRM_OK);
	t->ctx.rhost = "127.0.2.5";
	assert_int_equal(check(t, "1001", REALM, CRM_SIP_MD5, 0, ha1, &r),
		CRM_V_IP_DENIED);
	assert_string_equal(r.rule, "nojp");
	/* Nothing was written by the check: the batch records it. */
	assert_int_equal(tenv_count_events(t, "ip.denied", "1001"), 0);
	settle(t, &r, 1);
	assert_int_equal(tenv_count_events(t, "ip.denied", "1001"), 1);
	assert_true(tenv_has_event(t, "login.failure", "1001", "nojp"));
	tenv_exec_ok(t, "INSERT INTO ip_blocks(ip, blocked_at, until, failures)"
		" VALUES('127.0.3.5', 0, 9999999999, 3)");
	t->ctx.rhost = "127.0.3.5";
	assert_int_equal(check(t, "1001", REALM, CRM_SIP_MD5, 0, ha1, &r),
		CRM_V_THROTTLED);
}

/* ---- the batch of outcomes ---- */

static void success_is_a_sip_login_and_refreshes_merge(void **state)
{
	struct tenv *t = *state;
	struct crm_sip_outcome v[3];
	struct crm_account a;

	tenv_add_user(t, "1001", PW);
	outcome(&v[0], CRM_SIP_OK, "1001", "127.0.1.5", t->ctx.now);
	outcome(&v[1], CRM_SIP_OK, "1001", "127.0.1.5", t->ctx.now + 60);
	outcome(&v[2], CRM_SIP_OK, "1001", "127.0.1.5", t->ctx.now + 120);
	settle(t, v, 3);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM logins"
		" WHERE type = 'sip' AND success = 1", NULL, NULL), 1);
	assert_int_equal(tenv_query_int(t, "SELECT sum(count) FROM logins"
		" WHERE type = 'sip'", NULL, NULL), 3);
	/* A refresh merged into the row is not audited again. */
	assert_int_equal(tenv_count_events(t, "login.success", "1001"), 1);
	tenv_get(t, "1001", &a);
	assert_int_equal(a.last_login, t->ctx.now + 120);
}

static void wrong_digests_lock_at_deny(void **state)
{
	struct tenv *t = *state;
	struct crm_sip_outcome v[3];
	struct crm_account a;

	tenv_add_user(t, "1001", PW);
	for (int i = 0; i < 3; i++)
		outcome(&v[i], CRM_SIP_WRONG, "1001", "127.0.1.5", t->ctx.now);
	settle(t, v, 3);
	tenv_get(t, "1001", &a);
	assert_int_equal(a.failures, 3);
	assert_true(a.locked_at != 0);
	assert_int_equal(tenv_count_events(t, "lock", "1001"), 1);
}

static void guesses_at_unknown_extensions_block_the_address(void **state)
{
	struct tenv *t = *state;
	struct crm_sip_outcome v[3];
	char name[8];

	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "90%02d", i);
		outcome(&v[i], CRM_SIP_WRONG, name, "127.0.4.5", t->ctx.now);
	}
	settle(t, v, 3);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM ip_blocks"
		" WHERE ip = '127.0.4.5'", NULL, NULL), 1);
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM accounts",
		NULL, NULL), 0);
}

static void a_failing_batch_records_nothing(void **state)
{
	struct tenv *t = *state;
	struct crm_sip_outcome v[2];
	struct crm_error e;
	size_t alerts;

	tenv_add_user(t, "1001", PW);
	outcome(&v[0], CRM_SIP_WRONG, "1001", "127.0.1.5", t->ctx.now);
	outcome(&v[1], CRM_SIP_OK, "1001", "127.0.1.5", t->ctx.now);
	if (tenv_pg()) {
		tenv_exec_ok(t, "CREATE FUNCTION no_room() RETURNS trigger"
			" LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no room';"
			" END $$");
		tenv_exec_ok(t, "CREATE TRIGGER no_logins BEFORE INSERT ON"
			" logins FOR EACH ROW EXECUTE FUNCTION no_room()");
	} else {
		tenv_exec_ok(t, "CREATE TRIGGER no_logins BEFORE INSERT ON"
			" logins BEGIN SELECT RAISE(ABORT, 'no room'); END");
	}
	assert_int_equal(crm_sip_settle(&t->ctx, v, 2, &alerts, &e),
		CRM_ESTORE);
	assert_int_equal(tenv_query_int(t, "SELECT failures FROM accounts",
		NULL, NULL), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, tenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(realm_is_a_quotable_token),
		T(password_change_derives_both_ha1),
		T(new_password_replaces_ha1),
		T(weak_extension_password_is_refused),
		T(no_realm_no_credentials),
		T(realm_per_group_or_user),
		T(account_deleted_takes_its_credentials),
		T(another_key_opens_nothing),
		T(unknown_extension_gets_a_stable_decoy),
		T(other_realm_has_no_credentials),
		T(account_state_refuses_before_the_digest),
		T(expired_password_refuses_a_registration),
		T(attempts_in_flight_stop_at_deny),
		T(deny_rule_and_blocked_address_refuse),
		T(success_is_a_sip_login_and_refreshes_merge),
		T(wrong_digests_lock_at_deny),
		T(guesses_at_unknown_extensions_block_the_address),
		T(a_failing_batch_records_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
