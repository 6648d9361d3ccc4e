/*
 * The second factor through the real libpam: TOTP codes, recovery codes
 * and e-mailed codes after a right password, standalone and stacked, with
 * mfa_append, a missing or wrong key file, mfa_nullok, and the same code
 * typed in many processes at once. Codes come from liboath with a secret
 * the test enrols itself through the core library.
 */
#include "pamenv.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>

#include "crmpolicy/config.h"
#include "crmpolicy/context.h"
#include "crmpolicy/mfa.h"

#define INIT "Init1al!Pw"
#define PW1 "Corr3ct!Horse"
#define WRONG "Wr0ng!Guess"
#define NSS_USER "daemon"	/* in /etc/passwd on every Debian system */
#define SET_ITEMS "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so"
#define GET_ITEMS "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_get_items.so"
#define CODE_PROMPT "Verification code: "
#define MAIL_PROMPT "A code was sent to a\xe2\x80\xa6@example.com. Code: "
/* 20 printable bytes, so that the store can be searched for them. */
#define SECRET "crm-test-secret-0042"
#define SECRET_LEN 20

#define STANDALONE(args) \
	"auth     required @MOD@ conf=@CONF@" args "\n" \
	"account  required @MOD@ conf=@CONF@" args "\n" \
	"password required @MOD@ conf=@CONF@" args "\n" \
	"session  required @MOD@ conf=@CONF@" args "\n"
#define STACK_HEAD "auth requisite @MOD@ conf=@CONF@ preauth\n"
#define STACK_TAIL \
	"auth [default=die] @MOD@ conf=@CONF@ authfail\n" \
	"auth required @MOD@ conf=@CONF@ authsucc\n" \
	"account required @MOD@ conf=@CONF@\n"
#define PERMIT "auth [success=1 default=ignore] pam_permit.so\n"

static const struct penv_svc services[] = {
	{ "standalone", STANDALONE("") },
	{ "append", STANDALONE(" mfa_append=yes") },
	/* pam_unix said yes without asking (as after a key-based login). */
	{ "stacked-permit", STACK_HEAD PERMIT STACK_TAIL },
	/* pam_unix was given the password in $PAM_AUTHTOK and said yes. */
	{ "stacked-items", STACK_HEAD "auth optional " SET_ITEMS "\n" PERMIT
	  STACK_TAIL },
	/* One question for password and code; pam_get_items shows what the
	 * password module in pam_unix's place finds in PAM_AUTHTOK. */
	{ "stacked-append",
	  "auth requisite @MOD@ conf=@CONF@ preauth mfa_append=yes\n"
	  "auth optional " GET_ITEMS "\n" PERMIT
	  "auth [default=die] @MOD@ conf=@CONF@ authfail mfa_append=yes\n"
	  "auth required @MOD@ conf=@CONF@ authsucc mfa_append=yes\n"
	  "account required @MOD@ conf=@CONF@ mfa_append=yes\n" },
};

/* Codes computed here stay valid across a step boundary. */
/*
 * daemon (uid 1), the stacked tests' system account, is governed; its
 * password in /etc/shadow is as old as the system and may stay so.
 */
static const char *totp_conf = "ip_deny = 0\ntotp_window = 3\n"
	"govern_uids = 1\nmax_age_days = 0\n";
/* deny = 0: no attempt waits for a place, all check the code at once. */
static const char *race_conf = "ip_deny = 0\ntotp_window = 3\ndeny = 0\n";
static const char *nullok_conf = "ip_deny = 0\nmfa_nullok = yes\n";

/* ---- TOTP enrolment with a known secret ---- */

/* The enrolment of the current test: its time and recovery codes. */
static struct {
	int64_t t0;
	char recovery[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN];
} g_totp;

/*
 * Enrols user in TOTP with SECRET through the core library, with the
 * code of the current step (which is then used up).
 */
static void enrol(const char *user)
{
	g_totp.t0 = penv_totp_enrol(user, SECRET, SECRET_LEN,
		g_totp.recovery);
}

/* The code of the k-th step after the enrolment's (k = 0: its own). */
static const char *code_at(int k, char buf[16])
{
	assert_int_equal(oath_totp_generate(SECRET, SECRET_LEN,
		(time_t)(g_totp.t0 + 30 * k), 30, 0, 6, buf), OATH_OK);
	return buf;
}

/* Six digits that are no step's code near the enrolment. */
static const char *wrong_code(char buf[16])
{
	char near[24][16];
	int clash;

	for (int k = 0; k < 24; k++)
		code_at(k - 8, near[k]);
	for (unsigned v = 0; ; v += 137) {
		snprintf(buf, 16, "%06u", v % 1000000);
		clash = 0;
		for (int k = 0; k < 24; k++)
			clash |= strcmp(buf, near[k]) == 0;
		if (!clash)
			return buf;
	}
}

/* A standalone user with PW1. */
static void user(const char *name)
{
	penv_user("standalone", name, INIT, PW1);
}

/* A standalone user with PW1, enrolled in TOTP, with mfa = totp. */
static void totp_user(const char *name)
{
	user(name);
	enrol(name);
	penv_crm_ok(NULL, "user", "set", name, "--mfa", "totp", NULL);
}

/* The NSS user's row (made by a first stacked login), TOTP, mfa = totp. */
static void stacked_totp_user(void)
{
	PENV_EXPECT("stacked-permit", NSS_USER, NULL, NULL,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS));
	enrol(NSS_USER);
	penv_crm_ok(NULL, "user", "set", NSS_USER, "--mfa", "totp", NULL);
}

/* ---- store probes ---- */

static int64_t failures(const char *name)
{
	return penv_sql("SELECT failures FROM accounts WHERE name = ?", name,
		NULL);
}

