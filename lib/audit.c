/*
 * The audit trail: every security event as one row, inside the caller's
 * transaction so that an event and the change it describes commit
 * together, chained by keyed BLAKE2b hashes, and one line to the
 * adapter's logger (syslog authpriv). Verification, retention pruning
 * with signed checkpoints, and the listing live here too.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <sodium.h>

#include "crmpolicy/audit.h"
#include "crmpolicy/store.h"
#include "crmpolicy/utf8.h"

#define H CRM_AUDIT_HASH_BYTES
#define HEAD_KEY "audit_head"
#define WHAT "writing the audit trail"

static const unsigned char zeros[H];

/* ---- the hashes ---- */

static void put_u64(crypto_generichash_state *st, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	crypto_generichash_update(st, b, sizeof(b));
}

/* Length first, so that no two field lists hash alike. */
static void put_text(crypto_generichash_state *st, const unsigned char *s,
	size_t n)
{
	put_u64(st, n);
	crypto_generichash_update(st, s, n);
}

static void begin_hash(crypto_generichash_state *st,
	const unsigned char key[H], const char *label)
{
	crypto_generichash_init(st, key, H, H);
	crypto_generichash_update(st, (const unsigned char *)label,
		strlen(label));
}

/* The fields of one row, as stored. */
struct fields {
	int64_t id, time;
	/* event actor subject service rhost details host */
	const unsigned char *text[7];
	size_t len[7];
};

/*
 * A row that names its host (every row written since the store could be
 * shared by hosts) is sealed as v2, over its host as well; a row without
 * one as v1, as rows were before. Blanking a v2 row's host does not make
 * it a valid v1 row: the v1 hash of its fields is not the one stored.
 */
static void row_hash(const unsigned char key[H], const unsigned char prev[H],
	const struct fields *f, unsigned char out[H])
{
	crypto_generichash_state st;
	int n = f->len[6] > 0 ? 7 : 6;

	begin_hash(&st, key, n == 7 ? "crmpolicy audit row v2" :
		"crmpolicy audit row v1");
	crypto_generichash_update(&st, prev, H);
	put_u64(&st, (uint64_t)f->id);
	put_u64(&st, (uint64_t)f->time);
	for (int i = 0; i < n; i++)
		put_text(&st, f->text[i], f->len[i]);
	crypto_generichash_final(&st, out, H);
}

void crm_audit_row_hash(const unsigned char key[H], const unsigned char prev[H],
	int64_t id, int64_t time, const char *const text[6],
	unsigned char out[H])
{
	struct fields f;

	f.id = id;
	f.time = time;
	for (int i = 0; i < 6; i++) {
		f.text[i] = (const unsigned char *)(text[i] ? text[i] : "");
		f.len[i] = strlen((const char *)f.text[i]);
	}
	f.text[6] = (const unsigned char *)"";
	f.len[6] = 0;
	row_hash(key, prev, &f, out);
}

/* The signature of the head record: the newest row's id and hash. */
static void head_mac(const unsigned char key[H], int64_t id,
	const unsigned char hash[H], unsigned char out[H])
{
	crypto_generichash_state st;

	begin_hash(&st, key, "crmpolicy audit head v1");
	put_u64(&st, (uint64_t)id);
	crypto_generichash_update(&st, hash, H);
	crypto_generichash_final(&st, out, H);
}

static void checkpoint_mac(const unsigned char key[H], int64_t time,
	int64_t first_id, const unsigned char prev[H], int64_t removed,
	unsigned char out[H])
{
	crypto_generichash_state st;

	begin_hash(&st, key, "crmpolicy audit checkpoint v1");
	put_u64(&st, (uint64_t)time);
	put_u64(&st, (uint64_t)first_id);
	crypto_generichash_update(&st, prev, H);
	put_u64(&st, (uint64_t)removed);
	crypto_generichash_final(&st, out, H);
}

/* ---- the head record ---- */

