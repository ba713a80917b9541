// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SWING paper's pipeline, running continuously on published versions
 * and a queue (issue 13): producers A and B rewrite and publish their
 * areas without pause; integrator C follows both through epoll on
 * swing_watch descriptors, hooks their latest versions and publishes a
 * combination of them; analysers D (swing_wait) and E (epoll) follow C.
 * A and B also send work items into a queue that three workers drain with
 * swing_recv (two blocking, one SWING_NONBLOCK woken by poll).
 *
 * Every word of every page names its writer, its page and its version
 * (word() below), so a reader can tell a torn or stale snapshot from a
 * good one.  Checked: every hook holds one whole version, the one it
 * returned; versions only increase; every work item arrives exactly once,
 * whole, and a sender's items in the order sent; while it runs the module
 * holds a bounded number of versions and messages; no lost wakeup: the
 * final versions reach every waiter through the wakeups alone (a waiter
 * that hears nothing for 20 s while its source publishes fails); at the
 * end the module's totals are what they were.
 *
 * Separate processes; tokens travel over pipes.  SWING_PIPELINE_SECONDS
 * sets how long it runs (default 30).
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "helpers.h"

#define NPAGES		64	/* of A's, B's and C's areas */
#define LEN		(NPAGES * PAGE)
#define WORDS		(PAGE / sizeof(uint64_t))
#define QDEPTH		4
#define NWORKERS	3
#define SEND_EVERY	16	/* a burst of work items every 16th publish */
#define BURST		8	/* twice the depth: senders meet a full queue */
#define PLAIN_PAGES	2	/* a plain send's area, rewritten after each send */
#define QUIET_MS	20000	/* no news for this long: a lost wakeup */

enum { WHO_A = 1, WHO_B, WHO_C, WHO_STOP };
static const char *const who_names[] = { "?", "A", "B", "C", "stop" };

static const char *who_name(unsigned int who)
{
	return who <= WHO_STOP ? who_names[who] : "?";
}

/*
 * A word: magic, writer, the final flag (the writer's last version),
 * page, version (or a work item's sequence number).
 */
#define VBITS		40
#define VMASK		((1ULL << VBITS) - 1)

static uint64_t word(unsigned int who, int final, unsigned long page,
		     uint64_t version)
{
	return 0x5eULL << 56 | (uint64_t)who << 52 | (uint64_t)!!final << 51 |
	       (uint64_t)(page & 0x7ff) << VBITS | (version & VMASK);
}

static unsigned int w_who(uint64_t w) { return w >> 52 & 0xf; }
static int w_final(uint64_t w) { return w >> 51 & 1; }
static unsigned long w_page(uint64_t w) { return w >> VBITS & 0x7ff; }
static uint64_t w_version(uint64_t w) { return w & VMASK; }

/* Each process counts its own failures and says what the first were. */
static int errors;
static const char *self = "test";

