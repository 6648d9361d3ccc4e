/*
 * Standalone mode through the real libpam (pam_wrapper + libpamtest): the
 * store owns the password. Login, refusal, unknown users, broken config and
 * store, lockout, must-change and the change dialogue, hostile input.
 */
#include "pamenv.h"

#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define INIT "Init1al!Pw"
#define PW1 "Corr3ct!Horse"
#define PW2 "An0ther#Pass"
#define WRONG "Wr0ng!Guess"
/* pam_debug's answer after a module that returned PAM_IGNORE. */
#define IGNORED PAM_MAXTRIES

static const struct penv_svc services[] = {
	{ "standalone",
	  "auth     required @MOD@ conf=@CONF@\n"
	  "account  required @MOD@ conf=@CONF@\n"
	  "password required @MOD@ conf=@CONF@\n"
	  "session  required @MOD@ conf=@CONF@\n" },
	{ "ignore",
	  "auth    [ignore=ignore default=done] @MOD@ conf=@CONF@ ignore_unknown\n"
	  "auth    requisite pam_debug.so auth=maxtries\n"
	  "account [ignore=ignore default=done] @MOD@ conf=@CONF@ ignore_unknown\n"
	  "account requisite pam_debug.so acct=maxtries\n" },
	{ "badarg",
	  "auth     required @MOD@ conf=@CONF@ deny=banana\n"
	  "account  required @MOD@ conf=@CONF@ deny=banana\n"
	  "password required @MOD@ conf=@CONF@ deny=banana\n"
	  "session  required @MOD@ conf=@CONF@ deny=banana\n" },
	{ "badflag",
	  "auth     required @MOD@ conf=@CONF@ no_such_flag\n"
	  "account  required @MOD@ conf=@CONF@ no_such_flag\n" },
};

static const char *ok_conf = "ip_deny = 0\n";

/* The four phases of a login, all expected to succeed. */
static void login_ok(const char *user, const char *pw, const char *rhost)
{
	struct penv_conv c;

	penv_conv_init(&c, pw, NULL);
	PENV_EXPECT("standalone", user, rhost, &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS));
}

static int auth_with(const char *user, const char *pw, const char *rhost)
{
	struct penv_conv c;

	penv_conv_init(&c, pw, NULL);
	return penv_op("standalone", user, rhost, &c, PAMTEST_AUTHENTICATE, 0);
}

static int64_t failures(const char *user)
{
	return penv_sql("SELECT failures FROM accounts WHERE name = ?", user,
		NULL);
}

static int64_t audit_count(const char *event, const char *subject)
{
	return penv_sql("SELECT count(*) FROM audit WHERE event = ? "
		"AND subject = ?", event, subject, NULL);
}

static void logs_in_with_the_right_password(void **state)
{
	struct penv_conv c;

	(void)state;
	penv_user("standalone", "alice", INIT, PW1);
	penv_conv_init(&c, PW1, NULL);
	PENV_EXPECT("standalone", "alice", "127.0.1.5", &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS));
	assert_int_equal(c.nprompts, 1);
	assert_string_equal(c.prompts[0], "Password: ");
	assert_int_equal(audit_count("login.success", "alice"), 1);
	assert_true(penv_sql("SELECT last_login FROM accounts WHERE name = ?",
		"alice", NULL) > 0);
}

static void refuses_a_wrong_password_and_counts_it(void **state)
{
	(void)state;
	penv_user("standalone", "alice", INIT, PW1);
	assert_int_equal(auth_with("alice", WRONG, "127.0.2.5"), PAM_AUTH_ERR);
	assert_int_equal(failures("alice"), 1);
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE "
		"event = 'login.failure' AND subject = 'alice' AND details "
		"LIKE '%wrong password%'", NULL), 1);
	/* A success clears the count. */
	assert_int_equal(auth_with("alice", PW1, "127.0.2.5"), PAM_SUCCESS);
	assert_int_equal(failures("alice"), 0);
}

