/*
 * lib/csv.c: RFC 4180 reading with the line of every record and problem,
 * and the writer crmpasswd's CSV output uses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crmpolicy/csv.h"

static void parse_ok(const char *text, struct crm_csv *c)
{
	struct crm_error e;

	crm_error_clear(&e);
	if (crm_csv_parse(text, strlen(text), c, &e) != 0)
		fail_msg("parse failed: %s", e.msg);
}

static void parse_bad(const char *text, const char *want)
{
	struct crm_csv c;
	struct crm_error e;

	crm_error_clear(&e);
	assert_int_equal(crm_csv_parse(text, strlen(text), &c, &e), CRM_EINVAL);
	if (strstr(e.msg, want) == NULL)
		fail_msg("error '%s' lacks '%s'", e.msg, want);
	assert_int_equal(c.n, 0);
}

static void reads_plain_records_with_crlf_or_lf(void **state)
{
	struct crm_csv c;

	(void)state;
	parse_ok("a,b,c\r\nd,e,f\nlast,row", &c);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.row[0].n, 3);
	assert_string_equal(c.row[0].field[2], "c");
	assert_string_equal(c.row[1].field[0], "d");
	assert_string_equal(c.row[2].field[1], "row");
	assert_int_equal(c.row[2].line, 3);
	crm_csv_free(&c);
}

static void reads_quoted_commas_quotes_and_line_breaks(void **state)
{
	struct crm_csv c;

	(void)state;
	parse_ok("name,note\r\n\"Doe, Jane\",\"said \"\"hi\"\"\r\nthen left\"\r\n"
		"x,y\r\n", &c);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.row[1].field[0], "Doe, Jane");
	assert_string_equal(c.row[1].field[1], "said \"hi\"\r\nthen left");
	/* The record after a two-line field starts on line 4. */
	assert_int_equal(c.row[1].line, 2);
	assert_int_equal(c.row[2].line, 4);
	crm_csv_free(&c);
}

static void keeps_empty_fields_and_skips_blank_lines(void **state)
{
	struct crm_csv c;

	(void)state;
	parse_ok("a,,\n\n\r\n,b\n", &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.row[0].n, 3);
	assert_string_equal(c.row[0].field[1], "");
	assert_string_equal(c.row[0].field[2], "");
	assert_int_equal(c.row[1].n, 2);
	assert_string_equal(c.row[1].field[0], "");
	assert_int_equal(c.row[1].line, 4);
	crm_csv_free(&c);
}

static void skips_a_byte_order_mark(void **state)
{
	struct crm_csv c;

	(void)state;
	parse_ok("\xef\xbb\xbfusername\nalice\n", &c);
	assert_string_equal(c.row[0].field[0], "username");
	crm_csv_free(&c);
}

static void refuses_malformed_quoting_naming_the_line(void **state)
{
	(void)state;
	parse_bad("a,b\nc,d\"e\n", "line 2: a quote inside an unquoted field");
	parse_bad("a\n\"b\"c\n", "line 2: text after a closing quote");
	parse_bad("a\nb\n\"never closed,\nx\n", "line 3: a quoted field is not closed");
}

static void refuses_nul_bytes_and_too_many_fields(void **state)
{
	char many[CRM_CSV_MAX_FIELDS * 2 + 8];
	struct crm_csv c;
	struct crm_error e;

	(void)state;
	assert_int_equal(crm_csv_parse("a\nb\0c\n", 6, &c, &e), CRM_EINVAL);
	assert_non_null(strstr(e.msg, "line 2: a NUL byte"));
	memset(many, ',', CRM_CSV_MAX_FIELDS);
	strcpy(many + CRM_CSV_MAX_FIELDS, "\n");
	parse_bad(many, "line 1: more than");
}

static void writes_fields_quoted_only_when_needed(void **state)
{
	const char *fields[] = { "plain", "a,b", "say \"x\"", "two\nlines", "" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct crm_csv c;

	(void)state;
	crm_csv_put_row(f, fields, 5);
	fclose(f);
	assert_string_equal(buf,
		"plain,\"a,b\",\"say \"\"x\"\"\",\"two\nlines\",\r\n");
	/* What is written reads back the same. */
	parse_ok(buf, &c);
	assert_int_equal(c.n, 1);
	for (int i = 0; i < 5; i++)
		assert_string_equal(c.row[0].field[i], fields[i]);
	crm_csv_free(&c);
	free(buf);
}

/*
 * Records that written bare would read back as something else: a lone
 * empty field (a blank line, skipped) and a first field starting with a
 * byte-order mark (skipped as the file's). Both found by fuzz_csv.
 */
static void writes_records_that_read_back_the_same(void **state)
{
	const char *empty[] = { "" }, *bom[] = { "\xef\xbb\xbfx", "y" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct crm_csv c;

	(void)state;
	crm_csv_put_row(f, bom, 2);
	crm_csv_put_row(f, empty, 1);
	fclose(f);
	assert_string_equal(buf, "\"\xef\xbb\xbfx\",y\r\n\"\"\r\n");
	parse_ok(buf, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.row[0].n, 2);
	assert_string_equal(c.row[0].field[0], bom[0]);
	assert_int_equal(c.row[1].n, 1);
	assert_string_equal(c.row[1].field[0], "");
	crm_csv_free(&c);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_plain_records_with_crlf_or_lf),
		cmocka_unit_test(reads_quoted_commas_quotes_and_line_breaks),
		cmocka_unit_test(keeps_empty_fields_and_skips_blank_lines),
		cmocka_unit_test(skips_a_byte_order_mark),
		cmocka_unit_test(refuses_malformed_quoting_naming_the_line),
		cmocka_unit_test(refuses_nul_bytes_and_too_many_fields),
		cmocka_unit_test(writes_fields_quoted_only_when_needed),
		cmocka_unit_test(writes_records_that_read_back_the_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
