/*
 * pamdrive: runs PAM operations for one service and user through the real
 * libpam, answering each prompt with one line of stdin and printing what
 * the modules say. Used by the demo, the shell tests and (--loop) the
 * valgrind run of many transactions in one process.
 *
 *   pamdrive [--confdir DIR] [--rhost ADDR] [--silent] SERVICE USER OP...
 *   pamdrive [--confdir DIR] [--rhost ADDR] [--preload SO] [--code-file F]
 *            [--totp-user U] [--chpw-user U] --loop N SERVICE USER
 *
 * OP is auth, acct, open, close, chauthtok, or env:NAME=VALUE, which sets
 * a PAM environment entry at that point (as sshd sets SSH_AUTH_INFO_0
 * between account management and the session). Operations stop at the first
 * failure, except that chauthtok follows an acct that asked for a new
 * password (as login does). The exit code is the last operation's PAM code.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <security/pam_appl.h>

#define LOOP_UNKNOWN "pamdrive-nosuchuser"

struct drive {
	const char *confdir;
	const char *rhost;
	int flags;
	int quiet;		/* --loop: answer from pw, print nothing */
	const char *pw;
	const char *code_file;	/* --code-file: the test sendmail's output */
	const char *totp_user;	/* --totp-user: a TOTP user refused in the loop */
	const char *chpw_user;	/* --chpw-user: a user whose password the
				 * loop changes back and forth */
};

#define WRONG_CODE "000000"

/*
 * The newest e-mailed code in the test sendmail's output: the last line
 * of four spaces and digits. malloc'd, or NULL if there is none.
 */
static char *mailed_code(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256], *code = NULL;

	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof line, f) != NULL) {
		size_t n = strspn(line + 4, "0123456789");

		if (strncmp(line, "    ", 4) == 0 && n >= 6 &&
		    (line[4 + n] == '\n' || line[4 + n] == '\0')) {
			free(code);
			code = strndup(line + 4, n);
		}
	}
	fclose(f);
	return code;
}

/* The loop's answer to one prompt: a code prompt gets a code. */
static char *loop_answer(const struct drive *d, const char *prompt)
{
	if (d->code_file != NULL && strstr(prompt, "Code: ") != NULL)
		return mailed_code(d->code_file);
	if (strncmp(prompt, "Verification code", 17) == 0)
		return strdup(WRONG_CODE);
	return d->pw != NULL ? strdup(d->pw) : NULL;
}

