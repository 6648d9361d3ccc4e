/*
 * Password quality: length in characters, character classes, the user
 * name (as is, reversed, in any case) and the bad-words file. Each failed
 * rule is one bit, so a rejection names every rule that failed. Every
 * buffer that held password bytes is wiped before it is released.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crmpolicy/error.h"
#include "crmpolicy/i18n.h"
#include "crmpolicy/store.h"	/* crm_name_cb, used by policy.h */
#include "crmpolicy/quality.h"
#include "crmpolicy/utf8.h"

/* Longest bad-words line considered; longer lines cannot be passwords here. */
#define LINE_MAX_BYTES 4096
/* Folding can grow a string by half (U+023A, 2 bytes -> U+2C65, 3 bytes). */
#define FOLD_SIZE(n) ((n) + (n) / 2 + 1)

/* 1 if a and b hold equal strings; the length is not secret, the bytes are. */
static int same(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}

/*
 * Folds s into a new buffer of FOLD_SIZE(strlen(s)) bytes (*size). A user
 * name that is not valid UTF-8 (a legacy system account) is lower-cased
 * in ASCII only, so it is still compared rather than skipped.
 */
static char *fold_dup(const char *s, size_t *size)
{
	size_t n = strlen(s), i;
	char *out;

	if (n > (SIZE_MAX - 1) / 2)
		return NULL;
	*size = FOLD_SIZE(n);
	out = malloc(*size);
	if (!out)
		return NULL;
	if (crm_utf8_fold(s, out, *size) != 0) {
		for (i = 0; i <= n; i++)
			out[i] = (s[i] >= 'A' && s[i] <= 'Z') ?
				(char)(s[i] + 32) : s[i];
	}
	return out;
}

static void wipe_free(char *p, size_t size)
{
	if (p) {
		sodium_memzero(p, size);
		free(p);
	}
}

/*
 * The user-name rule: the folded password equals the folded user name or
 * its reverse, or (for names of three characters or more, where a match
 * is not chance) contains either. Returns 0, or CRM_ENOMEM.
 */
static int check_username(const char *fpw, const char *user, int *hit,
	struct crm_error *err)
{
	size_t usize = 0;
	char *fuser, *ruser;
	long ulen;
	int rc = 0;

	*hit = 0;
	fuser = fold_dup(user, &usize);
	ruser = malloc(usize ? usize : 1);
	if (!fuser || !ruser) {
		rc = crm_error_set(err, CRM_ENOMEM, "out of memory");
		goto out;
	}
	/* An invalid name reverses byte-wise: it is only compared. */
	if (crm_utf8_reverse(fuser, ruser, usize) != 0) {
		size_t n = strlen(fuser), i;

		for (i = 0; i < n; i++)
			ruser[i] = fuser[n - 1 - i];
		ruser[n] = '\0';
	}
	ulen = crm_utf8_len(user);
	if (ulen < 0)
		ulen = (long)strlen(user);
	if (same(fpw, fuser) || same(fpw, ruser))
		*hit = 1;
	else if (ulen >= 3 && (strstr(fpw, fuser) || strstr(fpw, ruser)))
		*hit = 1;
out:
	free(fuser);
	free(ruser);
	return rc;
}

/*
 * Strips the line end and surrounding blanks in place; returns NULL for
 * a blank line or a comment.
 */
static char *entry(char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
	    line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return NULL;
	return line;
}

/*
 * Scans the bad-words file line by line (it may be large, so it is never
 * loaded whole) for the folded password fpw. A missing file is no list;
 * anything else that stops the file being read is CRM_EIO naming it, since
 * skipping the list would silently weaken the policy.
 */
static int check_badwords(const char *path, const char *fpw, int *hit,
	struct crm_error *err)
{
	char line[LINE_MAX_BYTES + 2];
	char folded[FOLD_SIZE(LINE_MAX_BYTES + 2)];
	struct stat st;
	FILE *f;
	int fd, rc = 0, skipping = 0;

	*hit = 0;
	/* O_NONBLOCK: a FIFO planted at the path must not hang the login. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
		O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return crm_error_set(err, CRM_EIO, "%s: %s", path,
			strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return crm_error_set(err, CRM_EIO, "%s: not a regular file",
			path);
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return crm_error_set(err, CRM_EIO, "%s: %s", path,
			strerror(errno));
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		int whole = (n > 0 && line[n - 1] == '\n') || feof(f);
		char *e;

		/*
		 * An over-long line is skipped to its end; its tail is not
		 * an entry of its own.
		 */
		if (skipping || !whole) {
			skipping = !whole;
			continue;
		}
		e = entry(line);
		if (!e || crm_utf8_fold(e, folded, sizeof(folded)) != 0)
			continue;
		if (same(folded, fpw)) {
			*hit = 1;
			break;
		}
	}
	if (!*hit && ferror(f))
		rc = crm_error_set(err, CRM_EIO, "%s: read error", path);
	fclose(f);
	sodium_memzero(line, sizeof(line));
	sodium_memzero(folded, sizeof(folded));
	return rc;
}

