// SPDX-License-Identifier: GPL-2.0-only
/*
 * swingstress: the promises of a snapshot under load, for a bounded time.
 *
 * rewrite  A writer rewrites its areas over and over (disablehook, write
 *          every word of every page with a pattern of (version, page,
 *          word), enablehook) while reader processes hook them.  Every
 *          snapshot must hold one version in every word of every page
 *          (not torn), keep it while the writer goes on (not changed), and
 *          a reader's scribbles on its copy must never reach the writer's
 *          area or another snapshot (checked by the writer after each
 *          round and by the next snapshot).  One more reader vmsplices
 *          pages of its snapshot into a pipe, releases the snapshot and
 *          waits for the writer to rewrite them: the pipe holds the
 *          snapshot's pages, so every word must still be its version.
 * stable   Threads of one owner write its area without pause while it is
 *          hooked: a snapshot read twice, with writes in between, must
 *          read the same.
 * release  A thread releases an area while another thread of the same
 *          process faults pages of it in: the faulting thread gets
 *          SIGSEGV once the mapping is gone, nothing else.
 * exit     A process hooks a large area (populating it) and is killed at
 *          a random moment of it.
 * pubwait  A process publishes versions of an area without pause; others
 *          swing_wait or poll a swing_watch for each and hook it: one
 *          whole version each time, versions going up.  They are killed
 *          at random moments; the publisher releases its area or is
 *          killed, racing their waits: each must wake (EIDRM, POLLHUP).
 * queue    Processes send areas (plain, moved, blocking or not) into a
 *          queue that others receive from, checking each message whole,
 *          a sender's in order and none received twice; senders and
 *          receivers are killed at random moments, mid-send or mid-receive,
 *          and the queue's owner releases it or is killed racing them all.
 *
 * Every process is separate; tokens travel over pipes.  At the end the
 * module must hold the areas and pages it held at the start.
 *
 * usage: swingstress [-t SECONDS] [-r READERS]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "swing.h"
#include "../totals.h"

/* sysconf(_SC_PAGESIZE), set first thing in main(): 4, 16 or 64 KiB. */
static unsigned long page_size;
#define PAGE		page_size
#define WORDS		(PAGE / sizeof(uint64_t))
#define NAREAS		3
#define APAGES		128
#define ALEN		(APAGES * PAGE)

static time_t deadline;

struct result {
	long verified;		/* snapshots checked whole */
	long torn;		/* pages of more than one version */
	long changed;		/* snapshots that changed after the hook */
	long leaked;		/* scribbles seen where they must not be */
	long events;		/* scenario-specific count */
	long piped;		/* vmspliced pipes checked word by word */
	long pipe_changed;	/* of those, pipes not of one version */
};

/*
 * The word (below 65536: pages of up to 512 KiB) in the low 16 bits, the
 * page (below APAGES) above it, the version in the top half.
 */
static uint64_t pattern(uint64_t version, uint64_t page, uint64_t word)
{
	return version << 32 ^ page << 16 ^ word ^ 0x5a5a000000000000ULL;
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void send_all(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len)
		_exit(10);
}

static int recv_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* The version a snapshot holds, or -1 if any word disagrees. */
static long check_snapshot(const uint64_t *a, long *torn)
{
	uint64_t v = (a[0] ^ pattern(0, 0, 0)) >> 32;
	unsigned long p, w;
	long bad = 0;

	for (p = 0; p < APAGES; p++) {
		const uint64_t *page = a + p * WORDS;

		for (w = 0; w < WORDS; w++)
			if (page[w] != pattern(v, p, w)) {
				bad++;
				break;
			}
	}
	*torn += bad;
	return bad ? -1 : (long)v;
}