int crm_audit_head_set(struct crm_db *db, const unsigned char key[H], int64_t id,
	const unsigned char hash[H], struct crm_error *err)
{
	unsigned char bin[8 + 2 * H];
	char hex[2 * sizeof(bin) + 1];

	for (int i = 0; i < 8; i++)
		bin[i] = (unsigned char)((uint64_t)id >> (8 * i));
	memcpy(bin + 8, hash, H);
	head_mac(key, id, hash, bin + 8 + H);
	sodium_bin2hex(hex, sizeof(hex), bin, sizeof(bin));
	return crm_setting_set(db, HEAD_KEY, hex, err);
}

/* *found = 0 without a head; *valid = 0 when it is malformed or forged. */
static int head_read(struct crm_db *db, const unsigned char key[H], int64_t *id,
	unsigned char hash[H], int *found, int *valid, struct crm_error *err)
{
	unsigned char bin[8 + 2 * H], mac[H];
	char hex[2 * sizeof(bin) + 8];
	size_t n = 0;
	int r;

	*found = *valid = 0;
	r = crm_setting_get(db, HEAD_KEY, hex, sizeof(hex), err);
	if (r == CRM_ENOENT) {
		crm_error_clear(err);
		return CRM_OK;
	}
	if (r != CRM_OK)
		return r;
	*found = 1;
	if (sodium_hex2bin(bin, sizeof(bin), hex, strlen(hex), NULL, &n,
			NULL) != 0 || n != sizeof(bin))
		return CRM_OK;
	*id = 0;
	for (int i = 0; i < 8; i++)
		*id |= (int64_t)((uint64_t)bin[i] << (8 * i));
	memcpy(hash, bin + 8, H);
	head_mac(key, *id, hash, mac);
	*valid = sodium_memcmp(mac, bin + 8 + H, H) == 0;
	return CRM_OK;
}

/* ---- appending ---- */

/* The newest row's id and hash (zeros when there is none or it is bare). */
static int newest(struct crm_db *db, int64_t *id, unsigned char hash[H],
	struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	*id = 0;
	memcpy(hash, zeros, H);
	if ((rc = crm_db_prepare(db, CRM_Q_AUDIT_NEWEST, &st, err)) != CRM_OK)
		return rc;
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW) {
		*id = crm_col_int(st, 0);
		if (crm_col_bytes(st, 1) == H)
			memcpy(hash, crm_col_blob(st, 1), H);
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_ROW && rc != CRM_STEP_DONE)
		return crm_store_error(db, WHAT, err);
	return CRM_OK;
}

static void set_text(struct fields *f, int i, const char *s)
{
	f->text[i] = (const unsigned char *)(s ? s : "");
	f->len[i] = strlen((const char *)f->text[i]);
}

static int append(const struct crm_ctx *ctx, struct fields *f,
	struct crm_error *err)
{
	unsigned char prev[H], hash[H];
	struct crm_stmt *st;
	int64_t last;
	int r, rc;

	if ((r = newest(ctx->db, &last, prev, err)) != CRM_OK)
		return r;
	/* The id is part of what the hash covers, so it is chosen here. */
	f->id = last + 1;
	row_hash(ctx->audit_key, prev, f, hash);
	if ((r = crm_db_prepare(ctx->db, CRM_Q_AUDIT_ADD, &st, err)) != CRM_OK)
		return r;
	crm_bind_int(st, 1, f->id);
	crm_bind_int(st, 2, f->time);
	for (int i = 0; i < 6; i++)
		crm_bind_textn(st, 3 + i, (const char *)f->text[i], f->len[i]);
	crm_bind_blob(st, 9, prev, H);
	crm_bind_blob(st, 10, hash, H);
	crm_bind_textn(st, 11, (const char *)f->text[6], f->len[6]);
	rc = crm_stmt_step(st);
	crm_stmt_done(st);
	if (rc != CRM_STEP_DONE)
		return crm_store_error(ctx->db, WHAT, err);
	return crm_audit_head_set(ctx->db, ctx->audit_key, f->id, hash, err);
}