/* Audit events of name whose details contain like (a LIKE pattern). */
static int64_t audits(const char *event, const char *name, const char *like)
{
	return penv_sql("SELECT count(*) FROM audit WHERE event = ? AND "
		"subject = ? AND details LIKE ?", event, name, like, NULL);
}

/* Rows of the login history of name with this type and result. */
static int64_t logins(const char *name, const char *type, const char *success)
{
	return penv_sql("SELECT count(*) FROM logins WHERE \"user\" = ? AND "
		"type = ? AND success = ?", name, type, success, NULL);
}

static int64_t reservations(void)
{
	return penv_sql("SELECT count(*) FROM reservations", NULL);
}

/* The prompts of c must be exactly want (NULL-terminated). */
static void prompts_are(const struct penv_conv *c, const char *const want[])
{
	size_t n = 0;

	while (want[n] != NULL)
		n++;
	if (c->nprompts != n) {
		print_error("%zu prompts, expected %zu:\n%s", c->nprompts, n,
			penv_conv_dump(c));
		fail();
	}
	for (size_t i = 0; i < n; i++)
		assert_string_equal(c->prompts[i], want[i]);
}

#define PROMPTS(c, ...) do { \
	const char *const want_[] = { __VA_ARGS__, NULL }; \
	prompts_are(c, want_); \
} while (0)

/* One authentication through svc answering the echo-off prompts. */
static int auth(const char *svc, const char *name, const char *rhost,
	struct penv_conv *c)
{
	return penv_op(svc, name, rhost, c, PAMTEST_AUTHENTICATE, 0);
}

/* ---- standalone TOTP ---- */

static void totp_right_code_logs_in(void **state)
{
	struct penv_conv c;
	char code[16];

	(void)state;
	totp_user("alice");
	penv_conv_init(&c, PW1, code_at(1, code), NULL);
	PENV_EXPECT("standalone", "alice", "127.0.1.5", &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS));
	PROMPTS(&c, "Password: ", CODE_PROMPT);
	assert_int_equal(audits("login.success", "alice", "%factor=totp%"), 1);
	assert_int_equal(logins("alice", "password+totp", "1"), 1);
	assert_int_equal(failures("alice"), 0);
	assert_int_equal(reservations(), 0);
}

