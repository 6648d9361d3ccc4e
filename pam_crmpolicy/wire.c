/*
 * Encoding of the helper wire: op (1 byte), a and b (4 bytes each, little
 * endian), the number of strings (1 byte), then each string as a 4-byte
 * length (0xffffffff: NULL) and its bytes. Whatever comes in is checked
 * against the packet's length before it is read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <sodium.h>

#include "wire.h"

#define NULL_LEN 0xffffffffu

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
	p[2] = (unsigned char)((v >> 16) & 0xff);
	p[3] = (unsigned char)((v >> 24) & 0xff);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

int wire_encode(enum wire_op op, int32_t a, int32_t b, size_t n,
	const char *const *s, unsigned char **out, size_t *outlen)
{
	unsigned char *pkt;
	size_t len = 10;

	*out = NULL;
	*outlen = 0;
	if (n > WIRE_STRS) {
		errno = EMSGSIZE;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		len += 4 + (s[i] != NULL ? strlen(s[i]) : 0);
		if (len > WIRE_MAX) {
			errno = EMSGSIZE;
			return -1;
		}
	}
	if ((pkt = malloc(len)) == NULL)
		return -1;
	pkt[0] = (unsigned char)op;
	put32(pkt + 1, (uint32_t)a);
	put32(pkt + 5, (uint32_t)b);
	pkt[9] = (unsigned char)n;
	len = 10;
	for (size_t i = 0; i < n; i++) {
		size_t sl = s[i] != NULL ? strlen(s[i]) : 0;

		put32(pkt + len, s[i] != NULL ? (uint32_t)sl : NULL_LEN);
		len += 4;
		if (sl > 0)
			memcpy(pkt + len, s[i], sl);
		len += sl;
	}
	*out = pkt;
	*outlen = len;
	return 0;
}

int wire_send(int fd, enum wire_op op, int32_t a, int32_t b, size_t n,
	const char *const *s)
{
	unsigned char *pkt;
	size_t len;
	ssize_t sent;
	int saved;

	if (wire_encode(op, a, b, n, s, &pkt, &len) != 0)
		return -1;
	do
		sent = send(fd, pkt, len, MSG_NOSIGNAL);
	while (sent < 0 && errno == EINTR);
	saved = errno;
	sodium_memzero(pkt, len);
	free(pkt);
	errno = saved;
	if (sent >= 0 && (size_t)sent != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return sent < 0 ? -1 : 0;
}

static int malformed(struct wire_msg *m)
{
	wire_wipe(m);
	errno = EPROTO;
	return -1;
}

int wire_decode(struct wire_msg *m, size_t len)
{
	size_t at = 10, out = 0;

	if (len > sizeof(m->raw) || len < 10)
		return malformed(m);
	if (m->raw[0] < WIRE_START || m->raw[0] >= WIRE_OP_MAX ||
			m->raw[9] > WIRE_STRS)
		return malformed(m);
	m->op = (enum wire_op)m->raw[0];
	m->a = (int32_t)get32(m->raw + 1);
	m->b = (int32_t)get32(m->raw + 5);
	m->n = m->raw[9];
	for (size_t i = 0; i < m->n; i++) {
		uint32_t sl;

		if (len - at < 4)
			return malformed(m);
		sl = get32(m->raw + at);
		at += 4;
		if (sl == NULL_LEN) {
			m->s[i] = NULL;
			continue;
		}
		if (sl > len - at || memchr(m->raw + at, '\0', sl) != NULL)
			return malformed(m);
		memcpy(m->buf + out, m->raw + at, sl);
		m->buf[out + sl] = '\0';
		m->s[i] = (const char *)m->buf + out;
		out += sl + 1;
		at += sl;
	}
	if (at != len)
		return malformed(m);
	sodium_memzero(m->raw, len);
	return 0;
}

int wire_recv(int fd, struct wire_msg *m)
{
	ssize_t got;

	do
		got = recv(fd, m->raw, sizeof(m->raw), MSG_TRUNC);
	while (got < 0 && errno == EINTR);
	if (got == 0) {
		errno = 0;
		return -1;
	}
	if (got < 0)
		return -1;
	return wire_decode(m, (size_t)got);
}

void wire_wipe(struct wire_msg *m)
{
	sodium_memzero(m, sizeof(*m));
}
