// SPDX-License-Identifier: GPL-2.0-only
/*
 * Message queues of snapshots (swing_queue_create, swing_send, swing_recv,
 * swing_watch of a queue).  Senders, receivers and the queue's owner are
 * separate processes with tokens on pipes; messages carry fill_pages()'s
 * (value, page) words, so a receiver names the message it got.  Every
 * test ends with the module's totals (areas, pages, nodes, messages,
 * versions) as it found them; the limits tests put the module parameters
 * back, pass or fail.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"

#define NOBODY 65534
#define OTHER 65533

/* The remotes' commands beyond helpers.h's. */
enum queue_cmd {
	Q_MSYNC = R_USER,	/* msync() the area held: 0 or -ENOMEM unmapped */
	Q_TOUCH,		/* touch_signal() its first byte */
	Q_SEND_TOKEN,		/* a = queue, b = token: send that one */
};

static long queue_cmd(long cmd, long a, long b, void *area, size_t len)
{
	switch (cmd) {
	case Q_MSYNC:
		return msync(area, len, MS_ASYNC) ? -errno : 0;
	case Q_TOUCH:
		return touch_signal(area, 0);
	case Q_SEND_TOKEN:
		return swing_send(a, b, 0) ? -errno : 0;
	}
	return -ENOSYS;
}

/* A remote that holds an area of npages filled with value: its token. */
static long make_message(struct peer *sender, long npages, long value)
{
	long t = remote(sender, R_CREATE, npages * PAGE, 0);

	ck_assert_int_gt(t, 0);
	ck_assert_int_eq(remote(sender, R_FILL, value, 0), 0);
	return t;
}

/* The receiver takes the next message: it must hold value in every page. */
static long recv_expect(struct peer *receiver, int q, long flags, long value)
{
	long t = remote(receiver, R_RECV, q, flags), v;

	ck_assert_msg(t > 0, "receive from queue %d: %ld (%s)", q, t,
		      t < 0 ? strerror(-t) : "no token");
	v = remote(receiver, R_VERSION, 0, 0);
	ck_assert_msg(v == value, "received message %ld, want %ld (-1: pages disagree)",
		      v, value);
	return t;
}

static void expect_sleeping(struct peer *p, int q, long waiters, const char *what)
{
	ck_assert_int_eq(proc_swing_wait(q, "waiters", waiters), waiters);
	ck_assert_msg(!remote_answered(p, 300), "%s returned %ld instead of sleeping",
		      what, remote_reply(p));
}

START_TEST(create_bounds)
{
	struct swing_totals before = totals_now();
	unsigned long max = swing_param("max_queue_depth");
	struct swing_perm perm;
	char kind[16];
	int q1, q2;

	ck_assert_uint_eq(max, 1024);	/* the default */
	ck_fails_with(swing_queue_create(&q1, 0), EINVAL);
	ck_fails_with(swing_queue_create(&q1, max + 1), EINVAL);
	ck_fails_with(swing_queue_create(&q1, ~0U), EINVAL);
	ck_fails_with(swing_queue_create(NULL, 1), EINVAL);
	ck_assert_int_eq(swing_stat("areas"), before.areas);
	ck_ok(swing_queue_create(&q1, 1));
	ck_ok(swing_queue_create(&q2, max));
	ck_assert_int_gt(q1, 0);
	ck_assert_int_ne(q1, q2);
	ck_assert_int_eq(swing_stat("areas"), before.areas + 2);
	ck_assert_int_eq(swing_stat("pages"), before.pages);
	ck_ok(swing_getperm(q1, &perm));
	ck_assert_uint_eq(perm.mode, 0600);
	ck_assert_uint_eq(perm.uid, geteuid());
	ck_assert_int_eq(proc_swing_word(q1, "kind", kind, sizeof(kind)), 0);
	ck_assert_str_eq(kind, "queue");
	ck_assert_int_eq(proc_swing_long(q1, "depth"), 1);
	ck_assert_int_eq(proc_swing_long(q2, "depth"), max);
	ck_assert_int_eq(proc_swing_long(q1, "length"), 0);
	ck_assert_int_eq(proc_swing_long(q1, "pid"), getpid());
	ck_ok(releasearea(q1));
	ck_ok(releasearea(q2));
	ck_fails_with(releasearea(q1), ENOENT);
	ck_fails_with(swing_send(q1, q1, 0), ENOENT);
}
END_TEST

/*
 * FIFO: three messages of different lengths; each arrives as a new area
 * of the receiver, disabled, 0600, its source the sending area, hookable
 * by a third process once enabled or published.
 */
