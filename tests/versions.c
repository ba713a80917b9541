// SPDX-License-Identifier: GPL-2.0-only
/*
 * Published versions (swing_publish, swing_hook_version, swing_wait,
 * swing_watch): one writer, many readers.  The owner, its hookers, waiters
 * and watchers are separate processes with tokens on pipes.  Pages carry
 * fill_pages()'s (version, page) words, so every check looks at every page
 * and says which version a reader got.  Every test ends with the module's
 * totals (areas, pages, nodes, messages, versions) as it found them.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "helpers.h"

#define NOBODY 65534
#define NPAGES 8
#define LEN (NPAGES * PAGE)

/* The remotes' commands beyond helpers.h's. */
enum version_cmd {
	V_PUBLISH_FILL = R_USER,	/* a = token, b = n: fill, publish 1..n */
	V_ADDR,				/* answer the area's address */
};

static long version_cmd(long cmd, long a, long b, void *area, size_t len)
{
	uint64_t v;

	switch (cmd) {
	case V_PUBLISH_FILL:
		/* version k holds k in every page: a reader can tell */
		for (long k = 1; k <= b; k++) {
			fill_pages(area, len, k);
			if (swing_publish(a, &v))
				return -errno;
			if ((long)v != k)
				return -1000 - k;
		}
		return b;
	case V_ADDR:
		return (long)area;
	}
	return -ENOSYS;
}

/* A remote owning an area of LEN that holds version fill, not enabled. */
static long start_owner(struct peer *owner, long fill)
{
	long token;

	remote_start_ext(owner, version_cmd);
	token = remote(owner, R_CREATE, LEN, 0);
	ck_assert_int_gt(token, 0);
	ck_assert_int_eq(remote(owner, R_FILL, fill, 0), 0);
	return token;
}

/* The owner releases its area, then exits. */
static void stop_owner(struct peer *owner, long token)
{
	ck_assert_int_eq(remote(owner, R_RELEASE, token, 0), 0);
	ck_assert_int_eq(remote_stop(owner), 0);
}

static void publish_expect(struct peer *owner, long token, long want)
{
	long got = remote(owner, R_PUBLISH, token, 0);

	ck_assert_msg(got == want, "the owner's publish of %ld gave %ld, want version %ld",
		      token, got, want);
}

/* A hooker (a new remote) of token: the version it got, which must be want. */
static void hook_expect(struct peer *hooker, long token, long want_version,
			long want_content)
{
	long v = remote(hooker, R_HOOKV, token, 0);

	ck_assert_msg(v == want_version, "a hook of %ld got version %ld, want %ld",
		      token, v, want_version);
	v = remote(hooker, R_VERSION, 0, 0);
	ck_assert_msg(v == want_content,
		      "a hook of %ld holds the owner's write %ld (-1: pages disagree), want %ld",
		      token, v, want_content);
}

START_TEST(numbers_increase)
{
	struct peer owner, h;
	long t1, t2;

	t1 = start_owner(&owner, 1);
	ck_assert_int_eq(proc_swing_long(t1, "version"), 0);
	publish_expect(&owner, t1, 1);
	ck_assert_int_eq(remote(&owner, R_FILL, 2, 0), 0);
	publish_expect(&owner, t1, 2);
	publish_expect(&owner, t1, 3);	/* nothing written: still a new one */
	ck_assert_int_eq(proc_swing_long(t1, "version"), 3);
	/* numbered per area */
	t2 = remote(&owner, R_CREATE, PAGE, 0);
	ck_assert_int_gt(t2, 0);
	publish_expect(&owner, t2, 1);	/* never written: zeroes */
	publish_expect(&owner, t1, 4);
	remote_start(&h);
	ck_assert_int_eq(remote(&h, R_HOOKV, t2, 0), 1);
	ck_assert_int_eq(remote(&h, R_READ, PAGE - sizeof(long), 0), 0);
	ck_assert_int_eq(remote_stop(&h), 0);
	ck_assert_int_eq(remote(&owner, R_RELEASE, t2, 0), 0);
	stop_owner(&owner, t1);
}
END_TEST

/* Only the owner publishes (or CAP_IPC_OWNER); token errors are precise. */
START_TEST(publish_by_owner_only)
{
	struct peer owner, u;
	uint64_t v;
	long t;

	t = start_owner(&owner, 1);
	remote_start(&u);
	ck_assert_int_eq(remote(&u, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&owner, R_SETPERM, t, PERM(NOBODY, NOBODY, 0666)), 0);
	ck_assert_int_eq(remote(&u, R_PUBLISH, t, 0), -EPERM);
	ck_assert_int_eq(proc_swing_long(t, "version"), 0);
	ck_assert_int_eq(proc_swing_long(t, "enabled"), 0);
	ck_ok(swing_publish(t, &v));	/* root overrides, as for enablehook */
	ck_assert_uint_eq(v, 1);
	publish_expect(&owner, t, 2);
	ck_fails_with(swing_publish(-1, &v), EINVAL);
	ck_fails_with(swing_publish(0, &v), EINVAL);
	ck_fails_with(swing_publish(0x7ffffff0, &v), ENOENT);
	ck_ok(swing_publish(t, NULL));
	ck_assert_int_eq(proc_swing_long(t, "version"), 3);
	ck_assert_int_eq(remote(&owner, R_RELEASE, t, 0), 0);
	ck_assert_int_eq(remote(&u, R_PUBLISH, t, 0), -ENOENT);
	remotes_stop(&u, &owner, NULL);
}
END_TEST

