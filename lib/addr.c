/*
 * Remote addresses: IPv4/IPv6 parsing with inet_pton (never a resolver),
 * ::ffff:a.b.c.d folded to IPv4 so that one client has one key, CIDR
 * networks with a strict host-bits check, and canonical text forms.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/addr.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/utf8.h"

static const unsigned char v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

static int bits_of(int family)
{
	return family == 4 ? 32 : 128;
}

/* inet_pton without the fold: 4, 6, or 0 for anything else. */
static int parse_raw(const char *text, unsigned char b[16])
{
	memset(b, 0, 16);
	if (text == NULL || *text == '\0' || strlen(text) >= INET6_ADDRSTRLEN)
		return 0;
	if (inet_pton(AF_INET, text, b) == 1)
		return 4;
	if (inet_pton(AF_INET6, text, b) == 1)
		return 6;
	return 0;
}

static int is_mapped(const unsigned char b[16])
{
	return memcmp(b, v4mapped, sizeof(v4mapped)) == 0;
}

static void fold_mapped(struct crm_addr *a)
{
	memmove(a->b, a->b + 12, 4);
	memset(a->b + 4, 0, 12);
	a->family = 4;
}

int crm_addr_parse(const char *text, struct crm_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = parse_raw(text, a->b);
	if (a->family == 6 && is_mapped(a->b))
		fold_mapped(a);
	return a->family != 0;
}

void crm_addr_format(const struct crm_addr *a, char *buf, size_t len)
{
	int af = a->family == 4 ? AF_INET : AF_INET6;

	if (len == 0)
		return;
	if ((a->family != 4 && a->family != 6) ||
	    inet_ntop(af, a->b, buf, (socklen_t)len) == NULL)
		buf[0] = '\0';
}

void crm_addr_key(const char *rhost, char *buf, size_t len)
{
	struct crm_addr a;

	if (len == 0)
		return;
	if (rhost == NULL || *rhost == '\0') {
		buf[0] = '\0';
		return;
	}
	/* A host name stays as given: resolving it would let DNS choose. */
	if (crm_addr_parse(rhost, &a))
		crm_addr_format(&a, buf, len);
	else
		snprintf(buf, len, "%s", rhost);
}

/* Clears the bits of a past prefix. */
static void mask(unsigned char b[16], int family, int prefix)
{
	int nbytes = bits_of(family) / 8;

	for (int i = 0; i < nbytes; i++) {
		int keep = prefix - i * 8;

		if (keep <= 0)
			b[i] = 0;
		else if (keep < 8)
			b[i] = (unsigned char)(b[i] & (0xff00u >> keep));
	}
}

/* A prefix length: decimal digits only, no sign, no leading zeros. */
static int parse_prefix(const char *s, int max)
{
	long v = 0;

	if (*s == '\0' || strlen(s) > 3 || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v <= max ? (int)v : -1;
}

int crm_net_parse(const char *text, struct crm_net *n,
	struct crm_error *err)
{
	char shown[80], addr[INET6_ADDRSTRLEN], meant[64];
	const char *slash;
	struct crm_net want;
	size_t alen;
	int family;

	memset(n, 0, sizeof(*n));
	slash = text ? strchr(text, '/') : NULL;
	alen = text == NULL ? 0 : slash ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof(addr))
		goto bad;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	family = parse_raw(addr, n->addr.b);
	if (family == 0)
		goto bad;
	n->addr.family = family;
	n->prefix = bits_of(family);
	if (slash != NULL) {
		n->prefix = parse_prefix(slash + 1, bits_of(family));
		if (n->prefix < 0) {
			crm_printable(text, shown, sizeof(shown));
			return crm_error_set(err, CRM_EINVAL,
				_("%s: the prefix length must be a whole number "
				"from 0 to %d"), shown, bits_of(family));
		}
	}
	/*
	 * An IPv4-mapped network is the IPv4 network it spans, matching the
	 * fold crm_addr_parse makes; below /96 it reaches past the mapped
	 * block and stays IPv6 (the host-bits check then refuses it).
	 */
	if (family == 6 && is_mapped(n->addr.b) && n->prefix >= 96) {
		fold_mapped(&n->addr);
		n->prefix -= 96;
	}
	want = *n;
	mask(want.addr.b, want.addr.family, want.prefix);
	if (memcmp(want.addr.b, n->addr.b, sizeof(n->addr.b)) != 0) {
		crm_net_format(&want, meant, sizeof(meant));
		/* At full prefix no bit is a host bit, so meant has a '/'. */
		memset(n, 0, sizeof(*n));
		crm_printable(text, shown, sizeof(shown));
		return crm_error_set(err, CRM_EINVAL,
			_("%s: host bits are set (did you mean %s?)"), shown,
			meant);
	}
	return 0;
bad:
	memset(n, 0, sizeof(*n));
	/* The text is the caller's: show it without control bytes. */
	crm_printable(text ? text : "", shown, sizeof(shown));
	return crm_error_set(err, CRM_EINVAL,
		_("%s: not an IPv4 or IPv6 address or network"), shown);
}

int crm_net_contains(const struct crm_net *n, const struct crm_addr *a)
{
	int whole = n->prefix / 8, rest = n->prefix % 8;

	if (n->addr.family != a->family || n->prefix < 0 ||
	    n->prefix > bits_of(a->family))
		return 0;
	if (memcmp(n->addr.b, a->b, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((n->addr.b[whole] ^ a->b[whole]) & (0xff00u >> rest)) == 0;
}

void crm_net_format(const struct crm_net *n, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (len == 0)
		return;
	crm_addr_format(&n->addr, addr, sizeof(addr));
	if (addr[0] == '\0')
		buf[0] = '\0';
	else if (n->prefix == bits_of(n->addr.family))
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "%s/%d", addr, n->prefix);
}