START_TEST(send_recv_fifo)
{
	const long npages[3] = { 1, 3, 5 };
	struct peer sender, receiver, third;
	long st[3], rt[3];
	char kind[16];
	int q, i;

	ck_ok(swing_queue_create(&q, 8));
	remotes_start(&sender, &receiver, &third, NULL);
	for (i = 0; i < 3; i++) {
		st[i] = make_message(&sender, npages[i], 10 + i);
		ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	}
	ck_assert_int_eq(proc_swing_long(q, "length"), 3);
	ck_assert_int_eq(swing_stat("messages"), 3);
	for (i = 0; i < 3; i++) {
		rt[i] = recv_expect(&receiver, q, 0, 10 + i);
		ck_assert_int_eq(remote(&receiver, R_LENGTH, 0, 0), npages[i] * PAGE);
		ck_assert_int_ne(rt[i], st[i]);
		ck_assert_int_eq(proc_swing_long(rt[i], "pid"),
				 remote(&receiver, R_PID, 0, 0));
		ck_assert_int_eq(proc_swing_long(rt[i], "source"), st[i]);
		ck_assert_int_eq(proc_swing_long(rt[i], "enabled"), 0);
		ck_assert_int_eq(proc_swing_long(rt[i], "perms"), 600);
		ck_assert_int_eq(proc_swing_word(rt[i], "kind", kind, sizeof(kind)), 0);
		ck_assert_str_eq(kind, "area");
		ck_assert_int_eq(remote(&sender, R_RELEASE, st[i], 0), 0);
	}
	ck_assert_int_eq(proc_swing_long(q, "length"), 0);
	ck_assert_int_eq(swing_stat("messages"), 0);
	ck_assert_int_eq(remote(&third, R_HOOK, rt[2], 0), -EAGAIN);
	ck_assert_int_eq(remote(&receiver, R_ENABLE, rt[2], 0), 0);
	ck_assert_int_gt(remote(&third, R_HOOK, rt[2], 0), 0);
	ck_assert_int_eq(remote(&third, R_VERSION, 0, 0), 12);
	ck_assert_int_eq(remote(&third, R_LENGTH, 0, 0), 5 * PAGE);
	/* a received area publishes like any other */
	ck_assert_int_eq(remote(&receiver, R_FILL, 13, 0), 0);
	ck_assert_int_eq(remote(&receiver, R_PUBLISH, rt[2], 0), 1);
	ck_assert_int_eq(remote(&third, R_HOOKV, rt[2], 0), 1);
	ck_assert_int_eq(remote(&third, R_VERSION, 0, 0), 13);
	remotes_stop(&third, &receiver, &sender, NULL);
	ck_ok(releasearea(q));
}
END_TEST

START_TEST(nonblock_full_and_empty)
{
	struct peer receiver;
	void *a;
	int q, t;

	ck_ok(swing_queue_create(&q, 2));
	ck_ok(createarea(&a, &t, PAGE));
	remote_start(&receiver);
	ck_assert_int_eq(remote(&receiver, R_RECV, q, SWING_NONBLOCK), -EAGAIN);
	fill_pages(a, PAGE, 1);
	ck_ok(swing_send(q, t, SWING_NONBLOCK));
	fill_pages(a, PAGE, 2);
	ck_ok(swing_send(q, t, SWING_NONBLOCK));
	fill_pages(a, PAGE, 3);
	ck_fails_with(swing_send(q, t, SWING_NONBLOCK), EAGAIN);
	ck_fails_with(swing_send(q, t, SWING_NONBLOCK | SWING_SEND_MOVE), EAGAIN);
	ck_assert_int_eq(proc_swing_long(q, "length"), 2);	/* nothing dropped */
	ck_assert_int_eq(pages_version(a, PAGE), 3);	/* the failed move kept it */
	recv_expect(&receiver, q, SWING_NONBLOCK, 1);
	recv_expect(&receiver, q, SWING_NONBLOCK, 2);
	ck_assert_int_eq(remote(&receiver, R_RECV, q, SWING_NONBLOCK), -EAGAIN);
	ck_assert_int_eq(remote_stop(&receiver), 0);
	ck_ok(releasearea(t));
	ck_ok(releasearea(q));
}
END_TEST

/* A sender sleeps on a full queue until a receiver takes a message. */
START_TEST(blocking_send_wakes)
{
	struct peer sender, receiver;
	void *a;
	int q, t;

	ck_ok(swing_queue_create(&q, 1));
	ck_ok(createarea(&a, &t, PAGE));
	fill_pages(a, PAGE, 1);
	ck_ok(swing_send(q, t, 0));
	remotes_start(&sender, &receiver, NULL);
	make_message(&sender, 2, 2);
	remote_post(&sender, R_SEND, q, 0);
	expect_sleeping(&sender, q, 1, "a send to a full queue");
	recv_expect(&receiver, q, 0, 1);
	ck_assert_msg(remote_answered(&sender, 10000),
		      "a sender still sleeps 10 s after a receive made room");
	ck_assert_int_eq(remote_reply(&sender), 0);
	recv_expect(&receiver, q, SWING_NONBLOCK, 2);
	remotes_stop(&sender, &receiver, NULL);
	ck_ok(releasearea(t));
	ck_ok(releasearea(q));
}
END_TEST

