/*
 * Benchmark: the cost of one geolocation lookup (crm_geo_lookup: open both
 * databases, look the address up, close), as on every recorded login:
 * geo CITY.mmdb ASN.mmdb ADDRESS [N]. Prints the mean in microseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#include "crmpolicy/config.h"
#include "crmpolicy/geo.h"

int main(int argc, char **argv)
{
	struct crm_config cfg;
	struct crm_place place;
	struct crm_error err;
	long n = argc > 4 ? strtol(argv[4], NULL, 10) : 10000;
	char where[400];
	double t0;

	if (argc < 4 || n < 1) {
		fprintf(stderr, "usage: geo CITY.mmdb ASN.mmdb ADDRESS [N]\n");
		return 2;
	}
	crm_config_init(&cfg);
	if (crm_config_set(&cfg, "geoip_city_db", argv[1], "bench", &err) ||
			crm_config_set(&cfg, "geoip_asn_db", argv[2], "bench", &err)) {
		fprintf(stderr, "geo: %s\n", err.msg);
		return 2;
	}
	t0 = seconds();
	for (long i = 0; i < n; i++)
		if (crm_geo_lookup(&cfg, argv[3], &place, &err) != CRM_OK) {
			fprintf(stderr, "geo: %s\n", err.msg);
			return 1;
		}
	crm_geo_format(&place, where, sizeof(where));
	printf("geolocation of %s (%s%s%s): %.1f us per lookup over %ld\n",
		argv[3], where[0] ? where : "no place", place.org[0] ? "; " : "",
		place.org,
		(seconds() - t0) / (double)n * 1e6, n);
	crm_config_free(&cfg);
	return 0;
}
