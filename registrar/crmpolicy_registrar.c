/*
 * crmpolicy_registrar: the policy for SIP registrars. A root daemon on a
 * Unix stream socket; a registrar (Kamailio, as user kamailio) keeps one
 * connection per worker and asks, for each REGISTER with credentials,
 * CHECK (may it proceed, and with which HA1) and then RESULT (what the
 * digest check said). Who may ask is decided by the peer's uid and
 * helper_services. Successes are recorded in batches; a wrong digest is
 * recorded durably before it is acknowledged.
 *
 *   crmpolicy_registrar [--conf PATH] [--socket PATH] [--foreground]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/config.h"
#include "crmpolicy/context.h"
#include "crmpolicy/geo.h"
#include "crmpolicy/helper.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/nss.h"
#include "crmpolicy/sip.h"
#include "crmpolicy/utf8.h"
#include "proto.h"

#define DEFAULT_SOCKET "/run/crmpolicy/registrar.sock"
#define MAX_CLIENTS 1024
#define OUT_MAX 8192		/* replies not yet written to one client */
#define INFLIGHT_MAX 8192	/* attempts between CHECK and RESULT */
#define INFLIGHT_TTL 30		/* seconds an attempt waits for its RESULT */
#define BATCH_MAX 512		/* outcomes recorded in one transaction */
#define BATCH_DELAY_MS 20	/* the longest a success waits to be recorded */
#define BOUND_MAX 8		/* services remembered per connection */
#define POLICY_SLOTS 1024	/* resolved policies kept */
#define POLICY_TTL 2		/* seconds one is used */

struct client {
	int fd;
	uid_t uid;
	char name[CRM_NAME_MAX + 1];	/* the peer's user, "" if none */
	struct proto_input pin;		/* the line being read */
	char out[OUT_MAX];
	size_t nout;
	/* services answered for this connection: bound (1) or refused (0) */
	char svc[BOUND_MAX][64];
	int svc_ok[BOUND_MAX];
	size_t nsvc;
};

struct attempt {
	uint64_t token;
	int client;		/* index in clients */
	int64_t started;
	char user[CRM_NAME_MAX + 1];
	char service[PROTO_SERVICE_MAX];
	char rhost[CRM_RHOST_MAX + 1];
	char actor[96];
};

struct daemon {
	struct crm_config cfg;
	struct crm_ctx ctx;
	const char *conf;
	const char *socket;
	int listen_fd;
	int sig_fd;
	int stop;
	struct client clients[MAX_CLIENTS];
	struct pollfd pfd[MAX_CLIENTS + 2];
	struct attempt *inflight;	/* INFLIGHT_MAX slots, [0, ninflight) used */
	size_t ninflight;
	uint64_t next_token;
	struct crm_sip_outcome *batch;	/* BATCH_MAX */
	size_t nbatch;
	int64_t batch_due_ms;		/* monotonic ms; 0 when empty */
	char actor[96];			/* "registrar:USER" of the request */
};

