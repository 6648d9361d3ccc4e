/*
 * crmpasswd's output: text tables aligned by characters, times in ISO 8601
 * UTC, and JSON made by SQLite's JSON functions (bound parameters on an
 * in-memory database) rather than by escaping strings here.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "cli.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/utf8.h"
#include "crmpolicy/csv.h"
#include "output.h"

/* The command's one scratch database; opened by out_init. */
static sqlite3 *mem;

int out_init(void)
{
	if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_MEMORY, NULL) != SQLITE_OK)
		return -1;
	return sqlite3_exec(mem, "CREATE TABLE out_list("
		"id INTEGER PRIMARY KEY, j TEXT NOT NULL)", NULL, NULL,
		NULL) == SQLITE_OK ? 0 : -1;
}

void out_done(void)
{
	sqlite3_close(mem);
	mem = NULL;
}

enum vkind { V_NULL, V_TEXT, V_INT };

/*
 * Runs one "SELECT f(?1, ?2, ?3)" with ?1 = the current JSON text, ?2 =
 * path and ?3 = the value; the result replaces *json.
 */
static int apply(char **json, const char *sql, const char *path,
	enum vkind kind, const char *s, long long n)
{
	sqlite3_stmt *st = NULL;
	char *res = NULL;
	int ok = 0;

