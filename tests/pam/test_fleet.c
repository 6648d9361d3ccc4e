/*
 * A fleet of four hosts sharing one store on PostgreSQL: separate confs
 * and host names, one schema, 32 processes spread over the hosts
 * authenticating at the same moment. Whatever one host counts counts for
 * the fleet: deny wrong passwords in total lock the account everywhere
 * and no more are checked; ip_deny failures in total block the address
 * everywhere; a TOTP or e-mailed code opens one login, not one per host;
 * the audit trail is one verifiable chain whose rows name their host; the
 * known addresses and the login history are shared, so a new address is
 * new once per user, not once per host.
 *
 * The server is CRM_TEST_PG (make check starts one). Without it nothing
 * is run, and it says so; CRM_FLEET_SQLITE=1 runs the same checks with
 * the hosts sharing one SQLite file instead, to check the checks.
 */
#include "pamenv.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>

#include "crmpolicy/config.h"
#include "crmpolicy/key.h"
#include "crmpolicy/otp.h"

#define INIT "Init1al!Pw"
#define PW1 "Corr3ct!Horse"
#define WRONG "Wr0ng!Guess"
#define HOSTS 4
#define NPROC PENV_RACE_N
#define DENY 3
#define IP_DENY 10
#define NOTIFY "security@example.com"
#define END_MARK "=====END====="
/* The TOTP secret of the tests: 20 bytes, as most authenticator apps. */
#define SECRET "12345678901234567890"
#define SECRET_LEN 20

#define HOST_SVC(k) \
	{ "fleet" #k, \
	  "auth     required @MOD@ conf=@CONF" #k "@\n" \
	  "account  required @MOD@ conf=@CONF" #k "@\n" \
	  "password required @MOD@ conf=@CONF" #k "@\n" \
	  "session  required @MOD@ conf=@CONF" #k "@\n" }

static const struct penv_svc services[] = {
	HOST_SVC(1), HOST_SVC(2), HOST_SVC(3), HOST_SVC(4),
};

/* Child i of a race logs in on host i % HOSTS + 1. */
static const char *const fleet[HOSTS] = {
	"fleet1", "fleet2", "fleet3", "fleet4",
};

/* ---- set-up ---- */

static char g_sendmail[PATH_MAX];

/* tests/data/fake-sendmail, found upwards from the build dir. */
static void find_sendmail(char *out, size_t len)
{
	char dir[PATH_MAX - 32];

	snprintf(dir, sizeof dir, "%s", penv_build());
	for (int i = 0; i < 6; i++) {
		char *slash;

		snprintf(out, len, "%s/tests/data/fake-sendmail", dir);
		if (access(out, R_OK) == 0)
			return;
		slash = strrchr(dir, '/');
		if (slash == NULL || slash == dir)
			break;
		*slash = '\0';
	}
	fprintf(stderr, "test_fleet: tests/data/fake-sendmail not found\n");
	exit(99);
}

static void copy_file(const char *from, const char *to)
{
	char buf[4096];
	FILE *in = fopen(from, "r"), *out = fopen(to, "w");
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(chmod(to, 0755), 0);
}

static void dir_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", penv_dir(), name);
}

/* Forgets what the test sendmail captured. */
static void mail_clear(void)
{
	char path[PATH_MAX + 8];

	snprintf(path, sizeof path, "%s.out", g_sendmail);
	if (unlink(path) != 0)
		assert_int_equal(errno, ENOENT);
}

/* state: the test's conf lines; every host mails through one sendmail. */
static int fleet_setup(void **state)
{
	char src[PATH_MAX], extra[PATH_MAX + 1024];

	find_sendmail(src, sizeof src);
	dir_path(g_sendmail, sizeof g_sendmail, "fake-sendmail");
	copy_file(src, g_sendmail);
	snprintf(extra, sizeof extra, "sendmail = %s\nnotify_to = " NOTIFY
		"\n%s", g_sendmail, (const char *)*state);
	penv_reset(extra);
	mail_clear();
	return 0;
}