/*
 * Writes into the owner's live area that are not its own stores (this
 * process through process_vm_writev and /proc/PID/mem) never reach the
 * published version either.
 */
START_TEST(foreign_writes_miss_version)
{
	struct peer owner, h;
	long t, addr, word = 42;
	struct iovec local = { .iov_base = &word, .iov_len = sizeof(word) };
	struct iovec far;
	char path[64];
	int fd;

	t = start_owner(&owner, 1);
	publish_expect(&owner, t, 1);
	addr = remote(&owner, V_ADDR, 0, 0);
	far.iov_base = (void *)(addr + PAGE);
	far.iov_len = sizeof(word);
	ck_assert_int_eq(process_vm_writev(owner.pid, &local, 1, &far, 1, 0),
			 sizeof(word));
	snprintf(path, sizeof(path), "/proc/%d/mem", owner.pid);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, &word, sizeof(word), addr + 2 * PAGE),
			 sizeof(word));
	close(fd);
	ck_assert_int_eq(remote(&owner, R_READ, PAGE, 0), 42);
	ck_assert_int_eq(remote(&owner, R_READ, 2 * PAGE, 0), 42);
	remote_start(&h);
	hook_expect(&h, t, 1, 1);
	ck_assert_int_eq(remote_stop(&h), 0);
	stop_owner(&owner, t);
}
END_TEST

/*
 * A hooker publishes its own snapshot in turn: its version has its own
 * writes on the source's version, and the source's later versions reach
 * neither.
 */
START_TEST(chain_publish)
{
	struct peer a, b, c;
	long ta, tb;

	ta = start_owner(&a, 1);
	publish_expect(&a, ta, 1);
	remotes_start(&b, &c, NULL);
	hook_expect(&b, ta, 1, 1);
	tb = remote(&b, R_TOKEN, 0, 0);
	ck_assert_int_eq(remote(&b, R_WRITE, 0, 5), 0);	/* page 0 only */
	ck_assert_int_eq(remote(&b, R_PUBLISH, tb, 0), 1);
	ck_assert_int_eq(remote(&b, R_FILL, 6, 0), 0);
	ck_assert_int_eq(remote(&a, R_FILL, 2, 0), 0);
	publish_expect(&a, ta, 2);
	ck_assert_int_eq(remote(&c, R_HOOKV, tb, 0), 1);
	ck_assert_int_eq(remote(&c, R_READ, 0, 0), 5);
	for (long pg = 1; pg < NPAGES; pg++)
		ck_assert_int_eq(remote(&c, R_READ, pg * PAGE, 0), 1);
	remotes_stop(&c, &b, NULL);
	stop_owner(&a, ta);
}
END_TEST

/*
 * The owner writes on after publishing, a hooker writes its snapshot: no
 * hook ever sees the owner's later writes, nor the owner or a later hook
 * the hooker's.
 */
START_TEST(published_version_isolation)
{
	struct peer owner, h1, h2;
	long t;

	t = start_owner(&owner, 1);
	publish_expect(&owner, t, 1);
	remotes_start(&h1, &h2, NULL);
	hook_expect(&h1, t, 1, 1);
	ck_assert_int_eq(remote(&owner, R_FILL, 2, 0), 0);
	ck_assert_int_eq(remote(&h1, R_VERSION, 0, 0), 1);
	ck_assert_int_eq(remote(&h1, R_FILL, 9, 0), 0);
	ck_assert_int_eq(remote(&owner, R_VERSION, 0, 0), 2);
	/* hooked after both wrote: still version 1, every page */
	hook_expect(&h2, t, 1, 1);
	ck_assert_int_eq(remote(&owner, R_WRITE, 3 * PAGE, 77), 0);
	ck_assert_int_eq(remote(&h2, R_VERSION, 0, 0), 1);
	ck_assert_int_eq(remote(&owner, R_READ, 3 * PAGE, 0), 77);
	publish_expect(&owner, t, 2);
	ck_assert_int_eq(remote(&h1, R_VERSION, 0, 0), 9);
	ck_assert_int_eq(remote(&h2, R_VERSION, 0, 0), 1);
	ck_assert_int_eq(remote(&owner, R_RELEASE, t, 0), 0);
	remotes_stop(&h1, &h2, &owner, NULL);
}
END_TEST

