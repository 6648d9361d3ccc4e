/*
 * The storage interface over PostgreSQL (libpq), for a fleet of hosts
 * sharing one store. Statements are prepared once per connection under
 * the name of their identifier (texts in lib/sql_pg.c), in the same round
 * trip as their first run, and run with every value bound; results are
 * read whole, so that a statement may be stepped while others run on the
 * same connection, as with SQLite.
 *
 * Writers take one transaction-scoped advisory lock at BEGIN: every
 * read-check-write of every host runs in turn, exactly as SQLite's
 * single writer makes the processes of one host run in turn. That is
 * what makes lockout, throttling and code replay exact across the fleet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "crmpolicy/store.h"
#include "db_impl.h"
#include "pg_schema.h"

#define BYTEAOID 17
#define BOOLOID 16
#define TEXTOID 25
#define MAX_PARAMS 32
/* Seconds to wait for a connection unless the conninfo says otherwise. */
#define CONNECT_TIMEOUT "5"
/*
 * The advisory lock every writer of the store takes, fleet-wide: "crmp"
 * and the store's schema, so that two stores kept in two schemas of one
 * database do not wait on each other (a shared hash only makes them wait).
 */
#define LOCK_WRITE "1668443504, hashtext(current_schema())"
/*
 * How long a writer waits for that lock, as SQLite's busy timeout
 * (lib/store.c), unless the connection string sets lock_timeout itself
 * (options=-clock_timeout=...): a host that holds it and hangs (stopped,
 * cut off with its connection still open) must make the fleet's logins
 * fail, not wait for ever.
 */
#define LOCK_WAIT "SELECT set_config('lock_timeout', '15s', true)" \
	" WHERE current_setting('lock_timeout') = '0'"

struct crm_pg_conn {
	PGconn *conn;
	pid_t pid;		/* the opener: a forked child leaves it alone */
	char where[160];	/* host(s)/dbname, for messages */
	char msg[256];		/* the last error */
	unsigned prepared;	/* statements prepared: names them */
	unsigned session;	/* counts reconnections */
	int in_tx;		/* a transaction was begun and not ended */
};

struct crm_pg_stmt {
	char name[32];
	unsigned session;	/* the session it was prepared in */
	int ready;		/* prepared in that session */
	int nparams;
	Oid types[MAX_PARAMS];	/* 0: as PostgreSQL infers it */
	char *values[MAX_PARAMS];
	int lengths[MAX_PARAMS];
	int formats[MAX_PARAMS];
	PGresult *res;
	int row, nrows;
	int lost;		/* a value could not be kept: never run */
	unsigned char *blob;	/* the last bytea read, decoded */
	size_t blob_len;
	int blob_col;
};

/* ---- errors ---- */

/* Keeps the first line of libpq's message as the connection's error. */
static void keep_msg(struct crm_pg_conn *pc, const char *m)
{
	size_t n;

	snprintf(pc->msg, sizeof(pc->msg), "%s", m && *m ? m : "unknown error");
	n = strcspn(pc->msg, "\n");
	pc->msg[n] = '\0';
}

static int pg_error(struct crm_db *db, const char *what, struct crm_error *err)
{
	struct crm_pg_conn *pc = db->pg;

	return crm_error_set(err, CRM_ESTORE, "store postgresql %s: %s: %s",
		pc->where, what, pc->msg[0] ? pc->msg : "unknown error");
}

/* ---- statements ---- */

/*
 * The highest $N of a statement's text, how many values it takes, and
 * which of them it uses (used[n - 1]).
 */
static int count_params(const char *sql, char used[MAX_PARAMS])
{
	int max = 0;

	memset(used, 0, MAX_PARAMS);

	for (const char *p = sql; *p; p++) {
		if (*p == '\'') {	/* skip a literal */
			for (p++; *p && *p != '\''; p++)
				;
			if (!*p)
				break;
		} else if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
			int n = (int)strtol(p + 1, NULL, 10);

			if (n > max)
				max = n;
			if (n >= 1 && n <= MAX_PARAMS)
				used[n - 1] = 1;
		}
	}
	return max;
}

static void revive(struct crm_pg_conn *pc);

