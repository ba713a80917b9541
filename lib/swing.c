// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libswing: the ioctls of /dev/swing as the five calls of the SWING API.
 *
 * The device is opened on first use, close-on-exec.  Areas belong to the
 * process that created or hooked them and are released when its descriptor
 * of /dev/swing is closed; a child of fork() therefore drops the inherited
 * descriptor (atfork handler) and opens its own on first use.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "swing.h"

#ifndef SWING_EXPORT	/* the Python extension compiles this file in, hidden */
#define SWING_EXPORT __attribute__((visibility("default")))
#endif

static pthread_mutex_t swing_lock = PTHREAD_MUTEX_INITIALIZER;
static int swing_fd = -1;	/* written under swing_lock, read atomically */
static int swing_atfork_done;

static void swing_atfork_child(void)
{
	/* The parent's descriptor holds the parent's areas: not ours. */
	if (swing_fd >= 0)
		close(swing_fd);
	swing_fd = -1;
	pthread_mutex_init(&swing_lock, NULL);
}

static int swing_open_locked(void)
{
	struct swing_version v;
	int fd;

	fd = open(SWING_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&v, 0, sizeof(v));
	if (ioctl(fd, SWING_IOC_VERSION, &v) < 0 ||
	    v.abi_version != SWING_ABI_VERSION) {
		if (getenv("SWING_QUIET") == NULL)
			fprintf(stderr,
				"libswing: %s speaks ABI %u, this library ABI %u\n",
				SWING_DEVICE, v.abi_version, SWING_ABI_VERSION);
		close(fd);
		errno = EPROTO;
		return -1;
	}
	if (!swing_atfork_done) {
		if (pthread_atfork(NULL, NULL, swing_atfork_child)) {
			close(fd);
			errno = ENOMEM;
			return -1;
		}
		swing_atfork_done = 1;
	}
	return fd;
}