/* rewrite: the writer.  Sends its tokens, then rewrites until the end. */
static void rewrite_writer(int nreaders, int *to, int from)
{
	struct result r = { 0 };
	uint64_t *area[NAREAS];
	int token[NAREAS], i, k;
	uint64_t version = 1;

	for (i = 0; i < NAREAS; i++) {
		if (createarea((void **)&area[i], &token[i], ALEN))
			_exit(11);
		for (unsigned long p = 0; p < APAGES; p++)
			for (unsigned long w = 0; w < WORDS; w++)
				area[i][p * WORDS + w] = pattern(version, p, w);
		enablehook(token[i]);
	}
	for (k = 0; k < nreaders; k++)
		send_all(to[k], token, sizeof(token));
	while (time(NULL) < deadline) {
		version++;
		for (i = 0; i < NAREAS; i++) {
			long torn = 0;

			/* the readers' scribbles never reach us */
			if (check_snapshot(area[i], &torn) != (long)version - 1)
				r.leaked++;
			disablehook(token[i]);
			for (unsigned long p = 0; p < APAGES; p++)
				for (unsigned long w = 0; w < WORDS; w++)
					area[i][p * WORDS + w] =
						pattern(version, p, w);
			enablehook(token[i]);
		}
		r.events++;
	}
	send_all(from, &r, sizeof(r));
	_exit(0);
}

/* rewrite: a reader.  Hook, check, scribble, check again, release. */
static void rewrite_reader(int in, int out)
{
	struct result r = { 0 };
	int token[NAREAS], t;
	uint64_t *snap;
	long v, v2;

	if (recv_all(in, token, sizeof(token)))
		_exit(12);
	rng ^= getpid();
	while (time(NULL) < deadline) {
		if (hook((void **)&snap, &t, token[rnd() % NAREAS])) {
			if (errno == ENOENT && time(NULL) >= deadline - 1)
				break;		/* the writer is done */
			if (errno != EAGAIN)
				r.leaked++;	/* counted as a failure */
			continue;
		}
		v = check_snapshot(snap, &r.torn);
		/* the writer goes on; our copy must not move */
		usleep(rnd() % 20000);
		v2 = check_snapshot(snap, &r.torn);
		if (v != v2)
			r.changed++;
		/* scribble on a few pages of our copy */
		for (int i = 0; i < 8; i++)
			snap[(rnd() % APAGES) * WORDS + rnd() % WORDS] = rnd();
		if (v >= 0)
			r.verified++;
		releasearea(t);
	}
	send_all(out, &r, sizeof(r));
	_exit(0);
}

/*
 * Return once the writer has rewritten every page of @token since the
 * call, or at the deadline.  A hook that works shows the version u of a
 * round that is over, and round u + 1 has not begun (it begins with
 * disablehook): a later hook that shows another version saw a round that
 * wrote every page after that first hook.
 */
static void wait_rewritten(int token)
{
	long first = -1, v;
	uint64_t *a;
	int t;

	while (time(NULL) < deadline) {
		if (hook((void **)&a, &t, token)) {
			if (errno != EAGAIN)
				return;		/* the writer is done */
			usleep(1000);
			continue;
		}
		v = (a[0] ^ pattern(0, 0, 0)) >> 32;
		releasearea(t);
		if (first < 0)
			first = v;
		else if (v != first)
			return;
		usleep(1000);
	}
}

/*
 * A pipe of @token's version @v, pages from @first, has @bad of its
 * @words words wrong, the first at @at: whose is it?  Every word the
 * writer writes is a pattern; a reader scribbles random words.
 */
static void report_pipe(int token, long v, unsigned long first,
			unsigned long bad, unsigned long words,
			unsigned long at, uint64_t got)
{
	unsigned long p = first + at / WORDS, w = at % WORDS;
	uint64_t x = (got ^ pattern(0, p, w)) >> 32;
	char whose[64];

	if (got == pattern(x, p, w))
		snprintf(whose, sizeof(whose), "the writer's version %llu",
			 (unsigned long long)x);
	else
		snprintf(whose, sizeof(whose), "another reader's scribble");
	fprintf(stderr, "swingstress: vmsplice: a pipe of token %d's version %ld (snapshot released) has %lu of %lu words changed; page %lu word %lu holds %#llx, %s\n",
		token, v, bad, words, p, w, (unsigned long long)got, whose);
}

/*
 * rewrite: the vmsplice reader.  Hook, vmsplice a run of the snapshot's
 * pages into a pipe, release the snapshot, wait until the writer has
 * rewritten them all, and read the pipe back.  The pipe holds references
 * to the snapshot's pages, not to the area's: the writer's rewrite must
 * copy them, never write them in place, whoever else still shares them.
 */
