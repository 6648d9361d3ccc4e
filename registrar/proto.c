/*
 * The registrar's line protocol: lines cut from a connection's bytes,
 * overlong ones refused whole, and the parse of one line into a request
 * with every field checked before the daemon looks at the store.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto.h"

void proto_input_feed(struct proto_input *pin, const char *buf, size_t n,
	proto_line_fn fn, void *arg)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (pin->nin < sizeof(pin->in) - 1)
				pin->in[pin->nin++] = buf[i];
			else
				pin->overlong = 1;
			continue;
		}
		pin->in[pin->nin] = '\0';
		fn(arg, pin->overlong ? NULL : pin->in);
		/* A line may hold an account's name and address. */
		sodium_memzero(pin->in, pin->nin);
		pin->nin = 0;
		pin->overlong = 0;
	}
}

/* A field of the wire: 1..PROTO_FIELD_MAX printable ASCII bytes, no blank. */
static int field_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PROTO_FIELD_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* Splits line at single spaces into at most max fields; the count. */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;

	while (n < max) {
		f[n++] = line;
		if ((line = strchr(line, ' ')) == NULL)
			return n;
		*line++ = '\0';
	}
	return n + 1;	/* more than max */
}

/* CHECK service user address realm algorithm */
static void parse_check(char **f, struct proto_request *req)
{
	if (!field_ok(f[1]) || strlen(f[1]) >= PROTO_SERVICE_MAX ||
			!field_ok(f[2]) || !field_ok(f[3]) || !field_ok(f[4]) ||
			strlen(f[4]) >= CRM_PT_MAX ||
			crm_sip_algo_parse(f[5], &req->algo) != 0)
		return;
	req->kind = PROTO_CHECK;
	req->service = f[1];
	req->user = f[2];
	req->rhost = f[3];
	req->realm = f[4];
}

/* RESULT token ok|wrong|none */
static void parse_result(char **f, struct proto_request *req)
{
	unsigned long long token;
	char *end;

	req->kind = PROTO_RESULT;
	errno = 0;
	token = strtoull(f[1], &end, 10);
	if (errno == 0 && *end == '\0')
		req->token = token;
	if (strcmp(f[2], "ok") == 0)
		req->outcome = PROTO_OK;
	else if (strcmp(f[2], "wrong") == 0)
		req->outcome = PROTO_WRONG;
	else if (strcmp(f[2], "none") == 0)
		req->outcome = PROTO_NONE;
	else
		req->outcome = PROTO_BAD;
}

void proto_request_parse(char *line, struct proto_request *req)
{
	char *f[7];
	size_t n = split(line, f, 6);

	memset(req, 0, sizeof(*req));
	req->kind = PROTO_MALFORMED;
	req->outcome = PROTO_BAD;
	if (n == 1 && strcmp(f[0], "PING") == 0) {
		req->kind = PROTO_PING;
	} else if (strcmp(f[0], "CHECK") == 0) {
		req->kind = PROTO_INVALID;
		if (n == 6)
			parse_check(f, req);
	} else if (n == 3 && strcmp(f[0], "RESULT") == 0) {
		parse_result(f, req);
	}
}
