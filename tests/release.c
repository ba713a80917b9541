// SPDX-License-Identifier: GPL-2.0-only
/*
 * releasearea: unmaps and frees the token; a hooked copy outlives the
 * source's release and its process; exit releases everything.
 */
#include <signal.h>
#include <sys/mman.h>

#include "helpers.h"

START_TEST(release_unmaps_and_frees_token)
{
	char *a;
	int token;

	ck_ok(createarea((void **)&a, &token, 2 * PAGE));
	a[0] = 1;
	ck_ok(releasearea(token));
	ck_assert_int_eq(touch_signal(a, 0), SIGSEGV);
	ck_assert_int_eq(touch_signal(a + PAGE, 1), SIGSEGV);
	ck_fails_with(releasearea(token), ENOENT);	/* double release */
	ck_fails_with(enablehook(token), ENOENT);
	ck_fails_with(disablehook(token), ENOENT);
	ck_assert_int_eq(swing_stat("areas"), 0);
	ck_assert_int_eq(swing_stat("pages"), 0);
}
END_TEST

START_TEST(copy_outlives_source_release)
{
	struct peer r;
	long *a;
	int token;

	ck_ok(createarea((void **)&a, &token, 4 * PAGE));
	fill_pages(a, 4 * PAGE, 6);
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_ok(releasearea(token));
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 6);
	ck_assert_int_eq(remote(&r, R_FILL, 7, 0), 0);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 7);
	ck_assert_int_eq(swing_stat("areas"), 1);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_assert_int_eq(swing_stat("areas"), 0);
	ck_assert_int_eq(swing_stat("pages"), 0);
}
END_TEST

START_TEST(copy_outlives_source_process)
{
	struct peer src, r;
	long token;

	remote_start(&src);
	token = remote(&src, R_CREATE, 8 * PAGE, 0);
	ck_assert_int_gt(token, 0);
	ck_assert_int_eq(remote(&src, R_FILL, 3, 0), 0);
	ck_assert_int_eq(remote(&src, R_ENABLE, token, 0), 0);
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(remote(&src, R_FILL, 4, 0), 0);
	ck_assert_int_eq(remote_stop(&src), 0);	/* exit releases its area */

	void *b;
	int t;

	ck_fails_with(hook(&b, &t, token), ENOENT);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 3);
	ck_assert_int_eq(remote(&r, R_FILL, 5, 0), 0);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 5);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_assert_int_eq(swing_stat("areas"), 0);
	ck_assert_int_eq(swing_stat("pages"), 0);
}
END_TEST

/* A process killed by a signal releases its areas like one that exits. */
START_TEST(killed_process_releases)
{
	struct peer src;
	long token;

	remote_start(&src);
	token = remote(&src, R_CREATE, 4 * PAGE, 0);
	ck_assert_int_gt(token, 0);
	ck_assert_int_eq(remote(&src, R_FILL, 1, 0), 0);
	ck_assert_int_eq(swing_stat("areas"), 1);
	kill(src.pid, SIGKILL);
	ck_assert_int_eq(peer_wait(&src), 128 + SIGKILL);
	ck_assert_int_eq(swing_stat("areas"), 0);
	ck_assert_int_eq(swing_stat("pages"), 0);
	ck_fails_with(enablehook(token), ENOENT);
}
END_TEST

/* Released after the owner moved its mapping: still fully unmapped. */
START_TEST(release_after_mremap)
{
	char *a, *b, *dst;
	int token;

	ck_ok(createarea((void **)&a, &token, 4 * PAGE));
	dst = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(dst, MAP_FAILED);
	b = mremap(a, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ck_assert_ptr_ne(b, MAP_FAILED);
	b[0] = 1;
	ck_ok(releasearea(token));
	ck_assert_int_eq(touch_signal(b, 0), SIGSEGV);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("release");
	TCase *tc = tcase_create("release");

	tcase_add_test(tc, release_unmaps_and_frees_token);
	tcase_add_test(tc, copy_outlives_source_release);
	tcase_add_test(tc, copy_outlives_source_process);
	tcase_add_test(tc, killed_process_releases);
	tcase_add_test(tc, release_after_mremap);
	suite_add_tcase(s, tc);
	return s;
}
