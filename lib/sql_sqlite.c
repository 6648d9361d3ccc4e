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
};