/* swing_hook_version with SWING_HOOK_POPULATE: which version, all mapped. */
START_TEST(hook_version_reports)
{
	struct peer owner;
	uint64_t v = 99;
	void *a;
	long t;
	int ht;

	t = start_owner(&owner, 5);
	ck_assert_int_eq(remote(&owner, R_ENABLE, t, 0), 0);
	ck_ok(swing_hook_version(&a, &ht, t, SWING_HOOK_POPULATE, &v));
	ck_assert_uint_eq(v, 0);	/* never published: the live contents */
	ck_assert_int_eq(pages_version(a, LEN), 5);
	ck_ok(releasearea(ht));
	publish_expect(&owner, t, 1);
	ck_assert_int_eq(remote(&owner, R_FILL, 6, 0), 0);
	publish_expect(&owner, t, 2);
	ck_assert_int_eq(remote(&owner, R_FILL, 7, 0), 0);
	ck_ok(swing_hook_version(&a, &ht, t, SWING_HOOK_POPULATE, &v));
	ck_assert_uint_eq(v, 2);
	ck_assert_int_eq(pages_present(a, LEN), NPAGES);
	ck_assert_int_eq(pages_version(a, LEN), 6);
	ck_ok(releasearea(ht));
	/* plain hook() of a published area: the version too */
	ck_ok(hook(&a, &ht, t));
	ck_assert_int_eq(pages_version(a, LEN), 6);
	ck_ok(releasearea(ht));
	stop_owner(&owner, t);
}
END_TEST

/* Never published: version 0, hooks take the live contents, no waking. */
START_TEST(unpublished_as_before)
{
	struct peer owner, h1, h2;
	uint64_t v;
	long t;
	int fd;

	t = start_owner(&owner, 1);
	ck_assert_int_eq(remote(&owner, R_ENABLE, t, 0), 0);
	remotes_start(&h1, &h2, NULL);
	hook_expect(&h1, t, 0, 1);
	ck_assert_int_eq(remote(&owner, R_FILL, 2, 0), 0);
	hook_expect(&h2, t, 0, 2);
	ck_assert_int_eq(remote(&h1, R_VERSION, 0, 0), 1);
	ck_assert_int_eq(proc_swing_long(t, "version"), 0);
	ck_fails_with(swing_wait(t, 0, 0, &v), ETIMEDOUT);
	fd = swing_watch(t);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(poll_fd(fd, POLLIN, 100), 0);
	close(fd);
	ck_assert_int_eq(remote(&owner, R_RELEASE, t, 0), 0);
	remotes_stop(&h1, &h2, &owner, NULL);
}
END_TEST

/*
 * disablehook withdraws a published area; enablehook gives back its latest
 * version (not the live contents, no new number); publish enables.
 */
START_TEST(disable_enable_publish)
{
	struct peer owner, h;
	uint64_t v;
	long t;

	t = start_owner(&owner, 1);
	publish_expect(&owner, t, 1);
	ck_assert_int_eq(remote(&owner, R_FILL, 2, 0), 0);
	ck_assert_int_eq(remote(&owner, R_DISABLE, t, 0), 0);
	remote_start(&h);
	ck_assert_int_eq(remote(&h, R_HOOKV, t, 0), -EAGAIN);
	ck_ok(swing_wait(t, 0, 0, &v));	/* disabled or not */
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(remote(&owner, R_ENABLE, t, 0), 0);
	hook_expect(&h, t, 1, 1);
	ck_fails_with(swing_wait(t, 1, 0, &v), ETIMEDOUT);	/* no new version */
	ck_assert_int_eq(proc_swing_long(t, "version"), 1);
	ck_assert_int_eq(remote(&owner, R_DISABLE, t, 0), 0);
	ck_assert_int_eq(remote(&h, R_HOOKV, t, 0), -EAGAIN);
	publish_expect(&owner, t, 2);
	hook_expect(&h, t, 2, 2);
	ck_assert_int_eq(remote(&owner, R_RELEASE, t, 0), 0);
	remotes_stop(&h, &owner, NULL);
}
END_TEST

START_TEST(wait_returns_and_times_out)
{
	struct peer owner;
	uint64_t v;
	long t, start, ms;

	t = start_owner(&owner, 1);
	publish_expect(&owner, t, 1);
	publish_expect(&owner, t, 2);
	start = monotonic_ms();
	ck_ok(swing_wait(t, 1, -1, &v));
	ck_assert_uint_eq(v, 2);
	ck_ok(swing_wait(t, 0, 0, &v));
	ck_assert_uint_eq(v, 2);
	ck_assert_int_lt(monotonic_ms() - start, 1000);
	ck_fails_with(swing_wait(t, 2, 0, &v), ETIMEDOUT);
	ck_fails_with(swing_wait(t, 5, 0, &v), ETIMEDOUT);
	start = monotonic_ms();
	ck_fails_with(swing_wait(t, 2, 300, &v), ETIMEDOUT);
	ms = monotonic_ms() - start;
	ck_assert_msg(ms >= 290 && ms < 5000, "a 300 ms wait took %ld ms", ms);
	ck_fails_with(swing_wait(t, 2, -2, &v), EINVAL);
	ck_fails_with(swing_wait(t, 0, INT_MIN, &v), EINVAL);
	ck_fails_with(swing_wait(-1, 0, 0, &v), EINVAL);
	ck_fails_with(swing_wait(0x7ffffff0, 0, 0, &v), ENOENT);
	stop_owner(&owner, t);
}
END_TEST