/* ---- probes ---- */

static const char *rc_name(int rc)
{
	return rc >= 0 && rc < 64 ? pam_strerror(NULL, rc) : "no result";
}

/* How many of the race's results are rc. */
static int tally(const int rcs[NPROC], int rc)
{
	int n = 0;

	for (int i = 0; i < NPROC; i++)
		n += rcs[i] == rc;
	return n;
}

/* Every result of the race is one of the two codes; prints the others. */
static void all_of(const int rcs[NPROC], int a, int b)
{
	int bad = 0;

	for (int i = 0; i < NPROC; i++) {
		if (rcs[i] == a || rcs[i] == b)
			continue;
		print_error("child %d (host %d): %s (%d)\n", i,
			i % HOSTS + 1, rc_name(rcs[i]), rcs[i]);
		bad++;
	}
	assert_int_equal(bad, 0);
}

static int64_t audits(const char *event, const char *subject,
	const char *like)
{
	return penv_sql("SELECT count(*) FROM audit WHERE event = ? AND "
		"subject = ? AND details LIKE ?", event, subject, like, NULL);
}

static int64_t failures(const char *user)
{
	return penv_sql("SELECT failures FROM accounts WHERE name = ?", user,
		NULL);
}

static int64_t reservations(void)
{
	return penv_sql("SELECT count(*) FROM reservations", NULL);
}

/* One authentication on host k with these answers; prompts land in c. */
static int auth_on(int host, const char *user, const char *rhost,
	struct penv_conv *c)
{
	return penv_op(fleet[host - 1], user, rhost, c, PAMTEST_AUTHENTICATE,
		0);
}

static int pw_on(int host, const char *user, const char *pw,
	const char *rhost, struct penv_conv *c)
{
	penv_conv_init(c, pw, NULL);
	return auth_on(host, user, rhost, c);
}

/*
 * The audit trail is one chain: `audit verify` passes on host 3, the ids
 * run 1..n without a gap, and every row of a host's service names that
 * host.
 */
static void chain_sound(void)
{
	char out[4096];
	int rc;

	rc = penv_crm_at(3, NULL, out, sizeof out, "audit", "verify", NULL);
	if (rc != 0) {
		print_error("audit verify on h3: exit %d\n%s\n", rc, out);
		fail();
	}
	assert_int_equal(penv_sql("SELECT min(id) FROM audit", NULL), 1);
	assert_int_equal(penv_sql("SELECT max(id) FROM audit", NULL),
		penv_sql("SELECT count(*) FROM audit", NULL));
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE service "
		"LIKE 'fleet_' AND host <> 'h' || substr(service, 6)", NULL),
		0);
}

/* NPROC children over the hosts, each answering a0, a1 (may be NULL). */
static void race(int rcs[NPROC], const char *user, const char *rhost,
	const char *a0, const char *a1)
{
	struct penv_conv c;

	penv_conv_init(&c, a0, a1, NULL);
	penv_race_fleet(fleet, HOSTS, user, rhost, &c, NULL, NULL, rcs);
}

/* ---- a. lockout ---- */

