/*
 * The PAM test harness (see pamenv.h): pam_wrapper re-exec, a fresh store per
 * test made through the real crmpasswd, a scripted conversation and small
 * SQL probes of the store. Test code, so it keeps its paths in file statics.
 */
#include "pamenv.h"

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <liboath/oath.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crmpolicy/config.h"
#include "crmpolicy/context.h"
#include "crmpolicy/mfa.h"

#define PENV_PATH PATH_MAX

static char g_dir[PENV_PATH];
static char g_conf[PENV_PATH];
static char g_build[PENV_PATH];
static int g_made;	/* this process made g_dir */
static int g_fleet;	/* hosts in fleet mode, else 0 */
static char g_confs[PENV_FLEET_MAX][PENV_PATH];
static char g_schema[64];	/* the current test's, on PostgreSQL */
static char g_pgdb[PENV_PATH + 256];	/* its conninfo */

const char *penv_dir(void) { return g_dir; }
const char *penv_conf(void) { return g_conf; }
const char *penv_build(void) { return g_build; }
int penv_fleet_hosts(void) { return g_fleet; }

const char *penv_conf_of(int host)
{
	if (g_fleet == 0 || host < 1 || host > g_fleet) {
		fprintf(stderr, "pamenv: no host %d in this fleet\n", host);
		exit(99);
	}
	return g_confs[host - 1];
}

/* The server of the PostgreSQL fleet, or NULL. */
static const char *pg_url(void)
{
	const char *url = getenv("CRM_TEST_PG");

	return url != NULL && *url != '\0' ? url : NULL;
}

/* CRM_TEST_BACKEND=postgresql: one host's store in PostgreSQL too. */
static int backend_pg(void)
{
	const char *b = getenv("CRM_TEST_BACKEND");

	return b != NULL && strcmp(b, "postgresql") == 0;
}

int penv_fleet_pg(void)
{
	return (g_fleet > 0 || backend_pg()) && pg_url() != NULL;
}

void penv_fleet(int hosts)
{
	if (hosts < 2 || hosts > PENV_FLEET_MAX) {
		fprintf(stderr, "pamenv: a fleet has 2 to %d hosts\n",
			PENV_FLEET_MAX);
		exit(99);
	}
	g_fleet = hosts;
}

static void die(const char *what)
{
	fprintf(stderr, "pamenv: %s: %s\n", what, strerror(errno));
	exit(99);
}

static void path_of(char *out, size_t len, const char *name)
{
	int n = snprintf(out, len, "%s/%s", g_dir, name);
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "pamenv: path too long\n");
		exit(99);
	}
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		die(path);
	if (chmod(path, mode) != 0)
		die(path);
}

