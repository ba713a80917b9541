// SPDX-License-Identifier: GPL-2.0-only
/*
 * A hardware memory error in a page that a source and its snapshot share
 * (injected with MADV_HWPOISON, as root): the page is lost for both.  A
 * read or write of it on either side must raise SIGBUS with BUS_MCEERR_AR,
 * as for anonymous memory; a write must never copy the corrupt contents
 * into a fresh page that then passes for good.  The other pages keep
 * working on both sides, and once both areas are gone the module holds
 * nothing.  The kernel logs the injection and each SIGBUS; those lines,
 * and no other memory-failure line, are let through by tools/kernel-reports.
 */
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"

#define NPAGES	8
#define BAD	3	/* the poisoned page */

static sigjmp_buf bus_env;
static siginfo_t bus_info;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	bus_info = *si;
	siglongjmp(bus_env, 1);
}

/*
 * Read *p, or write -1 there: 0 if the access went through, else the
 * si_code of the SIGBUS it raised (-1 if that named another page).
 */
static long touch_code(volatile long *p, bool write)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	struct sigaction old;
	long code = 0;

	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(bus_env, 1)) {
		if (write)
			*p = -1;
		else
			(void)*p;
	} else if (((unsigned long)bus_info.si_addr & ~(PAGE - 1)) !=
		 ((unsigned long)p & ~(PAGE - 1)))
		code = -1;
	else
		code = bus_info.si_code;
	sigaction(SIGBUS, &old, NULL);
	return code;
}

static uint64_t read_u64(const char *path, unsigned long index)
{
	int fd = open(path, O_RDONLY);
	uint64_t v;

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(pread(fd, &v, sizeof(v), index * sizeof(v)), sizeof(v));
	close(fd);
	return v;
}

/* Poison the page at @addr, which this process maps; fails if it is not. */
static void poison(volatile char *addr)
{
	uint64_t e, pfn;
	int ret, err;

	(void)*addr;	/* mapped, so that pagemap gives its frame */
	e = read_u64("/proc/self/pagemap", (unsigned long)addr / PAGE);
	ck_assert_msg(e >> 63, "page not present");
	pfn = e & ((1ULL << 55) - 1);
	errno = 0;
	ret = madvise((void *)addr, PAGE, MADV_HWPOISON);
	err = errno;
	/*
	 * memory_failure() has no handling for a page outside the LRU and
	 * says so (EBUSY), but flags the page: what matters here.
	 */
	ck_assert_msg(ret == 0 || err == EBUSY, "madvise(MADV_HWPOISON): %s",
		      strerror(err));
	ck_assert_msg(read_u64("/proc/kpageflags", pfn) & 1ULL << KPF_HWPOISON,
		      "pfn %#llx not flagged hwpoison", (unsigned long long)pfn);
}

/* The snapshot's side: its commands, on the snapshot it hooks first. */
enum { S_READ, S_TOUCH, S_WRITE };

static int snapshot_main(int in, int out, void *arg)
{
	volatile long *b;
	long cmd, off;
	int t;

	if (hook((void **)&b, &t, recv_long(in))) {
		send_long(out, -errno);
		return 1;
	}
	send_long(out, t);
	while ((cmd = recv_long(in)) >= 0) {
		off = recv_long(in) / sizeof(long);
		send_long(out, cmd == S_READ ? b[off] :
			       touch_code(b + off, cmd == S_WRITE));
	}
	return 0;
}

static long snapshot(struct peer *s, long cmd, unsigned long off)
{
	send_long(s->to, cmd);
	send_long(s->to, off);
	return recv_long(s->from);
}

static void snapshot_stop(struct peer *s)
{
	send_long(s->to, -1);
	ck_assert_int_eq(peer_wait(s), 0);
}

/* A written, enabled area of NPAGES pages, hooked by @s; BAD poisoned. */
static char *shared_poisoned(struct peer *s, int *token)
{
	void *a;

	ck_ok(createarea(&a, token, NPAGES * PAGE));
	fill_pages(a, NPAGES * PAGE, 1);
	ck_ok(enablehook(*token));
	peer_start(s, snapshot_main, NULL);
	send_long(s->to, *token);
	ck_assert_int_gt(recv_long(s->from), 0);
	poison((char *)a + BAD * PAGE);
	return a;
}

/* The module's totals are back to @areas, @pages once both sides are gone. */
static void totals_back(long areas, long pages)
{
	ck_assert_int_eq(swing_stat("areas"), areas);
	ck_assert_int_eq(swing_stat("pages"), pages);
}

START_TEST(snapshot_read_gets_sigbus)
{
	long areas = swing_stat("areas"), pages = swing_stat("pages");
	struct peer s;
	int token;
	char *a = shared_poisoned(&s, &token);

	ck_assert_int_eq(snapshot(&s, S_TOUCH, BAD * PAGE), BUS_MCEERR_AR);
	ck_assert_int_eq(snapshot(&s, S_READ, 4 * PAGE), 1);
	ck_assert_int_eq(*(long *)(a + 4 * PAGE), 1);
	snapshot_stop(&s);
	ck_ok(releasearea(token));
	totals_back(areas, pages);
}
END_TEST

START_TEST(source_write_gets_sigbus)
{
	long areas = swing_stat("areas"), pages = swing_stat("pages");
	struct peer s;
	int token;
	char *a = shared_poisoned(&s, &token);

	ck_assert_int_eq(touch_code((long *)(a + BAD * PAGE), true), BUS_MCEERR_AR);
	/* the other pages, on both sides */
	ck_assert_int_eq(touch_code((long *)(a + 2 * PAGE), true), 0);
	ck_assert_int_eq(*(long *)(a + 2 * PAGE), -1);
	ck_assert_int_eq(*(long *)(a + 4 * PAGE), 1);
	ck_assert_int_eq(snapshot(&s, S_READ, 2 * PAGE), 1);
	ck_assert_int_eq(snapshot(&s, S_WRITE, 4 * PAGE), 0);
	ck_assert_int_eq(snapshot(&s, S_READ, 4 * PAGE), -1);
	ck_assert_int_eq(*(long *)(a + 4 * PAGE), 1);
	ck_ok(releasearea(token));
	snapshot_stop(&s);
	totals_back(areas, pages);
}
END_TEST

START_TEST(snapshot_write_gets_sigbus)
{
	long areas = swing_stat("areas"), pages = swing_stat("pages");
	struct peer s;
	int token;
	char *a = shared_poisoned(&s, &token);

	ck_assert_int_eq(snapshot(&s, S_WRITE, BAD * PAGE), BUS_MCEERR_AR);
	ck_assert_int_eq(snapshot(&s, S_WRITE, 2 * PAGE), 0);
	ck_assert_int_eq(snapshot(&s, S_READ, 2 * PAGE), -1);
	ck_assert_int_eq(snapshot(&s, S_READ, 4 * PAGE), 1);
	ck_assert_int_eq(*(long *)(a + 2 * PAGE), 1);
	ck_assert_int_eq(touch_code((long *)(a + 4 * PAGE), true), 0);
	ck_assert_int_eq(snapshot(&s, S_READ, 4 * PAGE), 1);
	snapshot_stop(&s);
	ck_ok(releasearea(token));
	totals_back(areas, pages);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("poison");
	TCase *tc = tcase_create("poison");

	tcase_add_test(tc, snapshot_read_gets_sigbus);
	tcase_add_test(tc, source_write_gets_sigbus);
	tcase_add_test(tc, snapshot_write_gets_sigbus);
	suite_add_tcase(s, tc);
	return s;
}
