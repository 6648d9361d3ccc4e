/*
 * Shared helpers of the unit tests: a temporary directory holding a conf
 * with the cheapest hash cost and an open store, with the clock at T0.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <ftw.h>

#include <libpq-fe.h>
#include <liboath/oath.h>
#include <sodium.h>

#include "testlib.h"
#include "crmpolicy/admin.h"
#include "crmpolicy/auth.h"
#include "crmpolicy/mfa.h"
#include "crmpolicy/store.h"

#define FAKE_SENDMAIL "tests/data/fake-sendmail"

/* Arbitrary bytes, not text: a leak of the raw secret shows as itself. */
const unsigned char tenv_secret[TENV_SECRET_LEN] = {
	0x4a, 0x9f, 0x03, 0xd2, 0x71, 0xee, 0x5c, 0x18, 0xb6, 0x2d,
	0x90, 0x47, 0xc3, 0x0b, 0x8e, 0x65, 0xf1, 0x3a, 0xd7, 0x29,
};

static void tlog(void *arg, int priority, const char *msg)
{
	struct tenv *t = arg;

	(void)priority;
	snprintf(t->lastlog, sizeof(t->lastlog), "%s", msg);
	t->nlog++;
}

char *tenv_write(struct tenv *t, const char *name, const char *text)
{
	char *path = NULL;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", t->dir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0644), 0);
	return path;
}

int tenv_pg(void)
{
	const char *b = getenv("CRM_TEST_BACKEND");

	return b != NULL && strcmp(b, "postgresql") == 0;
}

/* Runs sql on a new connection to the test server; fails the test. */
static void pg_admin(const char *sql)
{
	const char *url = getenv("CRM_TEST_PG");
	PGconn *c;
	PGresult *res;

	if (url == NULL || *url == '\0')
		fail_msg("CRM_TEST_BACKEND=postgresql needs CRM_TEST_PG");
	c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("CRM_TEST_PG: %s", PQerrorMessage(c));
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(c);
}

/* The db line of a test's conf: its file, or its schema on the server. */
static void db_line(struct tenv *t, char *line, size_t len)
{
	static int seq;
	char sql[128];

	if (!tenv_pg()) {
		snprintf(line, len, "db = %s/crmpolicy.db", t->dir);
		return;
	}
	snprintf(t->schema, sizeof(t->schema), "crmt_%d_%d", (int)getpid(),
		++seq);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", t->schema);
	pg_admin(sql);
	snprintf(line, len, "db = %s options=-csearch_path=%s",
		getenv("CRM_TEST_PG"), t->schema);
	t->pg = PQconnectdb(line + 5);
	if (PQstatus(t->pg) != CONNECTION_OK)
		fail_msg("%s: %s", line + 5, PQerrorMessage(t->pg));
}

struct tenv *tenv_new(const char *conf_text)
{
	struct tenv *t = calloc(1, sizeof(*t));
	struct crm_problems probs;
	struct crm_error err;
	char *text = NULL, db[1200];
	FILE *f;

