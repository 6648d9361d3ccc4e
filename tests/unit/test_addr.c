/*
 * Tests of lib/addr.c: addresses parsed without a resolver, ::ffff: folded
 * to IPv4, canonical forms, CIDR edges, the host-bits error and the key
 * under which a PAM_RHOST is counted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crmpolicy/addr.h"

static void fmt_addr(const char *text, char *buf, size_t len)
{
	struct crm_addr a;

	assert_int_equal(crm_addr_parse(text, &a), 1);
	crm_addr_format(&a, buf, len);
}

static void net_ok(const char *text, const char *canonical)
{
	struct crm_error err;
	struct crm_net n;
	char buf[64];

	crm_error_clear(&err);
	if (crm_net_parse(text, &n, &err) != 0)
		fail_msg("%s: %s", text, err.msg);
	crm_net_format(&n, buf, sizeof(buf));
	assert_string_equal(buf, canonical);
}

static void net_bad(const char *text, const char *msg_part)
{
	struct crm_error err;
	struct crm_net n;

	crm_error_clear(&err);
	assert_int_equal(crm_net_parse(text, &n, &err), CRM_EINVAL);
	assert_int_equal(err.code, CRM_EINVAL);
	if (strstr(err.msg, msg_part) == NULL)
		fail_msg("\"%s\" not in \"%s\"", msg_part, err.msg);
}

static int contains(const char *net, const char *addr)
{
	struct crm_error err;
	struct crm_net n;
	struct crm_addr a;

	assert_int_equal(crm_net_parse(net, &n, &err), 0);
	assert_int_equal(crm_addr_parse(addr, &a), 1);
	return crm_net_contains(&n, &a);
}

static void parses_ipv4_in_network_order(void **state)
{
	struct crm_addr a;
	char buf[64];

	(void)state;
	assert_int_equal(crm_addr_parse("192.0.2.10", &a), 1);
	assert_int_equal(a.family, 4);
	assert_int_equal(a.b[0], 192);
	assert_int_equal(a.b[3], 10);
	fmt_addr("192.0.2.10", buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.10");
}

static void parses_ipv6_into_canonical_text(void **state)
{
	struct crm_addr a;
	char buf[64];

	(void)state;
	assert_int_equal(crm_addr_parse("2001:DB8:0:0:0:0:0:1", &a), 1);
	assert_int_equal(a.family, 6);
	fmt_addr("2001:DB8:0:0:0:0:0:1", buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1");
	fmt_addr("::1", buf, sizeof(buf));
	assert_string_equal(buf, "::1");
}

static void folds_mapped_ipv6_to_ipv4(void **state)
{
	struct crm_addr a;
	char buf[64];

	(void)state;
	assert_int_equal(crm_addr_parse("::ffff:127.0.2.5", &a), 1);
	assert_int_equal(a.family, 4);
	fmt_addr("::FFFF:127.0.2.5", buf, sizeof(buf));
	assert_string_equal(buf, "127.0.2.5");
	/* Only the mapped block folds; an IPv4-compatible address stays v6. */
	assert_int_equal(crm_addr_parse("::127.0.2.5", &a), 1);
	assert_int_equal(a.family, 6);
}

static void refuses_host_names_garbage_and_zone_ids(void **state)
{
	struct crm_addr a;

	(void)state;
	assert_int_equal(crm_addr_parse("example.com", &a), 0);
	assert_int_equal(crm_addr_parse("", &a), 0);
	assert_int_equal(crm_addr_parse(NULL, &a), 0);
	assert_int_equal(crm_addr_parse("1.2.3", &a), 0);
	assert_int_equal(crm_addr_parse("256.1.1.1", &a), 0);
	assert_int_equal(crm_addr_parse("1.2.3.4 ", &a), 0);
	assert_int_equal(crm_addr_parse("10.0.0.0/8", &a), 0);
	assert_int_equal(crm_addr_parse("fe80::1%eth0", &a), 0);
	assert_int_equal(crm_addr_parse("1:2:3:4:5:6:7:8:9", &a), 0);
	assert_int_equal(crm_addr_parse(
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &a),
		0);
}

