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
	/* ---- end lib/audit.c ---- */
	/* ---- lib/lockout.c: lockout ---- */
	/* ---- end lib/lockout.c ---- */
	/* ---- lib/throttle.c: IP throttling ---- */
	/* ---- end lib/throttle.c ---- */
	/* ---- lib/sip.c: SIP credentials ---- */
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
