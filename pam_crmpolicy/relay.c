/*
 * The module's side of crmpolicy_helper, for callers without root (the
 * unix_chkpwd pattern): starts the setuid helper with one end of a
 * socketpair as its standard input, sends it the entry point, flags and
 * module arguments, then serves its requests with the caller's own PAM
 * handle (items, conversation, handle data) until it sends the outcome.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <sodium.h>
#include <security/pam_appl.h>

#include "relay.h"
#include "wire.h"

static void logf_(const struct pamio *io, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void logf_(const struct pamio *io, int priority, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	io->log(io->arg, priority, msg);
}

/* The items the helper may read: what the flow uses, nothing more. */
static int readable_item(int type)
{
	return type == PAM_SERVICE || type == PAM_USER || type == PAM_RHOST ||
		type == PAM_TTY || type == PAM_RUSER || type == PAM_AUTHTOK ||
		type == PAM_OLDAUTHTOK;
}

static int reply(int fd, int code, const char *answer)
{
	const char *s[1] = { answer };

	return wire_send(fd, WIRE_REPLY, code, 0, 1, s);
}

/* Answers one request of the helper; -1 when the wire broke. */
static int serve(int fd, const struct pamio *io, const struct wire_msg *m)
{
	const char *s0 = m->n > 0 ? m->s[0] : NULL, *out = NULL;
	char *owned = NULL;
	int code = PAM_SUCCESS, rc;

	switch (m->op) {
	case WIRE_GET_USER:
		code = io->get_user(io->arg, &out);
		break;
	case WIRE_ITEM:
		if (!readable_item(m->a))
			code = PAM_BAD_ITEM;
		else
			out = io->item(io->arg, m->a);
		break;
	case WIRE_SET_ITEM:
		code = m->a == PAM_AUTHTOK ? io->set_item(io->arg, m->a, s0) :
			PAM_BAD_ITEM;
		break;
	case WIRE_GET_AUTHTOK:
		code = m->a == PAM_AUTHTOK || m->a == PAM_OLDAUTHTOK ?
			io->get_authtok(io->arg, m->a, &out) : PAM_BAD_ITEM;
		break;
	case WIRE_PROMPT:
		if (s0 == NULL || (m->a != PAM_PROMPT_ECHO_OFF &&
				m->a != PAM_PROMPT_ECHO_ON))
			code = PAM_CONV_ERR;
		else
			code = io->prompt(io->arg, m->a, &owned, s0);
		out = owned;
		break;
	case WIRE_MESSAGE:
		if (s0 != NULL && (m->a == PAM_TEXT_INFO || m->a == PAM_ERROR_MSG))
			io->message(io->arg, m->a, s0);
		else
			code = PAM_CONV_ERR;
		break;
	case WIRE_DATA_GET:
		if (m->a < 0 || m->a >= PAMIO_DATA_COUNT)
			code = PAM_BAD_ITEM;
		else
			out = owned = io->data_get(io->arg, (enum pamio_data)m->a);
		break;
	case WIRE_DATA_SET:
		code = m->a < 0 || m->a >= PAMIO_DATA_COUNT ? PAM_BAD_ITEM :
			io->data_set(io->arg, (enum pamio_data)m->a, s0);
		break;
	case WIRE_GETENV:
		out = s0 != NULL ? io->getenv(io->arg, s0) : NULL;
		break;
	case WIRE_LOG:
		if (s0 != NULL)
			io->log(io->arg, m->a, s0);
		return 0;
	default:
		return -1;
	}
	rc = reply(fd, code, out);
	if (owned != NULL) {
		sodium_memzero(owned, strlen(owned));
		free(owned);
	}
	return rc;
}

/*
 * Starts path with sock as its standard input, /dev/null as its output,
 * no other descriptor, default signal handling and an empty environment.
 * posix_spawn is safe in a threaded daemon, unlike fork.
 */
static int spawn(const char *path, int sock, pid_t *pid)
{
	char *const argv[] = { (char *)"crmpolicy_helper", NULL };
	char *const envp[] = { NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t all, none;
	int rc;

	sigfillset(&all);
	sigemptyset(&none);
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	if ((rc = posix_spawn_file_actions_adddup2(&fa, sock, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
			O_WRONLY, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, 1, 2)) == 0 &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&at, &all)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&at, &none)) == 0 &&
	    (rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
			POSIX_SPAWN_SETSIGMASK)) == 0)
		rc = posix_spawn(pid, path, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

int crm_relay_run(const struct pamio *io, const char *helper,
	enum pamio_entry entry, int flags, int argc, const char **argv)
{
	struct wire_msg *m;
	int sv[2], code = PAM_AUTHINFO_UNAVAIL, rc, sent, status, reset = 0;
	pid_t pid = -1;

	if (argc < 0 || argc > WIRE_ARGS) {
		logf_(io, LOG_ERR, "refusing: more than %d module arguments",
			WIRE_ARGS);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if ((m = malloc(sizeof(*m))) == NULL)
		return PAM_BUF_ERR;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		logf_(io, LOG_ERR, "refusing: socketpair for %s: %s", helper,
			strerror(errno));
		free(m);
		return PAM_AUTHINFO_UNAVAIL;
	}
	rc = spawn(helper, sv[1], &pid);
	close(sv[1]);
	if (rc != 0) {
		logf_(io, LOG_ERR, "refusing: cannot run %s: %s", helper,
			strerror(rc));
		goto out;
	}
	/* A helper that refuses at once (not setuid) may close before it
	 * reads this; what it sent first is still read below. */
	sent = wire_send(sv[0], WIRE_START, (int32_t)entry, flags,
		(size_t)argc, argv) == 0 ? 0 : errno;
	for (;;) {
		if (wire_recv(sv[0], m) != 0) {
			int e = errno;

			/*
			 * A helper that ends with the request unread (one that
			 * refuses at once) resets the connection, and the reset
			 * can be reported ahead of what it sent before, which is
			 * still queued: read on, once.
			 */
			if (e == ECONNRESET && !reset) {
				reset = 1;
				continue;
			}
			rc = sent ? sent : e ? e : reset ? ECONNRESET : 0;
			logf_(io, LOG_ERR, "refusing: %s ended without an answer%s%s",
				helper, rc ? ": " : "", rc ? strerror(rc) : "");
			break;
		}
		if (m->op == WIRE_DONE) {
			code = m->a;
			break;
		}
		if (serve(sv[0], io, m) != 0) {
			logf_(io, LOG_ERR, "refusing: the conversation with %s broke",
				helper);
			break;
		}
	}
	wire_wipe(m);
out:
	close(sv[0]);
	/* A daemon that reaps its children itself makes this ECHILD. */
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	free(m);
	return code;
}
