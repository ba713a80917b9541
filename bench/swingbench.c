// SPDX-License-Identifier: GPL-2.0-only
/*
 * swingbench: swing against the other ways of handing a snapshot of memory
 * to another process, side by side in one run.  See docs/benchmarks.md.
 *
 *   swingbench [-o DIR] [-s MiB,MiB,...] [-r REPS] [-m MECH,...] [EXPERIMENT...]
 *
 * Experiments: handoff, stream, cow, read, scale, wakeup, queue, publish
 * (default: all); -m keeps only the named mechanisms of handoff, stream and
 * queue.  Each writes a CSV into DIR (default: .) with the median over REPS
 * repetitions.  Counts of the newer experiments come from the environment
 * (tools/vmrun passes SWING_* into the guest): SWING_BENCH_PUBLISHES
 * versions per wakeup measurement (default 400), SWING_BENCH_QUEUE_MS of
 * sending per queue measurement (default 1000), SWING_BENCH_QUEUE_RULES
 * the queue's rules to run (default: produce,transport).
 *
 * Every measurement runs a fresh producer and consumer: separate processes
 * that meet over a unix socket, and take their timestamps from the one
 * CLOCK_MONOTONIC.  Each consumer checks the contents it received.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mqueue.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "swing.h"

/* sysconf(_SC_PAGESIZE), set first thing in main(): 4, 16 or 64 KiB. */
static unsigned long page_size;
#define PAGE	page_size
#define MIB	(1UL << 20)
#define CHUNK	(1UL << 20)	/* bytes per write()/read()/vmsplice() */
#define MAXREPS	32

static int reps = 3;
static const char *outdir = ".";

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "swingbench: ");
	vfprintf(stderr, fmt, ap);
	if (errno)
		fprintf(stderr, ": %s", strerror(errno));
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static FILE *csv_open(const char *name, const char *header)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "w");
	if (!f)
		die("cannot write %s", path);
	fprintf(f, "%s\n", header);
	return f;
}

/*
 * Process memory.  In base pages (PAGE), like an area's, unless thp:
 * Debian's kernels back anonymous memory with PMD-sized pages when they
 * can, and then fork() copies one entry per PMD instead of a page table's
 * worth (2 MiB instead of 512 entries with 4 KiB pages; 32 MiB instead of
 * 2048 with 16 KiB).
 */
static void *map_anon_thp(size_t len, int thp)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu", len);
	if (!thp)
		madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static void *map_anon(size_t len)
{
	return map_anon_thp(len, 0);
}

/* The state: the first word of page i holds seed + i; one write a page. */
static void write_pages(void *p, size_t len, long seed, size_t stride)
{
	for (size_t i = 0; i < len / PAGE; i += stride)
		((volatile long *)((char *)p + i * PAGE))[0] = seed + (long)i;
}

/* Read the first word of every stride-th page: the consumer's read. */
static long read_pages(const void *p, size_t len, size_t stride)
{
	long sum = 0;

	for (size_t i = 0; i < len / PAGE; i += stride)
		sum += ((const volatile long *)((const char *)p + i * PAGE))[0];
	return sum;
}

static long expect_sum(size_t len, long seed, size_t stride)
{
	long sum = 0;

	for (size_t i = 0; i < len / PAGE; i += stride)
		sum += seed + (long)i;
	return sum;
}

/* Every word of every page, for the full-read measurement. */
static long read_words(const void *p, size_t len)
{
	const volatile long *w = p;
	long sum = 0;

	for (size_t i = 0; i < len / sizeof(long); i++)
		sum += w[i];
	return sum;
}

/* ---- messages between producer and consumer ---- */

struct msg {
	long a, b;
	double t1, t2, t3, t4;
};

static void send_msg(int fd, const struct msg *m)
{
	if (write(fd, m, sizeof(*m)) != sizeof(*m))
		die("send");
}

static void recv_msg(int fd, struct msg *m)
{
	size_t got = 0;

	while (got < sizeof(*m)) {
		ssize_t n = read(fd, (char *)m + got, sizeof(*m) - got);

		if (n <= 0)
			die("recv");
		got += n;
	}
}

static void send_fd(int sock, int fd)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &mh, 0) != 1)
		die("sendmsg");
}

/* recv_fd, or -1 once the sender has shut its side down. */
static int recv_fd_or_end(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	ssize_t n = recvmsg(sock, &mh, 0);
	int fd;

	if (n == 0)
		return -1;
	if (n != 1 || !CMSG_FIRSTHDR(&mh))
		die("recvmsg");
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
	return fd;
}

static int recv_fd(int sock)
{
	int fd = recv_fd_or_end(sock);

	if (fd < 0)
		errno = 0, die("recvmsg: the peer is gone");
	return fd;
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len < CHUNK ? len : CHUNK);

		if (n <= 0)
			die("write");
		p += n;
		len -= n;
	}
}

/* One message of len bytes from a stream; 0 at its end. */
static int read_msg(int fd, char *p, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got < CHUNK ? len - got : CHUNK);

		if (n == 0 && got == 0)
			return 0;
		if (n <= 0)
			die("read message");
		got += n;
	}
	return 1;
}

static void read_all(int fd, char *p, size_t len)
{
	if (!read_msg(fd, p, len))
		errno = 0, die("read: the writer is gone");
}

/*
 * A memfd of len bytes sealed against any change, holding a copy of src,
 * or, if src is NULL, pages written with seed (write_pages).
 */
static int memfd_sealed(const void *src, size_t len, long seed)
{
	int fd = memfd_create("snapshot", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	void *p;

	if (fd < 0 || ftruncate(fd, len))
		die("memfd");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap memfd");
	if (src)
		memcpy(p, src, len);
	else
		write_pages(p, len, seed, 1);
	munmap(p, len);
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
		  F_SEAL_SEAL))
		die("seal");
	return fd;
}

static void start_child(pid_t *pid, void (*fn)(void *), void *arg)
{
	*pid = fork();
	if (*pid < 0)
		die("fork");
	if (*pid == 0) {
		fn(arg);
		_exit(0);
	}
}

static void reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		errno = 0, die("child %d failed (status %#x)", pid, status);
}

/* ---- 1. handoff ---- */

enum mech {
	M_SWING, M_SWING_POPULATE, M_PIPE, M_SOCKET, M_MEMFD_COPY,
	M_MEMFD_GIVE, M_PVREADV, M_VMSPLICE, M_FORK, M_FORK_THP, M_NMECH
};

static const char *const mech_name[] = {
	"swing", "swing-populate", "pipe", "unix-socket", "memfd-copy",
	"memfd-give", "process_vm_readv", "vmsplice", "fork", "fork-thp",
};

struct trial {
	enum mech mech;
	size_t len;
	long seed;
	int ctl[2];	/* producer <-> consumer */
	int data[2];	/* pipe, or socket pair */
	int res;	/* producer -> main: t0, hold, read */
};

static int data_is_pipe(enum mech m)
{
	return m == M_PIPE || m == M_VMSPLICE;
}