/* Waiters in three processes sleep until another one publishes. */
START_TEST(wait_wakes_on_publish)
{
	struct peer owner, w[3];
	const int ms[3] = { -1, -1, 20000 };
	long t, start;
	int i;

	t = start_owner(&owner, 1);
	for (i = 0; i < 3; i++) {
		remote_start(&w[i]);
		remote_post(&w[i], R_WAIT, WAIT_ARG(t, ms[i]), 0);
	}
	ck_assert_int_eq(proc_swing_wait(t, "waiters", 3), 3);
	for (i = 0; i < 3; i++)
		ck_assert_msg(!remote_answered(&w[i], i ? 0 : 300),
			      "waiter %d returned %ld before any publish", i,
			      remote_reply(&w[i]));
	start = monotonic_ms();
	publish_expect(&owner, t, 1);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(remote_reply(&w[i]), 1);
	ck_assert_int_lt(monotonic_ms() - start, 10000);
	ck_assert_int_eq(proc_swing_wait(t, "waiters", 0), 0);

	/* again, after = 1: woken by version 2 */
	remote_post(&w[0], R_WAIT, WAIT_ARG(t, -1), 1);
	ck_assert_int_eq(proc_swing_wait(t, "waiters", 1), 1);
	ck_assert(!remote_answered(&w[0], 200));
	publish_expect(&owner, t, 2);
	ck_assert_int_eq(remote_reply(&w[0]), 2);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(remote_stop(&w[i]), 0);
	stop_owner(&owner, t);
}
END_TEST

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

/*
 * SIGALRM through a handler interrupts a wait with EINTR, with or without
 * SA_RESTART (never restarted).  The wait's own 3 s timeout would show a
 * restart as ETIMEDOUT instead of hanging the test.
 */
static void wait_interrupted(int sa_flags)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = sa_flags };
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	struct peer owner;
	uint64_t v;
	long t, start, ms;

	t = start_owner(&owner, 1);
	publish_expect(&owner, t, 1);
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	alarms = 0;
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	start = monotonic_ms();
	ck_fails_with(swing_wait(t, 1, 3000, &v), EINTR);
	ms = monotonic_ms() - start;
	ck_assert_int_eq(alarms, 1);
	ck_assert_msg(ms < 2500, "the interrupted wait took %ld ms", ms);
	/* and one that would sleep forever */
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	ck_fails_with(swing_wait(t, 1, -1, &v), EINTR);
	ck_assert_int_eq(alarms, 2);
	ck_assert_int_eq(proc_swing_wait(t, "waiters", 0), 0);
	stop_owner(&owner, t);
}

START_TEST(wait_eintr)
{
	wait_interrupted(0);
}
END_TEST

START_TEST(wait_eintr_sa_restart)
{
	wait_interrupted(SA_RESTART);
}
END_TEST

/* The area goes while a waiter sleeps: EIDRM; afterwards ENOENT. */
static void wait_released(int by_exit)
{
	struct peer owner, w;
	uint64_t v;
	long t;

	t = start_owner(&owner, 1);
	publish_expect(&owner, t, 1);
	remote_start(&w);
	remote_post(&w, R_WAIT, WAIT_ARG(t, -1), 1);
	ck_assert_int_eq(proc_swing_wait(t, "waiters", 1), 1);
	ck_assert(!remote_answered(&w, 200));
	if (by_exit)
		ck_assert_int_eq(remote_stop(&owner), 0);
	else
		ck_assert_int_eq(remote(&owner, R_RELEASE, t, 0), 0);
	ck_assert_msg(remote_answered(&w, 10000),
		      "a waiter still sleeps 10 s after its area's %s",
		      by_exit ? "owner exited" : "release");
	ck_assert_int_eq(remote_reply(&w), -EIDRM);
	ck_fails_with(swing_wait(t, 0, 0, &v), ENOENT);
	ck_assert_int_eq(remote(&w, R_WAIT, WAIT_ARG(t, -1), 0), -ENOENT);
	ck_assert_int_eq(remote_stop(&w), 0);
	if (!by_exit)
		ck_assert_int_eq(remote_stop(&owner), 0);
}

START_TEST(wait_eidrm_release)
{
	wait_released(0);
}
END_TEST

START_TEST(wait_eidrm_owner_exit)
{
	wait_released(1);
}
END_TEST

