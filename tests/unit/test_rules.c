/*
 * Tests of lib/rules.c: first match by priority, each matching condition
 * (scope, services, network, local, host names, IPv6, mapped IPv4) refusing
 * and allowing, the default row and its sources, 1,000 rules, the
 * self-lockout guard, validation and the audit of every change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "crmpolicy/admin.h"
#include "crmpolicy/rules.h"

static int add_rule(struct tenv *t, const char *name, long long priority,
	const char *scope, const char *services, const char *network,
	enum crm_rule_action action, struct crm_error *err)
{
	struct crm_rule r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.priority = priority;
	snprintf(r.scope, sizeof(r.scope), "%s", scope);
	snprintf(r.services, sizeof(r.services), "%s", services);
	snprintf(r.network, sizeof(r.network), "%s", network);
	r.action = action;
	crm_error_clear(err);
	return crm_rules_add(&t->ctx, &r, NULL, NULL, 0, err);
}

/* Adds a rule for every user and service; fails the test on error. */
static int unguarded_del(struct tenv *t, const char *name,
	struct crm_error *err)
{
	return crm_rules_del(&t->ctx, name, NULL, NULL, 0, err);
}

static void rule(struct tenv *t, const char *name, long long priority,
	const char *network, enum crm_rule_action action)
{
	struct crm_error err;

	if (add_rule(t, name, priority, "all", "", network, action, &err) != 0)
		fail_msg("add %s: %s", name, err.msg);
}

static void scoped(struct tenv *t, const char *name, long long priority,
	const char *scope, const char *services, const char *network,
	enum crm_rule_action action)
{
	struct crm_error err;

	if (add_rule(t, name, priority, scope, services, network, action,
	    &err) != 0)
		fail_msg("add %s: %s", name, err.msg);
}

/* The decision for user on service from rhost must be action by rule. */
static void expect(struct tenv *t, const char *user, const char *service,
	const char *rhost, enum crm_rule_action action, const char *by)
{
	struct crm_rule_decision d;
	struct crm_error err;

	crm_error_clear(&err);
	if (crm_rules_decide(&t->ctx, user, service, rhost, &d, &err) != 0)
		fail_msg("decide: %s", err.msg);
	if (d.action != action || strcmp(d.rule, by) != 0)
		fail_msg("%s/%s from %s: got %s by %s, want %s by %s", user,
			service, rhost ? rhost : "(local)",
			crm_rule_action_name(d.action), d.rule,
			crm_rule_action_name(action), by);
}

static long long count(struct tenv *t, const char *sql)
{
	return tenv_query_int(t, sql, NULL, NULL);
}

static long long nrules(struct tenv *t)
{
	return count(t, "SELECT count(*) FROM rules");
}

static long long nchanges(struct tenv *t)
{
	return tenv_count_events(t, "rule.change", "");
}

static void assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("\"%s\" not in \"%s\"", needle, hay);
}

/* ---- order ---- */

static void first_match_by_priority_wins(void **state)
{
	struct tenv *t = *state;

	rule(t, "block-ten", 20, "10.0.0.0/8", CRM_RULE_DENY);
	rule(t, "office", 10, "10.1.0.0/16", CRM_RULE_ALLOW);
	expect(t, "alice", "sshd", "10.1.2.3", CRM_RULE_ALLOW, "office");
	expect(t, "alice", "sshd", "10.2.0.1", CRM_RULE_DENY, "block-ten");
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_ALLOW, "default");
}

static void equal_priorities_keep_the_order_of_adding(void **state)
{
	struct tenv *t = *state;

	rule(t, "first", 10, "any", CRM_RULE_DENY);
	rule(t, "second", 10, "any", CRM_RULE_ALLOW);
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_DENY, "first");
}

static void add_without_priority_goes_after_the_last(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;
	struct crm_rule r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "one");
	snprintf(r.network, sizeof(r.network), "any");
	r.priority = -1;
	assert_int_equal(crm_rules_add(&t->ctx, &r, NULL, NULL, 0, &err), 0);
	assert_int_equal(r.priority, 10);
	rule(t, "high", 995, "10.0.0.0/8", CRM_RULE_DENY);
	snprintf(r.name, sizeof(r.name), "two");
	r.priority = -1;
	assert_int_equal(crm_rules_add(&t->ctx, &r, NULL, NULL, 0, &err), 0);
	assert_int_equal(r.priority, 1005);
}

