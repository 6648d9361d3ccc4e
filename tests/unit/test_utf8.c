/*
 * Tests of lib/utf8.c: strict validation, length in characters, character
 * classes without a locale, folding, reversal, name and remote-host checks
 * and the printable copies used in log lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crmpolicy/config.h"
#include "crmpolicy/utf8.h"

static void counts_characters_not_bytes(void **state)
{
	(void)state;
	assert_int_equal(crm_utf8_len(""), 0);
	assert_int_equal(crm_utf8_len("abc"), 3);
	assert_int_equal(crm_utf8_len("LIId5*p\xc3\xa8I!"), 10);
	/* パスワード: five characters, fifteen bytes */
	assert_int_equal(crm_utf8_len("\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf"
		"\xe3\x83\xbc\xe3\x83\x89"), 5);
	/* U+1F600, four bytes */
	assert_int_equal(crm_utf8_len("\xf0\x9f\x98\x80"), 1);
	assert_int_equal(crm_utf8_len("\xf4\x8f\xbf\xbf"), 1);	/* U+10FFFF */
	assert_int_equal(crm_utf8_len("\xed\x9f\xbf"), 1);	/* U+D7FF */
	assert_int_equal(crm_utf8_len("\xee\x80\x80"), 1);	/* U+E000 */
}

static void refuses_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"\x80",			/* lone continuation byte */
		"\xbf",
		"\xc3",			/* truncated */
		"a\xc3",
		"\xe3\x83",
		"\xf0\x9f\x98",
		"\xc0\xaf",		/* overlong '/' */
		"\xc1\xbf",
		"\xe0\x80\xaf",		/* overlong, three bytes */
		"\xe0\x9f\xbf",
		"\xf0\x80\x80\xaf",	/* overlong, four bytes */
		"\xf0\x8f\xbf\xbf",
		"\xed\xa0\x80",		/* U+D800, a surrogate */
		"\xed\xbf\xbf",		/* U+DFFF */
		"\xf4\x90\x80\x80",	/* U+110000 */
		"\xf5\x80\x80\x80",
		"\xfe",
		"\xff",
		"abc\xe9xyz",		/* Latin-1 */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(crm_utf8_len(bad[i]), -1);
	assert_int_equal(crm_utf8_len(NULL), -1);
}

static void classifies_ascii(void **state)
{
	(void)state;
	assert_int_equal(crm_utf8_classes("abc"), CRM_CLASS_LOWER);
	assert_int_equal(crm_utf8_classes("ABC"), CRM_CLASS_UPPER);
	assert_int_equal(crm_utf8_classes("123"), CRM_CLASS_DIGIT);
	assert_int_equal(crm_utf8_classes("!* ~"), CRM_CLASS_SPECIAL);
	assert_int_equal(crm_utf8_classes("aB3$"), CRM_CLASS_ALL);
	assert_int_equal(crm_utf8_classes(""), 0);
}

static void classifies_non_ascii_letters_by_case(void **state)
{
	(void)state;
	assert_int_equal(crm_utf8_classes("\xc3\xa8"), CRM_CLASS_LOWER);	/* è */
	assert_int_equal(crm_utf8_classes("\xc3\x88"), CRM_CLASS_UPPER);	/* È */
	assert_int_equal(crm_utf8_classes("\xc3\x9f"), CRM_CLASS_LOWER);	/* ß */
	assert_int_equal(crm_utf8_classes("\xc5\x81"), CRM_CLASS_UPPER);	/* Ł */
	assert_int_equal(crm_utf8_classes("\xc5\x82"), CRM_CLASS_LOWER);	/* ł */
	assert_int_equal(crm_utf8_classes("\xce\xa9"), CRM_CLASS_UPPER);	/* Ω */
	assert_int_equal(crm_utf8_classes("\xcf\x89"), CRM_CLASS_LOWER);	/* ω */
	assert_int_equal(crm_utf8_classes("\xd0\x96"), CRM_CLASS_UPPER);	/* Ж */
	assert_int_equal(crm_utf8_classes("\xd0\xb6"), CRM_CLASS_LOWER);	/* ж */
	assert_int_equal(crm_utf8_classes("\xd4\xb1"), CRM_CLASS_UPPER);	/* Ա */
	assert_int_equal(crm_utf8_classes("\xd5\xa1"), CRM_CLASS_LOWER);	/* ա */
	assert_int_equal(crm_utf8_classes("\xe1\xba\xa0"), CRM_CLASS_UPPER);	/* Ạ */
	assert_int_equal(crm_utf8_classes("\xe1\xba\xa1"), CRM_CLASS_LOWER);	/* ạ */
	assert_int_equal(crm_utf8_classes("\xef\xbc\xa1"), CRM_CLASS_UPPER);	/* Ａ */
	assert_int_equal(crm_utf8_classes("LIId5*p\xc3\xa8I!"), CRM_CLASS_ALL);
}