static void consumer(void *arg)
{
	struct trial *t = arg;
	int ctl = t->ctl[1], in = t->data[0];
	size_t len = t->len;
	struct msg m = { 0 };
	char *buf = NULL;
	void *snap = NULL;
	int token = 0, fd;

	if (t->mech == M_PIPE || t->mech == M_SOCKET ||
	    t->mech == M_PVREADV || t->mech == M_VMSPLICE) {
		buf = map_anon(len);	/* a consumer that already runs */
		write_pages(buf, len, 0, 1);
	}
	if (t->mech == M_SOCKET)
		in = t->data[1];
	if (t->mech == M_SWING || t->mech == M_SWING_POPULATE)
		swing_version(&(struct swing_version){ 0 });	/* open the fd */
	send_msg(ctl, &m);	/* ready */
	recv_msg(ctl, &m);	/* go, with a = token or pid, b = address */

	switch (t->mech) {
	case M_SWING:
	case M_SWING_POPULATE:
		if (swing_hook_flags(&snap, &token, (int)m.a,
				     t->mech == M_SWING_POPULATE ?
				     SWING_HOOK_POPULATE : 0))
			die("hook");
		break;
	case M_PIPE:
	case M_SOCKET:
	case M_VMSPLICE:
		read_all(in, buf, len);
		snap = buf;
		break;
	case M_MEMFD_COPY:
	case M_MEMFD_GIVE:
		fd = recv_fd(ctl);
		snap = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		if (snap == MAP_FAILED)
			die("mmap received memfd");
		close(fd);
		break;
	case M_PVREADV: {
		struct iovec local = { buf, len };
		struct iovec remote = { (void *)m.b, len };

		if (process_vm_readv((pid_t)m.a, &local, 1, &remote, 1, 0) !=
		    (ssize_t)len)
			die("process_vm_readv");
		snap = buf;
		break;
	}
	default:
		die("consumer: mechanism %d", t->mech);
	}
	m.t1 = now();
	m.a = read_pages(snap, len, 1);
	m.t2 = now();
	if (m.a != expect_sum(len, t->seed, 1))
		errno = 0, die("%s: the consumer read the wrong contents",
			       mech_name[t->mech]);
	send_msg(ctl, &m);
	if (token)
		releasearea(token);
}

/* Runs in the forked snapshot: it holds the data as soon as it runs. */
static void fork_snapshot(struct trial *t, void *state, int out)
{
	struct msg m;

	m.t1 = now();
	m.a = read_pages(state, t->len, 1);
	m.t2 = now();
	if (m.a != expect_sum(t->len, t->seed, 1))
		errno = 0, die("fork: wrong contents");
	send_msg(out, &m);
	_exit(0);
}

static void producer(void *arg)
{
	struct trial *t = arg;
	int ctl = t->ctl[0], out = t->data[1];
	size_t len = t->len;
	struct msg m = { 0 }, r;
	void *state;
	int token = 0, fd = -1, pp[2];
	pid_t pid;
	double t0;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY);	/* process_vm_readv */
	if (pipe(pp))
		die("pipe");

	switch (t->mech) {
	case M_SWING:
	case M_SWING_POPULATE:
		if (createarea(&state, &token, len))
			die("createarea");
		break;
	case M_MEMFD_GIVE:
		fd = memfd_create("state", MFD_ALLOW_SEALING | MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, len))
			die("memfd");
		state = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			     fd, 0);
		if (state == MAP_FAILED)
			die("mmap memfd");
		break;
	default:
		state = map_anon_thp(len, t->mech == M_FORK_THP);
	}
	if (t->mech == M_SOCKET)
		out = t->data[0];
	write_pages(state, len, t->seed, 1);	/* freshly written */
	if (t->mech != M_FORK && t->mech != M_FORK_THP)
		recv_msg(ctl, &r);	/* the consumer is ready */

	t0 = now();
	switch (t->mech) {
	case M_SWING:
	case M_SWING_POPULATE:
		if (enablehook(token))
			die("enablehook");
		m.a = token;
		send_msg(ctl, &m);
		break;
	case M_PIPE:
	case M_SOCKET:
		send_msg(ctl, &m);
		write_all(out, state, len);
		break;
	case M_VMSPLICE:
		send_msg(ctl, &m);
		for (size_t off = 0; off < len;) {
			struct iovec iov = { (char *)state + off, len - off };
			ssize_t n;

			if (iov.iov_len > CHUNK)
				iov.iov_len = CHUNK;
			n = vmsplice(out, &iov, 1, 0);
			if (n <= 0)
				die("vmsplice");
			off += n;
		}
		break;
	case M_MEMFD_COPY:
		fd = memfd_sealed(state, len, 0);
		send_msg(ctl, &m);
		send_fd(ctl, fd);
		close(fd);
		break;
	case M_MEMFD_GIVE:
		/* the producer gives its memory away: no writable mapping */
		munmap(state, len);
		if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
			  F_SEAL_WRITE | F_SEAL_SEAL))
			die("seal");
		send_msg(ctl, &m);
		send_fd(ctl, fd);
		close(fd);
		break;
	case M_PVREADV:
		m.a = getpid();
		m.b = (long)state;
		send_msg(ctl, &m);
		break;
	case M_FORK:
	case M_FORK_THP:
		pid = fork();
		if (pid == 0)
			fork_snapshot(t, state, pp[1]);
		if (pid < 0)
			die("fork");
		recv_msg(pp[0], &r);
		reap(pid);
		goto report;
	default:
		die("producer: mechanism %d", t->mech);
	}
	recv_msg(ctl, &r);	/* the consumer holds and has read it */
report:
	r.t1 -= t0;
	r.t2 -= t0;
	if (write(t->res, &r, sizeof(r)) != sizeof(r))
		die("result");
	if (token)
		releasearea(token);
}

/*
 * One measurement: prod(arg) and, unless NULL, cons(arg) in processes of
 * their own, joined by the socket pair ctl; returns the struct msg the
 * producer writes to *res.
 */
static struct msg run_pair(void (*prod)(void *), void (*cons)(void *),
			   void *arg, int ctl[2], int *res, const char *what)
{
	int rp[2];
	pid_t p, c = 0;
	struct msg r;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, ctl) || pipe(rp))
		die("socketpair");
	*res = rp[1];
	start_child(&p, prod, arg);
	if (cons)
		start_child(&c, cons, arg);
	if (read(rp[0], &r, sizeof(r)) != sizeof(r))
		die("no result from %s", what);
	reap(p);
	if (c)
		reap(c);
	close(ctl[0]);
	close(ctl[1]);
	close(rp[0]);
	close(rp[1]);
	return r;
}

/* One handoff; returns the times since it began. */
static struct msg run_trial(enum mech mech, size_t len, long seed)
{
	struct trial t = { .mech = mech, .len = len, .seed = seed };
	int fork_snap = mech == M_FORK || mech == M_FORK_THP;
	struct msg r;

	if (data_is_pipe(mech)) {
		if (pipe(t.data))
			die("pipe");
		fcntl(t.data[1], F_SETPIPE_SZ, (int)CHUNK);
	} else if (socketpair(AF_UNIX, SOCK_STREAM, 0, t.data)) {
		die("socketpair");
	} else {
		int sz = 4 << 20;

		setsockopt(t.data[0], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
		setsockopt(t.data[1], SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	}
	/* with fork, the snapshot itself is the consumer */
	r = run_pair(producer, fork_snap ? NULL : consumer, &t, t.ctl, &t.res,
		     mech_name[mech]);
	close(t.data[0]);
	close(t.data[1]);
	return r;
}

static size_t sizes[16];
static int nsizes;
static const char *only;	/* -m: a comma-separated list of mechanisms */

/* Whether the comma-separated list names name. */
static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p; p += strcspn(p, ",") + !!p[strcspn(p, ",")])
		if (strcspn(p, ",") == n && !strncmp(p, name, n))
			return 1;
	return 0;
}

static int wanted(const char *name)
{
	return !only || in_list(only, name);
}

