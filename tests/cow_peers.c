// SPDX-License-Identifier: GPL-2.0-only
/*
 * Snapshot isolation against references held outside the mappings.
 *
 * A pipe filled by vmsplice(), tee()'s copy of that pipe and an O_DIRECT
 * request in flight all hold a reference to a page while no page table
 * does.  If a side decides that a page is its own because no other area
 * holds it, and writes it in place, that write shows through the
 * reference that the other side took while the page was still shared:
 * the kernel's CVE-2020-29374, which tools/testing/selftests/mm/cow.c
 * checks for fork().  Here the sides are a source and its snapshots (along
 * a chain, too), each in its own process, with tokens on pipes; the one
 * holding the outside reference releases its area, exits or unmaps it,
 * and then the other writes.  process_vm_writev(), /proc/PID/mem and
 * mprotect() round trips write through other paths and must not cross a
 * snapshot either.
 *
 * Each writer puts a label in every word of a page (who, which write,
 * which page), so a failure says whose data arrived where.  The O_DIRECT
 * checks use a dm-delay device over a loop device, as tests/pinned.c does;
 * they run as root, on every kernel (6.1 takes plain references for block
 * O_DIRECT, 6.5 and later FOLL_PIN pins).
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "helpers.h"

#define NPAGES	4
#define LEN	(NPAGES * PAGE)
#define PG	1	/* the page each scenario aims at */
#define PG_OFF	(PG * PAGE)
#define WORDS	(PAGE / sizeof(long))

/* Who wrote a page: in a chain, A is the source, C the hooker, D HOOKER2. */
enum writer { W_SOURCE = 1, W_HOOKER, W_HOOKER2 };

static const char *const writer_name[] = {
	[W_SOURCE] = "SOURCE",
	[W_HOOKER] = "HOOKER",
	[W_HOOKER2] = "HOOKER2 (the hooker's hooker)",
};

/* Generation 1 is a writer's first write (the source's: before the hook). */
#define LABEL(writer, gen, page) \
	((long)(writer) << 56 | (long)(gen) << 32 | (long)(page))
#define LABEL_TORN	LONG_MIN	/* the words of the page disagree */
#define DEVICE_WORD	((long)0xababababababababUL)	/* the image's bytes */

static void fill_page(void *page, long label)
{
	long *word = page;

	for (size_t i = 0; i < WORDS; i++)
		word[i] = label;
}

static void fill_label(void *area, size_t len, long writer, long gen)
{
	for (size_t off = 0; off < len; off += PAGE)
		fill_page((char *)area + off, LABEL(writer, gen, off / PAGE));
}

static long page_label(const void *page)
{
	const long *word = page;

	for (size_t i = 1; i < WORDS; i++)
		if (word[i] != word[0])
			return LABEL_TORN;
	return word[0];
}

static const char *describe(long word, char *buf, size_t size)
{
	unsigned long writer = (unsigned long)word >> 56;
	long gen = (word >> 32) & 0xffffff;

	if (word == LABEL_TORN)
		snprintf(buf, size, "a torn page (its words disagree)");
	else if (word == DEVICE_WORD)
		snprintf(buf, size, "the DEVICE's bytes (0xab)");
	else if (word == 0)
		snprintf(buf, size, "zeroes");
	else if (word < 0 && word > -4096)
		snprintf(buf, size, "error %s", strerror(-word));
	else if (writer < sizeof(writer_name) / sizeof(writer_name[0]) &&
		 writer_name[writer])
		snprintf(buf, size, "%s's %s write (page %ld)",
			 writer_name[writer], gen == 1 ? "first" : "later",
			 word & 0xffffffff);
	else
		snprintf(buf, size, "an unlabelled word %#lx", word);
	return buf;
}