static int pg_prepare(struct crm_stmt *st, struct crm_error *err)
{
	struct crm_pg_conn *pc = st->db->pg;
	const char *sql = crm_sql_pg[st->q];
	struct crm_pg_stmt *ps;
	char used[MAX_PARAMS];

	if (sql == NULL)
		return crm_error_set(err, CRM_ESTORE, "store postgresql %s: no"
			" statement %s for this backend", pc->where,
			crm_q_name(st->q));
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL)
		return crm_error_set(err, CRM_ENOMEM, "out of memory");
	ps->nparams = count_params(sql, used);
	if (ps->nparams > MAX_PARAMS) {
		free(ps);
		return crm_error_set(err, CRM_ESTORE, "statement %s takes too"
			" many values", crm_q_name(st->q));
	}
	/*
	 * A value the code binds but the text leaves unused (a number
	 * skipped, as SQLite allows) has no type PostgreSQL can infer: it
	 * is declared text, which takes whatever is sent. The others are
	 * left to PostgreSQL (0).
	 */
	for (int i = 0; i < ps->nparams; i++)
		ps->types[i] = used[i] ? 0 : TEXTOID;
	/*
	 * Nested uses of one statement get their own prepared name. It is
	 * prepared at its first run, in the same round trip (run_first).
	 */
	snprintf(ps->name, sizeof(ps->name), "crm_%d_%u", (int)st->q,
		pc->prepared++);
	ps->blob_col = -1;
	st->pg = ps;
	return CRM_OK;
}

/*
 * A connection the server dropped (a restart, a failover) is made again
 * when no transaction was open on it: what a transaction had done is
 * gone with it, so a broken one stays an error for its caller. The
 * statements kept on the connection are prepared again as they are next
 * used.
 */
static void revive(struct crm_pg_conn *pc)
{
	if (pc->in_tx || PQstatus(pc->conn) != CONNECTION_BAD)
		return;
	PQreset(pc->conn);
	if (PQstatus(pc->conn) == CONNECTION_OK)
		pc->session++;
}

static void clear_params(struct crm_pg_stmt *ps)
{
	for (int i = 0; i < MAX_PARAMS; i++) {
		if (ps->values[i] != NULL) {
			/* A value may be a secret: a hash, a sealed key. */
			sodium_memzero(ps->values[i], (size_t)ps->lengths[i]);
			free(ps->values[i]);
		}
		ps->values[i] = NULL;
		ps->lengths[i] = 0;
		ps->formats[i] = 0;
	}
	ps->lost = 0;
}

static void clear_result(struct crm_pg_stmt *ps)
{
	if (ps->blob != NULL)
		PQfreemem(ps->blob);
	ps->blob = NULL;
	ps->blob_col = -1;
	PQclear(ps->res);
	ps->res = NULL;
	ps->row = ps->nrows = 0;
}

static void pg_reset(struct crm_stmt *st)
{
	clear_result(st->pg);
	clear_params(st->pg);
}

static void pg_finalize(struct crm_stmt *st)
{
	if (st->pg == NULL)
		return;
	pg_reset(st);
	/* The prepared statement goes with its connection. */
	free(st->pg);
	st->pg = NULL;
}

/* Keeps a copy of n bytes as parameter i (1-based), text or binary. */
static void set_param(struct crm_stmt *st, int i, const void *p, size_t n,
	int binary)
{
	struct crm_pg_stmt *ps = st->pg;
	char *v;

	if (i < 1 || i > MAX_PARAMS || n > (size_t)0x7fffffff)
		return;
	v = malloc(n + 1);
	if (ps->values[i - 1] != NULL) {
		sodium_memzero(ps->values[i - 1], (size_t)ps->lengths[i - 1]);
		free(ps->values[i - 1]);
	}
	ps->values[i - 1] = v;
	if (v == NULL) {	/* refused at the step: a NULL would be wrong */
		ps->lost = 1;
		return;
	}
	if (n > 0)
		memcpy(v, p, n);
	v[n] = '\0';
	ps->lengths[i - 1] = (int)n;
	ps->formats[i - 1] = binary;
}

static void pg_bind_int(struct crm_stmt *st, int i, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);

	set_param(st, i, buf, (size_t)n, 0);
}

