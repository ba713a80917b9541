// SPDX-License-Identifier: GPL-2.0-only
/*
 * A page pinned for DMA when the area is snapshotted must not let the
 * device's later writes into the snapshot: the hook gives the snapshot a
 * copy of it at once, as fork() does for the child.
 *
 * The pin: an O_DIRECT read into the area from a dm-delay device (over a
 * loop device), which holds its pages pinned for the delay and writes them
 * at the end.  Block O_DIRECT pins with FOLL_PIN from Linux 6.5; before, it
 * takes plain references that nobody can tell from others (fork has the
 * same blind spot), so the test only runs on 6.5 and later, as root.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "helpers.h"

#define LEN	(16 * PAGE)
#define DELAY_MS 2000

static char dev[64];
static char loopdev[64];

static void setup_device(void)
{
	char cmd[512];
	FILE *f;

	ck_assert_int_eq(system("modprobe loop && modprobe dm-delay"), 0);
	ck_assert_int_eq(system("head -c 1048576 /dev/zero | tr '\\0' '\\253' > /dev/shm/swing-pin.img"), 0);
	f = popen("losetup --find --show /dev/shm/swing-pin.img", "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(loopdev, sizeof(loopdev), f));
	pclose(f);
	loopdev[strcspn(loopdev, "\n")] = 0;
	snprintf(cmd, sizeof(cmd),
		 "dmsetup create swing-pin --noudevsync --table '0 2048 delay %s 0 %d'",
		 loopdev, DELAY_MS);
	ck_assert_int_eq(system(cmd), 0);
	/* no udev in the guest: the node devtmpfs made, /dev/dm-N */
	f = popen("dmsetup info -c --noheadings -o blkdevname swing-pin", "r");
	ck_assert_ptr_nonnull(f);
	strcpy(dev, "/dev/");
	ck_assert_ptr_nonnull(fgets(dev + 5, sizeof(dev) - 5, f));
	pclose(f);
	dev[strcspn(dev, "\n ")] = 0;
}

static void teardown_device(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "dmsetup remove --noudevsync swing-pin; losetup -d %s; rm -f /dev/shm/swing-pin.img",
		 loopdev);
	if (system(cmd))
		fprintf(stderr, "pinned: teardown failed\n");
}

static void *direct_read(void *area)
{
	int fd = open(dev, O_RDONLY | O_DIRECT);
	long n = -1;

	if (fd >= 0) {
		n = pread(fd, area, LEN, 0);
		close(fd);
	}
	return (void *)n;
}

START_TEST(pinned_page_copied_at_hook)
{
	const long old = 0x1111111111111111L, dma = (long)0xababababababababUL;
	struct peer r;
	pthread_t t;
	long copies;
	void *n;
	long *a;
	int token;

	setup_device();
	ck_ok(createarea((void **)&a, &token, LEN));
	memset(a, 0x11, LEN);
	ck_assert_int_eq(pthread_create(&t, NULL, direct_read, a), 0);
	usleep(DELAY_MS * 1000 / 4);	/* the read is in flight, pages pinned */

	ck_ok(enablehook(token));
	copies = swing_stat("cow_copies");
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	/* every page of the area was pinned: the snapshot got copies now */
	ck_assert_int_eq(swing_stat("cow_copies"), copies + LEN / PAGE);
	ck_assert_int_eq(remote(&r, R_READ, 0, 0), old);

	ck_assert_int_eq(pthread_join(t, &n), 0);
	ck_assert_int_eq((long)n, LEN);
	ck_assert_int_eq(a[0], dma);	/* the device wrote the source */
	ck_assert_int_eq(a[LEN / sizeof(long) - 1], dma);
	/* and nothing of it reached the snapshot */
	ck_assert_int_eq(remote(&r, R_READ, 0, 0), old);
	ck_assert_int_eq(remote(&r, R_READ, LEN - sizeof(long), 0), old);
	ck_assert_int_eq(remote_stop(&r), 0);

	/* unpinned now: the next snapshot shares the pages again */
	copies = swing_stat("cow_copies");
	ck_ok(enablehook(token));
	remote_start(&r);
	ck_assert_int_gt(remote(&r, R_HOOK, token, 0), 0);
	ck_assert_int_eq(swing_stat("cow_copies"), copies);
	ck_assert_int_eq(remote(&r, R_READ, 0, 0), dma);
	ck_assert_int_eq(remote_stop(&r), 0);
	ck_ok(releasearea(token));
	teardown_device();
}
END_TEST

static int kernel_pins_odirect(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	uname(&u);
	sscanf(u.release, "%d.%d", &major, &minor);
	return major > 6 || (major == 6 && minor >= 5);
}

Suite *swing_suite(void)
{
	Suite *s = suite_create("pinned");
	TCase *tc = tcase_create("pinned");

	if (geteuid() == 0 && kernel_pins_odirect())
		tcase_add_test(tc, pinned_page_copied_at_hook);
	else
		printf("pinned: not run (needs root and Linux 6.5+, where O_DIRECT pins with FOLL_PIN)\n");
	suite_add_tcase(s, tc);
	return s;
}