static void unknown_user_is_user_unknown_after_a_prompt(void **state)
{
	struct penv_conv c;

	(void)state;
	penv_conv_init(&c, PW1, NULL);
	PENV_EXPECT("standalone", "nobody-here", "127.0.3.5", &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_USER_UNKNOWN));
	/* Asked like a known user, so the answer does not tell them apart. */
	assert_int_equal(c.nprompts, 1);
	assert_int_equal(penv_op("standalone", "nobody-here", NULL, NULL,
		PAMTEST_ACCOUNT, 0), PAM_USER_UNKNOWN);
	assert_int_equal(penv_sql("SELECT count(*) FROM accounts WHERE name = ?",
		"nobody-here", NULL), 0);
}

static void ignore_unknown_ignores_without_a_prompt(void **state)
{
	struct penv_conv c;

	(void)state;
	penv_conv_init(&c, PW1, NULL);
	PENV_EXPECT("ignore", "nobody-here", NULL, &c,
		pam_test(PAMTEST_AUTHENTICATE, IGNORED),
		pam_test(PAMTEST_ACCOUNT, IGNORED));
	assert_int_equal(c.nprompts, 0);
	/* A known user is still the module's. */
	penv_user("standalone", "alice", INIT, PW1);
	penv_conv_init(&c, WRONG, NULL);
	PENV_EXPECT("ignore", "alice", NULL, &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR));
	penv_conv_init(&c, PW1, NULL);
	PENV_EXPECT("ignore", "alice", NULL, &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS));
}