static void pg_bind_text(struct crm_stmt *st, int i, const char *s, size_t n)
{
	set_param(st, i, s, n, 0);
}

static void pg_bind_blob(struct crm_stmt *st, int i, const void *p, size_t n)
{
	set_param(st, i, p, n, 1);
}

static void pg_bind_null(struct crm_stmt *st, int i)
{
	struct crm_pg_stmt *ps = st->pg;

	if (i < 1 || i > MAX_PARAMS)
		return;
	if (ps->values[i - 1] != NULL) {
		sodium_memzero(ps->values[i - 1], (size_t)ps->lengths[i - 1]);
		free(ps->values[i - 1]);
	}
	ps->values[i - 1] = NULL;
	ps->lengths[i - 1] = 0;
}

/*
 * A statement's first run in a session: Parse, Bind and Execute sent
 * together in pipeline mode, one round trip where preparing on its own
 * took two. A connection lives as long as its PAM handle, and most of a
 * login's statements run once or twice in it, so the prepares alone were
 * a third of its round trips. The statement's result, or the prepare's
 * error (the run is then skipped by the server), becomes ps->res.
 */
static void run_first(struct crm_stmt *st)
{
	struct crm_pg_conn *pc = st->db->pg;
	struct crm_pg_stmt *ps = st->pg;
	PGresult *res, *prep = NULL, *out = NULL;
	int synced = 0, nulls = 0;

	if (!PQenterPipelineMode(pc->conn))
		return;
	if (!PQsendPrepare(pc->conn, ps->name, crm_sql_pg[st->q], ps->nparams,
			ps->types) ||
	    !PQsendQueryPrepared(pc->conn, ps->name, ps->nparams,
			(const char *const *)ps->values, ps->lengths, ps->formats,
			0) ||
	    !PQpipelineSync(pc->conn)) {
		(void)PQexitPipelineMode(pc->conn);
		return;
	}
	/*
	 * The prepare's result, the run's, then the sync; a NULL ends each
	 * request's results. Two NULLs running mean nothing more will come
	 * (the connection was lost).
	 */
	while (!synced && nulls < 2) {
		if ((res = PQgetResult(pc->conn)) == NULL) {
			nulls++;
			continue;
		}
		nulls = 0;
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			synced = 1;
			PQclear(res);
		} else if (prep == NULL) {
			prep = res;
		} else if (out == NULL) {
			out = res;
		} else {
			PQclear(res);
		}
	}
	(void)PQexitPipelineMode(pc->conn);
	if (prep != NULL && PQresultStatus(prep) == PGRES_COMMAND_OK) {
		ps->session = pc->session;
		ps->ready = 1;
		PQclear(prep);
		ps->res = out;
	} else {
		PQclear(out);
		ps->res = prep;
	}
}

static ExecStatusType exec_prepared(struct crm_stmt *st)
{
	struct crm_pg_conn *pc = st->db->pg;
	struct crm_pg_stmt *ps = st->pg;

	revive(pc);
	if (!ps->ready || ps->session != pc->session) {
		run_first(st);
		return ps->res != NULL ? PQresultStatus(ps->res) :
			PGRES_FATAL_ERROR;
	}
	ps->res = PQexecPrepared(pc->conn, ps->name, ps->nparams,
		(const char *const *)ps->values, ps->lengths, ps->formats, 0);
	return PQresultStatus(ps->res);
}

static int run(struct crm_stmt *st)
{
	struct crm_pg_conn *pc = st->db->pg;
	struct crm_pg_stmt *ps = st->pg;
	const char *state;
	int constraint;
	ExecStatusType status;

	if (ps->lost) {
		keep_msg(pc, "out of memory binding a value");
		return CRM_ESTORE;
	}
	status = exec_prepared(st);

	/*
	 * A session found lost by this very statement, outside a
	 * transaction: a read is asked again on a new session. A write is
	 * not, since whether it was done cannot be known; its caller gets
	 * the error, as for any failed write.
	 */
	if (status == PGRES_FATAL_ERROR && !pc->in_tx &&
			PQstatus(pc->conn) == CONNECTION_BAD &&
			strncmp(crm_sql_pg[st->q], "SELECT", 6) == 0) {
		clear_result(ps);
		status = exec_prepared(st);
	}
	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
		const char *n = PQcmdTuples(ps->res);

		st->changes = n && *n ? strtoll(n, NULL, 10) : 0;
		ps->nrows = status == PGRES_TUPLES_OK ? PQntuples(ps->res) : 0;
		ps->row = -1;
		return CRM_OK;
	}
	keep_msg(pc, ps->res ? PQresultErrorMessage(ps->res) :
		PQerrorMessage(pc->conn));
	state = ps->res ? PQresultErrorField(ps->res, PG_DIAG_SQLSTATE) : NULL;
	/* Class 23: an integrity constraint refused the change. */
	constraint = state != NULL && strncmp(state, "23", 2) == 0;
	clear_result(ps);	/* state goes with it */
	return constraint ? CRM_EEXIST : CRM_ESTORE;
}

