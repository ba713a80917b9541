// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SWING paper's pipeline, running continuously on published versions
 * and a message queue (swing 1.3.0):
 *
 *   A --\                  /--> D  checks every word of C's versions
 *        >-- C (combines) -+--> E  measures how soon it hears of them
 *   B --/                  \--> queue of work items --> W1, W2, W3
 *
 * A and B publish batches (swing_publish) at their own pace.  C waits on
 * both through epoll on their watch descriptors, hooks their latest
 * versions, combines them word by word and publishes its own.  D follows
 * C with swing_wait, E with poll on a watch descriptor; each hooks the
 * latest version and checks it.  For each version C also sends a work item
 * to a queue, every other one given away whole (SWING_SEND_MOVE); the
 * workers poll the queue's watch descriptor and race to swing_recv.
 *
 * Every stage is a process of its own: this one starts them and passes
 * their tokens on (each child reports its tokens over a pipe; the stages
 * that need them are started after, with the numbers), prints a line per
 * stage each second from the counters they report, stops the producers at
 * the end and checks what everyone saw.  Every word of every version names
 * its producer and version, so a torn or misplaced page shows.
 *
 * usage: swingpipeline [--seconds N] [--interval MS]
 * Exit status 0 when every check held, 1 when one did not, 2 on misuse.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "swing.h"
#include "../../tests/totals.h"	/* swing_total() */

#define PAGES		16	/* of A's, B's and C's areas */
#define ITEM_PAGES	2	/* of a work item */
#define QUEUE_DEPTH	8
#define WORKERS		3
#define REPORT_MS	100	/* how often a stage reports its counters */
#define FINISH_S	30	/* how long the stages may take to drain */

/*
 * A batch's first words.  A and B: version, last.  C: also the versions
 * of A and B it combined and when it published.  A work item: its
 * sequence number, last (the workers' "stop"), C's version, moved.
 */
enum { H_VERSION, H_LAST, H_A, H_B, H_TIME, HEADER };
enum { I_SEQ = H_VERSION, I_LAST = H_LAST, I_FROM, I_MOVED };

enum role { A, B, C, D, E, W1, NROLES = W1 + WORKERS };
static const char *const role_name[NROLES] = { "A", "B", "C", "D", "E", "W1", "W2", "W3" };

/* What a stage reports to this process: small enough for one pipe write. */
struct stats {
	int role, final;
	int token, qtoken;	/* the first report: what others need */
	uint64_t version;	/* A, B, C: published; D, E: the latest seen */
	uint64_t count;		/* versions published or checked, items received */
	uint64_t unseen;	/* D, E: versions published in between */
	uint64_t a, b;		/* C: the versions its latest combined */
	uint64_t sent, moved;	/* C: items sent; workers: of those received */
	uint64_t lost;		/* workers: a recv another worker won */
	uint64_t seq_sum, seq_hash;	/* workers: over the items received */
	uint64_t lat_sum, lat_max;	/* E: publish to wakeup, ns */
	long failures;
	char failure[160];	/* the first */
};

static size_t page, len;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The word @k of version @v of @who's data: any change of the three shows. */
static uint64_t mix(uint64_t who, uint64_t v, uint64_t k)
{
	uint64_t x = (who + 1) * 0x9e3779b97f4a7c15ULL ^ v * 0xc2b2ae3d27d4eb4fULL ^
		     k * 0x165667b19e3779f9ULL;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 32);
}

static void fail(struct stats *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct stats *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->failures++) {
		va_start(ap, fmt);
		vsnprintf(s->failure, sizeof(s->failure), fmt, ap);
		va_end(ap);
	}
}

/* Send @s to the coordinator (writes of one struct are atomic on a pipe). */
static void report(int out, struct stats *s, int final)
{
	s->final = final;
	if (write(out, s, sizeof(*s)) != (ssize_t)sizeof(*s))
		_exit(1);
}

/* Report every REPORT_MS, at most. */
static void report_now_and_then(int out, struct stats *s, uint64_t *next)
{
	uint64_t t = now_ns();

	if (t >= *next) {
		report(out, s, 0);
		*next = t + REPORT_MS * 1000000ULL;
	}
}

