/*
 * pam_crmpolicy: the PAM entry points. As root each one runs the phase
 * flow (flow.c) in-process over the caller's handle; without root, where
 * the store cannot be opened, the same flow runs in the setuid
 * crmpolicy_helper and this module serves its requests (relay.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_PASSWORD
#define PAM_SM_SESSION
#include <sodium.h>
#include <security/pam_modules.h>
#include <security/pam_ext.h>

#include "flow.h"
#include "relay.h"

#define EXPORT __attribute__((visibility("default")))

static const char *const data_names[PAMIO_DATA_COUNT] = {
	[PAMIO_RESERVATION] = "pam_crmpolicy_reservation",
	[PAMIO_CODE] = "pam_crmpolicy_appended_code",
	[PAMIO_AUTHED] = "pam_crmpolicy_authed",
	[PAMIO_EXTERNAL] = "pam_crmpolicy_external",
};

static int h_get_user(void *arg, const char **user)
{
	return pam_get_user(arg, user, NULL);
}

static const char *h_item(void *arg, int type)
{
	const void *v = NULL;

	if (pam_get_item(arg, type, &v) != PAM_SUCCESS)
		return NULL;
	return v;
}

static int h_set_item(void *arg, int type, const char *value)
{
	return pam_set_item(arg, type, value);
}

static int h_get_authtok(void *arg, int type, const char **tok)
{
	return pam_get_authtok(arg, type, tok, NULL);
}

static int h_prompt(void *arg, int style, char **answer, const char *text)
{
	return pam_prompt(arg, style, answer, "%s", text);
}

static void h_message(void *arg, int style, const char *text)
{
	if (style == PAM_ERROR_MSG)
		pam_error(arg, "%s", text);
	else
		pam_info(arg, "%s", text);
}

static void wipe_data(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	if (data != NULL) {
		sodium_memzero(data, strlen(data));
		free(data);
	}
}

static char *h_data_get(void *arg, enum pamio_data which)
{
	const void *data = NULL;

	if (pam_get_data(arg, data_names[which], &data) != PAM_SUCCESS ||
			data == NULL)
		return NULL;
	return strdup(data);
}

static int h_data_set(void *arg, enum pamio_data which, const char *value)
{
	char *copy = NULL;
	int pr;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return PAM_BUF_ERR;
	pr = pam_set_data(arg, data_names[which], copy,
		copy != NULL ? wipe_data : NULL);
	if (pr != PAM_SUCCESS)
		wipe_data(arg, copy, 0);
	return pr;
}

static const char *h_getenv(void *arg, const char *name)
{
	return pam_getenv(arg, name);
}

static void h_log(void *arg, int priority, const char *msg)
{
	pam_syslog(arg, priority, "%s", msg);
}

#define KEPT_DATA "pam_crmpolicy_store"

static void *h_kept_get(void *arg)
{
	const void *data = NULL;

	if (pam_get_data(arg, KEPT_DATA, &data) != PAM_SUCCESS)
		return NULL;
	return (void *)data;
}

/*
 * pam_set_data's cleanup receives the handle; the kept connection's own
 * free function is kept beside it.
 */
struct kept_box {
	void *kept;
	void (*free_fn)(void *);
};

static void free_kept(pam_handle_t *pamh, void *data, int status)
{
	struct kept_box *box = data;

	(void)pamh;
	(void)status;
	if (box != NULL) {
		box->free_fn(box->kept);
		free(box);
	}
}

static void *h_kept_get_box(void *arg)
{
	struct kept_box *box = h_kept_get(arg);

	return box != NULL ? box->kept : NULL;
}

/* On an error the caller keeps kept: nothing was handed over. */
static int h_kept_set(void *arg, void *kept, void (*free_fn)(void *))
{
	struct kept_box *box = NULL;
	int pr;

	if (kept != NULL) {
		if ((box = malloc(sizeof(*box))) == NULL)
			return PAM_BUF_ERR;
		box->kept = kept;
		box->free_fn = free_fn;
	}
	pr = pam_set_data(arg, KEPT_DATA, box, box != NULL ? free_kept : NULL);
	if (pr != PAM_SUCCESS)
		free(box);
	return pr;
}

/* The helper named by a helper=PATH argument, or the installed one. */
static const char *helper_path(int argc, const char **argv)
{
	const char *path = CRM_HELPER_PATH;

	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "helper=", 7) == 0 && argv[i][7] == '/')
			path = argv[i] + 7;
	return path;
}

static int run(pam_handle_t *pamh, enum pamio_entry entry, int flags,
	int argc, const char **argv)
{
	const struct pamio io = {
		.arg = pamh,
		.get_user = h_get_user,
		.item = h_item,
		.set_item = h_set_item,
		.get_authtok = h_get_authtok,
		.prompt = h_prompt,
		.message = h_message,
		.data_get = h_data_get,
		.data_set = h_data_set,
		.getenv = h_getenv,
		.log = h_log,
		.kept_get = h_kept_get_box,
		.kept_set = h_kept_set,
	};
	const struct flow_caller who = { (long)getuid(), 0 };

	if (geteuid() == 0)
		return crm_flow_run(&io, entry, flags, argc, argv, &who);
	/* setcred and close_session keep nothing: no helper for them. */
	if (entry == PAMIO_SETCRED || entry == PAMIO_CLOSE_SESSION)
		return PAM_SUCCESS;
	return crm_relay_run(&io, helper_path(argc, argv), entry, flags, argc,
		argv);
}

EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
	const char **argv)
{
	return run(pamh, PAMIO_AUTHENTICATE, flags, argc, argv);
}

EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
	const char **argv)
{
	return run(pamh, PAMIO_SETCRED, flags, argc, argv);
}

EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
	const char **argv)
{
	return run(pamh, PAMIO_ACCT_MGMT, flags, argc, argv);
}

EXPORT int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc,
	const char **argv)
{
	return run(pamh, PAMIO_CHAUTHTOK, flags, argc, argv);
}

EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
	const char **argv)
{
	return run(pamh, PAMIO_OPEN_SESSION, flags, argc, argv);
}

EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
	const char **argv)
{
	return run(pamh, PAMIO_CLOSE_SESSION, flags, argc, argv);
}
