// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <time.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sched.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/utsname.h>

#include "helpers.h"

unsigned long swing_page_size;

static void __attribute__((constructor)) page_size_init(void)
{
	swing_page_size = sysconf(_SC_PAGESIZE);
}

int main(void)
{
	SRunner *sr = srunner_create(swing_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

void peer_start(struct peer *p, peer_fn fn, void *arg)
{
	int to[2], from[2];

	ck_assert_int_eq(pipe(to), 0);
	ck_assert_int_eq(pipe(from), 0);
	p->pid = fork();
	ck_assert_int_ge(p->pid, 0);
	if (p->pid == 0) {
		close(to[1]);
		close(from[0]);
		_exit(fn(to[0], from[1], arg));
	}
	close(to[0]);
	close(from[1]);
	p->to = to[1];
	p->from = from[0];
}

int child_status(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int peer_wait(struct peer *p)
{
	close(p->to);
	close(p->from);
	return child_status(p->pid);
}

int kernel_older_than(int major, int minor)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		abort();
	return maj < major || (maj == major && min < minor);
}

void send_long(int fd, long v)
{
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		abort();
}

long recv_long(int fd)
{
	long v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return -999;
	return v;
}

static long read_number(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fscanf(f, "%ld", &v), 1);
	fclose(f);
	return v;
}

long pages_present(const void *addr, size_t len)
{
	unsigned long first = (unsigned long)addr / PAGE, n = len / PAGE;
	uint64_t e;
	long count = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	ck_assert_int_ge(fd, 0);
	for (unsigned long i = 0; i < n; i++) {
		ck_assert_int_eq(pread(fd, &e, sizeof(e), (first + i) * sizeof(e)),
				 sizeof(e));
		count += (e >> 63) & 1;
	}
	close(fd);
	return count;
}

long swing_stat(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/class/misc/swing/%s", name);
	return read_number(path);
}

unsigned long swing_param(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/swing/parameters/%s", name);
	return (unsigned long)read_number(path);
}

void set_param(const char *name, unsigned long value)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/swing/parameters/%s", name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fprintf(f, "%lu\n", value);
	ck_assert_int_eq(fclose(f), 0);
}

void fill_pages(void *area, size_t len, long version)
{
	for (size_t off = 0; off < len; off += PAGE) {
		long *w = (long *)((char *)area + off);

		w[0] = version;
		w[1] = (long)(off / PAGE);
	}
}

long pages_version(const void *area, size_t len)
{
	long v = *(const long *)area;

	for (size_t off = 0; off < len; off += PAGE) {
		const long *w = (const long *)((const char *)area + off);

		if (w[0] != v || w[1] != (long)(off / PAGE))
			return -1;
	}
	return v;
}

static sigjmp_buf touch_env;

static void touch_handler(int sig)
{
	siglongjmp(touch_env, sig);
}

int touch_signal(volatile char *addr, int write)
{
	struct sigaction sa = { .sa_handler = touch_handler }, osegv, obus;
	int sig;

	sigaction(SIGSEGV, &sa, &osegv);
	sigaction(SIGBUS, &sa, &obus);
	sig = sigsetjmp(touch_env, 1);
	if (!sig) {
		if (write)
			*addr = 1;
		else
			(void)*addr;
	}
	sigaction(SIGSEGV, &osegv, NULL);
	sigaction(SIGBUS, &obus, NULL);
	return sig;
}

short poll_fd(int fd, short events, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n = poll(&pfd, 1, ms);

	ck_assert_msg(n >= 0, "poll: %s", strerror(errno));
	return n ? pfd.revents : 0;
}

long watch_read(int fd)
{
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof(v));

	if (n < 0)
		return -errno;
	if (n == 0)
		return WATCH_EOF;
	return n == sizeof(v) ? (long)v : -EIO;
}

long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

struct swing_totals totals_now(void)
{
	return (struct swing_totals){
		.areas = swing_stat("areas"),
		.pages = swing_stat("pages"),
		.nodes = swing_stat("nodes"),
		.messages = swing_stat("messages"),
		.versions = swing_stat("versions"),
	};
}

static int totals_equal(struct swing_totals a, struct swing_totals b)
{
	return a.areas == b.areas && a.pages == b.pages && a.nodes == b.nodes &&
	       a.messages == b.messages && a.versions == b.versions;
}

/* What /proc/swing lists, for a leak's message (the first lines of it). */
static void proc_swing_text(char *buf, size_t size)
{
	FILE *f = fopen("/proc/swing", "r");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;

	buf[n] = 0;
	if (f)
		fclose(f);
}