/* Waiting and watching need hook permission. */
START_TEST(wait_watch_permission)
{
	struct peer owner, u;
	long t, fd;

	t = start_owner(&owner, 1);
	publish_expect(&owner, t, 1);
	remote_start_ext(&u, version_cmd);
	ck_assert_int_eq(remote(&u, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&u, R_WAIT, WAIT_ARG(t, 0), 0), -EACCES);
	ck_assert_int_eq(remote(&u, R_WAIT, WAIT_ARG(t, -1), 0), -EACCES);
	ck_assert_int_eq(remote(&u, R_WATCH, t, 0), -EACCES);
	ck_assert_int_eq(remote(&owner, R_SETPERM, t, PERM(0, 0, 0604)), 0);
	ck_assert_int_eq(remote(&u, R_WAIT, WAIT_ARG(t, 0), 0), 1);
	fd = remote(&u, R_WATCH, t, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(remote(&u, R_WATCH_READ, fd, 0), 1);
	ck_assert_int_eq(remote(&owner, R_RELEASE, t, 0), 0);
	remotes_stop(&u, &owner, NULL);
}
END_TEST

START_TEST(watch_reads_and_rearms)
{
	struct peer owner;
	char buf[16];
	long t;
	int fd, fd2;

	t = start_owner(&owner, 1);
	fd = swing_watch(t);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY);
	ck_assert_int_eq(poll_fd(fd, POLLIN, 100), 0);
	publish_expect(&owner, t, 1);
	ck_assert_int_eq(poll_fd(fd, POLLIN, 5000), POLLIN);
	ck_assert_int_eq(watch_read(fd), 1);
	ck_assert_int_eq(poll_fd(fd, POLLIN, 100), 0);	/* rearmed */

	publish_expect(&owner, t, 2);
	ck_fails_with(read(fd, buf, 7), EINVAL);
	ck_fails_with(read(fd, buf, 0), EINVAL);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 8);	/* larger is fine */
	ck_assert_uint_eq(*(uint64_t *)buf, 2);
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(watch_read(fd), -EAGAIN);
	/* two publishes, one wakeup: the latest */
	publish_expect(&owner, t, 3);
	publish_expect(&owner, t, 4);
	ck_assert_int_eq(watch_read(fd), 4);
	ck_assert_int_eq(watch_read(fd), -EAGAIN);
	/* a new descriptor starts at 0: readable at once */
	fd2 = swing_watch(t);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_eq(poll_fd(fd2, POLLIN, 0), POLLIN);
	ck_assert_int_eq(watch_read(fd2), 4);
	ck_assert_int_eq(proc_swing_long(t, "waiters"), 2);	/* two watchers */
	close(fd);
	close(fd2);
	ck_assert_int_eq(proc_swing_wait(t, "waiters", 0), 0);
	stop_owner(&owner, t);
}
END_TEST

static int read_watch_fd(int in, int out, void *arg)
{
	send_long(out, watch_read(*(int *)arg));
	return 0;
}

/* A blocking read sleeps until another process publishes. */
START_TEST(watch_blocking_read)
{
	struct peer owner, reader;
	long t;
	int fd;

	t = start_owner(&owner, 1);
	publish_expect(&owner, t, 1);
	fd = swing_watch(t);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(watch_read(fd), 1);
	peer_start(&reader, read_watch_fd, &fd);	/* the descriptor, inherited */
	ck_assert_msg(!remote_answered(&reader, 300),
		      "a read with nothing new returned %ld", remote_reply(&reader));
	publish_expect(&owner, t, 2);
	ck_assert_msg(remote_answered(&reader, 10000),
		      "a read still sleeps 10 s after a publish");
	ck_assert_int_eq(remote_reply(&reader), 2);
	ck_assert_int_eq(peer_wait(&reader), 0);
	close(fd);
	stop_owner(&owner, t);
}
END_TEST

/*
 * The area goes: POLLHUP, with POLLIN while a version is unread; read
 * gives that version, then end of file.
 */
static void watch_hangup(int unread)
{
	struct peer owner;
	long t;
	int fd;

	t = start_owner(&owner, 1);
	fd = swing_watch(t);
	ck_assert_int_ge(fd, 0);
	publish_expect(&owner, t, 1);
	if (!unread)
		ck_assert_int_eq(watch_read(fd), 1);
	ck_assert_int_eq(remote(&owner, R_RELEASE, t, 0), 0);
	ck_assert_int_eq(poll_fd(fd, POLLIN, 5000),
			 unread ? POLLIN | POLLHUP : POLLHUP);
	if (unread)
		ck_assert_int_eq(watch_read(fd), 1);
	ck_assert_int_eq(watch_read(fd), WATCH_EOF);
	ck_assert_int_eq(watch_read(fd), WATCH_EOF);
	ck_assert_int_eq(poll_fd(fd, POLLIN, 0), POLLHUP);
	ck_assert_int_eq(remote_stop(&owner), 0);
	ck_assert_int_eq(poll_fd(fd, POLLIN, 0), POLLHUP);
	close(fd);
}

START_TEST(watch_hangup_after_release)
{
	watch_hangup(0);
}
END_TEST

