/*
 * Filling a new store with many accounts, logins and audit events at once,
 * for benchmarks and sizing: what years of use leave behind, written in
 * one go instead of one login at a time.
 */
#ifndef CRMPOLICY_BULK_H
#define CRMPOLICY_BULK_H

#include <stdint.h>

#include "crmpolicy/context.h"

struct crm_bulk_spec {
	const char *prefix;	/* accounts are named prefix000001 on */
	long long accounts;	/* store accounts, each in one of ten groups */
	long long logins;	/* login-history rows (about 5 % failures) */
	long long audit;	/* audit rows: the logins' events */
	int64_t first, last;	/* the rows' times, spread evenly, in order */
	uint64_t seed;		/* the same seed, the same rows */
};

/*
 * Adds spec's accounts (passwords kept elsewhere, as first seen by a
 * stacked stack, with one known address each), their login history and
 * an audit trail of spec->audit events to the store of ctx, whose trail
 * must be empty. Everything is written in one transaction with the
 * indexes built at its end; each audit row is sealed as it goes in with
 * the chain's own hash (crm_audit_row_hash) and the head record set at
 * the end, so that crm_audit_verify holds. The store keeps WAL; the fill
 * itself runs without a journal. Returns 0, or CRM_EEXIST
 * (the trail is not empty) or CRM_ESTORE with err saying what.
 */
int crm_bulk_fill(const struct crm_ctx *ctx, const struct crm_bulk_spec *spec,
	struct crm_error *err) __attribute__((warn_unused_result));

#endif
