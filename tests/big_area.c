// SPDX-License-Identifier: GPL-2.0-only
/*
 * A 256 MiB area: the hooker's checksum survives the source overwriting
 * every word and exiting; hooking copies no page.
 */
#include "helpers.h"

#define BIG (256UL << 20)

static long expected_sum(long mul, long add)
{
	long sum = 0;

	for (size_t i = 0; i < BIG / sizeof(long); i++)
		sum += mul * (long)i + add;
	return sum;
}

START_TEST(checksum_survives_overwrite_and_exit)
{
	struct peer src, r;
	long token, pages, want = expected_sum(3, 17);

	remote_start(&src);
	token = remote(&src, R_CREATE, BIG, 0);
	ck_assert_int_gt(token, 0);
	ck_assert_int_eq(remote(&src, R_FILLW, 3, 17), 0);
	ck_assert_int_eq(remote(&src, R_ENABLE, token, 0), 0);
	pages = swing_stat("pages");
	ck_assert_int_eq(pages, BIG / PAGE);

	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(swing_stat("pages"), pages);	/* nothing copied */
	ck_assert_int_eq(remote(&r, R_SUM, 0, 0), want);

	ck_assert_int_eq(remote(&src, R_FILLW, 5, 1), 0);
	ck_assert_int_eq(remote(&src, R_SUM, 0, 0), expected_sum(5, 1));
	ck_assert_int_eq(remote_stop(&src), 0);
	ck_assert_int_eq(remote(&r, R_SUM, 0, 0), want);
	ck_assert_int_eq(swing_stat("pages"), pages);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_assert_int_eq(swing_stat("pages"), 0);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("big_area");
	TCase *tc = tcase_create("big");

	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, checksum_survives_overwrite_and_exit);
	suite_add_tcase(s, tc);
	return s;
}
