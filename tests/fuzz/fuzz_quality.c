/*
 * Fuzz target "quality": the password-quality check (lib/quality.c) and
 * the UTF-8 helpers under it (lib/utf8.c) on arbitrary bytes. The first
 * three bytes choose the policy (classes, reject_username, the bad-words
 * file of tests/fuzz/data, minlen, maxlen); the rest is the user name, a
 * NUL, and the password. Properties: bytes that are not UTF-8 fail that
 * rule alone, folding fits the room the checker gives it, folds again to
 * itself, and a reversed password reverses back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmpolicy/config.h"
#include "crmpolicy/quality.h"
#include "crmpolicy/utf8.h"
#include "fuzz.h"

/* The room lib/quality.c gives a folded string of n bytes. */
#define FOLD_SIZE(n) ((n) + (n) / 2 + 1)

static void check_utf8(const char *s)
{
	size_t n = strlen(s), size = FOLD_SIZE(n);
	long len = crm_utf8_len(s), width = crm_utf8_width(s);
	char *fold = malloc(size), *again = malloc(size);
	char *rev = malloc(n + 1), *back = malloc(n + 1);

	if (fold == NULL || again == NULL || rev == NULL || back == NULL)
		goto out;
	if ((len < 0) != (width < 0))
		fuzz_fail("quality", "length and width disagree on validity");
	if (len < 0) {
		if (crm_utf8_fold(s, fold, size) == 0 ||
		    crm_utf8_reverse(s, rev, n + 1) == 0)
			fuzz_fail("quality", "invalid UTF-8 was folded or reversed");
		goto out;
	}
	(void)crm_utf8_classes(s);
	if (crm_utf8_fold(s, fold, size) != 0)
		fuzz_fail("quality", "folding needs more room than it is given");
	if (crm_utf8_len(fold) != len)
		fuzz_fail("quality", "folding changed the number of characters");
	if (crm_utf8_fold(fold, again, size) != 0 || strcmp(fold, again) != 0)
		fuzz_fail("quality", "a folded string folds to another");
	if (crm_utf8_reverse(s, rev, n + 1) != 0 ||
	    crm_utf8_reverse(rev, back, n + 1) != 0 || strcmp(s, back) != 0)
		fuzz_fail("quality", "a reversed string does not reverse back");
out:
	free(fold);
	free(again);
	free(rev);
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crm_policy pol;
	struct fuzz_fields ff;
	struct crm_error err;
	unsigned failed = 0, flags;
	const char *user, *pw;
	char msg[256];
	int rc;

	if (size < 3)
		return 0;
	flags = data[0];
	memset(&pol, 0, sizeof(pol));
	pol.num[CRM_K_CLASSES] = flags & CRM_CLASS_ALL;
	pol.num[CRM_K_REJECT_USERNAME] = (flags & 16) != 0;
	pol.num[CRM_K_MINLEN] = 1 + data[1] % 32;
	pol.num[CRM_K_MAXLEN] = data[2] != 0 ? data[2] : 4096;
	if (fuzz_fields(data + 3, size - 3, &ff) != 0)
		return 0;
	user = ff.f[0];
	pw = ff.f[1];
	check_utf8(user);
	check_utf8(pw);

	crm_error_clear(&err);
	rc = crm_quality_check(&pol, user, pw,
		flags & 32 ? CRM_FUZZ_DATA "/badwords" : NULL, &failed, &err);
	if (rc != 0)
		fuzz_fail("quality", "the check failed on a readable list");
	if (crm_utf8_len(pw) < 0 && failed != CRM_PW_BAD_UTF8)
		fuzz_fail("quality", "bytes that are not UTF-8 were judged");
	for (unsigned bit = 1; bit < 1u << CRM_PW_RULE_COUNT; bit <<= 1) {
		if (!(failed & bit))
			continue;
		crm_quality_message(bit, &pol, msg, sizeof(msg));
		if (msg[0] == '\0' ||
		    strcmp(crm_quality_rule_name(bit), "unknown") == 0)
			fuzz_fail("quality", "a failed rule has no name");
	}
	fuzz_fields_free(&ff);
	return 0;
}