static void classifies_caseless_and_symbols_as_special(void **state)
{
	(void)state;
	/* パスワード: kana have no case */
	assert_int_equal(crm_utf8_classes("\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf"
		"\xe3\x83\xbc\xe3\x83\x89"), CRM_CLASS_SPECIAL);
	assert_int_equal(crm_utf8_classes("\xe6\xbc\xa2"), CRM_CLASS_SPECIAL);
	assert_int_equal(crm_utf8_classes("\xe2\x82\xac"), CRM_CLASS_SPECIAL);	/* € */
	assert_int_equal(crm_utf8_classes("\xc2\xa7"), CRM_CLASS_SPECIAL);	/* § */
	assert_int_equal(crm_utf8_classes("\xf0\x9f\x98\x80"), CRM_CLASS_SPECIAL);
	/* full-width digits are not ASCII digits */
	assert_int_equal(crm_utf8_classes("\xef\xbc\x91"), CRM_CLASS_SPECIAL);
}

static void classifies_the_same_in_any_locale(void **state)
{
	const char *pw = "\xc3\x88\xc3\xa8\xd0\x96\xd0\xb6";	/* ÈèЖж */

	(void)state;
	/* No setlocale() in this process: the "C" locale knows no é. */
	assert_int_equal(crm_utf8_classes(pw),
		CRM_CLASS_LOWER | CRM_CLASS_UPPER);
}

static void folds_case_with_built_in_table(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(crm_utf8_fold("AbC-\xc3\x88\xc3\xa8", out, sizeof(out)), 0);
	assert_string_equal(out, "abc-\xc3\xa8\xc3\xa8");
	assert_int_equal(crm_utf8_fold("\xd0\x9f\xd0\x90\xd0\xa0\xd0\x9e\xd0\x9b\xd0\xac",
		out, sizeof(out)), 0);	/* ПАРОЛЬ */
	assert_string_equal(out, "\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c");
	assert_int_equal(crm_utf8_fold("\xce\xa3\xce\x91", out, sizeof(out)), 0);
	assert_string_equal(out, "\xcf\x83\xce\xb1");	/* ΣΑ -> σα */
	/* İ folds to a one-byte 'i'; Ⱥ grows from two bytes to three */
	assert_int_equal(crm_utf8_fold("\xc4\xb0", out, sizeof(out)), 0);
	assert_string_equal(out, "i");
	assert_int_equal(crm_utf8_fold("\xc8\xba", out, sizeof(out)), 0);
	assert_string_equal(out, "\xe2\xb1\xa5");
	/* kana stay as they are */
	assert_int_equal(crm_utf8_fold("\xe3\x83\x91", out, sizeof(out)), 0);
	assert_string_equal(out, "\xe3\x83\x91");
}

static void fold_refuses_bad_input_and_small_buffer(void **state)
{
	char out[4];

	(void)state;
	assert_int_equal(crm_utf8_fold("\xc3", out, sizeof(out)), -1);
	assert_int_equal(crm_utf8_fold("abcd", out, sizeof(out)), -1);
	assert_int_equal(crm_utf8_fold("abc", out, sizeof(out)), 0);
	assert_string_equal(out, "abc");
	/* never half a character */
	assert_int_equal(crm_utf8_fold("ab\xc3\xa8", out, sizeof(out)), -1);
	assert_string_equal(out, "");
}