/* A's and B's data: every word names the producer and the version. */
static int check_batch(const uint64_t *w, int who, uint64_t v)
{
	for (size_t k = HEADER; k < len / 8; k++)
		if (w[k] != mix(who, v, k))
			return -1;
	return w[H_VERSION] == v ? 0 : -1;
}

/*
 * A or B: publish a batch every @ms (B half as often again, to be out of
 * step) until the coordinator writes to @ctl; then one last batch, and
 * the area stays until ctl closes, for C to read it.
 */
static int producer(int who, int ctl, int out, int ms)
{
	struct stats s = { .role = who };
	uint64_t next = 0, v;
	struct pollfd p = { .fd = ctl, .events = POLLIN };
	uint64_t *w;
	int last = 0;

	if (createarea((void **)&w, &s.token, len)) {
		fail(&s, "createarea: %s", strerror(errno));
		report(out, &s, 1);
		return 1;
	}
	report(out, &s, 0);	/* the token, for C */
	if (who == B)
		ms += ms / 2;
	while (!last) {
		last = poll(&p, 1, ms) > 0;	/* the pace, and the stop */
		w[H_VERSION] = s.version + 1;
		w[H_LAST] = last;
		for (size_t k = HEADER; k < len / 8; k++)
			w[k] = mix(who, s.version + 1, k);
		if (swing_publish(s.token, &v)) {
			fail(&s, "swing_publish: %s", strerror(errno));
			break;
		}
		if (v != s.version + 1)
			fail(&s, "published v%llu after v%llu", (unsigned long long)v,
			     (unsigned long long)s.version);
		s.version = v;
		s.count++;
		report_now_and_then(out, &s, &next);
	}
	report(out, &s, 1);
	while (read(ctl, &v, 1) > 0)	/* until the coordinator is done */
		;
	return 0;
}

/* C's state: its inputs, its output and its work items. */
struct combiner {
	struct stats s;
	int token[2];		/* A's and B's */
	uint64_t seen[2];	/* their versions their watch descriptors read */
	int last[2];		/* their last versions, combined */
	uint64_t *out;		/* C's area */
	uint64_t *work;		/* the item area sent as a snapshot */
	int work_token, queue;
	uint64_t seq;
};

/* Hook A's or B's latest version, check it; NULL on failure. */
static uint64_t *hook_input(struct combiner *c, int i, int *t, uint64_t *v)
{
	uint64_t *w;

	if (swing_hook_version((void **)&w, t, c->token[i], 0, v)) {
		fail(&c->s, "hook %s: %s", role_name[i], strerror(errno));
		return NULL;
	}
	if (*v < c->seen[i])
		fail(&c->s, "hooked %s v%llu, older than v%llu its watch read", role_name[i],
		     (unsigned long long)*v, (unsigned long long)c->seen[i]);
	if (check_batch(w, i, *v))
		fail(&c->s, "%s v%llu is torn", role_name[i], (unsigned long long)*v);
	c->last[i] = w[H_LAST];
	return w;
}

/*
 * A work item for C's version @cv: numbered from 1, every word named by its
 * number.  The odd ones are the work area's snapshot (C rewrites it for the
 * next, copy-on-write); the even ones a fresh area given away whole.
 * @last: the workers' "stop", one each.
 */
static void send_item(struct combiner *c, uint64_t cv, int last)
{
	int move = (c->seq + 1) % 2 == 0, t = c->work_token;
	uint64_t *w = c->work;

	if (move && createarea((void **)&w, &t, ITEM_PAGES * page)) {
		fail(&c->s, "createarea: %s", strerror(errno));
		return;
	}
	c->seq++;
	w[I_SEQ] = c->seq;
	w[I_LAST] = last;
	w[I_FROM] = cv;
	w[I_MOVED] = move;
	for (size_t k = HEADER; k < ITEM_PAGES * page / 8; k++)
		w[k] = mix(W1, c->seq, k);
	if (swing_send(c->queue, t, move ? SWING_SEND_MOVE : 0)) {
		fail(&c->s, "swing_send: %s", strerror(errno));
		return;
	}
	if (!last) {
		c->s.sent++;
		c->s.moved += move;
	}
}