static void lockout_after_deny_wrong_passwords_in_total(void **state)
{
	struct penv_conv c;
	int rcs[NPROC];
	char out[4096];

	(void)state;
	penv_user("fleet1", "racer", INIT, PW1);
	race(rcs, "racer", "127.0.10.5", WRONG, NULL);
	all_of(rcs, PAM_AUTH_ERR, PAM_AUTH_ERR);
	/* deny passwords checked and counted, by whichever hosts. */
	assert_int_equal(failures("racer"), DENY);
	assert_true(penv_sql("SELECT locked_at FROM accounts WHERE name = "
		"'racer'", NULL) > 0);
	assert_int_equal(audits("login.failure", "racer",
		"reason=wrong password%"), DENY);
	/* The rest refused as locked, before any password was checked. */
	assert_int_equal(audits("login.failure", "racer", "reason=locked%"),
		NPROC - DENY);
	assert_int_equal(audits("login.failure", "racer", "%"), NPROC);
	assert_int_equal(audits("lock", "racer", "%"), 1);
	assert_int_equal(reservations(), 0);
	/* Locked on every host: the right password opens none. */
	for (int k = 1; k <= HOSTS; k++)
		assert_int_equal(pw_on(k, "racer", PW1, "127.0.10.6", &c),
			PAM_AUTH_ERR);
	assert_int_equal(audits("login.failure", "racer",
		"reason=wrong password%"), DENY);
	assert_int_equal(audits("login.failure", "racer", "reason=locked%"),
		NPROC - DENY + HOSTS);
	/* An admin on host 2 unlocks; the user gets in on host 4. */
	assert_int_equal(penv_crm_at(2, NULL, out, sizeof out, "user",
		"unlock", "racer", NULL), 0);
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'unlock' AND subject = 'racer' AND host = 'h2'", NULL), 1);
	assert_int_equal(failures("racer"), 0);
	assert_int_equal(pw_on(4, "racer", PW1, "127.0.10.6", &c),
		PAM_SUCCESS);
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'login.success' AND subject = 'racer' AND host = 'h4'", NULL),
		1);
	chain_sound();
}

/* ---- b. IP throttling ---- */

/* Refused on host k before any prompt, as a blocked address is. */
static void blocked_on(int host, const char *user, const char *rhost)
{
	struct penv_conv c;
	int rc = pw_on(host, user, PW1, rhost, &c);

	if (rc != PAM_AUTH_ERR || c.nprompts != 0) {
		print_error("h%d, %s from %s: %s after %zu prompt(s)\n", host,
			user, rhost, rc_name(rc), c.nprompts);
		fail();
	}
}

static int64_t throttled(const char *rhost, const char *like)
{
	return penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'ip.throttled' AND rhost = ? AND details LIKE ?", rhost, like,
		NULL);
}

static void address_blocked_after_ip_deny_failures_in_total(void **state)
{
	struct penv_conv c;
	char user[32];
	int rcs[NPROC];

	(void)state;
	penv_user("fleet1", "alice", INIT, PW1);
	/* ip_deny - 1 failures spread over the hosts: not yet. */
	for (int i = 0; i < IP_DENY - 1; i++) {
		snprintf(user, sizeof user, "ghost%d", i);
		assert_int_equal(pw_on(i % HOSTS + 1, user, WRONG,
			"127.0.20.5", &c), PAM_USER_UNKNOWN);
	}
	assert_int_equal(penv_sql("SELECT count(*) FROM ip_failures WHERE "
		"ip = '127.0.20.5'", NULL), IP_DENY - 1);
	assert_int_equal(throttled("127.0.20.5", "%"), 0);
	assert_int_equal(pw_on(3, "alice", PW1, "127.0.20.5", &c),
		PAM_SUCCESS);
	/* The ip_deny-th, on yet another host, blocks it for all. */
	assert_int_equal(pw_on(2, "ghost-last", WRONG, "127.0.20.5", &c),
		PAM_USER_UNKNOWN);
	assert_int_equal(throttled("127.0.20.5", "failures=10 %"), 1);
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'ip.throttled' AND rhost = '127.0.20.5' AND host = 'h2'",
		NULL), 1);
	for (int k = 1; k <= HOSTS; k++)
		blocked_on(k, "alice", "127.0.20.5");
	/* Another address is not affected, on any host. */
	for (int k = 1; k <= HOSTS; k++)
		assert_int_equal(pw_on(k, "alice", PW1, "127.0.20.6", &c),
			PAM_SUCCESS);

	/* The same from 32 processes at once over the hosts. */
	race(rcs, "nobody-here", "127.0.21.5", WRONG, NULL);
	all_of(rcs, PAM_USER_UNKNOWN, PAM_AUTH_ERR);
	print_message("fleet throttle race: %d checked, %d refused as "
		"blocked\n", tally(rcs, PAM_USER_UNKNOWN),
		tally(rcs, PAM_AUTH_ERR));
	/* Exactly one block, started by the ip_deny-th failure. */
	assert_int_equal(throttled("127.0.21.5", "%"), 1);
	assert_int_equal(throttled("127.0.21.5", "failures=10 %"), 1);
	assert_int_equal(penv_sql("SELECT count(*) FROM ip_blocks WHERE "
		"ip = '127.0.21.5'", NULL), 1);
	assert_true(tally(rcs, PAM_USER_UNKNOWN) >= IP_DENY);
	for (int k = 1; k <= HOSTS; k++)
		blocked_on(k, "alice", "127.0.21.5");
	assert_int_equal(pw_on(4, "alice", PW1, "127.0.21.6", &c),
		PAM_SUCCESS);
	assert_int_equal(failures("alice"), 0);
	chain_sound();
}