struct listing {
	char names[8][CRM_RULE_NAME_MAX + 1];
	int n;
};

static int list_cb(void *arg, const struct crm_rule *r)
{
	struct listing *l = arg;

	if (l->n < 8)
		snprintf(l->names[l->n++], sizeof(l->names[0]), "%s", r->name);
	return 0;
}

static void foreach_lists_in_evaluation_order(void **state)
{
	struct tenv *t = *state;
	struct listing l = { .n = 0 };
	struct crm_error err;

	rule(t, "c", 30, "any", CRM_RULE_ALLOW);
	rule(t, "a", 10, "any", CRM_RULE_ALLOW);
	rule(t, "b", 20, "any", CRM_RULE_DISABLED);
	assert_int_equal(crm_rules_foreach(&t->ctx, list_cb, &l, &err), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.names[0], "a");
	assert_string_equal(l.names[1], "b");
	assert_string_equal(l.names[2], "c");
}

static void move_changes_which_rule_decides(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	rule(t, "allow-net", 10, "192.0.2.0/24", CRM_RULE_ALLOW);
	rule(t, "deny-all", 20, "any", CRM_RULE_DENY);
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_ALLOW, "allow-net");
	assert_int_equal(crm_rules_move(&t->ctx, "deny-all", 5, NULL, NULL, 0,
		&err), 0);
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_DENY, "deny-all");
}

static void del_removes_a_rule_and_refuses_unknown(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	rule(t, "deny-all", 10, "any", CRM_RULE_DENY);
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_DENY, "deny-all");
	assert_int_equal(unguarded_del(t, "deny-all", &err), 0);
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_ALLOW, "default");
	assert_int_equal(unguarded_del(t, "deny-all", &err), CRM_ENOENT);
	assert_contains(err.msg, "deny-all");
	assert_int_equal(crm_rules_move(&t->ctx, "nope", 10, NULL, NULL, 0,
		&err), CRM_ENOENT);
	assert_int_equal(unguarded_del(t, "default", &err), CRM_EINVAL);
}

static void add_refuses_a_duplicate_name(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	rule(t, "dup", 10, "any", CRM_RULE_DENY);
	assert_int_equal(add_rule(t, "dup", 20, "all", "", "any",
		CRM_RULE_ALLOW, &err), CRM_EEXIST);
	assert_contains(err.msg, "dup");
	assert_int_equal(nrules(t), 1);
	assert_int_equal(nchanges(t), 1);
}

/* ---- conditions ---- */

static void user_scope_matches_only_that_user(void **state)
{
	struct tenv *t = *state;

	scoped(t, "carol-out", 10, "user:carol", "", "any", CRM_RULE_DENY);
	expect(t, "carol", "sshd", "192.0.2.1", CRM_RULE_DENY, "carol-out");
	expect(t, "carola", "sshd", "192.0.2.1", CRM_RULE_ALLOW, "default");
	expect(t, "Carol", "sshd", "192.0.2.1", CRM_RULE_ALLOW, "default");
}

static void group_scope_matches_store_group_members(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	tenv_add_user(t, "alice", NULL);
	tenv_add_user(t, "bob", NULL);
	assert_int_equal(crm_admin_group_add(&t->ctx, "staff", &err), 0);
	assert_int_equal(crm_admin_member_add(&t->ctx, "staff", "alice", &err),
		0);
	scoped(t, "staff-out", 10, "group:staff", "", "any", CRM_RULE_DENY);
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_DENY, "staff-out");
	expect(t, "bob", "sshd", "192.0.2.1", CRM_RULE_ALLOW, "default");
}

