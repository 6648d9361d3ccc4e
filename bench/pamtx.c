/*
 * Benchmark driver: full PAM transactions through the real libpam, for
 * several services side by side. A login transaction is pam_start,
 * PAM_RHOST and PAM_TTY, authenticate, acct_mgmt, open_session,
 * close_session, pam_end; with --chauthtok it is pam_start, chauthtok,
 * pam_end, each time to a new password; with --auth it is pam_start and
 * authenticate alone, where a refusal (a wrong password, an unknown user)
 * is a result too.
 *
 *   pamtx [--confdir DIR] --user U [--procs P] [--tx N] [--rounds R]
 *         [--first K] [--chauthtok|--auth] SERVICE...  (password on stdin)
 *
 * Each round runs every service in turn (starting one further each round,
 * so that drift hits them alike): P forked processes released together,
 * each doing N transactions. --procs 0 runs the transactions in this
 * process, for callgrind (and for --chauthtok, whose changes follow one
 * another). Every transaction comes from its own address,
 * 127.0.1.1 on (the k-th of the run, from --first). Prints one line per
 * service: name, processes, transactions/s, median and p99 latency (ms),
 * successes, failures, and SQLITE_BUSY reports among the modules' log
 * lines, which this program takes instead of syslog (formatted, counted,
 * errors echoed to stderr, not sent).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <security/pam_appl.h>

#include "bench.h"

#define MAX_SERVICES 16
#define LOG_PRI_ERR 3		/* syslog's LOG_ERR, without <syslog.h> */

/* What the processes of a run share: counters, then the latencies. */
struct shared {
	atomic_long next;		/* the next address and password */
	atomic_long busy[MAX_SERVICES];
	atomic_long errors[MAX_SERVICES];
	atomic_long fails[MAX_SERVICES];
	atomic_long ok[MAX_SERVICES];
	double wall[MAX_SERVICES];	/* seconds, over every round */
	double lat[];			/* [service][round][proc][tx], ms */
};

static struct shared *sh;
static int cur = -1;		/* the service this process is driving */

struct answer {
	char pw[256];		/* the password to log in with */
	char next[256];		/* chauthtok: the new one */
};

/* ---- the modules' log lines ---- */

/*
 * The modules log through pam_syslog, which calls syslog (or its
 * fortified twin). This program defines them, so that the dynamic linker
 * binds the modules' calls here: each line is formatted as syslog would,
 * an SQLITE_BUSY report counted, an error echoed, nothing sent.
 */
#define EXPORTED __attribute__((visibility("default")))
EXPORTED void openlog(const char *ident, int option, int facility);
EXPORTED void closelog(void);
EXPORTED void syslog(int pri, const char *fmt, ...);
EXPORTED void vsyslog(int pri, const char *fmt, va_list ap);
EXPORTED void __syslog_chk(int pri, int flag, const char *fmt, ...);
EXPORTED void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap);

void openlog(const char *ident, int option, int facility)
{
	(void)ident;
	(void)option;
	(void)facility;
}

void closelog(void)
{
}