static int pg_step(struct crm_stmt *st)
{
	struct crm_pg_stmt *ps = st->pg;

	if (ps->res == NULL) {
		int r = run(st);

		if (r != CRM_OK)
			return -r;
	}
	if (ps->blob != NULL) {
		PQfreemem(ps->blob);
		ps->blob = NULL;
		ps->blob_col = -1;
	}
	if (ps->row + 1 < ps->nrows) {
		ps->row++;
		return CRM_STEP_ROW;
	}
	ps->row = ps->nrows;
	return CRM_STEP_DONE;
}

static int in_row(struct crm_pg_stmt *ps, int c)
{
	return ps->res != NULL && ps->row >= 0 && ps->row < ps->nrows &&
		c >= 0 && c < PQnfields(ps->res);
}

static int pg_col_is_null(struct crm_stmt *st, int c)
{
	struct crm_pg_stmt *ps = st->pg;

	return !in_row(ps, c) || PQgetisnull(ps->res, ps->row, c);
}

static int64_t pg_col_int(struct crm_stmt *st, int c)
{
	struct crm_pg_stmt *ps = st->pg;
	const char *v;

	if (pg_col_is_null(st, c))
		return 0;
	v = PQgetvalue(ps->res, ps->row, c);
	if (PQftype(ps->res, c) == BOOLOID)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static const char *pg_col_text(struct crm_stmt *st, int c)
{
	struct crm_pg_stmt *ps = st->pg;

	if (pg_col_is_null(st, c))
		return NULL;
	return PQgetvalue(ps->res, ps->row, c);
}

/* A bytea column arrives as text (\x...): decoded once per row. */
static const unsigned char *blob_of(struct crm_stmt *st, int c, size_t *n)
{
	struct crm_pg_stmt *ps = st->pg;

	*n = 0;
	if (pg_col_is_null(st, c))
		return NULL;
	if (PQftype(ps->res, c) != BYTEAOID) {
		*n = (size_t)PQgetlength(ps->res, ps->row, c);
		return (const unsigned char *)PQgetvalue(ps->res, ps->row, c);
	}
	if (ps->blob_col != c) {
		if (ps->blob != NULL)
			PQfreemem(ps->blob);
		ps->blob = PQunescapeBytea((const unsigned char *)
			PQgetvalue(ps->res, ps->row, c), &ps->blob_len);
		ps->blob_col = ps->blob != NULL ? c : -1;
	}
	*n = ps->blob != NULL ? ps->blob_len : 0;
	return ps->blob;
}

static size_t pg_col_bytes(struct crm_stmt *st, int c)
{
	size_t n;

	(void)blob_of(st, c, &n);
	return n;
}

static const void *pg_col_blob(struct crm_stmt *st, int c)
{
	size_t n;

	return blob_of(st, c, &n);
}

/* ---- transactions ---- */

static int exec_simple(struct crm_db *db, const char *sql, const char *what,
	struct crm_error *err)
{
	struct crm_pg_conn *pc = db->pg;
	PGresult *res = PQexec(pc->conn, sql);
	ExecStatusType s = PQresultStatus(res);
	int ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;

	if (!ok)
		keep_msg(pc, res ? PQresultErrorMessage(res) :
			PQerrorMessage(pc->conn));
	PQclear(res);
	return ok ? CRM_OK : pg_error(db, what, err);
}

static int pg_in_transaction(struct crm_db *db)
{
	return db->pg->in_tx ||
		PQtransactionStatus(db->pg->conn) == PQTRANS_INTRANS ||
		PQtransactionStatus(db->pg->conn) == PQTRANS_INERROR;
}

/*
 * A writer waits for the fleet's write lock as its first statement; a
 * relaxed one lets its commit return before the WAL is flushed, which is
 * the same bargain as SQLite's synchronous = NORMAL (see the README).
 */
static void pg_rollback(struct crm_db *db);

static int pg_begin(struct crm_db *db, enum crm_tx tx, struct crm_error *err)
{
	char sql[320];
	int r;

	switch (tx) {
	case CRM_TX_WRITE:
		snprintf(sql, sizeof(sql), "BEGIN; %s; SELECT"
			" pg_advisory_xact_lock(%s)", LOCK_WAIT, LOCK_WRITE);
		break;
	case CRM_TX_WRITE_RELAXED:
		snprintf(sql, sizeof(sql), "BEGIN; SET LOCAL synchronous_commit"
			" = off; %s; SELECT pg_advisory_xact_lock(%s)", LOCK_WAIT,
			LOCK_WRITE);
		break;
	default:
		snprintf(sql, sizeof(sql), "BEGIN ISOLATION LEVEL REPEATABLE"
			" READ");
		break;
	}
	revive(db->pg);
	if ((r = exec_simple(db, sql, "starting a transaction", err)) != CRM_OK) {
		db->pg->in_tx = 1;	/* whatever BEGIN left, end it */
		pg_rollback(db);
		return r;
	}
	db->pg->in_tx = 1;
	return CRM_OK;
}

static int pg_commit(struct crm_db *db, struct crm_error *err)
{
	struct crm_pg_conn *pc = db->pg;
	PGresult *res;
	int ok;

	/*
	 * PostgreSQL answers COMMIT outside a transaction with a warning
	 * only; SQLite, and so the core, take it for the error it is.
	 */
	if (PQtransactionStatus(pc->conn) == PQTRANS_IDLE) {
		pc->in_tx = 0;
		keep_msg(pc, "cannot commit: no transaction is active");
		return pg_error(db, "committing", err);
	}
	/* A transaction a statement broke answers COMMIT with ROLLBACK. */
	if (PQtransactionStatus(pc->conn) == PQTRANS_INERROR) {
		keep_msg(pc, "the transaction failed and was rolled back");
		pg_rollback(db);
		return pg_error(db, "committing", err);
	}
	res = PQexec(pc->conn, "COMMIT");
	pc->in_tx = 0;
	ok = PQresultStatus(res) == PGRES_COMMAND_OK &&
		strcmp(PQcmdStatus(res), "COMMIT") == 0;
	if (!ok)
		keep_msg(pc, PQresultErrorMessage(res)[0] ?
			PQresultErrorMessage(res) : "the commit was rolled back");
	PQclear(res);
	return ok ? CRM_OK : pg_error(db, "committing", err);
}

static void pg_rollback(struct crm_db *db)
{
	struct crm_pg_conn *pc = db->pg;
	PGTransactionStatusType ts = PQtransactionStatus(pc->conn);

	pc->in_tx = 0;
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
		PGresult *res = PQexec(pc->conn, "ROLLBACK");

		PQclear(res);
	}
}