/* The build dir: $CRM_BUILD, else the parent of the binary's directory. */
static void find_build(void)
{
	const char *env = getenv("CRM_BUILD");
	char exe[PENV_PATH];
	ssize_t n;
	char *slash;

	if (env != NULL && *env != '\0') {
		if (realpath(env, g_build) == NULL)
			die(env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n < 0)
		die("/proc/self/exe");
	exe[n] = '\0';
	for (int i = 0; i < 2; i++) {
		slash = strrchr(exe, '/');
		if (slash == NULL || slash == exe) {
			fprintf(stderr, "pamenv: cannot find the build dir\n");
			exit(99);
		}
		*slash = '\0';
	}
	snprintf(g_build, sizeof g_build, "%s", exe);
}

/* Replaces @MOD@ and @CONF@ in text. */
static char *expand(const char *text)
{
	char mod[PENV_PATH + 32];
	size_t cap = strlen(text) * 2 + 4096, len = 0;
	char *out = malloc(cap);

	if (out == NULL)
		die("malloc");
	snprintf(mod, sizeof mod, "%s/pam_crmpolicy.so", g_build);
	while (*text != '\0') {
		const char *rep = NULL;
		size_t skip = 1;
		if (strncmp(text, "@MOD@", 5) == 0) {
			rep = mod;
			skip = 5;
		} else if (strncmp(text, "@CONF@", 6) == 0) {
			rep = g_conf;
			skip = 6;
		} else if (strncmp(text, "@CONF", 5) == 0 && text[5] >= '1'
		    && text[5] <= '9' && text[6] == '@') {
			rep = penv_conf_of(text[5] - '0');
			skip = 7;
		}
		if (rep != NULL) {
			size_t rl = strlen(rep);
			if (len + rl + 1 >= cap)
				break;
			memcpy(out + len, rep, rl);
			len += rl;
		} else if (len + 2 < cap) {
			out[len++] = *text;
		}
		text += skip;
	}
	out[len] = '\0';
	return out;
}

static void add_env_word(const char *name, const char *word, const char *sep)
{
	const char *old = getenv(name);
	char buf[2048];

	if (old != NULL && strstr(old, word) != NULL)
		return;
	if (old != NULL && *old != '\0')
		snprintf(buf, sizeof buf, "%s%s%s", word, sep, old);
	else
		snprintf(buf, sizeof buf, "%s", word);
	setenv(name, buf, 1);
}

/* The conf path(s): one, or in fleet mode one per host. */
static void conf_paths(void)
{
	char name[32];

	path_of(g_conf, sizeof g_conf, "crmpolicy.conf");
	for (int k = 1; k <= g_fleet; k++) {
		snprintf(name, sizeof name, "conf-h%d", k);
		path_of(g_confs[k - 1], sizeof g_confs[0], name);
	}
	if (g_fleet > 0)
		snprintf(g_conf, sizeof g_conf, "%s", g_confs[0]);
}

static void drop_schemas(pid_t owner);

void penv_boot(char **argv, const struct penv_svc *svcs, size_t n)
{
	const char *dir = getenv("CRM_PAMTEST_DIR");
	char svcdir[PENV_PATH], path[PENV_PATH + 64], opt[PENV_PATH + 160];
	int san, status;
	pid_t pid;

	if (getenv("PAM_WRAPPER") != NULL && dir != NULL) {
		snprintf(g_dir, sizeof g_dir, "%s", dir);
		find_build();
		conf_paths();
		return;
	}
	find_build();
	snprintf(g_dir, sizeof g_dir, "/tmp/crmpam.XXXXXX");
	if (mkdtemp(g_dir) == NULL)
		die("mkdtemp");
	g_made = 1;
	conf_paths();
	path_of(svcdir, sizeof svcdir, "services");
	if (mkdir(svcdir, 0755) != 0)
		die(svcdir);
	/* pam_wrapper copies the service dir once, when it starts: every
	 * service of the binary is written now, before the re-exec. */
	/* libpam reads "other" first: deny everything not named. */
	snprintf(path, sizeof path, "%s/other", svcdir);
	write_file(path, "auth required pam_deny.so\naccount required "
		"pam_deny.so\npassword required pam_deny.so\nsession required "
		"pam_deny.so\n", 0644);
	for (size_t i = 0; i < n; i++) {
		char *text = expand(svcs[i].text);
		snprintf(path, sizeof path, "%s/%s", svcdir, svcs[i].name);
		write_file(path, text, 0644);
		free(text);
	}
	san = (getenv("CRM_SAN") != NULL && strcmp(getenv("CRM_SAN"), "1") == 0)
		|| strstr(g_build, "/asan") != NULL;
	add_env_word("LD_PRELOAD", "libpam_wrapper.so", ":");
	setenv("PAM_WRAPPER", "1", 1);
	setenv("PAM_WRAPPER_SERVICE_DIR", svcdir, 1);
	setenv("CRM_PAMTEST_DIR", g_dir, 1);
	setenv("CRM_BUILD", g_build, 1);
	/* The module's catalogs: the build's, as make builds them. */
	snprintf(path, sizeof path, "%s/locale", g_build);
	setenv("CRMPOLICY_LOCALEDIR", path, 1);
	if (san) {
		/* The sanitizer runtime refuses RTLD_DEEPBIND. Debian 12's
		 * pam_wrapper 1.1.4 reads the variable under uid_wrapper's
		 * name, later versions under their own: set both. */
		setenv("PAM_WRAPPER_DISABLE_DEEPBIND", "1", 1);
		setenv("UID_WRAPPER_DISABLE_DEEPBIND", "1", 1);
		add_env_word("ASAN_OPTIONS",
			"verify_asan_link_order=0:detect_leaks=1", ":");
		/* pam_wrapper's own set-up allocations live until exit;
		 * everything else, the module's included, is checked. */
		path_of(path, sizeof path, "lsan.supp");
		write_file(path, "leak:libpam_wrapper.so\n", 0644);
		snprintf(opt, sizeof opt, "suppressions=%s:print_suppressions=0",
			path);
		add_env_word("LSAN_OPTIONS", opt, ":");
	}
	/* The test runs in a child, so that the directory goes even when
	 * the test crashes. */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execv("/proc/self/exe", argv);
		die("execv");
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	/* A test that died leaves its schema: it goes with the dir. */
	if (penv_fleet_pg())
		drop_schemas(pid);
	penv_finish(0);
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "pamenv: the test died of signal %d\n",
			WTERMSIG(status));
		exit(128 + WTERMSIG(status));
	}
	exit(WEXITSTATUS(status));
}