/* what (a page, read one way or another) must carry the label want. */
#define ck_label(what, got, want)					\
	do {								\
		long ck_got_ = (got), ck_want_ = (want);		\
		char ck_gbuf_[96], ck_wbuf_[96];			\
		ck_assert_msg(ck_got_ == ck_want_, "%s carried %s, want %s", \
			      (what),					\
			      describe(ck_got_, ck_gbuf_, sizeof(ck_gbuf_)), \
			      describe(ck_want_, ck_wbuf_, sizeof(ck_wbuf_))); \
	} while (0)

static long splice_page(int pipe_fd, void *page)
{
	struct iovec iov = { .iov_base = page, .iov_len = PAGE };
	ssize_t n = vmsplice(pipe_fd, &iov, 1, 0);

	return n < 0 ? -errno : n;
}

/* Read one page from a pipe, at the end of a test: its label, or -errno. */
static long pipe_label(int pipe_fd)
{
	long buf[WORDS];
	ssize_t n = read(pipe_fd, buf, PAGE);

	if (n < 0)
		return -errno;
	return n == (ssize_t)PAGE ? page_label(buf) : -EIO;
}

/*
 * The remotes' commands beyond helpers.h's.  Pipes are made before the
 * remote that uses them starts, so it holds the same descriptors: a pipe
 * end is inherited, an area never.
 */
enum peer_cmd {
	P_FILL = R_USER,	/* a = writer, b = generation: label every page */
	P_FILL_PAGE,		/* a = offset, b = label: that page only */
	P_LABEL,		/* a = offset: page_label() there */
	P_ADDR,			/* answer the area's address */
	P_VMSPLICE,		/* a = offset, b = pipe: vmsplice() that page */
	P_TEE,			/* a = pipe in, b = pipe out: tee() one page */
	P_PIPE_LABEL,		/* a = pipe: pipe_label() */
	P_MUNMAP,		/* unmap the whole area; it stays the remote's */
	P_MPROTECT,		/* a = prot, for the whole area */
};

static long peer_cmd(long cmd, long a, long b, void *area, size_t len)
{
	ssize_t n;

	switch (cmd) {
	case P_FILL:
		fill_label(area, len, a, b);
		return 0;
	case P_FILL_PAGE:
		fill_page((char *)area + a, b);
		return 0;
	case P_LABEL:
		return page_label((char *)area + a);
	case P_ADDR:
		return (long)area;
	case P_VMSPLICE:
		return splice_page(b, (char *)area + a);
	case P_TEE:
		n = tee(a, b, PAGE, 0);
		return n < 0 ? -errno : n;
	case P_PIPE_LABEL:
		return pipe_label(a);
	case P_MUNMAP:
		return munmap(area, len) ? -errno : 0;
	case P_MPROTECT:
		return mprotect(area, len, a) ? -errno : 0;
	}
	return -ENOSYS;
}

/* How the side holding the outside reference lets go of its area. */
enum ending { END_RELEASE, END_EXIT, END_MUNMAP };

static void end_remote(struct peer *r, long token, enum ending how)
{
	switch (how) {
	case END_RELEASE:
		ck_assert_int_eq(remote(r, R_RELEASE, token, 0), 0);
		break;
	case END_EXIT:
		ck_assert_int_eq(remote_stop(r), 0);
		break;
	case END_MUNMAP:
		ck_assert_int_eq(remote(r, P_MUNMAP, 0, 0), 0);
		break;
	}
}

/* Stop a remote that end_remote() left running. */
static void stop_remote(struct peer *r, enum ending how)
{
	if (how != END_EXIT)
		ck_assert_int_eq(remote_stop(r), 0);
}

/* A remote that created an area of LEN, labelled it and enabled it. */
static long start_source(struct peer *source)
{
	long token;

	remote_start_ext(source, peer_cmd);
	token = remote(source, R_CREATE, LEN, 0);
	ck_assert_int_gt(token, 0);
	ck_assert_int_eq(remote(source, P_FILL, W_SOURCE, 1), 0);
	ck_assert_int_eq(remote(source, R_ENABLE, token, 0), 0);
	return token;
}

