// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every ioctl validates its input: bad pointers give EFAULT, unknown
 * commands ENOTTY, nonzero flags or reserved fields EINVAL, and a failed
 * copy-out leaves nothing behind.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"

static int dev(void)
{
	int fd = open(SWING_DEVICE, O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

static int count_swing_maps(void)
{
	FILE *m = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	while (fgets(line, sizeof(line), m))
		n += strstr(line, "swing:[") != NULL;
	fclose(m);
	return n;
}

static const unsigned long all_cmds[] = {
	SWING_IOC_VERSION, SWING_IOC_CREATE, SWING_IOC_HOOK,
	SWING_IOC_ENABLE, SWING_IOC_DISABLE, SWING_IOC_RELEASE,
	SWING_IOC_GETPERM, SWING_IOC_SETPERM, SWING_IOC_GRANT,
	SWING_IOC_PUBLISH, SWING_IOC_WAIT, SWING_IOC_WATCH,
	SWING_IOC_QUEUE_CREATE, SWING_IOC_SEND, SWING_IOC_RECV,
};

START_TEST(bad_pointers)
{
	int fd = dev();
	void *unmapped = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	for (size_t i = 0; i < sizeof(all_cmds) / sizeof(all_cmds[0]); i++) {
		ck_fails_with(ioctl(fd, all_cmds[i], NULL), EFAULT);
		ck_fails_with(ioctl(fd, all_cmds[i], (void *)8), EFAULT);
		ck_fails_with(ioctl(fd, all_cmds[i], unmapped), EFAULT);
		ck_fails_with(ioctl(fd, all_cmds[i], (void *)-4096L), EFAULT);
	}
	close(fd);
}
END_TEST

START_TEST(unknown_commands)
{
	int fd = dev(), arg[64] = { 0 };

	ck_fails_with(ioctl(fd, _IO(SWING_IOC_MAGIC, 0x7f), arg), ENOTTY);
	ck_fails_with(ioctl(fd, _IOWR(SWING_IOC_MAGIC, 0x01, int), arg), ENOTTY);
	ck_fails_with(ioctl(fd, _IOW(SWING_IOC_MAGIC, 0x03, long), arg), ENOTTY);
	ck_fails_with(ioctl(fd, _IOWR('S', 0x01, struct swing_create), arg), ENOTTY);
	ck_fails_with(ioctl(fd, 0, arg), ENOTTY);
	ck_fails_with(ioctl(fd, ~0U, arg), ENOTTY);
	close(fd);
}
END_TEST

START_TEST(reserved_and_flags)
{
	int fd = dev(), token;
	struct swing_create c;
	struct swing_hook h;
	struct swing_token_op op;
	void *a;

	ck_ok(createarea(&a, &token, PAGE));
	ck_ok(enablehook(token));
	for (int i = 0; i < 4; i++) {
		memset(&c, 0, sizeof(c));
		c.length = PAGE;
		c.reserved[i] = 1;
		ck_fails_with(ioctl(fd, SWING_IOC_CREATE, &c), EINVAL);
	}
	/* 1.3.0 made hook's first reserved word its version (in: 0) */
	for (size_t i = 0; i < sizeof(h.reserved) / sizeof(h.reserved[0]); i++) {
		memset(&h, 0, sizeof(h));
		h.src_token = token;
		h.reserved[i] = 1;
		ck_fails_with(ioctl(fd, SWING_IOC_HOOK, &h), EINVAL);
	}
	memset(&c, 0, sizeof(c));
	c.length = PAGE;
	c.flags = 1;
	ck_fails_with(ioctl(fd, SWING_IOC_CREATE, &c), EINVAL);
	memset(&h, 0, sizeof(h));
	h.src_token = token;
	h.flags = 0x80000000;
	ck_fails_with(ioctl(fd, SWING_IOC_HOOK, &h), EINVAL);
	h.flags = 0;
	h.__pad = 1;
	ck_fails_with(ioctl(fd, SWING_IOC_HOOK, &h), EINVAL);
	for (unsigned long cmd = SWING_IOC_ENABLE; cmd; cmd = 0) {
		const unsigned long ops[] = { SWING_IOC_ENABLE, SWING_IOC_DISABLE,
					      SWING_IOC_RELEASE };

		for (int j = 0; j < 3; j++) {
			memset(&op, 0, sizeof(op));
			op.token = token;
			op.flags = 2;
			ck_fails_with(ioctl(fd, ops[j], &op), EINVAL);
			op.flags = 0;
			op.reserved[1] = 1;
			ck_fails_with(ioctl(fd, ops[j], &op), EINVAL);
		}
	}
	ck_assert_int_eq(swing_stat("areas"), 1);	/* nothing was created */
	memset(&op, 0, sizeof(op));	/* and the area is intact */
	op.token = token;
	ck_ok(ioctl(fd, SWING_IOC_DISABLE, &op));
	ck_ok(ioctl(fd, SWING_IOC_RELEASE, &op));	/* any fd of the owner */
	close(fd);
}
END_TEST

START_TEST(perm_and_grant_fields)
{
	int fd = dev(), token;
	struct swing_perm p;
	struct swing_grant g;
	struct swing_token_op op;
	void *a;

	ck_ok(createarea(&a, &token, PAGE));
	for (int i = 0; i < 4; i++) {
		memset(&p, 0, sizeof(p));
		p.token = token;
		p.mode = 0600;
		p.reserved[i] = 1;
		ck_fails_with(ioctl(fd, SWING_IOC_SETPERM, &p), EINVAL);
		ck_fails_with(ioctl(fd, SWING_IOC_GETPERM, &p), EINVAL);
	}
	memset(&p, 0, sizeof(p));
	p.token = token;
	p.flags = 1;
	ck_fails_with(ioctl(fd, SWING_IOC_SETPERM, &p), EINVAL);
	p.flags = 0;
	p.__pad = 1;
	ck_fails_with(ioctl(fd, SWING_IOC_GETPERM, &p), EINVAL);
	p.__pad = 0;
	p.mode = 010000;
	ck_fails_with(ioctl(fd, SWING_IOC_SETPERM, &p), EINVAL);
	p.token = 0;
	ck_fails_with(ioctl(fd, SWING_IOC_GETPERM, &p), EINVAL);
	p.token = 0x7fffffff;
	ck_fails_with(ioctl(fd, SWING_IOC_GETPERM, &p), ENOENT);

	memset(&g, 0, sizeof(g));
	g.token = token;
	g.pid = getpid();
	g.flags = 2;
	ck_fails_with(ioctl(fd, SWING_IOC_GRANT, &g), EINVAL);
	g.flags = 0;
	g.__pad = 1;
	ck_fails_with(ioctl(fd, SWING_IOC_GRANT, &g), EINVAL);
	g.__pad = 0;
	g.reserved[1] = 1;
	ck_fails_with(ioctl(fd, SWING_IOC_GRANT, &g), EINVAL);
	g.reserved[1] = 0;
	g.pid = 0;
	ck_fails_with(ioctl(fd, SWING_IOC_GRANT, &g), EINVAL);
	g.pid = -1;
	ck_fails_with(ioctl(fd, SWING_IOC_GRANT, &g), EINVAL);
	g.pid = getpid();
	ck_ok(ioctl(fd, SWING_IOC_GRANT, &g));

	/* nothing changed by the refused calls */
	ck_ok(swing_getperm(token, &p));
	ck_assert_uint_eq(p.mode, 0600);
	memset(&op, 0, sizeof(op));
	op.token = token;
	ck_ok(ioctl(fd, SWING_IOC_RELEASE, &op));
	close(fd);
}
END_TEST

/* The lowest free descriptor: a refused watch must not have taken it. */
static int next_fd(void)
{
	int fd = dup(0);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return fd;
}

/* A request with reserved word i set (i < 2), else with flags bad. */
#define SPOIL(req, i, bad)						\
	do {								\
		if ((i) < 2)						\
			(req).reserved[i] = 1;				\
		else							\
			(req).flags = (bad);				\
	} while (0)

/*
 * The calls of 1.3.0: flags, padding and reserved fields must be zero,
 * hook's version is out only, a wait's timeout is at least -1.  Nothing
 * is published, created, queued or opened by a refused call.
 */
START_TEST(versions_and_queues_fields)
{
	int fd = dev(), token, q, fds;
	long areas = swing_stat("areas");
	struct swing_publish pub;
	struct swing_wait w;
	struct swing_watch wa;
	struct swing_queue_create qc;
	struct swing_send snd;
	struct swing_recv rcv;
	struct swing_hook h;
	void *a;

	ck_ok(createarea(&a, &token, PAGE));
	ck_ok(swing_queue_create(&q, 4));
	fds = next_fd();	/* after libswing opened its own */
	for (int i = 0; i < 3; i++) {
		memset(&pub, 0, sizeof(pub));
		pub.token = token;
		SPOIL(pub, i, 1);
		ck_fails_with(ioctl(fd, SWING_IOC_PUBLISH, &pub), EINVAL);
		memset(&wa, 0, sizeof(wa));
		wa.token = token;
		SPOIL(wa, i, 1);
		ck_fails_with(ioctl(fd, SWING_IOC_WATCH, &wa), EINVAL);
		memset(&qc, 0, sizeof(qc));
		qc.depth = 1;
		SPOIL(qc, i, 1);
		ck_fails_with(ioctl(fd, SWING_IOC_QUEUE_CREATE, &qc), EINVAL);
		memset(&snd, 0, sizeof(snd));
		snd.qtoken = q;
		snd.token = token;
		SPOIL(snd, i, SWING_SEND_FLAGS + 1);
		ck_fails_with(ioctl(fd, SWING_IOC_SEND, &snd), EINVAL);
		memset(&rcv, 0, sizeof(rcv));
		rcv.qtoken = q;
		rcv.flags = SWING_NONBLOCK;
		SPOIL(rcv, i, SWING_SEND_MOVE);
		ck_fails_with(ioctl(fd, SWING_IOC_RECV, &rcv), EINVAL);
	}
	for (int i = 0; i < 5; i++) {
		memset(&w, 0, sizeof(w));
		w.token = token;
		switch (i) {
		case 0:
		case 1:
			w.reserved[i] = 1;
			break;
		case 2:
			w.flags = 1;
			break;
		case 3:
			w.__pad = 1;
			break;
		case 4:
			w.timeout_ms = -2;
			break;
		}
		ck_fails_with(ioctl(fd, SWING_IOC_WAIT, &w), EINVAL);
	}
	memset(&wa, 0, sizeof(wa));
	wa.token = token;
	wa.__pad = 1;
	ck_fails_with(ioctl(fd, SWING_IOC_WATCH, &wa), EINVAL);
	wa.__pad = 0;
	memset(&qc, 0, sizeof(qc));
	qc.depth = 1;
	qc.__pad = 1;
	ck_fails_with(ioctl(fd, SWING_IOC_QUEUE_CREATE, &qc), EINVAL);
	memset(&snd, 0, sizeof(snd));
	snd.qtoken = q;
	snd.token = token;
	snd.__pad = 1;
	ck_fails_with(ioctl(fd, SWING_IOC_SEND, &snd), EINVAL);
	memset(&rcv, 0, sizeof(rcv));
	rcv.qtoken = q;
	rcv.flags = SWING_NONBLOCK;
	rcv.__pad = 1;
	ck_fails_with(ioctl(fd, SWING_IOC_RECV, &rcv), EINVAL);
	ck_ok(enablehook(token));
	memset(&h, 0, sizeof(h));
	h.src_token = token;
	h.version = 1;
	ck_fails_with(ioctl(fd, SWING_IOC_HOOK, &h), EINVAL);

	/* nothing happened: no version, message, queue, area or descriptor */
	ck_assert_int_eq(next_fd(), fds);
	ck_assert_int_eq(swing_stat("areas"), areas + 2);
	ck_assert_int_eq(swing_stat("messages"), 0);
	ck_assert_int_eq(swing_stat("versions"), 0);
	memset(&w, 0, sizeof(w));
	w.token = token;
	ck_fails_with(ioctl(fd, SWING_IOC_WAIT, &w), ETIMEDOUT);
	/* and the fields all zero are accepted */
	memset(&pub, 0, sizeof(pub));
	pub.token = token;
	ck_ok(ioctl(fd, SWING_IOC_PUBLISH, &pub));
	ck_assert_uint_eq(pub.version, 1);
	ck_ok(ioctl(fd, SWING_IOC_WATCH, &wa));
	ck_assert_int_ge(wa.fd, 0);
	close(wa.fd);
	ck_ok(releasearea(q));
	ck_ok(releasearea(token));
	close(fd);
}
END_TEST

/* The request is readable but the answer cannot be written back. */
START_TEST(failed_copy_out_leaves_nothing)
{
	int fd = dev(), token, before = count_swing_maps();
	struct swing_create *c;
	struct swing_hook *h;
	void *a;

	ck_ok(createarea(&a, &token, PAGE));
	ck_ok(enablehook(token));
	c = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(c, 0, PAGE);
	c->length = 4 * PAGE;
	ck_assert_int_eq(mprotect(c, PAGE, PROT_READ), 0);
	ck_fails_with(ioctl(fd, SWING_IOC_CREATE, c), EFAULT);
	h = (struct swing_hook *)c;
	ck_assert_int_eq(mprotect(c, PAGE, PROT_READ | PROT_WRITE), 0);
	memset(h, 0, sizeof(*h));
	h->src_token = token;
	ck_assert_int_eq(mprotect(c, PAGE, PROT_READ), 0);
	ck_fails_with(ioctl(fd, SWING_IOC_HOOK, h), EFAULT);
	ck_assert_int_eq(count_swing_maps(), before + 1);
	ck_assert_int_eq(swing_stat("areas"), 1);
	ck_ok(releasearea(token));
	ck_assert_int_eq(swing_stat("pages"), 0);
	close(fd);
}
END_TEST

START_TEST(device_file_ops)
{
	int fd = dev();
	char buf[8];

	ck_assert_ptr_eq(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0), MAP_FAILED);
	ck_assert_int_eq(errno, ENODEV);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), -1);
	ck_assert_int_eq(write(fd, buf, sizeof(buf)), -1);
	close(fd);
}
END_TEST

Suite *swing_suite(void)
{
	Suite *s = suite_create("ioctl_bad_input");
	TCase *tc = tcase_create("ioctl");

	tcase_add_test(tc, bad_pointers);
	tcase_add_test(tc, unknown_commands);
	tcase_add_test(tc, reserved_and_flags);
	tcase_add_test(tc, perm_and_grant_fields);
	tcase_add_test(tc, versions_and_queues_fields);
	tcase_add_test(tc, failed_copy_out_leaves_nothing);
	tcase_add_test(tc, device_file_ops);
	suite_add_tcase(s, tc);
	return s;
}