static int rm_one(const char *path, const struct stat *st, int type,
	struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

int penv_finish(int rc)
{
	const char *keep = getenv("CRM_KEEP");

	if (g_schema[0] != '\0' && (keep == NULL || strcmp(keep, "1") != 0))
		drop_schemas(getpid());
	/* Only the process that made the directory removes it. */
	if (!g_made)
		return rc;
	if (keep != NULL && strcmp(keep, "1") == 0)
		fprintf(stderr, "pamenv: kept %s\n", g_dir);
	else if (g_dir[0] != '\0')
		nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}

/* ---- the fleet's PostgreSQL ---- */

/* The server's notices (a cascade's list of what it dropped) are noise. */
static void pg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Runs sql on a new superuser connection; 0 or -1 (message printed). */
static int pg_admin(const char *sql)
{
	PGconn *c = PQconnectdb(pg_url());
	PGresult *res = NULL;
	int ok = 0;

	if (PQstatus(c) == CONNECTION_OK) {
		PQsetNoticeProcessor(c, pg_quiet, NULL);
		res = PQexec(c, sql);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK
			|| PQresultStatus(res) == PGRES_TUPLES_OK;
	}
	if (!ok)
		fprintf(stderr, "pamenv: %s: %s", sql, res != NULL ?
			PQresultErrorMessage(res) : PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
	return ok ? 0 : -1;
}

static PGconn *g_pg;		/* penv_sql's connection to g_schema */
static pid_t g_pg_pid;

static void pg_forget(void)
{
	/* A forked child leaves its parent's session alone. */
	if (g_pg != NULL && g_pg_pid == getpid())
		PQfinish(g_pg);
	g_pg = NULL;
}

/* The schemas of the tests of process owner ("crmpam_PID_SEQ") go. */
static void drop_schemas(pid_t owner)
{
	char sql[512];

	pg_forget();
	snprintf(sql, sizeof sql, "DO $$DECLARE s text; BEGIN FOR s IN SELECT"
		" nspname FROM pg_namespace"
		" WHERE nspname LIKE 'crmpam\\_%d\\_%%'"
		" LOOP EXECUTE format('DROP SCHEMA %%I CASCADE', s); END LOOP;"
		" END$$", (int)owner);
	(void)pg_admin(sql);
	if (owner == getpid())
		g_schema[0] = '\0';
}

/*
 * A fresh schema for the test; the db line of every host points at it
 * (search_path in the options of the connection), the URI form of
 * CRM_TEST_PG as well as the keyword form.
 */
static void pg_schema_new(void)
{
	static int seq;
	const char *url = pg_url();
	char sql[128];

	drop_schemas(getpid());
	snprintf(g_schema, sizeof g_schema, "crmpam_%d_%d", (int)getpid(),
		++seq);
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", g_schema);
	if (pg_admin(sql) != 0)
		exit(99);
	if (strncmp(url, "postgres://", 11) == 0
	    || strncmp(url, "postgresql://", 13) == 0)
		snprintf(g_pgdb, sizeof g_pgdb,
			"%s%coptions=-csearch_path%%3D%s", url,
			strchr(url, '?') != NULL ? '&' : '?', g_schema);
	else
		snprintf(g_pgdb, sizeof g_pgdb, "%s options=-csearch_path=%s",
			url, g_schema);
}

void penv_reset(const char *extra)
{
	static const char *const gone[] = { "crmpolicy.db", "crmpolicy.db-wal",
		"crmpolicy.db-shm", "crmpolicy.db-journal", "crmpolicy.key" };
	char path[PENV_PATH], db[sizeof g_pgdb];
	char text[4 * PENV_PATH + sizeof g_pgdb + 4096];

	for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
		path_of(path, sizeof path, gone[i]);
		if (unlink(path) != 0 && errno != ENOENT)
			die(path);
	}
	if (chmod(g_dir, 0700) != 0)
		die(g_dir);
	if (penv_fleet_pg()) {
		pg_schema_new();
		snprintf(db, sizeof db, "%s", g_pgdb);
	} else {
		path_of(db, sizeof db, "crmpolicy.db");
	}
	/* One conf, or one per host differing only in host_name. */
	for (int k = g_fleet > 0 ? 1 : 0; k <= g_fleet; k++) {
		char host[32] = "";

		if (k > 0)
			snprintf(host, sizeof host, "host_name = h%d\n", k);
		snprintf(text, sizeof text,
			"# written by the PAM tests\n"
			"db = %s\n"
			"%s"
			"key_file = %s/crmpolicy.key\n"
			"badwords_file = %s/badwords\n"
			"hash_opslimit = 1\n"
			"hash_memlimit = 8192\n"
			"%s", db, host, g_dir, g_dir,
			extra != NULL ? extra : "");
		write_file(k > 0 ? g_confs[k - 1] : g_conf, text, 0644);
	}
	path_of(path, sizeof path, "badwords");
	write_file(path, "12345Aa!\npassword\nPassw0rd!\nqwerty123\n", 0644);
	penv_crm_ok(NULL, "init", NULL);
}

int penv_setup(void **state)
{
	penv_reset(*state);
	return 0;
}

static int run_crm(const char *conf, const char *input, char *out,
	size_t outlen, va_list ap)
{
	char in_path[PENV_PATH], out_path[PENV_PATH], exe[PENV_PATH + 16];
	const char *args[64];
	size_t na = 0;
	const char *a;
	pid_t pid;
	int status;

	path_of(in_path, sizeof in_path, "crm.in");
	path_of(out_path, sizeof out_path, "crm.out");
	write_file(in_path, input != NULL ? input : "", 0600);
	snprintf(exe, sizeof exe, "%s/crmpasswd", g_build);
	args[na++] = exe;
	args[na++] = "--conf";
	args[na++] = conf;
	while ((a = va_arg(ap, const char *)) != NULL && na < 62)
		args[na++] = a;
	args[na] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int fi = open(in_path, O_RDONLY);
		int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fi < 0 || fo < 0 || dup2(fi, 0) < 0 || dup2(fo, 1) < 0
		    || dup2(fo, 2) < 0)
			_exit(127);
		/* crmpasswd is an ordinary program here, not a PAM test. */
		unsetenv("LD_PRELOAD");
		unsetenv("PAM_WRAPPER");
		unsetenv("PAM_WRAPPER_SERVICE_DIR");
		execv(exe, (char *const *)args);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	unlink(in_path);
	if (out != NULL && outlen > 0) {
		FILE *f = fopen(out_path, "r");
		size_t got = 0;
		if (f != NULL) {
			got = fread(out, 1, outlen - 1, f);
			fclose(f);
		}
		out[got] = '\0';
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int penv_crm(const char *input, char *out, size_t outlen, ...)
{
	va_list ap;
	int rc;

	va_start(ap, outlen);
	rc = run_crm(g_conf, input, out, outlen, ap);
	va_end(ap);
	return rc;
}

int penv_crm_at(int host, const char *input, char *out, size_t outlen, ...)
{
	va_list ap;
	int rc;

	va_start(ap, outlen);
	rc = run_crm(penv_conf_of(host), input, out, outlen, ap);
	va_end(ap);
	return rc;
}

void penv_crm_ok(const char *input, ...)
{
	char out[4096];
	va_list ap;
	int rc;

	va_start(ap, input);
	rc = run_crm(g_conf, input, out, sizeof out, ap);
	va_end(ap);
	if (rc != 0) {
		print_error("crmpasswd failed with exit code %d:\n%s\n", rc, out);
		fail();
	}
}

void penv_user(const char *svc, const char *user, const char *initial,
	const char *password)
{
	char line[512];
	struct penv_conv c;

	snprintf(line, sizeof line, "%s\n", initial);
	penv_crm_ok(line, "user", "add", user, "--password-stdin", NULL);
	penv_conv_init(&c, password, password, NULL);
	PENV_EXPECT(svc, user, NULL, &c,
		pam_test_flags(PAMTEST_CHAUTHTOK, PAM_SUCCESS,
			PAM_CHANGE_EXPIRED_AUTHTOK));
}

int64_t penv_totp_enrol(const char *user, const char *secret, size_t len,
	char recovery[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN])
{
	struct crm_config cfg;
	struct crm_problems probs;
	struct crm_error err;
	struct crm_ctx ctx;
	int64_t t0;
	char code[16];
	int r;

	memset(&ctx, 0, sizeof ctx);
	crm_config_init(&cfg);
	crm_problems_init(&probs);
	r = crm_config_load(&cfg, g_conf, 1, &probs, &err);
	for (size_t i = 0; i < probs.n; i++)
		print_error("%s\n", probs.items[i]);
	crm_problems_free(&probs);
	assert_int_equal(r, 0);
	if (crm_ctx_open(&ctx, &cfg, 0, &err) != 0) {
		print_error("crm_ctx_open: %s\n", err.msg);
		fail();
	}
	ctx.actor = "test";
	ctx.service = "test";
	t0 = ctx.now;
	assert_int_equal(oath_init(), OATH_OK);
	assert_int_equal(oath_totp_generate(secret, len, (time_t)ctx.now, 30,
		0, 6, code), OATH_OK);
	r = crm_totp_enroll(&ctx, user, (const unsigned char *)secret, len,
		code, 1, recovery, &err);
	if (r != 0)
		print_error("crm_totp_enroll: %s\n", err.msg);
	crm_ctx_close(&ctx);
	crm_config_free(&cfg);
	assert_int_equal(r, 0);
	return t0;
}

void penv_conv_init(struct penv_conv *c, ...)
{
	va_list ap;
	const char *a;
	size_t i = 0;

	memset(c, 0, sizeof *c);
	va_start(ap, c);
	while ((a = va_arg(ap, const char *)) != NULL && i < PENV_MSGS - 1)
		c->answers[i++] = a;
	va_end(ap);
	for (i = 0; i < PENV_MSGS; i++) {
		c->info[i] = c->buf[i];
		c->err[i] = c->buf[PENV_MSGS + i];
	}
	c->data.in_echo_off = c->answers;
	c->data.out_info = c->info;
	c->data.out_err = c->err;
}

int penv_conv_has(const struct penv_conv *c, const char *needle)
{
	for (size_t i = 0; i < c->ninfo; i++)
		if (strstr(c->info[i], needle) != NULL)
			return 1;
	for (size_t i = 0; i < c->nerr; i++)
		if (strstr(c->err[i], needle) != NULL)
			return 1;
	return 0;
}

const char *penv_conv_dump(const struct penv_conv *c)
{
	static char out[8192];
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < c->nprompts && len < sizeof out; i++)
		len += (size_t)snprintf(out + len, sizeof out - len,
			"  [prompt] %s\n", c->prompts[i]);
	for (size_t i = 0; i < c->ninfo && len < sizeof out; i++)
		len += (size_t)snprintf(out + len, sizeof out - len,
			"  [info] %s\n", c->info[i]);
	for (size_t i = 0; i < c->nerr && len < sizeof out; i++)
		len += (size_t)snprintf(out + len, sizeof out - len,
			"  [error] %s\n", c->err[i]);
	return out;
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

static void keep_msg(char **slots, size_t *n, const char *msg)
{
	if (*n >= PENV_MSGS)
		return;
	snprintf(slots[*n], PAM_MAX_MSG_SIZE + 1, "%s", msg);
	(*n)++;
}

int penv_conv_fn(int n, const struct pam_message **msg,
	struct pam_response **resp, void *arg)
{
	struct penv_conv *c = arg;
	struct pam_response *r;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof *r);
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		const char *ans;
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			if (c->nprompts < PENV_MSGS)
				snprintf(c->prompts[c->nprompts++],
					sizeof c->prompts[0], "%s", msg[i]->msg);
			ans = c->nanswered < PENV_MSGS
				? c->answers[c->nanswered] : NULL;
			if (ans == NULL) {
				drop(r, n);
				return PAM_CONV_ERR;
			}
			c->nanswered++;
			r[i].resp = strdup(ans);
			if (r[i].resp == NULL) {
				drop(r, n);
				return PAM_BUF_ERR;
			}
			break;
		case PAM_ERROR_MSG:
			keep_msg(c->err, &c->nerr, msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			keep_msg(c->info, &c->ninfo, msg[i]->msg);
			break;
		default:
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

enum pamtest_err penv_run(const char *service, const char *user,
	const char *rhost, struct penv_conv *c, struct pam_testcase *cases,
	size_t n)
{
	struct pam_conv conv = { c->fn != NULL ? c->fn : penv_conv_fn, c };
	pam_handle_t *ph = NULL;

	if (pam_start(service, user, &conv, &ph) != PAM_SUCCESS)
		return PAMTEST_ERR_START;
	if (rhost != NULL && pam_set_item(ph, PAM_RHOST, rhost) != PAM_SUCCESS) {
		pam_end(ph, PAM_SYSTEM_ERR);
		return PAMTEST_ERR_START;
	}
	/* Given a handle, libpamtest runs the cases on it and ends it. */
	return _pamtest_conv(service, user, conv.conv, c, cases, n, ph);
}

static const char *op_name(enum pamtest_ops op)
{
	switch (op) {
	case PAMTEST_AUTHENTICATE: return "authenticate";
	case PAMTEST_SETCRED: return "setcred";
	case PAMTEST_ACCOUNT: return "acct_mgmt";
	case PAMTEST_OPEN_SESSION: return "open_session";
	case PAMTEST_CLOSE_SESSION: return "close_session";
	case PAMTEST_CHAUTHTOK: return "chauthtok";
	default: return "other";
	}
}

void penv_expect_at(const char *file, int line, const char *service,
	const char *user, const char *rhost, struct penv_conv *c,
	struct pam_testcase *cases, size_t n)
{
	struct penv_conv local;
	enum pamtest_err rc;

	if (c == NULL) {
		penv_conv_init(&local, NULL);
		c = &local;
	}
	rc = penv_run(service, user, rhost, c, cases, n);
	if (rc == PAMTEST_ERR_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		if (cases[i].op_rv == cases[i].expected_rv)
			continue;
		print_error("%s:%d: service %s, user %.40s: %s returned %s (%d), "
			"expected %s (%d)\nconversation:\n%s", file, line,
			service, user, op_name(cases[i].pam_operation),
			pam_strerror(NULL, cases[i].op_rv), cases[i].op_rv,
			pam_strerror(NULL, cases[i].expected_rv),
			cases[i].expected_rv, penv_conv_dump(c));
		_fail(file, line);
	}
	print_error("%s:%d: libpamtest: %s\n", file, line, pamtest_strerror(rc));
	_fail(file, line);
}

int penv_op(const char *service, const char *user, const char *rhost,
	struct penv_conv *c, enum pamtest_ops op, int flags)
{
	struct pam_testcase tc[] = { pam_test_flags(op, PAM_SUCCESS, flags) };
	struct penv_conv local;
	enum pamtest_err rc;

	if (c == NULL) {
		penv_conv_init(&local, NULL);
		c = &local;
	}
	rc = penv_run(service, user, rhost, c, tc, 1);
	if (rc != PAMTEST_ERR_OK && rc != PAMTEST_ERR_CASE) {
		print_error("libpamtest: %s\n", pamtest_strerror(rc));
		fail();
	}
	return tc[0].op_rv;
}

static int g_saved_err = -1;

void penv_capture_start(void)
{
	char path[PENV_PATH];
	int fd;

	path_of(path, sizeof path, "stderr.log");
	fflush(stderr);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	g_saved_err = dup(2);
	if (fd < 0 || g_saved_err < 0 || dup2(fd, 2) < 0)
		die(path);
	close(fd);
}

const char *penv_capture_end(void)
{
	static char text[65536];
	char path[PENV_PATH];
	size_t got = 0;
	FILE *f;

	fflush(stderr);
	if (g_saved_err >= 0) {
		dup2(g_saved_err, 2);
		close(g_saved_err);
		g_saved_err = -1;
	}
	path_of(path, sizeof path, "stderr.log");
	f = fopen(path, "r");
	if (f != NULL) {
		got = fread(text, 1, sizeof text - 1, f);
		fclose(f);
	}
	text[got] = '\0';
	return text;
}

static sqlite3 *db_open(void)
{
	char path[PENV_PATH];
	sqlite3 *db = NULL;

	path_of(path, sizeof path, "crmpolicy.db");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL)
	    != SQLITE_OK) {
		print_error("cannot open %s: %s\n", path,
			db != NULL ? sqlite3_errmsg(db) : "no memory");
		sqlite3_close(db);
		fail();
	}
	sqlite3_busy_timeout(db, 10000);
	return db;
}

/*
 * SQLite's parameters as PostgreSQL's: ?N becomes $N, a bare ? the next
 * number; literals are copied as they are.
 */
static void pg_text(const char *sql, char *out, size_t len)
{
	size_t o = 0;
	int next = 0, quoted = 0;

	for (const char *c = sql; *c != '\0' && o + 16 < len; c++) {
		if (*c == '\'')
			quoted = !quoted;
		if (quoted || *c != '?') {
			out[o++] = *c;
			continue;
		}
		if (c[1] >= '0' && c[1] <= '9') {
			out[o++] = '$';
			continue;
		}
		o += (size_t)snprintf(out + o, len - o, "$%d", ++next);
	}
	out[o] = '\0';
}

/* The connection to the current test's schema, kept for the process. */
static PGconn *pg_conn(void)
{
	if (g_pg != NULL && g_pg_pid == getpid())
		return g_pg;
	g_pg = PQconnectdb(g_pgdb);
	g_pg_pid = getpid();
	if (PQstatus(g_pg) != CONNECTION_OK) {
		print_error("cannot connect to %s: %s", g_pgdb,
			PQerrorMessage(g_pg));
		PQfinish(g_pg);
		g_pg = NULL;
		fail();
	}
	PQsetNoticeProcessor(g_pg, pg_quiet, NULL);
	return g_pg;
}

/* sql with up to 16 text parameters from ap; the result or a failure. */
static PGresult *pg_run(const char *sql, va_list ap)
{
	char text[8192];
	const char *vals[16];
	const char *a;
	int n = 0;
	PGresult *res;

	pg_text(sql, text, sizeof text);
	while ((a = va_arg(ap, const char *)) != NULL && n < 16)
		vals[n++] = a;
	res = PQexecParams(pg_conn(), text, n, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK
	    && PQresultStatus(res) != PGRES_COMMAND_OK) {
		print_error("SQL %s: %s", text, PQresultErrorMessage(res));
		PQclear(res);
		fail();
	}
	return res;
}

/*
 * The first column of the first row of sql, as text, on either engine:
 * 1 with a row (NULL reads as ""), 0 without.
 */
static int sql_first(char *out, size_t len, const char *sql, va_list ap)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	const char *a;
	int i = 1, rc, got = 0;

	out[0] = '\0';
	if (penv_fleet_pg()) {
		PGresult *res = pg_run(sql, ap);

		if (PQntuples(res) > 0 && PQnfields(res) > 0) {
			const char *v = PQgetvalue(res, 0, 0);
			/* Booleans read as SQLite's 1 and 0. */
			if (PQftype(res, 0) == 16 /* BOOLOID */)
				v = v[0] == 't' ? "1" : "0";
			snprintf(out, len, "%s", v);
			got = 1;
		}
		PQclear(res);
		return got;
	}
	db = db_open();
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		print_error("SQL %s: %s\n", sql, sqlite3_errmsg(db));
		sqlite3_close(db);
		fail();
	}
	while ((a = va_arg(ap, const char *)) != NULL)
		sqlite3_bind_text(st, i++, a, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		snprintf(out, len, "%s", v != NULL ? (const char *)v : "");
		got = 1;
	} else if (rc != SQLITE_DONE) {
		print_error("SQL %s: %s\n", sql, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		sqlite3_close(db);
		fail();
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return got;
}

int64_t penv_sql(const char *sql, ...)
{
	char v[4096];
	va_list ap;
	int got;

	va_start(ap, sql);
	got = sql_first(v, sizeof v, sql, ap);
	va_end(ap);
	/* As sqlite3_column_int64: NULL or text without digits is 0. */
	return got ? (int64_t)strtoll(v, NULL, 10) : -1;
}

int penv_sql_text(char *out, size_t len, const char *sql, ...)
{
	va_list ap;
	int got;

	va_start(ap, sql);
	got = sql_first(out, len, sql, ap);
	va_end(ap);
	return got;
}

void penv_sql_exec(const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	if (penv_fleet_pg()) {
		PGresult *res = PQexec(pg_conn(), sql);

		if (PQresultStatus(res) != PGRES_COMMAND_OK
		    && PQresultStatus(res) != PGRES_TUPLES_OK) {
			print_error("SQL %s: %s", sql,
				PQresultErrorMessage(res));
			PQclear(res);
			fail();
		}
		PQclear(res);
		return;
	}
	db = db_open();
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		print_error("SQL %s: %s\n", sql, msg != NULL ? msg : "?");
		sqlite3_free(msg);
		sqlite3_close(db);
		fail();
	}
	sqlite3_close(db);
}

