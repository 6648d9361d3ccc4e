/*
 * Bulk fill of a new store (benchmarks, sizing): accounts, groups, known
 * addresses, login history and audit events written in one transaction
 * through prepared statements, indexes built once at the end; each audit
 * row is sealed into the keyed chain as it is inserted, with the audit
 * trail's own hash (crm_audit_row_hash), and the signed head set last.
 */
#include <stdio.h>
#include <string.h>

#include "crmpolicy/audit.h"
#include "crmpolicy/bulk.h"
#include "crmpolicy/store.h"

#define WHAT "filling the store"
#define GROUPS 10

/* The rows are pseudo-random but the same for the same seed. */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static const char *const services[] = { "sshd", "crm-web", "sip", "login" };

static const struct place {
	const char *code, *country, *city, *org;
} places[] = {
	{ "CZ", "Czechia", "Prague", "Test Hotel Network s.r.o." },
	{ "JP", "Japan", "Tokyo", "Test Telecom KK" },
	{ "IT", "Italy", "Milan", "Test Cloud S.p.A." },
	{ "PL", "Poland", "Warsaw", "Test ISP Sp. z o.o." },
};

/*
 * Runs sql (no parameters, no rows) on db's SQLite handle: the filler's
 * pragmas and its index drops and rebuilds, which are SQLite's own (see
 * crm_bulk_fill).
 */
static int exec(struct crm_db *db, const char *sql, struct crm_error *err)
{
	if (sqlite3_exec(crm_db_sqlite(db), sql, NULL, NULL, NULL) != SQLITE_OK)
		return crm_db_error(db, WHAT, err);
	return CRM_OK;
}

/* Steps a bound insert and ends its use, ready for the next row. */
static int step(struct crm_db *db, struct crm_stmt *st, struct crm_error *err)
{
	int rc = crm_stmt_step(st);

	crm_stmt_done(st);
	if (rc != CRM_STEP_DONE)
		return crm_db_error(db, WHAT, err);
	return CRM_OK;
}

static int trail_empty(struct crm_db *db, int *empty, struct crm_error *err)
{
	struct crm_stmt *st;
	int rc;

	if ((rc = crm_db_prepare(db, CRM_Q_BULK_TRAIL_EMPTY, &st, err))
			!= CRM_OK)
		return rc;
	rc = crm_stmt_step(st);
	*empty = rc == CRM_STEP_ROW && crm_col_int(st, 0);
	crm_stmt_done(st);
	return rc == CRM_STEP_ROW ? CRM_OK : crm_db_error(db, WHAT, err);
}

/*
 * The indexes of the history and the trail are dropped before the rows
 * go in and made again after them: one sort each instead of a B-tree
 * insert per row. Their SQL is taken from the schema, so they come back
 * exactly as the migrations made them. Reading sqlite_master is SQLite's
 * own, so this runs on the SQLite handle, not through the statements
 * of the storage interface.
 */
struct indexes {
	char sql[8][512];
	int n;
};

