/*
 * Tests of lib/quality.c: every rule refusing and allowing (length in
 * characters, classes, user name, bad-words file), the handling of a
 * missing or unreadable list, and the rule names and messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "crmpolicy/error.h"
#include "crmpolicy/store.h"
#include "crmpolicy/quality.h"

/* A temporary directory holding the bad-words files of one test. */
struct qenv {
	char dir[64];
	char badwords[128];
	struct crm_policy pol;
};

/* The built-in defaults the quality rules read. */
static void default_policy(struct crm_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->num[CRM_K_MINLEN] = 8;
	pol->num[CRM_K_MAXLEN] = 256;
	pol->num[CRM_K_CLASSES] = CRM_CLASS_ALL;
	pol->num[CRM_K_REJECT_USERNAME] = 1;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	struct qenv *q = calloc(1, sizeof(*q));

	if (!q)
		return -1;
	snprintf(q->dir, sizeof(q->dir), "/tmp/crmq.XXXXXX");
	if (!mkdtemp(q->dir)) {
		free(q);
		return -1;
	}
	snprintf(q->badwords, sizeof(q->badwords), "%s/badwords", q->dir);
	default_policy(&q->pol);
	*state = q;
	return 0;
}

static int teardown(void **state)
{
	struct qenv *q = *state;
	char path[160];

	unlink(q->badwords);
	snprintf(path, sizeof(path), "%s/link", q->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/subdir", q->dir);
	rmdir(path);
	rmdir(q->dir);
	free(q);
	return 0;
}

/* The failed-rule bitmask of password for user, with no bad-words list. */
static unsigned check(const struct crm_policy *pol, const char *user,
	const char *pw)
{
	struct crm_error err = { 0, "" };
	unsigned failed = 0xffffffffu;

	assert_int_equal(crm_quality_check(pol, user, pw, NULL, &failed, &err), 0);
	return failed;
}

static void accepts_password_with_all_classes(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "alice", "Tr0ub4dor&3x"), 0);
	/* è is a lower-case letter, so a UTF-8 password has all classes */
	assert_int_equal(check(&q->pol, "alice", "LIId5*p\xc3\xa8I!"), 0);
}

static void refuses_short_password(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "alice", "Ab1!xyz"), CRM_PW_SHORT);
}

static void allows_password_of_exactly_minlen(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "alice", "Ab1!xyzw"), 0);
}

static void counts_minlen_in_characters_not_bytes(void **state)
{
	struct qenv *q = *state;
	/* Èèìòù€1: seven characters in fourteen bytes, every class */
	const char *seven = "\xc3\x88\xc3\xa8\xc3\xac\xc3\xb2\xc3\xb9"
		"\xe2\x82\xac" "1";
	const char *eight = "\xc3\x88\xc3\xa8\xc3\xac\xc3\xb2\xc3\xb9"
		"\xe2\x82\xac" "1\xc3\xa0";

	assert_int_equal(strlen(seven), 14);
	assert_int_equal(check(&q->pol, "alice", seven), CRM_PW_SHORT);
	assert_int_equal(check(&q->pol, "alice", eight), 0);
}

static void refuses_password_over_maxlen(void **state)
{
	struct qenv *q = *state;

	q->pol.num[CRM_K_MAXLEN] = 10;
	assert_int_equal(check(&q->pol, "alice", "Ab1!Ab1!Ab1"), CRM_PW_LONG);
}

static void allows_password_of_maxlen_characters(void **state)
{
	struct qenv *q = *state;

	/* ten characters, fourteen bytes */
	q->pol.num[CRM_K_MAXLEN] = 10;
	assert_int_equal(check(&q->pol, "alice",
		"Ab1!\xc3\xa8\xc3\xa8\xc3\xa8\xc3\xa8xy"), 0);
}

static void refuses_missing_lower(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "alice", "AB12!CDE"), CRM_PW_NO_LOWER);
}

static void refuses_missing_upper(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "alice", "ab12!cde"), CRM_PW_NO_UPPER);
	/* È is an upper-case letter */
	assert_int_equal(check(&q->pol, "alice", "ab12!cd\xc3\x88"), 0);
}

static void refuses_missing_digit(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "alice", "abCD!efg"), CRM_PW_NO_DIGIT);
}