static int pg_close(struct crm_db *db)
{
	struct crm_pg_conn *pc = db->pg;

	if (pc == NULL)
		return 0;
	/*
	 * A forked child must not end its parent's session: PQfinish would
	 * say goodbye on the socket they share. The child lets it be.
	 */
	if (pc->pid == getpid())
		PQfinish(pc->conn);
	free(pc);
	db->pg = NULL;
	return 0;
}

const struct crm_db_ops crm_db_pg_ops = {
	pg_prepare, pg_finalize, pg_bind_int, pg_bind_text, pg_bind_blob,
	pg_bind_null, pg_step, pg_col_int, pg_col_text, pg_col_bytes,
	pg_col_blob, pg_col_is_null, pg_reset, pg_in_transaction, pg_begin,
	pg_commit, pg_rollback, pg_error, pg_close,
};

/* ---- connecting ---- */

static int is_local_host(const char *h)
{
	return h == NULL || h[0] == '\0' || h[0] == '/' || h[0] == '@' ||
		strcmp(h, "localhost") == 0 || strcmp(h, "127.0.0.1") == 0 ||
		strcmp(h, "::1") == 0;
}

/*
 * What the conninfo leaves unsaid gets crmpolicy's defaults, never the
 * caller's environment (crmpasswd and the helper are setuid): a short
 * connect timeout, and TLS with the server's name verified against the
 * system's CAs for any host that is not this one.
 */