static void __attribute__((format(printf, 1, 2))) complain(const char *fmt, ...)
{
	va_list ap;

	if (errors++ >= 5)
		return;
	fprintf(stderr, "pipeline: %s: ", self);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A peer dies with the test: a failed assertion leaves nothing running. */
static void peer_init(const char *name)
{
	self = name;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
}

/* Every word of every page of an area: word(who, final, page, version). */
static void fill(uint64_t *a, unsigned long pages, unsigned int who, int final,
		 uint64_t version)
{
	for (unsigned long p = 0; p < pages; p++)
		for (unsigned long i = 0; i < WORDS; i++)
			a[p * WORDS + i] = word(who, final, p, version);
}

/*
 * Does every word of pages [0, pages), but the last tail of each page,
 * name who and version (with the final flag of the first word)?  Reports
 * the first one that does not.
 */
static int check_words(const uint64_t *a, unsigned long pages, size_t tail,
		       unsigned int who, uint64_t version, const char *what)
{
	int final = w_final(a[0]);

	for (unsigned long p = 0; p < pages; p++)
		for (unsigned long i = 0; i < WORDS - tail; i++) {
			uint64_t w = a[p * WORDS + i];

			if (w == word(who, final, p, version))
				continue;
			complain("%s version %llu: page %lu word %lu is %#llx (%s's page %lu version %llu%s), want %s's",
				 what, (unsigned long long)version, p, i,
				 (unsigned long long)w, who_name(w_who(w)),
				 w_page(w), (unsigned long long)w_version(w),
				 w_final(w) ? ", final" : "", who_name(who));
			return -1;
		}
	return 0;
}

/* An input followed by C, D or E: an area and what was seen of it. */
struct input {
	unsigned int who;
	int token;
	int fd;			/* its swing_watch descriptor, or -1 */
	uint64_t last_read;	/* the last version read from fd */
	uint64_t last_hook;
	uint64_t *snap;		/* the last snapshot, kept until the next */
	int snap_token;
	int final;		/* the last snapshot was the final version */
	uint64_t va, vb;	/* of C's: the versions of A and B in it */
};

/*
 * C's pages: every word names C, but the last two of page p, which are the
 * last words of page p of the snapshots of A and B it combined: all pages
 * of one version of C combine the same versions of A and B (final or not:
 * C's final version combines both final ones), and those only increase
 * from one version of C to the next.
 */
static int check_combined(struct input *in, const uint64_t *a, uint64_t v)
{
	uint64_t wa = a[WORDS - 2], wb = a[WORDS - 1];
	uint64_t va = w_version(wa), vb = w_version(wb);
	int final = w_final(a[0]);

	if (check_words(a, NPAGES, 2, WHO_C, v, "C"))
		return -1;
	if (final && !(w_final(wa) && w_final(wb)))
		complain("C's final version %llu combines %#llx and %#llx, not both final",
			 (unsigned long long)v, (unsigned long long)wa,
			 (unsigned long long)wb);
	for (unsigned long p = 0; p < NPAGES; p++) {
		const uint64_t *pg = a + p * WORDS;

		if (pg[WORDS - 2] != word(WHO_A, w_final(wa), p, va) ||
		    pg[WORDS - 1] != word(WHO_B, w_final(wb), p, vb)) {
			complain("C version %llu: page %lu combines %#llx and %#llx, page 0 %#llx and %#llx",
				 (unsigned long long)v, p,
				 (unsigned long long)pg[WORDS - 2],
				 (unsigned long long)pg[WORDS - 1],
				 (unsigned long long)wa, (unsigned long long)wb);
			return -1;
		}
	}
	if (va < in->va || vb < in->vb)
		complain("C version %llu combines A %llu and B %llu, after A %llu and B %llu",
			 (unsigned long long)v, (unsigned long long)va,
			 (unsigned long long)vb, (unsigned long long)in->va,
			 (unsigned long long)in->vb);
	in->va = va;
	in->vb = vb;
	return 0;
}

/*
 * Hook the latest version of an input, which must be at least @at_least
 * (a version the module said exists) and the last one hooked, and check
 * it whole.  The snapshot replaces the one kept.
 */
static int take(struct input *in, uint64_t at_least)
{
	uint64_t *a, v;
	int t, bad;

	if (swing_hook_version((void **)&a, &t, in->token, 0, &v)) {
		complain("hook of %s: %s", who_name(in->who), strerror(errno));
		return -1;
	}
	if (v < at_least || v < in->last_hook)
		complain("hook of %s gave version %llu, after it said %llu and we hooked %llu",
			 who_name(in->who), (unsigned long long)v,
			 (unsigned long long)at_least,
			 (unsigned long long)in->last_hook);
	bad = in->who == WHO_C ? check_combined(in, a, v) :
	      check_words(a, NPAGES, 0, in->who, v, who_name(in->who));
	if (in->snap && releasearea(in->snap_token))
		complain("release of a snapshot: %s", strerror(errno));
	in->snap = a;
	in->snap_token = t;
	in->last_hook = v;
	in->final = !bad && w_final(a[0]);
	return bad;
}

static void watch_input(struct input *in, int epfd, uint32_t index)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = index };

	in->fd = swing_watch(in->token);
	if (in->fd < 0) {
		complain("watch of %s: %s", who_name(in->who), strerror(errno));
		return;
	}
	if (!(fcntl(in->fd, F_GETFD) & FD_CLOEXEC))
		complain("watch descriptor of %s is not close-on-exec", who_name(in->who));
	/* readable was promised: a read must not block after epoll says so */
	fcntl(in->fd, F_SETFL, fcntl(in->fd, F_GETFL) | O_NONBLOCK);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, in->fd, &ev))
		complain("epoll_ctl: %s", strerror(errno));
}