int crm_audit_add(const struct crm_ctx *ctx, const char *event,
	const char *subject, const char *fmt, ...)
{
	char details[1024], psub[CRM_NAME_MAX + 1], phost[CRM_RHOST_MAX + 1];
	char pdet[1024], psvc[128], pact[128];
	char line[sizeof(pdet) + sizeof(psub) + sizeof(phost) + 2 * 128 + 64];
	const char *rhost = ctx->rhost ? ctx->rhost : "";
	struct crm_error err;
	struct fields f;
	va_list ap;
	int own, r;

	if (!ctx->keyed)
		return CRM_EKEY;
	va_start(ap, fmt);
	vsnprintf(details, sizeof(details), fmt, ap);
	va_end(ap);
	memset(&f, 0, sizeof(f));
	f.time = ctx->now;
	set_text(&f, 0, event);
	set_text(&f, 1, ctx->actor);
	set_text(&f, 2, subject);
	set_text(&f, 3, ctx->service);
	set_text(&f, 4, rhost);
	set_text(&f, 5, details);
	set_text(&f, 6, ctx->host);
	/* Reading the newest row and adding the next must not interleave. */
	own = !crm_db_in_transaction(ctx->db);
	if (own && crm_store_begin(ctx->db, &err) != CRM_OK)
		return CRM_ESTORE;
	r = append(ctx, &f, &err);
	if (own)
		r = r == CRM_OK ? crm_store_commit(ctx->db, &err) :
			(crm_store_rollback(ctx->db), r);
	if (r != CRM_OK)
		return r;

	crm_printable(subject ? subject : "", psub, sizeof(psub));
	crm_printable(rhost, phost, sizeof(phost));
	crm_printable(details, pdet, sizeof(pdet));
	crm_printable(ctx->service ? ctx->service : "", psvc, sizeof(psvc));
	crm_printable(ctx->actor ? ctx->actor : "", pact, sizeof(pact));
	/* Inside the caller's transaction, the line waits for its commit. */
	snprintf(line, sizeof(line), "%s user=%s service=%s rhost=%s actor=%s%s%s",
		event, psub, psvc, phost, pact, pdet[0] ? " " : "", pdet);
	crm_db_log_at_commit(ctx->db, ctx->log, ctx->log_arg, LOG_NOTICE, line);
	return CRM_OK;
}

/* ---- reading rows ---- */

/*
 * A row of AUDIT_ROWS: the fields, then prev_hash (8), hash (9) and
 * host (10).
 */
static void read_fields(struct crm_stmt *st, struct fields *f)
{
	f->id = crm_col_int(st, 0);
	f->time = crm_col_int(st, 1);
	for (int i = 0; i < 7; i++) {
		int c = i < 6 ? 2 + i : 10;

		/* Text before bytes: the length is then that of the text read. */
		f->text[i] = (const unsigned char *)crm_col_text(st, c);
		f->len[i] = crm_col_bytes(st, c);
	}
}

/* ---- adopting a trail from before the chain ---- */

static int count_of(struct crm_db *db, enum crm_q q, int64_t *n,
	struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	*n = 0;
	if ((rc = crm_db_prepare(db, q, &st, err)) != CRM_OK)
		return rc;
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW)
		*n = crm_col_int(st, 0);
	crm_stmt_done(st);
	return rc == CRM_STEP_ROW ? CRM_OK :
		crm_store_error(db, "reading the audit trail", err);
}

/* Seals every row in order; only rows without a hash may be updated. */
static int seal_all(struct crm_db *db, const unsigned char key[H],
	struct crm_error *err)
{
	unsigned char prev[H], hash[H];
	struct crm_stmt *st, *up;
	struct fields f;
	int64_t last = 0;
	int rc = CRM_STEP_DONE, r;

	memcpy(prev, zeros, H);
	if ((r = crm_db_prepare(db, CRM_Q_AUDIT_ROWS, &st, err)) != CRM_OK)
		return r;
	while (r == CRM_OK && (rc = crm_stmt_step(st)) == CRM_STEP_ROW) {
		read_fields(st, &f);
		row_hash(key, prev, &f, hash);
		if ((r = crm_db_prepare(db, CRM_Q_AUDIT_SEAL, &up, err)) !=
				CRM_OK)
			break;
		crm_bind_int(up, 1, f.id);
		crm_bind_blob(up, 2, prev, H);
		crm_bind_blob(up, 3, hash, H);
		if (crm_stmt_step(up) != CRM_STEP_DONE)
			r = crm_store_error(db, "sealing the audit trail", err);
		crm_stmt_done(up);
		memcpy(prev, hash, H);
		last = f.id;
	}
	if (r == CRM_OK && rc != CRM_STEP_DONE)
		r = crm_store_error(db, "sealing the audit trail", err);
	crm_stmt_done(st);
	return r == CRM_OK ? crm_audit_head_set(db, key, last, prev, err) : r;
}

