// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hook and disable are atomic with respect to each other: many hookers race
 * a writer that enables, disables and at once rewrites the area with a
 * version that is never enabled.  No snapshot may be torn or show it.
 */
#include <poll.h>
#include <unistd.h>

#include "helpers.h"

#define LEN (64 * PAGE)
#define HOOKERS 4
#define ROUNDS 150

/* Hook until told to stop; answer ok snapshots, then bad ones. */
static int hooker(int in, int out, void *arg)
{
	long token = recv_long(in), ok = 0, bad = 0, errors = 0;
	struct pollfd pfd = { .fd = in, .events = POLLIN };

	while (poll(&pfd, 1, 0) == 0) {
		void *b;
		int t;

		if (hook(&b, &t, token)) {
			if (errno != EAGAIN)
				errors++;
			continue;
		}
		long v = pages_version(b, LEN);

		if (v > 0)
			ok++;
		else
			bad++;
		if (releasearea(t))
			errors++;
	}
	send_long(out, ok);
	send_long(out, bad);
	send_long(out, errors);
	return 0;
}

START_TEST(no_torn_snapshot)
{
	struct peer h[HOOKERS];
	long ok = 0;
	long *a;
	int token;

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_pages(a, LEN, 1);
	for (int i = 0; i < HOOKERS; i++) {
		peer_start(&h[i], hooker, NULL);
		send_long(h[i].to, token);
	}
	for (long v = 1; v <= ROUNDS; v++) {
		ck_ok(enablehook(token));
		usleep(2000);
		ck_ok(disablehook(token));
		fill_pages(a, LEN, -v);	/* never enabled: no hook may see it */
		fill_pages(a, LEN, v + 1);
	}
	for (int i = 0; i < HOOKERS; i++) {
		send_long(h[i].to, 0);
		long good = recv_long(h[i].from), bad = recv_long(h[i].from);
		long errors = recv_long(h[i].from);

		ck_assert_int_eq(bad, 0);
		ck_assert_int_eq(errors, 0);
		ok += good;
		ck_assert_int_eq(peer_wait(&h[i]), 0);
	}
	ck_assert_msg(ok > 0, "no hook succeeded: the race was not exercised");
	ck_ok(releasearea(token));
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("atomic_disable");
	TCase *tc = tcase_create("race");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, no_torn_snapshot);
	suite_add_tcase(s, tc);
	return s;
}
