/*
 * Remote addresses as the rules and the throttle see them: parsing of
 * IPv4/IPv6 addresses and CIDR networks, ::ffff:a.b.c.d folded to IPv4,
 * and a canonical text form. A PAM_RHOST that is not an address is kept
 * as text and never resolved.
 */
#ifndef CRMPOLICY_ADDR_H
#define CRMPOLICY_ADDR_H

#include <stddef.h>
#include "crmpolicy/error.h"

struct crm_addr {
	int family;		/* 4 or 6 */
	unsigned char b[16];	/* network byte order; IPv4 in b[0..3] */
};

/*
 * Parses an address (no prefix). ::ffff:a.b.c.d becomes IPv4. Returns 1
 * for an address, 0 for anything else (a host name, garbage).
 */
int crm_addr_parse(const char *text, struct crm_addr *a);

/* Canonical text of a (inet_ntop), into buf of at least 46 bytes. */
void crm_addr_format(const struct crm_addr *a, char *buf, size_t len);

/*
 * The key under which rhost is counted and shown: the canonical address
 * when rhost is one, otherwise rhost itself; "" for a local login.
 */
void crm_addr_key(const char *rhost, char *buf, size_t len);

struct crm_net {
	struct crm_addr addr;	/* with the host bits cleared */
	int prefix;		/* 0..32 or 0..128 */
};

/*
 * Parses "a.b.c.d/len", "x::/len" or a single address (full prefix).
 * A network with host bits set, a prefix out of range or anything else is
 * CRM_EINVAL with a message naming the text (and the network meant).
 */
int crm_net_parse(const char *text, struct crm_net *n, struct crm_error *err)
	__attribute__((warn_unused_result));
/* 1 if a lies in n (families must match). */
int crm_net_contains(const struct crm_net *n, const struct crm_addr *a);
/* Canonical "addr/prefix" (or the address alone at full prefix). */
void crm_net_format(const struct crm_net *n, char *buf, size_t len);

#endif