int crm_audit_adopt(struct crm_db *db, const unsigned char key[H],
	struct crm_error *err)
{
	unsigned char hash[H];
	int64_t id, rows = 0, sealed = 0;
	int r, found = 0, valid;

	/* The usual case costs one lookup: the chain has its head. */
	if ((r = head_read(db, key, &id, hash, &found, &valid, err)) != CRM_OK
			|| found)
		return r;
	if ((r = count_of(db, CRM_Q_AUDIT_COUNT, &rows, err)) ||
			rows == 0)
		return r;
	if ((r = crm_store_begin(db, err)) != CRM_OK)
		return r;
	/* Under the lock: another process may have sealed meanwhile. A trail
	 * that has sealed rows but no head is not adopted: verify says why. */
	r = head_read(db, key, &id, hash, &found, &valid, err);
	if (r == CRM_OK && !found)
		r = count_of(db, CRM_Q_AUDIT_COUNT_SEALED, &sealed, err);
	if (r == CRM_OK && !found && sealed == 0)
		r = seal_all(db, key, err);
	if (r != CRM_OK) {
		crm_store_rollback(db);
		return r;
	}
	return crm_store_commit(db, err);
}

/* ---- verification ---- */

static int broken(struct crm_audit_report *rep, int64_t id, const char *fmt,
	...) __attribute__((format(printf, 3, 4)));

static int broken(struct crm_audit_report *rep, int64_t id, const char *fmt,
	...)
{
	va_list ap;

	rep->ok = 0;
	rep->bad_id = id;
	va_start(ap, fmt);
	vsnprintf(rep->problem, sizeof(rep->problem), fmt, ap);
	va_end(ap);
	return CRM_OK;
}

/*
 * Every checkpoint must carry this key's signature; the newest one says
 * where the kept rows begin (*first, 0 if never pruned) and what they
 * follow (prev).
 */
static int check_checkpoints(struct crm_db *db, const unsigned char key[H],
	struct crm_audit_report *rep, int64_t *first, unsigned char prev[H],
	struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	*first = 0;
	memcpy(prev, zeros, H);
	if ((rc = crm_db_prepare(db, CRM_Q_AUDIT_CHECKPOINTS, &st, err)) !=
			CRM_OK)
		return rc;
	while ((rc = crm_stmt_step(st)) == CRM_STEP_ROW && rep->ok) {
		unsigned char want[H];
		int64_t cid = crm_col_int(st, 0);
		int64_t fid = crm_col_int(st, 2);

		rep->checkpoints++;
		if (crm_col_bytes(st, 3) != H || crm_col_bytes(st, 5) != H) {
			broken(rep, fid, "checkpoint %lld is malformed",
				(long long)cid);
			break;
		}
		checkpoint_mac(key, crm_col_int(st, 1), fid,
			crm_col_blob(st, 3), crm_col_int(st, 4), want);
		if (sodium_memcmp(want, crm_col_blob(st, 5), H) != 0) {
			broken(rep, fid, "checkpoint %lld is not signed with this"
				" key", (long long)cid);
			break;
		}
		if (fid < *first) {
			broken(rep, fid, "checkpoint %lld goes back in the trail",
				(long long)cid);
			break;
		}
		*first = fid;
		memcpy(prev, crm_col_blob(st, 3), H);
		rep->pruned += crm_col_int(st, 4);
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_ROW && rc != CRM_STEP_DONE)
		return crm_store_error(db, "reading audit checkpoints", err);
	return CRM_OK;
}