static void group_scope_matches_system_groups(void **state)
{
	struct tenv *t = *state;

	scoped(t, "wheel-lan", 10, "group:root", "", "any", CRM_RULE_DENY);
	expect(t, "root", "sshd", "192.0.2.1", CRM_RULE_DENY, "wheel-lan");
	expect(t, "no-such-user-x", "sshd", "192.0.2.1", CRM_RULE_ALLOW,
		"default");
}

static void services_list_matches_exact_names(void **state)
{
	struct tenv *t = *state;

	scoped(t, "mail-out", 10, "all", "dovecot,sshd", "any", CRM_RULE_DENY);
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_DENY, "mail-out");
	expect(t, "alice", "dovecot", "192.0.2.1", CRM_RULE_DENY, "mail-out");
	expect(t, "alice", "ssh", "192.0.2.1", CRM_RULE_ALLOW, "default");
	expect(t, "alice", "sshd2", "192.0.2.1", CRM_RULE_ALLOW, "default");
	expect(t, "alice", NULL, "192.0.2.1", CRM_RULE_ALLOW, "default");
}

static void all_services_rule_matches_any_service(void **state)
{
	struct tenv *t = *state;

	scoped(t, "everything", 10, "all", "all", "any", CRM_RULE_DENY);
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_DENY, "everything");
	expect(t, "alice", "apache2", NULL, CRM_RULE_DENY, "everything");
}

static void disabled_rows_are_skipped(void **state)
{
	struct tenv *t = *state;

	rule(t, "off", 5, "any", CRM_RULE_DISABLED);
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_ALLOW, "default");
	rule(t, "on", 10, "any", CRM_RULE_DENY);
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_DENY, "on");
}

static void local_matches_only_a_login_without_rhost(void **state)
{
	struct tenv *t = *state;

	rule(t, "console", 10, "local", CRM_RULE_DENY);
	expect(t, "alice", "login", NULL, CRM_RULE_DENY, "console");
	expect(t, "alice", "login", "", CRM_RULE_DENY, "console");
	expect(t, "alice", "sshd", "127.0.0.1", CRM_RULE_ALLOW, "default");
	expect(t, "alice", "sshd", "host.example.com", CRM_RULE_ALLOW,
		"default");
}

static void host_name_rhost_matches_only_any(void **state)
{
	struct tenv *t = *state;

	rule(t, "all-v4", 10, "0.0.0.0/0", CRM_RULE_DENY);
	rule(t, "all-v6", 20, "::/0", CRM_RULE_DENY);
	rule(t, "console", 30, "local", CRM_RULE_DENY);
	expect(t, "alice", "sshd", "host.example.com", CRM_RULE_ALLOW,
		"default");
	expect(t, "alice", "sshd", "10.0.0.1", CRM_RULE_DENY, "all-v4");
	rule(t, "anything", 40, "any", CRM_RULE_DENY);
	expect(t, "alice", "sshd", "host.example.com", CRM_RULE_DENY,
		"anything");
}

static void ipv6_networks_match_ipv6_addresses(void **state)
{
	struct tenv *t = *state;

	rule(t, "doc-v6", 10, "2001:db8::/32", CRM_RULE_DENY);
	rule(t, "one-v6", 20, "2001:db9::7", CRM_RULE_DENY);
	expect(t, "alice", "sshd", "2001:db8:1::5", CRM_RULE_DENY, "doc-v6");
	expect(t, "alice", "sshd", "2001:DB9:0::7", CRM_RULE_DENY, "one-v6");
	expect(t, "alice", "sshd", "2001:db9::8", CRM_RULE_ALLOW, "default");
	expect(t, "alice", "sshd", "10.0.0.1", CRM_RULE_ALLOW, "default");
}

static void mapped_ipv4_matches_the_ipv4_network(void **state)
{
	struct tenv *t = *state;

	rule(t, "lo-net", 10, "127.0.2.0/24", CRM_RULE_DENY);
	expect(t, "alice", "sshd", "::ffff:127.0.2.5", CRM_RULE_DENY, "lo-net");
	expect(t, "alice", "sshd", "::ffff:127.0.3.5", CRM_RULE_ALLOW,
		"default");
}

/* ---- the default row ---- */

