/*
 * The context of one core call: configuration, the open store, the clock,
 * who acts and from where, and the adapter's logger. Time comes only from
 * ctx->now so that tests set the clock.
 */
#ifndef CRMPOLICY_CONTEXT_H
#define CRMPOLICY_CONTEXT_H

#include <stdint.h>
#include "crmpolicy/db.h"
#include "crmpolicy/config.h"
#include "crmpolicy/error.h"

struct crm_geo;
struct crm_policy_cache;

/* Adapter-supplied logger; priority is a syslog priority (LOG_NOTICE...). */
typedef void (*crm_log_fn)(void *arg, int priority, const char *msg);

struct crm_ctx {
	const struct crm_config *cfg;
	struct crm_db *db;
	int64_t now;		/* seconds since the epoch */
	const char *actor;	/* who acts: a user name, "root", or the PAM service */
	long caller_uid;	/* real uid of the caller, -1 if unknown */
	const char *service;	/* PAM service or "crmpasswd" */
	const char *rhost;	/* remote address, NULL or "" when local */
	const char *tty;
	const char *login_type;	/* the history type of this caller's logins
				 * ("sip"); NULL: by the module's mode */
	long admit_wait_ms;	/* how long an attempt waits for attempts in flight */
	struct crm_policy_cache *pcache;	/* resolved policies, or NULL */
	struct crm_geo *geo;	/* open geolocation databases, or NULL to
				 * open them at each lookup; the caller's */
	crm_log_fn log;		/* may be NULL */
	void *log_arg;
	/*
	 * The key file's key and the audit chain's subkey of it, loaded once
	 * by crm_ctx_open and wiped by crm_ctx_close: a phase never reads the
	 * key file again.
	 */
	unsigned char key[32];
	unsigned char audit_key[32];
	int keyed;
	/* This host's name, as its audit rows give it (host_name). */
	char host[256];
};

/* The default of crm_ctx.admit_wait_ms. */
#define CRM_ADMIT_WAIT_MS 10000L

/* Flags of crm_ctx_open. */
enum {
	CRM_OPEN_CREATE = 1,	/* create the store, its directory and the key (init) */
	CRM_OPEN_LOGIN = 2,	/* serves logins: crm_db_defer_writes */
};

/*
 * Opens the store named by cfg (checking owner, mode and symlinks, then WAL,
 * busy timeout and schema migrations), loads the key file (every audit row
 * is chained under it: no key, no store), seals a trail from before the
 * chain, and fills ctx with now = time(NULL). Returns 0 or
 * CRM_ESTORE/CRM_EKEY/CRM_EPERM with err saying what and where.
 */
int crm_ctx_open(struct crm_ctx *ctx, const struct crm_config *cfg,
	int flags, struct crm_error *err) __attribute__((warn_unused_result));

/* Closes the store and wipes the key; safe on a context that failed to open. */
void crm_ctx_close(struct crm_ctx *ctx);

/*
 * The key the store was opened with, or NULL with err set to CRM_EKEY
 * when the context holds none.
 */
const unsigned char *crm_ctx_key(const struct crm_ctx *ctx,
	struct crm_error *err);

/* Sends msg to the adapter's logger, if any. */
void crm_ctx_log(const struct crm_ctx *ctx, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