/* ---- c. a code opens one login across the fleet ---- */

/* The time of the enrolment: codes are counted in steps from it. */
static int64_t g_t0;

/* Enrols user in TOTP with SECRET on the fleet's store. */
static void enrol(const char *user)
{
	char recovery[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN];

	g_t0 = penv_totp_enrol(user, SECRET, SECRET_LEN, recovery);
}

/* The code k steps after the enrolment's (which the enrolment used). */
static const char *code_at(int k, char buf[16])
{
	assert_int_equal(oath_totp_generate(SECRET, SECRET_LEN,
		(time_t)(g_t0 + 30 * k), 30, 0, 6, buf), OATH_OK);
	return buf;
}

static void totp_code_accepted_once_across_hosts(void **state)
{
	struct penv_conv c;
	char code[16], later[16];
	int rcs[NPROC];

	(void)state;
	penv_user("fleet1", "racer", INIT, PW1);
	enrol("racer");
	penv_crm_ok(NULL, "user", "set", "racer", "--mfa", "totp", NULL);
	race(rcs, "racer", "127.0.30.5", PW1, code_at(1, code));
	all_of(rcs, PAM_SUCCESS, PAM_AUTH_ERR);
	assert_int_equal(tally(rcs, PAM_SUCCESS), 1);
	assert_int_equal(audits("login.success", "racer", "%factor=totp%"), 1);
	assert_int_equal(audits("mfa.failure", "racer", "%code already used%"),
		NPROC - 1);
	assert_int_equal(reservations(), 0);
	/* Used on one host, refused on every other. */
	for (int k = 1; k <= HOSTS; k++) {
		penv_conv_init(&c, PW1, code, NULL);
		assert_int_equal(auth_on(k, "racer", "127.0.30.5", &c),
			PAM_AUTH_ERR);
	}
	/* The next step's code still works, once. */
	penv_conv_init(&c, PW1, code_at(2, later), NULL);
	assert_int_equal(auth_on(3, "racer", "127.0.30.5", &c), PAM_SUCCESS);
	penv_conv_init(&c, PW1, later, NULL);
	assert_int_equal(auth_on(1, "racer", "127.0.30.5", &c), PAM_AUTH_ERR);
	chain_sound();
}

/*
 * The e-mailed code. Every attempt mails a code of its own, the newest
 * replacing the one before, so the race is on the code that holds once
 * all are mailed: every child waits at its code prompt until all have
 * got there; then the parent finds, among the mailed codes, the one that
 * matches the store and every child types that one.
 */
struct email_race {
	struct penv_conv c;	/* first: the children's conversation */
	int at_prompt[2];	/* a child at its prompt writes a byte */
	int go[2];		/* then reads one: the code is ready */
	char code_file[PATH_MAX];
	unsigned char key[CRM_KEY_BYTES];
	int arrived;		/* parent: children at the prompt */
	int mailed;		/* parent: codes found in the mail */
	int matched;		/* parent: mailed codes the store holds */
};

/* The child's conversation: the code prompt waits for the parent. */
static int email_conv_fn(int n, const struct pam_message **msg,
	struct pam_response **resp, void *arg)
{
	struct email_race *e = arg;
	size_t next = e->c.nanswered;
	static char code[16];

