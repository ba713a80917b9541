// SPDX-License-Identifier: GPL-2.0-only
/*
 * An area's pages are charged to the memory cgroup of the process that
 * faults them in, like anonymous memory: a process whose cgroup's
 * memory.max is below what it writes is OOM-killed by its cgroup (the run
 * fails on any other kernel report), and every page comes back after.
 * Not on 5.10, where a charged page cannot be mapped (module/compat.h,
 * SWING_GFP_ACCOUNT): there the same process is not charged, finishes, and
 * its pages come back all the same.  memory.peak is 5.19's.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

#define CGROOT "/sys/fs/cgroup"
#define AREA (64UL << 20)
#define LIMIT (16UL << 20)

static char cg[128];
static int charged;	/* the kernel charges area pages (not 5.10) */

static int has_peak(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/memory.peak", cg);
	return access(path, F_OK) == 0;
}

static int write_file(const char *dir, const char *name, const char *value)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	if (write(fd, value, strlen(value)) < 0)
		ret = -1;
	close(fd);
	return ret;
}

/* "key value" from a flat-keyed cgroup file, or the one number in it. */
static long read_key(const char *name, const char *key)
{
	char path[256], k[64];
	long v, found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	if (!key) {
		ck_assert_int_eq(fscanf(f, "%ld", &found), 1);
	} else {
		while (fscanf(f, "%63s %ld", k, &v) == 2)
			if (!strcmp(k, key))
				found = v;
	}
	fclose(f);
	return found;
}

static void cg_setup(void)
{
	char max[32];

	if (access(CGROOT "/cgroup.controllers", F_OK))
		ck_assert_int_eq(mount("none", CGROOT, "cgroup2", 0, NULL), 0);
	ck_assert_int_eq(write_file(CGROOT, "cgroup.subtree_control", "+memory"), 0);
	charged = !kernel_older_than(5, 11);
	snprintf(cg, sizeof(cg), CGROOT "/swing-memcg-%d", getpid());
	ck_assert_int_eq(mkdir(cg, 0755), 0);
	snprintf(max, sizeof(max), "%lu", LIMIT);
	ck_assert_int_eq(write_file(cg, "memory.max", max), 0);
	write_file(cg, "memory.swap.max", "0");	/* absent without swap */
}

static void cg_teardown(void)
{
	long cur = -1;
	int i;

	/* Freed pages may reach the cgroup's counter a little later. */
	for (i = 0; i < 50; i++) {
		cur = read_key("memory.current", NULL);
		if (cur < (long)(2UL << 20))
			break;
		usleep(100000);
	}
	ck_assert_msg(cur < (long)(2UL << 20), "memory.current %ld after exit", cur);
	ck_assert_int_eq(rmdir(cg), 0);
}

/* Killed by its cgroup where pages are charged; else it finishes (2). */
static void peer_ends_as_charged(struct peer *p)
{
	if (charged) {
		ck_assert_int_eq(peer_wait(p), 128 + SIGKILL);
		ck_assert_int_ge(read_key("memory.events", "oom_kill"), 1);
	} else {
		ck_assert_int_eq(peer_wait(p), 2);
		ck_assert_int_eq(read_key("memory.events", "oom_kill"), 0);
	}
}

static void wait_pages(long want)
{
	int i;

	for (i = 0; i < 50 && swing_stat("pages") != want; i++)
		usleep(100000);
	ck_assert_int_eq(swing_stat("pages"), want);
}

/* Joins the cgroup, creates an area four times its limit and fills it. */
static int owner_main(int in, int out, void *arg)
{
	char *a;
	int token;

	if (write_file(cg, "cgroup.procs", "0") || createarea((void **)&a, &token, AREA))
		return 1;
	send_long(out, token);
	for (size_t off = 0; off < AREA; off += PAGE)
		a[off] = 1;
	return 2;	/* not stopped by its cgroup */
}

START_TEST(owner_over_limit)
{
	long pages = swing_stat("pages"), areas = swing_stat("areas");
	struct peer p;

	cg_setup();
	peer_start(&p, owner_main, NULL);
	ck_assert_int_gt(recv_long(p.from), 0);
	peer_ends_as_charged(&p);
	if (has_peak())
		ck_assert_int_le(read_key("memory.peak", NULL), (long)LIMIT);
	wait_pages(pages);
	ck_assert_int_eq(swing_stat("areas"), areas);
	cg_teardown();
}
END_TEST

/*
 * Joins the cgroup, hooks a snapshot four times its limit, reads it all
 * (shared pages: nothing to charge), then writes it: each copy is charged.
 */
static int hooker_main(int in, int out, void *arg)
{
	char *a;
	int token;

	if (write_file(cg, "cgroup.procs", "0") ||
	    hook((void **)&a, &token, (int)recv_long(in)))
		return 1;
	send_long(out, pages_version(a, AREA));
	send_long(out, read_key("memory.current", NULL));
	for (size_t off = 0; off < AREA; off += PAGE)
		a[off + 8] = 1;
	return 2;
}

START_TEST(snapshot_copies_over_limit)
{
	long pages, copies;
	struct peer p;
	void *a;
	int t;

	cg_setup();
	ck_ok(createarea(&a, &t, AREA));
	fill_pages(a, AREA, 5);
	ck_ok(enablehook(t));
	pages = swing_stat("pages");
	copies = swing_stat("cow_copies");
	peer_start(&p, hooker_main, NULL);
	send_long(p.to, t);
	ck_assert_int_eq(recv_long(p.from), 5);
	ck_assert_int_lt(recv_long(p.from), (long)LIMIT);
	peer_ends_as_charged(&p);
	ck_assert_int_gt(swing_stat("cow_copies"), copies);
	ck_assert_int_eq(pages_version(a, AREA), 5);
	wait_pages(pages);
	ck_ok(releasearea(t));
	cg_teardown();
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("memcg");
	TCase *tc = tcase_create("memcg");

	tcase_add_test(tc, owner_over_limit);
	tcase_add_test(tc, snapshot_copies_over_limit);
	suite_add_tcase(s, tc);
	return s;
}
