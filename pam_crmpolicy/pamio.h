/*
 * What the phase flow needs from PAM, as a table of operations: the module
 * fills it with direct calls on its pam_handle_t; crmpolicy_helper fills it
 * with requests relayed over its socket to the module in the caller's
 * process. The flow (flow.c) is the same code in both.
 */
#ifndef CRM_PAMIO_H
#define CRM_PAMIO_H

#include <stdint.h>

/* Handle data the flow keeps between the phases of one PAM handle. */
enum pamio_data {
	PAMIO_RESERVATION,	/* preauth's reserved attempt, decimal */
	PAMIO_CODE,		/* mfa_append: the code split off the answer (secret) */
	PAMIO_AUTHED,		/* this handle passed auth: account records no login */
	PAMIO_EXTERNAL,		/* account recorded a login of type "external" */
	PAMIO_DATA_COUNT
};

struct pamio {
	void *arg;
	/* pam_get_user: the user name, prompting if unset. */
	int (*get_user)(void *arg, const char **user);
	/* pam_get_item for PAM_SERVICE, PAM_RHOST, PAM_TTY, PAM_RUSER,
	 * PAM_AUTHTOK and PAM_OLDAUTHTOK: NULL when unset. */
	const char *(*item)(void *arg, int type);
	/* pam_set_item for PAM_AUTHTOK (NULL clears it). */
	int (*set_item)(void *arg, int type, const char *value);
	/* pam_get_authtok(type) with the module's arguments. */
	int (*get_authtok)(void *arg, int type, const char **tok);
	/* pam_prompt: *answer is malloc'd (wipe it) or NULL. */
	int (*prompt)(void *arg, int style, char **answer, const char *text);
	/* pam_info (PAM_TEXT_INFO) or pam_error (PAM_ERROR_MSG). */
	void (*message)(void *arg, int style, const char *text);
	/* Handle data: a malloc'd copy (wipe it) or NULL; set NULL clears. */
	char *(*data_get)(void *arg, enum pamio_data which);
	int (*data_set)(void *arg, enum pamio_data which, const char *value);
	/* pam_getenv: NULL when unset. */
	const char *(*getenv)(void *arg, const char *name);
	/* pam_syslog. */
	void (*log)(void *arg, int priority, const char *msg);
	/*
	 * The handle's kept store connection (struct flow_kept, flow.c):
	 * get returns it or NULL; set hands it over (NULL drops it), and
	 * free_fn is called at pam_end or when it is replaced; on an error
	 * of set nothing was handed over. NULL operations: nothing is kept
	 * (the helper, a process per phase).
	 */
	void *(*kept_get)(void *arg);
	int (*kept_set)(void *arg, void *kept, void (*free_fn)(void *));
};

/* The PAM entry point being run, in the order of the wire protocol. */
enum pamio_entry {
	PAMIO_AUTHENTICATE,
	PAMIO_SETCRED,
	PAMIO_ACCT_MGMT,
	PAMIO_OPEN_SESSION,
	PAMIO_CLOSE_SESSION,
	PAMIO_CHAUTHTOK,
	PAMIO_ENTRY_COUNT
};

#endif