/* Combine the latest of A and B into C's next version and publish it. */
static void combine(struct combiner *c)
{
	uint64_t *a, *b, av, bv, v, *o = c->out;
	int ta, tb;

	a = hook_input(c, A, &ta, &av);
	if (!a)
		return;
	b = hook_input(c, B, &tb, &bv);
	if (!b) {
		releasearea(ta);
		return;
	}
	for (size_t k = HEADER; k < len / 8; k++)
		o[k] = (a[k] + b[k]) ^ mix(C, c->s.version + 1, k);
	o[H_VERSION] = c->s.version + 1;
	o[H_LAST] = c->last[A] && c->last[B];
	o[H_A] = av;
	o[H_B] = bv;
	releasearea(ta);
	releasearea(tb);
	o[H_TIME] = now_ns();
	if (swing_publish(c->s.token, &v)) {
		fail(&c->s, "swing_publish: %s", strerror(errno));
		return;
	}
	if (v != c->s.version + 1)
		fail(&c->s, "published v%llu after v%llu", (unsigned long long)v,
		     (unsigned long long)c->s.version);
	c->s.version = v;
	c->s.count++;
	c->s.a = av;
	c->s.b = bv;
	send_item(c, v, 0);
}

/* C: until it has combined A's and B's last versions. */
static int combiner(int ta, int tb, int ctl, int out)
{
	struct combiner c = { .s.role = C, .token = { ta, tb } };
	struct epoll_event ev[2];
	uint64_t next = 0, v;
	int ep, fd[2];

	if (createarea((void **)&c.out, &c.s.token, len) ||
	    createarea((void **)&c.work, &c.work_token, ITEM_PAGES * page) ||
	    swing_queue_create(&c.queue, QUEUE_DEPTH)) {
		fail(&c.s, "create: %s", strerror(errno));
		report(out, &c.s, 1);
		return 1;
	}
	c.s.qtoken = c.queue;
	report(out, &c.s, 0);	/* the tokens, for D, E and the workers */
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < 2; i++) {
		fd[i] = swing_watch(c.token[i]);
		if (fd[i] < 0) {
			fail(&c.s, "swing_watch %s: %s", role_name[i], strerror(errno));
			report(out, &c.s, 1);
			return 1;
		}
		ev[0] = (struct epoll_event){ .events = EPOLLIN, .data.u32 = i };
		epoll_ctl(ep, EPOLL_CTL_ADD, fd[i], &ev[0]);
	}
	while (!(c.last[A] && c.last[B]) && c.s.failures == 0) {
		int n = epoll_wait(ep, ev, 2, REPORT_MS), news = 0;

		for (int i = 0; i < n; i++) {
			int who = ev[i].data.u32;

			if (ev[i].events & EPOLLIN) {
				if (read(fd[who], &v, sizeof(v)) == sizeof(v) && v > c.seen[who]) {
					c.seen[who] = v;
					news = 1;
				}
			} else {
				fail(&c.s, "%s went before its last version", role_name[who]);
			}
		}
		/* once both have published, each news makes a version */
		if (news && c.seen[A] && c.seen[B])
			combine(&c);
		report_now_and_then(out, &c.s, &next);
	}
	for (int i = 0; i < WORKERS; i++)
		send_item(&c, c.s.version, 1);
	report(out, &c.s, 1);
	while (read(ctl, &v, 1) > 0)
		;
	return 0;
}

/*
 * D and E: hook C's version @v (or a newer one), check every word against
 * the versions of A and B it names, and that versions only increase; when
 * it was published in *@published.  1 once it is C's last.
 */
