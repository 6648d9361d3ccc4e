/*
 * The module's side of crmpolicy_helper: runs one entry point in the
 * setuid helper and serves its requests with the caller's PAM handle.
 */
#ifndef CRM_RELAY_H
#define CRM_RELAY_H

#include "pamio.h"

/* The helper the module runs when it is not root (helper=PATH overrides). */
#ifndef CRM_HELPER_PATH
#define CRM_HELPER_PATH "/usr/sbin/crmpolicy_helper"
#endif

/*
 * Runs entry in the helper at path over io (the caller's own handle) and
 * returns the helper's PAM code; PAM_AUTHINFO_UNAVAIL, logged through io,
 * when the helper cannot be run or ends without an answer.
 */
int crm_relay_run(const struct pamio *io, const char *helper,
	enum pamio_entry entry, int flags, int argc, const char **argv);

#endif
