// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fault path's economy, seen in /proc/self/pagemap: a read fault maps a
 * window of pages, SWING_HOOK_POPULATE maps the whole snapshot (and no
 * hole), enablehook removes the PTEs of just the pages written since the
 * last snapshot, and a child of fork() after MADV_DOFORK inherits none.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "helpers.h"

/*
 * module/cow.c's SWING_FAULT_WINDOW_MIN: 64 KiB of pages (16 of 4 KiB, 4 of
 * 16 KiB).  The window doubles from there up to a page table's worth, 512
 * pages or more: reading NPAGES in order takes log2(NPAGES / WINDOW) + 1
 * faults (7 with 4 KiB pages, 9 with 16 KiB ones).
 */
#define WINDOW	(PAGE < 65536 ? 65536 / PAGE : 1)
#define NPAGES	1024

/* The faults of a sequential read of NPAGES, and 5 to spare for the rest. */
static long sequential_faults(void)
{
	long n = 1;

	for (unsigned long w = WINDOW; w < NPAGES; w *= 2)
		n++;
	return n + 5;
}

/* A peer's area of NPAGES pages, every page written, enabled. */
static long written_source(struct peer *src)
{
	long token;

	remote_start(src);
	token = remote(src, R_CREATE, NPAGES * PAGE, 0);
	ck_assert_int_gt(token, 0);
	ck_assert_int_eq(remote(src, R_FILL, 7, 0), 0);
	ck_assert_int_eq(remote(src, R_ENABLE, token, 0), 0);
	return token;
}

static long minor_faults(void)
{
	struct rusage ru;

	ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_minflt;
}

START_TEST(read_fault_maps_a_window)
{
	struct peer src;
	long token = written_source(&src), faults;
	volatile long *b;
	int t;

	ck_ok(hook((void **)&b, &t, token));
	ck_assert_int_eq(pages_present((void *)b, NPAGES * PAGE), 0);
	/* a lone read: the small aligned window around it, nothing else */
	ck_assert_int_eq(b[(8 * WINDOW + 2) * PAGE / sizeof(long)], 7);
	ck_assert_int_eq(pages_present((void *)b, NPAGES * PAGE), WINDOW);
	ck_assert_int_eq(pages_present((char *)b + 8 * WINDOW * PAGE,
				       WINDOW * PAGE), WINDOW);
	/* a sequential read: the window grows, 1024 pages in a few faults */
	long ours = swing_stat("faults");

	faults = minor_faults();
	ck_assert_int_eq(pages_version((void *)b, NPAGES * PAGE), 7);
	faults = minor_faults() - faults;
	ours = swing_stat("faults") - ours;
	ck_assert_msg(faults <= sequential_faults(),
		      "%ld faults to read %d pages (at most %ld expected)",
		      faults, NPAGES, sequential_faults());
	ck_assert_msg(ours >= 1 && ours <= faults, "module counted %ld faults of %ld",
		      ours, faults);
	ck_assert_int_eq(pages_present((void *)b, NPAGES * PAGE), NPAGES);
	ck_ok(releasearea(t));
	ck_assert_int_eq(remote_stop(&src), 0);
}
END_TEST

START_TEST(populate_maps_everything)
{
	struct peer src;
	long token = written_source(&src), pages = swing_stat("pages");
	void *b;
	int t;

	ck_ok(swing_hook_flags(&b, &t, token, SWING_HOOK_POPULATE));
	ck_assert_int_eq(pages_present(b, NPAGES * PAGE), NPAGES);
	ck_assert_int_eq(swing_stat("pages"), pages);	/* shared, not copied */
	ck_assert_int_eq(pages_version(b, NPAGES * PAGE), 7);
	/* mapped read-only: a write still copies, the source keeps its page */
	((long *)b)[0] = 1;
	ck_assert_int_eq(swing_stat("pages"), pages + 1);
	ck_assert_int_eq(remote(&src, R_READ, 0, 0), 7);
	ck_ok(releasearea(t));
	ck_assert_int_eq(remote_stop(&src), 0);
}
END_TEST

START_TEST(populate_skips_holes)
{
	struct peer src;
	long token, pages;
	void *b;
	int t;

	remote_start(&src);
	token = remote(&src, R_CREATE, NPAGES * PAGE, 0);
	ck_assert_int_eq(remote(&src, R_WRITE, 3 * PAGE, 42), 0);
	ck_assert_int_eq(remote(&src, R_ENABLE, token, 0), 0);
	pages = swing_stat("pages");
	ck_assert_int_eq(pages, 1);
	ck_ok(swing_hook_flags(&b, &t, token, SWING_HOOK_POPULATE));
	ck_assert_int_eq(pages_present(b, NPAGES * PAGE), 1);
	ck_assert_int_eq(((long *)b)[3 * PAGE / sizeof(long)], 42);
	ck_assert_int_eq(swing_stat("pages"), 1);
	ck_ok(releasearea(t));
	ck_assert_int_eq(remote_stop(&src), 0);
}
END_TEST

