/*
 * Copying a whole store from one connection to another, whichever
 * backends hold them (SQLite to PostgreSQL when a host joins a fleet, or
 * back), row for row with every id kept, and proving the copy equal.
 */
#ifndef CRMPOLICY_COPY_H
#define CRMPOLICY_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "crmpolicy/db.h"
#include "crmpolicy/error.h"

/* The tables of the store, every one of which a copy carries. */
#define CRM_COPY_TABLES 18
/* The size of a table's digest (BLAKE2b). */
#define CRM_COPY_DIGEST_BYTES 32

struct crm_copy_table {
	const char *name;	/* the table, e.g. "accounts" */
	int64_t rows;
	unsigned char digest[CRM_COPY_DIGEST_BYTES];
};

struct crm_copy_report {
	struct crm_copy_table tables[CRM_COPY_TABLES];	/* in copy order */
	int64_t rows;		/* all tables together */
	int equal;		/* crm_store_compare: both hold the same */
	char problem[256];	/* crm_store_compare: the first difference */
};

/*
 * The name of table i (0 .. CRM_COPY_TABLES - 1), NULL past the last, and
 * the kind of each of its columns as the copy reads them, one letter per
 * column: i an integer, t text, b bytes.
 */
const char *crm_copy_table_name(size_t i, const char **kinds);

/*
 * Copies every row of every table of src into dst, ids, hashes and NULLs
 * as they are, in one write transaction on dst read from one snapshot of
 * src; before committing, reads the copy back and checks that each table
 * has the source's rows and digest. dst must be empty (its schema aside):
 * otherwise CRM_EEXIST, naming the tables that hold rows. On any failure
 * dst is rolled back untouched: CRM_ESTORE naming the table, or CRM_EINVAL
 * when src and dst are one connection or either is inside a transaction.
 * rep (if not NULL) gets the rows and digest of each table copied.
 */
int crm_store_copy(struct crm_db *src, struct crm_db *dst,
	struct crm_copy_report *rep, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * crm_store_copy into a PostgreSQL store that may hold rows: in the same
 * one transaction (under the fleet's writer lock, so every host waits),
 * its tables are emptied first, the audit trail's guards lifted only for
 * that. What restoring a backup into a fleet's store does. CRM_EINVAL
 * for an SQLite dst (restored page by page instead).
 */
int crm_store_replace(struct crm_db *src, struct crm_db *dst,
	struct crm_copy_report *rep, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Reads every table of both stores, each in a snapshot of its own, and
 * compares rows and digest table by table. Returns 0 when both could be
 * read, with rep->equal saying whether they hold the same and
 * rep->problem the first table that differs; the counts and digests are
 * src's. CRM_ESTORE when a store cannot be read.
 */
int crm_store_compare(struct crm_db *src, struct crm_db *dst,
	struct crm_copy_report *rep, struct crm_error *err)
	__attribute__((warn_unused_result));

#endif
