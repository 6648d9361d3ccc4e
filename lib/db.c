/*
 * The storage interface's front: statements kept per connection by
 * identifier, and every call handed to the connection's backend.
 */
#include <stdlib.h>
#include <string.h>

#include "db_impl.h"

static const char *const names[CRM_Q_COUNT] = {
#define CRM_Q(id) #id,
#include "crmpolicy/db_queries.def"
#undef CRM_Q
};

const char *crm_q_name(enum crm_q q)
{
	return (unsigned)q < CRM_Q_COUNT ? names[q] : "?";
}

enum crm_db_kind crm_db_kind(const struct crm_db *db)
{
	return db->kind;
}

void crm_db_free_statements(struct crm_db *db)
{
	for (int q = 0; q < CRM_Q_COUNT; q++) {
		struct crm_stmt *st = db->kept[q], *next;

		for (; st != NULL; st = next) {
			next = st->next;
			db->ops->finalize(st);
			free(st);
		}
		db->kept[q] = NULL;
	}
}

int crm_db_prepare(struct crm_db *db, enum crm_q q, struct crm_stmt **out,
	struct crm_error *err)
{
	struct crm_stmt *st;

	*out = NULL;
	if ((unsigned)q >= CRM_Q_COUNT)
		return crm_error_set(err, CRM_ESTORE, "no statement %d", (int)q);
	/* A statement being stepped is not handed out again (nesting). */
	for (st = db->kept[q]; st != NULL; st = st->next)
		if (!st->busy)
			break;
	if (st == NULL) {
		int r;

		st = calloc(1, sizeof(*st));
		if (st == NULL)
			return crm_error_set(err, CRM_ENOMEM, "out of memory");
		st->db = db;
		st->q = q;
		if ((r = db->ops->prepare(st, err)) != CRM_OK) {
			free(st);
			return r;
		}
		st->next = db->kept[q];
		db->kept[q] = st;
	}
	st->busy = 1;
	st->changes = 0;
	*out = st;
	return CRM_OK;
}

void crm_bind_int(struct crm_stmt *st, int i, int64_t v)
{
	st->db->ops->bind_int(st, i, v);
}

void crm_bind_text(struct crm_stmt *st, int i, const char *s)
{
	if (s == NULL)
		st->db->ops->bind_null(st, i);
	else
		st->db->ops->bind_text(st, i, s, strlen(s));
}

void crm_bind_textn(struct crm_stmt *st, int i, const char *s, size_t n)
{
	st->db->ops->bind_text(st, i, s, n);
}

void crm_bind_blob(struct crm_stmt *st, int i, const void *p, size_t n)
{
	st->db->ops->bind_blob(st, i, p, n);
}

void crm_bind_null(struct crm_stmt *st, int i)
{
	st->db->ops->bind_null(st, i);
}

int crm_stmt_step(struct crm_stmt *st)
{
	return st->db->ops->step(st);
}

int64_t crm_col_int(struct crm_stmt *st, int c)
{
	return st->db->ops->col_int(st, c);
}

const char *crm_col_text(struct crm_stmt *st, int c)
{
	const char *t = st->db->ops->col_text(st, c);

	return t != NULL ? t : "";
}

size_t crm_col_bytes(struct crm_stmt *st, int c)
{
	return st->db->ops->col_bytes(st, c);
}

const void *crm_col_blob(struct crm_stmt *st, int c)
{
	return st->db->ops->col_blob(st, c);
}

int crm_col_is_null(struct crm_stmt *st, int c)
{
	return st->db->ops->col_is_null(st, c);
}

int64_t crm_stmt_changes(struct crm_stmt *st)
{
	return st->changes;
}

void crm_stmt_done(struct crm_stmt *st)
{
	if (st == NULL)
		return;
	st->db->ops->reset(st);
	st->busy = 0;
}

int crm_db_in_transaction(struct crm_db *db)
{
	return db->ops->in_transaction(db);
}

void crm_db_defer_writes(struct crm_db *db)
{
	if (db != NULL && db->kind == CRM_DB_POSTGRESQL)
		crm_db_pg_defer_writes(db);
}

void crm_db_log_at_commit(struct crm_db *db,
	void (*log)(void *arg, int priority, const char *msg), void *arg,
	int priority, const char *msg)
{
	struct crm_db_note *n, **end;
	size_t len = strlen(msg);

	if (log == NULL)
		return;
	/* Without memory to keep it, the line goes out now. */
	if (db == NULL || !crm_db_in_transaction(db) ||
			(n = malloc(sizeof(*n) + len + 1)) == NULL) {
		log(arg, priority, msg);
		return;
	}
	n->log = log;
	n->arg = arg;
	n->priority = priority;
	n->next = NULL;
	memcpy(n->msg, msg, len + 1);
	for (end = &db->notes; *end != NULL; end = &(*end)->next)
		;
	*end = n;
}

void crm_db_notes_end(struct crm_db *db, int committed)
{
	struct crm_db_note *n, *next;

	if (db == NULL)
		return;
	n = db->notes;
	db->notes = NULL;
	for (; n != NULL; n = next) {
		next = n->next;
		if (committed)
			n->log(n->arg, n->priority, n->msg);
		free(n);
	}
}

int crm_db_error(struct crm_db *db, const char *what, struct crm_error *err)
{
	if (db == NULL)
		return crm_error_set(err, CRM_ESTORE, "store (unopened): %s: "
			"out of memory", what);
	return db->ops->error(db, what, err);
}
