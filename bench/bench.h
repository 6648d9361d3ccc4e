/*
 * What the benchmarks share: a monotonic clock in seconds and the removal
 * of a temporary directory tree. Each benchmark is one file that includes
 * this header.
 */
#ifndef CRM_BENCH_H
#define CRM_BENCH_H

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

static inline double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int rm_entry(const char *path, const struct stat *st, int flag,
	struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes the tree at dir (a benchmark's temporary directory). */
static inline void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

#endif
