// SPDX-License-Identifier: GPL-2.0-only
/*
 * The /dev/swing ioctls: copy in, validate every field, call area.c, copy
 * out.  Userspace memory is only touched here, never under an area lock.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/swing.h>

#include "area.h"
#include "ioctl.h"

static bool reserved_zero(const void *p, size_t size)
{
	return !memchr_inv(p, 0, size);
}

/*
 * The object named by @token, if it is of @kind: calls meant for the other
 * kind fail with EOPNOTSUPP.
 */
static struct swing_area *get_kind(int token, enum swing_kind kind)
{
	struct swing_area *obj = swing_area_get(token);

	if (!IS_ERR(obj) && obj->kind != kind) {
		swing_area_put(obj);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return obj;
}

static long ioc_version(void __user *uarg)
{
	struct swing_version v = {
		.abi_version = SWING_ABI_VERSION,
		.major = SWING_VERSION_MAJOR,
		.minor = SWING_VERSION_MINOR,
		.patch = SWING_VERSION_PATCH,
	};

	return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
}

static long ioc_create(struct swing_session *session, void __user *uarg)
{
	struct swing_create req;
	struct swing_area *area;
	unsigned long addr;
	long ret = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	if (!req.length)
		return -EINVAL;
	if (req.length > READ_ONCE(swing_max_area_size))
		return -EFBIG;

	area = swing_area_create(session, req.length, &addr);
	if (IS_ERR(area))
		return PTR_ERR(area);
	req.token = area->token;
	req.addr = addr;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		swing_area_release(area, true);
		ret = -EFAULT;
	}
	swing_area_put(area);
	return ret;
}

static long ioc_hook(struct swing_session *session, void __user *uarg)
{
	struct swing_area *src, *area;
	struct swing_hook req;
	unsigned long addr;
	long ret = 0;
	u64 version;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~SWING_HOOK_FLAGS) || req.__pad || req.version ||
	    !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;

	src = get_kind(req.src_token, SWING_KIND_AREA);
	if (IS_ERR(src))
		return PTR_ERR(src);
	ret = swing_perm_hook(src);
	if (ret) {
		swing_area_put(src);
		return ret;
	}
	area = swing_area_hook(session, src, &addr, &version);
	swing_area_put(src);
	if (IS_ERR(area))
		return PTR_ERR(area);
	if (req.flags & SWING_HOOK_POPULATE)
		swing_area_populate(area, addr);

	req.token = area->token;
	req.addr = addr;
	req.length = (__u64)area->npages << PAGE_SHIFT;
	req.version = version;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		swing_area_release(area, true);
		ret = -EFAULT;
	}
	swing_area_put(area);
	return ret;
}

/*
 * enablehook, disablehook, releasearea: the owning process's calls on a
 * token; CAP_IPC_OWNER may make them on any area of its IPC namespace.
 */
static long ioc_token_op(unsigned int cmd, void __user *uarg)
{
	struct swing_token_op req;
	struct swing_area *area;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;

	area = swing_area_get(req.token);
	if (IS_ERR(area))
		return PTR_ERR(area);
	if (cmd != SWING_IOC_RELEASE && area->kind != SWING_KIND_AREA) {
		ret = -EOPNOTSUPP;
	} else if (cmd != SWING_IOC_RELEASE &&
		   (swing_area_owned(area) || swing_capable())) {
		ret = swing_area_set_enabled(area, cmd == SWING_IOC_ENABLE);
	} else if (swing_area_owned(area)) {
		ret = swing_area_release(area, true);
	} else if (swing_capable()) {
		/*
		 * Revoke, like IPC_RMID: the token goes, nobody can hook the
		 * area any more, and its owner keeps its mapping until it
		 * unmaps it or exits (its calls on the token get ENOENT).
		 */
		ret = swing_area_release(area, false);
	} else {
		ret = -EPERM;
	}
	swing_area_put(area);
	return ret;
}

static long ioc_perm(unsigned int cmd, void __user *uarg)
{
	struct swing_area *area;
	struct swing_perm req;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.__pad ||
	    !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	area = swing_area_get(req.token);
	if (IS_ERR(area))
		return PTR_ERR(area);
	if (cmd == SWING_IOC_SETPERM) {
		ret = swing_perm_set(area, &req);
	} else {
		ret = swing_perm_get(area, &req);
		if (!ret && copy_to_user(uarg, &req, sizeof(req)))
			ret = -EFAULT;
	}
	swing_area_put(area);
	return ret;
}

static long ioc_grant(void __user *uarg)
{
	struct swing_area *area;
	struct swing_grant req;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~SWING_GRANT_FLAGS) || req.__pad ||
	    !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	area = swing_area_get(req.token);
	if (IS_ERR(area))
		return PTR_ERR(area);
	ret = swing_perm_grant(area, req.pid, req.flags & SWING_GRANT_REVOKE);
	swing_area_put(area);
	return ret;
}

static long ioc_publish(void __user *uarg)
{
	struct swing_publish req;
	struct swing_area *area;
	u64 version = 0;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.version ||
	    !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	area = get_kind(req.token, SWING_KIND_AREA);
	if (IS_ERR(area))
		return PTR_ERR(area);
	if (swing_area_owned(area) || swing_capable())
		ret = swing_area_publish(area, &version);
	else
		ret = -EPERM;
	swing_area_put(area);
	if (ret)
		return ret;
	req.version = version;
	/* Published whatever the copy does, as a write(2) stays written. */
	return copy_to_user(uarg, &req, sizeof(req)) ? -EFAULT : 0;
}

