// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-user limits (module parameters max_areas_per_user and
 * max_pages_per_user): areas count from create or hook until release, by
 * size; another user is not charged for them; the limits are read at each
 * call.  The parameters are put back after the tests, pass or fail.
 */
#include "helpers.h"

#define NOBODY 65534
#define OTHER 65533

static unsigned long saved_areas, saved_pages;

static void save_params(void)
{
	saved_areas = swing_param("max_areas_per_user");
	saved_pages = swing_param("max_pages_per_user");
}

static void restore_params(void)
{
	set_param("max_areas_per_user", saved_areas);
	set_param("max_pages_per_user", saved_pages);
}

START_TEST(defaults)
{
	ck_assert_uint_eq(swing_param("max_areas_per_user"), 4096);
	ck_assert_uint_eq(swing_param("max_pages_per_user"), 0);
}
END_TEST

START_TEST(areas_per_user)
{
	struct peer u, v, w;
	long t[3];
	int i;

	remote_start(&u);
	remote_start(&v);
	remote_start(&w);
	ck_assert_int_eq(remote(&u, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&v, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&w, R_SETUID, OTHER, 0), 0);
	set_param("max_areas_per_user", 3);
	for (i = 0; i < 3; i++) {
		t[i] = remote(i < 2 ? &u : &v, R_CREATE, PAGE, 0);
		ck_assert_int_gt(t[i], 0);
	}
	/* a fourth, by any process of that uid, by create or hook */
	ck_assert_int_eq(remote(&v, R_CREATE, PAGE, 0), -ENOSPC);
	ck_assert_int_eq(remote(&u, R_ENABLE, t[0], 0), 0);
	ck_assert_int_eq(remote(&v, R_HOOK, t[0], 0), -ENOSPC);
	/* another uid has its own count */
	ck_assert_int_gt(remote(&w, R_CREATE, PAGE, 0), 0);
	/* release gives the slot back */
	ck_assert_int_eq(remote(&u, R_RELEASE, t[1], 0), 0);
	ck_assert_int_gt(remote(&v, R_HOOK, t[0], 0), 0);
	ck_assert_int_eq(remote(&u, R_CREATE, PAGE, 0), -ENOSPC);
	/* so does exit */
	ck_assert_int_eq(remote_stop(&v), 0);
	ck_assert_int_gt(remote(&u, R_CREATE, PAGE, 0), 0);
	/* 0: no limit */
	set_param("max_areas_per_user", 0);
	ck_assert_int_gt(remote(&u, R_CREATE, PAGE, 0), 0);
	ck_assert_int_eq(remote_stop(&u), 0);
	ck_assert_int_eq(remote_stop(&w), 0);
}
END_TEST

START_TEST(pages_per_user)
{
	struct peer u, v;
	long t;

	remote_start(&u);
	remote_start(&v);
	ck_assert_int_eq(remote(&u, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&v, R_SETUID, NOBODY, 0), 0);
	set_param("max_pages_per_user", 10);
	ck_assert_int_eq(remote(&u, R_CREATE, 11 * PAGE, 0), -ENOSPC);
	t = remote(&u, R_CREATE, 6 * PAGE, 0);
	ck_assert_int_gt(t, 0);
	ck_assert_int_eq(remote(&u, R_ENABLE, t, 0), 0);
	/* a snapshot counts its full size, shared or not */
	ck_assert_int_eq(remote(&v, R_HOOK, t, 0), -ENOSPC);
	ck_assert_int_gt(remote(&v, R_CREATE, 4 * PAGE, 0), 0);
	ck_assert_int_eq(remote(&v, R_CREATE, 1, 0), -ENOSPC);
	ck_assert_int_eq(remote(&u, R_RELEASE, t, 0), 0);
	ck_assert_int_gt(remote(&u, R_CREATE, 6 * PAGE, 0), 0);
	ck_assert_int_eq(remote_stop(&u), 0);
	ck_assert_int_eq(remote_stop(&v), 0);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = tcase_create("limits");

	tcase_add_unchecked_fixture(tc, save_params, restore_params);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, areas_per_user);
	tcase_add_test(tc, pages_per_user);
	suite_add_tcase(s, tc);
	return s;
}