static int swing_dev(void)
{
	int fd = __atomic_load_n(&swing_fd, __ATOMIC_ACQUIRE);

	if (fd >= 0)
		return fd;
	pthread_mutex_lock(&swing_lock);
	fd = swing_fd;
	if (fd < 0) {
		fd = swing_open_locked();
		if (fd >= 0)
			__atomic_store_n(&swing_fd, fd, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&swing_lock);
	return fd;
}

static int swing_ioctl(unsigned long cmd, void *arg)
{
	int fd = swing_dev();

	if (fd < 0)
		return -1;
	return ioctl(fd, cmd, arg) < 0 ? -1 : 0;
}

SWING_EXPORT int swing_version(struct swing_version *version)
{
	if (!version) {
		errno = EINVAL;
		return -1;
	}
	memset(version, 0, sizeof(*version));
	return swing_ioctl(SWING_IOC_VERSION, version);
}

SWING_EXPORT int swing_createarea(void **address, int *token,
				  unsigned long length)
{
	struct swing_create req;

	if (!address || !token) {
		errno = EINVAL;
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.length = length;
	if (swing_ioctl(SWING_IOC_CREATE, &req))
		return -1;
	*address = (void *)(uintptr_t)req.addr;
	*token = req.token;
	return 0;
}

SWING_EXPORT int swing_hook_version(void **address, int *out_token, int token,
				    unsigned int flags, uint64_t *version)
{
	struct swing_hook req;

	if (!address || !out_token) {
		errno = EINVAL;
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.src_token = token;
	req.flags = flags;
	if (swing_ioctl(SWING_IOC_HOOK, &req))
		return -1;
	*address = (void *)(uintptr_t)req.addr;
	*out_token = req.token;
	if (version)
		*version = req.version;
	return 0;
}

SWING_EXPORT int swing_hook_flags(void **address, int *out_token, int token,
				  unsigned int flags)
{
	return swing_hook_version(address, out_token, token, flags, NULL);
}

SWING_EXPORT int swing_hook(void **address, int *out_token, int token)
{
	return swing_hook_flags(address, out_token, token, 0);
}

static int swing_token_op(unsigned long cmd, int token)
{
	struct swing_token_op req;

	memset(&req, 0, sizeof(req));
	req.token = token;
	return swing_ioctl(cmd, &req);
}

SWING_EXPORT int swing_enablehook(int token)
{
	return swing_token_op(SWING_IOC_ENABLE, token);
}

SWING_EXPORT int swing_disablehook(int token)
{
	return swing_token_op(SWING_IOC_DISABLE, token);
}

SWING_EXPORT int swing_releasearea(int token)
{
	return swing_token_op(SWING_IOC_RELEASE, token);
}

SWING_EXPORT int swing_getperm(int token, struct swing_perm *perm)
{
	if (!perm) {
		errno = EINVAL;
		return -1;
	}
	memset(perm, 0, sizeof(*perm));
	perm->token = token;
	return swing_ioctl(SWING_IOC_GETPERM, perm);
}

SWING_EXPORT int swing_setperm(int token, uid_t uid, gid_t gid, mode_t mode)
{
	struct swing_perm req;

	memset(&req, 0, sizeof(req));
	req.token = token;
	req.uid = uid;
	req.gid = gid;
	req.mode = mode;
	return swing_ioctl(SWING_IOC_SETPERM, &req);
}

static int swing_grant_op(int token, pid_t pid, unsigned int flags)
{
	struct swing_grant req;

	memset(&req, 0, sizeof(req));
	req.token = token;
	req.pid = pid;
	req.flags = flags;
	return swing_ioctl(SWING_IOC_GRANT, &req);
}

SWING_EXPORT int swing_grant(int token, pid_t pid)
{
	return swing_grant_op(token, pid, 0);
}

SWING_EXPORT int swing_revoke(int token, pid_t pid)
{
	return swing_grant_op(token, pid, SWING_GRANT_REVOKE);
}

SWING_EXPORT int swing_publish(int token, uint64_t *version)
{
	struct swing_publish req;

	memset(&req, 0, sizeof(req));
	req.token = token;
	if (swing_ioctl(SWING_IOC_PUBLISH, &req))
		return -1;
	if (version)
		*version = req.version;
	return 0;
}

SWING_EXPORT int swing_wait(int token, uint64_t after, int timeout_ms,
			    uint64_t *version)
{
	struct swing_wait req;

	memset(&req, 0, sizeof(req));
	req.token = token;
	req.after = after;
	req.timeout_ms = timeout_ms;
	if (swing_ioctl(SWING_IOC_WAIT, &req))
		return -1;
	if (version)
		*version = req.version;
	return 0;
}

SWING_EXPORT int swing_watch(int token)
{
	struct swing_watch req;

	memset(&req, 0, sizeof(req));
	req.token = token;
	if (swing_ioctl(SWING_IOC_WATCH, &req))
		return -1;
	return req.fd;
}

SWING_EXPORT int swing_queue_create(int *qtoken, unsigned int depth)
{
	struct swing_queue_create req;

	if (!qtoken) {
		errno = EINVAL;
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.depth = depth;
	if (swing_ioctl(SWING_IOC_QUEUE_CREATE, &req))
		return -1;
	*qtoken = req.token;
	return 0;
}

SWING_EXPORT int swing_send(int qtoken, int token, unsigned int flags)
{
	struct swing_send req;

	memset(&req, 0, sizeof(req));
	req.qtoken = qtoken;
	req.token = token;
	req.flags = flags;
	return swing_ioctl(SWING_IOC_SEND, &req);
}

SWING_EXPORT int swing_recv(int qtoken, void **address, int *out_token,
			    unsigned long *length, unsigned int flags)
{
	struct swing_recv req;

	if (!address || !out_token) {
		errno = EINVAL;
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.qtoken = qtoken;
	req.flags = flags;
	if (swing_ioctl(SWING_IOC_RECV, &req))
		return -1;
	*address = (void *)(uintptr_t)req.addr;
	*out_token = req.token;
	if (length)
		*length = req.length;
	return 0;
}

/* The SWING paper's names. */
SWING_EXPORT int createarea(void **address, int *token, unsigned long length)
{
	return swing_createarea(address, token, length);
}

SWING_EXPORT int hook(void **address, int *out_token, int token)
{
	return swing_hook(address, out_token, token);
}

SWING_EXPORT int enablehook(int token)
{
	return swing_enablehook(token);
}

SWING_EXPORT int disablehook(int token)
{
	return swing_disablehook(token);
}

SWING_EXPORT int releasearea(int token)
{
	return swing_releasearea(token);
}
