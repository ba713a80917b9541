// SPDX-License-Identifier: GPL-2.0-only
/*
 * enablehook/disablehook: a new area is disabled; only its owner may
 * enable, disable or release it; token errors are precise.
 */
#include "helpers.h"

START_TEST(new_area_is_disabled)
{
	struct peer r;
	void *a;
	int token;

	ck_ok(createarea(&a, &token, PAGE));
	remote_start(&r);
	ck_assert_int_eq(remote(&r, R_HOOK, token, 0), -EAGAIN);
	ck_ok(enablehook(token));
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_ok(disablehook(token));
	ck_assert_int_eq(remote(&r, R_HOOK, token, 0), -EAGAIN);
	ck_ok(enablehook(token));
	ck_ok(enablehook(token));	/* idempotent */
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
}
END_TEST

/* A hooked area starts disabled too. */
START_TEST(hooked_area_is_disabled)
{
	struct peer r1, r2;
	long t2;
	void *a;
	int token;

	ck_ok(createarea(&a, &token, PAGE));
	ck_ok(enablehook(token));
	remote_start(&r1);
	remote_start(&r2);
	t2 = remote(&r1, R_HOOK, token, 0);
	ck_assert_int_gt(t2, 0);
	ck_assert_int_ne(t2, token);
	ck_assert_int_eq(remote(&r2, R_HOOK, t2, 0), -EAGAIN);
	ck_assert_int_eq(remote(&r1, R_ENABLE, t2, 0), 0);
	ck_assert_int_gt(remote(&r2, R_HOOK, t2, 0), 0);
	ck_assert_int_eq(remote_stop(&r1), 0);
	ck_assert_int_eq(remote_stop(&r2), 0);
	ck_ok(releasearea(token));
}
END_TEST

START_TEST(only_the_owner)
{
	struct peer r;
	long theirs;
	void *a;
	int mine;

	ck_ok(createarea(&a, &mine, PAGE));
	remote_start(&r);
	/* without CAP_IPC_OWNER, which would let it revoke (tests/swingctl) */
	ck_assert_int_eq(remote(&r, R_SETUID, 65534, 0), 0);
	ck_assert_int_eq(remote(&r, R_ENABLE, mine, 0), -EPERM);
	ck_assert_int_eq(remote(&r, R_DISABLE, mine, 0), -EPERM);
	ck_assert_int_eq(remote(&r, R_RELEASE, mine, 0), -EPERM);
	theirs = remote(&r, R_CREATE, PAGE, 0);
	ck_assert_int_gt(theirs, 0);
	/* root (CAP_IPC_OWNER) overrides: it may enable and disable theirs */
	ck_ok(enablehook(theirs));
	ck_ok(disablehook(theirs));
	/* still intact for their owners */
	ck_ok(enablehook(mine));
	ck_assert_int_eq(remote(&r, R_ENABLE, theirs, 0), 0);
	ck_assert_int_eq(remote(&r, R_RELEASE, theirs, 0), 0);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(mine));
}
END_TEST

START_TEST(bad_tokens)
{
	void *a;
	int t;

	ck_fails_with(enablehook(-1), EINVAL);
	ck_fails_with(disablehook(0), EINVAL);
	ck_fails_with(releasearea(-100), EINVAL);
	ck_fails_with(hook(&a, &t, -5), EINVAL);
	ck_fails_with(hook(&a, &t, 0), EINVAL);
	ck_fails_with(enablehook(0x7ffffff0), ENOENT);
	ck_fails_with(disablehook(0x7ffffff0), ENOENT);
	ck_fails_with(releasearea(0x7ffffff0), ENOENT);
	ck_fails_with(hook(&a, &t, 0x7ffffff0), ENOENT);
	ck_fails_with(hook(NULL, &t, 1), EINVAL);
	ck_fails_with(hook(&a, NULL, 1), EINVAL);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("enable");
	TCase *tc = tcase_create("enable");

	tcase_add_test(tc, new_area_is_disabled);
	tcase_add_test(tc, hooked_area_is_disabled);
	tcase_add_test(tc, only_the_owner);
	tcase_add_test(tc, bad_tokens);
	suite_add_tcase(s, tc);
	return s;
}