static void refuses_missing_special(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "alice", "abCD12efg"),
		CRM_PW_NO_SPECIAL);
	/* kana have no case and count as special */
	assert_int_equal(check(&q->pol, "alice",
		"abCD12ef\xe3\x83\x91"), 0);
}

static void reports_every_missing_class(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "alice", "abcdefgh"),
		CRM_PW_NO_UPPER | CRM_PW_NO_DIGIT | CRM_PW_NO_SPECIAL);
	/* Japanese only: no letter with case, no digit */
	assert_int_equal(check(&q->pol, "alice",
		"\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89"
		"\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf"),
		CRM_PW_NO_LOWER | CRM_PW_NO_UPPER | CRM_PW_NO_DIGIT);
}

static void allows_subset_of_classes_when_policy_asks_less(void **state)
{
	struct qenv *q = *state;

	q->pol.num[CRM_K_CLASSES] = CRM_CLASS_LOWER | CRM_CLASS_DIGIT;
	assert_int_equal(check(&q->pol, "alice", "abcdefg1"), 0);
	assert_int_equal(check(&q->pol, "alice", "abcdefgh"), CRM_PW_NO_DIGIT);
	q->pol.num[CRM_K_CLASSES] = 0;
	assert_int_equal(check(&q->pol, "alice", "abcdefgh"), 0);
}

static void refuses_empty_password(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "alice", ""),
		CRM_PW_EMPTY | CRM_PW_SHORT);
}

static void refuses_invalid_utf8_only_for_that(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "alice", "Abc1!\xe9xyz"),
		CRM_PW_BAD_UTF8);
	assert_int_equal(check(&q->pol, "alice", "\xc0\xaf"), CRM_PW_BAD_UTF8);
}

static void refuses_user_name_exactly(void **state)
{
	struct qenv *q = *state;

	q->pol.num[CRM_K_MINLEN] = 1;
	q->pol.num[CRM_K_CLASSES] = 0;
	assert_int_equal(check(&q->pol, "marco.rossi", "marco.rossi"),
		CRM_PW_USERNAME);
	/* equality counts even for a short name */
	assert_int_equal(check(&q->pol, "ab", "ab"), CRM_PW_USERNAME);
}

static void refuses_user_name_in_any_case(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "Rossi", "rOSSi2025!"), CRM_PW_USERNAME);
	/* non-ASCII names fold too: Jérôme / JÉRÔME */
	assert_int_equal(check(&q->pol, "j\xc3\xa9r\xc3\xb4me",
		"J\xc3\x89R\xc3\x94ME#1x"), CRM_PW_USERNAME);
}

static void refuses_reversed_user_name(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "alice", "Ecila#2025"), CRM_PW_USERNAME);
	q->pol.num[CRM_K_MINLEN] = 1;
	q->pol.num[CRM_K_CLASSES] = 0;
	assert_int_equal(check(&q->pol, "alice", "ECILA"), CRM_PW_USERNAME);
}

static void refuses_password_containing_user_name(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "bob", "xBob!2026"), CRM_PW_USERNAME);
	assert_int_equal(check(&q->pol, "marco", "1!Aocram99"), CRM_PW_USERNAME);
}

static void allows_short_user_name_inside_password(void **state)
{
	struct qenv *q = *state;

	/* "al" inside a password is chance, not the user name */
	assert_int_equal(check(&q->pol, "al", "Xal9!word"), 0);
}

static void allows_user_name_when_rule_is_off(void **state)
{
	struct qenv *q = *state;

	q->pol.num[CRM_K_REJECT_USERNAME] = 0;
	assert_int_equal(check(&q->pol, "alice", "Alice#2025"), 0);
	q->pol.num[CRM_K_REJECT_USERNAME] = 1;
	assert_int_equal(check(&q->pol, NULL, "Alice#2025"), 0);
	assert_int_equal(check(&q->pol, "", "Alice#2025"), 0);
}