static void bench_handoff(void)
{
	FILE *f = csv_open("handoff.csv", "mechanism,size_mib,hold_ms,read_ms,reps");

	for (int s = 0; s < nsizes; s++) {
		for (int m = 0; m < M_NMECH; m++) {
			double hold[MAXREPS], rd[MAXREPS];

			if (!wanted(mech_name[m]))
				continue;
			for (int i = 0; i < reps; i++) {
				struct msg r = run_trial(m, sizes[s], 1000 * i + 1);

				hold[i] = r.t1 * 1e3;
				rd[i] = r.t2 * 1e3;
			}
			fprintf(f, "%s,%zu,%.3f,%.3f,%d\n", mech_name[m],
				sizes[s] / MIB, median(hold, reps),
				median(rd, reps), reps);
			fflush(f);
			fprintf(stderr, "handoff %-16s %5zu MiB: hold %9.2f ms, read %9.2f ms\n",
				mech_name[m], sizes[s] / MIB,
				median(hold, reps), median(rd, reps));
		}
	}
	fclose(f);
}

/* ---- 2. stream: 1% dirtied, a fresh snapshot, 1% read, per round ---- */

#define STRIDE	100	/* 1% of the pages */
#define RUN	32	/* clustered: runs of 32 pages, one run in 3200 */

/*
 * The 1% a round dirties and the consumer reads.  Spread: every 100th page,
 * so that every 512-page leaf of swing's tree and every page table of the
 * area changes (the worst case for both; every 2 MiB with 4 KiB pages).
 * Clustered: runs of 32 pages (128 KiB of 4 KiB), as when whole records or
 * batches change.  Returns the sum of the first words read.
 */
static long pattern_pages(char *p, size_t len, int clustered, int round,
			  int write)
{
	size_t npages = len / PAGE, step = clustered ? STRIDE * RUN : STRIDE;
	size_t run = clustered ? RUN : 1, off = (size_t)round * run % step;
	long sum = 0;

	for (size_t base = off; base < npages; base += step)
		for (size_t i = base; i < base + run && i < npages; i++) {
			volatile long *w = (volatile long *)(p + i * PAGE);

			if (write)
				w[1] = round;
			else
				sum += w[0];
		}
	return sum;
}

static long pattern_expect(size_t len, int clustered)
{
	size_t npages = len / PAGE, step = clustered ? STRIDE * RUN : STRIDE;
	size_t run = clustered ? RUN : 1;
	long sum = 0;

	for (size_t base = 0; base < npages; base += step)
		for (size_t i = base; i < base + run && i < npages; i++)
			sum += (long)i;
	return sum;
}

enum smech { S_SWING, S_MEMFD_COPY, S_FORK, S_FORK_THP, S_NMECH };
static const char *const smech_name[] = {
	"swing", "memfd-copy", "fork", "fork-thp"
};

struct stream {
	enum smech mech;
	int clustered;
	size_t len;
	int rounds;
	int ctl[2];
	int res;
};

static void stream_consumer(void *arg)
{
	struct stream *s = arg;
	int ctl = s->ctl[1], prev_token = 0, token, fd;
	void *snap, *prev = NULL;
	struct msg m;

	swing_version(&(struct swing_version){ 0 });
	for (int i = 0; i < s->rounds; i++) {
		double t0, t1;

		recv_msg(ctl, &m);
		t0 = now();
		if (s->mech == S_SWING) {
			if (hook(&snap, &token, (int)m.a))
				die("hook");
			if (prev_token)
				releasearea(prev_token);
			prev_token = token;
		} else {
			fd = recv_fd(ctl);
			snap = mmap(NULL, s->len, PROT_READ, MAP_SHARED, fd, 0);
			if (snap == MAP_FAILED)
				die("mmap");
			close(fd);
			if (prev)
				munmap(prev, s->len);
			prev = snap;
		}
		t1 = now();
		m.a = pattern_pages(snap, s->len, s->clustered, 0, 0);
		m.t1 = (t1 - t0) * 1e3;
		m.t2 = (now() - t1) * 1e3;
		send_msg(ctl, &m);
	}
}

/* A forked snapshot: read 1%, answer, live until killed by the next. */
static void stream_fork_child(int ctl, struct stream *s, void *state)
{
	struct msg m = { .a = pattern_pages(state, s->len, s->clustered, 0, 0) };

	send_msg(ctl, &m);
	pause();
	_exit(0);
}

static void stream_producer(void *arg)
{
	struct stream *s = arg;
	int ctl = s->ctl[0], token = 0, fd;
	double round[MAXREPS * 4], dirty[MAXREPS * 4], wp[MAXREPS * 4];
	double take[MAXREPS * 4], rd[MAXREPS * 4];
	size_t ndirty = s->len / PAGE / STRIDE;
	pid_t prev = 0, pid;
	struct msg m = { 0 };
	void *state;
	int pp[2];

	if (pipe(pp))
		die("pipe");

	if (s->mech == S_SWING) {
		if (createarea(&state, &token, s->len))
			die("createarea");
	} else {
		state = map_anon_thp(s->len, s->mech == S_FORK_THP);
	}
	write_pages(state, s->len, 0, 1);
	/* round 0 makes the first snapshot; rounds 1.. are measured */
	for (int i = 0; i < s->rounds; i++) {
		double t0 = now(), t1;

		/* dirty 1%, against the previous snapshot still held */
		pattern_pages(state, s->len, s->clustered, i, 1);
		t1 = now();
		switch (s->mech) {
		case S_SWING:
			if (enablehook(token))
				die("enablehook");
			wp[i] = (now() - t1) * 1e3;
			m.a = token;
			send_msg(ctl, &m);
			recv_msg(ctl, &m);
			break;
		case S_MEMFD_COPY:
			fd = memfd_sealed(state, s->len, 0);
			send_msg(ctl, &m);
			send_fd(ctl, fd);
			close(fd);
			recv_msg(ctl, &m);
			break;
		case S_FORK:
		case S_FORK_THP:
			pid = fork();
			if (pid < 0)
				die("fork");
			if (pid == 0)
				stream_fork_child(pp[1], s, state);
			recv_msg(pp[0], &m);
			if (prev) {
				kill(prev, SIGKILL);
				waitpid(prev, NULL, 0);
			}
			prev = pid;
			break;
		default:
			break;
		}
		if (m.a != pattern_expect(s->len, s->clustered))
			errno = 0, die("stream %s: wrong contents",
				       smech_name[s->mech]);
		round[i] = (now() - t0) * 1e3;
		dirty[i] = (t1 - t0) * 1e6 / ndirty;
		if (s->mech != S_SWING)
			wp[i] = 0;
		take[i] = s->mech <= S_MEMFD_COPY ? m.t1 : 0;
		rd[i] = s->mech <= S_MEMFD_COPY ? m.t2 : 0;
	}
	if (prev) {
		kill(prev, SIGKILL);
		waitpid(prev, NULL, 0);
	}
	m.t1 = median(round + 1, s->rounds - 1);
	m.t2 = median(dirty + 1, s->rounds - 1);
	m.b = (long)(median(wp + 1, s->rounds - 1) * 1e3);	/* us */
	m.t3 = median(take + 1, s->rounds - 1);
	m.t4 = median(rd + 1, s->rounds - 1);
	if (write(s->res, &m, sizeof(m)) != sizeof(m))
		die("result");
}

