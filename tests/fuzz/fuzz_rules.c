/*
 * Fuzz target "rules": remote addresses and CIDR networks (lib/addr.c)
 * and the fields of a source-IP rule as crmpasswd rule add hands them
 * to crm_rule_validate (lib/rules.c). The input's NUL-separated fields
 * are: an address, a network, then a rule's name, scope, services,
 * network and action. Properties: an address or network reads back the
 * same from its canonical text, a network contains its own address, and
 * a valid rule stays as it is when validated again.
 */
#include <stdio.h>
#include <string.h>

#include "crmpolicy/addr.h"
#include "crmpolicy/rules.h"
#include "fuzz.h"

static void check_addr(const char *text)
{
	struct crm_addr a, b;
	char buf[64], again[64], key[300];

	crm_addr_key(text, key, sizeof(key));
	if (!crm_addr_parse(text, &a))
		return;
	crm_addr_format(&a, buf, sizeof(buf));
	if (!crm_addr_parse(buf, &b) || a.family != b.family ||
	    memcmp(a.b, b.b, sizeof(a.b)) != 0)
		fuzz_fail("rules", "an address does not read back the same");
	crm_addr_format(&b, again, sizeof(again));
	if (strcmp(buf, again) != 0 || strcmp(buf, key) != 0)
		fuzz_fail("rules", "an address has two canonical texts");
}

static void check_net(const char *text)
{
	struct crm_net n, m;
	struct crm_addr a;
	struct crm_error err;
	char buf[64];

	crm_error_clear(&err);
	if (crm_net_parse(text, &n, &err) != 0) {
		if (err.msg[0] == '\0')
			fuzz_fail("rules", "a network is refused without a word");
		return;
	}
	crm_net_format(&n, buf, sizeof(buf));
	if (crm_net_parse(buf, &m, &err) != 0 ||
	    n.addr.family != m.addr.family || n.prefix != m.prefix ||
	    memcmp(n.addr.b, m.addr.b, sizeof(n.addr.b)) != 0)
		fuzz_fail("rules", "a network does not read back the same");
	if (!crm_net_contains(&n, &n.addr))
		fuzz_fail("rules", "a network does not contain its address");
	/* A lone address is the network of that address alone. */
	if (strchr(text, '/') == NULL &&
	    (!crm_addr_parse(text, &a) || !crm_net_contains(&n, &a)))
		fuzz_fail("rules", "an address network misses its address");
}

/* The rule as crmpasswd rule add builds it: overlong fields are refused. */
static void check_rule(const char *const *f)
{
	struct crm_rule r, again;
	struct crm_error err;
	int action;

	memset(&r, 0, sizeof(r));
	if (strlen(f[0]) >= sizeof(r.name) || strlen(f[1]) >= sizeof(r.scope) ||
	    strlen(f[2]) >= sizeof(r.services) ||
	    strlen(f[3]) >= sizeof(r.network))
		return;
	snprintf(r.name, sizeof(r.name), "%s", f[0]);
	snprintf(r.scope, sizeof(r.scope), "%s", f[1]);
	snprintf(r.services, sizeof(r.services), "%s", f[2]);
	snprintf(r.network, sizeof(r.network), "%s", f[3]);
	/* An action word the parser refuses still reaches the validator. */
	action = crm_rule_action_parse(f[4]);
	r.action = (enum crm_rule_action)(action >= 0 ? action : 3);
	(void)crm_rule_action_name(r.action);
	crm_error_clear(&err);
	if (crm_rule_validate(&r, &err) != 0)
		return;
	memcpy(&again, &r, sizeof(r));
	if (crm_rule_validate(&again, &err) != 0 ||
	    memcmp(&again, &r, sizeof(r)) != 0)
		fuzz_fail("rules", "a valid rule changes when validated again");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_fields ff;

	if (fuzz_fields(data, size, &ff) != 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		check_addr(ff.f[i]);
		check_net(ff.f[i]);
	}
	check_net(ff.f[5]);
	check_rule(ff.f + 2);
	fuzz_fields_free(&ff);
	return 0;
}
