// SPDX-License-Identifier: GPL-2.0-only
/*
 * swingctl list/info show areas made by other processes, from /proc/swing,
 * and fail with the documented exit codes.
 */
#include <stdbool.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "helpers.h"

#define SWINGCTL "../tools/swingctl/swingctl"

/* Run a shell command; its stdout in out, its exit status returned. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *f = popen(cmd, "r");
	size_t n;
	int status;

	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, size - 1, f);
	out[n] = 0;
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Does @out hold @fmt, printed with @n? */
static bool has_line(const char *out, const char *fmt, long n)
{
	char want[128];

	snprintf(want, sizeof(want), fmt, n);
	return strstr(out, want) != NULL;
}

START_TEST(list_and_info_show_other_processes_areas)
{
	const long npages = (3 << 20) / PAGE;	/* 768 of 4 KiB, 192 of 16 KiB */
	struct peer src, r;
	long token, hooked, copies;
	char cmd[256], out[8192], want[256];

	remote_start(&src);
	token = remote(&src, R_CREATE, 3 << 20, 0);
	ck_assert_int_gt(token, 0);
	ck_assert_int_eq(remote(&src, R_FILL, 1, 0), 0);
	ck_assert_int_eq(remote(&src, R_ENABLE, token, 0), 0);
	remote_start(&r);
	hooked = remote(&r, R_HOOK, token, 0);
	ck_assert_int_gt(hooked, 0);

	ck_assert_int_eq(run(SWINGCTL " list", out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "TOKEN") != NULL, "no header in:\n%s", out);
	snprintf(want, sizeof(want), "%8ld %8d ", token, src.pid);
	ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
	ck_assert_msg(strstr(out, "3 MiB") != NULL, "no size in:\n%s", out);
	/* the hooked area's row ends with its source token */
	snprintf(want, sizeof(want), "%8ld %8d ", hooked, r.pid);
	char *row = strstr(out, want), *eol;

	ck_assert_msg(row != NULL, "no '%s' in:\n%s", want, out);
	eol = strchr(row, '\n');
	snprintf(want, sizeof(want), " %7ld", token);
	ck_assert_msg(eol && eol - row > 8 && !strncmp(eol - 8, want, 8),
		      "row without source %ld:\n%s", token, out);

	ck_assert_int_eq(run(SWINGCTL " list --json", out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "\"token\": %ld, \"size\": 3145728, \"owner_pid\": %d,",
		 token, src.pid);
	ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
	snprintf(want, sizeof(want), "\"token\": %ld, \"size\": 3145728, \"owner_pid\": %d,",
		 hooked, r.pid);
	ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
	ck_assert_msg(out[0] == '[' && strstr(out, "\"enabled\": true") != NULL,
		      "bad JSON:\n%s", out);

	snprintf(cmd, sizeof(cmd), SWINGCTL " info %ld", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "size:           3145728 bytes (3 MiB)") &&
		      strstr(out, "hooks taken:    1") &&
		      has_line(out, "resident pages: %ld\n", npages) &&
		      has_line(out, "shared pages:   %ld\n", npages),
		      "info:\n%s", out);
	snprintf(cmd, sizeof(cmd), SWINGCTL " info %ld --json", hooked);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "\"source_token\": %ld", token);
	ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);

	/* the pages, held by two areas, count twice module-wide */
	ck_assert_int_eq(swing_stat("shared_pages"), 2 * npages);

	/*
	 * A page the source rewrites is no longer shared by the source.  The
	 * snapshot counts its old page as shared until it writes it itself
	 * (the counts are kept, not walked: swing(7)); then it is its own,
	 * written in place: nobody else holds it.
	 */
	copies = swing_stat("cow_copies");
	ck_assert_int_eq(remote(&src, R_WRITE, 0, 5), 0);
	snprintf(cmd, sizeof(cmd), SWINGCTL " info %ld", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(has_line(out, "shared pages:   %ld\n", npages - 1),
		      "info:\n%s", out);
	ck_assert_int_eq(swing_stat("shared_pages"), npages - 1 + npages);
	ck_assert_int_eq(remote(&r, R_WRITE, 0, 6), 0);
	snprintf(cmd, sizeof(cmd), SWINGCTL " info %ld", hooked);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(has_line(out, "shared pages:   %ld\n", npages - 1),
		      "info:\n%s", out);
	ck_assert_int_eq(swing_stat("shared_pages"), 2 * (npages - 1));
	ck_assert_int_eq(swing_stat("cow_copies"), copies + 1);

	ck_assert_int_eq(remote_stop(&r), 0);
	ck_assert_int_eq(remote_stop(&src), 0);
	ck_assert_int_eq(run(SWINGCTL " list --json", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "[]\n");
}
END_TEST

/* /proc/swing shows a user the areas its euid owns; root sees them all. */
START_TEST(users_see_their_own)
{
	const unsigned int nobody = 65534;
	struct peer mine, other;
	long t_mine, t_other;
	char out[8192], want[64];

	remote_start(&mine);
	ck_assert_int_eq(remote(&mine, R_SETUID, nobody, 0), 0);
	t_mine = remote(&mine, R_CREATE, PAGE, 0);
	ck_assert_int_gt(t_mine, 0);
	remote_start(&other);	/* root's */
	t_other = remote(&other, R_CREATE, PAGE, 0);
	ck_assert_int_gt(t_other, 0);

	ck_assert_int_eq(run("setpriv --reuid=65534 --regid=65534 --clear-groups "
			     SWINGCTL " list --json", out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "\"token\": %ld,", t_mine);
	ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
	snprintf(want, sizeof(want), "\"token\": %ld,", t_other);
	ck_assert_msg(strstr(out, want) == NULL, "'%s' shown to nobody:\n%s", want, out);

	ck_assert_int_eq(run(SWINGCTL " list --json", out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, want) != NULL, "root does not see '%s':\n%s", want, out);
	snprintf(want, sizeof(want), "\"token\": %ld,", t_mine);
	ck_assert_msg(strstr(out, want) != NULL, "root does not see '%s':\n%s", want, out);

	ck_assert_int_eq(remote_stop(&mine), 0);
	ck_assert_int_eq(remote_stop(&other), 0);
}
END_TEST

/* dump hooks the area, prints it like hexdump -C, and releases it */
START_TEST(dump_hexdumps_a_snapshot)
{
	struct peer src;
	long token, areas;
	char cmd[256], out[8192], want[256];

	remote_start(&src);
	token = remote(&src, R_CREATE, 2 * PAGE, 0);
	ck_assert_int_eq(remote(&src, R_WRITE, PAGE + 8, 0x6f6c6c6568L), 0);
	snprintf(cmd, sizeof(cmd), SWINGCTL " dump %ld 2>&1", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "not enabled") != NULL, "%s", out);
	ck_assert_int_eq(remote(&src, R_ENABLE, token, 0), 0);
	areas = swing_stat("areas");

	/* page 1: offset 0x1000 with 4 KiB pages, 0x4000 with 16 KiB */
	snprintf(cmd, sizeof(cmd), SWINGCTL " dump %ld --offset %lu --length 20",
		 token, PAGE);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	snprintf(want, sizeof(want),
		 "%08lx  00 00 00 00 00 00 00 00  68 65 6c 6c 6f 00 00 00  |........hello...|\n"
		 "%08lx  00 00 00 00                                       |....|\n",
		 PAGE, PAGE + 16);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(swing_stat("areas"), areas);	/* released again */
	/* past the end of the two pages (9000 with 4 KiB pages) */
	snprintf(cmd, sizeof(cmd), SWINGCTL " dump %ld --offset %lu 2>/dev/null",
		 token, 2 * PAGE + 808);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 2);
	ck_assert_int_eq(run(SWINGCTL " dump 2147483647 2>/dev/null", out, sizeof(out)), 4);
	ck_assert_int_eq(remote_stop(&src), 0);
}
END_TEST

