// SPDX-License-Identifier: GPL-2.0-only
/*
 * swingfuzz: many processes and threads throw random calls at /dev/swing
 * and at the areas it maps, for a bounded time: ioctls with random commands
 * and arguments, create/hook/enable/disable/release/setperm/grant on random
 * tokens, and on the mappings munmap, mremap, mprotect, madvise, fork,
 * exit, touching, read/write through pipes and files, process_vm_readv and
 * writev, O_DIRECT I/O to a block device, and vmsplice, tee and splice;
 * and the calls of 1.3.0: publish, hook of what was published, wait with
 * small timeouts, watch descriptors (poll, read, close), queues (create,
 * send plain, moved and non-blocking, receive, release), with blocking
 * calls cut short by a signal and bad input (reserved fields, flags, the
 * wrong kind of token) that must fail with EINVAL or EOPNOTSUPP.
 *
 * Every two seconds or so a worker is SIGKILLed wherever it is.
 * It checks what a user program can see: no worker dies of anything but its
 * own exit or our SIGKILL (SIGSEGV and SIGBUS from touching what a random
 * call unmapped or protected are caught and counted), and when every worker
 * is gone the module holds exactly the areas and pages it held before; and
 * a pipe a worker vmspliced pages of a snapshot into holds that snapshot's
 * content, or the worker's own later writes to it, never anyone else's
 * (kept_pipe, below); every new call fails, if it does, with one of the
 * errors swing(7) documents for it; a process's private published area
 * and private queue (track, below) behave exactly as specified.  The
 * kernel side (no BUG, WARNING, KASAN, lockdep report; clean rmmod) is
 * checked by whoever runs it in a guest: tests/run-suite, tools/vmrun.
 *
 * Areas are never shared by fork: workers hand each other tokens (and,
 * for process_vm_readv, addresses) on a board of numbers in shared memory.
 * Some workers run in IPC namespaces of their own, half of them as nobody.
 *
 * usage: swingfuzz [-t SECONDS] [-p PROCESSES] [-T THREADS] [-s SEED]
 *                  [-d BLOCKDEV]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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
#define MAX_AREA	(4UL << 20)	/* bytes */
#define SLOTS		256
#define MAX_ENTRIES	24
#define NOBODY		65534
#define MAX_GROUPS	65536	/* workers (process groups) remembered */
#define MAX_PIPES	8	/* pipes a worker keeps */
#define SPLICE_PAGES	4	/* pages vmspliced into one */
#define MAX_OWN		8	/* our writes to a snapshot after its vmsplice */
#define SPLICE_AGE_MS	500	/* a kept pipe is checked once this old */
#define SHOW_LEAKS	10	/* leaks described, of all workers */
#define LABEL_MAGIC	0x5377ULL	/* the top 16 bits of a label */
#define MAX_QUEUES	4	/* queues a worker keeps */
#define MAX_WATCHES	4	/* watch descriptors a worker keeps open */
#define TRACK_PAGES	4	/* of the private published area */
#define SHOW_WRONG	20	/* broken contracts described, of all workers */

enum op {
	OP_IOCTL, OP_CREATE, OP_HOOK, OP_ENABLE, OP_DISABLE, OP_RELEASE,
	OP_PERM, OP_GRANT, OP_TOUCH, OP_MUNMAP, OP_MREMAP, OP_MPROTECT,
	OP_MADVISE, OP_FORK, OP_EXIT, OP_PIPE, OP_FILE, OP_VMREAD, OP_VMWRITE,
	OP_DIRECT, OP_PROC, OP_SPLICE, OP_PUBLISH, OP_WAIT, OP_WATCH,
	OP_QCREATE, OP_SEND, OP_RECV, OP_TRACK, OP_BADNEW, NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"ioctl", "create", "hook", "enable", "disable", "release", "perm",
	"grant", "touch", "munmap", "mremap", "mprotect", "madvise", "fork",
	"exit", "pipe", "file", "vmread", "vmwrite", "o_direct", "proc",
	"splice", "publish", "wait", "watch", "qcreate", "send", "recv",
	"track", "badnew",
};

/* Relative frequencies; exit is rare so that workers live a while. */
static const int op_weight[NR_OPS] = {
	[OP_IOCTL] = 12, [OP_CREATE] = 6, [OP_HOOK] = 8, [OP_ENABLE] = 6,
	[OP_DISABLE] = 3, [OP_RELEASE] = 4, [OP_PERM] = 3, [OP_GRANT] = 2,
	[OP_TOUCH] = 20, [OP_MUNMAP] = 2, [OP_MREMAP] = 2, [OP_MPROTECT] = 3,
	[OP_MADVISE] = 4, [OP_FORK] = 1, [OP_EXIT] = 0, [OP_PIPE] = 4,
	[OP_FILE] = 3, [OP_VMREAD] = 3, [OP_VMWRITE] = 2, [OP_DIRECT] = 3,
	[OP_PROC] = 1, [OP_SPLICE] = 4, [OP_PUBLISH] = 4, [OP_WAIT] = 3,
	[OP_WATCH] = 3, [OP_QCREATE] = 2, [OP_SEND] = 4, [OP_RECV] = 4,
	[OP_TRACK] = 8, [OP_BADNEW] = 2,
};

/* Shared by all workers: counters and the token board. */
struct board {
	long calls[NR_OPS];
	long signals;
	long pipes_checked;	/* kept pipes (and tee twins) compared */
	long pipes_unchecked;	/* kept pipes of pages we cannot reason about */
	long pipes_leaked;	/* compared and found holding others' data */
	long wrong;		/* new calls that broke their contract */
	long tracked;		/* track checks made */
	struct {
		int token;
		int pid;
		unsigned long addr;
		unsigned long len;
	} slot[SLOTS];
};

static struct board *board;
static const char *blockdev;
static int nthreads = 3;
static time_t deadline;

/* A worker's own mappings of areas: exact, kept under map_lock. */
struct entry {
	int token;
	char *addr;
	unsigned long len;
};

static pthread_rwlock_t map_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct entry entries[MAX_ENTRIES];
static int nentries;
static int queues[MAX_QUEUES];	/* our queues' tokens, under map_lock too */
static int nqueues;
static unsigned int max_depth = 1024;	/* the max_queue_depth parameter */
static int filefd = -1, directfd = -1;
static int mypid;

/*
 * A pipe a worker keeps, holding pages it vmspliced (and maybe a tee()d
 * twin holding the first tee_len bytes of them).  A tracked pipe's pages
 * come from a snapshot hooked for it alone and never put in entries[], so
 * no other call of ours can unmap, move or write it: its whole history is
 * known.  The pipe must then hold what the snapshot held at the vmsplice,
 * but for the words we wrote into the snapshot afterwards (while a page
 * is private to the snapshot, such a write may land in the pipe's page);
 * a word of anyone else's is a leak.  Pages vmspliced from entries[] may
 * be unmapped, moved or written by any thread: such a pipe is drained
 * unchecked.  The slots are in shared memory: a child fills one and exits
 * holding the snapshot, to end a snapshot by exit.
 */
enum { PIPE_FREE, PIPE_BUSY, PIPE_KEPT };

/* How a tracked pipe's snapshot ended, or will. */
enum { END_RELEASE, END_UNMAP, END_CHECK, END_EXIT };

static const char *const end_names[] = {
	"released at once", "unmapped at once, released at the check",
	"released at the check", "ended by its hooker's exit",
};

struct kept_pipe {
	int state;		/* under pipe_lock; BUSY: one thread's */
	int tracked;
	int fd[2], tee[2];	/* tee[0] < 0: no twin */
	int src, src_pid;	/* the token hooked, whose the board says */
	int snap;		/* the snapshot, if kept until the check */
	int end;
	unsigned long off;	/* of the pages in the snapshot */
	unsigned long len, tee_len;
	long when;		/* ms, at the vmsplice */
	int nown;
	struct {
		unsigned long word;
		uint64_t val;
	} own[MAX_OWN];
	uint64_t *want;	/* SPLICE_PAGES * WORDS, at the vmsplice: shared too */
};

static pthread_mutex_t pipe_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kept_pipe *pipes;		/* MAX_PIPES */

static __thread uint64_t rng;
/* volatile: the compiler must not drop the store before a plain read. */
static __thread sigjmp_buf *volatile guard;
static __thread int current_op = -1;
static __thread uint32_t nlabels;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned long below(unsigned long n)
{
	return n ? rnd() % n : 0;
}

/*
 * What workers write into their areas: LABEL_MAGIC, the pid, a count, so
 * that a word found where it must not be names its writer.
 */
static uint64_t label(void)
{
	return LABEL_MAGIC << 48 | (uint64_t)mypid << 24 | (nlabels++ & 0xffffff);
}

/* The pid a word is labelled with, or 0. */
static int label_pid(uint64_t w)
{
	return w >> 48 == LABEL_MAGIC ? (int)(w >> 24 & 0xffffff) : 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void count(enum op op)
{
	__atomic_add_fetch(&board->calls[op], 1, __ATOMIC_RELAXED);
}

/*
 * SIGSEGV/SIGBUS inside a guarded access: expected, go back to it.
 * Anywhere else: say where (no stdio in a handler), then die of it.
 */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	char msg[128];
	int n;

	if (guard) {
		__atomic_add_fetch(&board->signals, 1, __ATOMIC_RELAXED);
		siglongjmp(*guard, 1);
	}
	n = snprintf(msg, sizeof(msg), "swingfuzz: signal %d at %p in %s\n",
		     sig, si->si_addr,
		     current_op >= 0 ? op_names[current_op] : "setup");
	if (write(2, msg, n) < 0)
		n = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Run one memory access that may fault. */
#define GUARDED(stmt)						\
	do {							\
		sigjmp_buf jb_;					\
		if (!sigsetjmp(jb_, 1)) {			\
			guard = &jb_;				\
			__asm__ volatile("" ::: "memory");	\
			stmt;					\
			__asm__ volatile("" ::: "memory");	\
		}						\
		guard = NULL;					\
	} while (0)

static void publish(int token, char *addr, unsigned long len)
{
	int i = below(SLOTS);

	board->slot[i].token = token;
	board->slot[i].pid = getpid();
	board->slot[i].addr = (unsigned long)addr;
	board->slot[i].len = len;
}

/* The private objects of track, below. */
static pthread_mutex_t track_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int area, afd;
	uint64_t *addr;
	uint64_t version;	/* the latest published */
	uint64_t read;		/* the last version afd read */
	int q, qfd;
	unsigned int depth, sent, rcvd;
	unsigned char pages[8];	/* of the messages in the queue */
} trk = { .afd = -1, .qfd = -1 };