static int drop_indexes(struct crm_db *db, struct indexes *ix, struct crm_error *err)
{
	sqlite3_stmt *st;
	char drop[160];
	char names[8][128];
	int rc, r = CRM_OK;

	ix->n = 0;
	if (sqlite3_prepare_v2(crm_db_sqlite(db), "SELECT name, sql FROM"
			" sqlite_master WHERE type = 'index' AND sql IS NOT"
			" NULL AND tbl_name IN ('logins', 'audit', 'members',"
			" 'known_ips')", -1, &st, NULL) != SQLITE_OK)
		return crm_db_error(db, WHAT, err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && ix->n < 8) {
		snprintf(names[ix->n], sizeof(names[0]), "%.100s",
			(const char *)sqlite3_column_text(st, 0));
		snprintf(ix->sql[ix->n], sizeof(ix->sql[0]), "%s",
			(const char *)sqlite3_column_text(st, 1));
		ix->n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return crm_error_set(err, CRM_ESTORE, "store: %s: more indexes"
			" than expected", WHAT);
	for (int i = 0; i < ix->n && r == CRM_OK; i++) {
		snprintf(drop, sizeof(drop), "DROP INDEX \"%.100s\"", names[i]);
		r = exec(db, drop, err);
	}
	return r;
}

static int make_indexes(struct crm_db *db, const struct indexes *ix,
	struct crm_error *err)
{
	int r = CRM_OK;

	for (int i = 0; i < ix->n && r == CRM_OK; i++)
		r = exec(db, ix->sql[i], err);
	return r;
}

static void address(uint64_t x, char *out, size_t len)
{
	snprintf(out, len, "10.%u.%u.%u", (unsigned)(x & 0xff),
		(unsigned)((x >> 8) & 0xff), 1 + (unsigned)((x >> 16) % 254));
}

static void account_name(const struct crm_bulk_spec *spec, long long i,
	char *out, size_t len)
{
	snprintf(out, len, "%s%06lld", spec->prefix, i);
}

static int fill_accounts(struct crm_db *db, const struct crm_bulk_spec *spec,
	uint64_t *seed, struct crm_error *err)
{
	struct crm_stmt *st;
	char name[CRM_NAME_MAX + 1], ip[32], gname[32];
	int64_t span = spec->last - spec->first;
	int r = CRM_OK;

	/* Each row takes the kept statement again: a lookup, not a parse. */
	for (int g = 0; r == CRM_OK && g < GROUPS; g++) {
		snprintf(gname, sizeof(gname), "%sgroup%d", spec->prefix, g);
		if ((r = crm_db_prepare(db, CRM_Q_BULK_GROUP_ADD, &st, err)))
			break;
		crm_bind_int(st, 1, g + 1);
		crm_bind_text(st, 2, gname);
		r = step(db, st, err);
	}
	for (long long i = 1; r == CRM_OK && i <= spec->accounts; i++) {
		uint64_t x = next(seed);
		const struct place *pl = &places[x % 4];
		char place[128];
		/* Changed within 60 days, seen within 20: none expired or idle. */
		int64_t changed = spec->last - (int64_t)(x >> 8) % (60 * 86400);
		int64_t seen = spec->last - (int64_t)(x >> 24) % (20 * 86400);

		account_name(spec, i, name, sizeof(name));
		address(next(seed), ip, sizeof(ip));
		snprintf(place, sizeof(place), "%s, %s", pl->city, pl->country);
		if ((r = crm_db_prepare(db, CRM_Q_BULK_ACCOUNT_ADD, &st, err)))
			break;
		crm_bind_int(st, 1, i);
		crm_bind_text(st, 2, name);
		crm_bind_int(st, 3, spec->first);
		crm_bind_int(st, 4, changed);
		crm_bind_int(st, 5, seen);
		crm_bind_text(st, 6, services[x % 4]);
		crm_bind_text(st, 7, ip);
		crm_bind_text(st, 8, place);
		if ((r = step(db, st, err)) != CRM_OK)
			break;
		if ((r = crm_db_prepare(db, CRM_Q_BULK_MEMBER_ADD, &st, err)))
			break;
		crm_bind_int(st, 1, 1 + i % GROUPS);
		crm_bind_int(st, 2, i);
		if ((r = step(db, st, err)) != CRM_OK)
			break;
		if ((r = crm_db_prepare(db, CRM_Q_BULK_KNOWNIP_ADD, &st, err)))
			break;
		crm_bind_int(st, 1, i);
		crm_bind_text(st, 2, ip);
		crm_bind_int(st, 3, spec->first + (span > 0 ?
			(int64_t)(x >> 16) % span : 0));
		crm_bind_int(st, 4, seen);
		crm_bind_int(st, 5, 1 + (int64_t)(x % 50));
		r = step(db, st, err);
	}
	return r;
}

/*
 * Row j of the history and of the trail tell of the same attempt: the
 * same time, user, service and address.
 */
static int fill_events(struct crm_db *db, const unsigned char *key,
	const struct crm_bulk_spec *spec, uint64_t *seed,
	struct crm_error *err)
{
	unsigned char prev[CRM_AUDIT_HASH_BYTES] = {0};
	unsigned char hash[CRM_AUDIT_HASH_BYTES];
	struct crm_stmt *st;
	long long n = spec->logins > spec->audit ? spec->logins : spec->audit;
	int64_t span = spec->last - spec->first;
	char user[CRM_NAME_MAX + 1], ip[32], actor[32];
	int r = CRM_OK;

	for (long long j = 0; r == CRM_OK && j < n; j++) {
		uint64_t x = next(seed);
		const struct place *pl = &places[(x >> 40) % 4];
		const char *svc = services[(x >> 48) % 4];
		int64_t t = spec->first + (int64_t)((double)span * (double)j /
			(double)n);
		int ok = (x >> 56) % 20 != 0;

		account_name(spec, 1 + (long long)(x % (uint64_t)spec->accounts),
			user, sizeof(user));
		address(x >> 8, ip, sizeof(ip));
		if (j < spec->logins) {
			if ((r = crm_db_prepare(db, CRM_Q_BULK_LOGIN_ADD, &st,
					err)) != CRM_OK)
				break;
			crm_bind_int(st, 1, t);
			crm_bind_text(st, 2, user);
			crm_bind_text(st, 3, svc);
			crm_bind_text(st, 4, ip);
			crm_bind_text(st, 5, svc[0] == 's' ? "ssh" : "");
			crm_bind_int(st, 6, ok);
			crm_bind_text(st, 7, ok ? "" : "password");
			crm_bind_text(st, 8, pl->code);
			crm_bind_text(st, 9, pl->country);
			crm_bind_text(st, 10, pl->city);
			crm_bind_text(st, 11, pl->org);
			crm_bind_int(st, 12, (x >> 32) % 100 == 0);
			if ((r = step(db, st, err)) != CRM_OK)
				break;
		}
		if (j < spec->audit) {
			const char *text[6] = { ok ? "login.success" :
				"login.failure", actor, user, svc, ip, ok ? "" :
				"reason=password" };

			snprintf(actor, sizeof(actor), "pam:%s", svc);
			/* Sealed as it goes in, with the chain's own hash. */
			crm_audit_row_hash(key, prev, j + 1, t, text, hash);
			if ((r = crm_db_prepare(db, CRM_Q_BULK_AUDIT_ADD, &st,
					err)) != CRM_OK)
				break;
			crm_bind_int(st, 1, t);
			for (int i = 0; i < 6; i++)
				crm_bind_text(st, 2 + i, text[i]);
			crm_bind_int(st, 8, j + 1);
			/* Copied: prev is this row's hash by the step. */
			crm_bind_blob(st, 9, prev, sizeof(prev));
			crm_bind_blob(st, 10, hash, sizeof(hash));
			memcpy(prev, hash, sizeof(prev));
			r = step(db, st, err);
		}
	}
	if (r == CRM_OK && spec->audit > 0)
		r = crm_audit_head_set(db, key, spec->audit, prev, err);
	return r;
}

static int fill(struct crm_db *db, const unsigned char *key,
	const struct crm_bulk_spec *spec, struct crm_error *err)
{
	struct indexes ix;
	uint64_t seed = spec->seed;
	int r;

	if ((r = crm_store_begin(db, err)) != CRM_OK)
		return r;
	if ((r = drop_indexes(db, &ix, err)) == CRM_OK &&
			(r = fill_accounts(db, spec, &seed, err)) == CRM_OK &&
			(r = fill_events(db, key, spec, &seed, err)) == CRM_OK &&
			(r = make_indexes(db, &ix, err)) == CRM_OK)
		return crm_store_commit(db, err);
	crm_store_rollback(db);
	return r;
}

int crm_bulk_fill(const struct crm_ctx *ctx, const struct crm_bulk_spec *spec,
	struct crm_error *err)
{
	struct crm_db *db = ctx->db;
	int r, empty = 0;

	if (!ctx->keyed)
		return crm_error_set(err, CRM_EKEY, "no audit key");
	/* The journal pragmas and the index rebuild below are SQLite's. */
	if (crm_db_sqlite(db) == NULL)
		return crm_error_set(err, CRM_ESTORE,
			"bulk fill: only an SQLite store can be filled");
	if (spec->accounts < 1 || spec->logins < 0 || spec->audit < 0 ||
			spec->last < spec->first)
		return crm_error_set(err, CRM_EINVAL, "bulk fill: bad counts");
	if ((r = trail_empty(db, &empty, err)) != CRM_OK)
		return r;
	if (!empty)
		return crm_error_set(err, CRM_EEXIST, "bulk fill: the store's"
			" audit trail is not empty");
	/*
	 * A new store is filled without a journal: a failure leaves a store
	 * to throw away, not one to recover. WAL comes back at the end.
	 */
	if ((r = exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
			" PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY",
			err)) != CRM_OK)
		return r;
	r = fill(db, ctx->audit_key, spec, err);
	if (r == CRM_OK)
		r = exec(db, "PRAGMA journal_mode = WAL", err);
	return r;
}