static void totp_wrong_code_is_refused_and_counted(void **state)
{
	struct penv_conv c;
	char code[16];

	(void)state;
	totp_user("alice");
	penv_conv_init(&c, PW1, wrong_code(code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.2.5", &c),
		PAM_AUTH_ERR);
	PROMPTS(&c, "Password: ", CODE_PROMPT);
	assert_int_equal(failures("alice"), 1);
	assert_int_equal(audits("mfa.failure", "alice", "%factor=totp%"), 1);
	assert_int_equal(audits("login.failure", "alice", "%wrong code%"), 1);
	assert_int_equal(audits("login.success", "alice", "%"), 0);
	assert_int_equal(logins("alice", "password+totp", "0"), 1);
	assert_int_equal(reservations(), 0);
	/* The right code then clears the count. */
	penv_conv_init(&c, PW1, code_at(1, code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.2.5", &c),
		PAM_SUCCESS);
	assert_int_equal(failures("alice"), 0);
}

static void totp_wrong_password_asks_no_code(void **state)
{
	struct penv_conv c;
	char code[16];

	(void)state;
	totp_user("alice");
	penv_conv_init(&c, WRONG, code_at(1, code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.3.5", &c),
		PAM_AUTH_ERR);
	PROMPTS(&c, "Password: ");
	assert_int_equal(failures("alice"), 1);
	assert_int_equal(audits("mfa.failure", "alice", "%"), 0);
}

static void unanswered_code_prompt_counts_nothing(void **state)
{
	struct penv_conv c;
	char code[16];
	int rc;

	(void)state;
	totp_user("alice");
	for (int i = 0; i < 4; i++) {
		/* Only the password: the client hangs up at the code prompt. */
		penv_conv_init(&c, PW1, NULL);
		rc = auth("standalone", "alice", "127.0.4.5", &c);
		if (rc != PAM_AUTH_ERR && rc != PAM_CONV_ERR) {
			print_error("got %s\n", pam_strerror(NULL, rc));
			fail();
		}
		PROMPTS(&c, "Password: ", CODE_PROMPT);
	}
	assert_int_equal(failures("alice"), 0);
	assert_int_equal(penv_sql("SELECT locked_at FROM accounts WHERE "
		"name = 'alice'", NULL), 0);
	assert_int_equal(audits("mfa.failure", "alice", "%"), 0);
	assert_int_equal(audits("login.failure", "alice", "%no code supplied%"),
		4);
	assert_int_equal(audits("login.success", "alice", "%"), 0);
	assert_int_equal(reservations(), 0);
	penv_conv_init(&c, PW1, code_at(1, code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.4.5", &c),
		PAM_SUCCESS);
}

static void password_again_at_code_prompt_counts_nothing(void **state)
{
	struct penv_conv c;
	char code[16];

	(void)state;
	totp_user("alice");
	/* sshd with plain PasswordAuthentication answers every hidden
	 * prompt with the password: four times, more than deny. */
	for (int i = 0; i < 4; i++) {
		penv_conv_init(&c, PW1, PW1, NULL);
		assert_int_equal(auth("standalone", "alice", "127.0.5.5", &c),
			PAM_AUTH_ERR);
		PROMPTS(&c, "Password: ", CODE_PROMPT);
	}
	assert_int_equal(failures("alice"), 0);
	assert_int_equal(penv_sql("SELECT locked_at FROM accounts WHERE "
		"name = 'alice'", NULL), 0);
	assert_int_equal(audits("mfa.failure", "alice", "%"), 0);
	assert_int_equal(audits("login.failure", "alice",
		"%repeated the password%"), 4);
	assert_int_equal(reservations(), 0);
	penv_conv_init(&c, PW1, code_at(1, code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.5.5", &c),
		PAM_SUCCESS);
}

static void totp_code_is_accepted_once(void **state)
{
	struct penv_conv c;
	char code[16];

	(void)state;
	totp_user("alice");
	/* The enrolment used its own step. */
	penv_conv_init(&c, PW1, code_at(0, code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.6.5", &c),
		PAM_AUTH_ERR);
	assert_int_equal(audits("mfa.failure", "alice", "%code already used%"),
		1);
	penv_conv_init(&c, PW1, code_at(1, code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.6.5", &c),
		PAM_SUCCESS);
	penv_conv_init(&c, PW1, code_at(1, code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.6.5", &c),
		PAM_AUTH_ERR);
	assert_int_equal(audits("mfa.failure", "alice", "%code already used%"),
		2);
	assert_int_equal(failures("alice"), 1);
	/* A later step still works. */
	penv_conv_init(&c, PW1, code_at(2, code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.6.5", &c),
		PAM_SUCCESS);
}

static void recovery_code_logs_in_once(void **state)
{
	struct penv_conv c;
	char typed[CRM_RECOVERY_LEN];
	size_t n = 0;

	(void)state;
	totp_user("alice");
	assert_int_equal(penv_sql("SELECT count(*) FROM recovery_codes", NULL),
		CRM_RECOVERY_COUNT);
	penv_conv_init(&c, PW1, g_totp.recovery[0], NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.7.5", &c),
		PAM_SUCCESS);
	PROMPTS(&c, "Password: ", CODE_PROMPT);
	if (!penv_conv_has(&c, "Recovery code used: 9 left.")) {
		print_error("no notice:\n%s", penv_conv_dump(&c));
		fail();
	}
	assert_int_equal(audits("login.success", "alice", "%factor=recovery%"),
		1);
	assert_int_equal(penv_sql("SELECT count(*) FROM recovery_codes", NULL),
		CRM_RECOVERY_COUNT - 1);

	/* Used up: refused and counted like any wrong code. */
	penv_conv_init(&c, PW1, g_totp.recovery[0], NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.7.5", &c),
		PAM_AUTH_ERR);
	assert_int_equal(failures("alice"), 1);
	assert_int_equal(audits("mfa.failure", "alice", "%factor=recovery%"), 1);

	/* Another one, typed in capitals without the dashes, works. */
	for (const char *p = g_totp.recovery[1]; *p != '\0'; p++)
		if (*p != '-')
			typed[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	typed[n] = '\0';
	penv_conv_init(&c, PW1, typed, NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.7.5", &c),
		PAM_SUCCESS);
	assert_int_equal(penv_sql("SELECT count(*) FROM recovery_codes", NULL),
		CRM_RECOVERY_COUNT - 2);
}

/* ---- stacked ---- */

static void stacked_right_code_logs_in(void **state)
{
	struct penv_conv c;
	char code[16];

	(void)state;
	stacked_totp_user();
	penv_conv_init(&c, code_at(1, code), NULL);
	PENV_EXPECT("stacked-permit", NSS_USER, "127.0.8.5", &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS));
	/* authsucc asks; pam_permit asked no password. */
	PROMPTS(&c, CODE_PROMPT);
	assert_int_equal(audits("login.success", NSS_USER, "%factor=totp%"), 1);
	assert_int_equal(logins(NSS_USER, "stacked+totp", "1"), 1);
	assert_int_equal(reservations(), 0);
}

static void stacked_wrong_code_is_counted(void **state)
{
	struct penv_conv c;
	char code[16];

	(void)state;
	stacked_totp_user();
	penv_conv_init(&c, wrong_code(code), NULL);
	assert_int_equal(auth("stacked-permit", NSS_USER, "127.0.9.5", &c),
		PAM_AUTH_ERR);
	PROMPTS(&c, CODE_PROMPT);
	assert_int_equal(failures(NSS_USER), 1);
	assert_int_equal(audits("mfa.failure", NSS_USER, "%factor=totp%"), 1);
	assert_int_equal(audits("login.success", NSS_USER, "%factor=totp%"), 0);
	assert_int_equal(reservations(), 0);
	/* No answer: refused, not counted. */
	penv_conv_init(&c, NULL);
	assert_int_not_equal(auth("stacked-permit", NSS_USER, "127.0.9.5", &c),
		PAM_SUCCESS);
	assert_int_equal(failures(NSS_USER), 1);
}

static void stacked_password_again_at_code_prompt_counts_nothing(void **state)
{
	struct penv_conv c;
	char code[16];

	(void)state;
	stacked_totp_user();
	setenv("PAM_AUTHTOK", PW1, 1);
	for (int i = 0; i < 4; i++) {
		penv_conv_init(&c, PW1, NULL);
		assert_int_equal(auth("stacked-items", NSS_USER, "127.0.10.5",
			&c), PAM_AUTH_ERR);
		PROMPTS(&c, CODE_PROMPT);
	}
	penv_conv_init(&c, code_at(1, code), NULL);
	assert_int_equal(auth("stacked-items", NSS_USER, "127.0.10.5", &c),
		PAM_SUCCESS);
	unsetenv("PAM_AUTHTOK");
	assert_int_equal(audits("mfa.failure", NSS_USER, "%"), 0);
	assert_int_equal(audits("login.failure", NSS_USER,
		"%repeated the password%"), 4);
	assert_int_equal(failures(NSS_USER), 0);
}

/* ---- mfa_append ---- */

static void append_takes_password_and_code_in_one_answer(void **state)
{
	struct penv_conv c;
	char code[16], answer[64];

	(void)state;
	totp_user("alice");
	snprintf(answer, sizeof answer, "%s%s", PW1, code_at(1, code));
	penv_conv_init(&c, answer, NULL);
	PENV_EXPECT("append", "alice", "127.0.11.5", &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS));
	PROMPTS(&c, "Password: ");
	assert_int_equal(audits("login.success", "alice", "%factor=totp%"), 1);
	assert_int_equal(logins("alice", "password+totp", "1"), 1);
	assert_int_equal(reservations(), 0);
}

static void append_wrong_code_in_one_answer_is_counted(void **state)
{
	struct penv_conv c;
	char code[16], answer[64];

	(void)state;
	totp_user("alice");
	snprintf(answer, sizeof answer, "%s%s", PW1, wrong_code(code));
	/* A right code follows, but the module must not ask again. */
	penv_conv_init(&c, answer, code_at(1, code), NULL);
	assert_int_equal(auth("append", "alice", "127.0.12.5", &c),
		PAM_AUTH_ERR);
	PROMPTS(&c, "Password: ");
	assert_int_equal(failures("alice"), 1);
	assert_int_equal(audits("mfa.failure", "alice", "%factor=totp%"), 1);
	/* A wrong password with a right code is one wrong password. */
	snprintf(answer, sizeof answer, "%s%s", WRONG, code_at(1, code));
	penv_conv_init(&c, answer, NULL);
	assert_int_equal(auth("append", "alice", "127.0.12.5", &c),
		PAM_AUTH_ERR);
	assert_int_equal(failures("alice"), 2);
	assert_int_equal(audits("login.failure", "alice", "%wrong password%"),
		1);
}

static void append_answer_without_code_gets_the_code_prompt(void **state)
{
	struct penv_conv c;
	char code[16];

	(void)state;
	totp_user("alice");
	penv_conv_init(&c, PW1, code_at(1, code), NULL);
	assert_int_equal(auth("append", "alice", "127.0.13.5", &c),
		PAM_SUCCESS);
	PROMPTS(&c, "Password: ", CODE_PROMPT);
	assert_int_equal(audits("login.success", "alice", "%factor=totp%"), 1);
}

/*
 * One stacked-append authentication answering answers; *authtok gets
 * what pam_get_items found in PAM_AUTHTOK after preauth ("" if unset).
 */
static int stacked_append(struct penv_conv *c, const char *rhost,
	char *authtok, size_t len)
{
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
	};
	enum pamtest_err rc;

	authtok[0] = '\0';
	rc = penv_run("stacked-append", NSS_USER, rhost, c, tc, 2);
	if (rc != PAMTEST_ERR_OK && rc != PAMTEST_ERR_CASE) {
		print_error("libpamtest: %s\n", pamtest_strerror(rc));
		fail();
	}
	if (rc == PAMTEST_ERR_OK) {
		char **env = tc[1].case_out.envlist;
		for (size_t i = 0; env != NULL && env[i] != NULL; i++)
			if (strncmp(env[i], "PAM_AUTHTOK=", 12) == 0)
				snprintf(authtok, len, "%s", env[i] + 12);
		pamtest_free_env(env);
	}
	return tc[0].op_rv;
}

static void stacked_append_gives_the_password_module_the_password(void **state)
{
	struct penv_conv c;
	char code[16], answer[64], authtok[128];

	(void)state;
	stacked_totp_user();
	snprintf(answer, sizeof answer, "%s%s", PW1, code_at(1, code));
	penv_conv_init(&c, answer, NULL);
	assert_int_equal(stacked_append(&c, "127.0.14.5", authtok,
		sizeof authtok), PAM_SUCCESS);
	/* preauth asked the one question; authsucc took the code from it. */
	PROMPTS(&c, "Password: ");
	assert_string_equal(authtok, PW1);
	assert_int_equal(audits("login.success", NSS_USER, "%factor=totp%"), 1);
	assert_int_equal(reservations(), 0);
}

static void stacked_append_without_code_asks_in_authsucc(void **state)
{
	struct penv_conv c;
	char code[16], answer[64], authtok[128];

	(void)state;
	stacked_totp_user();
	penv_conv_init(&c, PW1, code_at(1, code), NULL);
	assert_int_equal(stacked_append(&c, "127.0.15.5", authtok,
		sizeof authtok), PAM_SUCCESS);
	PROMPTS(&c, "Password: ", CODE_PROMPT);
	assert_string_equal(authtok, PW1);
	/* A wrong appended code: refused, counted, not asked again. */
	snprintf(answer, sizeof answer, "%s%s", PW1, wrong_code(code));
	penv_conv_init(&c, answer, code_at(2, code), NULL);
	assert_int_equal(stacked_append(&c, "127.0.15.5", authtok,
		sizeof authtok), PAM_AUTH_ERR);
	PROMPTS(&c, "Password: ");
	assert_int_equal(failures(NSS_USER), 1);
	assert_int_equal(audits("mfa.failure", NSS_USER, "%factor=totp%"), 1);
}

/* ---- e-mailed codes ---- */

/*
 * The e-mail conversation: an answer MAIL_CODE (the pointer) is replaced,
 * when its prompt comes, by the code of the newest login-code mail that
 * fake-sendmail captured, MAIL_WRONG by that code with its last digit
 * changed. No such mail at that moment: the conversation ends and
 * `missing` counts it.
 */
static const char MAIL_CODE[] = "(the code from the mail)";
static const char MAIL_WRONG[] = "(a wrong code)";

struct mail_conv {
	struct penv_conv c;	/* first: penv_run passes its address */
	char code[16];
	char wrong[16];
	char to[128];		/* the To: of that mail */
	int nmails;		/* login-code mails captured */
	int missing;
	/* > 0: at the first code prompt, write a byte to this fd and wait
	 * (30 s at most) for one on wait_fd before reading the mail. */
	int pause_fd, wait_fd;
};

static void mail_path(char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s/fake-sendmail%s", penv_dir(), suffix);
}

/* Forgets the mails captured so far. */
static void mail_clear(void)
{
	char path[PATH_MAX];

	mail_path(path, sizeof path, ".out");
	if (unlink(path) != 0)
		assert_int_equal(errno, ENOENT);
}

/*
 * Reads the captured mails: the number of login-code messages, and the
 * code (the line of digits indented by four spaces) and To: of the last.
 */
static void mail_read(struct mail_conv *m)
{
	char path[PATH_MAX], line[1024], code[16] = "", to[128] = "";
	int login = 0;
	FILE *f;

	m->nmails = 0;
	m->code[0] = m->to[0] = '\0';
	mail_path(path, sizeof path, ".out");
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		size_t n = strcspn(line, "\n");

		line[n] = '\0';
		if (strcmp(line, "=====END=====") == 0) {
			if (login && code[0] != '\0') {
				m->nmails++;
				snprintf(m->code, sizeof m->code, "%s", code);
				snprintf(m->to, sizeof m->to, "%s", to);
			}
			login = 0;
			code[0] = to[0] = '\0';
		} else if (strncmp(line, "Subject: Login code for ", 24) == 0) {
			login = 1;
		} else if (strncmp(line, "To: ", 4) == 0) {
			snprintf(to, sizeof to, "%.127s", line + 4);
		} else if (n > 4 && n < 4 + 11 && strncmp(line, "    ", 4) == 0
		    && strspn(line + 4, "0123456789") == n - 4) {
			snprintf(code, sizeof code, "%.15s", line + 4);
		}
	}
	fclose(f);
}

static int mail_conv_fn(int n, const struct pam_message **msg,
	struct pam_response **resp, void *arg)
{
	struct mail_conv *m = arg;
	size_t next = m->c.nanswered;

	for (int i = 0; i < n; i++) {
		const char *a;

		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF)
			continue;
		a = next < PENV_MSGS ? m->c.answers[next] : NULL;
		if (a == MAIL_CODE || a == MAIL_WRONG) {
			if (m->pause_fd > 0) {
				/* Not forever: a parent that failed never says go. */
				struct pollfd pfd = { m->wait_fd, POLLIN, 0 };
				char b = 'p';
				if (write(m->pause_fd, &b, 1) != 1 ||
				    poll(&pfd, 1, 30000) != 1 ||
				    read(m->wait_fd, &b, 1) != 1)
					return PAM_CONV_ERR;
				m->pause_fd = 0;
			}
			mail_read(m);
			snprintf(m->wrong, sizeof m->wrong, "%s", m->code);
			if (m->wrong[0] != '\0') {
				char *last = m->wrong + strlen(m->wrong) - 1;
				*last = (char)('0' + (*last - '0' + 1) % 10);
			}
			if (m->code[0] == '\0')
				m->missing++;
			m->c.answers[next] = m->code[0] == '\0' ? NULL :
				a == MAIL_CODE ? m->code : m->wrong;
		}
		next++;
	}
	return penv_conv_fn(n, msg, resp, &m->c);
}

static void mail_conv_init(struct mail_conv *m, const char *a0,
	const char *a1, const char *a2, const char *a3, const char *a4)
{
	memset(m, 0, sizeof *m);
	penv_conv_init(&m->c, a0, a1, a2, a3, a4, NULL);
	m->c.fn = mail_conv_fn;
	mail_clear();
}

/* The conf of the e-mail tests: fake-sendmail in the test's dir. */
static void email_reset(const char *more)
{
	char dst[PATH_MAX], extra[PATH_MAX + 512];
	FILE *in, *out;
	int ch;

	in = fopen("tests/data/fake-sendmail", "r");
	if (in == NULL) {
		print_error("tests/data/fake-sendmail: run from the source "
			"tree\n");
		fail();
	}
	mail_path(dst, sizeof dst, "");
	out = fopen(dst, "w");
	assert_non_null(out);
	while ((ch = getc(in)) != EOF)
		putc(ch, out);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(chmod(dst, 0755), 0);
	snprintf(extra, sizeof extra, "ip_deny = 0\ntotp_window = 3\n"
		"notify_new_ip = no\nsendmail = %s\n%s", dst, more);
	penv_reset(extra);
	mail_clear();
}

static int email_setup(void **state)
{
	email_reset(*state != NULL ? *state : "");
	return 0;
}

/* alice with PW1, a verified address and mfa = email. */
static void email_user(void)
{
	user("alice");
	penv_crm_ok(NULL, "user", "set", "alice", "--email", "a@example.com",
		"--verified", "--mfa", "email", NULL);
}

static void email_code_logs_in(void **state)
{
	struct mail_conv m;

	(void)state;
	email_user();
	mail_conv_init(&m, PW1, MAIL_CODE, NULL, NULL, NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.16.5", &m.c),
		PAM_SUCCESS);
	/* The mail was there when the prompt came. */
	assert_int_equal(m.missing, 0);
	PROMPTS(&m.c, "Password: ", MAIL_PROMPT);
	mail_read(&m);
	assert_int_equal(m.nmails, 1);
	assert_string_equal(m.to, "a@example.com");
	assert_int_equal(strlen(m.code), 6);
	assert_int_equal(audits("login.success", "alice", "%factor=email%"), 1);
	assert_int_equal(logins("alice", "password+email", "1"), 1);
	assert_int_equal(audits("email.code", "alice", "%purpose=login%"), 1);
	/* Used: nothing is left pending. */
	assert_int_equal(penv_sql("SELECT count(*) FROM otp_codes", NULL), 0);
	assert_int_equal(reservations(), 0);
}

static void email_wrong_then_right_code_logs_in(void **state)
{
	struct mail_conv m;

	(void)state;
	email_user();
	mail_conv_init(&m, PW1, MAIL_WRONG, MAIL_WRONG, MAIL_CODE, NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.17.5", &m.c),
		PAM_SUCCESS);
	assert_int_equal(m.missing, 0);
	PROMPTS(&m.c, "Password: ", MAIL_PROMPT, MAIL_PROMPT, MAIL_PROMPT);
	assert_true(penv_conv_has(&m.c, "Wrong code."));
	/* One mail for the whole attempt. */
	mail_read(&m);
	assert_int_equal(m.nmails, 1);
	assert_int_equal(audits("mfa.failure", "alice", "%factor=email%"), 2);
	assert_int_equal(audits("login.success", "alice", "%factor=email%"), 1);
	assert_int_equal(failures("alice"), 0);
	assert_int_equal(reservations(), 0);
}

static void email_three_wrong_codes_fail(void **state)
{
	struct mail_conv m;

	(void)state;
	email_user();
	/* deny = 5 (setup): the try limit ends it, not the lockout. */
	mail_conv_init(&m, PW1, MAIL_WRONG, MAIL_WRONG, MAIL_WRONG, MAIL_CODE);
	assert_int_equal(auth("standalone", "alice", "127.0.18.5", &m.c),
		PAM_AUTH_ERR);
	assert_int_equal(m.missing, 0);
	PROMPTS(&m.c, "Password: ", MAIL_PROMPT, MAIL_PROMPT, MAIL_PROMPT);
	assert_int_equal(failures("alice"), 3);
	assert_int_equal(penv_sql("SELECT locked_at FROM accounts WHERE "
		"name = 'alice'", NULL), 0);
	assert_int_equal(audits("mfa.failure", "alice", "%factor=email%"), 3);
	assert_int_equal(audits("login.success", "alice", "%"), 0);
	assert_int_equal(reservations(), 0);
	/* The next attempt gets a new code, which works. */
	mail_conv_init(&m, PW1, MAIL_CODE, NULL, NULL, NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.18.5", &m.c),
		PAM_SUCCESS);
	assert_int_equal(m.missing, 0);
	assert_int_equal(failures("alice"), 0);
}

/*
 * The try limit belongs to the code, not to one conversation: another
 * conversation that uses up the tries of the current code leaves nothing
 * for the first one, even the right code.
 */
static void email_tries_are_shared_by_conversations(void **state)
{
	int at_prompt[2], go[2], result[2], status, rc = -1;
	struct mail_conv m;
	pid_t pid;
	char b;

	(void)state;
	email_user();
	assert_int_equal(pipe(at_prompt), 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(result), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* No cmocka asserts here: the result goes through a pipe. */
		mail_conv_init(&m, PW1, MAIL_CODE, NULL, NULL, NULL);
		m.pause_fd = at_prompt[1];
		m.wait_fd = go[0];
		rc = auth("standalone", "alice", "127.0.27.5", &m.c);
		if (write(result[1], &rc, sizeof rc) != (ssize_t)sizeof rc)
			exit(1);
		exit(0);
	}
	close(at_prompt[1]);
	close(go[0]);
	close(result[1]);
	/* The child's code is mailed and it waits at the prompt. */
	assert_int_equal(read(at_prompt[0], &b, 1), 1);
	/* Another login replaces that code and types it wrong 3 times. */
	mail_conv_init(&m, PW1, MAIL_WRONG, MAIL_WRONG, MAIL_WRONG, NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.27.6", &m.c),
		PAM_AUTH_ERR);
	assert_int_equal(m.missing, 0);
	/* Now the child types the right code, the current one's. */
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(read(result[0], &rc, sizeof rc), (ssize_t)sizeof rc);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(at_prompt[0]);
	close(go[1]);
	close(result[0]);
	assert_int_equal(rc, PAM_AUTH_ERR);
	assert_int_equal(audits("mfa.failure", "alice", "%tries used up%"), 1);
	assert_int_equal(audits("login.success", "alice", "%"), 0);
}

static void email_unverified_address_is_refused(void **state)
{
	struct mail_conv m;
	const char *log, *old;
	char level[16];
	int rc;

	(void)state;
	user("alice");
	penv_crm_ok(NULL, "user", "set", "alice", "--email", "a@example.com",
		"--mfa", "email", NULL);
	mail_conv_init(&m, PW1, MAIL_CODE, NULL, NULL, NULL);
	/* pam_wrapper shows syslog NOTICE lines from debug level 2 on. */
	old = getenv("PAM_WRAPPER_DEBUGLEVEL");
	snprintf(level, sizeof level, "%s", old != NULL ? old : "");
	setenv("PAM_WRAPPER_DEBUGLEVEL", "2", 1);
	penv_capture_start();
	rc = auth("standalone", "alice", "127.0.19.5", &m.c);
	log = penv_capture_end();
	if (old != NULL)
		setenv("PAM_WRAPPER_DEBUGLEVEL", level, 1);
	else
		unsetenv("PAM_WRAPPER_DEBUGLEVEL");
	assert_int_equal(rc, PAM_AUTH_ERR);
	PROMPTS(&m.c, "Password: ");
	mail_read(&m);
	assert_int_equal(m.nmails, 0);
	if (strstr(log, "no verified e-mail address") == NULL) {
		print_error("no syslog line gives the reason:\n%s\n", log);
		fail();
	}
	assert_int_equal(audits("login.failure", "alice",
		"%no verified e-mail address%"), 1);
	assert_int_equal(failures("alice"), 0);
	assert_int_equal(reservations(), 0);
}

static void mfa_any_asks_totp_where_enrolled_else_email(void **state)
{
	struct mail_conv m;
	char code[16];

	(void)state;
	user("alice");
	penv_crm_ok(NULL, "user", "set", "alice", "--email", "a@example.com",
		"--verified", "--mfa", "any", NULL);
	mail_conv_init(&m, PW1, MAIL_CODE, NULL, NULL, NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.20.5", &m.c),
		PAM_SUCCESS);
	PROMPTS(&m.c, "Password: ", MAIL_PROMPT);
	enrol("alice");
	mail_conv_init(&m, PW1, code_at(1, code), NULL, NULL, NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.20.5", &m.c),
		PAM_SUCCESS);
	PROMPTS(&m.c, "Password: ", CODE_PROMPT);
	mail_read(&m);
	assert_int_equal(m.nmails, 0);
}

/* ---- the key file ---- */

static void key_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s/crmpolicy.key", penv_dir());
}

static void missing_key_file_is_unavailable(void **state)
{
	struct penv_conv c;
	char path[PATH_MAX], moved[PATH_MAX + 8], code[16];

	(void)state;
	totp_user("alice");
	key_path(path, sizeof path);
	snprintf(moved, sizeof moved, "%s.away", path);
	assert_int_equal(rename(path, moved), 0);
	penv_conv_init(&c, PW1, code_at(1, code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.21.5", &c),
		PAM_AUTHINFO_UNAVAIL);
	/* Without the key nothing can be audited: nothing is asked. */
	assert_int_equal(c.nprompts, 0);
	assert_int_equal(failures("alice"), 0);
	assert_int_equal(audits("login.success", "alice", "%"), 0);
	/* The attempt is over: it holds no place against deny. */
	assert_int_equal(reservations(), 0);
	assert_int_equal(rename(moved, path), 0);
	penv_conv_init(&c, PW1, code_at(1, code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.21.5", &c),
		PAM_SUCCESS);
}

static void other_key_is_unavailable(void **state)
{
	unsigned char other[32];
	struct penv_conv c;
	char path[PATH_MAX], moved[PATH_MAX + 8], code[16];
	FILE *f;

	(void)state;
	totp_user("alice");
	key_path(path, sizeof path);
	snprintf(moved, sizeof moved, "%s.real", path);
	assert_int_equal(rename(path, moved), 0);
	for (size_t i = 0; i < sizeof other; i++)
		other[i] = (unsigned char)(0x5a ^ (i * 7));
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(other, 1, sizeof other, f), sizeof other);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	penv_conv_init(&c, PW1, code_at(1, code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.22.5", &c),
		PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(failures("alice"), 0);
	assert_int_equal(audits("mfa.failure", "alice", "%"), 0);
	assert_int_equal(audits("login.success", "alice", "%"), 0);
	assert_int_equal(reservations(), 0);
	/* The real key back: the same code still works (nothing used it). */
	assert_int_equal(rename(moved, path), 0);
	penv_conv_init(&c, PW1, code_at(1, code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.22.5", &c),
		PAM_SUCCESS);
}

static void key_trouble_leaves_no_lock_once_fixed(void **state)
{
	struct penv_conv c;
	char path[PATH_MAX], moved[PATH_MAX + 8], code[16];
	time_t t;

	(void)state;
	totp_user("alice");
	key_path(path, sizeof path);
	snprintf(moved, sizeof moved, "%s.away", path);
	assert_int_equal(rename(path, moved), 0);
	/* deny (3) attempts while the key is missing: none was wrong. */
	for (int i = 0; i < 3; i++) {
		penv_conv_init(&c, PW1, code_at(1, code), NULL);
		assert_int_equal(auth("standalone", "alice", "127.0.26.5", &c),
			PAM_AUTHINFO_UNAVAIL);
	}
	assert_int_equal(failures("alice"), 0);
	/* The admin puts the key back: the user logs in at once. */
	assert_int_equal(rename(moved, path), 0);
	t = time(NULL);
	penv_conv_init(&c, PW1, code_at(1, code), NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.26.5", &c),
		PAM_SUCCESS);
	assert_true(time(NULL) - t < 5);
}

/* RFC 4648 base32 of SECRET, as an otpauth:// URI carries it. */
static void secret_base32(char *out, size_t len)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	const unsigned char *in = (const unsigned char *)SECRET;
	unsigned acc = 0, bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < SECRET_LEN; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5 && o + 1 < len) {
			bits -= 5;
			out[o++] = abc[(acc >> bits) & 31];
		}
	}
	if (bits > 0 && o + 1 < len)
		out[o++] = abc[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

static void stored_secret_is_sealed(void **state)
{
	char b32[64], hex[2 * SECRET_LEN + 1];

	(void)state;
	totp_user("alice");
	secret_base32(b32, sizeof b32);
	for (size_t i = 0; i < SECRET_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02X", (unsigned char)SECRET[i]);
	assert_int_equal(penv_sql("SELECT count(*) FROM totp WHERE "
		"secret LIKE 'v1:%'", NULL), 1);
	/* instr and hex in SQLite are strpos and encode in PostgreSQL. */
	if (penv_fleet_pg())
		assert_int_equal(penv_sql("SELECT count(*) FROM totp WHERE "
			"strpos(secret, ?) > 0 OR strpos(upper(secret), ?) > 0 "
			"OR strpos(upper(encode(convert_to(secret, 'UTF8'), "
			"'hex')), ?) > 0 OR strpos(lower(secret), lower(?)) > 0",
			SECRET, b32, hex, hex, NULL), 0);
	else
		assert_int_equal(penv_sql("SELECT count(*) FROM totp WHERE "
			"instr(secret, ?) > 0 OR instr(upper(secret), ?) > 0 OR "
			"instr(hex(secret), ?) > 0 OR "
			"instr(lower(secret), lower(?)) > 0",
			SECRET, b32, hex, hex, NULL), 0);
	/* Nor does the audit trail or any other text of the store. */
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE "
		"details LIKE '%' || ? || '%' OR upper(details) LIKE "
		"'%' || ? || '%'", SECRET, b32, NULL), 0);
}

/* ---- the same code at once ---- */

static void same_code_in_parallel_logs_in_once(void **state)
{
	int rcs[PENV_RACE_N], ok = 0, refused = 0;
	char code[16];
	const char *answers[3];

	(void)state;
	totp_user("racer");
	answers[0] = PW1;
	answers[1] = code_at(1, code);
	answers[2] = NULL;
	penv_race_answers("standalone", "racer", answers, "127.0.23.5", rcs);
	for (int i = 0; i < PENV_RACE_N; i++) {
		if (rcs[i] == PAM_SUCCESS)
			ok++;
		else if (rcs[i] == PAM_AUTH_ERR)
			refused++;
		else
			print_error("child %d: %d (%s)\n", i, rcs[i],
				rcs[i] >= 0 && rcs[i] < 64 ?
				pam_strerror(NULL, rcs[i]) : "?");
	}
	assert_int_equal(ok, 1);
	assert_int_equal(refused, PENV_RACE_N - 1);
	assert_int_equal(audits("login.success", "racer", "%factor=totp%"), 1);
	assert_int_equal(audits("mfa.failure", "racer", "%code already used%"),
		PENV_RACE_N - 1);
	assert_int_equal(reservations(), 0);
}

/* ---- mfa_nullok ---- */

static void totp_required_but_not_enrolled_is_refused(void **state)
{
	struct penv_conv c;

	(void)state;
	user("alice");
	penv_crm_ok(NULL, "user", "set", "alice", "--mfa", "totp", NULL);
	penv_conv_init(&c, PW1, "123456", NULL);
	assert_int_equal(auth("standalone", "alice", "127.0.24.5", &c),
		PAM_AUTH_ERR);
	PROMPTS(&c, "Password: ");
	assert_int_equal(audits("login.failure", "alice",
		"%TOTP required but not enrolled%"), 1);
	assert_int_equal(audits("login.success", "alice", "%"), 0);
	assert_int_equal(failures("alice"), 0);
	assert_int_equal(reservations(), 0);
}

static void mfa_nullok_lets_the_unenrolled_in(void **state)
{
	struct penv_conv c;

	(void)state;
	user("alice");
	penv_crm_ok(NULL, "user", "set", "alice", "--mfa", "totp", NULL);
	penv_conv_init(&c, PW1, "123456", NULL);
	PENV_EXPECT("standalone", "alice", "127.0.25.5", &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS));
	PROMPTS(&c, "Password: ");
	assert_int_equal(audits("login.success", "alice", "%factor=none%"), 1);
	/* Once enrolled, the code is asked after all. */
	enrol("alice");
	penv_conv_init(&c, PW1, NULL);
	assert_int_not_equal(auth("standalone", "alice", "127.0.25.5", &c),
		PAM_SUCCESS);
	PROMPTS(&c, "Password: ", CODE_PROMPT);
}

#define T(f, conf) cmocka_unit_test_prestate_setup_teardown(f, penv_setup, \
	NULL, (void *)(conf))
#define E(f, more) cmocka_unit_test_prestate_setup_teardown(f, email_setup, \
	NULL, (void *)(more))

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(totp_right_code_logs_in, totp_conf),
		T(totp_wrong_code_is_refused_and_counted, totp_conf),
		T(totp_wrong_password_asks_no_code, totp_conf),
		T(unanswered_code_prompt_counts_nothing, totp_conf),
		T(password_again_at_code_prompt_counts_nothing, totp_conf),
		T(totp_code_is_accepted_once, totp_conf),
		T(recovery_code_logs_in_once, totp_conf),
		T(stacked_right_code_logs_in, totp_conf),
		T(stacked_wrong_code_is_counted, totp_conf),
		T(stacked_password_again_at_code_prompt_counts_nothing,
			totp_conf),
		T(append_takes_password_and_code_in_one_answer, totp_conf),
		T(append_wrong_code_in_one_answer_is_counted, totp_conf),
		T(append_answer_without_code_gets_the_code_prompt, totp_conf),
		T(stacked_append_gives_the_password_module_the_password,
			totp_conf),
		T(stacked_append_without_code_asks_in_authsucc, totp_conf),
		E(email_code_logs_in, NULL),
		E(email_wrong_then_right_code_logs_in, NULL),
		E(email_three_wrong_codes_fail, "deny = 5\n"),
		E(email_tries_are_shared_by_conversations, "deny = 10\n"),
		E(email_unverified_address_is_refused, NULL),
		E(mfa_any_asks_totp_where_enrolled_else_email, NULL),
		T(missing_key_file_is_unavailable, totp_conf),
		T(other_key_is_unavailable, totp_conf),
		T(key_trouble_leaves_no_lock_once_fixed, totp_conf),
		T(stored_secret_is_sealed, totp_conf),
		T(same_code_in_parallel_logs_in_once, race_conf),
		T(totp_required_but_not_enrolled_is_refused, totp_conf),
		T(mfa_nullok_lets_the_unenrolled_in, nullok_conf),
	};

	(void)argc;
	unsetenv("PAM_AUTHTOK");
	penv_boot(argv, services, sizeof services / sizeof services[0]);
	return penv_finish(cmocka_run_group_tests_name("pam_mfa", tests,
		NULL, NULL));
}