START_TEST(watch_hangup_unread_version)
{
	watch_hangup(1);
}
END_TEST

/* The owner exits rather than releasing: a hangup too. */
START_TEST(watch_hangup_owner_exit)
{
	struct peer owner;
	long t;
	int fd;

	t = start_owner(&owner, 1);
	fd = swing_watch(t);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(remote_stop(&owner), 0);
	ck_assert_int_eq(poll_fd(fd, POLLIN, 5000), POLLHUP);
	ck_assert_int_eq(watch_read(fd), WATCH_EOF);
	close(fd);
}
END_TEST

START_TEST(watch_epoll)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct peer owner;
	long t;
	int fd, ep;

	t = start_owner(&owner, 1);
	fd = swing_watch(t);
	ck_assert_int_ge(fd, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ge(ep, 0);
	ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	ck_assert_int_eq(epoll_wait(ep, &got, 1, 100), 0);
	publish_expect(&owner, t, 1);
	ck_assert_int_eq(epoll_wait(ep, &got, 1, 5000), 1);
	ck_assert_uint_eq(got.events, EPOLLIN);
	ck_assert_int_eq(watch_read(fd), 1);
	ck_assert_int_eq(epoll_wait(ep, &got, 1, 100), 0);
	publish_expect(&owner, t, 2);
	ck_assert_int_eq(epoll_wait(ep, &got, 1, 5000), 1);
	ck_assert_int_eq(watch_read(fd), 2);
	ck_assert_int_eq(remote(&owner, R_RELEASE, t, 0), 0);
	ck_assert_int_eq(epoll_wait(ep, &got, 1, 5000), 1);
	ck_assert_uint_eq(got.events & (EPOLLIN | EPOLLHUP), EPOLLHUP);
	close(ep);
	close(fd);
	ck_assert_int_eq(remote_stop(&owner), 0);
}
END_TEST

/*
 * No lost wakeup: versions published at any instant after a read make the
 * descriptor readable.  The owner publishes 200 versions (version k holds
 * k in every page) as fast as it can while this process polls, reads and
 * hooks: the versions read only increase, each hook is whole, and the
 * last one read is the last published.
 */
#define RACE_VERSIONS 200

START_TEST(watch_no_lost_wakeup)
{
	struct peer owner;
	long t, last = 0, v;
	uint64_t hv;
	void *a;
	int fd, ht;

	t = start_owner(&owner, 0);
	fd = swing_watch(t);
	ck_assert_int_ge(fd, 0);
	/* the simple case first: a publish between a read and the poll */
	publish_expect(&owner, t, 1);
	ck_assert_int_eq(watch_read(fd), 1);
	publish_expect(&owner, t, 2);
	ck_assert_int_eq(poll_fd(fd, POLLIN, 0), POLLIN);
	ck_assert_int_eq(watch_read(fd), 2);
	ck_assert_int_eq(remote(&owner, R_RELEASE, t, 0), 0);
	close(fd);

	t = remote(&owner, R_CREATE, LEN, 0);
	ck_assert_int_gt(t, 0);
	fd = swing_watch(t);
	ck_assert_int_ge(fd, 0);
	remote_post(&owner, V_PUBLISH_FILL, t, RACE_VERSIONS);
	while (last < RACE_VERSIONS) {
		ck_assert_msg(poll_fd(fd, POLLIN, 10000) == POLLIN,
			      "lost wakeup: not readable 10 s after reading version %ld",
			      last);
		v = watch_read(fd);
		ck_assert_msg(v > last, "read version %ld after %ld", v, last);
		ck_ok(swing_hook_version(&a, &ht, t, 0, &hv));
		ck_assert_msg((long)hv >= v, "hooked version %lu after reading %ld",
			      (unsigned long)hv, v);
		ck_assert_msg(pages_version(a, LEN) == (long)hv,
			      "version %lu holds %ld (-1: torn)", (unsigned long)hv,
			      pages_version(a, LEN));
		ck_ok(releasearea(ht));
		last = v;
	}
	ck_assert_int_eq(remote_reply(&owner), RACE_VERSIONS);
	ck_assert_int_eq(poll_fd(fd, POLLIN, 0), 0);
	close(fd);
	stop_owner(&owner, t);
}
END_TEST

/*
 * Three reader processes race the owner's 100 publishes: each waits for a
 * version newer than its last, hooks (populated or not) and checks every
 * page.  No torn version, versions only increase, all see the last one.
 */
#define RACE_READERS 3

static int race_reader(int in, int out, void *arg)
{
	long t = recv_long(in), last = 0, bad = 0;
	uint64_t v, hv;
	void *a;
	int ht;

	while (!bad && last < RACE_VERSIONS / 2) {
		if (swing_wait(t, last, 10000, &v))
			bad = -errno;
		else if ((long)v <= last)
			bad = -1000;
		else if (swing_hook_version(&a, &ht, t,
					    last & 1 ? SWING_HOOK_POPULATE : 0, &hv))
			bad = -errno;
		else if (hv < v || pages_version(a, LEN) != (long)hv)
			bad = -2000;
		else if (releasearea(ht))
			bad = -errno;
		else
			last = hv;
	}
	send_long(out, bad ? bad : last);
	return 0;
}

