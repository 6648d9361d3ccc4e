/*
 * fineclock.so, preloaded into SIPp by scripts/bench-sip.sh: SIPp times
 * response times with CLOCK_MONOTONIC_COARSE, which ticks every 4 ms on
 * this kernel (HZ 250), too coarse for a p99 of a few milliseconds. This
 * answers the coarse clock with the precise one.
 */
#include <dlfcn.h>
#include <time.h>

/* The build hides symbols by default; this one must interpose. */
__attribute__((visibility("default")))
int clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);

	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	if (id == CLOCK_MONOTONIC_COARSE)
		id = CLOCK_MONOTONIC;
	else if (id == CLOCK_REALTIME_COARSE)
		id = CLOCK_REALTIME;
	return real(id, ts);
}