/* A receiver sleeps on an empty queue until another process sends. */
START_TEST(blocking_recv_wakes)
{
	struct peer sender, receiver;
	long rt;
	int q;

	ck_ok(swing_queue_create(&q, 4));
	remotes_start(&sender, &receiver, NULL);
	make_message(&sender, 3, 5);
	remote_post(&receiver, R_RECV, q, 0);
	expect_sleeping(&receiver, q, 1, "a receive from an empty queue");
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	ck_assert_msg(remote_answered(&receiver, 10000),
		      "a receiver still sleeps 10 s after a send");
	rt = remote_reply(&receiver);
	ck_assert_int_gt(rt, 0);
	ck_assert_int_eq(remote(&receiver, R_VERSION, 0, 0), 5);
	ck_assert_int_eq(remote(&receiver, R_LENGTH, 0, 0), 3 * PAGE);
	remotes_stop(&sender, &receiver, NULL);
	ck_ok(releasearea(q));
}
END_TEST

/*
 * SWING_SEND_MOVE gives the area away: gone from the sender (token and
 * mapping), its pages the receiver's whole, so its writes copy nothing.
 * A plain send first, for contrast: the sender still holds those pages,
 * and the receiver's writes must copy (cow_copies moves).
 */
START_TEST(send_move_gives_pages)
{
	struct peer sender, receiver;
	long st, rt, copies;
	int q;

	ck_ok(swing_queue_create(&q, 4));
	remote_start_ext(&sender, queue_cmd);
	remote_start(&receiver);

	make_message(&sender, 16, 6);
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	recv_expect(&receiver, q, 0, 6);
	copies = swing_stat("cow_copies");
	ck_assert_int_eq(remote(&receiver, R_FILL, 60, 0), 0);
	ck_assert_int_ge(swing_stat("cow_copies"), copies + 16);
	ck_assert_int_eq(remote(&sender, R_VERSION, 0, 0), 6);

	st = make_message(&sender, 16, 7);
	ck_assert_int_eq(remote(&sender, R_SEND, q, SWING_SEND_MOVE), 0);
	ck_assert_int_eq(remote(&sender, R_ENABLE, st, 0), -ENOENT);
	ck_assert_int_eq(remote(&sender, R_RELEASE, st, 0), -ENOENT);
	ck_assert_int_eq(remote(&sender, Q_MSYNC, 0, 0), -ENOMEM);
	ck_assert_int_eq(remote(&sender, Q_TOUCH, 0, 0), SIGSEGV);
	ck_assert_int_eq(proc_swing_long(st, "token"), LONG_MIN);
	rt = recv_expect(&receiver, q, 0, 7);
	ck_assert_int_eq(proc_swing_long(rt, "source"), st);
	copies = swing_stat("cow_copies");
	ck_assert_int_eq(remote(&receiver, R_FILL, 8, 0), 0);
	ck_assert_msg(swing_stat("cow_copies") == copies,
		      "the receiver's writes to 16 moved pages copied %ld of them",
		      swing_stat("cow_copies") - copies);
	ck_assert_int_eq(remote(&receiver, R_VERSION, 0, 0), 8);
	remotes_stop(&sender, &receiver, NULL);
	ck_ok(releasearea(q));
}
END_TEST

/*
 * A moved area that someone hooked: that hook keeps its contents, and the
 * receiver's writes reach nobody else.  Published first, the hook is of
 * the version, the message of the live contents (page 0 written since).
 */
static void move_hooked(int published)
{
	struct peer sender, hooker, receiver;
	long st;
	int q;

	ck_ok(swing_queue_create(&q, 4));
	remotes_start(&sender, &hooker, &receiver, NULL);
	st = make_message(&sender, 8, 1);
	if (published) {
		ck_assert_int_eq(remote(&sender, R_PUBLISH, st, 0), 1);
		ck_assert_int_eq(remote(&sender, R_WRITE, 0, 2), 0);
		ck_assert_int_eq(remote(&hooker, R_HOOKV, st, 0), 1);
	} else {
		ck_assert_int_eq(remote(&sender, R_ENABLE, st, 0), 0);
		ck_assert_int_gt(remote(&hooker, R_HOOK, st, 0), 0);
	}
	ck_assert_int_eq(remote(&sender, R_SEND, q, SWING_SEND_MOVE), 0);
	ck_assert_int_gt(remote(&receiver, R_RECV, q, 0), 0);
	ck_assert_int_eq(remote(&receiver, R_READ, 0, 0), published ? 2 : 1);
	ck_assert_int_eq(remote(&receiver, R_READ, PAGE, 0), 1);
	ck_assert_int_eq(remote(&receiver, R_FILL, 3, 0), 0);
	ck_assert_int_eq(remote(&hooker, R_VERSION, 0, 0), 1);
	ck_assert_int_eq(remote(&hooker, R_FILL, 4, 0), 0);
	ck_assert_int_eq(remote(&receiver, R_VERSION, 0, 0), 3);
	remotes_stop(&sender, &hooker, &receiver, NULL);
	ck_ok(releasearea(q));
}

START_TEST(send_move_with_hooker)
{
	move_hooked(0);
}
END_TEST

START_TEST(send_move_of_published_area)
{
	move_hooked(1);
}
END_TEST