static void key_is_canonical_address_or_rhost_as_given(void **state)
{
	char buf[300];

	(void)state;
	crm_addr_key("::ffff:10.1.2.3", buf, sizeof(buf));
	assert_string_equal(buf, "10.1.2.3");
	crm_addr_key("2001:0db8::0001", buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1");
	crm_addr_key("host.example.com", buf, sizeof(buf));
	assert_string_equal(buf, "host.example.com");
	crm_addr_key(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
	crm_addr_key("", buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void parses_networks_and_bare_addresses(void **state)
{
	(void)state;
	net_ok("10.0.0.0/8", "10.0.0.0/8");
	net_ok("192.0.2.7", "192.0.2.7");
	net_ok("192.0.2.7/32", "192.0.2.7");
	net_ok("0.0.0.0/0", "0.0.0.0/0");
	net_ok("2001:DB8::/32", "2001:db8::/32");
	net_ok("::/0", "::/0");
	net_ok("2001:db8::1/128", "2001:db8::1");
	net_ok("::ffff:127.0.2.0/120", "127.0.2.0/24");
	net_ok("::ffff:0.0.0.0/96", "0.0.0.0/0");
}

static void refuses_host_bits_naming_the_network_meant(void **state)
{
	(void)state;
	net_bad("10.1.2.3/8", "10.1.2.3/8: host bits are set (did you mean "
		"10.0.0.0/8?)");
	net_bad("2001:db8::1/32", "did you mean 2001:db8::/32?");
	net_bad("192.0.2.129/25", "did you mean 192.0.2.128/25?");
	net_bad("::ffff:10.0.0.1/80", "host bits are set");
}

static void refuses_bad_prefixes_and_garbage(void **state)
{
	(void)state;
	net_bad("10.0.0.0/33", "0 to 32");
	net_bad("2001:db8::/129", "0 to 128");
	net_bad("10.0.0.0/", "prefix length");
	net_bad("10.0.0.0/-1", "prefix length");
	net_bad("10.0.0.0/08", "prefix length");
	net_bad("10.0.0.0/8x", "prefix length");
	net_bad("10.0.0.0/8/8", "prefix length");
	net_bad("example.com/24", "not an IPv4 or IPv6");
	net_bad("", "not an IPv4 or IPv6");
	net_bad("/8", "not an IPv4 or IPv6");
	net_bad("fe80::%eth0/64", "not an IPv4 or IPv6");
	net_bad("any", "not an IPv4 or IPv6");
}

static void contains_respects_prefix_edges(void **state)
{
	(void)state;
	assert_true(contains("10.0.0.0/8", "10.255.255.255"));
	assert_false(contains("10.0.0.0/8", "11.0.0.0"));
	assert_true(contains("0.0.0.0/0", "203.0.113.9"));
	assert_true(contains("192.0.2.7/32", "192.0.2.7"));
	assert_false(contains("192.0.2.7/32", "192.0.2.6"));
	assert_true(contains("192.0.2.128/25", "192.0.2.200"));
	assert_false(contains("192.0.2.128/25", "192.0.2.127"));
	assert_true(contains("2001:db8::/32", "2001:db8:ffff::1"));
	assert_false(contains("2001:db8::/32", "2001:db9::1"));
	assert_true(contains("::/0", "fe80::1"));
	assert_true(contains("2001:db8::1/128", "2001:db8::1"));
	assert_false(contains("2001:db8::1/128", "2001:db8::2"));
	assert_true(contains("2001:db8::/33", "2001:db8:7fff::1"));
	assert_false(contains("2001:db8::/33", "2001:db8:8000::1"));
}

static void contains_never_crosses_families(void **state)
{
	(void)state;
	assert_false(contains("::/0", "10.0.0.1"));
	assert_false(contains("0.0.0.0/0", "2001:db8::1"));
	assert_true(contains("127.0.2.0/24", "::ffff:127.0.2.5"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_ipv4_in_network_order),
		cmocka_unit_test(parses_ipv6_into_canonical_text),
		cmocka_unit_test(folds_mapped_ipv6_to_ipv4),
		cmocka_unit_test(refuses_host_names_garbage_and_zone_ids),
		cmocka_unit_test(key_is_canonical_address_or_rhost_as_given),
		cmocka_unit_test(parses_networks_and_bare_addresses),
		cmocka_unit_test(refuses_host_bits_naming_the_network_meant),
		cmocka_unit_test(refuses_bad_prefixes_and_garbage),
		cmocka_unit_test(contains_respects_prefix_edges),
		cmocka_unit_test(contains_never_crosses_families),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