static void stream_one(FILE *f, enum smech m, int clustered, size_t len)
{
	struct stream s = {
		.mech = m, .clustered = clustered, .len = len,
		.rounds = reps * 2 + 1,
	};
	const char *pat = clustered ? "clustered" : "spread";
	int forks = m == S_FORK || m == S_FORK_THP;
	struct msg r;

	r = run_pair(stream_producer, forks ? NULL : stream_consumer, &s,
		     s.ctl, &s.res, smech_name[m]);
	fprintf(f, "%s,%s,%zu,%.3f,%.3f,%.3f,%.3f,%.3f,%d\n", pat,
		smech_name[m], len / MIB, r.t1, r.t2, r.b / 1e3, r.t3, r.t4,
		s.rounds - 1);
	fflush(f);
	fprintf(stderr, "stream  %-9s %-10s %5zu MiB: round %9.3f ms, dirty %6.2f us/page, enable %6.3f ms, take %6.3f ms, read %6.3f ms\n",
		pat, smech_name[m], len / MIB, r.t1, r.t2, r.b / 1e3, r.t3,
		r.t4);
}

static void bench_stream(void)
{
	FILE *f = csv_open("stream.csv",
			   "pattern,mechanism,size_mib,round_ms,dirty_us_per_page,enable_ms,take_ms,read_ms,rounds");

	for (int cl = 0; cl < 2; cl++) {
		for (int i = 0; i < nsizes; i++) {
			for (int m = 0; m < S_NMECH; m++) {
				if (wanted(smech_name[m]))
					stream_one(f, m, cl, sizes[i]);
			}
		}
	}
	fclose(f);
}

/* ---- 3. cow: the producer's write fault, per page, against fork's ---- */

struct cowrun {
	int swing;
	size_t len;
	int ctl[2];
	int res;
};

static void cow_holder(void *arg)
{
	struct cowrun *c = arg;
	struct msg m;
	void *snap;
	int token;

	recv_msg(c->ctl[1], &m);
	if (hook(&snap, &token, (int)m.a))
		die("hook");
	send_msg(c->ctl[1], &m);
	recv_msg(c->ctl[1], &m);	/* hold it until told */
	releasearea(token);
	send_msg(c->ctl[1], &m);
}

static double time_writes(void *p, size_t len, long v)
{
	double t0 = now();

	write_pages(p, len, v, 1);
	return (now() - t0) * 1e9 / (len / PAGE);
}

/*
 * ns per page of: the copy-on-write fault (a snapshot still shares the
 * page), the reuse fault (the snapshot is gone), and reading it again.
 */
