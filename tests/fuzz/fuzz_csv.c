/*
 * Fuzz target "csv": the RFC 4180 reader (lib/csv.c) and the check of
 * an accounts import (crm_import_prepare, lib/accounts_csv.c), as
 * crmpasswd import runs them on a file. Every parsed file must come back
 * the same through the writer. The import is prepared against a store
 * made once per process, holding the account alice in the group staff:
 * it is built in a private directory, copied into memory and its files
 * removed before the first input, and nothing is ever written to it.
 * Randomness (temporary passwords, salts) comes from a fixed seed, so
 * that an input runs the same way every time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "crmpolicy/accounts_csv.h"
#include "crmpolicy/admin.h"
#include "crmpolicy/context.h"
#include "crmpolicy/csv.h"
#include "crmpolicy/store.h"
#include "fuzz.h"

/* 2026-01-01T00:00:00Z, the clock of the unit tests. */
#define NOW ((int64_t)1767225600)

static struct crm_config cfg;
static struct crm_ctx ctx;

/* ---- randomness from a seed that starts again with each input ---- */

static uint64_t draws;

static const char *rnd_name(void)
{
	return "fuzz";
}

static void rnd_buf(void *buf, size_t size)
{
	unsigned char seed[randombytes_SEEDBYTES] = { 0 };

	memcpy(seed, &draws, sizeof(draws));
	draws++;
	randombytes_buf_deterministic(buf, size, seed);
}

static uint32_t rnd_random(void)
{
	uint32_t v;

	rnd_buf(&v, sizeof(v));
	return v;
}

static struct randombytes_implementation fixed_random = {
	.implementation_name = rnd_name,
	.random = rnd_random,
	.buf = rnd_buf,
};

/* ---- the store ---- */

static void fail_init(const char *what, const struct crm_error *err)
{
	fprintf(stderr, "fuzz_csv: %s: %s\n", what, err->msg);
	abort();
}

static void cleanup(void)
{
	crm_ctx_close(&ctx);
	crm_config_free(&cfg);
}

/*
 * Opens a store in dir with alice (in staff, whose policy asks for 12
 * characters) and moves ctx onto a copy of it in memory.
 */
static void make_store(const char *dir)
{
	static const char *const groups[] = { "staff" };
	static const char *const minlen[] = { "minlen=12" };
	char path[300], key[300], wal[310], shm[310];
	struct crm_db *mem = NULL;
	struct crm_error err;
	sqlite3_backup *b;

	snprintf(path, sizeof(path), "%s/crmpolicy.db", dir);
	snprintf(key, sizeof(key), "%s/crmpolicy.key", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(shm, sizeof(shm), "%s-shm", path);
	crm_config_init(&cfg);
	crm_error_clear(&err);
	if (crm_config_set(&cfg, "db", path, "fuzz", &err) != 0 ||
	    crm_config_set(&cfg, "key_file", key, "fuzz", &err) != 0 ||
	    crm_config_set(&cfg, "hash_opslimit", "1", "fuzz", &err) != 0 ||
	    crm_config_set(&cfg, "hash_memlimit", "8K", "fuzz", &err) != 0 ||
	    crm_config_set(&cfg, "badwords_file", CRM_FUZZ_DATA "/badwords",
		"fuzz", &err) != 0)
		fail_init("configuration", &err);
	if (crm_ctx_open(&ctx, &cfg, CRM_OPEN_CREATE, &err) != 0)
		fail_init("store", &err);
	ctx.now = NOW;
	ctx.actor = "root";
	ctx.caller_uid = 0;
	ctx.service = "crmpasswd";
	if (crm_admin_user_add(&ctx, "alice", "alice@example.org", groups, 1,
	    NULL, NULL, &err) != 0 ||
	    crm_admin_policy_set(&ctx, "group", "staff", minlen, 1, &err) != 0)
		fail_init("store", &err);
	if (crm_db_open_file(":memory:", SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, &mem) != SQLITE_OK)
		fail_init("store", &err);
	b = sqlite3_backup_init(crm_db_sqlite(mem), "main",
		crm_db_sqlite(ctx.db), "main");
	if (b == NULL || sqlite3_backup_step(b, -1) != SQLITE_DONE ||
	    sqlite3_backup_finish(b) != SQLITE_OK) {
		fprintf(stderr, "fuzz_csv: copying the store: %s\n",
			sqlite3_errmsg(crm_db_sqlite(mem)));
		abort();
	}
	crm_store_close(ctx.db);
	ctx.db = mem;
	unlink(path);
	unlink(wal);
	unlink(shm);
	unlink(key);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[256];

	(void)argc;
	(void)argv;
	/* Before sodium_init, which fixes the implementation. */
	if (randombytes_set_implementation(&fixed_random) != 0 ||
	    sodium_init() < 0)
		fuzz_fail("csv", "libsodium cannot start");
	if (fuzz_tmpdir("csv", dir, sizeof(dir)) != 0)
		fuzz_fail("csv", "cannot make a temporary directory");
	make_store(dir);
	atexit(cleanup);
	return 0;
}

/* ---- the properties ---- */

static int same_rows(const struct crm_csv *a, const struct crm_csv *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		if (a->row[i].n != b->row[i].n)
			return 0;
		for (size_t j = 0; j < a->row[i].n; j++)
			if (strcmp(a->row[i].field[j], b->row[i].field[j]) != 0)
				return 0;
	}
	return 1;
}

/* What the writer makes of csv reads back as csv. */
static void check_writer(const struct crm_csv *csv)
{
	struct crm_csv back;
	struct crm_error err;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return;
	for (size_t i = 0; i < csv->n; i++)
		crm_csv_put_row(f, (const char *const *)csv->row[i].field,
			csv->row[i].n);
	if (fclose(f) != 0) {
		free(text);
		return;
	}
	crm_error_clear(&err);
	if (crm_csv_parse(text, len, &back, &err) != 0) {
		if (err.code != CRM_ENOMEM)
			fuzz_fail("csv", "the writer's output does not parse");
	} else if (!same_rows(csv, &back)) {
		fuzz_fail("csv", "the writer's output parses to other rows");
	}
	crm_csv_free(&back);
	free(text);
}

static void check_import(const struct crm_csv *csv, enum crm_on_duplicate dup)
{
	struct crm_import *imp = NULL;
	struct crm_import_counts counts;
	struct crm_problems probs;
	struct crm_error err;
	int rc;

	crm_problems_init(&probs);
	crm_error_clear(&err);
	rc = crm_import_prepare(&ctx, csv, dup, &imp, &counts, &probs, &err);
	if (rc == 0 && (imp == NULL || probs.n != 0 ||
	    crm_import_temporary(imp) != counts.temporary))
		fuzz_fail("csv", "a prepared import disagrees with itself");
	if (rc == CRM_EINVAL && imp != NULL)
		fuzz_fail("csv", "a refused import left a plan");
	crm_import_free(imp);
	crm_problems_free(&probs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crm_csv csv;
	struct crm_error err;

	draws = 0;
	crm_error_clear(&err);
	if (crm_csv_parse((const char *)data, size, &csv, &err) != 0)
		return 0;
	check_writer(&csv);
	/* One of the three ways with an existing account, by the size. */
	check_import(&csv, (enum crm_on_duplicate)(size % 3));
	crm_csv_free(&csv);
	return 0;
}
