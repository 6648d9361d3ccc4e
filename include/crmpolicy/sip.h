/*
 * SIP registrars: digest credentials (HA1 = H(user:realm:password), MD5
 * and SHA-256) kept sealed for accounts whose policy names a sip_realm,
 * and the registrar's two questions: may this REGISTER proceed, and with
 * which HA1 (crm_sip_check), and what came of it (crm_sip_settle).
 */
#ifndef CRMPOLICY_SIP_H
#define CRMPOLICY_SIP_H

#include <stddef.h>
#include <stdint.h>
#include "crmpolicy/auth.h"
#include "crmpolicy/context.h"
#include "crmpolicy/policy.h"
#include "crmpolicy/store.h"

enum crm_sip_algo { CRM_SIP_MD5, CRM_SIP_SHA256 };

/* Hex HA1 of the longest algorithm (SHA-256) and its NUL. */
#define CRM_HA1_HEX_MAX 65
#define CRM_LOGIN_SIP "sip"

/*
 * The key table's check of a sip_realm value: empty, or 1 to 127
 * printable ASCII characters without blanks, quotes or backslashes (it
 * is quoted in a WWW-Authenticate header). 0 or CRM_EINVAL.
 */
int crm_sip_realm_check(const char *value, struct crm_error *err);

/* "MD5" / "SHA-256" (case-insensitive) into *algo; -1 if neither. */
int crm_sip_algo_parse(const char *name, enum crm_sip_algo *algo);

/*
 * Inside the caller's transaction, as a's password becomes password:
 * with a sip_realm in pol, derives HA1 for MD5 and SHA-256 and keeps them
 * sealed under the key of ctx; without one, or without the password (a
 * hash given by an import), removes any the account had. password may
 * be NULL.
 */
int crm_sip_store(const struct crm_ctx *ctx, const struct crm_account *a,
	const struct crm_policy *pol, const char *password,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * The realm a's HA1 were derived for and when, for status: *found = 0
 * when the account has none.
 */
int crm_sip_info(const struct crm_ctx *ctx, int64_t account_id,
	char realm[CRM_PT_MAX], int64_t *changed, int *found,
	struct crm_error *err) __attribute__((warn_unused_result));

/*
 * The HA1 of account_id for realm and algo, in hex: *found = 0 when the
 * account has none, or has them for another realm. CRM_EKEY when they do
 * not open with the key file (another key, or damaged).
 */
int crm_sip_ha1(const struct crm_ctx *ctx, int64_t account_id,
	const char *realm, enum crm_sip_algo algo, char hex[CRM_HA1_HEX_MAX],
	int *found, struct crm_error *err) __attribute__((warn_unused_result));

/*
 * A decoy HA1 for a user the store does not know: keyed by the key file,
 * stable per user and realm, so that answering it reveals nothing.
 */
int crm_sip_decoy(const struct crm_ctx *ctx, const char *user,
	const char *realm, enum crm_sip_algo algo, char hex[CRM_HA1_HEX_MAX],
	struct crm_error *err) __attribute__((warn_unused_result));

/* One attempt's outcome, for crm_sip_settle. */
enum crm_sip_kind {
	CRM_SIP_OK,		/* the digest matched */
	CRM_SIP_WRONG,		/* it did not: counted */
	CRM_SIP_REFUSED,	/* refused before the digest (reason) */
};

struct crm_sip_outcome {
	enum crm_sip_kind kind;
	char user[CRM_NAME_MAX + 1];
	char service[64];
	char rhost[CRM_RHOST_MAX + 1];
	char actor[96];		/* who reported it ("registrar:kamailio") */
	int64_t when;
	char reason[128];	/* CRM_SIP_REFUSED */
	char rule[65];		/* CRM_SIP_REFUSED by a source-IP rule */
};

/*
 * Before the digest check of a REGISTER from ctx->rhost for ctx->service:
 * the address (throttling, source-IP rules), then the account (disabled,
 * inactive, locked, expired; a forced change does not stop a registration,
 * since no SIP device can make one), then the attempts in flight: the
 * account's failures, other services' reserved attempts and the caller's
 * own attempts in flight (inflight) must leave room below deny. On
 * CRM_V_ALLOW, ha1 holds the account's HA1 for realm and algo in hex. An
 * account without SIP credentials for that realm is CRM_V_NO_FACTOR. A
 * user the store does not know is CRM_V_UNKNOWN with a decoy HA1 (keyed,
 * stable per user), so that its digest fails like a wrong password and
 * nothing tells which extensions exist. A refusal that should be recorded
 * is described in *refusal (refusal->kind == CRM_SIP_REFUSED) for
 * crm_sip_settle; the check itself writes only what the account's state
 * requires (an inactive account disabled).
 */
int crm_sip_check(const struct crm_ctx *ctx, const char *user,
	const char *realm, enum crm_sip_algo algo, int inflight,
	struct crm_result *res, char ha1[CRM_HA1_HEX_MAX],
	struct crm_sip_outcome *refusal, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Records n outcomes in order, in one transaction: a success as a login
 * of type "sip" (history row merged with a refresh of the same binding,
 * last login, known address; audited unless merged), a wrong digest as a
 * failure against the account and the address, a refusal as a failed
 * login with its reason. *alerts receives how many new-address alerts
 * were handed to sendmail after the commit. On an error nothing is
 * recorded.
 */
int crm_sip_settle(const struct crm_ctx *ctx,
	const struct crm_sip_outcome *v, size_t n, size_t *alerts,
	struct crm_error *err) __attribute__((warn_unused_result));

#endif
