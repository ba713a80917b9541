// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmap/mremap/munmap/mprotect/madvise on an area's mapping: the owner may
 * move, shrink and protect it; it cannot grow or duplicate it; and none of
 * it lets a write reach a snapshot.
 */
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"

#define LEN (8 * PAGE)

/* The pitfall: a dirty PTE made writable again by mprotect without a fault. */
START_TEST(mprotect_cannot_reopen_shared_page)
{
	struct peer r;
	long *a;
	int token;

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_pages(a, LEN, 1);	/* dirty, writable PTEs */
	ck_assert_int_eq(mprotect(a, LEN, PROT_READ), 0);
	ck_assert_int_eq(touch_signal((char *)a, 1), SIGSEGV);
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(mprotect(a, LEN, PROT_READ | PROT_WRITE), 0);
	fill_pages(a, LEN, 2);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 1);

	/* and the other order: hook first, then protect and unprotect */
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(mprotect(a, LEN, PROT_READ), 0);
	ck_assert_int_eq(mprotect(a, LEN, PROT_READ | PROT_WRITE), 0);
	fill_pages(a, LEN, 3);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 2);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
}
END_TEST

START_TEST(mremap_move_keeps_area)
{
	struct peer r;
	long *a, *b, *dst;
	int token;

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_pages(a, LEN, 4);
	dst = mmap(NULL, LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b = mremap(a, LEN, LEN, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ck_assert_ptr_eq(b, dst);
	ck_assert_int_eq(pages_version(b, LEN), 4);
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	fill_pages(b, LEN, 5);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 4);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
	ck_assert_int_eq(touch_signal((char *)b, 0), SIGSEGV);
}
END_TEST

START_TEST(mremap_cannot_grow_or_duplicate)
{
	void *a;
	int token;

	ck_ok(createarea(&a, &token, LEN));
	ck_assert_ptr_eq(mremap(a, LEN, 2 * LEN, MREMAP_MAYMOVE), MAP_FAILED);
	ck_assert_int_eq(errno, EFAULT);
	ck_assert_ptr_eq(mremap(a, 0, LEN, MREMAP_MAYMOVE), MAP_FAILED);
	ck_ok(releasearea(token));
}
END_TEST

/* The owner may unmap part or all of it; the area and its token remain. */
START_TEST(munmap_parts)
{
	struct peer r;
	long *a;
	int token;

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_pages(a, LEN, 6);
	ck_assert_int_eq(munmap((char *)a + 2 * PAGE, 2 * PAGE), 0);
	ck_assert_int_eq(touch_signal((char *)a + 2 * PAGE, 0), SIGSEGV);
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 6);	/* all 8 pages */
	ck_assert_int_eq(munmap(a, LEN), 0);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 6);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
	ck_assert_int_eq(swing_stat("pages"), 0);
}
END_TEST

START_TEST(madvise_dontneed_keeps_data)
{
	long *a;
	int token;

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_pages(a, LEN, 7);
	ck_assert_int_eq(madvise(a, LEN, MADV_DONTNEED), 0);
	ck_assert_int_eq(pages_version(a, LEN), 7);
	ck_ok(releasearea(token));
}
END_TEST

START_TEST(map_fixed_over_area)
{
	void *a, *p;
	int token;

	ck_ok(createarea(&a, &token, LEN));
	p = mmap(a, PAGE, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_eq(p, a);
	*(long *)p = 1;
	ck_ok(releasearea(token));
	ck_assert_int_eq(*(long *)p, 1);	/* not ours: left alone */
	munmap(p, PAGE);
}
END_TEST

/* Data, never code: the area's file system is noexec (mm's path_noexec()). */
START_TEST(mprotect_exec_refused)
{
	long *a;
	int token;

	ck_ok(createarea((void **)&a, &token, LEN));
	a[0] = 1;
	ck_fails_with(mprotect(a, PAGE, PROT_READ | PROT_EXEC), EACCES);
	ck_fails_with(mprotect(a, LEN, PROT_EXEC), EACCES);
	ck_ok(mprotect(a, PAGE, PROT_READ));
	ck_assert_int_eq(a[0], 1);
	ck_ok(releasearea(token));
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("mapping_abuse");
	TCase *tc = tcase_create("mapping");

	tcase_add_test(tc, mprotect_cannot_reopen_shared_page);
	tcase_add_test(tc, mremap_move_keeps_area);
	tcase_add_test(tc, mremap_cannot_grow_or_duplicate);
	tcase_add_test(tc, munmap_parts);
	tcase_add_test(tc, madvise_dontneed_keeps_data);
	tcase_add_test(tc, map_fixed_over_area);
	tcase_add_test(tc, mprotect_exec_refused);
	suite_add_tcase(s, tc);
	return s;
}
