/*
 * Benchmark: the cost of one successful PAM transaction (authenticate,
 * account, open and close session) through the real libpam and module,
 * repeated N times in one process: pam_transaction CONFDIR SERVICE USER N
 * [auth], the password on stdin. With "auth" only pam_authenticate runs and
 * a refusal is a result too (to compare known and unknown users). Prints
 * the mean and the fastest run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <security/pam_appl.h>

#include "bench.h"

struct answer {
	char pw[512];
};

static int conv(int n, const struct pam_message **msg,
	struct pam_response **resp, void *data)
{
	const struct answer *a = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			r[i].resp = strdup(a->pw);
	*resp = r;
	return PAM_SUCCESS;
}

static int transaction(const char *confdir, const char *service,
	const char *user, struct answer *a, int auth_only)
{
	struct pam_conv c = { conv, a };
	pam_handle_t *pamh = NULL;
	int r = pam_start_confdir(service, user, &c, confdir, &pamh);

	if (r != PAM_SUCCESS)
		return r;
	pam_set_item(pamh, PAM_RHOST, "127.0.1.9");
	if (auth_only) {
		r = pam_authenticate(pamh, PAM_SILENT);
		pam_end(pamh, r);
		return r == PAM_SUCCESS || r == PAM_AUTH_ERR ||
			r == PAM_USER_UNKNOWN ? PAM_SUCCESS : r;
	}
	if ((r = pam_authenticate(pamh, PAM_SILENT)) == PAM_SUCCESS &&
			(r = pam_acct_mgmt(pamh, PAM_SILENT)) == PAM_SUCCESS &&
			(r = pam_open_session(pamh, PAM_SILENT)) == PAM_SUCCESS)
		r = pam_close_session(pamh, PAM_SILENT);
	pam_end(pamh, r);
	return r;
}

int main(int argc, char **argv)
{
	struct answer a;
	double total = 0, best = 1e9;
	long n;
	int auth_only = argc == 6 && strcmp(argv[5], "auth") == 0;

	if ((argc != 5 && !auth_only) || (n = strtol(argv[4], NULL, 10)) < 1) {
		fprintf(stderr, "usage: pam_transaction CONFDIR SERVICE USER N [auth]\n");
		return 2;
	}
	if (fgets(a.pw, sizeof(a.pw), stdin) == NULL)
		return 2;
	a.pw[strcspn(a.pw, "\n")] = '\0';
	for (long i = 0; i < n; i++) {
		double t0 = seconds(), dt;
		int r = transaction(argv[1], argv[2], argv[3], &a, auth_only);

		dt = seconds() - t0;
		if (r != PAM_SUCCESS) {
			fprintf(stderr, "transaction %ld: %s\n", i, pam_strerror(NULL, r));
			return 1;
		}
		total += dt;
		if (dt < best)
			best = dt;
	}
	printf("%ld transactions: mean %.2f ms, fastest %.2f ms\n", n,
		total / (double)n * 1e3, best * 1e3);
	return 0;
}
