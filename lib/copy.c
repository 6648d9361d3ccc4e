/*
 * Copying a store, table by table, through the storage interface alone:
 * each table is read whole in key order from one snapshot of the source
 * and written row for row into an empty destination in one transaction,
 * which is read back and checked against the source before it commits.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "crmpolicy/copy.h"
#include "crmpolicy/store.h"

/*
 * A table: its statements and the kind of each of its columns, in the
 * order of the statements' columns and parameters: 'i' an integer, 't'
 * text, 'b' bytes. ids is CRM_Q_COUNT for a table without an identity.
 */
struct table {
	const char *name;
	const char *kinds;
	enum crm_q read, write, ids;
};

#define T(n, N, k) { n, k, CRM_Q_COPY_##N##_READ, CRM_Q_COPY_##N##_WRITE, \
	CRM_Q_COUNT }
#define TI(n, N, k) { n, k, CRM_Q_COPY_##N##_READ, CRM_Q_COPY_##N##_WRITE, \
	CRM_Q_COPY_##N##_IDS }

/* Referenced tables before the tables that reference them. */
static const struct table tables[CRM_COPY_TABLES] = {
	TI("accounts", ACCOUNTS, "ittitiiiiiitiiiiiiittittittt"),
	TI("groups", GROUPS, "it"),
	T("members", MEMBERS, "ii"),
	T("policy", POLICY, "tttt"),
	TI("pw_history", PW_HISTORY, "iiti"),
	TI("reservations", RESERVATIONS, "iii"),
	TI("audit", AUDIT, "iittttttbbt"),
	TI("audit_checkpoints", AUDIT_CHECKPOINTS, "iiibib"),
	TI("rules", RULES, "ititttti"),
	T("settings", SETTINGS, "tt"),
	TI("ip_failures", IP_FAILURES, "iti"),
	T("ip_blocks", IP_BLOCKS, "tiii"),
	TI("logins", LOGINS, "iiiitttttittttti"),
	T("known_ips", KNOWN_IPS, "itiii"),
	T("totp", TOTP, "itii"),
	TI("recovery_codes", RECOVERY_CODES, "iit"),
	T("otp_codes", OTP_CODES, "itttiii"),
	T("sip_credentials", SIP_CREDENTIALS, "itti"),
};

const char *crm_copy_table_name(size_t i, const char **kinds)
{
	if (i >= CRM_COPY_TABLES)
		return NULL;
	if (kinds != NULL)
		*kinds = tables[i].kinds;
	return tables[i].name;
}

/* ---- values ---- */

static void hash_tag(crypto_generichash_state *h, unsigned char tag,
	uint64_t n)
{
	unsigned char b[9];

	b[0] = tag;
	for (int i = 0; i < 8; i++)
		b[1 + i] = (unsigned char)(n >> (56 - 8 * i));
	crypto_generichash_update(h, b, sizeof(b));
}

/*
 * Takes the current row of in: adds each value to the digest h and, when
 * out is not NULL, binds it as out's parameter of the same place. Every
 * value is hashed with its kind and length, so that no two rows of
 * different values give the same bytes. A value that is not what its
 * column holds (SQLite keeps any value in any column) is refused rather
 * than carried as something else.
 */
static int take_row(struct crm_stmt *in, struct crm_stmt *out,
	const struct table *t, int64_t row, crypto_generichash_state *h,
	struct crm_error *err)
{
	for (int c = 0; t->kinds[c] != '\0'; c++) {
		const void *p;
		size_t n;

		if (crm_col_is_null(in, c)) {
			hash_tag(h, 'n', 0);
			if (out != NULL)
				crm_bind_null(out, c + 1);
			continue;
		}
		if (t->kinds[c] == 'i') {
			int64_t v = crm_col_int(in, c);
			char dec[24];

			/* The value's own text: "1.5" or "x" is no integer. */
			snprintf(dec, sizeof(dec), "%" PRId64, v);
			if (strcmp(crm_col_text(in, c), dec) != 0)
				return crm_error_set(err, CRM_ESTORE, "copying"
					" table %s: row %" PRId64 ", column %d"
					" holds a value that is not an integer",
					t->name, row + 1, c + 1);
			hash_tag(h, 'i', (uint64_t)v);
			if (out != NULL)
				crm_bind_int(out, c + 1, v);
			continue;
		}
		/* As SQLite asks: the pointer first, then its length. */
		p = t->kinds[c] == 't' ? (const void *)crm_col_text(in, c) :
			crm_col_blob(in, c);
		n = crm_col_bytes(in, c);
		hash_tag(h, (unsigned char)t->kinds[c], (uint64_t)n);
		if (n > 0)
			crypto_generichash_update(h, p, n);
		if (out == NULL)
			continue;
		if (t->kinds[c] == 't')
			crm_bind_textn(out, c + 1, p, n);
		else	/* no bytes, not NULL: a pointer that is not NULL */
			crm_bind_blob(out, c + 1, n > 0 ? p : "", n);
	}
	return CRM_OK;
}

