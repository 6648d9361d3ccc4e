/*
 * The network features through the real libpam (pam_wrapper + libpamtest)
 * with PAM_RHOST set: source-IP rules, IP throttling (also under a race of
 * 32 processes), the login history with places, the session greeting, and
 * the new-address alert as a test sendmail captures it.
 */
#include "pamenv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define INIT "Init1al!Pw"
#define PW1 "Corr3ct!Horse"
#define WRONG "Wr0ng!Guess"
#define NSS_USER "daemon"	/* in /etc/passwd on every Debian system */
#define SET_ITEMS "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so"
#define CZ "127.0.1.5"		/* Prague, Czechia; Test Hotel Network s.r.o. */
#define JP "127.0.2.5"		/* Tokyo, Japan */
#define IT "127.0.3.5"		/* Milan, Italy */
#define PL "127.0.4.5"		/* Warsaw, Poland */
#define NOWHERE "127.0.0.5"	/* no place */
#define CZ6 "2001:db8:2::5"	/* Brno, Czechia */
#define NOTIFY "security@example.com"
#define ALICE_MAIL "alice@example.com"
#define END_MARK "=====END====="
#define NPROC PENV_RACE_N

#define STANDALONE \
	"auth     required @MOD@ conf=@CONF@\n" \
	"account  required @MOD@ conf=@CONF@\n" \
	"password required @MOD@ conf=@CONF@\n" \
	"session  required @MOD@ conf=@CONF@\n"
#define STACK_HEAD "auth requisite @MOD@ conf=@CONF@ preauth\n"
#define STACK_TAIL \
	"auth [default=die] @MOD@ conf=@CONF@ authfail\n" \
	"auth required @MOD@ conf=@CONF@ authsucc\n" \
	"account required @MOD@ conf=@CONF@\n" \
	"session required @MOD@ conf=@CONF@\n"

static const struct penv_svc services[] = {
	{ "sshd", STANDALONE },
	{ "web", STANDALONE },
	/* pam_unix said yes. */
	{ "stacked-permit", STACK_HEAD
	  "auth [success=1 default=ignore] pam_permit.so\n" STACK_TAIL },
	/* pam_unix was given a password and said no. */
	{ "stacked-deny", STACK_HEAD
	  "auth optional " SET_ITEMS "\n"
	  "auth [success=1 default=ignore] pam_deny.so\n" STACK_TAIL },
	/* The real pam_unix, which prompts. */
	{ "stacked-unix", STACK_HEAD
	  "auth [success=1 default=ignore] pam_unix.so nodelay\n" STACK_TAIL },
};

/* ---- set-up: conf with the test GeoIP databases and a test sendmail ---- */

static char g_data[PATH_MAX + 32];	/* the repository's tests/data */

/* tests/data, found upwards from the build dir (build or build/asan). */
static void find_data(void)
{
	char dir[PATH_MAX], probe[PATH_MAX + 64];

	snprintf(dir, sizeof dir, "%s", penv_build());
	for (int i = 0; i < 6; i++) {
		char *slash;

		snprintf(probe, sizeof probe,
			"%s/tests/data/geo-city-test.mmdb", dir);
		if (access(probe, R_OK) == 0) {
			snprintf(g_data, sizeof g_data, "%s/tests/data", dir);
			return;
		}
		slash = strrchr(dir, '/');
		if (slash == NULL || slash == dir)
			break;
		*slash = '\0';
	}
	fprintf(stderr, "test_network: tests/data not found above %s\n",
		penv_build());
	exit(99);
}

static void dir_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", penv_dir(), name);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[4096];
	FILE *in = fopen(from, "r"), *out;
	size_t n;

	if (in == NULL) {
		print_error("cannot open %s: %s\n", from, strerror(errno));
		fail();
	}
	out = fopen(to, "w");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(chmod(to, mode), 0);
}

/* Removes the captured mail and the fail/slow switches. */
static void mail_reset(void)
{
	static const char *const names[] = { "sendmail.out", "sendmail.fail",
		"sendmail.slow" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		dir_path(path, sizeof path, names[i]);
		unlink(path);
	}
}

/* state: extra conf lines (ip_deny and so on) added after the common ones. */
static int net_setup(void **state)
{
	char text[4 * PATH_MAX + 1024], src[PATH_MAX + 64], dst[PATH_MAX];

	if (g_data[0] == '\0')
		find_data();
	dir_path(dst, sizeof dst, "sendmail");
	snprintf(text, sizeof text,
		"geoip_city_db = %s/geo-city-test.mmdb\n"
		"geoip_asn_db = %s/geo-asn-test.mmdb\n"
		"sendmail = %s\n"
		"%s", g_data, g_data, dst,
		*state != NULL ? (const char *)*state : "");
	penv_reset(text);
	snprintf(src, sizeof src, "%s/fake-sendmail", g_data);
	copy_file(src, dst, 0755);
	mail_reset();
	return 0;
}

/* ---- helpers ---- */

static int64_t audit_count(const char *event, const char *subject)
{
	return penv_sql("SELECT count(*) FROM audit WHERE event = ? "
		"AND subject = ?", event, subject, NULL);
}

static int64_t event_count(const char *event)
{
	return penv_sql("SELECT count(*) FROM audit WHERE event = ?", event,
		NULL);
}