/* One row against the one before it; sets rep on the first problem. */
static void check_row(const unsigned char key[H], struct crm_stmt *st,
	unsigned char prev[H], int64_t expect_first,
	struct crm_audit_report *rep)
{
	unsigned char hash[H];
	struct fields f;

	read_fields(st, &f);
	if (rep->rows == 0) {
		rep->first_id = f.id;
		if (expect_first > 0 && f.id > expect_first) {
			broken(rep, f.id, "rows %lld to %lld are missing",
				(long long)expect_first, (long long)f.id - 1);
			return;
		}
		if (expect_first > 0 && f.id < expect_first) {
			broken(rep, f.id, "row %lld is older than the last "
				"pruning checkpoint", (long long)f.id);
			return;
		}
	}
	rep->rows++;
	rep->last_id = f.id;
	if (crm_col_bytes(st, 9) != H) {
		broken(rep, f.id, "row %lld is not sealed (written outside "
			"crmpolicy)", (long long)f.id);
		return;
	}
	if (crm_col_bytes(st, 8) != H ||
	    sodium_memcmp(crm_col_blob(st, 8), prev, H) != 0) {
		broken(rep, f.id, "row %lld does not follow the row before it "
			"(a row was deleted or inserted there)", (long long)f.id);
		return;
	}
	row_hash(key, prev, &f, hash);
	if (sodium_memcmp(hash, crm_col_blob(st, 9), H) != 0) {
		broken(rep, f.id, "row %lld was changed or not written by "
			"crmpolicy (its hash does not match)", (long long)f.id);
		return;
	}
	memcpy(prev, hash, H);
}

/* The newest row must be the one the signed head record names. */
static int check_head(struct crm_db *db, const unsigned char key[H],
	const unsigned char last_hash[H], struct crm_audit_report *rep,
	struct crm_error *err)
{
	unsigned char hash[H];
	int64_t id = 0;
	int r, found, valid;

	if ((r = head_read(db, key, &id, hash, &found, &valid, err)) != CRM_OK)
		return r;
	if (!found && rep->rows == 0)
		return CRM_OK;
	if (!found)
		return broken(rep, rep->last_id, "the record of the newest row "
			"is missing");
	if (!valid)
		return broken(rep, rep->last_id, "the record of the newest row "
			"is not signed with this key");
	if (id > rep->last_id)
		return broken(rep, rep->last_id + 1, "rows %lld to %lld, the "
			"newest, are missing", (long long)rep->last_id + 1,
			(long long)id);
	if (id != rep->last_id || sodium_memcmp(hash, last_hash, H) != 0)
		return broken(rep, rep->last_id, "row %lld is not the newest "
			"row crmpolicy wrote", (long long)rep->last_id);
	return CRM_OK;
}

int crm_audit_verify(struct crm_db *db, const unsigned char key[H],
	struct crm_audit_report *rep, struct crm_error *err)
{
	unsigned char prev[H];
	struct crm_stmt *st;
	int64_t first;
	int r, rc = CRM_STEP_DONE;

	memset(rep, 0, sizeof(*rep));
	rep->ok = 1;
	if ((r = check_checkpoints(db, key, rep, &first, prev, err)) != CRM_OK
			|| !rep->ok)
		return r;
	if ((r = crm_db_prepare(db, CRM_Q_AUDIT_ROWS, &st, err)) != CRM_OK)
		return r;
	while (rep->ok && (rc = crm_stmt_step(st)) == CRM_STEP_ROW)
		check_row(key, st, prev, first, rep);
	crm_stmt_done(st);
	if (rep->ok && rc != CRM_STEP_DONE)
		return crm_store_error(db, "reading the audit trail", err);
	if (!rep->ok)
		return CRM_OK;
	return check_head(db, key, prev, rep, err);
}

/* ---- pruning ---- */

/* Runs a statement of the pruning without rows; first binds ?1. */
static int prune_step(struct crm_db *db, enum crm_q q, const int64_t *first,
	struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	if ((rc = crm_db_prepare(db, q, &st, err)) != CRM_OK)
		return rc;
	if (first != NULL)
		crm_bind_int(st, 1, *first);
	rc = crm_stmt_step(st);
	crm_stmt_done(st);
	return rc == CRM_STEP_DONE ? CRM_OK :
		crm_store_error(db, "pruning the audit trail", err);
}