static int analyse(struct stats *s, int token, uint64_t v, uint64_t *published)
{
	uint64_t *w, hv;
	int t, last;

	if (swing_hook_version((void **)&w, &t, token, 0, &hv)) {
		fail(s, "hook C: %s", strerror(errno));
		return 1;
	}
	if (hv < v || hv <= s->version || w[H_VERSION] != hv)
		fail(s, "hooked C's v%llu (v%llu inside) after v%llu, told of v%llu",
		     (unsigned long long)hv, (unsigned long long)w[H_VERSION],
		     (unsigned long long)s->version, (unsigned long long)v);
	if (w[H_A] < s->a || w[H_B] < s->b)
		fail(s, "C's v%llu combined older inputs than the one before",
		     (unsigned long long)hv);
	for (size_t k = HEADER; k < len / 8; k++) {
		if (w[k] != ((mix(A, w[H_A], k) + mix(B, w[H_B], k)) ^ mix(C, hv, k))) {
			fail(s, "C's v%llu is torn at word %zu", (unsigned long long)hv, k);
			break;
		}
	}
	s->unseen += hv - s->version - 1;
	s->version = hv;
	s->a = w[H_A];
	s->b = w[H_B];
	s->count++;
	last = w[H_LAST];
	*published = w[H_TIME];
	releasearea(t);
	return last;
}

/* D: swing_wait for each version after the one it checked. */
static int waiter(int token, int out)
{
	struct stats s = { .role = D };
	uint64_t next = 0, v, t;
	int done = 0;

	while (!done) {
		if (swing_wait(token, s.version, REPORT_MS, &v) == 0)
			done = analyse(&s, token, v, &t);
		else if (errno != ETIMEDOUT)
			done = (fail(&s, "swing_wait: %s", strerror(errno)), 1);
		report_now_and_then(out, &s, &next);
	}
	report(out, &s, 1);
	return 0;
}

/* E: poll C's watch descriptor; how long from C's publish to E's wakeup. */
static int watcher(int token, int out)
{
	struct stats s = { .role = E };
	struct pollfd p = { .events = POLLIN };
	uint64_t next = 0, v, t, published;
	int done = 0;

	p.fd = swing_watch(token);
	if (p.fd < 0)
		done = (fail(&s, "swing_watch C: %s", strerror(errno)), 1);
	while (!done) {
		if (poll(&p, 1, REPORT_MS) > 0) {
			if (read(p.fd, &v, sizeof(v)) != sizeof(v)) {
				done = (fail(&s, "C went before its last version"), 1);
				break;
			}
			t = now_ns();
			if (v <= s.version)
				continue;	/* it checked a newer one already */
			done = analyse(&s, token, v, &published);
			/* unless a newer version than the one it woke for came */
			if (published < t) {
				s.lat_sum += t - published;
				if (t - published > s.lat_max)
					s.lat_max = t - published;
			}
		}
		report_now_and_then(out, &s, &next);
	}
	report(out, &s, 1);
	return 0;
}

/*
 * A worker: poll the queue's watch descriptor, swing_recv without
 * blocking (another worker may win the message: EAGAIN), check the item,
 * release it.  Until its "stop" item.
 */
static int worker(int who, int queue, int out)
{
	struct stats s = { .role = who };
	struct pollfd p = { .events = POLLIN };
	uint64_t next = 0, last_seq = 0, *w;
	unsigned long n;
	int done = 0, t;

	p.fd = swing_watch(queue);
	if (p.fd < 0)
		done = (fail(&s, "swing_watch queue: %s", strerror(errno)), 1);
	while (!done) {
		if (poll(&p, 1, REPORT_MS) > 0) {
			if (p.revents & POLLHUP) {
				done = (fail(&s, "the queue went before the last item"), 1);
				break;
			}
			if (swing_recv(queue, (void **)&w, &t, &n, SWING_NONBLOCK)) {
				if (errno == EAGAIN)
					s.lost++;
				else
					done = (fail(&s, "swing_recv: %s", strerror(errno)), 1);
				continue;
			}
			/* one sender: FIFO makes each worker's numbers increase */
			if (n != ITEM_PAGES * page || w[I_SEQ] <= last_seq)
				fail(&s, "item %llu of %lu bytes after item %llu",
				     (unsigned long long)w[I_SEQ], n,
				     (unsigned long long)last_seq);
			for (size_t k = HEADER; k < ITEM_PAGES * page / 8; k++) {
				if (w[k] != mix(W1, w[I_SEQ], k)) {
					fail(&s, "item %llu is torn", (unsigned long long)w[I_SEQ]);
					break;
				}
			}
			last_seq = w[I_SEQ];
			done = w[I_LAST];
			if (!done) {
				s.count++;
				s.moved += w[I_MOVED];
				s.seq_sum += w[I_SEQ];
				s.seq_hash += mix(W1, w[I_SEQ], 0);
			}
			releasearea(t);
		}
		report_now_and_then(out, &s, &next);
	}
	report(out, &s, 1);
	return 0;
}

