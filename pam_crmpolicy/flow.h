/*
 * The phase flow of pam_crmpolicy: for each PAM entry point, the order of
 * core calls, prompts and messages, and the one table from a core verdict
 * to a PAM code. Run in-process by the module (as root) and by
 * crmpolicy_helper for callers without root, over struct pamio.
 */
#ifndef CRM_FLOW_H
#define CRM_FLOW_H

#include "pamio.h"

/* Who called PAM. */
struct flow_caller {
	long uid;		/* real uid of the process that called PAM */
	int via_helper;		/* the flow runs in crmpolicy_helper for it */
};

/*
 * Runs one entry point with the module arguments argc/argv and the PAM
 * flags; returns the PAM code. Through the helper the arguments are taken
 * restricted (crm_config_from_caller_args) and the caller must be bound to
 * the service in helper_services.
 */
int crm_flow_run(const struct pamio *io, enum pamio_entry entry, int flags,
	int argc, const char **argv, const struct flow_caller *who);

#endif