static void default_row_allows_when_nothing_matches(void **state)
{
	struct tenv *t = *state;
	struct crm_rule_decision d;
	struct crm_error err;

	rule(t, "other", 10, "198.51.100.0/24", CRM_RULE_DENY);
	assert_int_equal(crm_rules_decide(&t->ctx, "alice", "sshd", "192.0.2.1",
		&d, &err), 0);
	assert_int_equal(d.action, CRM_RULE_ALLOW);
	assert_string_equal(d.rule, "default");
}

static void default_row_denies_with_ip_default_deny(void **state)
{
	struct tenv *t = tenv_new("ip_default = deny");
	enum crm_rule_action act;
	struct crm_error err;
	char source[128];

	(void)state;
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_DENY, "default");
	rule(t, "lan", 10, "192.0.2.0/24", CRM_RULE_ALLOW);
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_ALLOW, "lan");
	assert_int_equal(crm_rules_default(&t->ctx, &act, source,
		sizeof(source), &err), 0);
	assert_int_equal(act, CRM_RULE_DENY);
	assert_contains(source, "crmpolicy.conf:");
	tenv_free(t);
}

static void default_sources_module_argument_over_store_over_conf(void **state)
{
	struct tenv *t = tenv_new("ip_default = deny");
	enum crm_rule_action act;
	struct crm_error err;
	char source[128];

	(void)state;
	assert_int_equal(crm_rules_set_default(&t->ctx, CRM_RULE_ALLOW, NULL,
		NULL, 0, &err), 0);
	assert_int_equal(crm_rules_default(&t->ctx, &act, source,
		sizeof(source), &err), 0);
	assert_int_equal(act, CRM_RULE_ALLOW);
	assert_string_equal(source, "rule default");
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_ALLOW, "default");

	assert_int_equal(crm_config_set(&t->cfg, "ip_default", "deny",
		"module argument", &err), 0);
	assert_int_equal(crm_rules_default(&t->ctx, &act, source,
		sizeof(source), &err), 0);
	assert_int_equal(act, CRM_RULE_DENY);
	assert_string_equal(source, "module argument");
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_DENY, "default");
	tenv_free(t);
}

static void default_built_in_is_allow(void **state)
{
	struct tenv *t = *state;
	enum crm_rule_action act;
	struct crm_error err;
	char source[128];

	assert_int_equal(crm_rules_default(&t->ctx, &act, source,
		sizeof(source), &err), 0);
	assert_int_equal(act, CRM_RULE_ALLOW);
	assert_string_equal(source, "default");
}

static void unreadable_store_default_fails_closed(void **state)
{
	struct tenv *t = *state;
	struct crm_rule_decision d;
	struct crm_error err;

	assert_int_equal(crm_setting_set(t->ctx.db, "ip_default", "maybe",
		&err), 0);
	assert_int_equal(crm_rules_decide(&t->ctx, "alice", "sshd",
		"192.0.2.1", &d, &err), CRM_ESTORE);
}

static void set_default_refuses_disabled(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	assert_int_equal(crm_rules_set_default(&t->ctx, CRM_RULE_DISABLED, NULL,
		NULL, 0, &err), CRM_EINVAL);
	assert_int_equal(nchanges(t), 0);
}

/* ---- scale ---- */

/*
 * Rule i of 0..999: r%04d on 10.(i / 256).(i % 256).0/24, every third
 * scoped to a group nobody is in, allowing at 998 and denying otherwise.
 */
static void thousand_rules_sqlite(struct tenv *t)
{
	sqlite3_stmt *st;
	char name[32], net[32];

	/* Bulk rows in one transaction: the adds are tested elsewhere. */
	assert_int_equal(sqlite3_exec(crm_db_sqlite(t->ctx.db), "BEGIN", NULL, NULL, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(t->ctx.db), "INSERT INTO rules(name,"
		" priority, scope, services, network, action, created)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0)", -1, &st, NULL), SQLITE_OK);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "r%04d", i);
		snprintf(net, sizeof(net), "10.%d.%d.0/24", i / 256, i % 256);
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, (i + 1) * 10);
		sqlite3_bind_text(st, 3, i % 3 == 0 ? "group:nosuchgroup" : "all",
			-1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, i % 2 ? "sshd,su" : "", -1,
			SQLITE_STATIC);
		sqlite3_bind_text(st, 5, net, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, i == 998 ? "allow" : "deny", -1,
			SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_exec(crm_db_sqlite(t->ctx.db), "COMMIT", NULL, NULL, NULL),
		SQLITE_OK);
}