/* A stage as the coordinator sees it. */
struct stage {
	pid_t pid;
	int ctl, out;		/* its pipes, this side */
	struct stats s;		/* its latest report */
};

static struct stage stage[NROLES];

/*
 * Fork stage @r running @fn's role; nothing is inherited but its two pipes
 * (and what every process has: 0, 1, 2).  Areas are never inherited:
 * this process has none.
 */
static void start(int r, int (*fn)(int r, int a, int b, int ctl, int out), int a, int b)
{
	int ctl[2], out[2];

	if (pipe(ctl) || pipe(out)) {
		perror("swingpipeline: pipe");
		exit(1);
	}
	stage[r].pid = fork();
	if (stage[r].pid < 0) {
		perror("swingpipeline: fork");
		exit(1);
	}
	if (stage[r].pid == 0) {
		for (int fd = 3; fd < 1024; fd++)
			if (fd != ctl[0] && fd != out[1])
				close(fd);
		_exit(fn(r, a, b, ctl[0], out[1]));
	}
	close(ctl[0]);
	close(out[1]);
	stage[r].ctl = ctl[1];
	stage[r].out = out[0];
	stage[r].s.role = r;
}

static int run_producer(int r, int ms, int unused, int ctl, int out)
{
	return producer(r, ctl, out, ms);
}

static int run_combiner(int r, int ta, int tb, int ctl, int out)
{
	return combiner(ta, tb, ctl, out);
}

static int run_reader(int r, int token, int unused, int ctl, int out)
{
	return r == D ? waiter(token, out) : watcher(token, out);
}

static int run_worker(int r, int queue, int unused, int ctl, int out)
{
	return worker(r, queue, out);
}

/* Read what stage @r reports; 0 at EOF. */
static int receive(int r)
{
	struct stats s;

	if (read(stage[r].out, &s, sizeof(s)) != (ssize_t)sizeof(s))
		return 0;
	stage[r].s = s;
	return 1;
}

/* Wait for stage @r's first report (its tokens); exit if it failed. */
static struct stats *hello(int r)
{
	if (!receive(r) || stage[r].s.failures) {
		fprintf(stderr, "swingpipeline: %s: %s\n", role_name[r],
			stage[r].s.failures ? stage[r].s.failure : "exited");
		exit(1);
	}
	return &stage[r].s;
}

static const char *msecs(uint64_t ns, char *buf, size_t size)
{
	snprintf(buf, size, "%.1f ms", ns / 1e6);
	return buf;
}

