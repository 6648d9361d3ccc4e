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
 *
 * Round trips are what a login through a pooler pays for, so a
 * transaction's BEGIN (and its lock) goes out with its first statement,
 * and, on a connection opened for a login (crm_db_defer_writes), a write
 * whose caller reads nothing back from it waits, sent but unread, for the
 * transaction's next statement or COMMIT: they travel in one pipelined
 * request and their results are checked in order before that next
 * statement's is handed over. A write that failed fails that request, so
 * the transaction is rolled back and nothing is committed without every
 * one of its writes done; the writes still run in the order the core
 * made them, under the same lock.
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

/* What a request sent in pipeline mode was, to check its result. */
enum pend_kind {
	P_BEGIN,	/* a piece of BEGIN: the transaction, its lock */
	P_PREPARE,	/* a statement's Parse, before its first run */
	P_WRITE,	/* a deferred write */
	P_RUN,		/* the statement whose result is wanted */
	P_COMMIT,
	P_END,		/* a reader's ROLLBACK */
};

struct pend {
	enum pend_kind kind;
	struct crm_pg_stmt *ps;
	enum crm_q q;		/* P_PREPARE: not prepared on failure;
				 * P_WRITE: named in the error */
};

/* Requests in one pipeline at most: a flush comes before it fills. */
#define MAX_PEND 48

struct crm_pg_conn {
	PGconn *conn;
	pid_t pid;		/* the opener: a forked child leaves it alone */
	char where[160];	/* host(s)/dbname, for messages */
	char msg[256];		/* the last error */
	char failed[96];	/* what failed, when not the caller's step */
	unsigned session;	/* counts reconnections */
	/* session + 1 where statement q is prepared on the server */
	unsigned have[CRM_Q_COUNT];
	char schema[64];	/* current_schema(): names the statements */
	int in_tx;		/* a transaction was begun and not ended */
	int begin;		/* 0, or the enum crm_tx + 1 of a BEGIN unsent */
	int writer;		/* the transaction is a writer's */
	int defer;		/* writes that return nothing may wait */
	int npend;		/* requests sent, their results unread */
	int checks;		/* of them, writes whose count is checked */
	struct pend pend[MAX_PEND];
};

struct crm_pg_stmt {
	char name[32];
	int nparams;
	Oid types[MAX_PARAMS];	/* 0: as PostgreSQL infers it */
	char *values[MAX_PARAMS];
	int lengths[MAX_PARAMS];
	int formats[MAX_PARAMS];
	PGresult *res;
	int row, nrows;
	int lost;		/* a value could not be kept: never run */
	int deferred;		/* run as a deferred write: no rows to read */
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