static void splice_reader(int in, int out)
{
	uint64_t *buf = malloc(ALEN);
	struct result r = { 0 };
	int token[NAREAS], fds[2], t, k;
	unsigned long first, npages, max, i, bad, at = 0;
	struct iovec iov;
	uint64_t *snap;
	ssize_t n;
	long v;

	if (!buf || recv_all(in, token, sizeof(token)))
		_exit(12);
	rng ^= getpid();
	/* Non-blocking: a short vmsplice or read is a failure, not a hang. */
	if (pipe2(fds, O_NONBLOCK))
		_exit(13);
	fcntl(fds[1], F_SETPIPE_SZ, ALEN);
	max = fcntl(fds[1], F_GETPIPE_SZ) / PAGE;
	if (max > APAGES)
		max = APAGES;
	while (time(NULL) < deadline) {
		k = rnd() % NAREAS;
		if (hook((void **)&snap, &t, token[k])) {
			if (errno == ENOENT && time(NULL) >= deadline - 1)
				break;		/* the writer is done */
			if (errno != EAGAIN)
				r.leaked++;	/* counted as a failure */
			continue;
		}
		v = check_snapshot(snap, &r.torn);
		if (v < 0) {		/* torn: counted already */
			releasearea(t);
			continue;
		}
		first = rnd() % APAGES;
		npages = 1 + rnd() % (APAGES - first < max ? APAGES - first : max);
		iov.iov_base = snap + first * WORDS;
		iov.iov_len = npages * PAGE;
		n = vmsplice(fds[1], &iov, 1, SPLICE_F_NONBLOCK);
		releasearea(t);
		if (n != (ssize_t)(npages * PAGE))
			_exit(14);
		wait_rewritten(token[k]);
		if (read(fds[0], buf, n) != n)
			_exit(15);
		for (i = 0, bad = 0; i < n / sizeof(*buf); i++)
			if (buf[i] != pattern(v, first + i / WORDS, i % WORDS) &&
			    !bad++)
				at = i;
		if (bad && r.pipe_changed++ < 5)
			report_pipe(token[k], v, first, bad, n / sizeof(*buf),
				    at, buf[at]);
		r.piped++;
	}
	send_all(out, &r, sizeof(r));
	_exit(0);
}

static void add(struct result *sum, const struct result *r)
{
	sum->verified += r->verified;
	sum->torn += r->torn;
	sum->changed += r->changed;
	sum->leaked += r->leaked;
	sum->events += r->events;
	sum->piped += r->piped;
	sum->pipe_changed += r->pipe_changed;
}

static int run_rewrite(int nreaders, struct result *sum, long *rounds)
{
	int to[64 + 1], back[2], wpipe[2], k, status, bad = 0;
	struct result r;
	pid_t pid;

	if (pipe(back) || pipe(wpipe))
		return 1;
	/* nreaders readers and, the last, the vmsplice reader */
	for (k = 0; k <= nreaders; k++) {
		int p[2];

		if (pipe(p))
			return 1;
		to[k] = p[1];
		if (fork() == 0) {
			close(p[1]);
			if (k < nreaders)
				rewrite_reader(p[0], back[1]);
			splice_reader(p[0], back[1]);
		}
		close(p[0]);
	}
	pid = fork();
	if (pid == 0)
		rewrite_writer(nreaders + 1, to, wpipe[1]);
	for (k = 0; k <= nreaders; k++)
		close(to[k]);
	close(back[1]);
	close(wpipe[1]);
	while (!recv_all(back[0], &r, sizeof(r)))
		add(sum, &r);
	if (recv_all(wpipe[0], &r, sizeof(r)))
		bad = 1;
	*rounds = r.events;
	sum->leaked += r.leaked;
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad = 1;
	close(back[0]);
	close(wpipe[0]);
	return bad;
}

/* stable: the owner, with threads writing its area all the time. */
static volatile int stop_writing;
static uint64_t *stable_area;

static void *scribbler(void *arg)
{
	uintptr_t n = (uintptr_t)arg;
	uint64_t x = n;

	while (!stop_writing)
		for (unsigned long p = n; p < APAGES; p += 4, x++)
			stable_area[p * WORDS + x % WORDS] = x;
	return NULL;
}

static void stable_owner(int back, int out)
{
	pthread_t tids[4];
	int token, i;
	char c;

	if (createarea((void **)&stable_area, &token, ALEN))
		_exit(11);
	enablehook(token);
	for (i = 0; i < 4; i++)
		pthread_create(&tids[i], NULL, scribbler, (void *)(uintptr_t)i);
	send_all(out, &token, sizeof(token));
	if (read(back, &c, 1) < 0)	/* until the hooker is done */
		c = 0;
	stop_writing = 1;
	for (i = 0; i < 4; i++)
		pthread_join(tids[i], NULL);
	_exit(0);
}