/*
 * Where pruning cuts: the oldest row at or after cutoff (or the next id
 * when every row is older), how many rows lie before it and the hash of
 * the last of them.
 */
static int cut_point(struct crm_db *db, int64_t cutoff, int64_t *first,
	int64_t *removed, unsigned char prev[H], struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	if ((rc = crm_db_prepare(db, CRM_Q_AUDIT_CUT_FIRST, &st, err)) !=
			CRM_OK)
		return rc;
	crm_bind_int(st, 1, cutoff);
	rc = crm_stmt_step(st);
	*first = rc == CRM_STEP_ROW ? crm_col_int(st, 0) : 0;
	crm_stmt_done(st);
	if (rc != CRM_STEP_ROW)
		return crm_store_error(db, "pruning the audit trail", err);
	*removed = 0;
	memcpy(prev, zeros, H);
	if ((rc = crm_db_prepare(db, CRM_Q_AUDIT_CUT_BEFORE, &st, err)) !=
			CRM_OK)
		return rc;
	crm_bind_int(st, 1, *first);
	rc = crm_stmt_step(st);
	if (rc == CRM_STEP_ROW) {
		if (crm_col_bytes(st, 0) == H)
			memcpy(prev, crm_col_blob(st, 0), H);
		*removed = crm_col_int(st, 1);
	}
	crm_stmt_done(st);
	if (rc != CRM_STEP_ROW && rc != CRM_STEP_DONE)
		return crm_store_error(db, "pruning the audit trail", err);
	return CRM_OK;
}

/*
 * A trail without its delete guard has been tampered with (verify says
 * where): pruning stops there, with a message that says why, rather
 * than failing on the guard it cannot lift.
 */
static int guard_present(struct crm_db *db, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc, found;

	if ((rc = crm_db_prepare(db, CRM_Q_AUDIT_DELETE_GUARD, &st, err)) !=
			CRM_OK)
		return rc;
	rc = crm_stmt_step(st);
	found = rc == CRM_STEP_ROW && crm_col_text(st, 0)[0] != '\0';
	crm_stmt_done(st);
	if (!found)
		return crm_error_set(err, CRM_ESTORE, "the audit trail has no "
			"delete trigger: refusing to prune");
	return CRM_OK;
}

static int add_checkpoint(const struct crm_ctx *ctx, int64_t first,
	int64_t removed, const unsigned char prev[H], struct crm_error *err)
{
	unsigned char mac[H];
	struct crm_stmt *st;
	int rc;

	checkpoint_mac(ctx->audit_key, ctx->now, first, prev, removed, mac);
	if ((rc = crm_db_prepare(ctx->db, CRM_Q_AUDIT_CHECKPOINT_ADD, &st,
			err)) != CRM_OK)
		return rc;
	crm_bind_int(st, 1, ctx->now);
	crm_bind_int(st, 2, first);
	crm_bind_blob(st, 3, prev, H);
	crm_bind_int(st, 4, removed);
	crm_bind_blob(st, 5, mac, H);
	rc = crm_stmt_step(st);
	crm_stmt_done(st);
	return rc == CRM_STEP_DONE ? CRM_OK :
		crm_store_error(ctx->db, "pruning the audit trail", err);
}

/*
 * The delete guard is lifted only inside the pruning's transaction and
 * is back before it commits (GUARD_OFF and GUARD_ON are the backend's
 * way to suspend it), so no other writer ever sees the trail unguarded.
 */
static int prune(const struct crm_ctx *ctx, int64_t cutoff,
	long long *removed, struct crm_error *err)
{
	unsigned char prev[H];
	int64_t first, n;
	int r;

	if ((r = cut_point(ctx->db, cutoff, &first, &n, prev, err)) != CRM_OK
			|| n == 0)
		return r;
	if ((r = guard_present(ctx->db, err)) ||
			(r = add_checkpoint(ctx, first, n, prev, err)) ||
			(r = prune_step(ctx->db, CRM_Q_AUDIT_DELETE_GUARD_OFF,
				NULL, err)) ||
			(r = prune_step(ctx->db, CRM_Q_AUDIT_PRUNE, &first,
				err)) ||
			(r = prune_step(ctx->db, CRM_Q_AUDIT_DELETE_GUARD_ON,
				NULL, err)))
		return r;
	*removed = n;
	if (crm_audit_add(ctx, "audit.prune", NULL, "rows=%lld before=%lld "
			"first_kept=%lld", (long long)n, (long long)cutoff,
			(long long)first))
		return crm_store_error(ctx->db, WHAT, err);
	return CRM_OK;
}

