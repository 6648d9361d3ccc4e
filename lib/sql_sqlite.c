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