START_TEST(readers_race)
{
	struct peer owner, r[RACE_READERS];
	long t, got;
	int i;

	for (i = 0; i < RACE_READERS; i++)
		peer_start(&r[i], race_reader, NULL);
	t = start_owner(&owner, 0);
	for (i = 0; i < RACE_READERS; i++)
		send_long(r[i].to, t);
	ck_assert_int_eq(remote(&owner, V_PUBLISH_FILL, t, RACE_VERSIONS / 2),
			 RACE_VERSIONS / 2);
	for (i = 0; i < RACE_READERS; i++) {
		got = recv_long(r[i].from);
		ck_assert_msg(got == RACE_VERSIONS / 2,
			      "reader %d ended with %ld (-1000: versions went back, -2000: a torn or wrong version, else -errno)",
			      i, got);
		ck_assert_int_eq(peer_wait(&r[i]), 0);
	}
	stop_owner(&owner, t);
}
END_TEST

/* The descriptor holds neither the token nor the pages. */
START_TEST(watch_keeps_no_pages)
{
	struct swing_totals before = totals_now();
	struct peer owner;
	long t;
	int fd;

	t = start_owner(&owner, 1);
	publish_expect(&owner, t, 1);
	ck_assert_int_eq(remote(&owner, R_FILL, 2, 0), 0);
	fd = swing_watch(t);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(swing_stat("pages"), before.pages);
	ck_assert_int_eq(remote(&owner, R_RELEASE, t, 0), 0);
	ck_totals_back("a released area with a watch descriptor open", before);
	ck_assert_int_eq(proc_swing_long(t, "token"), LONG_MIN);
	ck_assert_int_eq(remote_stop(&owner), 0);
	close(fd);
}
END_TEST

/*
 * Only the latest version is kept: 64 pages rewritten and published 50
 * times with no hook held stay one version and at most twice the pages.
 */
START_TEST(memory_bounded)
{
	struct swing_totals before = totals_now();
	struct peer owner, h;
	long t, pages, most = 0;

	remote_start(&owner);
	t = remote(&owner, R_CREATE, 64 * PAGE, 0);
	ck_assert_int_gt(t, 0);
	for (long i = 1; i <= 50; i++) {
		ck_assert_int_eq(remote(&owner, R_FILL, i, 0), 0);
		publish_expect(&owner, t, i);
		ck_assert_int_eq(swing_stat("versions"), before.versions + 1);
		pages = swing_stat("pages") - before.pages;
		most = pages > most ? pages : most;
		ck_assert_msg(pages <= 2 * 64,
			      "after %ld publishes of 64 pages the module holds %ld pages",
			      i, pages);
	}
	remote_start(&h);
	ck_assert_int_eq(remote(&h, R_HOOKV, t, 0), 50);
	ck_assert_int_eq(remote(&h, R_VERSION, 0, 0), 50);
	ck_assert_int_eq(remote_stop(&h), 0);
	stop_owner(&owner, t);
}
END_TEST

/* A version hooked stays what it was however many follow. */
START_TEST(old_version_hooked_keeps_content)
{
	struct peer owner, old, new;
	long t;

	t = start_owner(&owner, 1);
	publish_expect(&owner, t, 1);
	remotes_start(&old, &new, NULL);
	hook_expect(&old, t, 1, 1);
	for (long i = 2; i <= 4; i++) {
		ck_assert_int_eq(remote(&owner, R_FILL, i, 0), 0);
		publish_expect(&owner, t, i);
	}
	ck_assert_int_eq(remote(&old, R_VERSION, 0, 0), 1);
	hook_expect(&new, t, 4, 4);
	ck_assert_int_eq(remote(&owner, R_RELEASE, t, 0), 0);
	/* the hooks outlive the area */
	ck_assert_int_eq(remote(&old, R_VERSION, 0, 0), 1);
	ck_assert_int_eq(remote(&new, R_VERSION, 0, 0), 4);
	remotes_stop(&old, &new, &owner, NULL);
}
END_TEST

/* Versions are for areas: a queue refuses them, from anyone. */
START_TEST(queue_is_not_versioned)
{
	struct peer other;
	uint64_t v;
	void *a;
	int q, t;

	ck_ok(swing_queue_create(&q, 4));
	ck_fails_with(swing_publish(q, &v), EOPNOTSUPP);
	ck_fails_with(swing_wait(q, 0, 0, &v), EOPNOTSUPP);
	ck_fails_with(swing_wait(q, 0, -1, &v), EOPNOTSUPP);
	ck_fails_with(hook(&a, &t, q), EOPNOTSUPP);
	ck_fails_with(swing_hook_version(&a, &t, q, SWING_HOOK_POPULATE, &v),
		      EOPNOTSUPP);
	ck_fails_with(enablehook(q), EOPNOTSUPP);
	ck_fails_with(disablehook(q), EOPNOTSUPP);
	remote_start(&other);
	ck_assert_int_eq(remote(&other, R_HOOKV, q, 0), -EOPNOTSUPP);
	ck_assert_int_eq(remote(&other, R_WAIT, WAIT_ARG(q, -1), 0), -EOPNOTSUPP);
	ck_assert_int_eq(remote_stop(&other), 0);
	ck_assert_int_eq(proc_swing_long(q, "version"), 0);
	ck_ok(releasearea(q));
}
END_TEST

