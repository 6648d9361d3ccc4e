/*
 * Benchmark: the cost of the second factor in the core, in a temporary
 * store with a user whose policy asks for TOTP. Prints the mean time of
 * crm_auth_mfa accepting a TOTP code (key file read, one transaction:
 * sealed secret opened, code checked over the window, step recorded,
 * login recorded) with the clock moved a step each time, of refusing a
 * replayed code, and of accepting a recovery code.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>

#include "bench.h"

#include "crmpolicy/admin.h"
#include "crmpolicy/auth.h"
#include "crmpolicy/config.h"
#include "crmpolicy/context.h"
#include "crmpolicy/mfa.h"

#define ROUNDS 1000
#define T0 ((int64_t)1767225600)

static const unsigned char secret[CRM_TOTP_SECRET_BYTES] =
	"bench-totp-secret-20";

static int code_at(int64_t now, char code[CRM_TOTP_DIGITS + 1])
{
	return oath_totp_generate((const char *)secret, sizeof(secret),
		(time_t)now, CRM_TOTP_PERIOD, 0, CRM_TOTP_DIGITS, code) ==
		OATH_OK ? 0 : -1;
}

/* ROUNDS checks of code(i); each must end in want. */
static int measure(const char *label, struct crm_ctx *ctx, int step,
	const char *const *codes, enum crm_verdict want)
{
	struct crm_request req;
	struct crm_result res;
	struct crm_error err;
	char code[CRM_TOTP_DIGITS + 1];
	double t0, spent = 0;
	int n = 0;

	memset(&req, 0, sizeof(req));
	req.user = "bencher";
	req.reservation = 0;
	for (int i = 0; i < ROUNDS && (codes == NULL || codes[i]); i++) {
		ctx->now += step;
		if (codes == NULL && code_at(ctx->now, code) != 0)
			return -1;
		req.code = codes ? codes[i] : code;
		t0 = seconds();
		if (crm_auth_mfa(ctx, &req, &res, &err) != 0) {
			fprintf(stderr, "%s: %s\n", label, err.msg);
			return -1;
		}
		spent += seconds() - t0;
		n++;
		if (res.verdict != want) {
			fprintf(stderr, "%s: %s, expected %s\n", label,
				crm_verdict_name(res.verdict),
				crm_verdict_name(want));
			return -1;
		}
	}
	printf("%-44s %8.1f us  (mean of %d)\n", label, spent * 1e6 / n, n);
	return 0;
}

static int setup(struct crm_ctx *ctx, char codes[CRM_RECOVERY_COUNT + 1]
	[CRM_RECOVERY_LEN], struct crm_error *err)
{
	static const char *const mfa[] = { "mfa=totp", "deny=0" };
	char code[CRM_TOTP_DIGITS + 1];
	unsigned rules = 0;

	ctx->actor = "bench";
	ctx->service = "bench";
	ctx->rhost = "127.0.1.5";
	ctx->now = T0;
	if (crm_admin_init(ctx->cfg, err) != 0 ||
	    crm_admin_user_add(ctx, "bencher", NULL, NULL, 0, "Bench#Pass42",
	    &rules, err) != 0 ||
	    crm_admin_policy_set(ctx, "user", "bencher", mfa, 2, err) != 0 ||
	    code_at(ctx->now, code) != 0 ||
	    crm_totp_enroll(ctx, "bencher", secret, sizeof(secret), code, 1,
	    codes, err) != 0)
		return -1;
	codes[CRM_RECOVERY_COUNT][0] = '\0';
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/crmbench.XXXXXX", path[64];
	char codes[CRM_RECOVERY_COUNT + 1][CRM_RECOVERY_LEN];
	const char *list[CRM_RECOVERY_COUNT + 1], *replay[ROUNDS + 1];
	char code[CRM_TOTP_DIGITS + 1];
	struct crm_config cfg;
	struct crm_error err;
	struct crm_ctx ctx;
	int rc = 1;

	crm_error_clear(&err);
	if (mkdtemp(dir) == NULL || oath_init() != OATH_OK) {
		perror("set-up");
		return 1;
	}
	crm_config_init(&cfg);
	snprintf(path, sizeof(path), "%s/crmpolicy.db", dir);
	if (crm_config_set(&cfg, "db", path, "bench", &err) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/crmpolicy.key", dir);
	if (crm_config_set(&cfg, "key_file", path, "bench", &err) != 0 ||
	    crm_config_set(&cfg, "ip_deny", "0", "bench", &err) != 0 ||
	    crm_config_set(&cfg, "hash_opslimit", "1", "bench", &err) != 0 ||
	    crm_config_set(&cfg, "hash_memlimit", "8192", "bench", &err) != 0 ||
	    crm_ctx_open(&ctx, &cfg, CRM_OPEN_CREATE, &err) != 0)
		goto out;
	if (setup(&ctx, codes, &err) != 0)
		goto close;
	for (int i = 0; i <= CRM_RECOVERY_COUNT; i++)
		list[i] = i < CRM_RECOVERY_COUNT ? codes[i] : NULL;
	if (measure("second factor, TOTP code accepted:", &ctx,
	    CRM_TOTP_PERIOD, NULL, CRM_V_ALLOW) != 0)
		goto close;
	/* The last accepted code again, ROUNDS times, in the same step. */
	if (code_at(ctx.now, code) != 0)
		goto close;
	for (int i = 0; i < ROUNDS; i++)
		replay[i] = code;
	replay[ROUNDS] = NULL;
	if (measure("second factor, replayed code refused:", &ctx, 0, replay,
	    CRM_V_WRONG) == 0 &&
	    measure("second factor, recovery code accepted:", &ctx, 0, list,
	    CRM_V_ALLOW) == 0)
		rc = 0;
close:
	crm_ctx_close(&ctx);
out:
	if (rc != 0 && err.msg[0])
		fprintf(stderr, "bench: %s\n", err.msg);
	crm_config_free(&cfg);
	rm_tree(dir);
	return rc;
}
