/*
 * The scale benchmark's store: bulkgen CONF ACCOUNTS ROWS creates the
 * store (and key) CONF names, which must not exist yet, and fills it with
 * crm_bulk_fill: ACCOUNTS accounts, ROWS login-history rows and ROWS
 * chained audit rows spread over the year before now. Prints the time it
 * took and the store's size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "bench.h"

#include "crmpolicy/bulk.h"
#include "crmpolicy/config.h"
#include "crmpolicy/context.h"

int main(int argc, char **argv)
{
	struct crm_bulk_spec spec = { .prefix = "bulk", .seed = 42 };
	struct crm_problems probs;
	struct crm_config cfg;
	struct crm_error err;
	struct crm_ctx ctx;
	struct stat st;
	double t0;
	int rc = 1;

	if (argc != 4 || (spec.accounts = atoll(argv[2])) < 1 ||
			(spec.logins = atoll(argv[3])) < 0) {
		fprintf(stderr, "usage: bulkgen CONF ACCOUNTS ROWS\n");
		return 2;
	}
	spec.audit = spec.logins;
	spec.last = (int64_t)time(NULL) - 3600;
	spec.first = spec.last - 365 * 86400;
	crm_config_init(&cfg);
	crm_problems_init(&probs);
	if (crm_config_load(&cfg, argv[1], 1, &probs, &err) != 0) {
		for (size_t i = 0; i < probs.n; i++)
			fprintf(stderr, "bulkgen: %s\n", probs.items[i]);
		fprintf(stderr, "bulkgen: %s\n", err.msg);
		goto out;
	}
	if (crm_ctx_open(&ctx, &cfg, CRM_OPEN_CREATE, &err) != 0) {
		fprintf(stderr, "bulkgen: %s\n", err.msg);
		goto out;
	}
	t0 = seconds();
	if (crm_bulk_fill(&ctx, &spec, &err) != 0)
		fprintf(stderr, "bulkgen: %s\n", err.msg);
	else
		rc = 0;
	if (rc == 0 && stat(cfg.str[CRM_K_DB], &st) == 0)
		printf("%.1f %lld\n", seconds() - t0, (long long)st.st_size);
	crm_ctx_close(&ctx);
out:
	crm_problems_free(&probs);
	crm_config_free(&cfg);
	return rc;
}
