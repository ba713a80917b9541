// SPDX-License-Identifier: GPL-2.0-only
/*
 * Threads of the owner keep writing an enabled area while other processes
 * hook it again and again: each snapshot, once taken, never changes.
 */
#include <pthread.h>
#include <poll.h>
#include <unistd.h>

#include "helpers.h"

#define LEN (256 * PAGE)
#define THREADS 3
#define HOOKERS 2

static long *area;
static volatile int stop;

/* A word a little less than a page apart: about one in every page. */
#define STRIDE (PAGE / sizeof(long) - 3)

static void *writer(void *arg)
{
	long id = (long)arg, n = 0;
	size_t stride = STRIDE;

	while (!stop) {
		for (size_t i = id; i < LEN / sizeof(long); i += stride)
			area[i] = ++n;
	}
	return NULL;
}

static long sum(const long *p)
{
	long s = 0;

	for (size_t i = 0; i < LEN / sizeof(long); i++)
		s += p[i] * (long)(i + 1);
	return s;
}

static int hooker(int in, int out, void *arg)
{
	long token = recv_long(in), hooks = 0, changed = 0, errors = 0;
	struct pollfd pfd = { .fd = in, .events = POLLIN };

	while (poll(&pfd, 1, 0) == 0) {
		long *b, s1;
		int t;

		if (hook((void **)&b, &t, token)) {
			errors++;
			continue;
		}
		hooks++;
		s1 = sum(b);
		usleep(1000);
		if (sum(b) != s1)
			changed++;
		b[hooks % (LEN / sizeof(long))] = -1;	/* and write our copy */
		if (releasearea(t))
			errors++;
	}
	send_long(out, hooks);
	send_long(out, changed);
	send_long(out, errors);
	return 0;
}

START_TEST(snapshots_stay_put_under_writers)
{
	pthread_t th[THREADS];
	struct peer h[HOOKERS];
	long hooks = 0;
	int token;

	ck_ok(createarea((void **)&area, &token, LEN));
	ck_ok(enablehook(token));
	for (long i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, writer, (void *)i), 0);
	for (int i = 0; i < HOOKERS; i++) {
		peer_start(&h[i], hooker, NULL);
		send_long(h[i].to, token);
	}
	sleep(3);
	for (int i = 0; i < HOOKERS; i++) {
		send_long(h[i].to, 0);
		hooks += recv_long(h[i].from);
		ck_assert_int_eq(recv_long(h[i].from), 0);	/* changed */
		ck_assert_int_eq(recv_long(h[i].from), 0);	/* errors */
		ck_assert_int_eq(peer_wait(&h[i]), 0);
	}
	stop = 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	ck_assert_int_gt(hooks, 0);
	ck_ok(releasearea(token));
	ck_assert_int_eq(swing_stat("pages"), 0);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("concurrent_writers");
	TCase *tc = tcase_create("concurrent");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, snapshots_stay_put_under_writers);
	suite_add_tcase(s, tc);
	return s;
}
