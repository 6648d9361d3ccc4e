/*
 * Errors of the core library. Every core function returns 0 or a CRM_E*
 * code and fills a caller-owned struct crm_error saying what failed and
 * where; the core never prints, logs or exits.
 */
#ifndef CRMPOLICY_ERROR_H
#define CRMPOLICY_ERROR_H

#include <stddef.h>

enum {
	CRM_OK = 0,
	CRM_EINVAL,	/* bad input: malformed value, hostile name, bad CIDR */
	CRM_ECONF,	/* configuration cannot be used */
	CRM_ESTORE,	/* the store cannot be opened, read or written */
	CRM_EKEY,	/* the key file cannot be used */
	CRM_ENOENT,	/* no such user, group or rule */
	CRM_EEXIST,	/* already exists */
	CRM_EPERM,	/* caller may not do this */
	CRM_EPOLICY,	/* refused by a policy rule (see details) */
	CRM_ENOMEM,
	CRM_EIO,	/* other system error */
};

#define CRM_ERROR_MAX 512

struct crm_error {
	int code;
	char msg[CRM_ERROR_MAX];
};

/* Sets err (if not NULL) to code and a formatted message; returns code. */
int crm_error_set(struct crm_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clears err to CRM_OK with an empty message. */
void crm_error_clear(struct crm_error *err);

/* A short, untranslated name of a code ("store unavailable", ...). */
const char *crm_error_name(int code);

/*
 * A list of problems, each naming its place ("/etc/security/crmpolicy.conf:12"
 * or "module argument 3"), so that a parser can report all of them at once.
 */
struct crm_problems {
	size_t n;
	size_t cap;
	char **items;	/* malloc'd "place: message" strings */
};

void crm_problems_init(struct crm_problems *p);
/* Appends one problem; returns 0 or CRM_ENOMEM. */
int crm_problems_add(struct crm_problems *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void crm_problems_free(struct crm_problems *p);

#endif
