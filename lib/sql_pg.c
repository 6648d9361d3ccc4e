/*
 * Every statement the core runs on PostgreSQL, by enum crm_q
 * (db_queries.def): the same work as lib/sql_sqlite.c's text of the same
 * name, in PostgreSQL's dialect. Parameters are $1, $2, ... numbered as
 * the code binds them; a number the code binds but the text does not use
 * is left out (lib/db_pg.c types it). A parameter whose type PostgreSQL
 * cannot infer from a column is cast, since libpq sends every value as
 * text (a blob as bytea).
 *
 * Text columns are COLLATE "C" (lib/pg_schema.c), so comparisons and
 * ORDER BY go byte for byte as SQLite's BINARY does. The login history's
 * user column is a reserved word here and is always written "user".
 */
#include "db_impl.h"

const char *const crm_sql_pg[CRM_Q_COUNT] = {
	/* ---- settings ---- */
	[CRM_Q_SETTING_GET] =
		"SELECT value FROM settings WHERE key = $1",
	[CRM_Q_SETTING_SET] =
		"INSERT INTO settings(key, value) VALUES($1, $2)"
		" ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	/* ---- lib/store.c: accounts, groups, members, policy rows, password history ---- */
/* An account's columns, in the order read_account reads them. */
#define ACCOUNT_COLS "id, name, email, email_verified, pw_hash, origin," \
	" created, pw_changed, enabled_at, must_change, disabled," \
	" disabled_reason, disabled_at, failures, first_fail, last_fail," \
	" locked_at, fails_since_login, last_login, last_service," \
	" last_rhost, prev_login, prev_service, prev_rhost, prev_fails," \
	" last_place, prev_place, lang"
	[CRM_Q_ACCOUNT_GET] =
		"SELECT " ACCOUNT_COLS " FROM accounts WHERE name = $1",
	/*
	 * The id is left to the identity (an explicit NULL would be
	 * refused, not replaced as SQLite's rowid is); $1 is not bound.
	 */
	[CRM_Q_ACCOUNT_INSERT] =
		"INSERT INTO accounts(name, email, email_verified, pw_hash,"
		" origin, created, pw_changed, enabled_at, must_change,"
		" disabled, disabled_reason, disabled_at, failures,"
		" first_fail, last_fail, locked_at, fails_since_login,"
		" last_login, last_service, last_rhost, prev_login,"
		" prev_service, prev_rhost, prev_fails, last_place,"
		" prev_place, lang) VALUES("
		"$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
		" $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25,"
		" $26, $27, $28) RETURNING id",
	[CRM_Q_ACCOUNT_UPDATE] =
		"UPDATE accounts SET name = $2, email = $3,"
		" email_verified = $4, pw_hash = $5, origin = $6,"
		" created = $7, pw_changed = $8, enabled_at = $9,"
		" must_change = $10, disabled = $11, disabled_reason = $12,"
		" disabled_at = $13, failures = $14, first_fail = $15,"
		" last_fail = $16, locked_at = $17, fails_since_login = $18,"
		" last_login = $19, last_service = $20, last_rhost = $21,"
		" prev_login = $22, prev_service = $23, prev_rhost = $24,"
		" prev_fails = $25, last_place = $26, prev_place = $27,"
		" lang = $28"
		" WHERE id = $1",
	[CRM_Q_ACCOUNT_DELETE] =
		"DELETE FROM accounts WHERE name = $1",
	[CRM_Q_ACCOUNT_POLICY_DELETE] =
		"DELETE FROM policy WHERE scope = 'user' AND target = $1",
	[CRM_Q_ACCOUNT_LIST] =
		"SELECT " ACCOUNT_COLS " FROM accounts ORDER BY name",
	[CRM_Q_GROUP_ADD] =
		"INSERT INTO groups(name) VALUES($1)",
	[CRM_Q_GROUP_DELETE] =
		"DELETE FROM groups WHERE name = $1",
	[CRM_Q_GROUP_EXISTS] =
		"SELECT name FROM groups WHERE name = $1",
	[CRM_Q_GROUP_LIST] =
		"SELECT name FROM groups ORDER BY name",
	[CRM_Q_MEMBER_ADD] =
		"INSERT INTO members(group_id, account_id)"
		" SELECT g.id, a.id FROM groups g, accounts a"
		" WHERE g.name = $1 AND a.name = $2 ON CONFLICT DO NOTHING",
	[CRM_Q_MEMBER_DELETE] =
		"DELETE FROM members WHERE"
		" group_id = (SELECT id FROM groups WHERE name = $1) AND"
		" account_id = (SELECT id FROM accounts WHERE name = $2)",
	[CRM_Q_MEMBER_LIST] =
		"SELECT a.name FROM members m"
		" JOIN groups g ON g.id = m.group_id"
		" JOIN accounts a ON a.id = m.account_id"
		" WHERE g.name = $1 ORDER BY a.name",
	[CRM_Q_MEMBER_GROUPS] =
		"SELECT g.name FROM members m"
		" JOIN groups g ON g.id = m.group_id"
		" JOIN accounts a ON a.id = m.account_id"
		" WHERE a.name = $1 ORDER BY g.name",
	[CRM_Q_POLICY_ROW_SET] =
		"INSERT INTO policy(scope, target, key, value)"
		" VALUES($1, $2, $3, $4) ON CONFLICT(scope, target, key)"
		" DO UPDATE SET value = excluded.value",
	[CRM_Q_POLICY_ROW_DELETE] =
		"DELETE FROM policy WHERE scope = $1"
		" AND target = $2 AND key = $3",
	[CRM_Q_POLICY_ROW_LIST] =
		"SELECT key, value FROM policy WHERE scope = $1"
		" AND target = $2 ORDER BY key",
	[CRM_Q_PWHIST_ADD] =
		"INSERT INTO pw_history(account_id, hash, created)"
		" VALUES($1, $2, $3)",
	/*
	 * SQLite reads a negative LIMIT as none; PostgreSQL refuses one
	 * and reads NULL as none.
	 */
	[CRM_Q_PWHIST_LIST] =
		"SELECT hash FROM pw_history WHERE account_id = $1"
		" ORDER BY id DESC"
		" LIMIT CASE WHEN $2::bigint >= 0 THEN $2::bigint END",
	[CRM_Q_PWHIST_PRUNE] =
		"DELETE FROM pw_history WHERE account_id = $1"
		" AND id NOT IN (SELECT id FROM pw_history"
		" WHERE account_id = $1 ORDER BY id DESC"
		" LIMIT CASE WHEN $2::bigint >= 0 THEN $2::bigint END)",
#undef ACCOUNT_COLS
	/* ---- end lib/store.c ---- */
	/* ---- lib/history.c: login history ---- */
	[CRM_Q_LOGIN_NEWEST_SUCCESS] =
		"SELECT id, count FROM logins"
		" WHERE \"user\" = $1 AND service = $2 AND rhost = $3"
		" AND type = $4 AND success = 1 AND last_time >= $5"
		" ORDER BY last_time DESC, id DESC LIMIT 1",
	[CRM_Q_LOGIN_MERGE] =
		"UPDATE logins SET count = count + 1,"
		" last_time = GREATEST(last_time, $2) WHERE id = $1",
	[CRM_Q_LOGIN_INSERT] =
		"INSERT INTO logins(time, last_time,"
		" count, \"user\", service, rhost, tty, type, success, reason,"
		" country_code, country, city, org, new_ip) VALUES($1, $1, 1,"
		" $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
	/* $2 is bound (to 0) but not used, as in SQLite's text. */
	[CRM_Q_LOGIN_RETYPE] =
		"UPDATE logins SET type = $3 WHERE id = $1",
	/* The values of a SELECT list take no type from the target. */
	[CRM_Q_LOGIN_SPLIT] =
		"INSERT INTO logins(time, last_time, count, \"user\","
		" service, rhost, tty, type, success, reason, country_code,"
		" country, city, org, new_ip) SELECT $2::bigint, $2::bigint,"
		" 1, \"user\", service, rhost, tty, $3::text, success, reason,"
		" country_code, country, city, org, 0 FROM logins"
		" WHERE id = $1",
	[CRM_Q_LOGIN_DELETE] =
		"DELETE FROM logins WHERE id = $1",
	[CRM_Q_LOGIN_UNMERGE] =
		"UPDATE logins SET count = count - 1 WHERE id = $1",
	/*
	 * A merged row spans time..last_time: it matches a period it
	 * overlaps. One for all users and one for a user, which can use
	 * logins_user. The bounds are cast: compared with 0 first, they
	 * would otherwise be taken as 32-bit.
	 */
	[CRM_Q_LOGIN_LIST] =
		"SELECT id, time, last_time, count, \"user\", service, rhost,"
		" tty, type, success, reason, country_code, country, city, org,"
		" new_ip FROM logins WHERE"
		" ($2::bigint <= 0 OR last_time >= $2::bigint)"
		" AND ($3::bigint <= 0 OR time <= $3::bigint)"
		" AND ($4::bigint = 0 OR success = 0) ORDER BY time, id",
	[CRM_Q_LOGIN_LIST_USER] =
		"SELECT id, time, last_time, count, \"user\", service, rhost,"
		" tty, type, success, reason, country_code, country, city, org,"
		" new_ip FROM logins WHERE \"user\" = $1 AND"
		" ($2::bigint <= 0 OR last_time >= $2::bigint)"
		" AND ($3::bigint <= 0 OR time <= $3::bigint)"
		" AND ($4::bigint = 0 OR success = 0) ORDER BY time, id",
	/* ---- end lib/history.c ---- */
	/* ---- lib/knownip.c: known addresses ---- */
	[CRM_Q_KNOWNIP_PRUNE] =
		"DELETE FROM known_ips WHERE"
		" account_id = $1 AND last_seen < $2",
	[CRM_Q_KNOWNIP_TOUCH] =
		"UPDATE known_ips SET last_seen = $3,"
		" count = count + 1 WHERE account_id = $1 AND ip = $2",
	[CRM_Q_KNOWNIP_INSERT] =
		"INSERT INTO known_ips(account_id, ip,"
		" first_seen, last_seen, count) VALUES($1, $2, $3, $3, 1)",
	/* $1 (the user) is bound only for the listing of one user. */
	[CRM_Q_KNOWNIP_LIST] =
		"SELECT a.name, k.ip, k.first_seen, k.last_seen, k.count"
		" FROM known_ips k JOIN accounts a ON a.id = k.account_id"
		" WHERE k.last_seen >= $2 ORDER BY a.name, k.ip",
	[CRM_Q_KNOWNIP_LIST_USER] =
		"SELECT a.name, k.ip, k.first_seen, k.last_seen, k.count"
		" FROM known_ips k JOIN accounts a ON a.id = k.account_id"
		" WHERE a.name = $1 AND k.last_seen >= $2 ORDER BY k.ip",
	[CRM_Q_KNOWNIP_DELETE] =
		"DELETE FROM known_ips"
		" WHERE account_id = $1 AND ip = $2",
	/* ---- end lib/knownip.c ---- */
	/* ---- lib/audit.c: the audit trail ---- */
	[CRM_Q_AUDIT_NEWEST] =
		"SELECT id, hash FROM audit ORDER BY id DESC"
		" LIMIT 1",
	/* The id is part of the row's hash: always given, never made. */
	[CRM_Q_AUDIT_ADD] =
		"INSERT INTO audit(id, time, event, actor, subject,"
		" service, rhost, details, prev_hash, hash, host)"
		" VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
	[CRM_Q_AUDIT_ROWS] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, prev_hash, hash, host FROM audit ORDER BY id",
	[CRM_Q_AUDIT_SEAL] =
		"UPDATE audit SET"
		" prev_hash = $2, hash = $3 WHERE id = $1",
	[CRM_Q_AUDIT_COUNT] =
		"SELECT count(*) FROM audit",
	[CRM_Q_AUDIT_COUNT_SEALED] =
		"SELECT count(*) FROM audit WHERE hash IS NOT"
		" NULL",
	[CRM_Q_AUDIT_CHECKPOINTS] =
		"SELECT id, time, first_id, prev_hash,"
		" removed, mac FROM audit_checkpoints ORDER BY id",
	[CRM_Q_AUDIT_CUT_FIRST] =
		"SELECT coalesce((SELECT min(id) FROM audit"
		" WHERE time >= $1), (SELECT coalesce(max(id), 0) + 1 FROM"
		" audit))",
	[CRM_Q_AUDIT_CUT_BEFORE] =
		"SELECT hash, (SELECT count(*) FROM audit"
		" WHERE id < $1) FROM audit WHERE id < $1 ORDER BY id DESC"
		" LIMIT 1",
	/*
	 * PostgreSQL suspends a trigger for the pruning's transaction
	 * (ALTER TABLE takes the table's lock, held to the commit, so no
	 * other session sees it suspended): GUARD gives a row naming the
	 * trigger when it is there and enabled, GUARD_OFF and GUARD_ON
	 * disable and enable it. The table's owner may do both.
	 */
	[CRM_Q_AUDIT_DELETE_GUARD] =
		"SELECT tgname FROM pg_catalog.pg_trigger"
		" WHERE tgrelid = 'audit'::regclass"
		" AND tgname = 'audit_no_delete' AND tgenabled <> 'D'",
	[CRM_Q_AUDIT_CHECKPOINT_ADD] =
		"INSERT INTO audit_checkpoints(time,"
		" first_id, prev_hash, removed, mac) VALUES($1, $2, $3, $4,"
		" $5)",
	[CRM_Q_AUDIT_DELETE_GUARD_OFF] =
		"ALTER TABLE audit DISABLE TRIGGER audit_no_delete",
	[CRM_Q_AUDIT_PRUNE] =
		"DELETE FROM audit WHERE id < $1",
	[CRM_Q_AUDIT_DELETE_GUARD_ON] =
		"ALTER TABLE audit ENABLE TRIGGER audit_no_delete",
	/*
	 * The listing, by crm_audit_query: $1 user, $2 event where the
	 * statement has them, then since and until. A family ("mfa.") is
	 * the range from the prefix up to the prefix with its '.' made '/',
	 * the next character; event's collation "C" makes it a byte range.
	 */
	[CRM_Q_AUDIT_LIST] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, host FROM audit WHERE time >= $1 AND time <= $2"
		" ORDER BY id",
	[CRM_Q_AUDIT_LIST_EVENT] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, host FROM audit WHERE event = $1"
		" AND time >= $2 AND time <= $3 ORDER BY id",
	[CRM_Q_AUDIT_LIST_FAMILY] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, host FROM audit WHERE event >= $1::text"
		" AND event < substr($1::text, 1, length($1::text) - 1) || '/'"
		" AND time >= $2 AND time <= $3 ORDER BY id",
	[CRM_Q_AUDIT_LIST_USER] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, host FROM audit WHERE subject = $1"
		" AND time >= $2 AND time <= $3 ORDER BY id",
	[CRM_Q_AUDIT_LIST_USER_EVENT] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, host FROM audit WHERE subject = $1 AND event = $2"
		" AND time >= $3 AND time <= $4 ORDER BY id",
	[CRM_Q_AUDIT_LIST_USER_FAMILY] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, host FROM audit WHERE subject = $1"
		" AND event >= $2::text"
		" AND event < substr($2::text, 1, length($2::text) - 1) || '/'"
		" AND time >= $3 AND time <= $4 ORDER BY id",
	/* ---- end lib/audit.c ---- */
	/* ---- lib/lockout.c: lockout ---- */
	[CRM_Q_LOCKOUT_LIVE] =
		"SELECT count(*) FROM reservations"
		" WHERE account_id = $1 AND started > $2",
	[CRM_Q_LOCKOUT_LAPSE] =
		"DELETE FROM reservations WHERE account_id = $1"
		" AND started <= $2",
	[CRM_Q_LOCKOUT_RESERVE] =
		"INSERT INTO reservations(account_id, started)"
		" VALUES($1, $2) RETURNING id",
	[CRM_Q_LOCKOUT_RELEASE] =
		"DELETE FROM reservations WHERE id = $2 AND account_id = $1",
	[CRM_Q_LOCKOUT_RELEASE_OLDEST] =
		"DELETE FROM reservations WHERE id = (SELECT min(id) FROM"
		" reservations WHERE account_id = $1)",
	/* ---- end lib/lockout.c ---- */
	/* ---- lib/throttle.c: IP throttling ---- */
	[CRM_Q_THROTTLE_BLOCK_GET] =
		"SELECT until FROM ip_blocks WHERE ip = $1",
	[CRM_Q_THROTTLE_BLOCK_DELETE] =
		"DELETE FROM ip_blocks WHERE ip = $1",
	[CRM_Q_THROTTLE_BLOCK_COUNT] =
		"UPDATE ip_blocks SET failures ="
		" failures + 1 WHERE ip = $1",
	[CRM_Q_THROTTLE_FAILURES_LAPSE] =
		"DELETE FROM ip_failures WHERE ip = $1"
		" AND time <= $2",
	[CRM_Q_THROTTLE_FAILURE_ADD] =
		"INSERT INTO ip_failures(ip, time)"
		" VALUES($1, $2)",
	[CRM_Q_THROTTLE_FAILURES_COUNT] =
		"SELECT count(*) FROM ip_failures"
		" WHERE ip = $1",
	/* SQLite's OR REPLACE: every column of the row is given anew. */
	[CRM_Q_THROTTLE_BLOCK_SET] =
		"INSERT INTO ip_blocks(ip,"
		" blocked_at, until, failures) VALUES($1, $2, $3, $4)"
		" ON CONFLICT(ip) DO UPDATE SET"
		" blocked_at = excluded.blocked_at, until = excluded.until,"
		" failures = excluded.failures",
	[CRM_Q_THROTTLE_FAILURES_FORGET] =
		"DELETE FROM ip_failures WHERE ip = $1",
	[CRM_Q_THROTTLE_BLOCK_LIST] =
		"SELECT ip, blocked_at, until, failures"
		" FROM ip_blocks WHERE until > $1 ORDER BY ip",
	/* ---- end lib/throttle.c ---- */
	/* ---- lib/sip.c: SIP credentials ---- */
	[CRM_Q_SIP_FORGET] =
		"DELETE FROM sip_credentials"
		" WHERE account_id = $1",
	[CRM_Q_SIP_STORE] =
		"INSERT INTO sip_credentials"
		"(account_id, realm, sealed, changed) VALUES($1, $2, $3, $4)"
		" ON CONFLICT(account_id) DO UPDATE SET"
		" realm = excluded.realm, sealed = excluded.sealed,"
		" changed = excluded.changed",
	[CRM_Q_SIP_INFO] =
		"SELECT realm, changed FROM"
		" sip_credentials WHERE account_id = $1",
	[CRM_Q_SIP_SEALED] =
		"SELECT realm, sealed FROM"
		" sip_credentials WHERE account_id = $1",
	/* ---- end lib/sip.c ---- */
	/* ---- lib/mfa.c: second factors ---- */
	[CRM_Q_MFA_TOTP_STATE] =
		"SELECT count(*), max(enrolled) FROM totp"
		" WHERE account_id = $1",
	[CRM_Q_MFA_RECOVERY_COUNT] =
		"SELECT count(*) FROM recovery_codes"
		" WHERE account_id = $1",
	[CRM_Q_MFA_TOTP_GET] =
		"SELECT secret, last_step FROM totp"
		" WHERE account_id = $1",
	[CRM_Q_MFA_TOTP_STEP] =
		"UPDATE totp SET last_step = $2"
		" WHERE account_id = $1",
	[CRM_Q_MFA_RECOVERY_LIST] =
		"SELECT id, hash FROM recovery_codes"
		" WHERE account_id = $1",
	[CRM_Q_MFA_RECOVERY_USE] =
		"DELETE FROM recovery_codes WHERE id = $1"
		" AND account_id = $2",
	/* SQLite's OR REPLACE: a new code, its tries back to none. */
	[CRM_Q_MFA_CODE_PUT] =
		"INSERT INTO otp_codes("
		"account_id, purpose, hash, address, created, expires, tries)"
		" VALUES($1, $2, $3, $4, $5, $6, 0)"
		" ON CONFLICT(account_id, purpose) DO UPDATE SET"
		" hash = excluded.hash, address = excluded.address,"
		" created = excluded.created, expires = excluded.expires,"
		" tries = excluded.tries",
	[CRM_Q_MFA_CODE_DROP] =
		"DELETE FROM otp_codes WHERE account_id = $1"
		" AND purpose = $2",
	[CRM_Q_MFA_CODE_TRY] =
		"UPDATE otp_codes SET tries = tries + 1"
		" WHERE account_id = $1 AND purpose = $2",
	[CRM_Q_MFA_CODE_GET] =
		"SELECT hash, address, expires, tries"
		" FROM otp_codes WHERE account_id = $1 AND purpose = $2",
	[CRM_Q_MFA_RECOVERY_CLEAR] =
		"DELETE FROM recovery_codes WHERE account_id = $1",
	[CRM_Q_MFA_RECOVERY_ADD] =
		"INSERT INTO recovery_codes(account_id,"
		" hash) VALUES($1, $2)",
	[CRM_Q_MFA_TOTP_ADD] =
		"INSERT INTO totp(account_id, secret,"
		" last_step, enrolled) VALUES($1, $2, $3, $4)",
	[CRM_Q_MFA_TOTP_COUNT] =
		"SELECT count(*) FROM totp WHERE"
		" account_id = $1",
	[CRM_Q_MFA_TOTP_DROP] =
		"DELETE FROM totp WHERE account_id = $1",
	/* ---- end lib/mfa.c ---- */
	/* ---- lib/rules.c: source-IP rules ---- */
	[CRM_Q_RULES_DECIDE] =
		"SELECT name, priority, scope, services,"
		" network, action FROM rules ORDER BY priority, id",
	[CRM_Q_RULES_LIST] =
		"SELECT id, name, priority, scope, services, network, action"
		" FROM rules"
		" ORDER BY priority, id",
	[CRM_Q_RULE_GET] =
		"SELECT id, name, priority, scope, services, network, action"
		" FROM rules"
		" WHERE name = $1",
	[CRM_Q_RULE_NEXT_PRIORITY] =
		"SELECT coalesce(max(priority), 0)"
		" FROM rules",
	[CRM_Q_RULE_ADD] =
		"INSERT INTO rules(name, priority, scope,"
		" services, network, action, created) VALUES($1, $2, $3, $4,"
		" $5, $6, $7) RETURNING id",
	[CRM_Q_RULE_DEL] =
		"DELETE FROM rules WHERE id = $1",
	[CRM_Q_RULE_MOVE] =
		"UPDATE rules SET priority = $2 WHERE id = $1",
	/* ---- end lib/rules.c ---- */
	/* ---- lib/bulk.c: the bulk filler ---- */
	[CRM_Q_BULK_TRAIL_EMPTY] =
		"SELECT NOT EXISTS(SELECT 1 FROM audit)",
	/*
	 * Groups and accounts come with their ids. SQLite then gives the
	 * next row without one max(id) + 1; a sequence does not look at
	 * the table, so these move it on past each id they are given
	 * (lib/pg_schema.h).
	 */
	[CRM_Q_BULK_GROUP_ADD] =
		"WITH s AS (SELECT setval(pg_get_serial_sequence('groups',"
		" 'id'), GREATEST($1::bigint, coalesce(pg_sequence_last_value("
		"pg_get_serial_sequence('groups', 'id')::regclass), 0))))"
		" INSERT INTO groups(id, name) SELECT $1::bigint, $2::text"
		" FROM s",
	[CRM_Q_BULK_ACCOUNT_ADD] =
		"WITH s AS (SELECT setval(pg_get_serial_sequence('accounts',"
		" 'id'), GREATEST($1::bigint, coalesce(pg_sequence_last_value("
		"pg_get_serial_sequence('accounts', 'id')::regclass), 0))))"
		" INSERT INTO accounts(id, name, origin,"
		" created, pw_changed, last_login, last_service, last_rhost,"
		" last_place) SELECT $1::bigint, $2::text, 1, $3::bigint,"
		" $4::bigint, $5::bigint, $6::text, $7::text, $8::text FROM s",
	[CRM_Q_BULK_MEMBER_ADD] =
		"INSERT INTO members(group_id, account_id)"
		" VALUES($1, $2)",
	[CRM_Q_BULK_KNOWNIP_ADD] =
		"INSERT INTO known_ips(account_id, ip,"
		" first_seen, last_seen, count) VALUES($1, $2, $3, $4, $5)",
	[CRM_Q_BULK_LOGIN_ADD] =
		"INSERT INTO logins(time, last_time, count,"
		" \"user\", service, rhost, tty, type, success, reason,"
		" country_code, country, city, org, new_ip) VALUES($1, $1,"
		" 1, $2, $3, $4, $5, 'password', $6, $7, $8, $9, $10, $11,"
		" $12)",
	[CRM_Q_BULK_AUDIT_ADD] =
		"INSERT INTO audit(time, event, actor,"
		" subject, service, rhost, details, id, prev_hash, hash)"
		" VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
	/* ---- end lib/bulk.c ---- */
	/* ---- lib/accounts_csv.c: import and export ---- */
	/* ---- end lib/accounts_csv.c ---- */
	/* ---- lib/compliance.c: the compliance report ---- */
	/* ---- end lib/compliance.c ---- */
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
		" prev_rhost, prev_fails, last_place, prev_place, lang"
		" FROM accounts"
		" ORDER BY id",
	[CRM_Q_COPY_ACCOUNTS_WRITE] =
		"INSERT INTO accounts(id, name, email, email_verified,"
		" pw_hash, origin, created, pw_changed, enabled_at,"
		" must_change, disabled, disabled_reason, disabled_at,"
		" failures, first_fail, last_fail, locked_at,"
		" fails_since_login, last_login, last_service, last_rhost,"
		" prev_login, prev_service, prev_rhost, prev_fails,"
		" last_place, prev_place, lang)"
		" VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
		" $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,"
		" $25, $26, $27, $28)",
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