/* status, unload and load (from a file, with a parameter) via libkmod */
START_TEST(load_unload_status)
{
	char out[8192], cmd[512], again[600];
	struct utsname u;

	ck_assert_int_eq(run(SWINGCTL " status", out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "module:      live, version 1.") != NULL, "%s", out);
	ck_assert_int_eq(run(SWINGCTL " unload", out, sizeof(out)), 0);
	ck_assert_int_eq(run(SWINGCTL " status", out, sizeof(out)), 3);
	ck_assert_msg(strstr(out, "module:      not loaded") != NULL, "%s", out);
	ck_assert_int_eq(run(SWINGCTL " unload 2>/dev/null", out, sizeof(out)), 3);

	ck_assert_int_eq(uname(&u), 0);
	snprintf(cmd, sizeof(cmd), SWINGCTL " load --path ../build/%s/swing.ko max_area_size=1048576",
		 u.release);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_int_eq(swing_param("max_area_size"), 1048576);
	ck_assert_int_eq(run(SWINGCTL " status", out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "max area:    1048576 bytes") != NULL, "%s", out);
	snprintf(again, sizeof(again), "%s 2>&1", cmd);
	ck_assert_int_eq(run(again, out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "already loaded") != NULL, "%s", out);
	ck_assert_int_eq(system("echo 68719476736 > /sys/module/swing/parameters/max_area_size"), 0);
}
END_TEST

/*
 * root revokes another process's area: the token is gone, nobody can hook
 * it, the owner keeps its mapping until it exits (like ipcrm).
 */