/*
 * A pipe holds a page of the message (vmsplice): the sender's before a
 * move, or the receiver's of a plain send, released before the other side
 * writes.  The pipe keeps the page it was given.
 */
static void splice_message(int move)
{
	struct peer sender, receiver;
	long *page = malloc(PAGE);
	int q, p[2];

	ck_assert_ptr_nonnull(page);
	ck_ok(swing_queue_create(&q, 4));
	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	remote_start_ext(&sender, queue_cmd);
	remote_start_ext(&receiver, queue_cmd);
	make_message(&sender, 4, 1);
	if (move) {
		ck_assert_int_eq(remote(&sender, R_VMSPLICE, 2 * PAGE, p[1]), PAGE);
		ck_assert_int_eq(remote(&sender, R_SEND, q, SWING_SEND_MOVE), 0);
		recv_expect(&receiver, q, 0, 1);
		ck_assert_int_eq(remote(&receiver, R_FILL, 9, 0), 0);
	} else {
		ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
		recv_expect(&receiver, q, 0, 1);
		ck_assert_int_eq(remote(&receiver, R_VMSPLICE, 2 * PAGE, p[1]), PAGE);
		ck_assert_int_eq(remote(&receiver, R_RELEASE,
					remote(&receiver, R_TOKEN, 0, 0), 0), 0);
		ck_assert_int_eq(remote(&sender, R_FILL, 9, 0), 0);
	}
	ck_assert_int_eq(read(p[0], page, PAGE), (ssize_t)PAGE);
	ck_assert_msg(page[0] == 1 && page[1] == 2,
		      "the %s's pipe carries (%ld, page %ld), want (1, page 2)",
		      move ? "sender" : "receiver", page[0], page[1]);
	remotes_stop(&sender, &receiver, NULL);
	close(p[0]);
	close(p[1]);
	free(page);
	ck_ok(releasearea(q));
}

START_TEST(vmsplice_then_move)
{
	splice_message(1);
}
END_TEST

START_TEST(vmsplice_received_then_sender_writes)
{
	splice_message(0);
}
END_TEST

/*
 * Sleepers killed: a receiver in recv, a sender in send on a full queue.
 * Nothing is left of them, the queue works on, and nothing leaks.
 */
START_TEST(sleepers_killed)
{
	struct peer sender, receiver, other;
	void *a;
	int q, empty, t;

	ck_ok(swing_queue_create(&q, 1));
	ck_ok(swing_queue_create(&empty, 1));
	remotes_start(&sender, &receiver, &other, NULL);
	ck_ok(createarea(&a, &t, PAGE));
	fill_pages(a, PAGE, 1);
	ck_ok(swing_send(q, t, 0));
	make_message(&sender, 4, 2);
	remote_post(&sender, R_SEND, q, SWING_SEND_MOVE);
	remote_post(&receiver, R_RECV, empty, 0);
	expect_sleeping(&sender, q, 1, "a send to a full queue");
	expect_sleeping(&receiver, empty, 1, "a receive from an empty queue");
	kill(sender.pid, SIGKILL);
	kill(receiver.pid, SIGKILL);
	ck_assert_int_eq(peer_wait(&sender), 128 + SIGKILL);
	ck_assert_int_eq(peer_wait(&receiver), 128 + SIGKILL);
	ck_assert_int_eq(proc_swing_wait(q, "waiters", 0), 0);
	ck_assert_int_eq(proc_swing_wait(empty, "waiters", 0), 0);
	ck_assert_int_eq(proc_swing_long(q, "length"), 1);
	recv_expect(&other, q, SWING_NONBLOCK, 1);
	ck_assert_int_eq(remote(&other, R_RECV, q, SWING_NONBLOCK), -EAGAIN);
	ck_ok(swing_send(empty, t, 0));
	recv_expect(&other, empty, SWING_NONBLOCK, 1);
	ck_assert_int_eq(remote_stop(&other), 0);
	ck_ok(releasearea(t));
	ck_ok(releasearea(q));
	ck_ok(releasearea(empty));
}
END_TEST

/*
 * A plain send queues the live contents (even of a published area) and
 * the two sides stay apart: neither sees the other's later writes.
 */
START_TEST(plain_send_isolation)
{
	struct peer sender, receiver;
	long st;
	int q;

	ck_ok(swing_queue_create(&q, 4));
	remotes_start(&sender, &receiver, NULL);
	st = make_message(&sender, 8, 1);
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	ck_assert_int_eq(remote(&sender, R_FILL, 2, 0), 0);
	recv_expect(&receiver, q, 0, 1);
	ck_assert_int_eq(remote(&receiver, R_FILL, 3, 0), 0);
	ck_assert_int_eq(remote(&sender, R_VERSION, 0, 0), 2);
	ck_assert_int_eq(remote(&sender, R_FILL, 4, 0), 0);
	ck_assert_int_eq(remote(&receiver, R_VERSION, 0, 0), 3);

	ck_assert_int_eq(remote(&sender, R_PUBLISH, st, 0), 1);
	ck_assert_int_eq(remote(&sender, R_FILL, 5, 0), 0);
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	recv_expect(&receiver, q, 0, 5);
	remotes_stop(&sender, &receiver, NULL);
	ck_ok(releasearea(q));
}
END_TEST

