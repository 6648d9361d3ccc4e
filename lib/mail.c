/*
 * Mail through the sendmail interface: composes an RFC 5322 message whose
 * header values cannot carry a header of their own, and hands it to
 * `sendmail -i -t` with fork + execve, no shell, a fixed environment and no
 * inherited descriptors. A detached notification never waits for the MTA.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/i18n.h"
#include "crmpolicy/lang.h"
#include "crmpolicy/mail.h"
#include "crmpolicy/utf8.h"

#define ADDR_MAX 320		/* bytes of one address (RFC 3696 erratum) */
#define SUBJECT_MAX 200		/* bytes of a sanitised subject */
#define HEADER_LINE 78		/* recommended header line length */
#define WORD_MAX 75		/* RFC 2047: bytes of one encoded-word */
#define BODY_LINE 998		/* RFC 5322: octets of a line */
#define MAIL_MAX (32 * 1024)	/* always fits an unfilled pipe: no blocking write */
#define DETACH_MS 1000		/* how long a detached send may spend writing */
#define WAIT_MS 30000		/* how long a waited send may take in all */

/*
 * A growing text buffer. Old storage is wiped before it is freed, because
 * a code mail's body holds a one-time code.
 */
struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_reserve(struct sbuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom)
		return;
	if (b->len + more + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = malloc(cap);
	if (p == NULL) {
		b->oom = 1;
		return;
	}
	if (b->p) {
		memcpy(p, b->p, b->len + 1);
		sodium_memzero(b->p, b->cap);
		free(b->p);
	} else {
		p[0] = '\0';
	}
	b->p = p;
	b->cap = cap;
}

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap, aq;
	int n;

	va_start(ap, fmt);
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->oom = 1;
	} else {
		sb_reserve(b, (size_t)n);
		if (!b->oom) {
			vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
			b->len += (size_t)n;
		}
	}
	va_end(ap);
}