int crm_audit_prune(const struct crm_ctx *ctx, long long keep_days,
	long long *removed, struct crm_error *err)
{
	int r;

	*removed = 0;
	if (keep_days <= 0)
		return CRM_OK;
	if (!ctx->keyed)
		return crm_error_set(err, CRM_EKEY, "no audit key");
	if ((r = crm_store_begin(ctx->db, err)) != CRM_OK)
		return r;
	r = prune(ctx, ctx->now - keep_days * 86400, removed, err);
	if (r != CRM_OK) {
		*removed = 0;
		crm_store_rollback(ctx->db);
		return r;
	}
	return crm_store_commit(ctx->db, err);
}

/* ---- listing ---- */

enum crm_q crm_audit_query(const struct crm_audit_filter *f)
{
	static const enum crm_q by[2][3] = {
		{ CRM_Q_AUDIT_LIST, CRM_Q_AUDIT_LIST_EVENT,
			CRM_Q_AUDIT_LIST_FAMILY },
		{ CRM_Q_AUDIT_LIST_USER, CRM_Q_AUDIT_LIST_USER_EVENT,
			CRM_Q_AUDIT_LIST_USER_FAMILY },
	};
	int event = 0;

	/*
	 * One statement per way of choosing rows, each a plain comparison
	 * the backend can answer from the index on (subject, time) or
	 * (event, time). An event ending in '.' is a family ("mfa." for
	 * mfa.*): a range on the event index. The times are always bound,
	 * an open end as the widest value, so that they add no statements.
	 */
	if (f->event && f->event[0] && f->event[strlen(f->event) - 1] == '.')
		event = 2;
	else if (f->event)
		event = 1;
	return by[f->user != NULL][event];
}

static void copy_col(char *dst, size_t len, struct crm_stmt *st, int col)
{
	snprintf(dst, len, "%s", crm_col_text(st, col));
}

int crm_audit_foreach(const struct crm_ctx *ctx,
	const struct crm_audit_filter *f, crm_audit_cb cb, void *arg,
	struct crm_error *err)
{
	struct crm_audit_row row;
	struct crm_stmt *st;
	int rc, r, i = 1;

	if ((r = crm_db_prepare(ctx->db, crm_audit_query(f), &st, err)) !=
			CRM_OK)
		return r;
	/* In the statements' order: user, event, since, until. */
	if (f->user)
		crm_bind_text(st, i++, f->user);
	if (f->event)
		crm_bind_text(st, i++, f->event);
	crm_bind_int(st, i++, f->since ? f->since : INT64_MIN);
	crm_bind_int(st, i, f->until ? f->until : INT64_MAX);
	while (r == CRM_OK && (rc = crm_stmt_step(st)) == CRM_STEP_ROW) {
		memset(&row, 0, sizeof(row));
		row.id = crm_col_int(st, 0);
		row.time = crm_col_int(st, 1);
		copy_col(row.event, sizeof(row.event), st, 2);
		copy_col(row.actor, sizeof(row.actor), st, 3);
		copy_col(row.subject, sizeof(row.subject), st, 4);
		copy_col(row.service, sizeof(row.service), st, 5);
		copy_col(row.rhost, sizeof(row.rhost), st, 6);
		copy_col(row.details, sizeof(row.details), st, 7);
		copy_col(row.host, sizeof(row.host), st, 8);
		r = cb(arg, &row);
	}
	crm_stmt_done(st);
	if (r == CRM_OK && rc != CRM_STEP_DONE)
		return crm_store_error(ctx->db, "reading the audit trail", err);
	return r;
}