/* auth through svc with one password answer; the prompts land in c. */
static int auth_on(const char *svc, const char *user, const char *pw,
	const char *rhost, struct penv_conv *c)
{
	penv_conv_init(c, pw, NULL);
	return penv_op(svc, user, rhost, c, PAMTEST_AUTHENTICATE, 0);
}

/* The whole login (auth, acct, open, close) on svc must succeed. */
static void login_ok_on(const char *svc, const char *user, const char *pw,
	const char *rhost, struct penv_conv *c)
{
	struct penv_conv local;

	if (c == NULL)
		c = &local;
	penv_conv_init(c, pw, NULL);
	PENV_EXPECT(svc, user, rhost, c,
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS));
}

static void login_ok(const char *user, const char *rhost)
{
	login_ok_on("sshd", user, PW1, rhost, NULL);
}

/* Standalone auth is refused with PAM_AUTH_ERR before any prompt. */
static void refused_unprompted(const char *svc, const char *user,
	const char *rhost)
{
	struct penv_conv c;
	int rc = auth_on(svc, user, PW1, rhost, &c);

	if (rc != PAM_AUTH_ERR || c.nprompts != 0) {
		print_error("%s %s from %s: %s (%d), %zu prompts, expected "
			"PAM_AUTH_ERR without a prompt\n%s", svc, user,
			rhost != NULL ? rhost : "(local)", pam_strerror(NULL, rc),
			rc, c.nprompts, penv_conv_dump(&c));
		fail();
	}
}

/* crmpasswd ARGS must succeed; its output goes into out. */
static void crm_out(char *out, size_t len, const char *a1, const char *a2,
	const char *a3, const char *a4)
{
	int rc = penv_crm(NULL, out, len, a1, a2, a3, a4, NULL);

	if (rc != 0) {
		print_error("crmpasswd %s %s %s %s: exit %d\n%s\n", a1,
			a2 ? a2 : "", a3 ? a3 : "", a4 ? a4 : "", rc, out);
		fail();
	}
}

static void must_contain(const char *what, const char *text,
	const char *needle)
{
	if (strstr(text, needle) == NULL) {
		print_error("%s: no \"%s\" in:\n%s\n", what, needle, text);
		fail();
	}
}

static void must_not_contain(const char *what, const char *text,
	const char *needle)
{
	if (strstr(text, needle) != NULL) {
		print_error("%s: unexpected \"%s\" in:\n%s\n", what, needle,
			text);
		fail();
	}
}

static void add_rule(const char *name, const char *network,
	const char *action, const char *scope, const char *service,
	const char *priority)
{
	const char *args[16];
	char out[4096];
	size_t n = 0;
	int rc;

	args[n++] = "rule";
	args[n++] = "add";
	args[n++] = name;
	args[n++] = "--network";
	args[n++] = network;
	args[n++] = "--action";
	args[n++] = action;
	if (scope != NULL) {
		args[n++] = "--scope";
		args[n++] = scope;
	}
	if (service != NULL) {
		args[n++] = "--service";
		args[n++] = service;
	}
	if (priority != NULL) {
		args[n++] = "--priority";
		args[n++] = priority;
	}
	while (n < 13)
		args[n++] = NULL;
	rc = penv_crm(NULL, out, sizeof out, args[0], args[1], args[2],
		args[3], args[4], args[5], args[6], args[7], args[8], args[9],
		args[10], args[11], args[12], NULL);
	if (rc != 0) {
		print_error("rule add %s: exit %d\n%s\n", name, rc, out);
		fail();
	}
}

/* The audit's login.failure for user names the deciding rule. */
static void denied_by(const char *user, const char *rule)
{
	char like[128];

	snprintf(like, sizeof like, "%%denied by rule %s%%", rule);
	if (penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'login.failure' AND subject = ? AND details LIKE ?", user,
		like, NULL) < 1) {
		print_error("no login.failure \"denied by rule %s\" for %s\n",
			rule, user);
		fail();
	}
	snprintf(like, sizeof like, "%%rule=%s%%", rule);
	assert_true(penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'ip.denied' AND subject = ? AND details LIKE ?", user, like,
		NULL) >= 1);
}

/* The store's alice and bob, with the callcentre group holding alice. */
static void office(void)
{
	penv_user("sshd", "alice", INIT, PW1);
	penv_user("sshd", "bob", INIT, PW1);
	penv_crm_ok(NULL, "group", "add", "callcentre", NULL);
	penv_crm_ok(NULL, "group", "member", "add", "callcentre", "alice",
		NULL);
}

/* ---- mail capture ---- */

static char g_mail[65536];

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t count_of(const char *text, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (const char *p = strstr(text, needle); p != NULL;
	     p = strstr(p + len, needle))
		n++;
	return n;
}

/* What the test sendmail captured so far, into g_mail. */
static const char *mail_read(void)
{
	char path[PATH_MAX];
	size_t got = 0;
	FILE *f;

	dir_path(path, sizeof path, "sendmail.out");
	f = fopen(path, "r");
	if (f != NULL) {
		got = fread(g_mail, 1, sizeof g_mail - 1, f);
		fclose(f);
	}
	g_mail[got] = '\0';
	return g_mail;
}

/* Waits up to 10 s for at least n captured messages; returns the text. */
static const char *mail_wait(size_t n)
{
	long long end = ms_now() + 10000;
	struct timespec pause = { 0, 20 * 1000000L };

	while (count_of(mail_read(), END_MARK) < n && ms_now() < end)
		nanosleep(&pause, NULL);
	if (count_of(g_mail, END_MARK) < n) {
		print_error("expected %zu message(s) within 10 s, got:\n%s\n",
			n, g_mail);
		fail();
	}
	return g_mail;
}

