/*
 * crmpasswd init: creates the key file and the store (with its directory)
 * named by the configuration; run by the package and safe to run again.
 */
#include <stdio.h>

#include "cli.h"
#include "crmpolicy/audit.h"
#include "crmpolicy/i18n.h"

int cmd_init(struct cli *c, int argc, char **argv)
{
	struct crm_error err;
	int rc;

	(void)argv;
	if (argc != 1)
		return cli_usage("init");
	crm_error_clear(&err);
	if (crm_admin_init(&c->cfg, &err) != 0)
		return cli_fail(&err);
	if ((rc = cli_open(c, CRM_OPEN_CREATE)) != 0)
		return rc;
	/* Every store's trail starts here: a copy without one is no copy. */
	if (crm_audit_add(&c->ctx, "init", NULL, "store=%s key=%s",
			c->cfg.str[CRM_K_DB], c->cfg.str[CRM_K_KEY_FILE]) != 0)
		return cli_error(CLI_UNAVAIL, _("the store cannot be audited"));
	printf(_("store: %s\n"), c->cfg.str[CRM_K_DB]);
	printf(_("key: %s\n"), c->cfg.str[CRM_K_KEY_FILE]);
	return CLI_OK;
}
