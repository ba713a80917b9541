// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel reaches areas through get_user_pages like any memory: pipes,
 * read() into an area, process_vm_readv/writev.  None of it crosses a
 * snapshot.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

#include "helpers.h"

#define LEN (4 * PAGE)

START_TEST(write_from_hooked_area)
{
	long *a, *b, buf[LEN / sizeof(long)];
	int token, t, p[2];

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_pages(a, LEN, 3);
	ck_ok(enablehook(token));
	ck_ok(hook((void **)&b, &t, token));
	ck_assert_int_eq(pipe(p), 0);
	fcntl(p[1], F_SETPIPE_SZ, LEN);
	ck_assert_int_eq(write(p[1], b, LEN), LEN);
	ck_assert_int_eq(read(p[0], buf, LEN), LEN);
	ck_assert_int_eq(pages_version(buf, LEN), 3);
	close(p[0]);
	close(p[1]);
	ck_ok(releasearea(t));
	ck_ok(releasearea(token));
}
END_TEST

/* read() into the source after a hook copies the page, not the snapshot. */
START_TEST(read_into_source_after_hook)
{
	long *a, buf[LEN / sizeof(long)];
	struct peer r;
	int token, p[2];

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_pages(a, LEN, 1);
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	fill_pages(buf, LEN, 2);
	ck_assert_int_eq(pipe(p), 0);
	fcntl(p[1], F_SETPIPE_SZ, LEN);
	ck_assert_int_eq(write(p[1], buf, LEN), LEN);
	ck_assert_int_eq(read(p[0], a, LEN), LEN);
	ck_assert_int_eq(pages_version(a, LEN), 2);
	ck_assert_int_eq(remote(&r, R_VERSION, 0, 0), 1);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
}
END_TEST

/* process_vm_writev into a hooker's copy stays in that copy. */
START_TEST(process_vm_rw)
{
	long *a, word = 77, got = 0;
	struct peer r;
	int token;

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_pages(a, LEN, 8);
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	/* find the remote's address: it reports it via /proc/PID/maps */
	char path[64], line[512];
	unsigned long s = 0, e;
	FILE *m;

	snprintf(path, sizeof(path), "/proc/%d/maps", r.pid);
	m = fopen(path, "r");
	ck_assert_ptr_nonnull(m);
	while (fgets(line, sizeof(line), m))
		if (strstr(line, "swing:[") && sscanf(line, "%lx-%lx", &s, &e) == 2)
			break;
	fclose(m);
	ck_assert_uint_ne(s, 0);

	struct iovec local = { &got, sizeof(got) }, remote_iov = { (void *)s, sizeof(got) };

	ck_assert_int_eq(process_vm_readv(r.pid, &local, 1, &remote_iov, 1, 0), sizeof(got));
	ck_assert_int_eq(got, 8);
	local.iov_base = &word;
	ck_assert_int_eq(process_vm_writev(r.pid, &local, 1, &remote_iov, 1, 0), sizeof(word));
	ck_assert_int_eq(remote(&r, R_READ, 0, 0), 77);
	ck_assert_int_eq(a[0], 8);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("gup");
	TCase *tc = tcase_create("gup");

	tcase_add_test(tc, write_from_hooked_area);
	tcase_add_test(tc, read_into_source_after_hook);
	tcase_add_test(tc, process_vm_rw);
	suite_add_tcase(s, tc);
	return s;
}
