/*
 * The registrar's line protocol, apart from the daemon so that it can be
 * tested on its own: the lines a connection sends, assembled from the
 * bytes as they come, and each line parsed into a request. Nothing here
 * touches the store, the socket or the clock.
 */
#ifndef CRM_REGISTRAR_PROTO_H
#define CRM_REGISTRAR_PROTO_H

#include <stddef.h>

#include "crmpolicy/sip.h"

#define PROTO_LINE_MAX 1024	/* a request line, with its fields */
#define PROTO_FIELD_MAX 255	/* bytes of one field */
#define PROTO_SERVICE_MAX 64	/* a service name and its NUL */

/* A connection's line being read. */
struct proto_input {
	char in[PROTO_LINE_MAX];
	size_t nin;
	int overlong;		/* the line being read is too long */
};

/*
 * Called for each complete line (its '\n' removed), NUL-terminated in
 * the input's buffer, which is wiped after the call; line is NULL for a
 * line longer than PROTO_LINE_MAX - 1 bytes, which the daemon refuses.
 */
typedef void (*proto_line_fn)(void *arg, char *line);

/* Adds n bytes a connection sent; calls fn for every line they end. */
void proto_input_feed(struct proto_input *pin, const char *buf, size_t n,
	proto_line_fn fn, void *arg);

enum proto_kind {
	PROTO_PING,		/* "PING": answered PONG */
	PROTO_CHECK,		/* "CHECK service user address realm algorithm" */
	PROTO_RESULT,		/* "RESULT token ok|wrong|none" */
	PROTO_INVALID,		/* a CHECK with bad fields: DENY invalid */
	PROTO_MALFORMED,	/* anything else: ERROR malformed */
};

enum proto_outcome { PROTO_OK, PROTO_WRONG, PROTO_NONE, PROTO_BAD };

struct proto_request {
	enum proto_kind kind;
	/* PROTO_CHECK: the fields, pointing into the line */
	const char *service, *user, *rhost, *realm;
	enum crm_sip_algo algo;
	/* PROTO_RESULT: the token (0: not a token) and the outcome word */
	unsigned long long token;
	enum proto_outcome outcome;
};

/*
 * Parses one request line, splitting it in place at single spaces. A
 * CHECK's fields are 1 to PROTO_FIELD_MAX printable ASCII bytes without
 * blanks, the service shorter than PROTO_SERVICE_MAX and the realm than
 * CRM_PT_MAX, the algorithm one crm_sip_algo_parse knows.
 */
void proto_request_parse(char *line, struct proto_request *req);

#endif
