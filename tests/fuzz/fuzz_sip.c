/*
 * Fuzz target "sip": the line protocol of crmpolicy_registrar
 * (registrar/proto.c), on the bytes a registrar's worker sends. The
 * input is cut into reads of varying sizes, as a socket may deliver it,
 * and every line is parsed as the daemon parses it. Properties: no line
 * is lost, made up or longer than the daemon's buffer, and a CHECK that
 * passes carries only fields the store may see: printable ASCII without
 * blanks, within their lengths, and an algorithm the core knows.
 */
#include <string.h>

#include "../../registrar/proto.h"	/* the daemon's, not the core's */
#include "crmpolicy/config.h"
#include "crmpolicy/sip.h"
#include "fuzz.h"

struct seen {
	size_t lines;
};

static int field_sane(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static void on_line(void *arg, char *line)
{
	struct seen *seen = arg;
	struct proto_request q;
	struct crm_error err;

	seen->lines++;
	if (line == NULL)
		return;
	if (strlen(line) >= PROTO_LINE_MAX)
		fuzz_fail("sip", "a line overran the daemon's buffer");
	proto_request_parse(line, &q);
	switch (q.kind) {
	case PROTO_CHECK:
		if (!field_sane(q.service, PROTO_SERVICE_MAX - 1) ||
		    !field_sane(q.user, PROTO_FIELD_MAX) ||
		    !field_sane(q.rhost, PROTO_FIELD_MAX) ||
		    !field_sane(q.realm, CRM_PT_MAX - 1) ||
		    (q.algo != CRM_SIP_MD5 && q.algo != CRM_SIP_SHA256))
			fuzz_fail("sip", "a CHECK passed with a bad field");
		crm_error_clear(&err);
		(void)crm_sip_realm_check(q.realm, &err);
		break;
	case PROTO_RESULT:
		if (q.outcome != PROTO_OK && q.outcome != PROTO_WRONG &&
		    q.outcome != PROTO_NONE && q.outcome != PROTO_BAD)
			fuzz_fail("sip", "a RESULT with no outcome");
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_input pin;
	struct seen seen = { 0 };
	size_t at = 0, chunk = 1, lines = 0;

	memset(&pin, 0, sizeof(pin));
	/* Reads of 1, 2, 3... bytes: a line may end in any of them. */
	while (at < size) {
		size_t n = size - at < chunk ? size - at : chunk;

		proto_input_feed(&pin, (const char *)data + at, n, on_line,
			&seen);
		at += n;
		chunk = chunk % 97 + 1;
	}
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (seen.lines != lines)
		fuzz_fail("sip", "a line was lost or made up");
	return 0;
}