/*
 * Reads table t of src in key order into its count and digest and, when
 * dst is not NULL, writes each row into dst as it goes.
 */
static int pass(struct crm_db *src, struct crm_db *dst, const struct table *t,
	struct crm_copy_table *ct, struct crm_error *err)
{
	crypto_generichash_state h;
	struct crm_stmt *in, *out;
	char what[80];
	int rc, r;

	ct->name = t->name;
	ct->rows = 0;
	if ((r = crm_db_prepare(src, t->read, &in, err)) != CRM_OK)
		return r;
	crypto_generichash_init(&h, NULL, 0, CRM_COPY_DIGEST_BYTES);
	snprintf(what, sizeof(what), "copying table %s", t->name);
	while ((rc = crm_stmt_step(in)) == CRM_STEP_ROW) {
		out = NULL;
		if (dst != NULL &&
		    (r = crm_db_prepare(dst, t->write, &out, err)) != CRM_OK)
			break;
		if ((r = take_row(in, out, t, ct->rows, &h, err)) == CRM_OK &&
		    out != NULL && crm_stmt_step(out) != CRM_STEP_DONE)
			r = crm_db_error(dst, what, err);
		crm_stmt_done(out);
		if (r != CRM_OK)
			break;
		ct->rows++;
	}
	if (r == CRM_OK && rc < 0) {
		snprintf(what, sizeof(what), "reading table %s", t->name);
		r = crm_db_error(src, what, err);
	}
	crm_stmt_done(in);
	crypto_generichash_final(&h, ct->digest, CRM_COPY_DIGEST_BYTES);
	return r;
}

/* ---- the copy ---- */

/* CRM_EEXIST naming the tables of db that hold a row, if any does. */
static int check_empty(struct crm_db *db, struct crm_error *err)
{
	struct crm_stmt *st;
	char used[256] = "";
	size_t n = 0;
	int rc, r;

	if ((r = crm_db_prepare(db, CRM_Q_COPY_USED_TABLES, &st, err)))
		return r;
	while ((rc = crm_stmt_step(st)) == CRM_STEP_ROW && n < sizeof(used))
		n += (size_t)snprintf(used + n, sizeof(used) - n, "%s%s",
			n ? ", " : "", crm_col_text(st, 0));
	if (rc < 0)
		r = crm_db_error(db, "checking that the store is empty", err);
	else if (n > 0)
		r = crm_error_set(err, CRM_EEXIST, "the destination store is"
			" not empty (rows in %s): a store is copied only into"
			" an empty one; nothing was written", used);
	crm_stmt_done(st);
	return r;
}

/*
 * A sequence does not look at the table: each identity is moved past the
 * ids the copy wrote, so that the next row without one does not collide.
 */
static int move_identities(struct crm_db *db, struct crm_error *err)
{
	if (crm_db_kind(db) != CRM_DB_POSTGRESQL)
		return CRM_OK;	/* SQLite takes max(rowid) + 1 by itself */
	for (size_t i = 0; i < CRM_COPY_TABLES; i++) {
		struct crm_stmt *st;
		int r;

		if (tables[i].ids == CRM_Q_COUNT)
			continue;
		if ((r = crm_db_prepare(db, tables[i].ids, &st, err)))
			return r;
		while ((r = crm_stmt_step(st)) == CRM_STEP_ROW)
			;
		if (r < 0)
			r = crm_db_error(db, "moving the ids on", err);
		crm_stmt_done(st);
		if (r != CRM_OK)
			return r;
	}
	return CRM_OK;
}

/* "" when a and b are the same, else what differs, into msg. */
static int differ(const struct crm_copy_table *a,
	const struct crm_copy_table *b, char *msg, size_t len)
{
	if (a->rows != b->rows)
		snprintf(msg, len, "table %s has %" PRId64 " rows, the copy %"
			PRId64, a->name, a->rows, b->rows);
	else if (sodium_memcmp(a->digest, b->digest, sizeof(a->digest)) != 0)
		snprintf(msg, len, "table %s holds other values in the copy",
			a->name);
	else
		return 0;
	return 1;
}

static int copy_all(struct crm_db *src, struct crm_db *dst,
	struct crm_copy_report *rep, struct crm_error *err)
{
	struct crm_copy_table back;
	char msg[200];
	int r;

	if ((r = check_empty(dst, err)) != CRM_OK)
		return r;
	for (size_t i = 0; i < CRM_COPY_TABLES; i++) {
		if ((r = pass(src, dst, &tables[i], &rep->tables[i], err)))
			return r;
		rep->rows += rep->tables[i].rows;
	}
	if ((r = move_identities(dst, err)) != CRM_OK)
		return r;
	/*
	 * Read back before the commit: a value the destination changed on
	 * the way (a text cut at a NUL byte, say) undoes the whole copy.
	 */
	for (size_t i = 0; i < CRM_COPY_TABLES; i++) {
		if ((r = pass(dst, NULL, &tables[i], &back, err)) != CRM_OK)
			return r;
		if (differ(&rep->tables[i], &back, msg, sizeof(msg)))
			return crm_error_set(err, CRM_ESTORE, "the copy does"
				" not match its source: %s; nothing was"
				" written", msg);
	}
	return CRM_OK;
}