/*
 * pam_wrapper sets itself up again in every child (a directory picked by
 * lstat then mkdir), so the children of penv_race are started one after
 * another and each reports ready once its handle exists; the
 * authentications then run together. Children leave through exit() so
 * that pam_wrapper removes its directory, and report their code through a
 * pipe.
 */
struct race_result {
	int idx;
	int rc;
};

static void race_child(int idx, const char *service, const char *user,
	struct penv_conv *c, const char *rhost, int gate, int ready, int out)
{
	struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS) };
	struct pam_conv conv;
	struct race_result r = { idx, 200 };
	pam_handle_t *ph = NULL;
	char b = 'r';

	/* c is this child's own copy since the fork. */
	conv.conv = c->fn != NULL ? c->fn : penv_conv_fn;
	conv.appdata_ptr = c;
	if (pam_start(service, user, &conv, &ph) == PAM_SUCCESS
	    && pam_set_item(ph, PAM_RHOST, rhost) == PAM_SUCCESS) {
		if (write(ready, &b, 1) != 1)
			exit(1);
		/* EOF when the parent closes its end: all go at once. */
		while (read(gate, &b, 1) < 0 && errno == EINTR)
			;
		if (_pamtest_conv(service, user, conv.conv, c, tc, 1, ph)
		    <= PAMTEST_ERR_CASE)
			r.rc = tc[0].op_rv;
	} else if (write(ready, &b, 1) != 1) {
		exit(1);
	}
	if (write(out, &r, sizeof r) != (ssize_t)sizeof r)
		exit(1);
	exit(0);
}