static uint64_t sum_area(const uint64_t *a)
{
	uint64_t s = 0;

	for (unsigned long i = 0; i < APAGES * WORDS; i++)
		s = s * 31 + a[i];
	return s;
}

/*
 * Fork an owner, fn(cmd, out): it sends its token on out and reads its
 * orders (or the end) on cmd.  *from gets our end of out, *to of cmd.
 */
static pid_t fork_owner(void (*fn)(int cmd, int out), int *from, int *to)
{
	int tok[2], cmd[2];
	pid_t pid;

	if (pipe(tok))
		return -1;
	if (pipe(cmd)) {
		close(tok[0]);
		close(tok[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(tok[0]);
		close(cmd[1]);
		fn(cmd[0], tok[1]);
		_exit(0);
	}
	close(tok[1]);
	close(cmd[0]);
	*from = tok[0];
	*to = cmd[1];
	return pid;
}

static int run_stable(struct result *sum)
{
	int tok, done, token, t, status, bad = 0;
	uint64_t *snap, s1;
	pid_t pid;

	pid = fork_owner(stable_owner, &tok, &done);
	if (pid < 0)
		return 1;
	if (recv_all(tok, &token, sizeof(token)))
		bad = 1;
	while (!bad && time(NULL) < deadline) {
		if (hook((void **)&snap, &t, token)) {
			bad = 1;
			break;
		}
		s1 = sum_area(snap);
		usleep(rnd() % 10000);
		if (sum_area(snap) != s1)
			sum->changed++;
		else
			sum->verified++;
		releasearea(t);
		sum->events++;
	}
	close(done);
	close(tok);
	waitpid(pid, &status, 0);
	return bad || !WIFEXITED(status) || WEXITSTATUS(status);
}

/* release: one thread faults, another releases. */
static __thread sigjmp_buf *volatile guard;
static volatile char *fault_area;
static volatile int faulting;

static void on_segv(int sig)
{
	if (guard)
		siglongjmp(*guard, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void *faulter(void *arg)
{
	sigjmp_buf jb;
	unsigned long i = 0;

	if (!sigsetjmp(jb, 1)) {
		guard = &jb;
		__asm__ volatile("" ::: "memory");
		for (faulting = 1;; i = (i + 1) % APAGES)
			fault_area[i * PAGE + i % PAGE] = (char)i;
	}
	guard = NULL;
	return NULL;	/* the release unmapped it under us */
}

static int release_round(int snapshot)
{
	pthread_t tid;
	void *a;
	int token, t;

	if (createarea(&a, &token, ALEN))
		return 1;
	memset(a, 7, ALEN);
	if (snapshot) {	/* fault a snapshot: copies on write */
		enablehook(token);
		if (hook(&a, &t, token))
			return 1;
		releasearea(token);
		token = t;
	}
	fault_area = a;
	faulting = 0;
	pthread_create(&tid, NULL, faulter, NULL);
	while (!faulting)
		sched_yield();
	usleep(rnd() % 5000);
	if (releasearea(token))
		return 1;
	pthread_join(tid, NULL);
	return 0;
}

static int run_release(struct result *sum)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, on_segv);
		signal(SIGBUS, on_segv);
		rng ^= getpid();
		for (int i = 0; time(NULL) < deadline; i++)
			if (release_round(i % 2))
				_exit(1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	sum->events++;
	return !WIFEXITED(status) || WEXITSTATUS(status);
}

/* exit: a hooker killed at a random moment of a large, populating hook. */
static int run_exit(struct result *sum)
{
	int tok[2], token, status, bad = 0;
	void *a;
	pid_t pid;

	if (createarea(&a, &token, 64UL << 20))
		return 1;
	memset(a, 3, 64UL << 20);
	enablehook(token);
	while (time(NULL) < deadline) {
		if (pipe(tok))
			return 1;
		pid = fork();
		if (pid == 0) {
			void *b;
			int t;

			close(tok[1]);
			if (recv_all(tok[0], &t, sizeof(t)))
				_exit(1);
			for (;;)
				if (!swing_hook_flags(&b, &t, t, SWING_HOOK_POPULATE))
					releasearea(t);
		}
		close(tok[0]);
		send_all(tok[1], &token, sizeof(token));
		usleep(rnd() % 50000);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(tok[1]);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			bad = 1;
		sum->events++;
	}
	releasearea(token);
	return bad;
}

/*
 * pubwait and queue: an owner process makes the object (an area it
 * publishes without pause, or a queue) and sends its token; children,
 * each sent the token over a pipe, use it; every few ms one of them is
 * SIGKILLed wherever it is (in a wait, a hook, a send, a receive) and
 * another takes its place; after a random while the owner releases the
 * object or is SIGKILLed, racing everything the children do.  Then every
 * child must end by itself within 10 s (a wait, send or receive asleep
 * when the object went is woken with EIDRM), and say what it saw.
 */
#define LOAD_CHILDREN	6
#define LOAD_PAGES	16	/* of the published area */
#define ID_SENDERS	4096	/* sender ids of one round */

/* What the rounds of a load count besides the children's results. */
struct load_stats {
	long rounds, kills, dups;
};

struct load {
	const char *name;
	void (*owner)(int cmd, int out);
	void (*child)(int token, unsigned int arg, int back, int ids);
};

/* The area's words are the rewrite pattern of its version, page, word. */
static void load_fill(uint64_t *a, unsigned long pages, uint64_t version)
{
	for (unsigned long p = 0; p < pages; p++)
		for (unsigned long w = 0; w < WORDS; w++)
			a[p * WORDS + w] = pattern(version, p, w);
}

/* The version all pages hold, or -1. */
static long load_check(const uint64_t *a, unsigned long pages)
{
	uint64_t v = (a[0] ^ pattern(0, 0, 0)) >> 32;

	for (unsigned long p = 0; p < pages; p++)
		for (unsigned long w = 0; w < WORDS; w++)
			if (a[p * WORDS + w] != pattern(v, p, w))
				return -1;
	return v;
}

/* Has the owner been told to release (a byte on cmd)? */
static int told(int cmd, int ms)
{
	struct pollfd p = { .fd = cmd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* pubwait's owner: publish versions 1, 2, 3, ... until told to release. */
static void pub_owner(int cmd, int out)
{
	uint64_t *a, v = 0, got;
	int token;

	if (createarea((void **)&a, &token, LOAD_PAGES * PAGE))
		_exit(11);
	while (!told(cmd, 0)) {
		load_fill(a, LOAD_PAGES, v + 1);
		if (swing_publish(token, &got) || got != v + 1)
			_exit(20);
		if (!v++)
			send_all(out, &token, sizeof(token));
	}
	_exit(releasearea(token) ? 21 : 0);
}

/*
 * pubwait's child: swing_wait (even arg) or poll on swing_watch (odd),
 * then hook what was published: every snapshot one whole version, at
 * least the one the wait or read gave, versions only going up.  The
 * area's end is EIDRM or ENOENT, or the watch's POLLHUP and EOF.
 */
static void pub_child(int token, unsigned int arg, int back, int ids)
{
	struct result r = { 0 };
	uint64_t last = 0, last_read = 0, v, vh, *a;
	int fd = -1, t;

	if (arg & 1) {
		fd = swing_watch(token);
		if (fd < 0 && errno != ENOENT)
			r.leaked++;
	}
	while (!(arg & 1) || fd >= 0) {
		if (fd >= 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			ssize_t n;

			poll(&p, 1, -1);
			n = read(fd, &v, sizeof(v));
			if (n == 0)
				break;		/* released: EOF */
			if (n != sizeof(v)) {
				r.leaked++;
				break;
			}
			if (v <= last_read)
				r.changed++;
			last_read = v;
		} else if (swing_wait(token, last, -1, &v)) {
			if (errno != EIDRM && errno != ENOENT)
				r.leaked++;
			break;
		}
		if (v <= last && fd < 0)
			r.changed++;
		if (swing_hook_version((void **)&a, &t, token, 0, &vh)) {
			if (errno != ENOENT)
				r.leaked++;
			break;
		}
		if (vh < v || vh < last)
			r.changed++;
		if (load_check(a, LOAD_PAGES) != (long)vh)
			r.torn++;
		else
			r.verified++;
		releasearea(t);
		last = vh;
	}
	send_all(back, &r, sizeof(r));
}

/* queue's owner: a queue of a random depth, released when told. */
static void queue_owner(int cmd, int out)
{
	int q;

	if (swing_queue_create(&q, 1 + rnd() % 8))
		_exit(11);
	send_all(out, &q, sizeof(q));
	told(cmd, -1);
	_exit(releasearea(q) ? 21 : 0);
}

/* A message: its sender (arg >> 8, unique in the round), number, pages. */
static uint64_t msg_version(unsigned int sender, uint64_t seq)
{
	return (uint64_t)(sender % ID_SENDERS) << 20 | (seq & 0xfffff);
}

static unsigned long msg_pages(uint64_t version)
{
	return 1 + version % 4;
}

/*
 * queue's children: even slots send, odd ones receive.  A sender sends
 * areas of known words, plain (then writes its own copy) or moved (then
 * its token is gone), blocking or not; a receiver takes them, blocking or
 * SWING_NONBLOCK woken by poll, checks each whole and a sender's numbers
 * increasing, and reports every one received on the ids pipe: the round
 * looks for a message received twice.
 */
static void queue_child(int q, unsigned int arg, int back, int ids)
{
	struct result r = { 0 };
	uint32_t *last = NULL;
	uint64_t seq = 0, *a;
	struct pollfd p = { .fd = -1, .events = POLLIN };
	unsigned long len;
	int t, err;

	if (arg & 1) {
		last = calloc(ID_SENDERS, sizeof(*last));
		if (!last)
			_exit(13);
		p.fd = swing_watch(q);
		if (p.fd < 0) {
			if (errno != ENOENT)
				r.leaked++;
			send_all(back, &r, sizeof(r));
			return;
		}
	}
	for (;;) {
		unsigned int flags = rnd() % 4;
		uint64_t v = msg_version(arg >> 8, seq);

		if (!(arg & 1)) {
			if (createarea((void **)&a, &t, msg_pages(v) * PAGE)) {
				r.leaked++;
				break;
			}
			load_fill(a, msg_pages(v), v);
			if (swing_send(q, t, flags)) {
				err = errno;
				releasearea(t);
				if (err == EAGAIN && (flags & SWING_NONBLOCK)) {
					usleep(rnd() % 2000);
					continue;
				}
				if (err != EIDRM && err != ENOENT)
					r.leaked++;
				break;
			}
			seq++;
			r.events++;
			if (!(flags & SWING_SEND_MOVE)) {
				a[0] = 0;	/* never reaches the message */
				releasearea(t);
			} else if (releasearea(t) != -1 || errno != ENOENT) {
				r.leaked++;
			}
			continue;
		}
		flags &= SWING_NONBLOCK;
		if (swing_recv(q, (void **)&a, &t, &len, flags)) {
			if (errno == EAGAIN && flags) {
				poll(&p, 1, -1);	/* POLLIN, or POLLHUP */
				continue;
			}
			if (errno != EIDRM && errno != ENOENT)
				r.leaked++;
			break;
		}
		v = (a[0] ^ pattern(0, 0, 0)) >> 32;
		if (len != msg_pages(v) * PAGE || load_check(a, len / PAGE) != (long)v) {
			r.torn++;
		} else {
			/* numbers from 1 in last[]: 0 is none yet */
			if (last[v >> 20] > (v & 0xfffff))
				r.changed++;
			last[v >> 20] = (v & 0xfffff) + 1;
			send_all(ids, &v, sizeof(v));
			r.verified++;
		}
		a[0] = 0;	/* ours now */
		releasearea(t);
	}
	send_all(back, &r, sizeof(r));
}

/* Fork a child of the load, its token sent over a pipe. */
static pid_t load_spawn(const struct load *l, int token, unsigned int arg,
			int back, int ids)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		if (recv_all(p[0], &token, sizeof(token)))
			_exit(12);
		close(p[0]);
		rng ^= (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL;
		l->child(token, arg, back, ids);
		_exit(0);
	}
	close(p[0]);
	if (pid > 0 && write(p[1], &token, sizeof(token)) != sizeof(token))
		pid = -1;
	close(p[1]);
	return pid;
}

/* Exit 0, or our SIGKILL when we sent one: anything else is a failure. */
static int load_status(const struct load *l, const char *who, int status,
		       int killed)
{
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		return 0;
	fprintf(stderr, "swingstress: %s: %s ended with status %#x\n", l->name,
		who, status);
	return 1;
}

static void drain_ids(int fd, uint64_t **ids, long *n, long *max)
{
	uint64_t buf[512];
	ssize_t got;

	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		if (*n + got / 8 > *max) {
			*max = 2 * (*n + got / 8);
			*ids = realloc(*ids, *max * sizeof(**ids));
			if (!*ids)
				_exit(13);
		}
		memcpy(*ids + *n, buf, got);
		*n += got / 8;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One round: owner, children killed and replaced, the end, the checks. */
static int load_round(const struct load *l, struct result *sum,
		      struct load_stats *ls)
{
	int tok, cmd, back[2], idp[2], token, k, status, bad = 0;
	pid_t owner, kids[LOAD_CHILDREN];
	unsigned int spawned = 0;
	uint64_t *ids = NULL;
	long nids = 0, maxids = 0, ms;
	struct result r;
	time_t until;

	owner = fork_owner(l->owner, &tok, &cmd);
	if (owner < 0)
		return 1;
	if (recv_all(tok, &token, sizeof(token))) {
		waitpid(owner, &status, 0);
		close(tok);
		close(cmd);
		fprintf(stderr, "swingstress: %s: the owner made nothing (status %#x)\n",
			l->name, status);
		return 1;
	}
	close(tok);
	/* only our end does not block: a receiver's report always goes */
	if (pipe(back) || pipe(idp) || fcntl(idp[0], F_SETFL, O_NONBLOCK))
		return 1;
	for (k = 0; k < LOAD_CHILDREN; k++)
		kids[k] = load_spawn(l, token, spawned++ << 8 | k, back[1], idp[1]);
	for (ms = 100 + rnd() % 700; ms > 0; ms -= 10) {
		usleep(10000);
		drain_ids(idp[0], &ids, &nids, &maxids);
		if (rnd() % 4)
			continue;
		k = rnd() % LOAD_CHILDREN;
		if (kids[k] <= 0)
			continue;
		kill(kids[k], SIGKILL);
		waitpid(kids[k], &status, 0);
		bad |= load_status(l, "a child", status, 1);
		ls->kills++;
		kids[k] = load_spawn(l, token, spawned++ << 8 | k, back[1], idp[1]);
	}
	/* The end, racing whatever the children are in. */
	if (rnd() % 2) {
		if (write(cmd, "r", 1) != 1)
			bad = 1;
		waitpid(owner, &status, 0);
		bad |= load_status(l, "the owner", status, 0);
	} else {
		kill(owner, SIGKILL);
		waitpid(owner, &status, 0);
		bad |= load_status(l, "the owner", status, 1);
	}
	close(cmd);
	close(back[1]);
	close(idp[1]);
	until = time(NULL) + 10;
	for (k = 0; k < LOAD_CHILDREN; k++) {
		pid_t pid = 0;

		while (kids[k] > 0 && (pid = waitpid(kids[k], &status, WNOHANG)) == 0 &&
		       time(NULL) < until) {
			drain_ids(idp[0], &ids, &nids, &maxids);
			usleep(10000);
		}
		if (kids[k] > 0 && pid == 0) {
			fprintf(stderr, "swingstress: %s: a child still runs 10 s after its %s went\n",
				l->name, l->owner == pub_owner ? "area" : "queue");
			kill(kids[k], SIGKILL);
			waitpid(kids[k], &status, 0);
			bad = 1;
		} else if (kids[k] > 0) {
			bad |= load_status(l, "a child", status, 0);
		}
	}
	drain_ids(idp[0], &ids, &nids, &maxids);
	while (!recv_all(back[0], &r, sizeof(r)))
		add(sum, &r);
	close(back[0]);
	close(idp[0]);
	qsort(ids, nids, sizeof(*ids), cmp_u64);
	for (long i = 1; i < nids; i++)
		if (ids[i] == ids[i - 1] && ls->dups++ < 5)
			fprintf(stderr, "swingstress: queue: message %#llx received twice\n",
				(unsigned long long)ids[i]);
	free(ids);
	return bad;
}

static int run_load(const struct load *l, struct result *sum,
		    struct load_stats *ls)
{
	int bad = 0;

	while (time(NULL) < deadline) {
		bad |= load_round(l, sum, ls);
		ls->rounds++;
	}
	return bad;
}

static const struct load pubwait_load = { "pubwait", pub_owner, pub_child };
static const struct load queue_load = { "queue", queue_owner, queue_child };

/* A scenario's part of the run: at least a second. */
static time_t share(int seconds, int parts)
{
	return seconds / parts ? seconds / parts : 1;
}

int main(int argc, char **argv)
{
	struct result rw = { 0 }, st = { 0 }, rel = { 0 }, ex = { 0 };
	struct result pw = { 0 }, qu = { 0 };
	struct load_stats pws = { 0 }, qus = { 0 };
	int seconds = 40, readers = 6, opt, bad = 0;
	struct swing_totals before;
	long rounds = 0;
	time_t start;

	while ((opt = getopt(argc, argv, "t:r:")) != -1) {
		switch (opt) {
		case 't': seconds = atoi(optarg); break;
		case 'r': readers = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: swingstress [-t SECONDS] [-r READERS]\n");
			return 2;
		}
	}
	if (seconds < 4 || readers < 1 || readers > 64)
		return 2;
	page_size = sysconf(_SC_PAGESIZE);
	before = swing_totals();
	rng ^= time(NULL);

	/*
	 * A third of the time to rewrite, a ninth to each of stable, release
	 * and exit, a sixth to each of pubwait and queue.
	 */
	signal(SIGPIPE, SIG_IGN);	/* a pipe to a child killed: its error */
	start = time(NULL);
	deadline = start + share(seconds, 3);
	bad |= run_rewrite(readers, &rw, &rounds) << 0;
	deadline = time(NULL) + share(seconds, 9);
	bad |= run_stable(&st) << 1;
	deadline = time(NULL) + share(seconds, 9);
	bad |= run_release(&rel) << 2;
	deadline = time(NULL) + share(seconds, 9);
	bad |= run_exit(&ex) << 3;
	deadline = time(NULL) + share(seconds, 6);
	bad |= run_load(&pubwait_load, &pw, &pws) << 6;
	deadline = time(NULL) + share(seconds, 6);
	bad |= run_load(&queue_load, &qu, &qus) << 7;

	printf("swingstress: rewrite: %ld snapshots verified by %d readers over %ld rounds of %d areas; %ld torn pages, %ld changed, %ld leaked\n",
	       rw.verified, readers, rounds, NAREAS, rw.torn, rw.changed, rw.leaked);
	printf("swingstress: vmsplice: %ld pipes of released snapshots checked word by word after the writer rewrote them; %ld changed\n",
	       rw.piped, rw.pipe_changed);
	printf("swingstress: stable: %ld snapshots of an area written by 4 threads; %ld changed\n",
	       st.verified, st.changed);
	printf("swingstress: release while faulting and exit during hook: %s, %ld kills\n",
	       bad & 4 ? "FAILED" : "ok", ex.events);
	printf("swingstress: pubwait: %ld snapshots of published versions verified over %ld rounds, %ld waiters killed; %ld torn, %ld out of order, %ld unexpected errors\n",
	       pw.verified, pws.rounds, pws.kills, pw.torn, pw.changed, pw.leaked);
	printf("swingstress: queue: %ld messages sent, %ld received and verified over %ld rounds, %ld senders and receivers killed; %ld torn, %ld out of order, %ld received twice, %ld unexpected errors\n",
	       qu.events, qu.verified, qus.rounds, qus.kills, qu.torn,
	       qu.changed, qus.dups, qu.leaked);
	if (rw.torn || rw.changed || rw.leaked || st.changed || !rw.verified ||
	    !st.verified || rw.pipe_changed || !rw.piped)
		bad |= 16;
	if (pw.torn || pw.changed || pw.leaked || !pw.verified || qu.torn ||
	    qu.changed || qu.leaked || qus.dups || !qu.verified)
		bad |= 0x100;
	/* Every area and page comes back once every process is gone. */
	if (swing_totals_back("swingstress", before))
		bad |= 32;
	printf("swingstress: %s in %ld s\n", bad ? "FAILED" : "passed",
	       (long)(time(NULL) - start));
	if (bad)
		fprintf(stderr, "swingstress: failure bits %#x\n", bad);
	return bad ? 1 : 0;
}