static int usable_pair(struct crm_db *src, struct crm_db *dst,
	struct crm_error *err)
{
	if (src == NULL || dst == NULL || src == dst)
		return crm_error_set(err, CRM_EINVAL, "a store is copied into"
			" another connection");
	if (crm_db_in_transaction(src) || crm_db_in_transaction(dst))
		return crm_error_set(err, CRM_EINVAL, "a store is copied"
			" outside any transaction of its own");
	return CRM_OK;
}

/* Runs statement q of db, which returns no row. */
static int run_one(struct crm_db *db, enum crm_q q, struct crm_error *err)
{
	struct crm_stmt *st;
	int r;

	if ((r = crm_db_prepare(db, q, &st, err)) != CRM_OK)
		return r;
	r = crm_stmt_step(st);
	crm_stmt_done(st);
	return r < 0 ? crm_db_error(db, "emptying the store", err) : CRM_OK;
}

/* Empties every table of a PostgreSQL store, guards lifted meanwhile. */
static int clear_all(struct crm_db *db, struct crm_error *err)
{
	int r;

	if ((r = run_one(db, CRM_Q_COPY_GUARD_OFF_AUDIT, err)) ||
	    (r = run_one(db, CRM_Q_COPY_GUARD_OFF_CHECKPOINTS, err)) ||
	    (r = run_one(db, CRM_Q_COPY_CLEAR_ALL, err)) ||
	    (r = run_one(db, CRM_Q_COPY_GUARD_ON_AUDIT, err)))
		return r;
	return run_one(db, CRM_Q_COPY_GUARD_ON_CHECKPOINTS, err);
}

/*
 * The copy itself, for both: the destination's writer lock first (what
 * it holds, empty or emptied, stays so till the commit), then one
 * snapshot of the source.
 */
static int copy_in(struct crm_db *src, struct crm_db *dst, int replace,
	struct crm_copy_report *rep, struct crm_error *err)
{
	struct crm_copy_report own;
	int r;

	if (rep == NULL)
		rep = &own;
	memset(rep, 0, sizeof(*rep));
	if ((r = usable_pair(src, dst, err)) != CRM_OK)
		return r;
	if (replace && crm_db_kind(dst) != CRM_DB_POSTGRESQL)
		return crm_error_set(err, CRM_EINVAL, "only a PostgreSQL store"
			" is replaced row by row");
	if ((r = crm_store_begin(dst, err)) != CRM_OK)
		return r;
	if ((r = crm_store_begin_read(src, err)) != CRM_OK) {
		crm_store_rollback(dst);
		return r;
	}
	r = replace ? clear_all(dst, err) : CRM_OK;
	if (r == CRM_OK)
		r = copy_all(src, dst, rep, err);
	crm_store_rollback(src);	/* the snapshot ends; nothing to keep */
	if (r != CRM_OK) {
		crm_store_rollback(dst);
		return r;
	}
	return crm_store_commit(dst, err);
}

int crm_store_copy(struct crm_db *src, struct crm_db *dst,
	struct crm_copy_report *rep, struct crm_error *err)
{
	return copy_in(src, dst, 0, rep, err);
}

int crm_store_replace(struct crm_db *src, struct crm_db *dst,
	struct crm_copy_report *rep, struct crm_error *err)
{
	return copy_in(src, dst, 1, rep, err);
}

/* ---- comparing ---- */

/* The count and digest of every table of db, in one snapshot. */
static int read_all(struct crm_db *db, struct crm_copy_table *out,
	struct crm_error *err)
{
	int r;

	if ((r = crm_store_begin_read(db, err)) != CRM_OK)
		return r;
	for (size_t i = 0; i < CRM_COPY_TABLES && r == CRM_OK; i++)
		r = pass(db, NULL, &tables[i], &out[i], err);
	crm_store_rollback(db);
	return r;
}

int crm_store_compare(struct crm_db *src, struct crm_db *dst,
	struct crm_copy_report *rep, struct crm_error *err)
{
	struct crm_copy_table theirs[CRM_COPY_TABLES];
	int r;

	memset(rep, 0, sizeof(*rep));
	if ((r = usable_pair(src, dst, err)) != CRM_OK)
		return r;
	if ((r = read_all(src, rep->tables, err)) != CRM_OK ||
	    (r = read_all(dst, theirs, err)) != CRM_OK)
		return r;
	rep->equal = 1;
	for (size_t i = 0; i < CRM_COPY_TABLES; i++) {
		rep->rows += rep->tables[i].rows;
		if (rep->equal && differ(&rep->tables[i], &theirs[i],
				rep->problem, sizeof(rep->problem)))
			rep->equal = 0;
	}
	return CRM_OK;
}
