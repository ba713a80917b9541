// SPDX-License-Identifier: GPL-2.0-only
/*
 * A page held for DMA when the area is snapshotted must not let the
 * device's later writes into the snapshot: the hook gives the snapshot a
 * copy of it at once, as fork() does for the child of a pinned page.
 *
 * The I/O: an O_DIRECT read into the area from a dm-delay device (over a
 * loop device), which holds its pages for the delay and writes them at the
 * end.  Block O_DIRECT pins with FOLL_PIN from Linux 6.5; before, it takes
 * plain references, which fork cannot tell from others and swing treats as
 * pins (area.c), so the test runs on every kernel, as root.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "helpers.h"

#define LEN	(16 * PAGE)
#define DELAY_MS 2000

static struct slow_dev dev;

static void *direct_read(void *area)
{
	int fd = open(dev.path, O_RDONLY | O_DIRECT);
	long n = -1;

	if (fd >= 0) {
		n = pread(fd, area, LEN, 0);
		close(fd);
	}
	return (void *)n;
}

START_TEST(pinned_page_copied_at_hook)
{
	const long old = 0x1111111111111111L, dma = (long)0xababababababababUL;
	struct peer r;
	pthread_t t;
	long copies;
	void *n;
	long *a;
	int token;

	slow_dev_setup(&dev, "swing-pin", DELAY_MS);
	ck_ok(createarea((void **)&a, &token, LEN));
	memset(a, 0x11, LEN);
	ck_assert_int_eq(pthread_create(&t, NULL, direct_read, a), 0);
	usleep(DELAY_MS * 1000 / 4);	/* the read is in flight, pages held */

	ck_ok(enablehook(token));
	copies = swing_stat("cow_copies");
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	/* every page of the area was held: the snapshot got copies now */
	ck_assert_int_eq(swing_stat("cow_copies"), copies + LEN / PAGE);
	ck_assert_int_eq(remote(&r, R_READ, 0, 0), old);

	ck_assert_int_eq(pthread_join(t, &n), 0);
	ck_assert_int_eq((long)n, LEN);
	ck_assert_int_eq(a[0], dma);	/* the device wrote the source */
	ck_assert_int_eq(a[LEN / sizeof(long) - 1], dma);
	/* and nothing of it reached the snapshot */
	ck_assert_int_eq(remote(&r, R_READ, 0, 0), old);
	ck_assert_int_eq(remote(&r, R_READ, LEN - sizeof(long), 0), old);
	ck_assert_int_eq(remote_stop(&r), 0);

	/* released now: the next snapshot shares the pages again */
	copies = swing_stat("cow_copies");
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(swing_stat("cow_copies"), copies);
	ck_assert_int_eq(remote(&r, R_READ, 0, 0), dma);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
	slow_dev_teardown(&dev);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("pinned");
	TCase *tc = tcase_create("pinned");

	if (geteuid() == 0)
		tcase_add_test(tc, pinned_page_copied_at_hook);
	else
		printf("pinned: not run (needs root)\n");
	suite_add_tcase(s, tc);
	return s;
}