	if (pc->failed[0] != '\0')
		what = pc->failed;
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

/*
 * The name statement q is prepared under: its number and a hash of its
 * text, of the schema its tables are found in and of the schema's
 * version. A server session outlives the client's where a pooler keeps
 * it (PgBouncer in session mode with a reset that keeps prepared
 * statements): the next login's connection finds the statement there
 * (learn) and skips preparing it, which is most of what a pooled session
 * costs the server. The hash keeps apart two versions of crmpolicy, or
 * two stores in two schemas, served by one pooled session; after a
 * migration every name is new, so that no statement planned against the
 * tables before it is run (the server would refuse one whose result
 * changed shape, in that session for as long as it lasts).
 */
static void stmt_name(const struct crm_pg_conn *pc, enum crm_q q,
	char name[32])
{
	unsigned char h[16];
	crypto_generichash_state state;
	const char *sql = crm_sql_pg[q];
	const unsigned char version[] = { CRM_SCHEMA_VERSION & 0xff,
		(CRM_SCHEMA_VERSION >> 8) & 0xff };

	crypto_generichash_init(&state, NULL, 0, sizeof(h));
	crypto_generichash_update(&state, version, sizeof(version));
	crypto_generichash_update(&state, (const unsigned char *)pc->schema,
		strlen(pc->schema) + 1);
	crypto_generichash_update(&state, (const unsigned char *)sql,
		strlen(sql));
	crypto_generichash_final(&state, h, sizeof(h));
	snprintf(name, 32, "crm_%d_%02x%02x%02x%02x%02x%02x%02x%02x", (int)q,
		h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
}

/*
 * What a session holds already, as the connection opens or is made
 * again: rows of (current_schema(), name, text) of crmpolicy's prepared
 * statements, NULL name and text when there are none. A statement is
 * taken as prepared only under the very name this build gives it and
 * with the very same text; any other is left alone (and one of the same
 * name but another text makes preparing it fail, never run).
 */
#define LEARN_SQL "SELECT current_schema(), p.name, p.statement FROM" \
	" (SELECT 1) AS one LEFT JOIN pg_catalog.pg_prepared_statements p" \
	" ON p.name LIKE 'crm\\_%'"

static int learn(struct crm_pg_conn *pc, const PGresult *res)
{
	int n = PQntuples(res);

	if (PQresultStatus(res) != PGRES_TUPLES_OK || n < 1 ||
			PQnfields(res) != 3)
		return -1;
	if (PQgetisnull(res, 0, 0))
		return -2;	/* no schema of search_path exists */
	snprintf(pc->schema, sizeof(pc->schema), "%s", PQgetvalue(res, 0, 0));
	for (int i = 0; i < n; i++) {
		const char *name = PQgetvalue(res, i, 1);
		char want[32];
		long q;

		if (PQgetisnull(res, i, 1) || PQgetisnull(res, i, 2))
			continue;
		q = strtol(name + 4, NULL, 10);
		if (q < 0 || q >= CRM_Q_COUNT || crm_sql_pg[q] == NULL)
			continue;
		stmt_name(pc, (enum crm_q)q, want);
		if (strcmp(name, want) == 0 &&
				strcmp(PQgetvalue(res, i, 2), crm_sql_pg[q]) == 0)
			pc->have[q] = pc->session + 1;
	}
	return 0;
}

static void revive(struct crm_pg_conn *pc);
static int flush(struct crm_pg_conn *pc, PGresult **last);

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
	 * Prepared at its first run in a session, in the same round trip
	 * (send_stmt), unless the session has it already; nested uses of
	 * one statement share it, since results are read whole.
	 */
	stmt_name(pc, st->q, ps->name);
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
	/* pc->begin: the transaction has sent nothing yet. */
	if ((pc->in_tx && pc->begin == 0) ||
			PQstatus(pc->conn) != CONNECTION_BAD)
		return;
	/* Only a reader's end can be waiting: it went with the session. */
	if (pc->npend > 0)
		(void)flush(pc, NULL);
	PQreset(pc->conn);
	if (PQstatus(pc->conn) == CONNECTION_OK) {
		PGresult *res;

		pc->session++;
		/*
		 * Unread, every statement is prepared again: one the session
		 * holds already then fails to prepare, an error of its
		 * transaction, never a wrong statement run.
		 */
		res = PQexec(pc->conn, LEARN_SQL);
		(void)learn(pc, res);
		PQclear(res);
	}
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
	ps->deferred = 0;
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

/* ---- pipelined requests ---- */

/*
 * The writes that may wait (on a connection opened for a login): their
 * callers read no row back, and no outcome but success or failure,
 * except the account's update, which must have changed its one row.
 */
static int deferrable(enum crm_q q, int *expect_one)
{
	*expect_one = q == CRM_Q_ACCOUNT_UPDATE;
	switch (q) {
	case CRM_Q_SETTING_SET:
	case CRM_Q_ACCOUNT_UPDATE:
	case CRM_Q_KNOWNIP_PRUNE:
	case CRM_Q_KNOWNIP_INSERT:
	case CRM_Q_AUDIT_ADD:
	case CRM_Q_LOGIN_INSERT:
	case CRM_Q_LOGIN_MERGE:
	case CRM_Q_LOCKOUT_LAPSE:
	case CRM_Q_LOCKOUT_RELEASE:
	case CRM_Q_LOCKOUT_RELEASE_OLDEST:
	case CRM_Q_THROTTLE_FAILURES_LAPSE:
	case CRM_Q_THROTTLE_FAILURE_ADD:
	case CRM_Q_THROTTLE_BLOCK_COUNT:
		return 1;
	default:
		return 0;
	}
}

static void pend_add(struct crm_pg_conn *pc, enum pend_kind kind,
	struct crm_pg_stmt *ps, enum crm_q q)
{
	pc->pend[pc->npend].kind = kind;
	pc->pend[pc->npend].ps = ps;
	pc->pend[pc->npend].q = q;
	pc->npend++;
}

/* Sends a BEGIN pg_begin left unsent, a request for each of its pieces. */
static int send_begin(struct crm_pg_conn *pc)
{
	static const char *const reader[] = {
		"BEGIN ISOLATION LEVEL REPEATABLE READ", NULL,
	};
	static const char *const writer[] = {
		"BEGIN", LOCK_WAIT,
		"SELECT pg_advisory_xact_lock(" LOCK_WRITE ")", NULL,
	};
	static const char *const relaxed[] = {
		"BEGIN", "SET LOCAL synchronous_commit = off", LOCK_WAIT,
		"SELECT pg_advisory_xact_lock(" LOCK_WRITE ")", NULL,
	};
	const char *const *piece;

	if (pc->begin == 0)
		return 1;
	piece = pc->begin - 1 == CRM_TX_WRITE ? writer :
		pc->begin - 1 == CRM_TX_WRITE_RELAXED ? relaxed : reader;
	pc->begin = 0;
	for (; *piece != NULL; piece++) {
		if (!PQsendQueryParams(pc->conn, *piece, 0, NULL, NULL, NULL,
				NULL, 0))
			return 0;
		pend_add(pc, P_BEGIN, NULL, CRM_Q_COUNT);
	}
	return 1;
}

/*
 * Sends a run of the statement, preceded by its Parse at its first run in
 * a session: Parse, Bind and Execute then go together, where preparing on
 * its own took a round trip of its own.
 */
static int send_stmt(struct crm_stmt *st, enum pend_kind kind)
{
	struct crm_pg_conn *pc = st->db->pg;
	struct crm_pg_stmt *ps = st->pg;

	if (pc->have[st->q] != pc->session + 1) {
		if (!PQsendPrepare(pc->conn, ps->name, crm_sql_pg[st->q],
				ps->nparams, ps->types))
			return 0;
		/* Prepared from here on, for a second run in this pipeline;
		 * a failed Parse takes it back (flush). */
		pc->have[st->q] = pc->session + 1;
		pend_add(pc, P_PREPARE, ps, st->q);
	}
	if (!PQsendQueryPrepared(pc->conn, ps->name, ps->nparams,
			(const char *const *)ps->values, ps->lengths, ps->formats,
			0))
		return 0;
	pend_add(pc, kind, ps, st->q);
	return 1;
}

/* Names what failed, when it was not the statement the caller stepped. */
static void name_failure(struct crm_pg_conn *pc, const struct pend *p,
	const struct pend *next)
{
	switch (p->kind) {
	case P_BEGIN:
		snprintf(pc->failed, sizeof(pc->failed),
			"starting a transaction");
		break;
	case P_COMMIT:
	case P_END:
		snprintf(pc->failed, sizeof(pc->failed), "ending a transaction");
		break;
	case P_PREPARE:
		if (next != NULL && next->kind == P_WRITE)
			name_failure(pc, next, NULL);
		break;
	case P_WRITE:
		snprintf(pc->failed, sizeof(pc->failed), "writing (%s)",
			crm_q_name(p->q));
		break;
	case P_RUN:
		break;
	}
}

/*
 * Ends the pipeline: a sync, then the result of every request sent, in
 * order. The P_RUN statement's result goes to *last (the caller clears
 * it). Returns CRM_OK, or the first failure's code with its message kept
 * (pc->failed naming it when it was not the P_RUN statement), CRM_EEXIST
 * when a constraint refused the P_RUN statement.
 */
static int flush(struct crm_pg_conn *pc, PGresult **last)
{
	int n = pc->npend, r = CRM_OK, broken = 0, i;

	if (last != NULL)
		*last = NULL;
	pc->npend = 0;
	pc->checks = 0;
	if (!PQpipelineSync(pc->conn))
		broken = 1;
	for (i = 0; i < n && !broken; i++) {
		const struct pend *p = &pc->pend[i];
		PGresult *res = PQgetResult(pc->conn), *more;
		ExecStatusType s;
		int ok;

		if (res == NULL) {
			broken = 1;
			break;
		}
		/* A NULL ends each request's results. */
		while ((more = PQgetResult(pc->conn)) != NULL)
			PQclear(more);
		s = PQresultStatus(res);
		ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
		if (ok && p->kind == P_WRITE && p->q == CRM_Q_ACCOUNT_UPDATE &&
				strcmp(PQcmdTuples(res), "1") != 0) {
			ok = 0;
			if (r == CRM_OK) {
				keep_msg(pc, "the account to update has vanished");
				name_failure(pc, p, NULL);
				r = CRM_ESTORE;
			}
		}
		if (ok && p->kind == P_COMMIT &&
				strcmp(PQcmdStatus(res), "COMMIT") != 0) {
			ok = 0;
			if (r == CRM_OK) {
				keep_msg(pc, "the commit was rolled back");
				name_failure(pc, p, NULL);
				r = CRM_ESTORE;
			}
		}
		if (!ok && p->kind == P_PREPARE)
			pc->have[p->q] = 0;
		if (!ok && r == CRM_OK && s != PGRES_PIPELINE_ABORTED) {
			const char *state =
				PQresultErrorField(res, PG_DIAG_SQLSTATE);

			keep_msg(pc, PQresultErrorMessage(res));
			name_failure(pc, p, i + 1 < n ? &pc->pend[i + 1] : NULL);
			/* Class 23: an integrity constraint refused it. */
			r = p->kind == P_RUN && state != NULL &&
				strncmp(state, "23", 2) == 0 ? CRM_EEXIST :
				CRM_ESTORE;
		}
		if (ok && p->kind == P_RUN && last != NULL)
			*last = res;
		else
			PQclear(res);
	}
	if (!broken) {
		/* The sync's own result; two NULLs running: nothing comes. */
		int nulls = 0;
		PGresult *res;

		while (nulls < 2) {
			if ((res = PQgetResult(pc->conn)) == NULL) {
				nulls++;
				continue;
			}
			nulls = 0;
			if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
				PQclear(res);
				break;
			}
			PQclear(res);
		}
		if (nulls >= 2)
			broken = 1;
	}
	if (broken) {
		for (; i < n; i++)
			if (pc->pend[i].kind == P_PREPARE)
				pc->have[pc->pend[i].q] = 0;
		if (r == CRM_OK) {
			keep_msg(pc, PQerrorMessage(pc->conn));
			r = CRM_ESTORE;
		}
		if (last != NULL) {
			PQclear(*last);
			*last = NULL;
		}
	}
	(void)PQexitPipelineMode(pc->conn);
	return r;
}

/*
 * Sends the statement, after the transaction's BEGIN if still unsent,
 * behind the writes waiting; a deferrable write stops there, anything
 * else ends the pipeline and takes its result.
 */
static int run_once(struct crm_stmt *st)
{
	struct crm_pg_conn *pc = st->db->pg;
	struct crm_pg_stmt *ps = st->pg;
	int expect_one, r, defer = pc->defer && pc->in_tx && pc->writer &&
		deferrable(st->q, &expect_one);
	PGresult *res;
	ExecStatusType status;

	/* Room for BEGIN's pieces, a Parse and a run. */
	if (pc->npend + 6 > MAX_PEND && (r = flush(pc, NULL)) != CRM_OK)
		return r;
	revive(pc);
	if ((PQpipelineStatus(pc->conn) == PQ_PIPELINE_OFF &&
			!PQenterPipelineMode(pc->conn)) || !send_begin(pc) ||
			!send_stmt(st, defer ? P_WRITE : P_RUN)) {
		char msg[sizeof(pc->msg)];

		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(pc->conn));
		(void)flush(pc, NULL);
		keep_msg(pc, msg);
		return CRM_ESTORE;
	}
	if (defer) {
		pc->checks += expect_one;
		st->changes = 1;
		ps->deferred = 1;
		ps->nrows = 0;
		ps->row = -1;
		return CRM_OK;
	}
	if ((r = flush(pc, &res)) != CRM_OK)
		return r;
	ps->res = res;
	status = PQresultStatus(res);
	{
		const char *n = PQcmdTuples(res);

		st->changes = n && *n ? strtoll(n, NULL, 10) : 0;
	}
	ps->nrows = status == PGRES_TUPLES_OK ? PQntuples(res) : 0;
	ps->row = -1;
	return CRM_OK;
}

