/*
 * Benchmark: one argon2id verification at the store's default cost
 * (libsodium INTERACTIVE, what hash_opslimit and hash_memlimit default
 * to), the bound of a standalone login: kdf N prints the median of N
 * verifications in milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const char pw[] = "Bench#Pass42";
	char hash[crypto_pwhash_STRBYTES];
	double t[1000];
	long n = argc == 2 ? strtol(argv[1], NULL, 10) : 0;

	if (n < 1 || n > 1000) {
		fprintf(stderr, "usage: kdf N (1 to 1000)\n");
		return 2;
	}
	if (sodium_init() < 0 || crypto_pwhash_str(hash, pw, strlen(pw),
			crypto_pwhash_OPSLIMIT_INTERACTIVE,
			crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return 1;
	for (long i = 0; i < n; i++) {
		double t0 = seconds();

		if (crypto_pwhash_str_verify(hash, pw, strlen(pw)) != 0)
			return 1;
		t[i] = (seconds() - t0) * 1e3;
	}
	qsort(t, (size_t)n, sizeof(t[0]), cmp_double);
	printf("%.2f\n", t[n / 2]);
	return 0;
}