	for (int i = 0; i < n; i++) {
		struct pollfd pfd = { e->go[0], POLLIN, 0 };
		char b = 'p';
		FILE *f;

		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF)
			continue;
		if (next++ != 1)
			continue;
		/* Not forever: a parent that failed never says go. */
		if (write(e->at_prompt[1], &b, 1) != 1
		    || poll(&pfd, 1, 60000) != 1 || read(e->go[0], &b, 1) != 1)
			return PAM_CONV_ERR;
		f = fopen(e->code_file, "r");
		code[0] = '\0';
		if (f != NULL) {
			if (fgets(code, sizeof code, f) == NULL)
				code[0] = '\0';
			fclose(f);
		}
		code[strcspn(code, "\n")] = '\0';
		e->c.answers[1] = code[0] != '\0' ? code : NULL;
	}
	return penv_conv_fn(n, msg, resp, &e->c);
}

/* The login codes in the captured mail, in the order they came. */
static int mailed_codes(char codes[][16], int max)
{
	char path[PATH_MAX + 8], line[1024];
	int n = 0, login = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s.out", g_sendmail);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL && n < max) {
		size_t len = strcspn(line, "\n");

		line[len] = '\0';
		if (strcmp(line, END_MARK) == 0)
			login = 0;
		else if (strncmp(line, "Subject: Login code for ", 24) == 0)
			login = 1;
		else if (login && len > 4 && len < 4 + 11
		    && strncmp(line, "    ", 4) == 0
		    && strspn(line + 4, "0123456789") == len - 4)
			snprintf(codes[n++], 16, "%.15s", line + 4);
	}
	fclose(f);
	return n;
}

/*
 * The parent while the children run: waits until all are at the prompt
 * (or 60 s), writes the code the store holds, and lets them all go.
 * Nothing here may fail the test: the children would be left waiting.
 */
static void email_during(void *arg)
{
	struct email_race *e = arg;
	char codes[NPROC + 1][16], hash[256] = "";
	struct pollfd pfd = { e->at_prompt[0], POLLIN, 0 };
	const char *right = NULL;
	char b;
	FILE *f;

	while (e->arrived < NPROC && poll(&pfd, 1, 60000) == 1
	    && read(e->at_prompt[0], &b, 1) == 1)
		e->arrived++;
	e->mailed = mailed_codes(codes, NPROC + 1);
	(void)penv_sql_text(hash, sizeof hash, "SELECT hash FROM otp_codes",
		NULL);
	for (int i = 0; i < e->mailed; i++) {
		if (hash[0] != '\0'
		    && crm_code_verify(e->key, hash, codes[i])) {
			e->matched++;
			right = codes[i];
		}
	}
	f = fopen(e->code_file, "w");
	if (f != NULL) {
		fprintf(f, "%s\n", right != NULL ? right : "");
		fclose(f);
	}
	for (int i = 0; i < NPROC; i++)
		if (write(e->go[1], "g", 1) != 1)
			break;
}

/* The key of the store, for matching mailed codes with stored hashes. */
static void load_key(unsigned char key[CRM_KEY_BYTES])
{
	struct crm_config cfg;
	struct crm_problems probs;
	struct crm_error err;

	crm_config_init(&cfg);
	crm_problems_init(&probs);
	assert_int_equal(crm_config_load(&cfg, penv_conf(), 1, &probs, &err),
		0);
	crm_problems_free(&probs);
	if (crm_key_load(&cfg, key, &err) != 0) {
		print_error("key: %s\n", err.msg);
		fail();
	}
	crm_config_free(&cfg);
}

