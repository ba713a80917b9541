// SPDX-License-Identifier: GPL-2.0-only
/*
 * Long-term pins of an area: io_uring's fixed buffers (FOLL_LONGTERM with
 * write access) are refused on every kernel, each for a reason of its own:
 * before 6.4 io_uring takes no file-backed memory at all (EOPNOTSUPP); from
 * 6.4 it does, but the core refuses a writable long-term pin of a mapping
 * that tracks writes (EFAULT, check_vma_flags()).  An anonymous buffer is
 * the control: io_uring works in the guest.  Raw syscalls, no liburing.
 */
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "helpers.h"

static int ring(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	return syscall(__NR_io_uring_setup, 4, &p);
}

static int register_buffer(int fd, void *base, size_t len)
{
	struct iovec iov = { .iov_base = base, .iov_len = len };

	return syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS, &iov, 1);
}

START_TEST(fixed_buffer_refused)
{
	size_t len = 4 * PAGE;
	void *a, *anon;
	long pages = swing_stat("pages");
	int fd, token;

	fd = ring();
	ck_assert_msg(fd >= 0, "io_uring_setup: %s", strerror(errno));
	anon = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(anon, MAP_FAILED);
	memset(anon, 1, len);
	ck_ok(register_buffer(fd, anon, len));
	ck_ok(syscall(__NR_io_uring_register, fd, IORING_UNREGISTER_BUFFERS, NULL, 0));

	ck_ok(createarea(&a, &token, len));
	memset(a, 2, len);
	ck_fails_with(register_buffer(fd, a, len),
		      kernel_older_than(6, 4) ? EOPNOTSUPP : EFAULT);
	ck_ok(enablehook(token));	/* nothing left pinned */
	ck_assert_int_eq(swing_stat("pages"), pages + (long)(len / PAGE));
	ck_ok(releasearea(token));
	close(fd);
	munmap(anon, len);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("longterm");
	TCase *tc = tcase_create("longterm");

	tcase_add_test(tc, fixed_buffer_refused);
	suite_add_tcase(s, tc);
	return s;
}