/* epoll said in->fd is readable: read the version, hook it. */
static int read_watch(struct input *in, int epfd)
{
	uint64_t v;
	ssize_t n = read(in->fd, &v, sizeof(v));

	if (n != sizeof(v)) {
		complain("read of %s's watch after EPOLLIN: %zd (%s)",
			 who_name(in->who), n, n < 0 ? strerror(errno) : "short");
		return -1;
	}
	if (v <= in->last_read)
		complain("%s's watch read %llu after %llu", who_name(in->who),
			 (unsigned long long)v, (unsigned long long)in->last_read);
	in->last_read = v;
	if (take(in, v))
		return -1;
	if (in->final)	/* nothing more will come */
		epoll_ctl(epfd, EPOLL_CTL_DEL, in->fd, NULL);
	return 0;
}

/*
 * Follow inputs through epoll until each has shown its final version, with
 * @step after each round (C combines and publishes).  Nothing for
 * QUIET_MS while one is still publishing is a lost wakeup.
 */
static void follow_epoll(struct input *in, int n, void (*step)(struct input *))
{
	struct epoll_event ev[2];
	int epfd = epoll_create1(EPOLL_CLOEXEC), done = 0, k;

	for (k = 0; k < n; k++)
		watch_input(&in[k], epfd, k);
	while (!errors && done < n) {
		int got = epoll_wait(epfd, ev, n, QUIET_MS);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			complain("epoll: %s after %s version %llu",
				 got ? strerror(errno) : "nothing for 20 s",
				 who_name(in[0].who), (unsigned long long)in[0].last_hook);
			break;
		}
		for (k = 0; k < got; k++)
			if (!read_watch(&in[ev[k].data.u32], epfd) &&
			    in[ev[k].data.u32].final)
				done++;
		if (step)
			step(in);
	}
	close(epfd);
}

/* A work item: its length and whether it is moved, by sequence number. */
static int item_moves(long seq)
{
	return seq % 2;
}

static unsigned long item_pages(long seq)
{
	return item_moves(seq) ? 1 + seq / 4 % 3 : PLAIN_PAGES;
}

/* Room in the queue, for a SWING_NONBLOCK send that failed EAGAIN. */
static void wait_room(int qfd)
{
	struct pollfd pfd = { .fd = qfd, .events = POLLOUT };

	if (poll(&pfd, 1, QUIET_MS) != 1 || !(pfd.revents & POLLOUT))
		complain("no POLLOUT on the queue for 20 s (revents %#x)", pfd.revents);
}

/*
 * Send item @seq: plain ones from @plain, rewritten at once after the
 * send (the message keeps what was sent); moved ones from a new area,
 * which must then be gone from the sender.  Every other pair of items
 * is sent with SWING_NONBLOCK, waiting on a full queue by poll (POLLOUT).
 */
static long send_item(int q, int qfd, unsigned int who, long seq,
		      uint64_t *plain, int plain_token)
{
	unsigned int flags = (seq / 2 % 2 ? SWING_NONBLOCK : 0) |
			     (item_moves(seq) ? SWING_SEND_MOVE : 0);
	unsigned long pages = item_pages(seq);
	uint64_t *a = plain;
	int t = plain_token;
	long eagain = 0;

	if (item_moves(seq) && createarea((void **)&a, &t, pages * PAGE)) {
		complain("create of item %ld: %s", seq, strerror(errno));
		return 0;
	}
	fill(a, pages, who, 0, seq);
	while (swing_send(q, t, flags)) {
		if (errno != EAGAIN || !(flags & SWING_NONBLOCK)) {
			complain("send of item %ld (flags %#x): %s", seq, flags,
				 strerror(errno));
			return eagain;
		}
		eagain++;
		wait_room(qfd);
		if (errors)
			return eagain;
	}
	if (!item_moves(seq)) {
		memset(a, 0xff, pages * PAGE);	/* never reaches the message */
		return eagain;
	}
	errno = 0;
	if (releasearea(t) != -1 || errno != ENOENT)
		complain("moved item %ld: its token %d is still there (%s)", seq, t,
			 strerror(errno));
	if (touch_signal((volatile char *)a, 0) != SIGSEGV)
		complain("moved item %ld: still mapped at %p", seq, (void *)a);
	return eagain;
}

/*
 * A or B: publish versions 1, 2, 3, ... of an area until told to stop,
 * then a final one; BURST work items every SEND_EVERY versions.  Reports its
 * final version, how many items it sent, how many sends met a full queue
 * and its failures; stays (its area with it) until told to exit.
 */