static void email_code_accepted_once_across_hosts(void **state)
{
	struct email_race e;
	struct penv_conv c;
	int rcs[NPROC];

	(void)state;
	penv_user("fleet1", "alice", INIT, PW1);
	penv_crm_ok(NULL, "user", "set", "alice", "--email", "a@example.com",
		"--verified", "--mfa", "email", NULL);
	memset(&e, 0, sizeof e);
	penv_conv_init(&e.c, PW1, "(the code)", NULL);
	e.c.fn = email_conv_fn;
	assert_int_equal(pipe(e.at_prompt), 0);
	assert_int_equal(pipe(e.go), 0);
	dir_path(e.code_file, sizeof e.code_file, "current-code");
	load_key(e.key);
	penv_race_fleet(fleet, HOSTS, "alice", "127.0.31.5", &e.c,
		email_during, &e, rcs);
	close(e.at_prompt[0]);
	close(e.at_prompt[1]);
	close(e.go[0]);
	close(e.go[1]);
	/* Every attempt got its code and came to the prompt at once. */
	assert_int_equal(e.arrived, NPROC);
	assert_int_equal(e.mailed, NPROC);
	/* Only the newest is in the store. */
	assert_int_equal(e.matched, 1);
	all_of(rcs, PAM_SUCCESS, PAM_AUTH_ERR);
	assert_int_equal(tally(rcs, PAM_SUCCESS), 1);
	assert_int_equal(audits("login.success", "alice", "%factor=email%"), 1);
	assert_int_equal(audits("email.code", "alice", "%purpose=login%"),
		NPROC);
	/* Used: nothing is left to type on any host. */
	assert_int_equal(penv_sql("SELECT count(*) FROM otp_codes", NULL), 0);
	assert_int_equal(reservations(), 0);
	for (int k = 1; k <= HOSTS; k++) {
		char used[16];
		FILE *f = fopen(e.code_file, "r");

		assert_non_null(f);
		assert_non_null(fgets(used, sizeof used, f));
		fclose(f);
		used[strcspn(used, "\n")] = '\0';
		penv_conv_init(&c, PW1, used, NULL);
		assert_int_not_equal(auth_on(k, "alice", "127.0.31.5", &c),
			PAM_SUCCESS);
	}
	chain_sound();
}

/* ---- d. one audit chain ---- */

static void one_audit_chain_names_each_host(void **state)
{
	char out[4096], sql[256];
	int rcs[NPROC];
	int64_t id;

	(void)state;
	penv_user("fleet1", "racer", INIT, PW1);
	race(rcs, "racer", "127.0.40.5", WRONG, NULL);
	all_of(rcs, PAM_AUTH_ERR, PAM_AUTH_ERR);
	assert_int_equal(penv_crm_at(2, NULL, out, sizeof out, "user",
		"unlock", "racer", NULL), 0);
	race(rcs, "racer", "127.0.40.6", PW1, NULL);
	all_of(rcs, PAM_SUCCESS, PAM_SUCCESS);
	/* Linear, verifiable from any host, each row naming its host. */
	chain_sound();
	for (int k = 1; k <= HOSTS; k++) {
		char host[8];

		snprintf(host, sizeof host, "h%d", k);
		assert_true(penv_sql("SELECT count(*) FROM audit WHERE "
			"host = ?", host, NULL) >= 2 * NPROC / HOSTS);
	}
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE host NOT "
		"IN ('h1', 'h2', 'h3', 'h4')", NULL), 0);
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'login.success' AND subject = 'racer'", NULL), NPROC);
	/* The host is sealed in its row: another name breaks the chain,
	 * once the append-only trigger is out of the way as a tamperer
	 * would put it. */
	id = penv_sql("SELECT max(id) FROM audit WHERE host = 'h2'", NULL);
	assert_true(id > 0);
	penv_sql_exec(penv_fleet_pg() ? "DROP TRIGGER audit_no_update ON "
		"audit" : "DROP TRIGGER audit_no_update");
	snprintf(sql, sizeof sql, "UPDATE audit SET host = 'h3' WHERE id = "
		"%lld", (long long)id);
	penv_sql_exec(sql);
	assert_int_not_equal(penv_crm_at(3, NULL, out, sizeof out, "audit",
		"verify", NULL), 0);
	snprintf(sql, sizeof sql, "UPDATE audit SET host = 'h2' WHERE id = "
		"%lld", (long long)id);
	penv_sql_exec(sql);
	chain_sound();
	/* The command shows the host too. */
	assert_int_equal(penv_crm_at(1, NULL, out, sizeof out, "audit",
		"--json", NULL), 0);
	if (strstr(out, "\"host\":\"h4\"") == NULL
	    && strstr(out, "\"host\": \"h4\"") == NULL) {
		print_error("no host h4 in audit --json:\n%.2000s\n", out);
		fail();
	}
}

