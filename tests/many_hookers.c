// SPDX-License-Identifier: GPL-2.0-only
/* Sixteen processes hook one area; each writes its own copy. */
#include "helpers.h"

#define LEN (32 * PAGE)
#define N 16

START_TEST(sixteen_hookers)
{
	struct peer r[N];
	long pages, *a;
	int token;

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_pages(a, LEN, 1000);
	ck_ok(enablehook(token));
	pages = swing_stat("pages");
	for (int i = 0; i < N; i++) {
		remote_start(&r[i]);
		ck_assert_int_gt(remote(&r[i], R_HOOK, token, 0), 0);
	}
	ck_assert_int_eq(swing_stat("pages"), pages);
	ck_assert_int_eq(swing_stat("areas"), N + 1);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(remote(&r[i], R_FILL, i + 1, 0), 0);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(remote(&r[i], R_VERSION, 0, 0), i + 1);
	ck_assert_int_eq(pages_version(a, LEN), 1000);
	ck_assert_int_eq(swing_stat("pages"), pages * (N + 1));
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(remote_stop(&r[i]), 0);
	ck_assert_int_eq(swing_stat("pages"), pages);
	ck_ok(releasearea(token));
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("many_hookers");
	TCase *tc = tcase_create("many");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, sixteen_hookers);
	suite_add_tcase(s, tc);
	return s;
}