static int pick_any_token(void);

/*
 * A token to act on: one of ours, one from the board, or any number; but
 * never this process's private area or queue (track, below), which a
 * worker in an IPC namespace of its own would otherwise hit through board
 * tokens of the first namespace, whose numbers it reuses.
 */
static int pick_token(void)
{
	int t = pick_any_token();

	if (t == __atomic_load_n(&trk.area, __ATOMIC_RELAXED) ||
	    t == __atomic_load_n(&trk.q, __ATOMIC_RELAXED))
		return -1;
	return t;
}

static int pick_any_token(void)
{
	unsigned long r = below(10);

	if (r < 5) {
		int t = 0;

		pthread_rwlock_rdlock(&map_lock);
		if (nentries)
			t = entries[below(nentries)].token;
		pthread_rwlock_unlock(&map_lock);
		if (t)
			return t;
	}
	if (r == 5) {
		int t = 0;

		pthread_rwlock_rdlock(&map_lock);
		if (nqueues)
			t = queues[below(nqueues)];
		pthread_rwlock_unlock(&map_lock);
		if (t)
			return t;
	}
	if (r < 9)
		return board->slot[below(SLOTS)].token;
	return (int)rnd();
}

/* A queue to act on: one of ours, else any token pick_token() gives. */
static int pick_queue(void)
{
	int t = 0;

	if (below(4)) {
		pthread_rwlock_rdlock(&map_lock);
		if (nqueues)
			t = queues[below(nqueues)];
		pthread_rwlock_unlock(&map_lock);
	}
	return t ? t : pick_token();
}

/* Copy of a random entry, or 0 if there is none; read under the lock. */
static int pick_entry(struct entry *e)
{
	int ok = 0;

	pthread_rwlock_rdlock(&map_lock);
	if (nentries) {
		*e = entries[below(nentries)];
		ok = 1;
	}
	pthread_rwlock_unlock(&map_lock);
	return ok;
}

/* Page-aligned [off, off + len) inside an entry of len bytes. */
static void pick_range(unsigned long total, unsigned long *off,
		       unsigned long *len)
{
	unsigned long pages = total / PAGE;

	*off = below(pages) * PAGE;
	*len = (1 + below(pages - *off / PAGE)) * PAGE;
}

static void add_entry(int token, void *addr, unsigned long len)
{
	if (nentries < MAX_ENTRIES)
		entries[nentries++] = (struct entry){ token, addr, len };
	publish(token, addr, len);
}

static void del_entry(int i)
{
	entries[i] = entries[--nentries];
}

/* Our release unmaps every mapping of the area in this process. */
static void forget_token(int token)
{
	int i;

	for (i = nentries - 1; i >= 0; i--)
		if (entries[i].token == token)
			del_entry(i);
	for (i = nqueues - 1; i >= 0; i--)
		if (queues[i] == token)
			queues[i] = queues[--nqueues];
}

/*
 * A new call broke its contract: count it (a failure of the run) and say
 * what happened, for the first SHOW_WRONG of all workers.
 */
static void __attribute__((format(printf, 1, 2))) wrong(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (__atomic_fetch_add(&board->wrong, 1, __ATOMIC_RELAXED) >= SHOW_WRONG)
		return;
	n = snprintf(msg, sizeof(msg), "swingfuzz: pid %d: ", mypid);
	va_start(ap, fmt);
	n += vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(msg) - 2)
		n = sizeof(msg) - 2;
	msg[n++] = '\n';
	if (write(2, msg, n) < 0)
		n = 0;
}

/* Is err one of the zero-terminated list? */
static int errno_in(int err, const int *ok)
{
	for (; *ok; ok++)
		if (err == *ok)
			return 1;
	return 0;
}

/* A call returned -1 with err: wrong unless err is in the list. */
static void expect_errno(const char *call, int err, const int *ok)
{
	if (!errno_in(err, ok))
		wrong("%s: unexpected errno %d (%s)", call, err, strerror(err));
}

/*
 * Each thread's timer, SIGUSR1 to that thread alone: arm() before a call
 * that may block for good (a wait without limit, a send to a full queue,
 * a receive from an empty one), disarm() after it.  The handler does
 * nothing: the call returns EINTR (never restarted, swing(7)).  A call
 * that could block is not made when arm() fails (returns 0).  Once
 * disarm() returns no signal is left to hit a later call: one generated
 * before is delivered on the way out of timer_settime.
 */
#ifndef sigev_notify_thread_id	/* glibc before 2.35 */
#define sigev_notify_thread_id _sigev_un._tid
#endif

static __thread timer_t thread_timer;
static __thread int have_timer, armed;

static void on_timer(int sig)
{
}

static int arm(long ms)
{
	/*
	 * Periodic: a signal that lands before the thread has entered the
	 * call (a preempted thread under TCG) would otherwise leave the call
	 * blocking for ever; the next one interrupts it.
	 */
	struct itimerspec its = {
		.it_value = { ms / 1000, ms % 1000 * 1000000 },
		.it_interval = { ms / 1000, ms % 1000 * 1000000 },
	};

	if (!have_timer) {
		struct sigevent sev = {
			.sigev_notify = SIGEV_THREAD_ID,
			.sigev_signo = SIGUSR1,
		};

		sev.sigev_notify_thread_id = gettid();
		if (timer_create(CLOCK_MONOTONIC, &sev, &thread_timer))
			return 0;
		have_timer = 1;
	}
	armed = !timer_settime(thread_timer, 0, &its, NULL);
	return armed;
}

static void disarm(void)
{
	struct itimerspec its = { 0 };

	if (armed)
		timer_settime(thread_timer, 0, &its, NULL);
	armed = 0;
}

static unsigned long mapping_len(void *addr)
{
	char buf[16384];
	unsigned long s, e, len = 0;
	size_t have = 0;
	ssize_t n;
	char *p, *nl;
	int fd;

	/*
	 * No stdio: nothing here may malloc, which could map anew.  The
	 * file may be longer than the buffer (many threads, many areas):
	 * read it all, a buffer of whole lines at a time.
	 */
	fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return 0;
	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += n;
		buf[have] = 0;
		for (p = buf; (nl = strchr(p, '\n')); p = nl + 1)
			if (sscanf(p, "%lx-%lx", &s, &e) == 2 &&
			    s == (unsigned long)addr)
				len = e - s;
		have -= p - buf;
		memmove(buf, p, have);
		if (have == sizeof(buf) - 1)
			have = 0;	/* no line is this long */
	}
	close(fd);
	return len;
}

static void fill_random(void *buf, size_t len)
{
	uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = rnd();
}

/*
 * The first address past user space: x86-64's TASK_SIZE_MAX, one page
 * below 128 TiB (0x7ffffffff000 with 4 KiB pages).  Elsewhere 128 TiB:
 * arm64's TASK_SIZE with 47-bit addresses; with 48 or 52 (Debian's 16k
 * kernel), below where mmap places anything, so never mapped either.
 */
#ifdef __x86_64__
#define USER_END	((1UL << 47) - PAGE)
#else
#define USER_END	(1UL << 47)
#endif

/*
 * A pointer for an ioctl argument: mostly good, sometimes not: low
 * addresses, a kernel one, the end of user space, the last page of all.
 */
static void *pick_arg(void *good)
{
	char *const bad[] = {
		NULL, (char *)1, (char *)0xffff888000000000UL,
		(char *)USER_END, (char *)-PAGE,
	};

	if (below(8))
		return good;
	return bad[below(sizeof(bad) / sizeof(bad[0]))];
}