/* Every phase of svc for alice must be PAM_AUTHINFO_UNAVAIL. */
static void all_phases_unavailable(const char *svc)
{
	struct penv_conv c;

	penv_conv_init(&c, PW1, PW2, PW2, NULL);
	assert_int_equal(penv_op(svc, "alice", NULL, &c, PAMTEST_AUTHENTICATE,
		0), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(penv_op(svc, "alice", NULL, NULL, PAMTEST_ACCOUNT, 0),
		PAM_AUTHINFO_UNAVAIL);
	if (strcmp(svc, "badflag") == 0)
		return;
	penv_conv_init(&c, PW2, PW2, NULL);
	assert_int_equal(penv_op(svc, "alice", NULL, &c, PAMTEST_CHAUTHTOK, 0),
		PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(penv_op(svc, "alice", NULL, NULL,
		PAMTEST_OPEN_SESSION, 0), PAM_AUTHINFO_UNAVAIL);
}

/* Appends text to the conf. */
static void conf_append(const char *text)
{
	FILE *f = fopen(penv_conf(), "a");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void bad_conf_line_makes_every_phase_unavailable(void **state)
{
	char place[600];
	const char *log;

	(void)state;
	penv_user("standalone", "alice", INIT, PW1);
	conf_append("deny = three\n");
	penv_capture_start();
	all_phases_unavailable("standalone");
	/* pam_wrapper prints what the module sends to syslog on stderr. */
	snprintf(place, sizeof place, "%s:8", penv_conf());
	log = penv_capture_end();
	if (strstr(log, place) == NULL) {
		print_error("no log line names %s:\n%s\n", place, log);
		fail();
	}
	/* The problem is not mistaken for a failed login. */
	assert_int_equal(failures("alice"), 0);
}

static void unknown_conf_key_makes_every_phase_unavailable(void **state)
{
	(void)state;
	penv_user("standalone", "alice", INIT, PW1);
	conf_append("minlenght = 12\n");
	all_phases_unavailable("standalone");
}

static void bad_module_argument_makes_every_phase_unavailable(void **state)
{
	(void)state;
	penv_user("standalone", "alice", INIT, PW1);
	all_phases_unavailable("badarg");
	all_phases_unavailable("badflag");
}

static void store_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s/crmpolicy.db", penv_dir());
}

static void corrupt_store_is_unavailable(void **state)
{
	char path[600], side[700];
	FILE *f;

	(void)state;
	PENV_SQLITE_ONLY();
	penv_user("standalone", "alice", INIT, PW1);
	store_path(path, sizeof path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 8192; i++)
		fputc(0xA5 ^ (i & 0x3f), f);
	assert_int_equal(fclose(f), 0);
	all_phases_unavailable("standalone");
}

static void missing_store_is_unavailable(void **state)
{
	char path[600], moved[700];
	static const char *const sides[] = { "", "-wal", "-shm" };

	(void)state;
	PENV_SQLITE_ONLY();
	penv_user("standalone", "alice", INIT, PW1);
	for (size_t i = 0; i < 3; i++) {
		store_path(path, sizeof path);
		strcat(path, sides[i]);
		snprintf(moved, sizeof moved, "%s.moved", path);
		rename(path, moved);
	}
	all_phases_unavailable("standalone");
	/* Nothing was created in its place. */
	store_path(path, sizeof path);
	assert_int_not_equal(access(path, F_OK), 0);
}

static void group_writable_store_is_unavailable(void **state)
{
	char path[600];

	(void)state;
	PENV_SQLITE_ONLY();
	penv_user("standalone", "alice", INIT, PW1);
	store_path(path, sizeof path);
	assert_int_equal(chmod(path, 0664), 0);
	all_phases_unavailable("standalone");
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(auth_with("alice", PW1, NULL), PAM_SUCCESS);
}

static void symlinked_store_is_unavailable(void **state)
{
	char path[600], moved[700];

	(void)state;
	PENV_SQLITE_ONLY();
	penv_user("standalone", "alice", INIT, PW1);
	store_path(path, sizeof path);
	snprintf(moved, sizeof moved, "%s.real", path);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(symlink(moved, path), 0);
	all_phases_unavailable("standalone");
}

static void locks_after_three_failures_until_admin_unlock(void **state)
{
	(void)state;
	penv_user("standalone", "alice", INIT, PW1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(auth_with("alice", WRONG, "127.0.4.5"),
			PAM_AUTH_ERR);
	assert_int_equal(failures("alice"), 3);
	assert_true(penv_sql("SELECT locked_at FROM accounts WHERE name = ?",
		"alice", NULL) > 0);
	assert_int_equal(audit_count("lock", "alice"), 1);
	/* Locked: even the right password fails, and account says so. */
	assert_int_equal(auth_with("alice", PW1, "127.0.4.5"), PAM_AUTH_ERR);
	assert_int_equal(penv_op("standalone", "alice", NULL, NULL,
		PAMTEST_ACCOUNT, 0), PAM_PERM_DENIED);
	penv_crm_ok(NULL, "user", "unlock", "alice", NULL);
	assert_int_equal(audit_count("unlock", "alice"), 1);
	login_ok("alice", PW1, "127.0.4.5");
	assert_int_equal(failures("alice"), 0);
}

static void two_failures_do_not_lock(void **state)
{
	(void)state;
	penv_user("standalone", "alice", INIT, PW1);
	assert_int_equal(auth_with("alice", WRONG, NULL), PAM_AUTH_ERR);
	assert_int_equal(auth_with("alice", WRONG, NULL), PAM_AUTH_ERR);
	login_ok("alice", PW1, NULL);
	assert_int_equal(penv_sql("SELECT locked_at FROM accounts WHERE name = ?",
		"alice", NULL), 0);
}

static void abandoned_conversation_counts_nothing(void **state)
{
	struct penv_conv c;

	(void)state;
	penv_user("standalone", "alice", INIT, PW1);
	for (int i = 0; i < 5; i++) {
		/* No answers: the conversation returns PAM_CONV_ERR. */
		penv_conv_init(&c, NULL);
		assert_int_not_equal(penv_op("standalone", "alice", "127.0.5.5",
			&c, PAMTEST_AUTHENTICATE, 0), PAM_SUCCESS);
		assert_int_equal(c.nprompts, 1);
	}
	assert_int_equal(failures("alice"), 0);
	assert_int_equal(penv_sql("SELECT locked_at FROM accounts WHERE name = ?",
		"alice", NULL), 0);
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE "
		"event = 'login.failure' AND subject = 'alice' AND details "
		"LIKE '%wrong password%'", NULL), 0);
	login_ok("alice", PW1, "127.0.5.5");
}

/* The process's own locale is as the test left it: the module's is its. */
static void process_locale_is(const char *name)
{
	assert_string_equal(setlocale(LC_ALL, NULL), name);
	assert_true(uselocale((locale_t)0) == LC_GLOBAL_LOCALE);
	assert_string_equal(dgettext("crmpolicy", "Password %s."),
		strcmp(name, "C") == 0 ? "Password %s." : "La password %s.");
}

static void dialogue_speaks_the_users_language(void **state)
{
	struct penv_conv c;

	(void)state;
	penv_crm_ok(INIT "\n", "user", "add", "alice", "--password-stdin", NULL);
	penv_crm_ok(NULL, "user", "set", "alice", "--lang", "ja", NULL);
	/* The forced change: libpam's prompt and ours in Japanese. */
	penv_conv_init(&c, INIT, NULL);
	PENV_EXPECT("standalone", "alice", "127.0.6.5", &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD));
	assert_string_equal(c.prompts[0], "パスワード:");
	if (!penv_conv_has(&c, "今すぐパスワードを変更する必要があります。")) {
		print_error("no Japanese must-change in:\n%s\n",
			penv_conv_dump(&c));
		fail();
	}
	process_locale_is("C");
	penv_conv_init(&c, "Weakpass!", "Weakpass!", NULL);
	PENV_EXPECT("standalone", "alice", NULL, &c,
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR,
			PAM_CHANGE_EXPIRED_AUTHTOK));
	assert_true(penv_conv_has(&c, "パスワードは数字を含む必要があります。"));
	process_locale_is("C");

	/* Locked: the reason, in Japanese, to whoever tries. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(auth_with("alice", WRONG, "127.0.6.5"),
			PAM_AUTH_ERR);
	/* A stranger's guess hears nothing of the lock: asked, refused. */
	penv_conv_init(&c, WRONG, NULL);
	assert_int_equal(penv_op("standalone", "alice", "127.0.6.5", &c,
		PAMTEST_AUTHENTICATE, 0), PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 1);
	assert_int_equal(c.nerr + c.ninfo, 0);
	penv_conv_init(&c, INIT, NULL);
	assert_int_equal(penv_op("standalone", "alice", "127.0.6.5", &c,
		PAMTEST_AUTHENTICATE, 0), PAM_AUTH_ERR);
	assert_true(penv_conv_has(&c, "ログインの失敗が多すぎるため、アカウント"
		"はロックされています。管理者にロックの解除を依頼してください。"));
	process_locale_is("C");

	/* An application with a language of its own keeps it. */
	if (setlocale(LC_ALL, "it_IT.UTF-8") == NULL) {
		print_error("it_IT.UTF-8 is not installed\n");
		fail();
	}
	penv_conv_init(&c, INIT, NULL);
	assert_int_equal(penv_op("standalone", "alice", "127.0.6.5", &c,
		PAMTEST_AUTHENTICATE, 0), PAM_AUTH_ERR);
	assert_true(penv_conv_has(&c, "L'account è bloccato dopo troppi "
		"accessi non riusciti."));
	process_locale_is("it_IT.UTF-8");
	setlocale(LC_ALL, "C");

	/* And English for a user without a language, as before. */
	penv_crm_ok(NULL, "user", "set", "alice", "--lang", "", NULL);
	penv_conv_init(&c, INIT, NULL);
	assert_int_equal(penv_op("standalone", "alice", "127.0.6.5", &c,
		PAMTEST_AUTHENTICATE, 0), PAM_AUTH_ERR);
	assert_true(penv_conv_has(&c, "The account is locked after too many "
		"failed logins. Ask your administrator to unlock it."));
}

