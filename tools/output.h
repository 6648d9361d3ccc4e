/*
 * crmpasswd's output: aligned text tables, ISO 8601 UTC times and JSON.
 * JSON is built by SQLite's JSON functions on an in-memory database with
 * bound parameters, so no string is ever escaped by hand.
 */
#ifndef CRM_OUTPUT_H
#define CRM_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Opens the in-memory database the JSON builders use; 0 or -1. */
int out_init(void);
void out_done(void);

/*
 * JSON values are malloc'd texts that each call replaces in place. They
 * return 0, or -1 (out of memory or a SQLite failure) leaving *json as it
 * was; a NULL val is stored as JSON null.
 */
char *json_new_object(void);
char *json_new_array(void);
int json_set_str(char **json, const char *key, const char *val);
int json_set_int(char **json, const char *key, long long val);
int json_set_bool(char **json, const char *key, int val);
/* Sets key to the JSON text raw (an object or array built here). */
int json_set_raw(char **json, const char *key, const char *raw);
/* Sets key to an ISO 8601 UTC time string, or null when t is 0. */
int json_set_time(char **json, const char *key, int64_t t);
int json_push_str(char **json, const char *val);
/* An array of the names of a comma list ("a,b" -> ["a","b"]). */
char *json_from_list(const char *comma_list);

/*
 * A long top-level array is gathered in a table and joined once by
 * json_group_array, so adding a row does not re-parse the whole array.
 */
int out_list_begin(void);
int out_list_add(const char *json);
/* Prints the gathered array and a newline; 0 or -1. */
int out_list_print(FILE *f);
/* The gathered array as JSON text (malloc'd), to nest it; NULL on failure. */
char *out_list_json(void);
/* Prints one JSON text and a newline. */
int out_json_print(FILE *f, const char *json);

/*
 * A time for --since/--until: "YYYY-MM-DD" (midnight UTC),
 * "YYYY-MM-DDTHH:MM:SSZ" or a span back from now ("-7d", "-12h", "-30m").
 * Returns 0, or -1 for anything else.
 */
int out_parse_time(const char *s, int64_t now, int64_t *out);

/* ISO 8601 UTC ("2026-01-01T00:00:00Z"); t == 0 gives none_text. */
void out_time(int64_t t, const char *none_text, char *buf, size_t len);

/* A text table with a header row; cells are copied. */
struct table {
	size_t ncols, nrows, cap;
	char **cells;		/* nrows * ncols, row 0 = header */
};
int table_init(struct table *t, size_t ncols, const char *const *header);
int table_add(struct table *t, const char *const *cells);
/* Prints the columns aligned by characters; control bytes shown as '?'. */
void table_print(const struct table *t, FILE *f);
/*
 * Prints the table as CSV (RFC 4180): every cell quoted when it holds a
 * comma, quote, CR or LF, quotes doubled, lines ended by CRLF.
 */
void table_print_csv(const struct table *t, FILE *f);
void table_free(struct table *t);

/*
 * A listing command's output: with --json the rows are objects gathered
 * into one array, otherwise cells of a table printed at the end as text
 * or, with --csv, as CSV. The functions return crmpasswd exit codes.
 */
struct listing {
	int json, csv;
	struct table t;
	int failed;		/* a row could not be added */
};
/* CLI_OK, or CLI_FAIL after printing "out of memory". */
int listing_begin(struct listing *l, int json, int csv, size_t ncols,
	const char *const *header);
/*
 * Adds a row: json (an object; NULL when it could not be built) with
 * --json, else cells. 0, or -1 with failed set; prints nothing.
 */
int listing_row(struct listing *l, const char *json,
	const char *const *cells);
/*
 * Adds a row built as JSON (may be NULL: it could not be built) and frees
 * it: 0, or CRM_ENOMEM with failed set, for the callbacks of the core's
 * foreach functions.
 */
int listing_take(struct listing *l, char *json);
/*
 * Prints the rows when rc is 0 and frees the table. A non-zero rc is
 * either a core code described by err (reported here, as "cannot build
 * the output" when a row failed) or, with err NULL, an exit code already
 * reported. Returns the exit code.
 */
struct crm_error;
int listing_end(struct listing *l, int rc, const struct crm_error *err);

/* Prints "label value" with the labels of one block aligned to width. */
void out_field(FILE *f, int width, const char *label, const char *value);

#endif
