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
	/* ---- end lib/store.c ---- */
	/* ---- lib/history.c: login history ---- */
	/* ---- end lib/history.c ---- */
	/* ---- lib/knownip.c: known addresses ---- */
	/* ---- end lib/knownip.c ---- */
	/* ---- lib/audit.c: the audit trail ---- */
	[CRM_Q_AUDIT_NEWEST] =
		"SELECT id, hash FROM audit ORDER BY id DESC"
		" LIMIT 1",
	[CRM_Q_AUDIT_ADD] =
		"INSERT INTO audit(id, time, event,"
		" actor, subject, service, rhost, details, prev_hash, hash, host)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[CRM_Q_AUDIT_ROWS] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, prev_hash, hash, host FROM audit ORDER BY id",
	[CRM_Q_AUDIT_SEAL] =
		"UPDATE audit SET"
		" prev_hash = ?2, hash = ?3 WHERE id = ?1",
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
		" WHERE time >= ?1), (SELECT coalesce(max(id), 0) + 1 FROM"
		" audit))",
	[CRM_Q_AUDIT_CUT_BEFORE] =
		"SELECT hash, (SELECT count(*) FROM audit"
		" WHERE id < ?1) FROM audit WHERE id < ?1 ORDER BY id DESC"
		" LIMIT 1",
	/*
	 * SQLite cannot suspend a trigger: the pruning drops the delete
	 * guard and creates it again in its transaction. GUARD reads it
	 * (a row when it is there); GUARD_ON must stay, byte for byte, the
	 * trigger lib/store.c creates (schema 3 -> 4), so that what is put
	 * back is what was there (tests/unit/test_audit.c compares them).
	 */
	[CRM_Q_AUDIT_DELETE_GUARD] =
		"SELECT sql FROM sqlite_master WHERE"
		" type = 'trigger' AND name = 'audit_no_delete'",
	[CRM_Q_AUDIT_CHECKPOINT_ADD] =
		"INSERT INTO audit_checkpoints(time,"
		" first_id, prev_hash, removed, mac) VALUES(?1, ?2, ?3, ?4,"
		" ?5)",
	[CRM_Q_AUDIT_DELETE_GUARD_OFF] =
		"DROP TRIGGER audit_no_delete",
	[CRM_Q_AUDIT_PRUNE] =
		"DELETE FROM audit WHERE id < ?1",
	[CRM_Q_AUDIT_DELETE_GUARD_ON] =
		"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
		" BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only');"
		" END",
	/*
	 * The listing, by crm_audit_query: ?1 user, ?2 event where the
	 * statement has them, then since and until. A family ("mfa.") is
	 * the range from the prefix up to the prefix with its '.' made '/',
	 * the next character.
	 */
	[CRM_Q_AUDIT_LIST] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, host FROM audit WHERE time >= ?1 AND time <= ?2"
		" ORDER BY id",
	[CRM_Q_AUDIT_LIST_EVENT] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, host FROM audit WHERE event = ?1"
		" AND time >= ?2 AND time <= ?3 ORDER BY id",
	[CRM_Q_AUDIT_LIST_FAMILY] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, host FROM audit WHERE event >= ?1"
		" AND event < substr(?1, 1, length(?1) - 1) || '/'"
		" AND time >= ?2 AND time <= ?3 ORDER BY id",
	[CRM_Q_AUDIT_LIST_USER] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, host FROM audit WHERE subject = ?1"
		" AND time >= ?2 AND time <= ?3 ORDER BY id",
	[CRM_Q_AUDIT_LIST_USER_EVENT] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, host FROM audit WHERE subject = ?1 AND event = ?2"
		" AND time >= ?3 AND time <= ?4 ORDER BY id",
	[CRM_Q_AUDIT_LIST_USER_FAMILY] =
		"SELECT id, time, event, actor, subject, service, rhost,"
		" details, host FROM audit WHERE subject = ?1 AND event >= ?2"
		" AND event < substr(?2, 1, length(?2) - 1) || '/'"
		" AND time >= ?3 AND time <= ?4 ORDER BY id",
	/* ---- end lib/audit.c ---- */
	/* ---- lib/lockout.c: lockout ---- */
	[CRM_Q_LOCKOUT_LIVE] =
		"SELECT count(*) FROM reservations"
		" WHERE account_id = ?1 AND started > ?2",
	[CRM_Q_LOCKOUT_LAPSE] =
		"DELETE FROM reservations WHERE account_id = ?1"
		" AND started <= ?2",
	[CRM_Q_LOCKOUT_RESERVE] =
		"INSERT INTO reservations(account_id, started)"
		" VALUES(?1, ?2) RETURNING id",
	[CRM_Q_LOCKOUT_RELEASE] =
		"DELETE FROM reservations WHERE id = ?2 AND account_id = ?1",
	[CRM_Q_LOCKOUT_RELEASE_OLDEST] =
		"DELETE FROM reservations WHERE id = (SELECT min(id) FROM"
		" reservations WHERE account_id = ?1)",
	/* ---- end lib/lockout.c ---- */
	/* ---- lib/throttle.c: IP throttling ---- */
	[CRM_Q_THROTTLE_BLOCK_GET] =
		"SELECT until FROM ip_blocks WHERE ip = ?1",
	[CRM_Q_THROTTLE_BLOCK_DELETE] =
		"DELETE FROM ip_blocks WHERE ip = ?1",
	[CRM_Q_THROTTLE_BLOCK_COUNT] =
		"UPDATE ip_blocks SET failures ="
		" failures + 1 WHERE ip = ?1",
	[CRM_Q_THROTTLE_FAILURES_LAPSE] =
		"DELETE FROM ip_failures WHERE ip = ?1"
		" AND time <= ?2",
	[CRM_Q_THROTTLE_FAILURE_ADD] =
		"INSERT INTO ip_failures(ip, time)"
		" VALUES(?1, ?2)",
	[CRM_Q_THROTTLE_FAILURES_COUNT] =
		"SELECT count(*) FROM ip_failures"
		" WHERE ip = ?1",
	[CRM_Q_THROTTLE_BLOCK_SET] =
		"INSERT OR REPLACE INTO ip_blocks(ip,"
		" blocked_at, until, failures) VALUES(?1, ?2, ?3, ?4)",
	[CRM_Q_THROTTLE_FAILURES_FORGET] =
		"DELETE FROM ip_failures WHERE ip = ?1",
	[CRM_Q_THROTTLE_BLOCK_LIST] =
		"SELECT ip, blocked_at, until, failures"
		" FROM ip_blocks WHERE until > ?1 ORDER BY ip",
	/* ---- end lib/throttle.c ---- */
	/* ---- lib/sip.c: SIP credentials ---- */
	[CRM_Q_SIP_FORGET] =
		"DELETE FROM sip_credentials"
		" WHERE account_id = ?1",
	[CRM_Q_SIP_STORE] =
		"INSERT OR REPLACE INTO sip_credentials"
		"(account_id, realm, sealed, changed) VALUES(?1, ?2, ?3, ?4)",
	[CRM_Q_SIP_INFO] =
		"SELECT realm, changed FROM"
		" sip_credentials WHERE account_id = ?1",
	[CRM_Q_SIP_SEALED] =
		"SELECT realm, sealed FROM"
		" sip_credentials WHERE account_id = ?1",
	/* ---- end lib/sip.c ---- */
	/* ---- lib/mfa.c: second factors ---- */
	[CRM_Q_MFA_TOTP_STATE] =
		"SELECT count(*), max(enrolled) FROM totp"
		" WHERE account_id = ?1",
	[CRM_Q_MFA_RECOVERY_COUNT] =
		"SELECT count(*) FROM recovery_codes"
		" WHERE account_id = ?1",
	[CRM_Q_MFA_TOTP_GET] =
		"SELECT secret, last_step FROM totp"
		" WHERE account_id = ?1",
	[CRM_Q_MFA_TOTP_STEP] =
		"UPDATE totp SET last_step = ?2"
		" WHERE account_id = ?1",
	[CRM_Q_MFA_RECOVERY_LIST] =
		"SELECT id, hash FROM recovery_codes"
		" WHERE account_id = ?1",
	[CRM_Q_MFA_RECOVERY_USE] =
		"DELETE FROM recovery_codes WHERE id = ?1"
		" AND account_id = ?2",
	[CRM_Q_MFA_CODE_PUT] =
		"INSERT OR REPLACE INTO otp_codes("
		"account_id, purpose, hash, address, created, expires, tries)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0)",
	[CRM_Q_MFA_CODE_DROP] =
		"DELETE FROM otp_codes WHERE account_id = ?1"
		" AND purpose = ?2",
	[CRM_Q_MFA_CODE_TRY] =
		"UPDATE otp_codes SET tries = tries + 1"
		" WHERE account_id = ?1 AND purpose = ?2",
	[CRM_Q_MFA_CODE_GET] =
		"SELECT hash, address, expires, tries"
		" FROM otp_codes WHERE account_id = ?1 AND purpose = ?2",
	[CRM_Q_MFA_RECOVERY_CLEAR] =
		"DELETE FROM recovery_codes WHERE account_id = ?1",
	[CRM_Q_MFA_RECOVERY_ADD] =
		"INSERT INTO recovery_codes(account_id,"
		" hash) VALUES(?1, ?2)",
	[CRM_Q_MFA_TOTP_ADD] =
		"INSERT INTO totp(account_id, secret,"
		" last_step, enrolled) VALUES(?1, ?2, ?3, ?4)",
	[CRM_Q_MFA_TOTP_COUNT] =
		"SELECT count(*) FROM totp WHERE"
		" account_id = ?1",
	[CRM_Q_MFA_TOTP_DROP] =
		"DELETE FROM totp WHERE account_id = ?1",
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
		" WHERE name = ?1",
	[CRM_Q_RULE_NEXT_PRIORITY] =
		"SELECT coalesce(max(priority), 0)"
		" FROM rules",
	[CRM_Q_RULE_ADD] =
		"INSERT INTO rules(name, priority, scope,"
		" services, network, action, created) VALUES(?1, ?2, ?3, ?4,"
		" ?5, ?6, ?7) RETURNING id",
	[CRM_Q_RULE_DEL] =
		"DELETE FROM rules WHERE id = ?1",
	[CRM_Q_RULE_MOVE] =
		"UPDATE rules SET priority = ?2 WHERE id = ?1",
	/* ---- end lib/rules.c ---- */
	/* ---- lib/bulk.c: the bulk filler ---- */
	[CRM_Q_BULK_TRAIL_EMPTY] =
		"SELECT NOT EXISTS(SELECT 1 FROM audit)",
	[CRM_Q_BULK_GROUP_ADD] =
		"INSERT INTO groups(id, name) VALUES(?1, ?2)",
	[CRM_Q_BULK_ACCOUNT_ADD] =
		"INSERT INTO accounts(id, name, origin,"
		" created, pw_changed, last_login, last_service, last_rhost,"
		" last_place) VALUES(?1, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?8)",
	[CRM_Q_BULK_MEMBER_ADD] =
		"INSERT INTO members(group_id, account_id)"
		" VALUES(?1, ?2)",
	[CRM_Q_BULK_KNOWNIP_ADD] =
		"INSERT INTO known_ips(account_id, ip,"
		" first_seen, last_seen, count) VALUES(?1, ?2, ?3, ?4, ?5)",
	[CRM_Q_BULK_LOGIN_ADD] =
		"INSERT INTO logins(time, last_time, count,"
		" user, service, rhost, tty, type, success, reason,"
		" country_code, country, city, org, new_ip) VALUES(?1, ?1,"
		" 1, ?2, ?3, ?4, ?5, 'password', ?6, ?7, ?8, ?9, ?10, ?11,"
		" ?12)",
	[CRM_Q_BULK_AUDIT_ADD] =
		"INSERT INTO audit(time, event, actor,"
		" subject, service, rhost, details, id, prev_hash, hash)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	/* ---- end lib/bulk.c ---- */
	/* ---- lib/accounts_csv.c: import and export ---- */
	/* ---- end lib/accounts_csv.c ---- */
	/* ---- lib/compliance.c: the compliance report ---- */
	/* ---- end lib/compliance.c ---- */
};