/*
 * Four receivers race for 200 messages (then one end marker each): each
 * message is received exactly once, whole, and each receiver gets its
 * share in the order sent.
 */
#define RACE_MESSAGES 200
#define RACE_RECEIVERS 4
#define END_MARK 1000000

static int receive_all(int in, int out, void *arg)
{
	long q = recv_long(in), v;
	unsigned long len;
	void *a;
	int t;

	for (;;) {
		if (swing_recv(q, &a, &t, &len, 0)) {
			send_long(out, -errno);
			return 1;
		}
		v = pages_version(a, len);
		if (releasearea(t))
			v = -2;
		send_long(out, v);
		if (v == END_MARK || v < 0)
			return v != END_MARK;
	}
}

START_TEST(many_receivers)
{
	struct peer r[RACE_RECEIVERS];
	char *seen = calloc(RACE_MESSAGES, 1);
	long v, last;
	void *a;
	int q, t, i;

	ck_assert_ptr_nonnull(seen);
	ck_ok(swing_queue_create(&q, 8));
	for (i = 0; i < RACE_RECEIVERS; i++) {
		peer_start(&r[i], receive_all, NULL);
		send_long(r[i].to, q);
	}
	ck_ok(createarea(&a, &t, 2 * PAGE));
	for (long k = 0; k < RACE_MESSAGES + RACE_RECEIVERS; k++) {
		fill_pages(a, 2 * PAGE, k < RACE_MESSAGES ? k : END_MARK);
		ck_ok(swing_send(q, t, 0));
	}
	for (i = 0; i < RACE_RECEIVERS; i++) {
		for (last = -1; (v = recv_long(r[i].from)) != END_MARK; last = v) {
			ck_assert_msg(v >= 0 && v < RACE_MESSAGES,
				      "receiver %d got %ld (-1 torn, -2 release failed, else -errno)",
				      i, v);
			ck_assert_msg(v > last, "receiver %d got message %ld after %ld",
				      i, v, last);
			ck_assert_msg(!seen[v], "message %ld received twice", v);
			seen[v] = 1;
		}
		ck_assert_int_eq(peer_wait(&r[i]), 0);
	}
	for (long k = 0; k < RACE_MESSAGES; k++)
		ck_assert_msg(seen[k], "message %ld never received", k);
	free(seen);
	ck_ok(releasearea(t));
	ck_ok(releasearea(q));
}
END_TEST

/* The sender exits right after sending: its messages stay and arrive. */
START_TEST(messages_outlive_sender)
{
	struct peer sender, receiver;
	int q;

	ck_ok(swing_queue_create(&q, 4));
	remotes_start(&sender, &receiver, NULL);
	make_message(&sender, 2, 1);
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	make_message(&sender, 3, 2);
	ck_assert_int_eq(remote(&sender, R_SEND, q, SWING_SEND_MOVE), 0);
	make_message(&sender, 1, 3);
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	ck_assert_int_eq(remote_stop(&sender), 0);
	ck_assert_int_eq(swing_stat("messages"), 3);
	recv_expect(&receiver, q, SWING_NONBLOCK, 1);
	recv_expect(&receiver, q, SWING_NONBLOCK, 2);
	ck_assert_int_eq(remote(&receiver, R_LENGTH, 0, 0), 3 * PAGE);
	recv_expect(&receiver, q, SWING_NONBLOCK, 3);
	ck_assert_int_eq(remote_stop(&receiver), 0);
	ck_ok(releasearea(q));
}
END_TEST

/*
 * A sender asleep on a full queue and a receiver asleep on an empty one
 * both get EIDRM when their queues go: released by their owner, or with
 * its exit.  The waiting message is freed.
 */
static void sleepers_see_release(int by_exit)
{
	struct peer owner, sender, receiver;
	long full, empty;

	remotes_start(&owner, &sender, &receiver, NULL);
	full = remote(&owner, R_QCREATE, 1, 0);
	empty = remote(&owner, R_QCREATE, 1, 0);
	ck_assert_int_gt(full, 0);
	ck_assert_int_gt(empty, 0);
	make_message(&owner, 4, 1);
	ck_assert_int_eq(remote(&owner, R_SEND, full, 0), 0);
	make_message(&sender, 4, 2);
	remote_post(&sender, R_SEND, full, 0);
	remote_post(&receiver, R_RECV, empty, 0);
	expect_sleeping(&sender, full, 1, "a send to a full queue");
	expect_sleeping(&receiver, empty, 1, "a receive from an empty queue");
	if (by_exit) {
		ck_assert_int_eq(remote_stop(&owner), 0);
	} else {
		ck_assert_int_eq(remote(&owner, R_RELEASE, full, 0), 0);
		ck_assert_int_eq(remote(&owner, R_RELEASE, empty, 0), 0);
	}
	ck_assert_msg(remote_answered(&sender, 10000),
		      "a sender still sleeps 10 s after its queue went");
	ck_assert_int_eq(remote_reply(&sender), -EIDRM);
	ck_assert_msg(remote_answered(&receiver, 10000),
		      "a receiver still sleeps 10 s after its queue went");
	ck_assert_int_eq(remote_reply(&receiver), -EIDRM);
	ck_assert_int_eq(swing_stat("messages"), 0);
	ck_assert_int_eq(remote(&sender, R_SEND, full, 0), -ENOENT);
	ck_assert_int_eq(remote(&receiver, R_RECV, empty, 0), -ENOENT);
	ck_assert_int_eq(remote(&sender, R_VERSION, 0, 0), 2);	/* kept its area */
	if (!by_exit)
		ck_assert_int_eq(remote_stop(&owner), 0);
	remotes_stop(&sender, &receiver, NULL);
}