/* The same rows in one statement. */
static void thousand_rules_pg(struct tenv *t)
{
	tenv_exec_ok(t, "INSERT INTO rules(name, priority, scope, services,"
		" network, action, created)"
		" SELECT 'r' || lpad(i::text, 4, '0'), (i + 1) * 10,"
		" CASE WHEN i % 3 = 0 THEN 'group:nosuchgroup' ELSE 'all' END,"
		" CASE WHEN i % 2 = 1 THEN 'sshd,su' ELSE '' END,"
		" '10.' || i / 256 || '.' || i % 256 || '.0/24',"
		" CASE WHEN i = 998 THEN 'allow' ELSE 'deny' END, 0"
		" FROM generate_series(0, 999) AS i");
}

static void thousand_rules_match_near_the_end(void **state)
{
	struct tenv *t = *state;

	if (tenv_pg())
		thousand_rules_pg(t);
	else
		thousand_rules_sqlite(t);
	/* i = 998: 10.3.230.0/24, all users, every service. */
	expect(t, "alice", "sshd", "10.3.230.77", CRM_RULE_ALLOW, "r0998");
	/* i = 999: 10.3.231.0/24, group-scoped, so it does not match. */
	expect(t, "alice", "sshd", "10.3.231.1", CRM_RULE_ALLOW, "default");
	expect(t, "alice", "sshd", "10.3.229.1", CRM_RULE_DENY, "r0997");
	expect(t, "alice", "sshd", "10.0.1.1", CRM_RULE_DENY, "r0001");
	expect(t, "alice", "sshd", "192.0.2.1", CRM_RULE_ALLOW, "default");
}

/* ---- the self-lockout guard ---- */

static int guarded_del(struct tenv *t, const char *name, int force,
	struct crm_error *err)
{
	return crm_rules_del(&t->ctx, name, "admin", "192.0.2.10", force, err);
}

static void guard_refuses_deleting_the_rule_that_lets_admin_in(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	rule(t, "admin-net", 10, "192.0.2.0/24", CRM_RULE_ALLOW);
	rule(t, "other-net", 20, "198.51.100.0/24", CRM_RULE_ALLOW);
	assert_int_equal(crm_rules_set_default(&t->ctx, CRM_RULE_DENY, "admin",
		"192.0.2.10", 0, &err), 0);
	assert_int_equal(guarded_del(t, "admin-net", 0, &err), CRM_EPERM);
	assert_string_equal(err.msg, "deleting this rule would deny your own "
		"connection from 192.0.2.10 (user admin, sshd); add --force to "
		"delete it anyway");
	expect(t, "admin", "sshd", "192.0.2.10", CRM_RULE_ALLOW, "admin-net");
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM audit WHERE"
		" event = 'rule.change' AND details LIKE 'del %'", NULL, NULL), 0);
	/* A rule that does not let them in goes without --force. */
	assert_int_equal(guarded_del(t, "other-net", 0, &err), 0);
	/* With --force it goes, and the audit says so. */
	assert_int_equal(guarded_del(t, "admin-net", 1, &err), 0);
	expect(t, "admin", "sshd", "192.0.2.10", CRM_RULE_DENY, "default");
	assert_int_equal(tenv_query_int(t, "SELECT count(*) FROM audit WHERE"
		" event = 'rule.change' AND details LIKE 'del name=admin-net%"
		"force=yes'", NULL, NULL), 1);
}

