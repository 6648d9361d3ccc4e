/*
 * Languages and their locales: see include/crmpolicy/lang.h.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crmpolicy/i18n.h"
#include "crmpolicy/lang.h"

/*
 * Each language with a catalog under po/, and the locale that speaks it
 * (the country where it is the main language). "en" is the messages as
 * written, in the C locale with UTF-8 characters.
 */
static const struct {
	const char *code;
	const char *locale;
} langs[] = {
	{ "cs", "cs_CZ.UTF-8" },
	{ "en", "C.UTF-8" },
	{ "it", "it_IT.UTF-8" },
	{ "ja", "ja_JP.UTF-8" },
	{ "pl", "pl_PL.UTF-8" },
};
#define NLANGS (sizeof(langs) / sizeof(langs[0]))

const char *crm_lang_locale_name(const char *code)
{
	if (code == NULL)
		return NULL;
	for (size_t i = 0; i < NLANGS; i++)
		if (strcmp(langs[i].code, code) == 0)
			return langs[i].locale;
	return NULL;
}

int crm_lang_known(const char *code)
{
	return crm_lang_locale_name(code) != NULL;
}

void crm_lang_pick(const char *own, const char *policy,
	char out[CRM_LANG_MAX + 1])
{
	const char *src = own != NULL && own[0] != '\0' ? own : policy;
	size_t n = src != NULL ? strnlen(src, CRM_LANG_MAX + 1) : 0;

	if (n > CRM_LANG_MAX)
		n = 0;
	if (n > 0)
		memcpy(out, src, n);
	out[n] = '\0';
}

const char *crm_lang_codes(void)
{
	return "cs, en, it, ja, pl";
}

int crm_lang_check(const char *value, struct crm_error *err)
{
	if (value == NULL || value[0] == '\0' || crm_lang_known(value))
		return CRM_OK;
	return crm_error_set(err, CRM_EINVAL,
		_("unknown language (known: %s)"), crm_lang_codes());
}

locale_t crm_lang_locale(const char *code)
{
	const char *name = crm_lang_locale_name(code);
	const int mask = LC_MESSAGES_MASK | LC_CTYPE_MASK | LC_TIME_MASK;
	locale_t l;

	if (name == NULL) {
		errno = EINVAL;
		return (locale_t)0;
	}
	if ((l = newlocale(mask, name, (locale_t)0)) != (locale_t)0)
		return l;
	/* Without that country's locale, any other UTF-8 one of the language
	 * would do for the catalog; "C.UTF-8" keeps English. */
	errno = ENOENT;
	return (locale_t)0;
}

int crm_lang_thread_is_c(void)
{
	locale_t cur = uselocale((locale_t)0);
	const char *name;

	if (cur == LC_GLOBAL_LOCALE)
		name = setlocale(LC_MESSAGES, NULL);
	else
		name = nl_langinfo_l(_NL_LOCALE_NAME(LC_MESSAGES), cur);
	return name == NULL || name[0] == '\0' || strcmp(name, "C") == 0 ||
		strcmp(name, "POSIX") == 0 || strncmp(name, "C.", 2) == 0;
}

void crm_lang_date(locale_t loc, long long when, char *buf, size_t len)
{
	time_t t = (time_t)when;
	struct tm tm;
	size_t n = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (gmtime_r(&t, &tm) == NULL)
		return;
	if (loc != (locale_t)0)
		n = strftime_l(buf, len, "%c UTC", &tm, loc);
	if (n == 0)
		n = strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
	/* Too small for either: empty, not what strftime left behind. */
	if (n == 0)
		buf[0] = '\0';
}

void crm_i18n_bind(void)
{
	const char *dir = secure_getenv("CRMPOLICY_LOCALEDIR");

	bindtextdomain(CRM_TEXTDOMAIN, dir != NULL && dir[0] == '/' ?
		dir : CRM_LOCALEDIR);
}

locale_t crm_lang_enter(locale_t loc)
{
	if (loc == (locale_t)0)
		return (locale_t)0;
	return uselocale(loc);
}

void crm_lang_leave(locale_t loc, locale_t prev)
{
	if (loc == (locale_t)0 || prev == (locale_t)0)
		return;
	uselocale(prev);
}