static void logf_(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logf_(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(priority, fmt, ap);
	va_end(ap);
}

static void core_log(void *arg, int priority, const char *msg)
{
	(void)arg;
	syslog(priority, "%s", msg);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the store ---- */

/* Reads the configuration and opens the store: the daemon's one context. */
static int open_store(struct daemon *d)
{
	struct crm_problems probs;
	struct crm_error err;
	int r;

	crm_config_init(&d->cfg);
	crm_problems_init(&probs);
	crm_error_clear(&err);
	r = crm_config_load(&d->cfg, d->conf ? d->conf : CRM_DEFAULT_CONF,
		d->conf != NULL, &probs, &err);
	for (size_t i = 0; i < probs.n; i++)
		logf_(LOG_ERR, "configuration: %s", probs.items[i]);
	crm_problems_free(&probs);
	if (r == CRM_OK)
		r = crm_ctx_open(&d->ctx, &d->cfg, 0, &err);
	if (r != CRM_OK) {
		logf_(LOG_ERR, "cannot start: %s", err.msg[0] ? err.msg :
			crm_error_name(r));
		crm_config_free(&d->cfg);
		return -1;
	}
	d->ctx.log = core_log;
	d->ctx.login_type = CRM_LOGIN_SIP;
	/*
	 * A registration storm resolves the same extensions many times a
	 * second: a policy change reaches the daemon within
	 * POLICY_TTL seconds.
	 */
	if (crm_policy_cache_new(POLICY_SLOTS, POLICY_TTL, &d->ctx.pcache,
			&err) != CRM_OK) {
		logf_(LOG_ERR, "cannot start: %s", err.msg);
		crm_ctx_close(&d->ctx);
		crm_config_free(&d->cfg);
		return -1;
	}
	/* The databases stay open; SIGHUP opens them again (an update). */
	if (crm_geo_open(&d->cfg, &d->ctx.geo, &err) != CRM_OK)
		logf_(LOG_WARNING, "geolocation: %s", err.msg);
	return 0;
}

/*
 * Records the queued outcomes in one transaction. The queue is kept on an
 * error, to be tried again; a queue that cannot be recorded for long is
 * dropped with a log line rather than growing without bound.
 */
static int flush(struct daemon *d)
{
	struct crm_error err;
	size_t alerts = 0;
	int r;

	if (d->nbatch == 0)
		return 0;
	d->ctx.now = (int64_t)time(NULL);
	crm_error_clear(&err);
	r = crm_sip_settle(&d->ctx, d->batch, d->nbatch, &alerts, &err);
	if (r != CRM_OK) {
		logf_(LOG_ERR, "%zu outcomes not recorded: %s", d->nbatch,
			err.msg[0] ? err.msg : crm_error_name(r));
		if (d->nbatch < BATCH_MAX)
			return -1;
		logf_(LOG_ERR, "dropping %zu outcomes that cannot be recorded",
			d->nbatch);
	}
	sodium_memzero(d->batch, d->nbatch * sizeof(*d->batch));
	d->nbatch = 0;
	d->batch_due_ms = 0;
	return r == CRM_OK ? 0 : -1;
}

/* Queues an outcome; a full queue is recorded first. */
static int enqueue(struct daemon *d, const struct crm_sip_outcome *o)
{
	if (d->nbatch == BATCH_MAX && flush(d) != 0 && d->nbatch == BATCH_MAX)
		return -1;
	d->batch[d->nbatch++] = *o;
	if (d->batch_due_ms == 0)
		d->batch_due_ms = now_ms() + BATCH_DELAY_MS;
	return 0;
}

/* ---- the protocol ---- */

static void reply(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends one reply line to c's output; it is written by the loop. */
static void reply(struct client *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->nout >= sizeof(c->out) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(c->out + c->nout, sizeof(c->out) - c->nout, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(c->out) - c->nout) {
		/* A client that reads nothing loses its connection. */
		c->nout = sizeof(c->out);
		return;
	}
	c->nout += (size_t)n;
}

/*
 * Whether c's user may ask for service: bound in helper_services. A
 * refusal is audited once per connection and service.
 */
static int bound(struct daemon *d, struct client *c, const char *service,
	const char *user)
{
	struct crm_error err;
	int allowed = 0;

	for (size_t i = 0; i < c->nsvc; i++)
		if (strcmp(c->svc[i], service) == 0)
			return c->svc_ok[i];
	d->ctx.service = service;
	d->ctx.rhost = NULL;
	d->ctx.now = (int64_t)time(NULL);
	crm_error_clear(&err);
	if (crm_helper_admit(&d->ctx, user, (long)c->uid, &allowed, &err) !=
			CRM_OK) {
		logf_(LOG_ERR, "checking uid %lu for a service: %s",
			(unsigned long)c->uid, err.msg);
		return 0;
	}
	if (!allowed)
		logf_(LOG_ERR, "refusing uid %lu: the service is not bound to it "
			"in helper_services", (unsigned long)c->uid);
	if (c->nsvc < BOUND_MAX) {
		snprintf(c->svc[c->nsvc], sizeof(c->svc[0]), "%s", service);
		c->svc_ok[c->nsvc++] = allowed;
	}
	return allowed;
}

/*
 * The attempts in flight are kept packed in d->inflight[0 .. ninflight):
 * every scan is as long as the attempts there are, not the table.
 */
static int inflight_of(const struct daemon *d, const char *user)
{
	int n = 0;

	for (size_t i = 0; i < d->ninflight; i++)
		if (strcmp(d->inflight[i].user, user) == 0)
			n++;
	return n;
}

static struct attempt *new_attempt(struct daemon *d)
{
	if (d->ninflight == INFLIGHT_MAX)
		return NULL;
	return &d->inflight[d->ninflight++];
}

/* Drops attempt i; the last one takes its place. */
static void drop_attempt(struct daemon *d, size_t i)
{
	if (i != d->ninflight - 1)
		d->inflight[i] = d->inflight[d->ninflight - 1];
	d->ninflight--;
	memset(&d->inflight[d->ninflight], 0, sizeof(d->inflight[0]));
}

/* The wire's word for a refusal. */
static const char *deny_word(enum crm_verdict v)
{
	switch (v) {
	case CRM_V_INVALID: return "invalid";
	case CRM_V_THROTTLED: return "throttled";
	case CRM_V_IP_DENIED: return "denied";
	case CRM_V_LOCKED: return "locked";
	case CRM_V_DISABLED: return "disabled";
	case CRM_V_INACTIVE: return "inactive";
	case CRM_V_EXPIRED: return "expired";
	case CRM_V_EXHAUSTED: return "exhausted";
	case CRM_V_NO_FACTOR: return "nosip";
	default: return "unavailable";
	}
}

/* CHECK service user address realm algorithm, its fields checked */
static void do_check(struct daemon *d, int ci, const struct proto_request *q)
{
	struct client *c = &d->clients[ci];
	char ha1[CRM_HA1_HEX_MAX];
	struct crm_sip_outcome refusal;
	struct crm_result res;
	struct crm_error err;
	struct attempt *a;
	int r;

	if (!bound(d, c, q->service, q->user)) {
		reply(c, "DENY unbound\n");
		return;
	}
	d->ctx.service = q->service;
	d->ctx.rhost = q->rhost;
	d->ctx.now = (int64_t)time(NULL);
	crm_error_clear(&err);
	r = crm_sip_check(&d->ctx, q->user, q->realm, q->algo,
		inflight_of(d, q->user), &res, ha1, &refusal, &err);
	if (r != CRM_OK) {
		logf_(LOG_ERR, "refusing a registration: %s", err.msg[0] ?
			err.msg : crm_error_name(r));
		reply(c, "DENY unavailable\n");
		return;
	}
	if (refusal.kind == CRM_SIP_REFUSED && enqueue(d, &refusal) != 0)
		logf_(LOG_ERR, "a refused registration could not be recorded");
	if (res.verdict != CRM_V_ALLOW && res.verdict != CRM_V_UNKNOWN) {
		reply(c, "DENY %s\n", deny_word(res.verdict));
		return;
	}
	if ((a = new_attempt(d)) == NULL) {
		sodium_memzero(ha1, sizeof(ha1));
		reply(c, "DENY exhausted\n");
		return;
	}
	a->token = ++d->next_token;
	a->client = ci;
	a->started = (int64_t)time(NULL);
	snprintf(a->user, sizeof(a->user), "%s", q->user);
	snprintf(a->service, sizeof(a->service), "%s", q->service);
	snprintf(a->rhost, sizeof(a->rhost), "%s", q->rhost);
	snprintf(a->actor, sizeof(a->actor), "%s", d->actor);
	reply(c, "ALLOW %llu %s\n", (unsigned long long)a->token, ha1);
	sodium_memzero(ha1, sizeof(ha1));
}

/* RESULT token ok|wrong|none */
static void do_result(struct daemon *d, int ci, const struct proto_request *q)
{
	struct client *c = &d->clients[ci];
	struct crm_sip_outcome o;
	struct attempt *a = NULL;
	size_t at = 0;

	if (q->token != 0)
		for (at = 0; at < d->ninflight; at++)
			if (d->inflight[at].token == q->token &&
					d->inflight[at].client == ci) {
				a = &d->inflight[at];
				break;
			}
	if (a == NULL) {
		reply(c, "ERROR unknown-token\n");
		return;
	}
	if (q->outcome == PROTO_NONE) {
		drop_attempt(d, at);
		reply(c, "DONE\n");
		return;
	}
	if (q->outcome == PROTO_BAD) {
		reply(c, "ERROR malformed\n");
		return;
	}
	memset(&o, 0, sizeof(o));
	o.kind = q->outcome == PROTO_OK ? CRM_SIP_OK : CRM_SIP_WRONG;
	snprintf(o.user, sizeof(o.user), "%s", a->user);
	snprintf(o.service, sizeof(o.service), "%s", a->service);
	snprintf(o.rhost, sizeof(o.rhost), "%s", a->rhost);
	snprintf(o.actor, sizeof(o.actor), "%s", a->actor);
	o.when = (int64_t)time(NULL);
	drop_attempt(d, at);
	/* A failure is durable before it is acknowledged; a success may
	 * wait for the batch. */
	if (enqueue(d, &o) != 0 || (o.kind == CRM_SIP_WRONG && flush(d) != 0)) {
		reply(c, "ERROR unavailable\n");
		return;
	}
	reply(c, "DONE\n");
}

static void handle_line(struct daemon *d, int ci, char *line)
{
	struct client *c = &d->clients[ci];
	struct proto_request q;

	/* Whatever this line writes names the peer that sent it. */
	if (c->name[0] != '\0')
		snprintf(d->actor, sizeof(d->actor), "registrar:%s", c->name);
	else
		snprintf(d->actor, sizeof(d->actor), "registrar:uid=%lu",
			(unsigned long)c->uid);
	d->ctx.actor = d->actor;
	d->ctx.caller_uid = (long)c->uid;

	proto_request_parse(line, &q);
	switch (q.kind) {
	case PROTO_PING:
		reply(c, "PONG\n");
		break;
	case PROTO_CHECK:
		do_check(d, ci, &q);
		break;
	case PROTO_RESULT:
		do_result(d, ci, &q);
		break;
	case PROTO_INVALID:
		reply(c, "DENY invalid\n");
		break;
	default:
		reply(c, "ERROR malformed\n");
		break;
	}
}

/* ---- connections ---- */

static void close_client(struct daemon *d, int ci)
{
	struct client *c = &d->clients[ci];

	/* Its attempts end without a verdict: nothing counts. */
	for (size_t i = d->ninflight; i-- > 0;)
		if (d->inflight[i].client == ci)
			drop_attempt(d, i);
	close(c->fd);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void accept_client(struct daemon *d)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct crm_error err;
	int fd, found = 0;

	fd = accept4(d->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		logf_(LOG_ERR, "a connection without peer credentials: closed");
		close(fd);
		return;
	}
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &d->clients[i];

		if (c->fd >= 0)
			continue;
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->uid = cred.uid;
		if (crm_nss_uid_name(cred.uid, c->name, sizeof(c->name), &found,
				&err) != CRM_OK || !found)
			c->name[0] = '\0';
		return;
	}
	logf_(LOG_ERR, "more than %d connections: one refused", MAX_CLIENTS);
	close(fd);
}

/* The connection a line was read from. */
struct line_from {
	struct daemon *d;
	int ci;
};

static void on_line(void *arg, char *line)
{
	struct line_from *from = arg;

	if (line == NULL)
		reply(&from->d->clients[from->ci], "ERROR malformed\n");
	else
		handle_line(from->d, from->ci, line);
}

/* Reads what c sent and answers each complete line. 0, or -1 to close. */
static int read_client(struct daemon *d, int ci)
{
	struct client *c = &d->clients[ci];
	struct line_from from = { d, ci };
	char buf[4096];
	ssize_t got = read(c->fd, buf, sizeof(buf));

	if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	if (got > 0)
		proto_input_feed(&c->pin, buf, (size_t)got, on_line, &from);
	sodium_memzero(buf, sizeof(buf));
	return c->nout >= sizeof(c->out) ? -1 : 0;
}

static int write_client(struct client *c)
{
	ssize_t n = send(c->fd, c->out, c->nout, MSG_NOSIGNAL);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	sodium_memzero(c->out, (size_t)n);
	memmove(c->out, c->out + n, c->nout - (size_t)n);
	c->nout -= (size_t)n;
	return 0;
}

/* ---- start and loop ---- */

/*
 * The listening socket: systemd's (LISTEN_FDS) or our own at d->socket,
 * 0666 in a 0755 directory: who may use it is decided per request.
 */
static int open_socket(struct daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *lf = getenv("LISTEN_FDS"), *lp = getenv("LISTEN_PID");
	struct stat st;
	char dir[sizeof(sa.sun_path)];
	char *slash;

	if (lf != NULL && lp != NULL && strcmp(lf, "1") == 0 &&
			strtol(lp, NULL, 10) == (long)getpid()) {
		d->listen_fd = 3;
		return fcntl(3, F_SETFL, O_NONBLOCK) == 0 ? 0 : -1;
	}
	if (strlen(d->socket) >= sizeof(sa.sun_path) || d->socket[0] != '/') {
		logf_(LOG_ERR, "socket path %s: not an absolute path that fits",
			d->socket);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", d->socket);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			logf_(LOG_ERR, "cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	/* Only a socket left by an earlier run is replaced. */
	if (lstat(d->socket, &st) == 0) {
		if (!S_ISSOCK(st.st_mode) || unlink(d->socket) != 0) {
			logf_(LOG_ERR, "%s exists and is not a socket this daemon "
				"may replace", d->socket);
			return -1;
		}
	}
	memcpy(sa.sun_path, d->socket, strlen(d->socket) + 1);
	d->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		SOCK_CLOEXEC, 0);
	if (d->listen_fd < 0 || bind(d->listen_fd, (struct sockaddr *)&sa,
			sizeof(sa)) != 0 || chmod(d->socket, 0666) != 0 ||
			listen(d->listen_fd, 128) != 0) {
		logf_(LOG_ERR, "cannot listen on %s: %s", d->socket,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int open_signals(struct daemon *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	d->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return d->sig_fd < 0 ? -1 : 0;
}

/* SIGTERM, SIGINT: stop after recording the queue. SIGHUP: reopen. */
static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGHUP) {
			d->stop = 1;
			continue;
		}
		(void)flush(d);
		crm_policy_cache_free(d->ctx.pcache);
		crm_geo_close(d->ctx.geo);
		crm_ctx_close(&d->ctx);
		crm_config_free(&d->cfg);
		if (open_store(d) != 0) {
			logf_(LOG_ERR, "the configuration cannot be read again: "
				"stopping");
			d->stop = 1;
		}
		for (int i = 0; i < MAX_CLIENTS; i++)
			d->clients[i].nsvc = 0;
		logf_(LOG_NOTICE, "configuration read again");
	}
}

/* Attempts whose RESULT never came count nothing and free their slot. */
static void expire(struct daemon *d)
{
	int64_t limit = (int64_t)time(NULL) - INFLIGHT_TTL;

	for (size_t i = d->ninflight; i-- > 0;)
		if (d->inflight[i].started < limit)
			drop_attempt(d, i);
}

static void loop(struct daemon *d)
{
	int64_t last_expire = now_ms();

	while (!d->stop) {
		int idx[MAX_CLIENTS], n = 2, timeout = 1000;

		d->pfd[0] = (struct pollfd){ d->listen_fd, POLLIN, 0 };
		d->pfd[1] = (struct pollfd){ d->sig_fd, POLLIN, 0 };
		for (int i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = &d->clients[i];

			if (c->fd < 0)
				continue;
			idx[n - 2] = i;
			d->pfd[n++] = (struct pollfd){ c->fd, (short)(POLLIN |
				(c->nout ? POLLOUT : 0)), 0 };
		}
		if (d->batch_due_ms != 0) {
			int64_t left = d->batch_due_ms - now_ms();

			timeout = left < 0 ? 0 : (int)left;
		}
		if (poll(d->pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
			break;
		if (d->pfd[1].revents & POLLIN)
			on_signal(d);
		if (d->pfd[0].revents & POLLIN)
			accept_client(d);
		for (int k = 2; k < n; k++) {
			int ci = idx[k - 2];
			struct client *c = &d->clients[ci];
			int bad = 0;

			if (d->pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
				bad = read_client(d, ci);
			if (!bad && c->nout > 0)
				bad = write_client(c);
			if (bad)
				close_client(d, ci);
		}
		if (d->batch_due_ms != 0 && now_ms() >= d->batch_due_ms)
			(void)flush(d);
		if (now_ms() - last_expire >= 1000) {
			expire(d);
			last_expire = now_ms();
		}
	}
	(void)flush(d);
}

/* The options are not translated; "usage:" is crmpasswd's message. */
static void usage(FILE *f)
{
	fprintf(f, "%s crmpolicy_registrar [--conf PATH] [--socket PATH] "
		"[--foreground]\n", _("usage:"));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "conf", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct daemon d;
	static const struct rlimit no_core = { 0, 0 };
	int o, foreground = 0, rc = 1;

	/* It holds the sealing key and HA1s: no core file, no ptrace by
	 * its user. */
	(void)setrlimit(RLIMIT_CORE, &no_core);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	d.socket = DEFAULT_SOCKET;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			d.conf = optarg;
			break;
		case 's':
			d.socket = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	openlog("crmpolicy_registrar", LOG_PID | (foreground ? LOG_PERROR : 0),
		LOG_AUTHPRIV);
	if (geteuid() != 0) {
		logf_(LOG_ERR, "must run as root: the store is root's");
		return 1;
	}
	umask(022);
	d.listen_fd = d.sig_fd = -1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		d.clients[i].fd = -1;
	d.inflight = calloc(INFLIGHT_MAX, sizeof(*d.inflight));
	d.batch = calloc(BATCH_MAX, sizeof(*d.batch));
	if (d.inflight == NULL || d.batch == NULL || open_signals(&d) != 0 ||
			open_store(&d) != 0)
		goto out;
	if (open_socket(&d) != 0)
		goto closed;
	logf_(LOG_NOTICE, "serving registrars on %s", d.socket);
	loop(&d);
	logf_(LOG_NOTICE, "stopped");
	rc = 0;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (d.clients[i].fd >= 0)
			close_client(&d, i);
	if (d.listen_fd != 3)
		unlink(d.socket);
closed:
	crm_policy_cache_free(d.ctx.pcache);
	crm_geo_close(d.ctx.geo);
	crm_ctx_close(&d.ctx);
	crm_config_free(&d.cfg);
out:
	free(d.inflight);
	free(d.batch);
	closelog();
	return rc;
}
