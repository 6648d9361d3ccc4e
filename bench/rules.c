/*
 * Benchmark: the cost of evaluating 1,000 source-IP rules with
 * crm_rules_decide (one query, first match wins) in a temporary store.
 * Prints the mean time of 1,000 evaluations that match the last rule,
 * that fall through to the default row, and that match the first rule.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#include "crmpolicy/config.h"
#include "crmpolicy/context.h"
#include "crmpolicy/rules.h"

#define NRULES 1000
#define ROUNDS 1000

/* Times ROUNDS decisions and checks that each one is the expected one. */
static int measure(const char *label, const struct crm_ctx *ctx,
	const char *rhost, const char *want_rule)
{
	struct crm_rule_decision d;
	struct crm_error err;
	double t0, t1;

	t0 = seconds();
	for (int i = 0; i < ROUNDS; i++) {
		if (crm_rules_decide(ctx, "bencher", "sshd", rhost, &d, &err) != 0) {
			fprintf(stderr, "decide: %s\n", err.msg);
			return -1;
		}
	}
	t1 = seconds();
	if (strcmp(d.rule, want_rule) != 0) {
		fprintf(stderr, "%s: decided by %s, expected %s\n", label, d.rule,
			want_rule);
		return -1;
	}
	printf("%-44s %8.1f us  (%s by %s, mean of %d)\n", label,
		(t1 - t0) * 1e6 / ROUNDS, crm_rule_action_name(d.action), d.rule,
		ROUNDS);
	return 0;
}

static int add_rules(const struct crm_ctx *ctx)
{
	struct crm_error err;
	struct crm_rule r;
	double t0 = seconds();

	for (int i = 0; i < NRULES; i++) {
		memset(&r, 0, sizeof(r));
		snprintf(r.name, sizeof(r.name), "r%04d", i);
		snprintf(r.network, sizeof(r.network), "10.%d.%d.0/24", i / 256,
			i % 256);
		snprintf(r.scope, sizeof(r.scope), "%s",
			i % 7 == 3 ? "user:someone" : "all");
		/* Some rows name other services, as a real list would. */
		snprintf(r.services, sizeof(r.services), "%s",
			i % 3 == 1 ? "dovecot,postfix" : "");
		r.priority = -1;
		r.action = i == NRULES - 1 ? CRM_RULE_ALLOW : CRM_RULE_DENY;
		if (crm_rules_add(ctx, &r, NULL, NULL, 0, &err) != 0) {
			fprintf(stderr, "add %s: %s\n", r.name, err.msg);
			return -1;
		}
	}
	printf("%-44s %8.1f us  (mean of %d, one transaction each)\n",
		"rule add, growing to 1,000 rules:",
		(seconds() - t0) * 1e6 / NRULES, NRULES);
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/crmbench.XXXXXX", db[64], key[64];
	struct crm_config cfg;
	struct crm_error err;
	struct crm_ctx ctx;
	int rc = 1;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db, sizeof(db), "%s/crmpolicy.db", dir);
	snprintf(key, sizeof(key), "%s/crmpolicy.key", dir);
	crm_config_init(&cfg);
	if (crm_config_set(&cfg, "db", db, "bench", &err) != 0 ||
	    crm_config_set(&cfg, "key_file", key, "bench", &err) != 0 ||
	    crm_ctx_open(&ctx, &cfg, CRM_OPEN_CREATE, &err) != 0) {
		fprintf(stderr, "store: %s\n", err.msg);
		goto out;
	}
	ctx.actor = "bench";
	ctx.service = "bench";
	if (measure("decide, no rules (default row):", &ctx, "10.3.231.5",
	    "default") != 0 || add_rules(&ctx) != 0)
		goto close;
	/* 10.3.231.0/24 is rule 999, the last one. */
	if (measure("decide, 1,000 rules, match on the last:", &ctx,
	    "10.3.231.5", "r0999") == 0 &&
	    measure("decide, 1,000 rules, no match (default):", &ctx,
	    "192.0.2.1", "default") == 0 &&
	    measure("decide, 1,000 rules, match on the first:", &ctx,
	    "10.0.0.9", "r0000") == 0)
		rc = 0;
close:
	crm_ctx_close(&ctx);
out:
	crm_config_free(&cfg);
	rm_tree(dir);
	return rc;
}