	assert_non_null(t);
	snprintf(t->dir, sizeof(t->dir), "/tmp/crmtest.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->conf, sizeof(t->conf), "%s/crmpolicy.conf", t->dir);
	db_line(t, db, sizeof(db));
	assert_true(asprintf(&text,
		"%s\n"
		"key_file = %s/crmpolicy.key\n"
		"badwords_file = %s/badwords\n"
		"hash_opslimit = 1\n"
		"hash_memlimit = 8192\n"
		"%s\n", db, t->dir, t->dir, conf_text ? conf_text : "") > 0);
	f = fopen(t->conf, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	free(text);
	crm_config_init(&t->cfg);
	crm_problems_init(&probs);
	if (crm_config_load(&t->cfg, t->conf, 1, &probs, &err) != CRM_OK) {
		for (size_t i = 0; i < probs.n; i++)
			fprintf(stderr, "conf: %s\n", probs.items[i]);
		fail_msg("conf: %s", err.msg);
	}
	crm_problems_free(&probs);
	if (crm_ctx_open(&t->ctx, &t->cfg, CRM_OPEN_CREATE, &err) != CRM_OK)
		fail_msg("store: %s", err.msg);
	t->ctx.now = T0;
	/* Attempts in flight are waited for only briefly in unit tests. */
	t->ctx.admit_wait_ms = 50;
	t->ctx.actor = "tester";
	t->ctx.service = "test";
	t->ctx.log = tlog;
	t->ctx.log_arg = t;
	return t;
}

int tenv_reopen(struct tenv *t, struct crm_error *err)
{
	struct crm_ctx keep = t->ctx;
	int r;

	crm_ctx_close(&t->ctx);
	r = crm_ctx_open(&t->ctx, &t->cfg, 0, err);
	t->ctx.now = keep.now;
	t->ctx.admit_wait_ms = keep.admit_wait_ms;
	t->ctx.actor = keep.actor;
	t->ctx.service = keep.service;
	t->ctx.rhost = keep.rhost;
	t->ctx.log = keep.log;
	t->ctx.log_arg = keep.log_arg;
	sodium_memzero(&keep, sizeof(keep));
	return r;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
	struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tenv_free(struct tenv *t)
{
	if (t == NULL)
		return;
	crm_ctx_close(&t->ctx);
	crm_config_free(&t->cfg);
	nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (t->pg != NULL) {
		char sql[128];

		PQfinish(t->pg);
		snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", t->schema);
		pg_admin(sql);
	}
	free(t);
}

int tenv_setup(void **state)
{
	*state = tenv_new(NULL);
	return 0;
}

int tenv_teardown(void **state)
{
	tenv_free(*state);
	return 0;
}

void tenv_resolve(struct tenv *t, const char *user, struct crm_policy *pol)
{
	struct crm_error e;

	if (crm_policy_resolve(&t->ctx, user, pol, &e) != CRM_OK)
		fail_msg("crm_policy_resolve: %s", e.msg);
}

void tenv_blank(struct crm_account *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->created = T0;
}

void tenv_add_user(struct tenv *t, const char *name, const char *pw)
{
	struct crm_account a;
	struct crm_request req = { 0 };
	struct crm_result res;
	struct crm_error e;

	tenv_blank(&a, name);
	if (crm_account_insert(t->ctx.db, &a, &e) != CRM_OK)
		fail_msg("insert %s: %s", name, e.msg);
	if (pw == NULL)
		return;
	req.user = name;
	req.new_password = pw;
	if (crm_pw_commit(&t->ctx, &req, 1, &res, &e) != CRM_OK)
		fail_msg("commit %s: %s", name, e.msg);
	assert_int_equal(res.verdict, CRM_V_ALLOW);
}

void tenv_get(struct tenv *t, const char *name, struct crm_account *a)
{
	struct crm_error e;

	if (crm_account_get(t->ctx.db, name, a, &e) != CRM_OK)
		fail_msg("get %s: %s", name, e.msg);
}

/*
 * A test's SQL, written for SQLite with ?1 and ?2, run on the test's
 * store whichever the backend: on PostgreSQL the numbered parameters
 * become $1 and $2 and "x GLOB p" becomes "x LIKE translate(p, '*',
 * '%')", p being a literal or a parameter (patterns use * only).
 */
static PGresult *pg_query(struct tenv *t, const char *sql, const char *p1,
	const char *p2)
{
	char text[4096], *o = text;
	const char *vals[2] = { p1, p2 };
	PGresult *res;

	for (const char *c = sql; *c && o < text + sizeof(text) - 40; c++) {
		if (*c == '?' && c[1] >= '1' && c[1] <= '9') {
			*o++ = '$';
		} else if (strncmp(c, "GLOB ", 5) == 0) {
			const char *p = c + 5;
			size_t n = *p == '\'' ? strcspn(p + 1, "'") + 2 :
				*p == '?' ? 2 : 0;

			assert_true(n > 0 && strlen(p) >= n &&
				(size_t)(text + sizeof(text) - o) > n + 40);
			o += sprintf(o, "LIKE translate(%s%.*s, '*', '%%')",
				*p == '?' ? "$" : "", (int)(*p == '?' ? 1 : n),
				*p == '?' ? p + 1 : p);
			c = p + n - 1;
		} else {
			*o++ = *c;
		}
	}
	*o = '\0';
	res = PQexecParams(t->pg, text, p2 ? 2 : p1 ? 1 : 0, NULL, vals, NULL,
		NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
			PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", text, PQresultErrorMessage(res));
	return res;
}

long long tenv_query_int(struct tenv *t, const char *sql, const char *p1,
	const char *p2)
{
	sqlite3_stmt *st;
	long long n;

	if (t->pg != NULL) {
		PGresult *res = pg_query(t, sql, p1, p2);
		const char *v;

		assert_true(PQntuples(res) > 0);
		v = PQgetvalue(res, 0, 0);
		n = v[0] == 't' ? 1 : v[0] == 'f' ? 0 : strtoll(v, NULL, 10);
		PQclear(res);
		return n;
	}
	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(t->ctx.db), sql, -1,
		&st, NULL), SQLITE_OK);
	if (p1 != NULL)
		sqlite3_bind_text(st, 1, p1, -1, SQLITE_STATIC);
	if (p2 != NULL)
		sqlite3_bind_text(st, 2, p2, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

long long tenv_count_events(struct tenv *t, const char *event,
	const char *subject)
{
	return tenv_query_int(t, "SELECT count(*) FROM audit WHERE event = ?1"
		" AND subject = ?2", event, subject);
}

void tenv_exec_ok(struct tenv *t, const char *sql)
{
	char *msg = NULL;

	if (t->pg != NULL) {
		PQclear(pg_query(t, sql, NULL, NULL));
		return;
	}
	if (sqlite3_exec(crm_db_sqlite(t->ctx.db), sql, NULL, NULL, &msg) !=
			SQLITE_OK) {
		print_error("%s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		fail();
	}
}

int tenv_has_event(struct tenv *t, const char *event, const char *subject,
	const char *what)
{
	const char *sql = "SELECT count(*) FROM audit WHERE event = ?1 AND"
		" subject = ?2 AND details GLOB ?3";
	char *pattern = NULL;
	sqlite3_stmt *st;
	long long n;

	if (t->pg != NULL) {
		const char *vals[3] = { event, subject, NULL };
		PGresult *res;

		/* GLOB's * is LIKE's %. */
		assert_true(asprintf(&pattern, "%%%s%%", what) > 0);
		vals[2] = pattern;
		res = PQexecParams(t->pg, "SELECT count(*) FROM audit WHERE"
			" event = $1 AND subject = $2 AND details LIKE $3", 3, NULL,
			vals, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			fail_msg("has_event: %s", PQresultErrorMessage(res));
		n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		free(pattern);
		return n > 0;
	}
	assert_true(asprintf(&pattern, "*%s*", what) > 0);
	assert_int_equal(sqlite3_prepare_v2(crm_db_sqlite(t->ctx.db), sql, -1,
		&st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pattern, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	free(pattern);
	return n > 0;
}

char *tenv_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

char *tenv_fake_sendmail(struct tenv *t)
{
	char *text = tenv_slurp(FAKE_SENDMAIL);
	char *path, *out = NULL;
	struct crm_error e;

	if (text == NULL)
		fail_msg("cannot read %s (run from the source tree)",
			FAKE_SENDMAIL);
	path = tenv_write(t, "fake-sendmail", text);
	free(text);
	assert_int_equal(chmod(path, 0755), 0);
	if (crm_config_set(&t->cfg, "sendmail", path, "test", &e) != CRM_OK)
		fail_msg("sendmail = %s: %s", path, e.msg);
	assert_true(asprintf(&out, "%s.out", path) > 0);
	free(path);
	return out;
}

void tenv_mailed_code(const char *out, char *code, size_t len)
{
	char *text = tenv_slurp(out);
	const char *line, *next, *found = NULL;
	size_t n = 0;

	if (text == NULL)
		fail_msg("no mail in %s", out);
	for (line = text; *line != '\0'; line = next) {
		size_t end = strcspn(line, "\n");

		next = line + end + (line[end] == '\n');
		if (end > 4 && strncmp(line, "    ", 4) == 0 &&
		    strspn(line + 4, "0123456789") == end - 4) {
			found = line + 4;
			n = end - 4;
		}
	}
	if (found == NULL || n >= len)
		fail_msg("no code in the mail in %s", out);
	memcpy(code, found, n);
	code[n] = '\0';
	free(text);
}

void tenv_sysuser_name(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "crmt_%ld_%s", (long)getpid(), tag);
}

/* Runs a command line made of our own names and digits only. */
static void run_ok(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		fail_msg("%s: exit status %d", cmd, rc);
}

void tenv_sysuser_age(const char *name, int64_t when)
{
	char cmd[200], day[16] = "0";
	time_t tt = (time_t)when;
	struct tm tm;

	if (when != 0) {
		gmtime_r(&tt, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	}
	snprintf(cmd, sizeof(cmd), "chage -d %s %s", day, name);
	run_ok(cmd);
}

void tenv_sysuser_hash(const char *pw, char *hash, size_t len)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	const char *out;

	memset(&cd, 0, sizeof(cd));
	assert_non_null(crypt_gensalt_rn("$y$", 0, NULL, 0, setting,
		sizeof(setting)));
	out = crypt_rn(pw, setting, &cd, sizeof(cd));
	assert_non_null(out);
	assert_true(strlen(out) < len);
	snprintf(hash, len, "%s", out);
}

void tenv_sysuser_passwd(const char *name, const char *pw)
{
	char hash[CRYPT_OUTPUT_SIZE];
	FILE *p;

	/*
	 * A yescrypt hash, as Debian's passwd makes; chpasswd -e writes it
	 * without PAM, whose lock gives up after 0.1 s.
	 */
	tenv_sysuser_hash(pw, hash, sizeof(hash));
	p = popen("chpasswd -e", "w");
	assert_non_null(p);
	fprintf(p, "%s:%s\n", name, hash);
	assert_int_equal(pclose(p), 0);
}

void tenv_sysuser_add(const char *name, const char *pw, int64_t when)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "useradd -M -N -s /usr/sbin/nologin %s",
		name);
	run_ok(cmd);
	if (pw != NULL)
		tenv_sysuser_passwd(name, pw);
	tenv_sysuser_age(name, when);
}

void tenv_sysuser_del(const char *name)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "userdel %s 2>/dev/null", name);
	/* Teardown: nothing to do about a failure but to go on. */
	if (system(cmd) != 0)
		return;
}

void tenv_key(struct tenv *t, unsigned char key[CRM_KEY_BYTES])
{
	struct crm_error e;

	if (crm_admin_init(&t->cfg, &e) != CRM_OK)
		fail_msg("key file: %s", e.msg);
	if (key != NULL && crm_key_load(&t->cfg, key, &e) != CRM_OK)
		fail_msg("key file: %s", e.msg);
}

void tenv_totp_code(int64_t when, char code[7])
{
	assert_int_equal(oath_init(), OATH_OK);
	assert_int_equal(oath_totp_generate((const char *)tenv_secret,
		TENV_SECRET_LEN, (time_t)when, CRM_TOTP_PERIOD, 0, 6, code),
		OATH_OK);
}

void tenv_other_code(const char *code, char *out)
{
	size_t i;

	for (i = 0; code[i] != '\0'; i++)
		out[i] = (char)('0' + (code[i] - '0' + 1) % 10);
	out[i] = '\0';
}

void tenv_enroll(struct tenv *t, const char *user,
	char codes[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN])
{
	char mine[CRM_RECOVERY_COUNT][CRM_RECOVERY_LEN], code[7];
	struct crm_error e;

	tenv_key(t, NULL);
	tenv_totp_code(t->ctx.now, code);
	if (crm_totp_enroll(&t->ctx, user, tenv_secret, TENV_SECRET_LEN, code,
			0, codes ? codes : mine, &e) != CRM_OK)
		fail_msg("enrol %s: %s", user, e.msg);
	sodium_memzero(mine, sizeof(mine));
}