static void must_change_then_the_change_dialogue(void **state)
{
	struct penv_conv c;

	(void)state;
	penv_crm_ok(INIT "\n", "user", "add", "alice", "--password-stdin", NULL);
	assert_int_equal(penv_sql("SELECT must_change FROM accounts WHERE "
		"name = ?", "alice", NULL), 1);
	penv_conv_init(&c, INIT, NULL);
	PENV_EXPECT("standalone", "alice", "127.0.6.5", &c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD));
	assert_true(penv_conv_has(&c, "You must change your password now."));

	/* A weak password: one message per failed rule, nothing changes. */
	penv_conv_init(&c, "password", "password", NULL);
	PENV_EXPECT("standalone", "alice", "127.0.6.5", &c,
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR,
			PAM_CHANGE_EXPIRED_AUTHTOK));
	assert_true(c.nerr >= 3);
	assert_true(penv_conv_has(&c, "must contain a digit"));
	assert_true(penv_conv_has(&c, "must contain an upper-case letter"));
	assert_true(penv_conv_has(&c, "must contain a special character"));
	assert_true(penv_conv_has(&c, "known weak password"));

	penv_conv_init(&c, "12345Aa!", "12345Aa!", NULL);
	PENV_EXPECT("standalone", "alice", NULL, &c,
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR,
			PAM_CHANGE_EXPIRED_AUTHTOK));
	assert_true(penv_conv_has(&c, "known weak password"));

	penv_conv_init(&c, "xAlice1!x", "xAlice1!x", NULL);
	PENV_EXPECT("standalone", "alice", NULL, &c,
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR,
			PAM_CHANGE_EXPIRED_AUTHTOK));
	assert_true(penv_conv_has(&c, "contains the user name"));

	penv_conv_init(&c, "Sh0rt!", "Sh0rt!", NULL);
	PENV_EXPECT("standalone", "alice", NULL, &c,
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR,
			PAM_CHANGE_EXPIRED_AUTHTOK));
	assert_true(penv_conv_has(&c, "at least 8 characters"));
	assert_int_equal(penv_sql("SELECT must_change FROM accounts WHERE "
		"name = ?", "alice", NULL), 1);

	/* The two answers differ: refused, nothing changes. */
	penv_conv_init(&c, PW1, PW2, NULL);
	assert_int_not_equal(penv_op("standalone", "alice", NULL, &c,
		PAMTEST_CHAUTHTOK, PAM_CHANGE_EXPIRED_AUTHTOK), PAM_SUCCESS);

	/* A good one is taken; the old one stops working. */
	penv_conv_init(&c, PW1, PW1, NULL);
	PENV_EXPECT("standalone", "alice", NULL, &c,
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_SUCCESS,
			PAM_CHANGE_EXPIRED_AUTHTOK));
	assert_int_equal(c.nprompts, 2);
	assert_int_equal(penv_sql("SELECT must_change FROM accounts WHERE "
		"name = ?", "alice", NULL), 0);
	assert_true(penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'password.reject' AND subject = 'alice'", NULL) >= 4);
	login_ok("alice", PW1, "127.0.6.5");
	assert_int_equal(auth_with("alice", INIT, NULL), PAM_AUTH_ERR);
}

