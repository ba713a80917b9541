// SPDX-License-Identifier: GPL-2.0-only
/*
 * hook(): the hooker gets exactly the source's content at the moment of the
 * hook; from then on neither side sees the other's writes, page by page,
 * and no page is copied until someone writes it.
 */
#include <unistd.h>

#include "helpers.h"

#define NPAGES 8

START_TEST(snapshot_then_isolation_both_ways)
{
	struct peer r;
	long *a;
	int token;

	ck_ok(createarea((void **)&a, &token, NPAGES * PAGE));
	fill_pages(a, NPAGES * PAGE, 1);
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 1);

	fill_pages(a, NPAGES * PAGE, 2);	/* source writes: hidden */
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 1);
	ck_assert_int_eq(remote(&r, R_FILL, 3, 0), 0);	/* hooker writes: hidden */
	ck_assert_int_eq(pages_version(a, NPAGES * PAGE), 2);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 3);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
}
END_TEST

START_TEST(page_by_page)
{
	struct peer r;
	long *a;
	int token;

	ck_ok(createarea((void **)&a, &token, NPAGES * PAGE));
	for (int i = 0; i < NPAGES; i++)
		a[i * PAGE / sizeof(long)] = 100 + i;
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);

	a[0] = 42;	/* page 0 changes in the source only */
	ck_assert_int_eq(remote(&r, R_WRITE, 1 * PAGE, 77), 0);	/* page 1 in the hook */
	ck_assert_int_eq(remote(&r, R_READ, 0, 0), 100);
	ck_assert_int_eq(remote(&r, R_READ, 1 * PAGE, 0), 77);
	ck_assert_int_eq(a[0], 42);
	ck_assert_int_eq(a[PAGE / sizeof(long)], 101);
	for (int i = 2; i < NPAGES; i++) {
		ck_assert_int_eq(remote(&r, R_READ, i * PAGE, 0), 100 + i);
		ck_assert_int_eq(a[i * PAGE / sizeof(long)], 100 + i);
	}
	/* a second word of an already copied page stays private too */
	a[1] = 43;
	ck_assert_int_eq(remote(&r, R_READ, sizeof(long), 0), 0);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
}
END_TEST

/* No page is copied at hook time; each first write copies exactly one. */
START_TEST(copies_only_on_write)
{
	long pages0, copies0;
	struct peer r;
	long *a;
	int token;

	ck_ok(createarea((void **)&a, &token, NPAGES * PAGE));
	fill_pages(a, NPAGES * PAGE, 5);
	ck_ok(enablehook(token));
	pages0 = swing_stat("pages");
	copies0 = swing_stat("cow_copies");
	ck_assert_int_eq(pages0, NPAGES);

	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 5);	/* reads copy nothing */
	ck_assert_int_eq(swing_stat("pages"), pages0);
	ck_assert_int_eq(swing_stat("cow_copies"), copies0);

	a[0] = 1;
	ck_assert_int_eq(swing_stat("cow_copies"), copies0 + 1);
	ck_assert_int_eq(swing_stat("pages"), pages0 + 1);
	a[1] = 2;	/* the copy is private now: no second copy */
	ck_assert_int_eq(swing_stat("cow_copies"), copies0 + 1);
	ck_assert_int_eq(remote(&r, R_WRITE, 3 * PAGE, 9), 0);
	ck_assert_int_eq(swing_stat("cow_copies"), copies0 + 2);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
	ck_assert_int_eq(swing_stat("pages"), 0);
}
END_TEST

/* Pages never touched before the hook read as zero on both sides. */
START_TEST(untouched_pages)
{
	struct peer r;
	long *a;
	int token;

	ck_ok(createarea((void **)&a, &token, NPAGES * PAGE));
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(remote(&r, R_READ, 2 * PAGE, 0), 0);
	a[2 * PAGE / sizeof(long)] = 5;
	ck_assert_int_eq(remote(&r, R_READ, 2 * PAGE, 0), 0);
	ck_assert_int_eq(remote(&r, R_WRITE, 4 * PAGE, 6), 0);
	ck_assert_int_eq(a[4 * PAGE / sizeof(long)], 0);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
}
END_TEST

/* A page the source had mapped read-only before the hook is copied too. */
START_TEST(read_mapped_then_written)
{
	struct peer r;
	volatile long *a;
	long sum = 0;
	int token;

	ck_ok(createarea((void **)&a, &token, NPAGES * PAGE));
	a[0] = 11;
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	for (int i = 0; i < NPAGES; i++)
		sum += a[i * PAGE / sizeof(long)];	/* map all read-only */
	ck_assert_int_eq(sum, 11);
	ck_assert_int_eq(remote(&r, R_WRITE, 0, 12), 0);
	ck_assert_int_eq(a[0], 11);
	a[0] = 13;
	ck_assert_int_eq(remote(&r, R_READ, 0, 0), 12);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea((int)token));
}
END_TEST

/* Hook the same area again after more writes: each snapshot is its moment. */
START_TEST(successive_snapshots)
{
	struct peer r1, r2;
	long *a;
	int token;

	ck_ok(createarea((void **)&a, &token, NPAGES * PAGE));
	fill_pages(a, NPAGES * PAGE, 1);
	ck_ok(enablehook(token));
	remote_start(&r1);
	ck_assert_int_gt(remote(&r1, R_HOOK, token, 0), 0);
	fill_pages(a, NPAGES * PAGE, 2);
	remote_start(&r2);
	ck_assert_int_gt(remote(&r2, R_HOOK, token, 0), 0);
	fill_pages(a, NPAGES * PAGE, 3);
	ck_assert_int_eq(remote(&r1, R_VERSION, 0, 0), 1);
	ck_assert_int_eq(remote(&r2, R_VERSION, 0, 0), 2);
	ck_assert_int_eq(pages_version(a, NPAGES * PAGE), 3);
	ck_assert_int_eq(remote_stop(&r1), 0);
	ck_assert_int_eq(remote_stop(&r2), 0);
	ck_ok(releasearea(token));
}
END_TEST

/*
 * An area large enough for a two-level page tree: more pages than a leaf's
 * 512 (module/tree.h: SWING_TREE_LEAF_PAGES, whatever the page size).
 */
START_TEST(multi_level_tree)
{
	const size_t len = 1200 * PAGE;
	struct peer r;
	long *a;
	int token;

	ck_ok(createarea((void **)&a, &token, len));
	fill_pages(a, len, 7);
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	a[1100 * PAGE / sizeof(long)] = -1;
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 7);
	ck_assert_int_eq(remote(&r, R_FILL, 8, 0), 0);
	a[1100 * PAGE / sizeof(long)] = 7;
	ck_assert_int_eq(pages_version(a, len), 7);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 8);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("cow_isolation");
	TCase *tc = tcase_create("cow");

	tcase_add_test(tc, snapshot_then_isolation_both_ways);
	tcase_add_test(tc, page_by_page);
	tcase_add_test(tc, copies_only_on_write);
	tcase_add_test(tc, untouched_pages);
	tcase_add_test(tc, read_mapped_then_written);
	tcase_add_test(tc, successive_snapshots);
	tcase_add_test(tc, multi_level_tree);
	suite_add_tcase(s, tc);
	return s;
}
