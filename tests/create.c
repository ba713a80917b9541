// SPDX-License-Identifier: GPL-2.0-only
/* createarea: zero-filled, page-aligned, rounded, unique cyclic tokens, limits. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

START_TEST(zero_filled_aligned_writable)
{
	unsigned char *a;
	int token;

	ck_ok(createarea((void **)&a, &token, 3 * PAGE + 1));
	ck_assert_int_gt(token, 0);
	ck_assert_uint_eq((uintptr_t)a % PAGE, 0);
	for (size_t i = 0; i < 4 * PAGE; i++)
		ck_assert_uint_eq(a[i], 0);	/* rounded up to 4 pages */
	memset(a, 0x5a, 4 * PAGE);
	for (size_t i = 0; i < 4 * PAGE; i++)
		ck_assert_uint_eq(a[i], 0x5a);
	ck_ok(releasearea(token));
}
END_TEST

START_TEST(visible_in_maps)
{
	char line[512], want[64];
	void *a;
	int token, found = 0;
	FILE *maps;

	ck_ok(createarea(&a, &token, 2 * PAGE + 10));
	snprintf(want, sizeof(want), "swing:[%d]", token);
	maps = fopen("/proc/self/maps", "r");
	ck_assert_msg(maps != NULL, "/proc/self/maps: %s", strerror(errno));
	while (fgets(line, sizeof(line), maps)) {
		char *end;

		if (strtoul(line, &end, 16) == (uintptr_t)a) {
			found = 1;
			/* exactly the pages asked for, rounded up */
			ck_assert_uint_eq(strtoul(end + 1, NULL, 16),
					  (uintptr_t)a + 3 * PAGE);
			ck_assert_msg(strstr(line, want), "maps line: %s", line);
			ck_assert_msg(strstr(line, "rw-s"), "maps line: %s", line);
		}
	}
	fclose(maps);
	ck_assert(found);
	ck_ok(releasearea(token));
}
END_TEST

static int create_and_report(int in, int out, void *arg)
{
	void *a;
	int token;

	if (createarea(&a, &token, PAGE))
		return 1;
	send_long(out, token);
	recv_long(in);	/* hold it until told */
	return 0;
}

/* Tokens are unique system-wide, across processes. */
START_TEST(tokens_unique_across_processes)
{
	struct peer p[4];
	long tokens[4];
	void *a;
	int mine;

	ck_ok(createarea(&a, &mine, PAGE));
	for (int i = 0; i < 4; i++) {
		peer_start(&p[i], create_and_report, NULL);
		tokens[i] = recv_long(p[i].from);
		ck_assert_int_gt(tokens[i], 0);
		ck_assert_int_ne(tokens[i], mine);
		for (int j = 0; j < i; j++)
			ck_assert_int_ne(tokens[i], tokens[j]);
	}
	for (int i = 0; i < 4; i++) {
		send_long(p[i].to, 0);
		ck_assert_int_eq(peer_wait(&p[i]), 0);
	}
	ck_ok(releasearea(mine));
}
END_TEST

/* A released token is not handed out again at once. */
START_TEST(tokens_cyclic)
{
	void *a;
	int t1, t2, t3;

	ck_ok(createarea(&a, &t1, PAGE));
	ck_ok(releasearea(t1));
	ck_ok(createarea(&a, &t2, PAGE));
	ck_assert_int_ne(t2, t1);
	ck_ok(releasearea(t2));
	ck_ok(createarea(&a, &t3, PAGE));
	ck_assert_int_ne(t3, t1);
	ck_assert_int_ne(t3, t2);
	ck_ok(releasearea(t3));
}
END_TEST

START_TEST(bad_lengths)
{
	unsigned long max = swing_param("max_area_size");
	void *a = NULL;
	int token = -7;

	ck_fails_with(createarea(&a, &token, 0), EINVAL);
	ck_fails_with(createarea(&a, &token, max + 1), EFBIG);
	ck_fails_with(createarea(&a, &token, ~0UL), EFBIG);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(token, -7);
	ck_fails_with(createarea(NULL, &token, PAGE), EINVAL);
	ck_fails_with(createarea(&a, NULL, PAGE), EINVAL);
}
END_TEST

/* The limit is a module parameter and is read at each call. */
START_TEST(limit_is_a_parameter)
{
	unsigned long max = swing_param("max_area_size");
	FILE *f;
	void *a;
	int token;

	f = fopen("/sys/module/swing/parameters/max_area_size", "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%lu\n", 2 * PAGE);
	fclose(f);
	ck_fails_with(createarea(&a, &token, 3 * PAGE), EFBIG);
	ck_ok(createarea(&a, &token, 2 * PAGE));
	ck_ok(releasearea(token));
	f = fopen("/sys/module/swing/parameters/max_area_size", "w");
	fprintf(f, "%lu\n", max);
	fclose(f);
	ck_assert_uint_eq(swing_param("max_area_size"), max);
}
END_TEST

START_TEST(prefixed_names_and_version)
{
	struct swing_version v;
	void *a;
	int token;

	ck_ok(swing_version(&v));
	ck_assert_uint_eq(v.abi_version, SWING_ABI_VERSION);
	ck_assert_uint_eq(v.major, SWING_VERSION_MAJOR);
	ck_ok(swing_createarea(&a, &token, PAGE));
	ck_ok(swing_enablehook(token));
	ck_ok(swing_disablehook(token));
	ck_ok(swing_releasearea(token));
	ck_fails_with(swing_releasearea(token), ENOENT);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("create");
	TCase *tc = tcase_create("create");

	tcase_add_test(tc, zero_filled_aligned_writable);
	tcase_add_test(tc, visible_in_maps);
	tcase_add_test(tc, tokens_unique_across_processes);
	tcase_add_test(tc, tokens_cyclic);
	tcase_add_test(tc, bad_lengths);
	tcase_add_test(tc, limit_is_a_parameter);
	tcase_add_test(tc, prefixed_names_and_version);
	suite_add_tcase(s, tc);
	return s;
}