static void cow_producer(void *arg)
{
	struct cowrun *c = arg;
	struct msg m = { 0 }, out = { 0 };
	int token = 0;
	void *p;
	pid_t pid = 0;

	if (c->swing) {
		if (createarea(&p, &token, c->len))
			die("createarea");
	} else {
		p = map_anon(c->len);
	}
	write_pages(p, c->len, 1, 1);
	if (c->swing) {
		if (enablehook(token))
			die("enablehook");
		m.a = token;
		send_msg(c->ctl[0], &m);
		recv_msg(c->ctl[0], &m);	/* hooked */
	} else {
		pid = fork();
		if (pid == 0) {
			pause();
			_exit(0);
		}
	}
	out.t1 = time_writes(p, c->len, 2);	/* COW */
	if (c->swing) {
		send_msg(c->ctl[0], &m);	/* let the snapshot go */
		recv_msg(c->ctl[0], &m);
		enablehook(token);	/* write-protects again: reuse faults */
	} else {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		/* fork again and let the child go: PTEs read-only, page ours */
		pid = fork();
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	out.t2 = time_writes(p, c->len, 3);	/* reuse */
	if (write(c->res, &out, sizeof(out)) != sizeof(out))
		die("result");
}

static void bench_cow(void)
{
	FILE *f = csv_open("cow.csv",
			   "mechanism,size_mib,cow_ns_per_page,reuse_ns_per_page,reps");
	size_t len = 256 * MIB;

	for (int sw = 1; sw >= 0; sw--) {
		double cow[MAXREPS], reuse[MAXREPS];

		for (int i = 0; i < reps; i++) {
			struct cowrun c = { .swing = sw, .len = len };
			struct msg r;

			r = run_pair(cow_producer, sw ? cow_holder : NULL, &c,
				     c.ctl, &c.res, "cow");
			cow[i] = r.t1;
			reuse[i] = r.t2;
		}
		fprintf(f, "%s,%zu,%.0f,%.0f,%d\n", sw ? "swing" : "fork",
			len / MIB, median(cow, reps), median(reuse, reps), reps);
		fprintf(stderr, "cow     %-16s %5zu MiB: cow %7.0f ns/page, reuse %7.0f ns/page\n",
			sw ? "swing" : "fork", len / MIB, median(cow, reps),
			median(reuse, reps));
	}
	fclose(f);
}

/* ---- 4. scale: hook latency against size and against hookers ---- */

#define HOOKS	15

struct hooker {
	int token;
	int go;		/* read end: one byte starts a hook */
	int done;	/* one byte per hook done */
	int res;	/* the median latency at the end */
};

static void hooker(void *arg)
{
	struct hooker *h = arg;
	double t[HOOKS], t0;
	void *snap;
	int token;
	char c;

	swing_version(&(struct swing_version){ 0 });
	for (int i = 0; i < HOOKS; i++) {
		if (read(h->go, &c, 1) != 1)
			die("go");
		t0 = now();
		if (hook(&snap, &token, h->token))
			die("hook");
		t[i] = (now() - t0) * 1e6;
		releasearea(token);
		if (write(h->done, &c, 1) != 1)
			die("done");
	}
	t0 = median(t, HOOKS);
	if (write(h->res, &t0, sizeof(t0)) != sizeof(t0))
		die("result");
}

/*
 * Median hook latency (us) of n concurrent hookers of an enabled area of
 * len bytes, every page written before it was enabled.
 */
static double hook_latency(size_t len, int n)
{
	int go[2], done[2], res[2], token;
	double lat[16];
	pid_t pid[16];
	void *p;
	char c = 0;

	if (createarea(&p, &token, len))
		die("createarea");
	write_pages(p, len, 1, 1);
	if (enablehook(token))
		die("enablehook");
	if (pipe(go) || pipe(done) || pipe(res))
		die("pipe");
	for (int i = 0; i < n; i++) {
		struct hooker h = { token, go[0], done[1], res[1] };

		start_child(&pid[i], hooker, &h);
	}
	for (int r = 0; r < HOOKS; r++) {
		for (int i = 0; i < n; i++)	/* all start together */
			if (write(go[1], &c, 1) != 1)
				die("go");
		for (int i = 0; i < n; i++)
			if (read(done[0], &c, 1) != 1)
				die("done");
	}
	for (int i = 0; i < n; i++)
		if (read(res[0], &lat[i], sizeof(double)) != sizeof(double))
			die("latency");
	for (int i = 0; i < n; i++)
		reap(pid[i]);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	close(res[0]);
	close(res[1]);
	releasearea(token);
	return median(lat, n);
}

static void bench_scale(void)
{
	FILE *f = csv_open("scale_size.csv", "size_mib,hook_us");
	FILE *g = csv_open("scale_hookers.csv", "hookers,size_mib,hook_us");
	static const int nh[] = { 1, 2, 4, 8, 16 };

	for (int i = 0; i < nsizes; i++) {
		double us = hook_latency(sizes[i], 1);

		fprintf(f, "%zu,%.1f\n", sizes[i] / MIB, us);
		fprintf(stderr, "scale   hook of an enabled area %5zu MiB: %8.1f us\n",
			sizes[i] / MIB, us);
	}
	for (size_t i = 0; i < sizeof(nh) / sizeof(nh[0]); i++) {
		double us = hook_latency(64 * MIB, nh[i]);

		fprintf(g, "%d,64,%.1f\n", nh[i], us);
		fprintf(stderr, "scale   %2d concurrent hookers, 64 MiB: %8.1f us\n",
			nh[i], us);
	}
	fclose(f);
	fclose(g);
}

/* The full read (every word) of a hooked area against a forked child's. */
static void bench_fullread(void)
{
	FILE *f = csv_open("fullread.csv", "mechanism,size_mib,read_ms,reps");
	size_t len = 256 * MIB;

	for (int m = 0; m < 3; m++) {
		double t[MAXREPS];

		for (int i = 0; i < reps; i++) {
			void *p, *snap;
			int token, t2;
			pid_t pid;
			int res[2];

			if (pipe(res))
				die("pipe");
			if (m < 2) {
				if (createarea(&p, &token, len))
					die("createarea");
			} else {
				p = map_anon(len);
			}
			write_pages(p, len, 1, 1);
			if (m < 2 && enablehook(token))
				die("enablehook");
			pid = fork();
			if (pid == 0) {
				double t0;
				void *r = p;

				if (m < 2 && swing_hook_flags(&snap, &t2, token,
							      m ? SWING_HOOK_POPULATE : 0))
					die("hook");
				if (m < 2)
					r = snap;
				t0 = now();
				read_words(r, len);
				t0 = now() - t0;
				if (write(res[1], &t0, sizeof(t0)) != sizeof(t0))
					die("result");
				_exit(0);
			}
			if (read(res[0], &t[i], sizeof(double)) != sizeof(double))
				die("no result");
			t[i] *= 1e3;
			reap(pid);
			close(res[0]);
			close(res[1]);
			if (m < 2)
				releasearea(token);
			else
				munmap(p, len);
		}
		fprintf(f, "%s,%zu,%.2f,%d\n",
			m == 0 ? "swing" : m == 1 ? "swing-populate" : "fork",
			len / MIB, median(t, reps), reps);
		fprintf(stderr, "read    %-16s %5zu MiB: every word %9.2f ms\n",
			m == 0 ? "swing" : m == 1 ? "swing-populate" : "fork",
			len / MIB, median(t, reps));
	}
	fclose(f);
}

/* ---- 5. wakeup: publish to a reader that was asleep, against a pipe ---- */

/*
 * A publisher makes a new version every WAKE_PERIOD; its readers sleep in
 * swing_wait, or in epoll_wait on a swing_watch descriptor, or in read() of
 * a pipe of their own that the publisher writes the version into (one pipe
 * per reader, written in turn: what a pipe-based notifier does).  The
 * publisher stores CLOCK_MONOTONIC just before the call that wakes them
 * (swing_publish, or the first write) in memory shared with the readers,
 * indexed by version; each reader's latency is the time at which it knows
 * the new version minus that.
 */
#define WAKE_PERIOD_NS	5000000L	/* long enough for 16 readers to sleep again */
#define MAXREADERS	16
#define MAXPUB		4000

enum wmech { W_WAIT, W_WATCH, W_PIPE, W_NMECH };
static const char *const wmech_name[] = { "swing-wait", "swing-watch", "pipe" };

struct wshared {
	int token;
	double t[MAXPUB + 2];			/* publish-call time of version v */
	double call[MAXPUB + 2];		/* us the call took */
	double lat[MAXREADERS][MAXPUB];		/* us, per reader and wakeup */
	int n[MAXREADERS];
};

struct wrun {
	enum wmech mech;
	int readers, npub;
	struct wshared *sh;
	int pipes[MAXREADERS][2];
	int up[2], go[2], ready[2], done[2];
	int idx;	/* the reader's own index */
};

static void byte_out(int fd)
{
	if (write(fd, "", 1) != 1)
		die("write a byte");
}

static void byte_in(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		die("read a byte");
}

static void wake_publisher(void *arg)
{
	struct wrun *w = arg;
	struct wshared *sh = w->sh;
	struct timespec next;
	uint64_t v;
	long *area;
	int token;

	if (createarea((void **)&area, &token, PAGE))
		die("createarea");
	area[0] = 1;
	if (swing_publish(token, &v) || v != 1)	/* readers start from 1 */
		die("publish");
	sh->token = token;
	byte_out(w->up[1]);
	byte_in(w->go[0]);	/* every reader is ready */
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (int i = 2; i <= w->npub + 1; i++) {
		next.tv_nsec += WAKE_PERIOD_NS;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		area[0] = i;	/* the version's contents name it */
		sh->t[i] = now();
		if (w->mech == W_PIPE) {
			v = i;
			for (int r = 0; r < w->readers; r++)
				if (write(w->pipes[r][1], &v, sizeof(v)) != sizeof(v))
					die("pipe write");
		} else if (swing_publish(token, &v) || v != (uint64_t)i) {
			die("publish %d", i);
		}
		sh->call[i] = (now() - sh->t[i]) * 1e6;
	}
	byte_in(w->done[0]);	/* every reader checked the last version */
	releasearea(token);
}

static void wake_reader(void *arg)
{
	struct wrun *w = arg;
	struct wshared *sh = w->sh;
	uint64_t v = 0, last, final = w->npub + 1;
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = -1, ep = -1, n = 0, token;
	long *snap;

	swing_version(&(struct swing_version){ 0 });	/* open /dev/swing */
	if (w->mech == W_WAIT && swing_wait(sh->token, 0, 0, &v))
		die("swing_wait");
	if (w->mech == W_WATCH) {
		fd = swing_watch(sh->token);
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (fd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
			die("swing_watch");
		if (read(fd, &v, sizeof(v)) != sizeof(v))	/* version 1 */
			die("read watch");
	}
	if (w->mech == W_PIPE)
		v = 1;
	last = v;
	byte_out(w->ready[1]);
	while (last < final) {
		switch (w->mech) {
		case W_WAIT:
			if (swing_wait(sh->token, last, -1, &v))
				die("swing_wait");
			break;
		case W_WATCH:
			if (epoll_wait(ep, &ev, 1, -1) != 1)
				die("epoll_wait");
			if (read(fd, &v, sizeof(v)) != sizeof(v))
				die("read watch");
			break;
		default:
			if (read(w->pipes[w->idx][0], &v, sizeof(v)) != sizeof(v))
				die("pipe read");
		}
		if (v <= last || v > final)
			errno = 0, die("%s: version %lu after %lu",
				       wmech_name[w->mech], (unsigned long)v,
				       (unsigned long)last);
		sh->lat[w->idx][n++] = (now() - sh->t[v]) * 1e6;
		last = v;
	}
	sh->n[w->idx] = n;
	if (w->mech != W_PIPE) {
		/* what woke it is there: the last version, naming itself */
		if (swing_hook_version((void **)&snap, &token, sh->token, 0, &v))
			die("hook");
		if (v != final || snap[0] != (long)final)
			errno = 0, die("%s: hooked version %lu holds %ld",
				       wmech_name[w->mech], (unsigned long)v,
				       snap[0]);
		releasearea(token);
	}
}

static double percentile(double *v, int n, double q)
{
	int i = (int)(q * n + 0.999999) - 1;

	qsort(v, n, sizeof(*v), cmp_double);
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* Samples of one mechanism and reader count, over every round. */
struct wpool {
	double *lat, *call;
	int n, ncall;
};

/* One publisher and its readers for npub versions, into *pool. */
static void wake_one(struct wpool *pool, enum wmech mech, int readers, int npub)
{
	struct wshared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct wrun w = { .mech = mech, .readers = readers, .npub = npub };
	pid_t pub, rd[MAXREADERS];

	if (sh == MAP_FAILED)
		die("mmap");
	w.sh = sh;
	if (pipe(w.up) || pipe(w.go) || pipe(w.ready) || pipe(w.done))
		die("pipe");
	for (int r = 0; mech == W_PIPE && r < readers; r++)
		if (pipe(w.pipes[r]))
			die("pipe");
	start_child(&pub, wake_publisher, &w);
	byte_in(w.up[0]);
	for (w.idx = 0; w.idx < readers; w.idx++)
		start_child(&rd[w.idx], wake_reader, &w);
	for (int r = 0; r < readers; r++)
		byte_in(w.ready[0]);
	byte_out(w.go[1]);
	for (int r = 0; r < readers; r++)
		reap(rd[r]);
	byte_out(w.done[1]);
	reap(pub);
	for (int r = 0; r < readers; r++) {
		memcpy(pool->lat + pool->n, sh->lat[r], sh->n[r] * sizeof(double));
		pool->n += sh->n[r];
	}
	for (int v = 2; v <= npub + 1; v++)
		pool->call[pool->ncall++] = sh->call[v];
	close(w.up[0]);
	close(w.up[1]);
	close(w.go[0]);
	close(w.go[1]);
	close(w.ready[0]);
	close(w.ready[1]);
	close(w.done[0]);
	close(w.done[1]);
	for (int r = 0; mech == W_PIPE && r < readers; r++) {
		close(w.pipes[r][0]);
		close(w.pipes[r][1]);
	}
	munmap(sh, sizeof(*sh));
}

/* SWING_BENCH_NAME=N in the environment (vmrun passes SWING_*), or def. */
static long env_count(const char *name, long def, long max)
{
	const char *s = getenv(name);
	long n = s ? strtol(s, NULL, 10) : def;

	return n < 1 ? 1 : n > max ? max : n;
}

/*
 * SWING_BENCH_PUBLISHES versions per mechanism and reader count, made in
 * REPS rounds that take every mechanism in turn (a slow stretch of the
 * emulating host then weighs on all of them); the samples of all rounds
 * are pooled.
 */
static void bench_wakeup(void)
{
	FILE *f = csv_open("wakeup.csv",
			   "mechanism,readers,median_us,p99_us,call_us,wakeups");
	static const int nr[] = { 1, 4, 16 };
	enum { NR = sizeof(nr) / sizeof(nr[0]) };
	int npub = env_count("SWING_BENCH_PUBLISHES", 400, MAXPUB);
	int per = (npub + reps - 1) / reps;
	struct wpool pool[NR][W_NMECH];

	for (int i = 0; i < NR; i++)
		for (int m = 0; m < W_NMECH; m++) {
			pool[i][m].lat = malloc(sizeof(double) * nr[i] * per * reps);
			pool[i][m].call = malloc(sizeof(double) * per * reps);
			pool[i][m].n = pool[i][m].ncall = 0;
			if (!pool[i][m].lat || !pool[i][m].call)
				die("malloc");
		}
	for (int k = 0; k < reps; k++)
		for (int i = 0; i < NR; i++)
			for (int m = 0; m < W_NMECH; m++)
				wake_one(&pool[i][m], m, nr[i], per);
	for (int i = 0; i < NR; i++)
		for (int m = 0; m < W_NMECH; m++) {
			struct wpool *p = &pool[i][m];
			double med = percentile(p->lat, p->n, 0.5);
			double p99 = percentile(p->lat, p->n, 0.99);
			double call = percentile(p->call, p->ncall, 0.5);

			fprintf(f, "%s,%d,%.1f,%.1f,%.1f,%d\n", wmech_name[m],
				nr[i], med, p99, call, p->n);
			fprintf(stderr, "wakeup  %-12s %2d readers: median %8.1f us, p99 %8.1f us, call %7.1f us (%d wakeups)\n",
				wmech_name[m], nr[i], med, p99, call, p->n);
			free(p->lat);
			free(p->call);
		}
	fclose(f);
}

/* ---- 6. queue: messages per second, sender to receiver ---- */

/*
 * Two rules, each the same for every mechanism; the receiver always reads
 * one word per page, checks their sum and lets the message go.
 *
 * produce: the sender writes each message anew (one word per page, as the
 * state of the handoff: the first word of page i is seed + i) and sends
 * it.  For a swing queue that is one write fault per page after every
 * send (the send write-protects the area, as a hook does): it measures
 * producing messages, the faults included, more than the queue.
 *
 * transport: the content exists already and is sent again as is, so what
 * is timed is the queue itself: one area (buffer, sealed memfd) written
 * once before the loop; with SWING_SEND_MOVE, a pool of QPOOL areas that
 * the receiver sends back, moved, through a second queue, and which the
 * sender receives and sends again.
 *
 * The sender goes on for SWING_BENCH_QUEUE_MS (at least QMIN messages) and
 * then ends the stream; throughput is the messages the receiver checked /
 * (the sender's first message to the receiver's last check).
 */
#define QDEPTH	8	/* the swing queues' depth, and the mq's maxmsg */
#define QMIN	4
#define QPOOL	4	/* the transport rule's buffers moved to and fro */

enum qmech { Q_SEND, Q_MOVE, Q_PIPE, Q_SOCKET, Q_MEMFD, Q_MQ, Q_NMECH };
static const char *const qmech_name[] = {
	"swing-queue", "swing-queue-move", "pipe", "unix-socket",
	"memfd-sealed", "posix-mq",
};

enum qrule { R_PRODUCE, R_TRANSPORT, R_NRULE };
static const char *const qrule_name[] = { "produce", "transport" };

struct qrun {
	enum qmech mech;
	enum qrule rule;
	size_t len;
	double seconds;
	int ctl[2];
	int res;
};

/* Sum of the first words of a message of len bytes written with seed. */
static long msg_sum(size_t len, long seed)
{
	long n = len / PAGE;

	return n * seed + n * (n - 1) / 2;
}

/*
 * Message k was written with seed 3k + 1 (produce), or is the one message
 * of seed 1 or one of the pool's, of seeds 1 to QPOOL (transport).
 */
static void check_msg(const struct qrun *q, const void *p, long k)
{
	long seed = 3 * k + 1;

	if (q->rule == R_TRANSPORT) {
		seed = *(const volatile long *)p;
		if (seed < 1 || seed > (q->mech == Q_MOVE ? QPOOL : 1))
			errno = 0, die("%s: message %ld has seed %ld",
				       qmech_name[q->mech], k, seed);
	}
	if (read_pages(p, q->len, 1) != msg_sum(q->len, seed))
		errno = 0, die("%s %s: message %ld has the wrong contents",
			       qrule_name[q->rule], qmech_name[q->mech], k);
}

static int queue_is_stream(const struct qrun *q)
{
	return q->mech == Q_PIPE || q->mech == Q_SOCKET || q->mech == Q_MQ;
}

static void queue_receiver(void *arg)
{
	struct qrun *q = arg;
	int ctl = q->ctl[1], fd = -1, token;
	unsigned long len;
	struct msg m;
	char *buf = NULL;
	void *p;
	long k;

	swing_version(&(struct swing_version){ 0 });
	recv_msg(ctl, &m);	/* a = the queue's token, b = the return queue's */
	if (queue_is_stream(q)) {
		fd = recv_fd(ctl);
		buf = map_anon(q->len);	/* a receiver that already runs */
		write_pages(buf, q->len, 0, 1);
	}
	send_msg(ctl, &m);	/* ready */
	for (k = 0;; k++) {
		switch (q->mech) {
		case Q_SEND:
		case Q_MOVE:
			if (swing_recv((int)m.a, &p, &token, &len, 0))
				die("swing_recv");
			if (len != q->len) {	/* the end */
				releasearea(token);
				goto end;
			}
			check_msg(q, p, k);
			if (m.b) {	/* the pool's buffer goes back */
				if (swing_send((int)m.b, token, SWING_SEND_MOVE))
					die("swing_send back");
			} else {
				releasearea(token);
			}
			break;
		case Q_PIPE:
		case Q_SOCKET:
			if (!read_msg(fd, buf, q->len))
				goto end;
			check_msg(q, buf, k);
			break;
		case Q_MEMFD:
			fd = recv_fd_or_end(ctl);
			if (fd < 0)
				goto end;
			p = mmap(NULL, q->len, PROT_READ, MAP_SHARED, fd, 0);
			if (p == MAP_FAILED)
				die("mmap received memfd");
			check_msg(q, p, k);
			munmap(p, q->len);
			close(fd);
			break;
		default:
			if (mq_receive(fd, buf, q->len, NULL) != (ssize_t)q->len)
				goto end;	/* the 1-byte end */
			check_msg(q, buf, k);
		}
	}
end:
	m.a = k;
	m.t1 = now();
	send_msg(ctl, &m);
}

/*
 * Whether this guest lets a POSIX message queue hold QDEPTH messages of len
 * bytes (fs.mqueue.msgsize_max is 8 KiB by default; bench/run raises it).
 */
static int mq_fits(size_t len)
{
	struct mq_attr attr = { .mq_maxmsg = QDEPTH, .mq_msgsize = len };
	char name[64];
	mqd_t mq;

	snprintf(name, sizeof(name), "/swingbench-%d", getpid());
	mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
	if (mq < 0)
		return 0;
	mq_close(mq);
	mq_unlink(name);
	return 1;
}

/* The stream's descriptor for the receiver: pipe, socket or mq. */
static int queue_channel(struct qrun *q, int *out)
{
	int fds[2], sz = 4 << 20;
	struct mq_attr attr = { .mq_maxmsg = QDEPTH, .mq_msgsize = q->len };
	char name[64];

	switch (q->mech) {
	case Q_PIPE:
		if (pipe(fds))
			die("pipe");
		fcntl(fds[1], F_SETPIPE_SZ, (int)CHUNK);
		*out = fds[1];
		return fds[0];
	case Q_SOCKET:
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds))
			die("socketpair");
		setsockopt(fds[0], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
		setsockopt(fds[1], SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
		*out = fds[0];
		return fds[1];
	default:	/* an mq descriptor is a file descriptor on Linux */
		snprintf(name, sizeof(name), "/swingbench-%d", getpid());
		*out = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600,
			       &attr);
		if (*out < 0)
			die("mq_open %zu-byte messages (fs.mqueue.msgsize_max?)",
			    q->len);
		mq_unlink(name);
		return *out;
	}
}

/*
 * The transport rule's SWING_SEND_MOVE message k: one of the QPOOL areas
 * written before the loop while they last, then a buffer the receiver has
 * sent back (the sender's first receive of it maps it, untouched).
 */
static int queue_pool_next(int retq, const int *pool, long k, size_t len)
{
	unsigned long got;
	void *p;
	int token;

	if (k < QPOOL)
		return pool[k];
	if (swing_recv(retq, &p, &token, &got, 0) || got != len)
		die("swing_recv of a returned buffer");
	return token;
}

static void queue_sender(void *arg)
{
	struct qrun *q = arg;
	int produce = q->rule == R_PRODUCE, ctl = q->ctl[0];
	int qt = 0, retq = 0, token = 0, out = -1, fd = -1, pool[QPOOL];
	struct msg m = { 0 }, r;
	void *state = NULL;
	double t0;
	long k = 0;

	if (q->mech == Q_SEND || q->mech == Q_MOVE) {
		if (swing_queue_create(&qt, QDEPTH))
			die("swing_queue_create");
		m.a = qt;
	}
	if (q->mech == Q_MOVE && !produce) {
		/* the return queue holds the whole pool: the receiver never waits */
		if (swing_queue_create(&retq, QDEPTH))
			die("swing_queue_create");
		m.b = retq;
		for (int i = 0; i < QPOOL; i++) {
			if (createarea(&state, &pool[i], q->len))
				die("createarea");
			write_pages(state, q->len, i + 1, 1);
		}
	}
	if (q->mech == Q_SEND && createarea(&state, &token, q->len))
		die("createarea");
	if (queue_is_stream(q))
		state = map_anon(q->len);
	if (state && q->mech != Q_MOVE)	/* its memory, in place */
		write_pages(state, q->len, produce ? 0 : 1, 1);
	if (q->mech == Q_MEMFD && !produce)
		fd = memfd_sealed(NULL, q->len, 1);
	send_msg(ctl, &m);
	if (queue_is_stream(q)) {
		/* only the sender holds the sending end: the end is EOF */
		int rfd = queue_channel(q, &out);

		send_fd(ctl, rfd);
		if (rfd != out)
			close(rfd);
	}
	recv_msg(ctl, &r);	/* the receiver is ready */

	t0 = now();
	do {
		long seed = 3 * k + 1;

		switch (q->mech) {
		case Q_SEND:
			if (produce)
				write_pages(state, q->len, seed, 1);
			if (swing_send(qt, token, 0))
				die("swing_send");
			break;
		case Q_MOVE:
			if (!produce) {
				token = queue_pool_next(retq, pool, k, q->len);
			} else {
				if (createarea(&state, &token, q->len))
					die("createarea");
				write_pages(state, q->len, seed, 1);
			}
			if (swing_send(qt, token, SWING_SEND_MOVE))
				die("swing_send move");
			break;
		case Q_PIPE:
		case Q_SOCKET:
			if (produce)
				write_pages(state, q->len, seed, 1);
			write_all(out, state, q->len);
			break;
		case Q_MEMFD:
			/* produce: a new memfd each time; transport: the one */
			if (produce)
				fd = memfd_sealed(NULL, q->len, seed);
			send_fd(ctl, fd);
			if (produce)
				close(fd);
			break;
		default:
			if (produce)
				write_pages(state, q->len, seed, 1);
			if (mq_send(out, state, q->len, 0))
				die("mq_send");
		}
		k++;
	} while (k < QMIN || now() - t0 < q->seconds);

	/* the end of the stream */
	switch (q->mech) {
	case Q_SEND:
	case Q_MOVE:
		if (createarea(&state, &token, q->len == PAGE ? 2 * PAGE : PAGE) ||
		    swing_send(qt, token, SWING_SEND_MOVE))
			die("the last message");
		break;
	case Q_PIPE:
		close(out);
		break;
	case Q_SOCKET:
	case Q_MEMFD:
		shutdown(q->mech == Q_SOCKET ? out : ctl, SHUT_WR);
		break;
	default:
		if (mq_send(out, "", 1, 0))
			die("mq_send");
	}
	recv_msg(ctl, &r);	/* a = messages checked, t1 = when */
	if (r.a != k)
		errno = 0, die("%s %s: %ld messages sent, %ld received",
			       qrule_name[q->rule], qmech_name[q->mech], k, r.a);
	r.t1 -= t0;
	if (write(q->res, &r, sizeof(r)) != sizeof(r))
		die("result");
}

/*
 * Rounds (REPS) of every rule, size and mechanism in turn, so that a
 * slower stretch of the emulating host weighs on all of them alike; the
 * median round's rate is kept.  SWING_BENCH_QUEUE_RULES=transport (or
 * produce) runs one rule only.
 */
static void bench_queue(void)
{
	FILE *f = csv_open("queue.csv",
			   "rule,mechanism,size_kib,msgs_per_s,mib_per_s,messages,reps");
	static const size_t qsizes[] = { 4 << 10, 64 << 10, 1 << 20, 64 << 20 };
	enum { NQ = sizeof(qsizes) / sizeof(qsizes[0]) };
	double secs = env_count("SWING_BENCH_QUEUE_MS", 1000, 60000) / 1e3;
	const char *rules = getenv("SWING_BENCH_QUEUE_RULES");
	static double rate[R_NRULE][NQ][Q_NMECH][MAXREPS];
	long count[R_NRULE][NQ][Q_NMECH] = { { { 0 } } };
	int fits[NQ];

	for (size_t s = 0; s < NQ; s++) {
		/* an mq message is copied whole into kernel memory: small only */
		fits[s] = qsizes[s] <= 64 << 10 && mq_fits(qsizes[s]);
		if (!fits[s] && qsizes[s] <= 64 << 10)
			fprintf(stderr, "queue   posix-mq %zu KiB: not allowed here (fs.mqueue.msgsize_max)\n",
				qsizes[s] >> 10);
	}
	for (int i = 0; i < reps; i++) {
		for (int u = 0; u < R_NRULE; u++) {
			if (rules && *rules && !in_list(rules, qrule_name[u]))
				continue;
			for (size_t s = 0; s < NQ; s++) {
				for (int m = 0; m < Q_NMECH; m++) {
					struct qrun q = { .mech = m, .rule = u, .len = qsizes[s],
							  .seconds = secs };
					struct msg r;

					if ((m == Q_MQ && !fits[s]) || q.len < PAGE ||
					    !wanted(qmech_name[m]))
						continue;
					r = run_pair(queue_sender, queue_receiver, &q, q.ctl,
						     &q.res, qmech_name[m]);
					rate[u][s][m][i] = r.a / r.t1;
					count[u][s][m] += r.a;
					fprintf(stderr, "queue   %-9s %-16s %6zu KiB: %10.1f msgs/s, %9.1f MiB/s (%ld in %.2f s)\n",
						qrule_name[u], qmech_name[m], q.len >> 10,
						r.a / r.t1, r.a / r.t1 * q.len / MIB, r.a, r.t1);
				}
			}
		}
	}
	for (int u = 0; u < R_NRULE; u++)
		for (size_t s = 0; s < NQ; s++)
			for (int m = 0; m < Q_NMECH; m++) {
				double med;

				if (!count[u][s][m])
					continue;
				med = median(rate[u][s][m], reps);
				fprintf(f, "%s,%s,%zu,%.1f,%.1f,%ld,%d\n", qrule_name[u],
					qmech_name[m], qsizes[s] >> 10, med,
					med * qsizes[s] / MIB, count[u][s][m], reps);
			}
	fclose(f);
}

/* ---- 7. publish: its cost against the area's size and what changed ---- */

/*
 * An area of every size is written whole and published once; then each
 * publish follows writes to w pages spread over the area (w = 0: nothing
 * written since the last publish, the O(1) case).  Median time of the call.
 * Spread writes, the worst case: every written page is a run of PTEs to
 * remove on its own and, while they are fewer than the area's leaves, in a
 * leaf of swing's tree of its own.
 */
static void bench_publish(void)
{
	FILE *f = csv_open("publish.csv",
			   "size_mib,written_pages,publish_us,reps");
	static const size_t psizes[] = { 1, 64, 1024 };
	static const long written[] = { 0, 1, 16, 256, 4096, 65536 };

	for (size_t s = 0; s < sizeof(psizes) / sizeof(psizes[0]); s++) {
		size_t len = psizes[s] * MIB, npages = len / PAGE;
		uint64_t v, pv = 0;
		double t[101], t0;
		long *p, seed = 1;
		int token, hooked;

		if (createarea((void **)&p, &token, len))
			die("createarea");
		write_pages(p, len, seed, 1);
		if (swing_publish(token, &pv))
			die("publish");
		for (size_t wi = 0; wi < sizeof(written) / sizeof(written[0]); wi++) {
			long w = written[wi];
			/* the O(1) case is short: more calls for its median */
			int n = !w ? 101 : w > 256 ? 5 : 31;

			if ((size_t)w > npages)
				continue;
			for (int i = 0; i < n; i++) {
				seed += !!w;
				for (long j = 0; j < w; j++)
					((volatile long *)p)[j * (npages / w) * PAGE / sizeof(long)] = seed;
				t0 = now();
				if (swing_publish(token, &v) || v != ++pv)
					die("publish");
				t[i] = (now() - t0) * 1e6;
			}
			fprintf(f, "%zu,%ld,%.1f,%d\n", psizes[s], w, median(t, n), n);
			fflush(f);
			fprintf(stderr, "publish %5zu MiB after writing %5ld pages: %9.1f us\n",
				psizes[s], w, median(t, n));
		}
		/* the last version is what was written last */
		if (swing_hook_version((void **)&p, &hooked, token, 0, &v) ||
		    v != pv || p[0] != seed)
			errno = 0, die("publish: version %lu holds %ld, not %ld",
				       (unsigned long)v, p[0], seed);
		releasearea(hooked);
		releasearea(token);
	}
	fclose(f);
}

/* In the order of a full run. */
static const struct {
	const char *name;
	void (*run)(void);
} experiments[] = {
	{ "handoff", bench_handoff },
	{ "stream", bench_stream },
	{ "cow", bench_cow },
	{ "read", bench_fullread },
	{ "scale", bench_scale },
	{ "wakeup", bench_wakeup },
	{ "queue", bench_queue },
	{ "publish", bench_publish },
};

int main(int argc, char **argv)
{
	const char *sizelist = "1,4,16,64,256,1024";
	int opt, all;

	page_size = sysconf(_SC_PAGESIZE);
	while ((opt = getopt(argc, argv, "m:o:s:r:h")) != -1) {
		switch (opt) {
		case 'm':
			only = optarg;
			break;
		case 'o':
			outdir = optarg;
			break;
		case 's':
			sizelist = optarg;
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: swingbench [-o DIR] [-s MiB,...] [-r REPS] [-m MECH,...] [handoff|stream|cow|read|scale|wakeup|queue|publish...]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (reps < 1 || reps > MAXREPS)
		errno = 0, die("-r: 1 to %d", MAXREPS);
	for (char *s = strdup(sizelist), *tok; (tok = strsep(&s, ","));)
		if (*tok && nsizes < 16)
			sizes[nsizes++] = strtoul(tok, NULL, 10) * MIB;
	setvbuf(stderr, NULL, _IOLBF, 0);

	all = optind == argc;
	for (int i = optind; i < argc || all; i++) {
		int ran = 0;

		for (size_t x = 0; x < sizeof(experiments) / sizeof(experiments[0]); x++)
			if (all || !strcmp(argv[i], experiments[x].name)) {
				experiments[x].run();
				ran = 1;
			}
		if (!ran)
			errno = 0, die("no experiment %s", argv[i]);
		if (all)
			break;
	}
	return 0;
}
