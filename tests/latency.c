// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the totals must not hold up the ioctls.  shared_pages in sysfs
 * and /proc/swing count the pages of every area; with thousands of
 * snapshots of a written area alive, that is a long walk, and an ioctl
 * issued meanwhile (a hook, a release: constant work whatever the sizes)
 * must still return within LATENCY_MS, not wait for the walk to end.
 */
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#define AREA		(64UL << 20)	/* written in full: 16384 pages of 4 KiB */
#define SNAPSHOTS	3000		/* below max_areas_per_user (4096) */
#define LATENCY_MS	100
#define IOCTLS		50
#define BUDGET_MS	30000		/* stop measuring after this long */

#define SHARED_PAGES	"/sys/class/misc/swing/shared_pages"
#define PROC_SWING	"/proc/swing"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Read @path from start to end; how long that took, in ms. */
static double read_ms(const char *path)
{
	static char buf[65536];
	double start = now_ms();
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, sizeof(buf));
	while (n > 0);
	close(fd);
	return n < 0 ? -1 : now_ms() - start;
}

/*
 * Read arg's file over and over until the test writes to @in, then answer
 * the number of reads and the slowest one in microseconds.  Niced: the
 * ioctls measured wait for the module, not for a CPU.
 */
static int reader_main(int in, int out, void *arg)
{
	struct pollfd stop = { .fd = in, .events = POLLIN };
	double ms, max = 0;
	long reads = 0;

	if (nice(19) < 0)
		return 1;
	while (!poll(&stop, 1, 0)) {
		ms = read_ms(arg);
		if (ms < 0)
			return 1;
		max = ms > max ? ms : max;
		reads++;
	}
	send_long(out, reads);
	send_long(out, (long)(max * 1e3));
	return 0;
}

struct reader {
	struct peer peer;
	long reads;
	double max_ms;
};

static void reader_stop(struct reader *r)
{
	send_long(r->peer.to, 0);
	r->reads = recv_long(r->peer.from);
	r->max_ms = recv_long(r->peer.from) / 1e3;
	ck_assert_int_eq(peer_wait(&r->peer), 0);
	ck_assert_int_gt(r->reads, 0);
}

START_TEST(ioctls_do_not_wait_for_readers)
{
	double alone_shared, alone_proc, start, t0, t1, t2, max = 0;
	struct reader shared, proc;
	void *a, *b;
	int src, t, n = 0;

	ck_ok(createarea(&a, &src, AREA));
	fill_pages(a, AREA, 1);
	ck_ok(enablehook(src));
	for (int i = 0; i < SNAPSHOTS; i++)
		ck_ok(hook(&b, &t, src));
	alone_shared = read_ms(SHARED_PAGES);
	alone_proc = read_ms(PROC_SWING);
	ck_assert(alone_shared >= 0 && alone_proc >= 0);

	peer_start(&shared.peer, reader_main, SHARED_PAGES);
	peer_start(&proc.peer, reader_main, PROC_SWING);
	usleep(100000);	/* both in their loops */
	start = now_ms();
	while (n < IOCTLS && now_ms() - start < BUDGET_MS) {
		t0 = now_ms();
		ck_ok(hook(&b, &t, src));
		t1 = now_ms();
		ck_ok(releasearea(t));
		t2 = now_ms();
		max = t1 - t0 > max ? t1 - t0 : max;
		max = t2 - t1 > max ? t2 - t1 : max;
		n += 2;
	}
	reader_stop(&shared);
	reader_stop(&proc);
	ck_assert_msg(max < LATENCY_MS,
		      "slowest of %d ioctls (hook, release) while %s and %s are read: %.0f ms, over %d ms; "
		      "with %d snapshots of %lu MiB one read alone takes %.0f ms and %.0f ms, "
		      "the slowest during the ioctls %.0f ms and %.0f ms (%ld and %ld reads)",
		      n, SHARED_PAGES, PROC_SWING, max, LATENCY_MS,
		      SNAPSHOTS, AREA >> 20, alone_shared, alone_proc,
		      shared.max_ms, proc.max_ms, shared.reads, proc.reads);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("latency");
	TCase *tc = tcase_create("latency");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, ioctls_do_not_wait_for_readers);
	suite_add_tcase(s, tc);
	return s;
}
