/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared pieces of the test binaries: a Check main(), peer processes that
 * talk over pipes, and the module's totals from sysfs.
 */
#ifndef SWING_TEST_HELPERS_H
#define SWING_TEST_HELPERS_H

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "swing.h"

/*
 * The page size, sysconf(_SC_PAGESIZE), read once before main() (helpers.c):
 * 4 KiB on x86, 4, 16 or 64 KiB on arm64.  Not a constant expression, so
 * no static array is sized by it.
 */
extern unsigned long swing_page_size;
#define PAGE swing_page_size

/* Each test binary defines its suite; helpers.c runs it. */
Suite *swing_suite(void);

/* expr must fail with -1 and errno err. */
#define ck_fails_with(expr, err)					\
	do {								\
		errno = 0;						\
		int ck_ret_ = (expr);					\
		int ck_err_ = errno;					\
		ck_assert_msg(ck_ret_ == -1 && ck_err_ == (err),	\
			      "%s: returned %d errno %d (%s), want -1 errno %d (%s)", \
			      #expr, ck_ret_, ck_err_, strerror(ck_err_), \
			      (err), strerror(err));			\
	} while (0)

#define ck_ok(expr)							\
	do {								\
		errno = 0;						\
		int ck_ret_ = (expr);					\
		ck_assert_msg(ck_ret_ == 0, "%s: returned %d errno %d (%s)", \
			      #expr, ck_ret_, errno, strerror(errno));	\
	} while (0)

/*
 * A separate process running fn(in, out, arg): in reads what the test
 * writes to peer->to, out writes what the test reads from peer->from.
 * Its exit status is fn's return value.  Nothing is shared with it but the
 * two pipes: areas are never inherited, tokens travel as messages.
 */
struct peer {
	pid_t pid;
	int to;
	int from;
};

typedef int (*peer_fn)(int in, int out, void *arg);
void peer_start(struct peer *p, peer_fn fn, void *arg);
int peer_wait(struct peer *p);	/* exit status, or 128+signal */
int child_status(pid_t pid);	/* waitpid(): the same */

void send_long(int fd, long v);
long recv_long(int fd);

long swing_stat(const char *name);	/* /sys/class/misc/swing/NAME */
int kernel_older_than(int major, int minor);	/* the running kernel's uname */
unsigned long swing_param(const char *name);
void set_param(const char *name, unsigned long value);

/* Write a word naming (version, page) at the start of every page. */
void fill_pages(void *area, size_t len, long version);
/* Returns the version all pages hold, or -1 when they disagree. */
long pages_version(const void *area, size_t len);

/* How many pages of [addr, addr + len) this process has mapped (pagemap). */
long pages_present(const void *addr, size_t len);

/* Does touching addr raise a signal?  0 if not, else the signal. */
int touch_signal(volatile char *addr, int write);

/* poll() fd for events for up to ms: its revents, 0 when nothing came. */
short poll_fd(int fd, short events, int ms);

/*
 * read(2) of 8 bytes from a swing_watch() descriptor: the u64 it gives (a
 * version, a queue's length), WATCH_EOF at its end, or -errno.
 */
#define WATCH_EOF (-100000L)
long watch_read(int fd);

/* Milliseconds on CLOCK_MONOTONIC. */
long monotonic_ms(void);

/*
 * The module's totals in sysfs; a test records them first and the checked
 * fixture totals_setup/totals_teardown fails the test when they are not
 * back at its end (after up to 10 s: exits finish releasing), naming the
 * test and showing what /proc/swing still lists (pid, kind: who leaked).
 */
struct swing_totals {
	long areas, pages, nodes, messages, versions;
};

struct swing_totals totals_now(void);
void ck_totals_back(const char *who, struct swing_totals before);
void totals_setup(void);
void totals_teardown(void);

/*
 * A column of token's line in /proc/swing, by its name in the header
 * ("source", "kind", "waiters"...): 0 with the word in buf, else -1.
 * proc_swing_long() gives it as a number, or LONG_MIN when absent.
 */
int proc_swing_word(int token, const char *column, char *buf, size_t size);
long proc_swing_long(int token, const char *column);
/* Wait up to 10 s for that column to reach want; returns the last value. */
long proc_swing_wait(int token, const char *column, long want);

/*
 * A slow block device for I/O that stays in flight: dm-delay of delay_ms
 * over a loop device on a 1 MiB image in /dev/shm filled with 0xab bytes.
 * O_DIRECT to path holds its pages for the delay.  Root only.
 */
struct slow_dev {
	char name[32];		/* the dm device's */
	char image[64];		/* the backing file, readable directly */
	char loop[64];
	char path[64];		/* /dev/dm-N */
};

void slow_dev_setup(struct slow_dev *d, const char *name, int delay_ms);
void slow_dev_teardown(struct slow_dev *d);

#endif

/*
 * A remote process that runs commands sent over its pipe, on the one area
 * it holds (created or hooked): the other side of every COW test.
 * remote() returns the command's answer; errors come back as -errno.
 */
enum remote_cmd {
	R_CREATE = 1,	/* a = length: answer token */
	R_HOOK,		/* a = token: answer the new token */
	R_READ,		/* a = offset: answer the long there */
	R_WRITE,	/* a = offset, b = value: answer 0 */
	R_FILL,		/* a = version: fill_pages() the whole area */
	R_VERSION,	/* answer pages_version() of the whole area */
	R_ENABLE,	/* a = token */
	R_DISABLE,	/* a = token */
	R_RELEASE,	/* a = token */
	R_SETUID,	/* a = uid, b = gid or 0 for a: drop root */
	R_FILLW,	/* every word = a * index + b */
	R_SUM,		/* answer the sum of every word */
	R_SETPERM,	/* a = token, b = uid << 32 | gid << 16 | mode */
	R_GRANT,	/* a = token, b = pid to grant, or -pid to revoke */
	R_PID,		/* answer getpid() */
	R_UNSHARE,	/* a = unshare() flags */
	R_PROCLINES,	/* answer proc_swing_lines() */
	R_EXIT,
	/* since 1.3.0 */
	R_PUBLISH,	/* a = token: answer the version published */
	R_HOOKV,	/* a = token: hook as R_HOOK, answer the version got */
	R_TOKEN,	/* answer the token of the area held */
	R_LENGTH,	/* answer the length of the area held */
	R_WAIT,		/* a = WAIT_ARG(token, ms), b = after: the version */
	R_QCREATE,	/* a = depth: answer the queue's token */
	R_SEND,		/* a = queue, b = flags: send the area held */
	R_RECV,		/* a = queue, b = flags: hold the message, its token */
	R_WATCH,	/* a = token: answer swing_watch()'s descriptor */
	R_WATCH_READ,	/* a = descriptor: answer watch_read() */
	R_VMSPLICE,	/* a = offset, b = pipe: vmsplice() that page */
};

/* R_WAIT's first argument: a token and a timeout in ms (>= -1). */
#define WAIT_ARG(token, ms) ((long)(ms) * 0x100000000L + (unsigned int)(token))

#define PERM(uid, gid, mode) ((long)(uid) << 32 | (long)(gid) << 16 | (mode))

/* How many areas /proc/swing shows this process, or -errno. */
long proc_swing_lines(void);

void remote_start(struct peer *p);
long remote(struct peer *p, long cmd, long a, long b);
/*
 * remote() in two halves, for a command that sleeps (a wait, a blocking
 * send or receive): post it, see that no answer comes, wake it, read it.
 */
void remote_post(struct peer *p, long cmd, long a, long b);
long remote_reply(struct peer *p);
int remote_answered(struct peer *p, int ms);	/* an answer within ms? */
int remote_stop(struct peer *p);	/* R_EXIT, then peer_wait() */
/* remote_start() each, or remote_stop() each (must exit 0), to a NULL. */
void remotes_start(struct peer *p, ...);
void remotes_stop(struct peer *p, ...);

/*
 * A test's own commands, numbered from R_USER: a remote started with
 * remote_start_ext() hands them to fn, with its area's address and length
 * (0 before it has one), and sends back what fn answers.
 */
#define R_USER 100
typedef long (*remote_ext_fn)(long cmd, long a, long b, void *area, size_t len);
void remote_start_ext(struct peer *p, remote_ext_fn fn);
