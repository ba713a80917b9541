// SPDX-License-Identifier: GPL-2.0-only
/*
 * swingbench: swing against the other ways of handing a snapshot of memory
 * to another process, side by side in one run.  See docs/benchmarks.md.
 *
 *   swingbench [-o DIR] [-s MiB,MiB,...] [-r REPS] [-m MECH,...] [EXPERIMENT...]
 *
 * Experiments: handoff, stream, cow, read, scale (default: all); -m keeps
 * only the named mechanisms of handoff and stream.  Each writes a
 * CSV into DIR (default: .) with the median over REPS repetitions.
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

static int recv_fd(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	int fd;

	if (recvmsg(sock, &mh, 0) != 1)
		die("recvmsg");
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
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

static void read_all(int fd, char *p, size_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len < CHUNK ? len : CHUNK);

		if (n <= 0)
			die("read");
		p += n;
		len -= n;
	}
}

static int memfd_sealed_copy(const void *src, size_t len)
{
	int fd = memfd_create("snapshot", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	void *p;

	if (fd < 0 || ftruncate(fd, len))
		die("memfd");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap memfd");
	memcpy(p, src, len);
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
		fd = memfd_sealed_copy(state, len);
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

static int wanted(const char *name)
{
	size_t n = strlen(name);

	for (const char *p = only; p && *p; p += strcspn(p, ",") + !!p[strcspn(p, ",")])
		if (strcspn(p, ",") == n && !strncmp(p, name, n))
			return 1;
	return !only;
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
			fd = memfd_sealed_copy(state, s->len);
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
			fprintf(stderr, "usage: swingbench [-o DIR] [-s MiB,...] [-r REPS] [-m MECH,...] [handoff|stream|cow|read|scale...]\n");
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
		const char *e = all ? NULL : argv[i];

		if (!e || !strcmp(e, "handoff"))
			bench_handoff();
		if (!e || !strcmp(e, "stream"))
			bench_stream();
		if (!e || !strcmp(e, "cow"))
			bench_cow();
		if (!e || !strcmp(e, "read"))
			bench_fullread();
		if (!e || !strcmp(e, "scale"))
			bench_scale();
		if (all)
			break;
	}
	return 0;
}
