/*
 * Every user-visible string goes through gettext in the "crmpolicy" text
 * domain; a module never calls textdomain() in its host process.
 */
#ifndef CRMPOLICY_I18N_H
#define CRMPOLICY_I18N_H

#include <libintl.h>

#define CRM_TEXTDOMAIN "crmpolicy"
#define _(s) dgettext(CRM_TEXTDOMAIN, s)
#define N_(s) (s)
#define ngettext_(s, p, n) dngettext(CRM_TEXTDOMAIN, s, p, n)

#endif