/*
 * 1. The hooker vmsplices a page of its snapshot and lets the snapshot go;
 * the source writes the page.  The pipe must still give the snapshot's
 * page.  The read end stays with the test, or only with a third process.
 */
static void hooker_splice(enum ending how, bool reader_elsewhere)
{
	struct peer hooker, reader;
	int token, p[2];
	long htoken;
	long *a;

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_label(a, LEN, W_SOURCE, 1);
	ck_ok(enablehook(token));
	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	remote_start_ext(&hooker, peer_cmd);
	if (reader_elsewhere) {
		remote_start_ext(&reader, peer_cmd);
		close(p[0]);
	}
	htoken = remote(&hooker, R_HOOK, token, 0);
	ck_assert_int_gt(htoken, 0);
	ck_assert_int_eq(remote(&hooker, P_VMSPLICE, PG_OFF, p[1]), PAGE);
	end_remote(&hooker, htoken, how);

	fill_label(a, LEN, W_SOURCE, 2);
	if (reader_elsewhere)
		ck_label("the hooker's pipe, read by a third process",
			 remote(&reader, P_PIPE_LABEL, p[0], 0),
			 LABEL(W_SOURCE, 1, PG));
	else
		ck_label("the hooker's pipe", pipe_label(p[0]),
			 LABEL(W_SOURCE, 1, PG));
	ck_label("the source's page", page_label(a + PG_OFF / sizeof(long)),
		 LABEL(W_SOURCE, 2, PG));

	stop_remote(&hooker, how);
	if (reader_elsewhere)
		ck_assert_int_eq(remote_stop(&reader), 0);
	else
		close(p[0]);
	close(p[1]);
	ck_ok(releasearea(token));
}

START_TEST(hooker_vmsplice_then_release)
{
	hooker_splice(END_RELEASE, false);
}
END_TEST

START_TEST(hooker_vmsplice_then_exit)
{
	hooker_splice(END_EXIT, false);
}
END_TEST

START_TEST(hooker_vmsplice_then_munmap)
{
	hooker_splice(END_MUNMAP, false);
}
END_TEST

START_TEST(hooker_vmsplice_then_release_reader_elsewhere)
{
	hooker_splice(END_RELEASE, true);
}
END_TEST

START_TEST(hooker_vmsplice_then_exit_reader_elsewhere)
{
	hooker_splice(END_EXIT, true);
}
END_TEST

/*
 * 2. As 1, with a second pipe that tee() filled from the first before the
 * hooker let go: both give the snapshot's page.
 */