static void admin_reset_forces_a_change(void **state)
{
	(void)state;
	penv_user("standalone", "alice", INIT, PW1);
	penv_crm_ok(PW2 "\n", "passwd", "alice", "--password-stdin", NULL);
	{
		struct penv_conv c;
		penv_conv_init(&c, PW2, NULL);
		PENV_EXPECT("standalone", "alice", NULL, &c,
			pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
			pam_test(PAMTEST_ACCOUNT, PAM_NEW_AUTHTOK_REQD));
		assert_true(penv_conv_has(&c,
			"You must change your password now."));
	}
}

static void refuses_a_reused_password(void **state)
{
	struct penv_conv c;

	(void)state;
	penv_user("standalone", "alice", INIT, PW1);
	/* The current one and the previous ones are refused. */
	penv_conv_init(&c, PW1, PW1, NULL);
	PENV_EXPECT("standalone", "alice", NULL, &c,
		pam_test(PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR));
	assert_true(penv_conv_has(&c, "was used recently"));
	penv_conv_init(&c, PW2, PW2, NULL);
	PENV_EXPECT("standalone", "alice", NULL, &c,
		pam_test(PAMTEST_CHAUTHTOK, PAM_SUCCESS));
	penv_conv_init(&c, INIT, INIT, NULL);
	PENV_EXPECT("standalone", "alice", NULL, &c,
		pam_test(PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR));
	assert_true(penv_conv_has(&c, "was used recently"));
	penv_conv_init(&c, PW1, PW1, NULL);
	PENV_EXPECT("standalone", "alice", NULL, &c,
		pam_test(PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR));
	assert_true(penv_conv_has(&c, "was used recently"));
	assert_int_equal(auth_with("alice", PW2, NULL), PAM_SUCCESS);
}

