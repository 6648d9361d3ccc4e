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
};
