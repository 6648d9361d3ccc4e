/*
 * The fuzz targets without libFuzzer: runs the target linked in once
 * over each file named on the command line, as libFuzzer does when it is
 * given files, so that make check replays the corpus and the crashes and
 * leaks once found (tests/fuzz/run-regress.sh) with gcc alone, under
 * ASan and UBSan in the sanitizer build.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* A target needs no LLVMFuzzerInitialize; libFuzzer checks for it too. */
#pragma weak LLVMFuzzerInitialize

/*
 * The whole of the regular file path in a buffer of exactly its size,
 * so that the sanitizers see a read past the input. 0 or -1 (said why).
 */
static int slurp(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;

	if (f == NULL || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: %s\n", path, f == NULL ? strerror(errno) :
			"not a regular file");
		goto fail;
	}
	len = (size_t)st.st_size;
	if ((buf = malloc(len > 0 ? len : 1)) == NULL ||
	    fread(buf, 1, len, f) != len) {
		fprintf(stderr, "%s: cannot read it\n", path);
		goto fail;
	}
	fclose(f);
	*data = buf;
	*size = len;
	return 0;
fail:
	free(buf);
	if (f != NULL)
		fclose(f);
	return -1;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (LLVMFuzzerInitialize != NULL)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		uint8_t *data;
		size_t size;

		if (slurp(argv[i], &data, &size) != 0) {
			rc = 1;
			continue;
		}
		(void)LLVMFuzzerTestOneInput(data, size);
		free(data);
	}
	return rc;
}