/* ---- e. known addresses, login history and the new-address alert ---- */

static size_t count_of(const char *text, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (const char *p = strstr(text, needle); p != NULL;
	     p = strstr(p + len, needle))
		n++;
	return n;
}

static char g_mail[65536];

static const char *mail_read(void)
{
	char path[PATH_MAX + 8];
	size_t got = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s.out", g_sendmail);
	f = fopen(path, "r");
	if (f != NULL) {
		got = fread(g_mail, 1, sizeof g_mail - 1, f);
		fclose(f);
	}
	g_mail[got] = '\0';
	return g_mail;
}

/* Waits up to 10 s for n alerts; alerts go to sendmail detached. */
static void alerts_wait(size_t n)
{
	struct timespec pause = { 0, 20 * 1000000L };

	for (int i = 0; i < 500; i++) {
		if (count_of(mail_read(), END_MARK) >= n)
			return;
		nanosleep(&pause, NULL);
	}
	print_error("expected %zu alert(s) within 10 s, got:\n%s\n", n, g_mail);
	fail();
}

static int64_t logins_on(const char *svc, const char *rhost)
{
	return penv_sql("SELECT coalesce(sum(count), 0) FROM logins WHERE "
		"\"user\" = 'alice' AND success = 1 AND service = ? AND "
		"rhost = ?", svc, rhost, NULL);
}

static void new_address_alert_once_across_hosts(void **state)
{
	struct timespec pause = { 0, 500 * 1000000L };
	struct penv_conv c;
	int rcs[NPROC];

	(void)state;
	penv_user("fleet1", "alice", INIT, PW1);
	penv_crm_ok(NULL, "user", "set", "alice", "--email",
		"alice@example.com", "--verified", NULL);
	race(rcs, "alice", "127.0.50.5", PW1, NULL);
	all_of(rcs, PAM_SUCCESS, PAM_SUCCESS);
	/* New once for the fleet: one known address, one event, one mail. */
	assert_int_equal(penv_sql("SELECT count(*) FROM known_ips", NULL), 1);
	assert_int_equal(penv_sql("SELECT count FROM known_ips WHERE ip = "
		"'127.0.50.5'", NULL), NPROC);
	assert_int_equal(audits("ip.new", "alice", "%"), 1);
	assert_int_equal(audits("login.success", "alice", "%new_ip=1%"), 1);
	assert_int_equal(audits("login.success", "alice", "%"), NPROC);
	/* The shared history: every login, under its host's service. */
	for (int k = 0; k < HOSTS; k++)
		assert_int_equal(logins_on(fleet[k], "127.0.50.5"),
			NPROC / HOSTS);
	assert_int_equal(penv_sql("SELECT count(*) FROM logins WHERE "
		"\"user\" = 'alice' AND new_ip = 1", NULL), 1);
	/* Known now on every host: no second event. */
	for (int k = 1; k <= HOSTS; k++)
		assert_int_equal(pw_on(k, "alice", PW1, "127.0.50.5", &c),
			PAM_SUCCESS);
	assert_int_equal(audits("ip.new", "alice", "%"), 1);
	/* One alert: a sentinel from another new address brings the
	 * second mail, and nothing else comes meanwhile. */
	alerts_wait(1);
	assert_int_equal(pw_on(2, "alice", PW1, "127.0.50.6", &c),
		PAM_SUCCESS);
	alerts_wait(2);
	nanosleep(&pause, NULL);
	mail_read();
	if (count_of(g_mail, END_MARK) != 2
	    || count_of(g_mail, "127.0.50.5") == 0
	    || count_of(g_mail, "127.0.50.6") == 0) {
		print_error("expected one alert per address, got:\n%s\n",
			g_mail);
		fail();
	}
	assert_int_equal(audits("ip.new", "alice", "%"), 2);
	chain_sound();
}

