/*
 * Geolocation with libmaxminddb: country and city from a GeoLite2-City
 * shaped database, organisation from a GeoLite2-ASN shaped one. Each lookup
 * opens and closes its databases, so nothing is kept between calls; a
 * missing file means no place, a damaged one is CRM_EIO.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <maxminddb.h>

#include "crmpolicy/addr.h"
#include "crmpolicy/geo.h"
#include "crmpolicy/i18n.h"

/* Copies one UTF-8 string value into dst; other types are ignored. */
static void take(const MMDB_entry_data_s *d, char *dst, size_t len)
{
	size_t n;

	if (!d->has_data || d->type != MMDB_DATA_TYPE_UTF8_STRING)
		return;
	n = d->data_size < len - 1 ? d->data_size : len - 1;
	memcpy(dst, d->utf8_string, n);
	dst[n] = '\0';
}

/*
 * Reads the value at path (NULL-terminated) into dst. A path that the
 * entry does not have is no error: records differ in what they carry.
 */
static int value(MMDB_entry_s *entry, const char *const *path, char *dst,
	size_t len)
{
	MMDB_entry_data_s d;
	int rc = MMDB_aget_value(entry, &d, path);

	if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR ||
	    rc == MMDB_INVALID_LOOKUP_PATH_ERROR)
		return MMDB_SUCCESS;
	if (rc == MMDB_SUCCESS)
		take(&d, dst, len);
	return rc;
}

enum db_kind { DB_CITY, DB_ASN, DB_KINDS };

struct crm_geo {
	MMDB_s db[DB_KINDS];
	int open[DB_KINDS];
};

/*
 * Opens one database into *mmdb. *opened = 0 when the file is missing
 * (no geolocation, not an error); CRM_EIO when it cannot be read.
 */
static int open_db(const char *path, MMDB_s *mmdb, int *opened,
	struct crm_error *err)
{
	int rc;

	*opened = 0;
	if (path == NULL || path[0] == '\0')
		return 0;
	rc = MMDB_open(path, MMDB_MODE_MMAP, mmdb);
	if (rc != MMDB_SUCCESS) {
		int e = errno;
		struct stat st;

		if (rc == MMDB_FILE_OPEN_ERROR && (e == ENOENT ||
		    (stat(path, &st) != 0 && errno == ENOENT)))
			return 0;
		if (rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR)
			return crm_error_set(err, CRM_EIO,
				_("geolocation database %s: %s"), path,
				strerror(e));
		return crm_error_set(err, CRM_EIO,
			_("geolocation database %s: %s"), path,
			MMDB_strerror(rc));
	}
	*opened = 1;
	return 0;
}

/* Looks addr up in one open database and fills its part of place. */
static int lookup(MMDB_s *mmdb, const char *path, enum db_kind kind,
	const char *addr, struct crm_place *place, struct crm_error *err)
{
	static const char *const cc[] = { "country", "iso_code", NULL };
	static const char *const country[] = { "country", "names", "en", NULL };
	static const char *const city[] = { "city", "names", "en", NULL };
	static const char *const org[] = { "autonomous_system_organization",
		NULL };
	MMDB_lookup_result_s res;
	int rc, gai = 0, mrc = MMDB_SUCCESS;

	res = MMDB_lookup_string(mmdb, addr, &gai, &mrc);
	/* Not an address after all: nothing to find, nothing wrong. */
	if (gai != 0)
		return 0;
	rc = mrc;
	if (rc == MMDB_SUCCESS && res.found_entry) {
		if (kind == DB_CITY) {
			rc = value(&res.entry, cc, place->country_code,
				sizeof(place->country_code));
			if (rc == MMDB_SUCCESS)
				rc = value(&res.entry, country, place->country,
					sizeof(place->country));
			if (rc == MMDB_SUCCESS)
				rc = value(&res.entry, city, place->city,
					sizeof(place->city));
		} else {
			rc = value(&res.entry, org, place->org,
				sizeof(place->org));
		}
	}
	if (rc != MMDB_SUCCESS)
		return crm_error_set(err, CRM_EIO,
			_("geolocation database %s: %s"), path,
			MMDB_strerror(rc));
	return 0;
}

static const char *db_path(const struct crm_config *cfg, enum db_kind kind)
{
	return cfg->str[kind == DB_CITY ? CRM_K_GEOIP_CITY_DB :
		CRM_K_GEOIP_ASN_DB];
}

int crm_geo_open(const struct crm_config *cfg, struct crm_geo **geo,
	struct crm_error *err)
{
	struct crm_geo *g = calloc(1, sizeof(*g));
	int rc = 0;

	*geo = NULL;
	if (g == NULL)
		return crm_error_set(err, CRM_ENOMEM, _("out of memory"));
	for (int k = 0; k < DB_KINDS && rc == 0; k++)
		rc = open_db(db_path(cfg, (enum db_kind)k), &g->db[k],
			&g->open[k], err);
	if (rc != 0) {
		crm_geo_close(g);
		return rc;
	}
	*geo = g;
	return 0;
}

void crm_geo_close(struct crm_geo *geo)
{
	if (geo == NULL)
		return;
	for (int k = 0; k < DB_KINDS; k++)
		if (geo->open[k])
			MMDB_close(&geo->db[k]);
	free(geo);
}

int crm_geo_lookup_with(struct crm_geo *geo, const struct crm_config *cfg,
	const char *addr, struct crm_place *place, struct crm_error *err)
{
	struct crm_addr a;
	char canon[64];
	int rc = 0;

	memset(place, 0, sizeof(*place));
	/*
	 * Only addresses are looked up, and in canonical form: this folds
	 * ::ffff:a.b.c.d to the IPv4 address the databases file it under.
	 */
	if (addr == NULL || !crm_addr_parse(addr, &a))
		return 0;
	crm_addr_format(&a, canon, sizeof(canon));
	for (int k = 0; k < DB_KINDS && rc == 0; k++) {
		MMDB_s one;
		int opened = 0;

		if (geo != NULL) {
			if (geo->open[k])
				rc = lookup(&geo->db[k], db_path(cfg,
					(enum db_kind)k), (enum db_kind)k, canon,
					place, err);
			continue;
		}
		rc = open_db(db_path(cfg, (enum db_kind)k), &one, &opened, err);
		if (rc == 0 && opened)
			rc = lookup(&one, db_path(cfg, (enum db_kind)k),
				(enum db_kind)k, canon, place, err);
		if (opened)
			MMDB_close(&one);
	}
	if (rc != 0)
		memset(place, 0, sizeof(*place));
	return rc;
}

int crm_geo_lookup(const struct crm_config *cfg, const char *addr,
	struct crm_place *place, struct crm_error *err)
{
	return crm_geo_lookup_with(NULL, cfg, addr, place, err);
}

void crm_geo_format(const struct crm_place *place, char *buf, size_t len)
{
	if (len == 0)
		return;
	if (place->city[0] && place->country[0])
		snprintf(buf, len, "%s, %s", place->city, place->country);
	else if (place->country[0])
		snprintf(buf, len, "%s", place->country);
	else
		snprintf(buf, len, "%s", place->city);
}