static void accepts_utf8_passwords(void **state)
{
	static const char latin[] = "LIId5*p\xc3\xa8I!";
	/* "パスワード" followed by ASCII upper, lower, digit, special. */
	static const char japanese[] = "\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf"
		"\xe3\x83\xbc\xe3\x83\x89" "Ab1!";
	/* The same with the "è" decomposed is another password. */
	static const char latin_nfd[] = "LIId5*pe\xcc\x80I!";

	(void)state;
	penv_user("standalone", "alice", INIT, latin);
	login_ok("alice", latin, NULL);
	assert_int_equal(auth_with("alice", latin_nfd, NULL), PAM_AUTH_ERR);
	penv_user("standalone", "kenji", INIT, japanese);
	login_ok("kenji", japanese, NULL);
	assert_int_equal(auth_with("kenji", "Ab1!", NULL), PAM_AUTH_ERR);
}

static void refuses_invalid_utf8_password(void **state)
{
	struct penv_conv c;

	(void)state;
	penv_user("standalone", "alice", INIT, PW1);
	penv_conv_init(&c, "Abc1!\xff\xfe" "def", "Abc1!\xff\xfe" "def", NULL);
	PENV_EXPECT("standalone", "alice", NULL, &c,
		pam_test(PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR));
	assert_int_equal(auth_with("alice", PW1, NULL), PAM_SUCCESS);
}

static void refuses_hostile_user_names_and_keeps_the_store(void **state)
{
	char *big = malloc(10241);
	const char *names[] = {
		"al\nice", "alice\r", "a\x01" "b", "\x1b[31malice",
		"alice' OR '1'='1", "x';DROP TABLE accounts;--",
		"\"alice\"", "-alice", "alice\xff", NULL,
	};
	char out[4096];

	(void)state;
	assert_non_null(big);
	memset(big, 'a', 10240);
	big[10240] = '\0';
	names[9] = big;
	penv_user("standalone", "alice", INIT, PW1);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct penv_conv c;
		int rc;

		penv_conv_init(&c, PW1, NULL);
		rc = penv_op("standalone", names[i], "127.0.7.5", &c,
			PAMTEST_AUTHENTICATE, 0);
		if (rc != PAM_USER_UNKNOWN && rc != PAM_AUTH_ERR) {
			print_error("user name %zu (%.20s): %s\n", i, names[i],
				pam_strerror(NULL, rc));
			fail();
		}
		rc = penv_op("standalone", names[i], "127.0.7.5", NULL,
			PAMTEST_ACCOUNT, 0);
		assert_int_not_equal(rc, PAM_SUCCESS);
		assert_int_not_equal(rc, PAM_NEW_AUTHTOK_REQD);
	}
	free(big);
	assert_int_equal(penv_sql("SELECT count(*) FROM accounts", NULL), 1);
	if (!penv_fleet_pg())
		assert_int_equal(penv_sql("SELECT count(*) FROM "
			"pragma_integrity_check WHERE integrity_check = 'ok'",
			NULL), 1);
	assert_int_equal(failures("alice"), 0);
	/* The admin's view still works and shows alice untouched. */
	if (penv_crm(NULL, out, sizeof out, "status", "alice", NULL) != 0) {
		print_error("crmpasswd status alice:\n%s\n", out);
		fail();
	}
	login_ok("alice", PW1, "127.0.7.5");
}

static void refuses_hostile_remote_address(void **state)
{
	const char *hosts[] = { "127.0.0.1\nFAKE LOG LINE", "evil\x1b[2J",
		"10.0.0.1\r", "host name", NULL };
	char big[400];

	(void)state;
	memset(big, '1', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	hosts[4] = big;
	penv_user("standalone", "alice", INIT, PW1);
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		int rc = auth_with("alice", PW1, hosts[i]);
		if (rc == PAM_SUCCESS || rc == PAM_IGNORE) {
			print_error("remote address %zu: %s\n", i,
				pam_strerror(NULL, rc));
			fail();
		}
	}
	assert_int_equal(penv_sql("SELECT count(*) FROM audit WHERE "
		"event = 'login.success'", NULL), 0);
	assert_int_equal(penv_sql("SELECT last_login FROM accounts WHERE "
		"name = ?", "alice", NULL), 0);
	login_ok("alice", PW1, "127.0.8.5");
}