static void op_ioctl(void)
{
	static const unsigned long cmds[] = {
		SWING_IOC_VERSION, SWING_IOC_CREATE, SWING_IOC_HOOK,
		SWING_IOC_ENABLE, SWING_IOC_DISABLE, SWING_IOC_RELEASE,
		SWING_IOC_GETPERM, SWING_IOC_SETPERM, SWING_IOC_GRANT,
		SWING_IOC_PUBLISH, SWING_IOC_WAIT, SWING_IOC_WATCH,
		SWING_IOC_QUEUE_CREATE, SWING_IOC_SEND, SWING_IOC_RECV,
	};
	union {
		uint64_t w[16];
		struct swing_create c;
		struct swing_hook h;
		struct swing_token_op t;
		struct swing_perm p;
		struct swing_grant g;
		struct swing_wait wt;
		struct swing_watch wa;
		struct swing_queue_create qc;
		struct swing_send sd;
		struct swing_recv rv;
	} u;
	unsigned long cmd;
	void *arg;
	int fd, i, blocks, locks;

	fd = open(SWING_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < 4; i++) {
		if (below(6)) {
			cmd = cmds[below(sizeof(cmds) / sizeof(cmds[0]))];
		} else {
			cmd = _IOC(below(4), below(3) ? 0xb5 : rnd() & 0xff,
				   below(16), below(128));
		}
		fill_random(&u, sizeof(u));
		if (below(3)) {	/* plausible: a real token, little else */
			memset(&u, 0, sizeof(u));
			u.t.token = pick_token();
			if (cmd == SWING_IOC_CREATE)
				u.c.length = below(2) ? below(MAX_AREA) : rnd();
			if (cmd == SWING_IOC_GRANT)
				u.g.pid = below(2) ? getpid() : (int)rnd();
			if (cmd == SWING_IOC_SETPERM)
				u.p.mode = rnd() & 0777;
			if (cmd == SWING_IOC_QUEUE_CREATE)
				u.qc.depth = below(2) ? 1 + below(16) : rnd();
			if (cmd == SWING_IOC_SEND) {
				u.sd.qtoken = pick_queue();
				u.sd.token = pick_token();
				u.sd.flags = below(4);
			}
			if (cmd == SWING_IOC_RECV) {
				u.rv.qtoken = pick_queue();
				u.rv.flags = below(2);
			}
			if (!below(4))
				u.w[below(8)] = rnd();
		}
		/* any timeout, but a short one: the deadline holds */
		if (cmd == SWING_IOC_WAIT && u.wt.timeout_ms > 20)
			u.wt.timeout_ms %= 21;
		blocks = cmd == SWING_IOC_WAIT || cmd == SWING_IOC_SEND ||
			 cmd == SWING_IOC_RECV;
		arg = pick_arg(&u);
		/*
		 * An area made through this descriptor goes when it closes.
		 * A release of one of ours unmaps it here, and so does a
		 * moving send: forget it, or a later munmap of its range
		 * could hit whatever took its place.  Other commands run
		 * concurrently, as they would in a program.
		 */
		locks = cmd == SWING_IOC_RELEASE || cmd == SWING_IOC_SEND;
		if (locks)
			pthread_rwlock_wrlock(&map_lock);
		/* armed after the lock: its wait must not take the signal */
		if (!blocks || arm(1 + below(20))) {
			if (!ioctl(fd, cmd, arg) && arg == &u) {
				if (cmd == SWING_IOC_WATCH)
					close(u.wa.fd);
				if (cmd == SWING_IOC_RELEASE)
					forget_token(u.t.token);
				if (cmd == SWING_IOC_SEND &&
				    (u.sd.flags & SWING_SEND_MOVE))
					forget_token(u.sd.token);
			}
			disarm();
		}
		if (locks)
			pthread_rwlock_unlock(&map_lock);
	}
	close(fd);
}

static void op_create(void)
{
	unsigned long len = below(20) ? (1 + below(MAX_AREA / PAGE)) * PAGE :
			    below(2) ? rnd() : 1 + below(PAGE);
	void *addr;
	int token;

	pthread_rwlock_wrlock(&map_lock);
	if (nentries < MAX_ENTRIES && !createarea(&addr, &token, len))
		add_entry(token, addr, (len + PAGE - 1) & ~(PAGE - 1));
	pthread_rwlock_unlock(&map_lock);
}

static void op_hook(void)
{
	int src = pick_token(), token;
	unsigned int flags = below(3) ? 0 : below(4) ? SWING_HOOK_POPULATE :
			     (unsigned int)rnd();
	void *addr;

	pthread_rwlock_wrlock(&map_lock);
	if (nentries < MAX_ENTRIES &&
	    !swing_hook_flags(&addr, &token, src, flags))
		add_entry(token, addr, mapping_len(addr));
	pthread_rwlock_unlock(&map_lock);
}

static void op_release(void)
{
	int token = pick_token();

	pthread_rwlock_wrlock(&map_lock);
	if (!releasearea(token))
		forget_token(token);
	pthread_rwlock_unlock(&map_lock);
}

static void op_perm(void)
{
	struct swing_perm p;
	int token = pick_token();

	if (below(2))
		swing_getperm(token, &p);
	else
		swing_setperm(token, below(2) ? 0 : NOBODY,
			      below(2) ? 0 : NOBODY, rnd() & 0777);
}

static void op_grant(void)
{
	int token = pick_token();
	pid_t pid = below(2) ? board->slot[below(SLOTS)].pid : (pid_t)rnd();

	if (below(2))
		swing_grant(token, pid);
	else
		swing_revoke(token, pid);
}

static void op_touch(void)
{
	unsigned long off, len;
	struct entry e;
	volatile char sink = 0;
	unsigned long i;

	if (!pick_entry(&e))
		return;
	pick_range(e.len, &off, &len);
	if (len > 64 * PAGE)
		len = 64 * PAGE;
	if (below(2)) {
		GUARDED(for (i = 0; i < len; i += PAGE / 2)
				*(uint64_t *)(e.addr + off + i) = label());
	} else {
		GUARDED(for (i = 0; i < len; i += PAGE / 2)
				sink += e.addr[off + i]);
	}
	(void)sink;
}

static void op_munmap(void)
{
	unsigned long off, len;
	int i;

	pthread_rwlock_wrlock(&map_lock);
	if (nentries) {
		i = below(nentries);
		pick_range(entries[i].len, &off, &len);
		if (!munmap(entries[i].addr + off, len)) {
			struct entry e = entries[i];

			del_entry(i);
			if (off)
				add_entry(e.token, e.addr, off);
			if (off + len < e.len)
				add_entry(e.token, e.addr + off + len,
					  e.len - off - len);
		}
	}
	pthread_rwlock_unlock(&map_lock);
}

static void op_mremap(void)
{
	unsigned long len;
	void *addr;
	int i;

	pthread_rwlock_wrlock(&map_lock);
	if (nentries) {
		i = below(nentries);
		len = (1 + below(2 * entries[i].len / PAGE)) * PAGE;
		addr = mremap(entries[i].addr, entries[i].len, len,
			      below(2) ? MREMAP_MAYMOVE : 0);
		if (addr != MAP_FAILED) {
			entries[i].addr = addr;
			entries[i].len = len;
		}
	}
	pthread_rwlock_unlock(&map_lock);
}

static void op_mprotect(void)
{
	static const int prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE,
		PROT_READ | PROT_EXEC,
	};
	unsigned long off, len;
	struct entry e;

	if (!pick_entry(&e))
		return;
	pick_range(e.len, &off, &len);
	mprotect(e.addr + off, len, prots[below(5)]);
}

static void op_madvise(void)
{
	static const int advice[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
		MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTFORK,
		MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD,
		MADV_PAGEOUT, 22 /* POPULATE_READ */, 23 /* POPULATE_WRITE */,
		MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP,
		MADV_MERGEABLE, MADV_UNMERGEABLE,
	};
	unsigned long off, len;
	struct entry e;

	if (!pick_entry(&e))
		return;
	pick_range(e.len, &off, &len);
	GUARDED(madvise(e.addr + off, len,
			advice[below(sizeof(advice) / sizeof(advice[0]))]));
}

static void op_fork(void)
{
	struct entry e;
	void *addr;
	pid_t pid;
	int token;

	pid = fork();
	if (pid)
		return;	/* SIGCHLD is ignored: no zombie */
	/*
	 * The child: the parent's areas are not inherited (VM_DONTCOPY, or
	 * VM_WIPEONFORK / SIGBUS after MADV_DOFORK); touch what the table
	 * says anyway, make and hook its own, and exit without releasing.
	 */
	rng ^= getpid();
	alarm(10);	/* a lock another thread held at fork: never hang */
	pthread_rwlock_init(&map_lock, NULL);	/* a parent thread may hold it */
	if (pick_entry(&e))
		GUARDED(e.addr[below(e.len)] = 1);
	if (!createarea(&addr, &token, PAGE * (1 + below(16)))) {
		GUARDED(memset(addr, 1, PAGE));
		enablehook(token);
		publish(token, addr, PAGE);
	}
	if (!hook(&addr, &token, pick_token()))
		GUARDED(*(volatile char *)addr = 2);
	_exit(0);
}

static void op_pipe(void)
{
	struct entry a, b;
	int fds[2];
	unsigned long len = (1 + below(16)) * PAGE;
	ssize_t n;

	if (!pick_entry(&a) || !pick_entry(&b))
		return;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC))
		return;
	if (len > a.len)
		len = a.len;
	n = write(fds[1], a.addr + below(a.len - len + 1), len);
	if (n > 0 && b.len >= (unsigned long)n)
		n = read(fds[0], b.addr + below(b.len - n + 1), n);
	close(fds[0]);
	close(fds[1]);
}

static void op_file(void)
{
	unsigned long len = (1 + below(16)) * PAGE;
	struct entry e;

	if (filefd < 0 || !pick_entry(&e))
		return;
	if (len > e.len)
		len = e.len;
	if (below(2))
		pwrite(filefd, e.addr + below(e.len - len + 1), len, below(64) * PAGE);
	else
		pread(filefd, e.addr + below(e.len - len + 1), len, below(64) * PAGE);
}

/* Read another worker's (or our own) area as the board says it was. */
static void op_vmread(void)
{
	char buf[4 * PAGE];
	struct iovec local, remote;
	struct entry e;
	int i = below(SLOTS);

	local.iov_base = buf;
	local.iov_len = sizeof(buf);
	if (below(2) && pick_entry(&e)) {	/* straight into an area */
		local.iov_base = e.addr;
		local.iov_len = e.len < sizeof(buf) ? e.len : sizeof(buf);
	}
	remote.iov_base = (void *)(board->slot[i].addr +
				   below(board->slot[i].len + 1) / PAGE * PAGE);
	remote.iov_len = local.iov_len;
	process_vm_readv(board->slot[i].pid, &local, 1, &remote, 1, 0);
}

/* Write into our own areas through the remote-access path. */
static void op_vmwrite(void)
{
	char buf[4 * PAGE];
	struct iovec local, remote;
	unsigned long off, len;
	struct entry e;

	if (!pick_entry(&e))
		return;
	fill_random(buf, sizeof(buf));
	pick_range(e.len, &off, &len);
	local.iov_base = buf;
	local.iov_len = len < sizeof(buf) ? len : sizeof(buf);
	remote.iov_base = e.addr + off;
	remote.iov_len = local.iov_len;
	process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
}