static void refuses_bad_word_in_any_case(void **state)
{
	struct qenv *q = *state;
	struct crm_error err = { 0, "" };
	unsigned failed;

	write_file(q->badwords,
		"# vendor defaults\n"
		"\n"
		"12345Aa!\n"
		"  P@ssw0rd  \n"
		"Summer2025!\r\n"
		"\xc3\x88t\xc3\xa9" "2025!\n");
	assert_int_equal(crm_quality_check(&q->pol, "alice", "12345Aa!",
		q->badwords, &failed, &err), 0);
	assert_int_equal(failed, CRM_PW_BADWORD);
	assert_int_equal(crm_quality_check(&q->pol, "alice", "12345aA!",
		q->badwords, &failed, &err), 0);
	assert_int_equal(failed, CRM_PW_BADWORD);
	assert_int_equal(crm_quality_check(&q->pol, "alice", "p@SSW0RD",
		q->badwords, &failed, &err), 0);
	assert_int_equal(failed, CRM_PW_BADWORD);
	assert_int_equal(crm_quality_check(&q->pol, "alice", "sUMMER2025!",
		q->badwords, &failed, &err), 0);
	assert_int_equal(failed, CRM_PW_BADWORD);
	/* èTÉ2025! matches the list's Èté2025!; a longer one does not */
	assert_int_equal(crm_quality_check(&q->pol, "alice",
		"\xc3\xa8T\xc3\x89" "2025!", q->badwords, &failed, &err), 0);
	assert_int_equal(failed, CRM_PW_BADWORD);
	assert_int_equal(crm_quality_check(&q->pol, "alice",
		"\xc3\xa8T\xc3\x89" "2025!x", q->badwords, &failed, &err), 0);
	assert_int_equal(failed, 0);
}

static void allows_password_not_in_bad_words(void **state)
{
	struct qenv *q = *state;
	struct crm_error err = { 0, "" };
	unsigned failed;

	write_file(q->badwords, "12345Aa!\n# Tr0ub4dor&3x\nP@ssw0rd\n");
	/* a whole-line match only: containing a bad word is fine */
	assert_int_equal(crm_quality_check(&q->pol, "alice", "x12345Aa!",
		q->badwords, &failed, &err), 0);
	assert_int_equal(failed, 0);
	/* a comment is not an entry */
	assert_int_equal(crm_quality_check(&q->pol, "alice", "Tr0ub4dor&3x",
		q->badwords, &failed, &err), 0);
	assert_int_equal(failed, 0);
}

static void matches_last_line_without_newline(void **state)
{
	struct qenv *q = *state;
	struct crm_error err = { 0, "" };
	unsigned failed;

	write_file(q->badwords, "Welcome1!\nChangeme1!");
	assert_int_equal(crm_quality_check(&q->pol, "alice", "cHANGEME1!",
		q->badwords, &failed, &err), 0);
	assert_int_equal(failed, CRM_PW_BADWORD);
}

static void skips_over_long_lines_whole(void **state)
{
	struct qenv *q = *state;
	struct crm_error err = { 0, "" };
	unsigned failed;
	size_t n = 10000, i;
	char *text = malloc(n + 32);

	assert_non_null(text);
	/* a 10 kB line whose tail would read as "Tail#2025x" */
	for (i = 0; i < n - 10; i++)
		text[i] = 'x';
	memcpy(text + n - 10, "Tail#2025x", 10);
	strcpy(text + n, "\nNext#2025x\n");
	write_file(q->badwords, text);
	free(text);
	assert_int_equal(crm_quality_check(&q->pol, "alice", "Tail#2025x",
		q->badwords, &failed, &err), 0);
	assert_int_equal(failed, 0);
	assert_int_equal(crm_quality_check(&q->pol, "alice", "Next#2025x",
		q->badwords, &failed, &err), 0);
	assert_int_equal(failed, CRM_PW_BADWORD);
}

static void treats_missing_bad_words_file_as_no_list(void **state)
{
	struct qenv *q = *state;
	struct crm_error err = { 0, "" };
	unsigned failed;

	assert_int_equal(crm_quality_check(&q->pol, "alice", "12345Aa!",
		q->badwords, &failed, &err), 0);
	assert_int_equal(failed, 0);
	assert_int_equal(crm_quality_check(&q->pol, "alice", "12345Aa!",
		"", &failed, &err), 0);
	assert_int_equal(failed, 0);
}