START_TEST(release_wakes_sleepers)
{
	sleepers_see_release(0);
}
END_TEST

START_TEST(owner_exit_wakes_sleepers)
{
	sleepers_see_release(1);
}
END_TEST

/* The owner's exit releases its queue and the messages in it. */
START_TEST(owner_exit_releases_queue)
{
	struct swing_totals before = totals_now();
	struct peer owner, sender;
	long q;

	remotes_start(&owner, &sender, NULL);
	q = remote(&owner, R_QCREATE, 4, 0);
	ck_assert_int_gt(q, 0);
	make_message(&sender, 4, 1);
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	ck_assert_int_eq(remote(&sender, R_SEND, q, SWING_SEND_MOVE), 0);
	ck_assert_int_eq(swing_stat("messages"), before.messages + 2);
	ck_assert_int_eq(remote_stop(&owner), 0);
	ck_assert_int_eq(proc_swing_long(q, "token"), LONG_MIN);
	make_message(&sender, 1, 2);
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), -ENOENT);
	ck_assert_int_eq(remote_stop(&sender), 0);
	ck_totals_back("a queue whose owner exited, with two messages", before);
}
END_TEST

/* w sends, r receives, a grant gives both; watching takes either. */
START_TEST(permissions)
{
	struct peer u;
	long pid, fd;
	int q;

	ck_ok(swing_queue_create(&q, 4));
	remote_start_ext(&u, queue_cmd);
	ck_assert_int_eq(remote(&u, R_SETUID, NOBODY, 0), 0);
	pid = remote(&u, R_PID, 0, 0);
	make_message(&u, 1, 1);
	ck_assert_int_eq(remote(&u, R_SEND, q, SWING_NONBLOCK), -EACCES);
	ck_assert_int_eq(remote(&u, R_RECV, q, SWING_NONBLOCK), -EACCES);
	ck_assert_int_eq(remote(&u, R_WATCH, q, 0), -EACCES);

	ck_ok(swing_setperm(q, 0, 0, 0622));
	ck_assert_int_eq(remote(&u, R_SEND, q, SWING_NONBLOCK), 0);
	ck_assert_int_eq(remote(&u, R_RECV, q, SWING_NONBLOCK), -EACCES);
	fd = remote(&u, R_WATCH, q, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(remote(&u, R_WATCH_READ, fd, 0), 1);

	ck_ok(swing_setperm(q, 0, 0, 0644));
	ck_assert_int_eq(remote(&u, R_SEND, q, SWING_NONBLOCK), -EACCES);
	ck_assert_int_eq(proc_swing_long(q, "length"), 1);
	recv_expect(&u, q, SWING_NONBLOCK, 1);

	ck_ok(swing_setperm(q, 0, 0, 0600));
	ck_ok(swing_grant(q, pid));
	make_message(&u, 1, 2);
	ck_assert_int_eq(remote(&u, R_SEND, q, SWING_NONBLOCK), 0);
	recv_expect(&u, q, SWING_NONBLOCK, 2);
	ck_ok(swing_revoke(q, pid));
	ck_assert_int_eq(remote(&u, R_SEND, q, SWING_NONBLOCK), -EACCES);
	ck_assert_int_eq(remote(&u, R_RECV, q, SWING_NONBLOCK), -EACCES);
	ck_assert_int_eq(remote_stop(&u), 0);
	ck_ok(releasearea(q));
}
END_TEST

/* Wrong kinds, unknown tokens, bad flags, another process's area. */
START_TEST(bad_sends)
{
	struct peer u1, u2;
	unsigned long len;
	void *a, *b;
	int q, q2, t, bt;
	long theirs;

	ck_ok(swing_queue_create(&q, 4));
	ck_ok(swing_queue_create(&q2, 4));
	ck_ok(createarea(&a, &t, PAGE));
	ck_fails_with(swing_send(q, q2, 0), EOPNOTSUPP);
	ck_fails_with(swing_send(q, q2, SWING_SEND_MOVE), EOPNOTSUPP);
	ck_fails_with(swing_send(t, t, 0), EOPNOTSUPP);
	ck_fails_with(swing_recv(t, &b, &bt, &len, SWING_NONBLOCK), EOPNOTSUPP);
	ck_fails_with(swing_send(q, 0x7ffffff0, 0), ENOENT);
	ck_fails_with(swing_send(0x7ffffff0, t, 0), ENOENT);
	ck_fails_with(swing_recv(0x7ffffff0, &b, &bt, &len, 0), ENOENT);
	ck_fails_with(swing_send(q, t, 1U << 2), EINVAL);
	ck_fails_with(swing_send(q, t, 1U << 31), EINVAL);
	ck_fails_with(swing_recv(q, &b, &bt, &len, SWING_SEND_MOVE), EINVAL);
	ck_fails_with(swing_recv(q, NULL, &bt, &len, 0), EINVAL);
	ck_assert_int_eq(proc_swing_long(q, "length"), 0);

	/* the same uid, hook permission even: still not its area */
	ck_ok(swing_setperm(q, 0, 0, 0666));
	remote_start_ext(&u1, queue_cmd);
	remote_start_ext(&u2, queue_cmd);
	ck_assert_int_eq(remote(&u1, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&u2, R_SETUID, NOBODY, 0), 0);
	theirs = make_message(&u1, 1, 1);
	ck_assert_int_eq(remote(&u1, R_ENABLE, theirs, 0), 0);
	ck_assert_int_eq(remote(&u2, Q_SEND_TOKEN, q, theirs), -EPERM);
	ck_assert_int_eq(remote(&u2, R_HOOK, theirs, 0) > 0, 1);
	ck_assert_int_eq(remote(&u2, Q_SEND_TOKEN, q, theirs), -EPERM);
	ck_assert_int_eq(proc_swing_long(q, "length"), 0);
	ck_assert_int_eq(remote(&u1, R_RELEASE, theirs, 0), 0);
	ck_assert_int_eq(remote(&u1, Q_SEND_TOKEN, q, theirs), -ENOENT);
	remotes_stop(&u1, &u2, NULL);
	ck_ok(releasearea(t));
	ck_ok(releasearea(q));
	ck_ok(releasearea(q2));
}
END_TEST

static int read_watch_fd(int in, int out, void *arg)
{
	send_long(out, watch_read(*(int *)arg));
	return 0;
}

/*
 * swing_watch of a queue: POLLIN while a message waits, POLLOUT while
 * there is room; read gives the length without taking anything and
 * sleeps while it is 0; POLLHUP and end of file when the queue goes.
 */
START_TEST(watch_queue)
{
	struct peer sender, receiver, reader;
	int q, fd;

	ck_ok(swing_queue_create(&q, 2));
	remotes_start(&sender, &receiver, NULL);
	fd = swing_watch(q);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_int_eq(poll_fd(fd, POLLIN | POLLOUT, 100), POLLOUT);
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(watch_read(fd), -EAGAIN);
	ck_assert_int_eq(fcntl(fd, F_SETFL, 0), 0);

	make_message(&sender, 1, 1);
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	ck_assert_int_eq(poll_fd(fd, POLLIN | POLLOUT, 5000), POLLIN | POLLOUT);
	ck_assert_int_eq(watch_read(fd), 1);
	ck_assert_int_eq(watch_read(fd), 1);	/* does not consume */
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	ck_assert_int_eq(poll_fd(fd, POLLIN | POLLOUT, 5000), POLLIN);	/* full */
	ck_assert_int_eq(poll_fd(fd, POLLOUT, 100), 0);
	ck_assert_int_eq(watch_read(fd), 2);
	recv_expect(&receiver, q, 0, 1);
	ck_assert_int_eq(poll_fd(fd, POLLIN | POLLOUT, 5000), POLLIN | POLLOUT);
	ck_assert_int_eq(watch_read(fd), 1);
	recv_expect(&receiver, q, 0, 1);
	ck_assert_int_eq(poll_fd(fd, POLLIN | POLLOUT, 5000), POLLOUT);

	/* empty: a blocking read sleeps until a send */
	peer_start(&reader, read_watch_fd, &fd);
	ck_assert_msg(!remote_answered(&reader, 300),
		      "a read of an empty queue's watch returned %ld", remote_reply(&reader));
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	ck_assert_msg(remote_answered(&reader, 10000),
		      "a read still sleeps 10 s after a send");
	ck_assert_int_eq(remote_reply(&reader), 1);
	ck_assert_int_eq(peer_wait(&reader), 0);

	ck_ok(releasearea(q));
	ck_assert_int_eq(poll_fd(fd, POLLIN, 5000) & (POLLHUP | POLLIN), POLLHUP);
	ck_assert_int_eq(watch_read(fd), WATCH_EOF);
	close(fd);
	remotes_stop(&sender, &receiver, NULL);
}
END_TEST

/* The limits tests change module parameters: put back after the tcase. */
static unsigned long saved_areas, saved_pages, saved_depth;

static void save_params(void)
{
	saved_areas = swing_param("max_areas_per_user");
	saved_pages = swing_param("max_pages_per_user");
	saved_depth = swing_param("max_queue_depth");
}

static void restore_params(void)
{
	set_param("max_areas_per_user", saved_areas);
	set_param("max_pages_per_user", saved_pages);
	set_param("max_queue_depth", saved_depth);
}

/*
 * A waiting message counts as one area against its sender's uid until
 * received (by another uid, charged to that one).
 */
START_TEST(messages_charge_sender_areas)
{
	struct peer sender, receiver;
	int q, i;

	ck_ok(swing_queue_create(&q, 16));
	ck_ok(swing_setperm(q, 0, 0, 0666));
	remotes_start(&sender, &receiver, NULL);
	ck_assert_int_eq(remote(&sender, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&receiver, R_SETUID, OTHER, 0), 0);
	set_param("max_areas_per_user", 4);
	make_message(&sender, 1, 1);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), -ENOSPC);
	ck_assert_int_eq(remote(&sender, R_SEND, q, SWING_NONBLOCK), -ENOSPC);
	ck_assert_int_eq(remote(&sender, R_CREATE, PAGE, 0), -ENOSPC);
	ck_assert_int_eq(proc_swing_long(q, "length"), 3);
	recv_expect(&receiver, q, 0, 1);
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), -ENOSPC);
	for (i = 0; i < 3; i++)
		recv_expect(&receiver, q, 0, 1);
	ck_assert_int_gt(remote(&sender, R_CREATE, PAGE, 0), 0);
	set_param("max_areas_per_user", saved_areas);
	remotes_stop(&sender, &receiver, NULL);
	ck_ok(releasearea(q));
}
END_TEST