static void op_direct(void)
{
	unsigned long off, len;
	struct entry e;

	if (directfd < 0 || !pick_entry(&e))
		return;
	pick_range(e.len, &off, &len);
	if (len > 16 * PAGE)
		len = 16 * PAGE;
	if (below(2))
		pread(directfd, e.addr + off, len, below(256) * PAGE);
	else
		pwrite(directfd, e.addr + off, len, below(256) * PAGE);
}

static void op_proc(void)
{
	char buf[4096];
	int fd = open(below(2) ? "/proc/swing" : "/sys/class/misc/swing/shared_pages",
		      O_RDONLY);

	if (fd >= 0) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
}

/* A token to hook for a tracked pipe, and whose it is said to be. */
static int pick_source(int *pid)
{
	struct entry e;
	int i = below(SLOTS);

	if (!below(4) && pick_entry(&e)) {
		*pid = mypid;
		return e.token;
	}
	*pid = board->slot[i].pid;
	return board->slot[i].token;
}

/* Pages of one of our mappings, which any thread may change: unchecked. */
static ssize_t splice_entry(struct kept_pipe *k)
{
	unsigned long off, len;
	struct iovec iov;
	struct entry e;

	k->tracked = 0;
	if (!pick_entry(&e))
		return -1;
	pick_range(e.len, &off, &len);
	iov.iov_base = e.addr + off;
	iov.iov_len = len < SPLICE_PAGES * PAGE ? len : SPLICE_PAGES * PAGE;
	return vmsplice(k->fd[1], &iov, 1, SPLICE_F_NONBLOCK);
}

/*
 * A tracked pipe: hook @k->src, vmsplice a few of its pages, note what
 * they hold, write some words of them ourselves, and end the snapshot
 * (release it, or unmap it and release it at the check, or keep it mapped
 * until then) unless @by_exit, when the caller exits holding it.
 */
static ssize_t splice_snapshot(struct kept_pipe *k, int by_exit)
{
	unsigned long len, npages;
	struct iovec iov;
	uint64_t *snap;
	ssize_t n;
	int t, i;

	k->tracked = 1;
	if (swing_hook_flags((void **)&snap, &t, k->src,
			     below(4) ? 0 : SWING_HOOK_POPULATE))
		return -1;
	len = mapping_len(snap);
	npages = 1 + below(SPLICE_PAGES);
	if (npages > len / PAGE)
		npages = len / PAGE;
	k->off = below(len / PAGE - npages + 1) * PAGE;
	iov.iov_base = (char *)snap + k->off;
	iov.iov_len = npages * PAGE;
	n = npages ? vmsplice(k->fd[1], &iov, 1, SPLICE_F_NONBLOCK) : -1;
	if (n <= 0) {
		releasearea(t);
		return -1;
	}
	/* Nobody but us writes the snapshot: it held this at the vmsplice. */
	memcpy(k->want, iov.iov_base, n);
	k->nown = below(2) ? 0 : 1 + below(MAX_OWN);
	for (i = 0; i < k->nown; i++) {
		k->own[i].word = below(n / sizeof(uint64_t));
		k->own[i].val = label();
		snap[k->off / sizeof(uint64_t) + k->own[i].word] = k->own[i].val;
	}
	k->end = by_exit ? END_EXIT : below(3);
	switch (k->end) {
	case END_RELEASE:
		releasearea(t);
		break;
	case END_UNMAP:		/* the area lives on until released */
		munmap(snap, len);
		k->snap = t;
		break;
	case END_CHECK:
		k->snap = t;
		break;
	}
	return n;
}

/*
 * A tracked pipe whose snapshot ends by exit: a child hooks, fills the
 * slot (shared memory) and exits, and its exit releases the snapshot
 * while our pipe still holds pages of it.
 */
static ssize_t splice_in_child(struct kept_pipe *k)
{
	ssize_t n;
	pid_t pid;

	k->len = 0;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		mypid = getpid();
		rng ^= mypid;
		alarm(10);	/* a lock another thread held at fork: never hang */
		n = splice_snapshot(k, 1);
		k->len = n > 0 ? n : 0;
		_exit(0);
	}
	/* SIGCHLD is ignored: this returns (ECHILD) once the child is gone. */
	waitpid(pid, NULL, 0);
	return k->len;
}

static void close_pipe(struct kept_pipe *k)
{
	close(k->fd[0]);
	close(k->fd[1]);
	if (k->tee[0] >= 0) {
		close(k->tee[0]);
		close(k->tee[1]);
	}
}

static void fill_pipe(struct kept_pipe *k)
{
	int state = PIPE_FREE;
	ssize_t n = -1;

	k->tee[0] = -1;
	k->snap = 0;
	k->nown = 0;
	if (pipe2(k->fd, O_NONBLOCK | O_CLOEXEC))
		goto out;
	if (below(3) && pipe2(k->tee, O_NONBLOCK | O_CLOEXEC))
		k->tee[0] = -1;
	switch (below(4)) {
	case 0:
		n = splice_entry(k);
		break;
	case 1:
		k->src = pick_source(&k->src_pid);
		n = splice_in_child(k);
		break;
	default:
		k->src = pick_source(&k->src_pid);
		n = splice_snapshot(k, 0);
		break;
	}
	if (n <= 0) {
		close_pipe(k);
		goto out;
	}
	k->len = n;
	k->tee_len = 0;
	if (k->tee[0] >= 0) {
		n = tee(k->fd[0], k->tee[1], k->len, SPLICE_F_NONBLOCK);
		k->tee_len = n > 0 ? n : 0;
	}
	k->when = now_ms();
	state = PIPE_KEPT;
out:
	pthread_mutex_lock(&pipe_lock);
	k->state = state;
	pthread_mutex_unlock(&pipe_lock);
}

/* Up to @len bytes of a non-blocking pipe, as many as it has. */
static unsigned long read_pipe(int fd, void *buf, unsigned long len)
{
	unsigned long got = 0;
	ssize_t n;

	while (got < len && (n = read(fd, (char *)buf + got, len - got)) > 0)
		got += n;
	return got;
}

/* What the snapshot held at word @i at the vmsplice, or we wrote since. */
static int word_ok(const struct kept_pipe *k, unsigned long i, uint64_t v)
{
	int j;

	if (v == k->want[i])
		return 1;
	for (j = 0; j < k->nown; j++)
		if (k->own[j].word == i && k->own[j].val == v)
			return 1;
	return 0;
}

static void report_leak(const struct kept_pipe *k, const char *what,
			unsigned long i, uint64_t got, unsigned long bad,
			unsigned long words)
{
	int pid = label_pid(got);
	char whose[80];

	if (!pid)
		snprintf(whose, sizeof(whose), "unlabelled (a vmwrite, O_DIRECT or copy): not ours");
	else if (pid == mypid)
		snprintf(whose, sizeof(whose), "our label, but not written through this snapshot");
	else
		snprintf(whose, sizeof(whose), "written by pid %d", pid);
	fprintf(stderr, "swingfuzz: vmsplice leak: pid %d's %s of a snapshot (%s) of token %d (pid %d's on the board) holds at page %lu word %lu %#llx, %s; the snapshot held %#llx (%lu of %lu words wrong)\n",
		mypid, what, end_names[k->end], k->src, k->src_pid,
		(k->off + i * sizeof(uint64_t)) / PAGE, i % WORDS,
		(unsigned long long)got, whose,
		(unsigned long long)k->want[i], bad, words);
}

/*
 * Read @len bytes of @fd, straight or after a splice() into a pipe of
 * their own, and compare them with the snapshot's history.  A short read
 * fails too: nothing takes pages out of a pipe but our reads.
 */
static void check_read(const struct kept_pipe *k, int fd, unsigned long len,
		       const char *what)
{
	uint64_t buf[SPLICE_PAGES * WORDS];
	unsigned long got = 0, i, first = 0, bad = 0;
	int mid[2];
	ssize_t n;

	if (below(2) && !pipe2(mid, O_NONBLOCK | O_CLOEXEC)) {
		n = splice(fd, NULL, mid[1], NULL, len, SPLICE_F_NONBLOCK);
		got = read_pipe(mid[0], buf, n > 0 ? n : 0);
		close(mid[0]);
		close(mid[1]);
	}
	got += read_pipe(fd, (char *)buf + got, len - got);
	__atomic_add_fetch(&board->pipes_checked, 1, __ATOMIC_RELAXED);
	if (got == len)
		for (i = 0; i < len / sizeof(uint64_t); i++)
			if (!word_ok(k, i, buf[i]) && !bad++)
				first = i;
	if ((got == len && !bad) ||
	    __atomic_fetch_add(&board->pipes_leaked, 1, __ATOMIC_RELAXED) >= SHOW_LEAKS)
		return;
	if (got != len)
		fprintf(stderr, "swingfuzz: vmsplice leak: pid %d's %s of a snapshot of token %d holds %lu bytes, not %lu\n",
			mypid, what, k->src, got, len);
	else
		report_leak(k, what, first, buf[first], bad,
			    len / sizeof(uint64_t));
}

/*
 * Check a kept pipe and its twin (the snapshot released first, if we kept
 * it), or drain an unchecked one, and close them.
 */
static void check_pipe(struct kept_pipe *k)
{
	char buf[SPLICE_PAGES * PAGE];

	if (k->snap)
		releasearea(k->snap);
	if (k->tracked) {
		check_read(k, k->fd[0], k->len, "pipe");
		if (k->tee_len)
			check_read(k, k->tee[0], k->tee_len, "tee twin");
	} else {
		read_pipe(k->fd[0], buf, sizeof(buf));
		__atomic_add_fetch(&board->pipes_unchecked, 1, __ATOMIC_RELAXED);
	}
	close_pipe(k);
	pthread_mutex_lock(&pipe_lock);
	k->state = PIPE_FREE;
	pthread_mutex_unlock(&pipe_lock);
}