static void guard_lets_delete_a_rule_that_denied_admin(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	rule(t, "block-doc", 10, "192.0.2.0/24", CRM_RULE_DENY);
	assert_int_equal(guarded_del(t, "block-doc", 0, &err), 0);
	expect(t, "admin", "sshd", "192.0.2.10", CRM_RULE_ALLOW, "default");
	/* Without a remote address there is nothing to guard. */
	rule(t, "admin-net", 10, "192.0.2.0/24", CRM_RULE_ALLOW);
	assert_int_equal(crm_rules_set_default(&t->ctx, CRM_RULE_DENY, "admin",
		"192.0.2.10", 0, &err), 0);
	assert_int_equal(crm_rules_del(&t->ctx, "admin-net", "admin", NULL, 0,
		&err), 0);
}

static int guarded_add(struct tenv *t, const char *name, const char *network,
	enum crm_rule_action action, int force, struct crm_error *err)
{
	struct crm_rule r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.network, sizeof(r.network), "%s", network);
	r.priority = -1;
	r.action = action;
	crm_error_clear(err);
	return crm_rules_add(&t->ctx, &r, "admin", "192.0.2.10", force, err);
}

static void guard_refuses_rule_denying_own_address(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	assert_int_equal(guarded_add(t, "block-doc", "192.0.2.0/24",
		CRM_RULE_DENY, 0, &err), CRM_EPERM);
	assert_contains(err.msg, "would deny your own connection from "
		"192.0.2.10 (user admin, sshd)");
	assert_contains(err.msg, "--force");
	assert_int_equal(nrules(t), 0);
	assert_int_equal(nchanges(t), 0);
}

static void guard_allows_with_force_and_audits_it(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	assert_int_equal(guarded_add(t, "block-doc", "192.0.2.0/24",
		CRM_RULE_DENY, 1, &err), 0);
	assert_int_equal(nrules(t), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM audit WHERE event ="
		" 'rule.change' AND details LIKE '%force=yes%'"), 1);
}

static void guard_allows_rule_that_spares_own_address(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	assert_int_equal(guarded_add(t, "block-other", "198.51.100.0/24",
		CRM_RULE_DENY, 0, &err), 0);
	/* Already denied before the change: the guard has nothing to save. */
	assert_int_equal(guarded_add(t, "deny-first", "any", CRM_RULE_DENY, 1,
		&err), 0);
	assert_int_equal(guarded_add(t, "deny-again", "192.0.2.10",
		CRM_RULE_DENY, 0, &err), 0);
}

static void guard_is_off_without_a_remote_address(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;
	struct crm_rule r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "deny-all");
	snprintf(r.network, sizeof(r.network), "any");
	r.priority = 10;
	r.action = CRM_RULE_DENY;
	assert_int_equal(crm_rules_add(&t->ctx, &r, "admin", NULL, 0, &err), 0);
}

static void guard_refuses_move_and_default_that_deny_own_address(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	rule(t, "admin-net", 10, "192.0.2.0/24", CRM_RULE_ALLOW);
	assert_int_equal(guarded_add(t, "deny-all", "any", CRM_RULE_DENY, 0,
		&err), 0);
	assert_int_equal(crm_rules_move(&t->ctx, "deny-all", 5, "admin",
		"192.0.2.10", 0, &err), CRM_EPERM);
	assert_contains(err.msg, "192.0.2.10");
	expect(t, "admin", "sshd", "192.0.2.10", CRM_RULE_ALLOW, "admin-net");
	assert_int_equal(crm_rules_move(&t->ctx, "deny-all", 5, "admin",
		"192.0.2.10", 1, &err), 0);

	assert_int_equal(crm_rules_move(&t->ctx, "deny-all", 50, NULL, NULL, 0,
		&err), 0);
	assert_int_equal(unguarded_del(t, "admin-net", &err), 0);
	assert_int_equal(unguarded_del(t, "deny-all", &err), 0);
	assert_int_equal(crm_rules_set_default(&t->ctx, CRM_RULE_DENY, "admin",
		"192.0.2.10", 0, &err), CRM_EPERM);
	assert_contains(err.msg, "your own connection from 192.0.2.10");
	expect(t, "admin", "sshd", "192.0.2.10", CRM_RULE_ALLOW, "default");
	rule(t, "admin-net", 10, "192.0.2.0/24", CRM_RULE_ALLOW);
	assert_int_equal(crm_rules_set_default(&t->ctx, CRM_RULE_DENY, "admin",
		"192.0.2.10", 0, &err), 0);
	expect(t, "admin", "sshd", "203.0.113.1", CRM_RULE_DENY, "default");
}

