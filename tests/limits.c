// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-user limits (module parameters max_areas_per_user and
 * max_pages_per_user): areas count from create or hook until release, by
 * size; another user is not charged for them; the limits are read at each
 * call.  The parameters are put back after the tests, pass or fail.
 *
 * An area released by closing its /dev/swing descriptor loses its token
 * but not its owner's mapping, which keeps its pages and tree alive: it
 * stays charged until that mapping goes, or a loop of open, create, close
 * would hold any number of areas past the limit.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"

#define NOBODY 65534
#define OTHER 65533

static unsigned long saved_areas, saved_pages;

static void save_params(void)
{
	saved_areas = swing_param("max_areas_per_user");
	saved_pages = swing_param("max_pages_per_user");
}

static void restore_params(void)
{
	set_param("max_areas_per_user", saved_areas);
	set_param("max_pages_per_user", saved_pages);
}

START_TEST(defaults)
{
	ck_assert_uint_eq(swing_param("max_areas_per_user"), 4096);
	ck_assert_uint_eq(swing_param("max_pages_per_user"), 0);
}
END_TEST

START_TEST(areas_per_user)
{
	struct peer u, v, w;
	long t[3];
	int i;

	remote_start(&u);
	remote_start(&v);
	remote_start(&w);
	ck_assert_int_eq(remote(&u, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&v, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&w, R_SETUID, OTHER, 0), 0);
	set_param("max_areas_per_user", 3);
	for (i = 0; i < 3; i++) {
		t[i] = remote(i < 2 ? &u : &v, R_CREATE, PAGE, 0);
		ck_assert_int_gt(t[i], 0);
	}
	/* a fourth, by any process of that uid, by create or hook */
	ck_assert_int_eq(remote(&v, R_CREATE, PAGE, 0), -ENOSPC);
	ck_assert_int_eq(remote(&u, R_ENABLE, t[0], 0), 0);
	ck_assert_int_eq(remote(&v, R_HOOK, t[0], 0), -ENOSPC);
	/* another uid has its own count */
	ck_assert_int_gt(remote(&w, R_CREATE, PAGE, 0), 0);
	/* release gives the slot back */
	ck_assert_int_eq(remote(&u, R_RELEASE, t[1], 0), 0);
	ck_assert_int_gt(remote(&v, R_HOOK, t[0], 0), 0);
	ck_assert_int_eq(remote(&u, R_CREATE, PAGE, 0), -ENOSPC);
	/* so does exit */
	ck_assert_int_eq(remote_stop(&v), 0);
	ck_assert_int_gt(remote(&u, R_CREATE, PAGE, 0), 0);
	/* 0: no limit */
	set_param("max_areas_per_user", 0);
	ck_assert_int_gt(remote(&u, R_CREATE, PAGE, 0), 0);
	ck_assert_int_eq(remote_stop(&u), 0);
	ck_assert_int_eq(remote_stop(&w), 0);
}
END_TEST

START_TEST(pages_per_user)
{
	struct peer u, v;
	long t;

	remote_start(&u);
	remote_start(&v);
	ck_assert_int_eq(remote(&u, R_SETUID, NOBODY, 0), 0);
	ck_assert_int_eq(remote(&v, R_SETUID, NOBODY, 0), 0);
	set_param("max_pages_per_user", 10);
	ck_assert_int_eq(remote(&u, R_CREATE, 11 * PAGE, 0), -ENOSPC);
	t = remote(&u, R_CREATE, 6 * PAGE, 0);
	ck_assert_int_gt(t, 0);
	ck_assert_int_eq(remote(&u, R_ENABLE, t, 0), 0);
	/* a snapshot counts its full size, shared or not */
	ck_assert_int_eq(remote(&v, R_HOOK, t, 0), -ENOSPC);
	ck_assert_int_gt(remote(&v, R_CREATE, 4 * PAGE, 0), 0);
	ck_assert_int_eq(remote(&v, R_CREATE, 1, 0), -ENOSPC);
	ck_assert_int_eq(remote(&u, R_RELEASE, t, 0), 0);
	ck_assert_int_gt(remote(&u, R_CREATE, 6 * PAGE, 0), 0);
	ck_assert_int_eq(remote_stop(&u), 0);
	ck_assert_int_eq(remote_stop(&v), 0);
}
END_TEST

/*
 * A one-page area created with the raw ioctl on a descriptor of its own,
 * written, and the descriptor closed: the token goes, the mapping stays.
 * Returns 0 or -errno of the create.
 */
static long create_and_close(volatile long **addr)
{
	struct swing_create req = { .length = PAGE };
	int fd = open(SWING_DEVICE, O_RDWR | O_CLOEXEC);
	long ret = 0;

	ck_assert_int_ge(fd, 0);
	if (ioctl(fd, SWING_IOC_CREATE, &req)) {
		ret = -errno;
	} else {
		*addr = (volatile long *)(unsigned long)req.addr;
		**addr = req.token;
	}
	ck_assert_int_eq(close(fd), 0);
	return ret;
}

START_TEST(closed_descriptor_keeps_charge)
{
	volatile long *a[16];
	long areas = swing_stat("areas"), ret;
	void *b;
	int n, t, u;

	set_param("max_areas_per_user", 2);
	ck_assert_int_eq(setgid(NOBODY), 0);
	ck_assert_int_eq(setuid(NOBODY), 0);
	for (n = 0; n < 16; n++) {
		ret = create_and_close(&a[n]);
		if (ret)
			break;
	}
	ck_assert_msg(n == 2 && ret == -ENOSPC,
		      "%d areas created past closed descriptors with max_areas_per_user=2 (%ld areas alive), then %ld",
		      n, swing_stat("areas") - areas, ret);
	/* their mappings still hold them */
	ck_assert_int_eq(swing_stat("areas"), areas + 2);
	ck_assert_int_gt(a[0][0], 0);
	ck_assert_int_gt(a[1][0], 0);
	/* the mapping gone, the area is freed and its slot comes back */
	ck_assert_int_eq(munmap((void *)a[0], PAGE), 0);
	ck_assert_int_eq(swing_stat("areas"), areas + 1);
	ck_assert_int_eq(create_and_close(&a[0]), 0);
	ck_assert_int_eq(create_and_close(&a[2]), -ENOSPC);
	ck_assert_int_eq(munmap((void *)a[0], PAGE), 0);
	/* the owner's releasearea() unmaps: uncharged at once */
	ck_ok(createarea(&b, &t, PAGE));
	ck_fails_with(createarea(&b, &u, PAGE), ENOSPC);
	ck_ok(releasearea(t));
	ck_ok(createarea(&b, &t, PAGE));
	ck_ok(releasearea(t));
	ck_assert_int_eq(munmap((void *)a[1], PAGE), 0);
	ck_assert_int_eq(swing_stat("areas"), areas);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = tcase_create("limits");

	tcase_add_unchecked_fixture(tc, save_params, restore_params);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, areas_per_user);
	tcase_add_test(tc, pages_per_user);
	tcase_add_test(tc, closed_descriptor_keeps_charge);
	suite_add_tcase(s, tc);
	return s;
}