/* And as its pages against max_pages_per_user. */
START_TEST(messages_charge_sender_pages)
{
	struct peer sender, receiver;
	int q;

	ck_ok(swing_queue_create(&q, 16));
	ck_ok(swing_setperm(q, 0, 0, 0666));
	remotes_start(&sender, &receiver, NULL);
	ck_assert_int_eq(remote(&sender, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&receiver, R_SETUID, OTHER, 0), 0);
	set_param("max_pages_per_user", 10);
	make_message(&sender, 4, 1);
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);	/* 8 pages */
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), -ENOSPC);
	recv_expect(&receiver, q, 0, 1);
	ck_assert_int_eq(remote(&sender, R_SEND, q, 0), 0);
	recv_expect(&receiver, q, 0, 1);
	set_param("max_pages_per_user", saved_pages);
	remotes_stop(&sender, &receiver, NULL);
	ck_ok(releasearea(q));
}
END_TEST

/* A queue counts as one area of its creator; the depth limit is live. */
START_TEST(queue_counts_as_area)
{
	struct peer u;
	int q;

	remote_start(&u);
	ck_assert_int_eq(remote(&u, R_SETUID, NOBODY, 0), 0);
	set_param("max_areas_per_user", 2);
	ck_assert_int_gt(remote(&u, R_QCREATE, 1, 0), 0);
	ck_assert_int_gt(remote(&u, R_CREATE, PAGE, 0), 0);
	ck_assert_int_eq(remote(&u, R_QCREATE, 1, 0), -ENOSPC);
	ck_assert_int_eq(remote(&u, R_CREATE, PAGE, 0), -ENOSPC);
	set_param("max_areas_per_user", saved_areas);
	ck_assert_int_eq(remote_stop(&u), 0);

	set_param("max_queue_depth", 4);
	ck_fails_with(swing_queue_create(&q, 5), EINVAL);
	ck_ok(swing_queue_create(&q, 4));
	ck_ok(releasearea(q));
	set_param("max_queue_depth", saved_depth);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("queue"), *lim = tcase_create("limits");

	tcase_add_checked_fixture(tc, totals_setup, totals_teardown);
	tcase_add_test(tc, create_bounds);
	tcase_add_test(tc, send_recv_fifo);
	tcase_add_test(tc, nonblock_full_and_empty);
	tcase_add_test(tc, blocking_send_wakes);
	tcase_add_test(tc, blocking_recv_wakes);
	tcase_add_test(tc, send_move_gives_pages);
	tcase_add_test(tc, send_move_with_hooker);
	tcase_add_test(tc, send_move_of_published_area);
	tcase_add_test(tc, vmsplice_then_move);
	tcase_add_test(tc, vmsplice_received_then_sender_writes);
	tcase_add_test(tc, sleepers_killed);
	tcase_add_test(tc, plain_send_isolation);
	tcase_add_test(tc, many_receivers);
	tcase_add_test(tc, messages_outlive_sender);
	tcase_add_test(tc, release_wakes_sleepers);
	tcase_add_test(tc, owner_exit_wakes_sleepers);
	tcase_add_test(tc, owner_exit_releases_queue);
	tcase_add_test(tc, permissions);
	tcase_add_test(tc, bad_sends);
	tcase_add_test(tc, watch_queue);
	suite_add_tcase(s, tc);

	tcase_add_unchecked_fixture(lim, save_params, restore_params);
	tcase_add_checked_fixture(lim, totals_setup, totals_teardown);
	tcase_add_test(lim, messages_charge_sender_areas);
	tcase_add_test(lim, messages_charge_sender_pages);
	tcase_add_test(lim, queue_counts_as_area);
	suite_add_tcase(s, lim);
	return s;
}