int crm_quality_check(const struct crm_policy *pol, const char *user,
	const char *password, const char *badwords, unsigned *failed,
	struct crm_error *err)
{
	long len;
	unsigned need, have;
	size_t fsize = 0;
	char *fpw = NULL;
	int rc = 0, hit;

	if (!pol || !password || !failed)
		return crm_error_set(err, CRM_EINVAL,
			"quality check without policy or password");
	*failed = 0;
	len = crm_utf8_len(password);
	if (len < 0) {
		/* Nothing else can be judged about bytes that are not text. */
		*failed = CRM_PW_BAD_UTF8;
		return 0;
	}
	if (len == 0) {
		*failed = CRM_PW_EMPTY | CRM_PW_SHORT;
		return 0;
	}
	if (len < pol->num[CRM_K_MINLEN])
		*failed |= CRM_PW_SHORT;
	if (pol->num[CRM_K_MAXLEN] > 0 && len > pol->num[CRM_K_MAXLEN])
		*failed |= CRM_PW_LONG;

	need = (unsigned)pol->num[CRM_K_CLASSES] & CRM_CLASS_ALL;
	have = crm_utf8_classes(password);
	if ((need & CRM_CLASS_LOWER) && !(have & CRM_CLASS_LOWER))
		*failed |= CRM_PW_NO_LOWER;
	if ((need & CRM_CLASS_UPPER) && !(have & CRM_CLASS_UPPER))
		*failed |= CRM_PW_NO_UPPER;
	if ((need & CRM_CLASS_DIGIT) && !(have & CRM_CLASS_DIGIT))
		*failed |= CRM_PW_NO_DIGIT;
	if ((need & CRM_CLASS_SPECIAL) && !(have & CRM_CLASS_SPECIAL))
		*failed |= CRM_PW_NO_SPECIAL;

	fpw = fold_dup(password, &fsize);
	if (!fpw) {
		rc = crm_error_set(err, CRM_ENOMEM, "out of memory");
		goto out;
	}
	if (pol->num[CRM_K_REJECT_USERNAME] && user && *user) {
		rc = check_username(fpw, user, &hit, err);
		if (rc != 0)
			goto out;
		if (hit)
			*failed |= CRM_PW_USERNAME;
	}
	if (badwords && *badwords) {
		rc = check_badwords(badwords, fpw, &hit, err);
		if (rc != 0)
			goto out;
		if (hit)
			*failed |= CRM_PW_BADWORD;
	}
out:
	wipe_free(fpw, fsize);
	if (rc != 0)
		*failed = 0;
	return rc;
}

/* The lowest set bit of rule: one rule per message. */
static unsigned lowest(unsigned rule)
{
	return rule & (~rule + 1u);
}

/* A policy number as an int for a message, clamped. */
static int as_int(const struct crm_policy *pol, enum crm_key k)
{
	long long v = pol ? pol->num[k] : 0;

	if (v < 0)
		return 0;
	return v > 1000000 ? 1000000 : (int)v;
}

void crm_quality_message(unsigned rule, const struct crm_policy *pol,
	char *buf, size_t len)
{
	const char *msg;

	if (!buf || len == 0)
		return;
	switch (lowest(rule)) {
	case CRM_PW_SHORT:
		snprintf(buf, len, _("must be at least %d characters long"),
			as_int(pol, CRM_K_MINLEN));
		return;
	case CRM_PW_LONG:
		snprintf(buf, len, _("must be at most %d characters long"),
			as_int(pol, CRM_K_MAXLEN));
		return;
	case CRM_PW_NO_LOWER:
		msg = _("must contain a lower-case letter");
		break;
	case CRM_PW_NO_UPPER:
		msg = _("must contain an upper-case letter");
		break;
	case CRM_PW_NO_DIGIT:
		msg = _("must contain a digit");
		break;
	case CRM_PW_NO_SPECIAL:
		msg = _("must contain a special character");
		break;
	case CRM_PW_USERNAME:
		msg = _("contains the user name");
		break;
	case CRM_PW_BADWORD:
		msg = _("is a known weak password");
		break;
	case CRM_PW_REUSED:
		msg = _("was used recently");
		break;
	case CRM_PW_TOO_SOON:
		msg = _("was changed too recently");
		break;
	case CRM_PW_BAD_UTF8:
		msg = _("is not valid UTF-8 text");
		break;
	case CRM_PW_EMPTY:
		msg = _("is empty");
		break;
	default:
		msg = _("is not acceptable");
		break;
	}
	snprintf(buf, len, "%s", msg);
}

const char *crm_quality_rule_name(unsigned rule)
{
	switch (lowest(rule)) {
	case CRM_PW_SHORT: return "short";
	case CRM_PW_LONG: return "long";
	case CRM_PW_NO_LOWER: return "lower";
	case CRM_PW_NO_UPPER: return "upper";
	case CRM_PW_NO_DIGIT: return "digit";
	case CRM_PW_NO_SPECIAL: return "special";
	case CRM_PW_USERNAME: return "username";
	case CRM_PW_BADWORD: return "badword";
	case CRM_PW_REUSED: return "reused";
	case CRM_PW_TOO_SOON: return "too_soon";
	case CRM_PW_BAD_UTF8: return "utf8";
	case CRM_PW_EMPTY: return "empty";
	default: return "unknown";
	}
}
