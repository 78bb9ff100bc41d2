/*
 * getppid-loop: the load generator of the capture tests. Waits for one byte
 * on stdin (so the test can load programs filtered on this pid first), then
 * calls getppid(2) `count` times, at most `rate` calls per second (0: as fast
 * as possible), and exits 0.
 *
 * usage: getppid-loop COUNT [RATE]
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1;
	double rate = argc > 2 ? atof(argv[2]) : 0;
	char go;
	double t0;

	if (read(0, &go, 1) != 1)
		return 2;
	t0 = now();
	for (long i = 0; i < count; i++) {
		syscall(SYS_getppid);
		/* Pace in steps of 64 calls, sleeping (not spinning) when ahead:
		 * the consumer under test shares the machine's few cores. */
		if (rate > 0 && (i & 63) == 63) {
			double ahead = (i + 1) / rate - (now() - t0);

			if (ahead > 0) {
				struct timespec ts = { (time_t)ahead, (long)((ahead - (time_t)ahead) * 1e9) };

				nanosleep(&ts, NULL);
			}
		}
	}
	return 0;
}
