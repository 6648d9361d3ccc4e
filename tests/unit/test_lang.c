/*
 * Languages: the known codes and their check, the pick between an
 * account's own language and its policy's, the locales that speak them,
 * dates in their format, columns of wide text, and the per-thread switch
 * that leaves the rest of the process alone.
 */
#include "testlib.h"
#include <libintl.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/i18n.h"
#include "crmpolicy/lang.h"
#include "crmpolicy/utf8.h"

/* 2026-12-03 16:22:00 UTC */
#define DAY0 1796314920LL

static int setup(void **state)
{
	char dir[4200], here[4096];
	const char *b = getenv("CRM_BUILD");

	(void)state;
	/* An absolute path: crm_i18n_bind takes no other. */
	if (b == NULL)
		b = realpath("build", here) != NULL ? here : "/nonexistent";
	snprintf(dir, sizeof dir, "%s/locale", b);
	setenv("CRMPOLICY_LOCALEDIR", dir, 1);
	crm_i18n_bind();
	return 0;
}

static void known_codes_and_the_check(void **state)
{
	struct crm_error e;

	(void)state;
	for (const char *const *c = (const char *const[]){ "cs", "en", "it",
	     "ja", "pl", NULL }; *c != NULL; c++) {
		assert_true(crm_lang_known(*c));
		assert_int_equal(crm_lang_check(*c, &e), CRM_OK);
	}
	/* Empty: follow the policy. */
	assert_int_equal(crm_lang_check("", &e), CRM_OK);
	for (const char *const *c = (const char *const[]){ "de", "CS",
	     "cs_CZ", "../cs", "cs\n", "japanese", NULL }; *c != NULL; c++) {
		assert_false(crm_lang_known(*c));
		assert_int_equal(crm_lang_check(*c, &e), CRM_EINVAL);
		assert_non_null(strstr(e.msg, "cs, en, it, ja, pl"));
	}
}

static void own_language_wins_over_the_policys(void **state)
{
	char out[CRM_LANG_MAX + 1];

	(void)state;
	crm_lang_pick("cs", "ja", out);
	assert_string_equal(out, "cs");
	crm_lang_pick("", "ja", out);
	assert_string_equal(out, "ja");
	crm_lang_pick(NULL, NULL, out);
	assert_string_equal(out, "");
	/* Longer than a code: no language, not a cut one. */
	crm_lang_pick("", "abcdefghijklmnopqrstuvwxyz", out);
	assert_string_equal(out, "");
}

static void each_language_has_a_locale_with_its_catalog(void **state)
{
	static const struct {
		const char *code, *greeting;
	} want[] = {
		{ "cs", "Dobrý den," },
		{ "it", NULL },
		{ "ja", "こんにちは。" },
		{ "pl", NULL },
		{ "en", "Hello," },
	};

	(void)state;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		locale_t l = crm_lang_locale(want[i].code), prev;
		const char *got;

		if (l == (locale_t)0) {
			print_error("no locale %s for %s (make check generates "
				"it)\n", crm_lang_locale_name(want[i].code),
				want[i].code);
			fail();
		}
		prev = crm_lang_enter(l);
		got = _("Hello,");
		crm_lang_leave(l, prev);
		if (want[i].greeting != NULL)
			assert_string_equal(got, want[i].greeting);
		else
			assert_string_not_equal(got, "Hello,");
		freelocale(l);
	}
	assert_true(crm_lang_locale("xx") == (locale_t)0);
	assert_true(crm_lang_locale("") == (locale_t)0);
}

static void dates_in_the_languages_format(void **state)
{
	char buf[128];
	locale_t cs = crm_lang_locale("cs"), ja = crm_lang_locale("ja");

	(void)state;
	assert_true(cs != (locale_t)0 && ja != (locale_t)0);
	crm_lang_date((locale_t)0, DAY0, buf, sizeof buf);
	assert_string_equal(buf, "2026-12-03 16:22:00 UTC");
	crm_lang_date(cs, DAY0, buf, sizeof buf);
	if (strstr(buf, "prosince") == NULL || strstr(buf, "2026") == NULL) {
		print_error("cs date: [%s]\n", buf);
		fail();
	}
	assert_non_null(strstr(buf, " UTC"));
	crm_lang_date(ja, DAY0, buf, sizeof buf);
	assert_non_null(strstr(buf, "2026年12月03日"));
	/* Too small a buffer: ISO, cut, never garbage. */
	crm_lang_date(ja, DAY0, buf, 8);
	assert_true(strlen(buf) < 8);
	freelocale(cs);
	freelocale(ja);
}

static void wide_characters_take_two_columns(void **state)
{
	(void)state;
	assert_int_equal(crm_utf8_width("Account:"), 8);
	assert_int_equal(crm_utf8_width("Účet:"), 5);
	assert_int_equal(crm_utf8_width("アカウント:"), 11);
	assert_int_equal(crm_utf8_width("ｱ"), 1);	/* half-width kana */
	assert_int_equal(crm_utf8_width("e\xcc\x81"), 1);	/* combining */
	assert_int_equal(crm_utf8_width("\xff"), -1);
}

/* Another thread, in Czech while the main thread stays in C. */
struct other {
	pthread_barrier_t in, out;
	const char *seen;
};

static void *czech_thread(void *arg)
{
	struct other *o = arg;
	locale_t l = crm_lang_locale("cs"), prev = crm_lang_enter(l);

	pthread_barrier_wait(&o->in);
	o->seen = _("Hello,");
	pthread_barrier_wait(&o->out);
	crm_lang_leave(l, prev);
	if (l != (locale_t)0)
		freelocale(l);
	return NULL;
}

static void a_threads_language_changes_no_other_thread(void **state)
{
	struct other o = { .seen = NULL };
	pthread_t t;

	(void)state;
	assert_true(crm_lang_thread_is_c());
	pthread_barrier_init(&o.in, NULL, 2);
	pthread_barrier_init(&o.out, NULL, 2);
	assert_int_equal(pthread_create(&t, NULL, czech_thread, &o), 0);
	pthread_barrier_wait(&o.in);
	/* While the other thread speaks Czech, this one speaks English. */
	assert_string_equal(_("Hello,"), "Hello,");
	assert_true(crm_lang_thread_is_c());
	assert_string_equal(setlocale(LC_ALL, NULL), "C");
	pthread_barrier_wait(&o.out);
	pthread_join(t, NULL);
	assert_string_equal(o.seen, "Dobrý den,");
	pthread_barrier_destroy(&o.in);
	pthread_barrier_destroy(&o.out);
	/* The application's own language is seen as such. */
	assert_non_null(setlocale(LC_ALL, "pl_PL.UTF-8"));
	assert_false(crm_lang_thread_is_c());
	setlocale(LC_ALL, "C");
	assert_true(crm_lang_thread_is_c());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_codes_and_the_check),
		cmocka_unit_test(own_language_wins_over_the_policys),
		cmocka_unit_test(each_language_has_a_locale_with_its_catalog),
		cmocka_unit_test(dates_in_the_languages_format),
		cmocka_unit_test(wide_characters_take_two_columns),
		cmocka_unit_test(a_threads_language_changes_no_other_thread),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
