// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/swing is usable by anyone; hooking needs the owner's uid or
 * CAP_IPC_OWNER; managing an area needs being its owner.
 */
#include <sys/stat.h>

#include "helpers.h"

#define NOBODY 65534
#define OTHER 65533

START_TEST(device_open_to_all)
{
	struct stat st;

	ck_assert_int_eq(stat(SWING_DEVICE, &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0666);
}
END_TEST

START_TEST(unprivileged_user)
{
	struct peer u;
	long theirs;
	void *a, *b;
	int mine, t;

	ck_ok(createarea(&a, &mine, PAGE));
	ck_ok(enablehook(mine));
	remote_start(&u);
	ck_assert_int_eq(remote(&u, R_SETUID, NOBODY, 0), 0);
	theirs = remote(&u, R_CREATE, 2 * PAGE, 0);
	ck_assert_int_gt(theirs, 0);
	ck_assert_int_eq(remote(&u, R_FILL, 3, 0), 0);
	ck_assert_int_eq(remote(&u, R_ENABLE, theirs, 0), 0);
	ck_assert_int_eq(remote(&u, R_HOOK, mine, 0), -EACCES);
	ck_assert_int_eq(remote(&u, R_DISABLE, mine, 0), -EPERM);
	ck_assert_int_eq(remote(&u, R_RELEASE, mine, 0), -EPERM);

	/* root hooks anything (CAP_IPC_OWNER) but manages only its own */
	ck_ok(hook(&b, &t, theirs));
	ck_assert_int_eq(pages_version(b, 2 * PAGE), 3);
	ck_fails_with(disablehook(theirs), EPERM);
	ck_ok(releasearea(t));
	ck_assert_int_eq(remote_stop(&u), 0);
	ck_ok(releasearea(mine));
}
END_TEST

START_TEST(two_unprivileged_users)
{
	struct peer u1, u2, u1b;
	long t1;

	remote_start(&u1);
	remote_start(&u2);
	remote_start(&u1b);
	ck_assert_int_eq(remote(&u1, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&u2, R_SETUID, OTHER, 0), 0);
	ck_assert_int_eq(remote(&u1b, R_SETUID, NOBODY, 0), 0);
	t1 = remote(&u1, R_CREATE, PAGE, 0);
	ck_assert_int_gt(t1, 0);
	ck_assert_int_eq(remote(&u1, R_ENABLE, t1, 0), 0);
	ck_assert_int_eq(remote(&u2, R_HOOK, t1, 0), -EACCES);
	ck_assert_int_gt(remote(&u1b, R_HOOK, t1, 0), 0);	/* same uid */
	ck_assert_int_eq(remote(&u1b, R_DISABLE, t1, 0), -EPERM);
	ck_assert_int_eq(remote_stop(&u1), 0);
	ck_assert_int_eq(remote_stop(&u2), 0);
	ck_assert_int_eq(remote_stop(&u1b), 0);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("permissions");
	TCase *tc = tcase_create("permissions");

	tcase_add_test(tc, device_open_to_all);
	tcase_add_test(tc, unprivileged_user);
	tcase_add_test(tc, two_unprivileged_users);
	suite_add_tcase(s, tc);
	return s;
}