static int producer(int in, int out, void *arg)
{
	unsigned int who = (uintptr_t)arg;
	struct pollfd pfd = { .fd = in, .events = POLLIN };
	uint64_t *a, *plain, v = 0, got;
	long seq = 0, eagain = 0;
	int token, plain_token, q, qfd, stop = 0;

	peer_init(who_name(who));
	if (createarea((void **)&a, &token, LEN) ||
	    createarea((void **)&plain, &plain_token, PLAIN_PAGES * PAGE))
		return 1;
	/* one version before anyone looks: C's hooks never meet EAGAIN */
	fill(a, NPAGES, who, 0, 1);
	if (swing_publish(token, &v) || v != 1)
		return 2;
	send_long(out, token);
	q = recv_long(in);
	qfd = swing_watch(q);
	if (qfd < 0)
		return 3;
	while (!errors && !stop) {
		stop = poll(&pfd, 1, 0) == 1;
		fill(a, NPAGES, who, stop, v + 1);
		if (swing_publish(token, &got)) {
			complain("publish of version %llu: %s",
				 (unsigned long long)v + 1, strerror(errno));
			break;
		}
		if (got != v + 1)
			complain("publish gave version %llu after %llu",
				 (unsigned long long)got, (unsigned long long)v);
		v = got;
		for (int i = 0; !stop && v % SEND_EVERY == 0 && i < BURST; i++)
			eagain += send_item(q, qfd, who, seq++, plain, plain_token);
	}
	recv_long(in);		/* the stop */
	send_long(out, v);
	send_long(out, seq);
	send_long(out, eagain);
	send_long(out, errors);
	recv_long(in);		/* exit: our area goes */
	return 0;
}

/* C's step: combine the latest snapshots of A and B, publish. */
static int c_token;
static uint64_t *c_area, c_version;

static void combine(struct input *in)
{
	int final = in[0].final && in[1].final;
	uint64_t v;

	if (errors || !in[0].snap || !in[1].snap)
		return;		/* nothing to combine yet */
	fill(c_area, NPAGES, WHO_C, final, c_version + 1);
	for (unsigned long p = 0; p < NPAGES; p++) {
		c_area[p * WORDS + WORDS - 2] = in[0].snap[p * WORDS + WORDS - 1];
		c_area[p * WORDS + WORDS - 1] = in[1].snap[p * WORDS + WORDS - 1];
	}
	if (swing_publish(c_token, &v)) {
		complain("publish: %s", strerror(errno));
		return;
	}
	if (v != c_version + 1)
		complain("publish gave version %llu after %llu",
			 (unsigned long long)v, (unsigned long long)c_version);
	c_version = v;
}

/*
 * C: follow A and B until both showed their final version, publishing
 * after each round; the last combination is C's final version.  Reports
 * the versions of A and B it saw last, its final version and failures.
 */
static int integrator(int in, int out, void *arg)
{
	struct input inp[2] = {
		{ .who = WHO_A, .fd = -1 }, { .who = WHO_B, .fd = -1 },
	};

	peer_init("C");
	inp[0].token = recv_long(in);
	inp[1].token = recv_long(in);
	if (createarea((void **)&c_area, &c_token, LEN))
		return 1;
	send_long(out, c_token);
	follow_epoll(inp, 2, combine);
	send_long(out, inp[0].last_hook);
	send_long(out, inp[1].last_hook);
	send_long(out, c_version);
	send_long(out, errors);
	recv_long(in);		/* exit */
	return 0;
}

/* D: swing_wait for each version of C after the last one hooked. */
static void follow_wait(struct input *in)
{
	while (!errors && !in->final) {
		uint64_t v;

		if (swing_wait(in->token, in->last_hook, QUIET_MS, &v)) {
			if (errno == EINTR)
				continue;
			complain("wait after %llu: %s", (unsigned long long)in->last_hook,
				 errno == ETIMEDOUT ? "nothing for 20 s" : strerror(errno));
			return;
		}
		if (v <= in->last_hook)
			complain("wait after %llu returned %llu",
				 (unsigned long long)in->last_hook, (unsigned long long)v);
		take(in, v);
	}
}

/* D (arg 0) and E (arg 1): follow C; report the last version seen. */
static int analyser(int in, int out, void *arg)
{
	struct input c = { .who = WHO_C, .fd = -1 };

	peer_init(arg ? "E" : "D");
	c.token = recv_long(in);
	if (arg)
		follow_epoll(&c, 1, NULL);
	else
		follow_wait(&c);
	send_long(out, c.last_hook);
	send_long(out, errors);
	return 0;
}

/*
 * Received items, as who << 32 | seq, in the order received.  A worker
 * checks each whole and a sender's sequence numbers increasing.
 */