/*
 * Fill a free slot, or check a kept pipe once it is old enough for others'
 * writes to have had their chance to reach it.
 */
static void op_splice(void)
{
	struct kept_pipe *k = &pipes[below(MAX_PIPES)];
	int state;

	pthread_mutex_lock(&pipe_lock);
	state = k->state;
	if (state == PIPE_KEPT && now_ms() - k->when < SPLICE_AGE_MS)
		state = PIPE_BUSY;
	if (state != PIPE_BUSY)
		k->state = PIPE_BUSY;
	pthread_mutex_unlock(&pipe_lock);
	if (state == PIPE_FREE)
		fill_pipe(k);
	else if (state == PIPE_KEPT)
		check_pipe(k);
}

/*
 * The calls of 1.3.0.  Each may fail only with the errors its man page
 * gives it (EINVAL for a token <= 0 among them): EAGAIN only under
 * SWING_NONBLOCK, EINTR only when our timer was armed, ETIMEDOUT only with
 * a timeout.  Bad flags, fields and timeouts must fail with EINVAL.
 */
static const int publish_errs[] = {
	EINVAL, ENOENT, EOPNOTSUPP, EPERM, ENOMEM, EIO, 0
};
static const int wait_errs[] = {
	EINVAL, ENOENT, EOPNOTSUPP, EACCES, ETIMEDOUT, EIDRM, 0
};
static const int watch_errs[] = {
	EINVAL, ENOENT, EACCES, EMFILE, ENFILE, ENOMEM, 0
};
static const int qcreate_errs[] = { ENOSPC, ENOMEM, ENFILE, 0 };
static const int send_errs[] = {
	EINVAL, ENOENT, EOPNOTSUPP, EACCES, EPERM, EIDRM, ENOSPC, ENOMEM, EIO, 0
};
static const int recv_errs[] = {
	EINVAL, ENOENT, EOPNOTSUPP, EACCES, EIDRM, ENOSPC, ENFILE, ENOMEM, 0
};
/* the wrong kind of token: unless it went meanwhile, or its mode did */
static const int kind_errs[] = { EOPNOTSUPP, ENOENT, EACCES, EPERM, 0 };

/*
 * The end of a call that may block (flags without SWING_NONBLOCK) or
 * not: @ret and @err are its result, @was_armed whether a signal could
 * cut it short.  0 if it worked.
 */
static int check_result(const char *call, int ret, int err, int nonblock,
			int was_armed, const int *ok)
{
	if (!ret)
		return 0;
	if (err == EAGAIN && nonblock)
		return -1;
	if (err == EINTR && was_armed)
		return -1;
	expect_errno(call, err, ok);
	return -1;
}

static void op_publish(void)
{
	int token = pick_token();
	uint64_t v = 0;

	if (!swing_publish(token, &v)) {
		if (!v)
			wrong("publish of token %d gave version 0", token);
		return;
	}
	expect_errno("publish", errno, publish_errs);
}

/*
 * Wait on any token: mostly a timeout of a few ms, sometimes none (cut
 * short by our timer), sometimes a bad one (below -1: EINVAL).
 */
static void op_wait(void)
{
	int token = pick_token(), timeout, r, err, was;
	uint64_t after = below(3) ? below(4) : rnd(), v = 0;
	unsigned long k = below(10);

	timeout = k < 5 ? (int)below(5) : k < 8 ? -1 : k < 9 ? (int)below(20) :
		  -2 - (int)below(1000);
	if ((timeout == -1 || timeout > 5) && !arm(1 + below(10)))
		return;
	r = swing_wait(token, after, timeout, &v);
	err = errno;
	was = armed;
	disarm();
	if (timeout < -1) {
		if (!r || err != EINVAL)
			wrong("wait with timeout %d: %d, errno %d (%s), want EINVAL",
			      timeout, r, r ? err : 0, r ? strerror(err) : "none");
		return;
	}
	if (!r) {
		if (v <= after)
			wrong("wait on token %d after %llu returned version %llu",
			      token, (unsigned long long)after, (unsigned long long)v);
		return;
	}
	if (err == ETIMEDOUT && timeout == -1)
		wrong("wait without a timeout returned ETIMEDOUT");
	else
		check_result("wait", r, err, 0, was, wait_errs);
}

/* Descriptors kept open a while, to see their objects go (POLLHUP, EOF). */
static int watches[MAX_WATCHES];

/*
 * Poll a watch descriptor and read it: 8 bytes (a version or a count),
 * 0 at the end, or EAGAIN / EINTR; a buffer under 8 bytes: EINVAL (or the
 * end).  A blocking read is cut short by our timer.
 */
static void use_watch(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	size_t len = below(8) ? 8 * (1 + below(2)) : 1 + below(7);
	int nonblock = fcntl(fd, F_GETFL) & O_NONBLOCK, err, was;
	uint64_t buf[2];
	ssize_t n;

	if (poll(&p, 1, below(3)) < 0 && errno != EINTR)
		wrong("poll of a watch descriptor: %s", strerror(errno));
	if (p.revents & (POLLNVAL | POLLERR))
		wrong("poll of a watch descriptor: revents %#x", p.revents);
	if (!nonblock && !arm(1 + below(10)))
		return;
	n = read(fd, buf, len);
	err = errno;
	was = armed;
	disarm();
	if (len < 8) {
		if (n > 0 || (n < 0 && err != EINVAL))
			wrong("read of %zu bytes of a watch: %zd, errno %d (%s)",
			      len, n, n < 0 ? err : 0, n < 0 ? strerror(err) : "none");
		return;
	}
	if (n == 0 || n == 8 || (n < 0 && err == EAGAIN && nonblock) ||
	    (n < 0 && err == EINTR && was))
		return;
	wrong("read of a watch: %zd, errno %d (%s)", n, n < 0 ? err : 0,
	      n < 0 ? strerror(err) : "none");
}

static void op_watch(void)
{
	int i = below(MAX_WATCHES), fd, fl;

	fd = __atomic_exchange_n(&watches[i], -1, __ATOMIC_ACQ_REL);
	if (fd >= 0) {
		use_watch(fd);
	} else {
		int token = below(2) ? pick_queue() : pick_token();

		fd = swing_watch(token);
		if (fd < 0) {
			expect_errno("watch", errno, watch_errs);
			return;
		}
		fl = fcntl(fd, F_GETFL);
		if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC) || (fl & O_ACCMODE) != O_RDONLY)
			wrong("watch of token %d: descriptor flags %#x, file flags %#x",
			      token, fcntl(fd, F_GETFD), fl);
		if (write(fd, &fl, sizeof(fl)) >= 0)
			wrong("a watch descriptor took a write");
		if (below(4))
			fcntl(fd, F_SETFL, fl | O_NONBLOCK);
		use_watch(fd);
	}
	if (!below(4)) {
		close(fd);
		return;
	}
	fd = __atomic_exchange_n(&watches[i], fd, __ATOMIC_ACQ_REL);
	if (fd >= 0)
		close(fd);
}

/* Create a queue: a depth in range must work (or hit a limit), else EINVAL. */
static void op_qcreate(void)
{
	unsigned long k = below(8);
	unsigned int depth = k < 5 ? 1 + below(16) : k == 5 ? max_depth :
			     k == 6 ? 0 : max_depth + 1 + (unsigned int)below(1U << 30);
	int valid = depth >= 1 && depth <= max_depth, q;

	pthread_rwlock_wrlock(&map_lock);
	if (!swing_queue_create(&q, depth)) {
		if (!valid)
			wrong("a queue of depth %u was made (max_queue_depth %u)",
			      depth, max_depth);
		if (nqueues < MAX_QUEUES) {
			queues[nqueues++] = q;
			publish(q, NULL, 0);
		} else {
			releasearea(q);
		}
	} else if (!valid && errno != EINVAL) {
		wrong("queue of depth %u: errno %d (%s), want EINVAL", depth,
		      errno, strerror(errno));
	} else if (valid) {
		expect_errno("queue create", errno, qcreate_errs);
	}
	pthread_rwlock_unlock(&map_lock);
}

/* Send any token to any queue; a moving send unmaps as a release does. */
static void op_send(void)
{
	int q = pick_queue(), token = pick_token(), r, err, was;
	unsigned int flags = below(8) ? (unsigned int)below(4) : (unsigned int)rnd();
	int valid = !(flags & ~SWING_SEND_FLAGS), move = flags & SWING_SEND_MOVE;

	if (move)
		pthread_rwlock_wrlock(&map_lock);
	if (!(flags & SWING_NONBLOCK) && !arm(1 + below(20))) {
		if (move)
			pthread_rwlock_unlock(&map_lock);
		return;
	}
	r = swing_send(q, token, flags);
	err = errno;
	was = armed;
	disarm();
	if (!r && move)
		forget_token(token);
	if (move)
		pthread_rwlock_unlock(&map_lock);
	if (!valid) {
		if (!r || err != EINVAL)
			wrong("send with flags %#x: %d, errno %d, want EINVAL",
			      flags, r, r ? err : 0);
		return;
	}
	check_result("send", r, err, flags & SWING_NONBLOCK, was, send_errs);
}

