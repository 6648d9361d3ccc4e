/*
 * UTF-8 helpers: validation, length in characters and the character
 * classes of a password (non-ASCII letters count by their case, other
 * non-ASCII characters as special).
 */
#ifndef CRMPOLICY_UTF8_H
#define CRMPOLICY_UTF8_H

#include <stddef.h>

/* Number of characters in s, or -1 if s is not valid UTF-8. */
long crm_utf8_len(const char *s);
/*
 * Columns s takes on a terminal or in a mail read in a fixed-width font:
 * East Asian wide and full-width characters take two, combining marks
 * none, every other character one; -1 for invalid UTF-8.
 */
long crm_utf8_width(const char *s);
/* CRM_CLASS_* bitmask of the characters of s (s must be valid UTF-8). */
unsigned crm_utf8_classes(const char *s);
/*
 * Case-folds valid UTF-8 s into out (size outlen, NUL-terminated); used for
 * the user-name and bad-word comparisons. Returns 0, or -1 if too long/bad.
 */
int crm_utf8_fold(const char *s, char *out, size_t outlen);
/* Reverses the characters (not bytes) of valid UTF-8 s into out. */
int crm_utf8_reverse(const char *s, char *out, size_t outlen);

/*
 * 1 if name is acceptable as a user or group name: 1..CRM_NAME_MAX bytes,
 * valid UTF-8, no control or white-space characters, not starting with '-'.
 */
int crm_name_valid(const char *name);
/* 1 if rhost (PAM_RHOST) is acceptable: <= 255 bytes, printable ASCII, no spaces. */
int crm_rhost_valid(const char *rhost);

/*
 * Copies s into out for a log line or message, replacing control and
 * non-printable bytes with '?' and cutting it to outlen-1 bytes.
 */
void crm_printable(const char *s, char *out, size_t outlen);

#endif