static int run(struct crm_stmt *st)
{
	struct crm_pg_conn *pc = st->db->pg;
	int r;

	if (st->pg->lost) {
		keep_msg(pc, "out of memory binding a value");
		return CRM_ESTORE;
	}
	pc->failed[0] = '\0';
	r = run_once(st);
	/*
	 * A session found lost by this very statement, outside a
	 * transaction: a read is asked again on a new session. A write is
	 * not, since whether it was done cannot be known; its caller gets
	 * the error, as for any failed write.
	 */
	if (r == CRM_ESTORE && !pc->in_tx &&
			PQstatus(pc->conn) == CONNECTION_BAD &&
			strncmp(crm_sql_pg[st->q], "SELECT", 6) == 0) {
		pc->failed[0] = '\0';
		r = run_once(st);
	}
	return r;
}

static int pg_step(struct crm_stmt *st)
{
	struct crm_pg_stmt *ps = st->pg;

	if (ps->res == NULL && !ps->deferred) {
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
 * BEGIN is not sent here but with the transaction's first statement
 * (send_begin): a failure to start, a lock not granted in time, is that
 * statement's, named "starting a transaction".
 */
static void pg_rollback(struct crm_db *db);

static int pg_begin(struct crm_db *db, enum crm_tx tx, struct crm_error *err)
{
	struct crm_pg_conn *pc = db->pg;

	if (pc->in_tx) {
		keep_msg(pc, "a transaction is already open");
		pg_rollback(db);
		return pg_error(db, "starting a transaction", err);
	}
	pc->failed[0] = '\0';
	pc->begin = (int)tx + 1;
	pc->writer = tx != CRM_TX_READ;
	pc->in_tx = 1;
	return CRM_OK;
}

/*
 * Ends a reader's transaction without waiting for the answer, on a
 * login's connection: its COMMIT or ROLLBACK goes out now, so that no
 * snapshot stays open while the login goes on, and the answer is read
 * with the next request's. 0 when it cannot be so: the caller ends the
 * transaction itself, waiting.
 */
static int end_reader(struct crm_pg_conn *pc, enum pend_kind kind)
{
	if (!pc->defer || pc->writer || !pc->in_tx || pc->begin != 0 ||
			pc->npend > 0 ||
			PQtransactionStatus(pc->conn) != PQTRANS_INTRANS)
		return 0;
	if (!PQenterPipelineMode(pc->conn))
		return 0;
	if (!PQsendQueryParams(pc->conn, kind == P_COMMIT ? "COMMIT" :
			"ROLLBACK", 0, NULL, NULL, NULL, NULL, 0)) {
		(void)PQexitPipelineMode(pc->conn);
		return 0;
	}
	pend_add(pc, kind, NULL, CRM_Q_COUNT);
	pc->in_tx = 0;
	/* Sent now; a failure to send shows at the next request. */
	if (PQsendFlushRequest(pc->conn))
		(void)PQflush(pc->conn);
	return 1;
}

static int pg_commit(struct crm_db *db, struct crm_error *err)
{
	struct crm_pg_conn *pc = db->pg;
	PGresult *res;
	int ok;

	pc->failed[0] = '\0';
	/* Nothing was sent: there is nothing to commit. */
	if (pc->in_tx && pc->begin != 0) {
		pc->begin = 0;
		pc->in_tx = 0;
		return CRM_OK;
	}
	if (end_reader(pc, P_COMMIT))
		return CRM_OK;
	/*
	 * Writes waiting whose count is checked here, not by the server:
	 * they are read before COMMIT is sent, which then goes alone.
	 */
	if (pc->npend > 0 && pc->checks > 0 && flush(pc, NULL) != CRM_OK) {
		pg_rollback(db);
		return pg_error(db, "committing", err);
	}
	/* Writes waiting: they and the COMMIT go in one request. */
	if (pc->npend > 0) {
		int r = CRM_ESTORE;

		if (PQsendQueryParams(pc->conn, "COMMIT", 0, NULL, NULL, NULL,
				NULL, 0)) {
			pend_add(pc, P_COMMIT, NULL, CRM_Q_COUNT);
			r = flush(pc, NULL);
		} else {
			char msg[sizeof(pc->msg)];

			snprintf(msg, sizeof(msg), "%s", PQerrorMessage(pc->conn));
			(void)flush(pc, NULL);
			keep_msg(pc, msg);
		}
		if (r == CRM_OK) {
			pc->in_tx = 0;
			return CRM_OK;
		}
		pg_rollback(db);
		return pg_error(db, "committing", err);
	}
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
	PGTransactionStatusType ts;

	if (end_reader(pc, P_END)) {
		pc->begin = 0;
		return;
	}
	/* Writes waiting are read and dropped; the error said is kept. */
	if (pc->npend > 0) {
		char msg[sizeof(pc->msg)], failed[sizeof(pc->failed)];

		memcpy(msg, pc->msg, sizeof(msg));
		memcpy(failed, pc->failed, sizeof(failed));
		(void)flush(pc, NULL);
		memcpy(pc->msg, msg, sizeof(msg));
		memcpy(pc->failed, failed, sizeof(failed));
	}
	pc->begin = 0;
	pc->in_tx = 0;
	ts = PQtransactionStatus(pc->conn);
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

void crm_db_pg_defer_writes(struct crm_db *db)
{
	db->pg->defer = 1;
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

/*
 * The version as a connection opens, with what its session holds
 * (learn), in one round trip: read outside any transaction, a missing
 * table is only an error of that statement, and read_version's look in
 * the catalog is needed only then.
 */
static int read_version_fast(struct crm_db *db, int *version,
	struct crm_error *err)
{
	struct crm_pg_conn *pc = db->pg;
	PGresult *res, *vres = NULL;
	int learnt = -1, ok = 0, nres = 0;
	const char *state;

	*version = 0;
	if (!PQsendQuery(pc->conn, LEARN_SQL "; SELECT version FROM"
			" schema_version")) {
		keep_msg(pc, PQerrorMessage(pc->conn));
		return pg_error(db, "reading the schema version", err);
	}
	while ((res = PQgetResult(pc->conn)) != NULL) {
		if (nres++ == 0 && PQresultStatus(res) == PGRES_TUPLES_OK) {
			learnt = learn(pc, res);
			PQclear(res);
		} else if (vres == NULL) {
			vres = res;
		} else {
			PQclear(res);
		}
	}
	if (learnt != 0) {
		keep_msg(pc, learnt == -2 ? "no schema of the search_path"
			" exists (current_schema() is null)" : vres != NULL ?
			PQresultErrorMessage(vres) : PQerrorMessage(pc->conn));
		PQclear(vres);
		return pg_error(db, "reading the schema version", err);
	}
	state = PQresultErrorField(vres, PG_DIAG_SQLSTATE);
	ok = PQresultStatus(vres) == PGRES_TUPLES_OK;
	if (ok && PQntuples(vres) > 0 && !PQgetisnull(vres, 0, 0))
		*version = (int)strtol(PQgetvalue(vres, 0, 0), NULL, 10);
	/* 42P01: undefined_table, a database without the schema yet. */
	if (!ok && state != NULL && strcmp(state, "42P01") == 0) {
		PQclear(vres);
		return read_version(db, version, err);
	}
	if (!ok)
		keep_msg(pc, vres != NULL ? PQresultErrorMessage(vres) :
			PQerrorMessage(pc->conn));
	PQclear(vres);
	return ok ? CRM_OK : pg_error(db, "reading the schema version", err);
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
	if ((r = read_version_fast(db, &version, err)) != CRM_OK)
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
