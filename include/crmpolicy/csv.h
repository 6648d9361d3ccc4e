/*
 * CSV as RFC 4180 has it: fields separated by commas, records by CRLF (a
 * bare LF is accepted), a field in double quotes may hold commas, quotes
 * (doubled) and line breaks. Reading reports the line of every problem.
 */
#ifndef CRMPOLICY_CSV_H
#define CRMPOLICY_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "crmpolicy/error.h"

#define CRM_CSV_MAX_BYTES (16L * 1024 * 1024)
#define CRM_CSV_MAX_FIELDS 64

struct crm_csv_row {
	long line;		/* the line the record starts on (1-based) */
	size_t n;		/* fields */
	char **field;		/* malloc'd texts */
};

struct crm_csv {
	size_t n, cap;
	struct crm_csv_row *row;
};

/*
 * Parses text (len bytes; a leading UTF-8 byte-order mark is skipped)
 * into out. Blank lines between records are skipped. Refuses a NUL
 * byte, a quote inside an unquoted field, text after a closing quote,
 * an unterminated quote, more than CRM_CSV_MAX_FIELDS fields: CRM_EINVAL
 * with err naming the line. out is empty on error.
 */
int crm_csv_parse(const char *text, size_t len, struct crm_csv *out,
	struct crm_error *err) __attribute__((warn_unused_result));

/* Reads and parses a file of at most CRM_CSV_MAX_BYTES. */
int crm_csv_read(const char *path, struct crm_csv *out, struct crm_error *err)
	__attribute__((warn_unused_result));

void crm_csv_free(struct crm_csv *csv);

/*
 * Writes one field as RFC 4180 wants it: quoted (quotes doubled) when it
 * holds a comma, a quote, CR or LF, or starts with a UTF-8 byte-order
 * mark (which the reader skips at the start of a file).
 */
void crm_csv_put(FILE *f, const char *field);

/*
 * Writes n fields as one record ended by CRLF; a lone empty field is
 * written "" so that the record is not read as a blank line.
 */
void crm_csv_put_row(FILE *f, const char *const *fields, size_t n);

#endif