static void hooker_tee(enum ending how)
{
	int token, p1[2], p2[2];
	struct peer hooker;
	long htoken;
	long *a;

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_label(a, LEN, W_SOURCE, 1);
	ck_ok(enablehook(token));
	ck_assert_int_eq(pipe2(p1, O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(p2, O_NONBLOCK), 0);
	remote_start_ext(&hooker, peer_cmd);
	htoken = remote(&hooker, R_HOOK, token, 0);
	ck_assert_int_gt(htoken, 0);
	ck_assert_int_eq(remote(&hooker, P_VMSPLICE, PG_OFF, p1[1]), PAGE);
	ck_assert_int_eq(remote(&hooker, P_TEE, p1[0], p2[1]), PAGE);
	end_remote(&hooker, htoken, how);

	fill_label(a, LEN, W_SOURCE, 2);
	ck_label("the hooker's tee()d pipe", pipe_label(p2[0]),
		 LABEL(W_SOURCE, 1, PG));
	ck_label("the hooker's vmspliced pipe", pipe_label(p1[0]),
		 LABEL(W_SOURCE, 1, PG));

	stop_remote(&hooker, how);
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
	ck_ok(releasearea(token));
}

START_TEST(hooker_tee_then_release)
{
	hooker_tee(END_RELEASE);
}
END_TEST

START_TEST(hooker_tee_then_exit)
{
	hooker_tee(END_EXIT);
}
END_TEST

/*
 * 3. The mirror: the source vmsplices its own page (while it may write
 * it, or after enablehook made it read-only), the test hooks, the source
 * writes and lets its area go, the hooker writes its page.  The source's
 * pipe must never carry the hooker's data.  A page vmspliced after
 * enablehook is shared by the hook, so the source's write copies it and
 * the pipe keeps the source's page from before the hook.  A page written
 * and vmspliced before enablehook is still referenced when the hook
 * write-protects it: the snapshot gets a copy of its own at once and the
 * source keeps its page, so the pipe shows the source's own later write,
 * as it would for any memory the source vmsplices (vmsplice(2)).
 */
static void source_splice(enum ending how, bool after_enable)
{
	struct peer source;
	int htoken, p[2];
	long token;
	long *h;

	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	remote_start_ext(&source, peer_cmd);
	token = remote(&source, R_CREATE, LEN, 0);
	ck_assert_int_gt(token, 0);
	ck_assert_int_eq(remote(&source, P_FILL, W_SOURCE, 1), 0);
	if (after_enable)
		ck_assert_int_eq(remote(&source, R_ENABLE, token, 0), 0);
	ck_assert_int_eq(remote(&source, P_VMSPLICE, PG_OFF, p[1]), PAGE);
	if (!after_enable)
		ck_assert_int_eq(remote(&source, R_ENABLE, token, 0), 0);

	ck_ok(hook((void **)&h, &htoken, token));
	ck_assert_int_eq(remote(&source, P_FILL, W_SOURCE, 2), 0);
	ck_label("the source's page", remote(&source, P_LABEL, PG_OFF, 0),
		 LABEL(W_SOURCE, 2, PG));
	ck_label("the snapshot", page_label(h + PG_OFF / sizeof(long)),
		 LABEL(W_SOURCE, 1, PG));
	end_remote(&source, token, how);

	fill_label(h, LEN, W_HOOKER, 1);
	ck_label("the source's pipe", pipe_label(p[0]),
		 LABEL(W_SOURCE, after_enable ? 1 : 2, PG));

	stop_remote(&source, how);
	close(p[0]);
	close(p[1]);
	ck_ok(releasearea(htoken));
}

START_TEST(source_vmsplice_then_release)
{
	source_splice(END_RELEASE, false);
}
END_TEST

START_TEST(source_vmsplice_then_exit)
{
	source_splice(END_EXIT, false);
}
END_TEST

START_TEST(source_vmsplice_then_munmap)
{
	source_splice(END_MUNMAP, false);
}
END_TEST

START_TEST(source_vmsplice_after_enable_then_release)
{
	source_splice(END_RELEASE, true);
}
END_TEST

/*
 * 4. Along a chain: the test's area A is hooked by C, C by D; C vmsplices
 * its page and lets its area go; D and A write that page, in either order.
 * C's pipe must give C's page, which is A's from before the hook.
 */
static void chain_splice(enum ending how, bool source_first)
{
	struct peer c, d;
	long ctoken, dtoken;
	int token, p[2];
	long *a;

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_label(a, LEN, W_SOURCE, 1);
	ck_ok(enablehook(token));
	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	remote_start_ext(&c, peer_cmd);
	remote_start_ext(&d, peer_cmd);
	ctoken = remote(&c, R_HOOK, token, 0);
	ck_assert_int_gt(ctoken, 0);
	ck_assert_int_eq(remote(&c, R_ENABLE, ctoken, 0), 0);
	dtoken = remote(&d, R_HOOK, ctoken, 0);
	ck_assert_int_gt(dtoken, 0);
	ck_assert_int_eq(remote(&c, P_VMSPLICE, PG_OFF, p[1]), PAGE);
	end_remote(&c, ctoken, how);

	if (source_first)
		fill_label(a, LEN, W_SOURCE, 2);
	ck_assert_int_eq(remote(&d, P_FILL, W_HOOKER2, 1), 0);
	if (!source_first)
		fill_label(a, LEN, W_SOURCE, 2);
	ck_label("C's pipe", pipe_label(p[0]), LABEL(W_SOURCE, 1, PG));
	ck_label("D's page", remote(&d, P_LABEL, PG_OFF, 0),
		 LABEL(W_HOOKER2, 1, PG));
	ck_label("A's page", page_label(a + PG_OFF / sizeof(long)),
		 LABEL(W_SOURCE, 2, PG));

	stop_remote(&c, how);
	ck_assert_int_eq(remote_stop(&d), 0);
	close(p[0]);
	close(p[1]);
	ck_ok(releasearea(token));
}

START_TEST(chain_middle_vmsplice_then_release_d_writes_first)
{
	chain_splice(END_RELEASE, false);
}
END_TEST

START_TEST(chain_middle_vmsplice_then_exit_a_writes_first)
{
	chain_splice(END_EXIT, true);
}
END_TEST

/*
 * 5. O_DIRECT in flight on a slow device: dm-delay over a loop device
 * (tests/pinned.c's setup, under names of its own).  Every request waits
 * DELAY_MS in dm-delay before the loop device copies the page, so what
 * the test does meanwhile races the device.  Each test uses its own
 * device page; the image is read back directly afterwards.
 */
#define DELAY_MS	1500
static struct slow_dev dev;

static void setup_device(void)
{
	slow_dev_setup(&dev, "swing-peers", DELAY_MS);
}

static void teardown_device(void)
{
	slow_dev_teardown(&dev);
}

/* One O_DIRECT page, between buf and page dev_page of the device. */
struct dio {
	void *buf;
	bool write;
	long dev_page;
	long result;	/* bytes, or -errno */
	int done;
	pthread_t thread;
};

static void *dio_run(void *arg)
{
	struct dio *io = arg;
	int fd = open(dev.path, (io->write ? O_WRONLY : O_RDONLY) | O_DIRECT);
	ssize_t n;

	if (fd < 0) {
		io->result = -errno;
	} else {
		n = io->write ? pwrite(fd, io->buf, PAGE, io->dev_page * PAGE) :
				pread(fd, io->buf, PAGE, io->dev_page * PAGE);
		io->result = n < 0 ? -errno : n;
		close(fd);
	}
	__atomic_store_n(&io->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void dio_in_flight(struct dio *io, const char *when)
{
	ck_assert_msg(!__atomic_load_n(&io->done, __ATOMIC_ACQUIRE),
		      "the O_DIRECT %s ended (%ld) %s: the device is not slow enough",
		      io->write ? "write" : "read", io->result, when);
}

/* Start the request and give it time to take its page and reach dm-delay. */
static void dio_start(struct dio *io)
{
	ck_assert_int_eq(pthread_create(&io->thread, NULL, dio_run, io), 0);
	usleep(DELAY_MS * 1000 / 4);
	dio_in_flight(io, "before the test acted");
}

static long dio_finish(struct dio *io)
{
	dio_in_flight(io, "before the test had raced it");
	ck_assert_int_eq(pthread_join(io->thread, NULL), 0);
	return io->result;
}

/* The label of what the device holds at page dev_page. */
static long device_label(long dev_page)
{
	long buf[WORDS];
	int fd = open(dev.image, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, PAGE, dev_page * PAGE), PAGE);
	close(fd);
	return page_label(buf);
}

/*
 * 5a. The test's snapshot is the buffer of an O_DIRECT write; the test
 * releases (or only unmaps) the snapshot while the write waits, and the
 * source writes the page.  The device must get the snapshot's page.
 */
static void snapshot_dio_write(enum ending how, long dev_page)
{
	struct dio io = { .write = true, .dev_page = dev_page };
	struct peer source;
	long token;
	int htoken;
	long *h;

	token = start_source(&source);
	ck_ok(hook((void **)&h, &htoken, token));
	io.buf = h + PG_OFF / sizeof(long);
	dio_start(&io);
	if (how == END_RELEASE)
		ck_ok(releasearea(htoken));
	else
		ck_ok(munmap(h, LEN));
	ck_assert_int_eq(remote(&source, P_FILL, W_SOURCE, 2), 0);
	ck_assert_int_eq(dio_finish(&io), PAGE);
	ck_label("the device, written from the snapshot",
		 device_label(dev_page), LABEL(W_SOURCE, 1, PG));
	ck_assert_int_eq(remote_stop(&source), 0);
	if (how == END_MUNMAP)
		ck_ok(releasearea(htoken));
}

START_TEST(dio_write_from_snapshot_then_release)
{
	snapshot_dio_write(END_RELEASE, 1);
}
END_TEST

START_TEST(dio_write_from_snapshot_then_munmap)
{
	snapshot_dio_write(END_MUNMAP, 2);
}
END_TEST

/*
 * 5b. An O_DIRECT read into the source's page is in flight when a process
 * hooks: the snapshot keeps the page as it was, and the read lands in the
 * source's own page.
 */
START_TEST(dio_read_into_source_across_hook)
{
	struct dio io = { .write = false, .dev_page = 0 };
	struct peer hooker;
	int token;
	long *a;

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_label(a, LEN, W_SOURCE, 1);
	io.buf = a + PG_OFF / sizeof(long);
	dio_start(&io);
	ck_ok(enablehook(token));
	remote_start_ext(&hooker, peer_cmd);
	ck_assert_int_gt(remote(&hooker, R_HOOK, token, 0), 0);
	ck_label("the snapshot at the hook", remote(&hooker, P_LABEL, PG_OFF, 0),
		 LABEL(W_SOURCE, 1, PG));
	ck_assert_int_eq(dio_finish(&io), PAGE);
	ck_label("the source's page, read into by O_DIRECT",
		 page_label(io.buf), DEVICE_WORD);
	ck_label("the snapshot after the source's O_DIRECT read",
		 remote(&hooker, P_LABEL, PG_OFF, 0), LABEL(W_SOURCE, 1, PG));
	ck_assert_int_eq(remote_stop(&hooker), 0);
	ck_ok(releasearea(token));
}
END_TEST

/*
 * 5c. The mirror of 5a: the source's page is the buffer of an O_DIRECT
 * write (issued before enablehook, or after it made the page read-only);
 * a process hooks, the source writes and releases, the hooker writes.
 * The device must get the source's page.  Which of the source's two
 * writes is its own race, as with any buffer written while in flight;
 * the hooker's never.
 */
static void source_dio_write(bool after_enable, long dev_page)
{
	struct dio io = { .write = true, .dev_page = dev_page };
	char got[96];
	struct peer hooker;
	long label;
	int token;
	long *a;

	ck_ok(createarea((void **)&a, &token, LEN));
	fill_label(a, LEN, W_SOURCE, 1);
	if (after_enable)
		ck_ok(enablehook(token));
	io.buf = a + PG_OFF / sizeof(long);
	dio_start(&io);
	if (!after_enable)
		ck_ok(enablehook(token));
	remote_start_ext(&hooker, peer_cmd);
	ck_assert_int_gt(remote(&hooker, R_HOOK, token, 0), 0);
	fill_label(a, LEN, W_SOURCE, 2);
	ck_ok(releasearea(token));
	ck_assert_int_eq(remote(&hooker, P_FILL, W_HOOKER, 1), 0);
	ck_assert_int_eq(dio_finish(&io), PAGE);
	label = device_label(dev_page);
	ck_assert_msg(label == LABEL(W_SOURCE, 1, PG) ||
		      label == LABEL(W_SOURCE, 2, PG),
		      "the device, written from the source's page, carried %s, want SOURCE's (first or later) write (page %d)",
		      describe(label, got, sizeof(got)), PG);
	ck_label("the hooker's page", remote(&hooker, P_LABEL, PG_OFF, 0),
		 LABEL(W_HOOKER, 1, PG));
	ck_assert_int_eq(remote_stop(&hooker), 0);
}

START_TEST(dio_write_from_source_then_release)
{
	source_dio_write(false, 3);
}
END_TEST

START_TEST(dio_write_from_source_after_enable_then_release)
{
	source_dio_write(true, 4);
}
END_TEST

/*
 * 6. Writes from another process into one side, by process_vm_writev()
 * or /proc/PID/mem, stay on that side.  The test is the remotes' parent,
 * which Yama's default scope lets ptrace them.
 */
enum poke { POKE_VM_WRITEV, POKE_PROC_MEM };

static long poke_page(pid_t pid, unsigned long addr, const void *buf,
		      enum poke how)
{
	struct iovec local = { .iov_base = (void *)buf, .iov_len = PAGE };
	struct iovec target = { .iov_base = (void *)addr, .iov_len = PAGE };
	char path[64];
	ssize_t n;
	int fd;

	if (how == POKE_VM_WRITEV) {
		n = process_vm_writev(pid, &local, 1, &target, 1, 0);
		return n < 0 ? -errno : n;
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	n = pwrite(fd, buf, PAGE, addr);
	n = n < 0 ? -errno : n;
	close(fd);
	return n;
}

static void poke_across(enum poke how, bool into_hooker)
{
	struct peer source, hooker;
	struct peer *target = into_hooker ? &hooker : &source;
	struct peer *other = into_hooker ? &source : &hooker;
	const long poked = LABEL(into_hooker ? W_HOOKER : W_SOURCE, 2, PG);
	long token, addr, buf[WORDS];

	token = start_source(&source);
	remote_start_ext(&hooker, peer_cmd);
	ck_assert_int_gt(remote(&hooker, R_HOOK, token, 0), 0);
	/* the target maps the shared page read-only before the write */
	ck_label("the target's page before the write",
		 remote(target, P_LABEL, PG_OFF, 0), LABEL(W_SOURCE, 1, PG));
	addr = remote(target, P_ADDR, 0, 0);
	fill_page(buf, poked);
	ck_assert_int_eq(poke_page(target->pid, addr + PG_OFF, buf, how), PAGE);
	ck_label("the written page", remote(target, P_LABEL, PG_OFF, 0), poked);
	ck_label(into_hooker ? "the source" : "the snapshot",
		 remote(other, P_LABEL, PG_OFF, 0), LABEL(W_SOURCE, 1, PG));
	ck_assert_int_eq(remote_stop(&hooker), 0);
	ck_assert_int_eq(remote_stop(&source), 0);
}

START_TEST(process_vm_writev_into_snapshot)
{
	poke_across(POKE_VM_WRITEV, true);
}
END_TEST

START_TEST(process_vm_writev_into_source)
{
	poke_across(POKE_VM_WRITEV, false);
}
END_TEST

START_TEST(proc_mem_write_into_snapshot)
{
	poke_across(POKE_PROC_MEM, true);
}
END_TEST

START_TEST(proc_mem_write_into_source)
{
	poke_across(POKE_PROC_MEM, false);
}
END_TEST

/*
 * 7. After the hook, one side has a page written (its own copy, writable)
 * and one only read (the shared page, read-only), takes its whole mapping
 * to PROT_READ and back, and writes every page: none of it reaches the
 * other side, nor the other side's later writes this one.
 */
static void mprotect_round_trip(bool on_hooker)
{
	struct peer source, hooker;
	struct peer *side = on_hooker ? &hooker : &source;
	struct peer *other = on_hooker ? &source : &hooker;
	const long side_writer = on_hooker ? W_HOOKER : W_SOURCE;
	const long other_writer = on_hooker ? W_SOURCE : W_HOOKER;
	long token;

	token = start_source(&source);
	remote_start_ext(&hooker, peer_cmd);
	ck_assert_int_gt(remote(&hooker, R_HOOK, token, 0), 0);
	ck_assert_int_eq(remote(side, P_FILL_PAGE, 0, LABEL(side_writer, 2, 0)), 0);
	ck_label("the page read before mprotect", remote(side, P_LABEL, PG_OFF, 0),
		 LABEL(W_SOURCE, 1, PG));
	ck_assert_int_eq(remote(side, P_MPROTECT, PROT_READ, 0), 0);
	ck_assert_int_eq(remote(side, P_MPROTECT, PROT_READ | PROT_WRITE, 0), 0);

	ck_assert_int_eq(remote(side, P_FILL, side_writer, 2), 0);
	ck_label("the other side's written page", remote(other, P_LABEL, 0, 0),
		 LABEL(W_SOURCE, 1, 0));
	ck_label("the other side's read page", remote(other, P_LABEL, PG_OFF, 0),
		 LABEL(W_SOURCE, 1, PG));
	ck_assert_int_eq(remote(other, P_FILL, other_writer, 3), 0);
	ck_label("the mprotected side's written page", remote(side, P_LABEL, 0, 0),
		 LABEL(side_writer, 2, 0));
	ck_label("the mprotected side's read page",
		 remote(side, P_LABEL, PG_OFF, 0), LABEL(side_writer, 2, PG));
	ck_assert_int_eq(remote_stop(&hooker), 0);
	ck_assert_int_eq(remote_stop(&source), 0);
}

START_TEST(mprotect_round_trip_on_source)
{
	mprotect_round_trip(false);
}
END_TEST

START_TEST(mprotect_round_trip_on_snapshot)
{
	mprotect_round_trip(true);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("COW peer suite");
	TCase *pipes = tcase_create("pipes");
	TCase *dio = tcase_create("o_direct");
	TCase *other = tcase_create("other_writers");

	tcase_add_test(pipes, hooker_vmsplice_then_release);
	tcase_add_test(pipes, hooker_vmsplice_then_exit);
	tcase_add_test(pipes, hooker_vmsplice_then_munmap);
	tcase_add_test(pipes, hooker_vmsplice_then_release_reader_elsewhere);
	tcase_add_test(pipes, hooker_vmsplice_then_exit_reader_elsewhere);
	tcase_add_test(pipes, hooker_tee_then_release);
	tcase_add_test(pipes, hooker_tee_then_exit);
	tcase_add_test(pipes, source_vmsplice_then_release);
	tcase_add_test(pipes, source_vmsplice_then_exit);
	tcase_add_test(pipes, source_vmsplice_then_munmap);
	tcase_add_test(pipes, source_vmsplice_after_enable_then_release);
	tcase_add_test(pipes, chain_middle_vmsplice_then_release_d_writes_first);
	tcase_add_test(pipes, chain_middle_vmsplice_then_exit_a_writes_first);
	suite_add_tcase(s, pipes);

	if (geteuid() == 0) {
		tcase_add_unchecked_fixture(dio, setup_device, teardown_device);
		tcase_add_test(dio, dio_write_from_snapshot_then_release);
		tcase_add_test(dio, dio_write_from_snapshot_then_munmap);
		tcase_add_test(dio, dio_read_into_source_across_hook);
		tcase_add_test(dio, dio_write_from_source_then_release);
		tcase_add_test(dio, dio_write_from_source_after_enable_then_release);
		suite_add_tcase(s, dio);
	} else {
		printf("cow_peers: O_DIRECT checks not run (they need root for the dm-delay device)\n");
	}

	tcase_add_test(other, process_vm_writev_into_snapshot);
	tcase_add_test(other, process_vm_writev_into_source);
	tcase_add_test(other, proc_mem_write_into_snapshot);
	tcase_add_test(other, proc_mem_write_into_source);
	tcase_add_test(other, mprotect_round_trip_on_source);
	tcase_add_test(other, mprotect_round_trip_on_snapshot);
	suite_add_tcase(s, other);
	return s;
}