START_TEST(release_revokes)
{
	struct peer src;
	long token;
	char cmd[256], out[4096];
	void *b;
	int t;

	remote_start(&src);
	token = remote(&src, R_CREATE, PAGE, 0);
	ck_assert_int_eq(remote(&src, R_WRITE, 0, 77), 0);
	ck_assert_int_eq(remote(&src, R_ENABLE, token, 0), 0);

	snprintf(cmd, sizeof(cmd), "setpriv --reuid=65534 --regid=65534 --clear-groups "
		 SWINGCTL " release %ld 2>&1", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "CAP_IPC_OWNER") != NULL, "%s", out);

	snprintf(cmd, sizeof(cmd), SWINGCTL " release %ld", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_fails_with(hook(&b, &t, (int)token), ENOENT);
	snprintf(cmd, sizeof(cmd), SWINGCTL " info %ld 2>/dev/null", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 4);
	snprintf(cmd, sizeof(cmd), SWINGCTL " release %ld 2>/dev/null", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 4);
	ck_assert_int_eq(remote(&src, R_READ, 0, 0), 77);	/* still mapped */
	ck_assert_int_eq(remote(&src, R_WRITE, 0, 78), 0);
	ck_assert_int_eq(remote(&src, R_ENABLE, token, 0), -ENOENT);
	ck_assert_int_eq(remote(&src, R_RELEASE, token, 0), -ENOENT);
	ck_assert_int_eq(remote_stop(&src), 0);
	ck_assert_int_eq(swing_stat("areas"), 0);
	ck_assert_int_eq(swing_stat("pages"), 0);
}
END_TEST

START_TEST(errors)
{
	char out[4096];

	ck_assert_int_eq(run(SWINGCTL " info 2147483647 2>/dev/null", out, sizeof(out)), 4);
	ck_assert_int_eq(run(SWINGCTL " info 2>&1", out, sizeof(out)), 2);
	ck_assert_msg(strstr(out, "usage: swingctl info") != NULL, "%s", out);
	ck_assert_int_eq(run(SWINGCTL " info abc 2>&1", out, sizeof(out)), 2);
	ck_assert_msg(strstr(out, "not a token") != NULL, "%s", out);
	ck_assert_int_eq(run(SWINGCTL " list --bogus 2>/dev/null", out, sizeof(out)), 2);
	ck_assert_int_eq(run(SWINGCTL " frobnicate 2>/dev/null", out, sizeof(out)), 2);
	ck_assert_int_eq(run(SWINGCTL " info --help", out, sizeof(out)), 0);
	ck_assert_int_eq(run(SWINGCTL " status --help", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "usage: swingctl status\n");
	ck_assert_int_eq(run(SWINGCTL " status extra 2>/dev/null", out, sizeof(out)), 2);
	ck_assert_int_eq(run(SWINGCTL " release 2>/dev/null", out, sizeof(out)), 2);
	ck_assert_int_eq(run(SWINGCTL " dump 2>/dev/null", out, sizeof(out)), 2);
}
END_TEST

/* perm, grant and revoke: root manages who may hook another's area. */
START_TEST(perm_grant_revoke)
{
	struct peer src, other;
	char cmd[256], out[4096];
	long token, pid;

	remote_start(&src);
	remote_start(&other);
	ck_assert_int_eq(remote(&src, R_SETUID, 65534, 0), 0);
	ck_assert_int_eq(remote(&other, R_SETUID, 65533, 0), 0);
	token = remote(&src, R_CREATE, PAGE, 0);
	ck_assert_int_eq(remote(&src, R_ENABLE, token, 0), 0);
	pid = remote(&other, R_PID, 0, 0);

	snprintf(cmd, sizeof(cmd), SWINGCTL " perm %ld", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "uid 65534 gid 65534 mode 0600, created by uid 65534 gid 65534"),
		      "perm:\n%s", out);
	ck_assert_int_eq(remote(&other, R_HOOK, token, 0), -EACCES);

	snprintf(cmd, sizeof(cmd), SWINGCTL " grant %ld %ld", token, pid);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_int_gt(remote(&other, R_HOOK, token, 0), 0);
	snprintf(cmd, sizeof(cmd), SWINGCTL " revoke %ld %ld", token, pid);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_int_eq(remote(&other, R_HOOK, token, 0), -EACCES);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 1);	/* none left */

	snprintf(cmd, sizeof(cmd), SWINGCTL " perm %ld --mode 644 --gid 4242", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_int_gt(remote(&other, R_HOOK, token, 0), 0);
	snprintf(cmd, sizeof(cmd), SWINGCTL " info %ld", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "owner gid:      4242") && strstr(out, "mode:           0644"),
		      "info:\n%s", out);

	snprintf(cmd, sizeof(cmd), SWINGCTL " perm %ld --mode 999 2>/dev/null", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 2);
	snprintf(cmd, sizeof(cmd), SWINGCTL " grant %ld 2>/dev/null", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 2);
	snprintf(cmd, sizeof(cmd), SWINGCTL " grant %ld 4000000 2>/dev/null", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 1);
	ck_assert_int_eq(run(SWINGCTL " perm 2147483647 2>/dev/null", out, sizeof(out)), 4);
	ck_assert_int_eq(remote_stop(&other), 0);
	ck_assert_int_eq(remote_stop(&src), 0);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("swingctl");
	TCase *tc = tcase_create("swingctl");

	tcase_add_test(tc, list_and_info_show_other_processes_areas);
	tcase_add_test(tc, users_see_their_own);
	tcase_add_test(tc, dump_hexdumps_a_snapshot);
	tcase_add_test(tc, load_unload_status);
	tcase_add_test(tc, release_revokes);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, perm_grant_revoke);
	suite_add_tcase(s, tc);
	return s;
}