struct opts {
	const char *kw[16];
	const char *val[16];
	int n;
};

static void opt(struct opts *o, const char *k, const char *v)
{
	o->kw[o->n] = k;
	o->val[o->n] = v;
	o->n++;
}

static int parse(const char *conninfo, struct opts *o, char *where,
	size_t wlen, struct crm_error *err)
{
	PQconninfoOption *ci, *p;
	char *msg = NULL;
	const char *host = NULL, *hostaddr = NULL, *dbname = NULL;
	int has_ssl = 0, has_timeout = 0, has_root = 0, remote = 0;

	ci = PQconninfoParse(conninfo, &msg);
	if (ci == NULL) {
		int r = crm_error_set(err, CRM_ESTORE, "store: db is not a valid"
			" PostgreSQL connection string: %s", msg ? msg :
			"out of memory");

		PQfreemem(msg);
		return r;
	}
	for (p = ci; p->keyword != NULL; p++) {
		if (p->val == NULL)
			continue;
		/*
		 * crmpolicy.conf and /etc/pam.d are readable by every local
		 * user: a password never belongs there.
		 */
		if (strcmp(p->keyword, "password") == 0) {
			PQconninfoFree(ci);
			return crm_error_set(err, CRM_ESTORE, "store: the db"
				" connection string carries a password, which would"
				" sit in a file every local user can read: put it in"
				" a passfile (mode 0600, passfile=...) or use a"
				" client certificate");
		}
		if (strcmp(p->keyword, "host") == 0)
			host = p->val;
		else if (strcmp(p->keyword, "hostaddr") == 0)
			hostaddr = p->val;
		else if (strcmp(p->keyword, "dbname") == 0)
			dbname = p->val;
		else if (strcmp(p->keyword, "sslmode") == 0)
			has_ssl = 1;
		else if (strcmp(p->keyword, "connect_timeout") == 0)
			has_timeout = 1;
		else if (strcmp(p->keyword, "sslrootcert") == 0)
			has_root = 1;
	}
	/* Each host of a multi-host list counts. */
	for (const char *h = host ? host : hostaddr; h != NULL && *h; ) {
		char one[256];
		size_t len = strcspn(h, ",");

		snprintf(one, sizeof(one), "%.*s", (int)len, h);
		if (!is_local_host(one))
			remote = 1;
		h += len;
		if (*h == ',')
			h++;
	}
	snprintf(where, wlen, "%s/%s", host ? host : hostaddr ? hostaddr :
		"(local)", dbname ? dbname : "");
	PQconninfoFree(ci);
	if (!has_timeout)
		opt(o, "connect_timeout", CONNECT_TIMEOUT);
	if (!has_ssl)
		opt(o, "sslmode", remote ? "verify-full" : "prefer");
	/* Only with the default mode: with a CA file, libpq's require is
	 * verify-ca, which the string did not ask for. */
	if (!has_root && remote && !has_ssl)
		opt(o, "sslrootcert", "/etc/ssl/certs/ca-certificates.crt");
	opt(o, "application_name", "crmpolicy");
	/* Last: what the conninfo says wins over the defaults above. */
	opt(o, "dbname", conninfo);
	opt(o, NULL, NULL);
	return CRM_OK;
}

static int migrate(struct crm_db *db, struct crm_error *err);

int crm_db_open_pg(const char *conninfo, struct crm_db **dbp,
	struct crm_error *err)
{
	struct crm_pg_conn *pc;
	struct crm_db *db;
	struct opts o = { { 0 }, { 0 }, 0 };
	int r;

