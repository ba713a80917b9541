// SPDX-License-Identifier: GPL-2.0-only
/*
 * Areas are not inherited across fork(); the child may hook by token and
 * use the library like any process; the parent's areas are unaffected.
 */
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"

START_TEST(not_inherited)
{
	long *a;
	int token;
	pid_t pid;

	ck_ok(createarea((void **)&a, &token, PAGE));
	a[0] = 5;
	pid = fork();
	if (pid == 0)
		_exit(touch_signal((char *)a, 0) == SIGSEGV ? 0 : 1);
	ck_assert_int_eq(child_status(pid), 0);
	ck_assert_int_eq(a[0], 5);
	ck_ok(releasearea(token));
}
END_TEST

/* The child hooks the parent's area by its token, through its own fd. */
START_TEST(child_hooks_by_token)
{
	long *a;
	int token;
	pid_t pid;

	ck_ok(createarea((void **)&a, &token, 2 * PAGE));
	fill_pages(a, 2 * PAGE, 4);
	ck_ok(enablehook(token));
	pid = fork();
	if (pid == 0) {
		long *b;
		int t;

		if (hook((void **)&b, &t, token))
			_exit(1);
		if (pages_version(b, 2 * PAGE) != 4)
			_exit(2);
		fill_pages(b, 2 * PAGE, 5);
		/*
		 * The parent's area is not the child's to manage (once it
		 * is not root, whose CAP_IPC_OWNER would override).
		 */
		if (setuid(65534))
			_exit(4);
		if (disablehook(token) == 0 || errno != EPERM)
			_exit(3);
		_exit(0);
	}
	ck_assert_int_eq(child_status(pid), 0);
	ck_assert_int_eq(pages_version(a, 2 * PAGE), 4);
	/* the child's exit released its area, and not the parent's */
	ck_assert_int_eq(swing_stat("areas"), 1);
	ck_ok(disablehook(token));
	ck_ok(releasearea(token));
}
END_TEST

/* The library keeps working in a child, from a thread-free fork too. */
START_TEST(library_in_child)
{
	void *a;
	int token;
	pid_t pid;

	ck_ok(createarea(&a, &token, PAGE));
	pid = fork();
	if (pid == 0) {
		void *b;
		int t;

		if (createarea(&b, &t, PAGE) || t == token)
			_exit(1);
		if (enablehook(t) || releasearea(t))
			_exit(2);
		_exit(0);
	}
	ck_assert_int_eq(child_status(pid), 0);
	ck_ok(enablehook(token));
	ck_ok(releasearea(token));
	ck_assert_int_eq(swing_stat("areas"), 0);
}
END_TEST

/* MADV_DOFORK lets fork() copy the vma; the child still cannot use it. */
START_TEST(madv_dofork_child_cannot_touch)
{
	long *a;
	int token;
	pid_t pid;

	ck_ok(createarea((void **)&a, &token, PAGE));
	a[0] = 8;
	if (madvise(a, PAGE, MADV_DOFORK) == 0) {
		pid = fork();
		if (pid == 0) {
			int r = touch_signal((char *)a, 0);
			int w = touch_signal((char *)a, 1);

			_exit(r && w ? 0 : 1);
		}
		ck_assert_int_eq(child_status(pid), 0);
	}
	ck_assert_int_eq(a[0], 8);
	ck_ok(releasearea(token));
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("fork");
	TCase *tc = tcase_create("fork");

	tcase_add_test(tc, not_inherited);
	tcase_add_test(tc, child_hooks_by_token);
	tcase_add_test(tc, library_in_child);
	tcase_add_test(tc, madv_dofork_child_cannot_touch);
	suite_add_tcase(s, tc);
	return s;
}