/*
 * vmsplice: a reader splices a page of the version it hooked into a pipe;
 * the owner writes and publishes again (the reader's hook kept, released,
 * or gone with its process).  The pipe carries the old version's page.
 */
enum splice_end { SPLICE_KEEP, SPLICE_RELEASE, SPLICE_EXIT };

static void splice_isolation(enum splice_end end)
{
	struct peer owner, reader, late;
	long t, *buf = malloc(PAGE);
	int p[2];

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	t = start_owner(&owner, 1);
	publish_expect(&owner, t, 1);
	remote_start_ext(&reader, version_cmd);	/* holds the pipe's ends */
	hook_expect(&reader, t, 1, 1);
	ck_assert_int_eq(remote(&reader, R_VMSPLICE, 2 * PAGE, p[1]), PAGE);
	if (end == SPLICE_RELEASE)
		ck_assert_int_eq(remote(&reader, R_RELEASE,
					remote(&reader, R_TOKEN, 0, 0), 0), 0);
	if (end == SPLICE_EXIT)
		ck_assert_int_eq(remote_stop(&reader), 0);
	for (long i = 2; i <= 3; i++) {
		ck_assert_int_eq(remote(&owner, R_FILL, i, 0), 0);
		publish_expect(&owner, t, i);
	}
	remote_start(&late);
	hook_expect(&late, t, 3, 3);
	ck_assert_int_eq(remote(&late, R_FILL, 4, 0), 0);
	ck_assert_int_eq(read(p[0], buf, PAGE), (ssize_t)PAGE);
	ck_assert_msg(buf[0] == 1 && buf[1] == 2,
		      "the reader's pipe carries (version %ld, page %ld), want (1, 2)",
		      buf[0], buf[1]);
	if (end != SPLICE_EXIT)
		ck_assert_int_eq(remote_stop(&reader), 0);
	ck_assert_int_eq(remote_stop(&late), 0);
	stop_owner(&owner, t);
	close(p[0]);
	close(p[1]);
	free(buf);
}

START_TEST(vmsplice_keeps_version)
{
	splice_isolation(SPLICE_KEEP);
}
END_TEST

START_TEST(vmsplice_keeps_version_after_release)
{
	splice_isolation(SPLICE_RELEASE);
}
END_TEST

START_TEST(vmsplice_keeps_version_after_exit)
{
	splice_isolation(SPLICE_EXIT);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("versions");
	TCase *tc = tcase_create("versions");

	tcase_add_checked_fixture(tc, totals_setup, totals_teardown);
	tcase_add_test(tc, numbers_increase);
	tcase_add_test(tc, publish_by_owner_only);
	tcase_add_test(tc, published_version_isolation);
	tcase_add_test(tc, foreign_writes_miss_version);
	tcase_add_test(tc, chain_publish);
	tcase_add_test(tc, hook_version_reports);
	tcase_add_test(tc, unpublished_as_before);
	tcase_add_test(tc, disable_enable_publish);
	tcase_add_test(tc, wait_returns_and_times_out);
	tcase_add_test(tc, wait_wakes_on_publish);
	tcase_add_test(tc, wait_eintr);
	tcase_add_test(tc, wait_eintr_sa_restart);
	tcase_add_test(tc, wait_eidrm_release);
	tcase_add_test(tc, wait_eidrm_owner_exit);
	tcase_add_test(tc, wait_watch_permission);
	tcase_add_test(tc, watch_reads_and_rearms);
	tcase_add_test(tc, watch_blocking_read);
	tcase_add_test(tc, watch_hangup_after_release);
	tcase_add_test(tc, watch_hangup_unread_version);
	tcase_add_test(tc, watch_hangup_owner_exit);
	tcase_add_test(tc, watch_epoll);
	tcase_add_test(tc, watch_no_lost_wakeup);
	tcase_add_test(tc, readers_race);
	tcase_add_test(tc, watch_keeps_no_pages);
	tcase_add_test(tc, memory_bounded);
	tcase_add_test(tc, old_version_hooked_keeps_content);
	tcase_add_test(tc, queue_is_not_versioned);
	tcase_add_test(tc, vmsplice_keeps_version);
	tcase_add_test(tc, vmsplice_keeps_version_after_release);
	tcase_add_test(tc, vmsplice_keeps_version_after_exit);
	suite_add_tcase(s, tc);
	return s;
}
