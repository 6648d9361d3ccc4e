/*
 * Mail through the sendmail interface (`sendmail -i -t`, no shell): header
 * values sanitised so that no user name or address can inject a header,
 * non-ASCII encoded (RFC 2047 in headers, UTF-8 8bit bodies). A code mail
 * is handed to sendmail before returning; a notification never delays the
 * caller.
 */
#ifndef CRMPOLICY_MAIL_H
#define CRMPOLICY_MAIL_H

#include "crmpolicy/context.h"
#include "crmpolicy/geo.h"

struct crm_mail {
	const char *to[4];	/* up to 4 recipients; NULL ends the list */
	const char *subject;	/* UTF-8, any text: sanitised and encoded here */
	const char *body;	/* UTF-8 text */
};

enum crm_mail_mode {
	CRM_MAIL_WAIT,		/* wait for sendmail's exit status */
	CRM_MAIL_DETACH,	/* hand over and return at once (notifications) */
};

/*
 * Sends m with cfg's sendmail and mail_from (default crmpolicy@HOSTNAME).
 * Recipients must be valid addresses (CRM_EINVAL otherwise). Safe inside a
 * daemon: fork + execve with a fixed environment, descriptors closed, no
 * signal handlers, the detached child reaped at once. Returns 0 or an
 * error (CRM_EIO: sendmail could not be run or failed, in WAIT mode).
 */
int crm_mail_send(const struct crm_config *cfg, const struct crm_mail *m,
	enum crm_mail_mode mode, struct crm_error *err)
	__attribute__((warn_unused_result));

/*
 * Composes the message (RFC 5322 text, headers and body) that
 * crm_mail_send would write to sendmail; malloc'd into *out. For tests and
 * for the sender itself.
 */
int crm_mail_compose(const struct crm_config *cfg, const struct crm_mail *m,
	char **out, struct crm_error *err) __attribute__((warn_unused_result));

/* What a new-address alert says. */
struct crm_alert {
	const char *user;
	const char *email;	/* the user's verified address, or NULL */
	const char *service;
	const char *rhost;
	long long when;		/* seconds since the epoch */
	const struct crm_place *place;
	const char *lang;	/* the user's language (crm_user_lang); "" English */
};

/*
 * The new-address alert to the user's verified address and notify_to, in
 * DETACH mode: who, when, address, place, organisation, service, and what
 * to do if it was not them. No recipient is not an error.
 */
int crm_mail_new_ip_alert(const struct crm_config *cfg,
	const struct crm_alert *a, struct crm_error *err)
	__attribute__((warn_unused_result));

/* What a code mail says. */
struct crm_code_mail {
	const char *user;
	const char *email;	/* the recipient */
	const char *code;	/* secret: wiped with the message */
	int verify;		/* 1: address verification, 0: a login code */
	long long ttl;		/* seconds the code stays valid */
	const char *service;
	const char *rhost;
	long long when;
	const char *lang;	/* the recipient's language; NULL or "" English */
};

/*
 * Sends a one-time code in WAIT mode: the message is in sendmail's hands
 * when this returns 0 (CRM_EIO when sendmail failed).
 */
int crm_mail_code(const struct crm_config *cfg, const struct crm_code_mail *c,
	struct crm_error *err) __attribute__((warn_unused_result));

#endif