/* A line per stage, from what each reported last, after @t. */
static void print_block(const char *t)
{
	const struct stats *s = &stage[C].s, *d = &stage[D].s, *e = &stage[E].s;
	char mean[32], max[32];
	uint64_t lost = 0;

	printf("[%s] A  published v%llu\n", t, (unsigned long long)stage[A].s.version);
	printf("[%s] B  published v%llu\n", t, (unsigned long long)stage[B].s.version);
	printf("[%s] C  published v%llu (A v%llu + B v%llu); sent %llu items, %llu moved\n",
	       t, (unsigned long long)s->version, (unsigned long long)s->a,
	       (unsigned long long)s->b, (unsigned long long)s->sent,
	       (unsigned long long)s->moved);
	printf("[%s] D  checked %llu versions of C up to v%llu (%llu superseded unseen)\n",
	       t, (unsigned long long)d->count, (unsigned long long)d->version,
	       (unsigned long long)d->unseen);
	printf("[%s] E  checked %llu versions up to v%llu, woken %s after the publish (max %s)\n",
	       t, (unsigned long long)e->count, (unsigned long long)e->version,
	       msecs(e->count ? e->lat_sum / e->count : 0, mean, sizeof(mean)),
	       msecs(e->lat_max, max, sizeof(max)));
	printf("[%s] W  received", t);
	for (int r = W1; r < NROLES; r++) {
		printf("%s %llu", r == W1 ? "" : " +", (unsigned long long)stage[r].s.count);
		lost += stage[r].s.lost;
	}
	printf(" items; %llu races for one lost (EAGAIN)\n", (unsigned long long)lost);
}

static const char *const totals[] = { "areas", "messages", "versions" };
#define NTOTALS (sizeof(totals) / sizeof(totals[0]))

/*
 * The checks across stages, once all have finished: the first that failed
 * in @why, and how many did.
 */
static int verdict(char *why, size_t size, const long before[NTOTALS])
{
	uint64_t n = 0, sum = 0, hash = 0, moved = 0, sent = stage[C].s.sent;
	int bad = 0;

#define CHECK(cond, ...) do { if (!(cond) && !bad++) snprintf(why, size, __VA_ARGS__); } while (0)
	for (int r = 0; r < NROLES; r++) {
		CHECK(!stage[r].s.failures, "%s: %s (%ld failures)", role_name[r],
		      stage[r].s.failure, stage[r].s.failures);
		CHECK(stage[r].s.final, "%s did not finish", role_name[r]);
	}
	CHECK(stage[C].s.a == stage[A].s.version && stage[C].s.b == stage[B].s.version,
	      "C's last combined A v%llu + B v%llu, not their last",
	      (unsigned long long)stage[C].s.a, (unsigned long long)stage[C].s.b);
	for (int r = D; r <= E; r++)
		CHECK(stage[r].s.version == stage[C].s.version,
		      "%s saw C's v%llu, not its last v%llu", role_name[r],
		      (unsigned long long)stage[r].s.version,
		      (unsigned long long)stage[C].s.version);
	for (int r = W1; r < NROLES; r++) {
		n += stage[r].s.count;
		sum += stage[r].s.seq_sum;
		hash += stage[r].s.seq_hash;
		moved += stage[r].s.moved;
	}
	/* items 1..sent, each received once (the stops, after them, apart) */
	for (uint64_t i = 1; i <= sent; i++)
		hash -= mix(W1, i, 0);
	CHECK(n == sent && sum == sent * (sent + 1) / 2 && hash == 0 && moved == stage[C].s.moved,
	      "the workers received %llu items (%llu moved), C sent %llu (%llu moved)",
	      (unsigned long long)n, (unsigned long long)moved, (unsigned long long)sent,
	      (unsigned long long)stage[C].s.moved);
	for (size_t i = 0; i < NTOTALS; i++) {
		/* exits may still be releasing: a moment for them */
		for (int j = 0; j < 50 && swing_total(totals[i]) != before[i]; j++)
			usleep(100000);
		CHECK(swing_total(totals[i]) == before[i], "the module's %s: %ld, %ld before",
		      totals[i], swing_total(totals[i]), before[i]);
	}
#undef CHECK
	return bad;
}

