/*
 * Unit tests of lib/mail.c: composed headers appear once each and hostile
 * subjects, user names and addresses inject none; non-ASCII subjects are
 * RFC 2047 words that decode back; tests/data/fake-sendmail stands in for
 * the MTA to check waited and detached delivery, failures and zombies.
 */
#include "testlib.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/mail.h"
#include "crmpolicy/utf8.h"

#define END_MARK "=====END=====\n"

static const char *const header_names[] = {
	"From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
	"Content-Type", "Content-Transfer-Encoding", "Auto-Submitted",
};
#define NHEADERS (sizeof(header_names) / sizeof(header_names[0]))

/* A tenv whose sendmail is a fresh copy of the fake in its directory. */
static struct tenv *mail_env(void)
{
	struct tenv *t = tenv_new(NULL);

	free(tenv_fake_sendmail(t));
	return t;
}

static int setup(void **state)
{
	*state = mail_env();
	return 0;
}

static int teardown(void **state)
{
	tenv_free(*state);
	return 0;
}

/* DIR/fake-sendmail.SUFFIX */
static void side_path(struct tenv *t, const char *suffix, char *buf,
	size_t len)
{
	snprintf(buf, len, "%s/fake-sendmail%s", t->dir, suffix);
}

static void touch(struct tenv *t, const char *suffix)
{
	char path[512];
	FILE *f;

	side_path(t, suffix, path, sizeof(path));
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

static char *delivered(struct tenv *t)
{
	char path[512];

	side_path(t, ".out", path, sizeof(path));
	return tenv_slurp(path);
}

static size_t count_of(const char *s, const char *what)
{
	size_t n = 0;

	while (s && (s = strstr(s, what)) != NULL) {
		n++;
		s += strlen(what);
	}
	return n;
}

/* Waits up to secs for n whole messages; returns the .out text. */
static char *await_messages(struct tenv *t, size_t n, int secs)
{
	for (int i = 0; i < secs * 20; i++) {
		char *out = delivered(t);

		if (out && count_of(out, END_MARK) >= n)
			return out;
		free(out);
		usleep(50000);
	}
	fail_msg("no mail arrived within %d s", secs);
	return NULL;
}

static double seconds_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) +
		(double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

/* The header section (up to the blank line) as a malloc'd copy. */
static char *header_part(const char *msg)
{
	const char *end = strstr(msg, "\n\n");

	assert_non_null(end);
	return strndup(msg, (size_t)(end - msg) + 1);
}

/*
 * Fails unless every header line is a known header (each exactly once) or
 * a continuation, and no line passes 78 bytes.
 */
static void assert_clean_headers(const char *msg)
{
	char *hdr = header_part(msg);
	size_t seen[NHEADERS] = { 0 };
	char *save = NULL;

	for (char *line = strtok_r(hdr, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t i;

		if (strlen(line) > 78)
			fail_msg("header line longer than 78: %s", line);
		for (const char *p = line; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				fail_msg("raw byte 0x%02x in header: %s",
					(unsigned char)*p, line);
		if (line[0] == ' ' || line[0] == '\t')
			continue;
		for (i = 0; i < NHEADERS; i++) {
			size_t k = strlen(header_names[i]);

			if (strncasecmp(line, header_names[i], k) == 0 &&
			    line[k] == ':') {
				seen[i]++;
				break;
			}
		}
		if (i == NHEADERS)
			fail_msg("unexpected header line: %s", line);
	}
	for (size_t i = 0; i < NHEADERS; i++)
		if (seen[i] != 1)
			fail_msg("%s: appears %zu times", header_names[i], seen[i]);
	free(hdr);
}

/* The unfolded value of header name (after "Name:"), malloc'd. */
static char *header_value(const char *msg, const char *name)
{
	char *hdr = header_part(msg), *out = calloc(1, strlen(msg) + 1);
	const char *p = hdr;
	size_t k = strlen(name), o = 0;

	assert_non_null(out);
	while (*p) {
		const char *eol = strchr(p, '\n');

		if (strncasecmp(p, name, k) == 0 && p[k] == ':') {
			p += k + 1;
			for (;;) {
				eol = strchr(p, '\n');
				memcpy(out + o, p, (size_t)(eol - p));
				o += (size_t)(eol - p);
				p = eol + 1;
				if (*p != ' ' && *p != '\t')
					break;
			}
			free(hdr);
			return out;
		}
		p = eol + 1;
	}
	free(hdr);
	free(out);
	fail_msg("no %s header", name);
	return NULL;
}

/* The Subject text: RFC 2047 B words decoded, adjacent ones joined. */
static char *subject_text(const char *msg)
{
	char *val = header_value(msg, "Subject");
	size_t vlen = strlen(val), o = 0;	/* strtok_r cuts val up */
	char *out = calloc(1, vlen + 1);
	char *save = NULL;
	int first = 1;

	assert_non_null(out);
	for (char *tok = strtok_r(val, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		size_t n = strlen(tok);

		if (n > 12 && strncmp(tok, "=?UTF-8?B?", 10) == 0 &&
		    strcmp(tok + n - 2, "?=") == 0) {
			size_t bin = 0;

			tok[n - 2] = '\0';
			assert_int_equal(sodium_base642bin((unsigned char *)out + o,
				vlen - o, tok + 10, n - 12, NULL, &bin, NULL,
				sodium_base64_VARIANT_ORIGINAL), 0);
			o += bin;
		} else {
			if (!first)
				out[o++] = ' ';
			memcpy(out + o, tok, n);
			o += n;
		}
		first = 0;
	}
	out[o] = '\0';
	free(val);
	return out;
}

static char *compose(struct tenv *t, const char *to, const char *subject,
	const char *body)
{
	struct crm_mail m = { { to, NULL }, subject, body };
	struct crm_error err;
	char *msg = NULL;

	if (crm_mail_compose(&t->cfg, &m, &msg, &err) != CRM_OK)
		fail_msg("compose: %s", err.msg);
	return msg;
}

static void compose_writes_each_header_once(void **state)
{
	char *msg = compose(*state, "user@example.com", "Hello", "Body\n");

	assert_clean_headers(msg);
	assert_non_null(strstr(msg, "\nTo: user@example.com\n"));
	assert_non_null(strstr(msg, "\nSubject: Hello\n"));
	assert_non_null(strstr(msg, "\nContent-Type: text/plain; charset=UTF-8\n"));
	assert_non_null(strstr(msg, "\nAuto-Submitted: auto-generated\n"));
	assert_non_null(strstr(msg, "\n\nBody\n"));
	free(msg);
}

static void compose_keeps_crlf_subject_in_one_header(void **state)
{
	char *msg = compose(*state, "user@example.com",
		"Hello\r\nBcc: evil@example.com\r\n\r\nbody", "x");
	char *subj;

	assert_clean_headers(msg);
	assert_null(strcasestr(msg, "\nBcc:"));
	subj = subject_text(msg);
	assert_string_equal(subj, "Hello Bcc: evil@example.com body");
	free(subj);
	free(msg);
}

static void compose_encodes_non_ascii_subject_that_decodes_back(void **state)
{
	char *msg = compose(*state, "user@example.com",
		"ログイン\r\nBcc: evil@example.com\tè\xc2\x85x  end ", "x");
	char *subj;

	assert_clean_headers(msg);
	assert_non_null(strstr(msg, "\nSubject: =?UTF-8?B?"));
	assert_null(strcasestr(msg, "\nBcc:"));
	subj = subject_text(msg);
	assert_string_equal(subj, "ログイン Bcc: evil@example.com è x end");
	free(subj);
	free(msg);
}

static void compose_cuts_4k_subject_at_character_boundary(void **state)
{
	char *big = malloc(4097 * 3), *msg, *subj, *hdr;
	size_t o = 0;

	assert_non_null(big);
	/* 4 kB of Japanese with CR LF and a Bcc line every so often. */
	while (o + 40 < 4096) {
		memcpy(big + o, "日本語\r\nBcc: a@b.c ", strlen("日本語\r\nBcc: a@b.c "));
		o += strlen("日本語\r\nBcc: a@b.c ");
	}
	big[o] = '\0';
	msg = compose(*state, "user@example.com", big, "x");
	assert_clean_headers(msg);
	hdr = header_part(msg);
	assert_true(strlen(hdr) < 1500);
	subj = subject_text(msg);
	assert_true(crm_utf8_len(subj) > 0);
	assert_true(strlen(subj) <= 200);
	assert_int_equal(strncmp(subj, "日本語 Bcc: a@b.c 日本語", 
		strlen("日本語 Bcc: a@b.c 日本語")), 0);
	free(subj);
	free(hdr);
	free(msg);

	/* 4 kB of ASCII without a space cannot make a 4 kB header either. */
	memset(big, 'A', 4096);
	big[4096] = '\0';
	msg = compose(*state, "user@example.com", big, "x");
	assert_clean_headers(msg);
	subj = subject_text(msg);
	assert_true(strlen(subj) <= 200 && strlen(subj) > 100);
	assert_true(strspn(subj, "A") == strlen(subj));
	free(subj);
	free(msg);
	free(big);
}

static void compose_folds_long_ascii_subject(void **state)
{
	const char *s = "This is a fairly long subject line that a mail reader "
		"would like to see folded across lines instead of in one piece";
	char *msg = compose(*state, "user@example.com", s, "x");
	char *subj;

	assert_clean_headers(msg);
	assert_non_null(strstr(msg, "\nSubject: This is"));
	subj = subject_text(msg);
	assert_string_equal(subj, s);
	free(subj);
	free(msg);
}

static void compose_refuses_invalid_recipients(void **state)
{
	static const char *const bad[] = {
		"user@example.com\r\nBcc: evil@example.com",
		"user@example.com\n",
		"userexample.com",
		"user@@example.com",
		"us@er@example.com",
		"user @example.com",
		"User <user@example.com>",
		"a@b.com, c@d.com",
		"\"q\"@example.com",
		"@example.com",
		"user@",
		"",
		"üser@example.com",
	};
	struct tenv *t = *state;
	char longaddr[400];
	struct crm_error err;
	char *msg = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct crm_mail m = { { bad[i], NULL }, "s", "b" };

		if (crm_mail_compose(&t->cfg, &m, &msg, &err) != CRM_EINVAL)
			fail_msg("accepted recipient %zu", i);
		assert_null(msg);
	}
	/* A bad second recipient spoils the message too. */
	{
		struct crm_mail m = { { "ok@example.com", "x y@z", NULL }, "s", "b" };

		assert_int_equal(crm_mail_compose(&t->cfg, &m, &msg, &err),
			CRM_EINVAL);
	}
	memset(longaddr, 'a', 310);
	strcpy(longaddr + 310, "@example.com");
	{
		struct crm_mail m = { { longaddr, NULL }, "s", "b" };

		assert_int_equal(crm_mail_compose(&t->cfg, &m, &msg, &err),
			CRM_EINVAL);
	}
}

static void compose_accepts_plain_recipients(void **state)
{
	struct tenv *t = *state;
	struct crm_mail m = { { "first.last+tag@mail.example.com",
		"o'brien@example.ie", "x@localhost", NULL }, "s", "b" };
	struct crm_error err;
	char *msg = NULL;

	assert_int_equal(crm_mail_compose(&t->cfg, &m, &msg, &err), CRM_OK);
	assert_clean_headers(msg);
	assert_non_null(strstr(msg, "\nTo: first.last+tag@mail.example.com,\n"
		" o'brien@example.ie,\n x@localhost\n"));
	free(msg);
}

static void compose_refuses_no_recipient(void **state)
{
	struct tenv *t = *state;
	struct crm_mail m = { { NULL }, "s", "b" };
	struct crm_error err;
	char *msg = NULL;

	assert_int_equal(crm_mail_compose(&t->cfg, &m, &msg, &err), CRM_EINVAL);
	assert_null(msg);
}

static void compose_cleans_body_and_wraps_long_lines(void **state)
{
	char *body = malloc(3000), *msg, *b;
	size_t i;

	assert_non_null(body);
	strcpy(body, "line one\r\nbad \xff byte\x1b[31m\r\n.\nè\n");
	i = strlen(body);
	memset(body + i, 'x', 2500);
	body[i + 2500] = '\0';
	msg = compose(*state, "user@example.com", "s", body);
	b = strstr(msg, "\n\n") + 2;
	assert_non_null(strstr(b, "line one\nbad \xef\xbf\xbd byte?[31m\n.\nè\n"));
	assert_null(strchr(b, '\r'));
	assert_true(crm_utf8_len(b) > 0);
	for (char *p = b; *p;) {
		size_t n = strcspn(p, "\n");

		assert_true(n <= 998);
		p += n + (p[n] == '\n');
	}
	assert_int_equal(count_of(b, "x"), 2500);
	assert_int_equal(msg[strlen(msg) - 1], '\n');
	free(msg);
	free(body);
}

static void compose_refuses_oversized_message(void **state)
{
	struct tenv *t = *state;
	char *body = malloc(40 * 1024 + 1);
	struct crm_error err;
	char *msg = NULL;

	assert_non_null(body);
	memset(body, 'x', 40 * 1024);
	body[40 * 1024] = '\0';
	{
		struct crm_mail m = { { "user@example.com", NULL }, "s", body };

		assert_int_equal(crm_mail_compose(&t->cfg, &m, &msg, &err),
			CRM_EINVAL);
		assert_null(msg);
	}
	free(body);
}

static void compose_uses_mail_from_or_host_default(void **state)
{
	struct tenv *t = *state;
	struct crm_mail m = { { "user@example.com", NULL }, "s", "b" };
	struct crm_error err;
	char *msg = compose(t, "user@example.com", "s", "b");

	assert_non_null(strstr(msg, "From: crmpolicy@"));
	free(msg);

	free(t->cfg.str[CRM_K_MAIL_FROM]);
	t->cfg.str[CRM_K_MAIL_FROM] = strdup("alerts@example.org");
	msg = compose(t, "user@example.com", "s", "b");
	assert_non_null(strstr(msg, "From: alerts@example.org\n"));
	assert_non_null(strstr(msg, "@example.org>\n"));
	free(msg);

	free(t->cfg.str[CRM_K_MAIL_FROM]);
	t->cfg.str[CRM_K_MAIL_FROM] = strdup("Alerts <alerts@example.org>");
	msg = NULL;
	assert_int_equal(crm_mail_compose(&t->cfg, &m, &msg, &err), CRM_ECONF);
	assert_null(msg);
}

static void send_wait_delivers_to_sendmail(void **state)
{
	struct tenv *t = *state;
	struct crm_mail m = { { "user@example.com", NULL }, "Your code",
		"Code: 123456\n.\nend\n" };
	struct crm_error err;
	char *out;

	if (crm_mail_send(&t->cfg, &m, CRM_MAIL_WAIT, &err) != CRM_OK)
		fail_msg("send: %s", err.msg);
	/* WAIT: the message is there when the call returns. */
	out = delivered(t);
	assert_non_null(out);
	assert_int_equal(count_of(out, END_MARK), 1);
	assert_non_null(strstr(out, "To: user@example.com\n"));
	assert_non_null(strstr(out, "\n\nCode: 123456\n.\nend\n" END_MARK));
	free(out);
}

static void send_wait_reports_sendmail_failure(void **state)
{
	struct tenv *t = *state;
	struct crm_mail m = { { "user@example.com", NULL }, "s", "b" };
	struct crm_error err;

	touch(t, ".fail");
	assert_int_equal(crm_mail_send(&t->cfg, &m, CRM_MAIL_WAIT, &err),
		CRM_EIO);
	assert_non_null(strstr(err.msg, "75"));
	assert_null(delivered(t));
}

static void send_reports_missing_sendmail(void **state)
{
	struct tenv *t = *state;
	struct crm_mail m = { { "user@example.com", NULL }, "s", "b" };
	struct crm_error err;
	char path[512];

	side_path(t, ".missing", path, sizeof(path));
	free(t->cfg.str[CRM_K_SENDMAIL]);
	t->cfg.str[CRM_K_SENDMAIL] = strdup(path);
	assert_int_equal(crm_mail_send(&t->cfg, &m, CRM_MAIL_WAIT, &err),
		CRM_EIO);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(crm_mail_send(&t->cfg, &m, CRM_MAIL_DETACH, &err),
		CRM_EIO);
	assert_non_null(strstr(err.msg, path));
}

static void send_wait_reports_sendmail_that_cannot_start(void **state)
{
	struct tenv *t = *state;
	struct crm_mail m = { { "user@example.com", NULL }, "s", "b" };
	struct crm_error err;
	char *path = tenv_write(t, "broken-sendmail",
		"#!/nonexistent/interpreter\n");

	assert_int_equal(chmod(path, 0755), 0);
	free(t->cfg.str[CRM_K_SENDMAIL]);
	t->cfg.str[CRM_K_SENDMAIL] = path;
	assert_int_equal(crm_mail_send(&t->cfg, &m, CRM_MAIL_WAIT, &err),
		CRM_EIO);
	assert_non_null(strstr(err.msg, path));
}

/* The hex mask of a "SigIgn:" style line in text, or fails. */
static unsigned long long status_mask(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	if (p == NULL)
		fail_msg("no %s line", name);
	return strtoull(p + strlen(name), NULL, 16);
}

static void send_runs_sendmail_with_clean_environment(void **state)
{
	struct tenv *t = *state;
	struct crm_mail m = { { "user@example.com", NULL }, "s", "clean\n" };
	struct sigaction ign, oldpipe;
	sigset_t usr1, oldmask;
	struct crm_error err;
	char *path, *out, out_path[512];
	int fd, rc;

	path = tenv_write(t, "env-sendmail", "#!/bin/sh\n"
		"{ env; [ -e /proc/$$/fd/77 ] && echo fd77=open;"
		/* Read with shell built-ins: a forked grep would see the
		 * mask the shell holds around its own fork. */
		" while read -r l; do case $l in Sig*) echo \"$l\";; esac;"
		" done </proc/$$/status; cat; } >\"$0.out\"\n");
	assert_int_equal(chmod(path, 0755), 0);
	free(t->cfg.str[CRM_K_SENDMAIL]);
	t->cfg.str[CRM_K_SENDMAIL] = path;

	/* A host with a stray descriptor, odd signals and a secret variable. */
	fd = dup2(STDERR_FILENO, 77);
	assert_int_equal(fd, 77);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGPIPE, &ign, &oldpipe), 0);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	assert_int_equal(sigprocmask(SIG_BLOCK, &usr1, &oldmask), 0);
	assert_int_equal(setenv("CRM_TEST_SECRET", "leak", 1), 0);

	rc = crm_mail_send(&t->cfg, &m, CRM_MAIL_WAIT, &err);

	unsetenv("CRM_TEST_SECRET");
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	sigaction(SIGPIPE, &oldpipe, NULL);
	close(77);
	if (rc != CRM_OK)
		fail_msg("send: %s", err.msg);
	snprintf(out_path, sizeof(out_path), "%s.out", path);
	out = tenv_slurp(out_path);
	assert_non_null(out);
	assert_non_null(strstr(out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"));
	assert_null(strstr(out, "CRM_TEST_SECRET"));
	assert_null(strstr(out, "fd77=open"));
	assert_int_equal(status_mask(out, "SigIgn:") & (1ULL << (SIGPIPE - 1)), 0);
	assert_int_equal(status_mask(out, "SigBlk:"), 0);
	assert_non_null(strstr(out, "\n\nclean\n"));
	free(out);
}

static void send_detach_returns_before_slow_sendmail(void **state)
{
	struct tenv *t = *state;
	struct crm_mail m = { { "user@example.com", NULL }, "Slow", "later\n" };
	struct crm_error err;
	struct timespec start;
	double took;
	char *out;

	touch(t, ".slow");
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (crm_mail_send(&t->cfg, &m, CRM_MAIL_DETACH, &err) != CRM_OK)
		fail_msg("send: %s", err.msg);
	took = seconds_since(&start);
	/* The fake sleeps 5 s: returning within 2 s means it did not wait. */
	if (took >= 2.0)
		fail_msg("DETACH send took %.2f s", took);
	out = await_messages(t, 1, 10);
	assert_non_null(strstr(out, "\n\nlater\n" END_MARK));
	free(out);
}

static void send_detach_leaves_no_zombie(void **state)
{
	struct tenv *t = *state;
	struct crm_mail m = { { "user@example.com", NULL }, "s", "b" };
	struct crm_error err;
	int status;
	char *out;

	for (int i = 0; i < 3; i++)
		if (crm_mail_send(&t->cfg, &m, CRM_MAIL_DETACH, &err) != CRM_OK)
			fail_msg("send: %s", err.msg);
	out = await_messages(t, 3, 10);
	free(out);
	/* Every child was reaped; sendmail itself belongs to init. */
	errno = 0;
	assert_int_equal(waitpid(-1, &status, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void set_notify_to(struct tenv *t, const char *addr)
{
	struct crm_error err;

	if (crm_config_set(&t->cfg, "notify_to", addr, "test", &err) != CRM_OK)
		fail_msg("notify_to: %s", err.msg);
}

static void prague(struct crm_place *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->country_code, "CZ");
	strcpy(p->country, "Czechia");
	strcpy(p->city, "Prague");
	strcpy(p->org, "Test Hotel Network s.r.o.");
}

static void alert_says_who_when_where_and_what_to_do(void **state)
{
	struct tenv *t = *state;
	struct crm_place place;
	struct crm_alert a = { "alice", "alice@example.com", "sshd",
		"203.0.113.7", T0, &place, NULL };
	struct crm_error err;
	char *out, *subj;

	prague(&place);
	set_notify_to(t, "admin@example.com");
	if (crm_mail_new_ip_alert(&t->cfg, &a, &err) != CRM_OK)
		fail_msg("alert: %s", err.msg);
	out = await_messages(t, 1, 10);
	assert_clean_headers(out);
	assert_non_null(strstr(out, "To: alice@example.com,\n admin@example.com\n"));
	subj = subject_text(out);
	assert_string_equal(subj, "New sign-in to alice from 203.0.113.7");
	free(subj);
	assert_non_null(strstr(out, "Account:       alice\n"));
	assert_non_null(strstr(out, "2026-01-01 00:00:00 UTC"));
	assert_non_null(strstr(out, "Address:       203.0.113.7\n"));
	assert_non_null(strstr(out, "Place:         Prague, Czechia\n"));
	assert_non_null(strstr(out, "Test Hotel Network s.r.o.\n"));
	assert_non_null(strstr(out, "Service:       sshd\n"));
	assert_non_null(strstr(out, "change your password at once with crmpasswd"));
	assert_non_null(strstr(out, "'crmpasswd logins alice'"));
	free(out);
}

static void alert_goes_to_notify_to_without_user_address(void **state)
{
	struct tenv *t = *state;
	struct crm_alert a = { "bob", NULL, "login", "198.51.100.2", T0, NULL, NULL };
	struct crm_error err;
	char *out;

	set_notify_to(t, "admin@example.com");
	if (crm_mail_new_ip_alert(&t->cfg, &a, &err) != CRM_OK)
		fail_msg("alert: %s", err.msg);
	out = await_messages(t, 1, 10);
	assert_non_null(strstr(out, "\nTo: admin@example.com\n"));
	assert_non_null(strstr(out, "Place:         unknown\n"));
	free(out);
}

static void alert_sends_nothing_without_recipient(void **state)
{
	struct tenv *t = *state;
	struct crm_alert a = { "carol", "", "sshd", "192.0.2.1", T0, NULL, NULL };
	struct crm_error err;

	assert_int_equal(crm_mail_new_ip_alert(&t->cfg, &a, &err), CRM_OK);
	a.email = NULL;
	assert_int_equal(crm_mail_new_ip_alert(&t->cfg, &a, &err), CRM_OK);
	usleep(300000);
	assert_null(delivered(t));
}

static void alert_with_hostile_user_and_rhost_injects_no_header(void **state)
{
	struct tenv *t = *state;
	char *user = malloc(4200), *out, *body;
	struct crm_alert a = { NULL, "victim@example.com", "sshd\r\nX: y",
		"10.0.0.1\r\nBcc: evil@example.com", T0, NULL, NULL };
	struct crm_error err;

	assert_non_null(user);
	strcpy(user, "mallory\r\nBcc: evil@example.com\r\n\r\nè日本");
	memset(user + strlen(user), 'u', 4096);
	user[4150] = '\0';
	a.user = user;
	if (crm_mail_new_ip_alert(&t->cfg, &a, &err) != CRM_OK)
		fail_msg("alert: %s", err.msg);
	out = await_messages(t, 1, 10);
	assert_clean_headers(out);
	assert_null(strcasestr(out, "\nBcc:"));
	assert_null(strstr(out, "\nX: y"));
	body = strstr(out, "\n\n");
	assert_non_null(body);
	/* The name is cut short in the body as well. */
	assert_null(strstr(body, "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"));
	assert_true(strlen(out) < 4096);
	free(out);
	free(user);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(compose_writes_each_header_once),
		T(compose_keeps_crlf_subject_in_one_header),
		T(compose_encodes_non_ascii_subject_that_decodes_back),
		T(compose_cuts_4k_subject_at_character_boundary),
		T(compose_folds_long_ascii_subject),
		T(compose_refuses_invalid_recipients),
		T(compose_accepts_plain_recipients),
		T(compose_refuses_no_recipient),
		T(compose_cleans_body_and_wraps_long_lines),
		T(compose_refuses_oversized_message),
		T(compose_uses_mail_from_or_host_default),
		T(send_wait_delivers_to_sendmail),
		T(send_wait_reports_sendmail_failure),
		T(send_reports_missing_sendmail),
		T(send_wait_reports_sendmail_that_cannot_start),
		T(send_runs_sendmail_with_clean_environment),
		T(send_detach_returns_before_slow_sendmail),
		T(send_detach_leaves_no_zombie),
		T(alert_says_who_when_where_and_what_to_do),
		T(alert_goes_to_notify_to_without_user_address),
		T(alert_sends_nothing_without_recipient),
		T(alert_with_hostile_user_and_rhost_injects_no_header),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