void penv_race(const char *service, const char *user, const char *password,
	const char *rhost, int rcs[PENV_RACE_N])
{
	const char *answers[] = { password, NULL };

	penv_race_answers(service, user, answers, rhost, rcs);
}

void penv_race_answers(const char *service, const char *user,
	const char *const answers[], const char *rhost, int rcs[PENV_RACE_N])
{
	const char *const services[] = { service };
	struct penv_conv c;

	penv_conv_init(&c, NULL);
	for (size_t i = 0; answers[i] != NULL && i < PENV_MSGS - 1; i++)
		c.answers[i] = answers[i];
	penv_race_fleet(services, 1, user, rhost, &c, NULL, NULL, rcs);
}

/*
 * Waits for child i to say it is ready. The parent holds the pipe's
 * write end too, so a child that died first would never be noticed by a
 * plain read: it is looked for while waiting, and fails the test.
 */
static void wait_ready(int fd, pid_t pid, int i)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char b;

	for (;;) {
		int status, n = poll(&p, 1, 200);

		if (n > 0) {
			assert_int_equal(read(fd, &b, 1), 1);
			return;
		}
		if (n < 0)
			assert_int_equal(errno, EINTR);
		if (waitpid(pid, &status, WNOHANG) == pid)
			fail_msg("child %d ended with status %#x before it was"
				" ready", i, status);
	}
}