static char *read_line(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static void drop(struct pam_response *r, int n)
{
	for (int i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
}

/* Answers prompts from stdin (or d->pw in loop mode); prints messages. */
static int conv(int n, const struct pam_message **msg,
	struct pam_response **resp, void *arg)
{
	const struct drive *d = arg;
	struct pam_response *r;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof *r);
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			if (d->quiet) {
				r[i].resp = loop_answer(d, msg[i]->msg);
			} else {
				printf("[prompt] %s\n", msg[i]->msg);
				fflush(stdout);
				r[i].resp = read_line();
			}
			if (r[i].resp == NULL) {
				drop(r, n);
				return PAM_CONV_ERR;
			}
			break;
		case PAM_ERROR_MSG:
			if (!d->quiet)
				printf("[error] %s\n", msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			if (!d->quiet)
				printf("[info] %s\n", msg[i]->msg);
			break;
		default:
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static int start(struct drive *d, const char *service, const char *user,
	struct pam_conv *pc, pam_handle_t **ph)
{
	int rc;

	pc->conv = conv;
	pc->appdata_ptr = d;
	if (d->confdir != NULL)
		rc = pam_start_confdir(service, user, pc, d->confdir, ph);
	else
		rc = pam_start(service, user, pc, ph);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pamdrive: pam_start: %s\n",
			pam_strerror(NULL, rc));
		return rc;
	}
	if (d->rhost != NULL) {
		rc = pam_set_item(*ph, PAM_RHOST, d->rhost);
		if (rc != PAM_SUCCESS) {
			pam_end(*ph, rc);
			return rc;
		}
	}
	return PAM_SUCCESS;
}

static int valid_op(const char *op)
{
	static const char *const names[] = { "auth", "acct", "open", "close",
		"chauthtok" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(op, names[i]) == 0)
			return 1;
	return strncmp(op, "env:", 4) == 0 && strchr(op + 4, '=') != NULL;
}

static int run_op(pam_handle_t *ph, const char *op, int flags, int expired)
{
	if (strcmp(op, "auth") == 0)
		return pam_authenticate(ph, flags);
	if (strcmp(op, "acct") == 0)
		return pam_acct_mgmt(ph, flags);
	if (strcmp(op, "open") == 0)
		return pam_open_session(ph, flags);
	if (strcmp(op, "close") == 0)
		return pam_close_session(ph, flags);
	if (strcmp(op, "chauthtok") == 0)
		return pam_chauthtok(ph, flags
			| (expired ? (int)PAM_CHANGE_EXPIRED_AUTHTOK : 0));
	if (strncmp(op, "env:", 4) == 0)
		return pam_putenv(ph, op + 4);
	return -1;
}

static int drive_ops(struct drive *d, const char *service, const char *user,
	char **ops, int nops)
{
	struct pam_conv pc;
	pam_handle_t *ph;
	int rc = PAM_SUCCESS, expired = 0;

	for (int i = 0; i < nops; i++) {
		if (!valid_op(ops[i])) {
			fprintf(stderr, "pamdrive: unknown operation %s\n",
				ops[i]);
			return 2;
		}
	}
	rc = start(d, service, user, &pc, &ph);
	if (rc != PAM_SUCCESS)
		return rc;
	for (int i = 0; i < nops; i++) {
		rc = run_op(ph, ops[i], d->flags, expired);
		printf("%s: %s\n", ops[i], pam_strerror(ph, rc));
		fflush(stdout);
		if (rc == PAM_NEW_AUTHTOK_REQD && strcmp(ops[i], "acct") == 0
		    && i + 1 < nops && strcmp(ops[i + 1], "chauthtok") == 0) {
			expired = 1;
			continue;
		}
		if (rc != PAM_SUCCESS)
			break;
	}
	pam_end(ph, rc);
	return rc;
}

/* One transaction of the loop; 0 when every result was the expected one. */
static int loop_one(struct drive *d, const char *service, const char *user,
	const char *pw, int good)
{
	static const char *const ops[] = { "auth", "acct", "open", "close" };
	struct pam_conv pc;
	pam_handle_t *ph;
	int rc, bad = 0;
	size_t nops = good == 1 ? 4 : 1;
	int want = good == 1 ? PAM_SUCCESS
		: good == 0 ? PAM_AUTH_ERR : PAM_USER_UNKNOWN;

	d->pw = pw;
	if (start(d, service, user, &pc, &ph) != PAM_SUCCESS)
		return 1;
	for (size_t i = 0; i < nops; i++) {
		rc = run_op(ph, ops[i], d->flags, 0);
		if (rc != want) {
			fprintf(stderr, "pamdrive: %s %s: %s, expected %s\n",
				user, ops[i], pam_strerror(ph, rc),
				pam_strerror(ph, want));
			bad = 1;
			break;
		}
	}
	pam_end(ph, bad ? PAM_ABORT : PAM_SUCCESS);
	return bad;
}

/* A change of user's password to pw, as root does it (no current one). */
static int loop_chpw(struct drive *d, const char *service, const char *user,
	const char *pw)
{
	struct pam_conv pc;
	pam_handle_t *ph;
	int rc;

	d->pw = pw;
	if (start(d, service, user, &pc, &ph) != PAM_SUCCESS)
		return 1;
	rc = run_op(ph, "chauthtok", d->flags, 0);
	if (rc != PAM_SUCCESS)
		fprintf(stderr, "pamdrive: %s chauthtok: %s\n", user,
			pam_strerror(ph, rc));
	pam_end(ph, rc);
	return rc != PAM_SUCCESS;
}

/*
 * --loop N: stdin holds the right and a wrong password. Transactions go
 * right, wrong, wrong, right... (never deny = 3 wrong in a row, so no
 * lock), with every 50th for an unknown user and, with --totp-user,
 * every 25th for that user, right password and wrong TOTP code. With
 * --code-file an e-mailed code is read from the test sendmail's output.
 * With --chpw-user every 20th changes that user's password, to the wrong
 * password and back to the right one in turn.
 */
static int drive_loop(struct drive *d, const char *service, const char *user,
	long n)
{
	char *good = read_line(), *wrong = read_line();
	int rc = 0;
	long i;

	if (good == NULL || wrong == NULL) {
		fprintf(stderr, "pamdrive: --loop needs two lines on stdin\n");
		free(good);
		free(wrong);
		return 2;
	}
	d->quiet = 1;
	for (i = 0; i < n && rc == 0; i++) {
		if (i % 50 == 49)
			rc = loop_one(d, service, LOOP_UNKNOWN, wrong, 2);
		else if (d->chpw_user != NULL && i % 20 == 10)
			rc = loop_chpw(d, service, d->chpw_user,
				(i / 20) % 2 == 0 ? wrong : good);
		else if (d->totp_user != NULL && i % 25 == 24)
			rc = loop_one(d, service, d->totp_user, good, 0);
		else if (i % 4 == 1 || i % 4 == 2)
			rc = loop_one(d, service, user, wrong, 0);
		else
			rc = loop_one(d, service, user, good, 1);
	}
	explicit_bzero(good, strlen(good));
	explicit_bzero(wrong, strlen(wrong));
	free(good);
	free(wrong);
	if (rc != 0) {
		fprintf(stderr, "pamdrive: transaction %ld failed\n", i);
		return 1;
	}
	printf("pamdrive: %ld transactions\n", n);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: pamdrive [--confdir DIR] [--rhost ADDR] "
		"[--silent]\n"
		"                SERVICE USER auth|acct|open|close|chauthtok|env:N=V...\n"
		"       pamdrive [--confdir DIR] [--rhost ADDR] [--preload SO] "
		"[--code-file F] [--totp-user U] [--chpw-user U] --loop N "
		"SERVICE USER\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct drive d = { NULL, NULL, 0, 0, NULL, NULL, NULL, NULL };
	void *preload = NULL;
	long loop = -1;
	int i = 1, rc;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--silent") == 0) {
			d.flags |= (int)PAM_SILENT;
		} else if (i + 1 < argc && strcmp(argv[i], "--confdir") == 0) {
			d.confdir = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--rhost") == 0) {
			d.rhost = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--code-file") == 0) {
			d.code_file = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--totp-user") == 0) {
			d.totp_user = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--chpw-user") == 0) {
			d.chpw_user = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--preload") == 0) {
			/*
			 * Keeps the module and its libraries mapped between
			 * transactions (libpam loads and unloads it with each
			 * handle), as a daemon's other users of them would;
			 * under valgrind this saves re-reading their symbols.
			 */
			preload = dlopen(argv[++i], RTLD_NOW | RTLD_LOCAL);
			if (preload == NULL) {
				fprintf(stderr, "pamdrive: %s\n", dlerror());
				return 2;
			}
		} else if (i + 1 < argc && strcmp(argv[i], "--loop") == 0) {
			char *end;
			errno = 0;
			loop = strtol(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || loop < 1)
				return usage();
		} else {
			return usage();
		}
	}
	if (loop > 0 && argc - i == 2)
		rc = drive_loop(&d, argv[i], argv[i + 1], loop);
	else if (loop < 0 && argc - i >= 3)
		rc = drive_ops(&d, argv[i], argv[i + 1], argv + i + 2,
			argc - i - 2);
	else
		rc = usage();
	if (preload != NULL)
		dlclose(preload);
	return rc;
}
