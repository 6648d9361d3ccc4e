/*
 * Every statement the core runs on PostgreSQL, by enum crm_q
 * (db_queries.def): the same work as lib/sql_sqlite.c's text of the same
 * name, in PostgreSQL's dialect. Parameters are $1, $2, ... numbered as
 * the code binds them.
 */
#include "db_impl.h"

const char *const crm_sql_pg[CRM_Q_COUNT] = {
	/* ---- settings ---- */
	[CRM_Q_SETTING_GET] =
		"SELECT value FROM settings WHERE key = $1",
	[CRM_Q_SETTING_SET] =
		"INSERT INTO settings(key, value) VALUES($1, $2)"
		" ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	/* ---- lib/copy.c: copying a store ---- */
	/*
	 * Every column of every table in the order of its key, and the row
	 * written back whole, ids included: a copy keeps each row as it is.
	 * *_IDS then moves each identity past the ids the copy gave, as
	 * SQLite's rowid needs no help to do.
	 */
	/* The tables that hold a row, by name; none for an empty store. */
	[CRM_Q_COPY_USED_TABLES] =
		"SELECT 'accounts'"
		" WHERE EXISTS(SELECT 1 FROM accounts)"
		" UNION ALL SELECT 'groups'"
		" WHERE EXISTS(SELECT 1 FROM groups)"
		" UNION ALL SELECT 'members'"
		" WHERE EXISTS(SELECT 1 FROM members)"
		" UNION ALL SELECT 'policy'"
		" WHERE EXISTS(SELECT 1 FROM policy)"
		" UNION ALL SELECT 'pw_history'"
		" WHERE EXISTS(SELECT 1 FROM pw_history)"
		" UNION ALL SELECT 'reservations'"
		" WHERE EXISTS(SELECT 1 FROM reservations)"
		" UNION ALL SELECT 'audit'"
		" WHERE EXISTS(SELECT 1 FROM audit)"
		" UNION ALL SELECT 'audit_checkpoints'"
		" WHERE EXISTS(SELECT 1 FROM audit_checkpoints)"
		" UNION ALL SELECT 'rules'"
		" WHERE EXISTS(SELECT 1 FROM rules)"
		" UNION ALL SELECT 'settings'"
		" WHERE EXISTS(SELECT 1 FROM settings)"
		" UNION ALL SELECT 'ip_failures'"
		" WHERE EXISTS(SELECT 1 FROM ip_failures)"
		" UNION ALL SELECT 'ip_blocks'"
		" WHERE EXISTS(SELECT 1 FROM ip_blocks)"
		" UNION ALL SELECT 'logins'"
		" WHERE EXISTS(SELECT 1 FROM logins)"
		" UNION ALL SELECT 'known_ips'"
		" WHERE EXISTS(SELECT 1 FROM known_ips)"
		" UNION ALL SELECT 'totp'"
		" WHERE EXISTS(SELECT 1 FROM totp)"
		" UNION ALL SELECT 'recovery_codes'"
		" WHERE EXISTS(SELECT 1 FROM recovery_codes)"
		" UNION ALL SELECT 'otp_codes'"
		" WHERE EXISTS(SELECT 1 FROM otp_codes)"
		" UNION ALL SELECT 'sip_credentials'"
		" WHERE EXISTS(SELECT 1 FROM sip_credentials)",
	[CRM_Q_COPY_ACCOUNTS_READ] =
		"SELECT id, name, email, email_verified, pw_hash, origin,"
		" created, pw_changed, enabled_at, must_change, disabled,"
		" disabled_reason, disabled_at, failures, first_fail,"
		" last_fail, locked_at, fails_since_login, last_login,"
		" last_service, last_rhost, prev_login, prev_service,"
		" prev_rhost, prev_fails, last_place, prev_place"
		" FROM accounts"
		" ORDER BY id",
	[CRM_Q_COPY_ACCOUNTS_WRITE] =
		"INSERT INTO accounts(id, name, email, email_verified,"
		" pw_hash, origin, created, pw_changed, enabled_at,"
		" must_change, disabled, disabled_reason, disabled_at,"
		" failures, first_fail, last_fail, locked_at,"
		" fails_since_login, last_login, last_service, last_rhost,"
		" prev_login, prev_service, prev_rhost, prev_fails,"
		" last_place, prev_place)"
		" VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
		" $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,"
		" $25, $26, $27)",
	[CRM_Q_COPY_ACCOUNTS_IDS] =
		"SELECT setval(pg_get_serial_sequence('accounts', 'id'),"
		" coalesce(max(id), 1), max(id) IS NOT NULL)"
		" FROM accounts",
	[CRM_Q_COPY_GROUPS_READ] =
		"SELECT id, name FROM groups ORDER BY id",
	[CRM_Q_COPY_GROUPS_WRITE] =
		"INSERT INTO groups(id, name) VALUES($1, $2)",
	[CRM_Q_COPY_GROUPS_IDS] =
		"SELECT setval(pg_get_serial_sequence('groups', 'id'),"
		" coalesce(max(id), 1), max(id) IS NOT NULL)"
		" FROM groups",
	[CRM_Q_COPY_MEMBERS_READ] =
		"SELECT group_id, account_id"
		" FROM members"
		" ORDER BY group_id, account_id",
	[CRM_Q_COPY_MEMBERS_WRITE] =
		"INSERT INTO members(group_id, account_id) VALUES($1, $2)",
	[CRM_Q_COPY_POLICY_READ] =
		"SELECT scope, target, key, value"
		" FROM policy"
		" ORDER BY scope, target, key",
	[CRM_Q_COPY_POLICY_WRITE] =
		"INSERT INTO policy(scope, target, key, value)"
		" VALUES($1, $2, $3, $4)",
	[CRM_Q_COPY_PW_HISTORY_READ] =
		"SELECT id, account_id, hash, created"
		" FROM pw_history"
		" ORDER BY id",
	[CRM_Q_COPY_PW_HISTORY_WRITE] =
		"INSERT INTO pw_history(id, account_id, hash, created)"
		" VALUES($1, $2, $3, $4)",
	[CRM_Q_COPY_PW_HISTORY_IDS] =
		"SELECT setval(pg_get_serial_sequence('pw_history', 'id'),"
		" coalesce(max(id), 1), max(id) IS NOT NULL)"
		" FROM pw_history",
	[CRM_Q_COPY_RESERVATIONS_READ] =
		"SELECT id, account_id, started FROM reservations ORDER BY id",
	[CRM_Q_COPY_RESERVATIONS_WRITE] =
		"INSERT INTO reservations(id, account_id, started)"
		" VALUES($1, $2, $3)",
	[CRM_Q_COPY_RESERVATIONS_IDS] =
		"SELECT setval(pg_get_serial_sequence('reservations', 'id'),"
		" coalesce(max(id), 1), max(id) IS NOT NULL)"
		" FROM reservations",
	[CRM_Q_COPY_AUDIT_READ] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, prev_hash, hash, host"
		" FROM audit"
		" ORDER BY id",
	[CRM_Q_COPY_AUDIT_WRITE] =
		"INSERT INTO audit(id, time, event, actor, subject, service,"
		" rhost, details, prev_hash, hash, host)"
		" VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
	[CRM_Q_COPY_AUDIT_IDS] =
		"SELECT setval(pg_get_serial_sequence('audit', 'id'),"
		" coalesce(max(id), 1), max(id) IS NOT NULL)"
		" FROM audit",
	[CRM_Q_COPY_AUDIT_CHECKPOINTS_READ] =
		"SELECT id, time, first_id, prev_hash, removed, mac"
		" FROM audit_checkpoints"
		" ORDER BY id",
	[CRM_Q_COPY_AUDIT_CHECKPOINTS_WRITE] =
		"INSERT INTO audit_checkpoints(id, time, first_id, prev_hash,"
		" removed, mac)"
		" VALUES($1, $2, $3, $4, $5, $6)",
	[CRM_Q_COPY_AUDIT_CHECKPOINTS_IDS] =
		"SELECT setval(pg_get_serial_sequence('audit_checkpoints',"
		" 'id'),"
		" coalesce(max(id), 1), max(id) IS NOT NULL)"
		" FROM audit_checkpoints",
	[CRM_Q_COPY_RULES_READ] =
		"SELECT id, name, priority, scope, services, network, action,"
		" created"
		" FROM rules"
		" ORDER BY id",
	[CRM_Q_COPY_RULES_WRITE] =
		"INSERT INTO rules(id, name, priority, scope, services,"
		" network, action, created)"
		" VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
	[CRM_Q_COPY_RULES_IDS] =
		"SELECT setval(pg_get_serial_sequence('rules', 'id'),"
		" coalesce(max(id), 1), max(id) IS NOT NULL)"
		" FROM rules",
	[CRM_Q_COPY_SETTINGS_READ] =
		"SELECT key, value FROM settings ORDER BY key",
	[CRM_Q_COPY_SETTINGS_WRITE] =
		"INSERT INTO settings(key, value) VALUES($1, $2)",
	[CRM_Q_COPY_IP_FAILURES_READ] =
		"SELECT id, ip, time FROM ip_failures ORDER BY id",
	[CRM_Q_COPY_IP_FAILURES_WRITE] =
		"INSERT INTO ip_failures(id, ip, time) VALUES($1, $2, $3)",
	[CRM_Q_COPY_IP_FAILURES_IDS] =
		"SELECT setval(pg_get_serial_sequence('ip_failures', 'id'),"
		" coalesce(max(id), 1), max(id) IS NOT NULL)"
		" FROM ip_failures",
	[CRM_Q_COPY_IP_BLOCKS_READ] =
		"SELECT ip, blocked_at, until, failures"
		" FROM ip_blocks"
		" ORDER BY ip",
	[CRM_Q_COPY_IP_BLOCKS_WRITE] =
		"INSERT INTO ip_blocks(ip, blocked_at, until, failures)"
		" VALUES($1, $2, $3, $4)",
	[CRM_Q_COPY_LOGINS_READ] =
		"SELECT id, time, last_time, count, \"user\", service, rhost,"
		" tty, type, success, reason, country_code, country, city,"
		" org, new_ip"
		" FROM logins"
		" ORDER BY id",
	[CRM_Q_COPY_LOGINS_WRITE] =
		"INSERT INTO logins(id, time, last_time, count, \"user\","
		" service, rhost, tty, type, success, reason, country_code,"
		" country, city, org, new_ip)"
		" VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
		" $13, $14, $15, $16)",
	[CRM_Q_COPY_LOGINS_IDS] =
		"SELECT setval(pg_get_serial_sequence('logins', 'id'),"
		" coalesce(max(id), 1), max(id) IS NOT NULL)"
		" FROM logins",
	[CRM_Q_COPY_KNOWN_IPS_READ] =
		"SELECT account_id, ip, first_seen, last_seen, count"
		" FROM known_ips"
		" ORDER BY account_id, ip",
	[CRM_Q_COPY_KNOWN_IPS_WRITE] =
		"INSERT INTO known_ips(account_id, ip, first_seen, last_seen,"
		" count)"
		" VALUES($1, $2, $3, $4, $5)",
	[CRM_Q_COPY_TOTP_READ] =
		"SELECT account_id, secret, last_step, enrolled"
		" FROM totp"
		" ORDER BY account_id",
	[CRM_Q_COPY_TOTP_WRITE] =
		"INSERT INTO totp(account_id, secret, last_step, enrolled)"
		" VALUES($1, $2, $3, $4)",
	[CRM_Q_COPY_RECOVERY_CODES_READ] =
		"SELECT id, account_id, hash FROM recovery_codes ORDER BY id",
	[CRM_Q_COPY_RECOVERY_CODES_WRITE] =
		"INSERT INTO recovery_codes(id, account_id, hash)"
		" VALUES($1, $2, $3)",
	[CRM_Q_COPY_RECOVERY_CODES_IDS] =
		"SELECT setval(pg_get_serial_sequence('recovery_codes', 'id'),"
		" coalesce(max(id), 1), max(id) IS NOT NULL)"
		" FROM recovery_codes",
	[CRM_Q_COPY_OTP_CODES_READ] =
		"SELECT account_id, purpose, hash, address, created, expires,"
		" tries"
		" FROM otp_codes"
		" ORDER BY account_id, purpose",
	[CRM_Q_COPY_OTP_CODES_WRITE] =
		"INSERT INTO otp_codes(account_id, purpose, hash, address,"
		" created, expires, tries)"
		" VALUES($1, $2, $3, $4, $5, $6, $7)",
	[CRM_Q_COPY_SIP_CREDENTIALS_READ] =
		"SELECT account_id, realm, sealed, changed"
		" FROM sip_credentials"
		" ORDER BY account_id",
	[CRM_Q_COPY_SIP_CREDENTIALS_WRITE] =
		"INSERT INTO sip_credentials(account_id, realm, sealed,"
		" changed)"
		" VALUES($1, $2, $3, $4)",
	/*
	 * Replacing a store's rows (restore): the append-only guards of the
	 * audit trail are lifted for the transaction that empties it, by the
	 * tables' owner, and put back before it commits.
	 */
	[CRM_Q_COPY_GUARD_OFF_AUDIT] =
		"ALTER TABLE audit DISABLE TRIGGER USER",
	[CRM_Q_COPY_GUARD_OFF_CHECKPOINTS] =
		"ALTER TABLE audit_checkpoints DISABLE TRIGGER USER",
	[CRM_Q_COPY_CLEAR_ALL] =
		"TRUNCATE accounts, groups, members, policy, pw_history,"
		" reservations, audit, audit_checkpoints, rules, settings,"
		" ip_failures, ip_blocks, logins, known_ips, totp,"
		" recovery_codes, otp_codes, sip_credentials",
	[CRM_Q_COPY_GUARD_ON_AUDIT] =
		"ALTER TABLE audit ENABLE TRIGGER USER",
	[CRM_Q_COPY_GUARD_ON_CHECKPOINTS] =
		"ALTER TABLE audit_checkpoints ENABLE TRIGGER USER",
	/* ---- end lib/copy.c ---- */
};