/*
 * A user changing their own password (real uid not 0, as crmpasswd run by
 * them): the child keeps euid 0 to read the store, like a setuid program.
 */
struct own_change {
	int rc;
	size_t nprompts;
	char prompts[3][64];
};

static struct own_change change_as_user(const char *current,
	const char *new_pw)
{
	struct own_change r;
	int out[2], status;
	pid_t pid;

	memset(&r, 0, sizeof r);
	r.rc = -1;
	assert_int_equal(pipe(out), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct penv_conv c;
		close(out[0]);
		if (setresuid(65534, 0, 0) == 0) {
			penv_conv_init(&c, current, new_pw, new_pw, NULL);
			r.rc = penv_op("standalone", "alice", NULL, &c,
				PAMTEST_CHAUTHTOK, 0);
			r.nprompts = c.nprompts;
			for (size_t i = 0; i < 3 && i < c.nprompts; i++)
				snprintf(r.prompts[i], sizeof r.prompts[i], "%s",
					c.prompts[i]);
		}
		if (write(out[1], &r, sizeof r) != (ssize_t)sizeof r)
			exit(1);
		exit(0);
	}
	close(out[1]);
	assert_int_equal(read(out[0], &r, sizeof r), (ssize_t)sizeof r);
	close(out[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return r;
}

static void asks_the_current_password_when_not_root(void **state)
{
	struct own_change r;

	(void)state;
	penv_user("standalone", "alice", INIT, PW1);
	r = change_as_user(WRONG, PW2);
	assert_int_not_equal(r.rc, PAM_SUCCESS);
	assert_true(r.nprompts >= 1);
	assert_string_equal(r.prompts[0], "Current password: ");
	assert_int_equal(failures("alice"), 1);
	assert_int_equal(auth_with("alice", PW1, NULL), PAM_SUCCESS);

	r = change_as_user(PW1, PW2);
	assert_int_equal(r.rc, PAM_SUCCESS);
	assert_int_equal(r.nprompts, 3);
	assert_string_equal(r.prompts[0], "Current password: ");
	assert_string_equal(r.prompts[1], "New password: ");
	assert_string_equal(r.prompts[2], "Retype new password: ");
	assert_int_equal(auth_with("alice", PW2, NULL), PAM_SUCCESS);
	assert_int_equal(auth_with("alice", PW1, NULL), PAM_AUTH_ERR);
}

#define T(f) cmocka_unit_test_prestate_setup_teardown(f, penv_setup, NULL, \
	(void *)ok_conf)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(logs_in_with_the_right_password),
		T(refuses_a_wrong_password_and_counts_it),
		T(unknown_user_is_user_unknown_after_a_prompt),
		T(ignore_unknown_ignores_without_a_prompt),
		T(bad_conf_line_makes_every_phase_unavailable),
		T(unknown_conf_key_makes_every_phase_unavailable),
		T(bad_module_argument_makes_every_phase_unavailable),
		T(corrupt_store_is_unavailable),
		T(missing_store_is_unavailable),
		T(group_writable_store_is_unavailable),
		T(symlinked_store_is_unavailable),
		T(locks_after_three_failures_until_admin_unlock),
		T(two_failures_do_not_lock),
		T(abandoned_conversation_counts_nothing),
		T(must_change_then_the_change_dialogue),
		T(dialogue_speaks_the_users_language),
		T(admin_reset_forces_a_change),
		T(refuses_a_reused_password),
		T(asks_the_current_password_when_not_root),
		T(accepts_utf8_passwords),
		T(refuses_invalid_utf8_password),
		T(refuses_hostile_user_names_and_keeps_the_store),
		T(refuses_hostile_remote_address),
	};

	(void)argc;
	penv_boot(argv, services, sizeof services / sizeof services[0]);
	return penv_finish(cmocka_run_group_tests_name("pam_standalone", tests,
		NULL, NULL));
}
