/*
 * The wire between pam_crmpolicy in a caller without root and
 * crmpolicy_helper: one SOCK_SEQPACKET socketpair, one message a packet.
 * The module sends START; the helper then sends requests (the struct
 * pamio operations), each answered by one REPLY, and ends with DONE.
 * Secrets (passwords, codes) cross it; they never touch argv or the
 * environment, and every buffer that held one is wiped.
 */
#ifndef CRM_WIRE_H
#define CRM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAX 65536		/* bytes of one packet */
#define WIRE_STRS 40		/* strings in one message */
#define WIRE_ARGS 32		/* module arguments START may carry */

enum wire_op {
	/* module -> helper */
	WIRE_START = 1,		/* a: entry, b: PAM flags, s: module arguments */
	WIRE_REPLY,		/* a: PAM code, s[0]: the answer or NULL */
	/* helper -> module */
	WIRE_GET_USER,
	WIRE_ITEM,		/* a: item type */
	WIRE_SET_ITEM,		/* a: item type, s[0]: value or NULL */
	WIRE_GET_AUTHTOK,	/* a: PAM_AUTHTOK or PAM_OLDAUTHTOK */
	WIRE_PROMPT,		/* a: style, s[0]: text */
	WIRE_MESSAGE,		/* a: style, s[0]: text */
	WIRE_DATA_GET,		/* a: enum pamio_data */
	WIRE_DATA_SET,		/* a: enum pamio_data, s[0]: value or NULL */
	WIRE_GETENV,		/* s[0]: name */
	WIRE_LOG,		/* a: priority, s[0]: message; no reply */
	WIRE_DONE,		/* a: the PAM code; no reply */
	WIRE_OP_MAX
};

/* A received message; its strings point into buf. */
struct wire_msg {
	enum wire_op op;
	int32_t a, b;
	size_t n;
	const char *s[WIRE_STRS];	/* NULL where the sender sent NULL */
	unsigned char raw[WIRE_MAX];
	unsigned char buf[WIRE_MAX + WIRE_STRS];
};

/*
 * Sends one message of n strings (each may be NULL). Returns 0, or -1
 * with errno (EMSGSIZE when it does not fit in WIRE_MAX).
 */
int wire_send(int fd, enum wire_op op, int32_t a, int32_t b, size_t n,
	const char *const *s);

/*
 * The packet wire_send sends: malloc'd into *out (*outlen bytes), which
 * the caller wipes and frees. Returns 0, or -1 with errno (EMSGSIZE when
 * it does not fit in WIRE_MAX).
 */
int wire_encode(enum wire_op op, int32_t a, int32_t b, size_t n,
	const char *const *s, unsigned char **out, size_t *outlen);

/*
 * Checks and decodes the packet of len bytes in m->raw (len may exceed
 * WIRE_MAX when a packet was cut short): a known op, lengths within the
 * packet, no NUL inside a string. Returns 0 with m->raw wiped, or -1
 * (errno EPROTO) with m wiped.
 */
int wire_decode(struct wire_msg *m, size_t len);

/*
 * Receives one message and checks it with wire_decode. Returns 0, or -1
 * (errno: 0 for the end of the stream, EPROTO for a malformed message).
 */
int wire_recv(int fd, struct wire_msg *m);

/* Wipes everything m held. */
void wire_wipe(struct wire_msg *m);

#endif
