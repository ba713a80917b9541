// SPDX-License-Identifier: GPL-2.0-only
/*
 * hookloop TOKEN [VMAS]: the C side of bench/python/pybench.py's hook
 * experiment.
 *
 * For each line "N" read from stdin, hook area TOKEN and release the
 * snapshot N times in a tight loop (swing_hook_flags + releasearea, as
 * swing.hook(token) and Area.release() do under the Python layer), timing
 * each pair with CLOCK_MONOTONIC, and print one line: the median and the
 * mean of the pairs in nanoseconds.  EOF ends it.
 *
 * With VMAS, it first maps small regions until its address space has about
 * that many VMAs (/proc/self/maps lines), as many as a Python process's:
 * the module's releasearea looks for the caller's mapping of the area
 * among all of them.
 *
 * Built also as hookloop.so, whose hookloop_run() pybench.py calls through
 * ctypes: the same C loop inside a Python process, so that what differs
 * between a Python process and this small one (its address space, its
 * descriptors) is told apart from what the Python layer adds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "swing.h"

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/*
 * n hook + release pairs of area token; returns the median pair in ns and
 * puts the mean in *mean, or returns -1 with errno set.
 */
__attribute__((visibility("default")))
long long hookloop_run(int token, long n, long long *mean)
{
	long long *t, sum = 0, t0, med;

	if (n <= 0 || !(t = malloc(n * sizeof(*t)))) {
		errno = EINVAL;
		return -1;
	}
	for (long i = 0; i < n; i++) {
		void *snap;
		int stoken;

		t0 = now_ns();
		if (swing_hook_flags(&snap, &stoken, token, 0) || releasearea(stoken)) {
			free(t);
			return -1;
		}
		t[i] = now_ns() - t0;
		sum += t[i];
	}
	qsort(t, n, sizeof(*t), cmp_ll);
	med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	*mean = sum / n;
	free(t);
	return med;
}

#ifndef HOOKLOOP_LIB
static int count_vmas(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, c;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Map 2-page regions, the second page read-only: two VMAs each, unmerged. */
static void pad_vmas(int target)
{
	long page = sysconf(_SC_PAGESIZE);

	for (int n = count_vmas(); n >= 0 && n < target; n += 2) {
		char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || mprotect(p + page, page, PROT_READ)) {
			perror("hookloop: mmap");
			exit(1);
		}
		p[0] = 1;
	}
}

int main(int argc, char **argv)
{
	char line[64];

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: hookloop TOKEN [VMAS]\n");
		return 2;
	}
	if (argc == 3)
		pad_vmas(atoi(argv[2]));
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		long long med, mean;

		med = hookloop_run(atoi(argv[1]), atol(line), &mean);
		if (med < 0) {
			fprintf(stderr, "hookloop: %s", strerror(errno));
			return 1;
		}
		printf("%lld %lld\n", med, mean);
	}
	return 0;
}
#endif