void ck_totals_back(const char *who, struct swing_totals before)
{
	struct swing_totals now = totals_now();
	char procs[2048];

	for (int i = 0; i < 100 && !totals_equal(now, before); i++) {
		usleep(100000);
		now = totals_now();
	}
	if (totals_equal(now, before))
		return;
	proc_swing_text(procs, sizeof(procs));
	ck_abort_msg("%s leaked: areas %ld pages %ld nodes %ld messages %ld versions %ld, "
		     "before it %ld %ld %ld %ld %ld; /proc/swing:\n%s",
		     who, now.areas, now.pages, now.nodes, now.messages,
		     now.versions, before.areas, before.pages, before.nodes,
		     before.messages, before.versions, procs);
}

static struct swing_totals fixture_before;

void totals_setup(void)
{
	fixture_before = totals_now();
}

void totals_teardown(void)
{
	char who[128];

	snprintf(who, sizeof(who), "test %s", tcase_name());
	ck_totals_back(who, fixture_before);
}

int proc_swing_word(int token, const char *column, char *buf, size_t size)
{
	FILE *f = fopen("/proc/swing", "r");
	char line[512], *save, *w;
	int col = -1, i, ret = -1;

	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f))
		for (i = 0, w = strtok_r(line, " \t\n", &save); w;
		     i++, w = strtok_r(NULL, " \t\n", &save))
			if (!strcmp(w, column))
				col = i;
	while (col >= 0 && ret && fgets(line, sizeof(line), f)) {
		w = strtok_r(line, " \t\n", &save);
		if (!w || atoi(w) != token)
			continue;
		for (i = 0; w && i < col; i++)
			w = strtok_r(NULL, " \t\n", &save);
		if (w) {
			snprintf(buf, size, "%s", w);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

long proc_swing_long(int token, const char *column)
{
	char word[64];

	return proc_swing_word(token, column, word, sizeof(word)) ? LONG_MIN :
	       strtol(word, NULL, 10);
}

long proc_swing_wait(int token, const char *column, long want)
{
	long v = proc_swing_long(token, column);

	for (int i = 0; i < 200 && v != want; i++) {
		usleep(50000);
		v = proc_swing_long(token, column);
	}
	return v;
}

long proc_swing_lines(void)
{
	FILE *f = fopen("/proc/swing", "r");
	char line[512];
	long n = -1;	/* the header */

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* The length of the mapping that starts at addr (/proc/self/maps), or 0. */
static size_t mapping_length(const void *addr)
{
	FILE *m = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long s, e;
	size_t len = 0;

	while (m && fgets(line, sizeof(line), m))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 &&
		    s == (unsigned long)addr)
			len = e - s;
	if (m)
		fclose(m);
	return len;
}

static int remote_main(int in, int out, void *arg)
{
	remote_ext_fn ext = arg;
	void *area = NULL;
	size_t len = 0;
	int token = 0, q, fd;
	uint64_t version;
	unsigned long length;
	struct iovec iov;

	for (;;) {
		long cmd = recv_long(in), a = recv_long(in), b = recv_long(in);
		long ans = 0;

		switch (cmd) {
		case R_CREATE:
			if (createarea(&area, &token, a))
				ans = -errno;
			else
				ans = token, len = (a + PAGE - 1) & ~(PAGE - 1);
			break;
		case R_HOOK:
		case R_HOOKV:
			if (swing_hook_version(&area, &token, a, 0, &version)) {
				ans = -errno;
			} else {
				ans = cmd == R_HOOK ? token : (long)version;
				len = mapping_length(area);
			}
			break;
		case R_READ:
			ans = *(volatile long *)((char *)area + a);
			break;
		case R_WRITE:
			*(volatile long *)((char *)area + a) = b;
			break;
		case R_FILL:
			fill_pages(area, len, a);
			break;
		case R_VERSION:
			ans = pages_version(area, len);
			break;
		case R_ENABLE:
			ans = enablehook(a) ? -errno : 0;
			break;
		case R_DISABLE:
			ans = disablehook(a) ? -errno : 0;
			break;
		case R_RELEASE:
			ans = releasearea(a) ? -errno : 0;
			break;
		case R_SETUID:
			ans = (setgroups(0, NULL) || setgid(b ? b : a) ||
			       setuid(a)) ? -errno : 0;
			break;
		case R_SETPERM:
			ans = swing_setperm(a, (b >> 32) & 0xffff,
					    (b >> 16) & 0xffff, b & 0xffff) ?
			      -errno : 0;
			break;
		case R_GRANT:
			ans = (b > 0 ? swing_grant(a, b) : swing_revoke(a, -b)) ?
			      -errno : 0;
			break;
		case R_PID:
			ans = getpid();
			break;
		case R_UNSHARE:
			ans = unshare(a) ? -errno : 0;
			break;
		case R_PROCLINES:
			ans = proc_swing_lines();
			break;
		case R_FILLW:
			for (size_t i = 0; i < len / sizeof(long); i++)
				((long *)area)[i] = a * (long)i + b;
			break;
		case R_SUM:
			for (size_t i = 0; i < len / sizeof(long); i++)
				ans += ((long *)area)[i];
			break;
		case R_PUBLISH:
			ans = swing_publish(a, &version) ? -errno : (long)version;
			break;
		case R_TOKEN:
			ans = token;
			break;
		case R_LENGTH:
			ans = len;
			break;
		case R_WAIT:
			ans = swing_wait((int)(a & 0xffffffff), b, (int)(a >> 32),
					 &version) ? -errno : (long)version;
			break;
		case R_QCREATE:
			ans = swing_queue_create(&q, a) ? -errno : q;
			break;
		case R_SEND:
			ans = swing_send(a, token, b) ? -errno : 0;
			break;
		case R_RECV:
			if (swing_recv(a, &area, &token, &length, b))
				ans = -errno;
			else
				ans = token, len = length;
			break;
		case R_WATCH:
			fd = swing_watch(a);
			ans = fd < 0 ? -errno : fd;
			break;
		case R_WATCH_READ:
			ans = watch_read(a);
			break;
		case R_VMSPLICE:
			iov.iov_base = (char *)area + a;
			iov.iov_len = PAGE;
			ans = vmsplice(b, &iov, 1, 0) < 0 ? -errno : (long)PAGE;
			break;
		case R_EXIT:
			return 0;
		default:
			if (!ext || cmd < R_USER)
				return 0;
			ans = ext(cmd, a, b, area, len);
			break;
		}
		send_long(out, ans);
	}
}

void slow_dev_setup(struct slow_dev *d, const char *name, int delay_ms)
{
	char cmd[512];
	FILE *f;

	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->image, sizeof(d->image), "/dev/shm/%s.img", name);
	/* modules, or built in (the debug kernel) */
	ck_assert_int_eq(system("(modprobe -q loop || [ -e /dev/loop-control ]) && "
				"(modprobe -q dm-delay || dmsetup targets | grep -q '^delay')"), 0);
	snprintf(cmd, sizeof(cmd),
		 "head -c 1048576 /dev/zero | tr '\\0' '\\253' > %s", d->image);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "losetup --find --show %s", d->image);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(d->loop, sizeof(d->loop), f));
	pclose(f);
	d->loop[strcspn(d->loop, "\n")] = 0;
	snprintf(cmd, sizeof(cmd),
		 "dmsetup create %s --noudevsync --table '0 2048 delay %s 0 %d'",
		 d->name, d->loop, delay_ms);
	ck_assert_int_eq(system(cmd), 0);
	/* no udev in the guest: the node devtmpfs made, /dev/dm-N */
	snprintf(cmd, sizeof(cmd), "dmsetup info -c --noheadings -o blkdevname %s",
		 d->name);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	strcpy(d->path, "/dev/");
	ck_assert_ptr_nonnull(fgets(d->path + 5, sizeof(d->path) - 5, f));
	pclose(f);
	d->path[strcspn(d->path, "\n ")] = 0;
}