static void fails_on_unreadable_bad_words_file(void **state)
{
	struct qenv *q = *state;
	struct crm_error err = { 0, "" };
	unsigned failed;
	char path[160];

	/* a directory exists but is no list (works even as root) */
	snprintf(path, sizeof(path), "%s/subdir", q->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(crm_quality_check(&q->pol, "alice", "Tr0ub4dor&3x",
		path, &failed, &err), CRM_EIO);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(failed, 0);
}

static void refuses_bad_words_file_behind_symlink(void **state)
{
	struct qenv *q = *state;
	struct crm_error err = { 0, "" };
	unsigned failed;
	char path[160];

	write_file(q->badwords, "12345Aa!\n");
	snprintf(path, sizeof(path), "%s/link", q->dir);
	assert_int_equal(symlink(q->badwords, path), 0);
	assert_int_equal(crm_quality_check(&q->pol, "alice", "12345Aa!",
		path, &failed, &err), CRM_EIO);
	assert_non_null(strstr(err.msg, path));
}

static void reports_several_rules_at_once(void **state)
{
	struct qenv *q = *state;

	assert_int_equal(check(&q->pol, "bob", "bob"),
		CRM_PW_SHORT | CRM_PW_NO_UPPER | CRM_PW_NO_DIGIT |
		CRM_PW_NO_SPECIAL | CRM_PW_USERNAME);
}

static void names_every_rule(void **state)
{
	static const char *const names[CRM_PW_RULE_COUNT] = {
		"short", "long", "lower", "upper", "digit", "special",
		"username", "badword", "reused", "too_soon", "utf8", "empty",
	};
	unsigned i;

	(void)state;
	for (i = 0; i < CRM_PW_RULE_COUNT; i++)
		assert_string_equal(crm_quality_rule_name(1u << i), names[i]);
	assert_string_equal(crm_quality_rule_name(0), "unknown");
	/* several bits: the lowest names the rule */
	assert_string_equal(crm_quality_rule_name(CRM_PW_NO_DIGIT |
		CRM_PW_USERNAME), "digit");
}

static void explains_each_rule_in_a_sentence(void **state)
{
	struct qenv *q = *state;
	char buf[128];
	unsigned i;

	crm_quality_message(CRM_PW_SHORT, &q->pol, buf, sizeof(buf));
	assert_string_equal(buf, "must be at least 8 characters long");
	crm_quality_message(CRM_PW_LONG, &q->pol, buf, sizeof(buf));
	assert_string_equal(buf, "must be at most 256 characters long");
	crm_quality_message(CRM_PW_NO_DIGIT, &q->pol, buf, sizeof(buf));
	assert_string_equal(buf, "must contain a digit");
	crm_quality_message(CRM_PW_USERNAME, &q->pol, buf, sizeof(buf));
	assert_string_equal(buf, "contains the user name");
	crm_quality_message(CRM_PW_REUSED, &q->pol, buf, sizeof(buf));
	assert_string_equal(buf, "was used recently");
	crm_quality_message(CRM_PW_BADWORD, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "is a known weak password");
	for (i = 0; i < CRM_PW_RULE_COUNT; i++) {
		crm_quality_message(1u << i, &q->pol, buf, sizeof(buf));
		assert_true(strlen(buf) > 0);
	}
	crm_quality_message(CRM_PW_NO_SPECIAL, &q->pol, buf, 5);
	assert_string_equal(buf, "must");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(accepts_password_with_all_classes),
		T(refuses_short_password),
		T(allows_password_of_exactly_minlen),
		T(counts_minlen_in_characters_not_bytes),
		T(refuses_password_over_maxlen),
		T(allows_password_of_maxlen_characters),
		T(refuses_missing_lower),
		T(refuses_missing_upper),
		T(refuses_missing_digit),
		T(refuses_missing_special),
		T(reports_every_missing_class),
		T(allows_subset_of_classes_when_policy_asks_less),
		T(refuses_empty_password),
		T(refuses_invalid_utf8_only_for_that),
		T(refuses_user_name_exactly),
		T(refuses_user_name_in_any_case),
		T(refuses_reversed_user_name),
		T(refuses_password_containing_user_name),
		T(allows_short_user_name_inside_password),
		T(allows_user_name_when_rule_is_off),
		T(refuses_bad_word_in_any_case),
		T(allows_password_not_in_bad_words),
		T(matches_last_line_without_newline),
		T(skips_over_long_lines_whole),
		T(treats_missing_bad_words_file_as_no_list),
		T(fails_on_unreadable_bad_words_file),
		T(refuses_bad_words_file_behind_symlink),
		T(reports_several_rules_at_once),
		T(names_every_rule),
		T(explains_each_rule_in_a_sentence),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
