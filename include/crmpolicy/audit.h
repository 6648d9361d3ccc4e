/*
 * The audit trail: one row per security event with time, actor, subject,
 * service, remote address and details, written inside the caller's
 * transaction and echoed to the adapter's logger (syslog authpriv). Rows
 * form a chain: each carries a BLAKE2b hash, keyed with a subkey of the
 * key file, over the previous row's hash and its own fields, and a keyed
 * record of the newest row guards the end, so that editing, deleting or
 * inserting a row is found by crm_audit_verify. Triggers refuse UPDATE
 * and DELETE; retention pruning is the one way rows leave, and it leaves
 * a signed checkpoint behind.
 */
#ifndef CRMPOLICY_AUDIT_H
#define CRMPOLICY_AUDIT_H

#include <stdint.h>

#include "crmpolicy/context.h"

#define CRM_AUDIT_HASH_BYTES 32
/* The purpose crm_key_derive names the audit chain's subkey by. */
#define CRM_AUDIT_SUBKEY "audit-chain"

/*
 * Appends event (e.g. "login.failure") about subject (may be NULL) with
 * printf-style details, chained to the newest row. Inside the caller's
 * transaction; outside one it takes its own. Hostile text is stored as
 * given (bound parameter) and made printable in the log line. Returns 0,
 * CRM_EKEY (the context holds no audit key) or CRM_ESTORE.
 */
int crm_audit_add(const struct crm_ctx *ctx, const char *event,
	const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), warn_unused_result));

/*
 * For crm_ctx_open: a store whose trail predates the chain (rows, none
 * of them sealed, and no head record) has its rows sealed in order, once.
 */
int crm_audit_adopt(struct crm_db *db, const unsigned char key[CRM_AUDIT_HASH_BYTES],
	struct crm_error *err) __attribute__((warn_unused_result));

/* What crm_audit_verify found. */
struct crm_audit_report {
	int ok;			/* the chain holds from end to end */
	long long rows;		/* rows checked */
	long long checkpoints;	/* pruning checkpoints checked */
	long long pruned;	/* rows the checkpoints say were pruned */
	int64_t first_id, last_id;
	int64_t bad_id;		/* the first row where the chain breaks, 0 */
	char problem[256];	/* what is wrong there (untranslated) */
};

/*
 * Checks the whole trail of db with key (the "audit-chain" subkey):
 * every checkpoint's signature, the oldest row against the newest
 * checkpoint, every row's hash and link, and the newest row against the
 * head record. Reads only. Returns 0 with rep filled (rep->ok says
 * whether it holds), or CRM_ESTORE.
 */
int crm_audit_verify(struct crm_db *db, const unsigned char key[CRM_AUDIT_HASH_BYTES],
	struct crm_audit_report *rep, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Retention: removes the rows older than keep_days before ctx->now, in
 * one transaction that drops the delete trigger, records a signed
 * checkpoint (the oldest row kept and the hash before it), restores the
 * trigger and audits audit.prune. keep_days 0 keeps everything.
 * *removed counts the rows removed. Returns 0 or an error.
 */
int crm_audit_prune(const struct crm_ctx *ctx, long long keep_days,
	long long *removed, struct crm_error *err)
	__attribute__((warn_unused_result));

/* One row, for listings. */
/*
 * The seal of one row: the keyed hash over the previous row's hash, the
 * row's id and time and its six texts (event, actor, subject, service,
 * rhost, details; NULL reads as ""). crm_audit_add and the bulk filler
 * of the benchmarks both seal with it, so there is one definition.
 */
void crm_audit_row_hash(const unsigned char key[CRM_AUDIT_HASH_BYTES],
	const unsigned char prev[CRM_AUDIT_HASH_BYTES], int64_t id,
	int64_t time, const char *const text[6],
	unsigned char out[CRM_AUDIT_HASH_BYTES]);

/* Records row id with its hash as the newest, signed with key. */
int crm_audit_head_set(struct crm_db *db, const unsigned char key[CRM_AUDIT_HASH_BYTES],
	int64_t id, const unsigned char hash[CRM_AUDIT_HASH_BYTES],
	struct crm_error *err) __attribute__((warn_unused_result));

struct crm_audit_row {
	int64_t id;
	int64_t time;
	char event[64];
	char actor[128];
	char subject[257];
	char service[64];
	char rhost[256];
	char details[1024];
	char host[256];		/* the host that wrote it; "" before there were */
};

struct crm_audit_filter {
	const char *user;	/* subject; NULL = all */
	const char *event;	/* exact event, or a prefix ending in '.' */
	int64_t since, until;	/* 0 = open */
};

/*
 * The statement crm_audit_foreach runs for f (for EXPLAIN in tests). Its
 * parameters: the user if f has one, the event if f has one, then since
 * and until (open ends bound as the widest values).
 */
enum crm_q crm_audit_query(const struct crm_audit_filter *f);

typedef int (*crm_audit_cb)(void *arg, const struct crm_audit_row *row);

/* Matching rows, oldest first; a non-zero cb return stops and is returned. */
int crm_audit_foreach(const struct crm_ctx *ctx,
	const struct crm_audit_filter *f, crm_audit_cb cb, void *arg,
	struct crm_error *err) __attribute__((warn_unused_result));

#endif