void penv_race_fleet(const char *const services[], size_t n,
	const char *user, const char *rhost, struct penv_conv *c,
	void (*during)(void *), void *arg, int rcs[PENV_RACE_N])
{
	int gate[2], ready[2], out[2];
	pid_t pids[PENV_RACE_N];
	struct race_result r;

	assert_true(n > 0);
	assert_int_equal(pipe(gate), 0);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(out), 0);
	for (int i = 0; i < PENV_RACE_N; i++) {
		rcs[i] = -1;
		fflush(NULL);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(gate[1]);
			close(ready[0]);
			close(out[0]);
			race_child(i, services[(size_t)i % n], user, c, rhost,
				gate[0], ready[1], out[1]);
		}
		wait_ready(ready[0], pids[i], i);
	}
	close(gate[0]);
	close(ready[0]);
	close(ready[1]);
	close(out[1]);
	close(gate[1]);
	if (during != NULL)
		during(arg);
	while (read(out[0], &r, sizeof r) == (ssize_t)sizeof r)
		if (r.idx >= 0 && r.idx < PENV_RACE_N)
			rcs[r.idx] = r.rc;
	close(out[0]);
	for (int i = 0; i < PENV_RACE_N; i++) {
		int status;
		while (waitpid(pids[i], &status, 0) < 0)
			assert_int_equal(errno, EINTR);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			print_error("child %d ended with status %#x\n", i,
				status);
			fail();
		}
	}
}
