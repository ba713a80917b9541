// SPDX-License-Identifier: GPL-2.0-only
/*
 * A 256 MiB area: the hooker's checksum survives the source overwriting
 * every word and exiting; hooking copies no page.
 *
 * The largest areas: a 64 GiB one (max_area_size) with a few pages written
 * far apart, and a 4 GiB one written in full.  Creating, enabling, hooking
 * and releasing them must not hold a CPU long enough for the kernel to
 * report a soft lockup or an RCU stall (run-suite checks its log).  The
 * 4 GiB one needs a guest of 5 GiB or more; tests/run-all gives 6.
 */
#include "helpers.h"

#define BIG (256UL << 20)
#define SPARSE (64UL << 30)
#define SPARSE_STEP (1UL << 30)		/* one written page per GiB */
#define FULL (4UL << 30)
#define FULL_STEP (1UL << 22)		/* a page checked every 4 MiB */

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

START_TEST(sparse_64g)
{
	long areas = swing_stat("areas"), pages = swing_stat("pages");
	unsigned long off;
	struct peer r;
	char *a;
	int token;

	ck_ok(createarea((void **)&a, &token, SPARSE));
	for (off = 0; off < SPARSE; off += SPARSE_STEP)
		*(long *)(a + off + off / SPARSE_STEP * PAGE) = off;
	ck_assert_int_eq(swing_stat("pages"), pages + SPARSE / SPARSE_STEP);
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	for (off = 0; off < SPARSE; off += SPARSE_STEP)
		*(long *)(a + off + off / SPARSE_STEP * PAGE) = -1;
	for (off = 0; off < SPARSE; off += SPARSE_STEP)
		ck_assert_int_eq(remote(&r, R_READ,
					off + off / SPARSE_STEP * PAGE, 0), off);
	ck_ok(releasearea(token));
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_assert_int_eq(swing_stat("areas"), areas);
	ck_assert_int_eq(swing_stat("pages"), pages);
}
END_TEST

START_TEST(full_4g)
{
	long areas = swing_stat("areas"), pages = swing_stat("pages");
	unsigned long off;
	struct peer r;
	void *a;
	int token;

	ck_ok(createarea(&a, &token, FULL));
	fill_pages(a, FULL, 1);
	ck_assert_int_eq(swing_stat("pages"), pages + FULL / PAGE);
	remote_start(&r);
	ck_assert_int_eq(remote(&r, R_HOOK, token, 0), -EAGAIN);
	ck_ok(enablehook(token));
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(swing_stat("pages"), pages + FULL / PAGE);
	for (off = 0; off < FULL; off += FULL_STEP)
		ck_assert_int_eq(remote(&r, R_READ, off + sizeof(long), 0),
				 off / PAGE);
	ck_ok(releasearea(token));
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_assert_int_eq(swing_stat("areas"), areas);
	ck_assert_int_eq(swing_stat("pages"), pages);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("big_area");
	TCase *tc = tcase_create("big");
	TCase *sparse = tcase_create("sparse");
	TCase *full = tcase_create("full");

	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, checksum_survives_overwrite_and_exit);
	suite_add_tcase(s, tc);
	tcase_set_timeout(sparse, 900);
	tcase_add_test(sparse, sparse_64g);
	suite_add_tcase(s, sparse);
	tcase_set_timeout(full, 900);
	tcase_add_test(full, full_4g);
	suite_add_tcase(s, full);
	return s;
}
