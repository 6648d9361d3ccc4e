/*
 * Geolocation of a remote address with libmaxminddb: country, city and
 * organisation from GeoLite2-City and -ASN shaped databases. A missing
 * database or an address without an entry gives an empty place, never an
 * error: geolocation informs, it never decides.
 */
#ifndef CRMPOLICY_GEO_H
#define CRMPOLICY_GEO_H

#include "crmpolicy/config.h"

struct crm_place {
	char country_code[8];	/* "CZ" */
	char country[96];	/* "Czechia" (English name) */
	char city[128];		/* "Prague" */
	char org[192];		/* "Test Hotel Network s.r.o." */
};

/*
 * Looks addr (an IPv4 or IPv6 address, ::ffff:a.b.c.d as IPv4) up in
 * cfg's geoip_city_db and geoip_asn_db. Fills place (all empty when
 * nothing is known). Returns 0, or CRM_EIO when an existing database is
 * unreadable or corrupt (place is then empty; callers log and go on).
 */
int crm_geo_lookup(const struct crm_config *cfg, const char *addr,
	struct crm_place *place, struct crm_error *err);

/*
 * Both databases held open, for a long-running caller (the registrar
 * daemon) that looks many addresses up: crm_geo_open opens the files that
 * exist (a missing one stays closed, as crm_geo_lookup treats it), and
 * crm_geo_lookup_with looks up in them; with geo NULL it opens and closes
 * the files each time, as crm_geo_lookup does.
 */
struct crm_geo;
int crm_geo_open(const struct crm_config *cfg, struct crm_geo **geo,
	struct crm_error *err);
void crm_geo_close(struct crm_geo *geo);
int crm_geo_lookup_with(struct crm_geo *geo, const struct crm_config *cfg,
	const char *addr, struct crm_place *place, struct crm_error *err);

/* "City, Country", "Country", or "" into buf. */
void crm_geo_format(const struct crm_place *place, char *buf, size_t len);

#endif