/* Receive from any queue; what comes is one more area of ours. */
static void op_recv(void)
{
	unsigned int flags = below(8) ? (below(3) ? SWING_NONBLOCK : 0) :
			     (unsigned int)rnd();
	int q = pick_queue(), valid = !(flags & ~SWING_RECV_FLAGS), t, r, err, was;
	unsigned long len = 0, mapped;
	void *addr;

	if (!(flags & SWING_NONBLOCK) && !arm(1 + below(20)))
		return;
	r = swing_recv(q, &addr, &t, &len, flags);
	err = errno;
	was = armed;
	disarm();
	if (!valid && (!r || err != EINVAL))
		wrong("recv with flags %#x: %d, errno %d, want EINVAL", flags,
		      r, r ? err : 0);
	if (check_result("recv", r, err, flags & SWING_NONBLOCK, was, recv_errs))
		return;
	pthread_rwlock_wrlock(&map_lock);
	mapped = mapping_len(addr);
	/* Less is mapped if another thread's random munmap hit it already. */
	if (!len || len % PAGE || mapped > len)
		wrong("recv from queue %d: length %lu, mapped %lu", q, len, mapped);
	if (nentries < MAX_ENTRIES && mapped)
		add_entry(t, addr, mapped);
	else
		releasearea(t);
	pthread_rwlock_unlock(&map_lock);
}

/*
 * track: a published area and a queue of this process alone, under
 * track_lock, whose whole history is known: every hook holds the words of
 * the version it names, a version between the latest published before and
 * after the hook; a wait for less than the latest returns at once; the
 * area's watch is readable exactly when a version newer than the last
 * read exists (no lost wakeup) and reads the latest; the queue takes a
 * SWING_NONBLOCK send exactly while it has room and gives a SWING_NONBLOCK
 * receive exactly while it holds something, in order, each message whole
 * and as sent (the sender's writes after a plain send never reach it);
 * its watch polls and reads as its length says.  Nobody else knows these
 * tokens (nothing of them is on the board), and only unprivileged workers
 * track (op_track()); a random token may still hit them, and then they are
 * made anew.
 */


enum { TRACK_VERSION = 1, TRACK_MESSAGE };

static uint64_t stamp(int kind, unsigned long pages, uint64_t n, unsigned long i)
{
	uint64_t x = ((uint64_t)mypid << 40 ^ (uint64_t)kind << 36 ^
		      (uint64_t)pages << 32 ^ n) * 0x9e3779b97f4a7c15ULL + i;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ x >> 29;
}

static void stamp_fill(uint64_t *a, int kind, unsigned long pages, uint64_t n)
{
	for (unsigned long i = 0; i < pages * WORDS; i++)
		a[i] = stamp(kind, pages, n, i);
}

/* The first word of @a that is not as stamp_fill() wrote it, or -1. */
static long stamp_check(const uint64_t *a, int kind, unsigned long pages,
			uint64_t n)
{
	for (unsigned long i = 0; i < pages * WORDS; i++)
		if (a[i] != stamp(kind, pages, n, i))
			return i;
	return -1;
}

/* The private area went: released by a random token (see above). */
static void track_reset_area(void)
{
	close(trk.afd);
	trk.afd = -1;
	trk.area = 0;
}

static void track_publish(void)
{
	volatile int unmapped = 1;
	uint64_t v;

	if (!trk.area) {
		if (createarea((void **)&trk.addr, &trk.area, TRACK_PAGES * PAGE)) {
			trk.area = 0;
			return;
		}
		trk.version = trk.read = 0;
		trk.afd = swing_watch(trk.area);
		if (trk.afd >= 0)
			fcntl(trk.afd, F_SETFL, O_NONBLOCK);
	}
	/* Unmapped if a random token released it meanwhile. */
	GUARDED(stamp_fill(trk.addr, TRACK_VERSION, TRACK_PAGES,
			   trk.version + 1); unmapped = 0);
	if (unmapped) {
		track_reset_area();
		return;
	}
	if (swing_publish(trk.area, &v)) {
		if (errno != ENOENT && errno != ENOMEM)
			wrong("track: publish: %s", strerror(errno));
		if (errno == ENOENT)	/* released by a random token */
			track_reset_area();
		return;
	}
	if (v != trk.version + 1)
		wrong("track: publish gave version %llu after %llu",
		      (unsigned long long)v, (unsigned long long)trk.version);
	trk.version = v;
}

/* Hook what was published, outside the lock: publishes race with it. */
static void track_hook(void)
{
	uint64_t v0, v1, v, *a;
	int token, t;
	long bad;

	pthread_mutex_lock(&track_lock);
	token = trk.area;
	v0 = trk.version;
	pthread_mutex_unlock(&track_lock);
	if (!token || !v0)
		return;
	if (swing_hook_version((void **)&a, &t, token,
			       below(2) ? 0 : SWING_HOOK_POPULATE, &v)) {
		/* EAGAIN: disabled by a random token; the next publish enables it. */
		if (errno != ENOENT && errno != ENOSPC && errno != ENOMEM &&
		    errno != EAGAIN)
			wrong("track: hook: %s", strerror(errno));
		return;
	}
	pthread_mutex_lock(&track_lock);
	v1 = token == trk.area ? trk.version : v;
	pthread_mutex_unlock(&track_lock);
	if (v < v0 || v > v1)
		wrong("track: hook gave version %llu; published were %llu before it, %llu after",
		      (unsigned long long)v, (unsigned long long)v0,
		      (unsigned long long)v1);
	else if ((bad = stamp_check(a, TRACK_VERSION, TRACK_PAGES, v)) >= 0)
		wrong("track: hook of version %llu: page %lu word %lu is not that version's",
		      (unsigned long long)v, bad / WORDS, bad % WORDS);
	releasearea(t);
	__atomic_add_fetch(&board->tracked, 1, __ATOMIC_RELAXED);
}

/* Wait for less than the latest (at once) or for more (a few ms). */
static void track_wait(void)
{
	uint64_t v0, after, v;
	int token, timeout = below(4);

	pthread_mutex_lock(&track_lock);
	token = trk.area;
	v0 = trk.version;
	pthread_mutex_unlock(&track_lock);
	if (!token)
		return;
	after = v0 ? v0 - below(2) : 0;
	if (!swing_wait(token, after, timeout, &v)) {
		if (v <= after || v < v0)
			wrong("track: wait after %llu gave %llu, %llu published",
			      (unsigned long long)after, (unsigned long long)v,
			      (unsigned long long)v0);
	} else if (errno == ETIMEDOUT) {
		if (after < v0)
			wrong("track: wait after %llu (%d ms) timed out with version %llu published",
			      (unsigned long long)after, timeout,
			      (unsigned long long)v0);
	} else if (errno != ENOENT) {
		wrong("track: wait: %s", strerror(errno));
	}
	__atomic_add_fetch(&board->tracked, 1, __ATOMIC_RELAXED);
}

/* Under the lock no publish runs: the watch must say exactly the truth. */
static void track_watch(void)
{
	struct pollfd p = { .fd = trk.afd, .events = POLLIN };
	int readable;
	uint64_t v;
	ssize_t n;

	if (trk.afd < 0)
		return;
	poll(&p, 1, 0);
	readable = !!(p.revents & POLLIN);
	if (readable != (trk.version > trk.read))
		wrong("track: watch %sreadable with version %llu published and %llu read",
		      readable ? "" : "not ", (unsigned long long)trk.version,
		      (unsigned long long)trk.read);
	n = read(trk.afd, &v, sizeof(v));
	if (n == 0 && trk.version == trk.read) {
		/* End of file: released by a random token, nothing unread. */
		track_reset_area();
		return;
	}
	if (trk.version > trk.read && (n != sizeof(v) || v != trk.version))
		wrong("track: watch read %zd: %llu (%s), latest %llu", n,
		      (unsigned long long)(n == sizeof(v) ? v : 0),
		      n < 0 ? strerror(errno) : "", (unsigned long long)trk.version);
	else if (trk.version == trk.read && (n != -1 || errno != EAGAIN))
		wrong("track: watch read %zd with nothing new (%s)", n,
		      n < 0 ? strerror(errno) : "");
	if (n == sizeof(v))
		trk.read = v;
}

static void track_reset_queue(void)
{
	close(trk.qfd);
	trk.qfd = -1;
	trk.q = 0;
}

static void track_send(void)
{
	unsigned int inflight = trk.sent - trk.rcvd;
	unsigned int flags = SWING_NONBLOCK | (below(2) ? SWING_SEND_MOVE : 0);
	unsigned long pages = 1 + below(3);
	uint64_t *a;
	int t, r, err;

	if (createarea((void **)&a, &t, pages * PAGE))
		return;
	stamp_fill(a, TRACK_MESSAGE, pages, trk.sent);
	r = swing_send(trk.q, t, flags);
	err = errno;
	if (r) {
		releasearea(t);
		if (err == EAGAIN && inflight < trk.depth)
			wrong("track: send: EAGAIN with %u of %u queued",
			      inflight, trk.depth);
		else if (err == ENOENT)
			track_reset_queue();
		else if (err != EAGAIN && err != ENOSPC && err != ENOMEM)
			wrong("track: send: %s", strerror(err));
		return;
	}
	if (inflight >= trk.depth)
		wrong("track: a send into a full queue (%u of %u) worked",
		      inflight, trk.depth);
	trk.pages[trk.sent++ % 8] = pages;
	if (!(flags & SWING_SEND_MOVE)) {
		a[below(pages * WORDS)] = label();	/* never reaches the message */
		releasearea(t);
	} else if (releasearea(t) != -1 || errno != ENOENT) {
		wrong("track: a moved area still has its token");
	}
}

static void track_recv(void)
{
	unsigned int inflight = trk.sent - trk.rcvd;
	unsigned long len, pages = trk.pages[trk.rcvd % 8];
	uint64_t *a;
	long bad;
	int t;

	if (swing_recv(trk.q, (void **)&a, &t, &len, SWING_NONBLOCK)) {
		if (errno == EAGAIN && inflight)
			wrong("track: recv: EAGAIN with %u queued", inflight);
		else if (errno == ENOENT)
			track_reset_queue();
		else if (errno != EAGAIN && errno != ENOSPC && errno != ENOMEM)
			wrong("track: recv: %s", strerror(errno));
		return;
	}
	if (!inflight)
		wrong("track: recv from an empty queue gave %lu bytes", len);
	else if (len != pages * PAGE)
		wrong("track: message %u: %lu bytes, sent %lu", trk.rcvd, len,
		      pages * PAGE);
	else if ((bad = stamp_check(a, TRACK_MESSAGE, pages, trk.rcvd)) >= 0)
		wrong("track: message %u of %lu pages: page %lu word %lu is %#llx, not as sent (FIFO, whole)",
		      trk.rcvd, pages, bad / WORDS, bad % WORDS,
		      (unsigned long long)a[bad]);
	trk.rcvd++;
	a[0] = label();		/* ours now */
	releasearea(t);
}