static void sb_wipe(struct sbuf *b)
{
	if (b->p) {
		sodium_memzero(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

/*
 * Decodes one UTF-8 character at s (s[0] != 0) into *cp and returns its
 * length; an invalid or overlong sequence gives U+FFFD and length 1, so
 * every byte of hostile input is consumed and none is passed through.
 */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	unsigned char b = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;
	uint32_t c;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		n = 2;
		c = b & 0x1fu;
	} else if (b >= 0xe0 && b <= 0xef) {
		n = 3;
		c = b & 0x0fu;
		lo = b == 0xe0 ? 0xa0 : 0x80;
		hi = b == 0xed ? 0x9f : 0xbf;
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4;
		c = b & 0x07u;
		lo = b == 0xf0 ? 0x90 : 0x80;
		hi = b == 0xf4 ? 0x8f : 0xbf;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3fu);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return n;
}

/* Encodes cp into out (4 bytes of room); returns the length. */
static size_t utf8_put(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* C0 and C1 controls and DEL: never allowed to reach a message raw. */
static int is_ctl(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/*
 * Characters that break or disguise a header line: the controls plus the
 * Unicode line and paragraph separators, bidi overrides and invisible
 * format characters.
 */
static int is_header_ctl(uint32_t cp)
{
	return is_ctl(cp) || cp == 0x00ad || (cp >= 0x200b && cp <= 0x200f) ||
		(cp >= 0x2028 && cp <= 0x202e) ||
		(cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
		(cp >= 0xfff9 && cp <= 0xfffb);
}

/*
 * 1 if a is a plain address: printable ASCII without spaces or the
 * characters that start a display name, a comment, a list or a quoted
 * string, exactly one '@' with text on both sides, at most ADDR_MAX bytes.
 */
static int addr_valid(const char *a)
{
	size_t i, at = 0, nat = 0;

	if (a == NULL || a[0] == '\0')
		return 0;
	for (i = 0; a[i]; i++) {
		unsigned char c = (unsigned char)a[i];

		if (i >= ADDR_MAX || c <= 0x20 || c >= 0x7f ||
		    strchr("<>,;:\"()[]\\", c) != NULL)
			return 0;
		if (c == '@') {
			nat++;
			at = i;
		}
	}
	return nat == 1 && at > 0 && a[at + 1] != '\0';
}

/*
 * Subject text safe for one header: invalid UTF-8 becomes U+FFFD, every
 * control or separator becomes a space, runs of spaces collapse, the ends
 * are trimmed, and the result is cut at a character boundary.
 */
static void subject_clean(const char *s, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0;
	int space = 1;	/* drops leading spaces */

	while (*p) {
		char enc[4];
		uint32_t cp;
		size_t k;

		p += utf8_next(p, &cp);
		if (is_header_ctl(cp) || cp == ' ') {
			if (!space && o + 1 < outlen)
				out[o++] = ' ';
			space = 1;
			continue;
		}
		k = utf8_put(cp, enc);
		if (o + k >= outlen)
			break;
		memcpy(out + o, enc, k);
		o += k;
		space = 0;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/*
 * 1 if the clean subject can stay as it is: ASCII only, nothing a reader
 * would take for an encoded-word, and no word too long to fold.
 */
static int subject_plain(const char *s)
{
	size_t i, word = 0;

	if (strstr(s, "=?") != NULL)
		return 0;
	for (i = 0; s[i]; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return 0;
		word = s[i] == ' ' ? 0 : word + 1;
		if (word > HEADER_LINE - sizeof("Subject: "))
			return 0;
	}
	return 1;
}

/* Plain ASCII subject, folded before a space where a line would pass 78. */
static void subject_fold(struct sbuf *b, const char *s)
{
	size_t col = strlen("Subject:");

	sb_str(b, "Subject:");
	while (*s) {
		size_t n = strcspn(s, " ");

		/* Folding is a line break before the space that separates. */
		if (col > strlen("Subject:") && col + 1 + n > HEADER_LINE) {
			sb_add(b, "\n", 1);
			col = 0;
		}
		sb_add(b, " ", 1);
		sb_add(b, s, n);
		col += 1 + n;
		s += n;
		if (*s == ' ')
			s++;
	}
	sb_add(b, "\n", 1);
}

/*
 * Non-ASCII subject as RFC 2047 B encoded-words, each holding whole
 * characters and each line, with its folding space, at most 78 bytes.
 */
static void subject_encode(struct sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t prefix = strlen("Subject: ");

	sb_str(b, "Subject:");
	while (*p) {
		char b64[sodium_base64_ENCODED_LEN(WORD_MAX,
			sodium_base64_VARIANT_ORIGINAL)];
		size_t room = HEADER_LINE - prefix;
		size_t max, n = 0;

		if (room > WORD_MAX)
			room = WORD_MAX;
		/* "=?UTF-8?B?" + base64 + "?=": 4 characters per 3 bytes. */
		max = (room - strlen("=?UTF-8?B?") - strlen("?=")) / 4 * 3;
		while (p[n]) {
			uint32_t cp;
			size_t k = utf8_next(p + n, &cp);

			if (n + k > max)
				break;
			n += k;
		}
		sodium_bin2base64(b64, sizeof(b64), p, n,
			sodium_base64_VARIANT_ORIGINAL);
		sb_printf(b, "%s=?UTF-8?B?%s?=", prefix == 1 ? "\n " : " ", b64);
		p += n;
		prefix = 1;
	}
	sb_add(b, "\n", 1);
}

static const char *const wdays[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/*
 * RFC 5322 date in UTC. Names come from fixed tables: strftime would use
 * the host daemon's locale.
 */
static void rfc5322_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "Thu, 01 Jan 1970 00:00:00 +0000");
		return;
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
		wdays[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
		tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The sender: mail_from, or crmpolicy@HOSTNAME (or @localhost). */
static int sender(const struct crm_config *cfg, char *out, size_t len,
	struct crm_error *err)
{
	const char *from = cfg->str[CRM_K_MAIL_FROM];
	char host[256];

	if (from && from[0]) {
		if (!addr_valid(from) || strlen(from) >= len)
			return crm_error_set(err, CRM_ECONF,
				_("mail_from is not a plain e-mail address"));
		snprintf(out, len, "%s", from);
		return CRM_OK;
	}
	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	snprintf(out, len, "crmpolicy@%s", host);
	if (!addr_valid(out))
		snprintf(out, len, "crmpolicy@localhost");
	return CRM_OK;
}

/*
 * The body as UTF-8 8bit text with bare LF line ends: CR LF and lone CR
 * become LF, other controls '?', invalid bytes U+FFFD, and a line longer
 * than 998 octets is broken at a character boundary.
 */
static void body_add(struct sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t col = 0;

	while (*p) {
		char enc[4];
		uint32_t cp;
		size_t k;

		if (p[0] == '\r') {
			p += p[1] == '\n' ? 2 : 1;
			cp = '\n';
		} else {
			p += utf8_next(p, &cp);
		}
		if (cp == '\n') {
			sb_add(b, "\n", 1);
			col = 0;
			continue;
		}
		if (cp != '\t' && is_ctl(cp))
			cp = '?';
		k = utf8_put(cp, enc);
		if (col + k > BODY_LINE) {
			sb_add(b, "\n", 1);
			col = 0;
		}
		sb_add(b, enc, k);
		col += k;
	}
	if (col > 0)
		sb_add(b, "\n", 1);
}

int crm_mail_compose(const struct crm_config *cfg, const struct crm_mail *m,
	char **out, struct crm_error *err)
{
	char from[ADDR_MAX + 1], subject[SUBJECT_MAX + 1], date[64];
	unsigned char rnd[16];
	char id[2 * sizeof(rnd) + 1];
	struct sbuf b = { NULL, 0, 0, 0 };
	size_t i, n = 0;
	int rc;

	*out = NULL;
	if (sodium_init() < 0)
		return crm_error_set(err, CRM_EIO, _("libsodium cannot start"));
	for (i = 0; i < sizeof(m->to) / sizeof(m->to[0]) && m->to[i]; i++) {
		if (!addr_valid(m->to[i]))
			return crm_error_set(err, CRM_EINVAL,
				_("not a plain e-mail address: recipient %zu"),
				i + 1);
		n++;
	}
	if (n == 0)
		return crm_error_set(err, CRM_EINVAL, _("a mail needs a recipient"));
	/* Refused before any work: the whole message must fit MAIL_MAX. */
	if (m->body && strlen(m->body) > MAIL_MAX)
		return crm_error_set(err, CRM_EINVAL,
			_("mail body is larger than %d bytes"), MAIL_MAX);
	rc = sender(cfg, from, sizeof(from), err);
	if (rc != CRM_OK)
		return rc;
	subject_clean(m->subject, subject, sizeof(subject));
	rfc5322_date(time(NULL), date, sizeof(date));
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));

	sb_printf(&b, "From: %s\n", from);
	/* One recipient a line: four long addresses would pass 998 octets. */
	for (i = 0; i < n; i++)
		sb_printf(&b, "%s%s%s", i == 0 ? "To: " : " ", m->to[i],
			i + 1 < n ? ",\n" : "\n");
	if (subject_plain(subject))
		subject_fold(&b, subject);
	else
		subject_encode(&b, subject);
	sb_printf(&b, "Date: %s\n", date);
	sb_printf(&b, "Message-ID: <%s%s>\n", id, strchr(from, '@'));
	sb_str(&b, "MIME-Version: 1.0\n"
		"Content-Type: text/plain; charset=UTF-8\n"
		"Content-Transfer-Encoding: 8bit\n"
		"Auto-Submitted: auto-generated\n"
		"\n");
	body_add(&b, m->body);
	if (b.oom) {
		sb_wipe(&b);
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	}
	if (b.len > MAIL_MAX) {
		sb_wipe(&b);
		return crm_error_set(err, CRM_EINVAL,
			_("mail is larger than %d bytes"), MAIL_MAX);
	}
	*out = b.p;
	return CRM_OK;
}

/* Milliseconds on the monotonic clock. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The process that becomes sendmail. Runs between fork and execve in a
 * copy of a possibly multi-threaded host, so it uses only
 * async-signal-safe calls; _exit, never exit, so that none of the host's
 * atexit handlers or stdio buffers run twice.
 */
static void __attribute__((noreturn)) exec_sendmail(const char *path,
	char *const argv[], char *const envp[], int rfd, int nul, long maxfd,
	int detach)
{
	struct sigaction dfl;
	sigset_t none;
	int r, n, sig;

	/* Lifted above 2 first: the host may have closed its standard fds. */
	r = fcntl(rfd, F_DUPFD, 3);
	n = fcntl(nul, F_DUPFD, 3);
	if (r < 0 || n < 0 || dup2(r, 0) < 0 || dup2(n, 1) < 0 ||
	    dup2(n, 2) < 0)
		_exit(127);
	if (close_range(3, ~0U, 0) != 0) {
		for (r = 3; r < maxfd; r++)
			close(r);
	}
	if (detach) {
		/* Out of the login's session: a hang-up must not kill it. */
		(void)setsid();
		if (chdir("/") != 0)
			_exit(127);
	}
	/* Ignored signals survive execve; SIGPIPE etc. must be default. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &dfl, NULL);
	}
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	execve(path, argv, envp);
	_exit(127);
}

/*
 * Writes msg to fd (non-blocking) until done or deadline. SIGPIPE is
 * blocked meanwhile and a SIGPIPE this write raised is consumed, so the
 * host's handlers never see it. Returns 0 or an errno value.
 */
static int write_msg(int fd, const char *msg, size_t len, long long deadline)
{
	sigset_t pipeset, old, pend;
	int was_pending, e = 0, got_epipe = 0;

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	was_pending = sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &old);
	while (len > 0) {
		ssize_t w = write(fd, msg, len);

		if (w > 0) {
			msg += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { fd, POLLOUT, 0 };
			long long left = deadline - now_ms();

			if (left <= 0) {
				e = ETIMEDOUT;
				break;
			}
			if (poll(&pfd, 1, (int)(left > 1000 ? 1000 : left)) < 0 &&
			    errno != EINTR) {
				e = errno;
				break;
			}
			continue;
		}
		e = w < 0 ? errno : EIO;
		got_epipe = e == EPIPE;
		break;
	}
	if (got_epipe && !was_pending) {
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&pipeset, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return e;
}

/*
 * Waits for pid until deadline; after it, kills and reaps it. Returns 0
 * with *status, ETIMEDOUT, or ECHILD when the host reaped it first.
 */
static int wait_child(pid_t pid, long long deadline, int *status)
{
	long pause_us = 1000;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		struct timespec ts;
		long long left;

		if (r == pid)
			return 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		left = deadline - now_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return ETIMEDOUT;
		}
		if (pause_us > left * 1000)
			pause_us = (long)(left * 1000);
		ts.tv_sec = 0;
		ts.tv_nsec = pause_us * 1000;
		nanosleep(&ts, NULL);
		if (pause_us < 20000)
			pause_us *= 2;
	}
}

/* Says what a non-zero wait status of sendmail means. */
static int status_error(const char *path, int status, struct crm_error *err)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return CRM_OK;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return crm_error_set(err, CRM_EIO, _("cannot run %s"), path);
	if (WIFEXITED(status))
		return crm_error_set(err, CRM_EIO,
			_("%s failed with exit status %d"), path,
			WEXITSTATUS(status));
	return crm_error_set(err, CRM_EIO, _("%s was killed by signal %d"),
		path, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Runs sendmail -i -t with msg on its standard input. */
static int deliver(const char *path, const char *msg, size_t len,
	enum crm_mail_mode mode, struct crm_error *err)
{
	char opt_i[] = "-i", opt_t[] = "-t";
	char envpath[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	char *argv[] = { (char *)path, opt_i, opt_t, NULL };
	char *envp[] = { envpath, NULL };
	int detach = mode == CRM_MAIL_DETACH;
	long long deadline = now_ms() + (detach ? DETACH_MS : WAIT_MS);
	long maxfd = sysconf(_SC_OPEN_MAX);
	sigset_t all, old;
	int p[2], nul, status, e;
	pid_t pid;

	if (maxfd < 0 || maxfd > 65536)
		maxfd = 65536;
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul < 0)
		return crm_error_set(err, CRM_EIO, _("cannot open /dev/null: %s"),
			strerror(errno));
	if (pipe2(p, O_CLOEXEC) != 0) {
		e = errno;
		close(nul);
		return crm_error_set(err, CRM_EIO, _("cannot make a pipe: %s"),
			strerror(e));
	}
	/*
	 * All signals blocked across fork, so that no host handler runs in
	 * the child before it has reset the dispositions.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		if (detach) {
			/*
			 * The middle process leaves at once and is reaped below;
			 * sendmail, orphaned, belongs to init: no zombie and no
			 * SIGCHLD handler needed in the host.
			 */
			pid_t g = _Fork();

			if (g != 0)
				_exit(g < 0 ? 126 : 0);
		}
		exec_sendmail(path, argv, envp, p[0], nul, maxfd, detach);
	}
	e = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(p[0]);
	close(nul);
	if (pid < 0) {
		close(p[1]);
		return crm_error_set(err, CRM_EIO, _("cannot fork: %s"),
			strerror(e));
	}
	if (detach) {
		int r = wait_child(pid, now_ms() + WAIT_MS, &status);

		/* ECHILD: a host that ignores SIGCHLD reaped it itself. */
		if (r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 126) {
			close(p[1]);
			return crm_error_set(err, CRM_EIO,
				_("cannot fork for %s"), path);
		}
	}
	/* An unfilled pipe takes MAIL_MAX at once; the deadline is a guard. */
	(void)fcntl(p[1], F_SETFL, O_NONBLOCK);
	e = write_msg(p[1], msg, len, deadline);
	close(p[1]);
	if (detach) {
		if (e != 0)
			return crm_error_set(err, CRM_EIO,
				_("cannot hand the mail to %s: %s"), path,
				strerror(e));
		return CRM_OK;
	}
	switch (wait_child(pid, deadline, &status)) {
	case 0:
		break;
	case ETIMEDOUT:
		return crm_error_set(err, CRM_EIO,
			_("%s did not finish within %d seconds"), path,
			WAIT_MS / 1000);
	default:
		return crm_error_set(err, CRM_EIO,
			_("the exit status of %s was lost"), path);
	}
	if (status_error(path, status, err) != CRM_OK)
		return CRM_EIO;
	if (e != 0)
		return crm_error_set(err, CRM_EIO,
			_("cannot hand the mail to %s: %s"), path, strerror(e));
	return CRM_OK;
}

int crm_mail_send(const struct crm_config *cfg, const struct crm_mail *m,
	enum crm_mail_mode mode, struct crm_error *err)
{
	const char *path = cfg->str[CRM_K_SENDMAIL];
	struct stat st;
	char *msg = NULL;
	size_t len;
	int rc;

	if (path == NULL || path[0] != '/')
		return crm_error_set(err, CRM_ECONF,
			_("sendmail must be an absolute path"));
	/* Checked here so that a detached send reports a missing program. */
	if (stat(path, &st) != 0)
		return crm_error_set(err, CRM_EIO, _("cannot run %s: %s"), path,
			strerror(errno));
	if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
		return crm_error_set(err, CRM_EIO,
			_("cannot run %s: not an executable file"), path);
	rc = crm_mail_compose(cfg, m, &msg, err);
	if (rc != CRM_OK)
		return rc;
	len = strlen(msg);
	rc = deliver(path, msg, len, mode, err);
	sodium_memzero(msg, len);
	free(msg);
	return rc;
}

/* Sends the text gathered in b as m's body, then wipes b. */
static int send_body(const struct crm_config *cfg, struct crm_mail *m,
	const char *subject, struct sbuf *b, enum crm_mail_mode mode,
	struct crm_error *err)
{
	int rc;

	if (b->oom) {
		sb_wipe(b);
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	}
	m->subject = subject;
	m->body = b->p;
	rc = crm_mail_send(cfg, m, mode, err);
	sb_wipe(b);
	return rc;
}

/*
 * "  Label:        value\n": labels padded to 14 columns, counted as they
 * show (a Japanese label is twice as wide as its characters).
 */
static void field(struct sbuf *b, const char *label, const char *value)
{
	long w = crm_utf8_width(label);

	sb_printf(b, "  %s", label);
	/* At least one space, however long a translated label is. */
	for (long i = w < 0 ? 0 : w; i < 15 || i == w; i++)
		sb_str(b, " ");
	sb_printf(b, "%s\n", value);
}

/*
 * The mail's language: the recipient's, in a locale of its own for the
 * calling thread only (mails are UTF-8 whatever the application's
 * locale), English when lang is empty or its locale is missing.
 */
struct speak {
	locale_t loc, prev;
	locale_t dates;		/* (locale_t)0: ISO 8601 dates (English) */
};

static void speak_begin(struct speak *s, const char *lang)
{
	int english = lang == NULL || lang[0] == '\0' ||
		strcmp(lang, "en") == 0;

	s->loc = crm_lang_locale(english ? "en" : lang);
	s->dates = english ? (locale_t)0 : s->loc;
	s->prev = crm_lang_enter(s->loc);
}

static void speak_end(struct speak *s)
{
	crm_lang_leave(s->loc, s->prev);
	if (s->loc != (locale_t)0)
		freelocale(s->loc);
}

int crm_mail_new_ip_alert(const struct crm_config *cfg,
	const struct crm_alert *a, struct crm_error *err)
{
	const char *notify = cfg->str[CRM_K_NOTIFY_TO];
	/* Cut short: a 4 kB user name must not make a 4 kB subject. */
	char user[65], host[65], svc[65], when[64], place[256], org[256];
	char subject[256];
	struct crm_mail m;
	struct sbuf b = { NULL, 0, 0, 0 };
	struct speak sp;
	size_t n = 0;
	int rc;

	memset(&m, 0, sizeof(m));
	if (a->email && a->email[0])
		m.to[n++] = a->email;
	if (notify && notify[0] &&
	    (n == 0 || strcasecmp(notify, a->email) != 0))
		m.to[n++] = notify;
	if (n == 0)
		return CRM_OK;

	speak_begin(&sp, a->lang);
	crm_printable(a->user, user, sizeof(user));
	crm_printable(a->rhost && a->rhost[0] ? a->rhost : _("local"), host,
		sizeof(host));
	crm_printable(a->service, svc, sizeof(svc));
	crm_lang_date(sp.dates, a->when, when, sizeof(when));
	place[0] = org[0] = '\0';
	if (a->place) {
		char raw[sizeof(place)];

		crm_geo_format(a->place, raw, sizeof(raw));
		crm_printable(raw, place, sizeof(place));
		crm_printable(a->place->org, org, sizeof(org));
	}
	snprintf(subject, sizeof(subject), _("New sign-in to %s from %s"),
		user, host);

	sb_printf(&b, "%s\n\n", _("Hello,"));
	sb_printf(&b, "%s\n\n", _("Someone signed in to your account from an "
		"address it has not been used from before."));
	field(&b, _("Account:"), user);
	field(&b, _("Time:"), when);
	field(&b, _("Address:"), host);
	field(&b, _("Place:"), place[0] ? place : _("unknown"));
	field(&b, _("Organisation:"), org[0] ? org : _("unknown"));
	field(&b, _("Service:"), svc[0] ? svc : _("unknown"));
	sb_str(&b, "\n");
	sb_printf(&b, _("If this was you, you can ignore this message. If it "
		"was not you, change your password at once with crmpasswd and "
		"tell your administrator; the administrator can review the "
		"login history with 'crmpasswd logins %s'."), user);
	sb_str(&b, "\n");
	speak_end(&sp);
	rc = send_body(cfg, &m, subject, &b, CRM_MAIL_DETACH, err);
	return rc;
}

/* Whole minutes of a code's life, rounded up, for the mail text. */
static long long minutes(long long seconds)
{
	return seconds <= 0 ? 0 : (seconds + 59) / 60;
}

int crm_mail_code(const struct crm_config *cfg, const struct crm_code_mail *c,
	struct crm_error *err)
{
	char user[65], host[65], svc[65], when[64], subject[256];
	struct sbuf b = { NULL, 0, 0, 0 };
	struct crm_mail m;
	struct speak sp;
	long long mins = minutes(c->ttl);
	int rc;

	memset(&m, 0, sizeof(m));
	if (c->email == NULL || c->email[0] == '\0' || c->code == NULL)
		return crm_error_set(err, CRM_EINVAL, _("no address to send "
			"the code to"));
	m.to[0] = c->email;
	speak_begin(&sp, c->lang);
	crm_printable(c->user, user, sizeof(user));
	crm_printable(c->rhost && c->rhost[0] ? c->rhost : _("local"), host,
		sizeof(host));
	crm_printable(c->service ? c->service : "", svc, sizeof(svc));
	crm_lang_date(sp.dates, c->when, when, sizeof(when));
	if (c->verify)
		snprintf(subject, sizeof(subject),
			_("Confirm the e-mail address of %s"), user);
	else
		snprintf(subject, sizeof(subject), _("Login code for %s"),
			user);

	sb_printf(&b, "%s\n\n", _("Hello,"));
	if (c->verify)
		sb_printf(&b, "%s\n\n", _("This address was given for the "
			"account below. To confirm that it is yours, type this "
			"code when crmpasswd asks for it:"));
	else
		sb_printf(&b, "%s\n\n", _("Someone who knows the password "
			"of the account below is signing in. To let the login "
			"go ahead, type this code at the prompt:"));
	sb_printf(&b, "    %s\n\n", c->code);
	field(&b, _("Account:"), user);
	field(&b, _("Time:"), when);
	if (!c->verify) {
		field(&b, _("Address:"), host);
		field(&b, _("Service:"), svc[0] ? svc : _("unknown"));
	}
	sb_str(&b, "\n");
	sb_printf(&b, ngettext_("The code is valid for %lld minute and can "
		"be used once.", "The code is valid for %lld minutes and can "
		"be used once.", (unsigned long)mins), mins);
	sb_str(&b, " ");
	sb_str(&b, c->verify ? _("If you did not ask for it, you can ignore "
		"this message.") : _("If this was not you, change your "
		"password at once with crmpasswd and tell your "
		"administrator: your password is known to someone else."));
	sb_str(&b, "\n");
	speak_end(&sp);
	rc = send_body(cfg, &m, subject, &b, CRM_MAIL_WAIT, err);
	return rc;
}
