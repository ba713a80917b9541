// SPDX-License-Identifier: GPL-2.0-only
/*
 * swingctl list/info show areas and queues made by other processes, from
 * /proc/swing, watch follows an area's versions and a queue's length, and
 * all fail with the documented exit codes.
 */
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* The remotes' commands for versions and queues, beyond helpers.h's. */
enum ctl_cmd {
	C_PUBLISH = R_USER,	/* a = token: answer the new version */
	C_QUEUE,		/* a = depth: answer the queue's token */
	C_SEND,			/* a = queue, b = token: answer 0 */
	C_RECV,			/* a = queue: answer the message's token */
};

static long ctl_cmd(long cmd, long a, long b, void *area, size_t len)
{
	unsigned long length;
	uint64_t v;
	void *addr;
	int t;

	switch (cmd) {
	case C_PUBLISH:
		return swing_publish(a, &v) ? -errno : (long)v;
	case C_QUEUE:
		return swing_queue_create(&t, a) ? -errno : t;
	case C_SEND:
		return swing_send(a, b, SWING_NONBLOCK) ? -errno : 0;
	case C_RECV:
		return swing_recv(a, &addr, &t, &length, SWING_NONBLOCK) ? -errno : t;
	}
	return -ENOSYS;
}

/*
 * swingctl CMD TOKEN in a process of its own, its stdout (and stderr) to
 * the pipe returned in *out, nothing else inherited: the remotes' pipes
 * stay the remotes'.
 */
static pid_t spawn(int *out, const char *cmd, long token)
{
	char tok[24];
	int p[2];
	pid_t pid;

	snprintf(tok, sizeof(tok), "%ld", token);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		execl(SWINGCTL, "swingctl", cmd, tok, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

/* What a watch prints, read line by line. */
struct reader {
	int fd;
	size_t n;		/* bytes in buf */
	bool eof;
	char buf[4096];
	char line[256];
};

/*
 * The next line from @r without its newline, or NULL at EOF or when none
 * comes within 10 s.
 */
static const char *next_line(struct reader *r)
{
	struct timespec start, now;
	char *nl;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!(nl = memchr(r->buf, '\n', r->n))) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		ssize_t got;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= 10 || r->n == sizeof(r->buf))
			return NULL;
		if (poll(&p, 1, 1000) <= 0)
			continue;
		got = read(r->fd, r->buf + r->n, sizeof(r->buf) - r->n);
		if (got <= 0) {
			r->eof = got == 0;
			return NULL;
		}
		r->n += got;
	}
	snprintf(r->line, sizeof(r->line), "%.*s", (int)(nl - r->buf), r->buf);
	r->n -= nl + 1 - r->buf;
	memmove(r->buf, nl + 1, r->n);
	return r->line;
}

/*
 * The next line watch prints is @fmt with @token and @n, after a time like
 * "2025-01-31 12:34:56.789 ".
 */
static void expect_line(struct reader *r, const char *fmt, long token, long n)
{
	const char *line = next_line(r);
	int y, mo, d, h, mi, sec, ms, at = -1;
	char want[128];

	snprintf(want, sizeof(want), fmt, token, n);
	ck_assert_msg(line != NULL, "watch: no line '%s' (%s)", want,
		      r->eof ? "it exited" : "none in 10 s");
	ck_assert_msg(sscanf(line, "%4d-%2d-%2d %2d:%2d:%2d.%3d %n",
			     &y, &mo, &d, &h, &mi, &sec, &ms, &at) == 7 && at > 0 &&
		      !strcmp(line + at, want),
		      "watch printed '%s', want '<time> %s'", line, want);
}

/* swingctl info TOKEN [--json] into @out, which must succeed. */
static void info(long token, bool json, char *out, size_t size)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), SWINGCTL " info %ld%s", token, json ? " --json" : "");
	ck_assert_int_eq(run(cmd, out, size), 0);
}

/* The waiters column of @token's row, from swingctl info --json. */
static long waiters(long token)
{
	char out[4096], *w;

	info(token, true, out, sizeof(out));
	w = strstr(out, "\"waiters\": ");
	ck_assert_msg(w != NULL, "no waiters in:\n%s", out);
	return atol(w + strlen("\"waiters\": "));
}

/* Wait (10 s at most) until @token has @n waiters: a watch has opened. */
static void wait_waiters(long token, long n)
{
	time_t end = time(NULL) + 10;

	while (waiters(token) != n && time(NULL) < end)
		usleep(10000);
	ck_assert_int_eq(waiters(token), n);
}