int main(int argc, char **argv)
{
	long seconds = 5, ms = 20, before[NTOTALS];
	struct pollfd p[NROLES];
	uint64_t start_ns, end_ns, tick;
	int finished = 0, bad;
	bool stopped = false;
	char why[256];

	for (int i = 1; i < argc; i++) {
		char *end = NULL;

		if (i + 1 < argc && !strcmp(argv[i], "--seconds"))
			seconds = strtol(argv[++i], &end, 10);
		else if (i + 1 < argc && !strcmp(argv[i], "--interval"))
			ms = strtol(argv[++i], &end, 10);
		if (!end || *end || seconds < 1 || seconds > 3600 || ms < 1 || ms > 10000) {
			fprintf(stderr, "usage: swingpipeline [--seconds N (5)] [--interval MS (20)]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	page = sysconf(_SC_PAGESIZE);
	len = PAGES * page;
	for (size_t i = 0; i < NTOTALS; i++)
		before[i] = swing_total(totals[i]);
	printf("swingpipeline: A and B publish %d-page batches every %ld and %ld ms; C combines\n"
	       "their latest versions into its own, which D (swing_wait) and E (watch + poll)\n"
	       "check; C also queues a work item per version for %d workers, every other one\n"
	       "moved (SWING_SEND_MOVE).  %ld s.\n",
	       PAGES, ms, ms + ms / 2, WORKERS, seconds);

	start(A, run_producer, ms, 0);
	start(B, run_producer, ms, 0);
	start(C, run_combiner, hello(A)->token, hello(B)->token);
	hello(C);
	start(D, run_reader, stage[C].s.token, 0);
	start(E, run_reader, stage[C].s.token, 0);
	for (int r = W1; r < NROLES; r++)
		start(r, run_worker, stage[C].s.qtoken, 0);

	start_ns = now_ns();
	end_ns = start_ns + seconds * 1000000000ULL;
	tick = start_ns + 1000000000ULL;
	for (int r = 0; r < NROLES; r++)
		p[r] = (struct pollfd){ .fd = stage[r].out, .events = POLLIN };
	/* until every stage has finished, or FINISH_S after the stop */
	while (finished < NROLES) {
		uint64_t t = now_ns();
		int wait = t < tick ? (int)((tick - t) / 1000000) + 1 : 0;

		if (t >= end_ns + FINISH_S * 1000000000ULL)
			break;
		if (poll(p, NROLES, wait) > 0) {
			for (int r = 0; r < NROLES; r++) {
				if (!p[r].revents)
					continue;
				if (!receive(r) || stage[r].s.final) {
					p[r].fd = -1;	/* done, or died */
					finished++;
				}
			}
		}
		t = now_ns();
		if (t >= end_ns && !stopped) {
			/* stop the producers: a last batch each, then the rest drains */
			if (write(stage[A].ctl, "s", 1) != 1 || write(stage[B].ctl, "s", 1) != 1)
				perror("swingpipeline: stop");
			stopped = true;
		}
		if (t >= tick && t < end_ns + 500000000ULL) {
			char when[16];

			snprintf(when, sizeof(when), "%4.1f s", (t - start_ns) / 1e9);
			print_block(when);
			tick += 1000000000ULL;
		}
	}
	print_block("  end ");
	/* the producers and C go now (their ends of ctl close) */
	for (int r = 0; r < NROLES; r++) {
		if (finished < NROLES)
			kill(stage[r].pid, SIGKILL);	/* ours, stuck */
		if (r <= C)
			close(stage[r].ctl);
	}
	for (int r = 0; r < NROLES; r++) {
		int status;

		waitpid(stage[r].pid, &status, 0);
		if ((!WIFEXITED(status) || WEXITSTATUS(status)) && !stage[r].s.failures) {
			stage[r].s.failures = 1;
			snprintf(stage[r].s.failure, sizeof(stage[r].s.failure), "exit status %d",
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		}
	}
	bad = verdict(why, sizeof(why), before);
	if (bad) {
		printf("swingpipeline: FAILED: %s (%d check%s failed)\n", why, bad, bad > 1 ? "s" : "");
		return 1;
	}
	printf("swingpipeline: every check held: %llu versions of A and %llu of B combined into %llu "
	       "of C, none torn, D and E saw the last; %llu items received once each, in order; "
	       "the module's totals back\n",
	       (unsigned long long)stage[A].s.version, (unsigned long long)stage[B].s.version,
	       (unsigned long long)stage[C].s.version, (unsigned long long)stage[C].s.sent);
	return 0;
}
