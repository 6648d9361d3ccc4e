/*
 * The languages crmpolicy speaks, and the locales that speak them.
 *
 * A language is a short code ("cs", "ja", ...; "en" is the built-in
 * English). Where the application runs in the C locale (sshd does), the
 * module speaks the user's language: the account's own `lang`, else the
 * `lang` policy key. It does so with a per-thread locale (uselocale), so
 * that nothing else in the calling process changes.
 */
#ifndef CRMPOLICY_LANG_H
#define CRMPOLICY_LANG_H

#include <locale.h>
#include <stddef.h>
#include <time.h>

#include "crmpolicy/error.h"

#define CRM_LANG_MAX 15	/* bytes of a language code */

/* 1 if code is a language with a catalog, or "en". */
int crm_lang_known(const char *code);
/* The `check` of the lang key and of `user set --lang`: "" is fine. */
int crm_lang_check(const char *value, struct crm_error *err)
	__attribute__((warn_unused_result));
/*
 * Into out: own when it is set, else policy when it is a code that fits,
 * else "" (English).
 */
void crm_lang_pick(const char *own, const char *policy,
	char out[CRM_LANG_MAX + 1]);
/* The known codes, "cs, en, ...", for messages and help. */
const char *crm_lang_codes(void);

/*
 * A locale speaking code (messages, dates, UTF-8), or (locale_t)0 when
 * code is empty, unknown, or its locale is not installed on this system
 * (errno then says which: EINVAL or ENOENT). Free it with freelocale().
 */
locale_t crm_lang_locale(const char *code);
/* The locale name crm_lang_locale tries first for code, or NULL. */
const char *crm_lang_locale_name(const char *code);

/*
 * 1 when the calling thread's messages are in the C (or POSIX) locale,
 * so that the application has chosen no language of its own.
 */
int crm_lang_thread_is_c(void);

/*
 * when as the date and time of loc (its "%c", in UTC, followed by "UTC"),
 * or as "YYYY-MM-DD HH:MM:SS UTC" when loc is (locale_t)0.
 */
void crm_lang_date(locale_t loc, long long when, char *buf, size_t len);

/*
 * Binds the text domain to the system's locale directory (CRM_LOCALEDIR).
 * CRMPOLICY_LOCALEDIR, an absolute path, replaces it for a build tree's
 * tests; a setuid or setgid program never sees it (secure_getenv).
 */
void crm_i18n_bind(void);

/*
 * Per-thread switch: crm_lang_enter makes loc the calling thread's locale
 * and returns the one it had, for crm_lang_leave. Both do nothing for
 * (locale_t)0.
 */
locale_t crm_lang_enter(locale_t loc);
void crm_lang_leave(locale_t loc, locale_t prev);

#endif
