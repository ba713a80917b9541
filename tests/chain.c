// SPDX-License-Identifier: GPL-2.0-only
/*
 * The seed's data-sharing model: A and B hand copies to C, which cleans
 * them and hands its copy on to D and E.  Every process works on its own.
 */
#include "helpers.h"

#define LEN (16 * PAGE)

START_TEST(a_to_c_to_d_and_e)
{
	struct peer c, d, e;
	long tc;
	long *a;
	int ta;

	ck_ok(createarea((void **)&a, &ta, LEN));
	fill_pages(a, LEN, 1);
	ck_ok(enablehook(ta));

	remote_start(&c);
	tc = remote(&c, R_HOOK, ta, 0);
	ck_assert_int_gt(tc, 0);
	ck_assert_int_eq(remote(&c, R_VERSION, 0, 0), 1);
	ck_assert_int_eq(remote(&c, R_FILL, 2, 0), 0);	/* C cleanses */
	ck_assert_int_eq(remote(&c, R_ENABLE, tc, 0), 0);
	fill_pages(a, LEN, 9);	/* A goes on */

	remote_start(&d);
	remote_start(&e);
	ck_assert_int_gt(remote(&d, R_HOOK, tc, 0), 0);
	ck_assert_int_gt(remote(&e, R_HOOK, tc, 0), 0);
	ck_assert_int_eq(remote(&d, R_VERSION, 0, 0), 2);
	ck_assert_int_eq(remote(&e, R_VERSION, 0, 0), 2);

	ck_assert_int_eq(remote(&d, R_FILL, 3, 0), 0);
	ck_assert_int_eq(remote(&c, R_FILL, 4, 0), 0);
	ck_assert_int_eq(remote(&e, R_VERSION, 0, 0), 2);
	ck_assert_int_eq(remote(&d, R_VERSION, 0, 0), 3);
	ck_assert_int_eq(remote(&c, R_VERSION, 0, 0), 4);
	ck_assert_int_eq(pages_version(a, LEN), 9);

	/* C leaves; D and E keep their copies */
	ck_assert_int_eq(remote_stop(&c), 0);
	ck_assert_int_eq(remote(&e, R_VERSION, 0, 0), 2);
	ck_assert_int_eq(remote(&d, R_VERSION, 0, 0), 3);
	ck_assert_int_eq(remote_stop(&d), 0);
	ck_assert_int_eq(remote_stop(&e), 0);
	ck_ok(releasearea(ta));
	ck_assert_int_eq(swing_stat("areas"), 0);
	ck_assert_int_eq(swing_stat("pages"), 0);
}
END_TEST

/* Two producers into one integrator, as in the seed's figure. */
START_TEST(two_sources_one_integrator)
{
	struct peer b, c;
	long tb, *a;
	int ta;

	ck_ok(createarea((void **)&a, &ta, LEN));
	fill_pages(a, LEN, 10);
	ck_ok(enablehook(ta));
	remote_start(&b);
	tb = remote(&b, R_CREATE, LEN, 0);
	ck_assert_int_gt(tb, 0);
	ck_assert_int_eq(remote(&b, R_FILL, 20, 0), 0);
	ck_assert_int_eq(remote(&b, R_ENABLE, tb, 0), 0);

	remote_start(&c);
	ck_assert_int_gt(remote(&c, R_HOOK, ta, 0), 0);
	ck_assert_int_eq(remote(&c, R_VERSION, 0, 0), 10);
	ck_assert_int_gt(remote(&c, R_HOOK, tb, 0), 0);	/* its second area */
	ck_assert_int_eq(remote(&c, R_VERSION, 0, 0), 20);
	ck_assert_int_eq(remote_stop(&b), 0);
	ck_assert_int_eq(remote_stop(&c), 0);
	ck_ok(releasearea(ta));
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("chain");
	TCase *tc = tcase_create("chain");

	tcase_add_test(tc, a_to_c_to_d_and_e);
	tcase_add_test(tc, two_sources_one_integrator);
	suite_add_tcase(s, tc);
	return s;
}
