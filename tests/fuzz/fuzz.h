/*
 * Shared parts of the fuzz targets (tests/fuzz/fuzz_*.c): the entry
 * points libFuzzer calls, the cutting of one input into the strings a
 * target hands the core, the abort that reports a broken property, and
 * a private directory for the parsers that only read files. Each target
 * is built with libFuzzer by make fuzz, and with replay_main.c by the
 * test builds, where make check runs it over the committed inputs.
 */
#ifndef CRM_FUZZ_H
#define CRM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_FIELDS_MAX 16

/* An input cut at its NUL bytes, the strings in one malloc'd copy. */
struct fuzz_fields {
	char *copy;
	const char *f[FUZZ_FIELDS_MAX];
};

/*
 * Cuts data at its NUL bytes into fields: f[i] is the i-th string, ""
 * when the input has fewer, and what follows the last field taken is
 * ignored. Returns 0, or -1 out of memory (the input is then skipped).
 */
static inline int fuzz_fields(const uint8_t *data, size_t size,
	struct fuzz_fields *ff)
{
	size_t at = 0;

	memset(ff, 0, sizeof(*ff));
	ff->copy = malloc(size + 1);
	if (ff->copy == NULL)
		return -1;
	if (size > 0)
		memcpy(ff->copy, data, size);
	ff->copy[size] = '\0';
	for (size_t i = 0; i < FUZZ_FIELDS_MAX; i++) {
		ff->f[i] = ff->copy + at;
		at += strlen(ff->copy + at);
		if (at < size)
			at++;
	}
	return 0;
}

static inline void fuzz_fields_free(struct fuzz_fields *ff)
{
	free(ff->copy);
	ff->copy = NULL;
}

/* A property the core promises does not hold: say which, and crash. */
static inline void fuzz_fail(const char *target, const char *what)
{
	fprintf(stderr, "fuzz_%s: %s\n", target, what);
	abort();
}

/*
 * Creates a private directory for one process of target (0700),
 * crmfuzz-TARGET-PID.XXXXXX under TMPDIR, or under /dev/shm (else /tmp)
 * when TMPDIR is not set. scripts/fuzz.sh and tests/fuzz/run-regress.sh
 * point TMPDIR at a directory of their own, which they remove with
 * whatever a crashed target left in it. Returns 0 or -1.
 */
static inline int fuzz_tmpdir(const char *target, char *dir, size_t len)
{
	const char *base = getenv("TMPDIR");
	struct stat st;
	int n;

	if (base == NULL || base[0] != '/')
		base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
			access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	n = snprintf(dir, len, "%s/crmfuzz-%s-%ld.XXXXXX", base, target,
		(long)getpid());
	if (n < 0 || (size_t)n >= len)
		return -1;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

#endif