	*dbp = NULL;
	pc = calloc(1, sizeof(*pc));
	db = calloc(1, sizeof(*db));
	if (pc == NULL || db == NULL) {
		free(pc);
		free(db);
		return crm_error_set(err, CRM_ENOMEM, "out of memory");
	}
	db->kind = CRM_DB_POSTGRESQL;
	db->ops = &crm_db_pg_ops;
	db->pg = pc;
	pc->pid = getpid();
	if ((r = parse(conninfo, &o, pc->where, sizeof(pc->where), err))) {
		free(pc);
		free(db);
		return r;
	}
	pc->conn = PQconnectdbParams(o.kw, o.val, 1);
	if (pc->conn == NULL || PQstatus(pc->conn) != CONNECTION_OK) {
		keep_msg(pc, pc->conn ? PQerrorMessage(pc->conn) :
			"out of memory");
		r = crm_error_set(err, CRM_ESTORE, "store postgresql %s: cannot"
			" connect: %s", pc->where, pc->msg);
		PQfinish(pc->conn);
		free(pc);
		free(db);
		return r;
	}
	if ((r = migrate(db, err)) != CRM_OK) {
		crm_store_close(db);
		return r;
	}
	*dbp = db;
	return CRM_OK;
}

/* ---- the schema ---- */

/* One integer from a query of one row, or def when it has none. */
static int query_int(struct crm_db *db, const char *sql, int def, int *out,
	struct crm_error *err)
{
	struct crm_pg_conn *pc = db->pg;
	PGresult *res = PQexec(pc->conn, sql);
	int ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	*out = def;
	if (ok && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
		const char *v = PQgetvalue(res, 0, 0);

		*out = v[0] == 't' ? 1 : v[0] == 'f' ? 0 :
			(int)strtol(v, NULL, 10);
	}
	if (!ok)
		keep_msg(pc, PQresultErrorMessage(res));
	PQclear(res);
	return ok ? CRM_OK : pg_error(db, "reading the schema version", err);
}

/* The schema's version: 0 for a database without crmpolicy's tables. */
static int read_version(struct crm_db *db, int *version,
	struct crm_error *err)
{
	int has, r;

	*version = 0;
	/*
	 * Read from pg_class under this statement's snapshot: to_regclass
	 * looks in the catalog caches, which may not yet show a table that
	 * another host's migration committed while this one waited.
	 */
	if ((r = query_int(db, "SELECT EXISTS(SELECT 1 FROM pg_catalog.pg_class"
			" c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
			" WHERE c.relname = 'schema_version' AND n.nspname ="
			" current_schema())", 0, &has, err)) != CRM_OK || !has)
		return r;
	return query_int(db, "SELECT version FROM schema_version", 0, version,
		err);
}

int crm_db_pg_version(struct crm_db *db, int *version,
	struct crm_error *err)
{
	return read_version(db, version, err);
}

/*
 * Brings the schema to the version SQLite's has, in one transaction
 * under the migration lock, the version read again once the lock is
 * held, so that two hosts starting at once do not both migrate. Each
 * entry moves the version row itself (lib/pg_schema.h).
 */
static int migrate(struct crm_db *db, struct crm_error *err)
{
	const int target = (int)crm_pg_migration_count;
	char sql[128];
	int version, r;

	if (target != CRM_SCHEMA_VERSION)
		return crm_error_set(err, CRM_ESTORE, "store postgresql: this"
			" build has %d migrations for schema version %d", target,
			CRM_SCHEMA_VERSION);
	if ((r = read_version(db, &version, err)) != CRM_OK)
		return r;
	if (version == target)
		return CRM_OK;
	snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%lld)",
		(long long)CRM_PG_LOCK_MIGRATE);
	if ((r = exec_simple(db, sql, "migrating the schema", err)) != CRM_OK)
		return r;
	if ((r = read_version(db, &version, err)) != CRM_OK)
		goto fail;
	if (version > target) {
		r = crm_error_set(err, CRM_ESTORE, "store postgresql %s has"
			" schema version %d, newer than this crmpolicy (%d)",
			db->pg->where, version, target);
		goto fail;
	}
	for (int v = version; v < target; v++)
		if ((r = exec_simple(db, crm_pg_migrations[v],
				"migrating the schema", err)) != CRM_OK)
			goto fail;
	if ((r = exec_simple(db, "COMMIT", "migrating the schema", err)))
		goto fail;
	return CRM_OK;
fail:
	pg_rollback(db);
	return r;
}
