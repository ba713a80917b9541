// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

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

int peer_wait(struct peer *p)
{
	int status;

	close(p->to);
	close(p->from);
	ck_assert_int_eq(waitpid(p->pid, &status, 0), p->pid);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
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
