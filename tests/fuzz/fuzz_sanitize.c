/*
 * Fuzz target "sanitize": what user names and PAM_RHOST become in log
 * lines and mail headers: crm_printable, crm_name_valid and
 * crm_rhost_valid (lib/utf8.c), and crm_mail_compose (lib/mail.c). The
 * input's NUL-separated fields are a user name, a remote host, a
 * subject, a second recipient and a body. A printable copy holds no
 * control or invisible character and no cut character; a composed mail
 * has exactly its nine header fields, in order, with no CR or LF of
 * the input inside any of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/config.h"
#include "crmpolicy/mail.h"
#include "crmpolicy/utf8.h"
#include "fuzz.h"

static struct crm_config cfg;

static void cleanup(void)
{
	crm_config_free(&cfg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct crm_error err;

	(void)argc;
	(void)argv;
	crm_config_init(&cfg);
	/* Not crmpolicy@HOSTNAME: the same mail on every host. */
	if (crm_config_set(&cfg, "mail_from", "crmpolicy@example.org", "fuzz",
	    &err) != 0)
		fuzz_fail("sanitize", err.msg);
	atexit(cleanup);
	return 0;
}

/*
 * 1 if s (valid UTF-8) holds a character crm_printable must replace:
 * C0 and C1 controls, DEL, the soft hyphen, zero-width and bidi
 * characters, line and paragraph separators, invisible operators, the
 * byte-order mark and the interlinear annotation characters.
 */
static int has_unprintable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 1;
		if (p[0] == 0xc2 && ((p[1] >= 0x80 && p[1] <= 0x9f) ||
		    p[1] == 0xad))
			return 1;
		if (p[0] == 0xe2 && p[1] == 0x80 &&
		    ((p[2] >= 0x8b && p[2] <= 0x8f) ||
		    (p[2] >= 0xa8 && p[2] <= 0xae)))
			return 1;
		if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa0 && p[2] <= 0xaf)
			return 1;
		if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
			return 1;
		if (p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xb9 && p[2] <= 0xbb)
			return 1;
	}
	return 0;
}

static void check_printable(const char *s)
{
	static const size_t sizes[] = { 1, 2, 4, 17, 65, 256, 4096 };
	char *out = malloc(4096);

	if (out == NULL)
		return;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		crm_printable(s, out, sizes[i]);
		if (strlen(out) >= sizes[i])
			fuzz_fail("sanitize", "a printable copy overran its room");
		if (crm_utf8_len(out) < 0)
			fuzz_fail("sanitize", "a printable copy is not UTF-8");
		if (has_unprintable(out))
			fuzz_fail("sanitize", "a printable copy kept a control");
	}
	/* A valid name or address has nothing to replace. */
	crm_printable(s, out, 4096);
	if ((crm_name_valid(s) || (s[0] != '\0' && crm_rhost_valid(s))) &&
	    strlen(s) < 4096 && strcmp(out, s) != 0)
		fuzz_fail("sanitize", "a valid name was changed for a log");
	free(out);
}

/* The header fields crm_mail_compose writes, in their order. */
static const char *const fields[] = {
	"From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
	"Content-Type", "Content-Transfer-Encoding", "Auto-Submitted",
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/*
 * The header of msg: lines ended by LF, each either a field of the
 * list, in order, or a continuation (starting with a space), none with
 * a CR or another control, none over 998 bytes, then an empty line.
 */
static void check_header(const char *msg)
{
	const char *line = msg;
	size_t next = 0;

	for (;;) {
		const char *end = strchr(line, '\n'), *colon;

		if (end == NULL)
			fuzz_fail("sanitize", "the header does not end");
		if (end == line)
			break;
		if (end - line > 998)
			fuzz_fail("sanitize", "a header line is too long");
		for (const char *p = line; p < end; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				fuzz_fail("sanitize",
					"a header line holds a CR or a control");
		if (line[0] == ' ' || line[0] == '\t') {
			if (next == 0)
				fuzz_fail("sanitize", "the header starts folded");
		} else {
			colon = memchr(line, ':', (size_t)(end - line));
			if (next == NFIELDS || colon == NULL ||
			    (size_t)(colon - line) != strlen(fields[next]) ||
			    memcmp(line, fields[next], strlen(fields[next])) != 0)
				fuzz_fail("sanitize",
					"the input made a header field of its own");
			next++;
		}
		line = end + 1;
	}
	if (next != NFIELDS)
		fuzz_fail("sanitize", "a header field is missing");
}

static void compose(const char *to, const char *subject, const char *body)
{
	struct crm_mail m;
	struct crm_error err;
	char *msg = NULL;

	memset(&m, 0, sizeof(m));
	m.to[0] = "user@example.org";
	m.to[1] = to[0] != '\0' ? to : NULL;
	m.subject = subject;
	m.body = body;
	crm_error_clear(&err);
	if (crm_mail_compose(&cfg, &m, &msg, &err) != 0)
		return;
	check_header(msg);
	free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *user, *rhost;
	struct fuzz_fields ff;
	char u[65], h[65], subject[256];

	if (fuzz_fields(data, size, &ff) != 0)
		return 0;
	user = ff.f[0];
	rhost = ff.f[1];
	check_printable(user);
	check_printable(rhost);
	check_printable(ff.f[2]);
	/* The subject as the new-address alert makes it, then raw. */
	crm_printable(user, u, sizeof(u));
	crm_printable(rhost, h, sizeof(h));
	snprintf(subject, sizeof(subject), "New sign-in to %s from %s", u, h);
	compose(ff.f[3], subject, ff.f[4]);
	compose(ff.f[3], ff.f[2], ff.f[4]);
	fuzz_fields_free(&ff);
	return 0;
}