static void reverses_characters_not_bytes(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(crm_utf8_reverse("alice", out, sizeof(out)), 0);
	assert_string_equal(out, "ecila");
	assert_int_equal(crm_utf8_reverse("a\xc3\xa8z", out, sizeof(out)), 0);
	assert_string_equal(out, "z\xc3\xa8" "a");
	assert_int_equal(crm_utf8_reverse("", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(crm_utf8_reverse("\xc3", out, sizeof(out)), -1);
	assert_int_equal(crm_utf8_reverse("abcdef", out, 4), -1);
}

static void accepts_ordinary_names(void **state)
{
	char name[257];

	(void)state;
	assert_true(crm_name_valid("alice"));
	assert_true(crm_name_valid("j.doe@example.com"));
	assert_true(crm_name_valid("sip-1001"));
	assert_true(crm_name_valid("_svc"));
	assert_true(crm_name_valid("Jos\xc3\xa9"));
	assert_true(crm_name_valid("\xe5\xb1\xb1\xe7\x94\xb0"));	/* 山田 */
	/* Quotes are printable; the store binds parameters. */
	assert_true(crm_name_valid("a';DROP_TABLE_x;--"));
	assert_true(crm_name_valid("o\"brien"));
	memset(name, 'a', 256);
	name[256] = '\0';
	assert_true(crm_name_valid(name));
}

static void refuses_hostile_names(void **state)
{
	char *big;

	(void)state;
	assert_false(crm_name_valid(NULL));
	assert_false(crm_name_valid(""));
	assert_false(crm_name_valid("-rf"));
	assert_false(crm_name_valid("a b"));
	/* quotes are allowed, but the spaces of this one are not */
	assert_false(crm_name_valid("a'; DROP TABLE x;--"));
	assert_false(crm_name_valid("a\tb"));
	assert_false(crm_name_valid("alice\n"));
	assert_false(crm_name_valid("al\rice"));
	assert_false(crm_name_valid("a\x1b[31m"));
	assert_false(crm_name_valid("a\x7f"));
	assert_false(crm_name_valid("a\xc2\x85"));		/* NEL */
	assert_false(crm_name_valid("a\xc2\x9b"));		/* CSI */
	assert_false(crm_name_valid("a\xc2\xa0" "b"));		/* no-break space */
	assert_false(crm_name_valid("a\xe2\x80\xa8" "b"));	/* U+2028 */
	assert_false(crm_name_valid("a\xe2\x80\xae" "b"));	/* bidi override */
	assert_false(crm_name_valid("a\xe2\x80\x8b" "b"));	/* zero width */
	assert_false(crm_name_valid("a\xe3\x80\x80" "b"));	/* ideographic space */
	assert_false(crm_name_valid("a:b"));
	assert_false(crm_name_valid("../etc"));
	assert_false(crm_name_valid(".."));
	assert_false(crm_name_valid("Jos\xe9"));		/* Latin-1 */
	assert_false(crm_name_valid("\xc0\xaf"));
	big = malloc(10 * 1024 + 1);
	assert_non_null(big);
	memset(big, 'a', 10 * 1024);
	big[10 * 1024] = '\0';
	assert_false(crm_name_valid(big));
	big[257] = '\0';
	assert_false(crm_name_valid(big));
	free(big);
}

static void accepts_addresses_and_host_names(void **state)
{
	char host[256];

	(void)state;
	assert_true(crm_rhost_valid(NULL));
	assert_true(crm_rhost_valid(""));
	assert_true(crm_rhost_valid("192.0.2.7"));
	assert_true(crm_rhost_valid("2001:db8::1"));
	assert_true(crm_rhost_valid("::ffff:192.0.2.7"));
	assert_true(crm_rhost_valid("fe80::1%eth0"));
	assert_true(crm_rhost_valid("mail.example.com"));
	memset(host, 'h', 255);
	host[255] = '\0';
	assert_true(crm_rhost_valid(host));
}

static void refuses_hostile_rhost(void **state)
{
	char host[257];

	(void)state;
	assert_false(crm_rhost_valid("192.0.2.7\nX-Injected: 1"));
	assert_false(crm_rhost_valid("host name"));
	assert_false(crm_rhost_valid("a\tb"));
	assert_false(crm_rhost_valid("a\x7f"));
	assert_false(crm_rhost_valid("h\xc3\xa9te"));
	memset(host, 'h', 256);
	host[256] = '\0';
	assert_false(crm_rhost_valid(host));
}

static void printable_replaces_controls_and_bad_bytes(void **state)
{
	char out[64];

	(void)state;
	crm_printable("alice", out, sizeof(out));
	assert_string_equal(out, "alice");
	crm_printable("a\nb\rc\x1b\x7f", out, sizeof(out));
	assert_string_equal(out, "a?b?c??");
	crm_printable("Jos\xc3\xa9", out, sizeof(out));
	assert_string_equal(out, "Jos\xc3\xa9");
	crm_printable("Jos\xe9!", out, sizeof(out));
	assert_string_equal(out, "Jos?!");
	crm_printable("\xc0\xaf", out, sizeof(out));
	assert_string_equal(out, "??");
	crm_printable("a\xc2\x85" "b", out, sizeof(out));
	assert_string_equal(out, "a?b");
	crm_printable(NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

static void printable_cuts_at_a_character_boundary(void **state)
{
	char out[5];

	(void)state;
	crm_printable("abcdef", out, sizeof(out));
	assert_string_equal(out, "abcd");
	/* "abc" + è (2 bytes) does not fit in 4 bytes: è is left out whole */
	crm_printable("abc\xc3\xa8", out, sizeof(out));
	assert_string_equal(out, "abc");
	crm_printable("\xe3\x83\x91\xe3\x82\xb9", out, sizeof(out));
	assert_string_equal(out, "\xe3\x83\x91");
	crm_printable("abc", out, 1);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_characters_not_bytes),
		cmocka_unit_test(refuses_invalid_utf8),
		cmocka_unit_test(classifies_ascii),
		cmocka_unit_test(classifies_non_ascii_letters_by_case),
		cmocka_unit_test(classifies_caseless_and_symbols_as_special),
		cmocka_unit_test(classifies_the_same_in_any_locale),
		cmocka_unit_test(folds_case_with_built_in_table),
		cmocka_unit_test(fold_refuses_bad_input_and_small_buffer),
		cmocka_unit_test(reverses_characters_not_bytes),
		cmocka_unit_test(accepts_ordinary_names),
		cmocka_unit_test(refuses_hostile_names),
		cmocka_unit_test(accepts_addresses_and_host_names),
		cmocka_unit_test(refuses_hostile_rhost),
		cmocka_unit_test(printable_replaces_controls_and_bad_bytes),
		cmocka_unit_test(printable_cuts_at_a_character_boundary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