START_TEST(unknown_hook_flag)
{
	struct peer src;
	long token = written_source(&src);
	void *b = NULL;
	int t = 0;

	ck_fails_with(swing_hook_flags(&b, &t, token, 2), EINVAL);
	ck_fails_with(swing_hook_flags(&b, &t, token, 1U << 31), EINVAL);
	ck_assert_int_eq(swing_stat("areas"), 1);
	ck_assert_int_eq(remote_stop(&src), 0);
}
END_TEST

/* Read the first word of every page: the sum of them. */
static long read_pages(const char *a, size_t len)
{
	long sum = 0;

	for (size_t off = 0; off < len; off += PAGE)
		sum += *(volatile const long *)(a + off);
	return sum;
}

/*
 * Written pages lose their PTEs at enablehook (the next write must fault);
 * pages only read keep theirs: the cost follows what changed.
 */
START_TEST(enable_unmaps_only_written_pages)
{
	const size_t half = NPAGES / 2 * PAGE;
	struct peer r;
	char *a;
	int token;

	ck_ok(createarea((void **)&a, &token, NPAGES * PAGE));
	fill_pages(a, half, 3);
	ck_assert_int_eq(read_pages(a + half, half), 0);	/* read holes */
	ck_assert_int_eq(pages_present(a, NPAGES * PAGE), NPAGES);
	ck_ok(enablehook(token));
	ck_assert_int_eq(pages_present(a, half), 0);
	ck_assert_int_eq(pages_present(a + half, half), NPAGES / 2);

	/* a second enable has nothing to remove; reads map again, read-only */
	ck_assert_int_eq(pages_version(a, half), 3);
	ck_ok(enablehook(token));
	ck_assert_int_eq(pages_present(a, NPAGES * PAGE), NPAGES);

	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	fill_pages(a, NPAGES * PAGE, 4);	/* every page copied */
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), -1);	/* mixed: 3 and 0 */
	ck_assert_int_eq(remote(&r, R_READ, 0, 0), 3);
	ck_assert_int_eq(remote(&r, R_READ, half, 0), 0);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
}
END_TEST

/* Without enabling again, a hook still removes what was written since. */
START_TEST(hook_unmaps_pages_written_after_enable)
{
	struct peer r;
	long *a;
	int token;

	ck_ok(createarea((void **)&a, &token, 4 * PAGE));
	ck_ok(enablehook(token));
	fill_pages(a, 4 * PAGE, 9);
	ck_assert_int_eq(pages_present(a, 4 * PAGE), 4);
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(pages_present(a, 4 * PAGE), 0);
	fill_pages(a, 4 * PAGE, 10);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 9);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
}
END_TEST

/*
 * The vma is VM_MIXEDMAP, whose PTEs fork() would copy: after MADV_DOFORK
 * (and MADV_KEEPONFORK) the child must still get none, writable or not.
 */
START_TEST(dofork_child_inherits_no_pte)
{
	char *a;
	int token;
	pid_t pid;

	ck_ok(createarea((void **)&a, &token, 4 * PAGE));
	fill_pages(a, 2 * PAGE, 1);	/* writable PTEs */
	ck_ok(enablehook(token));
	ck_assert_int_eq(pages_version(a, 2 * PAGE), 1);	/* read-only */
	fill_pages(a + 2 * PAGE, PAGE, 2);	/* writable again */
	ck_assert_int_eq(pages_present(a, 4 * PAGE), 3);
	ck_assert_int_eq(madvise(a, 4 * PAGE, MADV_DOFORK), 0);
	madvise(a, 4 * PAGE, MADV_KEEPONFORK);	/* may be refused: fine */
	pid = fork();
	if (pid == 0) {
		if (pages_present(a, 4 * PAGE) != 0)
			_exit(1);
		for (int i = 0; i < 4; i++)
			if (!touch_signal(a + i * PAGE, 0) ||
			    !touch_signal(a + i * PAGE, 1))
				_exit(2);
		_exit(0);
	}
	ck_assert_int_eq(child_status(pid), 0);
	ck_assert_int_eq(pages_version(a, 2 * PAGE), 1);
	ck_ok(releasearea(token));
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("faults");

	tcase_add_test(tc, read_fault_maps_a_window);
	tcase_add_test(tc, populate_maps_everything);
	tcase_add_test(tc, populate_skips_holes);
	tcase_add_test(tc, unknown_hook_flag);
	tcase_add_test(tc, enable_unmaps_only_written_pages);
	tcase_add_test(tc, hook_unmaps_pages_written_after_enable);
	tcase_add_test(tc, dofork_child_inherits_no_pte);
	suite_add_tcase(s, tc);
	return s;
}