static long *got;
static long ngot, maxgot;

static int check_item(const uint64_t *a, unsigned long len, long *last)
{
	unsigned int who = w_who(a[0]);
	long seq = w_version(a[0]);

	if (who == WHO_STOP)
		return 1;
	if ((who != WHO_A && who != WHO_B) || len != item_pages(seq) * PAGE) {
		complain("item %#llx of %lu bytes", (unsigned long long)a[0], len);
		return -1;
	}
	if (check_words(a, len / PAGE, 0, who, seq, "item"))
		return -1;
	if (seq <= last[who])
		complain("%s's item %ld after %ld", who_name(who), seq, last[who]);
	last[who] = seq;
	if (ngot == maxgot) {
		maxgot = maxgot ? 2 * maxgot : 1024;
		got = realloc(got, maxgot * sizeof(*got));
		if (!got)
			_exit(4);
	}
	got[ngot++] = (long)who << 32 | seq;
	return 0;
}

/*
 * A worker: swing_recv until a stop item; worker 2 with SWING_NONBLOCK,
 * woken by poll on the queue's watch.  Reports what it received.
 */
static int worker(int in, int out, void *arg)
{
	unsigned int flags = arg == (void *)2 ? SWING_NONBLOCK : 0;
	long last[WHO_STOP] = { -1, -1, -1, -1 };
	char name[] = "worker 0";
	struct pollfd pfd;
	int q, r = 0;

	name[7] += (uintptr_t)arg;
	peer_init(name);
	q = recv_long(in);
	pfd.fd = swing_watch(q);
	pfd.events = POLLIN;
	if (pfd.fd < 0)
		return 1;
	while (!errors && r != 1) {
		unsigned long len;
		uint64_t *a;
		int t;

		if (swing_recv(q, (void **)&a, &t, &len, flags)) {
			if (errno == EAGAIN && flags &&
			    poll(&pfd, 1, QUIET_MS) != 1)
				complain("no POLLIN on the queue for 20 s");
			else if (errno != EAGAIN || !flags)
				complain("recv: %s", strerror(errno));
			continue;
		}
		r = check_item(a, len, last);
		a[0] = ~0ULL;	/* the receiver's own now: writable */
		usleep(1000);	/* the work: slower than a burst is sent */
		if (releasearea(t))
			complain("release of a received item: %s", strerror(errno));
	}
	send_long(out, ngot);
	for (long i = 0; i < ngot; i++)
		send_long(out, got[i]);
	send_long(out, errors);
	return 0;
}

static int pipeline_seconds(void)
{
	const char *s = getenv("SWING_PIPELINE_SECONDS");

	return s && atoi(s) > 0 ? atoi(s) : 30;
}

struct totals {
	long areas, pages, messages, versions;
};

static struct totals totals(void)
{
	return (struct totals){ swing_stat("areas"), swing_stat("pages"),
				swing_stat("messages"), swing_stat("versions") };
}