/* ---- administration ---- */

static void every_change_is_audited_as_rule_change(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	scoped(t, "mail", 10, "group:staff", "dovecot,postfix", "10.0.0.0/8",
		CRM_RULE_DENY);
	assert_int_equal(crm_rules_move(&t->ctx, "mail", 30, NULL, NULL, 0,
		&err), 0);
	assert_int_equal(crm_rules_set_default(&t->ctx, CRM_RULE_DENY, NULL,
		NULL, 0, &err), 0);
	assert_int_equal(unguarded_del(t, "mail", &err), 0);
	assert_int_equal(nchanges(t), 4);
	assert_int_equal(count(t, "SELECT count(*) FROM audit WHERE details ="
		" 'add name=mail priority=10 scope=group:staff"
		" services=dovecot,postfix network=10.0.0.0/8 action=deny'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM audit WHERE details ="
		" 'move name=mail priority=30 from=10'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM audit WHERE details ="
		" 'default action=deny'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM audit WHERE details"
		" LIKE 'del name=mail priority=30 %'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM audit WHERE"
		" event = 'rule.change' AND actor = 'tester'"), 4);
}

static void add_stores_canonical_fields(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;
	struct crm_rule r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "v6:doc@site_1.a-b");
	snprintf(r.network, sizeof(r.network), "2001:DB8:0::/32");
	snprintf(r.services, sizeof(r.services), "all");
	r.priority = 0;
	r.action = CRM_RULE_DENY;
	assert_int_equal(crm_rules_add(&t->ctx, &r, NULL, NULL, 0, &err), 0);
	assert_true(r.id > 0);
	assert_int_equal(count(t, "SELECT count(*) FROM rules WHERE"
		" network = '2001:db8::/32' AND services = '' AND scope = 'all'"
		" AND priority = 0 AND action = 'deny'"), 1);
	rule(t, "mapped", 1, "::ffff:10.0.0.0/104", CRM_RULE_DENY);
	assert_int_equal(count(t, "SELECT count(*) FROM rules WHERE"
		" network = '10.0.0.0/8'"), 1);
}

/* Each invalid field: CRM_EINVAL naming it, nothing written. */
static void bad(struct tenv *t, const char *name, long long priority,
	const char *scope, const char *services, const char *network,
	int action, const char *field)
{
	struct crm_error err;

	if (add_rule(t, name, priority, scope, services, network,
	    (enum crm_rule_action)action, &err) != CRM_EINVAL)
		fail_msg("accepted %s %s %s %s", name, scope, services, network);
	assert_contains(err.msg, field);
	assert_int_equal(nrules(t), 0);
	assert_int_equal(nchanges(t), 0);
}

static void validation_names_the_field_and_writes_nothing(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;
	char longname[80];

	memset(longname, 'x', 65);
	longname[65] = '\0';
	bad(t, "two words", 10, "all", "", "any", CRM_RULE_DENY, "rule name");
	bad(t, "", 10, "all", "", "any", CRM_RULE_DENY, "rule name");
	bad(t, "-x", 10, "all", "", "any", CRM_RULE_DENY, "rule name");
	bad(t, "bad/name", 10, "all", "", "any", CRM_RULE_DENY, "rule name");
	bad(t, "default", 10, "all", "", "any", CRM_RULE_DENY, "default");
	bad(t, "r", 10, "group:", "", "any", CRM_RULE_DENY, "scope");
	bad(t, "r", 10, "users:x", "", "any", CRM_RULE_DENY, "scope");
	bad(t, "r", 10, "user:a b", "", "any", CRM_RULE_DENY, "scope");
	bad(t, "r", 10, "all", "sshd,,su", "any", CRM_RULE_DENY, "services");
	bad(t, "r", 10, "all", "ss h", "any", CRM_RULE_DENY, "services");
	bad(t, "r", 10, "all", "all,sshd", "any", CRM_RULE_DENY, "services");
	bad(t, "r", 10, "all", "sshd,", "any", CRM_RULE_DENY, "services");
	bad(t, "r", 10, "all", "", "10.0.0.1/8", CRM_RULE_DENY,
		"network 10.0.0.1/8: host bits are set (did you mean "
		"10.0.0.0/8?)");
	bad(t, "r", 10, "all", "", "example.com", CRM_RULE_DENY, "network");
	bad(t, "r", 10, "all", "", "", CRM_RULE_DENY, "network");
	bad(t, "r", 10, "all", "", "ANY", CRM_RULE_DENY, "network");
	bad(t, "r", 10, "all", "", "any", 7, "action");
	bad(t, "r", 1000000001LL, "all", "", "any", CRM_RULE_DENY, "priority");
	/* A struct cannot hold a longer name; del and move take any text. */
	assert_int_equal(unguarded_del(t, longname, &err), CRM_EINVAL);
	assert_contains(err.msg, "rule name");
}

