/*
 * Every statement the core runs on SQLite, by enum crm_q (db_queries.def).
 * Parameters are ?1, ?2, ... as the code binds them.
 */
#include "db_impl.h"

const char *const crm_sql_sqlite[CRM_Q_COUNT] = {
	/* ---- settings ---- */
	[CRM_Q_SETTING_GET] =
		"SELECT value FROM settings WHERE key = ?1",
	[CRM_Q_SETTING_SET] =
		"INSERT INTO settings(key, value) VALUES(?1, ?2)"
		" ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	/* ---- lib/store.c: accounts, groups, members, policy rows, password history ---- */
/* An account's columns, in the order read_account reads them. */
#define ACCOUNT_COLS "id, name, email, email_verified, pw_hash, origin," \
	" created, pw_changed, enabled_at, must_change, disabled," \
	" disabled_reason, disabled_at, failures, first_fail, last_fail," \
	" locked_at, fails_since_login, last_login, last_service," \
	" last_rhost, prev_login, prev_service, prev_rhost, prev_fails," \
	" last_place, prev_place"
	[CRM_Q_ACCOUNT_GET] =
		"SELECT " ACCOUNT_COLS " FROM accounts WHERE name = ?1",
	/* RETURNING: the new id comes back as a row, on either engine. */
	[CRM_Q_ACCOUNT_INSERT] =
		"INSERT INTO accounts(" ACCOUNT_COLS ") VALUES("
		"NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		" ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25,"
		" ?26, ?27) RETURNING id",
	[CRM_Q_ACCOUNT_UPDATE] =
		"UPDATE accounts SET name = ?2, email = ?3,"
		" email_verified = ?4, pw_hash = ?5, origin = ?6,"
		" created = ?7, pw_changed = ?8, enabled_at = ?9,"
		" must_change = ?10, disabled = ?11, disabled_reason = ?12,"
		" disabled_at = ?13, failures = ?14, first_fail = ?15,"
		" last_fail = ?16, locked_at = ?17, fails_since_login = ?18,"
		" last_login = ?19, last_service = ?20, last_rhost = ?21,"
		" prev_login = ?22, prev_service = ?23, prev_rhost = ?24,"
		" prev_fails = ?25, last_place = ?26, prev_place = ?27"
		" WHERE id = ?1",
	[CRM_Q_ACCOUNT_DELETE] =
		"DELETE FROM accounts WHERE name = ?1",
	[CRM_Q_ACCOUNT_POLICY_DELETE] =
		"DELETE FROM policy WHERE scope = 'user' AND target = ?1",
	[CRM_Q_ACCOUNT_LIST] =
		"SELECT " ACCOUNT_COLS " FROM accounts ORDER BY name",
	[CRM_Q_GROUP_ADD] =
		"INSERT INTO groups(name) VALUES(?1)",
	[CRM_Q_GROUP_DELETE] =
		"DELETE FROM groups WHERE name = ?1",
	[CRM_Q_GROUP_EXISTS] =
		"SELECT name FROM groups WHERE name = ?1",
	[CRM_Q_GROUP_LIST] =
		"SELECT name FROM groups ORDER BY name",
	[CRM_Q_MEMBER_ADD] =
		"INSERT OR IGNORE INTO members(group_id, account_id)"
		" SELECT g.id, a.id FROM groups g, accounts a"
		" WHERE g.name = ?1 AND a.name = ?2",
	[CRM_Q_MEMBER_DELETE] =
		"DELETE FROM members WHERE"
		" group_id = (SELECT id FROM groups WHERE name = ?1) AND"
		" account_id = (SELECT id FROM accounts WHERE name = ?2)",
	[CRM_Q_MEMBER_LIST] =
		"SELECT a.name FROM members m"
		" JOIN groups g ON g.id = m.group_id"
		" JOIN accounts a ON a.id = m.account_id"
		" WHERE g.name = ?1 ORDER BY a.name",
	[CRM_Q_MEMBER_GROUPS] =
		"SELECT g.name FROM members m"
		" JOIN groups g ON g.id = m.group_id"
		" JOIN accounts a ON a.id = m.account_id"
		" WHERE a.name = ?1 ORDER BY g.name",
	[CRM_Q_POLICY_ROW_SET] =
		"INSERT INTO policy(scope, target, key, value)"
		" VALUES(?1, ?2, ?3, ?4) ON CONFLICT(scope, target, key)"
		" DO UPDATE SET value = excluded.value",
	[CRM_Q_POLICY_ROW_DELETE] =
		"DELETE FROM policy WHERE scope = ?1"
		" AND target = ?2 AND key = ?3",
	[CRM_Q_POLICY_ROW_LIST] =
		"SELECT key, value FROM policy WHERE scope = ?1"
		" AND target = ?2 ORDER BY key",
	[CRM_Q_PWHIST_ADD] =
		"INSERT INTO pw_history(account_id, hash, created)"
		" VALUES(?1, ?2, ?3)",
	[CRM_Q_PWHIST_LIST] =
		"SELECT hash FROM pw_history WHERE account_id = ?1"
		" ORDER BY id DESC LIMIT ?2",
	[CRM_Q_PWHIST_PRUNE] =
		"DELETE FROM pw_history WHERE account_id = ?1"
		" AND id NOT IN (SELECT id FROM pw_history"
		" WHERE account_id = ?1 ORDER BY id DESC LIMIT ?2)",
#undef ACCOUNT_COLS
	/* ---- end lib/store.c ---- */
	/* ---- lib/history.c: login history ---- */
	[CRM_Q_LOGIN_NEWEST_SUCCESS] =
		"SELECT id, count FROM logins"
		" WHERE user = ?1 AND service = ?2 AND rhost = ?3"
		" AND type = ?4 AND success = 1 AND last_time >= ?5"
		" ORDER BY last_time DESC, id DESC LIMIT 1",
	[CRM_Q_LOGIN_MERGE] =
		"UPDATE logins SET count = count + 1,"
		" last_time = max(last_time, ?2) WHERE id = ?1",
	[CRM_Q_LOGIN_INSERT] =
		"INSERT INTO logins(time, last_time,"
		" count, user, service, rhost, tty, type, success, reason,"
		" country_code, country, city, org, new_ip) VALUES(?1, ?1, 1,"
		" ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[CRM_Q_LOGIN_RETYPE] =
		"UPDATE logins SET type = ?3 WHERE id = ?1",
	[CRM_Q_LOGIN_SPLIT] =
		"INSERT INTO logins(time, last_time, count, user,"
		" service, rhost, tty, type, success, reason, country_code,"
		" country, city, org, new_ip) SELECT ?2, ?2, 1, user,"
		" service, rhost, tty, ?3, success, reason, country_code,"
		" country, city, org, 0 FROM logins WHERE id = ?1",
	[CRM_Q_LOGIN_DELETE] =
		"DELETE FROM logins WHERE id = ?1",
	[CRM_Q_LOGIN_UNMERGE] =
		"UPDATE logins SET count = count - 1 WHERE id = ?1",
	/*
	 * A merged row spans time..last_time: it matches a period it
	 * overlaps. One for all users and one for a user, which can use
	 * logins_user.
	 */
	[CRM_Q_LOGIN_LIST] =
		"SELECT id, time, last_time, count, user, service, rhost,"
		" tty, type, success, reason, country_code, country, city, org,"
		" new_ip FROM logins WHERE"
		" (?2 <= 0 OR last_time >= ?2) AND (?3 <= 0 OR time <= ?3)"
		" AND (?4 = 0 OR success = 0) ORDER BY time, id",
	[CRM_Q_LOGIN_LIST_USER] =
		"SELECT id, time, last_time, count, user, service, rhost,"
		" tty, type, success, reason, country_code, country, city, org,"
		" new_ip FROM logins WHERE user = ?1 AND"
		" (?2 <= 0 OR last_time >= ?2) AND (?3 <= 0 OR time <= ?3)"
		" AND (?4 = 0 OR success = 0) ORDER BY time, id",
	/* ---- end lib/history.c ---- */
	/* ---- lib/knownip.c: known addresses ---- */
	[CRM_Q_KNOWNIP_PRUNE] =
		"DELETE FROM known_ips WHERE"
		" account_id = ?1 AND last_seen < ?2",
	[CRM_Q_KNOWNIP_TOUCH] =
		"UPDATE known_ips SET last_seen = ?3,"
		" count = count + 1 WHERE account_id = ?1 AND ip = ?2",
	[CRM_Q_KNOWNIP_INSERT] =
		"INSERT INTO known_ips(account_id, ip,"
		" first_seen, last_seen, count) VALUES(?1, ?2, ?3, ?3, 1)",
	[CRM_Q_KNOWNIP_LIST] =
		"SELECT a.name, k.ip, k.first_seen, k.last_seen, k.count"
		" FROM known_ips k JOIN accounts a ON a.id = k.account_id"
		" WHERE k.last_seen >= ?2 ORDER BY a.name, k.ip",
	[CRM_Q_KNOWNIP_LIST_USER] =
		"SELECT a.name, k.ip, k.first_seen, k.last_seen, k.count"
		" FROM known_ips k JOIN accounts a ON a.id = k.account_id"
		" WHERE a.name = ?1 AND k.last_seen >= ?2 ORDER BY k.ip",
	[CRM_Q_KNOWNIP_DELETE] =
		"DELETE FROM known_ips"
		" WHERE account_id = ?1 AND ip = ?2",
	/* ---- end lib/knownip.c ---- */
	/* ---- lib/audit.c: the audit trail ---- */
	/* ---- end lib/audit.c ---- */
	/* ---- lib/lockout.c: lockout ---- */
	/* ---- end lib/lockout.c ---- */
	/* ---- lib/throttle.c: IP throttling ---- */
	/* ---- end lib/throttle.c ---- */
	/* ---- lib/sip.c: SIP credentials ---- */
	/* ---- end lib/sip.c ---- */
	/* ---- lib/mfa.c: second factors ---- */
	/* ---- end lib/mfa.c ---- */
	/* ---- lib/rules.c: source-IP rules ---- */
	/* ---- end lib/rules.c ---- */
	/* ---- lib/bulk.c: the bulk filler ---- */
	/* ---- end lib/bulk.c ---- */
	/* ---- lib/accounts_csv.c: import and export ---- */
	/* ---- end lib/accounts_csv.c ---- */
	/* ---- lib/compliance.c: the compliance report ---- */
	/* ---- end lib/compliance.c ---- */
};