void slow_dev_teardown(struct slow_dev *d)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "dmsetup remove --retry --noudevsync %s; losetup -d %s; rm -f %s",
		 d->name, d->loop, d->image);
	if (system(cmd))
		fprintf(stderr, "%s: teardown failed\n", d->name);
}

void remote_start(struct peer *p)
{
	peer_start(p, remote_main, NULL);
}

void remote_start_ext(struct peer *p, remote_ext_fn fn)
{
	peer_start(p, remote_main, fn);
}

void remote_post(struct peer *p, long cmd, long a, long b)
{
	send_long(p->to, cmd);
	send_long(p->to, a);
	send_long(p->to, b);
}

long remote_reply(struct peer *p)
{
	return recv_long(p->from);
}

int remote_answered(struct peer *p, int ms)
{
	return (poll_fd(p->from, POLLIN, ms) & (POLLIN | POLLHUP)) != 0;
}

long remote(struct peer *p, long cmd, long a, long b)
{
	remote_post(p, cmd, a, b);
	return remote_reply(p);
}

int remote_stop(struct peer *p)
{
	send_long(p->to, R_EXIT);
	send_long(p->to, 0);
	send_long(p->to, 0);
	return peer_wait(p);
}

void remotes_start(struct peer *p, ...)
{
	va_list ap;

	va_start(ap, p);
	for (; p; p = va_arg(ap, struct peer *))
		remote_start(p);
	va_end(ap);
}

void remotes_stop(struct peer *p, ...)
{
	va_list ap;

	va_start(ap, p);
	for (; p; p = va_arg(ap, struct peer *))
		ck_assert_msg(remote_stop(p) == 0, "a remote (pid %d) did not exit 0",
			      (int)p->pid);
	va_end(ap);
}