/* The end of @token's row in swingctl list's @out is @want. */
static void row_ends(const char *out, long token, int pid, const char *want)
{
	char head[32];
	const char *row, *eol;
	size_t n = strlen(want);

	snprintf(head, sizeof(head), "%8ld %8d ", token, pid);
	row = strstr(out, head);
	ck_assert_msg(row != NULL, "no '%s' in:\n%s", head, out);
	eol = strchr(row, '\n');
	ck_assert_msg(eol && (size_t)(eol - row) > n && !strncmp(eol - n, want, n),
		      "%ld's row does not end with '%s':\n%s", token, want, out);
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
	ck_assert_msg(strstr(out, " KIND  VERSION WAITERS DEPTH LENGTH\n") != NULL,
		      "no new columns in:\n%s", out);
	/*
	 * The hooked area's row: its source token, then its kind, no version,
	 * no waiters, no depth or length (the columns swing 1.3.0 added).
	 */
	snprintf(want, sizeof(want), " %8ld %5s %8s %7d %5s %6s", token, "area", "-", 0, "-", "-");
	row_ends(out, hooked, r.pid, want);

	ck_assert_int_eq(run(SWINGCTL " list --json", out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "\"token\": %ld, \"size\": 3145728, \"owner_pid\": %d,",
		 token, src.pid);
	ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
	snprintf(want, sizeof(want), "\"token\": %ld, \"size\": 3145728, \"owner_pid\": %d,",
		 hooked, r.pid);
	ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
	ck_assert_msg(out[0] == '[' && strstr(out, "\"enabled\": true") != NULL,
		      "bad JSON:\n%s", out);
	ck_assert_msg(strstr(out, "\"creator_gid\": 0, \"kind\": \"area\", \"version\": 0, "
			      "\"waiters\": 0, \"depth\": 0, \"length\": 0}") != NULL,
		      "no kind to length in JSON:\n%s", out);

	snprintf(cmd, sizeof(cmd), SWINGCTL " info %ld", token);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "size:           3145728 bytes (3 MiB)") &&
		      strstr(out, "hooks taken:    1") &&
		      has_line(out, "resident pages: %ld\n", npages) &&
		      has_line(out, "shared pages:   %ld\n", npages) &&
		      strstr(out, "kind:           area\n") &&
		      strstr(out, "version:        none (never published)\n") &&
		      strstr(out, "waiters:        0\n"),
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
	ck_assert_int_eq(run(SWINGCTL " watch 2>&1", out, sizeof(out)), 2);
	ck_assert_str_eq(out, "usage: swingctl watch TOKEN\n");
	ck_assert_int_eq(run(SWINGCTL " watch abc 2>/dev/null", out, sizeof(out)), 2);
	ck_assert_int_eq(run(SWINGCTL " watch 1 2 2>/dev/null", out, sizeof(out)), 2);
	ck_assert_int_eq(run(SWINGCTL " watch 2147483647 2>&1", out, sizeof(out)), 4);
	ck_assert_msg(strstr(out, "swingctl watch: area 2147483647: ") != NULL, "%s", out);
	ck_assert_int_eq(run(SWINGCTL " watch --help", out, sizeof(out)), 0);
	ck_assert_int_eq(run(SWINGCTL " --help", out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "  watch TOKEN ") != NULL, "%s", out);
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

/*
 * watch prints each version as the owner publishes it, one line each, and
 * exits 0 when the area is released; list and info show the version and
 * the watch descriptor among the waiters meanwhile.
 */
START_TEST(watch_follows_versions)
{
	struct reader r = { 0 };
	char out[8192];
	struct peer src;
	long token;
	pid_t pid;

	remote_start_ext(&src, ctl_cmd);
	token = remote(&src, R_CREATE, PAGE, 0);
	ck_assert_int_gt(token, 0);
	pid = spawn(&r.fd, "watch", token);
	wait_waiters(token, 1);

	/* one at a time: a burst of publishes may show only its last */
	for (long v = 1; v <= 3; v++) {
		ck_assert_int_eq(remote(&src, R_WRITE, 0, v), 0);
		ck_assert_int_eq(remote(&src, C_PUBLISH, token, 0), v);
		expect_line(&r, "area %ld: version %ld", token, v);
	}
	info(token, false, out, sizeof(out));
	ck_assert_msg(strstr(out, "version:        3\n") && strstr(out, "waiters:        1\n"),
		      "info:\n%s", out);
	info(token, true, out, sizeof(out));
	ck_assert_msg(strstr(out, "\"kind\": \"area\", \"version\": 3, \"waiters\": 1, "
			      "\"depth\": 0, \"length\": 0}\n") != NULL, "info --json:\n%s", out);

	ck_assert_int_eq(remote(&src, R_RELEASE, token, 0), 0);
	expect_line(&r, "area %ld: released", token, 0);
	ck_assert_ptr_null(next_line(&r));	/* and nothing more */
	ck_assert(r.eof);
	ck_assert_int_eq(child_status(pid), 0);
	close(r.fd);
	ck_assert_int_eq(remote_stop(&src), 0);
}
END_TEST

/*
 * SIGINT and SIGTERM end a watch with status 0; a watch of an area
 * published already starts with its version.
 */
START_TEST(watch_ends_on_signals)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	struct peer src;
	long token;

	remote_start_ext(&src, ctl_cmd);
	token = remote(&src, R_CREATE, PAGE, 0);
	ck_assert_int_gt(token, 0);
	ck_assert_int_eq(remote(&src, C_PUBLISH, token, 0), 1);
	for (int i = 0; i < 2; i++) {
		struct reader r = { 0 };
		pid_t pid = spawn(&r.fd, "watch", token);

		expect_line(&r, "area %ld: version %ld", token, 1);
		ck_assert_int_eq(kill(pid, sigs[i]), 0);
		ck_assert_int_eq(child_status(pid), 0);
		ck_assert_ptr_null(next_line(&r));
		ck_assert(r.eof);
		close(r.fd);
	}
	ck_assert_int_eq(waiters(token), 0);	/* their descriptors closed */
	ck_assert_int_eq(remote_stop(&src), 0);
}
END_TEST