/*
 * The notify of the object @token names, for a caller @mask allows
 * (perm.c): the object itself is not held while the caller sleeps.
 */
static struct swing_notify *get_notify(int token, int kind, umode_t mask)
{
	struct swing_notify *n;
	struct swing_area *obj;
	int ret;

	obj = kind < 0 ? swing_area_get(token) : get_kind(token, kind);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	if (obj->kind == SWING_KIND_QUEUE)
		mask = 06;
	ret = swing_perm_check(obj, mask);
	n = obj->notify;
	if (!ret)
		swing_notify_get(n);
	swing_area_put(obj);
	return ret ? ERR_PTR(ret) : n;
}

static long ioc_wait(void __user *uarg)
{
	struct swing_notify *n;
	struct swing_wait req;
	u64 version;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.__pad || req.version || req.timeout_ms < -1 ||
	    !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	n = get_notify(req.token, SWING_KIND_AREA, 04);
	if (IS_ERR(n))
		return PTR_ERR(n);
	ret = swing_notify_wait(n, req.after, req.timeout_ms, &version);
	swing_notify_put(n);
	if (ret)
		return ret;
	req.version = version;
	return copy_to_user(uarg, &req, sizeof(req)) ? -EFAULT : 0;
}

static long ioc_watch(void __user *uarg)
{
	struct swing_notify *n;
	struct swing_watch req;
	struct file *file;
	long ret;
	int fd;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.__pad || req.fd ||
	    !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	n = get_notify(req.token, -1, 04);
	if (IS_ERR(n))
		return PTR_ERR(n);
	ret = swing_watch_open(n, &file);
	swing_notify_put(n);
	if (ret)
		return ret;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		fput(file);
		return fd;
	}
	req.fd = fd;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		put_unused_fd(fd);
		fput(file);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;
}

static long ioc_queue_create(struct swing_session *session, void __user *uarg)
{
	struct swing_queue_create req;
	struct swing_area *qarea;
	long ret = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.__pad || req.token ||
	    !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	qarea = swing_queue_create(session, req.depth);
	if (IS_ERR(qarea))
		return PTR_ERR(qarea);
	req.token = qarea->token;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		swing_area_release(qarea, true);
		ret = -EFAULT;
	}
	swing_area_put(qarea);
	return ret;
}

static long ioc_send(void __user *uarg)
{
	struct swing_area *qarea, *area;
	struct swing_send req;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~SWING_SEND_FLAGS) || req.__pad ||
	    !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	qarea = get_kind(req.qtoken, SWING_KIND_QUEUE);
	if (IS_ERR(qarea))
		return PTR_ERR(qarea);
	area = get_kind(req.token, SWING_KIND_AREA);
	if (IS_ERR(area)) {
		ret = PTR_ERR(area);
		goto out_queue;
	}
	ret = swing_perm_check(qarea, 02);
	if (!ret && !swing_area_owned(area))
		ret = -EPERM;
	if (!ret)
		ret = swing_queue_send(qarea, area, req.flags);
	swing_area_put(area);
out_queue:
	swing_area_put(qarea);
	return ret;
}

static long ioc_recv(struct swing_session *session, void __user *uarg)
{
	struct swing_area *qarea, *area;
	struct swing_recv req;
	unsigned long addr;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~SWING_RECV_FLAGS) || req.__pad || req.token ||
	    req.addr || req.length ||
	    !reserved_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	qarea = get_kind(req.qtoken, SWING_KIND_QUEUE);
	if (IS_ERR(qarea))
		return PTR_ERR(qarea);
	ret = swing_perm_check(qarea, 04);
	area = ret ? ERR_PTR(ret) :
		     swing_queue_recv(session, qarea, req.flags, &addr);
	swing_area_put(qarea);
	if (IS_ERR(area))
		return PTR_ERR(area);
	req.token = area->token;
	req.addr = addr;
	req.length = (__u64)area->npages << PAGE_SHIFT;
	/*
	 * The message is received whatever the copy does: the area stays the
	 * caller's (its token is in /proc/swing, and the exit releases it),
	 * since giving it back to the queue could break its order.
	 */
	ret = copy_to_user(uarg, &req, sizeof(req)) ? -EFAULT : 0;
	swing_area_put(area);
	return ret;
}

long swing_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct swing_session *session = file->private_data;
	void __user *uarg = (void __user *)arg;

	/* Areas live in an address space: none, no areas (kernel threads). */
	if (!current->mm)
		return -EINVAL;

	switch (cmd) {
	case SWING_IOC_VERSION:
		return ioc_version(uarg);
	case SWING_IOC_CREATE:
		return ioc_create(session, uarg);
	case SWING_IOC_HOOK:
		return ioc_hook(session, uarg);
	case SWING_IOC_ENABLE:
	case SWING_IOC_DISABLE:
	case SWING_IOC_RELEASE:
		return ioc_token_op(cmd, uarg);
	case SWING_IOC_GETPERM:
	case SWING_IOC_SETPERM:
		return ioc_perm(cmd, uarg);
	case SWING_IOC_GRANT:
		return ioc_grant(uarg);
	case SWING_IOC_PUBLISH:
		return ioc_publish(uarg);
	case SWING_IOC_WAIT:
		return ioc_wait(uarg);
	case SWING_IOC_WATCH:
		return ioc_watch(uarg);
	case SWING_IOC_QUEUE_CREATE:
		return ioc_queue_create(session, uarg);
	case SWING_IOC_SEND:
		return ioc_send(uarg);
	case SWING_IOC_RECV:
		return ioc_recv(session, uarg);
	default:
		return -ENOTTY;
	}
}