START_TEST(pipeline)
{
	struct peer prod[2], c, an[2], w[NWORKERS];
	struct totals before = totals(), now;
	long fin[2], sent[2], eagain = 0, seen_a, seen_b, c_final, items = 0;
	long max_versions = 0, max_messages = 0;
	uint64_t *stop_area;
	char *seen[2];
	int i, k, q, stop, seconds = pipeline_seconds();

	for (i = 0; i < 2; i++)
		peer_start(&prod[i], producer, (void *)(uintptr_t)(WHO_A + i));
	ck_ok(swing_queue_create(&q, QDEPTH));
	for (i = 0; i < NWORKERS; i++) {
		peer_start(&w[i], worker, (void *)(uintptr_t)i);
		send_long(w[i].to, q);
	}
	peer_start(&c, integrator, NULL);
	for (i = 0; i < 2; i++) {
		long t = recv_long(prod[i].from);

		ck_assert_int_gt(t, 0);
		send_long(prod[i].to, q);
		send_long(c.to, t);
	}
	c_token = recv_long(c.from);
	ck_assert_int_gt(c_token, 0);
	for (i = 0; i < 2; i++) {
		peer_start(&an[i], analyser, (void *)(uintptr_t)i);
		send_long(an[i].to, c_token);
	}

	/*
	 * While it runs, the module keeps the latest version of each area
	 * and those a reader still holds (C keeps one of A and one of B, D
	 * and E one of C, each briefly two): never a growing backlog; and no
	 * more messages than the queue's depth.
	 */
	for (i = 0; i < seconds * 10; i++) {
		usleep(100000);
		now = totals();
		if (now.versions - before.versions > max_versions)
			max_versions = now.versions - before.versions;
		if (now.messages - before.messages > max_messages)
			max_messages = now.messages - before.messages;
	}

	for (i = 0; i < 2; i++)
		send_long(prod[i].to, 0);	/* stop: a final version */
	for (i = 0; i < 2; i++) {
		fin[i] = recv_long(prod[i].from);
		sent[i] = recv_long(prod[i].from);
		eagain += recv_long(prod[i].from);
		ck_assert_msg(recv_long(prod[i].from) == 0, "%s failed",
			      who_name(WHO_A + i));
	}
	seen_a = recv_long(c.from);
	seen_b = recv_long(c.from);
	c_final = recv_long(c.from);
	ck_assert_msg(recv_long(c.from) == 0, "C failed");
	/* no lost wakeup: the final versions reached every waiter */
	ck_assert_int_eq(seen_a, fin[0]);
	ck_assert_int_eq(seen_b, fin[1]);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(recv_long(an[i].from), c_final);
		ck_assert_msg(recv_long(an[i].from) == 0, "%s failed", i ? "E" : "D");
		ck_assert_int_eq(peer_wait(&an[i]), 0);
	}

	/* Every item was sent before these: FIFO, they come last. */
	ck_ok(createarea((void **)&stop_area, &stop, PAGE));
	fill(stop_area, 1, WHO_STOP, 0, 0);
	for (i = 0; i < NWORKERS; i++)
		ck_ok(swing_send(q, stop, 0));
	ck_ok(releasearea(stop));
	for (k = 0; k < 2; k++) {
		seen[k] = calloc(sent[k] + 1, 1);
		ck_assert_ptr_nonnull(seen[k]);
	}
	for (i = 0; i < NWORKERS; i++) {
		long n = recv_long(w[i].from);

		ck_assert_int_ge(n, 0);
		for (long j = 0; j < n; j++) {
			long id = recv_long(w[i].from), seq = id & 0xffffffff;

			k = (id >> 32) - WHO_A;
			ck_assert_msg(k == 0 || k == 1, "worker %d: item %#lx", i, id);
			ck_assert_msg(seq < sent[k], "worker %d: %s's item %ld of %ld sent",
				      i, who_name(WHO_A + k), seq, sent[k]);
			ck_assert_msg(!seen[k][seq], "%s's item %ld received twice",
				      who_name(WHO_A + k), seq);
			seen[k][seq] = 1;
			items++;
		}
		ck_assert_msg(recv_long(w[i].from) == 0, "worker %d failed", i);
		ck_assert_int_eq(peer_wait(&w[i]), 0);
	}
	for (k = 0; k < 2; k++)
		for (long s = 0; s < sent[k]; s++)
			ck_assert_msg(seen[k][s], "%s's item %ld never received",
				      who_name(WHO_A + k), s);

	for (i = 0; i < 2; i++) {
		send_long(prod[i].to, 0);	/* exit */
		ck_assert_int_eq(peer_wait(&prod[i]), 0);
	}
	send_long(c.to, 0);
	ck_assert_int_eq(peer_wait(&c), 0);
	ck_ok(releasearea(q));

	fprintf(stderr, "pipeline: %d s: A %ld and B %ld versions, C %ld; %ld items (%ld full-queue EAGAINs); at most %ld versions and %ld messages held\n",
		seconds, fin[0], fin[1], c_final, items, eagain, max_versions,
		max_messages);
	ck_assert_int_gt(c_final, 1);
	ck_assert_int_gt(items, 0);
	ck_assert_int_le(max_versions, 16);
	ck_assert_int_le(max_messages, QDEPTH);

	/* Everything comes back once the processes are gone. */
	for (i = 0; i < 100; i++) {
		now = totals();
		if (!memcmp(&now, &before, sizeof(now)))
			break;
		usleep(100000);
	}
	ck_assert_int_eq(now.areas, before.areas);
	ck_assert_int_eq(now.pages, before.pages);
	ck_assert_int_eq(now.messages, before.messages);
	ck_assert_int_eq(now.versions, before.versions);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("pipeline");

	/* above the suite's CK_DEFAULT_TIMEOUT of 120: the run, then the end */
	tcase_set_timeout(tc, pipeline_seconds() + 150);
	tcase_add_test(tc, pipeline);
	suite_add_tcase(s, tc);
	return s;
}