/* ---- the store unreachable ---- */

/*
 * Host 4 loses the database (its db line names a port nobody listens
 * on): every login there is refused as PAM_AUTHINFO_UNAVAIL, never let
 * through, with one log line naming the server; the other hosts go on.
 */
static void unreachable_store_refuses_with_one_log_line(void **state)
{
	char path[PATH_MAX], text[8192], *db;
	struct penv_conv c;
	const char *log;
	FILE *f;
	size_t n;

	(void)state;
	penv_user(fleet[0], "dora", "Init1al!Pw", "Corr3ct!Horse");
	dir_path(path, sizeof path, "conf-h4");
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	db = strstr(text, "\ndb = ");
	assert_non_null(db);
	{
		char *end = strchr(db + 1, '\n'), rest[8192];

		assert_non_null(end);
		snprintf(rest, sizeof rest, "%s", end);
		snprintf(db, sizeof(text) - (size_t)(db - text), "\ndb ="
			" host=127.0.0.1 port=1 dbname=crm user=crm%s", rest);
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	penv_capture_start();
	assert_int_equal(pw_on(4, "dora", "Corr3ct!Horse", "127.0.7.5", &c),
		PAM_AUTHINFO_UNAVAIL);
	log = penv_capture_end();
	assert_int_equal(count_of(log, "cannot connect"), 1);
	assert_non_null(strstr(log, "127.0.0.1"));
	/* A wrong password there is no different: refused, not counted. */
	assert_int_equal(pw_on(4, "dora", "Wr0ng!Guess", "127.0.7.5", &c),
		PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(failures("dora"), 0);
	/* The other hosts still reach the store. */
	assert_int_equal(pw_on(2, "dora", "Corr3ct!Horse", "127.0.7.5", &c),
		PAM_SUCCESS);
}

/* ---- main ---- */

/* Each race against one account: no IP throttling in the way. */
static const char *lock_conf = "ip_deny = 0\ndeny = 3\n";
static const char *throttle_conf = "ip_deny = 10\nip_interval = 900\n"
	"ip_block_time = 3600\ndeny = 3\n";
/* deny = 0: no attempt waits for a place, all check the code at once. */
static const char *totp_conf = "ip_deny = 0\ndeny = 0\ntotp_window = 3\n"
	"notify_new_ip = no\n";
static const char *alert_conf = "ip_deny = 0\ndeny = 3\n";

#define T(f, conf) cmocka_unit_test_prestate_setup_teardown(f, fleet_setup, \
	NULL, (void *)(conf))

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(lockout_after_deny_wrong_passwords_in_total, lock_conf),
		T(address_blocked_after_ip_deny_failures_in_total,
			throttle_conf),
		T(totp_code_accepted_once_across_hosts, totp_conf),
		T(email_code_accepted_once_across_hosts, totp_conf),
		T(one_audit_chain_names_each_host, lock_conf),
		T(new_address_alert_once_across_hosts, alert_conf),
		T(unreachable_store_refuses_with_one_log_line, lock_conf),
	};
	const char *sqlite = getenv("CRM_FLEET_SQLITE");

	(void)argc;
	if (getenv("CRM_TEST_PG") == NULL || *getenv("CRM_TEST_PG") == '\0') {
		if (sqlite == NULL || strcmp(sqlite, "1") != 0) {
			fprintf(stderr, "fleet: CRM_TEST_PG not set, nothing "
				"run\n");
			return 0;
		}
	}
	unsetenv("PAM_AUTHTOK");
	penv_fleet(HOSTS);
	penv_boot(argv, services, sizeof services / sizeof services[0]);
	return penv_finish(cmocka_run_group_tests_name("pam_fleet", tests,
		NULL, NULL));
}
