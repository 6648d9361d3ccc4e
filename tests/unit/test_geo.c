/*
 * Tests of lib/geo.c against the small test databases in tests/data (made
 * by make-geo-test-db.pl): places of IPv4, IPv6 and IPv4-mapped addresses,
 * an address without an entry, a missing and a corrupt database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"
#include "crmpolicy/geo.h"

/* The test databases, by absolute path: the tests run from the top. */
static void data_path(const char *name, char *buf, size_t len)
{
	char cwd[4096];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(buf, len, "%s/tests/data/%s", cwd, name);
	if (access(buf, R_OK) != 0)
		fail_msg("%s is missing: run the tests from the top directory",
			buf);
}

/* A tenv whose conf names the test databases (or the given paths). */
static struct tenv *geo_env(const char *city, const char *asn)
{
	char cpath[4200], apath[4200], conf[8600];

	if (city == NULL) {
		data_path("geo-city-test.mmdb", cpath, sizeof(cpath));
		city = cpath;
	}
	if (asn == NULL) {
		data_path("geo-asn-test.mmdb", apath, sizeof(apath));
		asn = apath;
	}
	snprintf(conf, sizeof(conf), "geoip_city_db = %s\ngeoip_asn_db = %s\n",
		city, asn);
	return tenv_new(conf);
}

static void assert_empty(const struct crm_place *p)
{
	assert_string_equal(p->country_code, "");
	assert_string_equal(p->country, "");
	assert_string_equal(p->city, "");
	assert_string_equal(p->org, "");
}

static void lookup_ok(struct tenv *t, const char *addr, struct crm_place *p)
{
	struct crm_error err;

	crm_error_clear(&err);
	if (crm_geo_lookup(&t->cfg, addr, p, &err) != CRM_OK)
		fail_msg("lookup %s: %s", addr, err.msg);
}

static void finds_country_city_and_org_of_ipv4(void **state)
{
	struct tenv *t = geo_env(NULL, NULL);
	struct crm_place p;

	(void)state;
	lookup_ok(t, "127.0.1.5", &p);
	assert_string_equal(p.country_code, "CZ");
	assert_string_equal(p.country, "Czechia");
	assert_string_equal(p.city, "Prague");
	assert_string_equal(p.org, "Test Hotel Network s.r.o.");
	lookup_ok(t, "127.0.2.5", &p);
	assert_string_equal(p.country_code, "JP");
	assert_string_equal(p.city, "Tokyo");
	tenv_free(t);
}

static void finds_place_of_ipv6(void **state)
{
	struct tenv *t = geo_env(NULL, NULL);
	struct crm_place p;

	(void)state;
	lookup_ok(t, "2001:db8:2::5", &p);
	assert_string_equal(p.country_code, "CZ");
	assert_string_equal(p.city, "Brno");
	assert_string_equal(p.org, "Test Hotel Network s.r.o.");
	tenv_free(t);
}

static void looks_up_mapped_ipv4_as_ipv4(void **state)
{
	struct tenv *t = geo_env(NULL, NULL);
	struct crm_place p;

	(void)state;
	lookup_ok(t, "::ffff:127.0.1.5", &p);
	assert_string_equal(p.city, "Prague");
	assert_string_equal(p.country, "Czechia");
	tenv_free(t);
}

static void address_without_entry_has_no_place(void **state)
{
	struct tenv *t = geo_env(NULL, NULL);
	struct crm_place p;

	(void)state;
	lookup_ok(t, "127.0.0.5", &p);
	assert_empty(&p);
	lookup_ok(t, "host.example.com", &p);
	assert_empty(&p);
	lookup_ok(t, "", &p);
	assert_empty(&p);
	tenv_free(t);
}

static void missing_database_is_no_place_not_an_error(void **state)
{
	struct tenv *t = geo_env("/nonexistent/GeoLite2-City.mmdb",
		"/nonexistent/GeoLite2-ASN.mmdb");
	struct crm_place p;

	(void)state;
	lookup_ok(t, "127.0.1.5", &p);
	assert_empty(&p);
	tenv_free(t);
}

static void missing_asn_database_keeps_the_city(void **state)
{
	struct tenv *t = geo_env(NULL, "/nonexistent/GeoLite2-ASN.mmdb");
	struct crm_place p;

	(void)state;
	lookup_ok(t, "127.0.1.5", &p);
	assert_string_equal(p.city, "Prague");
	assert_string_equal(p.org, "");
	tenv_free(t);
}

static void corrupt_database_is_eio_naming_the_file(void **state)
{
	struct tenv *t = tenv_new(NULL);
	struct tenv *g;
	struct crm_place p;
	struct crm_error err;
	char *bad = tenv_write(t, "corrupt.mmdb",
		"this is not a MaxMind database, just garbage bytes\n");

	(void)state;
	g = geo_env(bad, NULL);
	memset(&p, 'x', sizeof(p));
	crm_error_clear(&err);
	assert_int_equal(crm_geo_lookup(&g->cfg, "127.0.1.5", &p, &err),
		CRM_EIO);
	assert_non_null(strstr(err.msg, bad));
	assert_empty(&p);
	free(bad);
	tenv_free(g);
	tenv_free(t);
}

static void formats_city_and_country(void **state)
{
	struct crm_place p;
	char buf[256];

	(void)state;
	memset(&p, 0, sizeof(p));
	crm_geo_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "");
	snprintf(p.country, sizeof(p.country), "Czechia");
	crm_geo_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "Czechia");
	snprintf(p.city, sizeof(p.city), "Prague");
	crm_geo_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "Prague, Czechia");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_country_city_and_org_of_ipv4),
		cmocka_unit_test(finds_place_of_ipv6),
		cmocka_unit_test(looks_up_mapped_ipv4_as_ipv4),
		cmocka_unit_test(address_without_entry_has_no_place),
		cmocka_unit_test(missing_database_is_no_place_not_an_error),
		cmocka_unit_test(missing_asn_database_keeps_the_city),
		cmocka_unit_test(corrupt_database_is_eio_naming_the_file),
		cmocka_unit_test(formats_city_and_country),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