/*
 * A queue in list and info (kind, depth, length), and watched: its waiting
 * messages as they come and go, until it is released.
 */
START_TEST(queues_listed_and_watched)
{
	char out[8192], want[256];
	struct reader r = { 0 };
	struct peer src, rcv;
	long area, q;
	pid_t pid;

	remote_start_ext(&src, ctl_cmd);
	remote_start_ext(&rcv, ctl_cmd);
	area = remote(&src, R_CREATE, 2 * PAGE, 0);
	ck_assert_int_gt(area, 0);
	q = remote(&src, C_QUEUE, 4, 0);
	ck_assert_int_gt(q, 0);
	pid = spawn(&r.fd, "watch", q);
	expect_line(&r, "queue %ld: %ld messages", q, 0);
	ck_assert_int_eq(remote(&src, C_SEND, q, area), 0);
	expect_line(&r, "queue %ld: %ld message", q, 1);
	ck_assert_int_eq(remote(&src, C_SEND, q, area), 0);
	expect_line(&r, "queue %ld: %ld messages", q, 2);

	ck_assert_int_eq(run(SWINGCTL " list", out, sizeof(out)), 0);
	snprintf(want, sizeof(want), " %8s %5s %8s %7d %5d %6d", "-", "queue", "-", 1, 4, 2);
	row_ends(out, q, src.pid, want);
	info(q, false, out, sizeof(out));
	ck_assert_msg(strstr(out, "kind:           queue\n") &&
		      strstr(out, "depth:          4 messages\n") &&
		      strstr(out, "length:         2 waiting\n") &&
		      strstr(out, "waiters:        1\n") && !strstr(out, "version:"),
		      "info:\n%s", out);
	info(q, true, out, sizeof(out));
	snprintf(want, sizeof(want), "{\"token\": %ld, \"size\": 0, ", q);
	ck_assert_msg(strstr(out, want) && strstr(out, "\"kind\": \"queue\", \"version\": 0, "
						   "\"waiters\": 1, \"depth\": 4, \"length\": 2}\n"),
		      "info --json:\n%s", out);

	ck_assert_int_gt(remote(&rcv, C_RECV, q, 0), 0);
	expect_line(&r, "queue %ld: %ld message", q, 1);
	ck_assert_int_eq(remote(&src, R_RELEASE, q, 0), 0);
	expect_line(&r, "queue %ld: released", q, 0);
	ck_assert_ptr_null(next_line(&r));
	ck_assert(r.eof);
	ck_assert_int_eq(child_status(pid), 0);
	close(r.fd);
	ck_assert_int_eq(remote_stop(&rcv), 0);
	ck_assert_int_eq(remote_stop(&src), 0);
	ck_assert_int_eq(swing_stat("areas"), 0);
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
	tcase_add_test(tc, watch_follows_versions);
	tcase_add_test(tc, watch_ends_on_signals);
	tcase_add_test(tc, queues_listed_and_watched);
	suite_add_tcase(s, tc);
	return s;
}