	if (mem == NULL || sqlite3_prepare_v2(mem, sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, *json ? *json : "null", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (kind == V_TEXT && s != NULL)
		sqlite3_bind_text(st, 3, s, -1, SQLITE_STATIC);
	else if (kind == V_INT)
		sqlite3_bind_int64(st, 3, n);
	else
		sqlite3_bind_null(st, 3);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		res = strdup((const char *)sqlite3_column_text(st, 0));
		ok = res != NULL;
	}
	sqlite3_finalize(st);
	if (!ok)
		return -1;
	free(*json);
	*json = res;
	return 0;
}

static void key_path(const char *key, char *buf, size_t len)
{
	snprintf(buf, len, "$.\"%s\"", key);
}

char *json_new_object(void)
{
	return strdup("{}");
}

char *json_new_array(void)
{
	return strdup("[]");
}

int json_set_str(char **json, const char *key, const char *val)
{
	char path[96];

	key_path(key, path, sizeof(path));
	return apply(json, "SELECT json_set(?1, ?2, ?3)", path,
		val ? V_TEXT : V_NULL, val, 0);
}

int json_set_int(char **json, const char *key, long long val)
{
	char path[96];

	key_path(key, path, sizeof(path));
	return apply(json, "SELECT json_set(?1, ?2, ?3)", path, V_INT, NULL,
		val);
}

int json_set_bool(char **json, const char *key, int val)
{
	char path[96];

	key_path(key, path, sizeof(path));
	return apply(json, "SELECT json_set(?1, ?2, "
		"json(CASE WHEN ?3 THEN 'true' ELSE 'false' END))", path, V_INT,
		NULL, val != 0);
}

int json_set_raw(char **json, const char *key, const char *raw)
{
	char path[96];

	key_path(key, path, sizeof(path));
	return apply(json, "SELECT json_set(?1, ?2, json(?3))", path,
		raw ? V_TEXT : V_NULL, raw, 0);
}

/* JSON is for programs: ISO 8601 whatever the locale. */
int json_set_time(char **json, const char *key, int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_set_str(json, key, NULL);
	return json_set_str(json, key, buf);
}

int json_push_str(char **json, const char *val)
{
	return apply(json, "SELECT json_insert(?1, ?2, ?3)", "$[#]",
		val ? V_TEXT : V_NULL, val, 0);
}

char *json_from_list(const char *list)
{
	char *arr = json_new_array(), *copy, *save = NULL;

	if (arr == NULL || list == NULL)
		return arr;
	copy = strdup(list);
	if (copy == NULL) {
		free(arr);
		return NULL;
	}
	for (char *w = strtok_r(copy, ",", &save); w != NULL;
	     w = strtok_r(NULL, ",", &save)) {
		if (json_push_str(&arr, w) != 0) {
			free(arr);
			arr = NULL;
			break;
		}
	}
	free(copy);
	return arr;
}

int out_list_begin(void)
{
	return sqlite3_exec(mem, "DELETE FROM out_list", NULL, NULL, NULL) ==
		SQLITE_OK ? 0 : -1;
}

int out_list_add(const char *json)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (json == NULL || sqlite3_prepare_v2(mem,
	    "INSERT INTO out_list(j) VALUES (json(?1))", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

char *out_list_json(void)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	char *res = NULL;

	if (sqlite3_prepare_v2(mem, "SELECT json_group_array(json(j)) FROM "
	    "(SELECT j FROM out_list ORDER BY id)", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (t = sqlite3_column_text(st, 0)) != NULL)
		res = strdup((const char *)t);
	sqlite3_finalize(st);
	return res;
}

int out_list_print(FILE *f)
{
	char *json = out_list_json();
	int rc = out_json_print(f, json);

	free(json);
	return rc;
}

int out_json_print(FILE *f, const char *json)
{
	if (json == NULL)
		return -1;
	fprintf(f, "%s\n", json);
	return 0;
}

/*
 * Whether times are for people in the caller's locale (text output) or
 * ISO 8601 for programs (--csv, the C locale): crmpasswd runs one
 * command, and listing_begin says which output it makes.
 */
static int g_iso = -1;

static int times_iso(void)
{
	const char *l;

	if (g_iso >= 0)
		return g_iso;
	l = setlocale(LC_TIME, NULL);
	return l == NULL || strcmp(l, "C") == 0 || strcmp(l, "POSIX") == 0 ||
		strncmp(l, "C.", 2) == 0;
}

void out_time(int64_t t, const char *none_text, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	size_t n;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(buf, len, "%s", none_text);
		return;
	}
	/* The locale's own date is what its reader expects, two-digit year
	 * or not (-Wformat-y2k warns of exactly that). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-y2k"
	n = times_iso() ? strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm)
		: strftime(buf, len, "%x %X UTC", &tm);
#pragma GCC diagnostic pop
	if (n == 0)
		snprintf(buf, len, "%s", none_text);
}

/* ---- text tables ---- */

/* Columns, not bytes: wide characters take two, see crm_utf8_width. */
static size_t width(const char *s)
{
	long w = crm_utf8_width(s);

	if (w >= 0)
		return (size_t)w;
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* A terminal must never receive a control byte from stored data. */
static void put_clean(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		fputc(ch < 0x20 || ch == 0x7f ? '?' : ch, f);
	}
}

int table_init(struct table *t, size_t ncols, const char *const *header)
{
	t->ncols = ncols;
	t->nrows = 0;
	t->cap = 0;
	t->cells = NULL;
	return table_add(t, header);
}

int table_add(struct table *t, const char *const *cells)
{
	size_t base = t->nrows * t->ncols;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->cells, cap * t->ncols * sizeof(*p));

		if (p == NULL)
			return -1;
		t->cells = p;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		t->cells[base + i] = strdup(cells[i] ? cells[i] : "");
		if (t->cells[base + i] == NULL) {
			for (size_t j = 0; j < i; j++)
				free(t->cells[base + j]);
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

void table_print(const struct table *t, FILE *f)
{
	size_t w[16] = { 0 };
	size_t ncols = t->ncols < 16 ? t->ncols : 16;

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < ncols; c++) {
			size_t cw = width(t->cells[r * t->ncols + c]);

			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			put_clean(f, cell);
			if (c + 1 < ncols)
				for (size_t k = width(cell); k < w[c] + 2; k++)
					fputc(' ', f);
		}
		fputc('\n', f);
	}
}

void table_print_csv(const struct table *t, FILE *f)
{
	for (size_t r = 0; r < t->nrows; r++)
		crm_csv_put_row(f, (const char *const *)&t->cells[r * t->ncols],
			t->ncols);
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

int listing_begin(struct listing *l, int json, int csv, size_t ncols,
	const char *const *header)
{
	const char *shown[16];

	memset(l, 0, sizeof(*l));
	l->json = json;
	l->csv = csv;
	/* CSV is for programs: English headings and ISO 8601 times. */
	g_iso = csv ? 1 : -1;
	for (size_t i = 0; i < ncols && i < 16; i++)
		shown[i] = csv ? header[i] : _(header[i]);
	if (ncols > 16 || table_init(&l->t, ncols, shown) != 0 ||
	    out_list_begin() != 0) {
		table_free(&l->t);
		return cli_error(CLI_FAIL, _("out of memory"));
	}
	return CLI_OK;
}

int listing_row(struct listing *l, const char *json,
	const char *const *cells)
{
	int bad = l->json ? json == NULL || out_list_add(json) != 0
		: table_add(&l->t, cells) != 0;

	l->failed |= bad;
	return bad ? -1 : 0;
}

int listing_take(struct listing *l, char *json)
{
	int bad = listing_row(l, json, NULL);

	free(json);
	return bad ? CRM_ENOMEM : 0;
}

int listing_end(struct listing *l, int rc, const struct crm_error *err)
{
	if (rc != 0 && err != NULL)
		rc = l->failed ? cli_error(CLI_FAIL,
			_("cannot build the output")) : cli_fail(err);
	else if (rc == 0 && l->json)
		rc = out_list_print(stdout) == 0 ? CLI_OK
			: cli_error(CLI_FAIL, _("cannot build JSON output"));
	else if (rc == 0 && l->csv)
		table_print_csv(&l->t, stdout);
	else if (rc == 0)
		table_print(&l->t, stdout);
	table_free(&l->t);
	return rc;
}

void out_field(FILE *f, int w, const char *label, const char *value)
{
	size_t lw = width(label);

	put_clean(f, label);
	/* At least one space, however long a translated label is. */
	for (size_t k = lw; k < (size_t)w + 1 || k == lw; k++)
		fputc(' ', f);
	put_clean(f, value);
	fputc('\n', f);
}

/* 1 if s has the shape of pat, where 'd' stands for a digit. */
static int shaped(const char *s, const char *pat)
{
	for (; *pat; s++, pat++) {
		if (*pat == 'd' ? (*s < '0' || *s > '9') : *s != *pat)
			return 0;
	}
	return *s == '\0';
}

int out_parse_time(const char *s, int64_t now, int64_t *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = -1;
	long long v;
	char unit;

	if (s[0] == '-') {
		if (s[1] < '0' || s[1] > '9' ||
		    sscanf(s, "-%lld%c%n", &v, &unit, &n) != 2 ||
		    (size_t)n != strlen(s) || v < 0 || v > 36500LL * 24)
			return -1;
		switch (unit) {
		case 'd': v *= 86400; break;
		case 'h': v *= 3600; break;
		case 'm': v *= 60; break;
		default: return -1;
		}
		*out = now - v;
		return 0;
	}
	if (shaped(s, "dddd-dd-dd")) {
		if (sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) != 3)
			return -1;
	} else if (shaped(s, "dddd-dd-ddTdd:dd:ddZ")) {
		if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi,
				&sec) != 6)
			return -1;
	} else {
		return -1;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm);
	/* timegm normalises 2026-02-31 to March: refuse such dates. */
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	return 0;
}