static void track_queue_watch(void)
{
	struct pollfd p = { .fd = trk.qfd, .events = POLLIN | POLLOUT };
	unsigned int inflight = trk.sent - trk.rcvd;
	int want = (inflight ? POLLIN : 0) | (inflight < trk.depth ? POLLOUT : 0);
	uint64_t n = 0;
	ssize_t r;

	if (trk.qfd < 0)
		return;
	poll(&p, 1, 0);
	if (p.revents & POLLHUP) {	/* released by a random token */
		track_reset_queue();
		return;
	}
	if ((p.revents & (POLLIN | POLLOUT)) != want)
		wrong("track: queue watch revents %#x with %u of %u queued",
		      p.revents, inflight, trk.depth);
	r = read(trk.qfd, &n, sizeof(n));
	if (inflight ? r != sizeof(n) || n != inflight : r != -1 || errno != EAGAIN)
		wrong("track: queue watch read %zd: %llu, %u queued", r,
		      (unsigned long long)n, inflight);
}

static void op_track(void)
{
	/*
	 * Exact checks need objects nobody else acts on: CAP_IPC_OWNER
	 * overrides ownership, and a root worker's forked children (or any
	 * root worker of its IPC namespace) may publish, disable, release or
	 * receive from them by a token number they reuse.  Only the
	 * unprivileged workers track.
	 */
	if (geteuid() == 0)
		return;
	unsigned long k = below(8);

	if (k == 0) {
		track_hook();
		return;
	}
	if (k == 1) {
		track_wait();
		return;
	}
	pthread_mutex_lock(&track_lock);
	if (k < 4) {
		if (k < 3)
			track_publish();
		track_watch();
	} else if (!trk.q) {
		trk.depth = 1 + below(4);
		if (swing_queue_create(&trk.q, trk.depth)) {
			trk.q = 0;
		} else {
			trk.sent = trk.rcvd = 0;
			trk.qfd = swing_watch(trk.q);
			if (trk.qfd >= 0)
				fcntl(trk.qfd, F_SETFL, O_NONBLOCK);
		}
	} else {
		if (k < 6)
			track_send();
		else if (k == 6)
			track_recv();
		else
			track_queue_watch();
		__atomic_add_fetch(&board->tracked, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&track_lock);
}

/*
 * Bad input to a new command on objects of ours: a reserved field, a pad
 * or a flag that must be zero made nonzero, a timeout below -1, a depth
 * out of range, hook's in-field version nonzero: EINVAL.  The rest of
 * the struct is good and would not block.
 */
enum { F_ZERO, F_SENDFL, F_RECVFL, F_TIMEOUT, F_DEPTH };

static const struct bad_case {
	unsigned long cmd;
	unsigned short off, size, kind;
	const char *what;
} bad_cases[] = {
#define BAD(cmd, type, field, kind) \
	{ cmd, offsetof(type, field), sizeof(((type *)0)->field), kind, #type "." #field }
	BAD(SWING_IOC_PUBLISH, struct swing_publish, flags, F_ZERO),
	BAD(SWING_IOC_PUBLISH, struct swing_publish, reserved, F_ZERO),
	BAD(SWING_IOC_WAIT, struct swing_wait, flags, F_ZERO),
	BAD(SWING_IOC_WAIT, struct swing_wait, __pad, F_ZERO),
	BAD(SWING_IOC_WAIT, struct swing_wait, reserved, F_ZERO),
	BAD(SWING_IOC_WAIT, struct swing_wait, timeout_ms, F_TIMEOUT),
	BAD(SWING_IOC_WATCH, struct swing_watch, flags, F_ZERO),
	BAD(SWING_IOC_WATCH, struct swing_watch, __pad, F_ZERO),
	BAD(SWING_IOC_WATCH, struct swing_watch, reserved, F_ZERO),
	BAD(SWING_IOC_QUEUE_CREATE, struct swing_queue_create, flags, F_ZERO),
	BAD(SWING_IOC_QUEUE_CREATE, struct swing_queue_create, __pad, F_ZERO),
	BAD(SWING_IOC_QUEUE_CREATE, struct swing_queue_create, reserved, F_ZERO),
	BAD(SWING_IOC_QUEUE_CREATE, struct swing_queue_create, depth, F_DEPTH),
	BAD(SWING_IOC_SEND, struct swing_send, flags, F_SENDFL),
	BAD(SWING_IOC_SEND, struct swing_send, __pad, F_ZERO),
	BAD(SWING_IOC_SEND, struct swing_send, reserved, F_ZERO),
	BAD(SWING_IOC_RECV, struct swing_recv, flags, F_RECVFL),
	BAD(SWING_IOC_RECV, struct swing_recv, __pad, F_ZERO),
	BAD(SWING_IOC_RECV, struct swing_recv, reserved, F_ZERO),
	BAD(SWING_IOC_HOOK, struct swing_hook, version, F_ZERO),
	BAD(SWING_IOC_HOOK, struct swing_hook, __pad, F_ZERO),
#undef BAD
};

static void bad_input(int area, int q)
{
	const struct bad_case *c = &bad_cases[below(sizeof(bad_cases) / sizeof(bad_cases[0]))];
	union {
		unsigned char b[128];
		struct swing_publish pu;
		struct swing_wait wt;
		struct swing_watch wa;
		struct swing_queue_create qc;
		struct swing_send sd;
		struct swing_recv rv;
		struct swing_hook h;
	} u;
	uint32_t v32;
	int fd, r, err;

	memset(&u, 0, sizeof(u));
	switch (c->cmd) {
	case SWING_IOC_SEND:
		u.sd.qtoken = q;
		u.sd.token = area;
		u.sd.flags = SWING_NONBLOCK;
		break;
	case SWING_IOC_RECV:
		u.rv.qtoken = q;
		u.rv.flags = SWING_NONBLOCK;
		break;
	case SWING_IOC_QUEUE_CREATE:
		u.qc.depth = 1;
		break;
	case SWING_IOC_HOOK:
		u.h.src_token = area;
		break;
	default:	/* publish, wait (timeout 0), watch: the token first */
		u.pu.token = below(4) ? area : q;
		break;
	}
	switch (c->kind) {
	case F_ZERO:	/* a random nonzero byte somewhere in the field */
		u.b[c->off + below(c->size)] = 1 + below(255);
		break;
	case F_SENDFL:
		u.sd.flags |= 1U << (2 + below(30));
		break;
	case F_RECVFL:
		u.rv.flags |= 1U << (1 + below(31));
		break;
	case F_TIMEOUT:
		u.wt.timeout_ms = -2 - (int)below(1U << 30);
		break;
	case F_DEPTH:
		v32 = below(2) ? 0 : max_depth + 1 + (unsigned int)below(1U << 30);
		u.qc.depth = v32;
		break;
	}
	fd = open(SWING_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	r = ioctl(fd, c->cmd, &u);
	err = errno;
	if (!r && c->cmd == SWING_IOC_WATCH)
		close(u.wa.fd);
	close(fd);	/* and what it made, if it made anything */
	if (!r || err != EINVAL)
		wrong("%s made bad: %d, errno %d (%s), want EINVAL", c->what,
		      r, r ? err : 0, r ? strerror(err) : "none");
}

/* The wrong kind of token: a queue where an area goes and the reverse. */
static void wrong_kind(int area, int q)
{
	unsigned long len;
	void *addr;
	int t, r, k = below(8);
	const char *const what[] = {
		"hook of a queue", "enablehook of a queue",
		"disablehook of a queue", "publish of a queue", "wait on a queue",
		"send to an area", "send of a queue", "recv from an area",
	};

	switch (k) {
	case 0: r = hook(&addr, &t, q); break;
	case 1: r = enablehook(q); break;
	case 2: r = disablehook(q); break;
	case 3: r = swing_publish(q, NULL); break;
	case 4: r = swing_wait(q, 0, 0, NULL); break;
	case 5: r = swing_send(area, area, SWING_NONBLOCK); break;
	case 6: r = swing_send(q, q, SWING_NONBLOCK); break;
	default: r = swing_recv(area, &addr, &t, &len, SWING_NONBLOCK); break;
	}
	if (r) {
		expect_errno(what[k], errno, kind_errs);
		return;
	}
	wrong("%s (tokens %d, %d) worked", what[k], area, q);
	if (k == 0 || k == 7)
		releasearea(t);
}

static void op_badnew(void)
{
	struct entry e;
	int q = 0;

	pthread_rwlock_rdlock(&map_lock);
	if (nqueues)
		q = queues[below(nqueues)];
	pthread_rwlock_unlock(&map_lock);
	if (!q || !pick_entry(&e))
		return;
	if (below(2))
		bad_input(e.token, q);
	else
		wrong_kind(e.token, q);
}

static enum op pick_op(void)
{
	static int total;
	int i, r;

	if (!total)
		for (i = 0; i < NR_OPS; i++)
			total += op_weight[i];
	if (!below(3000))
		return OP_EXIT;
	r = below(total);
	for (i = 0; r >= op_weight[i]; i++)
		r -= op_weight[i];
	return i;
}

static void *worker_thread(void *arg)
{
	rng = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + getpid();
	while (time(NULL) < deadline) {
		enum op op = pick_op();

		count(op);
		current_op = op;
		switch (op) {
		case OP_IOCTL: op_ioctl(); break;
		case OP_CREATE: op_create(); break;
		case OP_HOOK: op_hook(); break;
		case OP_ENABLE: enablehook(pick_token()); break;
		case OP_DISABLE: disablehook(pick_token()); break;
		case OP_RELEASE: op_release(); break;
		case OP_PERM: op_perm(); break;
		case OP_GRANT: op_grant(); break;
		case OP_TOUCH: op_touch(); break;
		case OP_MUNMAP: op_munmap(); break;
		case OP_MREMAP: op_mremap(); break;
		case OP_MPROTECT: op_mprotect(); break;
		case OP_MADVISE: op_madvise(); break;
		case OP_FORK: op_fork(); break;
		case OP_EXIT: _exit(0);
		case OP_PIPE: op_pipe(); break;
		case OP_FILE: op_file(); break;
		case OP_VMREAD: op_vmread(); break;
		case OP_VMWRITE: op_vmwrite(); break;
		case OP_DIRECT: op_direct(); break;
		case OP_PROC: op_proc(); break;
		case OP_SPLICE: op_splice(); break;
		case OP_PUBLISH: op_publish(); break;
		case OP_WAIT: op_wait(); break;
		case OP_WATCH: op_watch(); break;
		case OP_QCREATE: op_qcreate(); break;
		case OP_SEND: op_send(); break;
		case OP_RECV: op_recv(); break;
		case OP_TRACK: op_track(); break;
		case OP_BADNEW: op_badnew(); break;
		default: break;
		}
	}
	return NULL;
}

static void worker(int n, uint64_t seed)
{
	pthread_t tids[16];
	char path[64];
	int i;

	rng = seed;
	mypid = getpid();
	setpgid(0, 0);	/* with its children, killable as one */
	signal(SIGCHLD, SIG_IGN);
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	/* our timer's: no SA_RESTART, the call it hits returns EINTR */
	struct sigaction st = { .sa_handler = on_timer };

	sigaction(SIGUSR1, &st, NULL);
	for (i = 0; i < MAX_WATCHES; i++)
		watches[i] = -1;
	snprintf(path, sizeof(path), "/dev/shm/swingfuzz.%d", getpid());
	filefd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unlink(path);
	if (blockdev)
		directfd = open(blockdev, O_RDWR | O_DIRECT | O_CLOEXEC);
	pipes = mmap(NULL, MAX_PIPES * (sizeof(*pipes) + SPLICE_PAGES * PAGE),
		     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pipes == MAP_FAILED)
		_exit(5);
	for (i = 0; i < MAX_PIPES; i++)	/* after the slots, in the same map */
		pipes[i].want = (uint64_t *)(pipes + MAX_PIPES) +
				i * SPLICE_PAGES * WORDS;
	/*
	 * Some root workers live in an IPC namespace of their own (token
	 * tables made and dropped, tokens of the board meaning nothing
	 * there); half the workers are unprivileged: EACCES/EPERM paths.
	 */
	if (n % 4 == 2 && (rnd() & 1) && unshare(CLONE_NEWIPC))
		_exit(4);
	if (n % 2 && (setgid(NOBODY) || setuid(NOBODY)))
		_exit(3);
	for (i = 0; i < nthreads; i++)
		pthread_create(&tids[i], NULL, worker_thread,
			       (void *)(uintptr_t)(seed + i + 1));
	for (i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	/* Past the deadline: what we still keep is checked now, whatever its age. */
	for (i = 0; i < MAX_PIPES; i++)
		if (pipes[i].state == PIPE_KEPT)
			check_pipe(&pipes[i]);
	_exit(0);
}

/* A counter of /proc/vmstat: the OOM killer's kills, to tell them apart. */
static long vmstat(const char *name)
{
	char key[64];
	long v, found = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	if (f)
		fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	int seconds = 60, procs = 6, opt, i, status, bad = 0;
	struct swing_totals before;
	long oom0, total = 0, spawned = 0, ticks = 0, kills = 0;
	pid_t *groups;
	char *doomed;
	uint64_t seed = time(NULL);
	pid_t *pids;

	page_size = sysconf(_SC_PAGESIZE);
	while ((opt = getopt(argc, argv, "t:p:T:s:d:")) != -1) {
		switch (opt) {
		case 't': seconds = atoi(optarg); break;
		case 'p': procs = atoi(optarg); break;
		case 'T': nthreads = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'd': blockdev = optarg; break;
		default:
			fprintf(stderr, "usage: swingfuzz [-t SECONDS] [-p PROCESSES] [-T THREADS] [-s SEED] [-d BLOCKDEV]\n");
			return 2;
		}
	}
	if (procs < 1 || procs > 64 || nthreads < 1 || nthreads > 16 || seconds < 1)
		return 2;
	board = mmap(NULL, sizeof(*board), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc(procs, sizeof(*pids));
	groups = calloc(MAX_GROUPS, sizeof(*groups));
	doomed = calloc(procs, 1);
	if (board == MAP_FAILED || !pids || !groups || !doomed)
		return 2;
	before = swing_totals();
	oom0 = vmstat("oom_kill");
	{
		FILE *f = fopen("/sys/module/swing/parameters/max_queue_depth", "r");

		if (f) {
			if (fscanf(f, "%u", &max_depth) != 1)
				max_depth = 1024;
			fclose(f);
		}
	}
	setenv("SWING_QUIET", "1", 1);
	printf("swingfuzz: %d s, %d processes x %d threads, seed %llu%s%s\n",
	       seconds, procs, nthreads, (unsigned long long)seed,
	       blockdev ? ", O_DIRECT on " : "", blockdev ? blockdev : "");
	fflush(stdout);
	deadline = time(NULL) + seconds;

	/*
	 * Keep procs workers alive until the deadline; respawn who exits.
	 * About every two seconds one is SIGKILLed, with its children,
	 * wherever it is: that is expected, any other death is not.
	 */
	for (i = 0; i < procs; i++)
		pids[i] = 0;
	while (time(NULL) < deadline) {
		for (i = 0; i < procs; i++) {
			if (pids[i])
				continue;
			pids[i] = fork();
			if (pids[i] == 0)
				worker(i, seed + 1000 * spawned);
			if (pids[i] > 0 && spawned < MAX_GROUPS)
				groups[spawned] = pids[i];
			spawned++;
		}
		usleep(100000);
		if (++ticks % 20 == 0) {
			i = ticks / 20 % procs;
			if (pids[i] && !doomed[i]) {
				kill(-pids[i], SIGKILL);
				doomed[i] = 1;	/* its exit may take a while */
				kills++;
			}
		}
		pid_t pid;

		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			int expected = 0;

			for (i = 0; i < procs; i++) {
				if (pids[i] != pid)
					continue;
				expected = doomed[i];
				pids[i] = 0;
				doomed[i] = 0;
			}
			if (expected && WIFSIGNALED(status) &&
			    WTERMSIG(status) == SIGKILL)
				continue;
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				fprintf(stderr, "swingfuzz: worker %d %s %d\n", pid,
					WIFEXITED(status) ? "exited with" : "killed by signal",
					WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
				bad = 1;
			}
		}
	}
	/* Stragglers: a thread may sit in a long call; give it 20 s. */
	for (i = 0; i < 200; i++) {
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid < 0)
			break;
		if (pid > 0) {
			int expected = 0;

			for (int j = 0; j < procs; j++)
				if (pids[j] == pid)
					expected = doomed[j];
			if (!(expected && WIFSIGNALED(status) &&
			      WTERMSIG(status) == SIGKILL) &&
			    (!WIFEXITED(status) || WEXITSTATUS(status))) {
				fprintf(stderr, "swingfuzz: worker %d ended with status %#x\n",
					pid, status);
				bad = 1;
			}
		}
		if (pid == 0)
			usleep(100000);
	}
	if (i == 200) {
		fprintf(stderr, "swingfuzz: workers still running 20 s after the deadline\n");
		bad = 1;
		for (i = 0; i < procs; i++) {
			char cmd[256];

			if (!pids[i])
				continue;
			/* Where each of its threads sleeps, for the report. */
			snprintf(cmd, sizeof(cmd),
				 "for t in /proc/%d/task/*; do echo \"== $t $(cat $t/wchan)\"; cat $t/stack; done >&2",
				 pids[i]);
			if (system(cmd))
				fprintf(stderr, "swingfuzz: no stacks of %d\n", pids[i]);
			kill(-pids[i], SIGKILL);
		}
		while (waitpid(-1, &status, 0) > 0)
			;
	}

	/*
	 * A worker's forked children outlive it by at most their alarm();
	 * end them now, wherever they are, so that the count below is of
	 * what the module kept, not of what is still running.
	 */
	for (i = 0; i < spawned && i < MAX_GROUPS; i++)
		kill(-groups[i], SIGKILL);

	for (i = 0; i < NR_OPS; i++)
		total += board->calls[i];
	printf("swingfuzz: %ld calls, %ld workers (%ld SIGKILLed), %ld faults caught, %ld OOM kills;",
	       total, spawned, kills, board->signals, vmstat("oom_kill") - oom0);
	for (i = 0; i < NR_OPS; i++)
		printf(" %s %ld", op_names[i], board->calls[i]);
	printf("; vmsplice: %ld pipes checked, %ld leaked, %ld unchecked (pages of mappings any thread changes)\n",
	       board->pipes_checked, board->pipes_leaked, board->pipes_unchecked);
	if (board->pipes_leaked)
		bad = 1;
	printf("swingfuzz: new calls: %ld tracked checks, %ld broken contracts\n",
	       board->tracked, board->wrong);
	if (board->wrong)
		bad = 1;

	/* Every area and page comes back once every process is gone. */
	if (swing_totals_back("swingfuzz", before))
		bad = 1;
	printf("swingfuzz: %s\n", bad ? "FAILED" : "passed");
	return bad;
}