/*
 * No mail other than the ones already counted (n): a later login from a
 * new address (sentinel) must give the next message, and nothing else
 * arrives meanwhile. Detached senders finish in any order, so the check
 * waits a little after the sentinel's message.
 */
static void no_more_mail(size_t n, const char *user, const char *sentinel)
{
	struct timespec pause = { 0, 500 * 1000000L };

	login_ok(user, sentinel);
	mail_wait(n + 1);
	nanosleep(&pause, NULL);
	if (count_of(mail_read(), END_MARK) != n + 1
	    || strstr(g_mail, sentinel) == NULL) {
		print_error("expected only the sentinel's message, got:\n%s\n",
			g_mail);
		fail();
	}
}

/* The header block of the k-th (0-based) captured message. */
static void mail_headers(const char *all, size_t k, char *out, size_t len)
{
	const char *p = all, *end;
	size_t n;

	for (size_t i = 0; i < k; i++) {
		p = strstr(p, END_MARK "\n");
		assert_non_null(p);
		p += strlen(END_MARK) + 1;
	}
	end = strstr(p, "\n\n");
	assert_non_null(end);
	n = (size_t)(end - p) + 1;
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* Lines of the header block starting with name (case-insensitive). */
static size_t header_count(const char *headers, const char *name)
{
	size_t n = 0, len = strlen(name);
	const char *p = headers;

	while (*p != '\0') {
		if (strncasecmp(p, name, len) == 0)
			n++;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return n;
}

/* One From, one To, one Subject and no Bcc or Cc in message k. */
static void headers_sound(const char *all, size_t k)
{
	char h[8192];

	mail_headers(all, k, h, sizeof h);
	if (header_count(h, "From:") != 1 || header_count(h, "To:") != 1
	    || header_count(h, "Subject:") != 1
	    || header_count(h, "Bcc:") != 0 || header_count(h, "Cc:") != 0
	    || header_count(h, "Reply-To:") != 0) {
		print_error("headers of message %zu:\n%s\n", k, h);
		fail();
	}
	/* Every line is a header or the continuation of one. */
	for (const char *p = h; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		if (*p != ' ' && *p != '\t') {
			const char *colon = strchr(p, ':');
			if (colon == NULL || (nl != NULL && colon > nl)
			    || memchr(p, ' ', (size_t)(colon - p)) != NULL) {
				print_error("not a header line in:\n%s\n", h);
				fail();
			}
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* ---- source-IP rules ---- */

static void group_rule_denies_japan_and_allows_czechia(void **state)
{
	(void)state;
	office();
	add_rule("callcentre-japan", "127.0.2.0/24", "deny", "group:callcentre",
		NULL, NULL);
	refused_unprompted("sshd", "alice", JP);
	denied_by("alice", "callcentre-japan");
	assert_int_equal(penv_sql("SELECT failures FROM accounts WHERE "
		"name = 'alice'", NULL), 0);
	assert_int_equal(audit_count("login.success", "alice"), 0);
	login_ok("alice", CZ);
	/* bob is not in the group: Japan is open to him. */
	login_ok("bob", JP);
	assert_int_equal(audit_count("ip.denied", "bob"), 0);
}

static void group_rule_in_stacked_preauth(void **state)
{
	struct penv_conv c;

	(void)state;
	/* The NSS user's row comes with a first login; then the group. */
	login_ok_on("stacked-permit", NSS_USER, NULL, CZ, NULL);
	penv_crm_ok(NULL, "group", "add", "callcentre", NULL);
	penv_crm_ok(NULL, "group", "member", "add", "callcentre", NSS_USER,
		NULL);
	add_rule("callcentre-japan", "127.0.2.0/24", "deny", "group:callcentre",
		NULL, NULL);
	/* Even when pam_unix would say yes, preauth refuses... */
	assert_int_equal(auth_on("stacked-permit", NSS_USER, NULL, JP, &c),
		PAM_AUTH_ERR);
	/* ...and the real pam_unix never gets to prompt. */
	assert_int_equal(auth_on("stacked-unix", NSS_USER, PW1, JP, &c),
		PAM_AUTH_ERR);
	assert_int_equal(c.nprompts, 0);
	denied_by(NSS_USER, "callcentre-japan");
	assert_int_equal(penv_sql("SELECT failures FROM accounts WHERE "
		"name = ?", NSS_USER, NULL), 0);
	login_ok_on("stacked-permit", NSS_USER, NULL, CZ, NULL);
	/* root is not in callcentre. */
	login_ok_on("stacked-permit", "root", NULL, JP, NULL);
}

static void user_scope_touches_only_that_user(void **state)
{
	(void)state;
	office();
	add_rule("bob-not-italy", "127.0.3.0/24", "deny", "user:bob", NULL,
		NULL);
	refused_unprompted("sshd", "bob", IT);
	denied_by("bob", "bob-not-italy");
	login_ok("alice", IT);
	login_ok("bob", CZ);
}

static void service_list_limits_a_rule(void **state)
{
	(void)state;
	office();
	add_rule("ssh-not-japan", "127.0.2.0/24", "deny", NULL, "sshd", NULL);
	refused_unprompted("sshd", "alice", JP);
	denied_by("alice", "ssh-not-japan");
	/* The web service is not listed: the rule does not touch it. */
	login_ok_on("web", "alice", PW1, JP, NULL);
}

static void disabled_rule_is_ignored(void **state)
{
	char out[4096];

	(void)state;
	office();
	add_rule("parked", "127.0.2.0/24", "disabled", NULL, NULL, NULL);
	login_ok("alice", JP);
	assert_int_equal(event_count("ip.denied"), 0);
	/* It is still listed, as disabled. */
	crm_out(out, sizeof out, "rule", "list", NULL, NULL);
	must_contain("rule list", out, "parked");
	must_contain("rule list", out, "disabled");
}

static void default_deny_with_an_office_allow_rule(void **state)
{
	char out[4096];

	(void)state;
	office();
	add_rule("office", "127.0.1.0/24", "allow", NULL, NULL, NULL);
	penv_crm_ok(NULL, "rule", "default", "deny", NULL);
	login_ok("alice", CZ);
	login_ok("bob", "127.0.1.200");
	refused_unprompted("sshd", "alice", JP);
	refused_unprompted("sshd", "bob", PL);
	refused_unprompted("sshd", "bob", NOWHERE);
	denied_by("alice", "default");
	/* No address at all is not the office either. */
	refused_unprompted("sshd", "alice", NULL);
	crm_out(out, sizeof out, "rule", "test", "alice", JP);
	must_contain("rule test", out, "deny");
	crm_out(out, sizeof out, "rule", "test", "alice", CZ);
	must_contain("rule test", out, "office");
}

static void local_rule_allows_a_console_login(void **state)
{
	(void)state;
	office();
	add_rule("console", "local", "allow", NULL, NULL, NULL);
	penv_crm_ok(NULL, "rule", "default", "deny", NULL);
	login_ok("alice", NULL);
	login_ok("alice", "");
	refused_unprompted("sshd", "alice", CZ);
	refused_unprompted("sshd", "alice", "host.example");
	denied_by("alice", "default");
}

static void host_name_matches_only_any(void **state)
{
	(void)state;
	office();
	add_rule("all-v4", "0.0.0.0/0", "deny", NULL, NULL, "10");
	add_rule("all-v6", "::/0", "deny", NULL, NULL, "20");
	add_rule("console", "local", "deny", NULL, NULL, "30");
	/* No address network and not local: the default (allow) decides. */
	login_ok("alice", "host.example");
	refused_unprompted("sshd", "alice", CZ);
	refused_unprompted("sshd", "alice", CZ6);
	refused_unprompted("sshd", "alice", NULL);
	/* Never resolved: "localhost" is a name, not 127.0.0.1. */
	login_ok("alice", "localhost");
	add_rule("anything", "any", "deny", NULL, NULL, "40");
	refused_unprompted("sshd", "alice", "host.example");
	denied_by("alice", "anything");
}

static void ipv6_and_mapped_ipv4_addresses(void **state)
{
	(void)state;
	office();
	add_rule("brno", "2001:db8:2::/48", "deny", "user:bob", NULL, NULL);
	add_rule("japan", "127.0.2.0/24", "deny", NULL, NULL, NULL);
	refused_unprompted("sshd", "bob", CZ6);
	refused_unprompted("sshd", "bob", "2001:DB8:2:0::77");
	denied_by("bob", "brno");
	login_ok("alice", CZ6);
	login_ok("bob", "2001:db8:3::5");
	/* ::ffff:a.b.c.d is the IPv4 address. */
	refused_unprompted("sshd", "alice", "::ffff:" JP);
	denied_by("alice", "japan");
	login_ok("alice", "::ffff:" CZ);
	/* The mapped form and the plain one are one address to the history. */
	assert_true(penv_sql("SELECT count(*) FROM logins WHERE \"user\" = 'alice' "
		"AND success = 1 AND city = 'Prague'", NULL) >= 1);
	assert_int_equal(penv_sql("SELECT count(*) FROM logins WHERE "
		"\"user\" = 'alice' AND success = 1 AND city = 'Brno' AND "
		"country = 'Czechia'", NULL), 1);
}

static void acct_refuses_a_denied_address_after_a_key_login(void **state)
{
	(void)state;
	office();
	add_rule("callcentre-japan", "127.0.2.0/24", "deny", "group:callcentre",
		NULL, NULL);
	/* A key login: sshd skips auth and asks account management only. */
	assert_int_equal(penv_op("sshd", "alice", JP, NULL, PAMTEST_ACCOUNT, 0),
		PAM_PERM_DENIED);
	assert_int_equal(audit_count("ip.denied", "alice"), 1);
	assert_true(penv_sql("SELECT count(*) FROM audit WHERE event = "
		"'login.failure' AND subject = 'alice' AND details LIKE "
		"'%denied by rule callcentre-japan%'", NULL) >= 1);
	assert_int_equal(penv_op("sshd", "alice", CZ, NULL, PAMTEST_ACCOUNT, 0),
		PAM_SUCCESS);
	assert_int_equal(penv_op("sshd", "bob", JP, NULL, PAMTEST_ACCOUNT, 0),
		PAM_SUCCESS);
}

/* ---- IP throttling ---- */

static void ten_wrong_passwords_block_the_address(void **state)
{
	static const char *const users[10] = { "alice", "bob", "alice", "bob",
		"ghost1", "ghost2", "ghost3", "ghost4", "ghost5", "ghost6" };
	struct penv_conv c;
	char out[4096];

	(void)state;
	office();
	for (size_t i = 0; i < 10; i++) {
		int rc = auth_on("sshd", users[i], WRONG, PL, &c);
		assert_int_equal(c.nprompts, 1);
		assert_int_equal(rc, strncmp(users[i], "ghost", 5) == 0
			? PAM_USER_UNKNOWN : PAM_AUTH_ERR);
	}
	assert_int_equal(event_count("ip.throttled"), 1);
	/* The 11th, a real user with the right password: no prompt. */
	refused_unprompted("sshd", "alice", PL);
	assert_int_equal(penv_op("sshd", "alice", PL, NULL, PAMTEST_ACCOUNT, 0),
		PAM_PERM_DENIED);
	/* No account was locked by this: 2 failures each, deny is 3. */
	assert_int_equal(penv_sql("SELECT count(*) FROM accounts WHERE "
		"locked_at > 0", NULL), 0);
	/* Another address is not affected. */
	login_ok("alice", IT);
	crm_out(out, sizeof out, "blocked", "list", NULL, NULL);
	must_contain("blocked list", out, PL);
	crm_out(out, sizeof out, "blocked", "clear", PL, NULL);
	crm_out(out, sizeof out, "blocked", "list", NULL, NULL);
	must_not_contain("blocked list after clear", out, PL);
	login_ok("alice", PL);
	assert_int_equal(event_count("ip.throttled"), 1);
}

static void nine_wrong_passwords_do_not_block(void **state)
{
	struct penv_conv c;
	char user[32];

	(void)state;
	office();
	for (int i = 0; i < 9; i++) {
		snprintf(user, sizeof user, "ghost%d", i);
		assert_int_equal(auth_on("sshd", user, WRONG, PL, &c),
			PAM_USER_UNKNOWN);
	}
	login_ok("alice", PL);
	assert_int_equal(event_count("ip.throttled"), 0);
}

static void throttle_race_blocks_once(void **state)
{
	int rcs[NPROC];

	(void)state;
	penv_user("sshd", "alice", INIT, PW1);
	penv_race("sshd", "nobody-here", WRONG, "127.0.9.5", rcs);
	for (int i = 0; i < NPROC; i++) {
		/* Checked and unknown, or refused as throttled; never a
		 * busy store seen as PAM_AUTHINFO_UNAVAIL. */
		if (rcs[i] != PAM_AUTH_ERR && rcs[i] != PAM_USER_UNKNOWN) {
			print_error("child %d: %s (%d)\n", i,
				rcs[i] < 64 ? pam_strerror(NULL, rcs[i]) : "?",
				rcs[i]);
			fail();
		}
	}
	assert_int_equal(event_count("ip.throttled"), 1);
	assert_int_equal(penv_sql("SELECT count(*) FROM ip_blocks WHERE "
		"ip = '127.0.9.5'", NULL), 1);
	refused_unprompted("sshd", "alice", "127.0.9.5");
	login_ok("alice", "127.0.9.6");
	assert_int_equal(event_count("ip.throttled"), 1);
}

/* ---- history and greeting ---- */

static void history_rows_carry_the_place(void **state)
{
	char out[16384];

	(void)state;
	penv_user("sshd", "alice", INIT, PW1);
	login_ok("alice", CZ);
	login_ok("alice", NOWHERE);
	assert_int_equal(penv_sql("SELECT count(*) FROM logins WHERE "
		"\"user\" = 'alice' AND rhost = ? AND success = 1 AND city = 'Prague' "
		"AND country = 'Czechia' AND country_code = 'CZ' AND org = "
		"'Test Hotel Network s.r.o.'", CZ, NULL), 1);
	assert_int_equal(penv_sql("SELECT count(*) FROM logins WHERE "
		"\"user\" = 'alice' AND rhost = ? AND success = 1 AND city = '' AND "
		"country = '' AND org = ''", NOWHERE, NULL), 1);
	crm_out(out, sizeof out, "logins", "alice", NULL, NULL);
	must_contain("logins alice", out, "Prague, Czechia");
	must_contain("logins alice", out, "Test Hotel Network s.r.o.");
	must_contain("logins alice", out, NOWHERE);
	crm_out(out, sizeof out, "--json", "logins", "alice", NULL);
	must_contain("logins --json", out, "Prague");
	must_contain("logins --json", out, "Czechia");
	/* A wrong password is a failed row with its place too. */
	{
		struct penv_conv c;
		assert_int_equal(auth_on("sshd", "alice", WRONG, JP, &c),
			PAM_AUTH_ERR);
	}
	crm_out(out, sizeof out, "logins", "alice", "--failed", NULL);
	must_contain("logins --failed", out, JP);
	must_contain("logins --failed", out, "Tokyo, Japan");
	must_not_contain("logins --failed", out, "Prague");
}

static void repeated_successes_merge_into_one_row(void **state)
{
	char out[16384];

	(void)state;
	penv_user("sshd", "alice", INIT, PW1);
	for (int i = 0; i < 3; i++)
		login_ok_on("web", "alice", PW1, CZ, NULL);
	assert_int_equal(penv_sql("SELECT count(*) FROM logins WHERE "
		"\"user\" = 'alice' AND success = 1 AND service = 'web'", NULL), 1);
	assert_int_equal(penv_sql("SELECT count FROM logins WHERE "
		"\"user\" = 'alice' AND success = 1 AND service = 'web'", NULL), 3);
	/* Another address is another row. */
	login_ok_on("web", "alice", PW1, IT, NULL);
	assert_int_equal(penv_sql("SELECT count(*) FROM logins WHERE "
		"\"user\" = 'alice' AND success = 1 AND service = 'web'", NULL), 2);
	crm_out(out, sizeof out, "--json", "logins", "alice", NULL);
	if (strstr(out, "\"count\": 3") == NULL
	    && strstr(out, "\"count\":3") == NULL) {
		print_error("no count 3 in:\n%s\n", out);
		fail();
	}
}

static void session_greeting_names_the_place(void **state)
{
	struct penv_conv c;

	(void)state;
	penv_user("sshd", "alice", INIT, PW1);
	login_ok("alice", CZ);
	assert_int_equal(auth_on("sshd", "alice", WRONG, JP, &c), PAM_AUTH_ERR);
	login_ok_on("sshd", "alice", PW1, IT, &c);
	if (!penv_conv_has(&c, "Last login: ")
	    || !penv_conv_has(&c, " from " CZ " (Prague, Czechia)")
	    || !penv_conv_has(&c,
		"1 failed login attempt since your last login.")) {
		print_error("greeting:\n%s", penv_conv_dump(&c));
		fail();
	}
	/* The next one names Milan. */
	login_ok_on("sshd", "alice", PW1, NOWHERE, &c);
	if (!penv_conv_has(&c, " from " IT " (Milan, Italy)")) {
		print_error("greeting:\n%s", penv_conv_dump(&c));
		fail();
	}
	/* An address without a place: no parentheses. */
	login_ok_on("sshd", "alice", PW1, CZ, &c);
	if (!penv_conv_has(&c, " from " NOWHERE)
	    || penv_conv_has(&c, " from " NOWHERE " (")) {
		print_error("greeting:\n%s", penv_conv_dump(&c));
		fail();
	}
}

/* ---- the new-address alert ---- */

static void alert_mail_tells_who_where_and_what_to_do(void **state)
{
	const char *m;
	char h[8192];

	(void)state;
	penv_user("sshd", "alice", INIT, PW1);
	penv_crm_ok(NULL, "user", "set", "alice", "--email", ALICE_MAIL,
		"--verified", NULL);
	login_ok("alice", CZ);
	m = mail_wait(1);
	must_contain("alert", m, "alice");
	must_contain("alert", m, CZ);
	must_contain("alert", m, "Prague, Czechia");
	must_contain("alert", m, "Test Hotel Network s.r.o.");
	must_contain("alert", m, "sshd");
	must_contain("alert", m, "change your password");
	must_contain("alert", m, "crmpasswd logins alice");
	headers_sound(m, 0);
	mail_headers(m, 0, h, sizeof h);
	must_contain("recipients", h, ALICE_MAIL);
	must_contain("recipients", h, NOTIFY);
	assert_int_equal(count_of(m, END_MARK), 1);
	/* Flagged in the history and the audit. */
	assert_int_equal(penv_sql("SELECT count(*) FROM logins WHERE "
		"\"user\" = 'alice' AND new_ip = 1", NULL), 1);
	assert_int_equal(audit_count("ip.new", "alice"), 1);
	/* A known address: no alert, not new. */
	login_ok("alice", CZ);
	assert_int_equal(audit_count("ip.new", "alice"), 1);
	no_more_mail(1, "alice", IT);
	m = mail_read();
	must_contain("second alert", m, "Milan, Italy");
}

/*
 * The Subject of headers, its RFC 2047 encoded words (UTF-8, base64)
 * decoded and joined as RFC 2047 says (the space between two words goes).
 */
static void subject_decoded(const char *headers, char *out, size_t len)
{
	const char *p = strstr(headers, "Subject:");
	size_t o = 0;

	assert_non_null(p);
	p += strlen("Subject:");
	for (;;) {
		const char *w = strstr(p, "=?UTF-8?B?"), *e, *nl;
		size_t got = 0;

		nl = strchr(p, '\n');
		/* The header ends at a newline not followed by a space. */
		while (nl != NULL && (nl[1] == ' ' || nl[1] == '\t'))
			nl = strchr(nl + 1, '\n');
		if (w == NULL || (nl != NULL && w > nl))
			break;
		w += strlen("=?UTF-8?B?");
		e = strstr(w, "?=");
		assert_non_null(e);
		assert_int_equal(sodium_base642bin((unsigned char *)out + o,
			len - o - 1, w, (size_t)(e - w), NULL, &got, NULL,
			sodium_base64_VARIANT_ORIGINAL), 0);
		o += got;
		p = e + 2;
	}
	out[o] = '\0';
}

static void alert_mail_speaks_the_users_language(void **state)
{
	const char *m;
	char h[8192], subject[512];

	(void)state;
	penv_user("sshd", "alice", INIT, PW1);
	penv_crm_ok(NULL, "user", "set", "alice", "--email", ALICE_MAIL,
		"--verified", "--lang", "cs", NULL);
	login_ok("alice", CZ);
	m = mail_wait(1);
	mail_headers(m, 0, h, sizeof h);
	headers_sound(m, 0);
	must_contain("content type", h, "charset=UTF-8");
	subject_decoded(h, subject, sizeof subject);
	assert_string_equal(subject, "Nové přihlášení k účtu alice z " CZ);
	must_contain("greeting", m, "Dobrý den,");
	must_contain("labels", m, "  Účet:          alice\n");
	must_contain("labels", m, "  Čas:           ");
	/* The date as Czech writes it: "Čt 3. prosince 2026, 16:22:00 UTC". */
	{
		static const char *const months[] = { "ledna", "února",
			"března", "dubna", "května", "června", "července",
			"srpna", "září", "října", "listopadu", "prosince" };
		const char *line = strstr(m, "  Čas:"), *end;
		int czech = 0;

		assert_non_null(line);
		end = strchr(line, '\n');
		assert_non_null(end);
		for (size_t i = 0; i < 12; i++) {
			const char *at = strstr(line, months[i]);

			czech |= at != NULL && at < end;
		}
		if (!czech || memcmp(end - 4, " UTC", 4) != 0) {
			print_error("no Czech date in:\n%.*s\n",
				(int)(end - line), line);
			fail();
		}
	}
	/* The module changed nothing of the process's own locale. */
	assert_string_equal(setlocale(LC_ALL, NULL), "C");
	assert_true(uselocale((locale_t)0) == LC_GLOBAL_LOCALE);
	/* Without a language of the user's own, the policy's: Japanese. */
	penv_crm_ok(NULL, "user", "set", "alice", "--lang", "", NULL);
	penv_crm_ok(NULL, "policy", "set", "--global", "lang=ja", NULL);
	login_ok("alice", IT);
	m = mail_wait(2);
	mail_headers(m, 1, h, sizeof h);
	subject_decoded(h, subject, sizeof subject);
	assert_string_equal(subject, "alice に " IT " から新しいサインインがありました");
}

static void unverified_address_gets_no_alert(void **state)
{
	const char *m;
	char h[8192];

	(void)state;
	penv_user("sshd", "bob", INIT, PW1);
	penv_crm_ok(NULL, "user", "set", "bob", "--email", "bob@example.com",
		NULL);
	login_ok("bob", JP);
	m = mail_wait(1);
	mail_headers(m, 0, h, sizeof h);
	must_contain("recipients", h, NOTIFY);
	must_not_contain("recipients", m, "bob@example.com");
	must_contain("alert", m, "Tokyo, Japan");
	headers_sound(m, 0);
}

static void no_recipient_no_mail(void **state)
{
	struct timespec pause = { 1, 0 };

	(void)state;
	penv_user("sshd", "bob", INIT, PW1);
	login_ok("bob", JP);
	assert_int_equal(audit_count("ip.new", "bob"), 1);
	nanosleep(&pause, NULL);
	assert_int_equal(count_of(mail_read(), END_MARK), 0);
}

static void injected_rhost_is_refused_and_mails_nothing(void **state)
{
	static const char *const hosts[] = {
		CZ "\r\nBcc: x@evil.example",
		CZ "\nBcc: x@evil.example",
		"host.example\rBcc:x@evil.example",
	};
	char big[4097];
	struct penv_conv c;

	(void)state;
	penv_user("sshd", "alice", INIT, PW1);
	penv_crm_ok(NULL, "user", "set", "alice", "--email", ALICE_MAIL,
		"--verified", NULL);
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		int rc = auth_on("sshd", "alice", PW1, hosts[i], &c);
		if (rc == PAM_SUCCESS || rc == PAM_IGNORE) {
			print_error("rhost %zu: %s\n", i, pam_strerror(NULL, rc));
			fail();
		}
		assert_int_not_equal(penv_op("sshd", "alice", hosts[i], NULL,
			PAMTEST_ACCOUNT, 0), PAM_SUCCESS);
	}
	/* 4 kB of printable host name: over the 255-byte limit. */
	memset(big, 'h', sizeof big - 1);
	memcpy(big, "Bcc:x@evil.example.", 19);
	big[sizeof big - 1] = '\0';
	assert_int_not_equal(auth_on("sshd", "alice", PW1, big, &c),
		PAM_SUCCESS);
	assert_int_equal(audit_count("login.success", "alice"), 0);
	assert_int_equal(audit_count("ip.new", "alice"), 0);
	no_more_mail(0, "alice", CZ);
	must_not_contain("mail", mail_read(), "evil.example");
}

static void injected_user_name_is_refused(void **state)
{
	char out[4096];
	struct penv_conv c;

	(void)state;
	penv_user("sshd", "alice", INIT, PW1);
	penv_crm_ok(NULL, "user", "set", "alice", "--email", ALICE_MAIL,
		"--verified", NULL);
	assert_int_not_equal(penv_crm(INIT "\n", out, sizeof out, "user", "add",
		"eve\r\nBcc: x@evil.example", "--password-stdin", NULL), 0);
	assert_int_not_equal(auth_on("sshd", "eve\r\nBcc: x@evil.example", PW1,
		CZ, &c), PAM_SUCCESS);
	no_more_mail(0, "alice", JP);
	must_not_contain("mail", mail_read(), "evil.example");
}

static void odd_but_valid_names_never_make_a_header(void **state)
{
	/* UTF-8 "jiří.novák" with a tail that looks like a header. */
	static const char user[] = "ji\xc5\x99\xc3\xad.nov\xc3\xa1k+Bcc=x@evil.example";
	char host[256];
	const char *m;
	char h[8192];

	(void)state;
	penv_user("sshd", user, INIT, PW1);
	penv_crm_ok(NULL, "user", "set", user, "--email", "jiri@example.com",
		"--verified", NULL);
	/* 255 printable bytes, no spaces: the longest valid PAM_RHOST. */
	memset(host, 'h', sizeof host - 1);
	memcpy(host, "Bcc:x@evil.example.", 19);
	host[sizeof host - 1] = '\0';
	login_ok_on("sshd", user, PW1, host, NULL);
	m = mail_wait(1);
	headers_sound(m, 0);
	mail_headers(m, 0, h, sizeof h);
	must_contain("recipients", h, "jiri@example.com");
	must_contain("recipients", h, NOTIFY);
	must_not_contain("recipients", h, "x@evil.example,");
	/* The subject has no raw non-ASCII byte; the body names the user. */
	for (const char *p = h; *p != '\0'; p++)
		assert_true((unsigned char)*p < 0x80);
	must_contain("alert body", m, "ji\xc5\x99\xc3\xad.nov\xc3\xa1k");
}

static void touch(const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	dir_path(path, sizeof path, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
}

static void failing_or_slow_sendmail_never_changes_the_login(void **state)
{
	struct timespec settle = { 1, 0 };
	char path[PATH_MAX];
	long long t0, spent;

	(void)state;
	penv_user("sshd", "alice", INIT, PW1);
	penv_crm_ok(NULL, "user", "set", "alice", "--email", ALICE_MAIL,
		"--verified", NULL);
	/* sendmail exits 75. */
	touch("sendmail.fail");
	t0 = ms_now();
	login_ok("alice", CZ);
	spent = ms_now() - t0;
	if (spent >= 3000) {
		print_error("the login took %lld ms with a failing sendmail\n",
			spent);
		fail();
	}
	assert_int_equal(audit_count("ip.new", "alice"), 1);
	nanosleep(&settle, NULL);
	assert_int_equal(count_of(mail_read(), END_MARK), 0);
	dir_path(path, sizeof path, "sendmail.fail");
	unlink(path);

	/* sendmail takes 5 s: the login does not wait for it. */
	touch("sendmail.slow");
	t0 = ms_now();
	login_ok("alice", JP);
	spent = ms_now() - t0;
	if (spent >= 3000) {
		print_error("the login waited %lld ms for sendmail\n", spent);
		fail();
	}
	/* The slow one still delivers, later. */
	must_contain("slow alert", mail_wait(1), JP);
	dir_path(path, sizeof path, "sendmail.slow");
	unlink(path);

	/* No sendmail at all: the login stands too. */
	dir_path(path, sizeof path, "sendmail");
	assert_int_equal(unlink(path), 0);
	login_ok("alice", IT);
	assert_int_equal(audit_count("login.success", "alice"), 3);
	assert_int_equal(audit_count("ip.new", "alice"), 3);
}

/* Rules, throttling off: IP throttling would not interfere anyway. */
/*
 * The stacked tests' system accounts, daemon and root, are governed; their
 * passwords in /etc/shadow are as old as the system and may stay so.
 */
static const char *rules_conf = "ip_deny = 0\nnotify_to = " NOTIFY "\n"
	"govern_uids = 0,1\nmax_age_days = 0\n";
static const char *throttle_conf = "ip_deny = 10\nip_interval = 900\n"
	"ip_block_time = 3600\nnotify_to = " NOTIFY "\n";
static const char *mail_conf = "ip_deny = 0\nnotify_to = " NOTIFY "\n";
/* No notify_to: only a user's verified address would get an alert. */
static const char *quiet_conf = "ip_deny = 0\n";

#define T(f, conf) cmocka_unit_test_prestate_setup_teardown(f, net_setup, \
	NULL, (void *)(conf))

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(group_rule_denies_japan_and_allows_czechia, rules_conf),
		T(group_rule_in_stacked_preauth, rules_conf),
		T(user_scope_touches_only_that_user, rules_conf),
		T(service_list_limits_a_rule, rules_conf),
		T(disabled_rule_is_ignored, rules_conf),
		T(default_deny_with_an_office_allow_rule, rules_conf),
		T(local_rule_allows_a_console_login, rules_conf),
		T(host_name_matches_only_any, rules_conf),
		T(ipv6_and_mapped_ipv4_addresses, rules_conf),
		T(acct_refuses_a_denied_address_after_a_key_login, rules_conf),
		T(ten_wrong_passwords_block_the_address, throttle_conf),
		T(nine_wrong_passwords_do_not_block, throttle_conf),
		T(throttle_race_blocks_once, throttle_conf),
		T(history_rows_carry_the_place, rules_conf),
		T(repeated_successes_merge_into_one_row, rules_conf),
		T(session_greeting_names_the_place, rules_conf),
		T(alert_mail_tells_who_where_and_what_to_do, mail_conf),
		T(alert_mail_speaks_the_users_language, mail_conf),
		T(unverified_address_gets_no_alert, mail_conf),
		T(no_recipient_no_mail, quiet_conf),
		T(injected_rhost_is_refused_and_mails_nothing, mail_conf),
		T(injected_user_name_is_refused, mail_conf),
		T(odd_but_valid_names_never_make_a_header, mail_conf),
		T(failing_or_slow_sendmail_never_changes_the_login, mail_conf),
	};

	(void)argc;
	unsetenv("PAM_AUTHTOK");
	/* The rule guard protects an admin's ssh address; there is none. */
	unsetenv("SSH_CONNECTION");
	penv_boot(argv, services, sizeof services / sizeof services[0]);
	return penv_finish(cmocka_run_group_tests_name("pam_network", tests,
		NULL, NULL));
}