void vsyslog(int pri, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (sh == NULL || cur < 0)
		return;
	if (strstr(line, "database is locked") != NULL ||
			strstr(line, "database table is locked") != NULL ||
			strstr(line, "SQLITE_BUSY") != NULL)
		atomic_fetch_add(&sh->busy[cur], 1);
	if ((pri & 7) <= LOG_PRI_ERR &&
			atomic_fetch_add(&sh->errors[cur], 1) < 5)
		fprintf(stderr, "pamtx: logged: %s\n", line);
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	vsyslog(pri, fmt, ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

/* ---- one transaction ---- */

static int conv(int n, const struct pam_message **msg,
	struct pam_response **resp, void *data)
{
	const struct answer *a = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		const char *m = msg[i]->msg;

		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
				msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		/* A change asks for the new password, maybe the current one. */
		if (a->next[0] != '\0' && strstr(m, "urrent") == NULL)
			r[i].resp = strdup(a->next);
		else
			r[i].resp = strdup(a->pw);
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* The k-th address: 127.0.1.1 to 127.0.1.254, then 127.0.2.1 and on. */
static void address(long k, char *out, size_t len)
{
	snprintf(out, len, "127.%ld.%ld.%ld", (k / (254 * 255)) % 256,
		1 + (k / 254) % 255, 1 + k % 254);
}

/* A new password no one used: four classes, no word, no repeat. */
static void new_password(long k, char *out, size_t len)
{
	static const char set[] = "bcdfghjkmnpqrstvwxzBCDFGHJKMNPQRSTVWXZ";
	unsigned long long x = (unsigned long long)k * 0x9E3779B97F4A7C15ULL;
	char tail[12];

	for (size_t i = 0; i < sizeof(tail) - 1; i++) {
		tail[i] = set[x % (sizeof(set) - 1)];
		x = x / (sizeof(set) - 1) + (unsigned long long)k * (i + 7);
	}
	tail[sizeof(tail) - 1] = '\0';
	snprintf(out, len, "Kt7#%s%ld", tail, k);
}

static int login(pam_handle_t *pamh)
{
	int r;

	if ((r = pam_authenticate(pamh, 0)) == PAM_SUCCESS &&
			(r = pam_acct_mgmt(pamh, 0)) == PAM_SUCCESS &&
			(r = pam_open_session(pamh, 0)) == PAM_SUCCESS)
		r = pam_close_session(pamh, 0);
	return r;
}

enum mode { LOGIN, CHAUTHTOK, AUTH };

static int transaction(const char *confdir, const char *service,
	const char *user, struct answer *a, enum mode mode)
{
	struct pam_conv c = { conv, a };
	pam_handle_t *pamh = NULL;
	long k = atomic_fetch_add(&sh->next, 1);
	char rhost[32];
	int r;

	if (mode == CHAUTHTOK)
		new_password(k, a->next, sizeof(a->next));
	r = pam_start_confdir(service, user, &c, confdir, &pamh);
	if (r != PAM_SUCCESS)
		return r;
	address(k, rhost, sizeof(rhost));
	if ((r = pam_set_item(pamh, PAM_RHOST, rhost)) == PAM_SUCCESS &&
			(r = pam_set_item(pamh, PAM_TTY, "ssh")) == PAM_SUCCESS)
		r = mode == CHAUTHTOK ? pam_chauthtok(pamh, 0) :
			mode == AUTH ? pam_authenticate(pamh, 0) : login(pamh);
	pam_end(pamh, r);
	if (mode == CHAUTHTOK && r == PAM_SUCCESS)
		memcpy(a->pw, a->next, sizeof(a->pw));
	if (mode == AUTH && (r == PAM_AUTH_ERR || r == PAM_USER_UNKNOWN))
		return PAM_SUCCESS;
	return r;
}

/* ---- the run ---- */

struct run {
	const char *confdir, *user;
	char *const *services;
	int nsvc, procs, tx, rounds;
	enum mode mode;
	struct answer a;
};

static double *lat_of(const struct run *run, int s, int round, int proc)
{
	size_t per_proc = (size_t)run->tx;
	size_t per_round = per_proc * (size_t)(run->procs > 0 ? run->procs : 1);

	return sh->lat + ((size_t)s * (size_t)run->rounds + (size_t)round) *
		per_round + (size_t)proc * per_proc;
}

/* N transactions of service s, their latencies into lat. */
static void drive(struct run *run, int s, double *lat)
{
	cur = s;
	for (int i = 0; i < run->tx; i++) {
		double t0 = seconds();
		int r = transaction(run->confdir, run->services[s], run->user,
			&run->a, run->mode);

		lat[i] = (seconds() - t0) * 1e3;
		if (r == PAM_SUCCESS) {
			atomic_fetch_add(&sh->ok[s], 1);
		} else {
			lat[i] = -1;
			if (atomic_fetch_add(&sh->fails[s], 1) < 3)
				fprintf(stderr, "pamtx: %s: %s\n",
					run->services[s], pam_strerror(NULL, r));
		}
	}
}

/* One batch: procs processes released together. Returns 0 or -1. */
static int batch(struct run *run, int s, int round)
{
	pid_t pids[256];
	int gate[2], bad = 0;
	char c;
	double t0;

	if (run->procs == 0) {
		t0 = seconds();
		drive(run, s, lat_of(run, s, round, 0));
		sh->wall[s] += seconds() - t0;
		return 0;
	}
	if (pipe(gate) != 0)
		return -1;
	for (int p = 0; p < run->procs; p++) {
		pids[p] = fork();
		if (pids[p] < 0) {
			perror("pamtx: fork");
			return -1;
		}
		if (pids[p] == 0) {
			close(gate[1]);
			/* The gate opens when the parent closes its end. */
			while (read(gate[0], &c, 1) < 0 && errno == EINTR)
				;
			drive(run, s, lat_of(run, s, round, p));
			_exit(0);
		}
	}
	close(gate[0]);
	t0 = seconds();
	close(gate[1]);
	for (int p = 0; p < run->procs; p++) {
		int status;

		if (waitpid(pids[p], &status, 0) < 0 || !WIFEXITED(status) ||
				WEXITSTATUS(status) != 0)
			bad = 1;
	}
	sh->wall[s] += seconds() - t0;
	return bad ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile q of the sorted v[0..n). */
static double percentile(const double *v, size_t n, double q)
{
	size_t rank = (size_t)((double)n * q + 0.999999);

	if (n == 0)
		return 0;
	return v[rank == 0 ? 0 : (rank > n ? n - 1 : rank - 1)];
}

static void report(const struct run *run, int s)
{
	size_t per = (size_t)run->rounds * (size_t)run->tx *
		(size_t)(run->procs > 0 ? run->procs : 1), n = 0;
	double *v = malloc(per * sizeof(*v)), *all = lat_of(run, s, 0, 0);
	long ok = atomic_load(&sh->ok[s]);

	if (v == NULL)
		return;
	for (size_t i = 0; i < per; i++)
		if (all[i] >= 0)
			v[n++] = all[i];
	qsort(v, n, sizeof(*v), cmp_double);
	printf("%s %d %.1f %.2f %.2f %ld %ld %ld\n", run->services[s],
		run->procs, sh->wall[s] > 0 ? (double)ok / sh->wall[s] : 0,
		percentile(v, n, 0.5), percentile(v, n, 0.99), ok,
		atomic_load(&sh->fails[s]), atomic_load(&sh->busy[s]));
	free(v);
}

static int usage(void)
{
	fprintf(stderr, "usage: pamtx [--confdir DIR] --user U [--procs P]"
		" [--tx N] [--rounds R] [--first K] [--chauthtok|--auth]"
		" SERVICE...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct run run = { .procs = 1, .tx = 10, .rounds = 1, .mode = LOGIN };
	long first = 0;
	size_t nlat;
	int i, rc = 0;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--chauthtok") == 0 || strcmp(o, "--auth") == 0) {
			run.mode = o[2] == 'c' ? CHAUTHTOK : AUTH;
			continue;
		}
		if (v == NULL)
			return usage();
		i++;
		if (strcmp(o, "--confdir") == 0)
			run.confdir = v;
		else if (strcmp(o, "--user") == 0)
			run.user = v;
		else if (strcmp(o, "--procs") == 0)
			run.procs = atoi(v);
		else if (strcmp(o, "--tx") == 0)
			run.tx = atoi(v);
		else if (strcmp(o, "--rounds") == 0)
			run.rounds = atoi(v);
		else if (strcmp(o, "--first") == 0)
			first = atol(v);
		else
			return usage();
	}
	run.services = argv + i;
	run.nsvc = argc - i;
	if (run.user == NULL || run.nsvc < 1 || run.nsvc > MAX_SERVICES ||
			run.procs < 0 || run.procs > 256 || run.tx < 1 ||
			run.rounds < 1)
		return usage();
	/* A change follows the one before it: one process does them all. */
	if (run.mode == CHAUTHTOK)
		run.procs = 0;
	if (fgets(run.a.pw, sizeof(run.a.pw), stdin) == NULL)
		return usage();
	run.a.pw[strcspn(run.a.pw, "\n")] = '\0';

	nlat = (size_t)run.nsvc * (size_t)run.rounds * (size_t)run.tx *
		(size_t)(run.procs > 0 ? run.procs : 1);
	sh = mmap(NULL, sizeof(*sh) + nlat * sizeof(double),
		PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("pamtx: mmap");
		return 1;
	}
	atomic_store(&sh->next, first);
	for (int r = 0; r < run.rounds && rc == 0; r++)
		for (int j = 0; j < run.nsvc && rc == 0; j++)
			rc = batch(&run, (r + j) % run.nsvc, r);
	if (rc != 0) {
		fprintf(stderr, "pamtx: a process failed\n");
		return 1;
	}
	for (int s = 0; s < run.nsvc; s++)
		report(&run, s);
	return 0;
}