static void move_refuses_bad_priority(void **state)
{
	struct tenv *t = *state;
	struct crm_error err;

	rule(t, "r", 10, "any", CRM_RULE_DENY);
	assert_int_equal(crm_rules_move(&t->ctx, "r", -1, NULL, NULL, 0, &err),
		CRM_EINVAL);
	assert_contains(err.msg, "priority");
	assert_int_equal(crm_rules_move(&t->ctx, "r", 1000000000LL, NULL, NULL,
		0, &err), 0);
}

static void action_words_round_trip(void **state)
{
	(void)state;
	assert_int_equal(crm_rule_action_parse("allow"), CRM_RULE_ALLOW);
	assert_int_equal(crm_rule_action_parse("deny"), CRM_RULE_DENY);
	assert_int_equal(crm_rule_action_parse("disabled"), CRM_RULE_DISABLED);
	assert_int_equal(crm_rule_action_parse("Deny"), -1);
	assert_int_equal(crm_rule_action_parse(NULL), -1);
	assert_string_equal(crm_rule_action_name(CRM_RULE_DENY), "deny");
}

#define T(f) cmocka_unit_test_setup_teardown(f, tenv_setup, tenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(first_match_by_priority_wins),
		T(equal_priorities_keep_the_order_of_adding),
		T(add_without_priority_goes_after_the_last),
		T(foreach_lists_in_evaluation_order),
		T(move_changes_which_rule_decides),
		T(del_removes_a_rule_and_refuses_unknown),
		T(add_refuses_a_duplicate_name),
		T(user_scope_matches_only_that_user),
		T(group_scope_matches_store_group_members),
		T(group_scope_matches_system_groups),
		T(services_list_matches_exact_names),
		T(all_services_rule_matches_any_service),
		T(disabled_rows_are_skipped),
		T(local_matches_only_a_login_without_rhost),
		T(host_name_rhost_matches_only_any),
		T(ipv6_networks_match_ipv6_addresses),
		T(mapped_ipv4_matches_the_ipv4_network),
		T(default_row_allows_when_nothing_matches),
		cmocka_unit_test(default_row_denies_with_ip_default_deny),
		cmocka_unit_test(
			default_sources_module_argument_over_store_over_conf),
		T(default_built_in_is_allow),
		T(unreadable_store_default_fails_closed),
		T(set_default_refuses_disabled),
		T(thousand_rules_match_near_the_end),
		T(guard_refuses_rule_denying_own_address),
		T(guard_allows_with_force_and_audits_it),
		T(guard_allows_rule_that_spares_own_address),
		T(guard_is_off_without_a_remote_address),
		T(guard_refuses_move_and_default_that_deny_own_address),
		T(guard_refuses_deleting_the_rule_that_lets_admin_in),
		T(guard_lets_delete_a_rule_that_denied_admin),
		T(every_change_is_audited_as_rule_change),
		T(add_stores_canonical_fields),
		T(validation_names_the_field_and_writes_nothing),
		T(move_refuses_bad_priority),
		T(action_words_round_trip),
	};

	return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
